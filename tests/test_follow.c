/* test_follow.c - following a key: windows and `shmimage watch`.
 *
 * A following window runs the program's own app_create()/app_pump() in
 * this process (dummy video driver); owners are real processes: `shmimage
 * put`, an owner dialog in a forked child (it can load a second image),
 * or `hostile_peer`. Every wait pumps until the state arrives, bounded.
 *
 * Arguments: SHMIMAGE SHM-DECODE HOSTILE_PEER [CASE]; each case is its
 * own CTest test (follow.<case>).
 *
 * Proves:
 * window   a --follow window shows the image shared under its key with
 *          no key pressed; when the owner loads another, the window shows
 *          it with no key pressed within 2 s; when the owner is killed
 *          and a new `shmimage put` owner appears, the window shows the
 *          new image, naming the new owner's pid;
 * hostile  a following window that is told of an image by a lying owner
 *          (hostile_peer owner MODE, which answers the key's watch
 *          address as an honest owner does: bad-magic, memfd-unsealed,
 *          never-answers) shows the Qt attach text plus a reason, and
 *          keeps running;
 * many     16 `shmimage watch` at once each print the line of each of
 *          two successive owners, exactly the line `put` printed;
 * count    `shmimage watch --count 3` across three successive owners
 *          prints three lines "shared W x H (B bytes) under key K, pid P"
 *          (P each owner's pid) and exits 0;
 * stuck    four watchers that connect and never read do not slow the
 *          owner: 20 rounds of a load and a reader's attach with them
 *          take less than twice as long as 20 without (a generous bound:
 *          this is a test on a shared machine, not a benchmark; the
 *          ratio is printed), and every attach gets the new image;
 * refused  at once, so the 10 s measurements overlap: (a) an owner whose
 *          64 watcher places are held by connections that never read
 *          (hostile_peer client watch-silent), plus one more `shmimage
 *          watch` and a following window: the watcher prints the owner's
 *          reason (naming its pid), the window shows it, and once the
 *          owner has dropped the silent ones (NAME_WATCH_IDLE_MS) both
 *          get the image; (b) an owner that accepts and closes every
 *          watch connection (hostile_peer owner watch-close) and four
 *          `shmimage watch` of it. Each watcher uses at most 0.05 s of
 *          CPU over the 10 s (measured after its start-up).
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_inspect.h"
#include "app/dialog.h"
#include "check.h"
#include "shm/segment_inspect.h"
#include "shm/share.h"
#include "testutil.h"

#define STEP_MS 10000
#define FOLLOW_MS 2000		/* a new image must show within this */
#define WATCHERS 16
#define STUCK 4
#define LOADS 20
#define SPIN_MS 10000		/* a watcher's CPU is measured over this */
#define SPIN_CPU_S 0.05		/* ... and must stay under this */
#define CLOSED 4		/* watchers of an owner that closes on them */

static const char *shmimage, *decoder, *hostile;
static char dir[256];
/* Three images of different sizes: each owner's is told apart. */
static char img_a[512], img_b[512], img_c[512];

static const Uint8 colours[3][4] = {
	{ 220, 40, 40, 255 }, { 40, 180, 60, 255 }, { 40, 80, 220, 255 },
};
static const int sizes[3][2] = { { 64, 48 }, { 30, 20 }, { 17, 9 } };

static int save_flat(const char *path, int w, int h, const Uint8 *c)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
							 SDL_PIXELFORMAT_RGBA32);
	int rc;

	if (!s)
		return -1;
	SDL_FillRect(s, NULL, SDL_MapRGBA(s->format, c[0], c[1], c[2], c[3]));
	rc = IMG_SavePNG(s, path);
	SDL_FreeSurface(s);
	return rc;
}

/* ---- owners ---- */

/* `shmimage put --key key file`; line gets what it printed. */
static int put(struct tu_proc *p, const char *key, const char *file,
	       char *line, size_t size)
{
	if (tu_put_start(p, shmimage, key, file, STEP_MS, line, size) < 0) {
		fprintf(stderr, "shmimage put %s: %s\n", file, p->err);
		tu_proc_close(p);
		return -1;
	}
	return 0;
}

/* An owner dialog in a child: it reads "path\n" lines, loads each and
 * answers "ok" or "failed: message". */
struct owner {
	pid_t pid;
	FILE *cmd;
	int reply;
};

static int wake_fd = -1;

static void on_wake(void *ctx)
{
	uint64_t one = 1;

	(void)ctx;
	if (write(wake_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
}

static struct dialog *owner_dialog(const char *key)
{
	struct dialog_config cfg = {
		.key = key,
		.limits = { SEG_DEFAULT_MAX_BYTES,
			    IMG_DEFAULT_DECODE_TIMEOUT_MS },
		.decoder = decoder,
		.wake = on_wake,
	};
	struct err err = { "" };
	struct dialog *d;

	if (wake_fd < 0)
		wake_fd = eventfd(0, EFD_CLOEXEC);
	d = dialog_create(&cfg, &err);
	if (!d)
		fprintf(stderr, "dialog_create: %s\n", err.msg);
	return d;
}

/* Loads path in d and waits (bounded) for the end. True when shared. */
static bool owner_load(struct dialog *d, const char *path)
{
	int64_t end = clock_ms() + STEP_MS;

	dialog_load_from_file(d, path, false);
	while (dialog_loading(d) && clock_ms() < end) {
		struct pollfd p = { wake_fd, POLLIN, 0 };
		uint64_t n;

		if (poll(&p, 1, 100) > 0 && read(wake_fd, &n, sizeof(n)) < 0)
			abort();	/* a readable eventfd reads */
		dialog_poll(d);
	}
	return !dialog_loading(d) && dialog_segment(d) &&
	       dialog_image_owner(d) == getpid();
}

static int owner_main(const char *key, int cmd_fd, int reply_fd)
{
	FILE *in = fdopen(cmd_fd, "r"), *out = fdopen(reply_fd, "w");
	struct dialog *d = owner_dialog(key);
	char line[600];

	if (!in || !out || !d)
		return 1;
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (owner_load(d, line))
			fprintf(out, "ok\n");
		else
			fprintf(out, "failed: %s\n", dialog_message(d));
		fflush(out);
	}
	dialog_destroy(d);
	return 0;
}

static int start_owner(struct owner *o, const char *key)
{
	int cmd[2], reply[2];

	o->pid = -1;
	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(reply, O_CLOEXEC) < 0)
		return -1;
	o->pid = tu_fork();
	if (o->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		_exit(owner_main(key, cmd[0], reply[1]));
	}
	close(cmd[0]);
	close(reply[1]);
	o->cmd = fdopen(cmd[1], "w");
	o->reply = reply[0];
	return o->pid > 0 && o->cmd ? 0 : -1;
}

/* Tells the owner to load path; true once it says it shares it. */
static bool owner_loads(struct owner *o, const char *path)
{
	struct pollfd p = { o->reply, POLLIN, 0 };
	char buf[600];
	ssize_t n;

	fprintf(o->cmd, "%s\n", path);
	fflush(o->cmd);
	if (poll(&p, 1, STEP_MS) <= 0)
		return false;
	n = read(o->reply, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!tu_starts_with(buf, "ok"))
		fprintf(stderr, "owner: %s", buf);
	return tu_starts_with(buf, "ok");
}

static void kill_owner(struct owner *o)
{
	int status;

	if (o->pid <= 0)
		return;
	kill(o->pid, SIGKILL);
	tu_waitpid(o->pid, &status, 5000);
	fclose(o->cmd);
	close(o->reply);
	o->pid = -1;
}

/* ---- a following window in this process ---- */

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
	return a;
}

/* Pumps a until it shows a w x h image owned by owner (0: anyone), at
 * most ms. Returns how long it took, or -1. */
static int wait_shown(struct app *a, int w, int h, pid_t owner, int ms)
{
	int64_t start = clock_ms();

	for (;;) {
		const struct dialog *d = app_dialog(a);
		const struct seg *s = dialog_segment(d);

		if (s && (int)s->info.width == w && (int)s->info.height == h &&
		    (!owner || dialog_image_owner(d) == owner))
			return (int)(clock_ms() - start);
		if (clock_ms() - start >= ms)
			return -1;
		if (!app_pump(a, 20))
			return -1;
	}
}

/* The pixel at the centre of the drawn image has colour c (+-2). */
static bool centre_is(struct app *a, int w, int h, const Uint8 *c)
{
	SDL_Rect r = ui_fit_image(&app_layout(a)->image, w, h);
	SDL_Rect one = { r.x + r.w / 2, r.y + r.h / 2, 1, 1 };
	struct err err = { "" };
	Uint8 px[4];

	if (app_read_pixels(a, &one, px, 4, &err) < 0)
		return false;
	return abs(px[0] - c[0]) <= 2 && abs(px[1] - c[1]) <= 2 &&
	       abs(px[2] - c[2]) <= 2;
}

static void case_window(void)
{
	char key[80], line[512];
	struct owner o;
	struct tu_proc p;
	struct app *a;
	int took;

	tu_key(key, sizeof(key), "follow");
	/* The owner first: no fork once SDL runs here. */
	if (start_owner(&o, key) < 0) {
		CHECK(!"owner started");
		return;
	}
	CHECK(owner_loads(&o, img_a));
	a = open_app(key, true);
	if (!a) {
		kill_owner(&o);
		return;
	}
	CHECK(dialog_following(app_dialog(a)));

	/* A shows without a key. */
	took = wait_shown(a, sizes[0][0], sizes[0][1], o.pid, STEP_MS);
	CHECK_MSG(took >= 0, "the follower did not show A: %s",
		  dialog_message(app_dialog(a)));
	CHECK(took < 0 || centre_is(a, sizes[0][0], sizes[0][1], colours[0]));
	CHECK_MSG(strstr(dialog_status(app_dialog(a)), "Following"),
		  "status: %s", dialog_status(app_dialog(a)));

	/* The owner loads B: shown within 2 s, no key. */
	CHECK(owner_loads(&o, img_b));
	took = wait_shown(a, sizes[1][0], sizes[1][1], o.pid, FOLLOW_MS);
	printf("B shown %d ms after its owner published it\n", took);
	CHECK_MSG(took >= 0, "the follower did not show B within %d ms: %s",
		  FOLLOW_MS, dialog_message(app_dialog(a)));
	CHECK(took < 0 || centre_is(a, sizes[1][0], sizes[1][1], colours[1]));

	/* The owner is killed; a new owner shares C. */
	kill_owner(&o);
	if (put(&p, key, img_c, line, sizeof(line)) == 0) {
		took = wait_shown(a, sizes[2][0], sizes[2][1], p.pid, STEP_MS);
		printf("C shown %d ms after its owner published it\n", took);
		CHECK_MSG(took >= 0, "the follower did not show C: %s",
			  dialog_message(app_dialog(a)));
		CHECK(took < 0 ||
		      centre_is(a, sizes[2][0], sizes[2][1], colours[2]));
		tu_stop(&p, SIGTERM, 5000);
		tu_proc_close(&p);
	} else {
		CHECK(!"shmimage put C");
	}
	app_destroy(a);
}

/* ---- a hostile owner, announced on the watch address ---- */

/* Connects to the watch address of key, and never reads. */
static int connect_watch(const char *key)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n, fd;

	n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		     "sharedmemory/%u/%s/watch", (unsigned)geteuid(), key);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				n)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void follow_hostile(const char *mode)
{
	char key[80];
	char *argv[] = { (char *)hostile, "owner", (char *)mode, "--key", key,
			 NULL };
	int64_t end;
	struct tu_proc p;
	char line[256];
	struct app *a;
	bool open = true, said = false;
	int i;

	tu_key(key, sizeof(key), "follow");
	if (tu_spawn(&p, argv, NULL) < 0 ||
	    tu_read_line(&p, STEP_MS, line, sizeof(line)) < 0 ||
	    strcmp(line, "ready") != 0) {
		CHECK_MSG(false, "hostile_peer owner %s: %s", mode, p.err);
		tu_proc_close(&p);
		return;
	}
	/* hostile_peer answers its watch address as an honest owner does,
	 * so the follower is led straight to the lie. */
	a = open_app(key, true);
	if (!a) {
		tu_proc_close(&p);
		return;
	}
	end = clock_ms() + STEP_MS;
	while (open && clock_ms() < end) {
		const char *msg = dialog_message(app_dialog(a));

		if (tu_starts_with(msg, DIALOG_TEXT_ATTACH "\n") &&
		    msg[strlen(DIALOG_TEXT_ATTACH) + 1]) {
			said = true;
			break;
		}
		open = app_pump(a, 20);
	}
	printf("%s: %s\n", mode, dialog_message(app_dialog(a)));
	CHECK_MSG(said, "%s: the follower says: %s", mode,
		  dialog_message(app_dialog(a)));
	CHECK(!dialog_segment(app_dialog(a)));
	/* Still running: it pumps and answers. */
	for (i = 0; i < 5 && open; i++)
		open = app_pump(a, 10);
	CHECK_MSG(open, "%s: the window closed", mode);
	app_destroy(a);
	tu_proc_close(&p);
}

static void case_hostile(void)
{
	follow_hostile("bad-magic");
	follow_hostile("memfd-unsealed");
	/* An owner that never answers: the attach gives up after its 2 s,
	 * on its thread, while the window goes on pumping. */
	follow_hostile("never-answers");
}

/* ---- shmimage watch ---- */

static int spawn_watch(struct tu_proc *p, const char *key, const char *count)
{
	char *argv[] = { (char *)shmimage, "watch", "--key", (char *)key,
			 count ? "--count" : NULL, (char *)count, NULL };

	return tu_spawn(p, argv, NULL);
}

/* The line put printed names its pid: is it p's? */
static bool line_has_pid(const char *line, pid_t pid)
{
	const char *at = strstr(line, ", pid ");

	return at && atol(at + 6) == (long)pid && !strchr(at + 6, ' ');
}

static void case_many(void)
{
	static struct tu_proc w[WATCHERS];
	const char *imgs[2] = { img_a, img_b };
	char key[80], want[512], got[512];
	struct tu_proc p;
	int i, k, seen;

	tu_key(key, sizeof(key), "follow");
	for (i = 0; i < WATCHERS; i++)
		CHECK(spawn_watch(&w[i], key, NULL) == 0);
	for (k = 0; k < 2; k++) {
		if (put(&p, key, imgs[k], want, sizeof(want)) < 0) {
			CHECK(!"shmimage put");
			break;
		}
		CHECK(line_has_pid(want, p.pid));
		for (i = 0, seen = 0; i < WATCHERS; i++) {
			bool same = tu_read_line(&w[i], STEP_MS, got,
						 sizeof(got)) >= 0 &&
				    strcmp(got, want) == 0;

			if (!same)
				fprintf(stderr, "watcher %d: \"%s\", want "
					"\"%s\"\n", i, got, want);
			seen += same;
		}
		printf("image %d: %d of %d watchers printed its line\n", k + 1,
		       seen, WATCHERS);
		CHECK(seen == WATCHERS);
		tu_stop(&p, SIGTERM, 5000);
		tu_proc_close(&p);
	}
	for (i = 0; i < WATCHERS; i++) {
		CHECK(tu_stop(&w[i], SIGTERM, 5000) == 0 &&
		      tu_exit_code(&w[i]) == 0);
		tu_proc_close(&w[i]);
	}
}

static void case_count(void)
{
	const char *imgs[3] = { img_a, img_b, img_c };
	char key[80], want[512], got[512], expect[512];
	struct tu_proc w, p;
	int k;

	tu_key(key, sizeof(key), "follow");
	CHECK(spawn_watch(&w, key, "3") == 0);
	for (k = 0; k < 3; k++) {
		int width = sizes[k][0], height = sizes[k][1];

		if (put(&p, key, imgs[k], want, sizeof(want)) < 0) {
			CHECK(!"shmimage put");
			break;
		}
		/* The format, with the pitch the owner uses. */
		snprintf(expect, sizeof(expect), "shared %d x %d (%llu bytes) "
			 "under key %s, pid %d", width, height,
			 (unsigned long long)seg_pitch_for((uint32_t)width) *
			 (unsigned long long)height, key, (int)p.pid);
		CHECK(tu_read_line(&w, STEP_MS, got, sizeof(got)) >= 0);
		CHECK_MSG(strcmp(got, expect) == 0, "watch said \"%s\", want "
			  "\"%s\"", got, expect);
		CHECK_MSG(strcmp(want, expect) == 0, "put said \"%s\"", want);
		tu_stop(&p, SIGTERM, 5000);
		tu_proc_close(&p);
	}
	CHECK(tu_wait(&w, 5000) == 0);
	CHECK_MSG(tu_exit_code(&w) == 0 && w.out_taken == w.out_len,
		  "watch --count 3: exit %d, more output: %s",
		  tu_exit_code(&w), w.out + w.out_taken);
	tu_proc_close(&w);
}

/* ---- watchers that never read ---- */

/* n rounds of: the owner loads an image, a reader attaches and gets
 * it. The reader's part goes through the owner's serving thread, which
 * also feeds the watchers: a thread that waited for a stuck watcher
 * would show here. Returns the time taken, in ms. */
static int64_t time_loads(struct dialog *d, const char *key, int n)
{
	int64_t t0 = clock_ms();
	int i;

	for (i = 0; i < n; i++) {
		int k = i & 1;
		struct err err = { "" };
		struct seg seg;

		CHECK(owner_load(d, k ? img_b : img_a));
		CHECK_MSG(share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL,
				       &err) == 0 &&
			  (int)seg.info.width == sizes[k][0],
			  "reader after load %d: %s", i, err.msg);
		seg_finish(&seg);
	}
	return clock_ms() - t0;
}

static void case_stuck(void)
{
	char key[80], buf[65536];
	int stuck[STUCK], i, dropped = 0;
	int64_t without, with;
	struct dialog *d;

	tu_key(key, sizeof(key), "follow");
	d = owner_dialog(key);
	if (!d || !owner_load(d, img_a)) {
		CHECK(!"owner");
		dialog_destroy(d);
		return;
	}
	time_loads(d, key, 3);	/* warm up */
	without = time_loads(d, key, LOADS);
	for (i = 0; i < STUCK; i++)
		CHECK((stuck[i] = connect_watch(key)) >= 0);
	with = time_loads(d, key, LOADS);
	printf("%d loads: %d ms without, %d ms with %d watchers that never "
	       "read: ratio %.2f (bound 2)\n", LOADS, (int)without, (int)with,
	       STUCK, without > 0 ? (double)with / (double)without : 0.0);
	CHECK_MSG(with < 2 * (without > 50 ? without : 50),
		  "%d ms with stuck watchers, %d ms without", (int)with,
		  (int)without);
	/* What the stuck ones hold: news they never read, then (if the
	 * owner gave up on them) the end. */
	for (i = 0; i < STUCK; i++) {
		ssize_t n, total = 0;

		if (stuck[i] < 0)
			continue;
		while ((n = recv(stuck[i], buf, sizeof(buf),
				 MSG_DONTWAIT)) > 0)
			total += n;
		dropped += n == 0;
		if (i == 0)
			printf("a stuck watcher held %zd unread news bytes; "
			       "the owner %s it\n", total,
			       n == 0 ? "had dropped" : "still kept");
		close(stuck[i]);
	}
	printf("%d of %d stuck watchers were dropped\n", dropped, STUCK);
	dialog_destroy(d);
}

/* ---- watchers an owner will not keep ---- */

/* CPU time pid has used, in seconds: the scheduler's nanoseconds where
 * the kernel keeps them, clock ticks otherwise. -1 when it is gone. */
static double cpu_s(pid_t pid)
{
	char path[64], *text;
	unsigned long long ns, ut, st;
	double s = -1;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	text = tu_read_file(path, NULL);
	if (text && sscanf(text, "%llu", &ns) == 1) {
		s = (double)ns / 1e9;
	} else {
		free(text);
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		text = tu_read_file(path, NULL);
		/* utime and stime: fields 14 and 15, after the ')' */
		if (text && strrchr(text, ')') &&
		    sscanf(strrchr(text, ')') + 2, "%*c %*d %*d %*d %*d %*d "
			   "%*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
			s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	}
	free(text);
	return s;
}

/* Starts hostile_peer ROLE MODE --key key [--count N --seconds 60] and
 * waits for its "ready". */
static int start_hostile(struct tu_proc *p, const char *role,
			 const char *mode, const char *key, const char *count)
{
	char *argv[] = { (char *)hostile, (char *)role, (char *)mode, "--key",
			 (char *)key, "--count", (char *)count, "--seconds",
			 "60", NULL };
	char line[256];

	if (!count)
		argv[5] = NULL;
	if (tu_spawn(p, argv, NULL) < 0 ||
	    tu_read_line(p, STEP_MS, line, sizeof(line)) < 0 ||
	    strcmp(line, "ready") != 0) {
		CHECK_MSG(false, "hostile_peer %s %s: %s", role, mode, p->err);
		return -1;
	}
	return 0;
}

/* The watchers measured at once: w[0] watches the full owner, the others
 * the one that closes on every watcher. */
struct spin {
	struct tu_proc w[1 + CLOSED];
	double cpu0[1 + CLOSED];
	bool window_said;	/* the window showed the full owner's reason */
};

/* Pumps the following window a for the whole measurement, noting
 * whether it showed the owner's reason. */
static void spin_measure(struct spin *sp, struct app *a)
{
	int64_t end = clock_ms() + 500;

	while (clock_ms() < end)
		app_pump(a, 20);	/* start-up is not idling */
	for (int i = 0; i <= CLOSED; i++)
		sp->cpu0[i] = cpu_s(sp->w[i].pid);
	end = clock_ms() + SPIN_MS;
	while (clock_ms() < end) {
		const char *msg = dialog_message(app_dialog(a));

		sp->window_said |= strstr(msg, "watchers it keeps") != NULL;
		app_pump(a, 20);
	}
	for (int i = 0; i <= CLOSED; i++) {
		double cpu = cpu_s(sp->w[i].pid) - sp->cpu0[i];

		printf("watcher %d (%s): %.4f s of CPU in %d s\n", i,
		       i ? "owner closes on it" : "owner full", cpu,
		       SPIN_MS / 1000);
		CHECK_MSG(sp->cpu0[i] >= 0 && cpu <= SPIN_CPU_S, "watcher %d "
			  "used %.4f s of CPU in %d s", i, cpu, SPIN_MS / 1000);
	}
}

static void case_refused(void)
{
	static struct spin sp;
	struct tu_proc owner, silent, closer;
	char key[80], key2[80], line[512], reason[128];
	struct app *a;

	tu_key(key, sizeof(key), "full");
	tu_key(key2, sizeof(key2), "closer");
	if (put(&owner, key, img_a, line, sizeof(line)) < 0)
		return;
	if (start_hostile(&silent, "client", "watch-silent", key, "64") < 0 ||
	    start_hostile(&closer, "owner", "watch-close", key2, NULL) < 0)
		goto out;
	CHECK(spawn_watch(&sp.w[0], key, NULL) == 0);
	for (int i = 1; i <= CLOSED; i++)
		CHECK(spawn_watch(&sp.w[i], key2, NULL) == 0);
	a = open_app(key, true);
	if (a) {
		spin_measure(&sp, a);
		CHECK_MSG(sp.window_said, "the following window never showed "
			  "the owner's reason");
		CHECK_MSG(wait_shown(a, sizes[0][0], sizes[0][1], owner.pid,
				     STEP_MS) >= 0, "the following window "
			  "never got in: %s", dialog_message(app_dialog(a)));
		app_destroy(a);
	}
	for (int i = 0; i <= CLOSED; i++)
		tu_stop(&sp.w[i], SIGTERM, 5000);
	snprintf(reason, sizeof(reason), "the owner (pid %d) has all the 64 "
		 "watchers it keeps", (int)owner.pid);
	printf("the extra watcher said: %sand printed: %s", sp.w[0].err,
	       sp.w[0].out);
	CHECK_MSG(strstr(sp.w[0].err, reason), "the extra watcher did not "
		  "give the owner's reason: %s", sp.w[0].err);
	CHECK_MSG(strstr(sp.w[0].out, line), "the extra watcher never got "
		  "in (no line \"%s\")", line);
	for (int i = 0; i <= CLOSED; i++)
		tu_proc_close(&sp.w[i]);
out:
	tu_stop(&silent, SIGTERM, 5000);
	tu_stop(&closer, SIGTERM, 5000);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&silent);
	tu_proc_close(&closer);
	tu_proc_close(&owner);
}

int main(int argc, char **argv)
{
	static const struct tu_case cases[] = {
		{ "window", case_window },
		{ "hostile", case_hostile },
		{ "many", case_many },
		{ "count", case_count },
		{ "stuck", case_stuck },
		{ "refused", case_refused },
	};
	char *paths[3] = { img_a, img_b, img_c };
	int rc, i;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: test_follow PATH/shmimage "
			"PATH/shm-decode PATH/hostile_peer [CASE]\n");
		return 2;
	}
	shmimage = argv[1];
	decoder = argv[2];
	hostile = argv[3];
	signal(SIGPIPE, SIG_IGN);
	setenv("SDL_VIDEODRIVER", "dummy", 1);
	if (tu_tmpdir("follow", dir, sizeof(dir)) < 0)
		SKIP("no scratch directory in /tmp");
	for (i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(img_a), "%s/flat-%d.png", dir, i);
		CHECK(save_flat(paths[i], sizes[i][0], sizes[i][1],
				colours[i]) == 0);
	}
	rc = tu_run_cases(cases, SDL_arraysize(cases),
			  argc == 5 ? argv[4] : NULL);
	return rc ? rc : check_done();
}
