/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_SESSION_H
#define VPIN_SESSION_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "uapi/linux/vpin.h"

/*
 * One open of /dev/vpin. Pins and leases live in the session's xarrays,
 * keyed by their ids; the session lock serialises every change to them.
 * The session is bound to the address space that opened it: @mm is grabbed
 * (not pinned) for the session's lifetime so that the pinned_vm charge can
 * be refunded even after the owner has exited.
 */
struct vpin_session {
	struct list_head node;		/* in vpin_sessions */
	struct mutex lock;		/* protects everything below */
	struct mm_struct *mm;
	struct xarray pins;		/* struct vpin_kpin by id */
	struct xarray leases;		/* struct vpin_klease by id */
	u32 next_pin_id;
	u32 next_lease_id;
	unsigned long npins;
	unsigned long nleases;
	u64 pinned_pages;
	u64 id;
	pid_t pid;			/* thread group of the opener */
	kuid_t uid;
	char comm[TASK_COMM_LEN];
};

/*
 * Every session, in id order, for the netlink dumps; lock order:
 * vpin_sessions_lock, then a session's lock.
 */
extern struct list_head vpin_sessions;
extern struct mutex vpin_sessions_lock;

/* Module-wide totals, and a generation bumped by every change of them. */
struct vpin_stats {
	atomic64_t sessions;
	atomic64_t pins;
	atomic64_t pinned_pages;
	atomic64_t leases;
	atomic64_t protected_files;
	atomic_t generation;
};

extern struct vpin_stats vpin_stats;

static inline void vpin_stats_add(atomic64_t *counter, s64 n)
{
	atomic64_add(n, counter);
	atomic_inc(&vpin_stats.generation);
}

int vpin_session_open(struct inode *inode, struct file *file);
int vpin_session_release(struct inode *inode, struct file *file);
long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void vpin_session_show_fdinfo(struct seq_file *m, struct file *file);

#endif /* VPIN_SESSION_H */
