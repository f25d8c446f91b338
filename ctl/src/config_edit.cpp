// SPDX-License-Identifier: GPL-2.0
#include <vpin/config_edit.hpp>
#include <vpin/fd.hpp>
#include <vpin/policy.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vpin {

bool editable_key(std::string_view key)
{
    return std::find(editable_keys.begin(), editable_keys.end(), key) != editable_keys.end();
}

namespace {

std::string quote(std::string_view text)
{
    return fmt::format("{:?}", text);
}

ConfigErrors error(const std::string &file, std::string message, toml::source_position where = {})
{
    return ConfigErrors{
        {{file, static_cast<int>(where.line), static_cast<int>(where.column), std::move(message)}}};
}

toml::table parse_toml(std::string_view text, const std::string &file)
{
    try {
        return toml::parse(text, std::string_view{file});
    } catch (const toml::parse_error &e) {
        throw error(file, std::string{e.description()}, e.source().begin);
    }
}

// A TOML basic string.
std::string toml_string(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\u{:04X}", byte);
        } else {
            out += c;
        }
    }
    return out + '"';
}

std::optional<std::string> toml_scalar(const nlohmann::json &value)
{
    if (value.is_string())
        return toml_string(value.get_ref<const std::string &>());
    if (value.is_number_unsigned())
        return std::to_string(value.get<std::uint64_t>());
    if (value.is_number_integer())
        return std::to_string(value.get<std::int64_t>());
    return std::nullopt;
}

// A value of an edit as TOML text.
std::string toml_value(std::string_view key, const nlohmann::json &value, const std::string &file)
{
    if (auto scalar = toml_scalar(value))
        return *scalar;
    if (value.is_array()) {
        std::string out = "[";
        for (const auto &element : value) {
            const auto text = toml_scalar(element);
            if (!text)
                throw error(file, fmt::format("{}: {} is not a string or an integer", key, element.dump()));
            out += (out.size() > 1 ? ", " : "") + *text;
        }
        return out + ']';
    }
    throw error(file,
                fmt::format("{}: {} is not a string, an integer or an array of them", key, value.dump()));
}

// Where a position of toml++ (1-based line, column in code points) is in
// `text`.
std::size_t offset(std::string_view text, const toml::source_position &where)
{
    std::size_t at = 0;
    for (toml::source_index line = 1; line < where.line; line++) {
        const auto newline = text.find('\n', at);
        if (newline == std::string_view::npos)
            return text.size();
        at = newline + 1;
    }
    for (toml::source_index column = 1; column < where.column && at < text.size() && text[at] != '\n';
         column++) {
        at++;
        while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xc0) == 0x80)
            at++;
    }
    return at;
}

std::size_t line_start(std::string_view text, std::size_t at)
{
    const auto newline = text.rfind('\n', at == 0 ? 0 : at - 1);
    return at == 0 || newline == std::string_view::npos ? 0 : newline + 1;
}

// The start of the line after the one `at` is on (the end of the text on
// the last line).
std::size_t next_line(std::string_view text, std::size_t at)
{
    const auto newline = text.find('\n', at);
    return newline == std::string_view::npos ? text.size() : newline + 1;
}

struct Change {
    std::size_t begin;
    std::size_t end;
    std::string text;
};

// "key = value" lines for the keys of `edit` that `present` does not
// have, in the order of editable_keys.
std::string new_lines(const RuleEdit &edit, const toml::table *present, const std::string &file)
{
    std::string lines;
    for (const auto key : editable_keys) {
        if (key == "name")
            continue;
        const auto it = edit.keys.find(key);
        if (it == edit.keys.end() || it->is_null() || (present && present->contains(key)))
            continue;
        lines += fmt::format("{} = {}\n", key, toml_value(key, *it, file));
    }
    return lines;
}

// A new table at the end of the text, after a blank line.
std::string append(std::string_view text, std::string_view table)
{
    std::string out{text};
    if (!out.empty() && out.back() != '\n')
        out += '\n';
    if (!out.empty())
        out += '\n';
    return out + std::string{table};
}

const toml::table *find_rule(const toml::table &root, const std::string &name)
{
    const auto *rules = root.get_as<toml::array>("rule");
    if (!rules)
        return nullptr;
    for (const auto &element : *rules) {
        const auto *table = element.as_table();
        const auto *value = table ? table->get_as<std::string>("name") : nullptr;
        if (value && value->get() == name)
            return table;
    }
    return nullptr;
}

} // namespace

std::string edit_config(std::string_view text, const RuleEdit &edit, const std::string &file)
{
    const toml::table root = parse_toml(text, file);
    if (!edit.keys.is_object())
        throw error(file, "an edit is an object of keys and values");
    for (const auto &[key, value] : edit.keys.items()) {
        if (!editable_key(key))
            throw error(file, fmt::format("{} is not a key pind edits", quote(key)));
        if (!value.is_null())
            (void)toml_value(key, value, file);
    }
    if (edit.target != RuleEdit::Target::defaults) {
        if (edit.name.empty())
            throw error(file, "a rule's name must not be empty");
        const auto name = edit.keys.find("name");
        if (name != edit.keys.end() &&
            (!name->is_string() || name->get_ref<const std::string &>() != edit.name))
            throw error(file, fmt::format("rule {}: a rule cannot be renamed", quote(edit.name)));
    }

    const toml::table *table = nullptr;
    std::string what;
    switch (edit.target) {
    case RuleEdit::Target::new_rule:
        if (const auto *existing = find_rule(root, edit.name))
            throw error(file, fmt::format("a rule named {} exists already", quote(edit.name)),
                        existing->source().begin);
        return append(text, fmt::format("[[rule]]\nname = {}\n{}", toml_string(edit.name),
                                        new_lines(edit, nullptr, file)));
    case RuleEdit::Target::defaults:
        if (const auto *node = root.get("defaults")) {
            table = node->as_table();
            if (!table)
                throw error(file, "defaults is not a table", node->source().begin);
        } else {
            return append(text, "[defaults]\n" + new_lines(edit, nullptr, file));
        }
        what = "defaults";
        break;
    case RuleEdit::Target::rule:
        table = find_rule(root, edit.name);
        if (!table)
            throw error(file, fmt::format("there is no rule named {}", quote(edit.name)));
        what = "rule " + quote(edit.name);
        break;
    }

    // Only a table with a header of its own has lines of its own to change.
    const std::size_t header = offset(text, table->source().begin);
    if (table->is_inline() || header >= text.size() || text[header] != '[')
        throw error(file,
                    fmt::format("{} is not a table with a header of its own ([[rule]] or [defaults]); "
                                "edit the file by hand",
                                what),
                    table->source().begin);

    std::vector<Change> changes;
    std::size_t last = next_line(text, offset(text, table->source().begin));
    for (const auto &[key, node] : *table) {
        const std::size_t key_at = offset(text, key.source().begin);
        const std::size_t begin = offset(text, node.source().begin);
        const std::size_t end = offset(text, node.source().end);
        last = std::max(last, next_line(text, end == 0 ? 0 : end - 1));
        const auto it = edit.keys.find(key.str());
        if (it == edit.keys.end() || key.str() == "name")
            continue;
        if (it->is_null())
            changes.push_back({line_start(text, key_at), next_line(text, end == 0 ? 0 : end - 1), ""});
        else
            changes.push_back({begin, end, toml_value(key.str(), *it, file)});
    }
    if (auto lines = new_lines(edit, table, file); !lines.empty()) {
        if (last == text.size() && !text.empty() && text.back() != '\n')
            lines.insert(0, "\n");
        changes.push_back({last, last, std::move(lines)});
    }

    // From the end, so that each change's offsets still hold; an insertion
    // right after a removal goes first.
    std::stable_sort(changes.begin(), changes.end(),
                     [](const Change &a, const Change &b) { return a.begin > b.begin; });
    std::string out{text};
    for (const auto &change : changes)
        out.replace(change.begin, change.end - change.begin, change.text);
    return out;
}

namespace {

nlohmann::json json_of(const toml::node &node)
{
    if (const auto *value = node.as_string())
        return value->get();
    if (const auto *value = node.as_integer())
        return value->get();
    if (const auto *value = node.as_boolean())
        return value->get();
    if (const auto *array = node.as_array()) {
        auto out = nlohmann::json::array();
        for (const auto &element : *array)
            out.push_back(json_of(element));
        return out;
    }
    if (const auto *table = node.as_table()) {
        auto out = nlohmann::json::object();
        for (const auto &[key, value] : *table)
            out[std::string{key.str()}] = json_of(value);
        return out;
    }
    std::ostringstream text;
    node.visit([&](const auto &n) { text << n; });
    return text.str();
}

} // namespace

nlohmann::json config_tables(std::string_view text, const std::string &file)
{
    const toml::table root = parse_toml(text, file);
    nlohmann::json out{{"defaults", nlohmann::json::object()}, {"rules", nlohmann::json::array()}};
    if (const auto *defaults = root.get("defaults"))
        out["defaults"] = json_of(*defaults);
    if (const auto *rules = root.get_as<toml::array>("rule")) {
        for (const auto &rule : *rules)
            out["rules"].push_back(json_of(rule));
    }
    return out;
}

namespace {

[[noreturn]] void fail(const std::string &what)
{
    throw std::system_error{errno, std::generic_category(), what};
}

// Unlinks the temporary file unless it was renamed.
struct Temporary {
    std::string path;
    bool renamed = false;

    explicit Temporary(std::string name) : path{std::move(name)} {}
    Temporary(const Temporary &) = delete;
    Temporary &operator=(const Temporary &) = delete;
    ~Temporary()
    {
        if (!renamed)
            ::unlink(path.c_str());
    }
};

} // namespace

bool save_config(const std::filesystem::path &path, std::string_view text)
{
    std::filesystem::path target = path;
    if (std::filesystem::is_symlink(path))
        target = std::filesystem::canonical(path);
    struct stat old {};
    const bool existed = ::stat(target.c_str(), &old) == 0;
    if (!existed && errno != ENOENT)
        fail("stat: " + target.string());
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";

    std::string name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    Fd fd{::mkostemp(name.data(), O_CLOEXEC)};
    if (!fd)
        fail("mkostemp: " + name);
    Temporary temporary{name};
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("write: " + name);
        done += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd.get(), existed ? old.st_mode & 07777 : 0644) != 0)
        fail("fchmod: " + name);
    struct stat now {};
    if (::fstat(fd.get(), &now) != 0)
        fail("fstat: " + name);
    if (existed && (now.st_uid != old.st_uid || now.st_gid != old.st_gid) &&
        ::fchown(fd.get(), old.st_uid, old.st_gid) != 0)
        fail("fchown: " + name);
    if (::fsync(fd.get()) != 0)
        fail("fsync: " + name);
    if (::rename(name.c_str(), target.c_str()) != 0)
        fail(fmt::format("rename: {} to {}", name, target.string()));
    temporary.renamed = true;
    // The rename itself, on disk.
    const Fd directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    return directory && ::fsync(directory.get()) == 0;
}

} // namespace vpin
