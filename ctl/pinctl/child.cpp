// SPDX-License-Identifier: GPL-2.0
#include "child.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <vpin/fd.hpp>
#include <vpin/signals.hpp>

#include <array>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pinctl {

namespace {

// Puts a signal mask back when it goes away.
class RestoreMask {
public:
    explicit RestoreMask(const sigset_t &mask) noexcept : mask_{mask} {}
    RestoreMask(const RestoreMask &) = delete;
    RestoreMask &operator=(const RestoreMask &) = delete;
    ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask_, nullptr); }

private:
    sigset_t mask_;
};

[[noreturn]] void exec(const std::vector<std::string> &argv, const sigset_t &mask)
{
    std::vector<char *> args;
    for (const auto &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    ::execvp(args[0], args.data());
    const int error = errno;
    fmt::print(stderr, "pinctl: exec: {}: {}\n", argv[0], std::strerror(error));
    ::_exit(error == ENOENT ? 127 : 126);
}

} // namespace

int run_command(const std::vector<std::string> &argv)
{
    return run_command(argv, -1, {});
}

int run_command(const std::vector<std::string> &argv, int fd,
                const std::function<bool()> &on_readable)
{
    // The signals it handles are blocked while it runs the command.
    sigset_t old;
    const vpin::Fd sigfd = vpin::signal_fd({SIGINT, SIGTERM, SIGHUP, SIGCHLD}, 0, &old);
    const RestoreMask restore{old};
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0)
        throw std::system_error{errno, std::generic_category(), "fork"};
    if (child == 0)
        exec(argv, old);

    for (;;) {
        std::array<pollfd, 2> fds{{{sigfd.get(), POLLIN, 0}, {fd, POLLIN, 0}}};
        if (::poll(fds.data(), fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error{errno, std::generic_category(), "poll"};
        }
        if (fd >= 0 && (fds[1].revents & POLLIN) && !on_readable())
            fd = -1;
        if (!(fds[0].revents & POLLIN))
            continue;
        const auto signal = vpin::read_signal(sigfd.get());
        if (!signal)
            continue;
        if (*signal != SIGCHLD) {
            ::kill(child, static_cast<int>(*signal));
            continue;
        }
        int status = 0;
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done < 0)
            throw std::system_error{errno, std::generic_category(), "waitpid"};
        if (done == child && WIFEXITED(status))
            return WEXITSTATUS(status);
        if (done == child && WIFSIGNALED(status))
            return 128 + WTERMSIG(status);
    }
}

} // namespace pinctl
