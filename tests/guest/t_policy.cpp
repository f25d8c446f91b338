// SPDX-License-Identifier: GPL-2.0
// Policies: every decision path of the module's rule set (allow per
// operation; users, groups, supplementary groups and path prefixes; quotas
// per uid across sessions and processes; per-rule break time and
// on_revoke), atomic replacement, hostile SET_POLICY requests and the
// denial events. The rules are pushed with the library every tool uses.
#include "tap.hpp"
#include "util.hpp"

#include <vpin/netlink.hpp>
#include <vpin/policy.hpp>

#include <linux/vpin.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

using vt::offset;
using vt::open_file;
using vt::pages;

namespace {

constexpr uid_t user_a = 1234;
constexpr uid_t user_b = 1235;
constexpr gid_t group_x = 4321;

// The rule set for the lifetime of the object; none again afterwards.
class Rules {
public:
	explicit Rules(const vpin::Policy &p) { generation_ = vpin::Netlink{}.set_policy(&p); }
	~Rules()
	{
		try {
			vpin::Netlink{}.set_policy(nullptr);
		} catch (...) {
		}
	}
	Rules(const Rules &) = delete;
	Rules &operator=(const Rules &) = delete;
	uint64_t generation() const { return generation_; }

private:
	uint64_t generation_ = 0;
};

vpin::Rule allow(uint32_t bits)
{
	vpin::Rule r;
	r.allow = bits;
	return r;
}

vpin::Rule named(const std::string &name, uint32_t bits)
{
	vpin::Rule r = allow(bits);
	r.name = name;
	return r;
}

// Pins allowed to all; one rule allowing everything under `dir`.
vpin::Policy everything_under(const std::string &name, const std::string &dir)
{
	vpin::Policy p;
	p.defaults = allow(VPIN_ALLOW_PIN);
	vpin::Rule r = named(name, __VPIN_ALLOW_ALL);
	r.paths = {dir};
	p.rules = {r};
	return p;
}

// Drops root for good: uid, gid and supplementary groups as given.
void become(uid_t uid, gid_t gid, const std::vector<gid_t> &groups = {})
{
	vt::start_vmstat_helper();
	CHECK_OK(setgroups(groups.size(), groups.data()));
	CHECK_OK(setresgid(gid, gid, gid));
	CHECK_OK(setresuid(uid, uid, uid));
}

// Pins one page of fresh anonymous memory in the session: 0 or errno.
int pin_anon(int session, size_t n = 1)
{
	vt::Map m(pages(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	uint64_t id = 0;
	if (vt::pin(session, m.addr(), m.length(), 0, &id) < 0)
		return errno;
	// The pin holds the pages past the munmap.
	return 0;
}

// Pins pages of a memfd (shmem: "pin", not "pin-file"): 0 or errno.
int pin_memfd(int session)
{
	vt::Fd fd(memfd_create("vpin-policy", MFD_CLOEXEC));
	CHECK(fd.get() >= 0);
	CHECK_OK(ftruncate(fd.get(), pages(1)));
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
	m.touch();
	uint64_t id = 0;
	return vt::pin(session, m.addr(), m.length(), 0, &id) < 0 ? errno : 0;
}

// Leases a file and pins its first page under the lease: 0 or errno of
// the first step that failed.
int lease_and_pin(int session, const std::string &path, uint32_t type)
{
	vt::Fd fd = open_file(path, O_RDWR);
	uint64_t lid = 0, pid = 0;
	if (vt::lease(session, fd.get(), type, &lid) < 0)
		return errno;
	vt::Map m(pages(1), PROT_READ, MAP_SHARED, fd.get());
	if (vt::pin(session, m.addr(), m.length(), 0, &pid) < 0)
		return errno;
	return 0;
}

int lease_only(int session, const std::string &path, uint32_t type, uint64_t *id = nullptr)
{
	vt::Fd fd = open_file(path, type == VPIN_LEASE_EXCLUSIVE ? O_RDWR : O_RDONLY);
	uint64_t lid = 0;
	if (vt::lease(session, fd.get(), type, &lid) < 0)
		return errno;
	if (id)
		*id = lid;
	return 0;
}

const vpin::Usage *usage_of(const std::vector<vpin::Usage> &all, uint32_t uid)
{
	for (const auto &u : all)
		if (u.uid == uid)
			return &u;
	return nullptr;
}

// Runs fn as a child that becomes uid/gid (with groups) first.
void as_user(uid_t uid, gid_t gid, const std::vector<gid_t> &groups, const std::function<void()> &fn)
{
	vt::Child c([&] {
		become(uid, gid, groups);
		fn();
	});
	c.wait();
}

void check_errno_is(int got, int want, const std::string &what)
{
	if (got != want)
		tap::fail(what + ": expected " + tap::errno_name(want) + ", got " + tap::errno_name(got),
			  __FILE__, __LINE__);
}

} // namespace

TEST("with no rule set loaded nothing is refused and GET_POLICY says none is loaded")
{
	vpin::Netlink{}.set_policy(nullptr);
	auto st = vpin::Netlink{}.policy();
	CHECK(!st.loaded);
	CHECK(st.policy.rules.empty());
	auto s = vt::open_session();
	check_errno_is(pin_anon(s.get()), 0, "anonymous pin");
	check_errno_is(pin_memfd(s.get()), 0, "memfd pin");
}

TEST("allow: each operation is EPERM when the deciding rule leaves it out, and counted")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		const std::string file = mnt.path("f");
		vt::make_file(file, pages(4));
		{
			vpin::Policy p;
			p.defaults = allow(VPIN_ALLOW_PIN);
			Rules rules(p);
			auto s = vt::open_session();
			check_errno_is(pin_anon(s.get()), 0, "anonymous pin under allow=[pin]");
			check_errno_is(pin_memfd(s.get()), 0, "memfd pin under allow=[pin]");
			check_errno_is(lease_only(s.get(), file, VPIN_LEASE_EXCLUSIVE), EPERM,
				       "exclusive lease under allow=[pin]");
			check_errno_is(lease_only(s.get(), file, VPIN_LEASE_BREAKABLE), EPERM,
				       "breakable lease under allow=[pin]");
			auto st = vpin::Netlink{}.policy();
			CHECK(st.loaded);
			CHECK_EQ(st.generation, rules.generation());
			CHECK_EQ(st.policy.defaults.denies, 2u);
			// The session's open, two pins, two leases.
			CHECK_EQ(st.policy.defaults.hits, 5u);
		}
		{
			vpin::Policy p;
			p.defaults = allow(VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE);
			Rules rules(p);
			auto s = vt::open_session();
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous pin without pin");
			check_errno_is(pin_memfd(s.get()), EPERM, "memfd pin without pin");
			check_errno_is(lease_only(s.get(), file, VPIN_LEASE_BREAKABLE), EPERM,
				       "breakable lease without breakable");
			check_errno_is(lease_and_pin(s.get(), file, VPIN_LEASE_EXCLUSIVE), 0,
				       std::string("exclusive lease and DAX pin on ") + k.name);
		}
		{
			vpin::Policy p;
			p.defaults = allow(VPIN_ALLOW_BREAKABLE);
			Rules rules(p);
			auto s = vt::open_session();
			check_errno_is(lease_and_pin(s.get(), file, VPIN_LEASE_BREAKABLE), EPERM,
				       "DAX pin under a breakable lease without pin-file");
		}
	}
	vt::PageCacheFs pc("ext4");
	const std::string file = pc.path("g");
	vt::make_file(file, pages(2));
	vpin::Policy p;
	p.defaults = allow(VPIN_ALLOW_PIN);
	Rules rules(p);
	auto s = vt::open_session();
	vt::Fd fd = open_file(file, O_RDONLY);
	vt::Map m(pages(1), PROT_READ, MAP_SHARED, fd.get());
	uint64_t id = 0;
	CHECK_ERRNO(vt::pin(s.get(), m.addr(), m.length(), 0, &id), EPERM);
}

TEST("users, primary groups and supplementary groups select the rule")
{
	vpin::Policy p;
	p.defaults = allow(__VPIN_ALLOW_ALL);
	vpin::Rule u = named("by-uid", 0);
	u.users = {user_a};
	vpin::Rule g = named("by-gid", 0);
	g.groups = {group_x};
	p.rules = {u, g};
	Rules rules(p);

	auto refused = [](bool want) {
		auto s = vt::open_session();
		check_errno_is(pin_anon(s.get()), want ? EPERM : 0, "anonymous pin");
	};
	as_user(user_a, user_a, {}, [&] { refused(true); });
	as_user(user_b, group_x, {}, [&] { refused(true); });
	as_user(user_b, user_b, {group_x}, [&] { refused(true); });
	as_user(user_b, user_b, {}, [&] { refused(false); });
	auto st = vpin::Netlink{}.policy();
	CHECK_EQ(st.policy.rules.size(), 2u);
	CHECK(st.policy.rules[0].name == "by-uid");
	CHECK_EQ(st.policy.rules[0].denies, 1u);
	CHECK_EQ(st.policy.rules[1].denies, 2u);
}

TEST("paths: a prefix is a directory and what is below it; symlinks, renames and mounts do not fool it")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::DaxFs fs(k.type, k.pmem);
		const std::string root = fs.mountpoint();
		for (const char *d : {"/rdma", "/rdma2", "/other"})
			CHECK_OK(mkdir((root + d).c_str(), 0755));
		for (const char *f : {"/rdma/f", "/rdma2/h", "/other/g"})
			vt::make_file(root + f, pages(2));
		CHECK_OK(symlink((root + "/rdma/f").c_str(), (root + "/other/to-f").c_str()));
		CHECK_OK(symlink((root + "/other/g").c_str(), (root + "/rdma/to-g").c_str()));

		Rules rules(everything_under("rdma", root + "/rdma"));
		auto s = vt::open_session();
		const auto b = VPIN_LEASE_BREAKABLE;
		uint64_t id = 0;
		CHECK_EQ(lease_only(s.get(), root + "/rdma/f", b, &id), 0);
		CHECK_OK(vt::unlease(s.get(), id));
		check_errno_is(lease_only(s.get(), root + "/rdma2/h", b), EPERM, "/rdma2 under /rdma");
		check_errno_is(lease_only(s.get(), root + "/other/g", b), EPERM, "/other");
		CHECK_EQ(lease_only(s.get(), root + "/other/to-f", b, &id), 0);
		CHECK_OK(vt::unlease(s.get(), id));
		check_errno_is(lease_only(s.get(), root + "/rdma/to-g", b), EPERM,
			       "a symlink in /rdma to a file elsewhere");

		// Judged at request time: renamed in, then out again.
		vt::Fd g = open_file(root + "/other/g", O_RDONLY);
		CHECK_ERRNO(vt::lease(s.get(), g.get(), b, &id), EPERM);
		CHECK_OK(rename((root + "/other/g").c_str(), (root + "/rdma/g").c_str()));
		CHECK_OK(vt::lease(s.get(), g.get(), b, &id));
		CHECK_OK(vt::unlease(s.get(), id));
		CHECK_OK(rename((root + "/rdma/g").c_str(), (root + "/other/g").c_str()));
		CHECK_ERRNO(vt::lease(s.get(), g.get(), b, &id), EPERM);
		// A bind mount of /other inside /rdma does not put its files under
		// /rdma; a bind mount of /rdma elsewhere keeps them there.
		CHECK_OK(mkdir((root + "/rdma/sub").c_str(), 0755));
		CHECK_OK(mkdir("/tmp/vpin-alias", 0755));
		CHECK_OK(mount((root + "/other").c_str(), (root + "/rdma/sub").c_str(), nullptr, MS_BIND,
			       nullptr));
		CHECK_OK(mount((root + "/rdma").c_str(), "/tmp/vpin-alias", nullptr, MS_BIND, nullptr));
		const int through_sub = lease_only(s.get(), root + "/rdma/sub/g", b);
		const int through_alias = lease_only(s.get(), "/tmp/vpin-alias/f", b, &id);
		umount2((root + "/rdma/sub").c_str(), MNT_DETACH);
		umount2("/tmp/vpin-alias", MNT_DETACH);
		rmdir("/tmp/vpin-alias");
		check_errno_is(through_sub, EPERM, "/other bind-mounted inside /rdma");
		check_errno_is(through_alias, 0, "/rdma bind-mounted elsewhere");
		CHECK_OK(vt::unlease(s.get(), id));
		// Anonymous memory only matches rules without paths.
		check_errno_is(pin_anon(s.get()), 0, "anonymous pin, defaults allow it");
	}
}

TEST("one session's requests are judged by each new rule set as it is loaded")
{
	auto s = vt::open_session();
	auto sa = vt::open_session();
	check_errno_is(pin_anon(s.get()), 0, "anonymous pin without rules");
	uint64_t last = 0;
	for (int round = 0; round < 3; round++) {
		{
			vpin::Policy p;
			p.defaults = allow(__VPIN_ALLOW_ALL);
			vpin::Rule r = named("no-pin", 0);
			r.users = {0};
			p.rules = {r};
			Rules rules(p);
			CHECK(rules.generation() > last);
			last = rules.generation();
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous pin, rule without pin");
			check_errno_is(pin_memfd(sa.get()), EPERM, "memfd pin, rule without pin");
		}
		check_errno_is(pin_anon(s.get()), 0, "anonymous pin, rules cleared");
		vpin::Policy p;
		p.defaults = allow(VPIN_ALLOW_PIN);
		Rules rules(p);
		check_errno_is(pin_anon(s.get()), 0, "anonymous pin, defaults allow it");
		check_errno_is(pin_memfd(sa.get()), 0, "memfd pin, defaults allow it");
		last = rules.generation();
	}
}

TEST("paths: a file 300 directories below a rule's directory is under it, renamed or not")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::DaxFs fs(k.type, k.pmem);
		const std::string root = fs.mountpoint();
		CHECK_OK(mkdir((root + "/top").c_str(), 0755));
		CHECK_OK(mkdir((root + "/elsewhere").c_str(), 0755));
		std::string dir = root + "/top";
		for (int i = 0; i < 300; i++) {
			dir += "/d";
			CHECK_OK(mkdir(dir.c_str(), 0755));
		}
		vt::make_file(dir + "/f", pages(1));

		Rules rules(everything_under("top", root + "/top"));
		auto s = vt::open_session();
		vt::Fd f = open_file(dir + "/f", O_RDONLY);
		uint64_t id = 0;
		CHECK_OK(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, &id));
		CHECK_OK(vt::unlease(s.get(), id));
		// The whole chain moved out of /top: no longer under the rule.
		CHECK_OK(rename((root + "/top/d").c_str(), (root + "/elsewhere/d").c_str()));
		CHECK_ERRNO(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, &id), EPERM);
		CHECK_OK(rename((root + "/elsewhere/d").c_str(), (root + "/top/d").c_str()));
		CHECK_OK(vt::lease(s.get(), f.get(), VPIN_LEASE_BREAKABLE, &id));
		CHECK_OK(vt::unlease(s.get(), id));
		auto st = vpin::Netlink{}.policy();
		CHECK_EQ(st.policy.rules.at(0).hits, 2u);
		CHECK_EQ(st.policy.defaults.denies, 1u);
	}
}

TEST("1000 rules of every kind: the first rule that matches decides")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::DaxFs fs(k.type, k.pmem);
		const std::string root = fs.mountpoint();
		// Rule i: by uid (i % 4 == 0), by gid (1), by directory (2), by uid
		// and directory (3). Rule 500 names uid 0 too, rule 990 the
		// directory of rule 10, rule 1 gid 100008 where rule 8 has uid
		// 100008, and rule 999 nothing: it matches every request and allows
		// everything. The others refuse everything: which rule decided shows
		// in its denial counter.
		vpin::Policy p;
		p.defaults = allow(__VPIN_ALLOW_ALL);
		for (uint32_t i = 0; i < 1000; i++) {
			vpin::Rule r = named("r" + std::to_string(i), 0);
			const std::string dir = root + "/d" + std::to_string(i % 4 >= 2 ? i : 0);
			if (i % 4 >= 2)
				CHECK_OK(mkdir(dir.c_str(), 0755));
			if (i % 4 == 0 || i % 4 == 3)
				r.users = {100000 + i};
			if (i % 4 == 1)
				r.groups = {200000 + i};
			if (i % 4 >= 2)
				r.paths = {dir};
			if (i == 500)
				r.users.push_back(0);
			if (i == 990)
				r.paths.push_back(root + "/d10");
			if (i == 1)
				r.groups = {100008};
			if (i == 999)
				r = named("r999", __VPIN_ALLOW_ALL);
			p.rules.push_back(r);
		}
		for (int d : {10, 302, 303, 990}) {
			const std::string f = root + "/d" + std::to_string(d) + "/f";
			vt::make_file(f, pages(1));
			CHECK_OK(chown(f.c_str(), 100303, 100303));
		}
		Rules rules(p);
		const auto b = VPIN_LEASE_BREAKABLE;
		{
			auto s = vt::open_session();
			// Root: rule 302 (its directory) comes before rule 500 (root).
			check_errno_is(lease_only(s.get(), root + "/d302/f", b), EPERM,
				       "d302 as root");
			// Rule 303 is uid 100303's only: rule 500 decides.
			check_errno_is(lease_only(s.get(), root + "/d303/f", b), EPERM,
				       "d303 as root");
			// Two rules name d10: the first.
			check_errno_is(lease_only(s.get(), root + "/d10/f", b), EPERM,
				       "d10 as root");
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous, as root");
		}
		// A uid and a gid of the same number are different keys.
		as_user(100008, 100008, {}, [&] {
			auto s = vt::open_session();
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous, uid and gid 100008");
		});
		as_user(100008, 4242, {}, [&] {
			auto s = vt::open_session();
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous, uid 100008");
		});
		as_user(4242, 4242, {7, 200601, 9}, [&] {
			auto s = vt::open_session();
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous, group 200601");
		});
		as_user(100303, 100303, {}, [&] {
			auto s = vt::open_session();
			// A rule with a directory never decides for memory: rule 999.
			check_errno_is(pin_anon(s.get()), 0, "anonymous, uid 100303");
			check_errno_is(lease_only(s.get(), root + "/d303/f", b), EPERM,
				       "d303 as its uid");
			check_errno_is(lease_only(s.get(), root + "/d990/f", b), EPERM,
				       "d990 as uid 100303");
		});

		auto st = vpin::Netlink{}.policy();
		CHECK_EQ(st.policy.rules.size(), 1000u);
		const std::vector<std::pair<uint32_t, uint64_t>> want = {
			{1, 1}, {8, 1}, {10, 1}, {302, 1}, {303, 1}, {500, 2}, {601, 1}, {990, 1}};
		for (const auto &r : st.policy.rules) {
			uint64_t denies = 0;
			for (const auto &[index, n] : want)
				if (r.index == index)
					denies = n;
			if (r.denies != denies)
				tap::fail(std::string(k.name) + ": rule " + r.name + ": " +
						  std::to_string(r.denies) + " denials, expected " +
						  std::to_string(denies),
					  __FILE__, __LINE__);
		}
		// Uid 100303's session and pin.
		CHECK_EQ(st.policy.rules.at(999).hits, 2u);
		CHECK_EQ(st.policy.defaults.hits, 0u);
		CHECK_EQ(st.policy.defaults.denies, 0u);
	}
}

TEST("paths: a file deeper than VPIN_POLICY_MAX_DEPTH below a named file system's root is ELOOP")
{
	vt::DaxFs fs("ext4", 0);
	const std::string root = fs.mountpoint();
	CHECK_OK(mkdir((root + "/top").c_str(), 0755));
	// Deeper than PATH_MAX allows to name: made one directory at a time.
	vt::Fd at = open_file(root + "/top", O_RDONLY | O_DIRECTORY);
	vt::Fd shallow, deep;
	for (int level = 1; level <= 4100; level++) {
		CHECK_OK(mkdirat(at.get(), "d", 0755));
		at = vt::Fd(openat(at.get(), "d", O_RDONLY | O_DIRECTORY));
		CHECK(at.get() >= 0);
		if (level == 4000 || level == 4100) {
			vt::Fd f(openat(at.get(), "f", O_RDWR | O_CREAT, 0644));
			CHECK(f.get() >= 0);
			CHECK_OK(fallocate(f.get(), 0, 0, pages(1)));
			(level == 4000 ? shallow : deep) = std::move(f);
		}
	}
	Rules rules(everything_under("top", root + "/top"));
	auto s = vt::open_session();
	uint64_t id = 0;
	// /top/d x 4000/f: 4002 directories up to the root.
	CHECK_OK(vt::lease(s.get(), shallow.get(), VPIN_LEASE_BREAKABLE, &id));
	CHECK_OK(vt::unlease(s.get(), id));
	CHECK_ERRNO(vt::lease(s.get(), deep.get(), VPIN_LEASE_BREAKABLE, &id), ELOOP);
	// Memory is judged as before.
	check_errno_is(pin_anon(s.get()), 0, "anonymous pin");
	auto st = vpin::Netlink{}.policy();
	CHECK_EQ(st.policy.rules.at(0).hits, 1u);
}

TEST("quotas count per uid across sessions and processes, and usage returns to zero")
{
	vpin::Policy p;
	p.defaults = allow(__VPIN_ALLOW_ALL);
	vpin::Rule r = named("a", VPIN_ALLOW_PIN);
	r.users = {user_a};
	r.max_sessions = 2;
	r.max_pinned = pages(3);
	p.rules = {r};
	Rules rules(p);

	vt::Channel step;
	vt::Child first([&] {
		become(user_a, user_a);
		auto s = vt::open_session();
		check_errno_is(pin_anon(s.get(), 2), 0, "2 pages in the first process");
		vt::send_u64(step.a.get(), 1);
		vt::recv_u64(step.a.get()); // hold until the second is done
	});
	CHECK_EQ(vt::recv_u64(step.b.get()), 1u);
	as_user(user_a, user_a, {}, [] {
		auto s = vt::open_session();
		// The third session of the uid.
		errno = 0;
		int fd = open(VPIN_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		check_errno_is(fd < 0 ? errno : 0, EDQUOT, "third session");
		check_errno_is(pin_anon(s.get(), 2), EDQUOT, "2 more pages (4 > 3)");
		check_errno_is(pin_anon(s.get(), 1), 0, "1 more page (3)");
		auto all = vpin::Netlink{}.usage();
		const auto *u = usage_of(all, user_a);
		CHECK(u != nullptr);
		CHECK_EQ(u->sessions, 2u);
		CHECK_EQ(u->pinned_bytes, static_cast<uint64_t>(pages(3)));
		CHECK(u->rule == "a");
		CHECK(u->max_sessions && *u->max_sessions == 2u);
		// Unprivileged: only its own uid.
		CHECK_EQ(all.size(), 1u);
	});
	vt::send_u64(step.b.get(), 2);
	first.wait();
	auto all = vpin::Netlink{}.usage();
	const auto *u = usage_of(all, user_a);
	CHECK(u == nullptr || (u->sessions == 0 && u->pinned_bytes == 0 && u->leases == 0));
}

TEST("lease quotas: max_leases and max_exclusive, orphans and all, on DAX")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		for (const char *f : {"f1", "f2", "f3"})
			vt::make_file(mnt.path(f), pages(2));
		vpin::Policy p;
		p.defaults = allow(__VPIN_ALLOW_ALL);
		p.defaults.max_leases = 2;
		p.defaults.max_exclusive = 1;
		Rules rules(p);
		auto s = vt::open_session();
		CHECK_EQ(lease_only(s.get(), mnt.path("f1"), VPIN_LEASE_EXCLUSIVE), 0);
		check_errno_is(lease_only(s.get(), mnt.path("f2"), VPIN_LEASE_EXCLUSIVE), EDQUOT,
			       "second exclusive lease");
		CHECK_EQ(lease_only(s.get(), mnt.path("f2"), VPIN_LEASE_BREAKABLE), 0);
		check_errno_is(lease_only(s.get(), mnt.path("f3"), VPIN_LEASE_BREAKABLE), EDQUOT,
			       "third lease");
		const auto all = vpin::Netlink{}.usage();
		const auto *u = usage_of(all, 0);
		CHECK(u != nullptr);
		CHECK_EQ(u->leases, 2u);
		CHECK_EQ(u->exclusive, 1u);
	}
}

TEST("two uids are independent")
{
	vpin::Policy p;
	p.defaults = allow(__VPIN_ALLOW_ALL);
	p.defaults.max_sessions = 1;
	Rules rules(p);
	vt::Channel step;
	vt::Child a([&] {
		become(user_a, user_a);
		auto s = vt::open_session();
		int fd = open(VPIN_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		check_errno_is(fd < 0 ? errno : 0, EDQUOT, "user a's second session");
		vt::send_u64(step.a.get(), 1);
		vt::recv_u64(step.a.get());
	});
	CHECK_EQ(vt::recv_u64(step.b.get()), 1u);
	as_user(user_b, user_b, {}, [] {
		auto s = vt::open_session();
		check_errno_is(pin_anon(s.get()), 0, "user b pins while user a is at its quota");
	});
	vt::send_u64(step.b.get(), 2);
	a.wait();
}

namespace {

// A holder child with a breakable lease and a pin of a DAX file, which
// ignores the break; returns how long a root truncate of the file took and
// the holder's wait status.
struct Revoked {
	int64_t took_ns;
	int status;
	bool event;
};

Revoked break_ignored(const std::string &path, bool killed)
{
	vt::Channel ch;
	vt::Child holder([&] {
		vt::count_sigbus();
		auto s = vt::open_session();
		CHECK_EQ(lease_and_pin(s.get(), path, VPIN_LEASE_BREAKABLE), 0);
		vt::send_u64(ch.a.get(), 1);
		vt::wait_event(s.get(), 10000);
		// Revoked with no signal: the revocation is queued after the break.
		int64_t t0 = vt::now_ns();
		bool revoked = false;
		while (!revoked && vt::now_ns() - t0 < 5'000'000'000) {
			if (!vt::event_queued(s.get())) {
				usleep(10000);
				continue;
			}
			for (const auto &ev : vt::read_events(s.get()))
				revoked |= ev.type == VPIN_EVENT_LEASE_REVOKED;
		}
		vt::send_u64(ch.a.get(), revoked ? 2 : 3);
		vt::send_u64(ch.a.get(), static_cast<uint64_t>(vt::sigbus_count));
		pause();
	});
	CHECK_EQ(vt::recv_u64(ch.b.get()), 1u);
	int64_t t0 = vt::now_ns();
	CHECK_OK(truncate(path.c_str(), 0));
	Revoked r{vt::now_ns() - t0, 0, false};
	if (!killed) {
		r.event = vt::recv_u64(ch.b.get()) == 2;
		CHECK_EQ(vt::recv_u64(ch.b.get()), 0u); // no SIGBUS
	} else {
		usleep(200000);
	}
	r.status = holder.kill(SIGTERM);
	return r;
}

} // namespace

TEST("a rule's break_time and on_revoke = none and sigkill apply to its leases")
{
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		const std::string file = mnt.path("f");
		vt::BreakTime module_default(20000);
		vpin::Policy p;
		p.defaults = allow(__VPIN_ALLOW_ALL);
		p.defaults.break_time_ms = 300;
		p.defaults.on_revoke = VPIN_REVOKE_NONE;
		{
			vt::make_file(file, pages(4));
			Rules rules(p);
			Revoked r = break_ignored(file, false);
			tap::note(std::string(k.name) + ": break_time 300 ms, revoked after " +
				  vt::ms_str(r.took_ns));
			CHECK(r.took_ns >= 300'000'000 && r.took_ns < 800'000'000);
			CHECK(r.event);
			CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM);
		}
		{
			vt::make_file(file, pages(4));
			p.defaults.on_revoke = VPIN_REVOKE_SIGKILL;
			Rules rules(p);
			Revoked r = break_ignored(file, true);
			CHECK(r.took_ns >= 300'000'000 && r.took_ns < 800'000'000);
			CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL);
		}
	}
}

TEST("an invalid rule set is refused with the rule named, and the old one stays in force")
{
	vpin::Policy good;
	good.defaults = allow(VPIN_ALLOW_PIN_FILE);
	Rules rules(good);
	vpin::Policy bad;
	bad.defaults = allow(__VPIN_ALLOW_ALL);
	bad.rules = {named("one", 0), named("two", 0), named("one", 0)};
	try {
		vpin::Netlink{}.set_policy(&bad);
		tap::fail("a set with a duplicate name was accepted", __FILE__, __LINE__);
	} catch (const std::system_error &e) {
		CHECK_EQ(e.code().value(), EINVAL);
		const std::string what = e.what();
		tap::note("refused: " + what);
		CHECK(what.find("duplicate name") != std::string::npos);
		if (!vt::kernel_older_than(6, 2))
			CHECK(what.find("rule 2") != std::string::npos);
	}
	// The attribute is named too.
	bad.rules = {named("one", 0), named("two", 0)};
	bad.rules[1].paths = {"relative/path"};
	try {
		vpin::Netlink{}.set_policy(&bad);
		tap::fail("a set with a relative path was accepted", __FILE__, __LINE__);
	} catch (const std::system_error &e) {
		CHECK_EQ(e.code().value(), EINVAL);
		const std::string what = e.what();
		tap::note("refused: " + what);
		CHECK(what.find("path: not absolute") != std::string::npos);
		if (!vt::kernel_older_than(6, 2))
			CHECK(what.find("rule 1, attribute " + std::to_string(VPIN_RULE_A_PATH)) !=
			      std::string::npos);
	}
	auto st = vpin::Netlink{}.policy();
	CHECK_EQ(st.generation, rules.generation());
	CHECK(st.policy.rules.empty());
	auto s = vt::open_session();
	check_errno_is(pin_anon(s.get()), EPERM, "anonymous pin under the old set");
}

namespace {

// Raw SET_POLICY requests, as a hostile client builds them: returns the
// kernel's errno (0 on success).
class Raw {
public:
	Raw() : sock_(nl_socket_alloc())
	{
		CHECK(sock_ && genl_connect(sock_) == 0);
		family_ = genl_ctrl_resolve(sock_, VPIN_GENL_NAME);
		CHECK(family_ > 0);
		nl_socket_set_buffer_size(sock_, 8 << 20, 0);
	}
	~Raw() { nl_socket_free(sock_); }
	Raw(const Raw &) = delete;
	Raw &operator=(const Raw &) = delete;

	nl_msg *begin()
	{
		nl_msg *msg = nlmsg_alloc_size(8 << 20);
		CHECK(msg != nullptr);
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, NLM_F_REQUEST,
			    VPIN_CMD_SET_POLICY, VPIN_GENL_VERSION);
		return msg;
	}
	int send(nl_msg *msg)
	{
		int ret = nl_send_auto(sock_, msg);
		nlmsg_free(msg);
		if (ret < 0)
			return -ret == NLE_MSGSIZE ? EMSGSIZE : EIO;
		ret = nl_wait_for_ack(sock_);
		return ret == 0 ? 0 : ret == -NLE_PERM ? EPERM : ret == -NLE_INVAL ? EINVAL : -ret + 1000;
	}

private:
	nl_sock *sock_;
	int family_ = 0;
};

void put_rule(nl_msg *msg, const std::string &name, const std::function<void(nl_msg *)> &extra = {})
{
	nlattr *r = nla_nest_start(msg, VPIN_A_RULE);
	nla_put_string(msg, VPIN_RULE_A_NAME, name.c_str());
	if (extra)
		extra(msg);
	nla_nest_end(msg, r);
}

// VPIN_A_POLICY with what `inside` puts, then what `rules` puts at the top
// level.
int raw_set(const std::function<void(nl_msg *)> &rules,
	    const std::function<void(nl_msg *)> &inside = {})
{
	Raw raw;
	nl_msg *msg = raw.begin();
	nlattr *p = nla_nest_start(msg, VPIN_A_POLICY);
	if (inside)
		inside(msg);
	nla_nest_end_keep_empty(msg, p);
	rules(msg);
	return raw.send(msg);
}

} // namespace

TEST("a GET_POLICY dump across a replacement ends flagged NLM_F_DUMP_INTR, and holds no set meanwhile")
{
	vpin::Policy p;
	p.defaults = allow(__VPIN_ALLOW_ALL);
	for (uint32_t i = 0; i < 500; i++) {
		vpin::Rule r = named("rule-" + std::to_string(i), __VPIN_ALLOW_ALL);
		r.users = {100000 + i};
		p.rules.push_back(r);
	}
	Rules rules(p);

	const std::unique_ptr<nl_sock, void (*)(nl_sock *)> owner(nl_socket_alloc(), nl_socket_free);
	nl_sock *sock = owner.get();
	CHECK(sock && genl_connect(sock) == 0);
	const int family = sock ? genl_ctrl_resolve(sock, VPIN_GENL_NAME) : -1;
	CHECK(family > 0);
	if (family <= 0)
		return;
	nl_msg *msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP, VPIN_CMD_GET_POLICY,
		    VPIN_GENL_VERSION);
	const int sent = nl_send_auto(sock, msg);
	nlmsg_free(msg);
	CHECK(sent >= 0);
	if (sent < 0)
		return;

	// The first part of the dump is queued when the request is sent; the
	// rest is made as it is read, here after the set was replaced.
	std::vector<char> buf(16 << 10);
	uint32_t rule_messages = 0;
	bool done = false, intr = false;
	const auto read_part = [&] {
		const ssize_t n = recv(nl_socket_get_fd(sock), buf.data(), buf.size(), 0);
		CHECK(n > 0);
		if (n <= 0) {
			done = true;
			return;
		}
		int left = static_cast<int>(n);
		for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data()); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
			intr |= (h->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				done = true;
			else
				rule_messages++;
		}
	};
	read_part();
	CHECK(!done);
	CHECK(!intr);
	p.rules.pop_back();
	vpin::Netlink{}.set_policy(&p);
	for (int parts = 0; !done && parts < 1000; parts++)
		read_part();
	tap::note(std::to_string(rule_messages) + " messages before the end");
	CHECK(done);
	CHECK(intr);
	CHECK(rule_messages < 501);
	// A dump that starts afterwards is whole and consistent.
	const auto st = vpin::Netlink{}.policy();
	CHECK(st.loaded);
	CHECK_EQ(st.policy.rules.size(), 499u);
}

TEST("hostile SET_POLICY requests are refused and change nothing")
{
	vpin::Netlink{}.set_policy(nullptr);
	const uint64_t gen = vpin::Netlink{}.policy().generation;
	struct Case {
		const char *what;
		std::function<void(nl_msg *)> rules;
		std::function<void(nl_msg *)> inside = {};
	};
	const auto none = [](nl_msg *) {};
	const std::vector<Case> cases = {
		{"1025 rules", [](nl_msg *m) {
			 for (int i = 0; i < 1025; i++)
				 put_rule(m, "r" + std::to_string(i));
		 }},
		{"an unterminated name", [](nl_msg *m) {
			 nlattr *r = nla_nest_start(m, VPIN_A_RULE);
			 nla_put(m, VPIN_RULE_A_NAME, 4, "abcd");
			 nla_nest_end(m, r);
		 }},
		{"a name of 64 bytes", [](nl_msg *m) { put_rule(m, std::string(64, 'n')); }},
		{"an unknown rule attribute", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_u32(mm, 200, 1); });
		 }},
		{"an output attribute (hits)", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_u64(mm, VPIN_RULE_A_HITS, 1); });
		 }},
		{"an unknown policy attribute", none, [](nl_msg *m) { nla_put_u32(m, 99, 1); }},
		{"65 users", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) {
				 for (uint32_t i = 0; i < 65; i++)
					 nla_put_u32(mm, VPIN_RULE_A_USER, 2000 + i);
			 });
		 }},
		{"an unknown operation", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_u32(mm, VPIN_RULE_A_ALLOW, 1u << 9); });
		 }},
		{"a break time of 0", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_u32(mm, VPIN_RULE_A_BREAK_TIME_MS, 0); });
		 }},
		{"a relative path", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_string(mm, VPIN_RULE_A_PATH, "mnt/x"); });
		 }},
		{"a path that does not resolve", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_string(mm, VPIN_RULE_A_PATH, "/no/such/dir"); });
		 }},
		{"a repeated VPIN_A_POLICY", [](nl_msg *m) {
			 nlattr *p = nla_nest_start(m, VPIN_A_POLICY);
			 nla_nest_end_keep_empty(m, p);
		 }},
		{"a repeated quota", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) {
				 nla_put_u32(mm, VPIN_RULE_A_MAX_LEASES, 1);
				 nla_put_u32(mm, VPIN_RULE_A_MAX_LEASES, 2);
			 });
		 }},
		{"a u64 quota in a u32 attribute", [](nl_msg *m) {
			 put_rule(m, "x", [](nl_msg *mm) { nla_put_u64(mm, VPIN_RULE_A_MAX_SESSIONS, 1); });
		 }},
		{"defaults with a name", none, [](nl_msg *m) {
			 nlattr *d = nla_nest_start(m, VPIN_POLICY_A_DEFAULTS);
			 nla_put_string(m, VPIN_RULE_A_NAME, "d");
			 nla_nest_end(m, d);
		 }},
		{"a rule without a name", [](nl_msg *m) {
			 nlattr *r = nla_nest_start(m, VPIN_A_RULE);
			 nla_put_u32(m, VPIN_RULE_A_ALLOW, 0);
			 nla_nest_end(m, r);
		 }},
	};
	for (const auto &c : cases) {
		int err = raw_set(c.rules, c.inside);
		if (err != EINVAL)
			tap::fail(std::string(c.what) + ": expected EINVAL, got " + std::to_string(err),
				  __FILE__, __LINE__);
	}
	CHECK_EQ(vpin::Netlink{}.policy().generation, gen);
	// 1024 rules are fine.
	CHECK_EQ(raw_set([](nl_msg *m) {
			 for (int i = 0; i < 1024; i++)
				 put_rule(m, "r" + std::to_string(i));
		 }),
		 0);
	CHECK_EQ(vpin::Netlink{}.policy().policy.rules.size(), 1024u);
	vpin::Netlink{}.set_policy(nullptr);
	// Unprivileged callers may read, not set.
	as_user(user_a, user_a, {}, [] {
		CHECK_EQ(raw_set([](nl_msg *m) { put_rule(m, "x"); }), EPERM);
		try {
			vpin::Netlink{}.set_policy(nullptr);
			tap::fail("an unprivileged clear was accepted", __FILE__, __LINE__);
		} catch (const std::system_error &e) {
			CHECK_EQ(e.code().value(), EPERM);
		}
		(void)vpin::Netlink{}.policy();
	});
}

TEST("denials are events naming the rule, rate-limited per uid so a loop floods no listener and hides no other uid's")
{
	if (vt::kernel_older_than(6, 9))
		tap::note("events group: CAP_SYS_ADMIN listeners only before 6.9");
	vpin::EventSocket events;
	vpin::Policy p;
	p.defaults = allow(__VPIN_ALLOW_ALL);
	vpin::Rule r = named("no-anon", VPIN_ALLOW_PIN_FILE);
	r.users = {user_a, user_b};
	p.rules = {r};
	Rules rules(p);
	as_user(user_a, user_a, {}, [] {
		auto s = vt::open_session();
		for (int i = 0; i < 200; i++)
			check_errno_is(pin_anon(s.get()), EPERM, "anonymous pin");
	});
	// Right after user_a's flood, within its second.
	as_user(user_b, user_b, {}, [] {
		auto s = vt::open_session();
		check_errno_is(pin_anon(s.get()), EPERM, "anonymous pin");
	});
	std::vector<vpin::Event> denied;
	bool changed = false;
	const int64_t t0 = vt::now_ns();
	while (vt::now_ns() - t0 < 1'000'000'000) {
		struct pollfd pfd = {events.fd(), POLLIN, 0};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		events.receive([&](const vpin::Event &e) {
			if (e.type == VPIN_EVENT_POLICY_DENIED)
				denied.push_back(e);
			changed |= e.type == VPIN_EVENT_POLICY_CHANGED;
		});
	}
	std::vector<vpin::Event> of_b;
	for (const auto &e : denied)
		if (e.uid && *e.uid == user_b)
			of_b.push_back(e);
	tap::note(std::to_string(denied.size() - of_b.size()) + " of user_a's 200 denials reported");
	CHECK(changed);
	CHECK_EQ(of_b.size(), 1u);
	CHECK(of_b.empty() || !of_b.front().suppressed || *of_b.front().suppressed == 0);
	CHECK(denied.size() > of_b.size());
	CHECK(denied.size() - of_b.size() <= 100);
	const auto &e = denied.front();
	CHECK(e.uid && *e.uid == user_a);
	CHECK(e.rule && *e.rule == "no-anon");
	CHECK(e.operation && *e.operation == VPIN_OP_PIN);
	CHECK(e.error && *e.error == EPERM);
	CHECK(e.comm && !e.comm->empty());
	const auto st = vpin::Netlink{}.policy();
	CHECK_EQ(st.policy.rules.at(0).denies, 201u);
}
