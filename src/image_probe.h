/* image_probe.h - an image's dimensions from its header, before decoding.
 *
 * A few kilobytes of PNG can claim 30000 x 30000 pixels; SDL_image would
 * allocate (and zero) the whole surface before finding out the data is not
 * there. Reading the dimensions first lets the caller refuse such a file
 * without allocating anything.
 *
 * The probe picks the format the way SDL_image 2.6's IMG_LoadTyped_RW()
 * does (same detectors, same order, no fallback once one matches) and
 * reads the header fields that decoder hands to SDL_CreateRGBSurface().
 * It reads only headers: memory use is constant whatever the file claims.
 */
#ifndef IMAGE_PROBE_H
#define IMAGE_PROBE_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

enum probe_result {
	PROBE_OK,	/* *width and *height are what a decoder would allocate */
	PROBE_UNKNOWN,	/* not a format this module reads headers of */
	PROBE_BAD,	/* a known format with a broken header; reason in err */
};

/* Reads the header at the current position of rw and leaves the position
 * where it was. Same as probe_dimensions_hint(rw, NULL, ...): without an
 * extension TGA, which has no magic, is never recognised (IMG_Load_RW
 * does not decode it either). On PROBE_UNKNOWN for an SVG file err says
 * so: its size is only known once the document is parsed. */
enum probe_result probe_dimensions(SDL_RWops *rw, uint32_t *width,
				   uint32_t *height, struct err *err);

/* As probe_dimensions(), with ext the type IMG_LoadTyped_RW() would get:
 * for IMG_Load(path) that is whatever follows the last '.' of path, or
 * NULL. When ext is "tga" (any case) SDL_image decodes the file as TGA
 * before looking at any magic, and so does the probe. */
enum probe_result probe_dimensions_hint(SDL_RWops *rw, const char *ext,
					uint32_t *width, uint32_t *height,
					struct err *err);

/* Some of SDL_image's decoders fill in whatever a cut file lacks and
 * report success (QOI, TGA, JPEG). Reads rw from its current position to
 * the end, looking for the end each format must have: the QOI end marker,
 * the JPEG end-of-image marker, all the pixels a TGA header promises.
 * Returns true, with the reason in err, when the file is cut short; false
 * when it is complete or of another format. The position is restored. */
bool probe_truncated(SDL_RWops *rw, const char *ext, struct err *err);

#endif
