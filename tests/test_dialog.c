/* test_dialog.c - the window's state machine with real files and segments.
 *
 * Proves, with no window (the dialog draws nothing):
 * - the first view is the Qt hint text, and nothing is shared;
 * - loading a good file shows it, binds the key and says "shared by this
 *   window" with the image's size and the key; a separate reader
 *   (img_attach) gets the same pixels;
 * - a bad file after a good one shows the Qt "not an image" text plus a
 *   reason, while the old image stays shared (a reader still gets the old
 *   pixels) and the status says so; `M` in the owning dialog shows the
 *   image again;
 * - a bad first file does not keep the key bound;
 * - a second dialog with the same key displays the same pixels; one in
 *   another process says "shared by pid <owner>";
 * - `M` with nothing shared shows the Qt attach text plus a reason;
 * - a second owner of a key held by another process gets the Qt create
 *   text naming the holder's pid;
 * - opening and cancelling the chooser restores the view, every change
 *   moves the generation, detach releases the key, and --max-bytes
 *   refuses a larger image with a reason;
 * - a lost copy (the window's textures went with the device) is dropped
 *   and said, also behind an open chooser, and `M` brings the image back;
 * - 300 rounds of load, bad load and display leave the fd count and the
 *   mappings as they were, and every copy the sink made is dropped once.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/dialog.h"
#include "check.h"
#include "image.h"
#include "testutil.h"

#define IMG_W 64
#define IMG_H 48

/* The four quadrant colours of the test image. */
static const Uint8 quad[4][4] = {
	{ 220, 40, 40, 255 }, { 40, 180, 60, 255 },
	{ 40, 80, 220, 255 }, { 240, 200, 40, 255 },
};

static SDL_Surface *make_quadrants(int w, int h)
{
	SDL_Surface *s;
	int x, y;

	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
					   SDL_PIXELFORMAT_RGBA32);
	if (!s)
		return NULL;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			int q = (y >= h / 2) * 2 + (x >= w / 2);

			memcpy((Uint8 *)s->pixels + y * s->pitch + x * 4,
			       quad[q], 4);
		}
	}
	return s;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The text after the Qt text's own lines: the reason. */
static const char *reason_after(const char *msg, const char *qt)
{
	if (!starts_with(msg, qt) || msg[strlen(qt)] != '\n')
		return "";
	return msg + strlen(qt) + 1;
}

static bool same_pixels(SDL_Surface *a, SDL_Surface *b)
{
	char why[256] = "";

	if (!a || !b)
		return false;
	if (!tu_same_pixels(a, b, why, sizeof(why))) {
		fprintf(stderr, "pixels differ: %s\n", why);
		return false;
	}
	return true;
}

static char good[512], bad[512], other[512];

/* The dialog's sink here keeps an RGBA32 surface (the window keeps a
 * texture) and counts the copies alive, so a leaked or twice-dropped copy
 * shows. */
static int live_copies;

static void *take_surface(void *ctx, struct seg *seg, struct err *err)
{
	SDL_Surface *s = img_from_segment(seg, err);

	(void)ctx;
	if (s)
		live_copies++;
	return s;
}

static void drop_surface(void *ctx, void *copy)
{
	(void)ctx;
	live_copies--;
	SDL_FreeSurface(copy);
}

static struct dialog *new_dialog(const char *key,
				 const struct img_limits *lim)
{
	static const struct dialog_sink sink = {
		.take = take_surface,
		.drop = drop_surface,
	};

	return dialog_create(key, lim, &sink);
}

/* The surface the dialog shows, or NULL when it shows a text. */
static SDL_Surface *shown(const struct dialog *d)
{
	return dialog_image(d);
}

/* Holds key in a child process until told to stop (the write end of
 * stop closes). Returns the child's pid once it shares, or -1. */
static pid_t hold_key(const char *key, int stop[2])
{
	int ready[2];
	pid_t pid;
	char c = 0;

	if (pipe(ready) < 0 || pipe(stop) < 0)
		return -1;
	pid = tu_fork();
	if (pid == 0) {
		struct dialog *d = new_dialog(key, NULL);

		close(ready[0]);
		close(stop[1]);
		c = d && dialog_load_from_file(d, good) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Serve until the parent is done. */
		while (read(stop[0], &c, 1) > 0)
			;
		dialog_destroy(d);
		_exit(0);
	}
	close(ready[1]);
	close(stop[0]);
	if (pid < 0 || read(ready[0], &c, 1) != 1 || c != 'y') {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return pid;
}

static void release_key(pid_t pid, int stop[2])
{
	int status = 0;

	close(stop[1]);
	CHECK(tu_waitpid(pid, &status, 5000) == 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_owner_and_bad_file(SDL_Surface *want)
{
	char key[80];
	struct dialog *d, *r;
	struct err err = { "" };
	SDL_Surface *got;
	uint64_t gen;
	char size_key[160];

	tu_key(key, sizeof(key), "dialog");
	snprintf(size_key, sizeof(size_key), "%d x %d \u00b7 key %s", IMG_W,
		 IMG_H, key);
	d = new_dialog(key, NULL);
	CHECK(d);
	if (!d)
		return;

	/* First view: the Qt hint, nothing shared. */
	CHECK(!dialog_image(d));
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_HINT) == 0);
	CHECK(!dialog_is_sharing(d));
	CHECK(strstr(dialog_status(d), key));

	/* A good file: shown, shared, said so. */
	gen = dialog_generation(d);
	CHECK(dialog_load_from_file(d, good) == 0);
	CHECK(dialog_generation(d) > gen);
	CHECK(dialog_is_sharing(d));
	CHECK(same_pixels(shown(d), want));
	CHECK(strcmp(dialog_message(d), "") == 0);
	CHECK_MSG(starts_with(dialog_status(d), size_key) &&
		  strstr(dialog_status(d), "shared by this window"),
		  "status: %s", dialog_status(d));
	CHECK(dialog_image_owner(d) == getpid());
	got = img_attach(key, &err);
	CHECK_MSG(same_pixels(got, want), "reader: %s", err.msg);
	SDL_FreeSurface(got);

	/* A bad file: the Qt text and a reason, the old image still shared
	 * and the status saying so. */
	gen = dialog_generation(d);
	CHECK(dialog_load_from_file(d, bad) == -1);
	CHECK(dialog_generation(d) > gen);
	CHECK(!dialog_image(d));
	CHECK_MSG(*reason_after(dialog_message(d), DIALOG_TEXT_NOT_IMAGE),
		  "message: %s", dialog_message(d));
	CHECK(dialog_is_sharing(d));
	CHECK_MSG(strstr(dialog_status(d), "Still sharing 64 x 48"),
		  "status: %s", dialog_status(d));
	got = img_attach(key, &err);
	CHECK_MSG(same_pixels(got, want), "reader after bad file: %s",
		  err.msg);
	SDL_FreeSurface(got);

	/* A missing file: the same, with the reason naming the file. */
	CHECK(dialog_load_from_file(d, "/nonexistent/x.png") == -1);
	CHECK_MSG(strstr(reason_after(dialog_message(d),
				      DIALOG_TEXT_NOT_IMAGE), "x.png"),
		  "message: %s", dialog_message(d));
	CHECK(dialog_is_sharing(d));

	/* M in the owner shows its own image again. */
	CHECK(dialog_load_from_memory(d) == 0);
	CHECK(same_pixels(shown(d), want));
	CHECK(strstr(dialog_status(d), "shared by this window"));

	/* Another dialog of this process with the same key: same pixels. */
	r = new_dialog(key, NULL);
	CHECK(r && dialog_load_from_memory(r) == 0);
	CHECK(r && same_pixels(shown(r), want));
	dialog_destroy(r);

	/* Chooser opened, then cancelled: the view comes back. */
	gen = dialog_generation(d);
	dialog_choose_begin(d);
	CHECK(!dialog_image(d));
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_SELECT) == 0);
	dialog_choose_end(d);
	CHECK(dialog_generation(d) >= gen + 2);
	CHECK(same_pixels(shown(d), want));
	CHECK(strstr(dialog_status(d), "shared by this window"));

	/* A later good file replaces the shared image for new readers. */
	CHECK(dialog_load_from_file(d, other) == 0);
	CHECK(shown(d) && shown(d)->w == 30);
	{
		int w, h;

		dialog_image_size(d, &w, &h);
		CHECK_MSG(w == 30 && h == 20, "size %d x %d", w, h);
	}
	got = img_attach(key, &err);
	CHECK(got && got->w == 30 && got->h == 20);
	SDL_FreeSurface(got);

	/* Detach: the key is free at once, the view stays. */
	CHECK(dialog_detach(d) == 0);
	CHECK(!dialog_is_sharing(d));
	CHECK(dialog_image(d) != NULL);
	CHECK_MSG(strstr(dialog_status(d), "no longer shared"), "status: %s",
		  dialog_status(d));
	got = img_attach(key, &err);
	CHECK(!got);
	SDL_FreeSurface(got);
	dialog_destroy(d);
}

static void test_bad_first_file(void)
{
	char key[80];
	struct dialog *d, *e;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && dialog_load_from_file(d, bad) == -1);
	CHECK(d && !dialog_is_sharing(d));
	CHECK(d && starts_with(dialog_message(d), DIALOG_TEXT_NOT_IMAGE));
	/* The key was not kept: another dialog can take it. */
	e = new_dialog(key, NULL);
	CHECK(e && dialog_load_from_file(e, good) == 0);
	dialog_destroy(e);
	dialog_destroy(d);
}

static void test_nothing_shared(void)
{
	char key[80];
	struct dialog *d;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && dialog_load_from_memory(d) == -1);
	CHECK(d && !dialog_image(d));
	CHECK_MSG(d && *reason_after(dialog_message(d), DIALOG_TEXT_ATTACH),
		  "message: %s", d ? dialog_message(d) : "");
	dialog_destroy(d);
}

static void test_other_process(SDL_Surface *want)
{
	char key[80], pid_text[32];
	int stop[2];
	struct dialog *d;
	pid_t holder;

	tu_key(key, sizeof(key), "dialog");
	holder = hold_key(key, stop);
	CHECK(holder > 0);
	if (holder <= 0)
		return;
	snprintf(pid_text, sizeof(pid_text), "%ld", (long)holder);

	/* A reader in this process: same pixels, the owner named. */
	d = new_dialog(key, NULL);
	CHECK(d && dialog_load_from_memory(d) == 0);
	CHECK(d && same_pixels(shown(d), want));
	CHECK(d && dialog_image_owner(d) == holder);
	CHECK_MSG(d && strstr(dialog_status(d), "shared by pid") &&
		  strstr(dialog_status(d), pid_text), "status: %s",
		  d ? dialog_status(d) : "");

	/* A second owner: the Qt create text, naming the holder. */
	CHECK(d && dialog_load_from_file(d, good) == -1);
	CHECK(d && !dialog_is_sharing(d));
	CHECK_MSG(d && strstr(reason_after(dialog_message(d),
					   DIALOG_TEXT_CREATE), pid_text),
		  "message: %s", d ? dialog_message(d) : "");
	dialog_destroy(d);
	release_key(holder, stop);
}

static void test_limit(void)
{
	struct img_limits lim = { IMG_W * IMG_H * 4 - 1 };
	char key[80];
	struct dialog *d;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, &lim);
	CHECK(d && dialog_load_from_file(d, good) == -1);
	CHECK_MSG(d && *reason_after(dialog_message(d), DIALOG_TEXT_NOT_IMAGE),
		  "message: %s", d ? dialog_message(d) : "");
	CHECK(d && !dialog_is_sharing(d));
	dialog_destroy(d);

	lim.max_bytes = IMG_W * IMG_H * 4;
	d = new_dialog(key, &lim);
	CHECK(d && dialog_load_from_file(d, good) == 0);
	dialog_destroy(d);
}

/* The window's copy went with the graphics device: dropped, said, and
 * back with `M`; the segment was never touched. */
static void test_image_lost(SDL_Surface *want)
{
	struct err err = { "" };
	SDL_Surface *got;
	struct dialog *d;
	char key[80];
	uint64_t gen;
	int w, h;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && dialog_load_from_file(d, good) == 0);
	if (!d)
		return;
	gen = dialog_generation(d);
	dialog_image_lost(d);
	CHECK(dialog_generation(d) > gen);
	CHECK(!dialog_image(d));
	dialog_image_size(d, &w, &h);
	CHECK(w == 0 && h == 0);
	CHECK_MSG(strcmp(dialog_message(d), DIALOG_TEXT_LOST) == 0,
		  "message: %s", dialog_message(d));
	CHECK_MSG(live_copies == 0, "%d copies alive", live_copies);
	CHECK(dialog_is_sharing(d));
	got = img_attach(key, &err);
	CHECK_MSG(same_pixels(got, want), "reader after the loss: %s",
		  err.msg);
	SDL_FreeSurface(got);
	CHECK(dialog_load_from_memory(d) == 0);
	CHECK(same_pixels(shown(d), want));

	/* Lost behind an open chooser: cancelling it says so, rather than
	 * bringing back a copy that is gone. */
	dialog_choose_begin(d);
	dialog_image_lost(d);
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_SELECT) == 0);
	dialog_choose_end(d);
	CHECK(!dialog_image(d));
	CHECK_MSG(strcmp(dialog_message(d), DIALOG_TEXT_LOST) == 0,
		  "message after cancel: %s", dialog_message(d));

	/* A text over a kept copy stays: only the image's view changes. */
	CHECK(dialog_load_from_memory(d) == 0);
	CHECK(dialog_load_from_file(d, bad) == -1);
	dialog_image_lost(d);
	CHECK_MSG(starts_with(dialog_message(d), DIALOG_TEXT_NOT_IMAGE),
		  "message: %s", dialog_message(d));
	CHECK(live_copies == 0);
	dialog_destroy(d);
}

/* Many loads, bad loads and displays in one dialog: nothing piles up. */
static void test_no_leaks(void)
{
	char key[80];
	struct dialog *d;
	int fds, maps, now, i;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && dialog_load_from_file(d, good) == 0);
	if (!d)
		return;
	fds = tu_fd_count();
	maps = tu_map_count();
	for (i = 0; i < 300; i++) {
		dialog_load_from_file(d, i % 3 ? good : bad);
		dialog_load_from_memory(d);
	}
	/* The owner's server thread closes each reader's connection on its
	 * own schedule: give it a moment before counting. */
	now = tu_fds_down_to(0, fds, 1000);
	CHECK_MSG(now == fds, "fds %d -> %d", fds, now);
	CHECK_MSG(tu_map_count() <= maps + 2, "mappings %d -> %d", maps,
		  tu_map_count());
	CHECK(dialog_image(d) != NULL);
	CHECK_MSG(live_copies == 1, "%d copies alive, 1 shown", live_copies);
	dialog_destroy(d);
	CHECK_MSG(live_copies == 0, "%d copies alive after destroy",
		  live_copies);
}

int main(void)
{
	char dir[256];
	SDL_Surface *want, *small;

	/* Pipes to dead readers must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (tu_tmpdir("dialog", dir, sizeof(dir)) < 0)
		SKIP("no scratch directory in /tmp");
	snprintf(good, sizeof(good), "%s/quadrants.png", dir);
	snprintf(bad, sizeof(bad), "%s/not-an-image.png", dir);
	snprintf(other, sizeof(other), "%s/small.png", dir);
	want = make_quadrants(IMG_W, IMG_H);
	small = make_quadrants(30, 20);
	CHECK(want && IMG_SavePNG(want, good) == 0);
	CHECK(small && IMG_SavePNG(small, other) == 0);
	CHECK(tu_write_file(bad, "hello, not a PNG\n", 17) == 0);

	test_owner_and_bad_file(want);
	test_bad_first_file();
	test_nothing_shared();
	test_other_process(want);
	test_limit();
	test_image_lost(want);
	test_no_leaks();
	CHECK_MSG(live_copies == 0, "%d copies never dropped", live_copies);

	SDL_FreeSurface(small);
	SDL_FreeSurface(want);
	return check_done();
}
