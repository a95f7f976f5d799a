/* test_gui_dummy.c - real windows under the dummy video driver.
 *
 * How it drives the windows: a window is the program's own
 * app_create()/app_pump() (the loop sharedmemory's main() runs; there is
 * no test-only branch in it), either in a process forked from this test
 * and told what to do over a pipe, or in this very process. Either way
 * real SDL events are pushed into the window's queue (SDL_PushEvent:
 * SDL_KEYDOWN for F, M, Esc, Return; SDL_TEXTINPUT for a typed path;
 * mouse presses; a dropped file), app_pump() handles them, and the frame
 * the software renderer drew is read back (app_read_pixels). Loads and
 * attaches finish on the dialog's own time: every wait pumps the window
 * until the state arrives, at most 10-15 s, never a fixed sleep alone.
 * Other owners are the real `shmimage put`, and in one case the real
 * `sharedmemory`.
 *
 * Arguments: SHAREDMEMORY SHMIMAGE SHM-DECODE [CASE]; each case is its
 * own CTest test (window.gui_dummy.<case>).
 *
 * Pixel rule for the 64x48 quadrant image: a quadrant matches when every
 * channel of the pixel at its centre is within +-2 of the colour in the
 * file (drawn 1:1 by the software renderer).
 *
 * Proves:
 * cli      usage errors exit 2 with one line, --help exits 0, a missing
 *          font exits 1 with a clear line; `sharedmemory --load BAD`
 *          prints exactly one line "sharedmemory: ..." on stderr (and
 *          keeps its window until SIGTERM, then exits 0);
 * handover F opens the chooser ("Select an image file"), Esc closes only
 *          it; M with nothing shared shows the Qt attach text and no
 *          image colour; A loads by F, typed path, Enter and says it
 *          shares; B (another process) shows the quadrants after M and
 *          names A's pid; C (--load, same key) gets the Qt create text
 *          naming A's pid; A's bad file shows the Qt "not an image" text,
 *          yet B's click on its bottom button gets the old image, and A's
 *          own M shows it; after the bad file F then Esc shows A's image
 *          still shared, not the old error; a drop on an open chooser
 *          closes it and loads;
 * realowner the real executable started with --load serves B; SIGTERM
 *          closes it with exit status 0 and the key is free at once;
 * ownergone a reader showing `shmimage put`'s image says "shared by pid
 *          P"; once P exits it says "pid P stopped sharing it" and no
 *          longer "shared by pid P";
 * async    while a 4096x4096 noise PNG decodes, app_pump() keeps returning
 *          within 250 ms, the image area says "Loading ..." (and draws
 *          text), Esc cancels the load without closing the window, the
 *          image shared before is still shown and still served; a second
 *          load of the big file then completes and shows it;
 * quality  a 4000x3000 image of 1-pixel black/white checks, shared by
 *          `shmimage put` and shown by M, is drawn flat grey: every pixel
 *          of the drawn rect (ui_fit_image of the layout's image area)
 *          within +-10 of the rect's mean (and, as box averages of at
 *          least 12 x 12 checks must be, within +-3 of 127.5); a
 *          4096x4096 image of four
 *          coloured quadrants shows its colours (+-3, away from the
 *          seams); app_image_texture() is exactly the drawn rect's size
 *          (no full-size texture); after SDL_RENDER_DEVICE_RESET the
 *          image is drawn again from the mapping;
 * openhold (root) an open of the chosen file held for 8 s by fanotify
 *          FAN_OPEN_PERM: the window says "Loading held.png..." and
 *          pumps within 250 ms, Esc cancels within 250 ms back to the
 *          hint, and the next file loads while the first open is still
 *          held; `shmimage put` on the held file exits 0 within 1 s of
 *          SIGTERM;
 * keys     each of F, M, W and Esc in each state (empty, waiting,
 *          choosing, loading, own, other, error), in a fresh window: the
 *          state it leads to, its message and status (table key_rules);
 *          F and M during a load leave the load on screen and say why;
 * waiting  a --follow window with no owner says "Waiting for an image
 *          under key K..." and "Following · waiting for an image"; it
 *          shows put's image, and once put exits says "waiting for the
 *          next image" and "pid P stopped sharing";
 * status   the drawn status line with a 64-character key at 451 x 322
 *          keeps "Following", the size and "pid P" with the key elided
 *          in the middle; at the minimum size it keeps "Following" and
 *          "pid P", and once the owner left, "Waiting" and "stopped".
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_inspect.h"
#include "app/dialog.h"
#include "app/dialog_inspect.h"
#include "check.h"
#include "shm/share.h"
#include "testutil.h"

#define IMG_W 64
#define IMG_H 48
#define TOLERANCE 2
#define REPLY_MS 15000
#define STEP_MS 10000
#define FC_EMPTY "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n"

static const Uint8 quad[4][4] = {
	{ 220, 40, 40, 255 }, { 40, 180, 60, 255 },
	{ 40, 80, 220, 255 }, { 240, 200, 40, 255 },
};

static const char *exe, *shmimage, *decoder;
static char dir[256], good[512], bad[512];

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
	tu_push_key(SDL_GetWindowID(app_window(a)), sym, sc);
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
 *         <loading> <generation>
 *   message <text with \n escaped>
 *   status <text>
 * quads: how many quadrant centres (where a 64x48 image sits) show their
 * colour; anycolor: whether any pixel of the area has one of them. */
static void report(struct app *a, FILE *out)
{
	const struct dialog *d = app_dialog(a);
	const struct seg *seg;
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

	seg = dialog_segment(d);
	img_w = seg ? (int)seg->info.width : 0;
	img_h = seg ? (int)seg->info.height : 0;
	fprintf(out, "state %d %d %d %ld %d %d %d %d %d %llu\n", seg != NULL,
		img_w, img_h, (long)dialog_image_owner(d),
		dialog_is_sharing(d), app_chooser_is_open(a), quads, any,
		dialog_loading(d),
		(unsigned long long)dialog_generation(d));
	fputs("message ", out);
	escape_line(dialog_message(d), out);
	fprintf(out, "status %s\n", dialog_status(d));
	fflush(out);
}

/* The commands that are one key press. */
static const struct {
	const char *cmd;
	SDL_Keycode sym;
	SDL_Scancode sc;
} key_cmds[] = {
	{ "f", SDLK_f, SDL_SCANCODE_F },
	{ "esc", SDLK_ESCAPE, SDL_SCANCODE_ESCAPE },
	{ "M", SDLK_m, SDL_SCANCODE_M },
};

/* Does what one command line says. Returns false once the window
 * closed (Q), having said so on out. */
static bool window_command(struct app *a, const char *line, FILE *out)
{
	size_t i;

	for (i = 0; i < SDL_arraysize(key_cmds); i++) {
		if (strcmp(line, key_cmds[i].cmd) == 0) {
			push_key(a, key_cmds[i].sym, key_cmds[i].sc);
			return true;
		}
	}
	if (line[0] == 'F' && line[1] == ' ') {
		/* The chooser takes typing once it is open, as a user sees
		 * it open before typing. */
		push_key(a, SDLK_f, SDL_SCANCODE_F);
		settle(a);
		push_text(a, line + 2);
		push_key(a, SDLK_RETURN, SDL_SCANCODE_RETURN);
	} else if (line[0] == 'D' && line[1] == ' ') {
		push_drop(a, line + 2);
	} else if (strcmp(line, "click show") == 0) {
		push_click(a, &app_layout(a)->show);
	} else if (strcmp(line, "R") == 0) {
		/* Only look: wait a little for the dialog's news. */
		app_pump(a, 20);
	} else if (strcmp(line, "Q") == 0) {
		SDL_Event ev = { .type = SDL_QUIT };

		SDL_PushEvent(&ev);
		if (app_pump(a, 0))
			fprintf(out, "error still open after SDL_QUIT\n");
		else
			fprintf(out, "bye\n");
		fflush(out);
		return false;
	}
	return true;
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
	o.decoder = decoder;
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
		if (!window_command(a, line, out))
			break;
		settle(a);
		report(a, out);
	}
	app_destroy(a);
	return 0;
}

/* ---- the test side ---- */

struct window {
	unsigned long long gen;	/* the generation last reported */
	pid_t pid;
	FILE *cmd;
	int reply;
	char buf[8192];
	size_t len;
};

struct state {
	int image, w, h, sharing, chooser, quads, any, loading;
	long owner;
	unsigned long long gen;
	char message[2048];
	char status[2048];
};

static int ask(struct window *w, const char *cmd, struct state *st);

static int read_line(struct window *w, char *out, size_t size)
{
	int64_t end = clock_ms() + REPLY_MS;

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
		left = end - clock_ms();
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
	/* The generation to wait past from now on. */
	{
		struct state st;

		if (ask(w, "R", &st) < 0)
			return -1;
		w->gen = st.gen;
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
	    sscanf(line, "state %d %d %d %ld %d %d %d %d %d %llu", &st->image,
		   &st->w, &st->h, &st->owner, &st->sharing, &st->chooser,
		   &st->quads, &st->any, &st->loading, &st->gen) != 10) {
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
	if (strcmp(cmd, "R") != 0 && !st->loading)
		w->gen = st->gen;
	return 0;
}

/* Sends cmd, then looks again (R) until the window settled: no load
 * running, and its generation moved past the last report's (the answer
 * to an M or a load arrives on the dialog's own time). At most
 * REPLY_MS. */
static int ask_settled(struct window *w, const char *cmd, struct state *st)
{
	int64_t end = clock_ms() + REPLY_MS;
	unsigned long long gen = w->gen;

	if (ask(w, cmd, st) < 0)
		return -1;
	while ((st->loading || st->gen == gen) && clock_ms() < end)
		if (ask(w, "R", st) < 0)
			return -1;
	w->gen = st->gen;
	return st->loading || st->gen == gen ? -1 : 0;
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

/* Runs exe with args and env SDL_VIDEODRIVER=dummy until its stderr has
 * a whole line (at most STEP_MS), then SIGTERM. Returns everything it
 * wrote to stderr in err (the lines before and after the signal) and
 * its exit code. */
static int stderr_until_line(char *const argv[], char *err, size_t size)
{
	char *const env[] = { "SDL_VIDEODRIVER=dummy", NULL };
	int64_t end = clock_ms() + STEP_MS;
	struct tu_proc p;
	size_t len = 0;
	int code;

	err[0] = '\0';
	if (tu_spawn(&p, argv, env) < 0)
		return -1;
	while (!memchr(err, '\n', len) && clock_ms() < end) {
		struct pollfd pf = { p.err_fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = read(p.err_fd, err + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		err[len] = '\0';
	}
	/* Whatever comes after the first line, until it exits. */
	tu_stop(&p, SIGTERM, 5000);
	snprintf(err + len, size - len, "%s", p.err);
	code = tu_exit_code(&p);
	tu_proc_close(&p);
	return code;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Usage errors exit 2 with one line; --help exits 0. */
static void cli_usage(void)
{
	char *const usage1[] = { (char *)exe, "--bogus", NULL };
	char *const usage2[] = { (char *)exe, "--key", "no spaces", NULL };
	char *const usage3[] = { (char *)exe, "--position", "up", NULL };
	char *const usage4[] = { (char *)exe, "--max-bytes", "0", NULL };
	char *const usage5[] = { (char *)exe, "--load", NULL };
	char *const usage6[] = { (char *)exe, "--decode-timeout", "0", NULL };
	char *const help[] = { (char *)exe, "--help", NULL };
	char *const *usages[] = { usage1, usage2, usage3, usage4, usage5,
				  usage6 };
	struct tu_proc p;
	size_t i;

	for (i = 0; i < SDL_arraysize(usages); i++) {
		CHECK(tu_run(&p, usages[i], NULL, 5000) == 0);
		CHECK_MSG(tu_exit_code(&p) == 2 && tu_err_lines(&p) == 1 &&
			  tu_starts_with(p.err, "sharedmemory: "),
			  "%s %s: exit %d, stderr: %s", usages[i][1],
			  usages[i][2] ? usages[i][2] : "", tu_exit_code(&p),
			  p.err);
		tu_proc_close(&p);
	}
	CHECK(tu_run(&p, help, NULL, 5000) == 0);
	CHECK(tu_exit_code(&p) == 0 && strstr(p.out, "--position") &&
	      strstr(p.out, "--follow"));
	tu_proc_close(&p);
}

/* A missing font file, and a fontconfig that knows no font: exit 1
 * with one line. */
static void cli_no_font(void)
{
	struct tu_proc p;
	char fc_env[600], fc_conf[512];
	char *const env_none[] = { fc_env, NULL };
	char *const nofont[] = { (char *)exe, "--font", "/nonexistent.ttf",
				 "--load", good, NULL };
	char *const nofc[] = { (char *)exe, NULL };

	CHECK(tu_run(&p, nofont, NULL, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1 && tu_err_lines(&p) == 1 &&
		  strstr(p.err, "/nonexistent.ttf"), "exit %d, stderr: %s",
		  tu_exit_code(&p), p.err);
	tu_proc_close(&p);

	/* fontconfig with a configuration that has no font folder knows
	 * no font. */
	snprintf(fc_conf, sizeof(fc_conf), "%s/fonts.conf", dir);
	CHECK(tu_write_file(fc_conf, FC_EMPTY, strlen(FC_EMPTY)) == 0);
	snprintf(fc_env, sizeof(fc_env), "FONTCONFIG_FILE=%s", fc_conf);
	CHECK(tu_run(&p, nofc, env_none, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1 && tu_err_lines(&p) == 1 &&
		  strstr(p.err, "no font found for sans-serif"),
		  "exit %d, stderr: %s", tu_exit_code(&p), p.err);
	tu_proc_close(&p);
}

static void case_cli(void)
{
	char key[80], err[TU_OUT_MAX * 2];

	cli_usage();
	cli_no_font();

	/* --load BAD: the window stays, stderr gets exactly one line. */
	tu_key(key, sizeof(key), "gui");
	{
		char *const argv[] = { (char *)exe, "--key", key, "--load",
				       bad, NULL };
		int code = stderr_until_line(argv, err, sizeof(err));

		CHECK_MSG(code == 0 && count_lines(err) == 1 &&
			  tu_starts_with(err, "sharedmemory: ") &&
			  strstr(err, "not-an-image.png"),
			  "--load BAD: exit %d, stderr: %s", code, err);
	}
}

static SDL_Surface *make_quadrants(void);

/* The windows of the handover case and what its steps look for. */
struct handover {
	char key[80];
	char pid_text[32];	/* A's pid */
	struct window a, b;
};

/* B: M with nothing shared. */
static void handover_nothing_shared(struct handover *h)
{
	struct state st;

	CHECK(ask_settled(&h->b, "M", &st) == 0);
	CHECK_MSG(!st.image && tu_starts_with(st.message, DIALOG_TEXT_ATTACH),
		  "B first M: %s", st.message);
	CHECK_MSG(!st.any, "B's image area shows an image colour");
}

/* F opens the chooser, the image area says so; Esc closes the chooser
 * only (the window stays) and the hint comes back. Then F, a typed
 * path, Enter: A shares the image. */
static void handover_a_loads(struct handover *h)
{
	char cmd[600];
	struct state st;

	CHECK(ask(&h->a, "f", &st) == 0);
	CHECK_MSG(st.chooser && strcmp(st.message, DIALOG_TEXT_SELECT) == 0,
		  "A after f: chooser %d: %s", st.chooser, st.message);
	CHECK(ask(&h->a, "esc", &st) == 0);
	CHECK_MSG(!st.chooser && strcmp(st.message, DIALOG_TEXT_HINT) == 0,
		  "A after Esc: chooser %d: %s", st.chooser, st.message);

	snprintf(cmd, sizeof(cmd), "F %s", good);
	CHECK(ask_settled(&h->a, cmd, &st) == 0);
	CHECK_MSG(st.image && st.w == IMG_W && st.h == IMG_H && st.sharing &&
		  !st.chooser, "A after F: image %d %dx%d sharing %d chooser "
		  "%d: %s", st.image, st.w, st.h, st.sharing, st.chooser,
		  st.message);
	CHECK_MSG(st.quads == 4, "A shows %d of 4 quadrants", st.quads);
	CHECK_MSG(strstr(st.status, "shared by this window"), "A status: %s",
		  st.status);
}

/* B: M shows A's image. */
static void handover_b_shows(struct handover *h)
{
	struct state st;

	CHECK(ask_settled(&h->b, "M", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4, "B after M: image %d quads %d: "
		  "%s", st.image, st.quads, st.message);
	CHECK(st.owner == h->a.pid);
	CHECK_MSG(strstr(st.status, h->pid_text), "B status: %s", st.status);
}

/* C: a second owner of the key, loading at start. */
static void handover_second_owner(struct handover *h)
{
	struct window c;
	struct state st;
	int64_t end;

	if (start_window(&c, h->key, good) < 0) {
		CHECK(!"window C started");
		return;
	}
	/* Its load may be over before it first reports. */
	end = clock_ms() + REPLY_MS;
	while (ask(&c, "R", &st) == 0 && clock_ms() < end &&
	       (st.loading || tu_starts_with(st.message, DIALOG_TEXT_LOADING)))
		;
	CHECK_MSG(!st.image && !st.sharing &&
		  tu_starts_with(st.message, DIALOG_TEXT_CREATE) &&
		  strstr(st.message, h->pid_text),
		  "C: %s", st.message);
	stop_window(&c);
}

/* A: a bad file. The message replaces the view; the image stays
 * shared, and B gets it through the button. */
static void handover_bad_file(struct handover *h)
{
	char cmd[600];
	struct state st;

	snprintf(cmd, sizeof(cmd), "F %s", bad);
	CHECK(ask_settled(&h->a, cmd, &st) == 0);
	CHECK_MSG(!st.image && tu_starts_with(st.message, DIALOG_TEXT_NOT_IMAGE)
		  && st.sharing && !st.any, "A after bad file: image %d "
		  "sharing %d any %d: %s", st.image, st.sharing, st.any,
		  st.message);
	CHECK_MSG(strstr(st.status, "Still sharing"), "A status: %s",
		  st.status);
	/* This time through the button: a pushed press and release on it. */
	CHECK(ask_settled(&h->b, "click show", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4, "B after A's bad file: %s",
		  st.message);
}

/* After a bad file: F then Esc shows the image still shared, not the
 * old error; and after another, A's own M shows the image. */
static void handover_after_bad_file(struct handover *h)
{
	char cmd[600];
	struct state st;

	CHECK(ask(&h->a, "f", &st) == 0 && st.chooser);
	CHECK(ask(&h->a, "esc", &st) == 0);
	CHECK_MSG(!st.chooser && st.image && st.quads == 4 &&
		  strstr(st.status, "shared by this window"),
		  "A after bad file, F, Esc: %s / %s", st.message, st.status);

	snprintf(cmd, sizeof(cmd), "F %s", bad);
	CHECK(ask_settled(&h->a, cmd, &st) == 0 && !st.image);
	CHECK(ask_settled(&h->a, "M", &st) == 0);
	CHECK_MSG(st.image && st.quads == 4 &&
		  strstr(st.status, "shared by this window"),
		  "A's own M: %s / %s", st.message, st.status);
}

/* A file dropped while the chooser is open: the chooser closes and the
 * file loads. */
static void handover_drop(struct handover *h)
{
	char cmd[600];
	struct state st;

	CHECK(ask(&h->a, "f", &st) == 0 && st.chooser);
	snprintf(cmd, sizeof(cmd), "D %s", good);
	CHECK(ask_settled(&h->a, cmd, &st) == 0);
	CHECK_MSG(!st.chooser && st.image && st.quads == 4 && st.sharing,
		  "A after drop: chooser %d image %d: %s", st.chooser,
		  st.image, st.message);
}

static void case_handover(void)
{
	struct handover h;

	tu_key(h.key, sizeof(h.key), "gui");
	if (start_window(&h.b, h.key, NULL) < 0) {
		CHECK(!"window B started");
		return;
	}
	handover_nothing_shared(&h);
	if (start_window(&h.a, h.key, NULL) < 0) {
		CHECK(!"window A started");
		stop_window(&h.b);
		return;
	}
	snprintf(h.pid_text, sizeof(h.pid_text), "%ld", (long)h.a.pid);
	handover_a_loads(&h);
	handover_b_shows(&h);
	handover_second_owner(&h);
	handover_bad_file(&h);
	handover_after_bad_file(&h);
	handover_drop(&h);
	stop_window(&h.a);
	stop_window(&h.b);
}

/* The real executable owns the key; a window of ours reads it. */
static void case_realowner(void)
{
	char key[80], pid_text[32];
	struct window r;
	struct tu_proc p;
	struct state st = { 0 };
	int64_t end;

	tu_key(key, sizeof(key), "gui");
	{
		char *const argv[] = { (char *)exe, "--key", key, "--load",
				       good, NULL };
		char *const env[] = { "SDL_VIDEODRIVER=dummy", NULL };

		CHECK(tu_spawn(&p, argv, env) == 0);
	}
	if (start_window(&r, key, NULL) < 0) {
		CHECK(!"reader window started");
		tu_proc_close(&p);
		return;
	}
	/* The program needs a moment to start: ask until it answers. */
	end = clock_ms() + STEP_MS;
	do {
		if (ask_settled(&r, "M", &st) < 0 || st.image)
			break;
		tu_sleep_ms(100);
	} while (clock_ms() < end);
	snprintf(pid_text, sizeof(pid_text), "pid %ld", (long)p.pid);
	CHECK_MSG(st.image && st.quads == 4 && st.owner == p.pid,
		  "real owner: image %d quads %d owner %ld (want %ld): %s",
		  st.image, st.quads, st.owner, (long)p.pid, st.message);
	CHECK_MSG(strstr(st.status, pid_text), "status: %s", st.status);

	/* SIGTERM is a clean close: exit 0, the key free at once. */
	CHECK(tu_stop(&p, SIGTERM, 5000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 0, "exit %d signal %d stderr %s",
		  tu_exit_code(&p), tu_term_signal(&p), p.err);
	/* The watch's news that the owner left also moves the generation:
	 * look until the attach's answer is there. */
	CHECK(ask_settled(&r, "M", &st) == 0);
	end = clock_ms() + STEP_MS;
	while (st.image && clock_ms() < end && ask(&r, "R", &st) == 0)
		;
	CHECK_MSG(!st.image && tu_starts_with(st.message, DIALOG_TEXT_ATTACH),
		  "M after the owner left: %s", st.message);
	tu_proc_close(&p);
	stop_window(&r);
}

/* ---- a window in this process ---- */

static struct app *open_app(const char *key, bool follow)
{
	struct app_options o;
	struct err err = { "" };
	struct app *a;

	app_options_init(&o);
	o.key = key;
	o.decoder = decoder;
	o.follow = follow;
	a = app_create(&o, &err);
	CHECK_MSG(a != NULL, "app_create: %s", err.msg);
	if (a)
		app_pump(a, 0);
	return a;
}

/* Pumps a (as app_run does, in steps of at most 20 ms) until it shows a
 * w x h image, at most STEP_MS. */
static bool wait_image(struct app *a, uint32_t w, uint32_t h)
{
	int64_t end = clock_ms() + STEP_MS;

	for (;;) {
		const struct seg *s = dialog_segment(app_dialog(a));

		if (s && s->info.width == w && s->info.height == h)
			return true;
		if (clock_ms() >= end)
			return false;
		app_pump(a, 20);
	}
}

static bool wait_status(struct app *a, const char *text)
{
	int64_t end = clock_ms() + STEP_MS;

	while (!strstr(dialog_status(app_dialog(a)), text) &&
	       clock_ms() < end)
		app_pump(a, 20);
	return strstr(dialog_status(app_dialog(a)), text) != NULL;
}

/* `shmimage put --key key file`, once it printed its line. */
static int put(struct tu_proc *p, const char *key, const char *file)
{
	if (tu_put_start(p, shmimage, key, file, STEP_MS, NULL, 0) < 0) {
		fprintf(stderr, "shmimage put %s: %s\n", file, p->err);
		tu_proc_close(p);
		return -1;
	}
	return 0;
}

/* The pixels of rect r of the frame, RGBA32, malloc'd. */
static Uint8 *frame(struct app *a, const SDL_Rect *r)
{
	struct err err = { "" };
	Uint8 *px = malloc((size_t)r->w * r->h * 4);

	if (px && app_read_pixels(a, r, px, r->w * 4, &err) < 0) {
		fprintf(stderr, "app_read_pixels: %s\n", err.msg);
		free(px);
		px = NULL;
	}
	return px;
}

/* Pixels of the image area as dark as text. */
static int text_pixels(struct app *a)
{
	SDL_Rect r = app_layout(a)->image;
	Uint8 *px = frame(a, &r);
	int i, n = 0;

	for (i = 0; px && i < r.w * r.h; i++) {
		const Uint8 *p = px + (size_t)i * 4;

		n += p[0] < 0x60 && p[1] < 0x60 && p[2] < 0x60;
	}
	free(px);
	return n;
}

/* How many of the four quadrant centres of a 64x48 image show. */
static int quads_shown(struct app *a)
{
	SDL_Rect d = ui_fit_image(&app_layout(a)->image, IMG_W, IMG_H);
	Uint8 *px = frame(a, &d);
	int q, n = 0;

	for (q = 0; px && q < 4; q++) {
		int x = d.w / 4 + (q & 1) * d.w / 2;
		int y = d.h / 4 + (q >> 1) * d.h / 2;

		n += near(px + ((size_t)y * d.w + x) * 4, quad[q]);
	}
	free(px);
	return n;
}

static void case_ownergone(void)
{
	char key[80], shared_by[64], stopped[64];
	struct tu_proc p;
	struct app *a;

	tu_key(key, sizeof(key), "gui");
	if (put(&p, key, good) < 0) {
		CHECK(!"shmimage put");
		return;
	}
	snprintf(shared_by, sizeof(shared_by), "shared by pid %d",
		 (int)p.pid);
	snprintf(stopped, sizeof(stopped), "pid %d stopped sharing it",
		 (int)p.pid);
	a = open_app(key, false);
	if (!a) {
		tu_proc_close(&p);
		return;
	}
	push_key(a, SDLK_m, SDL_SCANCODE_M);
	CHECK(wait_image(a, IMG_W, IMG_H));
	CHECK_MSG(strstr(dialog_status(app_dialog(a)), shared_by),
		  "status: %s", dialog_status(app_dialog(a)));

	CHECK(tu_stop(&p, SIGTERM, 5000) == 0);
	CHECK_MSG(wait_status(a, stopped), "status after the owner left: %s",
		  dialog_status(app_dialog(a)));
	CHECK_MSG(!strstr(dialog_status(app_dialog(a)), "shared by"),
		  "status: %s", dialog_status(app_dialog(a)));
	/* Our mapping keeps the image: still drawn. */
	CHECK(quads_shown(a) == 4);
	tu_proc_close(&p);
	app_destroy(a);
}

/* One app_pump(a, ms), timed. */
static int64_t timed_pump(struct app *a, int ms, bool *open)
{
	int64_t t0 = clock_ms();

	*open = app_pump(a, ms);
	return clock_ms() - t0;
}

#define PUMP_MAX_MS 250

/* Writes a 4096 x 4096 noise PNG to path. Noise does not compress: the
 * PNG is about the size of its 64 MiB of pixels, and decoding it takes
 * a while. */
static void write_noise_png(const char *path)
{
	int64_t t0 = clock_ms();
	SDL_Surface *s = tu_make_image(4096, 4096, 11);

	CHECK(s && IMG_SavePNG(s, path) == 0);
	SDL_FreeSurface(s);
	printf("wrote the 4096 x 4096 noise PNG in %d ms\n",
	       (int)(clock_ms() - t0));
}

/* The big file dropped: the window says it loads and goes on pumping. */
static void async_loading_shows(struct app *a, const char *big)
{
	const struct dialog *d = app_dialog(a);
	int64_t worst = 0, took;
	bool open = true;
	int i;

	push_drop(a, big);
	took = timed_pump(a, 0, &open);
	CHECK(dialog_loading(d));
	CHECK_MSG(tu_starts_with(dialog_message(d),
			      DIALOG_TEXT_LOADING " noise-4096.png"),
		  "message: %s", dialog_message(d));
	CHECK_MSG(text_pixels(a) > 0, "the image area draws no text");
	CHECK(!dialog_segment(d));
	for (i = 0; i < 3; i++)
		if ((took = timed_pump(a, 10, &open)) > worst)
			worst = took;
	CHECK_MSG(dialog_loading(d), "the decode ended already; the test "
		  "needs a slower file");
	CHECK_MSG(worst < PUMP_MAX_MS, "app_pump took %d ms", (int)worst);
}

/* Esc cancels the load, not the window: the image shared before is
 * still shown and still served. */
static void async_cancel(struct app *a, const char *key)
{
	const struct dialog *d = app_dialog(a);
	struct err err = { "" };
	struct seg seg;
	bool open = true;
	int64_t took;

	push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
	took = timed_pump(a, 0, &open);
	CHECK_MSG(open, "Esc during a load closed the window");
	CHECK_MSG(took < PUMP_MAX_MS, "the cancel took %d ms", (int)took);
	CHECK(!dialog_loading(d));
	CHECK_MSG(dialog_segment(d) &&
		  dialog_segment(d)->info.width == IMG_W,
		  "after Esc: %s", dialog_message(d));
	CHECK(quads_shown(a) == 4);
	CHECK(dialog_is_sharing(d));
	CHECK_MSG(share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL,
			       &err) == 0 && seg.info.width == IMG_W,
		  "a reader after the cancel: %s", err.msg);
	seg_finish(&seg);
}

/* A second load of the big file goes through, the window pumping all
 * along. */
static void async_second_load(struct app *a, const char *big)
{
	const struct dialog *d = app_dialog(a);
	int64_t t0, worst, took;
	bool open = true;
	int pumps = 0;

	push_drop(a, big);
	t0 = clock_ms();
	worst = timed_pump(a, 0, &open);
	CHECK(dialog_loading(d));
	while (open && dialog_loading(d) && clock_ms() - t0 < 20000) {
		took = timed_pump(a, 20, &open);
		/* The bound is for pumps during the decode; the one that
		 * ends it also averages the 4096 x 4096 image down to the
		 * texture, a cost of its own (see the README's figures). */
		if (dialog_loading(d) && took > worst)
			worst = took;
		pumps++;
	}
	printf("the second load took %d ms over %d pumps, the longest "
	       "%d ms\n", (int)(clock_ms() - t0), pumps, (int)worst);
	CHECK(open && !dialog_loading(d));
	CHECK(pumps >= 3);
	CHECK_MSG(worst < PUMP_MAX_MS, "app_pump took %d ms", (int)worst);
}

static void case_async(void)
{
	char key[80], big[512];
	struct app *a;

	snprintf(big, sizeof(big), "%s/noise-4096.png", dir);
	write_noise_png(big);

	tu_key(key, sizeof(key), "gui");
	a = open_app(key, false);
	if (!a)
		return;
	push_drop(a, good);
	CHECK(wait_image(a, IMG_W, IMG_H));
	async_loading_shows(a, big);
	async_cancel(a, key);
	async_second_load(a, big);
	CHECK(wait_image(a, 4096, 4096));
	app_destroy(a);
}

/* ---- an open that blocks ---- */

#define HOLD_MS 8000

/* A child that holds each open of path for HOLD_MS with fanotify's
 * FAN_OPEN_PERM, as a hung NFS or FUSE mount would, and writes a byte to
 * *seen as it starts holding one. Returns its pid, or -1 with errno set
 * when fanotify cannot do it here. */
static pid_t hold_opens(const char *path, int *seen)
{
	int ready[2], news[2], err = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(news, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
					O_RDONLY | O_CLOEXEC);
		struct fanotify_event_metadata ev[8], *m;
		ssize_t n;

		if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM,
					     AT_FDCWD, path) < 0)
			err = errno;
		if (write(ready[1], &err, sizeof(err)) != sizeof(err) || err)
			_exit(1);
		while ((n = read(fan, ev, sizeof(ev))) > 0) {
			for (m = ev; FAN_EVENT_OK(m, n);
			     m = FAN_EVENT_NEXT(m, n)) {
				struct fanotify_response r = { m->fd,
							       FAN_ALLOW };

				if (write(news[1], "o", 1) != 1)
					_exit(1);
				tu_sleep_ms(HOLD_MS);
				if (write(fan, &r, sizeof(r)) != sizeof(r))
					_exit(1);
				close(m->fd);
			}
		}
		_exit(0);
	}
	close(ready[1]);
	close(news[1]);
	if (pid < 0 || read(ready[0], &err, sizeof(err)) != sizeof(err) ||
	    err) {
		close(ready[0]);
		close(news[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		errno = err ? err : ECHILD;
		return -1;
	}
	close(ready[0]);
	*seen = news[0];
	return pid;
}

/* Waits at most ms for the holder's byte, pumping a (when not NULL) as
 * the window's loop would. */
static bool held(int seen, struct app *a, int ms)
{
	int64_t end = clock_ms() + ms;
	struct pollfd p = { seen, POLLIN, 0 };
	char c;

	while (clock_ms() < end) {
		if (poll(&p, 1, 20) > 0)
			return read(seen, &c, 1) == 1;
		if (a)
			app_pump(a, 0);
	}
	return false;
}

static void release(pid_t holder, int seen)
{
	/* The group closes with the holder: held opens are let through. */
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	close(seen);
}

/* The window: the open runs in the load, Esc cancels it at once and the
 * window goes on drawing. */
static void openhold_window(const char *file)
{
	const struct dialog *d;
	char key[80];
	int64_t took, worst = 0;
	bool open = true;
	struct app *a;
	int seen, i;
	pid_t holder = hold_opens(file, &seen);

	if (holder < 0)
		SKIP("fanotify FAN_OPEN_PERM cannot hold an open here: %s",
		     strerror(errno));
	tu_key(key, sizeof(key), "gui");
	a = open_app(key, false);
	if (!a) {
		release(holder, seen);
		return;
	}
	d = app_dialog(a);
	push_drop(a, file);
	took = timed_pump(a, 0, &open);
	CHECK_MSG(took < PUMP_MAX_MS, "the drop took %d ms", (int)took);
	CHECK_MSG(held(seen, a, STEP_MS), "the open was never held");
	CHECK(dialog_state(d) == DIALOG_LOADING);
	CHECK_MSG(tu_starts_with(dialog_message(d), DIALOG_TEXT_LOADING
				 " held.png"), "message: %s",
		  dialog_message(d));
	for (i = 0; i < 5; i++)
		if ((took = timed_pump(a, 20, &open)) > worst)
			worst = took;
	CHECK_MSG(worst < PUMP_MAX_MS, "app_pump took %d ms", (int)worst);
	CHECK_MSG(text_pixels(a) > 0, "the image area draws no text");

	push_key(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE);
	took = timed_pump(a, 0, &open);
	printf("Esc during a held open: %d ms\n", (int)took);
	CHECK_MSG(open, "Esc during the open closed the window");
	CHECK_MSG(took < PUMP_MAX_MS, "the cancel took %d ms", (int)took);
	CHECK(!dialog_loading(d) && dialog_state(d) == DIALOG_EMPTY);
	CHECK(strcmp(dialog_message(d), DIALOG_TEXT_HINT) == 0);
	CHECK(text_pixels(a) > 0);
	/* And the next load works while the first open is still held. */
	push_drop(a, good);
	CHECK(wait_image(a, IMG_W, IMG_H));
	app_destroy(a);
	release(holder, seen);
}

/* put: SIGTERM ends it within 1 s while its open is held. */
static void openhold_put(const char *file)
{
	char key[80];
	char *argv[] = { (char *)shmimage, "put", "--key", key, (char *)file,
			 NULL };
	struct tu_proc p;
	int64_t t0;
	int seen;
	pid_t holder = hold_opens(file, &seen);

	if (holder < 0)
		SKIP("fanotify FAN_OPEN_PERM cannot hold an open here: %s",
		     strerror(errno));
	tu_key(key, sizeof(key), "gui");
	if (tu_spawn(&p, argv, NULL) < 0) {
		CHECK(!"shmimage put started");
		release(holder, seen);
		return;
	}
	CHECK_MSG(held(seen, NULL, STEP_MS), "put's open was never held");
	t0 = clock_ms();
	CHECK_MSG(tu_stop(&p, SIGTERM, 1000) == 0,
		  "put did not exit within 1 s of SIGTERM");
	printf("put exited %d ms after SIGTERM, its open held\n",
	       (int)(clock_ms() - t0));
	CHECK(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
	tu_proc_close(&p);
	release(holder, seen);
}

static void case_openhold(void)
{
	char file[512];
	size_t len;
	char *png;

	if (geteuid() != 0)
		SKIP("not root: holding an open with fanotify FAN_OPEN_PERM "
		     "needs CAP_SYS_ADMIN");
	snprintf(file, sizeof(file), "%s/held.png", dir);
	png = tu_read_file(good, &len);
	CHECK(png && tu_write_file(file, png, len) == 0);
	free(png);
	openhold_window(file);
	openhold_put(file);
}

/* ---- each key in each state ---- */

static struct app *open_app_with(const char *key, bool follow,
				 const char *helper)
{
	const char *was = decoder;
	struct app *a;

	decoder = helper;
	a = open_app(key, follow);
	decoder = was;
	return a;
}

/* Pumps a until d is in state s, at most STEP_MS. */
static bool wait_state(struct app *a, enum dialog_state s)
{
	int64_t end = clock_ms() + STEP_MS;

	while (dialog_state(app_dialog(a)) != s && clock_ms() < end)
		app_pump(a, 20);
	return dialog_state(app_dialog(a)) == s;
}

static const char *const state_names[] = {
	[DIALOG_EMPTY] = "empty", [DIALOG_WAITING] = "waiting",
	[DIALOG_CHOOSING] = "choosing", [DIALOG_LOADING] = "loading",
	[DIALOG_OWN] = "own", [DIALOG_OTHER] = "other",
	[DIALOG_ERROR] = "error",
};

struct keys_env {
	char key[80];		/* nobody shares under it */
	char other[80];		/* `shmimage put` shares under it */
	char hang[512];		/* a decoder helper that never answers */
	pid_t put_pid;
};

/* A new window in state s. */
static struct app *enter(const struct keys_env *e, enum dialog_state s)
{
	struct app *a;

	a = open_app_with(s == DIALOG_OTHER ? e->other : e->key,
			  s == DIALOG_WAITING,
			  s == DIALOG_LOADING ? e->hang : decoder);
	if (!a)
		return NULL;
	if (s == DIALOG_CHOOSING)
		push_key(a, SDLK_f, SDL_SCANCODE_F);
	else if (s == DIALOG_LOADING || s == DIALOG_OWN)
		push_drop(a, good);
	else if (s == DIALOG_OTHER)
		push_key(a, SDLK_m, SDL_SCANCODE_M);
	else if (s == DIALOG_ERROR)
		push_drop(a, bad);
	settle(a);
	CHECK_MSG(wait_state(a, s), "could not enter %s: %s",
		  state_names[s], dialog_message(app_dialog(a)));
	return a;
}

struct key_rule {
	enum dialog_state from;
	SDL_Keycode sym;
	SDL_Scancode sc;
	int to;			/* a state, or -1: the window closed */
	const char *message;	/* the message starts with this, or NULL */
	const char *status;	/* the status has this, or NULL */
};

#define K(l, u) SDLK_##l, SDL_SCANCODE_##u
#define KE SDLK_ESCAPE, SDL_SCANCODE_ESCAPE
#define CLOSED (-1)

static const struct key_rule key_rules[] = {
	{ DIALOG_EMPTY, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_EMPTY, K(m, M), DIALOG_ERROR, DIALOG_TEXT_ATTACH, NULL },
	{ DIALOG_EMPTY, K(w, W), DIALOG_WAITING, DIALOG_TEXT_WAITING,
	  "Following" },
	{ DIALOG_EMPTY, KE, CLOSED, NULL, NULL },
	{ DIALOG_WAITING, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_WAITING, K(m, M), DIALOG_ERROR, DIALOG_TEXT_ATTACH, NULL },
	{ DIALOG_WAITING, K(w, W), DIALOG_EMPTY, DIALOG_TEXT_HINT, NULL },
	{ DIALOG_WAITING, KE, CLOSED, NULL, NULL },
	/* The chooser takes F, M and W as typed text. */
	{ DIALOG_CHOOSING, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_CHOOSING, K(m, M), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_CHOOSING, K(w, W), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_CHOOSING, KE, DIALOG_EMPTY, DIALOG_TEXT_HINT, NULL },
	/* A load stays on screen; F and M say why they do nothing. */
	{ DIALOG_LOADING, K(f, F), DIALOG_LOADING, DIALOG_TEXT_LOADING,
	  "Loading" },
	{ DIALOG_LOADING, K(m, M), DIALOG_LOADING, DIALOG_TEXT_LOADING,
	  "Loading" },
	{ DIALOG_LOADING, K(w, W), DIALOG_LOADING, DIALOG_TEXT_LOADING,
	  "Following \u00b7 Loading" },
	{ DIALOG_LOADING, KE, DIALOG_EMPTY, DIALOG_TEXT_HINT, NULL },
	{ DIALOG_OWN, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_OWN, K(m, M), DIALOG_OWN, "", "shared by this window" },
	{ DIALOG_OWN, K(w, W), DIALOG_OWN, "", "Following" },
	{ DIALOG_OWN, KE, CLOSED, NULL, NULL },
	{ DIALOG_OTHER, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_OTHER, K(m, M), DIALOG_OTHER, "", "shared by pid" },
	{ DIALOG_OTHER, K(w, W), DIALOG_OTHER, "", "Following" },
	{ DIALOG_OTHER, KE, CLOSED, NULL, NULL },
	{ DIALOG_ERROR, K(f, F), DIALOG_CHOOSING, DIALOG_TEXT_SELECT, NULL },
	{ DIALOG_ERROR, K(m, M), DIALOG_ERROR, DIALOG_TEXT_ATTACH, NULL },
	{ DIALOG_ERROR, K(w, W), DIALOG_ERROR, DIALOG_TEXT_NOT_IMAGE,
	  "Following" },
	{ DIALOG_ERROR, KE, CLOSED, NULL, NULL },
};

/* Presses the rule's key in a fresh window in its state and checks
 * where the window ends up. */
static void check_key_rule(const struct keys_env *e, const struct key_rule *r)
{
	struct app *a = enter(e, r->from);
	const struct dialog *d;
	uint64_t gen;
	bool open = true;
	int64_t end;

	if (!a)
		return;
	d = app_dialog(a);
	gen = dialog_generation(d);
	push_key(a, r->sym, r->sc);
	open = app_pump(a, 0) && app_pump(a, 0);
	/* M answers from a thread: wait for the answer. */
	end = clock_ms() + STEP_MS;
	while (open && r->sym == SDLK_m && r->from != DIALOG_LOADING &&
	       r->from != DIALOG_CHOOSING && dialog_generation(d) == gen &&
	       clock_ms() < end)
		open = app_pump(a, 20);
	if (r->to == CLOSED) {
		CHECK_MSG(!open, "%s, %s: the window stayed open",
			  state_names[r->from], SDL_GetKeyName(r->sym));
		app_destroy(a);
		return;
	}
	CHECK_MSG(open && dialog_state(d) == (enum dialog_state)r->to &&
		  tu_starts_with(dialog_message(d), r->message) &&
		  (!r->status || strstr(dialog_status(d), r->status)),
		  "%s, %s: want %s \"%s\" [%s], got %s \"%s\" [%s]",
		  state_names[r->from], SDL_GetKeyName(r->sym),
		  state_names[r->to], r->message, r->status ? r->status : "",
		  state_names[dialog_state(d)], dialog_message(d),
		  dialog_status(d));
	CHECK(app_chooser_is_open(a) == (r->to == DIALOG_CHOOSING));
	if (r->from == DIALOG_LOADING && r->sym != SDLK_w &&
	    r->sym != SDLK_ESCAPE)
		CHECK_MSG(strstr(dialog_message(d), DIALOG_TEXT_BUSY),
			  "%s during a load: %s", SDL_GetKeyName(r->sym),
			  dialog_message(d));
	app_destroy(a);
}

static void case_keys(void)
{
	struct keys_env e;
	struct tu_proc p;
	const char *hang = "#!/bin/sh\nexec sleep 30\n";

	tu_key(e.key, sizeof(e.key), "gui");
	tu_key(e.other, sizeof(e.other), "gui");
	snprintf(e.hang, sizeof(e.hang), "%s/hang.sh", dir);
	CHECK(tu_write_file(e.hang, hang, strlen(hang)) == 0 &&
	      chmod(e.hang, 0700) == 0);
	if (put(&p, e.other, good) < 0) {
		CHECK(!"shmimage put");
		return;
	}
	for (size_t i = 0; i < SDL_arraysize(key_rules); i++)
		check_key_rule(&e, &key_rules[i]);
	tu_proc_close(&p);
}

/* Following: says it waits while no owner is there, and again once the
 * owner goes. */
static void case_waiting(void)
{
	char key[80], waiting[160], stopped[64];
	struct tu_proc p;
	struct app *a;
	const struct dialog *d;

	tu_key(key, sizeof(key), "gui");
	snprintf(waiting, sizeof(waiting), DIALOG_TEXT_WAITING " %s\u2026",
		 key);
	a = open_app(key, true);
	if (!a)
		return;
	d = app_dialog(a);
	CHECK(dialog_state(d) == DIALOG_WAITING);
	CHECK_MSG(strcmp(dialog_message(d), waiting) == 0, "message: %s",
		  dialog_message(d));
	CHECK_MSG(strstr(dialog_status(d), "waiting for an image"),
		  "status: %s", dialog_status(d));
	CHECK(text_pixels(a) > 0);
	if (put(&p, key, good) < 0) {
		CHECK(!"shmimage put");
		app_destroy(a);
		return;
	}
	snprintf(stopped, sizeof(stopped), "pid %d stopped sharing",
		 (int)p.pid);
	CHECK(wait_image(a, IMG_W, IMG_H));
	CHECK(dialog_state(d) == DIALOG_OTHER);
	CHECK_MSG(!strstr(dialog_status(d), "waiting"), "status: %s",
		  dialog_status(d));
	CHECK(tu_stop(&p, SIGTERM, 5000) == 0);
	CHECK_MSG(wait_status(a, "waiting for the next image") &&
		  strstr(dialog_status(d), stopped), "status: %s",
		  dialog_status(d));
	/* Drawn, at the default size, with the owner's part. */
	app_pump(a, 0);
	CHECK_MSG(strstr(app_status_drawn(a), "stopped sharing") &&
		  strstr(app_status_drawn(a), "aiting"), "drawn: %s",
		  app_status_drawn(a));
	tu_proc_close(&p);
	app_destroy(a);
}

/* The drawn status line at the default size and at the minimum: the
 * state and the owner stay. */
static void case_status(void)
{
	char key[80], pid_text[32];
	int min_w, min_h, w, h;
	struct tu_proc p;
	struct app *a;

	/* The longest key there is, so something has to give. */
	snprintf(key, sizeof(key), "%.64s", "status-key-that-is-as-long-"
		 "as-a-key-may-be-0123456789abcdefghijklmnopqrstuvwxyz");
	if (put(&p, key, good) < 0) {
		CHECK(!"shmimage put");
		return;
	}
	snprintf(pid_text, sizeof(pid_text), "pid %d", (int)p.pid);
	a = open_app(key, true);
	if (!a) {
		tu_proc_close(&p);
		return;
	}
	CHECK(wait_image(a, IMG_W, IMG_H));
	app_pump(a, 0);
	SDL_GetWindowSize(app_window(a), &w, &h);
	CHECK(w == 451 && h == 322);
	printf("451 x 322: %s\n", app_status_drawn(a));
	CHECK_MSG(strstr(app_status_drawn(a), "Following") &&
		  strstr(app_status_drawn(a), pid_text) &&
		  strstr(app_status_drawn(a), "64 x 48") &&
		  strstr(app_status_drawn(a), "\u2026"),
		  "at 451 x 322: %s", app_status_drawn(a));
	SDL_GetWindowMinimumSize(app_window(a), &min_w, &min_h);
	SDL_SetWindowSize(app_window(a), min_w, min_h);
	settle(a);
	printf("%d x %d: %s\n", min_w, min_h, app_status_drawn(a));
	CHECK_MSG(app_layout(a)->status.w < 451 - 22 &&
		  strstr(app_status_drawn(a), "Following") &&
		  strstr(app_status_drawn(a), pid_text),
		  "at %d x %d: %s", min_w, min_h, app_status_drawn(a));
	CHECK(tu_stop(&p, SIGTERM, 5000) == 0);
	CHECK(wait_status(a, "stopped sharing"));
	app_pump(a, 0);
	printf("%d x %d: %s\n", min_w, min_h, app_status_drawn(a));
	CHECK_MSG(strstr(app_status_drawn(a), "Waiting") &&
		  strstr(app_status_drawn(a), pid_text) &&
		  strstr(app_status_drawn(a), "stopped"),
		  "at %d x %d: %s", min_w, min_h, app_status_drawn(a));
	tu_proc_close(&p);
	app_destroy(a);
}

/* A w x h image of four flat quadrants in quad[]'s colours. */
static SDL_Surface *make_big_quadrants(int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
							 SDL_PIXELFORMAT_RGBA32);
	int q;

	for (q = 0; s && q < 4; q++) {
		SDL_Rect r = { (q & 1) * w / 2, (q >> 1) * h / 2, w / 2,
			       h / 2 };

		SDL_FillRect(s, &r, SDL_MapRGBA(s->format, quad[q][0],
						quad[q][1], quad[q][2], 255));
	}
	return s;
}

/* Shares file by `shmimage put` and shows it with M in a; returns the
 * drawn rect (w 0 on failure). */
static SDL_Rect share_and_show(struct app *a, const char *key,
			       const char *file, int w, int h,
			       struct tu_proc *p)
{
	SDL_Rect none = { 0, 0, 0, 0 };

	if (put(p, key, file) < 0) {
		CHECK(!"shmimage put");
		return none;
	}
	push_key(a, SDLK_m, SDL_SCANCODE_M);
	if (!wait_image(a, (uint32_t)w, (uint32_t)h)) {
		CHECK_MSG(false, "M did not show %s: %s", file,
			  dialog_message(app_dialog(a)));
		return none;
	}
	app_pump(a, 0);
	return ui_fit_image(&app_layout(a)->image, w, h);
}

static void check_texture_size(struct app *a, const SDL_Rect *r)
{
	SDL_Texture *t = app_image_texture(a);
	int tw = 0, th = 0;

	CHECK(t != NULL);
	if (t)
		SDL_QueryTexture(t, NULL, NULL, &tw, &th);
	CHECK_MSG(tw == r->w && th == r->h, "texture %d x %d, drawn %d x %d",
		  tw, th, r->w, r->h);
}

/* Every pixel of r within +-10 of r's mean, per channel. */
static void check_flat(struct app *a, const SDL_Rect *r)
{
	Uint8 *px = frame(a, r);
	double sum[3] = { 0, 0, 0 };
	int n = r->w * r->h, i, c, worst = 0, off = 0;

	CHECK(px != NULL);
	if (!px)
		return;
	for (i = 0; i < n; i++)
		for (c = 0; c < 3; c++)
			sum[c] += px[(size_t)i * 4 + c];
	for (i = 0; i < n; i++) {
		for (c = 0; c < 3; c++) {
			int dv = abs(px[(size_t)i * 4 + c] -
				     (int)(sum[c] / n + 0.5));

			worst = dv > worst ? dv : worst;
			off += dv > 10;
		}
	}
	printf("checks drawn %d x %d: mean %.1f %.1f %.1f, worst %d off\n",
	       r->w, r->h, sum[0] / n, sum[1] / n, sum[2] / n, worst);
	CHECK_MSG(off == 0, "%d channels off the mean by more than 10 (worst "
		  "%d)", off, worst);
	CHECK_MSG(sum[0] / n > 100 && sum[0] / n < 155, "mean %.1f is not "
		  "grey", sum[0] / n);
	/* Tighter, from the arithmetic: a box of at least 12 x 12 checks
	 * holds as many black as white pixels, give or take one, so its
	 * average is 127.5 +- 2. Averaging only part of each box (a row, a
	 * column) passes the +-10 above but not this. */
	for (i = 0, worst = 0; i < n; i++) {
		for (c = 0; c < 3; c++) {
			int dv = abs(2 * px[(size_t)i * 4 + c] - 255);

			worst = dv > worst ? dv : worst;
		}
	}
	CHECK_MSG(worst <= 6, "a pixel is %.1f off 127.5, more than a box "
		  "average of checks can be", worst / 2.0);
	free(px);
}

/* Every pixel of r at least 3 pixels from the seams (and the edge)
 * within +-3 of its quadrant's colour. */
static void check_quadrants(struct app *a, const SDL_Rect *r)
{
	Uint8 *px = frame(a, r);
	int x, y, off = 0, first_x = -1, first_y = -1;

	CHECK(px != NULL);
	for (y = 3; px && y < r->h - 3; y++) {
		if (abs(y - r->h / 2) < 3)
			continue;
		for (x = 3; x < r->w - 3; x++) {
			const Uint8 *p = px + ((size_t)y * r->w + x) * 4;
			int q = (y >= r->h / 2) * 2 + (x >= r->w / 2), c;

			if (abs(x - r->w / 2) < 3)
				continue;
			for (c = 0; c < 3; c++) {
				if (abs(p[c] - quad[q][c]) > 3) {
					if (!off++) {
						first_x = x;
						first_y = y;
					}
					break;
				}
			}
		}
	}
	CHECK_MSG(off == 0, "%d pixels off their quadrant's colour, the "
		  "first at %d,%d of the %d x %d rect", off, first_x, first_y,
		  r->w, r->h);
	free(px);
}

static void case_quality(void)
{
	char key[80], checks[512], quads[512];
	struct tu_proc p;
	SDL_Surface *s;
	SDL_Rect r;
	struct app *a;

	snprintf(checks, sizeof(checks), "%s/checks-4000x3000.png", dir);
	snprintf(quads, sizeof(quads), "%s/quadrants-4096.png", dir);
	s = tu_make_checks(4000, 3000);
	CHECK(s && IMG_SavePNG(s, checks) == 0);
	SDL_FreeSurface(s);
	s = make_big_quadrants(4096, 4096);
	CHECK(s && IMG_SavePNG(s, quads) == 0);
	SDL_FreeSurface(s);

	tu_key(key, sizeof(key), "gui");
	a = open_app(key, false);
	if (!a)
		return;
	r = share_and_show(a, key, checks, 4000, 3000, &p);
	if (r.w > 0) {
		check_texture_size(a, &r);
		check_flat(a, &r);
	}
	tu_stop(&p, SIGTERM, 5000);
	tu_proc_close(&p);

	r = share_and_show(a, key, quads, 4096, 4096, &p);
	if (r.w > 0) {
		SDL_Event ev = { .type = SDL_RENDER_DEVICE_RESET };

		check_texture_size(a, &r);
		check_quadrants(a, &r);
		/* The device went: the texture is built again from the
		 * mapping, nothing else changes. */
		SDL_PushEvent(&ev);
		app_pump(a, 0);
		CHECK(dialog_segment(app_dialog(a)) != NULL);
		check_texture_size(a, &r);
		check_quadrants(a, &r);
	}
	tu_stop(&p, SIGTERM, 5000);
	tu_proc_close(&p);
	app_destroy(a);
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

int main(int argc, char **argv)
{
	static const struct tu_case cases[] = {
		{ "cli", case_cli },
		{ "handover", case_handover },
		{ "realowner", case_realowner },
		{ "ownergone", case_ownergone },
		{ "async", case_async },
		{ "quality", case_quality },
		{ "openhold", case_openhold },
		{ "keys", case_keys },
		{ "waiting", case_waiting },
		{ "status", case_status },
	};
	SDL_Surface *img;
	int rc;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: test_gui_dummy PATH/sharedmemory "
			"PATH/shmimage PATH/shm-decode [CASE]\n");
		return 2;
	}
	exe = argv[1];
	shmimage = argv[2];
	decoder = argv[3];
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

	rc = tu_run_cases(cases, SDL_arraysize(cases),
			  argc == 5 ? argv[4] : NULL);
	return rc ? rc : check_done();
}
