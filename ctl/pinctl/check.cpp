#include "commands.hpp"
#include "options.hpp"

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
    vpin::print::Format format = vpin::print::Format::text;
};

} // namespace

Runner setup_check(CLI::App &command, const Globals &)
{
    auto o = std::make_shared<Options>();
    command.add_option("file", o->file, "The file to check")->required();
    add_json_flag(command, o->format);
    return [o] {
        const auto checks = vpin::check_file(o->file);
        vpin::print::list(std::cout, checks, o->format);
        return vpin::all_ok(checks) ? EXIT_SUCCESS : EXIT_FAILURE;
    };
}

} // namespace pinctl
