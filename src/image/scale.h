/* scale.h - area-averaging (box) downscale of straight-alpha RGBA32 rows.
 *
 * The window builds its texture only as large as the image area shows,
 * straight from the read-only mapping of a segment. So the source is
 * read once, row after row, front to back, and only the width * 4 bytes
 * of each row: the tail of a wide pitch is never faulted in.
 *
 * Boxes have integer bounds: destination column x covers the source
 * columns [x * sw / dw, (x + 1) * sw / dw), and rows likewise. Every
 * source pixel falls in exactly one box. When dw does not divide sw the
 * boxes differ by one column (a 3-to-2 shrink averages 1 then 2 columns);
 * that is at most one source pixel of shift, invisible at the ratios a
 * window shows, and keeps each box a plain sum.
 *
 * Nothing here knows of segments or SDL.
 */
#ifndef SCALE_H
#define SCALE_H

#include <stddef.h>
#include <stdint.h>

/* Shrinks the sw x sh image at src (rows src_pitch bytes apart, pixels
 * R, G, B, A bytes with straight alpha) into the dw x dh image at dst
 * (rows dst_pitch bytes apart; only dw * 4 bytes of each are written).
 * Never scales up: 1 <= dw <= sw and 1 <= dh <= sh, or nothing is
 * written. Each destination pixel is its box's average: colour weighted
 * by alpha (a transparent pixel's colour counts for nothing, so edges
 * next to transparency keep their colour), alpha averaged plainly, both
 * rounded to nearest; a box with no alpha at all gives 0, 0, 0, 0. So
 * 1:1 is the identity for every pixel whose alpha is not 0.
 *
 * Needs no heap: the sums live on the stack of the thread doing them. A
 * source of 4 MiB or more is split between the calling thread and one
 * more (by destination rows); if that thread cannot be started the
 * calling thread does it all. dst must not overlap src. */
void scale_box(const uint8_t *src, uint32_t sw, uint32_t sh,
	       size_t src_pitch, uint8_t *dst, uint32_t dw, uint32_t dh,
	       size_t dst_pitch);

/* The largest dw x dh that fits max_w x max_h with the aspect of sw x sh
 * kept (the other side rounded to nearest), never larger than sw x sh
 * and at least 1 x 1 (a max of 0 counts as 1). sw and sh must be at
 * least 1; 0 counts as 1. */
void scale_fit(uint32_t sw, uint32_t sh, uint32_t max_w, uint32_t max_h,
	       uint32_t *dw, uint32_t *dh);

#endif
