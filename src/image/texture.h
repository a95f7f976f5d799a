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

/* What a window keeps of the segment it shows so that a resize needs
 * no pass over the full image: the segment's identity and, once the
 * window has been resized, a reduced copy (src/image/mip.h), at most
 * MIP_MAX_PIXELS pixels (4 MiB). Starts as NULL. */
struct img_resize;

/* The texture img_texture_scaled makes, kept quick across resizes with
 * *cache. The first size a segment is shown at is averaged from its
 * mapping, as img_texture_scaled does. A later size of the same segment
 * (same memfd: sealed, so the same pixels) is a resize: for an image of
 * at least four times the copy's pixels the reduced copy is made once,
 * sized for the largest area the renderer's display can show, and every
 * size that fits in it is re-averaged from it; larger sizes, and smaller
 * images, go to the mapping. Another segment replaces what *cache held.
 * NULL with the reason (an allocation failure of the copy is no
 * failure: the mapping is used). */
SDL_Texture *img_texture_resized(struct img_resize **cache,
				 SDL_Renderer *renderer, const struct seg *seg,
				 int w, int h, struct err *err);

/* Frees what img_texture_resized kept; NULL is fine. */
void img_resize_destroy(struct img_resize *cache);

/* Copies a segment into a new RGBA32 surface. NULL with the reason. */
SDL_Surface *img_from_segment(const struct seg *seg, struct err *err);

/* Writes surf as PNG or BMP, chosen by the extension of path (any case).
 * Returns 0, or -1 with the reason. */
int img_save(SDL_Surface *surf, const char *path, struct err *err);

#endif
