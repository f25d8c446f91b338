// SPDX-License-Identifier: GPL-2.0
#include <vpin/fd.hpp>

#include <catch2/catch.hpp>

#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace {

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

int open_null()
{
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
}

} // namespace

TEST_CASE("Fd: a default-constructed Fd is empty")
{
    const vpin::Fd fd;
    CHECK(fd.get() == -1);
    CHECK_FALSE(fd);
}

TEST_CASE("Fd: destruction closes the descriptor")
{
    const int raw = open_null();
    {
        const vpin::Fd fd{raw};
        CHECK(fd);
        CHECK(fd.get() == raw);
    }
    CHECK_FALSE(is_open(raw));
}

TEST_CASE("Fd: move construction transfers ownership")
{
    const int raw = open_null();
    vpin::Fd from{raw};
    {
        const vpin::Fd to{std::move(from)};
        CHECK(to.get() == raw);
        CHECK(from.get() == -1);
        CHECK_FALSE(from);
        CHECK(is_open(raw));
    }
    CHECK_FALSE(is_open(raw));
}

TEST_CASE("Fd: move assignment closes the previous descriptor")
{
    const int first = open_null();
    const int second = open_null();
    vpin::Fd to{first};
    vpin::Fd from{second};

    to = std::move(from);
    CHECK_FALSE(is_open(first));
    CHECK(to.get() == second);
    CHECK(from.get() == -1);
    CHECK(is_open(second));
}

TEST_CASE("Fd: self move assignment keeps the descriptor")
{
    const int raw = open_null();
    vpin::Fd fd{raw};
    auto &same = fd;

    fd = std::move(same);
    CHECK(fd.get() == raw);
    CHECK(is_open(raw));
}

TEST_CASE("Fd: release gives up ownership without closing")
{
    const int raw = open_null();
    {
        vpin::Fd fd{raw};
        CHECK(fd.release() == raw);
        CHECK(fd.get() == -1);
    }
    CHECK(is_open(raw));
    ::close(raw);
}

TEST_CASE("Fd: reset closes the owned descriptor")
{
    const int first = open_null();
    vpin::Fd fd{first};

    SECTION("reset() leaves it empty")
    {
        fd.reset();
        CHECK_FALSE(is_open(first));
        CHECK(fd.get() == -1);
    }
    SECTION("reset(fd) takes the new descriptor")
    {
        const int second = open_null();
        fd.reset(second);
        CHECK_FALSE(is_open(first));
        CHECK(fd.get() == second);
        CHECK(is_open(second));
    }
    SECTION("reset to the owned descriptor keeps it open")
    {
        fd.reset(first);
        CHECK(fd.get() == first);
        CHECK(is_open(first));
    }
}
