/* SPDX-License-Identifier: MIT */
/*
 * libvpin: the C API of vpin for applications.
 *
 * A session is an open descriptor of the vpin device (/dev/vpin); every
 * function takes it as its first argument, so that a session can be polled,
 * passed to another process or closed with the usual calls. Leases, pins and
 * mappings are those of <linux/vpin.h>, which specifies what the module does
 * and when it refuses; this library adds no state of its own.
 *
 * Conventions:
 *  - Every function returns 0 on success and a negative errno value on
 *    failure; what it produces goes to the pointers it is given, which are
 *    written only on success. errno itself is unspecified afterwards.
 *  - Arguments the library can judge on its own (NULL pointers, flags it
 *    does not know, an unknown lease type) fail with -EINVAL before the
 *    module is asked. Everything else is the module's answer, with the
 *    errno values <linux/vpin.h> documents for each request.
 *  - A session that is not a descriptor fails with -EBADF; a descriptor that
 *    is not a vpin session (another device, a regular file, a pipe) fails
 *    with -ENOTTY, the kernel's answer to a vpin ioctl on any other file.
 *  - Only vpin_wait_events() waits for events; vpin_read_events() takes what
 *    is queued. The functions keep no state and may be called from several
 *    threads at once.
 *
 * The functions are named apart from the structures of <linux/vpin.h>, so
 * that C++ sees both. Link with -lvpin (pkg-config --cflags --libs vpin);
 * the symbols carry the version VPIN_1.0, and later versions only add
 * symbols.
 */
#ifndef VPIN_H
#define VPIN_H

#include <linux/vpin.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum vpin_open_flag - flags of vpin_open()
 * @VPIN_OPEN_NONBLOCK: open the session O_NONBLOCK: read(2) of it never
 *	waits. vpin_read_events() never waits either way; this matters to
 *	sessions read by several threads or processes.
 */
enum vpin_open_flag {
	VPIN_OPEN_NONBLOCK = 1U << 0,
};

/**
 * vpin_open() - open a session
 * @path: the vpin device node; NULL for VPIN_DEVICE_PATH ("/dev/vpin")
 * @flags: VPIN_OPEN_* flags, or 0
 * @session: receives the session's descriptor
 *
 * Opens the device read-write and close-on-exec, and checks that the module
 * speaks the ABI this library was built for (VPIN_ABI_VERSION). The session
 * lasts until its last descriptor is closed (close(2) or vpin_close()), which
 * releases its pins and leases.
 *
 * Return: 0, or a negative errno:
 *	-EINVAL @session is NULL or @flags has unknown bits;
 *	-ENOENT the device node does not exist (the module is not loaded);
 *	-EACCES the caller may not open it;
 *	-ENOTTY @path is not a vpin device;
 *	-EPROTONOSUPPORT the module speaks another ABI version;
 *	-EDQUOT the caller's uid has as many sessions as a policy allows;
 *	-EMFILE, -ENFILE, -ENOMEM, or another error of open(2).
 */
int vpin_open(const char *path, unsigned int flags, int *session);

/**
 * vpin_close() - close a session's descriptor
 * @session: a session from vpin_open()
 *
 * The session ends, and its pins and leases are released, when its last
 * descriptor goes (another process may still hold one).
 *
 * Return: 0, or a negative errno: -EBADF @session is not open; -ENOTTY it
 *	is not a vpin session (it stays open); -EINTR, -EIO as close(2)
 *	reports them (the descriptor is closed all the same).
 */
int vpin_close(int session);

/**
 * vpin_get_version() - the module's ABI version and features
 * @session: a vpin session
 * @abi_version: receives the ABI version (VPIN_ABI_VERSION); may be NULL
 * @features: receives the VPIN_FEATURE_* bits the module implements; may
 *	be NULL
 *
 * Reports what the module says, also an ABI version other than this
 * library's (vpin_open() refuses that one).
 *
 * Return: 0, or a negative errno: -EBADF @session is not open; -ENOTTY it
 *	is not a vpin session.
 */
int vpin_get_version(int session, uint32_t *abi_version, uint64_t *features);

/**
 * vpin_lease_file() - take a lease on a file
 * @session: a vpin session
 * @fd: a descriptor of the file; open for writing for an exclusive lease
 * @type: VPIN_LEASE_EXCLUSIVE or VPIN_LEASE_BREAKABLE
 * @flags: none defined, must be 0
 * @lease_id: receives the lease's id (never 0)
 *
 * An exclusive lease protects the file from every change of its blocks
 * (they fail with ETXTBSY) for as long as it is held, and lets the
 * session's pins of it be mapped for devices (vpin_map_pin()). A breakable
 * lease protects nothing: a truncate, fallocate, reflink or other change of
 * the file's blocks by another process breaks it. A VPIN_EVENT_LEASE_BREAK
 * event is then readable on the session (vpin_wait_events(),
 * vpin_read_events()) and the holder must release the lease
 * (vpin_release_lease()) within the break time, or the lease is revoked,
 * its pins are unpinned and the process that opened the session gets
 * SIGBUS.
 *
 * Return: 0, or a negative errno:
 *	-EINVAL @lease_id is NULL, @type is unknown, @flags is not 0, or the
 *		file is not a regular file;
 *	-EBADF @session is not open, @fd is not open, or not open for
 *		writing (exclusive);
 *	-ENOTTY @session is not a vpin session;
 *	-ENODATA (exclusive) the file is not fully allocated (write it first),
 *		or (both) it shares blocks with another file;
 *	-EBUSY another lease conflicts (also a second one of this session);
 *	-EAGAIN a break of the file is pending;
 *	-EPERM not the file's owner and no capability, or a policy refuses;
 *	-EDQUOT over a policy's quota;
 *	-EOPNOTSUPP, -ETXTBSY, -EINTR as <linux/vpin.h> says.
 */
int vpin_lease_file(int session, int fd, uint32_t type, unsigned int flags, uint64_t *lease_id);

/**
 * vpin_release_lease() - release a lease
 * @session: the session that holds it
 * @lease_id: its id
 *
 * The pins of the file under a breakable lease are released with it; under
 * an exclusive lease they must be unpinned first. A break waiting for this
 * lease proceeds at once.
 *
 * Return: 0, or a negative errno: -EBADF @session is not open; -ENOTTY it
 *	is not a vpin session; -ENOENT no such lease (also after a
 *	revocation); -EBUSY the session still pins the file under this
 *	exclusive lease.
 */
int vpin_release_lease(int session, uint64_t lease_id);

/**
 * vpin_pin_range() - pin a range of the caller's address space
 * @session: a vpin session opened by this process
 * @addr: page-aligned start
 * @length: bytes, a non-zero multiple of the page size
 * @flags: VPIN_PIN_F_WRITE if the pages may be written, or 0
 * @pin_id: receives the pin's id (never 0)
 *
 * The range must be mapped completely, by anonymous memory or by one file.
 * A range of an FS-DAX file needs a lease of this session on the file. A
 * pin holds its pages, and a reference on their file, until
 * vpin_release_pin(), the release of its breakable lease, or the end of the
 * session.
 *
 * Return: 0, or a negative errno:
 *	-EINVAL @pin_id is NULL, @flags has unknown bits, or @addr or
 *		@length is not page aligned or @length is 0;
 *	-EBADF @session is not open; -ENOTTY it is not a vpin session;
 *	-EFAULT the range is not mapped completely;
 *	-EPERM an FS-DAX file without a lease of this session, a session
 *		of another process, or a policy refuses;
 *	-EACCES PROT_NONE, or VPIN_PIN_F_WRITE on a read-only mapping;
 *	-EOPNOTSUPP VPIN_PIN_F_WRITE on a shared page-cache mapping;
 *	-EXDEV the range maps more than one file;
 *	-EAGAIN the lease is being broken;
 *	-ENOMEM over RLIMIT_MEMLOCK, or memory is short;
 *	-EOVERFLOW, -EDQUOT, -ESRCH, -EINTR as <linux/vpin.h> says.
 */
int vpin_pin_range(int session, const void *addr, uint64_t length, unsigned int flags,
	     uint64_t *pin_id);

/**
 * vpin_release_pin() - release a pin
 * @session: the session that holds it
 * @pin_id: its id
 *
 * A mapping made of the pin (vpin_map_pin()) fails with SIGBUS from then on.
 *
 * Return: 0, or a negative errno: -EBADF @session is not open; -ENOTTY it
 *	is not a vpin session; -ENOENT no such pin (also after its lease was
 *	released or revoked).
 */
int vpin_release_pin(int session, uint64_t pin_id);

/**
 * vpin_map_pin() - map a pin again, for devices to pin
 * @session: the session that holds the pin
 * @pin_id: a pin of FS-DAX pages of a file under the session's exclusive
 *	lease
 * @offset: page-aligned bytes into the pin
 * @length: page-aligned bytes; 0 for the rest of the pin
 * @flags: none defined, must be 0
 * @map_fd: receives a new descriptor (close-on-exec)
 *
 * The kernel refuses long-term pins of FS-DAX mappings (RDMA memory
 * registration, io_uring fixed buffers: EOPNOTSUPP). It accepts them on a
 * shared mmap(2) of @map_fd, which maps the pinned pages [@offset, @offset
 * + @length) of the pin, the file's own blocks, writable if the pin is;
 * mmap offsets are relative to @offset. Register that mapping with the
 * device. It lasts as long as the pin; the file stays protected for as long
 * as a device holds its pages, even after the lease ended.
 *
 * Return: 0, or a negative errno:
 *	-EINVAL @map_fd is NULL, @flags is not 0, or @offset or @length is
 *		not page aligned or beyond the pin;
 *	-EBADF @session is not open; -ENOTTY it is not a vpin session;
 *	-ENOENT no such pin;
 *	-ENODEV the pin is not of FS-DAX pages of the file;
 *	-EPERM the lease is not exclusive, or another process asks;
 *	-ENOSPC the lease has made as many mappings as it may;
 *	-ESRCH, -EMFILE, -ENFILE, -ENOMEM.
 */
int vpin_map_pin(int session, uint64_t pin_id, uint64_t offset, uint64_t length,
	     unsigned int flags, int *map_fd);

/**
 * vpin_wait_events() - wait until an event is readable on a session
 * @session: a vpin session
 * @timeout_ms: how long to wait in milliseconds; 0 not at all, -1 forever
 *
 * The session's descriptor can also be given to poll(2), select(2) or
 * epoll(7) directly: it is readable (POLLIN | POLLPRI) while an event is
 * queued.
 *
 * Return: 0 an event is queued, or a negative errno: -ETIMEDOUT none in
 *	time; -EINTR a signal came first; -EINVAL @timeout_ms is below -1;
 *	-EBADF @session is not open; -ENOTTY it is not a vpin session.
 */
int vpin_wait_events(int session, int timeout_ms);

/**
 * vpin_read_events() - read a session's queued events
 * @session: a vpin session
 * @events: room for @max records
 * @max: at least 1
 * @count: receives the number of records read, 0 if none was queued
 *
 * Reads what is queued, up to @max struct vpin_event records, without
 * waiting for more: a VPIN_EVENT_LEASE_BREAK (release the lease now) or a
 * VPIN_EVENT_LEASE_REVOKED (the lease and its pins are gone). If another
 * thread or process reads the same session at the same time, a read that
 * finds nothing left waits for the next event, unless the session is
 * non-blocking (VPIN_OPEN_NONBLOCK).
 *
 * Return: 0, or a negative errno: -EINVAL @events or @count is NULL or
 *	@max is 0; -EBADF @session is not open; -ENOTTY it is not a vpin
 *	session; -EINTR a signal interrupted the read; -EIO a partial record
 *	(which a vpin session never returns).
 */
int vpin_read_events(int session, struct vpin_event *events, size_t max, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* VPIN_H */
