// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/check.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace pinctl {

namespace {

struct Options {
    std::string file;
};

} // namespace

Runner setup_check(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.add_option("file", o->file, "The file to check")->required();
    return [o, &globals] {
        const auto checks = vpin::check_file(o->file);
        vpin::print::list(std::cout, checks, globals.format);
        return vpin::all_ok(checks) ? EXIT_SUCCESS : EXIT_FAILURE;
    };
}

} // namespace pinctl
