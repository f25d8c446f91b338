// SPDX-License-Identifier: GPL-2.0
// How long pins live: beyond the data descriptor and the mapping, until unpin
// or the last reference to the session goes, across exit, fork and SCM_RIGHTS.
#include "tap.hpp"
#include "util.hpp"

#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <thread>

namespace {

using vt::pages;

// Pins 4 pages of a file mapping (under a lease when dax), then closes the
// file and unmaps it: the pin must still hold the pages and the mount.
// Returns the pin id.
uint64_t pin_then_drop_file(int session, const std::string &path, bool dax,
			    const vt::Baseline &base)
{
	auto fd = vt::make_file(path, pages(4));
	// Mapped before the lease: a protected file takes no new writable mapping.
	vt::Map m(pages(4), PROT_READ | (dax ? PROT_WRITE : 0), MAP_SHARED, fd.get(), 0);
	if (dax)
		CHECK_OK(vt::lease(session, fd.get(), VPIN_LEASE_EXCLUSIVE, nullptr));
	uint64_t id = 0;
	CHECK_OK(vt::pin(session, m.addr(), m.length(), dax ? VPIN_PIN_F_WRITE : 0, &id));
	fd.reset();
	m.unmap();
	CHECK_EQ(base.pinned(), 4L);
	return id;
}

// A pin of a file on fs (a vt::DaxFs or vt::PageCacheFs) outlives the file's
// descriptor and mapping: umount is EBUSY until unpin (and, on DAX, unlease).
template <typename Fs>
void pin_until_unpin(const Fs &fs, bool dax)
{
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t id = pin_then_drop_file(s.get(), fs.path("f"), dax, base);
	CHECK_ERRNO(umount(fs.mountpoint().c_str()), EBUSY);
	CHECK_EQ(base.pinned(), 4L);
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_EQ(base.pinned(), 0L);
	if (dax) {
		auto leases = vt::fdinfo(s.get(), "lease");
		CHECK_EQ(leases.size(), size_t{1});
		CHECK_OK(vt::unlease(s.get(), std::stoull(leases[0].at("id"))));
	}
	CHECK_OK(umount(fs.mountpoint().c_str()));
}

// The same until the session is closed.
template <typename Fs>
void pin_until_close(const Fs &fs, bool dax)
{
	auto s = vt::open_session();
	vt::Baseline base;
	pin_then_drop_file(s.get(), fs.path("f"), dax, base);
	CHECK_ERRNO(umount(fs.mountpoint().c_str()), EBUSY);
	s.reset();
	CHECK_EQ(base.pinned(), 0L);
	CHECK_OK(umount(fs.mountpoint().c_str()));
}

// Maps and pins anonymous and shmem pages; returns how many pages are pinned.
long pin_some(int session)
{
	vt::Map anon(pages(3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	vt::Fd memfd = vt::memfd(pages(2));
	vt::Map shm(pages(2), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
	shm.touch();
	CHECK_OK(vt::pin(session, anon.addr(), anon.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_OK(vt::pin(session, anon.addr(), pages(1), 0, nullptr));
	CHECK_OK(vt::pin(session, shm.addr(), shm.length(), VPIN_PIN_F_WRITE, nullptr));
	return 6;
}

} // namespace

TEST("page cache: a pin outlives its fd and mapping; umount is EBUSY until unpin")
{
	pin_until_unpin(vt::PageCacheFs("ext4", 0), false);
}

TEST("page cache: a pin outlives its fd and mapping; umount is EBUSY until close")
{
	pin_until_close(vt::PageCacheFs("xfs", 1), false);
}

TEST("ext4-dax: a pin outlives its fd and mapping; umount is EBUSY until unpin+unlease")
{
	pin_until_unpin(vt::DaxFs("ext4", 0), true);
}

TEST("xfs-dax: a pin outlives its fd and mapping; umount is EBUSY until unpin+unlease")
{
	pin_until_unpin(vt::DaxFs("xfs", 1), true);
}

TEST("ext4-dax: a pin outlives its fd and mapping; umount is EBUSY until close")
{
	pin_until_close(vt::DaxFs("ext4", 0), true);
}

TEST("xfs-dax: a pin outlives its fd and mapping; umount is EBUSY until close")
{
	pin_until_close(vt::DaxFs("xfs", 1), true);
}

TEST("unmapping pinned anonymous memory keeps the pin until unpin")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, &id));
	m.unmap();
	CHECK_EQ(base.pinned(), 4L);
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_EQ(base.pinned(), 0L);
}

TEST("process exit releases the pins")
{
	vt::Baseline base;
	vt::Channel ch;
	vt::Child child([&] {
		auto s = vt::open_session();
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(pin_some(s.get())));
		vt::recv_u64(ch.b.get());
	});
	long pinned = static_cast<long>(vt::recv_u64(ch.a.get()));
	CHECK_EQ(base.pinned(), pinned);
	vt::send_u64(ch.a.get(), 0);
	child.wait();
	CHECK_EQ(base.pinned(), 0L);
}

TEST("SIGKILL releases the pins")
{
	vt::Baseline base;
	vt::Channel ch;
	vt::Child child([&] {
		auto s = vt::open_session();
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(pin_some(s.get())));
		pause();
	});
	long pinned = static_cast<long>(vt::recv_u64(ch.a.get()));
	CHECK_EQ(base.pinned(), pinned);
	int status = child.kill(SIGKILL);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(base.pinned(), 0L);
}

TEST("another thread of the owner may pin")
{
	vt::Map m(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t id = 0;
	int rc = 0, err = 0;
	std::thread([&] {
		rc = vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, &id);
		err = errno;
	}).join();
	if (rc < 0)
		tap::fail("pin from a thread: " + tap::errno_name(err), __FILE__, __LINE__);
	CHECK_EQ(base.pinned(), 2L);
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_EQ(base.pinned(), 0L);
}

TEST("fork: pins stay until the child, the last holder of the session, closes it")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(1), 0, nullptr));
	vt::Channel ch;
	vt::Child child([&] {
		vt::recv_u64(ch.b.get());
		CHECK_OK(close(s.release()));
		vt::send_u64(ch.b.get(), 0);
	});
	s.reset();
	CHECK_EQ(base.pinned(), 5L);
	vt::send_u64(ch.a.get(), 0);
	vt::recv_u64(ch.a.get());
	CHECK_EQ(base.pinned(), 0L);
	child.wait();
}

TEST("fork: the child may unpin through the inherited session, but a pin is EPERM")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, &id));
	vt::Child child([&] {
		CHECK_ERRNO(vt::pin(s.get(), m.addr(), pages(1), 0, nullptr), EPERM);
		CHECK_ERRNO(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, nullptr),
			    EPERM);
		CHECK_OK(vt::unpin(s.get(), id));
	});
	child.wait();
	CHECK_EQ(base.pinned(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
	CHECK_ERRNO(vt::unpin(s.get(), id), ENOENT);
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(1), 0, nullptr));
	CHECK_EQ(base.pinned(), 1L);
}

TEST("SCM_RIGHTS: a pin from another process is EPERM while the owner lives")
{
	vt::Baseline base;
	vt::Channel ch;
	vt::Child owner([&] {
		vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		m.touch();
		auto s = vt::open_session();
		uint64_t id = 0;
		CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, &id));
		vt::send_fd(ch.b.get(), s.get());
		vt::send_u64(ch.b.get(), id);
		vt::recv_u64(ch.b.get());
	});
	vt::Fd s = vt::recv_fd(ch.a.get());
	uint64_t id = vt::recv_u64(ch.a.get());
	CHECK_EQ(base.pinned(), 4L);
	vt::Map mine(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	mine.touch();
	CHECK_REFUSED(s.get(), mine.addr(), mine.length(), EPERM);
	CHECK_EQ(base.pinned(), 4L);
	CHECK_OK(vt::unpin(s.get(), id));
	CHECK_EQ(base.pinned(), 0L);
	vt::send_u64(ch.a.get(), 0);
	owner.wait();
}

TEST("SCM_RIGHTS: once the owner is gone a pin is ESRCH, unpin and close still work")
{
	vt::Baseline base;
	vt::Channel ch;
	vt::Child owner([&] {
		vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		m.touch();
		auto s = vt::open_session();
		uint64_t a = 0, b = 0;
		CHECK_OK(vt::pin(s.get(), m.addr(), pages(1), 0, &a));
		CHECK_OK(vt::pin(s.get(), m.addr(), pages(3), VPIN_PIN_F_WRITE, &b));
		vt::send_fd(ch.b.get(), s.get());
		vt::send_u64(ch.b.get(), a);
		vt::send_u64(ch.b.get(), b);
	});
	vt::Fd s = vt::recv_fd(ch.a.get());
	uint64_t a = vt::recv_u64(ch.a.get());
	uint64_t b = vt::recv_u64(ch.a.get());
	owner.wait();
	CHECK_EQ(base.pinned(), 4L);
	vt::Map mine(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	mine.touch();
	CHECK_REFUSED(s.get(), mine.addr(), mine.length(), ESRCH);
	CHECK_EQ(base.pinned(), 4L);
	CHECK_OK(vt::unpin(s.get(), a));
	CHECK_EQ(base.pinned(), 3L);
	auto pins = vt::fdinfo(s.get(), "pin");
	CHECK_EQ(pins.size(), size_t{1});
	vt::check_field(pins[0], "id", std::to_string(b));
	s.reset();
	CHECK_EQ(base.pinned(), 0L);
}
