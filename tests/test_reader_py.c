/* test_reader_py - src/readers/reader.py, a second-language reader of the
 * contract, against the real owner.
 *
 *   test_reader_py SHMIMAGE SOURCE_DIR PYTHON3 HOSTILE_PEER [CASE...]
 *
 * With no CASE every case runs.
 *
 * Proves: what reader.py saves from a segment `shmimage put` serves has
 * exactly the pixels `shmimage get` saves from it (a photo with
 * transparent parts, and a random image whose odd width gives the segment
 * a pitch wider than its rows); reader.py refuses, with exit 1 and one
 * line, a key nobody holds and an image over its --max-bytes; and against
 * every lying owner tests/hostile_peer plays, it refuses what the contract
 * says to refuse, naming why, within its one 2 s deadline, and takes the
 * honest ones pixel-exact. PYTHON3 not executable is a skip (exit 77), a
 * failure in CI.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "shm/share.h"
#include "testutil.h"

#define PATH_LEN 512

static const char *shmimage, *srcdir, *python;
static char dir[256];
static char reader[PATH_LEN];

/* Starts `shmimage put --key key file` and waits for its "shared ..."
 * line, printed once the segment is sealed and served. */
static bool start_owner(struct tu_proc *p, const char *key, const char *file)
{
	if (tu_put_start(p, shmimage, key, file, 10000, NULL, 0) < 0) {
		CHECK_MSG(0, "put %s did not start or printed no \"shared\" "
			  "line; stderr: %s", file, p->err);
		tu_proc_close(p);
		return false;
	}
	return true;
}

/* Runs `python3 reader.py --key key [extra] out` to the end. */
static void run_reader(struct tu_proc *p, const char *key, const char *extra,
		       const char *out)
{
	char *argv[] = { (char *)python, reader, "--key", (char *)key,
			 (char *)out, NULL, NULL, NULL };

	if (extra) {	/* "--max-bytes=N" goes before OUT */
		argv[4] = (char *)extra;
		argv[5] = (char *)out;
	}
	CHECK_MSG(tu_run(p, argv, NULL, 20000) == 0,
		  "reader.py --key %s did not finish within 20 s", key);
}

/* True when the image files a and b hold the same pixels. */
static bool same_files_pixels(const char *a, const char *b, char *why,
			      size_t size)
{
	SDL_Surface *want = IMG_Load(b);
	bool same;

	if (!want) {
		snprintf(why, size, "IMG_Load %s: %s", b, IMG_GetError());
		return false;
	}
	same = tu_file_has_pixels(a, want, why, size);
	SDL_FreeSurface(want);
	return same;
}

/* reader.py and `shmimage get` save the same pixels from the segment
 * that put made of file. */
static void same_as_get(const char *file, const char *tag)
{
	char key[96], py_out[PATH_LEN], get_out[PATH_LEN], why[256];
	char *get_argv[] = { (char *)shmimage, "get", "--key", key, get_out,
			     NULL };
	struct tu_proc owner, py, get;

	tu_key(key, sizeof(key), tag);
	snprintf(py_out, sizeof(py_out), "%s/%s-py.png", dir, tag);
	snprintf(get_out, sizeof(get_out), "%s/%s-get.png", dir, tag);
	if (!start_owner(&owner, key, file))
		return;
	run_reader(&py, key, NULL, py_out);
	CHECK_MSG(tu_exit_code(&py) == 0 && py.err_len == 0,
		  "reader.py exit %d; stderr: %s", tu_exit_code(&py), py.err);
	CHECK(tu_run(&get, get_argv, NULL, 10000) == 0);
	CHECK_MSG(tu_exit_code(&get) == 0, "get exit %d; stderr: %s",
		  tu_exit_code(&get), get.err);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
	tu_proc_close(&py);
	tu_proc_close(&get);

	CHECK_MSG(same_files_pixels(py_out, get_out, why, sizeof(why)),
		  "%s: %s", file, why);
}

/* Counts the pixels of file with alpha below 255, so the cases show they
 * carry transparency through. */
static int translucent_pixels(const char *file)
{
	SDL_Surface *s = IMG_Load(file), *c;
	int n = 0;

	if (!s)
		return -1;
	c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_RGBA32, 0);
	SDL_FreeSurface(s);
	if (!c)
		return -1;
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++)
			n += ((uint8_t *)c->pixels)[y * c->pitch + x * 4 + 3] <
			     255;
	SDL_FreeSurface(c);
	return n;
}

/* The fixture photo, and a random 301 x 157 image (every alpha value;
 * 1204-byte rows in a 1216-byte pitch). */
static void test_same_pixels(void)
{
	char sunset[PATH_LEN], noise[PATH_LEN];
	SDL_Surface *img = tu_make_image(301, 157, 42);

	snprintf(sunset, sizeof(sunset), "%s/assets/sunset.png", srcdir);
	snprintf(noise, sizeof(noise), "%s/noise.png", dir);
	CHECK_MSG(translucent_pixels(sunset) > 0, "%s has no transparency",
		  sunset);
	same_as_get(sunset, "readerpy-sunset");
	CHECK_MSG(img && IMG_SavePNG(img, noise) == 0, "cannot save %s",
		  noise);
	SDL_FreeSurface(img);
	same_as_get(noise, "readerpy-noise");
}

/* Exit 1, exactly one stderr line "reader.py: ..." saying words, no
 * output file. */
static void expect_refusal(struct tu_proc *p, const char *out,
			   const char *words)
{
	CHECK_MSG(tu_exit_code(p) == 1, "exit %d, expected 1",
		  tu_exit_code(p));
	CHECK_MSG(tu_err_lines(p) == 1 && !strncmp(p->err, "reader.py: ", 11),
		  "stderr is not one line \"reader.py: ...\": %s", p->err);
	CHECK_MSG(strstr(p->err, words), "stderr does not say \"%s\": %s",
		  words, p->err);
	CHECK_MSG(!tu_exists(out), "a refusal left %s behind", out);
}

static void test_no_owner(void)
{
	char key[96], out[PATH_LEN];
	struct tu_proc p;

	tu_key(key, sizeof(key), "readerpy-nobody");
	snprintf(out, sizeof(out), "%s/nobody.png", dir);
	run_reader(&p, key, NULL, out);
	expect_refusal(&p, out, "nothing is shared under key");
	tu_proc_close(&p);
}

/* sunset.png is 400 x 300: 480000 bytes of pixels, one over the limit. */
static void test_over_limit(void)
{
	char key[96], file[PATH_LEN], out[PATH_LEN];
	struct tu_proc owner, p;

	tu_key(key, sizeof(key), "readerpy-limit");
	snprintf(file, sizeof(file), "%s/assets/sunset.png", srcdir);
	snprintf(out, sizeof(out), "%s/limit.png", dir);
	if (!start_owner(&owner, key, file))
		return;
	run_reader(&p, key, "--max-bytes=479999", out);
	expect_refusal(&p, out, "over the limit");
	tu_proc_close(&p);
	run_reader(&p, key, "--max-bytes=480000", out);
	CHECK_MSG(tu_exit_code(&p) == 0, "at the limit: exit %d; stderr: %s",
		  tu_exit_code(&p), p.err);
	tu_proc_close(&p);
	tu_stop(&owner, SIGTERM, 5000);
	tu_proc_close(&owner);
}

/* ---- against lying owners ---------------------------------------------- */

/* What reader.py must do with each owner mode of hostile_peer: exit 0
 * (then its pixels must match `shmimage get`'s), or exit 1 with one line
 * naming the problem ('|'-separated alternatives). */
struct expect {
	const char *mode;
	int exit;
	const char *words;
	const char *max_bytes;	/* reader.py's --max-bytes=N, or NULL */
	int bound_ms;		/* 0: BOUND_MS */
};

static const struct expect owner_modes[] = {
	{ "pipe", 1, "not on shared memory", NULL, 0 },
	{ "file", 1, "not on shared memory", NULL, 0 },
	{ "hugetlb", 1, "not on shared memory", NULL, 0 },
	{ "tmpfs-file", 1, "not sealed|not a memfd", NULL, 0 },
	{ "memfd-unsealed", 1, "not sealed", NULL, 0 },
	{ "memfd-shrink", 1, "not sealed", NULL, 0 },
	{ "seal-grow-only", 1, "not sealed", NULL, 0 },
	{ "no-write-seal", 1, "not sealed", NULL, 0 },
	{ "future-write", 1, "not sealed", NULL, 0 },
	{ "readonly-fd", 0, "", NULL, 0 },
	{ "honest-wide", 0, "", NULL, 0 },	/* wider pitch, 128-byte header */
	{ "pitch-65536", 0, "", NULL, 0 },
	{ "over-limit", 1, "over the limit", "--max-bytes=1M", 0 },
	{ "no-fd", 1, "0 fds", NULL, 0 },
	{ "close-at-once", 1, "without an answer", NULL, 0 },
	{ "two-fds", 1, "2 fds", NULL, 0 },
	{ "ctrunc", 1, "truncated", NULL, 0 },
	{ "bad-magic", 1, "magic", NULL, 0 },
	{ "bad-version", 1, "version 3", NULL, 0 },
	{ "v1-header", 1, "version 1", NULL, 0 },
	{ "unknown-flags", 1, "flags", NULL, 0 },
	{ "header-small", 1, "header_size", NULL, 0 },
	{ "header-unaligned", 1, "header_size", NULL, 0 },
	{ "header-beyond", 1, "header_size|bytes in", NULL, 0 },
	{ "zero-width", 1, "size 0 x", NULL, 0 },
	{ "zero-height", 1, "x 0", NULL, 0 },
	{ "wide", 1, "size", NULL, 0 },
	{ "tall", 1, "size", NULL, 0 },
	{ "pitch-small", 1, "pitch", NULL, 0 },
	{ "pitch-unaligned", 1, "pitch", NULL, 0 },
	{ "overflow32", 1, "pitch", NULL, 0 },
	{ "overflow32-width", 1, "size", NULL, 0 },
	{ "overflow64", 1, "pixel_bytes", NULL, 0 },
	{ "pixel-bytes", 1, "pixel_bytes", NULL, 0 },
	{ "short-file", 1, "bytes in", NULL, 0 },
	{ "tiny-file", 1, "smaller than", NULL, 0 },
	{ "empty-file", 1, "smaller than", NULL, 0 },
	{ "bad-format", 1, "format", NULL, 0 },
	/* Backlog full for 1.2 s, then the fd 2.5 s after the accept: one
	 * deadline for the whole attach refuses it at 2 s; a reader giving
	 * the receive a 2 s of its own would still be waiting at 3 s. */
	{ "late-slow", 1, "within 2 s", NULL, 2900 },
	{ "reason-long", 1, "hostile reason", NULL, 0 },
	{ "reason-binary", 1, "hostile[2J[31mredline2nul1m end", NULL, 0 },
	{ "never-answers", 1, "within 2 s", NULL, 0 },
	{ "drip", 1, "within 2 s", NULL, 0 },
	{ "backlog-full", 1, "not accepting", NULL, 0 },
	{ "other-uid", 1, "another user", NULL, 0 },
	{ "dgram-squatter", 1, "nothing is shared", NULL, 0 },
	{ "seqpacket-squatter", 1, "nothing is shared", NULL, 0 },
};

/* The 2 s attach deadline plus Python's start-up on a busy machine. */
#define BOUND_MS 4000

/* Python's own start-up and imports here and now (reader.py --help, the
 * slower of two runs): on a machine busy enough that it passes the
 * second BOUND_MS allows for it, the bounds grow by the excess, so they
 * still judge the attach, not the interpreter. */
static int64_t startup_excess_ms;

static const char *hostile;

/* True when one of the '|'-separated words is in text ("" is in any). */
static bool names(const char *text, const char *words)
{
	char buf[128];

	if (!*words)
		return true;
	while (*words) {
		size_t n = strcspn(words, "|");

		snprintf(buf, sizeof(buf), "%.*s", (int)n, words);
		if (strstr(text, buf))
			return true;
		words += n + (words[n] == '|');
	}
	return false;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 0x20 || s[i] > 0x7e) && s[i] != '\n')
			return false;
	return true;
}

/* Starts hostile_peer as owner of mode under key and waits for "ready".
 * Returns 0, 77 when the mode needs root, -1. */
static int start_hostile(struct tu_proc *p, const char *mode, const char *key)
{
	char *argv[] = { (char *)hostile, "owner", (char *)mode, "--key",
			 (char *)key, NULL };
	char line[256];

	if (tu_spawn(p, argv, NULL) < 0)
		return -1;
	while (tu_read_line(p, 5000, line, sizeof(line)) >= 0)
		if (!strcmp(line, "ready"))
			return 0;
	tu_wait(p, 2000);
	return tu_exit_code(p) == 77 ? 77 : -1;
}

static void hostile_mode(const struct expect *ex)
{
	char key[96], out[PATH_LEN], get_out[PATH_LEN], why[256];
	char *get_argv[] = { (char *)shmimage, "get", "--key", key, get_out,
			     NULL };
	struct tu_proc owner, py, get;
	int rc;

	tu_key(key, sizeof(key), ex->mode);
	snprintf(out, sizeof(out), "%s/hostile-%s.png", dir, ex->mode);
	rc = start_hostile(&owner, ex->mode, key);
	if (rc == 77)
		printf("%s: needs root, not run\n", ex->mode);
	CHECK_MSG(rc == 0 || rc == 77, "hostile_peer owner %s did not start: "
		  "%s", ex->mode, owner.err);
	if (rc != 0) {
		tu_proc_close(&owner);
		return;
	}
	run_reader(&py, key, ex->max_bytes, out);
	printf("%-18s exit %d, %lld ms: %s", ex->mode, tu_exit_code(&py),
	       (long long)tu_elapsed_ms(&py), py.err_len ? py.err : "\n");
	CHECK_MSG(tu_exit_code(&py) == ex->exit, "%s: exit %d, want %d: %s",
		  ex->mode, tu_exit_code(&py), ex->exit, py.err);
	CHECK_MSG(tu_elapsed_ms(&py) < (ex->bound_ms ? ex->bound_ms : BOUND_MS) +
		  startup_excess_ms, "%s: took %lld ms (Python's start-up "
		  "over 1 s: %lld ms)", ex->mode, (long long)tu_elapsed_ms(&py),
		  (long long)startup_excess_ms);
	CHECK_MSG(printable(py.err, py.err_len), "%s: stderr is not "
		  "printable ASCII: %s", ex->mode, py.err);
	if (ex->exit == 1) {
		CHECK_MSG(tu_err_lines(&py) == 1 &&
			  !strncmp(py.err, "reader.py: ", 11),
			  "%s: want one line \"reader.py: ...\": %s",
			  ex->mode, py.err);
		CHECK_MSG(names(py.err, ex->words), "%s: does not say \"%s\": "
			  "%s", ex->mode, ex->words, py.err);
		CHECK_MSG(!tu_exists(out), "%s: a refusal wrote %s", ex->mode,
			  out);
	}
	/* The owner's reason, shown, is at most the 200 bytes it may send. */
	if (!strncmp(ex->mode, "reason-", 7) && strstr(py.err, "hostile"))
		CHECK_MSG(strcspn(strstr(py.err, "hostile"), "\n") <= 200,
			  "%s: more than 200 characters of reason: %s",
			  ex->mode, py.err);
	if (ex->exit == 0 && tu_exit_code(&py) == 0) {
		snprintf(get_out, sizeof(get_out), "%s/hostile-%s-get.png",
			 dir, ex->mode);
		CHECK(tu_run(&get, get_argv, NULL, 10000) == 0 &&
		      tu_exit_code(&get) == 0);
		CHECK_MSG(same_files_pixels(out, get_out, why, sizeof(why)),
			  "%s: %s", ex->mode, why);
		tu_proc_close(&get);
	}
	tu_proc_close(&py);
	tu_stop(&owner, SIGKILL, 5000);
	tu_proc_close(&owner);
}

/* reader.py against every lying owner hostile_peer plays. */
static void test_hostile(void)
{
	char *help[] = { (char *)python, reader, "--help", NULL };

	if (access(hostile, X_OK) != 0)
		SKIP("no hostile_peer (\"%s\")", hostile);
	for (int i = 0; i < 2; i++) {
		struct tu_proc p;

		if (tu_run(&p, help, NULL, 20000) == 0 &&
		    tu_elapsed_ms(&p) - 1000 > startup_excess_ms)
			startup_excess_ms = tu_elapsed_ms(&p) - 1000;
		tu_proc_close(&p);
	}
	printf("Python's start-up exceeds 1 s by %lld ms\n",
	       (long long)startup_excess_ms);
	for (size_t i = 0; i < sizeof(owner_modes) / sizeof(owner_modes[0]);
	     i++)
		hostile_mode(&owner_modes[i]);
}

/* ---- owners written in Python, for what hostile_peer does not play ---- */

/* An owner on the contract's address: "trickle" accepts, sends 'E' and
 * then one byte of reason every 1.5 s; "oversized N" hands over a sealed
 * 16 x 8 segment of header_size + pixel_bytes + N bytes. Prints "ready"
 * once it listens. */
static const char py_owner[] =
"import os, socket, struct, sys, time, fcntl\n"
"mode, key = sys.argv[1], sys.argv[2]\n"
"s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
"s.bind(b'\\0sharedmemory/%d/%s' % (os.geteuid(), key.encode()))\n"
"s.listen(8)\n"
"print('ready', flush=True)\n"
"while True:\n"
"    c, _ = s.accept()\n"
"    print('accepted %.3f' % (time.monotonic() * 1000), flush=True)\n"
"    if mode == 'trickle':\n"
"        c.send(b'E')\n"
"        for b in b'a reason that never ends':\n"
"            time.sleep(1.5)\n"
"            c.send(bytes([b]))\n"
"        continue\n"
"    extra = int(sys.argv[3])\n"
"    fd = os.memfd_create('oversized', os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)\n"
"    hdr = struct.pack('=4sHHIII4sIiQ24s', b'SHMI', 2, 64, 16, 8, 64, b'RGBA', 0, os.getpid(), 512, bytes(24))\n"
"    os.write(fd, hdr + bytes(range(256)) * 2 + bytes(extra))\n"
"    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)\n"
"    socket.send_fds(c, [b'F'], [fd])\n"
"    os.close(fd)\n"
"    c.close()\n";

/* Starts the Python owner of mode (arg: its number, or NULL) under key
 * and waits for "ready". */
static bool start_py_owner(struct tu_proc *p, const char *mode,
			   const char *key, const char *arg)
{
	char *argv[] = { (char *)python, "-S", "-c", (char *)py_owner,
			 (char *)mode, (char *)key, (char *)arg, NULL };
	char line[64];

	if (tu_spawn(p, argv, NULL) < 0)
		return false;
	while (tu_read_line(p, 10000, line, sizeof(line)) >= 0)
		if (!strcmp(line, "ready"))
			return true;
	CHECK_MSG(0, "the Python owner %s did not start: %s", mode, p->err);
	return false;
}

/* Proves: the attach has one deadline. An owner that sends 'E' and then
 * one byte of its reason every 1.5 s gets no fresh 2 s per byte:
 * reader.py exits 1 within 2.5 s of the owner accepting its connection
 * (both clocks CLOCK_MONOTONIC; Python's own start-up, seconds on a busy
 * machine, comes before and is not counted), naming what it got. */
static void test_deadline(void)
{
	char key[96], out[PATH_LEN], line[64];
	struct tu_proc owner, py;
	double accepted = 0;

	tu_key(key, sizeof(key), "readerpy-trickle");
	snprintf(out, sizeof(out), "%s/trickle.png", dir);
	if (!start_py_owner(&owner, "trickle", key, NULL)) {
		tu_proc_close(&owner);
		return;
	}
	run_reader(&py, key, NULL, out);
	CHECK_MSG(tu_read_line(&owner, 5000, line, sizeof(line)) >= 0 &&
		  sscanf(line, "accepted %lf", &accepted) == 1,
		  "the owner did not say when it accepted: %s", owner.err);
	printf("trickle: exit %d, %.0f ms after the accept: %s",
	       tu_exit_code(&py), (double)py.end_ms - accepted, py.err);
	expect_refusal(&py, out, "cannot hand it over");
	CHECK_MSG((double)py.end_ms - accepted <= 2500, "reader.py ended "
		  "%.0f ms after the accept, against a trickling owner",
		  (double)py.end_ms - accepted);
	tu_proc_close(&py);
	tu_stop(&owner, SIGKILL, 5000);
	tu_proc_close(&owner);
}

/* Proves: a segment more than one page larger than its header says is
 * refused (it pins memory no reader sees), one exactly a page larger is
 * taken; and an output name that is not .png is refused with exit 1 and
 * one line, as `get` refuses it, writing nothing. */
static void test_refusals(void)
{
	static const struct { const char *extra; int exit; } c[] = {
		{ "4097", 1 }, { "4096", 0 }, { "1048576", 1 },
	};
	char key[96], out[PATH_LEN];
	struct tu_proc owner, py;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tu_key(key, sizeof(key), "readerpy-oversized");
		snprintf(out, sizeof(out), "%s/oversized-%zu.png", dir, i);
		if (!start_py_owner(&owner, "oversized", key, c[i].extra)) {
			tu_proc_close(&owner);
			continue;
		}
		run_reader(&py, key, NULL, out);
		if (c[i].exit)
			expect_refusal(&py, out, "more than a page beyond");
		else
			CHECK_MSG(tu_exit_code(&py) == 0 && tu_exists(out),
				  "a segment a page beyond its header: exit "
				  "%d: %s", tu_exit_code(&py), py.err);
		tu_proc_close(&py);
		tu_stop(&owner, SIGKILL, 5000);
		tu_proc_close(&owner);
	}
	snprintf(out, sizeof(out), "%s/x.jpg", dir);
	run_reader(&py, "readerpy-nobody-needed", NULL, out);
	expect_refusal(&py, out, "must end in .png");
	tu_proc_close(&py);
}

/* Proves: --help explains the program, its output and each option. */
static void test_help(void)
{
	char *argv[] = { (char *)python, reader, "--help", NULL };
	static const char *words[] = {
		"Saves the image shared under a key", "PNG", "--key",
		"--max-bytes", "OUT.png", "Exit status", "progress",
	};
	struct tu_proc p;

	CHECK(tu_run(&p, argv, NULL, 20000) == 0 && tu_exit_code(&p) == 0);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		CHECK_MSG(strstr(p.out, words[i]), "--help lacks \"%s\": %s",
			  words[i], p.out);
	tu_proc_close(&p);
}

/* Serves a w x h image of random bytes under key from this process.
 * NULL when it cannot. */
static struct share *serve_random(const char *key, uint32_t w, uint32_t h)
{
	struct share *sh;
	struct seg seg;
	struct err err;
	uint32_t x = 2463534242u;

	if (seg_create(&seg, key, w, h, &err) < 0) {
		CHECK_MSG(0, "seg_create %ux%u: %s", w, h, err.msg);
		return NULL;
	}
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = seg_rows(&seg) + (size_t)y * seg.info.pitch;

		for (uint32_t i = 0; i < w * 4; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			row[i] = (uint8_t)(x >> 24);
		}
	}
	sh = share_create(key, &err);
	if (seg_seal(&seg, &err) < 0 || !sh ||
	    share_publish(sh, &seg, &err) < 0) {
		CHECK_MSG(0, "cannot serve %ux%u: %s", w, h, err.msg);
		seg_finish(&seg);
		share_destroy(sh);
		return NULL;
	}
	return sh;
}

/* Runs argv with stderr on a new pseudo-terminal (stdout to /dev/null);
 * what the terminal showed goes to buf. Returns the exit status, or -1;
 * *ms is how long it ran. */
static int run_on_pty(char *const argv[], char *buf, size_t size,
		      int64_t *ms)
{
	int master, slave, status = -1;
	int64_t t0 = clock_ms();
	size_t len = 0;
	pid_t pid;

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		return -1;
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		setsid();
		dup2(null, 1);
		dup2(slave, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(slave);
	for (;;) {	/* EIO once the last holder of the slave is gone */
		ssize_t n = read(master, buf + len, size - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			len = 0;	/* keep the tail */
	}
	buf[len] = '\0';
	close(master);
	if (pid < 0 || tu_waitpid(pid, &status, 60000) < 0)
		return -1;
	*ms = clock_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One export (argv) of the served image on a terminal and on a pipe:
 * on the terminal, when it ran over 1.5 s, stderr showed "<tag>: N%"
 * and ended with the line cleared; on the pipe nothing at all. */
static void progress_on(char *const argv[], const char *tag, const char *out)
{
	char shown[65536], want[32];
	struct tu_proc p;
	int64_t ms = 0;
	int rc;

	rc = run_on_pty(argv, shown, sizeof(shown), &ms);
	printf("%s on a terminal: exit %d, %lld ms, %zu bytes of progress\n",
	       tag, rc, (long long)ms, strlen(shown));
	CHECK_MSG(rc == 0, "%s on a terminal: exit %d: %s", tag, rc, shown);
	snprintf(want, sizeof(want), "%s: ", tag);
	if (ms >= 1500)
		CHECK_MSG(strstr(shown, want) && strchr(shown, '%') &&
			  strstr(shown, "\r\033[K"), "%s ran %lld ms on a "
			  "terminal and showed no progress: \"%s\"", tag,
			  (long long)ms, shown);
	else
		printf("note: %s took under 1.5 s, the terminal's progress "
		       "not judged\n", tag);
	unlink(out);
	CHECK(tu_run(&p, argv, NULL, 60000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 0 && p.err_len == 0, "%s on a pipe: "
		  "exit %d, stderr \"%s\"", tag, tu_exit_code(&p), p.err);
	tu_proc_close(&p);
	unlink(out);
}

/* Proves: `get` and reader.py show their progress on a terminal when
 * an export takes over a second (a 4096 x 4096 image of random bytes:
 * `get --small` and reader.py of a 6000 x 6000 one take seconds), and
 * print nothing when stderr is a pipe. */
static void test_progress(void)
{
	char key[96], out[PATH_LEN];
	char *get_argv[] = { (char *)shmimage, "get", "--key", key, "--small",
			     out, NULL };
	char *py_argv[] = { (char *)python, reader, "--key", key, out, NULL };
	struct share *sh;

	tu_key(key, sizeof(key), "readerpy-progress");
	snprintf(out, sizeof(out), "%s/progress.png", dir);
	sh = serve_random(key, 4096, 4096);
	if (sh)
		progress_on(get_argv, "get", out);
	share_destroy(sh);
	sh = serve_random(key, 6000, 6000);
	if (sh)
		progress_on(py_argv, "reader.py", out);
	share_destroy(sh);
}

static const struct tu_case cases[] = {
	{ "same_pixels", test_same_pixels },
	{ "no_owner", test_no_owner },
	{ "over_limit", test_over_limit },
	{ "hostile", test_hostile },
	{ "deadline", test_deadline },
	{ "refusals", test_refusals },
	{ "help", test_help },
	{ "progress", test_progress },
};

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s SHMIMAGE SOURCE_DIR PYTHON3 "
			"HOSTILE_PEER [CASE...]\n", argv[0]);
		return 2;
	}
	shmimage = argv[1];
	srcdir = argv[2];
	python = argv[3];
	hostile = argv[4];
	if (access(python, X_OK) != 0)
		SKIP("no python3 (\"%s\")", python);
	snprintf(reader, sizeof(reader), "%s/src/readers/reader.py", srcdir);
	if (tu_tmpdir("readerpy", dir, sizeof(dir)) < 0) {
		perror("mkdtemp");
		return 1;
	}
	for (int i = 5; i < argc || i == 5; i++)
		if (tu_run_cases(cases, sizeof(cases) / sizeof(cases[0]),
				 i < argc ? argv[i] : NULL))
			return 2;
	IMG_Quit();
	SDL_Quit();
	return check_done();
}
