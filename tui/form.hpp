// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/control.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The form `e` and `a` open on the Policy tab: the keys of a rule of pind's
// configuration file, or of its defaults, as text to edit. What the file
// says fills it; what the form sends pind is the fields that changed.
// No curses here.
namespace pintop {

struct Field {
    std::string key;     // pind.toml(5)'s name of it
    std::string value;   // as it is now
    std::string initial; // as the file has it
};

struct Form {
    vpin::ControlRequest::Op op = vpin::ControlRequest::Op::set_rule;
    std::string rule; // the rule's name (set_rule)
    std::string file; // pind's configuration file
    std::vector<Field> fields;
    std::size_t selected = 0;
    std::string error; // why the last try changed nothing, one problem a line

    // A rule or the defaults, from what pind's "show" says of its table
    // (config_tables()); an empty form for a new rule.
    [[nodiscard]] static Form edit(const std::string &rule, const nlohmann::json &table, std::string file);
    [[nodiscard]] static Form defaults(const nlohmann::json &table, std::string file);
    [[nodiscard]] static Form add(std::string file);

    [[nodiscard]] Field &current() { return fields[selected]; }
    // The next (1) or previous (-1) field, round.
    void move(int step);

    // The request for what changed (a new rule: what is filled in); none
    // when nothing did.
    [[nodiscard]] std::optional<vpin::ControlRequest> request() const;
    // "rule "rdma"", "the defaults", "the new rule "batch"".
    [[nodiscard]] std::string subject() const;

    // The pane's lines: where the rule is, a line per field ("> " marks
    // the selected one, "_" is where typing goes). The error goes under
    // them, drawn as a warning, then the keys (hints()), which a short
    // terminal leaves out first.
    [[nodiscard]] std::vector<std::string> lines() const;
    [[nodiscard]] static std::vector<std::string> hints();
    [[nodiscard]] std::string title() const;
};

// A value of the file as a field's text: strings as they are, integers in
// digits, arrays joined by commas ("none" for an empty allow).
[[nodiscard]] std::string field_text(std::string_view key, const nlohmann::json &value);
// A field's text as the value to send: null when empty (the key goes:
// [defaults] decides); users, groups, paths and allow split at commas
// ("none": allow nothing); digits as an integer for the numbers, sizes and
// durations; anything else as a string, for pind to judge.
[[nodiscard]] nlohmann::json field_value(std::string_view key, std::string_view text);

} // namespace pintop
