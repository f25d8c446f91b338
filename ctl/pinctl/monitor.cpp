#include "commands.hpp"
#include "options.hpp"

#include <vpin/fd.hpp>
#include <vpin/netlink.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <system_error>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

namespace pinctl {

namespace {

// SIGINT and SIGTERM, delivered through a descriptor instead of handlers.
vpin::Fd stop_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (const int error = pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0)
        throw std::system_error{error, std::generic_category(), "pthread_sigmask"};
    vpin::Fd fd{::signalfd(-1, &set, SFD_CLOEXEC)};
    if (!fd)
        throw std::system_error{errno, std::generic_category(), "signalfd"};
    return fd;
}

} // namespace

Runner setup_monitor(CLI::App &command, const Globals &)
{
    auto format = std::make_shared<vpin::print::Format>(vpin::print::Format::text);
    add_json_flag(command, *format);
    return [format] {
        vpin::EventSocket events;
        const vpin::Fd stop = stop_signals();
        std::array<pollfd, 2> fds{{{events.fd(), POLLIN, 0}, {stop.get(), POLLIN, 0}}};
        for (;;) {
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR)
                    continue;
                throw std::system_error{errno, std::generic_category(), "poll"};
            }
            if (fds[1].revents)
                return EXIT_SUCCESS;
            const bool complete = events.receive(
                [&](const vpin::Event &event) { vpin::print::event(std::cout, event, *format); });
            if (!complete)
                fmt::print(stderr, "pinctl: monitor: events were lost (receive buffer overrun)\n");
        }
    };
}

} // namespace pinctl
