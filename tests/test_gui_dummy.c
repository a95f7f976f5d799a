/* test_gui_dummy.c - two real windows hand an image over, dummy driver.
 *
 * How it drives the windows: each window is a process of its own, forked
 * from this test, that runs the program's own app_create()/app_pump()
 * (the loop sharedmemory's main() runs; there is no test-only branch in
 * it). The test tells a window what to do over a pipe; the window then
 * pushes real SDL events into its own queue with SDL_PushEvent (SDL_KEYDOWN
 * for F, M, Return; SDL_TEXTINPUT for the typed path), lets app_pump()
 * handle them, renders its frame and reads it back with
 * SDL_RenderReadPixels (software renderer), and answers with what it shows.
 * The last scenario runs the real `sharedmemory` executable as the owner.
 *
 * Pixel rule: a quadrant matches when every channel of the pixel at its
 * centre is within +-2 of the colour in the file (the image is drawn 1:1,
 * so the software renderer should be exact; the slack covers blending
 * rounding).
 *
 * Proves:
 * - usage errors exit 2 with one line, --help exits 0, a missing font
 *   exits 1 with a clear line and no crash;
 * - F opens the chooser and the image area says "Select an image file";
 *   Esc closes the chooser only, and the previous view returns;
 * - M with nothing shared shows the Qt attach text, and no image colour
 *   appears in the image area;
 * - A: F, a typed absolute path and Enter load the file; A shows it and
 *   says it shares it;
 * - B (another process, same key): M shows the four quadrant colours in
 *   its rendered frame, and names A's pid as the owner;
 * - C: a second owner of the same key (--load at start) shows the Qt
 *   create text naming A's pid;
 * - A: a bad file shows the Qt "not an image" text instead of the image,
 *   yet B still gets the old image (this time by a click on its bottom
 *   button), and A's own M shows it again;
 * - A: a file dropped while the chooser is open closes it and loads;
 * - the real executable started with --load serves B; SIGTERM closes it
 *   with exit status 0 and the key is free at once.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/app.h"
#include "app/dialog.h"
#include "check.h"
#include "testutil.h"

#define IMG_W 64
#define IMG_H 48
#define TOLERANCE 2
#define REPLY_MS 15000
#define FC_EMPTY "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n"

static const Uint8 quad[4][4] = {
	{ 220, 40, 40, 255 }, { 40, 180, 60, 255 },
	{ 40, 80, 220, 255 }, { 240, 200, 40, 255 },
};

/* ---- the window side (runs in a forked child) ---- */

static bool near(const Uint8 *px, const Uint8 *want)
{
	int i;

	for (i = 0; i < 3; i++)
		if (abs((int)px[i] - (int)want[i]) > TOLERANCE)
			return false;
	return true;
}

static void push_key(struct app *a, SDL_Keycode sym, SDL_Scancode sc)
{
	SDL_Event ev;
	Uint32 id = SDL_GetWindowID(app_window(a));

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.windowID = id;
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = sym;
	ev.key.keysym.scancode = sc;
	SDL_PushEvent(&ev);
	ev.type = SDL_KEYUP;
	ev.key.state = SDL_RELEASED;
	SDL_PushEvent(&ev);
}

/* Typed text arrives in pieces of at most 31 bytes, as from an IME. */
static void push_text(struct app *a, const char *s)
{
	SDL_Event ev;
	size_t n;

	while (*s) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_TEXTINPUT;
		ev.text.windowID = SDL_GetWindowID(app_window(a));
		n = strlen(s);
		if (n > sizeof(ev.text.text) - 1)
			n = sizeof(ev.text.text) - 1;
		memcpy(ev.text.text, s, n);
		SDL_PushEvent(&ev);
		s += n;
	}
}

/* A left click at the centre of r (renderer pixels), as window points. */
static void push_click(struct app *a, const SDL_Rect *r)
{
	SDL_Event ev;
	float k = app_scale(a);
	int x = (int)((r->x + r->w / 2) / k), y = (int)((r->y + r->h / 2) / k);
	Uint32 id = SDL_GetWindowID(app_window(a));

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEMOTION;
	ev.motion.windowID = id;
	ev.motion.x = x;
	ev.motion.y = y;
	SDL_PushEvent(&ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEBUTTONDOWN;
	ev.button.windowID = id;
	ev.button.button = SDL_BUTTON_LEFT;
	ev.button.state = SDL_PRESSED;
	ev.button.clicks = 1;
	ev.button.x = x;
	ev.button.y = y;
	SDL_PushEvent(&ev);
	ev.type = SDL_MOUSEBUTTONUP;
	ev.button.state = SDL_RELEASED;
	SDL_PushEvent(&ev);
}

/* A file dropped on the window; SDL hands over a string the receiver
 * frees with SDL_free(). */
static void push_drop(struct app *a, const char *path)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_DROPFILE;
	ev.drop.windowID = SDL_GetWindowID(app_window(a));
	ev.drop.file = SDL_strdup(path);
	SDL_PushEvent(&ev);
}

/* Handles everything queued; app_pump() handles the whole queue in one
 * call, the second catches anything the first caused. */
static void settle(struct app *a)
{
	app_pump(a, 0);
	app_pump(a, 0);
}

static void escape_line(const char *s, FILE *f)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

/* Reads back the image area and writes one report:
 *   state <image> <w> <h> <owner> <sharing> <chooser> <quads> <anycolor>
 *   message <text with \n escaped>
 *   status <text>
 * quads: how many quadrant centres (where a 64x48 image sits) show their
 * colour; anycolor: whether any pixel of the area has one of them. */
static void report(struct app *a, FILE *out)
{
	const struct dialog *d = app_dialog(a);
	const SDL_Rect area = app_layout(a)->image;
	SDL_Rect spot = ui_fit_image(&area, IMG_W, IMG_H);
	struct err err = { "" };
	Uint8 *px;
	int quads = 0, any = 0, q, i, img_w, img_h;

	px = malloc((size_t)area.w * area.h * 4);
	if (!px || app_read_pixels(a, &area, px, area.w * 4, &err) < 0) {
		fprintf(out, "error %s\n", px ? err.msg : "out of memory");
		fflush(out);
		free(px);
		return;
	}
	for (q = 0; q < 4; q++) {
		int x = spot.x - area.x + spot.w / 4 + (q & 1) * spot.w / 2;
		int y = spot.y - area.y + spot.h / 4 + (q >> 1) * spot.h / 2;

		quads += near(px + ((size_t)y * area.w + x) * 4, quad[q]);
	}
	for (i = 0; i < area.w * area.h && !any; i++)
		for (q = 0; q < 4; q++)
			any |= near(px + (size_t)i * 4, quad[q]);
	free(px);

	dialog_image_size(d, &img_w, &img_h);
	fprintf(out, "state %d %d %d %ld %d %d %d %d\n",
		dialog_image(d) != NULL, img_w, img_h,
		(long)dialog_image_owner(d), dialog_is_sharing(d),
		app_chooser_is_open(a), quads, any);
	fputs("message ", out);
	escape_line(dialog_message(d), out);
	fprintf(out, "status %s\n", dialog_status(d));
	fflush(out);
}

static int window_main(const char *key, const char *load, int cmd_fd,
		       int reply_fd)
{
	struct app_options o;
	struct err err = { "" };
	struct app *a;
	FILE *in, *out;
	char line[1024];

	in = fdopen(cmd_fd, "r");
	out = fdopen(reply_fd, "w");
	if (!in || !out)
		return 1;
	app_options_init(&o);
	o.key = key;
	o.load = load;
	a = app_create(&o, &err);
	if (!a) {
		fprintf(out, "error %s\n", err.msg);
		fflush(out);
		return 1;
	}
	settle(a);
	fprintf(out, "ready\n");
	fflush(out);

	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'F' && line[1] == ' ') {
			/* The chooser takes typing once it is open, as a
			 * user sees it open before typing. */
			push_key(a, SDLK_f, SDL_SCANCODE_F);
			settle(a);
			push_text(a, line + 2);
			push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
		} else if (line[0] == 'D' && line[1] == ' ') {
			push_drop(a, line + 2);
		} else if (strcmp(line, "click show") == 0) {
			push_click(a, &app_layout(a)->show);
		} else if (strcmp(line, "f") == 0) {
			push_key(a, SDLK_f, SDL_SCANCODE_F);
		} else if (strcmp(line, "esc") == 0) {
			push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
		} else if (strcmp(line, "M") == 0) {
			push_key(a, SDLK_m, SDL_SCANCODE_M);
		} else if (strcmp(line, "Q") == 0) {
			SDL_Event ev = { .type = SDL_QUIT };

			SDL_PushEvent(&ev);
			if (app_pump(a, 0))
				fprintf(out, "error still open after "
					"SDL_QUIT\n");
			else
				fprintf(out, "bye\n");
			fflush(out);
			break;
		}
		settle(a);
		report(a, out);
	}
	app_destroy(a);
	return 0;
}

/* ---- the test side ---- */

struct window {
	pid_t pid;
	FILE *cmd;
	int reply;
	char buf[8192];
	size_t len;
};

struct state {
	int image, w, h, sharing, chooser, quads, any;
	long owner;
	char message[2048];
	char status[2048];
};

static int read_line(struct window *w, char *out, size_t size)
{
	int64_t end = tu_now_ms() + REPLY_MS;

	for (;;) {
		char *nl = memchr(w->buf, '\n', w->len);
		struct pollfd p = { w->reply, POLLIN, 0 };
		ssize_t n;
		int64_t left;

		if (nl) {
			size_t k = (size_t)(nl - w->buf);

			snprintf(out, size, "%.*s", (int)k, w->buf);
			memmove(w->buf, nl + 1, w->len - k - 1);
			w->len -= k + 1;
			return 0;
		}
		left = end - tu_now_ms();
		if (left <= 0 || w->len == sizeof(w->buf) ||
		    poll(&p, 1, (int)left) <= 0)
			return -1;
		n = read(w->reply, w->buf + w->len, sizeof(w->buf) - w->len);
		if (n <= 0)
			return -1;
		w->len += (size_t)n;
	}
}

static int start_window(struct window *w, const char *key, const char *load)
{
	int cmd[2], reply[2];
	char line[1024];

	memset(w, 0, sizeof(*w));
	w->pid = -1;
	if (pipe(cmd) < 0 || pipe(reply) < 0)
		return -1;
	w->pid = tu_fork();
	if (w->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		_exit(window_main(key, load, cmd[0], reply[1]));
	}
	close(cmd[0]);
	close(reply[1]);
	w->cmd = fdopen(cmd[1], "w");
	w->reply = reply[0];
	if (w->pid < 0 || !w->cmd || read_line(w, line, sizeof(line)) < 0 ||
	    strcmp(line, "ready") != 0) {
		fprintf(stderr, "window did not start: %s\n", line);
		return -1;
	}
	return 0;
}

static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Sends one command and parses the window's report. */
static int ask(struct window *w, const char *cmd, struct state *st)
{
	char line[2048];

	memset(st, 0, sizeof(*st));
	fprintf(w->cmd, "%s\n", cmd);
	fflush(w->cmd);
	if (read_line(w, line, sizeof(line)) < 0 ||
	    sscanf(line, "state %d %d %d %ld %d %d %d %d", &st->image, &st->w,
		   &st->h, &st->owner, &st->sharing, &st->chooser,
		   &st->quads, &st->any) != 8) {
		fprintf(stderr, "bad report for %s: %s\n", cmd, line);
		return -1;
	}
	if (read_line(w, line, sizeof(line)) < 0 ||
	    strncmp(line, "message ", 8) != 0)
		return -1;
	snprintf(st->message, sizeof(st->message), "%s", line + 8);
	unescape(st->message);
	if (read_line(w, line, sizeof(line)) < 0 ||
	    strncmp(line, "status ", 7) != 0)
		return -1;
	snprintf(st->status, sizeof(st->status), "%s", line + 7);
	return 0;
}

static void stop_window(struct window *w)
{
	char line[256] = "";
	int status = 0;

	if (w->pid <= 0)
		return;
	fprintf(w->cmd, "Q\n");
	fflush(w->cmd);
	CHECK_MSG(read_line(w, line, sizeof(line)) == 0 &&
		  strcmp(line, "bye") == 0, "window %ld on Q: %s",
		  (long)w->pid, line);
	fclose(w->cmd);
	close(w->reply);
	CHECK(tu_waitpid(w->pid, &status, 10000) == 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "window exit status %#x", status);
	w->pid = -1;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_cli(const char *exe, const char *good,
		      const char *fc_conf)
{
	struct tu_proc p;
	char fc_env[600];
	char *const env_none[] = { fc_env, NULL };
	char *const usage1[] = { (char *)exe, "--bogus", NULL };
	char *const usage2[] = { (char *)exe, "--key", "no spaces", NULL };
	char *const usage3[] = { (char *)exe, "--position", "up", NULL };
	char *const usage4[] = { (char *)exe, "--max-bytes", "0", NULL };
	char *const usage5[] = { (char *)exe, "--load", NULL };
	char *const help[] = { (char *)exe, "--help", NULL };
	char *const nofont[] = { (char *)exe, "--font", "/nonexistent.ttf",
				 "--load", (char *)good, NULL };
	char *const nofc[] = { (char *)exe, NULL };
	char *const *usages[] = { usage1, usage2, usage3, usage4, usage5 };
	size_t i;

	for (i = 0; i < SDL_arraysize(usages); i++) {
		CHECK(tu_run(&p, usages[i], NULL, 5000) == 0);
		CHECK_MSG(tu_exit_code(&p) == 2 && tu_err_lines(&p) == 1 &&
			  starts_with(p.err, "sharedmemory: "),
			  "%s %s: exit %d, stderr: %s", usages[i][1],
			  usages[i][2] ? usages[i][2] : "", tu_exit_code(&p),
			  p.err);
		tu_proc_close(&p);
	}
	CHECK(tu_run(&p, help, NULL, 5000) == 0);
	CHECK(tu_exit_code(&p) == 0 && strstr(p.out, "--position"));
	tu_proc_close(&p);

	CHECK(tu_run(&p, nofont, NULL, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1 && tu_err_lines(&p) == 1 &&
		  strstr(p.err, "/nonexistent.ttf"), "exit %d, stderr: %s",
		  tu_exit_code(&p), p.err);
	tu_proc_close(&p);

	/* fontconfig with a configuration that has no font folder knows
	 * no font. */
	snprintf(fc_env, sizeof(fc_env), "FONTCONFIG_FILE=%s", fc_conf);
	CHECK(tu_run(&p, nofc, env_none, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1 && tu_err_lines(&p) == 1 &&
		  strstr(p.err, "no font found for sans-serif"),
		  "exit %d, stderr: %s", tu_exit_code(&p), p.err);
	tu_proc_close(&p);
}

static SDL_Surface *make_quadrants(void)
{
	SDL_Surface *s;
	int x, y;

	s = SDL_CreateRGBSurfaceWithFormat(0, IMG_W, IMG_H, 32,
					   SDL_PIXELFORMAT_RGBA32);
	if (!s)
		return NULL;
	for (y = 0; y < IMG_H; y++)
		for (x = 0; x < IMG_W; x++)
			memcpy((Uint8 *)s->pixels + y * s->pitch + x * 4,
			       quad[(y >= IMG_H / 2) * 2 + (x >= IMG_W / 2)],
			       4);
	return s;
}

/* The real executable owns the key; a window of ours reads it. */
static void check_real_owner(const char *exe, const char *good)
{
	char key[80], pid_text[32];
	struct window r;
	struct tu_proc p;
	struct state st = { 0 };
	int64_t end;

	tu_key(key, sizeof(key), "gui");
	{
		char *const argv[] = { (char *)exe, "--key", key, "--load",
				       (char *)good, NULL };
		char *const env[] = { "SDL_VIDEODRIVER=dummy", NULL };

		CHECK(tu_spawn(&p, argv, env) == 0);
	}
	if (start_window(&r, key, NULL) < 0) {
		CHECK(!"reader window started");
		tu_proc_close(&p);
		return;
	}
	/* The program needs a moment to start: ask until it answers. */
	end = tu_now_ms() + 10000;
	do {
		if (ask(&r, "M", &st) < 0)
			break;
		if (st.image)
			break;
		tu_sleep_ms(100);
	} while (tu_now_ms() < end);
	snprintf(pid_text, sizeof(pid_text), "pid %ld", (long)p.pid);
	CHECK_MSG(st.image && st.quads == 4 && st.owner == p.pid,
		  "real owner: image %d quads %d owner %ld (want %ld): %s",
		  st.image, st.quads, st.owner, (long)p.pid, st.message);
	CHECK_MSG(strstr(st.status, pid_text), "status: %s", st.status);

	/* SIGTERM is a clean close: exit 0, the key free at once. */
	CHECK(tu_stop(&p, SIGTERM, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 0, "exit %d signal %d stderr %s",
		  tu_exit_code(&p), tu_term_signal(&p), p.err);
	CHECK(ask(&r, "M", &st) == 0);
	CHECK(!st.image && starts_with(st.message, DIALOG_TEXT_ATTACH));
	tu_proc_close(&p);
	stop_window(&r);
}

int main(int argc, char **argv)
{
	char dir[256], good[512], bad[512], key[80], pid_text[32];
	char fc_conf[512];
	struct window a, b, c;
	struct state st;
	SDL_Surface *img;

	if (argc != 2) {
		fprintf(stderr, "usage: test_gui_dummy PATH/sharedmemory\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Set by CTest too; here so a hand run cannot open real windows. */
	setenv("SDL_VIDEODRIVER", "dummy", 1);
	if (tu_tmpdir("gui", dir, sizeof(dir)) < 0)
		SKIP("no scratch directory in /tmp");
	snprintf(good, sizeof(good), "%s/quadrants.png", dir);
	snprintf(bad, sizeof(bad), "%s/not-an-image.png", dir);
	img = make_quadrants();
	CHECK(img && IMG_SavePNG(img, good) == 0);
	SDL_FreeSurface(img);
	CHECK(tu_write_file(bad, "plain text\n", 11) == 0);

	snprintf(fc_conf, sizeof(fc_conf), "%s/fonts.conf", dir);
	CHECK(tu_write_file(fc_conf, FC_EMPTY, strlen(FC_EMPTY)) == 0);
	check_cli(argv[1], good, fc_conf);

	tu_key(key, sizeof(key), "gui");
	if (start_window(&b, key, NULL) < 0) {
		CHECK(!"window B started");
		return check_done();
	}

	/* B: M with nothing shared. */
	CHECK(ask(&b, "M", &st) == 0);
	CHECK_MSG(!st.image && starts_with(st.message, DIALOG_TEXT_ATTACH),
		  "B first M: %s", st.message);
	CHECK_MSG(!st.any, "B's image area shows an image colour");

	/* A: F, a typed path, Enter. */
	if (start_window(&a, key, NULL) < 0) {
		CHECK(!"window A started");
		stop_window(&b);
		return check_done();
	}
	snprintf(pid_text, sizeof(pid_text), "%ld", (long)a.pid);

	/* F opens the chooser, the image area says so; Esc closes the
	 * chooser only (the window stays) and the hint comes back. */
	CHECK(ask(&a, "f", &st) == 0);
	CHECK_MSG(st.chooser && strcmp(st.message, DIALOG_TEXT_SELECT) == 0,
		  "A after f: chooser %d: %s", st.chooser, st.message);
	CHECK(ask(&a, "esc", &st) == 0);
	CHECK_MSG(!st.chooser && strcmp(st.message, DIALOG_TEXT_HINT) == 0,
		  "A after Esc: chooser %d: %s", st.chooser, st.message);

	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "F %s", good);
		CHECK(ask(&a, cmd, &st) == 0);
	}
	CHECK_MSG(st.image && st.w == IMG_W && st.h == IMG_H && st.sharing &&
		  !st.chooser, "A after F: image %d %dx%d sharing %d chooser "
		  "%d: %s", st.image, st.w, st.h, st.sharing, st.chooser,
		  st.message);
	CHECK_MSG(st.quads == 4, "A shows %d of 4 quadrants", st.quads);
	CHECK_MSG(strstr(st.status, "shared by this window"), "A status: %s",
		  st.status);

	/* B: M shows A's image. */
	CHECK(ask(&b, "M", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4, "B after M: image %d quads %d: "
		  "%s", st.image, st.quads, st.message);
	CHECK(st.owner == a.pid);
	CHECK_MSG(strstr(st.status, pid_text), "B status: %s", st.status);

	/* C: a second owner of the key, loading at start. */
	if (start_window(&c, key, good) == 0) {
		CHECK(ask(&c, "R", &st) == 0);
		CHECK_MSG(!st.image && !st.sharing &&
			  starts_with(st.message, DIALOG_TEXT_CREATE) &&
			  strstr(st.message, pid_text),
			  "C: %s", st.message);
		stop_window(&c);
	} else {
		CHECK(!"window C started");
	}

	/* A: a bad file. The message replaces the view; the image stays
	 * shared. */
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "F %s", bad);
		CHECK(ask(&a, cmd, &st) == 0);
	}
	CHECK_MSG(!st.image && starts_with(st.message, DIALOG_TEXT_NOT_IMAGE)
		  && st.sharing && !st.any, "A after bad file: image %d "
		  "sharing %d any %d: %s", st.image, st.sharing, st.any,
		  st.message);
	CHECK_MSG(strstr(st.status, "Still sharing"), "A status: %s",
		  st.status);
	/* This time through the button: a pushed press and release on it. */
	CHECK(ask(&b, "click show", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4, "B after A's bad file: %s",
		  st.message);
	CHECK(ask(&a, "M", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4 &&
		  strstr(st.status, "shared by this window"),
		  "A's own M: %s / %s", st.message, st.status);

	/* A file dropped while the chooser is open: the chooser closes and
	 * the file loads. */
	CHECK(ask(&a, "f", &st) == 0 && st.chooser);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "D %s", good);
		CHECK(ask(&a, cmd, &st) == 0);
	}
	CHECK_MSG(!st.chooser && st.image && st.quads == 4 && st.sharing,
		  "A after drop: chooser %d image %d: %s", st.chooser,
		  st.image, st.message);

	stop_window(&a);
	stop_window(&b);

	check_real_owner(argv[1], good);
	return check_done();
}
