/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_PROTECT_H
#define VPIN_PROTECT_H

#include <linux/types.h>

struct file;
struct inode;
struct vpin_protected;

int vpin_protect_init(void);
void vpin_protect_exit(void);

int vpin_check_allocated(struct file *file);
int vpin_protect(struct file *file, struct vpin_protected **out);
void vpin_unprotect(struct vpin_protected *p);
bool vpin_inode_protected(const struct inode *inode);

#endif /* VPIN_PROTECT_H */
