// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

// Changes to pind's configuration file (pind.toml(5)) made in its text, so
// that everything an edit does not touch stays as it was, byte for byte:
// comments, blank lines, the other rules, the order of keys. pind applies
// the edits its control socket receives with these (pind(8), CONTROL
// SOCKET).
namespace vpin {

// The keys an edit may set or remove, in the order they are written when
// they are added.
inline constexpr std::array<std::string_view, 11> editable_keys{
    "name",         "users",      "groups",        "paths",      "allow",     "max_pinned",
    "max_sessions", "max_leases", "max_exclusive", "break_time", "on_revoke",
};
[[nodiscard]] bool editable_key(std::string_view key);

// One edit of a [[rule]] or of [defaults].
struct RuleEdit {
    enum class Target {
        rule,     // the [[rule]] named `name`, which must exist
        new_rule, // a new [[rule]] named `name`, appended
        defaults, // [defaults], appended if there is none
    };
    Target target = Target::rule;
    std::string name;
    // Key: its new value (a string, an integer, or an array of them), or
    // null to remove the key. "name" is the rule's, not a change.
    nlohmann::json keys = nlohmann::json::object();
};

// `text` with `edit` made: each key that is there gets its new value in
// place of the old one (the key, what is around it and any comment after it
// stay), a removed key loses its lines, new keys go on lines of their own
// after the table's last key, a new table goes at the end. The result is
// not validated: parse_config() does that. Throws ConfigErrors naming
// `file` when the text is not TOML, the rule does not exist (or exists, for
// a new one), the table is not one the text can be edited in (an inline
// table, dotted keys), or a value is not one of the types above.
[[nodiscard]] std::string edit_config(std::string_view text, const RuleEdit &edit, const std::string &file);

// What the file says of its [defaults] and [[rule]]s, key by key as
// written (strings, integers and arrays of them): {"defaults": {...},
// "rules": [{"name": ..., ...}, ...]}. Throws ConfigErrors when the text is
// not TOML.
[[nodiscard]] nlohmann::json config_tables(std::string_view text, const std::string &file);

// Replaces `path` by a file holding `text`, atomically: a temporary file in
// the same directory with the mode and owner of the old file, written and
// synced, renamed over `path`, and the directory synced. A symbolic link
// is followed: its target is replaced. Throws std::system_error, and then
// `path` is as it was; returns false when all but syncing the directory
// succeeded (the file is replaced, the rename may not be on disk yet).
[[nodiscard]] bool save_config(const std::filesystem::path &path, std::string_view text);

} // namespace vpin
