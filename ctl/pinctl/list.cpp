// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/netlink.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

namespace pinctl {

namespace {

struct Options {
    std::string what = "pins";
    std::uint64_t session = 0;
    CLI::Option *session_option = nullptr;
};

} // namespace

Runner setup_list(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.add_option("what", o->what, "What to list")
        ->check(CLI::IsMember({"pins", "leases", "sessions"}))
        ->capture_default_str();
    o->session_option = command.add_option("-s,--session", o->session, "Only this session's pins or leases");
    return [o, &globals] {
        vpin::Netlink netlink;
        const auto session = o->session_option->count() ? std::optional{o->session} : std::nullopt;
        if (o->what == "pins")
            vpin::print::list(std::cout, netlink.pins(session), globals.format);
        else if (o->what == "leases")
            vpin::print::list(std::cout, netlink.leases(session), globals.format);
        else
            vpin::print::list(std::cout, netlink.sessions(), globals.format);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
