#include <vpin/fd.hpp>

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

} // namespace vpin
