/* ui.c - layout, buttons and drawing of the window. */
#include "app/ui.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/text.h"

/* Qt's Fusion palette, measured off the Qt example on this machine. */
static const SDL_Color c_window = { 0xef, 0xef, 0xef, 0xff };
static const SDL_Color c_text = { 0x10, 0x10, 0x10, 0xff };
static const SDL_Color c_status = { 0x55, 0x55, 0x55, 0xff };
static const SDL_Color c_check_light = { 0xff, 0xff, 0xff, 0xff };
static const SDL_Color c_check_dark = { 0xd4, 0xd4, 0xd4, 0xff };

struct button_paint {
	SDL_Color border, top, bottom;
};

static const struct button_paint paints[] = {
	[UI_LOOK_NORMAL] = { { 0xab, 0xab, 0xab, 0xff },
			     { 0xfd, 0xfd, 0xfd, 0xff },
			     { 0xee, 0xee, 0xee, 0xff } },
	[UI_LOOK_HOVER] = { { 0x6a, 0x9c, 0xc4, 0xff },
			    { 0xfd, 0xfd, 0xfe, 0xff },
			    { 0xe3, 0xeb, 0xf1, 0xff } },
	[UI_LOOK_PRESSED] = { { 0x26, 0x70, 0x9e, 0xff },
			      { 0xd4, 0xdc, 0xe3, 0xff },
			      { 0xe2, 0xe8, 0xed, 0xff } },
};

/* Cells per side of the checkerboard texture; larger areas tile it. */
#define CHECKER_CELLS 64
#define CHECKER_PT 8

struct ui {
	SDL_Renderer *r;
	TTF_Font *font;
	float scale;
	int w, h;
	struct ui_layout layout;
	struct ui_button load, show;

	struct text_cache load_label, show_label, message, status;
	/* The status line as given and as it fits the width. */
	char status_src[512];
	char status_fit[512 + 4];
	TTF_Font *status_font;
	float status_scale;
	int status_width;

	SDL_Texture *checker;
};

int ui_px(float scale, int points)
{
	return (int)lroundf((float)points * scale);
}

static int nonneg(int v)
{
	return v < 0 ? 0 : v;
}

void ui_layout_compute(struct ui_layout *l, int w, int h, float scale)
{
	int m = ui_px(scale, UI_MARGIN);
	int sp = ui_px(scale, UI_SPACING);
	int bh = ui_px(scale, UI_BUTTON_H);
	int sh = ui_px(scale, UI_STATUS_H);
	int inner = nonneg(w - 2 * m);

	l->load = (SDL_Rect){ m, m, inner, bh };
	l->show = (SDL_Rect){ m, h - m - bh, inner, bh };
	l->status = (SDL_Rect){ m, l->show.y - sp - sh, inner, sh };
	l->image.x = m;
	l->image.y = l->load.y + bh + sp;
	l->image.w = inner;
	l->image.h = nonneg(l->status.y - sp - l->image.y);
}

SDL_Rect ui_fit_image(const SDL_Rect *area, int img_w, int img_h)
{
	SDL_Rect r = { area->x, area->y, 0, 0 };
	double k = 1.0;

	if (area->w <= 0 || area->h <= 0 || img_w <= 0 || img_h <= 0)
		return r;
	/* Scaling up would only blur: Qt's label shows images at their
	 * natural size, and so do we until they do not fit. */
	if (img_w > area->w)
		k = (double)area->w / img_w;
	if (img_h * k > area->h)
		k = (double)area->h / img_h;
	r.w = (int)(img_w * k + 0.5);
	r.h = (int)(img_h * k + 0.5);
	if (r.w < 1)
		r.w = 1;
	if (r.h < 1)
		r.h = 1;
	if (r.w > area->w)
		r.w = area->w;
	if (r.h > area->h)
		r.h = area->h;
	r.x = area->x + (area->w - r.w) / 2;
	r.y = area->y + (area->h - r.h) / 2;
	return r;
}

static Sint32 to_px(Sint32 v, float scale)
{
	return (Sint32)floorf((float)v * scale);
}

void ui_event_to_pixels(SDL_Event *ev, float scale)
{
	switch (ev->type) {
	case SDL_MOUSEMOTION:
		ev->motion.x = to_px(ev->motion.x, scale);
		ev->motion.y = to_px(ev->motion.y, scale);
		ev->motion.xrel = to_px(ev->motion.xrel, scale);
		ev->motion.yrel = to_px(ev->motion.yrel, scale);
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		ev->button.x = to_px(ev->button.x, scale);
		ev->button.y = to_px(ev->button.y, scale);
		break;
	case SDL_MOUSEWHEEL:
		ev->wheel.mouseX = to_px(ev->wheel.mouseX, scale);
		ev->wheel.mouseY = to_px(ev->wheel.mouseY, scale);
		break;
	default:
		break;
	}
}

static void set_flag(bool *flag, bool v, bool *redraw)
{
	if (*flag != v) {
		*flag = v;
		*redraw = true;
	}
}

bool ui_button_event(struct ui_button *b, const SDL_Event *ev, bool *redraw)
{
	SDL_Point p;

	switch (ev->type) {
	case SDL_MOUSEMOTION:
		p = (SDL_Point){ ev->motion.x, ev->motion.y };
		set_flag(&b->hover, SDL_PointInRect(&p, &b->rect), redraw);
		return false;
	case SDL_MOUSEBUTTONDOWN:
		if (ev->button.button != SDL_BUTTON_LEFT)
			return false;
		p = (SDL_Point){ ev->button.x, ev->button.y };
		set_flag(&b->hover, SDL_PointInRect(&p, &b->rect), redraw);
		if (b->hover)
			set_flag(&b->pressed, true, redraw);
		return false;
	case SDL_MOUSEBUTTONUP: {
		bool was_pressed = b->pressed;

		if (ev->button.button != SDL_BUTTON_LEFT)
			return false;
		p = (SDL_Point){ ev->button.x, ev->button.y };
		set_flag(&b->hover, SDL_PointInRect(&p, &b->rect), redraw);
		set_flag(&b->pressed, false, redraw);
		return was_pressed && b->hover;
	}
	default:
		return false;
	}
}

void ui_button_reset(struct ui_button *b, bool *redraw)
{
	set_flag(&b->hover, false, redraw);
	set_flag(&b->pressed, false, redraw);
}

enum ui_look ui_button_look(const struct ui_button *b)
{
	if (b->pressed && b->hover)
		return UI_LOOK_PRESSED;
	/* Pressed and dragged off, or just hovered: the button is "hot". */
	if (b->pressed || b->hover)
		return UI_LOOK_HOVER;
	return UI_LOOK_NORMAL;
}

/* A 1-pixel-per-cell checkerboard, stretched with nearest scaling: one
 * small texture and a handful of copies per frame, whatever the size. */
static SDL_Texture *make_checker(SDL_Renderer *r)
{
	Uint32 px[CHECKER_CELLS * CHECKER_CELLS];
	SDL_Surface *s;
	SDL_Texture *t;
	int x, y;

	s = SDL_CreateRGBSurfaceWithFormatFrom(px, CHECKER_CELLS,
					       CHECKER_CELLS, 32,
					       CHECKER_CELLS * 4,
					       SDL_PIXELFORMAT_RGBA32);
	if (!s)
		return NULL;
	for (y = 0; y < CHECKER_CELLS; y++) {
		for (x = 0; x < CHECKER_CELLS; x++) {
			SDL_Color c = ((x ^ y) & 1) ? c_check_dark :
				      c_check_light;

			px[y * CHECKER_CELLS + x] =
				SDL_MapRGBA(s->format, c.r, c.g, c.b, c.a);
		}
	}
	t = SDL_CreateTextureFromSurface(r, s);
	SDL_FreeSurface(s);
	if (t)
		SDL_SetTextureScaleMode(t, SDL_ScaleModeNearest);
	return t;
}

struct ui *ui_create(SDL_Renderer *r, TTF_Font *font, float scale)
{
	struct ui *ui;

	ui = calloc(1, sizeof(*ui));
	if (!ui) {
		SDL_OutOfMemory();
		return NULL;
	}
	ui->r = r;
	ui->font = font;
	ui->scale = scale;
	ui->checker = make_checker(r);
	if (!ui->checker) {
		free(ui);
		return NULL;
	}
	return ui;
}

void ui_destroy(struct ui *ui)
{
	if (!ui)
		return;
	text_finish(&ui->load_label);
	text_finish(&ui->show_label);
	text_finish(&ui->message);
	text_finish(&ui->status);
	if (ui->checker)
		SDL_DestroyTexture(ui->checker);
	free(ui);
}

void ui_resize(struct ui *ui, int w, int h, float scale, TTF_Font *font)
{
	ui->w = w;
	ui->h = h;
	ui->scale = scale;
	ui->font = font;
	ui_layout_compute(&ui->layout, w, h, scale);
	ui->load.rect = ui->layout.load;
	ui->show.rect = ui->layout.show;
}

const struct ui_layout *ui_layout(const struct ui *ui)
{
	return &ui->layout;
}

enum ui_action ui_handle_event(struct ui *ui, const SDL_Event *ev,
			       bool *redraw)
{
	bool load = ui_button_event(&ui->load, ev, redraw);
	bool show = ui_button_event(&ui->show, ev, redraw);

	if (load)
		return UI_LOAD;
	if (show)
		return UI_SHOW;
	return UI_NONE;
}

void ui_pointer_left(struct ui *ui, bool *redraw)
{
	/* A press in progress stays: SDL captures the mouse while a button
	 * is down, so its release still arrives. */
	if (!ui->load.pressed)
		ui_button_reset(&ui->load, redraw);
	if (!ui->show.pressed)
		ui_button_reset(&ui->show, redraw);
}

static void set_color(SDL_Renderer *r, SDL_Color c)
{
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
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

/* A rounded rectangle: border colour as the outer shape, a vertical
 * gradient in the inner one. Two lines per row, nothing allocated. */
static void fill_button(SDL_Renderer *r, const SDL_Rect *b,
			const struct button_paint *p, float scale)
{
	int t = ui_px(scale, 1);
	int rad = ui_px(scale, 3);
	int inner_h = b->h - 2 * t;
	int y;

	if (b->w <= 2 * t || b->h <= 2 * t)
		return;
	set_color(r, p->border);
	for (y = 0; y < b->h; y++) {
		int in = corner_inset(y, b->h, rad);

		SDL_RenderDrawLine(r, b->x + in, b->y + y,
				   b->x + b->w - 1 - in, b->y + y);
	}
	for (y = 0; y < inner_h; y++) {
		int in = corner_inset(y, inner_h, rad > t ? rad - t : 0);

		SDL_SetRenderDrawColor(r,
				       mix(p->top.r, p->bottom.r, y, inner_h),
				       mix(p->top.g, p->bottom.g, y, inner_h),
				       mix(p->top.b, p->bottom.b, y, inner_h),
				       0xff);
		SDL_RenderDrawLine(r, b->x + t + in, b->y + t + y,
				   b->x + b->w - 1 - t - in, b->y + t + y);
	}
}

static void draw_button(struct ui *ui, const struct ui_button *b,
			struct text_cache *label, const char *text)
{
	SDL_Rect clip;
	int x, y;

	fill_button(ui->r, &b->rect, &paints[ui_button_look(b)], ui->scale);
	if (text_update(label, ui->r, ui->font, text, c_text, 0,
			TEXT_LEFT) < 0)
		return;
	x = b->rect.x + (b->rect.w - label->w) / 2;
	y = b->rect.y + (b->rect.h - label->h) / 2;
	/* Sunken by a pixel while pressed, as desktop buttons do. */
	if (ui_button_look(b) == UI_LOOK_PRESSED)
		y += ui_px(ui->scale, 1);
	clip = b->rect;
	text_draw(label, ui->r, x, y, &clip);
}

static void draw_checker(struct ui *ui, const SDL_Rect *area)
{
	int cell = ui_px(ui->scale, CHECKER_PT);
	int tile = cell * CHECKER_CELLS;
	int x, y;

	if (cell < 1)
		cell = 1;
	SDL_RenderSetClipRect(ui->r, area);
	for (y = area->y; y < area->y + area->h; y += tile) {
		for (x = area->x; x < area->x + area->w; x += tile) {
			SDL_Rect dst = { x, y, tile, tile };

			SDL_RenderCopy(ui->r, ui->checker, NULL, &dst);
		}
	}
	SDL_RenderSetClipRect(ui->r, NULL);
}

static void draw_image_area(struct ui *ui, const struct ui_content *c)
{
	const SDL_Rect *area = &ui->layout.image;
	int pad = ui_px(ui->scale, 4);
	const char *msg;
	int x, y, wrap;

	if (area->w <= 0 || area->h <= 0)
		return;
	if (c->image) {
		SDL_Rect dst = ui_fit_image(area, c->image_w, c->image_h);

		/* Under every image, so transparent pixels show as such; an
		 * opaque image covers it whole. Knowing which images have
		 * transparency would cost a pass over all their pixels. */
		draw_checker(ui, &dst);
		SDL_RenderCopy(ui->r, c->image, NULL, &dst);
		return;
	}
	msg = c->message;
	wrap = area->w - 2 * pad > 1 ? area->w - 2 * pad : 1;
	if (text_update(&ui->message, ui->r, ui->font, msg, c_text, wrap,
			TEXT_CENTER) < 0)
		return;
	x = area->x + (area->w - ui->message.w) / 2;
	y = area->y + (area->h - ui->message.h) / 2;
	if (y < area->y)
		y = area->y;
	text_draw(&ui->message, ui->r, x, y, area);
}

static int text_width(TTF_Font *font, const char *s)
{
	int w = 0, h = 0;

	return TTF_SizeUTF8(font, s, &w, &h) < 0 ? 0 : w;
}

/* Fits ui->status_src into width pixels: as is, or cut at a character
 * boundary and ended with an ellipsis. Runs when the string, font or
 * width changed, not per frame. */
static void elide_status(struct ui *ui, int width)
{
	static const char ell[] = "\u2026";
	size_t len = strlen(ui->status_src);
	size_t lo = 0, hi = len;

	if (text_width(ui->font, ui->status_src) <= width) {
		memcpy(ui->status_fit, ui->status_src, len + 1);
		return;
	}
	/* The longest prefix that fits with the ellipsis: binary search
	 * over byte lengths, each kept on a UTF-8 character boundary. */
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		while (mid > 0 && (ui->status_src[mid] & 0xc0) == 0x80)
			mid--;
		if (mid <= lo) {
			hi = lo;
			break;
		}
		memcpy(ui->status_fit, ui->status_src, mid);
		memcpy(ui->status_fit + mid, ell, sizeof(ell));
		if (text_width(ui->font, ui->status_fit) <= width)
			lo = mid;
		else
			hi = mid - 1;
	}
	while (lo > 0 && ui->status_src[lo - 1] == ' ')
		lo--;
	memcpy(ui->status_fit, ui->status_src, lo);
	memcpy(ui->status_fit + lo, ell, sizeof(ell));
}

static void draw_status(struct ui *ui, const struct ui_content *c)
{
	const SDL_Rect *area = &ui->layout.status;
	const char *src = c->status ? c->status : "";
	int x, y;

	if (strcmp(src, ui->status_src) != 0 || ui->status_font != ui->font ||
	    ui->status_scale != ui->scale || ui->status_width != area->w) {
		snprintf(ui->status_src, sizeof(ui->status_src), "%s", src);
		ui->status_font = ui->font;
		ui->status_scale = ui->scale;
		ui->status_width = area->w;
		elide_status(ui, area->w);
	}
	if (text_update(&ui->status, ui->r, ui->font, ui->status_fit,
			c_status, 0, TEXT_LEFT) < 0)
		return;
	x = area->x + (area->w - ui->status.w) / 2;
	if (x < area->x)
		x = area->x;
	y = area->y + (area->h - ui->status.h) / 2;
	text_draw(&ui->status, ui->r, x, y, area);
}

void ui_draw(struct ui *ui, const struct ui_content *c)
{
	set_color(ui->r, c_window);
	SDL_RenderClear(ui->r);
	draw_button(ui, &ui->load, &ui->load_label, UI_LABEL_LOAD);
	draw_image_area(ui, c);
	draw_status(ui, c);
	draw_button(ui, &ui->show, &ui->show_label, UI_LABEL_SHOW);
}
