#include <vpin/netlink.hpp>

#include <linux/netlink.h>

#include <catch2/catch.hpp>

#include <cstring>
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
