// SPDX-License-Identifier: GPL-2.0
#include <vpin/print.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using vpin::print::Format;

namespace {

template <typename T>
std::string list(const std::vector<T> &items, Format format)
{
    std::ostringstream out;
    vpin::print::list(out, items, format);
    return out.str();
}

std::string event(const vpin::Event &e, Format format)
{
    std::ostringstream out;
    vpin::print::event(out, e, format);
    return out.str();
}

const vpin::FileRef file{259u << 20 | 0, 12, "/mnt/e/f"};

} // namespace

TEST_CASE("print: pins as a table and as JSON")
{
    const std::vector<vpin::Pin> pins{
        {3, 7, VPIN_PIN_F_WRITE, 0x7f0000000000, 65536, 0, 16, 1500, true, file},
        {12, 1, 0, 0x1000, 4096, 0, 1, 250, false, std::nullopt},
    };
    CHECK(list(pins, Format::text) ==
          "SESSION  ID  FLAGS  PAGES  OFFSET  LENGTH  DEV    INO    AGE  PATH\n"
          "      3   7  rw        16     0 B  64 KiB  259:0   12   1.5s  /mnt/e/f\n"
          "     12   1  r          1       -   4 KiB  -        -  250ms  -\n");
    CHECK(list(pins, Format::json) ==
          R"([{"session":3,"id":7,"flags":"rw","pages":16,"offset":0,"length":65536,)"
          R"("dev":"259:0","ino":12,"age_ms":1500,"path":"/mnt/e/f"},)"
          R"({"session":12,"id":1,"flags":"r","pages":1,"offset":null,"length":4096,)"
          R"("dev":null,"ino":null,"age_ms":250,"path":null}])"
          "\n");
}

TEST_CASE("print: a streamed JSON list is what the JSON document of its records dumps")
{
    const vpin::FileRef odd{8u << 20 | 1, 3, "/mnt/\"q\"\\b\ttab\x01\x7f/caf\xc3\xa9"};
    const std::vector<vpin::Pin> pins{
        {3, 7, VPIN_PIN_F_WRITE, 0x7f0000000000, 65536, 4096, 16, 1500, true, odd},
        {12, 1, 0, 0x1000, 4096, 0, 1, 250, false, std::nullopt},
    };
    auto array = nlohmann::ordered_json::array();
    for (const auto &p : pins)
        array.push_back(vpin::print::json(vpin::print::record(p)));
    CHECK(list(pins, Format::json) == array.dump() + "\n");
    vpin::Rule rule;
    rule.name = "r\"1";
    rule.users = {0, 7};
    rule.paths = {"/a", "/b\\c"};
    rule.max_pinned = 1u << 20;
    std::string streamed;
    vpin::print::append_json(streamed, vpin::print::record(rule));
    CHECK(streamed == vpin::print::json(vpin::print::record(rule)).dump());
}

TEST_CASE("print: an empty list is a header or an empty array")
{
    CHECK(list(std::vector<vpin::Pin>{}, Format::text) ==
          "SESSION  ID  FLAGS  PAGES  OFFSET  LENGTH  DEV  INO  AGE  PATH\n");
    CHECK(list(std::vector<vpin::Lease>{}, Format::json) == "[]\n");
}

TEST_CASE("print: leases, with names for known enums and numbers for new ones")
{
    const std::vector<vpin::Lease> leases{
        {3, 1, VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_STATE_GRANTED, 1, 10, std::nullopt, file, 1,
         std::nullopt},
        {4, 2, VPIN_LEASE_BREAKABLE, VPIN_LEASE_STATE_BREAKING, 0, 10, 187000,
         vpin::FileRef{1, 3, "/mnt/x/g"}, 0, std::nullopt},
        {5, 3, 9, 7, 0, 0, std::nullopt, std::nullopt, 0, std::nullopt},
        {6, 4, VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_STATE_ORPHANED, 0, 5, std::nullopt,
         vpin::FileRef{1, 4, "/mnt/e/o"}, 2, 3},
    };
    CHECK(list(leases, Format::text) ==
          "SESSION  ID  TYPE       STATE     PINS  BREAK  MAPS  REFERENCED  PATH\n"
          "      3   1  exclusive  granted      1      -     1           -  /mnt/e/f\n"
          "      4   2  breakable  breaking     0  3m07s     0           -  /mnt/x/g\n"
          "      5   3  9          7            0      -     0           -  -\n"
          "      6   4  exclusive  orphaned     0      -     2           3  /mnt/e/o\n");
    CHECK(list(leases, Format::json) ==
          R"([{"session":3,"id":1,"type":"exclusive","state":"granted","pins":1,"break_deadline_ms":null,"maps":1,"referenced":null,"path":"/mnt/e/f"},)"
          R"({"session":4,"id":2,"type":"breakable","state":"breaking","pins":0,"break_deadline_ms":187000,"maps":0,"referenced":null,"path":"/mnt/x/g"},)"
          R"({"session":5,"id":3,"type":"9","state":"7","pins":0,"break_deadline_ms":null,"maps":0,"referenced":null,"path":null},)"
          R"({"session":6,"id":4,"type":"exclusive","state":"orphaned","pins":0,"break_deadline_ms":null,"maps":2,"referenced":3,"path":"/mnt/e/o"}])"
          "\n");
}

TEST_CASE("print: sessions")
{
    const std::vector<vpin::Session> sessions{
        {3, 123, 0, "pinctl", 1, 65536, 1},
        {12, 4567, 1000, "", 0, 0, 0},
    };
    CHECK(list(sessions, Format::text) ==
          "ID   PID  COMM     UID  PINS  PINNED  LEASES\n"
          " 3   123  pinctl     0     1  64 KiB       1\n"
          "12  4567  -       1000     0     0 B       0\n");
    CHECK(list(sessions, Format::json) ==
          R"([{"id":3,"pid":123,"comm":"pinctl","uid":0,"pins":1,"pinned_bytes":65536,"leases":1},)"
          R"({"id":12,"pid":4567,"comm":"","uid":1000,"pins":0,"pinned_bytes":0,"leases":0}])"
          "\n");
}

TEST_CASE("print: status")
{
    const vpin::Status status{"0.1.0", 1, 2, 3, 69632, 1, 1, 1, 2};
    std::ostringstream text;
    vpin::print::status(text, status, Format::text);
    CHECK(text.str() == "version:         0.1.0\n"
                        "abi_version:     1\n"
                        "sessions:        2\n"
                        "pins:            3\n"
                        "pinned_bytes:    68 KiB\n"
                        "leases:          1\n"
                        "protected_files: 1\n"
                        "orphans:         1\n"
                        "maps:            2\n");
    std::ostringstream json;
    vpin::print::status(json, status, Format::json);
    CHECK(json.str() == R"({"version":"0.1.0","abi_version":1,"sessions":2,"pins":3,"pinned_bytes":69632,)"
                        R"("leases":1,"protected_files":1,"orphans":1,"maps":2})"
                        "\n");
    std::ostringstream pretty;
    vpin::print::status(pretty, status, Format::json_pretty);
    CHECK(pretty.str() == "{\n"
                          "  \"version\": \"0.1.0\",\n"
                          "  \"abi_version\": 1,\n"
                          "  \"sessions\": 2,\n"
                          "  \"pins\": 3,\n"
                          "  \"pinned_bytes\": 69632,\n"
                          "  \"leases\": 1,\n"
                          "  \"protected_files\": 1,\n"
                          "  \"orphans\": 1,\n"
                          "  \"maps\": 2\n"
                          "}\n");
}

TEST_CASE("print: events, one line each, absent members left out")
{
    vpin::Event pin;
    pin.type = VPIN_EVENT_PIN;
    pin.session = 3;
    pin.pid = 123;
    pin.uid = 0;
    pin.id = 7;
    pin.pages = 16;
    pin.file = vpin::FileRef{259u << 20, 12, "/mnt/x/f"};
    CHECK(event(pin, Format::text) == "pin session=3 id=7 pid=123 uid=0 pages=16 dev=259:0 ino=12 file=/mnt/x/f\n");
    CHECK(event(pin, Format::json) ==
          R"({"event":"pin","session":3,"id":7,"pid":123,"uid":0,"pages":16,"dev":"259:0","ino":12,"file":"/mnt/x/f"})"
          "\n");

    vpin::Event protect;
    protect.type = VPIN_EVENT_PROTECT_OFF;
    protect.file = vpin::FileRef{8u << 20 | 1, 5, "/data/f"};
    CHECK(event(protect, Format::text) == "protect-off dev=8:1 ino=5 file=/data/f\n");
    CHECK(event(protect, Format::json) == R"({"event":"protect-off","dev":"8:1","ino":5,"file":"/data/f"})"
                                          "\n");
}

TEST_CASE("print: every known event type has a name")
{
    for (std::uint32_t type = VPIN_EVENT_UNSPEC + 1; type <= VPIN_EVENT_MAX; type++)
        CHECK_FALSE(vpin::print::event_name(type).empty());
}

TEST_CASE("print: unknown event types print as UNKNOWN <n>")
{
    vpin::Event unknown;
    unknown.type = 42;
    unknown.session = 3;
    CHECK(event(unknown, Format::text) == "UNKNOWN 42\n");
    CHECK(event(unknown, Format::json) == R"({"event":"UNKNOWN","type":42})"
                                         "\n");
    unknown.type = VPIN_EVENT_UNSPEC;
    CHECK(event(unknown, Format::text) == "UNKNOWN 0\n");
}

TEST_CASE("print: durations")
{
    const auto duration = [](std::uint64_t ms) {
        return vpin::print::text({"age_ms", "AGE", ms, vpin::print::Style::duration_ms});
    };
    CHECK(duration(0) == "0ms");
    CHECK(duration(999) == "999ms");
    CHECK(duration(1000) == "1.0s");
    CHECK(duration(59999) == "59.9s");
    CHECK(duration(60000) == "1m00s");
    CHECK(duration(3723000) == "1h02m");
    // The same words on their own, for whoever shows a countdown.
    CHECK(vpin::print::duration(4250) == "4.2s");
    CHECK(vpin::print::duration(187000) == "3m07s");
    CHECK(vpin::print::duration(7500000) == "2h05m");
}

TEST_CASE("print: check results")
{
    const std::vector<vpin::Check> checks{{"regular", true, "a regular file"},
                                          {"holes", false, "4 KiB in 1 hole"}};
    CHECK(list(checks, Format::text) == "RESULT  CHECK    DETAIL\n"
                                        "ok      regular  a regular file\n"
                                        "FAIL    holes    4 KiB in 1 hole\n");
    CHECK(list(checks, Format::json) ==
          R"([{"ok":true,"check":"regular","detail":"a regular file"},)"
          R"({"ok":false,"check":"holes","detail":"4 KiB in 1 hole"}])"
          "\n");
}

namespace {

vpin::Rule rdma_rule()
{
    vpin::Rule rule;
    rule.index = 0;
    rule.name = "rdma";
    rule.users = {1001, 1002};
    rule.groups = {200};
    rule.paths = {"/mnt/pmem", "/srv/data"};
    rule.allow = VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE;
    rule.max_pinned = 17179869184;
    rule.max_sessions = 16;
    rule.max_leases = 8;
    rule.max_exclusive = 2;
    rule.break_time_ms = 5000;
    rule.on_revoke = VPIN_REVOKE_SIGKILL;
    rule.hits = 40;
    rule.denies = 2;
    return rule;
}

// Nothing but a name: any user, any file, everything allowed, no quota.
vpin::Rule open_rule()
{
    vpin::Rule rule;
    rule.index = 1;
    rule.name = "open";
    return rule;
}

} // namespace

TEST_CASE("print: policy events")
{
    vpin::Event denied;
    denied.type = VPIN_EVENT_POLICY_DENIED;
    denied.session = 9;
    denied.pid = 4321;
    denied.uid = 1001;
    denied.comm = "ib_write_bw";
    denied.operation = VPIN_OP_PIN_FILE;
    denied.rule = "rdma";
    denied.error = EDQUOT;
    denied.suppressed = 17;
    denied.file = vpin::FileRef{259u << 20 | 1, 12, "/mnt/pmem/buf"};
    CHECK(event(denied, Format::text) ==
          "policy-denied session=9 pid=4321 uid=1001 comm=ib_write_bw op=pin-file rule=rdma "
          "errno=EDQUOT suppressed=17 dev=259:1 ino=12 file=/mnt/pmem/buf\n");
    CHECK(event(denied, Format::json) ==
          R"({"event":"policy-denied","session":9,"pid":4321,"uid":1001,"comm":"ib_write_bw",)"
          R"("op":"pin-file","rule":"rdma","errno":"EDQUOT","suppressed":17,"dev":"259:1","ino":12,)"
          R"("file":"/mnt/pmem/buf"})"
          "\n");

    // A new session refused by the defaults; an operation and an errno this
    // build does not know print as numbers.
    vpin::Event by_defaults;
    by_defaults.type = VPIN_EVENT_POLICY_DENIED;
    by_defaults.uid = 1002;
    by_defaults.comm = "app";
    by_defaults.operation = VPIN_OP_SESSION;
    by_defaults.rule = "";
    by_defaults.error = EPERM;
    CHECK(event(by_defaults, Format::text) ==
          "policy-denied uid=1002 comm=app op=session rule=- errno=EPERM\n");
    CHECK(event(by_defaults, Format::json) ==
          R"({"event":"policy-denied","uid":1002,"comm":"app","op":"session","rule":"","errno":"EPERM"})"
          "\n");
    by_defaults.operation = 99;
    by_defaults.error = 4095;
    CHECK(event(by_defaults, Format::text) ==
          "policy-denied uid=1002 comm=app op=99 rule=- errno=4095\n");

    vpin::Event changed;
    changed.type = VPIN_EVENT_POLICY_CHANGED;
    changed.uid = 0;
    changed.generation = 8;
    changed.rules = 3;
    CHECK(event(changed, Format::text) == "policy-changed uid=0 generation=8 rules=3\n");
    CHECK(event(changed, Format::json) ==
          R"({"event":"policy-changed","uid":0,"generation":8,"rules":3})"
          "\n");
}

TEST_CASE("print: rules, absent values as - and null")
{
    vpin::Rule nothing = open_rule();
    nothing.index = 2;
    nothing.name = "nothing";
    nothing.allow = 0;
    const std::vector<vpin::Rule> rules{rdma_rule(), open_rule(), nothing};
    CHECK(list(rules, Format::text) ==
          "INDEX  NAME     USERS      GROUPS  ALLOW               MAX_PINNED  MAX_SESSIONS  "
          "MAX_LEASES  MAX_EXCLUSIVE  BREAK  ON_REVOKE  HITS  DENIES  PATHS\n"
          "    0  rdma     1001,1002  200     pin-file,exclusive      16 GiB            16  "
          "         8              2   5.0s  sigkill      40       2  /mnt/pmem,/srv/data\n"
          "    1  open     any        any     -                            -             -  "
          "         -              -      -  -             0       0  any\n"
          "    2  nothing  any        any     none                         -             -  "
          "         -              -      -  -             0       0  any\n");
    CHECK(list(rules, Format::json) ==
          R"([{"index":0,"name":"rdma","users":[1001,1002],"groups":[200],)"
          R"("allow":["pin-file","exclusive"],"max_pinned":17179869184,"max_sessions":16,)"
          R"("max_leases":8,"max_exclusive":2,"break_time_ms":5000,"on_revoke":"sigkill",)"
          R"("hits":40,"denies":2,"paths":["/mnt/pmem","/srv/data"]},)"
          R"({"index":1,"name":"open","users":[],"groups":[],"allow":null,"max_pinned":null,)"
          R"("max_sessions":null,"max_leases":null,"max_exclusive":null,"break_time_ms":null,)"
          R"("on_revoke":null,"hits":0,"denies":0,"paths":[]},)"
          R"({"index":2,"name":"nothing","users":[],"groups":[],"allow":[],"max_pinned":null,)"
          R"("max_sessions":null,"max_leases":null,"max_exclusive":null,"break_time_ms":null,)"
          R"("on_revoke":null,"hits":0,"denies":0,"paths":[]}])"
          "\n");
}

TEST_CASE("print: usage against quotas, the user's name where it resolves")
{
    vpin::Usage alice{1001, 3, 1073741824, 2, 1, "rdma", 17179869184, 16, 8, std::nullopt};
    vpin::Usage other{4242, 1, 0, 0, 0, "", std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    const std::vector<vpin::print::Record> rows{vpin::print::record(alice, "alice"),
                                                vpin::print::record(other)};
    const auto shape = vpin::print::record(vpin::Usage{});
    std::ostringstream text;
    vpin::print::table(text, shape, rows, Format::text);
    CHECK(text.str() == " UID  USER   RULE  SESSIONS        PINNED  LEASES  EXCLUSIVE\n"
                        "1001  alice  rdma      3/16  1 GiB/16 GiB     2/8        1/-\n"
                        "4242  -      -          1/-         0 B/-     0/-        0/-\n");
    std::ostringstream json;
    vpin::print::table(json, shape, rows, Format::json);
    CHECK(json.str() ==
          R"([{"uid":1001,"user":"alice","rule":"rdma","sessions":3,"max_sessions":16,)"
          R"("pinned_bytes":1073741824,"max_pinned":17179869184,"leases":2,"max_leases":8,)"
          R"("exclusive":1,"max_exclusive":null},)"
          R"({"uid":4242,"user":null,"rule":"","sessions":1,"max_sessions":null,)"
          R"("pinned_bytes":0,"max_pinned":null,"leases":0,"max_leases":null,)"
          R"("exclusive":0,"max_exclusive":null}])"
          "\n");
}

TEST_CASE("print: a policy, its defaults and its rules")
{
    vpin::PolicyState state;
    state.generation = 7;
    state.loaded = true;
    state.policy.defaults.allow = VPIN_ALLOW_PIN;
    state.policy.defaults.max_sessions = 4;
    state.policy.defaults.max_pinned = std::uint64_t{3} << 29;
    state.policy.defaults.hits = 12;
    state.policy.defaults.denies = 3;
    state.policy.rules = {rdma_rule(), open_rule()};

    std::ostringstream text;
    vpin::print::policy(text, state, Format::text);
    CHECK(text.str() ==
          "generation: 7\n"
          "loaded:     yes\n"
          "rules:      2\n"
          "defaults:   allow=pin max_pinned=1.5GiB max_sessions=4 hits=12 denies=3\n"
          "\n"
          "INDEX  NAME  USERS      GROUPS  ALLOW               MAX_PINNED  MAX_SESSIONS  "
          "MAX_LEASES  MAX_EXCLUSIVE  BREAK  ON_REVOKE  HITS  DENIES  PATHS\n"
          "    0  rdma  1001,1002  200     pin-file,exclusive      16 GiB            16  "
          "         8              2   5.0s  sigkill      40       2  /mnt/pmem,/srv/data\n"
          "    1  open  any        any     -                            -             -  "
          "         -              -      -  -             0       0  any\n");

    std::ostringstream json;
    vpin::print::policy(json, state, Format::json);
    CHECK(json.str() ==
          R"({"generation":7,"loaded":true,"defaults":{"allow":["pin"],"max_pinned":1610612736,)"
          R"("max_sessions":4,"max_leases":null,"max_exclusive":null,"break_time_ms":null,)"
          R"("on_revoke":null,"hits":12,"denies":3},"rules":[)"
          R"({"index":0,"name":"rdma","users":[1001,1002],"groups":[200],)"
          R"("allow":["pin-file","exclusive"],"max_pinned":17179869184,"max_sessions":16,)"
          R"("max_leases":8,"max_exclusive":2,"break_time_ms":5000,"on_revoke":"sigkill",)"
          R"("hits":40,"denies":2,"paths":["/mnt/pmem","/srv/data"]},)"
          R"({"index":1,"name":"open","users":[],"groups":[],"allow":null,"max_pinned":null,)"
          R"("max_sessions":null,"max_leases":null,"max_exclusive":null,"break_time_ms":null,)"
          R"("on_revoke":null,"hits":0,"denies":0,"paths":[]}]})"
          "\n");

    // No set ever loaded: nothing set, no table.
    std::ostringstream none;
    vpin::print::policy(none, vpin::PolicyState{}, Format::text);
    CHECK(none.str() == "generation: 0\n"
                        "loaded:     no\n"
                        "rules:      0\n"
                        "defaults:   hits=0 denies=0\n");
}

TEST_CASE("print: lists and limits in key=value text")
{
    const vpin::print::Record record{
        {"users", "USERS", std::vector<std::uint64_t>{1, 2}},
        {"paths", "PATHS", std::vector<std::string>{}, vpin::print::Style::any},
        {"allow", "ALLOW", std::vector<std::string>{}},
        {"leases", "LEASES", std::uint64_t{2}, vpin::print::Style::plain, "max_leases", std::uint64_t{8}},
        {"absent", "ABSENT", {}},
    };
    CHECK(vpin::print::pairs(record) == "users=1,2 paths=any allow=none leases=2/8");
}

TEST_CASE("print: bytes in binary units in text, exact in JSON, one word in key=value")
{
    const vpin::print::Record record{
        {"pinned_bytes", "PINNED", std::uint64_t{3} << 29, vpin::print::Style::bytes, "max_pinned",
         std::uint64_t{16} << 30},
        {"length", "LENGTH", std::uint64_t{512}, vpin::print::Style::bytes},
    };
    CHECK(vpin::print::text(record[0]) == "1.5 GiB/16 GiB");
    CHECK(vpin::print::text(record[1]) == "512 B");
    CHECK(vpin::print::pairs(record) == "pinned_bytes=1.5GiB/16GiB length=512B");
    CHECK(vpin::print::json(record).dump() ==
          R"({"pinned_bytes":1610612736,"max_pinned":17179869184,"length":512})");
}

namespace {

// Sets TZ for as long as it lives.
class TimeZone {
public:
    explicit TimeZone(const char *tz)
    {
        if (const char *old = std::getenv("TZ"))
            old_ = old;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    TimeZone(const TimeZone &) = delete;
    TimeZone &operator=(const TimeZone &) = delete;
    ~TimeZone()
    {
        if (old_)
            ::setenv("TZ", old_->c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }

private:
    std::optional<std::string> old_;
};

} // namespace

TEST_CASE("print: timestamps in local time with milliseconds")
{
    // 2024-03-05 06:07:08.009 UTC
    const vpin::print::Time time{std::chrono::milliseconds{1709618828009}};
    {
        const TimeZone utc{"UTC0"};
        CHECK(vpin::print::timestamp(time, Format::text) == "2024-03-05 06:07:08.009");
        CHECK(vpin::print::timestamp(time, Format::json) == "2024-03-05T06:07:08.009+00:00");
    }
    {
        const TimeZone east{"XYZ-5:30"};
        CHECK(vpin::print::timestamp(time, Format::text) == "2024-03-05 11:37:08.009");
        CHECK(vpin::print::timestamp(time, Format::json) == "2024-03-05T11:37:08.009+05:30");
    }
    {
        const TimeZone west{"ABC3"};
        CHECK(vpin::print::timestamp(time, Format::json) == "2024-03-05T03:07:08.009-03:00");
    }

    const TimeZone utc{"UTC0"};
    vpin::Event unpin;
    unpin.type = VPIN_EVENT_UNPIN;
    unpin.session = 3;
    unpin.id = 7;
    std::ostringstream text;
    vpin::print::event(text, unpin, Format::text, time);
    CHECK(text.str() == "2024-03-05 06:07:08.009 unpin session=3 id=7\n");
    std::ostringstream json;
    vpin::print::event(json, unpin, Format::json, time);
    CHECK(json.str() == R"({"time":"2024-03-05T06:07:08.009+00:00","event":"unpin","session":3,"id":7})"
                        "\n");
    unpin.type = 99;
    std::ostringstream unknown;
    vpin::print::event(unknown, unpin, Format::text, time);
    CHECK(unknown.str() == "2024-03-05 06:07:08.009 UNKNOWN 99\n");
}

TEST_CASE("print: event types by name")
{
    CHECK(vpin::print::event_type("pin") == std::optional<std::uint32_t>{VPIN_EVENT_PIN});
    CHECK(vpin::print::event_type("policy-denied") ==
          std::optional<std::uint32_t>{VPIN_EVENT_POLICY_DENIED});
    CHECK_FALSE(vpin::print::event_type("").has_value());
    CHECK_FALSE(vpin::print::event_type("UNKNOWN").has_value());
    const auto names = vpin::print::event_names();
    REQUIRE(names.size() == VPIN_EVENT_MAX);
    for (const auto name : names)
        CHECK(vpin::print::event_name(*vpin::print::event_type(name)) == name);
}

TEST_CASE("print: a pin's JSON is its record's, written without the record")
{
    std::vector<vpin::Pin> pins{
        {3, 7, VPIN_PIN_F_WRITE, 0x7f0000000000, 65536, 0, 16, 1500, true, file},
        {12, 1, 0, 0x1000, 4096, 0, 1, 250, false, std::nullopt},
        {~0ull, ~0u, ~0u, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, true,
         vpin::FileRef{~0u, ~0ull, "/mnt/\"q\"\\b\ttab\x01\x7f/caf\xc3\xa9"}},
        {0, 0, 0, 0, 0, 4096, 0, 0, false, vpin::FileRef{0, 0, ""}},
    };
    for (std::size_t i = 0; i < 200; i++) {
        vpin::Pin p;
        p.session = i * 977;
        p.id = static_cast<std::uint32_t>(i * 31);
        p.flags = static_cast<std::uint32_t>(i % 4);
        p.length = i << (i % 40);
        p.pages = p.length / 4096;
        p.offset = i * 4096;
        p.age_ms = i * i * i;
        if (i % 3)
            p.file = vpin::FileRef{static_cast<std::uint32_t>(i << 18 | i), i, "/srv/" + std::to_string(i)};
        pins.push_back(p);
    }
    for (const auto &pin : pins) {
        std::string direct;
        std::string from_record;
        vpin::print::append_json(direct, pin);
        vpin::print::append_json(from_record, vpin::print::record(pin));
        CHECK(direct == from_record);
        CHECK(direct == vpin::print::json(vpin::print::record(pin)).dump());
    }
}
