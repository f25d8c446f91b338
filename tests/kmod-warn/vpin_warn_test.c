// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose only purpose is to WARN when loaded: the test guest must
 * turn that into a failed run.
 */

#include <linux/bug.h>
#include <linux/module.h>

static int __init vpin_warn_test_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit vpin_warn_test_exit(void)
{
}

module_init(vpin_warn_test_init);
module_exit(vpin_warn_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vpin test harness self-check: WARN on load");
