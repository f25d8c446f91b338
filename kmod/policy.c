// SPDX-License-Identifier: GPL-2.0
/*
 * Policies: the rule set an administrator loads over netlink, and the
 * usage per uid that its quotas count ("Policies" in uapi/linux/vpin.h).
 *
 * Locking: the active set is published with RCU and reference counted. A
 * request judges under rcu_read_lock() alone, without sleeping (the file's
 * parent directories are walked as d_path() walks them); the dumps, which
 * sleep, take a reference. The set itself is never changed, only replaced,
 * under vpin_rules_mutex, and freed only after a grace period and its last
 * reference. Usage lives in a hash table under
 * vpin_usage_lock, a spinlock held for bounded work only, under which a
 * quota check and its charge happen together. The check runs once per
 * request, never per page.
 */

#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/log2.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "netlink.h"
#include "policy.h"
#include "session.h"

enum { VPIN_Q_PINNED, VPIN_Q_SESSIONS, VPIN_Q_LEASES, VPIN_Q_EXCLUSIVE, VPIN_Q_N };

/* Each quota's attribute in a rule, and in a usage record. */
static const u8 vpin_rule_quota_attrs[VPIN_Q_N] = {
	[VPIN_Q_PINNED] = VPIN_RULE_A_MAX_PINNED,
	[VPIN_Q_SESSIONS] = VPIN_RULE_A_MAX_SESSIONS,
	[VPIN_Q_LEASES] = VPIN_RULE_A_MAX_LEASES,
	[VPIN_Q_EXCLUSIVE] = VPIN_RULE_A_MAX_EXCLUSIVE,
};

static const u8 vpin_usage_quota_attrs[VPIN_Q_N] = {
	[VPIN_Q_PINNED] = VPIN_USAGE_A_MAX_PINNED,
	[VPIN_Q_SESSIONS] = VPIN_USAGE_A_MAX_SESSIONS,
	[VPIN_Q_LEASES] = VPIN_USAGE_A_MAX_LEASES,
	[VPIN_Q_EXCLUSIVE] = VPIN_USAGE_A_MAX_EXCLUSIVE,
};

/* A directory (or file) by identity: its file system and inode number. */
struct vpin_dir {
	dev_t dev;
	unsigned long ino;
};

#define VPIN_NO_QUOTA U64_MAX

struct vpin_rule {
	char name[VPIN_POLICY_NAME_MAX];
	u32 allow;			/* VPIN_ALLOW_* */
	u32 break_ms;			/* 0: the module's */
	u32 on_revoke;
	u64 max[VPIN_Q_N];		/* bytes for VPIN_Q_PINNED */
	u64 limit[VPIN_Q_N];		/* what it counts: pages for pinned */
	u32 limited;			/* BIT(VPIN_Q_*) of the quotas it sets */
	bool has_break, has_revoke;
	u32 nusers, ngroups, npaths;
	kuid_t users[VPIN_POLICY_MAX_IDS];
	kgid_t groups[VPIN_POLICY_MAX_IDS];
	char *paths[VPIN_POLICY_MAX_PATHS];	/* as given, for GET_POLICY */
	struct vpin_dir dirs[VPIN_POLICY_MAX_PATHS];	/* what they named */
	atomic64_t denies;
};

/*
 * The index of a set: each rule under the keys one of which a request it
 * matches must have. A rule with paths is found by its directories, else
 * one with users by its uids, else one with groups by its gids; a rule
 * with none of them is always looked at. Entries are sorted by key, then
 * by rule, and a hash table finds the first entry of a key, so a request
 * looks at the candidates of each of its keys in rule order and stops at
 * the first match: the cost follows the keys of the request, not the
 * number of rules. The table also holds the file system of every
 * directory (VPIN_KEY_DEV), so that a file on one no rule names is not
 * walked at all; kinds of key no rule has are not looked up. What a
 * request runs when it has no candidate and nothing is refused is kept
 * together and short, the rest out of line.
 */
enum {
	VPIN_KEY_NONE,			/* a free slot */
	VPIN_KEY_ALWAYS,
	VPIN_KEY_DIR,
	VPIN_KEY_USER,
	VPIN_KEY_GROUP,
	VPIN_KEY_DEV,			/* in slots only */
};

struct vpin_key {
	u32 kind;
	u32 rule;
	u64 a, b;			/* dev and inode; uid or gid in a */
};

/* A slot of the hash table: a key and its first entry. */
struct vpin_slot {
	u64 a, b;
	u32 kind;
	u32 first;
};

#define VPIN_DIRS_BITS 14

struct vpin_rules {
	struct kref ref;
	u64 generation;
	u32 nrules;
	u32 kinds;			/* BIT(VPIN_KEY_*) of those there are */
	u32 nkeys;
	u32 mask;			/* slots - 1, a power of two less one */
	struct vpin_key *keys;		/* sorted */
	struct vpin_slot *slots;	/* at most half of them used */
	u64 __percpu *hits;		/* by rule, the defaults last */
	/* Inode numbers of the directories, hashed: most misses end here. */
	DECLARE_BITMAP(dirs, 1 << VPIN_DIRS_BITS);
	struct vpin_rule defaults;
	struct vpin_rule rules[];
};

static struct vpin_rules __rcu *vpin_active;
static DEFINE_MUTEX(vpin_rules_mutex);	/* serialises replacements */
static u64 vpin_generation;		/* under vpin_rules_mutex */

static void vpin_rules_free(struct vpin_rules *set)
{
	u32 i, j;

	for (i = 0; i <= set->nrules; i++) {
		struct vpin_rule *r = i ? &set->rules[i - 1] : &set->defaults;

		for (j = 0; j < r->npaths; j++)
			kfree(r->paths[j]);
	}
	kvfree(set->keys);
	kvfree(set->slots);
	free_percpu(set->hits);
	kvfree(set);
}

static void vpin_rules_release(struct kref *ref)
{
	vpin_rules_free(container_of(ref, struct vpin_rules, ref));
}

static void vpin_rules_put(struct vpin_rules *set)
{
	if (set)
		kref_put(&set->ref, vpin_rules_release);
}

/* The active set, referenced, or NULL when none is loaded. */
static struct vpin_rules *vpin_rules_get(void)
{
	struct vpin_rules *set;

	rcu_read_lock();
	set = rcu_dereference(vpin_active);
	if (set && !kref_get_unless_zero(&set->ref))
		set = NULL;
	rcu_read_unlock();
	return set;
}

/* Usage per uid: what the quotas count. */
struct vpin_usage {
	struct hlist_node node;
	refcount_t ref;			/* sessions and leases */
	kuid_t uid;
	const struct cred *cred;	/* its newest session's opener */
	u64 used[VPIN_Q_N];		/* pages for VPIN_Q_PINNED */
	/*
	 * Its denial events: VPIN_DENIED_BURST a second, so that one uid's
	 * refusals neither crowd out another's nor tell it how many there were.
	 */
	struct ratelimit_state denied_rs;
	atomic64_t denied_suppressed;
};

#define VPIN_DENIED_BURST 20

static DEFINE_SPINLOCK(vpin_usage_lock);
static DEFINE_HASHTABLE(vpin_usage_table, 6);

static struct vpin_usage *vpin_usage_lookup(kuid_t uid)
{
	struct vpin_usage *u;

	lockdep_assert_held(&vpin_usage_lock);
	hash_for_each_possible(vpin_usage_table, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

static struct vpin_usage *vpin_usage_get(const struct cred *cred)
{
	struct vpin_usage *u, *fresh;
	const struct cred *old;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	spin_lock(&vpin_usage_lock);
	u = vpin_usage_lookup(cred->uid);
	if (u) {
		refcount_inc(&u->ref);
	} else {
		u = fresh;
		fresh = NULL;
		refcount_set(&u->ref, 1);
		u->uid = cred->uid;
		/* Not in the kernel log: the events are the report. */
		ratelimit_state_init(&u->denied_rs, HZ, VPIN_DENIED_BURST);
		ratelimit_set_flags(&u->denied_rs, RATELIMIT_MSG_ON_RELEASE);
		hash_add(vpin_usage_table, &u->node, __kuid_val(u->uid));
	}
	old = u->cred;
	u->cred = get_cred(cred);
	spin_unlock(&vpin_usage_lock);
	if (old)
		put_cred(old);
	kfree(fresh);
	return u;
}

static void vpin_usage_put(struct vpin_usage *u)
{
	if (!u || !refcount_dec_and_lock(&u->ref, &vpin_usage_lock))
		return;
	hash_del(&u->node);
	spin_unlock(&vpin_usage_lock);
	put_cred(u->cred);
	kfree(u);
}

/* Groups of the opener: its gid, effective gid, supplementary groups. */
static bool vpin_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->gid, gid) || gid_eq(cred->egid, gid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++)
		if (gid_eq(gi->gid[i], gid))
			return true;
	return false;
}

/*
 * Whether @r's users and groups admit @cred. Its paths were matched by the
 * index: a rule with paths is found only under one of its directories.
 */
static bool vpin_rule_matches(const struct vpin_rule *r,
			      const struct cred *cred)
{
	u32 i;

	if (r->nusers) {
		for (i = 0; i < r->nusers; i++)
			if (uid_eq(r->users[i], cred->uid))
				break;
		if (i == r->nusers)
			return false;
	}
	if (r->ngroups) {
		for (i = 0; i < r->ngroups; i++)
			if (vpin_cred_in_group(cred, r->groups[i]))
				break;
		if (i == r->ngroups)
			return false;
	}
	return true;
}

static int vpin_key_cmp(const void *l, const void *r)
{
	const struct vpin_key *x = l, *y = r;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

static __always_inline u32 vpin_key_hash(u32 kind, u64 a, u64 b)
{
	return hash_64(a ^ (b * GOLDEN_RATIO_64) ^ ((u64)kind << 56), 32);
}

/* The slot of a key, or of a free slot for it. */
static __always_inline struct vpin_slot *
vpin_slot(const struct vpin_rules *set, u32 kind, u64 a, u64 b)
{
	u32 i = vpin_key_hash(kind, a, b);

	for (;; i++) {
		struct vpin_slot *slot = &set->slots[i & set->mask];

		if (slot->kind == VPIN_KEY_NONE ||
		    (slot->kind == kind && slot->a == a && slot->b == b))
			return slot;
	}
}

/* Lower *@best to the first rule under the key that matches, if any. */
static noinline void vpin_rules_scan(const struct vpin_rules *set, u32 kind,
				     u64 a, u64 b, const struct cred *cred,
				     u32 *best)
{
	const struct vpin_slot *slot;
	u32 i;

	slot = vpin_slot(set, kind, a, b);
	if (slot->kind == VPIN_KEY_NONE)
		return;
	for (i = slot->first; i < set->nkeys; i++) {
		const struct vpin_key *k = &set->keys[i];

		if (k->kind != kind || k->a != a || k->b != b || k->rule >= *best)
			return;
		if (vpin_rule_matches(&set->rules[k->rule], cred)) {
			*best = k->rule;
			return;
		}
	}
}

/* The same, for a kind of key some rule has. */
static __always_inline void
vpin_rules_try(const struct vpin_rules *set, u32 kind, u64 a, u64 b,
	       const struct cred *cred, u32 *best)
{
	if (set->kinds & BIT(kind))
		vpin_rules_scan(set, kind, a, b, cred, best);
}

/* Whether a rule names a directory on the file system @dev. */
static __always_inline bool
vpin_rules_name_dev(const struct vpin_rules *set, dev_t dev)
{
	return set->kinds & BIT(VPIN_KEY_DIR) &&
	       vpin_slot(set, VPIN_KEY_DEV, dev, 0)->kind != VPIN_KEY_NONE;
}

/*
 * Lower *@best to the first rule that names a directory above @file on its
 * file system (or the file itself). The walk follows d_parent under RCU,
 * as d_path() does, and is repeated with rename_lock held if a rename
 * moved anything meanwhile: whatever mount, namespace, chroot or link the
 * caller reached the file through, its parents on the file system are the
 * same, and nothing is looked up by name.
 */
static __always_inline int
vpin_rules_try_dirs(const struct vpin_rules *set, const struct cred *cred,
		    struct file *file, u32 *best)
{
	dev_t dev = file->f_path.dentry->d_sb->s_dev;
	const struct dentry *d;
	unsigned int depth;
	int seq = 0;
	u32 found;

	if (!vpin_rules_name_dev(set, dev))
		return 0;
restart:
	found = *best;
	depth = 0;
	read_seqbegin_or_lock(&rename_lock, &seq);
	d = file->f_path.dentry;
	for (;;) {
		const struct inode *inode = READ_ONCE(d->d_inode);

		/* The parents are on the file's file system: @dev. */
		if (inode && test_bit(hash_long(inode->i_ino, VPIN_DIRS_BITS),
				      set->dirs))
			vpin_rules_scan(set, VPIN_KEY_DIR, dev, inode->i_ino,
					cred, &found);
		if (IS_ROOT(d))
			break;
		/* A bounded walk: rename_lock may be held for all of it. */
		if (++depth > VPIN_POLICY_MAX_DEPTH) {
			done_seqretry(&rename_lock, seq);
			return -ELOOP;
		}
		d = READ_ONCE(d->d_parent);
	}
	if (need_seqretry(&rename_lock, seq)) {
		seq = 1;
		goto restart;
	}
	done_seqretry(&rename_lock, seq);
	*best = found;
	return 0;
}

/*
 * The first rule of @set that matches a request with @cred for @file
 * (NULL: memory that is not a file's), as an index, nrules for the
 * defaults. Under rcu_read_lock() or a reference, which keep @set.
 * -ELOOP: the file is too deep below its file system's root to be judged.
 */
static noinline int vpin_rules_match(const struct vpin_rules *set,
				     const struct cred *cred,
				     struct file *file)
{
	const struct group_info *gi = cred->group_info;
	u32 best = set->nrules;
	unsigned int i;
	int ret;

	vpin_rules_try(set, VPIN_KEY_ALWAYS, 0, 0, cred, &best);
	vpin_rules_try(set, VPIN_KEY_USER, __kuid_val(cred->uid), 0, cred,
		       &best);
	vpin_rules_try(set, VPIN_KEY_GROUP, __kgid_val(cred->gid), 0, cred,
		       &best);
	if (!gid_eq(cred->egid, cred->gid))
		vpin_rules_try(set, VPIN_KEY_GROUP, __kgid_val(cred->egid), 0,
			       cred, &best);
	for (i = 0; set->kinds & BIT(VPIN_KEY_GROUP) && gi && i < gi->ngroups;
	     i++)
		vpin_rules_try(set, VPIN_KEY_GROUP, __kgid_val(gi->gid[i]), 0,
			       cred, &best);
	if (file) {
		ret = vpin_rules_try_dirs(set, cred, file, &best);
		if (ret)
			return ret;
	}
	return best;
}

/* A rule of @set by its index; nrules is the defaults. */
static struct vpin_rule *vpin_rules_rule(struct vpin_rules *set, u32 i)
{
	return i < set->nrules ? &set->rules[i] : &set->defaults;
}

/* Enter a key with its first entry, unless it is in the table already. */
static void vpin_slot_add(struct vpin_rules *set, u32 kind, u64 a, u64 b,
			  u32 first)
{
	struct vpin_slot *slot = vpin_slot(set, kind, a, b);

	if (slot->kind != VPIN_KEY_NONE)
		return;
	*slot = (struct vpin_slot) { .a = a, .b = b, .kind = kind,
				     .first = first };
	set->kinds |= BIT(kind);
}

/* Build the index of a parsed set. */
static int vpin_rules_index(struct vpin_rules *set)
{
	u32 i, j, n = 0;

	for (i = 0; i < set->nrules; i++) {
		const struct vpin_rule *r = &set->rules[i];

		n += r->npaths ?: r->nusers ?: r->ngroups ?: 1;
	}
	set->keys = kvmalloc_array(n, sizeof(*set->keys),
				   GFP_KERNEL_ACCOUNT);
	if (!set->keys)
		return -ENOMEM;
	for (i = 0; i < set->nrules; i++) {
		const struct vpin_rule *r = &set->rules[i];
		struct vpin_key *k = &set->keys[set->nkeys];

		if (r->npaths) {
			for (j = 0; j < r->npaths; j++)
				k[j] = (struct vpin_key) { VPIN_KEY_DIR, i,
					r->dirs[j].dev, r->dirs[j].ino };
			set->nkeys += r->npaths;
		} else if (r->nusers) {
			for (j = 0; j < r->nusers; j++)
				k[j] = (struct vpin_key) { VPIN_KEY_USER, i,
					__kuid_val(r->users[j]), 0 };
			set->nkeys += r->nusers;
		} else if (r->ngroups) {
			for (j = 0; j < r->ngroups; j++)
				k[j] = (struct vpin_key) { VPIN_KEY_GROUP, i,
					__kgid_val(r->groups[j]), 0 };
			set->nkeys += r->ngroups;
		} else {
			k[0] = (struct vpin_key) { VPIN_KEY_ALWAYS, i, 0, 0 };
			set->nkeys++;
		}
	}
	sort(set->keys, set->nkeys, sizeof(*set->keys), vpin_key_cmp, NULL);

	/*
	 * Each key, and the file system of each directory, takes at most one
	 * slot: with twice as many, probes stay short and always end.
	 */
	n = roundup_pow_of_two(max(2 * 2 * set->nkeys, 16U));
	set->slots = kvcalloc(n, sizeof(*set->slots), GFP_KERNEL_ACCOUNT);
	if (!set->slots)
		return -ENOMEM;
	set->mask = n - 1;
	for (i = 0; i < set->nkeys; i++) {
		const struct vpin_key *k = &set->keys[i];

		vpin_slot_add(set, k->kind, k->a, k->b, i);
		if (k->kind != VPIN_KEY_DIR)
			continue;
		vpin_slot_add(set, VPIN_KEY_DEV, k->a, 0, 0);
		__set_bit(hash_long(k->b, VPIN_DIRS_BITS), set->dirs);
	}
	return 0;
}

/* Memory that is not a file's, for the rules: shmem, memfd, hugetlb. */
static bool vpin_file_is_memory(struct file *file)
{
	return shmem_file(file) ||
	       file_inode(file)->i_sb->s_magic == HUGETLBFS_MAGIC;
}

static void vpin_policy_denied(struct vpin_session *s, struct vpin_usage *u,
			       u32 op, struct file *file, const char *rule,
			       int err)
{
	struct vpin_denial d = {
		.uid = s->uid,
		.pid = task_tgid_nr(current),
		.op = op,
		.file = file,
		.rule = rule,
		.error = -err,
	};

	if (!__ratelimit(&u->denied_rs)) {
		atomic64_inc(&u->denied_suppressed);
		return;
	}
	d.suppressed = atomic64_xchg(&u->denied_suppressed, 0);
	get_task_comm(d.comm, current);
	vpin_nl_policy_denied(&d);
}

/*
 * The rule that decides a request of @s, as vpin_rules_match() gives it
 * (a request without a file never fails).
 * What decides a request without a file depends only on the set and the
 * session's opener, so the session keeps it, tagged with the generation.
 */
#define VPIN_HINT_RULE GENMASK_ULL(15, 0)

static __always_inline int vpin_rules_decide(struct vpin_session *s,
					     const struct vpin_rules *set,
					     struct file *file)
{
	u64 tag = set->generation << 16, hint;
	int i;

	BUILD_BUG_ON(VPIN_POLICY_MAX_RULES > VPIN_HINT_RULE);
	if (file)
		return vpin_rules_match(set, s->cred, file);
	hint = atomic64_read(&s->policy_hint);
	if (likely((hint & ~VPIN_HINT_RULE) == tag))
		return hint & VPIN_HINT_RULE;
	/* Without a file, no error: an index of the set. */
	i = vpin_rules_match(set, s->cred, NULL);
	atomic64_set(&s->policy_hint, tag | i);
	return i;
}

/* Whether charging @amount to @u stays within @rule's quotas. */
static noinline bool vpin_quotas_allow(const struct vpin_rule *rule,
				       const struct vpin_usage *u,
				       const u64 *amount)
{
	int q;

	lockdep_assert_held(&vpin_usage_lock);
	for (q = 0; q < VPIN_Q_N; q++) {
		u64 want = u->used[q] + amount[q];

		if ((rule->limited & BIT(q)) && amount[q] &&
		    (want > rule->limit[q] || want < u->used[q]))
			return false;
	}
	return true;
}

/*
 * A request refused by @rule (NULL: by none, too deep to be judged): its
 * counter and its event, the rule's name taken before the set may go.
 */
static noinline int vpin_policy_refused(struct vpin_session *s,
					struct vpin_usage *u, u32 op,
					struct file *file,
					const struct vpin_rules *set,
					struct vpin_rule *rule, int err)
	__releases(RCU)
{
	char name[VPIN_POLICY_NAME_MAX] = "";

	if (rule) {
		atomic64_inc(&rule->denies);
		if (rule != &set->defaults)
			strscpy(name, rule->name, sizeof(name));
	}
	rcu_read_unlock();
	vpin_policy_denied(s, u, op, file, name, err);
	return err;
}

/*
 * Judge a request of @s for @op and charge @amount (VPIN_Q_*) to its uid's
 * usage. Without a rule set everything is allowed and only counted. It
 * does not sleep: the set is held by RCU alone, which its replacement
 * waits for. What an allowed request costs with a set loaded is the
 * point of the layout: a request without a file reads the session's rule,
 * the rule's allow and quota masks and bumps a per-CPU counter.
 */
static int vpin_policy_judge(struct vpin_session *s, struct vpin_usage *u,
			     u32 op, struct file *file, const u64 *amount,
			     struct vpin_grant *grant)
{
	struct file *named = file && !vpin_file_is_memory(file) ? file : NULL;
	struct vpin_rule *rule = NULL;
	struct vpin_rules *set;
	int i, q;

	rcu_read_lock();
	set = rcu_dereference(vpin_active);
	if (set) {
		i = vpin_rules_decide(s, set, named);
		if (unlikely(i < 0))
			return vpin_policy_refused(s, u, op, file, set, NULL, i);
		rule = vpin_rules_rule(set, i);
		this_cpu_inc(set->hits[i]);
		if (op != VPIN_OP_SESSION &&
		    unlikely(!(rule->allow & VPIN_ALLOW(op))))
			return vpin_policy_refused(s, u, op, file, set, rule,
						   -EPERM);
	}

	spin_lock(&vpin_usage_lock);
	if (rule && rule->limited && !vpin_quotas_allow(rule, u, amount)) {
		spin_unlock(&vpin_usage_lock);
		return vpin_policy_refused(s, u, op, file, set, rule, -EDQUOT);
	}
	for (q = 0; q < VPIN_Q_N; q++)
		u->used[q] += amount[q];
	spin_unlock(&vpin_usage_lock);

	if (grant && rule)
		*grant = (struct vpin_grant) {
			.break_ms = rule->break_ms,
			.on_revoke = rule->on_revoke,
		};
	rcu_read_unlock();
	return 0;
}

static void vpin_usage_refund(struct vpin_usage *u, int q, u64 n)
{
	spin_lock(&vpin_usage_lock);
	u->used[q] -= n;
	spin_unlock(&vpin_usage_lock);
}

int vpin_policy_open(struct vpin_session *s)
{
	u64 amount[VPIN_Q_N] = { [VPIN_Q_SESSIONS] = 1 };
	int ret;

	s->usage = vpin_usage_get(s->cred);
	if (!s->usage)
		return -ENOMEM;
	ret = vpin_policy_judge(s, s->usage, VPIN_OP_SESSION, NULL, amount,
				NULL);
	if (ret) {
		vpin_usage_put(s->usage);
		s->usage = NULL;
	}
	return ret;
}

void vpin_policy_close(struct vpin_session *s)
{
	vpin_usage_refund(s->usage, VPIN_Q_SESSIONS, 1);
}

void vpin_policy_free(struct vpin_session *s)
{
	vpin_usage_put(s->usage);
}

int vpin_policy_pin(struct vpin_session *s, struct file *file,
		    unsigned long npages)
{
	u64 amount[VPIN_Q_N] = { [VPIN_Q_PINNED] = npages };
	u32 op = file && !vpin_file_is_memory(file) ? VPIN_OP_PIN_FILE :
						     VPIN_OP_PIN;

	return vpin_policy_judge(s, s->usage, op, file, amount, NULL);
}

void vpin_policy_pin_done(struct vpin_session *s, unsigned long npages)
{
	vpin_usage_refund(s->usage, VPIN_Q_PINNED, npages);
}

/*
 * A lease is counted until it ends, orphaned or not: it holds its own
 * reference on the usage, returned in @usage.
 */
int vpin_policy_lease(struct vpin_session *s, struct file *file, u32 type,
		      struct vpin_usage **usage, struct vpin_grant *grant)
{
	bool exclusive = type == VPIN_LEASE_EXCLUSIVE;
	u64 amount[VPIN_Q_N] = {
		[VPIN_Q_LEASES] = 1,
		[VPIN_Q_EXCLUSIVE] = exclusive,
	};
	int ret;

	*grant = (struct vpin_grant) {};
	ret = vpin_policy_judge(s, s->usage, exclusive ? VPIN_OP_EXCLUSIVE :
				VPIN_OP_BREAKABLE, file, amount, grant);
	if (ret)
		return ret;
	refcount_inc(&s->usage->ref);
	*usage = s->usage;
	return 0;
}

void vpin_policy_lease_done(struct vpin_usage *u, u32 type)
{
	if (!u)
		return;
	spin_lock(&vpin_usage_lock);
	u->used[VPIN_Q_LEASES]--;
	if (type == VPIN_LEASE_EXCLUSIVE)
		u->used[VPIN_Q_EXCLUSIVE]--;
	spin_unlock(&vpin_usage_lock);
	vpin_usage_put(u);
}

/* Parsing VPIN_CMD_SET_POLICY. */

/*
 * "rule 3, attribute 7: what" (attribute -1: the rule as a whole), with the
 * attribute's offset.
 */
static void vpin_rule_error(struct netlink_ext_ack *extack,
			    const struct nlattr *attr, int index, int type,
			    const char *msg)
{
	char where[40];
	int n;

	if (index < 0)
		n = scnprintf(where, sizeof(where), "defaults");
	else
		n = scnprintf(where, sizeof(where), "rule %d", index);
	if (type >= 0)
		scnprintf(where + n, sizeof(where) - n, ", attribute %d", type);
	NL_SET_BAD_ATTR(extack, attr);
	NL_SET_ERR_MSG_FMT(extack, "%s: %s", where, msg);
}

/*
 * What a prefix names, as the setter sees it (symlinks followed): kept by
 * identity, so that no reference pins a file system.
 */
static int vpin_dir_resolve(const char *name, struct vpin_dir *dir)
{
	struct path path;
	int ret;

	ret = kern_path(name, LOOKUP_FOLLOW, &path);
	if (ret)
		return ret;
	dir->dev = path.dentry->d_sb->s_dev;
	dir->ino = d_inode(path.dentry)->i_ino;
	path_put(&path);
	return 0;
}

/* A NUL-terminated string of 2 .. @max bytes with no NUL inside. */
static bool vpin_attr_string(const struct nlattr *a, size_t max)
{
	size_t len = nla_len(a);

	return len >= 2 && len <= max && strnlen(nla_data(a), len) == len - 1;
}

static int vpin_rule_parse(const struct nlattr *nest, struct vpin_rule *r,
			   int index, struct netlink_ext_ack *extack)
{
	unsigned long seen = 0;
	const struct nlattr *a;
	const char *msg;
	int rem, q;
	u32 v;

	r->allow = __VPIN_ALLOW_ALL;
	for (q = 0; q < VPIN_Q_N; q++)
		r->max[q] = VPIN_NO_QUOTA;

	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);
		bool repeat = type == VPIN_RULE_A_USER ||
			      type == VPIN_RULE_A_GROUP ||
			      type == VPIN_RULE_A_PATH;

		msg = "flag bits in the attribute type";
		if (a->nla_type & ~NLA_TYPE_MASK)
			goto err;
		msg = "repeated attribute";
		if (type <= VPIN_RULE_A_MAX && !repeat &&
		    __test_and_set_bit(type, &seen))
			goto err;
		msg = "wrong attribute length";
		switch (type) {
		case VPIN_RULE_A_NAME:
			if (index < 0) {
				msg = "the defaults have no name";
				goto err;
			}
			msg = "name: empty, too long or not terminated";
			if (!vpin_attr_string(a, VPIN_POLICY_NAME_MAX))
				goto err;
			strscpy(r->name, nla_data(a), sizeof(r->name));
			break;
		case VPIN_RULE_A_USER:
		case VPIN_RULE_A_GROUP:
			if (index < 0) {
				msg = "the defaults match everyone";
				goto err;
			}
			if (nla_len(a) != sizeof(u32))
				goto err;
			v = nla_get_u32(a);
			msg = "more than 64 users or groups";
			if (type == VPIN_RULE_A_USER) {
				if (r->nusers == VPIN_POLICY_MAX_IDS)
					goto err;
				r->users[r->nusers] = make_kuid(&init_user_ns, v);
				msg = "invalid uid";
				if (!uid_valid(r->users[r->nusers++]))
					goto err;
			} else {
				if (r->ngroups == VPIN_POLICY_MAX_IDS)
					goto err;
				r->groups[r->ngroups] = make_kgid(&init_user_ns, v);
				msg = "invalid gid";
				if (!gid_valid(r->groups[r->ngroups++]))
					goto err;
			}
			break;
		case VPIN_RULE_A_PATH:
			if (index < 0) {
				msg = "the defaults match every file";
				goto err;
			}
			msg = "path: not terminated, empty or too long";
			if (!vpin_attr_string(a, VPIN_POLICY_PATH_MAX))
				goto err;
			msg = "path: not absolute";
			if (*(const char *)nla_data(a) != '/')
				goto err;
			msg = "more than 64 paths";
			if (r->npaths == VPIN_POLICY_MAX_PATHS)
				goto err;
			msg = "path: cannot be resolved";
			if (vpin_dir_resolve(nla_data(a), &r->dirs[r->npaths]))
				goto err;
			r->paths[r->npaths] = kstrdup(nla_data(a),
						      GFP_KERNEL_ACCOUNT);
			if (!r->paths[r->npaths])
				return -ENOMEM;
			r->npaths++;
			break;
		case VPIN_RULE_A_ALLOW:
			if (nla_len(a) != sizeof(u32))
				goto err;
			r->allow = nla_get_u32(a);
			msg = "unknown operation in allow";
			if (r->allow & ~__VPIN_ALLOW_ALL)
				goto err;
			break;
		case VPIN_RULE_A_MAX_PINNED:
			if (nla_len(a) != sizeof(u64))
				goto err;
			r->max[VPIN_Q_PINNED] = nla_get_u64(a);
			break;
		case VPIN_RULE_A_MAX_SESSIONS:
		case VPIN_RULE_A_MAX_LEASES:
		case VPIN_RULE_A_MAX_EXCLUSIVE:
			if (nla_len(a) != sizeof(u32))
				goto err;
			for (q = VPIN_Q_SESSIONS; q < VPIN_Q_N; q++)
				if (vpin_rule_quota_attrs[q] == type)
					r->max[q] = nla_get_u32(a);
			break;
		case VPIN_RULE_A_BREAK_TIME_MS:
			if (nla_len(a) != sizeof(u32))
				goto err;
			r->break_ms = nla_get_u32(a);
			r->has_break = true;
			msg = "break time not within 1 ms and a day";
			if (!r->break_ms || r->break_ms > VPIN_POLICY_BREAK_MAX_MS)
				goto err;
			break;
		case VPIN_RULE_A_ON_REVOKE:
			if (nla_len(a) != sizeof(u32))
				goto err;
			r->on_revoke = nla_get_u32(a);
			r->has_revoke = true;
			msg = "unknown on_revoke";
			if (r->on_revoke >= __VPIN_REVOKE_LAST)
				goto err;
			break;
		default:
			msg = "unknown attribute";
			goto err;
		}
	}
	if (rem) {
		vpin_rule_error(extack, nest, index, -1, "trailing bytes");
		return -EINVAL;
	}
	if (index >= 0 && !r->name[0]) {
		vpin_rule_error(extack, nest, index, -1, "no name");
		return -EINVAL;
	}
	for (q = 0; q < VPIN_Q_N; q++) {
		if (r->max[q] == VPIN_NO_QUOTA)
			continue;
		r->limit[q] = r->max[q];
		if (q == VPIN_Q_PINNED)
			r->limit[q] >>= PAGE_SHIFT;
		r->limited |= BIT(q);
	}
	return 0;
err:
	vpin_rule_error(extack, a, index, nla_type(a), msg);
	return -EINVAL;
}

/*
 * A complete new set from a SET_POLICY request (VPIN_A_POLICY, then
 * VPIN_A_RULE at the top level, in order), or an error with nothing kept.
 */
static struct vpin_rules *vpin_rules_parse(struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a, *defaults = NULL;
	struct nlattr empty = { .nla_len = NLA_HDRLEN };
	struct vpin_rules *set;
	u32 n = 0, i, j, npolicy = 0;
	int rem, ret;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		n += nla_type(a) == VPIN_A_RULE;
		npolicy += nla_type(a) == VPIN_A_POLICY;
	}
	if (npolicy > 1) {
		NL_SET_ERR_MSG(extack, "policy: repeated VPIN_A_POLICY");
		return ERR_PTR(-EINVAL);
	}
	if (n > VPIN_POLICY_MAX_RULES) {
		NL_SET_ERR_MSG(extack, "policy: more than 1024 rules");
		return ERR_PTR(-EINVAL);
	}
	nla_for_each_nested(a, info->attrs[VPIN_A_POLICY], rem) {
		if (nla_type(a) != VPIN_POLICY_A_DEFAULTS || defaults) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "policy: unknown or repeated attribute");
			return ERR_PTR(-EINVAL);
		}
		if (!(a->nla_type & NLA_F_NESTED)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "policy: defaults without NLA_F_NESTED");
			return ERR_PTR(-EINVAL);
		}
		defaults = a;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[VPIN_A_POLICY],
				    "policy: trailing bytes");
		return ERR_PTR(-EINVAL);
	}

	set = kvzalloc(struct_size(set, rules, n), GFP_KERNEL_ACCOUNT);
	if (!set)
		return ERR_PTR(-ENOMEM);
	kref_init(&set->ref);
	set->nrules = n;
	BUILD_BUG_ON((VPIN_POLICY_MAX_RULES + 1) * sizeof(*set->hits) >
		     PCPU_MIN_UNIT_SIZE);
	set->hits = __alloc_percpu_gfp((n + 1) * sizeof(*set->hits),
				       sizeof(*set->hits), GFP_KERNEL_ACCOUNT);
	if (!set->hits) {
		kvfree(set);
		return ERR_PTR(-ENOMEM);
	}
	ret = vpin_rule_parse(defaults ?: &empty, &set->defaults, -1, extack);
	i = 0;
	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (ret)
			break;
		if (nla_type(a) != VPIN_A_RULE)
			continue;
		ret = vpin_rule_parse(a, &set->rules[i], i, extack);
		for (j = 0; !ret && j < i; j++) {
			if (!strcmp(set->rules[j].name, set->rules[i].name)) {
				vpin_rule_error(extack, a, i, -1, "duplicate name");
				ret = -EINVAL;
			}
		}
		i++;
	}
	if (!ret)
		ret = vpin_rules_index(set);
	if (ret) {
		vpin_rules_free(set);
		return ERR_PTR(ret);
	}
	return set;
}

int vpin_policy_nl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VPIN_A_POLICY];
	struct vpin_rules *set = NULL, *old;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	u64 gen;

	if (!netlink_capable(skb, CAP_SYS_ADMIN))
		return -EPERM;
	if (attr) {
		set = vpin_rules_parse(info);
		if (IS_ERR(set))
			return PTR_ERR(set);
	} else if (info->attrs[VPIN_A_RULE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VPIN_A_RULE],
				    "policy: rules without VPIN_A_POLICY");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		vpin_rules_put(set);
		return -ENOMEM;
	}

	/* The reply is made before the set goes live: no error after that. */
	mutex_lock(&vpin_rules_mutex);
	gen = vpin_generation + 1;
	hdr = vpin_nl_reply_put(msg, info, VPIN_CMD_SET_POLICY);
	nest = hdr ? nla_nest_start(msg, VPIN_A_POLICY) : NULL;
	if (!nest || nla_put_u64_64bit(msg, VPIN_POLICY_A_GENERATION, gen,
				       VPIN_POLICY_A_PAD)) {
		mutex_unlock(&vpin_rules_mutex);
		vpin_rules_put(set);
		goto err;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	vpin_generation = gen;
	if (set)
		set->generation = gen;
	old = rcu_replace_pointer(vpin_active, set,
				  lockdep_is_held(&vpin_rules_mutex));
	mutex_unlock(&vpin_rules_mutex);
	/* Readers hold a reference once past rcu_read_unlock(). */
	synchronize_rcu();
	vpin_rules_put(old);
	vpin_nl_policy_changed(gen, set ? set->nrules : 0);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* A rule's quotas, those it sets: @attrs by VPIN_Q_*; bytes for pinned. */
static int vpin_put_quotas(struct sk_buff *skb, const struct vpin_rule *r,
			   const u8 *attrs, int pad)
{
	int q;

	if (r->max[VPIN_Q_PINNED] != VPIN_NO_QUOTA &&
	    nla_put_u64_64bit(skb, attrs[VPIN_Q_PINNED], r->max[VPIN_Q_PINNED],
			      pad))
		return -EMSGSIZE;
	for (q = VPIN_Q_SESSIONS; q < VPIN_Q_N; q++)
		if (r->max[q] != VPIN_NO_QUOTA &&
		    nla_put_u32(skb, attrs[q], r->max[q]))
			return -EMSGSIZE;
	return 0;
}

/* How many requests rule @i of @set decided. */
static u64 vpin_rules_hits(const struct vpin_rules *set, u32 i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&set->hits[i], cpu));
	return sum;
}

static int vpin_put_rule(struct sk_buff *skb, int attr,
			 const struct vpin_rule *r, int index, u64 hits,
			 u32 *path)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	bool first = !*path;
	u32 i;

	if (!nest)
		return -EMSGSIZE;
	if (index >= 0 && (nla_put_u32(skb, VPIN_RULE_A_INDEX, index) ||
			   (first && nla_put_string(skb, VPIN_RULE_A_NAME, r->name))))
		goto err;
	if (first) {
		if (nla_put_u32(skb, VPIN_RULE_A_ALLOW, r->allow) ||
		    nla_put_u64_64bit(skb, VPIN_RULE_A_HITS,
				      hits, VPIN_RULE_A_PAD) ||
		    nla_put_u64_64bit(skb, VPIN_RULE_A_DENIES,
				      atomic64_read(&r->denies), VPIN_RULE_A_PAD) ||
		    vpin_put_quotas(skb, r, vpin_rule_quota_attrs,
				    VPIN_RULE_A_PAD) ||
		    (r->has_break &&
		     nla_put_u32(skb, VPIN_RULE_A_BREAK_TIME_MS, r->break_ms)) ||
		    (r->has_revoke &&
		     nla_put_u32(skb, VPIN_RULE_A_ON_REVOKE, r->on_revoke)))
			goto err;
		for (i = 0; i < r->nusers; i++)
			if (nla_put_u32(skb, VPIN_RULE_A_USER,
					from_kuid_munged(&init_user_ns, r->users[i])))
				goto err;
		for (i = 0; i < r->ngroups; i++)
			if (nla_put_u32(skb, VPIN_RULE_A_GROUP,
					from_kgid_munged(&init_user_ns, r->groups[i])))
				goto err;
	}
	/* Paths as far as they fit; the rest continues in the next message. */
	for (i = *path; i < r->npaths; i++) {
		if (nla_put_string(skb, VPIN_RULE_A_PATH, r->paths[i])) {
			if (i == *path && !first)
				goto err;
			break;
		}
	}
	if (i == *path && i < r->npaths)
		goto err;
	*path = i == r->npaths ? 0 : i;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int vpin_policy_dump_set(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct vpin_rules *set, u64 gen)
{
	struct nlattr *nest;
	void *hdr;
	u32 path;
	int ret;

	for (;;) {
		unsigned long pos = cb->args[1];

		if (pos && (!set || pos > set->nrules))
			break;
		if (vpin_nl_dump_put(skb, cb, &hdr))
			break;
		nest = nla_nest_start(skb, VPIN_A_POLICY);
		if (!nest ||
		    nla_put_u64_64bit(skb, VPIN_POLICY_A_GENERATION, gen,
				      VPIN_POLICY_A_PAD))
			goto full;
		path = cb->args[2];
		if (!pos) {
			if ((set && nla_put_flag(skb, VPIN_POLICY_A_LOADED)) ||
			    nla_put_u32(skb, VPIN_POLICY_A_RULES,
					set ? set->nrules : 0) ||
			    (set && vpin_put_rule(skb, VPIN_POLICY_A_DEFAULTS,
						  &set->defaults, -1,
						  vpin_rules_hits(set, set->nrules),
						  &path)))
				goto full;
			nla_nest_end(skb, nest);
		} else {
			nla_nest_end(skb, nest);
			ret = vpin_put_rule(skb, VPIN_A_RULE, &set->rules[pos - 1],
					    pos - 1, vpin_rules_hits(set, pos - 1),
					    &path);
			if (ret)
				goto full;
		}
		genlmsg_end(skb, hdr);
		cb->args[2] = path;
		if (!path)
			cb->args[1]++;
	}
	return skb->len;
full:
	genlmsg_cancel(skb, hdr);
	/* Nothing fit in an empty message: no progress is possible. */
	return skb->len ? skb->len : -EMSGSIZE;
}

/*
 * Dump state: [1] the next message (0: the header, then 1 + rule index),
 * [2] the next path of that rule, [3] 1 + the generation dumped. No set is
 * held between messages, so a reader that stops reading keeps no replaced
 * set alive: each part of the dump takes the set in force, and once that
 * is another set the dump ends, its last message flagged NLM_F_DUMP_INTR
 * (cb->seq follows the generation).
 */
int vpin_policy_nl_dump_start(struct netlink_callback *cb)
{
	cb->args[1] = 0;
	cb->args[2] = 0;
	cb->args[3] = 0;
	return 0;
}

int vpin_policy_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vpin_rules *set;
	u64 gen;
	int ret = 0;

	/* The set and the generation together, never a mix of two sets. */
	mutex_lock(&vpin_rules_mutex);
	set = vpin_rules_get();
	gen = vpin_generation;
	mutex_unlock(&vpin_rules_mutex);
	/* Never 0 (no check), and distinct for consecutive generations. */
	cb->seq = (u32)(gen % U32_MAX) + 1;
	if (!cb->args[3] || cb->args[3] == gen + 1) {
		cb->args[3] = gen + 1;
		ret = vpin_policy_dump_set(skb, cb, set, gen);
	}
	vpin_rules_put(set);
	return ret;
}

/*
 * GET_USAGE, in uid order so that a dump resumed from a uid neither skips
 * nor repeats one: [0] the next uid, [1] the viewer's uid, [2] whether the
 * viewer is an administrator, both decided when the dump starts.
 */
enum { USAGE_NEXT, USAGE_VIEWER, USAGE_ADMIN };

int vpin_usage_nl_dump_start(struct netlink_callback *cb)
{
	cb->args[USAGE_NEXT] = 0;
	cb->args[USAGE_VIEWER] = __kuid_val(sock_i_uid(NETLINK_CB(cb->skb).sk));
	cb->args[USAGE_ADMIN] = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	return 0;
}

#define VPIN_USAGE_BATCH 16

struct vpin_usage_row {
	u32 uid;
	struct vpin_usage *u;		/* under vpin_usage_lock only */
	u64 used[VPIN_Q_N];
	const struct cred *cred;	/* referenced */
};

/*
 * Copy the rows of up to VPIN_USAGE_BATCH visible uids from @from on, in
 * uid order; the rules are matched after the lock is dropped.
 */
static unsigned int vpin_usage_batch(struct netlink_callback *cb,
				     struct vpin_usage_row *rows)
{
	const u64 from = cb->args[USAGE_NEXT];
	const bool admin = cb->args[USAGE_ADMIN];
	const u32 viewer = cb->args[USAGE_VIEWER];
	struct vpin_usage *u;
	unsigned int n = 0, i;
	unsigned long bkt;

	spin_lock(&vpin_usage_lock);
	hash_for_each(vpin_usage_table, bkt, u, node) {
		u32 uid = __kuid_val(u->uid);

		if (uid < from || (!admin && uid != viewer))
			continue;
		if (n == VPIN_USAGE_BATCH && uid > rows[n - 1].uid)
			continue;
		for (i = n; i > 0 && rows[i - 1].uid > uid; i--)
			if (i < VPIN_USAGE_BATCH)
				rows[i] = rows[i - 1];
		rows[i].uid = uid;
		rows[i].u = u;
		n = min(n + 1, VPIN_USAGE_BATCH);
	}
	for (i = 0; i < n; i++) {
		memcpy(rows[i].used, rows[i].u->used, sizeof(rows[i].used));
		rows[i].cred = get_cred(rows[i].u->cred);
	}
	spin_unlock(&vpin_usage_lock);
	return n;
}

static int vpin_put_usage(struct sk_buff *skb, const struct vpin_usage_row *row,
			  struct vpin_rules *set)
{
	struct nlattr *nest = nla_nest_start(skb, VPIN_A_USAGE);
	const struct vpin_rule *r = NULL;

	if (set)
		r = vpin_rules_rule(set, vpin_rules_match(set, row->cred, NULL));

	if (!nest ||
	    nla_put_u32(skb, VPIN_USAGE_A_UID,
			from_kuid_munged(&init_user_ns, KUIDT_INIT(row->uid))) ||
	    nla_put_u64_64bit(skb, VPIN_USAGE_A_SESSIONS,
			      row->used[VPIN_Q_SESSIONS], VPIN_USAGE_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_USAGE_A_PINNED_BYTES,
			      row->used[VPIN_Q_PINNED] << PAGE_SHIFT,
			      VPIN_USAGE_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_USAGE_A_LEASES,
			      row->used[VPIN_Q_LEASES], VPIN_USAGE_A_PAD) ||
	    nla_put_u64_64bit(skb, VPIN_USAGE_A_EXCLUSIVE,
			      row->used[VPIN_Q_EXCLUSIVE], VPIN_USAGE_A_PAD) ||
	    (r && nla_put_string(skb, VPIN_USAGE_A_RULE,
				 r == &set->defaults ? "" : r->name)) ||
	    (r && vpin_put_quotas(skb, r, vpin_usage_quota_attrs,
				  VPIN_USAGE_A_PAD)))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int vpin_usage_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vpin_usage_row rows[VPIN_USAGE_BATCH];
	struct vpin_rules *set = vpin_rules_get();
	unsigned int n, i;
	bool full = false;
	void *hdr;

	while (!full && (n = vpin_usage_batch(cb, rows))) {
		for (i = 0; i < n; i++) {
			if (!full && !vpin_nl_dump_put(skb, cb, &hdr)) {
				if (vpin_put_usage(skb, &rows[i], set)) {
					genlmsg_cancel(skb, hdr);
					full = true;
				} else {
					genlmsg_end(skb, hdr);
					cb->args[USAGE_NEXT] = (u64)rows[i].uid + 1;
				}
			} else {
				full = true;
			}
			put_cred(rows[i].cred);
		}
	}
	vpin_rules_put(set);
	return skb->len;
}

void vpin_policy_exit(void)
{
	vpin_rules_put(rcu_replace_pointer(vpin_active, NULL, true));
}
