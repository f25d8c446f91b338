// SPDX-License-Identifier: GPL-2.0
// The cost of the policy check, in the test guest: pin + unpin of one page
// of anonymous memory, and lease + pin + unpin + unlease of a page of an
// FS-DAX file, with no rule set, one rule, and 1000 rules loaded that all
// could decide it (none matches; each names root among its users and a
// directory, so the file's parent directories are walked too), the three
// taking turns. Prints the median and p99 per operation in microseconds and
// the ratio to no rules.
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
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <vector>

namespace {

constexpr int iterations = 2000;
constexpr int rounds = 10;

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
	// The three sets take turns, so that drift over the run (the guest's
	// caches, the host's load) falls on each alike.
	const vpin::Policy *sets[] = {nullptr, &one, &thousand};
	std::vector<double> anon_us[3], dax_us[3];
	vpin::Netlink nl;
	for (int round = 0; round < rounds; round++) {
		for (int i = 0; i < 3; i++) {
			nl.set_policy(sets[i]);
			for (int j = 0; j < iterations / rounds; j++) {
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
	const bench::Figure anon0 = bench::figure(anon_us[0]), anon_one = bench::figure(anon_us[1]),
			    anon1 = bench::figure(anon_us[2]);
	const bench::Figure dax0 = bench::figure(dax_us[0]), dax_one = bench::figure(dax_us[1]),
			    dax1 = bench::figure(dax_us[2]);
	bench::Table t("the policy check, per operation", "us", bench::Table::Columns::MedianP99);
	t.row("pin + unpin, 1 page anonymous, no rules", anon0);
	t.row("  with 1 rule", anon_one, &anon0, "no rules");
	t.row("  with 1000 rules", anon1, &anon0, "no rules");
	t.row("lease + pin + unpin + unlease, DAX, no rules", dax0);
	t.row("  with 1 rule", dax_one, &dax0, "no rules");
	t.row("  with 1000 rules", dax1, &dax0, "no rules");
}

} // namespace

int main()
{
	return bench::run("vpin-bench-policy", [] {
		bench::heading("the policy check");
		run();
	});
}
