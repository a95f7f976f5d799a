/* scale.c - box downscale of RGBA32, one pass over the source. */
#include "image/scale.h"

#include <string.h>

#include "common/rows.h"
#include "image/sums.h"

/* A source at least this large is shared between two threads. Below it
 * starting a thread costs more than it saves. Overridable at build time
 * so the benchmark can measure one thread against two. */
#ifndef SCALE_SPLIT_BYTES
#define SCALE_SPLIT_BYTES ((uint64_t)4 << 20)
#endif

/* Destination columns summed at once: the sums of a strip (32 bytes a
 * column, 64 KiB) live on the stack. A destination up to this wide - any
 * window - reads each band of source rows strictly row by row; a wider
 * one reads each band strip by strip, still each byte once. */
#define STRIP 2048u

/* Pixels summed in 32 bits before they are added to 64: 65536 * 255 *
 * 255 < 2^32. */
#define RUN 65536u

/* One downscale. */
struct job {
	const uint8_t *src;
	uint32_t sw, sh;
	size_t src_pitch;
	uint8_t *dst;
	uint32_t dw, dh;
	size_t dst_pitch;
};

/* Walks the integer box bounds x * sw / dw from column x on, without a
 * division per box: each box is q or q + 1 wide. */
struct walk {
	uint32_t q, r, dw;
	uint32_t rem;	/* (x * sw) % dw */
};

static uint32_t walk_start(struct walk *w, uint32_t x, uint32_t sw,
			   uint32_t dw)
{
	uint64_t t = (uint64_t)x * sw;

	w->q = sw / dw;
	w->r = sw % dw;
	w->dw = dw;
	w->rem = (uint32_t)(t % dw);
	return (uint32_t)(t / dw);
}

/* The width of the next box. */
static uint32_t walk_next(struct walk *w)
{
	uint32_t n = w->q;

	w->rem += w->r;
	if (w->rem >= w->dw) {
		w->rem -= w->dw;
		n++;
	}
	return n;
}

/* Adds one source row to the sums of destination columns [xa, xb). */
static void add_row(struct sums *acc, const uint8_t *row, uint32_t xa,
		    uint32_t xb, uint32_t sw, uint32_t dw)
{
	struct walk w;
	const uint8_t *p = row + (size_t)walk_start(&w, xa, sw, dw) * 4;

	for (uint32_t x = xa; x < xb; x++, acc++) {
		uint32_t n = walk_next(&w);

		while (n) {
			uint32_t m = n < RUN ? n : RUN;
			uint32_t sa = 0, sr = 0, sg = 0, sb = 0;

			for (uint32_t i = 0; i < m; i++, p += 4) {
				uint32_t a = p[3];

				sa += a;
				sr += p[0] * a;
				sg += p[1] * a;
				sb += p[2] * a;
			}
			acc->a += sa;
			acc->r += sr;
			acc->g += sg;
			acc->b += sb;
			n -= m;
		}
	}
}

/* Writes the averages of destination columns [xa, xb) of a band rows
 * high. */
static void emit(uint8_t *out, const struct sums *acc, uint32_t xa,
		 uint32_t xb, uint32_t rows, uint32_t sw, uint32_t dw)
{
	struct walk w;

	walk_start(&w, xa, sw, dw);
	for (uint32_t x = xa; x < xb; x++, acc++, out += 4)
		sums_pixel(out, acc, (uint64_t)walk_next(&w) * rows);
}

/* Destination rows [y0, y1) of a job. */
static void run_rows(void *arg, uint32_t y0, uint32_t y1)
{
	const struct job *j = arg;
	struct sums acc[STRIP];

	for (uint32_t y = y0; y < y1; y++) {
		uint32_t sy0 = (uint32_t)((uint64_t)y * j->sh / j->dh);
		uint32_t sy1 = (uint32_t)((uint64_t)(y + 1) * j->sh / j->dh);
		uint8_t *out = j->dst + (size_t)y * j->dst_pitch;

		for (uint32_t xa = 0; xa < j->dw; xa += STRIP) {
			uint32_t xb = j->dw - xa < STRIP ? j->dw : xa + STRIP;

			memset(acc, 0, (xb - xa) * sizeof(acc[0]));
			for (uint32_t sy = sy0; sy < sy1; sy++)
				add_row(acc, j->src + (size_t)sy * j->src_pitch,
					xa, xb, j->sw, j->dw);
			emit(out + (size_t)xa * 4, acc, xa, xb, sy1 - sy0,
			     j->sw, j->dw);
		}
	}
}

void scale_box(const uint8_t *src, uint32_t sw, uint32_t sh,
	       size_t src_pitch, uint8_t *dst, uint32_t dw, uint32_t dh,
	       size_t dst_pitch)
{
	struct job job = { src, sw, sh, src_pitch, dst, dw, dh, dst_pitch };

	if (dw < 1 || dh < 1 || dw > sw || dh > sh)
		return;
	/* Split by destination rows: their source bands do not overlap, so
	 * each thread still reads its half once, front to back. */
	rows_split(run_rows, &job, dh, (uint64_t)sw * sh * 4,
		   SCALE_SPLIT_BYTES);
}

void scale_fit(uint32_t sw, uint32_t sh, uint32_t max_w, uint32_t max_h,
	       uint32_t *dw, uint32_t *dh)
{
	uint64_t w, h;

	sw = sw ? sw : 1;
	sh = sh ? sh : 1;
	max_w = max_w ? max_w : 1;
	max_h = max_h ? max_h : 1;
	if (sw <= max_w && sh <= max_h) {
		*dw = sw;
		*dh = sh;
		return;
	}
	/* max_w / sw <= max_h / sh: the width is the limit. Cross-multiplied
	 * in 64 bits, so no rounding decides which side limits. */
	if ((uint64_t)max_w * sh <= (uint64_t)max_h * sw) {
		w = max_w;
		h = ((uint64_t)sh * max_w * 2 + sw) / ((uint64_t)sw * 2);
	} else {
		h = max_h;
		w = ((uint64_t)sw * max_h * 2 + sh) / ((uint64_t)sh * 2);
	}
	*dw = (uint32_t)(w < 1 ? 1 : w);
	*dh = (uint32_t)(h < 1 ? 1 : h);
}
