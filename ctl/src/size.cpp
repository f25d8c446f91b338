#include <vpin/size.hpp>

#include <charconv>

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

} // namespace vpin
