// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <vpin/size.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <unistd.h>

namespace pinctl {

CLI::Option *add_size_option(CLI::App &command, const std::string &name, std::uint64_t &value,
                             const std::string &description, bool page_aligned)
{
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const CLI::Validator size{
        [page_aligned, page](std::string &text) -> std::string {
            const auto bytes = vpin::parse_size(text);
            if (!bytes)
                return fmt::format("'{}' is not a size (digits, then optionally K, M, G or T)", text);
            if (page_aligned && *bytes % page != 0)
                return fmt::format("{} is not a multiple of the page size ({})", text, page);
            text = std::to_string(*bytes);
            return {};
        },
        ""};
    return command.add_option(name, value, description)->transform(size)->type_name("SIZE");
}

void add_file_and_command(CLI::App &command, std::string &file, std::vector<std::string> &argv,
                          const std::string &file_description)
{
    command.add_option("file", file, file_description)->required();
    command.add_option("command", argv, "The command to run and its arguments, after --")
        ->required();
}

} // namespace pinctl
