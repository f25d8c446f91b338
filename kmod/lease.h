/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_LEASE_H
#define VPIN_LEASE_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/signal.h>
#include <linux/types.h>

#include "policy.h"
#include "session.h"
#include "uapi/linux/vpin.h"

struct file;
struct inode;
struct seq_file;
struct vpin_file;
struct vpin_protected;
struct vpin_session;

/* A session's lease on a file. */
struct vpin_klease {
	u32 id;
	u32 type;			/* enum vpin_lease_type */
	struct vpin_session *session;	/* NULL once orphaned */
	struct vpin_owner owner;	/* the session's, for events and dumps */
	struct file *file;		/* reference taken at grant time */
	struct vpin_file *vfile;	/* every lease on the same inode */
	struct list_head vfile_node;
	struct list_head session_node;	/* teardown list */
	unsigned long npins;		/* the session's pins on the file */
	struct vpin_protected *protected;	/* exclusive leases */
	ktime_t created;
	struct vpin_usage *usage;	/* its uid's, counted until it ends */
	struct vpin_grant grant;	/* break time, on_revoke */
	bool ready;			/* pins may rely on it (its blocks checked) */
	/* Breakable leases, under vpin_files_lock. */
	bool gone;			/* out of its session, pins going */
	bool breaking;
	u32 break_seq;			/* which break, for revocation */
	u32 break_reason;		/* enum vpin_break_reason */
	ktime_t deadline;		/* CLOCK_MONOTONIC */
	/* Mappings (map.c): added under the session lock, gone at the end. */
	struct list_head maps;		/* struct vpin_kmap */
	unsigned long nmaps;
	unsigned long referenced;	/* orphaned: pages others still hold */
	struct page *orphan_hint;	/* orphaned: one of them */
	struct list_head orphan_node;	/* in vpin_orphans */
};

int vpin_lease_create(struct vpin_session *s, const struct vpin_lease *req,
		      u64 __user *uid);
int vpin_lease_destroy(struct vpin_session *s, u32 id);
int vpin_lease_admin_revoke(u64 session_id, u32 id);
void vpin_lease_release_all(struct vpin_session *s);
struct vpin_klease *vpin_lease_find(struct vpin_session *s,
				    const struct inode *inode);
void vpin_lease_show(struct seq_file *m, const struct vpin_klease *lease);
void vpin_lease_end(struct vpin_klease *lease);
bool vpin_lease_state(const struct vpin_klease *lease, u64 *left_ms);

/*
 * Breaking breakable leases before a layout change of @inode. A successful
 * vpin_lease_break() hands out a token that keeps new leases of the file
 * refused (EAGAIN) until vpin_break_done() says the change is over.
 */
#define VPIN_BREAK_NONBLOCK	0x1	/* EWOULDBLOCK instead of waiting */
#define VPIN_BREAK_NOSELF	0x2	/* a holder's own change is not EDEADLK */
#define VPIN_BREAK_FORCE	0x4	/* killable; a fatal signal revokes at once */

int vpin_lease_break(struct inode *inode, u32 reason, unsigned int flags,
		     struct vpin_file **token);
void vpin_break_done(struct vpin_file *token);
bool vpin_inode_breakable(const struct inode *inode);
bool vpin_inode_pinned_from(const struct inode *inode, loff_t start);
void vpin_lease_pinned(struct vpin_klease *lease, loff_t end);

/* The signal a revocation sends the session's opener (0: none). */
static inline int vpin_revoke_signal(u32 on_revoke)
{
	switch (on_revoke) {
	case VPIN_REVOKE_SIGKILL:
		return SIGKILL;
	case VPIN_REVOKE_NONE:
		return 0;
	default:
		return SIGBUS;
	}
}

int vpin_lease_init(void);
void vpin_lease_exit(void);

#endif /* VPIN_LEASE_H */
