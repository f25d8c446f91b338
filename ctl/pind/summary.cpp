// SPDX-License-Identifier: GPL-2.0
#include "summary.hpp"

#include <vpin/size.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace pind {

namespace {

std::string duration(std::uint32_t ms)
{
    return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
}

// What the defaults say, as "allow ..." and the values that are set.
std::string describe(const vpin::Rule &rule)
{
    const auto allowed = vpin::allow_names(rule.allow.value_or(__VPIN_ALLOW_ALL));
    std::string text = fmt::format("allow {}", allowed.empty() ? "nothing" : fmt::to_string(fmt::join(allowed, ",")));
    if (rule.max_pinned)
        text += fmt::format("; max_pinned {}", vpin::format_size(*rule.max_pinned));
    if (rule.max_sessions)
        text += fmt::format("; max_sessions {}", *rule.max_sessions);
    if (rule.max_leases)
        text += fmt::format("; max_leases {}", *rule.max_leases);
    if (rule.max_exclusive)
        text += fmt::format("; max_exclusive {}", *rule.max_exclusive);
    if (rule.break_time_ms)
        text += fmt::format("; break_time {}", duration(*rule.break_time_ms));
    if (rule.on_revoke)
        text += fmt::format("; on_revoke {}", vpin::on_revoke_name(*rule.on_revoke));
    return text;
}

} // namespace

std::string rules(std::size_t count)
{
    return fmt::format("{} rule{}", count, count == 1 ? "" : "s");
}

std::string summary(std::string_view file, const vpin::Config &config)
{
    std::vector<std::string_view> names;
    for (const auto &rule : config.policy.rules)
        names.push_back(rule.name);
    std::string text = fmt::format("{}: {}", file, rules(names.size()));
    if (!names.empty())
        text += fmt::format(" ({})", fmt::join(names, ", "));
    text += "; defaults " + describe(config.policy.defaults);
    if (config.clear_on_exit)
        text += "; clear_on_exit";
    if (!config.event_log.empty())
        text += config.event_log_max_bytes
                    ? fmt::format("; event_log {} (rotated at {})", config.event_log,
                                  vpin::format_size(config.event_log_max_bytes))
                    : fmt::format("; event_log {} (not rotated)", config.event_log);
    return text;
}

} // namespace pind
