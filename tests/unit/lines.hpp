// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace test {

// Lines joined by newlines: line N of the text is list[N - 1].
inline std::string lines(std::initializer_list<std::string_view> list)
{
    std::string text;
    for (const auto line : list) {
        text += line;
        text += '\n';
    }
    return text;
}

} // namespace test
