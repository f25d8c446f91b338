// SPDX-License-Identifier: GPL-2.0
// The rows of docs/dax-paths.md that the protect, break and harden programs
// leave out: the other ways to wait for, drop, free or move the blocks of an
// FS-DAX file while vpin pins them, on ext4 -o dax and xfs -o dax, under an
// exclusive lease (E: refused at once) and a breakable one (B: broken first,
// or refused where nothing can break), with the pinned pages mapped (M) and
// not (U): io_uring's FALLOCATE, FTRUNCATE and OPENAT, MADV_REMOVE, the
// preallocation ioctls, every fallocate mode, reflink with the pinned inode
// first and second, shared extents at grant time, ext4's MOVE_EXT and
// SWAP_BOOT, xfs's SWAPEXT and COMMIT_RANGE, the loop driver, LIO and nvmet
// block targets, overlayfs, core dumps, freezing, shutdown and the calls that
// must change nothing. Every test checks the answer, how long it took, the
// file's size and data, that no pin is left, and (through the guest) that
// nothing WARNs. docs/dax-paths.md cites the tests by name.
#include "tap.hpp"
#include "util.hpp"

#include <vpin/check.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <liburing.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <linux/loop.h>
#include <memory>
#include <poll.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using vt::contents;
using vt::offset;
using vt::open_file;
using vt::pages;
using vt::with;
using vt::zeros;
using vt::ext4_dax;
using vt::FsKind;
using vt::ms_str;
using vt::now_ns;
using vt::xfs_dax;

constexpr size_t file_pages = 16;
// The holder pins pages [pin_first, pin_first + pin_pages) for writing.
constexpr size_t pin_first = 2;
constexpr size_t pin_pages = 4;

constexpr int64_t ms_ns = 1000000;
// break_time_ms during every test.
constexpr int64_t break_ms = 1000;
// Refusals and calls that break nothing return within this.
constexpr int64_t refuse_ms = 1000;
// A changer finishes this soon after the holder released the lease (the
// time includes the changer process's exit).
constexpr int64_t prompt_ms = 500;
// A revoking changer finishes within this after the break time.
constexpr int64_t revoke_slack_ms = 800;
constexpr int event_timeout_ms = 10000;

std::string pattern(uint64_t seed, size_t n = file_pages)
{
	std::string s(pages(n), '\0');
	vt::fill_pattern(s.data(), s.size(), seed);
	return s;
}

// Fails unless the file holds want, naming the size or the first page that differs.
void check_contents(const std::string &what, const std::string &path, const std::string &want)
{
	const std::string got = contents(path);
	if (got.size() != want.size())
		tap::fail(what + ": " + path + " has " + std::to_string(got.size()) +
				  " bytes, expected " + std::to_string(want.size()),
			  __FILE__, __LINE__);
	const auto diff = std::mismatch(got.begin(), got.end(), want.begin()).first;
	if (diff != got.end())
		tap::fail(what + ": page " +
				  std::to_string(static_cast<size_t>(diff - got.begin()) / pages(1)) +
				  " of " + path + " is not as expected",
			  __FILE__, __LINE__);
}

ino_t ino_of(const std::string &path)
{
	struct stat st;
	CHECK_OK(stat(path.c_str(), &st));
	return st.st_ino;
}

bool is_dax(const std::string &path)
{
	struct statx stx = {};
	CHECK_OK(statx(AT_FDCWD, path.c_str(), 0, STATX_BASIC_STATS, &stx));
	CHECK(stx.stx_attributes_mask & vpin::statx_attr_dax);
	return stx.stx_attributes & vpin::statx_attr_dax;
}

using vt::any_shared;
using vt::block_map;
using vt::count_sigbus;
using vt::sigbus_count;

void on_usr1(int) {}

// ---------------------------------------------------------------------------
// The file systems. mkfs takes seconds under TCG, so one ext4 and one xfs are
// made per run of this program and reused from test to test, each test in a
// directory of its own. They are made smaller than the device, for the test
// that grows them, and unmounted when the program ends.

std::string mountpoint(const FsKind &k)
{
	// vt::DaxFs's mountpoints: other programs unmount them before mkfs.
	return "/mnt/vpin-" + std::string(k.type) + std::to_string(k.pmem);
}

std::string device(const FsKind &k)
{
	return "/dev/pmem" + std::to_string(k.pmem);
}

// A file in the file system itself tells that this run made it.
std::string marker(pid_t run)
{
	return ".vpin-t-dax_paths-" + std::to_string(run);
}

// The options of what is mounted on mnt, "" for nothing.
std::string mount_options(const std::string &mnt)
{
	std::ifstream in("/proc/mounts");
	std::string line, found;
	while (std::getline(in, line)) {
		std::istringstream f(line);
		std::string dev, dir, type, opts;
		f >> dev >> dir >> type >> opts;
		if (dir == mnt)
			found = opts;
	}
	return found;
}

bool dax_always(const std::string &opts)
{
	std::istringstream in(opts);
	std::string o;
	while (std::getline(in, o, ','))
		if (o == "dax" || o == "dax=always")
			return true;
	return false;
}

bool exists(const std::string &path)
{
	return access(path.c_str(), F_OK) == 0;
}

uint64_t device_bytes(const FsKind &k)
{
	std::ifstream in("/sys/class/block/pmem" + std::to_string(k.pmem) + "/size");
	uint64_t sectors = 0;
	in >> sectors;
	CHECK(sectors > 0);
	return sectors * 512;
}

// What a fresh file system takes of the device: xfs needs 300 MiB at least.
uint64_t made_bytes(const FsKind &k)
{
	const uint64_t dev = device_bytes(k);
	return k.is_xfs() ? dev / 4 * 3 : dev / 2;
}

class Fs {
public:
	explicit Fs(const FsKind &k) : kind_(k), dev_(device(k)), mnt_(mountpoint(k))
	{
		if (!exists(dev_))
			tap::skip(dev_ + " does not exist");
		// Tests run in children of the TAP process: it identifies the run.
		const std::string mark = mnt_ + "/" + marker(getppid());
		std::string opts = mount_options(mnt_);
		if (!opts.empty() && !(dax_always(opts) && exists(mark))) {
			CHECK_OK(umount(mnt_.c_str()));
			opts.clear();
		}
		if (opts.empty()) {
			mkdir(mnt_.c_str(), 0755);
			if (mount(dev_.c_str(), mnt_.c_str(), k.type, 0, "dax") != 0 || !exists(mark)) {
				umount(mnt_.c_str());
				make(mark);
			}
		}
		std::string tmpl = mnt_ + "/t.XXXXXX";
		CHECK(mkdtemp(tmpl.data()) != nullptr);
		dir_ = tmpl;
	}

	const FsKind &kind() const { return kind_; }
	const std::string &mnt() const { return mnt_; }
	const std::string &dev() const { return dev_; }
	std::string path(const std::string &name) const { return dir_ + "/" + name; }
	// A fully written file of n pages of pattern seed.
	std::string file(const std::string &name, uint64_t seed = 1, size_t n = file_pages) const
	{
		const std::string p = path(name);
		vt::make_file(p, pages(n), seed);
		return p;
	}

private:
	void make(const std::string &mark)
	{
		const uint64_t bytes = made_bytes(kind_);
		const std::string mkfs =
			kind_.is_xfs() ? "mkfs.xfs -q -f -d size=" + std::to_string(bytes) + " " + dev_
				       : "mkfs.ext4 -q -F -b 4096 " + dev_ + " " +
						 std::to_string(bytes / 4096);
		if (vt::sh(mkfs + " >/dev/null 2>&1") != 0)
			tap::fail("cannot run " + mkfs, __FILE__, __LINE__);
		if (mount(dev_.c_str(), mnt_.c_str(), kind_.type, 0, "dax") != 0)
			tap::fail("mount -o dax " + dev_ + ": " + tap::errno_name(errno), __FILE__,
				  __LINE__);
		if (!dax_always(mount_options(mnt_)))
			tap::fail(mnt_ + " is not mounted with dax: " + mount_options(mnt_), __FILE__,
				  __LINE__);
		vt::Fd mk(CHECK_OK(open(mark.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)));
		// The first lease of a file system type installs vpin's hooks for
		// it (seconds under TCG): not in any test's timing.
		CHECK_OK(ftruncate(mk.get(), pages(1)));
		auto s = vt::open_session();
		uint64_t id = 0;
		CHECK_OK(vt::lease(s.get(), mk.get(), VPIN_LEASE_BREAKABLE, &id));
		CHECK_OK(vt::unlease(s.get(), id));
	}

	const FsKind &kind_;
	std::string dev_, mnt_, dir_;
};

// In the TAP process: unmount what this run made, so that the next program
// finds the devices free.
struct Cleanup {
	pid_t pid = getpid();
	~Cleanup()
	{
		if (getpid() != pid)
			return;
		for (const FsKind *k : {&ext4_dax, &xfs_dax}) {
			const std::string mnt = mountpoint(*k);
			if (exists(mnt + "/" + marker(pid)) && umount(mnt.c_str()) != 0)
				umount2(mnt.c_str(), MNT_DETACH);
		}
	}
} cleanup;

// ---------------------------------------------------------------------------
// The lease holder: this process. It maps the file shared and writable,
// takes the lease (exclusive through a writable descriptor, breakable
// through a read-only one), and pins pages [2, 6) (for writing on DAX). U
// (unmapped) then unmaps the file: only the pin reaches the pages.

struct Holder {
	Holder(const std::string &p, uint32_t t, bool mapped, size_t n = file_pages)
		: path(p), type(t), rw(open_file(p, O_RDWR)),
		  map(std::make_unique<vt::Map>(pages(n), PROT_READ | PROT_WRITE, MAP_SHARED,
						rw.get(), 0)),
		  session(vt::open_session())
	{
		const bool dax = is_dax(p);
		if (type == VPIN_LEASE_EXCLUSIVE) {
			CHECK_OK(vt::lease(session.get(), rw.get(), type, &lease));
		} else {
			vt::Fd ro = open_file(p, O_RDONLY);
			CHECK_OK(vt::lease(session.get(), ro.get(), type, &lease));
		}
		CHECK_OK(vt::pin(session.get(), map->addr() + pages(pin_first), pages(pin_pages),
				 dax ? VPIN_PIN_F_WRITE : 0, &pin));
		CHECK_EQ(base.pinned(), static_cast<long>(pin_pages));
		if (!mapped)
			map.reset();
	}

	bool exclusive() const { return type == VPIN_LEASE_EXCLUSIVE; }

	// Unpin (an exclusive lease is not released while pinned) and unlease.
	void release()
	{
		if (exclusive())
			CHECK_OK(vt::unpin(session.get(), pin));
		CHECK_OK(vt::unlease(session.get(), lease));
	}

	// alone: no other process pins or unpins meanwhile, so that the
	// system-wide FOLL_PIN count is this holder's.
	void check_held(const std::string &state = "granted", bool alone = true) const
	{
		auto leases = vt::fdinfo(session.get(), "lease");
		CHECK_EQ(leases.size(), size_t{1});
		vt::check_field(vt::fdinfo_entry(leases, lease), "state", state);
		CHECK_EQ(vt::fdinfo(session.get(), "pin").size(), size_t{1});
		if (alone)
			CHECK_EQ(base.pinned(), static_cast<long>(pin_pages));
	}

	// Held as granted and told nothing.
	void check_untouched(bool alone = true) const
	{
		check_held("granted", alone);
		CHECK(!vt::event_queued(session.get()));
	}

	void check_gone(bool alone = true) const
	{
		CHECK(vt::fdinfo(session.get(), "lease").empty());
		CHECK(vt::fdinfo(session.get(), "pin").empty());
		if (alone)
			CHECK_EQ(base.pinned(), 0L);
	}

	std::string path;
	uint32_t type;
	vt::Baseline base;
	vt::Fd rw;
	std::unique_ptr<vt::Map> map;
	vt::Fd session;
	uint64_t lease = 0, pin = 0;
};

const char *lease_name(uint32_t type)
{
	return type == VPIN_LEASE_EXCLUSIVE ? "E" : "B";
}

// op returns like a system call: it must fail with err within refuse_ms.
template <typename Op> void refused(const std::string &what, int err, Op op,
				    int64_t within_ms = refuse_ms)
{
	errno = 0;
	const int64_t start = now_ns();
	const long r = static_cast<long>(op());
	const int e = errno;
	const int64_t took = now_ns() - start;
	if (r != -1 || e != err)
		tap::fail(what + ": expected " + tap::errno_name(err) + ", got " +
				  (r == -1 ? tap::errno_name(e) : "success (" + std::to_string(r) + ")"),
			  __FILE__, __LINE__);
	if (took > within_ms * ms_ns)
		tap::fail(what + ": took " + ms_str(took), __FILE__, __LINE__);
}

// op must succeed within refuse_ms; returns its result.
template <typename Op> long quick_ok(const std::string &what, Op op)
{
	errno = 0;
	const int64_t start = now_ns();
	const long r = static_cast<long>(op());
	const int e = errno;
	const int64_t took = now_ns() - start;
	if (r < 0)
		tap::fail(what + ": " + tap::errno_name(e), __FILE__, __LINE__);
	if (took > refuse_ms * ms_ns)
		tap::fail(what + ": took " + ms_str(took), __FILE__, __LINE__);
	return r;
}

// In a child of the holder: the child drops its copy of the session first.
vt::Child other_process(const Holder &h, const std::function<void()> &fn)
{
	const int s = h.session.get();
	return vt::Child([s, fn] {
		::close(s);
		fn();
	});
}

ino_t ino_of_fd(const Holder &h)
{
	struct stat st;
	CHECK_OK(fstat(h.rw.get(), &st));
	return st.st_ino;
}

void check_event(const vpin_event &ev, uint32_t type, const Holder &h, uint32_t reason,
		 pid_t breaker)
{
	CHECK_EQ(ev.type, type);
	CHECK_EQ(uint64_t{ev.lease_id}, h.lease);
	CHECK_EQ(ev.reason, reason);
	CHECK_EQ(uint64_t{ev.ino}, uint64_t{ino_of_fd(h)});
	if (breaker > 0)
		CHECK_EQ(static_cast<pid_t>(ev.breaker_pid), breaker);
}

// A change by another process under a breakable lease: the holder is told,
// releases the lease, and the change finishes at once.
void broken_then_done(Holder &h, const std::string &what, uint32_t reason,
		      const std::function<void()> &change)
{
	const int64_t start = now_ns();
	vt::Child c = other_process(h, change);
	const int64_t seen = vt::wait_event(h.session.get(), event_timeout_ms);
	const auto evs = vt::read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h, reason, c.pid());
	h.check_held("breaking");
	const int64_t released = now_ns();
	h.release();
	c.wait();
	const int64_t done = now_ns() - released;
	if (done > prompt_ms * ms_ns)
		tap::fail(what + ": done " + ms_str(done) + " after the release", __FILE__, __LINE__);
	h.check_gone();
	CHECK(!vt::event_queued(h.session.get()));
	tap::note(what + ": event after " + ms_str(seen - start) + ", done " + ms_str(done) +
		  " after the release");
}

// The holder never answers: the change revokes the lease at the break time,
// then goes on; the holder gets SIGBUS and both events.
void revoked_then_done(Holder &h, const std::string &what, uint32_t reason,
		       const std::function<void()> &change)
{
	sigbus_count = 0;
	const int64_t start = now_ns();
	pid_t pid;
	{
		vt::Child c = other_process(h, change);
		pid = c.pid();
		c.wait();
	}
	const int64_t took = now_ns() - start;
	if (took < (break_ms - 50) * ms_ns || took > (break_ms + revoke_slack_ms) * ms_ns)
		tap::fail(what + ": took " + ms_str(took) + ", expected about the break time",
			  __FILE__, __LINE__);
	CHECK_EQ(int{sigbus_count}, 1);
	const auto evs = vt::read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{2});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h, reason, pid);
	check_event(evs[1], VPIN_EVENT_LEASE_REVOKED, h, reason, pid);
	h.check_gone();
	tap::note(what + ": revoked, done after " + ms_str(took));
}

// ---------------------------------------------------------------------------
// io_uring, in the process that makes the ring.

constexpr int op_ftruncate = 55;	// IORING_OP_FTRUNCATE, Linux 6.9

class Ring {
public:
	Ring()
	{
		const int r = io_uring_queue_init(4, &ring_, 0);
		if (r < 0)
			tap::fail("io_uring_queue_init: " + tap::errno_name(-r), __FILE__, __LINE__);
	}
	~Ring() { io_uring_queue_exit(&ring_); }
	Ring(const Ring &) = delete;
	Ring &operator=(const Ring &) = delete;

	bool supports(int op)
	{
		struct io_uring_probe *p = io_uring_get_probe_ring(&ring_);
		const bool yes = p && io_uring_opcode_supported(p, op);
		io_uring_free_probe(p);
		return yes;
	}

	// Submits one request and returns like a system call.
	long run(const std::function<void(struct io_uring_sqe *)> &prep)
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		CHECK(sqe != nullptr);
		prep(sqe);
		CHECK_EQ(io_uring_submit(&ring_), 1);
		struct io_uring_cqe *cqe;
		int r;
		while ((r = io_uring_wait_cqe(&ring_, &cqe)) == -EINTR)
			;
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

	long fallocate(int fd, int mode, off_t off, off_t len)
	{
		return run([&](struct io_uring_sqe *s) { io_uring_prep_fallocate(s, fd, mode, off, len); });
	}
	long ftruncate(int fd, off_t len)
	{
		return run([&](struct io_uring_sqe *s) {
			io_uring_prep_rw(op_ftruncate, s, fd, nullptr, 0, static_cast<__u64>(len));
		});
	}
	// OPENAT; closes what it opened. Returns 0 or -1.
	long open_close(const std::string &path, int flags)
	{
		const long fd = run([&](struct io_uring_sqe *s) {
			io_uring_prep_openat(s, AT_FDCWD, path.c_str(), flags | O_CLOEXEC, 0644);
		});
		if (fd < 0)
			return -1;
		::close(static_cast<int>(fd));
		return 0;
	}
	long madvise(void *addr, size_t len, int advice)
	{
		return run([&](struct io_uring_sqe *s) {
			io_uring_prep_madvise(s, addr, static_cast<off_t>(len), advice);
		});
	}

private:
	struct io_uring ring_;
};

bool have_ftruncate_op()
{
	Ring r;
	return r.supports(op_ftruncate);
}

// One layout change, its break reason and its effect on the data.
struct Change {
	std::string name;
	uint32_t reason;
	std::function<long(const std::string &path)> run;	// like a system call
	std::function<std::string(const std::string &before)> after;
};

using Before = const std::string &;

std::vector<Change> uring_changes()
{
	std::vector<Change> c = {
		{"IORING_OP_FALLOCATE PUNCH_HOLE", VPIN_BREAK_FALLOCATE,
		 [](const std::string &p) {
			 vt::Fd fd = open_file(p, O_RDWR);
			 Ring r;
			 return r.fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					    offset(3), offset(2));
		 },
		 [](Before b) { return with(b, 3, zeros(2)); }},
		{"IORING_OP_OPENAT O_WRONLY|O_TRUNC", VPIN_BREAK_TRUNCATE,
		 [](const std::string &p) {
			 Ring r;
			 return r.open_close(p, O_WRONLY | O_TRUNC);
		 },
		 [](Before) { return std::string(); }},
	};
	if (have_ftruncate_op())
		c.push_back({"IORING_OP_FTRUNCATE", VPIN_BREAK_TRUNCATE,
			     [](const std::string &p) {
				     vt::Fd fd = open_file(p, O_RDWR);
				     Ring r;
				     return r.ftruncate(fd.get(), offset(8));
			     },
			     [](Before b) { return b.substr(0, pages(8)); }});
	return c;
}

// A change under an exclusive lease: ETXTBSY at once, data unchanged.
void refused_under_e(Fs &fs, const std::vector<Change> &changes)
{
	const std::string p = fs.file("e");
	const std::string before = contents(p);
	Holder h(p, VPIN_LEASE_EXCLUSIVE, true);
	for (const auto &c : changes) {
		refused(std::string("E: ") + c.name, ETXTBSY, [&] { return c.run(p); });
		check_contents(c.name, p, before);
	}
	h.check_untouched();
	h.release();
	h.check_gone();
}

// The holder's own process: EDEADLK at once, nothing broken.
void deadlock_for_holder(Fs &fs, const std::vector<Change> &changes)
{
	const std::string p = fs.file("own");
	const std::string before = contents(p);
	Holder h(p, VPIN_LEASE_BREAKABLE, true);
	for (const auto &c : changes) {
		refused(std::string("B, the holder's own process: ") + c.name, EDEADLK,
			[&] { return c.run(p); });
		check_contents(c.name, p, before);
	}
	h.check_untouched();
	h.release();
	h.check_gone();
}

// Another process's change under a breakable lease, M and U: broken first.
void broken_first(Fs &fs, const std::vector<Change> &changes)
{
	unsigned i = 0;
	for (bool mapped : {true, false}) {
		for (const auto &c : changes) {
			const std::string p = fs.file("b" + std::to_string(i++));
			const std::string before = contents(p);
			Holder h(p, VPIN_LEASE_BREAKABLE, mapped);
			const std::string what = std::string(fs.kind().name) + " B " +
						 (mapped ? "M" : "U") + ": " + c.name;
			broken_then_done(h, what, c.reason, [&] { CHECK_OK(c.run(p)); });
			check_contents(c.name, p, c.after(before));
		}
	}
}

void uring(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	const auto changes = uring_changes();
	if (!have_ftruncate_op()) {
		// 6.1: no such opcode; the request fails before it looks at the file.
		const std::string p = fs.file("noop");
		vt::Fd fd = open_file(p, O_RDWR);
		Ring r;
		CHECK_ERRNO(r.ftruncate(fd.get(), 0), EINVAL);
		tap::note(vt::kernel_release() + ": no IORING_OP_FTRUNCATE (EINVAL)");
	}
	refused_under_e(fs, changes);
	deadlock_for_holder(fs, changes);
	broken_first(fs, changes);
	// Ignored: the io-wq worker revokes at the break time.
	const Change &punch = changes.front();
	const std::string p = fs.file("ignored");
	const std::string before = contents(p);
	Holder h(p, VPIN_LEASE_BREAKABLE, false);
	revoked_then_done(h, std::string(k.name) + " B U ignored: " + punch.name, punch.reason,
			  [&] { CHECK_OK(punch.run(p)); });
	check_contents(punch.name, p, punch.after(before));
}

// ---------------------------------------------------------------------------
// Size changes and fallocate in every mode, by another process, with the
// pinned pages mapped and not: what t_break does with them mapped.

std::vector<Change> layout_changes()
{
	auto fa = [](int mode, size_t first, size_t n) {
		return [mode, first, n](const std::string &p) {
			vt::Fd fd = open_file(p, O_RDWR);
			return static_cast<long>(fallocate(fd.get(), mode, offset(first), offset(n)));
		};
	};
	const size_t n = file_pages;
	return {
		{"truncate(2) smaller", VPIN_BREAK_TRUNCATE,
		 [](const std::string &p) { return static_cast<long>(truncate(p.c_str(), offset(8))); },
		 [](Before b) { return b.substr(0, pages(8)); }},
		{"ftruncate larger", VPIN_BREAK_TRUNCATE,
		 [n](const std::string &p) {
			 vt::Fd fd = open_file(p, O_RDWR);
			 return static_cast<long>(ftruncate(fd.get(), offset(n + 4)));
		 },
		 [](Before b) { return b + zeros(4); }},
		{"fallocate PUNCH_HOLE", VPIN_BREAK_FALLOCATE,
		 fa(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 4),
		 [](Before b) { return with(b, 2, zeros(4)); }},
		{"fallocate COLLAPSE_RANGE", VPIN_BREAK_FALLOCATE, fa(FALLOC_FL_COLLAPSE_RANGE, 2, 2),
		 [n](Before b) { return b.substr(0, pages(2)) + b.substr(pages(4), pages(n - 4)); }},
		{"fallocate INSERT_RANGE", VPIN_BREAK_FALLOCATE, fa(FALLOC_FL_INSERT_RANGE, 2, 2),
		 [n](Before b) { return b.substr(0, pages(2)) + zeros(2) + b.substr(pages(2), pages(n - 2)); }},
		{"fallocate ZERO_RANGE", VPIN_BREAK_FALLOCATE, fa(FALLOC_FL_ZERO_RANGE, 2, 4),
		 [](Before b) { return with(b, 2, zeros(4)); }},
		{"fallocate past EOF", VPIN_BREAK_FALLOCATE, fa(0, n, 4),
		 [](Before b) { return b + zeros(4); }},
		{"fallocate KEEP_SIZE", VPIN_BREAK_FALLOCATE, fa(FALLOC_FL_KEEP_SIZE, n, 4),
		 [](Before b) { return b; }},
	};
}

void layout_mu(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	broken_first(fs, layout_changes());
}

// ---------------------------------------------------------------------------
// madvise(MADV_REMOVE): vfs_fallocate(PUNCH_HOLE | KEEP_SIZE) of the mapped
// range, by the mapping's owner.

long madv_remove(const std::string &p, size_t first, size_t n, bool uring)
{
	vt::Fd fd = open_file(p, O_RDWR);
	vt::Map m(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (uring) {
		Ring r;
		return r.madvise(m.data() + pages(first), pages(n), MADV_REMOVE);
	}
	return madvise(m.data() + pages(first), pages(n), MADV_REMOVE);
}

// madvise(MADV_REMOVE) of pages [8, 10) through the holder's own mapping
// (what), then through the holder's own ring (ring_what): refused with err.
void madv_refused(const Holder &h, int err, const std::string &what, const std::string &ring_what)
{
	refused(what, err, [&] { return madvise(h.map->data() + pages(8), pages(2), MADV_REMOVE); });
	Ring r;
	refused(ring_what, err,
		[&] { return r.madvise(h.map->data() + pages(8), pages(2), MADV_REMOVE); });
}

void madv(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	{
		// E: the holder's mapping, made before the lease, is shared and writable.
		const std::string p = fs.file("e");
		const std::string before = contents(p);
		Holder h(p, VPIN_LEASE_EXCLUSIVE, true);
		madv_refused(h, ETXTBSY,
			     "E: madvise(MADV_REMOVE) through the mapping made before the lease",
			     "E: IORING_OP_MADVISE(MADV_REMOVE) through that mapping");
		check_contents("E madvise", p, before);
		h.check_untouched();
		h.release();
	}
	{
		const std::string p = fs.file("own");
		const std::string before = contents(p);
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		madv_refused(h, EDEADLK, "B, the holder's own mapping: madvise(MADV_REMOVE)",
			     "B, the holder's own ring: IORING_OP_MADVISE(MADV_REMOVE)");
		check_contents("B own madvise", p, before);
		h.check_untouched();
		h.release();
	}
	unsigned i = 0;
	for (bool mapped : {true, false}) {
		for (bool uring : {false, true}) {
			const std::string p = fs.file("b" + std::to_string(i++));
			const std::string before = contents(p);
			Holder h(p, VPIN_LEASE_BREAKABLE, mapped);
			const std::string what = std::string(k.name) + " B " + (mapped ? "M" : "U") +
						 ": " +
						 (uring ? "IORING_OP_MADVISE" : "madvise") +
						 "(MADV_REMOVE) by another process";
			broken_then_done(h, what, VPIN_BREAK_FALLOCATE,
					 [&] { CHECK_OK(madv_remove(p, 10, 2, uring)); });
			check_contents(what, p, with(before, 10, zeros(2)));
		}
	}
}

// ---------------------------------------------------------------------------
// FS_IOC_RESVSP64, FS_IOC_UNRESVSP64, FS_IOC_ZERO_RANGE (include/linux/falloc.h,
// not in the uapi headers): vfs_fallocate() with KEEP_SIZE.

struct space_resv {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_sysid;
	uint32_t l_pid;
	int32_t l_pad[4];
};
static_assert(sizeof(space_resv) == 48);
const unsigned long fs_ioc_resvsp64 = _IOW('X', 42, struct space_resv);
const unsigned long fs_ioc_unresvsp64 = _IOW('X', 43, struct space_resv);
const unsigned long fs_ioc_zero_range = _IOW('X', 57, struct space_resv);
// xfs's own names for two more of them, gone since Linux 5.17.
const unsigned long xfs_ioc_allocsp64 = _IOW('X', 36, struct space_resv);
const unsigned long xfs_ioc_freesp64 = _IOW('X', 37, struct space_resv);

long prealloc(int fd, unsigned long cmd, size_t first, size_t n)
{
	space_resv sr = {};
	sr.l_whence = SEEK_SET;
	sr.l_start = offset(first);
	sr.l_len = offset(n);
	return ioctl(fd, cmd, &sr);
}

std::vector<Change> prealloc_changes()
{
	auto by = [](unsigned long cmd, size_t first, size_t n) {
		return [cmd, first, n](const std::string &p) {
			vt::Fd fd = open_file(p, O_RDWR);
			return prealloc(fd.get(), cmd, first, n);
		};
	};
	return {
		{"FS_IOC_RESVSP64 past EOF", VPIN_BREAK_FALLOCATE, by(fs_ioc_resvsp64, file_pages, 4),
		 [](Before b) { return b; }},
		{"FS_IOC_UNRESVSP64", VPIN_BREAK_FALLOCATE, by(fs_ioc_unresvsp64, 3, 2),
		 [](Before b) { return with(b, 3, zeros(2)); }},
		{"FS_IOC_ZERO_RANGE", VPIN_BREAK_FALLOCATE, by(fs_ioc_zero_range, 6, 2),
		 [](Before b) { return with(b, 6, zeros(2)); }},
	};
}

void preallocation(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const auto changes = prealloc_changes();
	refused_under_e(fs, changes);
	deadlock_for_holder(fs, changes);
	broken_first(fs, changes);
	// Who cannot write the file cannot break its lease: EBADF at once.
	const std::string p = fs.file("ro");
	const std::string before = contents(p);
	Holder h(p, VPIN_LEASE_BREAKABLE, true);
	vt::Child c = other_process(h, [&] {
		vt::Fd ro = open_file(p, O_RDONLY);
		refused("B: fallocate PUNCH_HOLE through a read-only descriptor", EBADF, [&] {
			return fallocate(ro.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
					 offset(2));
		});
		refused("B: FS_IOC_UNRESVSP64 through a read-only descriptor", EBADF,
			[&] { return prealloc(ro.get(), fs_ioc_unresvsp64, 0, 2); });
	});
	c.wait();
	check_contents("read-only fallocate", p, before);
	h.check_untouched();
}

// ---------------------------------------------------------------------------
// FALLOC_FL_UNSHARE_RANGE.

void unshare(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	auto run = [](const std::string &p) {
		vt::Fd fd = open_file(p, O_RDWR);
		return static_cast<long>(
			fallocate(fd.get(), FALLOC_FL_UNSHARE_RANGE, 0, offset(file_pages)));
	};
	refused_under_e(fs, {{"fallocate UNSHARE_RANGE", VPIN_BREAK_FALLOCATE, run,
			      [](Before b) { return b; }}});
	for (bool mapped : {true, false}) {
		const std::string p = fs.file(mapped ? "m" : "u");
		const std::string before = contents(p);
		Holder h(p, VPIN_LEASE_BREAKABLE, mapped);
		const std::string what = std::string(k.name) + " B " + (mapped ? "M" : "U") +
					 ": fallocate UNSHARE_RANGE";
		// ext4 has no UNSHARE_RANGE: it says so only after the break.
		broken_then_done(h, what, VPIN_BREAK_FALLOCATE, [&] {
			if (k.is_xfs())
				CHECK_OK(run(p));
			else
				CHECK_ERRNO(run(p), EOPNOTSUPP);
		});
		check_contents(what, p, before);
	}
}

// ---------------------------------------------------------------------------
// xfs reflink between two DAX files: xfs_ilock2_io_mmap() waits for the
// pinned pages of the lower-numbered inode and busy-polls those of the
// higher one. The wrappers must break first whichever the pinned file is.

struct xfs_commit_range {
	int32_t file1_fd;
	uint32_t pad;
	uint64_t file1_offset, file2_offset, length, flags;
	uint64_t file2_freshness[6];
};
static_assert(sizeof(xfs_commit_range) == 88);
const unsigned long xfs_ioc_start_commit = _IOR('X', 130, struct xfs_commit_range);
const unsigned long xfs_ioc_commit_range = _IOW('X', 131, struct xfs_commit_range);

// Two files, the second of pattern seed: which is the lower inode number.
struct Pair {
	std::string lower, higher;
};

Pair two_files(const Fs &fs, const std::string &name, uint64_t seed)
{
	const std::string a = fs.file(name + "a", 5), b = fs.file(name + "b", seed);
	return ino_of(a) < ino_of(b) ? Pair{a, b} : Pair{b, a};
}

// A remap or copy between the leased file and another one, both opened by
// the changer. Into the leased file it breaks the lease; out of it, reading
// must not revoke leases: reflink and dedupe are refused, a copy copies.
struct Remap {
	const char *name;
	std::function<long(const std::string &leased, const std::string &other)> run;
	uint64_t other_seed;	// 5: the same contents as the leased file
	bool into;		// the leased file is the destination
	int err;		// 0: succeeds, returning the whole length (or 0)
};

std::vector<Remap> remaps()
{
	const size_t whole = pages(file_pages);
	auto ficlone = [](const std::string &dst, const std::string &src) {
		vt::Fd d = open_file(dst, O_RDWR), s = open_file(src, O_RDONLY);
		return static_cast<long>(ioctl(d.get(), FICLONE, s.get()));
	};
	auto dedupe = [whole](const std::string &dst, const std::string &src) {
		vt::Fd d = open_file(dst, O_RDWR), s = open_file(src, O_RDONLY);
		return vt::dedupe(s.get(), 0, d.get(), 0, whole);
	};
	auto copy = [whole](const std::string &dst, const std::string &src) {
		vt::Fd d = open_file(dst, O_RDWR), s = open_file(src, O_RDONLY);
		return vt::copy_range(s.get(), 0, d.get(), 0, whole);
	};
	using S = const std::string &;
	return {
		{"FICLONE into it", [=](S l, S o) { return ficlone(l, o); }, 9, true, 0},
		{"FIDEDUPERANGE into it", [=](S l, S o) { return dedupe(l, o); }, 5, true, 0},
		{"FICLONE out of it", [=](S l, S o) { return ficlone(o, l); }, 9, false, ETXTBSY},
		{"FIDEDUPERANGE out of it", [=](S l, S o) { return dedupe(o, l); }, 5, false,
		 ETXTBSY},
		{"copy_file_range out of it", [=](S l, S o) { return copy(o, l); }, 9, false, 0},
		{"copy_file_range into it", [=](S l, S o) { return copy(l, o); }, 9, true, 0},
	};
}

void clone_order(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	const long whole = static_cast<long>(pages(file_pages));
	unsigned i = 0;
	for (bool leased_higher : {false, true}) {
		const std::string order = leased_higher ? "the higher inode" : "the lower inode";
		// E: the hook refuses whichever the order, before any lock.
		{
			const Pair pr = two_files(fs, "e" + std::to_string(i++), 9);
			const std::string &l = leased_higher ? pr.higher : pr.lower;
			const std::string &o = leased_higher ? pr.lower : pr.higher;
			const std::string ld = contents(l);
			Holder h(l, VPIN_LEASE_EXCLUSIVE, true);
			for (const auto &r : remaps())
				refused("E, pinned file is " + order + ": " + r.name, ETXTBSY,
					[&] { return r.run(l, o); });
			check_contents("E remap", l, ld);
			h.check_untouched();
			h.release();
		}
		for (const auto &r : remaps()) {
			const Pair pr = two_files(fs, "b" + std::to_string(i++), r.other_seed);
			const std::string &l = leased_higher ? pr.higher : pr.lower;
			const std::string &o = leased_higher ? pr.lower : pr.higher;
			const std::string ld = contents(l), od = contents(o);
			Holder h(l, VPIN_LEASE_BREAKABLE, true);
			const std::string what = std::string(k.name) + " B M, pinned file is " +
						 order + ": " + r.name;
			const long want = std::string(r.name).find("FICLONE") == 0 ? 0 : whole;
			const bool breaks = r.into && std::string(r.name).find("copy") == std::string::npos;
			if (breaks) {
				// The break comes first, whatever the order: no wait, no busy loop.
				broken_then_done(h, what, VPIN_BREAK_REMAP,
						 [&] { CHECK_EQ(r.run(l, o), want); });
				check_contents(what, l, od);
				continue;
			}
			vt::Child c = other_process(h, [&] {
				if (r.err)
					refused(what, r.err, [&] { return r.run(l, o); });
				else
					CHECK_EQ(quick_ok(what, [&] { return r.run(l, o); }), want);
			});
			c.wait();
			h.check_untouched();
			// A copy copies: no block of the leased file is shared.
			vt::Fd lf = open_file(l, O_RDONLY);
			CHECK(!any_shared(lf.get()));
			const bool copied = r.err == 0;
			check_contents(what, l, copied && r.into ? od : ld);
			check_contents(what, o, copied && !r.into ? ld : od);
			h.release();
			h.check_gone();
		}
		// B, U: FICLONE into it would free the pinned blocks.
		{
			const Pair pr = two_files(fs, "u" + std::to_string(i++), 9);
			const std::string &l = leased_higher ? pr.higher : pr.lower;
			const std::string &o = leased_higher ? pr.lower : pr.higher;
			const std::string od = contents(o);
			Holder h(l, VPIN_LEASE_BREAKABLE, false);
			broken_then_done(h, std::string(k.name) + " B U, pinned file is " + order +
						    ": FICLONE into it",
					 VPIN_BREAK_REMAP, [&] { CHECK_OK(remaps()[0].run(l, o)); });
			check_contents("FICLONE into it", l, od);
		}
	}
	// The former busy loop, with a holder that never answers: revoked at the
	// break time, never an endless loop.
	const Pair pr = two_files(fs, "spin", 9);
	const std::string lower_data = contents(pr.lower);
	Holder h(pr.higher, VPIN_LEASE_BREAKABLE, true);
	revoked_then_done(h, std::string(k.name) +
				     " B M ignored, pinned file is the higher inode: FICLONE into it",
			  VPIN_BREAK_REMAP, [&] { CHECK_OK(remaps()[0].run(pr.higher, pr.lower)); });
	check_contents("FICLONE after the revocation", pr.higher, lower_data);
}

// 6.10+: XFS_IOC_COMMIT_RANGE reaches xfs_exchange_range(), hooked.
void commit_range(const FsKind &k)
{
	if (!vt::kernel_has_exchange_range()) {
		Fs fs(k);
		const std::string p = fs.file("f");
		vt::Fd fd = open_file(p, O_RDWR);
		xfs_commit_range a = {};
		CHECK_ERRNO(ioctl(fd.get(), xfs_ioc_start_commit, &a), ENOTTY);
		tap::skip("no XFS_IOC_START_COMMIT/COMMIT_RANGE before Linux 6.10 (ENOTTY)");
	}
	Fs fs(k);
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		const std::string f = fs.file(std::string("f") + lease_name(type), 1);
		const std::string g = fs.file(std::string("g") + lease_name(type), 2);
		const std::string before = contents(f);
		Holder h(f, type, true);
		vt::Fd ff = open_file(f, O_RDWR), gf = open_file(g, O_RDWR);
		// The leased file as file2, then as file1.
		for (bool leased_file2 : {true, false}) {
			const int file1 = leased_file2 ? gf.get() : ff.get();
			const int file2 = leased_file2 ? ff.get() : gf.get();
			xfs_commit_range a = {};
			quick_ok("XFS_IOC_START_COMMIT",
				 [&] { return ioctl(file2, xfs_ioc_start_commit, &a); });
			a.file1_fd = file1;
			a.length = pages(file_pages);
			refused(std::string(lease_name(type)) + ": XFS_IOC_COMMIT_RANGE, leased file " +
					(leased_file2 ? "file2" : "file1"),
				ETXTBSY, [&] { return ioctl(file2, xfs_ioc_commit_range, &a); });
		}
		check_contents("COMMIT_RANGE", f, before);
		h.check_untouched();
		h.release();
	}
}

// ---------------------------------------------------------------------------
// Breakable grants of DAX files refuse blocks shared with another file.

void shared_extents(const FsKind &k)
{
	Fs fs(k);
	const std::string src = fs.file("src", 3);
	const std::string f = fs.path("f");
	{
		vt::Fd s = open_file(src, O_RDONLY);
		vt::Fd d(CHECK_OK(open(f.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)));
		CHECK_OK(ioctl(d.get(), FICLONE, s.get()));
	}
	auto session = vt::open_session();
	vt::Fd fro = open_file(f, O_RDONLY), frw = open_file(f, O_RDWR);
	vt::Fd sro = open_file(src, O_RDONLY), srw = open_file(src, O_RDWR);
	CHECK(any_shared(fro.get()) && any_shared(sro.get()));
	// Grants, not layout changes: on 6.1 each xfs grant also pays for the
	// known cost of grant_latency() below.
	constexpr int64_t grant_ms = 2000;
	refused("B on the clone", ENODATA,
		[&] { return vt::lease(session.get(), fro.get(), VPIN_LEASE_BREAKABLE, nullptr); },
		grant_ms);
	refused("B on its source", ENODATA,
		[&] { return vt::lease(session.get(), sro.get(), VPIN_LEASE_BREAKABLE, nullptr); },
		grant_ms);
	refused("E on the clone", ENODATA,
		[&] { return vt::lease(session.get(), frw.get(), VPIN_LEASE_EXCLUSIVE, nullptr); },
		grant_ms);
	refused("E on its source", ENODATA,
		[&] { return vt::lease(session.get(), srw.get(), VPIN_LEASE_EXCLUSIVE, nullptr); },
		grant_ms);
	CHECK(vt::fdinfo(session.get(), "lease").empty());
	// Unshared, both can be leased again.
	CHECK_OK(fallocate(frw.get(), FALLOC_FL_UNSHARE_RANGE, 0, offset(file_pages)));
	CHECK(!any_shared(fro.get()) && !any_shared(sro.get()));
	uint64_t a = 0, b = 0;
	CHECK_OK(vt::lease(session.get(), fro.get(), VPIN_LEASE_BREAKABLE, &a));
	CHECK_OK(vt::lease(session.get(), sro.get(), VPIN_LEASE_BREAKABLE, &b));
	CHECK_OK(vt::unlease(session.get(), a));
	CHECK_OK(vt::unlease(session.get(), b));
	check_contents("after UNSHARE_RANGE", f, pattern(3));
}

// A grant installs its file system's hooks only once: installing patches
// kernel text and looks up every traceable function's name (a second or so
// under TCG). The optional xfs_exchange_range hook, absent before 6.10, must
// not be looked for again at every grant.
void grant_latency(const FsKind &k)
{
	Fs fs(k);
	const std::string p = fs.file("f");
	auto session = vt::open_session();
	vt::Fd ro = open_file(p, O_RDONLY);
	uint64_t id = 0;
	// The first grant of the run may install the hooks.
	CHECK_OK(vt::lease(session.get(), ro.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_OK(vt::unlease(session.get(), id));
	int64_t worst = 0;
	for (int i = 0; i < 3; i++) {
		const int64_t start = now_ns();
		CHECK_OK(vt::lease(session.get(), ro.get(), VPIN_LEASE_BREAKABLE, &id));
		worst = std::max(worst, now_ns() - start);
		CHECK_OK(vt::unlease(session.get(), id));
	}
	tap::note(std::string(k.name) + " on " + vt::kernel_release() + ": slowest of 3 grants " +
		  ms_str(worst));
	if (worst > 100 * ms_ns)
		tap::fail("a breakable lease grant took " + ms_str(worst) +
				  " with the hooks installed",
			  __FILE__, __LINE__);
}

// ---------------------------------------------------------------------------
// Remap on ext4, which has none: the source is never broken; a destination
// is broken, then the call fails.

void ext4_remap(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const std::string f = fs.file("f", 1), g = fs.file("g", 1);
	const std::string before = contents(f);
	{
		Holder h(f, VPIN_LEASE_BREAKABLE, true);
		vt::Child c = other_process(h, [&] {
			vt::Fd lf = open_file(f, O_RDONLY), of = open_file(g, O_RDWR);
			refused("B: FICLONE out of it", EOPNOTSUPP,
				[&] { return ioctl(of.get(), FICLONE, lf.get()); });
			refused("B: FICLONERANGE out of it", EOPNOTSUPP,
				[&] { return vt::clone_range(lf.get(), 0, of.get(), 0, pages(2)); });
			refused("B: FIDEDUPERANGE out of it", EOPNOTSUPP,
				[&] { return vt::dedupe(lf.get(), 0, of.get(), 0, pages(2)); });
			vt::Fd lw = open_file(f, O_RDWR);
			refused("B: FIDEDUPERANGE into it", EOPNOTSUPP,
				[&] { return vt::dedupe(of.get(), 0, lw.get(), 0, pages(2)); });
		});
		c.wait();
		h.check_untouched();
		h.release();
	}
	Holder h(f, VPIN_LEASE_BREAKABLE, false);
	broken_then_done(h, "ext4-dax B U: FICLONE into it (EOPNOTSUPP after the break)",
			 VPIN_BREAK_REMAP, [&] {
				 vt::Fd lf = open_file(f, O_RDWR), of = open_file(g, O_RDONLY);
				 CHECK_ERRNO(ioctl(lf.get(), FICLONE, of.get()), EOPNOTSUPP);
			 });
	check_contents("ext4 FICLONE", f, before);
}

// allow_file_dedupe() lets the owner (and CAP_SYS_ADMIN, and whoever may
// write the inode) dedupe into a file opened read-only: that breaks the
// lease too.
void dedupe_into_readonly(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const std::string f = fs.file("f", 1), g = fs.file("g", 1);
	Holder h(f, VPIN_LEASE_BREAKABLE, true);
	broken_then_done(h, std::string(k.name) + " B M: FIDEDUPERANGE into it through a read-only "
						"descriptor",
			 VPIN_BREAK_REMAP, [&] {
				 vt::Fd lf = open_file(f, O_RDONLY), of = open_file(g, O_RDONLY);
				 CHECK_EQ(vt::dedupe(of.get(), 0, lf.get(), 0, pages(file_pages)),
					  static_cast<long>(pages(file_pages)));
			 });
	check_contents("dedupe", f, pattern(1));
}

// ---------------------------------------------------------------------------
// ext4: EXT4_IOC_MOVE_EXT (e4defrag) and EXT4_IOC_SWAP_BOOT.

struct move_extent {
	uint32_t reserved;
	uint32_t donor_fd;
	uint64_t orig_start, donor_start, len, moved_len;
};
const unsigned long ext4_ioc_move_ext = _IOWR('f', 15, struct move_extent);
const unsigned long ext4_ioc_swap_boot = _IO('f', 17);
const unsigned long ext4_ioc_migrate = _IO('f', 9);
const unsigned long ext4_ioc_alloc_da_blks = _IO('f', 12);
const unsigned long fs_ioc_shutdown = _IOR('X', 125, uint32_t);	// ext4 and xfs
constexpr uint32_t shutdown_nologflush = 2;

long move_ext(const std::string &orig, const std::string &donor, size_t n)
{
	vt::Fd o = open_file(orig, O_RDWR), d = open_file(donor, O_RDWR);
	move_extent me = {};
	me.donor_fd = static_cast<uint32_t>(d.get());
	me.len = n;
	return ioctl(o.get(), ext4_ioc_move_ext, &me);
}

void move_ext_dax_always(const FsKind &k)
{
	Fs fs(k);
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		const std::string f = fs.file(std::string("f") + lease_name(type), 1);
		const std::string g = fs.file(std::string("g") + lease_name(type), 2);
		const std::string before = contents(f);
		Holder h(f, type, true);
		refused(std::string(lease_name(type)) + ": MOVE_EXT with it as donor", EOPNOTSUPP,
			[&] { return move_ext(g, f, file_pages); });
		refused(std::string(lease_name(type)) + ": MOVE_EXT with it as orig", EOPNOTSUPP,
			[&] { return move_ext(f, g, file_pages); });
		check_contents("MOVE_EXT", f, before);
		h.check_untouched();
		h.release();
	}
}

// dax=inode: only files in a directory with FS_XFLAG_DAX are DAX, and
// MOVE_EXT checks only the orig for DAX.
void move_ext_dax_inode(const FsKind &k)
{
	{
		Fs made(k);	// the run's ext4 exists; unmount it for a while
	}
	const std::string shared = mountpoint(k);
	if (!mount_options(shared).empty())
		CHECK_OK(umount(shared.c_str()));
	const std::string mnt = "/mnt/vpin-ext4-daxinode";
	mkdir(mnt.c_str(), 0755);
	CHECK_OK(mount(device(k).c_str(), mnt.c_str(), "ext4", 0, "dax=inode"));
	struct Unmount {
		std::string m;
		~Unmount() { umount2(m.c_str(), MNT_DETACH); }
	} unmount{mnt};
	char tmpl[] = "/mnt/vpin-ext4-daxinode/t.XXXXXX";
	CHECK(mkdtemp(tmpl) != nullptr);
	const std::string dir = tmpl, daxdir = dir + "/dax";
	CHECK_OK(mkdir(daxdir.c_str(), 0755));
	{
		vt::Fd d = open_file(daxdir, O_RDONLY | O_DIRECTORY);
		struct fsxattr fa = {};
		CHECK_OK(ioctl(d.get(), FS_IOC_FSGETXATTR, &fa));
		fa.fsx_xflags |= FS_XFLAG_DAX;
		CHECK_OK(ioctl(d.get(), FS_IOC_FSSETXATTR, &fa));
	}
	const std::string g = dir + "/g", f = daxdir + "/f";
	vt::make_file(g, pages(file_pages), 2);
	CHECK(!is_dax(g));
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		vt::make_file(f, pages(file_pages), 1);
		CHECK(is_dax(f));
		Holder h(f, type, true);
		// The DAX orig is refused by ext4 itself, the DAX donor by the hook.
		refused(std::string(lease_name(type)) + ": MOVE_EXT with the DAX file as orig",
			EOPNOTSUPP, [&] { return move_ext(f, g, file_pages); });
		refused(std::string(lease_name(type)) + ": MOVE_EXT with the DAX file as donor",
			ETXTBSY, [&] { return move_ext(g, f, file_pages); });
		check_contents("MOVE_EXT", f, pattern(1));
		check_contents("MOVE_EXT", g, pattern(2));
		h.check_untouched();
		h.release();
		h.check_gone();
	}
	// A breakable lease on the page-cache orig refuses it too (no real move:
	// the donor would then be an unleased DAX file).
	{
		Holder h(g, VPIN_LEASE_BREAKABLE, true);
		refused("B on the non-DAX orig: MOVE_EXT", ETXTBSY,
			[&] { return move_ext(g, f, file_pages); });
		h.check_untouched();
		h.release();
	}
	check_contents("MOVE_EXT", f, pattern(1));
	check_contents("MOVE_EXT", g, pattern(2));
}

// The changer in the truncation backstop gets a signal while it waits. A
// fatal one revokes the leases at once (the change is then made, and the
// changer dies); any other waits for the break time like no signal: the
// call cannot fail.
void signalled_backstop(Holder &h, const std::string &what, int sig,
			const std::function<void()> &change)
{
	sigbus_count = 0;
	vt::Child c = other_process(h, [&] {
		struct sigaction sa = {};
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		CHECK_OK(sigaction(SIGUSR1, &sa, nullptr));
		change();
	});
	const pid_t pid = c.pid();
	vt::wait_event(h.session.get(), event_timeout_ms);
	const int64_t signalled = now_ns();
	if (sig == SIGKILL) {
		const int status = c.kill(SIGKILL);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	} else {
		CHECK_OK(kill(pid, sig));
		c.wait();
	}
	const int64_t done = now_ns();
	const auto evs = vt::read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{2});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h, VPIN_BREAK_LAYOUT, pid);
	check_event(evs[1], VPIN_EVENT_LEASE_REVOKED, h, VPIN_BREAK_LAYOUT, pid);
	CHECK_EQ(int{sigbus_count}, 1);
	h.check_gone();
	const auto deadline = static_cast<int64_t>(evs[0].deadline_ns);
	if (sig == SIGKILL && done - signalled > prompt_ms * ms_ns)
		tap::fail(what + ": revoked " + ms_str(done - signalled) + " after SIGKILL",
			  __FILE__, __LINE__);
	if (sig != SIGKILL && done < deadline - 20 * ms_ns)
		tap::fail(what + ": a handled signal ended the wait " + ms_str(deadline - done) +
				  " before the break time",
			  __FILE__, __LINE__);
	tap::note(what + ": " + strsignal(sig) + " while it waited; revoked and done " +
		  ms_str(done - signalled) + " later (the break time ended " +
		  ms_str(deadline - signalled) + " later)");
}

long swap_boot(const std::string &p)
{
	vt::Fd fd = open_file(p, O_RDWR);
	return ioctl(fd.get(), ext4_ioc_swap_boot);
}

// After a swap the file has what the boot loader inode had, which gets the
// file's old contents.
void swap_boot_test(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	{
		const std::string p = fs.file("e", 1);
		Holder h(p, VPIN_LEASE_EXCLUSIVE, true);
		refused("E: EXT4_IOC_SWAP_BOOT", EINVAL, [&] { return swap_boot(p); });
		check_contents("E swap boot", p, pattern(1));
		h.check_untouched();
		h.release();
	}
	// The boot loader inode's contents before the first swap are unknown.
	std::string boot;
	bool known = false;
	auto swapped = [&](const std::string &p, const std::string &before) {
		if (known)
			check_contents("after SWAP_BOOT", p, boot);
		boot = before;
		known = true;
	};
	{
		const std::string p = fs.file("m", 11);
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		broken_then_done(h, "ext4-dax B M: EXT4_IOC_SWAP_BOOT", VPIN_BREAK_LAYOUT,
				 [&] { CHECK_OK(swap_boot(p)); });
		swapped(p, pattern(11));
	}
	{
		const std::string p = fs.file("u", 12);
		Holder h(p, VPIN_LEASE_BREAKABLE, false);
		revoked_then_done(h, "ext4-dax B U ignored: EXT4_IOC_SWAP_BOOT", VPIN_BREAK_LAYOUT,
				  [&] { CHECK_OK(swap_boot(p)); });
		swapped(p, pattern(12));
	}
	for (int sig : {SIGKILL, SIGUSR1}) {
		const std::string p = fs.file("sig" + std::to_string(sig), 13 + static_cast<uint64_t>(sig));
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		signalled_backstop(h, "ext4-dax B M: EXT4_IOC_SWAP_BOOT", sig,
				   [&] { CHECK_OK(swap_boot(p)); });
		swapped(p, pattern(13 + static_cast<uint64_t>(sig)));
	}
	{
		// The holder's own call: no EDEADLK from a backstop; it waits the
		// break time (nobody else can release) and revokes its own lease.
		const std::string p = fs.file("own", 14);
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		sigbus_count = 0;
		const int64_t start = now_ns();
		CHECK_OK(swap_boot(p));
		const int64_t took = now_ns() - start;
		if (took < (break_ms - 50) * ms_ns || took > (break_ms + revoke_slack_ms) * ms_ns)
			tap::fail("the holder's own SWAP_BOOT took " + ms_str(took), __FILE__,
				  __LINE__);
		CHECK_EQ(int{sigbus_count}, 1);
		const auto evs = vt::read_events(h.session.get());
		CHECK_EQ(evs.size(), size_t{2});
		CHECK_EQ(evs[1].type, uint32_t{VPIN_EVENT_LEASE_REVOKED});
		h.check_gone();
		swapped(p, pattern(14));
		tap::note("ext4-dax B M: the holder's own SWAP_BOOT revoked its lease after " +
			  ms_str(took));
	}
}

// xfs's counterpart: XFS_IOC_SWAPEXT flushes and truncates the page cache
// (the backstop) without waiting for DAX pages.
void swapext_backstop(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	auto swapext = [](const std::string &p, int flags) {
		const std::string tmp = p + ".tmp";
		vt::make_file(tmp, pages(file_pages), 7);
		vt::Fd t = open_file(p, O_RDWR | flags), o = open_file(tmp, O_RDWR | flags);
		// EBUSY: the zeroed bulkstat does not match, found after the flush.
		const long r = vt::swapext(t.get(), o.get(), offset(file_pages));
		CHECK(r == 0 || errno == EBUSY);
	};
	{
		// O_NONBLOCK does not apply to the backstop: it breaks and waits.
		const std::string p = fs.file("nonblock");
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		broken_then_done(h, "xfs-dax B M: XFS_IOC_SWAPEXT through O_NONBLOCK descriptors",
				 VPIN_BREAK_LAYOUT, [&] { swapext(p, O_NONBLOCK); });
	}
	{
		const std::string p = fs.file("sig");
		Holder h(p, VPIN_LEASE_BREAKABLE, false);
		signalled_backstop(h, "xfs-dax B U: XFS_IOC_SWAPEXT", SIGKILL, [&] { swapext(p, 0); });
	}
	{
		const std::string p = fs.file("own");
		Holder h(p, VPIN_LEASE_BREAKABLE, true);
		sigbus_count = 0;
		const int64_t start = now_ns();
		swapext(p, 0);
		const int64_t took = now_ns() - start;
		if (took < (break_ms - 50) * ms_ns || took > (break_ms + revoke_slack_ms) * ms_ns)
			tap::fail("the holder's own SWAPEXT took " + ms_str(took), __FILE__, __LINE__);
		CHECK_EQ(int{sigbus_count}, 1);
		h.check_gone();
		tap::note("xfs-dax B M: the holder's own SWAPEXT revoked its lease after " +
			  ms_str(took));
	}
}

// ---------------------------------------------------------------------------
// The loop driver calls ->fallocate directly for discard and write-zeroes.

struct Loop {
	explicit Loop(int backing)
	{
		vt::sh("modprobe loop 2>/dev/null");
		vt::Fd ctl = open_file("/dev/loop-control", O_RDWR);
		const int n = CHECK_OK(ioctl(ctl.get(), LOOP_CTL_GET_FREE));
		path = "/dev/loop" + std::to_string(n);
		for (int i = 0; i < 100 && !exists(path); i++)
			usleep(10000);
		dev = open_file(path, O_RDWR);
		CHECK_OK(ioctl(dev.get(), LOOP_SET_FD, backing));
	}
	~Loop()
	{
		if (dev.get() >= 0)
			ioctl(dev.get(), LOOP_CLR_FD, 0);
	}
	Loop(const Loop &) = delete;
	Loop &operator=(const Loop &) = delete;

	std::string path;
	vt::Fd dev;
};

long blk_range(int fd, unsigned long cmd, size_t first, size_t n)
{
	uint64_t r[2] = {pages(first), pages(n)};
	return ioctl(fd, cmd, r);
}

void loop_device(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		const std::string p = fs.file(std::string("f") + lease_name(type));
		const std::string before = contents(p);
		Holder h(p, type, true);
		std::string after = before;
		{
			vt::Fd backing = open_file(p, O_RDWR);
			Loop loop(backing.get());
			const std::string l = std::string(lease_name(type)) + ": " + loop.path + " ";
			refused(l + "BLKDISCARD", EIO,
				[&] { return blk_range(loop.dev.get(), BLKDISCARD, 0, 2); });
			// Write-zeroes is refused too; 6.1 then writes zeroes instead,
			// which only an exclusive lease refuses.
			errno = 0;
			const int64_t start = now_ns();
			const long r = blk_range(loop.dev.get(), BLKZEROOUT, 8, 2);
			const int err = errno;
			CHECK(now_ns() - start < refuse_ms * ms_ns);
			if (h.exclusive() || r != 0) {
				if (r != -1 || err != EIO)
					tap::fail(l + "BLKZEROOUT: expected EIO, got " +
							  (r == 0 ? "success" : tap::errno_name(err)),
						  __FILE__, __LINE__);
			} else {
				after = with(before, 8, zeros(2));
			}
			tap::note(l + "BLKZEROOUT: " + (r == 0 ? "zeroes written" : tap::errno_name(err)));
		}
		check_contents("loop", p, after);
		h.check_untouched();
		h.release();
		h.check_gone();
		// Without the lease the same discard punches the file.
		vt::Fd backing = open_file(p, O_RDWR);
		Loop loop(backing.get());
		quick_ok("BLKDISCARD without the lease",
			 [&] { return blk_range(loop.dev.get(), BLKDISCARD, 0, 2); });
		check_contents("loop without the lease", p, with(after, 0, zeros(2)));
	}
}

// ---------------------------------------------------------------------------
// Block targets over a leased file, set up through configfs: the LIO fileio
// backstore exported as a SCSI disk by tcm_loop (its UNMAP calls
// ->fallocate directly), and an NVMe target's file namespace (its DSM and
// write-zeroes call vfs_fallocate() from a workqueue), connected through
// nvme-loop, or nvme-tcp on 127.0.0.1 where nvme-loop is not built (6.1).

void put(const std::string &path, const std::string &value)
{
	vt::Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (fd.get() < 0 || write(fd.get(), value.data(), value.size()) !=
				    static_cast<ssize_t>(value.size()))
		tap::fail("writing " + value + " to " + path + ": " + tap::errno_name(errno),
			  __FILE__, __LINE__);
}

std::string get(const std::string &path)
{
	std::ifstream in(path);
	std::string v;
	std::getline(in, v);
	return v;
}

void configfs()
{
	vt::sh("modprobe configfs 2>/dev/null");
	if (mount_options("/sys/kernel/config").empty())
		CHECK_OK(mount("configfs", "/sys/kernel/config", "configfs", 0, nullptr));
}

// Waits up to 5 s for fn to return a non-empty string.
std::string wait_for(const std::function<std::string()> &fn)
{
	for (int i = 0; i < 500; i++) {
		const std::string r = fn();
		if (!r.empty())
			return r;
		usleep(10000);
	}
	return "";
}

// The entries of a directory.
std::vector<std::string> entries(const std::string &dir)
{
	std::vector<std::string> names;
	if (DIR *d = opendir(dir.c_str())) {
		while (struct dirent *e = readdir(d))
			if (e->d_name[0] != '.')
				names.push_back(e->d_name);
		closedir(d);
	}
	return names;
}

class Lio {
public:
	Lio(const std::string &file, size_t bytes)
	{
		if (vt::sh("modprobe target_core_file && modprobe tcm_loop && modprobe sd_mod") != 0)
			tap::skip("no LIO fileio or tcm_loop module");
		configfs();
		try {
			setup(file, bytes);
		} catch (...) {
			teardown();
			throw;
		}
	}
	~Lio() { teardown(); }
	Lio(const Lio &) = delete;
	Lio &operator=(const Lio &) = delete;

	std::string path;
	vt::Fd disk;

private:
	void setup(const std::string &file, size_t bytes)
	{
		CHECK_OK(mkdir(hba_.c_str(), 0755));
		CHECK_OK(mkdir(dev_.c_str(), 0755));
		put(dev_ + "/control", "fd_dev_name=" + file + ",fd_dev_size=" + std::to_string(bytes));
		put(dev_ + "/enable", "1");
		put(dev_ + "/attrib/emulate_tpu", "1");
		// The fabric's directory appears when first made.
		for (const std::string &d : {root_ + "/loopback", wwn_, tpg_, tpg_ + "/lun/lun_0"})
			if (!exists(d))
				CHECK_OK(mkdir(d.c_str(), 0755));
		put(tpg_ + "/nexus", "naa.50014050000000a2");
		CHECK_OK(symlink(dev_.c_str(), link_.c_str()));
		sd_ = wait_for([] {
			for (const auto &h : entries("/sys/class/scsi_disk")) {
				const std::string d = "/sys/class/scsi_disk/" + h;
				if (get(d + "/device/model").rfind("FILEIO", 0) == 0 &&
				    !entries(d + "/device/block").empty())
					return d;
			}
			return std::string();
		});
		if (sd_.empty())
			tap::fail("no SCSI disk from tcm_loop", __FILE__, __LINE__);
		path = "/dev/" + entries(sd_ + "/device/block").front();
		// The node may be there before the disk is (ENXIO).
		CHECK(!wait_for([&] {
			       disk.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
			       return disk.get() >= 0 ? path : "";
		       }).empty());
		// UNMAP rather than WRITE SAME, which the backstore does not
		// emulate; set once the disk's first revalidation is over.
		CHECK(!wait_for([&] {
			       put(sd_ + "/provisioning_mode", "unmap");
			       usleep(50000);
			       return get(sd_ + "/provisioning_mode") == "unmap" ? "unmap" : "";
		       }).empty());
	}

	void teardown()
	{
		disk.reset();
		if (!sd_.empty()) {
			std::ofstream(sd_ + "/device/delete") << "1\n";
			wait_for([this] { return exists(sd_) ? "" : "gone"; });
		}
		unlink(link_.c_str());
		for (const std::string &d : {tpg_ + "/lun/lun_0", tpg_, wwn_, dev_, hba_})
			rmdir(d.c_str());
		if (exists(hba_))
			tap::note("LIO teardown left " + hba_);
	}

	const std::string root_ = "/sys/kernel/config/target";
	const std::string hba_ = root_ + "/core/fileio_7";
	const std::string dev_ = hba_ + "/vpin";
	const std::string wwn_ = root_ + "/loopback/naa.50014050000000a1";
	const std::string tpg_ = wwn_ + "/tpgt_1";
	const std::string link_ = tpg_ + "/lun/lun_0/vpin";
	std::string sd_;
};

// BLKDISCARD on the exported disk, returning like a system call.
long discard(const std::string &disk, size_t first, size_t n)
{
	vt::Fd fd = open_file(disk, O_RDWR);
	return blk_range(fd.get(), BLKDISCARD, first, n);
}

void lio(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const std::string p = fs.file("f");
	std::string data = contents(p);
	Lio t(p, pages(file_pages));
	size_t first = 0;
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		Holder h(p, type, true);
		refused(std::string(lease_name(type)) + ": UNMAP through " + t.path, EIO,
			[&] { return blk_range(t.disk.get(), BLKDISCARD, first, 2); });
		check_contents("LIO UNMAP", p, data);
		h.check_untouched();
		h.release();
		h.check_gone();
		// Without the lease the same UNMAP punches the file.
		quick_ok("UNMAP without the lease",
			 [&] { return blk_range(t.disk.get(), BLKDISCARD, first, 2); });
		data = with(data, first, zeros(2));
		check_contents("LIO UNMAP without the lease", p, data);
		first += 8;
	}
}

class Nvmet {
public:
	explicit Nvmet(const std::string &file)
	{
		configfs();
		if (vt::sh("modprobe nvmet && modprobe nvme-fabrics") != 0)
			tap::skip("no nvmet");
		const bool loop = vt::sh("modprobe nvme-loop 2>/dev/null") == 0;
		if (!loop && vt::sh("modprobe nvmet-tcp && modprobe nvme-tcp && ip link set lo up") != 0)
			tap::skip("neither nvme-loop nor nvme-tcp");
		try {
			setup(file, loop);
		} catch (...) {
			teardown();
			throw;
		}
	}
	~Nvmet() { teardown(); }
	Nvmet(const Nvmet &) = delete;
	Nvmet &operator=(const Nvmet &) = delete;

	std::string path, transport;

private:
	void setup(const std::string &file, bool loop)
	{
		CHECK_OK(mkdir(subsys_.c_str(), 0755));
		put(subsys_ + "/attr_allow_any_host", "1");
		CHECK_OK(mkdir(ns_.c_str(), 0755));
		put(ns_ + "/device_path", file);
		put(ns_ + "/enable", "1");
		CHECK_OK(mkdir(port_.c_str(), 0755));
		std::string opts = "nqn=" + nqn_;
		if (loop) {
			put(port_ + "/addr_trtype", "loop");
			opts += ",transport=loop";
		} else {
			put(port_ + "/addr_trtype", "tcp");
			put(port_ + "/addr_adrfam", "ipv4");
			put(port_ + "/addr_traddr", "127.0.0.1");
			put(port_ + "/addr_trsvcid", "4420");
			opts += ",transport=tcp,traddr=127.0.0.1,trsvcid=4420";
		}
		CHECK_OK(symlink(subsys_.c_str(), link_.c_str()));
		transport = loop ? "nvme-loop" : "nvme-tcp";
		vt::Fd fab = open_file("/dev/nvme-fabrics", O_RDWR);
		CHECK_EQ(write(fab.get(), opts.data(), opts.size()), static_cast<ssize_t>(opts.size()));
		char buf[128] = {};
		CHECK(read(fab.get(), buf, sizeof(buf) - 1) > 0);
		unsigned instance = 0;
		CHECK(std::sscanf(buf, "instance=%u", &instance) == 1);
		ctrl_ = "/sys/class/nvme/nvme" + std::to_string(instance);
		const std::string ns = "nvme" + std::to_string(instance) + "n1";
		path = "/dev/" + ns;
		CHECK(!wait_for([&] { return exists(path) ? path : ""; }).empty());
	}

	void teardown()
	{
		if (!ctrl_.empty()) {
			std::ofstream(ctrl_ + "/delete_controller") << "1\n";
			wait_for([this] { return exists(ctrl_) ? "" : "gone"; });
		}
		unlink(link_.c_str());
		rmdir(port_.c_str());
		std::ofstream(ns_ + "/enable") << "0\n";
		rmdir(ns_.c_str());
		rmdir(subsys_.c_str());
		if (exists(subsys_))
			tap::note("nvmet teardown left " + subsys_);
	}

	const std::string root_ = "/sys/kernel/config/nvmet";
	const std::string nqn_ = "vpin-dax-paths";
	const std::string subsys_ = root_ + "/subsystems/" + nqn_;
	const std::string ns_ = subsys_ + "/namespaces/1";
	const std::string port_ = root_ + "/ports/7";
	const std::string link_ = port_ + "/subsystems/" + nqn_;
	std::string ctrl_;
};

void nvmet(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	const std::string p = fs.file("f");
	std::string data = contents(p);
	Nvmet t(p);
	{
		Holder h(p, VPIN_LEASE_EXCLUSIVE, true);
		refused("E: " + t.transport + " DSM deallocate", EIO, [&] { return discard(t.path, 0, 2); });
		check_contents("nvmet E", p, data);
		h.check_untouched();
		h.release();
		quick_ok("DSM deallocate without the lease", [&] { return discard(t.path, 0, 2); });
		data = with(data, 0, zeros(2));
		check_contents("nvmet without the lease", p, data);
	}
	// B: vfs_fallocate() in nvmet's workqueue breaks the lease first.
	for (bool ignored : {false, true}) {
		const size_t first = ignored ? 12 : 8;
		Holder h(p, VPIN_LEASE_BREAKABLE, !ignored);
		const std::string what = std::string(k.name) + " B " + (ignored ? "U ignored" : "M") +
					 ": " + t.transport + " DSM deallocate";
		auto change = [&] { CHECK_OK(discard(t.path, first, 2)); };
		if (ignored) {
			sigbus_count = 0;
			const int64_t start = now_ns();
			vt::Child c = other_process(h, change);
			c.wait();
			const int64_t took = now_ns() - start;
			if (took < (break_ms - 50) * ms_ns || took > (break_ms + revoke_slack_ms) * ms_ns)
				tap::fail(what + ": took " + ms_str(took), __FILE__, __LINE__);
			const auto evs = vt::read_events(h.session.get());
			CHECK_EQ(evs.size(), size_t{2});
			check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h, VPIN_BREAK_FALLOCATE, 0);
			check_event(evs[1], VPIN_EVENT_LEASE_REVOKED, h, VPIN_BREAK_FALLOCATE, 0);
			CHECK_EQ(int{sigbus_count}, 1);
			h.check_gone();
			tap::note(what + ": revoked, done after " + ms_str(took));
		} else {
			vt::Child c = other_process(h, change);
			vt::wait_event(h.session.get(), event_timeout_ms);
			const auto evs = vt::read_events(h.session.get());
			CHECK_EQ(evs.size(), size_t{1});
			check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h, VPIN_BREAK_FALLOCATE, 0);
			// The breaker is a kworker, not the process that asked.
			CHECK(static_cast<pid_t>(evs[0].breaker_pid) != c.pid());
			const int64_t released = now_ns();
			h.release();
			c.wait();
			const int64_t done = now_ns() - released;
			if (done > prompt_ms * ms_ns)
				tap::fail(what + ": done " + ms_str(done) + " after the release", __FILE__,
					  __LINE__);
			h.check_gone();
			tap::note(what + ": done " + ms_str(done) + " after the release");
		}
		data = with(data, first, zeros(2));
		check_contents(what, p, data);
	}
}

// ---------------------------------------------------------------------------
// overlayfs over the DAX file system.

struct Overlay {
	explicit Overlay(const Fs &fs) : base(fs.path("ovl"))
	{
		for (const char *d : {"", "/lower", "/upper", "/work", "/merged"})
			CHECK_OK(mkdir((base + d).c_str(), 0755));
	}
	void mount_it()
	{
		if (vt::sh("modprobe overlay 2>/dev/null") != 0 && !exists("/sys/module/overlay"))
			tap::skip("no overlayfs");
		const std::string opts = "lowerdir=" + base + "/lower,upperdir=" + base +
					 "/upper,workdir=" + base + "/work";
		CHECK_OK(mount("overlay", merged().c_str(), "overlay", 0, opts.c_str()));
		mounted = true;
	}
	~Overlay()
	{
		if (mounted && umount(merged().c_str()) != 0)
			umount2(merged().c_str(), MNT_DETACH);
	}
	std::string lower(const std::string &n) const { return base + "/lower/" + n; }
	std::string upper(const std::string &n) const { return base + "/upper/" + n; }
	std::string merged(const std::string &n = "") const { return base + "/merged/" + n; }

	std::string base;
	bool mounted = false;
};

// Copy-up clones the lower file into the upper layer where it can (6.12
// through vfs_clone_file_range(), 6.1 through do_clone_file_range()). A
// leased lower file is the clone's source: the xfs remap hook refuses it
// (reading breaks no lease), ext4 cannot clone, and the data is copied.
// Size changes and fallocate of an upper file through the overlay reach
// notify_change() and vfs_fallocate() of the upper file from overlayfs,
// with the upper inode locked.
void overlay(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	count_sigbus();
	Fs fs(k);
	Overlay o(fs);
	for (const char *n : {"ce", "cm", "cu"})
		vt::make_file(o.lower(n), pages(file_pages), 1);
	for (const char *n : {"te", "tb", "fb"})
		vt::make_file(o.upper(n), pages(file_pages), 2);
	o.mount_it();
	auto copy_up = [&](const std::string &n) {
		vt::Fd fd = open_file(o.merged(n), O_RDWR);
		return 0;
	};
	const std::vector<std::pair<std::string, uint32_t>> copies = {
		{"ce", VPIN_LEASE_EXCLUSIVE}, {"cm", VPIN_LEASE_BREAKABLE}, {"cu", VPIN_LEASE_BREAKABLE}};
	for (const auto &[n, type] : copies) {
		const bool mapped = n != "cu";
		Holder h(o.lower(n), type, mapped);
		const std::string what = std::string(k.name) + " " + lease_name(type) +
					 (mapped ? " M" : " U") + " on the lower file: copy-up";
		quick_ok(what, [&] { return copy_up(n); });
		h.check_untouched();
		check_contents(what, o.merged(n), pattern(1));
		check_contents(what, o.lower(n), pattern(1));
		vt::Fd lower = open_file(o.lower(n), O_RDONLY);
		CHECK(!any_shared(lower.get()));
		h.release();
		h.check_gone();
	}
	{
		Holder h(o.upper("te"), VPIN_LEASE_EXCLUSIVE, true);
		refused("E on the upper file: truncate through the overlay", ETXTBSY,
			[&] { return truncate(o.merged("te").c_str(), offset(8)); });
		refused("E on the upper file: fallocate PUNCH_HOLE through the overlay", ETXTBSY, [&] {
			vt::Fd fd = open_file(o.merged("te"), O_RDWR);
			return fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
					 offset(2));
		});
		check_contents("overlay", o.upper("te"), pattern(2));
		h.check_untouched();
		h.release();
	}
	{
		Holder h(o.upper("tb"), VPIN_LEASE_BREAKABLE, true);
		broken_then_done(h, std::string(k.name) + " B M on the upper file: truncate through the overlay",
				 VPIN_BREAK_TRUNCATE,
				 [&] { CHECK_OK(truncate(o.merged("tb").c_str(), offset(8))); });
		check_contents("overlay truncate", o.upper("tb"), pattern(2).substr(0, pages(8)));
	}
	{
		Holder h(o.upper("fb"), VPIN_LEASE_BREAKABLE, false);
		broken_then_done(h, std::string(k.name) + " B U on the upper file: fallocate PUNCH_HOLE through the overlay",
				 VPIN_BREAK_FALLOCATE, [&] {
					 vt::Fd fd = open_file(o.merged("fb"), O_RDWR);
					 CHECK_OK(fallocate(fd.get(),
							    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
							    offset(3), offset(2)));
				 });
		check_contents("overlay punch", o.upper("fb"), with(pattern(2), 3, zeros(2)));
	}
}

// ---------------------------------------------------------------------------
// Writes, faults and unlink by another process break nothing.

void others_write(const FsKind &k)
{
	Fs fs(k);
	const std::string p = fs.file("f", 1);
	Holder h(p, VPIN_LEASE_BREAKABLE, true);
	const std::string page3 = pattern(21, 1), page4 = pattern(22, 1), page5 = pattern(23, 1);
	vt::Child c = other_process(h, [&] {
		vt::Fd fd = open_file(p, O_RDWR);
		quick_ok("pwrite into the pinned range",
			 [&] { return pwrite(fd.get(), page3.data(), page3.size(), offset(3)); });
		vt::Map m(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
		std::memcpy(m.data() + pages(4), page4.data(), page4.size());
		CHECK_OK(msync(m.data(), pages(file_pages), MS_SYNC));
	});
	c.wait();
	// The holder's pinned mapping sees both.
	CHECK(std::memcmp(h.map->data() + pages(3), page3.data(), page3.size()) == 0);
	CHECK(std::memcmp(h.map->data() + pages(4), page4.data(), page4.size()) == 0);
	h.check_untouched();
	// Renamed and unlinked by another process: the pin keeps the inode and
	// its blocks.
	vt::Child u = other_process(h, [&] {
		const std::string moved = p + ".moved";
		quick_ok("rename", [&] { return rename(p.c_str(), moved.c_str()); });
		quick_ok("rename back", [&] { return rename(moved.c_str(), p.c_str()); });
		quick_ok("unlink", [&] { return unlink(p.c_str()); });
	});
	u.wait();
	CHECK(!exists(p));
	std::memcpy(h.map->data() + pages(5), page5.data(), page5.size());
	std::string back(pages(1), '\0');
	CHECK_EQ(pread(h.rw.get(), back.data(), back.size(), offset(5)), static_cast<ssize_t>(back.size()));
	CHECK(back == page5);
	h.check_untouched();
	h.release();
	h.check_gone();
}

// ---------------------------------------------------------------------------
// A core dump whose name is a leased file: do_coredump() unlinks the name
// and creates the file O_EXCL.

struct Sysctl {
	Sysctl(const std::string &p, const std::string &v) : path(p)
	{
		std::ifstream in(p);
		std::getline(in, old);
		std::ofstream(p) << v << "\n";
	}
	~Sysctl() { std::ofstream(path) << old << "\n"; }
	std::string path, old;
};

// Forks a process that dumps core; returns whether it did.
bool dump_core(const Holder &h)
{
	const int s = h.session.get();
	std::fflush(nullptr);
	const pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		::close(s);
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 1);
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		_exit(1);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	return WCOREDUMP(status);
}

void coredump(const FsKind &k)
{
	Fs fs(k);
	const std::string p = fs.path("core");
	Sysctl pattern_(std::string("/proc/sys/kernel/core_pattern"), p);
	Sysctl pid_("/proc/sys/kernel/core_uses_pid", "0");
	for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
		vt::make_file(p, pages(file_pages), 1);
		const ino_t ino = ino_of(p);
		Holder h(p, type, true);
		const bool dumped = dump_core(h);
		if (h.exclusive()) {
			// The name cannot be unlinked (EPERM), the O_EXCL create fails.
			CHECK(!dumped);
			CHECK_EQ(ino_of(p), ino);
			check_contents("E core", p, pattern(1));
		} else {
			CHECK(dumped);
			CHECK(ino_of(p) != ino);
			std::string old(pages(file_pages), '\0');
			CHECK_EQ(pread(h.rw.get(), old.data(), old.size(), 0),
				 static_cast<ssize_t>(old.size()));
			CHECK(old == pattern(1));
		}
		h.check_untouched();
		h.release();
		h.check_gone();
		if (exists(p))
			CHECK_OK(unlink(p.c_str()));
	}
}

// ---------------------------------------------------------------------------
// FIFREEZE while a truncate waits for a break: the truncate holds the
// superblock's write reference, the freeze waits for it, the holder can
// still release.

void freeze_during_break(const FsKind &k)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const std::string p = fs.file("f");
	Holder h(p, VPIN_LEASE_BREAKABLE, true);
	vt::Child truncater = other_process(h, [&] {
		vt::Fd fd = open_file(p, O_RDWR);
		CHECK_OK(ftruncate(fd.get(), offset(8)));
	});
	vt::wait_event(h.session.get(), event_timeout_ms);
	vt::read_events(h.session.get());
	vt::Channel ch;
	vt::Child freezer = other_process(h, [&] {
		vt::Fd d = open_file(fs.mnt(), O_RDONLY | O_DIRECTORY);
		int zero = 0;
		CHECK_OK(ioctl(d.get(), FIFREEZE, &zero));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(now_ns()));
	});
	usleep(300000);
	struct pollfd pf = {ch.a.get(), POLLIN, 0};
	CHECK_EQ(poll(&pf, 1, 0), 0);	// still waiting for the truncate
	const int64_t released = now_ns();
	h.release();
	const auto frozen = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	truncater.wait();
	freezer.wait();
	{
		vt::Fd d = open_file(fs.mnt(), O_RDONLY | O_DIRECTORY);
		int zero = 0;
		CHECK_OK(ioctl(d.get(), FITHAW, &zero));
	}
	if (frozen - released > prompt_ms * ms_ns)
		tap::fail("frozen " + ms_str(frozen - released) + " after the release", __FILE__,
			  __LINE__);
	h.check_gone();
	check_contents("truncate", p, pattern(1).substr(0, pages(8)));
	tap::note(std::string(k.name) + ": frozen " + ms_str(frozen - released) +
		  " after the release");
}

// ---------------------------------------------------------------------------
// Calls that leave the file's blocks alone: under either lease they
// succeed or fail as without it, break nothing and move no block.

struct xfs_fs_eofblocks {
	uint32_t eof_version, eof_flags, eof_uid, eof_gid, eof_prid, pad32;
	uint64_t eof_min_file_size;
	uint64_t pad64[12];
};
static_assert(sizeof(xfs_fs_eofblocks) == 128);
const unsigned long xfs_ioc_free_eofblocks = _IOR('X', 58, struct xfs_fs_eofblocks);
struct xfs_scrub_metadata {
	uint32_t sm_type, sm_flags;
	uint64_t sm_ino;
	uint32_t sm_gen, sm_agno;
	uint64_t sm_reserved[5];
};
static_assert(sizeof(xfs_scrub_metadata) == 64);
const unsigned long xfs_ioc_scrub_metadata = _IOWR('X', 60, struct xfs_scrub_metadata);

uint64_t fs_blocks(const std::string &mnt)
{
	struct statfs s;
	CHECK_OK(statfs(mnt.c_str(), &s));
	return s.f_blocks * static_cast<uint64_t>(s.f_bsize);
}

constexpr size_t small_pages = 8;	// ext4 turns at most 12 blocks into an indirect map

// Drops the page cache, dentries and inodes of the whole system; returns
// how long that took.
int64_t drop_caches()
{
	const int64_t start = now_ns();
	std::ofstream out("/proc/sys/vm/drop_caches");
	out << "3\n";
	out.flush();
	if (!out)
		tap::fail("drop_caches: cannot write", __FILE__, __LINE__);
	return now_ns() - start;
}

void harmless(const FsKind &k, uint32_t type, bool mapped)
{
	vt::BreakTime bt(break_ms);
	Fs fs(k);
	const std::string p = fs.file("f", 1, small_pages);
	const std::string l = std::string(lease_name(type)) + (mapped ? " M" : " U") + ": ";
	if (k.is_xfs()) {
		// Blocks past EOF for XFS_IOC_FREE_EOFBLOCKS. (ext4 turns only a
		// file of one extent into an indirect block map.)
		vt::Fd fd = open_file(p, O_RDWR);
		CHECK_OK(fallocate(fd.get(), FALLOC_FL_KEEP_SIZE, offset(small_pages), offset(4)));
	}
	// drop_caches works through every cache of the system, which takes
	// its own time on a slow (debug) kernel: a break would add break_ms.
	const int64_t drop_alone = drop_caches();
	Holder h(p, type, mapped, small_pages);
	const int fd = h.rw.get();
	std::string data = contents(p);
	const auto blocks = block_map(fd);
	CHECK(std::find(blocks.begin(), blocks.end(), uint64_t{0}) == blocks.end());
	auto ok = [&](const std::string &what, const std::function<long()> &fn) {
		quick_ok(l + what, fn);
	};
	auto fails = [&](const std::string &what, int err, const std::function<long()> &fn) {
		refused(l + what, err, fn);
	};

	// The DAX inode flag: S_DAX changes only when an inode is instantiated,
	// and -o dax ignores the flag.
	for (int i = 0; i < 2; i++) {
		struct fsxattr fa = {};
		CHECK_OK(ioctl(fd, FS_IOC_FSGETXATTR, &fa));
		fa.fsx_xflags ^= FS_XFLAG_DAX;
		ok("FS_IOC_FSSETXATTR toggling FS_XFLAG_DAX",
		   [&] { return ioctl(fd, FS_IOC_FSSETXATTR, &fa); });
		CHECK(is_dax(p));
	}
	// Other inode flags: immutable and append-only, set and cleared.
	for (int flag : {FS_IMMUTABLE_FL, FS_APPEND_FL}) {
		int flags = 0;
		CHECK_OK(ioctl(fd, FS_IOC_GETFLAGS, &flags));
		int on = flags | flag;
		ok("FS_IOC_SETFLAGS +i/+a", [&] { return ioctl(fd, FS_IOC_SETFLAGS, &on); });
		ok("FS_IOC_SETFLAGS -i/-a", [&] { return ioctl(fd, FS_IOC_SETFLAGS, &flags); });
	}
	if (k.is_xfs()) {
		// Extent size and realtime cannot change once the file has extents.
		struct fsxattr fa = {};
		CHECK_OK(ioctl(fd, FS_IOC_FSGETXATTR, &fa));
		struct fsxattr ext = fa;
		ext.fsx_xflags |= FS_XFLAG_EXTSIZE;
		ext.fsx_extsize = 64 * 1024;
		fails("FSSETXATTR extent size", EINVAL, [&] { return ioctl(fd, FS_IOC_FSSETXATTR, &ext); });
		struct fsxattr rt = fa;
		rt.fsx_xflags |= FS_XFLAG_REALTIME;
		fails("FSSETXATTR realtime", EINVAL, [&] { return ioctl(fd, FS_IOC_FSSETXATTR, &rt); });
	}
	int blk = 0;
	if (k.is_xfs()) {
		// xfs_dax_aops has no ->bmap.
		fails("FIBMAP", EINVAL, [&] { return ioctl(fd, FIBMAP, &blk); });
	} else {
		ok("FIBMAP", [&] { return ioctl(fd, FIBMAP, &blk); });
		CHECK_EQ(static_cast<uint64_t>(blk) * 4096, blocks[0]);
	}
	CHECK_EQ(lseek(fd, 0, SEEK_DATA), off_t{0});
	CHECK_EQ(lseek(fd, 0, SEEK_HOLE), offset(small_pages));
	ok("fsync", [&] { return fsync(fd); });
	ok("fdatasync", [&] { return fdatasync(fd); });
	ok("syncfs", [&] { return syncfs(fd); });
	if (mapped)
		ok("msync", [&] { return msync(h.map->data(), pages(small_pages), MS_SYNC); });
	for (int advice : {POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE, POSIX_FADV_WILLNEED})
		ok("posix_fadvise", [&] { return -posix_fadvise(fd, 0, 0, advice); });
	{
		const int64_t took = drop_caches();
		if (took > refuse_ms * ms_ns && took > drop_alone + break_ms * ms_ns / 2)
			tap::fail(l + "drop_caches: took " + ms_str(took) + ", " + ms_str(drop_alone) +
					  " without a lease",
				  __FILE__, __LINE__);
	}
	{
		vt::Fd d = open_file(fs.mnt(), O_RDONLY | O_DIRECTORY);
		int zero = 0;
		ok("FIFREEZE", [&] { return ioctl(d.get(), FIFREEZE, &zero); });
		check_contents(l + "frozen", p, data);
		ok("FITHAW", [&] { return ioctl(d.get(), FITHAW, &zero); });
		struct fstrim_range tr = {0, ~0ull, 0};
		errno = 0;
		const int r = ioctl(d.get(), FITRIM, &tr);
		// pmem has no discard.
		CHECK(r == 0 || errno == EOPNOTSUPP);
	}
	fails("umount", EBUSY, [&] { return umount(fs.mnt().c_str()); });
	// An active swap file is EBUSY; a DAX file has no ->read_folio: EINVAL.
	fails("swapon", h.exclusive() ? EBUSY : EINVAL, [&] { return swapon(p.c_str(), 0); });
	if (k.is_xfs()) {
		xfs_fs_eofblocks eof = {};
		eof.eof_version = 1;
		eof.eof_flags = 1;	// XFS_EOF_FLAGS_SYNC
		ok("XFS_IOC_FREE_EOFBLOCKS", [&] { return ioctl(fd, xfs_ioc_free_eofblocks, &eof); });
		fails("XFS_IOC_ALLOCSP64", ENOTTY,
		      [&] { return prealloc(fd, xfs_ioc_allocsp64, 0, small_pages); });
		fails("XFS_IOC_FREESP64", ENOTTY, [&] { return prealloc(fd, xfs_ioc_freesp64, 0, 0); });
		xfs_scrub_metadata sm = {};
		sm.sm_type = 1;	// XFS_SCRUB_TYPE_SB
		fails("XFS_IOC_SCRUB_METADATA (no CONFIG_XFS_ONLINE_SCRUB)", ENOTTY,
		      [&] { return ioctl(fd, xfs_ioc_scrub_metadata, &sm); });
	} else {
		int flags = 0;
		CHECK_OK(ioctl(fd, FS_IOC_GETFLAGS, &flags));
		int j = flags | FS_JOURNAL_DATA_FL;
		fails("chattr +j", EBUSY, [&] { return ioctl(fd, FS_IOC_SETFLAGS, &j); });
		// To an indirect block map and back: the data blocks stay.
		int ind = flags & ~FS_EXTENT_FL;
		ok("chattr -e (to an indirect block map)",
		   [&] { return ioctl(fd, FS_IOC_SETFLAGS, &ind); });
		CHECK(block_map(fd) == blocks);
		ok("EXT4_IOC_MIGRATE (back to extents)", [&] { return ioctl(fd, ext4_ioc_migrate); });
		CHECK(block_map(fd) == blocks);
		int now = 0;
		CHECK_OK(ioctl(fd, FS_IOC_GETFLAGS, &now));
		CHECK_EQ(now & (FS_EXTENT_FL | FS_JOURNAL_DATA_FL), FS_EXTENT_FL);
		ok("EXT4_IOC_ALLOC_DA_BLKS", [&] { return ioctl(fd, ext4_ioc_alloc_da_blks); });
		vt::Fd ro = open_file(p, O_RDONLY);
		struct fsverity_enable_arg va = {};
		va.version = 1;
		va.hash_algorithm = FS_VERITY_HASH_ALG_SHA256;
		va.block_size = 4096;
		fails("FS_IOC_ENABLE_VERITY (no verity feature)", EOPNOTSUPP,
		      [&] { return ioctl(ro.get(), FS_IOC_ENABLE_VERITY, &va); });
	}
	// Growing the file system moves no block of a file: the first run of
	// this test grows it to the whole device.
	if (fs_blocks(fs.mnt()) < made_bytes(k) + made_bytes(k) / 8) {
		const uint64_t before = fs_blocks(fs.mnt());
		const std::string grow = k.is_xfs() ? "xfs_growfs " + fs.mnt()
						    : "resize2fs " + fs.dev();
		CHECK_EQ(vt::sh(grow + " >/dev/null 2>&1"), 0);
		CHECK(fs_blocks(fs.mnt()) > before);
		tap::note(l + grow + ": " + std::to_string(before >> 20) + " MiB -> " +
			  std::to_string(fs_blocks(fs.mnt()) >> 20) + " MiB");
	}
	if (mapped) {
		// The pin still backs the file: a write through the mapping shows.
		const std::string page = pattern(31, 1);
		std::memcpy(h.map->data() + pages(pin_first), page.data(), page.size());
		data = with(data, pin_first, page);
	}
	check_contents(l + "after all", p, data);
	CHECK(block_map(fd) == blocks);
	CHECK(is_dax(p));
	// Still protected after every flag update.
	if (h.exclusive())
		fails("ftruncate after the flag updates", ETXTBSY, [&] { return ftruncate(fd, 0); });
	h.check_untouched();
	h.release();
	h.check_gone();
}

// ---------------------------------------------------------------------------
// Shutting the file system down under leases and pins: nothing is freed,
// the sessions end normally. Ends the run's use of the file system.

void shutdown_fs(const FsKind &k)
{
	const std::string dev = device(k), mnt = mountpoint(k);
	{
		Fs fs(k);
		const std::string e = fs.file("e", 1), b = fs.file("b", 2);
		vt::Baseline base;
		// One holder in another process: each checks its own pins.
		vt::Channel ch;
		vt::Child other([&] {
			Holder hb(b, VPIN_LEASE_BREAKABLE, false);
			vt::send_u64(ch.b.get(), 1);
			CHECK_EQ(vt::recv_u64(ch.b.get()), uint64_t{2});
			hb.check_untouched(false);
			hb.release();
			hb.check_gone(false);
		});
		CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{1});
		Holder he(e, VPIN_LEASE_EXCLUSIVE, true);
		CHECK_EQ(base.pinned(), static_cast<long>(2 * pin_pages));
		vt::Fd d = open_file(fs.mnt(), O_RDONLY | O_DIRECTORY);
		uint32_t how = shutdown_nologflush;
		quick_ok(k.is_xfs() ? "XFS_IOC_GOINGDOWN" : "EXT4_IOC_SHUTDOWN",
			 [&] { return ioctl(d.get(), fs_ioc_shutdown, &how); });
		std::string back(pages(1), '\0');
		errno = 0;
		const ssize_t r = pread(he.rw.get(), back.data(), back.size(), 0);
		tap::note(std::string(k.name) + " shut down: pread " +
			  (r < 0 ? tap::errno_name(errno) : std::to_string(r) + " bytes"));
		he.check_untouched(false);
		vt::send_u64(ch.a.get(), 2);
		other.wait();
		CHECK_EQ(base.pinned(), static_cast<long>(pin_pages));
		he.release();
		he.check_gone(false);
		CHECK_EQ(base.pinned(), 0L);
	}
	CHECK_OK(umount(mnt.c_str()));
	// The next user makes a new one.
	CHECK_EQ(vt::sh("wipefs -a -q " + dev + " >/dev/null 2>&1"), 0);
}

// ---------------------------------------------------------------------------

constexpr unsigned timeout_s = 120;

// Names as docs/dax-paths.md cites them: "<fs>: <what>". E: exclusive
// lease, B: breakable lease; M/U: the pinned pages mapped or not.
struct Registrar {
	Registrar()
	{
		for (const FsKind *kp : {&ext4_dax, &xfs_dax}) {
			const FsKind &k = *kp;
			const std::string n = std::string(k.name) + ": ";
			auto reg = [&n](const std::string &what, std::function<void()> fn) {
				tap::Register(n + what, std::move(fn), timeout_s);
			};
			reg("io_uring FALLOCATE, OPENAT O_TRUNC, FTRUNCATE (E refused; B: EDEADLK for the "
			    "holder, broken first, M and U)",
			    [&k] { uring(k); });
			reg("madvise and io_uring MADVISE MADV_REMOVE (E refused; B: EDEADLK for the "
			    "holder, broken first, M and U)",
			    [&k] { madv(k); });
			reg("FS_IOC_RESVSP64, UNRESVSP64, ZERO_RANGE (E refused; B: EDEADLK, broken "
			    "first, read-only EBADF)",
			    [&k] { preallocation(k); });
			reg("size changes and every fallocate mode (B broken first, M and U)",
			    [&k] { layout_mu(k); });
			reg("fallocate UNSHARE_RANGE (E refused; B broken first)", [&k] { unshare(k); });
			if (k.is_xfs()) {
				reg("reflink, dedupe, copy_file_range with the pinned file the lower or "
				    "higher inode (E refused; B: into it broken first, never a busy loop; "
				    "out of it refused; copies copy)",
				    [&k] { clone_order(k); });
				reg("XFS_IOC_COMMIT_RANGE (E and B refused, 6.10+)",
				    [&k] { commit_range(k); });
				reg("shared extents: E and B grants ENODATA, granted after UNSHARE_RANGE",
				    [&k] { shared_extents(k); });
				reg("XFS_IOC_SWAPEXT backstop: O_NONBLOCK ignored, SIGKILL revokes at once, "
				    "the holder's own call revokes",
				    [&k] { swapext_backstop(k); });
				reg("lease grants take under 100 ms once the hooks are in",
				    [&k] { grant_latency(k); });
				reg("B: FIDEDUPERANGE into it by its owner through a read-only descriptor "
				    "breaks first",
				    [&k] { dedupe_into_readonly(k); });
			} else {
				reg("FICLONE, FICLONERANGE, FIDEDUPERANGE (B: EOPNOTSUPP at once; FICLONE "
				    "into it breaks first)",
				    [&k] { ext4_remap(k); });
				reg("EXT4_IOC_MOVE_EXT with -o dax (E and B: EOPNOTSUPP)",
				    [&k] { move_ext_dax_always(k); });
				reg("EXT4_IOC_MOVE_EXT with dax=inode (leased DAX donor or breakable orig: "
				    "ETXTBSY)",
				    [&k] { move_ext_dax_inode(k); });
				reg("EXT4_IOC_SWAP_BOOT (E EINVAL; B: backstop breaks first, SIGKILL revokes "
				    "at once, other signals do not end the wait, the holder's own call "
				    "revokes)",
				    [&k] { swap_boot_test(k); });
			}
			reg("loop device discard and write-zeroes (E and B refused in ->fallocate)",
			    [&k] { loop_device(k); });
			// Both targets reach the file system through calls that other
			// rows test on both: ->fallocate (the loop device) and
			// vfs_fallocate(). One file system each keeps the time down.
			if (k.is_xfs())
				reg("LIO fileio UNMAP through tcm_loop (E and B refused in ->fallocate)",
				    [&k] { lio(k); });
			else
				reg("nvmet file namespace discard (E refused; B: broken first from a "
				    "kworker)",
				    [&k] { nvmet(k); });
			reg("overlayfs copy-up of a leased lower file (copied), truncate and fallocate "
			    "of a leased upper file",
			    [&k] { overlay(k); });
			reg("B: another process's write, write fault, rename, unlink break nothing",
			    [&k] { others_write(k); });
			reg("core dump onto a leased file's name", [&k] { coredump(k); });
			reg("FIFREEZE while a truncate waits for a break", [&k] { freeze_during_break(k); });
			for (uint32_t type : {VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_BREAKABLE}) {
				// Nothing of an exclusive lease depends on the mapping.
				for (bool mapped : {true, false}) {
					if (type == VPIN_LEASE_EXCLUSIVE && !mapped)
						continue;
					reg(std::string("calls that move no block, ") + lease_name(type) +
						    (mapped ? " M" : " U"),
					    [&k, type, mapped] { harmless(k, type, mapped); });
				}
			}
		}
		for (const FsKind *kp : {&ext4_dax, &xfs_dax}) {
			const FsKind &k = *kp;
			tap::Register(std::string(k.name) + ": shutdown with E and B leases and pins",
				      [&k] { shutdown_fs(k); }, timeout_s);
		}
	}
} registrar;

} // namespace
