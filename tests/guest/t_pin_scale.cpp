// SPDX-License-Identifier: GPL-2.0
// One session holding 100,000 pins.
#include "tap.hpp"
#include "util.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sys/mman.h>

namespace {

constexpr size_t pin_count = 100000;
constexpr size_t page_count = 16;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t)
{
	return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fmt(double s)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.2f", s);
	return buf;
}

// Pins the pages of m one at a time, round robin, pin_count times; every
// other pin is a WRITE pin. Returns the ids.
std::vector<uint64_t> pin_many(int session, const vt::Map &m)
{
	const size_t page = static_cast<size_t>(vt::page_size());
	std::vector<uint64_t> ids(pin_count);
	for (size_t i = 0; i < pin_count; i++) {
		const uint32_t flags = i % 2 ? VPIN_PIN_F_WRITE : 0;
		if (vt::pin(session, m.addr() + page * (i % page_count), page, flags, &ids[i]) < 0)
			tap::fail("pin " + std::to_string(i) + ": " + tap::errno_name(errno), __FILE__,
				  __LINE__);
	}
	std::vector<uint64_t> sorted = ids;
	std::sort(sorted.begin(), sorted.end());
	CHECK(sorted.front() != 0);
	CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
	return ids;
}

void pin_and_unpin_shuffled()
{
	vt::Map m(page_count * static_cast<size_t>(vt::page_size()), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	auto t0 = Clock::now();
	auto ids = pin_many(s.get(), m);
	const double pin_s = seconds_since(t0);
	CHECK_EQ(base.pinned(), static_cast<long>(pin_count));
	std::shuffle(ids.begin(), ids.end(), std::mt19937(1));
	t0 = Clock::now();
	for (size_t i = 0; i < ids.size(); i++)
		if (vt::unpin(s.get(), ids[i]) < 0)
			tap::fail("unpin " + std::to_string(i) + ": " + tap::errno_name(errno),
				  __FILE__, __LINE__);
	const double unpin_s = seconds_since(t0);
	tap::note(std::to_string(pin_count) + " pins in " + fmt(pin_s) + " s, unpins in " +
		  fmt(unpin_s) + " s");
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
	CHECK_ERRNO(vt::unpin(s.get(), ids[0]), ENOENT);
}

void list_and_close()
{
	vt::Map m(page_count * static_cast<size_t>(vt::page_size()), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	auto ids = pin_many(s.get(), m);
	CHECK_EQ(base.pinned(), static_cast<long>(pin_count));
	auto t0 = Clock::now();
	auto pins = vt::fdinfo(s.get(), "pin");
	const double fdinfo_s = seconds_since(t0);
	CHECK_EQ(pins.size(), pin_count);
	std::vector<uint64_t> listed;
	for (const auto &p : pins)
		listed.push_back(std::stoull(p.at("id")));
	std::sort(listed.begin(), listed.end());
	std::sort(ids.begin(), ids.end());
	CHECK(listed == ids);
	t0 = Clock::now();
	s.reset();
	const double close_s = seconds_since(t0);
	tap::note("fdinfo of " + std::to_string(pin_count) + " pins read in " + fmt(fdinfo_s) +
		  " s, close in " + fmt(close_s) + " s");
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
}

// TCG is slow: ten minutes each instead of the default timeout.
tap::Register shuffled("100000 pins in one session, unpinned in shuffled order",
		       pin_and_unpin_shuffled, 600);
tap::Register closed("100000 pins are listed in fdinfo and released by closing the session",
		     list_and_close, 600);

} // namespace
