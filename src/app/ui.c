/* ui.c - layout, buttons and drawing of the window. */
#include "app/ui.h"
#include "app/ui_inspect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/text.h"
#include "image/scale.h"

/* Cells per side of the checkerboard texture; larger areas tile it. */
#define CHECKER_CELLS 64
#define CHECKER_PT 8

/* A button of the window with its label and the letter its shortcut key
 * underlines, as Qt's "&" in a label would. */
struct labelled {
	struct ui_button b;
	const char *text;
	size_t key;		/* byte index of the underlined letter */
	struct text_cache cache;
};

struct ui {
	SDL_Renderer *r;
	TTF_Font *font;
	float scale;
	int w, h;
	struct ui_layout layout;
	struct labelled load, show;
	enum ui_action focus;

	struct text_cache message, status;
	char status_text[512];		/* as last drawn */
	SDL_Texture *checker;
};

static int nonneg(int v)
{
	return v < 0 ? 0 : v;
}

void ui_min_size(TTF_Font *font, float scale, int *w, int *h)
{
	int load = text_width(font, UI_LABEL_LOAD);
	int show = text_width(font, UI_LABEL_SHOW);
	int label = load > show ? load : show;

	/* The font is opened for the scale, so its widths are pixels; a
	 * point more than the quotient absorbs the rounding of theme_px(). */
	*w = 2 * UI_MARGIN + 2 * THEME_LABEL_PAD + (int)ceilf(label / scale) + 1;
	*h = 2 * UI_MARGIN + 2 * UI_BUTTON_H + 2 * UI_SPACING + UI_STATUS_H +
	     UI_MIN_IMAGE_H;
}

void ui_layout_compute(struct ui_layout *l, int w, int h, float scale)
{
	int m = theme_px(scale, UI_MARGIN);
	int sp = theme_px(scale, UI_SPACING);
	int bh = theme_px(scale, UI_BUTTON_H);
	int sh = theme_px(scale, UI_STATUS_H);
	int inner = nonneg(w - 2 * m), below;

	/* Below the minimum size, which a window manager may not enforce,
	 * the buttons shrink and the rows between them go, rather than
	 * overlap. */
	if (bh > nonneg(h - 2 * m - sp) / 2)
		bh = nonneg(h - 2 * m - sp) / 2;
	l->load = (SDL_Rect){ m, m, inner, bh };
	l->show = (SDL_Rect){ m, h - m - bh, inner, bh };
	below = l->load.y + bh + sp;
	if (sh > nonneg(l->show.y - sp - below))
		sh = nonneg(l->show.y - sp - below);
	l->status = (SDL_Rect){ m, l->show.y - sp - sh, inner, sh };
	l->image = (SDL_Rect){ m, below, inner,
			       nonneg(l->status.y - sp - below) };
}

SDL_Rect ui_fit_image(const SDL_Rect *area, int img_w, int img_h)
{
	SDL_Rect r = { area->x, area->y, 0, 0 };
	uint32_t w, h;

	if (area->w <= 0 || area->h <= 0 || img_w <= 0 || img_h <= 0)
		return r;
	/* Scaling up would only blur: Qt's label shows images at their
	 * natural size, and so do we until they do not fit. The size is
	 * the one the box filter is asked for, from the same rule. */
	scale_fit((uint32_t)img_w, (uint32_t)img_h, (uint32_t)area->w,
		  (uint32_t)area->h, &w, &h);
	r.w = (int)w;
	r.h = (int)h;
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

enum theme_look ui_button_look(const struct ui_button *b)
{
	if (b->pressed && b->hover)
		return THEME_PRESSED;
	/* Pressed and dragged off, or just hovered: the button is "hot". */
	if (b->pressed || b->hover)
		return THEME_HOVER;
	return THEME_NORMAL;
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
			SDL_Color c = ((x ^ y) & 1) ? theme_check_dark :
				      theme_base;

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
	ui->focus = UI_LOAD;
	ui->load.text = UI_LABEL_LOAD;
	ui->load.key = (size_t)(strstr(UI_LABEL_LOAD, "File") - UI_LABEL_LOAD);
	ui->show.text = UI_LABEL_SHOW;
	ui->show.key = (size_t)(strstr(UI_LABEL_SHOW, "Memory") -
				UI_LABEL_SHOW);
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
	text_finish(&ui->load.cache);
	text_finish(&ui->show.cache);
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
	ui->load.b.rect = ui->layout.load;
	ui->show.b.rect = ui->layout.show;
}

const struct ui_layout *ui_layout(const struct ui *ui)
{
	return &ui->layout;
}

/* Keys move the focus or press the focused button; auto-repeat moves the
 * focus on, but never presses again. */
static enum ui_action handle_key(struct ui *ui, const SDL_KeyboardEvent *k,
				 bool *redraw)
{
	enum ui_action to = ui->focus;

	switch (k->keysym.sym) {
	case SDLK_TAB:
		/* Two buttons: forward and back both reach the other. */
		to = ui->focus == UI_LOAD ? UI_SHOW : UI_LOAD;
		break;
	case SDLK_UP:
	case SDLK_LEFT:
		to = UI_LOAD;
		break;
	case SDLK_DOWN:
	case SDLK_RIGHT:
		to = UI_SHOW;
		break;
	case SDLK_SPACE:
	case SDLK_RETURN:
	case SDLK_KP_ENTER:
		return k->repeat ? UI_NONE : ui->focus;
	default:
		break;
	}
	if (to != ui->focus) {
		ui->focus = to;
		*redraw = true;
	}
	return UI_NONE;
}

enum ui_action ui_handle_event(struct ui *ui, const SDL_Event *ev,
			       bool *redraw)
{
	enum ui_action act = UI_NONE;

	if (ev->type == SDL_KEYDOWN)
		return handle_key(ui, &ev->key, redraw);
	if (ui_button_event(&ui->load.b, ev, redraw))
		act = UI_LOAD;
	if (ui_button_event(&ui->show.b, ev, redraw))
		act = UI_SHOW;
	if (act != UI_NONE && act != ui->focus) {
		ui->focus = act;
		*redraw = true;
	}
	return act;
}

enum ui_action ui_focus(const struct ui *ui)
{
	return ui->focus;
}

void ui_pointer_left(struct ui *ui, bool *redraw)
{
	/* A press in progress stays: SDL captures the mouse while a button
	 * is down, so its release still arrives. */
	if (!ui->load.b.pressed)
		ui_button_reset(&ui->load.b, redraw);
	if (!ui->show.b.pressed)
		ui_button_reset(&ui->show.b, redraw);
}

/* The shortcut's letter is underlined while the label still shows it. */
static void draw_button(struct ui *ui, struct labelled *l, bool focused)
{
	int t = theme_px(ui->scale, 1), x, y, w;
	SDL_Rect line;
	char head[64];

	x = theme_button(ui->r, ui->font, ui->scale, &(struct theme_button){
		l->b.rect, ui_button_look(&l->b), focused, l->text, &l->cache,
	}, &y);
	if (x < 0 || !l->cache.str ||
	    strncmp(l->cache.str, l->text, l->key + 1) ||
	    l->key + 2 > sizeof(head))
		return;
	memcpy(head, l->text, l->key + 1);
	head[l->key] = '\0';
	x += text_width(ui->font, head);
	head[0] = l->text[l->key];
	head[1] = '\0';
	w = text_width(ui->font, head);
	line = (SDL_Rect){ x, y + TTF_FontAscent(ui->font) + t, w, t };
	theme_fill(ui->r, &line, theme_text);
}

static void draw_checker(struct ui *ui, const SDL_Rect *area)
{
	int cell = theme_px(ui->scale, CHECKER_PT);
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
	int pad = theme_px(ui->scale, 4);
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
	if (text_update(&ui->message, ui->r, ui->font, msg, theme_text, wrap,
			TEXT_CENTER) < 0)
		return;
	x = area->x + (area->w - ui->message.w) / 2;
	y = area->y + (area->h - ui->message.h) / 2;
	if (y < area->y)
		y = area->y;
	text_draw(&ui->message, ui->r, x, y, area);
}

/* Joins the non-empty parts with " · "; key is shown as "key K". */
static void status_join(char *out, size_t len, const char *state,
			const char *size, const char *key, const char *owner)
{
	const char *parts[] = { state, size, key, owner };
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < 4; i++) {
		if (!*parts[i] || n >= len)
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s%s",
				      n ? " \u00b7 " : "",
				      parts[i] == key ? "key " : "", parts[i]);
	}
}

/* The line with the key shortened in the middle to what the other parts
 * leave, into out. False when not even one character of the key fits. */
static bool key_fit(TTF_Font *font, int width, const struct ui_status *s,
		    const char *size, char *out, size_t len)
{
	char key[256];
	int room;

	status_join(out, len, s->state, size, "x", s->owner);
	/* The width left for the key's name: all but the placeholder;
	 * kerning across the joins may want a pixel or two more. */
	room = width - text_width(font, out) + text_width(font, "x");
	for (int tries = 0; tries < 4 && room > 0; tries++, room -= 2) {
		text_elide(font, s->key, room, TEXT_ELIDE_MIDDLE, key,
			   sizeof(key));
		if (!*key || strcmp(key, "\u2026") == 0)
			return false;
		status_join(out, len, s->state, size, key, s->owner);
		if (text_width(font, out) <= width)
			return true;
	}
	return false;
}

const char *ui_status_fit(TTF_Font *font, int width,
			  const struct ui_status *s, char *out, size_t len)
{
	char last[512];

	status_join(out, len, s->state, s->size, s->key, s->owner);
	if (text_width(font, out) <= width)
		return out;
	/* The key first, in the middle, where a long key is least
	 * recognisable anyway; then the size; then the key as a whole. */
	if (*s->key && key_fit(font, width, s, s->size, out, len))
		return out;
	if (*s->key && key_fit(font, width, s, "", out, len))
		return out;
	status_join(out, len, s->state, "", "", s->owner);
	if (text_width(font, out) <= width)
		return out;
	status_join(out, len, s->state_short, "", "", s->owner);
	if (text_width(font, out) <= width)
		return out;
	status_join(last, sizeof(last), s->state_short, "", "",
		    s->owner_short);
	return text_elide(font, last, width, TEXT_ELIDE_END, out, len);
}

const char *ui_status_drawn(const struct ui *ui)
{
	return ui->status_text;
}

static void draw_status(struct ui *ui, const struct ui_content *c)
{
	ui_status_fit(ui->font, ui->layout.status.w, &c->status,
		      ui->status_text, sizeof(ui->status_text));
	text_draw_in(&ui->status, ui->r, ui->font, ui->status_text,
		     theme_muted, &ui->layout.status, TEXT_CENTER,
		     TEXT_ELIDE_END);
}

void ui_draw(struct ui *ui, const struct ui_content *c)
{
	theme_set_color(ui->r, theme_window);
	SDL_RenderClear(ui->r);
	draw_button(ui, &ui->load, ui->focus == UI_LOAD);
	draw_image_area(ui, c);
	draw_status(ui, c);
	draw_button(ui, &ui->show, ui->focus == UI_SHOW);
}
