// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/error.hpp>
#include <vpin/model.hpp>
#include <vpin/policy.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct nl_sock;
struct nlmsghdr;

namespace vpin {

namespace detail {
struct SocketDeleter {
    void operator()(nl_sock *sock) const noexcept;
};
using Socket = std::unique_ptr<nl_sock, SocketDeleter>;
} // namespace detail

// Requests to the "vpin" generic netlink family. Failures throw vpin::Error
// with the kernel's errno and its extended ack message when it sent one;
// vpin::ModuleNotLoaded when the family is not registered (any more).
class Netlink {
public:
    Netlink();

    [[nodiscard]] Status status();
    [[nodiscard]] std::vector<Session> sessions();
    // Every pin or lease, or only those of one session.
    [[nodiscard]] std::vector<Pin> pins(std::optional<std::uint64_t> session = {});
    [[nodiscard]] std::vector<Lease> leases(std::optional<std::uint64_t> session = {});

    // Replaces the module's rule set, or removes it when `policy` is null,
    // and returns the new generation (VPIN_CMD_SET_POLICY; CAP_SYS_ADMIN).
    // A refused set throws with the module's extack message.
    std::uint64_t set_policy(const Policy *policy);
    [[nodiscard]] PolicyState policy();
    // Revokes a session's lease of either type, as a break deadline does
    // (VPIN_CMD_REVOKE_LEASE; CAP_SYS_ADMIN).
    void revoke_lease(std::uint64_t session, std::uint32_t lease);
    [[nodiscard]] std::vector<Usage> usage();

    // How often a dump that raced with a change is retried before giving up.
    static constexpr int dump_attempts = 5;

private:
    using Handler = std::function<void(nlmsghdr *)>;

    // Sends one request and feeds each reply message to `handler`; returns
    // false if a dump was interrupted by a concurrent change.
    bool transact(std::uint8_t cmd, Request request, bool dump,
                  std::optional<std::uint64_t> session, const Handler &handler);

    // `parse` appends the objects of one message.
    template <typename T>
    std::vector<T> dump(std::uint8_t cmd, Request request, void (*parse)(nlmsghdr *, std::vector<T> &),
                        std::optional<std::uint64_t> session);

    detail::Socket sock_;
    int family_;
};

// A non-blocking socket subscribed to the "events" multicast group; throws
// vpin::ModuleNotLoaded when the family is not registered.
class EventSocket {
public:
    EventSocket();

    // For poll().
    [[nodiscard]] int fd() const noexcept;

    // Reads what is queued and calls `on_event` for each event. Returns false
    // if the kernel dropped events because the receive buffer overran.
    bool receive(const std::function<void(const Event &)> &on_event);

private:
    detail::Socket sock_;
};

// The extended ack message (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or
// NLMSG_DONE message; empty if it carries none.
[[nodiscard]] std::string extack_message(const nlmsghdr *msg);

} // namespace vpin
