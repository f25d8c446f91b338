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
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "lease.h"
#include "netlink.h"
#include "pin.h"
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
 * file, with the access the pin needs. Called with the mmap lock held.
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
			    file_inode(range->file) != file_inode(vma->vm_file))) {
			return -EXDEV;
		}
		addr = vma->vm_end;
	}
	return 0;
}

/* Charge pinned pages like RDMA registrations do: pinned_vm, RLIMIT_MEMLOCK. */
static int vpin_charge(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned;

	pinned = atomic64_add_return(npages, &mm->pinned_vm);
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

static void vpin_uncharge(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
}

static void vpin_unpin_pages(struct vpin_kpin *pin, unsigned long npages)
{
	/*
	 * Pages written through a writable pin are dirtied for the page
	 * cache's sake; FS-DAX has no page cache: its data is on the media.
	 */
	if ((pin->flags & VPIN_PIN_F_WRITE) && !pin->dax)
		unpin_user_pages_dirty_lock(pin->pages, npages, true);
	else
		unpin_user_pages(pin->pages, npages);
}

/* Pin every page of the range. Called with the mmap lock held. */
static int vpin_pin_pages(struct vpin_kpin *pin)
{
	unsigned int gup_flags = pin->dax ? 0 : FOLL_LONGTERM;
	unsigned long done = 0;
	long got;

	if (pin->flags & VPIN_PIN_F_WRITE)
		gup_flags |= FOLL_WRITE;

	while (done < pin->npages) {
		if (fatal_signal_pending(current)) {
			got = -EINTR;
			goto err;
		}
		got = pin_user_pages(pin->addr + done * PAGE_SIZE,
				     pin->npages - done, gup_flags,
				     pin->pages + done);
		if (got <= 0) {
			if (!got)
				got = -EFAULT;
			goto err;
		}
		done += got;
	}
	return 0;

err:
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

/* Pins are taken in the session's address space only. */
static int vpin_pin_check_mm(struct vpin_session *s)
{
	if (current->mm == s->mm)
		return 0;
	if (!mmget_not_zero(s->mm))
		return -ESRCH;
	mmput(s->mm);
	return -EPERM;
}

int vpin_pin_create(struct vpin_session *s, const struct vpin_pin *req, u32 *id)
{
	struct vpin_range range = {};
	struct vpin_klease *lease = NULL;
	struct vpin_kpin *pin;
	int ret;

	lockdep_assert_held(&s->lock);
	ret = vpin_pin_check_req(req);
	if (ret)
		return ret;
	ret = vpin_pin_check_mm(s);
	if (ret)
		return ret;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	pin->addr = req->addr;
	pin->npages = req->length >> PAGE_SHIFT;
	pin->flags = req->flags;
	pin->created = ktime_get_boottime();

	if (mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto err_free;
	}
	ret = vpin_check_range(s->mm, pin->addr,
			       pin->addr + pin->npages * PAGE_SIZE,
			       pin->flags, &range);
	if (ret)
		goto err_unlock;
	if (range.file) {
		lease = vpin_lease_find(s, file_inode(range.file));
		if (range.dax && !lease) {
			ret = -EPERM;
			goto err_unlock;
		}
	}
	pin->dax = range.dax;
	pin->offset = range.offset;

	ret = vpin_charge(s->mm, pin->npages);
	if (ret)
		goto err_unlock;
	pin->pages = kvmalloc_array(pin->npages, sizeof(*pin->pages),
				    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pin->pages) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	ret = vpin_pin_pages(pin);
	if (ret)
		goto err_uncharge;
	if (range.file)
		pin->file = get_file(range.file);
	mmap_read_unlock(s->mm);

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
	*id = pin->id;
	return 0;

err_unpin:
	if (pin->file)
		fput(pin->file);
	vpin_unpin_pages(pin, pin->npages);
	vpin_uncharge(s->mm, pin->npages);
	goto err_free;
err_uncharge:
	vpin_uncharge(s->mm, pin->npages);
err_unlock:
	mmap_read_unlock(s->mm);
err_free:
	kvfree(pin->pages);
	kfree(pin);
	return ret;
}

void vpin_pin_release(struct vpin_session *s, struct vpin_kpin *pin)
{
	lockdep_assert_held(&s->lock);
	trace_vpin_unpin(s, pin);
	vpin_nl_pin_event(s, pin, VPIN_EVENT_UNPIN);
	xa_erase(&s->pins, pin->id);
	vpin_stats_add(&vpin_stats.pins, -1);
	vpin_stats_add(&vpin_stats.pinned_pages, -(s64)pin->npages);
	vpin_unpin_pages(pin, pin->npages);
	vpin_uncharge(s->mm, pin->npages);
	s->npins--;
	s->pinned_pages -= pin->npages;
	if (pin->lease)
		pin->lease->npins--;
	if (pin->file)
		fput(pin->file);
	kvfree(pin->pages);
	kfree(pin);
}

int vpin_pin_destroy(struct vpin_session *s, u32 id)
{
	struct vpin_kpin *pin;

	lockdep_assert_held(&s->lock);
	pin = xa_load(&s->pins, id);
	if (!pin)
		return -ENOENT;
	vpin_pin_release(s, pin);
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
