// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/device.hpp>
#include <vpin/features.hpp>
#include <vpin/print.hpp>

#include <cstdint>
#include <cstdlib>
#include <iostream>

namespace pinctl {

Runner setup_info(CLI::App &, const Globals &globals)
{
    return [&globals] {
        const vpin::Device device{globals.device};
        const auto version = device.version();
        vpin::print::object(std::cout,
                            {
                                {"device", "DEVICE", globals.device},
                                {"abi_version", "ABI_VERSION", std::uint64_t{version.abi_version}},
                                {"features", "FEATURES", vpin::feature_names(version.features)},
                            },
                            globals.format);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
