// SPDX-License-Identifier: GPL-2.0
#include <vpin/error.hpp>
#include <vpin/netlink.hpp>
#include <vpin/state.hpp>

#include <linux/vpin.h>

#include <algorithm>
#include <atomic>
#include <compare>
#include <limits>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>

#include <sys/socket.h>
#include <unistd.h>

namespace vpin {

namespace {

using std::chrono::milliseconds;

// Leases that ended kept for an orphaned event that may follow.
constexpr std::size_t ended_kept = 256;
// More sessions than this with stale pins or leases: one dump of all of them.
constexpr std::size_t sessions_fetched_one_by_one = 16;

std::uint64_t system_page_size()
{
    const long size = ::sysconf(_SC_PAGESIZE);
    return size > 0 ? static_cast<std::uint64_t>(size) : 4096;
}

std::uint64_t to_ms(State::Clock::duration d)
{
    if (d <= State::Clock::duration::zero())
        return 0;
    return static_cast<std::uint64_t>(std::chrono::duration_cast<milliseconds>(d).count());
}

State::Clock::duration from_ms(std::uint64_t ms)
{
    return milliseconds{static_cast<milliseconds::rep>(
        std::min<std::uint64_t>(ms, std::numeric_limits<milliseconds::rep>::max() / 2))};
}

// Events, pins and leases name a file by device and inode; the path of an
// event of a session released by an exiting process is empty.
bool same_file(const FileRef &a, const FileRef &b)
{
    return a.dev == b.dev && a.ino == b.ino;
}

bool contains(const std::string &text, const std::string &part)
{
    return part.empty() || text.find(part) != std::string::npos;
}

const std::string &path_of(const std::optional<FileRef> &file)
{
    static const std::string none;
    return file ? file->path : none;
}

bool same_file(const std::optional<FileRef> &a, const std::optional<FileRef> &b)
{
    if (!a || !b)
        return !a && !b;
    return same_file(*a, *b) && a->path == b->path;
}

// The same but for what time changes: ages, the time left of a break.
bool same_but_time(const Pin &a, const Pin &b)
{
    return std::tie(a.session, a.id, a.flags, a.addr, a.length, a.offset, a.pages, a.dax) ==
               std::tie(b.session, b.id, b.flags, b.addr, b.length, b.offset, b.pages, b.dax) &&
           same_file(a.file, b.file);
}

bool same_but_time(const Lease &a, const Lease &b)
{
    return std::tie(a.session, a.id, a.type, a.state, a.pins, a.maps, a.referenced) ==
               std::tie(b.session, b.id, b.type, b.state, b.pins, b.maps, b.referenced) &&
           a.break_deadline_ms.has_value() == b.break_deadline_ms.has_value() && same_file(a.file, b.file);
}

bool same(const Session &a, const Session &b)
{
    return std::tie(a.id, a.pid, a.uid, a.comm, a.pins, a.pinned_bytes, a.leases) ==
           std::tie(b.id, b.pid, b.uid, b.comm, b.pins, b.pinned_bytes, b.leases);
}

// State::changes(): unique across the models of the process.
std::atomic<std::uint64_t> last_change{0};

// Object events: the session and the pin or lease they name.
bool names_object(std::uint32_t type)
{
    switch (type) {
    case VPIN_EVENT_PIN:
    case VPIN_EVENT_UNPIN:
    case VPIN_EVENT_LEASE_GRANTED:
    case VPIN_EVENT_LEASE_RELEASED:
    case VPIN_EVENT_LEASE_BREAK:
    case VPIN_EVENT_LEASE_REVOKED:
    case VPIN_EVENT_PROTECT_ON:
    case VPIN_EVENT_PROTECT_OFF:
    case VPIN_EVENT_LEASE_ORPHANED:
    case VPIN_EVENT_ORPHAN_RELEASED:
    case VPIN_EVENT_MAP: return true;
    default: return false;
    }
}

std::optional<double> fraction(std::uint64_t used, std::optional<std::uint64_t> limit)
{
    if (!limit)
        return std::nullopt;
    if (*limit == 0)
        return used == 0 ? 1.0 : std::numeric_limits<double>::infinity();
    return static_cast<double>(used) / static_cast<double>(*limit);
}

template <typename T>
std::optional<std::uint64_t> widen(const std::optional<T> &value)
{
    return value ? std::optional<std::uint64_t>{*value} : std::nullopt;
}

// Sorts rows by `primary` (a three-way comparison), reversed if descending;
// ties by key, always ascending.
template <typename Row, typename Primary, typename KeyOf>
void sort_rows(std::vector<Row> &rows, bool descending, Primary primary, KeyOf key_of)
{
    std::sort(rows.begin(), rows.end(), [&](const Row &a, const Row &b) {
        const std::weak_ordering order = descending ? primary(b, a) : primary(a, b);
        if (order != 0)
            return order < 0;
        return key_of(a) < key_of(b);
    });
}

// Sorts pins in key order by what their session says (`primary`), as
// sort_rows() would: ties go by key, and the key begins with the session,
// so each session's pins stay together and in order, and only the
// sessions are sorted.
template <typename Ref, typename Primary>
void by_session(std::vector<Ref> &refs, bool descending, Primary primary)
{
    struct Run {
        std::size_t first;
        std::size_t last;
    };
    std::vector<Run> runs;
    for (std::size_t i = 0; i < refs.size(); i++) {
        if (i == 0 || refs[i].pin->session != refs[i - 1].pin->session)
            runs.push_back({i, i});
        runs.back().last = i + 1;
    }
    sort_rows(
        runs, descending, [&](const Run &a, const Run &b) { return primary(refs[a.first]) <=> primary(refs[b.first]); },
        [&](const Run &r) { return refs[r.first].pin->session; });
    std::vector<Ref> sorted;
    sorted.reserve(refs.size());
    for (const auto &run : runs)
        sorted.insert(sorted.end(), refs.begin() + static_cast<std::ptrdiff_t>(run.first),
                      refs.begin() + static_cast<std::ptrdiff_t>(run.last));
    refs = std::move(sorted);
}

// Sorts pins in key order by a text of each (`text`), as sort_rows() would,
// comparing each distinct text once: many pins share a file.
template <typename Ref, typename Text>
void by_text(std::vector<Ref> &refs, bool descending, Text text)
{
    // Each text numbered as it first comes, then ranked.
    std::unordered_map<std::string_view, std::uint32_t> numbers;
    std::vector<std::uint32_t> number_of(refs.size());
    for (std::size_t i = 0; i < refs.size(); i++) {
        const auto next = static_cast<std::uint32_t>(numbers.size());
        number_of[i] = numbers.try_emplace(text(refs[i]), next).first->second;
    }
    std::vector<std::pair<std::string_view, std::uint32_t>> texts{numbers.begin(), numbers.end()};
    std::sort(texts.begin(), texts.end());
    std::vector<std::uint32_t> rank_of(texts.size());
    for (std::size_t rank = 0; rank < texts.size(); rank++)
        rank_of[texts[rank].second] = static_cast<std::uint32_t>(rank);

    struct Ranked {
        std::uint32_t rank;
        std::size_t at; // in key order
    };
    std::vector<Ranked> order(refs.size());
    for (std::size_t i = 0; i < refs.size(); i++)
        order[i] = {rank_of[number_of[i]], i};
    sort_rows(
        order, descending, [](const Ranked &a, const Ranked &b) { return a.rank <=> b.rank; },
        [](const Ranked &r) { return r.at; });
    std::vector<Ref> sorted;
    sorted.reserve(refs.size());
    for (const auto &ranked : order)
        sorted.push_back(refs[ranked.at]);
    refs = std::move(sorted);
}

} // namespace

std::optional<double> QuotaUse::highest() const
{
    std::optional<double> most;
    for (const auto &use : {sessions, pinned, leases, exclusive}) {
        if (use && (!most || *use > *most))
            most = use;
    }
    return most;
}

bool State::Stale::empty() const noexcept
{
    return !status && !sessions && !usage && !policy && pins.empty() && leases.empty();
}

State::State(std::size_t event_capacity, std::uint64_t page_size)
    : event_capacity_{event_capacity}, page_size_{page_size ? page_size : system_page_size()}
{
    changed();
}

void State::changed() noexcept
{
    changes_ = last_change.fetch_add(1, std::memory_order_relaxed) + 1;
}

void State::refresh(Snapshot snapshot, Time now)
{
    ended_.clear();
    ended_order_.clear();
    set_status(std::move(snapshot.status));
    set_pins(std::move(snapshot.pins), std::nullopt, now);
    set_leases(std::move(snapshot.leases), std::nullopt, now);
    set_sessions(std::move(snapshot.sessions));
    set_policy(std::move(snapshot.policy));
    set_usage(std::move(snapshot.usage));
    stale_ = {};
}

void State::set_status(Status status)
{
    status_ = std::move(status);
    stale_.status = false;
}

void State::set_sessions(std::vector<Session> sessions)
{
    const auto before = std::move(sessions_);
    sessions_.clear();
    for (auto &session : sessions) {
        const auto id = session.id;
        sessions_.insert_or_assign(id, std::move(session));
    }
    stale_.sessions = false;
    recount();
    if (!std::equal(before.begin(), before.end(), sessions_.begin(), sessions_.end(),
                    [](const auto &a, const auto &b) { return same(a.second, b.second); }))
        changed();
}

// The dump lists a session's pins by id, as the model holds them: merged in
// that order, a pin the model has already keeps its entry.
void State::set_pins(std::vector<Pin> pins, std::optional<std::uint64_t> session, Time now)
{
    const auto key_of = [](const Pin &pin) { return Key{pin.session, pin.id}; };
    const auto by_key = [&](const Pin &a, const Pin &b) { return key_of(a) < key_of(b); };
    auto it = pins_.begin();
    auto end = pins_.end();
    if (session) {
        std::erase_if(pins, [&](const Pin &pin) { return pin.session != *session; });
        it = pins_.lower_bound({*session, 0});
        end = pins_.lower_bound({*session + 1, 0});
        stale_.pins.erase(*session);
    } else {
        stale_.pins.clear();
    }
    if (!std::is_sorted(pins.begin(), pins.end(), by_key))
        std::stable_sort(pins.begin(), pins.end(), by_key);

    bool moved = false;
    for (std::size_t i = 0; i < pins.size(); i++) {
        auto &pin = pins[i];
        const Key key = key_of(pin);
        if (i + 1 < pins.size() && key_of(pins[i + 1]) == key)
            continue; // the last one listed stands
        for (; it != end && it->first < key; moved = true)
            it = pins_.erase(it);
        const Time taken = now - from_ms(pin.age_ms);
        if (it != end && it->first == key) {
            auto &entry = it->second;
            moved = moved || !entry.detailed || !same_but_time(entry.pin, pin);
            entry = PinEntry{std::move(pin), taken, true};
            ++it;
        } else {
            pins_.emplace_hint(it, key, PinEntry{std::move(pin), taken, true});
            moved = true;
        }
    }
    for (; it != end; moved = true)
        it = pins_.erase(it);
    if (moved)
        changed();
    recount();
}

void State::set_leases(std::vector<Lease> leases, std::optional<std::uint64_t> session, Time now)
{
    std::map<Key, LeaseEntry> before;
    if (session) {
        const auto last = leases_.lower_bound({*session + 1, 0});
        for (auto it = leases_.lower_bound({*session, 0}); it != last;)
            before.insert(leases_.extract(it++));
        stale_.leases.erase(*session);
    } else {
        before = std::move(leases_);
        leases_.clear();
        stale_.leases.clear();
    }
    std::size_t added = 0;
    bool moved = false;
    for (auto &lease : leases) {
        if (session && lease.session != *session)
            continue;
        LeaseEntry entry{std::move(lease), now, std::nullopt, true};
        entry.granted = now - from_ms(entry.lease.age_ms);
        if (entry.lease.break_deadline_ms)
            entry.deadline = now + from_ms(*entry.lease.break_deadline_ms);
        const Key key{entry.lease.session, entry.lease.id};
        if (leases_.insert_or_assign(key, std::move(entry)).second)
            added++;
    }
    // The same keys (as many, each one there before) with the same leases.
    if (added != before.size()) {
        moved = true;
    } else {
        for (const auto &[key, old] : before) {
            const auto it = leases_.find(key);
            if (it == leases_.end() || !it->second.detailed || !old.detailed ||
                !same_but_time(it->second.lease, old.lease)) {
                moved = true;
                break;
            }
        }
    }
    if (moved)
        changed();
    recount();
}

void State::set_policy(PolicyState policy)
{
    policy_ = std::move(policy);
    stale_.policy = false;
}

void State::set_usage(std::vector<Usage> usage)
{
    usage_.clear();
    for (auto &entry : usage) {
        const auto uid = entry.uid;
        usage_.insert_or_assign(uid, std::move(entry));
    }
    stale_.usage = false;
}

// A session's counters are the model's own: its pins and held leases.
void State::recount()
{
    for (auto &[id, session] : sessions_) {
        session.pins = 0;
        session.pinned_bytes = 0;
        session.leases = 0;
    }
    // The pins of a session follow one another: one look-up for each.
    auto session = sessions_.end();
    for (const auto &[key, entry] : pins_) {
        if (session == sessions_.end() || session->first != key.first)
            session = sessions_.find(key.first);
        if (session != sessions_.end()) {
            session->second.pins++;
            session->second.pinned_bytes += entry.pin.length;
        }
    }
    for (const auto &[key, entry] : leases_) {
        if (entry.lease.state == VPIN_LEASE_STATE_ORPHANED)
            continue;
        if (const auto it = sessions_.find(key.first); it != sessions_.end())
            it->second.leases++;
    }
}

bool State::apply(const Event &event, Time now, WallTime time)
{
    received_++;
    if (event_capacity_ > 0) {
        events_.push_back({received_, time, event});
        while (events_.size() > event_capacity_)
            events_.pop_front();
    }
    if (names_object(event.type) && (!event.session || !event.id))
        return false;
    if (names_object(event.type))
        changed();

    switch (event.type) {
    case VPIN_EVENT_PIN: apply_pin(event, now); break;
    case VPIN_EVENT_UNPIN: apply_unpin(event); break;
    case VPIN_EVENT_LEASE_GRANTED: apply_granted(event, now); break;
    case VPIN_EVENT_LEASE_RELEASED:
    case VPIN_EVENT_LEASE_REVOKED: apply_ended(event); break;
    case VPIN_EVENT_LEASE_BREAK: apply_break(event, now); break;
    case VPIN_EVENT_PROTECT_ON: apply_protect(event, true); break;
    case VPIN_EVENT_PROTECT_OFF: apply_protect(event, false); break;
    case VPIN_EVENT_LEASE_ORPHANED: apply_orphaned(event, now); break;
    case VPIN_EVENT_ORPHAN_RELEASED: apply_ended(event); break;
    case VPIN_EVENT_MAP: apply_map(event); break;
    case VPIN_EVENT_POLICY_CHANGED: apply_policy_changed(event); break;
    case VPIN_EVENT_POLICY_DENIED: apply_denied(event); break;
    default: break; // newer than this build: in the ring only
    }
    return true;
}

// No event announces a session: the first event of one makes it known with
// the pid and uid events carry; its command comes with the next sessions
// dump.
void State::touch_session(const Event &event)
{
    const auto id = *event.session;
    if (sessions_.count(id))
        return;
    Session session;
    session.id = id;
    session.pid = event.pid.value_or(0);
    session.uid = event.uid.value_or(0);
    sessions_.emplace(id, std::move(session));
    stale_.sessions = true;
}

// A session closes without an event of its own, after the events of its
// pins and leases: once it holds none, it may be gone.
void State::maybe_closed(std::uint64_t id)
{
    const auto it = sessions_.find(id);
    if (it != sessions_.end() && it->second.pins == 0 && it->second.leases == 0)
        stale_.sessions = true;
}

State::LeaseEntry *State::held_lease(std::uint64_t session, const FileRef &file)
{
    for (auto it = leases_.lower_bound({session, 0}); it != leases_.end() && it->first.first == session;
         ++it) {
        auto &lease = it->second.lease;
        if (lease.state != VPIN_LEASE_STATE_ORPHANED && lease.file && same_file(*lease.file, file))
            return &it->second;
    }
    return nullptr;
}

void State::keep_ended(const Key &key, LeaseEntry entry)
{
    if (ended_.insert_or_assign(key, std::move(entry)).second)
        ended_order_.push_back(key);
    while (ended_order_.size() > ended_kept) {
        ended_.erase(ended_order_.front());
        ended_order_.pop_front();
    }
}

// Pin: the pin is there. An event carries its pages and file; flags, address,
// offset and DAX come with its session's next pins dump.
void State::apply_pin(const Event &event, Time now)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    stale_.usage = true;
    touch_session(event);
    if (pins_.count(key))
        return;
    Pin pin;
    pin.session = key.first;
    pin.id = key.second;
    pin.pages = event.pages.value_or(0);
    pin.length = pin.pages * page_size_;
    pin.file = event.file;
    auto &session = sessions_.at(key.first); // touch_session() made it
    session.pins++;
    session.pinned_bytes += pin.length;
    // A pin of a file the session holds a lease on is that lease's.
    if (pin.file) {
        if (auto *lease = held_lease(key.first, *pin.file))
            lease->lease.pins++;
    }
    pins_.emplace(key, PinEntry{std::move(pin), now, false});
    stale_.pins.insert(key.first);
}

// Unpin: the pin is gone.
void State::apply_unpin(const Event &event)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    stale_.usage = true;
    const auto it = pins_.find(key);
    if (it == pins_.end())
        return;
    const Pin &pin = it->second.pin;
    if (const auto s = sessions_.find(key.first); s != sessions_.end()) {
        s->second.pins -= std::min<std::uint64_t>(s->second.pins, 1);
        s->second.pinned_bytes -= std::min(s->second.pinned_bytes, pin.length);
    }
    if (pin.file) {
        if (auto *lease = held_lease(key.first, *pin.file); lease && lease->lease.pins > 0)
            lease->lease.pins--;
    }
    pins_.erase(it);
    maybe_closed(key.first);
}

// Lease granted: the lease is held. Its type comes with a protect-on event
// (exclusive) or its session's next leases dump.
void State::apply_granted(const Event &event, Time now)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    stale_.usage = true;
    touch_session(event);
    if (leases_.count(key))
        return;
    ended_.erase(key);
    Lease lease;
    lease.session = key.first;
    lease.id = key.second;
    lease.state = VPIN_LEASE_STATE_GRANTED;
    lease.type = event.lease_type.value_or(0);
    lease.file = event.file;
    leases_.emplace(key, LeaseEntry{std::move(lease), now, std::nullopt, false});
    sessions_.at(key.first).leases++;
    // Its pin count and mappings come with the next leases dump.
    stale_.leases.insert(key.first);
}

// Released or revoked: the lease is out of its session (its pins went with
// their own unpin events, before the release). Orphan released: the orphan
// is gone.
void State::apply_ended(const Event &event)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    stale_.usage = true;
    const auto it = leases_.find(key);
    if (it == leases_.end()) {
        if (event.type == VPIN_EVENT_ORPHAN_RELEASED)
            ended_.erase(key);
        return;
    }
    const bool orphan = it->second.lease.state == VPIN_LEASE_STATE_ORPHANED;
    // An orphan already (as a dump showed it): this release came before.
    if (orphan && event.type != VPIN_EVENT_ORPHAN_RELEASED)
        return;
    LeaseEntry entry = std::move(it->second);
    leases_.erase(it);
    if (!orphan) {
        if (const auto s = sessions_.find(key.first); s != sessions_.end())
            s->second.leases -= std::min<std::uint64_t>(s->second.leases, 1);
        maybe_closed(key.first);
    }
    if (event.type == VPIN_EVENT_ORPHAN_RELEASED)
        ended_.erase(key);
    else
        keep_ended(key, std::move(entry));
}

// Break started: the lease is breaking. Only breakable leases break; the
// time left comes with the session's next leases dump.
void State::apply_break(const Event &event, Time now)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    touch_session(event);
    auto it = leases_.find(key);
    if (it == leases_.end()) {
        Lease lease;
        lease.session = key.first;
        lease.id = key.second;
        lease.type = VPIN_LEASE_BREAKABLE;
        lease.file = event.file;
        it = leases_.emplace(key, LeaseEntry{std::move(lease), now, std::nullopt, false}).first;
        sessions_.at(key.first).leases++;
    }
    auto &entry = it->second;
    // A break once started lasts until the lease ends: a known deadline stays.
    if (entry.lease.state == VPIN_LEASE_STATE_BREAKING || entry.lease.state == VPIN_LEASE_STATE_ORPHANED)
        return;
    entry.lease.state = VPIN_LEASE_STATE_BREAKING;
    entry.lease.type = VPIN_LEASE_BREAKABLE;
    entry.lease.break_deadline_ms.reset();
    entry.deadline.reset();
    // The event says how long the holder has; a module that does not say
    // it leaves the deadline to the next leases dump.
    if (event.break_ms)
        entry.deadline = now + from_ms(*event.break_ms);
    else
        stale_.leases.insert(key.first);
}

// Orphaned: the lease ended while a device still held pages mapped under
// it, which only an exclusive lease allows; it stays, with no pins, until
// the orphan is released.
void State::apply_orphaned(const Event &event, Time now)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    stale_.usage = true;
    LeaseEntry entry;
    if (const auto it = leases_.find(key); it != leases_.end()) {
        if (it->second.lease.state == VPIN_LEASE_STATE_ORPHANED)
            return;
        // Its release was not seen.
        entry = std::move(it->second);
        leases_.erase(it);
        if (const auto s = sessions_.find(key.first); s != sessions_.end())
            s->second.leases -= std::min<std::uint64_t>(s->second.leases, 1);
    } else if (const auto ended = ended_.find(key); ended != ended_.end()) {
        entry = std::move(ended->second);
        ended_.erase(ended);
    } else {
        entry = {Lease{}, now, std::nullopt, false};
        entry.lease.session = key.first;
        entry.lease.id = key.second;
        entry.lease.file = event.file;
        stale_.leases.insert(key.first);
    }
    entry.lease.state = VPIN_LEASE_STATE_ORPHANED;
    entry.lease.type = VPIN_LEASE_EXCLUSIVE;
    entry.lease.pins = 0;
    entry.lease.break_deadline_ms.reset();
    entry.deadline.reset();
    if (event.pages)
        entry.lease.referenced = event.pages;
    leases_.insert_or_assign(key, std::move(entry));
}

// Map: a mapping descriptor of a pin, under the session's exclusive lease
// of its file. The count is exact again with the session's next leases dump
// (this event may be one the last dump counted already).
void State::apply_map(const Event &event)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    std::optional<FileRef> file = event.file;
    if (const auto it = pins_.find(key); it != pins_.end() && it->second.pin.file)
        file = it->second.pin.file;
    if (file) {
        if (auto *lease = held_lease(key.first, *file))
            lease->lease.maps++;
    }
    stale_.leases.insert(key.first);
}

// Protection comes with exclusive leases (and stays with their orphans).
void State::apply_protect(const Event &event, bool on)
{
    const Key key{*event.session, *event.id};
    stale_.status = true;
    if (!on)
        return;
    if (const auto it = leases_.find(key); it != leases_.end() && it->second.lease.type == VPIN_LEASE_UNSPEC)
        it->second.lease.type = VPIN_LEASE_EXCLUSIVE;
}

// A new rule set (or none): the rules and every uid's quotas are fetched
// again; until then the generation is the event's.
void State::apply_policy_changed(const Event &event)
{
    stale_.policy = true;
    stale_.usage = true;
    if (event.generation && *event.generation > policy_.generation)
        policy_.generation = *event.generation;
}

// A rule (or the defaults, "") refused a request: it decided one more and
// refused one more.
void State::apply_denied(const Event &event)
{
    denied_ += 1 + event.suppressed.value_or(0);
    if (!event.rule)
        return;
    Rule *rule = nullptr;
    if (event.rule->empty()) {
        rule = &policy_.policy.defaults;
    } else {
        for (auto &candidate : policy_.policy.rules) {
            if (candidate.name == *event.rule) {
                rule = &candidate;
                break;
            }
        }
    }
    if (rule) {
        rule->hits++;
        rule->denies++;
    }
}

std::vector<ReceivedEvent> State::events_since(std::uint64_t seq) const
{
    const auto first = std::upper_bound(events_.begin(), events_.end(), seq,
                                        [](std::uint64_t s, const ReceivedEvent &e) { return s < e.seq; });
    return {first, events_.end()};
}

std::optional<Session> State::session(std::uint64_t id) const
{
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? std::nullopt : std::optional{it->second};
}

std::optional<PinRow> State::pin(std::uint64_t session, std::uint32_t id, Time now) const
{
    const auto it = pins_.find({session, id});
    return it == pins_.end() ? std::nullopt : std::optional{row(it->second, now)};
}

std::optional<LeaseRow> State::lease(std::uint64_t session, std::uint32_t id, Time now) const
{
    const auto it = leases_.find({session, id});
    return it == leases_.end() ? std::nullopt : std::optional{row(it->second, now)};
}

PinRow State::row(const PinEntry &entry, Time now) const
{
    PinRow row{entry.pin, std::nullopt, {}, entry.detailed};
    row.pin.age_ms = to_ms(now - entry.taken);
    if (const auto it = sessions_.find(entry.pin.session); it != sessions_.end()) {
        row.uid = it->second.uid;
        row.comm = it->second.comm;
    }
    return row;
}

LeaseRow State::row(const LeaseEntry &entry, Time now) const
{
    LeaseRow row{entry.lease, std::nullopt, {}, entry.detailed, std::nullopt};
    row.lease.age_ms = to_ms(now - entry.granted);
    if (entry.lease.state == VPIN_LEASE_STATE_BREAKING && entry.deadline) {
        row.left = milliseconds{static_cast<milliseconds::rep>(to_ms(*entry.deadline - now))};
        row.lease.break_deadline_ms = static_cast<std::uint64_t>(row.left->count());
    } else {
        row.lease.break_deadline_ms.reset();
    }
    if (const auto it = sessions_.find(entry.lease.session); it != sessions_.end()) {
        row.uid = it->second.uid;
        row.comm = it->second.comm;
    }
    return row;
}

bool State::passes(const Filter &filter, std::uint64_t session, const std::optional<FileRef> &file) const
{
    if (filter.session && *filter.session != session)
        return false;
    if (filter.uid || !filter.comm.empty()) {
        const auto it = sessions_.find(session);
        if (it == sessions_.end())
            return false;
        if (filter.uid && it->second.uid != *filter.uid)
            return false;
        if (!contains(it->second.comm, filter.comm))
            return false;
    }
    return filter.path.empty() || (file && contains(file->path, filter.path));
}

std::vector<Session> State::sessions(const Filter &filter, Sort sort) const
{
    const auto on_path = [&](const std::optional<FileRef> &file) {
        return file && contains(file->path, filter.path);
    };
    // One of the session's pins or leases is of a file on the path.
    const auto has_path = [&](std::uint64_t id) {
        for (auto it = pins_.lower_bound({id, 0}); it != pins_.end() && it->first.first == id; ++it) {
            if (on_path(it->second.pin.file))
                return true;
        }
        for (auto it = leases_.lower_bound({id, 0}); it != leases_.end() && it->first.first == id; ++it) {
            if (on_path(it->second.lease.file))
                return true;
        }
        return false;
    };
    Filter own = filter;
    own.path.clear();
    std::vector<Session> rows;
    for (const auto &[id, session] : sessions_) {
        if (passes(own, id, std::nullopt) && (filter.path.empty() || has_path(id)))
            rows.push_back(session);
    }
    sort_rows(
        rows, sort.descending,
        [&](const Session &a, const Session &b) -> std::weak_ordering {
            switch (sort.by) {
            case Order::uid: return a.uid <=> b.uid;
            case Order::comm: return a.comm <=> b.comm;
            case Order::size: return a.pinned_bytes <=> b.pinned_bytes;
            default: return std::weak_ordering::equivalent;
            }
        },
        [](const Session &s) { return s.id; });
    return rows;
}

std::optional<std::uint32_t> State::PinRef::uid() const
{
    return session ? std::optional{session->uid} : std::nullopt;
}

const std::string &State::PinRef::comm() const
{
    static const std::string none;
    return session ? session->comm : none;
}

std::vector<State::PinRef> State::pin_refs(const Filter &filter, Sort sort, Time now,
                                           const std::function<bool(const PinRef &)> &keep) const
{
    std::vector<PinRef> refs;
    refs.reserve(pins_.size());
    const Session *session = nullptr; // of the pin before, most often this one's too
    for (const auto &[key, entry] : pins_) {
        if (!passes(filter, key.first, entry.pin.file))
            continue;
        if (!session || session->id != key.first) {
            const auto it = sessions_.find(key.first);
            session = it == sessions_.end() ? nullptr : &it->second;
        }
        PinRef ref{&entry.pin, session, to_ms(now - entry.taken), entry.detailed};
        if (!keep || keep(ref))
            refs.push_back(ref);
    }
    // Each order on its own, its comparison inlined: a view may sort
    // 100,000 pins. The key order is the model's own.
    const auto key_of = [](const PinRef &r) { return std::pair{r.pin->session, r.pin->id}; };
    const auto by = [&](auto primary) {
        sort_rows(
            refs, sort.descending, [&](const PinRef &a, const PinRef &b) { return primary(a) <=> primary(b); },
            key_of);
    };
    switch (sort.by) {
    case Order::uid: by_session(refs, sort.descending, [](const PinRef &r) { return r.uid(); }); break;
    case Order::comm:
        by_session(refs, sort.descending, [](const PinRef &r) -> const std::string & { return r.comm(); });
        break;
    case Order::path:
        by_text(refs, sort.descending, [](const PinRef &r) { return std::string_view{path_of(r.pin->file)}; });
        break;
    case Order::size: by([](const PinRef &r) { return r.pin->length; }); break;
    case Order::age: by([](const PinRef &r) { return r.age_ms; }); break;
    default: break;
    }
    return refs;
}

std::vector<PinRow> State::pins(const Filter &filter, Sort sort, Time now) const
{
    std::vector<PinRow> rows;
    for (const auto &ref : pin_refs(filter, sort, now)) {
        rows.push_back({*ref.pin, ref.uid(), ref.comm(), ref.detailed});
        rows.back().pin.age_ms = ref.age_ms;
    }
    return rows;
}

namespace {

// Breaking leases by time left, unknown after known; then the others.
std::tuple<int, std::int64_t> deadline_rank(const LeaseRow &row)
{
    if (row.lease.state != VPIN_LEASE_STATE_BREAKING)
        return {2, 0};
    if (!row.left)
        return {1, 0};
    return {0, row.left->count()};
}

} // namespace

std::vector<LeaseRow> State::leases(const Filter &filter, Sort sort, Time now) const
{
    std::vector<LeaseRow> rows;
    for (const auto &[key, entry] : leases_) {
        if (passes(filter, key.first, entry.lease.file))
            rows.push_back(row(entry, now));
    }
    sort_rows(
        rows, sort.descending,
        [&](const LeaseRow &a, const LeaseRow &b) -> std::weak_ordering {
            switch (sort.by) {
            case Order::uid: return a.uid <=> b.uid;
            case Order::comm: return a.comm <=> b.comm;
            case Order::path: return path_of(a.lease.file) <=> path_of(b.lease.file);
            case Order::size: return a.lease.pins <=> b.lease.pins;
            case Order::age: return a.lease.age_ms <=> b.lease.age_ms;
            case Order::deadline: return deadline_rank(a) <=> deadline_rank(b);
            default: return std::weak_ordering::equivalent;
            }
        },
        [](const LeaseRow &r) { return std::pair{r.lease.session, r.lease.id}; });
    return rows;
}

std::vector<LeaseRow> State::breaking(Time now) const
{
    std::vector<LeaseRow> rows;
    for (auto &row : leases({}, {Order::deadline, false}, now)) {
        if (row.lease.state == VPIN_LEASE_STATE_BREAKING)
            rows.push_back(std::move(row));
    }
    return rows;
}

Totals State::totals() const
{
    Totals totals;
    std::set<std::uint32_t> uids;
    for (const auto &[id, session] : sessions_) {
        totals.sessions++;
        uids.insert(session.uid);
    }
    totals.uids = uids.size();
    for (const auto &[key, entry] : pins_) {
        totals.pins++;
        totals.pinned_bytes += entry.pin.length;
    }
    for (const auto &[key, entry] : leases_) {
        const auto &lease = entry.lease;
        totals.maps += lease.maps;
        if (lease.state == VPIN_LEASE_STATE_ORPHANED) {
            totals.orphans++;
            continue;
        }
        totals.leases++;
        if (lease.type == VPIN_LEASE_EXCLUSIVE)
            totals.exclusive++;
        else if (lease.type == VPIN_LEASE_BREAKABLE)
            totals.breakable++;
        if (lease.state == VPIN_LEASE_STATE_BREAKING)
            totals.breaking++;
    }
    totals.events = received_;
    totals.denied = denied_;
    return totals;
}

std::vector<QuotaUse> State::quotas() const
{
    std::vector<QuotaUse> rows;
    for (const auto &[uid, usage] : usage_) {
        rows.push_back({usage, fraction(usage.sessions, widen(usage.max_sessions)),
                        fraction(usage.pinned_bytes, usage.max_pinned),
                        fraction(usage.leases, widen(usage.max_leases)),
                        fraction(usage.exclusive, widen(usage.max_exclusive))});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const QuotaUse &a, const QuotaUse &b) {
        const auto x = a.highest();
        const auto y = b.highest();
        if (x.has_value() != y.has_value())
            return x.has_value();
        return x && *x > *y;
    });
    return rows;
}

namespace {

// The module. The events socket is made first: by the time the first dump
// request goes out, the socket is in the group (see StateTracker::refresh()).
class NetlinkSource final : public StateSource {
public:
    explicit NetlinkSource(int receive_buffer)
    {
        if (receive_buffer > 0) {
            // Best effort: SO_RCVBUFFORCE passes the system limit, with CAP_NET_ADMIN.
            const int fd = events_.fd();
            if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0)
                ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
    }

    [[nodiscard]] int fd() const override { return events_.fd(); }
    bool receive(const std::function<void(const Event &)> &on_event) override
    {
        return events_.receive(on_event);
    }
    Status status() override { return netlink_.status(); }
    std::vector<Session> sessions() override { return netlink_.sessions(); }
    std::vector<Pin> pins(std::optional<std::uint64_t> session) override { return netlink_.pins(session); }
    std::vector<Lease> leases(std::optional<std::uint64_t> session) override
    {
        return netlink_.leases(session);
    }
    PolicyState policy() override { return netlink_.policy(); }
    std::vector<Usage> usage() override { return netlink_.usage(); }

private:
    EventSocket events_; // first: members are made in this order
    Netlink netlink_;
};

// A parse error of an event, not a request's failure.
bool malformed(const std::system_error &e)
{
    return e.code() == std::errc::bad_message && !dynamic_cast<const Error *>(&e);
}

} // namespace

std::unique_ptr<StateSource> netlink_source(int receive_buffer)
{
    return std::make_unique<NetlinkSource>(receive_buffer);
}

StateTracker::StateTracker(std::size_t event_capacity)
    : StateTracker{netlink_source(1 << 20), event_capacity}
{
}

StateTracker::StateTracker(std::unique_ptr<StateSource> source, std::size_t event_capacity)
    : source_{std::move(source)}, state_{event_capacity}
{
    refresh();
}

// Subscribe first, dump second. The source joined the events group before
// the first dump request went out, so a change the dump does not show is
// queued on the socket as an event; a change it does show may be queued
// too. Applying the queued events on top of the dump replays such changes:
// each event sets what it names to the state it describes (the pin there,
// the lease gone, breaking), so the last event of each object wins and the
// model ends where the module is. Counters that events add to (mappings,
// rule denials) are fetched again (sync()). The pins and leases are dumped
// before the sessions: a session they name is either in the sessions dump
// or closed, with the events of its pins and leases going queued.
void StateTracker::refresh()
{
    resync_pending_ = true;
    Snapshot snapshot;
    snapshot.status = source_->status();
    snapshot.pins = source_->pins(std::nullopt);
    snapshot.leases = source_->leases(std::nullopt);
    snapshot.sessions = source_->sessions();
    snapshot.usage = source_->usage();
    snapshot.policy = source_->policy();
    state_.refresh(std::move(snapshot), State::Clock::now());
    resync_pending_ = false;
}

void StateTracker::resync()
{
    resyncs_++;
    refresh();
}

StateTracker::Received StateTracker::receive(const std::function<void(const ReceivedEvent &)> &on_event)
{
    Received received;
    // A resync that failed before is due still.
    if (resync_pending_)
        resync();
    while (received.events < receive_batch) {
        std::size_t count = 0;
        try {
            received.overrun = !source_->receive([&](const Event &event) {
                const ReceivedEvent arrival{state_.received() + 1, std::chrono::system_clock::now(), event};
                if (on_event)
                    on_event(arrival);
                if (!state_.apply(event, State::Clock::now(), arrival.time))
                    received.malformed = true;
                count++;
            });
        } catch (const std::system_error &e) {
            if (!malformed(e))
                throw;
            // The rest of what was read with it is lost too.
            received.malformed = true;
        }
        received.events += count;
        if (received.resynced()) {
            resync();
            break;
        }
        if (count == 0)
            break;
    }
    return received;
}

void StateTracker::sync()
{
    if (resync_pending_)
        resync();
    else
        fetch(state_.stale());
}

void StateTracker::poll()
{
    if (resync_pending_) {
        resync();
        return;
    }
    State::Stale what = state_.stale();
    what.sessions = what.status = what.usage = what.policy = true;
    fetch(what);
}

// `what` is a copy: the state's own changes as the answers come in.
void StateTracker::fetch(State::Stale what)
{
    const auto now = [] { return State::Clock::now(); };
    if (what.pins.size() > sessions_fetched_one_by_one) {
        state_.set_pins(source_->pins(std::nullopt), std::nullopt, now());
    } else {
        for (const auto session : what.pins)
            state_.set_pins(source_->pins(session), session, now());
    }
    if (what.leases.size() > sessions_fetched_one_by_one) {
        state_.set_leases(source_->leases(std::nullopt), std::nullopt, now());
    } else {
        for (const auto session : what.leases)
            state_.set_leases(source_->leases(session), session, now());
    }
    // After the pins and leases, as in refresh().
    if (what.sessions)
        state_.set_sessions(source_->sessions());
    if (what.status)
        state_.set_status(source_->status());
    if (what.usage)
        state_.set_usage(source_->usage());
    if (what.policy)
        state_.set_policy(source_->policy());
}

} // namespace vpin
