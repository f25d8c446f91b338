#pragma once

#include <cstdint>
#include <string>

namespace vpin {

// Names the VPIN_FEATURE_* bits in `features`, comma separated, with unknown
// bits in hexadecimal; "none" for 0.
[[nodiscard]] std::string describe_features(std::uint64_t features);

} // namespace vpin
