// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vpin {

struct Range {
    std::uint64_t offset;
    std::uint64_t length;
};

// The holes in the first `size` bytes of the file, as SEEK_DATA/SEEK_HOLE
// report them (ext4 and xfs report unwritten extents as holes too).
[[nodiscard]] std::vector<Range> holes(int fd, std::uint64_t size);

// The unwritten extents of the file after syncing it (FS_IOC_FIEMAP);
// nothing if the file system does not implement FIEMAP.
[[nodiscard]] std::optional<std::vector<Range>> unwritten_extents(int fd);

} // namespace vpin
