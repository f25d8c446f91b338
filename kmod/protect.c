// SPDX-License-Identifier: GPL-2.0
/*
 * The protected state of exclusively leased files, and the check that a
 * file's blocks are its own.
 *
 * A protected file carries S_SWAPFILE, in memory only, which makes the VFS
 * refuse writes, new shared writable mappings, fallocate, copy_file_range,
 * remap preparation, unlink, rename and swapon, exactly as for an active
 * swap file. What S_SWAPFILE does not cover is refused by the hooks in
 * hook.c, which look protected inodes up here.
 */

#include <linux/fs.h>
#include <linux/dax.h>
#include <linux/fiemap.h>
#include <linux/pagemap.h>
#include <linux/hashtable.h>
#include <linux/rculist.h>
#include <linux/slab.h>

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

/*
 * The allocation check reads the file system's extent map through
 * ->fiemap. fiemap_fill_next_extent() copies each extent to user memory,
 * where another thread of the caller could rewrite it before it is read
 * back; so for vpin's own calls the hook sends that function to
 * vpin_fiemap_fill(), which judges each extent in kernel memory as the file
 * system reports it. vpin's calls are told apart by their
 * struct fiemap_extent_info, which lives in a context on this list.
 */
struct vpin_fiemap {
	struct fiemap_extent_info fi;
	struct list_head node;
	struct rcu_head rcu;
	unsigned int need;		/* VPIN_EXTENTS_* */
	u64 pos;			/* end of the extents seen */
	int ret;
};

static LIST_HEAD(vpin_fiemaps);
static DEFINE_SPINLOCK(vpin_fiemaps_lock);

bool notrace vpin_fiemap_is_ours(const struct fiemap_extent_info *fi)
{
	struct vpin_fiemap *c;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(c, &vpin_fiemaps, node) {
		if (&c->fi == fi) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * In place of fiemap_fill_next_extent() for vpin's calls; the same return
 * convention: 1 stops the walk, 0 asks for more.
 */
int vpin_fiemap_fill(struct fiemap_extent_info *fi, u64 logical, u64 phys,
		     u64 len, u32 flags)
{
	struct vpin_fiemap *c = container_of(fi, struct vpin_fiemap, fi);
	u32 bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DATA_INLINE;

	fi->fi_extents_mapped++;
	if (c->need & VPIN_EXTENTS_ALLOCATED)
		bad |= FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_DELALLOC;
	if (c->need & VPIN_EXTENTS_UNSHARED)
		bad |= FIEMAP_EXTENT_SHARED;
	if (((c->need & VPIN_EXTENTS_ALLOCATED) && logical > c->pos) ||
	    (flags & bad)) {
		c->ret = -ENODATA;
		return 1;
	}
	c->pos = max(c->pos, logical + len);
	return (flags & FIEMAP_EXTENT_LAST) ? 1 : 0;
}

/*
 * Check the blocks of @file. VPIN_EXTENTS_ALLOCATED: every byte is backed by
 * written blocks (no hole, no unwritten or delayed extent): no write can then
 * change the block map. VPIN_EXTENTS_UNSHARED: no block is shared with
 * another file (reflink). Returns 0, -ENODATA, -EOPNOTSUPP (no ->fiemap), or
 * another error.
 */
int vpin_check_extents(struct file *file, unsigned int need)
{
	struct inode *inode = file_inode(file);
	u64 size = i_size_read(inode);
	struct vpin_fiemap *c;
	int ret;

	if (!inode->i_op->fiemap)
		return -EOPNOTSUPP;
	if (!size)
		return 0;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->need = need;
	c->fi.fi_flags = FIEMAP_FLAG_SYNC;
	c->fi.fi_extents_max = UINT_MAX;
	spin_lock(&vpin_fiemaps_lock);
	list_add_rcu(&c->node, &vpin_fiemaps);
	spin_unlock(&vpin_fiemaps_lock);

	ret = inode->i_op->fiemap(inode, &c->fi, 0, size);

	spin_lock(&vpin_fiemaps_lock);
	list_del_rcu(&c->node);
	spin_unlock(&vpin_fiemaps_lock);
	if (!ret)
		ret = c->ret;
	if (!ret && (need & VPIN_EXTENTS_ALLOCATED) && c->pos < size)
		ret = -ENODATA;		/* a hole at the end */
	kfree_rcu(c, rcu);
	return ret;
}

/*
 * The DAX entries of a file's i_pages (fs/dax.c) hold the pfn above four
 * flag bits, of one page or of a PMD. The pages of @entry, false for
 * entries that map no block (zero page, empty) and for what is not a DAX
 * entry.
 */
#define VPIN_DAX_SHIFT		4
#define VPIN_DAX_PMD		BIT(1)
#define VPIN_DAX_ZERO_PAGE	BIT(2)
#define VPIN_DAX_EMPTY		BIT(3)

static bool vpin_dax_entry_pages(void *entry, unsigned long *pfn, unsigned long *nr)
{
	unsigned long v;

	if (!xa_is_value(entry))
		return false;
	v = xa_to_value(entry);
	if (v & (VPIN_DAX_ZERO_PAGE | VPIN_DAX_EMPTY))
		return false;
	*pfn = v >> VPIN_DAX_SHIFT;
	*nr = v & VPIN_DAX_PMD ? PMD_SIZE >> PAGE_SHIFT : 1;
	return true;
}

/* Pages looked at before the i_pages lock is let go a while. */
#define VPIN_DAX_BATCH		4096

/*
 * In a walk of DAX entries under the i_pages lock, after an entry of @nr
 * pages: every VPIN_DAX_BATCH pages the lock is let go a while.
 */
static void vpin_dax_batch(struct xa_state *xas, unsigned long *batch,
			   unsigned long nr)
{
	*batch += nr;
	if (*batch < VPIN_DAX_BATCH)
		return;
	*batch = 0;
	xas_pause(xas);
	xas_unlock_irq(xas);
	cond_resched();
	xas_lock_irq(xas);
}

/*
 * Call @fn for each page of @mapping's DAX entries from index @first to
 * @last, with its index in the file, until it returns non-zero: that, or
 * 0. It runs under the i_pages lock, which keeps the entries and the
 * association of their pages, and must not sleep.
 */
int vpin_dax_walk(struct address_space *mapping, pgoff_t first, pgoff_t last,
		  int (*fn)(struct page *page, pgoff_t index, void *arg),
		  void *arg)
{
	XA_STATE(xas, &mapping->i_pages, first);
	unsigned long batch = 0;
	void *entry;
	int ret = 0;

	if (IS_ENABLED(CONFIG_FS_DAX_LIMITED) || !dax_mapping(mapping))
		return 0;
	xas_lock_irq(&xas);
	xas_for_each(&xas, entry, last) {
		unsigned long pfn, i, nr;

		if (xas_retry(&xas, entry) ||
		    !vpin_dax_entry_pages(entry, &pfn, &nr))
			continue;
		for (i = 0; i < nr && !ret; i++)
			ret = fn(pfn_to_page(pfn + i),
				 (xas.xa_index & ~(nr - 1)) + i, arg);
		if (ret)
			break;
		vpin_dax_batch(&xas, &batch, nr);
	}
	xas_unlock_irq(&xas);
	return ret;
}

static int vpin_dax_page_referenced(struct page *page, pgoff_t index,
				    void *arg)
{
	if (page_ref_count(page) <= 1)
		return 0;
	*(struct page **)arg = page;
	return 1;
}

/*
 * A page of @mapping's DAX entries that something besides the entry holds
 * a reference to, or NULL: what dax_layout_busy_page() finds, also when the
 * file is mapped nowhere, where that function looks at nothing (a page
 * that a pipe holds after vmsplice() and munmap(), for one). The caller
 * keeps new references out (the file system's MMAPLOCK, no mapping).
 */
struct page *vpin_dax_referenced(struct address_space *mapping)
{
	struct page *busy = NULL;

	vpin_dax_walk(mapping, 0, ULONG_MAX, vpin_dax_page_referenced, &busy);
	return busy;
}

/*
 * Protect @inode. Called with its i_rwsem held (swapon sets S_SWAPFILE
 * under it too); the caller has checked that no other lease holds it. A real
 * swap file is ETXTBSY.
 */
int vpin_protect(struct inode *inode, struct vpin_protected **out)
{
	struct vpin_protected *p;

	lockdep_assert_held_write(&inode->i_rwsem);
	if (IS_SWAPFILE(inode))
		return -ETXTBSY;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->inode = inode;
	spin_lock(&vpin_protected_lock);
	hash_add_rcu(vpin_protected_table, &p->node, (unsigned long)inode);
	spin_unlock(&vpin_protected_lock);
	inode_set_flags(inode, S_SWAPFILE, S_SWAPFILE);
	*out = p;
	return 0;
}

/*
 * No i_rwsem here: anyone who can read the file can hold it (a read whose
 * copy to user memory waits for a FUSE server), and the holder's close or
 * exit must not wait for them. inode_set_flags() is atomic, and no lease
 * can be granted until the lease that goes is detached after this.
 */
void vpin_unprotect(struct vpin_protected *p)
{
	spin_lock(&vpin_protected_lock);
	hash_del_rcu(&p->node);
	spin_unlock(&vpin_protected_lock);
	inode_set_flags(p->inode, 0, S_SWAPFILE);
	kfree_rcu(p, rcu);
}
