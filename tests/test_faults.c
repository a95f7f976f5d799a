/* test_faults - owners killed in the middle of a load, long runs, and
 * running out of fds, address space and memfds (contract version 2).
 *
 *   test_faults SHMIMAGE CASE
 *   test_faults --rlimit nofile|as N -- PROGRAM ARGS...   (exec helper)
 *
 * Cases and what each proves:
 *   kill-owner     70 rounds of an owner SIGKILLed at a random moment of a
 *                  load, a reader started at another random moment. Even
 *                  rounds: `shmimage put` of a 1024 x 1024 image (killed
 *                  while its decoder helper works, while it publishes,
 *                  or while it serves). Odd rounds: an owner that already
 *                  serves image A and loads B, A, B... through the helper.
 *                  The reader never hangs, never dies of a signal and
 *                  never gets a partial image: it gets a whole image the
 *                  owner published (A or B), or one clear line ("nothing
 *                  is shared", or the connection closed by the dying
 *                  owner). The owner's decoder helper dies with it, and a
 *                  new owner takes the key at once and serves.
 *   soak-attach    10,000 attach + copy + detach cycles against one owner,
 *                  in-process: fds, mappings and RSS stay flat.
 *   soak-load      500 loads of alternating images through the decoder
 *                  helper, published under one key in-process, readers
 *                  checking along the way: fds, mappings and RSS stay
 *                  flat, no helper is left unreaped.
 *   nofile-reader  `shmimage get` under RLIMIT_NOFILE 4..12, and the
 *                  in-process reader with 0..3 fds left: each ends with the
 *                  image or one clear line saying this process ran out of
 *                  fds, never a signal, never a leak; the owner keeps
 *                  serving.
 *   nofile-owner   an owner whose fd table is full: readers get the image
 *                  or a clear error within the bound, a new load fails
 *                  with a reason, and once fds are free again the previous
 *                  image is still served.
 *   as-owner       `shmimage put` of a 16 MiB image under RLIMIT_AS from
 *                  too little to enough (the decoder helper inherits the
 *                  limit): it publishes the image whole, or exits 1 with
 *                  one clear line, never a signal; and an owner that
 *                  serves A, then loads B under a small RLIMIT_AS: the load
 *                  fails with a reason and A is still served.
 *   as-reader      `shmimage get` of a 64 MiB image under RLIMIT_AS from
 *                  32 MiB up: the image or one clear line, never a signal.
 *   proc-reader    300 segments filled by a child that exits while
 *                  another process reads its /proc/PID/smaps over and
 *                  over, as ps does: each is sealed (seg_seal_filled())
 *                  at once after the child is reaped, and every seal
 *                  holds with the child's pixels. The reader keeps the
 *                  child's address space, writable mapping included, a
 *                  moment past its end; without the wait for that, 5 to
 *                  14 of the 300 seals failed with EBUSY in three runs.
 *   memfd-fail     memfd_create failing (seccomp makes it return ENOMEM in
 *                  the owner and so in the decoder helper it starts): the
 *                  load fails naming memfd_create, the previous image is
 *                  still served.
 *
 * FAULTS_SEED=N replays the random moments of a run (each run prints its
 * seed). FAULTS_ROUNDS, FAULTS_SOAK_CYCLES, FAULTS_LOAD_CYCLES and
 * HOSTILE_TIME_SCALE shrink and stretch the runs for valgrind.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/segment_inspect.h"
#include "shm/share.h"
#include "testutil.h"

static const char *shmimage;
static char decoder[4096];	/* shm-decode, next to shmimage */
static char self_path[4096];	/* this program, for the exec helper */
static char tmp[256];
static int time_scale = 1;
static uint32_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

static int env_int(const char *name, int fallback)
{
	const char *s = getenv(name);

	return s && atoi(s) > 0 ? atoi(s) : fallback;
}

/* ---- images ---------------------------------------------------------- */

/* An image every row and column of which differs from its neighbours and
 * from the same image of another seed, cheap to write as PNG at any size
 * (tu_make_image's noise does not compress, and 4 MiB of noise takes a
 * second to write). */
static SDL_Surface *make_image(int w, int h, uint32_t seed)
{
	SDL_Surface *s;

	if (w <= 256)
		return tu_make_image(w, h, seed);
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGBA32);
	if (!s)
		return NULL;
	for (int y = 0; y < h; y++) {
		uint8_t *row = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;

		for (int x = 0; x < w; x++) {
			row[x * 4 + 0] = (uint8_t)x;
			row[x * 4 + 1] = (uint8_t)y;
			row[x * 4 + 2] = (uint8_t)((x >> 8) ^ (y >> 8) * 16 ^ seed);
			row[x * 4 + 3] = (uint8_t)(seed * 37 + 128);
		}
	}
	return s;
}

struct image {
	SDL_Surface *surf;
	char path[300];
};

static void image_init(struct image *img, const char *name, int w, int h,
		       uint32_t seed)
{
	img->surf = make_image(w, h, seed);
	snprintf(img->path, sizeof(img->path), "%s/%s.png", tmp, name);
	if (!img->surf || IMG_SavePNG(img->surf, img->path) < 0) {
		fprintf(stderr, "cannot make %s: %s\n", img->path,
			SDL_GetError());
		exit(1);
	}
}

static void image_free(struct image *img)
{
	SDL_FreeSurface(img->surf);
	img->surf = NULL;
}

/* True when the copy-out (rows of w*4 bytes) is exactly want. */
static bool same_rows(const uint8_t *got, SDL_Surface *want)
{
	size_t row = (size_t)want->w * 4;

	for (int y = 0; y < want->h; y++)
		if (memcmp(got + (size_t)y * row,
			   (uint8_t *)want->pixels + (size_t)y * (size_t)want->pitch,
			   row))
			return false;
	return true;
}

/* ---- processes ------------------------------------------------------- */

/* Starts an owner and waits for its "shared ..." line. */
static bool start_put(struct tu_proc *p, const char *key, const char *path)
{
	if (tu_put_start(p, shmimage, key, path, 5000 * time_scale, NULL,
			 0) == 0)
		return true;
	fprintf(stderr, "owner did not start: %s\n", p->err);
	return false;
}

static void spawn_get(struct tu_proc *p, const char *key, const char *out)
{
	char *argv[] = { (char *)shmimage, "get", "--key", (char *)key,
			 (char *)out, NULL };

	if (tu_spawn(p, argv, NULL) < 0)
		perror("spawn get");
}

/* How a reader ended. */
enum verdict { GOT_IMAGE, CLEAN_ERROR, BAD };

/* Judges a `shmimage get` (reaping it first): the whole of image a or of
 * image b (NULL: only a), or one clear line, within bound_ms; anything
 * else (a signal, a hang, a partial image, a rambling error) is BAD and
 * explained on stderr. */
static enum verdict judge_either(struct tu_proc *p, const char *out,
				 SDL_Surface *a, SDL_Surface *b, int bound_ms,
				 const char *what)
{
	char why[256], why_b[256] = "";
	int code;

	if (p->pid > 0 && tu_wait(p, 20000 * time_scale) < 0) {
		fprintf(stderr, "%s: the reader hung\n", what);
		return BAD;
	}
	code = tu_exit_code(p);
	if (tu_elapsed_ms(p) > bound_ms * time_scale) {
		fprintf(stderr, "%s: the reader took %lld ms\n", what,
			(long long)tu_elapsed_ms(p));
		return BAD;
	}
	if (code == 0) {
		if (tu_file_has_pixels(out, a, why, sizeof(why)) ||
		    (b && tu_file_has_pixels(out, b, why_b, sizeof(why_b))))
			return GOT_IMAGE;
		fprintf(stderr, "%s: PARTIAL or wrong image: %s %s\n", what,
			why, why_b);
		return BAD;
	}
	if (code == 1 && tu_err_lines(p) == 1 &&
	    !strncmp(p->err, "shmimage: ", 10))
		return CLEAN_ERROR;
	fprintf(stderr, "%s: reader exit %d, signal %d: %s\n", what, code,
		tu_term_signal(p), p->err);
	return BAD;
}

static enum verdict judge_get(struct tu_proc *p, const char *out,
			      SDL_Surface *want, int bound_ms, const char *what)
{
	return judge_either(p, out, want, NULL, bound_ms, what);
}

/* Runs a reader to the end and judges it. */
static enum verdict get_and_judge(const char *key, SDL_Surface *want,
				  const char *what)
{
	static struct tu_proc get;
	char out[300];
	enum verdict v;

	snprintf(out, sizeof(out), "%s/got.bmp", tmp);
	unlink(out);
	spawn_get(&get, key, out);
	v = judge_get(&get, out, want, 4500, what);
	tu_proc_close(&get);
	return v;
}

/* Reads key in this process: 0 with want's pixels, 1 with a reason in
 * why, -1 for a partial or wrong image. */
static int read_in_process(const char *key, SDL_Surface *want, char *why,
			   size_t size)
{
	static uint8_t *buf;
	static size_t buf_size;
	struct err err;
	struct seg seg;
	int rc;

	if (share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL, &err) < 0) {
		snprintf(why, size, "%s", err.msg);
		return 1;
	}
	if (seg.info.width != (uint32_t)want->w ||
	    seg.info.height != (uint32_t)want->h) {
		snprintf(why, size, "size %u x %u, expected %d x %d",
			 seg.info.width, seg.info.height, want->w, want->h);
		seg_finish(&seg);
		return -1;
	}
	if (buf_size < seg.info.pixel_bytes) {
		free(buf);
		buf_size = seg.info.pixel_bytes;
		buf = malloc(buf_size);
	}
	rc = seg_read(&seg, buf, (size_t)want->w * 4, &err);
	seg_finish(&seg);
	if (rc < 0) {
		snprintf(why, size, "%s", err.msg);
		return 1;
	}
	if (!same_rows(buf, want)) {
		snprintf(why, size, "PARTIAL or wrong image");
		return -1;
	}
	snprintf(why, size, "ok");
	return 0;
}

/* Decodes path in the helper and publishes it under share. Returns 0, or
 * -1 with the reason (the previous image is then still served). */
static int load(struct share *share, const char *key, const char *path,
		struct err *err)
{
	struct seg seg;

	if (tu_decode(decoder, key, path, SEG_DEFAULT_MAX_BYTES, &seg,
		      err) < 0)
		return -1;
	if (share_publish(share, &seg, err) < 0) {
		seg_finish(&seg);
		return -1;
	}
	return 0;
}

/* The next owner of a key whose owner just died must bind at once and
 * serve its own image whole. */
static void next_owner_serves(const char *key, struct image *img,
			      const char *what)
{
	static struct tu_proc owner;

	CHECK_MSG(start_put(&owner, key, img->path),
		  "%s: the next owner could not take the key", what);
	CHECK_MSG(get_and_judge(key, img->surf, what) == GOT_IMAGE,
		  "%s: the next owner does not serve its image", what);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
}

/* Processes running the decoder helper for key (its command line names
 * the key). */
static int decoders_of(const char *key)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		size_t len;
		char *cmd;
		bool ours = false;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		cmd = tu_read_file(path, &len);
		if (!cmd)
			continue;
		/* NUL-separated: "shm-decode\0--key\0KEY\0..." */
		if (len > 0 && strstr(cmd, "shm-decode"))
			for (size_t i = 0; i + 1 < len; i++)
				if (cmd[i] == '\0' && !strcmp(cmd + i + 1, key))
					ours = true;
		n += ours;
		free(cmd);
	}
	closedir(d);
	return n;
}

/* ---- killed mid-load ------------------------------------------------- */

static int tally[3];

/* What the clean errors said. A reader of a killed owner may be told
 * only these: anything else (a timeout, say) fails the round. The last
 * two are a reader that was already connected when the owner died: its
 * connection was closed (accepted) or reset (still queued: "went away
 * before handing over"). */
static const char *const reasons[] = {
	"nothing is shared", "closed the connection",
	"went away before handing over", NULL,
};
static int reason_tally[4];

static void count(enum verdict v)
{
	tally[v]++;
}

/* Tallies a clean error; returns false when it is not one of reasons. */
static bool count_reason(const char *text)
{
	int i;

	for (i = 0; reasons[i]; i++)
		if (strstr(text, reasons[i]))
			break;
	reason_tally[i]++;
	if (!reasons[i])
		fprintf(stderr, "a reader of a killed owner said: %s", text);
	return reasons[i] != NULL;
}

static void report(const char *what, int rounds)
{
	printf("%s: %d rounds: %d whole images, %d clean errors, %d bad\n",
	       what, rounds, tally[GOT_IMAGE], tally[CLEAN_ERROR], tally[BAD]);
	for (int i = 0; reasons[i]; i++)
		if (reason_tally[i])
			printf("  %d x \"%s\"\n", reason_tally[i], reasons[i]);
	if (reason_tally[3])
		printf("  %d x something else\n", reason_tally[3]);
}

/* Judges the reader of a round and tallies it. */
static void judge_round(struct tu_proc *reader, const char *out,
			SDL_Surface *a, SDL_Surface *b, const char *what,
			const char *when)
{
	enum verdict v = judge_either(reader, out, a, b, 4500, what);

	CHECK_MSG(v != BAD, "%s (%s)", what, when);
	if (v == CLEAN_ERROR)
		CHECK_MSG(count_reason(reader->err), "%s (%s): not the "
			  "previous image nor \"nothing is shared\"", what,
			  when);
	count(v);
}

/* The owner of an odd round: serves A, then loads B, A, B... until
 * killed, saying "A" on sock once A is served. */
struct loader {
	const char *key;
	struct image *a, *b;
	int sock;
};

static int load_forever(void *arg)
{
	struct loader *l = arg;
	struct share *share;
	struct err err;

	share = share_create(l->key, &err);
	if (!share || load(share, l->key, l->a->path, &err) < 0) {
		fprintf(stderr, "loader: %s\n", err.msg);
		return 1;
	}
	if (write(l->sock, "A", 1) != 1)
		return 1;
	for (unsigned i = 0;; i++)
		if (load(share, l->key, (i & 1 ? l->a : l->b)->path,
			 &err) < 0)
			fprintf(stderr, "loader: %s\n", err.msg);
}

/* From start on, starts a reader of key into out at t_read ms and
 * SIGKILLs pid at t_kill ms, in whichever order they fall. */
static void read_and_kill(struct tu_proc *reader, const char *key,
			  const char *out, pid_t pid, int64_t start,
			  int t_read, int t_kill)
{
	bool read_started = false, killed = false;

	while (!read_started || !killed) {
		int64_t t = clock_ms() - start;

		if (!read_started && t >= t_read) {
			spawn_get(reader, key, out);
			read_started = true;
		}
		if (!killed && t >= t_kill) {
			kill(pid, SIGKILL);
			killed = true;
		}
		tu_sleep_ms(1);
	}
}

/* Waits up to a second for the decoder helpers of key to go. Returns
 * whether none is left. */
static bool decoders_gone(const char *key)
{
	for (int i = 0; i < 100 && decoders_of(key) > 0; i++)
		tu_sleep_ms(10);
	return decoders_of(key) == 0;
}

/* Kills an owner that already serves A while it loads B (and A, and B):
 * readers get A or B, whole, or (after the kill) "nothing is shared". */
static void kill_while_loading(struct image *a, struct image *b, int r)
{
	static struct tu_proc reader;
	struct loader l = { .a = a, .b = b };
	char key[80], out[300], what[64], when[64];
	int sv[2], t_read = (int)rnd(300), t_kill = (int)rnd(300), status;
	pid_t pid;

	snprintf(what, sizeof(what), "kill-owner round %d (loading B)", r);
	snprintf(out, sizeof(out), "%s/r.bmp", tmp);
	unlink(out);
	tu_key(key, sizeof(key), "kl");
	l.key = key;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	l.sock = sv[1];
	pid = tu_fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(load_forever(&l));
	}
	close(sv[1]);
	if (tu_read_byte(sv[0], 10000 * time_scale) != 'A') {
		CHECK_MSG(0, "%s: the owner never served A", what);
		kill(pid, SIGKILL);
		tu_waitpid(pid, &status, 5000);
		close(sv[0]);
		return;
	}
	close(sv[0]);
	read_and_kill(&reader, key, out, pid, clock_ms(), t_read, t_kill);
	tu_waitpid(pid, &status, 5000);
	snprintf(when, sizeof(when), "read at %d ms, kill at %d ms", t_read,
		 t_kill);
	judge_round(&reader, out, a->surf, b->surf, what, when);
	tu_proc_close(&reader);
	/* Its helper died with it (or had already answered). */
	CHECK_MSG(decoders_gone(key), "%s: the killed owner's decoder "
		  "helper is still running", what);
	next_owner_serves(key, b, what);
}

/* Kills `shmimage put` at a random moment of its load (the helper
 * decoding, the segment being published, or serving). */
static void kill_put(struct image *big, struct image *next, int r,
		     int span_ms)
{
	static struct tu_proc owner, reader;
	int t_read = (int)rnd((uint32_t)span_ms);
	int t_kill = (int)rnd((uint32_t)span_ms);
	char key[80], out[300], what[64], when[64];
	int64_t start;

	snprintf(what, sizeof(what), "kill-owner round %d (put)", r);
	snprintf(out, sizeof(out), "%s/r.bmp", tmp);
	unlink(out);
	tu_key(key, sizeof(key), "ko");
	start = clock_ms();
	/* Without an owner there is nothing to kill: kill(-1) would signal
	 * every process of the user. */
	if (tu_put_spawn(&owner, shmimage, key, big->path, NULL, NULL) < 0) {
		CHECK(!"put started");
		return;
	}
	read_and_kill(&reader, key, out, owner.pid, start, t_read, t_kill);
	tu_wait(&owner, 5000);
	snprintf(when, sizeof(when), "read at %d ms, kill at %d ms of %d",
		 t_read, t_kill, span_ms);
	judge_round(&reader, out, big->surf, NULL, what, when);
	tu_proc_close(&reader);
	tu_proc_close(&owner);
	CHECK_MSG(decoders_gone(key), "%s: the killed put's decoder helper "
		  "is still running", what);
	next_owner_serves(key, next, what);
}

static void test_kill_owner(int rounds)
{
	static struct tu_proc owner;
	struct image big, a, b;
	char key[80], line[256];
	int64_t t;
	int span;

	image_init(&big, "big", 1024, 1024, 1);
	image_init(&a, "a", 256, 256, 2);
	image_init(&b, "b", 300, 200, 3);
	/* How long a put of the big image takes to serve: the kills of
	 * the put rounds fall anywhere up to 1.5 times that. */
	tu_key(key, sizeof(key), "ko-time");
	t = clock_ms();
	CHECK(tu_put_spawn(&owner, shmimage, key, big.path, NULL, NULL) == 0);
	CHECK_MSG(tu_read_line(&owner, 10000 * time_scale, line,
			       sizeof(line)) >= 0, "put of the big image: %s",
		  owner.err);
	span = (int)(clock_ms() - t) * 3 / 2 + 10;
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
	printf("kill-owner: put of 1024 x 1024 serves after %d ms; kills "
	       "fall within %d ms\n", span * 2 / 3, span);
	for (int r = 0; r < rounds; r++) {
		if (r & 1)
			kill_while_loading(&a, &b, r);
		else
			kill_put(&big, &a, r, span);
	}
	image_free(&big);
	image_free(&a);
	image_free(&b);
	report("kill-owner", rounds);
	/* Both kinds of ending were seen, or the moments were not random
	 * enough to prove anything. */
	CHECK_MSG(tally[GOT_IMAGE] > 0 && tally[CLEAN_ERROR] > 0,
		  "the rounds never caught both a served image and a kill "
		  "before it");
}

/* ---- soaks ----------------------------------------------------------- */

struct usage {
	int fds, maps, segs;
	long rss;
};

static struct usage usage_now(void)
{
	struct usage u;

	tu_map_count();		/* warms the buffers the counting uses */
	u.fds = tu_fds_of(0);	/* a serving thread may be closing one */
	u.maps = tu_map_count();
	u.segs = tu_segment_maps();
	u.rss = tu_rss_kib();
	return u;
}

static void check_flat(const char *what, struct usage a, struct usage b,
		       long rss_slack_kib)
{
	printf("%s: fds %d -> %d, mappings %d -> %d (segments %d -> %d), "
	       "RSS %ld -> %ld KiB\n", what, a.fds, b.fds, a.maps, b.maps,
	       a.segs, b.segs, a.rss, b.rss);
	CHECK_MSG(a.fds == b.fds, "%s: fds grew from %d to %d", what, a.fds,
		  b.fds);
	CHECK_MSG(a.segs == b.segs, "%s: segment mappings grew from %d to %d",
		  what, a.segs, b.segs);
	/* Under valgrind or ASan the other mappings and RSS are the tool's
	 * own bookkeeping (its allocator maps blocks itself, ASan keeps
	 * freed memory in quarantine); fds and segments still count. */
	if (tu_under_valgrind() || tu_under_asan())
		return;
	CHECK_MSG(a.maps == b.maps, "%s: mappings grew from %d to %d", what,
		  a.maps, b.maps);
	CHECK_MSG(b.rss - a.rss <= rss_slack_kib, "%s: RSS grew from %ld to "
		  "%ld KiB", what, a.rss, b.rss);
}

static void test_soak_attach(void)
{
	static struct tu_proc owner;
	int cycles = env_int("FAULTS_SOAK_CYCLES", 10000);
	struct image img;
	struct usage before, after;
	char key[80], why[ERR_MAX + 64];
	int bad = 0;
	int64_t start;

	image_init(&img, "soak", 64, 48, 6);
	tu_key(key, sizeof(key), "soak");
	if (!start_put(&owner, key, img.path)) {
		CHECK_MSG(0, "the owner did not start");
		return;
	}
	for (int i = 0; i < 100; i++)
		read_in_process(key, img.surf, why, sizeof(why));
	before = usage_now();
	start = clock_ms();
	for (int i = 0; i < cycles; i++) {
		if (read_in_process(key, img.surf, why, sizeof(why)) != 0 &&
		    bad++ == 0)
			fprintf(stderr, "cycle %d: %s\n", i, why);
	}
	after = usage_now();
	printf("soak-attach: %d cycles in %lld ms, %d failed\n", cycles,
	       (long long)(clock_ms() - start), bad);
	CHECK_MSG(bad == 0, "%d of %d attach cycles failed", bad, cycles);
	check_flat("soak-attach", before, after, 256);
	image_free(&img);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
}

static void test_soak_load(void)
{
	int cycles = env_int("FAULTS_LOAD_CYCLES", 500);
	struct image img[2];
	struct usage before = { 0 }, after;
	struct share *share;
	struct err err;
	char key[80], why[ERR_MAX + 64];
	int bad = 0;
	int64_t start = clock_ms();

	image_init(&img[0], "la", 200, 150, 7);
	image_init(&img[1], "lb", 120, 90, 8);
	tu_key(key, sizeof(key), "load");
	share = share_create(key, &err);
	CHECK_MSG(share, "share_create: %s", err.msg);
	if (!share)
		return;
	for (int i = 0; i < cycles + 20; i++) {
		struct image *cur = &img[i & 1];

		if (i == 20)
			before = usage_now();
		if (load(share, key, cur->path, &err) < 0) {
			if (bad++ == 0)
				fprintf(stderr, "load %d: %s\n", i, err.msg);
			continue;
		}
		if (i % 25 == 0 &&
		    read_in_process(key, cur->surf, why, sizeof(why)) != 0 &&
		    bad++ == 0)
			fprintf(stderr, "read after load %d: %s\n", i, why);
	}
	after = usage_now();
	printf("soak-load: %d loads through the decoder helper in %lld ms, "
	       "%d failed\n", cycles, (long long)(clock_ms() - start), bad);
	CHECK_MSG(bad == 0, "%d loads or reads failed", bad);
	check_flat("soak-load", before, after, 1024);
	CHECK_MSG(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		  "a decoder helper was left unreaped");
	image_free(&img[0]);
	image_free(&img[1]);
	share_destroy(share);
}

/* ---- a filler's address space outliving it ---------------------------- */

/* The child that fills seg: writes byte v over its pixels through its own
 * writable mapping, waits for go, then exits with the mapping still in
 * place (its exit takes it down). */
static void fill_and_exit(const struct seg *seg, int go, uint8_t v)
{
	struct seg fill;
	struct err err;
	char c;

	if (seg_fill_open(&fill, dup(seg->fd), 64, 64, &err) < 0)
		_exit(2);
	memset(seg_rows(&fill), v, 64 * seg_pitch_for(64));
	if (read(go, &c, 1) != 1)
		_exit(3);
	_exit(0);
}

/* The child that reads /proc/PID/smaps of pid from the start until there
 * is nothing left to read: each read holds pid's address space. It says
 * go once the file is open. */
static void read_smaps(pid_t pid, int go)
{
	char path[64], buf[65536];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || write(go, "g", 1) != 1)
		_exit(2);
	while (pread(fd, buf, sizeof(buf), 0) > 0)
		;
	_exit(0);
}

/* One round: 0 when the seal after the filler's end holds with its
 * pixels, -1 with the reason in err. */
static int seal_round(const char *key, uint8_t v, struct err *err)
{
	struct seg seg;
	int go[2], rc = -1, status = 0;
	pid_t filler, reader = -1;

	if (seg_alloc(&seg, key, 64, 64, 1 << 20, err) < 0)
		return -1;
	if (pipe2(go, O_CLOEXEC) < 0) {
		err_errno(err, errno, "pipe2");
		seg_finish(&seg);
		return -1;
	}
	filler = fork();
	if (filler == 0)
		fill_and_exit(&seg, go[0], v);
	if (filler > 0)
		reader = fork();
	if (reader == 0)
		read_smaps(filler, go[1]);
	if (reader < 0 && filler > 0)
		kill(filler, SIGKILL);
	if (filler > 0 && waitpid(filler, &status, 0) == filler &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = seg_seal_filled(&seg, 1 << 20, err);
		for (int y = 0; rc == 0 && y < 64; y++)
			for (int x = 0; x < 256; x++)
				if (seg_pixels(&seg)[y * seg.info.pitch + x]
				    != v) {
					err_set(err, "byte %d of row %d is "
						"not the filler's", x, y);
					rc = -1;
					break;
				}
	} else {
		err_set(err, "the filler failed (fork, or wait status %d)",
			status);
	}
	if (reader > 0)
		waitpid(reader, NULL, 0);
	close(go[0]);
	close(go[1]);
	seg_finish(&seg);
	return rc;
}

static void test_proc_reader(void)
{
	int rounds = env_int("FAULTS_SEAL_ROUNDS", 300), bad = 0;
	char key[80];
	struct err err;
	int64_t start = clock_ms();

	tu_key(key, sizeof(key), "procreader");
	for (int i = 0; i < rounds; i++)
		if (seal_round(key, (uint8_t)(i + 1), &err) < 0 && bad++ < 3)
			fprintf(stderr, "round %d: %s\n", i, err.msg);
	printf("proc-reader: %d seals after the filler's end in %lld ms, "
	       "%d failed\n", rounds, (long long)(clock_ms() - start), bad);
	CHECK_MSG(bad == 0, "%d of %d seals failed", bad, rounds);
	CHECK_MSG(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		  "a child was left unreaped");
}

/* ---- running out ----------------------------------------------------- */

#define FILL_MAX 256

/* Fills the fd table but for `left` slots: the soft RLIMIT_NOFILE goes
 * down to FILL_MAX (the hard limit may be a million), then every free
 * number below it is taken. Returns how many fds were taken; *saved gets
 * the limit to restore. */
static int fill_fds(int *fds, int left, struct rlimit *saved)
{
	struct rlimit rl;
	int n = 0;

	getrlimit(RLIMIT_NOFILE, saved);
	rl = *saved;
	if (rl.rlim_cur > FILL_MAX)
		rl.rlim_cur = FILL_MAX;
	setrlimit(RLIMIT_NOFILE, &rl);
	while (n < FILL_MAX) {
		int fd = fcntl(2, F_DUPFD_CLOEXEC, 0);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	while (left-- > 0 && n > 0)
		close(fds[--n]);
	return n;
}

static void unfill_fds(int *fds, int n, const struct rlimit *saved)
{
	while (n > 0)
		close(fds[--n]);
	setrlimit(RLIMIT_NOFILE, saved);
}

/* Runs shmimage with a resource limit through our own exec helper. */
static void spawn_limited(struct tu_proc *p, const char *res, long value,
			  char *const args[])
{
	char num[32];
	char *argv[16] = { self_path, "--rlimit", (char *)res, num,
			   "--", (char *)shmimage };
	int n = 6;

	snprintf(num, sizeof(num), "%ld", value);
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (tu_spawn(p, argv, NULL) < 0)
		perror("spawn");
}

/* Runs `shmimage get --key key out` under a resource limit (see
 * spawn_limited) and judges it as judge_get does; p keeps what it said
 * for the caller's report, until the caller closes it. */
static enum verdict limited_get(struct tu_proc *p, const char *res,
				long value, const char *key, const char *out,
				SDL_Surface *want, int bound_ms,
				const char *what)
{
	char *args[] = { "get", "--key", (char *)key, (char *)out, NULL };

	unlink(out);
	spawn_limited(p, res, value, args);
	return judge_get(p, out, want, bound_ms, what);
}

/* An image of its own served under a key of its own by `shmimage put`,
 * and the file a reader writes it to: the set-up of the reader sweeps. */
struct served {
	const char *name;	/* of the image */
	int w, h;
	uint32_t seed;
	const char *prefix;	/* of the key */
	const char *out_name;	/* the reader's file, in tmp */
	struct image img;
	char key[80];
	char out[300];
};

/* Makes s's image and key and starts owner serving it. Returns whether
 * it serves (a failed check if not). */
static bool serve(struct tu_proc *owner, struct served *s)
{
	image_init(&s->img, s->name, s->w, s->h, s->seed);
	tu_key(s->key, sizeof(s->key), s->prefix);
	snprintf(s->out, sizeof(s->out), "%s/%s", tmp, s->out_name);
	if (!start_put(owner, s->key, s->img.path)) {
		CHECK_MSG(0, "the owner did not start");
		return false;
	}
	return true;
}

static void unserve(struct tu_proc *owner, struct served *s)
{
	image_free(&s->img);
	tu_stop(owner, SIGTERM, 5000);
	tu_proc_close(owner);
}

/* `shmimage get` under RLIMIT_NOFILE 4..12: the image, or one line
 * saying this reader ran out of fds. */
static void nofile_get_sweep(const char *key, const char *out,
			     struct image *img)
{
	static struct tu_proc get;
	int got = 0, refused = 0;

	/* Below 4 the dynamic loader itself cannot open the libraries. */
	for (long n = 4; n <= 12; n++) {
		char what[64];
		enum verdict v;

		snprintf(what, sizeof(what), "get with RLIMIT_NOFILE %ld", n);
		v = limited_get(&get, "nofile", n, key, out, img->surf, 4500,
				what);
		printf("RESULT | nofile %ld | exit %d | %.*s\n", n,
		       tu_exit_code(&get), (int)strcspn(get.err, "\n"),
		       get.err);
		CHECK_MSG(v != BAD, "%s", what);
		/* The honest owner is not to blame: the reason must say
		 * that this process ran out of fds. */
		CHECK_MSG(v != CLEAN_ERROR || strstr(get.err, "open files"),
			  "%s: the reason does not say the reader ran out of "
			  "fds: %s", what, get.err);
		got += v == GOT_IMAGE;
		refused += v == CLEAN_ERROR;
		tu_proc_close(&get);
	}
	/* Both ends of the sweep were reached, or it proved nothing. */
	CHECK_MSG(got > 0 && refused > 0, "%d successes, %d refusals", got,
		  refused);
}

/* In this process: the fd table full but for 0..3 slots. */
static void nofile_in_process(const char *key, struct image *img)
{
	static int filler[FILL_MAX];
	char why[ERR_MAX + 64];

	for (int left = 0; left <= 3; left++) {
		struct rlimit saved;
		struct usage before, after;
		int rc, n;

		before = usage_now();
		n = fill_fds(filler, left, &saved);
		rc = read_in_process(key, img->surf, why, sizeof(why));
		unfill_fds(filler, n, &saved);
		after = usage_now();
		printf("RESULT | in-process, %d fds free | %s\n", left, why);
		CHECK_MSG(rc >= 0, "%d fds free: %s", left, why);
		CHECK_MSG(rc == 0 || strstr(why, "open files"), "%d fds free: "
			  "the reason does not say this process ran out of "
			  "fds: %s", left, why);
		CHECK_MSG(after.fds == before.fds, "%d fds free: fds %d -> %d",
			  left, before.fds, after.fds);
	}
}

static void test_nofile_reader(void)
{
	static struct tu_proc owner;
	struct served sv = { .name = "nofile", .w = 80, .h = 60, .seed = 9,
			     .prefix = "nofile", .out_name = "nf.png" };
	char why[ERR_MAX + 64];

	if (!serve(&owner, &sv))
		return;
	nofile_get_sweep(sv.key, sv.out, &sv.img);
	nofile_in_process(sv.key, &sv.img);
	CHECK_MSG(read_in_process(sv.key, sv.img.surf, why, sizeof(why)) == 0,
		  "the owner stopped serving: %s", why);
	unserve(&owner, &sv);
}

/* An owner in a child of ours: serves A, then on each command byte from
 * the test does one thing and answers with a line. */
struct owner_child {
	const char *key;
	struct image *a, *b;
	int sock;		/* its end of a socketpair */
};

static void say(int sock, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(int sock, const char *fmt, ...)
{
	char line[ERR_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(sock, line, (size_t)n + 1) < 0)
		_exit(3);
}

/* Waits for the child's answer (one NUL-ended message). */
static bool hear(int sock, char *buf, size_t size, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	ssize_t n;

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = read(sock, buf, size - 1);
	if (n <= 0) {
		snprintf(buf, size, "(no answer)");
		return false;
	}
	buf[n] = '\0';
	return true;
}

static bool tell(int sock, char cmd)
{
	return write(sock, &cmd, 1) == 1;
}

/* The installed filter makes memfd_create fail with ENOMEM in this
 * process from now on; every other call passes. */
static int forbid_memfd(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_memfd_create, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOMEM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* The owner child's 'A': RLIMIT_AS (soft and hard) becomes what is
 * mapped now + the MiB in the next byte from sock. Returns 0 with the
 * answer said, or -1 when the byte did not come. */
static int limit_as(int sock)
{
	unsigned char mib;
	struct rlimit rl;
	long pages = 0, dummy;
	char *statm = tu_read_file("/proc/self/statm", NULL);

	if (read(sock, &mib, 1) != 1)
		return -1;
	if (statm)
		sscanf(statm, "%ld %ld", &pages, &dummy);
	free(statm);
	rl.rlim_cur = rl.rlim_max = (rlim_t)pages *
		(rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)mib << 20);
	say(sock, "RLIMIT_AS %s",
	    setrlimit(RLIMIT_AS, &rl) == 0 ? "set" : "refused");
	return 0;
}

/* Commands: 'N' fill the fd table, 'n' free it again, 'A' lower
 * RLIMIT_AS to what is mapped now + the MiB in the next byte, 'M' forbid
 * memfd_create, 'B' load image B through the decoder helper (answers
 * "loaded B" or "failed: <reason>"), 'q' quit. */
static int owner_child_run(void *arg)
{
	struct owner_child *oc = arg;
	static int filler[FILL_MAX];
	struct rlimit saved;
	int nfill = 0;
	struct share *share;
	struct err err;
	char cmd;

	share = share_create(oc->key, &err);
	if (!share || load(share, oc->key, oc->a->path, &err) < 0) {
		say(oc->sock, "setup failed: %s", err.msg);
		return 1;
	}
	say(oc->sock, "published A");
	while (read(oc->sock, &cmd, 1) == 1) {
		switch (cmd) {
		case 'N':
			nfill = fill_fds(filler, 0, &saved);
			say(oc->sock, "filled %d fds", nfill);
			break;
		case 'n':
			unfill_fds(filler, nfill, &saved);
			nfill = 0;
			say(oc->sock, "freed");
			break;
		case 'A':
			if (limit_as(oc->sock) < 0)
				return 1;
			break;
		case 'M':
			say(oc->sock, "memfd_create %s",
			    forbid_memfd() == 0 ? "forbidden" : "still allowed");
			break;
		case 'B':
			err.msg[0] = '\0';
			if (load(share, oc->key, oc->b->path, &err) == 0)
				say(oc->sock, "loaded B");
			else
				say(oc->sock, "failed: %s", err.msg);
			break;
		case 'q':
			share_destroy(share);
			return 0;
		}
	}
	return 1;
}

/* Forks an owner child; returns its pid and the test's socket end. */
static pid_t start_owner_child(struct owner_child *oc, int *sock)
{
	int sv[2];
	char line[ERR_MAX + 128];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	oc->sock = sv[1];
	pid = tu_fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(owner_child_run(oc));
	}
	close(sv[1]);
	*sock = sv[0];
	if (!hear(*sock, line, sizeof(line), 10000 * time_scale) ||
	    strcmp(line, "published A")) {
		fprintf(stderr, "owner child: %s\n", line);
		return -1;
	}
	return pid;
}

static void stop_owner_child(pid_t pid, int sock)
{
	int status = 0;

	tell(sock, 'q');
	CHECK_MSG(tu_waitpid(pid, &status, 5000 * time_scale) == 0 &&
		  WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the owner child did not end cleanly (status %#x)", status);
	close(sock);
}

/* A fresh key (prefix as for tu_key) and an owner child serving image a
 * under it, b for its 'B'. Returns the child's pid and the test's
 * socket end in *sock, or -1 (a failed check). */
static pid_t owner_child_up(char *key, size_t size, const char *prefix,
			    struct image *a, struct image *b, int *sock)
{
	struct owner_child oc = { .key = key, .a = a, .b = b };
	pid_t pid;

	tu_key(key, size, prefix);
	pid = start_owner_child(&oc, sock);
	CHECK_MSG(pid > 0, "owner child did not start");
	return pid;
}

/* Sends the owner child one command and waits for its answer. */
static void command_owner(int sock, char cmd, char *line, size_t size,
			  int timeout_ms)
{
	tell(sock, cmd);
	hear(sock, line, size, timeout_ms);
}

static void test_nofile_owner(void)
{
	struct image a, b;
	char key[80], line[ERR_MAX + 128];
	pid_t pid;
	int sock;
	enum verdict v;

	image_init(&a, "A", 64, 64, 10);
	image_init(&b, "B", 96, 64, 11);
	pid = owner_child_up(key, sizeof(key), "nofo", &a, &b, &sock);
	if (pid <= 0)
		return;
	CHECK(get_and_judge(key, a.surf, "before") == GOT_IMAGE);

	command_owner(sock, 'N', line, sizeof(line), 10000);
	printf("owner: %s\n", line);
	/* Accepting needs an fd: the reader waits out its bound. */
	v = get_and_judge(key, a.surf, "owner out of fds");
	printf("RESULT | owner out of fds | reader: %s\n",
	       v == GOT_IMAGE ? "got the image" : "clean error");
	CHECK(v != BAD);
	command_owner(sock, 'B', line, sizeof(line), 10000 * time_scale);
	printf("RESULT | load B, owner out of fds | %s\n", line);
	CHECK_MSG(!strncmp(line, "failed: ", 8) && strlen(line) > 20,
		  "want a failed load with its reason, got: %s", line);

	command_owner(sock, 'n', line, sizeof(line), 10000);
	CHECK_MSG(get_and_judge(key, a.surf, "after") == GOT_IMAGE,
		  "image A is no longer served once fds are free");
	image_free(&a);
	image_free(&b);
	stop_owner_child(pid, sock);
}

/* `shmimage put` of the 16 MiB image b under RLIMIT_AS of mib MiB (its
 * decoder helper starts under the same limit): it publishes b whole, or
 * exits 1 with one clear line. Returns whether it published. */
static bool put_under_as(struct image *b, long mib)
{
	static struct tu_proc put;
	char *args[] = { "put", "--key", NULL, b->path, NULL };
	char key[80], what[64], line[256];
	bool ok;

	tu_key(key, sizeof(key), "asp");
	args[2] = key;
	snprintf(what, sizeof(what), "put under RLIMIT_AS %ld MiB", mib);
	spawn_limited(&put, "as", mib << 20, args);
	ok = tu_read_line(&put, 10000 * time_scale, line, sizeof(line)) >= 0;
	if (ok) {
		CHECK_MSG(get_and_judge(key, b->surf, what) == GOT_IMAGE,
			  "%s: the image it published is not B", what);
		tu_stop(&put, SIGTERM, 5000);
	} else {
		tu_wait(&put, 10000 * time_scale);
	}
	printf("RESULT | %s | %s | exit %d, signal %d | %.*s\n", what,
	       ok ? "published" : "refused", tu_exit_code(&put),
	       tu_term_signal(&put), (int)strcspn(put.err, "\n"), put.err);
	CHECK_MSG(tu_term_signal(&put) == 0 || ok, "%s: died of signal %d",
		  what, tu_term_signal(&put));
	if (!ok)
		CHECK_MSG(tu_exit_code(&put) == 1 && tu_err_lines(&put) == 1 &&
			  !strncmp(put.err, "shmimage: ", 10) &&
			  strlen(put.err) > 24,
			  "%s: want exit 1 and one clear line: exit %d: %s",
			  what, tu_exit_code(&put), put.err);
	else
		CHECK_MSG(tu_exit_code(&put) == 0, "%s: SIGTERM: exit %d: %s",
			  what, tu_exit_code(&put), put.err);
	tu_proc_close(&put);
	return ok;
}

/* An owner child that serves a, then loads b with room MiB of address
 * space left. Returns 0 when b loaded, 1 when the load was refused (a
 * is then still served), -1 when the child did not start. */
static int load_with_room(struct image *a, struct image *b, int room)
{
	char key[80], line[ERR_MAX + 128], what[64];
	pid_t pid;
	int sock;
	bool ok;

	snprintf(what, sizeof(what), "as-owner, %d MiB room", room);
	pid = owner_child_up(key, sizeof(key), "as", a, b, &sock);
	if (pid <= 0)
		return -1;
	tell(sock, 'A');
	tell(sock, (char)room);
	hear(sock, line, sizeof(line), 10000);
	CHECK_MSG(!strcmp(line, "RLIMIT_AS set"), "%s", line);
	command_owner(sock, 'B', line, sizeof(line), 30000 * time_scale);
	printf("RESULT | owner serving A, RLIMIT_AS mapped + %d MiB, "
	       "load 16 MiB image B | %s\n", room, line);
	ok = !strcmp(line, "loaded B");
	CHECK_MSG(ok || (!strncmp(line, "failed: ", 8) && strlen(line) > 24),
		  "%s: a refusal without a reason: %s", what, line);
	/* Refused: A is still served. Loaded: B is, whole. */
	CHECK_MSG(get_and_judge(key, ok ? b->surf : a->surf, what) ==
		  GOT_IMAGE, "%s: image %s is not served", what,
		  ok ? "B" : "A");
	stop_owner_child(pid, sock);
	return !ok;
}

static void test_as_owner(void)
{
	struct image a, b;
	int refused = 0, published = 0, child_refused = 0;

	if (tu_under_asan())
		SKIP("RLIMIT_AS cannot be used under AddressSanitizer (its "
		     "shadow memory alone exceeds any useful limit)");
	image_init(&a, "A", 64, 64, 12);
	image_init(&b, "B", 2048, 2048, 13);

	for (long mib = 32; mib <= 1024; mib *= 2) {
		bool ok = put_under_as(&b, mib);

		refused += !ok;
		published += ok;
	}
	CHECK_MSG(refused > 0 && published > 0, "RLIMIT_AS sweep: %d refused, "
		  "%d published: both ends must be reached", refused,
		  published);

	for (int room = 4; room <= 64; room += 20) {
		int r = load_with_room(&a, &b, room);

		if (r < 0)
			return;
		child_refused += r;
	}
	CHECK_MSG(child_refused > 0, "RLIMIT_AS never made a load fail");
	image_free(&a);
	image_free(&b);
}

static void test_as_reader(void)
{
	static struct tu_proc owner, get;
	struct served sv = { .name = "as", .w = 4096, .h = 4096, .seed = 14,
			     .prefix = "asr", .out_name = "as.bmp" };
	int got = 0, refused = 0;

	if (tu_under_asan())
		SKIP("RLIMIT_AS cannot be used under AddressSanitizer");
	if (!serve(&owner, &sv))
		return;
	for (long mib = 32; mib <= 512; mib *= 2) {
		char what[64];
		enum verdict v;

		snprintf(what, sizeof(what), "get with RLIMIT_AS %ld MiB", mib);
		v = limited_get(&get, "as", mib << 20, sv.key, sv.out,
				sv.img.surf, 8000, what);
		printf("RESULT | RLIMIT_AS %ld MiB | exit %d | %.*s\n", mib,
		       tu_exit_code(&get), (int)strcspn(get.err, "\n"),
		       get.err);
		CHECK_MSG(v != BAD, "%s", what);
		got += v == GOT_IMAGE;
		refused += v == CLEAN_ERROR;
		tu_proc_close(&get);
	}
	CHECK_MSG(got > 0 && refused > 0, "%d successes, %d refusals", got,
		  refused);
	unserve(&owner, &sv);
}

static void test_memfd_fail(void)
{
	struct image a, b;
	char key[80], line[ERR_MAX + 128];
	pid_t pid;
	int sock;

	image_init(&a, "A", 64, 64, 15);
	image_init(&b, "B", 96, 64, 16);
	pid = owner_child_up(key, sizeof(key), "memfd", &a, &b, &sock);
	if (pid <= 0)
		return;
	command_owner(sock, 'M', line, sizeof(line), 10000);
	CHECK_MSG(!strcmp(line, "memfd_create forbidden"), "%s", line);
	command_owner(sock, 'B', line, sizeof(line), 10000 * time_scale);
	printf("RESULT | memfd_create fails (ENOMEM) | %s\n", line);
	CHECK_MSG(!strncmp(line, "failed: ", 8) && strstr(line, "memfd_create"),
		  "want a failed load naming memfd_create, got: %s", line);
	CHECK_MSG(get_and_judge(key, a.surf, "memfd-fail") == GOT_IMAGE,
		  "image A is no longer served");
	image_free(&a);
	image_free(&b);
	stop_owner_child(pid, sock);
}

/* ---- main ------------------------------------------------------------ */

static void test_kill_owner_rounds(void)
{
	test_kill_owner(env_int("FAULTS_ROUNDS", 70));
}

static const struct tu_case cases[] = {
	{ "kill-owner", test_kill_owner_rounds },
	{ "soak-attach", test_soak_attach },
	{ "soak-load", test_soak_load },
	{ "nofile-reader", test_nofile_reader },
	{ "nofile-owner", test_nofile_owner },
	{ "as-owner", test_as_owner },
	{ "as-reader", test_as_reader },
	{ "proc-reader", test_proc_reader },
	{ "memfd-fail", test_memfd_fail },
};

/* test_faults --rlimit nofile|as N -- PROGRAM ARGS...: sets the soft and
 * hard limit and becomes PROGRAM, so the limit holds from its first
 * instruction. */
static int exec_limited(int argc, char **argv)
{
	struct rlimit rl;
	int res;

	if (argc < 6 || strcmp(argv[4], "--"))
		return 2;
	res = !strcmp(argv[2], "nofile") ? RLIMIT_NOFILE : RLIMIT_AS;
	rl.rlim_cur = rl.rlim_max = (rlim_t)strtoull(argv[3], NULL, 10);
	/* The program starts with stdin, stdout and stderr only, whatever
	 * the test runner left open, so the limit means the same for every
	 * run. */
	close_range(3, ~0u, 0);
	if (setrlimit(res, &rl) < 0) {
		perror("setrlimit");
		return 127;
	}
	execv(argv[5], argv + 5);
	perror("execv");
	return 127;
}

int main(int argc, char **argv)
{
	const char *which;

	if (argc >= 2 && !strcmp(argv[1], "--rlimit"))
		return exec_limited(argc, argv);
	if (argc != 3) {
		fprintf(stderr, "usage: test_faults SHMIMAGE CASE\n");
		return 2;
	}
	shmimage = argv[1];
	which = argv[2];
	tu_decoder_path(shmimage, decoder, sizeof(decoder));
	/* Read now, not by the child: under valgrind /proc/self/exe is
	 * valgrind itself, but readlink on it is answered with us. */
	if (readlink("/proc/self/exe", self_path, sizeof(self_path) - 1) < 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	time_scale = env_int("HOSTILE_TIME_SCALE", 1);
	rng = (uint32_t)env_int("FAULTS_SEED", (int)(time(NULL) ^ getpid()));
	rng |= 1;
	printf("FAULTS_SEED=%u\n", rng);
	signal(SIGPIPE, SIG_IGN);
	if (tu_tmpdir("faults", tmp, sizeof(tmp)) < 0) {
		perror("tmpdir");
		return 1;
	}

	if (tu_run_cases(cases, sizeof(cases) / sizeof(cases[0]), which))
		return 2;
	return check_done();
}
