// SPDX-License-Identifier: GPL-2.0
// VPIN_IOC_PIN and VPIN_IOC_UNPIN refusals: each has its errno, and a refused
// pin leaves nothing pinned, charged or listed.
#include "tap.hpp"
#include "util.hpp"

#include <sys/mman.h>

namespace {

using vt::pages;

int pin_raw(int session, const struct vpin_pin &p)
{
	struct vpin_pin arg = p;
	return ioctl(session, VPIN_IOC_PIN, &arg);
}

int unpin_raw(int session, const struct vpin_unpin &u)
{
	struct vpin_unpin arg = u;
	return ioctl(session, VPIN_IOC_UNPIN, &arg);
}

void check_nothing_held(int session, const vt::Baseline &base)
{
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK(vt::fdinfo(session, "pin").empty());
}

using vt::memfd;

// Request nr of a structure of size bytes, sized 8 bytes less and 8 bytes
// more, is EINVAL.
void check_other_sizes(int session, unsigned long nr, size_t size, void *arg)
{
	CHECK_ERRNO(ioctl(session, _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, nr, size - 8), arg),
		    EINVAL);
	CHECK_ERRNO(ioctl(session, _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, nr, size + 8), arg),
		    EINVAL);
}

// A pin of one page of anonymous memory, in a session of its own, for the
// unpin requests that must leave it alone.
struct OnePin {
	OnePin()
	{
		m.touch();
		CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, &id));
	}

	// The pin is still there; unpins it.
	void check_kept() const
	{
		CHECK_EQ(base.pinned(), 1L);
		CHECK_OK(vt::unpin(s.get(), id));
		CHECK_EQ(base.pinned(), 0L);
	}

	vt::Map m{pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS};
	vt::Fd s = vt::open_session();
	vt::Baseline base;
	uint64_t id = 0;
};

} // namespace

TEST("length 0 is EINVAL")
{
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), 0, EINVAL);
	check_nothing_held(s.get(), base);
}

TEST("an address or length not page aligned is EINVAL")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr() + 1, pages(1), EINVAL);
	CHECK_REFUSED(s.get(), m.addr() + pages(1) / 2, pages(2), EINVAL);
	CHECK_REFUSED(s.get(), m.addr(), pages(1) + 1, EINVAL);
	CHECK_REFUSED(s.get(), m.addr(), pages(3) - 8, EINVAL);
	CHECK_REFUSED(s.get(), m.addr(), 1, EINVAL);
	check_nothing_held(s.get(), base);
}

TEST("addr + length wrapping around is EOVERFLOW")
{
	vt::Map m(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	const uint64_t top = ~uint64_t{0} - pages(1) + 1;
	CHECK_REFUSED(s.get(), m.addr(), top, EOVERFLOW);
	CHECK_REFUSED(s.get(), m.addr() + pages(1), ~uint64_t{0} - m.addr() + 1, EOVERFLOW);
	check_nothing_held(s.get(), base);
}

TEST("a kernel address is EFAULT")
{
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), 0xffff888000000000ull, pages(1), EFAULT);
	CHECK_REFUSED(s.get(), 0xffffffff81000000ull, pages(16), EFAULT);
	check_nothing_held(s.get(), base);
}

TEST("a range beyond the user address space is EFAULT")
{
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), (1ull << 47) - pages(1), pages(2), EFAULT);
	CHECK_REFUSED(s.get(), 1ull << 47, pages(1), EFAULT);
	CHECK_REFUSED(s.get(), 1ull << 56, pages(1), EFAULT);
	CHECK_REFUSED(s.get(), 1ull << 63, pages(1), EFAULT);
	check_nothing_held(s.get(), base);
}

TEST("a range with an unmapped hole or end is EFAULT")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	CHECK_OK(munmap(m.data() + pages(1), pages(1)));
	CHECK_OK(munmap(m.data() + pages(3), pages(1)));
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), pages(3), EFAULT);
	CHECK_REFUSED(s.get(), m.addr() + pages(1), pages(1), EFAULT);
	CHECK_REFUSED(s.get(), m.addr() + pages(2), pages(2), EFAULT);
	CHECK_REFUSED(s.get(), m.addr(), pages(4), EFAULT);
	check_nothing_held(s.get(), base);
}

TEST("a PROT_NONE page in the range is EACCES")
{
	vt::Map m(pages(3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	CHECK_OK(mprotect(m.data() + pages(2), pages(1), PROT_NONE));
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), pages(3), EACCES);
	CHECK_REFUSED(s.get(), m.addr() + pages(2), pages(1), EACCES);
	check_nothing_held(s.get(), base);
}

TEST("a WRITE pin of memory mapped without PROT_WRITE is EACCES")
{
	vt::Map anon(pages(3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	CHECK_OK(mprotect(anon.data() + pages(1), pages(2), PROT_READ));
	auto fd = memfd(pages(2));
	vt::Map shm(pages(2), PROT_READ, MAP_SHARED, fd.get(), 0);
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_ERRNO(vt::pin(s.get(), anon.addr() + pages(1), pages(2), VPIN_PIN_F_WRITE, nullptr),
		    EACCES);
	// The first page is writable, the rest is not.
	CHECK_ERRNO(vt::pin(s.get(), anon.addr(), pages(3), VPIN_PIN_F_WRITE, nullptr), EACCES);
	CHECK_ERRNO(vt::pin(s.get(), shm.addr(), shm.length(), VPIN_PIN_F_WRITE, nullptr), EACCES);
	check_nothing_held(s.get(), base);
}

TEST("a range over two files is EXDEV")
{
	auto a = memfd(pages(1));
	auto b = memfd(pages(1));
	vt::Map m(pages(2), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.place(0, pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, a.get(), 0);
	m.place(pages(1), pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, b.get(), 0);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), m.length(), EXDEV);
	check_nothing_held(s.get(), base);
}

TEST("a range over two mappings of one file whose offsets do not follow on is EXDEV")
{
	auto fd = memfd(pages(4));
	vt::Map m(pages(2), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	// Pages 2 and 0 of the file, in that order; then pages 0 and 1.
	m.place(0, pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), vt::offset(2));
	m.place(pages(1), pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), m.length(), EXDEV);
	check_nothing_held(s.get(), base);
	m.place(0, pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	m.place(pages(1), pages(1), PROT_READ, MAP_SHARED, fd.get(), vt::offset(1));
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, &id));
	CHECK_OK(vt::unpin(s.get(), id));
}

TEST("a range over a file and anonymous memory is EXDEV")
{
	auto fd = memfd(pages(1));
	vt::Map m(pages(3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.place(pages(1), pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), pages(2), EXDEV);
	CHECK_REFUSED(s.get(), m.addr() + pages(1), pages(2), EXDEV);
	CHECK_REFUSED(s.get(), m.addr(), pages(3), EXDEV);
	check_nothing_held(s.get(), base);
}

TEST("unknown flag bits are EINVAL")
{
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	for (uint32_t flag = __VPIN_PIN_F_ALL + 1; flag; flag <<= 1)
		if (!(flag & __VPIN_PIN_F_ALL))
			CHECK_ERRNO(vt::pin(s.get(), m.addr(), m.length(), flag, nullptr), EINVAL);
	CHECK_ERRNO(vt::pin(s.get(), m.addr(), m.length(), ~uint32_t{0}, nullptr), EINVAL);
	check_nothing_held(s.get(), base);
}

TEST("non-zero reserved fields of vpin_pin are EINVAL")
{
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	struct vpin_pin p = {};
	p.addr = m.addr();
	p.length = m.length();
	p.reserved0 = 1;
	CHECK_ERRNO(pin_raw(s.get(), p), EINVAL);
	p.reserved0 = 0;
	for (auto &r : p.reserved) {
		r = 1ull << 63;
		CHECK_ERRNO(pin_raw(s.get(), p), EINVAL);
		r = 0;
	}
	check_nothing_held(s.get(), base);
}

TEST("VPIN_IOC_PIN with another structure size is EINVAL")
{
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	struct {
		struct vpin_pin p;
		uint64_t extra;
	} buf = {};
	buf.p.addr = m.addr();
	buf.p.length = m.length();
	const unsigned long nr = _IOC_NR(VPIN_IOC_PIN);
	check_other_sizes(s.get(), nr, sizeof(struct vpin_pin), &buf);
	CHECK_ERRNO(ioctl(s.get(), _IOW(VPIN_IOC_MAGIC, nr, struct vpin_pin), &buf), EINVAL);
	check_nothing_held(s.get(), base);
}

TEST("a vpin_pin that cannot be read or written back is EFAULT")
{
	vt::Map m(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	vt::Map arg(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	auto *p = reinterpret_cast<struct vpin_pin *>(arg.data());
	*p = {};
	p->addr = m.addr();
	p->length = m.length();
	CHECK_OK(mprotect(arg.data(), arg.length(), PROT_READ));
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_PIN, nullptr), EFAULT);
	// Readable, so the pin could be made, but the id cannot be returned.
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_PIN, p), EFAULT);
	CHECK_EQ(p->id, uint64_t{0});
	check_nothing_held(s.get(), base);
}

TEST("an unknown pin id is ENOENT")
{
	vt::Map m(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	auto other = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::pin(other.get(), m.addr(), m.length(), 0, &id));
	vt::Baseline base;
	CHECK_ERRNO(vt::unpin(s.get(), 0), ENOENT);
	CHECK_ERRNO(vt::unpin(s.get(), id), ENOENT);
	CHECK_ERRNO(vt::unpin(s.get(), id + 1), ENOENT);
	CHECK_ERRNO(vt::unpin(other.get(), id | 1ull << 32), ENOENT);
	CHECK_ERRNO(vt::unpin(s.get(), ~uint64_t{0}), ENOENT);
	CHECK_ERRNO(vt::unpin(other.get(), 0), ENOENT);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(vt::fdinfo(other.get(), "pin").size(), size_t{1});
	CHECK_OK(vt::unpin(other.get(), id));
	CHECK_EQ(base.pinned(), -1L);
}

TEST("a second unpin of the same id is ENOENT")
{
	vt::Map m(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	vt::Baseline base;
	uint64_t a = 0, b = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(1), 0, &a));
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(2), 0, &b));
	CHECK_OK(vt::unpin(s.get(), a));
	CHECK_ERRNO(vt::unpin(s.get(), a), ENOENT);
	CHECK_EQ(base.pinned(), 2L);
	CHECK_OK(vt::unpin(s.get(), b));
	CHECK_ERRNO(vt::unpin(s.get(), b), ENOENT);
	CHECK_EQ(base.pinned(), 0L);
}

TEST("unpin with flags or reserved fields set is EINVAL and keeps the pin")
{
	OnePin p;
	struct vpin_unpin u = {};
	u.id = p.id;
	u.flags = 1;
	CHECK_ERRNO(unpin_raw(p.s.get(), u), EINVAL);
	u.flags = 1u << 31;
	CHECK_ERRNO(unpin_raw(p.s.get(), u), EINVAL);
	u.flags = 0;
	u.reserved0 = 1;
	CHECK_ERRNO(unpin_raw(p.s.get(), u), EINVAL);
	u.reserved0 = 0;
	u.reserved[1] = 1;
	CHECK_ERRNO(unpin_raw(p.s.get(), u), EINVAL);
	p.check_kept();
}

TEST("VPIN_IOC_UNPIN with another structure size is EINVAL and keeps the pin")
{
	OnePin p;
	struct {
		struct vpin_unpin u;
		uint64_t extra;
	} buf = {};
	buf.u.id = p.id;
	check_other_sizes(p.s.get(), _IOC_NR(VPIN_IOC_UNPIN), sizeof(struct vpin_unpin), &buf);
	p.check_kept();
}
