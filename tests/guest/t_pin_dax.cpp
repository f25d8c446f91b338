// SPDX-License-Identifier: GPL-2.0
// Pins of FS-DAX files: allowed only under an exclusive lease of the pinning
// session, on ext4 -o dax (pmem0) and xfs -o dax (pmem1).
#include "tap.hpp"
#include "util.hpp"

#include <vpin/check.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace {

using vt::pages;

constexpr size_t file_pages = 16;

// A file with every block written on a DAX file system, open O_RDWR and
// mapped shared, readable and writable.
struct DaxFile {
	DaxFile(const std::string &fs, int pmem)
		: dax(fs, pmem), path(dax.path("f")), fd(vt::make_file(path, pages(file_pages))),
		  map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0)
	{
		struct statx stx = {};
		CHECK_OK(statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
		CHECK(stx.stx_attributes & vpin::statx_attr_dax);
	}

	vt::DaxFs dax;
	std::string path;
	vt::Fd fd;
	vt::Map map;
};

using vt::take_lease;

void pin_without_lease(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	auto s = vt::open_session();
	// A lease on another file of the same file system does not count.
	auto other = vt::make_file(f.dax.path("g"), pages(1));
	take_lease(s.get(), other.get());
	vt::Baseline base;
	CHECK_REFUSED(s.get(), f.map.addr(), f.map.length(), EPERM);
	CHECK_ERRNO(vt::pin(s.get(), f.map.addr(), pages(1), 0, nullptr), EPERM);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
}

void pin_with_lease(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	auto s = vt::open_session();
	take_lease(s.get(), f.fd.get());
	vt::Baseline base;
	uint64_t ro = 0, rw = 0;
	CHECK_OK(vt::pin(s.get(), f.map.addr(), f.map.length(), 0, &ro));
	CHECK(ro != 0);
	CHECK_EQ(base.pinned(), static_cast<long>(file_pages));
	CHECK_OK(vt::pin(s.get(), f.map.addr() + pages(2), pages(4), VPIN_PIN_F_WRITE, &rw));
	CHECK(rw != 0 && rw != ro);
	CHECK_EQ(base.pinned(), static_cast<long>(file_pages) + 4);
	CHECK_OK(vt::unpin(s.get(), ro));
	CHECK_OK(vt::unpin(s.get(), rw));
	CHECK_EQ(base.pinned(), 0L);
}

void unlease_while_pinned(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	auto s = vt::open_session();
	uint64_t lease = take_lease(s.get(), f.fd.get());
	vt::Baseline base;
	uint64_t a = 0, b = 0;
	CHECK_OK(vt::pin(s.get(), f.map.addr(), pages(2), VPIN_PIN_F_WRITE, &a));
	CHECK_OK(vt::pin(s.get(), f.map.addr() + pages(8), pages(1), 0, &b));
	CHECK_ERRNO(vt::unlease(s.get(), lease), EBUSY);
	CHECK_OK(vt::unpin(s.get(), a));
	CHECK_ERRNO(vt::unlease(s.get(), lease), EBUSY);
	CHECK_EQ(base.pinned(), 1L);
	CHECK_OK(vt::unpin(s.get(), b));
	CHECK_OK(vt::unlease(s.get(), lease));
	CHECK_EQ(base.pinned(), 0L);
	CHECK(vt::fdinfo(s.get(), "lease").empty());
	CHECK_ERRNO(vt::pin(s.get(), f.map.addr(), pages(1), 0, nullptr), EPERM);
	CHECK_EQ(base.pinned(), 0L);
}

void lease_of_another_session(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	auto owner = vt::open_session();
	auto other = vt::open_session();
	take_lease(owner.get(), f.fd.get());
	vt::Baseline base;
	CHECK_REFUSED(other.get(), f.map.addr(), f.map.length(), EPERM);
	vt::Fd again(CHECK_OK(open(f.path.c_str(), O_RDWR | O_CLOEXEC)));
	CHECK_ERRNO(vt::lease(other.get(), f.fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_ERRNO(vt::lease(other.get(), again.get(), VPIN_LEASE_EXCLUSIVE, nullptr), EBUSY);
	CHECK_EQ(base.pinned(), 0L);
	CHECK(vt::fdinfo(other.get(), "lease").empty());
	uint64_t id = 0;
	CHECK_OK(vt::pin(owner.get(), f.map.addr(), f.map.length(), VPIN_PIN_F_WRITE, &id));
	CHECK_EQ(base.pinned(), static_cast<long>(file_pages));
	CHECK_OK(vt::unpin(owner.get(), id));
	CHECK_EQ(base.pinned(), 0L);
}

void close_ends_lease_and_pins(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	vt::Baseline base;
	auto first = vt::open_session();
	take_lease(first.get(), f.fd.get());
	CHECK_OK(vt::pin(first.get(), f.map.addr(), f.map.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_OK(vt::pin(first.get(), f.map.addr(), pages(1), 0, nullptr));
	CHECK_EQ(base.pinned(), static_cast<long>(file_pages) + 1);
	first.reset();
	CHECK_EQ(base.pinned(), 0L);
	auto second = vt::open_session();
	take_lease(second.get(), f.fd.get());
	uint64_t id = 0;
	CHECK_OK(vt::pin(second.get(), f.map.addr(), f.map.length(), 0, &id));
	CHECK_EQ(base.pinned(), static_cast<long>(file_pages));
	CHECK_OK(vt::unpin(second.get(), id));
	CHECK_EQ(base.pinned(), 0L);
}

void data_survives_remount(const std::string &fs, int pmem)
{
	const size_t length = pages(64);
	vt::DaxFs dax(fs, pmem);
	std::string path = dax.path("data");
	auto fd = vt::make_file(path, length, 1);
	auto s = vt::open_session();
	// Mapped before the lease: a protected file takes no new writable mapping.
	vt::Map m(length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	uint64_t lease = take_lease(s.get(), fd.get());
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, &id));
	vt::fill_pattern(m.data(), length, 42);
	const uint64_t want = vt::checksum(m.data(), length);
	CHECK_OK(msync(m.data(), length, MS_SYNC));
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_OK(vt::unlease(s.get(), lease));
	m.unmap();
	fd.reset();
	dax.remount();

	vt::Fd in(CHECK_OK(open(path.c_str(), O_RDONLY | O_CLOEXEC)));
	std::string back(length + 1, '\0');
	CHECK_EQ(read(in.get(), back.data(), back.size()), static_cast<ssize_t>(length));
	CHECK_EQ(vt::checksum(back.data(), length), want);
	std::string old(length, '\0');
	vt::fill_pattern(old.data(), length, 1);
	CHECK(vt::checksum(old.data(), length) != want);
}

void fdinfo_lists_lease_and_pin(const std::string &fs, int pmem)
{
	DaxFile f(fs, pmem);
	struct stat st;
	CHECK_OK(fstat(f.fd.get(), &st));
	const std::string dev =
		std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
	auto s = vt::open_session();
	uint64_t lease = take_lease(s.get(), f.fd.get());
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), f.map.addr() + pages(3), pages(5), VPIN_PIN_F_WRITE, &id));

	auto leases = vt::fdinfo(s.get(), "lease");
	CHECK_EQ(leases.size(), size_t{1});
	const auto &l = vt::fdinfo_entry(leases, lease);
	vt::check_field(l, "type", "exclusive");
	vt::check_field(l, "dev", dev);
	vt::check_field(l, "ino", std::to_string(st.st_ino));
	vt::check_field(l, "path", f.path);

	auto pins = vt::fdinfo(s.get(), "pin");
	CHECK_EQ(pins.size(), size_t{1});
	const auto &p = vt::fdinfo_entry(pins, id);
	vt::check_field(p, "flags", "rw");
	vt::check_field(p, "pages", "5");
	vt::check_field(p, "offset", std::to_string(pages(3)));
	vt::check_field(p, "length", std::to_string(pages(5)));
	vt::check_field(p, "dev", dev);
	vt::check_field(p, "ino", std::to_string(st.st_ino));
	vt::check_field(p, "path", f.path);
}

} // namespace

TEST("ext4-dax: pins without a lease on the file are EPERM")
{
	pin_without_lease("ext4", 0);
}

TEST("xfs-dax: pins without a lease on the file are EPERM")
{
	pin_without_lease("xfs", 1);
}

TEST("ext4-dax: under the session's lease read-only and WRITE pins succeed")
{
	pin_with_lease("ext4", 0);
}

TEST("xfs-dax: under the session's lease read-only and WRITE pins succeed")
{
	pin_with_lease("xfs", 1);
}

TEST("ext4-dax: unlease is EBUSY while pins exist, then pins are EPERM again")
{
	unlease_while_pinned("ext4", 0);
}

TEST("xfs-dax: unlease is EBUSY while pins exist, then pins are EPERM again")
{
	unlease_while_pinned("xfs", 1);
}

TEST("ext4-dax: another session's lease allows no pin here, and a second lease is EBUSY")
{
	lease_of_another_session("ext4", 0);
}

TEST("xfs-dax: another session's lease allows no pin here, and a second lease is EBUSY")
{
	lease_of_another_session("xfs", 1);
}

TEST("ext4-dax: closing the session ends its pins and lease")
{
	close_ends_lease_and_pins("ext4", 0);
}

TEST("xfs-dax: closing the session ends its pins and lease")
{
	close_ends_lease_and_pins("xfs", 1);
}

TEST("ext4-dax: data written through a pinned WRITE mapping survives a remount")
{
	data_survives_remount("ext4", 0);
}

TEST("xfs-dax: data written through a pinned WRITE mapping survives a remount")
{
	data_survives_remount("xfs", 1);
}

TEST("ext4-dax: fdinfo lists the lease and the pin")
{
	fdinfo_lists_lease_and_pin("ext4", 0);
}

TEST("xfs-dax: fdinfo lists the lease and the pin")
{
	fdinfo_lists_lease_and_pin("xfs", 1);
}
