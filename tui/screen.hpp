// SPDX-License-Identifier: GPL-2.0
#pragma once

#include "keys.hpp"
#include "view.hpp"

#include <cstddef>
#include <optional>

// The terminal: the only code that speaks curses. One Screen at a time; the
// terminal is itself again when it is destroyed (endwin), whatever the way
// out.
namespace pintop {

class Screen {
public:
    // Colours unless `monochrome`, or NO_COLOR is set, or the terminal has
    // none. Throws std::runtime_error when there is no terminal.
    explicit Screen(bool monochrome = false);
    ~Screen();
    Screen(const Screen &) = delete;
    Screen &operator=(const Screen &) = delete;

    // The next key pressed, in pintop's codes (keys.hpp); nothing when none
    // is waiting.
    [[nodiscard]] std::optional<int> key();
    // Takes the terminal's size again (after SIGWINCH).
    void resize();
    // Rows the table has.
    [[nodiscard]] std::size_t page() const;
    [[nodiscard]] bool colour() const noexcept { return colour_; }

    void draw(const vpin::State &state, const View &view, const Context &context, const Host &host,
              vpin::State::Time now);

private:
    bool colour_ = false;
};

} // namespace pintop
