// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Compact JSON text appended to a string, as nlohmann::json dumps it: what
// print::append_json() writes records and objects with.
namespace vpin::print::json_text {

// A string, quoted and escaped.
void string(std::string &out, std::string_view s);
void number(std::string &out, std::uint64_t n);
// `"key":`, after a comma unless it is the object's first member.
void key(std::string &out, std::string_view key);

} // namespace vpin::print::json_text
