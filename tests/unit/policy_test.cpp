// SPDX-License-Identifier: GPL-2.0
#include "lines.hpp"

#include <vpin/policy.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

using vpin::Config;
using vpin::ConfigError;
using vpin::ConfigErrors;
using vpin::NameResolver;

namespace {

// Users alice (1001) and bob (1002), groups rdma (200) and wheel (10); counts lookups.
struct FakeNames {
    std::vector<std::string> asked;

    NameResolver resolver()
    {
        const auto lookup = [this](const std::map<std::string, std::uint32_t> &ids) {
            return [this, ids](const std::string &name) -> std::optional<std::uint32_t> {
                asked.push_back(name);
                const auto it = ids.find(name);
                if (it == ids.end())
                    return std::nullopt;
                return it->second;
            };
        };
        return {lookup({{"alice", 1001}, {"bob", 1002}}), lookup({{"rdma", 200}, {"wheel", 10}})};
    }
};

using test::lines;

Config parse(const std::string &text)
{
    FakeNames names;
    return vpin::parse_config(text, "pind.toml", names.resolver());
}

// Every error as "FILE:LINE:COL: message", in the order reported.
std::vector<std::string> errors(const std::string &text)
{
    FakeNames names;
    try {
        (void)vpin::parse_config(text, "pind.toml", names.resolver());
    } catch (const ConfigErrors &e) {
        std::vector<std::string> list;
        for (const auto &error : e.errors())
            list.push_back(error.str());
        return list;
    }
    return {"(parsed)"};
}

// The one error of a rule named "r" whose third line is `line`.
std::string rule_error(std::string_view line)
{
    const auto list = errors(lines({"[[rule]]", "name = \"r\"", line}));
    REQUIRE(list.size() == 1);
    return list.front();
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("parse_config: a full file, rules inheriting from the defaults", "[policy]")
{
    FakeNames names;
    const auto config = vpin::parse_config(lines({
        "clear_on_exit = true",
        "event_log = \"/var/log/vpin/events.jsonl\"",
        "event_log_max_size = \"32M\"",
        "",
        "[defaults]",
        "allow = [\"pin\", \"pin-file\", \"exclusive\", \"breakable\"]",
        "break_time = \"45s\"",
        "on_revoke = \"sigbus\"",
        "max_pinned = \"64G\"",
        "max_leases = 100",
        "",
        "[[rule]]",
        "name = \"rdma\"",
        "users = [\"alice\", 1001, \"1003\"]",
        "groups = [\"rdma\", 7]",
        "paths = [\"/mnt/pmem0/rdma/\", \"/srv\"]",
        "allow = [\"pin\", \"pin-file\", \"exclusive\"]",
        "max_pinned = \"32G\"",
        "max_sessions = 16",
        "max_leases = 8",
        "max_exclusive = 4",
        "break_time = \"500ms\"",
        "on_revoke = \"none\"",
        "",
        "[[rule]]",
        "name = \"everyone-else\"",
        "allow = [\"pin\"]",
        "max_pinned = \"1G\"",
    }), "pind.toml", names.resolver());

    CHECK(config.clear_on_exit);
    CHECK(config.event_log == "/var/log/vpin/events.jsonl");
    CHECK(config.event_log_max_bytes == 32u << 20);

    const auto &defaults = config.policy.defaults;
    CHECK(defaults.name.empty());
    CHECK(defaults.users.empty());
    CHECK(defaults.groups.empty());
    CHECK(defaults.paths.empty());
    CHECK(defaults.allow ==
          (VPIN_ALLOW_PIN | VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE | VPIN_ALLOW_BREAKABLE));
    CHECK(defaults.break_time_ms == 45000u);
    CHECK(defaults.on_revoke == std::uint32_t{VPIN_REVOKE_SIGBUS});
    CHECK(defaults.max_pinned == std::uint64_t{64} << 30);
    CHECK(defaults.max_leases == 100u);
    CHECK_FALSE(defaults.max_sessions.has_value());
    CHECK_FALSE(defaults.max_exclusive.has_value());

    REQUIRE(config.policy.rules.size() == 2);
    const auto &rdma = config.policy.rules[0];
    CHECK(rdma.name == "rdma");
    CHECK(rdma.users == std::vector<std::uint32_t>{1001, 1001, 1003});
    CHECK(rdma.groups == std::vector<std::uint32_t>{200, 7});
    CHECK(rdma.paths == Strings{"/mnt/pmem0/rdma/", "/srv"});
    CHECK(rdma.allow == (VPIN_ALLOW_PIN | VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE));
    CHECK(rdma.max_pinned == std::uint64_t{32} << 30);
    CHECK(rdma.max_sessions == 16u);
    CHECK(rdma.max_leases == 8u);
    CHECK(rdma.max_exclusive == 4u);
    CHECK(rdma.break_time_ms == 500u);
    CHECK(rdma.on_revoke == std::uint32_t{VPIN_REVOKE_NONE});

    const auto &rest = config.policy.rules[1];
    CHECK(rest.name == "everyone-else");
    CHECK(rest.users.empty());
    CHECK(rest.groups.empty());
    CHECK(rest.paths.empty());
    CHECK(rest.allow == std::uint32_t{VPIN_ALLOW_PIN});
    CHECK(rest.max_pinned == 1u << 30);
    // Left out: the defaults' values, or nothing where the defaults say nothing.
    CHECK(rest.max_leases == 100u);
    CHECK(rest.break_time_ms == 45000u);
    CHECK(rest.on_revoke == std::uint32_t{VPIN_REVOKE_SIGBUS});
    CHECK_FALSE(rest.max_sessions.has_value());
    CHECK_FALSE(rest.max_exclusive.has_value());

    // Digit strings and integers are ids, not names to look up.
    std::sort(names.asked.begin(), names.asked.end());
    CHECK(names.asked == Strings{"alice", "rdma"});
}

TEST_CASE("parse_config: an empty file says nothing", "[policy]")
{
    const auto config = parse("");
    CHECK_FALSE(config.clear_on_exit);
    CHECK(config.event_log.empty());
    CHECK(config.event_log_max_bytes == 16u << 20);
    CHECK(config.policy.rules.empty());
    const auto &d = config.policy.defaults;
    CHECK_FALSE(d.allow.has_value());
    CHECK_FALSE(d.max_pinned.has_value());
    CHECK_FALSE(d.max_sessions.has_value());
    CHECK_FALSE(d.max_leases.has_value());
    CHECK_FALSE(d.max_exclusive.has_value());
    CHECK_FALSE(d.break_time_ms.has_value());
    CHECK_FALSE(d.on_revoke.has_value());
}

TEST_CASE("parse_config: a rule without defaults leaves out what it leaves out", "[policy]")
{
    const auto config = parse(lines({"[[rule]]", "name = \"r\"", "max_sessions = 0"}));
    REQUIRE(config.policy.rules.size() == 1);
    const auto &rule = config.policy.rules[0];
    CHECK(rule.max_sessions == 0u);
    CHECK_FALSE(rule.allow.has_value());
    CHECK_FALSE(rule.max_pinned.has_value());
    CHECK_FALSE(rule.break_time_ms.has_value());
    CHECK_FALSE(rule.on_revoke.has_value());
}

TEST_CASE("parse_config: an empty allow allows nothing, in a rule and in the defaults", "[policy]")
{
    const auto config = parse(lines({"[defaults]", "allow = []", "[[rule]]", "name = \"a\"",
                                     "[[rule]]", "name = \"b\"", "allow = [\"breakable\"]",
                                     "[[rule]]", "name = \"c\"", "allow = []"}));
    REQUIRE(config.policy.rules.size() == 3);
    CHECK(config.policy.defaults.allow == 0u);
    CHECK(config.policy.rules[0].allow == 0u);
    CHECK(config.policy.rules[1].allow == std::uint32_t{VPIN_ALLOW_BREAKABLE});
    CHECK(config.policy.rules[2].allow == 0u);
}

TEST_CASE("parse_config: inline tables and an array of inline tables", "[policy]")
{
    const auto config = parse(lines({"defaults = { on_revoke = \"sigkill\" }",
                                     "rule = [{ name = \"x\", users = [\"bob\"] }]"}));
    CHECK(config.policy.defaults.on_revoke == std::uint32_t{VPIN_REVOKE_SIGKILL});
    REQUIRE(config.policy.rules.size() == 1);
    CHECK(config.policy.rules[0].users == std::vector<std::uint32_t>{1002});
    CHECK(config.policy.rules[0].on_revoke == std::uint32_t{VPIN_REVOKE_SIGKILL});
}

TEST_CASE("parse_config: an empty array of rules is no rules", "[policy]")
{
    CHECK(parse("rule = []\n").policy.rules.empty());
}

TEST_CASE("parse_config: the shipped etc/pind.toml is valid", "[policy]")
{
    FakeNames names;
    const auto config = vpin::load_config(std::filesystem::path{VPIN_SOURCE_DIR} / "etc/pind.toml",
                                          names.resolver());
    CHECK(config.policy.defaults.allow == std::uint32_t{__VPIN_ALLOW_ALL});
}

TEST_CASE("parse_config: each error, with its place and the key it is about", "[policy]")
{
    // Top level.
    CHECK(errors("bogus = 1\n") == Strings{"pind.toml:1:1: unknown key \"bogus\""});
    CHECK(errors("clear_on_exit = \"yes\"\n") ==
          Strings{"pind.toml:1:17: clear_on_exit must be true or false"});
    CHECK(errors("event_log = \"log.jsonl\"\n") ==
          Strings{"pind.toml:1:13: event_log: \"log.jsonl\" is not an absolute path"});
    CHECK(errors("event_log = 3\n") == Strings{"pind.toml:1:13: event_log must be a string, not an integer"});
    CHECK(errors("event_log_max_size = \"0\"\n") ==
          Strings{"pind.toml:1:22: event_log_max_size must not be 0"});
    CHECK(errors("event_log_max_size = \"9Q\"\n") ==
          Strings{"pind.toml:1:22: event_log_max_size: \"9Q\" is not a size"
                  " (bytes, or a number with K, M, G or T)"});
    CHECK(errors("defaults = 1\n") == Strings{"pind.toml:1:12: defaults must be a table ([defaults])"});
    CHECK(errors("[rule]\nname = \"r\"\n") ==
          Strings{"pind.toml:1:1: rule must be an array of tables ([[rule]])"});
    CHECK(errors("rule = [1]\n") == Strings{"pind.toml:1:8: rule must be an array of tables ([[rule]])"});

    // The defaults.
    CHECK(errors("[defaults]\n  frob = 1\n") == Strings{"pind.toml:2:3: defaults: unknown key \"frob\""});
    CHECK(errors("[defaults]\nusers = [1]\n") ==
          Strings{"pind.toml:2:1: defaults: \"users\" belongs in a [[rule]], not in the defaults"});
    CHECK(errors("[defaults]\nname = \"d\"\n") ==
          Strings{"pind.toml:2:1: defaults: \"name\" belongs in a [[rule]], not in the defaults"});
    CHECK(errors("[defaults]\nbreak_time = \"0s\"\n") ==
          Strings{"pind.toml:2:14: defaults: break_time: \"0s\" is out of range (1ms to 24h)"});
    CHECK(errors("[defaults.sub]\n") == Strings{"pind.toml:1:11: defaults: unknown key \"sub\""});

    // Names.
    CHECK(errors("[[rule]]\nusers = [1]\n") == Strings{"pind.toml:1:1: rule 0: name is required"});
    CHECK(errors("[[rule]]\nname = \"\"\n") == Strings{"pind.toml:2:8: rule 0: name must not be empty"});
    CHECK(errors("[[rule]]\nname = 5\n") ==
          Strings{"pind.toml:2:8: rule 0: name must be a string, not an integer"});
    CHECK(errors("[[rule]]\nname = \"a\\u0000b\"\n") ==
          Strings{"pind.toml:2:8: rule 0: name \"a\\x00b\" contains a NUL character"});
    CHECK(errors(lines({"[[rule]]", "name = \"a\"", "[[rule]]", "name = \"a\"", "max_leases = -1"})) ==
          Strings{"pind.toml:4:8: rule 1: duplicate name \"a\" (first at line 2)",
                  "pind.toml:5:14: rule 1: max_leases: -1 is out of range (0 to 4294967295)"});

    // Keys and types.
    CHECK(rule_error("max_pins = 3") == "pind.toml:3:1: rule \"r\": unknown key \"max_pins\"");
    CHECK(rule_error("max_sessions = \"16\"") ==
          "pind.toml:3:16: rule \"r\": max_sessions must be an integer, not a string");
    CHECK(rule_error("max_leases = 4294967296") ==
          "pind.toml:3:14: rule \"r\": max_leases: 4294967296 is out of range (0 to 4294967295)");
    CHECK(rule_error("max_exclusive = -1") ==
          "pind.toml:3:17: rule \"r\": max_exclusive: -1 is out of range (0 to 4294967295)");
    CHECK(rule_error("max_pinned = \"64X\"") ==
          "pind.toml:3:14: rule \"r\": max_pinned: \"64X\" is not a size"
          " (bytes, or a number with K, M, G or T)");
    CHECK(rule_error("max_pinned = -4096") == "pind.toml:3:14: rule \"r\": max_pinned: -4096 is not a size");
    CHECK(rule_error("max_pinned = 1.5") ==
          "pind.toml:3:14: rule \"r\": max_pinned must be a size (a string such as \"64G\" or an integer), "
          "not a float");
    CHECK(rule_error("break_time = \"5x\"") ==
          "pind.toml:3:14: rule \"r\": break_time: \"5x\" is not a duration (a number with ms, s, m or h)");
    CHECK(rule_error("break_time = \"25h\"") ==
          "pind.toml:3:14: rule \"r\": break_time: \"25h\" is out of range (1ms to 24h)");
    CHECK(rule_error("break_time = true") ==
          "pind.toml:3:14: rule \"r\": break_time must be a duration (a string such as \"45s\" or an integer "
          "of seconds), not a boolean");
    CHECK(rule_error("on_revoke = \"sigterm\"") ==
          "pind.toml:3:13: rule \"r\": on_revoke: unknown value \"sigterm\" (sigbus, sigkill or none)");
    CHECK(rule_error("on_revoke = 1") ==
          "pind.toml:3:13: rule \"r\": on_revoke must be a string, not an integer");

    // Operations.
    CHECK(rule_error("allow = [\"pin\", \"pinn\"]") ==
          "pind.toml:3:17: rule \"r\": allow: unknown operation \"pinn\""
          " (pin, pin-file, exclusive or breakable)");
    CHECK(rule_error("allow = [\"session\"]") ==
          "pind.toml:3:10: rule \"r\": allow: unknown operation \"session\" (pin, pin-file, exclusive or "
          "breakable)");
    CHECK(rule_error("allow = \"pin\"") ==
          "pind.toml:3:9: rule \"r\": allow must be an array of operations, not a string");
    CHECK(rule_error("allow = [1]") == "pind.toml:3:10: rule \"r\": allow: an integer is not an operation");

    // Users, groups, paths.
    CHECK(rule_error("groups = [\"rdmaa\"]") == "pind.toml:3:11: rule \"r\": unknown group \"rdmaa\"");
    CHECK(rule_error("users = [\"wheel\"]") == "pind.toml:3:10: rule \"r\": unknown user \"wheel\"");
    CHECK(rule_error("users = [\"\"]") == "pind.toml:3:10: rule \"r\": unknown user \"\"");
    CHECK(rule_error("users = [true]") ==
          "pind.toml:3:10: rule \"r\": users: a boolean is not a user name or id");
    CHECK(rule_error("users = [-1]") == "pind.toml:3:10: rule \"r\": users: -1 is not a valid user id");
    CHECK(rule_error("users = [4294967295]") ==
          "pind.toml:3:10: rule \"r\": users: 4294967295 is not a valid user id");
    CHECK(rule_error("groups = [\"4294967295\"]") ==
          "pind.toml:3:11: rule \"r\": groups: 4294967295 is not a valid group id");
    CHECK(rule_error("users = \"alice\"") ==
          "pind.toml:3:9: rule \"r\": users must be an array of user names or ids, not a string");
    CHECK(rule_error("paths = [\"mnt/x\"]") ==
          "pind.toml:3:10: rule \"r\": paths: \"mnt/x\" is not an absolute path");
    CHECK(rule_error("paths = [\"\"]") == "pind.toml:3:10: rule \"r\": paths: \"\" is not an absolute path");
    CHECK(rule_error("paths = [\"/a\\u0000b\"]") ==
          "pind.toml:3:10: rule \"r\": paths: \"/a\\x00b\" contains a NUL character");
    CHECK(rule_error("paths = [7]") == "pind.toml:3:10: rule \"r\": paths: an integer is not a path");
    CHECK(rule_error("paths = \"/a\"") ==
          "pind.toml:3:9: rule \"r\": paths must be an array of absolute paths, not a string");
}

TEST_CASE("parse_config: a syntax error is one error where toml++ found it", "[policy]")
{
    CHECK(errors(lines({"[defaults]", "allow = [\"pin\"", "bogus = 1"})).size() == 1);
    CHECK(errors(lines({"a = 1", "a = 2"})) ==
          Strings{"pind.toml:2:5: Error while parsing key-value pair: cannot redefine existing integer 'a'"});
    CHECK(errors(lines({"[[rule]]", "name = "})) ==
          Strings{"pind.toml:2:8: Error while parsing key-value pair: expected value, saw '\\n'"});
}

TEST_CASE("parse_config: all errors, in file order", "[policy]")
{
    const auto text = lines({
        "zeta = 1",                                  // 1
        "[defaults]",                                // 2
        "on_revoke = \"x\"",                         // 3
        "allow = [\"nope\"]",                        // 4
        "[[rule]]",                                  // 5
        "users = [\"carol\", \"alice\", \"dave\"]",  // 6
        "[[rule]]",                                  // 7
        "name = \"b\"",                              // 8
        "break_time = 0",                            // 9
        "max_pinned = \"1KB\"",                      // 10
    });
    CHECK(errors(text) == Strings{
        "pind.toml:1:1: unknown key \"zeta\"",
        "pind.toml:3:13: defaults: on_revoke: unknown value \"x\" (sigbus, sigkill or none)",
        "pind.toml:4:10: defaults: allow: unknown operation \"nope\" (pin, pin-file, exclusive or breakable)",
        "pind.toml:5:1: rule 0: name is required",
        "pind.toml:6:10: rule 0: unknown user \"carol\"",
        "pind.toml:6:28: rule 0: unknown user \"dave\"",
        "pind.toml:9:14: rule \"b\": break_time: 0 is out of range (1ms to 24h)",
        "pind.toml:10:14: rule \"b\": max_pinned: \"1KB\" is not a size"
        " (bytes, or a number with K, M, G or T)",
    });
}

TEST_CASE("parse_config: ConfigErrors carries the errors and says them all", "[policy]")
{
    FakeNames names;
    try {
        (void)vpin::parse_config("a = 1\nb = 2\n", "x.toml", names.resolver());
        FAIL("parsed");
    } catch (const ConfigErrors &e) {
        REQUIRE(e.errors().size() == 2);
        CHECK(e.errors()[0].file == "x.toml");
        CHECK(e.errors()[0].line == 1);
        CHECK(e.errors()[0].column == 1);
        CHECK(e.errors()[0].message == "unknown key \"a\"");
        CHECK(std::string{e.what()} == "x.toml:1:1: unknown key \"a\"\nx.toml:2:1: unknown key \"b\"");
    }
}

TEST_CASE("ConfigError::str leaves out what is unknown", "[policy]")
{
    CHECK(ConfigError{"f", 3, 9, "m"}.str() == "f:3:9: m");
    CHECK(ConfigError{"f", 3, 0, "m"}.str() == "f:3: m");
    CHECK(ConfigError{"f", 0, 0, "m"}.str() == "f: m");
}

namespace {

std::string rules(int count)
{
    std::string text;
    for (int i = 0; i < count; ++i)
        text += "[[rule]]\nname = \"r" + std::to_string(i) + "\"\n";
    return text;
}

// A rule "r" whose `key` lists `count` values, one a line from line 4 on.
std::string list(std::string_view key, int count, std::string_view prefix = "")
{
    std::string text = "[[rule]]\nname = \"r\"\n" + std::string{key} + " = [\n";
    for (int i = 0; i < count; ++i)
        text += "  " + std::string{prefix} + std::to_string(i) + (prefix.empty() ? "" : "\"") + ",\n";
    return text + "]\n";
}

} // namespace

TEST_CASE("parse_config: the module's limits", "[policy]")
{
    CHECK(parse(rules(VPIN_POLICY_MAX_RULES)).policy.rules.size() == VPIN_POLICY_MAX_RULES);
    // Rule 1025's header is on line 2049.
    CHECK(errors(rules(VPIN_POLICY_MAX_RULES + 1)) == Strings{"pind.toml:2049:1: more than 1024 rules"});

    CHECK(parse(list("users", VPIN_POLICY_MAX_IDS)).policy.rules[0].users.size() == VPIN_POLICY_MAX_IDS);
    CHECK(errors(list("users", VPIN_POLICY_MAX_IDS + 1)) ==
          Strings{"pind.toml:68:3: rule \"r\": more than 64 users"});
    CHECK(parse(list("groups", VPIN_POLICY_MAX_IDS)).policy.rules[0].groups.size() == VPIN_POLICY_MAX_IDS);
    CHECK(errors(list("groups", VPIN_POLICY_MAX_IDS + 1)) ==
          Strings{"pind.toml:68:3: rule \"r\": more than 64 groups"});
    CHECK(parse(list("paths", VPIN_POLICY_MAX_PATHS, "\"/p")).policy.rules[0].paths.size() ==
          VPIN_POLICY_MAX_PATHS);
    CHECK(errors(list("paths", VPIN_POLICY_MAX_PATHS + 1, "\"/p")) ==
          Strings{"pind.toml:68:3: rule \"r\": more than 64 paths"});

    const std::string name63(VPIN_POLICY_NAME_MAX - 1, 'n');
    CHECK(parse("[[rule]]\nname = \"" + name63 + "\"\n").policy.rules[0].name == name63);
    CHECK(errors("[[rule]]\nname = \"" + name63 + "n\"\n") ==
          Strings{"pind.toml:2:8: rule 0: name \"" + name63 + "n\" is longer than 63 bytes"});

    const std::string longest = "/" + std::string(VPIN_POLICY_PATH_MAX - 2, 'p');
    CHECK(parse("[[rule]]\nname = \"r\"\npaths = [\"" + longest + "\"]\n").policy.rules[0].paths ==
          Strings{longest});
    CHECK(errors("[[rule]]\nname = \"r\"\npaths = [\"/x\", \"" + longest + "p\"]\n") ==
          Strings{"pind.toml:3:16: rule \"r\": paths: a path of 512 bytes is longer than 511"});

    CHECK(errors(lines({"[[rule]]", "name = \"a\"", "[[rule]]", "name = \"b\"", "[[rule]]", "name = \"a\"",
                        "[[rule]]", "name = \"b\""})) ==
          Strings{"pind.toml:6:8: rule 2: duplicate name \"a\" (first at line 2)",
                  "pind.toml:8:8: rule 3: duplicate name \"b\" (first at line 4)"});
}

TEST_CASE("parse_config: users and groups by name, number or digits", "[policy]")
{
    FakeNames names;
    const auto config = vpin::parse_config(
        lines({"[[rule]]", "name = \"r\"", "users = [\"bob\", 0, \"0\", 4294967294, \"007\"]",
               "groups = [\"wheel\", \"rdma\", 65534]"}),
        "pind.toml", names.resolver());
    const auto &rule = config.policy.rules.at(0);
    CHECK(rule.users == std::vector<std::uint32_t>{1002, 0, 0, 4294967294u, 7});
    CHECK(rule.groups == std::vector<std::uint32_t>{10, 200, 65534});
    std::sort(names.asked.begin(), names.asked.end());
    CHECK(names.asked == Strings{"bob", "rdma", "wheel"});

    // A resolver that knows no one.
    const NameResolver nobody{[](const std::string &) { return std::optional<std::uint32_t>{}; },
                              [](const std::string &) { return std::optional<std::uint32_t>{}; }};
    try {
        (void)vpin::parse_config("[[rule]]\nname = \"r\"\nusers = [\"root\", 5]\n", "f", nobody);
        FAIL("parsed");
    } catch (const ConfigErrors &e) {
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].str() == "f:3:10: rule \"r\": unknown user \"root\"");
    }
}

TEST_CASE("system_names: the system's user and group databases", "[policy]")
{
    const auto names = vpin::system_names();
    CHECK(names.user("root") == 0u);
    CHECK(names.group("root") == 0u);
    CHECK_FALSE(names.user("no such user, surely").has_value());
    CHECK_FALSE(names.group("no such group, surely").has_value());
}

namespace {

std::optional<std::uint64_t> max_pinned(const std::string &value)
{
    return parse("[defaults]\nmax_pinned = " + value + "\n").policy.defaults.max_pinned;
}

std::optional<std::uint32_t> break_time(const std::string &value)
{
    return parse("[defaults]\nbreak_time = " + value + "\n").policy.defaults.break_time_ms;
}

} // namespace

TEST_CASE("parse_config: sizes", "[policy]")
{
    CHECK(max_pinned("0") == 0u);
    CHECK(max_pinned("4096") == 4096u);
    CHECK(max_pinned("9223372036854775807") == 9223372036854775807u);
    CHECK(max_pinned("\"0\"") == 0u);
    CHECK(max_pinned("\"4096\"") == 4096u);
    CHECK(max_pinned("\"1K\"") == 1024u);
    CHECK(max_pinned("\"1k\"") == 1024u);
    CHECK(max_pinned("\"1KiB\"") == 1024u);
    CHECK(max_pinned("\"16MiB\"") == 16u << 20);
    CHECK(max_pinned("\"64G\"") == std::uint64_t{64} << 30);
    CHECK(max_pinned("\"2GiB\"") == std::uint64_t{2} << 30);
    CHECK(max_pinned("\"1t\"") == std::uint64_t{1} << 40);
    CHECK(max_pinned("\"3TiB\"") == std::uint64_t{3} << 40);
    CHECK(max_pinned("\"18446744073709551615\"") == UINT64_MAX);
    CHECK(max_pinned("\"16777215T\"") == std::uint64_t{16777215} << 40);

    for (const char *bad : {"", "K", "1KB", "1iB", "12iB", "1XiB", "1 K", " 1K", "1.5G", "-1", "+1", "0x10",
                            "16777216T", "18446744073709551616", "1Kib"}) {
        INFO(bad);
        CHECK(errors(std::string{"[defaults]\nmax_pinned = \""} + bad + "\"\n") ==
              Strings{std::string{"pind.toml:2:14: defaults: max_pinned: \""} + bad +
                      "\" is not a size (bytes, or a number with K, M, G or T)"});
    }
}

TEST_CASE("parse_config: durations", "[policy]")
{
    CHECK(break_time("\"1ms\"") == 1u);
    CHECK(break_time("\"500ms\"") == 500u);
    CHECK(break_time("\"10s\"") == 10000u);
    CHECK(break_time("\"2m\"") == 120000u);
    CHECK(break_time("\"1h\"") == 3600000u);
    CHECK(break_time("\"24h\"") == VPIN_POLICY_BREAK_MAX_MS);
    CHECK(break_time("\"1440m\"") == VPIN_POLICY_BREAK_MAX_MS);
    CHECK(break_time("\"86400000ms\"") == VPIN_POLICY_BREAK_MAX_MS);
    CHECK(break_time("1") == 1000u);
    CHECK(break_time("86400") == VPIN_POLICY_BREAK_MAX_MS);

    for (const char *bad : {"\"0ms\"", "\"0h\"", "\"86400001ms\"", "\"86401s\"", "\"1441m\"", "\"25h\"",
                            "\"99999999999999999999h\"", "0", "-1", "86401"}) {
        INFO(bad);
        CHECK(errors(std::string{"[defaults]\nbreak_time = "} + bad + "\n") ==
              Strings{std::string{"pind.toml:2:14: defaults: break_time: "} + bad +
                      " is out of range (1ms to 24h)"});
    }
    for (const char *bad : {"", "10", "ms", "1d", "1 s", " 1s", "1S", "1.5s", "-1s", "+1s", "1s ", "1sec"}) {
        INFO(bad);
        CHECK(errors(std::string{"[defaults]\nbreak_time = \""} + bad + "\"\n") ==
              Strings{std::string{"pind.toml:2:14: defaults: break_time: \""} + bad +
                      "\" is not a duration (a number with ms, s, m or h)"});
    }
}

TEST_CASE("load_config: reads the file, or says why it cannot", "[policy]")
{
    FakeNames names;
    const auto dir = std::filesystem::path{VPIN_SOURCE_DIR} / "tests/unit";
    try {
        (void)vpin::load_config(dir / "no-such.toml", names.resolver());
        FAIL("loaded");
    } catch (const ConfigErrors &e) {
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].line == 0);
        CHECK(e.errors()[0].str() == (dir / "no-such.toml").string() + ": No such file or directory");
    }
    try {
        (void)vpin::load_config(dir, names.resolver());
        FAIL("loaded");
    } catch (const ConfigErrors &e) {
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].str() == dir.string() + ": Is a directory");
    }

    // Errors in a file name the file.
    const auto path = std::filesystem::temp_directory_path() /
                      ("vpin-policy-test-" + std::to_string(::getpid()) + ".toml");
    std::ofstream{path} << "[[rule]]\nname = 1\n";
    try {
        (void)vpin::load_config(path, names.resolver());
        std::filesystem::remove(path);
        FAIL("loaded");
    } catch (const ConfigErrors &e) {
        std::filesystem::remove(path);
        REQUIRE(e.errors().size() == 1);
        CHECK(e.errors()[0].str() == path.string() + ":2:8: rule 0: name must be a string, not an integer");
    }
}

TEST_CASE("op_name, allow_names and on_revoke_name: the names the file and the tools use", "[policy]")
{
    CHECK(vpin::op_name(VPIN_OP_SESSION) == "session");
    CHECK(vpin::op_name(VPIN_OP_PIN) == "pin");
    CHECK(vpin::op_name(VPIN_OP_PIN_FILE) == "pin-file");
    CHECK(vpin::op_name(VPIN_OP_EXCLUSIVE) == "exclusive");
    CHECK(vpin::op_name(VPIN_OP_BREAKABLE) == "breakable");
    CHECK(vpin::op_name(VPIN_OP_UNSPEC).empty());
    CHECK(vpin::op_name(__VPIN_OP_LAST).empty());
    CHECK(vpin::op_name(UINT32_MAX).empty());

    for (std::uint32_t op = VPIN_OP_SESSION; op < __VPIN_OP_LAST; ++op)
        CHECK(vpin::op_from_name(vpin::op_name(op)) == op);
    CHECK_FALSE(vpin::op_from_name("").has_value());
    CHECK_FALSE(vpin::op_from_name("Pin").has_value());
    CHECK_FALSE(vpin::op_from_name("pin_file").has_value());

    CHECK(vpin::allow_names(0).empty());
    CHECK(vpin::allow_names(__VPIN_ALLOW_ALL) == Strings{"pin", "pin-file", "exclusive", "breakable"});
    CHECK(vpin::allow_names(VPIN_ALLOW_BREAKABLE | VPIN_ALLOW_PIN) == Strings{"pin", "breakable"});
    CHECK(vpin::allow_names(VPIN_ALLOW_PIN_FILE | (1U << 9)) == Strings{"pin-file", "9"});

    CHECK(vpin::on_revoke_name(VPIN_REVOKE_SIGBUS) == "sigbus");
    CHECK(vpin::on_revoke_name(VPIN_REVOKE_SIGKILL) == "sigkill");
    CHECK(vpin::on_revoke_name(VPIN_REVOKE_NONE) == "none");
    CHECK(vpin::on_revoke_name(__VPIN_REVOKE_LAST).empty());
    CHECK(vpin::on_revoke_from_name("sigbus") == std::uint32_t{VPIN_REVOKE_SIGBUS});
    CHECK(vpin::on_revoke_from_name("sigkill") == std::uint32_t{VPIN_REVOKE_SIGKILL});
    CHECK(vpin::on_revoke_from_name("none") == std::uint32_t{VPIN_REVOKE_NONE});
    CHECK_FALSE(vpin::on_revoke_from_name("").has_value());
    CHECK_FALSE(vpin::on_revoke_from_name("SIGBUS").has_value());
}
