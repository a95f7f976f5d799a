/* image_probe.h - an image's dimensions from its header, before decoding.
 *
 * A few kilobytes of PNG can claim 30000 x 30000 pixels; SDL_image would
 * allocate (and zero) the whole surface before finding out the data is not
 * there. Reading the dimensions first lets the caller refuse such a file
 * without allocating anything.
 */
#ifndef IMAGE_PROBE_H
#define IMAGE_PROBE_H

#include <SDL.h>
#include <stdint.h>

#include "shm/err.h"

enum probe_result {
	PROBE_OK,	/* *width and *height are what a decoder would allocate */
	PROBE_UNKNOWN,	/* not a format this module reads headers of */
	PROBE_BAD,	/* a known format with a broken header; reason in err */
};

/* Reads the header at the current position of rw and leaves the position
 * where it was. */
enum probe_result probe_dimensions(SDL_RWops *rw, uint32_t *width,
				   uint32_t *height, struct err *err);

#endif
