// SPDX-License-Identifier: GPL-2.0
// The cost of the policy check, in the test guest: pin + unpin of one page
// of anonymous memory, and lease + pin + unpin + unlease of a page of an
// FS-DAX file, with no rule set, one rule, and 1000 rules loaded that all
// could decide it (none matches; each names root among its users and a
// directory, so the file's parent directories are walked too). Prints the
// median and p99 per operation in microseconds and the ratio to no rules.
// Run by tests/bench/run.
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

struct Figure {
	double median, p99;
};

Figure measure(const std::function<void()> &op)
{
	std::vector<double> us;
	us.reserve(iterations);
	for (int i = 0; i < iterations; i++) {
		const int64_t t0 = vt::now_ns();
		op();
		us.push_back(static_cast<double>(vt::now_ns() - t0) / 1e3);
	}
	std::sort(us.begin(), us.end());
	return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

void print(const std::string &name, const Figure &f, const Figure *ref)
{
	std::printf("%-46s %9.1f %9.1f", name.c_str(), f.median, f.p99);
	if (ref)
		std::printf("   %6.2fx", f.median / ref->median);
	std::printf("\n");
}

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

int bench()
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

	vpin::Netlink nl;
	nl.set_policy(nullptr);
	std::printf("policy check (%s, TCG), us per operation     median       p99   vs none\n",
		    vt::kernel_release().c_str());
	const Figure anon0 = measure(pin_anon), dax0 = measure(lease_pin);
	// Directories the rules name (they must exist), none above the file.
	for (int i = 0; i < 1000; i++)
		CHECK_OK(mkdir(fs.path("d" + std::to_string(i)).c_str(), 0755));
	vpin::Policy one = thousand_rules(fs.mountpoint());
	one.rules.resize(1);
	nl.set_policy(&one);
	const Figure anon_one = measure(pin_anon), dax_one = measure(lease_pin);
	const vpin::Policy p = thousand_rules(fs.mountpoint());
	nl.set_policy(&p);
	const Figure anon1 = measure(pin_anon), dax1 = measure(lease_pin);
	nl.set_policy(nullptr);
	print("pin + unpin, 1 page anonymous, no rules", anon0, nullptr);
	print("  with 1 rule", anon_one, &anon0);
	print("  with 1000 rules", anon1, &anon0);
	print("lease + pin + unpin + unlease, DAX, no rules", dax0, nullptr);
	print("  with 1 rule", dax_one, &dax0);
	print("  with 1000 rules", dax1, &dax0);
	return 0;
}

} // namespace

int main()
{
	try {
		return bench();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "vpin-bench-policy: %s\n", e.what());
		return 1;
	}
}
