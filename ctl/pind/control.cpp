// SPDX-License-Identifier: GPL-2.0
#include "control.hpp"

#include "log.hpp"

#include <fmt/core.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pind {

namespace {

std::string refusal(std::string error)
{
    vpin::ControlReply reply;
    reply.error = std::move(error);
    return vpin::format_reply(reply);
}

// Best effort, for a connection about to be closed: a short line fits in
// any socket buffer.
void tell(int fd, const std::string &line)
{
    (void)::send(fd, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

} // namespace

ControlServer::ControlServer(const std::filesystem::path &path, Handler handler)
    : path_{path}, listener_{vpin::listen_control(path)}, handler_{std::move(handler)}
{
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0)
        inode_ = st.st_ino;
}

ControlServer::~ControlServer()
{
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_)
        ::unlink(path_.c_str());
}

void ControlServer::add(std::vector<pollfd> &fds) const
{
    fds.push_back({listener_.get(), POLLIN, 0});
    for (const auto &client : clients_)
        fds.push_back({client.fd.get(), static_cast<short>(client.out.empty() ? POLLIN : POLLOUT), 0});
}

void ControlServer::handle(const std::vector<pollfd> &fds, std::size_t first)
{
    const bool incoming = first < fds.size() && fds[first].revents;
    // The clients as add() listed them; accept() only appends.
    std::vector<bool> done(clients_.size(), false);
    for (std::size_t i = 0; i < clients_.size() && first + 1 + i < fds.size(); i++) {
        if (fds[first + 1 + i].revents)
            done[i] = !serve(clients_[i], fds[first + 1 + i].revents);
    }
    for (std::size_t i = clients_.size(); i-- > 0;) {
        if (done[i])
            clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (incoming)
        accept();
}

void ControlServer::accept()
{
    for (;;) {
        vpin::Fd fd{::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
        if (!fd) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                error("control socket: accept: {}", std::generic_category().message(errno));
            return;
        }
        uid_t uid = 0;
        try {
            uid = vpin::peer_uid(fd.get());
        } catch (const std::system_error &e) {
            error("control socket: {}", e.what());
            continue;
        }
        if (uid != 0) {
            warning("control socket: refused a connection of uid {}", uid);
            tell(fd.get(), refusal(fmt::format(
                               "pind's control socket is for root (uid 0) only; uid {} is refused", uid)));
            continue;
        }
        if (clients_.size() >= max_clients) {
            tell(fd.get(),
                 refusal(fmt::format("pind serves {} connections at once; try again", max_clients)));
            continue;
        }
        Client client;
        client.fd = std::move(fd);
        clients_.push_back(std::move(client));
    }
}

bool ControlServer::serve(Client &client, short revents)
{
    if (revents & POLLERR)
        return false;
    // Read only while no reply waits: a client that does not read its
    // replies is not read from, and what is buffered stays bounded.
    if ((revents & (POLLIN | POLLHUP)) && client.out.empty()) {
        std::array<char, 4096> buffer;
        const ssize_t n = ::recv(client.fd.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
        if (n == 0) {
            // The peer is done sending: what it asked is still answered.
            client.closing = true;
        } else if (n > 0 && !client.in.append({buffer.data(), static_cast<std::size_t>(n)})) {
            client.out = refusal(fmt::format("a request is at most {} bytes", vpin::max_request_bytes - 1));
            client.in = vpin::LineBuffer{vpin::max_request_bytes};
            client.closing = true;
        }
    }
    return flush(client);
}

// Sends what waits, then answers the next whole line, until the socket is
// full or no whole line is left.
bool ControlServer::flush(Client &client)
{
    for (;;) {
        while (!client.out.empty()) {
            const ssize_t n =
                ::send(client.fd.get(), client.out.data(), client.out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            if (n < 0)
                return false;
            client.out.erase(0, static_cast<std::size_t>(n));
        }
        const auto line = client.in.next();
        if (!line)
            break;
        client.out = vpin::format_reply(handler_(*line));
    }
    return !client.closing;
}

} // namespace pind
