/* chooser.c - the "Select an image file" dialog, drawn with SDL.
 *
 * The chooser is one state (folder, listing, selection, name field) that
 * events change and chooser_draw paints. The layout is computed by the
 * draw from the area it is given and kept, so that mouse events hit what
 * the user saw. Folder reading and path arithmetic live in dirlist.c.
 */
#include "app/chooser.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/dirlist.h"
#include "app/text.h"
#include "err.h"

/* Text caches for list rows, used round-robin by entry index: the rows on
 * screen always get distinct slots, and scrolling by one row re-renders
 * one row. 256 rows of the smallest row height cover a 4K screen. */
#define ROW_SLOTS 256

/* Rows the keyboard assumes are visible before the first draw. */
#define DEFAULT_ROWS 10

enum part {
	P_NONE,
	P_UP,
	P_HOME,
	P_PATH,
	P_HEADER,
	P_ROWS,
	P_TRACK,
	P_THUMB,
	P_NAME,
	P_OPEN,
	P_CANCEL,
};

struct layout {
	SDL_Rect area, title, lookin, path, up, home;
	SDL_Rect list, header, body, track, banner;
	SDL_Rect fname, name, open, ftypes, types, cancel;
	int row_h, rows_full, size_w, icon;
	bool scroll;
};

struct chooser {
	TTF_Font *font;
	float scale;
	bool open;
	bool hidden;		/* Ctrl+H: show dot-files */
	Uint32 open_ticks;

	char dir[PATH_MAX];
	char path[PATH_MAX];
	char name[PATH_MAX];	/* the file-name field */
	size_t caret;		/* byte offset in name */
	char error[ERR_MAX];	/* "" when there is none */

	struct dirlist list;
	int sel;		/* -1: nothing selected */
	int top;		/* first row shown */
	bool follow;		/* the next draw scrolls sel into view */

	enum part hot;		/* under the mouse */
	enum part pressed;	/* where the left button went down */
	int hover_row;
	int mouse_x, mouse_y;	/* last seen, for the hover after a scroll */
	int drag_dy;		/* thumb drag: mouse y minus thumb top */

	bool have_layout;
	struct layout lay;
	TTF_Font *label_font;	/* the font label_w was measured with */
	int label_w, button_w;
	bool caret_dirty;
	int caret_x, name_scroll;

	struct text_cache t_title, t_lookin, t_dir, t_fname, t_ftypes,
		t_types, t_name, t_open, t_cancel, t_hdr_name, t_hdr_size,
		t_empty, t_error;
	struct text_cache row_name[ROW_SLOTS], row_size[ROW_SLOTS];
};

static const char title_text[] = "Select an image file";
/* The whole list (dirlist.c) does not fit a small window; the common
 * ones do, as in the filter of Qt's example. */
static const char types_text[] =
	"Images (*.png *.jpg *.gif *.bmp *.webp ...)";

/* A light desktop theme, close to Qt's Fusion style. */
static const SDL_Color c_window = { 0xef, 0xef, 0xef, 0xff };
static const SDL_Color c_text = { 0x1e, 0x1e, 0x1e, 0xff };
static const SDL_Color c_muted = { 0x80, 0x80, 0x80, 0xff };
static const SDL_Color c_white = { 0xff, 0xff, 0xff, 0xff };
static const SDL_Color c_border = { 0xaa, 0xaa, 0xaa, 0xff };
static const SDL_Color c_line = { 0xcc, 0xcc, 0xcc, 0xff };
static const SDL_Color c_select = { 0x30, 0x8c, 0xc6, 0xff };
static const SDL_Color c_hover = { 0xe2, 0xee, 0xf8, 0xff };
static const SDL_Color c_focus = { 0x30, 0x8c, 0xc6, 0xff };
static const SDL_Color c_error = { 0xb0, 0x1c, 0x1c, 0xff };
static const SDL_Color c_error_bg = { 0xfc, 0xe4, 0xe4, 0xff };

/* ------------------------------------------------------------------ */
/* State changes, no drawing                                           */

static int px(const struct chooser *ch, float v)
{
	int p = (int)lroundf(v * ch->scale);

	return p < 1 ? 1 : p;
}

static int rows_full(const struct chooser *ch)
{
	return ch->have_layout ? ch->lay.rows_full : DEFAULT_ROWS;
}

static int max_top(const struct chooser *ch)
{
	int m = (int)ch->list.n - rows_full(ch);

	return m > 0 ? m : 0;
}

static bool set_top(struct chooser *ch, int top)
{
	int old = ch->top;

	if (top > max_top(ch))
		top = max_top(ch);
	if (top < 0)
		top = 0;
	ch->top = top;
	return top != old;
}

static void ensure_visible(struct chooser *ch)
{
	if (ch->sel < 0)
		return;
	if (ch->sel < ch->top)
		set_top(ch, ch->sel);
	else if (ch->sel >= ch->top + rows_full(ch))
		set_top(ch, ch->sel - rows_full(ch) + 1);
	else
		set_top(ch, ch->top);
}

static void set_error(struct chooser *ch, const char *msg)
{
	snprintf(ch->error, sizeof(ch->error), "%s", msg);
}

static void set_name(struct chooser *ch, const char *s)
{
	snprintf(ch->name, sizeof(ch->name), "%s", s);
	ch->caret = strlen(ch->name);
	ch->caret_dirty = true;
}

/* Selects row i (-1: none). As in Qt's dialog, a selected file puts its
 * name into the name field; a selected folder empties it, so that Enter
 * and Backspace act on the list (enter it, leave this folder). */
static void select_row(struct chooser *ch, int i)
{
	ch->sel = i;
	ch->error[0] = '\0';
	if (i >= 0) {
		const struct dirlist_entry *en = &ch->list.v[i];

		set_name(ch, en->is_dir ? "" : en->name);
		ch->follow = true;
		ensure_visible(ch);
	}
}

static void move_sel(struct chooser *ch, int delta)
{
	int n = (int)ch->list.n, i;

	if (!n)
		return;
	if (ch->sel < 0)
		i = 0;
	else
		i = ch->sel + delta;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	select_row(ch, i);
}

static int find_entry(const struct chooser *ch, const char *name)
{
	size_t i;

	for (i = 0; i < ch->list.n; i++)
		if (!strcmp(ch->list.v[i].name, name))
			return (int)i;
	return -1;
}

/* After an edit the highlight follows the field: the row it names exactly,
 * or none, so the list never suggests a target other than Enter's. */
static void name_edited(struct chooser *ch)
{
	ch->error[0] = '\0';
	ch->caret_dirty = true;
	ch->sel = ch->name[0] ? find_entry(ch, ch->name) : -1;
	if (ch->sel >= 0) {
		ch->follow = true;
		ensure_visible(ch);
	}
}

/* Reads path and shows it; on failure shows why and stays. select names
 * the entry to select afterwards (the folder we came from), or NULL. */
static int enter(struct chooser *ch, const char *path, const char *select)
{
	struct dirlist tmp = { 0 };
	struct err e;
	int i;

	if (dirlist_read(&tmp, path, ch->hidden, &e) < 0) {
		set_error(ch, e.msg);
		return -1;
	}
	dirlist_finish(&ch->list);
	ch->list = tmp;
	if (path != ch->dir)
		snprintf(ch->dir, sizeof(ch->dir), "%s", path);
	ch->top = 0;
	ch->sel = -1;
	ch->hover_row = -1;
	set_name(ch, "");
	ch->error[0] = '\0';
	i = select ? find_entry(ch, select) : -1;
	if (i >= 0)
		select_row(ch, i);
	return 0;
}

static void go_up(struct chooser *ch)
{
	char parent[PATH_MAX];
	char from[NAME_MAX + 1];

	if (!strcmp(ch->dir, "/"))
		return;
	snprintf(from, sizeof(from), "%s", dirlist_basename(ch->dir));
	if (dirlist_parent(ch->dir, parent, sizeof(parent)) == 0)
		enter(ch, parent, from);
}

static void go_home(struct chooser *ch)
{
	char home[PATH_MAX];
	struct err e;

	if (dirlist_resolve(ch->dir, "~", home, sizeof(home), &e) < 0)
		set_error(ch, e.msg);
	else
		enter(ch, home, NULL);
}

/* Re-reads the folder (F5, Ctrl+H), keeping the selection by name. */
static void reload(struct chooser *ch)
{
	char keep[NAME_MAX + 1] = "";
	char name[PATH_MAX];
	size_t caret = ch->caret;

	if (ch->sel >= 0)
		snprintf(keep, sizeof(keep), "%s", ch->list.v[ch->sel].name);
	snprintf(name, sizeof(name), "%s", ch->name);
	if (enter(ch, ch->dir, keep[0] ? keep : NULL) == 0) {
		set_name(ch, name);
		ch->caret = caret;
	}
}

static enum chooser_result finish(struct chooser *ch, enum chooser_result r)
{
	chooser_close(ch);
	return r;
}

/* Opens what the absolute path names: a folder is entered, a regular file
 * is the result. Anything else is an inline error and the chooser stays. */
static enum chooser_result open_path(struct chooser *ch, const char *path)
{
	struct stat st;
	struct err e;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(&e, "File not found: %s", path);
		else
			err_errno(&e, errno, "Cannot open %s", path);
		set_error(ch, e.msg);
		return CHOOSER_NONE;
	}
	if (S_ISDIR(st.st_mode)) {
		enter(ch, path, NULL);
		return CHOOSER_NONE;
	}
	/* A FIFO or device named like an image would block the decoder. */
	if (!S_ISREG(st.st_mode)) {
		err_set(&e, "Not a regular file: %s", path);
		set_error(ch, e.msg);
		return CHOOSER_NONE;
	}
	snprintf(ch->path, sizeof(ch->path), "%s", path);
	return finish(ch, CHOOSER_CHOSEN);
}

/* Returns 0, or -1 when the path does not fit. */
static int entry_path(const struct chooser *ch, int i, char *out,
		      size_t outsz)
{
	int n = snprintf(out, outsz, "%s%s%s", ch->dir,
			 strcmp(ch->dir, "/") ? "/" : "",
			 ch->list.v[i].name);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* Enter, the Open button, a double-click: the field wins when it holds
 * text, else the selected row. */
static enum chooser_result activate(struct chooser *ch)
{
	char path[PATH_MAX];
	struct err e;

	/* A selected entry is taken literally: its name may well start
	 * with "~" without meaning anyone's home. */
	if (ch->sel >= 0 && (!ch->name[0] ||
			     !strcmp(ch->name, ch->list.v[ch->sel].name))) {
		if (entry_path(ch, ch->sel, path, sizeof(path)) < 0) {
			set_error(ch, "Path too long");
			return CHOOSER_NONE;
		}
		return open_path(ch, path);
	}
	if (!ch->name[0])
		return CHOOSER_NONE;
	if (dirlist_resolve(ch->dir, ch->name, path, sizeof(path), &e) < 0) {
		set_error(ch, e.msg);
		return CHOOSER_NONE;
	}
	return open_path(ch, path);
}

static bool open_enabled(const struct chooser *ch)
{
	return ch->name[0] || ch->sel >= 0;
}

static void insert_text(struct chooser *ch, const char *s)
{
	size_t len = strlen(ch->name);
	char clean[PATH_MAX];
	size_t n = 0;

	/* Pasted text may carry a newline or a tab; a name has none. */
	for (; *s && n < sizeof(clean) - 1; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			clean[n++] = *s;
	if (!n || len + n + 1 > sizeof(ch->name))
		return;
	memmove(ch->name + ch->caret + n, ch->name + ch->caret,
		len - ch->caret + 1);
	memcpy(ch->name + ch->caret, clean, n);
	ch->caret += n;
	name_edited(ch);
}

static size_t prev_char(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[--i] & 0xc0) == 0x80)
		;
	return i;
}

static size_t next_char(const char *s, size_t i)
{
	if (!s[i])
		return i;
	while (((unsigned char)s[++i] & 0xc0) == 0x80)
		;
	return i;
}

static void delete_range(struct chooser *ch, size_t from, size_t to)
{
	memmove(ch->name + from, ch->name + to, strlen(ch->name + to) + 1);
	ch->caret = from;
	name_edited(ch);
}

/* Ctrl+Backspace: back to the previous '/' or space, as in a shell. */
static size_t word_start(const char *s, size_t i)
{
	while (i > 0 && (s[i - 1] == '/' || s[i - 1] == ' '))
		i--;
	while (i > 0 && s[i - 1] != '/' && s[i - 1] != ' ')
		i--;
	return i;
}

/* Tab: completes the field from the names shown, as far as they agree;
 * a single match is selected and a folder gets its '/'. */
static void complete(struct chooser *ch)
{
	size_t typed = strlen(ch->name), common = 0, i;
	int first = -1, matches = 0;

	if (!typed || strchr(ch->name, '/'))
		return;
	for (i = 0; i < ch->list.n; i++) {
		const char *nm = ch->list.v[i].name;
		size_t k;

		if (strncasecmp(nm, ch->name, typed))
			continue;
		if (first < 0) {
			first = (int)i;
			common = strlen(nm);
		} else {
			const char *f = ch->list.v[first].name;

			for (k = 0; k < common && f[k] &&
			     SDL_tolower((unsigned char)f[k]) ==
			     SDL_tolower((unsigned char)nm[k]); k++)
				;
			common = k;
		}
		matches++;
	}
	if (first < 0)
		return;
	if (matches == 1) {
		const struct dirlist_entry *en = &ch->list.v[first];
		char buf[PATH_MAX];

		snprintf(buf, sizeof(buf), "%s%s", en->name,
			 en->is_dir ? "/" : "");
		set_name(ch, buf);
		ch->error[0] = '\0';
		ch->sel = first;
		ch->follow = true;
		ensure_visible(ch);
	} else if (common > typed) {
		char buf[PATH_MAX];

		snprintf(buf, sizeof(buf), "%.*s", (int)common,
			 ch->list.v[first].name);
		set_name(ch, buf);
		name_edited(ch);
	}
}

static void paste(struct chooser *ch)
{
	char *s, *nl;

	if (!SDL_HasClipboardText())
		return;
	s = SDL_GetClipboardText();
	if (!s)
		return;
	nl = strpbrk(s, "\r\n");
	if (nl)
		*nl = '\0';
	insert_text(ch, s);
	SDL_free(s);
}

static enum chooser_result key_down(struct chooser *ch, const SDL_Keysym *k)
{
	bool ctrl = k->mod & KMOD_CTRL, alt = k->mod & KMOD_ALT;
	int page = rows_full(ch) > 1 ? rows_full(ch) - 1 : 1;

	switch (k->sym) {
	case SDLK_ESCAPE:
		return finish(ch, CHOOSER_CANCELLED);
	case SDLK_RETURN:
	case SDLK_RETURN2:
	case SDLK_KP_ENTER:
		return activate(ch);
	case SDLK_UP:
		if (alt)
			go_up(ch);
		else
			move_sel(ch, -1);
		break;
	case SDLK_DOWN:
		move_sel(ch, 1);
		break;
	case SDLK_PAGEUP:
		move_sel(ch, -page);
		break;
	case SDLK_PAGEDOWN:
		move_sel(ch, page);
		break;
	case SDLK_HOME:
		if (ch->list.n)
			select_row(ch, 0);
		break;
	case SDLK_END:
		if (ch->list.n)
			select_row(ch, (int)ch->list.n - 1);
		break;
	case SDLK_LEFT:
		ch->caret = prev_char(ch->name, ch->caret);
		ch->caret_dirty = true;
		break;
	case SDLK_RIGHT:
		ch->caret = next_char(ch->name, ch->caret);
		ch->caret_dirty = true;
		break;
	case SDLK_BACKSPACE:
		if (!ch->name[0])
			go_up(ch);
		else if (ctrl)
			delete_range(ch, word_start(ch->name, ch->caret),
				     ch->caret);
		else if (ch->caret > 0)
			delete_range(ch, prev_char(ch->name, ch->caret),
				     ch->caret);
		break;
	case SDLK_DELETE:
		if (ch->name[ch->caret])
			delete_range(ch, ch->caret,
				     next_char(ch->name, ch->caret));
		break;
	case SDLK_TAB:
		complete(ch);
		break;
	case SDLK_F5:
		reload(ch);
		break;
	case SDLK_v:
		if (ctrl)
			paste(ch);
		break;
	case SDLK_h:
		if (ctrl) {
			ch->hidden = !ch->hidden;
			reload(ch);
		}
		break;
	case SDLK_u:
		if (ctrl && ch->caret)
			delete_range(ch, 0, ch->caret);
		break;
	default:
		break;
	}
	return CHOOSER_NONE;
}

/* ------------------------------------------------------------------ */
/* Hit testing on the last layout                                      */

static bool inside(const SDL_Rect *rc, int x, int y)
{
	SDL_Point p = { x, y };

	return SDL_PointInRect(&p, rc);
}

static SDL_Rect thumb_rect(const struct chooser *ch)
{
	const struct layout *l = &ch->lay;
	SDL_Rect t = l->track;
	int n = (int)ch->list.n, h, m = max_top(ch);

	if (!l->scroll || n <= 0)
		return (SDL_Rect){ 0, 0, 0, 0 };
	h = (int)((long long)l->track.h * l->rows_full / n);
	if (h < px(ch, 20))
		h = px(ch, 20);
	if (h > l->track.h)
		h = l->track.h;
	t.h = h;
	if (m > 0)
		t.y += (int)((long long)(l->track.h - h) * ch->top / m);
	return t;
}

static enum part hit(const struct chooser *ch, int x, int y)
{
	const struct layout *l = &ch->lay;
	SDL_Rect th;

	if (!ch->have_layout)
		return P_NONE;
	if (inside(&l->up, x, y))
		return P_UP;
	if (inside(&l->home, x, y))
		return P_HOME;
	if (inside(&l->path, x, y))
		return P_PATH;
	if (inside(&l->open, x, y))
		return P_OPEN;
	if (inside(&l->cancel, x, y))
		return P_CANCEL;
	if (inside(&l->name, x, y))
		return P_NAME;
	if (l->scroll && inside(&l->track, x, y)) {
		th = thumb_rect(ch);
		return inside(&th, x, y) ? P_THUMB : P_TRACK;
	}
	if (inside(&l->body, x, y) && !inside(&l->banner, x, y))
		return P_ROWS;
	if (inside(&l->header, x, y))
		return P_HEADER;
	return P_NONE;
}

static int row_at(const struct chooser *ch, int y)
{
	int i;

	if (!ch->lay.row_h)
		return -1;
	i = ch->top + (y - ch->lay.body.y) / ch->lay.row_h;
	return i >= 0 && i < (int)ch->list.n ? i : -1;
}

/* Byte offset in the field nearest to x (pixels from the text start). */
static size_t caret_at(const struct chooser *ch, int x)
{
	char buf[PATH_MAX];
	size_t i = 0, j;
	int w, prev = 0;

	while (ch->name[i]) {
		j = next_char(ch->name, i);
		memcpy(buf, ch->name, j);
		buf[j] = '\0';
		if (TTF_SizeUTF8(ch->font, buf, &w, NULL) < 0)
			break;
		if (x < (prev + w) / 2)
			break;
		prev = w;
		i = j;
	}
	return i;
}

static bool button_enabled(const struct chooser *ch, enum part p)
{
	switch (p) {
	case P_UP:
		return strcmp(ch->dir, "/") != 0;
	case P_OPEN:
		return open_enabled(ch);
	default:
		return true;
	}
}

static bool is_button(enum part p)
{
	return p == P_UP || p == P_HOME || p == P_OPEN || p == P_CANCEL;
}

static void drag_thumb(struct chooser *ch, int y)
{
	const struct layout *l = &ch->lay;
	SDL_Rect th = thumb_rect(ch);
	int room = l->track.h - th.h;

	if (room <= 0)
		return;
	set_top(ch, (int)(((long long)(y - ch->drag_dy - l->track.y) *
			   max_top(ch) + room / 2) / room));
}

static void mouse_motion(struct chooser *ch, int x, int y)
{
	int row;

	ch->mouse_x = x;
	ch->mouse_y = y;
	if (ch->pressed == P_THUMB) {
		drag_thumb(ch, y);
		return;
	}
	ch->hot = hit(ch, x, y);
	row = ch->hot == P_ROWS ? row_at(ch, y) : -1;
	ch->hover_row = row;
}

static enum chooser_result mouse_down(struct chooser *ch,
				      const SDL_MouseButtonEvent *b)
{
	enum part p = hit(ch, b->x, b->y);
	SDL_Rect th;
	int row;

	ch->hot = p;
	ch->pressed = p;
	switch (p) {
	case P_ROWS:
		row = row_at(ch, b->y);
		if (row < 0) {
			select_row(ch, -1);
			break;
		}
		/* SDL counts the clicks; the second must land on the row
		 * the first one selected. */
		if (b->clicks >= 2 && row == ch->sel)
			return activate(ch);
		select_row(ch, row);
		break;
	case P_THUMB:
		th = thumb_rect(ch);
		ch->drag_dy = b->y - th.y;
		break;
	case P_TRACK:
		th = thumb_rect(ch);
		set_top(ch, ch->top + (b->y < th.y ? -1 : 1) *
			(rows_full(ch) > 1 ? rows_full(ch) - 1 : 1));
		break;
	case P_NAME:
		ch->caret = caret_at(ch, b->x - ch->lay.name.x - px(ch, 5) +
				     ch->name_scroll);
		ch->caret_dirty = true;
		break;
	default:
		break;
	}
	return CHOOSER_NONE;
}

static enum chooser_result mouse_up(struct chooser *ch,
				    const SDL_MouseButtonEvent *b)
{
	enum part was = ch->pressed;

	ch->pressed = P_NONE;
	ch->hot = hit(ch, b->x, b->y);
	/* A click is a press and a release on the same enabled button. */
	if (!is_button(was) || ch->hot != was || !button_enabled(ch, was))
		return CHOOSER_NONE;
	switch (was) {
	case P_UP:
		go_up(ch);
		break;
	case P_HOME:
		go_home(ch);
		break;
	case P_OPEN:
		return activate(ch);
	case P_CANCEL:
		return finish(ch, CHOOSER_CANCELLED);
	default:
		break;
	}
	return CHOOSER_NONE;
}

enum chooser_result chooser_handle_event(struct chooser *ch,
					 const SDL_Event *ev, bool *redraw)
{
	enum chooser_result res = CHOOSER_NONE;
	bool dummy, changed = true;
	int dy;

	if (!redraw)
		redraw = &dummy;
	if (!ch || !ch->open)
		return CHOOSER_NONE;

	switch (ev->type) {
	case SDL_KEYDOWN:
		res = key_down(ch, &ev->key.keysym);
		break;
	case SDL_TEXTINPUT:
		/* The key that opened the chooser may have queued its
		 * own text; it is older than the open. */
		if ((Sint32)(ev->text.timestamp - ch->open_ticks) < 0)
			return CHOOSER_NONE;
		insert_text(ch, ev->text.text);
		break;
	case SDL_MOUSEMOTION: {
		enum part hot = ch->hot;
		int hover = ch->hover_row, top = ch->top;

		mouse_motion(ch, ev->motion.x, ev->motion.y);
		changed = hot != ch->hot || hover != ch->hover_row ||
			  top != ch->top;
		break;
	}
	case SDL_MOUSEBUTTONDOWN:
		if (ev->button.button != SDL_BUTTON_LEFT)
			return CHOOSER_NONE;
		res = mouse_down(ch, &ev->button);
		break;
	case SDL_MOUSEBUTTONUP:
		if (ev->button.button != SDL_BUTTON_LEFT)
			return CHOOSER_NONE;
		res = mouse_up(ch, &ev->button);
		break;
	case SDL_MOUSEWHEEL:
		dy = ev->wheel.y;
		if (ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED)
			dy = -dy;
		changed = set_top(ch, ch->top - 3 * dy);
		/* The row under a still pointer is another one now. */
		if (changed && ch->hover_row >= 0)
			ch->hover_row = row_at(ch, ch->mouse_y);
		break;
	case SDL_WINDOWEVENT:
		if (ev->window.event != SDL_WINDOWEVENT_LEAVE)
			return CHOOSER_NONE;
		ch->hot = P_NONE;
		ch->hover_row = -1;
		break;
	default:
		return CHOOSER_NONE;
	}
	if (changed || res != CHOOSER_NONE)
		*redraw = true;
	return res;
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

struct chooser *chooser_create(TTF_Font *font, float scale)
{
	struct chooser *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->font = font;
	ch->scale = scale > 0 ? scale : 1;
	ch->sel = -1;
	ch->hover_row = -1;
	return ch;
}

static void drop_textures(struct chooser *ch)
{
	struct text_cache *fixed[] = {
		&ch->t_title, &ch->t_lookin, &ch->t_dir, &ch->t_fname,
		&ch->t_ftypes, &ch->t_types, &ch->t_name, &ch->t_open,
		&ch->t_cancel, &ch->t_hdr_name, &ch->t_hdr_size,
		&ch->t_empty, &ch->t_error,
	};
	size_t i;

	for (i = 0; i < SDL_arraysize(fixed); i++)
		text_finish(fixed[i]);
	for (i = 0; i < ROW_SLOTS; i++) {
		text_finish(&ch->row_name[i]);
		text_finish(&ch->row_size[i]);
	}
}

void chooser_destroy(struct chooser *ch)
{
	if (!ch)
		return;
	if (ch->open)
		SDL_StopTextInput();
	drop_textures(ch);
	dirlist_finish(&ch->list);
	free(ch);
}

void chooser_set_font(struct chooser *ch, TTF_Font *font, float scale)
{
	/* A new font may sit at the address of the one it replaces, and
	 * the caches compare fonts by address: start them afresh. */
	drop_textures(ch);
	ch->font = font;
	ch->scale = scale > 0 ? scale : 1;
	ch->label_font = NULL;
	ch->have_layout = false;
	ch->caret_dirty = true;
}

void chooser_open(struct chooser *ch, const char *dir)
{
	char cwd[PATH_MAX], path[PATH_MAX], first[ERR_MAX] = "";
	struct err e;

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (!dir || !*dir)
		dir = ch->dir[0] ? ch->dir : cwd;

	dirlist_finish(&ch->list);
	ch->error[0] = '\0';
	if (dirlist_resolve(cwd, dir, path, sizeof(path), &e) < 0)
		set_error(ch, e.msg);
	else
		enter(ch, path, NULL);
	/* Fall back to the current directory, then to "/", but keep the
	 * first reason on screen. */
	if (ch->error[0]) {
		snprintf(first, sizeof(first), "%s", ch->error);
		if (enter(ch, cwd, NULL) < 0)
			enter(ch, "/", NULL);
		set_error(ch, first);
	}

	ch->sel = -1;
	ch->top = 0;
	set_name(ch, "");
	ch->path[0] = '\0';
	ch->hot = P_NONE;
	ch->pressed = P_NONE;
	ch->hover_row = -1;
	ch->name_scroll = 0;
	ch->open = true;
	ch->open_ticks = SDL_GetTicks();
	SDL_StartTextInput();
	/* Text of the key that opened us (the 'f' of F) is already queued
	 * when its key event is handled: it must not land in the field. */
	SDL_FlushEvent(SDL_TEXTINPUT);
	SDL_FlushEvent(SDL_TEXTEDITING);
}

void chooser_close(struct chooser *ch)
{
	if (!ch || !ch->open)
		return;
	ch->open = false;
	ch->have_layout = false;
	SDL_StopTextInput();
	dirlist_finish(&ch->list);
	ch->sel = -1;
	drop_textures(ch);
}

bool chooser_is_open(const struct chooser *ch)
{
	return ch && ch->open;
}

const char *chooser_path(const struct chooser *ch)
{
	return ch->path;
}

const char *chooser_dir(const struct chooser *ch)
{
	return ch->dir;
}

const char *chooser_error(const struct chooser *ch)
{
	return ch->error[0] ? ch->error : NULL;
}

bool chooser_is_image_name(const char *name)
{
	return dirlist_is_image_name(name);
}

bool chooser_part_rect(const struct chooser *ch, enum chooser_part part,
		       int row, SDL_Rect *out)
{
	const struct layout *l = &ch->lay;
	SDL_Rect rr;

	if (!ch->open || !ch->have_layout)
		return false;
	switch (part) {
	case CHOOSER_PART_UP:
		*out = l->up;
		break;
	case CHOOSER_PART_HOME:
		*out = l->home;
		break;
	case CHOOSER_PART_PATH:
		*out = l->path;
		break;
	case CHOOSER_PART_LIST:
		*out = l->body;
		break;
	case CHOOSER_PART_SCROLLBAR:
		*out = l->scroll ? l->track : (SDL_Rect){ 0, 0, 0, 0 };
		break;
	case CHOOSER_PART_NAME:
		*out = l->name;
		break;
	case CHOOSER_PART_OPEN:
		*out = l->open;
		break;
	case CHOOSER_PART_CANCEL:
		*out = l->cancel;
		break;
	case CHOOSER_PART_ROW:
		if (row < ch->top || row >= (int)ch->list.n)
			return false;
		rr = (SDL_Rect){ l->body.x,
				 l->body.y + (row - ch->top) * l->row_h,
				 l->body.w, l->row_h };
		return SDL_IntersectRect(&rr, &l->body, out);
	default:
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Layout and drawing                                                  */

static void fix(SDL_Rect *rc)
{
	if (rc->w < 0)
		rc->w = 0;
	if (rc->h < 0)
		rc->h = 0;
}

static int text_width(TTF_Font *font, const char *s)
{
	int w = 0;

	if (TTF_SizeUTF8(font, s, &w, NULL) < 0)
		return 0;
	return w;
}

static void measure_labels(struct chooser *ch)
{
	static const char *const labels[] = {
		"Look in:", "File name:", "Files of type:",
	};
	int w;
	size_t i;

	if (ch->label_font == ch->font)
		return;
	ch->label_w = 0;
	for (i = 0; i < SDL_arraysize(labels); i++) {
		w = text_width(ch->font, labels[i]);
		if (w > ch->label_w)
			ch->label_w = w;
	}
	ch->button_w = text_width(ch->font, "Cancel");
	w = text_width(ch->font, "Open");
	if (w > ch->button_w)
		ch->button_w = w;
	ch->button_w += px(ch, 28);
	if (ch->button_w < px(ch, 84))
		ch->button_w = px(ch, 84);
	ch->label_font = ch->font;
}

static void compute_layout(struct chooser *ch, SDL_Renderer *r,
			   const SDL_Rect *a)
{
	struct layout *l = &ch->lay;
	int pad = px(ch, 8), gap = px(ch, 6);
	int line = TTF_FontLineSkip(ch->font);
	int ctl = line + px(ch, 10);
	int left = a->x + pad, right = a->x + a->w - pad;
	int bottom = a->y + a->h - pad, y, field_x, bh = 0;

	measure_labels(ch);
	memset(l, 0, sizeof(*l));
	l->area = *a;
	l->title = (SDL_Rect){ a->x, a->y, a->w, line + px(ch, 12) };

	y = l->title.y + l->title.h + pad;
	field_x = left + ch->label_w + gap;
	l->lookin = (SDL_Rect){ left, y, ch->label_w, ctl };
	l->up = (SDL_Rect){ right - ctl, y, ctl, ctl };
	l->home = (SDL_Rect){ l->up.x - px(ch, 4) - ctl, y, ctl, ctl };
	l->path = (SDL_Rect){ field_x, y, l->home.x - gap - field_x, ctl };
	y += ctl + gap;

	l->cancel = (SDL_Rect){ right - ch->button_w, bottom - ctl,
				ch->button_w, ctl };
	l->open = (SDL_Rect){ l->cancel.x, l->cancel.y - gap - ctl,
			      ch->button_w, ctl };
	l->ftypes = (SDL_Rect){ left, l->cancel.y, ch->label_w, ctl };
	l->types = (SDL_Rect){ field_x, l->cancel.y,
			       l->cancel.x - gap - field_x, ctl };
	l->fname = (SDL_Rect){ left, l->open.y, ch->label_w, ctl };
	l->name = (SDL_Rect){ field_x, l->open.y,
			      l->open.x - gap - field_x, ctl };

	l->list = (SDL_Rect){ left, y, right - left, l->open.y - gap - y };
	l->header = (SDL_Rect){ l->list.x + 1, l->list.y + 1,
				l->list.w - 2, line + px(ch, 6) };
	l->body = (SDL_Rect){ l->list.x + 1, l->header.y + l->header.h,
			      l->list.w - 2, 0 };
	l->body.h = l->list.y + l->list.h - 1 - l->body.y;
	fix(&l->body);

	/* The inline error takes the bottom of the list, wrapped to its
	 * width, at most two lines. */
	if (ch->error[0] &&
	    text_update(&ch->t_error, r, ch->font, ch->error, c_error,
			l->body.w - 2 * pad, TEXT_LEFT) == 0) {
		bh = ch->t_error.h;
		if (bh > 2 * line)
			bh = 2 * line;
		bh += px(ch, 8);
		if (bh > l->body.h)
			bh = l->body.h;
		l->banner = (SDL_Rect){ l->body.x, l->body.y + l->body.h - bh,
					l->body.w, bh };
		l->body.h -= bh;
	}

	l->row_h = line + px(ch, 6);
	l->rows_full = l->body.h / l->row_h;
	if (l->rows_full < 1)
		l->rows_full = 1;
	l->icon = px(ch, 16);
	l->size_w = text_width(ch->font, "1023.9 KiB") + px(ch, 16);
	l->scroll = (int)ch->list.n > l->rows_full;
	if (l->scroll) {
		int sw = px(ch, 12);

		l->track = (SDL_Rect){ l->body.x + l->body.w - sw, l->body.y,
				       sw, l->body.h };
		l->body.w -= sw;
	}

	fix(&l->path);
	fix(&l->list);
	fix(&l->name);
	fix(&l->types);
	fix(&l->body);
	ch->have_layout = true;
}

static void set_color(SDL_Renderer *r, SDL_Color c)
{
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

static void fill(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c)
{
	set_color(r, c);
	SDL_RenderFillRect(r, rc);
}

static SDL_Color rgb(Uint8 v_r, Uint8 v_g, Uint8 v_b)
{
	SDL_Color c = { v_r, v_g, v_b, 0xff };

	return c;
}

/* A vertical gradient, the way desktop buttons and headers are shaded. */
static void fill_grad(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color top,
		      SDL_Color bot)
{
	float x0 = (float)rc->x, y0 = (float)rc->y;
	float x1 = x0 + rc->w, y1 = y0 + rc->h;
	SDL_Vertex v[4] = {
		{ { x0, y0 }, top, { 0, 0 } },
		{ { x1, y0 }, top, { 0, 0 } },
		{ { x0, y1 }, bot, { 0, 0 } },
		{ { x1, y1 }, bot, { 0, 0 } },
	};
	static const int idx[6] = { 0, 1, 2, 2, 1, 3 };

	if (rc->w <= 0 || rc->h <= 0)
		return;
	SDL_RenderGeometry(r, NULL, v, 4, idx, 6);
}

/* A border t pixels thick; rounded leaves the corner pixels out, which
 * reads as a slightly rounded box at these sizes. */
static void frame(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c, int t,
		  bool rounded)
{
	int k = rounded ? t : 0;
	SDL_Rect e[4] = {
		{ rc->x + k, rc->y, rc->w - 2 * k, t },
		{ rc->x + k, rc->y + rc->h - t, rc->w - 2 * k, t },
		{ rc->x, rc->y + k, t, rc->h - 2 * k },
		{ rc->x + rc->w - t, rc->y + k, t, rc->h - 2 * k },
	};

	if (rc->w <= 0 || rc->h <= 0)
		return;
	set_color(r, c);
	SDL_RenderFillRects(r, e, 4);
}

static SDL_Rect inset(const SDL_Rect *rc, int d)
{
	SDL_Rect o = { rc->x + d, rc->y + d, rc->w - 2 * d, rc->h - 2 * d };

	fix(&o);
	return o;
}

static void draw_text_in(struct chooser *ch, SDL_Renderer *r,
			 struct text_cache *tc, const char *s, SDL_Color c,
			 const SDL_Rect *box, bool center)
{
	int x, y;

	if (text_update(tc, r, ch->font, s, c, 0, TEXT_LEFT) < 0)
		return;
	x = center ? box->x + (box->w - tc->w) / 2 : box->x;
	y = box->y + (box->h - tc->h) / 2;
	text_draw(tc, r, x, y, box);
}

static void draw_button(struct chooser *ch, SDL_Renderer *r, enum part p,
			const SDL_Rect *rc, struct text_cache *tc,
			const char *label, bool is_default)
{
	bool enabled = button_enabled(ch, p);
	bool hot = enabled && ch->hot == p;
	bool down = hot && ch->pressed == p;
	int t = px(ch, 1), shift = down ? t : 0;
	SDL_Rect in = inset(rc, t), box;
	SDL_Color border = c_border;

	if (!enabled) {
		fill(r, &in, rgb(0xf4, 0xf4, 0xf4));
		border = rgb(0xc8, 0xc8, 0xc8);
	} else if (down) {
		fill_grad(r, &in, rgb(0xd2, 0xd2, 0xd2), rgb(0xe2, 0xe2, 0xe2));
		border = rgb(0x80, 0x80, 0x80);
	} else if (hot) {
		fill_grad(r, &in, rgb(0xff, 0xff, 0xff), rgb(0xf0, 0xf5, 0xfa));
		border = c_focus;
	} else {
		fill_grad(r, &in, rgb(0xfd, 0xfd, 0xfd), rgb(0xe6, 0xe6, 0xe6));
		if (is_default)
			border = rgb(0x6a, 0x9c, 0xc8);
	}
	frame(r, rc, border, t, true);

	box = (SDL_Rect){ rc->x, rc->y + shift, rc->w, rc->h };
	if (label) {
		draw_text_in(ch, r, tc, label, enabled ? c_text : c_muted,
			     &box, true);
		return;
	}

	/* Icon buttons: an arrow for Up, a house for Home. */
	{
		SDL_Color ic = enabled ? rgb(0x40, 0x40, 0x40) : c_muted;
		float cx = box.x + box.w / 2.0f, cy = box.y + box.h / 2.0f;
		float s = (float)ch->lay.icon;
		SDL_Vertex v[3] = {
			{ { cx, cy - s / 2 }, ic, { 0, 0 } },
			{ { cx - s / 2, cy }, ic, { 0, 0 } },
			{ { cx + s / 2, cy }, ic, { 0, 0 } },
		};
		SDL_Rect stem;

		if (p == P_UP) {
			v[0].position.y = cy - s * 0.45f;
			v[1].position.y = v[2].position.y = cy - s * 0.02f;
			v[1].position.x = cx - s * 0.42f;
			v[2].position.x = cx + s * 0.42f;
			stem = (SDL_Rect){ (int)(cx - s * 0.13f),
					   (int)(cy - s * 0.05f),
					   (int)(s * 0.26f + 0.5f),
					   (int)(s * 0.5f + 0.5f) };
		} else {
			v[0].position.y = cy - s * 0.48f;
			v[1].position.y = v[2].position.y = cy - s * 0.02f;
			v[1].position.x = cx - s * 0.5f;
			v[2].position.x = cx + s * 0.5f;
			stem = (SDL_Rect){ (int)(cx - s * 0.33f),
					   (int)(cy - s * 0.05f),
					   (int)(s * 0.66f + 0.5f),
					   (int)(s * 0.5f + 0.5f) };
		}
		SDL_RenderGeometry(r, NULL, v, 3, NULL, 0);
		fill(r, &stem, ic);
		if (p == P_HOME) {
			SDL_Rect door = { (int)(cx - s * 0.09f),
					  (int)(cy + s * 0.15f),
					  (int)(s * 0.18f + 0.5f),
					  (int)(s * 0.3f + 0.5f) };

			fill(r, &door, down ? rgb(0xd8, 0xd8, 0xd8) :
				       rgb(0xf4, 0xf4, 0xf4));
		}
	}
}

static void draw_folder_icon(SDL_Renderer *r, int x, int y, int s)
{
	SDL_Rect tab = { x, y + s * 2 / 16, s * 7 / 16, s * 3 / 16 };
	SDL_Rect body = { x, y + s * 4 / 16, s, s * 10 / 16 };

	fill(r, &tab, rgb(0xd9, 0xa4, 0x3b));
	fill(r, &body, rgb(0xf2, 0xc2, 0x55));
	frame(r, &body, rgb(0xc8, 0x93, 0x2e), s >= 24 ? 2 : 1, false);
}

static void draw_image_icon(SDL_Renderer *r, int x, int y, int s)
{
	SDL_Rect page = { x + s * 2 / 16, y + s * 1 / 16, s * 12 / 16,
			  s * 14 / 16 };
	SDL_Rect sky = { page.x + s * 2 / 16, page.y + s * 3 / 16,
			 page.w - s * 4 / 16, s * 5 / 16 };
	SDL_Rect ground = { sky.x, sky.y + sky.h, sky.w, s * 3 / 16 };

	fill(r, &page, c_white);
	frame(r, &page, rgb(0x8c, 0x8c, 0x8c), s >= 24 ? 2 : 1, false);
	fill(r, &sky, rgb(0x86, 0xc3, 0xee));
	fill(r, &ground, rgb(0x5c, 0xa8, 0x5c));
}

static void draw_list(struct chooser *ch, SDL_Renderer *r)
{
	const struct layout *l = &ch->lay;
	int t = px(ch, 1), pad = px(ch, 6), n = (int)ch->list.n, i;
	int name_x = l->body.x + pad + l->icon + pad;
	int size_right = l->body.x + l->body.w - px(ch, 8);
	SDL_Rect hdr_in, cell, sep;
	char size[32];

	fill(r, &l->list, c_white);
	frame(r, &l->list, c_border, t, false);

	/* Header: Name | Size. */
	hdr_in = l->header;
	fill_grad(r, &hdr_in, rgb(0xfb, 0xfb, 0xfb), rgb(0xea, 0xea, 0xea));
	sep = (SDL_Rect){ hdr_in.x, hdr_in.y + hdr_in.h - t, hdr_in.w, t };
	fill(r, &sep, c_line);
	sep = (SDL_Rect){ l->body.x + l->body.w - l->size_w, hdr_in.y + t,
			  t, hdr_in.h - 2 * t };
	fill(r, &sep, c_line);
	cell = (SDL_Rect){ l->body.x + pad, hdr_in.y, sep.x - l->body.x - pad,
			   hdr_in.h };
	draw_text_in(ch, r, &ch->t_hdr_name, "Name", c_text, &cell, false);
	if (text_update(&ch->t_hdr_size, r, ch->font, "Size", c_text, 0,
			TEXT_LEFT) == 0)
		text_draw(&ch->t_hdr_size, r, size_right - ch->t_hdr_size.w,
			  hdr_in.y + (hdr_in.h - ch->t_hdr_size.h) / 2,
			  &hdr_in);

	if (!n) {
		draw_text_in(ch, r, &ch->t_empty, "No folders or image files",
			     c_muted, &l->body, true);
	}

	SDL_RenderSetClipRect(r, &l->body);
	for (i = ch->top; i < n; i++) {
		const struct dirlist_entry *en = &ch->list.v[i];
		int slot = i % ROW_SLOTS;
		int y = l->body.y + (i - ch->top) * l->row_h;
		SDL_Rect row = { l->body.x, y, l->body.w, l->row_h };
		bool sel = i == ch->sel;
		SDL_Color tc = sel ? c_white : c_text;
		struct text_cache *nc = &ch->row_name[slot];
		struct text_cache *sc = &ch->row_size[slot];

		if (y >= l->body.y + l->body.h || i - ch->top >= ROW_SLOTS)
			break;
		if (sel)
			fill(r, &row, c_select);
		else if (i == ch->hover_row)
			fill(r, &row, c_hover);
		if (en->is_dir)
			draw_folder_icon(r, l->body.x + pad,
					 y + (l->row_h - l->icon) / 2, l->icon);
		else
			draw_image_icon(r, l->body.x + pad,
					y + (l->row_h - l->icon) / 2, l->icon);

		cell = (SDL_Rect){ name_x, y, l->body.x + l->body.w -
				   l->size_w - pad - name_x, l->row_h };
		fix(&cell);
		if (text_update(nc, r, ch->font, en->name, tc, 0,
				TEXT_LEFT) == 0)
			text_draw(nc, r, name_x, y + (l->row_h - nc->h) / 2,
				  &cell);
		if (en->is_dir)
			continue;
		dirlist_format_size(en->size, size, sizeof(size));
		if (text_update(sc, r, ch->font, size,
				sel ? c_white : rgb(0x50, 0x50, 0x50), 0,
				TEXT_LEFT) == 0)
			text_draw(sc, r, size_right - sc->w,
				  y + (l->row_h - sc->h) / 2, &row);
	}
	SDL_RenderSetClipRect(r, &l->area);

	if (l->scroll) {
		SDL_Rect th = thumb_rect(ch), knob;
		bool active = ch->pressed == P_THUMB || ch->hot == P_THUMB;

		fill(r, &l->track, rgb(0xf2, 0xf2, 0xf2));
		sep = (SDL_Rect){ l->track.x, l->track.y, t, l->track.h };
		fill(r, &sep, rgb(0xe0, 0xe0, 0xe0));
		knob = (SDL_Rect){ th.x + px(ch, 3), th.y + px(ch, 2),
				   th.w - px(ch, 5), th.h - px(ch, 4) };
		fix(&knob);
		fill(r, &knob, active ? rgb(0x90, 0x90, 0x90) :
					rgb(0xbc, 0xbc, 0xbc));
	}

	if (l->banner.h > 0) {
		SDL_Rect line = { l->banner.x, l->banner.y, l->banner.w, t };
		SDL_Rect in = inset(&l->banner, px(ch, 4));

		fill(r, &l->banner, c_error_bg);
		fill(r, &line, rgb(0xe8, 0xa8, 0xa8));
		in.x += px(ch, 4);
		in.w -= px(ch, 4);
		fix(&in);
		text_draw(&ch->t_error, r, in.x, in.y, &in);
	}
}

static void draw_name_field(struct chooser *ch, SDL_Renderer *r)
{
	const struct layout *l = &ch->lay;
	int t = px(ch, 1), m = px(ch, 5);
	SDL_Rect in = inset(&l->name, m), caret;
	char buf[PATH_MAX];
	int w;

	fill(r, &l->name, c_white);
	frame(r, &l->name, c_focus, t, false);
	if (ch->caret_dirty) {
		memcpy(buf, ch->name, ch->caret);
		buf[ch->caret] = '\0';
		ch->caret_x = ch->caret ? text_width(ch->font, buf) : 0;
		ch->caret_dirty = false;
	}
	if (text_update(&ch->t_name, r, ch->font, ch->name, c_text, 0,
			TEXT_LEFT) < 0)
		return;
	/* Scroll the text sideways so the caret stays in the field. */
	w = in.w - t;
	if (ch->t_name.w <= w)
		ch->name_scroll = 0;
	else if (ch->caret_x - ch->name_scroll > w)
		ch->name_scroll = ch->caret_x - w;
	else if (ch->caret_x < ch->name_scroll)
		ch->name_scroll = ch->caret_x;
	in.y = l->name.y + t;
	in.h = l->name.h - 2 * t;
	text_draw(&ch->t_name, r, in.x - ch->name_scroll,
		  l->name.y + (l->name.h - ch->t_name.h) / 2, &in);
	caret = (SDL_Rect){ in.x + ch->caret_x - ch->name_scroll,
			    l->name.y + px(ch, 5), t, l->name.h - px(ch, 10) };
	fill(r, &caret, c_text);
}

void chooser_draw(struct chooser *ch, SDL_Renderer *r, const SDL_Rect *area)
{
	SDL_Rect old_clip, box, line;
	SDL_BlendMode old_blend;
	Uint8 cr, cg, cb, ca;
	bool had_clip;
	int t, m;

	if (!ch || !ch->open || !ch->font || area->w <= 0 || area->h <= 0)
		return;
	had_clip = SDL_RenderIsClipEnabled(r);
	SDL_RenderGetClipRect(r, &old_clip);
	SDL_GetRenderDrawColor(r, &cr, &cg, &cb, &ca);
	SDL_GetRenderDrawBlendMode(r, &old_blend);
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);

	compute_layout(ch, r, area);
	if (ch->follow)
		ensure_visible(ch);
	ch->follow = false;
	set_top(ch, ch->top);
	t = px(ch, 1);
	m = px(ch, 6);

	SDL_RenderSetClipRect(r, area);
	fill(r, area, c_window);

	/* Title bar. */
	fill_grad(r, &ch->lay.title, rgb(0xf7, 0xf7, 0xf7),
		  rgb(0xe1, 0xe1, 0xe1));
	line = (SDL_Rect){ area->x, ch->lay.title.y + ch->lay.title.h - t,
			   area->w, t };
	fill(r, &line, rgb(0xbe, 0xbe, 0xbe));
	draw_text_in(ch, r, &ch->t_title, title_text, c_text, &ch->lay.title,
		     true);

	/* Look in: [folder] [Home] [Up] */
	draw_text_in(ch, r, &ch->t_lookin, "Look in:", c_text,
		     &ch->lay.lookin, false);
	fill(r, &ch->lay.path, rgb(0xfa, 0xfa, 0xfa));
	frame(r, &ch->lay.path, c_border, t, false);
	box = inset(&ch->lay.path, m);
	if (text_update(&ch->t_dir, r, ch->font, ch->dir, c_text, 0,
			TEXT_LEFT) == 0) {
		/* A deep folder shows its end, where the user is. */
		int x = ch->t_dir.w > box.w ? box.x + box.w - ch->t_dir.w :
					      box.x;

		text_draw(&ch->t_dir, r, x,
			  ch->lay.path.y + (ch->lay.path.h - ch->t_dir.h) / 2,
			  &box);
	}
	draw_button(ch, r, P_HOME, &ch->lay.home, NULL, NULL, false);
	draw_button(ch, r, P_UP, &ch->lay.up, NULL, NULL, false);

	draw_list(ch, r);

	/* File name: [field] [Open] / Files of type: [Images] [Cancel] */
	draw_text_in(ch, r, &ch->t_fname, "File name:", c_text,
		     &ch->lay.fname, false);
	draw_name_field(ch, r);
	draw_button(ch, r, P_OPEN, &ch->lay.open, &ch->t_open, "Open", true);
	draw_text_in(ch, r, &ch->t_ftypes, "Files of type:", c_text,
		     &ch->lay.ftypes, false);
	fill(r, &ch->lay.types, rgb(0xf6, 0xf6, 0xf6));
	frame(r, &ch->lay.types, c_line, t, false);
	box = inset(&ch->lay.types, m);
	draw_text_in(ch, r, &ch->t_types, types_text, rgb(0x40, 0x40, 0x40),
		     &box, false);
	draw_button(ch, r, P_CANCEL, &ch->lay.cancel, &ch->t_cancel, "Cancel",
		    false);

	SDL_RenderSetClipRect(r, had_clip ? &old_clip : NULL);
	SDL_SetRenderDrawBlendMode(r, old_blend);
	SDL_SetRenderDrawColor(r, cr, cg, cb, ca);
}
