// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/netlink.hpp>
#include <vpin/policy.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace pinctl {

namespace {

struct Options {
    std::string file;
};

int show(vpin::print::Format format)
{
    vpin::Netlink netlink;
    vpin::print::policy(std::cout, netlink.policy(), format);
    return EXIT_SUCCESS;
}

int usage(vpin::print::Format format)
{
    vpin::Netlink netlink;
    std::vector<vpin::print::Record> rows;
    for (const auto &usage : netlink.usage())
        rows.push_back(vpin::print::record(usage, vpin::user_name(usage.uid)));
    vpin::print::table(std::cout, vpin::print::record(vpin::Usage{}), rows, format);
    return EXIT_SUCCESS;
}

// "loaded N rules, generation G", or {"rules": N, "generation": G}.
void changed(const std::string &what, std::optional<std::size_t> rules, std::uint64_t generation,
             vpin::print::Format format)
{
    if (vpin::print::is_json(format)) {
        vpin::print::Record record;
        if (rules)
            record.push_back({"rules", "RULES", std::uint64_t{*rules}});
        record.push_back({"generation", "GENERATION", generation});
        vpin::print::object(std::cout, record, format);
    } else if (rules) {
        fmt::print("{} {} rules, generation {}\n", what, *rules, generation);
    } else {
        fmt::print("{}, generation {}\n", what, generation);
    }
}

int load(const Options &o, vpin::print::Format format)
{
    vpin::Config config;
    try {
        config = vpin::load_config(o.file);
    } catch (const vpin::ConfigErrors &e) {
        for (const auto &error : e.errors())
            fmt::print(stderr, "{}\n", error.str());
        return EXIT_FAILURE;
    }
    vpin::Netlink netlink;
    const std::uint64_t generation = netlink.set_policy(&config.policy);
    changed("loaded", config.policy.rules.size(), generation, format);
    return EXIT_SUCCESS;
}

int clear(vpin::print::Format format)
{
    vpin::Netlink netlink;
    changed("cleared", std::nullopt, netlink.set_policy(nullptr), format);
    return EXIT_SUCCESS;
}

} // namespace

Runner setup_policy(CLI::App &command, const Globals &globals)
{
    auto o = std::make_shared<Options>();
    command.require_subcommand(1);

    auto *show_command = command.add_subcommand(
        "show", "Show the rule set in force, with each rule's hits and denies");
    auto *usage_command = command.add_subcommand(
        "usage", "Show each uid's sessions, pinned bytes and leases against its quotas");

    auto *load_command =
        command.add_subcommand("load", "Replace the rule set with a configuration file's");
    load_command->add_option("file", o->file, "The configuration file (pind.toml(5))")->required();

    auto *clear_command = command.add_subcommand("clear", "Remove the rule set");

    for (auto *sub : {show_command, usage_command, load_command, clear_command})
        sub->fallthrough(); // global options may follow

    return [o, &globals, show_command, usage_command, load_command] {
        if (show_command->parsed())
            return show(globals.format);
        if (usage_command->parsed())
            return usage(globals.format);
        if (load_command->parsed())
            return load(*o, globals.format);
        return clear(globals.format);
    };
}

} // namespace pinctl
