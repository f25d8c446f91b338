// SPDX-License-Identifier: GPL-2.0
#include <vpin/features.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

TEST_CASE("describe_features: no bits")
{
    CHECK(vpin::describe_features(0) == "none");
}

TEST_CASE("describe_features: known bits by name")
{
    CHECK(vpin::describe_features(VPIN_FEATURE_PIN) == "pin");
    CHECK(vpin::describe_features(VPIN_FEATURE_LEASE_EXCLUSIVE) == "lease-exclusive");
    CHECK(vpin::describe_features(VPIN_FEATURE_NETLINK) == "netlink");
    CHECK(vpin::describe_features(VPIN_FEATURE_PIN | VPIN_FEATURE_LEASE_EXCLUSIVE) ==
          "pin,lease-exclusive");
}

TEST_CASE("describe_features: unknown bits in hexadecimal")
{
    CHECK(vpin::describe_features(VPIN_FEATURE_PIN | (1ULL << 40) | (1ULL << 63)) ==
          "pin,0x8000010000000000");
    CHECK(vpin::describe_features(1ULL << 40) == "0x10000000000");
}

TEST_CASE("describe_features: every defined feature has a name")
{
    CHECK_THAT(vpin::describe_features(__VPIN_FEATURE_ALL), !Catch::Contains("0x"));
}

TEST_CASE("feature_names: the same names as a list")
{
    CHECK(vpin::feature_names(0).empty());
    CHECK(vpin::feature_names(VPIN_FEATURE_PIN | VPIN_FEATURE_POLICY | (1ull << 40)) ==
          std::vector<std::string>{"pin", "policy", "0x10000000000"});
}
