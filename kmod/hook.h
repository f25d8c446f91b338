/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_HOOK_H
#define VPIN_HOOK_H

struct file_system_type;
struct inode;

int vpin_hook_init(void);
void vpin_hook_exit(void);
int vpin_hook_fs(struct file_system_type *type);
bool vpin_inode_xfs_dax(const struct inode *inode);
int vpin_drop_cow(struct inode *inode);

#endif /* VPIN_HOOK_H */
