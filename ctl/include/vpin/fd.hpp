// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <filesystem>
#include <utility>

#include <sys/types.h>
#include <unistd.h>

namespace vpin {

// Owns a file descriptor and closes it when destroyed; -1 means empty.
// Defined here in full, so that programs which do not link the library (the
// guest tests, the fuzzer) use it too.
class Fd {
public:
    Fd() noexcept = default;
    explicit Fd(int fd) noexcept : fd_{fd} {}

    Fd(Fd &&other) noexcept : fd_{other.release()} {}
    Fd &operator=(Fd &&other) noexcept
    {
        reset(other.release());
        return *this;
    }

    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;

    ~Fd() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }

    // Gives up ownership without closing.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the owned descriptor, unless it is `fd`, and takes ownership of `fd`.
    void reset(int fd = -1) noexcept
    {
        const int old = std::exchange(fd_, fd);
        // Linux releases the descriptor even when close() fails, so a failure
        // leaves nothing to retry.
        if (old >= 0 && old != fd)
            ::close(old);
    }

    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// Opens `path` close-on-exec; throws std::system_error "open: PATH".
[[nodiscard]] Fd open_file(const std::filesystem::path &path, int flags, mode_t mode = 0);

} // namespace vpin
