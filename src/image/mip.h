/* mip.h - a reduced copy of a large image, made once, that the window
 * re-averages from at every size it shows while the user resizes.
 *
 * A box downscale straight from the mapping reads every pixel of the
 * image: 64 million for 8000 x 8000, far more than a frame's time. The
 * copy is one level of a mip pyramid: the image box-averaged once to the
 * largest size the window can show it at on this screen (the image fitted
 * to the display), but never more than MIP_MAX_PIXELS pixels, so it costs
 * at most 4 MiB of private memory for any image. Each later size is
 * area-averaged from the copy with exact fractional weights: a
 * destination pixel covers exactly sw / dw source pixels across (the
 * same span a box from the full image covers), partly covered copy
 * pixels weighted by how much of them it covers. The copy's own pixels
 * are integer boxes of the full image, so the result differs from a
 * single box pass only at the edges of each box, by a few levels (bounded
 * in tests/test_scale.c); fine detail (1-pixel checks) still averages to
 * flat grey.
 *
 * Pixels are R, G, B, A bytes, straight alpha, averaged as scale_box
 * does: colour weighted by alpha, alpha plainly. Nothing here knows of
 * segments or SDL.
 */
#ifndef IMAGE_MIP_H
#define IMAGE_MIP_H

#include <stddef.h>
#include <stdint.h>

/* The copy's largest size: 1 Mi pixels, 4 MiB of RGBA (a 1024 x 1024
 * image, or the whole of a 1280 x 800 screen). */
#define MIP_MAX_PIXELS (1u << 20)

/* A reduced copy; owns its pixels. */
struct mip;

/* The size mip_create makes for a sw x sh image shown on a screen of
 * max_w x max_h pixels: the image fitted to the screen (scale_fit), then
 * shrunk, aspect kept, to at most MIP_MAX_PIXELS. */
void mip_size_for(uint32_t sw, uint32_t sh, uint32_t max_w, uint32_t max_h,
		  uint32_t *mw, uint32_t *mh);

/* Makes the copy of the sw x sh image at src (rows src_pitch bytes
 * apart) at the size mip_size_for gives, in one box-averaging pass over
 * the source (scale_box: two threads for a large one). NULL when out of
 * memory. */
struct mip *mip_create(const uint8_t *src, uint32_t sw, uint32_t sh,
		       size_t src_pitch, uint32_t max_w, uint32_t max_h);

/* The copy's size. */
void mip_size(const struct mip *m, uint32_t *w, uint32_t *h);

/* Area-averages the copy into the dw x dh image at dst (rows dst_pitch
 * bytes apart; dw * 4 of each written). The copy's own size gives the
 * copy itself. Returns 0, or -1 (nothing written) when dw x dh is 0 or
 * larger than the copy in either direction - draw from the full image
 * then - or when out of memory for the weights. */
int mip_scale(const struct mip *m, uint8_t *dst, uint32_t dw, uint32_t dh,
	      size_t dst_pitch);

/* Frees the copy; NULL is fine. */
void mip_destroy(struct mip *m);

#endif
