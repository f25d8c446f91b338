// SPDX-License-Identifier: GPL-2.0
#include "form.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace pintop {

namespace {

constexpr std::array<std::string_view, 4> list_keys{"users", "groups", "paths", "allow"};
constexpr std::array<std::string_view, 10> rule_keys{
    "users",        "groups",     "paths",         "allow",      "max_pinned",
    "max_sessions", "max_leases", "max_exclusive", "break_time", "on_revoke",
};
constexpr std::array<std::string_view, 7> defaults_keys{
    "allow", "max_pinned", "max_sessions", "max_leases", "max_exclusive", "break_time", "on_revoke",
};
constexpr std::size_t label_width = 14;

bool is_list(std::string_view key)
{
    return std::find(list_keys.begin(), list_keys.end(), key) != list_keys.end();
}

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

template <std::size_t N>
std::vector<Field> fields_of(const std::array<std::string_view, N> &keys, const nlohmann::json &table)
{
    std::vector<Field> out;
    for (const auto key : keys) {
        std::string text;
        if (table.is_object()) {
            if (const auto it = table.find(key); it != table.end())
                text = field_text(key, *it);
        }
        out.push_back({std::string{key}, text, text});
    }
    return out;
}

} // namespace

std::string field_text(std::string_view key, const nlohmann::json &value)
{
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_integer())
        return value.dump();
    if (value.is_array()) {
        if (value.empty())
            return key == "allow" ? "none" : "";
        std::string text;
        for (const auto &element : value)
            text += (text.empty() ? "" : ",") + field_text(key, element);
        return text;
    }
    return value.is_null() ? std::string{} : value.dump();
}

nlohmann::json field_value(std::string_view key, std::string_view text)
{
    text = trim(text);
    if (text.empty())
        return nullptr;
    if (is_list(key)) {
        auto list = nlohmann::json::array();
        if (key == "allow" && text == "none")
            return list;
        while (!text.empty()) {
            const auto comma = text.find(',');
            const auto element = trim(text.substr(0, comma));
            if (!element.empty())
                list.push_back(std::string{element});
            text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        }
        return list;
    }
    if (key != "name" && key != "on_revoke" &&
        text.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error == std::errc{} && end == text.data() + text.size())
            return number;
    }
    return std::string{text};
}

Form Form::edit(const std::string &rule, const nlohmann::json &table, std::string file)
{
    Form form;
    form.op = vpin::ControlRequest::Op::set_rule;
    form.rule = rule;
    form.file = std::move(file);
    form.fields = fields_of(rule_keys, table);
    return form;
}

Form Form::defaults(const nlohmann::json &table, std::string file)
{
    Form form;
    form.op = vpin::ControlRequest::Op::set_defaults;
    form.file = std::move(file);
    form.fields = fields_of(defaults_keys, table);
    return form;
}

Form Form::add(std::string file)
{
    Form form;
    form.op = vpin::ControlRequest::Op::add_rule;
    form.file = std::move(file);
    form.fields = fields_of(rule_keys, nullptr);
    form.fields.insert(form.fields.begin(), Field{"name", "", ""});
    return form;
}

void Form::move(int step)
{
    if (fields.empty())
        return;
    const auto n = static_cast<long>(fields.size());
    selected = static_cast<std::size_t>(((static_cast<long>(selected) + step) % n + n) % n);
}

std::optional<vpin::ControlRequest> Form::request() const
{
    vpin::ControlRequest request;
    request.op = op;
    request.edit.keys = nlohmann::json::object();
    for (const auto &field : fields) {
        if (field.key == "name") {
            request.edit.name = std::string{trim(field.value)};
            continue;
        }
        if (op == vpin::ControlRequest::Op::add_rule ? trim(field.value).empty()
                                                     : field.value == field.initial)
            continue;
        request.edit.keys[field.key] = field_value(field.key, field.value);
    }
    if (op == vpin::ControlRequest::Op::set_rule)
        request.edit.name = rule;
    if (op != vpin::ControlRequest::Op::add_rule && request.edit.keys.empty())
        return std::nullopt;
    return request;
}

std::string Form::subject() const
{
    switch (op) {
    case vpin::ControlRequest::Op::set_defaults: return "the defaults";
    case vpin::ControlRequest::Op::add_rule: {
        const auto name = fields.empty() ? std::string_view{} : trim(fields.front().value);
        return name.empty() ? std::string{"a new rule"} : fmt::format("the new rule {:?}", name);
    }
    default: return fmt::format("rule {:?}", rule);
    }
}

std::string Form::title() const
{
    switch (op) {
    case vpin::ControlRequest::Op::set_defaults: return " Edit [defaults] ";
    case vpin::ControlRequest::Op::add_rule: return " Add a rule ";
    default: return fmt::format(" Edit rule {} ", rule);
    }
}

std::vector<std::string> Form::lines() const
{
    std::vector<std::string> out{fmt::format("In {}, saved by pind:", file.empty() ? "pind's file" : file),
                                 ""};
    for (std::size_t i = 0; i < fields.size(); i++) {
        const bool here = i == selected;
        out.push_back(fmt::format("{} {:<{}} {}{}", here ? ">" : " ", fields[i].key, label_width,
                                  fields[i].value, here ? "_" : ""));
    }
    return out;
}

std::vector<std::string> Form::hints()
{
    return {"", "Enter saves  Esc cancels  Up/Down/Tab: field  ^U clears",
            "Empty: as [defaults] says. allow: none allows nothing."};
}

} // namespace pintop
