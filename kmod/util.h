/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_UTIL_H
#define VPIN_UTIL_H

#include <linux/string.h>
#include <linux/types.h>

#include "uapi/linux/vpin.h"

/* True if every element of a reserved array is zero. */
#define vpin_zero(arr) (!memchr_inv(arr, 0, sizeof(arr)))

static inline const char *vpin_lease_type_name(u32 type)
{
	switch (type) {
	case VPIN_LEASE_EXCLUSIVE:
		return "exclusive";
	case VPIN_LEASE_BREAKABLE:
		return "breakable";
	}
	return "unknown";
}

#endif /* VPIN_UTIL_H */
