/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims that let the core code, written against Linux 6.12, build on older
 * kernels. Force-included into every object; which shims apply is decided by
 * compat/probe from the target kernel's headers.
 */
#ifndef VPIN_COMPAT_H
#define VPIN_COMPAT_H

/* Every message of the module names it; defined before any header. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef COMPAT_PIN_USER_PAGES_HAS_VMAS
#include <linux/mm.h>
static inline long vpin_compat_pin_user_pages(unsigned long start,
					      unsigned long nr_pages,
					      unsigned int gup_flags,
					      struct page **pages)
{
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
}

#define pin_user_pages(start, nr, flags, pages) \
	vpin_compat_pin_user_pages(start, nr, flags, pages)
#endif

#endif /* VPIN_COMPAT_H */
