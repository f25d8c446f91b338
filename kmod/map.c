// SPDX-License-Identifier: GPL-2.0
/*
 * Mappings that devices can pin, and orphaned leases.
 *
 * The kernel refuses FOLL_LONGTERM pins of FS-DAX VMAs (check_vma_flags():
 * vma_is_fsdax()), because nothing could recall them when the file system
 * moves blocks. Under an exclusive lease no block moves, so vpin offers the
 * same pages through a VMA of its own: VPIN_IOC_MAP returns a descriptor
 * whose shared mappings insert the pinned DAX pages' pfns as devmap entries
 * (vmf_insert_mixed(), as fs/dax.c does). Such a VMA is not fsdax, has no
 * page_mkwrite, pfn_mkwrite or writeback-capable mapping, so GUP pins it for
 * the long term: ibv_reg_mr(), IORING_REGISTER_BUFFERS. The entries take no
 * page reference; each descriptor has an inode of its own, so tearing a
 * mapping down unmaps exactly its aliases.
 *
 * A mapping lives as long as its pin. When the pin goes, the mapping dies:
 * its entries are zapped, faults get SIGBUS and mmap ENODEV. What a device
 * pinned through it is not recalled (nothing can recall it); instead, the
 * lease the mapping was made under does not end while any of its pages is
 * still referenced beyond the one reference an idle fsdax page has: it
 * becomes an orphan, keeping the file protected and open, and a scan every
 * VPIN_ORPHAN_SCAN_MS ends it once the last outside reference is gone.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "lease.h"
#include "map.h"
#include "netlink.h"
#include "pin.h"
#include "session.h"
#include "util.h"

#define VPIN_MAPFS_MAGIC	0x7670696d	/* "vpim" */
#define VPIN_ORPHAN_SCAN_MS	100

/*
 * A pin's page array, once mappings share it: the pin keeps the pages
 * pinned while it lives; the array itself lives on until the last mapping
 * made of it has gone from its lease (the orphan check reads it).
 */
struct vpin_pagevec {
	struct kref ref;
	struct page **pages;
};

/*
 * One VPIN_IOC_MAP descriptor: pages [first, first + npages) of its pin's
 * array. The lease keeps it (for the orphan check) until the lease ends.
 */
struct vpin_kmap {
	struct kref ref;		/* the descriptor, and the lease's list */
	struct rw_semaphore sem;	/* faults (read) against death (write) */
	bool dead;			/* the pin is gone */
	struct address_space *mapping;	/* the descriptor's; NULL once closed */
	u32 pin_id;
	unsigned long npages;
	struct page **pages;		/* into @pagevec */
	struct vpin_pagevec *pagevec;
	struct list_head pin_node;	/* in the pin's maps, while it lives */
	struct list_head lease_node;	/* in the lease's maps */
};

/* Mappings one lease may make, so that a loop of them cannot grow kernel
 * memory without bound (each stays on its lease until the lease ends).
 */
#define VPIN_MAPS_PER_LEASE	1024

static struct vfsmount *vpin_mapfs;

LIST_HEAD(vpin_orphans);
DEFINE_MUTEX(vpin_orphans_lock);	/* protects vpin_orphans */

static void vpin_orphan_scan(struct work_struct *work);
static DECLARE_DELAYED_WORK(vpin_orphan_work, vpin_orphan_scan);

static void vpin_pagevec_free(struct kref *ref)
{
	struct vpin_pagevec *pv = container_of(ref, struct vpin_pagevec, ref);

	kvfree(pv->pages);
	kfree(pv);
}

/* The pin is going, its pages unpinned: its array goes with its last user. */
void vpin_map_put_pages(struct vpin_kpin *pin)
{
	if (pin->pagevec)
		kref_put(&pin->pagevec->ref, vpin_pagevec_free);
	else
		kvfree(pin->pages);
	pin->pages = NULL;
}

static void vpin_map_free(struct kref *ref)
{
	struct vpin_kmap *map = container_of(ref, struct vpin_kmap, ref);

	kref_put(&map->pagevec->ref, vpin_pagevec_free);
	kfree(map);
}

static void vpin_map_put(struct vpin_kmap *map)
{
	kref_put(&map->ref, vpin_map_free);
}

/* Faults after this get SIGBUS; entries made before are zapped. */
static void vpin_map_kill(struct vpin_kmap *map)
{
	down_write(&map->sem);
	if (!map->dead) {
		map->dead = true;
		if (map->mapping)
			unmap_mapping_range(map->mapping, 0, 0, 1);
	}
	up_write(&map->sem);
}

static vm_fault_t vpin_map_fault(struct vm_fault *vmf)
{
	struct vpin_kmap *map = vmf->vma->vm_file->private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long pfn;

	down_read(&map->sem);
	if (!map->dead && vmf->pgoff < map->npages) {
		pfn = page_to_pfn(map->pages[vmf->pgoff]);
		ret = vmf_insert_mixed(vmf->vma, vmf->address,
				       __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP));
	}
	up_read(&map->sem);
	return ret;
}

/*
 * A 2 MiB entry where the VMA covers the whole PMD and the pages under it
 * are one physically contiguous, aligned run (the file's extents allow it),
 * as fs/dax.c maps them; otherwise 4 KiB entries.
 */
static vm_fault_t vpin_map_huge_fault(struct vm_fault *vmf,
				      vpin_fault_order_t order)
{
	pmd_t pmd;
	struct vm_area_struct *vma = vmf->vma;
	struct vpin_kmap *map = vma->vm_file->private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	pgoff_t first = vmf->pgoff - ((vmf->address - addr) >> PAGE_SHIFT);
	vm_fault_t ret = VM_FAULT_FALLBACK;
	unsigned long pfn, i;

	if (order != VPIN_FAULT_ORDER_PMD || addr < vma->vm_start ||
	    addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	/*
	 * For writing: no 4 KiB fault of the mapping runs meanwhile, so no
	 * page table appears under the PMD between this check and the insert
	 * (as fs/dax.c checks before a PMD entry).
	 */
	down_write(&map->sem);
	pmd = READ_ONCE(*vmf->pmd);
	if (!pmd_none(pmd) && !pmd_trans_huge(pmd) && !pmd_devmap(pmd))
		goto out;
	if (map->dead) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	if (first >= map->npages || map->npages - first < HPAGE_PMD_NR)
		goto out;
	pfn = page_to_pfn(map->pages[first]);
	if (!IS_ALIGNED(pfn, HPAGE_PMD_NR))
		goto out;
	for (i = 1; i < HPAGE_PMD_NR; i++)
		if (page_to_pfn(map->pages[first + i]) != pfn + i)
			goto out;
	ret = vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP),
				 vmf->flags & FAULT_FLAG_WRITE);
out:
	up_write(&map->sem);
	return ret;
}

static const struct vm_operations_struct vpin_map_vm_ops = {
	.fault = vpin_map_fault,
	.huge_fault = vpin_map_huge_fault,
};

/*
 * Shared mappings inside the range only. A descriptor of a read-only pin is
 * open read-only, so the VFS refuses PROT_WRITE (EACCES) and mprotect() to
 * writable. VM_DONTEXPAND: mremap may move a mapping, not grow it.
 */
static int vpin_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vpin_kmap *map = file->private_data;
	unsigned long pages = vma_pages(vma);
	bool dead;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= map->npages || pages > map->npages - vma->vm_pgoff)
		return -EINVAL;
	down_read(&map->sem);
	dead = map->dead;
	up_read(&map->sem);
	if (dead)
		return -ENODEV;
	/* VM_HUGEPAGE: 2 MiB entries also where THP is "madvise". */
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_HUGEPAGE);
	vma->vm_ops = &vpin_map_vm_ops;
	return 0;
}

static int vpin_map_release(struct inode *inode, struct file *file)
{
	struct vpin_kmap *map = file->private_data;

	down_write(&map->sem);
	map->mapping = NULL;
	up_write(&map->sem);
	vpin_stats_add(&vpin_stats.maps, -1);
	vpin_map_put(map);
	return 0;
}

static void vpin_map_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct vpin_kmap *map = file->private_data;

	down_read(&map->sem);
	seq_printf(m, "vpin-map:\tpin=%u pages=%lu state=%s\n", map->pin_id,
		   map->npages, map->dead ? "dead" : "live");
	up_read(&map->sem);
}

static const struct file_operations vpin_map_fops = {
	.owner = THIS_MODULE,
	.mmap = vpin_map_mmap,
	.get_unmapped_area = thp_get_unmapped_area,	/* 2 MiB aligned */
	.release = vpin_map_release,
	.show_fdinfo = vpin_map_show_fdinfo,
};

static int vpin_map_check_req(const struct vpin_map *req)
{
	if (req->flags || !vpin_zero(req->reserved))
		return -EINVAL;
	if (!PAGE_ALIGNED(req->offset) || !PAGE_ALIGNED(req->length))
		return -EINVAL;
	if (!req->pin_id || req->pin_id > U32_MAX)
		return -ENOENT;
	return 0;
}

/*
 * The pin's pages [offset, offset + length) that a mapping of @req would
 * serve, checked against the pin and its lease. Session lock held.
 */
static int vpin_map_check_pin(const struct vpin_kpin *pin,
			      const struct vpin_map *req, unsigned long *first,
			      unsigned long *npages)
{
	unsigned long i;

	if (req->offset >> PAGE_SHIFT >= pin->npages)
		return -EINVAL;
	*first = req->offset >> PAGE_SHIFT;
	*npages = req->length ? req->length >> PAGE_SHIFT : pin->npages - *first;
	if (*npages > pin->npages - *first)
		return -EINVAL;
	if (!pin->dax || !pin->file)
		return -ENODEV;
	for (i = *first; i < *first + *npages; i++)
		if (!is_zone_device_page(pin->pages[i]))
			return -ENODEV;
	if (!pin->lease || pin->lease->type != VPIN_LEASE_EXCLUSIVE)
		return -EPERM;
	if (pin->lease->nmaps >= VPIN_MAPS_PER_LEASE)
		return -ENOSPC;
	return 0;
}

/* The descriptor of a new mapping, with its own inode on vpin's pseudo fs. */
static struct file *vpin_map_file(struct vpin_kmap *map, bool writable)
{
	struct inode *inode;
	struct file *file;

	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENOENT);
	inode = alloc_anon_inode(vpin_mapfs->mnt_sb);
	if (IS_ERR(inode)) {
		file = ERR_CAST(inode);
		goto err;
	}
	inode->i_size = (loff_t)map->npages << PAGE_SHIFT;
	file = alloc_file_pseudo(inode, vpin_mapfs, "[vpin-map]",
				 writable ? O_RDWR : O_RDONLY, &vpin_map_fops);
	if (IS_ERR(file)) {
		iput(inode);
		goto err;
	}
	file->private_data = map;
	map->mapping = inode->i_mapping;
	return file;
err:
	module_put(THIS_MODULE);
	return file;
}

int vpin_map_create(struct vpin_session *s, struct vpin_map __user *uarg)
{
	unsigned long first, npages;
	struct vpin_kmap *map;
	struct vpin_kpin *pin;
	struct vpin_map req;
	struct file *file;
	int fd, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	ret = vpin_map_check_req(&req);
	if (ret)
		return ret;
	ret = vpin_pin_check_mm(s);
	if (ret)
		return ret;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;

	mutex_lock(&s->lock);
	pin = xa_load(&s->pins, req.pin_id);
	ret = pin ? vpin_map_check_pin(pin, &req, &first, &npages) : -ENOENT;
	if (ret)
		goto err_unlock;
	ret = -ENOMEM;
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		goto err_unlock;
	if (!pin->pagevec) {
		pin->pagevec = kmalloc(sizeof(*pin->pagevec), GFP_KERNEL_ACCOUNT);
		if (!pin->pagevec) {
			kfree(map);
			goto err_unlock;
		}
		kref_init(&pin->pagevec->ref);
		pin->pagevec->pages = pin->pages;
	}
	kref_get(&pin->pagevec->ref);
	map->pagevec = pin->pagevec;
	map->pages = pin->pages + first;
	map->npages = npages;
	map->pin_id = pin->id;
	kref_init(&map->ref);
	init_rwsem(&map->sem);
	file = vpin_map_file(map, pin->flags & VPIN_PIN_F_WRITE);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		vpin_map_free(&map->ref);
		goto err_unlock;
	}
	/* One reference for the descriptor, one for the lease's list. */
	kref_get(&map->ref);
	list_add_tail(&map->pin_node, &pin->maps);
	list_add_tail(&map->lease_node, &pin->lease->maps);
	pin->lease->nmaps++;
	vpin_stats_add(&vpin_stats.maps, 1);
	vpin_nl_map_event(s, pin, npages);
	mutex_unlock(&s->lock);

	if (put_user(fd, &uarg->fd)) {
		put_unused_fd(fd);
		fput(file);
		return -EFAULT;
	}
	fd_install(fd, file);
	return 0;

err_unlock:
	mutex_unlock(&s->lock);
	put_unused_fd(fd);
	return ret;
}

/*
 * @pin is going (out of its session, not yet unpinned): its mappings die
 * before its pages are unpinned. They stay on the lease's list.
 */
void vpin_map_kill_pin(struct vpin_kpin *pin)
{
	struct vpin_kmap *map, *next;

	list_for_each_entry_safe(map, next, &pin->maps, pin_node) {
		list_del_init(&map->pin_node);
		vpin_map_kill(map);
	}
}

/* The lease has ended: its list lets go of its mappings. */
void vpin_map_put_all(struct vpin_klease *lease)
{
	struct vpin_kmap *map, *next;

	list_for_each_entry_safe(map, next, &lease->maps, lease_node) {
		list_del(&map->lease_node);
		vpin_map_put(map);
	}
	lease->nmaps = 0;
}

/*
 * Pages mapped under @lease that someone other than the file still holds:
 * an idle fsdax page has one reference, mappings take none, and the lease's
 * own pins are gone. Pages of overlapping mappings count once per mapping.
 * While the page found referenced last time still is, the count stands:
 * a device usually holds all its pages until it lets go of all of them, and
 * a scan of a large mapping every VPIN_ORPHAN_SCAN_MS would cost too much.
 */
static unsigned long vpin_lease_referenced(struct vpin_klease *lease)
{
	const struct vpin_kmap *map;
	unsigned long i, n = 0;

	if (lease->orphan_hint && page_ref_count(lease->orphan_hint) > 1)
		return lease->referenced;
	lease->orphan_hint = NULL;
	list_for_each_entry(map, &lease->maps, lease_node) {
		for (i = 0; i < map->npages; i++) {
			if (page_ref_count(map->pages[i]) > 1) {
				if (!n++)
					lease->orphan_hint = map->pages[i];
			}
			if (!(i % 4096))
				cond_resched();
		}
	}
	return n;
}

/*
 * A lease is ending (out of its session, its pins unpinned). If pages
 * mapped under it are still referenced by a device, it becomes an orphan:
 * the file stays protected and open until they are not. Returns whether it
 * did; the module stays loaded while an orphan exists.
 */
bool vpin_orphan_adopt(struct vpin_klease *lease)
{
	struct vpin_kmap *map;
	unsigned long n;

	if (list_empty(&lease->maps))
		return false;
	list_for_each_entry(map, &lease->maps, lease_node)
		vpin_map_kill(map);
	n = vpin_lease_referenced(lease);
	if (!n)
		return false;

	__module_get(THIS_MODULE);	/* the session's descriptor holds one */
	WRITE_ONCE(lease->session, NULL);
	WRITE_ONCE(lease->referenced, n);
	mutex_lock(&vpin_orphans_lock);
	list_add_tail(&lease->orphan_node, &vpin_orphans);
	mutex_unlock(&vpin_orphans_lock);
	vpin_stats_add(&vpin_stats.orphans, 1);
	vpin_nl_lease_event(lease, VPIN_EVENT_LEASE_ORPHANED);
	/* A scan already due stays due: new orphans cannot postpone it. */
	queue_delayed_work(system_unbound_wq, &vpin_orphan_work,
			   msecs_to_jiffies(VPIN_ORPHAN_SCAN_MS));
	return true;
}

/* Orphans whose pages nobody holds any more end. */
static void vpin_orphan_scan(struct work_struct *work)
{
	struct vpin_klease *lease, *next;
	LIST_HEAD(done);
	bool more;

	mutex_lock(&vpin_orphans_lock);
	list_for_each_entry_safe(lease, next, &vpin_orphans, orphan_node) {
		unsigned long n = vpin_lease_referenced(lease);

		WRITE_ONCE(lease->referenced, n);
		if (!n)
			list_move_tail(&lease->orphan_node, &done);
	}
	more = !list_empty(&vpin_orphans);
	mutex_unlock(&vpin_orphans_lock);

	list_for_each_entry_safe(lease, next, &done, orphan_node) {
		list_del(&lease->orphan_node);
		vpin_stats_add(&vpin_stats.orphans, -1);
		vpin_nl_lease_event(lease, VPIN_EVENT_ORPHAN_RELEASED);
		vpin_lease_end(lease);
		/* vpin_map_exit() waits for this work before the module goes. */
		module_put(THIS_MODULE);
	}
	if (more)
		queue_delayed_work(system_unbound_wq, &vpin_orphan_work,
				   msecs_to_jiffies(VPIN_ORPHAN_SCAN_MS));
}

static int vpin_mapfs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VPIN_MAPFS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type vpin_mapfs_type = {
	.name = "vpin_map",
	.init_fs_context = vpin_mapfs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int vpin_map_init(void)
{
	vpin_mapfs = kern_mount(&vpin_mapfs_type);
	return PTR_ERR_OR_ZERO(vpin_mapfs);
}

void vpin_map_exit(void)
{
	/* No orphan is left (each holds the module), but the scan may run. */
	cancel_delayed_work_sync(&vpin_orphan_work);
	kern_unmount(vpin_mapfs);
}
