// SPDX-License-Identifier: GPL-2.0
// The protected state of an exclusively leased file. While a session holds
// the lease, and here also pins part of the file (WRITE on FS-DAX), nobody,
// the holder included, may change the file's size, blocks or name: every such
// operation fails at once and leaves the file as it was. Reads work. Once the
// lease is gone (unlease, or the end of the holder) everything works again.
#include "tap.hpp"
#include "util.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <liburing.h>
#include <memory>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

namespace {

using vt::offset;
using vt::pages;

constexpr size_t file_pages = 16;
// The holder's pin: pages [pin_first, pin_first + pin_pages) of the file.
constexpr size_t pin_first = 2;
constexpr size_t pin_pages = 4;

using vt::ext4_dax;
using vt::ext4_pagecache;
using vt::FsKind;
using vt::Mount;
using vt::xfs_dax;
using vt::xfs_pagecache;

uint64_t file_checksum(const std::string &path, off_t *size)
{
	vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDONLY | O_CLOEXEC)));
	struct stat st;
	CHECK_OK(fstat(fd.get(), &st));
	std::string data(static_cast<size_t>(st.st_size), '\0');
	CHECK_EQ(pread(fd.get(), data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
	*size = st.st_size;
	return vt::checksum(data.data(), data.size());
}

// Two fully written files with the same contents: f, exclusively leased by
// a session that pins part of a shared writable mapping of f made before the
// lease (WRITE on FS-DAX; read-only on the page cache, where writable shared
// pins are refused), and g, a bystander for the operations that take two
// files.
struct Protected {
	explicit Protected(const FsKind &k)
		: kind(k), mnt(k), path(mnt.path("f")), other(mnt.path("g")),
		  fd(vt::make_file(path, pages(file_pages))),
		  other_fd(vt::make_file(other, pages(file_pages))),
		  map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0),
		  session(vt::open_session())
	{
		sum = file_checksum(path, &size);
		CHECK_EQ(size, offset(file_pages));
		struct stat st;
		CHECK_OK(fstat(fd.get(), &st));
		ino = st.st_ino;
		CHECK_OK(vt::lease(session.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_OK(vt::pin(session.get(), map.addr() + pages(pin_first), pages(pin_pages),
				 k.dax ? VPIN_PIN_F_WRITE : 0, &pin));
	}

	// Unpin and unlease; unlease is refused while the pin exists.
	void release()
	{
		CHECK_ERRNO(vt::unlease(session.get(), lease), EBUSY);
		CHECK_OK(vt::unpin(session.get(), pin));
		CHECK_OK(vt::unlease(session.get(), lease));
		CHECK(vt::fdinfo(session.get(), "lease").empty());
	}

	const FsKind &kind;
	Mount mnt;
	std::string path, other;
	vt::Fd fd, other_fd;
	vt::Map map;
	vt::Fd session;
	uint64_t lease = 0, pin = 0;
	off_t size = 0;
	uint64_t sum = 0;
	ino_t ino = 0;
};

double now_ms()
{
	using namespace std::chrono;
	return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

std::string ms_str(double ms)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.2f", ms);
	return buf;
}

// The refused calls of one test and the slowest of them.
struct Stats {
	unsigned count = 0;
	double max_ms = 0;
	std::string slowest;

	void note(const std::string &who) const
	{
		tap::note(who + ": " + std::to_string(count) + " refused calls, slowest " +
			  ms_str(max_ms) + " ms (" + slowest + ")");
	}
};

// Whoever runs the operations: the descriptors it uses, on f and on g.
struct Actor {
	const Protected &t;
	int fd, other_fd;
	Stats &stats;

	// op returns like a system call. It must fail with err in under a second
	// and leave f's name, size and contents as they were.
	template <typename Op> void refused(const std::string &what, int err, Op op) const
	{
		errno = 0;
		const double start = now_ms();
		const long r = static_cast<long>(op());
		const int e = errno;
		const double ms = now_ms() - start;
		if (r != -1 || e != err)
			tap::fail(what + ": expected " + tap::errno_name(err) + ", got " +
					  (r == -1 ? tap::errno_name(e)
						   : "success (" + std::to_string(r) + ")"),
				  __FILE__, __LINE__);
		if (ms >= 1000)
			tap::fail(what + ": took " + ms_str(ms) + " ms", __FILE__, __LINE__);
		struct stat st;
		if (stat(t.path.c_str(), &st) < 0 || st.st_ino != t.ino)
			tap::fail(what + ": " + t.path + " is gone", __FILE__, __LINE__);
		off_t size;
		const uint64_t sum = file_checksum(t.path, &size);
		if (size != t.size || sum != t.sum)
			tap::fail(what + ": the file changed (size " + std::to_string(size) + ")",
				  __FILE__, __LINE__);
		stats.count++;
		if (ms >= stats.max_ms) {
			stats.max_ms = ms;
			stats.slowest = what;
		}
	}
};

// Succeeds, or fails the test naming the operation.
template <typename Op> long works(const std::string &what, Op op)
{
	errno = 0;
	const long r = static_cast<long>(op());
	if (r < 0)
		tap::fail(what + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	return r;
}

int open_close(const std::string &path, int flags)
{
	int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -1;
}

long map_unmap(int fd, size_t length, int prot, int flags)
{
	void *p = mmap(nullptr, length, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	munmap(p, length);
	return 0;
}

// One page of data, aligned for O_DIRECT.
struct Page {
	Page() : map(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
	{
		vt::fill_pattern(map.data(), pages(1), 7);
	}
	char *data() const { return map.data(); }
	vt::Map map;
};

class Ring {
public:
	Ring()
	{
		int r = io_uring_queue_init(4, &ring_, 0);
		if (r < 0)
			tap::fail("io_uring_queue_init: " + tap::errno_name(-r), __FILE__, __LINE__);
	}
	~Ring() { io_uring_queue_exit(&ring_); }
	Ring(const Ring &) = delete;
	Ring &operator=(const Ring &) = delete;

	// A write through io_uring, returning like pwrite().
	long write(int fd, const char *buf, size_t length, off_t off)
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		io_uring_prep_write(sqe, fd, buf, static_cast<unsigned>(length),
				    static_cast<__u64>(off));
		int r = io_uring_submit(&ring_);
		if (r != 1)
			tap::fail("io_uring_submit: " + std::to_string(r), __FILE__, __LINE__);
		struct io_uring_cqe *cqe;
		r = io_uring_wait_cqe(&ring_, &cqe);
		if (r < 0)
			tap::fail("io_uring_wait_cqe: " + tap::errno_name(-r), __FILE__, __LINE__);
		const int res = cqe->res;
		io_uring_cqe_seen(&ring_, cqe);
		if (res < 0) {
			errno = -res;
			return -1;
		}
		return res;
	}

private:
	struct io_uring ring_;
};


// The operation groups. Each runs as the given actor.

void refuse_truncate(const Actor &a)
{
	const std::string &p = a.t.path;
	for (off_t length : {a.t.size / 2, a.t.size, 2 * a.t.size}) {
		const std::string to = " to " + std::to_string(length);
		a.refused("truncate" + to, ETXTBSY, [&] { return truncate(p.c_str(), length); });
		a.refused("ftruncate" + to, ETXTBSY, [&] { return ftruncate(a.fd, length); });
	}
	a.refused("open O_WRONLY|O_TRUNC", ETXTBSY, [&] { return open_close(p, O_WRONLY | O_TRUNC); });
	a.refused("open O_RDWR|O_CREAT|O_TRUNC", ETXTBSY,
		  [&] { return open_close(p, O_RDWR | O_CREAT | O_TRUNC); });
}

struct FallocateCall {
	const char *name;
	int mode;
	off_t off, len;
};

std::vector<FallocateCall> fallocate_calls(off_t size)
{
	return {
		{"allocate", 0, 0, size},
		{"allocate beyond EOF", 0, size, offset(4)},
		{"KEEP_SIZE beyond EOF", FALLOC_FL_KEEP_SIZE, size, offset(4)},
		{"PUNCH_HOLE|KEEP_SIZE in the pinned range", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		 offset(pin_first + 1), offset(1)},
		{"PUNCH_HOLE|KEEP_SIZE", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset(9), offset(1)},
		{"COLLAPSE_RANGE", FALLOC_FL_COLLAPSE_RANGE, offset(8), offset(1)},
		{"INSERT_RANGE", FALLOC_FL_INSERT_RANGE, offset(8), offset(1)},
		{"ZERO_RANGE in the pinned range", FALLOC_FL_ZERO_RANGE, offset(pin_first), offset(2)},
		{"ZERO_RANGE|KEEP_SIZE across EOF", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		 size - offset(1), offset(4)},
		{"UNSHARE_RANGE", FALLOC_FL_UNSHARE_RANGE, 0, size},
	};
}

void refuse_fallocate(const Actor &a)
{
	for (const auto &c : fallocate_calls(a.t.size))
		a.refused(std::string("fallocate ") + c.name, ETXTBSY,
			  [&] { return fallocate(a.fd, c.mode, c.off, c.len); });
}

void refuse_write(const Actor &a)
{
	Page page;
	const char *buf = page.data();
	const size_t len = pages(1);
	const off_t in_pin = offset(pin_first + 1);
	a.refused("write", ETXTBSY, [&] { return write(a.fd, buf, len); });
	a.refused("pwrite in the pinned range", ETXTBSY, [&] { return pwrite(a.fd, buf, len, in_pin); });
	a.refused("pwrite at EOF", ETXTBSY, [&] { return pwrite(a.fd, buf, len, a.t.size); });
	struct iovec iov = {const_cast<char *>(buf), len};
	a.refused("pwritev2", ETXTBSY, [&] { return pwritev2(a.fd, &iov, 1, 0, 0); });
	a.refused("pwritev2 RWF_DSYNC", ETXTBSY,
		  [&] { return pwritev2(a.fd, &iov, 1, in_pin, RWF_DSYNC); });
	vt::Fd direct(CHECK_OK(open(a.t.path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC)));
	a.refused("O_DIRECT pwrite", ETXTBSY, [&] { return pwrite(direct.get(), buf, len, in_pin); });
	vt::Fd append(CHECK_OK(open(a.t.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)));
	a.refused("O_APPEND write", ETXTBSY, [&] { return write(append.get(), buf, len); });
	Ring ring;
	a.refused("io_uring write", ETXTBSY, [&] { return ring.write(a.fd, buf, len, in_pin); });
	a.refused("io_uring O_DIRECT write", ETXTBSY,
		  [&] { return ring.write(direct.get(), buf, len, 0); });
	off_t in_off = 0;
	a.refused("sendfile into it", ETXTBSY,
		  [&] { return sendfile(a.fd, a.other_fd, &in_off, len); });
}

void refuse_mmap(const Actor &a)
{
	const size_t len = static_cast<size_t>(a.t.size);
	a.refused("mmap MAP_SHARED PROT_WRITE", ETXTBSY,
		  [&] { return map_unmap(a.fd, len, PROT_READ | PROT_WRITE, MAP_SHARED); });
	a.refused("mmap MAP_SHARED_VALIDATE PROT_WRITE", ETXTBSY,
		  [&] { return map_unmap(a.fd, len, PROT_WRITE, MAP_SHARED_VALIDATE); });
}

void refuse_remap(const Actor &a)
{
	const int f = a.fd, g = a.other_fd;
	const size_t len = pages(1);
	const off_t in_pin = offset(pin_first);
	// ext4 has no reflink: the VFS answers EOPNOTSUPP before it looks at the file.
	const int err = a.t.kind.is_xfs() ? ETXTBSY : EOPNOTSUPP;
	a.refused("FICLONE from it", err, [&] { return ioctl(g, FICLONE, f); });
	a.refused("FICLONE into it", err, [&] { return ioctl(f, FICLONE, g); });
	a.refused("FICLONERANGE from it", err, [&] { return vt::clone_range(f, in_pin, g, 0, len); });
	a.refused("FICLONERANGE into it", err, [&] { return vt::clone_range(g, 0, f, in_pin, len); });
	a.refused("FIDEDUPERANGE from it", err, [&] { return vt::dedupe(f, in_pin, g, in_pin, len); });
	a.refused("FIDEDUPERANGE into it", err, [&] { return vt::dedupe(g, in_pin, f, in_pin, len); });
}

void refuse_copy_file_range(const Actor &a)
{
	const size_t len = pages(1);
	a.refused("copy_file_range out of it", ETXTBSY,
		  [&] { return vt::copy_range(a.fd, 0, a.other_fd, 0, len); });
	a.refused("copy_file_range into it", ETXTBSY,
		  [&] { return vt::copy_range(a.other_fd, 0, a.fd, offset(pin_first), len); });
}

void refuse_exchange(const Actor &a)
{
	const size_t len = static_cast<size_t>(a.t.size);
	if (vt::kernel_has_exchange_range()) {
		a.refused("XFS_IOC_EXCHANGE_RANGE with it as file2", ETXTBSY,
			  [&] { return vt::exchange_range(a.other_fd, a.fd, len); });
		a.refused("XFS_IOC_EXCHANGE_RANGE with it as file1", ETXTBSY,
			  [&] { return vt::exchange_range(a.fd, a.other_fd, len); });
	} else {
		CHECK_ERRNO(vt::exchange_range(a.other_fd, a.fd, len), ENOTTY);
		tap::note("no XFS_IOC_EXCHANGE_RANGE before Linux 6.10 (ENOTTY)");
	}
	// xfs_ioc_swapext() itself answers EINVAL for an active swap file.
	a.refused("XFS_IOC_SWAPEXT with it as target", EINVAL,
		  [&] { return vt::swapext(a.fd, a.other_fd, a.t.size); });
	a.refused("XFS_IOC_SWAPEXT with it as tmp", EINVAL,
		  [&] { return vt::swapext(a.other_fd, a.fd, a.t.size); });
}

void refuse_names(const Actor &a)
{
	const char *p = a.t.path.c_str(), *g = a.t.other.c_str();
	const std::string moved = a.t.path + ".moved";
	a.refused("unlink", EPERM, [&] { return unlink(p); });
	a.refused("rename it", EPERM, [&] { return rename(p, moved.c_str()); });
	a.refused("rename over it", EPERM, [&] { return rename(g, p); });
	a.refused("renameat2 RENAME_EXCHANGE", EPERM,
		  [&] { return renameat2(AT_FDCWD, g, AT_FDCWD, p, RENAME_EXCHANGE); });
	CHECK_ERRNO(access(moved.c_str(), F_OK), ENOENT);
	CHECK_OK(access(g, F_OK));
}

void refuse_swapon(const Actor &a)
{
	a.refused("swapon", EBUSY, [&] { return swapon(a.t.path.c_str(), 0); });
}

using Group = void (*)(const Actor &);

struct NamedGroup {
	const char *name;
	Group fn;
	std::string what;
};

std::vector<NamedGroup> groups(const FsKind &k)
{
	std::vector<NamedGroup> all = {
		{"truncate", refuse_truncate,
		 "truncate, ftruncate and O_TRUNC to a smaller, equal or larger size are ETXTBSY"},
		{"fallocate", refuse_fallocate, "fallocate in every mode is ETXTBSY"},
		{"write", refuse_write,
		 "write, pwrite, pwritev2, O_APPEND, O_DIRECT, io_uring and sendfile writes are ETXTBSY"},
		{"mmap", refuse_mmap, "new shared writable mappings are ETXTBSY"},
		{"remap", refuse_remap,
		 k.is_xfs() ? "FICLONE, FICLONERANGE and FIDEDUPERANGE from or into it are ETXTBSY"
			   : "FICLONE, FICLONERANGE and FIDEDUPERANGE are EOPNOTSUPP (ext4 has no reflink)"},
		{"copy_file_range", refuse_copy_file_range, "copy_file_range out of and into it is ETXTBSY"},
		{"names", refuse_names, "unlink, rename of it, rename over it and RENAME_EXCHANGE are EPERM"},
		{"swapon", refuse_swapon, "swapon is EBUSY"},
	};
	if (k.is_xfs())
		all.push_back({"exchange", refuse_exchange,
			       "XFS_IOC_EXCHANGE_RANGE is ETXTBSY (6.10+), XFS_IOC_SWAPEXT EINVAL"});
	return all;
}

// Runs one group as the lease holder, with the descriptors it leased and pinned through.
void as_holder(const FsKind &k, Group fn, const char *what)
{
	Protected t(k);
	Stats stats;
	fn(Actor{t, t.fd.get(), t.other_fd.get(), stats});
	stats.note(std::string(k.name) + " " + what);
}

// Runs every group in another process, which opens the files itself.
void as_other_process(const FsKind &k)
{
	Protected t(k);
	vt::Child other([&] {
		t.session.reset();
		vt::Fd fd(CHECK_OK(open(t.path.c_str(), O_RDWR | O_CLOEXEC)));
		vt::Fd other_fd(CHECK_OK(open(t.other.c_str(), O_RDWR | O_CLOEXEC)));
		Stats stats;
		for (const auto &g : groups(k))
			g.fn(Actor{t, fd.get(), other_fd.get(), stats});
		stats.note(std::string(k.name) + " another process");
	});
	other.wait();
	CHECK_EQ(vt::fdinfo(t.session.get(), "lease").size(), size_t{1});
}

void reads_work(const FsKind &k)
{
	Protected t(k);
	const size_t len = static_cast<size_t>(t.size);
	std::string buf(len, '\0');
	CHECK_EQ(lseek(t.fd.get(), 0, SEEK_SET), off_t{0});
	CHECK_EQ(read(t.fd.get(), buf.data(), len), static_cast<ssize_t>(len));
	CHECK_EQ(vt::checksum(buf.data(), len), t.sum);
	CHECK_EQ(pread(t.fd.get(), buf.data(), len, 0), static_cast<ssize_t>(len));
	CHECK_EQ(vt::checksum(buf.data(), len), t.sum);
	{
		vt::Map ro(len, PROT_READ, MAP_SHARED, t.fd.get(), 0);
		CHECK_EQ(vt::checksum(ro.data(), len), t.sum);
		vt::Map priv(len, PROT_READ | PROT_WRITE, MAP_PRIVATE, t.fd.get(), 0);
		priv.data()[0] ^= 1;
		CHECK(vt::checksum(priv.data(), len) != t.sum);
	}
	struct stat st;
	CHECK_OK(stat(t.path.c_str(), &st));
	CHECK_EQ(st.st_size, t.size);
	CHECK_OK(fstat(t.fd.get(), &st));
	CHECK_OK(fsync(t.fd.get()));
	CHECK_OK(fdatasync(t.fd.get()));
	off_t size;
	CHECK_EQ(file_checksum(t.path, &size), t.sum);
	CHECK_EQ(size, t.size);
}

// A shared writable mapping made before the lease still writes the file.
void existing_mapping_writes(const FsKind &k)
{
	Protected t(k);
	const size_t len = static_cast<size_t>(t.size);
	vt::fill_pattern(t.map.data() + pages(pin_first), pages(1), 11);
	vt::fill_pattern(t.map.data() + pages(12), pages(1), 12);
	CHECK_OK(msync(t.map.data(), len, MS_SYNC));
	std::string want(t.map.data(), len);
	std::string back(len, '\0');
	CHECK_EQ(pread(t.fd.get(), back.data(), len, 0), static_cast<ssize_t>(len));
	CHECK(back == want);
	CHECK(vt::checksum(back.data(), len) != t.sum);
	CHECK_ERRNO(map_unmap(t.fd.get(), len, PROT_READ | PROT_WRITE, MAP_SHARED), ETXTBSY);
}

// After unpin and unlease every refused operation succeeds again.
void all_work_after_unlease(const FsKind &k)
{
	Protected t(k);
	t.release();
	const int f = t.fd.get(), g = t.other_fd.get();
	const size_t len = pages(1);
	const off_t in_pin = offset(pin_first);
	const bool xfs = k.is_xfs();

	if (xfs) {
		CHECK_EQ(works("FIDEDUPERANGE from it", [&] { return vt::dedupe(f, in_pin, g, in_pin, len); }),
			 static_cast<long>(len));
		CHECK_EQ(works("FIDEDUPERANGE into it", [&] { return vt::dedupe(g, 0, f, 0, len); }),
			 static_cast<long>(len));
		works("FICLONE from it", [&] { return ioctl(g, FICLONE, f); });
		works("FICLONE into it", [&] { return ioctl(f, FICLONE, g); });
		works("FICLONERANGE from it", [&] { return vt::clone_range(f, in_pin, g, 0, len); });
		works("FICLONERANGE into it", [&] { return vt::clone_range(g, 0, f, in_pin, len); });
		if (vt::kernel_has_exchange_range()) {
			// Without the lease the file system's own answer shows: mkfs.xfs
			// of xfsprogs 6.1 cannot enable exchange-range.
			errno = 0;
			long r = vt::exchange_range(g, f, static_cast<size_t>(t.size));
			tap::note(std::string(k.name) + " XFS_IOC_EXCHANGE_RANGE without the lease: " +
				  (r == 0 ? std::string("success") : tap::errno_name(errno)));
		}
	} else {
		CHECK_ERRNO(ioctl(g, FICLONE, f), EOPNOTSUPP);
	}
	works("copy_file_range out of it", [&] { return vt::copy_range(f, 0, g, 0, len); });
	works("copy_file_range into it", [&] { return vt::copy_range(g, 0, f, in_pin, len); });

	Page page;
	const char *buf = page.data();
	struct iovec iov = {const_cast<char *>(buf), len};
	CHECK_EQ(works("pwrite", [&] { return pwrite(f, buf, len, in_pin); }), static_cast<long>(len));
	CHECK_EQ(works("pwritev2", [&] { return pwritev2(f, &iov, 1, 0, RWF_DSYNC); }),
		 static_cast<long>(len));
	{
		vt::Fd direct(CHECK_OK(open(t.path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC)));
		CHECK_EQ(works("O_DIRECT pwrite", [&] { return pwrite(direct.get(), buf, len, in_pin); }),
			 static_cast<long>(len));
		Ring ring;
		CHECK_EQ(works("io_uring write", [&] { return ring.write(f, buf, len, offset(5)); }),
			 static_cast<long>(len));
		CHECK_EQ(works("io_uring O_DIRECT write",
			       [&] { return ring.write(direct.get(), buf, len, offset(6)); }),
			 static_cast<long>(len));
	}
	works("mmap MAP_SHARED PROT_WRITE", [&] {
		return map_unmap(f, static_cast<size_t>(t.size), PROT_READ | PROT_WRITE, MAP_SHARED);
	});

	for (const auto &c : fallocate_calls(t.size)) {
		// ext4 implements no UNSHARE_RANGE.
		if (c.mode == FALLOC_FL_UNSHARE_RANGE && !xfs) {
			CHECK_ERRNO(fallocate(f, c.mode, c.off, c.len), EOPNOTSUPP);
			continue;
		}
		works(std::string("fallocate ") + c.name, [&] { return fallocate(f, c.mode, c.off, c.len); });
	}
	struct stat st;
	CHECK_OK(fstat(f, &st));
	CHECK_EQ(st.st_size, t.size + offset(4));

	works("truncate larger", [&] { return truncate(t.path.c_str(), 2 * t.size); });
	works("ftruncate equal", [&] { return ftruncate(f, 2 * t.size); });
	works("ftruncate smaller", [&] { return ftruncate(f, t.size / 2); });
	works("open O_TRUNC", [&] { return open_close(t.path, O_WRONLY | O_TRUNC); });
	CHECK_OK(fstat(f, &st));
	CHECK_EQ(st.st_size, off_t{0});

	const std::string moved = t.path + ".moved";
	works("rename it", [&] { return rename(t.path.c_str(), moved.c_str()); });
	works("rename it back", [&] { return rename(moved.c_str(), t.path.c_str()); });
	works("renameat2 RENAME_EXCHANGE", [&] {
		return renameat2(AT_FDCWD, t.other.c_str(), AT_FDCWD, t.path.c_str(), RENAME_EXCHANGE);
	});
	works("rename over it", [&] { return rename(t.other.c_str(), t.path.c_str()); });
	works("unlink", [&] { return unlink(t.path.c_str()); });
	CHECK_ERRNO(access(t.path.c_str(), F_OK), ENOENT);
}

// A holder killed while it pins and leases: everything is released.
void killed_holder(const FsKind &k)
{
	Mount mnt(k);
	const std::string path = mnt.path("f");
	const size_t length = pages(file_pages);
	vt::make_file(path, length);
	vt::Baseline base;
	vt::Channel ch;
	vt::Child holder([&] {
		vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
		vt::Map m(length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
		auto s = vt::open_session();
		CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr));
		CHECK_OK(vt::pin(s.get(), m.addr() + pages(pin_first), pages(pin_pages),
				 k.dax ? VPIN_PIN_F_WRITE : 0, nullptr));
		vt::send_u64(ch.b.get(), 1);
		for (;;)
			pause();
	});
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{1});
	CHECK_EQ(base.pinned(), static_cast<long>(pin_pages));
	CHECK_ERRNO(truncate(path.c_str(), 0), ETXTBSY);
	CHECK_ERRNO(unlink(path.c_str()), EPERM);

	const int status = holder.kill(SIGKILL);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_OK(truncate(path.c_str(), static_cast<off_t>(length / 2)));
	vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
	Page page;
	CHECK_EQ(pwrite(fd.get(), page.data(), pages(1), 0), static_cast<ssize_t>(pages(1)));
	// Nothing of the dead session is left: another one gets the lease.
	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &id));
	CHECK_EQ(vt::fdinfo(s.get(), "lease").size(), size_t{1});
	CHECK_OK(vt::unlease(s.get(), id));
	CHECK_OK(unlink(path.c_str()));
}

// Each test takes a few seconds under TCG, most of it mkfs.
constexpr unsigned timeout_s = 60;

void every_group_as_holder(const FsKind &k)
{
	Protected t(k);
	Stats stats;
	for (const auto &g : groups(k))
		g.fn(Actor{t, t.fd.get(), t.other_fd.get(), stats});
	stats.note(std::string(k.name) + " holder");
}

struct Registrar {
	Registrar()
	{
		for (const FsKind *k : {&ext4_dax, &xfs_dax}) {
			const FsKind &kind = *k;
			const std::string n = std::string(k->name) + " ";
			const std::string held = n + "protected, pinned WRITE by the holder: ";
			for (const auto &g : groups(kind)) {
				const Group fn = g.fn;
				const char *name = g.name;
				tap::Register(held + g.what, [&kind, fn, name] { as_holder(kind, fn, name); },
					      timeout_s);
			}
			tap::Register(held + "another process is refused the same",
				      [&kind] { as_other_process(kind); }, timeout_s);
			tap::Register(held + "read, pread, read-only mmap, stat, fsync and fdatasync work",
				      [&kind] { reads_work(kind); }, timeout_s);
			tap::Register(held + "a shared writable mapping made before the lease still writes",
				      [&kind] { existing_mapping_writes(kind); }, timeout_s);
			tap::Register(n + "unlease is EBUSY while pinned; after unpin and unlease every operation works",
				      [&kind] { all_work_after_unlease(kind); }, timeout_s);
			tap::Register(n + "a holder killed by SIGKILL leaves no protection, pin or lease behind",
				      [&kind] { killed_holder(kind); }, timeout_s);
		}
		for (const FsKind *k : {&ext4_pagecache, &xfs_pagecache}) {
			const FsKind &kind = *k;
			const std::string n = std::string(k->name) + " ";
			tap::Register(n + "protected, pinned read-only: every operation of the matrix is refused",
				      [&kind] { every_group_as_holder(kind); }, timeout_s);
			tap::Register(n + "unlease is EBUSY while pinned; after unpin and unlease every operation works",
				      [&kind] { all_work_after_unlease(kind); }, timeout_s);
		}
	}
} registrar;

} // namespace
