/* fuzz_segment - libFuzzer target for header validation and fd intake.
 *
 * What a reader does with a segment that came from another process, fed
 * with arbitrary bytes: seg_validate() on the raw bytes, then the bytes
 * as a memfd (sealed or not, as the first byte says) through seg_open()
 * and, when it opens, seg_lock() and seg_read(). Proves, as long as it
 * runs clean under ASan + UBSan: no out-of-bounds access, no overflow, no
 * abort, no hang past the lock bound, and no fd left open whatever the
 * bytes say (seg_open owns the fd it is given, even on failure).
 *
 * Input: byte 0 = how the fd is made (FLAG_* below), the rest = the
 * segment file. The lock sits in those bytes too (offset 64), so the
 * fuzzer also plays an owner who hands over a forged pthread mutex.
 *
 * FUZZ_SEGMENT_WRITE_SEEDS=DIR writes the seed corpus (valid segments of
 * a few sizes and lock kinds) into DIR and exits; the committed corpus in
 * tests/fuzz/corpus was made so. tests/fuzz/run.sh runs it for 60 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm/segment.h"

#define FLAG_NO_SHRINK_SEAL 0x01	/* leave F_SEAL_SHRINK off */
#define FLAG_NO_GROW_SEAL 0x02		/* leave F_SEAL_GROW off */
#define FLAG_WRITE_SEAL 0x04		/* add F_SEAL_WRITE */
#define FLAG_PIPE 0x08			/* hand over a pipe, not a memfd */
#define FLAG_TIGHT_ROWS 0x10		/* copy out to rows of width * 4 */

/* The reader's lock bound is 2 s; a forged lock that is "held" would
 * make every such input cost that much. A first try with a short bound
 * tells whether seg_read's own lock can succeed. */
#define PROBE_LOCK_MS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fd_must_be_closed(int fd)
{
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
		fprintf(stderr, "fuzz_segment: fd %d left open\n", fd);
		abort();
	}
}

/* A memfd (or a pipe) holding bytes, made as flags say; -1 on failure. */
static int make_fd(uint8_t flags, const uint8_t *bytes, size_t n)
{
	unsigned seals = F_SEAL_SEAL;
	int fd;

	if (flags & FLAG_PIPE) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[1]);
		return p[0];
	}
	fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (n && pwrite(fd, bytes, n, 0) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	if (!(flags & FLAG_NO_SHRINK_SEAL))
		seals |= F_SEAL_SHRINK;
	if (!(flags & FLAG_NO_GROW_SEAL))
		seals |= F_SEAL_GROW;
	if (flags & FLAG_WRITE_SEAL)
		seals |= F_SEAL_WRITE;
	if (fcntl(fd, F_ADD_SEALS, seals) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seg_info info;
	struct err err;
	struct seg seg;
	uint8_t flags;
	int fd;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;

	/* The validator alone, on the bytes as they are. */
	(void)seg_validate(data, size, &info, &err);

	fd = make_fd(flags, data, size);
	if (fd < 0)
		return 0;
	if (seg_open(&seg, fd, &err) < 0) {
		fd_must_be_closed(fd);
		return 0;
	}
	if (seg_lock(&seg, PROBE_LOCK_MS, &err) == 0) {
		size_t row = (size_t)seg.info.width * 4u;
		size_t pitch = flags & FLAG_TIGHT_ROWS ? row : seg.info.pitch;
		uint8_t *out;

		seg_unlock(&seg);
		/* The validated header promises pitch * height bytes. */
		out = malloc(pitch * seg.info.height);
		if (out) {
			(void)seg_read(&seg, out, pitch, &err);
			free(out);
		}
	}
	seg_finish(&seg);
	fd_must_be_closed(fd);
	return 0;
}

/* ---- the seed corpus ------------------------------------------------- */

static void write_seed(const char *dir, const char *name, uint8_t flags,
		       uint32_t width, uint32_t height, uint32_t pitch,
		       uint16_t header_size, uint32_t state, int protocol,
		       int type)
{
	size_t size = header_size + (size_t)pitch * height;
	uint8_t *buf = calloc(1, size);
	struct seg_header *h = (struct seg_header *)buf;
	pthread_mutexattr_t attr;
	char path[4096];
	FILE *f;

	if (!buf)
		exit(1);
	memcpy(h->magic, "SHMI", 4);
	h->version = SEG_VERSION;
	h->header_size = header_size;
	h->width = width;
	h->height = height;
	h->pitch = pitch;
	memcpy(h->format, "RGBA", 4);
	h->state = state;
	h->owner_pid = 4242;
	h->pixel_bytes = (uint64_t)pitch * height;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&attr, protocol);
	pthread_mutexattr_settype(&attr, type);
	pthread_mutex_init(&h->lock.mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	for (size_t i = header_size; i < size; i++)
		buf[i] = (uint8_t)(i * 7u);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(flags, f) == EOF ||
	    fwrite(buf, 1, size, f) != size || fclose(f)) {
		perror(path);
		exit(1);
	}
	free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_SEGMENT_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	write_seed(dir, "seed-1x1", 0, 1, 1, 64, 256, 1, PTHREAD_PRIO_NONE,
		   PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-16x8", 0, 16, 8, 64, 256, 1, PTHREAD_PRIO_NONE,
		   PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-3x2-tight", FLAG_TIGHT_ROWS, 3, 2, 12, 256, 1,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-5x3-padded", FLAG_TIGHT_ROWS, 5, 3, 32, 320, 1,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-2x2-writing", 0, 2, 2, 64, 256, 0,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-unsealed", FLAG_NO_SHRINK_SEAL | FLAG_NO_GROW_SEAL,
		   4, 4, 64, 256, 1, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	write_seed(dir, "seed-pipe", FLAG_PIPE, 1, 1, 64, 256, 1,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	/* The lock is the owner's bytes too: every kind glibc knows. */
	write_seed(dir, "seed-lock-recursive", 0, 2, 2, 64, 256, 1,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_RECURSIVE);
	write_seed(dir, "seed-lock-errorcheck", 0, 2, 2, 64, 256, 1,
		   PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ERRORCHECK);
	write_seed(dir, "seed-lock-inherit", 0, 2, 2, 64, 256, 1,
		   PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_NORMAL);
	exit(0);
}
