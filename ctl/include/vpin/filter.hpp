// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/model.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace vpin {

// A file as events name it: the path made absolute, with symbolic links
// resolved as far as they exist, and its device and inode if it exists
// (dev and ino 0 if not).
[[nodiscard]] FileRef file_ref(const std::filesystem::path &path);

// Which events to show (pinctl monitor): an event passes when it passes
// every condition that is set.
struct EventFilter {
    std::vector<std::uint32_t> types; // one of these (enum vpin_event_type); empty: any
    std::optional<std::uint32_t> uid; // caused by this uid; events without a uid never pass
    // About this file: the same path, or the same device and inode (an event
    // of a file released by an exiting process has no path). Events without
    // a file never pass.
    std::optional<FileRef> file;

    [[nodiscard]] bool matches(const Event &event) const;
};

// Event names, comma separated ("pin,unpin"), as their types; throws
// std::invalid_argument for a name print::event_name() does not know,
// saying which are known.
[[nodiscard]] std::vector<std::uint32_t> parse_event_types(std::string_view names);

} // namespace vpin
