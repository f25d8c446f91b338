// SPDX-License-Identifier: GPL-2.0
#include "event_log.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pind {

EventLog::EventLog(std::filesystem::path path, std::uint64_t max_bytes)
    : path_{std::move(path)}, max_bytes_{max_bytes}
{
    open();
}

void EventLog::open()
{
    // Events name users, processes and files: not for everyone to read.
    fd_ = vpin::open_file(path_, O_WRONLY | O_APPEND | O_CREAT, 0640);
    struct stat st {};
    if (::fstat(fd_.get(), &st) < 0)
        throw std::system_error{errno, std::generic_category(), "fstat: " + path_.string()};
    if (!S_ISREG(st.st_mode))
        throw std::system_error{EINVAL, std::generic_category(),
                                path_.string() + ": not a regular file"};
    size_ = static_cast<std::uint64_t>(st.st_size);
}

void EventLog::rotate()
{
    const std::filesystem::path old = path_.string() + ".1";
    if (::rename(path_.c_str(), old.c_str()) < 0)
        throw std::system_error{errno, std::generic_category(),
                                "rename " + path_.string() + " to " + old.string()};
    open();
}

void EventLog::write(std::string_view line)
{
    if (max_bytes_ > 0 && size_ > 0 && size_ + line.size() > max_bytes_)
        rotate();
    while (!line.empty()) {
        const ssize_t n = ::write(fd_.get(), line.data(), line.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error{errno, std::generic_category(), "write: " + path_.string()};
        }
        size_ += static_cast<std::uint64_t>(n);
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

} // namespace pind
