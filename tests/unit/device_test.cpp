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
