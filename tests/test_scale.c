/* test_scale - the box downscale the window builds its texture with.
 *
 *   test_scale            run every case (CTest `scale`)
 *   test_scale --bench    time 4096^2 and 8000^2 -> 400^2; asserts nothing
 *
 * Proves: a fine pattern averages to flat grey; large areas keep their
 * colour; transparency does not darken the colour beside it; 1:1 is the
 * identity; exact averages are exact; only width * 4 bytes of each source
 * row are read (the pitch tail is unreadable memory in one case); the
 * two-thread split and the column strips give what a naive per-box
 * average gives; scale_fit keeps the aspect and never scales up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "image/scale.h"

/* What scale.c was built with, for the benchmark to print. */
#ifndef SCALE_SPLIT_BYTES
#define SCALE_SPLIT_BYTES ((uint64_t)4 << 20)	/* scale.c's default */
#endif

/* An RGBA image in one malloc'd block. */
struct img {
	uint32_t w, h;
	size_t pitch;
	uint8_t *px;
};

static struct img img_new(uint32_t w, uint32_t h, size_t pitch)
{
	struct img m = { w, h, pitch ? pitch : (size_t)w * 4, NULL };

	m.px = malloc(m.pitch * h);
	if (!m.px) {
		fprintf(stderr, "out of memory for %ux%u\n", w, h);
		exit(1);
	}
	return m;
}

static uint8_t *at(const struct img *m, uint32_t x, uint32_t y)
{
	return m->px + (size_t)y * m->pitch + (size_t)x * 4;
}

static void put(struct img *m, uint32_t x, uint32_t y, uint8_t r, uint8_t g,
		uint8_t b, uint8_t a)
{
	uint8_t *p = at(m, x, y);

	p[0] = r;
	p[1] = g;
	p[2] = b;
	p[3] = a;
}

static uint32_t rng = 2463534242u;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Every byte random: every alpha value, 0 included, occurs. */
static void fill_random(struct img *m)
{
	for (size_t i = 0; i < m->pitch * m->h; i++)
		m->px[i] = (uint8_t)(xorshift() >> 24);
}

static struct img scaled(const struct img *s, uint32_t dw, uint32_t dh)
{
	struct img d = img_new(dw, dh, 0);

	scale_box(s->px, s->w, s->h, s->pitch, d.px, dw, dh, d.pitch);
	return d;
}

/* The rule written out naively: one division per box bound, every box
 * summed on its own in 64 bits. */
static void reference(const struct img *s, struct img *d)
{
	for (uint32_t y = 0; y < d->h; y++) {
		uint32_t y0 = (uint32_t)((uint64_t)y * s->h / d->h);
		uint32_t y1 = (uint32_t)((uint64_t)(y + 1) * s->h / d->h);

		for (uint32_t x = 0; x < d->w; x++) {
			uint32_t x0 = (uint32_t)((uint64_t)x * s->w / d->w);
			uint32_t x1 = (uint32_t)((uint64_t)(x + 1) * s->w / d->w);
			uint64_t c[3] = { 0, 0, 0 }, a = 0, n = 0;
			uint8_t *o = at(d, x, y);

			for (uint32_t sy = y0; sy < y1; sy++)
				for (uint32_t sx = x0; sx < x1; sx++) {
					const uint8_t *p = at(s, sx, sy);

					for (int k = 0; k < 3; k++)
						c[k] += (uint64_t)p[k] * p[3];
					a += p[3];
					n++;
				}
			for (int k = 0; k < 3; k++)
				o[k] = a ? (uint8_t)((c[k] + a / 2) / a) : 0;
			o[3] = a ? (uint8_t)((a + n / 2) / n) : 0;
		}
	}
}

/* Counts the pixels of a and b (same size) that differ and names the
 * first. */
static int differences(const struct img *a, const struct img *b)
{
	int n = 0;

	for (uint32_t y = 0; y < a->h; y++)
		for (uint32_t x = 0; x < a->w; x++) {
			const uint8_t *p = at(a, x, y), *q = at(b, x, y);

			if (memcmp(p, q, 4) == 0)
				continue;
			if (n++ == 0)
				fprintf(stderr, "first difference at %u,%u: "
					"%u,%u,%u,%u vs %u,%u,%u,%u\n", x, y,
					p[0], p[1], p[2], p[3], q[0], q[1],
					q[2], q[3]);
		}
	return n;
}

/* ---- cases ------------------------------------------------------------ */

/* 1-pixel black and white checks, 4000 x 3000 fitted to 400 x 300 (the
 * source is 46 MiB, so two threads): flat grey. A box one column off, a
 * lost row, or a seam between the threads shows as a stripe. */
static void test_checks_to_grey(void)
{
	struct img s = img_new(4000, 3000, 0), d;
	uint32_t dw, dh;
	uint64_t sum = 0;
	int64_t t0;
	int off = 0;

	for (uint32_t y = 0; y < s.h; y++)
		for (uint32_t x = 0; x < s.w; x++) {
			uint8_t v = (x + y) % 2 ? 255 : 0;

			put(&s, x, y, v, v, v, 255);
		}
	scale_fit(s.w, s.h, 400, 300, &dw, &dh);
	CHECK(dw == 400 && dh == 300);
	t0 = clock_ms();
	d = scaled(&s, dw, dh);
	printf("4000x3000 -> %ux%u: %lld ms\n", dw, dh,
	       (long long)(clock_ms() - t0));
	for (size_t i = 0; i < (size_t)dw * dh; i++)
		sum += d.px[i * 4];
	sum /= (size_t)dw * dh;
	CHECK_MSG(sum >= 126 && sum <= 130, "mean %llu", (unsigned long long)sum);
	for (size_t i = 0; i < (size_t)dw * dh; i++) {
		const uint8_t *p = d.px + i * 4;

		for (int k = 0; k < 3; k++)
			off += (uint64_t)p[k] + 10 < sum || p[k] > sum + 10;
		off += p[3] != 255;
	}
	CHECK_MSG(off == 0, "%d channels off the mean %llu by more than 10",
		  off, (unsigned long long)sum);
	free(s.px);
	free(d.px);
}

/* Four quadrants of different colours (one half transparent), 4096^2 ->
 * 400^2: every pixel two or more away from a seam has its quadrant's
 * colour exactly. A flip, a swapped channel or a shifted half shows. */
static void test_quadrants(void)
{
	static const uint8_t colour[4][4] = {
		{ 220, 30, 40, 255 }, { 20, 200, 60, 255 },
		{ 10, 40, 230, 255 }, { 200, 100, 50, 128 },
	};
	struct img s = img_new(4096, 4096, 0), d;
	int wrong = 0;

	for (uint32_t y = 0; y < s.h; y++)
		for (uint32_t x = 0; x < s.w; x++)
			memcpy(at(&s, x, y), colour[(y >= 2048) * 2 +
						    (x >= 2048)], 4);
	d = scaled(&s, 400, 400);
	for (uint32_t y = 0; y < d.h; y++)
		for (uint32_t x = 0; x < d.w; x++) {
			if ((x >= 198 && x < 202) || (y >= 198 && y < 202))
				continue;
			wrong += memcmp(at(&d, x, y),
					colour[(y >= 200) * 2 + (x >= 200)],
					4) != 0;
		}
	CHECK_MSG(wrong == 0, "%d pixels away from the seams lost their "
		  "quadrant's colour", wrong);
	free(s.px);
	free(d.px);
}

/* Left half opaque rose, right half transparent with a loud colour (what
 * a transparent pixel's colour bytes hold is arbitrary). The box on the
 * border is half and half: its colour stays rose (a plain average would
 * give half of it, darkened), its alpha is half; the transparent box is
 * 0,0,0,0. */
static void test_transparent_half(void)
{
	static const uint8_t rose[4] = { 200, 50, 100, 255 };
	static const uint8_t half[4] = { 200, 50, 100, 128 };	/* 127.5 up */
	static const uint8_t none[4] = { 0, 0, 0, 0 };
	struct img s = img_new(30, 4, 0), d;

	for (uint32_t y = 0; y < s.h; y++)
		for (uint32_t x = 0; x < s.w; x++) {
			if (x < 15)
				memcpy(at(&s, x, y), rose, 4);
			else
				put(&s, x, y, 0, 255, 0, 0);
		}
	d = scaled(&s, 3, 1);	/* boxes [0,10) [10,20) [20,30) */
	CHECK(memcmp(at(&d, 0, 0), rose, 4) == 0);
	CHECK_MSG(memcmp(at(&d, 1, 0), half, 4) == 0, "border %u,%u,%u,%u",
		  at(&d, 1, 0)[0], at(&d, 1, 0)[1], at(&d, 1, 0)[2],
		  at(&d, 1, 0)[3]);
	CHECK(memcmp(at(&d, 2, 0), none, 4) == 0);
	free(s.px);
	free(d.px);
}

/* dw = sw, dh = sh into a destination with a wider pitch: every pixel
 * with alpha comes out as it went in, a fully transparent one as
 * 0,0,0,0, and the destination's pitch tail is not written. */
static void test_identity(void)
{
	struct img s = img_new(37, 23, 0), d = img_new(37, 23, 37 * 4 + 12);
	int wrong = 0, tail = 0, transparent = 0;

	fill_random(&s);
	memset(d.px, 0x5a, d.pitch * d.h);
	scale_box(s.px, s.w, s.h, s.pitch, d.px, d.w, d.h, d.pitch);
	for (uint32_t y = 0; y < s.h; y++) {
		for (uint32_t x = 0; x < s.w; x++) {
			const uint8_t *p = at(&s, x, y), *q = at(&d, x, y);
			static const uint8_t zero[4];

			transparent += p[3] == 0;
			wrong += memcmp(q, p[3] ? p : zero, 4) != 0;
		}
		for (size_t i = s.pitch; i < d.pitch; i++)
			tail += d.px[y * d.pitch + i] != 0x5a;
	}
	CHECK_MSG(transparent > 0, "the random image has no alpha 0 pixel");
	CHECK_MSG(wrong == 0, "%d pixels changed at 1:1", wrong);
	CHECK_MSG(tail == 0, "%d bytes of the destination's pitch tail "
		  "written", tail);
	free(s.px);
	free(d.px);
}

/* 3 x 1 -> 1 x 1, worked by hand. Opaque: (10+20+31)/3 = 20.33 -> 20,
 * (20+40+0)/3 = 20, (30+60+2)/3 = 30.67 -> 31. Mixed alpha 255, 85, 0:
 * alpha 340/3 = 113.33 -> 113, red 255*255/340 = 191.25 -> 191, blue
 * 255*85/340 = 63.75 -> 64, and the green of the alpha-0 pixel counts
 * for nothing. */
static void test_exact_average(void)
{
	static const uint8_t opaque[12] = { 10, 20, 30, 255, 20, 40, 60, 255,
					    31, 0, 2, 255 };
	static const uint8_t mixed[12] = { 255, 0, 0, 255, 0, 0, 255, 85,
					   0, 255, 0, 0 };
	uint8_t out[4];

	scale_box(opaque, 3, 1, 12, out, 1, 1, 4);
	CHECK_MSG(out[0] == 20 && out[1] == 20 && out[2] == 31 &&
		  out[3] == 255, "%u,%u,%u,%u", out[0], out[1], out[2],
		  out[3]);
	scale_box(mixed, 3, 1, 12, out, 1, 1, 4);
	CHECK_MSG(out[0] == 191 && out[1] == 0 && out[2] == 64 &&
		  out[3] == 113, "%u,%u,%u,%u", out[0], out[1], out[2],
		  out[3]);
}

/* A source whose pitch is wider than its rows, garbage in every tail,
 * gives what the same pixels packed tightly give. */
static void test_wide_pitch(void)
{
	struct img wide = img_new(301, 203, 301 * 4 + 76);
	struct img tight = img_new(301, 203, 0), a, b;

	fill_random(&wide);	/* the tails too */
	for (uint32_t y = 0; y < wide.h; y++)
		memcpy(at(&tight, 0, y), at(&wide, 0, y), tight.pitch);
	a = scaled(&wide, 97, 61);
	b = scaled(&tight, 97, 61);
	CHECK(differences(&a, &b) == 0);
	free(wide.px);
	free(tight.px);
	free(a.px);
	free(b.px);
}

/* Only width * 4 bytes of each row are touched: every row's pitch tail
 * is a page mapped PROT_NONE, so one read of it kills the test with
 * SIGSEGV. 1024 x 1024 rows is 4 MiB of pixels: the two-thread path. */
static void test_tail_untouched(void)
{
	const uint32_t w = 1024, h = 1024;
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t pitch = 2 * page;
	struct img s = { w, h, pitch, NULL }, tight = img_new(w, h, 0), a, b;
	int guarded = 0;

	if (w * 4 != page) {
		printf("page size %zu: tail guard case skipped\n", page);
		free(tight.px);
		return;
	}
	s.px = mmap(NULL, pitch * h, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(s.px != MAP_FAILED);
	if (s.px == MAP_FAILED)
		return;
	fill_random(&tight);
	for (uint32_t y = 0; y < h; y++) {
		memcpy(at(&s, 0, y), at(&tight, 0, y), tight.pitch);
		guarded += mprotect(at(&s, 0, y) + page, page, PROT_NONE) == 0;
	}
	CHECK((uint32_t)guarded == h);
	a = scaled(&s, 400, 400);
	b = scaled(&tight, 400, 400);
	CHECK(differences(&a, &b) == 0);
	munmap(s.px, pitch * h);
	free(tight.px);
	free(a.px);
	free(b.px);
}

/* Random pixels at awkward ratios against the naive rule: the threaded
 * split (12 MiB source), strips of a destination wider than one strip,
 * a single row, a single column, 1:1 in one direction only. */
static void test_against_reference(void)
{
	static const uint32_t cases[][4] = {
		{ 2000, 1500, 333, 177 },	/* two threads */
		{ 5000, 40, 2500, 20 },		/* two strips of columns */
		{ 4099, 3, 4097, 2 },		/* boxes 1 and 2 wide */
		{ 1, 700, 1, 9 },
		{ 640, 1, 7, 1 },
		{ 300, 200, 300, 57 },
		{ 1100, 1100, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint32_t *c = cases[i];
		struct img s = img_new(c[0], c[1], 0), d, want;
		int n;

		fill_random(&s);
		d = scaled(&s, c[2], c[3]);
		want = img_new(c[2], c[3], 0);
		reference(&s, &want);
		n = differences(&d, &want);
		CHECK_MSG(n == 0, "%ux%u -> %ux%u: %d pixels differ from the "
			  "naive average", c[0], c[1], c[2], c[3], n);
		free(s.px);
		free(d.px);
		free(want.px);
	}
}

/* A size that does not shrink is refused: nothing written. */
static void test_never_up(void)
{
	uint8_t src[16] = { 1, 2, 3, 255, 1, 2, 3, 255, 1, 2, 3, 255, 1, 2, 3,
			    255 };
	uint8_t dst[32];

	memset(dst, 0x77, sizeof(dst));
	scale_box(src, 2, 2, 8, dst, 4, 2, 16);
	scale_box(src, 2, 2, 8, dst, 2, 0, 8);
	for (size_t i = 0; i < sizeof(dst); i++)
		CHECK(dst[i] == 0x77);
}

static void fit_is(uint32_t sw, uint32_t sh, uint32_t mw, uint32_t mh,
		   uint32_t want_w, uint32_t want_h)
{
	uint32_t w = 0, h = 0;

	scale_fit(sw, sh, mw, mh, &w, &h);
	CHECK_MSG(w == want_w && h == want_h, "fit %ux%u in %ux%u: %ux%u, "
		  "want %ux%u", sw, sh, mw, mh, w, h, want_w, want_h);
}

static void test_fit(void)
{
	fit_is(4000, 3000, 400, 300, 400, 300);	/* exact */
	fit_is(3000, 4000, 400, 300, 225, 300);	/* the height limits */
	fit_is(640, 480, 451, 322, 429, 322);	/* 429.33 */
	fit_is(1000, 335, 100, 100, 100, 34);	/* 33.5 rounds up */
	fit_is(1000, 333, 100, 100, 100, 33);	/* 33.3 rounds down */
	fit_is(100, 50, 400, 300, 100, 50);	/* never up */
	fit_is(451, 322, 451, 322, 451, 322);
	fit_is(500, 100, 400, 300, 400, 80);	/* one side fits already */
	fit_is(10000, 1, 400, 300, 400, 1);	/* at least 1 */
	fit_is(1, 10000, 400, 300, 1, 300);
	fit_is(500, 500, 0, 0, 1, 1);		/* a collapsed area */
	fit_is(16384, 16384, 65535, 1, 1, 1);
}

/* ---- benchmark -------------------------------------------------------- */

/* The best of five runs of s -> 400 x 400, in ms per run. */
static double best_ms(const struct img *s)
{
	struct img d = img_new(400, 400, 0);
	double best = 1e9;

	for (int run = 0; run < 5; run++) {
		int64_t t0 = clock_ms(), t;
		int reps = 0;

		/* clock_ms() counts whole ms: time several calls. */
		do {
			scale_box(s->px, s->w, s->h, s->pitch, d.px, 400, 400,
				  d.pitch);
			reps++;
			t = clock_ms() - t0;
		} while (t < 50);
		if ((double)t / reps < best)
			best = (double)t / reps;
	}
	free(d.px);
	return best;
}

/* The window's case: s copied into a memfd and scaled straight from a
 * fresh read-only shared mapping each run, so the page faults of first
 * touch are in the figure. Best of five, in ms. */
static double cold_ms(const struct img *s)
{
	struct img d = img_new(400, 400, 0);
	size_t size = s->pitch * s->h;
	int fd = memfd_create("scale-bench", MFD_CLOEXEC);
	double best = 1e9;

	if (fd < 0 || write(fd, s->px, size) != (ssize_t)size) {
		perror("memfd");
		exit(1);
	}
	for (int run = 0; run < 5; run++) {
		int64_t t0 = clock_ms();
		const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_SHARED,
					  fd, 0);

		if (map == MAP_FAILED) {
			perror("mmap");
			exit(1);
		}
		scale_box(map, s->w, s->h, s->pitch, d.px, 400, 400, d.pitch);
		munmap((void *)map, size);
		if ((double)(clock_ms() - t0) < best)
			best = (double)(clock_ms() - t0);
	}
	close(fd);
	free(d.px);
	return best;
}

static int bench(void)
{
	static const uint32_t sizes[] = { 4096, 8000 };

	printf("split at %llu bytes\n", (unsigned long long)SCALE_SPLIT_BYTES);
	for (size_t i = 0; i < 2; i++) {
		struct img s = img_new(sizes[i], sizes[i], 0);
		double ms, mib = (double)s.pitch * s.h / (1 << 20);

		fill_random(&s);
		ms = best_ms(&s);
		printf("%ux%u -> 400x400: %.1f ms (%.0f MiB, %.1f GiB/s)\n",
		       s.w, s.h, ms, mib, mib / 1024 / (ms / 1000));
		ms = cold_ms(&s);
		printf("  from a fresh memfd mapping, faults included: %.0f ms\n",
		       ms);
		free(s.px);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		return bench();
	test_checks_to_grey();
	test_quadrants();
	test_transparent_half();
	test_identity();
	test_exact_average();
	test_wide_pitch();
	test_tail_untouched();
	test_against_reference();
	test_never_up();
	test_fit();
	return check_done();
}
