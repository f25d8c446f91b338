// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace vpin {

// What was asked of the vpin module when it failed.
enum class Request {
    open,        // opening the device node: a new session
    version,     // VPIN_IOC_VERSION
    lease,       // VPIN_IOC_LEASE
    unlease,     // VPIN_IOC_UNLEASE
    pin,         // VPIN_IOC_PIN
    unpin,       // VPIN_IOC_UNPIN
    map,         // VPIN_IOC_MAP
    read_events, // read(2) of a session
    family,      // resolving the generic netlink family "vpin"
    status,      // VPIN_CMD_GET_STATUS
    sessions,    // VPIN_CMD_GET_SESSIONS
    pins,        // VPIN_CMD_GET_PINS
    leases,      // VPIN_CMD_GET_LEASES
    set_policy,  // VPIN_CMD_SET_POLICY
    policy,      // VPIN_CMD_GET_POLICY
    usage,       // VPIN_CMD_GET_USAGE
    revoke,      // VPIN_CMD_REVOKE_LEASE
    events,      // the family's "events" multicast group
};

// The request's name in messages: "VPIN_IOC_LEASE", "VPIN_CMD_GET_PINS",
// "multicast group vpin/events", ...
[[nodiscard]] std::string_view request_name(Request request) noexcept;

// A request to the module that failed, with what explain() needs to say
// why: std::system_error with the errno, whose what() reads
// "REQUEST[: SUBJECT][: DETAIL]: strerror" ("SUBJECT: strerror" when opening
// the device node).
class Error : public std::system_error {
public:
    struct Context {
        Request request;
        std::string subject = {};     // the file concerned, or the device node
        std::uint32_t lease_type = 0; // enum vpin_lease_type of a lease request
        std::string detail = {};      // the kernel's extack message, or more
    };

    Error(int error, Context context);

    [[nodiscard]] const Context &context() const noexcept { return context_; }
    [[nodiscard]] Request request() const noexcept { return context_.request; }
    [[nodiscard]] const std::string &subject() const noexcept { return context_.subject; }

private:
    Context context_;
};

// The vpin module is not loaded: its device node or its generic netlink
// family is missing. errno is the one the request got (ENOENT mostly).
class ModuleNotLoaded : public Error {
public:
    using Error::Error;
};

// Whether the vpin module is loaded (/sys/module/vpin exists).
[[nodiscard]] bool module_loaded();

} // namespace vpin
