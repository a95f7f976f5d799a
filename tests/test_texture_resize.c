/* test_texture_resize - what the window draws while it is resized
 * (img_texture_resized, src/image/texture.c), read back from SDL's
 * software renderer under the dummy video driver (a 1024 x 768 display).
 *
 * Proves: the first size of a segment is the box downscale from the
 * mapping, pixel for pixel; the next size of the same segment is drawn
 * from a reduced copy made for the display (identical to mip_create for
 * 1024 x 768 then mip_scale), not from the mapping; a size larger than the
 * copy goes back to the mapping; another segment is never drawn from the
 * first one's copy; an image under four times the copy's size is always
 * drawn from the mapping.
 */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image/mip.h"
#include "image/scale.h"
#include "image/texture.h"
#include "shm/segment.h"

static SDL_Renderer *ren;

/* A sealed w x h segment of random opaque pixels from seed. */
static void make_segment(struct seg *seg, uint32_t w, uint32_t h,
			 uint32_t seed)
{
	struct err err;

	if (seg_create(seg, "texture-resize", w, h, &err) < 0) {
		fprintf(stderr, "seg_create: %s\n", err.msg);
		exit(1);
	}
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = seg_rows(seg) + (size_t)y * seg->info.pitch;

		for (uint32_t i = 0; i < w * 4; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			row[i] = i % 4 == 3 ? 255 : (uint8_t)(seed >> 24);
		}
	}
	if (seg_seal(seg, &err) < 0) {
		fprintf(stderr, "seg_seal: %s\n", err.msg);
		exit(1);
	}
}

/* Draws the segment through the cache at w x h and reads the pixels
 * back (RGBA32, w * 4 a row); NULL on failure. */
static uint8_t *drawn(struct img_resize **cache, const struct seg *seg,
		      int w, int h)
{
	SDL_Rect r = { 0, 0, w, h };
	uint8_t *px = malloc((size_t)w * h * 4);
	struct err err;
	SDL_Texture *tex = img_texture_resized(cache, ren, seg, w, h, &err);

	CHECK_MSG(tex, "img_texture_resized %dx%d: %s", w, h, err.msg);
	if (!tex || !px) {
		free(px);
		return NULL;
	}
	SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_NONE);
	SDL_RenderClear(ren);
	SDL_RenderCopy(ren, tex, NULL, &r);
	CHECK(SDL_RenderReadPixels(ren, &r, SDL_PIXELFORMAT_RGBA32, px,
				   w * 4) == 0);
	SDL_DestroyTexture(tex);
	return px;
}

static uint8_t *direct(const struct seg *seg, int w, int h)
{
	uint8_t *px = malloc((size_t)w * h * 4);

	scale_box(seg_pixels(seg), seg->info.width, seg->info.height,
		  seg->info.pitch, px, (uint32_t)w, (uint32_t)h, (size_t)w * 4);
	return px;
}

static uint8_t *via_copy(const struct seg *seg, int w, int h)
{
	struct mip *m = mip_create(seg_pixels(seg), seg->info.width,
				   seg->info.height, seg->info.pitch, 1024, 768);
	uint8_t *px = malloc((size_t)w * h * 4);

	CHECK(m && mip_scale(m, px, (uint32_t)w, (uint32_t)h,
			     (size_t)w * 4) == 0);
	mip_destroy(m);
	return px;
}

/* got and want (w x h RGBA) are the same bytes; says which differ. */
static void same(const char *what, uint8_t *got, uint8_t *want, int w, int h)
{
	CHECK_MSG(got && want && !memcmp(got, want, (size_t)w * h * 4),
		  "%s: the pixels drawn are not the expected ones", what);
	free(got);
	free(want);
}

int main(void)
{
	struct img_resize *cache = NULL;
	struct seg a, b, small;
	SDL_Window *win;

	SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
		return 1;
	}
	win = SDL_CreateWindow("resize", 0, 0, 1200, 800, SDL_WINDOW_HIDDEN);
	ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
	if (!ren) {
		fprintf(stderr, "no renderer: %s\n", SDL_GetError());
		return 1;
	}
	make_segment(&a, 3000, 2000, 1);
	make_segment(&b, 3000, 2000, 2);
	make_segment(&small, 1200, 800, 3);

	same("first size, from the mapping", drawn(&cache, &a, 400, 267),
	     direct(&a, 400, 267), 400, 267);
	same("a resize, from the copy", drawn(&cache, &a, 390, 260),
	     via_copy(&a, 390, 260), 390, 260);
	same("another resize, from the copy", drawn(&cache, &a, 211, 141),
	     via_copy(&a, 211, 141), 211, 141);
	/* The copy for 1024 x 768 is 1024 x 683: wider goes to the mapping. */
	same("wider than the copy, from the mapping",
	     drawn(&cache, &a, 1100, 733), direct(&a, 1100, 733), 1100, 733);
	same("another segment, first size", drawn(&cache, &b, 390, 260),
	     direct(&b, 390, 260), 390, 260);
	same("another segment, resized", drawn(&cache, &b, 380, 253),
	     via_copy(&b, 380, 253), 380, 253);
	same("back to the first segment", drawn(&cache, &a, 380, 253),
	     direct(&a, 380, 253), 380, 253);
	same("a small image", drawn(&cache, &small, 400, 267),
	     direct(&small, 400, 267), 400, 267);
	same("a small image resized", drawn(&cache, &small, 390, 260),
	     direct(&small, 390, 260), 390, 260);

	img_resize_destroy(cache);
	img_resize_destroy(NULL);
	seg_finish(&a);
	seg_finish(&b);
	seg_finish(&small);
	SDL_DestroyRenderer(ren);
	SDL_DestroyWindow(win);
	SDL_Quit();
	return check_done();
}
