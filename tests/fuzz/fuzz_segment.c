/* fuzz_segment - libFuzzer target for header validation and fd intake
 * (contract version 2).
 *
 * What a reader does with a segment that came from another process, fed
 * with arbitrary bytes: seg_validate() on the raw bytes, then the bytes
 * as a memfd (sealed or not, as the first byte says) through seg_open()
 * and, when it opens, seg_read() into rows of the segment's pitch or of
 * width * 4, and a read of every byte of the read-only mapping. Proves,
 * as long as it runs clean under ASan + UBSan: no out-of-bounds access,
 * no overflow, no abort, no SIGBUS, and no fd left open whatever the
 * bytes say (seg_open owns the fd it is given, even on failure).
 *
 * Input: byte 0 = how the fd is made and read (FLAG_* below), the rest =
 * the segment file.
 *
 * FUZZ_SEGMENT_WRITE_SEEDS=DIR writes the seed corpus (valid segments of
 * a few shapes, and near misses: unsealed, a pipe, version 1, a flag
 * bit, over the reader's limit) into DIR and exits; the committed corpus
 * in tests/fuzz/corpus/segment was made so:
 *   FUZZ_SEGMENT_WRITE_SEEDS=tests/fuzz/corpus/segment build-fuzz/tests/fuzz_segment
 * tests/fuzz/run.sh runs it for 60 s.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm/segment.h"
#include "shm/segment_inspect.h"

#define FLAG_NO_SHRINK_SEAL 0x01	/* leave F_SEAL_SHRINK off */
#define FLAG_NO_GROW_SEAL 0x02		/* leave F_SEAL_GROW off */
#define FLAG_NO_WRITE_SEAL 0x04		/* leave F_SEAL_WRITE off */
#define FLAG_PIPE 0x08			/* hand over a pipe, not a memfd */
#define FLAG_TIGHT_ROWS 0x10		/* copy out to rows of width * 4 */
#define FLAG_SMALL_LIMIT 0x20		/* the reader's limit: 4 KiB */

/* The reader's byte limit otherwise: more than any input can hold. */
#define FUZZ_MAX_BYTES (64u << 20)

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
	/* pwrite, not a mapping: F_SEAL_WRITE needs no writable one. */
	if (n && pwrite(fd, bytes, n, 0) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	if (!(flags & FLAG_NO_SHRINK_SEAL))
		seals |= F_SEAL_SHRINK;
	if (!(flags & FLAG_NO_GROW_SEAL))
		seals |= F_SEAL_GROW;
	if (!(flags & FLAG_NO_WRITE_SEAL))
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
	if (seg_open(&seg, fd, flags & FLAG_SMALL_LIMIT ? 4096 : FUZZ_MAX_BYTES,
		     &err) < 0) {
		fd_must_be_closed(fd);
		return 0;
	}
	{
		size_t row = (size_t)seg.info.width * 4u;
		size_t pitch = flags & FLAG_TIGHT_ROWS ? row : seg.info.pitch;
		const volatile uint8_t *map = seg.map;
		uint8_t *out, sum = 0;

		/* The validated header promises pitch * height bytes. */
		out = malloc(pitch * seg.info.height);
		if (out) {
			(void)seg_read(&seg, out, pitch, &err);
			free(out);
		}
		/* Every byte of the validated size can be read through the
		 * mapping: sealed and sized, it cannot raise SIGBUS. */
		for (size_t i = 0; i < seg.map_size; i += 512)
			sum ^= map[i];
		(void)sum;
	}
	seg_finish(&seg);
	fd_must_be_closed(fd);
	return 0;
}

/* ---- the seed corpus ------------------------------------------------- */

static void write_seed(const char *dir, const char *name, uint8_t flags,
		       uint16_t version, uint32_t width, uint32_t height,
		       uint32_t pitch, uint16_t header_size, uint32_t hflags)
{
	size_t size = header_size + (size_t)pitch * height;
	uint8_t *buf = calloc(1, size);
	struct seg_header h;
	char path[4096];
	FILE *f;

	if (!buf)
		exit(1);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, "SHMI", 4);
	h.version = version;
	h.header_size = header_size;
	h.width = width;
	h.height = height;
	h.pitch = pitch;
	memcpy(h.format, "RGBA", 4);
	h.flags = hflags;
	h.owner_pid = 4242;
	h.pixel_bytes = (uint64_t)pitch * height;
	memcpy(buf, &h, sizeof(h));
	for (size_t i = sizeof(h); i < size; i++)
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
	write_seed(dir, "seed-1x1", 0, 2, 1, 1, 64, 64, 0);
	write_seed(dir, "seed-16x8", 0, 2, 16, 8, 64, 64, 0);
	write_seed(dir, "seed-3x2-tight", FLAG_TIGHT_ROWS, 2, 3, 2, 12, 64, 0);
	write_seed(dir, "seed-5x3-padded", FLAG_TIGHT_ROWS, 2, 5, 3, 32, 128,
		   0);
	write_seed(dir, "seed-1x1-pitch-65536", FLAG_TIGHT_ROWS, 2, 1, 1,
		   65536, 64, 0);
	write_seed(dir, "seed-unsealed", FLAG_NO_SHRINK_SEAL |
		   FLAG_NO_GROW_SEAL | FLAG_NO_WRITE_SEAL, 2, 4, 4, 64, 64, 0);
	write_seed(dir, "seed-no-write-seal", FLAG_NO_WRITE_SEAL, 2, 4, 4, 64,
		   64, 0);
	write_seed(dir, "seed-pipe", FLAG_PIPE, 2, 1, 1, 64, 64, 0);
	write_seed(dir, "seed-version-1", 0, 1, 2, 2, 64, 256, 0);
	write_seed(dir, "seed-flags", 0, 2, 2, 2, 64, 64, 1);
	write_seed(dir, "seed-over-limit", FLAG_SMALL_LIMIT, 2, 64, 32, 256,
		   64, 0);
	exit(0);
}
