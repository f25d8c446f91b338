// SPDX-License-Identifier: GPL-2.0
#include "netlink_message.hpp"
#include "pin_dump.hpp"

#include <vpin/parse.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <system_error>
#include <tuple>
#include <vector>

namespace {

// Attribute types no version of the header defines.
constexpr int unknown_top = VPIN_A_MAX + 7;
constexpr int unknown_member = 60;

void file(test::Message &msg, int type, std::uint32_t dev, std::uint64_t ino, const char *path)
{
    msg.begin(type)
        .u32(VPIN_FILE_A_DEV, dev)
        .u64(VPIN_FILE_A_INO, ino)
        .string(VPIN_FILE_A_PATH, path)
        .u64(unknown_member, 1)
        .end();
}

void check_errno(void (*parse)(nlmsghdr *), nlmsghdr *hdr, std::errc expected)
{
    try {
        parse(hdr);
        FAIL("parsed");
    } catch (const std::system_error &e) {
        CHECK(e.code() == expected);
    }
}

} // namespace

TEST_CASE("parse_status: version, ABI and totals; unknown attributes are skipped")
{
    test::Message msg{VPIN_CMD_GET_STATUS};
    msg.string(VPIN_A_VERSION, "0.1.0")
        .u32(VPIN_A_ABI_VERSION, 1)
        .u64(unknown_top, 99)
        .begin(VPIN_A_STATS)
        .u64(VPIN_STATS_A_SESSIONS, 2)
        .u64(VPIN_STATS_A_PINS, 3)
        .u64(unknown_member, 77)
        .u64(VPIN_STATS_A_PINNED_BYTES, 65536)
        .u64(VPIN_STATS_A_LEASES, 1)
        .u64(VPIN_STATS_A_PROTECTED_FILES, 1)
        .end();

    const auto status = vpin::parse_status(msg.hdr());
    CHECK(status.version == "0.1.0");
    CHECK(status.abi_version == 1);
    CHECK(status.sessions == 2);
    CHECK(status.pins == 3);
    CHECK(status.pinned_bytes == 65536);
    CHECK(status.leases == 1);
    CHECK(status.protected_files == 1);
}

TEST_CASE("parse_session: every member")
{
    test::Message msg{VPIN_CMD_GET_SESSIONS};
    msg.begin(VPIN_A_SESSION)
        .u64(VPIN_SESSION_A_ID, 5)
        .u32(VPIN_SESSION_A_PID, 1234)
        .u32(VPIN_SESSION_A_UID, 1000)
        .string(VPIN_SESSION_A_COMM, "rdma-app")
        .u64(VPIN_SESSION_A_PINS, 2)
        .u64(VPIN_SESSION_A_PINNED_BYTES, 8192)
        .u64(VPIN_SESSION_A_LEASES, 1)
        .string(unknown_member, "from the future")
        .end();

    const auto session = vpin::parse_session(msg.hdr());
    CHECK(session.id == 5);
    CHECK(session.pid == 1234);
    CHECK(session.uid == 1000);
    CHECK(session.comm == "rdma-app");
    CHECK(session.pins == 2);
    CHECK(session.pinned_bytes == 8192);
    CHECK(session.leases == 1);
}

TEST_CASE("parse_pins: a file-backed DAX pin")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.begin(VPIN_A_PIN)
        .u64(VPIN_PIN_A_SESSION_ID, 3)
        .u32(VPIN_PIN_A_ID, 7)
        .u32(VPIN_PIN_A_FLAGS, VPIN_PIN_F_WRITE)
        .u64(VPIN_PIN_A_ADDR, 0x7f0000000000)
        .u64(VPIN_PIN_A_LENGTH, 65536)
        .u64(VPIN_PIN_A_OFFSET, 4096)
        .u64(VPIN_PIN_A_PAGES, 16)
        .u64(VPIN_PIN_A_AGE_MS, 1500)
        .flag(VPIN_PIN_A_DAX)
        .u32(unknown_member, 1);
    file(msg, VPIN_PIN_A_FILE, 259u << 20 | 1, 12, "/mnt/e/f");
    msg.end();

    const auto pins = vpin::parse_pins(msg.hdr());
    REQUIRE(pins.size() == 1);
    const auto &pin = pins[0];
    CHECK(pin.session == 3);
    CHECK(pin.id == 7);
    CHECK(pin.flags == VPIN_PIN_F_WRITE);
    CHECK(pin.addr == 0x7f0000000000);
    CHECK(pin.length == 65536);
    CHECK(pin.offset == 4096);
    CHECK(pin.pages == 16);
    CHECK(pin.age_ms == 1500);
    CHECK(pin.dax);
    REQUIRE(pin.file);
    CHECK(pin.file->dev == (259u << 20 | 1));
    CHECK(pin.file->ino == 12);
    CHECK(pin.file->path == "/mnt/e/f");
}

TEST_CASE("parse_pins: anonymous memory has no file")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.begin(VPIN_A_PIN).u64(VPIN_PIN_A_SESSION_ID, 1).u32(VPIN_PIN_A_ID, 2).end();

    const auto pins = vpin::parse_pins(msg.hdr());
    REQUIRE(pins.size() == 1);
    CHECK(pins[0].id == 2);
    CHECK_FALSE(pins[0].dax);
    CHECK_FALSE(pins[0].file);
}

TEST_CASE("parse_pins: a message holds many pins, in order, among unknown attributes")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    for (std::uint32_t id = 1; id <= 100; id++) {
        msg.begin(VPIN_A_PIN).u64(VPIN_PIN_A_SESSION_ID, 4).u32(VPIN_PIN_A_ID, id).end();
        if (id == 50)
            msg.u64(unknown_top, 1);
    }
    const auto pins = vpin::parse_pins(msg.hdr());
    REQUIRE(pins.size() == 100);
    for (std::uint32_t i = 0; i < 100; i++) {
        CHECK(pins[i].session == 4);
        CHECK(pins[i].id == i + 1);
    }
}

TEST_CASE("parse_pins, parse_leases: one malformed object fails the whole message")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.begin(VPIN_A_PIN).u64(VPIN_PIN_A_SESSION_ID, 1).u32(VPIN_PIN_A_ID, 1).end();
    msg.begin(VPIN_A_PIN).u32(VPIN_PIN_A_SESSION_ID, 1).end(); // u64 expected
    check_errno([](nlmsghdr *h) { (void)vpin::parse_pins(h); }, msg.hdr(), std::errc::bad_message);
    test::Message leases{VPIN_CMD_GET_LEASES};
    leases.begin(VPIN_A_LEASE).u32(VPIN_LEASE_A_ID, 1).end();
    leases.begin(VPIN_A_LEASE).u32(VPIN_LEASE_A_SESSION_ID, 2).end(); // u64 expected
    check_errno([](nlmsghdr *h) { (void)vpin::parse_leases(h); }, leases.hdr(),
                std::errc::bad_message);
}

TEST_CASE("parse_leases: a breaking lease has a deadline")
{
    test::Message msg{VPIN_CMD_GET_LEASES};
    msg.begin(VPIN_A_LEASE)
        .u64(VPIN_LEASE_A_SESSION_ID, 3)
        .u32(VPIN_LEASE_A_ID, 1)
        .u32(VPIN_LEASE_A_TYPE, VPIN_LEASE_EXCLUSIVE)
        .u32(VPIN_LEASE_A_STATE, VPIN_LEASE_STATE_BREAKING)
        .u64(VPIN_LEASE_A_PINS, 2)
        .u64(VPIN_LEASE_A_AGE_MS, 10)
        .u64(VPIN_LEASE_A_BREAK_DEADLINE_MS, 45000);
    file(msg, VPIN_LEASE_A_FILE, 8u << 20 | 3, 99, "/mnt/x/f");
    msg.end();

    const auto leases = vpin::parse_leases(msg.hdr());
    REQUIRE(leases.size() == 1);
    const auto &lease = leases[0];
    CHECK(lease.session == 3);
    CHECK(lease.id == 1);
    CHECK(lease.type == VPIN_LEASE_EXCLUSIVE);
    CHECK(lease.state == VPIN_LEASE_STATE_BREAKING);
    CHECK(lease.pins == 2);
    CHECK(lease.age_ms == 10);
    CHECK(lease.break_deadline_ms == 45000u);
    REQUIRE(lease.file);
    CHECK(lease.file->path == "/mnt/x/f");
}

TEST_CASE("parse_event: present members only, unknown types kept")
{
    test::Message msg{VPIN_CMD_EVENT};
    msg.begin(VPIN_A_EVENT)
        .u32(VPIN_EVENT_A_TYPE, 42)
        .u64(VPIN_EVENT_A_SESSION_ID, 3)
        .u32(VPIN_EVENT_A_PID, 123)
        .u32(VPIN_EVENT_A_UID, 0)
        .u32(VPIN_EVENT_A_OBJECT_ID, 7)
        .u64(unknown_member, 5)
        .end();

    const auto event = vpin::parse_event(msg.hdr());
    CHECK(event.type == 42);
    CHECK(event.session == 3u);
    CHECK(event.pid == 123u);
    CHECK(event.uid == 0u);
    CHECK(event.id == 7u);
    CHECK_FALSE(event.pages);
    CHECK_FALSE(event.file);
}

TEST_CASE("parsers: a missing object nest is EBADMSG")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.u64(VPIN_A_SESSION_ID, 1);
    check_errno([](nlmsghdr *h) { (void)vpin::parse_pins(h); }, msg.hdr(), std::errc::bad_message);
    check_errno([](nlmsghdr *h) { (void)vpin::parse_status(h); }, msg.hdr(), std::errc::bad_message);
}

TEST_CASE("parsers: a member of the wrong size is EBADMSG")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.begin(VPIN_A_PIN).u32(VPIN_PIN_A_SESSION_ID, 1).end(); // u64 expected
    check_errno([](nlmsghdr *h) { (void)vpin::parse_pins(h); }, msg.hdr(), std::errc::bad_message);
}

namespace {

bool same(const std::optional<vpin::FileRef> &a, const std::optional<vpin::FileRef> &b)
{
    if (!a || !b)
        return !a && !b;
    return a->dev == b->dev && a->ino == b->ino && a->path == b->path;
}

bool same(const vpin::Pin &a, const vpin::Pin &b)
{
    return std::tie(a.session, a.id, a.flags, a.addr, a.length, a.offset, a.pages, a.age_ms, a.dax) ==
               std::tie(b.session, b.id, b.flags, b.addr, b.length, b.offset, b.pages, b.age_ms, b.dax) &&
           same(a.file, b.file);
}

bool same(const vpin::Lease &a, const vpin::Lease &b)
{
    return std::tie(a.session, a.id, a.type, a.state, a.pins, a.age_ms, a.break_deadline_ms, a.maps,
                    a.referenced) == std::tie(b.session, b.id, b.type, b.state, b.pins, b.age_ms,
                                              b.break_deadline_ms, b.maps, b.referenced) &&
           same(a.file, b.file);
}

// The reference: libnl's nla_parse() with a policy table per nest, as the
// attributes of pins and leases were once parsed.
namespace reference {

template <std::size_t Max>
using Table = std::array<nlattr *, Max + 1>;

[[noreturn]] void bad()
{
    throw std::system_error{EBADMSG, std::generic_category()};
}

template <std::size_t Max>
Table<Max> nested(nlattr *nest, const std::array<nla_policy, Max + 1> &policy)
{
    Table<Max> tb{};
    if (nla_parse_nested(tb.data(), static_cast<int>(Max), nest, policy.data()) < 0)
        bad();
    return tb;
}

std::uint64_t u64(const nlattr *attr, std::uint64_t otherwise = 0)
{
    return attr ? nla_get_u64(attr) : otherwise;
}

std::uint32_t u32(const nlattr *attr)
{
    return attr ? nla_get_u32(attr) : 0;
}

std::optional<vpin::FileRef> file(nlattr *nest)
{
    if (!nest)
        return std::nullopt;
    std::array<nla_policy, VPIN_FILE_A_MAX + 1> policy{};
    policy[VPIN_FILE_A_DEV] = {NLA_U32, 0, 0};
    policy[VPIN_FILE_A_INO] = {NLA_U64, 0, 0};
    policy[VPIN_FILE_A_PATH] = {NLA_STRING, 0, 0};
    const auto tb = nested<VPIN_FILE_A_MAX>(nest, policy);
    vpin::FileRef ref{u32(tb[VPIN_FILE_A_DEV]), u64(tb[VPIN_FILE_A_INO]), {}};
    if (tb[VPIN_FILE_A_PATH])
        ref.path = static_cast<const char *>(nla_data(tb[VPIN_FILE_A_PATH]));
    return ref;
}

vpin::Pin pin(nlattr *nest)
{
    std::array<nla_policy, VPIN_PIN_A_MAX + 1> policy{};
    for (const int type : {VPIN_PIN_A_SESSION_ID, VPIN_PIN_A_ADDR, VPIN_PIN_A_LENGTH, VPIN_PIN_A_OFFSET,
                           VPIN_PIN_A_PAGES, VPIN_PIN_A_AGE_MS})
        policy[static_cast<std::size_t>(type)] = {NLA_U64, 0, 0};
    policy[VPIN_PIN_A_ID] = policy[VPIN_PIN_A_FLAGS] = {NLA_U32, 0, 0};
    policy[VPIN_PIN_A_DAX] = {NLA_FLAG, 0, 0};
    policy[VPIN_PIN_A_FILE] = {NLA_NESTED, 0, 0};
    const auto tb = nested<VPIN_PIN_A_MAX>(nest, policy);
    vpin::Pin p;
    p.session = u64(tb[VPIN_PIN_A_SESSION_ID]);
    p.id = u32(tb[VPIN_PIN_A_ID]);
    p.flags = u32(tb[VPIN_PIN_A_FLAGS]);
    p.addr = u64(tb[VPIN_PIN_A_ADDR]);
    p.length = u64(tb[VPIN_PIN_A_LENGTH]);
    p.offset = u64(tb[VPIN_PIN_A_OFFSET]);
    p.pages = u64(tb[VPIN_PIN_A_PAGES]);
    p.age_ms = u64(tb[VPIN_PIN_A_AGE_MS]);
    p.dax = tb[VPIN_PIN_A_DAX] != nullptr;
    p.file = file(tb[VPIN_PIN_A_FILE]);
    return p;
}

vpin::Lease lease(nlattr *nest)
{
    std::array<nla_policy, VPIN_LEASE_A_MAX + 1> policy{};
    for (const int type : {VPIN_LEASE_A_SESSION_ID, VPIN_LEASE_A_PINS, VPIN_LEASE_A_AGE_MS,
                           VPIN_LEASE_A_BREAK_DEADLINE_MS, VPIN_LEASE_A_MAPS, VPIN_LEASE_A_REFERENCED})
        policy[static_cast<std::size_t>(type)] = {NLA_U64, 0, 0};
    policy[VPIN_LEASE_A_ID] = policy[VPIN_LEASE_A_TYPE] = policy[VPIN_LEASE_A_STATE] = {NLA_U32, 0, 0};
    policy[VPIN_LEASE_A_FILE] = {NLA_NESTED, 0, 0};
    const auto tb = nested<VPIN_LEASE_A_MAX>(nest, policy);
    vpin::Lease l;
    l.session = u64(tb[VPIN_LEASE_A_SESSION_ID]);
    l.id = u32(tb[VPIN_LEASE_A_ID]);
    l.type = u32(tb[VPIN_LEASE_A_TYPE]);
    l.state = u32(tb[VPIN_LEASE_A_STATE]);
    l.pins = u64(tb[VPIN_LEASE_A_PINS]);
    l.age_ms = u64(tb[VPIN_LEASE_A_AGE_MS]);
    if (tb[VPIN_LEASE_A_BREAK_DEADLINE_MS])
        l.break_deadline_ms = u64(tb[VPIN_LEASE_A_BREAK_DEADLINE_MS]);
    l.file = file(tb[VPIN_LEASE_A_FILE]);
    l.maps = u64(tb[VPIN_LEASE_A_MAPS]);
    if (tb[VPIN_LEASE_A_REFERENCED])
        l.referenced = u64(tb[VPIN_LEASE_A_REFERENCED]);
    return l;
}

// What parse_pins() or parse_leases() must make of a message: its objects,
// or nothing when it is malformed.
template <typename T>
std::optional<std::vector<T>> objects(nlmsghdr *msg, int type, T (*of)(nlattr *))
{
    std::array<nla_policy, VPIN_A_MAX + 1> policy{};
    policy[VPIN_A_VERSION] = {NLA_STRING, 0, 0};
    policy[VPIN_A_ABI_VERSION] = {NLA_U32, 0, 0};
    policy[VPIN_A_SESSION_ID] = {NLA_U64, 0, 0};
    for (const int nest : {VPIN_A_STATS, VPIN_A_SESSION, VPIN_A_PIN, VPIN_A_LEASE, VPIN_A_EVENT,
                           VPIN_A_POLICY, VPIN_A_USAGE, VPIN_A_RULE})
        policy[static_cast<std::size_t>(nest)] = {NLA_NESTED, 0, 0};
    Table<VPIN_A_MAX> tb{};
    if (genlmsg_parse(msg, 0, tb.data(), VPIN_A_MAX, policy.data()) < 0)
        return std::nullopt;
    auto *genl = static_cast<genlmsghdr *>(nlmsg_data(msg));
    std::vector<T> out;
    nlattr *attr = nullptr;
    int rem = 0;
    try {
        nla_for_each_attr(attr, genlmsg_attrdata(genl, 0), genlmsg_attrlen(genl, 0), rem) {
            if (nla_type(attr) == type)
                out.push_back(of(attr));
        }
    } catch (const std::system_error &) {
        return std::nullopt;
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

} // namespace reference

template <typename T>
std::optional<std::vector<T>> parsed(nlmsghdr *msg, void (*parse)(nlmsghdr *, std::vector<T> &))
{
    std::vector<T> out(1); // what was there before stays
    try {
        parse(msg, out);
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::bad_message);
        CHECK(out.size() == 1);
        return std::nullopt;
    }
    out.erase(out.begin());
    return out;
}

template <typename T>
bool agree(const std::optional<std::vector<T>> &a, const std::optional<std::vector<T>> &b)
{
    if (!a || !b)
        return !a && !b;
    return std::equal(a->begin(), a->end(), b->begin(), b->end(),
                      [](const T &x, const T &y) { return same(x, y); });
}

// A copy of the message with `count` bytes past the generic netlink header
// set to random values (xorshift, from `seed`).
std::vector<unsigned char> mutated(const nlmsghdr *msg, std::uint64_t seed, int count)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(msg);
    std::vector<unsigned char> copy(bytes, bytes + msg->nlmsg_len);
    const std::size_t start = NLMSG_HDRLEN + GENL_HDRLEN;
    for (int i = 0; i < count; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        const std::size_t at = start + seed % (copy.size() - start);
        // Small values hit types, lengths and NULs more often than any byte would.
        copy[at] = static_cast<unsigned char>(seed >> 32 & 1 ? (seed >> 40) % 16 : seed >> 48);
    }
    return copy;
}

} // namespace

TEST_CASE("parse_pins: a dump as the module packs it gives back its pins")
{
    const auto pins = test::synthetic_pins(3000, 9);
    const auto messages = test::pin_dump(pins);
    REQUIRE(messages.size() > 1);
    std::vector<vpin::Pin> out;
    for (const auto &msg : messages)
        vpin::parse_pins(nlmsg_hdr(msg.get()), out);
    REQUIRE(out.size() == pins.size());
    for (std::size_t i = 0; i < pins.size(); i++) {
        INFO("pin " << i);
        CHECK(same(out[i], pins[i]));
    }
}

TEST_CASE("parse_pins: a member that repeats keeps its last value; a file nest too")
{
    test::Message msg{VPIN_CMD_GET_PINS};
    msg.begin(VPIN_A_PIN).u32(VPIN_PIN_A_ID, 1).u32(VPIN_PIN_A_ID, 2).u64(VPIN_PIN_A_PAGES, 3);
    msg.begin(VPIN_PIN_A_FILE).u32(VPIN_FILE_A_DEV, 1).string(VPIN_FILE_A_PATH, "/a").end();
    msg.begin(VPIN_PIN_A_FILE).u64(VPIN_FILE_A_INO, 5).end();
    msg.end();
    const auto pins = vpin::parse_pins(msg.hdr());
    REQUIRE(pins.size() == 1);
    CHECK(pins[0].id == 2);
    CHECK(pins[0].pages == 3);
    REQUIRE(pins[0].file);
    CHECK(pins[0].file->dev == 0);
    CHECK(pins[0].file->ino == 5);
    CHECK(pins[0].file->path.empty());
}

TEST_CASE("parse_pins: a path without its NUL, an empty string, a short number are EBADMSG")
{
    const char unterminated[] = {'/', 'a'};
    const auto bad_file = [](auto &&fill) {
        test::Message msg{VPIN_CMD_GET_PINS};
        msg.begin(VPIN_A_PIN).u32(VPIN_PIN_A_ID, 1).begin(VPIN_PIN_A_FILE);
        fill(msg);
        msg.end().end();
        check_errno([](nlmsghdr *h) { (void)vpin::parse_pins(h); }, msg.hdr(), std::errc::bad_message);
    };
    bad_file([&](test::Message &m) { m.bytes(VPIN_FILE_A_PATH, unterminated, sizeof unterminated); });
    bad_file([](test::Message &m) { m.bytes(VPIN_FILE_A_PATH, "", 0); });
    bad_file([](test::Message &m) { m.u32(VPIN_FILE_A_INO, 1); });
    const std::uint16_t two = 2;
    bad_file([&](test::Message &m) { m.bytes(VPIN_FILE_A_DEV, &two, sizeof two); });
}

TEST_CASE("parse_pins, parse_leases: mutated messages fail or parse as nla_parse() with the policy does")
{
    auto pins = test::synthetic_pins(12, 2);
    pins[3].file->path = "/x";
    const auto pin_messages = test::pin_dump(pins);
    REQUIRE(pin_messages.size() == 1);

    test::Message leases{VPIN_CMD_GET_LEASES};
    for (std::uint32_t id = 1; id <= 4; id++) {
        leases.begin(VPIN_A_LEASE)
            .u64(VPIN_LEASE_A_SESSION_ID, 2)
            .u32(VPIN_LEASE_A_ID, id)
            .u32(VPIN_LEASE_A_TYPE, VPIN_LEASE_BREAKABLE)
            .u32(VPIN_LEASE_A_STATE, id == 2 ? VPIN_LEASE_STATE_BREAKING : VPIN_LEASE_STATE_ORPHANED)
            .u64(VPIN_LEASE_A_BREAK_DEADLINE_MS, 40)
            .u64(VPIN_LEASE_A_MAPS, 1)
            .u64(VPIN_LEASE_A_REFERENCED, 8)
            .u64(VPIN_LEASE_A_PINS, 3)
            .u64(VPIN_LEASE_A_AGE_MS, 9);
        file(leases, VPIN_LEASE_A_FILE, 8u << 20 | 3, 99, "/mnt/x/f");
        leases.end();
    }

    std::size_t failed = 0;
    std::size_t passed = 0;
    for (std::uint64_t seed = 1; seed <= 3000; seed++) {
        const int count = 1 + static_cast<int>(seed % 4);
        auto pin_bytes = mutated(nlmsg_hdr(pin_messages[0].get()), seed * 0x9e3779b97f4a7c15, count);
        auto *pin_msg = reinterpret_cast<nlmsghdr *>(pin_bytes.data());
        const auto expected_pins = reference::objects(pin_msg, VPIN_A_PIN, reference::pin);
        INFO("seed " << seed);
        CHECK(agree(parsed<vpin::Pin>(pin_msg, vpin::parse_pins), expected_pins));
        auto lease_bytes = mutated(leases.hdr(), seed * 0xbf58476d1ce4e5b9, count);
        auto *lease_msg = reinterpret_cast<nlmsghdr *>(lease_bytes.data());
        const auto expected_leases = reference::objects(lease_msg, VPIN_A_LEASE, reference::lease);
        CHECK(agree(parsed<vpin::Lease>(lease_msg, vpin::parse_leases), expected_leases));
        (expected_pins ? passed : failed)++;
        (expected_leases ? passed : failed)++;
    }
    // Both kinds of outcome were tried, many times.
    CHECK(failed > 200);
    CHECK(passed > 2000);
}
