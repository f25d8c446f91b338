// SPDX-License-Identifier: GPL-2.0
// RDMA through a vpin mapping: soft-RoCE (rdma_rxe) on a veth pair in the
// guest, a pair of RC queue pairs connected to each other, memory regions
// registered with ibv_reg_mr() (a FOLL_LONGTERM pin) on the mapping of a
// protected FS-DAX file. RDMA WRITE lands in the file, RDMA READ reads it,
// and a memory region that outlives its session keeps the file protected
// (an orphaned lease) until ibv_dereg_mr().
#include "tap.hpp"
#include "util.hpp"

#include <cstring>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <sys/mman.h>
#include <sys/mount.h>

namespace {

using vt::offset;
using vt::open_file;
using vt::pages;

constexpr size_t file_pages = 16;
constexpr size_t npin = 8;
const vt::FsKind dax_kinds[] = {vt::ext4_dax, vt::xfs_dax};

// rxe0 on one end of a veth pair, with an IPv4 address, for this program.
class SoftRoce {
public:
	SoftRoce()
	{
		if (vt::sh("modprobe rdma_rxe") != 0)
			tap::skip("rdma_rxe is not available");
		vt::sh("ip link del vpinr0 2>/dev/null; rdma link del vpin_rxe0 2>/dev/null");
		CHECK_EQ(vt::sh("ip link add vpinr0 type veth peer name vpinr1 && "
				"ip addr add 10.199.0.1/24 dev vpinr0 && ip link set vpinr0 up && "
				"ip link set vpinr1 up && "
				"rdma link add vpin_rxe0 type rxe netdev vpinr0"),
			 0);
	}
	~SoftRoce() { vt::sh("rdma link del vpin_rxe0; ip link del vpinr0"); }
	SoftRoce(const SoftRoce &) = delete;
	SoftRoce &operator=(const SoftRoce &) = delete;
};

// A protection domain, a completion queue and two RC queue pairs on the
// soft-RoCE device, connected to each other.
class Verbs {
public:
	Verbs()
	{
		int n = 0;
		ibv_device **list = ibv_get_device_list(&n);
		CHECK(list != nullptr);
		for (int i = 0; i < n && !ctx_; i++)
			if (std::string(ibv_get_device_name(list[i])) == "vpin_rxe0")
				ctx_ = ibv_open_device(list[i]);
		ibv_free_device_list(list);
		CHECK(ctx_ != nullptr);
		pd_ = ibv_alloc_pd(ctx_);
		CHECK(pd_ != nullptr);
		cq_ = ibv_create_cq(ctx_, 16, nullptr, nullptr, 0);
		CHECK(cq_ != nullptr);
		find_gid();
		a_ = create_qp();
		b_ = create_qp();
		connect(a_, b_->qp_num);
		connect(b_, a_->qp_num);
	}
	~Verbs()
	{
		ibv_destroy_qp(a_);
		ibv_destroy_qp(b_);
		ibv_destroy_cq(cq_);
		ibv_dealloc_pd(pd_);
		ibv_close_device(ctx_);
	}
	Verbs(const Verbs &) = delete;
	Verbs &operator=(const Verbs &) = delete;

	ibv_mr *reg(void *addr, size_t length)
	{
		return ibv_reg_mr(pd_, addr, length,
				  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
					  IBV_ACCESS_REMOTE_READ);
	}

	// One RDMA WRITE or READ of the whole local region from queue pair a
	// to b's remote region, waited for.
	void rdma(ibv_wr_opcode op, ibv_mr *local, ibv_mr *remote, size_t length)
	{
		ibv_sge sge = {reinterpret_cast<uintptr_t>(local->addr),
			       static_cast<uint32_t>(length), local->lkey};
		ibv_send_wr wr = {};
		wr.sg_list = &sge;
		wr.num_sge = 1;
		wr.opcode = op;
		wr.send_flags = IBV_SEND_SIGNALED;
		wr.wr.rdma.remote_addr = reinterpret_cast<uintptr_t>(remote->addr);
		wr.wr.rdma.rkey = remote->rkey;
		ibv_send_wr *bad = nullptr;
		CHECK_EQ(ibv_post_send(a_, &wr, &bad), 0);
		ibv_wc wc = {};
		const int64_t start = vt::now_ns();
		int got;
		while ((got = ibv_poll_cq(cq_, 1, &wc)) == 0) {
			if (vt::now_ns() - start > 10000000000LL)
				tap::fail("no completion in 10 s", __FILE__, __LINE__);
			usleep(1000);
		}
		CHECK_EQ(got, 1);
		if (wc.status != IBV_WC_SUCCESS)
			tap::fail(std::string("work completion: ") + ibv_wc_status_str(wc.status),
				  __FILE__, __LINE__);
	}

private:
	void find_gid()
	{
		// The IPv4-mapped GID of 10.199.0.1 (RoCE v2) shows up once the
		// address is seen by the device.
		for (int tries = 0; tries < 200; tries++) {
			for (int i = 0; i < 16; i++) {
				ibv_gid g = {};
				if (ibv_query_gid(ctx_, 1, i, &g))
					break;
				const uint8_t v4[] = {10, 199, 0, 1};
				if (g.raw[10] == 0xff && g.raw[11] == 0xff &&
				    memcmp(g.raw + 12, v4, 4) == 0) {
					gid_ = g;
					gid_index_ = i;
					return;
				}
			}
			usleep(10000);
		}
		tap::fail("rxe has no GID for 10.199.0.1", __FILE__, __LINE__);
	}

	ibv_qp *create_qp()
	{
		ibv_qp_init_attr init = {};
		init.send_cq = cq_;
		init.recv_cq = cq_;
		init.qp_type = IBV_QPT_RC;
		init.cap.max_send_wr = 4;
		init.cap.max_recv_wr = 4;
		init.cap.max_send_sge = 1;
		init.cap.max_recv_sge = 1;
		ibv_qp *qp = ibv_create_qp(pd_, &init);
		CHECK(qp != nullptr);
		ibv_qp_attr attr = {};
		attr.qp_state = IBV_QPS_INIT;
		attr.port_num = 1;
		attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				       IBV_ACCESS_REMOTE_READ;
		CHECK_EQ(ibv_modify_qp(qp, &attr,
				       IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
					       IBV_QP_ACCESS_FLAGS),
			 0);
		return qp;
	}

	void connect(ibv_qp *qp, uint32_t remote_qpn)
	{
		ibv_qp_attr attr = {};
		attr.qp_state = IBV_QPS_RTR;
		attr.path_mtu = IBV_MTU_1024;
		attr.dest_qp_num = remote_qpn;
		attr.max_dest_rd_atomic = 1;
		attr.min_rnr_timer = 12;
		attr.ah_attr.is_global = 1;
		attr.ah_attr.grh.dgid = gid_;
		attr.ah_attr.grh.sgid_index = static_cast<uint8_t>(gid_index_);
		attr.ah_attr.grh.hop_limit = 1;
		attr.ah_attr.port_num = 1;
		CHECK_EQ(ibv_modify_qp(qp, &attr,
				       IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
					       IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
					       IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER),
			 0);
		attr = {};
		attr.qp_state = IBV_QPS_RTS;
		attr.timeout = 14;
		attr.retry_cnt = 7;
		attr.rnr_retry = 7;
		attr.max_rd_atomic = 1;
		CHECK_EQ(ibv_modify_qp(qp, &attr,
				       IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
					       IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
					       IBV_QP_MAX_QP_RD_ATOMIC),
			 0);
	}

	ibv_context *ctx_ = nullptr;
	ibv_pd *pd_ = nullptr;
	ibv_cq *cq_ = nullptr;
	ibv_qp *a_ = nullptr, *b_ = nullptr;
	ibv_gid gid_ = {};
	int gid_index_ = -1;
};

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
	SoftRoce roce;
	Verbs verbs;
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
	SoftRoce roce;
	Verbs verbs;
	for (const auto &k : dax_kinds) {
		vt::Baseline base;
		auto l = std::make_unique<Leased>(k);
		const std::string path = l->path, mnt = path.substr(0, path.rfind('/'));
		ibv_mr *mr = verbs.reg(l->alias, pages(npin));
		CHECK(mr != nullptr);
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
		l.reset();
	}
}

} // namespace
