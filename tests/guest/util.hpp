// SPDX-License-Identifier: GPL-2.0
// Helpers shared by the guest tests: descriptors, the vpin ioctls as plain
// syscalls (so errno can be checked), and DAX file systems on pmem.
#pragma once

#include <linux/vpin.h>
#include <vpin/fd.hpp>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace vt {

// Owns a descriptor: the library's.
using Fd = vpin::Fd;

long page_size();
// n pages in bytes, as a size and as a file offset.
size_t pages(size_t n);
off_t offset(size_t n);
// open(2) with O_CLOEXEC (mode 0644 when creating); fails the test on error.
Fd open_file(const std::string &path, int flags);

// Opens /dev/vpin; fails the test if that is not possible.
Fd open_session();

// A memfd of length bytes; fails the test if it cannot be made.
Fd memfd(size_t length);

// The ioctls, returning 0 or -1 with errno like the syscall.
int pin(int session, uint64_t addr, uint64_t length, uint32_t flags, uint64_t *id);
int unpin(int session, uint64_t id);
int lease(int session, int fd, uint32_t type, uint64_t *id);
int unlease(int session, uint64_t id);
// An exclusive lease of fd; fails the test unless it is granted with an id.
uint64_t take_lease(int session, int fd);
// VPIN_IOC_MAP: the mapping descriptor of pages [offset, offset + length)
// of a pin at *fd.
int map_pin(int session, uint64_t pin, uint64_t offset, uint64_t length, int *fd);
// Both kinds of pin of [addr, addr + length) fail with err (a macro, so that a
// failure names the test's line).
#define CHECK_REFUSED(session, addr, length, err)                                        \
	do {                                                                             \
		CHECK_ERRNO(vt::pin(session, addr, length, 0, nullptr), err);            \
		CHECK_ERRNO(vt::pin(session, addr, length, VPIN_PIN_F_WRITE, nullptr), err); \
	} while (0)

// /proc/vmstat counters.
long vmstat(const std::string &name);

// Run a shell command; returns its exit status (or -1).
int sh(const std::string &cmd);
// The built pinctl.
std::string pinctl();

// Pages pinned with FOLL_PIN system-wide: nr_foll_pin_acquired minus
// nr_foll_pin_released (the counters count pages). /proc/vmstat leaves up to
// a threshold of pages per CPU unaccounted; this folds them in first through
// /proc/sys/vm/stat_refresh, which only root may read.
long foll_pinned();

// For a test that gives up root: starts a helper process that stays root and
// does the folding for foll_pinned(). The helper keeps no descriptor of the
// caller's (no session, no file) besides its socket.
void start_vmstat_helper();

// VmPin of /proc/self/status in kB (the address space's pinned_vm).
long vm_pin_kb();

// The pin counters as they were when the object was made; the members return
// the change since then, in pages.
class Baseline {
public:
	Baseline() : pinned_(foll_pinned()), vm_pin_kb_(vt::vm_pin_kb()) {}
	long pinned() const { return foll_pinned() - pinned_; }
	long vm_pin() const { return (vt::vm_pin_kb() - vm_pin_kb_) / (page_size() / 1024); }

private:
	long pinned_, vm_pin_kb_;
};

// An mmap()ed range, unmapped when the object goes away.
class Map {
public:
	Map(size_t length, int prot, int flags, int fd = -1, off_t offset = 0);
	// Takes over a range mapped by the caller.
	Map(void *addr, size_t length) : addr_(static_cast<char *>(addr)), length_(length) {}
	Map(const Map &) = delete;
	Map &operator=(const Map &) = delete;
	~Map() { unmap(); }

	char *data() const { return addr_; }
	uint64_t addr() const { return reinterpret_cast<uintptr_t>(addr_); }
	size_t length() const { return length_; }
	// Maps over [data() + at, data() + at + length) with MAP_FIXED.
	void place(size_t at, size_t length, int prot, int flags, int fd = -1, off_t offset = 0);
	// Writes a byte to every page so that all of them are populated.
	void touch();
	void unmap();

private:
	char *addr_ = nullptr;
	size_t length_ = 0;
};

// Runs fn in a child process. A failed CHECK in the child ends the child; the
// parent sees the failure when it calls wait().
class Child {
public:
	explicit Child(const std::function<void()> &fn);
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;
	// Kills and reaps the child if wait() was not called.
	~Child();

	// Waits for the child and fails the test unless it passed.
	void wait();
	// Sends a signal and reaps the child; returns its wait status.
	int kill(int sig);
	pid_t pid() const { return pid_; }

private:
	pid_t pid_ = -1;
	Fd report_;
};

// A connected pair of unix stream sockets, one end for each process.
struct Channel {
	Channel();
	Fd a, b;
};

void send_u64(int sock, uint64_t value);
uint64_t recv_u64(int sock);
// SCM_RIGHTS.
void send_fd(int sock, int fd);
Fd recv_fd(int sock);

// The "pin:" or "lease:" lines of /proc/self/fdinfo/<fd>, each split into its
// key=value fields ("path" takes the rest of the line).
using Fields = std::map<std::string, std::string>;
std::vector<Fields> fdinfo(int fd, const std::string &kind);
// The entry with id=<id>; fails the test if there is none.
const Fields &fdinfo_entry(const std::vector<Fields> &entries, uint64_t id);
// Fails the test unless the entry has key=want.
void check_field(const Fields &entry, const std::string &key, const std::string &want);

// Fills buf with bytes from a generator seeded with seed.
void fill_pattern(char *buf, size_t length, uint64_t seed);
// Everything the file at path holds.
std::string contents(const std::string &path);
// n pages of zeros.
std::string zeros(size_t n);
// s with part written over it from page first on.
std::string with(std::string s, size_t first, const std::string &part);
// FNV-1a of the bytes.
uint64_t checksum(const char *buf, size_t length);

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

// An ext4 or xfs on a pmem device mounted with dax=never: its files live in
// the page cache. Skips the test when no pmem device is there.
class PageCacheFs {
public:
	PageCacheFs(const std::string &fs, int pmem_index = 0);
	~PageCacheFs();
	PageCacheFs(const PageCacheFs &) = delete;
	PageCacheFs &operator=(const PageCacheFs &) = delete;

	const std::string &mountpoint() const { return mnt_; }
	std::string path(const std::string &name) const { return mnt_ + "/" + name; }

private:
	std::string mnt_;
};

// Creates (or truncates) path and writes length bytes of pattern seed into it,
// so that every block is allocated. Returns the descriptor, open O_RDWR.
Fd make_file(const std::string &path, size_t length, uint64_t seed = 1);

// FICLONERANGE of one range, like the system call.
long clone_range(int src, off_t src_off, int dst, off_t dst_off, size_t length);
// FIDEDUPERANGE of one range, returning the bytes deduplicated or -1 with
// the per-range status as errno (EBADE: the contents differ).
long dedupe(int src, off_t src_off, int dst, off_t dst_off, size_t length);

// A revoked lease's opener gets SIGBUS: count_sigbus() counts them in
// sigbus_count, from 0, instead of dying.
extern volatile sig_atomic_t sigbus_count;
void count_sigbus();

// CLOCK_MONOTONIC in nanoseconds, and a duration in ms for messages.
int64_t now_ns();
std::string ms_str(int64_t ns);

// The module's break_time_ms for the lifetime of the object, 0 again after.
class BreakTime {
public:
	explicit BreakTime(int64_t ms);
	~BreakTime();
	BreakTime(const BreakTime &) = delete;
	BreakTime &operator=(const BreakTime &) = delete;
};

// Waits until a record is readable on the session (fails the test after
// timeout_ms); returns when poll said so.
int64_t wait_event(int session, int timeout_ms);
// Is a record readable now?
bool event_queued(int session);
// The records readable now (at least one).
std::vector<vpin_event> read_events(int session);

// copy_file_range(2) of one range at explicit offsets.
long copy_range(int in, off_t in_off, int out, off_t out_off, size_t length);
// XFS_IOC_EXCHANGE_RANGE of [0, length) of both files, on file2.
long exchange_range(int file1, int file2, size_t length);
// XFS_IOC_SWAPEXT of whole files, with a zeroed bulkstat (xfs compares it
// only after flushing both files).
long swapext(int target, int tmp, off_t length);
// XFS_IOC_EXCHANGE_RANGE came with Linux 6.10.
bool kernel_has_exchange_range();
// The running kernel's release (uname -r).
// The device address of the block behind each page of [0, size), from
// FIEMAP (0: none).
std::vector<uint64_t> block_map(int fd);
// Whether an extent of fd is shared with another file (reflink).
bool any_shared(int fd);

std::string kernel_release();
// Is the running kernel older than major.minor?
bool kernel_older_than(unsigned major, unsigned minor);

// Which file system a test runs on: DAX (ext4 on pmem0, xfs on pmem1) or the
// page cache on the same devices.
struct FsKind {
	const char *name;
	const char *type;
	int pmem;
	bool dax;

	bool is_xfs() const { return std::string(type) == "xfs"; }
};

inline constexpr FsKind ext4_dax{"ext4-dax", "ext4", 0, true};
inline constexpr FsKind xfs_dax{"xfs-dax", "xfs", 1, true};
inline constexpr FsKind ext4_pagecache{"ext4-pagecache", "ext4", 0, false};
inline constexpr FsKind xfs_pagecache{"xfs-pagecache", "xfs", 1, false};

// A file system of that kind, mounted for the lifetime of the object.
class Mount {
public:
	explicit Mount(const FsKind &k);
	std::string path(const std::string &name) const;

private:
	std::unique_ptr<DaxFs> dax_;
	std::unique_ptr<PageCacheFs> pagecache_;
};

} // namespace vt

