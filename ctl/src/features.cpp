#include <vpin/features.hpp>

#include <linux/vpin.h>

#include <array>
#include <charconv>
#include <string_view>
#include <utility>

namespace vpin {

namespace {

constexpr std::array<std::pair<std::uint64_t, std::string_view>, 6> feature_names{{
    {VPIN_FEATURE_PIN, "pin"},
    {VPIN_FEATURE_LEASE_EXCLUSIVE, "lease-exclusive"},
    {VPIN_FEATURE_NETLINK, "netlink"},
    {VPIN_FEATURE_LEASE_BREAKABLE, "lease-breakable"},
    {VPIN_FEATURE_MAP, "map"},
    {VPIN_FEATURE_POLICY, "policy"},
}};

void append(std::string &list, std::string_view item)
{
    if (!list.empty())
        list += ',';
    list += item;
}

} // namespace

std::string describe_features(std::uint64_t features)
{
    if (features == 0)
        return "none";

    std::string list;
    for (const auto &[bit, name] : feature_names) {
        if (features & bit) {
            append(list, name);
            features &= ~bit;
        }
    }
    if (features != 0) {
        std::array<char, 2 + 16> hex{'0', 'x'};
        const auto end = std::to_chars(hex.data() + 2, hex.data() + hex.size(), features, 16).ptr;
        append(list, {hex.data(), end});
    }
    return list;
}

} // namespace vpin
