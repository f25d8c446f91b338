// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/check.hpp>
#include <vpin/error.hpp>
#include <vpin/model.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What went wrong, in the words an administrator needs: the one place where
// an errno and what was being done become a sentence that says what to do.
// Every tool prints its failures through explain().
namespace vpin {

// A lease of a file, and its session where the caller may see it.
struct Holder {
    Lease lease;
    std::optional<Session> session;
};

// What explain() can say more with, found out about an Error after the
// fact by look_into(). Empty members are unknown.
struct Findings {
    // EBUSY of a lease: the leases of the same file (device and inode).
    std::vector<Holder> holders;
    // ENODATA of an exclusive lease: what keeps the file from being fully
    // allocated (unallocated(); empty: nothing, as far as can be told), and
    // its size.
    std::optional<std::vector<std::string>> unallocated;
    std::uint64_t size = 0;
    // EPERM of a lease: whether the caller may lease the file as its owner
    // (owner_check() with the lease type's capability).
    std::optional<Check> owner;
    // EPERM of a lease or a pin: whether a rule set is in force.
    std::optional<bool> policy_loaded;
};

// Finds out what explain() needs for `error`: the leases of the file and
// their sessions (over netlink), its blocks, its owner, whether a rule set
// is loaded. Never throws: what cannot be found out (not allowed, the module
// gone) stays unknown.
[[nodiscard]] Findings look_into(const Error &error);

// The sentence for `error`, without a program name or a newline; what()
// where there is nothing better to say.
[[nodiscard]] std::string explain(const Error &error, const Findings &findings);

// The same for any exception: a vpin::Error with look_into()'s findings,
// anything else as its what().
[[nodiscard]] std::string explain(const std::exception &error);

// A command line parser's complaint in plain words: `message` is CLI11's
// text ("The following argument was not expected: -x" becomes "unknown
// option '-x'"); `commands` are the subcommands of the command that
// complained, for a missing one. Other complaints keep their words.
[[nodiscard]] std::string explain_usage(std::string_view message,
                                        const std::vector<std::string> &commands = {});

} // namespace vpin
