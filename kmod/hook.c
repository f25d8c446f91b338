// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace hooks on the functions through which a file's block map changes.
 * docs/dax-paths.md lists every such path of ext4 and xfs and which hook
 * answers it. Three kinds of answer:
 *
 * Refusal, for protected files (exclusive leases), and for files with
 * breakable leases on paths that cannot break first: the hook sets the
 * saved instruction pointer to vpin_refuse_etxtbsy(), ftrace returns into
 * it in place of the hooked function, which never runs.
 *   notify_change()          every size change of a protected file
 *   xfs_file_remap_range()   reflink, dedupe, copy_file_range's remap: xfs
 *                            waits for pinned DAX pages of both files before
 *                            the generic S_SWAPFILE check
 *   xfs_exchange_range()     XFS_IOC_EXCHANGE_RANGE (6.10+), same reason
 *   xfs_file_fallocate(),    callers that bypass vfs_fallocate() (the loop
 *   ext4_fallocate()         driver, for one)
 *   ext4_move_extents()      EXT4_IOC_MOVE_EXT (e4defrag), which checks only
 *                            one of its files for DAX
 *   file_modified()          protected files only: the fallocate and remap
 *                            calls above that were admitted at their entry
 *                            before the file was protected, once they hold
 *                            i_rwsem (the lease grant takes it too)
 *
 * Breaking first, for files with breakable leases: the hook sends the call
 * to a wrapper with the same signature that breaks the leases (lease.c) and
 * then calls the real, exported function directly; calls from vpin itself
 * pass the hooks. The break happens before the file system takes a lock:
 *   notify_change()          size changes; from do_truncate() (truncate,
 *                            ftruncate, O_TRUNC), whose i_rwsem is only
 *                            held around this call, the wrapper releases
 *                            i_rwsem while it waits
 *   vfs_fallocate()          every mode (xfs waits for DAX pages in all),
 *                            for writers
 *   vfs_clone_file_range(),  FICLONE, FICLONERANGE, FIDEDUPERANGE, nfsd,
 *   vfs_dedupe_file_range_one()  overlayfs copy-up: the destination, for
 *                            whoever may change it. A leased source is
 *                            refused by the xfs remap hook (reading must
 *                            not revoke leases); copy_file_range then falls
 *                            back to copying the data.
 *
 * Also: pin_user_pages_remote() from VFIO type1 fails on vpin's mappings
 * (map.c), whose pages VFIO would never unpin; and a lease grant drops
 * xfs's copy-on-write reservations (vpin_drop_cow()).
 *
 * Backstops, for every other path: a file system about to wait for a
 * file's DAX pages (dax_layout_busy_page_range()) or to drop its pages and
 * DAX entries (truncate_inode_pages_range(), which also runs when the file
 * is not mapped and nobody would wait) first breaks the breakable leases of
 * that file, under whatever locks the file system holds, and at most for
 * the break time. No path can then wait for a breakable lease's pins
 * forever, or free their blocks while they are pinned.
 *
 * ftrace leaves its trampoline with RET, so neither redirection is an
 * indirect branch and nothing needs IBT's ENDBR; no hooked function is ever
 * called through a pointer. The one function vpin calls through a pointer
 * found by name, xfs_dax_write_iomap_end(), is an ->iomap_end method, whose
 * address xfs takes itself: it begins with ENDBR.
 */

#include <linux/dax.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/iomap.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>

#include "hook.h"
#include "lease.h"
#include "protect.h"

static bool notrace vpin_file_protected(const struct file *file)
{
	return file && vpin_inode_protected(file_inode(file));
}

static bool notrace vpin_file_breakable(const struct file *file)
{
	return file && vpin_inode_breakable(file_inode(file));
}

/* What the refusing hooks turn away: any lease, exclusive or breakable. */
static bool notrace vpin_file_leased(const struct file *file)
{
	return vpin_file_protected(file) || vpin_file_breakable(file);
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

static bool notrace vpin_from_here(unsigned long parent_ip)
{
	return within_module(parent_ip, THIS_MODULE);
}

/*
 * Send the call to @wrapper. The wrappers run with a module reference taken
 * here (a breakable lease means an open session, so the module was live)
 * and drop it only once the real function has returned: the module cannot
 * go away while a breaker waits or runs in it. What runs after module_put()
 * cannot sleep, which is what unregistering the hooks waits for on unload.
 */
static void notrace vpin_divert(struct pt_regs *regs, void *wrapper)
{
	if (try_module_get(THIS_MODULE))
		instruction_pointer_set(regs, (unsigned long)wrapper);
}

static unsigned int vpin_break_flags(const struct file *file)
{
	return file && (file->f_flags & O_NONBLOCK) ? VPIN_BREAK_NONBLOCK : 0;
}

/* do_truncate(), found at load time: see vpin_find_function(). */
static unsigned long vpin_do_truncate_start, vpin_do_truncate_end;

static bool notrace vpin_from_do_truncate(unsigned long parent_ip)
{
	return parent_ip >= vpin_do_truncate_start &&
	       parent_ip < vpin_do_truncate_end;
}

static int vpin_notify_change_break(struct mnt_idmap *idmap,
				    struct dentry *dentry, struct iattr *attr,
				    struct inode **delegated_inode)
{
	struct file *file = attr->ia_valid & ATTR_FILE ? attr->ia_file : NULL;
	struct vpin_file *token;
	int ret;

	ret = vpin_lease_break(d_inode(dentry), VPIN_BREAK_TRUNCATE,
			       vpin_break_flags(file), &token);
	if (!ret)
		ret = notify_change(idmap, dentry, attr, delegated_inode);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

/*
 * notify_change() called by do_truncate(), which takes i_rwsem only around
 * it, after preparing @attr: waiting for the break without i_rwsem is as if
 * do_truncate() had taken it later. No lease can be granted meanwhile (the
 * break's token), and no other size change can overtake this one's break.
 */
static int vpin_truncate_break(struct mnt_idmap *idmap, struct dentry *dentry,
			       struct iattr *attr,
			       struct inode **delegated_inode)
{
	struct file *file = attr->ia_valid & ATTR_FILE ? attr->ia_file : NULL;
	struct inode *inode = d_inode(dentry);
	struct vpin_file *token;
	int ret;

	inode_unlock(inode);
	ret = vpin_lease_break(inode, VPIN_BREAK_TRUNCATE,
			       vpin_break_flags(file), &token);
	inode_lock(inode);
	if (!ret)
		ret = notify_change(idmap, dentry, attr, delegated_inode);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

static long vpin_fallocate_break(struct file *file, int mode, loff_t offset,
				 loff_t len)
{
	struct vpin_file *token = NULL;
	long ret = 0;

	/* Who may not fallocate the file may not break its leases either. */
	if (file->f_mode & FMODE_WRITE)
		ret = vpin_lease_break(file_inode(file), VPIN_BREAK_FALLOCATE,
				       vpin_break_flags(file), &token);
	if (!ret)
		ret = vfs_fallocate(file, mode, offset, len);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

/*
 * May the caller write @file's blocks through a dedupe? What
 * allow_file_dedupe() (fs/remap_range.c) lets through: writers, the owner,
 * whoever may write the inode, CAP_SYS_ADMIN.
 */
static bool vpin_may_dedupe_into(struct file *file)
{
	struct mnt_idmap *idmap = file_mnt_idmap(file);
	struct inode *inode = file_inode(file);

	return (file->f_mode & FMODE_WRITE) ||
	       vfsuid_eq_kuid(i_uid_into_vfsuid(idmap, inode), current_fsuid()) ||
	       !inode_permission(idmap, inode, MAY_WRITE) ||
	       capable(CAP_SYS_ADMIN);
}

/*
 * A remap breaks the leases of its destination, for a caller the real
 * function lets change it (@may). A leased source is refused by the
 * xfs remap hook instead: reading a file must not revoke its leases.
 */
static int vpin_break_dest(struct file *out, bool may, struct vpin_file **token)
{
	*token = NULL;
	if (!may)
		return 0;
	return vpin_lease_break(file_inode(out), VPIN_BREAK_REMAP,
				vpin_break_flags(out), token);
}

static loff_t vpin_clone_break(struct file *file_in, loff_t pos_in,
			       struct file *file_out, loff_t pos_out,
			       loff_t len, unsigned int remap_flags)
{
	struct vpin_file *token;
	loff_t ret;

	ret = vpin_break_dest(file_out, file_out->f_mode & FMODE_WRITE, &token);
	if (!ret)
		ret = vfs_clone_file_range(file_in, pos_in, file_out, pos_out,
					   len, remap_flags);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

static loff_t vpin_dedupe_break(struct file *src_file, loff_t src_pos,
				struct file *dst_file, loff_t dst_pos,
				loff_t len, unsigned int remap_flags)
{
	struct vpin_file *token;
	loff_t ret;

	ret = vpin_break_dest(dst_file, vpin_may_dedupe_into(dst_file), &token);
	if (!ret)
		ret = vfs_dedupe_file_range_one(src_file, src_pos, dst_file,
						dst_pos, len, remap_flags);
	/*
	 * The result becomes a per-range status, from which nothing restarts:
	 * neither the break's wait nor the file system's own wait for DAX
	 * pages (xfs_break_dax_layouts(), once a signal ended the break) may
	 * leave -ERESTARTSYS there.
	 */
	if (ret == -ERESTARTSYS)
		ret = -EINTR;
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

/*
 * The backstops cannot fail the call they stand in front of. Before a wait
 * for DAX pages a signal just ends the break: the file system's own wait
 * then fails. Before pages are dropped the break waits killably, and a
 * fatal signal revokes the leases at once.
 */
static struct page *vpin_dax_busy_break(struct address_space *mapping,
					loff_t start, loff_t end)
{
	struct vpin_file *token;
	struct page *page;

	vpin_lease_break(mapping->host, VPIN_BREAK_LAYOUT, VPIN_BREAK_NOSELF,
			 &token);
	page = dax_layout_busy_page_range(mapping, start, end);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return page;
}

static void vpin_truncate_pages_break(struct address_space *mapping,
				      loff_t lstart, loff_t lend)
{
	struct vpin_file *token;

	vpin_lease_break(mapping->host, VPIN_BREAK_LAYOUT,
			 VPIN_BREAK_NOSELF | VPIN_BREAK_FORCE, &token);
	truncate_inode_pages_range(mapping, lstart, lend);
	vpin_break_done(token);
	module_put(THIS_MODULE);
}

#define VPIN_HOOK(name) \
	static void notrace name(unsigned long ip, unsigned long parent_ip, \
				 struct ftrace_ops *ops, \
				 struct ftrace_regs *fregs)

#define VPIN_ARG(regs, n, type) ((type)regs_get_kernel_argument(regs, n))

/*
 * The hooks that break first: send the call to @wrapper when its file
 * argument @n has breakable leases, unless vpin itself is the caller.
 */
static void notrace vpin_divert_breakable(struct ftrace_regs *fregs,
					  unsigned long parent_ip,
					  unsigned int n, void *wrapper)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !vpin_from_here(parent_ip) &&
	    vpin_file_breakable(VPIN_ARG(regs, n, struct file *)))
		vpin_divert(regs, wrapper);
}

/* The refusing hooks of two files: refuse if argument @a or @b is leased. */
static void notrace vpin_refuse_leased(struct ftrace_regs *fregs,
				       unsigned int a, unsigned int b)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && (vpin_file_leased(VPIN_ARG(regs, a, struct file *)) ||
		     vpin_file_leased(VPIN_ARG(regs, b, struct file *))))
		vpin_refuse(regs);
}

/* notify_change(idmap, struct dentry *, struct iattr *, struct inode **) */
VPIN_HOOK(vpin_hook_notify_change)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct inode *inode;

	if (!regs || !(VPIN_ARG(regs, 2, struct iattr *)->ia_valid & ATTR_SIZE))
		return;
	inode = d_inode(VPIN_ARG(regs, 1, struct dentry *));
	if (vpin_inode_protected(inode))
		vpin_refuse(regs);
	else if (!vpin_from_here(parent_ip) && vpin_inode_breakable(inode))
		vpin_divert(regs, vpin_from_do_truncate(parent_ip) ?
			    (void *)vpin_truncate_break :
			    (void *)vpin_notify_change_break);
}

/* vfs_fallocate(struct file *, int mode, loff_t, loff_t) */
VPIN_HOOK(vpin_hook_vfs_fallocate)
{
	vpin_divert_breakable(fregs, parent_ip, 0, vpin_fallocate_break);
}

/* vfs_clone_file_range(), vfs_dedupe_file_range_one(): the destination */
VPIN_HOOK(vpin_hook_vfs_clone)
{
	vpin_divert_breakable(fregs, parent_ip, 2, vpin_clone_break);
}

VPIN_HOOK(vpin_hook_vfs_dedupe)
{
	vpin_divert_breakable(fregs, parent_ip, 2, vpin_dedupe_break);
}

/*
 * VFIO type1 pins with pin_user_pages_remote(FOLL_LONGTERM) in
 * vaddr_get_pfns(), but never unpins a page with PG_reserved, which every
 * ZONE_DEVICE page carries (memmap_init_zone_device()): each pin of a vpin
 * mapping would leak, keeping its blocks busy forever, and would not even
 * be charged to RLIMIT_MEMLOCK. vaddr_get_pfns() is the one caller there,
 * and holds the mmap lock around the call: the wrapper pins as asked, and
 * if any page is FS-DAX (only a vpin mapping gets one past GUP's own
 * refusal) unpins them all and fails as the kernel fails FS-DAX mappings.
 */
static bool vpin_page_fsdax(struct page *page)
{
	return is_zone_device_page(page) &&
	       page->pgmap->type == MEMORY_DEVICE_FS_DAX;
}

static long vpin_vfio_pinned(struct page **pages, long ret)
{
	long i;

	for (i = 0; pages && i < ret; i++) {
		if (vpin_page_fsdax(pages[i])) {
			unpin_user_pages(pages, ret);
			return -EOPNOTSUPP;
		}
	}
	return ret;
}

#ifdef COMPAT_PIN_USER_PAGES_REMOTE_HAS_VMAS
static long vpin_vfio_pin(struct mm_struct *mm, unsigned long start,
			  unsigned long nr_pages, unsigned int gup_flags,
			  struct page **pages, struct vm_area_struct **vmas,
			  int *locked)
{
	/* The parentheses call the function, not compat.h's shim. */
	long ret = (pin_user_pages_remote)(mm, start, nr_pages, gup_flags,
					   pages, vmas, locked);

	ret = vpin_vfio_pinned(pages, ret);
	module_put(THIS_MODULE);
	return ret;
}
#else
static long vpin_vfio_pin(struct mm_struct *mm, unsigned long start,
			  unsigned long nr_pages, unsigned int gup_flags,
			  struct page **pages, int *locked)
{
	long ret = pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
					 locked);

	ret = vpin_vfio_pinned(pages, ret);
	module_put(THIS_MODULE);
	return ret;
}
#endif

/* vaddr_get_pfns() of vfio_iommu_type1, while that module is live. */
static unsigned long vpin_vfio_start, vpin_vfio_end;

static bool notrace vpin_from_vfio(unsigned long parent_ip)
{
	return parent_ip >= READ_ONCE(vpin_vfio_start) &&
	       parent_ip < READ_ONCE(vpin_vfio_end);
}

/* pin_user_pages_remote(): from vfio_iommu_type1 only. */
VPIN_HOOK(vpin_hook_vfio_pin)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && vpin_from_vfio(parent_ip))
		vpin_divert(regs, vpin_vfio_pin);
}

/* dax_layout_busy_page_range(), truncate_inode_pages_range(): (mapping, ...) */
VPIN_HOOK(vpin_hook_dax_busy)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && !vpin_from_here(parent_ip) &&
	    vpin_inode_breakable(VPIN_ARG(regs, 0, struct address_space *)->host))
		vpin_divert(regs, vpin_dax_busy_break);
}

/*
 * Only DAX pages stay the file's blocks while pinned (a pinned page-cache
 * page is merely dropped from the cache), and only pages from the start of
 * the range on go (ext4 trims beyond the end of the file after a short
 * extending write, where nothing can be pinned).
 */
VPIN_HOOK(vpin_hook_truncate_pages)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct inode *host;

	if (!regs || vpin_from_here(parent_ip))
		return;
	host = VPIN_ARG(regs, 0, struct address_space *)->host;
	if (host && IS_DAX(host) &&
	    vpin_inode_pinned_from(host, VPIN_ARG(regs, 1, loff_t)))
		vpin_divert(regs, vpin_truncate_pages_break);
}

/*
 * The flush of an FS-DAX file by xfs_swap_extents(), which goes on to drop
 * the file's pages and move its blocks without waiting for references to
 * its pages as a truncate does (xfs_break_dax_layouts()): a page still
 * referenced would go with its reference held (dax_disassociate_entry()'s
 * WARN) and its block would belong to the other file. vpin's breakable
 * leases of the file are broken first, as the truncation backstop would;
 * then, with both files' MMAPLOCK held so that no new reference can be
 * taken, a page still referenced by anything else (a pipe that vmsplice()
 * filled, direct I/O in flight) makes the swap EBUSY before it changes
 * anything, also when the file is mapped nowhere any more, where
 * dax_layout_busy_page() looks at nothing (vpin_dax_referenced()).
 */
static int vpin_swapext_flush(struct address_space *mapping, loff_t start,
			      loff_t end)
{
	struct vpin_file *token = NULL;
	int ret = 0;

	if (vpin_inode_pinned_from(mapping->host, 0))
		ret = vpin_lease_break(mapping->host, VPIN_BREAK_LAYOUT,
				       VPIN_BREAK_NOSELF | VPIN_BREAK_FORCE,
				       &token);
	if (!ret && (dax_layout_busy_page(mapping) ||
		     vpin_dax_referenced(mapping)))
		ret = -EBUSY;
	if (!ret)
		ret = filemap_write_and_wait_range(mapping, start, end);
	vpin_break_done(token);
	module_put(THIS_MODULE);
	return ret;
}

/* xfs_swap_extents() of the xfs module, once its hooks are installed. */
static unsigned long vpin_swapext_start, vpin_swapext_end;

static bool notrace vpin_from_swapext(unsigned long parent_ip)
{
	return parent_ip >= READ_ONCE(vpin_swapext_start) &&
	       parent_ip < READ_ONCE(vpin_swapext_end);
}

/*
 * filemap_write_and_wait_range(struct address_space *, ...) called by
 * xfs_swap_extents() (its inlined xfs_swap_extent_flush()), which holds
 * both files' i_rwsem there and goes on to drop their pages and swap their
 * blocks. XFS_IOC_SWAPEXT refuses swap files before it takes i_rwsem: a
 * swap that then waited for i_rwsem while an exclusive lease was granted
 * (the grant holds i_rwsem) is refused here, before it changes anything.
 */
VPIN_HOOK(vpin_hook_write_and_wait)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct inode *host;

	if (!regs || !vpin_from_swapext(parent_ip))
		return;
	host = VPIN_ARG(regs, 0, struct address_space *)->host;
	if (vpin_inode_protected(host))
		vpin_refuse(regs);
	else if (IS_DAX(host))
		vpin_divert(regs, vpin_swapext_flush);
}

/* fiemap_fill_next_extent(struct fiemap_extent_info *, ...): protect.c */
VPIN_HOOK(vpin_hook_fiemap_fill)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs &&
	    vpin_fiemap_is_ours(VPIN_ARG(regs, 0, struct fiemap_extent_info *)))
		instruction_pointer_set(regs, (unsigned long)vpin_fiemap_fill);
}

/*
 * file_modified(struct file *): what ext4_fallocate(), xfs_file_fallocate()
 * and generic_remap_file_range_prep() call once they hold i_rwsem. A call
 * that passed the refusals at its entry before its file was protected, and
 * then waited for i_rwsem while the lease was granted, is refused here,
 * before it changes anything. Writes to protected files never get this far
 * (S_SWAPFILE); breakable leases do not refuse writes.
 */
VPIN_HOOK(vpin_hook_file_modified)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && vpin_file_protected(VPIN_ARG(regs, 0, struct file *)))
		vpin_refuse(regs);
}

/* xfs_file_remap_range(struct file *in, loff_t, struct file *out, ...) */
VPIN_HOOK(vpin_hook_remap)
{
	vpin_refuse_leased(fregs, 0, 2);
}

/* xfs_exchange_range(struct xfs_exchrange *): file1 and file2 come first. */
VPIN_HOOK(vpin_hook_exchange)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct file **files;

	if (!regs)
		return;
	files = VPIN_ARG(regs, 0, struct file **);
	if (vpin_file_leased(files[0]) || vpin_file_leased(files[1]))
		vpin_refuse(regs);
}

/* ext4_move_extents(struct file *orig, struct file *donor, ...) */
VPIN_HOOK(vpin_hook_move_ext)
{
	vpin_refuse_leased(fregs, 0, 1);
}

/* xfs_file_fallocate(), ext4_fallocate(): (struct file *, int, loff_t, loff_t) */
VPIN_HOOK(vpin_hook_fallocate)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs && vpin_file_leased(VPIN_ARG(regs, 0, struct file *)))
		vpin_refuse(regs);
}

struct vpin_hook {
	const char *fs;		/* file system module; NULL: the kernel proper */
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
	{ NULL, "dax_layout_busy_page_range", vpin_hook_dax_busy },
	{ NULL, "truncate_inode_pages_range", vpin_hook_truncate_pages },
	{ NULL, "fiemap_fill_next_extent", vpin_hook_fiemap_fill },
	{ NULL, "file_modified", vpin_hook_file_modified },
	{ NULL, "pin_user_pages_remote", vpin_hook_vfio_pin },
	{ NULL, "filemap_write_and_wait_range", vpin_hook_write_and_wait },
	{ "xfs", "xfs_file_remap_range", vpin_hook_remap },
	{ "xfs", "xfs_exchange_range", vpin_hook_exchange, true },
	{ "xfs", "xfs_file_fallocate", vpin_hook_fallocate },
	{ "ext4", "ext4_fallocate", vpin_hook_fallocate },
	{ "ext4", "ext4_move_extents", vpin_hook_move_ext },
};

static DEFINE_MUTEX(vpin_hooks_lock);	/* protects vpin_hooks[].active */

static int vpin_hook_install(struct vpin_hook *h, struct module *owner)
{
	int ret;

	lockdep_assert_held(&vpin_hooks_lock);
	h->ops.func = h->func;
	/* PERMANENT: sysctl kernel.ftrace_enabled=0 must not lift the hooks. */
	h->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		       FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_PERMANENT;
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
	WRITE_ONCE(h->active, true);
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

static int vpin_find_function(const char *name, unsigned long *start,
			      unsigned long *end);
static bool vpin_xfs_found;	/* under vpin_hooks_lock */

/* xfs_dax_write_iomap_end() of the xfs module: see vpin_drop_cow(). */
typedef int (*vpin_iomap_end_t)(struct inode *inode, loff_t pos,
				loff_t length, ssize_t written,
				unsigned int flags, struct iomap *iomap);
static vpin_iomap_end_t vpin_xfs_dax_write_end;

/* The functions of the xfs module vpin looks for, once it is hooked. */
static void vpin_xfs_find(void)
{
	unsigned long start, end;

	if (vpin_find_function("xfs_swap_extents", &start, &end)) {
		pr_warn("xfs_swap_extents not found: an XFS_IOC_SWAPEXT that waited for an exclusive grant is not refused\n");
	} else {
		WRITE_ONCE(vpin_swapext_start, start);
		WRITE_ONCE(vpin_swapext_end, end);
	}
	if (vpin_find_function("xfs_dax_write_iomap_end", &start, &end))
		pr_warn("xfs_dax_write_iomap_end not found: no lease on an xfs FS-DAX file\n");
	else
		WRITE_ONCE(vpin_xfs_dax_write_end, (vpin_iomap_end_t)start);
}

static const char *vpin_fs_name(const struct file_system_type *type)
{
	/* By module: the ext4 module also serves ext2 and ext3 mounts. */
	return type->owner ? module_name(type->owner) : type->name;
}

bool vpin_inode_xfs_dax(const struct inode *inode)
{
	return IS_DAX(inode) && !strcmp(vpin_fs_name(inode->i_sb->s_type), "xfs");
}

/*
 * xfs keeps the copy-on-write reservation made around a block it copied on
 * write (cowextsize, 32 blocks by default) after the write; a later write
 * to a block it covers goes to the reserved block and frees the old one,
 * even once no extent is shared any more. Through a mapping made before the
 * lease such a write would move a block of a protected file, or free a
 * pinned one. Without shared extents and without reservations no write
 * copies, and no reservation is made again while a lease refuses or breaks
 * every new sharing of the file's blocks: lease.c drops them once it has
 * seen the file unshared with the lease in place.
 *
 * Drop the reservations of an xfs FS-DAX file: xfs_dax_write_iomap_end()
 * with nothing written cancels those of its range, as after a failed
 * write. i_rwsem and the invalidate lock (xfs's MMAPLOCK) keep writes and
 * page faults out, so that no write is between its ->iomap_begin() and
 * ->iomap_end(); freeze protection comes first, as for every xfs writer. A
 * page cache file copies at writeback, after which its pages, pinned or
 * not, still hold its data: nothing to do. On 6.1 xfs does not return an
 * error of the cancel, which only fails on a shut down file system, where
 * no write copies.
 */
int vpin_drop_cow(struct inode *inode)
{
	struct rw_semaphore *lock = &inode->i_mapping->invalidate_lock;
	vpin_iomap_end_t end = READ_ONCE(vpin_xfs_dax_write_end);
	struct iomap unused = {};
	int ret = -EINTR;

	if (!vpin_inode_xfs_dax(inode))
		return 0;
	if (!end)
		return -EOPNOTSUPP;
	sb_start_write(inode->i_sb);
	if (inode_lock_killable(inode))
		goto out;
	if (!down_write_killable(lock)) {
		/* From offset 0 for xfs's NULLFILEOFF bytes: the whole file. */
		ret = end(inode, 0, -1, 0, IOMAP_WRITE, &unused);
		up_write(lock);
	}
	inode_unlock(inode);
out:
	sb_end_write(inode->i_sb);
	return ret;
}

/*
 * Hook the functions of a file system type. They live in its module, which
 * is certainly loaded while one of its files is open; it stays loaded until
 * vpin is unloaded.
 */
int vpin_hook_fs(struct file_system_type *type)
{
	const char *name = vpin_fs_name(type);
	bool missing = false;
	int i, ret = 0;

	/* Installing patches kernel text, which takes long: once per module. */
	for (i = 0; i < ARRAY_SIZE(vpin_hooks); i++)
		if (vpin_hooks[i].fs && !strcmp(vpin_hooks[i].fs, name) &&
		    !READ_ONCE(vpin_hooks[i].active) && !vpin_hooks[i].optional)
			missing = true;
	if (!missing)
		return 0;
	if (mutex_lock_killable(&vpin_hooks_lock))
		return -EINTR;
	/*
	 * Before its hooks, whose being active tells other callers that all is
	 * in place: the xfs module stays loaded from now on (one of its files
	 * is open, and the hooks then pin it), so its functions stay put.
	 */
	if (!strcmp(name, "xfs") && !vpin_xfs_found) {
		vpin_xfs_find();
		vpin_xfs_found = true;
	}
	for (i = 0; i < ARRAY_SIZE(vpin_hooks) && !ret; i++) {
		struct vpin_hook *h = &vpin_hooks[i];

		if (h->fs && !h->active && !strcmp(h->fs, name))
			ret = vpin_hook_install(h, type->owner);
	}
	mutex_unlock(&vpin_hooks_lock);
	return ret;
}

/*
 * The extent of a kernel function that is not exported: its address from
 * a kprobe registered for the lookup only, its size from kallsyms.
 */
static int vpin_find_function(const char *name, unsigned long *start,
			      unsigned long *end)
{
	struct kprobe kp = { .symbol_name = name };
	char sym[KSYM_SYMBOL_LEN], *plus, *slash;
	unsigned long addr, off, size;
	int ret;

	ret = register_kprobe(&kp);
	if (ret)
		return ret;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	/* "name+0x4/0x1a0 [module]": where in the function, and its size. */
	sprint_symbol(sym, addr);
	strreplace(sym, ' ', '\0');
	plus = strrchr(sym, '+');
	slash = strrchr(sym, '/');
	if (!plus || !slash || slash < plus)
		return -ENOENT;
	*slash = '\0';
	if (kstrtoul(plus + 1, 16, &off) || kstrtoul(slash + 1, 16, &size) ||
	    off >= size)
		return -ENOENT;
	*start = addr - off;
	*end = *start + size;
	return 0;
}

static bool vpin_vfio_find(void)
{
	unsigned long start, end;

	if (vpin_find_function("vaddr_get_pfns", &start, &end))
		return false;
	WRITE_ONCE(vpin_vfio_end, 0);
	WRITE_ONCE(vpin_vfio_start, start);
	WRITE_ONCE(vpin_vfio_end, end);
	return true;
}

/* Follows vfio_iommu_type1 as it comes and goes. */
static int vpin_module_notify(struct notifier_block *nb, unsigned long state,
			      void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "vfio_iommu_type1"))
		return NOTIFY_DONE;
	if (state == MODULE_STATE_LIVE) {
		if (!vpin_vfio_find())
			pr_warn("vfio_iommu_type1 has no vaddr_get_pfns(): VFIO mappings of vpin mappings are not refused, and would leak their pins\n");
	} else if (state == MODULE_STATE_GOING) {
		WRITE_ONCE(vpin_vfio_start, 0);
		WRITE_ONCE(vpin_vfio_end, 0);
	}
	return NOTIFY_DONE;
}

static struct notifier_block vpin_module_nb = {
	.notifier_call = vpin_module_notify,
};

int vpin_hook_init(void)
{
	int i, ret = 0;

	/* Without it, truncating breakers wait holding i_rwsem: still bounded. */
	if (vpin_find_function("do_truncate", &vpin_do_truncate_start,
			       &vpin_do_truncate_end))
		pr_warn("do_truncate not found: truncation breaks wait under i_rwsem\n");

	mutex_lock(&vpin_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(vpin_hooks) && !ret; i++)
		if (!vpin_hooks[i].fs)
			ret = vpin_hook_install(&vpin_hooks[i], NULL);
	mutex_unlock(&vpin_hooks_lock);
	if (ret) {
		vpin_hook_exit();
		return ret;
	}
	ret = register_module_notifier(&vpin_module_nb);
	if (ret) {
		vpin_hook_exit();
		return ret;
	}
	vpin_vfio_find();	/* already loaded? */
	return 0;
}

void vpin_hook_exit(void)
{
	int i;

	unregister_module_notifier(&vpin_module_nb);
	mutex_lock(&vpin_hooks_lock);
	for (i = ARRAY_SIZE(vpin_hooks) - 1; i >= 0; i--)
		vpin_hook_remove(&vpin_hooks[i]);
	mutex_unlock(&vpin_hooks_lock);
}
