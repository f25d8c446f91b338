// SPDX-License-Identifier: GPL-2.0
#include <vpin/fd.hpp>
#include <vpin/policy.hpp>
#include <vpin/size.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <limits>
#include <map>
#include <pwd.h>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace vpin {

namespace {

// Operation names, indexed by enum vpin_policy_op.
constexpr std::array<std::string_view, __VPIN_OP_LAST> op_names = {
    "", "session", "pin", "pin-file", "exclusive", "breakable",
};

// enum vpin_on_revoke.
constexpr std::array<std::string_view, __VPIN_REVOKE_LAST> on_revoke_names = {
    "sigbus", "sigkill", "none",
};

} // namespace

std::string_view op_name(std::uint32_t op)
{
    return op < op_names.size() ? op_names[op] : std::string_view{};
}

std::optional<std::uint32_t> op_from_name(std::string_view name)
{
    if (name.empty())
        return std::nullopt;
    const auto it = std::find(op_names.begin(), op_names.end(), name);
    if (it == op_names.end())
        return std::nullopt;
    return static_cast<std::uint32_t>(it - op_names.begin());
}

std::vector<std::string> allow_names(std::uint32_t allow)
{
    // A bit no name is known for (a newer module's) is given as its number.
    std::vector<std::string> names;
    for (std::uint32_t op = 0; op < 32; ++op) {
        if (!(allow & (1U << op)))
            continue;
        const auto name = op_name(op);
        names.push_back(name.empty() ? std::to_string(op) : std::string{name});
    }
    return names;
}

std::string_view on_revoke_name(std::uint32_t on_revoke)
{
    return on_revoke < on_revoke_names.size() ? on_revoke_names[on_revoke] : std::string_view{};
}

std::optional<std::uint32_t> on_revoke_from_name(std::string_view name)
{
    const auto it = std::find(on_revoke_names.begin(), on_revoke_names.end(), name);
    if (it == on_revoke_names.end())
        return std::nullopt;
    return static_cast<std::uint32_t>(it - on_revoke_names.begin());
}

std::string ConfigError::str() const
{
    if (line <= 0)
        return fmt::format("{}: {}", file, message);
    if (column <= 0)
        return fmt::format("{}:{}: {}", file, line, message);
    return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace {

std::string join(const std::vector<ConfigError> &errors)
{
    std::string text;
    for (const auto &error : errors) {
        if (!text.empty())
            text += '\n';
        text += error.str();
    }
    return text.empty() ? std::string{"invalid configuration"} : text;
}

} // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error{join(errors)}, errors_{std::move(errors)}
{
}

namespace {

// getpwnam_r and getgrnam_r with a buffer that grows on ERANGE.
template <typename Entry, typename Lookup>
std::optional<std::uint32_t> lookup_id(const std::string &name, Lookup lookup)
{
    std::vector<char> buffer(1024);
    for (;;) {
        Entry entry{};
        Entry *result = nullptr;
        const int error = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
        if (error == ERANGE && buffer.size() < (std::size_t{1} << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (error || !result)
            return std::nullopt;
        if constexpr (std::is_same_v<Entry, passwd>)
            return result->pw_uid;
        else
            return result->gr_gid;
    }
}

} // namespace

std::optional<std::string> user_name(std::uint32_t uid)
{
    std::vector<char> buffer(1024);
    passwd entry{};
    passwd *found = nullptr;
    int error = 0;
    while ((error = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
           buffer.size() < (std::size_t{1} << 20))
        buffer.resize(buffer.size() * 2);
    if (error != 0 || !found)
        return std::nullopt;
    return std::string{entry.pw_name};
}

NameResolver system_names()
{
    return {
        [](const std::string &name) { return lookup_id<passwd>(name, getpwnam_r); },
        [](const std::string &name) { return lookup_id<group>(name, getgrnam_r); },
    };
}

namespace {

constexpr std::uint32_t allow_all = __VPIN_ALLOW_ALL;
// (uid_t)-1 and (gid_t)-1 are no one's.
constexpr std::int64_t id_max = std::numeric_limits<std::uint32_t>::max() - 1;

std::string quote(std::string_view text)
{
    return fmt::format("{:?}", text);
}

// What a value of the wrong type is, for messages.
std::string_view type_name(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
    }
}

// A byte count: parse_size's syntax, with "KiB"-style suffixes as well.
std::optional<std::uint64_t> size_from_text(std::string_view text)
{
    if (text.size() > 3 && text.ends_with("iB")) {
        const char unit = text[text.size() - 3];
        if ((unit < 'A' || unit > 'Z') && (unit < 'a' || unit > 'z'))
            return std::nullopt;
        text.remove_suffix(2);
    }
    return parse_size(text);
}

enum class DurationError { syntax, range };

// "500ms", "10s", "2m", "1h" in milliseconds, at most `max`.
std::optional<std::uint64_t> duration_from_text(std::string_view text, std::uint64_t max,
                                                DurationError &why)
{
    why = DurationError::syntax;
    std::uint64_t value = 0;
    const char *const end = text.data() + text.size();
    const auto [rest, error] = std::from_chars(text.data(), end, value);
    if (rest == text.data() || (error != std::errc{} && error != std::errc::result_out_of_range))
        return std::nullopt;
    const std::string_view unit{rest, static_cast<std::size_t>(end - rest)};
    std::uint64_t scale = 0;
    if (unit == "ms")
        scale = 1;
    else if (unit == "s")
        scale = 1000;
    else if (unit == "m")
        scale = 60 * 1000;
    else if (unit == "h")
        scale = 60 * 60 * 1000;
    else
        return std::nullopt;
    why = DurationError::range;
    if (error == std::errc::result_out_of_range || value > max / scale)
        return std::nullopt;
    return value * scale;
}

class Parser {
public:
    Parser(const std::string &file, const NameResolver &names) : file_{file}, names_{names} {}

    Config parse(std::string_view text)
    {
        toml::table root;
        try {
            root = toml::parse(text, std::string_view{file_});
        } catch (const toml::parse_error &e) {
            error(e.source(), std::string{e.description()});
            throw ConfigErrors{std::move(errors_)};
        }

        Config config;
        const toml::node *rules = nullptr;
        for (auto &&[key, node] : root) {
            const std::string_view name = key.str();
            if (name == "clear_on_exit") {
                if (const auto *value = node.as_boolean())
                    config.clear_on_exit = value->get();
                else
                    error(node, "clear_on_exit must be true or false");
            } else if (name == "event_log") {
                if (const auto path = path_value(node, "", "event_log")) {
                    if (!path->empty() && path->front() != '/')
                        error(node, fmt::format("event_log: {} is not an absolute path", quote(*path)));
                    else
                        config.event_log = *path;
                }
            } else if (name == "event_log_max_size") {
                if (const auto bytes = size_value(node, "", "event_log_max_size")) {
                    if (*bytes == 0)
                        error(node, "event_log_max_size must not be 0");
                    else
                        config.event_log_max_bytes = *bytes;
                }
            } else if (name == "defaults") {
                if (const auto *table = node.as_table())
                    parse_rule(*table, config.policy.defaults, "defaults: ", false);
                else
                    error(node, "defaults must be a table ([defaults])");
            } else if (name == "rule") {
                rules = &node;
            } else {
                error(key.source(), fmt::format("unknown key {}", quote(name)));
            }
        }

        if (rules) {
            // rule = [] is no rules.
            const auto *array = rules->as_array();
            if (array && (array->empty() || array->is_array_of_tables()))
                parse_rules(*array, config.policy);
            else
                error(*rules, "rule must be an array of tables ([[rule]])");
        }

        if (!errors_.empty()) {
            std::stable_sort(errors_.begin(), errors_.end(), [](const auto &a, const auto &b) {
                return std::pair{a.line, a.column} < std::pair{b.line, b.column};
            });
            throw ConfigErrors{std::move(errors_)};
        }
        return config;
    }

private:
    void error(const toml::source_region &where, std::string message)
    {
        errors_.push_back({file_, static_cast<int>(where.begin.line),
                           static_cast<int>(where.begin.column), std::move(message)});
    }

    void error(const toml::node &node, std::string message) { error(node.source(), std::move(message)); }

    void parse_rules(const toml::array &array, Policy &policy)
    {
        std::map<std::string, std::size_t, std::less<>> lines; // name: line of its first rule
        for (std::size_t index = 0; index < array.size(); ++index) {
            const auto &table = *array[index].as_table();
            if (index == VPIN_POLICY_MAX_RULES)
                error(table, fmt::format("more than {} rules", VPIN_POLICY_MAX_RULES));

            Rule rule;
            std::string context = fmt::format("rule {}: ", index);
            const toml::node *name = table.get("name");
            if (!name) {
                error(table, context + "name is required");
            } else if (const auto value = string_value(*name, context, "name")) {
                if (value->empty()) {
                    error(*name, context + "name must not be empty");
                } else if (value->size() > VPIN_POLICY_NAME_MAX - 1) {
                    error(*name, fmt::format("{}name {} is longer than {} bytes", context, quote(*value),
                                             VPIN_POLICY_NAME_MAX - 1));
                } else if (value->find('\0') != std::string::npos) {
                    error(*name, fmt::format("{}name {} contains a NUL character", context, quote(*value)));
                } else if (const auto first = lines.find(*value); first != lines.end()) {
                    error(*name, fmt::format("{}duplicate name {} (first at line {})", context,
                                             quote(*value), first->second));
                } else {
                    lines.emplace(*value, name->source().begin.line);
                    rule.name = *value;
                    context = fmt::format("rule {}: ", quote(*value));
                }
            }
            parse_rule(table, rule, context, true);
            policy.rules.push_back(std::move(rule));
        }

        for (auto &rule : policy.rules)
            inherit(rule, policy.defaults);
    }

    // A key a rule leaves out takes its value from the defaults.
    static void inherit(Rule &rule, const Rule &defaults)
    {
        if (!rule.allow)
            rule.allow = defaults.allow;
        if (!rule.max_pinned)
            rule.max_pinned = defaults.max_pinned;
        if (!rule.max_sessions)
            rule.max_sessions = defaults.max_sessions;
        if (!rule.max_leases)
            rule.max_leases = defaults.max_leases;
        if (!rule.max_exclusive)
            rule.max_exclusive = defaults.max_exclusive;
        if (!rule.break_time_ms)
            rule.break_time_ms = defaults.break_time_ms;
        if (!rule.on_revoke)
            rule.on_revoke = defaults.on_revoke;
    }

    // The keys of a [[rule]] (is_rule) or of [defaults].
    void parse_rule(const toml::table &table, Rule &rule, const std::string &context, bool is_rule)
    {
        for (auto &&[key, node] : table) {
            const std::string_view name = key.str();
            if (name == "name" || name == "users" || name == "groups" || name == "paths") {
                if (!is_rule)
                    error(key.source(), fmt::format("{}{} belongs in a [[rule]], not in the defaults",
                                                    context, quote(name)));
                else if (name == "users")
                    rule.users = ids(node, context, "users", "user", names_.user);
                else if (name == "groups")
                    rule.groups = ids(node, context, "groups", "group", names_.group);
                else if (name == "paths")
                    rule.paths = paths(node, context);
                // name: read by parse_rules
            } else if (name == "allow") {
                rule.allow = allow(node, context);
            } else if (name == "max_pinned") {
                rule.max_pinned = size_value(node, context, "max_pinned");
            } else if (name == "max_sessions") {
                rule.max_sessions = u32_value(node, context, "max_sessions");
            } else if (name == "max_leases") {
                rule.max_leases = u32_value(node, context, "max_leases");
            } else if (name == "max_exclusive") {
                rule.max_exclusive = u32_value(node, context, "max_exclusive");
            } else if (name == "break_time") {
                rule.break_time_ms = break_time(node, context);
            } else if (name == "on_revoke") {
                if (const auto value = string_value(node, context, "on_revoke")) {
                    rule.on_revoke = on_revoke_from_name(*value);
                    if (!rule.on_revoke)
                        error(node, fmt::format("{}on_revoke: unknown value {} (sigbus, sigkill or none)",
                                                context, quote(*value)));
                }
            } else {
                error(key.source(), fmt::format("{}unknown key {}", context, quote(name)));
            }
        }
    }

    std::optional<std::string> string_value(const toml::node &node, std::string_view context,
                                            std::string_view key)
    {
        if (const auto *value = node.as_string())
            return value->get();
        error(node, fmt::format("{}{} must be a string, not {}", context, key, type_name(node)));
        return std::nullopt;
    }

    std::optional<std::string> path_value(const toml::node &node, std::string_view context,
                                          std::string_view key)
    {
        auto path = string_value(node, context, key);
        if (path && path->find('\0') != std::string::npos) {
            error(node, fmt::format("{}{}: {} contains a NUL character", context, key, quote(*path)));
            return std::nullopt;
        }
        return path;
    }

    std::optional<std::uint32_t> u32_value(const toml::node &node, std::string_view context,
                                           std::string_view key)
    {
        const auto *value = node.as_integer();
        if (!value) {
            error(node, fmt::format("{}{} must be an integer, not {}", context, key, type_name(node)));
            return std::nullopt;
        }
        const std::int64_t number = value->get();
        if (number < 0 || number > std::numeric_limits<std::uint32_t>::max()) {
            error(node, fmt::format("{}{}: {} is out of range (0 to {})", context, key, number,
                                    std::numeric_limits<std::uint32_t>::max()));
            return std::nullopt;
        }
        return static_cast<std::uint32_t>(number);
    }

    std::optional<std::uint64_t> size_value(const toml::node &node, std::string_view context,
                                            std::string_view key)
    {
        if (const auto *value = node.as_integer()) {
            if (value->get() >= 0)
                return static_cast<std::uint64_t>(value->get());
            error(node, fmt::format("{}{}: {} is not a size", context, key, value->get()));
        } else if (const auto *text = node.as_string()) {
            if (const auto bytes = size_from_text(text->get()))
                return bytes;
            error(node, fmt::format("{}{}: {} is not a size (bytes, or a number with K, M, G or T)",
                                    context, key, quote(text->get())));
        } else {
            error(node, fmt::format("{}{} must be a size (a string such as \"64G\" or an integer), not {}",
                                    context, key, type_name(node)));
        }
        return std::nullopt;
    }

    std::optional<std::uint32_t> break_time(const toml::node &node, std::string_view context)
    {
        constexpr std::uint64_t max = VPIN_POLICY_BREAK_MAX_MS;
        const auto out_of_range = [&](const std::string &value) {
            error(node, fmt::format("{}break_time: {} is out of range (1ms to 24h)", context, value));
            return std::nullopt;
        };
        if (const auto *value = node.as_integer()) {
            const std::int64_t seconds = value->get();
            if (seconds < 1 || static_cast<std::uint64_t>(seconds) > max / 1000)
                return out_of_range(std::to_string(seconds));
            return static_cast<std::uint32_t>(seconds * 1000);
        }
        if (const auto *text = node.as_string()) {
            DurationError why{};
            const auto ms = duration_from_text(text->get(), max, why);
            if (ms && *ms > 0)
                return static_cast<std::uint32_t>(*ms);
            if (ms || why == DurationError::range)
                return out_of_range(quote(text->get()));
            error(node, fmt::format("{}break_time: {} is not a duration (a number with ms, s, m or h)",
                                    context, quote(text->get())));
            return std::nullopt;
        }
        error(node, fmt::format("{}break_time must be a duration (a string such as \"45s\" or an "
                                "integer of seconds), not {}",
                                context, type_name(node)));
        return std::nullopt;
    }

    std::optional<std::uint32_t> allow(const toml::node &node, std::string_view context)
    {
        const auto *array = node.as_array();
        if (!array) {
            error(node, fmt::format("{}allow must be an array of operations, not {}", context,
                                    type_name(node)));
            return std::nullopt;
        }
        std::uint32_t bits = 0;
        bool ok = true;
        for (const auto &element : *array) {
            const auto *name = element.as_string();
            if (!name) {
                error(element, fmt::format("{}allow: {} is not an operation", context, type_name(element)));
                ok = false;
                continue;
            }
            const auto op = op_from_name(name->get());
            if (!op || !(allow_all & VPIN_ALLOW(*op))) {
                error(element, fmt::format("{}allow: unknown operation {} (pin, pin-file, exclusive "
                                           "or breakable)",
                                           context, quote(name->get())));
                ok = false;
                continue;
            }
            bits |= VPIN_ALLOW(*op);
        }
        return ok ? std::optional{bits} : std::nullopt;
    }

    using Resolve = std::function<std::optional<std::uint32_t>(const std::string &)>;

    std::vector<std::uint32_t> ids(const toml::node &node, std::string_view context, std::string_view key,
                                   std::string_view what, const Resolve &resolve)
    {
        std::vector<std::uint32_t> ids;
        const auto *array = node.as_array();
        if (!array) {
            error(node, fmt::format("{}{} must be an array of {} names or ids, not {}", context, key, what,
                                    type_name(node)));
            return ids;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node &element = *array->get(i);
            if (i == VPIN_POLICY_MAX_IDS)
                error(element, fmt::format("{}more than {} {}", context, VPIN_POLICY_MAX_IDS, key));
            if (const auto id = this->id(element, context, key, what, resolve))
                ids.push_back(*id);
        }
        return ids;
    }

    std::optional<std::uint32_t> id(const toml::node &node, std::string_view context, std::string_view key,
                                    std::string_view what, const Resolve &resolve)
    {
        if (const auto *value = node.as_integer()) {
            if (value->get() >= 0 && value->get() <= id_max)
                return static_cast<std::uint32_t>(value->get());
            error(node, fmt::format("{}{}: {} is not a valid {} id", context, key, value->get(), what));
            return std::nullopt;
        }
        const auto *text = node.as_string();
        if (!text) {
            error(node, fmt::format("{}{}: {} is not a {} name or id", context, key, type_name(node), what));
            return std::nullopt;
        }
        const std::string &name = text->get();
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
            std::uint64_t number = 0;
            const auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), number);
            if (err == std::errc{} && number <= static_cast<std::uint64_t>(id_max))
                return static_cast<std::uint32_t>(number);
            error(node, fmt::format("{}{}: {} is not a valid {} id", context, key, name, what));
            return std::nullopt;
        }
        std::optional<std::uint32_t> id;
        if (resolve && name.find('\0') == std::string::npos)
            id = resolve(name);
        if (!id)
            error(node, fmt::format("{}unknown {} {}", context, what, quote(name)));
        return id;
    }

    std::vector<std::string> paths(const toml::node &node, std::string_view context)
    {
        std::vector<std::string> paths;
        const auto *array = node.as_array();
        if (!array) {
            error(node, fmt::format("{}paths must be an array of absolute paths, not {}", context,
                                    type_name(node)));
            return paths;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node &element = *array->get(i);
            if (i == VPIN_POLICY_MAX_PATHS)
                error(element, fmt::format("{}more than {} paths", context, VPIN_POLICY_MAX_PATHS));
            if (!element.is_string()) {
                error(element, fmt::format("{}paths: {} is not a path", context, type_name(element)));
                continue;
            }
            auto path = path_value(element, context, "paths");
            if (!path)
                continue;
            if (path->empty() || path->front() != '/')
                error(element, fmt::format("{}paths: {} is not an absolute path", context, quote(*path)));
            else if (path->size() > VPIN_POLICY_PATH_MAX - 1)
                error(element, fmt::format("{}paths: a path of {} bytes is longer than {}", context,
                                           path->size(), VPIN_POLICY_PATH_MAX - 1));
            else
                paths.push_back(std::move(*path));
        }
        return paths;
    }

    const std::string &file_;
    const NameResolver &names_;
    std::vector<ConfigError> errors_;
};

} // namespace

Config parse_config(std::string_view text, const std::string &file, const NameResolver &names)
{
    return Parser{file, names}.parse(text);
}

std::string read_config(const std::filesystem::path &path)
{
    const auto unreadable = [&](int error) {
        return ConfigErrors{{{path.string(), 0, 0, std::generic_category().message(error)}}};
    };
    Fd fd;
    try {
        fd = open_file(path, O_RDONLY);
    } catch (const std::system_error &e) {
        throw unreadable(e.code().value());
    }
    std::string text;
    std::array<char, 65536> buffer;
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw unreadable(errno);
        if (n == 0)
            break;
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return text;
}

Config load_config(const std::filesystem::path &path, const NameResolver &names)
{
    return parse_config(read_config(path), path.string(), names);
}

} // namespace vpin
