/* idat.c - a PNG's image data, filtered and deflated on several threads.
 *
 * Band k goes into slot k % nslots. A worker takes the next band once
 * its slot is free, fills it and marks it ready; the calling thread
 * hands the ready slots to the sink in band order and frees them. One
 * mutex and one condition variable guard the slots' states and the
 * band counter; a slot's buffers belong to whoever set its state last.
 */
#include "image/idat.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Filtered bytes per band, about (a band has at least one row). */
#define BAND_BYTES (1u << 20)

/* More threads than this gain nothing on one file. */
#define MAX_WORKERS 8u

/* The zlib header: deflate with a 32 KiB window, no dictionary, "fastest
 * compressor" in the level bits (RFC 1950: 0x7801 is a multiple of 31). */
static const uint8_t zlib_header[2] = { 0x78, 0x01 };

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_READY };

struct slot {
	enum slot_state state;
	uint32_t band;
	uint8_t *out;		/* deflated band, len of cap bytes */
	size_t len, cap;
	uint32_t adler;		/* of the band's filtered bytes */
	size_t in_len;		/* how many */
	bool failed;		/* and why: */
	struct err err;
};

struct idat {
	const struct seg *seg;
	uint32_t rows_per_band, bands;
	unsigned nslots;
	struct slot slot[2 * MAX_WORKERS];
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint32_t next;		/* the band the next worker takes */
	bool stop;		/* the export failed: workers leave */
};

/* What one worker keeps: the row above, the row being read, one band of
 * filtered rows and igzip's state. */
struct worker {
	struct idat *d;
	pthread_t thread;
	uint8_t *above, *cur, *in;
	uint8_t *level_buf;
	struct isal_zstream z;
};

/* UP: out = cur - above, byte by byte modulo 256, eight bytes at a time
 * without carries between bytes (each byte's top bit is kept out of the
 * subtraction and put back by xor). */
static void filter_up(uint8_t *out, const uint8_t *cur, const uint8_t *above,
		      size_t n)
{
	const uint64_t hi = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t a, b, d;

		memcpy(&a, cur + i, 8);
		memcpy(&b, above + i, 8);
		d = ((a | hi) - (b & ~hi)) ^ ((a ^ ~b) & hi);
		memcpy(out + i, &d, 8);
	}
	for (; i < n; i++)
		out[i] = (uint8_t)(cur[i] - above[i]);
}

/* Rows of band k, filtered, into w->in; returns their length, or 0 with
 * the reason in err. */
static size_t filter_band(struct worker *w, uint32_t k, struct err *err)
{
	const struct seg *seg = w->d->seg;
	size_t n = (size_t)seg->info.width * 4, len = 0;
	uint32_t y0 = k * w->d->rows_per_band;
	uint32_t y1 = y0 + w->d->rows_per_band;

	if (y1 > seg->info.height)
		y1 = seg->info.height;
	if (y0 == 0)
		memset(w->above, 0, n);	/* UP above row 0 is a row of zeros */
	else if (seg_read_rows(seg, y0 - 1, 1, w->above, n, err) < 0)
		return 0;
	for (uint32_t y = y0; y < y1; y++) {
		uint8_t *t;

		if (seg_read_rows(seg, y, 1, w->cur, n, err) < 0)
			return 0;
		w->in[len] = 2;		/* filter type UP */
		filter_up(w->in + len + 1, w->cur, w->above, n);
		len += 1 + n;
		t = w->above;
		w->above = w->cur;
		w->cur = t;
	}
	return len;
}

/* Deflates w->in (len bytes) into s->out, growing it as needed. The last
 * band ends the stream, the others end in a sync flush. 0, or -1 with
 * the reason in s->err. */
static int deflate_band(struct worker *w, struct slot *s, size_t len,
			bool last)
{
	struct isal_zstream *z = &w->z;

	isal_deflate_reset(z);
	z->flush = last ? NO_FLUSH : SYNC_FLUSH;
	z->end_of_stream = last;
	z->next_in = w->in;
	z->avail_in = (uint32_t)len;
	s->len = 0;
	for (;;) {
		int rc;

		if (s->len == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : len + len / 4 + 4096;
			uint8_t *p = realloc(s->out, cap);

			if (!p) {
				err_set(&s->err, "out of memory");
				return -1;
			}
			s->out = p;
			s->cap = cap;
		}
		z->next_out = s->out + s->len;
		z->avail_out = (uint32_t)(s->cap - s->len);
		rc = isal_deflate(z);
		s->len = s->cap - z->avail_out;
		if (rc != COMP_OK) {	/* a parameter of ours is wrong */
			err_set(&s->err, "igzip failed (%d)", rc);
			return -1;
		}
		/* Done when all input is in and igzip stopped with room to
		 * spare: it returns early only for want of output space. */
		if (z->avail_in == 0 && z->avail_out > 0)
			return 0;
	}
}

static int do_band(struct worker *w, struct slot *s, uint32_t k)
{
	size_t len = filter_band(w, k, &s->err);

	if (len == 0)
		return -1;
	s->in_len = len;
	s->adler = isal_adler32(1, w->in, len);
	return deflate_band(w, s, len, k + 1 == w->d->bands);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct idat *d = w->d;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct slot *s;
		uint32_t k;

		while (!d->stop && d->next < d->bands &&
		       d->slot[d->next % d->nslots].state != SLOT_FREE)
			pthread_cond_wait(&d->changed, &d->lock);
		if (d->stop || d->next >= d->bands)
			break;
		k = d->next++;
		s = &d->slot[k % d->nslots];
		s->state = SLOT_BUSY;
		s->band = k;
		pthread_mutex_unlock(&d->lock);
		s->failed = do_band(w, s, k) < 0;
		pthread_mutex_lock(&d->lock);
		s->state = SLOT_READY;
		pthread_cond_broadcast(&d->changed);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Hands n bytes at data to the sink. 0, or -1 with the sink's reason. */
static int pass_on(idat_sink *sink, void *ctx, const uint8_t *data, size_t n,
		   struct err *err)
{
	if (sink(ctx, data, n) == 0)
		return 0;
	err_set(err, "%s", strerror(errno ? errno : EIO));
	return -1;
}

/* Waits for band k, passes it on, frees its slot. 0, or -1 with err. */
static int emit_band(struct idat *d, uint32_t k, idat_sink *sink, void *ctx,
		     uint32_t *adler, struct err *err)
{
	struct slot *s = &d->slot[k % d->nslots];
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	while (s->state != SLOT_READY || s->band != k)
		pthread_cond_wait(&d->changed, &d->lock);
	pthread_mutex_unlock(&d->lock);
	if (s->failed) {
		*err = s->err;
		rc = -1;
	} else if (pass_on(sink, ctx, s->out, s->len, err) < 0) {
		rc = -1;
	} else {
		*adler = (uint32_t)adler32_combine(*adler, s->adler,
						   (z_off_t)s->in_len);
	}
	pthread_mutex_lock(&d->lock);
	s->state = SLOT_FREE;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static int worker_init(struct worker *w, struct idat *d)
{
	size_t n = (size_t)d->seg->info.width * 4;

	memset(w, 0, sizeof(*w));
	w->d = d;
	w->above = malloc(n);
	w->cur = malloc(n);
	w->in = malloc((size_t)d->rows_per_band * (n + 1));
	w->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
	if (!w->above || !w->cur || !w->in || !w->level_buf)
		return -1;
	isal_deflate_init(&w->z);
	w->z.level = 1;
	w->z.level_buf = w->level_buf;
	w->z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	w->z.gzip_flag = IGZIP_DEFLATE;
	return 0;
}

static void worker_free(struct worker *w)
{
	free(w->above);
	free(w->cur);
	free(w->in);
	free(w->level_buf);
}

/* The number of workers: one per processor online, within reason and
 * never more than there are bands. */
static unsigned worker_count(uint32_t bands)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cpus < 1 ? 1u : (unsigned)cpus;

	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	return n > bands ? (unsigned)bands : n;
}

/* Sends every band to the sink in order, then the Adler-32. */
static int emit_all(struct idat *d, idat_sink *sink, void *ctx,
		    img_export_progress *progress, void *pctx,
		    struct err *err)
{
	uint32_t adler = 1, h = d->seg->info.height;
	uint8_t trailer[4];

	if (pass_on(sink, ctx, zlib_header, sizeof(zlib_header), err) < 0)
		return -1;
	for (uint32_t k = 0; k < d->bands; k++) {
		uint32_t done = (k + 1) * d->rows_per_band;

		if (emit_band(d, k, sink, ctx, &adler, err) < 0)
			return -1;
		if (progress)
			progress(pctx, done < h ? done : h, h);
	}
	for (int i = 0; i < 4; i++)
		trailer[i] = (uint8_t)(adler >> (24 - 8 * i));
	return pass_on(sink, ctx, trailer, sizeof(trailer), err);
}

int idat_write(const struct seg *seg, idat_sink *sink, void *ctx,
	       img_export_progress *progress, void *pctx, struct err *err)
{
	size_t row = 1 + (size_t)seg->info.width * 4;
	struct idat d = { .seg = seg };
	unsigned nw, started = 0;
	struct worker *w;	/* some 80 KiB each: not on the stack */
	int rc = -1;

	d.rows_per_band = BAND_BYTES / row ? (uint32_t)(BAND_BYTES / row) : 1;
	d.bands = (seg->info.height + d.rows_per_band - 1) / d.rows_per_band;
	nw = worker_count(d.bands);
	d.nslots = 2 * nw;
	w = calloc(nw, sizeof(*w));
	if (!w) {
		err_set(err, "out of memory");
		return -1;
	}
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.changed, NULL);
	/* Fewer workers than asked for still finish the job. */
	for (; started < nw; started++) {
		if (worker_init(&w[started], &d) < 0 ||
		    pthread_create(&w[started].thread, NULL, work,
				   &w[started]) != 0) {
			worker_free(&w[started]);
			break;
		}
	}
	if (started > 0)
		rc = emit_all(&d, sink, ctx, progress, pctx, err);
	else
		err_set(err, "out of memory or threads");
	pthread_mutex_lock(&d.lock);
	d.stop = true;
	pthread_cond_broadcast(&d.changed);
	pthread_mutex_unlock(&d.lock);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		worker_free(&w[i]);
	}
	for (unsigned i = 0; i < d.nslots; i++)
		free(d.slot[i].out);
	free(w);
	pthread_cond_destroy(&d.changed);
	pthread_mutex_destroy(&d.lock);
	return rc;
}
