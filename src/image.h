/* image.h - image files in and out of segments, through SDL_image.
 *
 * Knows SDL surfaces and SDL_image, not windows. The owner publishes a
 * file with img_publish_file(); a reader copies a segment out with
 * img_attach(); img_save() writes what a reader got.
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <SDL.h>
#include <stdint.h>
#include <sys/mman.h>

#include "shm/err.h"
#include "shm/share.h"

/* Largest image accepted by default, in bytes of RGBA pixels (256 MiB,
 * the limit Qt 6's image reader uses). */
#define IMG_DEFAULT_MAX_BYTES (256ull << 20)

struct img_limits {
	uint64_t max_bytes;	/* width * height * 4 must not exceed this */
};

/* Why a load failed: tells the caller which of the Qt texts to show. */
enum img_status {
	IMG_OK = 0,
	IMG_NOT_IMAGE,		/* missing, unreadable, not decodable, too large */
	IMG_CREATE_FAILED,	/* the segment could not be made or published */
};

/* A file decoded and ready to publish: the decoder's surface, and a
 * segment of the right size made while it decoded (state 0, unlocked, not
 * attachable by anyone yet). Start with IMG_LOAD_EMPTY. */
struct img_load {
	SDL_Surface *surf;	/* NULL when empty */
	struct seg seg;
};

#define IMG_LOAD_EMPTY \
	((struct img_load){ .surf = NULL, .seg = { .fd = -1, .map = MAP_FAILED } })

/* Checks the header's dimensions against the limits before decoding, then
 * decodes path while a second thread creates the segment (named after
 * key). Nothing is shared yet, so a bad file changes nothing.
 * Returns IMG_OK, or IMG_NOT_IMAGE / IMG_CREATE_FAILED with the reason in
 * err and load empty. */
enum img_status img_load_file(struct img_load *load, const char *key,
			      const char *path, const struct img_limits *lim,
			      struct err *err);

/* Publishes a loaded file under share: locks the segment, makes it the
 * one the key hands out (a reader that connects from then on waits for
 * the lock), converts the pixels straight into it, marks it complete,
 * unlocks. load is empty afterwards, whatever the result.
 * Returns IMG_OK, or IMG_CREATE_FAILED with the previous segment still
 * served. */
enum img_status img_publish(struct share *share, struct img_load *load,
			    struct err *err);

/* Releases what load holds; empty afterwards. Safe on an empty one. */
void img_load_finish(struct img_load *load);

/* img_load_file() then img_publish(), for an owner whose key is bound. */
enum img_status img_publish_file(struct share *share, const char *path,
				 const struct img_limits *lim, struct err *err);

/* Decodes path into a new surface (whatever format SDL_image returns),
 * refusing images over the limits before allocating them. NULL with the
 * reason in err. */
SDL_Surface *img_decode(const char *path, const struct img_limits *lim,
			struct err *err);

/* Attaches to key, copies the image into a new RGBA32 surface, detaches.
 * NULL with the reason in err. */
SDL_Surface *img_attach(const char *key, struct err *err);

/* Copies a locked-and-complete-checked segment into a new RGBA32 surface
 * (takes the lock itself). NULL with the reason. */
SDL_Surface *img_from_segment(struct seg *seg, struct err *err);

/* An RGBA32 copy of a shared image in memory of its own: height rows of
 * pitch (>= width * 4) bytes, straight alpha, the segment's layout. The
 * memory is an anonymous mapping advised for transparent huge pages, so
 * filling it costs one page fault per 2 MiB instead of one per 4 KiB.
 * Start with IMG_RGBA_EMPTY; release with img_rgba_free(). */
struct img_rgba {
	uint8_t *pixels;	/* NULL when empty */
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	size_t map_size;	/* of the mapping at pixels */
};

#define IMG_RGBA_EMPTY ((struct img_rgba){ .pixels = NULL })

/* Copies a segment into rgba (released first), taking the lock itself.
 * Returns 0, or -1 with the reason in err and rgba empty. */
int img_rgba_from_segment(struct seg *seg, struct img_rgba *rgba,
			  struct err *err);

/* Attaches to key, copies the image into rgba (released first), detaches.
 * The fastest way to a display-ready copy. Returns 0, or -1 with the
 * reason in err and rgba empty. */
int img_attach_rgba(const char *key, struct img_rgba *rgba, struct err *err);

/* Releases the pixels; rgba is empty afterwards. Safe on an empty one. */
void img_rgba_free(struct img_rgba *rgba);

/* Copies a segment straight into a new streaming RGBA32 texture of
 * renderer (blend mode BLEND for the straight alpha), taking the segment
 * lock itself: one copy, no intermediate surface. An image larger than
 * the renderer's largest texture is shrunk to fit it first (a copy and a
 * scaled blit more). NULL with the reason. */
SDL_Texture *img_texture_from_segment(SDL_Renderer *renderer, struct seg *seg,
				      struct err *err);

/* Attaches to key, copies the image into a new texture of renderer as
 * img_texture_from_segment() does, detaches. NULL with the reason. */
SDL_Texture *img_attach_texture(SDL_Renderer *renderer, const char *key,
				struct err *err);

/* Writes surf as PNG or BMP, chosen by the extension of path (any case).
 * Returns 0, or -1 with the reason. */
int img_save(SDL_Surface *surf, const char *path, struct err *err);

#endif
