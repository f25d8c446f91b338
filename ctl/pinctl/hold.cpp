// SPDX-License-Identifier: GPL-2.0
#include "hold.hpp"

#include "child.hpp"

#include <vpin/print.hpp>

#include <fmt/core.h>

#include <cstdio>

namespace pinctl {

vpin_lease_type lease_type(const std::string &name)
{
    return name == "breakable" ? VPIN_LEASE_BREAKABLE : VPIN_LEASE_EXCLUSIVE;
}

int run_holding(const vpin::Device &device, std::optional<vpin::ScopedLease> &lease,
                vpin_lease_type type, const std::string &file, const std::vector<std::string> &argv)
{
    if (!lease || type != VPIN_LEASE_BREAKABLE)
        return run_command(argv);
    return run_command(argv, device.fd(), [&] {
        for (const vpin_event &ev : device.events()) {
            if (ev.type != VPIN_EVENT_LEASE_BREAK || ev.lease_id != lease->id())
                continue;
            lease.reset();
            fmt::print(stderr, "pinctl: {}: lease broken by pid {} ({}), released\n", file,
                       ev.breaker_pid, vpin::print::break_reason_name(ev.reason));
            return false;
        }
        return true;
    });
}

} // namespace pinctl
