/* test_source - the file as the decoders read it (src/decode/source.c).
 *
 * Proves: every read and seek through the source gives exactly the bytes
 * of the file, as a plain read of it would: 20000 random seeks (from the
 * start, from here, from the end) and reads of 1 byte to twice the
 * source's buffer, many across the buffer's edges and the file's end, in
 * SDL's size x count form (a partial element is not returned); the file
 * shrinking after it was opened reads as its end; and a reader that goes
 * on asking past the end is stopped once it has asked for more than
 * SOURCE_PAST_END_MAX bytes there, not before.
 */
#include <SDL.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "decode/source.h"

#define FILE_BYTES (1000u * 1000u)	/* not a multiple of any buffer */
#define MAX_READ (160u << 10)		/* over twice a 64 KiB buffer */

static jmp_buf stopped_at;
static int stops;

static void stop(void)
{
	stops++;
	longjmp(stopped_at, 1);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* A temporary file of n pseudo-random bytes, its contents in *data. */
static int make_file(uint8_t **data, size_t n)
{
	char path[] = "/tmp/test-source-XXXXXX";
	int fd = mkstemp(path);

	*data = malloc(n);
	if (fd < 0 || !*data)
		return -1;
	unlink(path);
	for (size_t i = 0; i < n; i++)
		(*data)[i] = (uint8_t)rng();
	if (write(fd, *data, n) != (ssize_t)n)
		return -1;
	return fd;
}

/* One random seek, then one random read, judged against data. */
static void one_step(SDL_RWops *rw, const uint8_t *data, uint8_t *buf,
		     int64_t *pos)
{
	size_t size = 1 + rng() % 4, len = 1 + rng() % MAX_READ;
	size_t n = len / size ? len / size : 1, got, want;
	int whence = (int)(rng() % 3);
	int64_t base = whence == RW_SEEK_SET ? 0 :
		       whence == RW_SEEK_CUR ? *pos : FILE_BYTES;
	int64_t target = rng() % 8 ? (int64_t)(rng() % FILE_BYTES) :
		FILE_BYTES - (int64_t)(rng() % 64);

	CHECK(SDL_RWseek(rw, target - base, whence) == target);
	*pos = target;
	got = SDL_RWread(rw, buf, size, n);
	want = (size_t)(FILE_BYTES - target) / size;
	if (want > n)
		want = n;
	CHECK_MSG(got == want, "read %zu x %zu at %lld: %zu elements, want "
		  "%zu", size, n, (long long)target, got, want);
	CHECK_MSG(got == 0 || !memcmp(buf, data + target, got * size),
		  "read %zu x %zu at %lld: other bytes than the file's", size,
		  n, (long long)target);
	*pos = SDL_RWtell(rw);
}

static void test_random_reads(void)
{
	uint8_t *data, *buf = malloc(MAX_READ);
	int fd = make_file(&data, FILE_BYTES);
	SDL_RWops *rw = NULL;
	int64_t pos = 0;

	CHECK(fd >= 0 && buf != NULL);
	if (fd < 0 || !buf)
		return;
	stops = 0;
	for (int i = 0; i < 20000; i++) {
		/* Reads past the end count towards the stop for the life
		 * of a source: a fresh one every few reads stays under it. */
		if (i % 4 == 0) {
			if (rw)
				SDL_RWclose(rw);
			rw = source_open(dup(fd), stop);
			CHECK(rw != NULL && SDL_RWsize(rw) == FILE_BYTES);
			if (!rw)
				break;
			pos = 0;
		}
		if (setjmp(stopped_at) == 0)
			one_step(rw, data, buf, &pos);
	}
	CHECK_MSG(stops == 0, "stopped %d times by reads within the bound",
		  stops);
	if (rw)
		SDL_RWclose(rw);
	close(fd);
	free(buf);
	free(data);
}

/* The file shrinks after it was opened: what is gone reads as the end,
 * and the bytes still there are the file's. */
static void test_shrink(void)
{
	uint8_t *data, buf[4096];
	int fd = make_file(&data, FILE_BYTES);
	SDL_RWops *rw = fd >= 0 ? source_open(dup(fd), stop) : NULL;

	CHECK(rw != NULL);
	if (!rw)
		return;
	CHECK(ftruncate(fd, 5000) == 0);
	CHECK(SDL_RWseek(rw, 4000, RW_SEEK_SET) == 4000);
	if (setjmp(stopped_at) == 0)
		CHECK(SDL_RWread(rw, buf, 1, sizeof(buf)) == 1000 &&
		      !memcmp(buf, data + 4000, 1000));
	CHECK(SDL_RWseek(rw, 10, RW_SEEK_SET) == 10 &&
	      SDL_RWread(rw, buf, 2, 5) == 5 && !memcmp(buf, data + 10, 10));
	SDL_RWclose(rw);
	close(fd);
	free(data);
}

/* Asking past the end: stopped after SOURCE_PAST_END_MAX bytes were
 * asked for there, not before. */
static void test_past_end(void)
{
	uint8_t *data, buf[4096];
	int fd = make_file(&data, 100);
	SDL_RWops *rw = fd >= 0 ? source_open(fd, stop) : NULL;
	volatile uint64_t asked = 0;	/* kept across the longjmp */

	CHECK(rw != NULL);
	if (!rw)
		return;
	stops = 0;
	if (setjmp(stopped_at) == 0) {
		for (;;) {
			SDL_RWseek(rw, 0, RW_SEEK_END);
			SDL_RWread(rw, buf, 1, sizeof(buf));
			asked += sizeof(buf);
		}
	}
	CHECK_MSG(stops == 1 && asked >= SOURCE_PAST_END_MAX - sizeof(buf) &&
		  asked <= SOURCE_PAST_END_MAX, "stopped after %llu bytes "
		  "asked past the end", (unsigned long long)asked);
	SDL_RWclose(rw);
	free(data);
}

int main(void)
{
	test_random_reads();
	test_shrink();
	test_past_end();
	return check_done();
}
