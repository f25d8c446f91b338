// SPDX-License-Identifier: GPL-2.0
#include "netlink_message.hpp"

#include <vpin/parse.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <system_error>

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
