/* test_chooser_app - the file chooser inside the real window.
 *
 *   test_chooser_app SHM_DECODE
 *
 * Runs the window's own loop (app_create, app_pump) under the dummy video
 * driver, with real SDL events pushed into its queue and real decodes by
 * the helper.
 *
 * Proves:
 *  - the chooser opens in the folder of the file loaded last, however it
 *    was chosen: --load with a relative path, a path typed into the
 *    chooser that names another folder, a file dropped on the window; a
 *    folder only browsed (entered, then Esc) is not remembered;
 *  - a file whose name holds a newline, picked from the list, loads: the
 *    window then shows its image;
 *  - the window's command line goes through the options parser shmimage
 *    uses: the same ranges and the same words (--max-bytes over the
 *    largest image, --decode-timeout 0, a bad key).
 */
#include <SDL.h>
#include <SDL_image.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_inspect.h"
#include "app/chooser_inspect.h"
#include "check.h"
#include "testutil.h"

static char tree[256];

static void make_png(const char *rel, int w)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, 10, 32,
						       SDL_PIXELFORMAT_RGBA32);
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	CHECK_MSG(s && SDL_FillRect(s, NULL, 0xff336699) == 0 &&
		  IMG_SavePNG(s, p) == 0, "cannot write %s", p);
	SDL_FreeSurface(s);
}

static void make_dir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	CHECK_MSG(mkdir(p, 0755) == 0, "mkdir %s", p);
}

/* Pumps until the window shows an image w pixels wide (each test image
 * has its own width), for at most 10 s. */
static bool shown(struct app *a, uint32_t w)
{
	const struct seg *seg;
	int i;

	for (i = 0; i < 200; i++) {
		app_pump(a, 50);
		seg = dialog_segment(app_dialog(a));
		if (seg && seg->info.width == w)
			return true;
	}
	fprintf(stderr, "no image %u wide: %s\n", (unsigned)w,
		dialog_message(app_dialog(a)));
	return false;
}

static void push_key(struct app *a, SDL_Keycode sym, SDL_Scancode sc)
{
	tu_push_key(SDL_GetWindowID(app_window(a)), sym, sc);
	app_pump(a, 0);
	app_pump(a, 0);
}

static void push_text(struct app *a, const char *s)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_TEXTINPUT;
	ev.text.windowID = SDL_GetWindowID(app_window(a));
	snprintf(ev.text.text, sizeof(ev.text.text), "%s", s);
	SDL_PushEvent(&ev);
	app_pump(a, 0);
}

/* F, as a user presses it: once the window takes it. Returns whether the
 * chooser opened in tree/rel. */
static bool opens_in(struct app *a, const char *rel)
{
	char want[PATH_MAX];
	const char *dir;
	int i;

	for (i = 0; i < 100 && !app_chooser_is_open(a); i++) {
		push_key(a, SDLK_f, SDL_SCANCODE_F);
		if (!app_chooser_is_open(a))
			app_pump(a, 50);
	}
	if (!app_chooser_is_open(a)) {
		fprintf(stderr, "F did not open the chooser\n");
		return false;
	}
	snprintf(want, sizeof(want), "%s/%s", tree, rel);
	dir = chooser_dir(app_chooser(a));
	if (strcmp(dir, want)) {
		fprintf(stderr, "opened in %s, not %s\n", dir, want);
		return false;
	}
	return true;
}

static void drop(struct app *a, const char *rel)
{
	char p[PATH_MAX];
	SDL_Event ev;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_DROPFILE;
	ev.drop.windowID = SDL_GetWindowID(app_window(a));
	ev.drop.file = SDL_strdup(p);
	SDL_PushEvent(&ev);
}

static void run(struct app *a)
{
	CHECK(shown(a, 10));
	CHECK(opens_in(a, "d1"));
	/* A path typed to another folder. */
	push_text(a, "../d2/b.png");
	push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
	CHECK(shown(a, 11));
	CHECK(opens_in(a, "d2"));
	/* A folder entered and left with Esc is not where the user was. */
	push_text(a, "../d4");
	push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
	CHECK(!strcmp(chooser_dir(app_chooser(a)) + strlen(tree), "/d4"));
	push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
	CHECK(opens_in(a, "d2"));
	push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
	drop(a, "d3/c.png");
	CHECK(shown(a, 12));
	CHECK(opens_in(a, "d3"));
	/* The one file of nl, picked from the list. */
	push_text(a, "../nl");
	push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
	push_key(a, SDLK_DOWN, SDL_SCANCODE_DOWN);
	push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
	CHECK(!app_chooser_is_open(a));
	CHECK(shown(a, 13));
	CHECK(opens_in(a, "nl"));
	push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
}

/* Each bad value is refused by app_parse_args with the shared wording. */
static void test_shared_options(void)
{
	static const char *const bad[][3] = {
		{ "--max-bytes", "2G", "the largest image the format allows" },
		{ "--decode-timeout", "0", "whole seconds from 1 to 86400" },
		{ "--key", "a b", "use 1 to 64 characters of A-Z a-z" },
		{ "--decoder", "", "must not be empty" },
	};
	struct app_options o;
	struct err err;
	size_t i;

	for (i = 0; i < SDL_arraysize(bad); i++) {
		char *argv[] = { "sharedmemory", (char *)bad[i][0],
				 (char *)bad[i][1], NULL };

		app_options_init(&o);
		err.msg[0] = '\0';
		CHECK_MSG(app_parse_args(&o, 3, argv, &err) < 0 &&
			  strstr(err.msg, bad[i][2]), "%s %s: %s", bad[i][0],
			  bad[i][1], err.msg);
	}
	{
		char *argv[] = { "sharedmemory", "--max-bytes", "1G",
				 "--decode-timeout", "86400", NULL };

		app_options_init(&o);
		CHECK(app_parse_args(&o, 5, argv, &err) == 0 &&
		      o.limits.max_bytes == 1ull << 30 &&
		      o.limits.decode_timeout_ms == 86400000);
	}
}

int main(int argc, char **argv)
{
	struct app_options o;
	struct err err = { "" };
	char cwd[PATH_MAX];
	struct app *a;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SHM_DECODE\n", argv[0]);
		return 2;
	}
	SDL_setenv("SDL_VIDEODRIVER", "dummy", 0);
	test_shared_options();
	if (tu_tmpdir("chooser-app", tree, sizeof(tree)) < 0 ||
	    !getcwd(cwd, sizeof(cwd))) {
		perror("tmpdir");
		return 1;
	}
	make_dir("d1");
	make_dir("d2");
	make_dir("d3");
	make_dir("d4");
	make_dir("nl");
	make_png("d1/a.png", 10);
	make_png("d2/b.png", 11);
	make_png("d3/c.png", 12);
	make_png("nl/new\nline.png", 13);

	app_options_init(&o);
	o.decoder = argv[1];
	o.load = "d1/a.png";	/* relative to the current directory */
	tu_key(cwd, sizeof(cwd), "chooserapp");
	o.key = cwd;
	if (chdir(tree) < 0) {
		perror(tree);
		return 1;
	}
	a = app_create(&o, &err);
	CHECK_MSG(a != NULL, "app_create: %s", err.msg);
	if (a)
		run(a);
	app_destroy(a);
	tu_rmtree(tree);
	return check_done();
}
