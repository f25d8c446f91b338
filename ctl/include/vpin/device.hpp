#pragma once

#include <vpin/fd.hpp>

#include <linux/vpin.h>

#include <cstdint>
#include <filesystem>

namespace vpin {

struct VersionInfo {
    std::uint32_t abi_version;
    std::uint64_t features; // VPIN_FEATURE_* bits
};

// A session with the vpin module: one open file description of its device.
// Failures throw std::system_error carrying errno.
class Device {
public:
    explicit Device(const std::filesystem::path &path = VPIN_DEVICE_PATH);

    [[nodiscard]] VersionInfo version() const;

private:
    // Issues `Request`, whose argument must be of type Arg; failures name the
    // request as `name`.
    template <unsigned long Request, typename Arg>
    void ioctl(Arg &arg, const char *name) const;

    Fd fd_;
};

} // namespace vpin
