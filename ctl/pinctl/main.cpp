// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/explain.hpp>
#include <vpin/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
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
    Command{"status", "Show the module's version and totals (the default command)",
            pinctl::setup_status},
    Command{"info", "Show the device's ABI version and features", pinctl::setup_info},
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
    Command{"revoke", "Revoke a lease, as an administrator's way out of a hung holder",
            pinctl::setup_revoke},
};

// Commands main() answers itself.
constexpr std::string_view help_command = "help";
constexpr std::string_view version_command = "version";

// Subcommands that run a command given after "--".
bool runs_a_command(std::string_view name)
{
    return name == "lease" || name == "pin" || name == "run";
}

bool known_command(std::string_view name)
{
    return name == help_command || name == version_command ||
           std::any_of(commands.begin(), commands.end(),
                       [&](const Command &c) { return c.name == name; });
}

std::string command_list()
{
    std::vector<std::string_view> names;
    for (const auto &command : commands)
        names.push_back(command.name);
    names.push_back(help_command);
    names.push_back(version_command);
    return fmt::format("{}", fmt::join(names, ", "));
}

// Where the subcommand is among the arguments: the first one that is
// neither a global option nor its value; args.size() if there is none.
std::size_t command_index(const std::vector<std::string> &args)
{
    for (std::size_t i = 0; i < args.size(); i++) {
        const std::string &arg = args[i];
        if (arg == "--")
            return args.size();
        // -d DEVICE, also at the end of short flags run together ("-jd").
        const bool short_flags = arg.size() > 1 && arg[0] == '-' && arg[1] != '-';
        if (arg == "--device" || (short_flags && arg.back() == 'd')) {
            i++;
            continue;
        }
        if (arg.empty() || arg[0] != '-')
            return i;
    }
    return args.size();
}

// The deepest subcommand the parser had reached, and the command line that
// names it ("pinctl policy show").
std::pair<const CLI::App *, std::string> reached(const CLI::App &app)
{
    const CLI::App *at = &app;
    std::string name = app.get_name();
    for (;;) {
        const auto subs = at->get_subcommands();
        if (subs.empty())
            return {at, name};
        at = subs.front();
        name += ' ' + at->get_name();
    }
}

int usage_error(const std::string &sentence, const std::string &command)
{
    fmt::print(stderr, "pinctl: {}\nRun '{} --help' for usage.\n", sentence, command);
    return exit_usage;
}

int usage_error(const CLI::App &app, const CLI::Error &e, bool separated)
{
    const auto [at, name] = reached(app);
    std::vector<std::string> subcommands;
    for (const auto *sub : at->get_subcommands({}))
        subcommands.push_back(sub->get_name());
    std::string sentence = vpin::explain_usage(e.what(), subcommands);
    if (dynamic_cast<const CLI::ExtrasError *>(&e) && !separated && runs_a_command(at->get_name()))
        sentence += "; put '--' before the command to run";
    return usage_error(sentence, name);
}

// pinctl help [COMMAND [SUBCOMMAND]]
int help(const CLI::App &app, const std::vector<std::string> &topic)
{
    const CLI::App *at = &app;
    std::string prefix;
    for (const auto &name : topic) {
        const CLI::App *sub = nullptr;
        for (const auto *candidate : at->get_subcommands({})) {
            if (candidate->get_name() == name)
                sub = candidate;
        }
        if (!sub)
            return usage_error(fmt::format("unknown command '{}'", name), "pinctl");
        prefix = prefix.empty() ? at->get_name() : prefix + ' ' + at->get_name();
        at = sub;
    }
    std::cout << at->help(prefix);
    return EXIT_SUCCESS;
}

std::string version_line()
{
    return fmt::format("pinctl {} (vpin ABI {})", vpin::package_version(), vpin::abi_version);
}

int run(int argc, char **argv)
{
    CLI::App app{"Control long-term page pins and file leases of the vpin module. "
                 "Without a command, shows the status.",
                 "pinctl"};
    app.set_version_flag("--version", version_line());
    app.require_subcommand(0, 1);

    pinctl::Globals globals;
    app.add_option("-d,--device", globals.device, "The vpin device node")->capture_default_str();
    app.add_flag_callback(
        "-j,--json",
        [&globals] {
            if (globals.format == vpin::print::Format::text)
                globals.format = vpin::print::Format::json;
        },
        "Print JSON instead of text (before or after the command)");
    app.add_flag_callback(
        "-p,--pretty", [&globals] { globals.format = vpin::print::Format::json_pretty; },
        "Print JSON, indented (implies -j)");
    app.add_flag("-v,--verbose", globals.verbose,
                 "Say what lease and pin leased and pinned, on standard error");

    std::vector<std::pair<const CLI::App *, pinctl::Runner>> runners;
    for (const auto &command : commands) {
        auto *sub = app.add_subcommand(command.name, command.description);
        sub->fallthrough(); // global options may follow the subcommand
        runners.emplace_back(sub, command.setup(*sub, globals));
        const std::string footer = sub->get_footer();
        sub->footer((footer.empty() ? "" : footer + "\n") +
                    "The global options -d, -j, -p and -v may also follow the command.");
    }
    // Answered before parsing (their words are not the parser's business),
    // listed in the help all the same.
    app.add_subcommand(std::string{help_command}, "Show this help, or a command's: help [COMMAND]");
    app.add_subcommand(std::string{version_command}, "Show the version of pinctl and the ABI it speaks");

    std::vector<std::string> args(argv + 1, argv + argc);
    const std::size_t at = command_index(args);
    const bool separated = std::find(args.begin(), args.end(), "--") != args.end();
    if (at < args.size() && !known_command(args[at]))
        return usage_error(fmt::format("unknown command '{}'; the commands are {}", args[at],
                                       command_list()),
                           "pinctl");
    if (at < args.size() && args[at] == help_command) {
        std::vector<std::string> topic;
        const auto is_word = [](const std::string &arg) { return arg.empty() || arg[0] != '-'; };
        std::copy_if(args.begin() + static_cast<std::ptrdiff_t>(at) + 1, args.end(),
                     std::back_inserter(topic), is_word);
        return help(app, topic);
    }
    if (at < args.size() && args[at] == version_command) {
        fmt::print("{}\n", version_line());
        return EXIT_SUCCESS;
    }
    // "run FILE... -- COMMAND": the command goes aside before parsing.
    if (at < args.size() && args[at] == "run") {
        const auto mark = std::find(args.begin() + static_cast<std::ptrdiff_t>(at), args.end(), "--");
        if (mark != args.end()) {
            globals.trailing.assign(mark + 1, args.end());
            args.erase(mark, args.end());
        }
    }
    std::reverse(args.begin(), args.end());

    try {
        app.parse(args);
    } catch (const CLI::Success &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        return usage_error(app, e, separated);
    }

    try {
        for (const auto &[sub, runner] : runners) {
            if (sub->parsed())
                return runner();
        }
        // No command: the status.
        for (const auto &[sub, runner] : runners) {
            if (sub->get_name() == "status")
                return runner();
        }
        return EXIT_FAILURE;
    } catch (const CLI::ParseError &e) {
        return usage_error(app, e, separated);
    }
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        fmt::print(stderr, "pinctl: {}\n", vpin::explain(e));
        return EXIT_FAILURE;
    }
}
