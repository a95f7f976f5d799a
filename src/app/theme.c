/* theme.c - Qt Fusion's light palette, measured off the Qt example on this
 * machine, and its push button. */
#include "app/theme.h"

#include <math.h>

const SDL_Color theme_window = { 0xef, 0xef, 0xef, 0xff };
const SDL_Color theme_text = { 0x10, 0x10, 0x10, 0xff };
const SDL_Color theme_muted = { 0x55, 0x55, 0x55, 0xff };
const SDL_Color theme_disabled = { 0x90, 0x90, 0x90, 0xff };
const SDL_Color theme_base = { 0xff, 0xff, 0xff, 0xff };
const SDL_Color theme_border = { 0xaa, 0xaa, 0xaa, 0xff };
const SDL_Color theme_line = { 0xcc, 0xcc, 0xcc, 0xff };
const SDL_Color theme_panel = { 0xf6, 0xf6, 0xf6, 0xff };
const SDL_Color theme_select = { 0x30, 0x8c, 0xc6, 0xff };
const SDL_Color theme_select_text = { 0xff, 0xff, 0xff, 0xff };
const SDL_Color theme_folder = { 0xf2, 0xc2, 0x55, 0xff };
const SDL_Color theme_error = { 0xb0, 0x1c, 0x1c, 0xff };
const SDL_Color theme_error_bg = { 0xfc, 0xe4, 0xe4, 0xff };
const SDL_Color theme_check_dark = { 0xd4, 0xd4, 0xd4, 0xff };

struct paint {
	SDL_Color border, top, bottom;
};

static const struct paint paints[] = {
	[THEME_NORMAL] = { { 0xab, 0xab, 0xab, 0xff },
			   { 0xfd, 0xfd, 0xfd, 0xff },
			   { 0xee, 0xee, 0xee, 0xff } },
	[THEME_HOVER] = { { 0x6a, 0x9c, 0xc4, 0xff },
			  { 0xfd, 0xfd, 0xfe, 0xff },
			  { 0xe3, 0xeb, 0xf1, 0xff } },
	[THEME_PRESSED] = { { 0x26, 0x70, 0x9e, 0xff },
			    { 0xd4, 0xdc, 0xe3, 0xff },
			    { 0xe2, 0xe8, 0xed, 0xff } },
	[THEME_DISABLED] = { { 0xc8, 0xc8, 0xc8, 0xff },
			     { 0xf4, 0xf4, 0xf4, 0xff },
			     { 0xf4, 0xf4, 0xf4, 0xff } },
};

int theme_px(float scale, int points)
{
	int p = (int)lroundf((float)points * scale);

	return p < 1 && points > 0 ? 1 : p;
}

void theme_set_color(SDL_Renderer *r, SDL_Color c)
{
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

void theme_fill(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c)
{
	theme_set_color(r, c);
	SDL_RenderFillRect(r, rc);
}

void theme_frame(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c, int t)
{
	SDL_Rect e[4] = {
		{ rc->x, rc->y, rc->w, t },
		{ rc->x, rc->y + rc->h - t, rc->w, t },
		{ rc->x, rc->y, t, rc->h },
		{ rc->x + rc->w - t, rc->y, t, rc->h },
	};

	if (rc->w <= 0 || rc->h <= 0)
		return;
	theme_set_color(r, c);
	SDL_RenderFillRects(r, e, 4);
}

static Uint8 mix(Uint8 a, Uint8 b, int i, int n)
{
	return (Uint8)(a + (b - a) * i / (n > 1 ? n - 1 : 1));
}

/* How far row y of a rect of height h is indented by corners of radius
 * rad (a quarter circle per corner, sampled at pixel centres). */
static int corner_inset(int y, int h, int rad)
{
	float dy;
	int from_edge = y < h - 1 - y ? y : h - 1 - y;

	if (from_edge >= rad)
		return 0;
	dy = (float)rad - (float)from_edge - 0.5f;
	return (int)lroundf((float)rad - sqrtf((float)(rad * rad) - dy * dy));
}

/* Two lines per row: the border colour as the outer shape, the gradient
 * in the inner one. */
static void face(SDL_Renderer *r, const SDL_Rect *rc, const struct paint *p,
		 int t, int rad)
{
	int inner_h = rc->h - 2 * t, y, in;

	theme_set_color(r, p->border);
	for (y = 0; y < rc->h; y++) {
		in = corner_inset(y, rc->h, rad);
		SDL_RenderDrawLine(r, rc->x + in, rc->y + y,
				   rc->x + rc->w - 1 - in, rc->y + y);
	}
	for (y = 0; y < inner_h; y++) {
		in = corner_inset(y, inner_h, rad - t);
		SDL_SetRenderDrawColor(r, mix(p->top.r, p->bottom.r, y, inner_h),
				       mix(p->top.g, p->bottom.g, y, inner_h),
				       mix(p->top.b, p->bottom.b, y, inner_h),
				       0xff);
		SDL_RenderDrawLine(r, rc->x + t + in, rc->y + t + y,
				   rc->x + rc->w - 1 - t - in, rc->y + t + y);
	}
}

int theme_button(SDL_Renderer *r, TTF_Font *font, float scale,
		 const struct theme_button *b, int *label_y)
{
	const SDL_Rect *rc = &b->rect;
	int t = theme_px(scale, 1), d = theme_px(scale, 3);
	int pad = theme_px(scale, THEME_LABEL_PAD);
	SDL_Rect ring = { rc->x + d, rc->y + d, rc->w - 2 * d, rc->h - 2 * d };
	SDL_Rect box = { rc->x + pad, rc->y + t, rc->w - 2 * pad, rc->h - 2 * t };
	int x;

	if (rc->w > 2 * t && rc->h > 2 * t)
		face(r, rc, &paints[b->look], t, d);
	if (b->focused)
		theme_frame(r, &ring, theme_select, t);
	if (b->look == THEME_PRESSED)
		box.y += t;
	x = text_draw_in(b->cache, r, font, b->label,
			 b->look == THEME_DISABLED ? theme_disabled : theme_text,
			 &box, TEXT_CENTER, TEXT_ELIDE_END);
	if (label_y)
		*label_y = box.y + (box.h - b->cache->h) / 2;
	return x;
}
