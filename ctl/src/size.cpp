// SPDX-License-Identifier: GPL-2.0
#include <vpin/size.hpp>

#include <fmt/core.h>

#include <array>
#include <charconv>
#include <cmath>

namespace vpin {

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end == text.data())
        return std::nullopt;

    const std::string_view suffix{end, static_cast<std::size_t>(text.data() + text.size() - end)};
    unsigned shift = 0;
    if (suffix.size() == 1) {
        switch (suffix[0]) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        case 'T': case 't': shift = 40; break;
        default: return std::nullopt;
        }
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (value > (UINT64_MAX >> shift))
        return std::nullopt;
    return value << shift;
}

std::string format_size(std::uint64_t bytes)
{
    constexpr std::array<char, 4> suffixes{'T', 'G', 'M', 'K'};
    for (std::size_t i = 0; i < suffixes.size(); i++) {
        const unsigned shift = 40 - 10 * static_cast<unsigned>(i);
        if (bytes != 0 && bytes % (std::uint64_t{1} << shift) == 0)
            return fmt::format("{}{}", bytes >> shift, suffixes[i]);
    }
    return std::to_string(bytes);
}

std::string human_size(std::uint64_t bytes)
{
    constexpr std::array<const char *, 7> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024)
        return fmt::format("{} B", bytes);
    std::size_t unit = 0;
    auto value = static_cast<long double>(bytes);
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        unit++;
    }
    const long long tenths = std::llroundl(value * 10);
    if (tenths < 100) {
        if (tenths % 10 == 0)
            return fmt::format("{} {}", tenths / 10, units[unit]);
        return fmt::format("{}.{} {}", tenths / 10, tenths % 10, units[unit]);
    }
    const long long whole = std::llroundl(value);
    if (whole >= 1024 && unit + 1 < units.size())
        return fmt::format("1 {}", units[unit + 1]);
    return fmt::format("{} {}", whole, units[unit]);
}

} // namespace vpin
