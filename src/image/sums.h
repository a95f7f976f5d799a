/* sums.h - the alpha-weighted sums of a box of RGBA pixels, shared by the
 * box downscale (scale.c) and the reduced copy (mip.c). Private to
 * src/image/. */
#ifndef IMAGE_SUMS_H
#define IMAGE_SUMS_H

#include <stdint.h>
#include <string.h>

/* The sums of one box so far: alpha, and each colour times alpha. */
struct sums {
	uint64_t a, r, g, b;
};

/* The box's average as one straight-alpha RGBA pixel: colour weighted by
 * alpha (a transparent pixel's colour does not bleed into its
 * neighbours), alpha averaged over n, the box's weight. A fully
 * transparent box is 0, 0, 0, 0. */
static inline void sums_pixel(uint8_t out[4], const struct sums *s,
			      uint64_t n)
{
	uint64_t a = s->a;

	if (a == 0) {
		memset(out, 0, 4);
		return;
	}
	out[0] = (uint8_t)((s->r + a / 2) / a);
	out[1] = (uint8_t)((s->g + a / 2) / a);
	out[2] = (uint8_t)((s->b + a / 2) / a);
	out[3] = (uint8_t)((a + n / 2) / n);
}

#endif
