// SPDX-License-Identifier: GPL-2.0
#include "util.hpp"

#include "tap.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <fstream>
#include <poll.h>
#include <time.h>
#include <random>
#include <sstream>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

namespace vt {

long page_size()
{
	static const long size = sysconf(_SC_PAGESIZE);
	return size;
}

Fd open_session()
{
	int fd = ::open(VPIN_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap::fail(std::string("open " VPIN_DEVICE_PATH ": ") + tap::errno_name(errno),
			  __FILE__, __LINE__);
	return Fd(fd);
}

Fd memfd(size_t length)
{
	Fd fd(CHECK_OK(memfd_create("vpin", MFD_CLOEXEC)));
	CHECK_OK(ftruncate(fd.get(), static_cast<off_t>(length)));
	return fd;
}

int pin(int session, uint64_t addr, uint64_t length, uint32_t flags, uint64_t *id)
{
	struct vpin_pin p = {};
	p.addr = addr;
	p.length = length;
	p.flags = flags;
	int r = ioctl(session, VPIN_IOC_PIN, &p);
	if (r == 0 && id)
		*id = p.id;
	return r;
}

int unpin(int session, uint64_t id)
{
	struct vpin_unpin u = {};
	u.id = id;
	return ioctl(session, VPIN_IOC_UNPIN, &u);
}

int lease(int session, int fd, uint32_t type, uint64_t *id)
{
	struct vpin_lease l = {};
	l.fd = fd;
	l.type = type;
	int r = ioctl(session, VPIN_IOC_LEASE, &l);
	if (r == 0 && id)
		*id = l.id;
	return r;
}

int map_pin(int session, uint64_t pin, uint64_t offset, uint64_t length, int *fd)
{
	struct vpin_map m = {};
	m.pin_id = pin;
	m.offset = offset;
	m.length = length;
	int r = ioctl(session, VPIN_IOC_MAP, &m);
	if (r == 0 && fd)
		*fd = m.fd;
	return r;
}

int unlease(int session, uint64_t id)
{
	struct vpin_unlease u = {};
	u.id = id;
	return ioctl(session, VPIN_IOC_UNLEASE, &u);
}

uint64_t take_lease(int session, int fd)
{
	uint64_t id = 0;
	CHECK_OK(lease(session, fd, VPIN_LEASE_EXCLUSIVE, &id));
	CHECK(id != 0);
	return id;
}

long vmstat(const std::string &name)
{
	// The counters are per CPU; a write to stat_refresh folds them in.
	std::ofstream("/proc/sys/vm/stat_refresh") << "1\n";
	std::ifstream in("/proc/vmstat");
	std::string key;
	long value;
	while (in >> key >> value)
		if (key == name)
			return value;
	tap::fail("no " + name + " in /proc/vmstat", __FILE__, __LINE__);
}

int sh(const std::string &cmd)
{
	int status = std::system(cmd.c_str());
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

namespace {

int vmstat_helper = -1;

void fold_vmstat()
{
	if (vmstat_helper >= 0) {
		send_u64(vmstat_helper, 0);
		recv_u64(vmstat_helper);
		return;
	}
	Fd fd(::open("/proc/sys/vm/stat_refresh", O_RDONLY | O_CLOEXEC));
	char c;
	if (fd.get() < 0 || ::read(fd.get(), &c, 1) < 0)
		tap::fail("/proc/sys/vm/stat_refresh: " + tap::errno_name(errno), __FILE__,
			  __LINE__);
}

} // namespace

long foll_pinned()
{
	fold_vmstat();
	return vmstat("nr_foll_pin_acquired") - vmstat("nr_foll_pin_released");
}

void start_vmstat_helper()
{
	Channel ch;
	pid_t pid = fork();
	if (pid < 0)
		tap::fail("fork: " + tap::errno_name(errno), __FILE__, __LINE__);
	if (pid == 0) {
		const int sock = ch.b.get();
		if (sock > 3)
			close_range(3, static_cast<unsigned>(sock) - 1, 0);
		close_range(static_cast<unsigned>(sock) + 1, ~0u, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		uint64_t v;
		while (::recv(sock, &v, sizeof(v), MSG_WAITALL) == sizeof(v)) {
			try {
				fold_vmstat();
			} catch (const std::exception &) {
				_exit(1);
			}
			if (::send(sock, &v, sizeof(v), MSG_NOSIGNAL) != sizeof(v))
				break;
		}
		_exit(0);
	}
	vmstat_helper = ch.a.release();
}

long vm_pin_kb()
{
	std::ifstream in("/proc/self/status");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("VmPin:", 0) == 0)
			return std::stol(line.substr(6));
	tap::fail("no VmPin in /proc/self/status", __FILE__, __LINE__);
}

Map::Map(size_t length, int prot, int flags, int fd, off_t offset) : length_(length)
{
	void *p = ::mmap(nullptr, length, prot, flags, fd, offset);
	if (p == MAP_FAILED)
		tap::fail("mmap: " + tap::errno_name(errno), __FILE__, __LINE__);
	addr_ = static_cast<char *>(p);
}

void Map::place(size_t at, size_t length, int prot, int flags, int fd, off_t offset)
{
	if (at + length > length_)
		tap::fail("Map::place beyond the mapping", __FILE__, __LINE__);
	void *p = ::mmap(addr_ + at, length, prot, flags | MAP_FIXED, fd, offset);
	if (p == MAP_FAILED)
		tap::fail("mmap MAP_FIXED: " + tap::errno_name(errno), __FILE__, __LINE__);
}

void Map::touch()
{
	for (size_t off = 0; off < length_; off += static_cast<size_t>(page_size()))
		*static_cast<volatile char *>(addr_ + off) = 1;
}

void Map::unmap()
{
	if (addr_)
		::munmap(addr_, length_);
	addr_ = nullptr;
}

Child::Child(const std::function<void()> &fn)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		tap::fail("pipe: " + tap::errno_name(errno), __FILE__, __LINE__);
	std::fflush(nullptr);
	pid_ = fork();
	if (pid_ < 0)
		tap::fail("fork: " + tap::errno_name(errno), __FILE__, __LINE__);
	if (pid_ == 0) {
		::close(fds[0]);
		int rc = 0;
		try {
			fn();
		} catch (const std::exception &e) {
			dprintf(fds[1], "%s", e.what());
			rc = 1;
		}
		_exit(rc);
	}
	::close(fds[1]);
	report_.reset(fds[0]);
}

Child::~Child()
{
	if (pid_ > 0)
		kill(SIGKILL);
}

void Child::wait()
{
	std::string reason;
	char buf[512];
	ssize_t got;
	while ((got = ::read(report_.get(), buf, sizeof(buf))) > 0)
		reason.append(buf, static_cast<size_t>(got));
	int status = 0;
	while (waitpid(pid_, &status, 0) < 0 && errno == EINTR)
		;
	pid_ = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (reason.empty())
		reason = "status " + std::to_string(status);
	tap::fail("child: " + reason, __FILE__, __LINE__);
}

int Child::kill(int sig)
{
	::kill(pid_, sig);
	int status = 0;
	while (waitpid(pid_, &status, 0) < 0 && errno == EINTR)
		;
	pid_ = -1;
	return status;
}

Channel::Channel()
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		tap::fail("socketpair: " + tap::errno_name(errno), __FILE__, __LINE__);
	a.reset(sv[0]);
	b.reset(sv[1]);
}

void send_u64(int sock, uint64_t value)
{
	if (::send(sock, &value, sizeof(value), MSG_NOSIGNAL) != sizeof(value))
		tap::fail("send: " + tap::errno_name(errno), __FILE__, __LINE__);
}

uint64_t recv_u64(int sock)
{
	uint64_t value;
	ssize_t got = ::recv(sock, &value, sizeof(value), MSG_WAITALL);
	if (got != sizeof(value))
		tap::fail(got == 0 ? std::string("recv: the peer went away")
				   : "recv: " + tap::errno_name(errno),
			  __FILE__, __LINE__);
	return value;
}

void send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = {&byte, 1};
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	struct msghdr msg = {};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (::sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
		tap::fail("sendmsg: " + tap::errno_name(errno), __FILE__, __LINE__);
}

Fd recv_fd(int sock)
{
	char byte;
	struct iovec iov = {&byte, 1};
	alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
	struct msghdr msg = {};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		tap::fail("recvmsg: " + tap::errno_name(errno), __FILE__, __LINE__);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		tap::fail("recvmsg: no descriptor received", __FILE__, __LINE__);
	int fd;
	std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return Fd(fd);
}

std::vector<Fields> fdinfo(int fd, const std::string &kind)
{
	std::ifstream in("/proc/self/fdinfo/" + std::to_string(fd));
	if (!in)
		tap::fail("cannot read /proc/self/fdinfo/" + std::to_string(fd), __FILE__, __LINE__);
	const std::string prefix = kind + ":\t";
	std::vector<Fields> entries;
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind(prefix, 0) != 0)
			continue;
		Fields f;
		std::string rest = line.substr(prefix.size());
		while (!rest.empty()) {
			size_t eq = rest.find('=');
			if (eq == std::string::npos)
				tap::fail("fdinfo: no key=value in '" + line + "'", __FILE__, __LINE__);
			std::string key = rest.substr(0, eq);
			size_t end = key == "path" ? std::string::npos : rest.find(' ', eq);
			f[key] = rest.substr(eq + 1, end == std::string::npos ? end : end - eq - 1);
			rest = end == std::string::npos ? "" : rest.substr(end + 1);
		}
		entries.push_back(std::move(f));
	}
	return entries;
}

const Fields &fdinfo_entry(const std::vector<Fields> &entries, uint64_t id)
{
	for (const auto &e : entries)
		if (e.count("id") && e.at("id") == std::to_string(id))
			return e;
	tap::fail("fdinfo has no entry with id=" + std::to_string(id), __FILE__, __LINE__);
}

void check_field(const Fields &entry, const std::string &key, const std::string &want)
{
	auto it = entry.find(key);
	if (it == entry.end())
		tap::fail("fdinfo entry has no " + key, __FILE__, __LINE__);
	if (it->second != want)
		tap::fail("fdinfo " + key + "=" + it->second + ", expected " + want, __FILE__,
			  __LINE__);
}

void fill_pattern(char *buf, size_t length, uint64_t seed)
{
	std::mt19937_64 gen(seed);
	for (size_t i = 0; i < length; i += sizeof(uint64_t)) {
		uint64_t v = gen();
		std::memcpy(buf + i, &v, std::min(sizeof(v), length - i));
	}
}

std::string contents(const std::string &path)
{
	Fd fd = open_file(path, O_RDONLY);
	struct stat st;
	CHECK_OK(fstat(fd.get(), &st));
	std::string data(static_cast<size_t>(st.st_size), '\0');
	CHECK_EQ(pread(fd.get(), data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
	return data;
}

std::string zeros(size_t n)
{
	return std::string(pages(n), '\0');
}

std::string with(std::string s, size_t first, const std::string &part)
{
	s.replace(pages(first), part.size(), part);
	return s;
}

uint64_t checksum(const char *buf, size_t length)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < length; i++) {
		h ^= static_cast<unsigned char>(buf[i]);
		h *= 0x100000001b3ull;
	}
	return h;
}

static std::string repo()
{
	const char *r = std::getenv("VPIN_REPO");
	return r ? r : ".";
}

std::string pinctl()
{
	const char *b = std::getenv("VPIN_BUILD");
	return (b ? std::string(b) : repo() + "/build") + "/user/ctl/pinctl";
}

DaxFs::DaxFs(const std::string &fs, int pmem_index)
	: fs_(fs), dev_("/dev/pmem" + std::to_string(pmem_index)),
	  mnt_("/mnt/vpin-" + fs + std::to_string(pmem_index))
{
	struct stat st;
	if (stat(dev_.c_str(), &st) < 0)
		tap::skip(dev_ + " does not exist");
	std::string cmd = repo() + "/tests/vm/mkfs-dax " + fs_ + " " + dev_ + " " + mnt_ +
			  " >/dev/null";
	if (sh(cmd) != 0)
		tap::fail("cannot make a DAX " + fs_ + " on " + dev_, __FILE__, __LINE__);
}

DaxFs::~DaxFs()
{
	::umount2(mnt_.c_str(), MNT_DETACH);
}

void DaxFs::remount()
{
	if (::umount(mnt_.c_str()) < 0)
		tap::fail("umount " + mnt_ + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	if (::mount(dev_.c_str(), mnt_.c_str(), fs_.c_str(), 0, "dax") < 0)
		tap::fail("mount " + mnt_ + ": " + tap::errno_name(errno), __FILE__, __LINE__);
}

PageCacheFs::PageCacheFs(const std::string &fs, int pmem_index)
	: mnt_("/mnt/vpin-" + fs + std::to_string(pmem_index) + "-pagecache")
{
	std::string dev = "/dev/pmem" + std::to_string(pmem_index);
	struct stat st;
	if (stat(dev.c_str(), &st) < 0)
		tap::skip(dev + " does not exist");
	std::string mkfs = fs == "xfs" ? "mkfs.xfs -q -f " : "mkfs." + fs + " -q -F -b 4096 ";
	if (sh(mkfs + dev + " >/dev/null") != 0)
		tap::fail("cannot make " + fs + " on " + dev, __FILE__, __LINE__);
	::mkdir(mnt_.c_str(), 0755);
	if (::mount(dev.c_str(), mnt_.c_str(), fs.c_str(), 0, "dax=never") < 0)
		tap::fail("mount " + dev + " on " + mnt_ + ": " + tap::errno_name(errno), __FILE__,
			  __LINE__);
}

PageCacheFs::~PageCacheFs()
{
	::umount2(mnt_.c_str(), MNT_DETACH);
}

Fd make_file(const std::string &path, size_t length, uint64_t seed)
{
	Fd fd(::open(path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644));
	if (fd.get() < 0)
		tap::fail("open " + path + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	std::string data(length, '\0');
	fill_pattern(data.data(), length, seed);
	if (::pwrite(fd.get(), data.data(), length, 0) != static_cast<ssize_t>(length))
		tap::fail("pwrite " + path + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	if (::fsync(fd.get()) < 0)
		tap::fail("fsync " + path + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	return fd;
}

long clone_range(int src, off_t src_off, int dst, off_t dst_off, size_t length)
{
	struct file_clone_range r = {};
	r.src_fd = src;
	r.src_offset = static_cast<__u64>(src_off);
	r.src_length = length;
	r.dest_offset = static_cast<__u64>(dst_off);
	return ioctl(dst, FICLONERANGE, &r);
}

long dedupe(int src, off_t src_off, int dst, off_t dst_off, size_t length)
{
	alignas(struct file_dedupe_range) char
		buf[sizeof(struct file_dedupe_range) + sizeof(struct file_dedupe_range_info)] = {};
	auto *range = reinterpret_cast<struct file_dedupe_range *>(buf);
	range->src_offset = static_cast<__u64>(src_off);
	range->src_length = length;
	range->dest_count = 1;
	range->info[0].dest_fd = dst;
	range->info[0].dest_offset = static_cast<__u64>(dst_off);
	if (ioctl(src, FIDEDUPERANGE, range) < 0)
		return -1;
	if (range->info[0].status < 0) {
		errno = -range->info[0].status;
		return -1;
	}
	if (range->info[0].status == FILE_DEDUPE_RANGE_DIFFERS) {
		errno = EBADE;
		return -1;
	}
	return static_cast<long>(range->info[0].bytes_deduped);
}

Mount::Mount(const FsKind &k)
{
	if (k.dax)
		dax_ = std::make_unique<DaxFs>(k.type, k.pmem);
	else
		pagecache_ = std::make_unique<PageCacheFs>(k.type, k.pmem);
}

std::string Mount::path(const std::string &name) const
{
	return dax_ ? dax_->path(name) : pagecache_->path(name);
}

size_t pages(size_t n)
{
	return n * static_cast<size_t>(page_size());
}

off_t offset(size_t n)
{
	return static_cast<off_t>(pages(n));
}

Fd open_file(const std::string &path, int flags)
{
	return Fd(CHECK_OK(::open(path.c_str(), flags | O_CLOEXEC, 0644)));
}

volatile sig_atomic_t sigbus_count;

namespace {

void on_sigbus(int)
{
	sigbus_count = sigbus_count + 1;
}

} // namespace

void count_sigbus()
{
	struct sigaction sa = {};
	sa.sa_handler = on_sigbus;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGBUS, &sa, nullptr));
	sigbus_count = 0;
}

int64_t now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string ms_str(int64_t ns)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f ms", static_cast<double>(ns) / 1e6);
	return buf;
}

namespace {

const char break_time_path[] = "/sys/module/vpin/parameters/break_time_ms";

bool set_break_time(int64_t ms)
{
	std::ofstream out(break_time_path);
	out << ms << "\n";
	out.flush();
	return static_cast<bool>(out);
}

} // namespace

BreakTime::BreakTime(int64_t ms)
{
	if (!set_break_time(ms))
		tap::fail(std::string("cannot set ") + break_time_path, __FILE__, __LINE__);
}

BreakTime::~BreakTime()
{
	set_break_time(0);
}

int64_t wait_event(int session, int timeout_ms)
{
	struct pollfd p = {session, POLLIN | POLLRDNORM | POLLPRI, 0};
	const int64_t until = now_ns() + int64_t{timeout_ms} * 1000000;
	for (;;) {
		const int64_t left = (until - now_ns()) / 1000000;
		const int r = poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0)));
		if (r < 0 && errno == EINTR)
			continue;
		CHECK_OK(r);
		if (r == 0)
			tap::fail("no event on the session within " + std::to_string(timeout_ms) +
					  " ms",
				  __FILE__, __LINE__);
		break;
	}
	const int64_t seen = now_ns();
	CHECK((p.revents & (POLLIN | POLLRDNORM | POLLPRI)) == (POLLIN | POLLRDNORM | POLLPRI));
	return seen;
}

bool event_queued(int session)
{
	struct pollfd p = {session, POLLIN | POLLPRI, 0};
	return CHECK_OK(poll(&p, 1, 0)) == 1;
}

std::vector<vpin_event> read_events(int session)
{
	vpin_event buf[8];
	const ssize_t n = CHECK_OK(read(session, buf, sizeof(buf)));
	CHECK(n > 0 && n % static_cast<ssize_t>(sizeof(vpin_event)) == 0);
	return std::vector<vpin_event>(buf, buf + n / static_cast<ssize_t>(sizeof(vpin_event)));
}

namespace {

// From fs/xfs/libxfs/xfs_fs.h.
struct xfs_exchange_range_args {
	__s32 file1_fd;
	__u32 pad;
	__u64 file1_offset;
	__u64 file2_offset;
	__u64 length;
	__u64 flags;
};
static_assert(sizeof(xfs_exchange_range_args) == 40);
const unsigned long xfs_ioc_exchange_range = _IOW('X', 129, struct xfs_exchange_range_args);

struct xfs_bstime_args {
	long tv_sec;
	__s32 tv_nsec;
};
struct xfs_swapext_args {
	int64_t sx_version;
	int64_t sx_fdtarget;
	int64_t sx_fdtmp;
	int64_t sx_offset;
	int64_t sx_length;
	char sx_pad[16];
	struct {
		__u64 bs_ino;
		__u16 bs_mode, bs_nlink;
		__u32 bs_uid, bs_gid, bs_rdev;
		__s32 bs_blksize;
		__s64 bs_size;
		xfs_bstime_args bs_atime, bs_mtime, bs_ctime;
		int64_t bs_blocks;
		__u32 bs_xflags;
		__s32 bs_extsize, bs_extents;
		__u32 bs_gen;
		__u16 bs_projid_lo, bs_forkoff, bs_projid_hi, bs_sick, bs_checked;
		unsigned char bs_pad[2];
		__u32 bs_cowextsize, bs_dmevmask;
		__u16 bs_dmstate, bs_aextents;
	} sx_stat;
};
static_assert(sizeof(xfs_swapext_args) == 192);
const unsigned long xfs_ioc_swapext = _IOWR('X', 109, struct xfs_swapext_args);

} // namespace

long copy_range(int in, off_t in_off, int out, off_t out_off, size_t length)
{
	loff_t a = in_off, b = out_off;
	return copy_file_range(in, &a, out, &b, length, 0);
}

long exchange_range(int file1, int file2, size_t length)
{
	xfs_exchange_range_args a = {};
	a.file1_fd = file1;
	a.length = length;
	return ioctl(file2, xfs_ioc_exchange_range, &a);
}

long swapext(int target, int tmp, off_t length)
{
	xfs_swapext_args a = {};
	a.sx_fdtarget = target;
	a.sx_fdtmp = tmp;
	a.sx_length = length;
	return ioctl(target, xfs_ioc_swapext, &a);
}

std::vector<uint64_t> block_map(int fd)
{
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	const size_t n = (static_cast<size_t>(st.st_size) + pages(1) - 1) / pages(1);
	constexpr unsigned max = 256;
	std::vector<char> buf(sizeof(struct fiemap) + max * sizeof(struct fiemap_extent));
	auto *fm = reinterpret_cast<struct fiemap *>(buf.data());
	fm->fm_start = 0;
	fm->fm_length = static_cast<__u64>(st.st_size);
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = max;
	CHECK_OK(ioctl(fd, FS_IOC_FIEMAP, fm));
	std::vector<uint64_t> map(n, 0);
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
		const auto &e = fm->fm_extents[i];
		for (uint64_t off = 0; off < e.fe_length; off += pages(1)) {
			const uint64_t page = (e.fe_logical + off) / pages(1);
			if (page < n)
				map[page] = e.fe_physical + off;
		}
	}
	return map;
}

bool any_shared(int fd)
{
	constexpr unsigned max = 64;
	std::vector<char> buf(sizeof(struct fiemap) + max * sizeof(struct fiemap_extent));
	auto *fm = reinterpret_cast<struct fiemap *>(buf.data());
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = max;
	CHECK_OK(ioctl(fd, FS_IOC_FIEMAP, fm));
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++)
		if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED)
			return true;
	return false;
}

std::string kernel_release()
{
	struct utsname u;
	CHECK_OK(uname(&u));
	return u.release;
}

// XFS_IOC_EXCHANGE_RANGE came with Linux 6.10.
bool kernel_older_than(unsigned want_major, unsigned want_minor)
{
	unsigned major = 0, minor = 0;
	CHECK(std::sscanf(kernel_release().c_str(), "%u.%u", &major, &minor) == 2);
	return major < want_major || (major == want_major && minor < want_minor);
}

bool kernel_has_exchange_range()
{
	return !kernel_older_than(6, 10);
}

} // namespace vt
