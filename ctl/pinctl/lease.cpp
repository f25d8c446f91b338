#include "child.hpp"
#include "commands.hpp"
#include "options.hpp"

#include <vpin/device.hpp>
#include <vpin/fd.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>

#include <fmt/core.h>

#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

namespace pinctl {

namespace {

std::string_view break_reason(std::uint32_t reason)
{
    switch (reason) {
    case VPIN_BREAK_TRUNCATE:
        return "truncate";
    case VPIN_BREAK_FALLOCATE:
        return "fallocate";
    case VPIN_BREAK_REMAP:
        return "reflink";
    default:
        return "layout change";
    }
}

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
        std::optional<vpin::ScopedLease> lease;
        lease.emplace(device, device.lease(fd.get(), type, o->file));
        if (exclusive)
            return run_command(o->command);
        // A breakable lease is given up as soon as someone breaks it.
        return run_command(o->command, device.fd(), [&] {
            for (const vpin_event &ev : device.events()) {
                if (ev.type != VPIN_EVENT_LEASE_BREAK || ev.lease_id != lease->id())
                    continue;
                lease.reset();
                fmt::print(stderr, "pinctl: {}: lease broken by pid {} ({}), released\n",
                           o->file, ev.breaker_pid, break_reason(ev.reason));
                return false;
            }
            return true;
        });
    };
}

} // namespace pinctl
