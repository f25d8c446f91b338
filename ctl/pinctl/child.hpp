#pragma once

#include <string>
#include <vector>

namespace pinctl {

// Runs argv[0] (searched in PATH) with its arguments, forwarding SIGINT,
// SIGTERM and SIGHUP to it, and returns its exit status, or 128 + the
// signal that killed it. 127 if it cannot be run.
int run_command(const std::vector<std::string> &argv);

} // namespace pinctl
