// SPDX-License-Identifier: GPL-2.0
#pragma once

// A VPIN_CMD_GET_PINS dump as the module sends it (kmod/netlink.c): as many
// VPIN_A_PIN nests of one session as fit in each message, each with the
// session, id, flags, address, length, offset, pages, age, the DAX flag when
// set and the file nest of file-backed pins. Half of the pins are of
// anonymous memory, half of a few hundred files.

#include <vpin/model.hpp>

#include <linux/vpin.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace test {

struct DumpMessageDeleter {
    void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};
using DumpMessage = std::unique_ptr<nl_msg, DumpMessageDeleter>;

// The module's dump messages hold up to this many bytes (a dump skb).
inline constexpr std::size_t dump_message_size = 32 * 1024;

// Pin `index` of a synthetic session: odd ones are file-backed.
inline vpin::Pin synthetic_pin(std::size_t index, std::uint64_t session = 1)
{
    vpin::Pin pin;
    pin.session = session;
    pin.id = static_cast<std::uint32_t>(index + 1);
    pin.flags = index % 3 ? VPIN_PIN_F_WRITE : 0;
    pin.pages = 1 + index % 16;
    pin.length = pin.pages * 4096;
    pin.addr = 0x7f0000000000 + index * 0x10000;
    pin.age_ms = 1000 + (index * 7919) % 3600000;
    if (index % 2) {
        const std::uint64_t ino = 1000 + index % 300;
        pin.offset = (index % 64) * 4096;
        pin.dax = index % 10 == 1;
        pin.file = vpin::FileRef{259u << 20 | 1, ino,
                                 "/srv/data/volume-" + std::to_string(ino % 7) + "/table-" +
                                     std::to_string(ino) + ".db"};
    }
    return pin;
}

inline std::vector<vpin::Pin> synthetic_pins(std::size_t count, std::uint64_t session = 1)
{
    std::vector<vpin::Pin> pins;
    pins.reserve(count);
    for (std::size_t i = 0; i < count; i++)
        pins.push_back(synthetic_pin(i, session));
    return pins;
}

namespace detail {

inline bool put_pin(nl_msg *msg, const vpin::Pin &pin)
{
    nlattr *nest = nla_nest_start(msg, VPIN_A_PIN);
    if (!nest)
        return false;
    bool ok = nla_put_u64(msg, VPIN_PIN_A_SESSION_ID, pin.session) == 0 &&
              nla_put_u32(msg, VPIN_PIN_A_ID, pin.id) == 0 &&
              nla_put_u32(msg, VPIN_PIN_A_FLAGS, pin.flags) == 0 &&
              nla_put_u64(msg, VPIN_PIN_A_ADDR, pin.addr) == 0 &&
              nla_put_u64(msg, VPIN_PIN_A_LENGTH, pin.length) == 0 &&
              nla_put_u64(msg, VPIN_PIN_A_OFFSET, pin.offset) == 0 &&
              nla_put_u64(msg, VPIN_PIN_A_PAGES, pin.pages) == 0 &&
              nla_put_u64(msg, VPIN_PIN_A_AGE_MS, pin.age_ms) == 0 &&
              (!pin.dax || nla_put_flag(msg, VPIN_PIN_A_DAX) == 0);
    if (ok && pin.file) {
        nlattr *file = nla_nest_start(msg, VPIN_PIN_A_FILE);
        ok = file && nla_put_u32(msg, VPIN_FILE_A_DEV, pin.file->dev) == 0 &&
             nla_put_u64(msg, VPIN_FILE_A_INO, pin.file->ino) == 0 &&
             nla_put_string(msg, VPIN_FILE_A_PATH, pin.file->path.c_str()) == 0 &&
             nla_nest_end(msg, file) == 0;
    }
    if (ok && nla_nest_end(msg, nest) == 0)
        return true;
    nla_nest_cancel(msg, nest);
    return false;
}

inline DumpMessage dump_message()
{
    DumpMessage msg{nlmsg_alloc_size(dump_message_size)};
    if (!msg || !genlmsg_put(msg.get(), 0, 1, 0x20, 0, NLM_F_MULTI, VPIN_CMD_GET_PINS, VPIN_GENL_VERSION))
        throw std::bad_alloc{};
    return msg;
}

} // namespace detail

// The messages of a dump of `pins`, in order.
inline std::vector<DumpMessage> pin_dump(const std::vector<vpin::Pin> &pins)
{
    std::vector<DumpMessage> messages;
    messages.push_back(detail::dump_message());
    for (const auto &pin : pins) {
        if (detail::put_pin(messages.back().get(), pin))
            continue;
        messages.push_back(detail::dump_message());
        if (!detail::put_pin(messages.back().get(), pin))
            throw std::length_error{"a pin larger than a dump message"};
    }
    return messages;
}

} // namespace test
