// SPDX-License-Identifier: GPL-2.0
// RDMA through a vpin mapping: soft-RoCE (rdma_rxe) on a veth pair in the
// guest, a pair of RC queue pairs connected to each other, memory regions
// registered with ibv_reg_mr() (a FOLL_LONGTERM pin) on the mapping of a
// protected FS-DAX file. RDMA WRITE lands in the file, RDMA READ reads it,
// and a memory region that outlives its session keeps the file protected
// (an orphaned lease) until ibv_dereg_mr().
#include "tap.hpp"
#include "util.hpp"
#include "verbs.hpp"

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>

namespace {

using vt::offset;
using vt::open_file;
using vt::pages;

constexpr size_t file_pages = 16;
constexpr size_t npin = 8;
const vt::FsKind dax_kinds[] = {vt::ext4_dax, vt::xfs_dax};

// A DAX file under an exclusive lease, mapped shared and writable, with a
// writable pin of pages [2, 2 + npin) and the mapping of that pin.
struct Leased {
	explicit Leased(const vt::FsKind &k)
		: mount(k), path(mount.path("f")), fd(vt::make_file(path, pages(file_pages))),
		  map(pages(file_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0),
		  session(vt::open_session())
	{
		CHECK_OK(vt::lease(session.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
		CHECK_OK(vt::pin(session.get(), map.addr() + pages(2), pages(npin),
				 VPIN_PIN_F_WRITE, &pin));
		int m = -1;
		CHECK_OK(vt::map_pin(session.get(), pin, 0, 0, &m));
		map_fd.reset(m);
		alias = static_cast<char *>(mmap(nullptr, pages(npin), PROT_READ | PROT_WRITE,
						 MAP_SHARED, m, 0));
		CHECK(alias != MAP_FAILED);
	}
	~Leased()
	{
		if (alias)
			munmap(alias, pages(npin));
	}

	vt::Mount mount;
	std::string path;
	vt::Fd fd;
	vt::Map map;
	vt::Fd session, map_fd;
	uint64_t lease = 0, pin = 0;
	char *alias = nullptr;
};

std::string file_bytes(const std::string &path, off_t at, size_t length)
{
	vt::Fd f = open_file(path, O_RDONLY);
	std::string buf(length, '\0');
	CHECK_EQ(pread(f.get(), buf.data(), length, at), static_cast<ssize_t>(length));
	return buf;
}

TEST("RDMA WRITE and READ through a mapping reach the protected DAX file (rxe)")
{
	vt::SoftRoce roce;
	vt::Verbs verbs;
	for (const auto &k : dax_kinds) {
		vt::Baseline base;
		Leased l(k);
		// The file's own mapping is FS-DAX: the kernel refuses it.
		errno = 0;
		CHECK(verbs.reg(l.map.data(), pages(4)) == nullptr);
		CHECK_EQ(errno, EOPNOTSUPP);
		ibv_mr *dst = verbs.reg(l.alias, pages(npin));
		if (!dst)
			tap::fail(std::string("ibv_reg_mr of the mapping: ") + tap::errno_name(errno),
				  __FILE__, __LINE__);
		vt::Map buf(pages(npin), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		vt::fill_pattern(buf.data(), pages(npin), 4242);
		ibv_mr *src = verbs.reg(buf.data(), pages(npin));
		CHECK(src != nullptr);
		verbs.rdma(IBV_WR_RDMA_WRITE, src, dst, pages(npin));
		CHECK(file_bytes(l.path, offset(2), pages(npin)) ==
		      std::string(buf.data(), pages(npin)));
		// The file changes through its own mapping; RDMA READ sees it.
		vt::fill_pattern(l.map.data() + pages(2), pages(npin), 99);
		memset(buf.data(), 0, pages(npin));
		verbs.rdma(IBV_WR_RDMA_READ, src, dst, pages(npin));
		CHECK(memcmp(buf.data(), l.map.data() + pages(2), pages(npin)) == 0);
		tap::note(std::string(k.name) + ": RDMA WRITE and READ of " +
			  std::to_string(pages(npin)) + " bytes checked in the file");
		CHECK_EQ(ibv_dereg_mr(src), 0);
		CHECK_EQ(ibv_dereg_mr(dst), 0);
		munmap(l.alias, pages(npin));
		l.alias = nullptr;
		CHECK_OK(vt::unpin(l.session.get(), l.pin));
		CHECK_EQ(base.pinned(), 0L);
	}
}

TEST("a memory region outliving its session orphans the lease: protected until ibv_dereg_mr")
{
	vt::SoftRoce roce;
	vt::Verbs verbs;
	for (const auto &k : dax_kinds) {
		vt::Baseline base;
		auto l = std::make_unique<Leased>(k);
		const std::string path = l->path, mnt = path.substr(0, path.rfind('/'));
		ibv_mr *mr = verbs.reg(l->alias, pages(npin));
		CHECK(mr != nullptr);
		CHECK_EQ(vt::sh(vt::pinctl() + " monitor > /tmp/orphan-events 2>&1 & "
				"echo $! > /tmp/orphan-monitor; sleep 1"),
			 0);
		// vpin lets go of everything: the mapping, its descriptor, the session.
		munmap(l->alias, pages(npin));
		l->alias = nullptr;
		l->map_fd.reset();
		l->session.reset();
		l->map.unmap();
		l->fd.reset();
		CHECK(base.pinned() > 0);
		CHECK_ERRNO(truncate(path.c_str(), 0), ETXTBSY);
		CHECK_ERRNO(unlink(path.c_str()), EPERM);
		CHECK_ERRNO(umount(mnt.c_str()), EBUSY);
		CHECK(vt::sh(vt::pinctl() + " list leases | grep -q ' orphaned .*" + path + "$'") == 0);
		CHECK(vt::sh(vt::pinctl() + " status | grep -q '^orphans: *1$'") == 0);
		// The orphan holds the module.
		CHECK(vt::sh("rmmod vpin 2>/dev/null") != 0);
		// The device still writes into the file's blocks.
		vt::Map buf(pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		memset(buf.data(), 'R', pages(1));
		ibv_mr *src = verbs.reg(buf.data(), pages(1));
		CHECK(src != nullptr);
		verbs.rdma(IBV_WR_RDMA_WRITE, src, mr, pages(1));
		CHECK(file_bytes(path, offset(2), pages(1)) == std::string(pages(1), 'R'));
		CHECK_EQ(ibv_dereg_mr(src), 0);

		CHECK_EQ(ibv_dereg_mr(mr), 0);
		const int64_t start = vt::now_ns();
		while (truncate(path.c_str(), 0) != 0) {
			CHECK_EQ(errno, ETXTBSY);
			if (vt::now_ns() - start > 1000000000LL)
				tap::fail("still protected 1 s after ibv_dereg_mr", __FILE__, __LINE__);
			usleep(20000);
		}
		tap::note(std::string(k.name) + ": protection ended " +
			  vt::ms_str(vt::now_ns() - start) + " after ibv_dereg_mr");
		CHECK_EQ(base.pinned(), 0L);
		CHECK(vt::sh(vt::pinctl() + " status | grep -q '^orphans: *0$'") == 0);
		// The orphan's life, as netlink events: orphaned, released, unprotected.
		vt::sh("sleep 0.5; kill $(cat /tmp/orphan-monitor)");
		CHECK(vt::sh("grep -q 'lease-orphaned .*" + path + "' /tmp/orphan-events && "
			     "grep -q 'orphan-released .*" + path + "' /tmp/orphan-events && "
			     "grep -q 'protect-off .*" + path + "' /tmp/orphan-events") == 0);
		l.reset();
	}
}

} // namespace
