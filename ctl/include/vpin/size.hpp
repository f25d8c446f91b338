#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vpin {

// A byte count: decimal digits with an optional binary suffix K, M, G or T
// (either case). Nothing for anything else, or on overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text);

} // namespace vpin
