// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/config_edit.hpp>
#include <vpin/fd.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/types.h>

// pind's control socket (pind(8), CONTROL SOCKET): a local stream socket on
// which root asks pind to show or change the rules of its configuration
// file. One JSON object a line each way: a request, then its reply.
//
//   {"op":"show"}
//   {"op":"set-rule","rule":{"name":"rdma","max_pinned":"64G","on_revoke":null}}
//   {"op":"add-rule","rule":{"name":"batch","users":["batch"],"allow":["pin"]}}
//   {"op":"set-defaults","rule":{"break_time":"45s"}}
//
//   {"ok":true,"file":"/etc/vpin/pind.toml","generation":12}
//   {"ok":false,"error":"/etc/vpin/pind.toml:31:14: rule \"rdma\": ..."}
namespace vpin {

inline constexpr const char *default_control_socket = "/run/vpin/pind.sock";
// The longest request line pind reads, newline included.
inline constexpr std::size_t max_request_bytes = 64 * 1024;
// The longest reply line a client reads (a "show" of 1024 rules with all
// their paths fits).
inline constexpr std::size_t max_reply_bytes = 16 * 1024 * 1024;

// A request that is not one, in words for its sender.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ControlRequest {
    enum class Op { show, set_rule, add_rule, set_defaults };
    Op op = Op::show;
    RuleEdit edit; // for the edits; edit.target follows op
};

struct ControlReply {
    bool ok = false;
    std::string error;                       // when not ok: one problem a line
    std::string file;                        // pind's configuration file
    std::optional<std::uint64_t> generation; // of the rules in the module after the request
    // show: config_tables() of the file.
    nlohmann::json tables = nullptr;
};

[[nodiscard]] std::string_view control_op_name(ControlRequest::Op op);

// One line (without its newline) to a request. Throws ProtocolError: not a
// JSON object, an unknown op or field, an edit without a rule object or a
// rule without a name, a key pind does not edit, a value that is not null,
// a string, an integer or an array of strings and integers.
[[nodiscard]] ControlRequest parse_request(std::string_view line);
// The line for a request or a reply, newline included.
[[nodiscard]] std::string format_request(const ControlRequest &request);
[[nodiscard]] std::string format_reply(const ControlReply &reply);
// A reply line; throws ProtocolError if it is not one.
[[nodiscard]] ControlReply parse_reply(std::string_view line);

// Collects what a stream brings into lines, up to `max` bytes a line
// (newline included).
class LineBuffer {
public:
    explicit LineBuffer(std::size_t max) : max_{max} {}

    // Adds bytes; false once the line being collected is longer than the
    // limit (the buffer is useless then).
    bool append(std::string_view data);
    // The next whole line, without its newline.
    [[nodiscard]] std::optional<std::string> next();
    [[nodiscard]] bool empty() const noexcept { return data_.empty(); }

private:
    std::size_t max_;
    std::string data_;
};

// The server's side: a listening socket at `path`, non-blocking and
// close-on-exec, mode 0600. Its directory is made (0755) if it is missing;
// a socket left at `path` by a pind that is gone is replaced, one that
// another process still listens on is not (EADDRINUSE). Throws
// std::system_error.
[[nodiscard]] Fd listen_control(const std::filesystem::path &path);
// The uid of a connected peer (SO_PEERCRED); throws std::system_error.
[[nodiscard]] uid_t peer_uid(int fd);

// The client's side: one request, its reply. Throws std::system_error when
// pind cannot be reached ("connect PATH: ...") or does not answer within
// `timeout`, ProtocolError when the answer is not a reply.
[[nodiscard]] ControlReply control(const std::filesystem::path &socket, const ControlRequest &request,
                                   std::chrono::milliseconds timeout = std::chrono::seconds{10});

} // namespace vpin
