// SPDX-License-Identifier: GPL-2.0
#include "view.hpp"

#include <vpin/policy.hpp>
#include <vpin/print.hpp>
#include <vpin/size.hpp>
#include <vpin/version.hpp>

#include <linux/vpin.h>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <unistd.h>

namespace pintop {

namespace {

using vpin::Order;

// State sorts ties, and the key order itself, ascending: the key column
// sorted descending is its reverse.
template <typename T>
void key_descending(std::vector<T> &rows, vpin::Sort sort)
{
    if (sort.by == Order::key && sort.descending)
        std::reverse(rows.begin(), rows.end());
}
using Time = vpin::State::Time;

const std::array<std::string_view, tab_count> tab_names{"Sessions", "Pins", "Leases", "Events", "Policy"};

const Layout sessions_columns{
    {"SESSION", 7, true, Order::key},
    {"PID", 7, true},
    {"UID", 6, true, Order::uid},
    {"COMM", 15, false, Order::comm},
    {"PINS", 6, true},
    {"PINNED", 10, true, Order::size},
    {"LEASES", 6, true},
};
const Layout pins_columns{
    {"SESSION", 7, true, Order::key},
    {"ID", 5, true},
    {"UID", 6, true, Order::uid},
    {"COMM", 12, false, Order::comm},
    {"FLAGS", 5},
    {"LENGTH", 10, true, Order::size},
    {"AGE", 6, true, Order::age},
    {"PATH", 0, false, Order::path, true},
};
const Layout leases_columns{
    {"SESSION", 7, true, Order::key},
    {"ID", 5, true},
    {"UID", 6, true, Order::uid},
    {"COMM", 10, false, Order::comm},
    {"TYPE", 9},
    {"STATE", 8},
    {"PINS", 5, true, Order::size},
    {"BREAK", 6, true, Order::deadline},
    {"AGE", 6, true, Order::age},
    {"PATH", 0, false, Order::path, true},
};
const Layout events_columns{{"TIME", 12}, {"EVENT", 15}, {"DETAIL", 0}};
const Layout rules_columns{
    {"RULE", 12},      {"USERS", 10},       {"GROUPS", 8}, {"ALLOW", 20},
    {"HITS", 8, true}, {"DENIES", 8, true}, {"PATHS", 0},
};
const Layout usage_columns{
    {"UID", 6, true},         {"USER", 8}, {"RULE", 8},   {"QUOTA", 9},
    {"USED/LIMIT", 17, true}, {"USE", 20}, {"", 5, true},
};

constexpr std::array<std::string_view, 4> quota_names{"sessions", "pinned", "leases", "exclusive"};
constexpr std::size_t bar_width = 20;

std::string path_of(const std::optional<vpin::FileRef> &file)
{
    if (!file)
        return "[anonymous]";
    return file->path.empty()
               ? fmt::format("[{}:{} inode {}]", file->dev >> 20, file->dev & 0xfffff, file->ino)
               : file->path;
}

// The text of a record's field, as pinctl prints it.
std::string field(const vpin::print::Record &record, std::string_view key)
{
    for (const auto &f : record) {
        if (f.key == key)
            return vpin::print::text(f);
    }
    return "-";
}

bool same_file(const std::optional<vpin::FileRef> &a, const std::optional<vpin::FileRef> &b)
{
    return a && b && a->dev == b->dev && a->ino == b->ino;
}

Slot event_slot(std::uint32_t type)
{
    switch (type) {
    case VPIN_EVENT_PIN:
    case VPIN_EVENT_UNPIN:
    case VPIN_EVENT_MAP: return Slot::event_pin;
    case VPIN_EVENT_LEASE_GRANTED:
    case VPIN_EVENT_LEASE_RELEASED:
    case VPIN_EVENT_PROTECT_ON:
    case VPIN_EVENT_PROTECT_OFF: return Slot::event_lease;
    case VPIN_EVENT_LEASE_BREAK: return Slot::breaking;
    case VPIN_EVENT_LEASE_REVOKED:
    case VPIN_EVENT_LEASE_ORPHANED:
    case VPIN_EVENT_ORPHAN_RELEASED: return Slot::event_revoked;
    case VPIN_EVENT_POLICY_CHANGED: return Slot::event_policy;
    case VPIN_EVENT_POLICY_DENIED: return Slot::event_denied;
    default: return Slot::normal;
    }
}

Slot bar_slot(double fraction)
{
    if (fraction >= 0.9)
        return Slot::bar_high;
    return fraction >= 0.75 ? Slot::bar_mid : Slot::bar_low;
}

Slot lease_slot(const vpin::Lease &lease)
{
    if (lease.state == VPIN_LEASE_STATE_BREAKING)
        return Slot::breaking;
    return lease.state == VPIN_LEASE_STATE_ORPHANED ? Slot::orphaned : Slot::normal;
}

const vpin::ReceivedEvent *event_at(const vpin::State &state, std::uint64_t seq)
{
    const auto &events = state.events();
    if (events.empty() || seq < events.front().seq)
        return nullptr;
    const auto at = static_cast<std::size_t>(seq - events.front().seq);
    return at < events.size() && events[at].seq == seq ? &events[at] : nullptr;
}

// What an event's quota row says: used and limit, as numbers or bytes.
struct QuotaLine {
    std::uint64_t used = 0;
    std::optional<std::uint64_t> limit;
    std::optional<double> fraction;
    bool bytes = false;
};

QuotaLine quota_line(const vpin::QuotaUse &use, std::uint64_t quota)
{
    const auto &u = use.usage;
    const auto widen = [](const std::optional<std::uint32_t> &v) {
        return v ? std::optional<std::uint64_t>{*v} : std::nullopt;
    };
    switch (quota) {
    case 0: return {u.sessions, widen(u.max_sessions), use.sessions, false};
    case 1: return {u.pinned_bytes, u.max_pinned, use.pinned, true};
    case 2: return {u.leases, widen(u.max_leases), use.leases, false};
    default: return {u.exclusive, widen(u.max_exclusive), use.exclusive, false};
    }
}

std::string clock_time(vpin::print::Time time)
{
    const std::string stamp = vpin::print::timestamp(time, vpin::print::Format::text);
    return stamp.size() > 11 ? stamp.substr(11) : stamp;
}

} // namespace

std::string_view tab_name(Tab tab)
{
    return tab_names[static_cast<std::size_t>(tab)];
}

const Layout &layout(Tab tab)
{
    switch (tab) {
    case Tab::sessions: return sessions_columns;
    case Tab::pins: return pins_columns;
    case Tab::leases: return leases_columns;
    case Tab::events: return events_columns;
    case Tab::policy: break;
    }
    return rules_columns;
}

const Layout &usage_layout()
{
    return usage_columns;
}

Match Match::parse(std::string_view text)
{
    Match m;
    const auto prefixed = [&](std::string_view prefix, Field f) {
        if (text.substr(0, prefix.size()) != prefix)
            return false;
        m.field = f;
        text.remove_prefix(prefix.size());
        return true;
    };
    prefixed("uid:", Field::uid) || prefixed("comm:", Field::comm) || prefixed("path:", Field::path);
    m.text = std::string{text};
    std::uint32_t uid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), uid);
    if (error == std::errc{} && end == text.data() + text.size() && !text.empty())
        m.uid = uid;
    return m;
}

bool Match::matches(std::optional<std::uint32_t> of_uid, std::string_view comm, std::string_view path) const
{
    if (text.empty())
        return true;
    const bool by_uid = uid && of_uid && *uid == *of_uid;
    const bool by_comm = comm.find(text) != std::string_view::npos;
    const bool by_path = path.find(text) != std::string_view::npos;
    switch (field) {
    case Field::uid: return by_uid;
    case Field::comm: return by_comm;
    case Field::path: return by_path;
    case Field::any: break;
    }
    return by_uid || by_comm || by_path;
}

std::string bar(double fraction, std::size_t width)
{
    if (width < 2)
        return {};
    const std::size_t inside = width - 2;
    const double clamped = std::clamp(fraction, 0.0, 1.0);
    auto filled = static_cast<std::size_t>(clamped * static_cast<double>(inside) + 0.5);
    if (fraction > 0 && filled == 0)
        filled = 1; // anything used shows
    filled = std::min(filled, inside);
    return '[' + std::string(filled, '#') + std::string(inside - filled, ' ') + ']';
}

std::string countdown(const vpin::LeaseRow &row)
{
    if (row.lease.state != VPIN_LEASE_STATE_BREAKING)
        return "-";
    if (!row.left)
        return "?";
    if (row.left->count() <= 0)
        return "due";
    return vpin::print::duration(static_cast<std::uint64_t>(row.left->count()));
}

std::size_t column_offset(const Layout &columns, std::size_t index)
{
    std::size_t offset = 0;
    for (std::size_t c = 0; c < index && c < columns.size(); c++)
        offset += columns[c].width + 1;
    return offset;
}

std::string fit(const Row &row, std::size_t width)
{
    std::string line;
    if (!row.layout) {
        line = std::string(row.item.depth * 2, ' ');
        for (const auto &cell : row.cells)
            line += cell;
    } else {
        const Layout &columns = *row.layout;
        for (std::size_t c = 0; c < columns.size() && c < row.cells.size(); c++) {
            const auto &column = columns[c];
            const bool last = c + 1 == columns.size();
            std::string cell = row.cells[c];
            if (!column.right && !last && cell.size() > column.width)
                cell.resize(column.width); // text columns are cut; numbers never
            if (c > 0)
                line += ' ';
            if (last && column.tail && width > 0 && line.size() + cell.size() > width &&
                line.size() + 4 <= width) {
                const std::size_t room = width - line.size() - 3;
                cell = "..." + cell.substr(cell.size() - room);
            }
            if (last && !column.right)
                line += cell;
            else if (column.right)
                line += fmt::format("{:>{}}", cell, column.width);
            else
                line += fmt::format("{:<{}}", cell, column.width);
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
    }
    if (width > 0 && line.size() > width)
        line.resize(width);
    return line;
}

std::string titles(const Layout &columns, std::size_t width)
{
    Row row;
    row.layout = &columns;
    for (const auto &column : columns)
        row.cells.emplace_back(column.title);
    return fit(row, width);
}

std::vector<std::string> header(const vpin::State &state, const Host &host, Time now)
{
    const auto &status = state.status();
    const auto totals = state.totals();
    const auto &policy = state.policy();
    std::vector<std::string> lines;
    std::string policy_text =
        policy.generation == 0 ? "no rules loaded"
        : policy.loaded        ? fmt::format("policy generation {}, {} rule{}", policy.generation,
                                             policy.policy.rules.size(), policy.policy.rules.size() == 1 ? "" : "s")
                               : fmt::format("policy generation {}, no rules", policy.generation);
    lines.push_back(fmt::format("vpin {} ABI {}   {}   pind {}",
                                status.version.empty() ? "?" : status.version, status.abi_version,
                                policy_text, host.pind ? "running" : "not running"));
    lines.push_back(
        fmt::format("sessions {}  pins {} ({})  leases {}  protected files {}{}", status.sessions,
                    status.pins, vpin::human_size(status.pinned_bytes), status.leases, status.protected_files,
                    status.orphans ? fmt::format("  orphans {}", status.orphans) : std::string{}));
    std::string third = fmt::format("events {}  denied {}", totals.events, totals.denied);
    const auto breaking = state.breaking(now);
    if (!breaking.empty()) {
        const auto &first = breaking.front();
        third += fmt::format("  lease {}:{} revoked in {}{}", first.lease.session, first.lease.id,
                             countdown(first),
                             breaking.size() > 1 ? fmt::format(" (+{} more)", breaking.size() - 1) : "");
    }
    if (!host.privileged)
        third += "  no actions without CAP_SYS_ADMIN";
    if (!host.events)
        third += "  (no events for this user on this kernel: polling)";
    lines.push_back(std::move(third));
    return lines;
}

View::View(Tab tab) : tab_{tab}
{
}

void View::set_tab(Tab tab)
{
    if (tab != tab_)
        stale_ = true;
    tab_ = tab;
}

void View::next_tab(int step)
{
    const auto n = static_cast<int>(tab_count);
    const int next = ((static_cast<int>(tab_) + step) % n + n) % n;
    set_tab(static_cast<Tab>(next));
}

void View::set_page(std::size_t rows)
{
    page_ = std::max<std::size_t>(rows, 1);
    clamp();
}

void View::clamp()
{
    auto &t = tabs_[index()];
    if (items_.empty()) {
        t.selected = t.top = 0;
        return;
    }
    t.selected = std::min(t.selected, items_.size() - 1);
    if (t.selected < t.top)
        t.top = t.selected;
    if (t.selected >= t.top + page_)
        t.top = t.selected + 1 - page_;
    t.top = items_.size() > page_ ? std::min(t.top, items_.size() - page_) : 0;
}

// After the user moved the selection: clamped, and following the newest
// event when on the last row.
void View::moved()
{
    clamp();
    auto &t = tabs_[index()];
    t.follow = items_.empty() || t.selected + 1 >= items_.size();
}

void View::up(std::size_t n)
{
    auto &t = tabs_[index()];
    t.selected = t.selected > n ? t.selected - n : 0;
    moved();
}

void View::down(std::size_t n)
{
    auto &t = tabs_[index()];
    t.selected = items_.empty() ? 0 : std::min(t.selected + n, items_.size() - 1);
    moved();
}

void View::home()
{
    tabs_[index()].selected = 0;
    moved();
}

void View::end()
{
    tabs_[index()].selected = items_.empty() ? 0 : items_.size() - 1;
    moved();
}

std::optional<Item> View::current() const
{
    if (items_.empty())
        return std::nullopt;
    return items_[std::min(selected(), items_.size() - 1)];
}

bool View::sort_next(int step)
{
    const Layout &columns = layout(tab_);
    auto &t = tabs_[index()];
    const auto n = static_cast<int>(columns.size());
    int at = static_cast<int>(t.sort);
    for (int tried = 0; tried < n; tried++) {
        at = ((at + step) % n + n) % n;
        if (columns[static_cast<std::size_t>(at)].order) {
            t.sort = static_cast<std::size_t>(at);
            stale_ = true;
            return true;
        }
    }
    return false;
}

void View::sort_invert()
{
    tabs_[index()].descending = !tabs_[index()].descending;
    stale_ = true;
}

std::optional<std::size_t> View::sort_column() const
{
    const Layout &columns = layout(tab_);
    const auto at = tabs_[index()].sort;
    if (at < columns.size() && columns[at].order)
        return at;
    return std::nullopt;
}

vpin::Sort View::sort() const
{
    const auto column = sort_column();
    return {column ? *layout(tab_)[*column].order : Order::key, tabs_[index()].descending};
}

void View::set_filter(std::string text)
{
    filter_ = std::move(text);
    match_ = Match::parse(filter_);
    stale_ = true;
}

void View::toggle_tree()
{
    tree_ = !tree_;
    stale_ = true;
}

void View::events_after(std::uint64_t seq)
{
    events_after_ = seq;
    stale_ = true;
}

// The rows of the sessions, pins and leases tabs stay what they were while
// the objects do and their order does not depend on the time.
bool View::current_for(const vpin::State &state) const
{
    if (stale_ || built_ != tab_ || built_changes_ != state.changes())
        return false;
    const auto by = sort().by;
    switch (tab_) {
    case Tab::sessions:
    case Tab::pins:
    case Tab::leases: return by != Order::age && by != Order::deadline;
    default: return false;
    }
}

void View::update(const vpin::State &state, Time now)
{
    if (current_for(state))
        return;
    // The selected object, if the rows are of this tab still.
    Item was;
    const bool had = built_ == tab_ && !items_.empty();
    if (had)
        was = items_[std::min(selected(), items_.size() - 1)];
    items_.clear();
    switch (tab_) {
    case Tab::sessions: build_sessions(state, now); break;
    case Tab::pins: build_pins(state, now); break;
    case Tab::leases: build_leases(state, now); break;
    case Tab::events: build_events(state); break;
    case Tab::policy: build_policy(state); break;
    }
    stale_ = false;
    built_ = tab_;
    built_changes_ = state.changes();
    auto &t = tabs_[index()];
    if (tab_ == Tab::events && t.follow) {
        // Following the stream: the newest stays in sight.
        t.selected = items_.empty() ? 0 : items_.size() - 1;
    } else if (had) {
        const auto it = std::find(items_.begin(), items_.end(), was);
        if (it != items_.end())
            t.selected = static_cast<std::size_t>(it - items_.begin());
    }
    clamp();
}

void View::build_sessions(const vpin::State &state, Time now)
{
    std::vector<vpin::Session> sessions = state.sessions({}, sort());
    key_descending(sessions, sort());
    if (!match_.empty()) {
        // The path part: sessions with a pin or lease of a file on it.
        std::set<std::uint64_t> on_path;
        if (match_.field == Match::Field::any || match_.field == Match::Field::path) {
            vpin::Filter by_path;
            by_path.path = match_.text;
            for (const auto &s : state.sessions(by_path))
                on_path.insert(s.id);
        }
        std::erase_if(sessions, [&](const vpin::Session &s) {
            return !on_path.count(s.id) &&
                   !(match_.field != Match::Field::path && match_.matches(s.uid, s.comm, {}));
        });
    }
    if (tree_) {
        build_tree(state, sessions, now);
        return;
    }
    items_.reserve(sessions.size());
    for (const auto &s : sessions)
        items_.push_back({Kind::session, s.id, 0, 0});
}

void View::build_tree(const vpin::State &state, const std::vector<vpin::Session> &sessions, Time now)
{
    std::unordered_map<std::uint64_t, std::vector<vpin::PinRow>> pins;
    std::unordered_map<std::uint64_t, std::vector<vpin::LeaseRow>> leases;
    for (auto &row : state.pins({}, {}, now))
        pins[row.pin.session].push_back(std::move(row));
    for (auto &row : state.leases({}, {}, now))
        leases[row.lease.session].push_back(std::move(row));
    for (const auto &s : sessions) {
        items_.push_back({Kind::session, s.id, 0, 0});
        auto &own = pins[s.id];
        std::vector<bool> shown(own.size(), false);
        for (const auto &l : leases[s.id]) {
            items_.push_back({Kind::lease, s.id, l.lease.id, 1});
            if (l.lease.state == VPIN_LEASE_STATE_ORPHANED)
                continue;
            for (std::size_t p = 0; p < own.size(); p++) {
                if (!shown[p] && same_file(own[p].pin.file, l.lease.file)) {
                    items_.push_back({Kind::pin, s.id, own[p].pin.id, 2});
                    shown[p] = true;
                }
            }
        }
        for (std::size_t p = 0; p < own.size(); p++) {
            if (!shown[p])
                items_.push_back({Kind::pin, s.id, own[p].pin.id, 1});
        }
    }
}

void View::build_pins(const vpin::State &state, Time now)
{
    std::function<bool(const vpin::State::PinRef &)> keep;
    if (!match_.empty()) {
        keep = [&](const vpin::State::PinRef &ref) {
            const auto &file = ref.pin->file;
            return match_.matches(ref.uid(), ref.comm(), file ? std::string_view{file->path} : "");
        };
    }
    auto refs = state.pin_refs({}, sort(), now, keep);
    key_descending(refs, sort());
    items_.reserve(refs.size());
    for (const auto &ref : refs)
        items_.push_back({Kind::pin, ref.pin->session, ref.pin->id, 0});
}

void View::build_leases(const vpin::State &state, Time now)
{
    auto rows = state.leases({}, sort(), now);
    key_descending(rows, sort());
    for (const auto &row : rows) {
        if (match_.matches(row.uid, row.comm, row.lease.file ? std::string_view{row.lease.file->path} : ""))
            items_.push_back({Kind::lease, row.lease.session, row.lease.id, 0});
    }
}

void View::build_events(const vpin::State &state)
{
    for (const auto &received : state.events()) {
        if (received.seq <= events_after_)
            continue;
        const auto &event = received.event;
        if (!match_.empty()) {
            std::string comm = event.comm.value_or("");
            if (comm.empty() && event.session) {
                if (const auto s = state.session(*event.session))
                    comm = s->comm;
            }
            if (!match_.matches(event.uid, comm, event.file ? std::string_view{event.file->path} : ""))
                continue;
        }
        items_.push_back({Kind::event, received.seq, 0, 0});
    }
}

void View::build_policy(const vpin::State &state)
{
    const auto &policy = state.policy();
    items_.push_back({Kind::rule, 0, 0, 0});
    for (std::size_t r = 0; r < policy.policy.rules.size(); r++)
        items_.push_back({Kind::rule, 0, static_cast<std::uint32_t>(r + 1), 0});
    items_.push_back({Kind::heading, 0, 0, 0});
    for (const auto &use : state.quotas()) {
        if (!match_.empty() && !match_.matches(use.usage.uid, user(use.usage.uid), {}))
            continue;
        for (std::uint64_t quota = 0; quota < quota_names.size(); quota++)
            items_.push_back({Kind::usage, quota, use.usage.uid, 0});
    }
}

const std::string &View::user(std::uint32_t uid) const
{
    auto it = users_.find(uid);
    if (it == users_.end())
        it = users_.emplace(uid, vpin::user_name(uid).value_or("")).first;
    return it->second;
}

std::vector<Row> View::visible(const vpin::State &state, Time now) const
{
    return rows(state, now, top(), page_);
}

std::vector<Row> View::rows(const vpin::State &state, Time now, std::size_t first, std::size_t count) const
{
    std::vector<Row> out;
    const std::size_t last = std::min(items_.size(), first + std::min(count, items_.size()));
    for (std::size_t i = first; i < last; i++) {
        out.push_back(format(state, items_[i], now));
        out.back().selected = i == selected();
    }
    return out;
}

Row View::format(const vpin::State &state, const Item &item, Time now) const
{
    formatted_++;
    Row row;
    row.item = item;
    const bool in_tree = item.depth > 0;
    switch (item.kind) {
    case Kind::session: {
        row.layout = &sessions_columns;
        const auto s = state.session(item.session);
        if (!s) {
            row.cells = {std::to_string(item.session), "-", "-", "(gone)"};
            row.slot = Slot::dim;
            break;
        }
        row.cells = {std::to_string(s->id),    std::to_string(s->pid),
                     std::to_string(s->uid),   s->comm.empty() ? "-" : s->comm,
                     std::to_string(s->pins),  vpin::human_size(s->pinned_bytes),
                     std::to_string(s->leases)};
        break;
    }
    case Kind::pin: {
        const auto p = state.pin(item.session, item.id, now);
        if (!p) {
            row.cells = {fmt::format("pin {}:{} (gone)", item.session, item.id)};
            row.slot = Slot::dim;
            break;
        }
        const auto record = vpin::print::record(p->pin);
        if (in_tree) {
            row.cells = {fmt::format("`- pin {}  {}  {}  {}", p->pin.id, field(record, "flags"),
                                     vpin::human_size(p->pin.length), path_of(p->pin.file))};
        } else {
            row.layout = &pins_columns;
            row.cells = {std::to_string(p->pin.session),
                         std::to_string(p->pin.id),
                         p->uid ? std::to_string(*p->uid) : "-",
                         p->comm.empty() ? "-" : p->comm,
                         field(record, "flags"),
                         vpin::human_size(p->pin.length),
                         vpin::print::duration(p->pin.age_ms),
                         path_of(p->pin.file)};
        }
        if (!p->pin.file)
            row.slot = Slot::dim;
        break;
    }
    case Kind::lease: {
        const auto l = state.lease(item.session, item.id, now);
        if (!l) {
            row.cells = {fmt::format("lease {}:{} (gone)", item.session, item.id)};
            row.slot = Slot::dim;
            break;
        }
        const auto record = vpin::print::record(l->lease);
        if (in_tree) {
            std::string text =
                fmt::format("`- lease {}  {} {}  pins {}  {}", l->lease.id, field(record, "type"),
                            field(record, "state"), l->lease.pins, path_of(l->lease.file));
            if (l->lease.state == VPIN_LEASE_STATE_BREAKING)
                text += "  revoked in " + countdown(*l);
            row.cells = {std::move(text)};
        } else {
            row.layout = &leases_columns;
            row.cells = {std::to_string(l->lease.session),
                         std::to_string(l->lease.id),
                         l->uid ? std::to_string(*l->uid) : "-",
                         l->comm.empty() ? "-" : l->comm,
                         field(record, "type"),
                         field(record, "state"),
                         std::to_string(l->lease.pins),
                         countdown(*l),
                         vpin::print::duration(l->lease.age_ms),
                         path_of(l->lease.file)};
        }
        row.slot = lease_slot(l->lease);
        break;
    }
    case Kind::event: {
        row.layout = &events_columns;
        const auto *received = event_at(state, item.session);
        if (!received) {
            row.cells = {"", "(gone)", ""};
            row.slot = Slot::dim;
            break;
        }
        const auto name = vpin::print::event_name(received->event.type);
        row.cells = {clock_time(received->time),
                     name.empty() ? fmt::format("UNKNOWN {}", received->event.type) : std::string{name},
                     vpin::print::pairs(vpin::print::record(received->event))};
        row.slot = event_slot(received->event.type);
        break;
    }
    case Kind::rule: {
        row.layout = &rules_columns;
        const auto &policy = state.policy().policy;
        const bool defaults = item.id == 0;
        if (!defaults && item.id > policy.rules.size()) {
            row.cells = {"(gone)"};
            break;
        }
        const auto &rule = defaults ? policy.defaults : policy.rules[item.id - 1];
        const auto record = vpin::print::record(rule);
        row.cells = {defaults ? "(defaults)" : rule.name,
                     field(record, "users"),
                     field(record, "groups"),
                     field(record, "allow"),
                     std::to_string(rule.hits),
                     std::to_string(rule.denies),
                     field(record, "paths")};
        if (rule.denies > 0)
            row.slot = Slot::event_denied;
        break;
    }
    case Kind::heading:
        row.layout = &usage_columns;
        for (const auto &column : usage_columns)
            row.cells.emplace_back(column.title);
        row.slot = Slot::column;
        break;
    case Kind::usage: {
        row.layout = &usage_columns;
        const auto quotas = state.quotas();
        const auto it = std::find_if(quotas.begin(), quotas.end(),
                                     [&](const vpin::QuotaUse &q) { return q.usage.uid == item.id; });
        if (it == quotas.end()) {
            row.cells = {std::to_string(item.id), "(gone)"};
            row.slot = Slot::dim;
            break;
        }
        const QuotaLine q = quota_line(*it, item.session);
        const auto amount = [&](std::uint64_t n) {
            return q.bytes ? vpin::human_size(n) : std::to_string(n);
        };
        const bool first = item.session == 0;
        row.cells = {first ? std::to_string(item.id) : "",
                     first ? user(item.id) : "",
                     first ? (it->usage.rule.empty() ? "defaults" : it->usage.rule) : "",
                     std::string{quota_names[item.session]},
                     amount(q.used) + "/" + (q.limit ? amount(*q.limit) : "-"),
                     q.fraction ? bar(*q.fraction, bar_width) : "no quota",
                     q.fraction ? (*q.fraction > 9.99
                                       ? ">999%"
                                       : fmt::format("{}%", static_cast<unsigned>(*q.fraction * 100 + 0.5)))
                                : ""};
        row.slot = q.fraction ? bar_slot(*q.fraction) : Slot::dim;
        break;
    }
    }
    return row;
}

std::vector<std::string> View::detail(const vpin::State &state, Time now) const
{
    const auto item = current();
    if (!item)
        return {"Nothing is selected."};
    std::ostringstream out;
    const auto object = [&](const vpin::print::Record &record) {
        vpin::print::object(out, record, vpin::print::Format::text);
    };
    switch (item->kind) {
    case Kind::session:
        if (const auto s = state.session(item->session)) {
            out << "Session " << s->id << "\n\n";
            object(vpin::print::record(*s));
        }
        break;
    case Kind::pin:
        if (const auto p = state.pin(item->session, item->id, now)) {
            out << "Pin " << item->session << ':' << item->id << (p->detailed ? "" : " (details to come)")
                << "\n\n";
            object(vpin::print::record(p->pin));
            out << "uid: " << (p->uid ? std::to_string(*p->uid) : "-") << "\ncomm: " << p->comm << '\n';
        }
        break;
    case Kind::lease:
        if (const auto l = state.lease(item->session, item->id, now)) {
            out << "Lease " << item->session << ':' << item->id << "\n\n";
            object(vpin::print::record(l->lease));
            out << "uid: " << (l->uid ? std::to_string(*l->uid) : "-") << "\ncomm: " << l->comm << '\n';
            if (l->lease.state == VPIN_LEASE_STATE_BREAKING)
                out << "revoked in: " << countdown(*l) << '\n';
        }
        break;
    case Kind::event:
        if (const auto *received = event_at(state, item->session)) {
            out << "Event " << received->seq << " at "
                << vpin::print::timestamp(received->time, vpin::print::Format::text) << "\n\n";
            for (const auto &f : vpin::print::record(received->event)) {
                if (!std::holds_alternative<std::monostate>(f.value))
                    out << f.key << ": " << vpin::print::text(f) << '\n';
            }
        }
        break;
    case Kind::rule: {
        const auto &policy = state.policy().policy;
        if (item->id == 0) {
            out << "Defaults\n\n";
            object(vpin::print::record(policy.defaults));
        } else if (item->id <= policy.rules.size()) {
            out << "Rule " << policy.rules[item->id - 1].name << "\n\n";
            object(vpin::print::record(policy.rules[item->id - 1]));
        }
        break;
    }
    case Kind::usage:
        if (const auto it = state.usage().find(item->id); it != state.usage().end()) {
            out << "Usage of uid " << item->id << "\n\n";
            object(vpin::print::record(it->second, vpin::user_name(item->id)));
        }
        break;
    case Kind::heading: break;
    }
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in{out.str()};
    while (std::getline(in, line))
        lines.push_back(line);
    if (lines.empty())
        lines.push_back(item->kind == Kind::heading ? "Nothing is selected." : "It is gone.");
    return lines;
}

} // namespace pintop
