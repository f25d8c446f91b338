// SPDX-License-Identifier: GPL-2.0
// VPIN_IOC_MAP: mappings of pinned FS-DAX pages that the kernel's own
// long-term pinners accept (io_uring fixed buffers here; RDMA in
// vpin-t-map_rdma), their life cycle, and the orphaned leases that keep a
// file protected while a device still holds its pages.
#include "tap.hpp"
#include "util.hpp"

#include <cstring>
#include <fcntl.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

namespace {

using vt::offset;
using vt::open_file;
using vt::pages;

constexpr size_t file_pages = 16;
const vt::FsKind dax_kinds[] = {vt::ext4_dax, vt::xfs_dax};

// A DAX file under an exclusive lease of a session, mapped shared, with a
// pin of pages [2, 2 + npin) and, after map(), a mapping descriptor of it.
struct Leased {
	Leased(const vt::FsKind &k, bool write, size_t pinned = 8)
		: mount(k), path(mount.path("f")), fd(vt::make_file(path, pages(file_pages))),
		  map(pages(file_pages), PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED,
		      fd.get(), 0),
		  session(vt::open_session()), npin(pinned)
	{
		CHECK_OK(vt::lease(session.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_OK(vt::pin(session.get(), map.addr() + pages(2), pages(npin),
				 write ? VPIN_PIN_F_WRITE : 0, &pin));
	}

	vt::Fd map_fd(uint64_t off = 0, uint64_t len = 0)
	{
		int m = -1;
		CHECK_OK(vt::map_pin(session.get(), pin, off, len, &m));
		return vt::Fd(m);
	}

	vt::Mount mount;
	std::string path;
	vt::Fd fd;
	vt::Map map;
	vt::Fd session;
	size_t npin;
	uint64_t lease = 0, pin = 0;
};

// Does touching addr (a read, or a write) in a child end it with SIGBUS?
bool touch_sigbus(const char *addr, bool write)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (write)
			*const_cast<volatile char *>(addr) = 1;
		else
			(void)*static_cast<const volatile char *>(addr);
		_exit(0);
	}
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

std::string read_file(const std::string &path, off_t at, size_t length)
{
	vt::Fd f = open_file(path, O_RDONLY);
	std::string buf(length, '\0');
	CHECK_EQ(pread(f.get(), buf.data(), length, at), static_cast<ssize_t>(length));
	return buf;
}

TEST("a mapping serves the pinned pages of the file: what is written through it is in the file")
{
	for (const auto &k : dax_kinds) {
		Leased l(k, true);
		vt::Fd m = l.map_fd();
		vt::Map alias(pages(l.npin), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), 0);
		// Both ways: the file's mapping and the alias are the same pages.
		CHECK(memcmp(alias.data(), l.map.data() + pages(2), pages(l.npin)) == 0);
		std::string pattern(pages(l.npin), '\0');
		vt::fill_pattern(pattern.data(), pattern.size(), 42);
		memcpy(alias.data(), pattern.data(), pattern.size());
		CHECK(memcmp(l.map.data() + pages(2), pattern.data(), pattern.size()) == 0);
		CHECK(read_file(l.path, offset(2), pages(l.npin)) == pattern);
		l.map.data()[pages(3)] = 'x';
		CHECK_EQ(alias.data()[pages(1)], 'x');
		auto info = vt::fdinfo(m.get(), "vpin-map");
		CHECK_EQ(info.size(), size_t{1});
		vt::check_field(info[0], "pin", std::to_string(l.pin));
		vt::check_field(info[0], "state", "live");
	}
}

TEST("a part of a pin can be mapped, and mmap offsets are relative to the mapping")
{
	Leased l(vt::ext4_dax, true);
	vt::Fd m = l.map_fd(pages(2), pages(3));
	vt::Map alias(pages(2), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), offset(1));
	alias.data()[0] = 'q';
	// Pin page 3 is file page 5.
	CHECK_EQ(l.map.data()[pages(5)], 'q');
	CHECK(mmap(nullptr, pages(3), PROT_READ, MAP_SHARED, m.get(), offset(1)) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
}

TEST("a read-only pin gives a read-only mapping: PROT_WRITE and mprotect are EACCES")
{
	for (const auto &k : dax_kinds) {
		Leased l(k, false);
		vt::Fd m = l.map_fd();
		CHECK(mmap(nullptr, pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), 0) ==
		      MAP_FAILED);
		CHECK_EQ(errno, EACCES);
		vt::Map alias(pages(l.npin), PROT_READ, MAP_SHARED, m.get(), 0);
		CHECK(memcmp(alias.data(), l.map.data() + pages(2), pages(l.npin)) == 0);
		CHECK_ERRNO(mprotect(alias.data(), pages(1), PROT_READ | PROT_WRITE), EACCES);
		CHECK(touch_sigbus(alias.data(), true) == false);	// SIGSEGV, not a write
	}
}

TEST("hostile VPIN_IOC_MAP requests get precise errors and make nothing")
{
	vt::Mount dax(vt::ext4_dax);
	auto s = vt::open_session();
	// A DAX pin under an exclusive lease, to corrupt the requests of.
	const std::string path = dax.path("f");
	vt::Fd fd = vt::make_file(path, pages(file_pages));
	vt::Map fmap(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	uint64_t lease = 0, pin = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
	CHECK_OK(vt::pin(s.get(), fmap.addr(), pages(4), VPIN_PIN_F_WRITE, &pin));
	auto req = [&](auto &&edit) {
		struct vpin_map m = {};
		m.pin_id = pin;
		edit(m);
		return ioctl(s.get(), VPIN_IOC_MAP, &m);
	};
	CHECK_ERRNO(req([](vpin_map &m) { m.flags = 1; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.reserved[1] = 1; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.offset = 1; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.length = 100; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.offset = offset(4); }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.offset = offset(1); m.length = pages(4); }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.offset = ~0ULL & ~4095ULL; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.length = ~0ULL & ~4095ULL; }), EINVAL);
	CHECK_ERRNO(req([](vpin_map &m) { m.pin_id = 0; }), ENOENT);
	CHECK_ERRNO(req([](vpin_map &m) { m.pin_id = 999; }), ENOENT);
	CHECK_ERRNO(req([](vpin_map &m) { m.pin_id = 1ULL << 32 | 1; }), ENOENT);
	CHECK_ERRNO(ioctl(s.get(), _IOWR(VPIN_IOC_MAGIC, 0x05, uint64_t), nullptr), EINVAL);
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_MAP, reinterpret_cast<void *>(8)), EFAULT);

	// Anonymous memory, the page cache, copies of a private mapping.
	vt::Map anon(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	uint64_t apin = 0;
	CHECK_OK(vt::pin(s.get(), anon.addr(), pages(2), VPIN_PIN_F_WRITE, &apin));
	CHECK_ERRNO(vt::map_pin(s.get(), apin, 0, 0, nullptr), ENODEV);
	vt::Mount pc(vt::xfs_pagecache);
	vt::Fd pfd = vt::make_file(pc.path("p"), pages(2));
	vt::Map pmap(pages(2), PROT_READ, MAP_SHARED, pfd.get(), 0);
	uint64_t ppin = 0;
	CHECK_OK(vt::pin(s.get(), pmap.addr(), pages(2), 0, &ppin));
	CHECK_ERRNO(vt::map_pin(s.get(), ppin, 0, 0, nullptr), ENODEV);
	const std::string cow = dax.path("cow");
	vt::Fd cfd = vt::make_file(cow, pages(2));
	vt::Map cmap(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE, cfd.get(), 0);
	uint64_t clease = 0, cpin = 0;
	CHECK_OK(vt::lease(s.get(), cfd.get(), VPIN_LEASE_EXCLUSIVE, &clease));
	CHECK_OK(vt::pin(s.get(), cmap.addr(), pages(2), VPIN_PIN_F_WRITE, &cpin));
	CHECK_ERRNO(vt::map_pin(s.get(), cpin, 0, 0, nullptr), ENODEV);
	// A breakable lease protects nothing: no mapping under it.
	const std::string b = dax.path("b");
	vt::Fd bfd = vt::make_file(b, pages(2));
	vt::Map bmap(pages(2), PROT_READ, MAP_SHARED, bfd.get(), 0);
	uint64_t blease = 0, bpin = 0;
	CHECK_OK(vt::lease(s.get(), bfd.get(), VPIN_LEASE_BREAKABLE, &blease));
	CHECK_OK(vt::pin(s.get(), bmap.addr(), pages(2), 0, &bpin));
	CHECK_ERRNO(vt::map_pin(s.get(), bpin, 0, 0, nullptr), EPERM);
	// Another session's pin is not this session's.
	auto other = vt::open_session();
	CHECK_ERRNO(vt::map_pin(other.get(), pin, 0, 0, nullptr), ENOENT);
	// Nothing was made: no descriptor beyond those of this test.
	CHECK(vt::fdinfo(s.get(), "pin").size() == 5);
	int m = -1;
	CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &m));
	CHECK(fcntl(m, F_GETFD) & FD_CLOEXEC);
	close(m);
	// Only in the session's address space, as for pins.
	vt::Child child([&] { CHECK_ERRNO(vt::map_pin(s.get(), pin, 0, 0, nullptr), EPERM); });
	child.wait();
	// A lease makes 1024 mappings at most, closed or not.
	for (int i = 1; i < 1024; i++) {
		CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &m));
		close(m);
	}
	CHECK_ERRNO(vt::map_pin(s.get(), pin, 0, 0, nullptr), ENOSPC);
}

TEST("a mapping is shared, inside its range, and cannot grow")
{
	Leased l(vt::xfs_dax, true);
	vt::Fd m = l.map_fd();
	CHECK(mmap(nullptr, pages(1), PROT_READ, MAP_PRIVATE, m.get(), 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(nullptr, pages(l.npin + 1), PROT_READ, MAP_SHARED, m.get(), 0) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(nullptr, pages(1), PROT_READ, MAP_SHARED, m.get(), offset(l.npin)) ==
	      MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	vt::Map alias(pages(4), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), 0);
	void *grown = mremap(alias.data(), pages(4), pages(8), MREMAP_MAYMOVE);
	CHECK(grown == MAP_FAILED);
	CHECK_EQ(errno, EFAULT);
	// read(2), write(2) and ioctls mean nothing on it.
	char c;
	CHECK(read(m.get(), &c, 1) < 0);
	CHECK_ERRNO(ioctl(m.get(), VPIN_IOC_UNPIN, nullptr), ENOTTY);
}

TEST("fork, splits and mremap within the range keep serving the same pages")
{
	Leased l(vt::ext4_dax, true);
	vt::Fd m = l.map_fd();
	auto *p = static_cast<char *>(mmap(nullptr, pages(l.npin), PROT_READ | PROT_WRITE,
					  MAP_SHARED, m.get(), 0));
	CHECK(p != MAP_FAILED);
	p[0] = 'a';
	// A split: the middle goes, both ends stay.
	CHECK_OK(munmap(p + pages(3), pages(2)));
	p[pages(6)] = 'b';
	CHECK_EQ(l.map.data()[pages(2 + 6)], 'b');
	// A move of the tail end.
	auto *q = static_cast<char *>(mremap(p + pages(5), pages(3), pages(3), MREMAP_MAYMOVE));
	CHECK(q != MAP_FAILED);
	q[pages(2)] = 'c';
	CHECK_EQ(l.map.data()[pages(2 + 7)], 'c');
	// A child writes through its copy of the mapping.
	vt::Child child([&] { p[pages(1)] = 'd'; });
	child.wait();
	CHECK_EQ(l.map.data()[pages(3)], 'd');
	CHECK_OK(munmap(p, pages(3)));
	CHECK_OK(munmap(q, pages(3)));
}

TEST("after the pin goes, the mapping gets SIGBUS and new mmaps ENODEV, the lease holds")
{
	for (const auto &k : dax_kinds) {
		Leased l(k, true);
		vt::Fd m = l.map_fd();
		vt::Map alias(pages(l.npin), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), 0);
		alias.data()[0] = 1;
		CHECK(!touch_sigbus(alias.data(), false));
		CHECK_OK(vt::unpin(l.session.get(), l.pin));
		vt::check_field(vt::fdinfo(m.get(), "vpin-map").at(0), "state", "dead");
		CHECK(touch_sigbus(alias.data(), false));
		CHECK(touch_sigbus(alias.data() + pages(5), true));
		CHECK(mmap(nullptr, pages(1), PROT_READ, MAP_SHARED, m.get(), 0) == MAP_FAILED);
		CHECK_EQ(errno, ENODEV);
		CHECK_ERRNO(truncate(l.path.c_str(), 0), ETXTBSY);
		CHECK_OK(vt::unlease(l.session.get(), l.lease));
		CHECK_OK(truncate(l.path.c_str(), 0));
	}
}

TEST("a mapping keeps no session: closing it, wherever the descriptor went, ends the mapping")
{
	Leased l(vt::xfs_dax, true);
	vt::Fd m = l.map_fd();
	vt::Channel ch;
	vt::Baseline base;
	vt::Child holder([&] {
		// A child gets the descriptor by SCM_RIGHTS and maps it; the
		// session's descriptor it inherited is not its to keep.
		l.session.reset();
		vt::Fd got = vt::recv_fd(ch.b.get());
		vt::Map alias(pages(l.npin), PROT_READ | PROT_WRITE, MAP_SHARED, got.get(), 0);
		alias.data()[0] = 'z';
		vt::send_u64(ch.b.get(), 1);
		vt::recv_u64(ch.b.get());
		CHECK(touch_sigbus(alias.data(), false));
		vt::send_u64(ch.b.get(), 2);
	});
	vt::send_fd(ch.a.get(), m.get());
	CHECK_EQ(vt::recv_u64(ch.a.get()), 1U);
	CHECK_EQ(l.map.data()[pages(2)], 'z');
	l.session.reset();	// the pin and the lease go with it
	CHECK_EQ(base.pinned(), -static_cast<long>(l.npin));
	CHECK_OK(truncate(l.path.c_str(), pages(1)));
	vt::send_u64(ch.a.get(), 0);
	CHECK_EQ(vt::recv_u64(ch.a.get()), 2U);
	holder.wait();
}

// io_uring's fixed buffers: a long-term, writable pin of the mapping.
struct Ring {
	Ring() { CHECK_EQ(io_uring_queue_init(4, &ring, 0), 0); }
	~Ring() { io_uring_queue_exit(&ring); }

	int register_buffer(void *addr, size_t length)
	{
		struct iovec iov = {addr, length};
		return io_uring_register_buffers(&ring, &iov, 1);
	}

	// IORING_OP_READ_FIXED of length bytes of fd into buffer 0 at addr.
	int read_fixed(int fd, void *addr, size_t length)
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read_fixed(sqe, fd, addr, static_cast<unsigned>(length), 0, 0);
		CHECK_EQ(io_uring_submit(&ring), 1);
		struct io_uring_cqe *cqe = nullptr;
		CHECK_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
		int r = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		return r;
	}

	struct io_uring ring;
};

bool io_uring_maps_files()
{
	// Linux 6.1 refuses fixed buffers in file mappings but shmem and hugetlb.
	return !vt::kernel_older_than(6, 3);
}

TEST("io_uring fixed buffers in a mapping: reads land in the DAX file (6.12); 6.1 refuses")
{
	for (const auto &k : dax_kinds) {
		Leased l(k, true);
		vt::Fd m = l.map_fd();
		vt::Map alias(pages(l.npin), PROT_READ | PROT_WRITE, MAP_SHARED, m.get(), 0);
		Ring ring;
		// The file's own mapping: FS-DAX, refused by the kernel.
		CHECK_EQ(ring.register_buffer(l.map.data(), pages(4)), -EOPNOTSUPP);
		if (!io_uring_maps_files()) {
			CHECK_EQ(ring.register_buffer(alias.data(), pages(l.npin)), -EOPNOTSUPP);
			tap::note("Linux 6.1: io_uring refuses the mapping with EOPNOTSUPP");
			continue;
		}
		vt::Baseline base;
		CHECK_EQ(ring.register_buffer(alias.data(), pages(l.npin)), 0);
		CHECK(base.pinned() > 0);
		const std::string src = "/tmp/map-src";
		vt::Fd sfd = vt::make_file(src, pages(l.npin), 77);
		CHECK_EQ(ring.read_fixed(sfd.get(), alias.data(), pages(l.npin)),
			 static_cast<int>(pages(l.npin)));
		CHECK(read_file(l.path, offset(2), pages(l.npin)) ==
		      read_file(src, 0, pages(l.npin)));
		CHECK_EQ(io_uring_unregister_buffers(&ring.ring), 0);
		CHECK_EQ(base.pinned(), 0L);
		unlink(src.c_str());
	}
}

// Waits up to limit_ms for truncate() to stop failing with ETXTBSY.
int64_t until_unprotected(const std::string &path, int64_t limit_ms)
{
	const int64_t start = vt::now_ns();
	while (truncate(path.c_str(), 0) != 0) {
		CHECK_EQ(errno, ETXTBSY);
		if (vt::now_ns() - start > limit_ms * 1000000)
			tap::fail("still protected after " + std::to_string(limit_ms) + " ms",
				  __FILE__, __LINE__);
		usleep(20000);
	}
	return vt::now_ns() - start;
}

TEST("6.12: a session closed while io_uring holds its buffers orphans the lease until unregister")
{
	if (!io_uring_maps_files())
		tap::skip("Linux 6.1: io_uring refuses mappings (see the test above)");
	for (const auto &k : dax_kinds) {
		vt::Baseline base;
		auto l = std::make_unique<Leased>(k, true);
		const std::string path = l->path, mnt = path.substr(0, path.rfind('/'));
		vt::Fd m = l->map_fd();
		auto *alias = static_cast<char *>(mmap(nullptr, pages(l->npin),
						      PROT_READ | PROT_WRITE, MAP_SHARED,
						      m.get(), 0));
		CHECK(alias != MAP_FAILED);
		Ring ring;
		CHECK_EQ(ring.register_buffer(alias, pages(l->npin)), 0);
		// Everything of vpin's goes: the mapping, its descriptor, the session.
		CHECK_OK(munmap(alias, pages(l->npin)));
		m.reset();
		l->session.reset();
		vt::Fd rw = open_file(path, O_RDWR);
		l->map.unmap();
		l->fd.reset();
		// The ring still holds the pages: the file stays protected.
		CHECK(base.pinned() > 0);
		CHECK_ERRNO(truncate(path.c_str(), 0), ETXTBSY);
		CHECK_ERRNO(fallocate(rw.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				      offset(file_pages)),
			    ETXTBSY);
		CHECK_ERRNO(unlink(path.c_str()), EPERM);
		rw.reset();
		CHECK_ERRNO(umount(mnt.c_str()), EBUSY);
		CHECK(vt::sh(vt::pinctl() + " list leases | grep -q ' orphaned .*" + path + "$'") == 0);
		CHECK_EQ(io_uring_unregister_buffers(&ring.ring), 0);
		const int64_t took = until_unprotected(path, 1000);
		tap::note(std::string(k.name) + ": protection ended " + vt::ms_str(took) +
			  " after the buffers were unregistered");
		CHECK_EQ(base.pinned(), 0L);
		l.reset();	// unmounts
	}
}

TEST("an unprivileged user maps its own file within RLIMIT_MEMLOCK")
{
	vt::Mount mnt(vt::ext4_dax);
	const std::string path = mnt.path("own");
	vt::make_file(path, pages(file_pages));
	CHECK_OK(chown(path.c_str(), 65534, 65534));
	vt::start_vmstat_helper();
	vt::Child nobody([&] {
		struct rlimit rl = {pages(12), pages(12)};
		CHECK_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
		CHECK_OK(setgid(65534));
		CHECK_OK(setuid(65534));
		vt::Fd fd = open_file(path, O_RDWR);
		vt::Map fmap(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
		auto s = vt::open_session();
		uint64_t lease = 0, pin = 0;
		CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_ERRNO(vt::pin(s.get(), fmap.addr(), pages(file_pages), VPIN_PIN_F_WRITE,
				    nullptr),
			    ENOMEM);
		CHECK_OK(vt::pin(s.get(), fmap.addr(), pages(4), VPIN_PIN_F_WRITE, &pin));
		int m = -1;
		CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &m));
		vt::Fd mfd(m);
		vt::Map alias(pages(4), PROT_READ | PROT_WRITE, MAP_SHARED, mfd.get(), 0);
		alias.data()[0] = 'n';
		CHECK_EQ(fmap.data()[0], 'n');
		if (io_uring_maps_files()) {
			Ring ring;
			CHECK_EQ(ring.register_buffer(alias.data(), pages(4)), 0);
			CHECK_EQ(io_uring_unregister_buffers(&ring.ring), 0);
		}
	});
	nobody.wait();
}

// The PFN behind each page of [addr, addr + length), from /proc/self/pagemap.
std::vector<uint64_t> pfns(const char *addr, size_t length)
{
	vt::Fd pm = open_file("/proc/self/pagemap", O_RDONLY);
	std::vector<uint64_t> out(length / pages(1));
	const off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(addr) / pages(1) * 8);
	CHECK_EQ(pread(pm.get(), out.data(), out.size() * 8, at),
		 static_cast<ssize_t>(out.size() * 8));
	for (auto &e : out) {
		CHECK(e >> 63);	// present
		e &= (1ULL << 55) - 1;
	}
	return out;
}

long minor_faults()
{
	struct rusage ru = {};
	CHECK_OK(getrusage(RUSAGE_SELF, &ru));
	return ru.ru_minflt;
}

// Touches every page of a mapping; returns the minor faults it took.
long touch_faults(const char *p, size_t length)
{
	const long before = minor_faults();
	for (size_t i = 0; i < length; i += pages(1))
		(void)*static_cast<const volatile char *>(p + i);
	return minor_faults() - before;
}

TEST("a mapping uses 2 MiB entries where the file's blocks are contiguous and aligned (6.12)")
{
	constexpr size_t n = 8192, huge = 512;	// 32 MiB, in 2 MiB runs
	size_t mapped_huge = 0;
	for (const auto &k : dax_kinds) {
		vt::Mount mnt(k);
		const std::string path = mnt.path("big");
		vt::Fd fd = vt::make_file(path, pages(n));
		vt::Map fmap(pages(n), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
		touch_faults(fmap.data(), pages(n));
		const auto pfn = pfns(fmap.data(), pages(n));
		size_t eligible = 0;
		for (size_t c = 0; c < n; c += huge) {
			bool ok = pfn[c] % huge == 0;
			for (size_t i = 1; ok && i < huge; i++)
				ok = pfn[c + i] == pfn[c] + i;
			eligible += ok;
		}
		auto s = vt::open_session();
		uint64_t lease = 0, pin = 0;
		CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_OK(vt::pin(s.get(), fmap.addr(), pages(n), VPIN_PIN_F_WRITE, &pin));
		int m = -1;
		CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &m));
		vt::Fd mfd(m);
		vt::Map alias(pages(n), PROT_READ | PROT_WRITE, MAP_SHARED, mfd.get(), 0);
		CHECK_EQ(alias.addr() % pages(huge), 0U);
		const long faults = touch_faults(alias.data(), pages(n));
		// Linux 6.1 never makes a huge fault in a VM_MIXEDMAP VMA that is
		// not DAX (hugepage_vma_check(): VM_NO_KHUGEPAGED).
		const size_t runs = vt::kernel_older_than(6, 6) ? 0 : eligible;
		const long want = static_cast<long>(runs + (n / huge - runs) * huge);
		tap::note(std::string(k.name) + ": " + std::to_string(eligible) + " of " +
			  std::to_string(n / huge) + " 2 MiB runs contiguous and aligned; " +
			  std::to_string(faults) + " faults to touch the mapping, " +
			  std::to_string(want) + " expected");
		CHECK(faults >= want && faults <= want + 8);
		CHECK(memcmp(alias.data(), fmap.data(), pages(n)) == 0);
		if (io_uring_maps_files()) {
			// A long-term pin of the 2 MiB entries (GUP's PMD path).
			vt::Baseline base;
			Ring ring;
			CHECK_EQ(ring.register_buffer(alias.data(), pages(n)), 0);
			CHECK(base.pinned() >= static_cast<long>(n));
			CHECK_EQ(io_uring_unregister_buffers(&ring.ring), 0);
			CHECK_EQ(base.pinned(), 0L);
		}
		// Without 2 MiB entries, one fault per page.
		vt::Map small(pages(n), PROT_READ, MAP_SHARED, mfd.get(), 0);
		CHECK_OK(madvise(small.data(), pages(n), MADV_NOHUGEPAGE));
		const long small_faults = touch_faults(small.data(), pages(n));
		CHECK(small_faults >= static_cast<long>(n) && small_faults <= static_cast<long>(n) + 8);
		mapped_huge += runs;
	}
	// ext4 allocates such a file in aligned runs on a fresh file system;
	// xfs does not without a stripe unit.
	if (vt::kernel_older_than(6, 6))
		tap::note("Linux 6.1: 4 KiB entries only");
	else
		CHECK(mapped_huge > 0);
}

} // namespace
