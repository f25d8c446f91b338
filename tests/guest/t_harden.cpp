// SPDX-License-Identifier: GPL-2.0
// What no user may do to another through vpin, and the layout changes that
// have to break a breakable lease first, whatever path they take: lease
// ownership and the file systems leases are refused on, breaks that bound
// every wait by one break time and stall nobody else, pins that are charged
// to their user, the source side of reflinks, copy_file_range, fallocate in
// every mode, XFS_IOC_SWAPEXT and truncation of files whose pinned pages
// are no longer mapped anywhere.
#include "tap.hpp"
#include "util.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <linux/falloc.h>
#include <memory>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <atomic>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace {

using vt::offset;
using vt::open_file;
using vt::pages;
using vt::now_ns;

constexpr uid_t nobody = 65534;
constexpr size_t file_pages = 16;
constexpr int64_t ms_ns = 1000000;
constexpr int64_t break_ms = 1500;
// How late a revoking breaker may finish after the deadline.
constexpr int64_t revoke_slack_ms = 700;
// Calls that must not wait for a break finish within this.
constexpr int64_t quick_ms = 1000;

// Gives up root for good; foll_pinned() keeps working through a helper.
void become_nobody()
{
	vt::start_vmstat_helper();
	CHECK_OK(setgroups(0, nullptr));
	CHECK_OK(setresgid(nobody, nobody, nobody));
	CHECK_OK(setresuid(nobody, nobody, nobody));
}

using vt::count_sigbus;
using vt::sigbus_count;

// A session of this process with a breakable lease on a file and a writable
// pin of pages [2, 6) of a shared mapping of it.
struct Holder {
	explicit Holder(const std::string &p)
		: path(p), rw(open_file(p, O_RDWR)),
		  map(std::make_unique<vt::Map>(pages(file_pages), PROT_READ | PROT_WRITE,
						MAP_SHARED, rw.get(), 0)),
		  session(vt::open_session())
	{
		vt::Fd ro = open_file(p, O_RDONLY);
		CHECK_OK(vt::lease(session.get(), ro.get(), VPIN_LEASE_BREAKABLE, &lease));
		CHECK_OK(vt::pin(session.get(), map->addr() + pages(2), pages(4),
				 VPIN_PIN_F_WRITE, &pin));
		CHECK_EQ(base.pinned(), 4L);
	}

	// No break came: the lease and the pin are as they were.
	void check_untouched() const
	{
		CHECK(!vt::event_queued(session.get()));
		CHECK_EQ(base.pinned(), 4L);
		CHECK_EQ(vt::fdinfo(session.get(), "lease").size(), size_t{1});
	}

	// Nothing of this session's remains on the file.
	void check_gone() const
	{
		CHECK(vt::fdinfo(session.get(), "lease").empty());
		CHECK(vt::fdinfo(session.get(), "pin").empty());
		CHECK_EQ(base.pinned(), 0L);
	}

	// Leaves only the pin to reach the pages: no mapping, no descriptor.
	void forget_mapping()
	{
		map.reset();
		rw.reset();
	}

	std::string path;
	vt::Fd rw;
	std::unique_ptr<vt::Map> map;
	vt::Fd session;
	uint64_t lease = 0, pin = 0;
	vt::Baseline base;
};

// Runs fn in a child and fails unless it finished within [min_ms, max_ms].
void within(const char *what, int64_t min_ms, int64_t max_ms, const std::function<void()> &fn)
{
	const int64_t start = now_ns();
	vt::Child c(fn);
	c.wait();
	const int64_t took = now_ns() - start;
	tap::note(std::string(what) + " took " + vt::ms_str(took));
	if (took < min_ms * ms_ns || took > max_ms * ms_ns)
		tap::fail(std::string(what) + " took " + vt::ms_str(took) + ", expected " +
				  std::to_string(min_ms) + ".." + std::to_string(max_ms) + " ms",
			  __FILE__, __LINE__);
}

// A layout change by another process on a file whose holder never answers:
// the lease and its pins are revoked at the deadline, the holder gets
// SIGBUS, the change then runs, and nothing WARNs or stays pinned.
void revoked_by(const vt::FsKind &k, bool unmapped, const char *what,
		const std::function<void(const std::string &)> &change)
{
	vt::BreakTime bt(break_ms);
	vt::Mount m(k);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	count_sigbus();
	Holder h(path);
	if (unmapped)
		h.forget_mapping();
	within(what, break_ms - 100, break_ms + revoke_slack_ms, [&] { change(path); });
	h.check_gone();
	CHECK_EQ(int{sigbus_count}, 1);
}

TEST("breakable leases need the file's owner or CAP_LEASE, as fcntl(F_SETLEASE)")
{
	vt::Mount m(vt::ext4_dax);
	const std::string roots = m.path("root"), mine = m.path("mine");
	vt::make_file(roots, pages(1));
	vt::make_file(mine, pages(1));
	CHECK_OK(chown(mine.c_str(), nobody, nobody));
	become_nobody();
	auto s = vt::open_session();
	vt::Fd r = open_file(roots, O_RDONLY), o = open_file(mine, O_RDONLY);
	CHECK_ERRNO(vt::lease(s.get(), r.get(), VPIN_LEASE_BREAKABLE, nullptr), EPERM);
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), o.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_OK(vt::unlease(s.get(), id));
	CHECK(vt::fdinfo(s.get(), "lease").empty());
}

TEST("leases on procfs, sysfs, debugfs, cgroupfs and overlayfs files are EOPNOTSUPP, even for root")
{
	auto s = vt::open_session();
	for (const char *p : {"/proc/sys/vm/swappiness", "/sys/kernel/mm/transparent_hugepage/enabled",
			      "/sys/fs/cgroup/cgroup.procs", "/sys/kernel/debug/sleep_time"}) {
		const int fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		vt::Fd f(fd);
		CHECK_ERRNO(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, nullptr), EOPNOTSUPP);
		CHECK_ERRNO(vt::lease(s.get(), f.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EOPNOTSUPP);
	}
	// An overlay's file: pins see the backing file, a lease would not.
	vt::Mount m(vt::ext4_dax);
	const std::string base = m.path("");
	for (const char *d : {"lower", "upper", "work", "merged"})
		CHECK_OK(mkdir((base + d).c_str(), 0755));
	vt::make_file(base + "lower/f", pages(1));
	if (vt::sh("modprobe overlay 2>/dev/null; mount -t overlay overlay -o lowerdir=" + base +
		   "lower,upperdir=" + base + "upper,workdir=" + base + "work " + base +
		   "merged") != 0)
		tap::skip("no overlayfs");
	{
		vt::Fd f = open_file(base + "merged/f", O_RDWR);
		CHECK_ERRNO(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, nullptr), EOPNOTSUPP);
		CHECK_ERRNO(vt::lease(s.get(), f.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EOPNOTSUPP);
	}
	CHECK_OK(umount((base + "merged").c_str()));
	CHECK(vt::fdinfo(s.get(), "lease").empty());
}

// A bind mount of dir at target through which files of uid/gid `from` on
// disk belong to `to`; unmounted when the object goes.
class IdmappedMount {
public:
	IdmappedMount(const std::string &dir, const std::string &target, uid_t from, uid_t to)
		: target_(target)
	{
		// The idmapping is a user namespace whose id `from` is `to` outside.
		vt::Channel ch;
		vt::Child ns([&] {
			CHECK_OK(unshare(CLONE_NEWUSER));
			vt::send_u64(ch.a.get(), 1);
			vt::recv_u64(ch.a.get());
		});
		ch.a.reset();	/* the child's death ends the wait below */
		vt::recv_u64(ch.b.get());
		const std::string proc = "/proc/" + std::to_string(ns.pid());
		const std::string map = std::to_string(from) + " " + std::to_string(to) + " 1\n";
		std::ofstream(proc + "/setgroups") << "deny\n";
		std::ofstream(proc + "/uid_map") << map;
		std::ofstream(proc + "/gid_map") << map;
		vt::Fd userns(CHECK_OK(open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC)));
		vt::send_u64(ch.b.get(), 1);
		ns.wait();
		vt::Fd tree(CHECK_OK(open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
		struct mount_attr attr = {};
		attr.attr_set = MOUNT_ATTR_IDMAP;
		attr.userns_fd = static_cast<uint64_t>(userns.get());
		CHECK_OK(mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof(attr)));
		CHECK_OK(mkdir(target.c_str(), 0755));
		CHECK_OK(move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH));
	}
	~IdmappedMount() { umount2(target_.c_str(), MNT_DETACH); }
	IdmappedMount(const IdmappedMount &) = delete;
	IdmappedMount &operator=(const IdmappedMount &) = delete;

private:
	std::string target_;
};

TEST("ownership is judged through the mount's idmapping, for both lease types")
{
	vt::Mount m(vt::xfs_dax);
	const std::string dir = m.path("d"), file = m.path("d/f");
	CHECK_OK(mkdir(dir.c_str(), 0755));
	vt::make_file(file, pages(1));
	CHECK_OK(chown(file.c_str(), 1000, 1000));
	CHECK_OK(chmod(file.c_str(), 0666));
	// Files of uid 1000 on disk belong to 65534 through this mount.
	IdmappedMount idmapped(dir, "/tmp/idmapped", 1000, nobody);
	vt::Child c([&] {
		become_nobody();
		auto s = vt::open_session();
		vt::Fd plain = open_file(file, O_RDWR), mapped = open_file("/tmp/idmapped/f", O_RDWR);
		struct stat st;
		CHECK_OK(fstat(mapped.get(), &st));
		CHECK_EQ(st.st_uid, nobody);
		for (uint32_t type : {VPIN_LEASE_BREAKABLE, VPIN_LEASE_EXCLUSIVE}) {
			uint64_t id = 0;
			CHECK_ERRNO(vt::lease(s.get(), plain.get(), type, nullptr), EPERM);
			CHECK_OK(vt::lease(s.get(), mapped.get(), type, &id));
			CHECK_OK(vt::unlease(s.get(), id));
		}
	});
	c.wait();
}

TEST("xfs-dax: while a truncate waits for a break, writes, reads and stat of the file go on")
{
	vt::BreakTime bt(break_ms);
	vt::Mount m(vt::xfs_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	count_sigbus();
	Holder h(path);
	vt::Child breaker([&] {
		vt::Fd fd = open_file(path, O_RDWR);
		CHECK_OK(ftruncate(fd.get(), offset(8)));
	});
	vt::wait_event(h.session.get(), 5000);
	within("O_APPEND write, pread and fstat during the break", 0, quick_ms, [&] {
		vt::Fd fd = open_file(path, O_WRONLY | O_APPEND);
		CHECK_EQ(write(fd.get(), "x", 1), 1L);
		vt::Fd rd = open_file(path, O_RDONLY);
		char buf[64];
		CHECK_EQ(pread(rd.get(), buf, sizeof(buf), 0), 64L);
		struct stat st;
		CHECK_OK(fstat(rd.get(), &st));
	});
	breaker.wait();
	h.check_gone();
	CHECK_EQ(int{sigbus_count}, 1);
}

TEST("no lease is granted while a break is pending, so a breaker waits one break time at most")
{
	vt::BreakTime bt(break_ms);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	count_sigbus();
	Holder h(path);
	vt::Child breaker([&] {
		const int64_t start = now_ns();
		CHECK_OK(truncate(path.c_str(), offset(8)));
		const int64_t took = now_ns() - start;
		if (took > (break_ms + revoke_slack_ms) * ms_ns)
			tap::fail("the breaker waited " + vt::ms_str(took), __FILE__, __LINE__);
	});
	vt::wait_event(h.session.get(), 5000);
	auto other = vt::open_session();
	vt::Fd ro = open_file(path, O_RDONLY), rw = open_file(path, O_RDWR);
	for (int i = 0; i < 8; i++) {
		CHECK_ERRNO(vt::lease(other.get(), ro.get(), VPIN_LEASE_BREAKABLE, nullptr), EAGAIN);
		CHECK_ERRNO(vt::lease(other.get(), rw.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
		usleep(100000);
	}
	breaker.wait();
	h.check_gone();
	uint64_t id = 0;
	CHECK_OK(vt::lease(other.get(), ro.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_OK(vt::unlease(other.get(), id));
}

TEST("pins of a lease being broken are refused with EAGAIN")
{
	vt::BreakTime bt(break_ms);
	vt::Mount m(vt::xfs_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	Holder h(path);
	{
		vt::Child breaker([&] {
			vt::Fd fd = open_file(path, O_RDWR | O_NONBLOCK);
			CHECK_ERRNO(ftruncate(fd.get(), offset(8)), EWOULDBLOCK);
		});
		breaker.wait();
	}
	CHECK_ERRNO(vt::pin(h.session.get(), h.map->addr(), pages(1), 0, nullptr), EAGAIN);
	CHECK_EQ(h.base.pinned(), 4L);
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
	h.check_gone();
}

// What happens to a breakably leased file when another process reflinks or
// copies from it, copies into it or fallocates it.
enum class Outcome { breaks, refused, quiet };

struct Change {
	const char *name;
	Outcome xfs, ext4;	// ext4 has no reflink: FI* ioctls are skipped there
	std::function<long(const std::string &leased, const std::string &other)> run;
};

// The first 4 pages of from, read-only, into to, read-write, by op (one of
// vt::clone_range, vt::dedupe, vt::copy_range).
long remap(long (*op)(int, off_t, int, off_t, size_t), const std::string &from,
	   const std::string &to)
{
	vt::Fd in = open_file(from, O_RDONLY), out = open_file(to, O_RDWR);
	return op(in.get(), 0, out.get(), 0, pages(4));
}

const std::vector<Change> &changes()
{
	static const std::vector<Change> c = {
		// Reading a file must not revoke its leases: xfs would share
		// the source's blocks, so the remap is refused instead.
		{"FICLONERANGE out of it", Outcome::refused, Outcome::quiet,
		 [](const std::string &f, const std::string &g) {
			 return remap(vt::clone_range, f, g);
		 }},
		{"FIDEDUPERANGE out of it", Outcome::refused, Outcome::quiet,
		 [](const std::string &f, const std::string &g) {
			 return remap(vt::dedupe, f, g);
		 }},
		// A copy falls back to copying the data: a read, or a write.
		{"copy_file_range out of it", Outcome::quiet, Outcome::quiet,
		 [](const std::string &f, const std::string &g) {
			 return remap(vt::copy_range, f, g);
		 }},
		{"copy_file_range into it", Outcome::quiet, Outcome::quiet,
		 [](const std::string &f, const std::string &g) {
			 return remap(vt::copy_range, g, f);
		 }},
		{"fallocate allocating past the end", Outcome::breaks, Outcome::breaks,
		 [](const std::string &f, const std::string &) {
			 vt::Fd fd = open_file(f, O_RDWR);
			 return static_cast<long>(
				 fallocate(fd.get(), 0, offset(file_pages), offset(4)));
		 }},
		{"fallocate KEEP_SIZE", Outcome::breaks, Outcome::breaks,
		 [](const std::string &f, const std::string &) {
			 vt::Fd fd = open_file(f, O_RDWR);
			 return static_cast<long>(fallocate(fd.get(), FALLOC_FL_KEEP_SIZE,
							    offset(file_pages), offset(4)));
		 }},
	};
	return c;
}

// A change that breaks: the holder releases on the event, and the change
// completes. The others finish at once and leave lease and pins alone.
void breaks_first(const vt::FsKind &k)
{
	vt::BreakTime bt(10000);
	vt::Mount m(k);
	for (const auto &c : changes()) {
		if (!k.is_xfs() && std::string(c.name).find("FI") == 0)
			continue;	// no reflink at all
		const Outcome want = k.is_xfs() ? c.xfs : c.ext4;
		const std::string f = m.path("f"), g = m.path("g");
		vt::make_file(f, pages(file_pages), 1);
		vt::make_file(g, pages(file_pages), 1);
		Holder h(f);
		if (want != Outcome::breaks) {
			within(c.name, 0, quick_ms, [&] {
				if (want == Outcome::refused)
					CHECK_ERRNO(c.run(f, g), ETXTBSY);
				else
					CHECK_OK(c.run(f, g));
			});
			h.check_untouched();
			CHECK_OK(unlink(f.c_str()));
			CHECK_OK(unlink(g.c_str()));
			continue;
		}
		const int64_t start = now_ns();
		vt::Child changer([&] { CHECK_OK(c.run(f, g)); });
		vt::wait_event(h.session.get(), 5000);
		auto evs = vt::read_events(h.session.get());
		CHECK_EQ(evs.size(), size_t{1});
		CHECK_EQ(evs[0].type, uint32_t{VPIN_EVENT_LEASE_BREAK});
		CHECK_EQ(evs[0].reason, uint32_t{VPIN_BREAK_FALLOCATE});
		CHECK_OK(vt::unlease(h.session.get(), h.lease));
		changer.wait();
		const int64_t took = now_ns() - start;
		tap::note(std::string(k.name) + ": " + c.name + ": broken and done in " +
			  vt::ms_str(took));
		if (took > 5000 * ms_ns)
			tap::fail(std::string(c.name) + " waited for the break time", __FILE__, __LINE__);
		h.check_gone();
		CHECK_OK(unlink(f.c_str()));
		CHECK_OK(unlink(g.c_str()));
	}
}

TEST("xfs-dax: reflink and dedupe from a leased file are ETXTBSY, copy_file_range copies, every "
     "fallocate mode breaks the lease first")
{
	breaks_first(vt::xfs_dax);
}

TEST("ext4-dax: copy_file_range copies, every fallocate mode breaks the lease first")
{
	breaks_first(vt::ext4_dax);
}

TEST("xfs-dax: XFS_IOC_EXCHANGE_RANGE with a breakably leased file is ETXTBSY at once (6.10+)")
{
	if (!vt::kernel_has_exchange_range())
		tap::skip("no XFS_IOC_EXCHANGE_RANGE before Linux 6.10");
	vt::Mount m(vt::xfs_dax);
	const std::string f = m.path("f"), g = m.path("g");
	vt::make_file(f, pages(file_pages), 1);
	vt::make_file(g, pages(file_pages), 2);
	Holder h(f);
	vt::Fd a = open_file(f, O_RDWR), b = open_file(g, O_RDWR);
	CHECK_ERRNO(vt::exchange_range(a.get(), b.get(), pages(file_pages)), ETXTBSY);
	CHECK_ERRNO(vt::exchange_range(b.get(), a.get(), pages(file_pages)), ETXTBSY);
	CHECK_EQ(h.base.pinned(), 4L);
	CHECK_EQ(vt::fdinfo(h.session.get(), "lease").size(), size_t{1});
}

// XFS_IOC_SWAPEXT of the file at path with a new file beside it.
void swapext_with_new_file(const std::string &path)
{
	const std::string tmp = path + ".tmp";
	vt::make_file(tmp, pages(file_pages), 7);
	vt::Fd t = open_file(path, O_RDWR), o = open_file(tmp, O_RDWR);
	// EBUSY: the zeroed bulkstat does not match, found after the flush.
	const long r = vt::swapext(t.get(), o.get(), offset(file_pages));
	CHECK(r == 0 || errno == EBUSY);
}

TEST("xfs-dax: XFS_IOC_SWAPEXT of a breakably leased file with pinned, unmapped DAX pages "
     "revokes the lease before the pages go (no WARN)")
{
	revoked_by(vt::xfs_dax, true, "XFS_IOC_SWAPEXT", swapext_with_new_file);
}

TEST("xfs-dax: XFS_IOC_SWAPEXT of a mapped, pinned file is broken first too")
{
	revoked_by(vt::xfs_dax, false, "XFS_IOC_SWAPEXT", swapext_with_new_file);
}

// xfs_swap_extents() waits for no reference to a DAX page: one held by a
// pipe (vmsplice) would go with the page (dax_disassociate_entry()'s WARN)
// and its block would move to the other file. vpin refuses the swap with
// EBUSY while the file's pages are referenced, also once the file is
// mapped nowhere (where dax_layout_busy_page() looks at nothing).
void swapext_pipe_holds(bool unmap)
{
	vt::Mount m(vt::xfs_dax);
	const std::string path = m.path("f");
	vt::Fd f = vt::make_file(path, pages(file_pages));
	{
		// vpin's hooks go into a file system with its first lease.
		auto s = vt::open_session();
		uint64_t lease = 0;
		CHECK_OK(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, &lease));
		CHECK_OK(vt::unlease(s.get(), lease));
	}
	const std::string before = vt::contents(path);
	vt::Map map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, f.get(), 0);
	int pipefd[2];
	CHECK_OK(pipe(pipefd));
	vt::Fd rd(pipefd[0]), wr(pipefd[1]);
	iovec iov{map.data(), pages(1)};
	CHECK_EQ(vmsplice(wr.get(), &iov, 1, 0), static_cast<ssize_t>(pages(1)));
	if (unmap)
		map.unmap();
	const std::string tmp = path + ".tmp";
	vt::make_file(tmp, pages(file_pages), 7);
	vt::Fd o = open_file(tmp, O_RDWR);
	CHECK_ERRNO(vt::swapext(f.get(), o.get(), offset(file_pages)), EBUSY);
	std::string held(pages(1), '\0');
	CHECK_EQ(read(rd.get(), held.data(), held.size()), static_cast<ssize_t>(held.size()));
	CHECK(held == before.substr(0, pages(1)));
	CHECK(vt::contents(path) == before);
	// Nothing holds the page any more: the swap gets past the flush (and
	// fails on the zeroed bulkstat, as any swap of this test does).
	rd.reset();
	wr.reset();
	const long r = vt::swapext(f.get(), o.get(), offset(file_pages));
	CHECK(r == 0 || errno == EBUSY);
}

TEST("xfs-dax: XFS_IOC_SWAPEXT of a file whose DAX page a pipe holds is EBUSY before a page goes "
     "(no WARN)")
{
	swapext_pipe_holds(false);
}

TEST("xfs-dax: XFS_IOC_SWAPEXT of a file mapped nowhere whose DAX page a pipe holds is EBUSY (no "
     "WARN)")
{
	swapext_pipe_holds(true);
}

TEST("ext4-dax: truncating a file whose pinned pages are mapped nowhere revokes the lease first")
{
	revoked_by(vt::ext4_dax, true, "truncate to 0",
		   [](const std::string &path) { CHECK_OK(truncate(path.c_str(), 0)); });
}

TEST("xfs-dax: punching a hole in a file whose pinned pages are mapped nowhere revokes the "
     "lease first")
{
	revoked_by(vt::xfs_dax, true, "fallocate PUNCH_HOLE", [](const std::string &path) {
		vt::Fd fd = open_file(path, O_RDWR);
		CHECK_OK(fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				   offset(file_pages)));
	});
}

TEST("the break time comes from lease-break-time as the module sees it, not from the breaker's "
     "mount namespace")
{
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	std::ofstream("/proc/sys/fs/lease-break-time") << "2\n";
	Holder h(path);
	vt::Child breaker([&] {
		// A breaker that shows itself a lease-break-time of its own.
		CHECK_OK(unshare(CLONE_NEWNS));
		CHECK_OK(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
		std::ofstream("/tmp/fake-break-time") << "3600\n";
		CHECK_OK(mount("/tmp/fake-break-time", "/proc/sys/fs/lease-break-time", nullptr,
			       MS_BIND, nullptr));
		vt::Fd fd = open_file(path, O_RDWR | O_NONBLOCK);
		CHECK_ERRNO(ftruncate(fd.get(), 0), EWOULDBLOCK);
	});
	breaker.wait();
	vt::wait_event(h.session.get(), 5000);
	auto evs = vt::read_events(h.session.get());
	std::ofstream("/proc/sys/fs/lease-break-time") << "45\n";
	CHECK_EQ(evs.size(), size_t{1});
	const int64_t left = static_cast<int64_t>(evs[0].deadline_ns) - now_ns();
	tap::note("deadline " + vt::ms_str(left) + " ahead");
	CHECK(left > 1000 * ms_ns && left <= 2000 * ms_ns);
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
}

TEST("a lease-break-time of years is capped at a day, without overflow")
{
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	Holder h(path);
	std::ofstream("/proc/sys/fs/lease-break-time") << "2000000000\n";
	{
		vt::Child breaker([&] {
			vt::Fd fd = open_file(path, O_RDWR | O_NONBLOCK);
			CHECK_ERRNO(ftruncate(fd.get(), 0), EWOULDBLOCK);
		});
		breaker.wait();
	}
	std::ofstream("/proc/sys/fs/lease-break-time") << "45\n";
	auto evs = vt::read_events(h.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	const int64_t left = static_cast<int64_t>(evs[0].deadline_ns) - now_ns();
	constexpr int64_t day_ns = int64_t{24} * 3600 * 1000 * ms_ns;
	CHECK(left > day_ns - 60000 * ms_ns && left <= day_ns);
	CHECK_OK(vt::unlease(h.session.get(), h.lease));
}

TEST("breaker_pid is the breaker as the reader's pid namespace sees it")
{
	vt::BreakTime bt(10000);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	// Two holders: each session gets a record of the one break.
	Holder a(path), b(path);
	pid_t breaker_pid;
	{
		vt::Child breaker([&] {
			vt::Fd fd = open_file(path, O_RDWR | O_NONBLOCK);
			CHECK_ERRNO(ftruncate(fd.get(), 0), EWOULDBLOCK);
		});
		breaker_pid = breaker.pid();
		breaker.wait();
	}
	auto evs = vt::read_events(a.session.get());
	CHECK_EQ(evs.size(), size_t{1});
	CHECK_EQ(static_cast<pid_t>(evs[0].breaker_pid), breaker_pid);
	// In a new pid namespace the breaker has no pid.
	CHECK_OK(unshare(CLONE_NEWPID));
	vt::Child reader([&] {
		CHECK_EQ(getpid(), 1);
		auto theirs = vt::read_events(b.session.get());
		CHECK_EQ(theirs.size(), size_t{1});
		CHECK_EQ(theirs[0].breaker_pid, 0u);
	});
	reader.wait();
	CHECK_OK(vt::unlease(a.session.get(), a.lease));
	CHECK_OK(vt::unlease(b.session.get(), b.lease));
}

TEST("revocation sends no SIGBUS to an opener that has become another user (set-user-ID exec)")
{
	const std::string repo = std::getenv("VPIN_REPO") ? std::getenv("VPIN_REPO") : ".";
	const std::string waiter = "/tmp/vpin-setuid-waiter";
	CHECK_EQ(vt::sh("install -o root -m 4755 " + repo +
			"/build/user/tests/guest/vpin-setuid-waiter " + waiter),
		 0);
	vt::BreakTime bt(break_ms);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	CHECK_OK(chown(path.c_str(), nobody, nobody));
	vt::start_vmstat_helper();
	vt::Baseline base;
	vt::Channel ch;
	const pid_t opener = fork();
	CHECK_OK(opener);
	if (opener == 0) {
		// Leases and pins as nobody, then runs the set-user-ID program
		// with the session still open (not close-on-exec).
		if (setgroups(0, nullptr) || setresgid(nobody, nobody, nobody) ||
		    setresuid(nobody, nobody, nobody))
			_exit(3);
		auto s = vt::open_session();
		vt::Fd data = open_file(path, O_RDWR);
		void *p = mmap(nullptr, pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED,
			       data.get(), 0);
		uint64_t id = 0;
		if (p == MAP_FAILED || vt::lease(s.get(), data.get(), VPIN_LEASE_BREAKABLE, &id) ||
		    vt::pin(s.get(), reinterpret_cast<uintptr_t>(p), pages(2), 0, &id))
			_exit(3);
		const int keep = dup(s.get());
		if (keep < 0)
			_exit(3);
		vt::send_u64(ch.a.get(), 1);
		const std::string secs = std::to_string(break_ms / 1000 + 4);
		execl(waiter.c_str(), waiter.c_str(), secs.c_str(), nullptr);
		_exit(3);
	}
	vt::recv_u64(ch.b.get());
	usleep(200000);		// let it exec and become root
	CHECK_EQ(base.pinned(), 2L);
	within("truncate, revoking the lease", break_ms - 100, break_ms + revoke_slack_ms,
	       [&] { CHECK_OK(truncate(path.c_str(), 0)); });
	CHECK_EQ(base.pinned(), 0L);
	int status = 0;
	CHECK_EQ(waitpid(opener, &status, 0), opener);
	CHECK(WIFEXITED(status));
	// 0: no SIGBUS reached the root program.
	CHECK_EQ(WEXITSTATUS(status), 0);
}

TEST("xfs-dax: breakable leases of DAX files with blocks shared with another file are ENODATA")
{
	vt::Mount m(vt::xfs_dax);
	const std::string f = m.path("f"), g = m.path("g");
	vt::Fd src = vt::make_file(f, pages(file_pages));
	vt::Fd dst = open_file(g, O_RDWR | O_CREAT);
	CHECK_OK(vt::clone_range(src.get(), 0, dst.get(), 0, pages(file_pages)));
	auto s = vt::open_session();
	CHECK_ERRNO(vt::lease(s.get(), src.get(), VPIN_LEASE_BREAKABLE, nullptr), ENODATA);
	CHECK_ERRNO(vt::lease(s.get(), dst.get(), VPIN_LEASE_BREAKABLE, nullptr), ENODATA);
	CHECK_ERRNO(vt::lease(s.get(), src.get(), VPIN_LEASE_EXCLUSIVE, nullptr), ENODATA);
	// A private copy of its own blocks can be leased again.
	CHECK_OK(fallocate(dst.get(), FALLOC_FL_UNSHARE_RANGE, 0, offset(file_pages)));
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), dst.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_OK(vt::unlease(s.get(), id));
}

// Linux 6.12 keeps an FS-DAX page marked shared (PAGE_MAPPING_DAX_SHARED)
// after the reflink that shared it is undone; GUP takes the mark for an
// anonymous page that is not exclusive, and a read-only FOLL_PIN of it asks
// for an unshare fault that never completes. Under the lease the mark is
// stale: vpin mends it (lease_grant: "a once reflinked file") and pins.
TEST("xfs-dax: a read pin of a page once shared by a reflink is granted")
{
	// Linux 6.1 WARNs (fs/dax.c:380, dax_associate_entry()) as soon as a
	// second file maps a reflinked DAX page: the stock kernel's own limit.
	if (vt::kernel_older_than(6, 6))
		tap::skip("Linux 6.1 cannot map one DAX page from two files (dax_associate_entry WARN)");
	vt::Mount m(vt::xfs_dax);
	const std::string f = m.path("f"), g = m.path("g");
	vt::Fd src = vt::make_file(f, pages(file_pages));
	vt::Fd dst = open_file(g, O_RDWR | O_CREAT);
	CHECK_OK(vt::clone_range(src.get(), 0, dst.get(), 0, pages(file_pages)));
	{
		// Both files map the shared blocks: DAX marks the pages shared.
		vt::Map a(pages(file_pages), PROT_READ, MAP_SHARED, src.get(), 0);
		vt::Map b(pages(file_pages), PROT_READ, MAP_SHARED, dst.get(), 0);
		CHECK(memcmp(a.data(), b.data(), pages(file_pages)) == 0);
	}
	CHECK_OK(fallocate(dst.get(), FALLOC_FL_UNSHARE_RANGE, 0, offset(file_pages)));
	vt::Map a(pages(file_pages), PROT_READ, MAP_SHARED, src.get(), 0);
	auto s = vt::open_session();
	uint64_t lease = 0;
	CHECK_OK(vt::lease(s.get(), src.get(), VPIN_LEASE_BREAKABLE, &lease));
	// A loop in GUP would end the test at its time limit.
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), a.addr(), pages(file_pages), 0, &id));
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_OK(vt::unlease(s.get(), lease));
}

TEST("a session holds one lease per file: a second breakable lease of the same file is EBUSY")
{
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::Fd fd = vt::make_file(path, pages(1));
	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_ERRNO(vt::lease(s.get(), fd.get(), VPIN_LEASE_BREAKABLE, nullptr), EBUSY);
	CHECK_EQ(vt::fdinfo(s.get(), "lease").size(), size_t{1});
	CHECK_OK(vt::unlease(s.get(), id));
}

TEST("ext4-dax: a short extending write, which trims pages past the end, breaks nothing")
{
	vt::BreakTime bt(break_ms);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	Holder h(path);
	within("a short write at the end", 0, quick_ms, [&] {
		// Two pages from a buffer whose second page cannot be read.
		vt::Map buf(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		buf.touch();
		CHECK_OK(mprotect(buf.data() + pages(1), pages(1), PROT_NONE));
		vt::Fd fd = open_file(path, O_WRONLY);
		const ssize_t n = pwrite(fd.get(), buf.data(), pages(2), offset(file_pages));
		CHECK(n > 0 && n < static_cast<ssize_t>(pages(2)));
	});
	h.check_untouched();
}

TEST("an O_NONBLOCK change revokes leases whose break time is up, as __break_lease() does")
{
	vt::BreakTime bt(500);
	vt::Mount m(vt::xfs_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages));
	count_sigbus();
	Holder h(path);
	vt::Child breaker([&] {
		vt::Fd fd = open_file(path, O_RDWR | O_NONBLOCK);
		CHECK_ERRNO(ftruncate(fd.get(), offset(8)), EWOULDBLOCK);
		usleep(700000);
		CHECK_OK(ftruncate(fd.get(), offset(8)));
	});
	breaker.wait();
	h.check_gone();
	CHECK_EQ(int{sigbus_count}, 1);
}

TEST("kernel.ftrace_enabled cannot be turned off under vpin's hooks")
{
	vt::Fd f(CHECK_OK(open("/proc/sys/kernel/ftrace_enabled", O_WRONLY | O_CLOEXEC)));
	CHECK_ERRNO(write(f.get(), "0\n", 2), EBUSY);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::Fd fd = vt::make_file(path, pages(1));
	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &id));
	CHECK_ERRNO(ftruncate(fd.get(), 0), ETXTBSY);
	CHECK_OK(vt::unlease(s.get(), id));
}

TEST("a huge pin request fails at once: ENOMEM over the limit, EFAULT unmapped, nothing allocated")
{
	constexpr size_t huge = size_t{64} << 30;
	struct rlimit rl = {1 << 20, 1 << 20};
	CHECK_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
	vt::Map reserved(huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	within("a 64 GiB pin over RLIMIT_MEMLOCK", 0, quick_ms, [&] {
		become_nobody();
		auto s = vt::open_session();
		CHECK_ERRNO(vt::pin(s.get(), reserved.addr(), huge, 0, nullptr), ENOMEM);
	});
	within("a 512 GiB pin of unmapped memory", 0, quick_ms, [&] {
		auto s = vt::open_session();
		CHECK_ERRNO(vt::pin(s.get(), uint64_t{1} << 40, size_t{512} << 30, 0, nullptr), EFAULT);
	});
}

TEST("pinned pages are charged to the user, wherever its sessions go (RLIMIT_MEMLOCK)")
{
	constexpr rlim_t limit = 1 << 20;
	struct rlimit rl = {limit, limit};
	CHECK_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
	become_nobody();
	const size_t chunk = static_cast<size_t>(limit) * 3 / 4;
	vt::Channel ch;
	vt::Baseline base;
	// A child pins 3/4 of the limit, hands its session over and exits.
	{
		vt::Child c([&] {
			auto s = vt::open_session();
			vt::Map anon(chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
			anon.touch();
			CHECK_OK(vt::pin(s.get(), anon.addr(), chunk, 0, nullptr));
			vt::send_fd(ch.a.get(), s.get());
		});
		c.wait();
	}
	vt::Fd kept = vt::recv_fd(ch.b.get());
	CHECK_EQ(base.pinned(), static_cast<long>(chunk / pages(1)));
	// This process never pinned: its own address space has no charge, but
	// the user has.
	auto s = vt::open_session();
	vt::Map anon(chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	CHECK_ERRNO(vt::pin(s.get(), anon.addr(), chunk, 0, nullptr), ENOMEM);
	CHECK_EQ(base.pinned(), static_cast<long>(chunk / pages(1)));
	kept.reset();
	CHECK_EQ(base.pinned(), 0L);
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), anon.addr(), chunk, 0, &id));
	CHECK_OK(vt::unpin(s.get(), id));
}

TEST("a writable pin of a private DAX mapping pins the copy-on-write copies, not the file")
{
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(file_pages), 3);
	std::string before(pages(file_pages), '\0');
	vt::fill_pattern(before.data(), before.size(), 3);
	vt::Fd rw = open_file(path, O_RDWR);
	vt::Map map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_PRIVATE, rw.get(), 0);
	auto s = vt::open_session();
	uint64_t lease = 0, pin = 0;
	CHECK_OK(vt::lease(s.get(), rw.get(), VPIN_LEASE_BREAKABLE, &lease));
	vt::Baseline base;
	CHECK_OK(vt::pin(s.get(), map.addr(), pages(4), VPIN_PIN_F_WRITE, &pin));
	CHECK_EQ(base.pinned(), 4L);
	std::memset(map.data(), 0x5a, pages(4));
	CHECK_OK(vt::unpin(s.get(), pin));
	CHECK_EQ(base.pinned(), 0L);
	std::string now(pages(file_pages), '\0');
	CHECK_EQ(pread(rw.get(), now.data(), now.size(), 0), static_cast<ssize_t>(now.size()));
	CHECK(now == before);
	CHECK_EQ(static_cast<unsigned char>(map.data()[0]), 0x5au);
	CHECK_OK(vt::unlease(s.get(), lease));
}

// A write whose source buffer is missing in a userfaultfd range holds the
// file's i_rwsem until the fault is resolved: a way to hold the lock from
// user space while other calls queue behind it.
class LockedByWrite {
public:
	explicit LockedByWrite(int fd)
		: uffd_(static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC))),
		  buf_(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)
	{
		if (uffd_.get() < 0 && errno == ENOSYS)
			tap::skip("this kernel has no userfaultfd");
		CHECK(uffd_.get() >= 0);
		uffdio_api api{};
		api.api = UFFD_API;
		CHECK_OK(ioctl(uffd_.get(), UFFDIO_API, &api));
		uffdio_register reg{};
		reg.range = {buf_.addr(), pages(1)};
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		CHECK_OK(ioctl(uffd_.get(), UFFDIO_REGISTER, &reg));
		writer_ = std::thread([this, fd] {
			written_ = pwrite(fd, buf_.data(), pages(1), 0);
		});
		// The write now waits in the fault, i_rwsem held.
		pollfd p{uffd_.get(), POLLIN, 0};
		CHECK_EQ(poll(&p, 1, 10000), 1);
		uffd_msg msg{};
		CHECK_EQ(read(uffd_.get(), &msg, sizeof(msg)), static_cast<ssize_t>(sizeof(msg)));
		CHECK_EQ(int{msg.event}, int{UFFD_EVENT_PAGEFAULT});
	}
	~LockedByWrite() { release(); }

	// Resolves the fault: the write completes and drops i_rwsem.
	void release()
	{
		if (!writer_.joinable())
			return;
		vt::Map page(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		memset(page.data(), 0x5a, pages(1));
		uffdio_copy copy{};
		copy.dst = buf_.addr();
		copy.src = page.addr();
		copy.len = pages(1);
		CHECK_OK(ioctl(uffd_.get(), UFFDIO_COPY, &copy));
		writer_.join();
		CHECK_EQ(written_, static_cast<ssize_t>(pages(1)));
	}

private:
	vt::Fd uffd_;
	vt::Map buf_;
	std::thread writer_;
	ssize_t written_ = -1;
};

// An exclusive grant that waits for i_rwsem, and a hole punch that enters
// fallocate before the file is protected and then waits behind the grant:
// the punch must not change the protected file.
void grant_races_punch(const vt::FsKind &k)
{
	vt::Mount m(k);
	const std::string path = m.path("f");
	vt::Fd fd = vt::make_file(path, pages(file_pages));
	struct stat before{};
	CHECK_OK(fstat(fd.get(), &before));
	auto s = vt::open_session();
	// The first lease on a file system installs its hooks, which takes
	// seconds: done here, so that the grant below queues for i_rwsem at once.
	{
		vt::Fd warm = vt::make_file(m.path("warm"), pages(1));
		uint64_t id = 0;
		CHECK_OK(vt::lease(s.get(), warm.get(), VPIN_LEASE_EXCLUSIVE, &id));
		CHECK_OK(vt::unlease(s.get(), id));
	}
	LockedByWrite locked(fd.get());

	std::atomic<int> lease_ret{1}, lease_errno{0}, punch_ret{1}, punch_errno{0};
	uint64_t id = 0;
	std::thread grant([&] {
		const int r = vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &id);
		lease_errno = errno;
		lease_ret = r;
	});
	usleep(300000);
	CHECK_EQ(lease_ret.load(), 1);		// queued for i_rwsem
	std::thread punch([&] {
		vt::Fd other = open_file(path, O_RDWR);
		const int r = fallocate(other.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					offset(4), offset(4));
		punch_errno = errno;
		punch_ret = r;
	});
	usleep(300000);
	CHECK_EQ(punch_ret.load(), 1);		// admitted, queued behind the grant
	locked.release();
	grant.join();
	punch.join();
	if (lease_ret)
		tap::fail("the grant failed: " + tap::errno_name(lease_errno), __FILE__, __LINE__);
	CHECK_EQ(punch_ret.load(), -1);
	CHECK_EQ(punch_errno.load(), ETXTBSY);
	struct stat after{};
	CHECK_OK(fstat(fd.get(), &after));
	CHECK_EQ(after.st_blocks, before.st_blocks);
	CHECK_OK(vt::unlease(s.get(), id));
}

TEST("ext4-dax: a hole punch admitted before an exclusive grant and run after it is ETXTBSY")
{
	grant_races_punch(vt::ext4_dax);
}

TEST("xfs-dax: a hole punch admitted before an exclusive grant and run after it is ETXTBSY")
{
	grant_races_punch(vt::xfs_dax);
}

TEST("ext4-pagecache: a hole punch admitted before an exclusive grant and run after it is ETXTBSY")
{
	grant_races_punch(vt::ext4_pagecache);
}

// The same race for XFS_IOC_SWAPEXT, which refuses swap files (and so
// protected files) before it takes the inodes' i_rwsem: a swap admitted
// before an exclusive grant and run after it is refused with ETXTBSY
// before it drops the protected file's pages or swaps its blocks.
void grant_races_swapext(const vt::FsKind &k)
{
	vt::Mount m(k);
	const std::string path = m.path("f"), tmp = m.path("f.tmp");
	vt::Fd fd = vt::make_file(path, pages(file_pages));
	vt::make_file(tmp, pages(file_pages), 7);
	struct stat before{};
	CHECK_OK(fstat(fd.get(), &before));
	auto s = vt::open_session();
	// The first lease on a file system installs its hooks: done here.
	{
		vt::Fd warm = vt::make_file(m.path("warm"), pages(1));
		uint64_t id = 0;
		CHECK_OK(vt::lease(s.get(), warm.get(), VPIN_LEASE_EXCLUSIVE, &id));
		CHECK_OK(vt::unlease(s.get(), id));
	}
	LockedByWrite locked(fd.get());

	std::atomic<int> lease_ret{1}, lease_errno{0}, swap_errno{0};
	std::atomic<long> swap_ret{1};
	uint64_t id = 0;
	std::thread grant([&] {
		const int r = vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &id);
		lease_errno = errno;
		lease_ret = r;
	});
	usleep(300000);
	CHECK_EQ(lease_ret.load(), 1);		// queued for i_rwsem
	std::thread swap([&] {
		vt::Fd t = open_file(path, O_RDWR), o = open_file(tmp, O_RDWR);
		const long r = vt::swapext(t.get(), o.get(), offset(file_pages));
		swap_errno = errno;
		swap_ret = r;
	});
	usleep(300000);
	CHECK_EQ(swap_ret.load(), 1L);		// admitted, queued behind the grant
	locked.release();
	grant.join();
	swap.join();
	if (lease_ret)
		tap::fail("the grant failed: " + tap::errno_name(lease_errno), __FILE__, __LINE__);
	CHECK_EQ(swap_ret.load(), -1L);
	CHECK_EQ(swap_errno.load(), ETXTBSY);
	struct stat after{};
	CHECK_OK(fstat(fd.get(), &after));
	CHECK_EQ(after.st_blocks, before.st_blocks);
	CHECK_OK(vt::unlease(s.get(), id));
}

TEST("xfs-dax: an XFS_IOC_SWAPEXT admitted before an exclusive grant and run after it is ETXTBSY")
{
	grant_races_swapext(vt::xfs_dax);
}

TEST("xfs-pagecache: an XFS_IOC_SWAPEXT admitted before an exclusive grant and run after it is ETXTBSY")
{
	grant_races_swapext(vt::xfs_pagecache);
}

// FIDEDUPERANGE reports each range's error as its status, from which
// nothing restarts. Into a breakably leased DAX file whose page another
// holder keeps (a vmsplice into a pipe), the break revokes the lease and
// then xfs waits, interruptibly, for that page; a signal ends the wait,
// and the range's status must say EINTR, never ERESTARTSYS (512).
void on_usr1(int) {}

TEST("xfs-dax: a FIDEDUPERANGE into a leased file interrupted in the wait for a held DAX page says EINTR")
{
	vt::BreakTime bt(200);
	vt::Mount m(vt::xfs_dax);
	// The destination first: xfs waits interruptibly only for the
	// lower-numbered inode of the two (it spins for the other).
	const std::string dst = m.path("f"), src = m.path("g");
	vt::Fd d = vt::make_file(dst, pages(file_pages));
	vt::Fd sfd = vt::make_file(src, pages(file_pages));
	struct stat sd{}, ss{};
	CHECK_OK(fstat(d.get(), &sd));
	CHECK_OK(fstat(sfd.get(), &ss));
	if (sd.st_ino > ss.st_ino)
		tap::skip("the destination got the higher inode number");
	vt::Map map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, d.get(), 0);
	map.data()[0] = map.data()[0];
	int pipefd[2];
	CHECK_OK(pipe(pipefd));
	vt::Fd rd(pipefd[0]), wr(pipefd[1]);
	iovec iov{map.data(), pages(1)};
	CHECK_EQ(vmsplice(wr.get(), &iov, 1, 0), static_cast<ssize_t>(pages(1)));

	auto s = vt::open_session();
	uint64_t lease = 0;
	CHECK_OK(vt::lease(s.get(), d.get(), VPIN_LEASE_BREAKABLE, &lease));
	count_sigbus();
	const pid_t child = fork();
	if (child == 0) {
		struct sigaction sa = {};
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, nullptr);
		vt::Fd sf = open_file(src, O_RDONLY), df = open_file(dst, O_RDWR);
		const long r = vt::dedupe(sf.get(), 0, df.get(), 0, pages(1));
		_exit(r < 0 ? (errno == EINTR ? 10 : errno == 512 ? 11 : 12) : 13);
	}
	// The break revokes the lease after 200 ms; then xfs waits for the page.
	usleep(1500000);
	int status = 0;
	CHECK_EQ(waitpid(child, &status, WNOHANG), 0);	// still waiting
	CHECK_OK(kill(child, SIGUSR1));
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status));
	const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code != 10)
		tap::fail(code == 11 ? "the range's status was ERESTARTSYS" :
				       "the dedupe did not end with EINTR (exit " + std::to_string(code) + ")",
			  __FILE__, __LINE__);
}

// Is the page at addr mapped in this process (/proc/self/pagemap)?
bool mapped(const char *addr)
{
	vt::Fd pm = open_file("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;
	const off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(addr) / pages(1) * 8);
	return pread(pm.get(), &e, sizeof(e), at) == sizeof(e) && (e >> 63);
}

// A DAX pin still faulting in its pages when a layout change revokes its
// lease holds none of them: EXT4_IOC_SWAP_BOOT truncates the file's DAX
// entries without waiting for its pages, and a page already faulted and
// held would meet the WARN in dax_disassociate_entry(). The swap's
// truncation counts the pin in flight, breaks and revokes the lease; the
// pin then fails, and no page stays pinned.
TEST("ext4-dax: a pin still faulting when EXT4_IOC_SWAP_BOOT revokes its lease holds no page")
{
	constexpr size_t big = 49152;		// 192 MiB, faulted 4 KiB at a time
	constexpr int64_t bt_ms = 1000;
	constexpr unsigned long ext4_ioc_swap_boot = _IO('f', 17);
	vt::BreakTime bt(bt_ms);
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::make_file(path, pages(big));
	count_sigbus();
	vt::Baseline base;
	vt::Fd rw = open_file(path, O_RDWR);
	vt::Map map(pages(big), PROT_READ | PROT_WRITE, MAP_SHARED, rw.get(), 0);
	CHECK_OK(madvise(map.data(), map.length(), MADV_NOHUGEPAGE));
	auto s = vt::open_session();
	uint64_t lease = 0;
	CHECK_OK(vt::lease(s.get(), rw.get(), VPIN_LEASE_BREAKABLE, &lease));

	// The swapper is ready before the pin starts, and goes 2 ms into it.
	vt::Channel ch;
	vt::Child swapper([&] {
		vt::Fd fd = open_file(path, O_RDWR);
		vt::recv_u64(ch.b.get());
		CHECK_OK(ioctl(fd.get(), ext4_ioc_swap_boot));
	});
	std::atomic<int64_t> pin_done{0};
	std::atomic<int> pin_ret{1}, pin_errno{0};
	const int64_t pin_start = now_ns();
	std::thread pinner([&] {
		uint64_t id = 0;
		const int r = vt::pin(s.get(), map.addr(), map.length(), VPIN_PIN_F_WRITE, &id);
		pin_errno = errno;
		pin_ret = r;
		pin_done = now_ns();
	});
	// Once the pin faults the range in: its first pages are mapped.
	while (!mapped(map.data() + pages(1)) && !pin_done)
		usleep(200);
	const int64_t swap_start = now_ns();
	vt::send_u64(ch.a.get(), 1);
	swapper.wait();
	const int64_t swap_took = now_ns() - swap_start;
	pinner.join();
	tap::note("the swap took " + vt::ms_str(swap_took) + "; the pin returned " +
		  vt::ms_str(pin_done - pin_start) + " after it started");
	if (pin_ret == 0)
		tap::fail("the pin completed before the swap reached the file", __FILE__, __LINE__);
	tap::note("the pin failed with " + tap::errno_name(pin_errno));
	// EPERM: the lease is gone; EAGAIN: it is being broken; EFAULT: the
	// file, now the boot loader's empty one, no longer covers the range.
	CHECK(pin_errno == EPERM || pin_errno == EAGAIN || pin_errno == EFAULT);
	// The swap waited for the holder, which never answered, then revoked.
	CHECK(swap_took >= (bt_ms - 100) * ms_ns);
	CHECK_EQ(int{sigbus_count}, 1);
	CHECK(vt::fdinfo(s.get(), "lease").empty());
	CHECK_EQ(base.pinned(), 0L);
}

} // namespace
