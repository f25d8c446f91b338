// SPDX-License-Identifier: GPL-2.0
#include "netlink_message.hpp"

#include <vpin/error.hpp>
#include <vpin/parse.hpp>
#include <vpin/state.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using vpin::State;

namespace {

constexpr std::uint64_t page = 4096;
const State::Time t0 = State::Time{} + 1000h;
const State::WallTime wall0 = State::WallTime{} + 480000h;

constexpr std::uint32_t dev_a = 259u << 20 | 1;

vpin::FileRef file(std::uint64_t ino, const char *path, std::uint32_t dev = dev_a)
{
    return {dev, ino, path};
}

vpin::Session session(std::uint64_t id, std::uint32_t pid, std::uint32_t uid, const char *comm)
{
    vpin::Session s;
    s.id = id;
    s.pid = pid;
    s.uid = uid;
    s.comm = comm;
    return s;
}

vpin::Pin pin(std::uint64_t session_id, std::uint32_t id, std::uint64_t pages,
              std::optional<vpin::FileRef> where = {}, std::uint64_t age_ms = 0)
{
    vpin::Pin p;
    p.session = session_id;
    p.id = id;
    p.flags = VPIN_PIN_F_WRITE;
    p.addr = 0x7f0000000000 + id * 0x100000ull;
    p.pages = pages;
    p.length = pages * page;
    p.age_ms = age_ms;
    p.dax = where.has_value();
    p.file = std::move(where);
    return p;
}

vpin::Lease lease(std::uint64_t session_id, std::uint32_t id, std::uint32_t type, vpin::FileRef where,
                  std::uint64_t pins = 0, std::optional<std::uint64_t> break_deadline_ms = {})
{
    vpin::Lease l;
    l.session = session_id;
    l.id = id;
    l.type = type;
    l.state = break_deadline_ms ? VPIN_LEASE_STATE_BREAKING : VPIN_LEASE_STATE_GRANTED;
    l.pins = pins;
    l.age_ms = 1000;
    l.break_deadline_ms = break_deadline_ms;
    l.file = std::move(where);
    return l;
}

vpin::Usage usage(std::uint32_t uid, std::uint64_t sessions, std::uint64_t pinned, std::uint64_t leases,
                  std::uint64_t exclusive)
{
    vpin::Usage u;
    u.uid = uid;
    u.sessions = sessions;
    u.pinned_bytes = pinned;
    u.leases = leases;
    u.exclusive = exclusive;
    return u;
}

// Session 1 (uid 1000, rdma-app) pins two pages of /mnt/pmem/db under its
// exclusive lease and 16 anonymous pages; session 2 (uid 1001, backup)
// holds a breakable lease of /mnt/pmem/log, being broken with 30 s left.
vpin::Snapshot snapshot()
{
    vpin::Snapshot s;
    s.status.version = "0.1.0";
    s.status.abi_version = 1;
    s.status.sessions = 2;
    s.status.pins = 2;
    s.status.pinned_bytes = 18 * page;
    s.status.leases = 2;
    s.sessions = {session(1, 100, 1000, "rdma-app"), session(2, 200, 1001, "backup")};
    s.pins = {pin(1, 1, 2, file(12, "/mnt/pmem/db"), 5000), pin(1, 2, 16, std::nullopt, 100)};
    s.leases = {lease(1, 1, VPIN_LEASE_EXCLUSIVE, file(12, "/mnt/pmem/db"), 1),
                lease(2, 1, VPIN_LEASE_BREAKABLE, file(13, "/mnt/pmem/log"), 0, 30000)};
    s.policy.generation = 3;
    s.policy.loaded = true;
    s.policy.policy.rules.resize(1);
    s.policy.policy.rules[0].name = "rdma";
    s.policy.policy.rules[0].hits = 10;
    s.usage = {usage(1000, 1, 18 * page, 1, 1), usage(1001, 1, 0, 1, 0)};
    return s;
}

// An event as the module sends it, through the parser.
struct EventMessage {
    explicit EventMessage(std::uint32_t type) { msg.begin(VPIN_A_EVENT).u32(VPIN_EVENT_A_TYPE, type); }

    // The session's owner and a pin or lease id, as object events carry.
    EventMessage &object(std::uint64_t session, std::uint32_t id, std::uint32_t pid = 300,
                         std::uint32_t uid = 1002)
    {
        msg.u64(VPIN_EVENT_A_SESSION_ID, session)
            .u32(VPIN_EVENT_A_PID, pid)
            .u32(VPIN_EVENT_A_UID, uid)
            .u32(VPIN_EVENT_A_OBJECT_ID, id);
        return *this;
    }
    EventMessage &pages(std::uint64_t n)
    {
        msg.u64(VPIN_EVENT_A_PAGES, n);
        return *this;
    }
    EventMessage &on(const vpin::FileRef &f)
    {
        msg.begin(VPIN_EVENT_A_FILE)
            .u32(VPIN_FILE_A_DEV, f.dev)
            .u64(VPIN_FILE_A_INO, f.ino)
            .string(VPIN_FILE_A_PATH, f.path.c_str())
            .end();
        return *this;
    }
    EventMessage &u32(int type, std::uint32_t value)
    {
        msg.u32(type, value);
        return *this;
    }
    EventMessage &u64(int type, std::uint64_t value)
    {
        msg.u64(type, value);
        return *this;
    }
    EventMessage &string(int type, const char *value)
    {
        msg.string(type, value);
        return *this;
    }

    operator vpin::Event()
    {
        msg.end();
        return vpin::parse_event(msg.hdr());
    }

    test::Message msg{VPIN_CMD_EVENT};
};

vpin::Event pin_event(std::uint32_t type, std::uint64_t session, std::uint32_t id, std::uint64_t pages,
                      std::optional<vpin::FileRef> where = {})
{
    EventMessage e{type};
    e.object(session, id).pages(pages);
    if (where)
        e.on(*where);
    return e;
}

vpin::Event lease_event(std::uint32_t type, std::uint64_t session, std::uint32_t id,
                        const vpin::FileRef &where)
{
    return EventMessage{type}.object(session, id).on(where);
}

State filled(std::size_t capacity = 1000)
{
    State state{capacity, page};
    state.refresh(snapshot(), t0);
    return state;
}

bool apply(State &state, const vpin::Event &event, State::Time now = t0)
{
    return state.apply(event, now, wall0);
}

std::vector<std::pair<std::uint64_t, std::uint32_t>> keys(const std::vector<vpin::PinRow> &rows)
{
    std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
    for (const auto &row : rows)
        out.emplace_back(row.pin.session, row.pin.id);
    return out;
}

std::vector<std::pair<std::uint64_t, std::uint32_t>> keys(const std::vector<vpin::LeaseRow> &rows)
{
    std::vector<std::pair<std::uint64_t, std::uint32_t>> out;
    for (const auto &row : rows)
        out.emplace_back(row.lease.session, row.lease.id);
    return out;
}

std::vector<std::uint64_t> ids(const std::vector<vpin::Session> &sessions)
{
    std::vector<std::uint64_t> out;
    for (const auto &s : sessions)
        out.push_back(s.id);
    return out;
}

using Keys = std::vector<std::pair<std::uint64_t, std::uint32_t>>;

double share(const std::optional<double> &value)
{
    REQUIRE(value);
    return *value;
}

} // namespace

TEST_CASE("State::refresh: the dumps, with sessions counting their own pins and leases")
{
    vpin::Snapshot dumps = snapshot();
    dumps.sessions[0].pins = 99; // what the model holds counts, not what the dump said
    State state{10, page};
    state.refresh(dumps, t0);

    CHECK(state.status().version == "0.1.0");
    CHECK(state.policy().generation == 3);
    CHECK(state.usage().size() == 2);
    CHECK(state.stale().empty());

    const auto one = state.session(1);
    REQUIRE(one);
    CHECK(one->comm == "rdma-app");
    CHECK(one->pins == 2);
    CHECK(one->pinned_bytes == 18 * page);
    CHECK(one->leases == 1);
    CHECK(state.session(2)->pins == 0);
    CHECK(state.session(2)->leases == 1);
    CHECK_FALSE(state.session(3));

    // Ages go on from what the dump said.
    const auto p = state.pin(1, 1, t0 + 2s);
    REQUIRE(p);
    CHECK(p->pin.age_ms == 7000);
    CHECK(p->detailed);
    CHECK(p->uid == 1000u);
    CHECK(p->comm == "rdma-app");
    CHECK(p->pin.addr == 0x7f0000100000);

    const auto totals = state.totals();
    CHECK(totals.sessions == 2);
    CHECK(totals.pins == 2);
    CHECK(totals.pinned_bytes == 18 * page);
    CHECK(totals.leases == 2);
    CHECK(totals.exclusive == 1);
    CHECK(totals.breakable == 1);
    CHECK(totals.breaking == 1);
    CHECK(totals.orphans == 0);
    CHECK(totals.uids == 2);
    CHECK(totals.events == 0);
}

TEST_CASE("State: pin and unpin events add and remove pins; a new session comes with its first event")
{
    State state = filled();
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 7, 4, 3, file(40, "/data/x")), t0 + 1s));

    const auto s = state.session(7);
    REQUIRE(s);
    CHECK(s->pid == 300);
    CHECK(s->uid == 1002);
    CHECK(s->comm.empty()); // comes with the next sessions dump
    CHECK(s->pins == 1);
    CHECK(s->pinned_bytes == 3 * page);
    CHECK(state.stale().sessions);
    CHECK(state.stale().pins == std::set<std::uint64_t>{7});
    CHECK(state.stale().status);
    CHECK(state.stale().usage);

    const auto p = state.pin(7, 4, t0 + 3s);
    REQUIRE(p);
    CHECK_FALSE(p->detailed);
    CHECK(p->pin.pages == 3);
    CHECK(p->pin.length == 3 * page);
    CHECK(p->pin.age_ms == 2000);
    REQUIRE(p->pin.file);
    CHECK(p->pin.file->path == "/data/x");
    CHECK(state.totals().pins == 3);

    // The pins dump of the session fills in the rest.
    state.set_pins({pin(7, 4, 3, file(40, "/data/x"), 2500)}, 7, t0 + 3s);
    CHECK(state.pin(7, 4, t0 + 3s)->detailed);
    CHECK(state.pin(7, 4, t0 + 3s)->pin.flags == VPIN_PIN_F_WRITE);
    CHECK(state.stale().pins.empty());
    CHECK(state.pin(1, 1, t0)); // other sessions' pins stay

    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 7, 4, 3, file(40, "/data/x"))));
    CHECK_FALSE(state.pin(7, 4, t0));
    CHECK(state.session(7)->pins == 0);
    CHECK(state.session(7)->pinned_bytes == 0);
    CHECK(state.totals().pins == 2);

    // A session with nothing left may have closed: the sessions dump says.
    state.set_sessions(snapshot().sessions);
    CHECK_FALSE(state.stale().sessions);
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 2, 16)));
    CHECK_FALSE(state.stale().sessions); // session 1 still has a pin and a lease
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 1, 2, file(12, "/mnt/pmem/db"))));
    CHECK(state.session(1)->pins == 0);
    CHECK(state.session(1)->leases == 1);
    CHECK_FALSE(state.stale().sessions);
}

TEST_CASE("State: a pin of a leased file counts for the session's lease")
{
    State state = filled();
    REQUIRE(state.lease(1, 1, t0)->lease.pins == 1);
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 1, 3, 1, file(12, "/mnt/pmem/db"))));
    CHECK(state.lease(1, 1, t0)->lease.pins == 2);
    // Another session's pin of the same file does not.
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 2, 3, 1, file(12, "/mnt/pmem/db"))));
    CHECK(state.lease(1, 1, t0)->lease.pins == 2);
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 3, 1, file(12, "/mnt/pmem/db"))));
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 1, 2, file(12, "/mnt/pmem/db"))));
    CHECK(state.lease(1, 1, t0)->lease.pins == 0);
}

TEST_CASE("State: a lease granted, made exclusive by protect-on, released")
{
    State state = filled();
    const auto f = file(50, "/mnt/pmem/new");
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_GRANTED, 1, 2, f), t0 + 1s));
    auto l = state.lease(1, 2, t0 + 4s);
    REQUIRE(l);
    CHECK(l->lease.state == VPIN_LEASE_STATE_GRANTED);
    CHECK(l->lease.type == VPIN_LEASE_UNSPEC);
    CHECK(l->lease.age_ms == 3000);
    CHECK_FALSE(l->detailed);
    CHECK(state.session(1)->leases == 2);
    CHECK(state.stale().leases == std::set<std::uint64_t>{1});

    REQUIRE(apply(state, lease_event(VPIN_EVENT_PROTECT_ON, 1, 2, f)));
    CHECK(state.lease(1, 2, t0)->lease.type == VPIN_LEASE_EXCLUSIVE);
    CHECK(state.totals().exclusive == 2);

    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_RELEASED, 1, 2, f)));
    CHECK_FALSE(state.lease(1, 2, t0));
    CHECK(state.session(1)->leases == 1);
    // Protection goes after the release; nothing is left to change.
    REQUIRE(apply(state, lease_event(VPIN_EVENT_PROTECT_OFF, 1, 2, f)));
    CHECK_FALSE(state.lease(1, 2, t0));
    CHECK(state.totals().leases == 2);
}

TEST_CASE("State: a lease break: breaking, the time left from the next leases dump, a countdown")
{
    State state = filled();
    const auto f = file(60, "/mnt/pmem/shared");
    state.set_leases({snapshot().leases[0], lease(1, 3, VPIN_LEASE_BREAKABLE, f)}, 1, t0);
    REQUIRE(state.lease(1, 3, t0)->lease.state == VPIN_LEASE_STATE_GRANTED);

    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_BREAK, 1, 3, f), t0 + 1s));
    auto l = state.lease(1, 3, t0 + 1s);
    REQUIRE(l);
    CHECK(l->lease.state == VPIN_LEASE_STATE_BREAKING);
    CHECK_FALSE(l->left); // the event does not say
    CHECK_FALSE(l->lease.break_deadline_ms);
    CHECK(state.stale().leases.count(1));
    CHECK(state.totals().breaking == 2);

    // Unknown time left sorts after the known one (session 2's 30 s).
    CHECK(keys(state.breaking(t0 + 1s)) == Keys{{2, 1}, {1, 3}});

    // The dump: 45 s left at t0 + 2 s.
    auto dumped = lease(1, 3, VPIN_LEASE_BREAKABLE, f, 0, 45000);
    state.set_leases({snapshot().leases[0], dumped}, 1, t0 + 2s);
    l = state.lease(1, 3, t0 + 12s);
    REQUIRE(l->left);
    CHECK(l->left->count() == 35000);
    CHECK(l->lease.break_deadline_ms == 35000u);
    // Session 2's lease had 30 s at t0: 18 s left at t0 + 12 s, revoked first.
    const auto rows = state.breaking(t0 + 12s);
    REQUIRE(rows.size() == 2);
    CHECK(keys(rows) == Keys{{2, 1}, {1, 3}});
    CHECK(rows[0].left->count() == 18000);
    CHECK(rows[0].uid == 1001u);
    CHECK(rows[0].comm == "backup");

    // A deadline passed is zero, not negative.
    CHECK(state.breaking(t0 + 40s)[0].left->count() == 0);
    CHECK(state.breaking(t0 + 40s)[1].left->count() == 7000);

    // A break event again (one the dump already showed) keeps the deadline.
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_BREAK, 1, 3, f), t0 + 13s));
    CHECK(state.lease(1, 3, t0 + 13s)->left->count() == 34000);
}

TEST_CASE("State: a break event that says the time left gives the deadline at once")
{
    State state = filled();
    const auto f = file(60, "/mnt/pmem/shared");
    state.set_leases({snapshot().leases[0], lease(1, 3, VPIN_LEASE_BREAKABLE, f)}, 1, t0);
    const vpin::Event broken = EventMessage{VPIN_EVENT_LEASE_BREAK}
                                   .object(1, 3)
                                   .u32(VPIN_EVENT_A_LEASE_TYPE, VPIN_LEASE_BREAKABLE)
                                   .u32(VPIN_EVENT_A_REASON, VPIN_BREAK_TRUNCATE)
                                   .u32(VPIN_EVENT_A_BREAKER_PID, 77)
                                   .string(VPIN_EVENT_A_BREAKER_COMM, "truncate")
                                   .u64(VPIN_EVENT_A_BREAK_MS, 20000)
                                   .on(f);
    CHECK(broken.break_ms == 20000u);
    CHECK(broken.breaker_comm == "truncate");
    REQUIRE(apply(state, broken, t0 + 1s));
    const auto l = state.lease(1, 3, t0 + 6s);
    REQUIRE(l);
    CHECK(l->lease.state == VPIN_LEASE_STATE_BREAKING);
    REQUIRE(l->left);
    CHECK(l->left->count() == 15000);
    CHECK_FALSE(state.stale().leases.count(1));
}

TEST_CASE("State: a granted lease takes its type from the event")
{
    State state = filled();
    const auto f = file(61, "/mnt/pmem/x");
    REQUIRE(apply(state,
                  EventMessage{VPIN_EVENT_LEASE_GRANTED}.object(1, 7).u32(VPIN_EVENT_A_LEASE_TYPE, VPIN_LEASE_EXCLUSIVE).on(f),
                  t0));
    REQUIRE(state.lease(1, 7, t0));
    CHECK(state.lease(1, 7, t0)->lease.type == VPIN_LEASE_EXCLUSIVE);
}

TEST_CASE("State: a break of a lease the model does not know yet makes a breakable one")
{
    State state = filled();
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_BREAK, 9, 1, file(70, "/f"))));
    const auto l = state.lease(9, 1, t0);
    REQUIRE(l);
    CHECK(l->lease.type == VPIN_LEASE_BREAKABLE);
    CHECK(l->lease.state == VPIN_LEASE_STATE_BREAKING);
    CHECK(state.session(9)->leases == 1);
}

TEST_CASE("State: a revoked lease is gone; its pins go with their own unpin events")
{
    State state = filled();
    const auto f = file(13, "/mnt/pmem/log");
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 2, 5, 4, f)));
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_REVOKED, 2, 1, f)));
    CHECK_FALSE(state.lease(2, 1, t0));
    CHECK(state.breaking(t0).empty());
    CHECK(state.session(2)->leases == 0);
    CHECK(state.pin(2, 5, t0)); // until its unpin event
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 2, 5, 4, f)));
    // The release that follows a revocation changes nothing more.
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_RELEASED, 2, 1, f)));
    CHECK(state.session(2)->pins == 0);
    CHECK(state.session(2)->leases == 0);
    CHECK(state.stale().sessions);
    CHECK(state.totals().leases == 1);
}

TEST_CASE("State: an exclusive lease orphaned, then its orphan released")
{
    State state = filled();
    const auto f = file(12, "/mnt/pmem/db");
    state.set_leases({lease(1, 1, VPIN_LEASE_EXCLUSIVE, f, 1)}, 1, t0);
    REQUIRE(apply(state, pin_event(VPIN_EVENT_MAP, 1, 1, 2, f)));
    REQUIRE(state.lease(1, 1, t0)->lease.maps == 1);

    // The session closes: unpin, release, orphaned with 2 pages referenced.
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 1, 2, f)));
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 2, 16)));
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_RELEASED, 1, 1, f)));
    CHECK_FALSE(state.lease(1, 1, t0));
    REQUIRE(apply(state, EventMessage{VPIN_EVENT_LEASE_ORPHANED}.object(1, 1).pages(2).on(f)));

    auto l = state.lease(1, 1, t0);
    REQUIRE(l);
    CHECK(l->lease.state == VPIN_LEASE_STATE_ORPHANED);
    CHECK(l->lease.type == VPIN_LEASE_EXCLUSIVE);
    CHECK(l->lease.referenced == 2u);
    CHECK(l->lease.maps == 1); // kept from before its release
    CHECK(l->lease.pins == 0);
    CHECK(state.session(1)->leases == 0); // an orphan is no session's
    CHECK(state.totals().orphans == 1);
    CHECK(state.totals().leases == 1);

    REQUIRE(apply(state, lease_event(VPIN_EVENT_ORPHAN_RELEASED, 1, 1, f)));
    CHECK_FALSE(state.lease(1, 1, t0));
    REQUIRE(apply(state, lease_event(VPIN_EVENT_PROTECT_OFF, 1, 1, f)));
    CHECK(state.totals().orphans == 0);
}

TEST_CASE("State: an orphan the dump showed ignores the release that came before it")
{
    vpin::Snapshot dumps = snapshot();
    dumps.leases[0].state = VPIN_LEASE_STATE_ORPHANED;
    dumps.leases[0].referenced = 8;
    State state{10, page};
    state.refresh(dumps, t0);
    CHECK(state.session(1)->leases == 0);

    const auto f = file(12, "/mnt/pmem/db");
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_RELEASED, 1, 1, f)));
    REQUIRE(apply(state, EventMessage{VPIN_EVENT_LEASE_ORPHANED}.object(1, 1).pages(9).on(f)));
    const auto l = state.lease(1, 1, t0);
    REQUIRE(l);
    CHECK(l->lease.state == VPIN_LEASE_STATE_ORPHANED);
    CHECK(l->lease.referenced == 8u); // the dump's, newer than the event
    CHECK(l->detailed);
}

TEST_CASE("State: a mapping counts for the session's lease of the pin's file, until the leases dump")
{
    State state = filled();
    REQUIRE(apply(state, pin_event(VPIN_EVENT_MAP, 1, 1, 1, file(12, "/mnt/pmem/db"))));
    REQUIRE(apply(state, pin_event(VPIN_EVENT_MAP, 1, 1, 1, file(12, "/mnt/pmem/db"))));
    CHECK(state.lease(1, 1, t0)->lease.maps == 2);
    CHECK(state.totals().maps == 2);
    CHECK(state.stale().leases == std::set<std::uint64_t>{1});
    CHECK(state.stale().status);

    auto dumped = snapshot().leases[0];
    dumped.maps = 1; // the first was already counted when the model was filled
    state.set_leases({dumped}, 1, t0);
    CHECK(state.lease(1, 1, t0)->lease.maps == 1);
    CHECK(state.stale().leases.empty());
}

TEST_CASE("State: policy changed makes the rules stale; a denial counts for its rule")
{
    State state = filled();
    REQUIRE(apply(state, EventMessage{VPIN_EVENT_POLICY_DENIED}
                             .u32(VPIN_EVENT_A_PID, 5)
                             .u32(VPIN_EVENT_A_UID, 1000)
                             .string(VPIN_EVENT_A_COMM, "rdma-app")
                             .u32(VPIN_EVENT_A_OPERATION, VPIN_OP_PIN)
                             .string(VPIN_EVENT_A_RULE, "rdma")
                             .u32(VPIN_EVENT_A_ERRNO, EDQUOT)
                             .u64(VPIN_EVENT_A_SUPPRESSED, 4)));
    CHECK(state.policy().policy.rules[0].hits == 11);
    CHECK(state.policy().policy.rules[0].denies == 1);
    CHECK(state.totals().denied == 5);
    CHECK_FALSE(state.stale().policy);

    REQUIRE(apply(state, EventMessage{VPIN_EVENT_POLICY_DENIED}
                             .u32(VPIN_EVENT_A_UID, 1001)
                             .string(VPIN_EVENT_A_RULE, "")
                             .u64(VPIN_EVENT_A_SUPPRESSED, 0)));
    CHECK(state.policy().policy.defaults.denies == 1);
    CHECK(state.totals().denied == 6);

    REQUIRE(apply(state, EventMessage{VPIN_EVENT_POLICY_CHANGED}
                             .u64(VPIN_EVENT_A_GENERATION, 4)
                             .u32(VPIN_EVENT_A_RULES, 2)));
    CHECK(state.stale().policy);
    CHECK(state.stale().usage); // quotas change with the rules
    CHECK(state.policy().generation == 4);
    // An older change (one the dump showed) does not take the generation back.
    REQUIRE(apply(state, EventMessage{VPIN_EVENT_POLICY_CHANGED}.u64(VPIN_EVENT_A_GENERATION, 2)));
    CHECK(state.policy().generation == 4);

    vpin::PolicyState fetched;
    fetched.generation = 4;
    fetched.loaded = true;
    fetched.policy.rules.resize(2);
    state.set_policy(fetched);
    CHECK_FALSE(state.stale().policy);
    CHECK(state.policy().policy.rules.size() == 2);
}

TEST_CASE("State: unknown event types are kept and change nothing; object events need their ids")
{
    State state = filled();
    const auto before = state.totals();
    REQUIRE(apply(state, EventMessage{VPIN_EVENT_MAX + 5}.object(1, 1)));
    CHECK(state.stale().empty());
    CHECK(state.events().size() == 1);
    CHECK(state.events().back().event.type == VPIN_EVENT_MAX + 5);
    CHECK(state.totals().pins == before.pins);
    CHECK(state.totals().leases == before.leases);

    CHECK_FALSE(apply(state, EventMessage{VPIN_EVENT_PIN}.pages(1)));
    CHECK_FALSE(apply(state, EventMessage{VPIN_EVENT_LEASE_BREAK}.u64(VPIN_EVENT_A_SESSION_ID, 1)));
    CHECK(state.events().size() == 3);
    CHECK(state.totals().pins == before.pins);
}

TEST_CASE("State: events the dump already shows change nothing")
{
    State state = filled();
    // A pin the dump has: its details stay.
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 1, 1, 2, file(12, "/mnt/pmem/db"))));
    CHECK(state.pin(1, 1, t0)->detailed);
    CHECK(state.session(1)->pins == 2);
    CHECK(state.lease(1, 1, t0)->lease.pins == 1);
    // An unpin or release of what the dump no longer has.
    REQUIRE(apply(state, pin_event(VPIN_EVENT_UNPIN, 1, 9, 2)));
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_RELEASED, 1, 9, file(1, "/x"))));
    REQUIRE(apply(state, lease_event(VPIN_EVENT_LEASE_GRANTED, 1, 1, file(12, "/mnt/pmem/db"))));
    CHECK(state.lease(1, 1, t0)->detailed);
    CHECK(state.lease(1, 1, t0)->lease.type == VPIN_LEASE_EXCLUSIVE);
    const auto totals = state.totals();
    CHECK(totals.pins == 2);
    CHECK(totals.pinned_bytes == 18 * page);
    CHECK(totals.leases == 2);
    CHECK(state.stale().pins.empty());
    CHECK(state.stale().leases.empty());
    CHECK_FALSE(state.stale().sessions);
}

TEST_CASE("State: the ring keeps the last events with their time of arrival")
{
    State state = filled(3);
    for (std::uint32_t id = 1; id <= 5; id++)
        REQUIRE(state.apply(pin_event(VPIN_EVENT_PIN, 1, 10 + id, 1), t0, wall0 + std::chrono::seconds{id}));
    REQUIRE(state.events().size() == 3);
    CHECK(state.events().front().seq == 3);
    CHECK(state.events().front().event.id == 13u);
    CHECK(state.events().back().seq == 5);
    CHECK(state.events().back().time == wall0 + 5s);
    CHECK(state.received() == 5);
    CHECK(state.totals().events == 5);

    const auto since = state.events_since(3);
    REQUIRE(since.size() == 2);
    CHECK(since[0].seq == 4);
    CHECK(state.events_since(0).size() == 3);
    CHECK(state.events_since(5).empty());

    State none = filled(0);
    REQUIRE(apply(none, pin_event(VPIN_EVENT_PIN, 1, 11, 1)));
    CHECK(none.events().empty());
    CHECK(none.received() == 1);
    CHECK(none.pin(1, 11, t0));
}

TEST_CASE("State views: filtered by session, uid, command and path")
{
    State state = filled();
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 2, 7, 1, file(13, "/mnt/pmem/log"))));

    vpin::Filter by_uid;
    by_uid.uid = 1000;
    CHECK(keys(state.pins(by_uid, {}, t0)) == Keys{{1, 1}, {1, 2}});
    CHECK(ids(state.sessions(by_uid)) == std::vector<std::uint64_t>{1});

    vpin::Filter by_comm;
    by_comm.comm = "back";
    CHECK(keys(state.pins(by_comm, {}, t0)) == Keys{{2, 7}});
    CHECK(keys(state.leases(by_comm, {}, t0)) == Keys{{2, 1}});

    vpin::Filter by_path;
    by_path.path = "pmem/d";
    CHECK(keys(state.pins(by_path, {}, t0)) == Keys{{1, 1}}); // not the anonymous one
    CHECK(keys(state.leases(by_path, {}, t0)) == Keys{{1, 1}});
    CHECK(ids(state.sessions(by_path)) == std::vector<std::uint64_t>{1});
    by_path.path = "/mnt/pmem/";
    CHECK(ids(state.sessions(by_path)) == std::vector<std::uint64_t>{1, 2});

    vpin::Filter by_session;
    by_session.session = 2;
    CHECK(keys(state.pins(by_session, {}, t0)) == Keys{{2, 7}});

    vpin::Filter nobody;
    nobody.uid = 1000;
    nobody.comm = "backup";
    CHECK(state.pins(nobody, {}, t0).empty());
    CHECK(state.sessions(nobody).empty());
}

TEST_CASE("State views: sorted, ties by key")
{
    State state = filled();
    REQUIRE(apply(state, pin_event(VPIN_EVENT_PIN, 2, 7, 16, file(13, "/mnt/pmem/log")), t0 - 1s));

    CHECK(keys(state.pins({}, {}, t0)) == Keys{{1, 1}, {1, 2}, {2, 7}});
    // Length: 16 pages twice, ties by key.
    CHECK(keys(state.pins({}, {vpin::Order::size, true}, t0)) == Keys{{1, 2}, {2, 7}, {1, 1}});
    CHECK(keys(state.pins({}, {vpin::Order::size, false}, t0)) == Keys{{1, 1}, {1, 2}, {2, 7}});
    // Youngest first: 100 ms, 1 s, 5 s.
    CHECK(keys(state.pins({}, {vpin::Order::age, false}, t0)) == Keys{{1, 2}, {2, 7}, {1, 1}});
    // The anonymous pin has no path and comes first.
    CHECK(keys(state.pins({}, {vpin::Order::path, false}, t0)) == Keys{{1, 2}, {1, 1}, {2, 7}});
    CHECK(keys(state.pins({}, {vpin::Order::comm, false}, t0)) == Keys{{2, 7}, {1, 1}, {1, 2}});
    CHECK(keys(state.pins({}, {vpin::Order::uid, true}, t0)) == Keys{{2, 7}, {1, 1}, {1, 2}});

    CHECK(ids(state.sessions({}, {vpin::Order::comm, false})) == std::vector<std::uint64_t>{2, 1});
    CHECK(ids(state.sessions({}, {vpin::Order::size, true})) == std::vector<std::uint64_t>{1, 2});
    CHECK(keys(state.leases({}, {vpin::Order::deadline, false}, t0)) == Keys{{2, 1}, {1, 1}});
    CHECK(keys(state.leases({}, {vpin::Order::path, true}, t0)) == Keys{{2, 1}, {1, 1}});
}

TEST_CASE("State::quotas: usage against quotas, the fullest first")
{
    State state = filled();
    auto a = usage(1000, 2, 768u << 20, 1, 1);
    a.max_pinned = 1ull << 30;
    a.max_sessions = 4;
    auto b = usage(1001, 3, 0, 2, 0);
    b.max_leases = 2;
    auto c = usage(1002, 1, 4096, 0, 0); // unlimited
    auto d = usage(1003, 0, 0, 0, 0);
    d.max_exclusive = 0; // allowed none: full
    state.set_usage({c, a, d, b});

    const auto rows = state.quotas();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].usage.uid == 1001);
    CHECK(share(rows[0].leases) == Approx(1.0));
    CHECK(rows[1].usage.uid == 1003);
    CHECK(share(rows[1].exclusive) == Approx(1.0));
    CHECK(rows[2].usage.uid == 1000);
    CHECK(share(rows[2].pinned) == Approx(0.75));
    CHECK(share(rows[2].sessions) == Approx(0.5));
    CHECK_FALSE(rows[2].leases);
    CHECK(share(rows[2].highest()) == Approx(0.75));
    CHECK(rows[3].usage.uid == 1002);
    CHECK_FALSE(rows[3].highest());

    // A quota lowered below what is used is over 1; one of 0 with use, infinite.
    auto over = usage(1000, 0, 2048, 0, 0);
    over.max_pinned = 1024;
    over.max_leases = 0;
    over.leases = 1;
    state.set_usage({over});
    CHECK(share(state.quotas()[0].pinned) == Approx(2.0));
    CHECK(share(state.quotas()[0].leases) == std::numeric_limits<double>::infinity());
}

namespace {

struct Overrun {};
struct Garbage {};
struct Gone {};

// A module scripted by the test: dumps say what `dumps` holds; each
// receive() reads one queued item, as a netlink socket reads one datagram.
class FakeSource : public vpin::StateSource {
public:
    using Item = std::variant<vpin::Event, Overrun, Garbage, Gone>;

    explicit FakeSource(vpin::Snapshot initial) : dumps{std::move(initial)} {}

    vpin::Snapshot dumps;
    std::deque<Item> queue;
    std::vector<std::string> requests;

    [[nodiscard]] int fd() const override { return -1; }

    bool receive(const std::function<void(const vpin::Event &)> &on_event) override
    {
        if (queue.empty())
            return true;
        const Item item = queue.front();
        queue.pop_front();
        if (std::holds_alternative<Overrun>(item))
            return false;
        if (std::holds_alternative<Garbage>(item))
            throw std::system_error{EBADMSG, std::generic_category(), "vpin netlink message: garbage"};
        if (std::holds_alternative<Gone>(item))
            throw vpin::ModuleNotLoaded{ENOENT, {vpin::Request::events}};
        on_event(std::get<vpin::Event>(item));
        return true;
    }

    vpin::Status status() override
    {
        requests.emplace_back("status");
        return dumps.status;
    }
    std::vector<vpin::Session> sessions() override
    {
        requests.emplace_back("sessions");
        return dumps.sessions;
    }
    std::vector<vpin::Pin> pins(std::optional<std::uint64_t> session) override
    {
        requests.push_back(session ? "pins " + std::to_string(*session) : "pins");
        std::vector<vpin::Pin> out;
        for (const auto &p : dumps.pins) {
            if (!session || p.session == *session)
                out.push_back(p);
        }
        return out;
    }
    std::vector<vpin::Lease> leases(std::optional<std::uint64_t> session) override
    {
        requests.push_back(session ? "leases " + std::to_string(*session) : "leases");
        std::vector<vpin::Lease> out;
        for (const auto &l : dumps.leases) {
            if (!session || l.session == *session)
                out.push_back(l);
        }
        return out;
    }
    vpin::PolicyState policy() override
    {
        requests.emplace_back("policy");
        return dumps.policy;
    }
    std::vector<vpin::Usage> usage() override
    {
        requests.emplace_back("usage");
        return dumps.usage;
    }
};

struct Tracked {
    Tracked() : Tracked{snapshot()} {}
    explicit Tracked(vpin::Snapshot initial)
    {
        auto owned = std::make_unique<FakeSource>(std::move(initial));
        source = owned.get();
        tracker = std::make_unique<vpin::StateTracker>(std::move(owned), 100);
    }

    FakeSource *source = nullptr;
    std::unique_ptr<vpin::StateTracker> tracker;
};

using Requests = std::vector<std::string>;

} // namespace

TEST_CASE("StateTracker: filled when made; pins and leases dumped before the sessions")
{
    Tracked t;
    CHECK(t.source->requests == Requests{"status", "pins", "leases", "sessions", "usage", "policy"});
    CHECK(t.tracker->state().totals().pins == 2);
    CHECK(t.tracker->state().session(1)->comm == "rdma-app");
    CHECK(t.tracker->resyncs() == 0);
}

TEST_CASE("StateTracker: events queued during the first dump are replayed onto it")
{
    // Before the dump: pin 1.5 was taken and released, pin 1.6 taken; after
    // it, pin 1.7 taken and pin 1.1 released. The socket queued all four.
    vpin::Snapshot dumps = snapshot();
    dumps.pins.push_back(pin(1, 6, 1, std::nullopt, 10));
    Tracked t{dumps};
    t.source->queue = {pin_event(VPIN_EVENT_PIN, 1, 5, 1), pin_event(VPIN_EVENT_UNPIN, 1, 5, 1),
                       pin_event(VPIN_EVENT_PIN, 1, 6, 1), pin_event(VPIN_EVENT_PIN, 1, 7, 1),
                       pin_event(VPIN_EVENT_UNPIN, 1, 1, 2, file(12, "/mnt/pmem/db"))};
    std::vector<std::uint64_t> seen;
    const auto got = t.tracker->receive([&](const vpin::ReceivedEvent &e) { seen.push_back(e.seq); });
    CHECK(got.events == 5);
    CHECK_FALSE(got.resynced());
    CHECK(seen == std::vector<std::uint64_t>{1, 2, 3, 4, 5});

    const auto &state = t.tracker->state();
    CHECK(keys(state.pins({}, {}, State::Clock::now())) == Keys{{1, 2}, {1, 6}, {1, 7}});
    CHECK(state.pin(1, 6, State::Clock::now())->detailed); // the dump's, not the event's
    CHECK_FALSE(state.pin(1, 7, State::Clock::now())->detailed);
    CHECK(state.session(1)->pins == 3);
    CHECK(state.lease(1, 1, State::Clock::now())->lease.pins == 0);
    CHECK(state.events().size() == 5);
}

TEST_CASE("StateTracker: lost events (ENOBUFS) fill the model again from the dumps")
{
    Tracked t;
    t.source->requests.clear();
    // One event read, then the kernel says it dropped some; meanwhile
    // session 2 closed and session 3 pinned.
    t.source->queue = {pin_event(VPIN_EVENT_PIN, 1, 8, 1), Overrun{}, pin_event(VPIN_EVENT_PIN, 3, 1, 4)};
    t.source->dumps.sessions = {session(1, 100, 1000, "rdma-app"), session(3, 300, 1002, "trainer")};
    t.source->dumps.pins = {pin(1, 2, 16), pin(1, 8, 1), pin(3, 1, 4)};
    t.source->dumps.leases = {snapshot().leases[0]};

    std::size_t seen = 0;
    const auto got = t.tracker->receive([&](const vpin::ReceivedEvent &) { seen++; });
    CHECK(got.overrun);
    CHECK_FALSE(got.malformed);
    CHECK(got.events == 1);
    CHECK(seen == 1);
    CHECK(t.tracker->resyncs() == 1);
    CHECK(t.source->requests == Requests{"status", "pins", "leases", "sessions", "usage", "policy"});

    const auto &state = t.tracker->state();
    const auto now = State::Clock::now();
    CHECK(ids(state.sessions()) == std::vector<std::uint64_t>{1, 3});
    CHECK(keys(state.pins({}, {}, now)) == Keys{{1, 2}, {1, 8}, {3, 1}});
    CHECK(state.pin(1, 8, now)->detailed);
    CHECK(state.breaking(now).empty());
    CHECK(state.session(3)->comm == "trainer");
    CHECK(state.stale().empty());

    // What was queued after the overrun is read next, and changes nothing.
    const auto next = t.tracker->receive();
    CHECK(next.events == 1);
    CHECK_FALSE(next.resynced());
    CHECK(state.pin(3, 1, now)->detailed);
    CHECK(state.session(3)->pins == 1);
}

TEST_CASE("StateTracker: an unreadable event fills the model again; a module gone throws")
{
    Tracked t;
    t.source->queue = {Garbage{}};
    t.source->dumps.pins.clear();
    const auto got = t.tracker->receive();
    CHECK(got.malformed);
    CHECK(t.tracker->resyncs() == 1);
    CHECK(t.tracker->state().totals().pins == 0);

    // An object event without its session.
    t.source->queue = {static_cast<vpin::Event>(EventMessage{VPIN_EVENT_UNPIN}.pages(1))};
    CHECK(t.tracker->receive().malformed);
    CHECK(t.tracker->resyncs() == 2);

    t.source->queue = {Gone{}};
    CHECK_THROWS_AS(t.tracker->receive(), vpin::ModuleNotLoaded);
}

TEST_CASE("StateTracker::sync fetches what events left unknown, and nothing else")
{
    Tracked t;
    const auto f = file(14, "/mnt/pmem/scratch");
    t.source->queue = {pin_event(VPIN_EVENT_PIN, 1, 3, 1), lease_event(VPIN_EVENT_LEASE_BREAK, 2, 2, f)};
    t.tracker->receive();
    t.source->requests.clear();

    // The dumps: session 1's new pin is at 0x1000; session 2's second lease
    // has 20 s left.
    auto dumped = pin(1, 3, 1);
    dumped.addr = 0x1000;
    t.source->dumps.pins.push_back(dumped);
    t.source->dumps.leases.push_back(lease(2, 2, VPIN_LEASE_BREAKABLE, f, 0, 20000));
    t.tracker->sync();
    CHECK(t.source->requests == Requests{"pins 1", "leases 2", "status", "usage"});
    const auto now = State::Clock::now();
    CHECK(t.tracker->state().pin(1, 3, now)->pin.addr == 0x1000);
    const auto l = t.tracker->state().lease(2, 2, now);
    REQUIRE(l);
    REQUIRE(l->left);
    CHECK(l->left->count() > 19000);
    CHECK(l->left->count() <= 20000);
    CHECK(t.tracker->state().stale().empty());

    t.source->requests.clear();
    t.tracker->sync();
    CHECK(t.source->requests.empty());

    // poll(): what no event announces, too.
    t.tracker->poll();
    CHECK(t.source->requests == Requests{"sessions", "status", "usage", "policy"});
}

TEST_CASE("StateTracker: a session opened and a policy changed are fetched by sync")
{
    Tracked t;
    t.source->queue = {pin_event(VPIN_EVENT_PIN, 5, 1, 2),
                       static_cast<vpin::Event>(EventMessage{VPIN_EVENT_POLICY_CHANGED}
                                       .u64(VPIN_EVENT_A_GENERATION, 4)
                                       .u32(VPIN_EVENT_A_RULES, 0))};
    t.tracker->receive();
    CHECK(t.tracker->state().stale().policy);
    t.source->requests.clear();
    t.source->dumps.sessions.push_back(session(5, 500, 1003, "newcomer"));
    t.source->dumps.pins.push_back(pin(5, 1, 2));
    t.source->dumps.policy.generation = 4;
    t.source->dumps.policy.loaded = false;
    t.source->dumps.policy.policy.rules.clear();
    t.tracker->sync();
    CHECK(t.source->requests == Requests{"pins 5", "sessions", "status", "usage", "policy"});
    CHECK(t.tracker->state().session(5)->comm == "newcomer");
    CHECK(t.tracker->state().session(5)->pins == 1);
    CHECK_FALSE(t.tracker->state().policy().loaded);
    CHECK(t.tracker->state().policy().policy.rules.empty());
}

TEST_CASE("state: a dump in any order replaces the pins; the last of a pin listed twice stands")
{
    State state{0, page};
    state.set_sessions({session(1, 10, 1000, "a"), session(2, 20, 1000, "b")});
    state.set_pins({pin(1, 1, 1), pin(1, 2, 1), pin(2, 1, 1), pin(2, 7, 1)}, std::nullopt, t0);
    auto changes = state.changes();

    // Unsorted, a duplicate, one pin changed, one gone, one new.
    state.set_pins({pin(2, 7, 1, file(3, "/x")), pin(1, 2, 1), pin(2, 5, 2), pin(1, 2, 4), pin(1, 1, 1)},
                   std::nullopt, t0);
    CHECK(state.changes() != changes);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keys;
    for (const auto &row : state.pins({}, {}, t0))
        keys.emplace_back(row.pin.session, row.pin.id);
    CHECK(keys == std::vector<std::pair<std::uint64_t, std::uint32_t>>{{1, 1}, {1, 2}, {2, 5}, {2, 7}});
    CHECK(state.pin(1, 2, t0)->pin.pages == 4);
    CHECK(state.pin(2, 7, t0)->pin.file->path == "/x");
    CHECK(state.session(1)->pins == 2);
    CHECK(state.session(1)->pinned_bytes == 5 * page);

    // One session's: the others stay; pins of other sessions in it are ignored.
    changes = state.changes();
    state.set_pins({pin(2, 9, 1), pin(1, 8, 1), pin(2, 5, 2)}, 2, t0);
    CHECK(state.changes() != changes);
    keys.clear();
    for (const auto &row : state.pins({}, {}, t0))
        keys.emplace_back(row.pin.session, row.pin.id);
    CHECK(keys == std::vector<std::pair<std::uint64_t, std::uint32_t>>{{1, 1}, {1, 2}, {2, 5}, {2, 9}});

    // The same again, older: nothing changed that a view shows but the age.
    changes = state.changes();
    state.set_pins({pin(2, 9, 1, std::nullopt, 500), pin(2, 5, 2, std::nullopt, 500)}, 2, t0 + 500ms);
    CHECK(state.changes() == changes);
    CHECK(state.pin(2, 9, t0 + 500ms)->pin.age_ms == 500);
    state.set_leases({lease(1, 1, VPIN_LEASE_EXCLUSIVE, file(3, "/x"))}, std::nullopt, t0);
    changes = state.changes();
    state.set_leases({lease(1, 1, VPIN_LEASE_EXCLUSIVE, file(3, "/x"))}, 1, t0 + 1s);
    CHECK(state.changes() == changes);
    state.set_leases({lease(1, 1, VPIN_LEASE_BREAKABLE, file(3, "/x"))}, 1, t0 + 1s);
    CHECK(state.changes() != changes);
    // Two models never tell the same.
    CHECK(State{}.changes() != State{}.changes());
}

TEST_CASE("state: pins sorted by each order, either way, ties by key")
{
    State state{0, page};
    state.set_sessions({session(3, 30, 1001, "b"), session(1, 10, 1000, "b"), session(2, 20, 1000, "a"),
                        session(5, 50, 999, "c")});
    std::vector<vpin::Pin> pins;
    const char *paths[] = {"/m/b", "/m/a", "/m/b/c", "", "/m/\xc3\xa9"};
    for (std::uint32_t id = 1; id <= 300; id++) {
        std::optional<vpin::FileRef> where;
        if (id % 4)
            where = file(id % 5, paths[id % 5]);
        // Session 4 is not known: no uid, no command.
        pins.push_back(pin(1 + id % 5, id, 1 + id % 3, where, id % 7 * 10));
    }
    state.set_pins(pins, std::nullopt, t0);

    using Row = vpin::PinRow;
    const auto path = [](const Row &r) { return r.pin.file ? r.pin.file->path : std::string{}; };
    for (const auto by : {vpin::Order::key, vpin::Order::uid, vpin::Order::comm, vpin::Order::path,
                          vpin::Order::size, vpin::Order::age}) {
        for (const bool descending : {false, true}) {
            auto expected = state.pins({}, {}, t0);
            std::stable_sort(expected.begin(), expected.end(), [&](const Row &a, const Row &b) {
                const Row &x = descending ? b : a;
                const Row &y = descending ? a : b;
                switch (by) {
                case vpin::Order::uid: return x.uid < y.uid;
                case vpin::Order::comm: return x.comm < y.comm;
                case vpin::Order::path: return path(x) < path(y);
                case vpin::Order::size: return x.pin.length < y.pin.length;
                case vpin::Order::age: return x.pin.age_ms < y.pin.age_ms;
                default: return false;
                }
            });
            const auto sorted = state.pins({}, {by, descending}, t0);
            REQUIRE(sorted.size() == expected.size());
            for (std::size_t i = 0; i < sorted.size(); i++) {
                INFO("order " << static_cast<int>(by) << (descending ? " descending" : "") << ", row " << i);
                CHECK(sorted[i].pin.session == expected[i].pin.session);
                CHECK(sorted[i].pin.id == expected[i].pin.id);
            }
            vpin::Filter filter;
            filter.path = "/m/b";
            const auto refs = state.pin_refs(filter, {by, descending}, t0, [](const State::PinRef &r) {
                return r.pin->id % 2 == 0;
            });
            std::vector<std::pair<std::uint64_t, std::uint32_t>> want;
            for (const auto &row : expected) {
                if (row.pin.id % 2 == 0 && path(row).find("/m/b") != std::string::npos)
                    want.emplace_back(row.pin.session, row.pin.id);
            }
            std::vector<std::pair<std::uint64_t, std::uint32_t>> got;
            for (const auto &ref : refs)
                got.emplace_back(ref.pin->session, ref.pin->id);
            CHECK(got == want);
        }
    }
}
