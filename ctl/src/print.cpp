// SPDX-License-Identifier: GPL-2.0
#include "json_text.hpp"

#include <vpin/print.hpp>
#include <vpin/size.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <iterator>
#include <type_traits>

namespace vpin::print {

std::string duration(std::uint64_t ms)
{
    if (ms < 1000)
        return fmt::format("{}ms", ms);
    const std::uint64_t s = ms / 1000;
    if (s < 60)
        return fmt::format("{}.{}s", s, ms % 1000 / 100);
    if (s < 3600)
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

namespace {

bool is_number(const Field &field)
{
    return std::holds_alternative<std::uint64_t>(field.value);
}

void put(nlohmann::ordered_json &object, std::string_view key, const Value &value)
{
    std::visit(
        [&](const auto &v) {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
                object[std::string{key}] = nullptr;
            else
                object[std::string{key}] = v;
        },
        value);
}

void append_member(std::string &out, std::string_view key, const Value &value)
{
    json_text::key(out, key);
    std::visit(
        [&](const auto &v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, bool>) {
                out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                json_text::number(out, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                json_text::string(out, v);
            } else {
                out += '[';
                for (std::size_t i = 0; i < v.size(); i++) {
                    if (i)
                        out += ',';
                    if constexpr (std::is_same_v<T, std::vector<std::string>>)
                        json_text::string(out, v[i]);
                    else
                        json_text::number(out, v[i]);
                }
                out += ']';
            }
        },
        value);
}

void put(nlohmann::ordered_json &object, const Field &field)
{
    put(object, field.key, field.value);
    if (!field.limit_key.empty())
        put(object, field.limit_key, field.limit);
}

std::string text(const Value &value, Style style)
{
    return std::visit(
        [&](const auto &v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return "-";
            } else if constexpr (std::is_same_v<T, bool>) {
                return style == Style::verdict ? (v ? "ok" : "FAIL") : (v ? "yes" : "no");
            } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                if (style == Style::duration_ms)
                    return duration(v);
                return style == Style::bytes ? human_size(v) : std::to_string(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return v.empty() ? "-" : v;
            } else {
                if (v.empty())
                    return style == Style::any ? "any" : "none";
                std::string joined;
                for (const auto &item : v) {
                    if (!joined.empty())
                        joined += ',';
                    if constexpr (std::is_same_v<T, std::vector<std::string>>)
                        joined += item;
                    else
                        joined += std::to_string(item);
                }
                return joined;
            }
        },
        value);
}

} // namespace

// Escaped as nlohmann::json escapes strings.
void json_text::string(std::string &out, std::string_view s)
{
    const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
        return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 &&
               static_cast<unsigned char>(c) < 0x80;
    });
    if (plain) {
        out += '"';
        out += s;
        out += '"';
    } else {
        out += nlohmann::json(std::string{s}).dump();
    }
}

void json_text::number(std::string &out, std::uint64_t n)
{
    char digits[20];
    char *end = digits + sizeof digits;
    char *at = end;
    do {
        *--at = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n);
    out.append(at, end);
}

void json_text::key(std::string &out, std::string_view key)
{
    if (out.back() != '{')
        out += ',';
    out += '"';
    out += key;
    out += "\":";
}

std::string dump(const nlohmann::ordered_json &document, Format format)
{
    return document.dump(format == Format::json_pretty ? 2 : -1);
}

std::string text(const Field &field)
{
    std::string shown = text(field.value, field.style);
    if (!field.limit_key.empty())
        shown += '/' + text(field.limit, field.style);
    return shown;
}

std::string pairs(const Record &record)
{
    std::string line;
    for (const auto &field : record) {
        if (std::holds_alternative<std::monostate>(field.value))
            continue;
        if (!line.empty())
            line += ' ';
        std::string value = text(field);
        // One word per pair: "16GiB".
        if (field.style == Style::bytes)
            value.erase(std::remove(value.begin(), value.end(), ' '), value.end());
        line += fmt::format("{}={}", field.key, value);
    }
    return line;
}

void append_json(std::string &out, const Record &record)
{
    out += '{';
    for (const auto &field : record) {
        append_member(out, field.key, field.value);
        if (!field.limit_key.empty())
            append_member(out, field.limit_key, field.limit);
    }
    out += '}';
}

nlohmann::ordered_json json(const Record &record)
{
    auto object = nlohmann::ordered_json::object();
    for (const auto &field : record)
        put(object, field);
    return object;
}

void table(std::ostream &out, const Record &shape, const std::vector<Record> &rows, Format format)
{
    if (is_json(format)) {
        auto array = nlohmann::ordered_json::array();
        for (const auto &row : rows)
            array.push_back(json(row));
        out << dump(array, format) << '\n';
        return;
    }

    std::vector<std::vector<std::string>> cells(rows.size());
    std::vector<std::size_t> widths;
    std::vector<bool> numeric;
    for (const auto &field : shape) {
        widths.push_back(field.header.size());
        numeric.push_back(is_number(field));
    }
    for (std::size_t r = 0; r < rows.size(); r++) {
        cells[r].reserve(shape.size());
        for (std::size_t c = 0; c < shape.size(); c++) {
            cells[r].push_back(text(rows[r][c]));
            widths[c] = std::max(widths[c], cells[r][c].size());
            numeric[c] = numeric[c] || is_number(rows[r][c]);
        }
    }

    // Numbers align right, everything else left; the last column is not padded.
    const auto print_row = [&](const auto &cell) {
        std::string row;
        for (std::size_t c = 0; c < shape.size(); c++) {
            const std::string value{cell(c)};
            const bool last = c + 1 == shape.size();
            if (c > 0)
                row += "  ";
            if (numeric[c])
                row += fmt::format("{:>{}}", value, widths[c]);
            else
                row += last ? value : fmt::format("{:<{}}", value, widths[c]);
        }
        out << row << '\n';
    };
    print_row([&](std::size_t c) { return shape[c].header; });
    for (const auto &row : cells)
        print_row([&](std::size_t c) { return row[c]; });
}

void object(std::ostream &out, const Record &record, Format format)
{
    if (is_json(format)) {
        out << dump(json(record), format) << '\n';
        return;
    }
    std::size_t width = 0;
    for (const auto &field : record)
        width = std::max(width, field.key.size());
    for (const auto &field : record)
        out << fmt::format("{:<{}} {}\n", std::string{field.key} + ':', width + 1, text(field));
}

std::string timestamp(Time time, Format format)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    auto seconds = static_cast<std::time_t>(ms / 1000);
    auto millis = ms % 1000;
    if (millis < 0) { // before 1970
        seconds--;
        millis += 1000;
    }
    std::tm local{};
    ::localtime_r(&seconds, &local);
    const std::string date = fmt::format("{:04}-{:02}-{:02}", local.tm_year + 1900, local.tm_mon + 1,
                                         local.tm_mday);
    const std::string clock =
        fmt::format("{:02}:{:02}:{:02}.{:03}", local.tm_hour, local.tm_min, local.tm_sec, millis);
    if (!is_json(format))
        return date + ' ' + clock;
    const long offset = local.tm_gmtoff / 60;
    const long minutes = offset < 0 ? -offset : offset;
    return fmt::format("{}T{}{}{:02}:{:02}", date, clock, offset < 0 ? '-' : '+', minutes / 60,
                       minutes % 60);
}

void line(std::ostream &out, std::string_view name, const Record &record, Format format,
          std::optional<Time> time)
{
    if (is_json(format)) {
        auto object = nlohmann::ordered_json::object();
        if (time)
            object["time"] = timestamp(*time, format);
        object["event"] = name;
        for (const auto &field : record) {
            if (!std::holds_alternative<std::monostate>(field.value))
                put(object, field);
        }
        out << dump(object, format) << '\n';
    } else {
        const std::string values = pairs(record);
        if (time)
            out << timestamp(*time, format) << ' ';
        out << name << (values.empty() ? "" : " ") << values << '\n';
    }
    out.flush();
}

void status(std::ostream &out, const Status &status, Format format)
{
    object(out, record(status), format);
}

void event(std::ostream &out, const Event &event, Format format, std::optional<Time> time)
{
    const auto name = event_name(event.type);
    if (!name.empty()) {
        line(out, name, record(event), format, time);
        return;
    }
    if (is_json(format))
        line(out, "UNKNOWN", {{"type", "TYPE", std::uint64_t{event.type}}}, format, time);
    else
        line(out, fmt::format("UNKNOWN {}", event.type), {}, format, time);
}

} // namespace vpin::print
