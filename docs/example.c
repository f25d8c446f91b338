// SPDX-License-Identifier: MIT
/*
 * A complete use of libvpin, on a file of a DAX file system:
 *
 *   cc example.c $(pkg-config --cflags --libs vpin) -o vpin-example
 *   ./vpin-example DIR
 *
 * DIR is a directory on ext4 or xfs mounted with -o dax, writable by the
 * caller, who needs read-write access to /dev/vpin. The program
 *
 *  1. opens a session and checks the module's ABI and features;
 *  2. prepares DIR/vpin-example: writes every byte of it, so that every block
 *     is allocated, as an exclusive lease requires (pinctl prepare does the
 *     same), and maps it shared;
 *  3. takes an exclusive lease: the file is protected, a truncate fails with
 *     ETXTBSY at once;
 *  4. pins a range of the mapping and maps the pin again (vpin_map_pin()): that
 *     mapping is the one a device may pin (ibv_reg_mr(), io_uring fixed
 *     buffers), which the kernel refuses for the file's own; writes through
 *     it, reads the file back, and releases everything;
 *  5. takes a breakable lease and pins the range again; a child process
 *     truncates the file, which breaks the lease: the program reads the
 *     break event, releases the lease (its pins go with it), and the
 *     truncate completes.
 *
 * It prints each step and exits 0 only if each did what vpin promises.
 */
#define _GNU_SOURCE

#include <vpin.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILE_PAGES 64
/* The pinned range: pages [PIN_FIRST, PIN_FIRST + PIN_PAGES) of the file. */
#define PIN_FIRST 16
#define PIN_PAGES 32
/* How long to wait for the break event; the break time is 45 s by default. */
#define BREAK_WAIT_MS 30000

static const char *prog = "vpin-example";

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Prints what failed and why, and exits 1. */
static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	exit(1);
}

static void check(int ret, const char *what)
{
	if (ret < 0)
		die(what, -ret);
}

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case VPIN_BREAK_TRUNCATE: return "a size change";
	case VPIN_BREAK_FALLOCATE: return "fallocate";
	case VPIN_BREAK_REMAP: return "a reflink or dedupe";
	case VPIN_BREAK_LAYOUT: return "a change of its blocks";
	case VPIN_BREAK_ADMIN: return "an administrator";
	}
	return "an unknown reason";
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes every byte of a new file of length bytes at path. */
static int prepare(const char *path, size_t length)
{
	char *data = malloc(length);
	int fd;

	if (!data)
		die("malloc", ENOMEM);
	for (size_t i = 0; i < length; i++)
		data[i] = (char)('a' + i % 26);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die(path, errno);
	if (pwrite(fd, data, length, 0) != (ssize_t)length)
		die("pwrite", errno ? errno : EIO);
	if (fsync(fd) < 0)
		die("fsync", errno);
	free(data);
	return fd;
}

static void check_dax(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		die("statx", errno);
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX) ||
	    !(stx.stx_attributes & STATX_ATTR_DAX)) {
		fprintf(stderr, "%s: %s is not a DAX file: mount its file system with -o dax\n",
			prog, path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t length = FILE_PAGES * page, pinned = PIN_PAGES * page;
	const uint64_t need = VPIN_FEATURE_PIN | VPIN_FEATURE_LEASE_EXCLUSIVE |
			      VPIN_FEATURE_LEASE_BREAKABLE | VPIN_FEATURE_MAP;
	struct vpin_event events[4];
	char path[4096], *file, *alias, *want;
	uint64_t features, lease, pin;
	size_t count, found = 0;
	int session, fd, map_fd, status;
	uint32_t abi;
	pid_t child;
	struct stat st;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR (a directory of a DAX file system)\n", argv[0]);
		return 2;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/vpin-example", argv[1]) >= sizeof(path))
		die(argv[1], ENAMETOOLONG);

	/* 1. A session. */
	check(vpin_open(NULL, 0, &session), "vpin_open " VPIN_DEVICE_PATH);
	check(vpin_get_version(session, &abi, &features), "vpin_version");
	say("session open: ABI %" PRIu32 ", features 0x%" PRIx64, abi, features);
	if ((features & need) != need)
		die("the module lacks pins, leases or mappings", EOPNOTSUPP);

	/* 2. A file whose blocks are all allocated, mapped shared. */
	fd = prepare(path, length);
	check_dax(path);
	/* Before the lease: a protected file gets no new shared writable mapping. */
	file = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (file == MAP_FAILED)
		die("mmap", errno);
	say("prepared %s: %zu bytes, DAX", path, length);

	/* 3. An exclusive lease protects it. */
	check(vpin_lease_file(session, fd, VPIN_LEASE_EXCLUSIVE, 0, &lease), "vpin_lease exclusive");
	if (ftruncate(fd, 0) == 0) {
		fprintf(stderr, "%s: the leased file was truncated\n", prog);
		return 1;
	}
	if (errno != ETXTBSY)
		die("ftruncate of the leased file, expected ETXTBSY", errno);
	say("exclusive lease %" PRIu64 ": ftruncate is refused with ETXTBSY", lease);

	/* 4. A pin, and its mapping for devices. */
	check(vpin_pin_range(session, file + PIN_FIRST * page, pinned, VPIN_PIN_F_WRITE, &pin),
	      "vpin_pin");
	check(vpin_map_pin(session, pin, 0, 0, 0, &map_fd), "vpin_map");
	alias = mmap(NULL, pinned, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (alias == MAP_FAILED)
		die("mmap of the vpin mapping", errno);
	say("pin %" PRIu64 " of pages %d-%d, mapped again at %p: register that with the device",
	    pin, PIN_FIRST, PIN_FIRST + PIN_PAGES - 1, (void *)alias);
	want = malloc(pinned);
	if (!want)
		die("malloc", ENOMEM);
	for (size_t i = 0; i < pinned; i++)
		want[i] = (char)('A' + i % 26);
	/* What a device would write by DMA: the file's own blocks. */
	memcpy(alias, want, pinned);
	{
		char *got = malloc(pinned);

		if (!got)
			die("malloc", ENOMEM);
		if (pread(fd, got, pinned, (off_t)(PIN_FIRST * page)) != (ssize_t)pinned)
			die("pread", errno ? errno : EIO);
		if (memcmp(got, want, pinned) || memcmp(file + PIN_FIRST * page, want, pinned)) {
			fprintf(stderr, "%s: the file does not hold what was written through the mapping\n",
				prog);
			return 1;
		}
		free(got);
	}
	say("%zu bytes written through the mapping are in the file", pinned);
	if (munmap(alias, pinned) < 0)
		die("munmap", errno);
	close(map_fd);
	check(vpin_release_pin(session, pin), "vpin_unpin");
	check(vpin_release_lease(session, lease), "vpin_unlease");
	say("unpinned, lease released: the file is no longer protected");

	/* 5. A breakable lease, broken by another process's truncate. */
	check(vpin_lease_file(session, fd, VPIN_LEASE_BREAKABLE, 0, &lease), "vpin_lease breakable");
	check(vpin_pin_range(session, file + PIN_FIRST * page, pinned, 0, &pin), "vpin_pin");
	say("breakable lease %" PRIu64 ", pin %" PRIu64 "; a child truncates the file", lease, pin);
	child = fork();
	if (child < 0)
		die("fork", errno);
	if (child == 0) {
		/* The session is the parent's. */
		close(session);
		if (truncate(path, (off_t)(length / 2)) < 0) {
			fprintf(stderr, "%s: child: truncate: %s\n", prog, strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	check(vpin_wait_events(session, BREAK_WAIT_MS), "waiting for the break event");
	check(vpin_read_events(session, events, 4, &count), "vpin_read_events");
	for (size_t i = 0; i < count; i++) {
		const struct vpin_event *ev = &events[i];

		if (ev->type != VPIN_EVENT_LEASE_BREAK || ev->lease_id != lease)
			continue;
		say("lease %" PRIu32 " is being broken by pid %" PRIu32 " (%s); %.1f s left to release it",
		    ev->lease_id, ev->breaker_pid, reason_name(ev->reason),
		    (double)((int64_t)ev->deadline_ns - now_ns()) / 1e9);
		if (ev->reason != VPIN_BREAK_TRUNCATE || (pid_t)ev->breaker_pid != child) {
			fprintf(stderr, "%s: expected a truncate by pid %d\n", prog, (int)child);
			return 1;
		}
		found++;
	}
	if (found != 1) {
		fprintf(stderr, "%s: %zu events, no break of lease %" PRIu64 "\n", prog, count, lease);
		return 1;
	}
	/* Stop using the pages, then let go. */
	check(vpin_release_lease(session, lease), "vpin_unlease");
	if (vpin_release_pin(session, pin) != -ENOENT) {
		fprintf(stderr, "%s: the pin outlived its breakable lease\n", prog);
		return 1;
	}
	say("lease released, and its pin with it");
	if (waitpid(child, &status, 0) != child)
		die("waitpid", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: the child's truncate failed\n", prog);
		return 1;
	}
	if (fstat(fd, &st) < 0)
		die("fstat", errno);
	if ((size_t)st.st_size != length / 2) {
		fprintf(stderr, "%s: the file has %jd bytes after the truncate\n", prog,
			(intmax_t)st.st_size);
		return 1;
	}
	check(vpin_read_events(session, events, 4, &count), "vpin_read_events");
	if (count) {
		fprintf(stderr, "%s: %zu more events, expected none\n", prog, count);
		return 1;
	}
	say("the child's truncate completed: %jd bytes", (intmax_t)st.st_size);

	munmap(file, length);
	close(fd);
	unlink(path);
	free(want);
	check(vpin_close(session), "vpin_close");
	say("done");
	return 0;
}
