// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/model.hpp>
#include <vpin/policy.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

// A live model of what the vpin module holds: sessions, pins, leases, each
// uid's usage, the rule set with its counters, and the recent events. It is
// filled from the dumps of the "vpin" generic netlink family and kept
// current from its "events" multicast group (kmod/uapi/linux/vpin.h). State
// is the model and does no I/O; StateTracker feeds it from the module.
namespace vpin {

// What the family's requests report, all together.
struct Snapshot {
    Status status;
    std::vector<Session> sessions;
    std::vector<Pin> pins;
    std::vector<Lease> leases;
    PolicyState policy;
    std::vector<Usage> usage;
};

// An event as it came in.
struct ReceivedEvent {
    std::uint64_t seq = 0; // 1, 2, ...: the order of arrival
    std::chrono::system_clock::time_point time;
    Event event;
};

// Which objects a view shows: those that pass every condition that is set.
// A pin or lease has its session's uid and command; a session passes the
// path condition when one of its pins or leases does.
struct Filter {
    std::optional<std::uint64_t> session;
    std::optional<std::uint32_t> uid; // the session opener's; unknown never passes
    std::string comm;                 // a substring of the session's command
    std::string path;                 // a substring of the file's path
};

// How a view is sorted; ties, and orders that do not apply to a kind of
// object, go by key: session id, then object id.
enum class Order {
    key,
    uid,
    comm,
    path,
    size,     // a session's pinned bytes, a pin's length, a lease's pins
    age,      // pins and leases: youngest first
    deadline, // leases: least time left until revocation first, the rest after
};

struct Sort {
    Order by = Order::key;
    bool descending = false;
};

// A pin with what its session says and how much is known of it.
struct PinRow {
    Pin pin; // age_ms as of the view's time
    std::optional<std::uint32_t> uid;
    std::string comm;
    // False for a pin learned from an event until its session's pins are
    // fetched: flags, addr, offset and dax are unknown (zero) until then.
    bool detailed = true;
};

// A lease with what its session says and, while it is being broken, the
// time left until it is revoked.
struct LeaseRow {
    Lease lease; // break_deadline_ms: the time left as of the view's time, when known
    std::optional<std::uint32_t> uid;
    std::string comm;
    // False for a lease learned from an event until its session's leases are
    // fetched: the type may be unknown (0), maps and age approximate.
    bool detailed = true;
    // Breaking: until revocation (zero once it is due); unknown from a
    // lease-break event until the leases are fetched, which say it.
    std::optional<std::chrono::milliseconds> left;
};

// Sums over what the model holds (what this listener may see: without
// CAP_SYS_ADMIN, its own uid's). Status has the module's own totals.
struct Totals {
    std::uint64_t sessions = 0;
    std::uint64_t pins = 0;
    std::uint64_t pinned_bytes = 0;
    std::uint64_t leases = 0; // held (granted or breaking); orphans apart
    std::uint64_t exclusive = 0;
    std::uint64_t breakable = 0;
    std::uint64_t breaking = 0;
    std::uint64_t orphans = 0;
    std::uint64_t maps = 0;   // VPIN_IOC_MAP descriptors made under the leases
    std::uint64_t uids = 0;   // distinct session owners
    std::uint64_t events = 0; // received since the model was made
    std::uint64_t denied = 0; // requests rules refused, from events (suppressed ones too)
};

// One uid's usage against its quotas: used / limit for each quota that is
// set (above 1 after a quota was lowered; a zero quota is full at 1).
struct QuotaUse {
    Usage usage;
    std::optional<double> sessions;
    std::optional<double> pinned;
    std::optional<double> leases;
    std::optional<double> exclusive;

    // The fullest quota; nothing when every one is unlimited.
    [[nodiscard]] std::optional<double> highest() const;
};

class State {
public:
    // Deadlines and ages are measured on CLOCK_MONOTONIC, as the module's.
    using Clock = std::chrono::steady_clock;
    using Time = Clock::time_point;
    using WallTime = std::chrono::system_clock::time_point;

    // What events leave unknown until it is fetched again (StateTracker::sync()).
    struct Stale {
        bool status = false;   // the module's totals moved
        bool sessions = false; // a session came or may have gone
        bool usage = false;    // a uid's usage moved
        bool policy = false;   // a new rule set
        std::set<std::uint64_t> pins;   // sessions with pins known from events only
        std::set<std::uint64_t> leases; // sessions with leases whose details events do not carry

        [[nodiscard]] bool empty() const noexcept;
    };

    // Keeps the last `event_capacity` events (0: none). `page_size` turns the
    // pages of pin events into bytes; 0 is the system's.
    explicit State(std::size_t event_capacity = 1000, std::uint64_t page_size = 0);

    // Everything again, as the dumps say at `now`; nothing is stale after it.
    void refresh(Snapshot snapshot, Time now);

    // One part again. The pins or leases of one `session`, or all of them
    // when none is given, replace those the model had.
    void set_status(Status status);
    void set_sessions(std::vector<Session> sessions);
    void set_pins(std::vector<Pin> pins, std::optional<std::uint64_t> session, Time now);
    void set_leases(std::vector<Lease> leases, std::optional<std::uint64_t> session, Time now);
    void set_policy(PolicyState policy);
    void set_usage(std::vector<Usage> usage);

    // One event of the group, received at `now` (`time` on the wall clock).
    // Each sets what it names to the state it describes (a pin there, a
    // lease gone), so an event the last dump already showed changes nothing.
    // Types this build does not know are kept in the ring and change nothing
    // else. Returns false for an event that lacks what its type must carry
    // (the model may be off: refresh it).
    bool apply(const Event &event, Time now, WallTime time);

    [[nodiscard]] const Stale &stale() const noexcept { return stale_; }

    [[nodiscard]] const Status &status() const noexcept { return status_; }
    // The rule set with its counters, plus the denials events reported since
    // it was fetched. After a policy-changed event the generation is the
    // event's and the rules are the old ones until it is fetched
    // (stale().policy).
    [[nodiscard]] const PolicyState &policy() const noexcept { return policy_; }
    [[nodiscard]] const std::map<std::uint32_t, Usage> &usage() const noexcept { return usage_; }
    // The last events, oldest first, and how many were received in all.
    [[nodiscard]] const std::deque<ReceivedEvent> &events() const noexcept { return events_; }
    [[nodiscard]] std::uint64_t received() const noexcept { return received_; }
    // The events after `seq` still in the ring, oldest first.
    [[nodiscard]] std::vector<ReceivedEvent> events_since(std::uint64_t seq) const;

    [[nodiscard]] std::optional<Session> session(std::uint64_t id) const;
    [[nodiscard]] std::optional<PinRow> pin(std::uint64_t session, std::uint32_t id, Time now) const;
    [[nodiscard]] std::optional<LeaseRow> lease(std::uint64_t session, std::uint32_t id,
                                                Time now) const;

    // Views, as of `now`. A session's pins, pinned bytes and leases are
    // counted from the model's pins and leases.
    [[nodiscard]] std::vector<Session> sessions(const Filter &filter = {}, Sort sort = {}) const;
    [[nodiscard]] std::vector<PinRow> pins(const Filter &filter, Sort sort, Time now) const;

    // A pin as the model holds it, for views over many pins: what a PinRow
    // says, not copied. Valid until the model changes.
    struct PinRef {
        const Pin *pin = nullptr; // its age_ms is the dump's: see age_ms
        const Session *session = nullptr; // null while unknown
        std::uint64_t age_ms = 0;         // as of the view's time
        bool detailed = true;

        [[nodiscard]] std::optional<std::uint32_t> uid() const;
        [[nodiscard]] const std::string &comm() const;
    };
    // The pins of pins(filter, sort, now) that `keep` keeps (all without
    // one), in its order.
    [[nodiscard]] std::vector<PinRef> pin_refs(const Filter &filter, Sort sort, Time now,
                                               const std::function<bool(const PinRef &)> &keep = {}) const;

    // Changes when the sessions, pins or leases do in anything views filter
    // or sort them by (their ages and the time left of a breaking lease
    // aside): a value no other State had, so that equal values mean the
    // same objects.
    [[nodiscard]] std::uint64_t changes() const noexcept { return changes_; }
    [[nodiscard]] std::vector<LeaseRow> leases(const Filter &filter, Sort sort, Time now) const;
    // The leases being broken, the first to be revoked first; those whose
    // time left is not known yet last.
    [[nodiscard]] std::vector<LeaseRow> breaking(Time now) const;

    [[nodiscard]] Totals totals() const;
    // Each uid's usage against its quotas, the fullest first (then by uid).
    [[nodiscard]] std::vector<QuotaUse> quotas() const;

    [[nodiscard]] std::uint64_t page_size() const noexcept { return page_size_; }

private:
    using Key = std::pair<std::uint64_t, std::uint32_t>; // session, id

    struct PinEntry {
        Pin pin;
        Time taken;
        bool detailed = true;
    };

    struct LeaseEntry {
        Lease lease;
        Time granted;
        std::optional<Time> deadline; // breaking, when known
        bool detailed = true;
    };

    void apply_pin(const Event &event, Time now);
    void apply_unpin(const Event &event);
    void apply_granted(const Event &event, Time now);
    void apply_ended(const Event &event);
    void apply_break(const Event &event, Time now);
    void apply_orphaned(const Event &event, Time now);
    void apply_map(const Event &event);
    void apply_protect(const Event &event, bool on);
    void apply_policy_changed(const Event &event);
    void apply_denied(const Event &event);

    void changed() noexcept;
    void touch_session(const Event &event);
    void maybe_closed(std::uint64_t session);
    void recount();
    void keep_ended(const Key &key, LeaseEntry entry);
    [[nodiscard]] LeaseEntry *held_lease(std::uint64_t session, const FileRef &file);
    [[nodiscard]] PinRow row(const PinEntry &entry, Time now) const;
    [[nodiscard]] LeaseRow row(const LeaseEntry &entry, Time now) const;
    [[nodiscard]] bool passes(const Filter &filter, std::uint64_t session,
                              const std::optional<FileRef> &file) const;

    std::size_t event_capacity_;
    std::uint64_t page_size_;
    Status status_;
    std::map<std::uint64_t, Session> sessions_;
    std::map<Key, PinEntry> pins_;
    std::map<Key, LeaseEntry> leases_;
    // Leases that ended lately, for an orphaned event that brings one back.
    std::map<Key, LeaseEntry> ended_;
    std::deque<Key> ended_order_;
    PolicyState policy_;
    std::map<std::uint32_t, Usage> usage_;
    std::deque<ReceivedEvent> events_;
    std::uint64_t received_ = 0;
    std::uint64_t denied_ = 0;
    Stale stale_;
    std::uint64_t changes_ = 0;
};

// Where a StateTracker gets what it knows: the module (netlink_source()),
// or whatever a test scripts.
class StateSource {
public:
    virtual ~StateSource() = default;

    // For poll(): readable while events are queued.
    [[nodiscard]] virtual int fd() const = 0;
    // Reads events queued now, without waiting, and calls `on_event` for
    // each in order. Returns false if events were dropped before them
    // (ENOBUFS: the receive buffer overran). Throws std::system_error
    // EBADMSG for one that cannot be parsed.
    virtual bool receive(const std::function<void(const Event &)> &on_event) = 0;

    [[nodiscard]] virtual Status status() = 0;
    [[nodiscard]] virtual std::vector<Session> sessions() = 0;
    [[nodiscard]] virtual std::vector<Pin> pins(std::optional<std::uint64_t> session) = 0;
    [[nodiscard]] virtual std::vector<Lease> leases(std::optional<std::uint64_t> session) = 0;
    [[nodiscard]] virtual PolicyState policy() = 0;
    [[nodiscard]] virtual std::vector<Usage> usage() = 0;
};

// The module's family: a socket subscribed to the events group first, then
// one for the dumps. `receive_buffer` bytes of events may wait to be read
// (0: the system default; past net.core.rmem_max with CAP_NET_ADMIN).
// Throws what EventSocket and Netlink throw.
[[nodiscard]] std::unique_ptr<StateSource> netlink_source(int receive_buffer = 0);

// Keeps a State current: owns the source, fills the model when made, applies
// events as they are read, and reads everything again when events were lost.
// Failures of requests throw vpin::Error (ModuleNotLoaded when the module
// went away).
class StateTracker {
public:
    // What one receive() did.
    struct Received {
        std::size_t events = 0; // applied
        bool overrun = false;   // the kernel dropped events
        bool malformed = false; // an event could not be parsed or applied
        [[nodiscard]] bool resynced() const noexcept { return overrun || malformed; }
    };

    // netlink_source() with a 1 MiB receive buffer.
    explicit StateTracker(std::size_t event_capacity = 1000);
    // `source` must be subscribed already: the model is filled at once.
    explicit StateTracker(std::unique_ptr<StateSource> source, std::size_t event_capacity = 1000);

    // For poll(): call receive() when it is readable.
    [[nodiscard]] int fd() const { return source_->fd(); }

    // Reads and applies the events queued now, a bounded number of them so
    // that a flood does not starve the caller (poll() says when more wait);
    // `on_event` sees each before it is applied. When events were lost or
    // one was unreadable, the model is filled again from the dumps.
    Received receive(const std::function<void(const ReceivedEvent &)> &on_event = {});

    // Fetches what events left unknown (State::stale()): the pins or leases
    // of the sessions concerned, the sessions, totals, usage, the rule set.
    void sync();
    // Fetches what no event announces: sessions opened or closed without
    // pins or leases, the module's totals, usage, the rules' hit counters;
    // and whatever is stale. For a caller's periodic tick.
    void poll();
    // Everything again.
    void refresh();

    [[nodiscard]] const State &state() const noexcept { return state_; }
    // How often the model was filled again because events were lost.
    [[nodiscard]] std::uint64_t resyncs() const noexcept { return resyncs_; }

    // Events read per receive() at most.
    static constexpr std::size_t receive_batch = 4096;

private:
    void resync();
    void fetch(State::Stale what);

    std::unique_ptr<StateSource> source_;
    State state_;
    std::uint64_t resyncs_ = 0;
    bool resync_pending_ = false;
};

} // namespace vpin
