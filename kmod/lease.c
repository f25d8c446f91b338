// SPDX-License-Identifier: GPL-2.0
/*
 * Leases on files.
 *
 * Every leased inode has one struct vpin_file in a global table, listing the
 * leases of all sessions on it; that is where conflicts between sessions are
 * decided. Lock order: session lock, then vpin_files_lock.
 */

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "lease.h"
#include "netlink.h"
#include "protect.h"
#include "session.h"
#include "util.h"

struct vpin_file {
	struct hlist_node node;
	const struct inode *inode;
	struct list_head leases;	/* struct vpin_klease.vfile_node */
	unsigned int nexclusive;
	struct vpin_protected *protected;	/* while exclusively leased */
};

static DEFINE_MUTEX(vpin_files_lock);
static DEFINE_HASHTABLE(vpin_files, 8);

static struct vpin_file *vpin_file_lookup(const struct inode *inode)
{
	struct vpin_file *vf;

	lockdep_assert_held(&vpin_files_lock);
	hash_for_each_possible(vpin_files, vf, node, (unsigned long)inode)
		if (vf->inode == inode)
			return vf;
	return NULL;
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
		if (IS_SWAPFILE(inode))
			return -ETXTBSY;
	}
	return 0;
}

/* Attach @lease to the inode's entry, creating it, unless it conflicts. */
static int vpin_file_attach(struct vpin_klease *lease)
{
	const struct inode *inode = file_inode(lease->file);
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
		INIT_LIST_HEAD(&vf->leases);
		hash_add(vpin_files, &vf->node, (unsigned long)inode);
	}
	if (lease->type == VPIN_LEASE_EXCLUSIVE && !list_empty(&vf->leases)) {
		ret = -EBUSY;
		goto out;
	}
	if (vf->nexclusive) {
		ret = -EBUSY;
		goto out;
	}
	if (lease->type == VPIN_LEASE_EXCLUSIVE)
		vf->nexclusive++;
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
	if (lease->type == VPIN_LEASE_EXCLUSIVE)
		vf->nexclusive--;
	if (list_empty(&vf->leases)) {
		hash_del(&vf->node);
		kfree(vf);
	}
	mutex_unlock(&vpin_files_lock);
	lease->vfile = NULL;
}

/*
 * Put the file of an exclusive lease into the protected state. Protection
 * comes first, so that no layout change can start between the allocation
 * check and the moment it would be refused.
 */
static int vpin_lease_protect(struct vpin_klease *lease)
{
	struct vpin_file *vf = lease->vfile;
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
	vf->protected = p;
	vpin_stats_add(&vpin_stats.protected_files, 1);
	return 0;
}

static void vpin_lease_unprotect(struct vpin_klease *lease)
{
	struct vpin_file *vf = lease->vfile;

	if (lease->type != VPIN_LEASE_EXCLUSIVE || !vf->protected)
		return;
	vpin_unprotect(vf->protected);
	vf->protected = NULL;
	vpin_stats_add(&vpin_stats.protected_files, -1);
}

int vpin_lease_create(struct vpin_session *s, const struct vpin_lease *req,
		      u32 *id)
{
	struct vpin_klease *lease;
	struct file *file;
	int ret;

	lockdep_assert_held(&s->lock);
	if (req->flags || req->reserved0 || !vpin_zero(req->reserved))
		return -EINVAL;
	if (req->type == VPIN_LEASE_UNSPEC || req->type > VPIN_LEASE_MAX)
		return -EINVAL;
	if (req->type != VPIN_LEASE_EXCLUSIVE)
		return -EOPNOTSUPP;

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
	ret = xa_alloc_cyclic(&s->leases, &lease->id, lease, xa_limit_32b,
			      &s->next_lease_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_detach;
	s->nleases++;
	vpin_stats_add(&vpin_stats.leases, 1);
	vpin_nl_lease_event(s, lease, VPIN_EVENT_LEASE_GRANTED);
	if (lease->vfile->protected)
		vpin_nl_lease_event(s, lease, VPIN_EVENT_PROTECT_ON);
	*id = lease->id;
	return 0;

err_detach:
	vpin_lease_unprotect(lease);
	vpin_file_detach(lease);
err_free:
	kfree(lease);
err_fput:
	fput(file);
	return ret;
}

void vpin_lease_release(struct vpin_session *s, struct vpin_klease *lease)
{
	lockdep_assert_held(&s->lock);
	WARN_ON_ONCE(lease->npins);
	if (lease->vfile->protected) {
		vpin_lease_unprotect(lease);
		vpin_nl_lease_event(s, lease, VPIN_EVENT_PROTECT_OFF);
	}
	vpin_nl_lease_event(s, lease, VPIN_EVENT_LEASE_RELEASED);
	xa_erase(&s->leases, lease->id);
	s->nleases--;
	vpin_stats_add(&vpin_stats.leases, -1);
	vpin_file_detach(lease);
	fput(lease->file);
	kfree(lease);
}

int vpin_lease_destroy(struct vpin_session *s, u32 id)
{
	struct vpin_klease *lease;

	lockdep_assert_held(&s->lock);
	lease = xa_load(&s->leases, id);
	if (!lease)
		return -ENOENT;
	if (lease->npins)
		return -EBUSY;
	vpin_lease_release(s, lease);
	return 0;
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

	seq_printf(m, "lease:\tid=%u type=%s dev=%u:%u ino=%lu path=",
		   lease->id, vpin_lease_type_name(lease->type),
		   MAJOR(inode->i_sb->s_dev), MINOR(inode->i_sb->s_dev),
		   inode->i_ino);
	seq_file_path(m, lease->file, "\n");
	seq_putc(m, '\n');
}
