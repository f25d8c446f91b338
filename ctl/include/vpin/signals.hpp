// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/fd.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>

#include <signal.h>

namespace vpin {

// Blocks `signals` in the calling thread and returns a descriptor from which
// they are read instead of being handled: signalfd(2), close-on-exec, with
// `flags` (SFD_NONBLOCK) besides. The signals stay blocked when the
// descriptor is closed; `previous`, when given, receives the signal mask from
// before, for a caller that puts it back. Throws std::system_error, with the
// mask as it was.
[[nodiscard]] Fd signal_fd(std::initializer_list<int> signals, int flags = 0,
                           sigset_t *previous = nullptr);

// The number of the next signal read from a signal_fd() descriptor; none
// when no whole record could be read (with SFD_NONBLOCK: none is pending).
[[nodiscard]] std::optional<std::uint32_t> read_signal(int fd);

} // namespace vpin
