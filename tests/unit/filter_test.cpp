// SPDX-License-Identifier: GPL-2.0
#include <vpin/filter.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace {

vpin::Event event(std::uint32_t type, std::optional<std::uint32_t> uid, std::optional<vpin::FileRef> file)
{
    vpin::Event e;
    e.type = type;
    e.uid = uid;
    e.file = std::move(file);
    return e;
}

const vpin::FileRef f{259u << 20, 12, "/mnt/e/f"};

} // namespace

TEST_CASE("EventFilter: nothing set passes everything")
{
    const vpin::EventFilter all;
    CHECK(all.matches(event(VPIN_EVENT_PIN, 0, f)));
    CHECK(all.matches(event(VPIN_EVENT_PROTECT_OFF, std::nullopt, std::nullopt)));
    CHECK(all.matches(event(99, std::nullopt, std::nullopt)));
}

TEST_CASE("EventFilter: types, uid and file must all pass")
{
    vpin::EventFilter filter;
    filter.types = {VPIN_EVENT_PIN, VPIN_EVENT_UNPIN};
    CHECK(filter.matches(event(VPIN_EVENT_UNPIN, 1000, f)));
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_LEASE_GRANTED, 1000, f)));

    filter.uid = 1000;
    CHECK(filter.matches(event(VPIN_EVENT_PIN, 1000, f)));
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_PIN, 0, f)));
    // Events without a uid do not pass a uid filter.
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_PIN, std::nullopt, f)));

    filter.file = vpin::FileRef{0, 0, "/mnt/e/f"};
    CHECK(filter.matches(event(VPIN_EVENT_PIN, 1000, f)));
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_PIN, 1000, vpin::FileRef{259u << 20, 13, "/mnt/e/g"})));
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_PIN, 1000, std::nullopt)));
}

TEST_CASE("EventFilter: a file matches by path, or by device and inode without one")
{
    vpin::EventFilter filter;
    filter.file = vpin::FileRef{259u << 20, 12, "/mnt/e/f"};
    // Released by an exiting process: no path, the same inode.
    CHECK(filter.matches(event(VPIN_EVENT_UNPIN, 0, vpin::FileRef{259u << 20, 12, ""})));
    // Renamed since.
    CHECK(filter.matches(event(VPIN_EVENT_UNPIN, 0, vpin::FileRef{259u << 20, 12, "/mnt/e/g"})));
    CHECK_FALSE(filter.matches(event(VPIN_EVENT_UNPIN, 0, vpin::FileRef{259u << 20 | 1, 12, ""})));
}

TEST_CASE("file_ref: absolute path, device as the kernel encodes it, inode")
{
    const auto self = std::filesystem::canonical("/proc/self/exe");
    const auto ref = vpin::file_ref(self);
    struct stat st {};
    REQUIRE(::stat(self.c_str(), &st) == 0);
    CHECK(ref.path == self.string());
    CHECK(ref.dev == (major(st.st_dev) << 20 | minor(st.st_dev)));
    CHECK(ref.ino == st.st_ino);

    const auto missing = vpin::file_ref("/nonexistent/dir/../file");
    CHECK(missing.path == "/nonexistent/file");
    CHECK(missing.dev == 0);
    CHECK(missing.ino == 0);
}

TEST_CASE("parse_event_types: names as types, unknown ones refused")
{
    CHECK(vpin::parse_event_types("pin") == std::vector<std::uint32_t>{VPIN_EVENT_PIN});
    CHECK(vpin::parse_event_types("pin,lease-break,policy-denied") ==
          std::vector<std::uint32_t>{VPIN_EVENT_PIN, VPIN_EVENT_LEASE_BREAK, VPIN_EVENT_POLICY_DENIED});
    CHECK(vpin::parse_event_types("").empty());
    CHECK_THROWS_WITH(vpin::parse_event_types("pin,bogus"),
                      Catch::StartsWith("'bogus' is not an event; the events are pin, unpin, "));
    CHECK_THROWS_AS(vpin::parse_event_types(",pin"), std::invalid_argument);
}
