/* shm_bench - what handing an image over through shared memory costs, next
 * to what the machine can do at best and to the PNG round trip the Qt
 * example makes; and what the window costs in time, memory and CPU.
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
 * through a pipe. The window cases run the window's own library
 * (src/app/app.h) in such a child, or start `sharedmemory` and `shmimage`
 * from the top of the build tree, where this program lives. Images are
 * generated here (a deterministic PRNG) and saved as PNG in a temporary
 * folder, or come from --image.
 *
 * The cases that draw use the video driver SDL picks: under X (DISPLAY
 * set, e.g. Xvfb) the window's default renderer is OpenGL; without a
 * display this program sets the dummy driver and the software renderer
 * stands in.
 *
 * Not a test: ctest does not run it and it never fails on a slow figure.
 * The targets of the project are printed next to the figures instead.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "app/app.h"
#include "app/app_inspect.h"
#include "app/dialog.h"
#include "app/ui.h"
#include "common/clock.h"
#include "image/decoder.h"
#include "image/texture.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/segment_inspect.h"
#include "shm/share.h"
#include "../testutil.h"

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
#define BENCH_MAX_BYTES_ARG "1G"

/* Serialising a 8192 x 8192 photo-like PNG takes some 15 s a run: left
 * out unless --all, so the whole run stays within a few minutes. */
#define SERIALIZE_MAX_PIXELS (4096u * 4096u)

/* The window keeps a decoder helper started long before the user picks
 * a file. publish starts one and waits this long before it measures, so
 * the helper has loaded its decoders and entered its sandbox (that takes
 * some 10 ms: see decoder_startup). */
#define PRESTART_MS 100.0

/* The image M is timed on, as the brief of the window asks: 8000 x 8000,
 * 244 MiB of RGBA, just under the default 256 MiB limit. */
#define M_IMAGE_SIZE 8000
#define M_RUNS 5
#define FOLLOW_RUNS 20

/* Growth of RssAnon allowed for a window showing a 4096 x 4096 image: the
 * window keeps no full-size copy, only the mapping (shared memory, not
 * anonymous) and a texture as large as it is shown. */
#define WINDOW_GROWTH_MIB 16.0

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static double now_ms(void)
{
	return (double)clock_us() / 1e3;
}

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(fmod(ms, 1000.0) * 1e6);
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

static double start_ms;	/* of the whole run */

/* Progress goes to stderr, so stdout is only the table or the JSON; each
 * line says when it came, in seconds since the start. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[%5.1f s] ", (now_ms() - start_ms) / 1000);
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

static double maximum(const double *v, int n)
{
	double m = -INFINITY;

	for (int i = 0; i < n; i++)
		if (v[i] > m)
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

/* The program called name next to this one (the top of the build tree). */
static void sibling(const char *name, char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", self, name) >= size)
		die("path too long: %s", self);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static struct {
	bool json, quick, all, keep;
	const char *image;
	const char *cases;
	const char *window;
	const char *python;	/* --python, or NULL: python3 on PATH */
	int sizes[MAX_SIZES];
	int nsizes;
	int max_runs;		/* measured runs when time allows */
	int min_runs;		/* measured runs whatever the time */
	double budget_ms;	/* a case runs until it has spent this */
	double idle_s;
	int m_runs, follow_runs;
} opt = {
	.sizes = { 1024, 2048, 4096, 8192 },
	.nsizes = 4,
	.max_runs = 7,
	.min_runs = 3,
	.budget_ms = 6500,
	.idle_s = 10,
	.m_runs = M_RUNS,
	.follow_runs = FOLLOW_RUNS,
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
	char role[24];		/* who or what was measured */
	char info[64];		/* renderer and the like, or "" */
	char skipped[256];	/* why it did not run, or "" */
	int width, height;
	int runs;
	double median_ms, min_ms, max_ms;
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
	r->median_ms = r->min_ms = r->max_ms = NAN;
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

/* Fills in the figures of a case from its runs (v sorted on return). */
static void result_runs(struct result *r, double *v, int n)
{
	r->runs = n;
	r->min_ms = minimum(v, n);
	r->max_ms = maximum(v, n);
	r->median_ms = median(v, n);
}

static void result_baseline(struct result *r, const char *name, double *v,
			    int n)
{
	r->baseline = name;
	r->base_min_ms = minimum(v, n);
	r->base_median_ms = median(v, n);
	r->ratio = r->median_ms / r->base_median_ms;
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
	if (r->info[0])
		fprintf(out, ",\"info\":\"%s\"", r->info);
	fprintf(out, ",\"width\":%d,\"height\":%d,\"runs\":%d", r->width,
		r->height, r->runs);
	json_number(out, "median_ms", r->median_ms, 3);
	json_number(out, "min_ms", r->min_ms, 3);
	json_number(out, "max_ms", r->max_ms, 3);
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
	fprintf(out, "%-30s %-6s %-10s %5s %9s %9s  %-16s %9s %7s  %-24s %s\n",
		"case", "image", "size", "runs", "median_ms", "min_ms",
		"baseline", "base_ms", "ratio", "target", "notes");
	for (int i = 0; i < nresults; i++) {
		const struct result *r = &results[i];
		char name[64], size[24], med[16], min[16], bmed[16];
		char ratio[16], target[48], notes[400];
		size_t used = 0;

		snprintf(name, sizeof(name), "%.39s%s%.23s", r->name,
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
		if (r->info[0])
			used += (size_t)snprintf(notes, sizeof(notes), "%s",
						 r->info);
		for (int k = 0; k < r->nextra && used < sizeof(notes); k++)
			used += (size_t)snprintf(notes + used,
						 sizeof(notes) - used,
						 "%s%s=%.*f", used ? " " : "",
						 r->extra[k].key,
						 r->extra[k].decimals,
						 r->extra[k].value);
		if (r->skipped[0] && used < sizeof(notes))
			snprintf(notes + used, sizeof(notes) - used,
				 "%sskipped: %s", used ? " " : "", r->skipped);
		fprintf(out, "%-30s %-6s %-10s %5d %9s %9s  %-16s %9s %7s  "
			"%-24s %s\n", name, r->image, size, r->runs, med, min,
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

static void skip(struct result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void skip(struct result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->skipped, sizeof(r->skipped), fmt, ap);
	va_end(ap);
	note("  %s%s%s skipped: %s", r->name, r->role[0] ? "/" : "", r->role,
	     r->skipped);
	emit(r);
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

/* Writes a generated kind x n image as PNG into the temporary folder. */
static void generate(struct image *im, const char *kind, int n)
{
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

static void add_generated(const char *kind, int n)
{
	generate(&images[nimages++], kind, n);
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

/* Starts another program of the project: its stdout goes to out_fd and
 * its stderr to err_fd (each -1: left as ours). It dies with the thread
 * that started it. Returns the pid. */
static pid_t start_program(const char *path, char *const argv[], int out_fd,
			   int err_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* dup2 clears close-on-exec on the copy. */
		if (out_fd >= 0)
			dup2(out_fd, 1);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* SIGTERM, then SIGKILL when it has not ended within 3 s; reaps it. */
static void stop_program(pid_t pid)
{
	double deadline = now_ms() + 3000;
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
		sleep_ms(10);
	}
}

static bool program_alive(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/* Reads fd until a line that starts with prefix, for timeout_ms at most.
 * Returns the time it was read (now_ms), or NAN on timeout or EOF. */
static double wait_line(int fd, const char *prefix, double timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	char line[512];
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now_ms();
		char c;
		ssize_t n;

		if (left <= 0)
			return NAN;
		if (poll(&p, 1, (int)left + 1) <= 0)
			continue;
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NAN;
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			return now_ms();
		len = 0;
	}
}

/* `shmimage put --key key FILE` with its stdout in *out_fd; returns its
 * pid. */
static pid_t start_put(const char *shmimage, const char *key,
		       const char *path, const char *max_bytes, int *out_fd)
{
	char *argv[] = { (char *)"shmimage", (char *)"put", (char *)"--key",
			 (char *)key, (char *)"--max-bytes", (char *)max_bytes,
			 (char *)path, NULL };
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = start_program(shmimage, argv, p[1], -1);
	close(p[1]);
	*out_fd = p[0];
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

/* What follows prefix on its line of out, after lead, into buf. False,
 * buf untouched, when out has no such line. */
static bool line_after(const char *out, const char *prefix, const char *lead,
		       char *buf, size_t size)
{
	const char *e = strstr(out, prefix);
	size_t n;

	if (!e)
		return false;
	e += strlen(prefix);
	n = strcspn(e, "\n");
	snprintf(buf, size, "%s%.*s", lead, (int)n, e);
	return true;
}

/* The line of out that starts with "error ", for a failed child. */
static void child_error(const char *out, char *why, size_t size)
{
	if (!line_after(out, "error ", "", why, size))
		snprintf(why, size, "the child process failed");
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

/* The "renderer NAME" line of a child's output, into info. */
static void child_renderer(const char *out, char *info, size_t size)
{
	line_after(out, "renderer ", "renderer=", info, size);
}

/* ------------------------------------------------------------------ */
/* Child roles (run in the exec'd child)                               */

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

/* How a reader takes the image: a copy of its pixels into fresh memory
 * (plain, or advised for transparent huge pages), or the texture the
 * window shows. */
enum copy_mode { MODE_RGBA, MODE_RGBA_THP, MODE_TEXTURE };

struct reader {
	enum copy_mode mode;
	const char *key;
	SDL_Window *window;
	SDL_Renderer *renderer;
	struct ui_layout layout;	/* of the default window */
	uint32_t width, height;		/* of the image last attached */
	int shown_w, shown_h;		/* of the texture last made */
};

/* Prints the renderer's name for the parent's table. */
static void print_renderer(SDL_Renderer *ren)
{
	SDL_RendererInfo info;

	if (SDL_GetRendererInfo(ren, &info) == 0)
		fprintf(child_out, "renderer %s (%s)\n", info.name,
			SDL_GetCurrentVideoDriver());
}

/* The window's image area at its default size: a hidden window of the
 * window's size and flags, the renderer it would pick (accelerated
 * first, software when there is none, as app_create() does) or the
 * software one, and the window's own layout for its drawable. */
static void reader_window(struct reader *rd, bool software)
{
	int pw, ph, ww, wh;
	float scale;

	if (SDL_Init(SDL_INIT_VIDEO) < 0)
		child_fail("SDL_Init: %s", SDL_GetError());
	rd->window = SDL_CreateWindow("shm-bench", SDL_WINDOWPOS_UNDEFINED,
				      SDL_WINDOWPOS_UNDEFINED, 451, 322,
				      SDL_WINDOW_HIDDEN |
				      SDL_WINDOW_RESIZABLE |
				      SDL_WINDOW_ALLOW_HIGHDPI);
	if (!rd->window)
		child_fail("SDL_CreateWindow: %s", SDL_GetError());
	rd->renderer = SDL_CreateRenderer(rd->window, -1, software ?
					  SDL_RENDERER_SOFTWARE :
					  SDL_RENDERER_ACCELERATED);
	if (!rd->renderer && !software)
		rd->renderer = SDL_CreateRenderer(rd->window, -1,
						  SDL_RENDERER_SOFTWARE);
	if (!rd->renderer)
		child_fail("SDL_CreateRenderer: %s", SDL_GetError());
	print_renderer(rd->renderer);
	SDL_GetWindowSize(rd->window, &ww, &wh);
	if (SDL_GetRendererOutputSize(rd->renderer, &pw, &ph) < 0)
		child_fail("SDL_GetRendererOutputSize: %s", SDL_GetError());
	scale = pw > ww && ww > 0 ? (float)pw / (float)ww : 1.0f;
	ui_layout_compute(&rd->layout, pw, ph, scale);
}

static void reader_init(struct reader *rd, const char *mode, const char *key)
{
	memset(rd, 0, sizeof(*rd));
	rd->key = key;
	if (strcmp(mode, "rgba") == 0) {
		rd->mode = MODE_RGBA;
	} else if (strcmp(mode, "rgba-thp") == 0) {
		rd->mode = MODE_RGBA_THP;
	} else if (strcmp(mode, "texture-default") == 0) {
		rd->mode = MODE_TEXTURE;
		reader_window(rd, false);
	} else if (strcmp(mode, "texture-software") == 0) {
		rd->mode = MODE_TEXTURE;
		reader_window(rd, true);
	} else {
		child_fail("unknown reader mode %s", mode);
	}
}

/* What one attach leaves the reader holding. */
struct held {
	uint8_t *pixels;	/* a copy, or NULL */
	size_t bytes;
	struct seg seg;		/* attached (texture mode), or released */
	SDL_Texture *tex;
};

/* One attach as the mode does it. A copy-out reader detaches once it has
 * its copy; the window keeps the segment (its texture is made again from
 * the mapping at another size). */
static void reader_attach(struct reader *rd, struct held *h)
{
	struct err err;
	SDL_Rect fit;

	h->pixels = NULL;
	h->tex = NULL;
	if (share_attach(rd->key, BENCH_MAX_BYTES, &h->seg, NULL, &err) < 0)
		child_fail("%s", err.msg);
	rd->width = h->seg.info.width;
	rd->height = h->seg.info.height;
	switch (rd->mode) {
	case MODE_RGBA:
	case MODE_RGBA_THP:
		h->bytes = (size_t)rd->width * rd->height * 4u;
		/* mmap, as malloc does for a buffer this size; direct so
		 * small sizes are not served warm from the heap. */
		h->pixels = mmap(NULL, h->bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (h->pixels == MAP_FAILED)
			child_fail("mmap %zu: %s", h->bytes, strerror(errno));
		if (rd->mode == MODE_RGBA_THP)
			madvise(h->pixels, h->bytes, MADV_HUGEPAGE);
		if (seg_read(&h->seg, h->pixels, (size_t)rd->width * 4u,
			     &err) < 0)
			child_fail("%s", err.msg);
		seg_finish(&h->seg);
		break;
	case MODE_TEXTURE:
		fit = ui_fit_image(&rd->layout.image, (int)rd->width,
				   (int)rd->height);
		h->tex = img_texture_scaled(rd->renderer, &h->seg, fit.w,
					    fit.h, &err);
		if (!h->tex)
			child_fail("%s", err.msg);
		rd->shown_w = fit.w;
		rd->shown_h = fit.h;
		break;
	}
}

static void reader_release(struct held *h)
{
	if (h->pixels)
		munmap(h->pixels, h->bytes);
	if (h->tex)
		SDL_DestroyTexture(h->tex);
	seg_finish(&h->seg);
}

/* One attach; returns its time in ms. Releasing the result is not timed:
 * a real reader keeps it. */
static double reader_once(struct reader *rd)
{
	struct held h;
	double t0, t1;

	t0 = now_ms();
	reader_attach(rd, &h);
	t1 = now_ms();
	reader_release(&h);
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
		die("mmap %zu: %s", bytes, strerror(errno));
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
 * memcpy baselines, interleaved. Prints "size W H", "shown W H" for a
 * texture, "renderer NAME" when it draws, then one line "run CASE FRESH
 * WARM" per measured run. */
static int child_copy(char **argv)
{
	struct reader rd;
	int max_runs = atoi(argv[2]), min_runs = atoi(argv[3]);
	double budget = atof(argv[4]);
	double iter;
	uint8_t *src, *warm;
	size_t bytes;
	int runs;

	reader_init(&rd, argv[0], argv[1]);
	reader_once(&rd);
	bytes = (size_t)rd.width * rd.height * 4u;
	src = touched(bytes, 0x5a);
	warm = touched(bytes, 0xa5);

	/* Warm-up iteration, which also sizes the number of runs. */
	iter = reader_once(&rd) + copy_fresh(src, bytes) +
	       copy_warm(warm, src, bytes);
	runs = runs_for(iter, min_runs, max_runs, budget);

	fprintf(child_out, "size %" PRIu32 " %" PRIu32 "\n", rd.width,
		rd.height);
	if (rd.mode == MODE_TEXTURE)
		fprintf(child_out, "shown %d %d\n", rd.shown_w, rd.shown_h);
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
 * check the seals and the header, map, then detach. Everything but the
 * pixels. */
static int attach_once(const char *key, struct err *err)
{
	struct seg seg;

	if (share_attach(key, BENCH_MAX_BYTES, &seg, NULL, err) < 0)
		return -1;
	seg_finish(&seg);
	return 0;
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

/* ---- the window's own library, in a child ---- */

/* A window as `sharedmemory --key key [--follow]` opens it: the default
 * renderer, the decoder helper next to this program. */
static struct app *bench_app(const char *key, bool follow)
{
	static char decoder[PATH_MAX];
	struct app_options o;
	struct err err;
	struct app *a;

	if (img_decoder_path(decoder, sizeof(decoder), &err) < 0)
		child_fail("%s", err.msg);
	app_options_init(&o);
	o.key = key;
	o.follow = follow;
	o.decoder = decoder;
	a = app_create(&o, &err);
	if (!a)
		child_fail("%s", err.msg);
	return a;
}

/* Runs the window's loop for ms: its first frames, or the news of an
 * owner that went. */
static void app_settle(struct app *a, double ms)
{
	double end = now_ms() + ms;

	while (now_ms() < end)
		if (!app_pump(a, 20))
			child_fail("the window closed");
}

/* A key pressed and released in the window, as SDL delivers one. */
static void push_key(struct app *a, SDL_Keycode sym, SDL_Scancode code)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.windowID = SDL_GetWindowID(app_window(a));
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = sym;
	ev.key.keysym.scancode = code;
	if (SDL_PushEvent(&ev) < 0)
		child_fail("SDL_PushEvent: %s", SDL_GetError());
	ev.type = SDL_KEYUP;
	ev.key.state = SDL_RELEASED;
	SDL_PushEvent(&ev);
}

static ino_t seg_ino(const struct seg *seg)
{
	struct stat st;

	return seg && fstat(seg->fd, &st) == 0 ? st.st_ino : 0;
}

/* True once the window shows an image other than the one of inode
 * before: the dialog holds it and app_pump() has drawn its texture and
 * presented the frame (it draws and presents before it returns whenever
 * the dialog's generation moved). */
static bool app_shows_new(struct app *a, ino_t before)
{
	const struct seg *seg = dialog_segment(app_dialog(a));

	return seg && app_image_texture(a) && seg_ino(seg) != before;
}

/* M pressed in window a; returns once a pump presented the image. */
static void m_press(struct app *a)
{
	double deadline = now_ms() + 20000;

	push_key(a, SDLK_m, SDL_SCANCODE_M);
	for (;;) {
		if (!app_pump(a, 20))
			child_fail("the window closed");
		if (app_shows_new(a, 0))
			break;
		if (strstr(dialog_message(app_dialog(a)),
			   "Unable to attach"))
			child_fail("%s", dialog_message(app_dialog(a)));
		if (now_ms() > deadline)
			child_fail("M did not show the image in 20 s");
	}
}

/* The parts of an M on window a's renderer, which shows key's image:
 * attach and detach alone, and the texture at the size shown. Prints
 * "shown W H" and "parts ATTACH_MS TEXTURE_MS", medians of 3. */
static void m_parts(struct app *a, const char *key)
{
	SDL_Renderer *ren = SDL_GetRenderer(app_window(a));
	const struct seg *seg = dialog_segment(app_dialog(a));
	SDL_Rect fit = ui_fit_image(&app_layout(a)->image,
				    (int)seg->info.width,
				    (int)seg->info.height);
	double attach[3], texture[3];
	struct err err;

	fprintf(child_out, "shown %d %d\n", fit.w, fit.h);
	for (int k = 0; k < 3; k++) {
		struct seg s;
		SDL_Texture *tex;
		double ta = now_ms(), tb, tc;

		if (share_attach(key, BENCH_MAX_BYTES, &s, NULL, &err) < 0)
			child_fail("%s", err.msg);
		tb = now_ms();
		tex = img_texture_scaled(ren, &s, fit.w, fit.h, &err);
		tc = now_ms();
		if (!tex)
			child_fail("%s", err.msg);
		SDL_DestroyTexture(tex);
		seg_finish(&s);
		attach[k] = tb - ta;
		texture[k] = tc - tb;
	}
	fprintf(child_out, "parts %.4f %.4f\n", median(attach, 3),
		median(texture, 3));
}

/* m KEY RUNS: M pressed in a fresh window (the image not shown yet, so
 * its texture is made) while another process owns key. Times the key
 * press to the pump that presented the image; the first window is a
 * warm-up. Prints "renderer", "shown W H", "run MS" per run and
 * "parts ATTACH_MS TEXTURE_MS" for where the time goes. */
static int child_m(char **argv)
{
	const char *key = argv[0];
	int runs = atoi(argv[1]);

	for (int i = -1; i < runs; i++) {
		struct app *a = bench_app(key, false);
		double t0, t1;

		app_settle(a, 300);
		if (i < 0)
			print_renderer(SDL_GetRenderer(app_window(a)));
		t0 = now_ms();
		m_press(a);
		t1 = now_ms();
		if (i >= 0)
			fprintf(child_out, "run %.4f\n", t1 - t0);
		if (i == runs - 1)
			m_parts(a, key);
		app_destroy(a);
	}
	return 0;
}

static long proc_status_kb(pid_t pid, const char *field);

/* Pumps the window until it presented a frame whose image texture is not
 * w x h any more (the size a resize had it before). False after 3 s. */
static bool app_resized(struct app *a, int w, int h)
{
	double deadline = now_ms() + 3000;

	while (now_ms() < deadline) {
		SDL_Texture *t;
		int tw = 0, th = 0;

		if (!app_pump(a, 2))
			child_fail("the window closed");
		t = app_image_texture(a);
		if (t && SDL_QueryTexture(t, NULL, NULL, &tw, &th) == 0 &&
		    (tw != w || th != h))
			return true;
	}
	return false;
}

/* The drag of child_resize with no image: what a step costs the window
 * without the image's part (layout, text, present, the X server).
 * Prints "empty MS", the median of 10 steps. */
static void resize_empty(struct app *a, SDL_Window *win)
{
	double e[10];

	for (int i = 0; i < 10; i++) {
		int k = i < 5 ? i + 1 : 9 - i;
		int pw = 0, ph = 0, nw, nh;
		double t0 = now_ms();

		SDL_SetWindowSize(win, 451 + 12 * k, 322 + 8 * k);
		for (;;) {
			if (!app_pump(a, 2))
				child_fail("the window closed");
			SDL_GetWindowSize(win, &nw, &nh);
			if (nw == 451 + 12 * k && nh == 322 + 8 * k &&
			    (nw != pw || nh != ph))
				break;
			if (now_ms() - t0 > 3000)
				child_fail("no resize within 3 s");
		}
		pw = nw;
		ph = nh;
		e[i] = now_ms() - t0;
	}
	fprintf(child_out, "empty %.4f\n", median(e, 10));
	SDL_SetWindowSize(win, 451, 322);
	app_settle(a, 200);
}

/* M pressed in window a; returns once a pump presented the image. */
static void resize_show_m(struct app *a)
{
	double deadline;

	push_key(a, SDLK_m, SDL_SCANCODE_M);
	deadline = now_ms() + 20000;
	while (!app_shows_new(a, 0)) {
		if (!app_pump(a, 20))
			child_fail("the window closed");
		if (now_ms() > deadline)
			child_fail("M did not show the image in 20 s");
	}
}

/* The timed drag: steps sizes out and back, each timed to the frame with
 * the new texture. Prints "step MS IN_SET_MS" per step; returns the
 * largest RssAnon seen, rss0 or more. */
static long resize_steps(struct app *a, SDL_Window *win, int steps,
			 long rss0)
{
	long rss, rss_max = rss0;
	int tw = 0, th = 0;

	for (int i = 0; i < steps; i++) {
		int k = i <= steps / 2 ? i + 1 : steps - i - 1;
		double t0, t1;

		SDL_QueryTexture(app_image_texture(a), NULL, NULL, &tw, &th);
		t0 = now_ms();
		SDL_SetWindowSize(win, 451 + 12 * k, 322 + 8 * k);
		t1 = now_ms();
		if (!app_resized(a, tw, th))
			child_fail("step %d: no new frame within 3 s", i);
		fprintf(child_out, "step %.4f %.4f\n", now_ms() - t0,
			t1 - t0);
		rss = proc_status_kb(getpid(), "RssAnon");
		rss_max = rss > rss_max ? rss : rss_max;
	}
	return rss_max;
}

/* The texture alone at the drag's sizes below tw x th, from a copy made
 * first: the part of a step that is the image's. Prints "texture MS",
 * the median of 8 after 2 warm-ups. */
static void resize_texture_only(SDL_Window *win, const struct seg *seg,
				int tw, int th)
{
	struct img_resize *cache = NULL;
	SDL_Texture *tex;
	struct err err;
	double t0, v[8];

	for (int k = -2; k < 8; k++) {
		t0 = now_ms();
		tex = img_texture_resized(&cache, SDL_GetRenderer(win), seg,
					  tw - 12 * (k + 2), th - 8 * (k + 2),
					  &err);
		if (!tex)
			child_fail("%s", err.msg);
		if (k >= 0)
			v[k] = now_ms() - t0;
		SDL_DestroyTexture(tex);
	}
	img_resize_destroy(cache);
	fprintf(child_out, "texture %.4f\n", median(v, 8));
}

/* The texture at the window's last size made straight from the mapping,
 * what a step cost before; prints "direct MS", then the texture alone. */
static void resize_direct(struct app *a, SDL_Window *win)
{
	const struct seg *seg = dialog_segment(app_dialog(a));
	SDL_Texture *tex;
	struct err err;
	double t0 = now_ms();
	int tw = 0, th = 0;

	SDL_QueryTexture(app_image_texture(a), NULL, NULL, &tw, &th);
	tex = img_texture_scaled(SDL_GetRenderer(win), seg, tw, th, &err);
	if (!tex)
		child_fail("%s", err.msg);
	fprintf(child_out, "direct %.4f\n", now_ms() - t0);
	SDL_DestroyTexture(tex);
	resize_texture_only(win, seg, tw, th);
}

/* resize KEY STEPS: a window shows the image another process owns under
 * key (M), then is resized STEPS times, a drag of 12 x 8 px a step out
 * and back. Times each step from SDL_SetWindowSize to the pump that
 * presented the frame with the new texture. Prints "renderer", "step MS"
 * per step, "rss BEFORE_M_KIB MAX_KIB", and "direct MS": the texture at
 * the last size averaged from the mapping, what a step cost before. */
static int child_resize(char **argv)
{
	const char *key = argv[0];
	int steps = atoi(argv[1]);
	struct app *a = bench_app(key, false);
	SDL_Window *win = app_window(a);
	long rss0, rss_max;

	app_settle(a, 300);
	print_renderer(SDL_GetRenderer(win));
	resize_empty(a, win);
	rss0 = proc_status_kb(getpid(), "RssAnon");
	resize_show_m(a);
	rss_max = resize_steps(a, win, steps, rss0);
	fprintf(child_out, "rss %ld %ld\n", rss0, rss_max);
	resize_direct(a, win);
	app_destroy(a);
	return 0;
}

/* The first line a put prints, read on a thread of its own so it is
 * stamped when it comes, whatever the window's loop is doing. */
struct put_line {
	int fd;
	double at;		/* now_ms() when read, or NAN */
};

static void *put_line_run(void *arg)
{
	struct put_line *pl = arg;

	pl->at = wait_line(pl->fd, "shared ", 60000);
	return NULL;
}

/* follow KEY FILE SHMIMAGE RUNS: a following window; RUNS + 1 times (the
 * first a warm-up) `shmimage put` of FILE under key, the time from the
 * put's "shared ..." line to the pump that presented the new image, then
 * the put stopped. Prints "renderer" and "run MS" per run. */
static int child_follow(char **argv)
{
	const char *key = argv[0], *file = argv[1], *shmimage = argv[2];
	int runs = atoi(argv[3]);
	struct app *a = bench_app(key, true);
	ino_t before = 0;

	app_settle(a, 300);
	print_renderer(SDL_GetRenderer(app_window(a)));
	for (int i = -1; i < runs; i++) {
		struct put_line pl = { .at = NAN };
		pthread_t thread;
		double shown, deadline = now_ms() + 60000;
		pid_t put = start_put(shmimage, key, file,
				      BENCH_MAX_BYTES_ARG, &pl.fd);

		if (pthread_create(&thread, NULL, put_line_run, &pl) != 0)
			child_fail("pthread_create failed");
		for (;;) {
			if (!app_pump(a, 20))
				child_fail("the window closed");
			if (app_shows_new(a, before))
				break;
			if (now_ms() > deadline) {
				stop_program(put);
				child_fail("the follower did not show the "
					   "image in 60 s");
			}
		}
		shown = now_ms();
		before = seg_ino(dialog_segment(app_dialog(a)));
		pthread_join(thread, NULL);
		close(pl.fd);
		if (isnan(pl.at)) {
			stop_program(put);
			child_fail("shmimage put printed no line");
		}
		if (i >= 0)
			fprintf(child_out, "run %.4f\n", shown - pl.at);
		stop_program(put);
		/* The follower hears the owner go and waits for the next. */
		app_settle(a, 100);
	}
	app_destroy(a);
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
	else if (strcmp(argv[3], "m") == 0 && argc == 6)
		rc = child_m(argv + 4);
	else if (strcmp(argv[3], "resize") == 0 && argc == 6)
		rc = child_resize(argv + 4);
	else if (strcmp(argv[3], "follow") == 0 && argc == 8)
		rc = child_follow(argv + 4);
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
static char decoder[PATH_MAX];	/* shm-decode, next to this program */
static char shmimage[PATH_MAX];
static const struct img_limits bench_limits = {
	.max_bytes = BENCH_MAX_BYTES,
	.decode_timeout_ms = IMG_DEFAULT_DECODE_TIMEOUT_MS,
};

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

static struct img_decoder *decoder_start(const char *key)
{
	struct err err;
	struct img_decoder *dec = img_decoder_start(decoder, key,
						    &bench_limits, &err);

	if (!dec)
		die("%s", err.msg);
	return dec;
}

/* Decodes path through dec into seg (sealed, checked, read-only). */
static void decoder_run(struct img_decoder *dec, const char *path,
			struct seg *seg)
{
	struct err err;

	if (img_decoder_send(dec, path, &err) < 0 ||
	    img_decoder_finish(dec, seg, &err) < 0)
		die("decoding %s: %s", path, err.msg);
}

static void publish_for_readers(const struct image *im)
{
	struct img_decoder *dec = decoder_start(owner_key);
	struct seg seg;
	struct err err;

	decoder_run(dec, im->path, &seg);
	img_decoder_destroy(dec);
	if (share_publish(owner, &seg, &err) < 0)
		die("publishing %s: %s", im->path, err.msg);
}

/* publish: PNG file -> sealed, attachable segment, as the window's load
 * does it: through a decoder helper started well before (the window
 * keeps a spare one), send + finish (the helper's answer checked like
 * any peer's) + share_publish. Against SDL_image decoding the same file
 * in this process. Every publish run gets a fresh share, so freeing the
 * previous segment is never counted. */
static void case_publish(const struct image *im)
{
	double dec[MAX_RUNS], pub[MAX_RUNS];
	char key[96];
	struct result *r;
	int runs = opt.min_runs;

	snprintf(key, sizeof(key), "%s.publish", key_base);
	for (int i = -1; i < runs; i++) {
		struct img_decoder *helper;
		struct share *share;
		SDL_Surface *s;
		struct seg seg;
		struct err err;
		double t0, td, tp;

		/* Started, then left alone until it is ready: its start-up
		 * must not compete with the baseline's decode either. */
		helper = decoder_start(key);
		share = share_create(key, &err);
		if (!share)
			die("%s", err.msg);
		sleep_ms(PRESTART_MS);

		t0 = now_ms();
		s = IMG_Load(im->path);
		td = now_ms() - t0;
		if (!s)
			die("%s: %s", im->path, IMG_GetError());
		SDL_FreeSurface(s);

		t0 = now_ms();
		decoder_run(helper, im->path, &seg);
		if (share_publish(share, &seg, &err) < 0)
			die("publish %s: %s", im->path, err.msg);
		tp = now_ms() - t0;
		share_destroy(share);
		img_decoder_destroy(helper);

		if (i < 0) {
			runs = runs_for(td + tp, opt.min_runs, opt.max_runs,
					opt.budget_ms);
			continue;
		}
		dec[i] = td;
		pub[i] = tp;
	}
	r = result_new("publish", im->kind, im->w, im->h);
	result_runs(r, pub, runs);
	result_baseline(r, "decode", dec, runs);
	if (is_target_size(im))
		result_target(r, "ratio<=1.10", r->ratio <= 1.10);
	emit(r);
}

/* Runs path with argv to its end, its output thrown away (stderr too
 * when quiet). Returns the wall time in ms; *status is its wait status,
 * *maxrss_kib its peak RSS. */
static double run_once(const char *path, char *const argv[], bool quiet,
		       int *status, long *maxrss_kib)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	double t0 = now_ms(), t;
	pid_t pid = start_program(path, argv, null, quiet ? null : -1), done;
	struct rusage ru;

	*status = 0;
	do
		done = wait4(pid, status, 0, &ru);
	while (done < 0 && errno == EINTR);
	if (done != pid)
		die("wait4 %s: %s", path, strerror(errno));
	t = now_ms() - t0;
	close(null);
	*maxrss_kib = ru.ru_maxrss;
	return t;
}

/* Median wall time of running path with argv to its end, runs times,
 * whatever its exit status. */
static double exec_ms(const char *path, char *const argv[], int runs)
{
	double v[MAX_RUNS];
	long rss;
	int status;

	for (int i = 0; i < runs; i++)
		v[i] = run_once(path, argv, true, &status, &rss);
	return median(v, runs);
}

/* decoder_startup: what starting a helper costs. A 1 x 1 PNG through a
 * helper started just then (img_decoder_start + send + finish) against
 * the same through one started PRESTART_MS before; the difference is the
 * start-up (exec, loading the decoders, entering the sandbox). Both
 * include the helper's exit, which finish waits for. */
static void case_decoder_startup(void)
{
	double cold[MAX_RUNS], warm[MAX_RUNS], spawn_ms[MAX_RUNS];
	char key[96], tiny[PATH_MAX];
	SDL_Surface *s;
	struct result *r;
	int runs = opt.max_runs;

	snprintf(key, sizeof(key), "%s.startup", key_base);
	if (snprintf(tiny, sizeof(tiny), "%s/tiny.png", tmpdir) >=
	    (int)sizeof(tiny))
		die("path too long: %s", tmpdir);
	s = SDL_CreateRGBSurfaceWithFormat(0, 1, 1, 32, SDL_PIXELFORMAT_RGBA32);
	if (!s || IMG_SavePNG(s, tiny) < 0)
		die("cannot write %s: %s", tiny, SDL_GetError());
	SDL_FreeSurface(s);
	for (int i = -1; i < runs; i++) {
		struct img_decoder *dec;
		struct seg seg;
		double t0, ts, tc, tw;

		t0 = now_ms();
		dec = decoder_start(key);
		ts = now_ms() - t0;
		decoder_run(dec, tiny, &seg);
		tc = now_ms() - t0;
		seg_finish(&seg);
		img_decoder_destroy(dec);

		dec = decoder_start(key);
		sleep_ms(PRESTART_MS);
		t0 = now_ms();
		decoder_run(dec, tiny, &seg);
		tw = now_ms() - t0;
		seg_finish(&seg);
		img_decoder_destroy(dec);
		if (i >= 0) {
			cold[i] = tc;
			warm[i] = tw;
			spawn_ms[i] = ts;
		}
	}
	r = result_new("decoder_startup", "", 1, 1);
	snprintf(r->role, sizeof(r->role), "cold_1x1");
	result_runs(r, cold, runs);
	result_baseline(r, "prestarted_1x1", warm, runs);
	result_extra(r, "startup_ms", r->median_ms - r->base_median_ms, 2);
	/* The part the caller waits for: img_decoder_start() itself. */
	result_extra(r, "start_call_ms", median(spawn_ms, runs), 3);
	/* Where the start-up goes: the helper run with no arguments loads
	 * its libraries and exits at its usage message; /bin/true is a
	 * program's fork, exec and exit without them. */
	result_extra(r, "exec_helper_ms", exec_ms(decoder, (char *[]){
		(char *)"shm-decode", NULL }, runs), 2);
	result_extra(r, "exec_true_ms", exec_ms("/bin/true", (char *[]){
		(char *)"true", NULL }, runs), 2);
	emit(r);
}

/* The baseline of sealing: what seg_create() does without the seals, a
 * plain memfd sized, mapped writable (populated in one go) and filled,
 * then kept as an unsealed owner would keep it. Returns the fd; *map
 * and *size to release afterwards. */
static int plain_memfd(const char *key, const uint8_t *src, uint32_t w,
		       uint32_t h, void **map, size_t *size)
{
	char name[sizeof("sharedmemory:") + 96];
	size_t pitch = seg_pitch_for(w), row = (size_t)w * 4u;
	uint8_t *rows;
	int fd;

	snprintf(name, sizeof(name), "sharedmemory:%s", key);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	*size = SEG_HEADER_SIZE + pitch * h;
	if (fd < 0 || ftruncate(fd, (off_t)*size) < 0)
		die("memfd: %s", strerror(errno));
	*map = mmap(NULL, *size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (*map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(*map, 0, SEG_HEADER_SIZE);
	rows = (uint8_t *)*map + SEG_HEADER_SIZE;
	for (uint32_t y = 0; y < h; y++)
		memcpy(rows + y * pitch, src + y * row, row);
	return fd;
}

/* One sealed segment made as the decoder makes it: seg_create, every
 * row written, seg_seal. Returns ms; *seal_ms gets seg_seal's part. */
static double sealed_once(const char *key, const uint8_t *src, uint32_t w,
			  uint32_t h, double *seal_ms)
{
	size_t row = (size_t)w * 4u;
	struct seg seg;
	struct err err;
	double t0, t1, t2;
	uint8_t *rows;

	t0 = now_ms();
	if (seg_create(&seg, key, w, h, &err) < 0)
		die("%s", err.msg);
	rows = seg_rows(&seg);
	for (uint32_t y = 0; y < h; y++)
		memcpy(rows + (size_t)y * seg.info.pitch, src + y * row, row);
	t1 = now_ms();
	if (seg_seal(&seg, &err) < 0)
		die("%s", err.msg);
	t2 = now_ms();
	seg_finish(&seg);
	*seal_ms = t2 - t1;
	return t2 - t0;
}

/* The baseline: plain_memfd(). Returns ms; *unmap_ms gets what dropping
 * its writable mapping costs afterwards. */
static double plain_once(const char *key, const uint8_t *src, uint32_t w,
			 uint32_t h, double *unmap_ms)
{
	double t0, t1, t2;
	size_t size;
	void *map;
	int fd;

	t0 = now_ms();
	fd = plain_memfd(key, src, w, h, &map, &size);
	t1 = now_ms();
	munmap(map, size);
	t2 = now_ms();
	close(fd);
	*unmap_ms = t2 - t1;
	return t1 - t0;
}

/* sealing: seg_create + every row written + seg_seal (which drops the
 * writable mapping, seals, and maps read-only), against the same memfd
 * filled the same way and never sealed. The rows come from a touched
 * buffer, as the decoder's come from its surface. The two alternate
 * which goes first, so neither always inherits the other's freed pages. */
static void case_sealing(const struct image *im)
{
	double sealed[MAX_RUNS], plain[MAX_RUNS], seal_ms[MAX_RUNS];
	double unmap_ms[MAX_RUNS];
	uint32_t w = (uint32_t)im->w, h = (uint32_t)im->h;
	size_t bytes = (size_t)w * h * 4u;
	uint8_t *src = touched(bytes, 0x3c);
	char key[96];
	struct result *r;
	int runs = opt.min_runs;

	snprintf(key, sizeof(key), "%s.seal", key_base);
	for (int i = -1; i < runs; i++) {
		double ts, tp, sm, um;

		if (i % 2 == 0) {
			ts = sealed_once(key, src, w, h, &sm);
			tp = plain_once(key, src, w, h, &um);
		} else {
			tp = plain_once(key, src, w, h, &um);
			ts = sealed_once(key, src, w, h, &sm);
		}
		if (i < 0) {
			runs = runs_for(ts + tp, opt.min_runs, opt.max_runs,
					opt.budget_ms);
			continue;
		}
		sealed[i] = ts;
		plain[i] = tp;
		seal_ms[i] = sm;
		unmap_ms[i] = um;
	}
	munmap(src, bytes);
	r = result_new("sealing", "", im->w, im->h);
	result_runs(r, sealed, runs);
	result_baseline(r, "unsealed_memfd", plain, runs);
	result_extra(r, "seg_seal_ms", median(seal_ms, runs), 3);
	/* Most of seg_seal(): dropping the populated writable mapping,
	 * which F_SEAL_WRITE requires (an unsealed owner pays it later, at
	 * detach or exit, and so does the decoder helper when it exits). */
	result_extra(r, "munmap_writable_ms", median(unmap_ms, runs), 3);
	if (is_target_size(im))
		result_target(r, "ratio<=1.05", r->ratio <= 1.05);
	emit(r);
}

/* attach_copy per image (median, minimum): the baseline of
 * serialize_roundtrip. */
static double attach_copy_ms[MAX_IMAGES], attach_copy_min_ms[MAX_IMAGES];

/* Runs a copy child in mode against a published image and records the
 * case under name (and role). Returns the result. */
static struct result *case_copy(const struct image *im, const char *name,
				const char *role, const char *mode,
				const char *env)
{
	char maxr[16], minr[16], budget[32], why[256];
	char *argv[] = { (char *)"copy", (char *)mode, owner_key, maxr, minr,
			 budget, NULL };
	double c[MAX_RUNS], f[MAX_RUNS], w[MAX_RUNS];
	double warm_median;
	struct result *r;
	char *out, *line;
	int n = 0, width = 0, height = 0, sw = 0, sh = 0;

	snprintf(maxr, sizeof(maxr), "%d", opt.max_runs);
	snprintf(minr, sizeof(minr), "%d", opt.min_runs);
	snprintf(budget, sizeof(budget), "%.0f", opt.budget_ms);
	r = result_new(name, im->kind, im->w, im->h);
	if (role)
		snprintf(r->role, sizeof(r->role), "%s", role);
	out = run_child(argv, env, why, sizeof(why));
	if (!out) {
		skip(r, "%s", why);
		return r;
	}
	child_renderer(out, r->info, sizeof(r->info));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "size %d %d", &width, &height) == 2)
			continue;
		if (sscanf(line, "shown %d %d", &sw, &sh) == 2)
			continue;
		if (n < MAX_RUNS &&
		    sscanf(line, "run %lf %lf %lf", &c[n], &f[n], &w[n]) == 3)
			n++;
	}
	free(out);
	result_runs(r, c, n);
	result_baseline(r, "memcpy_fresh", f, n);
	warm_median = median(w, n);
	result_extra(r, "memcpy_warm_median_ms", warm_median, 3);
	result_extra(r, "warm_ratio", r->median_ms / warm_median, 3);
	result_extra(r, "copy_gbps",
		     (double)width * height * 4 / (warm_median / 1e3) / 1e9, 2);
	if (sw > 0) {
		result_extra(r, "shown_w", sw, 0);
		result_extra(r, "shown_h", sh, 0);
	}
	return r;
}

static void case_attach(int idx)
{
	const struct image *im = &images[idx];
	bool noisy = strcmp(im->kind, "flat") != 0;
	struct result *r;

	publish_for_readers(im);
	if (want("attach_copy")) {
		r = case_copy(im, "attach_copy", NULL, "rgba", NULL);
		attach_copy_ms[idx] = r->median_ms;
		attach_copy_min_ms[idx] = r->min_ms;
		if (is_target_size(im) && !r->skipped[0]) {
			result_target(r, "ratio<=0.60", r->ratio <= 0.60);
			emit(r);
		} else if (!r->skipped[0]) {
			emit(r);
		}
		/* The same into memory advised for transparent huge pages:
		 * what a reader can do about the cost of fresh pages. */
		if (noisy && !is_huge(im) && !opt.quick) {
			r = case_copy(im, "attach_copy", "thp", "rgba-thp",
				      NULL);
			if (!r->skipped[0])
				emit(r);
		}
	}
	if (want("attach_display") && noisy) {
		static const struct {
			const char *role, *mode;
		} renderers[] = {
			{ "default", "texture-default" },
			{ "software", "texture-software" },
		};

		for (size_t i = 0; i < 2; i++) {
			r = case_copy(im, "attach_display", renderers[i].role,
				      renderers[i].mode, NULL);
			if (r->skipped[0])
				continue;
			if (is_target_size(im))
				result_target(r, "ratio<=0.60",
					      r->ratio <= 0.60);
			emit(r);
		}
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
		skip(r, "over 4096x4096 takes too long (use --all)");
		return;
	}
	surf = IMG_Load(im->path);
	if (!surf)
		die("%s: %s", im->path, IMG_GetError());
	/* --quick: a PNG encode needs no warm-up to be some 20 times a
	 * copy, and one run of a large image takes seconds. */
	if (opt.quick && (uint64_t)im->w * (uint64_t)im->h > 1024u * 1024u)
		runs = 1;
	for (int i = runs == 1 ? 0 : -1; i < runs; i++) {
		double t = serialize_once(surf);

		if (i < 0)
			runs = runs_for(t, opt.min_runs, opt.max_runs,
					opt.budget_ms);
		else
			v[i] = t;
	}
	SDL_FreeSurface(surf);
	result_runs(r, v, runs);
	r->baseline = "attach_copy";
	r->base_median_ms = attach_copy_ms[idx];
	r->base_min_ms = attach_copy_min_ms[idx];
	r->ratio = r->median_ms / r->base_median_ms;
	if (is_target_size(im) && !isnan(r->ratio))
		result_target(r, "ratio>=20", r->ratio >= 20);
	emit(r);
}

/* ---- export_bmp, export_png, export_py ---- */

#ifndef BENCH_SOURCE_DIR
#define BENCH_SOURCE_DIR "."
#endif

/* Runs argv (a program of the project, or python3) to its end, which
 * must be exit 0. Returns the wall time in ms; *maxrss_kib is its peak
 * RSS. */
static double run_timed(const char *path, char *const argv[],
			long *maxrss_kib)
{
	int status;
	double t = run_once(path, argv, false, &status, maxrss_kib);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s %s failed (status %#x)", path, argv[1], status);
	return t;
}

/* What zlib level 1 gives for the image's rows, each with filter byte 0
 * (what `convert -quality 10` writes, but for RGBA): the size a PNG of
 * the same pixels would have, within its few chunk bytes. */
static uint64_t zlib1_bytes(const struct seg *seg, double *ms)
{
	uint32_t w = seg->info.width, h = seg->info.height;
	uint8_t row[1 + 4 * 16384], out[1 << 16];
	double t0 = now_ms();
	uint64_t total = 0;
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit(&z, 1) != Z_OK)
		die("deflateInit failed");
	row[0] = 0;
	for (uint32_t y = 0; y < h; y++) {
		memcpy(row + 1, seg_pixels(seg) + (size_t)y * seg->info.pitch,
		       (size_t)w * 4);
		z.next_in = row;
		z.avail_in = 1 + w * 4;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			deflate(&z, y + 1 == h ? Z_FINISH : Z_NO_FLUSH);
			total += sizeof(out) - z.avail_out;
		} while (z.avail_out == 0);
	}
	deflateEnd(&z);
	*ms = now_ms() - t0;
	return total;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* What case_export runs and what it measured. */
struct export {
	char bmp[PATH_MAX + 32], png[PATH_MAX + 32], pyout[PATH_MAX + 32];
	char python[PATH_MAX];
	char reader[PATH_MAX];
	bool have_py;
	double vb[MAX_RUNS], vp[MAX_RUNS], vy[MAX_RUNS], vs[MAX_RUNS];
	long rss_png, py_peak;	/* KiB */
	int runs;
};

/* The programs of case_export run interleaved: a warm-up round that
 * sets x->runs, then x->runs measured rounds. */
static void export_time(struct export *x)
{
	char *bmp_argv[] = { (char *)"shmimage", (char *)"get", (char *)"--key",
			     owner_key, x->bmp, NULL };
	char *png_argv[] = { (char *)"shmimage", (char *)"get", (char *)"--key",
			     owner_key, x->png, NULL };
	char *py_argv[] = { x->python, x->reader, (char *)"--key", owner_key,
			    x->pyout, NULL };
	char *help_argv[] = { x->python, x->reader, (char *)"--help", NULL };
	bool have_py = x->have_py;
	long rss_py = 0, rss;

	x->rss_png = x->py_peak = 0;
	x->runs = opt.min_runs;
	for (int i = -1; i < x->runs; i++) {
		double b = run_timed(shmimage, bmp_argv, &rss);
		double p = run_timed(shmimage, png_argv, &x->rss_png);
		double y = have_py ? run_timed(x->python, py_argv, &rss_py)
				   : NAN;
		/* Python's own start-up and imports: reader.py --help. */
		double st = have_py ? run_timed(x->python, help_argv, &rss)
				    : NAN;

		x->py_peak = rss_py > x->py_peak ? rss_py : x->py_peak;
		if (i < 0) {
			x->runs = runs_for(b + p + (have_py ? y + st : 0),
					   opt.min_runs, opt.max_runs,
					   opt.budget_ms);
			continue;
		}
		x->vb[i] = b;
		x->vp[i] = p;
		x->vy[i] = y;
		x->vs[i] = st;
	}
}

/* export_bmp, and export_png against it; z1 bytes in zms ms is what zlib
 * level 1 gives for the same rows. */
static void export_results(const struct image *im, struct export *x,
			   uint64_t z1, double zms)
{
	uint64_t png_size = file_bytes(x->png);
	struct result *r;

	r = result_new("export_bmp", im->kind, im->w, im->h);
	result_runs(r, x->vb, x->runs);
	result_extra(r, "MiB", (double)file_bytes(x->bmp) / MIB, 1);
	emit(r);

	r = result_new("export_png", im->kind, im->w, im->h);
	result_runs(r, x->vp, x->runs);
	result_baseline(r, "export_bmp", x->vb, x->runs);
	result_extra(r, "MiB", (double)png_size / MIB, 2);
	result_extra(r, "zlib1_MiB", (double)z1 / MIB, 2);
	result_extra(r, "size_vs_zlib1", (double)png_size / (double)z1, 3);
	result_extra(r, "zlib1_ms", zms, 0);
	result_extra(r, "peak_rss_MiB", x->rss_png / 1024.0, 1);
	result_target(r, "ratio<=2,size<=1.10*zlib1",
		      r->ratio <= 2 && png_size <= z1 * 1.10);
	emit(r);
}

/* export_py against export_png, its peak RSS against the mapping of
 * map_mib. False when it was skipped (no python3). */
static bool export_py_result(const struct image *im, struct export *x,
			     double map_mib)
{
	struct result *r = result_new("export_py", im->kind, im->w, im->h);
	double startup;

	if (!x->have_py) {
		skip(r, "no python3 on PATH");
		return false;
	}
	result_runs(r, x->vy, x->runs);
	result_baseline(r, "export_png", x->vp, x->runs);
	result_extra(r, "MiB", (double)file_bytes(x->pyout) / MIB, 2);
	result_extra(r, "peak_rss_MiB", x->py_peak / 1024.0, 1);
	result_extra(r, "beyond_map_MiB", x->py_peak / 1024.0 - map_mib, 1);
	startup = median(x->vs, x->runs);
	result_extra(r, "python_startup_ms", startup, 0);
	result_extra(r, "ratio_less_startup",
		      (r->median_ms - startup) / r->base_median_ms, 2);
	result_target(r, "ratio<=2,rss<=map+64MiB",
		      r->ratio <= 2 && x->py_peak / 1024.0 - map_mib <= 64);
	emit(r);
	return true;
}

/* export_bmp, export_png, export_py: `shmimage get OUT.bmp`, `get
 * OUT.png` and `python3 reader.py OUT.png` of the image the bench's
 * owner serves, interleaved, each a whole process run (start-up
 * included) writing into the bench's temporary folder. export_png's
 * baseline is export_bmp, export_py's is export_png; the PNG's size is
 * compared with zlib level 1 of the same rows without filter. */
static void case_export(const struct image *im)
{
	struct export x;
	const struct seg *seg;
	double map_mib, zms;
	uint64_t z1;

	if (opt.python)
		x.have_py = snprintf(x.python, sizeof(x.python), "%s",
				     opt.python) < (int)sizeof(x.python);
	else
		x.have_py = tu_find_python(x.python, sizeof(x.python));
	if (x.have_py)
		note("  export_py runs %s", x.python);
	seg = share_segment(owner);
	map_mib = (double)seg->map_size / MIB;
	z1 = zlib1_bytes(seg, &zms);
	snprintf(x.bmp, sizeof(x.bmp), "%s/export.bmp", tmpdir);
	snprintf(x.png, sizeof(x.png), "%s/export.png", tmpdir);
	snprintf(x.pyout, sizeof(x.pyout), "%s/export-py.png", tmpdir);
	snprintf(x.reader, sizeof(x.reader), "%s/src/readers/reader.py",
		 BENCH_SOURCE_DIR);
	export_time(&x);
	export_results(im, &x, z1, zms);
	if (!export_py_result(im, &x, map_mib))
		return;
	unlink(x.bmp);
	unlink(x.png);
	unlink(x.pyout);
}

/* The reader processes of case_rate and what they sent back. */
struct rate {
	int readers;
	int res[RATE_READERS_MAX][2];	/* each reader's result pipe */
	pid_t pids[RATE_READERS_MAX];
	double med[RATE_READERS_MAX], mins[RATE_READERS_MAX];
	double per_s;
	long total;
};

/* Starts rt->readers children of role rate, each attaching for seconds
 * once the read end go_fd reaches its end. */
static void rate_spawn(struct rate *rt, int go_fd, double seconds)
{
	char fdarg[RATE_READERS_MAX][16], goarg[16], secarg[32];

	snprintf(goarg, sizeof(goarg), "%d", go_fd);
	snprintf(secarg, sizeof(secarg), "%.3f", seconds);
	for (int i = 0; i < rt->readers; i++) {
		char *argv[] = { (char *)"shm-bench", (char *)"--child",
				 fdarg[i], (char *)"rate", owner_key, goarg,
				 secarg, NULL };
		int keep[2];

		if (pipe2(rt->res[i], O_CLOEXEC) < 0)
			die("pipe: %s", strerror(errno));
		snprintf(fdarg[i], sizeof(fdarg[i]), "%d", rt->res[i][1]);
		keep[0] = rt->res[i][1];
		keep[1] = go_fd;
		rt->pids[i] = spawn(argv, keep, 2, NULL);
		close(rt->res[i][1]);
	}
}

/* Reads what each reader sent; the first failure's reason into why. */
static void rate_collect(struct rate *rt, char *why, size_t size)
{
	for (int i = 0; i < rt->readers; i++) {
		bool ok;
		char *out = collect(rt->pids[i], rt->res[i][0], &ok);
		int count = 0;
		double elapsed = 0;

		rt->med[i] = rt->mins[i] = NAN;
		if (!ok || sscanf(out, "rate %d %lf %lf %lf", &count, &elapsed,
				  &rt->med[i], &rt->mins[i]) != 4)
			child_error(out, why, size);
		else {
			rt->total += count;
			rt->per_s += count / (elapsed / 1000);
		}
		free(out);
	}
}

/* attach_rate: readers processes attach in a loop, all at once. */
static void case_rate(const struct image *im, int readers, double seconds)
{
	struct rate rt = { .readers = readers };
	int go[2];
	struct result *r;
	char why[256] = "";

	r = result_new("attach_rate", im->kind, im->w, im->h);
	snprintf(r->role, sizeof(r->role), "%d_reader%s", readers,
		 readers > 1 ? "s" : "");
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	rate_spawn(&rt, go[0], seconds);
	close(go[0]);
	/* Wait until every reader is warm and waiting, then let them go. */
	for (int i = 0; i < readers; i++) {
		char c = 0;

		while (c != '\n' && read(rt.res[i][0], &c, 1) == 1)
			;
	}
	close(go[1]);
	rate_collect(&rt, why, sizeof(why));
	if (why[0]) {
		skip(r, "%s", why);
		return;
	}
	r->runs = (int)rt.total;
	r->median_ms = median(rt.med, readers);
	r->min_ms = minimum(rt.mins, readers);
	result_extra(r, "readers", readers, 0);
	result_extra(r, "attaches_per_s", rt.per_s, 0);
	if (readers == 1)
		result_target(r, "per_s>=5000", rt.per_s >= 5000);
	emit(r);
}

/* ---- the window: M, following ---- */

/* Runs the child argv while `shmimage put` owns a flat M_IMAGE_SIZE
 * image under key, its result called name in *rp. Returns the child's
 * output (its renderer already in the result), or NULL once the result
 * is skipped with the reason. */
static char *child_beside_put(const char *name, const char *key,
			      char *const argv[], struct result **rp)
{
	struct image im;
	struct result *r;
	char why[256];
	char *out;
	int fd;
	pid_t put;

	note("%s %dx%d", name, M_IMAGE_SIZE, M_IMAGE_SIZE);
	generate(&im, "flat", M_IMAGE_SIZE);
	r = *rp = result_new(name, im.kind, im.w, im.h);
	put = start_put(shmimage, key, im.path, "512M", &fd);
	if (isnan(wait_line(fd, "shared ", 60000))) {
		stop_program(put);
		close(fd);
		unlink(im.path);
		skip(r, "shmimage put did not share the image in 60 s");
		return NULL;
	}
	out = run_child(argv, NULL, why, sizeof(why));
	stop_program(put);
	close(fd);
	unlink(im.path);
	if (!out) {
		skip(r, "%s", why);
		return NULL;
	}
	child_renderer(out, r->info, sizeof(r->info));
	return out;
}

/* m_to_frame: a window presses M while `shmimage put` owns an 8000 x 8000
 * image; from the key press to the frame that shows it. */
static void case_m(void)
{
	char key[96], runs[16];
	char *argv[] = { (char *)"m", key, runs, NULL };
	double v[MAX_RUNS], attach_ms = NAN, texture_ms = NAN;
	struct result *r;
	char *out, *line;
	int n = 0, sw = 0, sh = 0;

	snprintf(key, sizeof(key), "%s.m", key_base);
	snprintf(runs, sizeof(runs), "%d", opt.m_runs);
	out = child_beside_put("m_to_frame", key, argv, &r);
	if (!out)
		return;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "shown %d %d", &sw, &sh) == 2)
			continue;
		if (sscanf(line, "parts %lf %lf", &attach_ms, &texture_ms) == 2)
			continue;
		if (n < MAX_RUNS && sscanf(line, "run %lf", &v[n]) == 1)
			n++;
	}
	free(out);
	result_runs(r, v, n);
	result_extra(r, "attach_ms", attach_ms, 2);
	result_extra(r, "texture_ms", texture_ms, 2);
	result_extra(r, "shown_w", sw, 0);
	result_extra(r, "shown_h", sh, 0);
	result_target(r, "median<=250ms", r->median_ms <= 250);
	emit(r);
}

/* resize_step: a window showing an 8000 x 8000 image (another process
 * owns it) resized step by step; from the size change to the presented
 * frame, and the window's RssAnon growth from before M to the largest
 * during the drag. */
#define RESIZE_STEPS 41
static void case_resize(void)
{
	char key[96], steps[16];
	char *argv[] = { (char *)"resize", key, steps, NULL };
	double v[MAX_RUNS * 8], set[MAX_RUNS * 8], direct = NAN, first = NAN;
	double texture = NAN, empty = NAN;
	long rss0 = -1, rss_max = -1;
	struct result *r;
	char *out, *line;
	int n = 0;

	snprintf(key, sizeof(key), "%s.resize", key_base);
	snprintf(steps, sizeof(steps), "%d", RESIZE_STEPS);
	out = child_beside_put("resize_step", key, argv, &r);
	if (!out)
		return;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "rss %ld %ld", &rss0, &rss_max) == 2)
			continue;
		if (sscanf(line, "direct %lf", &direct) == 1)
			continue;
		if (sscanf(line, "texture %lf", &texture) == 1)
			continue;
		if (sscanf(line, "empty %lf", &empty) == 1)
			continue;
		if (n < MAX_RUNS * 8 &&
		    sscanf(line, "step %lf %lf", &v[n], &set[n]) == 2)
			n++;
	}
	free(out);
	first = n ? v[0] : NAN;
	result_runs(r, v, n);
	result_extra(r, "first_ms", first, 1);
	result_extra(r, "in_SetWindowSize_ms", median(set, n), 1);
	result_extra(r, "texture_ms", texture, 1);
	result_extra(r, "no_image_step_ms", empty, 1);
	result_extra(r, "from_mapping_ms", direct, 1);
	result_extra(r, "rssanon_growth_MiB", (rss_max - rss0) / 1024.0, 1);
	result_target(r, "median<=16ms,growth<=16MiB",
		      r->median_ms <= 16 && (rss_max - rss0) / 1024.0 <= 16);
	emit(r);
}

/* follow_latency: a following window (the library, in a child) and
 * `shmimage put` started again and again under its key; from the put's
 * line to the frame showing the new image. */
static void case_follow(const struct image *im)
{
	char key[96], runs[16], why[256];
	char *argv[] = { (char *)"follow", key, (char *)im->path, shmimage,
			 runs, NULL };
	double v[MAX_RUNS];
	struct result *r;
	char *out, *line;
	int n = 0;

	note("follow_latency %dx%d, %d runs", im->w, im->h, opt.follow_runs);
	r = result_new("follow_latency", im->kind, im->w, im->h);
	snprintf(key, sizeof(key), "%s.follow", key_base);
	snprintf(runs, sizeof(runs), "%d", opt.follow_runs);
	out = run_child(argv, NULL, why, sizeof(why));
	if (!out) {
		skip(r, "%s", why);
		return;
	}
	child_renderer(out, r->info, sizeof(r->info));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (n < MAX_RUNS && sscanf(line, "run %lf", &v[n]) == 1)
			n++;
	free(out);
	result_runs(r, v, n);
	result_target(r, "median<=200ms", r->median_ms <= 200);
	emit(r);
}

/* ---- the window and shmimage as processes: memory, idle CPU ---- */

/* A field of /proc/PID/status in KiB ("RssAnon"), or -1. */
static long proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* True when a mapping of pid names needle (a memfd's name). */
static bool proc_maps_has(pid_t pid, const char *needle)
{
	char path[64], line[1024];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Waits until pid's RssAnon has not moved by more than 256 KiB for a
 * second (sampled every 100 ms), and at least min_ms, at most
 * timeout_ms. Returns the last RssAnon in KiB, or -1 if pid ended. */
static long wait_rss_stable(pid_t pid, double min_ms, double timeout_ms)
{
	double start = now_ms();
	long s[10];
	int n = 0;

	for (;;) {
		long lo = LONG_MAX, hi = 0, v = proc_status_kb(pid, "RssAnon");

		if (v < 0 || !program_alive(pid))
			return -1;
		s[n % 10] = v;
		n++;
		for (int i = 0; i < (n < 10 ? n : 10); i++) {
			lo = s[i] < lo ? s[i] : lo;
			hi = s[i] > hi ? s[i] : hi;
		}
		if (now_ms() - start >= timeout_ms ||
		    (n >= 10 && hi - lo <= 256 && now_ms() - start >= min_ms))
			return v;
		sleep_ms(100);
	}
}

/* Polls until cond(pid, arg) or timeout_ms. Returns whether it held. */
static bool wait_for(bool (*cond)(pid_t, const char *), pid_t pid,
		     const char *arg, double timeout_ms)
{
	double deadline = now_ms() + timeout_ms;

	while (!cond(pid, arg)) {
		if (now_ms() > deadline || !program_alive(pid))
			return false;
		sleep_ms(20);
	}
	return true;
}

/* True once key serves an image (pid is unused). */
static bool key_ready(pid_t pid, const char *key)
{
	struct err err;

	(void)pid;
	return attach_once(key, &err) == 0;
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

static char window_prog[PATH_MAX];

/* `sharedmemory --key key [extra...]`, its output in tmpdir/log. */
static pid_t start_window(const char *key, const char *extra1,
			  const char *extra2, const char *log)
{
	char *argv[] = { window_prog, (char *)"--key", (char *)key,
			 (char *)extra1, (char *)extra2, NULL };
	char path[PATH_MAX + 64];
	pid_t pid;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, log);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid = start_program(window_prog, argv, fd, fd);
	if (fd >= 0)
		close(fd);
	return pid;
}

/* What a mapping of a segment is called in /proc/PID/maps. Not the key:
 * each window maps only the segments it shows or serves, so the prefix
 * tells that it holds one. */
#define SEG_MAPS_NAME "/memfd:sharedmemory:"

static struct result *memory_result(const char *role, const struct image *im,
				    long before_kb, long after_kb,
				    const char *baseline)
{
	struct result *r = result_new("window_memory", im->kind, im->w, im->h);
	double growth = (after_kb - before_kb) / 1024.0;

	snprintf(r->role, sizeof(r->role), "%s", role);
	r->runs = 1;
	r->baseline = baseline;
	result_extra(r, "rss_anon_before_mib", before_kb / 1024.0, 1);
	result_extra(r, "rss_anon_after_mib", after_kb / 1024.0, 1);
	result_extra(r, "growth_mib", growth, 1);
	result_extra(r, "image_mib", (double)im->w * im->h * 4 / MIB, 1);
	result_target(r, "growth<=16MiB", growth <= WINDOW_GROWTH_MIB);
	return r;
}

/* window_memory/follower: RssAnon of `sharedmemory --follow` idle, then
 * once it shows what `shmimage put` shared (its maps hold the segment,
 * then RssAnon is stable for a second). */
static void case_memory_follower(const struct image *im)
{
	char key[96];
	struct result *r;
	long before, after, shmem;
	pid_t win, put = 0;
	int fd = -1;

	snprintf(key, sizeof(key), "%s.mf", key_base);
	win = start_window(key, "--follow", NULL, "follower.log");
	before = wait_rss_stable(win, 1500, 15000);
	if (before >= 0) {
		put = start_put(shmimage, key, im->path, BENCH_MAX_BYTES_ARG,
				&fd);
		if (isnan(wait_line(fd, "shared ", 60000)))
			before = -2;
	}
	if (before >= 0 &&
	    !wait_for(proc_maps_has, win, SEG_MAPS_NAME, 10000))
		before = -3;
	after = before >= 0 ? wait_rss_stable(win, 1000, 10000) : -1;
	shmem = after >= 0 ? proc_status_kb(win, "RssShmem") : -1;
	stop_program(put);
	if (fd >= 0)
		close(fd);
	stop_program(win);
	if (after < 0) {
		r = result_new("window_memory", im->kind, im->w, im->h);
		snprintf(r->role, sizeof(r->role), "follower");
		skip(r, "%s (see follower.log in %s with --keep)",
		     before == -1 ? "the window did not start" :
		     before == -2 ? "shmimage put did not share the image" :
		     before == -3 ? "the follower did not attach in 10 s" :
				    "the window ended", tmpdir);
		return;
	}
	r = memory_result("follower", im, before, after, "same_window_idle");
	result_extra(r, "rss_shmem_mib", shmem / 1024.0, 1);
	emit(r);
}

/* window_memory/owner: RssAnon of `sharedmemory --load FILE` once the
 * image is served and shown, against a window idle with nothing loaded.
 * Returns the owner window, still running, for idle_cpu (or 0). */
static pid_t case_memory_owner(const struct image *im, char *key,
			       size_t keysize, bool report)
{
	char idle_key[96];
	struct result *r;
	long idle, after = -1;
	pid_t win;

	snprintf(idle_key, sizeof(idle_key), "%s.mi", key_base);
	snprintf(key, keysize, "%s.mo", key_base);
	idle = -1;
	if (report) {
		win = start_window(idle_key, NULL, NULL, "idle.log");
		idle = wait_rss_stable(win, 1500, 15000);
		stop_program(win);
	}
	win = start_window(key, "--load", im->path, "owner.log");
	if (wait_for(key_ready, win, key, 60000) &&
	    wait_for(proc_maps_has, win, SEG_MAPS_NAME, 10000))
		after = wait_rss_stable(win, 1000, 10000);
	if (after < 0) {
		stop_program(win);
		win = 0;
	}
	if (!report)
		return win;
	if (idle < 0 || after < 0) {
		r = result_new("window_memory", im->kind, im->w, im->h);
		snprintf(r->role, sizeof(r->role), "owner");
		skip(r, "the %s window did not %s (see %s.log in %s with "
		     "--keep)", idle < 0 ? "idle" : "owner",
		     idle < 0 ? "start" : "share its image",
		     idle < 0 ? "idle" : "owner", tmpdir);
		return win;
	}
	r = memory_result("owner", im, idle, after, "idle_empty_window");
	result_extra(r, "rss_shmem_mib",
		     proc_status_kb(win, "RssShmem") / 1024.0, 1);
	emit(r);
	return win;
}

/* One process watched by idle_cpu. */
struct idler {
	const char *role;
	pid_t pid;
	double cpu0, ns0;
	long wake0;
};

static void idler_start(struct idler *d)
{
	d->cpu0 = proc_cpu_s(d->pid);
	d->ns0 = proc_cpu_ns(d->pid);
	d->wake0 = proc_wakeups(d->pid);
}

static void idler_result(const struct idler *d, const struct image *im,
			 double seconds)
{
	struct result *r = result_new("idle_cpu", im ? im->kind : "",
				      im ? im->w : 0, im ? im->h : 0);
	double cpu = proc_cpu_s(d->pid) - d->cpu0;
	double ns = proc_cpu_ns(d->pid) - d->ns0;
	long wake = proc_wakeups(d->pid) - d->wake0;

	snprintf(r->role, sizeof(r->role), "%s", d->role);
	if (!program_alive(d->pid)) {
		skip(r, "the process ended early");
		return;
	}
	r->runs = 1;
	r->median_ms = r->min_ms = cpu * 1000;
	result_extra(r, "cpu_s", cpu, 3);
	result_extra(r, "cpu_s_schedstat", ns / 1e9, 5);
	result_extra(r, "idle_s", seconds, 2);
	result_extra(r, "wakeups_per_s", (double)wake / seconds, 1);
	/* The target is for 10 s idle; --quick and --idle-seconds watch
	 * for another time, so it is judged per 10 s. */
	result_extra(r, "cpu_s_per_10s", cpu * 10 / seconds, 3);
	result_target(r, "cpu_s/10s<0.05", cpu * 10 / seconds < 0.05);
	emit(r);
}

/* idle_cpu: the owner window sharing an image, `shmimage watch` of its
 * key, and `shmimage watch` of a key nobody holds, idle side by side for
 * idle_s (each is measured on its own: CPU time is per process). */
static void case_idle(pid_t window, const char *key, const struct image *im)
{
	char none[96];
	char *watch_owner[] = { (char *)"shmimage", (char *)"watch",
				(char *)"--key", (char *)key, NULL };
	char *watch_none[] = { (char *)"shmimage", (char *)"watch",
			       (char *)"--key", none, NULL };
	struct idler d[3] = {
		{ .role = "window", .pid = window },
		{ .role = "watch_owner" },
		{ .role = "watch_no_owner" },
	};
	double t0, seconds;
	int p[2];

	snprintf(none, sizeof(none), "%s.none", key_base);
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	d[1].pid = start_program(shmimage, watch_owner, p[1], -1);
	close(p[1]);
	d[2].pid = start_program(shmimage, watch_none, -1, -1);
	/* The watch of the owner has printed the current image; the other
	 * has had time to start and look for an owner. */
	if (isnan(wait_line(p[0], "shared ", 10000)))
		note("  shmimage watch printed no line in 10 s");
	sleep_ms(1000);
	for (int i = 0; i < 3; i++)
		if (d[i].pid > 0)
			idler_start(&d[i]);
	t0 = now_ms();
	sleep_ms(opt.idle_s * 1000);
	seconds = (now_ms() - t0) / 1000;
	for (int i = 0; i < 3; i++) {
		if (d[i].pid > 0) {
			idler_result(&d[i], i == 0 ? im : NULL, seconds);
		} else {
			struct result *r = result_new("idle_cpu", "", 0, 0);

			snprintf(r->role, sizeof(r->role), "%s", d[i].role);
			skip(r, "no window sharing an image");
		}
	}
	stop_program(d[1].pid);
	stop_program(d[2].pid);
	close(p[0]);
}

/* Takes every watcher place key's owner has left, as watchers that read
 * (so the owner keeps them): connects until the owner answers 'E'.
 * Returns how many places it holds, their sockets in fds. */
static int hold_watch_places(const char *key, int *fds, int max)
{
	int n = 0;

	while (n < max) {
		struct err err;
		int sock = name_watch(key, NULL, &err), rc = 0;
		struct pollfd p = { .fd = sock, .events = POLLIN };

		if (sock >= 0 && poll(&p, 1, 2000) == 1)
			rc = name_watch_read(sock, NULL);
		if (sock >= 0 && rc > 0) {
			fds[n++] = sock;
			continue;
		}
		if (sock >= 0)
			close(sock);
		break;	/* refused (full), or no owner */
	}
	return n;
}

/* idle_cpu, refused: the owner window with every watcher place taken by
 * watchers that read (so none is dropped), and one more `shmimage watch`
 * that it refuses with its reason; both measured for idle_s. */
static void case_idle_refused(pid_t window, const char *key)
{
	static int held[NAME_MAX_WATCHERS + 1];
	char *watch[] = { (char *)"shmimage", (char *)"watch", (char *)"--key",
			  (char *)key, NULL };
	struct idler d[2] = {
		{ .role = "window_full", .pid = window },
		{ .role = "watch_refused" },
	};
	int n = hold_watch_places(key, held, NAME_MAX_WATCHERS + 1), p[2];
	double t0, seconds;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	d[1].pid = start_program(shmimage, watch, -1, p[1]);
	close(p[1]);
	if (isnan(wait_line(p[0], "shmimage: watching key", 10000)))
		note("  the refused watch gave no reason in 10 s");
	note("  %d watcher places held, one more watch refused", n);
	sleep_ms(1000);
	for (int i = 0; i < 2; i++)
		idler_start(&d[i]);
	t0 = now_ms();
	sleep_ms(opt.idle_s * 1000);
	seconds = (now_ms() - t0) / 1000;
	for (int i = 0; i < 2; i++)
		idler_result(&d[i], NULL, seconds);
	stop_program(d[1].pid);
	close(p[0]);
	for (int i = 0; i < n; i++)
		close(held[i]);
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static void describe_machine(FILE *out)
{
	char model[256] = "?", line[512], thp[128] = "?";
	const char *display = getenv("DISPLAY");
	const char *driver = getenv("SDL_VIDEODRIVER");
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
		"%.2f %.2f; DISPLAY %s, SDL_VIDEODRIVER %s\n", model,
		sysconf(_SC_NPROCESSORS_ONLN), u.release, thp, load[0], load[1],
		load[2], display ? display : "unset",
		driver ? driver : "unset");
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
	      "--quick         size 4096 only, 3 runs (serialize: 1), 3 M "
	      "presses, 8 follow\n"
	      "                rounds, 3 s idle, no attach_copy/thp\n"
	      "--sizes LIST    edge lengths of the generated square images "
	      "(default 1024,2048,4096,8192)\n"
	      "--image FILE    measure FILE instead of generated images\n"
	      "--cases LIST    any of publish,decoder_startup,sealing,"
	      "attach_copy,\n"
	      "                attach_display,serialize_roundtrip,attach_rate,"
	      "m_to_frame,\n"
	      "                follow_latency,window_memory,idle_cpu,"
	      "export_bmp,\n"
	      "                export_png,export_py,resize_step "
	      "(default all)\n"
	      "--runs N        measured runs per case at most (default 7; "
	      "at least 3)\n"
	      "--idle-seconds  how long idle_cpu watches (default 10)\n"
	      "--window PATH   the sharedmemory program (default: next to "
	      "shm-bench)\n"
	      "--python PATH   the Python export_py runs (default: python3 on "
	      "PATH)\n"
	      "--all           over 4096x4096 too: serialize and the comparison "
	      "variants\n"
	      "--keep          keep the generated images and window logs "
	      "(their folder is printed)\n"
	      "\n"
	      "The drawing cases use SDL's video driver: run under X (e.g. "
	      "Xvfb, DISPLAY set)\n"
	      "for the window's default renderer; without DISPLAY the dummy "
	      "driver is used.\n", out);
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

/* Which of the options --quick sets were given on the command line. */
struct given {
	bool sizes, runs, idle;
};

/* An option that is a word alone: set, true; false when a is none. */
static bool parse_flag(const char *a)
{
	static const struct {
		const char *name;
		bool *set;
	} flags[] = {
		{ "--json", &opt.json },
		{ "--quick", &opt.quick },
		{ "--all", &opt.all },
		{ "--keep", &opt.keep },
	};

	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		if (strcmp(a, flags[k].name) == 0) {
			*flags[k].set = true;
			return true;
		}
	}
	return false;
}

/* An option a with its value v: recorded, true; false when a is none. */
static bool parse_valued(const char *a, const char *v, struct given *g)
{
	if (strcmp(a, "--sizes") == 0) {
		parse_sizes(v);
		g->sizes = true;
	} else if (strcmp(a, "--image") == 0) {
		opt.image = v;
	} else if (strcmp(a, "--cases") == 0) {
		opt.cases = v;
	} else if (strcmp(a, "--window") == 0) {
		opt.window = v;
	} else if (strcmp(a, "--python") == 0) {
		opt.python = v;
	} else if (strcmp(a, "--runs") == 0) {
		opt.max_runs = atoi(v);
		g->runs = true;
	} else if (strcmp(a, "--idle-seconds") == 0) {
		opt.idle_s = atof(v);
		g->idle = true;
	} else {
		return false;
	}
	return true;
}

/* --quick's defaults where g says none was given, then the bounds. */
static void settle_options(const struct given *g)
{
	if (opt.quick) {
		if (!g->sizes)
			parse_sizes("4096");
		if (!g->runs)
			opt.max_runs = 3;
		if (!g->idle)
			opt.idle_s = 3;
		opt.budget_ms = 1500;
		opt.m_runs = 3;
		opt.follow_runs = 8;
	}
	if (opt.max_runs < opt.min_runs)
		opt.max_runs = opt.min_runs;
	if (opt.max_runs > MAX_RUNS)
		opt.max_runs = MAX_RUNS;
	if (opt.idle_s <= 0)
		opt.idle_s = 10;
}

static void parse_args(int argc, char **argv)
{
	struct given g = { 0 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (parse_flag(a))
			continue;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (v && parse_valued(a, v, &g)) {
			i++;
			continue;
		}
		fprintf(stderr, "shm-bench: unknown argument %s\n", a);
		usage(stderr);
		exit(2);
	}
	settle_options(&g);
}

/* The image a one-image case uses: of kind (any kind when there is none
 * of it, e.g. --image), the smallest, or the largest not over 4096 x
 * 4096. */
static const struct image *pick_image(const char *kind, bool smallest)
{
	const struct image *best = NULL;

	for (int i = 0; i < nimages; i++) {
		const struct image *im = &images[i];

		if (strcmp(im->kind, kind) != 0)
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

/* The keys, the programs this one starts (shm-decode and shmimage next
 * to it, the window there too or from --window), the images and the
 * owner the readers attach to. Dies when a program is missing. */
static void prepare(void)
{
	struct err err;

	snprintf(key_base, sizeof(key_base), "shm-bench-%d", (int)getpid());
	snprintf(owner_key, sizeof(owner_key), "%s.owner", key_base);
	if (img_decoder_path(decoder, sizeof(decoder), &err) < 0)
		die("%s", err.msg);
	sibling("shmimage", shmimage, sizeof(shmimage));
	if (opt.window)
		snprintf(window_prog, sizeof(window_prog), "%s", opt.window);
	else
		sibling("sharedmemory", window_prog, sizeof(window_prog));
	if (access(decoder, X_OK) < 0 || access(shmimage, X_OK) < 0 ||
	    access(window_prog, X_OK) < 0)
		die("build shm-decode, shmimage and sharedmemory first: "
		    "they run from %s, %s and %s", decoder, shmimage,
		    window_prog);
	prepare_images();
	owner = share_create(owner_key, &err);
	if (!owner)
		die("%s", err.msg);
}

/* The cases measured on every image: images[idx]. */
static void image_cases(int idx)
{
	const struct image *im = &images[idx];

	note("%s %dx%d", im->kind, im->w, im->h);
	attach_copy_ms[idx] = attach_copy_min_ms[idx] = NAN;
	if (want("publish")) {
		note("  publish");
		case_publish(im);
	}
	/* Content does not matter to a copy: one kind is enough. */
	if (want("sealing") && strcmp(im->kind, "flat") != 0) {
		note("  sealing");
		case_sealing(im);
	}
	if (want("attach_copy") || want("attach_display")) {
		note("  attach_copy, attach_display");
		case_attach(idx);
	}
	if (want("serialize_roundtrip")) {
		note("  serialize_roundtrip");
		case_serialize(idx);
	}
	if ((want("export_png") || want("export_bmp") ||
	     want("export_py")) && is_target_size(im)) {
		note("  export_bmp, export_png, export_py");
		publish_for_readers(im);
		case_export(im);
	}
}

/* attach_rate with 1 reader, then 16, on the smallest noisy image. */
static void rate_cases(void)
{
	const struct image *im = pick_image("noisy", true);

	note("attach_rate %dx%d", im->w, im->h);
	publish_for_readers(im);
	case_rate(im, 1, opt.quick ? 0.5 : 1.0);
	case_rate(im, 16, opt.quick ? 0.5 : 1.0);
}

/* window_memory and idle_cpu: the owner window of window_memory is the
 * window idle_cpu watches. */
static void window_cases(void)
{
	const struct image *im = pick_image("noisy", false);
	char key[96];
	pid_t win;

	note("window_memory %dx%d", im->w, im->h);
	if (want("window_memory"))
		case_memory_follower(im);
	win = case_memory_owner(im, key, sizeof(key), want("window_memory"));
	if (want("idle_cpu")) {
		note("idle_cpu %.0f s", opt.idle_s);
		case_idle(win, key, im);
		if (win > 0)
			case_idle_refused(win, key);
	}
	stop_program(win);
}

int main(int argc, char **argv)
{
	FILE *out;

	start_ms = now_ms();
	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return child_main(argc, argv);

	parse_args(argc, argv);
	/* Without a display, the drawing cases use the dummy driver (and so
	 * the software renderer); children and windows inherit it. */
	if (!getenv("SDL_VIDEODRIVER") && !getenv("DISPLAY") &&
	    !getenv("WAYLAND_DISPLAY"))
		setenv("SDL_VIDEODRIVER", "dummy", 1);
	signal(SIGPIPE, SIG_IGN);
	describe_machine(stderr);
	prepare();

	for (int i = 0; i < nimages; i++)
		image_cases(i);
	if (want("decoder_startup")) {
		note("decoder_startup");
		case_decoder_startup();
	}
	if (want("attach_rate"))
		rate_cases();
	share_destroy(owner);
	if (want("m_to_frame"))
		case_m();
	if (want("resize_step"))
		case_resize();
	if (want("follow_latency"))
		case_follow(pick_image("flat", false));
	/* Last: idle_cpu needs the machine quiet. */
	if (want("window_memory") || want("idle_cpu"))
		window_cases();

	/* With --json the objects own stdout and the table goes to stderr. */
	out = opt.json ? stderr : stdout;
	describe_machine(out);
	print_table(out);
	note("done");
	return 0;
}
