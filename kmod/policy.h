/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_POLICY_H
#define VPIN_POLICY_H

#include <linux/types.h>

#include "uapi/linux/vpin.h"

struct file;
struct genl_info;
struct netlink_callback;
struct sk_buff;
struct vpin_session;
struct vpin_usage;

/* What a lease was granted under: kept with it for its break and revocation. */
struct vpin_grant {
	u32 break_ms;		/* 0: the module's break time */
	u32 on_revoke;		/* enum vpin_on_revoke */
};

/*
 * Each check judges one request by the active rule set (if any) and, when
 * it is allowed, charges it to the uid's usage in the same step; the
 * matching vpin_policy_*_done() refunds it. A refusal is EPERM or EDQUOT
 * and emits VPIN_EVENT_POLICY_DENIED.
 */
int vpin_policy_open(struct vpin_session *s);
void vpin_policy_close(struct vpin_session *s);
void vpin_policy_free(struct vpin_session *s);
int vpin_policy_pin(struct vpin_session *s, struct file *file,
		    unsigned long npages);
void vpin_policy_pin_done(struct vpin_session *s, unsigned long npages);
int vpin_policy_lease(struct vpin_session *s, struct file *file, u32 type,
		      struct vpin_usage **usage, struct vpin_grant *grant);
void vpin_policy_lease_done(struct vpin_usage *usage, u32 type);

/* Netlink (netlink.c): VPIN_CMD_SET_POLICY, _GET_POLICY, _GET_USAGE. */
int vpin_policy_nl_set(struct sk_buff *skb, struct genl_info *info);
int vpin_policy_nl_dump_start(struct netlink_callback *cb);
int vpin_policy_nl_dump(struct sk_buff *skb, struct netlink_callback *cb);
int vpin_usage_nl_dump_start(struct netlink_callback *cb);
int vpin_usage_nl_dump(struct sk_buff *skb, struct netlink_callback *cb);

void vpin_policy_exit(void);

#endif /* VPIN_POLICY_H */
