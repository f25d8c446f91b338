// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pinctl {

// Runs argv[0] (searched in PATH) with its arguments, forwarding SIGINT,
// SIGTERM and SIGHUP to it, and returns its exit status, or 128 + the
// signal that killed it. 127 if it cannot be run.
int run_command(const std::vector<std::string> &argv);

// The same, calling `on_readable` whenever `fd` becomes readable while the
// command runs; once it returns false, `fd` is no longer watched.
int run_command(const std::vector<std::string> &argv, int fd,
                const std::function<bool()> &on_readable);

} // namespace pinctl
