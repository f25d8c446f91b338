// SPDX-License-Identifier: GPL-2.0
// pintop's logic without curses: the key table and its actions, the tabs'
// selection, sorting, filtering and tree, the formatting of rows and
// snapshots.
#include "host.hpp"
#include "keys.hpp"
#include "snapshot.hpp"
#include "view.hpp"

#include <vpin/error.hpp>
#include <vpin/print.hpp>
#include <vpin/state.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
using pintop::Action;
using pintop::Kind;
using pintop::Next;
using pintop::Tab;
using pintop::View;
using vpin::State;

namespace {

constexpr std::uint64_t page = 4096;
const State::Time t0 = State::Time{} + 1000h;
const State::WallTime wall0 = State::WallTime{} + 480000h;

vpin::FileRef file(std::uint64_t ino, const char *path)
{
    return {259u << 20 | 1, ino, path};
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
    s.status.protected_files = 1;
    s.sessions = {session(1, 100, 1000, "rdma-app"), session(2, 200, 1001, "backup")};
    s.pins = {pin(1, 1, 2, file(12, "/mnt/pmem/db"), 5000), pin(1, 2, 16, std::nullopt, 100)};
    s.leases = {lease(1, 1, VPIN_LEASE_EXCLUSIVE, file(12, "/mnt/pmem/db"), 1),
                lease(2, 1, VPIN_LEASE_BREAKABLE, file(13, "/mnt/pmem/log"), 0, 30000)};
    s.policy.generation = 3;
    s.policy.loaded = true;
    s.policy.policy.rules.resize(1);
    s.policy.policy.rules[0].name = "rdma";
    s.policy.policy.rules[0].users = {1000};
    s.policy.policy.rules[0].hits = 10;
    s.policy.policy.rules[0].denies = 2;
    vpin::Usage u;
    u.uid = 1000;
    u.sessions = 1;
    u.pinned_bytes = 18 * page;
    u.leases = 1;
    u.exclusive = 1;
    u.rule = "rdma";
    u.max_pinned = 36 * page;
    u.max_sessions = 4;
    s.usage = {u};
    return s;
}

State filled()
{
    State state{100, page};
    state.refresh(snapshot(), t0);
    return state;
}

// `n` pins of session 1, ids 1..n, ages and sizes varying.
State many_pins(std::uint32_t n)
{
    vpin::Snapshot s;
    s.sessions = {session(1, 100, 1000, "big")};
    for (std::uint32_t id = 1; id <= n; id++)
        s.pins.push_back(pin(1, id, 1 + id % 7, file(id, "/mnt/pmem/many"), id % 1000));
    State state{0, page};
    state.refresh(std::move(s), t0);
    return state;
}

std::vector<Kind> kinds(const View &view)
{
    std::vector<Kind> out;
    for (const auto &item : view.items())
        out.push_back(item.kind);
    return out;
}

vpin::Event event(std::uint32_t type, std::uint64_t session_id, std::uint32_t id)
{
    vpin::Event e;
    e.type = type;
    e.session = session_id;
    e.id = id;
    e.pid = 100;
    e.uid = 1000;
    return e;
}

// Keeps what a Context's revoke was asked.
struct Revokes {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> calls;
    int error = 0;

    void operator()(std::uint64_t s, std::uint32_t id)
    {
        calls.emplace_back(s, id);
        if (error)
            throw vpin::Error{error, {vpin::Request::revoke}};
    }
};

} // namespace

TEST_CASE("pintop keys: every documented key maps to its action")
{
    const std::vector<std::pair<int, Action>> documented{
        {pintop::key::tab, Action::tab_next},
        {pintop::key::back_tab, Action::tab_prev},
        {'1', Action::tab_sessions},
        {'2', Action::tab_pins},
        {'3', Action::tab_leases},
        {'4', Action::tab_events},
        {'5', Action::tab_policy},
        {pintop::key::up, Action::up},
        {pintop::key::down, Action::down},
        {pintop::key::page_up, Action::page_up},
        {pintop::key::page_down, Action::page_down},
        {pintop::key::home, Action::home},
        {pintop::key::end, Action::end},
        {'<', Action::sort_prev},
        {'>', Action::sort_next},
        {pintop::key::f(6), Action::sort_next},
        {'/', Action::filter},
        {'t', Action::tree},
        {pintop::key::enter, Action::detail},
        {'h', Action::help},
        {pintop::key::f(1), Action::help},
        {'q', Action::quit},
        {pintop::key::f(10), Action::quit},
        {'R', Action::revoke},
        {'e', Action::edit_rule},
        {'a', Action::add_rule},
    };
    for (const auto &[key, action] : documented) {
        INFO("key " << key << " action " << pintop::action_name(action));
        CHECK(pintop::action_for(key) == action);
    }
    // Every binding's action has a name and a description.
    for (const auto &binding : pintop::bindings()) {
        CHECK(!pintop::action_name(binding.action).empty());
        CHECK(!pintop::describe(binding.action).empty());
    }
}

TEST_CASE("pintop keys: unknown keys do nothing")
{
    State state = filled();
    View view;
    view.update(state, t0);
    pintop::Context context{view, state, true};
    for (const int key : {int{'x'}, int{'z'}, int{'Z'}, int{' '}, pintop::key::f(2), pintop::key::left, 0}) {
        CHECK(pintop::action_for(key) == Action::none);
        CHECK(pintop::press(key, context) == Next::none);
    }
    CHECK(view.tab() == Tab::sessions);
    CHECK(context.pane == pintop::Context::Pane::none);
    CHECK(context.message.empty());
}

TEST_CASE("pintop keys: Tab, Shift-Tab and 1-5 switch tabs; q quits")
{
    State state = filled();
    View view;
    pintop::Context context{view, state, true};
    CHECK(pintop::press('3', context) == Next::redraw);
    CHECK(view.tab() == Tab::leases);
    CHECK(view.stale());
    pintop::press(pintop::key::tab, context);
    CHECK(view.tab() == Tab::events);
    pintop::press(pintop::key::tab, context);
    CHECK(view.tab() == Tab::policy);
    pintop::press(pintop::key::tab, context);
    CHECK(view.tab() == Tab::sessions);
    pintop::press(pintop::key::back_tab, context);
    CHECK(view.tab() == Tab::policy);
    pintop::press('2', context);
    CHECK(view.tab() == Tab::pins);
    CHECK(pintop::press('q', context) == Next::quit);
    CHECK(pintop::press(pintop::key::f(10), context) == Next::quit);
    CHECK(pintop::press(pintop::key::ctrl_l, context) == Next::refetch);
}

TEST_CASE("pintop view: selection moves and stays within the rows")
{
    const State state = many_pins(50);
    View view{Tab::pins};
    view.set_page(10);
    view.update(state, t0);
    REQUIRE(view.size() == 50);
    CHECK(view.selected() == 0);
    view.up();
    CHECK(view.selected() == 0);
    view.down();
    CHECK(view.selected() == 1);
    CHECK(view.top() == 0);
    view.page_down();
    CHECK(view.selected() == 11);
    CHECK(view.top() == 2); // the selection is the page's last row
    view.end();
    CHECK(view.selected() == 49);
    CHECK(view.top() == 40);
    view.down(5);
    CHECK(view.selected() == 49);
    view.page_up();
    CHECK(view.selected() == 39);
    CHECK(view.top() == 39);
    view.page_up();
    view.page_up();
    view.page_up();
    view.page_up();
    CHECK(view.selected() == 0);
    CHECK(view.top() == 0);
    view.page_down();
    view.home();
    CHECK(view.selected() == 0);
    CHECK(view.top() == 0);

    SECTION("the selection follows its object when the rows change")
    {
        view.down(3);
        const auto before = view.current();
        REQUIRE(before);
        view.sort_invert();
        view.update(state, t0);
        CHECK(view.current() == before);
        CHECK(view.selected() == 46);
    }
    SECTION("a page taller than the rows keeps the first row on top")
    {
        view.set_page(100);
        view.end();
        CHECK(view.top() == 0);
        CHECK(view.visible(state, t0).size() == 50);
    }
    SECTION("no rows: nothing is selected")
    {
        view.set_filter("nowhere");
        view.update(state, t0);
        CHECK(view.size() == 0);
        CHECK(!view.current());
        view.end();
        view.page_down();
        CHECK(view.selected() == 0);
    }
}

TEST_CASE("pintop view: < and > cycle the sort column among those that sort")
{
    State state = filled();
    View view;
    pintop::Context context{view, state, true};
    pintop::press('2', context);
    const auto &columns = pintop::layout(Tab::pins);
    REQUIRE(view.sort_column() == 0u);
    CHECK(view.sort().by == vpin::Order::key);
    pintop::press('>', context);
    CHECK(columns[*view.sort_column()].title == "UID");
    CHECK(view.sort().by == vpin::Order::uid);
    pintop::press(pintop::key::f(6), context);
    CHECK(view.sort().by == vpin::Order::comm);
    pintop::press('>', context);
    CHECK(columns[*view.sort_column()].title == "LENGTH");
    CHECK(view.sort().by == vpin::Order::size);
    pintop::press('>', context);
    CHECK(view.sort().by == vpin::Order::age);
    pintop::press('>', context);
    CHECK(view.sort().by == vpin::Order::path);
    pintop::press('>', context);
    CHECK(view.sort().by == vpin::Order::key); // round
    pintop::press('<', context);
    CHECK(view.sort().by == vpin::Order::path);
    CHECK(!view.sort().descending);
    pintop::press('I', context);
    CHECK(view.sort().descending);

    SECTION("the rows come in the order chosen")
    {
        pintop::press('<', context); // age
        view.update(state, t0);
        REQUIRE(view.size() == 2);
        CHECK(view.items()[0].id == 1); // 5 s old: the oldest first when descending
        pintop::press('I', context);
        view.update(state, t0);
        CHECK(view.items()[0].id == 2);
    }
    SECTION("each tab keeps its own sort column")
    {
        pintop::press('3', context);
        CHECK(view.sort().by == vpin::Order::key);
        pintop::press('2', context);
        CHECK(view.sort().by == vpin::Order::path);
    }
    SECTION("Events are not sorted: the status line says so")
    {
        pintop::press('4', context);
        CHECK(pintop::press('>', context) == Next::redraw);
        CHECK(!view.sort_column());
        CHECK(context.message == "Events is not sorted");
    }
}

TEST_CASE("pintop view: / filters by path, uid or command")
{
    State state = filled();
    View view{Tab::pins};
    const auto count = [&](Tab tab, const std::string &filter) {
        view.set_tab(tab);
        view.set_filter(filter);
        view.update(state, t0);
        return view.size();
    };
    CHECK(count(Tab::pins, "") == 2);
    CHECK(count(Tab::pins, "/mnt/pmem/db") == 1);
    CHECK(count(Tab::pins, "path:db") == 1);
    CHECK(count(Tab::pins, "1000") == 2); // the uid
    CHECK(count(Tab::pins, "uid:1001") == 0);
    CHECK(count(Tab::pins, "rdma") == 2); // the command
    CHECK(count(Tab::pins, "comm:rdma") == 2);
    CHECK(count(Tab::pins, "path:rdma") == 0);
    CHECK(count(Tab::leases, "uid:1001") == 1);
    CHECK(count(Tab::leases, "log") == 1);
    CHECK(count(Tab::leases, "comm:backup") == 1);
    CHECK(count(Tab::sessions, "log") == 1); // a session passes by its leases' paths
    CHECK(view.items()[0].session == 2);
    CHECK(count(Tab::sessions, "uid:1000") == 1);
    CHECK(count(Tab::sessions, "nothing") == 0);

    SECTION("typed after /, applied as typed; Esc leaves it as it was")
    {
        pintop::Context context{view, state, true};
        view.set_filter("");
        pintop::press('2', context);
        CHECK(pintop::press('/', context) == Next::redraw);
        CHECK(context.pane == pintop::Context::Pane::filter);
        for (const char c : std::string{"dbx"})
            pintop::press(c, context);
        pintop::press(pintop::key::backspace, context);
        CHECK(context.filter_input == "db");
        pintop::press(pintop::key::enter, context);
        CHECK(context.pane == pintop::Context::Pane::none);
        CHECK(view.filter() == "db");
        view.update(state, t0);
        CHECK(view.size() == 1);
        pintop::press('/', context);
        pintop::press('z', context);
        CHECK(view.filter() == "dbz");
        pintop::press(pintop::key::escape, context);
        CHECK(context.pane == pintop::Context::Pane::none);
        CHECK(view.filter() == "db");
    }
}

TEST_CASE("pintop match: prefixes choose what the text is tested against")
{
    const auto any = pintop::Match::parse("42");
    CHECK(any.field == pintop::Match::Field::any);
    CHECK(any.uid == 42u);
    CHECK(any.matches(42, "x", "/y"));
    CHECK(any.matches(7, "x", "/a/42"));
    CHECK(!any.matches(7, "x", "/y"));
    CHECK(!any.matches(std::nullopt, "x", "/y"));
    const auto uid = pintop::Match::parse("uid:42");
    CHECK(uid.field == pintop::Match::Field::uid);
    CHECK(!uid.matches(7, "42", "/42"));
    CHECK(pintop::Match::parse("comm:ab").matches(1, "cabd", "/"));
    CHECK(!pintop::Match::parse("comm:ab").matches(1, "c", "/ab"));
    CHECK(pintop::Match::parse("").matches(std::nullopt, "", ""));
}

TEST_CASE("pintop view: the session tree lists each session, its leases, their pins")
{
    State state = filled();
    View view;
    pintop::Context context{view, state, true};
    CHECK(pintop::press('t', context) == Next::redraw);
    REQUIRE(view.tree());
    view.update(state, t0);
    CHECK(kinds(view) ==
          std::vector<Kind>{Kind::session, Kind::lease, Kind::pin, Kind::pin, Kind::session, Kind::lease});
    const auto &items = view.items();
    CHECK(items[0] == pintop::Item{Kind::session, 1, 0, 0});
    CHECK(items[1] == pintop::Item{Kind::lease, 1, 1, 1});
    CHECK(items[2] == pintop::Item{Kind::pin, 1, 1, 2}); // the lease's file
    CHECK(items[3] == pintop::Item{Kind::pin, 1, 2, 1}); // anonymous: the session's own
    CHECK(items[4] == pintop::Item{Kind::session, 2, 0, 0});
    CHECK(items[5] == pintop::Item{Kind::lease, 2, 1, 1});
    const auto rows = view.rows(state, t0, 0, view.size());
    CHECK(pintop::fit(rows[1], 0) == "  `- lease 1  exclusive granted  pins 1  /mnt/pmem/db");
    CHECK(pintop::fit(rows[2], 0) == "    `- pin 1  rw  8 KiB  /mnt/pmem/db");
    CHECK(pintop::fit(rows[5], 0).find("breakable breaking") != std::string::npos);
    CHECK(pintop::fit(rows[5], 0).find("revoked in 30.0s") != std::string::npos);
    pintop::press('t', context);
    view.update(state, t0);
    CHECK(kinds(view) == std::vector<Kind>{Kind::session, Kind::session});
}

TEST_CASE("pintop view: of 100,000 pins only the page's rows are formatted")
{
    const State state = many_pins(100000);
    View view{Tab::pins};
    view.set_page(20);
    view.update(state, t0);
    REQUIRE(view.size() == 100000);
    CHECK(view.formatted() == 0);
    const auto rows = view.visible(state, t0);
    CHECK(rows.size() == 20);
    CHECK(view.formatted() == 20);
    view.end();
    const auto last = view.visible(state, t0);
    CHECK(view.formatted() == 40);
    REQUIRE(last.size() == 20);
    CHECK(last.back().selected);
    CHECK(last.back().cells[1] == "100000");
    view.sort_next(1);
    view.update(state, t0);
    CHECK(view.formatted() == 40);
}

TEST_CASE("pintop view: a breaking lease counts down to its revocation")
{
    State state = filled();
    const auto left = [&](State::Time now) { return pintop::countdown(*state.lease(2, 1, now)); };
    CHECK(left(t0) == "30.0s");
    CHECK(left(t0 + 25800ms) == "4.2s");
    CHECK(left(t0 + 29900ms) == "100ms");
    CHECK(left(t0 + 31s) == "due");
    CHECK(pintop::countdown(*state.lease(1, 1, t0)) == "-");
    vpin::LeaseRow unknown;
    unknown.lease.state = VPIN_LEASE_STATE_BREAKING;
    CHECK(pintop::countdown(unknown) == "?");

    View view{Tab::leases};
    view.update(state, t0 + 25800ms);
    const auto rows = view.visible(state, t0 + 25800ms);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].cells[7] == "4.2s");
    CHECK(rows[1].slot == pintop::Slot::breaking);
    CHECK(rows[0].slot == pintop::Slot::normal);
    const auto lines = pintop::header(state, {}, t0 + 25800ms);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2] == "events 0  denied 0  lease 2:1 revoked in 4.2s  no actions without CAP_SYS_ADMIN");
}

TEST_CASE("pintop view: usage bars against each quota")
{
    CHECK(pintop::bar(0.5, 12) == "[#####     ]");
    CHECK(pintop::bar(0, 6) == "[    ]");
    CHECK(pintop::bar(1, 6) == "[####]");
    CHECK(pintop::bar(2.5, 6) == "[####]");
    CHECK(pintop::bar(0.01, 12) == "[#         ]"); // anything used shows
    CHECK(pintop::bar(0.5, 1).empty());

    State state = filled();
    View view{Tab::policy};
    view.update(state, t0);
    CHECK(kinds(view) == std::vector<Kind>{Kind::rule, Kind::rule, Kind::heading, Kind::usage, Kind::usage,
                                           Kind::usage, Kind::usage});
    const auto rows = view.rows(state, t0, 0, view.size());
    CHECK(rows[0].cells[0] == "(defaults)");
    CHECK(rows[1].cells[0] == "rdma");
    CHECK(rows[1].cells[4] == "10");
    CHECK(rows[1].cells[5] == "2");
    CHECK(rows[1].slot == pintop::Slot::event_denied);
    // sessions 1 of 4, pinned 72 KiB of 144 KiB, leases without a quota.
    CHECK(rows[3].cells[0] == "1000");
    CHECK(rows[3].cells[3] == "sessions");
    CHECK(rows[3].cells[4] == "1/4");
    CHECK(rows[3].cells[5] == pintop::bar(0.25, 20));
    CHECK(rows[3].cells[6] == "25%");
    CHECK(rows[3].slot == pintop::Slot::bar_low);
    CHECK(rows[4].cells[0].empty());
    CHECK(rows[4].cells[4] == "72 KiB/144 KiB");
    CHECK(rows[4].cells[5] == "[#########         ]");
    CHECK(rows[4].cells[6] == "50%");
    CHECK(rows[5].cells[4] == "1/-");
    CHECK(rows[5].cells[5] == "no quota");
    CHECK(rows[5].slot == pintop::Slot::dim);
}

TEST_CASE("pintop view: events, newest at the bottom, coloured by kind")
{
    State state = filled();
    vpin::Event denied;
    denied.type = VPIN_EVENT_POLICY_DENIED;
    denied.uid = 1001;
    denied.comm = "backup";
    denied.operation = VPIN_OP_PIN;
    denied.rule = "rdma";
    denied.error = EPERM;
    REQUIRE(state.apply(event(VPIN_EVENT_PIN, 1, 3), t0, wall0));
    REQUIRE(state.apply(denied, t0, wall0));
    REQUIRE(state.apply(event(VPIN_EVENT_LEASE_REVOKED, 2, 1), t0, wall0));
    View view{Tab::events};
    view.update(state, t0);
    REQUIRE(view.size() == 3);
    CHECK(view.selected() == 2); // following the stream
    const auto rows = view.visible(state, t0);
    CHECK(rows[0].cells[1] == "pin");
    CHECK(rows[0].slot == pintop::Slot::event_pin);
    CHECK(rows[1].cells[1] == "policy-denied");
    CHECK(rows[1].slot == pintop::Slot::event_denied);
    CHECK(rows[1].cells[2].find("op=pin rule=rdma errno=EPERM") != std::string::npos);
    CHECK(rows[2].cells[1] == "lease-revoked");
    CHECK(rows[2].slot == pintop::Slot::event_revoked);
    // A new event: still the last one selected.
    REQUIRE(state.apply(event(VPIN_EVENT_UNPIN, 1, 3), t0, wall0));
    view.update(state, t0);
    CHECK(view.selected() == 3);
    // Up: no longer following; End: following again.
    view.up();
    REQUIRE(state.apply(event(VPIN_EVENT_PIN, 1, 4), t0, wall0));
    view.update(state, t0);
    CHECK(view.selected() == 2);
    view.end();
    REQUIRE(state.apply(event(VPIN_EVENT_UNPIN, 1, 4), t0, wall0));
    view.update(state, t0);
    CHECK(view.selected() == 5);
    // Back from another tab, still following.
    view.set_tab(Tab::pins);
    view.update(state, t0);
    view.set_tab(Tab::events);
    REQUIRE(state.apply(event(VPIN_EVENT_PIN, 1, 5), t0, wall0));
    view.update(state, t0);
    CHECK(view.selected() == 6);
    view.set_filter("comm:backup");
    view.update(state, t0);
    CHECK(view.size() == 2); // the denial names it, the revocation's session is backup's
}

TEST_CASE("pintop snapshot: the JSON objects are print::record()'s, as pinctl list -j prints them")
{
    State state = filled();
    REQUIRE(state.apply(event(VPIN_EVENT_PIN, 1, 3), t0, wall0));
    const auto now = t0 + 2s;
    const pintop::Host host{true, true, true};
    const auto doc = pintop::json_snapshot(state, host, now, wall0, 0);
    CHECK(doc["status"] == vpin::print::json(vpin::print::record(state.status())));
    CHECK(doc["pind"] == true);
    const auto pins = state.pins({}, {}, now);
    REQUIRE(doc["pins"].size() == pins.size());
    for (std::size_t i = 0; i < pins.size(); i++)
        CHECK(doc["pins"][i] == vpin::print::json(vpin::print::record(pins[i].pin)));
    CHECK(doc["pins"][0]["age_ms"] == 7000); // 5 s old at t0
    const auto leases = state.leases({}, {}, now);
    REQUIRE(doc["leases"].size() == 2);
    for (std::size_t i = 0; i < leases.size(); i++)
        CHECK(doc["leases"][i] == vpin::print::json(vpin::print::record(leases[i].lease)));
    CHECK(doc["leases"][1]["break_deadline_ms"] == 28000);
    const auto sessions = state.sessions();
    REQUIRE(doc["sessions"].size() == 2);
    CHECK(doc["sessions"][0] == vpin::print::json(vpin::print::record(sessions[0])));
    CHECK(doc["policy"]["generation"] == 3);
    CHECK(doc["policy"]["rules"][0]["name"] == "rdma");
    CHECK(doc["usage"][0]["uid"] == 1000);
    CHECK(doc["usage"][0]["max_sessions"] == 4);
    REQUIRE(doc["events"].size() == 1);
    CHECK(doc["events"][0]["event"] == "pin");
    CHECK(doc["events"][0]["time"] == vpin::print::timestamp(wall0, vpin::print::Format::json));
    std::vector<std::string> keys;
    for (const auto &[key, value] : doc.items())
        keys.push_back(key);
    CHECK(keys == std::vector<std::string>{"time", "status", "pind", "sessions", "pins", "leases", "policy",
                                           "usage", "events"});
    // Each event once: none after the last one printed.
    CHECK(pintop::json_snapshot(state, host, now, wall0, state.received())["events"].empty());
}

TEST_CASE("pintop snapshot: text has the header and every tab's table")
{
    State state = filled();
    std::ostringstream out;
    pintop::text_snapshot(out, state, {false, true, true}, t0, 0);
    const std::string text = out.str();
    CHECK(text.rfind("vpin 0.1.0 ABI 1   policy generation 3, 1 rule   pind not running\n", 0) == 0);
    CHECK(text.find("sessions 2  pins 2 (72 KiB)  leases 2  protected files 1\n") != std::string::npos);
    for (const auto *title : {"\nSessions\n", "\nPins\n", "\nLeases\n", "\nEvents\n", "\nPolicy\n"})
        CHECK(text.find(title) != std::string::npos);
    INFO(text);
    CHECK(text.find("\nSESSION     PID    UID COMM              PINS     PINNED LEASES\n"
                    "      1     100   1000 rdma-app             2     72 KiB      1\n"
                    "      2     200   1001 backup               0        0 B      1\n") !=
          std::string::npos);
    CHECK(
        text.find("      2     1   1001 backup     breakable breaking     0  30.0s   1.0s /mnt/pmem/log\n") !=
        std::string::npos);
}

TEST_CASE("pintop actions: R asks y/n, then revokes the selected lease")
{
    State state = filled();
    View view{Tab::leases};
    view.update(state, t0);
    Revokes revokes;
    pintop::Context context{view, state, true, std::ref(revokes)};
    view.down(); // 2:1
    CHECK(pintop::press('R', context) == Next::redraw);
    REQUIRE(context.pane == pintop::Context::Pane::confirm);
    REQUIRE(context.confirm);
    CHECK(context.confirm->question == "Revoke breakable lease 2:1 of /mnt/pmem/log (backup)? [y/n]");
    CHECK(pintop::press('n', context) == Next::redraw);
    CHECK(revokes.calls.empty());
    CHECK(context.pane == pintop::Context::Pane::none);

    pintop::press('R', context);
    CHECK(pintop::press('y', context) == Next::refetch);
    CHECK(revokes.calls == std::vector<std::pair<std::uint64_t, std::uint32_t>>{{2, 1}});
    CHECK(context.message == "Revoked lease 2:1.");

    SECTION("a refusal is explained")
    {
        revokes.error = ENOENT;
        pintop::press('R', context);
        pintop::press('y', context);
        CHECK(context.warning);
        CHECK(context.message == "no such lease: see 'pinctl list leases'");
    }
    SECTION("a lease in the session tree")
    {
        pintop::press('1', context);
        pintop::press('t', context);
        view.update(state, t0);
        view.down();
        pintop::press('R', context);
        REQUIRE(context.confirm);
        CHECK(context.confirm->question == "Revoke exclusive lease 1:1 of /mnt/pmem/db (rdma-app)? [y/n]");
    }
    SECTION("only a lease can be revoked")
    {
        pintop::press('2', context);
        view.update(state, t0);
        pintop::press('R', context);
        CHECK(context.pane == pintop::Context::Pane::none);
        CHECK(context.message.find("select a lease") != std::string::npos);
    }
}

TEST_CASE("pintop actions: unprivileged users are offered none")
{
    State state = filled();
    View view{Tab::leases};
    view.update(state, t0);
    Revokes revokes;
    pintop::Context context{view, state, false, std::ref(revokes)};
    CHECK(pintop::press('R', context) == Next::redraw);
    CHECK(context.pane == pintop::Context::Pane::none);
    CHECK(!context.confirm);
    CHECK(context.message.find("actions need CAP_SYS_ADMIN") != std::string::npos);
    CHECK(pintop::press('y', context) == Next::none);
    CHECK(revokes.calls.empty());
    bool said = false;
    for (const auto &line : pintop::help_lines(false)) {
        if (line.find("revoke") != std::string::npos)
            said = line.find("actions need CAP_SYS_ADMIN") != std::string::npos;
    }
    CHECK(said);
    for (const auto &line : pintop::help_lines(true))
        CHECK(line.find("CAP_SYS_ADMIN") == std::string::npos);
    CHECK(pintop::header(state, {false, false, true}, t0)[2].find("no actions without CAP_SYS_ADMIN") !=
          std::string::npos);
}

TEST_CASE("pintop panes: Enter opens the detail, h the help; any key closes them")
{
    State state = filled();
    View view{Tab::leases};
    view.update(state, t0);
    pintop::Context context{view, state, true};
    pintop::press(pintop::key::enter, context);
    CHECK(context.pane == pintop::Context::Pane::detail);
    const auto lines = view.detail(state, t0);
    REQUIRE(!lines.empty());
    CHECK(lines[0] == "Lease 1:1");
    CHECK(pintop::press('q', context) == Next::redraw); // closes, does not quit
    CHECK(context.pane == pintop::Context::Pane::none);
    pintop::press('h', context);
    CHECK(context.pane == pintop::Context::Pane::help);
    pintop::press('x', context);
    CHECK(context.pane == pintop::Context::Pane::none);
    CHECK(pintop::help_lines(true).size() < 22); // fits 80x24
}

TEST_CASE("pintop layouts fit in 80 columns")
{
    for (std::size_t t = 0; t < pintop::tab_count; t++) {
        const auto &columns = pintop::layout(static_cast<Tab>(t));
        CHECK(pintop::column_offset(columns, columns.size() - 1) <= 72);
    }
    CHECK(pintop::titles(pintop::usage_layout(), 0).size() <= 80);

    // A path that does not fit keeps its end.
    pintop::Row row;
    row.layout = &pintop::layout(Tab::pins);
    row.cells = {"1", "2", "1000", "app", "rw", "4 KiB", "1.0s", "/mnt/pmem/a/long/way/down/file"};
    const std::string whole = pintop::fit(row, 0);
    CHECK(whole.size() == 88);
    CHECK(pintop::fit(row, 88) == whole);
    const std::string cut = pintop::fit(row, 80);
    CHECK(cut.size() == 80);
    CHECK(cut.substr(58) == ".../long/way/down/file");
}

TEST_CASE("pintop host: pind from /proc/*/comm, CAP_SYS_ADMIN from the status")
{
    const auto proc = std::filesystem::temp_directory_path() / ("pintop-proc-" + std::to_string(::getpid()));
    std::filesystem::remove_all(proc);
    const auto process = [&](const std::string &pid, const std::string &comm) {
        std::filesystem::create_directories(proc / pid);
        std::ofstream{proc / pid / "comm"} << comm << '\n';
    };
    process("1", "systemd");
    process("self", "pind");
    process("77", "pindx");
    CHECK(!pintop::pind_running(proc));
    process("4242", "pind");
    CHECK(pintop::pind_running(proc));
    std::filesystem::remove_all(proc);
    CHECK(!pintop::pind_running(proc));

    CHECK(pintop::cap_sys_admin(
        "Name:\tx\nCapInh:\t0\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"));
    CHECK(pintop::cap_sys_admin("CapEff:\t0000000000200000\n"));
    CHECK(!pintop::cap_sys_admin("CapPrm:\t0000000000200000\nCapEff:\t00000000001fffff\n"));
    CHECK(!pintop::cap_sys_admin("CapEff:\t0000000000000000\n"));
    CHECK(!pintop::cap_sys_admin(""));
}

namespace {

// Four sessions of two users, 600 pins of files and of anonymous memory
// with ages and sizes varying, a lease each; `round` moves some of them.
vpin::Snapshot moving(int round)
{
    vpin::Snapshot s;
    s.sessions = {session(1, 100, 1000, "rdma-app"), session(2, 200, 1001, "backup"),
                  session(3, 300, 1000, "db"), session(4, 400, 1002, round % 2 ? "db-2" : "db")};
    for (std::uint32_t id = 1; id <= 600; id++) {
        const std::uint64_t sid = 1 + id % 4;
        if ((id + static_cast<std::uint32_t>(round)) % 9 == 0)
            continue; // gone this round
        std::optional<vpin::FileRef> where;
        if (id % 3)
            where = file(id % 5, id % 2 ? "/mnt/pmem/db" : "/mnt/pmem/log");
        const std::uint64_t pages = 1 + (id * static_cast<std::uint32_t>(round + 1)) % 5;
        s.pins.push_back(pin(sid, id, pages, where, (id * 37) % 1000 + static_cast<std::uint64_t>(round)));
    }
    for (std::uint64_t sid = 1; sid <= 4; sid++)
        s.leases.push_back(lease(sid, 1, VPIN_LEASE_BREAKABLE, file(sid, "/mnt/pmem/db"), 1,
                                 sid == 2 ? std::optional<std::uint64_t>{30000} : std::nullopt));
    return s;
}

struct Setting {
    Tab tab;
    int sort_steps;
    bool descending;
    std::string filter;
    bool tree = false;
};

void configure(View &view, const Setting &setting)
{
    view.set_tab(setting.tab);
    view.set_page(30);
    for (int i = 0; i < setting.sort_steps; i++)
        view.sort_next(1);
    if (setting.descending)
        view.sort_invert();
    view.set_filter(setting.filter);
    if (setting.tree)
        view.toggle_tree();
}

std::vector<std::string> lines(const View &view, const State &state, State::Time now)
{
    std::vector<std::string> out;
    for (const auto &row : view.rows(state, now, 0, view.size()))
        out.push_back(pintop::fit(row, 0));
    return out;
}

} // namespace

TEST_CASE("pintop view: updated as the model moves, the rows are those of a view made anew")
{
    std::vector<Setting> settings;
    for (const Tab tab : {Tab::pins, Tab::leases, Tab::sessions}) {
        const auto orders = static_cast<int>(pintop::layout(tab).size());
        for (int steps = 0; steps < orders; steps++) {
            for (const bool descending : {false, true}) {
                for (const char *filter : {"", "db", "uid:1001", "comm:db", "log"})
                    settings.push_back({tab, steps, descending, filter});
            }
        }
    }
    settings.push_back({Tab::sessions, 0, false, "", true});
    settings.push_back({Tab::sessions, 0, false, "log", true});

    State state{100, page};
    state.refresh(moving(0), t0);
    std::vector<View> views(settings.size());
    for (std::size_t i = 0; i < settings.size(); i++) {
        configure(views[i], settings[i]);
        views[i].update(state, t0);
    }

    const auto compare = [&](State::Time now) {
        for (std::size_t i = 0; i < settings.size(); i++) {
            views[i].update(state, now);
            View fresh;
            configure(fresh, settings[i]);
            fresh.update(state, now);
            INFO("tab " << pintop::tab_name(settings[i].tab) << ", sort steps " << settings[i].sort_steps
                        << (settings[i].descending ? " descending" : "") << ", filter '"
                        << settings[i].filter << "'" << (settings[i].tree ? ", tree" : ""));
            REQUIRE(views[i].items() == fresh.items());
            CHECK(lines(views[i], state, now) == lines(fresh, state, now));
        }
    };

    auto now = t0;
    compare(now);
    for (int round = 1; round <= 4; round++) {
        INFO("round " << round);
        now += 1500ms;
        // Pins come, go and change.
        state.refresh(moving(round), now);
        compare(now);
        // The same dump again, only older: nothing moved.
        const auto before = state.changes();
        auto again = moving(round);
        for (auto &p : again.pins)
            p.age_ms += 700;
        now += 700ms;
        state.refresh(std::move(again), now);
        CHECK(state.changes() == before);
        compare(now);
        // Events: a pin, an unpin, a pin of a session not seen yet.
        auto pinned = event(VPIN_EVENT_PIN, 1 + static_cast<std::uint64_t>(round) % 4, 1000);
        pinned.pages = 3;
        state.apply(pinned, now, wall0);
        state.apply(event(VPIN_EVENT_UNPIN, 2, 5), now, wall0);
        auto stranger = event(VPIN_EVENT_PIN, 9, static_cast<std::uint32_t>(round));
        stranger.uid = 1001;
        state.apply(stranger, now, wall0);
        compare(now);
        // A session goes; the pins it had stay until the next dump.
        auto s = moving(round);
        s.sessions.pop_back();
        state.set_sessions(s.sessions);
        compare(now);
    }
}
