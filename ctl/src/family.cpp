// SPDX-License-Identifier: GPL-2.0
#include <vpin/family.hpp>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <array>
#include <cerrno>
#include <new>
#include <system_error>
#include <utility>

#include <sys/socket.h>

namespace vpin {

namespace {

constexpr const char *controller = "nlctrl";
constexpr const char *notify_group = "notify";

[[noreturn]] void fail(int nl_error, const std::string &what)
{
    int error = EIO;
    switch (-nl_error) {
    case NLE_NOMEM: error = ENOMEM; break;
    case NLE_PERM:
    case NLE_NOACCESS: error = EPERM; break;
    case NLE_OBJ_NOTFOUND: error = ENOENT; break;
    case NLE_AF_NOSUPPORT: error = EAFNOSUPPORT; break;
    default: break;
    }
    // libnl's own wording says more than a generic EIO would.
    throw std::system_error{error, std::generic_category(),
                            error == EIO ? what + ": " + nl_geterror(nl_error) : what};
}

detail::Socket connect(const std::string &what)
{
    detail::Socket sock{nl_socket_alloc()};
    if (!sock)
        throw std::bad_alloc{};
    if (const int err = genl_connect(sock.get()); err < 0)
        fail(err, what);
    return sock;
}

// The name and id of a family in a controller message; false if it lacks
// them.
bool family_of(nlmsghdr *msg, std::string &name, std::uint16_t &id)
{
    std::array<nlattr *, CTRL_ATTR_MAX + 1> tb{};
    std::array<nla_policy, CTRL_ATTR_MAX + 1> policy{};
    policy[CTRL_ATTR_FAMILY_ID].type = NLA_U16;
    policy[CTRL_ATTR_FAMILY_NAME].type = NLA_STRING;
    if (genlmsg_parse(msg, 0, tb.data(), CTRL_ATTR_MAX, policy.data()) < 0 ||
        !tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_FAMILY_NAME])
        return false;
    name = nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]);
    id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
    return true;
}

struct Lookup {
    const std::string &name;
    std::optional<std::uint16_t> id;
};

int on_family(nl_msg *msg, void *arg)
{
    auto *lookup = static_cast<Lookup *>(arg);
    std::string name;
    std::uint16_t id = 0;
    if (family_of(nlmsg_hdr(msg), name, id) && name == lookup->name)
        lookup->id = id;
    return NL_OK;
}

} // namespace

FamilyWatcher::FamilyWatcher(std::string name)
    : name_{std::move(name)}, sock_{connect("generic netlink controller socket")}
{
    const int group = genl_ctrl_resolve_grp(sock_.get(), controller, notify_group);
    if (group < 0)
        fail(group, "multicast group nlctrl/notify");
    nl_socket_disable_seq_check(sock_.get());
    if (const int err = nl_socket_add_membership(sock_.get(), group); err < 0)
        fail(err, "joining multicast group nlctrl/notify");
    if (const int err = nl_socket_set_nonblocking(sock_.get()); err < 0)
        fail(err, "controller socket");
}

int FamilyWatcher::fd() const noexcept
{
    return nl_socket_get_fd(sock_.get());
}

bool FamilyWatcher::receive(const std::function<void(const FamilyChange &)> &on_change)
{
    // Controller notifications are a few hundred bytes each, one per datagram.
    alignas(nlmsghdr) std::array<char, 32768> buffer;
    bool complete = true;
    for (;;) {
        sockaddr_nl from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = ::recvfrom(fd(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr *>(&from), &from_len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) { // overrun: what was dropped is gone
                complete = false;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return complete;
            throw std::system_error{errno, std::generic_category(), "receiving controller notifications"};
        }
        if (from.nl_pid != 0) // only the kernel speaks for the controller
            continue;
        int left = static_cast<int>(n);
        for (auto *msg = reinterpret_cast<nlmsghdr *>(buffer.data()); nlmsg_ok(msg, left);
             msg = nlmsg_next(msg, &left)) {
            if (msg->nlmsg_type != GENL_ID_CTRL ||
                msg->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
                continue;
            const auto cmd = static_cast<const genlmsghdr *>(nlmsg_data(msg))->cmd;
            if (cmd != CTRL_CMD_NEWFAMILY && cmd != CTRL_CMD_DELFAMILY)
                continue;
            std::string name;
            std::uint16_t id = 0;
            if (!family_of(msg, name, id) || name != name_)
                continue;
            on_change({cmd == CTRL_CMD_NEWFAMILY ? FamilyChange::Kind::appeared
                                                 : FamilyChange::Kind::vanished,
                       id});
        }
    }
}

std::optional<std::uint16_t> FamilyWatcher::id() const
{
    // A dump, not a request by name: asking for a family that is not
    // registered makes the kernel try to load the module that provides it.
    const detail::Socket sock = connect("generic netlink controller socket");
    if (const int err = genl_send_simple(sock.get(), GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_DUMP);
        err < 0)
        fail(err, "listing generic netlink families");
    Lookup lookup{name_, std::nullopt};
    if (const int err = nl_socket_modify_cb(sock.get(), NL_CB_VALID, NL_CB_CUSTOM, on_family, &lookup);
        err < 0)
        fail(err, "listing generic netlink families");
    if (const int err = nl_recvmsgs_default(sock.get()); err < 0)
        fail(err, "listing generic netlink families");
    return lookup.id;
}

} // namespace vpin
