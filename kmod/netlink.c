// SPDX-License-Identifier: GPL-2.0
/*
 * The "vpin" generic netlink family: status, dumps of sessions, pins and
 * leases, and the events multicast group. The attributes are specified in
 * uapi/linux/vpin.h.
 */

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "lease.h"
#include "map.h"
#include "netlink.h"
#include "pin.h"
#include "policy.h"
#include "session.h"
#include "util.h"

static const struct nla_policy vpin_policy[VPIN_A_MAX + 1] = {
	[VPIN_A_SESSION_ID] = { .type = NLA_U64 },
	/* Validated attribute by attribute in policy.c, for precise errors. */
	[VPIN_A_POLICY] = { .type = NLA_NESTED },
	[VPIN_A_RULE] = { .type = NLA_NESTED },
	[VPIN_A_LEASE_ID] = { .type = NLA_U32 },
};

static struct genl_family vpin_genl_family;

enum { VPIN_MCGRP_EVENTS };

/* What the reader of a dump may see, decided once when the dump starts. */
struct vpin_viewer {
	kuid_t uid;
	bool admin;
};

static struct vpin_viewer vpin_viewer_of(struct sk_buff *skb)
{
	return (struct vpin_viewer) {
		.uid = sock_i_uid(NETLINK_CB(skb).sk),
		.admin = netlink_capable(skb, CAP_SYS_ADMIN),
	};
}

static bool vpin_visible(const struct vpin_viewer *v,
			 const struct vpin_session *s)
{
	return v->admin || uid_eq(v->uid, s->uid);
}

static u64 vpin_age_ms(ktime_t created)
{
	return ktime_ms_delta(ktime_get_boottime(), created);
}

static int vpin_put_file(struct sk_buff *skb, int attr, struct file *file)
{
	const struct inode *inode = file_inode(file);
	struct nlattr *nest;
	char *buf, *path;
	int ret = -EMSGSIZE;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/*
	 * A session released by an exiting task (its last descriptor closed
	 * in do_exit()) has no root to resolve against any more: its events
	 * name the file by device and inode only.
	 */
	path = current->fs ? d_path(&file->f_path, buf, PATH_MAX) : ERR_PTR(-ENOENT);
	if (IS_ERR(path))
		path = "";

	nest = nla_nest_start(skb, attr);
	if (!nest)
		goto out;
	if (nla_put_u32(skb, VPIN_FILE_A_DEV, inode->i_sb->s_dev) ||
	    nla_put_u64_64bit(skb, VPIN_FILE_A_INO, inode->i_ino,
			      VPIN_FILE_A_PAD) ||
	    nla_put_string(skb, VPIN_FILE_A_PATH, path)) {
		nla_nest_cancel(skb, nest);
		goto out;
	}
	nla_nest_end(skb, nest);
	ret = 0;
out:
	kfree(buf);
	return ret;
}

static int vpin_put_pin(struct sk_buff *skb, const struct vpin_session *s,
			const struct vpin_kpin *pin)
{
	struct nlattr *nest = nla_nest_start(skb, VPIN_A_PIN);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VPIN_PIN_A_SESSION_ID, s->id, VPIN_PIN_A_PAD) ||
	    nla_put_u32(skb, VPIN_PIN_A_ID, pin->id) ||
	    nla_put_u32(skb, VPIN_PIN_A_FLAGS, pin->flags) ||
	    nla_put_u64_64bit(skb, VPIN_PIN_A_ADDR, pin->addr, VPIN_PIN_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_PIN_A_LENGTH, pin->npages << PAGE_SHIFT,
			      VPIN_PIN_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_PIN_A_OFFSET, pin->offset, VPIN_PIN_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_PIN_A_PAGES, pin->npages, VPIN_PIN_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_PIN_A_AGE_MS, vpin_age_ms(pin->created),
			      VPIN_PIN_A_PAD) ||
	    (pin->dax && nla_put_flag(skb, VPIN_PIN_A_DAX)) ||
	    (pin->file && vpin_put_file(skb, VPIN_PIN_A_FILE, pin->file)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* A lease of a session (session lock held), or an orphan (orphans lock). */
static int vpin_put_lease(struct sk_buff *skb, const struct vpin_klease *lease)
{
	struct nlattr *nest = nla_nest_start(skb, VPIN_A_LEASE);
	bool orphan = !lease->session;
	u64 left_ms = 0;
	bool breaking = vpin_lease_state(lease, &left_ms);
	u32 state = orphan ? VPIN_LEASE_STATE_ORPHANED :
		    breaking ? VPIN_LEASE_STATE_BREAKING : VPIN_LEASE_STATE_GRANTED;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VPIN_LEASE_A_SESSION_ID,
			      lease->owner.session_id, VPIN_LEASE_A_PAD) ||
	    nla_put_u32(skb, VPIN_LEASE_A_ID, lease->id) ||
	    nla_put_u32(skb, VPIN_LEASE_A_TYPE, lease->type) ||
	    nla_put_u32(skb, VPIN_LEASE_A_STATE, state) ||
	    (breaking && nla_put_u64_64bit(skb, VPIN_LEASE_A_BREAK_DEADLINE_MS,
					   left_ms, VPIN_LEASE_A_PAD)) ||
	    nla_put_u64_64bit(skb, VPIN_LEASE_A_MAPS, lease->nmaps,
			      VPIN_LEASE_A_PAD) ||
	    (orphan && nla_put_u64_64bit(skb, VPIN_LEASE_A_REFERENCED,
					 READ_ONCE(lease->referenced),
					 VPIN_LEASE_A_PAD)) ||
	    nla_put_u64_64bit(skb, VPIN_LEASE_A_PINS, lease->npins,
			      VPIN_LEASE_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_LEASE_A_AGE_MS,
			      vpin_age_ms(lease->created), VPIN_LEASE_A_PAD) ||
	    vpin_put_file(skb, VPIN_LEASE_A_FILE, lease->file))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int vpin_put_session(struct sk_buff *skb, const struct vpin_session *s)
{
	struct nlattr *nest = nla_nest_start(skb, VPIN_A_SESSION);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VPIN_SESSION_A_ID, s->id, VPIN_SESSION_A_PAD) ||
	    nla_put_u32(skb, VPIN_SESSION_A_PID, s->pid) ||
	    nla_put_u32(skb, VPIN_SESSION_A_UID,
			from_kuid_munged(&init_user_ns, s->uid)) ||
	    nla_put_string(skb, VPIN_SESSION_A_COMM, s->comm) ||
	    nla_put_u64_64bit(skb, VPIN_SESSION_A_PINS, s->npins,
			      VPIN_SESSION_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_SESSION_A_PINNED_BYTES,
			      s->pinned_pages << PAGE_SHIFT, VPIN_SESSION_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_SESSION_A_LEASES, s->nleases,
			      VPIN_SESSION_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

void *vpin_nl_reply_put(struct sk_buff *msg, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(msg, info, &vpin_genl_family, 0, cmd);
}

/* VPIN_CMD_REVOKE_LEASE: an administrator's revocation of a lease. */
static int vpin_nl_revoke_lease(struct sk_buff *skb, struct genl_info *info)
{
	int attr, ret;

	for (attr = 1; attr <= VPIN_A_MAX; attr++) {
		if (info->attrs[attr] && attr != VPIN_A_SESSION_ID &&
		    attr != VPIN_A_LEASE_ID) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
					    "not an attribute of this request");
			return -EINVAL;
		}
	}
	if (GENL_REQ_ATTR_CHECK(info, VPIN_A_SESSION_ID) ||
	    GENL_REQ_ATTR_CHECK(info, VPIN_A_LEASE_ID))
		return -EINVAL;
	if (!netlink_capable(skb, CAP_SYS_ADMIN))
		return -EPERM;
	ret = vpin_lease_admin_revoke(nla_get_u64(info->attrs[VPIN_A_SESSION_ID]),
				      nla_get_u32(info->attrs[VPIN_A_LEASE_ID]));
	/* The message tells this ENOENT from that of a family gone away. */
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such session or lease");
	return ret;
}

static int vpin_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vpin_genl_family, 0,
				VPIN_CMD_GET_STATUS);
	if (!hdr)
		goto err;
	if (nla_put_string(msg, VPIN_A_VERSION, VPIN_VERSION) ||
	    nla_put_u32(msg, VPIN_A_ABI_VERSION, VPIN_ABI_VERSION))
		goto err;
	nest = nla_nest_start(msg, VPIN_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_SESSIONS,
			      atomic64_read(&vpin_stats.sessions), VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_PINS,
			      atomic64_read(&vpin_stats.pins), VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_PINNED_BYTES,
			      atomic64_read(&vpin_stats.pinned_pages) << PAGE_SHIFT,
			      VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_LEASES,
			      atomic64_read(&vpin_stats.leases), VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_PROTECTED_FILES,
			      atomic64_read(&vpin_stats.protected_files),
			      VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_ORPHANS,
			      atomic64_read(&vpin_stats.orphans), VPIN_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, VPIN_STATS_A_MAPS,
			      atomic64_read(&vpin_stats.maps), VPIN_STATS_A_PAD))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Dump state in cb->args: [0] the session id to resume at, [1] the object
 * id to resume at within it, [2] the viewer's uid, [3] whether the viewer is
 * an administrator, [4] the session id filter (0: all), [5] leases: set
 * once the sessions are done and the orphans are dumped ([1] their position).
 */
enum { DUMP_SESSION, DUMP_OBJECT, DUMP_UID, DUMP_ADMIN, DUMP_FILTER, DUMP_PHASE };

static int vpin_nl_dump_start(struct netlink_callback *cb)
{
	struct nlattr *filter = genl_info_dump(cb)->attrs[VPIN_A_SESSION_ID];
	struct vpin_viewer v = vpin_viewer_of(cb->skb);

	cb->args[DUMP_SESSION] = 0;
	cb->args[DUMP_OBJECT] = 0;
	cb->args[DUMP_UID] = from_kuid_munged(&init_user_ns, v.uid);
	cb->args[DUMP_ADMIN] = v.admin;
	cb->args[DUMP_FILTER] = filter ? nla_get_u64(filter) : 0;
	cb->args[DUMP_PHASE] = 0;
	/* Room for one object with the longest path in an empty message. */
	cb->min_dump_alloc = NLMSG_GOODSIZE + PATH_MAX;
	return 0;
}

static struct vpin_viewer vpin_dump_viewer(struct netlink_callback *cb)
{
	return (struct vpin_viewer) {
		.uid = make_kuid(&init_user_ns, cb->args[DUMP_UID]),
		.admin = cb->args[DUMP_ADMIN],
	};
}

/* Put one object; returns 0, or -EMSGSIZE when the message is full. */
typedef int (*vpin_dump_obj_fn)(struct sk_buff *skb, struct netlink_callback *cb,
				struct vpin_session *s, unsigned long *next);

int vpin_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
		     void **hdr)
{
	*hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &vpin_genl_family, NLM_F_MULTI,
			   genl_dumpit_info(cb)->op.cmd);
	if (!*hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, *hdr);
	return 0;
}

/*
 * The next session to dump: the first visible one with an id at or above
 * @from, referenced. vpin_sessions_lock is dropped before a session lock is
 * taken, so a dump never makes session opens or other dumps wait.
 */
static struct vpin_session *vpin_dump_next(struct netlink_callback *cb, u64 from)
{
	struct vpin_viewer v = vpin_dump_viewer(cb);
	u64 filter = cb->args[DUMP_FILTER];
	struct vpin_session *s, *found = NULL;

	mutex_lock(&vpin_sessions_lock);
	cb->seq = atomic_read(&vpin_stats.generation) | 1;
	list_for_each_entry(s, &vpin_sessions, node) {
		if (s->id < from || !vpin_visible(&v, s) ||
		    (filter && s->id != filter))
			continue;
		vpin_session_get(s);
		found = s;
		break;
	}
	mutex_unlock(&vpin_sessions_lock);
	return found;
}

/* Is a session left to dump, from where the walk stopped? */
static bool vpin_dump_next_exists(struct netlink_callback *cb)
{
	struct vpin_session *s = vpin_dump_next(cb, cb->args[DUMP_SESSION]);

	if (!s)
		return false;
	vpin_session_put(s);
	return true;
}

/*
 * Walk the visible sessions from where the last message stopped and let @fn
 * put objects, one netlink message each.
 */
static int vpin_dump_walk(struct sk_buff *skb, struct netlink_callback *cb,
			  vpin_dump_obj_fn fn)
{
	struct vpin_session *s;
	int ret = 0;

	while ((s = vpin_dump_next(cb, cb->args[DUMP_SESSION]))) {
		unsigned long next;

		if (s->id != cb->args[DUMP_SESSION])
			cb->args[DUMP_OBJECT] = 0;
		cb->args[DUMP_SESSION] = s->id;
		next = cb->args[DUMP_OBJECT];
		if (mutex_lock_killable(&s->lock)) {
			vpin_session_put(s);
			return -EINTR;
		}
		if (!s->released)
			ret = fn(skb, cb, s, &next);
		mutex_unlock(&s->lock);
		vpin_session_put(s);
		cb->args[DUMP_OBJECT] = next;
		if (ret)
			break;
		cb->args[DUMP_OBJECT] = 0;
		cb->args[DUMP_SESSION] = s->id + 1;
	}
	/* Full; but an object that fits no message fails the dump. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ? ret : skb->len;
}

static int vpin_dump_one_session(struct sk_buff *skb, struct netlink_callback *cb,
				 struct vpin_session *s, unsigned long *next)
{
	void *hdr;

	if (*next)
		return 0;
	if (vpin_nl_dump_put(skb, cb, &hdr))
		return -EMSGSIZE;
	if (vpin_put_session(skb, s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	*next = 1;
	return 0;
}

/*
 * Put the objects of one of a session's xarrays, from *next on, as many to
 * a message as fit: a dump of 100,000 pins is a few hundred messages.
 */
static int vpin_dump_xa(struct sk_buff *skb, struct netlink_callback *cb,
			struct vpin_session *s, struct xarray *xa,
			unsigned long *next,
			int (*put)(struct sk_buff *skb,
				   const struct vpin_session *s, const void *obj))
{
	void *obj, *hdr = NULL;
	unsigned long id, n = 0;
	int ret = 0;

	xa_for_each_start(xa, id, obj, *next) {
		if (!hdr && vpin_nl_dump_put(skb, cb, &hdr))
			return -EMSGSIZE;
		if (put(skb, s, obj)) {
			ret = -EMSGSIZE;
			break;
		}
		*next = id + 1;
		n++;
	}
	if (hdr && !n)
		genlmsg_cancel(skb, hdr);
	else if (hdr)
		genlmsg_end(skb, hdr);
	return ret;
}

static int vpin_put_pin_obj(struct sk_buff *skb, const struct vpin_session *s,
			    const void *obj)
{
	return vpin_put_pin(skb, s, obj);
}

static int vpin_put_lease_obj(struct sk_buff *skb, const struct vpin_session *s,
			      const void *obj)
{
	return vpin_put_lease(skb, obj);
}

static int vpin_dump_session_pins(struct sk_buff *skb, struct netlink_callback *cb,
				  struct vpin_session *s, unsigned long *next)
{
	return vpin_dump_xa(skb, cb, s, &s->pins, next, vpin_put_pin_obj);
}

static int vpin_dump_session_leases(struct sk_buff *skb, struct netlink_callback *cb,
				    struct vpin_session *s, unsigned long *next)
{
	return vpin_dump_xa(skb, cb, s, &s->leases, next, vpin_put_lease_obj);
}

static int vpin_nl_dump_sessions(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vpin_dump_walk(skb, cb, vpin_dump_one_session);
}

static int vpin_nl_dump_pins(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vpin_dump_walk(skb, cb, vpin_dump_session_pins);
}

/*
 * After the sessions' leases, the orphans (DUMP_PHASE set), resumed by
 * their position in the list. An orphan is visible to its session's uid.
 */
static int vpin_dump_orphans(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vpin_viewer v = vpin_dump_viewer(cb);
	u64 filter = cb->args[DUMP_FILTER];
	struct vpin_klease *lease;
	unsigned long pos = 0;
	void *hdr;
	int ret = 0;

	if (mutex_lock_killable(&vpin_orphans_lock))
		return -EINTR;
	list_for_each_entry(lease, &vpin_orphans, orphan_node) {
		if (pos++ < cb->args[DUMP_OBJECT])
			continue;
		if ((!v.admin && !uid_eq(v.uid, lease->owner.uid)) ||
		    (filter && lease->owner.session_id != filter)) {
			cb->args[DUMP_OBJECT] = pos;
			continue;
		}
		ret = vpin_nl_dump_put(skb, cb, &hdr);
		if (!ret) {
			ret = vpin_put_lease(skb, lease);
			if (ret)
				genlmsg_cancel(skb, hdr);
			else
				genlmsg_end(skb, hdr);
		}
		if (ret)
			break;
		cb->args[DUMP_OBJECT] = pos;
	}
	mutex_unlock(&vpin_orphans_lock);
	return !ret || (ret == -EMSGSIZE && skb->len) ? skb->len : ret;
}

static int vpin_nl_dump_leases(struct sk_buff *skb, struct netlink_callback *cb)
{
	int ret;

	if (!cb->args[DUMP_PHASE]) {
		ret = vpin_dump_walk(skb, cb, vpin_dump_session_leases);
		if (ret < 0 || vpin_dump_next_exists(cb))
			return ret;
		cb->args[DUMP_PHASE] = 1;
		cb->args[DUMP_OBJECT] = 0;
	}
	return vpin_dump_orphans(skb, cb);
}

static const struct genl_ops vpin_genl_ops[] = {
	{
		.cmd = VPIN_CMD_GET_STATUS,
		.doit = vpin_nl_get_status,
	},
	{
		.cmd = VPIN_CMD_GET_SESSIONS,
		.start = vpin_nl_dump_start,
		.dumpit = vpin_nl_dump_sessions,
	},
	{
		.cmd = VPIN_CMD_GET_PINS,
		.start = vpin_nl_dump_start,
		.dumpit = vpin_nl_dump_pins,
	},
	{
		.cmd = VPIN_CMD_GET_LEASES,
		.start = vpin_nl_dump_start,
		.dumpit = vpin_nl_dump_leases,
	},
	{
		/* CAP_SYS_ADMIN, checked by the handler (not CAP_NET_ADMIN). */
		.cmd = VPIN_CMD_SET_POLICY,
		.doit = vpin_policy_nl_set,
	},
	{
		.cmd = VPIN_CMD_GET_POLICY,
		.start = vpin_policy_nl_dump_start,
		.dumpit = vpin_policy_nl_dump,
	},
	{
		.cmd = VPIN_CMD_GET_USAGE,
		.start = vpin_usage_nl_dump_start,
		.dumpit = vpin_usage_nl_dump,
	},
	{
		/* CAP_SYS_ADMIN, checked by the handler (not CAP_NET_ADMIN). */
		.cmd = VPIN_CMD_REVOKE_LEASE,
		.doit = vpin_nl_revoke_lease,
	},
};

static const struct genl_multicast_group vpin_mcgrps[] = {
	[VPIN_MCGRP_EVENTS] = {
		.name = VPIN_GENL_MCGRP_EVENTS,
#ifdef COMPAT_CANNOT_FILTER_MULTICAST
		/* Without per-listener filtering, only admins may listen. */
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
#endif
	},
};

static struct genl_family vpin_genl_family __ro_after_init = {
	.name = VPIN_GENL_NAME,
	.version = VPIN_GENL_VERSION,
	.maxattr = VPIN_A_MAX,
	.policy = vpin_policy,
	.module = THIS_MODULE,
	.ops = vpin_genl_ops,
	.n_ops = ARRAY_SIZE(vpin_genl_ops),
	.mcgrps = vpin_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vpin_mcgrps),
	.resv_start_op = VPIN_CMD_GET_STATUS,
	/* Every operation does its own locking: no genl_mutex around them. */
	.parallel_ops = true,
};

/* Drop the event for listeners that may not see it: returns true to drop. */
static int vpin_event_filter(struct sock *dsk, struct sk_buff *skb, void *data)
{
	const kuid_t *uid = data;
	struct socket *sock = dsk->sk_socket;

	/* Events of no uid (a new rule set) are everyone's. */
	if (!uid)
		return false;
	if (sock && sock->file &&
	    file_ns_capable(sock->file, &init_user_ns, CAP_SYS_ADMIN))
		return false;
	return !uid_eq(sock_i_uid(dsk), *uid);
}

/* Put the event header; the caller adds its attributes and sends. */
static struct sk_buff *vpin_nl_event_new(u32 type, struct nlattr **nest,
					 void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&vpin_genl_family, &init_net, VPIN_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &vpin_genl_family, 0, VPIN_CMD_EVENT);
	*nest = *hdr ? nla_nest_start(skb, VPIN_A_EVENT) : NULL;
	if (!*nest || nla_put_u32(skb, VPIN_EVENT_A_TYPE, type)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void vpin_nl_event_send(struct sk_buff *skb, struct nlattr *nest,
			       void *hdr, kuid_t *uid)
{
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns_filtered(&vpin_genl_family, &init_net, skb, 0,
					 VPIN_MCGRP_EVENTS, GFP_KERNEL,
					 vpin_event_filter, uid);
}

/* Start an event of a session's object: its header, owner and file. */
static struct sk_buff *vpin_nl_object_event(const struct vpin_owner *o,
					    enum vpin_event_type type,
					    u32 object_id, unsigned long pages,
					    struct file *file,
					    struct nlattr **nest, void **hdr)
{
	struct sk_buff *skb;

	skb = vpin_nl_event_new(type, nest, hdr);
	if (!skb)
		return NULL;
	if (nla_put_u64_64bit(skb, VPIN_EVENT_A_SESSION_ID, o->session_id,
			      VPIN_EVENT_A_PAD) ||
	    nla_put_u32(skb, VPIN_EVENT_A_PID, o->pid) ||
	    nla_put_u32(skb, VPIN_EVENT_A_UID,
			from_kuid_munged(&init_user_ns, o->uid)) ||
	    nla_put_u32(skb, VPIN_EVENT_A_OBJECT_ID, object_id) ||
	    (pages && nla_put_u64_64bit(skb, VPIN_EVENT_A_PAGES, pages,
					VPIN_EVENT_A_PAD)) ||
	    (file && vpin_put_file(skb, VPIN_EVENT_A_FILE, file))) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void vpin_nl_event(const struct vpin_owner *o,
			  enum vpin_event_type type, u32 object_id,
			  unsigned long pages, struct file *file)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	kuid_t uid = o->uid;
	void *hdr;

	skb = vpin_nl_object_event(o, type, object_id, pages, file, &nest, &hdr);
	if (skb)
		vpin_nl_event_send(skb, nest, hdr, &uid);
}

void vpin_nl_pin_event(const struct vpin_session *s,
		       const struct vpin_kpin *pin, enum vpin_event_type type)
{
	struct vpin_owner o = vpin_session_owner(s);

	vpin_nl_event(&o, type, pin->id, pin->npages, pin->file);
}

void vpin_nl_map_event(const struct vpin_session *s,
		       const struct vpin_kpin *pin, unsigned long pages)
{
	struct vpin_owner o = vpin_session_owner(s);

	vpin_nl_event(&o, VPIN_EVENT_MAP, pin->id, pages, pin->file);
}

static struct sk_buff *vpin_nl_lease_event_new(const struct vpin_klease *lease,
					       enum vpin_event_type type,
					       struct nlattr **nest, void **hdr)
{
	struct sk_buff *skb;

	skb = vpin_nl_object_event(&lease->owner, type, lease->id,
				   READ_ONCE(lease->referenced), lease->file,
				   nest, hdr);
	if (skb && nla_put_u32(skb, VPIN_EVENT_A_LEASE_TYPE, lease->type)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

void vpin_nl_lease_event(const struct vpin_klease *lease,
			 enum vpin_event_type type)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	kuid_t uid = lease->owner.uid;
	void *hdr;

	skb = vpin_nl_lease_event_new(lease, type, &nest, &hdr);
	if (skb)
		vpin_nl_event_send(skb, nest, hdr, &uid);
}

/*
 * A break started (VPIN_EVENT_LEASE_BREAK) or a revocation
 * (VPIN_EVENT_LEASE_REVOKED), caused by the current task.
 */
void vpin_nl_break_event(const struct vpin_klease *lease,
			 enum vpin_event_type type, u32 reason)
{
	s64 left = ktime_ms_delta(READ_ONCE(lease->deadline), ktime_get());
	char comm[TASK_COMM_LEN];
	struct sk_buff *skb;
	struct nlattr *nest;
	kuid_t uid = lease->owner.uid;
	void *hdr;

	skb = vpin_nl_lease_event_new(lease, type, &nest, &hdr);
	if (!skb)
		return;
	get_task_comm(comm, current);
	if (nla_put_u32(skb, VPIN_EVENT_A_REASON, reason) ||
	    nla_put_u32(skb, VPIN_EVENT_A_BREAKER_PID, task_tgid_nr(current)) ||
	    nla_put_string(skb, VPIN_EVENT_A_BREAKER_COMM, comm) ||
	    (type == VPIN_EVENT_LEASE_BREAK &&
	     nla_put_u64_64bit(skb, VPIN_EVENT_A_BREAK_MS, max_t(s64, left, 0),
			       VPIN_EVENT_A_PAD)) ||
	    (type == VPIN_EVENT_LEASE_REVOKED &&
	     nla_put_u32(skb, VPIN_EVENT_A_SIGNAL,
			 vpin_revoke_signal(lease->grant.on_revoke)))) {
		nlmsg_free(skb);
		return;
	}
	vpin_nl_event_send(skb, nest, hdr, &uid);
}

void vpin_nl_policy_denied(const struct vpin_denial *d)
{
	struct nlattr *nest;
	kuid_t uid = d->uid;
	struct sk_buff *skb;
	void *hdr;

	skb = vpin_nl_event_new(VPIN_EVENT_POLICY_DENIED, &nest, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, VPIN_EVENT_A_PID, d->pid) ||
	    nla_put_u32(skb, VPIN_EVENT_A_UID,
			from_kuid_munged(&init_user_ns, d->uid)) ||
	    nla_put_string(skb, VPIN_EVENT_A_COMM, d->comm) ||
	    nla_put_u32(skb, VPIN_EVENT_A_OPERATION, d->op) ||
	    nla_put_string(skb, VPIN_EVENT_A_RULE, d->rule) ||
	    nla_put_u32(skb, VPIN_EVENT_A_ERRNO, d->error) ||
	    nla_put_u64_64bit(skb, VPIN_EVENT_A_SUPPRESSED, d->suppressed,
			      VPIN_EVENT_A_PAD) ||
	    (d->file && vpin_put_file(skb, VPIN_EVENT_A_FILE, d->file))) {
		nlmsg_free(skb);
		return;
	}
	vpin_nl_event_send(skb, nest, hdr, &uid);
}

void vpin_nl_policy_changed(u64 generation, u32 nrules)
{
	struct nlattr *nest;
	struct sk_buff *skb;
	void *hdr;

	skb = vpin_nl_event_new(VPIN_EVENT_POLICY_CHANGED, &nest, &hdr);
	if (!skb)
		return;
	if (nla_put_u64_64bit(skb, VPIN_EVENT_A_GENERATION, generation,
			      VPIN_EVENT_A_PAD) ||
	    nla_put_u32(skb, VPIN_EVENT_A_RULES, nrules)) {
		nlmsg_free(skb);
		return;
	}
	vpin_nl_event_send(skb, nest, hdr, NULL);
}

int __init vpin_nl_init(void)
{
	return genl_register_family(&vpin_genl_family);
}

void vpin_nl_exit(void)
{
	genl_unregister_family(&vpin_genl_family);
}
