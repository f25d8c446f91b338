// SPDX-License-Identifier: GPL-2.0
#pragma once

#include "view.hpp"

#include <vpin/print.hpp>
#include <vpin/state.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>

// pintop -b: snapshots of the model as text or JSON, formatted as the
// screen formats them.
namespace pintop {

// {"time", "status", "pind", "sessions", "pins", "leases", "policy",
// "usage", "events"}: the objects as pinctl's JSON has them (print::record()),
// the events received after `events_after`.
[[nodiscard]] nlohmann::ordered_json json_snapshot(const vpin::State &state, const Host &host,
                                                   vpin::State::Time now, vpin::print::Time wall,
                                                   std::uint64_t events_after);

// The header, then every tab's table with all its rows; the events received
// after `events_after`.
void text_snapshot(std::ostream &out, const vpin::State &state, const Host &host, vpin::State::Time now,
                   std::uint64_t events_after);

} // namespace pintop
