// SPDX-License-Identifier: GPL-2.0
/*
 * vpin: long-term page pins and layout leases for files on stock kernels.
 *
 * Module entry points and the /dev/vpin misc device. Every open of the
 * device is a session (session.c).
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "hook.h"
#include "lease.h"
#include "map.h"
#include "netlink.h"
#include "policy.h"
#include "session.h"

static const struct file_operations vpin_fops = {
	.owner = THIS_MODULE,
	.open = vpin_session_open,
	.release = vpin_session_release,
	.unlocked_ioctl = vpin_session_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = vpin_session_show_fdinfo,
	.read = vpin_session_read,
	.poll = vpin_session_poll,
	.fasync = vpin_session_fasync,
#ifdef COMPAT_HAS_NO_LLSEEK
	.llseek = no_llseek,
#endif
};

static struct miscdevice vpin_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VPIN_DEVICE_NAME,
	.fops = &vpin_fops,
};

static int __init vpin_init(void)
{
	int ret;

	ret = vpin_lease_init();
	if (ret)
		return ret;
	ret = vpin_map_init();
	if (ret)
		goto err_lease;
	ret = vpin_hook_init();
	if (ret)
		goto err_map;
	ret = vpin_nl_init();
	if (ret) {
		pr_err("cannot register the %s netlink family: %d\n",
		       VPIN_GENL_NAME, ret);
		goto err_hook;
	}
	ret = misc_register(&vpin_misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", VPIN_DEVICE_NAME, ret);
		goto err_nl;
	}
	pr_info("version %s, ABI %u loaded\n", VPIN_VERSION, VPIN_ABI_VERSION);
	return 0;

err_nl:
	vpin_nl_exit();
	vpin_policy_exit();
err_hook:
	vpin_hook_exit();
err_map:
	vpin_map_exit();
err_lease:
	vpin_lease_exit();
	return ret;
}

static void __exit vpin_exit(void)
{
	misc_deregister(&vpin_misc);
	vpin_nl_exit();
	vpin_policy_exit();
	vpin_hook_exit();
	vpin_map_exit();
	vpin_lease_exit();
	pr_info("unloaded\n");
}

module_init(vpin_init);
module_exit(vpin_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Long-term page pins and layout leases for files");
MODULE_VERSION(VPIN_VERSION);
MODULE_AUTHOR("vpin developers");
MODULE_ALIAS_GENL_FAMILY(VPIN_GENL_NAME);
