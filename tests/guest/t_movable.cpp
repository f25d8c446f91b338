// SPDX-License-Identifier: GPL-2.0
// Run by tests/run-all in a guest booted with most memory in ZONE_MOVABLE
// (movablecore=): the copy-on-write pages of a private FS-DAX mapping land
// there, and a long-term pin of them is refused, since vpin cannot migrate
// them as the kernel would for FOLL_LONGTERM. Ordinary anonymous memory is
// migrated by the kernel and pinned as usual.
#include "tap.hpp"
#include "util.hpp"

#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mman.h>

namespace {

constexpr size_t npages = 64;

using vt::pages;

// Free pages of the Movable zone, from /proc/zoneinfo.
long movable_free()
{
	std::ifstream in("/proc/zoneinfo");
	std::string line;
	bool movable = false;
	while (std::getline(in, line)) {
		if (line.rfind("Node", 0) == 0)
			movable = line.find("zone  Movable") != std::string::npos;
		std::istringstream words(line);
		std::string key;
		long value = 0;
		if (movable && words >> key >> value && key == "nr_free_pages")
			return value;
	}
	return 0;
}

TEST("copy-on-write pages of a private DAX mapping in ZONE_MOVABLE are EOPNOTSUPP, not pinned")
{
	if (movable_free() < static_cast<long>(npages) * 4)
		tap::skip("no free ZONE_MOVABLE memory (boot with movablecore=)");
	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::Fd fd = vt::make_file(path, pages(npages));
	vt::Map priv(pages(npages), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
	priv.touch();	// every page is now an anonymous copy
	auto s = vt::open_session();
	uint64_t lease = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_BREAKABLE, &lease));
	vt::Baseline base;
	CHECK_ERRNO(vt::pin(s.get(), priv.addr(), pages(npages), VPIN_PIN_F_WRITE, nullptr),
		    EOPNOTSUPP);
	CHECK_EQ(base.pinned(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
	// Anonymous memory is migrated out of ZONE_MOVABLE by the kernel.
	vt::Map anon(pages(npages), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), anon.addr(), pages(npages), VPIN_PIN_F_WRITE, &id));
	CHECK_EQ(base.pinned(), static_cast<long>(npages));
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_OK(vt::unlease(s.get(), lease));
}

} // namespace
