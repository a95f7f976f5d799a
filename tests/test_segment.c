/* test_segment - header validation, one case per rule, each boundary
 * checked on both sides, plus the create -> open round trip in one process.
 *
 * Proves: seg_validate accepts every header the owner writes and refuses,
 * with the field named, every header a reader must not trust.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "shm/segment.h"

/* Room for the largest image the cases below describe is not needed: the
 * validator only compares fields with the size it is told. */
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
	hdr()->version = 1;
	hdr()->header_size = 256;
	hdr()->width = 16;
	hdr()->height = 8;
	hdr()->pitch = 64;
	memcpy(hdr()->format, "RGBA", 4);
	hdr()->state = 1;
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
	CHECK(seg_validate(mem, needed(), &info, &err) == 0);
	CHECK(info.width == 16 && info.height == 8 && info.pitch == 64);
	CHECK(info.header_size == 256 && info.pixel_bytes == 512);
	CHECK(info.total_size == 256 + 512 && info.owner_pid == 1234);
}

static void test_size(void)
{
	reset();
	CHECK(!accepts(255, "smaller than"));
	CHECK(!accepts(0, "smaller than"));
	/* The image needs header + pixels: one byte short is refused. */
	CHECK(!accepts(needed() - 1, "pixel_bytes"));
	CHECK(accepts(needed(), NULL));
	CHECK(accepts(needed() + 1, NULL));
}

static void test_magic_version_format(void)
{
	reset();
	hdr()->magic[3] = 'X';
	CHECK(!accepts(needed(), "magic"));
	reset();
	hdr()->version = 0;
	CHECK(!accepts(needed(), "version"));
	hdr()->version = 2;
	CHECK(!accepts(needed(), "version"));
	reset();
	memcpy(hdr()->format, "BGRA", 4);
	CHECK(!accepts(needed(), "format"));
}

static void test_header_size(void)
{
	reset();
	hdr()->header_size = 192;	/* multiple of 64, below 256 */
	CHECK(!accepts(4096, "header_size"));
	hdr()->header_size = 255;
	CHECK(!accepts(4096, "header_size"));
	hdr()->header_size = 257;
	CHECK(!accepts(4096, "header_size"));
	hdr()->header_size = 320;	/* not a multiple of 64... */
	CHECK(accepts(320 + 512, NULL));	/* ...320 is: 5 x 64 */
	hdr()->header_size = 300;
	CHECK(!accepts(4096, "header_size"));
	hdr()->header_size = 512;
	CHECK(accepts(512 + 512, NULL));
	CHECK(!accepts(512 + 511, "pixel_bytes"));
	hdr()->header_size = 65472;	/* largest multiple of 64 in a u16 */
	CHECK(!accepts(4096, "pixel_bytes"));
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
	hdr()->pitch = 16385 * 4;
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
	hdr()->pixel_bytes = UINT64_MAX - 100;
	CHECK(!accepts(UINT64_MAX, "pixel_bytes"));
}

struct reader {
	struct seg *seg;
	uint8_t *out;
	struct err err;
	int rc;
};

static void *read_in_thread(void *arg)
{
	struct reader *r = arg;

	r->rc = seg_read(r->seg, r->out, 37 * 4, &r->err);
	return NULL;
}

/* The owner's own segment passes the reader's checks, and a reader of its
 * fd sees the same pixels. */
static void test_round_trip(void)
{
	struct seg own, peer;
	struct err err;
	uint8_t out[37 * 4 * 5];
	int fd;

	CHECK(seg_create(&own, "test-segment", 37, 5, &err) == 0);
	CHECK(own.info.pitch == 192 && own.info.pitch % 64 == 0);
	CHECK(seg_validate(own.map, own.map_size, &own.info, &err) == 0);
	CHECK(seg_lock(&own, 1000, &err) == 0);
	for (uint32_t y = 0; y < 5; y++)
		for (uint32_t x = 0; x < 37 * 4; x++)
			seg_pixels(&own)[y * own.info.pitch + x] =
				(uint8_t)(x + y * 7);

	fd = fcntl(own.fd, F_DUPFD_CLOEXEC, 0);
	CHECK(seg_open(&peer, fd, &err) == 0);
	/* One lock per thread: a second one is refused at once. */
	CHECK(seg_read(&peer, out, 37 * 4, &err) < 0);
	CHECK(strstr(err.msg, "already holds") != NULL);
	/* Locked and not complete: a reader in another thread times out,
	 * then (after the owner finishes) reads everything. */
	{
		struct reader r = { .seg = &peer, .out = out };
		pthread_t t;

		CHECK(pthread_create(&t, NULL, read_in_thread, &r) == 0);
		pthread_join(t, NULL);
		CHECK(r.rc < 0);
		CHECK_MSG(strstr(r.err.msg, "timed out") != NULL, "%s",
			  r.err.msg);
	}
	seg_set_complete(&own);
	seg_unlock(&own);
	CHECK(seg_read(&peer, out, 37 * 4, &err) == 0);
	for (uint32_t y = 0; y < 5; y++)
		for (uint32_t x = 0; x < 37 * 4; x++)
			CHECK(out[y * 37 * 4 + x] == (uint8_t)(x + y * 7));
	seg_finish(&peer);
	seg_finish(&own);
	CHECK(own.fd == -1 && own.map == MAP_FAILED);
}

/* A segment whose size is not sealed, or an fd that is not a memfd, is
 * refused before anything is mapped. */
static void test_refused_fds(void)
{
	struct seg seg;
	struct err err;
	int fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
	CHECK(seg_open(&seg, fd, &err) < 0);
	CHECK(strstr(err.msg, "not sealed") != NULL);
	CHECK(seg.fd == -1);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(seg_open(&seg, fd, &err) < 0);
	CHECK(strstr(err.msg, "not a memfd") != NULL);
	/* seg_open closed it: the number is free again. */
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
}

int main(void)
{
	test_valid();
	test_size();
	test_magic_version_format();
	test_header_size();
	test_dimensions();
	test_pitch();
	test_pixel_bytes();
	test_round_trip();
	test_refused_fds();
	return check_done();
}
