// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/netlink.hpp>
#include <vpin/print.hpp>

#include <cstdlib>
#include <iostream>

namespace pinctl {

Runner setup_status(CLI::App &, const Globals &globals)
{
    return [&globals] {
        vpin::Netlink netlink;
        vpin::print::status(std::cout, netlink.status(), globals.format);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
