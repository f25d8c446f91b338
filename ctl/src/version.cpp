// SPDX-License-Identifier: GPL-2.0
#include <vpin/version.hpp>

namespace vpin {

std::string_view package_version() noexcept
{
    return VPIN_PACKAGE_VERSION;
}

} // namespace vpin
