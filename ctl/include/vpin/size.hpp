// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpin {

// A byte count: decimal digits with an optional binary suffix K, M, G or T
// (either case). Nothing for anything else, or on overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text);

// A byte count exactly, as parse_size() reads it: with the largest suffix K,
// M, G or T that divides it ("16M", "1536K", "4097"), else in bytes.
[[nodiscard]] std::string format_size(std::uint64_t bytes);

// A byte count for people, in binary units: "512 B", "4 KiB", "1.5 GiB",
// "200 MiB". One decimal below 10 of a unit, none from 10 on; rounded to
// the nearest, so a value that rounds up to 1024 of a unit is 1 of the next.
[[nodiscard]] std::string human_size(std::uint64_t bytes);

} // namespace vpin
