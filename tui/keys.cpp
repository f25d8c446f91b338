// SPDX-License-Identifier: GPL-2.0
#include "keys.hpp"

#include <vpin/explain.hpp>
#include <vpin/print.hpp>

#include <linux/vpin.h>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace pintop {

namespace {

constexpr std::array table{
    Binding{key::tab, "Tab", Action::tab_next},
    Binding{key::back_tab, "S-Tab", Action::tab_prev},
    Binding{'1', "1", Action::tab_sessions},
    Binding{'2', "2", Action::tab_pins},
    Binding{'3', "3", Action::tab_leases},
    Binding{'4', "4", Action::tab_events},
    Binding{'5', "5", Action::tab_policy},
    Binding{key::up, "Up", Action::up},
    Binding{key::down, "Down", Action::down},
    Binding{key::page_up, "PgUp", Action::page_up},
    Binding{key::page_down, "PgDn", Action::page_down},
    Binding{key::home, "Home", Action::home},
    Binding{key::end, "End", Action::end},
    Binding{'<', "<", Action::sort_prev},
    Binding{'>', ">", Action::sort_next},
    Binding{key::f(6), "F6", Action::sort_next},
    Binding{'I', "I", Action::sort_invert},
    Binding{'/', "/", Action::filter},
    Binding{'t', "t", Action::tree},
    Binding{key::enter, "Enter", Action::detail},
    Binding{'\r', "", Action::detail},
    Binding{'h', "h", Action::help},
    Binding{'?', "?", Action::help},
    Binding{key::f(1), "F1", Action::help},
    Binding{key::ctrl_l, "^L", Action::refetch},
    Binding{key::resize, "", Action::resize},
    Binding{'R', "R", Action::revoke},
    Binding{'e', "e", Action::edit_rule},
    Binding{'a', "a", Action::add_rule},
    Binding{'q', "q", Action::quit},
    Binding{key::f(10), "F10", Action::quit},
};

struct Description {
    Action action;
    std::string_view name;
    std::string_view text;
};

constexpr std::array descriptions{
    Description{Action::none, "none", ""},
    Description{Action::tab_next, "tab-next", "next tab"},
    Description{Action::tab_prev, "tab-prev", "previous tab"},
    Description{Action::tab_sessions, "tab-sessions", "Sessions"},
    Description{Action::tab_pins, "tab-pins", "Pins"},
    Description{Action::tab_leases, "tab-leases", "Leases"},
    Description{Action::tab_events, "tab-events", "Events"},
    Description{Action::tab_policy, "tab-policy", "Policy"},
    Description{Action::up, "up", "select the row above"},
    Description{Action::down, "down", "select the row below"},
    Description{Action::page_up, "page-up", "a page up"},
    Description{Action::page_down, "page-down", "a page down"},
    Description{Action::home, "home", "the first row"},
    Description{Action::end, "end", "the last row"},
    Description{Action::sort_prev, "sort-prev", "sort by the column to the left"},
    Description{Action::sort_next, "sort-next", "sort by the column to the right"},
    Description{Action::sort_invert, "sort-invert", "invert the sort order"},
    Description{Action::filter, "filter", "filter: text, uid:N, comm:TEXT or path:TEXT"},
    Description{Action::tree, "tree", "sessions as a tree: leases, their pins"},
    Description{Action::detail, "detail", "details of the selected row"},
    Description{Action::help, "help", "this help"},
    Description{Action::refetch, "refetch", "ask the module again, redraw"},
    Description{Action::resize, "resize", "follow the terminal's size"},
    Description{Action::revoke, "revoke", "revoke the selected lease (asks y/n)"},
    Description{Action::edit_rule, "edit-rule", "Policy: edit the selected rule or the defaults"},
    Description{Action::add_rule, "add-rule", "Policy: add a rule"},
    Description{Action::quit, "quit", "quit"},
};

Next to_tab(Context &c, Tab tab)
{
    c.view.set_tab(tab);
    return Next::redraw;
}

Next sort(Context &c, int step)
{
    if (!c.view.sort_next(step))
        c.message = fmt::format("{} is not sorted", tab_name(c.view.tab()));
    return Next::redraw;
}

Next open_filter(Context &c)
{
    c.pane = Context::Pane::filter;
    c.filter_input = c.filter_before = c.view.filter();
    return Next::redraw;
}

Next open_detail(Context &c)
{
    if (c.view.current())
        c.pane = Context::Pane::detail;
    return Next::redraw;
}

Next ask_revoke(Context &c)
{
    c.warning = true;
    if (!c.privileged) {
        c.message = "R: actions need CAP_SYS_ADMIN (run pintop as root)";
        return Next::redraw;
    }
    const auto item = c.view.current();
    if (!item || item->kind != Kind::lease) {
        c.message = "R: select a lease first (Leases tab, or the session tree)";
        return Next::redraw;
    }
    const auto lease = c.state.lease(item->session, item->id, vpin::State::Clock::now());
    if (!lease) {
        c.message = "R: the lease is gone already";
        return Next::redraw;
    }
    if (lease->lease.state == VPIN_LEASE_STATE_ORPHANED) {
        c.message = "R: an orphaned lease has ended already; its pages are held by a device";
        return Next::redraw;
    }
    // "exclusive ", "breakable ", or nothing while the type is not known.
    std::string type;
    if (lease->lease.type != VPIN_LEASE_UNSPEC) {
        for (const auto &f : vpin::print::record(lease->lease)) {
            if (f.key == "type")
                type = vpin::print::text(f) + ' ';
        }
    }
    c.warning = false;
    c.message.clear();
    c.confirm = Target{item->session, item->id,
                       fmt::format("Revoke {}lease {}:{} of {} ({})? [y/n]", type, item->session, item->id,
                                   lease->lease.file ? lease->lease.file->path : "?",
                                   lease->comm.empty() ? "-" : lease->comm)};
    c.pane = Context::Pane::confirm;
    return Next::redraw;
}

// Why pind could not be asked.
std::string unreachable(const std::exception &e)
{
    const auto *system = dynamic_cast<const std::system_error *>(&e);
    if (system && (system->code().value() == ENOENT || system->code().value() == ECONNREFUSED))
        return fmt::format("pind is not running: {}", e.what());
    return fmt::format("pind cannot be asked: {}", e.what());
}

// pind's "show": what its file says of the rules; the reason on the status
// line when there is no answer.
std::optional<vpin::ControlReply> show(Context &c, char key)
{
    try {
        if (!c.control)
            throw std::logic_error{"no way to reach pind"};
        auto reply = c.control(vpin::ControlRequest{});
        if (reply.ok && reply.tables.is_object())
            return reply;
        c.message =
            fmt::format("{}: {}", key, reply.ok ? "pind did not say what its file holds" : reply.error);
    } catch (const std::exception &e) {
        c.message = fmt::format("{}: {}", key, unreachable(e));
    }
    return std::nullopt;
}

// What `e` and `a` need: the privilege and the Policy tab.
bool may_edit(Context &c, char key)
{
    c.warning = true;
    if (!c.privileged) {
        c.message = fmt::format("{}: actions need CAP_SYS_ADMIN (run pintop as root)", key);
        return false;
    }
    if (c.view.tab() != Tab::policy) {
        c.message = fmt::format("{}: rules are edited on the Policy tab (5)", key);
        return false;
    }
    return true;
}

Next open_form(Context &c, Form form)
{
    c.form = std::move(form);
    c.pane = Context::Pane::form;
    c.warning = false;
    c.message.clear();
    return Next::redraw;
}

Next open_edit(Context &c)
{
    if (!may_edit(c, 'e'))
        return Next::redraw;
    const auto item = c.view.current();
    const auto &rules = c.state.policy().policy.rules;
    if (!item || item->kind != Kind::rule) {
        c.message = "e: select a rule or the defaults first";
        return Next::redraw;
    }
    if (item->id > rules.size()) {
        c.message = "e: the rule is gone";
        return Next::redraw;
    }
    const auto reply = show(c, 'e');
    if (!reply)
        return Next::redraw;
    if (item->id == 0)
        return open_form(
            c, Form::defaults(reply->tables.value("defaults", nlohmann::json::object()), reply->file));
    const std::string &name = rules[item->id - 1].name;
    for (const auto &written : reply->tables.value("rules", nlohmann::json::array())) {
        if (written.is_object() && written.value("name", nlohmann::json{}) == name)
            return open_form(c, Form::edit(name, written, reply->file));
    }
    c.message =
        fmt::format("e: rule {:?} is not in pind's file {} (was it loaded another way?)", name, reply->file);
    return Next::redraw;
}

Next open_add(Context &c)
{
    if (!may_edit(c, 'a'))
        return Next::redraw;
    const auto reply = show(c, 'a');
    if (!reply)
        return Next::redraw;
    return open_form(c, Form::add(reply->file));
}

// Actions that change only the view or open the help: drawn again.
Next change(Context &c, Action action)
{
    View &v = c.view;
    switch (action) {
    case Action::tab_next: v.next_tab(1); break;
    case Action::tab_prev: v.next_tab(-1); break;
    case Action::up: v.up(); break;
    case Action::down: v.down(); break;
    case Action::page_up: v.page_up(); break;
    case Action::page_down: v.page_down(); break;
    case Action::home: v.home(); break;
    case Action::end: v.end(); break;
    case Action::sort_invert: v.sort_invert(); break;
    case Action::tree: v.toggle_tree(); break;
    case Action::help: c.pane = Context::Pane::help; break;
    default: break;
    }
    return Next::redraw;
}

using Handler = Next (*)(Context &);

struct Perform {
    Action action;
    Handler handler;
};

constexpr std::array handlers{
    Perform{Action::tab_next, [](Context &c) { return change(c, Action::tab_next); }},
    Perform{Action::tab_prev, [](Context &c) { return change(c, Action::tab_prev); }},
    Perform{Action::tab_sessions, [](Context &c) { return to_tab(c, Tab::sessions); }},
    Perform{Action::tab_pins, [](Context &c) { return to_tab(c, Tab::pins); }},
    Perform{Action::tab_leases, [](Context &c) { return to_tab(c, Tab::leases); }},
    Perform{Action::tab_events, [](Context &c) { return to_tab(c, Tab::events); }},
    Perform{Action::tab_policy, [](Context &c) { return to_tab(c, Tab::policy); }},
    Perform{Action::up, [](Context &c) { return change(c, Action::up); }},
    Perform{Action::down, [](Context &c) { return change(c, Action::down); }},
    Perform{Action::page_up, [](Context &c) { return change(c, Action::page_up); }},
    Perform{Action::page_down, [](Context &c) { return change(c, Action::page_down); }},
    Perform{Action::home, [](Context &c) { return change(c, Action::home); }},
    Perform{Action::end, [](Context &c) { return change(c, Action::end); }},
    Perform{Action::sort_prev, [](Context &c) { return sort(c, -1); }},
    Perform{Action::sort_next, [](Context &c) { return sort(c, 1); }},
    Perform{Action::sort_invert, [](Context &c) { return change(c, Action::sort_invert); }},
    Perform{Action::filter, open_filter},
    Perform{Action::tree, [](Context &c) { return change(c, Action::tree); }},
    Perform{Action::detail, open_detail},
    Perform{Action::help, [](Context &c) { return change(c, Action::help); }},
    Perform{Action::refetch, [](Context &) { return Next::refetch; }},
    Perform{Action::resize, [](Context &) { return Next::resize; }},
    Perform{Action::revoke, ask_revoke},
    Perform{Action::edit_rule, open_edit},
    Perform{Action::add_rule, open_add},
    Perform{Action::quit, [](Context &) { return Next::quit; }},
};

Next type_filter(int key, Context &c)
{
    switch (key) {
    case key::escape:
        c.pane = Context::Pane::none;
        c.view.set_filter(c.filter_before);
        return Next::redraw;
    case key::enter:
    case '\r':
        c.pane = Context::Pane::none;
        c.view.set_filter(c.filter_input);
        return Next::redraw;
    case key::backspace:
    case 127:
    case 8:
        if (!c.filter_input.empty())
            c.filter_input.pop_back();
        c.view.set_filter(c.filter_input);
        return Next::redraw;
    default:
        if (key >= 32 && key < 127) {
            c.filter_input += static_cast<char>(key);
            c.view.set_filter(c.filter_input);
            return Next::redraw;
        }
        return Next::none;
    }
}

// Enter in the form: pind makes the change, or says why not and the form
// stays, with nothing changed.
Next submit(Context &c)
{
    Form &form = *c.form;
    const auto request = form.request();
    if (!request) {
        c.form.reset();
        c.pane = Context::Pane::none;
        c.message = "Nothing was changed.";
        c.warning = false;
        return Next::redraw;
    }
    if (request->op == vpin::ControlRequest::Op::add_rule && request->edit.name.empty()) {
        form.error = "name: a new rule needs a name";
        return Next::redraw;
    }
    vpin::ControlReply reply;
    try {
        if (!c.control)
            throw std::logic_error{"no way to reach pind"};
        reply = c.control(*request);
    } catch (const std::exception &e) {
        form.error = unreachable(e);
        return Next::redraw;
    }
    if (!reply.ok) {
        form.error = reply.error;
        return Next::redraw;
    }
    c.message = fmt::format("Saved {} in {}; the module has it (policy generation {}).", form.subject(),
                            reply.file.empty() ? form.file : reply.file,
                            reply.generation ? std::to_string(*reply.generation) : "?");
    c.warning = false;
    c.form.reset();
    c.pane = Context::Pane::none;
    return Next::refetch;
}

Next type_form(int key, Context &c)
{
    if (!c.form) {
        c.pane = Context::Pane::none;
        return Next::redraw;
    }
    Form &form = *c.form;
    switch (key) {
    case key::escape:
        c.form.reset();
        c.pane = Context::Pane::none;
        c.message = "Nothing was changed.";
        c.warning = false;
        return Next::redraw;
    case key::enter:
    case '\r': return submit(c);
    case key::resize: return Next::resize;
    case key::up:
    case key::back_tab: form.move(-1); return Next::redraw;
    case key::down:
    case key::tab: form.move(1); return Next::redraw;
    case key::backspace:
    case 127:
    case 8:
        if (!form.current().value.empty())
            form.current().value.pop_back();
        return Next::redraw;
    case 21: // ^U
        form.current().value.clear();
        return Next::redraw;
    default:
        // Characters, and the bytes of UTF-8 as the terminal sends them.
        if ((key >= 32 && key < 127) || (key >= 128 && key < 256)) {
            form.current().value += static_cast<char>(key);
            return Next::redraw;
        }
        return Next::none;
    }
}

Next answer(int key, Context &c)
{
    c.pane = Context::Pane::none;
    const auto target = std::exchange(c.confirm, std::nullopt);
    if ((key != 'y' && key != 'Y') || !target) {
        c.message = "Nothing was revoked.";
        c.warning = false;
        return Next::redraw;
    }
    try {
        if (!c.revoke)
            throw std::logic_error{"no way to revoke"};
        c.revoke(target->session, target->id);
        c.message = fmt::format("Revoked lease {}:{}.", target->session, target->id);
        c.warning = false;
    } catch (const std::exception &e) {
        c.message = vpin::explain(e);
        c.warning = true;
    }
    return Next::refetch;
}

} // namespace

std::span<const Binding> bindings()
{
    return table;
}

Action action_for(int key)
{
    const auto it = std::find_if(table.begin(), table.end(), [&](const Binding &b) { return b.key == key; });
    return it == table.end() ? Action::none : it->action;
}

std::string_view action_name(Action action)
{
    for (const auto &d : descriptions) {
        if (d.action == action)
            return d.name;
    }
    return {};
}

std::string_view describe(Action action)
{
    for (const auto &d : descriptions) {
        if (d.action == action)
            return d.text;
    }
    return {};
}

bool acts(Action action)
{
    return action == Action::revoke || action == Action::edit_rule || action == Action::add_rule;
}

std::vector<std::string> help_lines(bool privileged)
{
    struct Group {
        std::vector<Action> actions;
        std::string_view text;
    };
    const std::vector<Group> groups{
        {{Action::tab_next, Action::tab_prev}, "next and previous tab"},
        {{Action::tab_sessions, Action::tab_pins, Action::tab_leases, Action::tab_events, Action::tab_policy},
         "Sessions, Pins, Leases, Events, Policy"},
        {{Action::up, Action::down, Action::page_up, Action::page_down, Action::home, Action::end},
         "move the selection"},
        {{Action::sort_prev, Action::sort_next}, "choose the sort column"},
        {{Action::sort_invert}, describe(Action::sort_invert)},
        {{Action::filter}, describe(Action::filter)},
        {{Action::tree}, describe(Action::tree)},
        {{Action::detail}, describe(Action::detail)},
        {{Action::help}, describe(Action::help)},
        {{Action::refetch}, describe(Action::refetch)},
        {{Action::revoke}, describe(Action::revoke)},
        {{Action::edit_rule}, describe(Action::edit_rule)},
        {{Action::add_rule}, describe(Action::add_rule)},
        {{Action::quit}, describe(Action::quit)},
    };
    std::vector<std::string> lines{"pintop: the sessions, pins, leases, events and rules of vpin", ""};
    for (const auto &group : groups) {
        std::string keys;
        for (const auto &binding : table) {
            if (!binding.name.empty() &&
                std::find(group.actions.begin(), group.actions.end(), binding.action) != group.actions.end())
                keys += (keys.empty() ? "" : " ") + std::string{binding.name};
        }
        std::string text{group.text};
        if (std::any_of(group.actions.begin(), group.actions.end(), acts) && !privileged)
            text += ": actions need CAP_SYS_ADMIN";
        lines.push_back(fmt::format("  {:<27} {}", keys, text));
    }
    lines.push_back("");
    lines.push_back("Any key closes this help.");
    return lines;
}

Next perform(Action action, Context &context)
{
    for (const auto &p : handlers) {
        if (p.action == action)
            return p.handler(context);
    }
    return Next::none;
}

Next press(int key, Context &context)
{
    switch (context.pane) {
    case Context::Pane::filter: return type_filter(key, context);
    case Context::Pane::confirm: return answer(key, context);
    case Context::Pane::form: return type_form(key, context);
    case Context::Pane::help:
    case Context::Pane::detail:
        if (key == key::resize)
            return Next::resize;
        context.pane = Context::Pane::none;
        return Next::redraw;
    case Context::Pane::none: break;
    }
    const Action action = action_for(key);
    // A message stays until the next action.
    if (action != Action::none) {
        context.message.clear();
        context.warning = false;
    }
    return perform(action, context);
}

} // namespace pintop
