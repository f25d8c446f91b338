// SPDX-License-Identifier: GPL-2.0
// VPIN_IOC_PIN and VPIN_IOC_UNPIN: what may be pinned, what a pin holds, and
// how the session lists its pins in fdinfo.
#include "tap.hpp"
#include "util.hpp"

#include <fcntl.h>
#include <fstream>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace {

using vt::pages;

long count(size_t n)
{
	return static_cast<long>(n);
}

// Pins the whole mapping read-only and then for writing, checking that each
// pin holds every page, and unpins both.
void check_pins(const vt::Map &m, size_t npages)
{
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t ro = 0, rw = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, &ro));
	CHECK(ro != 0);
	CHECK_EQ(base.pinned(), count(npages));
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, &rw));
	CHECK(rw != 0 && rw != ro);
	CHECK_EQ(base.pinned(), count(2 * npages));
	CHECK_OK(vt::unpin(s.get(), ro));
	CHECK_EQ(base.pinned(), count(npages));
	CHECK_OK(vt::unpin(s.get(), rw));
	CHECK_EQ(base.pinned(), 0L);
}

// The number of VMAs that intersect [addr, addr + length).
int vmas_in(uint64_t addr, uint64_t length)
{
	std::ifstream maps("/proc/self/maps");
	std::string line;
	int n = 0;
	while (std::getline(maps, line)) {
		uint64_t start = std::stoull(line, nullptr, 16);
		uint64_t end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
		if (start < addr + length && end > addr)
			n++;
	}
	return n;
}

// Pins all of m with flags in a session of its own, checks that the pin holds
// npages pages and that unpinning releases them; returns the pin's id.
uint64_t pin_whole(const vt::Map &m, uint32_t flags, long npages)
{
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), flags, &id));
	CHECK_EQ(base.pinned(), npages);
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_EQ(base.pinned(), 0L);
	return id;
}

void check_page_cache_read_only(const std::string &fs, int pmem)
{
	vt::PageCacheFs pc(fs, pmem);
	auto fd = vt::make_file(pc.path("f"), pages(4));
	vt::Map m(pages(4), PROT_READ, MAP_SHARED, fd.get(), 0);
	CHECK(pin_whole(m, 0, 4) != 0);
}

void check_page_cache_write_refused(const std::string &fs, int pmem)
{
	vt::PageCacheFs pc(fs, pmem);
	auto fd = vt::make_file(pc.path("f"), pages(4));
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_ERRNO(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, nullptr),
		    EOPNOTSUPP);
	CHECK_ERRNO(vt::pin(s.get(), m.addr(), pages(1), VPIN_PIN_F_WRITE, nullptr), EOPNOTSUPP);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
}

} // namespace

TEST("a pin has a non-zero id and pins every page of the range")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	CHECK(pin_whole(m, 0, 4) != 0);
}

TEST("pins get distinct ids and unpin releases only the pin named")
{
	vt::Map m(pages(6), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t a = 0, b = 0, c = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(1), 0, &a));
	CHECK_OK(vt::pin(s.get(), m.addr() + pages(1), pages(2), VPIN_PIN_F_WRITE, &b));
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(6), 0, &c));
	CHECK_EQ(std::set<uint64_t>({a, b, c}).size(), size_t{3});
	CHECK(a != 0 && b != 0 && c != 0);
	CHECK_EQ(base.pinned(), 9L);
	CHECK_OK(vt::unpin(s.get(), b));
	CHECK_EQ(base.pinned(), 7L);
	CHECK_OK(vt::unpin(s.get(), c));
	CHECK_EQ(base.pinned(), 1L);
	CHECK_OK(vt::unpin(s.get(), a));
	CHECK_EQ(base.pinned(), 0L);
}

TEST("closing the session releases all its pins")
{
	vt::Map anon(pages(3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	vt::Fd memfd = vt::memfd(pages(2));
	vt::Map shm(pages(2), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
	shm.touch();
	vt::Baseline base;
	auto s = vt::open_session();
	CHECK_OK(vt::pin(s.get(), anon.addr(), anon.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_OK(vt::pin(s.get(), anon.addr(), pages(1), 0, nullptr));
	CHECK_OK(vt::pin(s.get(), shm.addr(), shm.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_EQ(base.pinned(), 6L);
	s.reset();
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
}

TEST("anonymous memory: read-only and WRITE pins")
{
	vt::Map m(pages(8), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	check_pins(m, 8);
}

TEST("a WRITE pin of anonymous memory never touched faults every page in")
{
	vt::Map m(pages(8), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	pin_whole(m, VPIN_PIN_F_WRITE, 8);
}

TEST("shmem (memfd): read-only and WRITE pins")
{
	vt::Fd memfd = vt::memfd(pages(8));
	vt::Map m(pages(8), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
	m.touch();
	check_pins(m, 8);
}

TEST("hugetlb: read-only and WRITE pins")
{
	const size_t huge = 2u << 20;
	long have = 0;
	std::ifstream("/proc/sys/vm/nr_hugepages") >> have;
	if (have < 8)
		std::ofstream("/proc/sys/vm/nr_hugepages") << 8;
	void *p = mmap(nullptr, huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		tap::skip("no 2 MiB huge page: " + tap::errno_name(errno));
	vt::Map m(p, huge);
	m.touch();
	check_pins(m, huge / pages(1));
}

TEST("page-cache file on ext4: read-only pin")
{
	check_page_cache_read_only("ext4", 0);
}

TEST("page-cache file on xfs: read-only pin")
{
	check_page_cache_read_only("xfs", 1);
}

TEST("page-cache file on ext4: WRITE pin of a shared mapping is EOPNOTSUPP")
{
	check_page_cache_write_refused("ext4", 0);
}

TEST("page-cache file on xfs: WRITE pin of a shared mapping is EOPNOTSUPP")
{
	check_page_cache_write_refused("xfs", 1);
}

TEST("private writable mapping of a page-cache file: WRITE pin of the COW pages")
{
	vt::PageCacheFs pc("ext4", 0);
	auto fd = vt::make_file(pc.path("f"), pages(4));
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
	pin_whole(m, VPIN_PIN_F_WRITE, 4);
}

TEST("a range over a VMA split by mprotect is one file: pin succeeds")
{
	vt::Fd memfd = vt::memfd(pages(4));
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
	m.touch();
	CHECK_OK(mprotect(m.data() + pages(2), pages(2), PROT_READ));
	CHECK_EQ(vmas_in(m.addr(), m.length()), 2);
	pin_whole(m, 0, 4);
}

TEST("a range over two adjacent mappings of the same file: pin succeeds")
{
	vt::PageCacheFs pc("ext4", 0);
	auto fd = vt::make_file(pc.path("f"), pages(8));
	vt::Fd again(CHECK_OK(open(pc.path("f").c_str(), O_RDWR | O_CLOEXEC)));
	vt::Map m(pages(4), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	// File pages 0-1, then file pages 2-3 mapped on their own through another
	// open of the file (a VMA with other protections, so the two are not
	// merged).
	m.place(0, pages(2), PROT_READ, MAP_SHARED, fd.get(), 0);
	m.place(pages(2), pages(2), PROT_READ | PROT_WRITE, MAP_SHARED, again.get(),
		static_cast<off_t>(pages(2)));
	CHECK_EQ(vmas_in(m.addr(), m.length()), 2);
	pin_whole(m, 0, 4);
}

TEST("a range over two anonymous VMAs: pin succeeds")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	CHECK_OK(mprotect(m.data(), pages(1), PROT_READ));
	CHECK_EQ(vmas_in(m.addr(), m.length()), 2);
	pin_whole(m, 0, 4);
}

TEST("fdinfo lists the pins of anonymous memory and drops unpinned ones")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	CHECK(vt::fdinfo(s.get(), "pin").empty());
	uint64_t rw = 0, ro = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(3), VPIN_PIN_F_WRITE, &rw));
	CHECK_OK(vt::pin(s.get(), m.addr() + pages(3), pages(1), 0, &ro));
	auto pins = vt::fdinfo(s.get(), "pin");
	CHECK_EQ(pins.size(), size_t{2});
	const auto &a = vt::fdinfo_entry(pins, rw);
	vt::check_field(a, "flags", "rw");
	vt::check_field(a, "pages", "3");
	vt::check_field(a, "length", std::to_string(pages(3)));
	vt::check_field(a, "dev", "0:0");
	vt::check_field(a, "ino", "0");
	vt::check_field(a, "path", "[anon]");
	const auto &b = vt::fdinfo_entry(pins, ro);
	vt::check_field(b, "flags", "r");
	vt::check_field(b, "pages", "1");
	vt::check_field(b, "length", std::to_string(pages(1)));
	vt::check_field(b, "path", "[anon]");
	CHECK_OK(vt::unpin(s.get(), rw));
	pins = vt::fdinfo(s.get(), "pin");
	CHECK_EQ(pins.size(), size_t{1});
	vt::check_field(pins[0], "id", std::to_string(ro));
}

TEST("fdinfo lists a file pin with its offset, device, inode and path")
{
	vt::PageCacheFs pc("ext4", 0);
	std::string path = pc.path("f");
	auto fd = vt::make_file(path, pages(8));
	struct stat st;
	CHECK_OK(fstat(fd.get(), &st));
	// File pages 1-6 mapped; the pin covers file pages 2-4.
	vt::Map m(pages(6), PROT_READ, MAP_SHARED, fd.get(), static_cast<off_t>(pages(1)));
	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr() + pages(1), pages(3), 0, &id));
	auto pins = vt::fdinfo(s.get(), "pin");
	CHECK_EQ(pins.size(), size_t{1});
	const auto &p = vt::fdinfo_entry(pins, id);
	vt::check_field(p, "flags", "r");
	vt::check_field(p, "pages", "3");
	vt::check_field(p, "offset", std::to_string(pages(2)));
	vt::check_field(p, "length", std::to_string(pages(3)));
	vt::check_field(p, "dev", std::to_string(major(st.st_dev)) + ":" +
				      std::to_string(minor(st.st_dev)));
	vt::check_field(p, "ino", std::to_string(st.st_ino));
	vt::check_field(p, "path", path);
	CHECK(vt::fdinfo(s.get(), "lease").empty());
}
