/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_MAP_H
#define VPIN_MAP_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "uapi/linux/vpin.h"

struct vpin_klease;
struct vpin_kpin;
struct vpin_session;

int vpin_map_create(struct vpin_session *s, struct vpin_map __user *uarg);
void vpin_map_kill_pin(struct vpin_kpin *pin);
void vpin_map_put_pages(struct vpin_kpin *pin);
void vpin_map_put_all(struct vpin_klease *lease);

bool vpin_orphan_adopt(struct vpin_klease *lease);

/* Orphaned leases, for the netlink dumps (struct vpin_klease.orphan_node). */
extern struct list_head vpin_orphans;
extern struct mutex vpin_orphans_lock;

int vpin_map_init(void);
void vpin_map_exit(void);

#endif /* VPIN_MAP_H */
