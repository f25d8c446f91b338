// SPDX-License-Identifier: GPL-2.0
// The vpin generic netlink family treats its input as hostile: unknown
// commands, unknown attributes and attributes of the wrong size are refused
// with a precise errno and change nothing.
#include "tap.hpp"
#include "util.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cstring>
#include <sys/mman.h>
#include <vector>

namespace {

class Genl {
public:
	Genl() : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC))
	{
		if (fd_.get() < 0)
			tap::fail("netlink socket: " + tap::errno_name(errno), __FILE__, __LINE__);
	}

	// Sends one request and returns the error of its ack (0: success); for a
	// dump, the count of messages before NLMSG_DONE goes to *messages.
	int request(uint16_t type, uint8_t cmd, uint16_t flags,
		    const std::vector<char> &attrs = {}, int *messages = nullptr,
		    std::vector<char> *reply = nullptr)
	{
		std::vector<char> msg(NLMSG_LENGTH(GENL_HDRLEN) + attrs.size());
		auto *nlh = reinterpret_cast<nlmsghdr *>(msg.data());
		nlh->nlmsg_len = static_cast<uint32_t>(msg.size());
		nlh->nlmsg_type = type;
		nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
		nlh->nlmsg_seq = ++seq_;
		auto *g = static_cast<genlmsghdr *>(NLMSG_DATA(nlh));
		g->cmd = cmd;
		g->version = 1;
		std::memcpy(msg.data() + NLMSG_LENGTH(GENL_HDRLEN), attrs.data(), attrs.size());
		CHECK_EQ(send(fd_.get(), msg.data(), msg.size(), 0), static_cast<ssize_t>(msg.size()));

		int count = 0;
		std::vector<char> buf(1 << 16);
		for (;;) {
			ssize_t n = CHECK_OK(recv(fd_.get(), buf.data(), buf.size(), 0));
			for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data());
			     NLMSG_OK(h, static_cast<unsigned int>(n)); h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_ERROR)
					return static_cast<nlmsgerr *>(NLMSG_DATA(h))->error;
				if (h->nlmsg_type == NLMSG_DONE) {
					if (messages)
						*messages = count;
					return 0;
				}
				count++;
				if (reply && reply->empty())
					reply->assign(reinterpret_cast<char *>(h),
						      reinterpret_cast<char *>(h) + h->nlmsg_len);
			}
		}
	}

	uint16_t family()
	{
		std::vector<char> reply;
		const char name[] = VPIN_GENL_NAME;
		int err = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
				  attr(CTRL_ATTR_FAMILY_NAME, name, sizeof(name)), nullptr, &reply);
		if (err)
			tap::fail("resolving the vpin family: " + tap::errno_name(-err), __FILE__,
				  __LINE__);
		auto *nlh = reinterpret_cast<nlmsghdr *>(reply.data());
		auto *a = reinterpret_cast<nlattr *>(static_cast<char *>(NLMSG_DATA(nlh)) + GENL_HDRLEN);
		int left = static_cast<int>(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
		for (; left >= NLA_HDRLEN; ) {
			if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
				uint16_t id;
				std::memcpy(&id, reinterpret_cast<char *>(a) + NLA_HDRLEN, sizeof(id));
				return id;
			}
			left -= NLA_ALIGN(a->nla_len);
			a = reinterpret_cast<nlattr *>(reinterpret_cast<char *>(a) + NLA_ALIGN(a->nla_len));
		}
		tap::fail("no CTRL_ATTR_FAMILY_ID", __FILE__, __LINE__);
	}

	static std::vector<char> attr(uint16_t type, const void *data, size_t len)
	{
		std::vector<char> a(NLA_ALIGN(NLA_HDRLEN + len));
		nlattr h{static_cast<uint16_t>(NLA_HDRLEN + len), type};
		std::memcpy(a.data(), &h, sizeof(h));
		std::memcpy(a.data() + NLA_HDRLEN, data, len);
		return a;
	}

private:
	vt::Fd fd_;
	uint32_t seq_ = 0;
};

} // namespace

TEST("GET_STATUS answers and the dumps list one pinned session")
{
	Genl nl;
	const uint16_t fam = nl.family();
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_STATUS, 0), 0);

	vt::Map m(static_cast<size_t>(vt::page_size()), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	m.data()[0] = 1;
	auto s = vt::open_session();
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, nullptr));
	int n = -1;
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP, {}, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_SESSIONS, NLM_F_DUMP, {}, &n), 0);
	CHECK_EQ(n, 1);
}

TEST("an unknown command is EOPNOTSUPP")
{
	Genl nl;
	const uint16_t fam = nl.family();
	CHECK_EQ(nl.request(fam, VPIN_CMD_MAX + 1, 0), -EOPNOTSUPP);
	CHECK_EQ(nl.request(fam, VPIN_CMD_EVENT, 0), -EOPNOTSUPP);
}

TEST("unknown attributes and attributes of the wrong size are EINVAL")
{
	Genl nl;
	const uint16_t fam = nl.family();
	const uint64_t session = 1;
	const uint32_t narrow = 1;
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP,
			    Genl::attr(VPIN_A_MAX + 1, &session, sizeof(session))),
		 -EINVAL);
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP,
			    Genl::attr(VPIN_A_SESSION_ID, &narrow, sizeof(narrow))),
		 -EINVAL);
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_LEASES, NLM_F_DUMP,
			    Genl::attr(VPIN_A_STATS, &session, sizeof(session))),
		 -EINVAL);
	int n = -1;
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP,
			    Genl::attr(VPIN_A_SESSION_ID, &session, sizeof(session)), &n),
		 0);
	CHECK_EQ(n, 0);
}
