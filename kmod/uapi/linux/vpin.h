/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * vpin: long-term page pins and layout leases for files, on stock kernels.
 *
 * This header is the ABI specification. The module and all of userspace are
 * built from it; it only uses userspace-safe types and compiles standalone in
 * C and C++.
 *
 * Sessions
 * --------
 * Every open of /dev/vpin creates a session. The module makes the device
 * root's (mode 0600); who else may open it is the administrator's choice
 * (the packages' udev rule: the group "vpin", 0660). A session owns pins
 * and leases; they are released when the last reference to the session's
 * file goes away (close, exit, after fork or SCM_RIGHTS passing: whoever
 * holds the last reference). Opening fails with EDQUOT when the opener's uid has as many
 * sessions as a policy allows (see Policies below). A session is bound to the
 * address space (mm) of the process that opened it: VPIN_IOC_PIN interprets
 * addresses in that address space and is refused in any other one (EPERM
 * while the owner lives, ESRCH once it has exited). Everything else may be
 * used by any holder of the descriptor.
 *
 * ioctl conventions
 * -----------------
 * Every ioctl takes a pointer to a structure whose size is encoded in the
 * request number. The module dispatches on the command number and answers:
 *   ENOTTY  unknown command or wrong ioctl type;
 *   EINVAL  known command with a structure size other than the one below,
 *           unknown flag bits, a non-zero reserved field, a bad enum value;
 *   EFAULT  the structure itself cannot be read or written.
 * Structures are only ever extended by turning reserved fields into new
 * fields whose zero value keeps the old behaviour. Output fields are written
 * only when the ioctl succeeds.
 *
 * VPIN_IOC_VERSION (struct vpin_version)
 *   Returns the ABI version (VPIN_ABI_VERSION) and the features the module
 *   implements (VPIN_FEATURE_*).
 *
 * VPIN_IOC_PIN (struct vpin_pin)
 *   Pins [addr, addr + length) of the session's address space for as long as
 *   the pin exists and returns its id (never 0). The range must be mapped
 *   completely, by anonymous memory or by a single file (several VMAs of the
 *   same file are fine). A file-backed pin holds a reference on the file: the
 *   data descriptor may be closed and the range unmapped; the file system
 *   cannot be unmounted (EBUSY) while the pin exists.
 *
 *   mapping                          read-only pin    VPIN_PIN_F_WRITE
 *   anonymous, shmem/memfd, hugetlb  yes              yes
 *   page cache file, MAP_SHARED      yes              EOPNOTSUPP
 *   page cache file, MAP_PRIVATE     yes              yes (the COW copies)
 *   FS-DAX file                      with a lease of this session on the
 *                                    file, else EPERM (both columns)
 *
 *   Writable shared page-cache mappings are refused because the file system
 *   tracks dirty pages through write faults; DMA through a long-term pin
 *   writes behind its back (Linux 6.5 refuses the same). FS-DAX pages have no
 *   page cache; what keeps them safe is the lease, which keeps the file's
 *   block map from changing while it is pinned. An FS-DAX range is faulted
 *   in first and pinned afterwards in one step with the check of the lease,
 *   so that no page is ever held by a pin its lease's revocation cannot see.
 *
 *   Pages are faulted in killably; no other caller waits for a pin that
 *   cannot complete (a page of a file whose FUSE server does not answer).
 *   Before Linux 6.3 the kernel faults long-term pins with the mmap lock
 *   held, and such a wait cannot be killed.
 *
 *   Errors: EINVAL addr or length not page aligned, length 0; EOVERFLOW
 *   addr + length wraps; EFAULT range outside the user address space or not
 *   completely mapped; EACCES PROT_NONE in the range, or VPIN_PIN_F_WRITE on
 *   a mapping without write permission; EXDEV the range maps more than one
 *   file, parts of one file whose offsets do not follow on, or mixes file
 *   and anonymous memory; EAGAIN the session's lease on the file is being
 *   broken or still being granted, or FS-DAX pages went again each time between
 *   faulting them in and pinning them (the range is remapped, truncated or
 *   write-protected by writeback meanwhile; see also the limits below),
 *   or the range came to map another file while it was being pinned;
 *   EOPNOTSUPP a private mapping of an FS-DAX file holds copy-on-write
 *   pages that cannot be pinned for the long term (ZONE_MOVABLE, CMA),
 *   which the kernel would migrate first; EBUSY an xfs FS-DAX page of the
 *   range that the kernel marks as shared among files is mapped by more
 *   than this file's entry (see the limits below); ENOMEM the
 *   pin would exceed RLIMIT_MEMLOCK or memory is short; EINTR a fatal
 *   signal. Pinned pages are charged to the calling user, summed over all
 *   of that user's pins in every session, against RLIMIT_MEMLOCK (as
 *   io_uring's registered buffers are; CAP_IPC_LOCK exempts); the charge
 *   stays with the pin wherever the session goes. They also show in VmPin
 *   (/proc/PID/status) of the session's address space.
 *   A policy (see Policies) may refuse the pin: EPERM not allowed, EDQUOT
 *   over the uid's max_pinned.
 *   A failed pin leaves nothing pinned or charged.
 *
 * VPIN_IOC_UNPIN (struct vpin_unpin)
 *   Releases the pin with the given id. ENOENT if the session has no such pin.
 *
 * VPIN_IOC_LEASE (struct vpin_lease)
 *   Takes a lease of the given type on the file behind fd and returns its id.
 *   Either type needs a regular file that can be mapped, on a file system
 *   whose files are data (not procfs, sysfs, debugfs, tracefs, configfs,
 *   cgroupfs, securityfs, bpffs, pstore, efivarfs, devpts, nsfs, fusectl;
 *   not overlayfs, whose mappings are the backing file's: EOPNOTSUPP), and
 *   the caller must own the file as seen through the mount the descriptor
 *   was opened on (idmapped mounts included) or have the capability below
 *   (EPERM). While a break of the file is pending, and while a change that
 *   broke leases of the file is still running, no lease of it is granted
 *   (EAGAIN).
 *
 *   VPIN_LEASE_EXCLUSIVE: fd must be open for writing; owner or
 *   CAP_LINUX_IMMUTABLE; the file must not be a swap file and must be fully
 *   allocated: no hole, no unwritten (preallocated) or delayed extent, no
 *   block shared with another file. One session at a time holds it (EBUSY
 *   for any other session, and for a second request of the same session).
 *   While it is held the file is PROTECTED, in memory only, for everyone
 *   including the holder: every size change (truncate, ftruncate, O_TRUNC,
 *   even growing), fallocate in every mode, every write (write, pwrite,
 *   O_DIRECT, io_uring), new shared writable mappings, reflink, dedupe,
 *   copy_file_range in or out, xfs exchange-range and EXT4_IOC_MOVE_EXT
 *   fail with ETXTBSY, XFS_IOC_SWAPEXT with EINVAL, unlink and rename with
 *   EPERM, swapon with EBUSY, at once and without waiting for pinned pages.
 *   Reads, read-only mappings, stat, fsync and shared mappings made before
 *   the lease (on DAX) keep working. Protection ends with the lease.
 *
 *   VPIN_LEASE_BREAKABLE: fd may be read-only; owner or CAP_LEASE, as for
 *   fcntl(F_SETLEASE). On an FS-DAX file no block may be shared with another
 *   file (ENODATA). Any number of sessions may hold one on the same file,
 *   one each (EBUSY for a second one of the same session);
 *   exclusive and breakable leases conflict (EBUSY). The session may pin the
 *   file's ranges, FS-DAX included, as under an exclusive lease. The file is
 *   not protected: instead, a change of its blocks by anyone else BREAKS the
 *   lease, before the file system waits for or drops the file's pages:
 *     - a size change (truncate, ftruncate, O_TRUNC): VPIN_BREAK_TRUNCATE;
 *     - fallocate in every mode, by a writer: VPIN_BREAK_FALLOCATE;
 *     - reflink or dedupe into the file, by whoever may change it:
 *       VPIN_BREAK_REMAP;
 *     - any other change that reaches the file's DAX pages at or beyond a
 *       pin (XFS_IOC_SWAPEXT, EXT4_IOC_SWAP_BOOT, ...): VPIN_BREAK_LAYOUT.
 *   Reading the file never breaks it: reflink or dedupe out of a file with
 *   breakable leases (which would share its blocks), xfs exchange-range and
 *   EXT4_IOC_MOVE_EXT fail with ETXTBSY at once; copy_file_range then
 *   copies the data, as into the file, where it is a write. Writes do not
 *   break leases. The changer waits, interruptibly
 *   until every breakable lease on the file is gone, and each
 *   holding session is told at once:
 *     - a struct vpin_event (VPIN_EVENT_LEASE_BREAK) becomes readable on the
 *       session descriptor (read(2), poll(2) POLLIN|POLLPRI);
 *     - the fcntl(F_SETOWN) owner of the session descriptor gets SIGIO, or
 *       the signal set with F_SETSIG, if O_ASYNC is set on it;
 *     - a VPIN_EVENT_LEASE_BREAK netlink event goes out.
 *   The event is queued on the session, so it reaches whoever holds the
 *   descriptor, after fork or SCM_RIGHTS passing too. New pins of a lease
 *   being broken fail with EAGAIN. The holder answers by releasing the lease
 *   (VPIN_IOC_UNLEASE: its pins on the file go with it), and the changer
 *   proceeds at once. If the lease is still held when the break time has
 *   passed (module parameter break_time_ms; 0, the default, means
 *   /proc/sys/fs/lease-break-time as the module reads it, at most a day),
 *   the waiting changer revokes it: the session's pins on the file are
 *   unpinned, the lease is dropped, VPIN_EVENT_LEASE_REVOKED is queued, and
 *   the process that opened the session gets SIGBUS if the session's
 *   creator could still signal it (the rule of F_SETOWN signals: not after
 *   it became another user through a set-user-ID program); then the change
 *   proceeds. No change waits longer than one break time, however the
 *   holders behave. A truncating changer waits without holding the inode
 *   lock, so other I/O of the file goes on meanwhile. A changer whose
 *   descriptor is O_NONBLOCK revokes leases whose break time is up, starts
 *   the break of the others and fails with EWOULDBLOCK instead of waiting.
 *   A signal interrupts a waiting changer (EINTR, or a restart with
 *   SA_RESTART). A change started by the process that holds the
 *   breakable lease (the session's opener) fails with EDEADLK instead of
 *   waiting for itself, except where the file system calls cannot fail (a
 *   VPIN_BREAK_LAYOUT break), which wait for the break time like any other.
 *   There, before the file system waits for the file's DAX pages, a signal
 *   ends the break (the file system's own wait then fails with EINTR);
 *   before it drops pages, the break waits killably and a fatal signal
 *   revokes the leases at once.
 *
 *   Errors: EBADF fd is not open, or not open for writing (exclusive);
 *   EINVAL not a regular file or bad type; EOPNOTSUPP a file system leases
 *   are refused on, a file that cannot be mapped, or no way to read the
 *   file's extents (exclusive; DAX files); EPERM not the owner and no
 *   capability; ENODATA (exclusive) the file is not fully allocated, or
 *   (both) it shares blocks with another file; ETXTBSY the file is an
 *   active swap file; EBUSY another lease conflicts; EAGAIN a break of the
 *   file is pending; EINTR a fatal signal; from a policy, EPERM the
 *   type is not allowed, EDQUOT over the uid's max_leases or max_exclusive.
 *
 * VPIN_IOC_UNLEASE (struct vpin_unlease)
 *   Releases the lease with the given id. ENOENT unknown id; EBUSY the
 *   session still has pins on the file under an exclusive lease (the pins on
 *   a file under a breakable lease are released with it).
 *
 * VPIN_IOC_MAP (struct vpin_map)
 *   Makes the pages of a pin available to devices. The kernel refuses
 *   long-term pins (FOLL_LONGTERM: RDMA memory registration, io_uring fixed
 *   buffers, VFIO) of FS-DAX mappings; it accepts them on a vpin MAPPING:
 *   a new descriptor (close-on-exec) whose mmap(MAP_SHARED) maps exactly
 *   the pinned pages [offset, offset + length) of the pin, the file's own
 *   blocks, writable if the pin is (VPIN_PIN_F_WRITE). Register that
 *   mapping, not the file's, with the device. The pin must be of FS-DAX
 *   pages of a file under the session's exclusive lease. mmap offsets are
 *   relative to the start of the mapping; mmap needs MAP_SHARED (EINVAL),
 *   a range inside it (EINVAL), and PROT_WRITE only on a writable one
 *   (EACCES). Forks, splits and mremap within the range work; the mapping
 *   cannot grow. The descriptor keeps no session open.
 *
 *   The mapping lasts as long as the pin: once the pin is released (unpin,
 *   revocation, the session's end) every access through the mapping gets
 *   SIGBUS and new mmaps of the descriptor fail with ENODEV. What a device
 *   pinned through it stays pinned until the device lets go; so that those
 *   blocks stay the file's, a lease that ends while any page mapped under
 *   it is still referenced by anyone else becomes ORPHANED instead of
 *   ending: the file stays protected and open (truncate ETXTBSY, unlink
 *   EPERM, umount EBUSY), its pins are gone, and it is listed with
 *   VPIN_LEASE_STATE_ORPHANED and the number of pages still referenced.
 *   Within a second of the last outside reference going (ibv_dereg_mr,
 *   IORING_UNREGISTER_BUFFERS, the ring's or the device's close) the orphan
 *   ends: VPIN_EVENT_ORPHAN_RELEASED, then protection off. The module cannot
 *   be unloaded while an orphan exists. VPIN_LEASE_A_REFERENCED counts the
 *   referenced pages of each mapping (a page of two mappings counts twice),
 *   as of the last full count: while a page found referenced stays so, the
 *   count is not redone.
 *
 *   Errors: EINVAL bad flags, reserved fields, offset or length not page
 *   aligned or beyond the pin; ENOENT no such pin; ENODEV the pin is not of
 *   FS-DAX pages of the file (anonymous memory, the page cache, copy-on-write
 *   copies of a private mapping); EPERM the session's lease on the file is
 *   not exclusive, or the caller is not in the session's address space (as
 *   for VPIN_IOC_PIN); ESRCH that address space is gone; ENOSPC the lease
 *   has made 1024 mappings (they count until it ends); EFAULT the argument
 *   cannot be read or written; EMFILE, ENFILE, ENOMEM.
 *
 *   Stores through a mapping are the file's data, but the file system does
 *   not see them as writes: fsync(2) of the file does not flush them from
 *   the CPU caches (as for DMA; flush them, or use eADR platforms),
 *   msync(2) of the mapping is EINVAL, mtime does not change, and a frozen
 *   file system does not stop them.
 *
 *   Linux 6.1: io_uring refuses fixed buffers in every file mapping that is
 *   not shmem or hugetlb (EOPNOTSUPP from IORING_REGISTER_BUFFERS itself), a
 *   vpin mapping included; RDMA registration works there too.
 *
 * Reading a session
 *   read(2) returns whole struct vpin_event records, as many as fit (EINVAL
 *   if the buffer cannot hold one); it blocks while there is none, unless
 *   O_NONBLOCK (EAGAIN). poll(2) reports POLLIN | POLLRDNORM | POLLPRI while
 *   one is queued. breaker_pid is the breaker's pid in the reader's pid
 *   namespace, 0 if it has none there.
 *
 * Generic netlink family "vpin" (VPIN_GENL_NAME, version VPIN_GENL_VERSION)
 * -----------------------------------------------------------------------
 * Resolving the family loads the module. Requests carry only the attributes
 * listed for them; unknown attributes, unknown flag bits, wrong types and
 * nests without NLA_F_NESTED are rejected (EINVAL with an extack message),
 * before any permission check. Objects are nested attributes
 * (VPIN_A_SESSION, VPIN_A_PIN, VPIN_A_LEASE, VPIN_A_EVENT) whose members are
 * only ever appended; readers must skip members they do not know.
 *
 * Visibility: a caller without CAP_SYS_ADMIN sees only the sessions (and
 * their pins and leases) whose owner uid is the uid that opened its netlink
 * socket; the totals of VPIN_CMD_GET_STATUS are visible to everyone.
 *
 * VPIN_CMD_GET_STATUS (do)
 *   Reply: VPIN_A_VERSION, VPIN_A_ABI_VERSION, VPIN_A_STATS (nested
 *   VPIN_STATS_A_*: sessions, pins, pinned bytes, leases, protected files).
 *
 * VPIN_CMD_GET_SESSIONS (dump)
 *   One message per session: VPIN_A_SESSION (VPIN_SESSION_A_*).
 *
 * VPIN_CMD_GET_PINS (dump), VPIN_CMD_GET_LEASES (dump)
 *   Request: optional VPIN_A_SESSION_ID to list one session's objects.
 *   Each message carries one or more objects of one session, as repeated
 *   VPIN_A_PIN (VPIN_PIN_A_*) or VPIN_A_LEASE (VPIN_LEASE_A_*) attributes,
 *   as many as fit; an orphaned lease comes alone. A lease being broken has
 *   VPIN_LEASE_STATE_BREAKING and VPIN_LEASE_A_BREAK_DEADLINE_MS.
 *
 * VPIN_FILE_A_PATH is the path as the process that caused the message sees
 * it; events of a session released by an exiting process have an empty
 * path (device and inode still name the file).
 *
 * Dumps are resumable across messages; a dump that raced with a change is
 * flagged NLM_F_DUMP_INTR on the message where that was noticed. The family
 * runs its operations in parallel (no genetlink mutex); a dump never waits
 * for a pin in progress.
 *
 * Multicast group "events" (VPIN_GENL_MCGRP_EVENTS)
 *   VPIN_CMD_EVENT messages carrying VPIN_A_EVENT (VPIN_EVENT_A_*), one per
 *   pin, unpin, lease granted/released/break started/revoked, protection
 *   on/off, policy changed, request denied by a rule. Lease events carry
 *   the lease's type; a break and a revocation also carry the reason, the
 *   process that caused it (its pid in the initial pid namespace and its
 *   command), a break the time left until revocation, and a revocation the
 *   signal for the session's opener (sent if the session's creator may
 *   still signal it). Listeners without
 *   CAP_SYS_ADMIN receive only events of their own uid where the kernel can
 *   filter multicast per listener (Linux 6.9+); on older kernels joining the
 *   group requires CAP_SYS_ADMIN.
 *
 * VPIN_CMD_SET_POLICY (do; CAP_SYS_ADMIN in the initial user namespace,
 *   else EPERM)
 *   Replaces the active rule set as a whole. Request: VPIN_A_POLICY
 *   (with VPIN_POLICY_A_DEFAULTS, or empty for defaults that allow
 *   everything), then VPIN_A_RULE once per rule, in order (top-level
 *   attributes, so that no nest outgrows netlink's 64 KiB attribute
 *   length); without VPIN_A_POLICY (and any rule) the rule set is removed. The new set is validated
 *   completely before it replaces the old one, which stays in force on any
 *   error: EINVAL with an extack message naming the rule index and the
 *   attribute for a malformed set (an unknown or repeated attribute, a
 *   string without its terminating NUL or too long, an unknown operation
 *   or on_revoke value, a break time of 0 or over a day, a rule without a
 *   name or with a name another rule has, more than VPIN_POLICY_MAX_RULES
 *   rules, VPIN_POLICY_MAX_IDS users or groups, VPIN_POLICY_MAX_PATHS
 *   paths, a path that is not absolute or longer than
 *   VPIN_POLICY_PATH_MAX - 1 bytes). The whole set travels in one message,
 *   so the socket's send buffer bounds its size. Reply: VPIN_A_POLICY with
 *   VPIN_POLICY_A_GENERATION, the new set's generation; a
 *   VPIN_EVENT_POLICY_CHANGED event goes out.
 *
 * VPIN_CMD_GET_POLICY (dump; everyone)
 *   First message: VPIN_A_POLICY with the generation (0: no set was ever
 *   loaded), VPIN_POLICY_A_LOADED when a set is in force, the number of
 *   rules and the defaults. Then one message per rule: VPIN_A_POLICY with
 *   the generation, and VPIN_A_RULE carrying VPIN_RULE_A_INDEX and the
 *   counters VPIN_RULE_A_HITS (requests the rule decided) and
 *   VPIN_RULE_A_DENIES; a rule whose paths do not fit in one message
 *   continues in the next with the same index (append its paths).
 *
 * VPIN_CMD_REVOKE_LEASE (do; CAP_SYS_ADMIN in the initial user namespace,
 *   else EPERM)
 *   An administrator's way out of a file held protected by a hung
 *   application. Request: VPIN_A_SESSION_ID and VPIN_A_LEASE_ID (both
 *   required: EINVAL). Revokes the lease, exclusive or breakable, as a break
 *   deadline revokes a breakable one: the session's pins on the file are
 *   unpinned, the lease is dropped, VPIN_EVENT_LEASE_REVOKED
 *   (VPIN_BREAK_ADMIN) is queued on the session and multicast, the
 *   session's opener gets the lease's revocation signal (SIGBUS unless a
 *   rule says otherwise), and the file's protection ends, unless pages
 *   mapped under the lease are still held by a device: then the lease is
 *   an orphan until they are let go (VPIN_IOC_MAP). ENOENT (with an extack
 *   message) no such session or lease.
 *
 * VPIN_CMD_GET_USAGE (dump)
 *   One message per uid with a session, a pin or a lease (orphans
 *   included), in uid order: VPIN_A_USAGE (VPIN_USAGE_A_*), with the quotas of the rule
 *   that decides a request of that uid without a file (as its newest
 *   session's opener); absent quotas are unlimited. A caller without
 *   CAP_SYS_ADMIN sees only its own uid.
 *
 * Policies
 * --------
 * With no rule set loaded (the module's state when it is loaded) every
 * request is decided as the checks above say. With a set, each request is
 * first judged by the rules, in order; the first rule that matches decides,
 * and if none matches, the defaults do. A request is judged with the
 * credentials of the session's opener, as a file's are at open: its uid
 * matches VPIN_RULE_A_USER, its gid, effective gid or supplementary groups
 * match VPIN_RULE_A_GROUP, and the file VPIN_RULE_A_PATH. A rule without
 * users, groups or paths matches any. A path names a directory (or a file),
 * resolved when the set is loaded, as the setter sees it (symlinks followed;
 * a path that does not resolve is EINVAL), and is kept by identity (device
 * and inode number; no reference keeps a file system busy). A file matches it
 * if that directory is the file itself or one of its parent directories on
 * the file's own file system: what the file system says, whatever mount, bind
 * mount, mount namespace, chroot or symlink the caller reached the file
 * through, and after renames as well. So /a/b covers /a/b/c and not /a/bc,
 * and a file system mounted below a named directory is covered by naming its
 * mount point or a directory in it. A set keeps naming what its paths named
 * when it was loaded: load it again after replacing a file system there. A
 * file more than VPIN_POLICY_MAX_DEPTH directories below the root of a file
 * system that a path names a directory of is not judged: its requests fail
 * with ELOOP (and emit VPIN_EVENT_POLICY_DENIED naming no rule).
 * Memory that is not a file's (anonymous, shmem, memfd, hugetlb) and a new
 * session match only rules without paths.
 *
 * A rule or the defaults say:
 *   VPIN_RULE_A_ALLOW    the operations allowed (VPIN_ALLOW_*; absent: all);
 *                        anything else fails with EPERM;
 *   VPIN_RULE_A_MAX_*    quotas per uid, summed over all of its sessions
 *                        (pinned bytes; sessions; leases, orphans included;
 *                        exclusive leases); a request over one fails with
 *                        EDQUOT (absent: unlimited). A uid's usage is one
 *                        total, whichever rules admitted it, held against
 *                        the quota of the rule deciding the request at
 *                        hand. RLIMIT_MEMLOCK applies as well;
 *   VPIN_RULE_A_BREAK_TIME_MS  the break time of breakable leases granted
 *                        under it (absent: the module parameter);
 *   VPIN_RULE_A_ON_REVOKE  what the opener of a session gets when such a
 *                        lease is revoked: SIGBUS (VPIN_REVOKE_SIGBUS, the
 *                        default), SIGKILL, or no signal (VPIN_REVOKE_NONE;
 *                        the pins go and the event is queued all the same).
 * Each refusal by a rule emits VPIN_EVENT_POLICY_DENIED, at most 20 a
 * second per uid: VPIN_EVENT_A_SUPPRESSED counts that uid's refusals left
 * out before it.
 * Replacing the set never revokes anything: usage counts against the new
 * quotas, so a lowered quota refuses new requests until usage falls below
 * it. A lease keeps the break time and on_revoke of the rule it was granted
 * under. On Linux before 6.2 extack messages cannot be formatted: the
 * message says what is wrong without the rule index, and
 * NLMSGERR_ATTR_OFFS points at the attribute.
 *
 * What vpin cannot promise
 * ------------------------
 *  - Protection and leases live in memory: after a crash or reboot the file
 *    is an ordinary file again.
 *  - mprotect(PROT_WRITE) of a shared mapping of a protected file made
 *    read-only before the lease is not refused (as for a swap file).
 *  - xfs pNFS block layouts (an nfsd export with "pnfs") let clients write a
 *    file's blocks directly, growing it without a size change vpin sees.
 *  - Changes vpin breaks inside the file system (VPIN_BREAK_LAYOUT, and size
 *    changes by nfsd, overlayfs, ecryptfs or cachefiles, which call
 *    notify_change() with the inode locked) wait for the break with the file
 *    system's locks held: other I/O of that file waits too, at most one
 *    break time.
 *  - Copy-on-write pages of private FS-DAX mappings in ZONE_MOVABLE or CMA
 *    are refused (EOPNOTSUPP), not migrated.
 *  - Before Linux 6.3, a long-term pin waiting for a page that stays locked
 *    (an unanswered FUSE read) cannot be killed.
 *  - An xfs FS-DAX page that the kernel marked as shared among files
 *    (reflink, and the copy a write makes of a reflinked block) keeps the
 *    mark after its block stops being shared; GUP takes it for an anonymous
 *    page that is not exclusive (read-only FOLL_PIN users loop until killed,
 *    and a CONFIG_DEBUG_VM kernel BUGs on a writable one). Under a lease
 *    vpin mends the mark of a page that only the file's own entry maps, and
 *    pins; a page mapped by more entries is EBUSY.
 *  - Linux 6.1 leaves a file's DAX entry on the old block after a write(2)
 *    that copied a reflinked block (6.12 drops it): a mapping made before
 *    such a write, and so a pin through it, still reaches the old block,
 *    which belongs to the other file alone.
 * docs/dax-paths.md lists every path that changes the blocks of an FS-DAX
 * file and vpin's answer to it.
 */
#ifndef _UAPI_LINUX_VPIN_H
#define _UAPI_LINUX_VPIN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VPIN_DEVICE_NAME "vpin"
#define VPIN_DEVICE_PATH "/dev/vpin"
#define VPIN_ABI_VERSION 1

enum vpin_feature {
	VPIN_FEATURE_PIN = 1U << 0,
	VPIN_FEATURE_LEASE_EXCLUSIVE = 1U << 1,
	VPIN_FEATURE_NETLINK = 1U << 2,
	VPIN_FEATURE_LEASE_BREAKABLE = 1U << 3,
	VPIN_FEATURE_MAP = 1U << 4,
	VPIN_FEATURE_POLICY = 1U << 5,
	VPIN_FEATURE_REVOKE = 1U << 6,	/* VPIN_CMD_REVOKE_LEASE */
	__VPIN_FEATURE_ALL = VPIN_FEATURE_PIN | VPIN_FEATURE_LEASE_EXCLUSIVE |
			     VPIN_FEATURE_NETLINK | VPIN_FEATURE_LEASE_BREAKABLE |
			     VPIN_FEATURE_MAP | VPIN_FEATURE_POLICY |
			     VPIN_FEATURE_REVOKE,
};

struct vpin_version {
	__u32 abi_version;	/* out: VPIN_ABI_VERSION */
	__u32 reserved0;	/* must be zero */
	__u64 features;		/* out: VPIN_FEATURE_* */
	__u64 reserved[2];	/* must be zero */
};

enum vpin_pin_flag {
	VPIN_PIN_F_WRITE = 1U << 0,	/* the pinned pages may be written */
	__VPIN_PIN_F_ALL = VPIN_PIN_F_WRITE,
};

struct vpin_pin {
	__u64 addr;		/* in: page aligned start */
	__u64 length;		/* in: bytes, a non-zero multiple of the page size */
	__u32 flags;		/* in: VPIN_PIN_F_* */
	__u32 reserved0;	/* must be zero */
	__u64 id;		/* out: pin id, never 0 */
	__u64 reserved[4];	/* must be zero */
};

struct vpin_unpin {
	__u64 id;		/* in */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 reserved[2];	/* must be zero */
};

enum vpin_lease_type {
	VPIN_LEASE_UNSPEC,
	VPIN_LEASE_EXCLUSIVE,
	VPIN_LEASE_BREAKABLE,
	__VPIN_LEASE_LAST,
};

#define VPIN_LEASE_MAX (__VPIN_LEASE_LAST - 1)

struct vpin_lease {
	__s32 fd;		/* in: the file to lease */
	__u32 type;		/* in: enum vpin_lease_type */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 id;		/* out: lease id, never 0 */
	__u64 reserved[4];	/* must be zero */
};

struct vpin_unlease {
	__u64 id;		/* in */
	__u32 flags;		/* in: none defined, must be zero */
	__u32 reserved0;	/* must be zero */
	__u64 reserved[2];	/* must be zero */
};

struct vpin_map {
	__u64 pin_id;		/* in: a pin of FS-DAX pages under an exclusive lease */
	__u64 offset;		/* in: bytes into the pin, page aligned */
	__u64 length;		/* in: bytes, page aligned; 0: to the end of the pin */
	__u32 flags;		/* in: none defined, must be zero */
	__s32 fd;		/* out: the mapping's descriptor */
	__u64 reserved[2];	/* must be zero */
};

/*
 * Policies (VPIN_CMD_SET_POLICY): what a rule may allow, as bits of
 * VPIN_RULE_A_ALLOW; enum vpin_policy_op names a request in events.
 */
enum vpin_policy_op {
	VPIN_OP_UNSPEC,
	VPIN_OP_SESSION,		/* open /dev/vpin (quota only) */
	VPIN_OP_PIN,			/* anonymous, shmem, memfd, hugetlb */
	VPIN_OP_PIN_FILE,		/* file-backed, FS-DAX included */
	VPIN_OP_EXCLUSIVE,		/* an exclusive lease */
	VPIN_OP_BREAKABLE,		/* a breakable lease */
	__VPIN_OP_LAST,
};

#define VPIN_ALLOW(op)		(1U << (op))
#define VPIN_ALLOW_PIN		VPIN_ALLOW(VPIN_OP_PIN)
#define VPIN_ALLOW_PIN_FILE	VPIN_ALLOW(VPIN_OP_PIN_FILE)
#define VPIN_ALLOW_EXCLUSIVE	VPIN_ALLOW(VPIN_OP_EXCLUSIVE)
#define VPIN_ALLOW_BREAKABLE	VPIN_ALLOW(VPIN_OP_BREAKABLE)
#define __VPIN_ALLOW_ALL	(VPIN_ALLOW_PIN | VPIN_ALLOW_PIN_FILE | \
				 VPIN_ALLOW_EXCLUSIVE | VPIN_ALLOW_BREAKABLE)

enum vpin_on_revoke {
	VPIN_REVOKE_SIGBUS,		/* the default */
	VPIN_REVOKE_SIGKILL,
	VPIN_REVOKE_NONE,		/* no signal; the event only */
	__VPIN_REVOKE_LAST,
};

#define VPIN_POLICY_MAX_RULES	1024
#define VPIN_POLICY_MAX_IDS	64	/* users, and groups, per rule */
#define VPIN_POLICY_MAX_PATHS	64
#define VPIN_POLICY_NAME_MAX	64	/* with the terminating NUL */
#define VPIN_POLICY_PATH_MAX	512	/* with the terminating NUL */
#define VPIN_POLICY_BREAK_MAX_MS (24U * 60 * 60 * 1000)
#define VPIN_POLICY_MAX_DEPTH	4096	/* directories above a judged file */

/* What started a lease break. */
enum vpin_break_reason {
	VPIN_BREAK_UNSPEC,
	VPIN_BREAK_TRUNCATE,		/* a size change */
	VPIN_BREAK_FALLOCATE,		/* punch, collapse, insert, zero */
	VPIN_BREAK_REMAP,		/* reflink, dedupe or copy_file_range */
	VPIN_BREAK_LAYOUT,		/* any other change of the file's blocks */
	VPIN_BREAK_ADMIN,		/* VPIN_CMD_REVOKE_LEASE (revocations only) */
	__VPIN_BREAK_LAST,
};

/* A record read(2) from a session; type is an enum vpin_event_type. */
struct vpin_event {
	__u32 type;		/* VPIN_EVENT_LEASE_BREAK or _LEASE_REVOKED */
	__u32 lease_id;
	__u32 reason;		/* enum vpin_break_reason */
	__u32 breaker_pid;	/* the changer, in the reader's pid namespace (0: none) */
	__u64 dev;		/* st_dev of the file, as major << 20 | minor */
	__u64 ino;
	__u64 deadline_ns;	/* CLOCK_MONOTONIC time of revocation */
	__u64 reserved[3];	/* zero */
};

#define VPIN_IOC_MAGIC 0xB7

#define VPIN_IOC_VERSION	_IOWR(VPIN_IOC_MAGIC, 0x00, struct vpin_version)
#define VPIN_IOC_PIN		_IOWR(VPIN_IOC_MAGIC, 0x01, struct vpin_pin)
#define VPIN_IOC_UNPIN		_IOWR(VPIN_IOC_MAGIC, 0x02, struct vpin_unpin)
#define VPIN_IOC_LEASE		_IOWR(VPIN_IOC_MAGIC, 0x03, struct vpin_lease)
#define VPIN_IOC_UNLEASE	_IOWR(VPIN_IOC_MAGIC, 0x04, struct vpin_unlease)
#define VPIN_IOC_MAP		_IOWR(VPIN_IOC_MAGIC, 0x05, struct vpin_map)

#define VPIN_GENL_NAME "vpin"
#define VPIN_GENL_VERSION 1
#define VPIN_GENL_MCGRP_EVENTS "events"

enum vpin_cmd {
	VPIN_CMD_UNSPEC,
	VPIN_CMD_GET_STATUS,
	VPIN_CMD_GET_SESSIONS,
	VPIN_CMD_GET_PINS,
	VPIN_CMD_GET_LEASES,
	VPIN_CMD_EVENT,
	VPIN_CMD_SET_POLICY,
	VPIN_CMD_GET_POLICY,
	VPIN_CMD_GET_USAGE,
	VPIN_CMD_REVOKE_LEASE,
	__VPIN_CMD_MAX,
};

#define VPIN_CMD_MAX (__VPIN_CMD_MAX - 1)

enum vpin_attr {
	VPIN_A_UNSPEC,
	VPIN_A_PAD,
	VPIN_A_VERSION,		/* string: module version */
	VPIN_A_ABI_VERSION,	/* u32: VPIN_ABI_VERSION */
	VPIN_A_STATS,		/* nest: VPIN_STATS_A_* */
	VPIN_A_SESSION_ID,	/* u64: dump filter */
	VPIN_A_SESSION,		/* nest: VPIN_SESSION_A_* */
	VPIN_A_PIN,		/* nest: VPIN_PIN_A_* */
	VPIN_A_LEASE,		/* nest: VPIN_LEASE_A_* */
	VPIN_A_EVENT,		/* nest: VPIN_EVENT_A_* */
	VPIN_A_POLICY,		/* nest: VPIN_POLICY_A_* */
	VPIN_A_USAGE,		/* nest: VPIN_USAGE_A_* */
	VPIN_A_RULE,		/* nest: VPIN_RULE_A_*, a policy's rule */
	VPIN_A_LEASE_ID,	/* u32: the lease to revoke */
	__VPIN_A_LAST,
};

#define VPIN_A_MAX (__VPIN_A_LAST - 1)

enum vpin_stats_attr {
	VPIN_STATS_A_UNSPEC,
	VPIN_STATS_A_PAD,
	VPIN_STATS_A_SESSIONS,		/* u64 */
	VPIN_STATS_A_PINS,		/* u64 */
	VPIN_STATS_A_PINNED_BYTES,	/* u64 */
	VPIN_STATS_A_LEASES,		/* u64 */
	VPIN_STATS_A_PROTECTED_FILES,	/* u64 */
	VPIN_STATS_A_ORPHANS,		/* u64: orphaned leases */
	VPIN_STATS_A_MAPS,		/* u64: mapping descriptors alive */
	__VPIN_STATS_A_LAST,
};

#define VPIN_STATS_A_MAX (__VPIN_STATS_A_LAST - 1)

enum vpin_session_attr {
	VPIN_SESSION_A_UNSPEC,
	VPIN_SESSION_A_PAD,
	VPIN_SESSION_A_ID,		/* u64 */
	VPIN_SESSION_A_PID,		/* u32: thread group of the opener */
	VPIN_SESSION_A_UID,		/* u32: opener's uid */
	VPIN_SESSION_A_COMM,		/* string */
	VPIN_SESSION_A_PINS,		/* u64 */
	VPIN_SESSION_A_PINNED_BYTES,	/* u64 */
	VPIN_SESSION_A_LEASES,		/* u64 */
	__VPIN_SESSION_A_LAST,
};

#define VPIN_SESSION_A_MAX (__VPIN_SESSION_A_LAST - 1)

/* Where a pin or a lease is: shared by VPIN_PIN_A_FILE and VPIN_LEASE_A_FILE. */
enum vpin_file_attr {
	VPIN_FILE_A_UNSPEC,
	VPIN_FILE_A_PAD,
	VPIN_FILE_A_DEV,		/* u32: st_dev as major << 20 | minor */
	VPIN_FILE_A_INO,		/* u64 */
	VPIN_FILE_A_PATH,		/* string: d_path() (see below) */
	__VPIN_FILE_A_LAST,
};

#define VPIN_FILE_A_MAX (__VPIN_FILE_A_LAST - 1)

enum vpin_pin_attr {
	VPIN_PIN_A_UNSPEC,
	VPIN_PIN_A_PAD,
	VPIN_PIN_A_SESSION_ID,		/* u64 */
	VPIN_PIN_A_ID,			/* u32 */
	VPIN_PIN_A_FLAGS,		/* u32: VPIN_PIN_F_* */
	VPIN_PIN_A_ADDR,		/* u64: start in the owner's address space */
	VPIN_PIN_A_LENGTH,		/* u64: bytes */
	VPIN_PIN_A_OFFSET,		/* u64: file offset of the start */
	VPIN_PIN_A_PAGES,		/* u64 */
	VPIN_PIN_A_AGE_MS,		/* u64: milliseconds since it was taken */
	VPIN_PIN_A_DAX,			/* flag: FS-DAX memory */
	VPIN_PIN_A_FILE,		/* nest: VPIN_FILE_A_*, absent for anonymous memory */
	__VPIN_PIN_A_LAST,
};

#define VPIN_PIN_A_MAX (__VPIN_PIN_A_LAST - 1)

enum vpin_lease_state {
	VPIN_LEASE_STATE_UNSPEC,
	VPIN_LEASE_STATE_GRANTED,	/* held */
	VPIN_LEASE_STATE_BREAKING,	/* a break is pending */
	VPIN_LEASE_STATE_ORPHANED,	/* ended, pages still referenced by others */
	__VPIN_LEASE_STATE_LAST,
};

enum vpin_lease_attr {
	VPIN_LEASE_A_UNSPEC,
	VPIN_LEASE_A_PAD,
	VPIN_LEASE_A_SESSION_ID,	/* u64 */
	VPIN_LEASE_A_ID,		/* u32 */
	VPIN_LEASE_A_TYPE,		/* u32: enum vpin_lease_type */
	VPIN_LEASE_A_STATE,		/* u32: enum vpin_lease_state */
	VPIN_LEASE_A_PINS,		/* u64: the session's pins on the file */
	VPIN_LEASE_A_AGE_MS,		/* u64 */
	VPIN_LEASE_A_BREAK_DEADLINE_MS,	/* u64: ms left until revocation, while breaking */
	VPIN_LEASE_A_FILE,		/* nest: VPIN_FILE_A_* */
	VPIN_LEASE_A_MAPS,		/* u64: mappings made under it (VPIN_IOC_MAP) */
	VPIN_LEASE_A_REFERENCED,	/* u64: orphaned: pages others still hold */
	__VPIN_LEASE_A_LAST,
};

#define VPIN_LEASE_A_MAX (__VPIN_LEASE_A_LAST - 1)

enum vpin_event_type {
	VPIN_EVENT_UNSPEC,
	VPIN_EVENT_PIN,
	VPIN_EVENT_UNPIN,
	VPIN_EVENT_LEASE_GRANTED,
	VPIN_EVENT_LEASE_RELEASED,
	VPIN_EVENT_LEASE_BREAK,		/* a break started */
	VPIN_EVENT_LEASE_REVOKED,
	VPIN_EVENT_PROTECT_ON,
	VPIN_EVENT_PROTECT_OFF,
	VPIN_EVENT_LEASE_ORPHANED,	/* ended with pages still referenced */
	VPIN_EVENT_ORPHAN_RELEASED,	/* the last outside reference went */
	VPIN_EVENT_MAP,			/* a mapping descriptor was made */
	VPIN_EVENT_POLICY_CHANGED,	/* a new rule set (or none) */
	VPIN_EVENT_POLICY_DENIED,	/* a rule refused a request */
	__VPIN_EVENT_LAST,
};

#define VPIN_EVENT_MAX (__VPIN_EVENT_LAST - 1)

enum vpin_event_attr {
	VPIN_EVENT_A_UNSPEC,
	VPIN_EVENT_A_PAD,
	VPIN_EVENT_A_TYPE,		/* u32: enum vpin_event_type */
	VPIN_EVENT_A_SESSION_ID,	/* u64 */
	VPIN_EVENT_A_PID,		/* u32: the session owner's pid */
	VPIN_EVENT_A_UID,		/* u32: the session owner's uid */
	VPIN_EVENT_A_OBJECT_ID,		/* u32: pin or lease id */
	VPIN_EVENT_A_PAGES,		/* u64: pin and unpin */
	VPIN_EVENT_A_FILE,		/* nest: VPIN_FILE_A_* */
	VPIN_EVENT_A_COMM,		/* string: policy denied: the caller */
	VPIN_EVENT_A_OPERATION,		/* u32: policy denied: enum vpin_policy_op */
	VPIN_EVENT_A_RULE,		/* string: policy denied: rule name, "" for the defaults */
	VPIN_EVENT_A_ERRNO,		/* u32: policy denied: EPERM or EDQUOT */
	VPIN_EVENT_A_SUPPRESSED,	/* u64: policy denied: denials not sent before it */
	VPIN_EVENT_A_GENERATION,	/* u64: policy changed: the new generation */
	VPIN_EVENT_A_RULES,		/* u32: policy changed: its number of rules */
	VPIN_EVENT_A_LEASE_TYPE,	/* u32: lease events: enum vpin_lease_type */
	VPIN_EVENT_A_REASON,		/* u32: break, revoked: enum vpin_break_reason */
	VPIN_EVENT_A_BREAKER_PID,	/* u32: break, revoked: who caused it (0: none) */
	VPIN_EVENT_A_BREAKER_COMM,	/* string: break, revoked: its command */
	VPIN_EVENT_A_BREAK_MS,		/* u64: break: ms until revocation */
	VPIN_EVENT_A_SIGNAL,		/* u32: revoked: the opener's signal (0: none) */
	__VPIN_EVENT_A_LAST,
};

#define VPIN_EVENT_A_MAX (__VPIN_EVENT_A_LAST - 1)

enum vpin_policy_attr {
	VPIN_POLICY_A_UNSPEC,
	VPIN_POLICY_A_PAD,
	VPIN_POLICY_A_GENERATION,	/* u64: out */
	VPIN_POLICY_A_LOADED,		/* flag: out, a rule set is in force */
	VPIN_POLICY_A_RULES,		/* u32: out, number of rules */
	VPIN_POLICY_A_DEFAULTS,		/* nest: VPIN_RULE_A_* (no name, no match keys) */
	__VPIN_POLICY_A_LAST,
};

#define VPIN_POLICY_A_MAX (__VPIN_POLICY_A_LAST - 1)

enum vpin_rule_attr {
	VPIN_RULE_A_UNSPEC,
	VPIN_RULE_A_PAD,
	VPIN_RULE_A_INDEX,		/* u32: out, position from 0 */
	VPIN_RULE_A_NAME,		/* string: unique, required for rules */
	VPIN_RULE_A_USER,		/* u32: a uid to match; repeated */
	VPIN_RULE_A_GROUP,		/* u32: a gid to match; repeated */
	VPIN_RULE_A_PATH,		/* string: an absolute path prefix; repeated */
	VPIN_RULE_A_ALLOW,		/* u32: VPIN_ALLOW_* */
	VPIN_RULE_A_MAX_PINNED,		/* u64: bytes */
	VPIN_RULE_A_MAX_SESSIONS,	/* u32 */
	VPIN_RULE_A_MAX_LEASES,		/* u32 */
	VPIN_RULE_A_MAX_EXCLUSIVE,	/* u32 */
	VPIN_RULE_A_BREAK_TIME_MS,	/* u32: 1 .. VPIN_POLICY_BREAK_MAX_MS */
	VPIN_RULE_A_ON_REVOKE,		/* u32: enum vpin_on_revoke */
	VPIN_RULE_A_HITS,		/* u64: out, requests it decided */
	VPIN_RULE_A_DENIES,		/* u64: out, requests it refused */
	__VPIN_RULE_A_LAST,
};

#define VPIN_RULE_A_MAX (__VPIN_RULE_A_LAST - 1)

enum vpin_usage_attr {
	VPIN_USAGE_A_UNSPEC,
	VPIN_USAGE_A_PAD,
	VPIN_USAGE_A_UID,		/* u32 */
	VPIN_USAGE_A_SESSIONS,		/* u64 */
	VPIN_USAGE_A_PINNED_BYTES,	/* u64 */
	VPIN_USAGE_A_LEASES,		/* u64 */
	VPIN_USAGE_A_EXCLUSIVE,		/* u64 */
	VPIN_USAGE_A_RULE,		/* string: whose quotas apply; "": defaults */
	VPIN_USAGE_A_MAX_PINNED,	/* u64: absent when unlimited */
	VPIN_USAGE_A_MAX_SESSIONS,	/* u32 */
	VPIN_USAGE_A_MAX_LEASES,	/* u32 */
	VPIN_USAGE_A_MAX_EXCLUSIVE,	/* u32 */
	__VPIN_USAGE_A_LAST,
};

#define VPIN_USAGE_A_MAX (__VPIN_USAGE_A_LAST - 1)

#endif /* _UAPI_LINUX_VPIN_H */
