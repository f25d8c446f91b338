// SPDX-License-Identifier: GPL-2.0
// A pin that cannot complete stalls nobody but its caller. The pinner maps a
// file of a FUSE file system whose server never answers a READ, and pins
// it: the pin waits in the fault for ever. Meanwhile root opens /dev/vpin,
// dumps sessions and pins over netlink (through pinctl and genl), reads the
// pinner's fdinfo and pins memory of its own, each at once; the pinner dies
// at once on SIGKILL.
#include "tap.hpp"
#include "util.hpp"

#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using vt::now_ns;

constexpr int64_t ms_ns = 1000000;
// Without the stall these take well under a second under TCG; a stall
// would last for ever (the commands are killed after 10 s). The bound
// leaves room for a loaded machine.
constexpr int64_t quick_ms = 5000;
constexpr size_t file_size = 1 << 20;
const char mountpoint[] = "/tmp/stuck-fuse";

// The server's end of the notification pipe: written when a READ arrives.
int read_seen_fd = -1;

void stuck_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (parent != FUSE_ROOT_ID || std::strcmp(name, "f") != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_entry_param e = {};
	e.ino = 2;
	e.attr.st_ino = 2;
	e.attr.st_mode = S_IFREG | 0644;
	e.attr.st_nlink = 1;
	e.attr.st_size = file_size;
	fuse_reply_entry(req, &e);
}

void stuck_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info *)
{
	struct stat st = {};
	st.st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st.st_mode = S_IFDIR | 0755;
		st.st_nlink = 2;
	} else {
		st.st_mode = S_IFREG | 0644;
		st.st_nlink = 1;
		st.st_size = file_size;
	}
	fuse_reply_attr(req, &st, 0);
}

void stuck_open(fuse_req_t req, fuse_ino_t, fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

// Never answered: the request stays pending until the connection goes.
void stuck_read(fuse_req_t, fuse_ino_t, size_t, off_t, fuse_file_info *)
{
	const char c = 'r';
	(void)!write(read_seen_fd, &c, 1);
}

// Mounts the stuck file system in a child process; unmounts and kills it
// when the object goes.
class StuckFuse {
public:
	StuckFuse()
	{
		if (vt::sh("modprobe fuse") != 0)
			tap::skip("no FUSE");
		int fds[2];
		CHECK_OK(pipe2(fds, O_CLOEXEC));
		read_seen_.reset(fds[0]);
		vt::Fd w(fds[1]);
		mkdir(mountpoint, 0755);
		vt::Channel ready;
		server_ = fork();
		CHECK_OK(server_);
		if (server_ == 0) {
			// Dies with the test, which aborts the connection.
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			read_seen_fd = w.get();
			fuse_lowlevel_ops ops = {};
			ops.lookup = stuck_lookup;
			ops.getattr = stuck_getattr;
			ops.open = stuck_open;
			ops.read = stuck_read;
			char prog[] = "stuck", opt[] = "-oallow_other";
			char *argv[] = {prog, opt, nullptr};
			fuse_args args = FUSE_ARGS_INIT(2, argv);
			fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), nullptr);
			if (!se || fuse_session_mount(se, mountpoint) != 0)
				_exit(1);
			vt::send_u64(ready.a.get(), 1);
			fuse_session_loop(se);
			_exit(0);
		}
		vt::recv_u64(ready.b.get());
	}
	~StuckFuse()
	{
		abort();
		umount2(mountpoint, MNT_DETACH);
	}

	// The server's death aborts the connection: pending requests fail.
	void abort()
	{
		if (server_ < 0)
			return;
		kill(server_, SIGKILL);
		waitpid(server_, nullptr, 0);
		server_ = -1;
	}
	StuckFuse(const StuckFuse &) = delete;
	StuckFuse &operator=(const StuckFuse &) = delete;

	// Waits until the server has seen a READ.
	void wait_read()
	{
		char c;
		CHECK_EQ(read(read_seen_.get(), &c, 1), 1L);
	}

private:
	pid_t server_ = -1;
	vt::Fd read_seen_;
};

// Runs a shell command and fails unless it succeeds within quick_ms.
void quickly(const std::string &what, const std::string &cmd)
{
	const int64_t start = now_ns();
	const int rc = vt::sh("timeout -s KILL 10 " + cmd + " > /dev/null");
	const int64_t took = now_ns() - start;
	tap::note(what + ": " + vt::ms_str(took));
	if (rc != 0)
		tap::fail(what + ": exit status " + std::to_string(rc), __FILE__, __LINE__);
	if (took > quick_ms * ms_ns)
		tap::fail(what + " took " + vt::ms_str(took), __FILE__, __LINE__);
}

TEST("a pin stuck in a FUSE read stalls no open, dump, fdinfo or pin of anyone else, and dies "
     "at once on SIGKILL")
{
	StuckFuse fuse;
	const std::string file = std::string(mountpoint) + "/f";
	vt::Channel ch;
	// The pinner: an ordinary user who serves nothing itself here, but
	// whose pin cannot complete.
	const pid_t pinner = fork();
	CHECK_OK(pinner);
	if (pinner == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(1);
		auto s = vt::open_session();
		const int fd = open(file.c_str(), O_RDONLY);
		if (fd < 0)
			_exit(2);
		void *p = mmap(nullptr, file_size, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		vt::send_u64(ch.a.get(), static_cast<uint64_t>(s.get()));
		vt::pin(s.get(), reinterpret_cast<uintptr_t>(p), file_size, 0, nullptr);
		_exit(4);
	}
	const int session_fd = static_cast<int>(vt::recv_u64(ch.b.get()));
	fuse.wait_read();
	usleep(100000);
	// Still blocked in the pin.
	CHECK_EQ(waitpid(pinner, nullptr, WNOHANG), 0);

	const std::string repo = std::getenv("VPIN_REPO") ? std::getenv("VPIN_REPO") : ".";
	const std::string pinctl = repo + "/build/user/ctl/pinctl";
	quickly("open and close /dev/vpin", "sh -c ': < /dev/vpin'");
	quickly("pinctl list sessions", pinctl + " list sessions -j");
	quickly("pinctl list pins", pinctl + " list pins -j");
	quickly("pinctl status", pinctl + " status");
	quickly("genl ctrl list", "genl ctrl list");
	quickly("the pinner's fdinfo",
		"cat /proc/" + std::to_string(pinner) + "/fdinfo/" + std::to_string(session_fd));
	{
		const int64_t start = now_ns();
		auto s = vt::open_session();
		vt::Map anon(vt::page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		anon.touch();
		uint64_t id = 0;
		CHECK_OK(vt::pin(s.get(), anon.addr(), anon.length(), 0, &id));
		CHECK_OK(vt::unpin(s.get(), id));
		CHECK(now_ns() - start < quick_ms * ms_ns);
	}

	// Before 6.3 a long-term pin faults with the mmap lock held and cannot
	// be killed while the page stays locked: only the server's end (the
	// FUSE connection aborted) lets it go.
	const bool killable = !vt::kernel_older_than(6, 3);
	const int64_t start = now_ns();
	CHECK_OK(kill(pinner, SIGKILL));
	usleep(killable ? 0 : 300000);
	if (!killable) {
		CHECK_EQ(waitpid(pinner, nullptr, WNOHANG), 0);
		fuse.abort();
	}
	int status = 0;
	CHECK_EQ(waitpid(pinner, &status, 0), pinner);
	const int64_t took = now_ns() - start;
	tap::note("the pinner died " + vt::ms_str(took) + " after SIGKILL" +
		  (killable ? "" : " and the server's end"));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(took < quick_ms * ms_ns);
}

} // namespace
