#include "child.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <vpin/fd.hpp>

#include <array>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pinctl {

namespace {

// Blocks the signals it handles for as long as it lives.
class BlockedSignals {
public:
    BlockedSignals()
    {
        sigemptyset(&set_);
        for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD})
            sigaddset(&set_, sig);
        if (const int error = pthread_sigmask(SIG_BLOCK, &set_, &old_); error != 0)
            throw std::system_error{error, std::generic_category(), "pthread_sigmask"};
    }
    BlockedSignals(const BlockedSignals &) = delete;
    BlockedSignals &operator=(const BlockedSignals &) = delete;
    ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

    [[nodiscard]] const sigset_t &set() const noexcept { return set_; }
    [[nodiscard]] const sigset_t &old() const noexcept { return old_; }

private:
    sigset_t set_;
    sigset_t old_;
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
    const BlockedSignals signals;
    const vpin::Fd sigfd{::signalfd(-1, &signals.set(), SFD_CLOEXEC)};
    if (!sigfd)
        throw std::system_error{errno, std::generic_category(), "signalfd"};
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0)
        throw std::system_error{errno, std::generic_category(), "fork"};
    if (child == 0)
        exec(argv, signals.old());

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
        signalfd_siginfo info{};
        if (::read(sigfd.get(), &info, sizeof(info)) != sizeof(info))
            continue;
        if (info.ssi_signo != SIGCHLD) {
            ::kill(child, static_cast<int>(info.ssi_signo));
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
