/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_PIN_H
#define VPIN_PIN_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

#include "uapi/linux/vpin.h"

struct file;
struct page;
struct seq_file;
struct user_struct;
struct vpin_klease;
struct vpin_pagevec;
struct vpin_session;

/*
 * A long-term pin of a user address range. A file-backed pin holds a
 * reference on the file, so neither closing the data descriptor nor
 * unmapping the range ends it.
 */
struct vpin_kpin {
	u32 id;
	u32 flags;			/* VPIN_PIN_F_* */
	bool dax;			/* pinned without FOLL_LONGTERM */
	bool charged;			/* counted in user->locked_vm */
	bool counted;			/* in its uid's policy usage */
	unsigned long addr;
	unsigned long npages;
	loff_t offset;			/* file offset of @addr */
	struct file *file;		/* NULL for anonymous memory */
	struct vpin_klease *lease;	/* the session's lease on @file */
	struct user_struct *user;	/* who is charged for the pages */
	struct page **pages;
	struct list_head gone;		/* pins to unpin once unlocked */
	struct list_head maps;		/* VPIN_IOC_MAP mappings of it (map.c) */
	struct vpin_pagevec *pagevec;	/* @pages, once shared with mappings */
	ktime_t created;
};

int vpin_pin_create(struct vpin_session *s, const struct vpin_pin *req,
		    u64 __user *uid);
int vpin_pin_destroy(struct vpin_session *s, u32 id);
void vpin_pin_detach(struct vpin_session *s, struct vpin_kpin *pin,
		     struct list_head *gone);
void vpin_pin_free_list(struct vpin_session *s, struct list_head *gone);
void vpin_pin_show(struct seq_file *m, const struct vpin_kpin *pin);
int vpin_pin_check_mm(struct vpin_session *s);

#endif /* VPIN_PIN_H */
