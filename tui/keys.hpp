// SPDX-License-Identifier: GPL-2.0
#pragma once

#include "form.hpp"
#include "view.hpp"

#include <vpin/control.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// pintop's keys, htop style: a table maps each key to an action, and each
// action is a function that changes the view or the panes and says what the
// main loop does next. No curses here: the screen turns its key codes into
// these.
namespace pintop {

// What the main loop does after a key.
enum class Next {
    none,    // nothing changed
    redraw,  // draw again
    refetch, // ask the module again, then draw
    resize,  // the terminal's size changed
    quit,
};

// Keys besides characters (which are their own code).
namespace key {
inline constexpr int escape = 27;
inline constexpr int tab = '\t';
inline constexpr int enter = '\n';
inline constexpr int ctrl_l = 12;
inline constexpr int first_special = 0x110000; // past Unicode
inline constexpr int up = first_special + 1;
inline constexpr int down = first_special + 2;
inline constexpr int left = first_special + 3;
inline constexpr int right = first_special + 4;
inline constexpr int page_up = first_special + 5;
inline constexpr int page_down = first_special + 6;
inline constexpr int home = first_special + 7;
inline constexpr int end = first_special + 8;
inline constexpr int back_tab = first_special + 9;
inline constexpr int backspace = first_special + 10;
inline constexpr int resize = first_special + 11;
[[nodiscard]] constexpr int f(int n) noexcept
{
    return first_special + 0x100 + n;
}
} // namespace key

enum class Action {
    none,
    tab_next,
    tab_prev,
    tab_sessions,
    tab_pins,
    tab_leases,
    tab_events,
    tab_policy,
    up,
    down,
    page_up,
    page_down,
    home,
    end,
    sort_prev,
    sort_next,
    sort_invert,
    filter,
    tree,
    detail,
    help,
    refetch,
    resize,
    revoke,
    edit_rule,
    add_rule,
    quit,
};

// One line of the key table. Keys with no name are not in the help.
struct Binding {
    int key;
    std::string_view name;
    Action action;
};

[[nodiscard]] std::span<const Binding> bindings();
// The action of a key; none for a key the table does not have.
[[nodiscard]] Action action_for(int key);
[[nodiscard]] std::string_view action_name(Action action);
[[nodiscard]] std::string_view describe(Action action);
// Actions that change what the module holds: CAP_SYS_ADMIN only.
[[nodiscard]] bool acts(Action action);

// The lease a confirmed revocation revokes.
struct Target {
    std::uint64_t session = 0;
    std::uint32_t id = 0;
    std::string question; // "Revoke ...? [y/n]"
};

// What the actions work on, and the panes they open.
struct Context {
    enum class Pane { none, help, detail, filter, confirm, form };

    View &view;
    const vpin::State &state;
    bool privileged = false;
    // Revokes a lease (vpin::Netlink::revoke_lease); throws on failure.
    std::function<void(std::uint64_t session, std::uint32_t id)> revoke = {};
    // Asks pind over its control socket (vpin::control); throws when pind
    // cannot be reached.
    std::function<vpin::ControlReply(const vpin::ControlRequest &)> control = {};

    Pane pane = Pane::none;
    std::string filter_input = {};  // the filter being typed
    std::string filter_before = {}; // what Esc puts back
    std::optional<Target> confirm = {};
    std::optional<Form> form = {}; // the rule being edited
    std::string message = {}; // for the status line
    bool warning = false;     // the message is about a failure or a refusal
};

// The help pane: each action once, with its keys.
[[nodiscard]] std::vector<std::string> help_lines(bool privileged);

// Runs an action.
Next perform(Action action, Context &context);
// One key: an open pane takes it (filter text, y/n, the form's fields,
// closing help or detail); else the key table's action runs.
Next press(int key, Context &context);

} // namespace pintop
