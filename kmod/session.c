// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open of /dev/vpin, and the ioctls on them.
 */

#include <linux/atomic.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lease.h"
#include "map.h"
#include "pin.h"
#include "policy.h"
#include "session.h"
#include "util.h"

#include "netlink.h"

static atomic64_t vpin_session_ids = ATOMIC64_INIT(0);
LIST_HEAD(vpin_sessions);
DEFINE_MUTEX(vpin_sessions_lock);	/* protects vpin_sessions */
struct vpin_stats vpin_stats;

void vpin_session_get(struct vpin_session *s)
{
	kref_get(&s->ref);
}

static void vpin_session_free(struct kref *ref)
{
	struct vpin_session *s = container_of(ref, struct vpin_session, ref);

	unsigned int i;

	for (i = 0; i < VPIN_SESSION_EVENTS; i++)
		put_pid(s->event_pids[i]);
	xa_destroy(&s->pins);
	xa_destroy(&s->leases);
	vpin_policy_free(s);
	put_cred(s->cred);
	put_pid(s->owner);
	mmdrop(s->mm);
	mutex_destroy(&s->lock);
	kfree(s);
}

void vpin_session_put(struct vpin_session *s)
{
	kref_put(&s->ref, vpin_session_free);
}

/* The session with id @id, referenced, or NULL. */
struct vpin_session *vpin_session_find(u64 id)
{
	struct vpin_session *s, *found = NULL;

	mutex_lock(&vpin_sessions_lock);
	list_for_each_entry(s, &vpin_sessions, node) {
		if (s->id == id) {
			vpin_session_get(s);
			found = s;
			break;
		}
	}
	mutex_unlock(&vpin_sessions_lock);
	return found;
}

/*
 * Queue an event for whoever reads the session, and signal the O_ASYNC
 * owner. When the ring is full the oldest event is dropped and counted.
 * @breaker becomes breaker_pid as the reader sees it, in its own pid
 * namespace, when the event is read.
 */
void vpin_session_queue_event(struct vpin_session *s,
			      const struct vpin_event *ev, struct pid *breaker)
{
	struct pid *old = NULL;
	unsigned long flags;
	unsigned int slot;

	get_pid(breaker);
	spin_lock_irqsave(&s->events_lock, flags);
	if (s->events_count == VPIN_SESSION_EVENTS) {
		s->events_head = (s->events_head + 1) % VPIN_SESSION_EVENTS;
		s->events_count--;
		s->events_dropped++;
	}
	slot = (s->events_head + s->events_count) % VPIN_SESSION_EVENTS;
	s->events[slot] = *ev;
	old = s->event_pids[slot];
	s->event_pids[slot] = breaker;
	s->events_count++;
	spin_unlock_irqrestore(&s->events_lock, flags);
	put_pid(old);
	wake_up_interruptible_poll(&s->events_wait, EPOLLIN | EPOLLRDNORM | EPOLLPRI);
	kill_fasync(&s->fasync, SIGIO, POLL_PRI);
}

ssize_t vpin_session_read(struct file *file, char __user *buf, size_t len,
			  loff_t *ppos)
{
	struct vpin_session *s = file->private_data;
	size_t max = len / sizeof(struct vpin_event), n = 0;
	struct vpin_event ev;
	struct pid *breaker;
	int ret;

	if (!max)
		return -EINVAL;
	while (n < max) {
		spin_lock_irq(&s->events_lock);
		if (!s->events_count) {
			spin_unlock_irq(&s->events_lock);
			if (n)
				break;
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(s->events_wait,
						       READ_ONCE(s->events_count));
			if (ret)
				return ret;
			continue;
		}
		ev = s->events[s->events_head];
		breaker = s->event_pids[s->events_head];
		s->event_pids[s->events_head] = NULL;
		s->events_head = (s->events_head + 1) % VPIN_SESSION_EVENTS;
		s->events_count--;
		spin_unlock_irq(&s->events_lock);
		ev.breaker_pid = pid_vnr(breaker);
		put_pid(breaker);
		/* An event that cannot be copied out is lost, as with signals. */
		if (copy_to_user(buf + n * sizeof(ev), &ev, sizeof(ev)))
			return n ? n * sizeof(ev) : -EFAULT;
		n++;
	}
	return n * sizeof(ev);
}

__poll_t vpin_session_poll(struct file *file, struct poll_table_struct *wait)
{
	struct vpin_session *s = file->private_data;

	poll_wait(file, &s->events_wait, wait);
	return READ_ONCE(s->events_count) ? EPOLLIN | EPOLLRDNORM | EPOLLPRI : 0;
}

int vpin_session_fasync(int fd, struct file *file, int on)
{
	struct vpin_session *s = file->private_data;

	return fasync_helper(fd, file, on, &s->fasync);
}

int vpin_session_open(struct inode *inode, struct file *file)
{
	struct vpin_session *s;
	int ret;

	if (!current->mm)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	kref_init(&s->ref);
	spin_lock_init(&s->events_lock);
	init_waitqueue_head(&s->events_wait);
	mutex_init(&s->lock);
	xa_init_flags(&s->pins, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init_flags(&s->leases, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mmgrab(current->mm);
	s->mm = current->mm;
	s->id = atomic64_inc_return(&vpin_session_ids);
	s->owner = get_pid(task_tgid(current));
	s->cred = get_current_cred();
	s->pid = task_tgid_nr(current);
	s->uid = current_uid();
	get_task_comm(s->comm, current);
	ret = vpin_policy_open(s);
	if (ret) {
		vpin_session_put(s);
		return ret;
	}
	file->private_data = s;

	mutex_lock(&vpin_sessions_lock);
	list_add_tail(&s->node, &vpin_sessions);
	vpin_stats_add(&vpin_stats.sessions, 1);
	mutex_unlock(&vpin_sessions_lock);
	return nonseekable_open(inode, file);
}

int vpin_session_release(struct inode *inode, struct file *file)
{
	struct vpin_session *s = file->private_data;
	struct vpin_kpin *pin;
	unsigned long id;
	LIST_HEAD(gone);

	mutex_lock(&vpin_sessions_lock);
	list_del(&s->node);
	vpin_stats_add(&vpin_stats.sessions, -1);
	mutex_unlock(&vpin_sessions_lock);

	mutex_lock(&s->lock);
	s->released = true;
	xa_for_each(&s->pins, id, pin)
		vpin_pin_detach(s, pin, &gone);
	mutex_unlock(&s->lock);
	vpin_pin_free_list(s, &gone);
	vpin_lease_release_all(s);
	vpin_policy_close(s);
	vpin_session_put(s);
	return 0;
}

void vpin_session_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct vpin_session *s = file->private_data;
	struct vpin_klease *lease;
	struct vpin_kpin *pin;
	unsigned long id;

	mutex_lock(&s->lock);
	seq_printf(m, "vpin-session:\t%llu\nvpin-owner:\tpid=%d uid=%u comm=%s\n",
		   s->id, s->pid, from_kuid_munged(seq_user_ns(m), s->uid),
		   s->comm);
	seq_printf(m, "vpin-pinned-pages:\t%llu\n", s->pinned_pages);
	seq_printf(m, "vpin-events:\tqueued=%u dropped=%lu\n",
		   READ_ONCE(s->events_count), READ_ONCE(s->events_dropped));
	xa_for_each(&s->leases, id, lease)
		vpin_lease_show(m, lease);
	xa_for_each(&s->pins, id, pin)
		vpin_pin_show(m, pin);
	mutex_unlock(&s->lock);
}

static long vpin_ioc_version(void __user *uarg)
{
	struct vpin_version v;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.reserved0 || !vpin_zero(v.reserved))
		return -EINVAL;
	v.abi_version = VPIN_ABI_VERSION;
	v.features = __VPIN_FEATURE_ALL;
	if (copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static long vpin_ioc_pin(struct vpin_session *s, void __user *uarg)
{
	struct vpin_pin req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return vpin_pin_create(s, &req, &((struct vpin_pin __user *)uarg)->id);
}

static long vpin_ioc_unpin(struct vpin_session *s, void __user *uarg)
{
	struct vpin_unpin req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved0 || !vpin_zero(req.reserved))
		return -EINVAL;
	if (!req.id || req.id > U32_MAX)
		return -ENOENT;
	return vpin_pin_destroy(s, req.id);
}

static long vpin_ioc_lease(struct vpin_session *s, void __user *uarg)
{
	struct vpin_lease req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return vpin_lease_create(s, &req,
				 &((struct vpin_lease __user *)uarg)->id);
}

static long vpin_ioc_unlease(struct vpin_session *s, void __user *uarg)
{
	struct vpin_unlease req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.reserved0 || !vpin_zero(req.reserved))
		return -EINVAL;
	if (!req.id || req.id > U32_MAX)
		return -ENOENT;
	return vpin_lease_destroy(s, req.id);
}

long vpin_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vpin_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != VPIN_IOC_MAGIC)
		return -ENOTTY;

	/* A known command number with another size or direction: EINVAL. */
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VPIN_IOC_VERSION):
		return cmd == VPIN_IOC_VERSION ? vpin_ioc_version(uarg) : -EINVAL;
	case _IOC_NR(VPIN_IOC_PIN):
		return cmd == VPIN_IOC_PIN ? vpin_ioc_pin(s, uarg) : -EINVAL;
	case _IOC_NR(VPIN_IOC_UNPIN):
		return cmd == VPIN_IOC_UNPIN ? vpin_ioc_unpin(s, uarg) : -EINVAL;
	case _IOC_NR(VPIN_IOC_LEASE):
		return cmd == VPIN_IOC_LEASE ? vpin_ioc_lease(s, uarg) : -EINVAL;
	case _IOC_NR(VPIN_IOC_UNLEASE):
		return cmd == VPIN_IOC_UNLEASE ? vpin_ioc_unlease(s, uarg) : -EINVAL;
	case _IOC_NR(VPIN_IOC_MAP):
		return cmd == VPIN_IOC_MAP ? vpin_map_create(s, uarg) : -EINVAL;
	}
	return -ENOTTY;
}
