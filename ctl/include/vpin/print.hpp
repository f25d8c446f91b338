// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/check.hpp>
#include <vpin/model.hpp>
#include <vpin/policy.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
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

// JSON is one line per document; json_pretty indents it.
enum class Format { text, json, json_pretty };

[[nodiscard]] constexpr bool is_json(Format format) noexcept
{
    return format != Format::text;
}

// A JSON document as `format` wants it, without a newline.
[[nodiscard]] std::string dump(const nlohmann::ordered_json &document, Format format);

// Absent values (std::monostate) print as "-" and as null. Lists print as
// comma-joined text ("none" when empty) and as JSON arrays.
using Value = std::variant<std::monostate, bool, std::uint64_t, std::string,
                           std::vector<std::uint64_t>, std::vector<std::string>>;

// How text shows a value; JSON always carries the value itself.
enum class Style {
    plain,
    duration_ms, // "250ms", "4.2s", "3m07s", "2h05m" (duration())
    bytes,       // "512 B", "64 KiB", "1.5 GiB" (human_size; no space in key=value text)
    verdict,     // a bool as "ok" or "FAIL"
    any,         // an empty list as "any" (a rule's match keys)
};

// Keys and headers name static strings (literals): a record is made per
// row of a listing, which may have 100,000 rows.
struct Field {
    std::string_view key;    // JSON member and key=value key
    std::string_view header; // table column title
    Value value;
    Style style = Style::plain;
    // A bound the value counts against: with a limit_key, text shows
    // "value/limit" ("3/16", "3/-" when absent) and JSON carries the limit as
    // a member of its own after the value's.
    std::string_view limit_key = {};
    Value limit = {};
};

using Record = std::vector<Field>;

// Milliseconds for people: "250ms", "4.2s" (tenths cut, not rounded),
// "3m07s", "2h05m".
[[nodiscard]] std::string duration(std::uint64_t ms);

[[nodiscard]] std::string text(const Field &field);
// "key=value ..." of the values present.
[[nodiscard]] std::string pairs(const Record &record);
// A record as one JSON object; absent values are null.
[[nodiscard]] nlohmann::ordered_json json(const Record &record);

// Rows under a header (text) or one JSON array of objects; `shape` gives the
// columns when there are no rows.
void table(std::ostream &out, const Record &shape, const std::vector<Record> &rows, Format format);

// "key: value" lines or one JSON object.
void object(std::ostream &out, const Record &record, Format format);

// When something happened, as a timestamp in local time with milliseconds:
// "2024-03-05 14:07:08.009" for text, "2024-03-05T14:07:08.009+01:00"
// (ISO 8601 with the UTC offset) for JSON.
using Time = std::chrono::system_clock::time_point;
[[nodiscard]] std::string timestamp(Time time, Format format);

// One line: "[TIME ]NAME key=value ..." without absent values, or a JSON
// object with "time": TIME (when given) and "event": NAME first. Flushes
// `out`.
void line(std::ostream &out, std::string_view name, const Record &record, Format format,
          std::optional<Time> time = {});

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
// "truncate", "fallocate", "remap", "layout", "admin" (enum vpin_break_reason).
[[nodiscard]] std::string break_reason_name(std::uint32_t reason);
// The type of an event name, if this build knows it.
[[nodiscard]] std::optional<std::uint32_t> event_type(std::string_view name);
// Every event name this build knows, in type order.
[[nodiscard]] std::vector<std::string_view> event_names();

// A record as one compact JSON object (as json(record).dump()), appended.
void append_json(std::string &out, const Record &record);
// A pin as append_json(out, record(pin)) appends it, without making the
// record: a listing may have 100,000 of them.
void append_json(std::string &out, const Pin &pin);

// How much of a JSON list is written at a time.
inline constexpr std::size_t json_chunk = 64 * 1024;

template <typename T>
void list(std::ostream &out, const std::vector<T> &items, Format format)
{
    if (format == Format::json) {
        // Streamed, one record at a time, written in chunks.
        std::string chunk = "[";
        chunk.reserve(json_chunk + 4096);
        for (std::size_t i = 0; i < items.size(); i++) {
            if (i)
                chunk += ',';
            if constexpr (requires { append_json(chunk, items[i]); })
                append_json(chunk, items[i]);
            else
                append_json(chunk, record(items[i]));
            if (chunk.size() >= json_chunk) {
                out << chunk;
                chunk.clear();
            }
        }
        out << chunk << "]\n";
        return;
    }
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
// With `time`, the line starts with it (see line()).
void event(std::ostream &out, const Event &event, Format format, std::optional<Time> time = {});

} // namespace vpin::print
