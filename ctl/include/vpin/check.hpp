#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vpin {

// STATX_ATTR_DAX (Linux 5.8), for C library headers that lack it.
inline constexpr std::uint64_t statx_attr_dax = 0x00200000;

// One finding of check_file().
struct Check {
    std::string name;
    bool ok = false;
    std::string detail; // what was found, and why it fails
};

// Checks whether the caller can take an exclusive lease on `path` and pin
// its DAX memory: a regular file on ext4 or xfs mounted with -o dax, without
// holes or unwritten extents, open for writing and owned by the caller (or
// CAP_LINUX_IMMUTABLE). Throws std::system_error if `path` cannot be
// examined at all.
[[nodiscard]] std::vector<Check> check_file(const std::filesystem::path &path);

[[nodiscard]] bool all_ok(const std::vector<Check> &checks);

// Creates `path` or extends it to `size` bytes and writes zeros over every
// hole and unwritten extent, then syncs it: afterwards every block is
// allocated and written. Never shrinks a file: throws
// std::system_error(EINVAL) if `size` is below its size.
void prepare_file(const std::filesystem::path &path, std::uint64_t size);

} // namespace vpin
