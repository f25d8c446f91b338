#pragma once

#include <vpin/check.hpp>
#include <vpin/model.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The one printing layer: every model object becomes a Record, and a Record
// prints as aligned text or as JSON, so the two outputs cannot drift.
namespace vpin::print {

enum class Format { text, json };

// Absent values (std::monostate) print as "-" and as null.
using Value = std::variant<std::monostate, bool, std::uint64_t, std::string>;

// How text shows a value; JSON always carries the value itself.
enum class Style {
    plain,
    duration_ms, // "250ms", "4.2s", "3m07s", "2h05m"
    verdict,     // a bool as "ok" or "FAIL"
};

struct Field {
    std::string key;    // JSON member and key=value key
    std::string header; // table column title
    Value value;
    Style style = Style::plain;
};

using Record = std::vector<Field>;

[[nodiscard]] std::string text(const Field &field);
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

// Unknown types print as "UNKNOWN <n>" ({"event": "UNKNOWN", "type": n}).
void event(std::ostream &out, const Event &event, Format format);

} // namespace vpin::print
