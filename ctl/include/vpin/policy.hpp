// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <linux/vpin.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// vpin's policies (kmod/uapi/linux/vpin.h, "Policies"): the rule set the
// module enforces, as pind's configuration file describes it and as
// VPIN_CMD_GET_POLICY and VPIN_CMD_GET_USAGE report it.
namespace vpin {

// A rule, or the defaults (no name, no match keys). Absent values mean what
// the module says for an absent attribute: every operation allowed, no
// quota, the module's break time, SIGBUS.
struct Rule {
    std::string name;
    std::vector<std::uint32_t> users;  // uids; empty: any
    std::vector<std::uint32_t> groups; // gids; empty: any
    std::vector<std::string> paths;    // absolute prefixes; empty: any
    std::optional<std::uint32_t> allow; // VPIN_ALLOW_* bits
    std::optional<std::uint64_t> max_pinned; // bytes
    std::optional<std::uint32_t> max_sessions;
    std::optional<std::uint32_t> max_leases;
    std::optional<std::uint32_t> max_exclusive;
    std::optional<std::uint32_t> break_time_ms;
    std::optional<std::uint32_t> on_revoke; // enum vpin_on_revoke

    // Reported by VPIN_CMD_GET_POLICY only.
    std::uint32_t index = 0;
    std::uint64_t hits = 0;
    std::uint64_t denies = 0;
};

struct Policy {
    Rule defaults;
    std::vector<Rule> rules;
};

// What VPIN_CMD_GET_POLICY reports.
struct PolicyState {
    std::uint64_t generation = 0; // 0: no rule set was ever loaded
    bool loaded = false;          // a rule set is in force
    Policy policy;
};

// One uid's usage, VPIN_CMD_GET_USAGE, with the quotas that apply to it.
struct Usage {
    std::uint32_t uid = 0;
    std::uint64_t sessions = 0;
    std::uint64_t pinned_bytes = 0;
    std::uint64_t leases = 0;
    std::uint64_t exclusive = 0;
    std::string rule; // "" for the defaults
    std::optional<std::uint64_t> max_pinned;
    std::optional<std::uint32_t> max_sessions;
    std::optional<std::uint32_t> max_leases;
    std::optional<std::uint32_t> max_exclusive;
};

// Operation names as the configuration file and the tools spell them:
// "pin", "pin-file", "exclusive", "breakable" (and "session" in events).
[[nodiscard]] std::string_view op_name(std::uint32_t op); // enum vpin_policy_op; "" if unknown
[[nodiscard]] std::optional<std::uint32_t> op_from_name(std::string_view name);
// VPIN_ALLOW_* bits as names, in operation order.
[[nodiscard]] std::vector<std::string> allow_names(std::uint32_t allow);
// "sigbus", "sigkill", "none".
[[nodiscard]] std::string_view on_revoke_name(std::uint32_t on_revoke);
[[nodiscard]] std::optional<std::uint32_t> on_revoke_from_name(std::string_view name);

// pind's configuration file (pind.toml(5)).
struct Config {
    Policy policy;
    bool clear_on_exit = false; // pind removes the rules when it stops
    std::string event_log;      // also append events as JSON lines here; "" none
    std::uint64_t event_log_max_bytes = 16ull << 20; // rotated at this size
};

// One problem of a configuration file, where it is.
struct ConfigError {
    std::string file;
    int line = 0;   // 1-based; 0 when the problem has no place
    int column = 0; // 1-based; 0 when unknown
    std::string message;

    // "FILE:LINE:COL: message" (without LINE:COL when there is no place).
    [[nodiscard]] std::string str() const;
};

// Thrown when a configuration has errors: all of them, in file order.
class ConfigErrors : public std::runtime_error {
public:
    explicit ConfigErrors(std::vector<ConfigError> errors);
    [[nodiscard]] const std::vector<ConfigError> &errors() const noexcept { return errors_; }

private:
    std::vector<ConfigError> errors_;
};

// How user and group names become ids; the default uses getpwnam_r and
// getgrnam_r. Returning nullopt makes the name an error.
struct NameResolver {
    std::function<std::optional<std::uint32_t>(const std::string &)> user;
    std::function<std::optional<std::uint32_t>(const std::string &)> group;
};
[[nodiscard]] NameResolver system_names();
// The name of a uid, if the user database has one (getpwuid_r).
[[nodiscard]] std::optional<std::string> user_name(std::uint32_t uid);

// Parses and validates a configuration (every check the module makes, so
// that a file pind accepts is one the module accepts). `file` names the
// source in errors. Throws ConfigErrors.
[[nodiscard]] Config parse_config(std::string_view text, const std::string &file,
                                  const NameResolver &names = system_names());
// The text of a file; a file that cannot be read throws one ConfigError.
[[nodiscard]] std::string read_config(const std::filesystem::path &path);
// Reads and parses a file; a file that cannot be read is one ConfigError.
[[nodiscard]] Config load_config(const std::filesystem::path &path,
                                 const NameResolver &names = system_names());

} // namespace vpin
