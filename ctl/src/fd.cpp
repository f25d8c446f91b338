#include <vpin/fd.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace vpin {

void Fd::reset(int fd) noexcept
{
    const int old = std::exchange(fd_, fd);
    // Linux releases the descriptor even when close() fails, so a failure
    // leaves nothing to retry.
    if (old >= 0 && old != fd)
        ::close(old);
}

Fd open_file(const std::filesystem::path &path, int flags, mode_t mode)
{
    Fd fd{::open(path.c_str(), flags | O_CLOEXEC, mode)};
    if (!fd) {
        const int error = errno;
        throw std::system_error{error, std::generic_category(), "open: " + path.string()};
    }
    return fd;
}

} // namespace vpin
