// SPDX-License-Identifier: GPL-2.0
// vpin's pins against the kernel's own pinning paths, in the test guest:
//  - pin + unpin of anonymous memory in 4 KiB pages (256 MiB and 1 GiB),
//    against io_uring buffer registration of the same memory and an RDMA
//    memory registration on soft-RoCE;
//  - pin + unpin of a 256 MiB FS-DAX range under an exclusive lease, on
//    ext4-dax and xfs-dax (the kernel has no equivalent), per GiB;
//  - the refusal of a truncate of a protected file, against a truncate of
//    an unprotected file of the same size;
//  - a break: from the start of a breaking truncate to the holder's event
//    being readable, and from the holder's release to the truncate's return.
// --short: small sizes and few runs, for make test.
#include "bench.hpp"
#include "tap.hpp"
#include "util.hpp"
#include "verbs.hpp"

#include <cstring>
#include <fcntl.h>
#include <liburing.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using vt::pages;

struct Sizes {
	std::vector<size_t> anon_mib;
	size_t dax_mib;
	int runs;		// of a pin or registration
	int truncates;		// refusals timed
	int breaks;		// breaks timed
};

constexpr size_t mib = size_t{1} << 20;

std::string size_name(size_t m)
{
	return m >= 1024 && m % 1024 == 0 ? std::to_string(m / 1024) + " GiB" :
					    std::to_string(m) + " MiB";
}

// Anonymous memory in 4 KiB pages, all faulted in.
void small_pages(vt::Map &m)
{
	CHECK_OK(madvise(m.data(), m.length(), MADV_NOHUGEPAGE));
	m.touch();
}

void anonymous(const Sizes &z)
{
	bench::Table t("pin + unpin of anonymous memory, 4 KiB pages", "ms",
		       bench::Table::Columns::MinMedianMax);
	auto s = vt::open_session();
	struct io_uring ring;
	CHECK_EQ(io_uring_queue_init(4, &ring, 0), 0);
	vt::SoftRoce roce;
	vt::Verbs verbs;
	for (size_t m : z.anon_mib) {
		const size_t len = m * mib;
		vt::Map mem(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		small_pages(mem);
		const bench::Figure uring = bench::measure(z.runs, [&] {
			struct iovec iov = {mem.data(), len};
			CHECK_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
			CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
		});
		const bench::Figure pin = bench::measure(z.runs, [&] {
			uint64_t id = 0;
			CHECK_OK(vt::pin(s.get(), mem.addr(), len, VPIN_PIN_F_WRITE, &id));
			CHECK_OK(vt::unpin(s.get(), id));
		});
		const bench::Figure mr = bench::measure(z.runs, [&] {
			ibv_mr *r = verbs.reg(mem.data(), len);
			CHECK(r != nullptr);
			CHECK_EQ(ibv_dereg_mr(r), 0);
		});
		const std::string n = size_name(m);
		t.row(n + ": io_uring register + unregister", uring);
		t.row(n + ": vpin pin + unpin", pin, &uring, "io_uring");
		t.row(n + ": ibv_reg_mr + ibv_dereg_mr (rxe)", mr, &uring, "io_uring");
	}
	io_uring_queue_exit(&ring);
}

void dax(const Sizes &z)
{
	bench::Table t("pin + unpin of an FS-DAX range (" + size_name(z.dax_mib) +
			       "), exclusive lease",
		       "ms per GiB", bench::Table::Columns::MinMedianMax);
	const size_t len = z.dax_mib * mib;
	const double per_gib = static_cast<double>(1024) / static_cast<double>(z.dax_mib);
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		const std::string path = mnt.path("bench");
		vt::Fd fd = vt::make_file(path, len);
		vt::Map map(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get());
		auto s = vt::open_session();
		uint64_t lease = 0;
		CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		bench::Figure f = bench::measure(z.runs, [&] {
			uint64_t id = 0;
			CHECK_OK(vt::pin(s.get(), map.addr(), len, VPIN_PIN_F_WRITE, &id));
			CHECK_OK(vt::unpin(s.get(), id));
		});
		f.min *= per_gib;
		f.median *= per_gib;
		f.p99 *= per_gib;
		f.max *= per_gib;
		t.row(std::string(k.name) + ": vpin pin + unpin", f);
		CHECK_OK(vt::unlease(s.get(), lease));
	}
}

// A file fully allocated again at its length, with nothing timed.
void refill(int fd, size_t len)
{
	CHECK_OK(ftruncate(fd, static_cast<off_t>(len)));
	CHECK_OK(fallocate(fd, 0, 0, static_cast<off_t>(len)));
}

void refusal(const Sizes &z)
{
	bench::Table t("truncate by one page of a 16 MiB file", "us",
		       bench::Table::Columns::MedianP99);
	const size_t len = 16 * mib;
	const off_t shorter = static_cast<off_t>(len - pages(1));
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		vt::Fd plain = vt::make_file(mnt.path("plain"), len);
		vt::Fd kept = vt::make_file(mnt.path("protected"), len);
		const bench::Figure free_ = bench::measure(
			z.truncates, [] {}, [&] { CHECK_OK(ftruncate(plain.get(), shorter)); },
			[&] { refill(plain.get(), len); }, 1e3);
		vt::Map map(len, PROT_READ | PROT_WRITE, MAP_SHARED, kept.get());
		auto s = vt::open_session();
		uint64_t lease = 0, pin = 0;
		CHECK_OK(vt::lease(s.get(), kept.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_OK(vt::pin(s.get(), map.addr(), len, VPIN_PIN_F_WRITE, &pin));
		const bench::Figure refused = bench::measure(
			z.truncates, [&] { CHECK_ERRNO(ftruncate(kept.get(), shorter), ETXTBSY); },
			1e3);
		const std::string n = k.name;
		t.row(n + ": unprotected file, truncated", free_);
		t.row(n + ": protected file, refused (ETXTBSY)", refused, &free_, "unprotected");
	}
}

// One break of a breakable lease held by this process, by a truncate in
// a child: the two latencies in microseconds.
struct BreakTimes {
	double to_event, to_return;
};

BreakTimes one_break(int session, int fd, const vt::Map &map, const std::string &path,
		     size_t len)
{
	uint64_t lease = 0, pin = 0;
	CHECK_OK(vt::lease(session, fd, VPIN_LEASE_BREAKABLE, &lease));
	CHECK_OK(vt::pin(session, map.addr(), pages(1), 0, &pin));
	vt::Channel ch;
	vt::Child breaker([&] {
		ch.a.reset();
		const int64_t start = vt::now_ns();
		const int r = truncate(path.c_str(), static_cast<off_t>(len / 2));
		const int64_t end = vt::now_ns();
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(start));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(end));
		vt::send_u64(ch.b.get(), static_cast<uint64_t>(r));
	});
	ch.b.reset();
	const int64_t seen = vt::wait_event(session, 10000);
	const auto events = vt::read_events(session);
	CHECK_EQ(events.front().type, uint32_t{VPIN_EVENT_LEASE_BREAK});
	const int64_t released = vt::now_ns();
	CHECK_OK(vt::unpin(session, pin));
	CHECK_OK(vt::unlease(session, lease));
	const auto start = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	const auto end = static_cast<int64_t>(vt::recv_u64(ch.a.get()));
	CHECK_EQ(vt::recv_u64(ch.a.get()), uint64_t{0});
	breaker.wait();
	return {static_cast<double>(seen - start) / 1e3, static_cast<double>(end - released) / 1e3};
}

void breaks(const Sizes &z)
{
	bench::Table t("break of a breakable lease by truncate(2)", "us",
		       bench::Table::Columns::MedianP99);
	const size_t len = 16 * mib;
	for (const auto &k : {vt::ext4_dax, vt::xfs_dax}) {
		vt::Mount mnt(k);
		const std::string path = mnt.path("held");
		vt::Fd fd = vt::make_file(path, len);
		vt::Map map(pages(1), PROT_READ, MAP_SHARED, fd.get());
		auto s = vt::open_session();
		std::vector<double> to_event, to_return;
		for (int i = 0; i < z.breaks; i++) {
			const BreakTimes b = one_break(s.get(), fd.get(), map, path, len);
			to_event.push_back(b.to_event);
			to_return.push_back(b.to_return);
			refill(fd.get(), len);
		}
		const std::string n = k.name;
		t.row(n + ": truncate start to the holder's event", bench::figure(to_event));
		t.row(n + ": holder's release to the truncate's return", bench::figure(to_return));
	}
}

} // namespace

int main(int argc, char **argv)
{
	const bool quick = argc > 1 && std::strcmp(argv[1], "--short") == 0;
	const Sizes z = quick ? Sizes{{16}, 16, 3, 100, 10} : Sizes{{256, 1024}, 256, 7, 1000, 200};
	return bench::run("vpin-bench-pin", [&] {
		bench::heading("vpin pins against the kernel's pinning paths");
		anonymous(z);
		dax(z);
		refusal(z);
		breaks(z);
	});
}
