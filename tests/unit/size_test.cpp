// SPDX-License-Identifier: GPL-2.0
#include <vpin/size.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

using vpin::parse_size;

TEST_CASE("parse_size: plain byte counts")
{
    CHECK(parse_size("0") == 0u);
    CHECK(parse_size("4096") == 4096u);
    CHECK(parse_size("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("parse_size: binary suffixes in either case")
{
    CHECK(parse_size("4K") == 4096u);
    CHECK(parse_size("4k") == 4096u);
    CHECK(parse_size("16M") == 16u << 20);
    CHECK(parse_size("2G") == std::uint64_t{2} << 30);
    CHECK(parse_size("1t") == std::uint64_t{1} << 40);
}

TEST_CASE("parse_size: rejects anything else")
{
    for (const char *text : {"", "K", "-1", " 1", "1 ", "1KB", "1KiB", "1X", "0x10", "1.5M", "+4"})
        CHECK_FALSE(parse_size(text).has_value());
}

TEST_CASE("parse_size: rejects overflow")
{
    CHECK_FALSE(parse_size("18446744073709551616").has_value());
    CHECK_FALSE(parse_size("16777216T").has_value());
    CHECK(parse_size("16777215T") == std::uint64_t{16777215} << 40);
}

TEST_CASE("format_size: exact, with the largest suffix that divides; parse_size reads it back")
{
    using vpin::format_size;
    CHECK(format_size(0) == "0");
    CHECK(format_size(4097) == "4097");
    CHECK(format_size(4096) == "4K");
    CHECK(format_size(1536 * 1024) == "1536K");
    CHECK(format_size(16u << 20) == "16M");
    CHECK(format_size(std::uint64_t{3} << 40) == "3T");
    for (const std::uint64_t bytes : {std::uint64_t{0}, std::uint64_t{1} << 30, std::uint64_t{12345},
                                      UINT64_MAX})
        CHECK(parse_size(format_size(bytes)) == bytes);
}

TEST_CASE("human_size: binary units, one decimal below 10")
{
    using vpin::human_size;
    CHECK(human_size(0) == "0 B");
    CHECK(human_size(1023) == "1023 B");
    CHECK(human_size(1024) == "1 KiB");
    CHECK(human_size(1536) == "1.5 KiB");
    CHECK(human_size(69632) == "68 KiB");
    CHECK(human_size(16u << 20) == "16 MiB");
    CHECK(human_size(std::uint64_t{3} << 29) == "1.5 GiB");
    CHECK(human_size(std::uint64_t{17179869184}) == "16 GiB");
    CHECK(human_size(std::uint64_t{200} << 20) == "200 MiB");
    // 9.96 KiB rounds to 10, which shows without a decimal.
    CHECK(human_size(10199) == "10 KiB");
    // Rounding up to 1024 of a unit is 1 of the next.
    CHECK(human_size((std::uint64_t{1} << 20) - 1) == "1 MiB");
    CHECK(human_size(UINT64_MAX) == "16 EiB");
}
