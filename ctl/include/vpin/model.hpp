// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>

// What the "vpin" generic netlink family reports (kmod/uapi/linux/vpin.h).
// Members a message does not carry keep their zero value or stay empty.
namespace vpin {

struct FileRef {
    std::uint32_t dev = 0; // major << 20 | minor
    std::uint64_t ino = 0;
    std::string path;
};

struct Status {
    std::string version;
    std::uint32_t abi_version = 0;
    std::uint64_t sessions = 0;
    std::uint64_t pins = 0;
    std::uint64_t pinned_bytes = 0;
    std::uint64_t leases = 0;
    std::uint64_t protected_files = 0;
    std::uint64_t orphans = 0; // leases that ended while a device held their pages
    std::uint64_t maps = 0;    // VPIN_IOC_MAP descriptors
};

struct Session {
    std::uint64_t id = 0;
    std::uint32_t pid = 0;
    std::uint32_t uid = 0;
    std::string comm;
    std::uint64_t pins = 0;
    std::uint64_t pinned_bytes = 0;
    std::uint64_t leases = 0;
};

struct Pin {
    std::uint64_t session = 0;
    std::uint32_t id = 0;
    std::uint32_t flags = 0; // VPIN_PIN_F_*
    std::uint64_t addr = 0;
    std::uint64_t length = 0;
    std::uint64_t offset = 0;
    std::uint64_t pages = 0;
    std::uint64_t age_ms = 0;
    bool dax = false;
    std::optional<FileRef> file; // empty for anonymous memory
};

struct Lease {
    std::uint64_t session = 0;
    std::uint32_t id = 0;
    std::uint32_t type = 0;  // enum vpin_lease_type
    std::uint32_t state = 0; // enum vpin_lease_state
    std::uint64_t pins = 0;
    std::uint64_t age_ms = 0;
    std::optional<std::uint64_t> break_deadline_ms; // only while breaking
    std::optional<FileRef> file;
    std::uint64_t maps = 0;                  // mappings made under it
    std::optional<std::uint64_t> referenced; // orphaned: pages others still hold
};

// One message of the "events" multicast group; which members are present
// depends on the type.
struct Event {
    std::uint32_t type = 0; // enum vpin_event_type, possibly newer than this build
    std::optional<std::uint64_t> session;
    std::optional<std::uint32_t> pid;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> id; // pin or lease id
    std::optional<std::uint64_t> pages;
    std::optional<FileRef> file;
    // VPIN_EVENT_POLICY_DENIED
    std::optional<std::string> comm;
    std::optional<std::uint32_t> operation; // enum vpin_policy_op
    std::optional<std::string> rule;        // "" for the defaults
    std::optional<std::uint32_t> error;     // EPERM or EDQUOT
    std::optional<std::uint64_t> suppressed;
    // VPIN_EVENT_POLICY_CHANGED
    std::optional<std::uint64_t> generation;
    std::optional<std::uint32_t> rules;
    // Lease events; a break and a revocation say why and who
    std::optional<std::uint32_t> lease_type;   // enum vpin_lease_type
    std::optional<std::uint32_t> reason;       // enum vpin_break_reason
    std::optional<std::uint32_t> breaker_pid;  // in the initial pid namespace
    std::optional<std::string> breaker_comm;
    std::optional<std::uint64_t> break_ms;     // break: ms until revocation
    std::optional<std::uint32_t> signal;       // revoked: the opener's signal, 0 for none
};

} // namespace vpin
