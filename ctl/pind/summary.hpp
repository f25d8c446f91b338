// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/policy.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pind {

// What pind --check prints for a valid configuration, on one line:
// "FILE: 2 rules (rdma, everyone-else); defaults allow pin,pin-file,...".
[[nodiscard]] std::string summary(std::string_view file, const vpin::Config &config);

// "1 rule", "2 rules".
[[nodiscard]] std::string rules(std::size_t count);

} // namespace pind
