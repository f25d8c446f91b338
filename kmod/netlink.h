/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_NETLINK_H
#define VPIN_NETLINK_H

#include <linux/sched.h>
#include <linux/uidgid.h>

#include "uapi/linux/vpin.h"

struct genl_info;
struct netlink_callback;
struct sk_buff;
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

/* A request a policy refused (policy.c). */
struct vpin_denial {
	kuid_t uid;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u32 op;				/* enum vpin_policy_op */
	struct file *file;		/* NULL: none */
	const char *rule;		/* "" for the defaults */
	u32 error;
	u64 suppressed;
};

void vpin_nl_break_event(const struct vpin_klease *lease,
			 enum vpin_event_type type, u32 reason);
void vpin_nl_policy_denied(const struct vpin_denial *d);
void vpin_nl_policy_changed(u64 generation, u32 nrules);

/* Message headers of the family, for policy.c's replies and dumps. */
void *vpin_nl_reply_put(struct sk_buff *msg, struct genl_info *info, u8 cmd);
int vpin_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
		     void **hdr);

#endif /* VPIN_NETLINK_H */
