/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims that let the core code, written against Linux 6.12, build on older
 * kernels. Force-included into every object; which shims apply is decided by
 * compat/probe from the target kernel's headers.
 */
#ifndef VPIN_COMPAT_H
#define VPIN_COMPAT_H

/* Every message of the module names it; defined before any header. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#ifdef COMPAT_PIN_USER_PAGES_HAS_VMAS
#include <linux/mm.h>
static inline long vpin_compat_pin_user_pages(unsigned long start,
					      unsigned long nr_pages,
					      unsigned int gup_flags,
					      struct page **pages)
{
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
}

#define pin_user_pages(start, nr, flags, pages) \
	vpin_compat_pin_user_pages(start, nr, flags, pages)
#endif

#ifdef COMPAT_PIN_USER_PAGES_REMOTE_HAS_VMAS
/*
 * These kernels also refuse (WARN) FOLL_LONGTERM together with a lock that
 * GUP may drop: their long-term pins fault with the mmap lock held
 * throughout, and a fault that waits for a page lock is not killable.
 */
#include <linux/mm.h>
static inline long vpin_compat_pin_user_pages_remote(struct mm_struct *mm,
						     unsigned long start,
						     unsigned long nr_pages,
						     unsigned int gup_flags,
						     struct page **pages,
						     int *locked)
{
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL,
				     gup_flags & FOLL_LONGTERM ? NULL : locked);
}

#define pin_user_pages_remote(mm, start, nr, flags, pages, locked) \
	vpin_compat_pin_user_pages_remote(mm, start, nr, flags, pages, locked)
#endif

#ifdef COMPAT_GET_USER_PAGES_REMOTE_HAS_VMAS
#include <linux/mm.h>
static inline long vpin_compat_get_user_pages_remote(struct mm_struct *mm,
						     unsigned long start,
						     unsigned long nr_pages,
						     unsigned int gup_flags,
						     struct page **pages,
						     int *locked)
{
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, locked);
}

#define get_user_pages_remote(mm, start, nr, flags, pages, locked) \
	vpin_compat_get_user_pages_remote(mm, start, nr, flags, pages, locked)
#endif

#ifdef COMPAT_CANNOT_USE_GENL_INFO_DUMP
/* Before 6.6 the parsed dump request sat in struct genl_dumpit_info. */
#define genl_info_dump(cb) genl_dumpit_info(cb)
#endif

#ifdef COMPAT_CANNOT_USE_MNT_IDMAP
/* The first argument of notify_change() and friends before 6.3. */
#define mnt_idmap user_namespace
#define file_mnt_idmap(file) file_mnt_user_ns(file)
#endif

#ifdef COMPAT_CANNOT_USE_INODE_LOCK_KILLABLE
#include <linux/fs.h>
static inline int inode_lock_killable(struct inode *inode)
{
	return down_write_killable(&inode->i_rwsem);
}
#endif

#ifdef COMPAT_CANNOT_FILTER_MULTICAST
/*
 * Before 6.9 a multicast cannot be filtered per listener: the events group
 * is then restricted to CAP_SYS_ADMIN (see netlink.c), and the filter,
 * which only ever admits more than administrators, is not needed.
 */
#include <net/genetlink.h>
typedef int (*netlink_filter_fn)(struct sock *dsk, struct sk_buff *skb,
				 void *data);
static inline int
vpin_compat_multicast_filtered(const struct genl_family *family,
			       struct net *net, struct sk_buff *skb,
			       u32 portid, unsigned int group, gfp_t flags,
			       netlink_filter_fn filter, void *filter_data)
{
	return genlmsg_multicast_netns(family, net, skb, portid, group, flags);
}

#define genlmsg_multicast_netns_filtered vpin_compat_multicast_filtered
#ifndef GENL_MCAST_CAP_SYS_ADMIN
#error "this kernel can neither filter nor restrict multicast listeners"
#endif
#endif

#ifdef COMPAT_CANNOT_USE_VM_FLAGS_SET
#include <linux/mm.h>
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

#ifdef COMPAT_CANNOT_FORMAT_EXTACK
/*
 * Before 6.2 an extack message is a string that must outlive the request:
 * policy.c's messages ("%s: %s", where, what) keep only what, a string
 * constant; NLMSGERR_ATTR_OFFS still points at the attribute, so at the rule.
 */
#include <linux/netlink.h>
static inline void vpin_compat_extack(struct netlink_ext_ack *extack,
				      const char *fmt, const char *where,
				      const char *what)
{
	if (extack)
		extack->_msg = what;
}

#define NL_SET_ERR_MSG_FMT vpin_compat_extack
#endif

/* The second argument of ->huge_fault(), and its value for a PMD. */
#ifdef COMPAT_HUGE_FAULT_HAS_PE_SIZE
#define vpin_fault_order_t enum page_entry_size
#define VPIN_FAULT_ORDER_PMD PE_SIZE_PMD
#else
#define vpin_fault_order_t unsigned int
#define VPIN_FAULT_ORDER_PMD PMD_ORDER
#endif

/*
 * The mark of an FS-DAX page whose block several files share, and how many
 * DAX entries map a marked page.
 */
#ifdef COMPAT_PAGE_MAPPING_DAX_COW
#include <linux/page-flags.h>
#define PAGE_MAPPING_DAX_SHARED ((void *)PAGE_MAPPING_DAX_COW)
#define vpin_dax_sharers(page) ((page)->index)
#else
#define vpin_dax_sharers(page) ((page)->share)
#endif

#endif /* VPIN_COMPAT_H */
