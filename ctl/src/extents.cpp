// SPDX-License-Identifier: GPL-2.0
#include "extents.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace vpin {

std::vector<Range> holes(int fd, std::uint64_t size)
{
    std::vector<Range> found;
    std::uint64_t offset = 0;
    while (offset < size) {
        const off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
        if (data < 0 && errno != ENXIO)
            throw std::system_error{errno, std::generic_category(), "lseek SEEK_DATA"};
        // ENXIO: nothing but a hole up to the end.
        const std::uint64_t data_start =
            data < 0 ? size : std::min(size, static_cast<std::uint64_t>(data));
        if (data_start > offset)
            found.push_back({offset, data_start - offset});
        if (data_start >= size)
            break;
        const off_t hole = ::lseek(fd, data, SEEK_HOLE);
        if (hole < 0)
            throw std::system_error{errno, std::generic_category(), "lseek SEEK_HOLE"};
        offset = static_cast<std::uint64_t>(hole);
    }
    return found;
}

std::optional<std::vector<Range>> unwritten_extents(int fd)
{
    constexpr std::uint32_t batch = 256;
    // fiemap ends in a flexible array of extents; uint64_t keeps it aligned.
    std::vector<std::uint64_t> buffer((sizeof(fiemap) + batch * sizeof(fiemap_extent)) /
                                      sizeof(std::uint64_t));
    auto *map = reinterpret_cast<fiemap *>(buffer.data());

    std::vector<Range> found;
    std::uint64_t start = 0;
    for (;;) {
        std::memset(map, 0, buffer.size() * sizeof(std::uint64_t));
        map->fm_start = start;
        map->fm_length = FIEMAP_MAX_OFFSET - start;
        map->fm_flags = FIEMAP_FLAG_SYNC;
        map->fm_extent_count = batch;
        if (::ioctl(fd, FS_IOC_FIEMAP, map) < 0) {
            if (errno == EOPNOTSUPP || errno == ENOTTY)
                return std::nullopt;
            throw std::system_error{errno, std::generic_category(), "FS_IOC_FIEMAP"};
        }
        if (map->fm_mapped_extents == 0)
            return found;
        for (std::uint32_t i = 0; i < map->fm_mapped_extents; i++) {
            const fiemap_extent &extent = map->fm_extents[i];
            if (extent.fe_flags & FIEMAP_EXTENT_UNWRITTEN)
                found.push_back({extent.fe_logical, extent.fe_length});
            if (extent.fe_flags & FIEMAP_EXTENT_LAST)
                return found;
        }
        const fiemap_extent &last = map->fm_extents[map->fm_mapped_extents - 1];
        start = last.fe_logical + last.fe_length;
    }
}

} // namespace vpin
