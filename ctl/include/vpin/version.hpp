// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <linux/vpin.h>

#include <cstdint>
#include <string_view>

namespace vpin {

// The ABI this build speaks; Device::version() reports the module's.
inline constexpr std::uint32_t abi_version = VPIN_ABI_VERSION;

// PACKAGE_VERSION of kmod/dkms.conf, "MAJOR.MINOR.PATCH"; the module's
// VPIN_VERSION is the same.
[[nodiscard]] std::string_view package_version() noexcept;

} // namespace vpin
