// SPDX-License-Identifier: GPL-2.0
#include "daemon.hpp"
#include "summary.hpp"

#include <vpin/control.hpp>
#include <vpin/explain.hpp>
#include <vpin/policy.hpp>
#include <vpin/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#ifndef VPIN_PIND_CONFIG
#define VPIN_PIND_CONFIG "/etc/vpin/pind.toml"
#endif

namespace {

constexpr int exit_usage = 2;

// pind --check FILE: the summary, or every error.
int check(const std::string &file)
{
    try {
        const vpin::Config config = vpin::load_config(file);
        fmt::print("{}\n", pind::summary(file, config));
        return EXIT_SUCCESS;
    } catch (const vpin::ConfigErrors &e) {
        for (const auto &problem : e.errors())
            fmt::print(stderr, "{}\n", problem.str());
        return EXIT_FAILURE;
    }
}

int run(int argc, char **argv)
{
    CLI::App app{"Load vpin's policy rules from a configuration file into the module, "
                 "again whenever the module is loaded again, and log vpin's events",
                 "pind"};
    app.set_version_flag("--version", fmt::format("pind {} (vpin ABI {})", vpin::package_version(),
                                                  vpin::abi_version));
    app.failure_message([](const CLI::App *, const CLI::Error &e) {
        return fmt::format("pind: {}\nRun 'pind --help' for usage.\n", vpin::explain_usage(e.what()));
    });

    std::string config = VPIN_PIND_CONFIG;
    std::string format = "text";
    std::string event_log;
    std::string check_file;
    std::string control = vpin::default_control_socket;
    app.add_option("--config", config, "The configuration file (pind.toml(5))")
        ->type_name("FILE")
        ->capture_default_str();
    bool foreground = true;
    app.add_flag("--foreground", foreground, "Accepted and ignored: pind always runs in the foreground");
    app.add_option("--log-format", format, "How events are printed on standard output")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    auto *event_log_option = app.add_option(
        "--event-log", event_log,
        "Also append each event as a JSON line to FILE (instead of the configuration's event_log)");
    event_log_option->type_name("FILE");
    app.add_option("--control", control,
                   "Serve edits of the rules on this local socket (root only; empty: none)")
        ->type_name("PATH")
        ->capture_default_str();
    auto *check_option = app.add_option("--check", check_file,
                                        "Check FILE, print a summary of it or its errors, and exit");
    check_option->type_name("FILE");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? EXIT_SUCCESS : exit_usage;
    }

    if (check_option->count() > 0)
        return check(check_file);

    pind::Options options;
    options.config = config;
    options.control = control;
    options.format = format == "json" ? vpin::print::Format::json : vpin::print::Format::text;
    if (event_log_option->count() > 0)
        options.event_log = event_log;
    return pind::run(options);
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        fmt::print(stderr, "pind: {}\n", vpin::explain(e));
        return EXIT_FAILURE;
    }
}
