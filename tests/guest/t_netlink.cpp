// SPDX-License-Identifier: GPL-2.0
// The vpin generic netlink family treats its input as hostile: unknown
// commands, unknown attributes and attributes of the wrong size are refused
// with a precise errno and change nothing.
#include "tap.hpp"
#include "util.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <cstdlib>
#include <sys/mman.h>
#include <sys/stat.h>
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
	// dump, the count of messages before NLMSG_DONE goes to *messages, and
	// every message to *every.
	int request(uint16_t type, uint8_t cmd, uint16_t flags,
		    const std::vector<char> &attrs = {}, int *messages = nullptr,
		    std::vector<char> *reply = nullptr,
		    std::vector<std::vector<char>> *every = nullptr)
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
				if (every)
					every->emplace_back(reinterpret_cast<char *>(h),
							    reinterpret_cast<char *>(h) + h->nlmsg_len);
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

// The attributes of type `type` directly in [data, data + len).
std::vector<const nlattr *> attrs_of(const char *data, size_t len, uint16_t type)
{
	std::vector<const nlattr *> out;
	while (len >= NLA_HDRLEN) {
		const auto *a = reinterpret_cast<const nlattr *>(data);
		CHECK(a->nla_len >= NLA_HDRLEN && a->nla_len <= len);
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			out.push_back(a);
		const size_t step = std::min<size_t>(NLA_ALIGN(a->nla_len), len);
		data += step;
		len -= step;
	}
	return out;
}

uint64_t member(const nlattr *nest, uint16_t type)
{
	const char *data = reinterpret_cast<const char *>(nest) + NLA_HDRLEN;
	const auto found = attrs_of(data, nest->nla_len - NLA_HDRLEN, type);
	CHECK_EQ(found.size(), size_t{1});
	uint64_t v = 0;
	std::memcpy(&v, reinterpret_cast<const char *>(found[0]) + NLA_HDRLEN,
		    found[0]->nla_len - NLA_HDRLEN);
	return v;
}

TEST("a pin dump packs many pins of one session into each message, every pin once")
{
	Genl nl;
	const uint16_t fam = nl.family();
	vt::Map m(vt::pages(4), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	m.touch();
	auto a = vt::open_session(), b = vt::open_session();
	constexpr uint64_t many = 3000, few = 3;
	for (uint64_t i = 0; i < many; i++)
		CHECK_OK(vt::pin(a.get(), m.addr() + vt::pages(i % 4), vt::pages(1), 0, nullptr));
	for (uint64_t i = 0; i < few; i++)
		CHECK_OK(vt::pin(b.get(), m.addr(), vt::pages(1), 0, nullptr));
	std::vector<std::vector<char>> messages;
	CHECK_EQ(nl.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP, {}, nullptr, nullptr, &messages), 0);
	std::map<uint64_t, std::set<uint64_t>> ids;
	size_t pins = 0;
	for (const auto &msg : messages) {
		const auto *h = reinterpret_cast<const nlmsghdr *>(msg.data());
		const char *data = msg.data() + NLMSG_LENGTH(GENL_HDRLEN);
		const auto nests = attrs_of(data, h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), VPIN_A_PIN);
		CHECK(!nests.empty());
		const uint64_t session = member(nests[0], VPIN_PIN_A_SESSION_ID);
		for (const auto *n : nests) {
			CHECK_EQ(member(n, VPIN_PIN_A_SESSION_ID), session);
			CHECK(ids[session].insert(member(n, VPIN_PIN_A_ID)).second);
			pins++;
		}
	}
	CHECK_EQ(pins, size_t{many + few});
	CHECK_EQ(ids.size(), size_t{2});
	// As many to a message as fit: a few dozen messages, not thousands.
	if (messages.size() > many / 20)
		tap::fail(std::to_string(messages.size()) + " messages for " +
				  std::to_string(pins) + " pins",
			  __FILE__, __LINE__);
	tap::note(std::to_string(pins) + " pins in " + std::to_string(messages.size()) + " messages");
}

TEST("a pin whose path is near PATH_MAX is in the first message of a fresh socket's dump")
{
	Genl nl;
	const uint16_t fam = nl.family();
	// /tmp/vpin-long/aaa...(255)/... : about 3,900 bytes of path.
	std::string dir = "/tmp/vpin-long";
	CHECK_OK(mkdir(dir.c_str(), 0755));
	for (int i = 0; i < 15; i++) {
		dir += "/" + std::string(255, static_cast<char>('a' + i));
		CHECK_OK(mkdir(dir.c_str(), 0755));
	}
	const std::string path = dir + "/f";
	vt::Fd f = vt::make_file(path, vt::pages(1));
	vt::Map m(vt::pages(1), PROT_READ, MAP_SHARED, f.get());
	auto a = vt::open_session(), b = vt::open_session();
	CHECK_OK(vt::pin(a.get(), m.addr(), m.length(), 0, nullptr));
	vt::Map anon(vt::pages(1), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	CHECK_OK(vt::pin(b.get(), anon.addr(), anon.length(), 0, nullptr));
	// A socket that never received anything: its first dump message is
	// allocated before it says how large a buffer it reads with.
	Genl fresh;
	std::vector<std::vector<char>> messages;
	const int err = fresh.request(fam, VPIN_CMD_GET_PINS, NLM_F_DUMP, {}, nullptr, nullptr, &messages);
	CHECK_EQ(vt::sh("rm -rf /tmp/vpin-long"), 0);
	CHECK_EQ(err, 0);
	size_t pins = 0, longest = 0;
	for (const auto &msg : messages) {
		const auto *h = reinterpret_cast<const nlmsghdr *>(msg.data());
		const char *data = msg.data() + NLMSG_LENGTH(GENL_HDRLEN);
		for (const auto *n : attrs_of(data, h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), VPIN_A_PIN)) {
			pins++;
			const char *in = reinterpret_cast<const char *>(n) + NLA_HDRLEN;
			for (const auto *file : attrs_of(in, n->nla_len - NLA_HDRLEN, VPIN_PIN_A_FILE))
				for (const auto *p : attrs_of(reinterpret_cast<const char *>(file) + NLA_HDRLEN,
							      file->nla_len - NLA_HDRLEN, VPIN_FILE_A_PATH))
					longest = std::max<size_t>(longest, p->nla_len - NLA_HDRLEN);
		}
	}
	CHECK_EQ(pins, size_t{2});
	CHECK(longest > path.size());	// with its NUL
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
