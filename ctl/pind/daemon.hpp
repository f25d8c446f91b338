// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/print.hpp>

#include <filesystem>
#include <optional>

namespace pind {

struct Options {
    std::filesystem::path config;
    vpin::print::Format format = vpin::print::Format::text; // of the event lines on stdout
    std::optional<std::filesystem::path> event_log;          // --event-log: wins over the file's
    std::filesystem::path control;                           // the control socket; empty: none
};

// Loads the configuration, pushes its rules whenever the vpin module is
// there, logs events, and serves its control socket, until SIGTERM or
// SIGINT. Returns the exit status;
// throws what stops it from starting.
int run(const Options &options);

} // namespace pind
