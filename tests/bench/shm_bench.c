/* shm_bench - what handing an image over through shared memory costs, next
 * to what the machine can do at best and to the PNG round trip the Qt
 * example makes.
 *
 *   shm-bench [--json] [--quick] [--sizes N,N,...] [--image FILE]
 *             [--cases LIST] [--runs N] [--idle-seconds S]
 *             [--window PATH] [--all] [--keep]
 *
 * Every case runs once to warm up (page cache, lazy binding, allocator),
 * then several times; it reports the median and the minimum. A case with
 * a baseline runs interleaved with it (case, baseline, case, ...) so both
 * see the same machine, and the ratio is case median / baseline median of
 * the same run. Readers are separate processes: this program forks and
 * executes itself in a child role, and the child sends its timings back
 * through a pipe. Images are generated here (a deterministic PRNG) and
 * saved as PNG in a temporary folder, or come from --image.
 *
 * Not a test: ctest does not run it and it never fails on a slow figure.
 * The targets of the project are printed next to the figures instead.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/share.h"

extern char **environ;

#define MAX_SIZES 8
#define MAX_IMAGES (2 * MAX_SIZES)
#define MAX_RUNS 64
#define MAX_RESULTS 128
#define MAX_EXTRAS 8
#define RATE_READERS_MAX 16
#define RATE_MAX_SAMPLES 400000
#define MIB (1024.0 * 1024.0)

/* Bigger than anything generated here: the bench measures, it does not
 * enforce the application's default limit. */
#define BENCH_MAX_BYTES (1ull << 30)

/* Serialising a 8192 x 8192 photo-like PNG takes some 15 s a run: left
 * out unless --all, so the whole run stays within a few minutes. */
#define SERIALIZE_MAX_PIXELS (4096u * 4096u)

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(fmod(ms, 1000.0) * 1e6),
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
							noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("shm-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Progress goes to stderr, so stdout is only the table or the JSON. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place. */
static double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double minimum(const double *v, int n)
{
	double m = INFINITY;

	for (int i = 0; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return n > 0 ? m : NAN;
}

/* xorshift64*: deterministic, fast, good enough for pixel noise. */
static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* Peak and current resident set of this process, in KiB. */
static void read_rss(long *hwm_kb, long *rss_kb)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	*hwm_kb = *rss_kb = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmHWM: %ld", hwm_kb);
		sscanf(line, "VmRSS: %ld", rss_kb);
	}
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static struct {
	bool json, quick, all, keep;
	const char *image;
	const char *cases;
	const char *window;
	int sizes[MAX_SIZES];
	int nsizes;
	int max_runs;		/* measured runs when time allows */
	int min_runs;		/* measured runs whatever the time */
	double budget_ms;	/* a case runs until it has spent this */
	double idle_s;
} opt = {
	.sizes = { 1024, 2048, 4096, 8192 },
	.nsizes = 4,
	.max_runs = 7,
	.min_runs = 3,
	.budget_ms = 6500,
	.idle_s = 10,
};

static bool want(const char *name)
{
	size_t n = strlen(name);
	const char *p = opt.cases;

	if (!p)
		return true;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

/* How many measured runs fit the budget when one iteration (the case and
 * its baselines) took iter_ms in the warm-up. */
static int runs_for(double iter_ms, int min_runs, int max_runs,
		    double budget_ms)
{
	int n = iter_ms > 0 ? (int)(budget_ms / iter_ms) : max_runs;

	if (n > max_runs)
		n = max_runs;
	if (n < min_runs)
		n = min_runs;
	return n;
}

/* ------------------------------------------------------------------ */
/* Results: a table for people, a JSON object per line for programs    */

struct extra {
	const char *key;
	double value;
	int decimals;
};

struct result {
	char name[40];
	char image[16];		/* noisy, flat, file */
	char role[24];		/* rss: who was measured */
	char skipped[256];	/* why it did not run, or "" */
	int width, height;
	int runs;
	double median_ms, min_ms;
	const char *baseline;
	double base_median_ms, base_min_ms, ratio;
	struct extra extra[MAX_EXTRAS];
	int nextra;
	const char *target;	/* in words, or NULL */
	int met;		/* 1 met, 0 missed, -1 no target here */
};

static struct result results[MAX_RESULTS];
static int nresults;

static struct result *result_new(const char *name, const char *image,
				 int w, int h)
{
	struct result *r;

	if (nresults == MAX_RESULTS)
		die("too many results");
	r = &results[nresults++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->image, sizeof(r->image), "%s", image ? image : "");
	r->width = w;
	r->height = h;
	r->median_ms = r->min_ms = NAN;
	r->base_median_ms = r->base_min_ms = r->ratio = NAN;
	r->met = -1;
	return r;
}

static void result_extra(struct result *r, const char *key, double value,
			 int decimals)
{
	if (r->nextra < MAX_EXTRAS)
		r->extra[r->nextra++] = (struct extra){ key, value, decimals };
}

static void result_target(struct result *r, const char *target, bool met)
{
	r->target = target;
	r->met = met;
}

static void json_number(FILE *out, const char *key, double v, int decimals)
{
	if (isnan(v) || isinf(v))
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":%.*f", key, decimals, v);
}

static void print_json(FILE *out, const struct result *r)
{
	fprintf(out, "{\"case\":\"%s\"", r->name);
	if (r->image[0])
		fprintf(out, ",\"image\":\"%s\"", r->image);
	if (r->role[0])
		fprintf(out, ",\"role\":\"%s\"", r->role);
	fprintf(out, ",\"width\":%d,\"height\":%d,\"runs\":%d", r->width,
		r->height, r->runs);
	json_number(out, "median_ms", r->median_ms, 3);
	json_number(out, "min_ms", r->min_ms, 3);
	if (r->baseline) {
		fprintf(out, ",\"baseline\":\"%s\"", r->baseline);
		json_number(out, "baseline_median_ms", r->base_median_ms, 3);
		json_number(out, "baseline_min_ms", r->base_min_ms, 3);
		json_number(out, "ratio", r->ratio, 3);
	}
	for (int i = 0; i < r->nextra; i++)
		json_number(out, r->extra[i].key, r->extra[i].value,
			    r->extra[i].decimals);
	if (r->target) {
		fprintf(out, ",\"target\":\"%s\",\"target_met\":%s", r->target,
			r->met ? "true" : "false");
	}
	if (r->skipped[0])
		fprintf(out, ",\"skipped\":\"%s\"", r->skipped);
	fputs("}\n", out);
	fflush(out);
}

static void fmt_ms(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (v >= 100)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.2f", v);
}

static void print_table(FILE *out)
{
	fprintf(out, "%-24s %-6s %-10s %5s %9s %9s  %-13s %9s %7s  %-18s %s\n",
		"case", "image", "size", "runs", "median_ms", "min_ms",
		"baseline", "base_ms", "ratio", "target", "notes");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char name[64], size[24], med[16], min[16], bmed[16];
		char ratio[16], target[40], notes[256];
		size_t used = 0;

		snprintf(name, sizeof(name), "%s%s%s", r->name,
			 r->role[0] ? "/" : "", r->role);
		snprintf(size, sizeof(size), "%dx%d", r->width, r->height);
		fmt_ms(med, sizeof(med), r->median_ms);
		fmt_ms(min, sizeof(min), r->min_ms);
		fmt_ms(bmed, sizeof(bmed), r->base_median_ms);
		if (isnan(r->ratio))
			snprintf(ratio, sizeof(ratio), "-");
		else
			snprintf(ratio, sizeof(ratio), "%.3f", r->ratio);
		if (r->target)
			snprintf(target, sizeof(target), "%s %s", r->target,
				 r->met ? "MET" : "MISSED");
		else
			snprintf(target, sizeof(target), "-");
		notes[0] = '\0';
		for (int k = 0; k < r->nextra && used < sizeof(notes); k++)
			used += (size_t)snprintf(notes + used,
						 sizeof(notes) - used,
						 "%s%s=%.*f", k ? " " : "",
						 r->extra[k].key,
						 r->extra[k].decimals,
						 r->extra[k].value);
		if (r->skipped[0] && used < sizeof(notes))
			snprintf(notes + used, sizeof(notes) - used,
				 "%sskipped: %s", used ? " " : "", r->skipped);
		fprintf(out, "%-24s %-6s %-10s %5d %9s %9s  %-13s %9s %7s  "
			"%-18s %s\n", name, r->image, size, r->runs, med, min,
			r->baseline ? r->baseline : "-", bmed, ratio, target,
			notes);
	}
	fflush(out);
}

static void emit(const struct result *r)
{
	if (opt.json)
		print_json(stdout, r);
}

/* ------------------------------------------------------------------ */
/* Test images                                                         */

struct image {
	char kind[8];		/* noisy, flat or file */
	int w, h;
	char path[PATH_MAX];
};

static struct image images[MAX_IMAGES];
static int nimages;
static char tmpdir[PATH_MAX];

/* Photo-like: smooth gradients with per-pixel sensor noise of +-16, RGB
 * without alpha (what SDL_image returns for a photo: RGB24). It compresses
 * to about 60 % of its raw size, as photographs do. */
static SDL_Surface *make_noisy(int n)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, n, n, 24,
							SDL_PIXELFORMAT_RGB24);

	if (!s)
		die("cannot make a %dx%d surface: %s", n, n, SDL_GetError());
	rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
	for (int y = 0; y < n; y++) {
		uint8_t *p = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;

		for (int x = 0; x < n; x++) {
			uint32_t r = rng();
			int base[3] = {
				x * 255 / n,
				y * 255 / n,
				(x + y) * 255 / (2 * n),
			};

			for (int c = 0; c < 3; c++) {
				int v = base[c] + (int)((r >> (8 * c)) & 0xff) /
						  8 - 16;

				p[3 * x + c] = (uint8_t)(v < 0 ? 0 :
							 v > 255 ? 255 : v);
			}
		}
	}
	return s;
}

/* Drawing-like: large areas of one colour, one of them fully transparent
 * and a band half transparent, RGBA (SDL_image returns RGBA32). */
static SDL_Surface *make_flat(int n)
{
	static const uint32_t colours[] = {
		0xffd0d0d0, 0xff2040c0, 0xff20a040, 0xffc03020, 0x00000000,
		0x80f0c000,
	};
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, n, n, 32,
							SDL_PIXELFORMAT_RGBA32);

	if (!s)
		die("cannot make a %dx%d surface: %s", n, n, SDL_GetError());
	for (int y = 0; y < n; y++) {
		uint8_t *p = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;

		for (int x = 0; x < n; x++) {
			int band = (x * 3 / n) + 3 * (y * 2 / n);
			uint32_t c = colours[band % 6];

			p[4 * x + 0] = (uint8_t)(c >> 16);
			p[4 * x + 1] = (uint8_t)(c >> 8);
			p[4 * x + 2] = (uint8_t)c;
			p[4 * x + 3] = (uint8_t)(c >> 24);
		}
	}
	return s;
}

static void remove_tmpdir(void)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX + 256];

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmpdir);
}

static void add_generated(const char *kind, int n)
{
	struct image *im = &images[nimages++];
	SDL_Surface *s;
	double t = now_ms();

	snprintf(im->kind, sizeof(im->kind), "%s", kind);
	im->w = im->h = n;
	if (snprintf(im->path, sizeof(im->path), "%s/%s-%d.png", tmpdir, kind,
		     n) >= (int)sizeof(im->path))
		die("path too long: %s", tmpdir);
	s = strcmp(kind, "noisy") == 0 ? make_noisy(n) : make_flat(n);
	if (IMG_SavePNG(s, im->path) < 0)
		die("cannot write %s: %s", im->path, IMG_GetError());
	SDL_FreeSurface(s);
	note("  generated %s (%.1f s)", im->path, (now_ms() - t) / 1000);
}

static void prepare_images(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/shm-bench-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp %s: %s", tmpdir, strerror(errno));
	if (!opt.keep)
		atexit(remove_tmpdir);

	if (opt.image) {
		struct image *im = &images[nimages++];
		SDL_Surface *s = IMG_Load(opt.image);

		if (!s)
			die("%s: %s", opt.image, IMG_GetError());
		snprintf(im->kind, sizeof(im->kind), "file");
		im->w = s->w;
		im->h = s->h;
		if (!realpath(opt.image, im->path))
			die("%s: %s", opt.image, strerror(errno));
		SDL_FreeSurface(s);
		return;
	}
	note("generating test images in %s", tmpdir);
	for (int i = 0; i < opt.nsizes; i++) {
		add_generated("noisy", opt.sizes[i]);
		add_generated("flat", opt.sizes[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Child processes                                                     */

/* Starts this program again as a child in role argv[2..]; keep lists fds
 * the child must inherit (their numbers are in argv already). env, when
 * not NULL, is one "NAME=value" added to the environment. The child dies
 * with us (PR_SET_PDEATHSIG), so an interrupted run leaves no reader. */
static pid_t spawn(char *const argv[], const int *keep, int nkeep,
		   const char *env)
{
	static char *envp[512];
	int n = 0;
	pid_t pid;

	for (char **e = environ; *e && n < 510; e++)
		envp[n++] = *e;
	if (env)
		envp[n++] = (char *)env;
	envp[n] = NULL;

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec: the
		 * parent has threads (the name server). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int i = 0; i < nkeep; i++)
			fcntl(keep[i], F_SETFD, 0);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	return pid;
}

/* Reads everything the child writes until it closes the pipe, then reaps
 * it. Returns a malloc'd NUL-ended buffer; *ok tells a clean exit. */
static char *collect(pid_t pid, int fd, bool *ok)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int status;
	ssize_t n;

	if (!buf)
		die("out of memory");
	for (;;) {
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return buf;
}

/* The line of out that starts with "error ", for a failed child. */
static void child_error(const char *out, char *why, size_t size)
{
	const char *e = strstr(out, "error ");

	if (e) {
		size_t n = strcspn(e + 6, "\n");

		snprintf(why, size, "%.*s", (int)n, e + 6);
	} else {
		snprintf(why, size, "the child process failed");
	}
}

/* Runs a child role to completion; returns its output (malloc'd) or NULL
 * with the reason in why. */
static char *run_child(char *const argv[], const char *env, char *why,
		       size_t whysize)
{
	int p[2];
	char fdarg[16], **args;
	bool ok;
	char *out;
	int argc = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	while (argv[argc])
		argc++;
	args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args)
		die("out of memory");
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	args[0] = (char *)"shm-bench";
	args[1] = (char *)"--child";
	args[2] = fdarg;
	for (int i = 0; i < argc; i++)
		args[3 + i] = argv[i];
	pid = spawn(args, &p[1], 1, env);
	close(p[1]);
	free(args);
	out = collect(pid, p[0], &ok);
	if (!ok) {
		child_error(out, why, whysize);
		free(out);
		return NULL;
	}
	return out;
}

/* ------------------------------------------------------------------ */
/* Child roles (run in the exec'd child)                               */

enum copy_mode { MODE_RGBA, MODE_SURFACE, MODE_TEXTURE };

static FILE *child_out;

static void child_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
							      noreturn));
static void child_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("error ", child_out);
	va_start(ap, fmt);
	vfprintf(child_out, fmt, ap);
	va_end(ap);
	fputc('\n', child_out);
	fclose(child_out);
	exit(1);
}

struct reader {
	enum copy_mode mode;
	const char *key;
	SDL_Window *window;
	SDL_Renderer *renderer;
	uint32_t width, height;
};

static void reader_init(struct reader *rd, const char *mode, const char *key)
{
	memset(rd, 0, sizeof(*rd));
	rd->key = key;
	if (strcmp(mode, "rgba") == 0) {
		rd->mode = MODE_RGBA;
	} else if (strcmp(mode, "surface") == 0) {
		rd->mode = MODE_SURFACE;
	} else if (strcmp(mode, "texture") == 0) {
		rd->mode = MODE_TEXTURE;
		/* What the window draws with under the dummy driver. */
		if (SDL_Init(SDL_INIT_VIDEO) < 0)
			child_fail("SDL_Init: %s", SDL_GetError());
		rd->window = SDL_CreateWindow("shm-bench", 0, 0, 451, 322,
					      SDL_WINDOW_HIDDEN);
		if (!rd->window)
			child_fail("SDL_CreateWindow: %s", SDL_GetError());
		rd->renderer = SDL_CreateRenderer(rd->window, -1,
						  SDL_RENDERER_SOFTWARE);
		if (!rd->renderer)
			child_fail("SDL_CreateRenderer: %s", SDL_GetError());
	} else {
		child_fail("unknown reader mode %s", mode);
	}
}

/* What one attach + copy-out leaves the reader holding. */
struct held {
	struct img_rgba rgba;
	SDL_Surface *surf;
	SDL_Texture *tex;
};

/* One attach + copy-out as the mode does it. */
static void reader_attach(struct reader *rd, struct held *h)
{
	struct err err;

	h->rgba = IMG_RGBA_EMPTY;
	h->surf = NULL;
	h->tex = NULL;
	switch (rd->mode) {
	case MODE_RGBA:
		if (img_attach_rgba(rd->key, &h->rgba, &err) < 0)
			child_fail("%s", err.msg);
		break;
	case MODE_SURFACE:
		h->surf = img_attach(rd->key, &err);
		if (!h->surf)
			child_fail("%s", err.msg);
		break;
	case MODE_TEXTURE:
		h->tex = img_attach_texture(rd->renderer, rd->key, &err);
		if (!h->tex)
			child_fail("%s", err.msg);
		break;
	}
}

/* Frees what reader_attach() left and notes the image size. */
static void reader_release(struct reader *rd, struct held *h)
{
	int w = 0, h_ = 0;

	if (h->surf) {
		w = h->surf->w;
		h_ = h->surf->h;
		SDL_FreeSurface(h->surf);
	}
	if (h->rgba.pixels) {
		w = (int)h->rgba.width;
		h_ = (int)h->rgba.height;
		img_rgba_free(&h->rgba);
	}
	if (h->tex) {
		SDL_QueryTexture(h->tex, NULL, NULL, &w, &h_);
		SDL_DestroyTexture(h->tex);
	}
	rd->width = (uint32_t)w;
	rd->height = (uint32_t)h_;
}

/* One attach + copy-out; returns its time in ms. Releasing the result
 * is not timed: a real reader keeps it. */
static double reader_once(struct reader *rd)
{
	struct held h;
	double t0, t1;

	t0 = now_ms();
	reader_attach(rd, &h);
	t1 = now_ms();
	reader_release(rd, &h);
	return t1 - t0;
}

static void reader_finish(struct reader *rd)
{
	if (rd->renderer)
		SDL_DestroyRenderer(rd->renderer);
	if (rd->window)
		SDL_DestroyWindow(rd->window);
}

/* A touched buffer: every page faulted in and written. */
static uint8_t *touched(size_t bytes, int value)
{
	uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		child_fail("mmap %zu: %s", bytes, strerror(errno));
	memset(p, value, bytes);
	return p;
}

/* memcpy_fresh: what any copy-out pays, one memcpy into memory just
 * allocated (fresh pages, so the first touch faults them in). mmap is
 * what malloc does for buffers this size; using it directly keeps small
 * sizes from being served warm from the heap. */
static double copy_fresh(const uint8_t *src, size_t bytes)
{
	double t0 = now_ms(), t1;
	uint8_t *dst = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (dst == MAP_FAILED)
		child_fail("mmap %zu: %s", bytes, strerror(errno));
	memcpy(dst, src, bytes);
	t1 = now_ms();
	munmap(dst, bytes);
	return t1 - t0;
}

/* memcpy_warm: the same copy between two touched buffers, the bandwidth
 * limit of a copy on this machine. */
static double copy_warm(uint8_t *dst, const uint8_t *src, size_t bytes)
{
	double t0 = now_ms();

	memcpy(dst, src, bytes);
	/* Keep the compiler from dropping a copy nobody reads. */
	__asm__ volatile("" : : "r"(dst) : "memory");
	return now_ms() - t0;
}

/* copy MODE KEY MAXRUNS MINRUNS BUDGET_MS: attach-and-copy against both
 * memcpy baselines, interleaved. Prints "size W H" then one line
 * "run CASE FRESH WARM" per measured run. */
static int child_copy(char **argv)
{
	struct reader rd;
	int max_runs = atoi(argv[2]), min_runs = atoi(argv[3]);
	double budget = atof(argv[4]);
	double first, iter;
	uint8_t *src, *warm;
	size_t bytes;
	int runs;

	reader_init(&rd, argv[0], argv[1]);
	first = reader_once(&rd);
	(void)first;
	bytes = (size_t)rd.width * rd.height * 4u;
	src = touched(bytes, 0x5a);
	warm = touched(bytes, 0xa5);

	/* Warm-up iteration, which also sizes the number of runs. */
	iter = reader_once(&rd) + copy_fresh(src, bytes) +
	       copy_warm(warm, src, bytes);
	runs = runs_for(iter, min_runs, max_runs, budget);

	fprintf(child_out, "size %" PRIu32 " %" PRIu32 "\n", rd.width,
		rd.height);
	for (int i = 0; i < runs; i++) {
		double c = reader_once(&rd);
		double f = copy_fresh(src, bytes);
		double w = copy_warm(warm, src, bytes);

		fprintf(child_out, "run %.4f %.4f %.4f\n", c, f, w);
	}
	reader_finish(&rd);
	return 0;
}

/* What one attach is, for attach_rate: connect by key, receive the fd,
 * check and map the segment, lock, check it is complete, unlock, unmap,
 * close. Everything but the pixel copy. */
static int attach_once(const char *key, struct err *err)
{
	struct seg seg;
	int rc = 0;

	if (share_attach(key, &seg, err) < 0)
		return -1;
	if (seg_lock(&seg, SEG_LOCK_TIMEOUT_MS, err) < 0) {
		rc = -1;
	} else {
		if (((const struct seg_header *)seg.map)->state !=
		    SEG_STATE_COMPLETE) {
			err_set(err, "image incomplete");
			rc = -1;
		}
		seg_unlock(&seg);
	}
	seg_finish(&seg);
	return rc;
}

/* rate KEY GO_FD SECONDS: attaches in a loop for SECONDS once GO_FD is
 * closed by the parent (so all readers start together). Prints "rate
 * COUNT ELAPSED_MS MEDIAN_MS MIN_MS". */
static int child_rate(char **argv)
{
	const char *key = argv[0];
	int go = atoi(argv[1]);
	double seconds = atof(argv[2]);
	double *lat = malloc(RATE_MAX_SAMPLES * sizeof(*lat));
	double start, end, t0;
	struct err err;
	int n = 0;
	char c;

	if (!lat)
		child_fail("out of memory");
	for (int i = 0; i < 20; i++)
		if (attach_once(key, &err) < 0)
			child_fail("%s", err.msg);
	fputs("ready\n", child_out);
	fflush(child_out);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	start = now_ms();
	do {
		t0 = now_ms();
		if (attach_once(key, &err) < 0)
			child_fail("%s", err.msg);
		end = now_ms();
		if (n < RATE_MAX_SAMPLES)
			lat[n++] = end - t0;
	} while (end - start < seconds * 1000);
	fprintf(child_out, "rate %d %.3f %.5f %.5f\n", n, end - start,
		median(lat, n), minimum(lat, n));
	free(lat);
	return 0;
}

/* rss-owner KEY FILE: publishes FILE as the window's load would, then
 * reports the peak RSS. Prints "rss HWM_KB BEFORE_KB MS". */
static int child_rss_owner(char **argv)
{
	const struct img_limits lim = { .max_bytes = BENCH_MAX_BYTES };
	struct share *share;
	struct err err;
	long hwm0, rss0, hwm, rss;
	double t0, t1;

	read_rss(&hwm0, &rss0);
	share = share_create(argv[0], &err);
	if (!share)
		child_fail("%s", err.msg);
	t0 = now_ms();
	if (img_publish_file(share, argv[1], &lim, &err) != IMG_OK)
		child_fail("%s", err.msg);
	t1 = now_ms();
	read_rss(&hwm, &rss);
	fprintf(child_out, "rss %ld %ld %.3f\n", hwm, rss0, t1 - t0);
	share_destroy(share);
	return 0;
}

/* rss-reader MODE KEY: one attach + copy-out, then the peak RSS with the
 * copy still held. Prints "rss HWM_KB BEFORE_KB MS". */
static int child_rss_reader(char **argv)
{
	struct reader rd;
	struct held h;
	long hwm0, rss0, hwm, rss;
	double t0, t1;

	reader_init(&rd, argv[0], argv[1]);
	read_rss(&hwm0, &rss0);
	t0 = now_ms();
	reader_attach(&rd, &h);
	t1 = now_ms();
	read_rss(&hwm, &rss);
	fprintf(child_out, "rss %ld %ld %.3f\n", hwm, rss0, t1 - t0);
	reader_release(&rd, &h);
	reader_finish(&rd);
	return 0;
}

/* argv: --child FD ROLE ARGS... */
static int child_main(int argc, char **argv)
{
	int fd, rc = 2;

	if (argc < 4)
		return 2;
	fd = atoi(argv[2]);
	child_out = fdopen(fd, "w");
	if (!child_out)
		return 2;
	if (strcmp(argv[3], "copy") == 0 && argc == 9)
		rc = child_copy(argv + 4);
	else if (strcmp(argv[3], "rate") == 0 && argc == 7)
		rc = child_rate(argv + 4);
	else if (strcmp(argv[3], "rss-owner") == 0 && argc == 6)
		rc = child_rss_owner(argv + 4);
	else if (strcmp(argv[3], "rss-reader") == 0 && argc == 6)
		rc = child_rss_reader(argv + 4);
	else
		child_fail("bad child role");
	fclose(child_out);
	SDL_Quit();
	return rc;
}

/* ------------------------------------------------------------------ */
/* The owner side and the cases                                        */

static struct share *owner;	/* what the reader children attach to */
static char key_base[48];
static char owner_key[64];
static const struct img_limits bench_limits = { .max_bytes =
							BENCH_MAX_BYTES };

static bool is_target_size(const struct image *im)
{
	return im->w == 4096 && im->h == 4096;
}

/* Over 4096 x 4096: only the cases with a target run, to keep the whole
 * run within a few minutes. */
static bool is_huge(const struct image *im)
{
	return (uint64_t)im->w * (uint64_t)im->h > 4096u * 4096u && !opt.all;
}

static void publish_for_readers(const struct image *im)
{
	struct err err;

	if (img_publish_file(owner, im->path, &bench_limits, &err) != IMG_OK)
		die("publishing %s: %s", im->path, err.msg);
}

/* publish: PNG file -> pixels in a sealed, attachable segment, against
 * SDL_image decoding the same file alone. Every publish run gets a fresh
 * share, so freeing the previous segment is never counted. */
static void case_publish(const struct image *im)
{
	double dec[MAX_RUNS], pub[MAX_RUNS];
	char key[96];
	struct result *r;
	int runs = opt.min_runs;

	snprintf(key, sizeof(key), "%s.publish", key_base);
	for (int i = -1; i < runs; i++) {
		struct share *share;
		SDL_Surface *s;
		struct err err;
		double t0, td, tp;

		t0 = now_ms();
		s = IMG_Load(im->path);
		td = now_ms() - t0;
		if (!s)
			die("%s: %s", im->path, IMG_GetError());
		SDL_FreeSurface(s);

		share = share_create(key, &err);
		if (!share)
			die("%s", err.msg);
		t0 = now_ms();
		if (img_publish_file(share, im->path, &bench_limits, &err) !=
		    IMG_OK)
			die("publish %s: %s", im->path, err.msg);
		tp = now_ms() - t0;
		share_destroy(share);

		if (i < 0) {
			runs = runs_for(td + tp, opt.min_runs, opt.max_runs,
					opt.budget_ms);
			continue;
		}
		dec[i] = td;
		pub[i] = tp;
	}
	r = result_new("publish", im->kind, im->w, im->h);
	r->runs = runs;
	r->min_ms = minimum(pub, runs);
	r->median_ms = median(pub, runs);
	r->baseline = "decode";
	r->base_min_ms = minimum(dec, runs);
	r->base_median_ms = median(dec, runs);
	r->ratio = r->median_ms / r->base_median_ms;
	if (is_target_size(im))
		result_target(r, "ratio<=1.10", r->ratio <= 1.10);
	emit(r);
}

/* attach_copy per image (median, minimum): the baseline of
 * serialize_roundtrip. */
static double attach_copy_ms[MAX_IMAGES], attach_copy_min_ms[MAX_IMAGES];

/* Runs a copy child in mode against a published image and records the
 * case under name. Returns the case median, or NAN. */
static double case_copy(const struct image *im, const char *name,
			const char *mode, const char *env)
{
	char maxr[16], minr[16], budget[32], why[256];
	char *argv[] = { (char *)"copy", (char *)mode, owner_key, maxr, minr,
			 budget, NULL };
	double c[MAX_RUNS], f[MAX_RUNS], w[MAX_RUNS];
	double warm_median;
	struct result *r;
	char *out, *line;
	int n = 0, width = 0, height = 0;

	snprintf(maxr, sizeof(maxr), "%d", opt.max_runs);
	snprintf(minr, sizeof(minr), "%d", opt.min_runs);
	snprintf(budget, sizeof(budget), "%.0f", opt.budget_ms);
	r = result_new(name, im->kind, im->w, im->h);
	out = run_child(argv, env, why, sizeof(why));
	if (!out) {
		snprintf(r->skipped, sizeof(r->skipped), "%s", why);
		emit(r);
		return NAN;
	}
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "size %d %d", &width, &height) == 2)
			continue;
		if (n < MAX_RUNS &&
		    sscanf(line, "run %lf %lf %lf", &c[n], &f[n], &w[n]) == 3)
			n++;
	}
	free(out);
	r->runs = n;
	r->min_ms = minimum(c, n);
	r->median_ms = median(c, n);
	r->baseline = "memcpy_fresh";
	r->base_min_ms = minimum(f, n);
	r->base_median_ms = median(f, n);
	r->ratio = r->median_ms / r->base_median_ms;
	warm_median = median(w, n);
	result_extra(r, "memcpy_warm_median_ms", warm_median, 3);
	result_extra(r, "warm_ratio", r->median_ms / warm_median, 3);
	result_extra(r, "copy_gbps",
		     (double)width * height * 4 / (warm_median / 1e3) / 1e9, 2);
	return r->median_ms;
}

static void case_attach(int idx)
{
	const struct image *im = &images[idx];
	struct result *r;

	publish_for_readers(im);
	if (want("attach_copy")) {
		attach_copy_ms[idx] = case_copy(im, "attach_copy", "rgba",
						NULL);
		r = &results[nresults - 1];
		attach_copy_min_ms[idx] = r->min_ms;
		if (is_target_size(im) && !r->skipped[0])
			result_target(r, "ratio<=0.60", r->ratio <= 0.60);
		emit(r);
		/* The SDL_Surface path img_attach() offers, for comparison:
		 * SDL clears a new surface before the copy fills it. */
		if (strcmp(im->kind, "flat") != 0 && !is_huge(im)) {
			case_copy(im, "attach_surface", "surface", NULL);
			emit(&results[nresults - 1]);
		}
	}
	if (want("attach_display") && strcmp(im->kind, "flat") != 0) {
		case_copy(im, "attach_display", "texture", NULL);
		r = &results[nresults - 1];
		if (is_target_size(im) && !r->skipped[0])
			result_target(r, "ratio<=1.50", r->ratio <= 1.50);
		emit(r);
		if (is_huge(im))
			return;
		/* The texture's memory comes from SDL's malloc, which glibc
		 * serves with 4 KiB pages unless told otherwise at start. */
		case_copy(im, "attach_display_thp", "texture",
			  "GLIBC_TUNABLES=glibc.malloc.hugetlb=1");
		emit(&results[nresults - 1]);
	}
}

/* A growing memory file for IMG_SavePNG_RW, as a QBuffer is for Qt. */
struct membuf {
	uint8_t *data;
	size_t size, cap, pos;
};

static size_t SDLCALL membuf_write(SDL_RWops *rw, const void *p, size_t size,
				   size_t num)
{
	struct membuf *m = rw->hidden.unknown.data1;
	size_t len = size * num;

	if (m->pos + len > m->cap) {
		size_t cap = m->cap ? m->cap : (1u << 20);
		uint8_t *d;

		while (cap < m->pos + len)
			cap *= 2;
		d = realloc(m->data, cap);
		if (!d)
			return 0;
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->pos, p, len);
	m->pos += len;
	if (m->pos > m->size)
		m->size = m->pos;
	return num;
}

static size_t SDLCALL membuf_read(SDL_RWops *rw, void *p, size_t size,
				  size_t num)
{
	(void)rw;
	(void)p;
	(void)size;
	(void)num;
	return 0;
}

static Sint64 SDLCALL membuf_seek(SDL_RWops *rw, Sint64 off, int whence)
{
	struct membuf *m = rw->hidden.unknown.data1;
	Sint64 pos = whence == RW_SEEK_SET ? off :
		     whence == RW_SEEK_CUR ? (Sint64)m->pos + off :
					     (Sint64)m->size + off;

	if (pos < 0 || (size_t)pos > m->size)
		return -1;
	m->pos = (size_t)pos;
	return pos;
}

static Sint64 SDLCALL membuf_size(SDL_RWops *rw)
{
	return (Sint64)((struct membuf *)rw->hidden.unknown.data1)->size;
}

static int SDLCALL membuf_close(SDL_RWops *rw)
{
	SDL_FreeRW(rw);
	return 0;
}

/* The Qt example's way: encode PNG into memory, copy it into the shared
 * buffer, copy it out on the reader side, decode. Returns ms. */
static double serialize_once(SDL_Surface *surf)
{
	struct membuf m = { 0 };
	SDL_RWops *rw = SDL_AllocRW();
	SDL_Surface *back;
	uint8_t *shared, *mine;
	double t0 = now_ms(), t1;

	if (!rw)
		die("SDL_AllocRW: %s", SDL_GetError());
	rw->size = membuf_size;
	rw->seek = membuf_seek;
	rw->read = membuf_read;
	rw->write = membuf_write;
	rw->close = membuf_close;
	rw->type = SDL_RWOPS_UNKNOWN;
	rw->hidden.unknown.data1 = &m;
	if (IMG_SavePNG_RW(surf, rw, 0) < 0)
		die("IMG_SavePNG_RW: %s", IMG_GetError());
	SDL_RWclose(rw);
	shared = malloc(m.size);
	mine = malloc(m.size);
	if (!shared || !mine)
		die("out of memory");
	memcpy(shared, m.data, m.size);
	memcpy(mine, shared, m.size);
	back = IMG_Load_RW(SDL_RWFromConstMem(mine, (int)m.size), 1);
	if (!back)
		die("IMG_Load_RW: %s", IMG_GetError());
	t1 = now_ms();
	SDL_FreeSurface(back);
	free(mine);
	free(shared);
	free(m.data);
	return t1 - t0;
}

static void case_serialize(int idx)
{
	const struct image *im = &images[idx];
	double v[MAX_RUNS];
	struct result *r;
	SDL_Surface *surf;
	int runs = opt.min_runs;

	r = result_new("serialize_roundtrip", im->kind, im->w, im->h);
	if ((uint64_t)im->w * (uint64_t)im->h > SERIALIZE_MAX_PIXELS &&
	    !opt.all) {
		snprintf(r->skipped, sizeof(r->skipped),
			 "over 4096x4096 takes too long (use --all)");
		emit(r);
		return;
	}
	surf = IMG_Load(im->path);
	if (!surf)
		die("%s: %s", im->path, IMG_GetError());
	for (int i = -1; i < runs; i++) {
		double t = serialize_once(surf);

		if (i < 0)
			runs = runs_for(t, opt.min_runs, opt.max_runs,
					opt.budget_ms);
		else
			v[i] = t;
	}
	SDL_FreeSurface(surf);
	r->runs = runs;
	r->min_ms = minimum(v, runs);
	r->median_ms = median(v, runs);
	r->baseline = "attach_copy";
	r->base_median_ms = attach_copy_ms[idx];
	r->base_min_ms = attach_copy_min_ms[idx];
	r->ratio = r->median_ms / r->base_median_ms;
	if (is_target_size(im) && !isnan(r->ratio))
		result_target(r, "ratio>=20", r->ratio >= 20);
	emit(r);
}

/* attach_rate: readers processes attach in a loop, all at once. */
static void case_rate(const struct image *im, int readers, double seconds)
{
	int res[RATE_READERS_MAX][2], go[2];
	pid_t pids[RATE_READERS_MAX];
	char fdarg[RATE_READERS_MAX][16], goarg[16], secarg[32];
	double med[RATE_READERS_MAX], mins[RATE_READERS_MAX];
	double per_s = 0;
	long total = 0;
	struct result *r;
	char why[256] = "";

	r = result_new("attach_rate", im->kind, im->w, im->h);
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	snprintf(goarg, sizeof(goarg), "%d", go[0]);
	snprintf(secarg, sizeof(secarg), "%.3f", seconds);
	for (int i = 0; i < readers; i++) {
		char *argv[] = { (char *)"shm-bench", (char *)"--child",
				 fdarg[i], (char *)"rate", owner_key, goarg,
				 secarg, NULL };
		int keep[2];

		if (pipe2(res[i], O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		snprintf(fdarg[i], sizeof(fdarg[i]), "%d", res[i][1]);
		keep[0] = res[i][1];
		keep[1] = go[0];
		pids[i] = spawn(argv, keep, 2, NULL);
		close(res[i][1]);
	}
	close(go[0]);
	/* Wait until every reader is warm and waiting, then let them go. */
	for (int i = 0; i < readers; i++) {
		char c = 0;

		while (c != '\n' && read(res[i][0], &c, 1) == 1)
			;
	}
	close(go[1]);
	for (int i = 0; i < readers; i++) {
		bool ok;
		char *out = collect(pids[i], res[i][0], &ok);
		int count = 0;
		double elapsed = 0;

		med[i] = mins[i] = NAN;
		if (!ok || sscanf(out, "rate %d %lf %lf %lf", &count, &elapsed,
				  &med[i], &mins[i]) != 4)
			child_error(out, why, sizeof(why));
		else {
			total += count;
			per_s += count / (elapsed / 1000);
		}
		free(out);
	}
	snprintf(r->role, sizeof(r->role), "%d_reader%s", readers,
		 readers > 1 ? "s" : "");
	if (why[0]) {
		snprintf(r->skipped, sizeof(r->skipped), "%s", why);
		emit(r);
		return;
	}
	r->runs = (int)total;
	r->median_ms = median(med, readers);
	r->min_ms = minimum(mins, readers);
	result_extra(r, "readers", readers, 0);
	result_extra(r, "attaches_per_s", per_s, 0);
	if (readers == 1)
		result_target(r, "per_s>=5000", per_s >= 5000);
	emit(r);
}

/* rss: peak resident memory of an owner and of readers, for one image. */
static void case_rss(const struct image *im)
{
	static const struct {
		const char *role, *child, *mode;
	} roles[] = {
		{ "owner", "rss-owner", NULL },
		{ "reader", "rss-reader", "rgba" },
		{ "reader_surface", "rss-reader", "surface" },
		{ "reader_display", "rss-reader", "texture" },
	};
	double image_mib = (double)im->w * im->h * 4 / MIB;
	char key[96];

	snprintf(key, sizeof(key), "%s.rss", key_base);
	publish_for_readers(im);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		char *argv[4] = { (char *)roles[i].child, NULL, NULL, NULL };
		struct result *r = result_new("rss", im->kind, im->w, im->h);
		long hwm = 0, before = 0;
		double ms = NAN, limit;
		char why[256];
		char *out;

		snprintf(r->role, sizeof(r->role), "%s", roles[i].role);
		if (roles[i].mode) {
			argv[1] = (char *)roles[i].mode;
			argv[2] = owner_key;
		} else {
			argv[1] = key;
			argv[2] = (char *)im->path;
		}
		out = run_child(argv, NULL, why, sizeof(why));
		if (!out || sscanf(out, "rss %ld %ld %lf", &hwm, &before,
				   &ms) != 3) {
			snprintf(r->skipped, sizeof(r->skipped), "%s",
				 out ? "no answer" : why);
			free(out);
			emit(r);
			continue;
		}
		free(out);
		r->runs = 1;
		r->median_ms = r->min_ms = ms;
		result_extra(r, "peak_rss_mib", hwm / 1024.0, 1);
		result_extra(r, "start_rss_mib", before / 1024.0, 1);
		result_extra(r, "image_mib", image_mib, 1);
		result_extra(r, "rss_per_image", hwm / 1024.0 / image_mib, 2);
		if (roles[i].mode) {
			/* Reader target: 2.2 x image bytes + 40 MiB. */
			limit = 2.2 * image_mib + 40;
			result_extra(r, "limit_mib", limit, 1);
			if (is_target_size(im))
				result_target(r, "peak<=2.2x+40MiB",
					      hwm / 1024.0 <= limit);
		}
		emit(r);
	}
}

/* CPU seconds (user + system, every thread) of pid so far. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return NAN;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: the fields
	 * start after the last ')'. utime and stime are fields 14, 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu", &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Nanoseconds on CPU of every thread of pid (schedstat), or -1: the same
 * figure as utime + stime without their clock-tick granularity. */
static double proc_cpu_ns(pid_t pid)
{
	char path[64];
	struct dirent *e;
	double total = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char stat[300];
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(stat, sizeof(stat), "%s/%s/schedstat", path,
			     e->d_name) >= (int)sizeof(stat))
			continue;
		f = fopen(stat, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			total += (double)ns;
		fclose(f);
	}
	closedir(d);
	return total;
}

/* Context switches of every thread of pid: how often it woke up. */
static long proc_wakeups(pid_t pid)
{
	char path[64], line[256];
	struct dirent *e;
	long total = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char status[300];
		FILE *f;
		long v;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(status, sizeof(status), "%s/%s/status", path,
			     e->d_name) >= (int)sizeof(status))
			continue;
		f = fopen(status, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) ==
				    1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %ld",
				   &v) == 1)
				total += v;
		fclose(f);
	}
	closedir(d);
	return total;
}

/* True once key serves a complete image. */
static bool key_ready(const char *key)
{
	struct err err;

	return attach_once(key, &err) == 0;
}

static void case_idle(const struct image *im)
{
	char window[PATH_MAX], key[96], log[PATH_MAX + 16];
	struct result *r = result_new("idle_cpu", im->kind, im->w, im->h);
	double cpu0, cpu1, ns0, ns1, t0, t1, deadline;
	long wake0, wake1;
	int status, fd;
	pid_t pid;

	if (opt.window) {
		snprintf(window, sizeof(window), "%s", opt.window);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		self[n > 0 ? n : 0] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		if (snprintf(window, sizeof(window), "%s/sharedmemory",
			     self) >= (int)sizeof(window))
			die("path too long: %s", self);
	}
	if (access(window, X_OK) < 0) {
		snprintf(r->skipped, sizeof(r->skipped),
			 "no window program at %.100s", window);
		emit(r);
		return;
	}
	snprintf(key, sizeof(key), "%s.idle", key_base);
	snprintf(log, sizeof(log), "%s/window.log", tmpdir);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { window, (char *)"--key", key,
				 (char *)"--load", (char *)im->path, NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(window, argv);
		_exit(127);
	}
	if (fd >= 0)
		close(fd);

	deadline = now_ms() + 30000;
	while (!key_ready(key)) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			snprintf(r->skipped, sizeof(r->skipped),
				 "the window exited early (see its output "
				 "in %s)", "window.log");
			emit(r);
			return;
		}
		if (now_ms() > deadline) {
			snprintf(r->skipped, sizeof(r->skipped),
				 "the window did not share the image in 30 s");
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			emit(r);
			return;
		}
		sleep_ms(50);
	}
	/* Let it draw its first frames after the load before measuring. */
	sleep_ms(1000);
	cpu0 = proc_cpu_s(pid);
	ns0 = proc_cpu_ns(pid);
	wake0 = proc_wakeups(pid);
	t0 = now_ms();
	sleep_ms(opt.idle_s * 1000);
	cpu1 = proc_cpu_s(pid);
	ns1 = proc_cpu_ns(pid);
	wake1 = proc_wakeups(pid);
	t1 = now_ms();

	kill(pid, SIGTERM);
	deadline = now_ms() + 3000;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ms(20);
	}
	r->runs = 1;
	r->median_ms = r->min_ms = (cpu1 - cpu0) * 1000;
	result_extra(r, "cpu_s", cpu1 - cpu0, 3);
	result_extra(r, "cpu_s_schedstat", (ns1 - ns0) / 1e9, 5);
	result_extra(r, "idle_s", (t1 - t0) / 1000, 2);
	result_extra(r, "wakeups_per_s",
		     (double)(wake1 - wake0) / ((t1 - t0) / 1000), 1);
	result_extra(r, "clk_tck", (double)sysconf(_SC_CLK_TCK), 0);
	result_target(r, "cpu_s<0.05", cpu1 - cpu0 < 0.05);
	emit(r);
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static void describe_machine(FILE *out)
{
	char model[256] = "?", line[512], thp[128] = "?";
	struct utsname u;
	double load[3] = { 0 };
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "model name : %255[^\n]", model) == 1)
				break;
		fclose(f);
	}
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	if (f) {
		if (fgets(thp, sizeof(thp), f))
			thp[strcspn(thp, "\n")] = '\0';
		fclose(f);
	}
	uname(&u);
	getloadavg(load, 3);
	fprintf(out, "machine: %s, %ld cores, Linux %s, THP %s, load %.2f "
		"%.2f %.2f\n", model, sysconf(_SC_NPROCESSORS_ONLN), u.release,
		thp, load[0], load[1], load[2]);
}

static void usage(FILE *out)
{
	fputs("usage: shm-bench [--json] [--quick] [--sizes N,N,...] "
	      "[--image FILE]\n"
	      "                 [--cases LIST] [--runs N] [--idle-seconds S] "
	      "[--window PATH] [--all] [--keep]\n"
	      "\n"
	      "--json          one JSON object per case on stdout (the table "
	      "goes to stderr)\n"
	      "--quick         sizes 1024,4096, 3 runs, a 3 s idle window\n"
	      "--sizes LIST    edge lengths of the generated square images "
	      "(default 1024,2048,4096,8192)\n"
	      "--image FILE    measure FILE instead of generated images\n"
	      "--cases LIST    any of publish,attach_copy,attach_display,"
	      "serialize_roundtrip,\n"
	      "                attach_rate,rss,idle_cpu (default all)\n"
	      "--runs N        measured runs per case at most (default 7; "
	      "at least 3)\n"
	      "--idle-seconds  how long idle_cpu watches the window "
	      "(default 10)\n"
	      "--window PATH   the sharedmemory program (default: next to "
	      "shm-bench)\n"
	      "--all           over 4096x4096 too: serialize and the comparison "
	      "variants\n"
	      "--keep          keep the generated images (their folder is "
	      "printed)\n", out);
}

static void parse_sizes(const char *s)
{
	opt.nsizes = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < 16 || v > (long)SEG_MAX_DIM ||
		    opt.nsizes == MAX_SIZES) {
			fprintf(stderr, "shm-bench: bad --sizes\n");
			exit(2);
		}
		opt.sizes[opt.nsizes++] = (int)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',') {
			fprintf(stderr, "shm-bench: bad --sizes\n");
			exit(2);
		}
	}
}

static void parse_args(int argc, char **argv)
{
	bool sizes_given = false, runs_given = false, idle_given = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--json") == 0) {
			opt.json = true;
		} else if (strcmp(a, "--quick") == 0) {
			opt.quick = true;
		} else if (strcmp(a, "--all") == 0) {
			opt.all = true;
		} else if (strcmp(a, "--keep") == 0) {
			opt.keep = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (v && strcmp(a, "--sizes") == 0) {
			parse_sizes(v);
			sizes_given = true;
			i++;
		} else if (v && strcmp(a, "--image") == 0) {
			opt.image = v;
			i++;
		} else if (v && strcmp(a, "--cases") == 0) {
			opt.cases = v;
			i++;
		} else if (v && strcmp(a, "--window") == 0) {
			opt.window = v;
			i++;
		} else if (v && strcmp(a, "--runs") == 0) {
			opt.max_runs = atoi(v);
			runs_given = true;
			i++;
		} else if (v && strcmp(a, "--idle-seconds") == 0) {
			opt.idle_s = atof(v);
			idle_given = true;
			i++;
		} else {
			fprintf(stderr, "shm-bench: unknown argument %s\n", a);
			usage(stderr);
			exit(2);
		}
	}
	if (opt.quick) {
		if (!sizes_given)
			parse_sizes("1024,4096");
		if (!runs_given)
			opt.max_runs = 3;
		if (!idle_given)
			opt.idle_s = 3;
		opt.budget_ms = 1500;
	}
	if (opt.max_runs < opt.min_runs)
		opt.max_runs = opt.min_runs;
	if (opt.max_runs > MAX_RUNS)
		opt.max_runs = MAX_RUNS;
	if (opt.idle_s <= 0)
		opt.idle_s = 10;
}

/* The image the one-image cases use: the 4096 x 4096 noisy one when there
 * is one, else the largest noisy one not over it, else the user's file. */
static const struct image *pick_image(bool smallest)
{
	const struct image *best = NULL;

	for (int i = 0; i < nimages; i++) {
		const struct image *im = &images[i];

		if (strcmp(im->kind, "flat") == 0)
			continue;
		if (smallest) {
			if (!best || im->w * im->h < best->w * best->h)
				best = im;
		} else if (im->w <= 4096 && im->h <= 4096 &&
			   (!best || im->w * im->h > best->w * best->h)) {
			best = im;
		}
	}
	return best ? best : &images[0];
}

int main(int argc, char **argv)
{
	struct err err;
	double start = now_ms();

	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return child_main(argc, argv);

	parse_args(argc, argv);
	/* Readers draw with the software renderer of the dummy driver, and
	 * so does the window of idle_cpu. */
	setenv("SDL_VIDEODRIVER", "dummy", 1);
	signal(SIGPIPE, SIG_IGN);
	describe_machine(stderr);

	snprintf(key_base, sizeof(key_base), "shm-bench-%d", (int)getpid());
	snprintf(owner_key, sizeof(owner_key), "%s.owner", key_base);
	prepare_images();
	owner = share_create(owner_key, &err);
	if (!owner)
		die("%s", err.msg);

	for (int i = 0; i < nimages; i++) {
		const struct image *im = &images[i];

		note("%s %dx%d", im->kind, im->w, im->h);
		attach_copy_ms[i] = attach_copy_min_ms[i] = NAN;
		if (want("publish"))
			case_publish(im);
		if (want("attach_copy") || want("attach_display"))
			case_attach(i);
		if (want("serialize_roundtrip"))
			case_serialize(i);
	}
	if (want("attach_rate")) {
		const struct image *im = pick_image(true);

		note("attach_rate %dx%d", im->w, im->h);
		publish_for_readers(im);
		case_rate(im, 1, opt.quick ? 0.5 : 1.0);
		case_rate(im, 16, opt.quick ? 0.5 : 1.0);
	}
	if (want("rss")) {
		const struct image *im = pick_image(false);

		note("rss %dx%d", im->w, im->h);
		case_rss(im);
	}
	/* Last: the window needs the machine quiet for its CPU figure. */
	if (want("idle_cpu")) {
		const struct image *im = pick_image(false);

		note("idle_cpu %dx%d, %.0f s", im->w, im->h, opt.idle_s);
		case_idle(im);
	}
	share_destroy(owner);

	if (opt.json) {
		describe_machine(stderr);
		print_table(stderr);
	} else {
		describe_machine(stdout);
		print_table(stdout);
	}
	note("total %.1f s", (now_ms() - start) / 1000);
	return 0;
}
