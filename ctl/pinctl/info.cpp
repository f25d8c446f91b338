#include "commands.hpp"

#include <vpin/device.hpp>
#include <vpin/features.hpp>

#include <fmt/core.h>

#include <cstdlib>

namespace pinctl {

Runner setup_info(CLI::App &, const Globals &globals)
{
    return [&globals] {
        const vpin::Device device{globals.device};
        const auto version = device.version();
        fmt::print("device: {}\nabi_version: {}\nfeatures: {}\n", globals.device,
                   version.abi_version, vpin::describe_features(version.features));
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
