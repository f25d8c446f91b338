// SPDX-License-Identifier: GPL-2.0
#include "netlink_message.hpp"

#include <vpin/netlink.hpp>
#include <vpin/parse.hpp>

#include <linux/netlink.h>
#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

// An NLMSG_ERROR or NLMSG_DONE message: `payload` then, if `message` is not
// null, the extended ack TLVs with NLMSGERR_ATTR_MSG.
std::vector<std::uint32_t> ack(std::uint16_t type, std::uint16_t flags, const void *payload,
                               std::size_t payload_len, const char *message)
{
    const std::size_t text = message ? std::strlen(message) + 1 : 0;
    const std::size_t tlv = message ? NLA_ALIGN(NLA_HDRLEN + text) : 0;
    const std::size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(payload_len) + tlv;
    std::vector<std::uint32_t> buffer((len + 3) / 4);
    auto *bytes = reinterpret_cast<char *>(buffer.data());
    auto *hdr = reinterpret_cast<nlmsghdr *>(bytes);
    hdr->nlmsg_len = static_cast<std::uint32_t>(len);
    hdr->nlmsg_type = type;
    hdr->nlmsg_flags = static_cast<std::uint16_t>(flags | (message ? NLM_F_ACK_TLVS : 0));
    std::memcpy(bytes + NLMSG_HDRLEN, payload, payload_len);
    if (message) {
        auto *attr = reinterpret_cast<nlattr *>(bytes + NLMSG_HDRLEN + NLMSG_ALIGN(payload_len));
        attr->nla_type = NLMSGERR_ATTR_MSG;
        attr->nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + text);
        std::memcpy(reinterpret_cast<char *>(attr) + NLA_HDRLEN, message, text);
    }
    return buffer;
}

const nlmsghdr *hdr(const std::vector<std::uint32_t> &buffer)
{
    return reinterpret_cast<const nlmsghdr *>(buffer.data());
}

} // namespace

TEST_CASE("extack_message: from a capped error")
{
    nlmsgerr err{};
    err.error = -22;
    err.msg.nlmsg_len = NLMSG_HDRLEN + 8;
    const auto msg = ack(NLMSG_ERROR, NLM_F_CAPPED, &err, sizeof err, "unknown attribute");
    CHECK(vpin::extack_message(hdr(msg)) == "unknown attribute");
}

TEST_CASE("extack_message: from a done message ending a failed dump")
{
    const int status = -1;
    const auto msg = ack(NLMSG_DONE, NLM_F_MULTI, &status, sizeof status, "session went away");
    CHECK(vpin::extack_message(hdr(msg)) == "session went away");
}

TEST_CASE("extack_message: empty without TLVs")
{
    nlmsgerr err{};
    err.error = -1;
    const auto msg = ack(NLMSG_ERROR, NLM_F_CAPPED, &err, sizeof err, nullptr);
    CHECK(vpin::extack_message(hdr(msg)).empty());
}

namespace {

// A type no version of the header defines.
constexpr int unknown_member = 60;

// The first message of a VPIN_CMD_GET_POLICY dump.
test::Message policy_head(std::uint64_t generation, std::uint32_t rules)
{
    test::Message msg{VPIN_CMD_GET_POLICY};
    msg.begin(VPIN_A_POLICY)
        .u64(VPIN_POLICY_A_GENERATION, generation)
        .flag(VPIN_POLICY_A_LOADED)
        .u32(VPIN_POLICY_A_RULES, rules)
        .begin(VPIN_POLICY_A_DEFAULTS)
        .u32(VPIN_RULE_A_ALLOW, VPIN_ALLOW_PIN)
        .u32(VPIN_RULE_A_MAX_SESSIONS, 4)
        .u64(VPIN_RULE_A_HITS, 12)
        .u64(VPIN_RULE_A_DENIES, 3)
        .end()
        .end();
    return msg;
}

// A rule message with just an index, a name and a path.
test::Message policy_rule(std::uint64_t generation, std::uint32_t index, const char *name,
                          const char *path)
{
    test::Message msg{VPIN_CMD_GET_POLICY};
    msg.begin(VPIN_A_POLICY)
        .u64(VPIN_POLICY_A_GENERATION, generation)
        .end()
        .begin(VPIN_A_RULE)
        .u32(VPIN_RULE_A_INDEX, index)
        .string(VPIN_RULE_A_NAME, name)
        .string(VPIN_RULE_A_PATH, path)
        .end();
    return msg;
}

void check_bad_message(const std::function<void()> &parse, const std::string &what)
{
    try {
        parse();
        FAIL("parsed");
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::bad_message);
        CHECK(std::string{e.what()}.find(what) != std::string::npos);
    }
}

struct MessageDeleter {
    void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};
using Message = std::unique_ptr<nl_msg, MessageDeleter>;

// A VPIN_CMD_SET_POLICY request as Netlink::set_policy builds it.
Message set_policy_request(const vpin::Policy &policy, std::size_t size)
{
    Message msg{nlmsg_alloc_size(size)};
    REQUIRE(msg);
    REQUIRE(genlmsg_put(msg.get(), 0, 1, 0x20, 0, 0, VPIN_CMD_SET_POLICY, VPIN_GENL_VERSION));
    vpin::put_policy(msg.get(), policy);
    return msg;
}

} // namespace

TEST_CASE("PolicyDump: the first message, then one message per rule; a rule continues with the same index")
{
    test::Message head = policy_head(7, 2);
    test::Message first{VPIN_CMD_GET_POLICY};
    first.begin(VPIN_A_POLICY)
        .u64(VPIN_POLICY_A_GENERATION, 7)
        .end()
        .begin(VPIN_A_RULE)
        .u32(VPIN_RULE_A_INDEX, 0)
        .string(VPIN_RULE_A_NAME, "rdma")
        .u32(VPIN_RULE_A_USER, 1001)
        .u32(VPIN_RULE_A_USER, 1002)
        .u32(VPIN_RULE_A_GROUP, 200)
        .string(VPIN_RULE_A_PATH, "/mnt/pmem")
        .string(VPIN_RULE_A_PATH, "/srv/data")
        .u32(VPIN_RULE_A_ALLOW, VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE)
        .u64(VPIN_RULE_A_MAX_PINNED, 1ull << 34)
        .u32(VPIN_RULE_A_MAX_SESSIONS, 16)
        .u32(VPIN_RULE_A_MAX_LEASES, 8)
        .u32(VPIN_RULE_A_MAX_EXCLUSIVE, 2)
        .u32(VPIN_RULE_A_BREAK_TIME_MS, 5000)
        .u32(VPIN_RULE_A_ON_REVOKE, VPIN_REVOKE_SIGKILL)
        .u64(VPIN_RULE_A_HITS, 40)
        .u64(VPIN_RULE_A_DENIES, 2)
        .u64(unknown_member, 1)
        .end();
    // Rule 0's paths that did not fit, then rule 1.
    test::Message more = policy_rule(7, 0, "rdma", "/srv/more");
    test::Message second = policy_rule(7, 1, "others", "/home");

    vpin::PolicyDump dump;
    for (auto *msg : {&head, &first, &more, &second})
        dump.add(msg->hdr());
    CHECK_FALSE(dump.replaced());
    const vpin::PolicyState state = dump.result();

    CHECK(state.generation == 7);
    CHECK(state.loaded);
    const vpin::Rule &defaults = state.policy.defaults;
    CHECK(defaults.name.empty());
    CHECK(defaults.allow == std::optional<std::uint32_t>{VPIN_ALLOW_PIN});
    CHECK(defaults.max_sessions == std::optional<std::uint32_t>{4});
    CHECK_FALSE(defaults.max_pinned);
    CHECK_FALSE(defaults.max_leases);
    CHECK_FALSE(defaults.break_time_ms);
    CHECK_FALSE(defaults.on_revoke);
    CHECK(defaults.hits == 12);
    CHECK(defaults.denies == 3);

    REQUIRE(state.policy.rules.size() == 2);
    const vpin::Rule &rdma = state.policy.rules[0];
    CHECK(rdma.index == 0);
    CHECK(rdma.name == "rdma");
    CHECK(rdma.users == std::vector<std::uint32_t>{1001, 1002});
    CHECK(rdma.groups == std::vector<std::uint32_t>{200});
    CHECK(rdma.paths == std::vector<std::string>{"/mnt/pmem", "/srv/data", "/srv/more"});
    CHECK(rdma.allow == std::optional<std::uint32_t>{VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE});
    CHECK(rdma.max_pinned == std::optional<std::uint64_t>{1ull << 34});
    CHECK(rdma.max_sessions == std::optional<std::uint32_t>{16});
    CHECK(rdma.max_leases == std::optional<std::uint32_t>{8});
    CHECK(rdma.max_exclusive == std::optional<std::uint32_t>{2});
    CHECK(rdma.break_time_ms == std::optional<std::uint32_t>{5000});
    CHECK(rdma.on_revoke == std::optional<std::uint32_t>{VPIN_REVOKE_SIGKILL});
    CHECK(rdma.hits == 40);
    CHECK(rdma.denies == 2);

    const vpin::Rule &others = state.policy.rules[1];
    CHECK(others.index == 1);
    CHECK(others.name == "others");
    CHECK(others.users.empty());
    CHECK(others.groups.empty());
    CHECK(others.paths == std::vector<std::string>{"/home"});
    CHECK_FALSE(others.allow);
    CHECK_FALSE(others.max_pinned);
    CHECK(others.hits == 0);
}

TEST_CASE("PolicyDump: no set ever loaded")
{
    test::Message msg{VPIN_CMD_GET_POLICY};
    msg.begin(VPIN_A_POLICY).u64(VPIN_POLICY_A_GENERATION, 0).u32(VPIN_POLICY_A_RULES, 0).end();
    vpin::PolicyDump dump;
    dump.add(msg.hdr());
    const auto state = dump.result();
    CHECK(state.generation == 0);
    CHECK_FALSE(state.loaded);
    CHECK(state.policy.rules.empty());
    CHECK_FALSE(state.policy.defaults.allow);
    CHECK_FALSE(state.policy.defaults.max_pinned);
}

TEST_CASE("PolicyDump: a set replaced during the dump is noticed by its generation")
{
    test::Message head = policy_head(7, 2);
    test::Message first = policy_rule(7, 0, "a", "/a");
    test::Message other = policy_rule(8, 1, "b", "/b");
    vpin::PolicyDump dump;
    dump.add(head.hdr());
    dump.add(first.hdr());
    CHECK_FALSE(dump.replaced());
    dump.add(other.hdr());
    CHECK(dump.replaced());
}

TEST_CASE("PolicyDump: malformed dumps are EBADMSG")
{
    test::Message head = policy_head(7, 2);
    test::Message first = policy_rule(7, 0, "a", "/a");
    test::Message skipped = policy_rule(7, 2, "c", "/c");

    SECTION("a rule before the first message")
    {
        vpin::PolicyDump dump;
        check_bad_message([&] { dump.add(first.hdr()); }, "before the first message");
    }
    SECTION("a rule out of order")
    {
        vpin::PolicyDump dump;
        dump.add(head.hdr());
        dump.add(first.hdr());
        check_bad_message([&] { dump.add(skipped.hdr()); }, "rule 2 where rule 1 was due");
    }
    SECTION("fewer rules than announced")
    {
        vpin::PolicyDump dump;
        dump.add(head.hdr());
        dump.add(first.hdr());
        check_bad_message([&] { (void)dump.result(); }, "2 rules announced, 1 received");
    }
    SECTION("a second first message")
    {
        vpin::PolicyDump dump;
        dump.add(head.hdr());
        check_bad_message([&] { dump.add(head.hdr()); }, "without a rule");
    }
    SECTION("no message")
    {
        const vpin::PolicyDump dump;
        check_bad_message([&] { (void)dump.result(); }, "no VPIN_A_POLICY");
    }
    SECTION("a path without its terminating NUL")
    {
        test::Message msg{VPIN_CMD_GET_POLICY};
        const char path[] = {'/', 'a'};
        msg.begin(VPIN_A_POLICY).u64(VPIN_POLICY_A_GENERATION, 7).end().begin(VPIN_A_RULE);
        msg.u32(VPIN_RULE_A_INDEX, 0).bytes(VPIN_RULE_A_PATH, path, sizeof path).end();
        vpin::PolicyDump dump;
        dump.add(head.hdr());
        check_bad_message([&] { dump.add(msg.hdr()); }, "bad attributes in VPIN_A_RULE");
    }
}

TEST_CASE("parse_generation: the reply to VPIN_CMD_SET_POLICY")
{
    test::Message reply{VPIN_CMD_SET_POLICY};
    reply.begin(VPIN_A_POLICY).u64(VPIN_POLICY_A_GENERATION, 42).end();
    CHECK(vpin::parse_generation(reply.hdr()) == 42);

    test::Message without{VPIN_CMD_SET_POLICY};
    without.begin(VPIN_A_POLICY).u32(VPIN_POLICY_A_RULES, 0).end();
    check_bad_message([&] { (void)vpin::parse_generation(without.hdr()); }, "no VPIN_POLICY_A_GENERATION");
}

TEST_CASE("parse_usage: usage and quotas; absent quotas stay empty")
{
    test::Message msg{VPIN_CMD_GET_USAGE};
    msg.begin(VPIN_A_USAGE)
        .u32(VPIN_USAGE_A_UID, 1001)
        .u64(VPIN_USAGE_A_SESSIONS, 3)
        .u64(VPIN_USAGE_A_PINNED_BYTES, 1ull << 30)
        .u64(VPIN_USAGE_A_LEASES, 2)
        .u64(VPIN_USAGE_A_EXCLUSIVE, 1)
        .string(VPIN_USAGE_A_RULE, "rdma")
        .u64(VPIN_USAGE_A_MAX_PINNED, 1ull << 34)
        .u32(VPIN_USAGE_A_MAX_SESSIONS, 16)
        .u64(unknown_member, 5)
        .end();
    const vpin::Usage usage = vpin::parse_usage(msg.hdr());
    CHECK(usage.uid == 1001);
    CHECK(usage.sessions == 3);
    CHECK(usage.pinned_bytes == 1ull << 30);
    CHECK(usage.leases == 2);
    CHECK(usage.exclusive == 1);
    CHECK(usage.rule == "rdma");
    CHECK(usage.max_pinned == std::optional<std::uint64_t>{1ull << 34});
    CHECK(usage.max_sessions == std::optional<std::uint32_t>{16});
    CHECK_FALSE(usage.max_leases);
    CHECK_FALSE(usage.max_exclusive);

    test::Message none{VPIN_CMD_GET_USAGE};
    none.u32(VPIN_A_ABI_VERSION, 1);
    check_bad_message([&] { (void)vpin::parse_usage(none.hdr()); }, "no VPIN_A_USAGE");
}

TEST_CASE("parse_event: a request denied by a rule")
{
    test::Message msg{VPIN_CMD_EVENT};
    msg.begin(VPIN_A_EVENT)
        .u32(VPIN_EVENT_A_TYPE, VPIN_EVENT_POLICY_DENIED)
        .u64(VPIN_EVENT_A_SESSION_ID, 9)
        .u32(VPIN_EVENT_A_PID, 4321)
        .u32(VPIN_EVENT_A_UID, 1001)
        .string(VPIN_EVENT_A_COMM, "ib_write_bw")
        .u32(VPIN_EVENT_A_OPERATION, VPIN_OP_PIN_FILE)
        .string(VPIN_EVENT_A_RULE, "")
        .u32(VPIN_EVENT_A_ERRNO, EDQUOT)
        .u64(VPIN_EVENT_A_SUPPRESSED, 17)
        .begin(VPIN_EVENT_A_FILE)
        .u32(VPIN_FILE_A_DEV, 259u << 20 | 1)
        .u64(VPIN_FILE_A_INO, 12)
        .string(VPIN_FILE_A_PATH, "/mnt/pmem/buf")
        .end()
        .end();
    const vpin::Event event = vpin::parse_event(msg.hdr());
    CHECK(event.type == VPIN_EVENT_POLICY_DENIED);
    CHECK(event.session == std::optional<std::uint64_t>{9});
    CHECK(event.pid == std::optional<std::uint32_t>{4321});
    CHECK(event.uid == std::optional<std::uint32_t>{1001});
    CHECK(event.comm == std::optional<std::string>{"ib_write_bw"});
    CHECK(event.operation == std::optional<std::uint32_t>{VPIN_OP_PIN_FILE});
    CHECK(event.rule == std::optional<std::string>{""});
    CHECK(event.error == std::optional<std::uint32_t>{EDQUOT});
    CHECK(event.suppressed == std::optional<std::uint64_t>{17});
    REQUIRE(event.file);
    CHECK(event.file->path == "/mnt/pmem/buf");
    CHECK_FALSE(event.generation);
    CHECK_FALSE(event.rules);
}

TEST_CASE("parse_event: a new rule set")
{
    test::Message msg{VPIN_CMD_EVENT};
    msg.begin(VPIN_A_EVENT)
        .u32(VPIN_EVENT_A_TYPE, VPIN_EVENT_POLICY_CHANGED)
        .u32(VPIN_EVENT_A_UID, 0)
        .u64(VPIN_EVENT_A_GENERATION, 8)
        .u32(VPIN_EVENT_A_RULES, 3)
        .end();
    const vpin::Event event = vpin::parse_event(msg.hdr());
    CHECK(event.type == VPIN_EVENT_POLICY_CHANGED);
    CHECK(event.uid == std::optional<std::uint32_t>{0});
    CHECK(event.generation == std::optional<std::uint64_t>{8});
    CHECK(event.rules == std::optional<std::uint32_t>{3});
    CHECK_FALSE(event.comm);
    CHECK_FALSE(event.operation);
    CHECK_FALSE(event.rule);
    CHECK_FALSE(event.error);
    CHECK_FALSE(event.suppressed);
    CHECK_FALSE(event.session);
}

TEST_CASE("put_policy: what set_policy sends reads back as the same rules, in order")
{
    vpin::Policy policy;
    policy.defaults.allow = VPIN_ALLOW_PIN;
    policy.defaults.max_sessions = 4;
    vpin::Rule rdma;
    rdma.name = "rdma";
    rdma.users = {1001, 1002};
    rdma.groups = {200};
    rdma.paths = {"/mnt/pmem", "/srv/data"};
    rdma.allow = VPIN_ALLOW_PIN_FILE | VPIN_ALLOW_EXCLUSIVE;
    rdma.max_pinned = 1ull << 34;
    rdma.max_sessions = 16;
    rdma.max_leases = 8;
    rdma.max_exclusive = 2;
    rdma.break_time_ms = 5000;
    rdma.on_revoke = VPIN_REVOKE_NONE;
    vpin::Rule bare;
    bare.name = "bare";
    policy.rules = {rdma, bare};

    const std::size_t size = vpin::policy_message_size(policy);
    const Message msg = set_policy_request(policy, size);
    nlmsghdr *hdr = nlmsg_hdr(msg.get());
    CHECK(hdr->nlmsg_len <= size);

    // The request's attributes, walked as the module walks them.
    nlattr *top[VPIN_A_MAX + 1] = {};
    REQUIRE(genlmsg_parse(hdr, 0, top, VPIN_A_MAX, nullptr) == 0);
    REQUIRE(top[VPIN_A_POLICY]);
    std::vector<int> order;
    nlattr *attr = nullptr;
    int rem = 0;
    nla_for_each_nested(attr, top[VPIN_A_POLICY], rem) {
        order.push_back(nla_type(attr));
    }
    CHECK(order == std::vector<int>{VPIN_POLICY_A_DEFAULTS});

    // The rules follow at the top level, in order; the bare one carries its
    // name and nothing else.
    std::vector<nlattr *> rules;
    std::vector<int> top_order;
    nla_for_each_attr(attr, genlmsg_attrdata(genlmsg_hdr(hdr), 0), genlmsg_attrlen(genlmsg_hdr(hdr), 0),
                      rem) {
        top_order.push_back(nla_type(attr));
        if (nla_type(attr) == VPIN_A_RULE)
            rules.push_back(attr);
    }
    CHECK(top_order == std::vector<int>{VPIN_A_POLICY, VPIN_A_RULE, VPIN_A_RULE});
    REQUIRE(rules.size() == 2);
    std::vector<int> bare_members;
    nlattr *member = nullptr;
    nla_for_each_nested(member, rules[1], rem) {
        bare_members.push_back(nla_type(member));
    }
    CHECK(bare_members == std::vector<int>{VPIN_RULE_A_NAME});

    // Read back as a dump: the request's VPIN_A_POLICY plus a generation
    // and a count is the first message; each rule, indexed, one more.
    test::Message head{VPIN_CMD_GET_POLICY};
    head.begin(VPIN_A_POLICY).u64(VPIN_POLICY_A_GENERATION, 1).u32(VPIN_POLICY_A_RULES, 2);
    nlattr *defaults = nla_find(static_cast<nlattr *>(nla_data(top[VPIN_A_POLICY])),
                                nla_len(top[VPIN_A_POLICY]), VPIN_POLICY_A_DEFAULTS);
    REQUIRE(defaults);
    head.attr(defaults).end();
    vpin::PolicyDump dump;
    dump.add(head.hdr());
    for (std::uint32_t i = 0; i < rules.size(); i++) {
        test::Message rule{VPIN_CMD_GET_POLICY};
        rule.begin(VPIN_A_POLICY).u64(VPIN_POLICY_A_GENERATION, 1).end().begin(VPIN_A_RULE);
        rule.u32(VPIN_RULE_A_INDEX, i);
        nla_for_each_nested(member, rules[i], rem) {
            rule.attr(member);
        }
        rule.end();
        dump.add(rule.hdr());
    }
    const vpin::PolicyState state = dump.result();

    CHECK(state.policy.defaults.allow == policy.defaults.allow);
    CHECK(state.policy.defaults.max_sessions == policy.defaults.max_sessions);
    CHECK_FALSE(state.policy.defaults.max_pinned);
    REQUIRE(state.policy.rules.size() == 2);
    const vpin::Rule &back = state.policy.rules[0];
    CHECK(back.name == "rdma");
    CHECK(back.users == rdma.users);
    CHECK(back.groups == rdma.groups);
    CHECK(back.paths == rdma.paths);
    CHECK(back.allow == rdma.allow);
    CHECK(back.max_pinned == rdma.max_pinned);
    CHECK(back.max_sessions == rdma.max_sessions);
    CHECK(back.max_leases == rdma.max_leases);
    CHECK(back.max_exclusive == rdma.max_exclusive);
    CHECK(back.break_time_ms == rdma.break_time_ms);
    CHECK(back.on_revoke == rdma.on_revoke);
    CHECK(state.policy.rules[1].name == "bare");
    CHECK_FALSE(state.policy.rules[1].allow);
    CHECK(state.policy.rules[1].paths.empty());
}

TEST_CASE("put_policy: empty defaults are still sent")
{
    const vpin::Policy policy;
    const Message msg = set_policy_request(policy, vpin::policy_message_size(policy));
    nlattr *top[VPIN_A_MAX + 1] = {};
    REQUIRE(genlmsg_parse(nlmsg_hdr(msg.get()), 0, top, VPIN_A_MAX, nullptr) == 0);
    REQUIRE(top[VPIN_A_POLICY]);
    nlattr *defaults = nla_find(static_cast<nlattr *>(nla_data(top[VPIN_A_POLICY])),
                                nla_len(top[VPIN_A_POLICY]), VPIN_POLICY_A_DEFAULTS);
    REQUIRE(defaults);
    CHECK(nla_len(defaults) == 0);
}

TEST_CASE("put_policy: a set larger than one attribute fits; a message too small is refused")
{
    vpin::Policy policy;
    for (int i = 0; i < 200; i++) {
        vpin::Rule rule;
        rule.name = "rule-" + std::to_string(i);
        rule.paths = {std::string(500, 'p').insert(0, "/")};
        policy.rules.push_back(rule);
    }
    // 200 rules of a 501-byte path: over 64 KiB, more than one attribute's
    // length can say, so the rules travel as top-level attributes.
    const std::size_t size = vpin::policy_message_size(policy);
    CHECK(size > 100000);
    const Message msg = set_policy_request(policy, size);
    CHECK(nlmsg_hdr(msg.get())->nlmsg_len > 100000);
    // A message too small for the set is refused, not truncated.
    policy.rules.resize(3);
    CHECK_THROWS_AS(set_policy_request(policy, 256), std::length_error);
}
