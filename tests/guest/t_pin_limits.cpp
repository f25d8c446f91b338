// SPDX-License-Identifier: GPL-2.0
// Pinned pages are charged to the address space's pinned_vm (VmPin) and,
// without CAP_IPC_LOCK, limited by RLIMIT_MEMLOCK.
#include "tap.hpp"
#include "util.hpp"

#include <fstream>
#include <grp.h>
#include <sys/mman.h>
#include <sys/resource.h>

namespace {

constexpr rlim_t memlock = 64 << 10;

using vt::pages;

// RLIMIT_MEMLOCK in pages.
long limit_pages()
{
	return static_cast<long>(memlock / static_cast<rlim_t>(vt::page_size()));
}

void set_memlock()
{
	struct rlimit rl = {memlock, memlock};
	CHECK_OK(setrlimit(RLIMIT_MEMLOCK, &rl));
}

// Becomes nobody with RLIMIT_MEMLOCK of 64 KiB and no capabilities.
void drop_privileges()
{
	vt::start_vmstat_helper();
	set_memlock();
	CHECK_OK(setgroups(0, nullptr));
	CHECK_OK(setgid(65534));
	CHECK_OK(setuid(65534));
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line))
		if (line.rfind("CapEff:", 0) == 0)
			CHECK_EQ(std::stoull(line.substr(7), nullptr, 16), 0ull);
}

uint64_t page_addr(const vt::Map &m, size_t page)
{
	return m.addr() + pages(page);
}

} // namespace

TEST("unprivileged: pins up to RLIMIT_MEMLOCK succeed, beyond it ENOMEM")
{
	const long limit = limit_pages();
	vt::Map m(pages(3 * static_cast<size_t>(limit)), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	const size_t half = static_cast<size_t>(limit) / 2;
	uint64_t first = 0;
	CHECK_OK(vt::pin(s.get(), page_addr(m, 0), pages(half), 0, &first));
	CHECK_OK(vt::pin(s.get(), page_addr(m, half), pages(half), VPIN_PIN_F_WRITE, nullptr));
	CHECK_EQ(base.pinned(), limit);
	CHECK_EQ(base.vm_pin(), limit);
	const uint64_t next = page_addr(m, 2 * half);
	CHECK_REFUSED(s.get(), next, pages(1), ENOMEM);
	CHECK_ERRNO(vt::pin(s.get(), next, pages(half), 0, nullptr), ENOMEM);
	CHECK_EQ(base.pinned(), limit);
	CHECK_EQ(base.vm_pin(), limit);
	CHECK_EQ(vt::fdinfo(s.get(), "pin").size(), size_t{2});
	// What unpin refunds can be pinned again.
	CHECK_OK(vt::unpin(s.get(), first));
	CHECK_OK(vt::pin(s.get(), next, pages(half), 0, nullptr));
	CHECK_EQ(base.pinned(), limit);
	CHECK_EQ(base.vm_pin(), limit);
}

TEST("unprivileged: a single pin larger than RLIMIT_MEMLOCK is ENOMEM")
{
	const size_t n = static_cast<size_t>(limit_pages()) + 1;
	vt::Map m(pages(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	CHECK_REFUSED(s.get(), m.addr(), m.length(), ENOMEM);
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK(vt::fdinfo(s.get(), "pin").empty());
}

TEST("unprivileged: VmPin follows the pins and is refunded on unpin and close")
{
	vt::Map m(pages(8), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	uint64_t a = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), pages(3), 0, &a));
	CHECK_EQ(base.vm_pin(), 3L);
	CHECK_OK(vt::pin(s.get(), page_addr(m, 3), pages(5), VPIN_PIN_F_WRITE, nullptr));
	CHECK_EQ(base.vm_pin(), 8L);
	CHECK_EQ(vt::vm_pin_kb() % (vt::page_size() / 1024), 0L);
	CHECK_OK(vt::unpin(s.get(), a));
	CHECK_EQ(base.vm_pin(), 5L);
	CHECK_EQ(base.pinned(), 5L);
	s.reset();
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK_EQ(base.pinned(), 0L);
}

TEST("unprivileged: refused pins leave nothing charged")
{
	const size_t n = static_cast<size_t>(limit_pages());
	vt::Map m(pages(n + 2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	CHECK_OK(mprotect(m.data() + pages(n - 1), pages(1), PROT_NONE));
	CHECK_OK(munmap(m.data() + pages(n + 1), pages(1)));
	vt::Fd memfd = vt::memfd(pages(1));
	vt::Map mixed(pages(2), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	mixed.place(pages(1), pages(1), PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
	mixed.touch();
	vt::Map good(pages(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	good.touch();
	auto s = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	for (int i = 0; i < 3; i++) {
		CHECK_ERRNO(vt::pin(s.get(), m.addr(), pages(n), 0, nullptr), EACCES);
		CHECK_ERRNO(vt::pin(s.get(), page_addr(m, n), pages(2), 0, nullptr), EFAULT);
		CHECK_ERRNO(vt::pin(s.get(), mixed.addr(), mixed.length(), 0, nullptr), EXDEV);
		CHECK_EQ(base.vm_pin(), 0L);
	}
	CHECK_EQ(base.pinned(), 0L);
	// The whole limit is still there.
	CHECK_OK(vt::pin(s.get(), good.addr(), good.length(), 0, nullptr));
	CHECK_EQ(base.vm_pin(), static_cast<long>(n));
}

TEST("unprivileged: the limit covers every session of the address space")
{
	const size_t n = static_cast<size_t>(limit_pages());
	vt::Map m(pages(n + 1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto first = vt::open_session();
	auto second = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	CHECK_OK(vt::pin(first.get(), m.addr(), pages(n), 0, nullptr));
	CHECK_ERRNO(vt::pin(second.get(), page_addr(m, n), pages(1), 0, nullptr), ENOMEM);
	CHECK_EQ(base.pinned(), static_cast<long>(n));
	first.reset();
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK_OK(vt::pin(second.get(), page_addr(m, n), pages(1), 0, nullptr));
	CHECK_EQ(base.vm_pin(), 1L);
}

TEST("unprivileged: closing the session in another process refunds the owner")
{
	vt::Map m(pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto s = vt::open_session();
	drop_privileges();
	vt::Baseline base;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_EQ(base.vm_pin(), 4L);
	vt::Channel ch;
	vt::Child child([&] {
		const long own = vt::vm_pin_kb();
		vt::recv_u64(ch.b.get());
		CHECK_OK(close(s.release()));
		CHECK_EQ(vt::vm_pin_kb(), own);
		vt::send_u64(ch.b.get(), 0);
	});
	s.reset();
	CHECK_EQ(base.vm_pin(), 4L);
	vt::send_u64(ch.a.get(), 0);
	vt::recv_u64(ch.a.get());
	child.wait();
	CHECK_EQ(base.vm_pin(), 0L);
	CHECK_EQ(base.pinned(), 0L);
}

TEST("with CAP_IPC_LOCK RLIMIT_MEMLOCK does not limit pins")
{
	const size_t n = 4 * static_cast<size_t>(limit_pages());
	vt::Map m(pages(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	set_memlock();
	auto s = vt::open_session();
	vt::Baseline base;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), VPIN_PIN_F_WRITE, nullptr));
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, nullptr));
	CHECK_EQ(base.pinned(), 2 * static_cast<long>(n));
	s.reset();
	CHECK_EQ(base.pinned(), 0L);
	CHECK_EQ(base.vm_pin(), 0L);
}
