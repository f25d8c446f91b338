// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/state.hpp>

#include <filesystem>
#include <memory>
#include <string_view>

// What pintop finds out about the machine besides the module.
namespace pintop {

// Whether a process named "pind" runs: /proc/PID/comm of each process
// (pind is a service, pind.service, but may be run by hand too).
[[nodiscard]] bool pind_running(const std::filesystem::path &proc = "/proc");

// Whether the effective capabilities in a /proc/PID/status text include
// CAP_SYS_ADMIN; and the calling process's.
[[nodiscard]] bool cap_sys_admin(std::string_view proc_status);
[[nodiscard]] bool privileged();

// The module's dumps without its events, for a listener the kernel does not
// let into the events group (before Linux 6.9 only CAP_SYS_ADMIN may join):
// no descriptor to poll, nothing to receive; the model is read again on
// every tick instead.
[[nodiscard]] std::unique_ptr<vpin::StateSource> polling_source();

} // namespace pintop
