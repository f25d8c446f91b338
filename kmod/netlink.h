/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_NETLINK_H
#define VPIN_NETLINK_H

#include "uapi/linux/vpin.h"

struct vpin_klease;
struct vpin_owner;
struct vpin_kpin;
struct vpin_session;

int vpin_nl_init(void);
void vpin_nl_exit(void);

void vpin_nl_pin_event(const struct vpin_session *s,
		       const struct vpin_kpin *pin, enum vpin_event_type type);
void vpin_nl_lease_event(const struct vpin_klease *lease,
			 enum vpin_event_type type);
void vpin_nl_map_event(const struct vpin_session *s,
		       const struct vpin_kpin *pin, unsigned long pages);

#endif /* VPIN_NETLINK_H */
