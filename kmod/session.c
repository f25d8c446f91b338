// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open of /dev/vpin.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "session.h"

struct vpin_session {
	struct mutex lock;	/* protects the session's objects */
};

int vpin_session_open(struct inode *inode, struct file *file)
{
	struct vpin_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

int vpin_session_release(struct inode *inode, struct file *file)
{
	struct vpin_session *s = file->private_data;

	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static long vpin_ioc_version(struct vpin_session *s, void __user *uarg)
{
	struct vpin_version v;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.reserved0 || v.reserved[0] || v.reserved[1])
		return -EINVAL;
	v.abi_version = VPIN_ABI_VERSION;
	v.features = 0;
	if (copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vpin_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VPIN_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VPIN_IOC_VERSION):
		if (cmd != VPIN_IOC_VERSION)
			return -EINVAL;
		return vpin_ioc_version(s, uarg);
	}
	return -ENOTTY;
}
