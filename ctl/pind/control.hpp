// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/control.hpp>
#include <vpin/fd.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <sys/types.h>

namespace pind {

// pind's control socket (vpin/control.hpp): accepts root's connections,
// reads request lines, writes each reply line, all without blocking, in
// pind's poll() loop. Other users are told they are refused, and are
// disconnected.
class ControlServer {
public:
    // Answers a request line with a reply (its line is made here).
    using Handler = std::function<vpin::ControlReply(std::string_view line)>;

    // Listens at `path`; throws std::system_error.
    ControlServer(const std::filesystem::path &path, Handler handler);
    // Removes the socket, unless another pind has replaced it.
    ~ControlServer();
    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    // The descriptors to poll, appended to `fds`.
    void add(std::vector<pollfd> &fds) const;
    // What poll() reported for them, from fds[first] on.
    void handle(const std::vector<pollfd> &fds, std::size_t first);

    // At most this many connections at once; more are told so and closed.
    static constexpr std::size_t max_clients = 16;

private:
    struct Client {
        vpin::Fd fd;
        vpin::LineBuffer in{vpin::max_request_bytes};
        std::string out;      // reply bytes not sent yet
        bool closing = false; // close once `out` is sent
    };

    void accept();
    // False when the connection is done with.
    bool serve(Client &client, short revents);
    bool flush(Client &client);

    std::filesystem::path path_;
    vpin::Fd listener_;
    ino_t inode_ = 0;
    Handler handler_;
    std::vector<Client> clients_;
};

} // namespace pind
