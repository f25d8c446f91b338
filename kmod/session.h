/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_SESSION_H
#define VPIN_SESSION_H

#include <linux/fs.h>

#include "uapi/linux/vpin.h"

int vpin_session_open(struct inode *inode, struct file *file);
int vpin_session_release(struct inode *inode, struct file *file);
long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* VPIN_SESSION_H */
