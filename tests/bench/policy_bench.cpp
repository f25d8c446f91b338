// SPDX-License-Identifier: GPL-2.0
// The cost of the policy check, in the test guest: pin + unpin of one page
// of anonymous memory, and lease + pin + unpin + unlease of a page of an
// FS-DAX file, with no rule set, one rule, and 1000 rules loaded that all
// could decide it (none matches; each names root among its users and a
// directory, so the file's parent directories are walked too), taking
// turns with a second run without rules, the control: its ratio to the
// first is the noise of the measurement, against which the ratios of the
// rule sets are to be read. Prints the median and p99 per operation in
// microseconds and the ratio to no rules.
// Run by tests/bench/run.
#include "bench.hpp"
#include "tap.hpp"
#include "util.hpp"

#include <vpin/netlink.hpp>
#include <vpin/policy.hpp>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <iterator>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <vector>

namespace {

constexpr int rounds = 50;
constexpr int per_round = 200;

vpin::Policy thousand_rules(const std::string &mnt)
{
	vpin::Policy p;
	p.defaults.allow = __VPIN_ALLOW_ALL;
	for (int i = 0; i < 1000; i++) {
		vpin::Rule r;
		r.name = "r" + std::to_string(i);
		r.users = {static_cast<uint32_t>(100000 + i), 0};
		r.paths = {mnt + "/d" + std::to_string(i)};
		r.allow = 0;
		p.rules.push_back(r);
	}
	return p;
}

void run()
{
	vt::DaxFs fs("ext4", 1);
	const std::string path = fs.path("f");
	vt::Fd file = vt::make_file(path, vt::pages(16));
	vt::Map anon(vt::pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	vt::Map dax(vt::pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, file.get());
	auto s = vt::open_session();

	auto pin_anon = [&] {
		uint64_t id = 0;
		CHECK_OK(vt::pin(s.get(), anon.addr(), anon.length(), 0, &id));
		CHECK_OK(vt::unpin(s.get(), id));
	};
	auto lease_pin = [&] {
		uint64_t lid = 0, pid = 0;
		CHECK_OK(vt::lease(s.get(), file.get(), VPIN_LEASE_BREAKABLE, &lid));
		CHECK_OK(vt::pin(s.get(), dax.addr(), dax.length(), 0, &pid));
		CHECK_OK(vt::unpin(s.get(), pid));
		CHECK_OK(vt::unlease(s.get(), lid));
	};

	// Directories the rules name (they must exist), none above the file.
	for (int i = 0; i < 1000; i++)
		CHECK_OK(mkdir(fs.path("d" + std::to_string(i)).c_str(), 0755));
	vpin::Policy one = thousand_rules(fs.mountpoint());
	one.rules.resize(1);
	const vpin::Policy thousand = thousand_rules(fs.mountpoint());
	// The sets take turns, so that drift over the run (the guest's
	// caches, the host's load) falls on each alike, in an order rotated
	// every round, so that none always follows the same one.
	const vpin::Policy *sets[] = {nullptr, &one, &thousand, nullptr};
	constexpr size_t n = std::size(sets);
	std::vector<double> anon_us[n], dax_us[n];
	vpin::Netlink nl;
	for (int round = 0; round < rounds; round++) {
		for (size_t turn = 0; turn < n; turn++) {
			const size_t i = (turn + static_cast<size_t>(round)) % n;
			nl.set_policy(sets[i]);
			for (int j = 0; j < per_round; j++) {
				int64_t t0 = vt::now_ns();
				pin_anon();
				anon_us[i].push_back(static_cast<double>(vt::now_ns() - t0) / 1e3);
				t0 = vt::now_ns();
				lease_pin();
				dax_us[i].push_back(static_cast<double>(vt::now_ns() - t0) / 1e3);
			}
		}
	}
	nl.set_policy(nullptr);
	bench::Table t("the policy check, per operation", "us", bench::Table::Columns::MedianP99);
	const char *what[] = {"pin + unpin, 1 page anonymous", "lease + pin + unpin + unlease, DAX"};
	const std::vector<double> *samples[] = {anon_us, dax_us};
	for (size_t k = 0; k < std::size(what); k++) {
		const bench::Figure none = bench::figure(samples[k][0]);
		t.row(std::string(what[k]) + ", no rules", none);
		t.row("  no rules again (control)", bench::figure(samples[k][3]), &none, "no rules");
		t.row("  with 1 rule", bench::figure(samples[k][1]), &none, "no rules");
		t.row("  with 1000 rules", bench::figure(samples[k][2]), &none, "no rules");
	}
}

} // namespace

int main()
{
	return bench::run("vpin-bench-policy", [] {
		bench::heading("the policy check");
		run();
	});
}
