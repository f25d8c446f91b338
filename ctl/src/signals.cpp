// SPDX-License-Identifier: GPL-2.0
#include <vpin/signals.hpp>

#include <cerrno>
#include <system_error>

#include <sys/signalfd.h>
#include <unistd.h>

namespace vpin {

Fd signal_fd(std::initializer_list<int> signals, int flags, sigset_t *previous)
{
    sigset_t set;
    sigemptyset(&set);
    for (const int signal : signals)
        sigaddset(&set, signal);
    sigset_t old;
    if (const int error = pthread_sigmask(SIG_BLOCK, &set, &old); error != 0)
        throw std::system_error{error, std::generic_category(), "pthread_sigmask"};
    Fd fd{::signalfd(-1, &set, SFD_CLOEXEC | flags)};
    if (!fd) {
        const int error = errno;
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw std::system_error{error, std::generic_category(), "signalfd"};
    }
    if (previous)
        *previous = old;
    return fd;
}

std::optional<std::uint32_t> read_signal(int fd)
{
    signalfd_siginfo info{};
    if (::read(fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info))
        return std::nullopt;
    return info.ssi_signo;
}

} // namespace vpin
