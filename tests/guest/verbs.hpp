// SPDX-License-Identifier: GPL-2.0
// Soft-RoCE in the test guest, for the RDMA tests and benchmarks: rdma_rxe
// on a veth pair, and two RC queue pairs on it connected to each other.
#pragma once

#include "tap.hpp"
#include "util.hpp"

#include <cstring>
#include <infiniband/verbs.h>
#include <string>

namespace vt {

// vpin_rxe0 on one end of a veth pair, with an IPv4 address.
class SoftRoce {
public:
	SoftRoce()
	{
		if (sh("modprobe rdma_rxe") != 0)
			tap::skip("rdma_rxe is not available");
		sh("ip link del vpinr0 2>/dev/null; rdma link del vpin_rxe0 2>/dev/null");
		CHECK_EQ(sh("ip link add vpinr0 type veth peer name vpinr1 && "
				"ip addr add 10.199.0.1/24 dev vpinr0 && ip link set vpinr0 up && "
				"ip link set vpinr1 up && "
				"rdma link add vpin_rxe0 type rxe netdev vpinr0"),
			 0);
	}
	~SoftRoce() { sh("rdma link del vpin_rxe0; ip link del vpinr0"); }
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
		const int64_t start = now_ns();
		int got;
		while ((got = ibv_poll_cq(cq_, 1, &wc)) == 0) {
			if (now_ns() - start > 10000000000LL)
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

} // namespace vt
