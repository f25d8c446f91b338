/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vpin: long-term page pins and layout leases for files, on stock kernels.
 *
 * This header is the ABI specification. The module and all of userspace are
 * built from it; it only uses userspace-safe types and compiles standalone in
 * C and C++.
 *
 * Sessions
 * --------
 * Every open of /dev/vpin creates a session. A session owns pins and leases;
 * they are released when the last reference to the session's file goes away
 * (close, exit, after fork or SCM_RIGHTS passing: whoever holds the last
 * reference). A session is bound to the address space (mm) of the process that
 * opened it: VPIN_IOC_PIN interprets addresses in that address space and is
 * refused in any other one (EPERM while the owner lives, ESRCH once it has
 * exited). Everything else may be used by any holder of the descriptor.
 *
 * ioctl conventions
 * -----------------
 * Every ioctl takes a pointer to a structure whose size is encoded in the
 * request number. The module dispatches on the command number and answers:
 *   ENOTTY  unknown command or wrong ioctl type;
 *   EINVAL  known command with a structure size other than the one below,
 *           unknown flag bits, a non-zero reserved field, a bad enum value;
 *   EFAULT  the structure itself cannot be read or written.
 * Structures are only ever extended by turning reserved fields into new
 * fields whose zero value keeps the old behaviour. Output fields are written
 * only when the ioctl succeeds.
 *
 * VPIN_IOC_VERSION (struct vpin_version)
 *   Returns the ABI version (VPIN_ABI_VERSION) and the features the module
 *   implements (VPIN_FEATURE_*).
 *
 * VPIN_IOC_PIN (struct vpin_pin)
 *   Pins [addr, addr + length) of the session's address space for as long as
 *   the pin exists and returns its id (never 0). The range must be mapped
 *   completely, by anonymous memory or by a single file (several VMAs of the
 *   same file are fine). A file-backed pin holds a reference on the file: the
 *   data descriptor may be closed and the range unmapped; the file system
 *   cannot be unmounted (EBUSY) while the pin exists.
 *
 *   mapping                          read-only pin    VPIN_PIN_F_WRITE
 *   anonymous, shmem/memfd, hugetlb  yes              yes
 *   page cache file (ext4, xfs, ..)  yes              EOPNOTSUPP
 *   FS-DAX file                      with a lease of this session on the
 *                                    file, else EPERM (both columns)
 *
 *   Writable shared page-cache mappings are refused because the file system
 *   tracks dirty pages through write faults; DMA through a long-term pin
 *   writes behind its back (Linux 6.5 refuses the same). FS-DAX pages have no
 *   page cache; what keeps them safe is the lease, which keeps the file's
 *   block map from changing while it is pinned.
 *
 *   Errors: EINVAL addr or length not page aligned, length 0; EOVERFLOW
 *   addr + length wraps; EFAULT range outside the user address space or not
 *   completely mapped; EACCES PROT_NONE in the range, or VPIN_PIN_F_WRITE on
 *   a mapping without write permission; EXDEV the range maps more than one
 *   file or mixes file and anonymous memory; ENOMEM the pin would exceed
 *   RLIMIT_MEMLOCK (pinned pages are charged to the address space's pinned_vm
 *   like RDMA memory registrations, unless CAP_IPC_LOCK) or memory is short.
 *   A failed pin leaves nothing pinned or charged.
 *
 * VPIN_IOC_UNPIN (struct vpin_unpin)
 *   Releases the pin with the given id. ENOENT if the session has no such pin.
 *
 * VPIN_IOC_LEASE (struct vpin_lease)
 *   Takes a lease of the given type on the file behind fd and returns its id.
 *
 *   VPIN_LEASE_EXCLUSIVE: fd must be open for writing, the caller must own
 *   the file or have CAP_LINUX_IMMUTABLE, and the file must be a regular file
 *   that is not a swap file. One session at a time holds it (EBUSY for any
 *   other session, and for a second request of the same session).
 *
 *   Errors: EBADF fd is not open; EINVAL not a regular file or bad type;
 *   EBADF fd not open for writing (exclusive); EPERM not the owner and no
 *   CAP_LINUX_IMMUTABLE; ETXTBSY the file is an active swap file; EBUSY
 *   another lease conflicts.
 *
 * VPIN_IOC_UNLEASE (struct vpin_unlease)
 *   Releases the lease with the given id. ENOENT unknown id; EBUSY the
 *   session still has pins on the file.
 */
#ifndef _UAPI_LINUX_VPIN_H
#define _UAPI_LINUX_VPIN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VPIN_DEVICE_NAME "vpin"
#define VPIN_DEVICE_PATH "/dev/vpin"
#define VPIN_ABI_VERSION 1

enum vpin_feature {
	VPIN_FEATURE_PIN = 1U << 0,
	VPIN_FEATURE_LEASE_EXCLUSIVE = 1U << 1,
	__VPIN_FEATURE_ALL = VPIN_FEATURE_PIN | VPIN_FEATURE_LEASE_EXCLUSIVE,
};

struct vpin_version {
	__u32 abi_version;	/* out: VPIN_ABI_VERSION */
	__u32 reserved0;	/* must be zero */
	__u64 features;		/* out: VPIN_FEATURE_* */
	__u64 reserved[2];	/* must be zero */
};

enum vpin_pin_flag {
	VPIN_PIN_F_WRITE = 1U << 0,	/* the pinned pages may be written */
	__VPIN_PIN_F_ALL = VPIN_PIN_F_WRITE,
};

struct vpin_pin {
	__u64 addr;		/* in: page aligned start */
	__u64 length;		/* in: bytes, a non-zero multiple of the page size */
	__u32 flags;		/* in: VPIN_PIN_F_* */
	__u32 reserved0;	/* must be zero */
	__u64 id;		/* out: pin id, never 0 */
	__u64 reserved[4];	/* must be zero */
};

struct vpin_unpin {
	__u64 id;		/* in */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 reserved[2];	/* must be zero */
};

enum vpin_lease_type {
	VPIN_LEASE_UNSPEC,
	VPIN_LEASE_EXCLUSIVE,
	__VPIN_LEASE_LAST,
};

#define VPIN_LEASE_MAX (__VPIN_LEASE_LAST - 1)

struct vpin_lease {
	__s32 fd;		/* in: the file to lease */
	__u32 type;		/* in: enum vpin_lease_type */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 id;		/* out: lease id, never 0 */
	__u64 reserved[4];	/* must be zero */
};

struct vpin_unlease {
	__u64 id;		/* in */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 reserved[2];	/* must be zero */
};

#define VPIN_IOC_MAGIC 0xB7

#define VPIN_IOC_VERSION	_IOWR(VPIN_IOC_MAGIC, 0x00, struct vpin_version)
#define VPIN_IOC_PIN		_IOWR(VPIN_IOC_MAGIC, 0x01, struct vpin_pin)
#define VPIN_IOC_UNPIN		_IOWR(VPIN_IOC_MAGIC, 0x02, struct vpin_unpin)
#define VPIN_IOC_LEASE		_IOWR(VPIN_IOC_MAGIC, 0x03, struct vpin_lease)
#define VPIN_IOC_UNLEASE	_IOWR(VPIN_IOC_MAGIC, 0x04, struct vpin_unlease)

#endif /* _UAPI_LINUX_VPIN_H */
