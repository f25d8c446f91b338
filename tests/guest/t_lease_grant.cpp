// SPDX-License-Identifier: GPL-2.0
// When an exclusive lease, and with it the protected state, is refused: files
// whose blocks are not all written and their own (ENODATA), file systems
// without fiemap (EOPNOTSUPP), descriptors not open for writing (EBADF),
// callers that neither own the file nor have CAP_LINUX_IMMUTABLE (EPERM),
// non-regular files (EINVAL), and files that another lease holds (EBUSY).
// A refused lease leaves the file unprotected.
#include "tap.hpp"
#include "util.hpp"

#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace {

using vt::offset;
using vt::pages;

constexpr size_t file_pages = 16;

using vt::take_lease;

// The two operations every protected file refuses, even when they change
// nothing: a truncate to its own size and a new shared writable mapping.
bool protected_now(int fd)
{
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	errno = 0;
	const int truncated = ftruncate(fd, st.st_size);
	const int truncate_err = errno;
	void *p = mmap(nullptr, pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	const int map_err = errno;
	if (p != MAP_FAILED)
		munmap(p, pages(1));
	if (truncated == 0 && p != MAP_FAILED)
		return false;
	if (truncated == -1 && truncate_err == ETXTBSY && p == MAP_FAILED && map_err == ETXTBSY)
		return true;
	tap::fail("ftruncate: " + (truncated ? tap::errno_name(truncate_err) : std::string("ok")) +
			  ", mmap: " + (p == MAP_FAILED ? tap::errno_name(map_err) : std::string("ok")),
		  __FILE__, __LINE__);
}

// The lease is refused with err, and nothing of it stays behind.
void lease_refused(int session, int fd, int err)
{
	CHECK_ERRNO(vt::lease(session, fd, VPIN_LEASE_EXCLUSIVE, nullptr), err);
	CHECK(vt::fdinfo(session, "lease").empty());
	CHECK(!protected_now(fd));
}

void write_all(int fd, size_t length)
{
	std::string data(length, '\0');
	vt::fill_pattern(data.data(), length, 3);
	CHECK_EQ(pwrite(fd, data.data(), length, 0), static_cast<ssize_t>(length));
	CHECK_OK(fsync(fd));
}

// Leased once every block is written: the refusal was about the blocks.
void lease_after_writing(int session, int fd, size_t length)
{
	write_all(fd, length);
	const uint64_t id = take_lease(session, fd);
	CHECK(protected_now(fd));
	CHECK_OK(vt::unlease(session, id));
	CHECK(!protected_now(fd));
}

vt::Fd create(const std::string &path)
{
	return vt::Fd(CHECK_OK(open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644)));
}

void not_fully_written(const std::string &fs, int pmem)
{
	vt::DaxFs dax(fs, pmem);
	auto s = vt::open_session();
	const size_t length = pages(file_pages);

	auto sparse = create(dax.path("sparse"));
	CHECK_OK(ftruncate(sparse.get(), static_cast<off_t>(length)));
	lease_refused(s.get(), sparse.get(), ENODATA);
	lease_after_writing(s.get(), sparse.get(), length);

	auto tail = create(dax.path("tail"));
	write_all(tail.get(), length / 2);
	CHECK_OK(ftruncate(tail.get(), static_cast<off_t>(length)));
	lease_refused(s.get(), tail.get(), ENODATA);
	lease_after_writing(s.get(), tail.get(), length);

	auto prealloc = create(dax.path("prealloc"));
	CHECK_OK(fallocate(prealloc.get(), 0, 0, static_cast<off_t>(length)));
	lease_refused(s.get(), prealloc.get(), ENODATA);
	lease_after_writing(s.get(), prealloc.get(), length);

	auto punched = vt::make_file(dax.path("punched"), length);
	CHECK_OK(fallocate(punched.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset(7),
			   offset(1)));
	lease_refused(s.get(), punched.get(), ENODATA);
	lease_after_writing(s.get(), punched.get(), length);
}

// A scratch file on /tmp, which the test guest mounts as tmpfs.
struct TmpFile {
	TmpFile()
	{
		struct statfs sfs;
		CHECK_OK(statfs("/tmp", &sfs));
		if (sfs.f_type != TMPFS_MAGIC)
			tap::skip("/tmp is not tmpfs");
		fd = vt::make_file(path, pages(4));
	}
	~TmpFile() { unlink(path.c_str()); }
	TmpFile(const TmpFile &) = delete;
	TmpFile &operator=(const TmpFile &) = delete;

	std::string path = "/tmp/vpin-t-lease_grant." + std::to_string(getpid());
	vt::Fd fd;
};

// Gives up root for uid and gid in a child; the child keeps no capability.
void become(uid_t uid)
{
	CHECK_OK(setgroups(0, nullptr));
	CHECK_OK(setgid(uid));
	CHECK_OK(setuid(uid));
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line))
		if (line.rfind("CapEff:", 0) == 0)
			CHECK_EQ(std::stoull(line.substr(7), nullptr, 16), 0ull);
}

// Stays root but without cap in the effective set.
void drop_capability(unsigned cap)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	CHECK_OK(syscall(SYS_capget, &hdr, data));
	data[cap / 32].effective &= ~(1u << (cap % 32));
	CHECK_OK(syscall(SYS_capset, &hdr, data));
}

constexpr uid_t owner_uid = 65534;
constexpr uid_t stranger_uid = 65533;

} // namespace

TEST("tmpfs: the lease is EOPNOTSUPP (no fiemap) and leaves the file unprotected")
{
	TmpFile f;
	auto s = vt::open_session();
	lease_refused(s.get(), f.fd.get(), EOPNOTSUPP);
	CHECK_EQ(pwrite(f.fd.get(), "x", 1, 0), ssize_t{1});
	CHECK_OK(unlink(f.path.c_str()));
}

TEST("a descriptor open O_RDONLY or O_PATH is EBADF")
{
	TmpFile f;
	auto s = vt::open_session();
	vt::Fd ro(CHECK_OK(open(f.path.c_str(), O_RDONLY | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(s.get(), ro.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBADF);
	vt::Fd path(CHECK_OK(open(f.path.c_str(), O_PATH | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(s.get(), path.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBADF);
	CHECK(vt::fdinfo(s.get(), "lease").empty());
}

TEST("a directory is EINVAL")
{
	auto s = vt::open_session();
	vt::Fd dir(CHECK_OK(open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(s.get(), dir.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EINVAL);
	CHECK(vt::fdinfo(s.get(), "lease").empty());
}

TEST("ext4-dax: sparse, tail-hole, preallocated and hole-punched files are ENODATA until written")
{
	not_fully_written("ext4", 0);
}

TEST("xfs-dax: sparse, tail-hole, preallocated and hole-punched files are ENODATA until written")
{
	not_fully_written("xfs", 1);
}

TEST("xfs-dax: a reflinked file and its source are ENODATA (shared extents) until unshared")
{
	vt::DaxFs dax("xfs", 1);
	const size_t length = pages(file_pages);
	auto src = vt::make_file(dax.path("src"), length);
	auto copy = create(dax.path("copy"));
	if (ioctl(copy.get(), FICLONE, src.get()) < 0) {
		if (errno == EOPNOTSUPP)
			tap::skip("this xfs has no reflink");
		tap::fail("FICLONE: " + tap::errno_name(errno), __FILE__, __LINE__);
	}
	auto s = vt::open_session();
	lease_refused(s.get(), copy.get(), ENODATA);
	lease_refused(s.get(), src.get(), ENODATA);
	// Overwriting the copy moves it to blocks of its own.
	lease_after_writing(s.get(), copy.get(), length);
	const uint64_t id = take_lease(s.get(), src.get());
	CHECK_OK(vt::unlease(s.get(), id));
}

// xfs frees the blocks of an unlinked file in the background; statfs()
// hurries it along.
void wait_unshared(int fd)
{
	const int64_t deadline = vt::now_ns() + 30'000'000'000;
	while (vt::any_shared(fd)) {
		if (vt::now_ns() > deadline)
			tap::fail("the blocks stay shared", __FILE__, __LINE__);
		struct statfs st;
		CHECK_OK(fstatfs(fd, &st));
		usleep(10000);
	}
}

// xfs keeps the copy-on-write reservation of a write to a reflinked range
// (cowextsize, 32 blocks by default) after the write, and a later write to a
// block it covers would go to the reserved block and free the old one, even
// once no extent is shared. The page of the block the write copied to stays
// marked as shared among files, which GUP would take for an anonymous page
// that is not exclusive: never pinned read-only, a VM_BUG_ON when pinned
// writable on a CONFIG_DEBUG_VM kernel.
void once_reflinked(uint32_t type)
{
	vt::DaxFs dax("xfs", 1);
	const size_t n = 64;
	const std::string src_path = dax.path("src");
	auto copy = create(dax.path("copy"));
	{
		auto src = vt::make_file(src_path, pages(n));
		if (ioctl(copy.get(), FICLONE, src.get()) < 0) {
			if (errno == EOPNOTSUPP)
				tap::skip("this xfs has no reflink");
			tap::fail("FICLONE: " + tap::errno_name(errno), __FILE__, __LINE__);
		}
	}
	auto *m = static_cast<char *>(
		mmap(nullptr, pages(n), PROT_READ | PROT_WRITE, MAP_SHARED, copy.get(), 0));
	CHECK(m != MAP_FAILED);
	m[0] = 'x';
	CHECK_OK(msync(m, pages(n), MS_SYNC));
	CHECK_OK(unlink(src_path.c_str()));	// nothing is shared any more
	wait_unshared(copy.get());
	const uint64_t before = vt::block_map(copy.get())[5];

	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), copy.get(), type, &id));
	const auto addr = reinterpret_cast<uint64_t>(m);
	uint64_t ro = 0, rw = 0;
	CHECK_OK(vt::pin(s.get(), addr, pages(n), 0, &ro));
	CHECK_OK(vt::pin(s.get(), addr, pages(n), VPIN_PIN_F_WRITE, &rw));
	vt::Child writer([&] { m[offset(5)] = 'y'; });
	writer.wait();
	CHECK_EQ(vt::block_map(copy.get())[5], before);
	char c = 0;
	CHECK_EQ(pread(copy.get(), &c, 1, offset(5)), 1);
	CHECK_EQ(c, 'y');
	CHECK_EQ(pread(copy.get(), &c, 1, 0), 1);
	CHECK_EQ(c, 'x');
	CHECK(!vt::event_queued(s.get()));	// nothing broke
	CHECK_OK(vt::unpin(s.get(), ro));
	CHECK_OK(vt::unpin(s.get(), rw));
	CHECK_OK(vt::unlease(s.get(), id));
	munmap(m, pages(n));
}

TEST("xfs-dax: a once reflinked file, leased exclusively: its copied-on-write pages pin, a write "
     "through an earlier mapping keeps its blocks in place")
{
	once_reflinked(VPIN_LEASE_EXCLUSIVE);
}

TEST("xfs-dax: a once reflinked file, leased breakably: its copied-on-write pages pin, a write "
     "keeps its blocks in place and breaks nothing")
{
	once_reflinked(VPIN_LEASE_BREAKABLE);
}

TEST("ext4-dax: neither owner nor CAP_LINUX_IMMUTABLE is EPERM; the unprivileged owner and root get it")
{
	vt::DaxFs dax("ext4", 0);
	const std::string path = dax.path("theirs");
	vt::make_file(path, pages(file_pages));
	CHECK_OK(chown(path.c_str(), owner_uid, owner_uid));
	CHECK_OK(chmod(path.c_str(), 0666));

	vt::Child stranger([&] {
		auto s = vt::open_session();
		become(stranger_uid);
		vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
		CHECK_ERRNO(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EPERM);
		CHECK(vt::fdinfo(s.get(), "lease").empty());
		CHECK(!protected_now(fd.get()));
	});
	stranger.wait();

	vt::Child root_without_cap([&] {
		auto s = vt::open_session();
		drop_capability(CAP_LINUX_IMMUTABLE);
		vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
		CHECK_ERRNO(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EPERM);
		CHECK(!protected_now(fd.get()));
	});
	root_without_cap.wait();

	vt::Child owner([&] {
		auto s = vt::open_session();
		become(owner_uid);
		vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
		const uint64_t id = take_lease(s.get(), fd.get());
		CHECK(protected_now(fd.get()));
		CHECK_OK(vt::unlease(s.get(), id));
	});
	owner.wait();

	auto s = vt::open_session();
	vt::Fd fd(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
	const uint64_t id = take_lease(s.get(), fd.get());
	CHECK(protected_now(fd.get()));
	CHECK_OK(vt::unlease(s.get(), id));
}

TEST("xfs-dax: a second exclusive lease from another session is EBUSY")
{
	vt::DaxFs dax("xfs", 1);
	const std::string path = dax.path("f");
	auto fd = vt::make_file(path, pages(file_pages));
	auto holder = vt::open_session();
	auto other = vt::open_session();
	const uint64_t id = take_lease(holder.get(), fd.get());
	vt::Fd again(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(other.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_ERRNO(vt::lease(other.get(), again.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK(vt::fdinfo(other.get(), "lease").empty());
	CHECK(protected_now(fd.get()));
	CHECK_OK(vt::unlease(holder.get(), id));
	take_lease(other.get(), again.get());
}

TEST("xfs-dax: a second exclusive lease from the same session is EBUSY")
{
	vt::DaxFs dax("xfs", 1);
	const std::string path = dax.path("f");
	auto fd = vt::make_file(path, pages(file_pages));
	auto s = vt::open_session();
	const uint64_t id = take_lease(s.get(), fd.get());
	vt::Fd again(CHECK_OK(open(path.c_str(), O_RDWR | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_ERRNO(vt::lease(s.get(), again.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_EQ(vt::fdinfo(s.get(), "lease").size(), size_t{1});
	CHECK_OK(vt::unlease(s.get(), id));
	CHECK(!protected_now(fd.get()));
}
