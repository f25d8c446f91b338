// SPDX-License-Identifier: GPL-2.0
// vpin-fuzz: a stateful fuzzer for /dev/vpin and the "vpin" netlink family.
//
//   vpin-fuzz --seconds N [--seed S] [--procs P] --dir DIR [--dir DIR...]
//             [--break-ms MS] [--stuck-after SECONDS] [--companion CMD]
//             [--companion-dir DIR] [--companion-log FILE]
//             [--companion-cgroup DIR] [--skip OP,...]
//             [--avoid-known] [--verbose]
//
// Runs as root inside the test guest with vpin loaded. It forks P workers
// (half of them as uid/gid 65534), each driving a random sequence of
// operations from a PRNG seeded from S and its index: sessions, mappings of
// anonymous memory, memfd, page-cache and DAX files, pins and unpins with
// valid and hostile arguments, leases of both types on its own, other
// workers' and odd files, the changes that break leases (truncate, O_TRUNC,
// fallocate, reflink, dedupe, copy_file_range, XFS_IOC_SWAPEXT), session
// events, fork, SCM_RIGHTS passing and netlink requests. Every result must be
// success or an errno the ABI documents for that call; anything else is a
// finding, printed with the worker's recent operations. The parent watches a
// heartbeat per worker (a worker stuck longer than the break time plus 10 s
// is a finding, reported with its kernel stack), SIGKILLs random workers and
// respawns them. At the end it kills everything, then checks that vpin's
// totals and the FOLL_PIN counters return to zero and that the kernel log
// has no complaint. Exit status 0 only without findings.
//
// Every line printed starts with "# " so that the output can sit inside a
// TAP stream; findings start with "# FINDING".
//
// --skip OP,... leaves operations out (names as in the summary).
// --avoid-known keeps remaps and swaps off FS-DAX, where the stock kernels
// have limits of their own (6.1 WARNs in dax_associate_entry() as soon as a
// second file maps a reflinked DAX page). make test runs with it, for short
// runs that spend their time elsewhere; make fuzz runs without.
#include <linux/vpin.h>
#include <vpin/fd.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <grp.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <map>
#include <new>
#include <optional>
#include <poll.h>
#include <set>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Small utilities

constexpr size_t kPage = 4096;
constexpr int kMaxProcs = 32;
constexpr int kErrMax = 134; // errno values counted one by one; above: "other"
constexpr int kErestartsys = 512; // ERESTARTSYS, which user space must never see
constexpr int kFiles = 3;    // data files per worker and directory
constexpr size_t kFilePages = 16;
constexpr size_t kMaxFilePages = 64;
constexpr uid_t kNobody = 65534;

int64_t now_ns()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

using Fd = vpin::Fd;

// xoshiro256** seeded through splitmix64: small, fast and reproducible.
class Rng {
public:
	explicit Rng(uint64_t seed)
	{
		for (auto &s : s_)
			s = splitmix(seed);
	}
	static uint64_t splitmix(uint64_t &x)
	{
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	uint64_t next()
	{
		const uint64_t result = rotl(s_[1] * 5, 7) * 9;
		const uint64_t t = s_[1] << 17;
		s_[2] ^= s_[0];
		s_[3] ^= s_[1];
		s_[1] ^= s_[2];
		s_[0] ^= s_[3];
		s_[2] ^= t;
		s_[3] = rotl(s_[3], 45);
		return result;
	}
	// Uniform in [0, n); 0 for n == 0.
	uint64_t below(uint64_t n) { return n ? next() % n : 0; }
	size_t index(size_t n) { return static_cast<size_t>(below(n)); }
	// Uniform in [lo, hi].
	uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
	bool one_in(uint64_t n) { return below(n) == 0; }
	bool percent(uint64_t p) { return below(100) < p; }

private:
	static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
	uint64_t s_[4];
};

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed ^ (a * 0x100000001b3ull) ^ (b << 40) ^ 0x5eedf00dull;
	Rng::splitmix(x);
	return Rng::splitmix(x);
}

std::string errno_name(int err)
{
	switch (err) {
	case 0: return "ok";
#define E(x) case x: return #x
		E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG);
		E(ENOEXEC); E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES);
		E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENODEV); E(ENOTDIR);
		E(EISDIR); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY); E(ETXTBSY);
		E(EFBIG); E(ENOSPC); E(ESPIPE); E(EROFS); E(EMLINK); E(EPIPE);
		E(EDOM); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG); E(ENOLCK);
		E(ENOSYS); E(ENOTEMPTY); E(ELOOP); E(ENODATA); E(EOVERFLOW);
		E(EBADE); E(ETOOMANYREFS); E(ENOBUFS); E(EOPNOTSUPP); E(EMSGSIZE);
		E(ECONNREFUSED); E(ETIMEDOUT); E(EDQUOT); E(ENOTSOCK); E(EHWPOISON);
		E(ENOTCONN); E(ESTALE); E(EPROTO); E(EBADMSG);
#undef E
	}
	return "errno " + std::to_string(err);
}

// One write(2) per message, so that the lines of several processes do not
// interleave within a line.
void emit(const std::string &text)
{
	const char *p = text.data();
	size_t left = text.size();
	while (left > 0) {
		ssize_t n = ::write(STDOUT_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		left -= static_cast<size_t>(n);
	}
}

std::string vformat(const char *fmt, va_list ap)
{
	char buf[1024];
	va_list aq;
	va_copy(aq, ap);
	int n = std::vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return "";
	if (static_cast<size_t>(n) < sizeof(buf))
		return std::string(buf, static_cast<size_t>(n));
	std::string s(static_cast<size_t>(n) + 1, '\0');
	std::vsnprintf(s.data(), s.size(), fmt, ap);
	s.resize(static_cast<size_t>(n));
	return s;
}

__attribute__((format(printf, 1, 2))) std::string format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	std::string s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const std::string text = vformat(fmt, ap);
	va_end(ap);
	// Every line a TAP comment.
	std::string s = "# ";
	for (char c : text)
		s += c == '\n' ? std::string("\n#   ") : std::string(1, c);
	emit(s + "\n");
}

std::string read_file(const std::string &path, size_t max = 1 << 16)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
	if (!fd)
		return "";
	std::string s;
	char buf[4096];
	while (s.size() < max) {
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s.append(buf, static_cast<size_t>(n));
	}
	return s;
}

bool write_file(const std::string &path, const std::string &text)
{
	Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (!fd)
		return false;
	return ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

// ---------------------------------------------------------------------------
// Operations and the errnos each may return.

enum Op : unsigned {
	OpSessionOpen,
	OpSessionClose,
	OpOpen,
	OpMmap,
	OpMunmap,
	OpMprotect,
	OpMadvise,
	OpTouch,
	OpPin,
	OpPinHostile,
	OpUnpin,
	OpLease,
	OpLeaseHostile,
	OpUnlease,
	OpVersion,
	OpReadEvents,
	OpPoll,
	OpAsync,
	OpFdinfo,
	OpTruncate,
	OpFtruncate,
	OpOTrunc,
	OpFallocate,
	OpClone,
	OpCloneRange,
	OpDedupe,
	OpCopyRange,
	OpSwapext,
	OpWrite,
	OpRepair,
	OpDaxCombo,
	OpFork,
	OpSend,
	OpRecv,
	OpNetlink,
	OpNlEvents,
	OpKill,
	OpMap,
	OpPolicy,
	OpCount
};

// The errnos of the calls that change a file's layout or data: their own
// (man pages), plus what vpin adds (ETXTBSY for a protected file, EDEADLK
// for a breakable lease of the caller, EWOULDBLOCK for a non-blocking
// breaker, EINTR for an interrupted one).
#define FS_ERRNOS                                                                        \
	EACCES, EPERM, ENOENT, EISDIR, EBADF, EINVAL, ENOSPC, EFBIG, ETXTBSY, EINTR,     \
		EAGAIN, EDEADLK, EOPNOTSUPP, EXDEV, ENOTDIR, ELOOP, ENODEV, ESPIPE,       \
		EOVERFLOW, EBUSY, ENOMEM, EDQUOT, ENXIO

struct OpInfo {
	const char *name;
	std::vector<int> errnos;
};

const std::array<OpInfo, OpCount> &op_table()
{
	static const std::array<OpInfo, OpCount> table = {{
		// EDQUOT: a policy's max_sessions.
		{"session-open", {ENOMEM, EMFILE, EDQUOT}},
		{"session-close", {}},
		{"open", {ENOENT, EACCES, EPERM, EISDIR, ETXTBSY, EAGAIN, EINTR, ENXIO, EINVAL,
			  ENOSPC, ELOOP, ENOTDIR, EROFS, EDQUOT, EFBIG, EOVERFLOW, EBUSY, EDEADLK,
			  EOPNOTSUPP, ENODEV}},
		{"mmap", {EACCES, EAGAIN, EINVAL, ENODEV, ENOMEM, EPERM, ETXTBSY, EOVERFLOW, EBADF}},
		{"munmap", {}},
		{"mprotect", {EACCES, ENOMEM}},
		// MADV_REMOVE punches a hole: the fallocate errnos too.
		{"madvise", {EINVAL, EACCES, EAGAIN, ENOMEM, EPERM, EFAULT, EBUSY, EDEADLK, ETXTBSY,
			     EINTR, EOPNOTSUPP, ENOSPC}},
		{"touch", {}},
		// vpin.h, VPIN_IOC_PIN; EAGAIN: a pin of a lease being broken.
		// EPERM and EDQUOT also from a policy.
		{"pin", {EFAULT, EACCES, EXDEV, ENOMEM, EOPNOTSUPP, EPERM, ESRCH, EAGAIN, EDQUOT}},
		{"pin-hostile", {EINVAL, EOVERFLOW, EFAULT, EACCES, EXDEV, ENOMEM, EOPNOTSUPP, EPERM,
				 ESRCH, EAGAIN, ENOTTY, EDQUOT}},
		{"unpin", {ENOENT}},
		// vpin.h, VPIN_IOC_LEASE; EAGAIN: a new lease during a pending break.
		{"lease", {EBADF, EINVAL, ENODATA, EOPNOTSUPP, EPERM, ETXTBSY, EBUSY, ENOMEM, EAGAIN,
			   EDQUOT}},
		{"lease-hostile", {EBADF, EINVAL, EFAULT, ENOTTY}},
		{"unlease", {ENOENT, EBUSY}},
		{"version", {}},
		{"read-events", {EAGAIN, EINTR}},
		{"poll", {EINTR}},
		{"async", {}},
		{"fdinfo", {}},
		{"truncate", {FS_ERRNOS, ENAMETOOLONG}},
		{"ftruncate", {FS_ERRNOS}},
		{"open-trunc", {FS_ERRNOS, EROFS}},
		{"fallocate", {FS_ERRNOS}},
		{"ficlone", {FS_ERRNOS}},
		{"ficlonerange", {FS_ERRNOS}},
		{"fideduperange", {FS_ERRNOS}},
		{"copy_file_range", {FS_ERRNOS}},
		// xfs_ioc_swapext(): EINVAL for a swap file (protected), EFAULT for
		// a length that is not both sizes, EBUSY for a stale sx_stat.
		{"xfs-swapext", {FS_ERRNOS, EFAULT}},
		{"write", {FS_ERRNOS, EFAULT}},
		{"repair", {FS_ERRNOS, EROFS}},
		{"dax-combo", {}},
		{"fork", {EAGAIN, ENOMEM}},
		{"send-session", {EAGAIN, ENOBUFS, ETOOMANYREFS}},
		{"recv-session", {EAGAIN, EMFILE}},
		{"netlink", {ENOMEM, ENOBUFS, EINTR}},
		{"netlink-events", {EPERM, ENOBUFS, EAGAIN}},
		{"kill", {}},
		{"map", {EINVAL, ENOENT, ENODEV, EPERM, ESRCH, ENOSPC, EMFILE, ENFILE, ENOMEM}},
		{"policy", {ENOMEM, ENOBUFS, EINTR}},
	}};
	return table;
}

// MemAvailable of /proc/meminfo, for the progress lines: a guest short of
// memory stalls in ways that look like hangs. -1 if unreadable.
long long mem_available_mib()
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	char line[128];
	long long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib / 1024;
}

std::array<std::array<bool, kErrMax + 1>, OpCount> accepted_table()
{
	std::array<std::array<bool, kErrMax + 1>, OpCount> t{};
	for (unsigned op = 0; op < OpCount; op++) {
		t[op][0] = true;
		for (int e : op_table()[op].errnos)
			if (e > 0 && e <= kErrMax)
				t[op][static_cast<size_t>(e)] = true;
	}
	return t;
}

// ---------------------------------------------------------------------------
// Shared memory between the parent and the workers.

constexpr size_t kShmLog = 12;
constexpr size_t kShmText = 320;

struct Heart {
	std::atomic<int64_t> since{0};	// CLOCK_MONOTONIC start of the current operation
	std::atomic<int32_t> pid{0};
	std::atomic<uint32_t> op{0};
	std::atomic<uint64_t> seq{0};	// operations done
	// The current operation and the last ones, as text, for the parent to
	// print when the kernel complains about this process (best effort: the
	// parent may read a line while it is written).
	char current[kShmText];
	char log[kShmLog][kShmText];
	std::atomic<uint32_t> log_next{0};
};

void put_text(char *dst, const std::string &s)
{
	const size_t n = std::min(s.size(), kShmText - 1);
	std::memcpy(dst, s.data(), n);
	dst[n] = '\0';
}

struct Slot {
	Heart main, child;
	std::atomic<uint64_t> seed{0};
	std::atomic<uint32_t> generation{0};
};

struct Shared {
	std::atomic<int> stop{0};
	std::atomic<uint64_t> findings{0};
	std::atomic<uint64_t> sigbus_revoke{0}, sigbus_fault{0}, segv_fault{0}, sigio{0};
	std::atomic<uint64_t> ev_break{0}, ev_revoked{0}, released_on_break{0}, ignored_break{0};
	std::atomic<uint64_t> sessions_sent{0}, sessions_received{0}, children{0};
	std::atomic<uint64_t> swapext_done{0}, breakers_waited{0};
	std::atomic<uint64_t> ops[OpCount];
	std::atomic<uint64_t> errs[OpCount][kErrMax + 2];
	Slot slots[kMaxProcs];
};

Shared *shm;

// ---------------------------------------------------------------------------
// Configuration

struct Dir {
	std::string path;
	std::string kind; // ext4-dax, xfs-dax, xfs, ext4, tmpfs, other
	bool dax = false;
	bool xfs = false;
	dev_t dev = 0;
};

struct Config {
	int64_t seconds = 60;
	uint64_t seed = 0;
	int procs = 4;
	std::vector<Dir> dirs;
	unsigned break_ms = 300;
	int64_t stuck_after_s = 0;
	std::string companion, companion_dir, companion_log = "/dev/null";
	std::string companion_cgroup; // a cgroup v2 directory to run it in
	bool verbose = false;
	std::set<unsigned> skip; // operations not to do (--skip)
	bool avoid_known = false; // --avoid-known: steer clear of the known findings
	std::string fifo;
	// Inboxes for SCM_RIGHTS: worker i receives on inbox_rx[i]; anyone
	// sends on inbox_tx[i].
	std::vector<int> inbox_rx, inbox_tx;
};

Config cfg;

uid_t worker_uid(int index)
{
	return index % 2 ? kNobody : 0;
}

std::string worker_file(const Dir &d, int worker, int k)
{
	return d.path + "/w" + std::to_string(worker) + "-" + (k < 0 ? "t" : std::to_string(k));
}

std::string shm_file(int worker)
{
	return "/dev/shm/vpin-fuzz-w" + std::to_string(worker);
}

// ---------------------------------------------------------------------------
// Signals in the workers

volatile sig_atomic_t in_touch;
sigjmp_buf touch_env;

void on_fault(int sig, siginfo_t *si, void *)
{
	// A revocation's SIGBUS is sent by the kernel with kill_pid(): SI_KERNEL.
	if (sig == SIGBUS && (si->si_code == SI_KERNEL || si->si_code <= 0)) {
		shm->sigbus_revoke.fetch_add(1, std::memory_order_relaxed);
		return;
	}
	if (in_touch) {
		in_touch = 0;
		(sig == SIGBUS ? shm->sigbus_fault : shm->segv_fault)
			.fetch_add(1, std::memory_order_relaxed);
		siglongjmp(touch_env, 1);
	}
	// A fault outside a guarded access is a bug of the fuzzer: die of it,
	// the parent reports the signal.
	signal(sig, SIG_DFL);
}

void on_sigio(int)
{
	shm->sigio.fetch_add(1, std::memory_order_relaxed);
}

void on_alarm(int) {}

void install_worker_signals()
{
	struct sigaction sa = {};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, nullptr);
	sigaction(SIGSEGV, &sa, nullptr);

	struct sigaction io = {};
	io.sa_handler = on_sigio;
	io.sa_flags = SA_RESTART;
	sigemptyset(&io.sa_mask);
	sigaction(SIGIO, &io, nullptr);
	sigaction(SIGRTMIN + 1, &io, nullptr);

	// No SA_RESTART: the timer interrupts a blocking read.
	struct sigaction al = {};
	al.sa_handler = on_alarm;
	sigemptyset(&al.sa_mask);
	sigaction(SIGALRM, &al, nullptr);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

// Reads or writes one byte per step of [p, p + len); a fault ends it early.
// Returns false when it faulted.
__attribute__((noinline)) bool touch_memory(volatile char *p, size_t len, size_t step, bool write)
{
	if (sigsetjmp(touch_env, 1))
		return false;
	in_touch = 1;
	for (size_t off = 0; off < len; off += step) {
		if (write)
			p[off] = static_cast<char>(p[off] + 1);
		else
			(void)p[off];
	}
	in_touch = 0;
	return true;
}

// An ITIMER_REAL that interrupts a blocking call after ms. It keeps firing
// every ms until it goes away: a first expiry before the call has even
// started (a loaded guest) must not leave the call blocked.
class Alarm {
public:
	explicit Alarm(int64_t ms)
	{
		struct itimerval it = {};
		it.it_value.tv_sec = static_cast<time_t>(ms / 1000);
		it.it_value.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
		it.it_interval = it.it_value;
		setitimer(ITIMER_REAL, &it, nullptr);
	}
	~Alarm()
	{
		struct itimerval it = {};
		setitimer(ITIMER_REAL, &it, nullptr);
	}
	Alarm(const Alarm &) = delete;
	Alarm &operator=(const Alarm &) = delete;
};

// ---------------------------------------------------------------------------
// Generic netlink, raw.

struct Attr {
	uint16_t type;
	const char *data;
	size_t len;
};

// Parses the attributes in [p, p + len); false if they are malformed.
bool parse_attrs(const char *p, size_t len, std::vector<Attr> &out)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		std::memcpy(&a, p, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			return false;
		out.push_back({static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), p + NLA_HDRLEN,
			       static_cast<size_t>(a.nla_len - NLA_HDRLEN)});
		const size_t step = std::min<size_t>(NLA_ALIGN(a.nla_len), len);
		p += step;
		len -= step;
	}
	return len == 0;
}

std::optional<uint64_t> attr_u64(const Attr &a)
{
	if (a.len == 8) {
		uint64_t v;
		std::memcpy(&v, a.data, 8);
		return v;
	}
	if (a.len == 4) {
		uint32_t v;
		std::memcpy(&v, a.data, 4);
		return v;
	}
	return std::nullopt;
}

// A nest, flagged NLA_F_NESTED as strict validation wants it.
std::vector<char> nla_nest(uint16_t type, const std::vector<char> &members);

std::vector<char> nla(uint16_t type, const void *data, size_t len)
{
	std::vector<char> a(NLA_ALIGN(NLA_HDRLEN + len));
	struct nlattr h = {static_cast<uint16_t>(NLA_HDRLEN + len), type};
	std::memcpy(a.data(), &h, sizeof(h));
	if (len)
		std::memcpy(a.data() + NLA_HDRLEN, data, len);
	return a;
}

std::vector<char> nla_nest(uint16_t type, const std::vector<char> &members)
{
	return nla(static_cast<uint16_t>(type | NLA_F_NESTED), members.data(), members.size());
}

class Genl {
public:
	// A message of the reply: its genetlink command and attributes.
	struct Message {
		uint16_t flags;
		uint8_t cmd;
		std::vector<Attr> attrs;
	};
	using Visit = std::function<void(const Message &)>;

	// Returns 0, or -errno for a socket that cannot be made.
	int open(int timeout_ms = 5000)
	{
		fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
		if (!fd_)
			return -errno;
		struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		struct sockaddr_nl sa = {};
		sa.nl_family = AF_NETLINK;
		if (::bind(fd_.get(), reinterpret_cast<struct sockaddr *>(&sa), sizeof(sa)) < 0)
			return -errno;
		return 0;
	}
	bool ok() const { return static_cast<bool>(fd_); }
	int fd() const { return fd_.get(); }

	// Sends a request and reads its answer up to the ack or NLMSG_DONE.
	// Returns the error of the ack or of NLMSG_DONE (0: success), -ETIMEDOUT
	// when nothing comes within the timeout, -EBADMSG for a malformed reply.
	int request(uint16_t family, uint8_t cmd, uint16_t flags, const std::vector<char> &attrs,
		    const Visit &visit = {}, uint8_t version = VPIN_GENL_VERSION)
	{
		std::vector<char> msg(NLMSG_LENGTH(GENL_HDRLEN) + attrs.size());
		auto *nlh = reinterpret_cast<struct nlmsghdr *>(msg.data());
		nlh->nlmsg_len = static_cast<uint32_t>(msg.size());
		nlh->nlmsg_type = family;
		nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
		nlh->nlmsg_seq = ++seq_;
		auto *g = static_cast<struct genlmsghdr *>(NLMSG_DATA(nlh));
		g->cmd = cmd;
		g->version = version;
		if (!attrs.empty())
			std::memcpy(msg.data() + NLMSG_LENGTH(GENL_HDRLEN), attrs.data(), attrs.size());
		if (::send(fd_.get(), msg.data(), msg.size(), 0) < 0)
			return -errno;
		const bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
		const bool ack = flags & NLM_F_ACK;
		std::vector<char> buf(1 << 17);
		for (;;) {
			ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return errno == EAGAIN ? -ETIMEDOUT : -errno;
			}
			size_t left = static_cast<size_t>(n);
			for (auto *h = reinterpret_cast<struct nlmsghdr *>(buf.data());
			     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
				if (h->nlmsg_seq != seq_)
					continue; // left over from an earlier request
				if (h->nlmsg_type == NLMSG_ERROR) {
					if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
						return -EBADMSG;
					return static_cast<struct nlmsgerr *>(NLMSG_DATA(h))->error;
				}
				if (h->nlmsg_type == NLMSG_DONE) {
					// A dump is never acked, NLM_F_ACK or not.
					int err = 0;
					if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
						std::memcpy(&err, NLMSG_DATA(h), sizeof(int));
					return err;
				}
				if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
					return -EBADMSG;
				Message m;
				m.flags = h->nlmsg_flags;
				m.cmd = static_cast<struct genlmsghdr *>(NLMSG_DATA(h))->cmd;
				const char *p = static_cast<char *>(NLMSG_DATA(h)) + GENL_HDRLEN;
				if (!parse_attrs(p, h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), m.attrs))
					return -EBADMSG;
				if (visit)
					visit(m);
				if (!dump && !ack)
					return 0;
			}
			if (left != 0)
				return -EBADMSG;
		}
	}

	// Resolves the vpin family and its events group; 0 or -errno.
	int resolve(uint16_t &family, uint32_t &group)
	{
		const char name[] = VPIN_GENL_NAME;
		family = 0;
		group = 0;
		bool malformed = false;
		int err = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
				  nla(CTRL_ATTR_FAMILY_NAME, name, sizeof(name)),
				  [&](const Message &m) {
					  for (const auto &a : m.attrs) {
						  if (a.type == CTRL_ATTR_FAMILY_ID && a.len >= 2) {
							  std::memcpy(&family, a.data, 2);
						  } else if (a.type == CTRL_ATTR_MCAST_GROUPS) {
							  std::vector<Attr> grps;
							  if (!parse_attrs(a.data, a.len, grps))
								  malformed = true;
							  for (const auto &g : grps) {
								  std::vector<Attr> ga;
								  if (!parse_attrs(g.data, g.len, ga))
									  malformed = true;
								  std::string gname;
								  uint32_t id = 0;
								  for (const auto &x : ga) {
									  if (x.type == CTRL_ATTR_MCAST_GRP_NAME)
										  gname.assign(x.data, strnlen(x.data, x.len));
									  if (x.type == CTRL_ATTR_MCAST_GRP_ID && x.len == 4)
										  std::memcpy(&id, x.data, 4);
								  }
								  if (gname == VPIN_GENL_MCGRP_EVENTS)
									  group = id;
							  }
						  }
					  }
				  },
				  1);
		if (err)
			return err;
		if (malformed)
			return -EBADMSG;
		return family ? 0 : -ENOENT;
	}

private:
	Fd fd_;
	uint32_t seq_ = 0;
};

struct Stats {
	uint64_t sessions = 0, pins = 0, pinned_bytes = 0, leases = 0, protected_files = 0;
	std::string str() const
	{
		return format("sessions %llu, pins %llu, pinned bytes %llu, leases %llu, protected files %llu",
			      static_cast<unsigned long long>(sessions),
			      static_cast<unsigned long long>(pins),
			      static_cast<unsigned long long>(pinned_bytes),
			      static_cast<unsigned long long>(leases),
			      static_cast<unsigned long long>(protected_files));
	}
	bool zero() const { return !sessions && !pins && !pinned_bytes && !leases && !protected_files; }
};

// Parses a GET_STATUS reply; false if it is not as specified.
bool parse_status(const Genl::Message &m, Stats &st, std::string &why)
{
	bool have_abi = false, have_stats = false;
	for (const auto &a : m.attrs) {
		if (a.type == VPIN_A_ABI_VERSION) {
			auto v = attr_u64(a);
			if (!v || *v != VPIN_ABI_VERSION) {
				why = "VPIN_A_ABI_VERSION is not " + std::to_string(VPIN_ABI_VERSION);
				return false;
			}
			have_abi = true;
		} else if (a.type == VPIN_A_STATS) {
			std::vector<Attr> sa;
			if (!parse_attrs(a.data, a.len, sa)) {
				why = "malformed VPIN_A_STATS";
				return false;
			}
			for (const auto &s : sa) {
				auto v = attr_u64(s);
				if (!v)
					continue;
				switch (s.type) {
				case VPIN_STATS_A_SESSIONS: st.sessions = *v; break;
				case VPIN_STATS_A_PINS: st.pins = *v; break;
				case VPIN_STATS_A_PINNED_BYTES: st.pinned_bytes = *v; break;
				case VPIN_STATS_A_LEASES: st.leases = *v; break;
				case VPIN_STATS_A_PROTECTED_FILES: st.protected_files = *v; break;
				}
			}
			have_stats = true;
		}
	}
	if (!have_abi || !have_stats) {
		why = "no VPIN_A_ABI_VERSION or VPIN_A_STATS";
		return false;
	}
	// A counter that went below zero shows up as a huge u64.
	const uint64_t absurd = 1ull << 48;
	if (st.sessions > absurd || st.pins > absurd || st.pinned_bytes > absurd * kPage ||
	    st.leases > absurd || st.protected_files > absurd) {
		why = "a total below zero: " + st.str();
		return false;
	}
	return true;
}

} // namespace

namespace {

// ---------------------------------------------------------------------------
// A worker's model of what it holds.

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

// XFS_IOC_SWAPEXT, from fs/xfs/libxfs/xfs_fs.h (the same on 6.1 and 6.12).
struct xfs_bstime_local {
	long tv_sec;
	int32_t tv_nsec;
};

struct xfs_bstat_local {
	uint64_t bs_ino;
	uint16_t bs_mode;
	uint16_t bs_nlink;
	uint32_t bs_uid;
	uint32_t bs_gid;
	uint32_t bs_rdev;
	int32_t bs_blksize;
	int64_t bs_size;
	xfs_bstime_local bs_atime;
	xfs_bstime_local bs_mtime;
	xfs_bstime_local bs_ctime;
	int64_t bs_blocks;
	uint32_t bs_xflags;
	int32_t bs_extsize;
	int32_t bs_extents;
	uint32_t bs_gen;
	uint16_t bs_projid_lo;
	uint16_t bs_forkoff;
	uint16_t bs_projid_hi;
	uint16_t bs_sick;
	uint16_t bs_checked;
	unsigned char bs_pad[2];
	uint32_t bs_cowextsize;
	uint32_t bs_dmevmask;
	uint16_t bs_dmstate;
	uint16_t bs_aextents;
};

struct xfs_swapext_local {
	int64_t sx_version; // XFS_SX_VERSION: 0
	int64_t sx_fdtarget;
	int64_t sx_fdtmp;
	int64_t sx_offset;
	int64_t sx_length;
	char sx_pad[16];
	xfs_bstat_local sx_stat;
};

static_assert(sizeof(xfs_bstat_local) == 136, "struct xfs_bstat layout");
static_assert(sizeof(xfs_swapext_local) == 192, "struct xfs_swapext layout");
#define XFS_IOC_SWAPEXT_LOCAL _IOWR('X', 109, struct xfs_swapext_local)

enum class MapKind { Anon, AnonShared, Memfd, File, Huge };

struct Mapping {
	uintptr_t addr;
	size_t len;
	int prot;
	bool shared;
	MapKind kind;
	bool dax = false;
	bool dontfork = false;	// some of it is MADV_DONTFORK: absent in a forked child
	dev_t dev = 0;
	ino_t ino = 0;
	std::string what;

	bool file() const { return kind == MapKind::File; }
};

struct PinRec {
	uint64_t id;
	dev_t dev;
	ino_t ino;
	uint64_t lease;		// the tracked lease the pin went under, 0: none
	bool breakable;		// ... and it is breakable: the pin may vanish
};

struct LeaseRec {
	uint64_t id;
	uint32_t type;
	dev_t dev;
	ino_t ino;
	std::string path;
	uint64_t opno; // the operation that took it
};

// Puts rec in recs, in place of any record of the same id.
template <typename Rec> void replace_record(std::vector<Rec> &recs, const Rec &rec)
{
	recs.erase(std::remove_if(recs.begin(), recs.end(),
				  [&](const Rec &x) { return x.id == rec.id; }),
		   recs.end());
	recs.push_back(rec);
}

struct Session {
	Fd fd;
	bool own = true;	// opened by this process: pins are in its address space
	bool shared = false;	// forked or sent: another process may change it
	std::vector<PinRec> pins;
	std::vector<LeaseRec> leases;
};

struct Target {
	std::string path;
	bool odd = false;
	bool mine = false;
	int dir = -1;
};

const char *map_kind_name(MapKind k)
{
	switch (k) {
	case MapKind::Anon: return "anon";
	case MapKind::AnonShared: return "anon-shared";
	case MapKind::Memfd: return "memfd";
	case MapKind::File: return "file";
	case MapKind::Huge: return "hugetlb";
	}
	return "?";
}

std::string short_path(const std::string &p)
{
	for (const auto &d : cfg.dirs)
		if (p.rfind(d.path + "/", 0) == 0)
			return d.kind + ":" + p.substr(d.path.size() + 1);
	return p;
}

class Worker {
public:
	Worker(int index, uint64_t seed) : index_(index), seed_(seed), rng_(seed), uid_(geteuid()) {}
	void run();

private:
	// Bookkeeping of one operation.
	Heart &heart() { return child_ ? shm->slots[index_].child : shm->slots[index_].main; }
	void begin(Op op);
	void end();
	__attribute__((format(printf, 2, 3))) void note(const char *fmt, ...);
	void count(Op op, int err);
	bool check(Op op, long r, int err);
	void expect(Op op, long r, int err, std::initializer_list<int> want, const char *why);
	void finding(const std::string &what);
	bool stopping() const { return shm->stop.load(std::memory_order_relaxed) != 0; }

	// Choices.
	Target pick_data(int mine_percent, int dir = -1);
	Target pick_odd();
	Target pick_target(int odd_percent, int mine_percent);
	int pick_dir(bool want_dax, bool want_xfs);
	int remap_dir(bool want_xfs);
	int random_open_flags(bool want_write);
	Session *pick_session(bool own_only);
	Session &own_session();
	Session *some_session(uint64_t foreign_percent);
	Mapping *pick_mapping();

	// Helpers.
	Fd open_target(const Target &t, int flags);
	Fd open_to_change(const Target &t, bool write, int path_flags, struct stat &st);
	int expect_ioctl(Op op, int fd, unsigned long cmd, void *arg, std::initializer_list<int> want,
			 const char *why);
	bool regular(const std::string &path, struct stat &st);
	bool protected_by_me(dev_t dev, ino_t ino) const;
	bool breakable_by_me(dev_t dev, ino_t ino) const;
	uint64_t tracked_lease(const Session &s, dev_t dev, ino_t ino, bool *breakable) const;
	void forget_lease(Session &s, uint64_t id);
	void forget_session(size_t i);
	void remove_range(uintptr_t addr, size_t len);
	void checked_protected(Op op, long r, int err, dev_t dev, ino_t ino, const char *what);
	off_t random_length();
	void service_events();
	void handle_events(Session &s, const vpin_event *ev, size_t n);

	// Operations.
	void op_session_open();
	void op_session_close();
	void op_mmap();
	void op_munmap();
	void op_mprotect();
	void op_madvise();
	void op_touch();
	void op_pin();
	bool pin_range(Session &s, uintptr_t addr, size_t len, uint32_t flags, const Mapping *m);
	void op_pin_hostile();
	void op_unpin();
	void op_map();
	void op_lease();
	bool lease_fd(Session &s, int fd, uint32_t type, const std::string &what);
	void op_lease_hostile();
	void op_unlease();
	void op_version();
	void op_read_events();
	void op_poll();
	void op_async();
	void op_fdinfo();
	void op_truncate();
	void op_ftruncate();
	void op_otrunc();
	void op_fallocate();
	void op_clone(bool range);
	void op_dedupe();
	void op_copy_range();
	void op_swapext();
	void op_write();
	void op_repair();
	void op_dax_combo();
	void op_fork();
	void op_send();
	void op_recv();
	void op_netlink();
	void op_nl_events();
	bool netlink_ready(Op op);
	std::vector<char> random_rule(int index);
	void op_policy();
	void dispatch(Op op);
	Op choose();

	int index_;
	uint64_t seed_;
	Rng rng_;
	uid_t uid_;
	bool child_ = false;
	pid_t child_pid_ = 0;
	std::vector<Session> sessions_;
	std::vector<Mapping> maps_;
	std::string cur_;
	std::vector<std::string> log_;
	size_t log_next_ = 0;
	uint64_t opno_ = 0;
	Genl nl_, nlev_;
	uint16_t family_ = 0;
	uint32_t group_ = 0;
	int nlev_left_ = 0;
	const std::array<std::array<bool, kErrMax + 1>, OpCount> accepted_ = accepted_table();
};

constexpr size_t kLog = 24;
constexpr size_t kMaxSessions = 5;
constexpr size_t kMaxMaps = 10;
constexpr size_t kMaxPins = 24;
constexpr size_t kMaxLeases = 8;

void Worker::begin(Op op)
{
	Heart &h = heart();
	h.op.store(op, std::memory_order_relaxed);
	h.since.store(now_ns(), std::memory_order_release);
	opno_++;
	h.seq.store(opno_, std::memory_order_relaxed);
	shm->ops[op].fetch_add(1, std::memory_order_relaxed);
	cur_ = format("#%llu %s", static_cast<unsigned long long>(opno_), op_table()[op].name);
	put_text(h.current, cur_);
}

void Worker::end()
{
	if (cfg.verbose)
		say("w%d%s %s", index_, child_ ? "c" : "", cur_.c_str());
	Heart &h = heart();
	const uint32_t at = h.log_next.load(std::memory_order_relaxed);
	put_text(h.log[at % kShmLog], cur_);
	h.log_next.store(at + 1, std::memory_order_release);
	h.current[0] = '\0';
	if (log_.size() < kLog)
		log_.push_back(cur_);
	else
		log_[log_next_] = cur_;
	log_next_ = (log_next_ + 1) % kLog;
	cur_.clear();
}

void Worker::note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cur_ += " " + vformat(fmt, ap);
	va_end(ap);
	put_text(heart().current, cur_);
}

void Worker::count(Op op, int err)
{
	const size_t e = err < 0 || err > kErrMax ? kErrMax + 1 : static_cast<size_t>(err);
	shm->errs[op][e].fetch_add(1, std::memory_order_relaxed);
}

bool Worker::check(Op op, long r, int err)
{
	const bool ok = r >= 0;
	const int e = ok ? 0 : err;
	count(op, e);
	if (op != static_cast<Op>(heart().op.load(std::memory_order_relaxed)))
		cur_ += format(" [%s", op_table()[op].name) + " -> " + errno_name(e) + "]";
	else
		cur_ += " -> " + errno_name(e);
	if (!ok && (e <= 0 || e > kErrMax || !accepted_[op][static_cast<size_t>(e)]))
		finding(std::string(op_table()[op].name) + ": unexpected " + errno_name(e));
	return ok;
}

void Worker::expect(Op op, long r, int err, std::initializer_list<int> want, const char *why)
{
	const int e = r >= 0 ? 0 : err;
	count(op, e);
	cur_ += std::string(" (") + why + ") -> " + errno_name(e);
	if (r >= 0 || std::find(want.begin(), want.end(), e) == want.end()) {
		std::string w;
		for (int x : want)
			w += (w.empty() ? "" : " or ") + errno_name(x);
		finding(std::string(op_table()[op].name) + ": " + why + ": expected " + w +
			", got " + (r >= 0 ? "success" : errno_name(e)));
	}
}

void Worker::finding(const std::string &what)
{
	shm->findings.fetch_add(1, std::memory_order_relaxed);
	const Slot &slot = shm->slots[index_];
	std::string s = format("# FINDING w%d%s pid %d uid %u seed 0x%llx generation %u: ", index_,
			       child_ ? " (forked child)" : "", getpid(), uid_,
			       static_cast<unsigned long long>(seed_),
			       slot.generation.load());
	s += what + "\n#   during: " + cur_ + "\n#   the worker's previous operations, oldest first:\n";
	for (size_t i = 0; i < log_.size(); i++)
		s += "#     " + log_[(log_next_ + i) % log_.size()] + "\n";
	emit(s);
}

// ---------------------------------------------------------------------------
// Choices

int Worker::pick_dir(bool want_dax, bool want_xfs)
{
	std::vector<int> c;
	for (size_t i = 0; i < cfg.dirs.size(); i++)
		if ((!want_dax || cfg.dirs[i].dax) && (!want_xfs || cfg.dirs[i].xfs))
			c.push_back(static_cast<int>(i));
	if (c.empty())
		return -1;
	return c[rng_.index(c.size())];
}

// With --avoid-known, remaps and swaps stay off FS-DAX (see the top).
int Worker::remap_dir(bool want_xfs)
{
	if (!cfg.avoid_known)
		return want_xfs && rng_.percent(90) ? pick_dir(false, true) : -1;
	std::vector<int> c;
	for (size_t i = 0; i < cfg.dirs.size(); i++)
		if (!cfg.dirs[i].dax && (!want_xfs || cfg.dirs[i].xfs))
			c.push_back(static_cast<int>(i));
	if (c.empty())
		return -2;
	return c[rng_.index(c.size())];
}

Target Worker::pick_data(int mine_percent, int dir)
{
	Target t;
	if (dir < 0)
		dir = static_cast<int>(rng_.index(cfg.dirs.size()));
	t.dir = dir;
	int w = index_;
	if (!rng_.percent(static_cast<uint64_t>(mine_percent)) && cfg.procs > 1)
		w = static_cast<int>(rng_.index(static_cast<size_t>(cfg.procs)));
	t.mine = w == index_;
	const int k = rng_.one_in(8) ? -1 : static_cast<int>(rng_.index(kFiles));
	t.path = worker_file(cfg.dirs[static_cast<size_t>(dir)], w, k);
	return t;
}

Target Worker::pick_odd()
{
	Target t;
	t.odd = true;
	switch (rng_.below(8)) {
	case 0: t.path = "/proc/sys/vm/swappiness"; break;
	case 1: t.path = "/sys/module/vpin/parameters/break_time_ms"; break;
	case 2: t.path = cfg.dirs[rng_.index(cfg.dirs.size())].path; break;
	case 3: t.path = cfg.fifo; break;
	case 4: t.path = VPIN_DEVICE_PATH; break;
	case 5: t.path = "/dev/null"; break;
	case 6: t.path = shm_file(index_); t.mine = true; break;
	default:
		t.path = shm_file(static_cast<int>(rng_.index(static_cast<size_t>(cfg.procs))));
		break;
	}
	return t;
}

Target Worker::pick_target(int odd_percent, int mine_percent)
{
	if (rng_.percent(static_cast<uint64_t>(odd_percent)))
		return pick_odd();
	return pick_data(mine_percent);
}

int Worker::random_open_flags(bool want_write)
{
	int f = want_write ? (rng_.percent(90) ? O_RDWR : O_WRONLY) : O_RDONLY;
	if (rng_.one_in(30))
		f = O_PATH;
	if (rng_.one_in(8))
		f |= O_NONBLOCK;
	if (rng_.one_in(25))
		f |= O_DIRECT;
	if (rng_.one_in(40))
		f |= O_APPEND;
	return f;
}

Session *Worker::pick_session(bool own_only)
{
	std::vector<Session *> c;
	for (auto &s : sessions_)
		if (!own_only || s.own)
			c.push_back(&s);
	if (c.empty())
		return nullptr;
	return c[rng_.index(c.size())];
}

Session &Worker::own_session()
{
	Session *s = pick_session(true);
	if (s)
		return *s;
	op_session_open();
	s = pick_session(true);
	if (s)
		return *s;
	// Could not open one: any session, or a placeholder that fails.
	if (!sessions_.empty())
		return sessions_.front();
	static Session none;
	return none;
}

// A session of another worker's in foreign_percent of the calls, if there is
// one, else the own; nullptr when the own could not be opened.
Session *Worker::some_session(uint64_t foreign_percent)
{
	Session *s = nullptr;
	if (rng_.percent(foreign_percent))
		s = pick_session(false);
	if (!s)
		s = &own_session();
	return s->fd ? s : nullptr;
}

Mapping *Worker::pick_mapping()
{
	if (maps_.empty())
		return nullptr;
	return &maps_[rng_.index(maps_.size())];
}

// ---------------------------------------------------------------------------
// Helpers

bool Worker::regular(const std::string &path, struct stat &st)
{
	if (::lstat(path.c_str(), &st) < 0 || !S_ISREG(st.st_mode)) {
		note("%s: not a regular file", short_path(path).c_str());
		return false;
	}
	return true;
}

Fd Worker::open_target(const Target &t, int flags)
{
	// Never block on a fifo put in the place of a file.
	struct stat st;
	if (::lstat(t.path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
		flags |= O_NONBLOCK;
	note("open(%s, 0%o)", short_path(t.path).c_str(), static_cast<unsigned>(flags));
	int fd = ::open(t.path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0644);
	check(OpOpen, fd, errno);
	return Fd(fd);
}

// Opens t with random flags, for writing if write says so (O_PATH, which can
// change nothing, gives way to path_flags), and stats it into st; empty when
// either fails.
Fd Worker::open_to_change(const Target &t, bool write, int path_flags, struct stat &st)
{
	int flags = random_open_flags(write);
	if (flags & O_PATH)
		flags = path_flags;
	Fd fd = open_target(t, flags);
	if (fd && fstat(fd.get(), &st) < 0)
		fd.reset();
	return fd;
}

// The ioctl, which must fail with one of want (anything else is a finding:
// see expect()); returns its result.
int Worker::expect_ioctl(Op op, int fd, unsigned long cmd, void *arg, std::initializer_list<int> want,
			 const char *why)
{
	errno = 0;
	const int r = ioctl(fd, cmd, arg);
	expect(op, r, errno, want, why);
	return r;
}

bool Worker::protected_by_me(dev_t dev, ino_t ino) const
{
	for (const auto &s : sessions_)
		if (!s.shared)
			for (const auto &l : s.leases)
				if (l.type == VPIN_LEASE_EXCLUSIVE && l.dev == dev && l.ino == ino)
					return true;
	return false;
}

bool Worker::breakable_by_me(dev_t dev, ino_t ino) const
{
	for (const auto &s : sessions_)
		for (const auto &l : s.leases)
			if (l.type == VPIN_LEASE_BREAKABLE && l.dev == dev && l.ino == ino)
				return true;
	return false;
}

uint64_t Worker::tracked_lease(const Session &s, dev_t dev, ino_t ino, bool *breakable) const
{
	uint64_t best = 0;
	for (const auto &l : s.leases)
		if (l.dev == dev && l.ino == ino && (!best || l.id < best)) {
			best = l.id;
			if (breakable)
				*breakable = l.type == VPIN_LEASE_BREAKABLE;
		}
	return best;
}

// The lease is gone: so are the pins that went under it if it was breakable.
void Worker::forget_lease(Session &s, uint64_t id)
{
	auto it = std::find_if(s.leases.begin(), s.leases.end(),
			       [&](const LeaseRec &l) { return l.id == id; });
	if (it == s.leases.end())
		return;
	if (it->type == VPIN_LEASE_BREAKABLE)
		s.pins.erase(std::remove_if(s.pins.begin(), s.pins.end(),
					    [&](const PinRec &p) { return p.lease == id; }),
			     s.pins.end());
	s.leases.erase(it);
}

void Worker::forget_session(size_t i)
{
	sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Worker::remove_range(uintptr_t addr, size_t len)
{
	std::vector<Mapping> out;
	const uintptr_t end = addr + len;
	for (auto &m : maps_) {
		const uintptr_t mend = m.addr + m.len;
		if (mend <= addr || m.addr >= end) {
			out.push_back(m);
			continue;
		}
		if (m.addr < addr) {
			Mapping l = m;
			l.len = addr - m.addr;
			out.push_back(l);
		}
		if (mend > end) {
			Mapping r = m;
			r.addr = end;
			r.len = mend - end;
			out.push_back(r);
		}
	}
	maps_ = std::move(out);
}

// A change of a file that this worker's session protects (an exclusive lease
// of a session nobody else holds) must fail.
void Worker::checked_protected(Op op, long r, int err, dev_t dev, ino_t ino, const char *what)
{
	check(op, r, err);
	if (r >= 0 && protected_by_me(dev, ino))
		finding(std::string(op_table()[op].name) + ": " + what +
			" of a file under this worker's exclusive lease succeeded");
}

off_t Worker::random_length()
{
	off_t len = static_cast<off_t>(rng_.below(kMaxFilePages / 2 + 1) * kPage);
	if (rng_.one_in(5))
		len += static_cast<off_t>(rng_.below(kPage));
	return len;
}

// ---------------------------------------------------------------------------
// Sessions and their events

void Worker::op_session_open()
{
	if (sessions_.size() >= kMaxSessions)
		op_session_close();
	int flags = O_RDWR | O_CLOEXEC;
	if (rng_.one_in(4))
		flags |= O_NONBLOCK;
	if (rng_.one_in(10))
		flags = (flags & ~O_RDWR) | O_RDONLY;
	int fd = ::open(VPIN_DEVICE_PATH, flags);
	note("open(/dev/vpin, 0%o)", static_cast<unsigned>(flags));
	if (!check(OpSessionOpen, fd, errno))
		return;
	Session s;
	s.fd.reset(fd);
	sessions_.push_back(std::move(s));
	note("= session fd %d", fd);
}

void Worker::op_session_close()
{
	if (sessions_.empty())
		return;
	const size_t i = rng_.index(sessions_.size());
	note("close(session fd %d, %zu pins, %zu leases)", sessions_[i].fd.get(),
	     sessions_[i].pins.size(), sessions_[i].leases.size());
	forget_session(i);
	count(OpSessionClose, 0);
}

void Worker::handle_events(Session &s, const vpin_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const vpin_event &e = ev[i];
		note("event(type %u lease %u reason %u breaker %u)", e.type, e.lease_id, e.reason,
		     e.breaker_pid);
		bool reserved = false;
		for (auto r : e.reserved)
			reserved |= r != 0;
		if ((e.type != VPIN_EVENT_LEASE_BREAK && e.type != VPIN_EVENT_LEASE_REVOKED) ||
		    e.reason == VPIN_BREAK_UNSPEC || e.reason >= __VPIN_BREAK_LAST || reserved ||
		    e.lease_id == 0 || e.ino == 0 || e.deadline_ns == 0) {
			finding(format("a malformed session event: type %u lease %u reason %u ino %llu deadline %llu",
				       e.type, e.lease_id, e.reason,
				       static_cast<unsigned long long>(e.ino),
				       static_cast<unsigned long long>(e.deadline_ns)));
			continue;
		}
		const uint64_t id = e.lease_id;
		if (e.type == VPIN_EVENT_LEASE_REVOKED) {
			shm->ev_revoked.fetch_add(1, std::memory_order_relaxed);
			forget_lease(s, id);
			continue;
		}
		shm->ev_break.fetch_add(1, std::memory_order_relaxed);
		auto it = std::find_if(s.leases.begin(), s.leases.end(),
				       [&](const LeaseRec &l) { return l.id == id; });
		if (it == s.leases.end())
			continue;
		if (rng_.percent(35)) {
			shm->ignored_break.fetch_add(1, std::memory_order_relaxed);
			note("ignored");
			continue;
		}
		struct vpin_unlease u = {};
		u.id = id;
		errno = 0;
		int r = ioctl(s.fd.get(), VPIN_IOC_UNLEASE, &u);
		note("unlease %llu on break", static_cast<unsigned long long>(id));
		if (check(OpUnlease, r, errno))
			shm->released_on_break.fetch_add(1, std::memory_order_relaxed);
		forget_lease(s, id);
	}
}

// Sometimes, between operations: look for break events and answer them.
void Worker::service_events()
{
	bool any = false;
	for (const auto &s : sessions_)
		any |= !s.leases.empty();
	if (!any || !rng_.percent(60))
		return;
	begin(OpReadEvents);
	note("service");
	for (auto &s : sessions_) {
		if (s.leases.empty())
			continue;
		struct pollfd p = {s.fd.get(), POLLIN | POLLPRI, 0};
		if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			continue;
		vpin_event ev[8];
		ssize_t n;
		{
			Alarm a(100);
			n = ::read(s.fd.get(), ev, sizeof(ev));
		}
		if (!check(OpReadEvents, n, errno))
			continue;
		if (n % static_cast<ssize_t>(sizeof(vpin_event)) != 0) {
			finding(format("read returned %zd bytes, not whole events", n));
			continue;
		}
		handle_events(s, ev, static_cast<size_t>(n) / sizeof(vpin_event));
	}
	end();
}

void Worker::op_read_events()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	vpin_event ev[8];
	switch (rng_.below(6)) {
	case 0: {
		size_t len = rng_.below(sizeof(vpin_event));
		errno = 0;
		ssize_t n = ::read(s->fd.get(), ev, len);
		note("read(%zu bytes)", len);
		expect(OpReadEvents, n, errno, {EINVAL}, "a buffer smaller than one event");
		return;
	}
	case 1: {
		// A buffer the kernel cannot write: EFAULT if an event is queued.
		struct pollfd p = {s->fd.get(), POLLIN, 0};
		if (::poll(&p, 1, 0) != 1)
			return;
		Alarm a(100);
		volatile uintptr_t bad = 16;
		errno = 0;
		ssize_t n = ::read(s->fd.get(), reinterpret_cast<void *>(bad), sizeof(vpin_event));
		note("read(bad buffer)");
		if (n < 0 && errno != EFAULT && errno != EAGAIN && errno != EINTR)
			check(OpReadEvents, n, errno);
		else
			count(OpReadEvents, n < 0 ? errno : 0);
		if (n >= 0)
			finding("read into an unwritable buffer succeeded");
		return;
	}
	default: {
		const size_t want = static_cast<size_t>(rng_.range(1, 8));
		const int64_t ms = static_cast<int64_t>(rng_.range(20, 300));
		ssize_t n;
		{
			Alarm a(ms);
			n = ::read(s->fd.get(), ev, want * sizeof(vpin_event) +
							     rng_.below(sizeof(vpin_event)));
		}
		note("read(%zu events, %lld ms)", want, static_cast<long long>(ms));
		if (!check(OpReadEvents, n, errno))
			return;
		if (n == 0 || n % static_cast<ssize_t>(sizeof(vpin_event)) != 0 ||
		    static_cast<size_t>(n) > want * sizeof(vpin_event)) {
			finding(format("read returned %zd bytes for a buffer of %zu events", n, want));
			return;
		}
		handle_events(*s, ev, static_cast<size_t>(n) / sizeof(vpin_event));
	}
	}
}

void Worker::op_poll()
{
	if (sessions_.empty())
		return;
	std::vector<struct pollfd> p;
	for (auto &s : sessions_)
		if (rng_.percent(60))
			p.push_back({s.fd.get(), static_cast<short>(POLLIN | POLLPRI | POLLOUT), 0});
	if (p.empty())
		return;
	const int ms = static_cast<int>(rng_.below(30));
	int r = ::poll(p.data(), p.size(), ms);
	note("poll(%zu sessions, %d ms)", p.size(), ms);
	if (!check(OpPoll, r, errno))
		return;
	for (const auto &x : p)
		if (x.revents & ~(POLLIN | POLLRDNORM | POLLPRI))
			finding(format("poll of a session returned revents 0x%x", x.revents));
}

void Worker::op_async()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	const int fd = s->fd.get();
	int r = fcntl(fd, F_SETOWN, getpid());
	check(OpAsync, r, errno);
	const int sig = rng_.percent(50) ? 0 : SIGRTMIN + 1;
	r = fcntl(fd, F_SETSIG, sig);
	check(OpAsync, r, errno);
	int fl = fcntl(fd, F_GETFL);
	if (!check(OpAsync, fl, errno))
		return;
	fl = rng_.percent(50) ? (fl | O_ASYNC) : (fl & ~O_ASYNC);
	fl = rng_.percent(50) ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	r = fcntl(fd, F_SETFL, fl);
	note("F_SETSIG %d, F_SETFL 0%o", sig, static_cast<unsigned>(fl));
	check(OpAsync, r, errno);
}

void Worker::op_fdinfo()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	const std::string text = read_file("/proc/self/fdinfo/" + std::to_string(s->fd.get()));
	count(OpFdinfo, 0);
	if (text.find("vpin-session:\t") == std::string::npos) {
		finding("fdinfo of a session has no vpin-session line");
		return;
	}
	if (s->shared)
		return;
	// Nobody else holds this session: fdinfo must list exactly what the
	// worker holds, except pins and leases a revocation took away.
	std::set<uint64_t> pins, leases;
	size_t pos = 0;
	while ((pos = text.find('\n', pos)) != std::string::npos) {
		pos++;
		unsigned long long id;
		if (std::sscanf(text.c_str() + pos, "pin:\tid=%llu", &id) == 1)
			pins.insert(id);
		else if (std::sscanf(text.c_str() + pos, "lease:\tid=%llu", &id) == 1)
			leases.insert(id);
	}
	note("%zu pins, %zu leases listed", pins.size(), leases.size());
	for (const auto &p : s->pins)
		if (!p.breakable && !pins.count(p.id))
			finding(format("pin %llu is missing from fdinfo", static_cast<unsigned long long>(p.id)));
	for (const auto &l : s->leases)
		if (l.type == VPIN_LEASE_EXCLUSIVE && !leases.count(l.id))
			finding(format("exclusive lease %llu is missing from fdinfo",
				       static_cast<unsigned long long>(l.id)));
	for (uint64_t id : pins)
		if (std::none_of(s->pins.begin(), s->pins.end(), [&](const PinRec &p) { return p.id == id; }))
			finding(format("fdinfo lists pin %llu, which the session never got or released",
				       static_cast<unsigned long long>(id)));
	for (uint64_t id : leases)
		if (std::none_of(s->leases.begin(), s->leases.end(), [&](const LeaseRec &l) { return l.id == id; }))
			finding(format("fdinfo lists lease %llu, which the session never got or released",
				       static_cast<unsigned long long>(id)));
}

void Worker::op_version()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	struct vpin_version v = {};
	if (rng_.one_in(3)) {
		v.reserved[rng_.index(2)] = rng_.next() | 1;
		errno = 0;
		int r = ioctl(s->fd.get(), VPIN_IOC_VERSION, &v);
		expect(OpVersion, r, errno, {EINVAL}, "reserved field set");
		return;
	}
	int r = ioctl(s->fd.get(), VPIN_IOC_VERSION, &v);
	if (check(OpVersion, r, errno) &&
	    (v.abi_version != VPIN_ABI_VERSION || v.features != __VPIN_FEATURE_ALL))
		finding(format("VPIN_IOC_VERSION returned ABI %u features 0x%llx", v.abi_version,
			       static_cast<unsigned long long>(v.features)));
}

// ---------------------------------------------------------------------------
// Memory

void Worker::op_mmap()
{
	while (maps_.size() >= kMaxMaps) {
		const size_t i = rng_.index(maps_.size());
		::munmap(reinterpret_cast<void *>(maps_[i].addr), maps_[i].len);
		note("munmap(old %s)", maps_[i].what.c_str());
		maps_.erase(maps_.begin() + static_cast<std::ptrdiff_t>(i));
	}
	Mapping m{};
	const size_t pages = static_cast<size_t>(rng_.range(1, 32));
	m.len = pages * kPage;
	m.prot = rng_.one_in(20) ? PROT_NONE : rng_.percent(70) ? PROT_READ | PROT_WRITE : PROT_READ;
	int flags = rng_.percent(30) ? MAP_POPULATE : 0;
	Fd fd;
	off_t off = 0;
	const uint64_t kind = rng_.below(100);
	if (kind < 20) {
		m.kind = MapKind::Anon;
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
	} else if (kind < 28) {
		m.kind = MapKind::AnonShared;
		flags |= MAP_SHARED | MAP_ANONYMOUS;
	} else if (kind < 40) {
		m.kind = MapKind::Memfd;
		fd.reset(memfd_create("vpin-fuzz", MFD_CLOEXEC));
		if (!check(OpMmap, fd.get(), errno))
			return;
		if (ftruncate(fd.get(), static_cast<off_t>(m.len)) < 0)
			return;
		flags |= MAP_SHARED;
	} else if (kind < 42) {
		m.kind = MapKind::Huge;
		m.len = 2u << 20;
		flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
	} else {
		m.kind = MapKind::File;
		const bool shared = rng_.percent(65);
		flags |= shared ? MAP_SHARED : MAP_PRIVATE;
		Target t = rng_.one_in(15) ? pick_odd() : pick_data(60);
		const bool need_write = shared && (m.prot & PROT_WRITE);
		int oflags = need_write ? O_RDWR : O_RDONLY;
		if (rng_.one_in(15))
			oflags = need_write ? O_RDONLY : O_RDWR; // sometimes the wrong one
		fd = open_target(t, oflags);
		if (!fd)
			return;
		struct stat st;
		if (fstat(fd.get(), &st) < 0)
			return;
		m.dev = st.st_dev;
		m.ino = st.st_ino;
		m.dax = t.dir >= 0 && cfg.dirs[static_cast<size_t>(t.dir)].dax && S_ISREG(st.st_mode);
		if (rng_.one_in(4))
			off = static_cast<off_t>(rng_.below(kFilePages) * kPage);
		m.what = short_path(t.path);
	}
	m.shared = flags & MAP_SHARED;
	void *p = ::mmap(nullptr, m.len, m.prot, flags, fd.get(), off);
	note("mmap(%zu pages, prot %d, flags 0x%x, %s%s)", m.len / kPage, m.prot, flags,
	     map_kind_name(m.kind), m.what.empty() ? "" : (" " + m.what).c_str());
	if (!check(OpMmap, p == MAP_FAILED ? -1 : 0, errno))
		return;
	m.addr = reinterpret_cast<uintptr_t>(p);
	if (m.what.empty())
		m.what = map_kind_name(m.kind);
	m.what += format("@%lx", static_cast<unsigned long>(m.addr));
	if (m.dax)
		m.what += "(dax)";
	note("= %s", m.what.c_str());
	maps_.push_back(m);
}

void Worker::op_munmap()
{
	Mapping *m = pick_mapping();
	if (!m)
		return;
	uintptr_t addr = m->addr;
	size_t len = m->len;
	if (rng_.percent(40) && m->len > kPage) {
		const size_t pages = m->len / kPage;
		const size_t first = rng_.index(pages);
		const size_t n = static_cast<size_t>(rng_.range(1, pages - first));
		addr += first * kPage;
		len = n * kPage;
	}
	note("munmap(%s +%zu, %zu pages)", m->what.c_str(), (addr - m->addr) / kPage, len / kPage);
	int r = ::munmap(reinterpret_cast<void *>(addr), len);
	if (check(OpMunmap, r, errno))
		remove_range(addr, len);
}

void Worker::op_mprotect()
{
	Mapping *m = pick_mapping();
	if (!m)
		return;
	static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE};
	const int prot = prots[rng_.index(3)];
	int r = ::mprotect(reinterpret_cast<void *>(m->addr), m->len, prot);
	note("mprotect(%s, %d)", m->what.c_str(), prot);
	if (check(OpMprotect, r, errno))
		m->prot = prot;
}

void Worker::op_madvise()
{
	Mapping *m = pick_mapping();
	if (!m)
		return;
	static const int advice[] = {MADV_DONTNEED, MADV_COLD,	 MADV_PAGEOUT,	     MADV_WILLNEED,
				     MADV_FREE,	    MADV_REMOVE, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
				     MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE,	     MADV_NOHUGEPAGE};
	const int a = advice[rng_.index(sizeof(advice) / sizeof(advice[0]))];
	const size_t pages = m->len / kPage;
	const size_t first = rng_.index(pages);
	const size_t n = static_cast<size_t>(rng_.range(1, pages - first));
	note("madvise(%s +%zu, %zu pages, %d)", m->what.c_str(), first, n, a);
	int r = ::madvise(reinterpret_cast<void *>(m->addr + first * kPage), n * kPage, a);
	if (check(OpMadvise, r, errno) && a == MADV_DONTFORK)
		m->dontfork = true;
}

void Worker::op_touch()
{
	Mapping *m = pick_mapping();
	if (!m || m->prot == PROT_NONE)
		return;
	const bool write = (m->prot & PROT_WRITE) && rng_.percent(60);
	const size_t pages = m->len / kPage;
	const size_t first = rng_.index(pages);
	const size_t n = static_cast<size_t>(rng_.range(1, pages - first));
	const bool ok = touch_memory(reinterpret_cast<volatile char *>(m->addr + first * kPage),
				     n * kPage, kPage, write);
	note("%s(%s +%zu, %zu pages)%s", write ? "write" : "read", m->what.c_str(), first, n,
	     ok ? "" : " faulted");
	count(OpTouch, 0);
}

// ---------------------------------------------------------------------------
// Pins

bool Worker::pin_range(Session &s, uintptr_t addr, size_t len, uint32_t flags, const Mapping *m)
{
	struct vpin_pin p = {};
	p.addr = addr;
	p.length = len;
	p.flags = flags;
	note("pin(fd %d%s, %s +%zu, %zu pages, %s)", s.fd.get(), s.own ? "" : " foreign",
	     m ? m->what.c_str() : "?", m ? (addr - m->addr) / kPage : 0, len / kPage,
	     flags & VPIN_PIN_F_WRITE ? "write" : "read");
	if (m && m->file())
		for (const auto &l : s.leases)
			if (l.dev == m->dev && l.ino == m->ino)
				note("[under %s lease %llu of op #%llu]",
				     l.type == VPIN_LEASE_EXCLUSIVE ? "exclusive" : "breakable",
				     static_cast<unsigned long long>(l.id),
				     static_cast<unsigned long long>(l.opno));
	errno = 0;
	int r = ioctl(s.fd.get(), VPIN_IOC_PIN, &p);
	const int err = errno;
	const bool within = m && addr >= m->addr && addr + len <= m->addr + m->len;
	if (!s.own) {
		// Another process's address space: refused whatever the range.
		expect(OpPin, r, err, {EPERM, ESRCH}, "a session of another address space");
	} else if (within && m->dax && !s.shared && !tracked_lease(s, m->dev, m->ino, nullptr)) {
		expect(OpPin, r, err, {EPERM, EACCES, EFAULT, EDQUOT}, "FS-DAX without a lease");
	} else if (within && !m->dax && !s.shared && r < 0 && (err == EPERM || err == ESRCH)) {
		finding("pin: " + errno_name(err) + " for memory that is not FS-DAX in the own address space");
		count(OpPin, err);
	} else {
		check(OpPin, r, err);
	}
	if (r < 0)
		return false;
	if (p.id == 0 || p.id > UINT32_MAX)
		finding(format("pin returned id %llu", static_cast<unsigned long long>(p.id)));
	note("= pin %llu", static_cast<unsigned long long>(p.id));
	PinRec rec{p.id, 0, 0, 0, false};
	if (m && m->file()) {
		rec.dev = m->dev;
		rec.ino = m->ino;
		rec.lease = tracked_lease(s, m->dev, m->ino, &rec.breakable);
	}
	replace_record(s.pins, rec);
	return true;
}

void Worker::op_pin()
{
	Session *s = some_session(15);
	if (!s)
		return;
	if (s->pins.size() >= kMaxPins) {
		op_unpin();
		return;
	}
	// Prefer mappings of files the session holds a lease on.
	Mapping *m = nullptr;
	if (rng_.percent(50)) {
		std::vector<Mapping *> c;
		for (auto &x : maps_)
			if (x.file() && tracked_lease(*s, x.dev, x.ino, nullptr))
				c.push_back(&x);
		if (!c.empty())
			m = c[rng_.index(c.size())];
	}
	if (!m)
		m = pick_mapping();
	if (!m) {
		op_mmap();
		m = pick_mapping();
		if (!m)
			return;
	}
	const size_t pages = m->len / kPage;
	const size_t first = rng_.index(pages);
	size_t n = static_cast<size_t>(rng_.range(1, std::min<size_t>(pages - first, 32)));
	if (rng_.one_in(10))
		n += static_cast<size_t>(rng_.range(1, 4)); // past the end of the mapping
	uint32_t flags = rng_.percent(50) ? VPIN_PIN_F_WRITE : 0;
	pin_range(*s, m->addr + first * kPage, n * kPage, flags, m);
}

void Worker::op_pin_hostile()
{
	Session *s = pick_session(false);
	if (!s) {
		op_session_open();
		s = pick_session(false);
		if (!s)
			return;
	}
	const int fd = s->fd.get();
	Mapping *m = pick_mapping();
	const uint64_t base = m ? m->addr : 0x10000000ull;
	struct vpin_pin p = {};
	p.addr = base;
	p.length = kPage;
	int r;
	switch (rng_.below(16)) {
	case 0:
		p.flags = static_cast<uint32_t>(rng_.next()) | 2;
		note("pin(flags 0x%x)", p.flags);
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL}, "unknown flag bits");
		break;
	case 1:
		p.reserved0 = static_cast<uint32_t>(rng_.next()) | 1;
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL}, "reserved0 set");
		break;
	case 2:
		p.reserved[rng_.index(4)] = rng_.next() | 1;
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL}, "reserved[] set");
		break;
	case 3:
		p.addr = base + rng_.range(1, kPage - 1);
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL},
				 "misaligned address");
		break;
	case 4:
		p.length = rng_.range(1, 64 * kPage) | 1;
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL}, "misaligned length");
		break;
	case 5:
		p.length = 0;
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EINVAL}, "length 0");
		break;
	case 6:
		p.addr = ~static_cast<uint64_t>(kPage - 1) - rng_.below(16) * kPage;
		p.length = (rng_.range(17, 1ull << 20)) * kPage;
		note("pin(0x%llx, 0x%llx)", static_cast<unsigned long long>(p.addr),
		     static_cast<unsigned long long>(p.length));
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EOVERFLOW}, "wrapping range");
		break;
	case 7:
		p.length = (1ull << rng_.range(30, 46)) & ~static_cast<uint64_t>(kPage - 1);
		note("pin(huge 0x%llx)", static_cast<unsigned long long>(p.length));
		errno = 0;
		r = ioctl(fd, VPIN_IOC_PIN, &p);
		// Through the mapping, then some other VMA or a hole.
		expect(OpPinHostile, r, errno, {EFAULT, EXDEV, EACCES, ENOMEM, EPERM, ESRCH},
		       "a huge range");
		break;
	case 8:
		p.addr = 0xffff888000000000ull + rng_.below(1 << 20) * kPage;
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EFAULT}, "a kernel address");
		break;
	case 9: {
		// A range unmapped right now: nothing else maps in this process.
		void *hole = ::mmap(nullptr, 4 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hole == MAP_FAILED)
			return;
		::munmap(hole, 4 * kPage);
		p.addr = reinterpret_cast<uintptr_t>(hole);
		p.length = rng_.range(1, 4) * kPage;
		errno = 0;
		r = ioctl(fd, VPIN_IOC_PIN, &p);
		if (s->own)
			expect(OpPinHostile, r, errno, {EFAULT}, "an unmapped range");
		else
			expect(OpPinHostile, r, errno, {EPERM, ESRCH}, "foreign session, unmapped range");
		break;
	}
	case 10: {
		void *none = ::mmap(nullptr, 2 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (none == MAP_FAILED)
			return;
		p.addr = reinterpret_cast<uintptr_t>(none);
		p.length = 2 * kPage;
		errno = 0;
		r = ioctl(fd, VPIN_IOC_PIN, &p);
		if (s->own)
			expect(OpPinHostile, r, errno, {EACCES}, "PROT_NONE");
		else
			expect(OpPinHostile, r, errno, {EPERM, ESRCH}, "foreign session, PROT_NONE");
		::munmap(none, 2 * kPage);
		break;
	}
	case 11: {
		// The argument itself unreadable, or straddling into PROT_NONE.
		if (rng_.percent(50)) {
			errno = 0;
			r = ioctl(fd, VPIN_IOC_PIN, reinterpret_cast<void *>(rng_.range(1, 4096)));
			expect(OpPinHostile, r, errno, {EFAULT}, "an unreadable argument");
			break;
		}
		char *two = static_cast<char *>(::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		if (two == MAP_FAILED)
			return;
		::mprotect(two + kPage, kPage, PROT_NONE);
		char *arg = two + kPage - rng_.range(1, sizeof(p) - 1);
		std::memcpy(arg, &p, static_cast<size_t>(two + kPage - arg));
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, arg, {EFAULT},
				 "an argument running into PROT_NONE");
		::munmap(two, 2 * kPage);
		break;
	}
	case 12: {
		const unsigned long cmd =
			rng_.percent(50)
				? _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, 0x01,
				       sizeof(p) + 8 * rng_.range(1, 8))
				: _IOW(VPIN_IOC_MAGIC, 0x01, struct vpin_pin);
		r = expect_ioctl(OpPinHostile, fd, cmd, &p, {EINVAL}, "another size or direction");
		break;
	}
	case 13: {
		const unsigned long cmd = _IOWR(VPIN_IOC_MAGIC, rng_.range(_IOC_NR(VPIN_IOC_MAP) + 1, 255),
						 struct vpin_pin);
		r = expect_ioctl(OpPinHostile, fd, cmd, &p, {ENOTTY}, "an unknown command");
		break;
	}
	case 14: {
		if (!m || (m->prot & PROT_WRITE) || m->prot == PROT_NONE || !s->own)
			return;
		p.flags = VPIN_PIN_F_WRITE;
		p.length = std::min<size_t>(m->len, 8 * kPage);
		note("pin(write, %s)", m->what.c_str());
		r = expect_ioctl(OpPinHostile, fd, VPIN_IOC_PIN, &p, {EACCES},
				 "a write pin of a read-only mapping");
		break;
	}
	default: {
		// Garbage everywhere.
		uint64_t raw[sizeof(p) / 8];
		for (auto &x : raw)
			x = rng_.next();
		std::memcpy(&p, raw, sizeof(p));
		if (rng_.percent(50)) {
			p.reserved0 = 0;
			std::memset(p.reserved, 0, sizeof(p.reserved));
		}
		errno = 0;
		r = ioctl(fd, VPIN_IOC_PIN, &p);
		note("pin(garbage)");
		check(OpPinHostile, r, errno);
		if (r == 0) {
			// Improbable, but then it is a pin like any other.
			struct vpin_unpin u = {};
			u.id = p.id;
			check(OpUnpin, ioctl(fd, VPIN_IOC_UNPIN, &u), errno);
		}
		return;
	}
	}
	if (r == 0) {
		struct vpin_unpin u = {};
		u.id = p.id;
		ioctl(fd, VPIN_IOC_UNPIN, &u);
	}
}

void Worker::op_unpin()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	struct vpin_unpin u = {};
	const uint64_t v = rng_.below(100);
	if (v < 70 && !s->pins.empty()) {
		const size_t i = rng_.index(s->pins.size());
		const PinRec rec = s->pins[i];
		u.id = rec.id;
		errno = 0;
		int r = ioctl(s->fd.get(), VPIN_IOC_UNPIN, &u);
		const int err = errno;
		note("unpin(%llu)", static_cast<unsigned long long>(u.id));
		if (r < 0 && err == ENOENT && !s->shared && !rec.breakable)
			finding(format("pin %llu vanished: no breakable lease could take it away",
				       static_cast<unsigned long long>(rec.id)));
		check(OpUnpin, r, err);
		s->pins.erase(s->pins.begin() + static_cast<std::ptrdiff_t>(i));
		return;
	}
	int r;
	switch (v % 4) {
	case 0:
		u.id = rng_.percent(50) ? 0 : (1ull << 32) + rng_.below(1ull << 40);
		r = expect_ioctl(OpUnpin, s->fd.get(), VPIN_IOC_UNPIN, &u, {ENOENT},
				 "id 0 or above 2^32");
		break;
	case 1:
		u.id = s->pins.empty() ? 1 : s->pins[0].id;
		if (rng_.percent(50))
			u.flags = static_cast<uint32_t>(rng_.next()) | 1;
		else
			u.reserved[rng_.index(2)] = rng_.next() | 1;
		r = expect_ioctl(OpUnpin, s->fd.get(), VPIN_IOC_UNPIN, &u, {EINVAL},
				 "flags or reserved set");
		break;
	default:
		u.id = rng_.range(1, 64);
		errno = 0;
		r = ioctl(s->fd.get(), VPIN_IOC_UNPIN, &u);
		note("unpin(guess %llu)", static_cast<unsigned long long>(u.id));
		check(OpUnpin, r, errno);
		if (r == 0)
			s->pins.erase(std::remove_if(s->pins.begin(), s->pins.end(),
						     [&](const PinRec &x) { return x.id == u.id; }),
				      s->pins.end());
		break;
	}
}

// VPIN_IOC_MAP of a pin of the session (valid and hostile requests); a
// mapping made is mapped, touched (a pin revoked meanwhile: SIGBUS, caught)
// and dropped again.
void Worker::op_map()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	struct vpin_map mp = {};
	const uint64_t v = rng_.below(100);
	mp.pin_id = s->pins.empty() ? rng_.range(1, 64) : s->pins[rng_.index(s->pins.size())].id;
	if (v < 60) {
		if (rng_.percent(30)) {
			mp.offset = rng_.below(8) * kPage;
			mp.length = rng_.below(8) * kPage;
		}
	} else if (v < 70) {
		mp.pin_id = rng_.percent(50) ? 0 : (1ull << 32) + rng_.below(1ull << 40);
	} else if (v < 80) {
		if (rng_.percent(50))
			mp.flags = static_cast<uint32_t>(rng_.next()) | 1;
		else
			mp.reserved[rng_.index(2)] = rng_.next() | 1;
	} else if (v < 90) {
		mp.offset = rng_.next();
		mp.length = rng_.next();
	} else {
		mp.offset = rng_.below(1ull << 40) * kPage;
		mp.length = ~0ull - kPage + 1;
	}
	errno = 0;
	const int r = ioctl(s->fd.get(), VPIN_IOC_MAP, &mp);
	const int err = errno;
	note("map(pin %llu, +%llu, %llu bytes, flags %#x)", static_cast<unsigned long long>(mp.pin_id),
	     static_cast<unsigned long long>(mp.offset), static_cast<unsigned long long>(mp.length),
	     mp.flags);
	check(OpMap, r, err);
	if (r < 0)
		return;
	Fd fd(mp.fd);
	struct stat st = {};
	if (fstat(fd.get(), &st) < 0 || st.st_size <= 0 || st.st_size % kPage) {
		finding(format("map descriptor of size %lld", static_cast<long long>(st.st_size)));
		return;
	}
	const size_t len = static_cast<size_t>(st.st_size);
	const bool write = rng_.percent(50);
	const int prot = PROT_READ | (write ? PROT_WRITE : 0);
	void *p = mmap(nullptr, len, prot, rng_.percent(10) ? MAP_PRIVATE : MAP_SHARED, fd.get(), 0);
	if (p == MAP_FAILED) {
		expect(OpMmap, -1, errno, {EINVAL, EACCES, ENODEV, ENOMEM}, "mmap of a map descriptor");
		return;
	}
	const bool ok = touch_memory(static_cast<volatile char *>(p), len, kPage, write);
	note("touched the mapping (%zu pages)%s", len / kPage, ok ? "" : " faulted");
	munmap(p, len);
}

// ---------------------------------------------------------------------------
// Leases

bool Worker::lease_fd(Session &s, int fd, uint32_t type, const std::string &what)
{
	struct vpin_lease l = {};
	l.fd = fd;
	l.type = type;
	note("lease(fd %d%s, %s, %s)", s.fd.get(), s.own ? "" : " foreign",
	     type == VPIN_LEASE_EXCLUSIVE ? "exclusive" : "breakable", what.c_str());
	errno = 0;
	int r = ioctl(s.fd.get(), VPIN_IOC_LEASE, &l);
	if (!check(OpLease, r, errno))
		return false;
	if (l.id == 0 || l.id > UINT32_MAX)
		finding(format("lease returned id %llu", static_cast<unsigned long long>(l.id)));
	note("= lease %llu", static_cast<unsigned long long>(l.id));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return true;
	LeaseRec rec{l.id, type, st.st_dev, st.st_ino, what, opno_};
	replace_record(s.leases, rec);
	if (!S_ISREG(st.st_mode))
		finding("a lease was granted on a file that is not regular: " + what);
	if (type == VPIN_LEASE_EXCLUSIVE && !s.shared) {
		// Protected at once, for everyone including the holder.
		errno = 0;
		int t = ftruncate(fd, st.st_size);
		note("protected?");
		expect(OpFtruncate, t, errno, {ETXTBSY, EINVAL, EBADF},
		       "ftruncate of a file under an exclusive lease");
	}
	return true;
}

void Worker::op_lease()
{
	Session *s = some_session(20);
	if (!s)
		return;
	if (s->leases.size() >= kMaxLeases) {
		op_unlease();
		return;
	}
	const uint32_t type = rng_.percent(40) ? VPIN_LEASE_EXCLUSIVE : VPIN_LEASE_BREAKABLE;
	Fd fd;
	std::string what;
	switch (rng_.below(20)) {
	case 0:
		fd.reset(memfd_create("vpin-fuzz-lease", MFD_CLOEXEC));
		if (fd && ftruncate(fd.get(), 4 * kPage) < 0)
			fd.reset();
		what = "memfd";
		break;
	case 1: {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return;
		fd.reset(sv[0]);
		::close(sv[1]);
		what = "socket";
		break;
	}
	case 2: {
		int pv[2];
		if (pipe2(pv, O_CLOEXEC) < 0)
			return;
		fd.reset(pv[1]);
		::close(pv[0]);
		what = "pipe";
		break;
	}
	case 3: {
		struct vpin_lease l = {};
		l.fd = rng_.percent(50) ? -1 : static_cast<int>(rng_.range(1000, 1 << 20));
		l.type = type;
		errno = 0;
		int r = ioctl(s->fd.get(), VPIN_IOC_LEASE, &l);
		note("lease(bad fd %d)", l.fd);
		expect(OpLease, r, errno, {EBADF}, "a descriptor that is not open");
		return;
	}
	case 4: {
		Target t = pick_data(60);
		Fd p = open_target(t, O_PATH);
		if (!p)
			return;
		struct vpin_lease l = {};
		l.fd = p.get();
		l.type = type;
		errno = 0;
		int r = ioctl(s->fd.get(), VPIN_IOC_LEASE, &l);
		expect(OpLease, r, errno, {EBADF}, "an O_PATH descriptor");
		return;
	}
	default: {
		Target t = pick_target(20, 65);
		bool write = type == VPIN_LEASE_EXCLUSIVE ? rng_.percent(85) : rng_.percent(25);
		if (t.odd && t.path == cfg.dirs[0].path)
			write = false;
		int flags = random_open_flags(write);
		if (flags & O_PATH)
			flags = O_RDONLY;
		if (t.odd && t.path.rfind("/dev/", 0) != 0 && t.path != cfg.fifo)
			flags &= ~O_DIRECT;
		fd = open_target(t, flags);
		what = short_path(t.path);
		break;
	}
	}
	if (!fd)
		return;
	lease_fd(*s, fd.get(), type, what);
}

void Worker::op_lease_hostile()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	Target t = pick_data(80);
	Fd fd = open_target(t, O_RDONLY);
	struct vpin_lease l = {};
	l.fd = fd ? fd.get() : -1;
	l.type = VPIN_LEASE_BREAKABLE;
	int r;
	switch (rng_.below(6)) {
	case 0:
		l.type = rng_.percent(50) ? static_cast<uint32_t>(VPIN_LEASE_UNSPEC)
					  : static_cast<uint32_t>(rng_.range(__VPIN_LEASE_LAST, UINT32_MAX));
		errno = 0;
		r = ioctl(s->fd.get(), VPIN_IOC_LEASE, &l);
		note("lease(type %u)", l.type);
		expect(OpLeaseHostile, r, errno, {EINVAL}, "a bad type");
		break;
	case 1:
		l.flags = static_cast<uint32_t>(rng_.next()) | 1;
		r = expect_ioctl(OpLeaseHostile, s->fd.get(), VPIN_IOC_LEASE, &l, {EINVAL},
				 "flags set");
		break;
	case 2:
		if (rng_.percent(50))
			l.reserved0 = static_cast<uint32_t>(rng_.next()) | 1;
		else
			l.reserved[rng_.index(4)] = rng_.next() | 1;
		r = expect_ioctl(OpLeaseHostile, s->fd.get(), VPIN_IOC_LEASE, &l, {EINVAL},
				 "reserved set");
		break;
	case 3:
		errno = 0;
		r = ioctl(s->fd.get(), VPIN_IOC_LEASE, reinterpret_cast<void *>(rng_.range(1, 4095)));
		expect(OpLeaseHostile, r, errno, {EFAULT}, "an unreadable argument");
		break;
	case 4:
		errno = 0;
		r = ioctl(s->fd.get(),
			  _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, 0x03, sizeof(l) - 8), &l);
		expect(OpLeaseHostile, r, errno, {EINVAL}, "another size");
		break;
	default: {
		struct vpin_unlease u = {};
		u.id = s->leases.empty() ? 1 : s->leases[0].id;
		if (rng_.percent(50))
			u.flags = static_cast<uint32_t>(rng_.next()) | 1;
		else
			u.reserved[rng_.index(2)] = rng_.next() | 1;
		r = expect_ioctl(OpLeaseHostile, s->fd.get(), VPIN_IOC_UNLEASE, &u, {EINVAL},
				 "unlease with flags or reserved set");
		return;
	}
	}
	if (r == 0) {
		struct vpin_unlease u = {};
		u.id = l.id;
		ioctl(s->fd.get(), VPIN_IOC_UNLEASE, &u);
	}
}

void Worker::op_unlease()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	struct vpin_unlease u = {};
	if (s->leases.empty() || rng_.percent(15)) {
		u.id = rng_.percent(20) ? 0 : rng_.range(1, 64);
		errno = 0;
		int r = ioctl(s->fd.get(), VPIN_IOC_UNLEASE, &u);
		note("unlease(guess %llu)", static_cast<unsigned long long>(u.id));
		if (u.id == 0)
			expect(OpUnlease, r, errno, {ENOENT}, "id 0");
		else
			check(OpUnlease, r, errno);
		if (r == 0)
			forget_lease(*s, u.id);
		return;
	}
	const size_t i = rng_.index(s->leases.size());
	const LeaseRec rec = s->leases[i];
	u.id = rec.id;
	size_t pins = 0;
	for (const auto &p : s->pins)
		pins += p.lease == rec.id;
	errno = 0;
	int r = ioctl(s->fd.get(), VPIN_IOC_UNLEASE, &u);
	const int err = errno;
	note("unlease(%llu, %s, %zu pins)", static_cast<unsigned long long>(rec.id),
	     rec.type == VPIN_LEASE_EXCLUSIVE ? "exclusive" : "breakable", pins);
	if (!s->shared && rec.type == VPIN_LEASE_EXCLUSIVE && pins) {
		expect(OpUnlease, r, err, {EBUSY}, "an exclusive lease with pins");
	} else if (!s->shared && rec.type == VPIN_LEASE_EXCLUSIVE) {
		if (!check(OpUnlease, r, err))
			finding("unlease of an exclusive lease without pins failed");
	} else {
		check(OpUnlease, r, err);
	}
	if (r == 0 || err == ENOENT)
		forget_lease(*s, rec.id);
}

// ---------------------------------------------------------------------------
// Changes of files: the breakers

void Worker::op_truncate()
{
	Target t = pick_data(40);
	struct stat st;
	if (!regular(t.path, st))
		return;
	const off_t len = random_length();
	note("truncate(%s, %lld)", short_path(t.path).c_str(), static_cast<long long>(len));
	errno = 0;
	int r = ::truncate(t.path.c_str(), len);
	checked_protected(OpTruncate, r, errno, st.st_dev, st.st_ino, "truncate");
}

void Worker::op_ftruncate()
{
	Target t = rng_.one_in(20) ? pick_odd() : pick_data(40);
	struct stat st;
	Fd fd = open_to_change(t, rng_.percent(90), O_RDWR, st);
	if (!fd)
		return;
	const off_t len = random_length();
	note("ftruncate(%lld)", static_cast<long long>(len));
	errno = 0;
	int r = ::ftruncate(fd.get(), len);
	checked_protected(OpFtruncate, r, errno, st.st_dev, st.st_ino, "ftruncate");
}

void Worker::op_otrunc()
{
	Target t = pick_data(40);
	struct stat st;
	if (!regular(t.path, st))
		return;
	int flags = (rng_.percent(70) ? O_WRONLY : O_RDWR) | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
	if (rng_.one_in(5))
		flags |= O_NONBLOCK;
	note("open(%s, O_TRUNC 0%o)", short_path(t.path).c_str(), static_cast<unsigned>(flags));
	errno = 0;
	Fd fd(::open(t.path.c_str(), flags));
	checked_protected(OpOTrunc, fd.get(), errno, st.st_dev, st.st_ino, "open(O_TRUNC)");
}

void Worker::op_fallocate()
{
	Target t = rng_.one_in(20) ? pick_odd() : pick_data(40);
	struct stat st;
	Fd fd = open_to_change(t, rng_.percent(92), O_RDWR, st);
	if (!fd)
		return;
	static const int modes[] = {
		0,
		FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_PUNCH_HOLE,
		FALLOC_FL_COLLAPSE_RANGE,
		FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_UNSHARE_RANGE,
		FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE,
	};
	int mode = modes[rng_.index(sizeof(modes) / sizeof(modes[0]))];
	if (rng_.one_in(30))
		mode = static_cast<int>(rng_.next() & 0xff);
	off_t off = static_cast<off_t>(rng_.below(kFilePages + 4) * kPage);
	off_t len = static_cast<off_t>(rng_.range(1, 8) * kPage);
	if (rng_.one_in(8)) {
		off += static_cast<off_t>(rng_.below(kPage));
		len += static_cast<off_t>(rng_.below(kPage));
	}
	if (st.st_size > static_cast<off_t>(kMaxFilePages * kPage) &&
	    !(mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_COLLAPSE_RANGE)))
		mode = FALLOC_FL_COLLAPSE_RANGE;
	note("fallocate(mode 0x%x, %lld, %lld)", mode, static_cast<long long>(off),
	     static_cast<long long>(len));
	errno = 0;
	int r = ::fallocate(fd.get(), mode, off, len);
	checked_protected(OpFallocate, r, errno, st.st_dev, st.st_ino, "fallocate");
}

void Worker::op_clone(bool range)
{
	// Source and destination mostly on the same file system.
	const int dir = remap_dir(false);
	if (dir == -2)
		return;
	Target dst = pick_data(50, dir);
	Target src = rng_.percent(80) || cfg.avoid_known ? pick_data(40, dst.dir) : pick_target(10, 40);
	Fd d = open_target(dst, rng_.percent(90) ? O_RDWR : O_RDONLY);
	Fd s = open_target(src, rng_.percent(80) ? O_RDONLY : O_RDWR);
	if (!d || !s)
		return;
	struct stat ds, ss;
	if (fstat(d.get(), &ds) < 0 || fstat(s.get(), &ss) < 0)
		return;
	int r;
	if (!range) {
		note("FICLONE(%s <- %s)", short_path(dst.path).c_str(), short_path(src.path).c_str());
		errno = 0;
		r = ioctl(d.get(), FICLONE, s.get());
	} else {
		struct file_clone_range cr = {};
		cr.src_fd = s.get();
		cr.src_offset = rng_.below(kFilePages) * kPage;
		cr.src_length = rng_.below(8) * kPage;
		cr.dest_offset = rng_.below(kFilePages + 2) * kPage;
		if (rng_.one_in(10))
			cr.src_offset += rng_.below(kPage);
		note("FICLONERANGE(%s +%llu <- %s +%llu, %llu)", short_path(dst.path).c_str(),
		     static_cast<unsigned long long>(cr.dest_offset), short_path(src.path).c_str(),
		     static_cast<unsigned long long>(cr.src_offset),
		     static_cast<unsigned long long>(cr.src_length));
		errno = 0;
		r = ioctl(d.get(), FICLONERANGE, &cr);
	}
	const int err = errno;
	const Op op = range ? OpCloneRange : OpClone;
	checked_protected(op, r, err, ds.st_dev, ds.st_ino, "reflink into");
	if (r >= 0 && protected_by_me(ss.st_dev, ss.st_ino))
		finding(std::string(op_table()[op].name) +
			": reflink from a file under this worker's exclusive lease succeeded");
}

void Worker::op_dedupe()
{
	const int dir = remap_dir(false);
	if (dir == -2)
		return;
	Target src = pick_data(50, dir);
	Fd s = open_target(src, rng_.percent(80) ? O_RDONLY : O_RDWR);
	if (!s)
		return;
	struct stat ss;
	if (fstat(s.get(), &ss) < 0)
		return;
	const size_t ndest = static_cast<size_t>(rng_.range(1, 2));
	std::vector<Fd> dfd;
	std::vector<struct stat> dst(ndest);
	alignas(struct file_dedupe_range) char
		buf[sizeof(struct file_dedupe_range) + 2 * sizeof(struct file_dedupe_range_info)] = {};
	auto *range = reinterpret_cast<struct file_dedupe_range *>(buf);
	range->src_offset = rng_.below(kFilePages) * kPage;
	range->src_length = rng_.range(1, 4) * kPage;
	range->dest_count = static_cast<uint16_t>(ndest);
	for (size_t i = 0; i < ndest; i++) {
		Target d = rng_.percent(85) || cfg.avoid_known ? pick_data(40, src.dir) : pick_target(10, 40);
		dfd.push_back(open_target(d, rng_.percent(85) ? O_RDWR : O_RDONLY));
		if (!dfd.back() || fstat(dfd.back().get(), &dst[i]) < 0)
			return;
		range->info[i].dest_fd = dfd.back().get();
		range->info[i].dest_offset = rng_.below(kFilePages) * kPage;
		note("dest %s +%llu", short_path(d.path).c_str(),
		     static_cast<unsigned long long>(range->info[i].dest_offset));
	}
	note("FIDEDUPERANGE(%s +%llu, %llu)", short_path(src.path).c_str(),
	     static_cast<unsigned long long>(range->src_offset),
	     static_cast<unsigned long long>(range->src_length));
	errno = 0;
	int r = ioctl(s.get(), FIDEDUPERANGE, range);
	if (!check(OpDedupe, r, errno))
		return;
	for (size_t i = 0; i < ndest; i++) {
		const int status = range->info[i].status;
		if (status == -kErestartsys) {
			// The kernel's own: xfs_break_dax_layouts() waits for a DAX
			// page someone (trinity's vmsplice, say) holds, a signal
			// ends the wait with -ERESTARTSYS, and vfs_dedupe_file_range()
			// stores that as the range's status (vpin's wrapper, for a
			// file with breakable leases, makes it -EINTR).
			note("status ERESTARTSYS (the kernel's dedupe status)");
			count(OpDedupe, EINTR);
		} else if (status < 0) {
			note("status %s", errno_name(-status).c_str());
			check(OpDedupe, -1, -status);
		} else if (status == FILE_DEDUPE_RANGE_SAME && range->info[i].bytes_deduped > 0 &&
			   (protected_by_me(dst[i].st_dev, dst[i].st_ino) ||
			    protected_by_me(ss.st_dev, ss.st_ino))) {
			finding("fideduperange: dedupe with a file under this worker's exclusive lease succeeded");
		} else if (status != FILE_DEDUPE_RANGE_SAME && status != FILE_DEDUPE_RANGE_DIFFERS) {
			finding(format("fideduperange: status %d", status));
		}
	}
}

void Worker::op_copy_range()
{
	const int dir = remap_dir(false);
	if (dir == -2)
		return;
	Target dst = pick_data(50, dir);
	Target src = rng_.percent(75) || cfg.avoid_known ? pick_data(40, dst.dir) : pick_target(10, 40);
	Fd d = open_target(dst, rng_.percent(90) ? O_WRONLY : O_RDONLY);
	Fd s = open_target(src, O_RDONLY);
	if (!d || !s)
		return;
	struct stat ds, ss;
	if (fstat(d.get(), &ds) < 0 || fstat(s.get(), &ss) < 0)
		return;
	loff_t in = static_cast<loff_t>(rng_.below(kFilePages) * kPage);
	loff_t out = static_cast<loff_t>(rng_.below(kFilePages) * kPage);
	if (rng_.one_in(6))
		out += static_cast<loff_t>(rng_.below(kPage));
	const size_t len = static_cast<size_t>(rng_.range(1, 6) * kPage);
	note("copy_file_range(%s +%lld <- %s +%lld, %zu)", short_path(dst.path).c_str(),
	     static_cast<long long>(out), short_path(src.path).c_str(), static_cast<long long>(in),
	     len);
	errno = 0;
	ssize_t r = copy_file_range(s.get(), &in, d.get(), &out, len, 0);
	const int err = errno;
	check(OpCopyRange, r, err);
	if (r > 0 && (protected_by_me(ds.st_dev, ds.st_ino) || protected_by_me(ss.st_dev, ss.st_ino)))
		finding("copy_file_range with a file under this worker's exclusive lease succeeded");
}

void Worker::op_swapext()
{
	const int dir = remap_dir(true);
	if (dir == -2)
		return;
	Target tgt = pick_data(50, dir);
	Target tmp;
	if (rng_.percent(60)) {
		tmp.path = worker_file(cfg.dirs[static_cast<size_t>(tgt.dir)], index_, -1);
		tmp.dir = tgt.dir;
		tmp.mine = true;
	} else {
		tmp = pick_data(50, tgt.dir);
	}
	Fd t = open_target(tgt, rng_.percent(90) ? O_RDWR : O_RDONLY);
	Fd x = open_target(tmp, rng_.percent(90) ? O_RDWR : O_WRONLY);
	if (!t || !x)
		return;
	struct stat ts, xs;
	if (fstat(t.get(), &ts) < 0 || fstat(x.get(), &xs) < 0)
		return;
	struct xfs_swapext_local sx = {};
	sx.sx_version = 0;
	sx.sx_fdtarget = t.get();
	sx.sx_fdtmp = x.get();
	sx.sx_offset = 0;
	sx.sx_length = ts.st_size;
	if (rng_.percent(60)) {
		// Make it a swap that can succeed: same size, sx_stat up to date.
		if (xs.st_size != ts.st_size) {
			errno = 0;
			int r = ::ftruncate(x.get(), ts.st_size);
			note("ftruncate(tmp, %lld)", static_cast<long long>(ts.st_size));
			checked_protected(OpFtruncate, r, errno, xs.st_dev, xs.st_ino, "ftruncate");
		}
		if (fstat(t.get(), &ts) < 0)
			return;
		sx.sx_length = ts.st_size;
		sx.sx_stat.bs_ino = ts.st_ino;
		sx.sx_stat.bs_ctime.tv_sec = ts.st_ctim.tv_sec;
		sx.sx_stat.bs_ctime.tv_nsec = static_cast<int32_t>(ts.st_ctim.tv_nsec);
		sx.sx_stat.bs_mtime.tv_sec = ts.st_mtim.tv_sec;
		sx.sx_stat.bs_mtime.tv_nsec = static_cast<int32_t>(ts.st_mtim.tv_nsec);
	} else if (rng_.one_in(4)) {
		sx.sx_length = static_cast<int64_t>(rng_.next() >> 1);
	}
	note("XFS_IOC_SWAPEXT(%s <-> %s, %lld)", short_path(tgt.path).c_str(),
	     short_path(tmp.path).c_str(), static_cast<long long>(sx.sx_length));
	errno = 0;
	int r = ioctl(t.get(), XFS_IOC_SWAPEXT_LOCAL, &sx);
	const int err = errno;
	if (r < 0 && err == ENOTTY && !cfg.dirs[static_cast<size_t>(tgt.dir)].xfs) {
		count(OpSwapext, err); // not xfs: no such ioctl
		return;
	}
	checked_protected(OpSwapext, r, err, ts.st_dev, ts.st_ino, "XFS_IOC_SWAPEXT");
	if (r >= 0 && protected_by_me(xs.st_dev, xs.st_ino))
		finding("xfs-swapext: the temporary file is under this worker's exclusive lease");
	if (r >= 0) {
		shm->swapext_done.fetch_add(1, std::memory_order_relaxed);
		if (breakable_by_me(ts.st_dev, ts.st_ino) || breakable_by_me(xs.st_dev, xs.st_ino))
			note("[a breakably leased file's extents were swapped without a break]");
	}
}

void Worker::op_write()
{
	Target t = pick_data(55);
	struct stat st;
	Fd fd = open_to_change(t, true, O_WRONLY, st);
	if (!fd)
		return;
	const size_t len = static_cast<size_t>(rng_.range(1, 4) * kPage);
	// O_DIRECT wants an aligned buffer.
	void *buf = nullptr;
	if (posix_memalign(&buf, kPage, len))
		return;
	std::memset(buf, static_cast<int>(rng_.below(256)), len);
	const off_t off = static_cast<off_t>(rng_.below(kFilePages) * kPage);
	note("pwrite(%zu, %lld)", len, static_cast<long long>(off));
	errno = 0;
	ssize_t r = ::pwrite(fd.get(), buf, len, off);
	const int err = errno;
	std::free(buf);
	checked_protected(OpWrite, r, err, st.st_dev, st.st_ino, "write");
}

// Puts one of the worker's own files back: regular, kFilePages long, fully
// written (so that exclusive leases can be granted again).
void Worker::op_repair()
{
	std::string path;
	if (rng_.one_in(6)) {
		path = shm_file(index_);
	} else {
		const Dir &d = cfg.dirs[rng_.index(cfg.dirs.size())];
		path = worker_file(d, index_, rng_.one_in(5) ? -1 : static_cast<int>(rng_.index(kFiles)));
	}
	struct stat st;
	if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
		// Someone (trinity) put something else there.
		note("unlink(%s: not regular)", short_path(path).c_str());
		if (S_ISDIR(st.st_mode))
			::rmdir(path.c_str());
		else
			::unlink(path.c_str());
	}
	note("repair(%s)", short_path(path).c_str());
	errno = 0;
	Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
	if (!check(OpRepair, fd.get(), errno))
		return;
	if (fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
		return;
	// Blocking from here on: the size change may break leases.
	fcntl(fd.get(), F_SETFL, 0);
	const off_t size = static_cast<off_t>(kFilePages * kPage);
	if (st.st_size != size) {
		errno = 0;
		int r = ::ftruncate(fd.get(), size);
		if (!check(OpRepair, r, errno))
			return;
	}
	std::vector<char> data(kFilePages * kPage);
	for (size_t i = 0; i < data.size(); i += 8) {
		uint64_t v = rng_.next();
		std::memcpy(data.data() + i, &v, 8);
	}
	errno = 0;
	ssize_t r = ::pwrite(fd.get(), data.data(), data.size(), 0);
	if (!check(OpRepair, r, errno))
		return;
	errno = 0;
	check(OpRepair, ::fsync(fd.get()), errno);
}

// The path to a DAX pin: map the file, lease it, pin it.
void Worker::op_dax_combo()
{
	int dir = pick_dir(true, false);
	if (dir < 0)
		dir = static_cast<int>(rng_.index(cfg.dirs.size()));
	Target t = pick_data(75, dir);
	const bool rw = rng_.percent(70);
	Fd fd = open_target(t, rw ? O_RDWR : O_RDONLY);
	if (!fd)
		return;
	struct stat st;
	if (fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
		return;
	while (maps_.size() >= kMaxMaps) {
		const size_t i = rng_.index(maps_.size());
		::munmap(reinterpret_cast<void *>(maps_[i].addr), maps_[i].len);
		maps_.erase(maps_.begin() + static_cast<std::ptrdiff_t>(i));
	}
	Mapping m{};
	m.kind = MapKind::File;
	m.len = kFilePages * kPage;
	m.prot = PROT_READ | (rw ? PROT_WRITE : 0);
	m.shared = true;
	m.dax = cfg.dirs[static_cast<size_t>(dir)].dax;
	m.dev = st.st_dev;
	m.ino = st.st_ino;
	void *p = ::mmap(nullptr, m.len, m.prot, MAP_SHARED, fd.get(), 0);
	note("mmap(shared %s, %s)", rw ? "rw" : "ro", short_path(t.path).c_str());
	if (!check(OpMmap, p == MAP_FAILED ? -1 : 0, errno))
		return;
	m.addr = reinterpret_cast<uintptr_t>(p);
	m.what = short_path(t.path) + format("@%lx", static_cast<unsigned long>(m.addr)) +
		 (m.dax ? "(dax)" : "");
	maps_.push_back(m);
	Session &s = own_session();
	if (!s.fd)
		return;
	if (!tracked_lease(s, m.dev, m.ino, nullptr)) {
		const uint32_t type = rw && rng_.percent(35) ? VPIN_LEASE_EXCLUSIVE : VPIN_LEASE_BREAKABLE;
		if (!lease_fd(s, fd.get(), type, short_path(t.path)))
			return;
	}
	const size_t first = rng_.index(kFilePages);
	const size_t n = static_cast<size_t>(rng_.range(1, kFilePages - first));
	pin_range(s, m.addr + first * kPage, n * kPage, rw && rng_.percent(60) ? VPIN_PIN_F_WRITE : 0,
		  &maps_.back());
}

// ---------------------------------------------------------------------------
// Processes: fork, SCM_RIGHTS

void Worker::op_fork()
{
	if (child_)
		return;
	if (child_pid_ > 0) {
		int status;
		pid_t r = waitpid(child_pid_, &status, WNOHANG);
		if (r == 0)
			return; // one child at a time
		if (r == child_pid_ && WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			finding(format("the forked child %d died of signal %d", child_pid_, WTERMSIG(status)));
		else if (r == child_pid_ && WIFEXITED(status) && WEXITSTATUS(status) != 0)
			finding(format("the forked child %d exited with status %d", child_pid_,
				       WEXITSTATUS(status)));
		child_pid_ = 0;
		shm->slots[index_].child.pid.store(0);
	}
	const pid_t parent = getpid();
	const uint64_t child_seed = mix_seed(seed_, opno_, 0xc41d);
	for (auto &s : sessions_)
		s.shared = true;
	std::fflush(nullptr);
	pid_t pid = fork();
	if (!check(OpFork, pid, errno))
		return;
	if (pid > 0) {
		child_pid_ = pid;
		note("= child %d, seed 0x%llx", pid, static_cast<unsigned long long>(child_seed));
		shm->children.fetch_add(1, std::memory_order_relaxed);
		return;
	}
	// The child: the sessions it inherited belong to the parent's address space.
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	child_ = true;
	seed_ = child_seed;
	rng_ = Rng(child_seed);
	for (auto &s : sessions_)
		s.own = false;
	// What was MADV_DONTFORK is not mapped here: a later mmap may reuse
	// its addresses. Forget all of such a mapping (what is left of it
	// stays mapped, so no mmap reuses that either).
	std::erase_if(maps_, [](const Mapping &m) { return m.dontfork; });
	nl_ = Genl();
	nlev_ = Genl();
	family_ = 0;
	Heart &h = shm->slots[index_].child;
	h.pid.store(getpid());
	end(); // the parent's fork operation, as the child's first log entry
	const int budget = static_cast<int>(rng_.range(1, 12));
	for (int i = 0; i < budget && !stopping(); i++) {
		const Op op = choose();
		if (op == OpFork || op == OpRecv)
			continue;
		begin(op);
		dispatch(op);
		end();
	}
	h.since.store(0);
	// Sometimes leave without closing: exit does it.
	_exit(0);
}

void Worker::op_send()
{
	Session *s = pick_session(false);
	if (!s)
		return;
	int to = static_cast<int>(rng_.index(static_cast<size_t>(cfg.procs)));
	if (to == index_ && cfg.procs > 1)
		to = (to + 1) % cfg.procs;
	const int fd = s->fd.get();
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
	ssize_t r = ::sendmsg(cfg.inbox_tx[static_cast<size_t>(to)], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	note("send(session fd %d to w%d)", fd, to);
	if (!check(OpSend, r, errno))
		return;
	shm->sessions_sent.fetch_add(1, std::memory_order_relaxed);
	s->shared = true;
	if (rng_.percent(30)) {
		note("and close it");
		for (size_t i = 0; i < sessions_.size(); i++)
			if (&sessions_[i] == s) {
				forget_session(i);
				break;
			}
	}
}

void Worker::op_recv()
{
	char byte;
	struct iovec iov = {&byte, 1};
	alignas(struct cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
	struct msghdr msg = {};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t r = ::recvmsg(cfg.inbox_rx[static_cast<size_t>(index_)], &msg,
			      MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (!check(OpRecv, r, errno))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		const size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			Session s;
			s.fd.reset(fd);
			s.shared = true;
			const std::string info = read_file("/proc/self/fdinfo/" + std::to_string(fd));
			const size_t at = info.find("vpin-owner:\tpid=");
			if (at == std::string::npos) {
				finding("a received session has no vpin-owner in fdinfo");
				continue;
			}
			s.own = std::atoi(info.c_str() + at + 16) == getpid();
			note("= session fd %d%s", fd, s.own ? " (own, back again)" : "");
			shm->sessions_received.fetch_add(1, std::memory_order_relaxed);
			while (sessions_.size() >= kMaxSessions + 2)
				forget_session(0);
			sessions_.push_back(std::move(s));
		}
	}
}

// ---------------------------------------------------------------------------
// Netlink

bool Worker::netlink_ready(Op op)
{
	if (nl_.ok() && family_)
		return true;
	int err = nl_.open();
	if (err) {
		check(op, -1, -err);
		return false;
	}
	err = nl_.resolve(family_, group_);
	if (err) {
		nl_ = Genl();
		if (err == -ETIMEDOUT || err == -EBADMSG)
			finding("resolving the vpin family: " + errno_name(-err));
		else
			check(op, -1, -err);
		return false;
	}
	return true;
}

void Worker::op_netlink()
{
	if (!netlink_ready(OpNetlink))
		return;
	const bool admin = uid_ == 0;
	const uid_t me = uid_;
	std::string problem;
	size_t objects = 0;
	auto visit = [&](const Genl::Message &m) {
		for (const auto &a : m.attrs) {
			if (a.type == VPIN_A_SESSION || a.type == VPIN_A_PIN || a.type == VPIN_A_LEASE) {
				objects++;
				std::vector<Attr> in;
				if (!parse_attrs(a.data, a.len, in)) {
					problem = "a malformed nested object";
					continue;
				}
				if (a.type != VPIN_A_SESSION || admin)
					continue;
				for (const auto &x : in)
					if (x.type == VPIN_SESSION_A_UID && attr_u64(x) && *attr_u64(x) != me)
						problem = format("uid %u sees a session of uid %llu", me,
								 static_cast<unsigned long long>(*attr_u64(x)));
			}
		}
	};
	int err;
	const uint64_t v = rng_.below(100);
	if (v < 25) {
		Stats st;
		note("GET_STATUS");
		err = nl_.request(family_, VPIN_CMD_GET_STATUS, rng_.percent(50) ? NLM_F_ACK : 0, {},
				  [&](const Genl::Message &m) {
					  std::string why;
					  if (!parse_status(m, st, why))
						  problem = why;
				  });
	} else if (v < 70) {
		static const uint8_t cmds[] = {VPIN_CMD_GET_SESSIONS, VPIN_CMD_GET_PINS, VPIN_CMD_GET_LEASES};
		const uint8_t cmd = cmds[rng_.index(3)];
		std::vector<char> attrs;
		if (cmd != VPIN_CMD_GET_SESSIONS && rng_.percent(40)) {
			uint64_t sid = rng_.range(1, 200);
			attrs = nla(VPIN_A_SESSION_ID, &sid, sizeof(sid));
		}
		note("dump %u%s", cmd, attrs.empty() ? "" : " filtered");
		err = nl_.request(family_, cmd, static_cast<uint16_t>(NLM_F_DUMP | (rng_.percent(30) ? NLM_F_ACK : 0)),
				  attrs, visit);
		note("%zu objects", objects);
	} else {
		// Hostile requests, with the answers the ABI promises.
		uint64_t sid = 1;
		uint32_t narrow = 1;
		switch (rng_.below(7)) {
		case 0: {
			const uint8_t cmd = rng_.percent(50) ? static_cast<uint8_t>(VPIN_CMD_EVENT)
							     : static_cast<uint8_t>(rng_.range(VPIN_CMD_MAX + 1, 255));
			note("command %u", cmd);
			err = nl_.request(family_, cmd, NLM_F_ACK, {});
			expect(OpNetlink, err ? -1 : 0, -err, {EOPNOTSUPP}, "an unknown command");
			return;
		}
		case 1:
			err = nl_.request(family_, VPIN_CMD_GET_PINS, NLM_F_DUMP,
					  nla(static_cast<uint16_t>(rng_.range(VPIN_A_MAX + 1, 200)), &sid, sizeof(sid)));
			expect(OpNetlink, err ? -1 : 0, -err, {EINVAL}, "an unknown attribute");
			return;
		case 2:
			err = nl_.request(family_, VPIN_CMD_GET_LEASES, NLM_F_DUMP,
					  nla(VPIN_A_SESSION_ID, &narrow, sizeof(narrow)));
			expect(OpNetlink, err ? -1 : 0, -err, {EINVAL}, "a u32 session id");
			return;
		case 3:
			err = nl_.request(family_, VPIN_CMD_GET_STATUS, NLM_F_DUMP, {});
			expect(OpNetlink, err ? -1 : 0, -err, {EOPNOTSUPP}, "GET_STATUS as a dump");
			return;
		case 4:
			err = nl_.request(family_, VPIN_CMD_GET_SESSIONS, NLM_F_ACK, {});
			expect(OpNetlink, err ? -1 : 0, -err, {EOPNOTSUPP}, "GET_SESSIONS as a do");
			return;
		case 5: {
			// REVOKE_LEASE of nobody's lease (ids far above any session's),
			// or without one of its attributes: validation comes first, then
			// the capability, then the lookup.
			uint64_t far = (1ULL << 62) + rng_.below(1000);
			uint32_t id = static_cast<uint32_t>(rng_.next());
			const bool whole = rng_.percent(70);
			std::vector<char> attrs = nla(VPIN_A_SESSION_ID, &far, sizeof(far));
			if (whole || rng_.percent(50)) {
				const auto lease = nla(VPIN_A_LEASE_ID, &id, sizeof(id));
				attrs = whole ? attrs : std::vector<char>{};
				attrs.insert(attrs.end(), lease.begin(), lease.end());
			}
			note("REVOKE_LEASE %s", whole ? "of no lease" : "without an attribute");
			err = nl_.request(family_, VPIN_CMD_REVOKE_LEASE, NLM_F_ACK, attrs);
			if (!whole)
				expect(OpNetlink, err ? -1 : 0, -err, {EINVAL}, "REVOKE_LEASE without its attributes");
			else
				expect(OpNetlink, err ? -1 : 0, -err, {admin ? ENOENT : EPERM},
				       "REVOKE_LEASE of no lease");
			return;
		}
		default: {
			std::vector<char> junk(rng_.range(1, 64));
			for (auto &c : junk)
				c = static_cast<char>(rng_.next());
			note("junk attributes");
			err = nl_.request(family_, static_cast<uint8_t>(rng_.range(1, 4)),
					  rng_.percent(50) ? NLM_F_DUMP : NLM_F_ACK, junk, visit);
			if (err == -ETIMEDOUT || err == -EBADMSG)
				finding("netlink: " + errno_name(-err) + " for junk attributes");
			else if (err && err != -EINVAL && err != -EOPNOTSUPP && err != -ERANGE)
				check(OpNetlink, -1, -err);
			else
				count(OpNetlink, -err);
			return;
		}
		}
	}
	if (err == -ETIMEDOUT || err == -EBADMSG) {
		finding("netlink: " + errno_name(-err) + " (no answer, or a malformed one)");
		nl_ = Genl();
		return;
	}
	check(OpNetlink, err ? -1 : 0, -err);
	if (!problem.empty())
		finding("netlink: " + problem);
}

// A rule for the unprivileged workers (uid 65534), or the defaults (index
// -1, which also decide root's requests; they allow everything): quotas
// tight enough to be hit, break times up to the module's, no revocation
// signal but SIGBUS or none (a SIGKILL would end a worker).
std::vector<char> Worker::random_rule(int index)
{
	std::vector<char> r;
	auto add = [&r](const std::vector<char> &a) { r.insert(r.end(), a.begin(), a.end()); };
	uint32_t allow = __VPIN_ALLOW_ALL;
	if (index >= 0) {
		const std::string name = format("r%d", index);
		const uint32_t uid = 65534;
		add(nla(VPIN_RULE_A_NAME, name.c_str(), name.size() + 1));
		add(nla(VPIN_RULE_A_USER, &uid, sizeof(uid)));
		// Leases may be refused; pins stay allowed, since a pin of memory
		// that is not FS-DAX must never be EPERM here (t_policy covers
		// refused pins).
		if (rng_.percent(40))
			allow = VPIN_ALLOW_PIN | VPIN_ALLOW_PIN_FILE |
				(static_cast<uint32_t>(rng_.below(4)) << VPIN_OP_EXCLUSIVE);
	}
	add(nla(VPIN_RULE_A_ALLOW, &allow, sizeof(allow)));
	if (rng_.percent(50)) {
		const uint64_t bytes = rng_.range(1, 256) << 20;
		add(nla(VPIN_RULE_A_MAX_PINNED, &bytes, sizeof(bytes)));
	}
	const uint16_t quotas[] = {VPIN_RULE_A_MAX_SESSIONS, VPIN_RULE_A_MAX_LEASES,
				   VPIN_RULE_A_MAX_EXCLUSIVE};
	for (uint16_t q : quotas) {
		if (rng_.percent(30)) {
			const auto n = static_cast<uint32_t>(rng_.range(q == VPIN_RULE_A_MAX_SESSIONS ? 2 : 0, 24));
			add(nla(q, &n, sizeof(n)));
		}
	}
	// Within the module's break time, which bounds how long an operation
	// may take before it counts as stuck (a change queued behind others
	// waits for each of their breaks).
	if (rng_.percent(50)) {
		const auto ms = static_cast<uint32_t>(rng_.range(20, cfg.break_ms));
		add(nla(VPIN_RULE_A_BREAK_TIME_MS, &ms, sizeof(ms)));
	}
	if (rng_.percent(30)) {
		const uint32_t none = VPIN_REVOKE_NONE;
		add(nla(VPIN_RULE_A_ON_REVOKE, &none, sizeof(none)));
	}
	return r;
}

// Rule sets: root replaces or clears them (a few malformed ones, which
// must be EINVAL), everyone reads them and the usage, which an
// unprivileged reader sees for its own uid only.
void Worker::op_policy()
{
	if (!netlink_ready(OpPolicy))
		return;
	const uint64_t v = rng_.below(100);
	int err;
	if (v < 30) {
		const std::vector<char> d = random_rule(-1);
		const std::vector<char> defaults = nla_nest(VPIN_POLICY_A_DEFAULTS, d);
		std::vector<char> attrs = nla_nest(VPIN_A_POLICY, defaults);
		const auto n = static_cast<int>(rng_.below(6));
		for (int i = 0; i < n; i++) {
			const std::vector<char> r = random_rule(i);
			const std::vector<char> a = nla_nest(VPIN_A_RULE, r);
			attrs.insert(attrs.end(), a.begin(), a.end());
		}
		const bool hostile = rng_.percent(15);
		if (hostile) {
			const uint32_t junk = static_cast<uint32_t>(rng_.next());
			const std::vector<char> a = nla(static_cast<uint16_t>(rng_.range(VPIN_RULE_A_MAX + 1, 300)),
							&junk, sizeof(junk));
			std::vector<char> r = nla(VPIN_RULE_A_NAME, "bad", 4);
			r.insert(r.end(), a.begin(), a.end());
			const std::vector<char> bad = nla_nest(VPIN_A_RULE, r);
			attrs.insert(attrs.end(), bad.begin(), bad.end());
		}
		const bool clear = !hostile && rng_.percent(20);
		if (clear)
			attrs.clear();
		note("SET_POLICY, %d rules%s%s", n, hostile ? " and a malformed one" : "",
		     clear ? " (clear)" : "");
		err = nl_.request(family_, VPIN_CMD_SET_POLICY, NLM_F_ACK, attrs);
		if (uid_ != 0)
			expect(OpPolicy, err ? -1 : 0, -err, {EPERM}, "SET_POLICY unprivileged");
		else if (hostile)
			expect(OpPolicy, err ? -1 : 0, -err, {EINVAL}, "a rule with an unknown attribute");
		else
			check(OpPolicy, err ? -1 : 0, -err);
		return;
	}
	const bool usage = v < 65;
	const uid_t me = uid_;
	std::string problem;
	note(usage ? "GET_USAGE" : "GET_POLICY");
	err = nl_.request(family_, usage ? VPIN_CMD_GET_USAGE : VPIN_CMD_GET_POLICY, NLM_F_DUMP, {},
			  [&](const Genl::Message &m) {
				  for (const auto &a : m.attrs) {
					  std::vector<Attr> in;
					  if (!parse_attrs(a.data, a.len, in)) {
						  problem = "a malformed nested object";
						  continue;
					  }
					  if (a.type != VPIN_A_USAGE || me == 0)
						  continue;
					  for (const auto &x : in)
						  if (x.type == VPIN_USAGE_A_UID && attr_u64(x) &&
						      *attr_u64(x) != me)
							  problem = format("uid %u sees the usage of uid %llu", me,
									   static_cast<unsigned long long>(*attr_u64(x)));
				  }
			  });
	if (err == -ETIMEDOUT || err == -EBADMSG) {
		finding("policy: " + errno_name(-err) + " (no answer, or a malformed one)");
		nl_ = Genl();
		return;
	}
	check(OpPolicy, err ? -1 : 0, -err);
	if (!problem.empty())
		finding("policy: " + problem);
}

void Worker::op_nl_events()
{
	if (nlev_.ok() && nlev_left_-- > 0) {
		// Drain what came.
		std::vector<char> buf(1 << 16);
		const uid_t me = uid_;
		for (int i = 0; i < 64; i++) {
			ssize_t n = ::recv(nlev_.fd(), buf.data(), buf.size(), MSG_DONTWAIT);
			if (n < 0) {
				if (errno != EAGAIN)
					check(OpNlEvents, n, errno);
				break;
			}
			size_t left = static_cast<size_t>(n);
			for (auto *h = reinterpret_cast<struct nlmsghdr *>(buf.data()); NLMSG_OK(h, left);
			     h = NLMSG_NEXT(h, left)) {
				if (h->nlmsg_type != family_ || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
					continue;
				std::vector<Attr> attrs;
				const char *p = static_cast<char *>(NLMSG_DATA(h)) + GENL_HDRLEN;
				if (!parse_attrs(p, h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), attrs)) {
					finding("a malformed netlink event");
					continue;
				}
				for (const auto &a : attrs) {
					if (a.type != VPIN_A_EVENT)
						continue;
					std::vector<Attr> ev;
					if (!parse_attrs(a.data, a.len, ev)) {
						finding("a malformed VPIN_A_EVENT");
						continue;
					}
					for (const auto &x : ev)
						if (x.type == VPIN_EVENT_A_UID && me != 0 && attr_u64(x) &&
						    *attr_u64(x) != me)
							finding(format("uid %u received an event of uid %llu", me,
								       static_cast<unsigned long long>(*attr_u64(x))));
				}
			}
		}
		count(OpNlEvents, 0);
		return;
	}
	nlev_ = Genl();
	if (nlev_.open()) {
		nlev_ = Genl();
		return;
	}
	uint16_t fam;
	uint32_t grp;
	int err = nlev_.resolve(fam, grp);
	if (err || !grp) {
		nlev_ = Genl();
		if (err == -ETIMEDOUT || err == -EBADMSG || (!err && !grp))
			finding("resolving the vpin family and its events group failed");
		return;
	}
	family_ = family_ ? family_ : fam;
	int r = setsockopt(nlev_.fd(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp));
	note("join events group %u", grp);
	if (!check(OpNlEvents, r, errno)) {
		nlev_ = Genl();
		return;
	}
	nlev_left_ = static_cast<int>(rng_.range(1, 20));
}

// ---------------------------------------------------------------------------
// The loop

struct Weight {
	Op op;
	unsigned weight;
};

constexpr Weight kWeights[] = {
	{OpSessionOpen, 4}, {OpSessionClose, 2}, {OpMmap, 8},	     {OpMunmap, 3},
	{OpMprotect, 2},    {OpMadvise, 2},	 {OpTouch, 4},	     {OpPin, 14},
	{OpPinHostile, 5},  {OpUnpin, 5},	 {OpLease, 11},	     {OpLeaseHostile, 2},
	{OpUnlease, 5},	    {OpVersion, 1},	 {OpReadEvents, 5},  {OpPoll, 2},
	{OpAsync, 1},	    {OpFdinfo, 2},	 {OpTruncate, 2},    {OpFtruncate, 3},
	{OpOTrunc, 2},	    {OpFallocate, 4},	 {OpClone, 1},	     {OpCloneRange, 2},
	{OpDedupe, 2},	    {OpCopyRange, 2},	 {OpSwapext, 2},     {OpWrite, 2},
	{OpRepair, 4},	    {OpDaxCombo, 7},	 {OpFork, 2},	     {OpSend, 2},
	{OpRecv, 3},	    {OpNetlink, 3},	 {OpNlEvents, 1},    {OpMap, 4},
	{OpPolicy, 1},
};

unsigned weight_of(const Weight &w)
{
	return cfg.skip.count(w.op) ? 0 : w.weight;
}

Op Worker::choose()
{
	unsigned total = 0;
	for (const auto &w : kWeights)
		total += weight_of(w);
	uint64_t x = rng_.below(total);
	for (const auto &w : kWeights) {
		if (x < weight_of(w))
			return w.op;
		x -= weight_of(w);
	}
	return OpPin;
}

void Worker::dispatch(Op op)
{
	switch (op) {
	case OpSessionOpen: op_session_open(); break;
	case OpSessionClose: op_session_close(); break;
	case OpMmap: op_mmap(); break;
	case OpMunmap: op_munmap(); break;
	case OpMprotect: op_mprotect(); break;
	case OpMadvise: op_madvise(); break;
	case OpTouch: op_touch(); break;
	case OpPin: op_pin(); break;
	case OpPinHostile: op_pin_hostile(); break;
	case OpUnpin: op_unpin(); break;
	case OpMap: op_map(); break;
	case OpLease: op_lease(); break;
	case OpLeaseHostile: op_lease_hostile(); break;
	case OpUnlease: op_unlease(); break;
	case OpVersion: op_version(); break;
	case OpReadEvents: op_read_events(); break;
	case OpPoll: op_poll(); break;
	case OpAsync: op_async(); break;
	case OpFdinfo: op_fdinfo(); break;
	case OpTruncate: op_truncate(); break;
	case OpFtruncate: op_ftruncate(); break;
	case OpOTrunc: op_otrunc(); break;
	case OpFallocate: op_fallocate(); break;
	case OpClone: op_clone(false); break;
	case OpCloneRange: op_clone(true); break;
	case OpDedupe: op_dedupe(); break;
	case OpCopyRange: op_copy_range(); break;
	case OpSwapext: op_swapext(); break;
	case OpWrite: op_write(); break;
	case OpRepair: op_repair(); break;
	case OpDaxCombo: op_dax_combo(); break;
	case OpFork: op_fork(); break;
	case OpSend: op_send(); break;
	case OpRecv: op_recv(); break;
	case OpNetlink: op_netlink(); break;
	case OpNlEvents: op_nl_events(); break;
	case OpPolicy: op_policy(); break;
	case OpOpen:
	case OpKill:
	case OpCount: break;
	}
}

void Worker::run()
{
	install_worker_signals();
	const pid_t parent = getppid();
	while (!stopping()) {
		if (getppid() != parent)
			break;
		const Op op = choose();
		begin(op);
		dispatch(op);
		end();
		service_events();
	}
	heart().since.store(0);
}

} // namespace

namespace {

// ---------------------------------------------------------------------------
// The parent

struct Proc {
	pid_t pid = 0;
	bool kill_sent = false;
	int64_t killed_ns = 0;
};

std::vector<Proc> procs;
std::set<pid_t> lost;		// killed workers not reaped yet
pid_t companion_pid = 0;
int companion_status = -1;
uint64_t parent_findings = 0;
uint64_t kills = 0;
std::map<pid_t, std::string> history; // every worker pid: which worker it was

__attribute__((format(printf, 1, 2))) void parent_finding(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	std::string s = vformat(fmt, ap);
	va_end(ap);
	shm->findings.fetch_add(1);
	parent_findings++;
	std::string out;
	size_t pos = 0;
	bool first = true;
	while (pos <= s.size()) {
		size_t nl = s.find('\n', pos);
		if (nl == std::string::npos)
			nl = s.size();
		out += (first ? "# FINDING " : "#   ") + s.substr(pos, nl - pos) + "\n";
		first = false;
		pos = nl + 1;
	}
	emit(out);
}

[[noreturn]] void die(const std::string &why)
{
	emit("# vpin-fuzz: " + why + "\n");
	std::exit(2);
}

void drop_to_nobody()
{
	if (setgroups(0, nullptr) < 0 || setresgid(kNobody, kNobody, kNobody) < 0 ||
	    setresuid(kNobody, kNobody, kNobody) < 0) {
		emit("# vpin-fuzz: cannot become uid 65534\n");
		_exit(3);
	}
}

void close_fds_except(const std::set<int> &keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	std::vector<int> fds;
	while (struct dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			fds.push_back(std::atoi(e->d_name));
	closedir(d);
	for (int fd : fds)
		if (fd > 2 && !keep.count(fd))
			::close(fd);
}

void spawn(int index)
{
	Slot &slot = shm->slots[index];
	const uint32_t gen = slot.generation.load();
	const uint64_t seed = mix_seed(cfg.seed, static_cast<uint64_t>(index), gen);
	slot.seed.store(seed);
	slot.main.since.store(now_ns());
	slot.main.seq.store(0);
	slot.child.pid.store(0);
	slot.child.since.store(0);
	std::fflush(nullptr);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: " + errno_name(errno));
	if (pid == 0) {
		std::set<int> keep(cfg.inbox_tx.begin(), cfg.inbox_tx.end());
		keep.insert(cfg.inbox_rx[static_cast<size_t>(index)]);
		for (int fd : cfg.inbox_rx)
			if (!keep.count(fd))
				::close(fd);
		close_fds_except(keep);
		const std::string name = "vpfz-w" + std::to_string(index);
		prctl(PR_SET_NAME, name.c_str());
		write_file("/proc/self/oom_score_adj", "0\n");
		struct rlimit core = {0, 0};
		setrlimit(RLIMIT_CORE, &core);
		if (worker_uid(index) != 0)
			drop_to_nobody();
		// After the credential change, which clears it.
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		slot.main.pid.store(getpid());
		Worker w(index, seed);
		w.run();
		_exit(0);
	}
	procs[static_cast<size_t>(index)] = {pid, false, 0};
	history[pid] = format("worker %d generation %u (uid %u, seed 0x%llx)", index, gen, worker_uid(index),
			      static_cast<unsigned long long>(seed));
	slot.main.pid.store(pid);
	say("worker %d (uid %u) generation %u: pid %d, seed 0x%llx", index, worker_uid(index), gen, pid,
	    static_cast<unsigned long long>(seed));
	slot.generation.store(gen + 1);
}

// What a worker (or its forked child) is doing and did, from shared memory.
std::string heart_text(int i, const Heart &h, pid_t pid)
{
	const Slot &slot = shm->slots[i];
	std::string s = format("pid %d is worker %d%s (uid %u, seed 0x%llx); its operation now:\n  %s\nits previous operations, oldest first:",
			       pid, i, &h == &slot.child ? " (forked child)" : "", worker_uid(i),
			       static_cast<unsigned long long>(slot.seed.load()),
			       std::string(h.current, strnlen(h.current, kShmText)).c_str());
	const uint32_t next = h.log_next.load(std::memory_order_acquire);
	for (size_t k = next > kShmLog ? next - kShmLog : 0; k < next; k++)
		s += "\n  " + std::string(h.log[k % kShmLog], strnlen(h.log[k % kShmLog], kShmText));
	return s;
}

// Watches the kernel log from the start on. A complaint (and the lines
// after it: the trace) is a finding; the processes it names are matched
// to workers, whose current and last operations are printed with it.
class KmsgWatch {
public:
	void open()
	{
		fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd_ >= 0)
			lseek(fd_, 0, SEEK_END);
	}
	bool ok() const { return fd_ >= 0; }
	size_t complaints() const { return complaints_; }

	// Reads the log for ms, returning every line (complaints are noted as
	// usual).
	std::string capture(int64_t ms)
	{
		capture_ = true;
		captured_.clear();
		const int64_t until = now_ns() + ms * 1000000;
		while (now_ns() < until) {
			sleep_ms(50);
			poll();
		}
		capture_ = false;
		return captured_;
	}

	void poll()
	{
		if (fd_ < 0)
			return;
		char buf[8192];
		for (;;) {
			ssize_t n = ::read(fd_, buf, sizeof(buf) - 1);
			if (n < 0 && errno == EPIPE)
				continue; // overwritten records: go on with the next
			if (n <= 0)
				break;
			buf[n] = '\0';
			const char *msg = std::strchr(buf, ';');
			std::string line = msg ? msg + 1 : buf;
			line = line.substr(0, line.find('\n'));
			if (capture_)
				captured_ += "\n  " + line;
			if (complaint(line)) {
				complaints_++;
				tail_ = 60;
			}
			// The report's own lines, not the rate-limited chatter of
			// hostile netlink requests that may come in between.
			if (tail_ > 0 && line.rfind("netlink: ", 0) != 0) {
				tail_--;
				pending_ += "\n  " + line;
				note_pid(line);
			}
		}
		if (!pending_.empty() && tail_ == 0)
			flush();
	}

	// Reports what is pending, finished or not.
	void flush()
	{
		if (pending_.empty())
			return;
		std::string who;
		for (pid_t pid : pids_)
			who += describe(pid);
		parent_finding("the kernel complained:%s%s", pending_.c_str(), who.c_str());
		pending_.clear();
		pids_.clear();
	}

private:
	static bool complaint(const std::string &line)
	{
		// Not a kernel warning: mount(2) with MS_MANDLOCK says so.
		if (line.find("The mand mount option") != std::string::npos)
			return false;
		static const char *const patterns[] = {
			"WARNING:", "BUG:", "circular locking", "KASAN", "UBSAN", "hung task",
			"blocked for more than", "Oops", "general protection", "kernel BUG",
			"possible recursive locking", "inconsistent lock state",
			"lock held when returning", "refcount_t:", "list_add corruption",
			"list_del corruption", "soft lockup", "self-detected stall", "rcu: INFO",
			"Unable to handle", "KFENCE", "suspicious RCU usage",
			"sleeping function called from invalid context", "Bad page", "bad page state",
			"kmemleak",
		};
		for (const char *p : patterns)
			if (line.find(p) != std::string::npos)
				return true;
		return false;
	}

	void note_pid(const std::string &line)
	{
		const size_t at = line.find("PID: ");
		if (at == std::string::npos)
			return;
		const pid_t pid = std::atoi(line.c_str() + at + 5);
		if (pid > 0)
			pids_.insert(pid);
	}

	// The worker (or forked child) with that pid: what it was doing.
	static std::string describe(pid_t pid)
	{
		for (int i = 0; i < cfg.procs; i++) {
			Slot &slot = shm->slots[i];
			for (Heart *h : {&slot.main, &slot.child})
				if (h->pid.load() == pid)
					return "\n" + heart_text(i, *h, pid);
		}
		auto it = history.find(pid);
		if (it != history.end())
			return format("\npid %d was %s (gone since)", pid, it->second.c_str());
		return format("\npid %d is not a worker of vpin-fuzz", pid);
	}

	bool capture_ = false;
	std::string captured_;
	int fd_ = -1;
	int tail_ = 0;
	size_t complaints_ = 0;
	std::string pending_;
	std::set<pid_t> pids_;
};

KmsgWatch kmsg;

std::string proc_state(pid_t pid)
{
	const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
	const size_t close = stat.rfind(')');
	if (close == std::string::npos || close + 2 >= stat.size())
		return "?";
	return std::string(1, stat[close + 2]);
}

std::string proc_report(pid_t pid)
{
	const std::string p = "/proc/" + std::to_string(pid);
	std::string s = format("pid %d state %s wchan %s\nkernel stack:\n", pid, proc_state(pid).c_str(),
			       trim(read_file(p + "/wchan")).c_str());
	std::string stack = trim(read_file(p + "/stack"));
	s += stack.empty() ? "  (unreadable)" : stack;
	return s;
}

// Whether a task is in user space: over a few samples of its kernel stack,
// no frame but those of entering and leaving the kernel. A task spinning in
// the kernel shows its frames in some sample.
bool in_user_space(pid_t pid)
{
	static const char *const entry[] = {
		"entry_SYSCALL_64", "do_syscall_64", "exit_to_user_mode", "irqentry_exit",
		"asm_exc_page_fault", "asm_sysvec_", "asm_common_interrupt", "ret_from_fork",
	};
	const std::string path = "/proc/" + std::to_string(pid) + "/stack";
	for (int k = 0; k < 10; k++) {
		const std::string stack = read_file(path);
		size_t pos = 0;
		while (pos < stack.size()) {
			size_t nl = stack.find('\n', pos);
			if (nl == std::string::npos)
				nl = stack.size();
			const std::string frame = stack.substr(pos, nl - pos);
			pos = nl + 1;
			if (frame.empty())
				continue;
			bool known = false;
			for (const char *e : entry)
				known |= frame.find(e) != std::string::npos;
			if (!known)
				return false;
		}
		sleep_ms(20);
	}
	return true;
}

// CPU time (utime + stime, in ticks) of a task, -1 if it is gone.
long cpu_ticks(pid_t pid)
{
	const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
	const size_t close = stat.rfind(')');
	if (close == std::string::npos)
		return -1;
	// After the comm: state is field 3; utime and stime are 14 and 15.
	std::vector<std::string> f;
	size_t pos = close + 2;
	while (pos < stat.size() && f.size() < 14) {
		size_t sp = stat.find(' ', pos);
		if (sp == std::string::npos)
			sp = stat.size();
		f.push_back(stat.substr(pos, sp - pos));
		pos = sp + 1;
	}
	if (f.size() < 14)
		return -1;
	return std::atol(f[11].c_str()) + std::atol(f[12].c_str());
}

// Every runnable task but this one: a stuck worker may be waiting for one
// that spins. Their CPU time over a second tells spinning from starved.
std::string running_tasks()
{
	std::map<pid_t, long> before;
	DIR *d = opendir("/proc");
	if (!d)
		return "";
	while (struct dirent *e = readdir(d)) {
		const pid_t pid = std::atoi(e->d_name);
		if (pid > 1 && pid != getpid() && (proc_state(pid) == "R" || proc_state(pid) == "D"))
			before[pid] = cpu_ticks(pid);
	}
	closedir(d);
	sleep_ms(1000);
	std::string s = "\nrunnable (R) and blocked (D) tasks, with their CPU time over 1 s:";
	for (const auto &[pid, t0] : before) {
		const long t1 = cpu_ticks(pid);
		if (t1 < 0)
			continue;
		const std::string p = "/proc/" + std::to_string(pid);
		std::string stack;
		for (int k = 0; k < 5 && stack.empty(); k++) {
			stack = trim(read_file(p + "/stack"));
			if (stack.empty())
				sleep_ms(20);
		}
		s += format("\n%d %s state %s, %ld ticks: ", pid, trim(read_file(p + "/comm")).c_str(),
			    proc_state(pid).c_str(), t1 - t0);
		s += stack.empty() ? "(running)" : "\n" + stack;
	}
	return s;
}

// A worker (or its forked child) in one operation for too long.
void check_heartbeats(int64_t bound_ns)
{
	const int64_t now = now_ns();
	for (int i = 0; i < cfg.procs; i++) {
		Proc &pr = procs[static_cast<size_t>(i)];
		if (!pr.pid || pr.kill_sent)
			continue;
		Slot &slot = shm->slots[i];
		for (Heart *h : {&slot.main, &slot.child}) {
			const int64_t since = h->since.load(std::memory_order_acquire);
			const pid_t pid = h == &slot.main ? pr.pid : h->pid.load();
			if (!since || !pid || now - since < bound_ns)
				continue;
			const std::string state = proc_state(pid);
			if (state == "T" || state == "t") {
				// Stopped by someone (trinity can signal uid 65534): not stuck.
				say("worker %d: pid %d is stopped; continuing it", i, pid);
				::kill(pid, SIGCONT);
				h->since.store(now);
				continue;
			}
			if (state == "?" || state == "Z")
				continue; // gone meanwhile
			// In user space (no kernel frame but entry and exit), the task
			// waits for a CPU or for memory, not for vpin: it gets four
			// times as long before that counts (a guest short of memory,
			// trinity's doing, is slow, not stuck).
			if (now - since < 4 * bound_ns && in_user_space(pid))
				continue;
			// A running task has no readable stack: sample it, and have
			// the kernel print the stacks of the CPUs and of the tasks
			// that are blocked.
			std::string report = proc_report(pid);
			for (int k = 0; k < 5 && report.find("[<") == std::string::npos; k++) {
				sleep_ms(100);
				report = proc_report(pid);
			}
			report += "\n/proc/" + std::to_string(pid) + "/syscall: " +
				  trim(read_file("/proc/" + std::to_string(pid) + "/syscall"));
			report += running_tasks();
			write_file("/proc/sysrq-trigger", "l\n");
			write_file("/proc/sysrq-trigger", "w\n");
			const std::string sysrq = kmsg.capture(1500);
			parent_finding("worker %d%s stuck for %.1f s in %s (seed 0x%llx, op #%llu)\n%s\n%s\nkernel log (sysrq l and w):%s",
				       i, h == &slot.child ? " (forked child)" : "",
				       static_cast<double>(now - since) / 1e9,
				       op_table()[h->op.load() % OpCount].name,
				       static_cast<unsigned long long>(slot.seed.load()),
				       static_cast<unsigned long long>(h->seq.load()), heart_text(i, *h, pid).c_str(),
				       report.c_str(), sysrq.c_str());
			if (h == &slot.child)
				say("worker %d: the stuck child's parent: %s", i, proc_report(pr.pid).c_str());
			::kill(pid, SIGKILL);
			::kill(pr.pid, SIGKILL);
			pr.kill_sent = true;
			pr.killed_ns = now_ns();
			break;
		}
	}
}

// Reaps whatever ended: workers, their orphans (we are a subreaper), the
// companion. Respawns workers unless stopping.
void reap(bool respawn)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			return;
		lost.erase(pid);
		if (pid == companion_pid) {
			companion_status = status;
			companion_pid = 0;
			if (respawn)
				say("the companion ended early (status 0x%x)", status);
			continue;
		}
		for (int i = 0; i < cfg.procs; i++) {
			Proc &pr = procs[static_cast<size_t>(i)];
			if (pr.pid != pid)
				continue;
			if (WIFSIGNALED(status) && !(WTERMSIG(status) == SIGKILL && pr.kill_sent))
				parent_finding("worker %d (pid %d, seed 0x%llx) died of signal %d (%s)", i, pid,
					       static_cast<unsigned long long>(shm->slots[i].seed.load()),
					       WTERMSIG(status), strsignal(WTERMSIG(status)));
			else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
				parent_finding("worker %d (pid %d, seed 0x%llx) exited with status %d", i, pid,
					       static_cast<unsigned long long>(shm->slots[i].seed.load()),
					       WEXITSTATUS(status));
			pr.pid = 0;
			shm->slots[i].main.pid.store(0);
			shm->slots[i].main.since.store(0);
			if (respawn)
				spawn(i);
		}
	}
}

// Workers that were SIGKILLed but have not been reaped yet get replaced at
// once; they stay on the lost list until reaped.
void respawn_killed()
{
	for (int i = 0; i < cfg.procs; i++) {
		Proc &pr = procs[static_cast<size_t>(i)];
		// Give it a moment to die; replace it if it does not.
		if (pr.pid && pr.kill_sent && now_ns() - pr.killed_ns > 2000000000ll) {
			if (proc_state(pr.pid) == "Z" || proc_state(pr.pid) == "?")
				continue; // reap() will respawn
			lost.insert(pr.pid);
			pr.pid = 0;
			shm->slots[i].main.pid.store(0);
			spawn(i);
		}
	}
}

void start_companion()
{
	if (cfg.companion.empty())
		return;
	std::fflush(nullptr);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: " + errno_name(errno));
	if (pid == 0) {
		close_fds_except({});
		setsid();
		write_file("/proc/self/oom_score_adj", "1000\n");
		// Into its cgroup while still root: its memory limit keeps a
		// memfd grown to gigabytes from starving the whole guest.
		if (!cfg.companion_cgroup.empty())
			write_file(cfg.companion_cgroup + "/cgroup.procs", "0\n");
		int out = ::open(cfg.companion_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (out >= 0) {
			if (fchown(out, kNobody, kNobody) < 0) {
				// /dev/null and the like
			}
			dup2(out, 1);
			dup2(out, 2);
		}
		if (in >= 0)
			dup2(in, 0);
		drop_to_nobody();
		if (!cfg.companion_dir.empty() && chdir(cfg.companion_dir.c_str()) < 0)
			_exit(4);
		setenv("HOME", cfg.companion_dir.empty() ? "/tmp" : cfg.companion_dir.c_str(), 1);
		execl("/bin/sh", "sh", "-c", cfg.companion.c_str(), static_cast<char *>(nullptr));
		_exit(127);
	}
	companion_pid = pid;
	say("companion (uid 65534): pid %d: %s", pid, cfg.companion.c_str());
}

std::vector<pid_t> uid_processes(uid_t uid)
{
	std::vector<pid_t> out;
	DIR *d = opendir("/proc");
	if (!d)
		return out;
	while (struct dirent *e = readdir(d)) {
		const pid_t pid = std::atoi(e->d_name);
		if (pid <= 1)
			continue;
		struct stat st;
		if (::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0 && st.st_uid == uid)
			out.push_back(pid);
	}
	closedir(d);
	return out;
}

// Ends the companion and everything of uid 65534 it left behind (it runs
// as that uid and may escape its session); our own workers are gone by then.
void stop_companion()
{
	if (cfg.companion.empty())
		return;
	const pid_t me = getpid();
	for (int round = 0; round < 100; round++) {
		if (companion_pid)
			::kill(-companion_pid, SIGKILL);
		std::vector<pid_t> left = uid_processes(kNobody);
		left.erase(std::remove(left.begin(), left.end(), me), left.end());
		for (pid_t pid : left)
			::kill(pid, SIGKILL);
		reap(false);
		if (left.empty() && !companion_pid)
			return;
		sleep_ms(100);
	}
	say("some processes of uid 65534 did not go away");
}

bool vpin_status(Stats &st, std::string &why)
{
	Genl nl;
	uint16_t family;
	uint32_t group;
	int err = nl.open(10000);
	if (!err)
		err = nl.resolve(family, group);
	if (err) {
		why = "resolving the vpin family: " + errno_name(-err);
		return false;
	}
	bool parsed = false;
	err = nl.request(family, VPIN_CMD_GET_STATUS, NLM_F_ACK, {}, [&](const Genl::Message &m) {
		parsed = parse_status(m, st, why);
	});
	if (err) {
		why = "GET_STATUS: " + errno_name(-err);
		return false;
	}
	if (!parsed && why.empty())
		why = "GET_STATUS: no reply";
	return parsed;
}

std::string vpin_sessions_listing()
{
	Genl nl;
	uint16_t family;
	uint32_t group;
	if (nl.open(10000) || nl.resolve(family, group))
		return "";
	std::string out;
	nl.request(family, VPIN_CMD_GET_SESSIONS, NLM_F_DUMP, {}, [&](const Genl::Message &m) {
		for (const auto &a : m.attrs) {
			if (a.type != VPIN_A_SESSION)
				continue;
			std::vector<Attr> in;
			parse_attrs(a.data, a.len, in);
			unsigned long long id = 0, pid = 0, uid = 0, pins = 0, leases = 0;
			std::string comm;
			for (const auto &x : in) {
				auto v = attr_u64(x);
				switch (x.type) {
				case VPIN_SESSION_A_ID: id = v ? *v : 0; break;
				case VPIN_SESSION_A_PID: pid = v ? *v : 0; break;
				case VPIN_SESSION_A_UID: uid = v ? *v : 0; break;
				case VPIN_SESSION_A_PINS: pins = v ? *v : 0; break;
				case VPIN_SESSION_A_LEASES: leases = v ? *v : 0; break;
				case VPIN_SESSION_A_COMM: comm.assign(x.data, strnlen(x.data, x.len)); break;
				}
			}
			out += format("session %llu pid %llu uid %llu comm %s: %llu pins, %llu leases\n", id,
				      pid, uid, comm.c_str(), pins, leases);
		}
	});
	return out;
}

long vmstat_value(const std::string &text, const std::string &key)
{
	size_t pos = 0;
	while (pos < text.size()) {
		size_t nl = text.find('\n', pos);
		if (nl == std::string::npos)
			nl = text.size();
		if (text.compare(pos, key.size() + 1, key + " ") == 0)
			return std::atol(text.c_str() + pos + key.size() + 1);
		pos = nl + 1;
	}
	return -1;
}

long foll_pin_imbalance()
{
	write_file("/proc/sys/vm/stat_refresh", "1\n");
	const std::string v = read_file("/proc/vmstat");
	return vmstat_value(v, "nr_foll_pin_acquired") - vmstat_value(v, "nr_foll_pin_released");
}


// Files for every worker in every directory, owned by the worker's uid and
// readable by all; the fifo, and a tmpfs file per worker.
void make_files()
{
	std::vector<char> data(kFilePages * kPage);
	Rng rng(cfg.seed ^ 0xf11e);
	for (size_t d = 0; d < cfg.dirs.size(); d++) {
		for (int w = 0; w < cfg.procs; w++) {
			for (int k = -1; k < kFiles; k++) {
				const std::string path = worker_file(cfg.dirs[d], w, k);
				::unlink(path.c_str());
				Fd fd(::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644));
				if (!fd)
					die("create " + path + ": " + errno_name(errno));
				for (size_t i = 0; i < data.size(); i += 8) {
					uint64_t v = rng.next();
					std::memcpy(data.data() + i, &v, 8);
				}
				if (::pwrite(fd.get(), data.data(), data.size(), 0) !=
					    static_cast<ssize_t>(data.size()) ||
				    ::fsync(fd.get()) < 0)
					die("write " + path + ": " + errno_name(errno));
				if (fchown(fd.get(), worker_uid(w), worker_uid(w)) < 0)
					die("chown " + path + ": " + errno_name(errno));
			}
		}
	}
	cfg.fifo = cfg.dirs[0].path + "/fifo";
	::unlink(cfg.fifo.c_str());
	if (mkfifo(cfg.fifo.c_str(), 0666) < 0 || chmod(cfg.fifo.c_str(), 0666) < 0)
		die("mkfifo " + cfg.fifo + ": " + errno_name(errno));
	for (int w = 0; w < cfg.procs; w++) {
		const std::string path = shm_file(w);
		::unlink(path.c_str());
		Fd fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
		if (!fd || ::pwrite(fd.get(), data.data(), data.size(), 0) < 0 ||
		    fchown(fd.get(), worker_uid(w), worker_uid(w)) < 0)
			die("create " + path + ": " + errno_name(errno));
	}
}

void remove_files()
{
	for (const auto &d : cfg.dirs)
		for (int w = 0; w < cfg.procs; w++)
			for (int k = -1; k < kFiles; k++)
				::unlink(worker_file(d, w, k).c_str());
	::unlink(cfg.fifo.c_str());
	for (int w = 0; w < cfg.procs; w++)
		::unlink(shm_file(w).c_str());
}

Dir describe_dir(const std::string &path)
{
	Dir d;
	d.path = path;
	struct statfs sf;
	struct stat st;
	if (statfs(path.c_str(), &sf) < 0 || ::stat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
		die(path + " is not a directory");
	d.dev = st.st_dev;
	// Is the mount DAX? The longest mount point of /proc/self/mounts that
	// contains the directory says.
	std::string best, opts, type;
	const std::string mounts = read_file("/proc/self/mounts", 1 << 20);
	size_t pos = 0;
	while (pos < mounts.size()) {
		size_t nl = mounts.find('\n', pos);
		if (nl == std::string::npos)
			nl = mounts.size();
		char dev[256], mnt[1024], fstype[64], o[1024];
		if (std::sscanf(mounts.substr(pos, nl - pos).c_str(), "%255s %1023s %63s %1023s", dev, mnt,
				fstype, o) == 4) {
			std::string m = mnt;
			if ((path == m || path.rfind(m == "/" ? m : m + "/", 0) == 0) && m.size() >= best.size()) {
				best = m;
				opts = o;
				type = fstype;
			}
		}
		pos = nl + 1;
	}
	const std::string o = "," + opts + ",";
	d.dax = o.find(",dax,") != std::string::npos || o.find(",dax=always,") != std::string::npos;
	d.xfs = type == "xfs";
	d.kind = type + (d.dax ? "-dax" : "");
	return d;
}

void usage()
{
	emit("usage: vpin-fuzz --seconds N [--seed S] [--procs P] --dir DIR [--dir DIR...]\n"
	     "                 [--break-ms MS] [--stuck-after SECONDS] [--companion CMD]\n"
	     "                 [--companion-dir DIR] [--companion-log FILE]\n"
	     "                 [--companion-cgroup DIR] [--skip OP,...]\n"
	     "                 [--avoid-known] [--verbose]\n");
	std::exit(2);
}

void parse_args(int argc, char **argv)
{
	bool seeded = false;
	std::vector<std::string> dirs;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc)
				usage();
			return argv[++i];
		};
		if (a == "--seconds")
			cfg.seconds = std::atoll(value().c_str());
		else if (a == "--seed") {
			cfg.seed = std::strtoull(value().c_str(), nullptr, 0);
			seeded = true;
		} else if (a == "--procs")
			cfg.procs = std::atoi(value().c_str());
		else if (a == "--dir")
			dirs.push_back(value());
		else if (a == "--break-ms")
			cfg.break_ms = static_cast<unsigned>(std::atoi(value().c_str()));
		else if (a == "--stuck-after")
			cfg.stuck_after_s = std::atoll(value().c_str());
		else if (a == "--companion")
			cfg.companion = value();
		else if (a == "--companion-dir")
			cfg.companion_dir = value();
		else if (a == "--companion-cgroup")
			cfg.companion_cgroup = value();
		else if (a == "--companion-log")
			cfg.companion_log = value();
		else if (a == "--verbose" || a == "-v")
			cfg.verbose = true;
		else if (a == "--avoid-known")
			cfg.avoid_known = true;
		else if (a == "--skip") {
			// Operation names as in the summary, comma-separated.
			std::string list = value() + ",";
			for (size_t pos = 0, c; (c = list.find(',', pos)) != std::string::npos; pos = c + 1) {
				const std::string name = list.substr(pos, c - pos);
				unsigned op = 0;
				while (op < OpCount && name != op_table()[op].name)
					op++;
				if (op == OpCount)
					die("--skip: no operation '" + name + "'");
				cfg.skip.insert(op);
			}
		}
		else
			usage();
	}
	if (dirs.empty() || cfg.seconds <= 0 || cfg.procs < 1 || cfg.procs > kMaxProcs || !cfg.break_ms)
		usage();
	if (!seeded) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		cfg.seed = static_cast<uint64_t>(ts.tv_sec) * 1000003u ^ static_cast<uint64_t>(ts.tv_nsec) ^
			   static_cast<uint64_t>(getpid());
	}
	if (!cfg.stuck_after_s)
		cfg.stuck_after_s = cfg.break_ms / 1000 + 10;
	for (const auto &d : dirs)
		cfg.dirs.push_back(describe_dir(d));
}

void summary(int64_t elapsed_ns)
{
	say("summary: %.0f s, %d workers, seed 0x%llx (--seed %llu)", static_cast<double>(elapsed_ns) / 1e9,
	    cfg.procs, static_cast<unsigned long long>(cfg.seed), static_cast<unsigned long long>(cfg.seed));
	uint64_t total = 0;
	for (unsigned op = 0; op < OpCount; op++) {
		const uint64_t n = shm->ops[op].load();
		total += n;
		std::string errs;
		for (size_t e = 0; e <= kErrMax + 1; e++) {
			const uint64_t c = shm->errs[op][e].load();
			if (c)
				errs += format(" %s=%llu", e > kErrMax ? "other" : errno_name(static_cast<int>(e)).c_str(),
					       static_cast<unsigned long long>(c));
		}
		if (n || !errs.empty())
			say("  %-16s %7llu ops:%s", op_table()[op].name, static_cast<unsigned long long>(n),
			    errs.empty() ? " (steps counted under their own kinds)" : errs.c_str());
	}
	say("operations: %llu; workers killed at random: %llu; forked children: %llu",
	    static_cast<unsigned long long>(total), static_cast<unsigned long long>(kills),
	    static_cast<unsigned long long>(shm->children.load()));
	say("breaks: %llu break events (released %llu, ignored %llu), %llu revoked events, %llu revocation SIGBUS",
	    static_cast<unsigned long long>(shm->ev_break.load()),
	    static_cast<unsigned long long>(shm->released_on_break.load()),
	    static_cast<unsigned long long>(shm->ignored_break.load()),
	    static_cast<unsigned long long>(shm->ev_revoked.load()),
	    static_cast<unsigned long long>(shm->sigbus_revoke.load()));
	say("faults: %llu SIGBUS, %llu SIGSEGV on guarded accesses; %llu SIGIO; sessions sent %llu, received %llu; xfs swapext done %llu",
	    static_cast<unsigned long long>(shm->sigbus_fault.load()),
	    static_cast<unsigned long long>(shm->segv_fault.load()),
	    static_cast<unsigned long long>(shm->sigio.load()),
	    static_cast<unsigned long long>(shm->sessions_sent.load()),
	    static_cast<unsigned long long>(shm->sessions_received.load()),
	    static_cast<unsigned long long>(shm->swapext_done.load()));
	say("findings: %llu", static_cast<unsigned long long>(shm->findings.load()));
}

int fuzz_main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (geteuid() != 0)
		die("run me as root (inside the test guest)");
	if (access(VPIN_DEVICE_PATH, F_OK) < 0)
		die(VPIN_DEVICE_PATH " does not exist: load vpin first");
	setvbuf(stdout, nullptr, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	write_file("/proc/self/oom_score_adj", "-1000\n");

	void *mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap: " + errno_name(errno));
	shm = new (mem) Shared();

	say("vpin-fuzz: %lld s, %d workers, seed 0x%llx (--seed %llu), break_time_ms %u, stuck after %lld s",
	    static_cast<long long>(cfg.seconds), cfg.procs, static_cast<unsigned long long>(cfg.seed),
	    static_cast<unsigned long long>(cfg.seed), cfg.break_ms, static_cast<long long>(cfg.stuck_after_s));
	for (const auto &d : cfg.dirs)
		say("directory %s: %s", d.path.c_str(), d.kind.c_str());

	// The kernel log from now on.
	kmsg.open();

	const std::string break_param = "/sys/module/vpin/parameters/break_time_ms";
	const std::string old_break = trim(read_file(break_param));
	const std::string old_lease_break = trim(read_file("/proc/sys/fs/lease-break-time"));
	if (!write_file(break_param, std::to_string(cfg.break_ms) + "\n"))
		die("cannot set " + break_param);
	// The kernel's own leases (fcntl F_SETLEASE, which trinity may take on
	// files of uid 65534) make O_TRUNC opens wait: not for long.
	write_file("/proc/sys/fs/lease-break-time", "1\n");

	for (auto &d : cfg.dirs)
		if (chmod(d.path.c_str(), 01777) < 0)
			die("chmod " + d.path + ": " + errno_name(errno));
	make_files();

	for (int i = 0; i < cfg.procs; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair: " + errno_name(errno));
		cfg.inbox_rx.push_back(sv[0]);
		cfg.inbox_tx.push_back(sv[1]);
	}

	procs.assign(static_cast<size_t>(cfg.procs), Proc{});
	const int64_t t0 = now_ns();
	const int64_t end = t0 + cfg.seconds * 1000000000;
	const int64_t bound = cfg.stuck_after_s * 1000000000;
	for (int i = 0; i < cfg.procs; i++)
		spawn(i);
	start_companion();

	Rng rng(mix_seed(cfg.seed, 0xffff, 0));
	int64_t next_kill = now_ns() + static_cast<int64_t>(rng.range(1000, 6000)) * 1000000;
	int64_t next_progress = t0 + 30 * 1000000000ll;
	while (now_ns() < end) {
		sleep_ms(100);
		kmsg.poll();
		reap(true);
		check_heartbeats(bound);
		respawn_killed();
		const int64_t now = now_ns();
		if (now >= next_kill) {
			const int i = static_cast<int>(rng.index(static_cast<size_t>(cfg.procs)));
			Proc &pr = procs[static_cast<size_t>(i)];
			if (pr.pid && !pr.kill_sent) {
				shm->ops[OpKill].fetch_add(1);
				shm->errs[OpKill][0].fetch_add(1);
				kills++;
				pr.kill_sent = true;
				pr.killed_ns = now;
				::kill(pr.pid, SIGKILL);
			}
			next_kill = now + static_cast<int64_t>(rng.range(1000, 6000)) * 1000000;
		}
		if (now >= next_progress) {
			uint64_t total = 0;
			for (unsigned op = 0; op < OpCount; op++)
				total += shm->ops[op].load();
			say("%lld s: %llu operations, %llu findings, %lld MiB available",
			    static_cast<long long>((now - t0) / 1000000000), static_cast<unsigned long long>(total),
			    static_cast<unsigned long long>(shm->findings.load()), mem_available_mib());
			next_progress += 30 * 1000000000ll;
		}
	}

	// The end: everything dies at once, as SIGKILL does it.
	shm->stop.store(1);
	for (auto &pr : procs)
		if (pr.pid) {
			pr.kill_sent = true;
			::kill(pr.pid, SIGKILL);
		}
	for (int i = 0; i < cfg.procs; i++) {
		const pid_t c = shm->slots[i].child.pid.load();
		if (c > 0)
			::kill(c, SIGKILL);
	}
	stop_companion();
	const int64_t reap_until = now_ns() + 30 * 1000000000ll;
	for (;;) {
		reap(false);
		bool left = !lost.empty();
		for (const auto &pr : procs)
			left |= pr.pid != 0;
		if (!left)
			break;
		if (now_ns() > reap_until) {
			std::string who;
			for (const auto &pr : procs)
				if (pr.pid)
					who += "\n" + proc_report(pr.pid);
			for (pid_t pid : lost)
				who += "\n" + proc_report(pid);
			parent_finding("killed workers did not go away within 30 s:%s", who.c_str());
			break;
		}
		sleep_ms(100);
	}
	// Reap the orphans of the workers too (we are their subreaper).
	while (waitpid(-1, nullptr, WNOHANG) > 0)
		;
	// Sessions in flight in the inboxes go with the sockets.
	for (int fd : cfg.inbox_rx)
		::close(fd);
	for (int fd : cfg.inbox_tx)
		::close(fd);

	// Everything must return to zero (session teardown of in-flight
	// descriptors runs from the unix socket garbage collector: wait a bit).
	Stats st;
	std::string why;
	bool zero = false;
	for (int i = 0; i < 300 && !zero; i++) {
		st = Stats();
		why.clear();
		if (!vpin_status(st, why))
			break;
		zero = st.zero();
		if (!zero)
			sleep_ms(100);
	}
	if (!why.empty())
		parent_finding("vpin status at the end: %s", why.c_str());
	else if (!zero)
		parent_finding("vpin totals did not return to zero: %s\n%s", st.str().c_str(),
			       vpin_sessions_listing().c_str());
	else
		say("vpin totals are back to zero: %s", st.str().c_str());

	long imbalance = 0;
	for (int i = 0; i < 300; i++) {
		imbalance = foll_pin_imbalance();
		if (imbalance == 0)
			break;
		sleep_ms(100);
	}
	if (imbalance)
		parent_finding("nr_foll_pin_acquired - nr_foll_pin_released = %ld at the end", imbalance);
	else
		say("FOLL_PIN counters balance");

	kmsg.poll();
	kmsg.flush();
	if (kmsg.ok() && !kmsg.complaints())
		say("no kernel complaint in the log");
	else if (kmsg.ok())
		say("%zu kernel complaint(s) in the log", kmsg.complaints());

	write_file(break_param, (old_break.empty() ? "0" : old_break) + "\n");
	if (!old_lease_break.empty())
		write_file("/proc/sys/fs/lease-break-time", old_lease_break + "\n");
	remove_files();
	summary(now_ns() - t0);
	if (companion_status >= 0 && !(WIFSIGNALED(companion_status) && WTERMSIG(companion_status) == SIGKILL))
		say("the companion ended with status 0x%x", companion_status);
	return shm->findings.load() ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
	return fuzz_main(argc, argv);
}
