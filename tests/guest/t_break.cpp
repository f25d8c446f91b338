// SPDX-License-Identifier: GPL-2.0
// Breakable leases. A layout change of the file by another process (a size
// change, fallocate PUNCH_HOLE, COLLAPSE_RANGE, INSERT_RANGE or ZERO_RANGE,
// a reflink or dedupe into it) breaks the lease: the holding session is told
// (read, poll, O_ASYNC) and the change waits. A holder that releases the lease
// lets it go on at once; one that does not loses the lease and its pins on the
// file when break_time_ms has passed, and gets SIGBUS. Also: holders and
// breakers that die or are interrupted, non-blocking breakers, sessions passed
// to another process, two holders, a holder changing the file itself,
// conflicts with exclusive leases, and what a holder can still do while a
// breaker waits holding the inode lock.
#include "tap.hpp"
#include "util.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <memory>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

namespace {

using vt::contents;
using vt::offset;
using vt::open_file;
using vt::pages;
using vt::with;
using vt::zeros;
constexpr size_t file_pages = 16;
// The holder's pins: pages [2, 6) of the file (WRITE on FS-DAX), [8, 10)
// read-only, and one page of anonymous memory.
constexpr size_t pinned_file_pages = 6;
constexpr long pinned_pages = pinned_file_pages + 1;

constexpr int64_t ms_ns = 1000000;
// break_time_ms during these tests.
constexpr int64_t break_ms = 1500;
// A waiting breaker finishes this soon after the last lease is gone.
constexpr int64_t prompt_ms = 200;
// A revoking breaker finishes this soon after the break time.
constexpr int64_t revoke_slack_ms = 500;
// Calls that must not wait for anything finish within this.
constexpr int64_t quick_ms = 1000;
constexpr int event_timeout_ms = 10000;

using vt::count_sigbus;
using vt::sigbus_count;

void on_signal(int) {}

using vt::ext4_dax;
using vt::event_queued;
using vt::ms_str;
using vt::now_ns;
using vt::read_events;

// break_time_ms during these tests.
struct BreakTime : vt::BreakTime {
	BreakTime() : vt::BreakTime(break_ms) {}
};

int64_t wait_event(int session)
{
	return vt::wait_event(session, event_timeout_ms);
}
using vt::FsKind;
using vt::xfs_dax;
using vt::xfs_pagecache;

class Mount : public vt::Mount {
public:
	using vt::Mount::Mount;
	// A fully written file of file_pages pages of pattern seed.
	std::string file(const std::string &name, uint64_t seed = 1) const
	{
		const std::string p = path(name);
		vt::make_file(p, pages(file_pages), seed);
		return p;
	}
};

std::string pattern(uint64_t seed)
{
	std::string s(pages(file_pages), '\0');
	vt::fill_pattern(s.data(), s.size(), seed);
	return s;
}

// Fails unless the file holds want, naming the size or the first page that differs.
void check_contents(const std::string &path, const std::string &want)
{
	const std::string got = contents(path);
	if (got.size() != want.size())
		tap::fail(path + " has " + std::to_string(got.size()) + " bytes, expected " +
				  std::to_string(want.size()),
			  __FILE__, __LINE__);
	const auto diff = std::mismatch(got.begin(), got.end(), want.begin()).first;
	if (diff != got.end())
		tap::fail(path + ": page " +
				  std::to_string(static_cast<size_t>(diff - got.begin()) / pages(1)) +
				  " is not as expected",
			  __FILE__, __LINE__);
}

off_t size_of(const std::string &path)
{
	struct stat st;
	CHECK_OK(stat(path.c_str(), &st));
	return st.st_size;
}

std::string slice(const std::string &s, size_t first, size_t n)
{
	return s.substr(pages(first), pages(n));
}

// st_dev as the module reports it: major << 20 | minor.
uint64_t kernel_dev(dev_t dev)
{
	return static_cast<uint64_t>(major(dev)) << 20 | minor(dev);
}

// What an event about a lease must say.
struct Expect {
	uint64_t lease, dev, ino;
	uint32_t reason;
	pid_t breaker;
};

Expect expect_for(const std::string &path, uint64_t lease, uint32_t reason, pid_t breaker)
{
	struct stat st;
	CHECK_OK(stat(path.c_str(), &st));
	return {lease, kernel_dev(st.st_dev), st.st_ino, reason, breaker};
}

void check_event(const vpin_event &ev, uint32_t type, const Expect &e)
{
	CHECK_EQ(ev.type, type);
	CHECK_EQ(uint64_t{ev.lease_id}, e.lease);
	CHECK_EQ(ev.reason, e.reason);
	CHECK_EQ(static_cast<pid_t>(ev.breaker_pid), e.breaker);
	CHECK_EQ(uint64_t{ev.dev}, e.dev);
	CHECK_EQ(uint64_t{ev.ino}, e.ino);
	CHECK(ev.deadline_ns != 0);
	for (auto r : ev.reserved)
		CHECK_EQ(uint64_t{r}, uint64_t{0});
}

// The state of the single lease in fdinfo.
void check_lease_state(int session, uint64_t lease, const std::string &state)
{
	auto leases = vt::fdinfo(session, "lease");
	CHECK_EQ(leases.size(), size_t{1});
	const auto &l = vt::fdinfo_entry(leases, lease);
	vt::check_field(l, "type", "breakable");
	vt::check_field(l, "state", state);
}

// A session of this process with a breakable lease on path, taken through a
// read-only descriptor, and pinning pages of a shared mapping of the file and
// a page of anonymous memory.
struct Holder {
	Holder(const std::string &p, bool dax)
		: path(p), rw(open_file(p, O_RDWR)), ro(open_file(p, O_RDONLY)),
		  map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, rw.get(), 0),
		  anon(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS),
		  session(vt::open_session())
	{
		const int s = session.get();
		if (dax)
			CHECK_ERRNO(vt::pin(s, map.addr(), pages(1), 0, nullptr), EPERM);
		CHECK_OK(vt::lease(s, ro.get(), VPIN_LEASE_BREAKABLE, &lease));
		CHECK(lease != 0);
		anon.touch();
		CHECK_OK(vt::pin(s, map.addr() + pages(2), pages(4), dax ? VPIN_PIN_F_WRITE : 0,
				 &pin_a));
		CHECK_OK(vt::pin(s, map.addr() + pages(8), pages(2), 0, &pin_b));
		CHECK_OK(vt::pin(s, anon.addr(), pages(1), VPIN_PIN_F_WRITE, &pin_anon));
		CHECK_EQ(base.pinned(), pinned_pages);
		CHECK_EQ(base.vm_pin(), pinned_pages);
		check_lease_state(s, lease, "granted");
	}

	Expect expect(uint32_t reason, pid_t breaker) const
	{
		return expect_for(path, lease, reason, breaker);
	}

	// Everything is pinned and leased as at the start.
	void check_held(const std::string &state) const
	{
		check_lease_state(session.get(), lease, state);
		CHECK_EQ(vt::fdinfo(session.get(), "pin").size(), size_t{3});
		CHECK_EQ(base.pinned(), pinned_pages);
		CHECK_EQ(base.vm_pin(), pinned_pages);
	}

	// The lease and the pins on the file are gone, the anonymous pin is not.
	// The system-wide pin count is left out while others pin and unpin.
	void check_released(bool alone = true) const
	{
		CHECK(vt::fdinfo(session.get(), "lease").empty());
		auto pins = vt::fdinfo(session.get(), "pin");
		CHECK_EQ(pins.size(), size_t{1});
		vt::check_field(vt::fdinfo_entry(pins, pin_anon), "path", "[anon]");
		if (alone)
			CHECK_EQ(base.pinned(), 1L);
		CHECK_EQ(base.vm_pin(), 1L);
	}

	std::string path;
	vt::Baseline base;
	vt::Fd rw, ro;
	vt::Map map, anon;
	vt::Fd session;
	uint64_t lease = 0, pin_a = 0, pin_b = 0, pin_anon = 0;
};

// The descriptors a breaker's operation works with, opened by the breaker.
struct Target {
	std::string path;
	int fd;		// path, opened with the breaker's flags
	int src, twin;	// sources for reflink and dedupe, or -1
};

using Run = std::function<long(const Target &)>;

// The files a breaker opens.
struct Files {
	std::string path, src, twin;
};

// What a breaker saw: CLOCK_MONOTONIC times around its operation, and how
// the operation returned.
struct Outcome {
	int64_t start = 0, end = 0;
	long result = 0;
	int err = 0;

	int64_t took() const { return end - start; }
	std::string returned() const
	{
		return result == -1 ? tap::errno_name(err) : "success (" + std::to_string(result) + ")";
	}
};

// Runs an operation on the file in a child process: the breaker. It closes
// the inherited descriptors of the holder's sessions first, opens the files,
// runs setup, and reports the outcome.
class Breaker {
public:
	Breaker(const Files &f, const Run &run, const std::vector<int> &inherited,
		int flags = O_RDWR, const std::function<void()> &setup = {})
		: child_([&] {
			  ch_.a.reset();
			  for (int fd : inherited)
				  ::close(fd);
			  vt::Fd fd = open_file(f.path, flags), src, twin;
			  if (!f.src.empty())
				  src = open_file(f.src, O_RDONLY);
			  if (!f.twin.empty())
				  twin = open_file(f.twin, O_RDONLY);
			  if (setup)
				  setup();
			  const Target t{f.path, fd.get(), src.get(), twin.get()};
			  const int64_t start = now_ns();
			  errno = 0;
			  const long r = run(t);
			  const int err = errno;
			  const int64_t end = now_ns();
			  vt::send_u64(ch_.b.get(), static_cast<uint64_t>(start));
			  vt::send_u64(ch_.b.get(), static_cast<uint64_t>(end));
			  vt::send_u64(ch_.b.get(), static_cast<uint64_t>(r));
			  vt::send_u64(ch_.b.get(), static_cast<uint64_t>(err));
		  }),
		  pid_(child_.pid())
	{
		ch_.b.reset();
	}

	pid_t pid() const { return pid_; }
	int kill(int sig) { return child_.kill(sig); }

	// Waits for the operation to return and for the child to end.
	Outcome finish()
	{
		Outcome o;
		o.start = static_cast<int64_t>(vt::recv_u64(ch_.a.get()));
		o.end = static_cast<int64_t>(vt::recv_u64(ch_.a.get()));
		o.result = static_cast<long>(vt::recv_u64(ch_.a.get()));
		o.err = static_cast<int>(vt::recv_u64(ch_.a.get()));
		child_.wait();
		return o;
	}

private:
	vt::Channel ch_;
	vt::Child child_;
	const pid_t pid_;
};

long open_close(const std::string &path, int flags)
{
	const int fd = open(path.c_str(), flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

// A breaker's operation on a file of file_pages pages of pattern 1, and its
// effect, from the contents before and those of the reflink source
// (pattern 2; the dedupe source has pattern 1).
struct Op {
	const char *name;
	uint32_t reason;
	bool reflink;
	Run run;
	std::function<std::string(const std::string &before, const std::string &src)> after;
	long result = 0;
};

using Content = const std::string &;

std::vector<Op> all_ops()
{
	const size_t n = file_pages;
	return {
		{"truncate(2) smaller", VPIN_BREAK_TRUNCATE, false,
		 [](const Target &t) { return truncate(t.path.c_str(), offset(8)); },
		 [](Content b, Content) { return slice(b, 0, 8); }},
		{"truncate(2) larger", VPIN_BREAK_TRUNCATE, false,
		 [n](const Target &t) { return truncate(t.path.c_str(), offset(2 * n)); },
		 [n](Content b, Content) { return b + zeros(n); }},
		{"ftruncate", VPIN_BREAK_TRUNCATE, false,
		 [](const Target &t) { return ftruncate(t.fd, offset(4)); },
		 [](Content b, Content) { return slice(b, 0, 4); }},
		{"open O_WRONLY|O_TRUNC", VPIN_BREAK_TRUNCATE, false,
		 [](const Target &t) { return open_close(t.path, O_WRONLY | O_TRUNC); },
		 [](Content, Content) { return std::string(); }},
		{"fallocate PUNCH_HOLE|KEEP_SIZE", VPIN_BREAK_FALLOCATE, false,
		 [](const Target &t) {
			 return fallocate(t.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset(3),
					  offset(2));
		 },
		 [](Content b, Content) { return with(b, 3, zeros(2)); }},
		{"fallocate COLLAPSE_RANGE", VPIN_BREAK_FALLOCATE, false,
		 [](const Target &t) { return fallocate(t.fd, FALLOC_FL_COLLAPSE_RANGE, offset(8), offset(2)); },
		 [n](Content b, Content) { return slice(b, 0, 8) + slice(b, 10, n - 10); }},
		{"fallocate INSERT_RANGE", VPIN_BREAK_FALLOCATE, false,
		 [](const Target &t) { return fallocate(t.fd, FALLOC_FL_INSERT_RANGE, offset(8), offset(2)); },
		 [n](Content b, Content) { return slice(b, 0, 8) + zeros(2) + slice(b, 8, n - 8); }},
		{"fallocate ZERO_RANGE", VPIN_BREAK_FALLOCATE, false,
		 [](const Target &t) { return fallocate(t.fd, FALLOC_FL_ZERO_RANGE, offset(2), offset(4)); },
		 [](Content b, Content) { return with(b, 2, zeros(4)); }},
		{"FICLONE into it", VPIN_BREAK_REMAP, true,
		 [](const Target &t) { return ioctl(t.fd, FICLONE, t.src); },
		 [](Content, Content src) { return src; }},
		{"FICLONERANGE into it", VPIN_BREAK_REMAP, true,
		 [](const Target &t) { return vt::clone_range(t.src, 0, t.fd, offset(2), pages(2)); },
		 [](Content b, Content src) { return with(b, 2, slice(src, 0, 2)); }},
		{"FIDEDUPERANGE into it", VPIN_BREAK_REMAP, true,
		 [](const Target &t) { return vt::dedupe(t.twin, offset(2), t.fd, offset(2), pages(4)); },
		 [](Content b, Content) { return b; }, static_cast<long>(pages(4))},
	};
}

std::vector<Op> ops_for(const FsKind &k)
{
	std::vector<Op> ops;
	for (auto &op : all_ops())
		if (!op.reflink || k.is_xfs())
			ops.push_back(std::move(op));
	return ops;
}

const Op &find_op(const std::vector<Op> &ops, const std::string &name)
{
	for (const auto &op : ops)
		if (name == op.name)
			return op;
	tap::fail("no operation " + name, __FILE__, __LINE__);
}

// Runs fn, naming the operation in its failure.
template <typename Fn> void for_op(const Op &op, Fn fn)
{
	try {
		fn();
	} catch (const tap::Failure &e) {
		throw tap::Failure(std::string(op.name) + ": " + e.what());
	}
}

void check_succeeded(const Op &op, const Outcome &o)
{
	if (o.result != op.result)
		tap::fail(std::string("the breaker's operation returned ") + o.returned(), __FILE__,
			  __LINE__);
}

// The deadline of a break that started after the breaker's start.
void check_deadline(const vpin_event &ev, const Outcome &o)
{
	const int64_t after = static_cast<int64_t>(ev.deadline_ns) - o.start;
	if (after < break_ms * ms_ns || after > (break_ms + quick_ms) * ms_ns)
		tap::fail("deadline " + ms_str(after) + " after the breaker's start", __FILE__,
			  __LINE__);
}

// A test's mount and the sources for reflink and dedupe.
struct Setup {
	explicit Setup(const FsKind &k)
		: kind(k), mnt(k), src(mnt.file("src", 2)), twin(mnt.file("twin", 1))
	{
		count_sigbus();
	}
	Files files(const std::string &path) const
	{
		return kind.is_xfs() ? Files{path, src, twin} : Files{path, "", ""};
	}

	const FsKind &kind;
	Mount mnt;
	std::string src, twin;
	BreakTime break_time;
};

struct Latencies {
	std::vector<int64_t> event, done;

	static std::string range(std::vector<int64_t> v)
	{
		std::sort(v.begin(), v.end());
		return "min " + ms_str(v.front()) + ", median " + ms_str(v[v.size() / 2]) + ", max " +
		       ms_str(v.back());
	}
};

// (a) The holder releases the lease when told: the breaker goes on at once.
void release_when_told(const Setup &s, const Op &op, const std::string &name, Latencies &lat)
{
	const std::string path = s.mnt.file(name);
	const std::string before = contents(path);
	Holder h(path, s.kind.dax);
	Breaker b(s.files(path), op.run, {h.session.get()});
	const int64_t seen = wait_event(h.session.get());
	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(op.reason, b.pid()));
	CHECK(static_cast<int64_t>(evs[0].deadline_ns) > now_ns());
	h.check_held("breaking");
	// Only the size: a read would wait for the inode lock a truncating breaker holds.
	CHECK_EQ(size_of(path), offset(file_pages));

	const int64_t released = now_ns();
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	const int64_t returned = now_ns();
	h.check_released();
	const Outcome o = b.finish();
	check_succeeded(op, o);
	check_deadline(evs[0], o);
	if (o.end < released)
		tap::fail("the breaker did not wait for the release", __FILE__, __LINE__);
	if (o.end - returned > prompt_ms * ms_ns)
		tap::fail("the breaker finished " + ms_str(o.end - returned) + " after the release",
			  __FILE__, __LINE__);
	check_contents(path, op.after(before, pattern(2)));
	CHECK_EQ(int{sigbus_count}, 0);
	CHECK(!event_queued(h.session.get()));
	lat.event.push_back(seen - o.start);
	lat.done.push_back(std::max<int64_t>(o.end - returned, 0));
}

void every_op_released(const FsKind &k)
{
	Setup s(k);
	Latencies lat;
	unsigned i = 0;
	for (const auto &op : ops_for(k))
		for_op(op, [&] { release_when_told(s, op, "f" + std::to_string(i++), lat); });
	tap::note(std::string(k.name) + " on " + vt::kernel_release() + ": " + std::to_string(i) +
		  " breaks; event readable after the breaker's start: " + Latencies::range(lat.event) +
		  "; breaker done after the release: " + Latencies::range(lat.done));
}

// (b) The holder ignores the break: the breaker revokes the lease when the
// break time has passed.
void revoked_after_break_time(const Setup &s, const Op &op, const std::string &name)
{
	const std::string path = s.mnt.file(name);
	const std::string before = contents(path);
	Holder h(path, s.kind.dax);
	Breaker b(s.files(path), op.run, {h.session.get()});
	const int64_t seen = wait_event(h.session.get());
	const Outcome o = b.finish();
	check_succeeded(op, o);
	if (o.took() < break_ms * ms_ns || o.took() > (break_ms + revoke_slack_ms) * ms_ns)
		tap::fail("the breaker took " + ms_str(o.took()), __FILE__, __LINE__);
	// The SIGBUS was sent before the change went on.
	CHECK_EQ(int{sigbus_count}, 1);
	h.check_released();
	CHECK_ERRNO(vt::unlease(h.session.get(), h.lease), ENOENT);

	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{2});
	const Expect e = h.expect(op.reason, b.pid());
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, e);
	check_event(evs[1], VPIN_EVENT_LEASE_REVOKED, e);
	check_deadline(evs[0], o);
	CHECK(o.end >= static_cast<int64_t>(evs[0].deadline_ns));
	check_contents(path, op.after(before, pattern(2)));
	tap::note(std::string(s.kind.name) + " on " + vt::kernel_release() + ": " + op.name +
		  ": event after " + ms_str(seen - o.start) + "; revoked, breaker done after " +
		  ms_str(o.took()) + ", " +
		  ms_str(o.end - static_cast<int64_t>(evs[0].deadline_ns)) + " after the deadline");
	sigbus_count = 0;
}

void revocations(const FsKind &k, const std::vector<std::string> &names)
{
	Setup s(k);
	const auto ops = ops_for(k);
	unsigned i = 0;
	for (const auto &name : names) {
		const Op &op = find_op(ops, name);
		for_op(op, [&] { revoked_after_break_time(s, op, "f" + std::to_string(i++)); });
	}
}

const Op &truncate_op()
{
	static const std::vector<Op> ops = all_ops();
	return ops.front();
}

void holder_killed(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	vt::Baseline base;
	vt::Channel ch;
	vt::Child holder([&] {
		ch.a.reset();
		Holder h(path, k.dax);
		vt::send_u64(ch.b.get(), 1);
		wait_event(h.session.get());
		vt::send_u64(ch.b.get(), 2);
		for (;;)
			pause();
	});
	ch.b.reset();
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{1});
	CHECK_EQ(base.pinned(), pinned_pages);
	Breaker b(s.files(path), truncate_op().run, {ch.a.get()});
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{2});
	const int64_t killed = now_ns();
	const int status = holder.kill(SIGKILL);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	const Outcome o = b.finish();
	check_succeeded(truncate_op(), o);
	if (o.end - killed > prompt_ms * ms_ns)
		tap::fail("the breaker finished " + ms_str(o.end - killed) + " after SIGKILL", __FILE__,
			  __LINE__);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(contents(path).size(), pages(8));
	// Nothing of the dead holder's lease is left: an exclusive lease is granted.
	auto session = vt::open_session();
	vt::Fd fd = open_file(path, O_RDWR);
	uint64_t id = 0;
	CHECK_OK(vt::lease(session.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &id));
	CHECK_OK(vt::unlease(session.get(), id));
	tap::note(std::string(k.name) + " on " + vt::kernel_release() + ": breaker done " +
		  ms_str(o.end - killed) + " after SIGKILL of the holder");
}

void breaker_killed(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	const std::string before = contents(path);
	Holder h(path, k.dax);
	Breaker b(s.files(path), truncate_op().run, {h.session.get()});
	wait_event(h.session.get());
	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(VPIN_BREAK_TRUNCATE, b.pid()));
	const int64_t start = now_ns();
	const int status = b.kill(SIGKILL);
	if (now_ns() - start > quick_ms * ms_ns)
		tap::fail("killing the waiting breaker took " + ms_str(now_ns() - start), __FILE__,
			  __LINE__);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	h.check_held("breaking");
	check_contents(path, before);
	// With no breaker left nobody revokes the lease, even past the deadline.
	const int64_t wait = static_cast<int64_t>(evs[0].deadline_ns) + 300 * ms_ns - now_ns();
	if (wait > 0)
		usleep(static_cast<useconds_t>(wait / 1000));
	h.check_held("breaking");
	CHECK_EQ(int{sigbus_count}, 0);
	CHECK(!event_queued(h.session.get()));
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	h.check_released();
	check_contents(path, before);
}

void breaker_interrupted(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	const std::string before = contents(path);
	Holder h(path, k.dax);
	auto handler = [] {
		struct sigaction sa = {};
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		CHECK_OK(sigaction(SIGUSR1, &sa, nullptr));
	};
	Breaker b(s.files(path), truncate_op().run, {h.session.get()}, O_RDWR, handler);
	wait_event(h.session.get());
	const int64_t signalled = now_ns();
	CHECK_OK(kill(b.pid(), SIGUSR1));
	const Outcome o = b.finish();
	if (o.result != -1 || o.err != EINTR)
		tap::fail("the interrupted breaker: expected EINTR, got " + o.returned(), __FILE__,
			  __LINE__);
	if (o.end - signalled > prompt_ms * ms_ns)
		tap::fail("the breaker returned " + ms_str(o.end - signalled) + " after the signal",
			  __FILE__, __LINE__);
	check_contents(path, before);
	h.check_held("breaking");
	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(VPIN_BREAK_TRUNCATE, b.pid()));
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	h.check_released();
	CHECK_EQ(int{sigbus_count}, 0);
}

void nonblocking_breaker(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	const std::string before = contents(path);
	Holder h(path, k.dax);
	Breaker b(s.files(path), [](const Target &t) { return ftruncate(t.fd, offset(8)); },
		  {h.session.get()}, O_WRONLY | O_NONBLOCK);
	const Outcome o = b.finish();
	if (o.result != -1 || o.err != EWOULDBLOCK)
		tap::fail("the O_NONBLOCK ftruncate: expected EWOULDBLOCK, got " + o.returned(),
			  __FILE__, __LINE__);
	if (o.took() > prompt_ms * ms_ns)
		tap::fail("the O_NONBLOCK ftruncate took " + ms_str(o.took()), __FILE__, __LINE__);
	CHECK(event_queued(h.session.get()));
	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(VPIN_BREAK_TRUNCATE, b.pid()));
	check_deadline(evs[0], o);
	h.check_held("breaking");
	check_contents(path, before);
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	h.check_released();
	CHECK_EQ(int{sigbus_count}, 0);
	tap::note(std::string(k.name) + " on " + vt::kernel_release() + ": O_NONBLOCK ftruncate returned after " +
		  ms_str(o.took()));
}

// The session goes to another process over SCM_RIGHTS before the break; the
// process that opened it closes its copy. The receiver gets the event by
// read(2) and by its O_ASYNC signal, and releases the lease.
void passed_session(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	vt::Channel ch;
	vt::Child receiver([&] {
		ch.a.reset();
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, nullptr));
		vt::Fd session = vt::recv_fd(ch.b.get());
		const uint64_t lease = vt::recv_u64(ch.b.get());
		const int fd = session.get();
		CHECK_OK(fcntl(fd, F_SETOWN, getpid()));
		CHECK_OK(fcntl(fd, F_SETSIG, SIGUSR1));
		const int fl = CHECK_OK(fcntl(fd, F_GETFL));
		CHECK_OK(fcntl(fd, F_SETFL, fl | O_ASYNC));
		check_lease_state(fd, lease, "granted");
		vt::send_u64(ch.b.get(), 1);
		const auto breaker = static_cast<pid_t>(vt::recv_u64(ch.b.get()));

		const struct timespec timeout = {event_timeout_ms / 1000, 0};
		siginfo_t si = {};
		CHECK_EQ(sigtimedwait(&usr1, &si, &timeout), SIGUSR1);
		const int64_t signalled = now_ns();
		CHECK_EQ(si.si_code, POLL_PRI);
		CHECK_EQ(si.si_fd, fd);
		CHECK(event_queued(fd));
		auto evs = read_events(fd);
		CHECK_EQ(evs.size(), size_t{1});
		check_event(evs[0], VPIN_EVENT_LEASE_BREAK,
			    expect_for(path, lease, VPIN_BREAK_TRUNCATE, breaker));
		check_lease_state(fd, lease, "breaking");
		const int64_t released = now_ns();
		CHECK_OK(vt::unlease(fd, lease));
		const int64_t returned = now_ns();
		CHECK(vt::fdinfo(fd, "lease").empty());
		CHECK_EQ(vt::fdinfo(fd, "pin").size(), size_t{1});
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(signalled));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(released));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(returned));
	});
	ch.b.reset();
	Holder h(path, k.dax);
	vt::send_fd(ch.a.get(), h.session.get());
	vt::send_u64(ch.a.get(), h.lease);
	h.session.reset();
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{1});
	Breaker b(s.files(path), truncate_op().run, {ch.a.get()});
	vt::send_u64(ch.a.get(), static_cast<uint64_t>(b.pid()));
	const auto signalled = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const auto released = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const auto returned = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const Outcome o = b.finish();
	receiver.wait();
	check_succeeded(truncate_op(), o);
	if (o.end < released)
		tap::fail("the breaker did not wait for the release", __FILE__, __LINE__);
	if (o.end - returned > prompt_ms * ms_ns)
		tap::fail("the breaker finished " + ms_str(o.end - returned) + " after the release",
			  __FILE__, __LINE__);
	// The receiver held the last reference: its exit ended the session.
	CHECK_EQ(h.base.pinned(), 0L);
	CHECK_EQ(h.base.vm_pin(), 0L);
	CHECK_EQ(contents(path).size(), pages(8));
	CHECK_EQ(int{sigbus_count}, 0);
	tap::note(std::string(k.name) + " on " + vt::kernel_release() + ": receiver's SIGUSR1 " +
		  ms_str(signalled - o.start) + " after the breaker's start");
}

// Two processes hold breakable leases on the file: the breaker waits for both.
void two_holders(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	vt::Baseline base;
	vt::Channel ch;
	vt::Child other([&] {
		ch.a.reset();
		Holder h(path, k.dax);
		vt::send_u64(ch.b.get(), h.lease);
		const auto breaker = static_cast<pid_t>(vt::recv_u64(ch.b.get()));
		wait_event(h.session.get());
		auto evs = read_events(h.session.get());
		CHECK_EQ(evs.size(), size_t{1});
		check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(VPIN_BREAK_TRUNCATE, breaker));
		vt::send_u64(ch.b.get(), 2);
		CHECK_EQ(vt::recv_u64(ch.b.get()), uint64_t{3});
		usleep(300000);
		const int64_t released = now_ns();
		CHECK_OK(vt::unlease(h.session.get(), h.lease));
		const int64_t returned = now_ns();
		h.check_released(false);
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(released));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(returned));
	});
	ch.b.reset();
	vt::recv_u64(ch.a.get());
	Holder h(path, k.dax);
	Breaker b(s.files(path), truncate_op().run, {h.session.get(), ch.a.get()});
	vt::send_u64(ch.a.get(), static_cast<uint64_t>(b.pid()));
	wait_event(h.session.get());
	auto evs = read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	check_event(evs[0], VPIN_EVENT_LEASE_BREAK, h.expect(VPIN_BREAK_TRUNCATE, b.pid()));
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{2});
	const int64_t first = now_ns();
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	h.check_released();
	vt::send_u64(ch.a.get(), 3);
	const auto released = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const auto returned = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const Outcome o = b.finish();
	other.wait();
	check_succeeded(truncate_op(), o);
	if (o.end < released)
		tap::fail("the breaker finished " + ms_str(released - o.end) +
				  " before the second holder released its lease",
			  __FILE__, __LINE__);
	if (o.end - returned > prompt_ms * ms_ns)
		tap::fail("the breaker finished " + ms_str(o.end - returned) +
				  " after the second release",
			  __FILE__, __LINE__);
	CHECK(released - first >= 300 * ms_ns);
	// The other holder is gone; this one keeps its anonymous pin.
	CHECK_EQ(base.pinned(), 1L);
	CHECK_EQ(contents(path).size(), pages(8));
	CHECK_EQ(int{sigbus_count}, 0);
}

// The holder changing the file itself would wait for itself: EDEADLK.
void self_break(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	const std::string before = contents(path);
	Holder h(path, k.dax);
	const int fd = h.rw.get();
	struct Call {
		const char *name;
		std::function<long()> run;
	};
	const std::vector<Call> calls = {
		{"truncate(2)", [&] { return truncate(path.c_str(), offset(8)); }},
		{"ftruncate", [&] { return ftruncate(fd, offset(8)); }},
		{"ftruncate larger", [&] { return ftruncate(fd, offset(32)); }},
		{"open O_TRUNC", [&] { return open_close(path, O_WRONLY | O_TRUNC); }},
		{"fallocate PUNCH_HOLE",
		 [&] { return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, offset(1)); }},
		{"fallocate COLLAPSE_RANGE",
		 [&] { return fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, offset(8), offset(1)); }},
		// xfs waits for pinned DAX pages in every mode: every mode breaks.
		{"fallocate KEEP_SIZE",
		 [&] { return fallocate(fd, FALLOC_FL_KEEP_SIZE, offset(file_pages), offset(1)); }},
	};
	for (const auto &c : calls) {
		const int64_t start = now_ns();
		errno = 0;
		const long r = c.run();
		const int err = errno;
		const int64_t took = now_ns() - start;
		if (r != -1 || err != EDEADLK)
			tap::fail(std::string(c.name) + ": expected EDEADLK, got " +
					  (r == -1 ? tap::errno_name(err) : "success"),
				  __FILE__, __LINE__);
		if (took > prompt_ms * ms_ns)
			tap::fail(std::string(c.name) + ": took " + ms_str(took), __FILE__, __LINE__);
	}
	check_contents(path, before);
	check_lease_state(h.session.get(), h.lease, "granted");
	CHECK_EQ(h.base.pinned(), pinned_pages);
	CHECK_EQ(int{sigbus_count}, 0);
	// What breaks nothing still works for the holder.
	CHECK_OK(pwrite(fd, before.data(), pages(1), 0));
}

// Exclusive and breakable leases on one file conflict; breakable ones do not.
void conflicts(const FsKind &k)
{
	Setup s(k);
	const std::string path = s.mnt.file("f");
	vt::Fd rw = open_file(path, O_RDWR), ro = open_file(path, O_RDONLY);
	auto s1 = vt::open_session(), s2 = vt::open_session(), s3 = vt::open_session();
	uint64_t b1 = 0, b3 = 0, x = 0;
	CHECK_OK(vt::lease(s1.get(), ro.get(), VPIN_LEASE_BREAKABLE, &b1));
	CHECK_ERRNO(vt::lease(s2.get(), rw.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_ERRNO(vt::lease(s1.get(), rw.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_OK(vt::lease(s3.get(), rw.get(), VPIN_LEASE_BREAKABLE, &b3));
	CHECK_OK(vt::unlease(s1.get(), b1));
	CHECK_ERRNO(vt::lease(s2.get(), rw.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_OK(vt::unlease(s3.get(), b3));
	CHECK_OK(vt::lease(s2.get(), rw.get(), VPIN_LEASE_EXCLUSIVE, &x));
	CHECK_ERRNO(vt::lease(s1.get(), ro.get(), VPIN_LEASE_BREAKABLE, nullptr), EBUSY);
	CHECK_ERRNO(vt::lease(s2.get(), ro.get(), VPIN_LEASE_BREAKABLE, nullptr), EBUSY);
	CHECK(vt::fdinfo(s1.get(), "lease").empty());
	CHECK_EQ(vt::fdinfo(s2.get(), "lease").size(), size_t{1});
	CHECK_OK(vt::unlease(s2.get(), x));
	CHECK_OK(vt::lease(s1.get(), ro.get(), VPIN_LEASE_BREAKABLE, &b1));
	check_lease_state(s1.get(), b1, "granted");
	// No break happened: nothing to read.
	CHECK(!event_queued(s1.get()));
	CHECK_OK(fcntl(s1.get(), F_SETFL, O_NONBLOCK));
	vpin_event ev;
	CHECK_ERRNO(read(s1.get(), &ev, sizeof(ev)), EAGAIN);
	CHECK_ERRNO(read(s1.get(), &ev, sizeof(ev) - 1), EINVAL);
}

// Calls of the holder while a breaker waits in truncate(2), holding the
// inode lock: each returns at once.
template <typename Fn> void quick(const std::string &what, Fn fn)
{
	const int64_t start = now_ns();
	fn();
	const int64_t took = now_ns() - start;
	if (took > quick_ms * ms_ns)
		tap::fail(what + " while a breaker waits took " + ms_str(took), __FILE__, __LINE__);
}

void holder_calls_while_breaker_waits(const FsKind &k)
{
	Setup s(k);
	{
		const std::string path = s.mnt.file("f");
		Holder h(path, k.dax);
		Breaker b(s.files(path), truncate_op().run, {h.session.get()});
		wait_event(h.session.get());
		quick("munmap", [&] { h.map.unmap(); });
		quick("close of the data descriptors", [&] {
			h.rw.reset();
			h.ro.reset();
		});
		quick("fdinfo", [&] { h.check_held("breaking"); });
		quick("VPIN_IOC_UNPIN", [&] { CHECK_OK(vt::unpin(h.session.get(), h.pin_a)); });
		quick("VPIN_IOC_UNLEASE", [&] { CHECK_OK(vt::unlease(h.session.get(), h.lease)); });
		const Outcome o = b.finish();
		check_succeeded(truncate_op(), o);
		CHECK(o.took() < break_ms * ms_ns);
		CHECK_EQ(h.base.pinned(), 1L);
		quick("close of the session", [&] { h.session.reset(); });
		CHECK_EQ(h.base.pinned(), 0L);
	}
	{
		const std::string path = s.mnt.file("g");
		Holder h(path, k.dax);
		Breaker b(s.files(path), truncate_op().run, {h.session.get()});
		wait_event(h.session.get());
		quick("close of the session", [&] { h.session.reset(); });
		const Outcome o = b.finish();
		check_succeeded(truncate_op(), o);
		CHECK(o.took() < break_ms * ms_ns);
		CHECK_EQ(h.base.pinned(), 0L);
		CHECK_EQ(contents(path).size(), pages(8));
	}
	CHECK_EQ(int{sigbus_count}, 0);
}

constexpr unsigned timeout_s = 120;

struct Registrar {
	Registrar()
	{
		for (const FsKind *k : {&ext4_dax, &xfs_dax, &xfs_pagecache}) {
			const FsKind &kind = *k;
			const std::string n = std::string(k->name) + ": ";
			tap::Register(n + "every layout change waits for the BREAK event's holder to "
					  "release the lease, then goes on at once",
				      [&kind] { every_op_released(kind); }, timeout_s);
		}
		tap::Register("ext4-dax: an ignored break revokes lease and pins, with SIGBUS and a "
			      "REVOKED event (truncate)",
			      [] { revocations(ext4_dax, {"truncate(2) smaller"}); }, timeout_s);
		tap::Register("xfs-dax: an ignored break revokes lease and pins, with SIGBUS and a "
			      "REVOKED event (truncate, punch, clone)",
			      [] {
				      revocations(xfs_dax, {"truncate(2) smaller",
							    "fallocate PUNCH_HOLE|KEEP_SIZE",
							    "FICLONERANGE into it"});
			      },
			      timeout_s);
		tap::Register("xfs-pagecache: an ignored break revokes lease and pins, with SIGBUS "
			      "and a REVOKED event (truncate)",
			      [] { revocations(xfs_pagecache, {"truncate(2) smaller"}); }, timeout_s);
		tap::Register("xfs-dax: a holder killed by SIGKILL mid-break lets the breaker go on "
			      "at once and leaves nothing behind",
			      [] { holder_killed(xfs_dax); }, timeout_s);
		tap::Register("ext4-dax: a breaker killed while it waits leaves the holder's lease "
			      "breaking, never revoked",
			      [] { breaker_killed(ext4_dax); }, timeout_s);
		tap::Register("xfs-pagecache: a waiting breaker interrupted by a signal fails with "
			      "EINTR",
			      [] { breaker_interrupted(xfs_pagecache); }, timeout_s);
		tap::Register("xfs-dax: an O_NONBLOCK breaker starts the break and fails with "
			      "EWOULDBLOCK at once",
			      [] { nonblocking_breaker(xfs_dax); }, timeout_s);
		tap::Register("ext4-dax: a session passed over SCM_RIGHTS gets the break by read "
			      "and O_ASYNC signal in the receiver, which releases it",
			      [] { passed_session(ext4_dax); }, timeout_s);
		tap::Register("xfs-dax: with two holders the breaker waits until both released",
			      [] { two_holders(xfs_dax); }, timeout_s);
		tap::Register("ext4-dax: a layout change by the holder itself fails with EDEADLK",
			      [] { self_break(ext4_dax); }, timeout_s);
		tap::Register("xfs-dax: exclusive and breakable leases conflict (EBUSY), breakable "
			      "ones share",
			      [] { conflicts(xfs_dax); }, timeout_s);
		tap::Register("xfs-dax: munmap, close, unpin, unlease and closing the session do "
			      "not wait for a breaker holding the inode lock",
			      [] { holder_calls_while_breaker_waits(xfs_dax); }, timeout_s);
	}
} registrar;

} // namespace
