#include "commands.hpp"

#include <algorithm>
#include <vpin/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <utility>
#include <vector>

namespace {

constexpr int exit_usage = 2;

struct Command {
    const char *name;
    const char *description;
    pinctl::Setup setup;
};

constexpr std::array commands{
    Command{"info", "Show the device's ABI version and features", pinctl::setup_info},
    Command{"status", "Show the module's version and totals", pinctl::setup_status},
    Command{"list", "List pins, leases or sessions", pinctl::setup_list},
    Command{"monitor", "Print pin and lease events as they happen", pinctl::setup_monitor},
    Command{"check", "Tell whether a file can be leased exclusively and pinned", pinctl::setup_check},
    Command{"prepare", "Create or extend a file with every block written", pinctl::setup_prepare},
    Command{"lease", "Run a command while holding a lease on a file", pinctl::setup_lease},
    Command{"pin", "Run a command while a file's range is mapped and pinned", pinctl::setup_pin},
    Command{"run", "Run a command whose shared mappings of FS-DAX files devices can pin",
            pinctl::setup_run},
    Command{"policy", "Show, load or clear the rules that decide who may pin and lease",
            pinctl::setup_policy},
};

int run(int argc, char **argv)
{
    CLI::App app{"Control long-term page pins and file leases of the vpin module", "pinctl"};
    app.set_version_flag("--version", fmt::format("pinctl {} (vpin ABI {})",
                                                  vpin::package_version(), vpin::abi_version));
    app.failure_message([](const CLI::App *, const CLI::Error &e) {
        return fmt::format("pinctl: {}\nRun 'pinctl --help' for usage.\n", e.what());
    });
    app.require_subcommand(0, 1);

    pinctl::Globals globals;
    app.add_option("-d,--device", globals.device, "The vpin device node")->capture_default_str();

    std::vector<std::pair<const CLI::App *, pinctl::Runner>> runners;
    for (const auto &command : commands) {
        auto *sub = app.add_subcommand(command.name, command.description);
        sub->fallthrough(); // global options may follow the subcommand
        runners.emplace_back(sub, command.setup(*sub, globals));
    }

    // "run FILE... -- COMMAND": the command goes aside before parsing.
    std::vector<std::string> args(argv + 1, argv + argc);
    const auto run_at = std::find(args.begin(), args.end(), "run");
    const auto mark = std::find(run_at, args.end(), "--");
    if (run_at != args.end() && mark != args.end()) {
        globals.trailing.assign(mark + 1, args.end());
        args.erase(mark, args.end());
    }
    std::reverse(args.begin(), args.end());

    try {
        app.parse(args);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? EXIT_SUCCESS : exit_usage;
    }

    for (const auto &[sub, runner] : runners) {
        if (sub->parsed())
            return runner();
    }
    std::cerr << app.help();
    return exit_usage;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        fmt::print(stderr, "pinctl: {}\n", e.what());
        return EXIT_FAILURE;
    }
}
