// SPDX-License-Identifier: GPL-2.0
#include <vpin/control.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace vpin {

namespace {

constexpr std::array<std::pair<ControlRequest::Op, std::string_view>, 4> ops{{
    {ControlRequest::Op::show, "show"},
    {ControlRequest::Op::set_rule, "set-rule"},
    {ControlRequest::Op::add_rule, "add-rule"},
    {ControlRequest::Op::set_defaults, "set-defaults"},
}};

RuleEdit::Target target_of(ControlRequest::Op op)
{
    switch (op) {
    case ControlRequest::Op::add_rule: return RuleEdit::Target::new_rule;
    case ControlRequest::Op::set_defaults: return RuleEdit::Target::defaults;
    default: return RuleEdit::Target::rule;
    }
}

bool scalar(const nlohmann::json &value)
{
    return value.is_string() || value.is_number_integer();
}

// The rule object of an edit: its keys and values.
void check_rule(const nlohmann::json &rule, ControlRequest::Op op)
{
    if (!rule.is_object())
        throw ProtocolError{"\"rule\" must be an object of keys and values"};
    for (const auto &[key, value] : rule.items()) {
        if (!editable_key(key))
            throw ProtocolError{fmt::format("\"rule\": unknown key {:?}", key)};
        if (value.is_null() || scalar(value))
            continue;
        if (value.is_array()) {
            for (const auto &element : value) {
                if (!scalar(element))
                    throw ProtocolError{
                        fmt::format("\"rule\": {}: {} is not a string or an integer", key, element.dump())};
            }
            continue;
        }
        throw ProtocolError{
            fmt::format("\"rule\": {}: {} is not null, a string, an integer or an array", key, value.dump())};
    }
    if (op == ControlRequest::Op::set_defaults)
        return;
    const auto name = rule.find("name");
    if (name == rule.end() || !name->is_string() || name->get_ref<const std::string &>().empty())
        throw ProtocolError{"\"rule\" needs a \"name\": the rule's, a non-empty string"};
}

} // namespace

std::string_view control_op_name(ControlRequest::Op op)
{
    for (const auto &[o, name] : ops) {
        if (o == op)
            return name;
    }
    return "";
}

ControlRequest parse_request(std::string_view line)
{
    if (line.size() >= max_request_bytes)
        throw ProtocolError{fmt::format("a request is at most {} bytes", max_request_bytes - 1)};
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception &e) {
        throw ProtocolError{fmt::format("not JSON: {}", e.what())};
    }
    if (!json.is_object())
        throw ProtocolError{"a request is a JSON object"};
    for (const auto &[key, value] : json.items()) {
        if (key != "op" && key != "rule")
            throw ProtocolError{fmt::format("unknown field {:?}", key)};
    }
    const auto op = json.find("op");
    if (op == json.end() || !op->is_string())
        throw ProtocolError{"\"op\" is missing: show, set-rule, add-rule or set-defaults"};
    ControlRequest request;
    const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto &o) {
        return o.second == op->get_ref<const std::string &>();
    });
    if (it == ops.end())
        throw ProtocolError{fmt::format("unknown op {:?}: show, set-rule, add-rule or set-defaults",
                                        op->get_ref<const std::string &>())};
    request.op = it->first;
    const auto rule = json.find("rule");
    if (request.op == ControlRequest::Op::show) {
        if (rule != json.end())
            throw ProtocolError{"show takes no \"rule\""};
        return request;
    }
    if (rule == json.end())
        throw ProtocolError{fmt::format("{} needs a \"rule\"", it->second)};
    check_rule(*rule, request.op);
    request.edit.target = target_of(request.op);
    if (request.op != ControlRequest::Op::set_defaults)
        request.edit.name = rule->at("name").get<std::string>();
    request.edit.keys = *rule;
    return request;
}

std::string format_request(const ControlRequest &request)
{
    nlohmann::json json{{"op", control_op_name(request.op)}};
    if (request.op != ControlRequest::Op::show) {
        json["rule"] = request.edit.keys.is_object() ? request.edit.keys : nlohmann::json::object();
        if (request.op != ControlRequest::Op::set_defaults)
            json["rule"]["name"] = request.edit.name;
    }
    return json.dump() + '\n';
}

std::string format_reply(const ControlReply &reply)
{
    nlohmann::json json{{"ok", reply.ok}};
    if (!reply.ok)
        json["error"] = reply.error;
    if (!reply.file.empty())
        json["file"] = reply.file;
    if (reply.ok)
        json["generation"] = reply.generation ? nlohmann::json(*reply.generation) : nlohmann::json(nullptr);
    if (!reply.tables.is_null()) {
        json["defaults"] = reply.tables.value("defaults", nlohmann::json::object());
        json["rules"] = reply.tables.value("rules", nlohmann::json::array());
    }
    // Invalid UTF-8 (a file name, a value of the file) as U+FFFD, not an exception.
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

ControlReply parse_reply(std::string_view line)
{
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception &e) {
        throw ProtocolError{fmt::format("pind's reply is not JSON: {}", e.what())};
    }
    const auto ok = json.is_object() ? json.find("ok") : json.end();
    if (!json.is_object() || ok == json.end() || !ok->is_boolean())
        throw ProtocolError{"pind's reply has no \"ok\""};
    ControlReply reply;
    reply.ok = ok->get<bool>();
    if (const auto it = json.find("error"); it != json.end() && it->is_string())
        reply.error = it->get<std::string>();
    if (!reply.ok && reply.error.empty())
        reply.error = "pind refused the request without saying why";
    if (const auto it = json.find("file"); it != json.end() && it->is_string())
        reply.file = it->get<std::string>();
    if (const auto it = json.find("generation"); it != json.end() && it->is_number_unsigned())
        reply.generation = it->get<std::uint64_t>();
    if (json.contains("rules") || json.contains("defaults")) {
        reply.tables = {{"defaults", json.value("defaults", nlohmann::json::object())},
                        {"rules", json.value("rules", nlohmann::json::array())}};
        if (!reply.tables["defaults"].is_object() || !reply.tables["rules"].is_array())
            throw ProtocolError{"pind's reply has rules that are not a list"};
    }
    return reply;
}

bool LineBuffer::append(std::string_view data)
{
    data_.append(data);
    // Only the line being collected counts: whole lines wait for next().
    const auto newline = data_.rfind('\n');
    const std::size_t partial = newline == std::string::npos ? data_.size() : data_.size() - newline - 1;
    if (partial >= max_)
        return false;
    // A whole line that is too long.
    std::size_t start = 0;
    for (auto at = data_.find('\n'); at != std::string::npos; at = data_.find('\n', start)) {
        if (at - start + 1 > max_)
            return false;
        start = at + 1;
    }
    return true;
}

std::optional<std::string> LineBuffer::next()
{
    const auto newline = data_.find('\n');
    if (newline == std::string::npos)
        return std::nullopt;
    std::string line = data_.substr(0, newline);
    data_.erase(0, newline + 1);
    return line;
}

namespace {

[[noreturn]] void fail(const std::string &what, int error = errno)
{
    throw std::system_error{error, std::generic_category(), what};
}

sockaddr_un address(const std::filesystem::path &path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string &name = path.native();
    if (name.empty() || name.size() >= sizeof addr.sun_path)
        fail("socket path " + name, ENAMETOOLONG);
    std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
    return addr;
}

Fd stream_socket()
{
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd)
        fail("socket");
    return fd;
}

// Whether some process listens at `path`.
bool listening(const sockaddr_un &addr)
{
    const Fd probe = stream_socket();
    return ::connect(probe.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0;
}

} // namespace

Fd listen_control(const std::filesystem::path &path)
{
    const sockaddr_un addr = address(path);
    if (path.has_parent_path() && ::mkdir(path.parent_path().c_str(), 0755) != 0 && errno != EEXIST)
        fail("mkdir " + path.parent_path().string());
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            fail(path.string() + " is not a socket", EEXIST);
        if (listening(addr))
            fail(path.string() + ": another process listens on it", EADDRINUSE);
        if (::unlink(path.c_str()) != 0)
            fail("unlink " + path.string());
    }
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (!fd)
        fail("socket");
    // Created 0600: no moment at which others could connect.
    const mode_t mask = ::umask(0177);
    const int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
    const int error = errno;
    ::umask(mask);
    if (bound != 0)
        fail("bind " + path.string(), error);
    if (::listen(fd.get(), 16) != 0)
        fail("listen " + path.string());
    return fd;
}

uid_t peer_uid(int fd)
{
    ucred cred{};
    socklen_t size = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0)
        fail("SO_PEERCRED");
    return cred.uid;
}

ControlReply control(const std::filesystem::path &socket, const ControlRequest &request,
                     std::chrono::milliseconds timeout)
{
    const sockaddr_un addr = address(socket);
    const Fd fd = stream_socket();
    if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0)
        fail("connect " + socket.string());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto wait = [&](short events) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                fail("pind did not answer on " + socket.string(), ETIMEDOUT);
            pollfd p{fd.get(), events, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
            if (ready > 0)
                return;
            if (ready < 0 && errno != EINTR)
                fail("poll");
        }
    };

    const std::string line = format_request(request);
    for (std::size_t done = 0; done < line.size();) {
        wait(POLLOUT);
        const ssize_t n =
            ::send(fd.get(), line.data() + done, line.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            fail("send to " + socket.string());
        done += static_cast<std::size_t>(n);
    }

    LineBuffer reply{max_reply_bytes};
    std::array<char, 65536> buffer;
    for (;;) {
        if (auto whole = reply.next())
            return parse_reply(*whole);
        wait(POLLIN);
        const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            fail("receive from " + socket.string());
        if (n == 0)
            throw ProtocolError{"pind closed the connection without a reply"};
        if (!reply.append({buffer.data(), static_cast<std::size_t>(n)}))
            throw ProtocolError{"pind's reply is too long"};
    }
}

} // namespace vpin
