/* test_hostile - readers against lying owners, owners against rude clients.
 *
 *   test_hostile SHMIMAGE HOSTILE_PEER MODE
 *   test_hostile SHMIMAGE HOSTILE_PEER --check MODE...
 *
 * Owner modes (hostile_peer owner MODE sits on the key, forging contract
 * version 2 by hand) prove, for each way an owner can lie or stall:
 *   - `shmimage get` ends by itself, never by a signal, within the bound
 *     (3 s: the one 2 s deadline of an attach plus start-up; 2.5 s where
 *     the mode spreads its delay over connect and receive), with exit 1
 *     and exactly one line "shmimage: ..." of printable ASCII that names
 *     the problem (a keyword per mode, below);
 *   - an 'E' reason from the owner shows printable characters only, at
 *     most 200 of them, however long or binary it was;
 *   - where the mode must succeed (an honest segment through a read-only
 *     fd, a wider pitch with a 128-byte header, 1 x 16384 at the widest
 *     pitch) the image is pixel-exact; where it says so, the reader's
 *     peak RSS stays within 8 MiB of a reader that was refused at once
 *     (a reader that faulted in a wide pitch's padding, or read an image
 *     over its --max-bytes, would be 64 MiB above);
 *   - the reader side of the library, run in-process in a loop
 *     (share_attach + seg_read), gives the same answer every time and
 *     leaves no fd and no mapping behind;
 *   - the window (its own app_create/app_pump, a real SDL key event for
 *     M, dummy video driver) shows the Qt attach text and the same reason;
 *   - where the squatter holds the name with another socket type, an
 *     honest owner can still take the key.
 * The hugetlb mode runs with a huge-page pool when the test is root (it
 * sets /proc/sys/vm/nr_hugepages and puts it back), else without one; the
 * refusal must come from the file system check either way.
 * Client modes (a real `shmimage put` owns the key, hostile_peer client
 * MODE pesters it) prove that honest readers keep getting the image,
 * pixel-exact and within the bound, while the client runs, that the
 * owner leaks no fd to it, and that it still stops cleanly on SIGTERM.
 * client-writer attacks the segment it received (mmap PROT_WRITE,
 * mprotect, pwrite, a read-write reopen, ftruncate both ways, a punched
 * hole, a new seal): every attempt must be refused by the kernel.
 * client-inflight (root only: it runs as uid 65534, where the kernel
 * counts fds in flight) holds more unread connections than the owner's
 * RLIMIT_NOFILE, so the owner's sendmsg fails with ETOOMANYREFS: honest
 * readers get the owner's 'E' reason or the image, never a silent close,
 * and the image again once the client is gone.
 *
 * HOSTILE_TIME_SCALE=N multiplies the time bounds, HOSTILE_ROUNDS=N sets
 * the in-process rounds, HOSTILE_READER_WRAPPER="cmd args" runs each
 * `shmimage get` under cmd (tests/run-valgrind.sh uses all three).
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app_inspect.h"
#include "app/dialog.h"
#include "common/bytes.h"
#include "check.h"
#include "common/clock.h"
#include "shm/segment.h"
#include "image/scale.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/share.h"
#include "testutil.h"

#define FAST_ROUNDS 100		/* in-process rounds for a mode that fails fast */
#define SLOW_ROUNDS 2		/* ... for one that makes the reader wait 2 s */

/* The reader's bound: 2 s of attach plus start-up. */
#define BOUND_MS 3000
/* How much more than a refused reader a reader may peak at when it must
 * not fault in what it does not need. */
#define RSS_GROWTH_KIB (8L * 1024)

struct expect {
	const char *mode;
	const char *words;	/* '|'-separated; one must be in the message */
	int exit;		/* 0, 1, or -1 for "0 or 1" */
	bool slow;		/* the reader waits out its 2 s bound */
	int bound_ms;		/* 0: BOUND_MS */
	const char *max_bytes;	/* the reader's --max-bytes; NULL: default */
	bool rss;		/* peak RSS within RSS_GROWTH_KIB of a refusal */
};

static const struct expect owner_modes[] = {
	{ .mode = "pipe", .words = "not on shared memory", .exit = 1 },
	{ .mode = "file", .words = "not on shared memory", .exit = 1 },
	{ .mode = "tmpfs-file",
	  .words = "not sealed against writing", .exit = 1 },
	{ .mode = "memfd-unsealed",
	  .words = "not sealed against writing", .exit = 1 },
	{ .mode = "memfd-shrink",
	  .words = "not sealed against writing", .exit = 1 },
	{ .mode = "seal-grow-only",
	  .words = "not sealed against writing", .exit = 1 },
	{ .mode = "no-write-seal",
	  .words = "not sealed against writing", .exit = 1 },
	/* F_SEAL_FUTURE_WRITE spares the owner's own writable mapping,
	 * through which it rewrites the header all the time. */
	{ .mode = "future-write",
	  .words = "not sealed against writing", .exit = 1 },
	/* Refused for its file system alone, whether or not a huge page
	 * could be had for its header. */
	{ .mode = "hugetlb", .words = "not on shared memory", .exit = 1 },
	/* Honest segments a reader must take, pixel-exact: a read-only
	 * fd, a wider pitch with a 128-byte header, and 1 x 16384 with
	 * the widest pitch, read without faulting in the 1 GiB around
	 * its 64 KiB of pixels. */
	{ .mode = "readonly-fd", .words = "", .exit = 0 },
	{ .mode = "honest-wide", .words = "", .exit = 0 },
	{ .mode = "pitch-65536", .words = "", .exit = 0, .rss = true },
	/* 64 MiB claimed against --max-bytes 1M: refused before a pixel
	 * is read (the reader's peak stays that of any refusal). */
	{ .mode = "over-limit",
	  .words = "limit", .exit = 1, .max_bytes = "1M", .rss = true },
	{ .mode = "no-fd", .words = "sent no segment", .exit = 1 },
	{ .mode = "close-at-once",
	  .words = "closed the connection", .exit = 1 },
	{ .mode = "two-fds", .words = "2 file descriptors", .exit = 1 },
	{ .mode = "ctrunc", .words = "truncated", .exit = 1 },
	{ .mode = "bad-magic", .words = "magic", .exit = 1 },
	{ .mode = "bad-version", .words = "version is 3", .exit = 1 },
	{ .mode = "v1-header", .words = "version is 1", .exit = 1 },
	{ .mode = "unknown-flags", .words = "flags", .exit = 1 },
	{ .mode = "header-small", .words = "header_size", .exit = 1 },
	{ .mode = "header-unaligned", .words = "header_size", .exit = 1 },
	{ .mode = "header-beyond",
	  .words = "header_size|segment's", .exit = 1 },
	{ .mode = "zero-width", .words = "width", .exit = 1 },
	{ .mode = "zero-height", .words = "height", .exit = 1 },
	{ .mode = "wide", .words = "width", .exit = 1 },
	{ .mode = "tall", .words = "height", .exit = 1 },
	{ .mode = "pitch-small", .words = "pitch", .exit = 1 },
	{ .mode = "pitch-unaligned", .words = "pitch", .exit = 1 },
	{ .mode = "overflow32", .words = "pitch", .exit = 1 },
	{ .mode = "overflow32-width", .words = "width", .exit = 1 },
	{ .mode = "overflow64", .words = "pixel_bytes", .exit = 1 },
	{ .mode = "pixel-bytes", .words = "pixel_bytes", .exit = 1 },
	{ .mode = "short-file", .words = "segment's", .exit = 1 },
	{ .mode = "tiny-file", .words = "smaller than", .exit = 1 },
	{ .mode = "empty-file", .words = "smaller than", .exit = 1 },
	{ .mode = "bad-format", .words = "format", .exit = 1 },
	/* The backlog full for 1.2 s, then the fd 2.5 s after the
	 * accept: one deadline for the whole attach ends it at 2 s. */
	{ .mode = "late-slow",
	  .words = "within", .exit = 1, .slow = true, .bound_ms = 2500 },
	/* 'E' with 10 KB of reason, and with escapes, control bytes and
	 * non-ASCII: shown printable only, at most 200 characters. */
	{ .mode = "reason-long", .words = "hostile reason", .exit = 1 },
	{ .mode = "reason-binary",
	  .words = "hostile[2J[31mredline2nul1m end", .exit = 1 },
	/* 'E' and a reason, then one more byte every 1.5 s: the reason is
	 * read within the attach's one deadline, not a fresh one per
	 * byte. */
	{ .mode = "slow-reason", .words = "hostile slow reason",
	  .exit = 1, .slow = true },
	{ .mode = "never-answers", .words = "within", .exit = 1, .slow = true },
	{ .mode = "drip", .words = "within", .exit = 1, .slow = true },
	{ .mode = "backlog-full",
	  .words = "not accepting", .exit = 1, .slow = true },
	{ .mode = "other-uid", .words = "another user", .exit = 1 },
	{ .mode = "dgram-squatter", .words = "nothing is shared", .exit = 1 },
	{ .mode = "seqpacket-squatter",
	  .words = "nothing is shared", .exit = 1 },
	/* Honest on the main address; every watch connection closed at
	 * once (test_follow measures what that costs a watcher). */
	{ .mode = "watch-close", .words = "", .exit = 0 },
	/* Only the watch address held, by this user and by another: a
	 * reader finds nothing, and an honest owner cannot take the key,
	 * naming who holds which address. */
	{ .mode = "watch-squatter", .words = "nothing is shared", .exit = 1 },
	{ .mode = "watch-other-uid", .words = "nothing is shared", .exit = 1 },
};

#define N_OWNER_MODES (sizeof(owner_modes) / sizeof(owner_modes[0]))

static const char *const client_modes[] = {
	"client-silent", "client-other-uid", "client-flood", "client-writer",
	"client-inflight",
};

#define N_CLIENT_MODES (sizeof(client_modes) / sizeof(client_modes[0]))

static const char *shmimage;
static const char *hostile;
static int time_scale = 1;
static int fast_rounds = FAST_ROUNDS;
static char *wrapper[24];	/* HOSTILE_READER_WRAPPER, split at spaces */
static int n_wrapper;
static char wrapper_path[4096];	/* its first word, found in PATH */
static char tmp[256];

/* True when one of the '|'-separated words is in text (any case). */
static bool names(const char *text, const char *words)
{
	char buf[128];
	const char *w = words;

	if (!*words)
		return true;
	while (*w) {
		size_t n = strcspn(w, "|");

		snprintf(buf, sizeof(buf), "%.*s", (int)n, w);
		if (strcasestr(text, buf))
			return true;
		w += n;
		if (*w == '|')
			w++;
	}
	return false;
}

/* The pattern of hostile_peer.c's forged images, at any size. */
static SDL_Surface *pattern(int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
						       SDL_PIXELFORMAT_RGBA32);

	if (!s)
		return NULL;
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint8_t *px = (uint8_t *)s->pixels + y * s->pitch + x * 4;

			px[0] = (uint8_t)(x * 16);
			px[1] = (uint8_t)(y * 32);
			px[2] = (uint8_t)((x + y) * 8);
			px[3] = (uint8_t)(255 - x);
		}
	}
	return s;
}

/* Starts hostile_peer ROLE MODE --key KEY [extra...] and waits for its
 * "ready". Returns 0, 77 when the mode needs root, -1 on failure. */
static int start_peer(struct tu_proc *p, const char *role, const char *mode,
		      const char *key, const char *seconds)
{
	char *argv[] = { (char *)hostile, (char *)role, (char *)mode,
			 "--key", (char *)key, "--seconds", (char *)seconds,
			 NULL };
	char line[256];

	if (!seconds)
		argv[5] = NULL;
	if (tu_spawn(p, argv, NULL) < 0) {
		perror("spawn hostile_peer");
		return -1;
	}
	while (tu_read_line(p, 5000 * time_scale, line, sizeof(line)) >= 0) {
		if (!strcmp(line, "ready"))
			return 0;
		printf("hostile_peer: %s\n", line);
	}
	tu_wait(p, 2000);
	if (tu_exit_code(p) == 77) {
		printf("%s", p->out);
		return 77;
	}
	fprintf(stderr, "hostile_peer %s %s did not get ready: %s%s\n", role,
		mode, p->out, p->err);
	return -1;
}

/* Runs shmimage get [--max-bytes N] --key key out and waits for it (the
 * wait is far longer than the bound, so a hang is seen as slowness, not
 * as a test timeout). */
static void run_get(struct tu_proc *p, const char *key, const char *out,
		    const char *max_bytes)
{
	char *argv[32];
	int n = 0;

	/* HOSTILE_READER_WRAPPER="valgrind --error-exitcode=99 ..." runs
	 * the reader under a checker (tests/run-valgrind.sh). */
	for (int i = 0; i < n_wrapper && n < 24; i++)
		argv[n++] = wrapper[i];
	argv[n++] = (char *)shmimage;
	argv[n++] = "get";
	if (max_bytes) {
		argv[n++] = "--max-bytes";
		argv[n++] = (char *)max_bytes;
	}
	argv[n++] = "--key";
	argv[n++] = (char *)key;
	argv[n++] = (char *)out;
	argv[n] = NULL;
	if (n_wrapper)
		argv[0] = wrapper_path;
	if (tu_run(p, argv, NULL, 20000 * time_scale) < 0)
		fprintf(stderr, "shmimage get did not end within 20 s\n");
}

/* The bound a mode's reader must end within, in ms. */
static int64_t bound_of(const struct expect *ex)
{
	return (int64_t)(ex->bound_ms ? ex->bound_ms : BOUND_MS) * time_scale;
}

/* The reader side in this process, rounds times over: every round must
 * end as the mode expects and within the bound, and the rounds must leave
 * the fd table and the mappings as they found them. Runs in a child of
 * its own so that a reader that dies of a signal is reported, not fatal
 * to the test. */
struct reader_job {
	const struct expect *ex;
	const char *key;
	int rounds;
};

static int reader_round(const struct reader_job *job, char *why, size_t size)
{
	uint64_t max_bytes = SEG_DEFAULT_MAX_BYTES;
	SDL_Surface *got = NULL;
	int64_t start = clock_ms();
	struct err err;
	struct seg seg;
	int rc;

	if (job->ex->max_bytes)
		bytes_parse(job->ex->max_bytes, &max_bytes);
	err.msg[0] = '\0';
	rc = share_attach(job->key, max_bytes, &seg, NULL, &err);
	if (rc == 0) {
		got = SDL_CreateRGBSurfaceWithFormat(0, (int)seg.info.width,
						     (int)seg.info.height, 32,
						     SDL_PIXELFORMAT_RGBA32);
		rc = got ? seg_read(&seg, got->pixels, (size_t)got->pitch,
				    &err) : -1;
		seg_finish(&seg);
	}
	snprintf(why, size, "%s", rc == 0 ? "ok" : err.msg);
	if (clock_ms() - start >= bound_of(job->ex)) {
		snprintf(why, size, "took %lld ms: %s",
			 (long long)(clock_ms() - start),
			 rc == 0 ? "ok" : err.msg);
		SDL_FreeSurface(got);
		return -2;
	}
	if (rc == 0) {
		SDL_Surface *want = pattern(got->w, got->h);
		char how[256];
		bool same = want && tu_same_pixels(got, want, how, sizeof(how));

		SDL_FreeSurface(want);
		SDL_FreeSurface(got);
		got = NULL;
		if (!same) {
			snprintf(why, size, "read an image that is not the "
				 "owner's pattern: %s", how);
			return -2;
		}
	}
	SDL_FreeSurface(got);
	return rc;
}

static int reader_loop(void *arg)
{
	const struct reader_job *job = arg;
	char why[ERR_MAX + 64];
	int fds, maps, segs, bad = 0;

	/* One round first: whatever the library sets up once is not a
	 * leak. Counting reads /proc, whose buffers may grow the heap by
	 * a mapping the first time: count once for nothing. */
	reader_round(job, why, sizeof(why));
	tu_map_count();
	fds = tu_fd_count();
	maps = tu_map_count();
	segs = tu_segment_maps();
	for (int i = 0; i < job->rounds; i++) {
		int rc = reader_round(job, why, sizeof(why));

		if (rc == -2 || (job->ex->exit == 0 && rc != 0) ||
		    (job->ex->exit == 1 && rc == 0) ||
		    (rc != 0 && !names(why, job->ex->words))) {
			if (bad++ == 0)
				fprintf(stderr, "in-process round %d: %s\n", i,
					why);
		}
	}
	if (tu_fd_count() != fds) {
		fprintf(stderr, "in-process reader: %d fds before %d rounds, "
			"%d after\n", fds, job->rounds, tu_fd_count());
		bad++;
	}
	/* Under ASan or valgrind the allocator maps and unmaps blocks of
	 * its own, so only the segment mappings can be counted exactly. */
	if (tu_map_count() != maps && !tu_under_asan() &&
	    !tu_under_valgrind()) {
		fprintf(stderr, "in-process reader: %d mappings before %d "
			"rounds, %d after\n", maps, job->rounds,
			tu_map_count());
		bad++;
	}
	if (tu_segment_maps() != segs) {
		fprintf(stderr, "in-process reader: %d segment mappings "
			"before %d rounds, %d after\n", segs, job->rounds,
			tu_segment_maps());
		bad++;
	}
	printf("in-process: %d rounds, last said: %s\n", job->rounds, why);
	return bad ? 1 : 0;
}

/* The window's side: the program's own app_create()/app_pump() in a child
 * of ours (a crash there is reported, not fatal to the test). The mode
 * reaches the window either by a real SDL key event for M, as
 * tests/test_gui_dummy.c drives it, or through --follow: the hostile
 * owner answers the watch address with 'N' like an honest one. */
struct window_job {
	const struct expect *ex;
	const char *key;
	bool follow;
};

/* Pumps until the image area shows something else than the hint (the
 * attach's answer) or the bound passes. Returns how long it took. */
static int64_t pump_until_answer(struct app *a, int64_t bound_ms)
{
	const struct dialog *d = app_dialog(a);
	int64_t start = clock_ms();

	/* The hint, or a follower's waiting text: no answer yet. */
	while (!dialog_segment(d) &&
	       (strncmp(dialog_message(d), "Launch two", 10) == 0 ||
		strncmp(dialog_message(d), DIALOG_TEXT_WAITING,
			strlen(DIALOG_TEXT_WAITING)) == 0) &&
	       clock_ms() - start < bound_ms)
		app_pump(a, 20);
	app_pump(a, 0);		/* draw the answer */
	return clock_ms() - start;
}

/* The pattern as the window must show it: at full size, or averaged down
 * with the project's box filter to the texture's size. */
static SDL_Surface *pattern_shown(const struct seg *seg, int w, int h)
{
	SDL_Surface *full = pattern((int)seg->info.width,
				    (int)seg->info.height);
	SDL_Surface *small;

	if (!full || (w == full->w && h == full->h))
		return full;
	small = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
					       SDL_PIXELFORMAT_RGBA32);
	if (small)
		scale_box(full->pixels, (uint32_t)full->w, (uint32_t)full->h,
			  (size_t)full->pitch, small->pixels, (uint32_t)w,
			  (uint32_t)h, (size_t)small->pitch);
	SDL_FreeSurface(full);
	return small;
}

/* The image shown, read back from the window's texture, against the
 * pattern. Returns the number of problems. */
static int check_image(struct app *a, const struct expect *ex)
{
	SDL_Texture *tex = app_image_texture(a);
	SDL_Surface *img = tex ? tu_texture_pixels(
		SDL_GetRenderer(app_window(a)), tex) : NULL;
	SDL_Surface *want = img ? pattern_shown(dialog_segment(app_dialog(a)),
						img->w, img->h) : NULL;
	char why[256];
	int bad = 0;

	if (!img) {
		fprintf(stderr, "%s: cannot read the window's image back: "
			"%s\n", ex->mode, SDL_GetError());
		bad++;
	} else if (ex->exit == 1 ||
		   !tu_same_pixels(img, want, why, sizeof(why))) {
		fprintf(stderr, "%s: the window shows an image it should not: "
			"%s\n", ex->mode,
			ex->exit == 1 ? "want a refusal" : why);
		bad++;
	}
	SDL_FreeSurface(want);
	SDL_FreeSurface(img);
	return bad;
}

/* One RESULT line: what the window shows, on one line. */
static void report_window(const struct expect *ex, const char *how,
			  const struct dialog *d, int64_t took)
{
	char line[ERR_MAX + 128];

	snprintf(line, sizeof(line), "%s",
		 dialog_segment(d) ? dialog_status(d) : dialog_message(d));
	for (char *c = line; *c; c++)
		if (*c == '\n')
			*c = '/';
	printf("RESULT | %s | window %s: %s | %s | %lld ms\n", ex->mode, how,
	       dialog_segment(d) ? "shows an image" : "shows a message", line,
	       (long long)took);
}

static int window_attach(void *arg)
{
	const struct window_job *job = arg;
	const struct expect *ex = job->ex;
	struct app_options opts;
	struct err err = { "" };
	const struct dialog *d;
	char decoder[PATH_MAX];
	const char *msg, *how = job->follow ? "follow" : "M";
	struct app *a;
	int64_t took;
	int bad = 0;

	app_options_init(&opts);
	opts.key = job->key;
	opts.follow = job->follow;
	tu_decoder_path(shmimage, decoder, sizeof(decoder));
	opts.decoder = decoder;
	if (ex->max_bytes)
		bytes_parse(ex->max_bytes, &opts.limits.max_bytes);
	a = app_create(&opts, &err);
	if (!a) {
		fprintf(stderr, "window: %s\n", err.msg);
		return 3;
	}
	app_pump(a, 0);
	d = app_dialog(a);
	if (!job->follow)
		tu_push_key(SDL_GetWindowID(app_window(a)), SDLK_m,
			    SDL_SCANCODE_M);
	took = pump_until_answer(a, 10000 * time_scale);
	msg = dialog_message(d);
	report_window(ex, how, d, took);
	if (took >= 3000 * time_scale) {
		fprintf(stderr, "%s: window %s took %lld ms\n", ex->mode, how,
			(long long)took);
		bad++;
	}
	if (dialog_segment(d)) {
		bad += check_image(a, ex);
	} else if (ex->exit == 0 ||
		   !strstr(msg, "Unable to attach to shared memory segment.") ||
		   !names(msg, ex->words)) {
		fprintf(stderr, "%s: the window (%s) says: %s\n", ex->mode,
			how, msg);
		bad++;
	}
	/* Still alive and answering events afterwards. */
	if (!app_pump(a, 0)) {
		fprintf(stderr, "%s: the window wants to close\n", ex->mode);
		bad++;
	}
	app_destroy(a);
	return bad ? 1 : 0;
}

/* A mode whose owner serves no watch address (another user's, a
 * squatter, one that closes every watcher) cannot lead a follower
 * anywhere: the follower must keep waiting, showing no image and no
 * error. */
static bool has_watch(const char *mode)
{
	return !strstr(mode, "other-uid") && !strstr(mode, "squatter") &&
	       strcmp(mode, "watch-close") != 0;
}

static void window_checks(const struct expect *ex, const char *key)
{
	for (int follow = 0; follow < 2; follow++) {
		struct window_job wjob = { .ex = ex, .key = key,
					   .follow = follow };
		int rc;

		if (follow && !has_watch(ex->mode))
			continue;
		rc = tu_fork_run(window_attach, &wjob, 30000 * time_scale);
		if (rc == 3)
			printf("window: cannot open here (see above); the "
			       "window half of this mode was not run\n");
		else
			CHECK_MSG(rc == 0, "%s: the window's %s failed (%s)",
				  ex->mode, follow ? "follow" : "M",
				  rc > 128 ? "it died of a signal" :
				  rc < 0 ? "it hung" : "see above");
	}
}

/* The first line of a child's stderr, for the report. */
static const char *first_line(const struct tu_proc *p, char *buf, size_t size)
{
	size_t n = strcspn(p->err, "\n");

	snprintf(buf, size, "%.*s", (int)n, p->err);
	return buf;
}

/* An honest `shmimage put` of file under key; its line read. */
static int start_owner(struct tu_proc *p, const char *key, const char *file)
{
	if (tu_put_start(p, shmimage, key, file, 5000 * time_scale, NULL,
			 0) < 0) {
		fprintf(stderr, "shmimage put did not start: %s\n", p->err);
		return -1;
	}
	return 0;
}

/* An honest get of key into dir: exit 0 within the bound and want's
 * pixels; or, when also is not NULL, exit 1 with one of its words (then
 * *refused is set). Returns true when it ended one of those ways. */
static bool get_or_refused(const char *key, const char *dir, SDL_Surface *want,
			   const char *also, bool *refused, const char *what)
{
	static struct tu_proc get;
	char out[300], why[256] = "";
	bool ok, no = false;

	snprintf(out, sizeof(out), "%s/honest.png", dir);
	unlink(out);
	run_get(&get, key, out, NULL);
	ok = tu_exit_code(&get) == 0 &&
	     tu_elapsed_ms(&get) < BOUND_MS * time_scale &&
	     tu_file_has_pixels(out, want, why, sizeof(why));
	if (!ok && also && tu_exit_code(&get) == 1 &&
	    tu_err_lines(&get) == 1 && names(get.err, also) &&
	    tu_elapsed_ms(&get) < BOUND_MS * time_scale)
		ok = no = true;
	CHECK_MSG(ok, "%s: honest get: exit %d, signal %d, %lld ms, %s%s",
		  what, tu_exit_code(&get), tu_term_signal(&get),
		  (long long)tu_elapsed_ms(&get), get.err,
		  tu_exit_code(&get) == 0 ? why : "");
	if (refused)
		*refused = no;
	tu_proc_close(&get);
	return ok;
}

static bool honest_get(const char *key, SDL_Surface *want, const char *what)
{
	return get_or_refused(key, tmp, want, NULL, NULL, what);
}

/* True when every byte of text is printable ASCII or a newline. */
static bool printable(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\n' && (text[i] < 0x20 || text[i] > 0x7e))
			return false;
	return true;
}

/* Peak RSS of a `shmimage get` refused at once (nothing is shared under a
 * fresh key), in KiB: what the program costs before it reads a pixel. */
static long refused_reader_kib(void)
{
	static struct tu_proc get;
	char key[80], out[300];
	long kib;

	tu_key(key, sizeof(key), "baseline");
	snprintf(out, sizeof(out), "%s/baseline.png", tmp);
	run_get(&get, key, out, NULL);
	kib = tu_maxrss_kib(&get);
	CHECK_MSG(tu_exit_code(&get) == 1, "baseline get: exit %d: %s",
		  tu_exit_code(&get), get.err);
	tu_proc_close(&get);
	return kib;
}

/* The huge-page pool as the test found it, put back at exit. */
static long hugepages_saved = -1;

static void hugepages_restore(void)
{
	char text[32];

	if (hugepages_saved < 0)
		return;
	snprintf(text, sizeof(text), "%ld\n", hugepages_saved);
	if (tu_write_file("/proc/sys/vm/nr_hugepages", text, strlen(text)) < 0)
		fprintf(stderr, "cannot restore nr_hugepages to %ld\n",
			hugepages_saved);
	hugepages_saved = -1;
}

/* As root, makes a pool of n huge pages for the hugetlb mode (restored
 * at exit). Returns true when the pool has at least one page. */
static bool hugepages_pool(long n)
{
	char *text = tu_read_file("/proc/sys/vm/nr_hugepages", NULL);
	long now = text ? atol(text) : -1;
	char want[32];
	bool ok;

	free(text);
	if (now < 0 || geteuid() != 0)
		return false;
	if (now >= n)
		return true;
	snprintf(want, sizeof(want), "%ld\n", n);
	if (tu_write_file("/proc/sys/vm/nr_hugepages", want, strlen(want)) < 0)
		return false;
	hugepages_saved = now;
	atexit(hugepages_restore);
	text = tu_read_file("/proc/sys/vm/nr_hugepages", NULL);
	ok = text && atol(text) > now;
	free(text);
	return ok;
}

/* Judges the refusal line of a mode that answered 'E': at most
 * NAME_REASON_MAX characters from the owner's text (which starts with
 * "hostile") to the end of the line. */
static void check_reason_cap(const struct expect *ex, const char *err)
{
	const char *from = strstr(err, "hostile");
	size_t n = from ? strcspn(from, "\n") : 0;

	CHECK_MSG(from && n <= NAME_REASON_MAX && n >= 50, "%s: the owner's "
		  "reason is shown with %zu characters, want 50 to %d: %s",
		  ex->mode, n, NAME_REASON_MAX, err);
}

/* A name squatted with another socket type is not taken from the owner's
 * point of view: the honest owner binds beside it and serves. */
static void owner_beside(const struct expect *ex, const char *key)
{
	static struct tu_proc owner;
	SDL_Surface *img = tu_make_image(9, 7, 5);
	char file[300];

	snprintf(file, sizeof(file), "%s/honest-src.png", tmp);
	CHECK(img && IMG_SavePNG(img, file) == 0);
	CHECK_MSG(start_owner(&owner, key, file) == 0,
		  "%s: an honest owner cannot take the key", ex->mode);
	honest_get(key, img, ex->mode);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
	SDL_FreeSurface(img);
}

/* A key whose main or watch address another process holds: `put` fails
 * with one line that names the address and its holder (pid, and uid when
 * it is another user's); share_create fails the same way in-process, and
 * gives up the address it did bind. */
static void owner_refused(const struct expect *ex, const char *key,
			  pid_t holder)
{
	static struct tu_proc put;
	char want[256], file[300], *argv[] = { (char *)shmimage, "put",
		"--key", (char *)key, file, NULL };
	SDL_Surface *img = tu_make_image(9, 7, 5);
	const char *what = strncmp(ex->mode, "watch-", 6) ?
			   "key" : "the watch address of key";
	struct err err = { "" };
	struct share *share;
	struct seg seg;

	if (strstr(ex->mode, "other-uid"))
		snprintf(want, sizeof(want), "%s \"%s\" is held by another "
			 "user (uid 65534, pid %d)", what, key, (int)holder);
	else
		snprintf(want, sizeof(want), "%s \"%s\" is in use by pid %d",
			 what, key, (int)holder);
	snprintf(file, sizeof(file), "%s/honest-src.png", tmp);
	CHECK(img && IMG_SavePNG(img, file) == 0);
	SDL_FreeSurface(img);
	tu_run(&put, argv, NULL, 10000 * time_scale);
	printf("RESULT | %s | put: %s", ex->mode, put.err);
	CHECK_MSG(tu_exit_code(&put) == 1 && tu_err_lines(&put) == 1 &&
		  strstr(put.err, want), "%s: put: exit %d: %s (want \"%s\")",
		  ex->mode, tu_exit_code(&put), put.err, want);
	tu_proc_close(&put);
	share = share_create(key, &err);
	CHECK_MSG(!share && strstr(err.msg, want), "%s: share_create: %s",
		  ex->mode, share ? "took the key" : err.msg);
	share_destroy(share);
	if (!strncmp(ex->mode, "watch-", 6)) {
		CHECK_MSG(share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL,
				       &err) < 0 && errno == ECONNREFUSED,
			  "%s: the main address is still bound after the "
			  "failed share_create: %s", ex->mode, err.msg);
		seg_finish(&seg);
	}
}

/* What an honest owner makes of the key the mode holds. */
static void check_honest_owner(const struct expect *ex, const char *key,
			       pid_t holder)
{
	if (strstr(ex->mode, "squatter") && strncmp(ex->mode, "watch-", 6))
		owner_beside(ex, key);
	else if (strstr(ex->mode, "other-uid") ||
		 !strcmp(ex->mode, "watch-squatter"))
		owner_refused(ex, key, holder);
}

/* The refusal a failed get printed: one line that names the problem,
 * and no file written. */
static void check_refusal(const struct expect *ex, const struct tu_proc *get,
			  const char *out)
{
	CHECK_MSG(tu_err_lines(get) == 1 &&
		  !strncmp(get->err, "shmimage: ", 10),
		  "%s: want one line \"shmimage: ...\", got: %s", ex->mode,
		  get->err);
	CHECK_MSG(names(get->err, ex->words), "%s: the message does not name "
		  "the problem (%s): %s", ex->mode, ex->words, get->err);
	CHECK_MSG(!tu_exists(out), "%s: a refused get wrote %s", ex->mode,
		  out);
}

/* The image a successful get wrote to out: the pattern, pixel-exact. */
static void check_pattern(const struct expect *ex, const char *out)
{
	SDL_Surface *got = IMG_Load(out), *want;
	char why[256] = "cannot load it";

	want = got ? pattern(got->w, got->h) : NULL;
	CHECK_MSG(want && tu_same_pixels(got, want, why, sizeof(why)),
		  "%s: the image read is wrong: %s", ex->mode, why);
	SDL_FreeSurface(want);
	SDL_FreeSurface(got);
}

/* `shmimage get` of key against the mode: its exit, time, message or
 * image, and (rss) its peak against baseline. */
static void get_checks(const struct expect *ex, const char *key, long baseline)
{
	static struct tu_proc get;
	char out[300], line[ERR_MAX + 64];
	int code;

	snprintf(out, sizeof(out), "%s/%s.png", tmp, ex->mode);
	run_get(&get, key, out, ex->max_bytes);
	code = tu_exit_code(&get);
	printf("RESULT | %s | %s | exit %d%s | %lld ms | peak %ld KiB\n",
	       ex->mode,
	       get.err_len ? first_line(&get, line, sizeof(line)) : "(nothing)",
	       code, tu_term_signal(&get) ? " (signal)" : "",
	       (long long)tu_elapsed_ms(&get), tu_maxrss_kib(&get));
	CHECK_MSG(tu_term_signal(&get) == 0, "%s: shmimage get died of "
		  "signal %d: %s", ex->mode, tu_term_signal(&get), get.err);
	if (ex->exit >= 0)
		CHECK_MSG(code == ex->exit, "%s: exit %d, want %d: %s",
			  ex->mode, code, ex->exit, get.err);
	else
		CHECK_MSG(code == 0 || code == 1, "%s: exit %d: %s", ex->mode,
			  code, get.err);
	CHECK_MSG(tu_elapsed_ms(&get) < bound_of(ex),
		  "%s: shmimage get took %lld ms, bound %lld", ex->mode,
		  (long long)tu_elapsed_ms(&get), (long long)bound_of(ex));
	CHECK_MSG(printable(get.err, get.err_len), "%s: stderr holds bytes "
		  "that are not printable ASCII: %s", ex->mode, get.err);
	if (code == 1)
		check_refusal(ex, &get, out);
	if (!strncmp(ex->mode, "reason-", 7))
		check_reason_cap(ex, get.err);
	if (code == 0)
		check_pattern(ex, out);
	if (ex->rss && !n_wrapper)
		CHECK_MSG(tu_maxrss_kib(&get) < baseline + RSS_GROWTH_KIB,
			  "%s: the reader peaked at %ld KiB, a refused one at "
			  "%ld KiB: it touched what it did not need", ex->mode,
			  tu_maxrss_kib(&get), baseline);
	tu_proc_close(&get);
}

static void test_owner_mode(const struct expect *ex)
{
	static struct tu_proc peer;
	struct reader_job job;
	char key[80];
	long baseline = 0;
	int rc;

	if (!strcmp(ex->mode, "hugetlb"))
		printf("huge-page pool: %s\n", hugepages_pool(4) ?
		       "at least one page (made as root)" :
		       "none (not root, or the kernel refused)");
	if (ex->rss && !n_wrapper)
		baseline = refused_reader_kib();
	tu_key(key, sizeof(key), ex->mode);
	rc = start_peer(&peer, "owner", ex->mode, key, NULL);
	if (rc == 77)
		SKIP("mode %s needs root", ex->mode);
	CHECK_MSG(rc == 0, "hostile owner %s did not start", ex->mode);
	if (rc != 0)
		return;

	get_checks(ex, key, baseline);

	job = (struct reader_job){
		.ex = ex,
		.key = key,
		.rounds = ex->slow ? SLOW_ROUNDS : fast_rounds,
	};
	rc = tu_fork_run(reader_loop, &job,
			 (job.rounds + 1) * 3000 * time_scale + 5000);
	CHECK_MSG(rc == 0, "%s: in-process reader failed (%s)", ex->mode,
		  rc > 128 ? "died of a signal" : rc < 0 ? "hung" :
		  "see above");

	window_checks(ex, key);
	check_honest_owner(ex, key, peer.pid);

	/* The hostile owner must still be there: the reader did not get
	 * its answer by the peer giving up. */
	CHECK_MSG(peer.pid > 0 && kill(peer.pid, 0) == 0,
		  "%s: the hostile owner exited early: %s", ex->mode,
		  peer.err);
	tu_proc_close(&peer);
	hugepages_restore();
}

/* The flood and the writer must have attacked, or their test proves
 * nothing: judged from what the client printed. */
static void check_attack_made(const char *cmode, const struct tu_proc *peer)
{
	int n = 0;

	if (!strcmp(cmode, "flood")) {
		if (strstr(peer->out, "flood:"))
			sscanf(strstr(peer->out, "flood:"), "flood: %d", &n);
		CHECK_MSG(n >= 1000, "the flood made only %d connections", n);
	}
	if (!strcmp(cmode, "writer")) {
		/* Every attack tried, at least once each. */
		if (strstr(peer->out, "writer:"))
			sscanf(strstr(peer->out, "writer:"), "writer: %d", &n);
		CHECK_MSG(n >= 1 && strstr(peer->out, "punch-hole: refused") &&
			  strstr(peer->out, "mmap-write: refused"),
			  "the writer did not attack: %s", peer->out);
	}
}

static void test_client_mode(const char *mode)
{
	static struct tu_proc owner, peer;
	const char *cmode = mode + strlen("client-");
	SDL_Surface *img = tu_make_image(37, 23, 11);
	char key[80], file[300], seconds[16];
	int64_t end;
	int rc, gets = 0, fds_before, fds_after;

	if (!strcmp(cmode, "other-uid") && geteuid() != 0)
		SKIP("client other-uid needs root to change uid");
	tu_key(key, sizeof(key), mode);
	snprintf(file, sizeof(file), "%s/src.png", tmp);
	CHECK(img && IMG_SavePNG(img, file) == 0);
	if (start_owner(&owner, key, file) < 0) {
		CHECK_MSG(0, "shmimage put did not start");
		return;
	}
	/* Let the serving thread settle before counting. */
	honest_get(key, img, "before the client");
	fds_before = tu_fds_of(owner.pid);

	snprintf(seconds, sizeof(seconds), "%d", 4 * time_scale);
	rc = start_peer(&peer, "client", cmode, key, seconds);
	CHECK_MSG(rc == 0, "hostile client %s did not start", cmode);
	end = clock_ms() + 3000 * time_scale;
	while (rc == 0 && clock_ms() < end) {
		if (!honest_get(key, img, mode))
			break;
		gets++;
	}
	if (rc == 0) {
		tu_wait(&peer, 20000 * time_scale);
		printf("RESULT | %s | client exit %d | %d honest gets during "
		       "the attack\n%s", mode, tu_exit_code(&peer), gets,
		       peer.out);
		CHECK_MSG(tu_exit_code(&peer) == 0, "%s: the client says: %s%s",
			  mode, peer.out, peer.err);
	}
	CHECK_MSG(gets >= 3, "%s: only %d honest gets during the attack", mode,
		  gets);
	check_attack_made(cmode, &peer);
	honest_get(key, img, "after the client");
	fds_after = tu_fds_down_to(owner.pid, fds_before, 2000 * time_scale);
	CHECK_MSG(fds_after == fds_before, "%s: the owner had %d fds before "
		  "the client, %d after", mode, fds_before, fds_after);
	tu_stop(&owner, SIGTERM, 5000 * time_scale);
	CHECK_MSG(tu_exit_code(&owner) == 0, "%s: the owner did not stop "
		  "cleanly: exit %d, signal %d: %s", mode, tu_exit_code(&owner),
		  tu_term_signal(&owner), owner.err);
	tu_proc_close(&peer);
	tu_proc_close(&owner);
	SDL_FreeSurface(img);
}

#define NOBODY 65534
/* The owner's RLIMIT_NOFILE in client-inflight: more than it needs to
 * serve, far fewer than the fds the client leaves in flight. */
#define INFLIGHT_NOFILE 32
#define INFLIGHT_CONNECTIONS 200

struct inflight {
	char dir[300];		/* owned by NOBODY */
	SDL_Surface *img;
};

/* client-inflight, as uid NOBODY from here on: owner, client and readers
 * all run as that user, whose fds in flight the kernel counts. */
/* An owner under a low RLIMIT_NOFILE: it alone gets the low limit (it is
 * the sender the kernel judges); the soft limit goes back up for
 * everyone after it. */
static int start_low_owner(struct tu_proc *owner, const char *key,
			   const char *file)
{
	struct rlimit rl, low;
	int rc;

	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = INFLIGHT_NOFILE;
	setrlimit(RLIMIT_NOFILE, &low);
	rc = start_owner(owner, key, file);
	setrlimit(RLIMIT_NOFILE, &rl);
	return rc;
}

/* The client that holds INFLIGHT_CONNECTIONS unread connections, ready. */
static void start_inflight_client(struct tu_proc *peer, const char *key)
{
	char count[16], seconds[16], line[256];
	char *argv[] = { (char *)hostile, "client", "silent", "--key",
			 (char *)key, "--seconds", seconds, "--count", count,
			 NULL };

	snprintf(count, sizeof(count), "%d", INFLIGHT_CONNECTIONS);
	snprintf(seconds, sizeof(seconds), "%d", 3 * time_scale);
	CHECK(tu_spawn(peer, argv, NULL) == 0);
	CHECK_MSG(tu_read_line(peer, 5000 * time_scale, line,
			       sizeof(line)) >= 0 && !strcmp(line, "ready"),
		  "the client did not get ready: %s", peer->err);
}

static int inflight_as_nobody(void *arg)
{
	const struct inflight *in = arg;
	static struct tu_proc owner, peer;
	char key[80], file[400];
	int before = check_failures, gets = 0, reasons = 0, after = 0;
	bool refused;
	int64_t end;

	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
		perror("become uid 65534");
		return 77;
	}
	/* A change of credentials clears the death signal. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	tu_key(key, sizeof(key), "inflight");
	snprintf(file, sizeof(file), "%s/src.png", in->dir);
	if (IMG_SavePNG(in->img, file) < 0) {
		fprintf(stderr, "as uid %d: cannot write %s\n", NOBODY, file);
		return 1;
	}

	if (start_low_owner(&owner, key, file) < 0) {
		CHECK_MSG(0, "shmimage put did not start as uid %d", NOBODY);
		return 1;
	}
	get_or_refused(key, in->dir, in->img, NULL, NULL, "before the client");
	start_inflight_client(&peer, key);
	/* While it holds its unread connections: the image, or the
	 * owner's own reason, never a connection closed on us. */
	end = clock_ms() + 2000 * time_scale;
	while (clock_ms() < end && peer.pid > 0 && kill(peer.pid, 0) == 0) {
		if (!get_or_refused(key, in->dir, in->img,
				    "ETOOMANYREFS|in flight", &refused,
				    "while fds are in flight"))
			break;
		gets++;
		reasons += refused;
	}
	tu_wait(&peer, 20000 * time_scale);
	printf("RESULT | client-inflight | owner RLIMIT_NOFILE %d, %d unread "
	       "connections | %d gets, %d told ETOOMANYREFS by the owner\n",
	       INFLIGHT_NOFILE, INFLIGHT_CONNECTIONS, gets, reasons);
	CHECK_MSG(reasons > 0, "no reader was ever told of fds in flight: "
		  "the test did not make the owner's sendmsg fail");
	/* The client gone, its fds are no longer in flight. */
	for (int i = 0; i < 3; i++)
		after += get_or_refused(key, in->dir, in->img, NULL, NULL,
					"after the client");
	CHECK_MSG(after == 3, "the image is not served again after the "
		  "client left");
	tu_stop(&owner, SIGTERM, 5000 * time_scale);
	CHECK_MSG(tu_exit_code(&owner) == 0, "the owner did not stop "
		  "cleanly: exit %d, signal %d: %s", tu_exit_code(&owner),
		  tu_term_signal(&owner), owner.err);
	tu_proc_close(&peer);
	tu_proc_close(&owner);
	return check_failures > before ? 1 : 0;
}

static void test_inflight(void)
{
	struct inflight in;
	int rc;

	/* Root is exempt from the kernel's count of fds in flight: the
	 * case needs another uid, which needs root to become. */
	if (geteuid() != 0)
		SKIP("client-inflight needs root to run as uid %d (root is "
		     "exempt from ETOOMANYREFS)", NOBODY);
	snprintf(in.dir, sizeof(in.dir), "%s/nobody", tmp);
	if (chmod(tmp, 0755) < 0 || mkdir(in.dir, 0700) < 0 ||
	    chown(in.dir, NOBODY, NOBODY) < 0) {
		CHECK_MSG(0, "cannot make %s for uid %d: %s", in.dir, NOBODY,
			  strerror(errno));
		return;
	}
	in.img = tu_make_image(37, 23, 12);
	rc = tu_fork_run(inflight_as_nobody, &in, 60000 * time_scale);
	SDL_FreeSurface(in.img);
	if (rc == 77)
		SKIP("cannot switch to uid %d here", NOBODY);
	CHECK_MSG(rc == 0, "client-inflight failed (%s)", rc > 128 ?
		  "died of a signal" : rc < 0 ? "hung" : "see above");
}

/* Splits the wrapper command at spaces and finds its program in PATH
 * (tu_spawn execs a path). */
static int split_wrapper(const char *cmd)
{
	static char buf[2048];
	const char *path = getenv("PATH");
	char *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (w = strtok_r(buf, " ", &save); w && n_wrapper < 24;
	     w = strtok_r(NULL, " ", &save))
		wrapper[n_wrapper++] = w;
	if (!n_wrapper)
		return 0;
	if (strchr(wrapper[0], '/')) {
		snprintf(wrapper_path, sizeof(wrapper_path), "%s", wrapper[0]);
		return 0;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(wrapper_path, sizeof(wrapper_path), "%.*s/%s",
			 (int)n, path, wrapper[0]);
		if (access(wrapper_path, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

/* The list of modes lives in three places (hostile_peer, the table above,
 * tests/hostile.cmake): proves they agree, so no mode goes untested. */
static int check_lists(const char *peer_path, int n, char **registered)
{
	static struct tu_proc peer;
	char *argv[] = { (char *)peer_path, "list", NULL };
	char *line, *save = NULL;
	int peer_modes = 0;

	CHECK(tu_run(&peer, argv, NULL, 5000) == 0 &&
	      tu_exit_code(&peer) == 0);
	for (line = strtok_r(peer.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool in_table = false, in_cmake = false;

		peer_modes++;
		for (size_t i = 0; i < N_OWNER_MODES; i++)
			in_table |= !strcmp(owner_modes[i].mode, line);
		for (int i = 0; i < n; i++)
			in_cmake |= !strcmp(registered[i], line);
		CHECK_MSG(in_table, "hostile_peer mode %s has no expectation "
			  "in test_hostile.c", line);
		CHECK_MSG(in_cmake, "hostile_peer mode %s is not registered in "
			  "tests/hostile.cmake", line);
	}
	CHECK_MSG(peer_modes == (int)N_OWNER_MODES, "hostile_peer has %d "
		  "owner modes, test_hostile.c %d", peer_modes,
		  (int)N_OWNER_MODES);
	for (size_t i = 0; i < N_CLIENT_MODES; i++) {
		bool in_cmake = false;

		for (int j = 0; j < n; j++)
			in_cmake |= !strcmp(registered[j], client_modes[i]);
		CHECK_MSG(in_cmake, "%s is not registered in "
			  "tests/hostile.cmake", client_modes[i]);
	}
	/* And nothing registered that no one knows (a removed mode). */
	for (int j = 0; j < n; j++) {
		bool known = false;

		for (size_t i = 0; i < N_OWNER_MODES; i++)
			known |= !strcmp(registered[j], owner_modes[i].mode);
		for (size_t i = 0; i < N_CLIENT_MODES; i++)
			known |= !strcmp(registered[j], client_modes[i]);
		CHECK_MSG(known, "tests/hostile.cmake registers %s, which "
			  "neither hostile_peer nor test_hostile.c knows",
			  registered[j]);
	}
	tu_proc_close(&peer);
	return check_done();
}

int main(int argc, char **argv)
{
	const char *scale = getenv("HOSTILE_TIME_SCALE");
	const char *mode;

	if (argc >= 4 && !strcmp(argv[3], "--check"))
		return check_lists(argv[2], argc - 4, argv + 4);
	if (argc != 4) {
		fprintf(stderr, "usage: test_hostile SHMIMAGE HOSTILE_PEER "
			"MODE\n");
		return 2;
	}
	shmimage = argv[1];
	hostile = argv[2];
	mode = argv[3];
	if (scale && atoi(scale) > 1)
		time_scale = atoi(scale);
	if (getenv("HOSTILE_ROUNDS") && atoi(getenv("HOSTILE_ROUNDS")) > 0)
		fast_rounds = atoi(getenv("HOSTILE_ROUNDS"));
	if (getenv("HOSTILE_READER_WRAPPER") &&
	    split_wrapper(getenv("HOSTILE_READER_WRAPPER")) < 0) {
		fprintf(stderr, "HOSTILE_READER_WRAPPER: cannot find its "
			"program\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (tu_tmpdir("hostile", tmp, sizeof(tmp)) < 0) {
		perror("tmpdir");
		return 1;
	}

	if (!strcmp(mode, "client-inflight")) {
		test_inflight();
		return check_done();
	}
	if (!strncmp(mode, "client-", 7)) {
		test_client_mode(mode);
		return check_done();
	}
	for (size_t i = 0; i < N_OWNER_MODES; i++) {
		if (!strcmp(owner_modes[i].mode, mode)) {
			test_owner_mode(&owner_modes[i]);
			return check_done();
		}
	}
	fprintf(stderr, "test_hostile: unknown mode \"%s\"\n", mode);
	return 2;
}
