/* rows.h - work over the rows of an image, on both cores when it pays. */
#ifndef COMMON_ROWS_H
#define COMMON_ROWS_H

#include <stdint.h>

/* Does rows [y0, y1) of a job. */
typedef void rows_fn(void *ctx, uint32_t y0, uint32_t y1);

/* Calls fn over rows [0, n): once on the calling thread when bytes (the
 * work's size) is under split_bytes, else on two threads, each with half
 * of the rows, which then do not overlap. A thread that cannot be
 * started costs nothing but speed: the calling thread then does it all. */
void rows_split(rows_fn *fn, void *ctx, uint32_t n, uint64_t bytes,
		uint64_t split_bytes);

#endif
