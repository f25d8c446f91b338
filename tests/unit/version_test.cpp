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

// PACKAGE_VERSION of kmod/dkms.conf, the one place the version is written.
std::string dkms_conf_version()
{
    return find_line(source_dir / "kmod/dkms.conf", R"re(PACKAGE_VERSION="([^"]*)")re");
}

} // namespace

TEST_CASE("version: the package version is MAJOR.MINOR.PATCH")
{
    CHECK(std::regex_match(std::string{vpin::package_version()},
                           std::regex{R"([0-9]+\.[0-9]+\.[0-9]+)"}));
}

TEST_CASE("version: the package version is PACKAGE_VERSION of kmod/dkms.conf")
{
    CHECK(vpin::package_version() == dkms_conf_version());
}
