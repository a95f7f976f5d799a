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
 *   centred;
 * - below the minimum size (a window manager need not enforce it), down to
 *   0 x 0, no two rows overlap and none leaves the window;
 * - ui_min_size() is the smallest size that keeps both labels whole: at
 *   it they fit their buttons and the image area is not empty; two points
 *   narrower, the longer one no longer fits;
 * - with the font the window uses (fontconfig's sans-serif) and the
 *   software renderer, with no video driver: the Load button has the
 *   focus at first, Tab / Shift+Tab / arrows move it, Space and Enter press
 *   the focused button (not on auto-repeat), a click moves it; the focus
 *   ring is drawn on the focused button only; the F of "File" and the M of
 *   "Memory" are underlined and the other letters are not; a label too
 *   wide for its button is elided, never cut at the button's edge; a
 *   button too low for its label (60 x 40) shows none;
 * - the status line at every width from the minimum window's to the
 *   default's, for each state's parts with the longest key and pid: it
 *   fits, the state and the owner stay (long or short), the key is
 *   shortened in the middle before the size goes;
 * - a message wrapped at any width never ends a line between a number
 *   and its unit joined by a no-break space (U+00A0).
 */
#include <SDL.h>
#include <SDL_ttf.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "app/font.h"
#include "app/text.h"
#include "app/ui.h"
#include "app/ui_inspect.h"
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
	int m = theme_px(scale, UI_MARGIN);
	int sp = theme_px(scale, UI_SPACING);
	int bh = theme_px(scale, UI_BUTTON_H);

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

/* Below the minimum size: rows shrink away, never overlap. */
static void check_tiny(void)
{
	static const int tiny[][2] = {
		{ 60, 40 }, { 100, 30 }, { 20, 10 }, { 0, 0 }, { 300, 70 },
		{ 400, 100 },
	};
	struct ui_layout l;
	size_t i, a, b;

	for (i = 0; i < SDL_arraysize(tiny); i++) {
		int w = tiny[i][0], h = tiny[i][1];
		SDL_Rect win = { 0, 0, w, h }, in;
		const SDL_Rect *r[4];

		ui_layout_compute(&l, w, h, 1.0f);
		r[0] = &l.load, r[1] = &l.image, r[2] = &l.status;
		r[3] = &l.show;
		for (a = 0; a < 4; a++) {
			CHECK_MSG(r[a]->w >= 0 && r[a]->h >= 0, "%dx%d row %zu "
				  "is %dx%d", w, h, a, r[a]->w, r[a]->h);
			CHECK_MSG(r[a]->w * r[a]->h == 0 ||
				  (SDL_IntersectRect(r[a], &win, &in) &&
				   SDL_RectEquals(&in, r[a])),
				  "%dx%d row %zu leaves the window", w, h, a);
			for (b = a + 1; b < 4; b++)
				CHECK_MSG(!overlap(r[a], r[b]), "%dx%d: rows "
					  "%zu and %zu overlap", w, h, a, b);
		}
	}
}

static TTF_Font *open_font(const char *path, float scale)
{
	TTF_Font *f = TTF_OpenFont(path, theme_px(scale, UI_FONT_PT));

	if (!f)
		fprintf(stderr, "font %s: %s\n", path, TTF_GetError());
	return f;
}

static void check_min_size(const char *font_path)
{
	size_t k;

	for (k = 0; k < SDL_arraysize(scales); k++) {
		float s = scales[k];
		TTF_Font *f = open_font(font_path, s);
		int w, h, label, pad = theme_px(s, THEME_LABEL_PAD);
		struct ui_layout l;

		if (!f)
			continue;
		label = SDL_max(text_width(f, UI_LABEL_LOAD),
				text_width(f, UI_LABEL_SHOW));
		ui_min_size(f, s, &w, &h);
		check_layout((int)lroundf(w * s), (int)lroundf(h * s), s);
		ui_layout_compute(&l, (int)lroundf(w * s), (int)lroundf(h * s),
				  s);
		CHECK_MSG(label + 2 * pad <= l.load.w, "@%.1f min %dx%d: "
			  "label %d + padding does not fit %d", s, w, h, label,
			  l.load.w);
		ui_layout_compute(&l, (int)lroundf((w - 2) * s), 1000, s);
		CHECK_MSG(label + 2 * pad > l.load.w, "@%.1f min width %d is "
			  "not the smallest", s, w);
		TTF_CloseFont(f);
	}
}

static SDL_Event key_event(SDL_Keycode sym, Uint16 mod, Uint8 repeat)
{
	SDL_Event ev = { .type = SDL_KEYDOWN };

	ev.key.state = SDL_PRESSED;
	ev.key.repeat = repeat;
	ev.key.keysym.sym = sym;
	ev.key.keysym.mod = mod;
	return ev;
}

static enum ui_action press(struct ui *ui, SDL_Keycode sym, Uint16 mod,
			    Uint8 repeat)
{
	SDL_Event ev = key_event(sym, mod, repeat);
	bool redraw = false;

	return ui_handle_event(ui, &ev, &redraw);
}

static void check_focus_keys(struct ui *ui)
{
	SDL_Event ev;
	bool redraw = false;

	CHECK(ui_focus(ui) == UI_LOAD);
	CHECK(press(ui, SDLK_SPACE, 0, 0) == UI_LOAD);
	CHECK(press(ui, SDLK_SPACE, 0, 1) == UI_NONE);
	CHECK(press(ui, SDLK_RETURN, 0, 0) == UI_LOAD);
	CHECK(press(ui, SDLK_TAB, 0, 0) == UI_NONE && ui_focus(ui) == UI_SHOW);
	CHECK(press(ui, SDLK_RETURN, 0, 0) == UI_SHOW);
	CHECK(press(ui, SDLK_KP_ENTER, 0, 0) == UI_SHOW);
	CHECK(press(ui, SDLK_TAB, KMOD_LSHIFT, 0) == UI_NONE &&
	      ui_focus(ui) == UI_LOAD);
	press(ui, SDLK_DOWN, 0, 0);
	CHECK(ui_focus(ui) == UI_SHOW);
	press(ui, SDLK_RIGHT, 0, 0);
	CHECK(ui_focus(ui) == UI_SHOW);
	press(ui, SDLK_UP, 0, 0);
	CHECK(ui_focus(ui) == UI_LOAD);
	/* A key the buttons do not take does nothing. */
	CHECK(press(ui, SDLK_x, 0, 0) == UI_NONE && ui_focus(ui) == UI_LOAD);
	/* A click on Display moves the focus there. */
	ev = button(SDL_MOUSEBUTTONDOWN, ui_layout(ui)->show.x + 5,
		    ui_layout(ui)->show.y + 5, SDL_BUTTON_LEFT);
	ui_handle_event(ui, &ev, &redraw);
	ev.type = SDL_MOUSEBUTTONUP;
	CHECK(ui_handle_event(ui, &ev, &redraw) == UI_SHOW);
	CHECK(ui_focus(ui) == UI_SHOW && redraw);
	press(ui, SDLK_LEFT, 0, 0);
	CHECK(ui_focus(ui) == UI_LOAD);
}

/* Pixels of rc matching c (±2 a channel), or darker than 0x80 (ink). */
static int count(SDL_Renderer *r, const SDL_Rect *rc, const SDL_Color *c)
{
	Uint8 px[4 * 1024];
	int n = 0, i;

	if (rc->w <= 0 || rc->h <= 0 || rc->w * rc->h > 1024 ||
	    SDL_RenderReadPixels(r, rc, SDL_PIXELFORMAT_RGBA32, px,
				 rc->w * 4) < 0)
		return -1;
	for (i = 0; i < rc->w * rc->h; i++) {
		Uint8 *p = px + 4 * i;

		if (c ? abs(p[0] - c->r) <= 2 && abs(p[1] - c->g) <= 2 &&
			abs(p[2] - c->b) <= 2 : p[0] < 0x80)
			n++;
	}
	return n;
}

/* The focus ring: a line of the selection colour along the button's top
 * inside its border. */
static int ring_pixels(SDL_Renderer *r, const SDL_Rect *b)
{
	SDL_Rect top = { b->x + 8, b->y + 3, b->w - 16, 1 };

	return count(r, &top, &theme_select);
}

/* The row under the baseline, below the letter at byte key of label. */
static int underline_ink(SDL_Renderer *r, TTF_Font *f, const SDL_Rect *b,
			 const char *label, size_t key)
{
	char head[64];
	int pad = THEME_LABEL_PAD, x, w, h;
	SDL_Rect row;

	snprintf(head, sizeof(head), "%.*s", (int)key, label);
	x = b->x + pad + (b->w - 2 * pad - text_width(f, label)) / 2 +
	    text_width(f, head);
	snprintf(head, sizeof(head), "%c", label[key]);
	w = text_width(f, head);
	/* The label is centred in the button's inside, under its border;
	 * the underline is a pixel under the baseline. */
	TTF_SizeUTF8(f, label, NULL, &h);
	row = (SDL_Rect){ x + 1, b->y + 1 + (b->h - 2 - h) / 2 +
			  TTF_FontAscent(f) + 1, w - 2, 1 };
	return count(r, &row, NULL) * 100 / (w - 2);
}

/* At 60 x 40 the buttons are too low for a label: no ink above, between
 * or below them, where a label that does not fit would spill. */
static void check_too_low(SDL_Renderer *r, TTF_Font *f, struct ui *ui,
			  const struct ui_content *c)
{
	const struct ui_layout *l = ui_layout(ui);

	ui_resize(ui, 60, 40, 1.0f, f);
	ui_draw(ui, c);
	{
		SDL_Rect gaps[] = {
			{ 0, 0, 60, l->load.y },
			{ 0, l->load.y + l->load.h, 60,
			  l->show.y - l->load.y - l->load.h },
			{ 0, l->show.y + l->show.h, 60,
			  40 - l->show.y - l->show.h },
		};

		for (size_t i = 0; i < SDL_arraysize(gaps); i++)
			CHECK_MSG(count(r, &gaps[i], NULL) == 0, "60x40: ink "
				  "outside the buttons (gap %zu)", i);
	}
}

static void check_drawing(SDL_Renderer *r, TTF_Font *f)
{
	struct ui *ui = ui_create(r, f, 1.0f);
	struct ui_content c = { .message = "",
				.status = { "", "", "", "", "", "" } };
	const struct ui_layout *l;
	size_t kf = (size_t)(strstr(UI_LABEL_LOAD, "File") - UI_LABEL_LOAD);
	size_t km = (size_t)(strstr(UI_LABEL_SHOW, "Memory") - UI_LABEL_SHOW);
	SDL_Rect edge;

	CHECK(ui != NULL);
	if (!ui)
		return;
	ui_resize(ui, 451, 322, 1.0f, f);
	l = ui_layout(ui);
	check_focus_keys(ui);
	ui_draw(ui, &c);
	CHECK_MSG(ring_pixels(r, &l->load) > l->load.w / 2, "no focus ring "
		  "on Load: %d px", ring_pixels(r, &l->load));
	CHECK(ring_pixels(r, &l->show) == 0);
	press(ui, SDLK_TAB, 0, 0);
	ui_draw(ui, &c);
	CHECK(ring_pixels(r, &l->load) == 0);
	CHECK(ring_pixels(r, &l->show) > l->show.w / 2);

	CHECK_MSG(underline_ink(r, f, &l->load, UI_LABEL_LOAD, kf) > 90,
		  "F of File not underlined");
	CHECK_MSG(underline_ink(r, f, &l->show, UI_LABEL_SHOW, km) > 90,
		  "M of Memory not underlined");
	CHECK(underline_ink(r, f, &l->load, UI_LABEL_LOAD, 0) == 0);
	CHECK(underline_ink(r, f, &l->show, UI_LABEL_SHOW, 0) == 0);

	/* Too narrow for the labels: no ink on the first or last column
	 * the label may use, which a label cut by the clip would have (the
	 * rows of the focus ring left out). */
	ui_resize(ui, 150, 322, 1.0f, f);
	ui_draw(ui, &c);
	edge = (SDL_Rect){ l->show.x + THEME_LABEL_PAD, l->show.y + 5, 1,
			   l->show.h - 10 };
	CHECK_MSG(count(r, &edge, NULL) == 0, "label cut at its left edge");
	edge.x = l->show.x + l->show.w - THEME_LABEL_PAD - 1;
	CHECK_MSG(count(r, &edge, NULL) == 0, "label cut at its right edge");
	edge = (SDL_Rect){ l->show.x + l->show.w / 2 - 20, l->show.y + 5, 40,
			   l->show.h - 10 };
	CHECK(count(r, &edge, NULL) > 20);

	check_too_low(r, f, ui, &c);
	ui_destroy(ui);
}

/* The widest a status part gets. */
static const struct ui_status status_cases[] = {
	{ "Following", "Following", "16384 x 16384",
	  "key-of-64-characters-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
	  "shared by pid 4194304", "pid 4194304" },
	{ "Following \u00b7 waiting for the next image", "Waiting",
	  "16384 x 16384",
	  "key-of-64-characters-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
	  "pid 4194304 stopped sharing it", "pid 4194304 stopped" },
	{ "", "", "400 x 300", "SharedMemoryExample",
	  "pid 4194304 stopped sharing it", "pid 4194304 stopped" },
	{ "Following \u00b7 Loading \u00b7 Esc cancels",
	  "Loading \u00b7 Esc cancels", "",
	  "key-of-64-characters-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
	  "", "" },
	{ "Following \u00b7 Still sharing \u00b7 M shows it",
	  "Still sharing", "16384 x 16384", "SharedMemoryExample", "", "" },
	{ "Following", "Following", "400 x 300", "SharedMemoryExample",
	  "shared by this window", "shared here" },
};

static void check_status_fit(TTF_Font *f)
{
	int min_w, min_h, w;
	char out[512];

	ui_min_size(f, 1.0f, &min_w, &min_h);
	for (size_t i = 0; i < SDL_arraysize(status_cases); i++) {
		const struct ui_status *s = &status_cases[i];

		for (w = min_w - 2 * UI_MARGIN; w <= 451 - 2 * UI_MARGIN; w++) {
			ui_status_fit(f, w, s, out, sizeof(out));
			CHECK_MSG(text_width(f, out) <= w, "%d: %s", w, out);
			CHECK_MSG((strstr(out, s->state) ||
				   strstr(out, s->state_short)) &&
				  (strstr(out, s->owner) ||
				   strstr(out, s->owner_short)), "%d: %s", w,
				  out);
			/* The size goes only once not even one character
			 * of the key and the ellipsis fit beside it. */
			if (*s->size && !strstr(out, s->size)) {
				char one[512];

				snprintf(one, sizeof(one), "%s%s%s \u00b7 key "
					 "%c\u2026%s%s", s->state,
					 *s->state ? " \u00b7 " : "", s->size,
					 s->key[0], *s->owner ? " \u00b7 " : "",
					 s->owner);
				CHECK_MSG(text_width(f, one) > w,
					  "%d: %s, yet %s fits", w, out, one);
			}
		}
	}
	/* The example at the default width keeps all but the
	 * middle of the key. */
	ui_status_fit(f, 451 - 2 * UI_MARGIN, &status_cases[0], out,
		      sizeof(out));
	CHECK_MSG(strstr(out, "16384 x 16384") && strstr(out, "\u2026") &&
		  strstr(out, "shared by pid 4194304"), "%s", out);
}

/* SDL_ttf's wrapper breaks at spaces, not at U+00A0: at every width the
 * rendered first line of "... of 245<nbsp>MiB" ends before "245" or
 * after "MiB", never between. */
static void check_nbsp_wrap(TTF_Font *f)
{
	static const char msg[] = "over the limit of 245\u00a0MiB";
	int before = text_width(f, "over the limit of");
	int with_num = text_width(f, "over the limit of 245");
	int all = text_width(f, msg);

	for (int w = before + 1; w < all; w++) {
		SDL_Surface *s = TTF_RenderUTF8_Blended_Wrapped(
			f, msg, (SDL_Color){ 0, 0, 0, 255 }, (Uint32)w);
		int right = -1, line = TTF_FontLineSkip(f);

		for (int y = 0; s && y < line && y < s->h; y++)
			for (int x = 0; x < s->w; x++) {
				Uint32 p = ((Uint32 *)((Uint8 *)s->pixels +
						       y * s->pitch))[x];

				if ((p >> 24) > 64 && x > right)
					right = x;
			}
		CHECK_MSG(s && right < with_num - 2, "at %d px the first line "
			  "ends at %d: the number stayed, its unit went", w,
			  right);
		SDL_FreeSurface(s);
	}
}

int main(void)
{
	char font_path[PATH_MAX];
	struct err err;
	SDL_Surface *s;
	SDL_Renderer *r;
	TTF_Font *f;
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
	check_tiny();

	/* The drawing half: the window's own font, a software renderer on
	 * a surface (no video driver needed). */
	if (font_find(FONT_DEFAULT_FAMILY, font_path, sizeof(font_path),
		      &err) < 0 || TTF_Init() < 0) {
		CHECK_MSG(false, "no font: %s", err.msg);
		return check_done();
	}
	check_min_size(font_path);
	s = SDL_CreateRGBSurfaceWithFormat(0, 451, 322, 32,
					   SDL_PIXELFORMAT_RGBA32);
	r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	f = open_font(font_path, 1.0f);
	CHECK(r && f);
	if (r && f)
		check_drawing(r, f);
	if (f) {
		check_status_fit(f);
		check_nbsp_wrap(f);
	}
	if (f)
		TTF_CloseFont(f);
	if (r)
		SDL_DestroyRenderer(r);
	SDL_FreeSurface(s);
	TTF_Quit();
	return check_done();
}
