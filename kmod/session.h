/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_SESSION_H
#define VPIN_SESSION_H

#include <linux/cred.h>
#include <linux/fs.h>
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
	struct mutex lock;		/* protects everything below */
	struct mm_struct *mm;
	struct xarray pins;		/* struct vpin_kpin by id */
	struct xarray leases;		/* struct vpin_klease by id */
	u32 next_pin_id;
	u32 next_lease_id;
	u64 pinned_pages;
	u64 id;
	pid_t pid;			/* thread group of the opener */
	kuid_t uid;
	char comm[TASK_COMM_LEN];
};

int vpin_session_open(struct inode *inode, struct file *file);
int vpin_session_release(struct inode *inode, struct file *file);
long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void vpin_session_show_fdinfo(struct seq_file *m, struct file *file);

#endif /* VPIN_SESSION_H */
