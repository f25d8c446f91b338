// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/netlink.hpp>

#include <linux/vpin.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace vpin {

// A generic netlink family coming or going, as the controller announces it.
struct FamilyChange {
    enum class Kind { appeared, vanished };
    Kind kind;
    // The family's id; a family registered again (a module loaded again)
    // usually gets a new one.
    std::uint16_t id;
};

// Watches one generic netlink family, "vpin" by default, come and go: a
// non-blocking socket subscribed to the "notify" multicast group of the
// controller "nlctrl", which announces every registration
// (CTRL_CMD_NEWFAMILY) and unregistration (CTRL_CMD_DELFAMILY). Neither the
// watcher nor id() ever loads a module: they never ask for the family by
// name, which would (see "Generic netlink family" in linux/vpin.h).
// Failures throw std::system_error.
class FamilyWatcher {
public:
    explicit FamilyWatcher(std::string name = VPIN_GENL_NAME);

    // For poll().
    [[nodiscard]] int fd() const noexcept;

    // Reads what is queued and calls `on_change` for each change of the
    // watched family, in order. Returns false if notifications were lost
    // because the receive buffer overran: id() tells where things stand.
    bool receive(const std::function<void(const FamilyChange &)> &on_change);

    // The watched family's id now, from a dump of the controller's families;
    // nothing if it is not registered. Subscribe first, ask second, and no
    // change falls between the two.
    [[nodiscard]] std::optional<std::uint16_t> id() const;

    [[nodiscard]] const std::string &name() const noexcept { return name_; }

private:
    std::string name_;
    detail::Socket sock_;
};

} // namespace vpin
