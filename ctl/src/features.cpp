// SPDX-License-Identifier: GPL-2.0
#include <vpin/features.hpp>

#include <linux/vpin.h>

#include <array>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

namespace vpin {

namespace {

constexpr std::array<std::pair<std::uint64_t, std::string_view>, 7> known_features{{
    {VPIN_FEATURE_PIN, "pin"},
    {VPIN_FEATURE_LEASE_EXCLUSIVE, "lease-exclusive"},
    {VPIN_FEATURE_NETLINK, "netlink"},
    {VPIN_FEATURE_LEASE_BREAKABLE, "lease-breakable"},
    {VPIN_FEATURE_MAP, "map"},
    {VPIN_FEATURE_POLICY, "policy"},
    {VPIN_FEATURE_REVOKE, "revoke"},
}};

} // namespace

std::vector<std::string> feature_names(std::uint64_t features)
{
    std::vector<std::string> names;
    for (const auto &[bit, name] : known_features) {
        if (features & bit) {
            names.emplace_back(name);
            features &= ~bit;
        }
    }
    if (features != 0) {
        std::array<char, 2 + 16> hex{'0', 'x'};
        const auto end = std::to_chars(hex.data() + 2, hex.data() + hex.size(), features, 16).ptr;
        names.emplace_back(hex.data(), end);
    }
    return names;
}

std::string describe_features(std::uint64_t features)
{
    if (features == 0)
        return "none";
    std::string list;
    for (const auto &name : feature_names(features)) {
        if (!list.empty())
            list += ',';
        list += name;
    }
    return list;
}

} // namespace vpin
