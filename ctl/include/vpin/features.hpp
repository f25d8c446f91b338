// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vpin {

// Names the VPIN_FEATURE_* bits in `features`, comma separated, with unknown
// bits in hexadecimal; "none" for 0.
[[nodiscard]] std::string describe_features(std::uint64_t features);

// The same as a list: names, then unknown bits in hexadecimal; empty for 0.
[[nodiscard]] std::vector<std::string> feature_names(std::uint64_t features);

} // namespace vpin
