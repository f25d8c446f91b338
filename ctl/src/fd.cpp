// SPDX-License-Identifier: GPL-2.0
#include <vpin/fd.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>

namespace vpin {

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
