/* test_x11.c - two real windows on a real X server, driven like a user.
 *
 * The test starts its own Xvfb, two `sharedmemory` processes under a key
 * of their own (A left, B right), and drives them only from the outside,
 * as a user would: xdotool sends key presses to a window (through the
 * X server, XSendEvent) and moves and clicks the real pointer (XTEST);
 * ImageMagick's `import` reads back what the X server shows. No test hook
 * in the program is involved.
 *
 * Where to look: the button to click and the place of the image are
 * computed with the program's own ui_layout_compute() and ui_fit_image()
 * for the window size X reports (X11 gives SDL no HiDPI scaling, so
 * window points are pixels: scale 1).
 *
 * Pixel rule: a sample matches a colour when each of R, G, B is within
 * +-3 of it. Samples: the centre of each quadrant, a point 3 px inside
 * each corner of where the image must be drawn, and 3 px outside each
 * edge (the window colour there: the image is not larger than the rule
 * says, e.g. not scaled up).
 *
 * Proves, on a real X server:
 * - both windows appear, titled "SharedMemory Example", mapped;
 * - B, with nothing shared, answers M with a message (the image area
 *   changes from the hint to other text) and shows no quadrant colour;
 * - A: F, a typed absolute path and Return (X key events) load a
 *   160x120 image, shown at its natural size, centred;
 * - B: M shows the same four colours at the same place;
 * - A loads a second image, 600x300, shown scaled down with its aspect
 *   kept; B keeps its copy until asked;
 * - B: a real mouse click on the centre of the "Display Image From Shared
 *   Memory" button shows the second image, and nothing of the first;
 * - A 4000x3000 image of 1-pixel black/white checks is drawn flat grey
 *   (every channel of the image rect within +-10 of its mean, and
 *   within +-3 of 127.5 as a box average of checks must be) in A, and
 *   in B after M: a large image is averaged down, not aliased;
 * - a 1600x1200 image of 8x8 random-colour blocks is drawn, in A and in
 *   B after M, exactly as the box average of the file at the drawn size
 *   (src/image/scale.c's scale_box, +-3 a channel, every pixel of the rect
 *   ui_fit_image gives); and again after B is resized to 900x700 and to
 *   520x360 (xdotool windowsize): sharp and in place at every size;
 * - Esc closes A with exit status 0; W in B turns following on: a new
 *   owner's image (`shmimage put`, third argument) shows in B without M;
 * - Esc closes B with exit status 0.
 * The screenshots of each step are kept in the directory given as the
 * second argument (the build tree's x11-shots/).
 *
 * Without Xvfb, xdotool or import the test is skipped with the reason,
 * except in CI (CI set, not "false"), where that is a failure.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/ui.h"
#include "app/ui_inspect.h"
#include "image/scale.h"
#include "check.h"
#include "testutil.h"

#define TOLERANCE 3
#define SCREEN_GEOMETRY "1280x800x24"
#define DISPLAY_FIRST 90
#define DISPLAY_LAST 189
#define XVFB_READY_MS 5000
#define FIND_WINDOW_MS 10000
#define TOOL_MS 5000
#define SHOW_MS 5000		/* for one step to show on screen */
#define WATCHDOG_S 50		/* below the CTest TIMEOUT, so we clean up */
#define TITLE "SharedMemory Example"

struct colour {
	Uint8 r, g, b;
};

/* The window colour (ui.c's Fusion palette). */
static const struct colour c_window = { 0xef, 0xef, 0xef };

/* A test image: four flat quadrants, top-left, top-right, bottom-left,
 * bottom-right. Flat areas survive any scaling filter at their centres. */
struct test_image {
	const char *file;
	int w, h;
	struct colour q[4];
	char path[PATH_MAX];
};

/* Fits the image area of a 451x322 window at 1:1. */
static struct test_image small_img = {
	"quads-160x120.png", 160, 120,
	{ { 220, 40, 40 }, { 40, 180, 60 }, { 40, 80, 220 }, { 240, 200, 40 } },
	"",
};

/* Wider than the area: scaled down to fit, aspect kept. */
static struct test_image big_img = {
	"quads-600x300.png", 600, 300,
	{ { 200, 40, 200 }, { 40, 200, 210 }, { 250, 140, 30 }, { 110, 60, 170 } },
	"",
};

struct win {
	const char *name;	/* "A" or "B" */
	struct tu_proc proc;
	char id[32];		/* X window id, as xdotool prints it */
	int x, y, w, h;		/* root coordinates and size, pixels */
	struct ui_layout l;	/* the program's layout for that size */
};

static char xvfb_bin[PATH_MAX], xdotool_bin[PATH_MAX], import_bin[PATH_MAX];
static const char *shots_dir;
static char scratch_dir[PATH_MAX];	/* the test images, removed at exit */

/* Everything the test starts, so every exit path can stop it. */
static volatile pid_t xvfb_pid = -1;
static struct win win_a = { .name = "A", .proc = { .pid = -1, .out_fd = -1,
						      .err_fd = -1 } };
static struct win win_b = { .name = "B", .proc = { .pid = -1, .out_fd = -1,
						      .err_fd = -1 } };

/* `shmimage put`, the owner a following B sees last. */
static struct tu_proc put_proc = { .pid = -1, .out_fd = -1, .err_fd = -1 };
static const char *shmimage_bin;

static char display_var[32];
static char asan_var[512];
static char *child_env[] = { display_var, "SDL_VIDEODRIVER=x11", asan_var,
			     NULL };

/* ---- tools, the X server and cleanup ---- */

static bool in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && *ci && strcmp(ci, "false") != 0;
}

/* Looks name up in $PATH. tu_spawn() execs a path, not a name. */
static bool find_tool(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		int n;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		n = snprintf(out, size, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < size && end > p &&
		    access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static void stop_xvfb(void)
{
	int status;
	pid_t pid = xvfb_pid;

	if (pid <= 0)
		return;
	xvfb_pid = -1;
	/* SIGTERM, so Xvfb removes its lock file and socket itself. */
	kill(pid, SIGTERM);
	tu_waitpid(pid, &status, 3000);
}

static void close_window(struct win *w)
{
	tu_proc_close(&w->proc);
}

static void cleanup(void)
{
	close_window(&win_a);
	close_window(&win_b);
	tu_proc_close(&put_proc);
	stop_xvfb();
}

/* A CTest timeout or a Ctrl+C must not leave an X server or files
 * behind. Only async-signal-safe calls here: Xvfb gets SIGTERM and up to
 * 2 s to remove its lock and socket (its PR_SET_PDEATHSIG would kill it
 * before it can once we are gone), and the scratch files are named. */
static void on_signal(int sig)
{
	static const char watchdog[] = "test_x11: watchdog: took longer "
				       "than it may, cleaning up\n";
	static const char stopped[] = "test_x11: stopped by a signal, "
				      "cleaning up\n";
	const char *msg = sig == SIGALRM ? watchdog : stopped;
	size_t len = sig == SIGALRM ? sizeof(watchdog) - 1 :
		     sizeof(stopped) - 1;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int i, status;

	if (write(STDERR_FILENO, msg, len) < 0) {
		/* Nothing to do about it here. */
	}
	if (win_a.proc.pid > 0)
		kill(win_a.proc.pid, SIGKILL);
	if (win_b.proc.pid > 0)
		kill(win_b.proc.pid, SIGKILL);
	if (put_proc.pid > 0)
		kill(put_proc.pid, SIGKILL);
	if (xvfb_pid > 0) {
		kill(xvfb_pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (waitpid(xvfb_pid, &status, WNOHANG) != 0)
				break;
			nanosleep(&nap, NULL);
		}
	}
	if (*small_img.path)
		unlink(small_img.path);
	if (*big_img.path)
		unlink(big_img.path);
	if (*scratch_dir)
		rmdir(scratch_dir);
	_exit(128 + sig);
}

/* Runs argv (a path first, NULL-ended) against our display, bounded.
 * Returns its exit code, or -1 if it did not finish in time or died of
 * a signal. Its output stays in *p. */
static int run_tool(struct tu_proc *p, char *const argv[], int timeout_ms)
{
	int code;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->out_fd = p->err_fd = -1;
	if (tu_run(p, argv, child_env, timeout_ms) < 0)
		code = -1;
	else
		code = tu_exit_code(p);
	tu_proc_close(p);
	return code;
}

#define XDO(p, ...) \
	run_tool((p), (char *[]){ xdotool_bin, __VA_ARGS__, NULL }, TOOL_MS)

/* A display is taken while its lock names a live process; a lock left
 * by a killed server is replaced by Xvfb itself. A socket without a lock
 * is someone else's business: leave it. */
static bool display_taken(int n)
{
	char path[64], buf[32] = "";
	long pid;
	int fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/tmp/.X%d-lock", n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/.X11-unix/X%d", n);
		return errno != ENOENT || tu_exists(path);
	}
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return true;
	buf[len] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* True once Xvfb answers on display n, and it is ours (its lock holds
 * our pid: a server that won the race for n would answer too). */
static bool xvfb_ready(int n, pid_t pid)
{
	int64_t deadline = clock_ms() + XVFB_READY_MS;
	struct tu_proc p;
	char path[64];
	char *buf;
	bool ours;

	snprintf(path, sizeof(path), "/tmp/.X%d-lock", n);
	while (clock_ms() < deadline) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid)
			return false;	/* it gave up on n */
		if (XDO(&p, "getdisplaygeometry") == 0) {
			buf = tu_read_file(path, NULL);
			ours = buf && strtol(buf, NULL, 10) == pid;
			free(buf);
			return ours;
		}
		tu_sleep_ms(50);
	}
	return false;
}

/* Starts Xvfb on the first free display from :90 up. Returns its number,
 * or -1. Its output goes to shots_dir/xvfb.log. */
static int start_xvfb(void)
{
	char logpath[PATH_MAX], disp[16];
	int n, tries = 0;

	snprintf(logpath, sizeof(logpath), "%s/xvfb.log", shots_dir);
	for (n = DISPLAY_FIRST; n <= DISPLAY_LAST && tries < 5; n++) {
		pid_t pid;

		if (display_taken(n))
			continue;
		tries++;
		snprintf(disp, sizeof(disp), ":%d", n);
		snprintf(display_var, sizeof(display_var), "DISPLAY=:%d", n);
		pid = tu_fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC |
				      O_CLOEXEC, 0644);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execl(xvfb_bin, "Xvfb", disp, "-screen", "0",
			      SCREEN_GEOMETRY, "-nolisten", "tcp", "-noreset",
			      (char *)NULL);
			_exit(127);
		}
		xvfb_pid = pid;
		if (xvfb_ready(n, pid))
			return n;
		fprintf(stderr, "Xvfb did not come up on %s, trying the "
			"next display\n", disp);
		stop_xvfb();
	}
	return -1;
}

/* ---- images and screenshots ---- */

static int save_test_image(struct test_image *img, const char *dir)
{
	SDL_Surface *s;
	int i, n, rc;

	n = snprintf(img->path, sizeof(img->path), "%s/%s", dir, img->file);
	if (n < 0 || (size_t)n >= sizeof(img->path))
		return -1;
	s = SDL_CreateRGBSurfaceWithFormat(0, img->w, img->h, 32,
					   SDL_PIXELFORMAT_RGBA32);
	if (!s)
		return -1;
	for (i = 0; i < 4; i++) {
		SDL_Rect r = { (i & 1) ? img->w / 2 : 0,
			       (i & 2) ? img->h / 2 : 0,
			       img->w / 2, img->h / 2 };

		SDL_FillRect(s, &r, SDL_MapRGBA(s->format, img->q[i].r,
						img->q[i].g, img->q[i].b,
						0xff));
	}
	rc = IMG_SavePNG(s, img->path);
	SDL_FreeSurface(s);
	return rc;
}

/* Screenshot of w's window as the X server shows it, saved as
 * shots_dir/file and loaded as RGBA32. NULL (reason printed) on failure. */
static SDL_Surface *shot(const struct win *w, const char *file)
{
	char path[PATH_MAX];
	char *id = (char *)w->id;
	struct tu_proc p;
	SDL_Surface *raw, *s;

	snprintf(path, sizeof(path), "%s/%s", shots_dir, file);
	if (run_tool(&p, (char *[]){ import_bin, "-window", id, path, NULL },
		     TOOL_MS) != 0) {
		fprintf(stderr, "import -window %s failed: %s\n", id, p.err);
		return NULL;
	}
	raw = IMG_Load(path);
	if (!raw) {
		fprintf(stderr, "cannot load %s: %s\n", path, IMG_GetError());
		return NULL;
	}
	s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_RGBA32, 0);
	SDL_FreeSurface(raw);
	return s;
}

static bool pixel(SDL_Surface *s, int x, int y, struct colour *c)
{
	const Uint8 *p;

	if (x < 0 || y < 0 || x >= s->w || y >= s->h)
		return false;
	p = (const Uint8 *)s->pixels + (size_t)y * s->pitch + (size_t)x * 4;
	c->r = p[0];
	c->g = p[1];
	c->b = p[2];
	return true;
}

static bool near(struct colour a, struct colour b)
{
	return abs(a.r - b.r) <= TOLERANCE && abs(a.g - b.g) <= TOLERANCE &&
	       abs(a.b - b.b) <= TOLERANCE;
}

/* Checks one sample; on a mismatch, describes it in why (first one
 * wins) and returns false. */
static bool sample(SDL_Surface *s, int x, int y, struct colour want,
		   const char *what, char *why, size_t size)
{
	struct colour got;

	if (!pixel(s, x, y, &got)) {
		if (!*why)
			snprintf(why, size, "%s: (%d,%d) is outside the %dx%d "
				 "screenshot", what, x, y, s->w, s->h);
		return false;
	}
	if (near(got, want))
		return true;
	if (!*why)
		snprintf(why, size, "%s at (%d,%d): got %d,%d,%d, want "
			 "%d,%d,%d +-%d", what, x, y, got.r, got.g, got.b,
			 want.r, want.g, want.b, TOLERANCE);
	return false;
}

/* Is img drawn where the layout and the fit rule put it? Returns the
 * number of samples that do not match; why tells the first. */
static int image_mismatches(SDL_Surface *s, const struct win *w,
			    const struct test_image *img, char *why,
			    size_t size)
{
	SDL_Rect d = ui_fit_image(&w->l.image, img->w, img->h);
	int left = d.x + 3, right = d.x + d.w - 4;
	int top = d.y + 3, bottom = d.y + d.h - 4;
	int mx = d.x + d.w / 2, my = d.y + d.h / 2;
	int bad = 0, i;

	*why = '\0';
	for (i = 0; i < 4; i++) {
		int cx = d.x + ((i & 1) ? 3 * d.w / 4 : d.w / 4);
		int cy = d.y + ((i & 2) ? 3 * d.h / 4 : d.h / 4);

		bad += !sample(s, cx, cy, img->q[i], "quadrant centre", why,
			       size);
		bad += !sample(s, (i & 1) ? right : left,
			       (i & 2) ? bottom : top, img->q[i],
			       "inside a corner", why, size);
	}
	bad += !sample(s, d.x - 3, my, c_window, "left of the image", why,
		       size);
	bad += !sample(s, d.x + d.w + 2, my, c_window, "right of the image",
		       why, size);
	bad += !sample(s, mx, d.y - 3, c_window, "above the image", why,
		       size);
	bad += !sample(s, mx, d.y + d.h + 2, c_window, "below the image",
		       why, size);
	return bad;
}

/* Pixels of the image area that match any quadrant colour of img. */
static int colour_pixels(SDL_Surface *s, const struct win *w,
			 const struct test_image *img)
{
	const SDL_Rect *a = &w->l.image;
	int x, y, i, n = 0;

	for (y = a->y; y < a->y + a->h; y++) {
		for (x = a->x; x < a->x + a->w; x++) {
			struct colour c;

			if (!pixel(s, x, y, &c))
				continue;
			for (i = 0; i < 4; i++)
				if (near(c, img->q[i])) {
					n++;
					break;
				}
		}
	}
	return n;
}

/* Dark pixels (text) in the image area. */
static int text_pixels(SDL_Surface *s, const struct win *w)
{
	const SDL_Rect *a = &w->l.image;
	int x, y, n = 0;

	for (y = a->y; y < a->y + a->h; y++) {
		for (x = a->x; x < a->x + a->w; x++) {
			struct colour c;

			if (pixel(s, x, y, &c) && c.r < 0x60 && c.g < 0x60 &&
			    c.b < 0x60)
				n++;
		}
	}
	return n;
}

/* Pixels that differ between a and b inside r (NULL: everywhere). */
static int changed_pixels(SDL_Surface *a, SDL_Surface *b, const SDL_Rect *r)
{
	SDL_Rect all = { 0, 0, a->w, a->h };
	int x, y, n = 0;

	if (a->w != b->w || a->h != b->h)
		return a->w * a->h;
	if (!r)
		r = &all;
	for (y = r->y; y < r->y + r->h; y++) {
		for (x = r->x; x < r->x + r->w; x++) {
			struct colour ca, cb;

			if (pixel(a, x, y, &ca) && pixel(b, x, y, &cb) &&
			    (ca.r != cb.r || ca.g != cb.g || ca.b != cb.b))
				n++;
		}
	}
	return n;
}

/* Screenshots w until img shows (or SHOW_MS passed). Returns the last
 * screenshot, or NULL; *ok says whether img showed. */
static SDL_Surface *wait_image(const struct win *w, const char *file,
			       const struct test_image *img, bool *ok,
			       char *why, size_t size)
{
	int64_t deadline = clock_ms() + SHOW_MS;
	SDL_Surface *s;

	*ok = false;
	for (;;) {
		s = shot(w, file);
		if (s && image_mismatches(s, w, img, why, size) == 0) {
			*ok = true;
			return s;
		}
		if (clock_ms() >= deadline)
			return s;
		SDL_FreeSurface(s);
		tu_sleep_ms(100);
	}
}

/* Screenshots w until it differs from before (NULL: any picture) and
 * two screenshots in a row are the same: the program has handled what
 * it was sent and drawn it. Returns the last screenshot, or NULL. */
static SDL_Surface *wait_settled(const struct win *w, const char *file,
				 SDL_Surface *before, bool *ok)
{
	int64_t deadline = clock_ms() + SHOW_MS;
	SDL_Surface *prev = NULL, *s;

	*ok = false;
	for (;;) {
		s = shot(w, file);
		if (s && prev && changed_pixels(s, prev, NULL) == 0 &&
		    (!before || changed_pixels(s, before, NULL) > 0)) {
			*ok = true;
			break;
		}
		SDL_FreeSurface(prev);
		prev = s;
		s = NULL;
		if (clock_ms() >= deadline)
			break;
		tu_sleep_ms(100);
	}
	if (!s) {
		s = prev;
		prev = NULL;
	}
	SDL_FreeSurface(prev);
	return s;
}

/* ---- fine detail: checks, box-averaged references, resizing ---- */

static int read_geometry(struct win *w);
static int key(const struct win *w, char *keysym);
static void load_by_keys(const struct win *a, struct test_image *img,
			 const char *file);

/* Saves s as dir/name into path. Returns 0, or -1. */
static int save_surface(SDL_Surface *s, const char *dir, const char *name,
			char *path, size_t size)
{
	int n = snprintf(path, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size || !s)
		return -1;
	return IMG_SavePNG(s, path);
}

/* A w x h opaque image of 8 x 8 blocks of pseudo-random colours: fine
 * enough that a blurred, shifted or stretched drawing shows. */
static SDL_Surface *make_blocks(int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
							 SDL_PIXELFORMAT_RGBA32);
	uint32_t seed = 12345;
	int x, y;

	for (y = 0; s && y < h; y += 8) {
		for (x = 0; x < w; x += 8) {
			SDL_Rect r = { x, y, 8, 8 };

			seed = seed * 1103515245u + 12345u;
			SDL_FillRect(s, &r, SDL_MapRGBA(s->format,
							(seed >> 8) & 0xff,
							(seed >> 16) & 0xff,
							(seed >> 24) & 0xff,
							0xff));
		}
	}
	return s;
}

/* Is the image rect of a w x h image in shot flat grey, every channel
 * of every pixel within +-10 of the rect's mean? */
static bool flat_grey(SDL_Surface *shot, const struct win *w, int iw, int ih,
		      char *why, size_t size)
{
	SDL_Rect d = ui_fit_image(&w->l.image, iw, ih);
	double sum[3] = { 0, 0, 0 };
	int x, y, c, worst = 0, box = 0, n = d.w * d.h;

	if (n <= 0 || d.x + d.w > shot->w || d.y + d.h > shot->h) {
		snprintf(why, size, "the image rect is outside the shot");
		return false;
	}
	for (y = d.y; y < d.y + d.h; y++)
		for (x = d.x; x < d.x + d.w; x++)
			for (c = 0; c < 3; c++)
				sum[c] += ((const Uint8 *)shot->pixels)
					  [(size_t)y * shot->pitch + x * 4 + c];
	for (y = d.y; y < d.y + d.h; y++) {
		for (x = d.x; x < d.x + d.w; x++) {
			for (c = 0; c < 3; c++) {
				int v = ((const Uint8 *)shot->pixels)
					[(size_t)y * shot->pitch + x * 4 + c];
				int dv = abs(v - (int)(sum[c] / n + 0.5));

				worst = dv > worst ? dv : worst;
			}
		}
	}
	/* Tighter, from the arithmetic: each box holds at least 12 x 12
	 * checks, as many black as white give or take one, so a true box
	 * average is 127.5 +- 2 everywhere. */
	for (y = d.y; y < d.y + d.h; y++)
		for (x = d.x; x < d.x + d.w; x++)
			for (c = 0; c < 3; c++) {
				int v = ((const Uint8 *)shot->pixels)
					[(size_t)y * shot->pitch + x * 4 + c];

				box = abs(2 * v - 255) > box ?
				      abs(2 * v - 255) : box;
			}
	snprintf(why, size, "%d x %d at %d,%d: mean %.1f %.1f %.1f, worst "
		 "%d off the mean, %.1f off 127.5", d.w, d.h, d.x, d.y,
		 sum[0] / n, sum[1] / n, sum[2] / n, worst, box / 2.0);
	return worst <= 10 && box <= 6 && sum[0] / n > 100 &&
	       sum[0] / n < 155;
}

/* Does the image rect of src in shot match the box average of src at
 * that size (src/image/scale.c, what the program must draw), +-3 a channel? */
static bool matches_reference(SDL_Surface *shot, const struct win *w,
			      SDL_Surface *src, char *why, size_t size)
{
	SDL_Rect d = ui_fit_image(&w->l.image, src->w, src->h);
	uint32_t fw, fh;
	Uint8 *ref;
	int x, y, c, off = 0, fx = -1, fy = -1;

	scale_fit((uint32_t)src->w, (uint32_t)src->h, (uint32_t)w->l.image.w,
		  (uint32_t)w->l.image.h, &fw, &fh);
	if ((int)fw != d.w || (int)fh != d.h)
		printf("note: scale_fit says %u x %u, ui_fit_image %d x %d\n",
		       fw, fh, d.w, d.h);
	if (d.w <= 0 || d.h <= 0 || d.x + d.w > shot->w ||
	    d.y + d.h > shot->h) {
		snprintf(why, size, "the image rect is outside the shot");
		return false;
	}
	ref = malloc((size_t)d.w * d.h * 4);
	if (!ref) {
		snprintf(why, size, "out of memory");
		return false;
	}
	scale_box(src->pixels, (uint32_t)src->w, (uint32_t)src->h,
		  (size_t)src->pitch, ref, (uint32_t)d.w, (uint32_t)d.h,
		  (size_t)d.w * 4);
	for (y = 0; y < d.h; y++) {
		for (x = 0; x < d.w; x++) {
			const Uint8 *g = (const Uint8 *)shot->pixels +
					 (size_t)(y + d.y) * shot->pitch +
					 (size_t)(x + d.x) * 4;
			const Uint8 *r = ref + ((size_t)y * d.w + x) * 4;

			for (c = 0; c < 3; c++) {
				if (abs(g[c] - r[c]) > TOLERANCE) {
					if (!off++) {
						fx = x;
						fy = y;
					}
					break;
				}
			}
		}
	}
	free(ref);
	snprintf(why, size, "%d of %d pixels of the %d x %d rect at %d,%d "
		 "differ from the box average by more than %d (first at "
		 "%d,%d)", off, d.w * d.h, d.w, d.h, d.x, d.y, TOLERANCE, fx,
		 fy);
	return off == 0;
}

/* Screenshots w until test(shot) holds or SHOW_MS passed. */
static bool wait_for(const struct win *w, const char *file,
		     bool (*test)(SDL_Surface *, const struct win *,
				  const void *, char *, size_t),
		     const void *arg, char *why, size_t size)
{
	int64_t deadline = clock_ms() + SHOW_MS;

	for (;;) {
		SDL_Surface *s = shot(w, file);
		bool ok = s && test(s, w, arg, why, size);

		SDL_FreeSurface(s);
		if (ok)
			return true;
		if (clock_ms() >= deadline)
			return false;
		tu_sleep_ms(100);
	}
}

static bool is_flat(SDL_Surface *s, const struct win *w, const void *arg,
		    char *why, size_t size)
{
	const int *wh = arg;

	return flat_grey(s, w, wh[0], wh[1], why, size);
}

static bool is_reference(SDL_Surface *s, const struct win *w,
			 const void *arg, char *why, size_t size)
{
	return matches_reference(s, w, (SDL_Surface *)arg, why, size);
}

/* Resizes w's window (xdotool windowsize) and waits until X reports the
 * new size; then the layout is that size's. */
static bool resize(struct win *w, int width, int height)
{
	char ws[16], hs[16];
	int64_t deadline = clock_ms() + SHOW_MS;
	struct tu_proc p;

	snprintf(ws, sizeof(ws), "%d", width);
	snprintf(hs, sizeof(hs), "%d", height);
	/* Wholly on the screen first: `import` sees only what is. */
	if (XDO(&p, "windowmove", w->id, "20", "20") != 0 ||
	    XDO(&p, "windowsize", w->id, ws, hs) != 0)
		return false;
	while (read_geometry(w) == 0 && (w->w != width || w->h != height) &&
	       clock_ms() < deadline)
		tu_sleep_ms(50);
	printf("%s resized to %d x %d\n", w->name, w->w, w->h);
	return w->w == width && w->h == height;
}

/* The detail steps: flat grey checks, then a sharp image at three
 * sizes of B's window. */
static void check_detail(void)
{
	static const int checks_wh[2] = { 4000, 3000 };
	static const int sizes[2][2] = { { 900, 700 }, { 520, 360 } };
	struct test_image checks = { "checks-4000x3000.png", 4000, 3000,
				     { { 0, 0, 0 } }, "" };
	struct test_image blocks = { "blocks-1600x1200.png", 1600, 1200,
				     { { 0, 0, 0 } }, "" };
	SDL_Surface *src, *detail;
	char why[256] = "", file[64];
	int i;

	src = tu_make_checks(checks.w, checks.h);
	CHECK(save_surface(src, scratch_dir, checks.file, checks.path,
			   sizeof(checks.path)) == 0);
	SDL_FreeSurface(src);
	detail = make_blocks(blocks.w, blocks.h);
	CHECK(save_surface(detail, scratch_dir, blocks.file, blocks.path,
			   sizeof(blocks.path)) == 0);

	/* 1-pixel checks: flat grey in A, and in B after M. */
	load_by_keys(&win_a, &checks, "11-a-chooser-checks.png");
	CHECK_MSG(wait_for(&win_a, "12-a-checks.png", is_flat, checks_wh,
			   why, sizeof(why)),
		  "A does not show the checks flat grey: %s", why);
	CHECK(key(&win_b, "m") == 0);
	CHECK_MSG(wait_for(&win_b, "13-b-checks.png", is_flat, checks_wh,
			   why, sizeof(why)),
		  "B does not show the checks flat grey after M: %s", why);
	printf("B, checks: %s\n", why);
	unlink(checks.path);

	/* Detail: the box average of the source, at each size of B. */
	load_by_keys(&win_a, &blocks, "14-a-chooser-blocks.png");
	CHECK_MSG(wait_for(&win_a, "15-a-blocks.png", is_reference, detail,
			   why, sizeof(why)), "A: %s", why);
	CHECK(key(&win_b, "m") == 0);
	CHECK_MSG(wait_for(&win_b, "16-b-blocks.png", is_reference, detail,
			   why, sizeof(why)), "B after M: %s", why);
	for (i = 0; i < 2; i++) {
		CHECK_MSG(resize(&win_b, sizes[i][0], sizes[i][1]),
			  "B did not become %d x %d", sizes[i][0],
			  sizes[i][1]);
		snprintf(file, sizeof(file), "%d-b-blocks-%dx%d.png", 17 + i,
			 win_b.w, win_b.h);
		CHECK_MSG(wait_for(&win_b, file, is_reference, detail, why,
				   sizeof(why)),
			  "B at %d x %d: %s", win_b.w, win_b.h, why);
		printf("B at %d x %d: %s\n", win_b.w, win_b.h, why);
	}
	unlink(blocks.path);
	SDL_FreeSurface(detail);
}

/* ---- the windows ---- */

/* Reads w's place and size from the X server and computes the
 * program's layout for it. Returns 0, or -1 (reason printed). */
static int read_geometry(struct win *w)
{
	int wx = -1, wy = -1, ww = -1, wh = -1;
	const char *line;
	struct tu_proc p;

	/* No window manager runs on our Xvfb: no frame, so this is the
	 * client area's place on the root window. */
	if (XDO(&p, "getwindowgeometry", "--shell", w->id) != 0) {
		fprintf(stderr, "%s: getwindowgeometry failed\n", w->name);
		return -1;
	}
	for (line = p.out; line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		sscanf(line, "X=%d", &wx);
		sscanf(line, "Y=%d", &wy);
		sscanf(line, "WIDTH=%d", &ww);
		sscanf(line, "HEIGHT=%d", &wh);
	}
	if (wx < 0 || wy < 0 || ww <= 0 || wh <= 0) {
		fprintf(stderr, "%s: bad geometry: %s\n", w->name, p.out);
		return -1;
	}
	w->x = wx;
	w->y = wy;
	w->w = ww;
	w->h = wh;
	ui_layout_compute(&w->l, ww, wh, 1.0f);
	return 0;
}

/* Starts sharedmemory for w, finds its mapped window and computes its
 * layout. Returns 0, or -1 (reason printed). */
static int start_window(struct win *w, const char *prog, const char *key,
			const char *position)
{
	char pid[16], *end;
	unsigned long id;
	struct tu_proc p;
	char *argv[] = { (char *)prog, "--key", (char *)key, "--position",
			 (char *)position, NULL };

	if (tu_spawn(&w->proc, argv, child_env) < 0) {
		fprintf(stderr, "%s: cannot start %s: %s\n", w->name, prog,
			strerror(errno));
		return -1;
	}
	snprintf(pid, sizeof(pid), "%d", (int)w->proc.pid);
	/* --all: without it xdotool ORs --pid with --name and finds the
	 * other window too. */
	if (run_tool(&p, (char *[]){ xdotool_bin, "search", "--sync", "--all",
				     "--onlyvisible", "--pid", pid, "--name",
				     "^" TITLE "$", NULL },
		     FIND_WINDOW_MS) != 0) {
		fprintf(stderr, "%s: no window titled \"%s\" for pid %s "
			"within %d ms\n", w->name, TITLE, pid, FIND_WINDOW_MS);
		return -1;
	}
	/* The first match: SDL maps one top-level window per process. */
	id = strtoul(p.out, &end, 10);
	if (end == p.out || id == 0) {
		fprintf(stderr, "%s: xdotool search said '%s'\n", w->name,
			p.out);
		return -1;
	}
	snprintf(w->id, sizeof(w->id), "%lu", id);
	if (read_geometry(w) < 0)
		return -1;
	printf("%s: pid %s, window %s at %d,%d, %dx%d\n", w->name, pid, w->id,
	       w->x, w->y, w->w, w->h);
	return 0;
}

static int key(const struct win *w, char *keysym)
{
	struct tu_proc p;

	return XDO(&p, "key", "--window", (char *)w->id, keysym);
}

static void unlink_shot(const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", shots_dir, file);
	unlink(path);
}

/* F, the path typed into the chooser's name field, Return. The chooser
 * screenshot (path typed, not yet opened) is kept as file. */
static void load_by_keys(const struct win *a, struct test_image *img,
			 const char *file)
{
	SDL_Surface *before, *s;
	struct tu_proc p;
	bool ok;

	before = shot(a, "scratch.png");
	CHECK(before != NULL);
	CHECK(key(a, "f") == 0);
	CHECK(XDO(&p, "type", "--window", (char *)a->id, img->path) == 0);
	s = wait_settled(a, file, before, &ok);
	CHECK_MSG(ok, "%s: the chooser did not show after F", a->name);
	CHECK(key(a, "Return") == 0);
	SDL_FreeSurface(s);
	SDL_FreeSurface(before);
	unlink_shot("scratch.png");
}

/* Screenshots w until img shows (see wait_image) and checks that it
 * did. Returns the last screenshot, or NULL, for the caller's checks. */
static SDL_Surface *expect_image(const struct win *w, const char *file,
				 const struct test_image *img,
				 const char *step)
{
	char why[256] = "";
	SDL_Surface *s;
	SDL_Rect d;
	bool ok;

	s = wait_image(w, file, img, &ok, why, sizeof(why));
	d = ui_fit_image(&w->l.image, img->w, img->h);
	CHECK_MSG(s != NULL, "%s: no screenshot", step);
	CHECK_MSG(ok, "%s: %s does not show %s as %dx%d at %d,%d: %s", step,
		  w->name, img->file, d.w, d.h, d.x, d.y, why);
	return s;
}

/* ---- the scenario, one function a step ---- */

/* What the steps share besides the windows and the tools. */
struct scenario {
	const char *prog;	/* sharedmemory */
	char key[64];		/* the key both windows use */
	int64_t t0;		/* clock_ms() at the start */
};

/* Xvfb, xdotool and import are on $PATH, or the test is skipped (it
 * exits) - except in CI. Returns 0, or -1 when the test failed. */
static int find_tools(void)
{
	const char *miss = NULL;

	if (!find_tool("Xvfb", xvfb_bin, sizeof(xvfb_bin)))
		miss = "Xvfb";
	else if (!find_tool("xdotool", xdotool_bin, sizeof(xdotool_bin)))
		miss = "xdotool";
	else if (!find_tool("import", import_bin, sizeof(import_bin)))
		miss = "import (ImageMagick)";
	if (!miss)
		return 0;

	/* CI installs them (.ci/run): there a skip would hide that this
	 * test never ran. */
	if (in_ci()) {
		printf("FAIL: %s is not installed, and CI is set: the "
		       "real-X-server test must run in CI\n", miss);
		return -1;
	}
	SKIP("%s is not installed (Debian: xvfb, xdotool, imagemagick)",
	     miss);
}

/* The shots directory, and the environment of every child. Returns 0,
 * or -1 (reason printed). */
static int prepare(void)
{
	const char *asan = getenv("ASAN_OPTIONS");

	if (mkdir(shots_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "cannot make %s: %s\n", shots_dir,
			strerror(errno));
		return -1;
	}

	/* In the sanitizer build, LeakSanitizer finds leaks in SDL 2.26's
	 * X11 backend when a window exits: its D-Bus connection (SDL only
	 * shuts D-Bus down from 2.30 on) and a few blocks of libraries it
	 * has dlclose()d by then, which no suppression can name. So the
	 * windows here run with leak checks off (every other ASan check
	 * stays on); the dummy-driver GUI test checks the program's own
	 * leaks. Later options win, so the inherited ones are kept. */
	snprintf(asan_var, sizeof(asan_var), "ASAN_OPTIONS=%s%sdetect_leaks=0",
		 asan ? asan : "", asan && *asan ? ":" : "");
	return 0;
}

/* Cleanup on every exit, the watchdog, Xvfb, the test images and the
 * key. Returns 0, or -1 (reason printed). */
static int start_server(struct scenario *sc)
{
	int n;

	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGALRM, on_signal);
	alarm(WATCHDOG_S);

	n = start_xvfb();
	if (n < 0) {
		printf("FAIL: cannot start Xvfb on a free display from :%d "
		       "(see %s/xvfb.log)\n", DISPLAY_FIRST, shots_dir);
		return -1;
	}
	printf("Xvfb on :%d (%d ms)\n", n, (int)(clock_ms() - sc->t0));

	if (tu_tmpdir("x11", scratch_dir, sizeof(scratch_dir)) < 0 ||
	    save_test_image(&small_img, scratch_dir) < 0 ||
	    save_test_image(&big_img, scratch_dir) < 0) {
		printf("FAIL: cannot write the test images: %s\n",
		       SDL_GetError());
		return -1;
	}
	snprintf(sc->key, sizeof(sc->key), "x11-%d", (int)getpid());
	return 0;
}

/* A on the left, B on the right. Returns 0, or -1 (a failed check). */
static int open_windows(const struct scenario *sc)
{
	if (start_window(&win_a, sc->prog, sc->key, "left") < 0 ||
	    start_window(&win_b, sc->prog, sc->key, "right") < 0) {
		CHECK_MSG(false, "both windows must appear");
		return -1;
	}
	CHECK_MSG(win_a.x + win_a.w <= win_b.x,
		  "--position left/right: A (%d..%d) is not left of B (%d)",
		  win_a.x, win_a.x + win_a.w, win_b.x);
	return 0;
}

/* B, nothing shared yet: M must replace the hint with the attach
 * message, and no image colour may appear. Returns 0, or -1 when B drew
 * nothing at all. */
static int step_nothing_shared(void)
{
	SDL_Surface *hint, *s;
	bool ok;

	hint = wait_settled(&win_b, "1-b-hint.png", NULL, &ok);
	CHECK_MSG(hint && ok, "B did not draw its first frame");
	if (!hint)
		return -1;
	CHECK_MSG(text_pixels(hint, &win_b) > 0, "B shows no hint text");
	CHECK(key(&win_b, "m") == 0);
	s = wait_settled(&win_b, "2-b-m-nothing-shared.png", hint, &ok);
	CHECK_MSG(ok, "B's window did not change after M");
	if (s) {
		CHECK_MSG(changed_pixels(s, hint, &win_b.l.image) > 0,
			  "M with nothing shared left B's image area as it "
			  "was");
		CHECK_MSG(text_pixels(s, &win_b) > 0,
			  "B shows no message after M with nothing shared");
		CHECK_MSG(colour_pixels(s, &win_b, &small_img) == 0 &&
			  colour_pixels(s, &win_b, &big_img) == 0,
			  "B shows image colours with nothing shared");
	}
	SDL_FreeSurface(s);
	SDL_FreeSurface(hint);
	return 0;
}

/* A loads the small image by keys: natural size, centred; B's M key
 * shows the same pixels. Then A loads the big image: scaled down,
 * aspect kept. */
static void step_load_by_keys(void)
{
	load_by_keys(&win_a, &small_img, "3-a-chooser.png");
	SDL_FreeSurface(expect_image(&win_a, "4-a-loaded.png", &small_img,
				     "A after F, path, Return"));
	CHECK(key(&win_b, "m") == 0);
	SDL_FreeSurface(expect_image(&win_b, "5-b-m.png", &small_img,
				     "B after M"));
	load_by_keys(&win_a, &big_img, "6-a-chooser-again.png");
	SDL_FreeSurface(expect_image(&win_a, "7-a-reloaded.png", &big_img,
				     "A after loading again"));
}

/* B holds its own copy: it shows the old image until asked. */
static void step_b_keeps_copy(void)
{
	char why[256] = "";
	SDL_Surface *prev = shot(&win_b, "8-b-before-click.png");

	CHECK(prev != NULL);
	if (prev) {
		CHECK_MSG(image_mismatches(prev, &win_b, &small_img, why,
					   sizeof(why)) == 0,
			  "B lost its image before the click: %s", why);
		CHECK_MSG(colour_pixels(prev, &win_b, &big_img) == 0,
			  "B shows the new image before the click");
	}
	SDL_FreeSurface(prev);
}

/* B: a real click (XTEST pointer) on the bottom button's centre. */
static void step_click(void)
{
	char cx[16], cy[16];
	struct tu_proc p;
	SDL_Surface *s;

	snprintf(cx, sizeof(cx), "%d",
		 win_b.x + win_b.l.show.x + win_b.l.show.w / 2);
	snprintf(cy, sizeof(cy), "%d",
		 win_b.y + win_b.l.show.y + win_b.l.show.h / 2);
	CHECK(XDO(&p, "mousemove", "--sync", cx, cy, "click", "1") == 0);
	s = expect_image(&win_b, "9-b-click.png", &big_img,
			 "B after a click on Display Image From Shared Memory");
	if (s)
		CHECK_MSG(colour_pixels(s, &win_b, &small_img) == 0,
			  "B still shows the old image after the click");
	SDL_FreeSurface(s);
}

/* Follow: A goes; W in B; a new owner's image shows without M. */
static void step_follow(const struct scenario *sc)
{
	key(&win_a, "Escape");
	CHECK_MSG(tu_wait(&win_a.proc, 5000) == 0 &&
		  tu_exit_code(&win_a.proc) == 0,
		  "A did not exit 0 on Esc: %s", win_a.proc.err);
	CHECK(key(&win_b, "w") == 0);
	CHECK(tu_put_spawn(&put_proc, shmimage_bin, sc->key, small_img.path,
			   NULL, child_env) == 0);
	CHECK_MSG(tu_put_served(&put_proc, SHOW_MS, NULL, 0) == 0,
		  "shmimage put said nothing: %s", put_proc.err);
	SDL_FreeSurface(expect_image(&win_b, "19-b-followed.png", &small_img,
				     "B following, after a new owner's put "
				     "(no M)"));
}

/* The whole screen, for people; then Esc closes B with status 0, as it
 * closed A. xdotool's own status is not judged there: the window may
 * vanish while it still talks to it (BadWindow), which is the point. */
static void step_close(void)
{
	char root[PATH_MAX];
	struct tu_proc p;

	snprintf(root, sizeof(root), "%s/20-screen.png", shots_dir);
	CHECK(run_tool(&p, (char *[]){ import_bin, "-window", "root", root,
				       NULL }, TOOL_MS) == 0);
	key(&win_b, "Escape");
	CHECK_MSG(tu_wait(&win_b.proc, 5000) == 0 &&
		  tu_exit_code(&win_b.proc) == 0,
		  "B did not exit 0 on Esc: %s", win_b.proc.err);
}

int main(int argc, char **argv)
{
	struct scenario sc = { .t0 = clock_ms() };

	if (argc != 4) {
		fprintf(stderr, "usage: %s SHAREDMEMORY SHOTS_DIR SHMIMAGE\n",
			argv[0]);
		return 2;
	}
	sc.prog = argv[1];
	shots_dir = argv[2];
	shmimage_bin = argv[3];
	if (find_tools() < 0 || prepare() < 0 || start_server(&sc) < 0)
		return EXIT_FAILURE;
	if (open_windows(&sc) < 0 || step_nothing_shared() < 0)
		return check_done();
	step_load_by_keys();
	step_b_keeps_copy();
	step_click();
	check_detail();
	step_follow(&sc);
	step_close();
	printf("screenshots in %s; %d ms\n", shots_dir,
	       (int)(clock_ms() - sc.t0));
	return check_done();
}
