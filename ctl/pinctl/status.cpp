#include "commands.hpp"
#include "options.hpp"

#include <vpin/netlink.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace pinctl {

Runner setup_status(CLI::App &command, const Globals &)
{
    auto format = std::make_shared<vpin::print::Format>(vpin::print::Format::text);
    add_json_flag(command, *format);
    return [format] {
        vpin::Netlink netlink;
        vpin::print::status(std::cout, netlink.status(), *format);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
