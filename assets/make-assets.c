/* make-assets.c - draws the sample images of assets/.
 *
 * The samples a new user loads first are made here, from arithmetic, so
 * the project owns every pixel of them. Run from the build tree:
 *
 *   ./make-assets ../assets
 *
 * sunset.png   400 x 300, a sky gradient, a sun and a sea, on a card with
 *              rounded, soft-edged corners (straight alpha)
 * checker.jpg  320 x 240, an opaque colour checkerboard (JPEG)
 * logo.png     256 x 256, two overlapping translucent windows (alpha)
 */
#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>

struct rgba {
	float r, g, b, a;	/* 0..1, straight alpha */
};

static float clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static float mixf(float a, float b, float t)
{
	return a + (b - a) * t;
}

static struct rgba mix(struct rgba a, struct rgba b, float t)
{
	t = clampf(t, 0.0f, 1.0f);
	return (struct rgba){ mixf(a.r, b.r, t), mixf(a.g, b.g, t),
			      mixf(a.b, b.b, t), mixf(a.a, b.a, t) };
}

/* Paints src over dst, both straight alpha. */
static struct rgba over(struct rgba dst, struct rgba src)
{
	float a = src.a + dst.a * (1.0f - src.a);
	struct rgba o = { 0, 0, 0, a };

	if (a <= 0.0f)
		return o;
	o.r = (src.r * src.a + dst.r * dst.a * (1.0f - src.a)) / a;
	o.g = (src.g * src.a + dst.g * dst.a * (1.0f - src.a)) / a;
	o.b = (src.b * src.a + dst.b * dst.a * (1.0f - src.a)) / a;
	return o;
}

/* Coverage of pixel (x, y) by a rounded rectangle, with a one-pixel
 * soft edge (signed distance to the rounded box). */
static float rounded_box(float x, float y, float bx, float by, float bw,
			 float bh, float rad)
{
	float cx = bx + bw / 2, cy = by + bh / 2;
	float qx = fabsf(x - cx) - (bw / 2 - rad);
	float qy = fabsf(y - cy) - (bh / 2 - rad);
	float ox = qx > 0 ? qx : 0, oy = qy > 0 ? qy : 0;
	float d = sqrtf(ox * ox + oy * oy) + fminf(fmaxf(qx, qy), 0) - rad;

	return clampf(0.5f - d, 0.0f, 1.0f);
}

static void put(SDL_Surface *s, int x, int y, struct rgba c)
{
	Uint8 *p = (Uint8 *)s->pixels + y * s->pitch + x * 4;

	/* RGBA32 is R, G, B, A in memory on every host. */
	p[0] = (Uint8)lroundf(clampf(c.r, 0, 1) * 255);
	p[1] = (Uint8)lroundf(clampf(c.g, 0, 1) * 255);
	p[2] = (Uint8)lroundf(clampf(c.b, 0, 1) * 255);
	p[3] = (Uint8)lroundf(clampf(c.a, 0, 1) * 255);
}

/* Pixel (x, y) of an image, from its centre (fx, fy). */
typedef struct rgba pixel_fn(float fx, float fy, int w, int h);

/* A w x h RGBA32 surface with every pixel from fn. NULL when SDL cannot
 * make one. */
static SDL_Surface *paint(int w, int h, pixel_fn *fn)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
							SDL_PIXELFORMAT_RGBA32);

	if (!s)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			put(s, x, y, fn(x + 0.5f, y + 0.5f, w, h));
	return s;
}

static struct rgba sunset(float fx, float fy, int w, int h)
{
	const float horizon = 190;
	const struct rgba night = { 0.10f, 0.12f, 0.35f, 1 };
	const struct rgba dusk = { 0.85f, 0.35f, 0.45f, 1 };
	const struct rgba glow = { 1.00f, 0.70f, 0.30f, 1 };
	const struct rgba sea = { 0.62f, 0.36f, 0.42f, 1 };
	const struct rgba deep = { 0.05f, 0.10f, 0.25f, 1 };
	const struct rgba sun = { 1.00f, 0.93f, 0.60f, 1 };
	float sd = hypotf(fx - 200, fy - horizon + 10);
	struct rgba c;

	if (fy < horizon) {
		float t = fy / horizon;

		c = t < 0.6f ? mix(night, dusk, t / 0.6f) :
		    mix(dusk, glow, (t - 0.6f) / 0.4f);
		/* The sun and its halo, cut by the sea. */
		c = mix(c, sun, 0.55f * expf(-sd / 45.0f));
		if (sd < 38)
			c = mix(c, sun, clampf(38 - sd, 0, 1));
	} else {
		float t = (fy - horizon) / (h - horizon);
		float ripple = sinf(fy * 0.9f + fx * 0.02f);
		float k = (fx - 200) / (16 + 70 * t);
		float lane = expf(-k * k);

		c = mix(sea, deep, sqrtf(t));
		/* The sun's road on the water. */
		if (ripple > 0.2f)
			c = mix(c, sun, 0.8f * lane * (1 - 0.6f * t));
	}
	c.a = rounded_box(fx, fy, 0, 0, w, h, 28);
	return c;
}

static struct rgba checker(float fx, float fy, int w, int h)
{
	const int cell = 40;
	static const struct rgba colors[] = {
		{ 0.90f, 0.30f, 0.25f, 1 }, { 0.98f, 0.80f, 0.25f, 1 },
		{ 0.30f, 0.70f, 0.40f, 1 }, { 0.25f, 0.50f, 0.85f, 1 },
		{ 0.60f, 0.35f, 0.75f, 1 },
	};
	const struct rgba white = { 0.97f, 0.97f, 0.95f, 1 };
	int cx = (int)fx / cell, cy = (int)fy / cell;

	(void)w;
	(void)h;
	return ((cx + cy) & 1) ? white : colors[(cx + 2 * cy) % 5];
}

/* A translucent rounded rectangle painted over c. */
static struct rgba layer(struct rgba c, struct rgba color, float fx,
			 float fy, const float box[5])
{
	color.a *= rounded_box(fx, fy, box[0], box[1], box[2], box[3],
				box[4]);
	return over(c, color);
}

static struct rgba logo(float fx, float fy, int w, int h)
{
	const struct rgba blue = { 0.16f, 0.44f, 0.62f, 0.85f };
	const struct rgba orange = { 0.95f, 0.55f, 0.20f, 0.80f };
	const struct rgba bar = { 1, 1, 1, 0.55f };
	/* Two windows, each with a title bar, sharing a corner: the
	 * overlap is where the memory is. x, y, w, h, corner radius. */
	static const float back[5] = { 24, 32, 140, 120, 14 };
	static const float back_bar[5] = { 34, 40, 120, 14, 7 };
	static const float front[5] = { 92, 104, 140, 120, 14 };
	static const float front_bar[5] = { 102, 112, 120, 14, 7 };
	struct rgba c = { 0, 0, 0, 0 };

	(void)w;
	(void)h;
	c = layer(c, blue, fx, fy, back);
	c = layer(c, bar, fx, fy, back_bar);
	c = layer(c, orange, fx, fy, front);
	return layer(c, bar, fx, fy, front_bar);
}

static int save(SDL_Surface *s, const char *dir, const char *name)
{
	char path[4096];
	int rc;

	if (!s) {
		fprintf(stderr, "make-assets: %s: %s\n", name, SDL_GetError());
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (SDL_strstr(name, ".jpg"))
		rc = IMG_SaveJPG(s, path, 90);
	else
		rc = IMG_SavePNG(s, path);
	SDL_FreeSurface(s);
	if (rc < 0) {
		fprintf(stderr, "make-assets: %s: %s\n", path, IMG_GetError());
		return -1;
	}
	printf("%s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: make-assets DIR\n");
		return 2;
	}
	bad |= save(paint(400, 300, sunset), argv[1], "sunset.png");
	bad |= save(paint(320, 240, checker), argv[1], "checker.jpg");
	bad |= save(paint(256, 256, logo), argv[1], "logo.png");
	return bad ? 1 : 0;
}
