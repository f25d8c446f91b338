// SPDX-License-Identifier: GPL-2.0
#include <vpin/version.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>

namespace {

const std::filesystem::path source_dir{VPIN_SOURCE_DIR};

// The first group of `pattern` on the first line of `file` it matches.
std::string find_line(const std::filesystem::path &file, const std::string &pattern)
{
    std::ifstream in{file};
    if (!in)
        throw std::runtime_error{"cannot open " + file.string()};
    const std::regex re{pattern};
    std::smatch match;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_match(line, match, re))
            return match[1];
    }
    throw std::runtime_error{file.string() + ": no line matches " + pattern};
}

std::string header_version()
{
    return find_line(source_dir / "kmod/version.h", R"re(#define\s+VPIN_VERSION\s+"([^"]*)"\s*)re");
}

} // namespace

TEST_CASE("version: the package version is MAJOR.MINOR.PATCH")
{
    CHECK(std::regex_match(std::string{vpin::package_version()},
                           std::regex{R"([0-9]+\.[0-9]+\.[0-9]+)"}));
}

TEST_CASE("version: the package version is VPIN_VERSION of kmod/version.h")
{
    CHECK(vpin::package_version() == header_version());
}

TEST_CASE("version: kmod/dkms.conf has the PACKAGE_VERSION of kmod/version.h")
{
    const auto dkms_version =
        find_line(source_dir / "kmod/dkms.conf", R"re(PACKAGE_VERSION="?([^"\s]*)"?\s*)re");
    CHECK(dkms_version == header_version());
}
