/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vpin

#if !defined(VPIN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VPIN_TRACE_H

#include <linux/fs.h>
#include <linux/tracepoint.h>

#include "pin.h"
#include "session.h"

DECLARE_EVENT_CLASS(vpin_pin_class,
	TP_PROTO(const struct vpin_session *s, const struct vpin_kpin *pin),
	TP_ARGS(s, pin),
	TP_STRUCT__entry(
		__field(u64, session)
		__field(u32, id)
		__field(u32, flags)
		__field(unsigned long, addr)
		__field(unsigned long, npages)
		__field(dev_t, dev)
		__field(unsigned long, ino)
		__field(loff_t, offset)
	),
	TP_fast_assign(
		const struct inode *inode = pin->file ? file_inode(pin->file) : NULL;

		__entry->session = s->id;
		__entry->id = pin->id;
		__entry->flags = pin->flags;
		__entry->addr = pin->addr;
		__entry->npages = pin->npages;
		__entry->dev = inode ? inode->i_sb->s_dev : 0;
		__entry->ino = inode ? inode->i_ino : 0;
		__entry->offset = pin->offset;
	),
	TP_printk("session=%llu id=%u flags=%s addr=0x%lx pages=%lu dev=%u:%u ino=%lu offset=%lld",
		  __entry->session, __entry->id,
		  __entry->flags & VPIN_PIN_F_WRITE ? "rw" : "r",
		  __entry->addr, __entry->npages, MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->ino, __entry->offset)
);

DEFINE_EVENT(vpin_pin_class, vpin_pin,
	TP_PROTO(const struct vpin_session *s, const struct vpin_kpin *pin),
	TP_ARGS(s, pin)
);

DEFINE_EVENT(vpin_pin_class, vpin_unpin,
	TP_PROTO(const struct vpin_session *s, const struct vpin_kpin *pin),
	TP_ARGS(s, pin)
);

#endif /* VPIN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vpin_trace
#include <trace/define_trace.h>
