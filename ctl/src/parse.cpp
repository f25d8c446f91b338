#include <vpin/parse.hpp>

#include <linux/vpin.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <array>
#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>

namespace vpin {

namespace {

// Attribute tables indexed by type, sized for one nesting level.
template <std::size_t Max>
using Table = std::array<nlattr *, Max + 1>;

template <std::size_t Max>
using Policy = std::array<nla_policy, Max + 1>;

constexpr nla_policy u32{NLA_U32, 0, 0};
constexpr nla_policy u64{NLA_U64, 0, 0};
constexpr nla_policy string{NLA_STRING, 0, 0};
constexpr nla_policy nested{NLA_NESTED, 0, 0};
constexpr nla_policy flag{NLA_FLAG, 0, 0};

constexpr Policy<VPIN_A_MAX> top_policy = [] {
    Policy<VPIN_A_MAX> p{};
    p[VPIN_A_VERSION] = string;
    p[VPIN_A_ABI_VERSION] = u32;
    p[VPIN_A_STATS] = nested;
    p[VPIN_A_SESSION_ID] = u64;
    p[VPIN_A_SESSION] = nested;
    p[VPIN_A_PIN] = nested;
    p[VPIN_A_LEASE] = nested;
    p[VPIN_A_EVENT] = nested;
    return p;
}();

constexpr Policy<VPIN_STATS_A_MAX> stats_policy = [] {
    Policy<VPIN_STATS_A_MAX> p{};
    p[VPIN_STATS_A_SESSIONS] = u64;
    p[VPIN_STATS_A_PINS] = u64;
    p[VPIN_STATS_A_PINNED_BYTES] = u64;
    p[VPIN_STATS_A_LEASES] = u64;
    p[VPIN_STATS_A_PROTECTED_FILES] = u64;
    p[VPIN_STATS_A_ORPHANS] = u64;
    p[VPIN_STATS_A_MAPS] = u64;
    return p;
}();

constexpr Policy<VPIN_SESSION_A_MAX> session_policy = [] {
    Policy<VPIN_SESSION_A_MAX> p{};
    p[VPIN_SESSION_A_ID] = u64;
    p[VPIN_SESSION_A_PID] = u32;
    p[VPIN_SESSION_A_UID] = u32;
    p[VPIN_SESSION_A_COMM] = string;
    p[VPIN_SESSION_A_PINS] = u64;
    p[VPIN_SESSION_A_PINNED_BYTES] = u64;
    p[VPIN_SESSION_A_LEASES] = u64;
    return p;
}();

constexpr Policy<VPIN_FILE_A_MAX> file_policy = [] {
    Policy<VPIN_FILE_A_MAX> p{};
    p[VPIN_FILE_A_DEV] = u32;
    p[VPIN_FILE_A_INO] = u64;
    p[VPIN_FILE_A_PATH] = string;
    return p;
}();

constexpr Policy<VPIN_PIN_A_MAX> pin_policy = [] {
    Policy<VPIN_PIN_A_MAX> p{};
    p[VPIN_PIN_A_SESSION_ID] = u64;
    p[VPIN_PIN_A_ID] = u32;
    p[VPIN_PIN_A_FLAGS] = u32;
    p[VPIN_PIN_A_ADDR] = u64;
    p[VPIN_PIN_A_LENGTH] = u64;
    p[VPIN_PIN_A_OFFSET] = u64;
    p[VPIN_PIN_A_PAGES] = u64;
    p[VPIN_PIN_A_AGE_MS] = u64;
    p[VPIN_PIN_A_DAX] = flag;
    p[VPIN_PIN_A_FILE] = nested;
    return p;
}();

constexpr Policy<VPIN_LEASE_A_MAX> lease_policy = [] {
    Policy<VPIN_LEASE_A_MAX> p{};
    p[VPIN_LEASE_A_SESSION_ID] = u64;
    p[VPIN_LEASE_A_ID] = u32;
    p[VPIN_LEASE_A_TYPE] = u32;
    p[VPIN_LEASE_A_STATE] = u32;
    p[VPIN_LEASE_A_PINS] = u64;
    p[VPIN_LEASE_A_AGE_MS] = u64;
    p[VPIN_LEASE_A_BREAK_DEADLINE_MS] = u64;
    p[VPIN_LEASE_A_FILE] = nested;
    p[VPIN_LEASE_A_MAPS] = u64;
    p[VPIN_LEASE_A_REFERENCED] = u64;
    return p;
}();

constexpr Policy<VPIN_EVENT_A_MAX> event_policy = [] {
    Policy<VPIN_EVENT_A_MAX> p{};
    p[VPIN_EVENT_A_TYPE] = u32;
    p[VPIN_EVENT_A_SESSION_ID] = u64;
    p[VPIN_EVENT_A_PID] = u32;
    p[VPIN_EVENT_A_UID] = u32;
    p[VPIN_EVENT_A_OBJECT_ID] = u32;
    p[VPIN_EVENT_A_PAGES] = u64;
    p[VPIN_EVENT_A_FILE] = nested;
    return p;
}();

[[noreturn]] void malformed(const std::string &what)
{
    throw std::system_error{EBADMSG, std::generic_category(), "vpin netlink message: " + what};
}

Table<VPIN_A_MAX> parse_top(nlmsghdr *msg)
{
    Table<VPIN_A_MAX> tb{};
    if (genlmsg_parse(msg, 0, tb.data(), VPIN_A_MAX, top_policy.data()) < 0)
        malformed("bad attributes");
    return tb;
}

template <std::size_t N>
std::array<nlattr *, N> parse_nest(nlattr *nest, const std::array<nla_policy, N> &policy, const char *name)
{
    std::array<nlattr *, N> tb{};
    if (!nest)
        malformed(std::string{"no "} + name);
    if (nla_parse_nested(tb.data(), static_cast<int>(N - 1), nest, policy.data()) < 0)
        malformed(std::string{"bad attributes in "} + name);
    return tb;
}

template <typename T>
void get(T &out, const nlattr *attr)
{
    if (!attr)
        return;
    if constexpr (std::is_same_v<T, std::string>)
        out = static_cast<const char *>(nla_data(attr));
    else if constexpr (sizeof(T) == sizeof(std::uint64_t))
        out = nla_get_u64(attr);
    else
        out = nla_get_u32(attr);
}

template <typename T>
void get(std::optional<T> &out, const nlattr *attr)
{
    if (!attr)
        return;
    T value{};
    get(value, attr);
    out = value;
}

std::optional<FileRef> parse_file(nlattr *nest)
{
    if (!nest)
        return std::nullopt;
    const auto tb = parse_nest(nest, file_policy, "VPIN_*_A_FILE");
    FileRef file;
    get(file.dev, tb[VPIN_FILE_A_DEV]);
    get(file.ino, tb[VPIN_FILE_A_INO]);
    get(file.path, tb[VPIN_FILE_A_PATH]);
    return file;
}

} // namespace

Status parse_status(nlmsghdr *msg)
{
    const auto top = parse_top(msg);
    Status status;
    get(status.version, top[VPIN_A_VERSION]);
    get(status.abi, top[VPIN_A_ABI_VERSION]);
    const auto tb = parse_nest(top[VPIN_A_STATS], stats_policy, "VPIN_A_STATS");
    get(status.sessions, tb[VPIN_STATS_A_SESSIONS]);
    get(status.pins, tb[VPIN_STATS_A_PINS]);
    get(status.pinned_bytes, tb[VPIN_STATS_A_PINNED_BYTES]);
    get(status.leases, tb[VPIN_STATS_A_LEASES]);
    get(status.protected_files, tb[VPIN_STATS_A_PROTECTED_FILES]);
    get(status.orphans, tb[VPIN_STATS_A_ORPHANS]);
    get(status.maps, tb[VPIN_STATS_A_MAPS]);
    return status;
}

Session parse_session(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_SESSION], session_policy, "VPIN_A_SESSION");
    Session session;
    get(session.id, tb[VPIN_SESSION_A_ID]);
    get(session.pid, tb[VPIN_SESSION_A_PID]);
    get(session.uid, tb[VPIN_SESSION_A_UID]);
    get(session.comm, tb[VPIN_SESSION_A_COMM]);
    get(session.pins, tb[VPIN_SESSION_A_PINS]);
    get(session.pinned_bytes, tb[VPIN_SESSION_A_PINNED_BYTES]);
    get(session.leases, tb[VPIN_SESSION_A_LEASES]);
    return session;
}

Pin parse_pin(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_PIN], pin_policy, "VPIN_A_PIN");
    Pin pin;
    get(pin.session, tb[VPIN_PIN_A_SESSION_ID]);
    get(pin.id, tb[VPIN_PIN_A_ID]);
    get(pin.flags, tb[VPIN_PIN_A_FLAGS]);
    get(pin.addr, tb[VPIN_PIN_A_ADDR]);
    get(pin.length, tb[VPIN_PIN_A_LENGTH]);
    get(pin.offset, tb[VPIN_PIN_A_OFFSET]);
    get(pin.pages, tb[VPIN_PIN_A_PAGES]);
    get(pin.age_ms, tb[VPIN_PIN_A_AGE_MS]);
    pin.dax = tb[VPIN_PIN_A_DAX] != nullptr;
    pin.file = parse_file(tb[VPIN_PIN_A_FILE]);
    return pin;
}

Lease parse_lease(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_LEASE], lease_policy, "VPIN_A_LEASE");
    Lease lease;
    get(lease.session, tb[VPIN_LEASE_A_SESSION_ID]);
    get(lease.id, tb[VPIN_LEASE_A_ID]);
    get(lease.type, tb[VPIN_LEASE_A_TYPE]);
    get(lease.state, tb[VPIN_LEASE_A_STATE]);
    get(lease.pins, tb[VPIN_LEASE_A_PINS]);
    get(lease.age_ms, tb[VPIN_LEASE_A_AGE_MS]);
    get(lease.break_deadline_ms, tb[VPIN_LEASE_A_BREAK_DEADLINE_MS]);
    lease.file = parse_file(tb[VPIN_LEASE_A_FILE]);
    get(lease.maps, tb[VPIN_LEASE_A_MAPS]);
    get(lease.referenced, tb[VPIN_LEASE_A_REFERENCED]);
    return lease;
}

Event parse_event(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_EVENT], event_policy, "VPIN_A_EVENT");
    Event event;
    get(event.type, tb[VPIN_EVENT_A_TYPE]);
    get(event.session, tb[VPIN_EVENT_A_SESSION_ID]);
    get(event.pid, tb[VPIN_EVENT_A_PID]);
    get(event.uid, tb[VPIN_EVENT_A_UID]);
    get(event.id, tb[VPIN_EVENT_A_OBJECT_ID]);
    get(event.pages, tb[VPIN_EVENT_A_PAGES]);
    event.file = parse_file(tb[VPIN_EVENT_A_FILE]);
    return event;
}

} // namespace vpin
