/* pixels.h - a decoded SDL surface into a segment's RGBA rows.
 *
 * Used by the decoder helper only: it is the one process that holds a
 * decoded surface and a segment still open for writing.
 */
#ifndef PIXELS_H
#define PIXELS_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Writes surf into dst as RGBA32 rows of dst_pitch bytes, exactly what
 * SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32) would give. RGB24
 * and RGBA32 (what most files decode to) take a fast path, split over two
 * threads for large images. Returns 0, or -1 with the reason. */
int pixels_convert(SDL_Surface *surf, uint8_t *dst, size_t dst_pitch,
		   struct err *err);

#endif
