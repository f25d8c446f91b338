// SPDX-License-Identifier: GPL-2.0
#pragma once

// Fabricated netlink messages for the parser tests.

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace test {

struct MessageDeleter {
    void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};

// A generic netlink message of the vpin family under construction.
class Message {
public:
    explicit Message(std::uint8_t cmd) : msg_{nlmsg_alloc()}
    {
        REQUIRE(msg_);
        REQUIRE(genlmsg_put(msg_.get(), 0, 1, 0x20, 0, 0, cmd, 1));
    }

    Message &u32(int type, std::uint32_t value)
    {
        REQUIRE(nla_put_u32(msg_.get(), type, value) == 0);
        return *this;
    }
    Message &u64(int type, std::uint64_t value)
    {
        REQUIRE(nla_put_u64(msg_.get(), type, value) == 0);
        return *this;
    }
    Message &string(int type, const char *value)
    {
        REQUIRE(nla_put_string(msg_.get(), type, value) == 0);
        return *this;
    }
    Message &flag(int type)
    {
        REQUIRE(nla_put_flag(msg_.get(), type) == 0);
        return *this;
    }
    Message &bytes(int type, const void *data, std::size_t length)
    {
        REQUIRE(nla_put(msg_.get(), type, static_cast<int>(length), data) == 0);
        return *this;
    }
    // A copy of an attribute of another message, nested ones included.
    Message &attr(const nlattr *attr)
    {
        REQUIRE(nla_put(msg_.get(), nla_type(attr), nla_len(attr), nla_data(attr)) == 0);
        return *this;
    }
    Message &begin(int type)
    {
        nests_[depth_] = nla_nest_start(msg_.get(), type);
        REQUIRE(nests_[depth_++]);
        return *this;
    }
    Message &end()
    {
        REQUIRE(depth_ > 0);
        REQUIRE(nla_nest_end(msg_.get(), nests_[--depth_]) == 0);
        return *this;
    }

    [[nodiscard]] nlmsghdr *hdr() const { return nlmsg_hdr(msg_.get()); }

private:
    std::unique_ptr<nl_msg, MessageDeleter> msg_;
    nlattr *nests_[4] = {};
    int depth_ = 0;
};

} // namespace test
