// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/fd.hpp>
#include <vpin/filter.hpp>
#include <vpin/netlink.hpp>
#include <vpin/policy.hpp>
#include <vpin/print.hpp>
#include <vpin/signals.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <poll.h>
#include <signal.h>

namespace pinctl {

namespace {

struct Options {
    bool timestamps = false;
    std::vector<std::string> events; // KIND[,KIND], possibly repeated
    std::string uid;                 // a uid or a user name
    std::string file;
};

// A uid as digits, or a user name.
std::optional<std::uint32_t> user_id(const std::string &text)
{
    std::uint32_t uid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), uid);
    if (error == std::errc{} && end == text.data() + text.size())
        return uid;
    return vpin::system_names().user(text);
}

vpin::EventFilter make_filter(const Options &o)
{
    vpin::EventFilter filter;
    for (const auto &names : o.events) {
        for (const auto type : vpin::parse_event_types(names))
            filter.types.push_back(type);
    }
    if (!o.uid.empty())
        filter.uid = user_id(o.uid);
    if (!o.file.empty())
        filter.file = vpin::file_ref(o.file);
    return filter;
}

} // namespace

Runner setup_monitor(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.add_flag("-t,--timestamps", o->timestamps,
                     "Start each event with the local time, to the millisecond (\"time\" in JSON)");
    command
        .add_option("--event", o->events,
                    "Only events of these kinds: pin, unpin, lease-granted, ... (comma separated, "
                    "or the option repeated)")
        ->type_name("KIND[,KIND]")
        ->check(CLI::Validator{[](std::string &names) -> std::string {
                                   try {
                                       (void)vpin::parse_event_types(names);
                                       return {};
                                   } catch (const std::invalid_argument &e) {
                                       return e.what();
                                   }
                               },
                               ""});
    command.add_option("--uid", o->uid, "Only the events of this user (uid or name)")
        ->type_name("UID")
        ->check(CLI::Validator{[](std::string &text) -> std::string {
                                   return user_id(text) ? std::string{}
                                                        : fmt::format("'{}' is not a user", text);
                               },
                               ""});
    command.add_option("--file", o->file,
                       "Only the events of this file (its path, or its device and inode)")
        ->type_name("PATH");
    return [o, &globals] {
        const vpin::EventFilter filter = make_filter(*o);
        vpin::EventSocket events;
        // SIGINT and SIGTERM end it, through a descriptor instead of handlers.
        const vpin::Fd stop = vpin::signal_fd({SIGINT, SIGTERM});
        std::array<pollfd, 2> fds{{{events.fd(), POLLIN, 0}, {stop.get(), POLLIN, 0}}};
        for (;;) {
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR)
                    continue;
                throw std::system_error{errno, std::generic_category(), "poll"};
            }
            if (fds[1].revents)
                return EXIT_SUCCESS;
            const auto received = std::chrono::system_clock::now();
            const bool complete = events.receive([&](const vpin::Event &event) {
                if (!filter.matches(event))
                    return;
                vpin::print::event(std::cout, event, globals.format,
                                   o->timestamps ? std::optional{received} : std::nullopt);
            });
            if (!complete)
                fmt::print(stderr, "pinctl: monitor: events were lost (receive buffer overrun)\n");
        }
    };
}

} // namespace pinctl
