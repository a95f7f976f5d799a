/* rows.c - two threads over the rows of an image. */
#include "common/rows.h"

#include <pthread.h>

struct half {
	rows_fn *fn;
	void *ctx;
	uint32_t y0, y1;
};

static void *run_half(void *arg)
{
	const struct half *h = arg;

	h->fn(h->ctx, h->y0, h->y1);
	return NULL;
}

void rows_split(rows_fn *fn, void *ctx, uint32_t n, uint64_t bytes,
		uint64_t split_bytes)
{
	struct half bottom = { fn, ctx, n / 2, n };
	pthread_t thread;

	if (bytes < split_bytes || n < 2 ||
	    pthread_create(&thread, NULL, run_half, &bottom) != 0) {
		fn(ctx, 0, n);
		return;
	}
	fn(ctx, 0, bottom.y0);
	pthread_join(thread, NULL);
}
