// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vpin {

// A shared mapping of part of a file, unmapped when destroyed.
class Mapping {
public:
    // Throws std::system_error "mmap: SUBJECT" on failure.
    Mapping(int fd, std::uint64_t offset, std::size_t length, int prot, const std::string &subject);
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    ~Mapping();

    [[nodiscard]] void *addr() const noexcept { return addr_; }

private:
    void *addr_;
    std::size_t length_;
};

} // namespace vpin
