// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"
#include "options.hpp"

#include <vpin/check.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>

namespace pinctl {

namespace {

struct Options {
    std::string file;
    std::uint64_t size = 0;
};

} // namespace

Runner setup_prepare(CLI::App &command, const Globals &)
{
    auto o = std::make_shared<Options>();
    command.add_option("file", o->file, "The file to create or extend")->required();
    add_size_option(command, "size", o->size, "Its size in bytes (K, M, G, T suffixes)")->required();
    return [o] {
        vpin::prepare_file(o->file, o->size);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
