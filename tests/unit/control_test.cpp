// SPDX-License-Identifier: GPL-2.0
// pind's control socket: requests and replies as lines of JSON, hostile
// ones included, and a client against a listening socket.
#include <vpin/control.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using vpin::ControlReply;
using vpin::ControlRequest;
using vpin::ProtocolError;
using Json = nlohmann::json;

namespace {

// The ProtocolError a line gets.
std::string refusal(std::string_view line)
{
    try {
        (void)vpin::parse_request(line);
    } catch (const ProtocolError &e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("control: requests, and back to their lines", "[control]")
{
    const auto show = vpin::parse_request(R"({"op":"show"})");
    CHECK(show.op == ControlRequest::Op::show);
    CHECK(vpin::format_request(show) == "{\"op\":\"show\"}\n");

    const auto set =
        vpin::parse_request(R"({"op":"set-rule","rule":{"name":"rdma","max_pinned":"1G","on_revoke":null}})");
    CHECK(set.op == ControlRequest::Op::set_rule);
    CHECK(set.edit.target == vpin::RuleEdit::Target::rule);
    CHECK(set.edit.name == "rdma");
    CHECK(set.edit.keys == Json{{"name", "rdma"}, {"max_pinned", "1G"}, {"on_revoke", nullptr}});
    CHECK(vpin::parse_request(vpin::format_request(set)).edit.keys == set.edit.keys);

    const auto add = vpin::parse_request(R"({"op":"add-rule","rule":{"name":"b","users":["alice",1002]}})");
    CHECK(add.edit.target == vpin::RuleEdit::Target::new_rule);
    CHECK(add.edit.name == "b");

    const auto defaults = vpin::parse_request(R"({"op":"set-defaults","rule":{"break_time":30}})");
    CHECK(defaults.edit.target == vpin::RuleEdit::Target::defaults);
    CHECK(defaults.edit.name.empty());
    CHECK(vpin::format_request(defaults) == "{\"op\":\"set-defaults\",\"rule\":{\"break_time\":30}}\n");
}

TEST_CASE("control: hostile requests are refused with a reason", "[control]")
{
    CHECK(refusal("").starts_with("not JSON: "));
    CHECK(refusal("{\"op\":").starts_with("not JSON: "));
    CHECK(refusal("\xff\xfe").starts_with("not JSON: "));
    CHECK(refusal("[1,2]") == "a request is a JSON object");
    CHECK(refusal("{}") == "\"op\" is missing: show, set-rule, add-rule or set-defaults");
    CHECK(refusal(R"({"op":7})") == "\"op\" is missing: show, set-rule, add-rule or set-defaults");
    CHECK(refusal(R"({"op":"reboot"})") == "unknown op \"reboot\": show, set-rule, add-rule or set-defaults");
    CHECK(refusal(R"({"op":"show","x":1})") == "unknown field \"x\"");
    CHECK(refusal(R"({"op":"show","rule":{}})") == "show takes no \"rule\"");
    CHECK(refusal(R"({"op":"set-rule"})") == "set-rule needs a \"rule\"");
    CHECK(refusal(R"({"op":"set-rule","rule":[]})") == "\"rule\" must be an object of keys and values");
    CHECK(refusal(R"({"op":"set-rule","rule":{"max_leases":1}})") ==
          "\"rule\" needs a \"name\": the rule's, a non-empty string");
    CHECK(refusal(R"({"op":"add-rule","rule":{"name":""}})") ==
          "\"rule\" needs a \"name\": the rule's, a non-empty string");
    CHECK(refusal(R"({"op":"set-rule","rule":{"name":"r","event_log":"/x"}})") ==
          "\"rule\": unknown key \"event_log\"");
    CHECK(refusal(R"({"op":"set-rule","rule":{"name":"r","max_leases":{"a":1}}})") ==
          "\"rule\": max_leases: {\"a\":1} is not null, a string, an integer or an array");
    CHECK(refusal(R"({"op":"set-rule","rule":{"name":"r","allow":[["pin"]]}})") ==
          "\"rule\": allow: [\"pin\"] is not a string or an integer");
    CHECK(refusal(R"({"op":"set-rule","rule":{"name":"r","max_leases":true}})") ==
          "\"rule\": max_leases: true is not null, a string, an integer or an array");
    CHECK(refusal(R"({"op":"set-rule","rule":{"name":"r","max_leases":1.5}})") ==
          "\"rule\": max_leases: 1.5 is not null, a string, an integer or an array");
    // Oversize: refused before it is parsed.
    const std::string huge = R"({"op":"show","pad":")" + std::string(vpin::max_request_bytes, 'x') + "\"}";
    CHECK(refusal(huge) == "a request is at most 65535 bytes");
    // Deep nesting is an error, not a crash.
    CHECK(refusal(std::string(10000, '[') + std::string(10000, ']')) == "a request is a JSON object");
}

TEST_CASE("control: replies, and back", "[control]")
{
    ControlReply ok;
    ok.ok = true;
    ok.file = "/etc/vpin/pind.toml";
    ok.generation = 12;
    CHECK(vpin::format_reply(ok) == "{\"file\":\"/etc/vpin/pind.toml\",\"generation\":12,\"ok\":true}\n");
    const auto back = vpin::parse_reply(vpin::format_reply(ok));
    CHECK(back.ok);
    CHECK(back.generation == std::uint64_t{12});
    CHECK(back.file == ok.file);
    CHECK(back.tables.is_null());

    ControlReply refused;
    refused.error = "pind.toml:3:14: rule \"r\": max_leases must be an integer, not a string";
    CHECK(
        vpin::format_reply(refused) ==
        "{\"error\":\"pind.toml:3:14: rule \\\"r\\\": max_leases must be an integer, not a string\",\"ok\":false}\n");
    const auto no = vpin::parse_reply(vpin::format_reply(refused));
    CHECK_FALSE(no.ok);
    CHECK(no.error == refused.error);
    CHECK_FALSE(no.generation.has_value());

    ControlReply show;
    show.ok = true;
    show.tables = {{"defaults", {{"break_time", "45s"}}}, {"rules", {{{"name", "r"}}}}};
    CHECK(vpin::parse_reply(vpin::format_reply(show)).tables == show.tables);
    // A value of the file that is not UTF-8 does not stop the reply.
    show.tables["rules"][0]["name"] = "\xff";
    CHECK(vpin::parse_reply(vpin::format_reply(show)).tables["rules"][0]["name"] == "\xef\xbf\xbd");

    CHECK_THROWS_AS(vpin::parse_reply("nonsense"), ProtocolError);
    CHECK_THROWS_AS(vpin::parse_reply("{\"error\":\"x\"}"), ProtocolError);
    CHECK(vpin::parse_reply("{\"ok\":false}").error == "pind refused the request without saying why");
}

TEST_CASE("control: lines from a stream, bounded", "[control]")
{
    vpin::LineBuffer buffer{8};
    CHECK(buffer.append("ab"));
    CHECK_FALSE(buffer.next().has_value());
    CHECK(buffer.append("c\nde\nf"));
    CHECK(buffer.next() == std::string{"abc"});
    CHECK(buffer.next() == std::string{"de"});
    CHECK_FALSE(buffer.next().has_value());
    CHECK_FALSE(buffer.empty());
    CHECK(buffer.append("123456\n"));
    CHECK(buffer.next() == std::string{"f123456"});
    CHECK(buffer.empty());
    // Eight bytes without a newline: never a line.
    CHECK_FALSE(buffer.append("12345678"));
    vpin::LineBuffer whole{4};
    CHECK_FALSE(whole.append("12345\n"));
}

TEST_CASE("control: a client and a listening socket", "[control]")
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("vpin-control-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const auto path = dir / "sub" / "pind.sock";
    std::filesystem::create_directories(dir);

    // Nobody listens.
    try {
        (void)vpin::control(path, {});
        FAIL("connected");
    } catch (const std::system_error &e) {
        CHECK(e.code().value() == ENOENT);
        CHECK(std::string{e.what()}.starts_with("connect " + path.string()));
    }

    auto server = vpin::listen_control(path);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);
    // A second listener is refused while the first is there.
    CHECK_THROWS_AS(vpin::listen_control(path), std::system_error);

    // The peer answers the first connection that asks something (the
    // refused listener's probe connected and left without a word).
    std::thread peer{[&] {
        for (;;) {
            vpin::Fd conn{::accept4(server.get(), nullptr, nullptr, SOCK_CLOEXEC)};
            if (!conn) {
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                    return; // shut down
                std::this_thread::sleep_for(std::chrono::milliseconds{5});
                continue;
            }
            CHECK(vpin::peer_uid(conn.get()) == ::getuid());
            vpin::LineBuffer in{vpin::max_request_bytes};
            std::optional<std::string> line;
            char buffer[256];
            while (!(line = in.next())) {
                const auto n = ::read(conn.get(), buffer, sizeof buffer);
                if (n <= 0)
                    break;
                in.append({buffer, static_cast<std::size_t>(n)});
            }
            if (!line)
                continue;
            const auto request = vpin::parse_request(*line);
            ControlReply reply;
            reply.ok = request.op == ControlRequest::Op::set_rule && request.edit.name == "r";
            reply.generation = 5;
            const auto text = vpin::format_reply(reply);
            (void)::write(conn.get(), text.data(), text.size());
            return;
        }
    }};
    ControlRequest request;
    request.op = ControlRequest::Op::set_rule;
    request.edit.name = "r";
    request.edit.keys = {{"max_leases", 3}};
    ControlReply reply;
    try {
        reply = vpin::control(path, request, std::chrono::seconds{5});
    } catch (...) {
        ::shutdown(server.get(), SHUT_RDWR);
        peer.join();
        throw;
    }
    peer.join();
    CHECK(reply.ok);
    CHECK(reply.generation == std::uint64_t{5});

    // A socket left behind by a listener that is gone is replaced.
    server.reset();
    server = vpin::listen_control(path);
    CHECK(server);
    // Not a socket: left alone.
    server.reset();
    std::filesystem::remove(path);
    std::filesystem::create_directory(path);
    CHECK_THROWS_AS(vpin::listen_control(path), std::system_error);
    std::filesystem::remove_all(dir);
}
