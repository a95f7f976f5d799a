/* chooser_model.c - the chooser's folder, list and name field, by key. */
#include "app/chooser_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int max_top(const struct chooser_model *m)
{
	int t = (int)m->list.n - m->rows;

	return t > 0 ? t : 0;
}

bool chooser_model_scroll(struct chooser_model *m, int top)
{
	int old = m->top;

	m->top = SDL_clamp(top, 0, max_top(m));
	return m->top != old;
}

static void ensure_visible(struct chooser_model *m)
{
	if (m->sel >= 0 && m->sel < m->top)
		chooser_model_scroll(m, m->sel);
	else if (m->sel >= m->top + m->rows)
		chooser_model_scroll(m, m->sel - m->rows + 1);
}

void chooser_model_set_rows(struct chooser_model *m, int rows)
{
	m->rows = rows > 1 ? rows : 1;
	if (m->follow)
		ensure_visible(m);
	m->follow = false;
	chooser_model_scroll(m, m->top);
}

/* An error selects the field's text, so what is typed next replaces the
 * path that failed. */
static void set_error(struct chooser_model *m, const char *msg)
{
	snprintf(m->error, sizeof(m->error), "%s", msg);
	m->name_all = m->name[0] != '\0';
}

static void set_name(struct chooser_model *m, const char *s)
{
	snprintf(m->name, sizeof(m->name), "%s", s);
	m->caret = strlen(m->name);
	m->name_all = false;
}

static int find_entry(const struct chooser_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->list.n; i++)
		if (!strcmp(m->list.v[i].name, name))
			return (int)i;
	return -1;
}

/* As in Qt's dialog, a selected file puts its name into the field; a
 * selected folder empties it, so that Enter and Backspace act on the list
 * (enter it, leave this folder). */
void chooser_model_select(struct chooser_model *m, int i)
{
	m->sel = i;
	m->error[0] = '\0';
	if (i < 0)
		return;
	set_name(m, m->list.v[i].is_dir ? "" : m->list.v[i].name);
	m->follow = true;
	ensure_visible(m);
}

static void move_sel(struct chooser_model *m, int delta)
{
	if (m->list.n)
		chooser_model_select(m, SDL_clamp(m->sel < 0 ? 0 :
						  m->sel + delta, 0,
						  (int)m->list.n - 1));
}

static void unfilter(struct chooser_model *m);

/* After an edit the highlight follows the field: the row it names exactly,
 * or none, so the list never suggests a target other than Enter's. */
static void name_edited(struct chooser_model *m)
{
	unfilter(m);
	m->error[0] = '\0';
	m->name_all = false;
	m->sel = m->name[0] ? find_entry(m, m->name) : -1;
	if (m->sel >= 0) {
		m->follow = true;
		ensure_visible(m);
	}
}

/* Keeps the entries of dl whose names start with prefix, in any case. */
static void keep_prefix(struct dirlist *dl, const char *prefix)
{
	size_t i, n = 0, len = strlen(prefix);

	for (i = 0; i < dl->n; i++) {
		if (strncasecmp(dl->v[i].name, prefix, len) == 0)
			dl->v[n++] = dl->v[i];
		else
			free(dl->v[i].name);
	}
	dl->n = n;
}

/* Reads path and shows it, only the names starting with filter when that
 * is not NULL (a filter starting with a dot shows dot-files, as Tab
 * completes them); on failure shows why and stays. select names the
 * entry to select afterwards (the folder we came from), or NULL. */
static int enter(struct chooser_model *m, const char *path,
		 const char *select, const char *filter)
{
	struct dirlist tmp = { 0 };
	struct err e;

	if (dirlist_read(&tmp, path, filter && filter[0] == '.', &e) < 0) {
		set_error(m, e.msg);
		return -1;
	}
	if (filter)
		keep_prefix(&tmp, filter);
	dirlist_finish(&m->list);
	m->list = tmp;
	snprintf(m->filter, sizeof(m->filter), "%s", filter ? filter : "");
	if (path != m->dir)
		snprintf(m->dir, sizeof(m->dir), "%s", path);
	m->top = 0;
	set_name(m, "");
	chooser_model_select(m, select ? find_entry(m, select) : -1);
	return 0;
}

/* The whole folder again once the field no longer holds what was
 * completed. */
static void unfilter(struct chooser_model *m)
{
	struct dirlist tmp = { 0 };
	struct err e;

	if (!m->filter[0])
		return;
	m->filter[0] = '\0';
	if (dirlist_read(&tmp, m->dir, false, &e) < 0)
		return;
	dirlist_finish(&m->list);
	m->list = tmp;
	m->top = 0;
}

void chooser_model_open(struct chooser_model *m, const char *dir)
{
	char cwd[PATH_MAX], path[PATH_MAX], first[ERR_MAX];
	struct err e;

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (m->start[0])
		dir = m->start;
	else if (!dir || !*dir)
		dir = cwd;
	set_name(m, "");
	m->error[0] = '\0';
	m->path[0] = '\0';
	if (dirlist_resolve(cwd, dir, path, sizeof(path), &e) < 0)
		set_error(m, e.msg);
	else
		enter(m, path, NULL, NULL);
	/* Fall back to the current directory, then to "/", but keep the
	 * first reason on screen. */
	if (m->error[0]) {
		snprintf(first, sizeof(first), "%s", m->error);
		if (enter(m, cwd, NULL, NULL) < 0)
			enter(m, "/", NULL, NULL);
		set_error(m, first);
	}
}

void chooser_model_loaded(struct chooser_model *m, const char *path)
{
	char cwd[PATH_MAX], file[PATH_MAX], dir[PATH_MAX];
	struct err e;

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	/* Resolved now: the current directory may change before the next
	 * open, and a relative --load means the one at start. */
	if (dirlist_resolve(cwd, path, file, sizeof(file), &e) == 0 &&
	    dirlist_resolve(file, "..", dir, sizeof(dir), &e) == 0)
		memcpy(m->start, dir, sizeof(dir));
}

bool chooser_model_can_up(const struct chooser_model *m)
{
	return strcmp(m->dir, "/") != 0;
}

bool chooser_model_can_open(const struct chooser_model *m)
{
	return m->name[0] || m->sel >= 0;
}

void chooser_model_go_up(struct chooser_model *m)
{
	char parent[PATH_MAX], from[NAME_MAX + 1];
	struct err e;

	/* The folder we came from is selected in its parent. */
	snprintf(from, sizeof(from), "%s", strrchr(m->dir, '/') + 1);
	if (chooser_model_can_up(m) &&
	    dirlist_resolve(m->dir, "..", parent, sizeof(parent), &e) == 0)
		enter(m, parent, from, NULL);
}

/* Opens what the absolute path names: a folder is entered, a regular file
 * is the result. Anything else is an inline error and the chooser stays. */
static enum chooser_result open_path(struct chooser_model *m,
				     const char *path)
{
	struct stat st;
	struct err e;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(&e, "File not found: %s", path);
		else
			err_errno(&e, errno, "Cannot open %s", path);
		set_error(m, e.msg);
		return CHOOSER_NONE;
	}
	if (S_ISDIR(st.st_mode)) {
		enter(m, path, NULL, NULL);
		return CHOOSER_NONE;
	}
	/* A FIFO or device named like an image would block the decoder. */
	if (!S_ISREG(st.st_mode)) {
		err_set(&e, "Not a regular file: %s", path);
		set_error(m, e.msg);
		return CHOOSER_NONE;
	}
	snprintf(m->path, sizeof(m->path), "%s", path);
	return CHOOSER_CHOSEN;
}

/* The field wins when it holds text, else the selected row. */
enum chooser_result chooser_model_activate(struct chooser_model *m)
{
	char path[PATH_MAX];
	struct err e;
	int n;

	/* A selected entry is taken literally: its name may well start
	 * with "~" without meaning anyone's home. */
	if (m->sel >= 0 && (!m->name[0] ||
			    !strcmp(m->name, m->list.v[m->sel].name))) {
		n = snprintf(path, sizeof(path), "%s%s%s", m->dir,
			     strcmp(m->dir, "/") ? "/" : "",
			     m->list.v[m->sel].name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			set_error(m, "Path too long");
			return CHOOSER_NONE;
		}
		return open_path(m, path);
	}
	if (!m->name[0])
		return CHOOSER_NONE;
	if (dirlist_resolve(m->dir, m->name, path, sizeof(path), &e) < 0) {
		set_error(m, e.msg);
		return CHOOSER_NONE;
	}
	return open_path(m, path);
}

static void delete_range(struct chooser_model *m, size_t from, size_t to)
{
	if (m->name_all) {
		from = 0;
		to = strlen(m->name);
	}
	memmove(m->name + from, m->name + to, strlen(m->name + to) + 1);
	m->caret = from;
	name_edited(m);
}

void chooser_model_insert(struct chooser_model *m, const char *s)
{
	char clean[PATH_MAX];
	size_t n = 0, len;

	/* Pasted text may carry a newline or a tab; a name has none. */
	for (; *s && n < sizeof(clean) - 1; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			clean[n++] = *s;
	if (!n)
		return;
	if (m->name_all)
		set_name(m, "");
	len = strlen(m->name);
	if (len + n + 1 > sizeof(m->name))
		return;
	memmove(m->name + m->caret + n, m->name + m->caret,
		len - m->caret + 1);
	memcpy(m->name + m->caret, clean, n);
	m->caret += n;
	name_edited(m);
}

/* Tab, as a shell does it: the field is completed as far as the matches
 * agree; when several match, the list shows just them, in the folder they
 * are in, with what they share in the field. */
static void complete(struct chooser_model *m)
{
	char buf[PATH_MAX], dir[PATH_MAX], prefix[NAME_MAX + 1];
	const char *base;
	struct err e;
	int n;

	if (!m->name[0])
		return;
	n = dirlist_complete(m->dir, m->name, buf, sizeof(buf));
	if (n <= 0)
		return;
	set_name(m, buf);
	name_edited(m);
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (n == 1 || strlen(base) >= sizeof(prefix))
		return;
	memcpy(prefix, base, strlen(base) + 1);
	buf[base - buf] = '\0';
	if (dirlist_resolve(m->dir, buf[0] ? buf : ".", dir, sizeof(dir),
			    &e) == 0 && enter(m, dir, NULL, prefix) == 0)
		set_name(m, prefix);
}

static void paste(struct chooser_model *m)
{
	char *s = SDL_HasClipboardText() ? SDL_GetClipboardText() : NULL;

	if (!s)
		return;
	s[strcspn(s, "\r\n")] = '\0';
	chooser_model_insert(m, s);
	SDL_free(s);
}

/* Left and Right end a selection at its edge, as text fields do. */
static void move_caret(struct chooser_model *m, bool right)
{
	if (m->name_all)
		m->caret = right ? strlen(m->name) : 0;
	else
		m->caret = right ? text_next_char(m->name, m->caret) :
			   text_prev_char(m->name, m->caret);
	m->name_all = false;
}

static void backspace(struct chooser_model *m)
{
	if (!m->name[0])
		chooser_model_go_up(m);
	else if (m->caret > 0 || m->name_all)
		delete_range(m, text_prev_char(m->name, m->caret), m->caret);
}

enum chooser_result chooser_model_key(struct chooser_model *m,
				      const SDL_Keysym *k)
{
	bool ctrl = k->mod & KMOD_CTRL;
	int page = m->rows > 1 ? m->rows - 1 : 1;

	switch (k->sym) {
	case SDLK_ESCAPE:
		return CHOOSER_CANCELLED;
	case SDLK_RETURN:
	case SDLK_RETURN2:
	case SDLK_KP_ENTER:
		return chooser_model_activate(m);
	case SDLK_UP:
	case SDLK_DOWN:
		move_sel(m, k->sym == SDLK_UP ? -1 : 1);
		break;
	case SDLK_PAGEUP:
	case SDLK_PAGEDOWN:
		move_sel(m, k->sym == SDLK_PAGEUP ? -page : page);
		break;
	case SDLK_HOME:
	case SDLK_END:
		if (m->list.n)
			chooser_model_select(m, k->sym == SDLK_HOME ? 0 :
					     (int)m->list.n - 1);
		break;
	case SDLK_LEFT:
	case SDLK_RIGHT:
		move_caret(m, k->sym == SDLK_RIGHT);
		break;
	case SDLK_BACKSPACE:
		backspace(m);
		break;
	case SDLK_DELETE:
		if (m->name[m->caret] || m->name_all)
			delete_range(m, m->caret, text_next_char(m->name, m->caret));
		break;
	case SDLK_TAB:
		complete(m);
		break;
	case SDLK_a:
		if (ctrl)
			m->name_all = m->name[0] != '\0';
		break;
	case SDLK_v:
		if (ctrl)
			paste(m);
		break;
	default:
		break;
	}
	return CHOOSER_NONE;
}
