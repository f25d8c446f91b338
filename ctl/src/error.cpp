// SPDX-License-Identifier: GPL-2.0
#include <vpin/error.hpp>

#include <filesystem>
#include <utility>

namespace vpin {

namespace {

std::string what_arg(const Error::Context &context)
{
    if (context.request == Request::open)
        return context.subject;
    std::string text{request_name(context.request)};
    if (!context.subject.empty())
        text += ": " + context.subject;
    if (!context.detail.empty())
        text += ": " + context.detail;
    return text;
}

} // namespace

std::string_view request_name(Request request) noexcept
{
    switch (request) {
    case Request::open: return "open";
    case Request::version: return "VPIN_IOC_VERSION";
    case Request::lease: return "VPIN_IOC_LEASE";
    case Request::unlease: return "VPIN_IOC_UNLEASE";
    case Request::pin: return "VPIN_IOC_PIN";
    case Request::unpin: return "VPIN_IOC_UNPIN";
    case Request::map: return "VPIN_IOC_MAP";
    case Request::read_events: return "read";
    case Request::family: return "generic netlink family vpin";
    case Request::status: return "VPIN_CMD_GET_STATUS";
    case Request::sessions: return "VPIN_CMD_GET_SESSIONS";
    case Request::pins: return "VPIN_CMD_GET_PINS";
    case Request::leases: return "VPIN_CMD_GET_LEASES";
    case Request::set_policy: return "VPIN_CMD_SET_POLICY";
    case Request::policy: return "VPIN_CMD_GET_POLICY";
    case Request::usage: return "VPIN_CMD_GET_USAGE";
    case Request::revoke: return "VPIN_CMD_REVOKE_LEASE";
    case Request::events: return "multicast group vpin/events";
    }
    return "vpin";
}

Error::Error(int error, Context context)
    : std::system_error{error, std::generic_category(), what_arg(context)},
      context_{std::move(context)}
{
}

bool module_loaded()
{
    std::error_code ec;
    return std::filesystem::exists("/sys/module/vpin", ec);
}

} // namespace vpin
