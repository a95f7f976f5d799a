/* test_layout.c - the window's layout, hit-testing and image fitting.
 *
 * Proves, without a window, at several sizes and at scales 1, 1.5 and 2:
 * - the rows (top button, image area, status line, bottom button) come in
 *   that order and never overlap; the buttons span the width minus the
 *   margins and keep their height; the image area is exactly what the
 *   other rows leave, and not empty at or above the minimum size;
 * - a point on each edge of a button hits it, and the point just outside
 *   that edge does not (SDL_PointInRect semantics: x in [x, x + w));
 * - a click is a left press and a left release both inside: release
 *   outside, press outside, or another mouse button is no click; hover
 *   and pressed looks follow the pointer;
 * - mouse positions are converted from window points to pixels by the
 *   HiDPI scale;
 * - images are scaled down to fit with their aspect kept, never up, and
 *   centred.
 */
#include <SDL.h>
#include <math.h>
#include <stdlib.h>

#include "app/ui.h"
#include "check.h"

static const float scales[] = { 1.0f, 1.5f, 2.0f };
static const struct {
	int w, h;
} sizes[] = {
	{ 260, 160 }, { 451, 322 }, { 640, 480 }, { 1920, 1080 },
	{ 300, 1200 }, { 1500, 170 },
};

static bool overlap(const SDL_Rect *a, const SDL_Rect *b)
{
	return SDL_HasIntersection(a, b);
}

static void check_layout(int w, int h, float scale)
{
	struct ui_layout l;
	int m = ui_px(scale, UI_MARGIN);
	int sp = ui_px(scale, UI_SPACING);
	int bh = ui_px(scale, UI_BUTTON_H);

	ui_layout_compute(&l, w, h, scale);

	CHECK_MSG(l.load.x == m && l.load.y == m, "%dx%d@%.1f top button at "
		  "%d,%d", w, h, scale, l.load.x, l.load.y);
	CHECK_MSG(l.load.w == w - 2 * m && l.show.w == w - 2 * m,
		  "%dx%d@%.1f buttons %d/%d wide", w, h, scale, l.load.w,
		  l.show.w);
	CHECK(l.show.x == m);
	CHECK(l.load.h == bh && l.show.h == bh);
	CHECK_MSG(l.show.y + l.show.h == h - m, "%dx%d@%.1f bottom button "
		  "ends at %d", w, h, scale, l.show.y + l.show.h);

	/* Order and spacing, top to bottom. */
	CHECK(l.load.y + l.load.h + sp == l.image.y);
	CHECK(l.image.y + l.image.h + sp == l.status.y);
	CHECK(l.status.y + l.status.h + sp == l.show.y);
	CHECK(l.image.x == m && l.image.w == w - 2 * m);
	CHECK(l.status.x == m && l.status.w == w - 2 * m);
	CHECK_MSG(l.image.h > 0, "%dx%d@%.1f image area empty", w, h, scale);

	CHECK(!overlap(&l.load, &l.image));
	CHECK(!overlap(&l.image, &l.status));
	CHECK(!overlap(&l.status, &l.show));
	CHECK(!overlap(&l.load, &l.show));
}

static SDL_Event motion(int x, int y)
{
	SDL_Event ev = { .type = SDL_MOUSEMOTION };

	ev.motion.x = x;
	ev.motion.y = y;
	return ev;
}

static SDL_Event button(Uint32 type, int x, int y, Uint8 which)
{
	SDL_Event ev = { .type = type };

	ev.button.x = x;
	ev.button.y = y;
	ev.button.button = which;
	ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED :
			  SDL_RELEASED;
	ev.button.clicks = 1;
	return ev;
}

/* Press at (px, py), release at (rx, ry) with mouse button which; true
 * when the button reports a click. */
static bool click(const SDL_Rect *r, int px, int py, int rx, int ry,
		  Uint8 which)
{
	struct ui_button b = { .rect = *r };
	SDL_Event ev;
	bool redraw = false;
	bool clicked;

	ev = motion(px, py);
	ui_button_event(&b, &ev, &redraw);
	ev = button(SDL_MOUSEBUTTONDOWN, px, py, which);
	clicked = ui_button_event(&b, &ev, &redraw);
	ev = motion(rx, ry);
	clicked |= ui_button_event(&b, &ev, &redraw);
	ev = button(SDL_MOUSEBUTTONUP, rx, ry, which);
	clicked |= ui_button_event(&b, &ev, &redraw);
	CHECK(!b.pressed);
	return clicked;
}

static void check_edges(const SDL_Rect *r)
{
	int cx = r->x + r->w / 2, cy = r->y + r->h / 2;
	int left = r->x, right = r->x + r->w - 1;
	int top = r->y, bottom = r->y + r->h - 1;

	/* On each edge: a click there counts, one pixel outside does not. */
	CHECK(click(r, left, cy, left, cy, SDL_BUTTON_LEFT));
	CHECK(!click(r, left - 1, cy, left - 1, cy, SDL_BUTTON_LEFT));
	CHECK(click(r, right, cy, right, cy, SDL_BUTTON_LEFT));
	CHECK(!click(r, right + 1, cy, right + 1, cy, SDL_BUTTON_LEFT));
	CHECK(click(r, cx, top, cx, top, SDL_BUTTON_LEFT));
	CHECK(!click(r, cx, top - 1, cx, top - 1, SDL_BUTTON_LEFT));
	CHECK(click(r, cx, bottom, cx, bottom, SDL_BUTTON_LEFT));
	CHECK(!click(r, cx, bottom + 1, cx, bottom + 1, SDL_BUTTON_LEFT));

	/* Press inside, release outside (and the other way): no click. */
	CHECK(!click(r, cx, cy, right + 1, cy, SDL_BUTTON_LEFT));
	CHECK(!click(r, left - 1, cy, cx, cy, SDL_BUTTON_LEFT));
	/* The middle clicks with the left button only. */
	CHECK(click(r, cx, cy, cx, cy, SDL_BUTTON_LEFT));
	CHECK(!click(r, cx, cy, cx, cy, SDL_BUTTON_RIGHT));
}

static void check_looks(void)
{
	struct ui_button b = { .rect = { 10, 10, 100, 25 } };
	bool redraw = false;
	SDL_Event ev;

	CHECK(ui_button_look(&b) == THEME_NORMAL);
	ev = motion(50, 20);
	ui_button_event(&b, &ev, &redraw);
	CHECK(redraw && ui_button_look(&b) == THEME_HOVER);
	redraw = false;
	ev = motion(51, 20);
	ui_button_event(&b, &ev, &redraw);
	CHECK_MSG(!redraw, "a move inside must not ask for a frame");
	ev = button(SDL_MOUSEBUTTONDOWN, 51, 20, SDL_BUTTON_LEFT);
	ui_button_event(&b, &ev, &redraw);
	CHECK(redraw && ui_button_look(&b) == THEME_PRESSED);
	ev = motion(500, 20);
	ui_button_event(&b, &ev, &redraw);
	CHECK(ui_button_look(&b) == THEME_HOVER);
	ev = button(SDL_MOUSEBUTTONUP, 500, 20, SDL_BUTTON_LEFT);
	CHECK(!ui_button_event(&b, &ev, &redraw));
	CHECK(ui_button_look(&b) == THEME_NORMAL);
	b.hover = true;
	redraw = false;
	ui_button_reset(&b, &redraw);
	CHECK(redraw && ui_button_look(&b) == THEME_NORMAL);
}

static void check_scale_conversion(void)
{
	SDL_Event ev = motion(10, 21);

	ui_event_to_pixels(&ev, 2.0f);
	CHECK(ev.motion.x == 20 && ev.motion.y == 42);
	ev = button(SDL_MOUSEBUTTONDOWN, 10, 21, SDL_BUTTON_LEFT);
	ui_event_to_pixels(&ev, 1.5f);
	CHECK_MSG(ev.button.x == 15 && ev.button.y == 31, "got %d,%d",
		  ev.button.x, ev.button.y);
	ev = motion(7, 9);
	ui_event_to_pixels(&ev, 1.0f);
	CHECK(ev.motion.x == 7 && ev.motion.y == 9);

	/* A point of the button's last column, seen at scale 2, lands on
	 * the button in pixels: layout and conversion agree. */
	{
		struct ui_layout l;
		int last_pt;

		ui_layout_compute(&l, 902, 644, 2.0f);
		last_pt = (l.load.x + l.load.w - 1) / 2;
		ev = button(SDL_MOUSEBUTTONDOWN, last_pt, (l.load.y + 2) / 2,
			    SDL_BUTTON_LEFT);
		ui_event_to_pixels(&ev, 2.0f);
		CHECK(SDL_PointInRect(&(SDL_Point){ ev.button.x, ev.button.y },
				      &l.load));
	}
}

static void check_fit(void)
{
	SDL_Rect area = { 11, 42, 429, 210 };
	SDL_Rect r;

	/* Smaller than the area: natural size, centred. */
	r = ui_fit_image(&area, 64, 48);
	CHECK(r.w == 64 && r.h == 48);
	CHECK(r.x == area.x + (area.w - 64) / 2);
	CHECK(r.y == area.y + (area.h - 48) / 2);

	/* Wider: width fills, aspect kept within a pixel. */
	r = ui_fit_image(&area, 4000, 1000);
	CHECK(r.w == area.w);
	CHECK(abs(r.h - (int)lround(area.w / 4.0)) <= 1);
	CHECK(r.y >= area.y && r.y + r.h <= area.y + area.h);

	/* Taller: height fills. */
	r = ui_fit_image(&area, 1000, 3000);
	CHECK(r.h == area.h);
	CHECK(abs(r.w - (int)lround(area.h / 3.0)) <= 1);
	CHECK(r.x >= area.x && r.x + r.w <= area.x + area.w);

	/* Exactly the area: 1:1. */
	r = ui_fit_image(&area, area.w, area.h);
	CHECK(SDL_RectEquals(&r, &area));

	/* Extreme aspect: never zero-sized. */
	r = ui_fit_image(&area, 16384, 1);
	CHECK(r.w == area.w && r.h == 1);

	/* Nothing to fit. */
	r = ui_fit_image(&area, 0, 10);
	CHECK(r.w == 0 && r.h == 0);
	area.h = 0;
	r = ui_fit_image(&area, 10, 10);
	CHECK(r.w == 0 && r.h == 0);
}

int main(void)
{
	size_t i, k;

	for (k = 0; k < SDL_arraysize(scales); k++) {
		for (i = 0; i < SDL_arraysize(sizes); i++) {
			int w = (int)lroundf(sizes[i].w * scales[k]);
			int h = (int)lroundf(sizes[i].h * scales[k]);
			struct ui_layout l;

			check_layout(w, h, scales[k]);
			ui_layout_compute(&l, w, h, scales[k]);
			check_edges(&l.load);
			check_edges(&l.show);
		}
	}
	check_looks();
	check_scale_conversion();
	check_fit();
	return check_done();
}
