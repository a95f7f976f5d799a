/* texture.h - a segment out to a texture, a surface or a file: the SDL
 * side of images. Nothing here decodes a file.
 */
#ifndef IMAGE_TEXTURE_H
#define IMAGE_TEXTURE_H

#include <SDL.h>

#include "common/err.h"
#include "shm/segment.h"

/* A streaming RGBA32 texture of renderer, w x h pixels (at most the
 * image's size), made straight from the segment's read-only mapping: the
 * image itself when the sizes are equal, else an area-averaged (box)
 * downscale, so nothing full-size is ever allocated and fine detail
 * averages out instead of aliasing. Blend mode BLEND (straight alpha).
 * NULL with the reason. */
SDL_Texture *img_texture_scaled(SDL_Renderer *renderer, const struct seg *seg,
				int w, int h, struct err *err);

/* Copies a segment into a new RGBA32 surface. NULL with the reason. */
SDL_Surface *img_from_segment(const struct seg *seg, struct err *err);

/* Writes surf as PNG or BMP, chosen by the extension of path (any case).
 * Returns 0, or -1 with the reason. */
int img_save(SDL_Surface *surf, const char *path, struct err *err);

#endif
