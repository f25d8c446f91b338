// SPDX-License-Identifier: GPL-2.0
// libvpin's answers where no module is needed: descriptors that are not
// open, files that are not a vpin session, arguments the library refuses
// itself, and a module of another ABI version (a fake version reply).
#include <vpin.h>

#include "internal.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

// Owns a descriptor for a test.
struct Descriptor {
    explicit Descriptor(int descriptor) : fd{descriptor} { REQUIRE(fd >= 0); }
    Descriptor(const Descriptor &) = delete;
    Descriptor &operator=(const Descriptor &) = delete;
    ~Descriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
    int fd;
};

// A regular file of the test's own, removed afterwards.
struct RegularFile {
    RegularFile()
        : path{std::filesystem::temp_directory_path() /
               ("vpin-unit-libvpin-" + std::to_string(::getpid()))},
          fd{::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)}
    {
    }
    ~RegularFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
    Descriptor fd;
};

// The number of descriptors this process has open.
std::size_t open_descriptors()
{
    std::size_t n = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator{"/proc/self/fd"})
        n++;
    return n;
}

bool is_open(int fd)
{
    return ::fcntl(fd, F_GETFD) >= 0;
}

constexpr std::uint64_t untouched = 0x5eed;
constexpr int untouched_fd = -77;

// Every function but vpin_close() on `session`, with arguments the library
// accepts: each must fail with -err and write nothing.
void every_function_fails(int session, int err)
{
    static char page[4096];
    std::uint32_t abi = 7;
    std::uint64_t features = untouched, id = untouched;
    int fd = untouched_fd;
    vpin_event events[2]{};
    std::size_t count = untouched;

    CHECK(vpin_get_version(session, &abi, &features) == -err);
    CHECK(vpin_get_version(session, nullptr, nullptr) == -err);
    CHECK(abi == 7);
    CHECK(features == untouched);
    CHECK(vpin_lease_file(session, STDIN_FILENO, VPIN_LEASE_EXCLUSIVE, 0, &id) == -err);
    CHECK(vpin_lease_file(session, STDIN_FILENO, VPIN_LEASE_BREAKABLE, 0, &id) == -err);
    CHECK(vpin_release_lease(session, 1) == -err);
    CHECK(vpin_pin_range(session, page, sizeof(page), 0, &id) == -err);
    CHECK(vpin_pin_range(session, page, sizeof(page), VPIN_PIN_F_WRITE, &id) == -err);
    CHECK(vpin_release_pin(session, 1) == -err);
    CHECK(id == untouched);
    CHECK(vpin_map_pin(session, 1, 0, 0, 0, &fd) == -err);
    CHECK(fd == untouched_fd);
    CHECK(vpin_wait_events(session, 0) == -err);
    CHECK(vpin_wait_events(session, 10) == -err);
    CHECK(vpin_read_events(session, events, 2, &count) == -err);
    CHECK(count == untouched);
}

// A fake VPIN_IOC_VERSION reply of the given ABI version.
template <std::uint32_t Abi>
int reply_abi(int, vpin_version *reply)
{
    *reply = {};
    reply->abi_version = Abi;
    reply->features = VPIN_FEATURE_PIN;
    return 0;
}

int reply_error(int, vpin_version *)
{
    return -EIO;
}

} // namespace

TEST_CASE("libvpin: every function says EBADF for a descriptor that is not open")
{
    every_function_fails(-1, EBADF);
    CHECK(vpin_close(-1) == -EBADF);

    // A number that was a descriptor a moment ago.
    const int closed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(closed >= 0);
    ::close(closed);
    every_function_fails(closed, EBADF);
    CHECK(vpin_close(closed) == -EBADF);
}

TEST_CASE("libvpin: every function says ENOTTY for a file that is not a vpin session")
{
    SECTION("a device: /dev/null")
    {
        const Descriptor null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
        every_function_fails(null.fd, ENOTTY);
        // Not closed: it is not a session.
        CHECK(vpin_close(null.fd) == -ENOTTY);
        CHECK(is_open(null.fd));
    }
    SECTION("a regular file")
    {
        const RegularFile file;
        REQUIRE(::write(file.fd.fd, "x", 1) == 1);
        every_function_fails(file.fd.fd, ENOTTY);
        CHECK(vpin_close(file.fd.fd) == -ENOTTY);
        CHECK(is_open(file.fd.fd));
    }
    SECTION("a pipe with data to read")
    {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        const Descriptor in{fds[0]}, out{fds[1]};
        const vpin_event ev{};
        REQUIRE(::write(out.fd, &ev, sizeof(ev)) == static_cast<ssize_t>(sizeof(ev)));
        every_function_fails(in.fd, ENOTTY);
        CHECK(vpin_close(in.fd) == -ENOTTY);
    }
}

TEST_CASE("libvpin: vpin_open() of something that is not a vpin device fails and leaks nothing")
{
    const std::size_t before = open_descriptors();
    int session = untouched_fd;
    const RegularFile file;
    const std::size_t with_file = open_descriptors();
    const auto missing = std::filesystem::temp_directory_path() / "vpin-unit-tests-missing" / "vpin";

    CHECK(vpin_open(missing.c_str(), 0, &session) == -ENOENT);
    CHECK(vpin_open("/dev/null", 0, &session) == -ENOTTY);
    CHECK(vpin_open("/dev/null", VPIN_OPEN_NONBLOCK, &session) == -ENOTTY);
    CHECK(vpin_open(file.path.c_str(), 0, &session) == -ENOTTY);
    CHECK(vpin_open("/", 0, &session) == -EISDIR);
    CHECK(session == untouched_fd);
    CHECK(open_descriptors() == with_file);
    CHECK(with_file == before + 1);
}

TEST_CASE("libvpin: a module of another ABI version is refused with EPROTONOSUPPORT")
{
    vpin_version reply{};
    reply.abi_version = VPIN_ABI_VERSION;
    CHECK(vpin_check_version(&reply) == 0);
    reply.abi_version = VPIN_ABI_VERSION + 1;
    CHECK(vpin_check_version(&reply) == -EPROTONOSUPPORT);
    reply.abi_version = 0;
    CHECK(vpin_check_version(&reply) == -EPROTONOSUPPORT);

    // vpin_open() with a fake reply: the descriptor is closed again.
    const std::size_t before = open_descriptors();
    int session = untouched_fd;
    CHECK(vpin_open_with("/dev/null", 0, &session, reply_abi<VPIN_ABI_VERSION + 1>) ==
          -EPROTONOSUPPORT);
    CHECK(vpin_open_with("/dev/null", 0, &session, reply_abi<0>) == -EPROTONOSUPPORT);
    CHECK(vpin_open_with("/dev/null", 0, &session, reply_error) == -EIO);
    CHECK(session == untouched_fd);
    CHECK(open_descriptors() == before);
}

TEST_CASE("libvpin: vpin_open() of the right ABI gives a close-on-exec read-write descriptor")
{
    const std::size_t before = open_descriptors();
    int session = untouched_fd;
    REQUIRE(vpin_open_with("/dev/null", 0, &session, reply_abi<VPIN_ABI_VERSION>) == 0);
    REQUIRE(session >= 0);
    {
        const Descriptor owned{session};
        CHECK(::fcntl(session, F_GETFD) == FD_CLOEXEC);
        const int flags = ::fcntl(session, F_GETFL);
        CHECK((flags & O_ACCMODE) == O_RDWR);
        CHECK_FALSE(flags & O_NONBLOCK);
    }
    REQUIRE(vpin_open_with("/dev/null", VPIN_OPEN_NONBLOCK, &session,
                           reply_abi<VPIN_ABI_VERSION>) == 0);
    {
        const Descriptor owned{session};
        CHECK(::fcntl(session, F_GETFL) & O_NONBLOCK);
    }
    CHECK(open_descriptors() == before);
}

TEST_CASE("libvpin: NULL pointers, unknown flags and lease types are EINVAL before anything is asked")
{
    // Even of a descriptor that is not open: the arguments are judged first.
    const Descriptor null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
    static char page[4096];
    std::uint64_t id = untouched;
    int fd = untouched_fd;
    vpin_event events[1]{};
    std::size_t count = untouched;
    const std::size_t before = open_descriptors();

    for (const int session : {-1, null.fd}) {
        CAPTURE(session);
        CHECK(vpin_lease_file(session, STDIN_FILENO, VPIN_LEASE_EXCLUSIVE, 0, nullptr) == -EINVAL);
        CHECK(vpin_lease_file(session, STDIN_FILENO, VPIN_LEASE_EXCLUSIVE, 1, &id) == -EINVAL);
        CHECK(vpin_lease_file(session, STDIN_FILENO, VPIN_LEASE_UNSPEC, 0, &id) == -EINVAL);
        CHECK(vpin_lease_file(session, STDIN_FILENO, __VPIN_LEASE_LAST, 0, &id) == -EINVAL);
        CHECK(vpin_lease_file(session, STDIN_FILENO, ~0U, 0, &id) == -EINVAL);
        CHECK(vpin_pin_range(session, page, sizeof(page), 0, nullptr) == -EINVAL);
        CHECK(vpin_pin_range(session, page, sizeof(page), VPIN_PIN_F_WRITE << 1, &id) == -EINVAL);
        CHECK(vpin_pin_range(session, page, sizeof(page), ~0U, &id) == -EINVAL);
        CHECK(id == untouched);
        CHECK(vpin_map_pin(session, 1, 0, 0, 0, nullptr) == -EINVAL);
        CHECK(vpin_map_pin(session, 1, 0, 0, 1, &fd) == -EINVAL);
        CHECK(fd == untouched_fd);
        CHECK(vpin_wait_events(session, -2) == -EINVAL);
        CHECK(vpin_read_events(session, nullptr, 1, &count) == -EINVAL);
        CHECK(vpin_read_events(session, events, 1, nullptr) == -EINVAL);
        CHECK(vpin_read_events(session, events, 0, &count) == -EINVAL);
        CHECK(count == untouched);
    }

    int session = untouched_fd;
    CHECK(vpin_open("/dev/null", 0, nullptr) == -EINVAL);
    CHECK(vpin_open(nullptr, 0, nullptr) == -EINVAL);
    CHECK(vpin_open("/dev/null", VPIN_OPEN_NONBLOCK << 1, &session) == -EINVAL);
    CHECK(vpin_open("/dev/null", ~0U, &session) == -EINVAL);
    CHECK(session == untouched_fd);
    CHECK(open_descriptors() == before);
}
