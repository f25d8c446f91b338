// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

// Options shared by several subcommands.
namespace pinctl {

// A byte count with an optional K/M/G/T suffix (vpin::parse_size); with
// `page_aligned`, it must also be a multiple of the page size.
CLI::Option *add_size_option(CLI::App &command, const std::string &name, std::uint64_t &value,
                             const std::string &description, bool page_aligned = false);

// FILE -- COMMAND [ARGS...]
void add_file_and_command(CLI::App &command, std::string &file, std::vector<std::string> &argv,
                          const std::string &file_description);

} // namespace pinctl
