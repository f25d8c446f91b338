// SPDX-License-Identifier: GPL-2.0
#include <vpin/check.hpp>
#include <vpin/fd.hpp>
#include <vpin/size.hpp>

#include "extents.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>


namespace vpin {

namespace {

[[noreturn]] void fail(const char *what, const std::filesystem::path &path)
{
    throw std::system_error{errno, std::generic_category(), fmt::format("{}: {}", what, path.string())};
}

std::string describe(const std::vector<Range> &ranges, const char *what)
{
    std::uint64_t bytes = 0;
    for (const auto &range : ranges)
        bytes += range.length;
    return fmt::format("{} in {} {}{}, the first at offset {}", human_size(bytes), ranges.size(),
                       what, ranges.size() == 1 ? "" : "s", ranges.front().offset);
}

Check filesystem_check(int fd, const std::filesystem::path &path)
{
    struct statfs fs {};
    if (::fstatfs(fd, &fs) < 0)
        fail("statfs", path);
    switch (fs.f_type) {
    case EXT4_SUPER_MAGIC: return {"filesystem", true, "ext4"};
    case XFS_SUPER_MAGIC: return {"filesystem", true, "xfs"};
    default:
        return {"filesystem", false,
                fmt::format("type {:#x}, not ext4 or xfs", static_cast<unsigned long>(fs.f_type))};
    }
}

Check dax_check(const struct statx &stx)
{
    if (!(stx.stx_attributes_mask & statx_attr_dax))
        return {"dax", false, "the kernel does not report DAX (STATX_ATTR_DAX)"};
    if (stx.stx_attributes & statx_attr_dax)
        return {"dax", true, "DAX"};
    return {"dax", false, "not DAX: the file system must be mounted with -o dax"};
}

// `remedy` follows what was found ("; run ...").
Check holes_check(int fd, std::uint64_t size, const std::string &remedy)
{
    const auto found = holes(fd, size);
    return found.empty() ? Check{"holes", true, "none"}
                         : Check{"holes", false, describe(found, "hole") + remedy};
}

Check unwritten_check(int fd, const std::string &remedy)
{
    const auto found = unwritten_extents(fd);
    if (!found)
        return {"unwritten", false, "cannot tell: the file system has no FIEMAP"};
    if (found->empty())
        return {"unwritten", true, "none"};
    return {"unwritten", false, describe(*found, "unwritten extent") + remedy};
}

// The "holes" and "unwritten" checks of the file open as `fd`.
std::vector<Check> allocation(int fd, std::uint64_t size, const std::string &remedy = {})
{
    return {holes_check(fd, size, remedy), unwritten_check(fd, remedy)};
}

Check writable_check(const std::filesystem::path &path)
{
    if (const Fd fd{::open(path.c_str(), O_RDWR | O_CLOEXEC)}; !fd)
        return {"writable", false, fmt::format("open O_RDWR: {}", std::strerror(errno))};
    return {"writable", true, "opens for writing"};
}

bool has_capability(int capability)
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) < 0)
        return false;
    return data[CAP_TO_INDEX(capability)].effective & CAP_TO_MASK(capability);
}

const char *capability_name(int capability)
{
    switch (capability) {
    case CAP_LINUX_IMMUTABLE: return "CAP_LINUX_IMMUTABLE";
    case CAP_LEASE: return "CAP_LEASE";
    default: return "the capability";
    }
}

Check owner_check(const struct statx &stx, int capability)
{
    const uid_t uid = ::geteuid();
    const char *name = capability_name(capability);
    if (stx.stx_uid == uid)
        return {"owner", true, fmt::format("owned by the caller (uid {})", uid)};
    if (has_capability(capability))
        return {"owner", true, fmt::format("owned by uid {}; the caller has {}", stx.stx_uid, name)};
    return {"owner", false,
            fmt::format("owned by uid {}, not the caller's uid {}, and no {}", stx.stx_uid, uid, name)};
}

struct statx stat_file(const std::filesystem::path &path)
{
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_TYPE | STATX_UID | STATX_SIZE, &stx) < 0)
        fail("stat", path);
    return stx;
}

// Writes zeros over [range.offset, range.offset + range.length).
void write_zeros(int fd, Range range, const std::filesystem::path &path)
{
    static const std::vector<char> zeros(1 << 20);
    while (range.length > 0) {
        const std::size_t chunk = std::min<std::uint64_t>(range.length, zeros.size());
        const ssize_t written = ::pwrite(fd, zeros.data(), chunk, static_cast<off_t>(range.offset));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            fail("write", path);
        }
        range.offset += static_cast<std::uint64_t>(written);
        range.length -= static_cast<std::uint64_t>(written);
    }
}

} // namespace

std::vector<Check> check_file(const std::filesystem::path &path)
{
    const struct statx stx = stat_file(path);
    if (!S_ISREG(stx.stx_mode))
        return {{"regular", false, "not a regular file"}};

    const Fd fd = open_file(path, O_RDONLY);
    std::vector<Check> checks{
        {"regular", true, "a regular file"},
        filesystem_check(fd.get(), path),
        dax_check(stx),
    };
    for (auto &check : allocation(fd.get(), stx.stx_size,
                                  fmt::format("; run '{}'", prepare_command(path, stx.stx_size))))
        checks.push_back(std::move(check));
    checks.push_back(writable_check(path));
    checks.push_back(owner_check(stx, CAP_LINUX_IMMUTABLE));
    return checks;
}

std::vector<std::string> unallocated(const std::filesystem::path &path)
{
    const struct statx stx = stat_file(path);
    const Fd fd = open_file(path, O_RDONLY);
    std::vector<std::string> found;
    if (const auto ranges = holes(fd.get(), stx.stx_size); !ranges.empty())
        found.push_back(describe(ranges, "hole"));
    if (const auto ranges = unwritten_extents(fd.get()); ranges && !ranges->empty())
        found.push_back(describe(*ranges, "unwritten extent"));
    return found;
}

Check owner_check(const std::filesystem::path &path, int capability)
{
    return owner_check(stat_file(path), capability);
}

std::string prepare_command(const std::filesystem::path &path, std::uint64_t size)
{
    return fmt::format("pinctl prepare {} {}", shell_quote(path.string()),
                       size ? format_size(size) : "SIZE");
}

std::string shell_quote(std::string_view word)
{
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr("/._-+:,@%=", c));
    });
    if (plain)
        return std::string{word};
    std::string quoted = "'";
    for (const char c : word) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

bool all_ok(const std::vector<Check> &checks)
{
    return std::all_of(checks.begin(), checks.end(), [](const Check &c) { return c.ok; });
}

void prepare_file(const std::filesystem::path &path, std::uint64_t size)
{
    const Fd fd = open_file(path, O_RDWR | O_CREAT, 0644);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0)
        fail("stat", path);
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        fail("not a regular file", path);
    }
    const auto current = static_cast<std::uint64_t>(st.st_size);
    if (size < current) {
        throw std::system_error{EINVAL, std::generic_category(),
                                fmt::format("{}: refusing to shrink it from {} to {} bytes",
                                            path.string(), current, size)};
    }
    if (size > current && ::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
        fail("truncate", path);

    auto ranges = holes(fd.get(), size);
    if (const auto unwritten = unwritten_extents(fd.get()))
        ranges.insert(ranges.end(), unwritten->begin(), unwritten->end());
    // ext4 and xfs report unwritten extents as holes too: write each byte once.
    std::sort(ranges.begin(), ranges.end(), [](Range a, Range b) { return a.offset < b.offset; });
    std::uint64_t done = 0;
    for (auto range : ranges) {
        const std::uint64_t end = std::min(size, range.offset + range.length);
        const std::uint64_t start = std::max(done, range.offset);
        if (start < end)
            write_zeros(fd.get(), {start, end - start}, path);
        done = std::max(done, end);
    }
    if (::fsync(fd.get()) < 0)
        fail("fsync", path);
}

} // namespace vpin
