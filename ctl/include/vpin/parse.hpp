// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/model.hpp>
#include <vpin/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

struct nl_msg;
struct nlmsghdr;

// Parsers for the messages of the "vpin" family. Each takes a whole generic
// netlink message, skips attributes it does not know and throws
// std::system_error(EBADMSG) for a malformed one or a missing object nest.
// put_policy() writes the one request that carries objects.
namespace vpin {

[[nodiscard]] Status parse_status(nlmsghdr *msg);
[[nodiscard]] Session parse_session(nlmsghdr *msg);
// The pins or leases of one message of a dump: one or more.
[[nodiscard]] std::vector<Pin> parse_pins(nlmsghdr *msg);
[[nodiscard]] std::vector<Lease> parse_leases(nlmsghdr *msg);
// The same, appended to `out`, which is left as it was when one fails.
void parse_pins(nlmsghdr *msg, std::vector<Pin> &out);
void parse_leases(nlmsghdr *msg, std::vector<Lease> &out);
[[nodiscard]] Event parse_event(nlmsghdr *msg);
[[nodiscard]] Usage parse_usage(nlmsghdr *msg);
// The reply to VPIN_CMD_SET_POLICY: the new set's generation.
[[nodiscard]] std::uint64_t parse_generation(nlmsghdr *msg);

// Folds the messages of a VPIN_CMD_GET_POLICY dump, in order, into a
// PolicyState: the first one carries the generation, the LOADED flag, the
// number of rules and the defaults; each further one a rule, or more paths of
// the rule before it (the same index).
class PolicyDump {
public:
    // Throws std::system_error(EBADMSG) for a malformed message, a rule
    // before the first message or a rule out of order.
    void add(nlmsghdr *msg);

    // A message carried another generation than the first: the rule set was
    // replaced during the dump, which must be redone.
    [[nodiscard]] bool replaced() const noexcept { return replaced_; }

    // Throws std::system_error(EBADMSG) when the first message is missing or
    // the number of rules is not the one it announced.
    [[nodiscard]] PolicyState result() const;

private:
    std::optional<PolicyState> state_;
    std::uint32_t announced_ = 0;
    bool replaced_ = false;
};

// The attributes of a VPIN_CMD_SET_POLICY request: VPIN_A_POLICY with the
// defaults, then one top-level VPIN_A_RULE per rule, each carrying only the
// values present in the Rule. Throws std::length_error when the set does not
// fit in `msg` or a rule in one attribute (64 KiB), std::bad_alloc when out
// of memory.
void put_policy(nl_msg *msg, const Policy &policy);
// Bytes put_policy() needs at most, generic netlink header included.
[[nodiscard]] std::size_t policy_message_size(const Policy &policy);

} // namespace vpin
