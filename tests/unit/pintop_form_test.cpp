// SPDX-License-Identifier: GPL-2.0
// pintop's rule form without curses: filled from pind's "show", keys
// through the key table, what it sends pind, and pind's answers inline.
#include "form.hpp"
#include "keys.hpp"
#include "view.hpp"

#include <vpin/state.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using pintop::Action;
using pintop::Context;
using pintop::Form;
using pintop::Next;
using pintop::Tab;
using pintop::View;
using vpin::ControlReply;
using vpin::ControlRequest;
using Json = nlohmann::json;

namespace {

const vpin::State::Time t0 = vpin::State::Time{} + 1000h;

// The module's rules: rdma, then rest.
vpin::State state()
{
    vpin::Snapshot s;
    s.status.version = "0.1.0";
    s.status.abi_version = 1;
    s.policy.generation = 3;
    s.policy.loaded = true;
    s.policy.policy.rules.resize(2);
    s.policy.policy.rules[0].name = "rdma";
    s.policy.policy.rules[1].name = "rest";
    vpin::State st{0, 4096};
    st.refresh(std::move(s), t0);
    return st;
}

// pind as the form sees it: "show" answers with `tables`; edits get
// `answer`; a set `error` is a pind that cannot be reached.
struct FakePind {
    Json tables = {
        {"defaults", {{"break_time", "45s"}}},
        {"rules",
         {{{"name", "rdma"}, {"users", {1001, "bob"}}, {"max_pinned", "64G"}, {"allow", Json::array()}},
          {{"name", "rest"}}}}};
    ControlReply answer = [] {
        ControlReply r;
        r.ok = true;
        r.file = "/etc/vpin/pind.toml";
        r.generation = 4;
        return r;
    }();
    int error = 0;
    std::vector<ControlRequest> asked;

    ControlReply operator()(const ControlRequest &request)
    {
        asked.push_back(request);
        if (error)
            throw std::system_error{error, std::generic_category(), "connect /run/vpin/pind.sock"};
        if (request.op != ControlRequest::Op::show)
            return answer;
        ControlReply r;
        r.ok = true;
        r.file = "/etc/vpin/pind.toml";
        r.tables = tables;
        return r;
    }
};

void type(Context &context, std::string_view text)
{
    for (const char c : text)
        pintop::press(c, context);
}

void clear(Context &context)
{
    pintop::press(21, context); // ^U
}

} // namespace

TEST_CASE("pintop form: a field's text and the value it sends")
{
    CHECK(pintop::field_text("max_pinned", "64G") == "64G");
    CHECK(pintop::field_text("max_leases", 8) == "8");
    CHECK(pintop::field_text("users", Json{1001, "bob"}) == "1001,bob");
    CHECK(pintop::field_text("allow", Json::array()) == "none");
    CHECK(pintop::field_text("users", Json::array()).empty());

    CHECK(pintop::field_value("max_leases", "") == nullptr);
    CHECK(pintop::field_value("max_leases", "  ") == nullptr);
    CHECK(pintop::field_value("max_leases", " 12 ") == 12);
    CHECK(pintop::field_value("max_leases", "many") == "many");
    CHECK(pintop::field_value("max_pinned", "1G") == "1G");
    CHECK(pintop::field_value("max_pinned", "4096") == 4096);
    CHECK(pintop::field_value("break_time", "30") == 30);
    // Too big for an integer: a string, for pind to refuse.
    CHECK(pintop::field_value("max_leases", "99999999999999999999") == "99999999999999999999");
    CHECK(pintop::field_value("on_revoke", "none") == "none");
    CHECK(pintop::field_value("allow", "pin, pin-file,,") == Json{"pin", "pin-file"});
    CHECK(pintop::field_value("allow", "none") == Json::array());
    CHECK(pintop::field_value("users", "alice,1002") == Json{"alice", "1002"});
    CHECK(pintop::field_value("paths", "/mnt/a") == Json{"/mnt/a"});
}

TEST_CASE("pintop form: only the fields that changed are sent")
{
    FakePind pind;
    Form form = Form::edit("rdma", pind.tables["rules"][0], "/etc/vpin/pind.toml");
    REQUIRE(form.fields.size() == 10);
    CHECK(form.fields[0].key == "users");
    CHECK(form.fields[0].value == "1001,bob");
    CHECK(form.fields[3].value == "none");
    CHECK_FALSE(form.request().has_value());

    form.fields[4].value = "1G"; // max_pinned
    form.fields[6].value = "2";  // max_leases, not in the file
    form.fields[0].value = "";   // users: gone
    const auto request = form.request();
    REQUIRE(request);
    CHECK(request->op == ControlRequest::Op::set_rule);
    CHECK(request->edit.name == "rdma");
    CHECK(request->edit.keys == Json{{"max_pinned", "1G"}, {"max_leases", 2}, {"users", nullptr}});

    Form defaults = Form::defaults(pind.tables["defaults"], "f");
    REQUIRE(defaults.fields.size() == 7);
    CHECK(defaults.fields[0].key == "allow");

    Form add = Form::add("f");
    REQUIRE(add.fields.size() == 11);
    add.fields[0].value = " batch ";
    add.fields[4].value = "pin";
    const auto added = add.request();
    REQUIRE(added);
    CHECK(added->op == ControlRequest::Op::add_rule);
    CHECK(added->edit.name == "batch");
    CHECK(added->edit.keys == Json{{"allow", {"pin"}}});
}

TEST_CASE("pintop actions: e edits the selected rule; pind's answer decides")
{
    vpin::State st = state();
    View view{Tab::policy};
    view.update(st, t0);
    FakePind pind;
    Context context{view, st, true, {}, std::ref(pind)};
    view.down(); // rule 1: rdma
    CHECK(pintop::press('e', context) == Next::redraw);
    REQUIRE(context.pane == Context::Pane::form);
    REQUIRE(context.form);
    CHECK(context.form->rule == "rdma");
    CHECK(context.form->title() == " Edit rule rdma ");
    CHECK(context.form->lines()[2] == "> users" + std::string(10, ' ') + "1001,bob_");

    // Down to max_pinned, a new value, Enter.
    for (int i = 0; i < 4; i++)
        pintop::press(pintop::key::down, context);
    clear(context);
    type(context, "1M");
    CHECK(context.form->lines()[6] == "> max_pinned" + std::string(5, ' ') + "1M_");
    // Keys of the table do nothing else while the form is open.
    CHECK(view.tab() == Tab::policy);
    CHECK(pintop::press(pintop::key::enter, context) == Next::refetch);
    REQUIRE(pind.asked.size() == 2);
    CHECK(pind.asked[1].op == ControlRequest::Op::set_rule);
    CHECK(pind.asked[1].edit.keys == Json{{"max_pinned", "1M"}});
    CHECK(context.pane == Context::Pane::none);
    CHECK_FALSE(context.form);
    CHECK(context.message ==
          "Saved rule \"rdma\" in /etc/vpin/pind.toml; the module has it (policy generation 4).");

    SECTION("an invalid edit: the error inline, the form stays")
    {
        pind.answer.ok = false;
        pind.answer.error =
            "/etc/vpin/pind.toml:13:14: rule \"rdma\": max_leases must be an integer, not a string";
        pintop::press('e', context);
        for (int i = 0; i < 6; i++)
            pintop::press(pintop::key::down, context);
        type(context, "many");
        CHECK(pintop::press('\r', context) == Next::redraw);
        CHECK(context.pane == Context::Pane::form);
        REQUIRE(context.form);
        CHECK(context.form->error == pind.answer.error);
        CHECK(pind.asked.back().edit.keys == Json{{"max_leases", "many"}});
        // Esc leaves; nothing more is sent.
        const auto asked = pind.asked.size();
        CHECK(pintop::press(pintop::key::escape, context) == Next::redraw);
        CHECK(context.pane == Context::Pane::none);
        CHECK(context.message == "Nothing was changed.");
        CHECK(pind.asked.size() == asked);
    }
    SECTION("pind not running: said inline")
    {
        pintop::press('e', context);
        pind.error = ECONNREFUSED;
        pintop::press(pintop::key::up, context); // round to on_revoke
        type(context, "none");
        pintop::press(pintop::key::enter, context);
        REQUIRE(context.form);
        CHECK(context.form->error == "pind is not running: connect /run/vpin/pind.sock: Connection refused");
        // And before a form opens: on the status line.
        pintop::press(pintop::key::escape, context);
        pind.error = ENOENT;
        CHECK(pintop::press('e', context) == Next::redraw);
        CHECK(context.pane == Context::Pane::none);
        CHECK(context.warning);
        CHECK(context.message ==
              "e: pind is not running: connect /run/vpin/pind.sock: No such file or directory");
    }
    SECTION("the defaults row edits [defaults]")
    {
        view.home();
        pintop::press('e', context);
        REQUIRE(context.form);
        CHECK(context.form->op == ControlRequest::Op::set_defaults);
        CHECK(context.form->fields[5].value == "45s");
    }
    SECTION("a rule pind's file does not have")
    {
        pind.tables["rules"].erase(0);
        pintop::press('e', context);
        CHECK(context.pane == Context::Pane::none);
        CHECK(context.message.find("rule \"rdma\" is not in pind's file /etc/vpin/pind.toml") !=
              std::string::npos);
    }
    SECTION("nothing changed: nothing is sent")
    {
        pintop::press('e', context);
        const auto asked = pind.asked.size();
        pintop::press(pintop::key::enter, context);
        CHECK(pind.asked.size() == asked);
        CHECK(context.message == "Nothing was changed.");
    }
}

TEST_CASE("pintop actions: a adds a rule; the name is needed")
{
    vpin::State st = state();
    View view{Tab::policy};
    view.update(st, t0);
    FakePind pind;
    Context context{view, st, true, {}, std::ref(pind)};
    pintop::press('a', context);
    REQUIRE(context.form);
    CHECK(context.form->op == ControlRequest::Op::add_rule);
    pintop::press(pintop::key::enter, context);
    CHECK(context.form->error == "name: a new rule needs a name");
    CHECK(pind.asked.size() == 1);
    type(context, "batch");
    pintop::press(pintop::key::tab, context); // users
    type(context, "1002");
    pintop::press(pintop::key::backspace, context);
    type(context, "3");
    CHECK(pintop::press(pintop::key::enter, context) == Next::refetch);
    REQUIRE(pind.asked.size() == 2);
    CHECK(pind.asked[1].op == ControlRequest::Op::add_rule);
    CHECK(pind.asked[1].edit.name == "batch");
    CHECK(pind.asked[1].edit.keys == Json{{"users", {"1003"}}});
    CHECK(context.message.starts_with("Saved the new rule \"batch\" in "));
}

TEST_CASE("pintop actions: e and a need CAP_SYS_ADMIN and the Policy tab")
{
    vpin::State st = state();
    View view{Tab::policy};
    view.update(st, t0);
    FakePind pind;
    Context context{view, st, false, {}, std::ref(pind)};
    view.down();
    for (const int key : {'e', 'a'}) {
        CHECK(pintop::press(key, context) == Next::redraw);
        CHECK(context.pane == Context::Pane::none);
        CHECK_FALSE(context.form);
        CHECK(context.message.find("actions need CAP_SYS_ADMIN") != std::string::npos);
    }
    CHECK(pind.asked.empty());
    for (const auto action : {Action::edit_rule, Action::add_rule}) {
        CHECK(pintop::acts(action));
        bool said = false;
        for (const auto &line : pintop::help_lines(false)) {
            if (line.find(pintop::describe(action)) != std::string::npos)
                said = line.find("actions need CAP_SYS_ADMIN") != std::string::npos;
        }
        CHECK(said);
    }

    Context root{view, st, true, {}, std::ref(pind)};
    pintop::press('3', root);
    view.update(st, t0);
    pintop::press('e', root);
    CHECK(root.pane == Context::Pane::none);
    CHECK(root.message == "e: rules are edited on the Policy tab (5)");
    CHECK(pind.asked.empty());
}
