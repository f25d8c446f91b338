// SPDX-License-Identifier: GPL-2.0
// Helpers shared by the guest tests: descriptors, the vpin ioctls as plain
// syscalls (so errno can be checked), and DAX file systems on pmem.
#pragma once

#include <linux/vpin.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utility>

namespace vt {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept
	{
		if (this != &o)
			reset(std::exchange(o.fd_, -1));
		return *this;
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd() { reset(); }

	int get() const { return fd_; }
	int release() { return std::exchange(fd_, -1); }
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

long page_size();

// Opens /dev/vpin; fails the test if that is not possible.
Fd open_session();

// The ioctls, returning 0 or -1 with errno like the syscall.
int pin(int session, uint64_t addr, uint64_t length, uint32_t flags, uint64_t *id);
int unpin(int session, uint64_t id);
int lease(int session, int fd, uint32_t type, uint64_t *id);
int unlease(int session, uint64_t id);

// /proc/vmstat counters.
long vmstat(const std::string &name);

// Run a shell command; returns its exit status (or -1).
int sh(const std::string &cmd);

// A DAX file system on a pmem device, mounted for the lifetime of the object.
class DaxFs {
public:
	// fs is "ext4" or "xfs"; skips the test when no pmem device is there.
	DaxFs(const std::string &fs, int pmem_index = 0);
	~DaxFs();
	DaxFs(const DaxFs &) = delete;
	DaxFs &operator=(const DaxFs &) = delete;

	const std::string &mountpoint() const { return mnt_; }
	std::string path(const std::string &name) const { return mnt_ + "/" + name; }
	// Unmount and mount again (drops every cached page of the file system).
	void remount();

private:
	std::string fs_, dev_, mnt_;
};

} // namespace vt
