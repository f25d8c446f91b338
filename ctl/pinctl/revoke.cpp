// SPDX-License-Identifier: GPL-2.0
#include "commands.hpp"

#include <vpin/error.hpp>
#include <vpin/netlink.hpp>
#include <vpin/print.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pinctl {

namespace {

struct Target {
    std::optional<std::uint64_t> session;
    std::uint32_t lease = 0;
};

template <typename T>
bool parse_number(std::string_view text, T &value)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

// "SESSION:ID" or "ID".
Target parse_target(const std::string &text)
{
    Target target;
    const auto colon = text.find(':');
    const std::string_view id = colon == std::string::npos
                                    ? std::string_view{text}
                                    : std::string_view{text}.substr(colon + 1);
    std::uint64_t session = 0;
    if (colon != std::string::npos) {
        if (!parse_number(std::string_view{text}.substr(0, colon), session))
            throw CLI::ValidationError{"LEASE", "'" + text + "' is not SESSION:ID or ID"};
        target.session = session;
    }
    if (!parse_number(id, target.lease))
        throw CLI::ValidationError{"LEASE", "'" + text + "' is not SESSION:ID or ID"};
    return target;
}

// The session of lease `id` when only the id was given: it must be unique.
std::uint64_t session_of(vpin::Netlink &netlink, std::uint32_t id)
{
    std::vector<std::uint64_t> sessions;
    for (const auto &lease : netlink.leases()) {
        if (lease.id == id && lease.state != VPIN_LEASE_STATE_ORPHANED)
            sessions.push_back(lease.session);
    }
    if (sessions.size() == 1)
        return sessions.front();
    if (sessions.empty())
        throw vpin::Error{ENOENT, {vpin::Request::revoke, {}, 0, "no such lease"}};
    throw vpin::Error{EINVAL,
                      {vpin::Request::revoke, {}, 0,
                       fmt::format("sessions {} each have a lease {}: name one as SESSION:{}",
                                   fmt::join(sessions, ", "), id, id)}};
}

} // namespace

Runner setup_revoke(CLI::App &command, const Globals &globals)
{
    auto lease = std::make_shared<std::string>();
    command.add_option("LEASE", *lease, "The lease, as SESSION:ID, or ID alone if only one session has it")
        ->required();
    command.footer("Revokes the lease as a break deadline would: its pins are released, the file's "
                   "protection ends (unless a device still holds its pages), and the session's "
                   "owner gets the revocation event and signal. Needs CAP_SYS_ADMIN.");
    return [lease, &globals] {
        const Target target = parse_target(*lease);
        vpin::Netlink netlink;
        const std::uint64_t session = target.session ? *target.session : session_of(netlink, target.lease);
        netlink.revoke_lease(session, target.lease);
        if (globals.verbose)
            fmt::print(stderr, "pinctl: revoked lease {}:{}\n", session, target.lease);
        return EXIT_SUCCESS;
    };
}

} // namespace pinctl
