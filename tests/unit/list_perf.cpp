// SPDX-License-Identifier: GPL-2.0
// Listing many pins without the module: a synthetic VPIN_CMD_GET_PINS dump
// (pin_dump.hpp) of COUNT pins of one session (default 100,000) goes
// through what tests/bench/list_bench.cpp measures in the test guest:
// parsing it as vpin::Netlink::pins() does, `pinctl list pins -j` and
// `pinctl list pins` printing it, a refresh of pintop's model
// (vpin::StateTracker) and a screen of pintop's Pins tab (View::update()
// and visible()), made anew, kept, and after a change. Prints the best and
// the median of RUNS runs (default 5) of each, after one more to warm up,
// in milliseconds; checks that every stage saw every pin, and exits 1 if
// one did not.
#include "pin_dump.hpp"

#include <view.hpp>

#include <vpin/parse.hpp>
#include <vpin/print.hpp>
#include <vpin/state.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using Messages = std::vector<test::DumpMessage>;

bool failed = false;

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "list_perf: %s\n", what);
        failed = true;
    }
}

std::vector<vpin::Pin> parse(const Messages &messages)
{
    std::vector<vpin::Pin> pins;
    for (const auto &msg : messages)
        vpin::parse_pins(nlmsg_hdr(msg.get()), pins);
    return pins;
}

// One session holding the pins of the dump that `messages` points to.
class DumpSource final : public vpin::StateSource {
public:
    explicit DumpSource(const Messages *const &messages) : messages_{messages} {}

    [[nodiscard]] int fd() const override { return -1; }
    bool receive(const std::function<void(const vpin::Event &)> &) override { return true; }
    vpin::Status status() override { return {}; }
    std::vector<vpin::Session> sessions() override
    {
        vpin::Session session;
        session.id = 1;
        session.pid = 4242;
        session.uid = 1000;
        session.comm = "list-perf";
        return {session};
    }
    std::vector<vpin::Pin> pins(std::optional<std::uint64_t>) override { return parse(*messages_); }
    std::vector<vpin::Lease> leases(std::optional<std::uint64_t>) override { return {}; }
    vpin::PolicyState policy() override { return {}; }
    std::vector<vpin::Usage> usage() override { return {}; }

private:
    const Messages *const &messages_;
};

void measure(const char *name, int runs, const std::function<void()> &run)
{
    std::vector<double> ms;
    run(); // warm: the heap grown, the code and the dump in the caches
    for (int i = 0; i < runs; i++) {
        const auto start = std::chrono::steady_clock::now();
        run();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                         .count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%-60s %9.2f %9.2f\n", name, ms.front(), ms[ms.size() / 2]);
}

} // namespace

int main(int argc, char **argv)
{
    const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    const auto all = test::synthetic_pins(count);
    const Messages messages = test::pin_dump(all);
    // The same less one pin: a dump after a change.
    auto less = all;
    less.erase(less.begin() + static_cast<std::ptrdiff_t>(count / 2));
    const Messages fewer = test::pin_dump(less);
    std::ofstream null{"/dev/null"};

    std::printf("%zu pins in %zu messages; ms, best and median of %d runs\n", count, messages.size(), runs);
    std::printf("%-60s %9s %9s\n", "stage", "best", "median");
    measure("parse (vpin::Netlink::pins())", runs, [&] { check(parse(messages).size() == count, "parse"); });
    const auto pins = parse(messages);
    measure("pinctl list pins -j: print", runs,
            [&] { vpin::print::list(null, pins, vpin::print::Format::json); });
    measure("pinctl list pins -j: parse and print", runs,
            [&] { vpin::print::list(null, parse(messages), vpin::print::Format::json); });
    measure("pinctl list pins: print", runs,
            [&] { vpin::print::list(null, pins, vpin::print::Format::text); });

    const Messages *dump = &messages;
    vpin::StateTracker tracker{std::make_unique<DumpSource>(dump)};
    measure("pintop: StateTracker::refresh()", runs, [&] {
        tracker.refresh();
        check(tracker.state().totals().pins == count, "refresh");
    });
    pintop::View view{pintop::Tab::pins};
    view.set_page(50);
    std::size_t expected = count; // the rows of the view
    const auto screen = [&] {
        const auto now = vpin::State::Clock::now();
        view.update(tracker.state(), now);
        check(view.size() == expected, "view size");
        check(view.visible(tracker.state(), now).size() == std::min<std::size_t>(expected, 50), "visible");
    };
    // The view made again, though nothing changed.
    const auto anew = [&] {
        view.set_filter(view.filter());
        screen();
    };
    // A refresh of the dump less one pin, or of the whole again, and a screen.
    const auto changed = [&] {
        dump = dump == &messages ? &fewer : &messages;
        expected = dump == &messages ? count : count - 1;
        tracker.refresh();
        screen();
    };
    measure("pintop: View::update() + visible(), unchanged", runs, screen);
    measure("pintop: View::update() + visible(), made anew", runs, anew);
    measure("pintop: refresh, then View::update() + visible()", runs, [&] {
        tracker.refresh();
        screen();
    });
    measure("pintop: refresh after a change, View::update() + visible()", runs, changed);
    view.sort_next(1);
    view.sort_next(1);
    measure("pintop: sorted by command, View::update() + visible() anew", runs, anew);
    measure("pintop: sorted by command, refresh after a change, update", runs, changed);
    view.sort_next(1);
    view.sort_next(1);
    measure("pintop: sorted by age (made anew each time), update", runs, screen);
    view.sort_next(1);
    measure("pintop: sorted by path, View::update() + visible() anew", runs, anew);
    dump = &messages;
    tracker.refresh();
    view.set_filter("volume-3");
    expected = static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](const vpin::Pin &pin) {
        return pin.file && pin.file->path.find("volume-3") != std::string::npos;
    }));
    measure("pintop: filtered by path, View::update() + visible() anew", runs, anew);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
