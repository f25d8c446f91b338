/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_PROTECT_H
#define VPIN_PROTECT_H

#include <linux/types.h>

struct address_space;
struct fiemap_extent_info;
struct file;
struct page;
struct inode;
struct vpin_protected;

/* What vpin_check_extents() requires of a file's blocks. */
#define VPIN_EXTENTS_ALLOCATED	0x1	/* no hole, unwritten or delayed extent */
#define VPIN_EXTENTS_UNSHARED	0x2	/* no block shared with another file */

int vpin_check_extents(struct file *file, unsigned int need);
bool vpin_fiemap_is_ours(const struct fiemap_extent_info *fi);
int vpin_fiemap_fill(struct fiemap_extent_info *fi, u64 logical, u64 phys,
		     u64 len, u32 flags);

int vpin_dax_walk(struct address_space *mapping, pgoff_t first, pgoff_t last,
		  int (*fn)(struct page *page, pgoff_t index, void *arg),
		  void *arg);
struct page *vpin_dax_referenced(struct address_space *mapping);

int vpin_protect(struct inode *inode, struct vpin_protected **out);
void vpin_unprotect(struct vpin_protected *p);
bool vpin_inode_protected(const struct inode *inode);

#endif /* VPIN_PROTECT_H */
