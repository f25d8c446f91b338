// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/error.hpp>
#include <vpin/fd.hpp>

#include <linux/vpin.h>

#include <cstdint>
#include <filesystem>
#include <vector>
#include <string>

namespace vpin {

struct VersionInfo {
    std::uint32_t abi_version;
    std::uint64_t features; // VPIN_FEATURE_* bits
};

// A session with the vpin module: one open file description of its device,
// on which libvpin (<vpin.h>) issues the requests. Failures throw
// vpin::Error carrying errno, the request and `subject` (a file name, when
// given), which vpin::explain() turns into a sentence; a device node that is
// missing because the module is not loaded throws vpin::ModuleNotLoaded.
class Device {
public:
    explicit Device(const std::filesystem::path &path = VPIN_DEVICE_PATH);

    [[nodiscard]] VersionInfo version() const;

    // Leases the file open as `fd`; returns the lease id.
    [[nodiscard]] std::uint64_t lease(int fd, vpin_lease_type type, const std::string &subject = {}) const;
    void unlease(std::uint64_t id) const;

    // Pins [addr, addr + length) of this process; returns the pin id.
    [[nodiscard]] std::uint64_t pin(const void *addr, std::uint64_t length, std::uint32_t flags,
                                    const std::string &subject = {}) const;
    void unpin(std::uint64_t id) const;
    // A descriptor whose shared mappings map pages [offset, offset + length)
    // of a pin of FS-DAX pages (length 0: to its end), for devices to pin.
    [[nodiscard]] Fd map(std::uint64_t pin, std::uint64_t offset = 0, std::uint64_t length = 0,
                         const std::string &subject = {}) const;

    // Reads the session's queued events without blocking; empty if none.
    [[nodiscard]] std::vector<vpin_event> events() const;
    // The session descriptor, to poll for events.
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

private:
    Fd fd_;
};

// Holds a lease or a pin of a Device and releases it when destroyed; the
// Device must outlive it.
template <void (Device::*Release)(std::uint64_t) const>
class Scoped {
public:
    Scoped(const Device &device, std::uint64_t id) noexcept : device_{device}, id_{id} {}
    Scoped(const Scoped &) = delete;
    Scoped &operator=(const Scoped &) = delete;
    ~Scoped()
    {
        try {
            (device_.*Release)(id_);
        } catch (...) {
            // Closing the session releases it anyway.
        }
    }

    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

private:
    const Device &device_;
    std::uint64_t id_;
};

using ScopedLease = Scoped<&Device::unlease>;
using ScopedPin = Scoped<&Device::unpin>;

} // namespace vpin
