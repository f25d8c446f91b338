// SPDX-License-Identifier: GPL-2.0
// Pins the binary layout of <linux/vpin.h>: any change here is an ABI break.

#include "uapi_c.h"

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string_view>

namespace {

struct Member {
    std::string_view name;
    std::size_t offset;
    std::size_t size;
    std::size_t expected_offset;
};

#define MEMBER(type, member, expected_offset)                                                      \
    Member{#member, offsetof(type, member), sizeof(type::member), expected_offset}

const uapi_c_layout *find_c_layout(std::string_view name)
{
    for (const auto &layout : std::span{uapi_c_layouts, uapi_c_layout_count}) {
        if (layout.name == name)
            return &layout;
    }
    return nullptr;
}

// Checks the offsets against the expected ones, that the members follow each
// other without padding and fill the whole structure (so the member sizes add
// up to sizeof), and that C lays it out the same way and agrees on the request.
template <typename T>
void check_layout(std::string_view name, std::size_t expected_size, unsigned long request,
                  std::initializer_list<Member> members)
{
    INFO("struct " << name);
    CHECK(sizeof(T) == expected_size);
    CHECK(sizeof(T) % 8 == 0);

    std::size_t end = 0;
    for (const auto &member : members) {
        INFO("member " << member.name);
        CHECK(member.offset == member.expected_offset);
        CHECK(member.offset == end);
        end = member.offset + member.size;
    }
    CHECK(end == sizeof(T));

    const auto *c_layout = find_c_layout(name);
    REQUIRE(c_layout != nullptr);
    CHECK(c_layout->size == sizeof(T));
    CHECK(c_layout->align == alignof(T));
    CHECK(c_layout->request == request);
}

// Every request is read-write, sized by its own structure.
void check_request(unsigned long request, unsigned int nr, std::size_t size)
{
    CHECK(_IOC_TYPE(request) == VPIN_IOC_MAGIC);
    CHECK(_IOC_NR(request) == nr);
    CHECK(_IOC_SIZE(request) == size);
    CHECK(_IOC_DIR(request) == (_IOC_READ | _IOC_WRITE));
}

} // namespace

TEST_CASE("uapi: struct vpin_version layout")
{
    check_layout<vpin_version>("vpin_version", 32, VPIN_IOC_VERSION,
                               {
                                   MEMBER(vpin_version, abi_version, 0),
                                   MEMBER(vpin_version, reserved0, 4),
                                   MEMBER(vpin_version, features, 8),
                                   MEMBER(vpin_version, reserved, 16),
                               });
}

TEST_CASE("uapi: struct vpin_pin layout")
{
    check_layout<vpin_pin>("vpin_pin", 64, VPIN_IOC_PIN,
                           {
                               MEMBER(vpin_pin, addr, 0),
                               MEMBER(vpin_pin, length, 8),
                               MEMBER(vpin_pin, flags, 16),
                               MEMBER(vpin_pin, reserved0, 20),
                               MEMBER(vpin_pin, id, 24),
                               MEMBER(vpin_pin, reserved, 32),
                           });
}

TEST_CASE("uapi: struct vpin_unpin layout")
{
    check_layout<vpin_unpin>("vpin_unpin", 32, VPIN_IOC_UNPIN,
                             {
                                 MEMBER(vpin_unpin, id, 0),
                                 MEMBER(vpin_unpin, flags, 8),
                                 MEMBER(vpin_unpin, reserved0, 12),
                                 MEMBER(vpin_unpin, reserved, 16),
                             });
}

TEST_CASE("uapi: struct vpin_lease layout")
{
    check_layout<vpin_lease>("vpin_lease", 56, VPIN_IOC_LEASE,
                             {
                                 MEMBER(vpin_lease, fd, 0),
                                 MEMBER(vpin_lease, type, 4),
                                 MEMBER(vpin_lease, flags, 8),
                                 MEMBER(vpin_lease, reserved0, 12),
                                 MEMBER(vpin_lease, id, 16),
                                 MEMBER(vpin_lease, reserved, 24),
                             });
}

TEST_CASE("uapi: struct vpin_unlease layout")
{
    check_layout<vpin_unlease>("vpin_unlease", 32, VPIN_IOC_UNLEASE,
                               {
                                   MEMBER(vpin_unlease, id, 0),
                                   MEMBER(vpin_unlease, flags, 8),
                                   MEMBER(vpin_unlease, reserved0, 12),
                                   MEMBER(vpin_unlease, reserved, 16),
                               });
}

TEST_CASE("uapi: struct vpin_map layout")
{
    check_layout<vpin_map>("vpin_map", 48, VPIN_IOC_MAP,
                           {
                               MEMBER(vpin_map, pin_id, 0),
                               MEMBER(vpin_map, offset, 8),
                               MEMBER(vpin_map, length, 16),
                               MEMBER(vpin_map, flags, 24),
                               MEMBER(vpin_map, fd, 28),
                               MEMBER(vpin_map, reserved, 32),
                           });
}

TEST_CASE("uapi: ioctl request numbers")
{
    CHECK(VPIN_IOC_MAGIC == 0xB7);
    check_request(VPIN_IOC_VERSION, 0x00, sizeof(vpin_version));
    check_request(VPIN_IOC_PIN, 0x01, sizeof(vpin_pin));
    check_request(VPIN_IOC_UNPIN, 0x02, sizeof(vpin_unpin));
    check_request(VPIN_IOC_LEASE, 0x03, sizeof(vpin_lease));
    check_request(VPIN_IOC_UNLEASE, 0x04, sizeof(vpin_unlease));
    check_request(VPIN_IOC_MAP, 0x05, sizeof(vpin_map));
}

TEST_CASE("uapi: constant values")
{
    CHECK(std::string_view{VPIN_DEVICE_PATH} == "/dev/vpin");
    CHECK(VPIN_FEATURE_PIN == 1);
    CHECK(VPIN_FEATURE_LEASE_EXCLUSIVE == 2);
    CHECK(VPIN_PIN_F_WRITE == 1);
    CHECK(VPIN_LEASE_UNSPEC == 0);
    CHECK(VPIN_LEASE_EXCLUSIVE == 1);
}
