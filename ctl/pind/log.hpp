// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <fmt/core.h>

#include <string_view>
#include <utility>

// pind's own messages: one line each on standard error, which systemd
// connects to the journal. Events go to standard output (daemon.cpp).
namespace pind {

enum class Level { error, warning, info };

// When standard error is the journal's stream (JOURNAL_STREAM names it),
// the line starts with the priority prefix journald reads ("<3>", ...).
void log(Level level, std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> format, Args &&...args)
{
    log(Level::error, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void warning(fmt::format_string<Args...> format, Args &&...args)
{
    log(Level::warning, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void info(fmt::format_string<Args...> format, Args &&...args)
{
    log(Level::info, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace pind
