#include "image/texture.h"

#include <SDL_image.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/path.h"
#include "image/scale.h"

SDL_Texture *img_texture_scaled(SDL_Renderer *renderer, const struct seg *seg,
				int w, int h, struct err *err)
{
	const struct seg_info *in = &seg->info;
	SDL_Texture *tex;
	void *pixels;
	int pitch;

	if (w < 1 || h < 1 || (uint32_t)w > in->width ||
	    (uint32_t)h > in->height) {
		err_set(err, "cannot show a %" PRIu32 " x %" PRIu32 " image at "
			"%d x %d", in->width, in->height, w, h);
		return NULL;
	}
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
	if ((uint32_t)w == in->width && (uint32_t)h == in->height) {
		/* 1:1: the rows as they are, transparent pixels' colour
		 * included. */
		for (int y = 0; y < h; y++)
			memcpy((uint8_t *)pixels + (size_t)y * (size_t)pitch,
			       seg_pixels(seg) + (size_t)y * in->pitch,
			       (size_t)w * 4u);
	} else {
		scale_box(seg_pixels(seg), in->width, in->height, in->pitch,
			  pixels, (uint32_t)w, (uint32_t)h, (size_t)pitch);
	}
	SDL_UnlockTexture(tex);
	if (SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND) < 0) {
		err_set(err, "cannot blend the texture: %s", SDL_GetError());
		SDL_DestroyTexture(tex);
		return NULL;
	}
	return tex;
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
