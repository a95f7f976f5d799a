/* chooser_view.c - the chooser's layout, hit tests and drawing. */
#include "app/chooser_view.h"

#include <string.h>

#include "app/theme.h"
#include "common/bytes.h"

/* The whole list (dirlist.c) does not fit a small window; the common
 * ones do, as in the filter of Qt's example. */
static const char types_text[] =
	"Images (*.png *.jpg *.gif *.bmp *.webp ...)";

static int px(const struct chooser_view *v, int points)
{
	return theme_px(v->scale, points);
}

/* Rectangles of a window too small for the chooser are empty, never
 * negative. */
static SDL_Rect rect(int x, int y, int w, int h)
{
	return (SDL_Rect){ x, y, w > 0 ? w : 0, h > 0 ? h : 0 };
}

/* The text inside a framed field: a margin left and right, but only the
 * frame above and below, or descenders would be cut. */
static SDL_Rect field_box(const struct chooser_view *v, const SDL_Rect *rc)
{
	int m = px(v, 6), t = px(v, 1);

	return rect(rc->x + m, rc->y + t, rc->w - 2 * m, rc->h - 2 * t);
}

static int widest(TTF_Font *font, const char *const *s, size_t n)
{
	int w, max = 0;

	while (n--)
		if ((w = text_width(font, s[n])) > max)
			max = w;
	return max;
}

/* The list's header, rows and error banner inside v->list. */
static void lay_out_list(struct chooser_view *v, const struct chooser_model *m,
			 int line, bool header)
{
	int t = px(v, 1), bh = m->error[0] ? line + px(v, 8) : 0;
	const SDL_Rect *l = &v->list;

	v->header = rect(l->x + t, l->y + t, l->w - 2 * t,
			 header ? SDL_min(line + px(v, 6), l->h - 2 * t) : 0);
	v->body = rect(v->header.x, v->header.y + v->header.h, v->header.w,
		       l->y + l->h - t - v->header.y - v->header.h);
	/* The inline error takes the bottom line of the list. */
	bh = bh < v->body.h ? bh : v->body.h;
	v->banner = rect(v->body.x, v->body.y + v->body.h - bh, v->body.w,
			 bh);
	v->body.h -= bh;
	v->row_h = line + px(v, 6);
	v->size_w = text_width(v->font, "1023.9 KiB") + px(v, 16);
}

/* The scroll bar, once the model knows how many rows fit. */
static void lay_out_track(struct chooser_view *v, struct chooser_model *m)
{
	int sw = px(v, 12);

	chooser_model_set_rows(m, v->body.h / v->row_h);
	v->track = rect(0, 0, 0, 0);
	if ((int)m->list.n > m->rows) {
		v->track = rect(v->body.x + v->body.w - sw, v->body.y, sw,
				v->body.h);
		v->body.w = v->track.x > v->body.x ? v->track.x - v->body.x : 0;
	}
}

/* Open and Cancel: under each other beside the name and type fields, or,
 * without the type row, side by side after the name field. */
static void lay_out_bottom(struct chooser_view *v, const SDL_Rect *a,
			   int fx, bool types)
{
	static const char *const buttons[] = { "Open", "Cancel" };
	int pad = px(v, 8), gap = px(v, 6), lp = 2 * px(v, THEME_LABEL_PAD);
	int ctl = TTF_FontLineSkip(v->font) + px(v, 10);
	int left = a->x + pad, right = a->x + a->w - pad;
	int bottom = a->y + a->h - pad, label_w = fx - gap - left;
	int btn_w = widest(v->font, buttons, SDL_arraysize(buttons)) + lp;

	if (types) {
		btn_w = btn_w > px(v, 84) ? btn_w : px(v, 84);
		v->cancel = rect(right - btn_w, bottom - ctl, btn_w, ctl);
		v->open = rect(v->cancel.x, v->cancel.y - gap - ctl, btn_w,
			       ctl);
	} else {
		v->cancel = rect(right - btn_w, bottom - ctl, btn_w, ctl);
		v->open = rect(v->cancel.x - gap - btn_w, v->cancel.y, btn_w,
			       ctl);
	}
	v->ftypes = rect(left, v->cancel.y, label_w, types ? ctl : 0);
	v->types = rect(fx, v->cancel.y, v->cancel.x - gap - fx,
			types ? ctl : 0);
	v->fname = rect(left, v->open.y, label_w, ctl);
	v->name = rect(fx, v->open.y, v->open.x - gap - fx, ctl);
}

/* What a short area goes without, least missed first, so that the list
 * keeps CHOOSER_VIEW_MIN_ROWS rows: the "Files of type" row, the title,
 * the Name | Size header. */
enum { CUT_TYPES = 1, CUT_TITLE = 2, CUT_HEADER = 4 };

static void lay_out_cut(struct chooser_view *v, const struct chooser_model *m,
			const SDL_Rect *a, int cut)
{
	static const char *const labels[] = {
		"Look in:", "File name:", "Files of type:",
	};
	int pad = px(v, 8), gap = px(v, 6), lp = 2 * px(v, THEME_LABEL_PAD);
	int line = TTF_FontLineSkip(v->font), ctl = line + px(v, 10);
	int left = a->x + pad, right = a->x + a->w - pad, y, fx;
	int label_w = widest(v->font, labels, SDL_arraysize(labels) -
			     (cut & CUT_TYPES ? 1 : 0));
	int up_w = text_width(v->font, "Up") + lp;

	v->area = *a;
	v->title = rect(a->x, a->y, a->w,
			cut & CUT_TITLE ? 0 : line + px(v, 12));
	y = v->title.y + v->title.h + pad;
	fx = left + label_w + gap;
	v->lookin = rect(left, y, label_w, ctl);
	v->up = rect(right - up_w, y, up_w, ctl);
	v->path = rect(fx, y, v->up.x - gap - fx, ctl);
	y += ctl + gap;
	lay_out_bottom(v, a, fx, !(cut & CUT_TYPES));
	v->list = rect(left, y, right - left, v->open.y - gap - y);
	lay_out_list(v, m, line, !(cut & CUT_HEADER));
}

static void lay_out(struct chooser_view *v, struct chooser_model *m,
		    const SDL_Rect *a)
{
	int cut = 0;

	lay_out_cut(v, m, a, cut);
	while (v->body.h < CHOOSER_VIEW_MIN_ROWS * v->row_h &&
	       cut != (CUT_TYPES | CUT_TITLE | CUT_HEADER)) {
		cut = cut * 2 + 1;
		lay_out_cut(v, m, a, cut);
	}
	lay_out_track(v, m);
	v->laid_out = true;
}

static SDL_Rect thumb(const struct chooser_view *v,
		      const struct chooser_model *m)
{
	int n = (int)m->list.n, most = n - m->rows, h;
	SDL_Rect t = v->track;

	if (t.w <= 0 || n <= 0)
		return rect(0, 0, 0, 0);
	h = (int)((long long)t.h * m->rows / n);
	h = h > px(v, 20) ? h : px(v, 20);
	t.h = h < t.h ? h : t.h;
	if (most > 0)
		t.y += (int)((long long)(v->track.h - t.h) * m->top / most);
	return t;
}

bool chooser_view_rect(const struct chooser_view *v,
		       const struct chooser_model *m, enum chooser_part part,
		       int row, SDL_Rect *out)
{
	const SDL_Rect *fixed[] = {
		[CHOOSER_PART_UP] = &v->up,	[CHOOSER_PART_PATH] = &v->path,
		[CHOOSER_PART_LIST] = &v->body,
		[CHOOSER_PART_SCROLLBAR] = &v->track,
		[CHOOSER_PART_NAME] = &v->name,	[CHOOSER_PART_OPEN] = &v->open,
		[CHOOSER_PART_CANCEL] = &v->cancel,
		[CHOOSER_PART_TYPES] = &v->types,
	};
	SDL_Rect rr;

	if (!v->laid_out || part == CHOOSER_PART_NONE)
		return false;
	if (part == CHOOSER_PART_THUMB) {
		*out = thumb(v, m);
		return true;
	}
	if (part != CHOOSER_PART_ROW) {
		*out = *fixed[part];
		return true;
	}
	if (row < m->top || row >= (int)m->list.n)
		return false;
	rr = rect(v->body.x, v->body.y + (row - m->top) * v->row_h,
		  v->body.w, v->row_h);
	return SDL_IntersectRect(&rr, &v->body, out);
}

enum chooser_part chooser_view_hit(const struct chooser_view *v,
				   const struct chooser_model *m, int x,
				   int y, int *row)
{
	/* The thumb lies on the scroll bar, which lies beside the rows. */
	static const enum chooser_part order[] = {
		CHOOSER_PART_UP, CHOOSER_PART_PATH,
		CHOOSER_PART_OPEN, CHOOSER_PART_CANCEL, CHOOSER_PART_NAME,
		CHOOSER_PART_THUMB, CHOOSER_PART_SCROLLBAR, CHOOSER_PART_LIST,
	};
	SDL_Point p = { x, y };
	SDL_Rect rc;
	size_t i;

	*row = -1;
	for (i = 0; i < SDL_arraysize(order); i++) {
		if (!chooser_view_rect(v, m, order[i], 0, &rc) ||
		    !SDL_PointInRect(&p, &rc))
			continue;
		if (order[i] != CHOOSER_PART_LIST)
			return order[i];
		*row = m->top + (y - v->body.y) / v->row_h;
		if (*row >= (int)m->list.n)
			*row = -1;
		return CHOOSER_PART_ROW;
	}
	return CHOOSER_PART_NONE;
}

/* The width of the first n bytes of the name field as drawn: control
 * characters escaped, as in the list. */
static int name_width(const struct chooser_view *v, const char *name,
		      size_t n)
{
	char head[PATH_MAX], shown[4 * PATH_MAX];

	memcpy(head, name, n);
	head[n] = '\0';
	return text_width(v->font, text_escape(head, shown, sizeof(shown)));
}

size_t chooser_view_caret_at(const struct chooser_view *v,
			     const struct chooser_model *m, int x)
{
	SDL_Rect box = field_box(v, &v->name);
	size_t i = 0, j;
	int w, prev = 0;

	x -= box.x - v->name_scroll;
	while (m->name[i]) {
		j = text_next_char(m->name, i);
		w = name_width(v, m->name, j);
		if (x < (prev + w) / 2)
			break;
		prev = w;
		i = j;
	}
	return i;
}

static void draw_button(struct chooser_view *v, const struct chooser_model *m,
			SDL_Renderer *r, enum chooser_part part,
			struct text_cache *tc, const char *label)
{
	bool on = part == CHOOSER_PART_UP ? chooser_model_can_up(m) :
		  part == CHOOSER_PART_OPEN ? chooser_model_can_open(m) : true;
	struct theme_button b = { .label = label, .cache = tc };

	chooser_view_rect(v, m, part, 0, &b.rect);
	b.look = !on ? THEME_DISABLED : v->hot != part ? THEME_NORMAL :
		 v->pressed == part ? THEME_PRESSED : THEME_HOVER;
	theme_button(r, v->font, v->scale, &b, NULL);
}

/* A framed field that shows one line of text. */
static void draw_field(struct chooser_view *v, SDL_Renderer *r,
		       const SDL_Rect *rc, struct text_cache *tc,
		       const char *text, enum text_elide where)
{
	SDL_Rect box = field_box(v, rc);

	theme_fill(r, rc, theme_panel);
	theme_frame(r, rc, theme_border, px(v, 1));
	text_draw_in(tc, r, v->font, text, theme_text, &box, TEXT_LEFT,
		     where);
}

/* A folder is a tab on a box, an image file a framed picture. */
static void draw_icon(SDL_Renderer *r, bool folder, int x, int y, int s)
{
	SDL_Rect tab = { x, y + s / 8, s / 2, s / 4 };
	SDL_Rect box = { x, y + s / 4, s, s * 5 / 8 };
	SDL_Rect page = { x + s / 8, y + s / 16, s * 3 / 4, s * 7 / 8 };
	SDL_Rect sky = { page.x + s / 8, page.y + s / 8, page.w - s / 4,
			 page.h / 2 };

	if (folder) {
		theme_fill(r, &tab, theme_folder);
		theme_fill(r, &box, theme_folder);
		return;
	}
	theme_fill(r, &page, theme_base);
	theme_frame(r, &page, theme_muted, 1);
	theme_fill(r, &sky, theme_select);
}

static void draw_row(struct chooser_view *v, const struct chooser_model *m,
		     SDL_Renderer *r, int i, int y)
{
	const struct dirlist_entry *en = &m->list.v[i];
	int slot = i % CHOOSER_VIEW_ROW_SLOTS, pad = px(v, 6), icon = px(v, 16);
	int right = v->body.x + v->body.w;
	SDL_Rect row = { v->body.x, y, v->body.w, v->row_h }, cell;
	bool sel = i == m->sel;
	char size[32];

	if (sel)
		theme_fill(r, &row, theme_select);
	draw_icon(r, en->is_dir, row.x + pad, y + (v->row_h - icon) / 2,
		  icon);
	cell = rect(row.x + 2 * pad + icon, y,
		    right - v->size_w - 3 * pad - icon - row.x, v->row_h);
	text_draw_in(&v->row_name[slot], r, v->font, en->name,
		     sel ? theme_select_text : theme_text, &cell, TEXT_LEFT,
		     TEXT_ELIDE_END);
	if (en->is_dir)
		return;
	bytes_format_short((uint64_t)en->size, size, sizeof(size));
	cell = rect(right - v->size_w, y, v->size_w - px(v, 8), v->row_h);
	text_draw_in(&v->row_size[slot], r, v->font, size,
		     sel ? theme_select_text : theme_muted, &cell, TEXT_RIGHT,
		     TEXT_ELIDE_END);
}

/* Name | Size, over the rows. */
static void draw_header(struct chooser_view *v, SDL_Renderer *r)
{
	const SDL_Rect *h = &v->header;
	int t = px(v, 1), sep_x = v->body.x + v->body.w - v->size_w;
	SDL_Rect line = { h->x, h->y + h->h - t, h->w, t };
	SDL_Rect sep = { sep_x, h->y + t, t, h->h - 2 * t };
	SDL_Rect name = rect(h->x + px(v, 6), h->y, sep_x - h->x - px(v, 6),
			     h->h);
	SDL_Rect size = rect(sep_x, h->y, v->size_w - px(v, 8), h->h);

	theme_fill(r, h, theme_panel);
	theme_fill(r, &line, theme_line);
	theme_fill(r, &sep, theme_line);
	text_draw_in(&v->t_hdr_name, r, v->font, "Name", theme_text, &name,
		     TEXT_LEFT, TEXT_ELIDE_END);
	text_draw_in(&v->t_hdr_size, r, v->font, "Size", theme_text, &size,
		     TEXT_RIGHT, TEXT_ELIDE_END);
}

static void draw_scrollbar(struct chooser_view *v,
			   const struct chooser_model *m, SDL_Renderer *r)
{
	SDL_Rect th = thumb(v, m), knob;
	SDL_Rect edge = { v->track.x, v->track.y, px(v, 1), v->track.h };
	bool active = v->pressed == CHOOSER_PART_THUMB ||
		      v->hot == CHOOSER_PART_THUMB;

	if (v->track.w <= 0)
		return;
	theme_fill(r, &v->track, theme_panel);
	theme_fill(r, &edge, theme_line);
	knob = rect(th.x + px(v, 3), th.y + px(v, 2), th.w - px(v, 5),
		    th.h - px(v, 4));
	theme_fill(r, &knob, active ? theme_muted : theme_border);
}

static void draw_list(struct chooser_view *v, const struct chooser_model *m,
		      SDL_Renderer *r)
{
	SDL_Rect edge = { v->banner.x, v->banner.y, v->banner.w, px(v, 1) };
	SDL_Rect box = field_box(v, &v->banner);
	int i, y;

	theme_fill(r, &v->list, theme_base);
	theme_frame(r, &v->list, theme_border, px(v, 1));
	if (v->header.h > 0)
		draw_header(v, r);
	if (!m->list.n)
		text_draw_in(&v->t_empty, r, v->font,
			     "No folders or image files", theme_disabled,
			     &v->body, TEXT_CENTER, TEXT_ELIDE_END);
	SDL_RenderSetClipRect(r, &v->body);
	for (i = m->top; i < (int)m->list.n &&
	     i - m->top < CHOOSER_VIEW_ROW_SLOTS; i++) {
		y = v->body.y + (i - m->top) * v->row_h;
		if (y >= v->body.y + v->body.h)
			break;
		draw_row(v, m, r, i, y);
	}
	SDL_RenderSetClipRect(r, &v->area);
	draw_scrollbar(v, m, r);
	if (v->banner.h <= 0)
		return;
	theme_fill(r, &v->banner, theme_error_bg);
	theme_fill(r, &edge, theme_error);
	text_draw_in(&v->t_error, r, v->font, m->error, theme_error, &box,
		     TEXT_LEFT, TEXT_ELIDE_MIDDLE);
}

/* The field scrolls sideways to keep the caret in view, so its text is
 * never elided. */
static void draw_name(struct chooser_view *v, const struct chooser_model *m,
		      SDL_Renderer *r)
{
	SDL_Rect box = field_box(v, &v->name), caret, hl;
	int t = px(v, 1), room = box.w - t, caret_x, x;
	char shown[4 * PATH_MAX];

	theme_fill(r, &v->name, theme_base);
	theme_frame(r, &v->name, theme_select, t);
	caret_x = name_width(v, m->name, m->caret);
	text_escape(m->name, shown, sizeof(shown));
	if (text_update(&v->t_name, r, v->font, shown, m->name_all ?
			theme_select_text : theme_text, 0, TEXT_LEFT) < 0)
		return;
	if (v->t_name.w <= room)
		v->name_scroll = 0;
	else if (caret_x - v->name_scroll > room)
		v->name_scroll = caret_x - room;
	else if (caret_x < v->name_scroll)
		v->name_scroll = caret_x;
	x = box.x - v->name_scroll;
	hl = rect(x, box.y + t, v->t_name.w, box.h - 2 * t);
	if (m->name_all && SDL_IntersectRect(&hl, &box, &hl))
		theme_fill(r, &hl, theme_select);
	text_draw(&v->t_name, r, x, v->name.y + (v->name.h - v->t_name.h) / 2,
		  &box);
	caret = rect(x + caret_x, v->name.y + px(v, 5), t,
		     v->name.h - px(v, 10));
	theme_fill(r, &caret, theme_text);
}

static void draw_label(struct chooser_view *v, SDL_Renderer *r,
		       struct text_cache *tc, const char *s,
		       const SDL_Rect *rc)
{
	text_draw_in(tc, r, v->font, s, theme_text, rc, TEXT_LEFT,
		     TEXT_ELIDE_END);
}

static void draw_all(struct chooser_view *v, const struct chooser_model *m,
		     SDL_Renderer *r)
{
	SDL_Rect line = { v->area.x, v->title.y + v->title.h - px(v, 1),
			  v->area.w, px(v, 1) };

	theme_fill(r, &v->area, theme_window);
	if (v->title.h > 0) {
		theme_fill(r, &v->title, theme_panel);
		theme_fill(r, &line, theme_line);
		text_draw_in(&v->t_title, r, v->font, "Select an image file",
			     theme_text, &v->title, TEXT_CENTER,
			     TEXT_ELIDE_END);
	}
	draw_label(v, r, &v->t_lookin, "Look in:", &v->lookin);
	/* A deep folder shows its end, where the user is. */
	draw_field(v, r, &v->path, &v->t_dir, m->dir, TEXT_ELIDE_START);
	draw_button(v, m, r, CHOOSER_PART_UP, &v->t_up, "Up");
	draw_list(v, m, r);
	draw_label(v, r, &v->t_fname, "File name:", &v->fname);
	draw_name(v, m, r);
	draw_button(v, m, r, CHOOSER_PART_OPEN, &v->t_open, "Open");
	if (v->types.h > 0) {
		draw_label(v, r, &v->t_ftypes, "Files of type:", &v->ftypes);
		draw_field(v, r, &v->types, &v->t_types, types_text,
			   TEXT_ELIDE_END);
	}
	draw_button(v, m, r, CHOOSER_PART_CANCEL, &v->t_cancel, "Cancel");
}

void chooser_view_draw(struct chooser_view *v, struct chooser_model *m,
		       SDL_Renderer *r, const SDL_Rect *area)
{
	SDL_BlendMode old_blend;
	Uint8 cr, cg, cb, ca;
	SDL_Rect old_clip;
	bool had_clip;

	if (!v->font || area->w <= 0 || area->h <= 0)
		return;
	/* The caller's renderer state comes back as it was. */
	had_clip = SDL_RenderIsClipEnabled(r);
	SDL_RenderGetClipRect(r, &old_clip);
	SDL_GetRenderDrawColor(r, &cr, &cg, &cb, &ca);
	SDL_GetRenderDrawBlendMode(r, &old_blend);
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
	lay_out(v, m, area);
	SDL_RenderSetClipRect(r, area);
	draw_all(v, m, r);
	SDL_RenderSetClipRect(r, had_clip ? &old_clip : NULL);
	SDL_SetRenderDrawBlendMode(r, old_blend);
	SDL_SetRenderDrawColor(r, cr, cg, cb, ca);
}

void chooser_view_finish(struct chooser_view *v)
{
	struct text_cache *fixed[] = {
		&v->t_title, &v->t_lookin, &v->t_dir, &v->t_up,
		&v->t_hdr_name, &v->t_hdr_size, &v->t_empty, &v->t_error,
		&v->t_fname, &v->t_name, &v->t_open, &v->t_ftypes,
		&v->t_types, &v->t_cancel,
	};
	size_t i;

	for (i = 0; i < SDL_arraysize(fixed); i++)
		text_finish(fixed[i]);
	for (i = 0; i < CHOOSER_VIEW_ROW_SLOTS; i++) {
		text_finish(&v->row_name[i]);
		text_finish(&v->row_size[i]);
	}
	v->laid_out = false;
}

void chooser_view_set_font(struct chooser_view *v, TTF_Font *font,
			   float scale)
{
	/* A new font may sit at the address of the one it replaces, and
	 * the caches compare fonts by address: start them afresh. */
	chooser_view_finish(v);
	v->font = font;
	v->scale = scale > 0 ? scale : 1;
}
