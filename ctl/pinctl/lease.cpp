#include "child.hpp"
#include "commands.hpp"
#include "options.hpp"

#include <vpin/device.hpp>
#include <vpin/fd.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>

#include <memory>
#include <system_error>

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
        const bool exclusive = o->type == "exclusive";
        const vpin::Device device{globals.device};
        // An exclusive lease needs the file open for writing.
        const vpin::Fd fd = vpin::open_file(o->file, exclusive ? O_RDWR : O_RDONLY);
        const auto type = exclusive ? VPIN_LEASE_EXCLUSIVE : VPIN_LEASE_BREAKABLE;
        const vpin::ScopedLease lease{device, device.lease(fd.get(), type, o->file)};
        return run_command(o->command);
    };
}

} // namespace pinctl
