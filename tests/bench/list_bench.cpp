// SPDX-License-Identifier: GPL-2.0
// Listing many pins, in the test guest: one session holds 100,000 pins of
// anonymous memory (--short: 10,000), listed by the raw VPIN_CMD_GET_PINS
// dump (messages received, nothing parsed), by the library's parsed dump,
// by `pinctl list pins -j` (run as a program, its output discarded), and by
// reading the session's fdinfo, each checked to list every pin; and what
// pintop does with them: a refresh of its model (every dump), a tick
// subscribed to the events (what they leave unknown), and one screen of
// its Pins tab, of which only the visible rows are formatted.
#include "bench.hpp"
#include "tap.hpp"
#include "util.hpp"

#include <vpin/netlink.hpp>
#include <vpin/state.hpp>

#include <view.hpp>

#include <cstring>
#include <fcntl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr size_t page_count = 16;

// One raw dump of every pin: the number of pins it held.
size_t raw_dump()
{
	nl_sock *sk = nl_socket_alloc();
	CHECK(sk != nullptr);
	CHECK_EQ(genl_connect(sk), 0);
	const int family = genl_ctrl_resolve(sk, VPIN_GENL_NAME);
	CHECK(family > 0);
	nl_msg *msg = nlmsg_alloc();
	CHECK(msg != nullptr);
	CHECK(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP,
			  VPIN_CMD_GET_PINS, VPIN_GENL_VERSION) != nullptr);
	CHECK(nl_send_auto(sk, msg) >= 0);
	nlmsg_free(msg);
	const int fd = nl_socket_get_fd(sk);
	std::vector<char> buf(1 << 20);
	size_t pins = 0;
	for (bool done = false; !done;) {
		const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
		CHECK(n > 0);
		int left = static_cast<int>(n);
		for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data()); nlmsg_ok(h, left);
		     h = nlmsg_next(h, &left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			CHECK(h->nlmsg_type != NLMSG_ERROR);
			// Each message holds one or more VPIN_A_PIN attributes.
			nlattr *a;
			int rem;
			nla_for_each_attr(a, genlmsg_attrdata(static_cast<genlmsghdr *>(nlmsg_data(h)), 0),
					  genlmsg_attrlen(static_cast<genlmsghdr *>(nlmsg_data(h)), 0), rem)
				pins += nla_type(a) == VPIN_A_PIN;
		}
	}
	nl_socket_free(sk);
	return pins;
}

// pinctl list pins -j, its output discarded: its exit status.
int pinctl_list()
{
	const std::string pinctl = vt::pinctl();
	const pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		const int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execl(pinctl.c_str(), "pinctl", "list", "pins", "-j", static_cast<char *>(nullptr));
		_exit(127);
	}
	int status = 0;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The session's fdinfo, read whole: the number of pin lines.
size_t fdinfo_pins(int session)
{
	vt::Fd fd = vt::open_file("/proc/self/fdinfo/" + std::to_string(session), O_RDONLY);
	std::string all;
	std::vector<char> buf(1 << 20);
	for (ssize_t n; (n = read(fd.get(), buf.data(), buf.size())) != 0;) {
		CHECK(n > 0);
		all.append(buf.data(), static_cast<size_t>(n));
	}
	size_t pins = 0;
	for (size_t at = 0; (at = all.find("\npin:", at)) != std::string::npos; at++)
		pins++;
	return pins;
}

} // namespace

int main(int argc, char **argv)
{
	const bool quick = argc > 1 && std::strcmp(argv[1], "--short") == 0;
	const size_t count = quick ? 10000 : 100000;
	const int runs = quick ? 3 : 5;
	return bench::run("vpin-bench-list", [&] {
		bench::heading("listing pins");
		vt::Map m(vt::pages(page_count), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		m.touch();
		auto s = vt::open_session();
		const int64_t t0 = vt::now_ns();
		for (size_t i = 0; i < count; i++) {
			uint64_t id = 0;
			CHECK_OK(vt::pin(s.get(), m.addr() + vt::pages(i % page_count), vt::pages(1), 0,
					 &id));
		}
		const double pin_us = static_cast<double>(vt::now_ns() - t0) / 1e3 /
				      static_cast<double>(count);

		const std::string n = std::to_string(count) + " pins";
		bench::Table t("listing " + n + " of one session", "ms",
			       bench::Table::Columns::MinMedianMax);
		const bench::Figure raw = bench::measure(runs, [&] { CHECK_EQ(raw_dump(), count); });
		const bench::Figure lib =
			bench::measure(runs, [&] { CHECK_EQ(vpin::Netlink{}.pins().size(), count); });
		const bench::Figure tool = bench::measure(runs, [&] { CHECK_EQ(pinctl_list(), 0); });
		const bench::Figure info =
			bench::measure(runs, [&] { CHECK_EQ(fdinfo_pins(s.get()), count); });
		t.row("raw netlink dump (GET_PINS)", raw);
		t.row("library: vpin::Netlink::pins()", lib, &raw, "raw dump");
		t.row("pinctl list pins -j > /dev/null", tool, &raw, "raw dump");
		t.row("fdinfo, read whole", info, &raw, "raw dump");

		vpin::StateTracker tracker;
		const bench::Figure refresh = bench::measure(runs, [&] { tracker.refresh(); });
		// Subscribed to the events, pintop's tick asks only for what no
		// event announces; the pins' events were dropped (the receive
		// buffer overran), and the first receive() reads everything again.
		tracker.receive();
		const bench::Figure tick = bench::measure(runs, [&] {
			CHECK(!tracker.receive().resynced());
			tracker.poll();
		});
		CHECK_EQ(tracker.state().pin_refs({}, {}, vpin::State::Clock::now()).size(), count);
		pintop::View view(pintop::Tab::pins);
		view.set_page(50);
		const bench::Figure screen = bench::measure(runs, [&] {
			const auto now = vpin::State::Clock::now();
			view.update(tracker.state(), now);
			CHECK_EQ(view.size(), count);
			CHECK_EQ(view.visible(tracker.state(), now).size(), size_t{50});
		});
		t.row("pintop: a refresh of its model (every dump)", refresh, &raw, "raw dump");
		t.row("pintop: a tick with events (what they leave unknown)", tick, &raw,
		      "raw dump");
		t.row("pintop: a screen of the Pins tab (50 rows)", screen, &raw, "raw dump");
		std::printf("(pinned at %.1f us a pin)\n", pin_us);
	});
}
