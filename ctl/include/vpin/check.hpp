// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
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

// What keeps the file from being fully allocated, as an exclusive lease
// needs it, in the words of check_file()'s "holes" and "unwritten" checks
// ("1 MiB in 1 hole, the first at offset 0"); empty when every block is
// allocated and written, as far as the file system tells. Throws
// std::system_error if `path` cannot be examined.
[[nodiscard]] std::vector<std::string> unallocated(const std::filesystem::path &path);

// The "owner" check of check_file(): whether the caller owns the file, or
// else has `capability` (CAP_LINUX_IMMUTABLE for an exclusive lease,
// CAP_LEASE for a breakable one). Throws std::system_error if `path` cannot
// be examined.
[[nodiscard]] Check owner_check(const std::filesystem::path &path, int capability);

// "pinctl prepare PATH SIZE", the command that writes every block of a file
// of `size` bytes ("SIZE" for 0).
[[nodiscard]] std::string prepare_command(const std::filesystem::path &path, std::uint64_t size);

// `word` as one word of a shell command line: as it is when that is safe,
// else in single quotes.
[[nodiscard]] std::string shell_quote(std::string_view word);

// Creates `path` or extends it to `size` bytes and writes zeros over every
// hole and unwritten extent, then syncs it: afterwards every block is
// allocated and written. Never shrinks a file: throws
// std::system_error(EINVAL) if `size` is below its size.
void prepare_file(const std::filesystem::path &path, std::uint64_t size);

} // namespace vpin
