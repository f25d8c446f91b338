// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/print.hpp>

#include <linux/vpin.h>

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace pinctl {

// Options that apply to every subcommand, before or after it.
struct Globals {
    std::string device = VPIN_DEVICE_PATH;
    vpin::print::Format format = vpin::print::Format::text; // -j, -p
    bool verbose = false;                                   // -v
    // `pinctl run FILE... -- COMMAND`: what follows the "--" (two lists of
    // positionals, which the parser cannot tell apart by themselves).
    std::vector<std::string> trailing;
};

// Runs a parsed subcommand and returns the exit status; failures throw.
using Runner = std::function<int()>;

// Adds a subcommand's options to `command` and returns its runner. Option
// values live in the runner; `globals` outlives it.
using Setup = Runner (*)(CLI::App &command, const Globals &globals);

Runner setup_info(CLI::App &command, const Globals &globals);
Runner setup_status(CLI::App &command, const Globals &globals);
Runner setup_list(CLI::App &command, const Globals &globals);
Runner setup_monitor(CLI::App &command, const Globals &globals);
Runner setup_check(CLI::App &command, const Globals &globals);
Runner setup_prepare(CLI::App &command, const Globals &globals);
Runner setup_lease(CLI::App &command, const Globals &globals);
Runner setup_pin(CLI::App &command, const Globals &globals);
Runner setup_run(CLI::App &command, const Globals &globals);
Runner setup_policy(CLI::App &command, const Globals &globals);
Runner setup_revoke(CLI::App &command, const Globals &globals);

} // namespace pinctl
