// SPDX-License-Identifier: GPL-2.0
/* <linux/vpin.h> on its own, as C11. */
#include <linux/vpin.h>

#include "uapi_c.h"

#define LAYOUT(type, request) { #type, sizeof(struct type), _Alignof(struct type), request }

const struct uapi_c_layout uapi_c_layouts[] = {
	LAYOUT(vpin_version, VPIN_IOC_VERSION),
	LAYOUT(vpin_pin, VPIN_IOC_PIN),
	LAYOUT(vpin_unpin, VPIN_IOC_UNPIN),
	LAYOUT(vpin_lease, VPIN_IOC_LEASE),
	LAYOUT(vpin_unlease, VPIN_IOC_UNLEASE),
	LAYOUT(vpin_map, VPIN_IOC_MAP),
};

const size_t uapi_c_layout_count = sizeof(uapi_c_layouts) / sizeof(uapi_c_layouts[0]);
