// SPDX-License-Identifier: GPL-2.0
#include <vpin/error.hpp>
#include <vpin/netlink.hpp>
#include <vpin/parse.hpp>

#include <linux/vpin.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>
#include <utility>

#include <sys/socket.h>

namespace vpin {

void detail::SocketDeleter::operator()(nl_sock *sock) const noexcept
{
    nl_socket_free(sock); // also closes its descriptor
}

namespace {

struct CallbacksDeleter {
    void operator()(nl_cb *cb) const noexcept { nl_cb_put(cb); }
};
using Callbacks = std::unique_ptr<nl_cb, CallbacksDeleter>;

struct MessageDeleter {
    void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};
using Message = std::unique_ptr<nl_msg, MessageDeleter>;

// The errno behind a libnl error code, for the ones a caller can act on.
int to_errno(int nl_error)
{
    switch (-nl_error) {
    case NLE_NOMEM: return ENOMEM;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM:
    case NLE_NOACCESS: return EPERM;
    case NLE_AGAIN: return EAGAIN;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_INVAL: return EINVAL;
    case NLE_MSGSIZE: return EMSGSIZE;
    default: return EIO;
    }
}

[[noreturn]] void fail(int nl_error, Request request)
{
    const int error = to_errno(nl_error);
    // libnl's own wording says more than a generic EIO would.
    Error::Context context{request, {}, 0, error == EIO ? nl_geterror(nl_error) : ""};
    // The family, or its group, is not registered: the module is not loaded.
    if ((request == Request::family || request == Request::events) && error == ENOENT)
        throw ModuleNotLoaded{error, std::move(context)};
    throw Error{error, std::move(context)};
}

template <typename T>
T *check_alloc(T *object)
{
    if (!object)
        throw std::bad_alloc{};
    return object;
}

detail::Socket connect()
{
    detail::Socket sock{check_alloc(nl_socket_alloc())};
    if (const int err = genl_connect(sock.get()); err < 0)
        fail(err, Request::family);
    return sock;
}

int resolve_family(nl_sock *sock)
{
    const int family = genl_ctrl_resolve(sock, VPIN_GENL_NAME);
    if (family < 0)
        fail(family, Request::family);
    return family;
}

// What one request got back.
struct Reply {
    explicit Reply(const std::function<void(nlmsghdr *)> &on_message) : handler{on_message} {}

    const std::function<void(nlmsghdr *)> &handler;
    bool done = false;
    bool interrupted = false;
    int error = 0;
    std::string extack;
    std::exception_ptr exception;
};

int on_message_in(nl_msg *msg, void *arg)
{
    if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
        static_cast<Reply *>(arg)->interrupted = true;
    return NL_OK;
}

int on_valid(nl_msg *msg, void *arg)
{
    auto *reply = static_cast<Reply *>(arg);
    try {
        reply->handler(nlmsg_hdr(msg));
        return NL_OK;
    } catch (...) {
        reply->exception = std::current_exception();
        return NL_STOP;
    }
}

// A dump that fails after it started ends with an NLMSG_DONE carrying the
// negative errno.
int on_finish(nl_msg *msg, void *arg)
{
    auto *reply = static_cast<Reply *>(arg);
    const nlmsghdr *hdr = nlmsg_hdr(msg);
    int status = 0;
    if (nlmsg_datalen(hdr) >= static_cast<int>(sizeof status))
        std::memcpy(&status, nlmsg_data(hdr), sizeof status);
    if (status < 0) {
        reply->error = -status;
        reply->extack = extack_message(hdr);
    }
    reply->done = true;
    return NL_STOP;
}

int on_ack(nl_msg *, void *arg)
{
    static_cast<Reply *>(arg)->done = true;
    return NL_STOP;
}

int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
    auto *reply = static_cast<Reply *>(arg);
    // libnl hands over the payload of the NLMSG_ERROR message.
    const auto *hdr = reinterpret_cast<const nlmsghdr *>(reinterpret_cast<const char *>(err) -
                                                          NLMSG_HDRLEN);
    reply->error = -err->error;
    reply->extack = extack_message(hdr);
    reply->done = true;
    return NL_STOP;
}

} // namespace

std::string extack_message(const nlmsghdr *msg)
{
    if (!(msg->nlmsg_flags & NLM_F_ACK_TLVS))
        return {};
    std::size_t offset = NLMSG_HDRLEN;
    if (msg->nlmsg_type == NLMSG_DONE) {
        offset += sizeof(int);
    } else if (msg->nlmsg_type == NLMSG_ERROR) {
        offset += sizeof(nlmsgerr);
        // Unless capped, the whole request follows its echoed header.
        if (!(msg->nlmsg_flags & NLM_F_CAPPED) && msg->nlmsg_len >= offset) {
            const auto *err = static_cast<const nlmsgerr *>(NLMSG_DATA(msg));
            offset += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
        }
    } else {
        return {};
    }
    if (offset >= msg->nlmsg_len)
        return {};

    auto *tlvs = reinterpret_cast<nlattr *>(const_cast<char *>(reinterpret_cast<const char *>(msg)) +
                                            offset);
    nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
    nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {};
    policy[NLMSGERR_ATTR_MSG] = {NLA_STRING, 0, 0};
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, static_cast<int>(msg->nlmsg_len - offset), policy) < 0 ||
        !tb[NLMSGERR_ATTR_MSG])
        return {};
    return static_cast<const char *>(nla_data(tb[NLMSGERR_ATTR_MSG]));
}

Netlink::Netlink() : sock_{connect()}, family_{resolve_family(sock_.get())}
{
    // Best effort: error messages, and errors without the request echoed back.
    const int one = 1;
    const int fd = nl_socket_get_fd(sock_.get());
    ::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
}

namespace {

// The one request path: sends `msg`, a request of the family, and feeds each
// reply message to `handler` until the ack, the end of the dump or an error.
// Returns false if a dump was interrupted by a concurrent change.
bool exchange(nl_sock *sock, nl_msg *msg, Request request,
              const std::function<void(nlmsghdr *)> &handler)
{
    if (const int err = nl_send_auto(sock, msg); err < 0)
        fail(err, request);

    Callbacks cb{check_alloc(nl_cb_alloc(NL_CB_DEFAULT))};
    Reply reply{handler};
    nl_cb_set(cb.get(), NL_CB_MSG_IN, NL_CB_CUSTOM, on_message_in, &reply);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &reply);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &reply);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &reply);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &reply);
    while (!reply.done && !reply.exception) {
        const int err = nl_recvmsgs(sock, cb.get());
        if (err == -NLE_DUMP_INTR) {
            reply.interrupted = true;
            break;
        }
        if (err < 0 && !reply.error)
            fail(err, request);
    }

    if (reply.exception)
        std::rethrow_exception(reply.exception);
    // The kernel answers ENOENT without a message for a family that went
    // away since it was resolved; the family's own ENOENT has one.
    if (reply.error == ENOENT && reply.extack.empty())
        throw ModuleNotLoaded{reply.error, {request, {}, 0, reply.extack}};
    if (reply.error)
        throw Error{reply.error, {request, {}, 0, reply.extack}};
    return !reply.interrupted;
}

// A request of the family without attributes, in a message of `size` bytes
// (0: libnl's default).
Message request(int family, std::uint8_t cmd, bool dump, std::size_t size = 0)
{
    Message msg{check_alloc(size ? nlmsg_alloc_size(size) : nlmsg_alloc())};
    const int flags = dump ? NLM_F_DUMP : NLM_F_ACK;
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, VPIN_GENL_VERSION))
        throw std::bad_alloc{};
    return msg;
}

// A rule set travels in one message, and the kernel refuses a message
// longer than the socket's send buffer less 32 bytes (EMSGSIZE). The buffer
// grows on demand up to this, as far as net.core.wmem_max lets it.
constexpr int policy_send_buffer = 4 << 20;
constexpr std::size_t send_overhead = 32;

int send_buffer(int fd)
{
    int size = 0;
    socklen_t len = sizeof size;
    if (::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0)
        throw std::system_error{errno, std::generic_category(), "getsockopt SO_SNDBUF"};
    return size;
}

void make_room(nl_sock *sock, std::uint32_t length)
{
    const int fd = nl_socket_get_fd(sock);
    if (static_cast<std::size_t>(send_buffer(fd)) >= length + send_overhead)
        return;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &policy_send_buffer, sizeof policy_send_buffer);
    if (static_cast<std::size_t>(send_buffer(fd)) < length + send_overhead)
        throw Error{EMSGSIZE,
                    {Request::set_policy, {}, 0,
                     fmt::format("the rule set ({} bytes) is larger than a netlink socket's send "
                                 "buffer may be (net.core.wmem_max)",
                                 length)}};
}

} // namespace

namespace {

[[noreturn]] void interrupted(Request request)
{
    throw Error{EAGAIN, {request, {}, 0,
                         fmt::format("dump interrupted by changes {} times", Netlink::dump_attempts)}};
}

[[noreturn]] void no_reply(Request request)
{
    throw Error{EBADMSG, {request, {}, 0, "no reply"}};
}

} // namespace

bool Netlink::transact(std::uint8_t cmd, Request req, bool dump,
                       std::optional<std::uint64_t> session, const Handler &handler)
{
    const Message msg = request(family_, cmd, dump);
    if (session && nla_put_u64(msg.get(), VPIN_A_SESSION_ID, *session) < 0)
        throw std::bad_alloc{};
    return exchange(sock_.get(), msg.get(), req, handler);
}

template <typename T>
std::vector<T> Netlink::dump(std::uint8_t cmd, Request request,
                             void (*parse)(nlmsghdr *, std::vector<T> &),
                             std::optional<std::uint64_t> session)
{
    std::vector<T> objects;
    for (int attempt = 0; attempt < dump_attempts; attempt++) {
        objects.clear();
        if (transact(cmd, request, true, session, [&](nlmsghdr *msg) { parse(msg, objects); }))
            return objects;
    }
    interrupted(request);
}

Status Netlink::status()
{
    std::optional<Status> status;
    transact(VPIN_CMD_GET_STATUS, Request::status, false, std::nullopt,
             [&](nlmsghdr *msg) { status = parse_status(msg); });
    if (!status)
        no_reply(Request::status);
    return *status;
}

std::vector<Session> Netlink::sessions()
{
    return dump(
        VPIN_CMD_GET_SESSIONS, Request::sessions,
        +[](nlmsghdr *msg, std::vector<Session> &out) { out.push_back(parse_session(msg)); },
        std::nullopt);
}

std::vector<Pin> Netlink::pins(std::optional<std::uint64_t> session)
{
    return dump<Pin>(VPIN_CMD_GET_PINS, Request::pins, parse_pins, session);
}

std::vector<Lease> Netlink::leases(std::optional<std::uint64_t> session)
{
    return dump<Lease>(VPIN_CMD_GET_LEASES, Request::leases, parse_leases, session);
}

std::uint64_t Netlink::set_policy(const Policy *policy)
{
    const Message msg = request(family_, VPIN_CMD_SET_POLICY, false,
                                policy ? policy_message_size(*policy) : 0);
    if (policy) {
        put_policy(msg.get(), *policy);
        make_room(sock_.get(), nlmsg_hdr(msg.get())->nlmsg_len);
    }

    std::optional<std::uint64_t> generation;
    exchange(sock_.get(), msg.get(), Request::set_policy,
             [&](nlmsghdr *reply) { generation = parse_generation(reply); });
    if (!generation)
        no_reply(Request::set_policy);
    return *generation;
}

void Netlink::revoke_lease(std::uint64_t session, std::uint32_t lease)
{
    const Message msg = request(family_, VPIN_CMD_REVOKE_LEASE, false);
    if (nla_put_u64(msg.get(), VPIN_A_SESSION_ID, session) < 0 ||
        nla_put_u32(msg.get(), VPIN_A_LEASE_ID, lease) < 0)
        throw std::bad_alloc{};
    exchange(sock_.get(), msg.get(), Request::revoke, [](nlmsghdr *) {});
}

PolicyState Netlink::policy()
{
    for (int attempt = 0; attempt < dump_attempts; attempt++) {
        PolicyDump dump;
        if (transact(VPIN_CMD_GET_POLICY, Request::policy, true, std::nullopt,
                     [&](nlmsghdr *msg) { dump.add(msg); }) &&
            !dump.replaced())
            return dump.result();
    }
    interrupted(Request::policy);
}

std::vector<Usage> Netlink::usage()
{
    return dump(
        VPIN_CMD_GET_USAGE, Request::usage,
        +[](nlmsghdr *msg, std::vector<Usage> &out) { out.push_back(parse_usage(msg)); },
        std::nullopt);
}

EventSocket::EventSocket() : sock_{connect()}
{
    const int group = genl_ctrl_resolve_grp(sock_.get(), VPIN_GENL_NAME, VPIN_GENL_MCGRP_EVENTS);
    if (group < 0)
        fail(group, Request::events);
    nl_socket_disable_seq_check(sock_.get());
    if (const int err = nl_socket_add_membership(sock_.get(), group); err < 0)
        fail(err, Request::events);
    if (const int err = nl_socket_set_nonblocking(sock_.get()); err < 0)
        fail(err, Request::events);
}

int EventSocket::fd() const noexcept
{
    return nl_socket_get_fd(sock_.get());
}

bool EventSocket::receive(const std::function<void(const Event &)> &on_event)
{
    const std::function<void(nlmsghdr *)> handler = [&](nlmsghdr *msg) {
        if (static_cast<const genlmsghdr *>(nlmsg_data(msg))->cmd == VPIN_CMD_EVENT)
            on_event(parse_event(msg));
    };
    // A copy of the socket's callbacks, which skip the sequence check.
    const Callbacks own{nl_socket_get_cb(sock_.get())};
    Callbacks cb{check_alloc(nl_cb_clone(own.get()))};
    Reply reply{handler};
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &reply);
    const int err = nl_recvmsgs(sock_.get(), cb.get());
    if (reply.exception)
        std::rethrow_exception(reply.exception);
    if (err == -NLE_NOMEM) // ENOBUFS
        return false;
    // Non-blocking: nothing (more) is queued.
    if (err < 0 && err != -NLE_AGAIN)
        fail(err, Request::events);
    return true;
}

} // namespace vpin
