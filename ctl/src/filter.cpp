// SPDX-License-Identifier: GPL-2.0
#include <vpin/filter.hpp>
#include <vpin/print.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>

namespace vpin {

FileRef file_ref(const std::filesystem::path &path)
{
    std::error_code ec;
    auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
    if (ec)
        absolute = std::filesystem::absolute(path, ec).lexically_normal();
    FileRef file;
    file.path = absolute.string();
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_INO, &stx) == 0) {
        // The kernel's encoding, as netlink carries it: major << 20 | minor.
        file.dev = stx.stx_dev_major << 20 | stx.stx_dev_minor;
        file.ino = stx.stx_ino;
    }
    return file;
}

bool EventFilter::matches(const Event &event) const
{
    if (!types.empty() && std::find(types.begin(), types.end(), event.type) == types.end())
        return false;
    if (uid && event.uid != uid)
        return false;
    if (file) {
        if (!event.file)
            return false;
        const bool same_path = !file->path.empty() && event.file->path == file->path;
        const bool same_inode = (file->dev != 0 || file->ino != 0) && event.file->dev == file->dev &&
                                event.file->ino == file->ino;
        if (!same_path && !same_inode)
            return false;
    }
    return true;
}

std::vector<std::uint32_t> parse_event_types(std::string_view names)
{
    std::vector<std::uint32_t> types;
    while (!names.empty()) {
        const auto comma = names.find(',');
        const std::string_view name = names.substr(0, comma);
        const auto type = print::event_type(name);
        if (!type)
            throw std::invalid_argument{fmt::format("'{}' is not an event; the events are {}", name,
                                                    fmt::join(print::event_names(), ", "))};
        types.push_back(*type);
        names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
    }
    return types;
}

} // namespace vpin
