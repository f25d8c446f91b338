// SPDX-License-Identifier: GPL-2.0
#include <vpin/device.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <system_error>

TEST_CASE("Device: opening a missing node throws ENOENT naming the path")
{
    const auto path = std::filesystem::temp_directory_path() / "vpin-unit-tests-missing" / "vpin";
    REQUIRE_FALSE(std::filesystem::exists(path));
    try {
        const vpin::Device device{path};
        FAIL("opened " << path);
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::no_such_file_or_directory);
        CHECK_THAT(e.what(), Catch::Contains(path.string()));
    }
}

TEST_CASE("Device: a failed ioctl throws its errno naming the request")
{
    // /dev/null opens like the device node but knows no vpin ioctl.
    const vpin::Device device{"/dev/null"};
    try {
        (void)device.version();
        FAIL("VPIN_IOC_VERSION succeeded on /dev/null");
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::inappropriate_io_control_operation);
        CHECK_THAT(e.what(), Catch::StartsWith("VPIN_IOC_VERSION: "));
    }
}

TEST_CASE("Device: a missing node without the module is ModuleNotLoaded; errors carry their request")
{
    const auto path = std::filesystem::temp_directory_path() / "vpin-unit-tests-missing" / "vpin";
    try {
        const vpin::Device device{path};
        FAIL("opened " << path);
    } catch (const vpin::ModuleNotLoaded &e) {
        // Only when the module is not loaded, as on a build machine.
        CHECK_FALSE(vpin::module_loaded());
        CHECK(e.request() == vpin::Request::open);
        CHECK(e.subject() == path.string());
    } catch (const vpin::Error &e) {
        CHECK(vpin::module_loaded());
        CHECK(e.request() == vpin::Request::open);
    }

    const vpin::Device device{"/dev/null"};
    try {
        (void)device.lease(0, VPIN_LEASE_BREAKABLE, "/mnt/x/f");
        FAIL("VPIN_IOC_LEASE succeeded on /dev/null");
    } catch (const vpin::Error &e) {
        CHECK(e.request() == vpin::Request::lease);
        CHECK(e.subject() == "/mnt/x/f");
        CHECK(e.context().lease_type == VPIN_LEASE_BREAKABLE);
        CHECK(std::string{e.what()} == "VPIN_IOC_LEASE: /mnt/x/f: Inappropriate ioctl for device");
    }
}
