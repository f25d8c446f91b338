/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_SESSION_H
#define VPIN_SESSION_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "uapi/linux/vpin.h"

/*
 * One open of /dev/vpin. Pins and leases live in the session's xarrays,
 * keyed by their ids; the session lock serialises every change to them.
 * The session is bound to the address space that opened it: @mm is grabbed
 * (not pinned) for the session's lifetime so that the pinned_vm charge can
 * be refunded even after the owner has exited.
 */
#define VPIN_SESSION_EVENTS 64	/* queued struct vpin_event records */

struct vpin_session {
	struct list_head node;		/* in vpin_sessions */
	struct kref ref;		/* the open file, and revoking breakers */
	struct pid *owner;		/* thread group that opened it */

	/* Events for read(2), poll(2) and O_ASYNC. */
	spinlock_t events_lock;		/* protects the ring */
	unsigned int events_head;
	unsigned int events_count;
	unsigned long events_dropped;
	struct vpin_event events[VPIN_SESSION_EVENTS];
	struct pid *event_pids[VPIN_SESSION_EVENTS];	/* breaker_pid, as a pid */
	wait_queue_head_t events_wait;
	struct fasync_struct *fasync;

	const struct cred *cred;	/* the opener's: signals, policies */
	struct vpin_usage *usage;	/* its uid's, for the policy's quotas */
	atomic64_t policy_hint;		/* policy.c: its rule for memory */

	/*
	 * Protects everything below. Held for bounded work only: never across
	 * GUP, a user copy or a call into a file system.
	 */
	struct mutex lock;
	bool released;			/* the file is gone: nothing to dump */
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

/* Who a lease or an event belongs to, kept past the session's end. */
struct vpin_owner {
	u64 session_id;
	pid_t pid;
	kuid_t uid;
};

static inline struct vpin_owner vpin_session_owner(const struct vpin_session *s)
{
	return (struct vpin_owner) {
		.session_id = s->id, .pid = s->pid, .uid = s->uid,
	};
}

/*
 * Every session, in id order, for the netlink dumps. No session lock is
 * taken under vpin_sessions_lock.
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
	atomic64_t orphans;
	atomic64_t maps;
	atomic_t generation;
};

extern struct vpin_stats vpin_stats;

static inline void vpin_stats_add(atomic64_t *counter, s64 n)
{
	atomic64_add(n, counter);
	atomic_inc(&vpin_stats.generation);
}

void vpin_session_get(struct vpin_session *s);
void vpin_session_put(struct vpin_session *s);
struct vpin_session *vpin_session_find(u64 id);
void vpin_session_queue_event(struct vpin_session *s,
			      const struct vpin_event *ev, struct pid *breaker);

int vpin_session_open(struct inode *inode, struct file *file);
int vpin_session_release(struct inode *inode, struct file *file);
long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void vpin_session_show_fdinfo(struct seq_file *m, struct file *file);
ssize_t vpin_session_read(struct file *file, char __user *buf, size_t len,
			  loff_t *ppos);
__poll_t vpin_session_poll(struct file *file, struct poll_table_struct *wait);
int vpin_session_fasync(int fd, struct file *file, int on);

#endif /* VPIN_SESSION_H */
