// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pins of user address ranges, vaddr_pin style.
 *
 * The range is checked VMA by VMA and pinned under one hold of the mmap
 * lock, so what was checked is what gets pinned. Ordinary memory is pinned
 * with FOLL_LONGTERM. FS-DAX memory cannot be (the kernel refuses it with
 * EOPNOTSUPP): it is pinned with FOLL_PIN alone, and only while the session
 * holds a lease on the file, which is what keeps the file's blocks in place.
 */

#include <linux/backing-dev.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "hook.h"
#include "lease.h"
#include "map.h"
#include "netlink.h"
#include "pin.h"
#include "policy.h"
#include "protect.h"
#include "session.h"
#include "util.h"

#define CREATE_TRACE_POINTS
#include "vpin_trace.h"

/* What the VMAs of a range turned out to be. */
struct vpin_range {
	struct file *file;		/* NULL: anonymous memory */
	loff_t offset;
	bool dax;
};

/*
 * Writable long-term pins of memory whose file system tracks dirty pages
 * through write faults are refused, as Linux 6.5+ does for FOLL_LONGTERM:
 * DMA would dirty the pages behind the file system's back.
 */
static bool vpin_vma_needs_dirty_tracking(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;

	/* Private mappings are pinned as their anonymous copies (COW). */
	if (vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED))
		return false;
	if (ops && (ops->page_mkwrite || ops->pfn_mkwrite))
		return true;
	if (vma->vm_flags & VM_PFNMAP)
		return false;
	return vma->vm_file && mapping_can_writeback(vma->vm_file->f_mapping);
}

static int vpin_check_vma(struct vm_area_struct *vma, u32 flags)
{
	if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return -EACCES;
	if ((flags & VPIN_PIN_F_WRITE) && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	if (vma_is_fsdax(vma))
		return 0;
	if ((flags & VPIN_PIN_F_WRITE) && vpin_vma_needs_dirty_tracking(vma))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Check that [start, end) is mapped completely, by anonymous memory or by one
 * contiguous range of one file, with the access the pin needs. Called with
 * the mmap lock held.
 */
static int vpin_check_range(struct mm_struct *mm, unsigned long start,
			    unsigned long end, u32 flags,
			    struct vpin_range *range)
{
	unsigned long addr = start;
	struct vm_area_struct *vma;
	bool first = true;
	int ret;

	while (addr < end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -EFAULT;
		ret = vpin_check_vma(vma, flags);
		if (ret)
			return ret;
		if (first) {
			range->file = vma->vm_file;
			range->dax = vma_is_fsdax(vma);
			if (range->file)
				range->offset = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
						(start - vma->vm_start);
			first = false;
		} else if (!range->file != !vma->vm_file ||
			   (range->file &&
			    (file_inode(range->file) != file_inode(vma->vm_file) ||
			     ((loff_t)vma->vm_pgoff << PAGE_SHIFT) !=
			     range->offset + (addr - start)))) {
			/* One file, and its offsets in one run. */
			return -EXDEV;
		}
		addr = vma->vm_end;
	}
	return 0;
}

/*
 * Charge pinned pages as io_uring does: to the user, against
 * RLIMIT_MEMLOCK, unless the caller has CAP_IPC_LOCK. The charge stays with
 * the pin, whichever process holds the session by then, so pins passed
 * around or outliving their process are still counted. The address space's
 * pinned_vm (VmPin) shows them too.
 */
static int vpin_charge(struct vpin_session *s, struct vpin_kpin *pin)
{
	unsigned long limit, cur, want;
	struct user_struct *user;

	if (!capable(CAP_IPC_LOCK)) {
		user = current_user();
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_read(&user->locked_vm);
		do {
			want = cur + pin->npages;
			if (want > limit || want < cur)
				return -ENOMEM;
		} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, want));
		pin->user = get_uid(user);
		pin->charged = true;
	}
	atomic64_add(pin->npages, &s->mm->pinned_vm);
	return 0;
}

static void vpin_uncharge(struct vpin_session *s, struct vpin_kpin *pin)
{
	if (pin->counted) {
		vpin_policy_pin_done(s, pin->npages);
		pin->counted = false;
	}
	atomic64_sub(pin->npages, &s->mm->pinned_vm);
	if (pin->charged) {
		atomic_long_sub(pin->npages, &pin->user->locked_vm);
		free_uid(pin->user);
		pin->charged = false;
	}
}

/*
 * Release @npages pinned pages. Pages written through a writable pin are
 * dirtied for their owner's sake: page cache and anonymous pages, the
 * copy-on-write copies of a private FS-DAX mapping included. FS-DAX pages
 * themselves have no page cache; their data is on the media.
 */
static void vpin_unpin_pages(struct vpin_kpin *pin, unsigned long npages)
{
	unsigned long i, run;

	if (!(pin->flags & VPIN_PIN_F_WRITE)) {
		unpin_user_pages(pin->pages, npages);
		return;
	}
	if (!pin->dax) {
		unpin_user_pages_dirty_lock(pin->pages, npages, true);
		return;
	}
	for (i = 0; i < npages; i += run) {
		bool device = is_zone_device_page(pin->pages[i]);

		for (run = 1; i + run < npages &&
		     is_zone_device_page(pin->pages[i + run]) == device; run++)
			;
		if (device)
			unpin_user_pages(pin->pages + i, run);
		else
			unpin_user_pages_dirty_lock(pin->pages + i, run, true);
	}
}

/*
 * FS-DAX ranges are pinned without FOLL_LONGTERM, which the kernel decides
 * per mapping. A private mapping of a DAX file may hold anonymous
 * copy-on-write pages among the DAX ones; those must be pinnable for the
 * long term like any anonymous page (not in ZONE_MOVABLE or CMA), which the
 * kernel would ensure by migrating them. vpin cannot migrate: it refuses.
 */
static int vpin_check_pages(const struct vpin_kpin *pin)
{
	unsigned long i;

	if (!pin->dax)
		return 0;
	for (i = 0; i < pin->npages; i++) {
		struct page *page = pin->pages[i];

		if (!is_zone_device_page(page) &&
		    !folio_is_longterm_pinnable(page_folio(page)))
			return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Pin every page of an ordinary range. Called with the mmap lock held;
 * faults wait killably, and may drop the lock to do so (a page locked for
 * I/O that a FUSE server never completes, for one). Then what was checked
 * under the lock may no longer be what is mapped: everything is unpinned
 * and -EAGAIN tells the caller, which no longer holds the lock, to start
 * over.
 */
static int vpin_pin_pages(struct mm_struct *mm, struct vpin_kpin *pin)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done = 0;
	int locked = 1;
	long got;

	if (pin->flags & VPIN_PIN_F_WRITE)
		gup_flags |= FOLL_WRITE;

	while (done < pin->npages) {
		if (fatal_signal_pending(current)) {
			got = -EINTR;
			goto err;
		}
		got = pin_user_pages_remote(mm, pin->addr + done * PAGE_SIZE,
					    pin->npages - done, gup_flags,
					    pin->pages + done, &locked);
		if (got > 0)
			done += got;
		if (!locked) {
			got = -EAGAIN;
			goto err;
		}
		if (got <= 0) {
			if (!got)
				got = -EFAULT;
			goto err;
		}
	}
	return 0;

err:
	if (done)
		vpin_unpin_pages(pin, done);
	if (!locked)
		return -EAGAIN;
	return got == -EAGAIN ? -EFAULT : got;
}

/*
 * An FS-DAX pin must never exist unseen by the revocation of its lease: a
 * change that revoked the lease goes on to free the file's blocks, and a
 * page still pinned then meets dax_disassociate_entry()'s WARN, its block
 * reused by another file while the pin holds it. So a DAX range is faulted
 * in first, taking no reference (this may sleep in the file system and
 * drop the mmap lock, as above), and pinned afterwards with FOLL_NOFAULT,
 * which does not wait for the file system, under the session lock in the
 * same hold that confirms the lease and publishes the pin
 * (vpin_pin_pages_nofault()).
 */
static int vpin_fault_pages(struct mm_struct *mm, struct vpin_kpin *pin)
{
	unsigned int gup_flags = 0;
	unsigned long done = 0;
	int locked = 1;
	long got;

	if (pin->flags & VPIN_PIN_F_WRITE)
		gup_flags |= FOLL_WRITE;

	while (done < pin->npages) {
		if (fatal_signal_pending(current))
			return -EINTR;
		got = get_user_pages_remote(mm, pin->addr + done * PAGE_SIZE,
					    pin->npages - done, gup_flags,
					    NULL, &locked);
		if (!locked)
			return -EAGAIN;
		if (got <= 0)
			return got ? (got == -EAGAIN ? -EFAULT : got) : -EFAULT;
		done += got;
	}
	return 0;
}

/* vpin_dax_mend()'s look at one page. */
struct vpin_mend {
	struct address_space *mapping;
	bool fix;
	int ret;
};

static int vpin_dax_mend_page(struct page *page, pgoff_t index, void *arg)
{
	struct vpin_mend *m = arg;

	if (page->mapping != PAGE_MAPPING_DAX_SHARED)
		return 0;
	if (!m->fix)
		return 1;
	if (vpin_dax_sharers(page) > 1) {
		m->ret = -EBUSY;
		return 0;
	}
	WRITE_ONCE(page->mapping, m->mapping);
	page->index = index;
	return 0;
}

/*
 * xfs maps the block a write copies to, like the blocks of a shared extent,
 * with its page marked as shared among files (page->mapping is
 * PAGE_MAPPING_DAX_SHARED, with the number of entries that map it in
 * page->share; 6.1: in page->index), and the mark stays until the page's
 * DAX entries go, also once the block is the file's alone. GUP takes a
 * marked page for an anonymous page that is not exclusive: a FOLL_PIN of it
 * trips a VM_BUG_ON on kernels built with CONFIG_DEBUG_VM (direct I/O into
 * such a mapping does too), and a read-only pin of it is never granted.
 *
 * Under a lease no block of the file is shared or can become so (lease.c),
 * so a mark on a page that only this file's entry maps is stale: such a
 * page gets the association that dax_associate_entry() gives the page of a
 * block of one file, under the lock that function holds. A page that more
 * than one entry maps is left alone, and the pin is EBUSY.
 *
 * Look at the pages of the DAX entries of @pin's range: 0 if none is marked
 * (mending those it may with @fix), 1 if one is and @fix is false (the
 * file's extents were not yet seen unshared under the lease), -EBUSY if a
 * marked page is mapped by more than this entry. Only xfs marks pages.
 */
static int vpin_dax_mend(struct file *file, const struct vpin_kpin *pin,
			 bool fix)
{
	struct vpin_mend m = { .mapping = file->f_mapping, .fix = fix };
	pgoff_t first = pin->offset >> PAGE_SHIFT;

	if (!vpin_inode_xfs_dax(file_inode(file)))
		return 0;
	return vpin_dax_walk(m.mapping, first, first + pin->npages - 1,
			     vpin_dax_mend_page, &m) ?: m.ret;
}

/*
 * How often a DAX range is faulted in again after its pages went before
 * they could be pinned. Only the session's own address space or the file's
 * layout changing under it make a try fail: the pin is then EAGAIN, not a
 * loop.
 */
#define VPIN_PIN_TRIES 8

/*
 * Pin the faulted-in DAX range without faulting; with the mmap and session
 * locks held. -EAGAIN: a page went away again (the file system unmapped
 * it), the caller faults the range in once more.
 */
static int vpin_pin_pages_nofault(struct mm_struct *mm, struct vpin_kpin *pin)
{
	unsigned int gup_flags = FOLL_NOFAULT;
	unsigned long done = 0;
	long got = 0;

	if (pin->flags & VPIN_PIN_F_WRITE)
		gup_flags |= FOLL_WRITE;

	while (done < pin->npages) {
		got = pin_user_pages_remote(mm, pin->addr + done * PAGE_SIZE,
					    pin->npages - done, gup_flags,
					    pin->pages + done, NULL);
		if (got <= 0)
			break;
		done += got;
	}
	if (done == pin->npages) {
		got = vpin_check_pages(pin);
		if (!got)
			return 0;
	} else {
		got = got == -EFAULT || !got ? -EAGAIN : got;
	}
	if (done)
		vpin_unpin_pages(pin, done);
	return got;
}

static int vpin_pin_check_req(const struct vpin_pin *req)
{
	if (req->flags & ~__VPIN_PIN_F_ALL)
		return -EINVAL;
	if (req->reserved0 || !vpin_zero(req->reserved))
		return -EINVAL;
	if (!req->length || !PAGE_ALIGNED(req->addr) ||
	    !PAGE_ALIGNED(req->length))
		return -EINVAL;
	if (req->addr + req->length < req->addr)
		return -EOVERFLOW;
	if (req->addr + req->length > TASK_SIZE ||
	    !access_ok(u64_to_user_ptr(req->addr), req->length))
		return -EFAULT;
	return 0;
}

/* Pins are taken, and mapped, in the session's address space only. */
int vpin_pin_check_mm(struct vpin_session *s)
{
	if (current->mm == s->mm)
		return 0;
	if (!mmget_not_zero(s->mm))
		return -ESRCH;
	mmput(s->mm);
	return -EPERM;
}

/*
 * The lease a pin of @range needs: the session's lease on the file (any
 * file; FS-DAX requires one). Returns its id, 0 for none, or an error.
 * The file's furthest pin is extended before any page is faulted in, so
 * that the truncation backstop (hook.c) counts a pin still in flight as
 * taken and breaks the lease before a truncation reaches its pages.
 */
static long vpin_pin_lease(struct vpin_session *s, const struct vpin_range *range,
			   const struct vpin_kpin *pin)
{
	struct vpin_klease *lease;
	long ret;

	if (!range->file)
		return 0;
	mutex_lock(&s->lock);
	lease = vpin_lease_find(s, file_inode(range->file));
	if (!lease) {
		ret = range->dax ? -EPERM : 0;
	} else if (READ_ONCE(lease->breaking) || !READ_ONCE(lease->ready)) {
		ret = -EAGAIN;
	} else {
		vpin_lease_pinned(lease, range->offset +
				  ((loff_t)pin->npages << PAGE_SHIFT));
		ret = lease->id;
	}
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * With the session lock held again after faulting in (DAX) or pinning: the
 * lease the pin relies on (vpin_pin_lease()) must still be there and not
 * being broken. A pin of
 * a page-cache file whose lease went meanwhile simply has none.
 */
static struct vpin_klease *vpin_pin_confirm(struct vpin_session *s,
					    const struct vpin_range *range,
					    long lease_id)
{
	struct vpin_klease *lease;

	lockdep_assert_held(&s->lock);
	if (!lease_id)
		return NULL;
	lease = xa_load(&s->leases, lease_id);
	if (!lease || file_inode(lease->file) != file_inode(range->file))
		return range->dax ? ERR_PTR(-EPERM) : NULL;
	if (READ_ONCE(lease->breaking) || !READ_ONCE(lease->ready))
		return ERR_PTR(-EAGAIN);
	return lease;
}

/* The page structures and the pages, unpinned and uncharged. */
static void vpin_pin_free(struct vpin_session *s, struct vpin_kpin *pin)
{
	vpin_map_kill_pin(pin);
	vpin_unpin_pages(pin, pin->npages);
	vpin_uncharge(s, pin);
	if (pin->file)
		fput(pin->file);
	vpin_map_put_pages(pin);
	kfree(pin);
}

/*
 * Take the session's mmap lock and check the pin's range under it; returns
 * with the lock held only on success.
 */
static int vpin_lock_range(struct vpin_session *s, struct vpin_kpin *pin,
			   struct vpin_range *range)
{
	int ret;

	if (mmap_read_lock_killable(s->mm))
		return -EINTR;
	ret = vpin_check_range(s->mm, pin->addr,
			       pin->addr + pin->npages * PAGE_SIZE, pin->flags,
			       range);
	if (ret)
		mmap_read_unlock(s->mm);
	return ret;
}

/* Pages pinned by one call of pin_user_pages_fast(), which counts in int. */
#define VPIN_FAST_BATCH 65536UL

/*
 * Anonymous memory is pinned as io_uring pins its fixed buffers, by
 * pin_user_pages_fast(), which walks the page tables without the mmap lock
 * and takes it only for pages that need a fault. Called with the mmap lock
 * held, for a range of no file; drops it for the pin and takes it again to
 * check the range once more. Returns 0 with the lock held, every page
 * pinned and, as checked now, the range still memory of no file and every
 * page pinned an anonymous one. Otherwise (a file mapped over the range
 * meanwhile, a page that is not anonymous, any failure) nothing is pinned,
 * the lock is not held, *@slow is set and -EAGAIN tells the caller to pin
 * under the lock as for any range, which gives every error its usual errno.
 */
static int vpin_pin_pages_fast(struct vpin_session *s, struct vpin_kpin *pin,
			       bool *slow)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	struct vpin_range range = {};
	unsigned long done = 0, i;
	long got;

	if (pin->flags & VPIN_PIN_F_WRITE)
		gup_flags |= FOLL_WRITE;
	mmap_read_unlock(s->mm);
	while (done < pin->npages) {
		if (fatal_signal_pending(current))
			goto fallback;
		got = pin_user_pages_fast(pin->addr + done * PAGE_SIZE,
					  min(pin->npages - done, VPIN_FAST_BATCH),
					  gup_flags, pin->pages + done);
		if (got <= 0)
			goto fallback;
		done += got;
	}
	if (vpin_lock_range(s, pin, &range))
		goto fallback;
	for (i = 0; !range.file && i < pin->npages; i++)
		if (!folio_test_anon(page_folio(pin->pages[i])))
			break;
	if (!range.file && i == pin->npages)
		return 0;
	mmap_read_unlock(s->mm);
fallback:
	/* Published to no one: nothing wrote to them through the pin. */
	if (done)
		unpin_user_pages(pin->pages, done);
	*slow = true;
	return -EAGAIN;
}

/*
 * Pin a range and return its id at @uid. No session lock is held while
 * pages are faulted in (that may wait for I/O, for a FUSE server, for a
 * userfaultfd handler): the lease the pin relies on is looked up before and
 * confirmed after. A failed copy of the id releases the pin again.
 */
int vpin_pin_create(struct vpin_session *s, const struct vpin_pin *req,
		    u64 __user *uid)
{
	struct vpin_range range = {};
	struct vpin_klease *lease = NULL;
	struct file *judged = NULL;
	struct vpin_kpin *pin;
	unsigned int tries = 0;
	long lease_id, checked = 0;	/* the lease under which ->fiemap was asked */
	bool slow = false;
	u32 id;
	int ret;

	ret = vpin_pin_check_req(req);
	if (ret)
		return ret;
	ret = vpin_pin_check_mm(s);
	if (ret)
		return ret;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	INIT_LIST_HEAD(&pin->maps);
	pin->addr = req->addr;
	pin->npages = req->length >> PAGE_SHIFT;
	pin->flags = req->flags;
	pin->created = ktime_get_boottime();

	/*
	 * The page array is as large as the range: charge the pages and see
	 * the range mapped before allocating it, so that a huge request fails
	 * at once instead of making the kernel reclaim and compact for it.
	 */
	ret = vpin_charge(s, pin);
	if (ret) {
		kfree(pin);
		return ret;
	}
	ret = vpin_lock_range(s, pin, &range);
	if (ret)
		goto err_free;
	/* The policy looks at the file without the mmap lock held. */
	if (range.file)
		judged = get_file(range.file);
	mmap_read_unlock(s->mm);
	ret = vpin_policy_pin(s, judged, pin->npages);
	if (ret)
		goto err_free;
	pin->counted = true;
	pin->pages = kvmalloc_array(pin->npages, sizeof(*pin->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pin->pages) {
		ret = -ENOMEM;
		goto err_free;
	}

retry:
	ret = vpin_lock_range(s, pin, &range);
	if (ret)
		goto err_free;
	/* Remapped since the policy judged it: judged anew by a new call. */
	if (!range.file != !judged ||
	    (judged && file_inode(range.file) != file_inode(judged))) {
		ret = -EAGAIN;
		goto err_unlock;
	}
	lease_id = vpin_pin_lease(s, &range, pin);
	if (lease_id < 0) {
		ret = lease_id;
		goto err_unlock;
	}
	pin->dax = range.dax;
	pin->offset = range.offset;
	if (pin->dax)
		ret = vpin_fault_pages(s->mm, pin);
	else if (!range.file && !slow)
		ret = vpin_pin_pages_fast(s, pin, &slow);
	else
		ret = vpin_pin_pages(s->mm, pin);
	if (ret == -EAGAIN)
		goto retry;	/* the mmap lock was dropped: check again */
	if (ret)
		goto err_unlock;

	/*
	 * Published before the mmap lock goes: while it is held the range
	 * stays mapped, so a layout change that slipped in after a lease went
	 * waits for these pages in the file system instead of freeing them.
	 */
	mutex_lock(&s->lock);
	lease = vpin_pin_confirm(s, &range, lease_id);
	if (IS_ERR(lease)) {
		ret = PTR_ERR(lease);
		goto err_confirm;
	}
	if (pin->dax) {
		ret = vpin_dax_mend(judged, pin, checked == lease_id);
		if (ret > 0) {
			/* ->fiemap cannot be asked under the mmap lock. */
			mutex_unlock(&s->lock);
			mmap_read_unlock(s->mm);
			ret = vpin_check_extents(judged, VPIN_EXTENTS_UNSHARED);
			if (ret)
				goto err_free;
			checked = lease_id;
			goto retry;
		}
		if (!ret)
			ret = vpin_pin_pages_nofault(s->mm, pin);
		if (ret == -EAGAIN && ++tries < VPIN_PIN_TRIES) {
			mutex_unlock(&s->lock);
			mmap_read_unlock(s->mm);
			goto retry;
		}
		if (ret)
			goto err_confirm;
	}
	if (range.file)
		pin->file = get_file(range.file);
	ret = xa_alloc_cyclic(&s->pins, &pin->id, pin, xa_limit_32b,
			      &s->next_pin_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_unpin;
	pin->lease = lease;
	if (lease)
		lease->npins++;
	s->npins++;
	s->pinned_pages += pin->npages;
	vpin_stats_add(&vpin_stats.pins, 1);
	vpin_stats_add(&vpin_stats.pinned_pages, pin->npages);
	trace_vpin_pin(s, pin);
	vpin_nl_pin_event(s, pin, VPIN_EVENT_PIN);
	id = pin->id;
	mutex_unlock(&s->lock);
	mmap_read_unlock(s->mm);

	if (judged)
		fput(judged);
	/* Not under the mmap lock: the copy may fault. */
	if (put_user((u64)id, uid)) {
		vpin_pin_destroy(s, id);
		return -EFAULT;
	}
	return 0;

err_unpin:
	mutex_unlock(&s->lock);
	mmap_read_unlock(s->mm);
	vpin_pin_free(s, pin);
	if (judged)
		fput(judged);
	return ret;
err_confirm:
	mutex_unlock(&s->lock);
	if (!pin->dax)
		vpin_unpin_pages(pin, pin->npages);
err_unlock:
	mmap_read_unlock(s->mm);
err_free:
	vpin_uncharge(s, pin);
	kvfree(pin->pages);
	kfree(pin);
	if (judged)
		fput(judged);
	return ret;
}

/*
 * Take @pin out of its session onto @gone; vpin_pin_free_list() unpins it
 * once the session lock is dropped.
 */
void vpin_pin_detach(struct vpin_session *s, struct vpin_kpin *pin,
		     struct list_head *gone)
{
	lockdep_assert_held(&s->lock);
	trace_vpin_unpin(s, pin);
	vpin_nl_pin_event(s, pin, VPIN_EVENT_UNPIN);
	xa_erase(&s->pins, pin->id);
	vpin_stats_add(&vpin_stats.pins, -1);
	vpin_stats_add(&vpin_stats.pinned_pages, -(s64)pin->npages);
	s->npins--;
	s->pinned_pages -= pin->npages;
	if (pin->lease)
		pin->lease->npins--;
	pin->lease = NULL;
	list_add_tail(&pin->gone, gone);
}

void vpin_pin_free_list(struct vpin_session *s, struct list_head *gone)
{
	struct vpin_kpin *pin, *next;

	list_for_each_entry_safe(pin, next, gone, gone) {
		list_del(&pin->gone);
		vpin_pin_free(s, pin);
		cond_resched();
	}
}

int vpin_pin_destroy(struct vpin_session *s, u32 id)
{
	struct vpin_kpin *pin;
	LIST_HEAD(gone);

	mutex_lock(&s->lock);
	pin = xa_load(&s->pins, id);
	if (!pin) {
		mutex_unlock(&s->lock);
		return -ENOENT;
	}
	vpin_pin_detach(s, pin, &gone);
	mutex_unlock(&s->lock);
	vpin_pin_free_list(s, &gone);
	return 0;
}

void vpin_pin_show(struct seq_file *m, const struct vpin_kpin *pin)
{
	const struct inode *inode = pin->file ? file_inode(pin->file) : NULL;

	seq_printf(m, "pin:\tid=%u flags=%s pages=%lu offset=%lld length=%lu",
		   pin->id, pin->flags & VPIN_PIN_F_WRITE ? "rw" : "r",
		   pin->npages, pin->file ? pin->offset : 0,
		   pin->npages << PAGE_SHIFT);
	if (!inode) {
		seq_puts(m, " dev=0:0 ino=0 path=[anon]\n");
		return;
	}
	seq_printf(m, " dev=%u:%u ino=%lu path=", MAJOR(inode->i_sb->s_dev),
		   MINOR(inode->i_sb->s_dev), inode->i_ino);
	seq_file_path(m, pin->file, "\n");
	seq_putc(m, '\n');
}
