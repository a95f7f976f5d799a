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
 *
 * And the reduced copy a window resizes from (src/image/mip.c): it is
 * never more than MIP_MAX_PIXELS (4 MiB) for any image and screen; at its
 * own size it is the box downscale itself; its fractional area weights
 * match a floating-point area average (+-1); and what a resize draws from
 * it stays as close to a box downscale from the full image as the bounds
 * below say, at every size from the copy's down to 8 px: 1-pixel checks
 * stay flat grey (no further from grey than the direct box, +1), an
 * 8-pixel checker shows no stronger beat (+2), and no channel differs
 * from the direct box by more than the stated maximum.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "image/mip.h"
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

/* ---- the reduced copy (mip.c) ------------------------------------------ */

/* The copy's size for any image on any screen stays within 4 MiB, keeps
 * the aspect (to a pixel), is never larger than the image or the screen
 * fit; the copy at its own size is the box downscale exactly; a size
 * larger than the copy is refused with nothing written. */
static void test_mip_bounded(void)
{
	static const uint32_t c[][4] = {
		{ 16384, 16384, 8192, 8192 }, { 16384, 1, 8192, 8192 },
		{ 1, 16384, 3840, 2160 }, { 8000, 8000, 1280, 1024 },
		{ 8000, 8000, 3840, 2160 }, { 16384, 9000, 7680, 4320 },
		{ 300, 200, 1920, 1080 },
	};
	struct img s = img_new(3001, 2003, 3001 * 4 + 64), d, m;
	struct mip *mip;
	uint32_t mw, mh;
	uint8_t guard[16];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t fw, fh;

		mip_size_for(c[i][0], c[i][1], c[i][2], c[i][3], &mw, &mh);
		scale_fit(c[i][0], c[i][1], c[i][2], c[i][3], &fw, &fh);
		CHECK_MSG((uint64_t)mw * mh <= MIP_MAX_PIXELS && mw >= 1 &&
			  mh >= 1 && mw <= fw && mh <= fh,
			  "copy of %ux%u on %ux%u is %ux%u", c[i][0], c[i][1],
			  c[i][2], c[i][3], mw, mh);
		/* Aspect: within a pixel of the image's. */
		CHECK_MSG(llabs((long long)mw * c[i][1] - (long long)mh *
				c[i][0]) <= (long long)(c[i][0] > c[i][1] ?
							c[i][0] : c[i][1]),
			  "copy %ux%u of %ux%u bends the aspect", mw, mh,
			  c[i][0], c[i][1]);
	}
	fill_random(&s);
	mip = mip_create(s.px, s.w, s.h, s.pitch, 800, 600);
	CHECK(mip);
	if (!mip) {
		free(s.px);
		return;
	}
	mip_size(mip, &mw, &mh);
	CHECK_MSG(mw == 800 && mh == 534, "copy %ux%u", mw, mh);
	d = scaled(&s, mw, mh);
	m = img_new(mw, mh, 0);
	CHECK(mip_scale(mip, m.px, mw, mh, m.pitch) == 0);
	CHECK_MSG(differences(&m, &d) == 0, "the copy at its own size is not "
		  "the box downscale");
	memset(guard, 0x5a, sizeof(guard));
	CHECK(mip_scale(mip, guard, mw + 1, 2, 16) < 0);
	CHECK(mip_scale(mip, guard, 2, mh + 1, 16) < 0);
	CHECK(mip_scale(mip, guard, 0, 1, 16) < 0);
	CHECK(guard[0] == 0x5a && guard[15] == 0x5a);
	mip_destroy(mip);
	mip_destroy(NULL);
	free(s.px);
	free(d.px);
	free(m.px);
}

/* The area average written out in doubles: destination pixel x covers
 * [x * sw / dw, (x + 1) * sw / dw) of the source, partly covered source
 * pixels weighted by the part covered. */
static void area_reference(const struct img *s, struct img *d)
{
	double fx = (double)s->w / d->w, fy = (double)s->h / d->h;

	for (uint32_t y = 0; y < d->h; y++)
		for (uint32_t x = 0; x < d->w; x++) {
			double c[3] = { 0, 0, 0 }, a = 0, n = 0;
			double x0 = x * fx, x1 = (x + 1) * fx;
			double y0 = y * fy, y1 = (y + 1) * fy;
			uint8_t *o = at(d, x, y);

			for (uint32_t sy = (uint32_t)y0; sy < y1; sy++)
				for (uint32_t sx = (uint32_t)x0; sx < x1; sx++) {
					const uint8_t *p = at(s, sx, sy);
					double wx = (sx + 1 < x1 ? sx + 1 : x1) -
						    (sx > x0 ? sx : x0);
					double wy = (sy + 1 < y1 ? sy + 1 : y1) -
						    (sy > y0 ? sy : y0);
					double w = wx * wy;

					for (int k = 0; k < 3; k++)
						c[k] += w * p[k] * p[3];
					a += w * p[3];
					n += w;
				}
			for (int k = 0; k < 3; k++)
				o[k] = a > 0 ? (uint8_t)(c[k] / a + 0.5) : 0;
			o[3] = a > 0 ? (uint8_t)(a / n + 0.5) : 0;
		}
}

/* Largest difference of any channel between a and b (same size). */
static int max_diff(const struct img *a, const struct img *b)
{
	int m = 0;

	for (uint32_t y = 0; y < a->h; y++)
		for (uint32_t x = 0; x < a->w; x++)
			for (int k = 0; k < 4; k++) {
				int v = abs(at(a, x, y)[k] - at(b, x, y)[k]);

				m = v > m ? v : m;
			}
	return m;
}

/* A random 97 x 61 image (every alpha) is its own copy (no screen
 * smaller than it); re-averaged to sizes with every kind of fractional
 * span, each channel is within 1 of the floating-point area average (a
 * weight or a span one off shows as far more). */
static void test_mip_area_reference(void)
{
	static const uint32_t sizes[][2] = {
		{ 96, 60 }, { 50, 31 }, { 33, 20 }, { 7, 5 }, { 1, 1 },
		{ 97, 1 }, { 1, 61 }, { 64, 61 },
	};
	struct img s = img_new(97, 61, 0);
	struct mip *mip;
	uint32_t mw, mh;

	fill_random(&s);
	/* Opaque enough that colours are defined almost everywhere. */
	for (size_t i = 0; i < (size_t)s.w * s.h; i++)
		s.px[i * 4 + 3] |= 0x10;
	mip = mip_create(s.px, s.w, s.h, s.pitch, 4096, 4096);
	CHECK(mip);
	if (!mip) {
		free(s.px);
		return;
	}
	mip_size(mip, &mw, &mh);
	CHECK(mw == 97 && mh == 61);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct img got = img_new(sizes[i][0], sizes[i][1], 0);
		struct img want = img_new(sizes[i][0], sizes[i][1], 0);
		int diff;

		CHECK(mip_scale(mip, got.px, got.w, got.h, got.pitch) == 0);
		area_reference(&s, &want);
		diff = max_diff(&got, &want);
		CHECK_MSG(diff <= 1, "97x61 -> %ux%u: %d levels from the area "
			  "average", got.w, got.h, diff);
		free(got.px);
		free(want.px);
	}
	mip_destroy(mip);
	free(s.px);
}

/* 4000 x 3000 with checks of side `check` px, black and white, opaque. */
static struct img checker(uint32_t check)
{
	struct img s = img_new(4000, 3000, 0);

	for (uint32_t y = 0; y < s.h; y++)
		for (uint32_t x = 0; x < s.w; x++) {
			uint8_t v = (x / check + y / check) % 2 ? 255 : 0;

			put(&s, x, y, v, v, v, 255);
		}
	return s;
}

/* The largest distance of a colour channel from mid grey (127.5), in
 * half levels, over pixels at least `margin` from the border. */
static int grey_dev(const struct img *d, uint32_t margin)
{
	int m = 0;

	for (uint32_t y = margin; y + margin < d->h; y++)
		for (uint32_t x = margin; x + margin < d->w; x++)
			for (int k = 0; k < 3; k++) {
				int v = abs(2 * at(d, x, y)[k] - 255);

				m = v > m ? v : m;
			}
	return m;
}

/* The sizes a resize passes through, from the copy's own down to 8 px
 * wide; heights kept to the aspect as the window fits them. */
static const uint32_t resize_widths[] = {
	640, 639, 600, 512, 451, 333, 258, 128, 31, 8,
};

/* The copy for a 640 x 480 screen, and the direct box, at size i. */
static void both_ways(const struct img *s, const struct mip *mip, size_t i,
		      struct img *via, struct img *direct)
{
	uint32_t dw, dh;

	scale_fit(s->w, s->h, resize_widths[i], resize_widths[i], &dw, &dh);
	*via = img_new(dw, dh, 0);
	CHECK(mip_scale(mip, via->px, dw, dh, via->pitch) == 0);
	*direct = scaled(s, dw, dh);
}

/* 1-pixel checks: at every size, each channel drawn from the copy is
 * within 1 level of how far from grey the direct box is (which has odd
 * boxes: 6 x 7 source pixels do not average to exact grey). */
static void test_mip_checks_grey(void)
{
	struct img s = checker(1);
	struct mip *mip = mip_create(s.px, s.w, s.h, s.pitch, 640, 480);

	CHECK(mip);
	for (size_t i = 0; mip && i < sizeof(resize_widths) /
				      sizeof(resize_widths[0]); i++) {
		struct img via, direct;
		int dv, dd;

		both_ways(&s, mip, i, &via, &direct);
		dv = grey_dev(&via, 0);
		dd = grey_dev(&direct, 0);
		CHECK_MSG(dv <= dd + 2, "1-px checks at %ux%u: %.1f levels "
			  "from grey, the direct box %.1f", via.w, via.h,
			  dv / 2.0, dd / 2.0);
		free(via.px);
		free(direct.px);
	}
	mip_destroy(mip);
	free(s.px);
}

/* 8-pixel checks (period 16): the beat (how far the grey drifts, away
 * from the border) is at most 2 levels stronger than the direct box's at
 * every size. Sizes where the box is wider than one period only. */
static void test_mip_beat(void)
{
	struct img s = checker(8);
	struct mip *mip = mip_create(s.px, s.w, s.h, s.pitch, 640, 480);
	int worst = -999;

	CHECK(mip);
	for (size_t i = 0; mip && i < sizeof(resize_widths) /
				      sizeof(resize_widths[0]); i++) {
		struct img via, direct;
		int dv, dd;

		if (s.w / resize_widths[i] < 16)
			continue;
		both_ways(&s, mip, i, &via, &direct);
		dv = grey_dev(&via, 2);
		dd = grey_dev(&direct, 2);
		worst = dv - dd > worst ? dv - dd : worst;
		CHECK_MSG(dv <= dd + 4, "8-px checks at %ux%u: beat %.1f levels,"
			  " the direct box %.1f", via.w, via.h, dv / 2.0,
			  dd / 2.0);
		free(via.px);
		free(direct.px);
	}
	printf("8-px checks: beat from the copy minus the direct box's, worst "
	       "%.1f levels\n", worst / 2.0);
	mip_destroy(mip);
	free(s.px);
}

/* Photo-like (gradients with +-16 noise) and 1- and 8-pixel checks: at
 * every size, no channel drawn from the copy differs from the direct box
 * by more than the bound of its kind. Where 8-pixel checks are larger
 * than the box (sizes above 250 px here) the copy softens each
 * black-white edge by up to one of its own pixels (a pixel there may
 * differ by half the contrast), so there only the mean difference is
 * bounded. Measured worst: printed. */
static void test_mip_near_box(void)
{
	static const struct { const char *name; int max, mean16; } kind[3] = {
		{ "1-px checks", 6, 0 },
		{ "8-px checks", 8, 26 },	/* max where box >= 16 px */
		{ "photo-like", 8, 0 },
	};
	struct img imgs[3] = { checker(1), checker(8), img_new(4000, 3000, 0) };
	struct img *p = &imgs[2];

	for (uint32_t y = 0; y < p->h; y++)
		for (uint32_t x = 0; x < p->w; x++) {
			uint32_t r = xorshift();

			put(p, x, y, (uint8_t)(x * 200 / p->w + (r & 31)),
			    (uint8_t)(y * 200 / p->h + (r >> 8 & 31)),
			    (uint8_t)((x + y) * 100 / p->w + (r >> 16 & 31)),
			    255);
		}
	for (int k = 0; k < 3; k++) {
		struct mip *mip = mip_create(imgs[k].px, imgs[k].w, imgs[k].h,
					     imgs[k].pitch, 640, 480);
		double worst_mean = 0;
		int worst = 0;

		CHECK(mip);
		for (size_t i = 0; mip && i < sizeof(resize_widths) /
					      sizeof(resize_widths[0]); i++) {
			struct img via, direct;
			bool fine = kind[k].mean16 &&
				    imgs[k].w / resize_widths[i] < 16;
			double mean = 0;
			int d;

			both_ways(&imgs[k], mip, i, &via, &direct);
			d = max_diff(&via, &direct);
			for (size_t j = 0; j < (size_t)via.w * via.h * 4; j++)
				mean += abs(via.px[j] - direct.px[j]);
			mean /= (double)via.w * via.h * 4;
			worst_mean = mean > worst_mean ? mean : worst_mean;
			if (fine)
				CHECK_MSG(mean <= kind[k].mean16, "%s at %ux%u: "
					  "mean difference %.2f", kind[k].name,
					  via.w, via.h, mean);
			else
				worst = d > worst ? d : worst;
			free(via.px);
			free(direct.px);
		}
		printf("%s: copy vs direct box, worst channel difference %d, "
		       "worst mean %.2f\n", kind[k].name, worst, worst_mean);
		CHECK_MSG(worst <= kind[k].max, "%s: %d levels from the direct "
			  "box", kind[k].name, worst);
		mip_destroy(mip);
		free(imgs[k].px);
	}
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
	test_mip_bounded();
	test_mip_area_reference();
	test_mip_checks_grey();
	test_mip_beat();
	test_mip_near_box();
	return check_done();
}
