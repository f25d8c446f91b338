// SPDX-License-Identifier: GPL-2.0
#include "daemon.hpp"

#include "control.hpp"
#include "event_log.hpp"
#include "log.hpp"
#include "summary.hpp"

#include <vpin/config_edit.hpp>
#include <vpin/control.hpp>
#include <vpin/error.hpp>
#include <vpin/explain.hpp>
#include <vpin/family.hpp>
#include <vpin/fd.hpp>
#include <vpin/netlink.hpp>
#include <vpin/policy.hpp>
#include <vpin/signals.hpp>
#include <vpin/state.hpp>

#include <fmt/core.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

namespace pind {

namespace {

// While the module is away, how often pind looks for it besides listening
// to the controller.
constexpr int absent_poll_ms = 1000;
// Room for bursts of events before the kernel drops some.
constexpr int event_buffer_bytes = 1 << 20;

std::uint64_t monotonic_usec()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000 +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000;
}

// To the service manager, if there is one (NOTIFY_SOCKET); nothing else
// depends on it.
void notify(const std::string &state)
{
    ::sd_notify(0, state.c_str());
}

// The family is not registered (any more): the module is not loaded.
bool gone(const std::system_error &e)
{
    return dynamic_cast<const vpin::ModuleNotLoaded *>(&e) != nullptr;
}

const char *signal_name(std::uint32_t signal)
{
    switch (signal) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "signal";
    }
}

class Daemon {
public:
    Daemon(const Options &options, vpin::Config config)
        : options_{options}, config_{std::move(config)}, signals_{vpin::signal_fd({SIGHUP, SIGINT, SIGTERM}, SFD_NONBLOCK)}
    {
        open_event_log(true);
        if (!options_.control.empty())
            control_.emplace(options_.control, [this](std::string_view line) { return request(line); });
    }

    int run();

private:
    enum class Pushed { ok, gone, refused };

    void sync(bool startup, bool force = false);
    void appeared(std::uint16_t id, bool startup);
    void vanished(std::string_view why);
    bool subscribe(bool startup);
    Pushed push(const vpin::Policy &policy, bool startup);
    void reload();
    void adopt(vpin::Config next);
    int stop(std::uint32_t signal);
    void open_event_log(bool startup);
    void on_events();
    void on_family();
    std::optional<int> on_signals();
    void log_event(const vpin::Event &event);
    vpin::ControlReply request(std::string_view line);
    std::uint64_t edit(const vpin::RuleEdit &edit);
    [[nodiscard]] std::string status() const;
    [[nodiscard]] std::string active() const;

    const Options &options_;
    vpin::Config config_;
    vpin::Fd signals_; // SIGHUP, SIGINT and SIGTERM, instead of handlers
    vpin::FamilyWatcher watcher_;
    std::optional<std::uint16_t> family_;     // the module's family, while it is there
    // The module's events, and what they say it holds.
    std::optional<vpin::StateTracker> events_;
    std::optional<std::uint64_t> generation_; // of the rules pind gave this module
    std::optional<EventLog> event_log_;
    bool waiting_ = false;
    bool event_log_failing_ = false;
    std::optional<ControlServer> control_; // last: its handler uses the rest
};

int Daemon::run()
{
    sync(true);
    notify(fmt::format("READY=1\nSTATUS={}", status()));
    for (;;) {
        std::vector<pollfd> fds{{signals_.get(), POLLIN, 0}, {watcher_.fd(), POLLIN, 0}};
        if (events_)
            fds.push_back({events_->fd(), POLLIN, 0});
        const std::size_t control = fds.size();
        if (control_)
            control_->add(fds);
        const int ready = ::poll(fds.data(), fds.size(), family_ ? -1 : absent_poll_ms);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error{errno, std::generic_category(), "poll"};
        }
        if (ready == 0) {
            sync(false);
            continue;
        }
        // Events first: those queued before the module went still count.
        if (control > 2 && fds[2].revents)
            on_events();
        if (fds[1].revents)
            on_family();
        if (control_)
            control_->handle(fds, control);
        if (fds[0].revents) {
            if (const auto exit_status = on_signals())
                return *exit_status;
        }
    }
}

// Where the module stands, from the controller's list of families; `force`
// pushes the rules again even to the module pind knows.
void Daemon::sync(bool startup, bool force)
{
    std::optional<std::uint16_t> id;
    try {
        id = watcher_.id();
    } catch (const std::system_error &e) {
        if (startup)
            throw;
        error("looking for the vpin module: {}", vpin::explain(e));
        return;
    }
    if (!id)
        vanished(startup ? "the vpin module is not loaded" : "the vpin module is gone");
    else if (force || family_ != id)
        appeared(*id, startup);
}

void Daemon::appeared(std::uint16_t id, bool startup)
{
    family_ = id;
    generation_.reset();
    events_.reset();
    if (waiting_)
        info("the vpin module is loaded");
    waiting_ = false;
    // Subscribed first, so that the module's own word on the new rules
    // (a policy-changed event) is logged too.
    if (!subscribe(startup) || push(config_.policy, startup) == Pushed::gone)
        vanished("the vpin module is gone");
    else
        notify("STATUS=" + status());
}

void Daemon::vanished(std::string_view why)
{
    events_.reset();
    family_.reset();
    generation_.reset();
    if (!waiting_)
        info("{}; waiting for it", why);
    waiting_ = true;
    notify("STATUS=" + status());
}

// Joins the events group of the family as it is now, and reads what the
// module holds; false if it is gone.
bool Daemon::subscribe(bool startup)
{
    try {
        // The log needs no history of its own: the tracker keeps none.
        events_.emplace(vpin::netlink_source(event_buffer_bytes), 0);
        return true;
    } catch (const std::system_error &e) {
        events_.reset();
        if (gone(e))
            return false;
        if (startup)
            throw;
        // The rules matter more than the log: they still go in.
        error("vpin events are not logged: {}", vpin::explain(e));
        return true;
    }
}

Daemon::Pushed Daemon::push(const vpin::Policy &policy, bool startup)
{
    try {
        vpin::Netlink netlink;
        const std::uint64_t generation = netlink.set_policy(&policy);
        generation_ = generation;
        info("policy loaded: {}, generation {}", rules(policy.rules.size()), generation);
        return Pushed::ok;
    } catch (const std::system_error &e) {
        if (gone(e))
            return Pushed::gone;
        if (startup)
            throw;
        error("the rules are not loaded: {}", vpin::explain(e));
        return Pushed::refused;
    }
}

// SIGHUP, as Type=notify-reload wants it: RELOADING=1 with the time, the
// work, READY=1. A configuration with errors changes nothing.
void Daemon::reload()
{
    notify(fmt::format("RELOADING=1\nSTATUS=reloading {}\nMONOTONIC_USEC={}", options_.config.string(),
                       monotonic_usec()));
    info("SIGHUP: reloading {}", options_.config.string());
    try {
        adopt(vpin::load_config(options_.config));
    } catch (const vpin::ConfigErrors &e) {
        for (const auto &problem : e.errors())
            error("{}", problem.str());
        const auto count = e.errors().size();
        warning("{}: {} error{}; {}", options_.config.string(), count, count == 1 ? "" : "s", active());
    }
    notify(fmt::format("READY=1\nSTATUS={}", status()));
}

// A valid configuration: its rules go to the module, if it is there; one
// the module refuses is not adopted.
void Daemon::adopt(vpin::Config next)
{
    if (family_) {
        switch (push(next.policy, false)) {
        case Pushed::ok: break;
        case Pushed::refused: warning("{}", active()); return;
        case Pushed::gone: vanished("the vpin module is gone"); break;
        }
    }
    if (!family_)
        info("configuration loaded: {}; they go to the vpin module when it is loaded",
             rules(next.policy.rules.size()));
    config_ = std::move(next);
    open_event_log(false);
}

int Daemon::stop(std::uint32_t signal)
{
    notify("STOPPING=1");
    info("{}: stopping", signal_name(signal));
    if (config_.clear_on_exit && family_) {
        try {
            vpin::Netlink netlink;
            info("rules removed, generation {}", netlink.set_policy(nullptr));
        } catch (const std::system_error &e) {
            if (!gone(e)) {
                error("the rules are not removed: {}", vpin::explain(e));
                return EXIT_FAILURE;
            }
        }
    } else if (family_ && generation_) {
        info("the rules stay in the vpin module (generation {})", *generation_);
    }
    return EXIT_SUCCESS;
}

// (Re)opens the event log the configuration or --event-log names; SIGHUP
// reopens it, after an outside rotation too.
void Daemon::open_event_log(bool startup)
{
    const std::filesystem::path path = options_.event_log.value_or(config_.event_log);
    if (path.empty()) {
        event_log_.reset();
        return;
    }
    try {
        event_log_ = EventLog{path, config_.event_log_max_bytes};
        event_log_failing_ = false;
    } catch (const std::system_error &e) {
        if (startup)
            throw;
        error("cannot open the event log: {}; {}", e.what(),
              event_log_ ? "writing on to " + event_log_->path().string() : "events go to standard output only");
    }
}

void Daemon::on_events()
{
    if (!events_)
        return;
    try {
        // Lost events are read again from the module's dumps by the tracker.
        const auto received =
            events_->receive([this](const vpin::ReceivedEvent &event) { log_event(event.event); });
        if (received.overrun)
            warning("events were lost (receive buffer overrun)");
        if (received.malformed)
            warning("an event could not be read");
    } catch (const std::system_error &e) {
        error("receiving events: {}", vpin::explain(e));
        events_.reset();
        if (!subscribe(false))
            vanished("the vpin module is gone");
    }
}

void Daemon::on_family()
{
    bool complete = true;
    try {
        complete = watcher_.receive([this](const vpin::FamilyChange &change) {
            if (change.kind == vpin::FamilyChange::Kind::appeared) {
                if (family_ != change.id)
                    appeared(change.id, false);
            } else if (family_ == change.id) {
                vanished("the vpin module was unloaded");
            }
        });
    } catch (const std::system_error &e) {
        error("{}", vpin::explain(e));
        complete = false;
    }
    // What was lost may have been the module going and coming back.
    if (!complete) {
        warning("generic netlink controller notifications were lost; looking for the vpin module");
        sync(false, true);
    }
}

// The exit status once a signal says stop.
std::optional<int> Daemon::on_signals()
{
    while (const auto signal = vpin::read_signal(signals_.get())) {
        if (*signal == SIGHUP)
            reload();
        else
            return stop(*signal);
    }
    return std::nullopt;
}

void Daemon::log_event(const vpin::Event &event)
{
    vpin::print::event(std::cout, event, options_.format);
    if (!event_log_)
        return;
    std::ostringstream line;
    vpin::print::event(line, event, vpin::print::Format::json);
    try {
        event_log_->write(line.str());
        if (event_log_failing_)
            info("event log: {} is written again", event_log_->path().string());
        event_log_failing_ = false;
    } catch (const std::system_error &e) {
        // Once, not once per event.
        if (!event_log_failing_)
            error("event log: {}", e.what());
        event_log_failing_ = true;
    }
}

// A line of the control socket.
vpin::ControlReply Daemon::request(std::string_view line)
{
    vpin::ControlReply reply;
    reply.file = options_.config.string();
    try {
        const auto asked = vpin::parse_request(line);
        if (asked.op == vpin::ControlRequest::Op::show)
            reply.tables = vpin::config_tables(vpin::read_config(options_.config), reply.file);
        else
            reply.generation = edit(asked.edit);
        if (!reply.generation)
            reply.generation = generation_;
        reply.ok = true;
    } catch (const vpin::ProtocolError &e) {
        reply.error = fmt::format("not a request: {}", e.what());
    } catch (const vpin::ConfigErrors &e) {
        reply.error = e.what();
    } catch (const std::exception &e) {
        reply.error = vpin::explain(e);
    }
    return reply;
}

// An edit of the configuration file: made in its text, validated, pushed
// to the module, and only then written; anything that fails changes
// nothing. Returns the module's generation of the new rules.
std::uint64_t Daemon::edit(const vpin::RuleEdit &edit)
{
    const std::string file = options_.config.string();
    const std::string what = edit.target == vpin::RuleEdit::Target::defaults
                                 ? std::string{"the defaults"}
                                 : fmt::format("rule {:?}", edit.name);
    const std::string edited = vpin::edit_config(vpin::read_config(options_.config), edit, file);
    vpin::Config next = vpin::parse_config(edited, file);
    if (!family_)
        throw std::runtime_error{"the vpin module is not loaded; nothing was changed"};

    vpin::Netlink netlink;
    const std::uint64_t generation = netlink.set_policy(&next.policy);
    try {
        if (!vpin::save_config(options_.config, edited))
            warning("{}: the directory could not be synced after the rename", file);
    } catch (const std::system_error &e) {
        // The rules of the file as it stays go back in.
        std::string back;
        try {
            generation_ = netlink.set_policy(&config_.policy);
            back = fmt::format("the rules before the edit are back (generation {})", *generation_);
        } catch (const std::system_error &again) {
            back =
                fmt::format("and the rules before the edit could not be put back: {}", vpin::explain(again));
        }
        error("{}: {} not changed: {}; {}", file, what, e.what(), back);
        throw std::runtime_error{fmt::format("{} cannot be written: {}; {}", file, e.what(), back)};
    }
    generation_ = generation;
    info("{} changed over the control socket ({}); policy loaded: {}, generation {}", file, what,
         rules(next.policy.rules.size()), generation);
    config_ = std::move(next);
    open_event_log(false);
    notify("STATUS=" + status());
    return generation;
}

std::string Daemon::status() const
{
    if (!family_)
        return "waiting for the vpin module";
    if (!generation_)
        return "the vpin module has not taken the rules";
    return fmt::format("policy generation {}: {}", *generation_, rules(config_.policy.rules.size()));
}

std::string Daemon::active() const
{
    return generation_ ? fmt::format("the active rules stay (generation {})", *generation_)
                       : std::string{"the active configuration stays"};
}

} // namespace

int run(const Options &options)
{
    vpin::Config config;
    try {
        config = vpin::load_config(options.config);
    } catch (const vpin::ConfigErrors &e) {
        for (const auto &problem : e.errors())
            log(Level::error, problem.str());
        return EXIT_FAILURE;
    }
    // A log reader that went away must not take pind with it.
    ::signal(SIGPIPE, SIG_IGN);
    Daemon daemon{options, std::move(config)};
    return daemon.run();
}

} // namespace pind
