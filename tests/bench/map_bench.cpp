// SPDX-License-Identifier: GPL-2.0
// vpin mappings against anonymous memory, in the test guest: RDMA memory
// registration (soft-RoCE) and io_uring buffer registration of 64 MiB, and
// the faults that map 64 MiB, with 2 MiB and with 4 KiB entries. Prints one
// line per figure: min, median and max of the runs in ms, and the ratio of
// the median to anonymous memory's. Run by tests/bench/run (make bench).
#include "bench.hpp"
#include "tap.hpp"
#include "util.hpp"
#include "verbs.hpp"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <liburing.h>
#include <sys/mman.h>
#include <vector>

namespace {

using vt::pages;

constexpr size_t npages = 16384;	// 64 MiB
constexpr int runs = 7;

void touch(const char *p, size_t length)
{
	for (size_t i = 0; i < length; i += pages(1))
		(void)*static_cast<const volatile char *>(p + i);
}

void run()
{
	const auto measure = [](const std::function<void()> &setup,
				const std::function<void()> &timed,
				const std::function<void()> &teardown) {
		return bench::measure(runs, setup, timed, teardown);
	};
	using Figure = bench::Figure;
	vt::Map anon(pages(npages), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();

	vt::Mount mnt(vt::ext4_dax);
	const std::string path = mnt.path("bench");
	vt::Fd fd = vt::make_file(path, pages(npages));
	vt::Map fmap(pages(npages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	auto s = vt::open_session();
	uint64_t lease = 0, pin = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
	CHECK_OK(vt::pin(s.get(), fmap.addr(), pages(npages), VPIN_PIN_F_WRITE, &pin));
	int m = -1;
	CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &m));
	vt::Fd mfd(m);
	vt::Map big(pages(npages), PROT_READ | PROT_WRITE, MAP_SHARED, mfd.get(), 0);
	vt::Map small(pages(npages), PROT_READ | PROT_WRITE, MAP_SHARED, mfd.get(), 0);
	CHECK_OK(madvise(small.data(), pages(npages), MADV_NOHUGEPAGE));

	// Mapping the range: the faults of a first touch.
	const auto nothing = [] {};
	const Figure f_anon = measure(
		[&] { CHECK_OK(madvise(anon.data(), pages(npages), MADV_DONTNEED)); },
		[&] { touch(anon.data(), pages(npages)); }, nothing);
	const auto zap = [&](vt::Map &map) {
		return [&] { CHECK_OK(madvise(map.data(), pages(npages), MADV_DONTNEED)); };
	};
	const Figure f_big = measure(zap(big), [&] { touch(big.data(), pages(npages)); }, nothing);
	const Figure f_small =
		measure(zap(small), [&] { touch(small.data(), pages(npages)); }, nothing);
	bench::Table faults("64 MiB faulted in", "ms", bench::Table::Columns::MinMedianMax);
	faults.row("anonymous memory", f_anon);
	faults.row("vpin mapping, 2 MiB entries", f_big, &f_anon, "anonymous");
	faults.row("vpin mapping, 4 KiB entries", f_small, &f_anon, "anonymous");
	touch(big.data(), pages(npages));
	touch(small.data(), pages(npages));

	// io_uring buffer registration (6.12: 6.1 refuses file mappings).
	struct io_uring ring;
	CHECK_EQ(io_uring_queue_init(4, &ring, 0), 0);
	const auto reg_uring = [&](char *p) {
		return [&ring, p] {
			struct iovec iov = {p, pages(npages)};
			CHECK_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
			CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
		};
	};
	bench::Table regs("64 MiB registered and unregistered", "ms",
			  bench::Table::Columns::MinMedianMax);
	const Figure u_anon = measure(nothing, reg_uring(anon.data()), nothing);
	regs.row("io_uring: anonymous", u_anon);
	if (!vt::kernel_older_than(6, 3)) {
		regs.row("io_uring: vpin mapping, 2 MiB", measure(nothing, reg_uring(big.data()), nothing),
			 &u_anon, "anonymous");
		regs.row("io_uring: vpin mapping, 4 KiB",
			 measure(nothing, reg_uring(small.data()), nothing), &u_anon, "anonymous");
	} else {
		regs.note("io_uring: vpin mapping", "refused by io_uring (6.1)");
	}
	io_uring_queue_exit(&ring);

	// RDMA memory registration over soft-RoCE.
	vt::SoftRoce roce;
	vt::Verbs verbs;
	const auto reg_mr = [&](char *p) {
		return [&verbs, p] {
			ibv_mr *mr = verbs.reg(p, pages(npages));
			CHECK(mr != nullptr);
			CHECK_EQ(ibv_dereg_mr(mr), 0);
		};
	};
	const Figure r_anon = measure(nothing, reg_mr(anon.data()), nothing);
	regs.row("ibv_reg_mr (rxe): anonymous", r_anon);
	regs.row("ibv_reg_mr (rxe): vpin mapping, 2 MiB",
		 measure(nothing, reg_mr(big.data()), nothing), &r_anon, "anonymous");
	regs.row("ibv_reg_mr (rxe): vpin mapping, 4 KiB",
		 measure(nothing, reg_mr(small.data()), nothing), &r_anon, "anonymous");
}

} // namespace

int main()
{
	return bench::run("vpin-bench-map", [] {
		bench::heading("vpin mappings against anonymous memory");
		run();
	});
}
