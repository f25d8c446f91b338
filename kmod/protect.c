// SPDX-License-Identifier: GPL-2.0
/*
 * The protected state of exclusively leased files.
 *
 * A protected file carries S_SWAPFILE, in memory only, which makes the VFS
 * refuse writes, new shared writable mappings, fallocate, copy_file_range,
 * remap preparation, unlink, rename and swapon, exactly as for an active
 * swap file. What S_SWAPFILE does not cover is refused by ftrace hooks at
 * the entry of the functions involved, before they take a lock or wait:
 *
 *   notify_change()          every size change (truncate, ftruncate, O_TRUNC),
 *                            growing ones included; xfs waits for pinned DAX
 *                            pages in xfs_vn_setattr() before any check, and
 *                            ext4 does in ext4_setattr() for growing ones
 *   xfs_file_remap_range()   reflink and dedupe: xfs waits for pinned DAX
 *                            pages before the generic S_SWAPFILE check
 *   xfs_exchange_range()     XFS_IOC_EXCHANGE_RANGE (6.10+), same reason
 *   xfs_file_fallocate(),    callers that bypass vfs_fallocate() (the loop
 *   ext4_fallocate()         driver, for one)
 *
 * The same hooks start the break of breakable leases (lease.c) on
 * notify_change(), vfs_fallocate(), vfs_clone_file_range() and
 * vfs_dedupe_file_range_one(), before the file system takes any lock.
 *
 * A hook answers by setting the saved instruction pointer to
 * vpin_refuse_etxtbsy(): ftrace returns into it in place of the hooked
 * function, which never runs. ftrace leaves its trampoline with RET, so the
 * redirection is no indirect branch and needs nothing from IBT; the original
 * function is never called through a pointer.
 */

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/ftrace.h>
#include <linux/hashtable.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lease.h"
#include "protect.h"

struct vpin_protected {
	struct hlist_node node;
	struct inode *inode;
	struct rcu_head rcu;
};

static DEFINE_SPINLOCK(vpin_protected_lock);	/* serialises table writers */
static DEFINE_HASHTABLE(vpin_protected_table, 8);

bool notrace vpin_inode_protected(const struct inode *inode)
{
	struct vpin_protected *p;
	bool found = false;

	/* Cheap filter first: every protected inode has S_SWAPFILE. */
	if (!inode || !IS_SWAPFILE(inode))
		return false;
	rcu_read_lock();
	hash_for_each_possible_rcu(vpin_protected_table, p, node,
				   (unsigned long)inode) {
		if (p->inode == inode) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static bool notrace vpin_file_protected(const struct file *file)
{
	return file && vpin_inode_protected(file_inode(file));
}

/* Runs in place of a hooked function: see the top of this file. */
static noinline notrace long vpin_refuse_etxtbsy(void)
{
	return -ETXTBSY;
}

static void notrace vpin_refuse(struct pt_regs *regs)
{
	instruction_pointer_set(regs, (unsigned long)vpin_refuse_etxtbsy);
}

/*
 * Breakable leases: a layout change of a file that has them first waits for
 * the break (lease.c). The hook sends the change through a wrapper that
 * waits and then calls the real function directly; the hook lets calls from
 * this module through. The wrapper is reached by ftrace's RET like the
 * stub, and it calls the exported function directly: no indirect branch.
 */
static bool notrace vpin_from_here(unsigned long parent_ip)
{
	return within_module(parent_ip, THIS_MODULE);
}

static bool vpin_nonblock(const struct file *file)
{
	return file && (file->f_flags & O_NONBLOCK);
}

/*
 * The wrappers run with a module reference taken by the hook that diverted
 * the call (a breakable lease means an open session, so the module was
 * live then), and drop it only once the real function has returned: the
 * module cannot go away while a breaker waits or runs in it. What runs
 * after module_put() cannot sleep, which is what unregistering the hooks
 * waits for on unload.
 */
static int vpin_notify_change_break(struct mnt_idmap *idmap,
				    struct dentry *dentry, struct iattr *attr,
				    struct inode **delegated_inode)
{
	struct file *file = attr->ia_valid & ATTR_FILE ? attr->ia_file : NULL;
	int ret;

	ret = vpin_lease_break(d_inode(dentry), VPIN_BREAK_TRUNCATE,
			       vpin_nonblock(file));
	if (!ret)
		ret = notify_change(idmap, dentry, attr, delegated_inode);
	module_put(THIS_MODULE);
	return ret;
}

static long vpin_fallocate_break(struct file *file, int mode, loff_t offset,
				 loff_t len)
{
	const int layout = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE |
			   FALLOC_FL_INSERT_RANGE | FALLOC_FL_ZERO_RANGE;
	long ret = 0;

	if (mode & layout)
		ret = vpin_lease_break(file_inode(file), VPIN_BREAK_FALLOCATE,
				       vpin_nonblock(file));
	if (!ret)
		ret = vfs_fallocate(file, mode, offset, len);
	module_put(THIS_MODULE);
	return ret;
}

static loff_t vpin_clone_break(struct file *file_in, loff_t pos_in,
			       struct file *file_out, loff_t pos_out,
			       loff_t len, unsigned int remap_flags)
{
	loff_t ret;

	ret = vpin_lease_break(file_inode(file_out), VPIN_BREAK_REMAP,
			       vpin_nonblock(file_out));
	if (!ret)
		ret = vfs_clone_file_range(file_in, pos_in, file_out, pos_out,
					   len, remap_flags);
	module_put(THIS_MODULE);
	return ret;
}

static loff_t vpin_dedupe_break(struct file *src_file, loff_t src_pos,
				struct file *dst_file, loff_t dst_pos,
				loff_t len, unsigned int remap_flags)
{
	loff_t ret;

	ret = vpin_lease_break(file_inode(dst_file), VPIN_BREAK_REMAP,
			       vpin_nonblock(dst_file));
	if (!ret)
		ret = vfs_dedupe_file_range_one(src_file, src_pos, dst_file,
						dst_pos, len, remap_flags);
	module_put(THIS_MODULE);
	return ret;
}

/* Send the call to @wrapper while breakable leases exist: see above. */
static void notrace vpin_divert(struct pt_regs *regs, void *wrapper)
{
	if (vpin_breakable_leases() && try_module_get(THIS_MODULE))
		instruction_pointer_set(regs, (unsigned long)wrapper);
}

/* notify_change(idmap, struct dentry *, struct iattr *, struct inode **) */
static void notrace vpin_hook_notify_change(unsigned long ip, unsigned long parent_ip,
					    struct ftrace_ops *ops,
					    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct dentry *dentry;
	struct iattr *attr;

	if (!regs || vpin_from_here(parent_ip))
		return;
	dentry = (struct dentry *)regs_get_kernel_argument(regs, 1);
	attr = (struct iattr *)regs_get_kernel_argument(regs, 2);
	if (!(attr->ia_valid & ATTR_SIZE))
		return;
	if (vpin_inode_protected(d_inode(dentry)))
		vpin_refuse(regs);
	else
		vpin_divert(regs, vpin_notify_change_break);
}

/* vfs_fallocate(struct file *, int mode, loff_t, loff_t) */
static void notrace vpin_hook_vfs_fallocate(unsigned long ip, unsigned long parent_ip,
					    struct ftrace_ops *ops,
					    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !vpin_from_here(parent_ip))
		vpin_divert(regs, vpin_fallocate_break);
}

/* vfs_clone_file_range(), vfs_dedupe_file_range_one(): the destination */
static void notrace vpin_hook_vfs_clone(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *ops,
					struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !vpin_from_here(parent_ip))
		vpin_divert(regs, vpin_clone_break);
}

static void notrace vpin_hook_vfs_dedupe(unsigned long ip, unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !vpin_from_here(parent_ip))
		vpin_divert(regs, vpin_dedupe_break);
}

/* xfs_file_remap_range(struct file *in, loff_t, struct file *out, ...) */
static void notrace vpin_hook_remap(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (!regs)
		return;
	if (vpin_file_protected((struct file *)regs_get_kernel_argument(regs, 0)) ||
	    vpin_file_protected((struct file *)regs_get_kernel_argument(regs, 2)))
		vpin_refuse(regs);
}

/* xfs_exchange_range(struct xfs_exchrange *): file1 and file2 come first. */
static void notrace vpin_hook_exchange(unsigned long ip, unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct file **files;

	if (!regs)
		return;
	files = (struct file **)regs_get_kernel_argument(regs, 0);
	if (vpin_file_protected(files[0]) || vpin_file_protected(files[1]))
		vpin_refuse(regs);
}

/* xfs_file_fallocate(), ext4_fallocate(): (struct file *, int, loff_t, loff_t) */
static void notrace vpin_hook_fallocate(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *ops,
					struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && vpin_file_protected((struct file *)regs_get_kernel_argument(regs, 0)))
		vpin_refuse(regs);
}

struct vpin_hook {
	const char *fs;		/* file system type; NULL: the kernel proper */
	const char *symbol;
	ftrace_func_t func;
	bool optional;		/* not in every kernel */
	struct ftrace_ops ops;
	struct module *owner;	/* the file system module, pinned while hooked */
	bool active;
};

static struct vpin_hook vpin_hooks[] = {
	{ NULL, "notify_change", vpin_hook_notify_change },
	{ NULL, "vfs_fallocate", vpin_hook_vfs_fallocate },
	{ NULL, "vfs_clone_file_range", vpin_hook_vfs_clone },
	{ NULL, "vfs_dedupe_file_range_one", vpin_hook_vfs_dedupe },
	{ "xfs", "xfs_file_remap_range", vpin_hook_remap },
	{ "xfs", "xfs_exchange_range", vpin_hook_exchange, true },
	{ "xfs", "xfs_file_fallocate", vpin_hook_fallocate },
	{ "ext4", "ext4_fallocate", vpin_hook_fallocate },
};

static DEFINE_MUTEX(vpin_hooks_lock);	/* protects vpin_hooks[].active */

static int vpin_hook_install(struct vpin_hook *h, struct module *owner)
{
	int ret;

	lockdep_assert_held(&vpin_hooks_lock);
	h->ops.func = h->func;
	h->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		       FTRACE_OPS_FL_RECURSION;
	ret = ftrace_set_filter(&h->ops, (unsigned char *)h->symbol,
				strlen(h->symbol), 1);
	if (ret) {
		ftrace_free_filter(&h->ops);
		if (h->optional)
			return 0;
		pr_err("cannot hook %s: %d\n", h->symbol, ret);
		return ret;
	}
	if (owner && !try_module_get(owner)) {
		ftrace_free_filter(&h->ops);
		return -ENODEV;
	}
	ret = register_ftrace_function(&h->ops);
	if (ret) {
		pr_err("cannot hook %s: %d\n", h->symbol, ret);
		ftrace_free_filter(&h->ops);
		module_put(owner);
		return ret;
	}
	h->owner = owner;
	h->active = true;
	return 0;
}

static void vpin_hook_remove(struct vpin_hook *h)
{
	lockdep_assert_held(&vpin_hooks_lock);
	if (!h->active)
		return;
	/*
	 * For ops in module memory this waits (RCU tasks) until no task can
	 * still be in the trampoline, the callback or vpin_refuse_etxtbsy().
	 */
	unregister_ftrace_function(&h->ops);
	ftrace_free_filter(&h->ops);
	module_put(h->owner);
	h->owner = NULL;
	h->active = false;
}

/*
 * Hook the functions of @file's file system. They live in its module, which
 * is certainly loaded while one of its files is open; it stays loaded until
 * vpin is unloaded.
 */
static int vpin_hook_fs(struct file *file)
{
	struct file_system_type *type = file_inode(file)->i_sb->s_type;
	int i, ret = 0;

	mutex_lock(&vpin_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(vpin_hooks) && !ret; i++) {
		struct vpin_hook *h = &vpin_hooks[i];

		if (h->fs && !h->active && !strcmp(h->fs, type->name))
			ret = vpin_hook_install(h, type->owner);
	}
	mutex_unlock(&vpin_hooks_lock);
	return ret;
}

int vpin_protect_init(void)
{
	int i, ret = 0;

	mutex_lock(&vpin_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(vpin_hooks) && !ret; i++)
		if (!vpin_hooks[i].fs)
			ret = vpin_hook_install(&vpin_hooks[i], NULL);
	mutex_unlock(&vpin_hooks_lock);
	if (ret)
		vpin_protect_exit();
	return ret;
}

void vpin_protect_exit(void)
{
	int i;

	mutex_lock(&vpin_hooks_lock);
	for (i = ARRAY_SIZE(vpin_hooks) - 1; i >= 0; i--)
		vpin_hook_remove(&vpin_hooks[i]);
	mutex_unlock(&vpin_hooks_lock);
}

#define VPIN_FIEMAP_EXTENTS 64

static int vpin_check_extents(const struct fiemap_extent *ext, unsigned int n,
			      loff_t *pos, bool *last)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (ext[i].fe_logical > *pos)
			return -ENODATA;	/* a hole */
		if (ext[i].fe_flags & (FIEMAP_EXTENT_UNWRITTEN |
				       FIEMAP_EXTENT_DELALLOC |
				       FIEMAP_EXTENT_UNKNOWN |
				       FIEMAP_EXTENT_SHARED))
			return -ENODATA;
		*pos = ext[i].fe_logical + ext[i].fe_length;
		*last = ext[i].fe_flags & FIEMAP_EXTENT_LAST;
	}
	return 0;
}

/*
 * Is every byte of @file backed by its own written blocks: no hole, no
 * unwritten (preallocated) or delayed extent, no block shared with another
 * file? Then no write can change the block map. fiemap only fills user
 * memory, so the extents pass through a bounce buffer mapped in the
 * caller's address space. Returns 0, -ENODATA, or another error.
 */
int vpin_check_allocated(struct file *file)
{
	const size_t buflen = PAGE_ALIGN(VPIN_FIEMAP_EXTENTS *
					 sizeof(struct fiemap_extent));
	struct inode *inode = file_inode(file);
	loff_t size = i_size_read(inode), pos = 0;
	struct fiemap_extent *ext;
	unsigned long ubuf;
	bool last = false;
	int ret = 0;

	if (!inode->i_op->fiemap || !current->mm)
		return -EOPNOTSUPP;
	ext = kmalloc(buflen, GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	ubuf = vm_mmap(NULL, 0, buflen, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(ubuf)) {
		kfree(ext);
		return (int)ubuf;
	}
	while (pos < size && !last && !ret) {
		struct fiemap_extent_info fi = {
			.fi_flags = FIEMAP_FLAG_SYNC,
			.fi_extents_max = VPIN_FIEMAP_EXTENTS,
			.fi_extents_start = (struct fiemap_extent __user *)ubuf,
		};

		ret = inode->i_op->fiemap(inode, &fi, pos, size - pos);
		if (ret)
			break;
		if (!fi.fi_extents_mapped)
			break;
		if (copy_from_user(ext, (void __user *)ubuf,
				   fi.fi_extents_mapped * sizeof(*ext))) {
			ret = -EFAULT;
			break;
		}
		ret = vpin_check_extents(ext, fi.fi_extents_mapped, &pos, &last);
	}
	if (!ret && pos < size)
		ret = -ENODATA;
	vm_munmap(ubuf, buflen);
	kfree(ext);
	return ret;
}

/*
 * Protect @file's inode. The caller has checked that no other lease holds
 * it; a real swap file is ETXTBSY.
 */
int vpin_protect(struct file *file, struct vpin_protected **out)
{
	struct inode *inode = file_inode(file);
	struct vpin_protected *p;
	int ret;

	ret = vpin_hook_fs(file);
	if (ret)
		return ret;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->inode = inode;

	/* Under i_rwsem, as swapon sets it; the flag update itself is atomic. */
	inode_lock(inode);
	if (IS_SWAPFILE(inode)) {
		inode_unlock(inode);
		kfree(p);
		return -ETXTBSY;
	}
	spin_lock(&vpin_protected_lock);
	hash_add_rcu(vpin_protected_table, &p->node, (unsigned long)inode);
	spin_unlock(&vpin_protected_lock);
	inode_set_flags(inode, S_SWAPFILE, S_SWAPFILE);
	inode_unlock(inode);
	*out = p;
	return 0;
}

void vpin_unprotect(struct vpin_protected *p)
{
	struct inode *inode = p->inode;

	inode_lock(inode);
	inode_set_flags(inode, 0, S_SWAPFILE);
	spin_lock(&vpin_protected_lock);
	hash_del_rcu(&p->node);
	spin_unlock(&vpin_protected_lock);
	inode_unlock(inode);
	kfree_rcu(p, rcu);
}
