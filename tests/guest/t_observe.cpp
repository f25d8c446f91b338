// SPDX-License-Identifier: GPL-2.0
// What administrators see of pins: the vpin tracepoints and the netlink dump
// of a session with 100,000 pins, read through pinctl.
#include "tap.hpp"
#include "util.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace {

const std::string tracing = "/sys/kernel/tracing";

void write_file(const std::string &path, const std::string &value)
{
	std::ofstream out(path);
	out << value << "\n";
	out.flush();
	if (!out)
		tap::fail("cannot write " + path, __FILE__, __LINE__);
}

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream all;
	all << in.rdbuf();
	return all.str();
}

std::string run(const std::string &cmd)
{
	std::string out;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		tap::fail("popen " + cmd, __FILE__, __LINE__);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		out.append(buf, n);
	if (pclose(p) != 0)
		tap::fail(cmd + " failed", __FILE__, __LINE__);
	return out;
}

std::string pinctl()
{
	return std::string(getenv("VPIN_REPO")) + "/build/user/ctl/pinctl";
}

} // namespace

TEST("the vpin_pin and vpin_unpin tracepoints record pins with their file")
{
	struct stat st;
	if (stat((tracing + "/events").c_str(), &st) < 0 &&
	    mount("tracefs", tracing.c_str(), "tracefs", 0, nullptr) < 0)
		tap::skip("no tracefs: " + tap::errno_name(errno));
	write_file(tracing + "/trace", "");
	write_file(tracing + "/events/vpin/enable", "1");

	vt::PageCacheFs fs("ext4");
	std::string path = fs.path("traced");
	auto fd = vt::make_file(path, 4 * static_cast<size_t>(vt::page_size()));
	vt::Map m(4 * static_cast<size_t>(vt::page_size()), PROT_READ, MAP_SHARED, fd.get(), 0);
	auto s = vt::open_session();
	uint64_t id = 0;
	CHECK_OK(vt::pin(s.get(), m.addr(), m.length(), 0, &id));
	CHECK_OK(vt::unpin(s.get(), id));
	write_file(tracing + "/events/vpin/enable", "0");

	CHECK_OK(fstat(fd.get(), &st));
	const std::string file = " dev=" + std::to_string(major(st.st_dev)) + ":" +
				 std::to_string(minor(st.st_dev)) +
				 " ino=" + std::to_string(st.st_ino) + " offset=0";
	const std::string trace = read_file(tracing + "/trace");
	const std::string fields = " id=" + std::to_string(id) + " flags=r addr=0x";
	for (const char *event : {"vpin_pin:", "vpin_unpin:"}) {
		auto at = trace.find(event);
		if (at == std::string::npos)
			tap::fail(std::string("no ") + event + " in the trace:\n" + trace, __FILE__,
				  __LINE__);
		auto line = trace.substr(at, trace.find('\n', at) - at);
		CHECK(line.find(fields) != std::string::npos);
		CHECK(line.find(" pages=4" + file) != std::string::npos);
	}
}

static void dump_100k_pins()
{
	constexpr size_t count = 100000;
	const size_t page = static_cast<size_t>(vt::page_size());
	vt::Map m(16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (size_t i = 0; i < 16; i++)
		m.data()[i * page] = 1;
	auto s = vt::open_session();
	for (size_t i = 0; i < count; i++)
		CHECK_OK(vt::pin(s.get(), m.addr() + (i % 16) * page, page, 0, nullptr));

	auto t0 = std::chrono::steady_clock::now();
	run(pinctl() + " list pins -j > /tmp/pins.json");
	auto t1 = std::chrono::steady_clock::now();
	CHECK_EQ(std::stoul(run("jq length /tmp/pins.json")), count);
	std::string sessions = run(pinctl() + " list sessions -j | jq '.[0].pins'");
	CHECK_EQ(std::stoul(sessions), count);
	tap::note("pinctl list pins -j of " + std::to_string(count) + " pins: " +
		  std::to_string(std::chrono::duration<double>(t1 - t0).count()) + " s");
}

static tap::Register dump_test("netlink dumps 100,000 pins of one session completely",
			       dump_100k_pins, 600);
