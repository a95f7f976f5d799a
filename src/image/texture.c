#include "image/texture.h"

#include <SDL_image.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/path.h"
#include "image/mip.h"
#include "image/scale.h"

struct img_resize {
	dev_t dev;		/* the segment's memfd: inode numbers of */
	ino_t ino;		/* tmpfs are not reused soon, and with the */
	struct timespec mtime;	/* time it was last written (sealed) and */
	uint32_t w, h;		/* the size, another image never matches */
	struct mip *mip;	/* NULL until a resize asks for it */
	bool tried;		/* mip made, or not worth making */
};

/* A streaming w x h texture filled by fill (the mapping, or a reduced
 * copy). */
typedef int fill_fn(const void *ctx, uint8_t *pixels, size_t pitch);

static SDL_Texture *texture_filled(SDL_Renderer *renderer, int w, int h,
				   fill_fn *fill, const void *ctx,
				   struct err *err)
{
	SDL_Texture *tex;
	void *pixels;
	int pitch;

	tex = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32,
				SDL_TEXTUREACCESS_STREAMING, w, h);
	if (!tex) {
		err_set(err, "cannot create a %d x %d texture: %s", w, h,
			SDL_GetError());
		return NULL;
	}
	if (SDL_LockTexture(tex, NULL, &pixels, &pitch) < 0) {
		err_set(err, "cannot fill the texture: %s", SDL_GetError());
		SDL_DestroyTexture(tex);
		return NULL;
	}
	if (fill(ctx, pixels, (size_t)pitch) < 0) {
		SDL_UnlockTexture(tex);
		SDL_DestroyTexture(tex);
		err_set(err, "out of memory for a %d x %d image", w, h);
		return NULL;
	}
	SDL_UnlockTexture(tex);
	if (SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND) < 0) {
		err_set(err, "cannot blend the texture: %s", SDL_GetError());
		SDL_DestroyTexture(tex);
		return NULL;
	}
	return tex;
}

struct from_seg {
	const struct seg *seg;
	uint32_t w, h;
};

static int fill_from_seg(const void *arg, uint8_t *pixels, size_t pitch)
{
	const struct from_seg *f = arg;
	const struct seg_info *in = &f->seg->info;

	if (f->w == in->width && f->h == in->height) {
		/* 1:1: the rows as they are, transparent pixels' colour
		 * included. */
		for (uint32_t y = 0; y < f->h; y++)
			memcpy(pixels + (size_t)y * pitch,
			       seg_pixels(f->seg) + (size_t)y * in->pitch,
			       (size_t)f->w * 4u);
	} else {
		scale_box(seg_pixels(f->seg), in->width, in->height,
			  in->pitch, pixels, f->w, f->h, pitch);
	}
	return 0;
}

struct from_mip {
	const struct mip *mip;
	uint32_t w, h;
};

static int fill_from_mip(const void *arg, uint8_t *pixels, size_t pitch)
{
	const struct from_mip *f = arg;

	return mip_scale(f->mip, pixels, f->w, f->h, pitch);
}

SDL_Texture *img_texture_scaled(SDL_Renderer *renderer, const struct seg *seg,
				int w, int h, struct err *err)
{
	const struct seg_info *in = &seg->info;
	struct from_seg f = { seg, (uint32_t)w, (uint32_t)h };

	if (w < 1 || h < 1 || (uint32_t)w > in->width ||
	    (uint32_t)h > in->height) {
		err_set(err, "cannot show a %" PRIu32 " x %" PRIu32 " image at "
			"%d x %d", in->width, in->height, w, h);
		return NULL;
	}
	return texture_filled(renderer, w, h, fill_from_seg, &f, err);
}

/* The largest area, in pixels, the renderer's window could be given on
 * its display: the display's mode (pixels), scaled by the window's
 * pixels per point where the drawable is larger than the window. */
static void display_pixels(SDL_Renderer *renderer, uint32_t *w, uint32_t *h)
{
	SDL_Window *win = SDL_RenderGetWindow(renderer);
	SDL_DisplayMode mode;
	int ww = 0, wh = 0, pw = 0, ph = 0, idx;

	*w = *h = 2048;	/* no display to ask: a common large screen */
	if (!win || (idx = SDL_GetWindowDisplayIndex(win)) < 0 ||
	    SDL_GetDesktopDisplayMode(idx, &mode) < 0)
		return;
	SDL_GetWindowSize(win, &ww, &wh);
	if (SDL_GetRendererOutputSize(renderer, &pw, &ph) < 0 || ww < 1 ||
	    pw <= ww)
		pw = ww = 1;
	*w = (uint32_t)((int64_t)mode.w * pw / ww);
	*h = (uint32_t)((int64_t)mode.h * pw / ww);
}

/* Makes the reduced copy on the first resize of a large image. */
static void resize_prepare(struct img_resize *c, SDL_Renderer *renderer,
			   const struct seg *seg)
{
	const struct seg_info *in = &seg->info;
	uint32_t dw, dh, mw, mh;

	c->tried = true;
	display_pixels(renderer, &dw, &dh);
	mip_size_for(in->width, in->height, dw, dh, &mw, &mh);
	/* Below four times the copy the mapping itself is read quickly
	 * enough, and exactly. */
	if ((uint64_t)in->width * in->height < (uint64_t)mw * mh * 4)
		return;
	c->mip = mip_create(seg_pixels(seg), in->width, in->height,
			    in->pitch, dw, dh);
}

SDL_Texture *img_texture_resized(struct img_resize **cache,
				 SDL_Renderer *renderer, const struct seg *seg,
				 int w, int h, struct err *err)
{
	struct img_resize *c = *cache;
	struct stat st;
	uint32_t mw = 0, mh = 0;

	if (fstat(seg->fd, &st) < 0) {
		/* No identity, nothing to keep. */
		img_resize_destroy(c);
		*cache = NULL;
		return img_texture_scaled(renderer, seg, w, h, err);
	}
	if (!c || c->dev != st.st_dev || c->ino != st.st_ino ||
	    c->mtime.tv_sec != st.st_mtim.tv_sec ||
	    c->mtime.tv_nsec != st.st_mtim.tv_nsec ||
	    c->w != seg->info.width || c->h != seg->info.height) {
		img_resize_destroy(c);
		*cache = c = calloc(1, sizeof(*c));
		if (c) {
			c->dev = st.st_dev;
			c->ino = st.st_ino;
			c->mtime = st.st_mtim;
			c->w = seg->info.width;
			c->h = seg->info.height;
		}
		/* The first size of a segment: from the mapping. */
		return img_texture_scaled(renderer, seg, w, h, err);
	}
	if (!c->tried)
		resize_prepare(c, renderer, seg);
	if (c->mip)
		mip_size(c->mip, &mw, &mh);
	if (w >= 1 && h >= 1 && (uint32_t)w <= mw && (uint32_t)h <= mh) {
		struct from_mip f = { c->mip, (uint32_t)w, (uint32_t)h };

		return texture_filled(renderer, w, h, fill_from_mip, &f, err);
	}
	return img_texture_scaled(renderer, seg, w, h, err);
}

void img_resize_destroy(struct img_resize *cache)
{
	if (!cache)
		return;
	mip_destroy(cache->mip);
	free(cache);
}

SDL_Surface *img_from_segment(const struct seg *seg, struct err *err)
{
	SDL_Surface *surf;

	surf = SDL_CreateRGBSurfaceWithFormat(0, (int)seg->info.width,
					      (int)seg->info.height, 32,
					      SDL_PIXELFORMAT_RGBA32);
	if (!surf) {
		err_set(err, "cannot allocate a %" PRIu32 " x %" PRIu32
			" image: %s", seg->info.width, seg->info.height,
			SDL_GetError());
		return NULL;
	}
	if (seg_read(seg, surf->pixels, (size_t)surf->pitch, err) < 0) {
		SDL_FreeSurface(surf);
		return NULL;
	}
	return surf;
}

int img_save(SDL_Surface *surf, const char *path, struct err *err)
{
	const char *ext = path_extension(path);
	bool png = strcasecmp(ext, "png") == 0;
	SDL_RWops *rw;
	FILE *f;

	if (!png && strcasecmp(ext, "bmp") != 0) {
		err_set(err, "%s: the output name must end in .png or .bmp",
			path);
		return -1;
	}
	/* Opened here, not by SDL, whose message drops errno's reason
	 * ("Couldn't open x"). */
	f = fopen(path, "wbe");
	if (!f) {
		err_errno(err, errno, "cannot write %s", path);
		return -1;
	}
	rw = SDL_RWFromFP(f, SDL_TRUE);
	if (!rw) {
		err_set(err, "cannot write %s: %s", path, SDL_GetError());
		fclose(f);
		return -1;
	}
	/* Both close rw, and with it f, whatever the outcome. */
	if ((png ? IMG_SavePNG_RW(surf, rw, 1) : SDL_SaveBMP_RW(surf, rw, 1))
	    < 0) {
		err_set(err, "cannot write %s: %s", path, SDL_GetError());
		return -1;
	}
	return 0;
}
