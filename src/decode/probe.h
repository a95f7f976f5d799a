/* image_probe.h - the size of a common image from its header, before
 * decoding.
 *
 * Decoding runs in a sandboxed helper whose memory limit and wall clock
 * bound any file, so this is not the defence against decompression bombs.
 * The probe reads the header of the formats big images come in - PNG,
 * JPEG, WebP, BMP, GIF, QOI - for two things the sandbox cannot give:
 * the size early, so the segment can be created while the decoder runs,
 * and a precise refusal ("30000 x 30000 is over the limit") instead of a
 * decoder running out of memory. Every other format is PROBE_UNKNOWN and
 * bounded by the sandbox alone.
 *
 * The format is the one SDL_image 2.6's IMG_LoadTyped_RW() would pick: a
 * file it decodes as something else first (anything typed "tga", or an
 * SVG) is PROBE_UNKNOWN even if it carries one of these magic numbers.
 * Only headers are read; memory use is constant whatever the file claims.
 */
#ifndef IMAGE_PROBE_H
#define IMAGE_PROBE_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

enum probe_result {
	PROBE_OK,	/* *width and *height are what a decoder would allocate */
	PROBE_UNKNOWN,	/* not a format probed here; err is left alone */
	PROBE_BAD,	/* a probed format with a broken header; reason in err */
};

/* Reads the header at the current position of rw and leaves the position
 * where it was. ext is the type IMG_LoadTyped_RW() will get: for
 * IMG_Load(path) whatever follows the last '.' of path, or NULL. *width
 * and *height are 0 unless PROBE_OK. A stream that cannot seek is
 * PROBE_BAD. */
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
