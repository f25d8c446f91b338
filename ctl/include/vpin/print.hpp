#pragma once

#include <vpin/check.hpp>
#include <vpin/model.hpp>
#include <vpin/policy.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The one printing layer: every model object becomes a Record, and a Record
// prints as aligned text or as JSON, so the two outputs cannot drift.
namespace vpin::print {

enum class Format { text, json };

// Absent values (std::monostate) print as "-" and as null. Lists print as
// comma-joined text ("none" when empty) and as JSON arrays.
using Value = std::variant<std::monostate, bool, std::uint64_t, std::string,
                           std::vector<std::uint64_t>, std::vector<std::string>>;

// How text shows a value; JSON always carries the value itself.
enum class Style {
    plain,
    duration_ms, // "250ms", "4.2s", "3m07s", "2h05m"
    verdict,     // a bool as "ok" or "FAIL"
    any,         // an empty list as "any" (a rule's match keys)
};

struct Field {
    std::string key;    // JSON member and key=value key
    std::string header; // table column title
    Value value;
    Style style = Style::plain;
    // A bound the value counts against: with a limit_key, text shows
    // "value/limit" ("3/16", "3/-" when absent) and JSON carries the limit as
    // a member of its own after the value's.
    std::string limit_key = {};
    Value limit = {};
};

using Record = std::vector<Field>;

[[nodiscard]] std::string text(const Field &field);
// "key=value ..." of the values present.
[[nodiscard]] std::string pairs(const Record &record);
[[nodiscard]] nlohmann::ordered_json json(const Record &record);

// Rows under a header (text) or one JSON array of objects; `shape` gives the
// columns when there are no rows.
void table(std::ostream &out, const Record &shape, const std::vector<Record> &rows, Format format);

// "key: value" lines or one JSON object.
void object(std::ostream &out, const Record &record, Format format);

// One line: "NAME key=value ..." without absent values, or a JSON object with
// "event": NAME first. Flushes `out`.
void line(std::ostream &out, std::string_view name, const Record &record, Format format);

[[nodiscard]] Record record(const Status &status);
[[nodiscard]] Record record(const Session &session);
[[nodiscard]] Record record(const Pin &pin);
[[nodiscard]] Record record(const Lease &lease);
[[nodiscard]] Record record(const Event &event);
[[nodiscard]] Record record(const Check &check);
// A rule of a policy, with its counters.
[[nodiscard]] Record record(const Rule &rule);
// One uid's usage against its quotas; `user` is its name where it resolves.
[[nodiscard]] Record record(const Usage &usage, std::optional<std::string> user = {});

// The name of an event type, empty if this build does not know it.
[[nodiscard]] std::string_view event_name(std::uint32_t type);

template <typename T>
void list(std::ostream &out, const std::vector<T> &items, Format format)
{
    std::vector<Record> rows;
    rows.reserve(items.size());
    for (const auto &item : items)
        rows.push_back(record(item));
    table(out, record(T{}), rows, format);
}

void status(std::ostream &out, const Status &status, Format format);

// The generation, whether a set is loaded, the defaults as key=value pairs
// and the rules as a table; or one JSON object with "defaults" and "rules".
void policy(std::ostream &out, const PolicyState &state, Format format);

// Unknown types print as "UNKNOWN <n>" ({"event": "UNKNOWN", "type": n}).
void event(std::ostream &out, const Event &event, Format format);

} // namespace vpin::print
