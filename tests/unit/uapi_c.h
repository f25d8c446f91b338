/* SPDX-License-Identifier: GPL-2.0 */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The uapi structures as a C compiler lays them out, with their requests. */
struct uapi_c_layout {
	const char *name;
	size_t size;
	size_t align;
	unsigned long request;
};

extern const struct uapi_c_layout uapi_c_layouts[];
extern const size_t uapi_c_layout_count;

#ifdef __cplusplus
}
#endif
