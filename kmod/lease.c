// SPDX-License-Identifier: GPL-2.0
/*
 * Leases on files, exclusive and breakable.
 *
 * Every leased inode has one struct vpin_file in a global table listing the
 * leases of all sessions on it: conflicts are decided there, and that is
 * where a breaker finds the breakable leases it has to wait for.
 *
 * Locking, outermost first:
 *   i_rwsem (a breaker in notify_change() holds it)
 *   session lock
 *   vpin_files_lock
 *   mmap_lock
 * A session lock is never held while taking an i_rwsem: protecting and
 * unprotecting a file (which take it) happen outside the session lock, and
 * a breaker drops vpin_files_lock before it takes a session lock to revoke.
 */

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "lease.h"
#include "netlink.h"
#include "pin.h"
#include "protect.h"
#include "session.h"
#include "util.h"

static unsigned int break_time_ms;
module_param(break_time_ms, uint, 0644);
MODULE_PARM_DESC(break_time_ms,
		 "Time a breakable lease holder has to release it, in ms (0: /proc/sys/fs/lease-break-time)");

struct vpin_file {
	struct hlist_node node;
	const struct inode *inode;
	refcount_t ref;			/* leases and waiting breakers */
	struct list_head leases;	/* struct vpin_klease.vfile_node */
	unsigned int nexclusive;
	unsigned int nbreakable;
	wait_queue_head_t breakers;	/* woken when a breakable lease goes */
	struct vpin_protected *protected;	/* while exclusively leased */
};

static DEFINE_MUTEX(vpin_files_lock);
static DEFINE_HASHTABLE(vpin_files, 8);
static atomic_t vpin_nbreakable = ATOMIC_INIT(0);
static atomic_t vpin_break_seq = ATOMIC_INIT(0);

bool notrace vpin_breakable_leases(void)
{
	return atomic_read(&vpin_nbreakable);
}

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
	if (refcount_dec_and_test(&vf->ref))
		kfree(vf);
}

static int vpin_lease_check(const struct vpin_lease *req, struct file *file)
{
	struct inode *inode = file_inode(file);

	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	if (req->type == VPIN_LEASE_EXCLUSIVE) {
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (!uid_eq(current_fsuid(), inode->i_uid) &&
		    !capable(CAP_LINUX_IMMUTABLE))
			return -EPERM;
		/* A file protected by a lease is found busy when attaching. */
		if (IS_SWAPFILE(inode) && !vpin_inode_protected(inode))
			return -ETXTBSY;
	}
	return 0;
}

/* Attach @lease to its inode's entry, creating it, unless it conflicts. */
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
		hash_add(vpin_files, &vf->node, (unsigned long)inode);
	} else if (vf->nexclusive || (exclusive && !list_empty(&vf->leases))) {
		ret = -EBUSY;
		goto out;
	} else {
		refcount_inc(&vf->ref);
	}
	if (exclusive) {
		vf->nexclusive++;
	} else {
		vf->nbreakable++;
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
		vf->nbreakable--;
		atomic_dec(&vpin_nbreakable);
		wake_up_all(&vf->breakers);
	}
	if (list_empty(&vf->leases))
		hash_del(&vf->node);
	vpin_file_put(vf);
	mutex_unlock(&vpin_files_lock);
	lease->vfile = NULL;
}

/*
 * Put the file of an exclusive lease into the protected state. Protection
 * comes first, so that no layout change can start between the allocation
 * check and the moment it would be refused. Takes i_rwsem: never called
 * under a session lock.
 */
static int vpin_lease_protect(struct vpin_klease *lease)
{
	struct vpin_protected *p;
	int ret;

	ret = vpin_protect(lease->file, &p);
	if (ret)
		return ret;
	ret = vpin_check_allocated(lease->file);
	if (ret) {
		vpin_unprotect(p);
		return ret;
	}
	lease->protected = p;
	vpin_stats_add(&vpin_stats.protected_files, 1);
	return 0;
}

static void vpin_lease_unprotect(struct vpin_klease *lease)
{
	if (!lease->protected)
		return;
	vpin_unprotect(lease->protected);
	lease->protected = NULL;
	vpin_stats_add(&vpin_stats.protected_files, -1);
}

/* The end of a lease that is no longer in its session: see vpin_lease_unlink(). */
static void vpin_lease_free(struct vpin_klease *lease)
{
	if (lease->protected) {
		vpin_lease_unprotect(lease);
		vpin_nl_lease_event(lease->session, lease, VPIN_EVENT_PROTECT_OFF);
	}
	if (lease->vfile)
		vpin_file_detach(lease);
	fput(lease->file);
	kfree(lease);
}

int vpin_lease_create(struct vpin_session *s, const struct vpin_lease *req,
		      u32 *id)
{
	struct vpin_klease *lease;
	struct file *file;
	int ret;

	if (req->flags || req->reserved0 || !vpin_zero(req->reserved))
		return -EINVAL;
	if (req->type == VPIN_LEASE_UNSPEC || req->type > VPIN_LEASE_MAX)
		return -EINVAL;

	file = fget(req->fd);
	if (!file)
		return -EBADF;
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
	lease->file = file;
	lease->created = ktime_get_boottime();

	ret = vpin_file_attach(lease);
	if (ret)
		goto err_free;
	if (lease->type == VPIN_LEASE_EXCLUSIVE) {
		ret = vpin_lease_protect(lease);
		if (ret)
			goto err_detach;
	}

	mutex_lock(&s->lock);
	ret = xa_alloc_cyclic(&s->leases, &lease->id, lease, xa_limit_32b,
			      &s->next_lease_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		mutex_unlock(&s->lock);
		goto err_unprotect;
	}
	s->nleases++;
	*id = lease->id;
	mutex_unlock(&s->lock);

	vpin_stats_add(&vpin_stats.leases, 1);
	vpin_nl_lease_event(s, lease, VPIN_EVENT_LEASE_GRANTED);
	if (lease->protected)
		vpin_nl_lease_event(s, lease, VPIN_EVENT_PROTECT_ON);
	return 0;

err_unprotect:
	vpin_lease_unprotect(lease);
err_detach:
	vpin_file_detach(lease);
err_free:
	kfree(lease);
err_fput:
	fput(file);
	return ret;
}

/*
 * Take @lease out of its session, releasing the session's pins on the file
 * for a breakable lease. A breakable lease also leaves its file entry here,
 * which lets waiting breakers go on. The rest, which may take i_rwsem, is
 * vpin_lease_free()'s, after the session lock is dropped.
 */
static void vpin_lease_unlink(struct vpin_session *s, struct vpin_klease *lease)
{
	struct vpin_kpin *pin;
	unsigned long id;

	lockdep_assert_held(&s->lock);
	if (lease->npins) {
		xa_for_each(&s->pins, id, pin)
			if (pin->lease == lease)
				vpin_pin_release(s, pin);
	}
	xa_erase(&s->leases, lease->id);
	s->nleases--;
	vpin_stats_add(&vpin_stats.leases, -1);
	vpin_nl_lease_event(s, lease, VPIN_EVENT_LEASE_RELEASED);
	if (lease->type == VPIN_LEASE_BREAKABLE)
		vpin_file_detach(lease);
}

int vpin_lease_destroy(struct vpin_session *s, u32 id)
{
	struct vpin_klease *lease;

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
	vpin_lease_unlink(s, lease);
	mutex_unlock(&s->lock);
	vpin_lease_free(lease);
	return 0;
}

/* Session teardown: the session's pins are gone already. */
void vpin_lease_release_all(struct vpin_session *s)
{
	struct vpin_klease *lease;
	unsigned long id;
	LIST_HEAD(gone);

	mutex_lock(&s->lock);
	xa_for_each(&s->leases, id, lease) {
		vpin_lease_unlink(s, lease);
		list_add_tail(&lease->session_node, &gone);
	}
	mutex_unlock(&s->lock);

	while (!list_empty(&gone)) {
		lease = list_first_entry(&gone, struct vpin_klease, session_node);
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

/* /proc/sys/fs/lease-break-time is static in fs/locks.c: read it. */
static unsigned int vpin_lease_break_ms(void)
{
	unsigned int ms = READ_ONCE(break_time_ms), secs = 45;
	struct file *f;
	char buf[16];
	loff_t pos = 0;
	ssize_t n;

	if (ms)
		return ms;
	f = filp_open("/proc/sys/fs/lease-break-time", O_RDONLY, 0);
	if (IS_ERR(f))
		return secs * MSEC_PER_SEC;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	fput(f);
	if (n > 0) {
		buf[n] = '\0';
		if (kstrtouint(strim(buf), 10, &secs))
			secs = 45;
	}
	return secs * MSEC_PER_SEC;
}

static void vpin_lease_event(struct vpin_klease *lease, u32 type, u32 reason,
			     pid_t breaker)
{
	const struct inode *inode = file_inode(lease->file);
	struct vpin_event ev = {
		.type = type,
		.lease_id = lease->id,
		.reason = reason,
		.breaker_pid = breaker,
		.dev = inode->i_sb->s_dev,
		.ino = inode->i_ino,
		.deadline_ns = ktime_to_ns(lease->deadline),
	};

	/* Netlink first: a holder that reacts at once must not overtake it. */
	vpin_nl_lease_event(lease->session, lease, type);
	vpin_session_queue_event(lease->session, &ev);
}

/*
 * Revoke a breakable lease whose break time has passed: its pins go, the
 * session's opener gets SIGBUS. Called by a breaker holding no vpin lock.
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
	vpin_lease_event(lease, VPIN_EVENT_LEASE_REVOKED, lease->break_reason,
			 task_tgid_vnr(current));
	vpin_lease_unlink(s, lease);
	mutex_unlock(&s->lock);
	kill_pid(s->owner, SIGBUS, 1);
	vpin_lease_free(lease);
}

/* Start the break of every breakable lease on @vf not yet breaking. */
static void vpin_file_start_break(struct vpin_file *vf, u32 reason,
				  unsigned int break_ms)
{
	ktime_t deadline = ktime_add_ms(ktime_get(), break_ms);
	struct vpin_klease *lease;

	lockdep_assert_held(&vpin_files_lock);
	list_for_each_entry(lease, &vf->leases, vfile_node) {
		if (lease->type != VPIN_LEASE_BREAKABLE || lease->breaking)
			continue;
		lease->deadline = deadline;
		lease->break_reason = reason;
		WRITE_ONCE(lease->break_seq, atomic_inc_return(&vpin_break_seq));
		WRITE_ONCE(lease->breaking, true);
		vpin_lease_event(lease, VPIN_EVENT_LEASE_BREAK, reason,
				 task_tgid_vnr(current));
	}
}

/* The breakable lease on @vf to revoke now, if any, with its session held. */
static struct vpin_klease *vpin_file_expired(struct vpin_file *vf,
					     ktime_t *next)
{
	struct vpin_klease *lease;
	ktime_t now = ktime_get();

	lockdep_assert_held(&vpin_files_lock);
	*next = KTIME_MAX;
	list_for_each_entry(lease, &vf->leases, vfile_node) {
		if (lease->type != VPIN_LEASE_BREAKABLE || !lease->breaking)
			continue;
		if (ktime_compare(lease->deadline, now) <= 0) {
			vpin_session_get(lease->session);
			return lease;
		}
		*next = min(*next, lease->deadline);
	}
	return NULL;
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
 * when the change may go on, -EDEADLK for a change by a holder itself,
 * -EWOULDBLOCK for a non-blocking changer, -EINTR on a signal.
 */
int vpin_lease_break(const struct inode *inode, u32 reason, bool nonblock)
{
	struct vpin_klease *expired;
	unsigned int break_ms;
	struct vpin_file *vf;
	long left, timeout;
	ktime_t next;
	int ret = 0;

	if (!atomic_read(&vpin_nbreakable))
		return 0;
	mutex_lock(&vpin_files_lock);
	vf = vpin_file_lookup(inode);
	if (!vf || !vf->nbreakable) {
		mutex_unlock(&vpin_files_lock);
		return 0;
	}
	if (vpin_file_is_own(vf)) {
		mutex_unlock(&vpin_files_lock);
		return -EDEADLK;
	}
	/* The break time may have to be read from a file: not under the lock. */
	refcount_inc(&vf->ref);
	mutex_unlock(&vpin_files_lock);
	break_ms = vpin_lease_break_ms();
	mutex_lock(&vpin_files_lock);

	if (nonblock) {
		vpin_file_start_break(vf, reason, break_ms);
		ret = vf->nbreakable ? -EWOULDBLOCK : 0;
		goto out;
	}
	while (vf->nbreakable) {
		/* Leases granted while we wait are broken too. */
		vpin_file_start_break(vf, reason, break_ms);
		expired = vpin_file_expired(vf, &next);
		mutex_unlock(&vpin_files_lock);
		if (expired) {
			struct vpin_session *s = expired->session;

			vpin_lease_revoke(s, expired->id, READ_ONCE(expired->break_seq));
			vpin_session_put(s);
		} else {
			/* Up to the next deadline; one that just passed is 0. */
			timeout = ktime_to_ns(ktime_sub(next, ktime_get()));
			timeout = timeout > 0 ? nsecs_to_jiffies(timeout) + 1 : 1;
			left = wait_event_interruptible_timeout(vf->breakers,
								!READ_ONCE(vf->nbreakable),
								timeout);
			if (left < 0) {
				ret = -EINTR;
				mutex_lock(&vpin_files_lock);
				break;
			}
		}
		mutex_lock(&vpin_files_lock);
	}
out:
	vpin_file_put(vf);
	mutex_unlock(&vpin_files_lock);
	return ret;
}
