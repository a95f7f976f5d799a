/* mip.c - the reduced copy, and exact area averaging from it. */
#include "image/mip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rows.h"
#include "image/scale.h"
#include "image/sums.h"

/* A copy at least this large is re-averaged on two threads. */
#define MIP_SPLIT_BYTES ((uint64_t)1 << 20)

struct mip {
	uint32_t w, h;
	uint8_t *px;		/* w * 4 bytes a row */
};

/* Which copy pixels one destination pixel covers, along one axis, in
 * units of 1/d of a copy pixel (d the destination's size, m the copy's):
 * pixels i0 .. i0 + n - 1, the first weighted wf, the last wl, those in
 * between d (fully covered). The weights add up to m. */
struct tap {
	uint32_t i0, n, wf, wl;
};

static void taps_make(struct tap *t, uint32_t m, uint32_t d)
{
	for (uint32_t x = 0; x < d; x++, t++) {
		uint64_t a = (uint64_t)x * m, b = a + m;
		uint32_t i1 = (uint32_t)((b - 1) / d);

		t->i0 = (uint32_t)(a / d);
		t->n = i1 - t->i0 + 1;
		if (t->n == 1) {
			t->wf = m;
			t->wl = 0;
		} else {
			t->wf = (uint32_t)((uint64_t)(t->i0 + 1) * d - a);
			t->wl = (uint32_t)(b - (uint64_t)i1 * d);
		}
	}
}

static uint32_t tap_weight(const struct tap *t, uint32_t k, uint32_t d)
{
	if (k == 0)
		return t->wf;
	return k == t->n - 1 ? t->wl : d;
}

struct job {
	const struct mip *m;
	uint8_t *dst;
	uint32_t dw, dh;
	size_t dst_pitch;
	const struct tap *tx, *ty;
	struct sums *acc;	/* 2 * dw: one row of sums per thread */
};

/* Adds copy row `row`, weighted wy, to the sums of every destination
 * column. The pixels a column covers fully share one weight (d): they
 * are summed plainly in 32 bits (at most m <= 16384 pixels of 255 * 255)
 * and weighted once; only the two partly covered ends are weighted each. */
static void add_row(const struct job *j, struct sums *acc,
		    const uint8_t *row, uint64_t wy)
{
	for (uint32_t x = 0; x < j->dw; x++) {
		const struct tap *t = &j->tx[x];
		const uint8_t *p = row + (size_t)t->i0 * 4;
		uint32_t ia = 0, ir = 0, ig = 0, ib = 0;
		uint64_t sa, sr, sg, sb, w = t->wf;

		sa = w * p[3];
		sr = sa * p[0];
		sg = sa * p[1];
		sb = sa * p[2];
		if (t->n > 1) {
			const uint8_t *q = p + (size_t)(t->n - 1) * 4;
			uint64_t la = (uint64_t)t->wl * q[3];

			for (p += 4; p < q; p += 4) {
				uint32_t a = p[3];

				ia += a;
				ir += p[0] * a;
				ig += p[1] * a;
				ib += p[2] * a;
			}
			sa += la + (uint64_t)ia * j->dw;
			sr += la * q[0] + (uint64_t)ir * j->dw;
			sg += la * q[1] + (uint64_t)ig * j->dw;
			sb += la * q[2] + (uint64_t)ib * j->dw;
		}
		acc[x].a += sa * wy;
		acc[x].r += sr * wy;
		acc[x].g += sg * wy;
		acc[x].b += sb * wy;
	}
}

static void emit(uint8_t *out, const struct sums *acc, uint32_t dw,
		 uint64_t total)
{
	for (uint32_t x = 0; x < dw; x++, acc++, out += 4)
		sums_pixel(out, acc, total);
}

/* Destination rows [y0, y1); the first half's thread (y0 == 0) sums in
 * the first dw entries of acc, the other in the second. */
static void run_rows(void *arg, uint32_t y0, uint32_t y1)
{
	const struct job *j = arg;
	struct sums *acc = j->acc + (y0 ? j->dw : 0);
	uint64_t total = (uint64_t)j->m->w * j->m->h;

	for (uint32_t y = y0; y < y1; y++) {
		const struct tap *t = &j->ty[y];

		memset(acc, 0, (size_t)j->dw * sizeof(*acc));
		for (uint32_t k = 0; k < t->n; k++)
			add_row(j, acc, j->m->px + (size_t)(t->i0 + k) *
				j->m->w * 4, tap_weight(t, k, j->dh));
		emit(j->dst + (size_t)y * j->dst_pitch, acc, j->dw, total);
	}
}

void mip_size_for(uint32_t sw, uint32_t sh, uint32_t max_w, uint32_t max_h,
		  uint32_t *mw, uint32_t *mh)
{
	uint32_t w, h;

	scale_fit(sw, sh, max_w, max_h, &w, &h);
	if ((uint64_t)w * h > MIP_MAX_PIXELS) {
		/* Both sides by the same factor, then down a column at a
		 * time while rounding leaves it over. */
		double k = sqrt((double)MIP_MAX_PIXELS / ((double)w * h));
		uint32_t bw = (uint32_t)(w * k), bh = (uint32_t)(h * k);

		for (;;) {
			scale_fit(sw, sh, bw, bh, &w, &h);
			if ((uint64_t)w * h <= MIP_MAX_PIXELS ||
			    (bw <= 1 && bh <= 1))
				break;
			bw -= bw > 1;
			bh -= bh > 1;
		}
	}
	*mw = w;
	*mh = h;
}

struct mip *mip_create(const uint8_t *src, uint32_t sw, uint32_t sh,
		       size_t src_pitch, uint32_t max_w, uint32_t max_h)
{
	struct mip *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	mip_size_for(sw, sh, max_w, max_h, &m->w, &m->h);
	m->px = malloc((size_t)m->w * m->h * 4);
	if (!m->px) {
		free(m);
		return NULL;
	}
	scale_box(src, sw, sh, src_pitch, m->px, m->w, m->h,
		  (size_t)m->w * 4);
	return m;
}

void mip_size(const struct mip *m, uint32_t *w, uint32_t *h)
{
	*w = m->w;
	*h = m->h;
}

int mip_scale(const struct mip *m, uint8_t *dst, uint32_t dw, uint32_t dh,
	      size_t dst_pitch)
{
	struct job j = { m, dst, dw, dh, dst_pitch, NULL, NULL, NULL };
	struct tap *tx = NULL, *ty = NULL;
	int rc = -1;

	if (dw < 1 || dh < 1 || dw > m->w || dh > m->h)
		return -1;
	tx = malloc((size_t)dw * sizeof(*tx));
	ty = malloc((size_t)dh * sizeof(*ty));
	j.acc = malloc((size_t)dw * 2 * sizeof(*j.acc));
	if (!tx || !ty || !j.acc)
		goto out;
	taps_make(tx, m->w, dw);
	taps_make(ty, m->h, dh);
	j.tx = tx;
	j.ty = ty;
	rows_split(run_rows, &j, dh, (uint64_t)m->w * m->h * 4,
		   MIP_SPLIT_BYTES);
	rc = 0;
out:
	free(tx);
	free(ty);
	free(j.acc);
	return rc;
}

void mip_destroy(struct mip *m)
{
	if (!m)
		return;
	free(m->px);
	free(m);
}
