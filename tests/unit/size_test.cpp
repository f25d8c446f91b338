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
