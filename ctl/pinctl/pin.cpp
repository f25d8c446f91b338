// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"
#include "hold.hpp"
#include "options.hpp"

#include <vpin/check.hpp>
#include <vpin/device.hpp>
#include <vpin/fd.hpp>
#include <vpin/mapping.hpp>
#include <vpin/print.hpp>
#include <vpin/size.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
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
    std::string lease; // "exclusive", "breakable"; empty: by file system
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

// The length of the range, checked against the file's size before anything
// is mapped, leased or pinned: it must end within the file's last page.
std::uint64_t range_length(const Options &o, std::uint64_t size)
{
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t end = (size + page - 1) / page * page;
    if (o.offset >= size)
        throw std::runtime_error{fmt::format("cannot pin {}: --offset {} is not below its size ({} bytes)",
                                             o.file, o.offset, size)};
    if (o.length == 0)
        return end - o.offset;
    if (o.length > end - o.offset)
        throw std::runtime_error{fmt::format(
            "cannot pin {}: --offset {} --length {} reaches past its end ({} bytes, {}); nothing was "
            "leased or pinned",
            o.file, o.offset, o.length, size, vpin::human_size(size))};
    return o.length;
}

const char *lease_name(std::optional<vpin_lease_type> type)
{
    if (!type)
        return "none";
    return *type == VPIN_LEASE_BREAKABLE ? "breakable" : "exclusive";
}

} // namespace

Runner setup_pin(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    add_size_option(command, "--offset", o->offset, "File offset of the range, page aligned", true);
    add_size_option(command, "--length", o->length,
                    "Length of the range, page aligned (default, or 0: to the end of the file)", true);
    command.add_flag("--read-only", o->read_only, "Map and pin the range read-only");
    command
        .add_option("--lease", o->lease,
                    "The lease to take: exclusive or breakable (default: exclusive on an FS-DAX "
                    "file, none on others)")
        ->check(CLI::IsMember({"exclusive", "breakable"}))
        ->type_name("TYPE");
    add_file_and_command(command, o->file, o->command, "The file to map and pin");
    return [o, &globals] {
        const auto stx = file_stat(o->file);
        const std::uint64_t length = range_length(*o, stx.stx_size);
        // FS-DAX memory may only be pinned under a lease of the session.
        const bool dax = stx.stx_attributes & vpin::statx_attr_dax;
        const std::optional<vpin_lease_type> type =
            !o->lease.empty() ? std::optional{lease_type(o->lease)}
                              : dax ? std::optional{VPIN_LEASE_EXCLUSIVE} : std::nullopt;

        const vpin::Device device{globals.device};
        // An exclusive lease needs a descriptor open for writing.
        const bool writable = !o->read_only || type == VPIN_LEASE_EXCLUSIVE;
        const vpin::Fd fd = vpin::open_file(o->file, writable ? O_RDWR : O_RDONLY);
        // Map first: a leased file refuses new writable shared mappings.
        const vpin::Mapping map{fd.get(), o->offset, length,
                                o->read_only ? PROT_READ : PROT_READ | PROT_WRITE, o->file};
        std::optional<vpin::ScopedLease> lease;
        if (type)
            lease.emplace(device, device.lease(fd.get(), *type, o->file));
        const vpin::ScopedPin pin{
            device, device.pin(map.addr(), length, o->read_only ? 0 : VPIN_PIN_F_WRITE, o->file)};
        if (globals.verbose)
            fmt::print(stderr, "pinctl: pinned {} {}\n", o->file,
                       vpin::print::pairs({{"offset", "", o->offset},
                                           {"length", "", length},
                                           {"pin", "", pin.id()},
                                           {"lease", "", std::string{lease_name(type)}}}));
        return run_holding(device, lease, type.value_or(VPIN_LEASE_UNSPEC), o->file, o->command);
    };
}

} // namespace pinctl
