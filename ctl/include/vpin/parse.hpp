#pragma once

#include <vpin/model.hpp>

struct nlmsghdr;

// Parsers for the messages of the "vpin" family. Each takes a whole generic
// netlink message, skips attributes it does not know and throws
// std::system_error(EBADMSG) for a malformed one or a missing object nest.
namespace vpin {

[[nodiscard]] Status parse_status(nlmsghdr *msg);
[[nodiscard]] Session parse_session(nlmsghdr *msg);
[[nodiscard]] Pin parse_pin(nlmsghdr *msg);
[[nodiscard]] Lease parse_lease(nlmsghdr *msg);
[[nodiscard]] Event parse_event(nlmsghdr *msg);

} // namespace vpin
