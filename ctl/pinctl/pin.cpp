#include "child.hpp"
#include "commands.hpp"
#include "options.hpp"

#include <vpin/check.hpp>
#include <vpin/device.hpp>
#include <vpin/fd.hpp>
#include <vpin/mapping.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


namespace pinctl {

namespace {

struct Options {
    std::uint64_t offset = 0;
    std::uint64_t length = 0; // 0: to the end of the file
    bool read_only = false;
    std::string file;
    std::vector<std::string> command;
};

struct statx file_stat(const std::string &file)
{
    struct statx stx {};
    if (::statx(AT_FDCWD, file.c_str(), 0, STATX_SIZE, &stx) < 0)
        throw std::system_error{errno, std::generic_category(), "stat: " + file};
    return stx;
}

} // namespace

Runner setup_pin(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    add_size_option(command, "--offset", o->offset, "File offset of the range, page aligned", true);
    add_size_option(command, "--length", o->length,
                    "Length of the range, page aligned (default, or 0: to the end of the file)", true);
    command.add_flag("--read-only", o->read_only, "Map and pin the range read-only");
    add_file_and_command(command, o->file, o->command, "The file to map and pin");
    return [o, &globals] {
        const auto stx = file_stat(o->file);
        const bool dax = stx.stx_attributes & vpin::statx_attr_dax;
        if (o->offset >= stx.stx_size)
            throw std::system_error{EINVAL, std::generic_category(),
                                    fmt::format("offset {} is not below the size of {} ({})",
                                                o->offset, o->file, stx.stx_size)};
        const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        const std::uint64_t length =
            o->length ? o->length : (stx.stx_size - o->offset + page - 1) / page * page;

        const vpin::Device device{globals.device};
        // The lease needs a descriptor open for writing.
        const vpin::Fd fd = vpin::open_file(o->file, o->read_only && !dax ? O_RDONLY : O_RDWR);
        // Map first: a leased file refuses new writable shared mappings.
        const vpin::Mapping map{fd.get(), o->offset, length,
                                o->read_only ? PROT_READ : PROT_READ | PROT_WRITE, o->file};
        // DAX memory may only be pinned under a lease of the session.
        std::optional<vpin::ScopedLease> lease;
        if (dax)
            lease.emplace(device, device.lease(fd.get(), VPIN_LEASE_EXCLUSIVE, o->file));
        const vpin::ScopedPin pin{
            device, device.pin(map.addr(), length, o->read_only ? 0 : VPIN_PIN_F_WRITE, o->file)};
        fmt::print(stderr, "pinned {} offset={} length={} pin={}\n", o->file, o->offset, length,
                   pin.id());
        return run_command(o->command);
    };
}

} // namespace pinctl
