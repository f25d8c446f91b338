// SPDX-License-Identifier: GPL-2.0
#include "json_text.hpp"

#include <vpin/print.hpp>

#include <linux/vpin.h>

#include <fmt/core.h>

#include <array>
#include <cstring>
#include <utility>

namespace vpin::print {

namespace {

std::string dev_text(std::uint32_t dev)
{
    return fmt::format("{}:{}", dev >> 20, dev & 0xfffff);
}

Value dev(const std::optional<FileRef> &file)
{
    if (!file)
        return {};
    return dev_text(file->dev);
}

Value ino(const std::optional<FileRef> &file)
{
    return file ? Value{file->ino} : Value{};
}

Value path(const std::optional<FileRef> &file)
{
    return file ? Value{file->path} : Value{};
}

template <typename T>
Value maybe(const std::optional<T> &value)
{
    return value ? Value{std::uint64_t{*value}} : Value{};
}

// Names of enum values, or the number for ones newer than this build.
template <std::size_t N>
std::string name_of(std::uint32_t value, const std::array<std::string_view, N> &names)
{
    if (value < N && !names[value].empty())
        return std::string{names[value]};
    return std::to_string(value);
}

constexpr std::array<std::string_view, __VPIN_LEASE_LAST> lease_types{"", "exclusive", "breakable"};
constexpr std::array<std::string_view, __VPIN_LEASE_STATE_LAST> lease_states{"", "granted", "breaking",
                                                                                       "orphaned"};
constexpr std::array<std::string_view, __VPIN_BREAK_LAST> break_reasons{
    "", "truncate", "fallocate", "remap", "layout", "admin"};
constexpr std::array<std::string_view, __VPIN_EVENT_LAST> event_type_names{
    "", "pin", "unpin", "lease-granted", "lease-released", "lease-break", "lease-revoked",
    "protect-on", "protect-off", "lease-orphaned", "orphan-released", "map",
    "policy-changed", "policy-denied"};

// The names of policies' enums (vpin/policy.hpp), or the number for values
// newer than this build.
Value operation(const std::optional<std::uint32_t> &op)
{
    if (!op)
        return {};
    const auto name = op_name(*op);
    return name.empty() ? std::to_string(*op) : std::string{name};
}

Value on_revoke(const std::optional<std::uint32_t> &value)
{
    if (!value)
        return {};
    const auto name = on_revoke_name(*value);
    return name.empty() ? std::to_string(*value) : std::string{name};
}

Value allow(const std::optional<std::uint32_t> &bits)
{
    if (!bits)
        return {};
    return allow_names(*bits);
}

// "EDQUOT", or the number when the C library has no name for it.
Value error_name(const std::optional<std::uint32_t> &error)
{
    if (!error)
        return {};
    const char *name = ::strerrorname_np(static_cast<int>(*error));
    return name ? std::string{name} : std::to_string(*error);
}

// "SIGBUS", or "none" for no signal.
Value signal_name(const std::optional<std::uint32_t> &signal)
{
    if (!signal)
        return {};
    if (*signal == 0)
        return std::string{"none"};
    const char *abbrev = ::sigabbrev_np(static_cast<int>(*signal));
    return abbrev ? "SIG" + std::string{abbrev} : std::to_string(*signal);
}

template <typename T>
std::vector<std::uint64_t> numbers(const std::vector<T> &values)
{
    return {values.begin(), values.end()};
}

// What a rule or the defaults say, and their counters.
Record settings(const Rule &rule)
{
    return {
        {"allow", "ALLOW", allow(rule.allow)},
        {"max_pinned", "MAX_PINNED", maybe(rule.max_pinned), Style::bytes},
        {"max_sessions", "MAX_SESSIONS", maybe(rule.max_sessions)},
        {"max_leases", "MAX_LEASES", maybe(rule.max_leases)},
        {"max_exclusive", "MAX_EXCLUSIVE", maybe(rule.max_exclusive)},
        {"break_time_ms", "BREAK", maybe(rule.break_time_ms), Style::duration_ms},
        {"on_revoke", "ON_REVOKE", on_revoke(rule.on_revoke)},
        {"hits", "HITS", rule.hits},
        {"denies", "DENIES", rule.denies},
    };
}

// A device number, "major:minor" in text.
struct DevNumber {
    std::uint32_t dev;
};

// The fields of a pin's record, for record() and append_json(): `emit(key,
// header, value, style)` each, with the value as a number, a string_view, a
// DevNumber or an optional one of those (absent: std::nullopt).
template <typename Emit>
void pin_fields(const Pin &pin, Emit &&emit)
{
    using std::nullopt;
    using std::optional;
    const auto &file = pin.file;
    emit("session", "SESSION", pin.session, Style::plain);
    emit("id", "ID", std::uint64_t{pin.id}, Style::plain);
    emit("flags", "FLAGS", std::string_view{pin.flags & VPIN_PIN_F_WRITE ? "rw" : "r"}, Style::plain);
    emit("pages", "PAGES", pin.pages, Style::plain);
    emit("offset", "OFFSET", file ? optional{pin.offset} : nullopt, Style::bytes);
    emit("length", "LENGTH", pin.length, Style::bytes);
    emit("dev", "DEV", file ? optional{DevNumber{file->dev}} : nullopt, Style::plain);
    emit("ino", "INO", file ? optional{file->ino} : nullopt, Style::plain);
    emit("age_ms", "AGE", pin.age_ms, Style::duration_ms);
    emit("path", "PATH", file ? optional{std::string_view{file->path}} : nullopt, Style::plain);
}

Value field_value(std::uint64_t value)
{
    return value;
}

Value field_value(std::string_view value)
{
    return std::string{value};
}

Value field_value(DevNumber value)
{
    return dev_text(value.dev);
}

template <typename T>
Value field_value(const std::optional<T> &value)
{
    return value ? field_value(*value) : Value{};
}

void json_member(std::string &out, std::uint64_t value)
{
    json_text::number(out, value);
}

void json_member(std::string &out, std::string_view value)
{
    json_text::string(out, value);
}

void json_member(std::string &out, DevNumber value)
{
    out += '"';
    json_text::number(out, value.dev >> 20);
    out += ':';
    json_text::number(out, value.dev & 0xfffff);
    out += '"';
}

template <typename T>
void json_member(std::string &out, const std::optional<T> &value)
{
    if (value)
        json_member(out, *value);
    else
        out += "null";
}

} // namespace

std::string_view event_name(std::uint32_t type)
{
    return type < event_type_names.size() ? event_type_names[type] : std::string_view{};
}

std::string break_reason_name(std::uint32_t reason)
{
    return name_of(reason, break_reasons);
}

std::optional<std::uint32_t> event_type(std::string_view name)
{
    for (std::uint32_t type = 1; type < event_type_names.size(); type++) {
        if (event_type_names[type] == name)
            return type;
    }
    return std::nullopt;
}

std::vector<std::string_view> event_names()
{
    return {event_type_names.begin() + 1, event_type_names.end()};
}

Record record(const Status &status)
{
    return {
        {"version", "VERSION", status.version},
        {"abi_version", "ABI_VERSION", std::uint64_t{status.abi_version}},
        {"sessions", "SESSIONS", status.sessions},
        {"pins", "PINS", status.pins},
        {"pinned_bytes", "PINNED", status.pinned_bytes, Style::bytes},
        {"leases", "LEASES", status.leases},
        {"protected_files", "PROTECTED", status.protected_files},
        {"orphans", "ORPHANS", status.orphans},
        {"maps", "MAPS", status.maps},
    };
}

Record record(const Session &session)
{
    return {
        {"id", "ID", session.id},
        {"pid", "PID", std::uint64_t{session.pid}},
        {"comm", "COMM", session.comm},
        {"uid", "UID", std::uint64_t{session.uid}},
        {"pins", "PINS", session.pins},
        {"pinned_bytes", "PINNED", session.pinned_bytes, Style::bytes},
        {"leases", "LEASES", session.leases},
    };
}

Record record(const Pin &pin)
{
    Record fields;
    fields.reserve(10);
    pin_fields(pin, [&](std::string_view key, std::string_view header, const auto &value, Style style) {
        fields.emplace_back(key, header, field_value(value), style);
    });
    return fields;
}

void append_json(std::string &out, const Pin &pin)
{
    out += '{';
    pin_fields(pin, [&](std::string_view key, std::string_view, const auto &value, Style) {
        json_text::key(out, key);
        json_member(out, value);
    });
    out += '}';
}

Record record(const Lease &lease)
{
    return {
        {"session", "SESSION", lease.session},
        {"id", "ID", std::uint64_t{lease.id}},
        {"type", "TYPE", name_of(lease.type, lease_types)},
        {"state", "STATE", name_of(lease.state, lease_states)},
        {"pins", "PINS", lease.pins},
        {"break_deadline_ms", "BREAK", maybe(lease.break_deadline_ms), Style::duration_ms},
        {"maps", "MAPS", lease.maps},
        {"referenced", "REFERENCED", maybe(lease.referenced)},
        {"path", "PATH", path(lease.file)},
    };
}

Record record(const Event &event)
{
    return {
        {"session", "SESSION", maybe(event.session)},
        {"id", "ID", maybe(event.id)},
        {"pid", "PID", maybe(event.pid)},
        {"uid", "UID", maybe(event.uid)},
        {"comm", "COMM", event.comm ? Value{*event.comm} : Value{}},
        {"op", "OP", operation(event.operation)},
        {"rule", "RULE", event.rule ? Value{*event.rule} : Value{}},
        {"errno", "ERRNO", error_name(event.error)},
        {"suppressed", "SUPPRESSED", maybe(event.suppressed)},
        {"generation", "GENERATION", maybe(event.generation)},
        {"rules", "RULES", maybe(event.rules)},
        {"type", "TYPE", event.lease_type ? Value{name_of(*event.lease_type, lease_types)} : Value{}},
        {"reason", "REASON", event.reason ? Value{break_reason_name(*event.reason)} : Value{}},
        {"breaker_pid", "BREAKER", maybe(event.breaker_pid)},
        {"breaker_comm", "BREAKER_COMM", event.breaker_comm ? Value{*event.breaker_comm} : Value{}},
        {"break_ms", "BREAK_MS", maybe(event.break_ms)},
        {"signal", "SIGNAL", signal_name(event.signal)},
        {"pages", "PAGES", maybe(event.pages)},
        {"dev", "DEV", dev(event.file)},
        {"ino", "INO", ino(event.file)},
        {"file", "FILE", path(event.file)},
    };
}

Record record(const Check &check)
{
    return {
        {"ok", "RESULT", check.ok, Style::verdict},
        {"check", "CHECK", check.name},
        {"detail", "DETAIL", check.detail},
    };
}

Record record(const Rule &rule)
{
    Record fields{
        {"index", "INDEX", std::uint64_t{rule.index}},
        {"name", "NAME", rule.name},
        {"users", "USERS", numbers(rule.users), Style::any},
        {"groups", "GROUPS", numbers(rule.groups), Style::any},
    };
    for (auto &field : settings(rule))
        fields.push_back(std::move(field));
    fields.push_back({"paths", "PATHS", rule.paths, Style::any});
    return fields;
}

Record record(const Usage &usage, std::optional<std::string> user)
{
    return {
        {"uid", "UID", std::uint64_t{usage.uid}},
        {"user", "USER", user ? Value{std::move(*user)} : Value{}},
        {"rule", "RULE", usage.rule},
        {"sessions", "SESSIONS", usage.sessions, Style::plain, "max_sessions",
         maybe(usage.max_sessions)},
        {"pinned_bytes", "PINNED", usage.pinned_bytes, Style::bytes, "max_pinned",
         maybe(usage.max_pinned)},
        {"leases", "LEASES", usage.leases, Style::plain, "max_leases", maybe(usage.max_leases)},
        {"exclusive", "EXCLUSIVE", usage.exclusive, Style::plain, "max_exclusive",
         maybe(usage.max_exclusive)},
    };
}

void policy(std::ostream &out, const PolicyState &state, Format format)
{
    const Record defaults = settings(state.policy.defaults);
    if (is_json(format)) {
        auto object = nlohmann::ordered_json::object();
        object["generation"] = state.generation;
        object["loaded"] = state.loaded;
        object["defaults"] = json(defaults);
        auto rules = nlohmann::ordered_json::array();
        for (const auto &rule : state.policy.rules)
            rules.push_back(json(record(rule)));
        object["rules"] = std::move(rules);
        out << dump(object, format) << '\n';
        return;
    }

    object(out,
           {
               {"generation", "", state.generation},
               {"loaded", "", state.loaded},
               {"rules", "", std::uint64_t{state.policy.rules.size()}},
               {"defaults", "", pairs(defaults)},
           },
           format);
    if (!state.policy.rules.empty()) {
        out << '\n';
        list(out, state.policy.rules, format);
    }
}

} // namespace vpin::print
