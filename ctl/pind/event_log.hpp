// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/fd.hpp>

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace pind {

// The event log: lines appended to a file that is rotated by size. When a
// line would take the file beyond `max_bytes`, FILE becomes FILE.1 (an older
// FILE.1 goes) and a new FILE starts; a line longer than `max_bytes` still
// goes, alone, into a new file. `max_bytes` 0 never rotates. Failures throw
// std::system_error.
class EventLog {
public:
    EventLog(std::filesystem::path path, std::uint64_t max_bytes);

    // Appends `line`, which ends with its newline.
    void write(std::string_view line);

    [[nodiscard]] const std::filesystem::path &path() const noexcept { return path_; }
    [[nodiscard]] std::uint64_t max_bytes() const noexcept { return max_bytes_; }

private:
    void open();
    void rotate();

    std::filesystem::path path_;
    std::uint64_t max_bytes_;
    vpin::Fd fd_;
    std::uint64_t size_ = 0;
};

} // namespace pind
