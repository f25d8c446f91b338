// SPDX-License-Identifier: MIT
/*
 * libvpin: sessions, leases, pins, mappings and events of /dev/vpin. Each
 * function checks what it can judge itself, issues one request and returns
 * the module's answer as a negative errno.
 */
#define _GNU_SOURCE

#include <vpin.h>

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * libvpin.so exports the functions of <vpin.h> (and libvpin.map gives them
 * their version); linked into a program or another library, nothing is
 * exported.
 */
#ifdef VPIN_BUILD_SHARED
#define VPIN_EXPORT __attribute__((visibility("default")))
#else
#define VPIN_EXPORT
#endif

static int vpin_ioctl(int session, unsigned long request, void *arg)
{
	if (ioctl(session, request, arg) < 0)
		return -errno;
	return 0;
}

int vpin_ioc_version(int fd, struct vpin_version *reply)
{
	return vpin_ioctl(fd, VPIN_IOC_VERSION, reply);
}

int vpin_check_version(const struct vpin_version *reply)
{
	return reply->abi_version == VPIN_ABI_VERSION ? 0 : -EPROTONOSUPPORT;
}

/* 0 if session is a vpin session, -EBADF or -ENOTTY if not. */
static int vpin_check_session(int session)
{
	struct vpin_version v = { 0 };

	return vpin_ioc_version(session, &v);
}

int vpin_open_with(const char *path, unsigned int flags, int *session,
		   vpin_ioc_version_fn query)
{
	struct vpin_version v = { 0 };
	int oflags = O_RDWR | O_CLOEXEC | O_NOCTTY;
	int fd, ret;

	if (!session || (flags & ~(unsigned int)VPIN_OPEN_NONBLOCK))
		return -EINVAL;
	if (flags & VPIN_OPEN_NONBLOCK)
		oflags |= O_NONBLOCK;
	fd = open(path ? path : VPIN_DEVICE_PATH, oflags);
	if (fd < 0)
		return -errno;
	ret = query(fd, &v);
	if (!ret)
		ret = vpin_check_version(&v);
	if (ret) {
		close(fd);
		return ret;
	}
	*session = fd;
	return 0;
}

VPIN_EXPORT int vpin_open(const char *path, unsigned int flags, int *session)
{
	return vpin_open_with(path, flags, session, vpin_ioc_version);
}

VPIN_EXPORT int vpin_close(int session)
{
	int ret = vpin_check_session(session);

	if (ret)
		return ret;
	if (close(session) < 0)
		return -errno;
	return 0;
}

VPIN_EXPORT int vpin_get_version(int session, uint32_t *abi_version, uint64_t *features)
{
	struct vpin_version v = { 0 };
	int ret = vpin_ioc_version(session, &v);

	if (ret)
		return ret;
	if (abi_version)
		*abi_version = v.abi_version;
	if (features)
		*features = v.features;
	return 0;
}

VPIN_EXPORT int vpin_lease_file(int session, int fd, uint32_t type, unsigned int flags,
			   uint64_t *lease_id)
{
	struct vpin_lease l = { 0 };
	int ret;

	if (!lease_id || flags ||
	    (type != VPIN_LEASE_EXCLUSIVE && type != VPIN_LEASE_BREAKABLE))
		return -EINVAL;
	l.fd = fd;
	l.type = type;
	ret = vpin_ioctl(session, VPIN_IOC_LEASE, &l);
	if (!ret)
		*lease_id = l.id;
	return ret;
}

VPIN_EXPORT int vpin_release_lease(int session, uint64_t lease_id)
{
	struct vpin_unlease u = { 0 };

	u.id = lease_id;
	return vpin_ioctl(session, VPIN_IOC_UNLEASE, &u);
}

VPIN_EXPORT int vpin_pin_range(int session, const void *addr, uint64_t length, unsigned int flags,
			 uint64_t *pin_id)
{
	struct vpin_pin p = { 0 };
	int ret;

	if (!pin_id || (flags & ~(unsigned int)__VPIN_PIN_F_ALL))
		return -EINVAL;
	p.addr = (uintptr_t)addr;
	p.length = length;
	p.flags = flags;
	ret = vpin_ioctl(session, VPIN_IOC_PIN, &p);
	if (!ret)
		*pin_id = p.id;
	return ret;
}

VPIN_EXPORT int vpin_release_pin(int session, uint64_t pin_id)
{
	struct vpin_unpin u = { 0 };

	u.id = pin_id;
	return vpin_ioctl(session, VPIN_IOC_UNPIN, &u);
}

VPIN_EXPORT int vpin_map_pin(int session, uint64_t pin_id, uint64_t offset, uint64_t length,
			 unsigned int flags, int *map_fd)
{
	struct vpin_map m = { 0 };
	int ret;

	if (!map_fd || flags)
		return -EINVAL;
	m.pin_id = pin_id;
	m.offset = offset;
	m.length = length;
	ret = vpin_ioctl(session, VPIN_IOC_MAP, &m);
	if (!ret)
		*map_fd = m.fd;
	return ret;
}

/* 1 if an event is queued, 0 if none came within timeout_ms, or -errno. */
static int vpin_poll(int session, int timeout_ms)
{
	struct pollfd p = { .fd = session, .events = POLLIN | POLLPRI };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (n > 0 && (p.revents & POLLNVAL))
		return -EBADF;
	return n > 0;
}

VPIN_EXPORT int vpin_wait_events(int session, int timeout_ms)
{
	int ret;

	if (timeout_ms < -1)
		return -EINVAL;
	/* poll(2) ignores negative descriptors and finds any file readable. */
	ret = vpin_check_session(session);
	if (ret)
		return ret;
	ret = vpin_poll(session, timeout_ms);
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIMEDOUT;
}

VPIN_EXPORT int vpin_read_events(int session, struct vpin_event *events, size_t max,
				 size_t *count)
{
	const size_t most = SSIZE_MAX / sizeof(*events);
	ssize_t n;
	int ret;

	if (!events || !count || !max)
		return -EINVAL;
	/* read(2) would read any other file. */
	ret = vpin_check_session(session);
	if (ret)
		return ret;
	ret = vpin_poll(session, 0);
	if (ret < 0)
		return ret;
	if (!ret) {
		*count = 0;
		return 0;
	}
	n = read(session, events, (max < most ? max : most) * sizeof(*events));
	if (n < 0 && errno == EAGAIN)
		n = 0;	/* another reader was first */
	if (n < 0)
		return -errno;
	/* A session returns whole records only. */
	if ((size_t)n % sizeof(*events))
		return -EIO;
	*count = (size_t)n / sizeof(*events);
	return 0;
}
