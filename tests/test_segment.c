/* test_segment - the segment core of contract version 2, in one process.
 *
 * Proves:
 *   - seg_validate accepts every header an owner may write (the 64-byte
 *     header, a larger multiple of 64, any pitch from width * 4 to 65536
 *     in steps of 4) and refuses, naming the field, every header a reader
 *     must not trust: each rule is checked on both sides of its boundary
 *     (size, magic, version 1 and 3, header_size, width, height, pitch,
 *     format, unknown flag bits, pixel_bytes, 32- and 64-bit overflow);
 *   - seg_create + seg_seal make a segment with all four seals whose
 *     header passes the reader's checks, and a reader of its fd
 *     (seg_open, seg_read) gets every pixel back, with its own pitch or
 *     a tight one;
 *   - seg_open enforces the reader's byte limit exactly (width * height
 *     * 4 at the limit accepted, one byte less refused) before mapping;
 *   - seg_open refuses an fd that is not on shmem (a pipe), that is not a
 *     memfd (/dev/null), that is unsealed or sealed with
 *     F_SEAL_FUTURE_WRITE instead of F_SEAL_WRITE, and closes the fd it
 *     was given in every case;
 *   - seg_seal fails, and releases the segment, while another writable
 *     mapping of it exists: an owner cannot publish what it can still
 *     change;
 *   - a segment more than one page larger than its header says (a 16 x 8
 *     header in 256 MiB, every page made) is refused by seg_validate and
 *     seg_open, the fd closed and Shmem back where it was;
 *   - seg_check_size: one rule, one message, no wrap for any claim;
 *   - seg_alloc / seg_fill_open / seg_seal_filled: the size sealed before
 *     the filler sees the fd, the filler's header replaced, sealing
 *     refused while the filler still maps it writable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "shm/segment.h"
#include "shm/segment_inspect.h"

#define FOUR_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* The validator only compares fields with the size it is told: no room
 * for the largest image described below is needed. */
static uint8_t mem[4096];

static struct seg_header *hdr(void)
{
	return (struct seg_header *)mem;
}

/* A valid 16 x 8 header with pitch 64 (exactly width * 4). */
static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	memcpy(hdr()->magic, "SHMI", 4);
	hdr()->version = 2;
	hdr()->header_size = 64;
	hdr()->width = 16;
	hdr()->height = 8;
	hdr()->pitch = 64;
	memcpy(hdr()->format, "RGBA", 4);
	hdr()->flags = 0;
	hdr()->owner_pid = 1234;
	hdr()->pixel_bytes = 64 * 8;
}

static uint64_t needed(void)
{
	return (uint64_t)hdr()->header_size + hdr()->pixel_bytes;
}

/* Validates mem as a segment of `size` bytes; on refusal checks that the
 * reason names `field`. Returns 1 if accepted. */
static int accepts(uint64_t size, const char *field)
{
	struct seg_info info;
	struct err err = { .msg = "" };
	int rc = seg_validate(mem, size, &info, &err);

	if (rc < 0 && field)
		CHECK_MSG(strstr(err.msg, field) != NULL,
			  "reason \"%s\" does not name %s", err.msg, field);
	return rc == 0;
}

static void test_valid(void)
{
	struct seg_info info;
	struct err err;

	reset();
	CHECK(sizeof(struct seg_header) == 64);
	CHECK(seg_validate(mem, needed(), &info, &err) == 0);
	CHECK(info.width == 16 && info.height == 8 && info.pitch == 64);
	CHECK(info.header_size == 64 && info.pixel_bytes == 512);
	CHECK(info.total_size == 64 + 512 && info.claimed_pid == 1234);
}

static void test_size(void)
{
	reset();
	CHECK(!accepts(63, "smaller than"));
	CHECK(!accepts(0, "smaller than"));
	/* The image needs header + pixels: one byte short is refused. */
	CHECK(!accepts(needed() - 1, "segment's"));
	CHECK(accepts(needed(), NULL));
	CHECK(accepts(needed() + 1, NULL));
	/* Up to one page of slack (an owner may round up to pages), and
	 * not a byte more: that memory no reader can see. */
	CHECK(accepts(needed() + (uint64_t)getpagesize(), NULL));
	CHECK(!accepts(needed() + (uint64_t)getpagesize() + 1, "beyond"));
	CHECK(!accepts(2ull << 30, "beyond"));
}

static void test_magic_version_format_flags(void)
{
	reset();
	hdr()->magic[3] = 'X';
	CHECK(!accepts(needed(), "magic"));
	reset();
	hdr()->version = 1;
	CHECK(!accepts(needed(), "version is 1"));
	hdr()->version = 3;
	CHECK(!accepts(needed(), "version is 3"));
	hdr()->version = 0;
	CHECK(!accepts(needed(), "version"));
	reset();
	memcpy(hdr()->format, "BGRA", 4);
	CHECK(!accepts(needed(), "format"));
	/* Every flag bit is unknown to version 2: each one is refused. */
	for (int bit = 0; bit < 32; bit++) {
		reset();
		hdr()->flags = 1u << bit;
		CHECK_MSG(!accepts(needed(), "flags"), "flag bit %d accepted",
			  bit);
	}
	/* owner_pid and the reserved bytes are not judged. */
	reset();
	hdr()->owner_pid = -1;
	memset(hdr()->reserved, 0xff, sizeof(hdr()->reserved));
	CHECK(accepts(needed(), NULL));
}

static void test_header_size(void)
{
	static const uint16_t refused[] = { 0, 32, 63, 65, 96, 127, 129, 193 };

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		reset();
		hdr()->header_size = refused[i];
		CHECK_MSG(!accepts(4096, "header_size"), "header_size %u "
			  "accepted", (unsigned)refused[i]);
	}
	reset();
	hdr()->header_size = 128;
	CHECK(accepts(128 + 512, NULL));
	hdr()->header_size = 512;
	CHECK(accepts(512 + 512, NULL));
	CHECK(!accepts(512 + 511, "segment's"));
	hdr()->header_size = 65472;	/* largest multiple of 64 in a u16 */
	CHECK(!accepts(4096, "segment's"));
	CHECK(accepts(65472 + 512, NULL));
}

static void test_dimensions(void)
{
	/* width: 0 and 16385 refused, 1 and 16384 accepted. */
	reset();
	hdr()->width = 0;
	CHECK(!accepts(needed(), "width"));
	hdr()->width = 1;
	CHECK(accepts(needed(), NULL));
	hdr()->width = 16385;
	hdr()->pitch = 65540;
	hdr()->pixel_bytes = (uint64_t)hdr()->pitch * hdr()->height;
	CHECK(!accepts(needed(), "width"));
	hdr()->width = 16384;
	hdr()->pitch = 16384 * 4;
	hdr()->pixel_bytes = (uint64_t)hdr()->pitch * hdr()->height;
	CHECK(accepts(needed(), NULL));

	reset();
	hdr()->height = 0;
	hdr()->pixel_bytes = 0;
	CHECK(!accepts(4096, "height"));
	hdr()->height = 1;
	hdr()->pixel_bytes = 64;
	CHECK(accepts(needed(), NULL));
	hdr()->height = 16385;
	hdr()->pixel_bytes = 64ull * 16385;
	CHECK(!accepts(needed(), "height"));
	hdr()->height = 16384;
	hdr()->pixel_bytes = 64ull * 16384;
	CHECK(accepts(needed(), NULL));

	/* 20000 x 100: what an owner must refuse to publish. */
	reset();
	hdr()->width = 20000;
	hdr()->height = 100;
	hdr()->pitch = 80000;
	hdr()->pixel_bytes = 8000000;
	CHECK(!accepts(needed(), "width"));
}

static void test_pitch(void)
{
	reset();
	hdr()->pitch = 60;		/* < width * 4 */
	hdr()->pixel_bytes = 60 * 8;
	CHECK(!accepts(4096, "pitch"));
	hdr()->pitch = 66;		/* >= width * 4 but not a multiple of 4 */
	hdr()->pixel_bytes = 66 * 8;
	CHECK(!accepts(4096, "pitch"));
	hdr()->pitch = 68;		/* larger than width * 4: fine */
	hdr()->pixel_bytes = 68 * 8;
	CHECK(accepts(needed(), NULL));
	hdr()->pitch = 65536;		/* the widest row accepted */
	hdr()->pixel_bytes = 65536ull * 8;
	CHECK(accepts(needed(), NULL));
	hdr()->pitch = 65540;		/* one step wider */
	hdr()->pixel_bytes = 65540ull * 8;
	CHECK(!accepts(needed(), "pitch"));
	/* width * 4 wraps to 4 in 32 bits; the pitch must still cover the
	 * true row. */
	reset();
	hdr()->width = 0x40000001u;
	CHECK(!accepts(needed(), "width"));
}

static void test_pixel_bytes(void)
{
	reset();
	hdr()->pixel_bytes = 511;
	CHECK(!accepts(4096, "pixel_bytes"));
	hdr()->pixel_bytes = 513;
	CHECK(!accepts(4096, "pixel_bytes"));
	/* pitch x height wraps in 32 bits but not in 64: the comparison must
	 * be done in 64 bits. */
	hdr()->width = 16384;
	hdr()->height = 16384;
	hdr()->pitch = 65536;
	hdr()->pixel_bytes = (uint32_t)(65536u * 16384u);	/* 0 */
	CHECK(!accepts(4096, "pixel_bytes"));
	/* header_size + pixel_bytes overflowing 64 bits never passes. */
	reset();
	hdr()->pixel_bytes = UINT64_MAX - 63;
	CHECK(!accepts(UINT64_MAX, "pixel_bytes"));
}

/* Writes the test pattern into a segment made by seg_create(). */
static void fill(struct seg *seg)
{
	for (uint32_t y = 0; y < seg->info.height; y++)
		for (uint32_t x = 0; x < seg->info.width * 4; x++)
			seg_rows(seg)[y * seg->info.pitch + x] =
				(uint8_t)(x + y * 7);
}

static int fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

/* The owner's own segment, sealed, passes the reader's checks, and a
 * reader of its fd sees the same pixels. */
static void test_round_trip(void)
{
	struct seg own, peer;
	struct err err;
	uint8_t out[37 * 4 * 5];
	int fd, seals;

	CHECK(seg_pitch_for(37) == 192 && seg_pitch_for(16) == 64 &&
	      seg_pitch_for(1) == 64 && seg_pitch_for(16384) == 65536);
	CHECK(seg_create(&own, "test-segment", 37, 5, &err) == 0);
	CHECK(own.info.pitch == 192 && own.info.header_size == 64);
	CHECK(!own.sealed);
	fill(&own);
	CHECK_MSG(seg_seal(&own, &err) == 0, "seg_seal: %s", err.msg);
	CHECK(own.sealed);
	/* All four (and F_SEAL_EXEC, where MFD_NOEXEC_SEAL added it). */
	seals = fcntl(own.fd, F_GET_SEALS);
	CHECK_MSG(seals >= 0 && (seals & FOUR_SEALS) == FOUR_SEALS,
		  "seals 0x%x", seals);
	CHECK(seg_validate(own.map, own.map_size, &own.info, &err) == 0);

	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK_MSG(seg_open(&peer, fd, 1u << 20, &err) == 0, "seg_open: %s",
		  err.msg);
	CHECK(peer.info.width == 37 && peer.info.height == 5 &&
	      peer.info.pitch == 192 && peer.sealed);
	/* A tight copy (pitch 148, unlike the segment's 192)... */
	CHECK(seg_read(&peer, out, 37 * 4, &err) == 0);
	for (uint32_t y = 0; y < 5; y++)
		for (uint32_t x = 0; x < 37 * 4; x++)
			CHECK(out[y * 37 * 4 + x] == (uint8_t)(x + y * 7));
	/* ...and the mapping, read-only. */
	for (uint32_t y = 0; y < 5; y++)
		CHECK(!memcmp(seg_pixels(&peer) + y * 192, out + y * 37 * 4,
			      37 * 4));
	seg_finish(&peer);
	CHECK(fd_closed(fd));
	seg_finish(&own);
	CHECK(own.fd == -1 && own.map == MAP_FAILED);
	seg_finish(&own);	/* twice is fine */
	CHECK(own.fd == -1 && own.map == MAP_FAILED);
}

/* The reader's byte limit: width * height * 4 exactly is accepted, one
 * byte less is refused, naming the limit, and the fd is closed. */
static void test_max_bytes(void)
{
	struct seg own, peer;
	struct err err;
	int fd;

	CHECK(seg_create(&own, "test-limit", 37, 5, &err) == 0);
	fill(&own);
	CHECK(seg_seal(&own, &err) == 0);
	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK(seg_open(&peer, fd, 37 * 5 * 4 - 1, &err) < 0);
	CHECK_MSG(strstr(err.msg, "limit"), "%s", err.msg);
	CHECK(fd_closed(fd) && peer.fd == -1 && peer.map == MAP_FAILED);
	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK(seg_open(&peer, fd, 37 * 5 * 4, &err) == 0);
	seg_finish(&peer);
	seg_finish(&own);
}

/* The machine's shared memory in KiB (Shmem in /proc/meminfo). */
static long shmem_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Shmem: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* A hostile owner's segment: a 16 x 8 header in a 256 MiB memfd whose
 * pages are all made, sealed as the contract says. seg_open refuses it
 * before mapping, closes the fd, and the memory goes with it. */
static void test_oversized(void)
{
	const size_t big = 256u << 20;
	struct seg seg;
	struct err err;
	long before = shmem_kib(), held, after;
	int fd = memfd_create("test-big", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	reset();
	CHECK(fd >= 0 && ftruncate(fd, (off_t)big) == 0 &&
	      fallocate(fd, 0, 0, (off_t)big) == 0 &&
	      pwrite(fd, mem, 64, 0) == 64 &&
	      fcntl(fd, F_ADD_SEALS, FOUR_SEALS) == 0);
	held = shmem_kib();
	CHECK(seg_open(&seg, fd, 1u << 20, &err) < 0);
	CHECK_MSG(strstr(err.msg, "beyond"), "%s", err.msg);
	CHECK(fd_closed(fd) && seg.fd == -1 && seg.map == MAP_FAILED);
	after = shmem_kib();
	printf("oversized: Shmem %ld kB before, %ld held, %ld after\n",
	       before, held, after);
	/* Other processes share the machine: a margin of 64 MiB. */
	CHECK_MSG(held - before > 192 * 1024 && after - before < 64 * 1024,
		  "Shmem %ld -> %ld -> %ld kB: the memory was not freed",
		  before, held, after);
}

/* The one size rule and its one message, for any claimed size. */
static void test_check_size(void)
{
	struct err err;

	CHECK(seg_check_size(16384, 16384, UINT64_MAX, &err) == 0);
	CHECK(seg_check_size(1, 1, 4, &err) == 0);
	CHECK(seg_check_size(1, 2, 4, &err) < 0);
	CHECK_MSG(strstr(err.msg, "1 x 2 pixels") &&
		  strstr(err.msg, "limit"), "%s", err.msg);
	CHECK(seg_check_size(16385, 1, UINT64_MAX, &err) < 0);
	CHECK(seg_check_size(0, 5, UINT64_MAX, &err) < 0);
	CHECK_MSG(strstr(err.msg, "0 x 5 pixels"), "%s", err.msg);
	CHECK(seg_check_size(UINT32_MAX, UINT32_MAX, UINT64_MAX, &err) < 0);
	CHECK(seg_check_size(UINT64_MAX, UINT64_MAX, UINT64_MAX, &err) < 0);
	/* A limit above the contract's largest image is that image. */
	CHECK(seg_check_size(16384, 16384, SEG_MAX_IMAGE_BYTES - 1, &err) < 0);
	CHECK(seg_create(&(struct seg){ .fd = -1 }, "t", 16385, 1, &err) < 0);
	CHECK_MSG(strstr(err.msg, "16385 x 1 pixels"), "%s", err.msg);
}

/* A segment filled by another process: the size is the allocator's,
 * sealed before the filler sees it; the header is the allocator's,
 * whatever the filler wrote. */
static void test_filled(void)
{
	struct seg own, fill_side;
	struct err err;
	int fd;

	CHECK(seg_alloc(&own, "test-fill", 16, 8, 16 * 7 * 4, &err) < 0);
	CHECK_MSG(strstr(err.msg, "limit"), "%s", err.msg);
	CHECK_MSG(seg_alloc(&own, "test-fill", 16, 8, 1u << 20, &err) == 0,
		  "%s", err.msg);
	CHECK(ftruncate(own.fd, 1 << 30) < 0 && errno == EPERM);
	CHECK(ftruncate(own.fd, 64) < 0 && errno == EPERM);
	seg_prefault(&own);
	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK(seg_fill_open(&fill_side, fd, 16, 9, &err) < 0);
	CHECK(fd_closed(fd));
	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK_MSG(seg_fill_open(&fill_side, fd, 16, 8, &err) == 0, "%s",
		  err.msg);
	memset(fill_side.map, 0xff, 64);	/* a lying header */
	fill(&fill_side);
	/* Still mapped writable: sealing must fail. */
	{
		struct seg copy = own;

		copy.fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
		CHECK(seg_seal_filled(&copy, 1u << 20, &err) < 0);
		CHECK_MSG(strstr(err.msg, "mapped writable"), "%s", err.msg);
		CHECK(copy.fd == -1);
	}
	seg_finish(&fill_side);
	CHECK_MSG(seg_seal_filled(&own, 1u << 20, &err) == 0, "%s", err.msg);
	CHECK(own.sealed && own.info.width == 16 && own.info.height == 8);
	for (uint32_t y = 0; y < 8; y++)
		for (uint32_t x = 0; x < 64; x++)
			CHECK(seg_pixels(&own)[y * own.info.pitch + x] ==
			      (uint8_t)(x + y * 7));
	seg_finish(&own);
}

/* Makes a memfd holding a valid 16 x 8 segment, sealed with seals. */
static int memfd_with(unsigned seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	reset();
	if (fd < 0 || pwrite(fd, mem, (size_t)needed(), 0) !=
		      (ssize_t)needed() ||
	    (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)) {
		CHECK_MSG(0, "cannot make a memfd: %s", strerror(errno));
		return -1;
	}
	return fd;
}

/* A segment that is not sealed, or an fd that is not a memfd on shmem,
 * is refused before anything is mapped, and the fd is closed. */
static void test_refused_fds(void)
{
	static const struct {
		unsigned seals;
		const char *word;
	} c[] = {
		{ 0, "not sealed against writing" },
		{ F_SEAL_SHRINK | F_SEAL_GROW, "not sealed against writing" },
		{ F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL,
		  "not sealed against writing" },
		{ F_SEAL_WRITE | F_SEAL_GROW, "not sealed against resizing" },
		{ F_SEAL_WRITE | F_SEAL_SHRINK, "not sealed against resizing" },
		/* F_SEAL_SEAL is the owner's business. */
		{ F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, NULL },
	};
	struct seg seg;
	struct err err;
	int fd, p[2];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fd = memfd_with(c[i].seals);
		if (fd < 0)
			continue;
		if (c[i].word) {
			CHECK_MSG(seg_open(&seg, fd, 1u << 20, &err) < 0 &&
				  strstr(err.msg, c[i].word), "seals 0x%x: %s",
				  c[i].seals, err.msg);
			CHECK(fd_closed(fd) && seg.fd == -1);
		} else {
			CHECK_MSG(seg_open(&seg, fd, 1u << 20, &err) == 0,
				  "seals 0x%x: %s", c[i].seals, err.msg);
			seg_finish(&seg);
		}
	}

	/* /dev is devtmpfs, shmem too: refused for its missing seals. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(seg_open(&seg, fd, 1u << 20, &err) < 0);
	CHECK_MSG(strstr(err.msg, "not a memfd") ||
		  strstr(err.msg, "not on shared memory"), "%s", err.msg);
	CHECK(fd_closed(fd));

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(seg_open(&seg, p[0], 1u << 20, &err) < 0);
	CHECK_MSG(strstr(err.msg, "not on shared memory"), "%s", err.msg);
	CHECK(fd_closed(p[0]));
	close(p[1]);
}

/* While anyone holds a writable mapping, the segment cannot be sealed
 * against writing: seg_seal says so and releases the segment. */
static void test_seal_refused(void)
{
	struct seg own;
	struct err err;
	size_t size = 64 + 64 * 4;	/* the header, four rows of 64 */
	void *extra;

	CHECK(seg_create(&own, "test-busy", 4, 4, &err) == 0);
	CHECK(own.map_size == size);
	extra = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     own.fd, 0);
	CHECK(extra != MAP_FAILED);
	CHECK(seg_seal(&own, &err) < 0);
	CHECK_MSG(strstr(err.msg, "seal"), "%s", err.msg);
	CHECK(own.fd == -1 && own.map == MAP_FAILED && !own.sealed);
	if (extra != MAP_FAILED)
		munmap(extra, size);
}

int main(void)
{
	test_valid();
	test_size();
	test_magic_version_format_flags();
	test_header_size();
	test_dimensions();
	test_pitch();
	test_pixel_bytes();
	test_round_trip();
	test_max_bytes();
	test_refused_fds();
	test_seal_refused();
	test_oversized();
	test_check_size();
	test_filled();
	return check_done();
}
