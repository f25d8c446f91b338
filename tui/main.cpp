// SPDX-License-Identifier: GPL-2.0
// pintop: watch the vpin module and act on it, as htop does processes; or,
// with -b, print snapshots of it as text or JSON.
#include "host.hpp"
#include "keys.hpp"
#include "screen.hpp"
#include "snapshot.hpp"
#include "view.hpp"

#include <vpin/control.hpp>
#include <vpin/error.hpp>
#include <vpin/explain.hpp>
#include <vpin/fd.hpp>
#include <vpin/netlink.hpp>
#include <vpin/print.hpp>
#include <vpin/signals.hpp>
#include <vpin/state.hpp>
#include <vpin/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace {

using Clock = vpin::State::Clock;
using namespace std::chrono_literals;

constexpr int exit_usage = 2;
// While events come in, the screen is drawn this often at most.
constexpr auto event_frame = 100ms;
// A countdown on the screen moves this often.
constexpr auto countdown_frame = 100ms;

struct Options {
    bool batch = false;
    std::optional<std::uint64_t> count;
    double delay = 1.0;
    bool json = false;
    bool monochrome = false;
    std::string control = vpin::default_control_socket; // pind's
};

// The tracker, subscribed to the events group where the kernel lets this
// user join it, else reading the dumps on every tick.
struct Tracking {
    std::unique_ptr<vpin::StateTracker> tracker;
    bool events = true;

    // One tick: what no event announces, or everything when there are no events.
    void tick() const
    {
        if (events)
            tracker->poll();
        else
            tracker->refresh();
    }
};

Tracking track()
{
    try {
        return {std::make_unique<vpin::StateTracker>(), true};
    } catch (const vpin::Error &e) {
        if (e.request() != vpin::Request::events || e.code().value() != EPERM)
            throw;
    }
    return {std::make_unique<vpin::StateTracker>(pintop::polling_source()), false};
}

int poll_fds(pollfd *fds, std::size_t n, Clock::duration timeout)
{
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(timeout, Clock::duration::zero()));
    const int ready = ::poll(fds, n, static_cast<int>(std::min<std::int64_t>(ms.count(), 60000)));
    if (ready < 0 && errno != EINTR)
        throw std::system_error{errno, std::generic_category(), "poll"};
    return std::max(ready, 0);
}

// pintop -b: COUNT snapshots (or until SIGINT or SIGTERM), DELAY apart.
int headless(const Options &o)
{
    const vpin::Fd stop = vpin::signal_fd({SIGINT, SIGTERM}, SFD_NONBLOCK);
    Tracking tracking = track();
    auto &tracker = *tracking.tracker;
    pintop::Host host{pintop::pind_running(), pintop::privileged(), tracking.events};
    const auto delay = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{o.delay});
    std::uint64_t printed = 0; // events up to this one are printed
    tracker.receive();
    tracker.sync();
    for (std::uint64_t n = 0; !o.count || n < *o.count; n++) {
        if (n > 0) {
            const auto until = Clock::now() + delay;
            for (auto now = Clock::now(); now < until; now = Clock::now()) {
                std::array<pollfd, 2> fds{{{tracker.fd(), POLLIN, 0}, {stop.get(), POLLIN, 0}}};
                poll_fds(fds.data(), fds.size(), until - now);
                if (fds[1].revents)
                    return EXIT_SUCCESS;
                if (fds[0].revents)
                    tracker.receive();
            }
            tracker.receive();
            tracking.tick();
            host.pind = pintop::pind_running();
        }
        const auto &state = tracker.state();
        if (o.json) {
            const auto doc =
                pintop::json_snapshot(state, host, Clock::now(), std::chrono::system_clock::now(), printed);
            std::cout << vpin::print::dump(doc, vpin::print::Format::json) << '\n';
        } else {
            if (n > 0)
                std::cout << '\n';
            pintop::text_snapshot(std::cout, state, host, Clock::now(), printed);
        }
        std::cout.flush();
        printed = state.received();
    }
    return EXIT_SUCCESS;
}

// The screen: poll()s the events, the keyboard and the signals, ticks every
// DELAY, draws when something changed.
int interactive(const Options &o)
{
    const vpin::Fd signals = vpin::signal_fd({SIGINT, SIGTERM, SIGWINCH}, SFD_NONBLOCK);
    Tracking tracking = track();
    auto &tracker = *tracking.tracker;
    const auto &state = tracker.state();
    pintop::Host host{pintop::pind_running(), pintop::privileged(), tracking.events};
    pintop::View view;
    pintop::Context context{view, state, host.privileged};
    context.revoke = [](std::uint64_t session, std::uint32_t id) {
        vpin::Netlink netlink;
        netlink.revoke_lease(session, id);
    };
    context.control = [path = o.control](const vpin::ControlRequest &request) {
        return vpin::control(path, request);
    };
    const auto delay = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{o.delay});

    pintop::Screen screen{o.monochrome};
    auto next_tick = Clock::now() + delay;
    auto draw_at = Clock::now();
    auto last_draw = Clock::now();
    bool changed = true;   // the model moved since the view was updated
    bool counting = false; // the last frame showed a countdown
    const auto tick = [&] {
        tracker.receive();
        tracking.tick();
        host.pind = pintop::pind_running();
        changed = true;
    };

    for (;;) {
        auto now = Clock::now();
        if (now >= next_tick) {
            tick();
            next_tick = now + delay;
            draw_at = now;
        }
        if (counting)
            draw_at = std::min(draw_at, last_draw + countdown_frame);
        if (now >= draw_at) {
            view.set_page(screen.page());
            if (changed || view.stale())
                view.update(state, now);
            changed = false;
            screen.draw(state, view, context, host, now);
            counting = !state.breaking(now).empty();
            last_draw = now;
            draw_at = Clock::time_point::max();
        }

        std::array<pollfd, 3> fds{
            {{tracker.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}, {signals.get(), POLLIN, 0}}};
        auto wake = std::min(next_tick, draw_at);
        if (counting)
            wake = std::min(wake, last_draw + countdown_frame);
        poll_fds(fds.data(), fds.size(), wake - Clock::now());
        now = Clock::now();

        if (fds[0].revents) {
            tracker.receive();
            changed = true;
            draw_at = std::min(draw_at, last_draw + event_frame);
        }
        if (fds[1].revents & (POLLHUP | POLLERR))
            return EXIT_SUCCESS;
        if (fds[1].revents) {
            while (const auto key = screen.key()) {
                const auto next = pintop::press(*key, context);
                // A key after this one moves in the rows of the tab this one chose.
                if (view.stale())
                    view.update(state, now);
                switch (next) {
                case pintop::Next::none: break;
                case pintop::Next::redraw: draw_at = now; break;
                case pintop::Next::refetch:
                    tick();
                    draw_at = now;
                    break;
                case pintop::Next::resize:
                    screen.resize();
                    draw_at = now;
                    break;
                case pintop::Next::quit: return EXIT_SUCCESS;
                }
            }
        }
        if (fds[2].revents) {
            while (const auto signal = vpin::read_signal(signals.get())) {
                if (*signal != SIGWINCH)
                    return EXIT_SUCCESS;
                screen.resize();
                draw_at = now;
            }
        }
    }
}

int usage_error(const std::string &sentence)
{
    fmt::print(stderr, "pintop: {}\nRun 'pintop --help' for usage.\n", sentence);
    return exit_usage;
}

int run(int argc, char **argv)
{
    CLI::App app{"Watch the vpin module's sessions, pins, leases, events and rules, and act on them "
                 "(htop for vpin). With -b, print snapshots instead.",
                 "pintop"};
    app.set_version_flag("--version",
                         fmt::format("pintop {} (vpin ABI {})", vpin::package_version(), vpin::abi_version));
    Options o;
    app.add_flag("-b,--batch", o.batch, "Print snapshots as text instead of the screen, then exit");
    app.add_option("-n,--count", o.count, "With -b: this many snapshots (default: until interrupted)")
        ->type_name("COUNT")
        ->check(CLI::Validator{[](std::string &text) -> std::string {
                                   std::uint64_t count = 0;
                                   const auto [end, error] =
                                       std::from_chars(text.data(), text.data() + text.size(), count);
                                   if (error == std::errc{} && end == text.data() + text.size() && count > 0)
                                       return {};
                                   return "'" + text + "' is not a number of snapshots (1 or more)";
                               },
                               ""});
    app.add_option("-d,--delay", o.delay, "Seconds between refreshes, at least 0.1")
        ->type_name("SECONDS")
        ->capture_default_str()
        ->check(CLI::Validator{[](std::string &text) -> std::string {
                                   try {
                                       std::size_t used = 0;
                                       const double seconds = std::stod(text, &used);
                                       if (used == text.size() && seconds >= 0.1 && seconds <= 86400)
                                           return {};
                                   } catch (const std::exception &) {
                                   }
                                   return "'" + text + "' is not a number of seconds from 0.1 to 86400";
                               },
                               ""});
    app.add_flag("-j,--json", o.json, "With -b: one JSON document per snapshot, one per line");
    app.add_flag("-m,--monochrome", o.monochrome, "No colours (as NO_COLOR=1)");
    app.add_option("--control", o.control, "pind's control socket, for editing rules (e, a)")
        ->type_name("PATH")
        ->capture_default_str();
    app.footer("Keys: h or F1 in pintop. Revoking a lease (R) and editing rules (e, a) need CAP_SYS_ADMIN; "
               "without it, pintop shows only the caller's own objects, as the module does.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        return usage_error(vpin::explain_usage(e.what()));
    }
    if ((o.json || o.count) && !o.batch)
        return usage_error(o.json ? "-j needs -b" : "-n needs -b");
    std::setlocale(LC_ALL, "");
    return o.batch ? headless(o) : interactive(o);
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        fmt::print(stderr, "pintop: {}\n", vpin::explain(e));
        return EXIT_FAILURE;
    }
}
