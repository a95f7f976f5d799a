/* test_dialog.c - the window's state machine with real files and segments.
 *
 * The dialog is asynchronous: a load runs in the decoder helper
 * (shm-decode, whose path is the first argument), an attach and the key's
 * watch on threads. Its wake hook here writes to an eventfd; the test
 * waits on that eventfd (at most 10 s per step), calls dialog_poll() and
 * looks again, as the window does. No fixed sleep stands in for that.
 *
 * Proves, with no window (the dialog draws nothing):
 * - the first view is the Qt hint text, and nothing is shared;
 * - a load says "Loading <name>..." at once, then shows the file, binds
 *   the key and says "shared by this window" with the image's size and
 *   the key; a separate reader (share_attach) gets the same pixels;
 * - a bad file after a good one shows the Qt "not an image" text plus a
 *   reason (also to the report hook, as one line), while the old image
 *   stays shared (a reader still gets the old pixels) and the status
 *   says so; `M` in the owning dialog shows the image again;
 * - after a bad file, opening and cancelling the chooser (F, Esc) shows
 *   the image still shared, not the old error;
 * - each kind of failed load has its own heading, then the reason: not
 *   an image (also a folder), cannot be opened (a missing file), too
 *   large (over --max-bytes), took too long (a helper that never
 *   answers, 300 ms bound), broke the sandbox (a helper killed by
 *   SIGSYS), the decoder failed (one killed by SIGSEGV); "245 MiB" is
 *   "245<U+00A0>MiB" in the message, so no line breaks between them;
 * - a load cancelled half way keeps the shared image, shown and served;
 * - a bad first file does not keep the key bound;
 * - a second dialog with the same key displays the same pixels; one in
 *   another process says "shared by pid <owner>", and once that owner
 *   exits, "pid <owner> stopped sharing it" (never "shared by" again);
 * - `M` with nothing shared shows the Qt attach text plus a reason;
 * - a second owner of a key held by another process gets the Qt create
 *   text naming the holder's pid;
 * - 60 rounds of load, bad load and display leave the fd count, the
 *   mappings and the child processes as they were.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/dialog.h"
#include "app/dialog_inspect.h"
#include "check.h"
#include "image/decoder.h"
#include "image/texture.h"
#include "shm/share.h"
#include "testutil.h"

#define IMG_W 64
#define IMG_H 48
#define STEP_MS 10000		/* the longest one step may take */

/* The four quadrant colours of the test image. */
static const Uint8 quad[4][4] = {
	{ 220, 40, 40, 255 }, { 40, 180, 60, 255 },
	{ 40, 80, 220, 255 }, { 240, 200, 40, 255 },
};

static const char *decoder;
static char good[512], bad[512], other[512], noisy[512];
static int wake_fd = -1;
static int reports;
static char last_report[1024];

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

/* The text after the Qt text's own lines: the reason. */
static const char *reason_after(const char *msg, const char *qt)
{
	if (!tu_starts_with(msg, qt) || msg[strlen(qt)] != '\n')
		return "";
	return msg + strlen(qt) + 1;
}

/* ---- the dialog's hooks and the wait for its news ---- */

static void on_wake(void *ctx)
{
	uint64_t one = 1;

	(void)ctx;
	if (write(wake_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
}

static void on_report(void *ctx, const char *line)
{
	(void)ctx;
	reports++;
	snprintf(last_report, sizeof(last_report), "%s", line);
}

static struct dialog *new_dialog_with(const char *key,
				      const struct img_limits *lim,
				      const char *helper)
{
	struct dialog_config cfg = {
		.key = key,
		.limits = { SEG_DEFAULT_MAX_BYTES,
			    IMG_DEFAULT_DECODE_TIMEOUT_MS },
		.decoder = helper,
		.wake = on_wake,
		.report = on_report,
	};
	struct err err = { "" };
	struct dialog *d;

	if (lim)
		cfg.limits = *lim;
	d = dialog_create(&cfg, &err);
	CHECK_MSG(d != NULL, "dialog_create: %s", err.msg);
	return d;
}

static struct dialog *new_dialog(const char *key,
				 const struct img_limits *lim)
{
	return new_dialog_with(key, lim, decoder);
}

/* Waits for a wake (at most ms), then lets d take its news. */
static void pump(struct dialog *d, int ms)
{
	struct pollfd p = { wake_fd, POLLIN, 0 };
	uint64_t n;

	if (poll(&p, 1, ms) > 0 && read(wake_fd, &n, sizeof(n)) < 0)
		abort();	/* a readable eventfd always reads */
	dialog_poll(d);
}

/* Pumps until the load in progress ended. */
static bool wait_loaded(struct dialog *d)
{
	int64_t end = clock_ms() + STEP_MS;

	while (dialog_loading(d) && clock_ms() < end)
		pump(d, 100);
	return !dialog_loading(d);
}

/* Pumps until the generation moved past gen. */
static bool wait_change(struct dialog *d, uint64_t gen)
{
	int64_t end = clock_ms() + STEP_MS;

	while (dialog_generation(d) == gen && clock_ms() < end)
		pump(d, 100);
	return dialog_generation(d) != gen;
}

/* Pumps until the status has text in it. */
static bool wait_status(struct dialog *d, const char *text)
{
	int64_t end = clock_ms() + STEP_MS;

	while (!strstr(dialog_status(d), text) && clock_ms() < end)
		pump(d, 100);
	return strstr(dialog_status(d), text) != NULL;
}

/* Load Image From File..., to the end. Returns true when an image shows
 * afterwards. */
static bool load(struct dialog *d, const char *path)
{
	dialog_load_from_file(d, path, true);
	CHECK_MSG(wait_loaded(d), "the load of %s did not end", path);
	return dialog_segment(d) != NULL;
}

/* A dialog under a fresh key (written to key) that has loaded good.
 * NULL, with the failure counted, when either step fails. */
static struct dialog *new_loaded_dialog(char *key, size_t key_size)
{
	struct dialog *d;

	tu_key(key, key_size, "dialog");
	d = new_dialog(key, NULL);
	if (!d || !load(d, good)) {
		CHECK(!"first load");
		dialog_destroy(d);
		return NULL;
	}
	return d;
}

/* Display Image From Shared Memory, to the end. */
static bool display(struct dialog *d)
{
	uint64_t gen = dialog_generation(d);

	dialog_load_from_memory(d);
	CHECK_MSG(wait_change(d, gen), "M brought no answer");
	return dialog_segment(d) != NULL;
}

/* ---- pixels ---- */

static bool seg_is(const struct seg *seg, SDL_Surface *want)
{
	struct err err = { "" };
	char why[256] = "";
	SDL_Surface *got;
	bool same;

	if (!seg)
		return false;
	got = img_from_segment(seg, &err);
	if (!got) {
		fprintf(stderr, "img_from_segment: %s\n", err.msg);
		return false;
	}
	same = tu_same_pixels(got, want, why, sizeof(why));
	if (!same)
		fprintf(stderr, "pixels differ: %s\n", why);
	SDL_FreeSurface(got);
	return same;
}

/* What a separate reader of key gets. */
static bool reader_gets(const char *key, SDL_Surface *want)
{
	struct err err = { "" };
	struct seg seg;
	bool same;

	if (share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL, &err) < 0) {
		fprintf(stderr, "reader: %s\n", err.msg);
		return false;
	}
	same = seg_is(&seg, want);
	seg_finish(&seg);
	return same;
}

/* ---- another process holding a key ---- */

/* Holds key in a child process until told to stop (the write end of
 * stop closes). Returns the child's pid once it shares, or -1. */
static pid_t hold_key(const char *key, int stop[2])
{
	int ready[2];
	pid_t pid;
	char c = 0;

	/* Close-on-exec: the decoder helpers this process starts must not
	 * hold the stop pipe open. */
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(stop, O_CLOEXEC) < 0)
		return -1;
	pid = tu_fork();
	if (pid == 0) {
		struct dialog *d;

		close(ready[0]);
		close(stop[1]);
		d = new_dialog(key, NULL);
		c = d && load(d, good) && dialog_is_sharing(d) ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* Serve until the parent is done: the name's own thread
		 * answers readers meanwhile. */
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

/* Child processes of this one that are still around (the decoder
 * helpers: a spare one per dialog, none left over). */
static int children(void)
{
	char path[64], buf[512];
	int n = 0;
	DIR *dir;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)getpid());
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "/proc/%d/task/%s/children",
			 (int)getpid(), e->d_name);
		f = fopen(buf, "r");
		if (!f)
			continue;
		while (fscanf(f, "%*d") != EOF && !ferror(f)) {
			int c = fgetc(f);

			if (c == EOF)
				break;
			n++;
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* ---- the cases ---- */

/* A bad file after a good one, then F and Esc, then a missing file: the
 * image shared before stays shared and comes back. */
static void after_bad_file(struct dialog *d, const char *key,
			   SDL_Surface *want)
{
	/* A bad file: the Qt text and a reason, the old image still shared
	 * and the status saying so; the report hook hears it once. */
	reports = 0;
	CHECK(!load(d, bad));
	CHECK_MSG(*reason_after(dialog_message(d), DIALOG_TEXT_NOT_IMAGE),
		  "message: %s", dialog_message(d));
	/* The reason is the decoder's, not a crash or the sandbox. */
	CHECK_MSG(!strstr(dialog_message(d), "sandbox") &&
		  !strstr(dialog_message(d), "crashed"), "message: %s",
		  dialog_message(d));
	CHECK_MSG(reports == 1 && strstr(last_report, "not-an-image.png") &&
		  !strchr(last_report, '\n'), "%d reports, last: %s",
		  reports, last_report);
	CHECK(dialog_is_sharing(d));
	CHECK_MSG(strstr(dialog_status(d), "Still sharing") &&
		  strstr(dialog_status(d), "64 x 48"),
		  "status: %s", dialog_status(d));
	CHECK(dialog_state(d) == DIALOG_ERROR);
	CHECK(reader_gets(key, want));

	/* F, then Esc: the image still shared comes back, not the error
	 * about the other file. */
	dialog_choose_begin(d);
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_SELECT) == 0);
	dialog_choose_end(d);
	CHECK_MSG(seg_is(dialog_segment(d), want), "after F, Esc: %s",
		  dialog_message(d));
	CHECK_MSG(strstr(dialog_status(d), "shared by this window"),
		  "status after F, Esc: %s", dialog_status(d));

	/* A missing file: its own heading, a reason naming the file and
	 * saying what happened, not "not an image". */
	CHECK(!load(d, "/nonexistent/x.png"));
	{
		const char *why = reason_after(dialog_message(d),
					       DIALOG_TEXT_OPEN);

		CHECK_MSG(strstr(why, "x.png") &&
			  strcasestr(why, "no such file") &&
			  !strcasestr(why, "not an image"),
			  "message: %s", dialog_message(d));
	}
	CHECK(dialog_is_sharing(d));

}

/* A second dialog reads the same pixels; a cancelled choice brings the
 * view back; a later file replaces the image for new readers. */
static void second_reader_and_reload(struct dialog *d, const char *key,
				     SDL_Surface *want)
{
	struct dialog *r;
	uint64_t gen;

	/* Another dialog of this process with the same key: same pixels. */
	r = new_dialog(key, NULL);
	CHECK(r && display(r));
	CHECK(r && seg_is(dialog_segment(r), want));
	dialog_destroy(r);

	/* Chooser opened, then cancelled: the view comes back. */
	gen = dialog_generation(d);
	dialog_choose_begin(d);
	CHECK(!dialog_segment(d));
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_SELECT) == 0);
	dialog_choose_end(d);
	CHECK(dialog_generation(d) >= gen + 2);
	CHECK(seg_is(dialog_segment(d), want));

	/* A later good file replaces the shared image for new readers. */
	CHECK(load(d, other));
	CHECK(dialog_segment(d) && dialog_segment(d)->info.width == 30 &&
	      dialog_segment(d)->info.height == 20);
	{
		struct seg seg;
		struct err err;

		CHECK(share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL,
				   &err) == 0);
		CHECK(seg.info.width == 30 && seg.info.height == 20);
		seg_finish(&seg);
	}

}

static void test_owner_and_bad_file(SDL_Surface *want)
{
	char key[80], size_key[160];
	struct dialog *d;
	uint64_t gen;

	tu_key(key, sizeof(key), "dialog");
	snprintf(size_key, sizeof(size_key), "%d x %d \u00b7 key %s", IMG_W,
		 IMG_H, key);
	d = new_dialog(key, NULL);
	if (!d)
		return;

	/* First view: the Qt hint, nothing shared. */
	CHECK(!dialog_segment(d));
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_HINT) == 0);
	CHECK(!dialog_is_sharing(d));
	CHECK(strstr(dialog_status(d), key));

	/* A good file: "Loading" at once, then shown, shared, said so. */
	gen = dialog_generation(d);
	dialog_load_from_file(d, good, true);
	CHECK(dialog_loading(d));
	CHECK(dialog_generation(d) > gen);
	CHECK_MSG(tu_starts_with(dialog_message(d), DIALOG_TEXT_LOADING
			      " quadrants.png"), "message while loading: %s",
		  dialog_message(d));
	CHECK(wait_loaded(d));
	CHECK(dialog_is_sharing(d));
	CHECK(seg_is(dialog_segment(d), want));
	CHECK(strcmp(dialog_message(d), "") == 0);
	CHECK_MSG(tu_starts_with(dialog_status(d), size_key) &&
		  strstr(dialog_status(d), "shared by this window"),
		  "status: %s", dialog_status(d));
	CHECK(dialog_image_owner(d) == getpid());
	CHECK(reader_gets(key, want));

	after_bad_file(d, key, want);

	/* M in the owner shows its own image again. */
	CHECK(display(d));
	CHECK(seg_is(dialog_segment(d), want));
	CHECK(strstr(dialog_status(d), "shared by this window"));

	second_reader_and_reload(d, key, want);

	/* Destroy: the key is free at once. */
	dialog_destroy(d);
	{
		struct seg seg;
		struct err err;

		CHECK(share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL,
				   &err) < 0);
	}
}

/* A load cancelled half way: the image shared before stays shown and
 * shared. The file is 1024 x 1024 pixels of noise, so its decode takes
 * far longer than the few microseconds between the load and the
 * cancel. */
static void test_cancel(SDL_Surface *want)
{
	char key[80];
	struct dialog *d;

	d = new_loaded_dialog(key, sizeof(key));
	if (!d)
		return;
	dialog_load_from_file(d, noisy, true);
	CHECK(dialog_loading(d));
	CHECK(dialog_cancel_load(d));
	CHECK(!dialog_loading(d));
	CHECK_MSG(seg_is(dialog_segment(d), want), "after cancel: %s",
		  dialog_message(d));
	CHECK(strstr(dialog_status(d), "shared by this window"));
	CHECK(reader_gets(key, want));
	CHECK(!dialog_cancel_load(d));
	/* And the next load works. */
	CHECK(load(d, other));
	CHECK(dialog_segment(d) && dialog_segment(d)->info.width == 30);
	dialog_destroy(d);
}

static void test_bad_first_file(void)
{
	char key[80];
	struct dialog *d, *e;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && !load(d, bad));
	CHECK(d && !dialog_is_sharing(d));
	CHECK(d && tu_starts_with(dialog_message(d), DIALOG_TEXT_NOT_IMAGE));
	/* The key was not kept: another dialog can take it. */
	e = new_dialog(key, NULL);
	CHECK(e && load(e, good) && dialog_is_sharing(e));
	dialog_destroy(e);
	dialog_destroy(d);
}

static void test_nothing_shared(void)
{
	char key[80];
	struct dialog *d;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, NULL);
	CHECK(d && !display(d));
	CHECK_MSG(d && *reason_after(dialog_message(d), DIALOG_TEXT_ATTACH),
		  "message: %s", d ? dialog_message(d) : "");
	dialog_destroy(d);
}

static void test_other_process(SDL_Surface *want)
{
	char key[80], shared_by[64], stopped[64];
	int stop[2];
	struct dialog *d;
	pid_t holder;

	tu_key(key, sizeof(key), "dialog");
	holder = hold_key(key, stop);
	CHECK(holder > 0);
	if (holder <= 0)
		return;
	snprintf(shared_by, sizeof(shared_by), "shared by pid %ld",
		 (long)holder);
	snprintf(stopped, sizeof(stopped), "pid %ld stopped sharing it",
		 (long)holder);

	/* A reader in this process: same pixels, the owner named. */
	d = new_dialog(key, NULL);
	if (!d) {
		release_key(holder, stop);
		return;
	}
	CHECK(display(d));
	CHECK(seg_is(dialog_segment(d), want));
	CHECK(dialog_image_owner(d) == holder);
	CHECK_MSG(strstr(dialog_status(d), shared_by), "status: %s",
		  dialog_status(d));

	/* A second owner: the Qt create text, naming the holder; then
	 * F, Esc shows the holder's image again. */
	CHECK(!load(d, good));
	CHECK(!dialog_is_sharing(d));
	CHECK_MSG(strstr(reason_after(dialog_message(d), DIALOG_TEXT_CREATE),
			 shared_by + strlen("shared by ")),
		  "message: %s", dialog_message(d));
	dialog_choose_begin(d);
	dialog_choose_end(d);
	CHECK(seg_is(dialog_segment(d), want));

	/* The owner exits: the status stops saying it shares the image. */
	release_key(holder, stop);
	CHECK_MSG(wait_status(d, stopped), "status after the owner left: %s",
		  dialog_status(d));
	CHECK_MSG(!strstr(dialog_status(d), shared_by), "status: %s",
		  dialog_status(d));
	/* The mapping is ours: the image is still there to see. */
	CHECK(seg_is(dialog_segment(d), want));
	dialog_destroy(d);
}

static void test_limit(void)
{
	struct img_limits lim = { IMG_W * IMG_H * 4 - 1,
				  IMG_DEFAULT_DECODE_TIMEOUT_MS };
	char key[80];
	struct dialog *d;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog(key, &lim);
	CHECK(d && !load(d, good));
	if (d) {
		const char *why = reason_after(dialog_message(d),
					       DIALOG_TEXT_TOO_LARGE);

		/* No line may break between "12" and "KiB". */
		CHECK_MSG(strstr(why, "12\u00a0KiB") &&
			  !strstr(why, "12 KiB"), "reason: %s", why);
		CHECK_MSG(strstr(why, "quadrants.png") &&
			  strstr(why, "limit") &&
			  !strcasestr(why, "not an image"),
			  "message: %s", dialog_message(d));
		CHECK(!dialog_is_sharing(d));
	}
	dialog_destroy(d);

	lim.max_bytes = IMG_W * IMG_H * 4;
	d = new_dialog(key, &lim);
	CHECK(d && load(d, good));
	dialog_destroy(d);
}

/* A substitute decoder helper: a shell script that reads the request,
 * then does what body says. Returns 0, or -1. */
static int write_helper(char *path, size_t len, const char *dir,
			const char *name, const char *body)
{
	char text[512];

	snprintf(path, len, "%s/%s", dir, name);
	/* No core file from the signals it sends itself. */
	snprintf(text, sizeof(text), "#!/bin/sh\nulimit -c 0\n"
		 "head -c 1 <&3 >/dev/null\n%s\n", body);
	if (tu_write_file(path, text, strlen(text)) < 0 ||
	    chmod(path, 0700) < 0)
		return -1;
	return 0;
}

/* Loads file in a new dialog with helper and limits; checks the heading
 * is want (and, when reason is set, that the reason has it). */
static void check_heading(const char *helper, const struct img_limits *lim,
			  const char *file, const char *want,
			  const char *reason)
{
	char key[80];
	struct dialog *d;

	tu_key(key, sizeof(key), "dialog");
	d = new_dialog_with(key, lim, helper);
	if (!d)
		return;
	CHECK(!load(d, file));
	CHECK_MSG(dialog_state(d) == DIALOG_ERROR &&
		  *reason_after(dialog_message(d), want) &&
		  (!reason || strstr(reason_after(dialog_message(d), want),
				     reason)),
		  "%s: want \"%s\" then \"%s\", got: %s", file, want,
		  reason ? reason : "a reason", dialog_message(d));
	dialog_destroy(d);
}

/* Each kind of failure gets a heading that says so, then the reason;
 * "Selected file is not an image" only for a file that is not one. */
static void test_headings(const char *dir)
{
	struct img_limits lim = { SEG_DEFAULT_MAX_BYTES,
				  IMG_DEFAULT_DECODE_TIMEOUT_MS };
	struct img_limits fast = { SEG_DEFAULT_MAX_BYTES, 300 };
	char hang[512], sigsys[512], segv[512];

	CHECK(write_helper(hang, sizeof(hang), dir, "hang.sh",
			   "exec sleep 30") == 0);
	CHECK(write_helper(sigsys, sizeof(sigsys), dir, "sigsys.sh",
			   "kill -SYS $$") == 0);
	CHECK(write_helper(segv, sizeof(segv), dir, "segv.sh",
			   "kill -SEGV $$") == 0);

	check_heading(decoder, &lim, bad, DIALOG_TEXT_NOT_IMAGE,
		      "not-an-image.png");
	/* A folder, an empty file: not images either. */
	check_heading(decoder, &lim, dir, DIALOG_TEXT_NOT_IMAGE, "folder");
	check_heading(decoder, &lim, "/nonexistent/x.png", DIALOG_TEXT_OPEN,
		      "No such file");
	check_heading(hang, &fast, good, DIALOG_TEXT_TIMEOUT, "longer than");
	check_heading(sigsys, &lim, good, DIALOG_TEXT_SANDBOX, "sandbox");
	check_heading(segv, &lim, good, DIALOG_TEXT_DECODER, "crashed");
	lim.max_bytes = IMG_W * IMG_H * 4 - 1;
	check_heading(decoder, &lim, good, DIALOG_TEXT_TOO_LARGE, "limit");
}

/* Many loads, bad loads and displays in one dialog: nothing piles up,
 * not fds, not mappings, not decoder processes. */
static void test_no_leaks(void)
{
	char key[80];
	struct dialog *d;
	int fds, maps, segs, kids, now, i;
	int64_t t0;

	d = new_loaded_dialog(key, sizeof(key));
	if (!d)
		return;
	CHECK(display(d));
	fds = tu_fd_count();
	maps = tu_map_count();
	segs = tu_segment_maps();
	kids = children();
	t0 = clock_ms();
	for (i = 0; i < 60; i++) {
		load(d, i % 3 ? good : bad);
		display(d);
	}
	printf("60 rounds of load and display: %d ms\n",
	       (int)(clock_ms() - t0));
	/* The owner's server thread closes each reader's connection on its
	 * own schedule: give it a moment before counting. The first count
	 * may still have held the connection of the display before it, so
	 * fewer is fine; a leak would show as dozens more. */
	now = tu_fds_down_to(0, fds, 1000);
	CHECK_MSG(now <= fds, "fds %d -> %d", fds, now);
	/* The segments themselves exactly; all mappings within two, except
	 * under ASan, whose allocator maps regions of its own as it goes
	 * (a leak per round would still show as 60 segment mappings). */
	CHECK_MSG(tu_segment_maps() == segs, "segment mappings %d -> %d",
		  segs, tu_segment_maps());
	CHECK_MSG(tu_under_asan() || tu_map_count() <= maps + 2,
		  "mappings %d -> %d", maps, tu_map_count());
	CHECK_MSG(children() == kids, "child processes %d -> %d", kids,
		  children());
	CHECK(dialog_segment(d) != NULL);
	dialog_destroy(d);
}

int main(int argc, char **argv)
{
	char dir[256];
	SDL_Surface *want, *small;

	if (argc != 2) {
		fprintf(stderr, "usage: test_dialog PATH/shm-decode\n");
		return 2;
	}
	decoder = argv[1];
	/* Pipes to dead readers must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	wake_fd = eventfd(0, EFD_CLOEXEC);
	if (wake_fd < 0 || tu_tmpdir("dialog", dir, sizeof(dir)) < 0)
		SKIP("no eventfd or no scratch directory in /tmp");
	snprintf(good, sizeof(good), "%s/quadrants.png", dir);
	snprintf(bad, sizeof(bad), "%s/not-an-image.png", dir);
	snprintf(other, sizeof(other), "%s/small.png", dir);
	want = make_quadrants(IMG_W, IMG_H);
	small = make_quadrants(30, 20);
	CHECK(want && IMG_SavePNG(want, good) == 0);
	CHECK(small && IMG_SavePNG(small, other) == 0);
	CHECK(tu_write_file(bad, "hello, not a PNG\n", 17) == 0);
	snprintf(noisy, sizeof(noisy), "%s/noise.png", dir);
	{
		SDL_Surface *n = tu_make_image(1024, 1024, 7);

		CHECK(n && IMG_SavePNG(n, noisy) == 0);
		SDL_FreeSurface(n);
	}

	test_owner_and_bad_file(want);
	test_cancel(want);
	test_bad_first_file();
	test_nothing_shared();
	test_other_process(want);
	test_limit();
	test_headings(dir);
	test_no_leaks();

	SDL_FreeSurface(small);
	SDL_FreeSurface(want);
	return check_done();
}
