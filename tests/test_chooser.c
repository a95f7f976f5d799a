/* test_chooser.c - the file chooser, its folder logic and the text cache.
 *
 * Runs under the dummy video driver with the software renderer and a real
 * TrueType font. It builds a folder tree of its own (folders, image files
 * of many extensions in mixed case, other files, dot-files, links, a FIFO,
 * a folder of 500 images) and drives the chooser with real SDL events,
 * then reads the rendered pixels back.
 *
 * What it proves:
 *  - dirlist: the extension filter, the natural case-insensitive order,
 *    folders first, dot-files hidden, links followed, FIFOs and dangling
 *    links left out, sizes; path resolution ("~", relative, "..", "//"),
 *    the parent folder, size formatting.
 *  - the chooser by keyboard: typed relative and absolute paths + Enter
 *    choose the right absolute file; a typed folder is entered; Backspace
 *    on an empty field goes up and selects the folder we came from;
 *    arrows, Home, End, PageDown + Enter; editing keys, paste and Tab
 *    completion; Esc cancels; the 'f' that opened the chooser
 *    never reaches the field; a missing path, a FIFO or an unreadable
 *    folder is an inline error and the chooser stays.
 *  - by mouse: click selects and fills the name field, double-click opens,
 *    Open and Cancel work on press+release inside only, Up goes up, the
 *    wheel, the scroll bar track and its thumb scroll.
 *  - a 500-entry list keeps the selection on screen (pixels read back).
 *  - drawing at scale 1 and 2 shows the selection colour in the list and
 *    the error banner colour when there is an error.
 *  - text_update re-renders only when something changed; text_elide()
 *    elides at the end, the start or the middle within the width.
 *  - Tab completes typed paths in the folder they name (relative,
 *    absolute, "~", ".."); Ctrl+A and an error select the field so that
 *    typing replaces it.
 *  - Tab with several matches shows just the candidates, in their folder;
 *    control characters in names are drawn escaped on one line; after a
 *    file is loaded the chooser opens in its folder; at the window's
 *    minimum size the list shows three rows and every control fits.
 *  - too long for their place, a list name, the folder shown, the error
 *    and the type filter end or start with an ellipsis; the "Files of
 *    type" text is drawn whole, descenders included, at 1x and 2x.
 *
 * Usage: test_chooser [--shots DIR] (DIR gets chooser.png, chooser-2x.png,
 * chooser-error.png and chooser-min.png, at the window's minimum size, to
 * look at); test_chooser --fallback runs only the font fallback test,
 * which skips where no fallback font is installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include "app/chooser_inspect.h"
#include "app/chooser_model.h"
#include "app/chooser_view.h"
#include "app/dirlist_inspect.h"
#include "app/font.h"
#include "common/bytes.h"
#include "app/text.h"
#include "app/theme.h"
#include "app/ui.h"
#include "check.h"

#ifndef TEST_FONT
#define TEST_FONT ""
#endif

#define WIN_W 451
#define WIN_H 322

#define sel_color theme_select
#define banner_color theme_error_bg
/* Per-channel tolerance for pixel comparisons: the software renderer
 * fills rectangles exactly, 2 allows for any rounding in the path. */
#define TOL 2

/* Wider than any list row of the window. */
#define LONG_NAME "a name far too long for one row of the list, which " \
		  "the chooser has to elide.png"

static char tree[PATH_MAX];
static char font_path[PATH_MAX];

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */

static void path_in(char *out, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s%s%s", tree, *rel ? "/" : "",
			 rel);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "path too long: %s\n", rel);
		exit(1);
	}
}

static void make_file(const char *rel, size_t size)
{
	char p[PATH_MAX];
	char buf[4096];
	int fd;

	memset(buf, 'x', sizeof(buf));
	path_in(p, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(p);
		exit(1);
	}
	while (size) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			perror("write");
			exit(1);
		}
		size -= n;
	}
	close(fd);
}

static void make_dir(const char *rel)
{
	char p[PATH_MAX];

	path_in(p, rel);
	if (mkdir(p, 0755) < 0) {
		perror(p);
		exit(1);
	}
}

static void make_link(const char *target, const char *rel)
{
	char p[PATH_MAX];

	path_in(p, rel);
	if (symlink(target, p) < 0) {
		perror(p);
		exit(1);
	}
}

static void make_tree(void)
{
	static const char *const files[] = {
		"b.PNG", "C.Jpeg", "d.bmp", "e.GIF", "f.tga", "g.TIFF",
		"h.webp", "i.qoi", "img10.png", "img2.png", "x.svg", "y.xcf",
		".hidden.png", "notes.txt", "README", "fake.png.txt", ".png",
	};
	char p[PATH_MAX];
	size_t i;

	snprintf(tree, sizeof(tree), "/tmp/test-chooser-XXXXXX");
	if (!mkdtemp(tree)) {
		perror("mkdtemp");
		exit(1);
	}
	/* Open to everyone: the unreadable-folder case runs as nobody. */
	chmod(tree, 0755);
	make_dir("zeta");
	make_dir("alpha");
	make_dir("Beta");
	make_dir(".hiddendir");
	make_dir("many");
	make_dir("locked");
	make_dir("alpha/inner");
	make_file("alpha/inner.png", 10);
	make_file("alpha/" LONG_NAME, 10);
	make_file("a.jpg", 1536);
	for (i = 0; i < SDL_arraysize(files); i++)
		make_file(files[i], 100);
	make_link("a.jpg", "link.png");
	make_link("nowhere.png", "dangling.png");
	make_link("alpha", "linkdir");
	path_in(p, "pipe.png");
	if (mkfifo(p, 0644) < 0) {
		perror("mkfifo");
		exit(1);
	}
	for (i = 0; i < 500; i++) {
		char name[64];

		snprintf(name, sizeof(name), "many/f%03zu.png", i);
		make_file(name, 0);
	}
	path_in(p, "locked");
	chmod(p, 0);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static void remove_tree(void)
{
	char p[PATH_MAX];

	path_in(p, "locked");
	chmod(p, 0755);
	nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The font: TEST_FONT from the build, else fontconfig's sans-serif, else
 * DejaVu where Debian puts it. */
static bool find_font(void)
{
	const char *cand[] = { getenv("TEST_FONT"), TEST_FONT, NULL,
			       "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" };
	char fc[PATH_MAX] = "";
	FILE *f;
	size_t i;

	f = popen("fc-match -f '%{file}' sans-serif 2>/dev/null", "r");
	if (f) {
		if (!fgets(fc, sizeof(fc), f))
			fc[0] = '\0';
		pclose(f);
		cand[2] = fc;
	}
	for (i = 0; i < SDL_arraysize(cand); i++) {
		if (cand[i] && *cand[i] && access(cand[i], R_OK) == 0) {
			snprintf(font_path, sizeof(font_path), "%s", cand[i]);
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

static enum chooser_result feed(struct chooser *ch, SDL_Event *ev)
{
	bool redraw = false;

	return chooser_handle_event(ch, ev, &redraw);
}

static enum chooser_result key_mod(struct chooser *ch, SDL_Keycode k,
				   Uint16 mod)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.timestamp = SDL_GetTicks();
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = k;
	ev.key.keysym.scancode = SDL_GetScancodeFromKey(k);
	ev.key.keysym.mod = mod;
	return feed(ch, &ev);
}

static enum chooser_result key(struct chooser *ch, SDL_Keycode k)
{
	return key_mod(ch, k, KMOD_NONE);
}

static enum chooser_result type(struct chooser *ch, const char *s)
{
	enum chooser_result res = CHOOSER_NONE;
	SDL_Event ev;

	/* Split like SDL does: a text event holds at most 31 bytes. */
	while (*s) {
		size_t n = strlen(s);

		if (n > sizeof(ev.text.text) - 1)
			n = sizeof(ev.text.text) - 1;
		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_TEXTINPUT;
		ev.text.timestamp = SDL_GetTicks();
		memcpy(ev.text.text, s, n);
		res = feed(ch, &ev);
		s += n;
	}
	return res;
}

static enum chooser_result button(struct chooser *ch, Uint32 type, int x,
				  int y, int clicks)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.button.timestamp = SDL_GetTicks();
	ev.button.button = SDL_BUTTON_LEFT;
	ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED :
							SDL_RELEASED;
	ev.button.clicks = (Uint8)clicks;
	ev.button.x = x;
	ev.button.y = y;
	return feed(ch, &ev);
}

static enum chooser_result click_at(struct chooser *ch, int x, int y,
				    int clicks)
{
	enum chooser_result res = button(ch, SDL_MOUSEBUTTONDOWN, x, y, clicks);

	if (res != CHOOSER_NONE)
		return res;
	return button(ch, SDL_MOUSEBUTTONUP, x, y, clicks);
}

static bool part_center(struct chooser *ch, enum chooser_part part, int row,
			int *x, int *y)
{
	SDL_Rect r;

	if (!chooser_part_rect(ch, part, row, &r) || r.w <= 0 || r.h <= 0)
		return false;
	*x = r.x + r.w / 2;
	*y = r.y + r.h / 2;
	return true;
}

static enum chooser_result click_part(struct chooser *ch,
				      enum chooser_part part, int row,
				      int clicks)
{
	int x, y;

	if (!part_center(ch, part, row, &x, &y)) {
		fprintf(stderr, "part %d row %d not on screen\n", part, row);
		return (enum chooser_result)-1;
	}
	return click_at(ch, x, y, clicks);
}

static void wheel(struct chooser *ch, int y)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEWHEEL;
	ev.wheel.timestamp = SDL_GetTicks();
	ev.wheel.y = y;
	ev.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
	feed(ch, &ev);
}

static bool is_path(struct chooser *ch, const char *rel)
{
	char want[PATH_MAX];

	path_in(want, rel);
	if (strcmp(chooser_path(ch), want)) {
		fprintf(stderr, "chosen: '%s', expected '%s'\n",
			chooser_path(ch), want);
		return false;
	}
	return true;
}

static bool is_dir(struct chooser *ch, const char *rel)
{
	char want[PATH_MAX];

	path_in(want, rel);
	if (strcmp(chooser_dir(ch), want)) {
		fprintf(stderr, "folder: '%s', expected '%s'\n",
			chooser_dir(ch), want);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Pixels                                                              */

static bool near(Uint8 a, Uint8 b)
{
	return abs((int)a - (int)b) <= TOL;
}

/* Pixels of colour c inside rc, as rendered so far; with reddish set,
 * pixels clearly more red than green instead (antialiased red text). */
static int count_pixels(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c,
			bool reddish)
{
	Uint8 *buf;
	int n = 0, i;

	if (rc->w <= 0 || rc->h <= 0)
		return 0;
	buf = malloc((size_t)rc->w * rc->h * 4);
	if (!buf)
		return 0;
	if (SDL_RenderReadPixels(r, rc, SDL_PIXELFORMAT_RGBA32, buf,
				 rc->w * 4) == 0) {
		for (i = 0; i < rc->w * rc->h; i++) {
			Uint8 *p = buf + 4 * i;

			if (reddish ? p[0] > p[1] + 80 :
			    near(p[0], c.r) && near(p[1], c.g) &&
			    near(p[2], c.b))
				n++;
		}
	}
	free(buf);
	return n;
}

static int count_color(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c)
{
	return count_pixels(r, rc, c, false);
}

static int count_red(SDL_Renderer *r, const SDL_Rect *rc)
{
	SDL_Color none = { 0, 0, 0, 0 };

	return count_pixels(r, rc, none, true);
}

/* ------------------------------------------------------------------ */
/* The tests                                                           */

static void test_image_names(void)
{
	CHECK(dirlist_is_image_name("a.png"));
	CHECK(dirlist_is_image_name("A.PNG"));
	CHECK(dirlist_is_image_name("photo.JpEg"));
	CHECK(dirlist_is_image_name("x.tif"));
	CHECK(dirlist_is_image_name("x.TIFF"));
	CHECK(dirlist_is_image_name("x.webp"));
	CHECK(dirlist_is_image_name("x.qoi"));
	CHECK(dirlist_is_image_name("x.pbm"));
	CHECK(dirlist_is_image_name("x.xcf"));
	/* SVG is refused by the loader (no size check before rendering). */
	CHECK(!dirlist_is_image_name("x.Svg"));
	CHECK(dirlist_is_image_name("x.ico"));
	CHECK(dirlist_is_image_name("archive.tar.png"));
	CHECK(!dirlist_is_image_name("x.png.txt"));
	CHECK(!dirlist_is_image_name("png"));
	CHECK(!dirlist_is_image_name(".png"));
	CHECK(!dirlist_is_image_name("x."));
	CHECK(!dirlist_is_image_name("x.pn"));
	CHECK(!dirlist_is_image_name("x.pngg"));
	CHECK(!dirlist_is_image_name(""));
}

static bool precedes(const char *a, bool adir, const char *b, bool bdir)
{
	struct dirlist_entry ea = { (char *)a, 0, adir };
	struct dirlist_entry eb = { (char *)b, 0, bdir };

	return dirlist_compare(&ea, &eb) < 0 && dirlist_compare(&eb, &ea) > 0;
}

static void test_order(void)
{
	CHECK(precedes("zz", true, "aa.png", false));
	CHECK(precedes("alpha", true, "Beta", true));
	CHECK(precedes("a.png", false, "B.png", false));
	CHECK(precedes("img2.png", false, "img10.png", false));
	CHECK(precedes("img9", false, "img010", false));
	CHECK(precedes("x1y2", false, "x1y10", false));
	/* Equal but for case or leading zeros: still a fixed order. */
	CHECK(precedes("A.png", false, "a.png", false));
	CHECK(precedes("img01", false, "img1", false));
}

static void test_listing(void)
{
	static const char *const want[] = {
		"alpha", "Beta", "linkdir", "locked", "many", "zeta",
		"a.jpg", "b.PNG", "C.Jpeg", "d.bmp", "e.GIF", "f.tga",
		"g.TIFF", "h.webp", "i.qoi", "img2.png", "img10.png",
		"link.png", "y.xcf",
	};
	struct dirlist dl = { 0 };
	struct err e;
	size_t i;
	bool same;

	CHECK(dirlist_read(&dl, tree, false, &e) == 0);
	same = dl.n == SDL_arraysize(want);
	for (i = 0; same && i < dl.n; i++)
		same = !strcmp(dl.v[i].name, want[i]);
	CHECK_MSG(same, "listing differs (%zu entries)", dl.n);
	for (i = 0; !same && i < dl.n; i++)
		fprintf(stderr, "  %2zu %s%s\n", i, dl.v[i].name,
			dl.v[i].is_dir ? "/" : "");
	for (i = 0; i < dl.n; i++) {
		if (!strcmp(dl.v[i].name, "a.jpg"))
			CHECK(dl.v[i].size == 1536 && !dl.v[i].is_dir);
		if (!strcmp(dl.v[i].name, "link.png"))
			CHECK(dl.v[i].size == 1536 && !dl.v[i].is_dir);
		if (!strcmp(dl.v[i].name, "linkdir"))
			CHECK(dl.v[i].is_dir);
	}
	dirlist_finish(&dl);
	CHECK(dl.n == 0 && dl.v == NULL);

	/* With hidden entries shown. */
	CHECK(dirlist_read(&dl, tree, true, &e) == 0);
	CHECK(dl.n == SDL_arraysize(want) + 2);
	if (dl.n == SDL_arraysize(want) + 2) {
		CHECK(!strcmp(dl.v[0].name, ".hiddendir"));
		CHECK(!strcmp(dl.v[7].name, ".hidden.png"));
	}
	dirlist_finish(&dl);

	/* A missing folder: error with the reason, list untouched. */
	CHECK(dirlist_read(&dl, "/nonexistent-folder-xyz", false, &e) < 0);
	CHECK(strstr(e.msg, "No such file") != NULL);
	CHECK(dl.n == 0);
}

/* Sizes as the list shows them. */
static void test_size_format(void)
{
	char out[64];

	bytes_format_short(0, out, sizeof(out));
	CHECK(!strcmp(out, "0 bytes"));
	bytes_format_short(1, out, sizeof(out));
	CHECK(!strcmp(out, "1 byte"));
	bytes_format_short(1023, out, sizeof(out));
	CHECK(!strcmp(out, "1023 bytes"));
	bytes_format_short(1536, out, sizeof(out));
	CHECK(!strcmp(out, "1.5 KiB"));
	bytes_format_short(1048575, out, sizeof(out));
	CHECK(!strcmp(out, "1.0 MiB"));
	bytes_format_short((off_t)5 << 30, out, sizeof(out));
	CHECK(!strcmp(out, "5.0 GiB"));
}

static void test_paths(void)
{
	char out[PATH_MAX], small[8];
	struct err e;
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	CHECK(dirlist_resolve("/a/b", "c.png", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a/b/c.png"));
	CHECK(dirlist_resolve("/a/b", "/x/y", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/x/y"));
	CHECK(dirlist_resolve("/a/b", "../c", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a/c"));
	CHECK(dirlist_resolve("/a/b", "../../../..", out, sizeof(out),
			      &e) == 0);
	CHECK(!strcmp(out, "/"));
	CHECK(dirlist_resolve("/", "x//./y/../z/", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/x/z"));
	CHECK(dirlist_resolve("/a", ".", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a"));

	setenv("HOME", "/home/tester/", 1);
	CHECK(dirlist_resolve("/a", "~", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/home/tester"));
	CHECK(dirlist_resolve("/a", "~/pics/x.png", out, sizeof(out),
			      &e) == 0);
	CHECK(!strcmp(out, "/home/tester/pics/x.png"));
	/* "~name" is a file of that name, whoever name is. */
	CHECK(dirlist_resolve("/a", "~root/x", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a/~root/x"));
	/* "~" in the middle is just a character. */
	CHECK(dirlist_resolve("/a", "b/~", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a/b/~"));
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);

	CHECK(dirlist_resolve("/abc", "defgh", small, sizeof(small), &e) < 0);
	CHECK(strstr(e.msg, "too long") != NULL);
	CHECK(dirlist_resolve("/abc", "de", small, sizeof(small), &e) == 0);
	CHECK(!strcmp(small, "/abc/de"));

	/* The parent folder, as the Up button asks for it. */
	CHECK(dirlist_resolve("/a/b/c", "..", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/a/b"));
	CHECK(dirlist_resolve("/a", "..", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/"));
	CHECK(dirlist_resolve("/", "..", out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/"));
	test_size_format();

}

/* Typed folders are entered; Backspace on an empty field goes up. */
static void test_typed_folders(struct chooser *ch)
{
	chooser_open(ch, tree);
	/* A typed folder is entered; Backspace on the empty field goes
	 * back up and selects the folder we came from, which Enter opens
	 * again. */
	chooser_open(ch, tree);
	type(ch, "alpha");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(chooser_is_open(ch));
	CHECK(is_dir(ch, "alpha"));
	CHECK(key(ch, SDLK_BACKSPACE) == CHOOSER_NONE);
	CHECK(is_dir(ch, ""));
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(is_dir(ch, "alpha"));
	/* Backspace edits a non-empty field instead of leaving. */
	type(ch, "xy");
	key(ch, SDLK_BACKSPACE);
	CHECK(is_dir(ch, "alpha"));
	key(ch, SDLK_BACKSPACE);
	CHECK(is_dir(ch, "alpha"));
	key(ch, SDLK_BACKSPACE);
	CHECK(is_dir(ch, ""));
	/* A typed folder with its slash is entered too. */
	type(ch, "zeta/");
	key(ch, SDLK_RETURN);
	CHECK(is_dir(ch, "zeta"));
	key(ch, SDLK_BACKSPACE);
	CHECK(is_dir(ch, ""));

	/* "~" is $HOME. */
	setenv("HOME", tree, 1);
	type(ch, "~/Beta");
	key(ch, SDLK_RETURN);
	CHECK(is_dir(ch, "Beta"));
	key(ch, SDLK_ESCAPE);
}

/* Typed paths: relative, absolute, folders, "~". No drawing needed. */
static void test_typed_paths(struct chooser *ch)
{
	char p[PATH_MAX];

	/* Relative path + Enter. */
	chooser_open(ch, tree);
	CHECK(chooser_is_open(ch));
	CHECK(is_dir(ch, ""));
	CHECK(type(ch, "a.jpg") == CHOOSER_NONE);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "a.jpg"));
	CHECK(!chooser_is_open(ch));
	/* Result reported once: a closed chooser ignores events. */
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);

	/* Absolute path with ".." inside, keypad Enter. */
	chooser_open(ch, tree);
	path_in(p, "zeta/../b.PNG");
	type(ch, p);
	CHECK(key(ch, SDLK_KP_ENTER) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "b.PNG"));

	/* Relative path into a subfolder. */
	chooser_open(ch, tree);
	type(ch, "alpha/inner.png");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "alpha/inner.png"));
	test_typed_folders(ch);

}

/* Tab with one match, and Ctrl+V. */
static void test_tab_paste(struct chooser *ch)
{
	char p[PATH_MAX];

	/* Tab completes a unique prefix, folders with their slash. */
	chooser_open(ch, tree);
	type(ch, "zE");
	key(ch, SDLK_TAB);
	key(ch, SDLK_RETURN);
	CHECK(is_dir(ch, "zeta"));
	key(ch, SDLK_BACKSPACE);
	type(ch, "C.j");
	key(ch, SDLK_TAB);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "C.Jpeg"));

	/* Ctrl+V pastes the first line of the clipboard. */
	chooser_open(ch, tree);
	path_in(p, "d.bmp");
	strcat(p, "\nsecond line");
	if (SDL_SetClipboardText(p) == 0) {
		key_mod(ch, SDLK_v, KMOD_LCTRL);
		CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
		CHECK(is_path(ch, "d.bmp"));
	} else {
		printf("note: no clipboard here (%s), paste not tested\n",
		       SDL_GetError());
	}
}

/* Arrows, Home and End in the list; editing keys, Tab, paste. */
static void test_list_keys(struct chooser *ch)
{
	int i;

	/* Arrows: Down from nothing selects row 0; six folders, then the
	 * files: row 7 is b.PNG (nine Downs reach row 8, Up goes back). */
	chooser_open(ch, tree);
	for (i = 0; i < 9; i++)
		key(ch, SDLK_DOWN);
	key(ch, SDLK_UP);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "b.PNG"));

	/* End: the last file; Home: the first folder, Enter enters it. */
	chooser_open(ch, tree);
	key(ch, SDLK_END);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "y.xcf"));
	chooser_open(ch, tree);
	key(ch, SDLK_END);
	key(ch, SDLK_HOME);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(is_dir(ch, "alpha"));
	key(ch, SDLK_ESCAPE);

	/* Selecting a file puts its name into the field, so editing it
	 * works on that name: "b.PNG" minus one char is not a file. */
	chooser_open(ch, tree);
	key(ch, SDLK_END);
	key(ch, SDLK_BACKSPACE);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(chooser_error(ch) && strstr(chooser_error(ch), "y.xc"));
	/* Editing in the middle: Left, Left, Delete, type. */
	key(ch, SDLK_END);	/* field: y.xcf */
	key(ch, SDLK_LEFT);
	key(ch, SDLK_LEFT);
	key(ch, SDLK_LEFT);
	key(ch, SDLK_DELETE);	/* y.cf */
	type(ch, "x");		/* y.xcf */
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "y.xcf"));
	test_tab_paste(ch);

}

static void test_open_fallback(struct chooser *ch);

/* Esc, and the errors the chooser shows in place. */
static void test_errors(struct chooser *ch)
{
	/* Esc cancels. */
	chooser_open(ch, tree);
	type(ch, "a.jpg");
	CHECK(key(ch, SDLK_ESCAPE) == CHOOSER_CANCELLED);
	CHECK(!chooser_is_open(ch));

	/* A path that does not exist: inline error naming it, still open;
	 * typing clears the error. */
	chooser_open(ch, tree);
	type(ch, "nope.png");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(chooser_is_open(ch));
	CHECK(chooser_error(ch) && strstr(chooser_error(ch), "nope.png") &&
	      strstr(chooser_error(ch), "not found"));
	CHECK(is_dir(ch, ""));
	type(ch, "x");
	CHECK(chooser_error(ch) == NULL);

	/* A FIFO named like an image would hang the decoder. Ctrl+A
	 * selects the field, so typing replaces it. */
	key_mod(ch, SDLK_a, KMOD_LCTRL);
	type(ch, "pipe.png");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(chooser_error(ch) && strstr(chooser_error(ch), "regular"));

	/* A file that is not an image can still be typed: the window then
	 * says "Selected file is not an image", as Qt does. After the error
	 * the field is selected: what is typed replaces it. */
	type(ch, "notes.txt");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "notes.txt"));

	/* Dot-files are not listed, but a typed name reaches them. */
	chooser_open(ch, tree);
	type(ch, ".hiddendir");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE);
	CHECK(is_dir(ch, ".hiddendir"));
	key(ch, SDLK_ESCAPE);

	test_open_fallback(ch);
}

/* A folder that cannot be read falls back to the current directory and
 * says why; NULL is the current directory, whatever was browsed. */
static void test_open_fallback(struct chooser *ch)
{
	char p[PATH_MAX];

	chooser_open(ch, "/nonexistent-folder-xyz");
	CHECK(chooser_is_open(ch));
	getcwd(p, sizeof(p));
	CHECK(!strcmp(chooser_dir(ch), p));
	CHECK(chooser_error(ch) &&
	      strstr(chooser_error(ch), "nonexistent-folder-xyz"));
	key(ch, SDLK_ESCAPE);

	/* NULL: the current directory, not the folder browsed last. */
	chooser_open(ch, tree);
	type(ch, "many");
	key(ch, SDLK_RETURN);
	key(ch, SDLK_ESCAPE);
	chooser_open(ch, NULL);
	CHECK(!strcmp(chooser_dir(ch), p));
	key(ch, SDLK_ESCAPE);
}

/* Proves: once a file was loaded, the chooser opens in its folder, not in
 * the one asked for and not in one only browsed since: an absolute path,
 * a relative one (resolved against the current directory when it was
 * loaded, "..": by the text), and a folder that is gone falls back to the
 * current directory with the reason. A fresh chooser, since this one
 * remembers for good. */
static void test_reopen(TTF_Font *font)
{
	struct chooser *ch = chooser_create(font, 1.0f);
	char p[PATH_MAX], cwd[PATH_MAX];

	CHECK(ch != NULL && getcwd(cwd, sizeof(cwd)));
	if (!ch)
		return;
	chooser_open(ch, tree);
	CHECK(is_dir(ch, ""));
	CHECK(key(ch, SDLK_ESCAPE) == CHOOSER_CANCELLED);
	path_in(p, "alpha/inner.png");
	chooser_loaded(ch, p);
	chooser_open(ch, tree);
	CHECK(is_dir(ch, "alpha"));
	/* Browsing elsewhere and cancelling changes nothing. */
	type(ch, "../many");
	key(ch, SDLK_RETURN);
	CHECK(is_dir(ch, "many"));
	key(ch, SDLK_ESCAPE);
	chooser_open(ch, NULL);
	CHECK(is_dir(ch, "alpha"));
	key(ch, SDLK_ESCAPE);

	CHECK(chdir(tree) == 0);
	chooser_loaded(ch, "Beta/../zeta/photo.png");
	CHECK(chdir("/") == 0);
	chooser_open(ch, NULL);
	CHECK(is_dir(ch, "zeta"));
	key(ch, SDLK_ESCAPE);

	chooser_loaded(ch, "/nonexistent-folder-xyz/photo.png");
	chooser_open(ch, tree);
	CHECK(!strcmp(chooser_dir(ch), "/") && chooser_error(ch) &&
	      strstr(chooser_error(ch), "nonexistent-folder-xyz"));
	CHECK(chdir(cwd) == 0);
	chooser_destroy(ch);
}

/* How many rows the list shows (after a draw). */
static int rows_listed(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H }, rc;
	int n = 0;

	chooser_draw(ch, r, &all);
	while (chooser_part_rect(ch, CHOOSER_PART_ROW, n, &rc))
		n++;
	return n;
}

/* Proves: Tab with several matches works like a shell's: the field gets
 * what they share, and the list shows just the candidates, in the folder
 * they are in ("alpha/inn": alpha, listing inner/ and inner.png, field
 * "inner", which Enter opens there); Down picks a candidate; typing more
 * brings the whole folder back. */
static void test_complete_several(struct chooser *ch, SDL_Renderer *r)
{
	chooser_open(ch, tree);
	type(ch, "alpha/inn");
	key(ch, SDLK_TAB);
	CHECK(is_dir(ch, "alpha"));
	CHECK_MSG(rows_listed(ch, r) == 2, "%d rows", rows_listed(ch, r));
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE && is_dir(ch, "alpha/inner"));

	chooser_open(ch, tree);
	type(ch, "im");
	key(ch, SDLK_TAB);
	CHECK(is_dir(ch, ""));
	CHECK_MSG(rows_listed(ch, r) == 2, "%d rows", rows_listed(ch, r));
	key(ch, SDLK_DOWN);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN &&
	      is_path(ch, "img2.png"));

	chooser_open(ch, tree);
	type(ch, "im");
	key(ch, SDLK_TAB);
	type(ch, "1");
	CHECK(rows_listed(ch, r) > 2);
	CHECK(key(ch, SDLK_TAB) == CHOOSER_NONE);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN &&
	      is_path(ch, "img10.png"));
}

/* Tab completes the last part of a typed path in the folder it names:
 * relative to the folder shown, absolute, from "~", through "..". */
static void test_complete(struct chooser *ch, SDL_Renderer *r)
{
	char p[PATH_MAX], out[PATH_MAX];

	CHECK(dirlist_complete(tree, "alpha/inn", out, sizeof(out)) == 2 &&
	      !strcmp(out, "alpha/inner"));
	CHECK(dirlist_complete(tree, "alpha/inner.", out, sizeof(out)) == 1 &&
	      !strcmp(out, "alpha/inner.png"));
	CHECK(dirlist_complete(tree, "ALP", out, sizeof(out)) == 1 &&
	      !strcmp(out, "alpha/"));
	CHECK(dirlist_complete(tree, "alpha/zz", out, sizeof(out)) == 0 &&
	      !strcmp(out, "alpha/zz"));
	CHECK(dirlist_complete(tree, "nowhere/x", out, sizeof(out)) == 0);
	/* A dot asks for the dot-files. */
	CHECK(dirlist_complete(tree, ".hid", out, sizeof(out)) == 2 &&
	      !strcmp(out, ".hidden"));
	CHECK(dirlist_complete(tree, "alpha/inner.", out, 8) == -1);

	chooser_open(ch, tree);
	type(ch, "alpha/inner.");
	key(ch, SDLK_TAB);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "alpha/inner.png"));

	chooser_open(ch, "/");
	path_in(p, "ze");
	type(ch, p);
	key(ch, SDLK_TAB);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE && is_dir(ch, "zeta"));

	setenv("HOME", tree, 1);
	type(ch, "~/Be");
	key(ch, SDLK_TAB);
	key(ch, SDLK_RETURN);
	CHECK(is_dir(ch, "Beta"));
	type(ch, "../alpha/inner.p");
	key(ch, SDLK_TAB);
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "alpha/inner.png"));

	/* Two matches: as far as they agree; another Tab adds nothing. */
	chooser_open(ch, tree);
	type(ch, "alpha/inn");
	key(ch, SDLK_TAB);
	key(ch, SDLK_TAB);
	type(ch, ".png");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "alpha/inner.png"));
	test_complete_several(ch, r);
}

/* Ctrl+A selects the field's text, and so does an error: what is typed
 * next replaces it; Backspace empties it; Left ends the selection. */
static void test_select_all(struct chooser *ch)
{
	chooser_open(ch, tree);
	type(ch, "alpha/zzz");
	key_mod(ch, SDLK_a, KMOD_LCTRL);
	type(ch, "d.bmp");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN && is_path(ch, "d.bmp"));

	chooser_open(ch, tree);
	type(ch, "nope.png");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_NONE && chooser_error(ch));
	type(ch, "a.jpg");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN && is_path(ch, "a.jpg"));

	chooser_open(ch, tree);
	type(ch, "alpha");
	key_mod(ch, SDLK_a, KMOD_LCTRL);
	key(ch, SDLK_BACKSPACE);
	CHECK(is_dir(ch, ""));
	type(ch, "a.jpg");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN && is_path(ch, "a.jpg"));

	chooser_open(ch, tree);
	type(ch, "jpg");
	key_mod(ch, SDLK_a, KMOD_LCTRL);
	key(ch, SDLK_LEFT);
	type(ch, "a.");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN && is_path(ch, "a.jpg"));
}

/* The 'f' of the F key that opened the chooser must not reach the field,
 * whether it is still queued (SDL_PushEvent, then the normal poll loop)
 * or handed over late by a caller that batched its events. */
static void test_stray_f(struct chooser *ch)
{
	SDL_Event ev, kd;
	int fed = 0;

	SDL_PumpEvents();
	SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);

	memset(&kd, 0, sizeof(kd));
	kd.type = SDL_KEYDOWN;
	kd.key.state = SDL_PRESSED;
	kd.key.keysym.sym = SDLK_f;
	kd.key.keysym.scancode = SDL_SCANCODE_F;
	SDL_PushEvent(&kd);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_TEXTINPUT;
	strcpy(ev.text.text, "f");
	SDL_PushEvent(&ev);

	/* The app's loop: the key opens the chooser, later events go to
	 * the chooser. */
	CHECK(SDL_PollEvent(&ev) && ev.type == SDL_KEYDOWN);
	chooser_open(ch, tree);
	while (SDL_PollEvent(&ev)) {
		feed(ch, &ev);
		fed++;
	}
	CHECK_MSG(fed == 0, "%d queued events reached the chooser", fed);

	/* Real typing through the queue. */
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_TEXTINPUT;
	strcpy(ev.text.text, "a.jpg");
	SDL_PushEvent(&ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = SDLK_RETURN;
	ev.key.keysym.scancode = SDL_SCANCODE_RETURN;
	SDL_PushEvent(&ev);
	while (SDL_PollEvent(&ev)) {
		if (feed(ch, &ev) == CHOOSER_CHOSEN)
			break;
	}
	CHECK(is_path(ch, "a.jpg"));

	/* A text event stamped before the open, handed over afterwards. */
	SDL_Delay(3);
	chooser_open(ch, tree);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_TEXTINPUT;
	ev.text.timestamp = SDL_GetTicks() - 2;
	strcpy(ev.text.text, "f");
	feed(ch, &ev);
	type(ch, "a.jpg");
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "a.jpg"));
}

/* A folder the user may not read: an inline error, and the chooser stays
 * where it was. As root every folder is readable, so a child process
 * does this as nobody. */
static void test_unreadable(struct chooser *ch)
{
	pid_t pid;
	int st;

	chooser_open(ch, tree);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		if (geteuid() == 0 && (setresgid(65534, 65534, 65534) < 0 ||
				       setresuid(65534, 65534, 65534) < 0))
			_exit(3);
		type(ch, "locked");
		bad |= key(ch, SDLK_RETURN) != CHOOSER_NONE;
		bad |= !chooser_is_open(ch);
		bad |= !is_dir(ch, "");
		bad |= !chooser_error(ch) ||
		       !strstr(chooser_error(ch), "Permission denied");
		if (bad)
			fprintf(stderr, "  error shown: %s\n",
				chooser_error(ch) ? chooser_error(ch) : "none");
		/* Still usable after the error. */
		key_mod(ch, SDLK_a, KMOD_LCTRL);
		type(ch, "d.bmp");
		bad |= key(ch, SDLK_RETURN) != CHOOSER_CHOSEN;
		bad |= !is_path(ch, "d.bmp");
		_exit(bad ? 1 : 0);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "unreadable folder case failed (status %d)", st);
	chooser_close(ch);
}

/* Clicks that must not open: another row, a release elsewhere, Open
 * with nothing to open; then Cancel. */
static void test_mouse_misses(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H };
	int x, y;

	chooser_open(ch, tree);
	/* A second click on another row is a new selection, not an open. */
	chooser_draw(ch, r, &all);
	click_part(ch, CHOOSER_PART_ROW, 4, 1);
	CHECK(click_part(ch, CHOOSER_PART_ROW, 6, 2) == CHOOSER_NONE);
	CHECK(chooser_is_open(ch));

	/* Cancel pressed but released outside: nothing. */
	chooser_draw(ch, r, &all);
	CHECK(part_center(ch, CHOOSER_PART_CANCEL, 0, &x, &y));
	CHECK(button(ch, SDL_MOUSEBUTTONDOWN, x, y, 1) == CHOOSER_NONE);
	CHECK(button(ch, SDL_MOUSEBUTTONUP, 2, 2, 1) == CHOOSER_NONE);
	CHECK(chooser_is_open(ch));
	/* Open with an empty field and nothing selected does nothing. */
	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);
	CHECK(click_part(ch, CHOOSER_PART_OPEN, 0, 1) == CHOOSER_NONE);
	CHECK(chooser_is_open(ch));
	/* A real click on Cancel cancels. */
	CHECK(click_part(ch, CHOOSER_PART_CANCEL, 0, 1) == CHOOSER_CANCELLED);
	CHECK(!chooser_is_open(ch));
}

/* Mouse: needs a drawn layout. */
static void test_mouse(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H }, rc;

	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);

	/* Click a file row: selected, its name in the field, Open opens. */
	CHECK(click_part(ch, CHOOSER_PART_ROW, 6, 1) == CHOOSER_NONE);
	CHECK(click_part(ch, CHOOSER_PART_OPEN, 0, 1) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "a.jpg"));

	/* Click a folder row, then Open: it is entered. */
	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);
	CHECK(click_part(ch, CHOOSER_PART_ROW, 1, 1) == CHOOSER_NONE);
	CHECK(click_part(ch, CHOOSER_PART_OPEN, 0, 1) == CHOOSER_NONE);
	CHECK(is_dir(ch, "Beta"));

	/* Double-click on a file opens it (scrolled into view first). */
	chooser_open(ch, tree);
	wheel(ch, -1);
	chooser_draw(ch, r, &all);
	CHECK(!chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &rc));
	CHECK(click_part(ch, CHOOSER_PART_ROW, 7, 1) == CHOOSER_NONE);
	CHECK(click_part(ch, CHOOSER_PART_ROW, 7, 2) == CHOOSER_CHOSEN);
	CHECK(is_path(ch, "b.PNG"));

	/* Double-click on a folder enters it; the Up button goes back. */
	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);
	click_part(ch, CHOOSER_PART_ROW, 5, 1);
	CHECK(click_part(ch, CHOOSER_PART_ROW, 5, 2) == CHOOSER_NONE);
	CHECK(is_dir(ch, "zeta"));
	chooser_draw(ch, r, &all);
	CHECK(click_part(ch, CHOOSER_PART_UP, 0, 1) == CHOOSER_NONE);
	CHECK(is_dir(ch, ""));
	test_mouse_misses(ch, r);

}

/* The wheel, the scroll bar's track and its thumb. */
static void test_scrolling(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H }, rc, row0;
	int x;

	/* The wheel scrolls a long list. */
	chooser_open(ch, tree);
	type(ch, "many");
	key(ch, SDLK_RETURN);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &row0));
	CHECK(chooser_part_rect(ch, CHOOSER_PART_SCROLLBAR, 0, &rc) &&
	      rc.w > 0);
	wheel(ch, -2);
	chooser_draw(ch, r, &all);
	CHECK(!chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &rc));
	CHECK(chooser_part_rect(ch, CHOOSER_PART_ROW, 6, &rc) &&
	      rc.y == row0.y);
	wheel(ch, 5);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &rc));
	/* A click into the track below the thumb pages down. */
	CHECK(chooser_part_rect(ch, CHOOSER_PART_SCROLLBAR, 0, &rc));
	click_at(ch, rc.x + rc.w / 2, rc.y + rc.h - 2, 1);
	chooser_draw(ch, r, &all);
	CHECK(!chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &rc));
	/* Dragging the thumb to the bottom shows the end of the list. */
	wheel(ch, 1000);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_SCROLLBAR, 0, &rc));
	x = rc.x + rc.w / 2;
	button(ch, SDL_MOUSEBUTTONDOWN, x, rc.y + 3, 1);
	{
		SDL_Event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_MOUSEMOTION;
		ev.motion.x = x;
		ev.motion.y = rc.y + rc.h + 50;
		feed(ch, &ev);
	}
	button(ch, SDL_MOUSEBUTTONUP, x, rc.y + rc.h + 50, 1);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_ROW, 499, &rc));
	CHECK(!chooser_part_rect(ch, CHOOSER_PART_ROW, 400, &rc));
	key(ch, SDLK_ESCAPE);
}

/* Is row `row` on screen, inside the list, and painted as selected? */
static bool row_shown_selected(struct chooser *ch, SDL_Renderer *r, int row)
{
	SDL_Rect rc, list;
	int n;

	if (!chooser_part_rect(ch, CHOOSER_PART_ROW, row, &rc) ||
	    !chooser_part_rect(ch, CHOOSER_PART_LIST, 0, &list))
		return false;
	if (rc.y < list.y || rc.y + rc.h > list.y + list.h)
		return false;
	n = count_color(r, &rc, sel_color);
	return n > rc.w * rc.h / 2;
}

static void test_long_list(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H };
	int i;

	chooser_open(ch, tree);
	type(ch, "many");
	key(ch, SDLK_RETURN);

	key(ch, SDLK_END);
	chooser_draw(ch, r, &all);
	CHECK(row_shown_selected(ch, r, 499));
	key(ch, SDLK_HOME);
	chooser_draw(ch, r, &all);
	CHECK(row_shown_selected(ch, r, 0));
	for (i = 0; i < 30; i++)
		key(ch, SDLK_DOWN);
	chooser_draw(ch, r, &all);
	CHECK(row_shown_selected(ch, r, 30));
	key(ch, SDLK_PAGEDOWN);
	key(ch, SDLK_PAGEDOWN);
	chooser_draw(ch, r, &all);
	for (i = 31; i < 500; i++)
		if (row_shown_selected(ch, r, i))
			break;
	CHECK_MSG(i < 500, "no selected row visible after PageDown");
	key(ch, SDLK_PAGEUP);
	chooser_draw(ch, r, &all);
	{
		int j;

		for (j = 30; j < i; j++)
			if (row_shown_selected(ch, r, j))
				break;
		CHECK_MSG(j < i, "PageUp did not move up a visible row");
	}
	/* The selection survives scrolling away with the wheel and is
	 * brought back by the next arrow key. */
	wheel(ch, 100);
	chooser_draw(ch, r, &all);
	key(ch, SDLK_DOWN);
	chooser_draw(ch, r, &all);
	for (i = 0; i < 500; i++)
		if (row_shown_selected(ch, r, i))
			break;
	CHECK(i > 30 && i < 500);
	/* The field holds the selected file: Enter opens exactly it. */
	{
		char rel[64];

		snprintf(rel, sizeof(rel), "many/f%03d.png", i);
		CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN);
		CHECK(is_path(ch, rel));
	}
}

/* An error is drawn as a banner, with the field's text selected; a tiny
 * area must not crash. */
static void test_draw_error(struct chooser *ch, SDL_Renderer *r)
{
	SDL_Rect all1 = { 0, 0, WIN_W, WIN_H }, name;
	int n;

	/* An error is shown in the chooser as a banner. */
	type(ch, "missing-file.png");
	key(ch, SDLK_RETURN);
	chooser_draw(ch, r, &all1);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_NAME, 0, &name));
	/* The field's text is selected after the error. */
	name = (SDL_Rect){ name.x + 3, name.y + 3, name.w - 6, name.h - 6 };
	n = count_color(r, &name, sel_color);
	CHECK_MSG(n > 200, "selected field: %d px", n);
	n = count_color(r, &all1, banner_color);
	CHECK_MSG(n > 500, "error banner: %d px", n);

	/* A tiny area must not crash. */
	{
		SDL_Rect tiny = { 10, 10, 40, 30 }, zero = { 0, 0, 0, 0 };

		chooser_draw(ch, r, &tiny);
		chooser_draw(ch, r, &zero);
	}
}

static void test_draw(struct chooser *ch, SDL_Renderer *r, TTF_Font *font1,
		      TTF_Font *font2)
{
	SDL_Rect all1 = { 0, 0, WIN_W, WIN_H };
	SDL_Rect all2 = { 0, 0, WIN_W * 2, WIN_H * 2 };
	SDL_Rect list;
	int n;

	chooser_open(ch, tree);
	key(ch, SDLK_DOWN);
	key(ch, SDLK_DOWN);
	chooser_draw(ch, r, &all1);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_LIST, 0, &list));
	n = count_color(r, &list, sel_color);
	CHECK_MSG(n > 200, "selection colour in list at 1x: %d px", n);
	CHECK(row_shown_selected(ch, r, 1));
	/* Nothing drawn outside the area the caller gave. */
	CHECK(list.x >= 0 && list.y >= 0 && list.x + list.w <= WIN_W &&
	      list.y + list.h <= WIN_H);
	/* No error: no banner. */
	CHECK(count_color(r, &list, banner_color) == 0);

	/* At 2x everything doubles: the same state draws twice as large. */
	chooser_set_font(ch, font2, 2.0f);
	SDL_RenderSetViewport(r, NULL);
	{
		SDL_Renderer *big;
		SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(
			0, all2.w, all2.h, 32, SDL_PIXELFORMAT_RGBA32);
		SDL_Rect list2;

		CHECK(s != NULL);
		big = s ? SDL_CreateSoftwareRenderer(s) : NULL;
		CHECK(big != NULL);
		if (big) {
			chooser_draw(ch, big, &all2);
			CHECK(chooser_part_rect(ch, CHOOSER_PART_LIST, 0,
						&list2));
			CHECK(list2.h > list.h * 3 / 2);
			n = count_color(big, &list2, sel_color);
			CHECK_MSG(n > 800, "selection colour at 2x: %d px",
				  n);
			CHECK(row_shown_selected(ch, big, 1));
			/* The chooser's textures belong to big. */
			chooser_set_font(ch, font1, 1.0f);
			SDL_DestroyRenderer(big);
		}
		SDL_FreeSurface(s);
	}
	chooser_set_font(ch, font1, 1.0f);

	test_draw_error(ch, r);
	key(ch, SDLK_ESCAPE);
}

/* Parts the user needs, for the minimum-size test. */
static const enum chooser_part needed[] = {
	CHOOSER_PART_UP, CHOOSER_PART_PATH, CHOOSER_PART_LIST,
	CHOOSER_PART_NAME, CHOOSER_PART_OPEN, CHOOSER_PART_CANCEL,
};

/* Every needed part is on screen inside area, and no two overlap. */
static void check_parts_fit(struct chooser *ch, const SDL_Rect *area)
{
	SDL_Rect rc[SDL_arraysize(needed)];
	size_t i, j;

	for (i = 0; i < SDL_arraysize(needed); i++) {
		CHECK_MSG(chooser_part_rect(ch, needed[i], 0, &rc[i]) &&
			  rc[i].w > 0 && rc[i].h > 0 &&
			  SDL_HasIntersection(&rc[i], area) &&
			  rc[i].x + rc[i].w <= area->w &&
			  rc[i].y + rc[i].h <= area->h,
			  "part %d: %d,%d %dx%d in %dx%d", needed[i],
			  rc[i].x, rc[i].y, rc[i].w, rc[i].h, area->w,
			  area->h);
		for (j = 0; j < i; j++)
			CHECK_MSG(!SDL_HasIntersection(&rc[i], &rc[j]),
				  "parts %d and %d overlap", needed[i],
				  needed[j]);
	}
}

/* At the window's own minimum size (ui_min_size with the window's font
 * size, at 1x and 2x) the list shows three whole rows, and Up, the folder,
 * the list, the name field, Open and Cancel are all inside and apart: a
 * double-click on the third row opens it, Cancel cancels. */
static void test_min_size(struct chooser *ch, float scale)
{
	TTF_Font *font = TTF_OpenFont(font_path, theme_px(scale, UI_FONT_PT));
	SDL_Surface *s = NULL;
	SDL_Renderer *r = NULL;
	SDL_Rect all = { 0, 0, 0, 0 }, row[3];
	char want[PATH_MAX];
	int w, h, i;

	CHECK(font != NULL);
	if (font) {
		ui_min_size(font, scale, &w, &h);
		all.w = theme_px(scale, w);
		all.h = theme_px(scale, h);
		s = SDL_CreateRGBSurfaceWithFormat(0, all.w, all.h, 32,
						   SDL_PIXELFORMAT_RGBA32);
	}
	r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	CHECK(r != NULL);
	if (r) {
		chooser_set_font(ch, font, scale);
		path_in(want, "many");
		chooser_open(ch, want);
		chooser_draw(ch, r, &all);
		for (i = 0; i < 3; i++)
			CHECK_MSG(chooser_part_rect(ch, CHOOSER_PART_ROW, i,
						    &row[i]) &&
				  row[i].h >= TTF_FontLineSkip(font) &&
				  row[i].h == row[0].h,
				  "%gx at %dx%d: row %d not whole", scale,
				  all.w, all.h, i);
		check_parts_fit(ch, &all);
		click_part(ch, CHOOSER_PART_ROW, 2, 1);
		CHECK(click_part(ch, CHOOSER_PART_ROW, 2, 2) ==
		      CHOOSER_CHOSEN && is_path(ch, "many/f002.png"));
		chooser_open(ch, want);
		chooser_draw(ch, r, &all);
		CHECK(click_part(ch, CHOOSER_PART_CANCEL, 0, 1) ==
		      CHOOSER_CANCELLED);
		/* The textures belong to r. */
		chooser_set_font(ch, NULL, 1.0f);
		SDL_DestroyRenderer(r);
	}
	SDL_FreeSurface(s);
	if (font)
		TTF_CloseFont(font);
}

static bool starts(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

static bool ends(const char *s, const char *p)
{
	return s && strlen(s) >= strlen(p) &&
	       !strcmp(s + strlen(s) - strlen(p), p);
}

/* text_elide() in its three places, and the chooser's view using it for
 * a long name in the list, a deep folder, a long error and the type
 * filter at a narrow width. */
static void test_elide(SDL_Renderer *r, TTF_Font *font)
{
	static const char s[] = "File not found: /a/long/path/to/photo.png";
	struct chooser_model m = { .sel = -1, .rows = 10 };
	struct chooser_view v = { 0 };
	SDL_Rect narrow = { 0, 0, 320, WIN_H };
	int w = text_width(font, s);
	char out[256], p[PATH_MAX];
	const char *e;

	CHECK(!strcmp(text_elide(font, s, w, TEXT_ELIDE_END, out,
				 sizeof(out)), s));
	e = text_elide(font, s, w / 2, TEXT_ELIDE_END, out, sizeof(out));
	CHECK(text_width(font, e) <= w / 2 && starts(e, "File") &&
	      ends(e, "\u2026"));
	e = text_elide(font, s, w / 2, TEXT_ELIDE_START, out, sizeof(out));
	CHECK(text_width(font, e) <= w / 2 && starts(e, "\u2026") &&
	      ends(e, "photo.png"));
	e = text_elide(font, s, w / 2, TEXT_ELIDE_MIDDLE, out, sizeof(out));
	CHECK(text_width(font, e) <= w / 2 && starts(e, "File") &&
	      ends(e, ".png") && strstr(e, "\u2026"));
	CHECK(!strcmp(text_elide(font, s, 1, TEXT_ELIDE_END, out,
				 sizeof(out)), "\u2026"));
	e = text_elide(font, s, w, TEXT_ELIDE_END, out, 12);
	CHECK(strlen(e) < 12 && ends(e, "\u2026"));

	chooser_view_set_font(&v, font, 1.0f);
	path_in(p, "alpha");
	chooser_model_open(&m, p);
	chooser_model_insert(&m, "missing/folder/with/a/long/name/photo.png");
	chooser_model_activate(&m);
	chooser_view_draw(&v, &m, r, &narrow);
	CHECK(m.list.n == 3 && !strcmp(m.list.v[1].name, LONG_NAME));
	CHECK_MSG(starts(v.row_name[1].str, "a name") &&
		  ends(v.row_name[1].str, "\u2026"), "row: %s",
		  v.row_name[1].str);
	CHECK_MSG(starts(v.t_dir.str, "\u2026") && ends(v.t_dir.str, "/alpha"),
		  "folder: %s", v.t_dir.str);
	CHECK_MSG(starts(v.t_error.str, "File not found") &&
		  strstr(v.t_error.str, "\u2026") &&
		  ends(v.t_error.str, "photo.png"), "error: %s",
		  v.t_error.str);
	CHECK_MSG(ends(v.t_types.str, "\u2026"), "types: %s", v.t_types.str);
	dirlist_finish(&m.list);
	chooser_view_finish(&v);
}

/* First and last row of rc with ink (a pixel darker than 0x80). */
static int ink_rows(SDL_Renderer *r, const SDL_Rect *rc)
{
	Uint8 *buf = malloc((size_t)rc->w * rc->h * 4);
	int first = -1, last = -2, x, y;

	if (buf && SDL_RenderReadPixels(r, rc, SDL_PIXELFORMAT_RGBA32, buf,
					rc->w * 4) == 0)
		for (y = 0; y < rc->h; y++)
			for (x = 0; x < rc->w; x++)
				if (buf[4 * (y * rc->w + x)] < 0x80) {
					first = first < 0 ? y : first;
					last = y;
				}
	free(buf);
	return last - first + 1;
}

/* Proves: control characters in a name are drawn escaped, on one line:
 * text_escape() writes \n, \t, \r and \xHH and never cuts an escape; a
 * list row named "new<newline>line.png" shows ink (it was blank), the name
 * field shows it within one line's height (it spilled over two), and
 * Enter opens the file by its real name. */
static void test_control_names(struct chooser *ch, SDL_Renderer *r,
			       TTF_Font *font)
{
	SDL_Rect all = { 0, 0, WIN_W, WIN_H }, row, name;
	char out[64], p[PATH_MAX];
	int ink;

	CHECK(!strcmp(text_escape("a\nb\tc\rd", out, sizeof(out)),
		      "a\\nb\\tc\\rd"));
	CHECK(!strcmp(text_escape("\x1b\x7f\x01\xc3\xa9\\", out,
				  sizeof(out)), "\\x1b\\x7f\\x01\xc3\xa9\\"));
	CHECK(!strcmp(text_escape("ab\n", out, 4), "ab"));
	CHECK(!strcmp(text_escape("ab\n", out, 5), "ab\\n"));

	chooser_set_font(ch, font, 1.0f);
	make_dir("ctl");
	make_file("ctl/new\nline.png", 10);
	make_file("ctl/tab\there.png", 10);
	path_in(p, "ctl");
	chooser_open(ch, p);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_ROW, 0, &row));
	/* The name's cell: right of the icon, left of the size. */
	row = (SDL_Rect){ row.x + 30, row.y, row.w / 2 - 30, row.h };
	ink = ink_rows(r, &row);
	CHECK_MSG(ink > TTF_FontAscent(font) / 2 && ink <= row.h,
		  "row of new\\nline.png: %d rows of ink", ink);
	key(ch, SDLK_DOWN);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_NAME, 0, &name));
	name = (SDL_Rect){ name.x + 2, name.y + 2, name.w - 4, name.h - 4 };
	ink = ink_rows(r, &name);
	CHECK_MSG(ink > 0 && ink <= TTF_FontHeight(font),
		  "name field: %d rows of ink, one line is %d", ink,
		  TTF_FontHeight(font));
	CHECK(key(ch, SDLK_RETURN) == CHOOSER_CHOSEN &&
	      is_path(ch, "ctl/new\nline.png"));
}

/* The "Files of type" text keeps its descenders: its ink is as tall in
 * the box as the same words rendered alone. */
static void test_types_whole(struct chooser *ch, SDL_Renderer *r,
			     TTF_Font *font, float scale)
{
	SDL_Color black = { 0, 0, 0, 255 };
	SDL_Surface *ref = TTF_RenderUTF8_Blended(font, "Images (*.png *.jpg",
						  black);
	SDL_Rect all = { 0, 0, (int)(WIN_W * scale), (int)(WIN_H * scale) };
	SDL_Rect box;
	int first = -1, last = -2, x, y, t = (int)scale;

	CHECK(ref != NULL);
	if (!ref || SDL_LockSurface(ref) < 0)
		return;
	for (y = 0; y < ref->h; y++)
		for (x = 0; x < ref->w; x++)
			if ((((Uint32 *)((Uint8 *)ref->pixels +
					 y * ref->pitch))[x] >>
			     ref->format->Ashift & 0xff) > 0x90) {
				first = first < 0 ? y : first;
				last = y;
			}
	SDL_UnlockSurface(ref);
	SDL_FreeSurface(ref);
	chooser_set_font(ch, font, scale);
	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);
	CHECK(chooser_part_rect(ch, CHOOSER_PART_TYPES, 0, &box));
	box = (SDL_Rect){ box.x + t, box.y + t, box.w - 2 * t, box.h - 2 * t };
	CHECK_MSG(ink_rows(r, &box) >= last - first + 1, "@%.0fx: %d rows "
		  "of ink in the box, %d alone", scale, ink_rows(r, &box),
		  last - first + 1);
	key(ch, SDLK_ESCAPE);
}

/* Drawn text shows up, and only inside the clip. */
static void test_text_clip(SDL_Renderer *r, TTF_Font *font)
{
	SDL_Color red = { 200, 0, 0, 255 };
	struct text_cache c = { 0 };
	SDL_Rect box;
	int n;

	CHECK(text_update(&c, r, font, "MMMM", red, 0, TEXT_LEFT) == 0);
	SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
	SDL_RenderClear(r);
	box = (SDL_Rect){ 10, 10, c.w, c.h };
	text_draw(&c, r, 10, 10, NULL);
	n = count_red(r, &box);
	CHECK_MSG(n > 40, "text pixels: %d", n);
	SDL_RenderClear(r);
	box.w = c.w / 2;
	text_draw(&c, r, 10, 10, &box);
	n = count_red(r, &box);
	box.x += box.w;
	CHECK(n > 20 && count_red(r, &box) == 0);
	text_finish(&c);
}

static void test_text(SDL_Renderer *r, TTF_Font *font)
{
	struct text_cache c;
	SDL_Color black = { 0, 0, 0, 255 }, red = { 200, 0, 0, 255 };
	SDL_Texture *t1;
	int w1, h1;

	memset(&c, 0, sizeof(c));
	CHECK(text_update(&c, r, font, "Hello", black, 0, TEXT_LEFT) == 0);
	CHECK(c.tex != NULL && c.w > 0 && c.h > 0);
	t1 = c.tex;
	w1 = c.w;
	h1 = c.h;
	/* Nothing changed: the same texture. */
	CHECK(text_update(&c, r, font, "Hello", black, 0, TEXT_LEFT) == 0);
	CHECK(c.tex == t1);
	/* The string changed: a new texture, wider. */
	CHECK(text_update(&c, r, font, "Hello, world", black, 0,
			  TEXT_LEFT) == 0);
	CHECK(c.tex != t1 && c.w > w1);
	t1 = c.tex;
	/* Colour, wrap and alignment are part of the key. */
	CHECK(text_update(&c, r, font, "Hello, world", red, 0,
			  TEXT_LEFT) == 0);
	CHECK(c.tex != t1);
	t1 = c.tex;
	CHECK(text_update(&c, r, font, "Hello, world", red, 0,
			  TEXT_LEFT) == 0 && c.tex == t1);
	CHECK(text_update(&c, r, font, "Hello, world", red, w1,
			  TEXT_CENTER) == 0);
	CHECK(c.tex != t1 && c.h > h1 && c.w <= w1 + 2);
	t1 = c.tex;
	CHECK(text_update(&c, r, font, "Hello, world", red, w1,
			  TEXT_LEFT) == 0 && c.tex != t1);
	/* A newline breaks the line even without a wrap width. */
	CHECK(text_update(&c, r, font, "one\ntwo", black, 0, TEXT_LEFT) == 0);
	CHECK(c.h > h1 + h1 / 2);
	/* The empty string: nothing to draw, but cached. */
	CHECK(text_update(&c, r, font, "", black, 0, TEXT_LEFT) == 0);
	CHECK(c.tex == NULL && c.w == 0 && c.h == 0 && c.str != NULL);
	CHECK(text_update(&c, r, font, NULL, black, 0, TEXT_LEFT) == 0);
	text_draw(&c, r, 0, 0, NULL);

	test_text_clip(r, font);

	text_finish(&c);
	CHECK(c.tex == NULL && c.str == NULL && c.w == 0);
	text_finish(&c);
}

/* The ink in rc as r has drawn it on white: how far below white its
 * pixels are, summed (antialiased strokes a pixel thin count too). */
static int dark_pixels(SDL_Renderer *r, const SDL_Rect *rc)
{
	Uint8 *buf = malloc((size_t)rc->w * rc->h * 4 + 4);
	int n = 0, i;

	if (buf && SDL_RenderReadPixels(r, rc, SDL_PIXELFORMAT_RGBA32, buf,
					rc->w * 4) == 0)
		for (i = 0; i < rc->w * rc->h; i++)
			n += 255 - buf[4 * i];
	free(buf);
	return n;
}

/* Dark pixels of surface s drawn on white by r at (0, 0); s is freed. */
static int ink_of(SDL_Renderer *r, SDL_Surface *s)
{
	SDL_Texture *t = s ? SDL_CreateTextureFromSurface(r, s) : NULL;
	SDL_Rect rc = { 0, 0, s ? s->w : 0, s ? s->h : 0 };
	int n;

	SDL_FreeSurface(s);
	if (!t)
		return -1;
	SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
	SDL_RenderClear(r);
	SDL_RenderCopy(r, t, NULL, &rc);
	n = dark_pixels(r, &rc);
	SDL_DestroyTexture(t);
	return n;
}

/* Ink of str as text_update draws it, checking it keeps the line's
 * height and text_width's width. */
static int ink_drawn(SDL_Renderer *r, TTF_Font *font, const char *str)
{
	SDL_Color black = { 0, 0, 0, 255 };
	struct text_cache c = { 0 };
	SDL_Rect rc;
	int n;

	CHECK(text_update(&c, r, font, str, black, 0, TEXT_LEFT) == 0);
	CHECK_MSG(c.h == TTF_FontHeight(font) && c.w == text_width(font, str),
		  "%s: %dx%d, line %d, width %d", str, c.w, c.h,
		  TTF_FontHeight(font), text_width(font, str));
	rc = (SDL_Rect){ 0, 0, c.w, c.h };
	SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
	SDL_RenderClear(r);
	text_draw(&c, r, 0, 0, NULL);
	n = dark_pixels(r, &rc);
	text_finish(&c);
	return n;
}

/* The fallback font file at the size whose lines are as tall as font's. */
static TTF_Font *open_like(const char *path, TTF_Font *font)
{
	TTF_Font *f = NULL;
	int size;

	for (size = 4; size < 200; size++) {
		f = TTF_OpenFont(path, size);
		if (!f || TTF_FontHeight(f) >= TTF_FontHeight(font))
			break;
		TTF_CloseFont(f);
		f = NULL;
	}
	return f;
}

/* Wrapped text takes the fallback too: "<CJK> <CJK>" at the width of one
 * word is two lines, aligned in the middle, and not SDL_ttf's boxes. */
static void test_fallback_wrapped(SDL_Renderer *r, TTF_Font *font)
{
	static const char two[] = "\u4E2D\u6587 \u6587\u4E2D";
	SDL_Color black = { 0, 0, 0, 255 };
	int wrap = text_width(font, "\u4E2D\u6587") + 2, box, drawn;
	struct text_cache c = { 0 };
	SDL_Rect rc;

	CHECK(text_update(&c, r, font, two, black, wrap, TEXT_CENTER) == 0);
	CHECK_MSG(c.h >= TTF_FontLineSkip(font) + TTF_FontHeight(font) &&
		  c.w <= wrap, "wrapped: %dx%d at %d", c.w, c.h, wrap);
	rc = (SDL_Rect){ 0, 0, c.w, c.h };
	SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
	SDL_RenderClear(r);
	text_draw(&c, r, 0, 0, NULL);
	drawn = dark_pixels(r, &rc);
	box = ink_of(r, TTF_RenderUTF8_Blended_Wrapped(font, two, black,
						       (Uint32)wrap));
	CHECK_MSG(abs(drawn - box) * 3 > box, "wrapped: ink %d, boxes %d",
		  drawn, box);
	text_finish(&c);
}

/* Proves: a glyph the UI font lacks is drawn with the font fontconfig
 * finds for it. For U+1F44D (an emoji) and U+4E2D (CJK) font_fallback_find
 * names an installed font that has it; text_update's line is not the UI
 * font's box (its ink differs by more than a third) but about the
 * fallback font's own glyph (ink within a third), keeps the line height,
 * and is as wide as text_width says, mixed with Latin too. U+0378 (no
 * font has it) is the UI font's box, pixel for pixel. Skipped, with the
 * reason, where no font with those glyphs is installed. */
static void test_fallback(SDL_Renderer *r, TTF_Font *font)
{
	/* DejaVu Sans has the smileys (U+1F600...), not the hands. */
	static const char *const glyph[] = { "\U0001F44D", "\u4E2D" };
	static const uint32_t cp[] = { 0x1F44D, 0x4E2D };
	SDL_Color black = { 0, 0, 0, 255 };
	char path[PATH_MAX];
	int drawn, box, own, i;
	TTF_Font *fb;

	for (i = 0; i < 2; i++) {
		if (font_fallback_find(cp[i], path, sizeof(path)) < 0)
			SKIP("no installed font has U+%04X (Debian: "
			     "fonts-symbola for emoji, fonts-wqy-microhei "
			     "for CJK)", (unsigned)cp[i]);
		CHECK(!TTF_GlyphIsProvided32(font, cp[i]));
		fb = open_like(path, font);
		CHECK_MSG(fb != NULL, "cannot open %s", path);
		drawn = ink_drawn(r, font, glyph[i]);
		box = ink_of(r, TTF_RenderUTF8_Blended(font, glyph[i], black));
		own = fb ? ink_of(r, TTF_RenderUTF8_Blended(fb, glyph[i],
							    black)) : -1;
		CHECK_MSG(abs(drawn - box) * 3 > box &&
			  abs(drawn - own) * 3 <= own,
			  "U+%04X: ink %d; the box has %d, %s %d",
			  (unsigned)cp[i], drawn, box, path, own);
		if (fb)
			TTF_CloseFont(fb);
	}
	CHECK(ink_drawn(r, font, "ok \U0001F44D \u4E2D\u6587 done") > 0);
	test_fallback_wrapped(r, font);
	CHECK(font_fallback_find(0x378, path, sizeof(path)) < 0);
	CHECK(ink_drawn(r, font, "\u0378") ==
	      ink_of(r, TTF_RenderUTF8_Blended(font, "\u0378", black)));
}

static void save_shot(struct chooser *ch, TTF_Font *font, float scale,
		      const char *dir, const char *file, const char *setup)
{
	int w = (int)(WIN_W * scale), h = (int)(WIN_H * scale);
	SDL_Surface *s;
	SDL_Renderer *r;
	SDL_Rect all;
	char p[PATH_MAX];
	int i, x, y;

	/* "min": the window's minimum size. */
	if (!strcmp(setup, "min")) {
		ui_min_size(font, scale, &w, &h);
		w = theme_px(scale, w);
		h = theme_px(scale, h);
	}
	all = (SDL_Rect){ 0, 0, w, h };
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGBA32);
	r = s ? SDL_CreateSoftwareRenderer(s) : NULL;

	if (!r) {
		SDL_FreeSurface(s);
		return;
	}
	chooser_set_font(ch, font, scale);
	chooser_open(ch, tree);
	chooser_draw(ch, r, &all);
	for (i = 0; i < 8; i++)
		key(ch, SDLK_DOWN);
	if (!strcmp(setup, "error")) {
		key_mod(ch, SDLK_a, KMOD_LCTRL);
		type(ch, "~/missing/photo.png");
		key(ch, SDLK_RETURN);
	} else {
		SDL_Event ev;

		/* Hover over Open. */
		chooser_draw(ch, r, &all);
		part_center(ch, CHOOSER_PART_OPEN, 0, &x, &y);
		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_MOUSEMOTION;
		ev.motion.x = x;
		ev.motion.y = y;
		feed(ch, &ev);
	}
	chooser_draw(ch, r, &all);
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if (IMG_SavePNG(s, p) < 0)
		fprintf(stderr, "cannot save %s: %s\n", p, IMG_GetError());
	else
		printf("wrote %s\n", p);
	key(ch, SDLK_ESCAPE);
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(s);
}

/* Every test that drives a chooser, on renderer r (the window's size) and
 * big_r (twice that); shots: where to save the screenshots, or NULL. */
static void test_chooser(SDL_Renderer *r, SDL_Renderer *big_r,
			 TTF_Font *font1, TTF_Font *font2, const char *shots)
{
	struct chooser *ch = chooser_create(font1, 1.0f);

	CHECK(ch != NULL);
	if (!ch)
		return;
	test_typed_paths(ch);
	test_list_keys(ch);
	test_errors(ch);
	test_complete(ch, r);
	test_select_all(ch);
	test_stray_f(ch);
	test_unreadable(ch);
	test_mouse(ch, r);
	test_scrolling(ch, r);
	test_long_list(ch, r);
	test_draw(ch, r, font1, font2);
	test_types_whole(ch, r, font1, 1.0f);
	test_types_whole(ch, big_r, font2, 2.0f);
	test_control_names(ch, r, font1);
	test_reopen(font1);
	test_min_size(ch, 1.0f);
	test_min_size(ch, 2.0f);
	chooser_set_font(ch, font1, 1.0f);
	if (shots) {
		save_shot(ch, font1, 1.0f, shots, "chooser.png", "");
		save_shot(ch, font2, 2.0f, shots, "chooser-2x.png", "");
		save_shot(ch, font1, 1.0f, shots, "chooser-error.png",
			  "error");
		save_shot(ch, font1, 1.0f, shots, "chooser-min.png", "min");
	}
	chooser_destroy(ch);
	chooser_destroy(NULL);
}

int main(int argc, char **argv)
{
	const char *shots = argc == 3 && !strcmp(argv[1], "--shots") ?
			    argv[2] : NULL;
	bool fallback = argc == 2 && !strcmp(argv[1], "--fallback");
	TTF_Font *font1 = NULL, *font2 = NULL;
	SDL_Renderer *r, *big_r;
	SDL_Surface *big;
	SDL_Window *win;

	SDL_setenv("SDL_VIDEODRIVER", "dummy", 0);
	if (!find_font())
		SKIP("no TrueType font found (fc-match sans-serif, DejaVu)");
	if (SDL_Init(SDL_INIT_VIDEO) < 0 || TTF_Init() < 0) {
		fprintf(stderr, "SDL: %s\n", SDL_GetError());
		return 1;
	}
	IMG_Init(IMG_INIT_PNG);
	font1 = TTF_OpenFont(font_path, 13);
	font2 = TTF_OpenFont(font_path, 26);
	if (!font1 || !font2) {
		fprintf(stderr, "font %s: %s\n", font_path, TTF_GetError());
		return 1;
	}
	win = SDL_CreateWindow("test_chooser", 0, 0, WIN_W, WIN_H, 0);
	r = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE) : NULL;
	big = SDL_CreateRGBSurfaceWithFormat(0, WIN_W * 2, WIN_H * 2, 32,
					     SDL_PIXELFORMAT_RGBA32);
	big_r = big ? SDL_CreateSoftwareRenderer(big) : NULL;
	if (!r || !big_r) {
		fprintf(stderr, "renderer: %s\n", SDL_GetError());
		return 1;
	}
	if (fallback) {
		test_fallback(r, font1);
	} else {
		make_tree();
		test_image_names();
		test_order();
		test_listing();
		test_paths();
		test_text(r, font1);
		test_elide(r, font1);
		test_chooser(r, big_r, font1, font2, shots);
		remove_tree();
	}

	TTF_CloseFont(font1);
	TTF_CloseFont(font2);
	SDL_DestroyRenderer(big_r);
	SDL_FreeSurface(big);
	SDL_DestroyRenderer(r);
	SDL_DestroyWindow(win);
	IMG_Quit();
	text_fallback_finish();
	TTF_Quit();
	SDL_Quit();
	return check_done();
}
