// SPDX-License-Identifier: GPL-2.0
#include "util.hpp"

#include "tap.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

namespace vt {

long page_size()
{
	static const long size = sysconf(_SC_PAGESIZE);
	return size;
}

Fd open_session()
{
	int fd = ::open(VPIN_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap::fail(std::string("open " VPIN_DEVICE_PATH ": ") + tap::errno_name(errno),
			  __FILE__, __LINE__);
	return Fd(fd);
}

int pin(int session, uint64_t addr, uint64_t length, uint32_t flags, uint64_t *id)
{
	struct vpin_pin p = {};
	p.addr = addr;
	p.length = length;
	p.flags = flags;
	int r = ioctl(session, VPIN_IOC_PIN, &p);
	if (r == 0 && id)
		*id = p.id;
	return r;
}

int unpin(int session, uint64_t id)
{
	struct vpin_unpin u = {};
	u.id = id;
	return ioctl(session, VPIN_IOC_UNPIN, &u);
}

int lease(int session, int fd, uint32_t type, uint64_t *id)
{
	struct vpin_lease l = {};
	l.fd = fd;
	l.type = type;
	int r = ioctl(session, VPIN_IOC_LEASE, &l);
	if (r == 0 && id)
		*id = l.id;
	return r;
}

int unlease(int session, uint64_t id)
{
	struct vpin_unlease u = {};
	u.id = id;
	return ioctl(session, VPIN_IOC_UNLEASE, &u);
}

long vmstat(const std::string &name)
{
	// The counters are per CPU; a write to stat_refresh folds them in.
	std::ofstream("/proc/sys/vm/stat_refresh") << "1\n";
	std::ifstream in("/proc/vmstat");
	std::string key;
	long value;
	while (in >> key >> value)
		if (key == name)
			return value;
	tap::fail("no " + name + " in /proc/vmstat", __FILE__, __LINE__);
}

int sh(const std::string &cmd)
{
	int status = std::system(cmd.c_str());
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static std::string repo()
{
	const char *r = std::getenv("VPIN_REPO");
	return r ? r : ".";
}

DaxFs::DaxFs(const std::string &fs, int pmem_index)
	: fs_(fs), dev_("/dev/pmem" + std::to_string(pmem_index)),
	  mnt_("/mnt/vpin-" + fs + std::to_string(pmem_index))
{
	struct stat st;
	if (stat(dev_.c_str(), &st) < 0)
		tap::skip(dev_ + " does not exist");
	std::string cmd = repo() + "/tests/vm/mkfs-dax " + fs_ + " " + dev_ + " " + mnt_ +
			  " >/dev/null";
	if (sh(cmd) != 0)
		tap::fail("cannot make a DAX " + fs_ + " on " + dev_, __FILE__, __LINE__);
}

DaxFs::~DaxFs()
{
	::umount2(mnt_.c_str(), MNT_DETACH);
}

void DaxFs::remount()
{
	if (::umount(mnt_.c_str()) < 0)
		tap::fail("umount " + mnt_ + ": " + tap::errno_name(errno), __FILE__, __LINE__);
	if (::mount(dev_.c_str(), mnt_.c_str(), fs_.c_str(), 0, "dax") < 0)
		tap::fail("mount " + mnt_ + ": " + tap::errno_name(errno), __FILE__, __LINE__);
}

} // namespace vt
