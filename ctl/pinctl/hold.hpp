// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/device.hpp>

#include <linux/vpin.h>

#include <optional>
#include <string>
#include <vector>

namespace pinctl {

// "exclusive" or "breakable" as a lease type.
[[nodiscard]] vpin_lease_type lease_type(const std::string &name);

// Runs `argv` (run_command()) while the session of `device` holds `lease`,
// of `type`, on `file`. A breakable lease is given up as soon as someone
// breaks it, with the session's pins on the file, and standard error says
// who broke it; the command runs on.
int run_holding(const vpin::Device &device, std::optional<vpin::ScopedLease> &lease,
                vpin_lease_type type, const std::string &file, const std::vector<std::string> &argv);

} // namespace pinctl
