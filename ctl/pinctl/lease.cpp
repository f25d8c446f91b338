// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"
#include "hold.hpp"
#include "options.hpp"

#include <vpin/device.hpp>
#include <vpin/fd.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <optional>

#include <fcntl.h>

namespace pinctl {

namespace {

struct Options {
    std::string type;
    std::string file;
    std::vector<std::string> command;
};

} // namespace

Runner setup_lease(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.add_option("type", o->type, "exclusive or breakable")
        ->required()
        ->check(CLI::IsMember({"exclusive", "breakable"}));
    add_file_and_command(command, o->file, o->command, "The file to lease");
    return [o, &globals] {
        const vpin_lease_type type = lease_type(o->type);
        const vpin::Device device{globals.device};
        // An exclusive lease needs the file open for writing.
        const vpin::Fd fd =
            vpin::open_file(o->file, type == VPIN_LEASE_EXCLUSIVE ? O_RDWR : O_RDONLY);
        std::optional<vpin::ScopedLease> lease;
        lease.emplace(device, device.lease(fd.get(), type, o->file));
        if (globals.verbose)
            fmt::print(stderr, "pinctl: leased {} {}\n", o->file,
                       vpin::print::pairs({{"type", "", o->type}, {"lease", "", lease->id()}}));
        return run_holding(device, lease, type, o->file, o->command);
    };
}

} // namespace pinctl
