#include <vpin/print.hpp>

#include <linux/vpin.h>

#include <fmt/core.h>

#include <array>

namespace vpin::print {

namespace {

Value dev(const std::optional<FileRef> &file)
{
    if (!file)
        return {};
    return fmt::format("{}:{}", file->dev >> 20, file->dev & 0xfffff);
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
constexpr std::array<std::string_view, __VPIN_EVENT_LAST> event_names{
    "", "pin", "unpin", "lease-granted", "lease-released", "lease-break", "lease-revoked",
    "protect-on", "protect-off", "lease-orphaned", "orphan-released", "map"};

} // namespace

std::string_view event_name(std::uint32_t type)
{
    return type < event_names.size() ? event_names[type] : std::string_view{};
}

Record record(const Status &status)
{
    return {
        {"version", "VERSION", status.version},
        {"abi", "ABI", std::uint64_t{status.abi}},
        {"sessions", "SESSIONS", status.sessions},
        {"pins", "PINS", status.pins},
        {"pinned_bytes", "PINNED", status.pinned_bytes},
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
        {"pinned_bytes", "PINNED", session.pinned_bytes},
        {"leases", "LEASES", session.leases},
    };
}

Record record(const Pin &pin)
{
    return {
        {"session", "SESSION", pin.session},
        {"id", "ID", std::uint64_t{pin.id}},
        {"flags", "FLAGS", std::string{pin.flags & VPIN_PIN_F_WRITE ? "rw" : "r"}},
        {"pages", "PAGES", pin.pages},
        {"offset", "OFFSET", pin.file ? Value{pin.offset} : Value{}},
        {"length", "LENGTH", pin.length},
        {"dev", "DEV", dev(pin.file)},
        {"ino", "INO", ino(pin.file)},
        {"age_ms", "AGE", pin.age_ms, Style::duration_ms},
        {"path", "PATH", path(pin.file)},
    };
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

} // namespace vpin::print
