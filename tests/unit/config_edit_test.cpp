// SPDX-License-Identifier: GPL-2.0
// Edits of pind's configuration in its text: what changes is the edited
// keys, and nothing else, byte for byte.
#include "lines.hpp"

#include <vpin/config_edit.hpp>
#include <vpin/policy.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

using vpin::ConfigErrors;
using vpin::RuleEdit;
using Json = nlohmann::json;

namespace {

using test::lines;

// Names are looked up nowhere: every name is unknown.
const vpin::NameResolver no_names{[](const std::string &) { return std::optional<std::uint32_t>{}; },
                                  [](const std::string &) { return std::optional<std::uint32_t>{}; }};

const std::string file = lines({
    "# The rules of this machine.",
    "clear_on_exit = false",
    "",
    "[defaults]",
    "allow = [\"pin\", \"pin-file\"]   # anonymous and files",
    "break_time = \"45s\"",
    "",
    "# RDMA users.",
    "[[rule]]",
    "name = \"rdma\"",
    "users = [1001]",
    "max_pinned   = \"64G\"  # per uid",
    "max_leases = 8",
    "allow = [",
    "    \"pin-file\",",
    "    \"exclusive\",",
    "]",
    "",
    "# Everyone else.",
    "[[rule]]",
    "name = \"rest\"",
    "allow = [\"pin\"]",
});

RuleEdit set(std::string name, Json keys)
{
    return {RuleEdit::Target::rule, std::move(name), std::move(keys)};
}

std::string edit(const RuleEdit &e, const std::string &text = file)
{
    return vpin::edit_config(text, e, "pind.toml");
}

vpin::Config parse(const std::string &text)
{
    return vpin::parse_config(text, "pind.toml", no_names);
}

// The error of an edit, "FILE:LINE:COL: message".
std::string edit_error(const RuleEdit &e, const std::string &text = file)
{
    try {
        (void)edit(e, text);
    } catch (const ConfigErrors &errors) {
        return errors.errors().front().str();
    }
    return "(edited)";
}

std::string replace(std::string text, std::string_view from, std::string_view to)
{
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("edit_config: a key's value is replaced, its spacing and comment stay", "[config-edit]")
{
    const auto out = edit(set("rdma", {{"max_pinned", "1G"}}));
    CHECK(out == replace(file, "max_pinned   = \"64G\"  # per uid", "max_pinned   = \"1G\"  # per uid"));
    CHECK(parse(out).policy.rules[0].max_pinned == std::uint64_t{1} << 30);

    // A multi-line array becomes one line; the next rule is untouched.
    const auto allow = edit(set("rdma", {{"allow", {"pin"}}, {"max_leases", 2}}));
    CHECK(allow == replace(replace(file, "max_leases = 8", "max_leases = 2"),
                           "allow = [\n    \"pin-file\",\n    \"exclusive\",\n]", "allow = [\"pin\"]"));
    const auto config = parse(allow);
    CHECK(config.policy.rules[0].allow == std::uint32_t{VPIN_ALLOW_PIN});
    CHECK(config.policy.rules[0].max_leases == 2u);
    CHECK(config.policy.rules[1].allow == std::uint32_t{VPIN_ALLOW_PIN});
}

TEST_CASE("edit_config: a new key goes after the table's last key", "[config-edit]")
{
    const auto out = edit(set("rest", {{"on_revoke", "none"}, {"max_sessions", 4}}));
    // In the order of editable_keys, at the end of the rule (the end of the file).
    CHECK(out == file + "max_sessions = 4\non_revoke = \"none\"\n");
    const auto config = parse(out);
    CHECK(config.policy.rules[1].max_sessions == 4u);
    CHECK(config.policy.rules[1].on_revoke == std::uint32_t{VPIN_REVOKE_NONE});

    // In the middle of the file: before the blank line and the next rule's comment.
    const auto middle = edit(set("rdma", {{"max_exclusive", 1}}));
    CHECK(middle == replace(file, "    \"exclusive\",\n]\n", "    \"exclusive\",\n]\nmax_exclusive = 1\n"));

    // A file without a newline at its end gets one first.
    std::string bare = file;
    bare.pop_back();
    CHECK(edit(set("rest", {{"max_leases", 3}}), bare) == file + "max_leases = 3\n");
}

TEST_CASE("edit_config: null removes a key, with its lines and comment", "[config-edit]")
{
    const auto out =
        edit(set("rdma", {{"max_pinned", nullptr}, {"allow", nullptr}, {"break_time", nullptr}}));
    CHECK(out == replace(replace(file, "max_pinned   = \"64G\"  # per uid\n", ""),
                         "allow = [\n    \"pin-file\",\n    \"exclusive\",\n]\n", ""));
    const auto config = parse(out);
    // Inherited from the defaults now.
    CHECK(config.policy.rules[0].allow == (VPIN_ALLOW_PIN | VPIN_ALLOW_PIN_FILE));
    CHECK_FALSE(config.policy.rules[0].max_pinned.has_value());
}

TEST_CASE("edit_config: a new rule is appended; the rest of the file stays byte for byte", "[config-edit]")
{
    const RuleEdit add{
        RuleEdit::Target::new_rule, "batch",
        Json{{"name", "batch"}, {"max_pinned", 4096}, {"allow", {"pin"}}, {"users", {"1002"}}}};
    const auto out = edit(add);
    CHECK(out ==
          file + "\n[[rule]]\nname = \"batch\"\nusers = [\"1002\"]\nallow = [\"pin\"]\nmax_pinned = 4096\n");
    const auto config = parse(out);
    REQUIRE(config.policy.rules.size() == 3);
    CHECK(config.policy.rules[2].name == "batch");
    CHECK(config.policy.rules[2].users == std::vector<std::uint32_t>{1002});

    CHECK(edit_error(RuleEdit{RuleEdit::Target::new_rule, "rest", Json::object()}) ==
          "pind.toml:20:1: a rule named \"rest\" exists already");
    // Into an empty file.
    CHECK(edit(RuleEdit{RuleEdit::Target::new_rule, "x", Json::object()}, "") == "[[rule]]\nname = \"x\"\n");
}

TEST_CASE("edit_config: the defaults, there or appended", "[config-edit]")
{
    const RuleEdit defaults{RuleEdit::Target::defaults, "", Json{{"break_time", "10s"}, {"max_sessions", 9}}};
    const auto out = edit(defaults);
    CHECK(out == replace(file, "break_time = \"45s\"\n", "break_time = \"10s\"\nmax_sessions = 9\n"));
    CHECK(parse(out).policy.defaults.break_time_ms == 10000u);

    const std::string none = lines({"clear_on_exit = true"});
    CHECK(edit(defaults, none) == none + "\n[defaults]\nmax_sessions = 9\nbreak_time = \"10s\"\n");
}

TEST_CASE("edit_config: strings are escaped as TOML strings", "[config-edit]")
{
    const auto out = edit(set("rest", {{"paths", {"/mnt/a \"b\"\\c", "/tab\there"}}}));
    CHECK(out == file + "paths = [\"/mnt/a \\\"b\\\"\\\\c\", \"/tab\\u0009here\"]\n");
    CHECK(parse(out).policy.rules[1].paths == std::vector<std::string>{"/mnt/a \"b\"\\c", "/tab\there"});
}

TEST_CASE("edit_config: an invalid value is found by parse_config, with its line and column", "[config-edit]")
{
    const auto out = edit(set("rdma", {{"max_leases", "many"}, {"on_revoke", "explode"}}));
    try {
        (void)parse(out);
        FAIL("parsed");
    } catch (const ConfigErrors &e) {
        REQUIRE(e.errors().size() == 2);
        CHECK(e.errors()[0].str() ==
              "pind.toml:13:14: rule \"rdma\": max_leases must be an integer, not a string");
        CHECK(
            e.errors()[1].str() ==
            "pind.toml:18:13: rule \"rdma\": on_revoke: unknown value \"explode\" (sigbus, sigkill or none)");
    }
}

TEST_CASE("edit_config: what it refuses", "[config-edit]")
{
    CHECK(edit_error(set("nobody", {{"max_leases", 1}})) == "pind.toml: there is no rule named \"nobody\"");
    CHECK(edit_error(set("rdma", {{"colour", "red"}})) == "pind.toml: \"colour\" is not a key pind edits");
    CHECK(edit_error(set("rdma", {{"name", "other"}})) ==
          "pind.toml: rule \"rdma\": a rule cannot be renamed");
    CHECK(edit_error(set("rdma", {{"allow", {{{"a", 1}}}}})) ==
          "pind.toml: allow: {\"a\":1} is not a string or an integer");
    CHECK(edit_error(set("rdma", {{"max_leases", 1.5}})) ==
          "pind.toml: max_leases: 1.5 is not a string, an integer or an array of them");
    CHECK(edit_error(set("rdma", {{"max_leases", 1}}), "[[rule]\n") ==
          "pind.toml:1:8: Error while parsing table header: expected ']', saw '\\n'");
    // Inline tables, and rules in an array of them, have no lines of their own.
    CHECK(edit_error(set("x", {{"max_leases", 1}}), "rule = [{ name = \"x\" }]\n") ==
          "pind.toml:1:9: rule \"x\" is not a table with a header of its own ([[rule]] or [defaults]); edit "
          "the file by hand");
    CHECK(
        edit_error(RuleEdit{RuleEdit::Target::defaults, "", {{"max_leases", 1}}},
                   "defaults.max_leases = 2\n") ==
        "pind.toml:1:1: defaults is not a table with a header of its own ([[rule]] or [defaults]); edit the "
        "file by hand");
}

TEST_CASE("config_tables: each table's keys as the file writes them", "[config-edit]")
{
    const auto tables = vpin::config_tables(file, "pind.toml");
    CHECK(tables["defaults"] == Json{{"allow", {"pin", "pin-file"}}, {"break_time", "45s"}});
    REQUIRE(tables["rules"].size() == 2);
    CHECK(tables["rules"][0] == Json{{"name", "rdma"},
                                     {"users", {1001}},
                                     {"max_pinned", "64G"},
                                     {"max_leases", 8},
                                     {"allow", {"pin-file", "exclusive"}}});
    CHECK(tables["rules"][1] == Json{{"name", "rest"}, {"allow", {"pin"}}});
    CHECK_THROWS_AS(vpin::config_tables("[x", "pind.toml"), ConfigErrors);
}

TEST_CASE("save_config: replaces the file at once, keeping its mode", "[config-edit]")
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("vpin-config-edit-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directory(dir);
    const auto path = dir / "pind.toml";
    std::ofstream{path} << "old\n";
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    std::filesystem::create_symlink("pind.toml", dir / "link.toml");

    CHECK(vpin::save_config(dir / "link.toml", "new\n"));
    std::stringstream text;
    text << std::ifstream{path}.rdbuf();
    CHECK(text.str() == "new\n");
    CHECK(std::filesystem::is_symlink(dir / "link.toml"));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    // No temporary file left.
    CHECK(std::distance(std::filesystem::directory_iterator{dir}, std::filesystem::directory_iterator{}) ==
          2);

    // A directory that cannot be written: the file stays as it was.
    if (::geteuid() != 0) {
        REQUIRE(::chmod(dir.c_str(), 0500) == 0);
        CHECK_THROWS_AS(vpin::save_config(path, "newer\n"), std::system_error);
        REQUIRE(::chmod(dir.c_str(), 0700) == 0);
        std::stringstream again;
        again << std::ifstream{path}.rdbuf();
        CHECK(again.str() == "new\n");
    }
    std::filesystem::remove_all(dir);
}
