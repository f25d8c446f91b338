// SPDX-License-Identifier: GPL-2.0
#include <vpin/parse.hpp>

#include <linux/vpin.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

namespace vpin {

namespace {

// Attribute tables indexed by type, sized for one nesting level.
template <std::size_t Max>
using Table = std::array<nlattr *, Max + 1>;

template <std::size_t Max>
using Checks = std::array<nla_policy, Max + 1>;

constexpr nla_policy u32{NLA_U32, 0, 0};
constexpr nla_policy u64{NLA_U64, 0, 0};
constexpr nla_policy string{NLA_STRING, 0, 0};
constexpr nla_policy nested{NLA_NESTED, 0, 0};
constexpr nla_policy flag{NLA_FLAG, 0, 0};

constexpr Checks<VPIN_A_MAX> top_policy = [] {
    Checks<VPIN_A_MAX> p{};
    p[VPIN_A_VERSION] = string;
    p[VPIN_A_ABI_VERSION] = u32;
    p[VPIN_A_STATS] = nested;
    p[VPIN_A_SESSION_ID] = u64;
    p[VPIN_A_SESSION] = nested;
    p[VPIN_A_PIN] = nested;
    p[VPIN_A_LEASE] = nested;
    p[VPIN_A_EVENT] = nested;
    p[VPIN_A_POLICY] = nested;
    p[VPIN_A_USAGE] = nested;
    p[VPIN_A_RULE] = nested;
    return p;
}();

constexpr Checks<VPIN_STATS_A_MAX> stats_policy = [] {
    Checks<VPIN_STATS_A_MAX> p{};
    p[VPIN_STATS_A_SESSIONS] = u64;
    p[VPIN_STATS_A_PINS] = u64;
    p[VPIN_STATS_A_PINNED_BYTES] = u64;
    p[VPIN_STATS_A_LEASES] = u64;
    p[VPIN_STATS_A_PROTECTED_FILES] = u64;
    p[VPIN_STATS_A_ORPHANS] = u64;
    p[VPIN_STATS_A_MAPS] = u64;
    return p;
}();

constexpr Checks<VPIN_SESSION_A_MAX> session_policy = [] {
    Checks<VPIN_SESSION_A_MAX> p{};
    p[VPIN_SESSION_A_ID] = u64;
    p[VPIN_SESSION_A_PID] = u32;
    p[VPIN_SESSION_A_UID] = u32;
    p[VPIN_SESSION_A_COMM] = string;
    p[VPIN_SESSION_A_PINS] = u64;
    p[VPIN_SESSION_A_PINNED_BYTES] = u64;
    p[VPIN_SESSION_A_LEASES] = u64;
    return p;
}();

constexpr Checks<VPIN_FILE_A_MAX> file_policy = [] {
    Checks<VPIN_FILE_A_MAX> p{};
    p[VPIN_FILE_A_DEV] = u32;
    p[VPIN_FILE_A_INO] = u64;
    p[VPIN_FILE_A_PATH] = string;
    return p;
}();

constexpr Checks<VPIN_PIN_A_MAX> pin_policy = [] {
    Checks<VPIN_PIN_A_MAX> p{};
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

constexpr Checks<VPIN_LEASE_A_MAX> lease_policy = [] {
    Checks<VPIN_LEASE_A_MAX> p{};
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

constexpr Checks<VPIN_EVENT_A_MAX> event_policy = [] {
    Checks<VPIN_EVENT_A_MAX> p{};
    p[VPIN_EVENT_A_TYPE] = u32;
    p[VPIN_EVENT_A_SESSION_ID] = u64;
    p[VPIN_EVENT_A_PID] = u32;
    p[VPIN_EVENT_A_UID] = u32;
    p[VPIN_EVENT_A_OBJECT_ID] = u32;
    p[VPIN_EVENT_A_PAGES] = u64;
    p[VPIN_EVENT_A_FILE] = nested;
    p[VPIN_EVENT_A_COMM] = string;
    p[VPIN_EVENT_A_OPERATION] = u32;
    p[VPIN_EVENT_A_RULE] = string;
    p[VPIN_EVENT_A_ERRNO] = u32;
    p[VPIN_EVENT_A_SUPPRESSED] = u64;
    p[VPIN_EVENT_A_GENERATION] = u64;
    p[VPIN_EVENT_A_RULES] = u32;
    p[VPIN_EVENT_A_LEASE_TYPE] = u32;
    p[VPIN_EVENT_A_REASON] = u32;
    p[VPIN_EVENT_A_BREAKER_PID] = u32;
    p[VPIN_EVENT_A_BREAKER_COMM] = string;
    p[VPIN_EVENT_A_BREAK_MS] = u64;
    p[VPIN_EVENT_A_SIGNAL] = u32;
    return p;
}();

constexpr Checks<VPIN_POLICY_A_MAX> policy_checks = [] {
    Checks<VPIN_POLICY_A_MAX> p{};
    p[VPIN_POLICY_A_GENERATION] = u64;
    p[VPIN_POLICY_A_LOADED] = flag;
    p[VPIN_POLICY_A_RULES] = u32;
    p[VPIN_POLICY_A_DEFAULTS] = nested;
    return p;
}();

constexpr Checks<VPIN_RULE_A_MAX> rule_checks = [] {
    Checks<VPIN_RULE_A_MAX> p{};
    p[VPIN_RULE_A_INDEX] = u32;
    p[VPIN_RULE_A_NAME] = string;
    p[VPIN_RULE_A_USER] = u32;
    p[VPIN_RULE_A_GROUP] = u32;
    p[VPIN_RULE_A_PATH] = string;
    p[VPIN_RULE_A_ALLOW] = u32;
    p[VPIN_RULE_A_MAX_PINNED] = u64;
    p[VPIN_RULE_A_MAX_SESSIONS] = u32;
    p[VPIN_RULE_A_MAX_LEASES] = u32;
    p[VPIN_RULE_A_MAX_EXCLUSIVE] = u32;
    p[VPIN_RULE_A_BREAK_TIME_MS] = u32;
    p[VPIN_RULE_A_ON_REVOKE] = u32;
    p[VPIN_RULE_A_HITS] = u64;
    p[VPIN_RULE_A_DENIES] = u64;
    return p;
}();

constexpr Checks<VPIN_USAGE_A_MAX> usage_checks = [] {
    Checks<VPIN_USAGE_A_MAX> p{};
    p[VPIN_USAGE_A_UID] = u32;
    p[VPIN_USAGE_A_SESSIONS] = u64;
    p[VPIN_USAGE_A_PINNED_BYTES] = u64;
    p[VPIN_USAGE_A_LEASES] = u64;
    p[VPIN_USAGE_A_EXCLUSIVE] = u64;
    p[VPIN_USAGE_A_RULE] = string;
    p[VPIN_USAGE_A_MAX_PINNED] = u64;
    p[VPIN_USAGE_A_MAX_SESSIONS] = u32;
    p[VPIN_USAGE_A_MAX_LEASES] = u32;
    p[VPIN_USAGE_A_MAX_EXCLUSIVE] = u32;
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

// libnl's accessors, inlined: the walk below visits every member of 100,000
// pins.
int type_of(const nlattr *attr)
{
    return attr->nla_type & NLA_TYPE_MASK;
}

int length_of(const nlattr *attr)
{
    return attr->nla_len - NLA_HDRLEN;
}

const char *data_of(const nlattr *attr)
{
    return reinterpret_cast<const char *>(attr) + NLA_HDRLEN;
}

// Checks one attribute as nla_parse() does against its policy entry: at
// least the length of its type (a u32 4 bytes, a u64 8, a string 1) or the
// entry's minlen, at most its maxlen, and a string ends with a NUL.
bool valid(const nlattr *attr, const nla_policy &policy)
{
    unsigned int minlen = policy.minlen;
    if (!minlen) {
        switch (policy.type) {
        case NLA_U32: minlen = sizeof(std::uint32_t); break;
        case NLA_U64: minlen = sizeof(std::uint64_t); break;
        case NLA_STRING: minlen = 1; break;
        default: break;
        }
    }
    const int len = length_of(attr);
    if (len < static_cast<int>(minlen) || (policy.maxlen && len > policy.maxlen))
        return false;
    return policy.type != NLA_STRING || data_of(attr)[len - 1] == '\0';
}

// Each attribute of a stream, as nla_for_each_attr() goes: until the first
// that is not whole (nla_ok()).
template <typename On>
void each_attr(char *head, int len, On on)
{
    int rem = len;
    while (rem >= static_cast<int>(sizeof(nlattr))) {
        auto *attr = reinterpret_cast<nlattr *>(head);
        if (attr->nla_len < sizeof(nlattr) || attr->nla_len > rem)
            break;
        on(attr);
        const int total = static_cast<int>(NLA_ALIGN(attr->nla_len));
        rem -= total;
        head += total;
    }
}

// The attributes of a stream as nla_parse() checks them, without a table:
// `on(type, attr)` for each one of a type the policy knows, in order, so an
// attribute that repeats ends with its last value as nla_parse() keeps it.
// One that fails its check fails the message: "bad attributes in `nest`",
// or of the message when `nest` is null (parse_top()).
template <std::size_t N, typename On>
void walk(char *head, int len, const std::array<nla_policy, N> &policy, const char *nest, On on)
{
    each_attr(head, len, [&](nlattr *attr) {
        const int type = type_of(attr);
        if (type >= static_cast<int>(N))
            return;
        if (!valid(attr, policy[static_cast<std::size_t>(type)]))
            malformed(nest ? std::string{"bad attributes in "} + nest : "bad attributes");
        on(type, attr);
    });
}

// The members of a nest, as parse_nest() checks them.
template <std::size_t N, typename On>
void walk(nlattr *nest, const std::array<nla_policy, N> &policy, const char *name, On on)
{
    walk(reinterpret_cast<char *>(nest) + NLA_HDRLEN, length_of(nest), policy, name, on);
}

// Checked by walk(): long enough.
std::uint32_t u32_of(const nlattr *attr)
{
    std::uint32_t value = 0;
    std::memcpy(&value, data_of(attr), sizeof value);
    return value;
}

std::uint64_t u64_of(const nlattr *attr)
{
    std::uint64_t value = 0;
    std::memcpy(&value, data_of(attr), sizeof value);
    return value;
}

const char *string_of(const nlattr *attr)
{
    return data_of(attr);
}

std::optional<FileRef> parse_file(nlattr *nest)
{
    if (!nest)
        return std::nullopt;
    std::optional<FileRef> file{std::in_place};
    const nlattr *path = nullptr;
    walk(nest, file_policy, "VPIN_*_A_FILE", [&](int type, const nlattr *attr) {
        switch (type) {
        case VPIN_FILE_A_DEV: file->dev = u32_of(attr); break;
        case VPIN_FILE_A_INO: file->ino = u64_of(attr); break;
        case VPIN_FILE_A_PATH: path = attr; break;
        default: break;
        }
    });
    if (path)
        file->path = string_of(path);
    return file;
}

// A rule or the defaults. The match keys repeat; the table keeps only the
// last of each, so they are collected by walking the nest (every one of them
// was checked by parse_nest).
Rule parse_rule(nlattr *nest, const char *name)
{
    const auto tb = parse_nest(nest, rule_checks, name);
    Rule rule;
    get(rule.index, tb[VPIN_RULE_A_INDEX]);
    get(rule.name, tb[VPIN_RULE_A_NAME]);
    get(rule.allow, tb[VPIN_RULE_A_ALLOW]);
    get(rule.max_pinned, tb[VPIN_RULE_A_MAX_PINNED]);
    get(rule.max_sessions, tb[VPIN_RULE_A_MAX_SESSIONS]);
    get(rule.max_leases, tb[VPIN_RULE_A_MAX_LEASES]);
    get(rule.max_exclusive, tb[VPIN_RULE_A_MAX_EXCLUSIVE]);
    get(rule.break_time_ms, tb[VPIN_RULE_A_BREAK_TIME_MS]);
    get(rule.on_revoke, tb[VPIN_RULE_A_ON_REVOKE]);
    get(rule.hits, tb[VPIN_RULE_A_HITS]);
    get(rule.denies, tb[VPIN_RULE_A_DENIES]);
    nlattr *attr = nullptr;
    int rem = 0;
    nla_for_each_nested(attr, nest, rem) {
        switch (nla_type(attr)) {
        case VPIN_RULE_A_USER:
            rule.users.push_back(nla_get_u32(attr));
            break;
        case VPIN_RULE_A_GROUP:
            rule.groups.push_back(nla_get_u32(attr));
            break;
        case VPIN_RULE_A_PATH:
            rule.paths.emplace_back(static_cast<const char *>(nla_data(attr)));
            break;
        default:
            break;
        }
    }
    return rule;
}

[[noreturn]] void too_large()
{
    throw std::length_error{"policy: the rule set does not fit in one netlink message "
                            "(a rule, and the whole set, at most 64 KiB)"};
}

void check_put(int error)
{
    if (error < 0)
        too_large();
}

constexpr std::size_t attr_size(std::size_t payload)
{
    return NLA_ALIGN(NLA_HDRLEN + payload);
}

std::size_t rule_size(const Rule &rule)
{
    std::size_t size = NLA_HDRLEN + attr_size(rule.name.size() + 1) +
                       (rule.users.size() + rule.groups.size()) * attr_size(sizeof(std::uint32_t)) +
                       attr_size(sizeof(std::uint64_t)) + 6 * attr_size(sizeof(std::uint32_t));
    for (const auto &path : rule.paths)
        size += attr_size(path.size() + 1);
    return size;
}

void put_rule(nl_msg *msg, int type, const Rule &rule)
{
    nlattr *nest = nla_nest_start(msg, type);
    if (!nest)
        too_large();
    if (!rule.name.empty())
        check_put(nla_put_string(msg, VPIN_RULE_A_NAME, rule.name.c_str()));
    for (const auto uid : rule.users)
        check_put(nla_put_u32(msg, VPIN_RULE_A_USER, uid));
    for (const auto gid : rule.groups)
        check_put(nla_put_u32(msg, VPIN_RULE_A_GROUP, gid));
    for (const auto &path : rule.paths)
        check_put(nla_put_string(msg, VPIN_RULE_A_PATH, path.c_str()));
    if (rule.allow)
        check_put(nla_put_u32(msg, VPIN_RULE_A_ALLOW, *rule.allow));
    if (rule.max_pinned)
        check_put(nla_put_u64(msg, VPIN_RULE_A_MAX_PINNED, *rule.max_pinned));
    if (rule.max_sessions)
        check_put(nla_put_u32(msg, VPIN_RULE_A_MAX_SESSIONS, *rule.max_sessions));
    if (rule.max_leases)
        check_put(nla_put_u32(msg, VPIN_RULE_A_MAX_LEASES, *rule.max_leases));
    if (rule.max_exclusive)
        check_put(nla_put_u32(msg, VPIN_RULE_A_MAX_EXCLUSIVE, *rule.max_exclusive));
    if (rule.break_time_ms)
        check_put(nla_put_u32(msg, VPIN_RULE_A_BREAK_TIME_MS, *rule.break_time_ms));
    if (rule.on_revoke)
        check_put(nla_put_u32(msg, VPIN_RULE_A_ON_REVOKE, *rule.on_revoke));
    // Defaults without a value are still sent: they say "no limits".
    check_put(nla_nest_end_keep_empty(msg, nest));
}

} // namespace

Status parse_status(nlmsghdr *msg)
{
    const auto top = parse_top(msg);
    Status status;
    get(status.version, top[VPIN_A_VERSION]);
    get(status.abi_version, top[VPIN_A_ABI_VERSION]);
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

namespace {

// A nest that repeats is parsed once, its last one, as a table would keep it.
void pin_of(nlattr *nest, Pin &pin)
{
    nlattr *file = nullptr;
    walk(nest, pin_policy, "VPIN_A_PIN", [&](int type, nlattr *attr) {
        switch (type) {
        case VPIN_PIN_A_SESSION_ID: pin.session = u64_of(attr); break;
        case VPIN_PIN_A_ID: pin.id = u32_of(attr); break;
        case VPIN_PIN_A_FLAGS: pin.flags = u32_of(attr); break;
        case VPIN_PIN_A_ADDR: pin.addr = u64_of(attr); break;
        case VPIN_PIN_A_LENGTH: pin.length = u64_of(attr); break;
        case VPIN_PIN_A_OFFSET: pin.offset = u64_of(attr); break;
        case VPIN_PIN_A_PAGES: pin.pages = u64_of(attr); break;
        case VPIN_PIN_A_AGE_MS: pin.age_ms = u64_of(attr); break;
        case VPIN_PIN_A_DAX: pin.dax = true; break;
        case VPIN_PIN_A_FILE: file = attr; break;
        default: break;
        }
    });
    pin.file = parse_file(file);
}

void lease_of(nlattr *nest, Lease &lease)
{
    nlattr *file = nullptr;
    walk(nest, lease_policy, "VPIN_A_LEASE", [&](int type, nlattr *attr) {
        switch (type) {
        case VPIN_LEASE_A_SESSION_ID: lease.session = u64_of(attr); break;
        case VPIN_LEASE_A_ID: lease.id = u32_of(attr); break;
        case VPIN_LEASE_A_TYPE: lease.type = u32_of(attr); break;
        case VPIN_LEASE_A_STATE: lease.state = u32_of(attr); break;
        case VPIN_LEASE_A_PINS: lease.pins = u64_of(attr); break;
        case VPIN_LEASE_A_AGE_MS: lease.age_ms = u64_of(attr); break;
        case VPIN_LEASE_A_BREAK_DEADLINE_MS: lease.break_deadline_ms = u64_of(attr); break;
        case VPIN_LEASE_A_FILE: file = attr; break;
        case VPIN_LEASE_A_MAPS: lease.maps = u64_of(attr); break;
        case VPIN_LEASE_A_REFERENCED: lease.referenced = u64_of(attr); break;
        default: break;
        }
    });
    lease.file = parse_file(file);
}

// Every object nest of type `type` in a message (a dump packs as many as fit
// into one), after checking all of its attributes, appended to `out`; on
// failure `out` is left as it was.
template <typename T>
void each(nlmsghdr *msg, int type, void (*of)(nlattr *, T &), const char *name, std::vector<T> &out)
{
    // First every attribute checked, as parse_top() does.
    if (!genlmsg_valid_hdr(msg, 0))
        malformed("bad attributes");
    auto *genl = static_cast<genlmsghdr *>(nlmsg_data(msg));
    auto *head = reinterpret_cast<char *>(genlmsg_attrdata(genl, 0));
    const int len = genlmsg_attrlen(genl, 0);
    walk(head, len, top_policy, nullptr, [](int, nlattr *) {});

    const std::size_t before = out.size();
    try {
        each_attr(head, len, [&](nlattr *attr) {
            if (type_of(attr) == type)
                of(attr, out.emplace_back());
        });
    } catch (...) {
        out.resize(before);
        throw;
    }
    if (out.size() == before)
        malformed(std::string{"no "} + name);
}

} // namespace

std::vector<Pin> parse_pins(nlmsghdr *msg)
{
    std::vector<Pin> pins;
    parse_pins(msg, pins);
    return pins;
}

std::vector<Lease> parse_leases(nlmsghdr *msg)
{
    std::vector<Lease> leases;
    parse_leases(msg, leases);
    return leases;
}

void parse_pins(nlmsghdr *msg, std::vector<Pin> &out)
{
    each(msg, VPIN_A_PIN, pin_of, "VPIN_A_PIN", out);
}

void parse_leases(nlmsghdr *msg, std::vector<Lease> &out)
{
    each(msg, VPIN_A_LEASE, lease_of, "VPIN_A_LEASE", out);
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
    get(event.comm, tb[VPIN_EVENT_A_COMM]);
    get(event.operation, tb[VPIN_EVENT_A_OPERATION]);
    get(event.rule, tb[VPIN_EVENT_A_RULE]);
    get(event.error, tb[VPIN_EVENT_A_ERRNO]);
    get(event.suppressed, tb[VPIN_EVENT_A_SUPPRESSED]);
    get(event.generation, tb[VPIN_EVENT_A_GENERATION]);
    get(event.rules, tb[VPIN_EVENT_A_RULES]);
    get(event.lease_type, tb[VPIN_EVENT_A_LEASE_TYPE]);
    get(event.reason, tb[VPIN_EVENT_A_REASON]);
    get(event.breaker_pid, tb[VPIN_EVENT_A_BREAKER_PID]);
    get(event.breaker_comm, tb[VPIN_EVENT_A_BREAKER_COMM]);
    get(event.break_ms, tb[VPIN_EVENT_A_BREAK_MS]);
    get(event.signal, tb[VPIN_EVENT_A_SIGNAL]);
    return event;
}

Usage parse_usage(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_USAGE], usage_checks, "VPIN_A_USAGE");
    Usage usage;
    get(usage.uid, tb[VPIN_USAGE_A_UID]);
    get(usage.sessions, tb[VPIN_USAGE_A_SESSIONS]);
    get(usage.pinned_bytes, tb[VPIN_USAGE_A_PINNED_BYTES]);
    get(usage.leases, tb[VPIN_USAGE_A_LEASES]);
    get(usage.exclusive, tb[VPIN_USAGE_A_EXCLUSIVE]);
    get(usage.rule, tb[VPIN_USAGE_A_RULE]);
    get(usage.max_pinned, tb[VPIN_USAGE_A_MAX_PINNED]);
    get(usage.max_sessions, tb[VPIN_USAGE_A_MAX_SESSIONS]);
    get(usage.max_leases, tb[VPIN_USAGE_A_MAX_LEASES]);
    get(usage.max_exclusive, tb[VPIN_USAGE_A_MAX_EXCLUSIVE]);
    return usage;
}

std::uint64_t parse_generation(nlmsghdr *msg)
{
    const auto tb = parse_nest(parse_top(msg)[VPIN_A_POLICY], policy_checks, "VPIN_A_POLICY");
    if (!tb[VPIN_POLICY_A_GENERATION])
        malformed("no VPIN_POLICY_A_GENERATION");
    return nla_get_u64(tb[VPIN_POLICY_A_GENERATION]);
}

void PolicyDump::add(nlmsghdr *msg)
{
    const auto top = parse_top(msg);
    const auto tb = parse_nest(top[VPIN_A_POLICY], policy_checks, "VPIN_A_POLICY");
    std::uint64_t generation = 0;
    get(generation, tb[VPIN_POLICY_A_GENERATION]);

    if (!top[VPIN_A_RULE]) {
        if (state_)
            malformed("VPIN_A_POLICY without a rule after the first message");
        PolicyState state;
        state.generation = generation;
        state.loaded = tb[VPIN_POLICY_A_LOADED] != nullptr;
        get(announced_, tb[VPIN_POLICY_A_RULES]);
        if (tb[VPIN_POLICY_A_DEFAULTS])
            state.policy.defaults = parse_rule(tb[VPIN_POLICY_A_DEFAULTS], "VPIN_POLICY_A_DEFAULTS");
        state_ = std::move(state);
        return;
    }

    if (!state_)
        malformed("VPIN_A_RULE before the first message");
    if (generation != state_->generation)
        replaced_ = true;
    if (replaced_)
        return; // what follows belongs to another set
    Rule rule = parse_rule(top[VPIN_A_RULE], "VPIN_A_RULE");
    auto &rules = state_->policy.rules;
    if (!rules.empty() && rule.index == rules.back().index) {
        // The same rule again: the paths that did not fit before.
        auto &paths = rules.back().paths;
        paths.insert(paths.end(), std::make_move_iterator(rule.paths.begin()),
                     std::make_move_iterator(rule.paths.end()));
        return;
    }
    if (rule.index != rules.size())
        malformed("rule " + std::to_string(rule.index) + " where rule " +
                  std::to_string(rules.size()) + " was due");
    rules.push_back(std::move(rule));
}

PolicyState PolicyDump::result() const
{
    if (!state_)
        malformed("no VPIN_A_POLICY");
    if (state_->policy.rules.size() != announced_)
        malformed(std::to_string(announced_) + " rules announced, " +
                  std::to_string(state_->policy.rules.size()) + " received");
    return *state_;
}

std::size_t policy_message_size(const Policy &policy)
{
    std::size_t size = NLMSG_HDRLEN + GENL_HDRLEN + 2 * NLA_HDRLEN + rule_size(policy.defaults);
    for (const auto &rule : policy.rules)
        size += rule_size(rule);
    return size;
}

void put_policy(nl_msg *msg, const Policy &policy)
{
    nlattr *nest = nla_nest_start(msg, VPIN_A_POLICY);
    if (!nest)
        too_large();
    put_rule(msg, VPIN_POLICY_A_DEFAULTS, policy.defaults);
    check_put(nla_nest_end(msg, nest));
    // Top-level: the set as a whole may outgrow one attribute's 64 KiB.
    for (const auto &rule : policy.rules)
        put_rule(msg, VPIN_A_RULE, rule);
}

} // namespace vpin
