// SPDX-License-Identifier: GPL-2.0
#include "child.hpp"
#include "commands.hpp"

#include <vpin/check.hpp>
#include <vpin/fd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>


namespace pinctl {

namespace {

struct Options {
    std::vector<std::string> files;
    std::vector<std::string> command;
    bool write = false;
};

// libvpin-preload.so: VPIN_PRELOAD, else next to this program (the build
// tree), else where it is installed.
std::string preload_library()
{
    if (const char *env = std::getenv("VPIN_PRELOAD"))
        return env;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto beside = self.parent_path() / "libvpin-preload.so";
        if (std::filesystem::exists(beside, ec))
            return beside.string();
    }
    return VPIN_PRELOAD_PATH;
}

// The absolute path of an existing FS-DAX file.
std::string dax_file(const std::string &file)
{
    struct statx stx {};
    if (::statx(AT_FDCWD, file.c_str(), 0, STATX_TYPE, &stx) < 0)
        throw std::system_error{errno, std::generic_category(), file};
    if (!S_ISREG(stx.stx_mode))
        throw std::system_error{EINVAL, std::generic_category(), file + ": not a regular file"};
    if (!(stx.stx_attributes & vpin::statx_attr_dax))
        throw std::system_error{EOPNOTSUPP, std::generic_category(),
                                file + ": not an FS-DAX file (mount with -o dax); "
                                       "the kernel pins other files for devices itself"};
    return std::filesystem::absolute(file).lexically_normal().string();
}

} // namespace

Runner setup_run(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.add_flag("-w,--write", o->write,
                     "Allow writable mappings of the files (the pins are writable)");
    command.add_option("file", o->files, "The FS-DAX files whose shared mappings vpin serves")
        ->required();
    command.footer("After the files: -- COMMAND [ARG...]");
    return [o, &globals] {
        if (globals.trailing.empty())
            throw CLI::ValidationError{"run", "expected FILE... -- COMMAND [ARG...]"};
        o->command = globals.trailing;
        std::string list;
        for (const auto &f : o->files)
            list += dax_file(f) + "\n";
        const std::string lib = preload_library();
        if (::access(lib.c_str(), R_OK) != 0)
            throw std::system_error{errno, std::generic_category(), lib};
        const char *old = std::getenv("LD_PRELOAD");
        const std::string preload = old && *old ? lib + ":" + old : lib;
        ::setenv("LD_PRELOAD", preload.c_str(), 1);
        ::setenv("VPIN_RUN_FILES", list.c_str(), 1);
        ::setenv("VPIN_RUN_WRITE", o->write ? "1" : "0", 1);
        ::setenv("VPIN_RUN_DEVICE", globals.device.c_str(), 1);
        return run_command(o->command);
    };
}

} // namespace pinctl
