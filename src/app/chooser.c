/* chooser.c - the file chooser: SDL's events to the model, the model to
 * the view.
 *
 * Keys and text go straight to the model. A mouse event is first placed
 * by the view, on the layout it drew last, so that a click hits what the
 * user saw; then the model acts on the part hit.
 */
#include "app/chooser.h"
#include "app/chooser_inspect.h"

#include <stdlib.h>

#include "app/chooser_model.h"
#include "app/chooser_view.h"

/* Rows the keyboard assumes are visible before the first draw. */
#define DEFAULT_ROWS 10

struct chooser {
	struct chooser_model m;
	struct chooser_view v;
	bool open;
	Uint32 open_ticks;	/* text typed before this is not ours */
	int drag_dy;		/* thumb drag: pointer y minus thumb top */
};

struct chooser *chooser_create(TTF_Font *font, float scale)
{
	struct chooser *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	chooser_view_set_font(&ch->v, font, scale);
	ch->m.sel = -1;
	ch->m.rows = DEFAULT_ROWS;
	return ch;
}

void chooser_destroy(struct chooser *ch)
{
	if (!ch)
		return;
	chooser_close(ch);
	chooser_view_finish(&ch->v);
	free(ch);
}

void chooser_set_font(struct chooser *ch, TTF_Font *font, float scale)
{
	chooser_view_set_font(&ch->v, font, scale);
}

void chooser_open(struct chooser *ch, const char *dir)
{
	chooser_model_open(&ch->m, dir);
	ch->v.hot = ch->v.pressed = CHOOSER_PART_NONE;
	ch->v.name_scroll = 0;
	ch->open = true;
	ch->open_ticks = SDL_GetTicks();
	SDL_StartTextInput();
	/* Text of the key that opened us (the 'f' of F) is already queued
	 * when its key event is handled: it must not land in the field. */
	SDL_FlushEvent(SDL_TEXTINPUT);
	SDL_FlushEvent(SDL_TEXTEDITING);
}

void chooser_loaded(struct chooser *ch, const char *path)
{
	chooser_model_loaded(&ch->m, path);
}

void chooser_close(struct chooser *ch)
{
	if (!ch || !ch->open)
		return;
	ch->open = false;
	SDL_StopTextInput();
	dirlist_finish(&ch->m.list);
	ch->m.sel = -1;
	chooser_view_finish(&ch->v);
}

static int page(const struct chooser *ch)
{
	return ch->m.rows > 1 ? ch->m.rows - 1 : 1;
}

static enum chooser_result mouse_down(struct chooser *ch,
				      const SDL_MouseButtonEvent *b)
{
	SDL_Rect th;
	int row;

	ch->v.hot = ch->v.pressed = chooser_view_hit(&ch->v, &ch->m, b->x,
						     b->y, &row);
	chooser_view_rect(&ch->v, &ch->m, CHOOSER_PART_THUMB, 0, &th);
	switch (ch->v.pressed) {
	case CHOOSER_PART_ROW:
		/* SDL counts the clicks; the second must land on the row
		 * the first one selected. */
		if (b->clicks >= 2 && row >= 0 && row == ch->m.sel)
			return chooser_model_activate(&ch->m);
		chooser_model_select(&ch->m, row);
		break;
	case CHOOSER_PART_THUMB:
		ch->drag_dy = b->y - th.y;
		break;
	case CHOOSER_PART_SCROLLBAR:
		chooser_model_scroll(&ch->m, ch->m.top +
				     (b->y < th.y ? -page(ch) : page(ch)));
		break;
	case CHOOSER_PART_NAME:
		ch->m.caret = chooser_view_caret_at(&ch->v, &ch->m, b->x);
		ch->m.name_all = false;
		break;
	default:
		break;
	}
	return CHOOSER_NONE;
}

/* A click is a press and a release on the same button. */
static enum chooser_result mouse_up(struct chooser *ch,
				    const SDL_MouseButtonEvent *b)
{
	enum chooser_part was = ch->v.pressed;
	int row;

	ch->v.pressed = CHOOSER_PART_NONE;
	ch->v.hot = chooser_view_hit(&ch->v, &ch->m, b->x, b->y, &row);
	if (ch->v.hot != was)
		return CHOOSER_NONE;
	switch (was) {
	case CHOOSER_PART_UP:
		chooser_model_go_up(&ch->m);
		break;
	case CHOOSER_PART_OPEN:
		return chooser_model_activate(&ch->m);
	case CHOOSER_PART_CANCEL:
		return CHOOSER_CANCELLED;
	default:
		break;
	}
	return CHOOSER_NONE;
}

/* Moves the thumb with the pointer: the list follows in proportion. */
static void drag_thumb(struct chooser *ch, int y)
{
	SDL_Rect track, th;
	int room, most = (int)ch->m.list.n - ch->m.rows;

	chooser_view_rect(&ch->v, &ch->m, CHOOSER_PART_SCROLLBAR, 0, &track);
	chooser_view_rect(&ch->v, &ch->m, CHOOSER_PART_THUMB, 0, &th);
	room = track.h - th.h;
	if (room > 0)
		chooser_model_scroll(&ch->m, (int)(((long long)(y - ch->drag_dy -
			track.y) * most + room / 2) / room));
}

static bool mouse_motion(struct chooser *ch, const SDL_MouseMotionEvent *mo)
{
	enum chooser_part hot = ch->v.hot;
	int top = ch->m.top, row;

	if (ch->v.pressed == CHOOSER_PART_THUMB)
		drag_thumb(ch, mo->y);
	else
		ch->v.hot = chooser_view_hit(&ch->v, &ch->m, mo->x, mo->y,
					     &row);
	return hot != ch->v.hot || top != ch->m.top;
}

static enum chooser_result mouse_button(struct chooser *ch,
					const SDL_MouseButtonEvent *b)
{
	if (b->button != SDL_BUTTON_LEFT)
		return CHOOSER_NONE;
	return b->type == SDL_MOUSEBUTTONUP ? mouse_up(ch, b) :
	       mouse_down(ch, b);
}

enum chooser_result chooser_handle_event(struct chooser *ch,
					 const SDL_Event *ev, bool *redraw)
{
	enum chooser_result res = CHOOSER_NONE;
	bool changed = true;

	if (!ch || !ch->open)
		return CHOOSER_NONE;
	switch (ev->type) {
	case SDL_KEYDOWN:
		res = chooser_model_key(&ch->m, &ev->key.keysym);
		break;
	case SDL_TEXTINPUT:
		/* The key that opened the chooser may have queued its
		 * own text; it is older than the open. */
		if ((Sint32)(ev->text.timestamp - ch->open_ticks) < 0)
			return CHOOSER_NONE;
		chooser_model_insert(&ch->m, ev->text.text);
		break;
	case SDL_MOUSEMOTION:
		changed = mouse_motion(ch, &ev->motion);
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		res = mouse_button(ch, &ev->button);
		break;
	case SDL_MOUSEWHEEL:
		changed = chooser_model_scroll(&ch->m, ch->m.top - 3 *
			(ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ?
			 -ev->wheel.y : ev->wheel.y));
		break;
	case SDL_WINDOWEVENT:
		changed = ev->window.event == SDL_WINDOWEVENT_LEAVE;
		if (changed)
			ch->v.hot = CHOOSER_PART_NONE;
		break;
	default:
		return CHOOSER_NONE;
	}
	if (redraw && (changed || res != CHOOSER_NONE))
		*redraw = true;
	if (res != CHOOSER_NONE)
		chooser_close(ch);
	return res;
}

void chooser_draw(struct chooser *ch, SDL_Renderer *r, const SDL_Rect *area)
{
	if (ch && ch->open)
		chooser_view_draw(&ch->v, &ch->m, r, area);
}

bool chooser_is_open(const struct chooser *ch)
{
	return ch && ch->open;
}

const char *chooser_path(const struct chooser *ch)
{
	return ch->m.path;
}

const char *chooser_dir(const struct chooser *ch)
{
	return ch->m.dir;
}

const char *chooser_error(const struct chooser *ch)
{
	return ch->m.error[0] ? ch->m.error : NULL;
}

bool chooser_part_rect(const struct chooser *ch, enum chooser_part part,
		       int row, SDL_Rect *out)
{
	return ch->open && chooser_view_rect(&ch->v, &ch->m, part, row, out);
}
