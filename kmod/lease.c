// SPDX-License-Identifier: GPL-2.0
/*
 * Leases on files, exclusive and breakable.
 *
 * Every leased inode has one struct vpin_file in a global table listing the
 * leases of all sessions on it: conflicts are decided there, and that is
 * where a breaker finds the breakable leases it has to wait for. The table
 * is read under RCU by the ftrace hooks (hook.c), which must not sleep.
 *
 * Locking, outermost first:
 *   i_rwsem (held by a lease grant, and by a breaker that cannot drop it)
 *   mmap_lock (pin creation)
 *   session lock
 *   vpin_files_lock
 * No vpin lock is held across GUP, a user copy, or a call into a file
 * system, and a session lock is only ever held for bounded work: whoever
 * waits for one (a revoking breaker, a netlink dump) waits briefly.
 *
 * A breakable lease is broken by a layout change of its file: the holders
 * are told, and the change waits until every breakable lease on the file is
 * gone, at most until the break deadline, after which the waiting changer
 * revokes what is left. While a break is pending, and while a change that
 * broke leases is still running, new leases of the file are refused with
 * EAGAIN: no holder can prolong a break, so every change waits at most one
 * break time.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/magic.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "hook.h"
#include "lease.h"
#include "map.h"
#include "netlink.h"
#include "pin.h"
#include "protect.h"
#include "session.h"
#include "util.h"

static unsigned int break_time_ms;
module_param(break_time_ms, uint, 0644);
MODULE_PARM_DESC(break_time_ms,
		 "Time a breakable lease holder has to release it, in ms (0: /proc/sys/fs/lease-break-time)");

/* The longest break vpin honours from /proc/sys/fs/lease-break-time. */
#define VPIN_BREAK_MAX_SECS	(24 * 60 * 60)

struct vpin_file {
	struct hlist_node node;		/* in vpin_files; RCU readers */
	struct rcu_head rcu;
	const struct inode *inode;
	refcount_t ref;			/* leases, breakers, change tokens */
	struct list_head leases;	/* struct vpin_klease.vfile_node */
	unsigned int nexclusive;
	unsigned int nbreakable;	/* read without the lock by the hooks */
	unsigned int nbreaking;		/* breakable leases being broken */
	unsigned int nchanges;		/* changes that broke leases, running */
	atomic64_t pinned_end;		/* end of the furthest pin ever taken */
	wait_queue_head_t breakers;	/* woken when a breakable lease goes */
};

static DEFINE_MUTEX(vpin_files_lock);
static DEFINE_HASHTABLE(vpin_files, 8);
static atomic_t vpin_nbreakable = ATOMIC_INIT(0);
static atomic_t vpin_break_seq = ATOMIC_INIT(0);

/* A private procfs mount to read lease-break-time from, whoever breaks. */
static struct vfsmount *vpin_procfs;

static struct vpin_file *vpin_file_lookup(const struct inode *inode)
{
	struct vpin_file *vf;

	lockdep_assert_held(&vpin_files_lock);
	hash_for_each_possible(vpin_files, vf, node, (unsigned long)inode)
		if (vf->inode == inode)
			return vf;
	return NULL;
}

static void vpin_file_put(struct vpin_file *vf)
{
	lockdep_assert_held(&vpin_files_lock);
	if (refcount_dec_and_test(&vf->ref)) {
		hash_del_rcu(&vf->node);
		kfree_rcu(vf, rcu);
	}
}

/*
 * Does @inode have breakable leases, with a pin reaching beyond @start? For
 * the hooks: lockless, no sleeping.
 */
static bool notrace vpin_inode_lookup(const struct inode *inode, loff_t start)
{
	struct vpin_file *vf;
	bool ret = false;

	if (!inode || !atomic_read(&vpin_nbreakable))
		return false;
	rcu_read_lock();
	hash_for_each_possible_rcu(vpin_files, vf, node, (unsigned long)inode) {
		if (vf->inode == inode) {
			ret = READ_ONCE(vf->nbreakable) &&
			      start < atomic64_read(&vf->pinned_end);
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

bool notrace vpin_inode_breakable(const struct inode *inode)
{
	return vpin_inode_lookup(inode, -1);
}

/*
 * Could dropping @inode's pages from @start on touch a pin? For the
 * truncation backstop: a file system trims pages beyond the end of the
 * file (a short extending write on ext4) without changing any pinned block.
 */
bool notrace vpin_inode_pinned_from(const struct inode *inode, loff_t start)
{
	return vpin_inode_lookup(inode, start);
}

/* A pin of @lease's file up to @end is taken or being taken (session lock held). */
void vpin_lease_pinned(struct vpin_klease *lease, loff_t end)
{
	atomic64_t *max = &lease->vfile->pinned_end;
	s64 cur = atomic64_read(max);

	while (cur < end && !atomic64_try_cmpxchg(max, &cur, end))
		;
}

/*
 * File systems whose files a lease cannot mean anything for: their "files"
 * are kernel interfaces, or (overlayfs) their data lives in another inode,
 * which is the one mappings and pins see.
 */
static bool vpin_fs_leasable(const struct super_block *sb)
{
	switch (sb->s_magic) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case SELINUX_MAGIC:
	case SMACK_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case BPF_FS_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case BINFMTFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case NSFS_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
	case 0x62656570:	/* configfs */
	case 0x65735543:	/* fusectl */
		return false;
	}
	return true;
}

/* The caller owns @file's inode as seen through the file's mount. */
static bool vpin_owner(struct file *file)
{
	vfsuid_t owner = i_uid_into_vfsuid(file_mnt_idmap(file),
					   file_inode(file));

	return vfsuid_eq_kuid(owner, current_fsuid());
}

static int vpin_lease_check(const struct vpin_lease *req, struct file *file)
{
	struct inode *inode = file_inode(file);
	bool exclusive = req->type == VPIN_LEASE_EXCLUSIVE;

	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	if (!vpin_fs_leasable(inode->i_sb) || !file->f_op->mmap)
		return -EOPNOTSUPP;
	if (exclusive && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	/* As fcntl(F_SETLEASE); protecting a file is like chattr +i. */
	if (!vpin_owner(file) &&
	    !capable(exclusive ? CAP_LINUX_IMMUTABLE : CAP_LEASE))
		return -EPERM;
	/* A file protected by a lease is found busy when attaching. */
	if (IS_SWAPFILE(inode) && !vpin_inode_protected(inode))
		return -ETXTBSY;
	return 0;
}

/* One lease per session and file: more would only multiply a break's work. */
static bool vpin_file_has_session(struct vpin_file *vf, struct vpin_session *s)
{
	struct vpin_klease *lease;

	list_for_each_entry(lease, &vf->leases, vfile_node)
		if (lease->session == s)
			return true;
	return false;
}

/*
 * Attach @lease to its inode's entry, creating it, unless it conflicts.
 * Called with the inode's i_rwsem held, so that no layout change that holds
 * it runs meanwhile.
 */
static int vpin_file_attach(struct vpin_klease *lease)
{
	const struct inode *inode = file_inode(lease->file);
	bool exclusive = lease->type == VPIN_LEASE_EXCLUSIVE;
	struct vpin_file *vf, *fresh;
	int ret = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;

	mutex_lock(&vpin_files_lock);
	vf = vpin_file_lookup(inode);
	if (!vf) {
		vf = fresh;
		fresh = NULL;
		vf->inode = inode;
		refcount_set(&vf->ref, 1);
		INIT_LIST_HEAD(&vf->leases);
		init_waitqueue_head(&vf->breakers);
		hash_add_rcu(vpin_files, &vf->node, (unsigned long)inode);
	} else if (vf->nexclusive || (exclusive && !list_empty(&vf->leases)) ||
		   vpin_file_has_session(vf, lease->session)) {
		ret = -EBUSY;
		goto out;
	} else if (vf->nbreaking || vf->nchanges) {
		ret = -EAGAIN;
		goto out;
	} else {
		refcount_inc(&vf->ref);
	}
	if (exclusive) {
		vf->nexclusive++;
	} else {
		WRITE_ONCE(vf->nbreakable, vf->nbreakable + 1);
		atomic_inc(&vpin_nbreakable);
	}
	list_add_tail(&lease->vfile_node, &vf->leases);
	lease->vfile = vf;
out:
	mutex_unlock(&vpin_files_lock);
	kfree(fresh);
	return ret;
}

static void vpin_file_detach(struct vpin_klease *lease)
{
	struct vpin_file *vf = lease->vfile;

	mutex_lock(&vpin_files_lock);
	list_del(&lease->vfile_node);
	if (lease->type == VPIN_LEASE_EXCLUSIVE) {
		vf->nexclusive--;
	} else {
		if (lease->breaking)
			vf->nbreaking--;
		WRITE_ONCE(vf->nbreakable, vf->nbreakable - 1);
		atomic_dec(&vpin_nbreakable);
		wake_up_all(&vf->breakers);
	}
	vpin_file_put(vf);
	mutex_unlock(&vpin_files_lock);
	lease->vfile = NULL;
}

static void vpin_lease_unprotect(struct vpin_klease *lease)
{
	if (!lease->protected)
		return;
	vpin_unprotect(lease->protected);
	lease->protected = NULL;
	vpin_stats_add(&vpin_stats.protected_files, -1);
	if (lease->id)	/* it was granted */
		vpin_nl_lease_event(lease, VPIN_EVENT_PROTECT_OFF);
}

/*
 * The end of a lease that is no longer in its session, has no pins left,
 * and whose pages nobody else holds any more (map.c): protection goes, then
 * waiting breakers are let go.
 */
void vpin_lease_end(struct vpin_klease *lease)
{
	vpin_map_put_all(lease);
	vpin_lease_unprotect(lease);
	if (lease->vfile)
		vpin_file_detach(lease);
	vpin_policy_lease_done(lease->usage, lease->type);
	fput(lease->file);
	kfree(lease);
}

/*
 * A lease out of its session with no pins left: it ends, unless pages
 * mapped under it are still held by someone else; then it lives on as an
 * orphan until they are not (map.c).
 */
static void vpin_lease_free(struct vpin_klease *lease)
{
	if (!vpin_orphan_adopt(lease))
		vpin_lease_end(lease);
}

/*
 * Put @lease in its session, under an id returned at @idp (the lease itself
 * may be released by another thread as soon as the session lock goes); a
 * breakable lease is attached to its file at the same time, under the
 * session lock, so that it is never on the file without being in its
 * session.
 */
static int vpin_lease_publish(struct vpin_session *s, struct vpin_klease *lease,
			      u32 *idp)
{
	u32 id;
	int ret;

	mutex_lock(&s->lock);
	ret = xa_alloc_cyclic(&s->leases, &id, lease, xa_limit_32b,
			      &s->next_lease_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto out;
	lease->id = id;
	ret = lease->vfile ? 0 : vpin_file_attach(lease);
	if (ret) {
		xa_erase(&s->leases, id);
		lease->id = 0;
		goto out;
	}
	*idp = id;
	s->nleases++;
	vpin_stats_add(&vpin_stats.leases, 1);
	vpin_nl_lease_event(lease, VPIN_EVENT_LEASE_GRANTED);
	if (lease->protected)
		vpin_nl_lease_event(lease, VPIN_EVENT_PROTECT_ON);
out:
	mutex_unlock(&s->lock);
	return ret < 0 ? ret : 0;
}

/*
 * A breakable lease of an xfs DAX file, published but not yet pinned under: its
 * blocks are checked unshared once more, now that no sharing can start
 * (the check before publishing misses a reflink into the file that got
 * past the wrappers first), and xfs's copy-on-write reservations dropped
 * (hook.c), before pins may rely on it. Otherwise the lease goes again.
 */
static int vpin_lease_settle(struct vpin_session *s, u32 id, struct file *file)
{
	struct vpin_klease *lease;
	int ret;

	ret = vpin_check_extents(file, VPIN_EXTENTS_UNSHARED);
	if (!ret)
		ret = vpin_drop_cow(file_inode(file));
	if (ret) {
		vpin_lease_destroy(s, id);
		return ret;
	}
	/* Released by the caller's other threads meanwhile: no harm. */
	mutex_lock(&s->lock);
	lease = xa_load(&s->leases, id);
	if (lease && lease->file == file)
		WRITE_ONCE(lease->ready, true);
	mutex_unlock(&s->lock);
	return 0;
}

/* Grant a lease and return its id at @uid. */
int vpin_lease_create(struct vpin_session *s, const struct vpin_lease *req,
		      u64 __user *uid)
{
	struct vpin_klease *lease;
	struct inode *inode;
	struct file *file;
	bool settle;
	u32 id;
	int ret;

	if (req->flags || req->reserved0 || !vpin_zero(req->reserved))
		return -EINVAL;
	if (req->type == VPIN_LEASE_UNSPEC || req->type > VPIN_LEASE_MAX)
		return -EINVAL;

	file = fget(req->fd);
	if (!file)
		return -EBADF;
	inode = file_inode(file);
	ret = vpin_lease_check(req, file);
	if (ret)
		goto err_fput;

	lease = kzalloc(sizeof(*lease), GFP_KERNEL_ACCOUNT);
	if (!lease) {
		ret = -ENOMEM;
		goto err_fput;
	}
	lease->type = req->type;
	lease->session = s;
	lease->owner = vpin_session_owner(s);
	INIT_LIST_HEAD(&lease->maps);
	lease->file = file;
	lease->created = ktime_get_boottime();
	ret = vpin_policy_lease(s, file, lease->type, &lease->usage,
				&lease->grant);
	if (ret)
		goto err_free;

	/* A file system vpin cannot hook is one it cannot keep its promises on. */
	ret = vpin_hook_fs(inode->i_sb->s_type);
	if (ret) {
		ret = ret == -EINTR ? ret : -EOPNOTSUPP;
		goto err_free;
	}
	/*
	 * A breakable lease protects nothing, so its check comes first: a
	 * breakable lease is attached to its file and published in its
	 * session at once, and no breaker ever finds one half made.
	 */
	settle = lease->type == VPIN_LEASE_BREAKABLE && vpin_inode_xfs_dax(inode);
	if (lease->type == VPIN_LEASE_BREAKABLE && IS_DAX(inode)) {
		ret = vpin_check_extents(file, VPIN_EXTENTS_UNSHARED);
		if (ret)
			goto err_free;
	}
	if (inode_lock_killable(inode)) {
		ret = -EINTR;
		goto err_free;
	}
	if (lease->type == VPIN_LEASE_EXCLUSIVE) {
		ret = vpin_file_attach(lease);
		if (!ret) {
			ret = vpin_protect(inode, &lease->protected);
			if (ret)
				vpin_file_detach(lease);
		}
	} else {
		/* Pinned only once its DAX blocks are checked below. */
		lease->ready = !settle;
		ret = vpin_lease_publish(s, lease, &id);
	}
	inode_unlock(inode);
	if (ret)
		goto err_free;
	if (lease->protected) {
		vpin_stats_add(&vpin_stats.protected_files, 1);
		/*
		 * With the file protected no layout change can start any more:
		 * the check of its blocks stays true.
		 */
		ret = vpin_check_extents(file, VPIN_EXTENTS_ALLOCATED |
					 VPIN_EXTENTS_UNSHARED);
		if (!ret)
			ret = vpin_drop_cow(inode);
		lease->ready = true;
		if (!ret)
			ret = vpin_lease_publish(s, lease, &id);
		if (ret) {
			vpin_lease_free(lease);
			return ret;
		}
	} else if (settle) {
		ret = vpin_lease_settle(s, id, file);
		if (ret)
			return ret;
	}

	/* Like a pin's, a lease whose id cannot be returned is released. */
	if (put_user((u64)id, uid)) {
		vpin_lease_destroy(s, id);
		return -EFAULT;
	}
	return 0;

err_free:
	vpin_policy_lease_done(lease->usage, lease->type);
	kfree(lease);
err_fput:
	fput(file);
	return ret;
}

/*
 * Take @lease out of its session; the session's pins on the file under a
 * breakable lease are detached onto @gone. The rest happens without the
 * session lock: the pins are unpinned, then vpin_lease_free().
 */
static void vpin_lease_unlink(struct vpin_session *s, struct vpin_klease *lease,
			      struct list_head *gone)
{
	struct vpin_kpin *pin;
	unsigned long id;

	lockdep_assert_held(&s->lock);
	if (lease->npins) {
		xa_for_each(&s->pins, id, pin)
			if (pin->lease == lease)
				vpin_pin_detach(s, pin, gone);
	}
	xa_erase(&s->leases, lease->id);
	s->nleases--;
	vpin_stats_add(&vpin_stats.leases, -1);
	vpin_nl_lease_event(lease, VPIN_EVENT_LEASE_RELEASED);
	/* Breakers leave it alone now: it goes as soon as its pins have. */
	mutex_lock(&vpin_files_lock);
	lease->gone = true;
	mutex_unlock(&vpin_files_lock);
}

int vpin_lease_destroy(struct vpin_session *s, u32 id)
{
	struct vpin_klease *lease;
	LIST_HEAD(gone);

	mutex_lock(&s->lock);
	lease = xa_load(&s->leases, id);
	if (!lease) {
		mutex_unlock(&s->lock);
		return -ENOENT;
	}
	if (lease->type == VPIN_LEASE_EXCLUSIVE && lease->npins) {
		mutex_unlock(&s->lock);
		return -EBUSY;
	}
	vpin_lease_unlink(s, lease, &gone);
	mutex_unlock(&s->lock);
	vpin_pin_free_list(s, &gone);
	vpin_lease_free(lease);
	return 0;
}

/* Session teardown: the session's pins are gone already. */
void vpin_lease_release_all(struct vpin_session *s)
{
	struct vpin_klease *lease;
	unsigned long id;
	LIST_HEAD(leases);
	LIST_HEAD(gone);

	mutex_lock(&s->lock);
	xa_for_each(&s->leases, id, lease) {
		vpin_lease_unlink(s, lease, &gone);
		list_add_tail(&lease->session_node, &leases);
	}
	mutex_unlock(&s->lock);

	vpin_pin_free_list(s, &gone);
	while (!list_empty(&leases)) {
		lease = list_first_entry(&leases, struct vpin_klease, session_node);
		list_del(&lease->session_node);
		vpin_lease_free(lease);
	}
}

struct vpin_klease *vpin_lease_find(struct vpin_session *s,
				    const struct inode *inode)
{
	struct vpin_klease *lease;
	unsigned long id;

	lockdep_assert_held(&s->lock);
	xa_for_each(&s->leases, id, lease)
		if (file_inode(lease->file) == inode)
			return lease;
	return NULL;
}

/* Is @lease being broken, and if so, how long until it is revoked? */
bool vpin_lease_state(const struct vpin_klease *lease, u64 *left_ms)
{
	s64 left;

	if (!READ_ONCE(lease->breaking))
		return false;
	left = ktime_ms_delta(READ_ONCE(lease->deadline), ktime_get());
	*left_ms = left > 0 ? left : 0;
	return true;
}

void vpin_lease_show(struct seq_file *m, const struct vpin_klease *lease)
{
	const struct inode *inode = file_inode(lease->file);

	seq_printf(m, "lease:\tid=%u type=%s state=%s dev=%u:%u ino=%lu path=",
		   lease->id, vpin_lease_type_name(lease->type),
		   READ_ONCE(lease->breaking) ? "breaking" : "granted",
		   MAJOR(inode->i_sb->s_dev), MINOR(inode->i_sb->s_dev),
		   inode->i_ino);
	seq_file_path(m, lease->file, "\n");
	seq_putc(m, '\n');
}

/*
 * /proc/sys/fs/lease-break-time is static in fs/locks.c: read it, through
 * vpin's own procfs mount, so that the breaker's mount namespace does not
 * decide whose file is read.
 */
static unsigned int vpin_break_ms(void)
{
	unsigned int ms = READ_ONCE(break_time_ms), secs = 45;
	struct file *f;
	char buf[16];
	loff_t pos = 0;
	ssize_t n;

	if (ms)
		return ms;
	if (!vpin_procfs)
		return secs * MSEC_PER_SEC;
	f = file_open_root_mnt(vpin_procfs, "sys/fs/lease-break-time",
			       O_RDONLY, 0);
	if (IS_ERR(f))
		return secs * MSEC_PER_SEC;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	fput(f);
	if (n > 0) {
		buf[n] = '\0';
		if (kstrtouint(strim(buf), 10, &secs))
			secs = 45;
	}
	return min(secs, VPIN_BREAK_MAX_SECS) * MSEC_PER_SEC;
}

static void vpin_lease_event(struct vpin_klease *lease, u32 type, u32 reason)
{
	const struct inode *inode = file_inode(lease->file);
	struct vpin_event ev = {
		.type = type,
		.lease_id = lease->id,
		.reason = reason,
		.dev = inode->i_sb->s_dev,
		.ino = inode->i_ino,
		.deadline_ns = ktime_to_ns(lease->deadline),
	};

	/* Netlink first: a holder that reacts at once must not overtake it. */
	vpin_nl_break_event(lease, type, reason);
	vpin_session_queue_event(lease->session, &ev, task_tgid(current));
}

/*
 * The revocation signal (SIGBUS, or what the lease's policy says) for the
 * session's opener, if the session's creator could signal
 * it: the rule fcntl(F_SETOWN) signals follow (sigio_perm()), so that an
 * opener that has since exec'd a set-user-ID program is left alone.
 */
static void vpin_signal_owner(struct vpin_session *s, u32 on_revoke)
{
	const struct cred *cred = s->cred, *tcred;
	int sig = vpin_revoke_signal(on_revoke);
	struct task_struct *p;
	bool may;

	if (!sig)
		return;
	rcu_read_lock();
	p = pid_task(s->owner, PIDTYPE_TGID);
	if (p) {
		tcred = __task_cred(p);
		may = uid_eq(cred->euid, GLOBAL_ROOT_UID) ||
		      uid_eq(cred->euid, tcred->suid) ||
		      uid_eq(cred->euid, tcred->uid) ||
		      uid_eq(cred->uid, tcred->suid) ||
		      uid_eq(cred->uid, tcred->uid);
		if (may)
			kill_pid(s->owner, sig, 1);
	}
	rcu_read_unlock();
}

/*
 * Revoke @lease, which is in @s, locked by the caller: its pins go, then the
 * lease, the session's opener gets its signal. Returns with @s unlocked.
 */
static void vpin_lease_revoke_locked(struct vpin_session *s,
				     struct vpin_klease *lease, u32 reason)
	__releases(&s->lock)
{
	u32 on_revoke = lease->grant.on_revoke;
	LIST_HEAD(gone);

	lockdep_assert_held(&s->lock);
	vpin_lease_event(lease, VPIN_EVENT_LEASE_REVOKED, reason);
	vpin_lease_unlink(s, lease, &gone);
	mutex_unlock(&s->lock);
	vpin_pin_free_list(s, &gone);
	vpin_signal_owner(s, on_revoke);
	vpin_lease_free(lease);
}

/*
 * Revoke a breakable lease whose break time has passed. Called by a breaker
 * holding no vpin lock, with a reference on @s.
 */
static void vpin_lease_revoke(struct vpin_session *s, u32 id, u32 seq)
{
	struct vpin_klease *lease;

	mutex_lock(&s->lock);
	lease = xa_load(&s->leases, id);
	if (!lease || lease->type != VPIN_LEASE_BREAKABLE ||
	    READ_ONCE(lease->break_seq) != seq) {
		mutex_unlock(&s->lock);
		return;
	}
	vpin_lease_revoke_locked(s, lease, lease->break_reason);
}

/*
 * An administrator's revocation (VPIN_CMD_REVOKE_LEASE) of a lease of
 * either type, as a break deadline revokes a breakable one. The lease's
 * pages that others still hold keep it as an orphan (map.c), so the file
 * stays protected until they are let go.
 */
int vpin_lease_admin_revoke(u64 session_id, u32 id)
{
	struct vpin_klease *lease;
	struct vpin_session *s;

	s = vpin_session_find(session_id);
	if (!s)
		return -ENOENT;
	mutex_lock(&s->lock);
	lease = s->released ? NULL : xa_load(&s->leases, id);
	if (!lease) {
		mutex_unlock(&s->lock);
		vpin_session_put(s);
		return -ENOENT;
	}
	vpin_lease_revoke_locked(s, lease, VPIN_BREAK_ADMIN);
	vpin_session_put(s);
	return 0;
}

/* Start the break of every breakable lease on @vf not yet breaking. */
static void vpin_file_start_break(struct vpin_file *vf, u32 reason,
				  unsigned int break_ms)
{
	ktime_t now = ktime_get();
	struct vpin_klease *lease;

	lockdep_assert_held(&vpin_files_lock);
	list_for_each_entry(lease, &vf->leases, vfile_node) {
		if (lease->type != VPIN_LEASE_BREAKABLE || lease->breaking ||
		    lease->gone)
			continue;
		/* A policy's break time, else the module's. */
		WRITE_ONCE(lease->deadline,
			   ktime_add_ms(now, lease->grant.break_ms ?: break_ms));
		lease->break_reason = reason;
		WRITE_ONCE(lease->break_seq, atomic_inc_return(&vpin_break_seq));
		WRITE_ONCE(lease->breaking, true);
		vf->nbreaking++;
		vpin_lease_event(lease, VPIN_EVENT_LEASE_BREAK, reason);
	}
}

/* A lease to revoke now: what a breaker needs after dropping the lock. */
struct vpin_expired {
	struct vpin_session *session;	/* referenced */
	u32 id;
	u32 seq;
};

/*
 * Find a breakable lease on @vf whose time is up (any breaking one if
 * @now_all), else the next deadline.
 */
static bool vpin_file_expired(struct vpin_file *vf, struct vpin_expired *exp,
			      ktime_t *next, bool now_all)
{
	struct vpin_klease *lease;
	ktime_t now = now_all ? KTIME_MAX : ktime_get();

	lockdep_assert_held(&vpin_files_lock);
	*next = KTIME_MAX;
	list_for_each_entry(lease, &vf->leases, vfile_node) {
		if (lease->type != VPIN_LEASE_BREAKABLE || !lease->breaking ||
		    lease->gone)
			continue;
		if (ktime_compare(lease->deadline, now) <= 0) {
			vpin_session_get(lease->session);
			exp->session = lease->session;
			exp->id = lease->id;
			exp->seq = lease->break_seq;
			return true;
		}
		*next = min(*next, lease->deadline);
	}
	return false;
}

static bool vpin_file_is_own(struct vpin_file *vf)
{
	struct vpin_klease *lease;

	list_for_each_entry(lease, &vf->leases, vfile_node)
		if (lease->type == VPIN_LEASE_BREAKABLE &&
		    lease->session->owner == task_tgid(current))
			return true;
	return false;
}

/*
 * A layout change of @inode is starting: break the breakable leases on it
 * and wait until they are gone, revoking those whose time is up. Returns 0
 * when the change may go on, with *@token set if leases were broken (the
 * caller passes it to vpin_break_done() once the change is over); -EDEADLK
 * for a change by a holder itself (unless VPIN_BREAK_NOSELF), -EWOULDBLOCK
 * for a non-blocking changer (after revoking leases whose time is up),
 * -ERESTARTSYS on a signal. With VPIN_BREAK_FORCE, for changers that cannot
 * fail, the wait is killable and a fatal signal revokes what is left.
 */
int vpin_lease_break(struct inode *inode, u32 reason, unsigned int flags,
		     struct vpin_file **token)
{
	struct vpin_expired exp;
	unsigned int break_ms;
	struct vpin_file *vf;
	long left, timeout;
	bool hurry = false;
	ktime_t next;
	int ret = 0;

	*token = NULL;
	if (!atomic_read(&vpin_nbreakable))
		return 0;
	mutex_lock(&vpin_files_lock);
	vf = vpin_file_lookup(inode);
	if (!vf || !vf->nbreakable) {
		mutex_unlock(&vpin_files_lock);
		return 0;
	}
	if (!(flags & VPIN_BREAK_NOSELF) && vpin_file_is_own(vf)) {
		mutex_unlock(&vpin_files_lock);
		return -EDEADLK;
	}
	/* From here on no lease of the file can be granted. */
	refcount_inc(&vf->ref);
	vf->nchanges++;
	/* The break time may have to be read from a file: not under the lock. */
	mutex_unlock(&vpin_files_lock);
	break_ms = vpin_break_ms();
	mutex_lock(&vpin_files_lock);

	vpin_file_start_break(vf, reason, break_ms);
	while (vf->nbreakable) {
		/* Expired leases go first, for non-blocking breakers too. */
		if (vpin_file_expired(vf, &exp, &next, hurry)) {
			mutex_unlock(&vpin_files_lock);
			vpin_lease_revoke(exp.session, exp.id, exp.seq);
			vpin_session_put(exp.session);
			mutex_lock(&vpin_files_lock);
			continue;
		}
		if (flags & VPIN_BREAK_NONBLOCK) {
			ret = -EWOULDBLOCK;
			break;
		}
		mutex_unlock(&vpin_files_lock);
		/*
		 * Up to the next deadline (one that just passed is 0); with no
		 * deadline left, the remaining leases are going: until woken.
		 */
		timeout = MAX_SCHEDULE_TIMEOUT;
		if (next != KTIME_MAX) {
			timeout = ktime_to_ns(ktime_sub(next, ktime_get()));
			timeout = timeout > 0 ? nsecs_to_jiffies(timeout) + 1 : 1;
		}
		/*
		 * A change that cannot fail waits killably, and a fatal signal
		 * revokes what is left; others may be interrupted (restarted).
		 */
		if (flags & VPIN_BREAK_FORCE)
			left = wait_event_killable_timeout(vf->breakers,
							   !READ_ONCE(vf->nbreakable),
							   timeout);
		else
			left = wait_event_interruptible_timeout(vf->breakers,
								!READ_ONCE(vf->nbreakable),
								timeout);
		mutex_lock(&vpin_files_lock);
		if (left < 0 && (flags & VPIN_BREAK_FORCE)) {
			hurry = true;
		} else if (left < 0) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (ret) {
		vf->nchanges--;
		vpin_file_put(vf);
	} else {
		*token = vf;
	}
	mutex_unlock(&vpin_files_lock);
	return ret;
}

/* The change that vpin_lease_break() let go is over. */
void vpin_break_done(struct vpin_file *token)
{
	if (!token)
		return;
	mutex_lock(&vpin_files_lock);
	token->nchanges--;
	vpin_file_put(token);
	mutex_unlock(&vpin_files_lock);
}

int vpin_lease_init(void)
{
	struct file_system_type *proc = get_fs_type("proc");
	struct vfsmount *mnt;

	/* Without it, an unset break_time_ms means lease-break-time's default. */
	if (!proc)
		return 0;
	mnt = kern_mount(proc);
	if (IS_ERR(mnt))
		pr_warn("no procfs mount for lease-break-time: %ld\n",
			PTR_ERR(mnt));
	else
		vpin_procfs = mnt;
	return 0;
}

void vpin_lease_exit(void)
{
	if (vpin_procfs)
		kern_unmount(vpin_procfs);
	/* Let kfree_rcu() of vpin_file entries finish before the text goes. */
	rcu_barrier();
}
