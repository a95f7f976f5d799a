/* test_decoder - the decoder helper's sandbox, and the parent's distrust
 * of it.
 *
 *   test_decoder SHMIMAGE SHM_DECODE FAKE_DECODER CASE
 *   test_decoder SHMIMAGE SHM_DECODE FAKE_DECODER --check CASE...
 *
 * Every case runs the real programs. Proves:
 *  1. sandbox-status: while `shmimage put` decodes a 4096 x 4096 noisy
 *     PNG, its helper (found as put's child in /proc) runs under a seccomp
 *     filter (Seccomp: 2) with no_new_privs, a data limit of
 *     3 x max-bytes + 128 MiB (not under AddressSanitizer), no core file,
 *     no file size, 16 fds, 42 s of CPU; in user, mount, network and IPC
 *     namespaces of its own with an empty root; and holds no fd beyond its
 *     socket, the file it was given and the segment (named
 *     "sharedmemory:<key>"), even one put inherited without close-on-exec.
 *     sandbox-no-namespaces: the same with SHM_DECODE_NO_NAMESPACES=1, its
 *     parent's namespaces and root.
 *  2. sandbox-try-WHAT: put runs `shm-decode --try WHAT` (src/decode/try.h)
 *     through a wrapper script: open, socket, execve, memfd_create,
 *     ftruncate and write growing the segment, newfstatat of a path,
 *     F_SETOWN + F_SETSIG + O_ASYNC aimed at a victim process, F_SETLEASE
 *     on the file, 1 GiB of MAP_SHARED | MAP_ANONYMOUS, connect to an
 *     abstract name of the user's: each refused (SIGSYS, or the call
 *     failing) and nothing outside changed (the victim runs, the file is
 *     writable at once, Shmem does not rise, no connection arrives);
 *     `--try nothing` in the same sandbox serves.
 *  3. fake-MODE: fake_decoder (tests/fake_decoder.c) plays a helper that
 *     crashes, hangs, lingers, exits without answering, hands back a
 *     segment of its own (one a 16 x 8 header in 256 MiB: refused, Shmem
 *     back down), a pipe or two fds, writes a lying header, tries to
 *     resize the segment, asks for a size over the limit or of 2^32 - 1 a
 *     side, keeps the segment mapped writable elsewhere, or sends a 10 MB
 *     reason. `put --decoder fake_decoder` exits 1 within its bound with
 *     exactly one line "shmimage: ..." naming the problem (printable, the
 *     helper's own reason capped at 200 characters) and takes no key, or
 *     (lying header, resize) serves the right pixels; an image shared
 *     under another key by an honest put stays served, pixel-exact.
 *     In-process, 50 rounds of img_decoder_start/send/finish/destroy per
 *     mode (fewer for the slow ones) leave as many fds and mappings as
 *     after a warm-up round and no child behind. The honest mode is the
 *     control: the same harness succeeds, and its pixels arrive exact.
 *  4. bomb-FORMAT: a file of a few hundred bytes claiming 30000 x 30000
 *     (or the format's largest) in PNG, JPEG, GIF, BMP, QOI, WebP (refused
 *     from the header, the message naming the size) and TGA, TIFF, PNM
 *     (P6 and P5), ICO, PCX (24- and 8-bit), XCF (no probe: the helper's
 *     memory limit or the missing data stops them, so these cases exist
 *     only without AddressSanitizer): put exits 1 within 5 s with one
 *     line that does not blame the sandbox (a bomb makes no forbidden
 *     call), and neither put nor its helper reaches 400 MiB resident
 *     (VmHWM sampled from /proc while they run, and wait4's ru_maxrss,
 *     which covers the helper put reaped).
 *  5. tiff-tile, tiff-samples, jpeg-scans: a 100 KB TIFF of one
 *     16384 x 16384 tile of 6 x 16-bit samples for a 16 x 16 image, an
 *     8192 x 8192 TIFF of 37 samples, a JPEG repeating one progressive
 *     scan 2000 times (--decode-timeout 5): each ends within its bound,
 *     resident under the helper's limit (3 x 256 + 128 MiB) + 64 MiB.
 *     jpeg-sigterm: SIGTERM 0.5 s into that JPEG ends put within 1 s and
 *     its helper with it; SIGKILL to put ends the helper by itself
 *     (PR_SET_PDEATHSIG), within 1 s.
 *  6. fifo, devzero: a FIFO named x.png and /dev/zero behind a symlink
 *     named z.png are refused at once with a reason. rename-race: 200
 *     puts of a name that a FIFO and a PNG are renamed over in turn each
 *     end within 5 s, served or refused as a FIFO, both seen. growing: a
 *     big PNG appended to while put decodes it gives a clear result
 *     within 10 s.
 *
 *  7. libpng-crashers: every file of libpng's crasher set
 *     (tests/data/libpng-crashers) is answered by put within 1 s, shared
 *     or refused with one line (not under AddressSanitizer).
 *  8. cpu-limit: a helper given 1 s of CPU stops the 2000-scan JPEG and
 *     put says so; max-bytes-wrap: a helper given --max-bytes 2^64 - 4096
 *     decodes a small PNG as ever.
 *
 * --check compares the names given (the CMake list) with the cases here.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "decode/protocol.h"
#include "image/decoder.h"
#include "image/texture.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "testutil.h"

#define MIB 1024L		/* KiB in a MiB */
#define BOMB_RSS_KIB (400 * MIB)
/* sandbox_memory_limit(256 MiB) plus slack for the libraries' pages. */
#define HELPER_LIMIT_KIB ((3 * 256 + 128) * MIB)
#define LIMIT_RSS_KIB (HELPER_LIMIT_KIB + 64 * MIB)

static const char *shmimage, *shm_decode, *fake;
static char tmp[256];

/* --- small things --- */

/* The path of name in the scratch directory, valid until the program
 * ends (each case uses a handful of fixed names). */
static const char *in_tmp(const char *name)
{
	static char paths[16][512];
	static int n;

	for (int i = 0; i < n; i++)
		if (!strcmp(strrchr(paths[i], '/') + 1, name))
			return paths[i];
	if (n == 16) {
		fprintf(stderr, "in_tmp: too many names\n");
		exit(EXIT_FAILURE);
	}
	snprintf(paths[n], sizeof(paths[0]), "%s/%s", tmp, name);
	return paths[n++];
}

/* True when one of the '|'-separated words is in text. */
static bool has_word(const char *text, const char *words)
{
	const char *w = words;

	while (*w) {
		size_t n = strcspn(w, "|");
		char buf[128];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, w);
		if (strstr(text, buf))
			return true;
		w += n + (w[n] == '|');
	}
	return false;
}

/* The machine's shared memory in KiB (Shmem in /proc/meminfo). */
static long shmem_kib(void)
{
	char *text = tu_read_file("/proc/meminfo", NULL);
	const char *at = text ? strstr(text, "\nShmem:") : NULL;
	long kib = at ? strtol(at + 8, NULL, 10) : -1;

	free(text);
	return kib;
}

static bool printable_line(const char *s)
{
	for (; *s && *s != '\n'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static SDL_Surface *save_png(const char *path, int w, int h, uint32_t seed)
{
	SDL_Surface *s = tu_make_image(w, h, seed);

	if (!s || IMG_SavePNG(s, path) < 0) {
		fprintf(stderr, "%s: %s\n", path, SDL_GetError());
		exit(EXIT_FAILURE);
	}
	return s;
}

/* --- /proc --- */

/* The value after "name" in /proc/pid/status, or -1. */
static long status_field(pid_t pid, const char *name)
{
	char path[64], *text, *at;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = tu_read_file(path, NULL);
	if (!text)
		return -1;
	at = strstr(text, name);
	if (at)
		v = strtol(at + strlen(name), NULL, 10);
	free(text);
	return v;
}

/* The first process whose parent is ppid, or 0. */
static pid_t child_of(pid_t ppid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[300], *text, *paren;
		int parent;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		text = tu_read_file(path, NULL);
		paren = text ? strrchr(text, ')') : NULL;
		if (paren && sscanf(paren + 1, " %*c %d", &parent) == 1 &&
		    parent == ppid)
			found = (pid_t)atoi(e->d_name);
		free(text);
	}
	if (d)
		closedir(d);
	return found;
}

/* True when pid no longer runs (gone, or a zombie). */
static bool gone(pid_t pid)
{
	char path[64], *text, *paren;
	char state = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = tu_read_file(path, NULL);
	if (!text)
		return true;
	paren = strrchr(text, ')');
	if (paren)
		sscanf(paren + 1, " %c", &state);
	free(text);
	return state == 'Z' || state == 'X';
}

/* True when pid has exited (not reaped: tu_wait still gets its rusage). */
static bool exited(pid_t pid)
{
	siginfo_t si = { .si_pid = 0 };

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
	       0 && si.si_pid == pid;
}

/* --- one `shmimage put`, watched --- */

struct run {
	struct tu_proc p;
	bool served;		/* printed its "shared ..." line */
	bool hung;		/* still running at the bound: killed */
	pid_t helper;		/* put's child, once seen; 0 if never */
	long hwm_kib;		/* peak resident of put or its helper */
};

/* Runs `shmimage put --key key [opts...] file` (opts NULL-ended, or
 * NULL) with env added, sampling put's and its helper's VmHWM every ~2
 * ms, for at most bound_ms. A put that serves is stopped with SIGTERM
 * when stop_served. */
static void run_put(struct run *r, const char *key, const char *file,
		    const char *const opts[], char *const env[], int bound_ms,
		    bool stop_served)
{
	int64_t end;

	memset(r, 0, sizeof(*r));
	if (tu_put_spawn(&r->p, shmimage, key, file, opts, env) < 0) {
		CHECK_MSG(false, "cannot start %s: %s", shmimage,
			  strerror(errno));
		return;
	}
	end = clock_ms() + bound_ms;
	for (;;) {
		char line[256];
		long v;

		if (r->p.out_fd < 0)
			tu_sleep_ms(2);
		else if (tu_read_line(&r->p, 2, line, sizeof(line)) >= 0 &&
			 !strncmp(line, "shared ", 7) && !r->served) {
			r->served = true;
			if (stop_served)
				kill(r->p.pid, SIGTERM);
		}
		if (!r->helper)
			r->helper = child_of(r->p.pid);
		v = status_field(r->p.pid, "VmHWM:");
		if (v > r->hwm_kib)
			r->hwm_kib = v;
		v = r->helper ? status_field(r->helper, "VmHWM:") : -1;
		if (v > r->hwm_kib)
			r->hwm_kib = v;
		if (exited(r->p.pid) || (r->served && !stop_served))
			break;
		if (clock_ms() >= end) {
			r->hung = true;
			break;
		}
	}
	if (r->served && !stop_served)
		return;
	tu_wait(&r->p, r->hung ? 0 : 2000);
	/* wait4() reports the most of put and every child it reaped. */
	if (tu_maxrss_kib(&r->p) > r->hwm_kib)
		r->hwm_kib = tu_maxrss_kib(&r->p);
}

/* put failed the way it must: exit 1 within bound_ms, one printable
 * line "shmimage: ..." holding one of words. */
static void expect_refusal(const char *what, struct run *r, int bound_ms,
			   const char *words)
{
	CHECK_MSG(!r->hung && tu_exit_code(&r->p) == 1,
		  "%s: put %s (exit %d, signal %d, served %d)", what,
		  r->hung ? "hung" : "did not exit 1", tu_exit_code(&r->p),
		  tu_term_signal(&r->p), r->served);
	CHECK_MSG(tu_elapsed_ms(&r->p) <= bound_ms, "%s: took %lld ms, bound "
		  "%d", what, (long long)tu_elapsed_ms(&r->p), bound_ms);
	CHECK_MSG(tu_err_lines(&r->p) == 1 &&
		  !strncmp(r->p.err, "shmimage: ", 10) &&
		  printable_line(r->p.err),
		  "%s: stderr is not one printable line: \"%s\"", what,
		  r->p.err);
	CHECK_MSG(!words || has_word(r->p.err, words),
		  "%s: the message does not say \"%s\": %s", what, words,
		  r->p.err);
	printf("%s: %lld ms, peak %ld KiB: %s", what,
	       (long long)tu_elapsed_ms(&r->p), r->hwm_kib, r->p.err);
}

/* An honest `put --key key file`, serving once this returns. */
static void start_owner(struct run *r, const char *key, const char *file)
{
	run_put(r, key, file, NULL, NULL, 10000, false);
	CHECK_MSG(r->served, "the honest put of %s did not serve: %s", file,
		  r->p.err);
}

static void stop_owner(struct run *r)
{
	CHECK_MSG(tu_stop(&r->p, SIGTERM, 3000) == 0 &&
		  tu_exit_code(&r->p) == 0, "the honest put did not stop "
		  "cleanly on SIGTERM (exit %d): %s", tu_exit_code(&r->p),
		  r->p.err);
	tu_proc_close(&r->p);
}

/* `shmimage get --key key` has exactly want's pixels. */
static void expect_served(const char *key, SDL_Surface *want)
{
	const char *out = in_tmp("got.png");
	char *argv[] = { (char *)shmimage, "get", "--key", (char *)key,
			 (char *)out, NULL };
	struct tu_proc p;
	char why[256];

	unlink(out);
	CHECK_MSG(tu_run(&p, argv, NULL, 5000) == 0 && tu_exit_code(&p) == 0,
		  "get --key %s: exit %d: %s", key, tu_exit_code(&p), p.err);
	tu_proc_close(&p);
	CHECK_MSG(tu_file_has_pixels(out, want, why, sizeof(why)),
		  "key %s: %s", key, why);
}

/* Nobody holds key: `shmimage info` says so. */
static void expect_unheld(const char *key)
{
	char *argv[] = { (char *)shmimage, "info", "--key", (char *)key,
			 NULL };
	struct tu_proc p;

	CHECK_MSG(tu_run(&p, argv, NULL, 5000) == 0 &&
		  tu_exit_code(&p) == 1 && strstr(p.err, "nothing is shared"),
		  "key %s is held after a failed put: exit %d: %s", key,
		  tu_exit_code(&p), p.err);
	tu_proc_close(&p);
}

/* --- 1. the sandbox, seen from outside --- */

/* The first number on the line of /proc/pid/limits starting with name,
 * or -1 ("unlimited" included). */
static long long limit_of(pid_t pid, const char *name)
{
	char path[64], *text, *at;
	long long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	text = tu_read_file(path, NULL);
	at = text ? strstr(text, name) : NULL;
	if (at)
		sscanf(at + strlen(name), " %lld", &v);
	free(text);
	return v;
}

#define CANARY_FD 100

/* Every fd of pid from 3 on is a socket, the segment's memfd (named
 * for key, as the contract says) or file. Returns the number of others,
 * naming them in what; or -1 unless the table is seen mid-decode: the
 * socket as fd 3, the file and a memfd all open (before the request
 * there is no file, and a process on its way out has closed them). */
static int stray_fds(pid_t pid, const char *file, const char *key,
		     char *what, size_t size)
{
	char memfd[128];

	char dir[64];
	DIR *d;
	struct dirent *e;
	int stray = 0;
	bool parent_fd = false, has_file = false, has_memfd = false;
	size_t used;

	what[0] = '\0';
	snprintf(memfd, sizeof(memfd), "/memfd:sharedmemory:%s (deleted)",
		 key);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char path[320], target[512];
		ssize_t n;

		if (e->d_name[0] == '.' || atoi(e->d_name) < 3)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;	/* closed meanwhile */
		target[n] = '\0';
		if (!strcmp(e->d_name, "3"))
			parent_fd = !strncmp(target, "socket:", 7);
		has_file |= !strcmp(target, file);
		has_memfd |= !strncmp(target, "/memfd:", 7);
		if (!strncmp(target, "socket:", 7) || !strcmp(target, memfd) ||
		    !strcmp(target, file))
			continue;
		stray++;
		used = strlen(what);
		snprintf(what + used, size - used, "%sfd %s -> %s",
			 used ? ", " : "", e->d_name, target);
	}
	if (d)
		closedir(d);
	return parent_fd && has_file && has_memfd ? stray : -1;
}

/* What /proc shows of the helper's sandbox, sampled mid-decode. */
struct cage {
	long seccomp, nnp;
	long long data, core, fsize, nofile, cpu;
	bool ns_seen;
	bool own_mnt, own_net, own_ipc, own_user;	/* differ from put's */
	int root_entries;	/* in /proc/helper/root; -1 unread */
};

/* True when /proc/a/ns/name and /proc/b/ns/name differ. */
static bool ns_differs(pid_t a, pid_t b, const char *name)
{
	char pa[64], pb[64], la[64] = "", lb[64] = "";

	snprintf(pa, sizeof(pa), "/proc/%d/ns/%s", (int)a, name);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/%s", (int)b, name);
	if (readlink(pa, la, sizeof(la) - 1) < 0 ||
	    readlink(pb, lb, sizeof(lb) - 1) < 0)
		return false;
	return strcmp(la, lb) != 0;
}

/* Entries of /proc/pid/root but . and .., or -1. */
static int root_entries(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void look(pid_t put, pid_t h, struct cage *c)
{
	c->seccomp = status_field(h, "Seccomp:");
	c->nnp = status_field(h, "NoNewPrivs:");
	c->data = limit_of(h, "Max data size");
	c->core = limit_of(h, "Max core file size");
	c->fsize = limit_of(h, "Max file size");
	c->nofile = limit_of(h, "Max open files");
	c->cpu = limit_of(h, "Max cpu time");
	/* The namespaces are entered before the filter goes on. */
	if (c->seccomp == 2) {
		c->own_mnt = ns_differs(put, h, "mnt");
		c->own_net = ns_differs(put, h, "net");
		c->own_ipc = ns_differs(put, h, "ipc");
		c->own_user = ns_differs(put, h, "user");
		c->root_entries = root_entries(h);
		c->ns_seen = c->root_entries >= 0;
	}
}

/* Runs put on a 4096 x 4096 noisy PNG with env, watching its helper
 * until its sandbox and its fd table are seen. */
static pid_t watch_helper(struct tu_proc *p, char *const env[],
			  struct cage *c, int *strays, char *stray,
			  size_t size)
{
	const char *png = in_tmp("noise.png");
	SDL_Surface *s = save_png(png, 4096, 4096, 7);
	char key[80], seen[1024];
	pid_t helper = 0;
	int64_t end;
	int looks = 0, n;

	SDL_FreeSurface(s);
	tu_key(key, sizeof(key), "sbx");
	*strays = -1;
	if (tu_put_spawn(p, shmimage, key, png, NULL, env) < 0) {
		CHECK_MSG(false, "spawn: %s", strerror(errno));
		return 0;
	}
	end = clock_ms() + 10000;
	/* The helper enters its sandbox a few ms after it starts, before
	 * it reads the request; look until seen, the decode takes longer. */
	while (clock_ms() < end && !exited(p->pid)) {
		pid_t h = child_of(p->pid);

		if (!h && helper)
			break;		/* it has answered and gone */
		if (h) {
			helper = h;
			look(p->pid, h, c);
			/* The last full view of the fd table counts. */
			n = stray_fds(h, png, key, seen, sizeof(seen));
			if (n >= 0) {
				*strays = n;
				snprintf(stray, size, "%s", seen);
			}
			looks++;
			if (c->seccomp == 2 && c->nnp == 1 && *strays == 0 &&
			    c->ns_seen)
				break;
		}
		tu_sleep_ms(1);
	}
	printf("helper %d (seen %d times): Seccomp %ld, NoNewPrivs %ld, "
	       "data %lld, core %lld, fsize %lld, nofile %lld, cpu %lld; "
	       "own mnt %d net %d ipc %d user %d; %d in its root\n",
	       (int)helper, looks, c->seccomp, c->nnp, c->data, c->core,
	       c->fsize, c->nofile, c->cpu, c->own_mnt, c->own_net,
	       c->own_ipc, c->own_user, c->root_entries);
	return helper;
}

/* A descriptor put inherits without close-on-exec (from a shell, a file
 * manager...) must not reach the helper, where the filter would let it be
 * read and written. Whatever this test inherited goes first, so the
 * canary (CANARY_FD) is the only such fd. */
static void canary_open(void)
{
	int canary;

	close_range(3, ~0u, 0);
	tu_write_file(in_tmp("canary"), "canary", 6);
	canary = open(in_tmp("canary"), O_RDONLY);
	if (canary >= 0 && canary != CANARY_FD) {
		dup2(canary, CANARY_FD);
		close(canary);
	}
}

/* The sandbox from outside: filter, limits, fds; the namespaces and the
 * empty root, or (namespaces false: the helper told to skip them, as a
 * kernel without unprivileged user namespaces would) the rest alone. */
static void sandbox_status(bool namespaces)
{
	char *env[] = { "SHM_DECODE_NO_NAMESPACES=1", NULL };
	struct cage c = { .seccomp = -1, .root_entries = -1 };
	char stray[1024] = "", line[256];
	struct tu_proc p;
	pid_t helper;
	int strays;

	canary_open();
	helper = watch_helper(&p, namespaces ? NULL : env, &c, &strays, stray,
			      sizeof(stray));
	CHECK_MSG(helper > 0, "no helper seen under put %d", (int)p.pid);
	CHECK_MSG(c.seccomp == 2, "helper %d: Seccomp %ld, want 2 (filter)",
		  (int)helper, c.seccomp);
	CHECK_MSG(c.nnp == 1, "helper %d: NoNewPrivs %ld", (int)helper, c.nnp);
#ifndef DECODER_ASAN
	CHECK_MSG(c.data == (3LL * 256 + 128) << 20, "helper %d: data limit "
		  "%lld, want 3 x 256 MiB + 128 MiB", (int)helper, c.data);
#endif
	CHECK_MSG(c.core == 0 && c.fsize == 0, "helper %d: core %lld, file "
		  "size %lld: want 0 and 0", (int)helper, c.core, c.fsize);
	CHECK_MSG(c.nofile == 16, "helper %d: %lld fds, want 16", (int)helper,
		  c.nofile);
	/* Twice the 20 s wall bound, and 2 s. */
	CHECK_MSG(c.cpu == 42, "helper %d: CPU limit %lld s, want 42",
		  (int)helper, c.cpu);
	CHECK_MSG(c.ns_seen, "helper %d: its namespaces were never seen",
		  (int)helper);
	if (namespaces)
		CHECK_MSG(c.own_mnt && c.own_net && c.own_ipc && c.own_user &&
			  c.root_entries == 0, "helper %d: mnt %d net %d ipc "
			  "%d user %d namespaces of its own, %d entries in its "
			  "root: want 1 1 1 1 and 0", (int)helper, c.own_mnt,
			  c.own_net, c.own_ipc, c.own_user, c.root_entries);
	else
		CHECK_MSG(!c.own_mnt && !c.own_net && c.root_entries > 0,
			  "helper %d told to skip the namespaces: mnt %d net "
			  "%d, %d entries in its root", (int)helper, c.own_mnt,
			  c.own_net, c.root_entries);
	CHECK_MSG(strays >= 0, "helper %d: its fd table was never seen "
		  "mid-decode", (int)helper);
	CHECK_MSG(strays <= 0, "helper %d holds %d fd(s) it has no use for: "
		  "%s", (int)helper, strays, stray);
	/* And the decode itself still works. */
	CHECK_MSG(tu_read_line(&p, 10000, line, sizeof(line)) > 0 &&
		  strstr(line, "shared 4096 x 4096"), "put did not serve: %s",
		  p.err);
	CHECK(tu_stop(&p, SIGTERM, 3000) == 0 && tu_exit_code(&p) == 0);
	tu_proc_close(&p);
	close(CANARY_FD);
}

static void test_sandbox_status(void) { sandbox_status(true); }
static void test_sandbox_no_namespaces(void) { sandbox_status(false); }

/* --- 2. a decoder taken over: shm-decode --try --- */

/* A script put runs as its decoder: shm-decode with `extra` appended to
 * the arguments put gives. Returns its path. */
static const char *wrapper(const char *extra)
{
	const char *path = in_tmp("wrapper.sh");
	char text[1024];
	int n = snprintf(text, sizeof(text), "#!/bin/sh\nexec '%s' \"$@\" %s\n",
			 shm_decode, extra);

	if (tu_write_file(path, text, (size_t)n) < 0 || chmod(path, 0755) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(EXIT_FAILURE);
	}
	return path;
}

/* `put --decoder wrapper(--try what)` of a small PNG; r is left for the
 * caller to close. While it runs, during(arg) is called every ~2 ms. */
static void run_try(const char *what, struct run *r,
		    void (*during)(void *), void *arg)
{
	char extra[160], key[80];
	const char *opts[3] = { "--decoder", NULL, NULL };
	const char *file = in_tmp("small.png");
	int64_t end;

	SDL_FreeSurface(save_png(file, 48, 32, 11));
	snprintf(extra, sizeof(extra), "--try '%s'", what);
	opts[1] = wrapper(extra);
	tu_key(key, sizeof(key), "try");
	memset(r, 0, sizeof(*r));
	if (tu_put_spawn(&r->p, shmimage, key, file, opts, NULL) < 0) {
		CHECK_MSG(false, "spawn: %s", strerror(errno));
		return;
	}
	end = clock_ms() + 5000;
	while (!exited(r->p.pid) && clock_ms() < end) {
		char line[256];

		if (during)
			during(arg);
		if (tu_read_line(&r->p, 2, line, sizeof(line)) >= 0 &&
		    !strncmp(line, "shared ", 7) && !r->served) {
			r->served = true;
			kill(r->p.pid, SIGTERM);
		}
	}
	r->hung = !exited(r->p.pid);
	tu_wait(&r->p, r->hung ? 0 : 2000);
}

/* The attempt was refused, by the filter (SIGSYS) or by the call
 * failing; and the control, --try nothing in the same sandbox, serves. */
static void expect_try_refused(const char *what, struct run *r)
{
	struct run ctl;

	expect_refusal(what, r, 3000, "stopped by its sandbox|: refused (");
	CHECK_MSG(!strstr(r->p.err, "ALLOWED"), "%s: %s", what, r->p.err);
	tu_proc_close(&r->p);
	run_try("nothing", &ctl, NULL, NULL);
	CHECK_MSG(ctl.served && tu_exit_code(&ctl.p) == 0, "--try nothing: "
		  "exit %d: %s", tu_exit_code(&ctl.p), ctl.p.err);
	tu_proc_close(&ctl.p);
}

static void test_try(const char *what)
{
	struct run r;

	run_try(what, &r, NULL, NULL);
	expect_try_refused(what, &r);
}

static void test_try_open(void) { test_try("open"); }
static void test_try_socket(void) { test_try("socket"); }
static void test_try_execve(void) { test_try("execve"); }
static void test_try_memfd(void) { test_try("memfd"); }
static void test_try_ftruncate(void) { test_try("ftruncate"); }
static void test_try_write(void) { test_try("write"); }
static void test_try_statpath(void) { test_try("statpath"); }

/* F_SETOWN + F_SETSIG(SIGKILL) + O_ASYNC on the parent's socket would
 * make put's shutdown() of it kill the victim. */
static void test_try_setown(void)
{
	char what[64];
	struct run r;
	pid_t victim = tu_fork();

	if (victim == 0) {
		for (;;)
			pause();
	}
	snprintf(what, sizeof(what), "setown:%d", (int)victim);
	run_try(what, &r, NULL, NULL);
	tu_sleep_ms(100);
	CHECK_MSG(waitpid(victim, NULL, WNOHANG) == 0, "the victim %d died",
		  (int)victim);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	expect_try_refused(what, &r);
}

/* A lease on the user's file would make a writer block (up to
 * lease-break-time); an O_NONBLOCK open says EWOULDBLOCK then. */
static void try_writable(void *arg)
{
	int *blocked = arg;
	int fd = open(in_tmp("small.png"), O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == EWOULDBLOCK)
		(*blocked)++;
	if (fd >= 0)
		close(fd);
}

static void test_try_lease(void)
{
	struct run r;
	int blocked = 0, fd;

	run_try("lease", &r, try_writable, &blocked);
	fd = open(in_tmp("small.png"), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	CHECK_MSG(blocked == 0 && fd >= 0, "the file was not writable at once "
		  "(%d times blocked; now: %s)", blocked,
		  fd >= 0 ? "writable" : strerror(errno));
	if (fd >= 0)
		close(fd);
	expect_try_refused("lease", &r);
}

/* 1 GiB of shared anonymous memory, every page touched, would be
 * memory outside every limit. */
static void shmem_peak(void *arg)
{
	long *peak = arg, now = shmem_kib();

	if (now > *peak)
		*peak = now;
}

static void test_try_mapanon(void)
{
	long before = shmem_kib(), peak = before;
	struct run r;

	run_try("mapanon", &r, shmem_peak, &peak);
	CHECK_MSG(peak - before < 256 * MIB, "Shmem rose by %ld KiB",
		  peak - before);
	expect_try_refused("mapanon", &r);
}

/* An abstract name of the user's, as a key's owner listens on: no
 * connection may arrive. */
static void test_try_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64], what[80];
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = l, .events = POLLIN };
	socklen_t len;
	struct run r;

	snprintf(name, sizeof(name), "sharedmemory-try-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(name));
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, len) == 0 &&
	      listen(l, 4) == 0);
	snprintf(what, sizeof(what), "connect:%s", name);
	run_try(what, &r, NULL, NULL);
	CHECK_MSG(poll(&pfd, 1, 0) == 0, "a connection reached the user's "
		  "abstract name %s", name);
	close(l);
	expect_try_refused(what, &r);
}

/* --- 3. misbehaving helpers --- */

struct fake_mode {
	const char *mode;
	const char *words;	/* '|'-separated; NULL: must succeed */
	int bound_ms;		/* put must end within this */
	int rounds;		/* in-process rounds after the warm-up */
	bool small_limit;	/* --max-bytes 1M */
};

static const struct fake_mode fake_modes[] = {
	{ "honest", NULL, 3000, 50, false },
	{ "crash", "crashed (signal 11", 3000, 50, false },
	{ "crash-after", "crashed (signal 11", 3000, 50, false },
	{ "hang", "took longer than 1 s", 2500, 10, false },
	{ "linger", "did not exit|crashed|killed", 3500, 3, false },
	{ "exit3", "exit status 3", 3000, 50, false },
	{ "exit0", "without handing over", 3000, 50, false },
	{ "own-segment", "not the segment it was given", 3000, 50, false },
	{ "big", "not the segment it was given", 3000, 3, false },
	{ "bad-header", NULL, 3000, 50, false },
	{ "resize", NULL, 3000, 50, false },
	{ "two-fds", "2 file descriptors", 3000, 50, false },
	{ "pipe", "not the segment it was given", 3000, 50, false },
	{ "big-reason", "fake reason", 3500, 3, false },
	{ "over-limit", "1024 x 1024 pixels (4 MiB as RGBA); the limit", 3000,
	  50, true },
	{ "huge-size", "4294967295 x 4294967295 pixels", 3000, 50, false },
	{ "keep-mapped", "still mapped writable", 3000, 3, false },
	{ "filled-fd", "sent file descriptors with its answer", 3000, 50,
	  false },
	{ "brief-mapped", NULL, 3000, 10, false },
};

/* The fake's honest image (fake_decoder.c's pattern()). */
static SDL_Surface *fake_pattern(void)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 64, 64, 32,
						       SDL_PIXELFORMAT_RGBA32);

	for (int y = 0; s && y < 64; y++)
		for (int x = 0; x < 64; x++) {
			uint8_t *px = (uint8_t *)s->pixels + y * s->pitch +
				      x * 4;

			px[0] = (uint8_t)(x * 4);
			px[1] = (uint8_t)(y * 4);
			px[2] = (uint8_t)(x ^ y);
			px[3] = (uint8_t)(255 - x - y);
		}
	return s;
}

/* The fake's reason reached the message cut to NAME_REASON_MAX
 * characters, its control characters dropped. */
static void check_reason_cap(const char *msg)
{
	const char *r = strstr(msg, "fake reason");
	size_t n = r ? strcspn(r, "\n") : 0;

	CHECK_MSG(r != NULL, "the helper's own reason is not in \"%s\"",
		  msg);
	CHECK_MSG(n <= NAME_REASON_MAX, "the helper's reason is %zu "
		  "characters, more than %d", n, NAME_REASON_MAX);
	CHECK_MSG(!strchr(msg, '\x1b') && !strchr(msg, '\x07'),
		  "control characters got through: %s", msg);
}

/* One round in this process. Returns 0 when the decode succeeded. */
static int decode_once(const struct fake_mode *m, const char *file,
		       struct err *err, SDL_Surface *want)
{
	struct img_limits lim = {
		.max_bytes = m->small_limit ? 1u << 20 : SEG_DEFAULT_MAX_BYTES,
		.decode_timeout_ms = !strcmp(m->mode, "hang") ? 200 : 5000,
	};
	struct img_decoder *dec;
	struct seg seg;
	int rc = -1;

	dec = img_decoder_start(fake, "t-decoder-inproc", &lim, err);
	if (!dec)
		return -1;
	if (img_decoder_send(dec, file, err) == 0 &&
	    img_decoder_finish(dec, &seg, err) == 0) {
		SDL_Surface *got = img_from_segment(&seg, err);
		char why[256];

		if (got && tu_same_pixels(got, want, why, sizeof(why)))
			rc = 0;
		else if (got)
			err_set(err, "pixels: %s", why);
		SDL_FreeSurface(got);
		seg_finish(&seg);
	}
	img_decoder_destroy(dec);
	return rc;
}

/* Proves the in-process half of 3 for mode m. */
static void fake_in_process(const struct fake_mode *m, const char *file,
			    SDL_Surface *want)
{
	int fds, maps, bad = 0, slow = 0;
	struct err err = { "" };
	char first[ERR_MAX] = "";

	setenv("FAKE_DECODER_MODE", m->mode, 1);
	decode_once(m, file, &err, want);	/* warm-up */
	fds = tu_fd_count();
	maps = tu_map_count();
	for (int i = 0; i < m->rounds; i++) {
		int64_t t0 = clock_ms();
		int rc = decode_once(m, file, &err, want);
		bool ok = m->words ? rc < 0 && has_word(err.msg, m->words)
				   : rc == 0;

		if (!ok && !bad++)
			snprintf(first, sizeof(first), "%s", err.msg);
		if (clock_ms() - t0 > m->bound_ms)
			slow++;
	}
	unsetenv("FAKE_DECODER_MODE");
	printf("in-process %s x %d: %s\n", m->mode, m->rounds, err.msg);
	CHECK_MSG(bad == 0, "%s: %d of %d rounds wrong, first: %s", m->mode,
		  bad, m->rounds, first);
	CHECK_MSG(slow == 0, "%s: %d rounds over %d ms", m->mode, slow,
		  m->bound_ms);
	CHECK_MSG(tu_fd_count() == fds, "%s: %d fds before, %d after %d "
		  "rounds", m->mode, fds, tu_fd_count(), m->rounds);
	CHECK_MSG(tu_map_count() == maps, "%s: %d mappings before, %d after",
		  m->mode, maps, tu_map_count());
	errno = 0;
	CHECK_MSG(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		  "%s: a helper was left unreaped", m->mode);
	if (m->words && !strcmp(m->mode, "big-reason"))
		check_reason_cap(err.msg);
}

/* The options put gets for mode m, NULL-terminated in opts[8]. */
static void fake_opts(const struct fake_mode *m, const char *opts[8])
{
	int n = 0;

	opts[n++] = "--decoder";
	opts[n++] = fake;
	if (!strcmp(m->mode, "hang")) {
		opts[n++] = "--decode-timeout";
		opts[n++] = "1";
	}
	if (m->small_limit) {
		opts[n++] = "--max-bytes";
		opts[n++] = "1M";
	}
	opts[n] = NULL;
}

/* A put through a misbehaving helper: refused for the mode's words, its
 * memory gone, the key not held. shmem: Shmem before, in KiB. */
static void expect_fake_refused(const struct fake_mode *m, struct run *r,
				const char *key, long shmem)
{
	expect_refusal(m->mode, r, m->bound_ms, m->words);
	/* Whatever the helper made is gone with it. The machine is shared
	 * with other tests' segments: a margin of half what big holds. */
	if (!strcmp(m->mode, "big"))
		CHECK_MSG(shmem_kib() - shmem < 128 * MIB, "%s: Shmem %ld kB "
			  "before, %ld kB after", m->mode, shmem, shmem_kib());
	if (!strcmp(m->mode, "big-reason"))
		check_reason_cap(r->p.err);
	expect_unheld(key);
}

static void test_fake(const struct fake_mode *m)
{
	const char *file = in_tmp("small.png");
	SDL_Surface *owner_img = save_png(file, 48, 32, 11);
	SDL_Surface *pattern = fake_pattern();
	char key_a[80], key_b[80], env_mode[64];
	char *env[] = { env_mode, NULL };
	const char *opts[8];
	struct run owner, r;
	long shmem;

	fake_opts(m, opts);
	tu_key(key_a, sizeof(key_a), "honest");
	tu_key(key_b, sizeof(key_b), m->mode);
	snprintf(env_mode, sizeof(env_mode), "FAKE_DECODER_MODE=%s", m->mode);

	shmem = shmem_kib();
	fake_in_process(m, file, pattern);

	start_owner(&owner, key_a, file);
	run_put(&r, key_b, file, opts, env, m->bound_ms + 2000, true);
	if (m->words)
		expect_fake_refused(m, &r, key_b, shmem);
	else
		CHECK_MSG(r.served && tu_exit_code(&r.p) == 0,
			  "honest fake: not served: %s", r.p.err);
	tu_proc_close(&r.p);
	if (!m->words) {
		/* Served again to read it back. */
		run_put(&r, key_b, file, opts, env, m->bound_ms, false);
		if (r.served)
			expect_served(key_b, pattern);
		tu_stop(&r.p, SIGTERM, 3000);
		tu_proc_close(&r.p);
	}
	if (owner.served)
		expect_served(key_a, owner_img);
	stop_owner(&owner);
	SDL_FreeSurface(owner_img);
	SDL_FreeSurface(pattern);
}

#define FAKE_CASE(fn, i) \
	static void fn(void) { test_fake(&fake_modes[i]); }
FAKE_CASE(test_fake_honest, 0)
FAKE_CASE(test_fake_crash, 1)
FAKE_CASE(test_fake_crash_after, 2)
FAKE_CASE(test_fake_hang, 3)
FAKE_CASE(test_fake_linger, 4)
FAKE_CASE(test_fake_exit3, 5)
FAKE_CASE(test_fake_exit0, 6)
FAKE_CASE(test_fake_own_segment, 7)
FAKE_CASE(test_fake_big, 8)
FAKE_CASE(test_fake_bad_header, 9)
FAKE_CASE(test_fake_resize, 10)
FAKE_CASE(test_fake_two_fds, 11)
FAKE_CASE(test_fake_pipe, 12)
FAKE_CASE(test_fake_big_reason, 13)
FAKE_CASE(test_fake_over_limit, 14)
FAKE_CASE(test_fake_huge_size, 15)
FAKE_CASE(test_fake_keep_mapped, 16)
FAKE_CASE(test_fake_filled_fd, 17)
FAKE_CASE(test_fake_brief_mapped, 18)
#undef FAKE_CASE

/* --- files built byte by byte (struct tu_buf) --- */

/* Writes b to the scratch directory as name and frees it; returns the
 * path. */
static const char *save(const char *name, struct tu_buf *b)
{
	const char *path = in_tmp(name);

	if (tu_write_file(path, b->b, b->len) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(EXIT_FAILURE);
	}
	tu_buf_free(b);
	return path;
}

static void bomb_png(struct tu_buf *b)
{
	tu_png_bomb(b, 30000, 30000);
}

/* A JPEG quantisation table of ones and a DC table with one code. */
static void jpeg_tables(struct tu_buf *b)
{
	tu_buf_put(b, "\xff\xdb\x00\x43\x00", 5);
	for (int i = 0; i < 64; i++)
		tu_buf_u8(b, 1);
	tu_buf_put(b, "\xff\xc4\x00\x14\x00\x01", 6);
	tu_buf_zeros(b, 15);
	tu_buf_u8(b, 0);
}

static void bomb_jpeg(struct tu_buf *b)
{
	tu_buf_put(b, "\xff\xd8", 2);
	jpeg_tables(b);
	/* baseline, 1 component */
	tu_buf_put(b, "\xff\xc0\x00\x0b\x08", 5);
	tu_buf_be16(b, 30000);
	tu_buf_be16(b, 30000);
	tu_buf_put(b, "\x01\x01\x11\x00", 4);
	tu_buf_put(b, "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10);
	tu_buf_zeros(b, 64);
	tu_buf_put(b, "\xff\xd9", 2);
}

static void bomb_gif(struct tu_buf *b)
{
	tu_buf_str(b, "GIF89a");
	tu_buf_le16(b, 30000);
	tu_buf_le16(b, 30000);
	tu_buf_put(b, "\x80\x00\x00", 3);
	tu_buf_put(b, "\x00\x00\x00\xff\xff\xff", 6);
	tu_buf_str(b, ",");
	tu_buf_le32(b, 0);
	tu_buf_le16(b, 30000);
	tu_buf_le16(b, 30000);
	tu_buf_u8(b, 0);
	tu_buf_put(b, "\x02\x02\x4c\x01\x00;", 6);
}

static void bomb_bmp(struct tu_buf *b)
{
	tu_bmp_header(b, 30000, -30000, 64);	/* top-down */
	tu_buf_zeros(b, 64);
}

static void bomb_qoi(struct tu_buf *b)
{
	tu_buf_str(b, "qoif");
	tu_buf_be32(b, 30000);
	tu_buf_be32(b, 30000);
	tu_buf_put(b, "\x04\x00", 2);
	tu_buf_put(b, "\xfe\x01\x02\x03", 4);
	tu_buf_put(b, "\0\0\0\0\0\0\0\1", 8);
}

static void bomb_webp(struct tu_buf *b)
{
	tu_buf_str(b, "RIFF");
	tu_buf_le32(b, 4 + 18 + 8 + 16);
	tu_buf_str(b, "WEBPVP8X");
	tu_buf_le32(b, 10);
	tu_buf_le32(b, 0);
	tu_buf_u8(b, (30000 - 1) & 0xff);		/* 24-bit width - 1 */
	tu_buf_le16(b, (30000 - 1) >> 8);
	tu_buf_u8(b, (30000 - 1) & 0xff);
	tu_buf_le16(b, (30000 - 1) >> 8);
	tu_buf_str(b, "VP8L");
	tu_buf_le32(b, 16);
	tu_buf_u8(b, 0x2f);
	tu_buf_le32(b, 16383 | 16383u << 14 | 1u << 28);
	tu_buf_zeros(b, 11);
}

static void bomb_tga(struct tu_buf *b)
{
	tu_buf_put(b, "\x00\x00\x02", 3);	/* uncompressed true colour */
	tu_buf_zeros(b, 9);
	tu_buf_le16(b, 65535);
	tu_buf_le16(b, 65535);
	tu_buf_put(b, "\x20\x28", 2);		/* 32 bits, top-down */
	tu_buf_zeros(b, 256);
}

/* One TIFF directory entry. */
static void tiff_tag(struct tu_buf *b, unsigned tag, unsigned type,
		     uint32_t count, uint32_t value)
{
	tu_buf_le16(b, tag);
	tu_buf_le16(b, type);
	tu_buf_le32(b, count);
	if (type == 3 && count == 1) {
		tu_buf_le16(b, value);
		tu_buf_le16(b, 0);
	} else {
		tu_buf_le32(b, value);
	}
}

enum { T_SHORT = 3, T_LONG = 4 };

/* A striped TIFF of one strip holding data_len bytes, 8 bits a sample
 * (samples is 1, or more than 2: their sizes are stored after the
 * directory); the samples beyond the photometric's colours are extra. */
static void tiff_striped(struct tu_buf *b, uint32_t w, uint32_t h,
			 unsigned samples, unsigned photometric,
			 uint32_t data_len)
{
	unsigned extra = samples - (photometric == 2 ? 3 : 1);
	unsigned ntags = extra ? 11 : 10;
	uint32_t dir = 8, after = dir + 2 + ntags * 12 + 4;
	uint32_t bits_at = after, extra_at = bits_at + 2 * samples;
	uint32_t data_at = extra_at + 2 * extra;

	tu_buf_put(b, "II*\0", 4);
	tu_buf_le32(b, dir);
	tu_buf_le16(b, ntags);
	tiff_tag(b, 256, T_LONG, 1, w);
	tiff_tag(b, 257, T_LONG, 1, h);
	if (samples > 1)
		tiff_tag(b, 258, T_SHORT, samples, bits_at);
	else
		tiff_tag(b, 258, T_SHORT, 1, 8);
	tiff_tag(b, 259, T_SHORT, 1, 1);	/* no compression */
	tiff_tag(b, 262, T_SHORT, 1, photometric);
	tiff_tag(b, 273, T_LONG, 1, data_at);
	tiff_tag(b, 277, T_SHORT, 1, samples);
	tiff_tag(b, 278, T_LONG, 1, h);		/* one strip */
	tiff_tag(b, 279, T_LONG, 1, data_len);
	tiff_tag(b, 284, T_SHORT, 1, 1);	/* contiguous */
	if (extra)
		tiff_tag(b, 338, T_SHORT, extra, extra > 2 ? extra_at : 0);
	tu_buf_le32(b, 0);
	for (unsigned i = 0; i < samples; i++)
		tu_buf_le16(b, 8);
	for (unsigned i = 0; i < extra; i++)
		tu_buf_le16(b, 0);
	for (uint32_t i = 0; i < data_len; i++)
		tu_buf_u8(b, (uint8_t)(i * 7));
}

static void bomb_tiff(struct tu_buf *b)
{
	tiff_striped(b, 30000, 30000, 1, 1, 256);
}

static void bomb_pnm(struct tu_buf *b)
{
	tu_buf_str(b, "P6\n30000 30000\n255\n");
	tu_buf_zeros(b, 256);
}

static void bomb_pgm(struct tu_buf *b)
{
	tu_buf_str(b, "P5\n30000 30000\n255\n");
	tu_buf_zeros(b, 256);
}

static void bomb_ico(struct tu_buf *b)
{
	tu_buf_put(b, "\0\0\1\0\1\0", 6);		/* icon, one image */
	tu_buf_put(b, "\0\0\0\0\1\0\x20\0", 8);	/* 256 x 256, 32 bits */
	tu_buf_le32(b, 40 + 256);
	tu_buf_le32(b, 22);
	tu_buf_le32(b, 40);
	tu_buf_le32(b, 30000);
	tu_buf_le32(b, 60000);			/* image and mask */
	tu_buf_le16(b, 1);
	tu_buf_le16(b, 32);
	tu_buf_zeros(b, 24 + 256);
}

static void bomb_pcx(struct tu_buf *b)
{
	tu_buf_put(b, "\x0a\x05\x01\x08", 4);		/* RLE, 8 bits */
	tu_buf_le16(b, 0);
	tu_buf_le16(b, 0);
	tu_buf_le16(b, 29999);
	tu_buf_le16(b, 29999);
	tu_buf_le16(b, 72);
	tu_buf_le16(b, 72);
	tu_buf_zeros(b, 48 + 1);			/* palette, reserved */
	tu_buf_u8(b, 3);				/* 3 planes: 24-bit */
	tu_buf_le16(b, 30000);			/* bytes per line */
	tu_buf_le16(b, 1);
	tu_buf_zeros(b, 58);
	tu_buf_zeros(b, 256);
}

static void bomb_pcx8(struct tu_buf *b)
{
	bomb_pcx(b);
	b->b[65] = 1;				/* 1 plane: 8-bit */
}

static void bomb_xcf(struct tu_buf *b)
{
	tu_buf_str(b, "gimp xcf file");
	tu_buf_u8(b, 0);
	tu_buf_be32(b, 30000);
	tu_buf_be32(b, 30000);
	tu_buf_be32(b, 0);				/* RGB */
	tu_buf_be32(b, 0);				/* PROP_END */
	tu_buf_be32(b, 0);
	tu_buf_be32(b, 0);				/* no layer */
	tu_buf_be32(b, 0);				/* no channel */
	tu_buf_zeros(b, 128);
}

/* --- 4. bombs --- */

struct bomb {
	const char *name;
	void (*make)(struct tu_buf *b);
	const char *words;	/* one must be in the message */
};

/* Refused from the header, naming the size. */
#define PROBED "30000 x 30000"
/* Stopped by the cap on one buffer, the memory limit, or the decoder on
 * the missing data. */
#define UNPROBED "memory limit|cannot read|over the limit"

static void run_bomb(const struct bomb *k)
{
	struct tu_buf b = { 0 };
	const char *path;
	struct run r;
	char key[80];

	k->make(&b);
	path = save(k->name, &b);
	tu_key(key, sizeof(key), "bomb");
	run_put(&r, key, path, NULL, NULL, 7000, true);
	expect_refusal(k->name, &r, 5000, k->words);
	/* A bomb asks for memory, not for forbidden system calls: a helper
	 * killed by its sandbox here is a sandbox that breaks decoding. */
	CHECK_MSG(!strstr(r.p.err, "sandbox"), "%s: misdiagnosed: %s",
		  k->name, r.p.err);
	CHECK_MSG(r.hwm_kib < BOMB_RSS_KIB, "%s: peak resident %ld KiB, "
		  "bound %ld KiB", k->name, r.hwm_kib, BOMB_RSS_KIB);
	tu_proc_close(&r.p);
}

#define BOMB_CASE(fn, file, maker, words) \
	static void fn(void) { run_bomb(&(struct bomb){ file, maker, words }); }
BOMB_CASE(test_bomb_png, "bomb.png", bomb_png, PROBED)
BOMB_CASE(test_bomb_jpeg, "bomb.jpg", bomb_jpeg, PROBED)
BOMB_CASE(test_bomb_gif, "bomb.gif", bomb_gif, PROBED)
BOMB_CASE(test_bomb_bmp, "bomb.bmp", bomb_bmp, PROBED)
BOMB_CASE(test_bomb_qoi, "bomb.qoi", bomb_qoi, PROBED)
BOMB_CASE(test_bomb_webp, "bomb.webp", bomb_webp, PROBED)
BOMB_CASE(test_bomb_tga, "bomb.tga", bomb_tga, UNPROBED)
BOMB_CASE(test_bomb_tiff, "bomb.tif", bomb_tiff, UNPROBED)
BOMB_CASE(test_bomb_pnm, "bomb.ppm", bomb_pnm, UNPROBED)
BOMB_CASE(test_bomb_pgm, "bomb.pgm", bomb_pgm, UNPROBED)
BOMB_CASE(test_bomb_ico, "bomb.ico", bomb_ico, UNPROBED)
BOMB_CASE(test_bomb_pcx, "bomb.pcx", bomb_pcx, UNPROBED)
BOMB_CASE(test_bomb_pcx8, "bomb8.pcx", bomb_pcx8, UNPROBED)
BOMB_CASE(test_bomb_xcf, "bomb.xcf", bomb_xcf, UNPROBED)
#undef BOMB_CASE

/* --- 5. bombs that pass the header checks --- */

/* 16 x 16 pixels in one 16384 x 16384 tile of 6 samples of 16 bits
 * (3 GiB a tile), with 100 KB of tile data. */
static void tiff_tile(struct tu_buf *b)
{
	const unsigned ntags = 12;
	const uint32_t bits_at = 8 + 2 + ntags * 12 + 4;
	const uint32_t extra_at = bits_at + 12, data_at = extra_at + 6;
	const uint32_t data_len = 100000;

	tu_buf_put(b, "II*\0", 4);
	tu_buf_le32(b, 8);
	tu_buf_le16(b, ntags);
	tiff_tag(b, 256, T_LONG, 1, 16);
	tiff_tag(b, 257, T_LONG, 1, 16);
	tiff_tag(b, 258, T_SHORT, 6, bits_at);
	tiff_tag(b, 259, T_SHORT, 1, 1);
	tiff_tag(b, 262, T_SHORT, 1, 2);	/* RGB */
	tiff_tag(b, 277, T_SHORT, 1, 6);
	tiff_tag(b, 284, T_SHORT, 1, 1);
	tiff_tag(b, 322, T_LONG, 1, 16384);
	tiff_tag(b, 323, T_LONG, 1, 16384);
	tiff_tag(b, 324, T_LONG, 1, data_at);
	tiff_tag(b, 325, T_LONG, 1, data_len);
	tiff_tag(b, 338, T_SHORT, 3, extra_at);
	tu_buf_le32(b, 0);
	for (int i = 0; i < 6; i++)
		tu_buf_le16(b, 16);
	tu_buf_zeros(b, 6);
	for (uint32_t i = 0; i < data_len; i++)
		tu_buf_u8(b, (uint8_t)(i * 13));
}

/* 8192 x 8192 RGB with 34 extra samples: 37 a pixel. */
static void tiff_samples(struct tu_buf *b)
{
	tiff_striped(b, 8192, 8192, 37, 2, 65536);
}

/* A w x h greyscale progressive JPEG whose one DC scan comes `scans`
 * times, each a few bytes of entropy data (the decoder pads the rest of
 * every scan with zeros, but still walks every block). */
static void jpeg_scans(struct tu_buf *b, unsigned w, unsigned h, int scans)
{
	tu_buf_put(b, "\xff\xd8", 2);
	jpeg_tables(b);
	tu_buf_put(b, "\xff\xc2\x00\x0b\x08", 5);	/* progressive */
	tu_buf_be16(b, h);
	tu_buf_be16(b, w);
	tu_buf_put(b, "\x01\x01\x11\x00", 4);
	for (int i = 0; i < scans; i++) {
		tu_buf_put(b, "\xff\xda\x00\x08\x01\x01\x00\x00\x00\x00", 10);
		tu_buf_zeros(b, 4);
	}
	tu_buf_put(b, "\xff\xd9", 2);
}

static const char *slow_jpeg(void)
{
	struct tu_buf b = { 0 };

	jpeg_scans(&b, 8192, 8192, 2000);
	return save("scans.jpg", &b);
}

/* Ends within bound_ms (served or refused), under the helper's limit. */
static void run_limited(const char *what, const char *path,
			const char *timeout, int bound_ms)
{
	char key[80];
	const char *opts[] = { "--decode-timeout", timeout, NULL };
	struct run r;

	tu_key(key, sizeof(key), "limited");
	run_put(&r, key, path, opts, NULL, bound_ms + 2000, true);
	CHECK_MSG(!r.hung && tu_elapsed_ms(&r.p) <= bound_ms &&
		  (tu_exit_code(&r.p) == 0 || tu_exit_code(&r.p) == 1),
		  "%s: %s after %lld ms (exit %d, signal %d)", what,
		  r.hung ? "still running" : "ended", (long long)
		  tu_elapsed_ms(&r.p), tu_exit_code(&r.p),
		  tu_term_signal(&r.p));
	CHECK_MSG(r.served || (tu_err_lines(&r.p) == 1 &&
			       printable_line(r.p.err)),
		  "%s: refused without one clear line: \"%s\"", what, r.p.err);
	CHECK_MSG(r.hwm_kib < LIMIT_RSS_KIB, "%s: peak resident %ld KiB, "
		  "bound %ld KiB", what, r.hwm_kib, LIMIT_RSS_KIB);
	printf("%s: %s in %lld ms, peak %ld KiB %s", what,
	       r.served ? "served" : "refused", (long long)tu_elapsed_ms(&r.p),
	       r.hwm_kib, r.served ? "\n" : r.p.err);
	tu_proc_close(&r.p);
}

static void test_tiff_tile(void)
{
	struct tu_buf b = { 0 };

	tiff_tile(&b);
	run_limited("tiff-tile", save("tile.tif", &b), "20", 10000);
}

static void test_tiff_samples(void)
{
	struct tu_buf b = { 0 };

	tiff_samples(&b);
	run_limited("tiff-samples", save("samples.tif", &b), "20", 10000);
}

static void test_jpeg_scans(void)
{
	run_limited("jpeg-scans", slow_jpeg(), "5", 7000);
}

/* Starts put on the slow JPEG and returns once its helper has run for
 * 0.5 s. Returns the helper, or 0. */
static pid_t start_slow(struct tu_proc *p, const char *path, char *key)
{
	int64_t end;
	pid_t helper = 0;

	if (tu_put_spawn(p, shmimage, key, path, NULL, NULL) < 0)
		return 0;
	end = clock_ms() + 5000;
	while (!helper && clock_ms() < end && !exited(p->pid)) {
		helper = child_of(p->pid);
		tu_sleep_ms(1);
	}
	tu_sleep_ms(500);
	CHECK_MSG(helper && !exited(p->pid) && !gone(helper),
		  "put or its helper ended within 0.5 s of the slow JPEG");
	return helper;
}

static void test_jpeg_sigterm(void)
{
	const char *path = slow_jpeg();
	struct tu_proc p;
	pid_t helper;
	int64_t t0;
	char key[80];
	int status;

	tu_key(key, sizeof(key), "sigterm");
	helper = start_slow(&p, path, key);
	t0 = clock_ms();
	CHECK(tu_stop(&p, SIGTERM, 3000) == 0);
	CHECK_MSG(clock_ms() - t0 <= 1000 && tu_term_signal(&p) == 0 &&
		  tu_err_lines(&p) <= 1,
		  "SIGTERM mid-decode: ended after %lld ms, exit %d, signal "
		  "%d: %s", (long long)(clock_ms() - t0), tu_exit_code(&p),
		  tu_term_signal(&p), p.err);
	CHECK_MSG(helper && gone(helper), "helper %d outlived put",
		  (int)helper);
	printf("SIGTERM: put exit %d after %lld ms\n", tu_exit_code(&p),
	       (long long)(clock_ms() - t0));
	tu_proc_close(&p);

	/* Killed outright, put cannot stop its helper: the helper's
	 * PR_SET_PDEATHSIG must. As a subreaper this test gets the
	 * orphan and sees how it ended. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	helper = start_slow(&p, path, key);
	t0 = clock_ms();
	tu_stop(&p, SIGKILL, 3000);
	status = 0;
	CHECK_MSG(helper && tu_waitpid(helper, &status, 1000) == 0 &&
		  WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		  clock_ms() - t0 <= 1000,
		  "helper %d after put's SIGKILL: status 0x%x after %lld ms",
		  (int)helper, status, (long long)(clock_ms() - t0));
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	tu_proc_close(&p);
}

/* --- 6. files that are not plain files --- */

static void refuse_special(const char *what, const char *path,
			   const char *words)
{
	char key[80];
	struct run r;

	tu_key(key, sizeof(key), what);
	run_put(&r, key, path, NULL, NULL, 5000, true);
	expect_refusal(what, &r, 2000, words);
	tu_proc_close(&r.p);
	expect_unheld(key);
}

static void test_fifo(void)
{
	const char *path = in_tmp("x.png");

	CHECK(mkfifo(path, 0600) == 0);
	refuse_special("fifo", path, "FIFO");
}

static void test_devzero(void)
{
	const char *path = in_tmp("z.png");

	CHECK(symlink("/dev/zero", path) == 0);
	refuse_special("devzero", path, "device");
}

/* Swaps a FIFO and a PNG in under name, atomically (link, then rename
 * over), until killed. */
static int swapper(const char *name, const char *fifo, const char *png)
{
	char a[600], b[600];

	snprintf(a, sizeof(a), "%s.f", name);
	snprintf(b, sizeof(b), "%s.p", name);
	for (;;) {
		if (link(fifo, a) < 0 || rename(a, name) < 0)
			return 1;
		usleep(200);
		if (link(png, b) < 0 || rename(b, name) < 0)
			return 1;
		usleep(200);
	}
}

static void test_rename_race(void)
{
	const char *name = in_tmp("x.png"), *fifo = in_tmp("fifo0");
	const char *png = in_tmp("png0");
	int served = 0, fifos = 0, other = 0;
	char first[TU_OUT_MAX + 64] = "";
	SDL_Surface *s;
	pid_t pid;

	s = save_png(png, 32, 32, 5);
	SDL_FreeSurface(s);
	CHECK(mkfifo(fifo, 0600) == 0 && link(png, name) == 0);
	pid = tu_fork();
	if (pid == 0)
		_exit(swapper(name, fifo, png));
	for (int i = 0; i < 200; i++) {
		char key[80];
		struct run r;

		tu_key(key, sizeof(key), "race");
		run_put(&r, key, name, NULL, NULL, 5000, true);
		if (r.served && tu_exit_code(&r.p) == 0)
			served++;
		else if (tu_exit_code(&r.p) == 1 && tu_err_lines(&r.p) == 1 &&
			 strstr(r.p.err, "FIFO"))
			fifos++;
		else if (!other++)
			snprintf(first, sizeof(first), "run %d: hung %d, exit "
				 "%d, signal %d, %lld ms: %s", i, r.hung,
				 tu_exit_code(&r.p), tu_term_signal(&r.p),
				 (long long)tu_elapsed_ms(&r.p), r.p.err);
		tu_proc_close(&r.p);
		if (other >= 3)
			break;		/* broken: no need to wait out 200 */
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("rename race: %d served, %d refused as FIFO, %d other\n",
	       served, fifos, other);
	CHECK_MSG(other == 0, "%d runs neither served nor refused clearly; "
		  "first %s", other, first);
	CHECK_MSG(served > 0 && fifos > 0, "the race was not run: %d served, "
		  "%d FIFOs", served, fifos);
}

/* A user with more fds in flight than the helper's RLIMIT_NOFILE (a
 * stuck peer of the same user, say): the kernel would refuse the helper
 * any fd it sends, so it sends none back, and the load still works. */
static void test_inflight(void)
{
	const char *path = in_tmp("inflight.png");
	SDL_Surface *s = save_png(path, 64, 48, 5);
	int sv[2] = { -1, -1 }, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int sent = 0, want = 4 * DECODE_MAX_FDS;
	char key[80];
	struct run r;

	if (null < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				   sv) < 0) {
		CHECK_MSG(false, "socketpair: %s", strerror(errno));
		return;
	}
	/* Each message carries an fd nobody receives: all stay in flight. */
	for (int i = 0; i < want; i++)
		sent += name_send_fd(sv[0], "x", 1, null) == 0;
	CHECK_MSG(sent == want, "only %d of %d fds in flight", sent, want);
	tu_key(key, sizeof(key), "inflight");
	run_put(&r, key, path, NULL, NULL, 10000, false);
	CHECK_MSG(r.served, "not served with %d fds in flight: %s", sent,
		  r.p.err);
	if (r.served)
		expect_served(key, s);
	tu_stop(&r.p, SIGTERM, 3000);
	tu_proc_close(&r.p);
	close(sv[0]);
	close(sv[1]);
	close(null);
	SDL_FreeSurface(s);
}

static void test_growing(void)
{
	const char *path = in_tmp("grow.png");
	SDL_Surface *s = save_png(path, 4096, 4096, 9);
	char key[80];
	struct run r;
	struct stat st;
	off_t size0, size1;
	pid_t pid;

	SDL_FreeSurface(s);
	tu_key(key, sizeof(key), "grow");
	pid = tu_fork();
	if (pid == 0) {
		static char junk[1 << 16];
		int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

		memset(junk, 0xa5, sizeof(junk));
		/* At most 1 GiB, at most ~10 s. */
		for (int i = 0; fd >= 0 && i < 16384; i++) {
			if (write(fd, junk, sizeof(junk)) < 0)
				_exit(1);
			if (i % 16 == 0)
				usleep(1000);
		}
		_exit(0);
	}
	tu_sleep_ms(20);
	size0 = stat(path, &st) == 0 ? st.st_size : 0;
	run_put(&r, key, path, NULL, NULL, 10000, false);
	size1 = stat(path, &st) == 0 ? st.st_size : 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK_MSG(size1 > size0, "the file did not grow while put read it "
		  "(%lld bytes)", (long long)size0);
	CHECK_MSG(!r.hung, "put on a growing file: no result within 10 s");
	if (r.served) {
		printf("growing: served: %s", r.p.out);
		CHECK_MSG(strstr(r.p.out, "shared 4096 x 4096"),
			  "served something else: %s", r.p.out);
		CHECK(tu_stop(&r.p, SIGTERM, 3000) == 0 &&
		      tu_exit_code(&r.p) == 0);
	} else {
		expect_refusal("growing", &r, 10000, NULL);
	}
	tu_proc_close(&r.p);
}

/* --- 8. bounds the helper sets itself --- */

/* RLIMIT_CPU is the second guard behind the wall clock: a helper given
 * 1 s of CPU stops the 2000-scan JPEG long before the 20 s deadline,
 * and put says why. */
static void test_cpu_limit(void)
{
	const char *opts[] = { "--decoder", wrapper("--cpu-limit 1"),
			       "--decode-timeout", "20", NULL };
	char key[80];
	struct run r;

	tu_key(key, sizeof(key), "cpu");
	/* 1 s of CPU takes longer on a loaded machine; well before 20 s. */
	run_put(&r, key, slow_jpeg(), opts, NULL, 15000, true);
	expect_refusal("cpu-limit", &r, 10000, "s of CPU time (the decoder was "
		       "stopped)");
	tu_proc_close(&r.p);
}

/* --max-bytes near 2^64 cannot wrap the helper's arithmetic (its
 * allocation cap, its memory limit): it counts as the contract's largest
 * image, and a small file decodes as ever. */
static void test_max_bytes_wrap(void)
{
	const char *opts[] = { "--decoder",
			       wrapper("--max-bytes 18446744073709547520"),
			       NULL };
	const char *file = in_tmp("small.png");
	SDL_Surface *want = save_png(file, 48, 32, 11);
	char key[80];
	struct run r;

	tu_key(key, sizeof(key), "wrap");
	run_put(&r, key, file, opts, NULL, 5000, false);
	CHECK_MSG(r.served, "put with the helper at --max-bytes 2^64 - 4096: "
		  "%s", r.p.err);
	if (r.served)
		expect_served(key, want);
	tu_stop(&r.p, SIGTERM, 3000);
	tu_proc_close(&r.p);
	SDL_FreeSurface(want);
}

/* --- 7. files that make a decoder read past their end --- */

/* Every file of libpng's crasher set (tests/data/libpng-crashers, the
 * directory in $DECODER_CRASHERS) is answered by put within 1 s: shared,
 * or refused with one clear line. Their chunk lengths run past the end
 * of the file; SDL_image's PNG reader ignores the short reads. */
static void test_libpng_crashers(void)
{
	const char *dir = getenv("DECODER_CRASHERS");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int files = 0, shared = 0;

	CHECK_MSG(d != NULL, "DECODER_CRASHERS=%s: cannot list it",
		  dir ? dir : "(unset)");
	while (d && (e = readdir(d))) {
		char path[512], key[80];
		struct run r;

		if (!strstr(e->d_name, ".png"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		tu_key(key, sizeof(key), "crasher");
		run_put(&r, key, path, NULL, NULL, 5000, true);
		files++;
		if (r.served) {
			shared++;
			CHECK_MSG(tu_exit_code(&r.p) == 0, "%s: exit %d after "
				  "SIGTERM: %s", e->d_name,
				  tu_exit_code(&r.p), r.p.err);
			/* Served: the time to the "shared" line. */
			printf("%s: shared\n", e->d_name);
		} else {
			expect_refusal(e->d_name, &r, 1000, NULL);
		}
		CHECK_MSG(!r.hung, "%s: put still ran after 5 s", e->d_name);
		tu_proc_close(&r.p);
	}
	if (d)
		closedir(d);
	printf("%d files, %d shared, %d refused\n", files, shared,
	       files - shared);
	CHECK_MSG(files >= 20, "only %d files in %s", files, dir);
}

/* --- the cases --- */

static const struct tu_case cases[] = {
	{ "sandbox-status", test_sandbox_status },
	{ "sandbox-no-namespaces", test_sandbox_no_namespaces },
	{ "sandbox-try-open", test_try_open },
	{ "sandbox-try-socket", test_try_socket },
	{ "sandbox-try-execve", test_try_execve },
	{ "sandbox-try-memfd", test_try_memfd },
	{ "sandbox-try-ftruncate", test_try_ftruncate },
	{ "sandbox-try-write", test_try_write },
	{ "sandbox-try-statpath", test_try_statpath },
	{ "sandbox-try-setown", test_try_setown },
	{ "sandbox-try-lease", test_try_lease },
	{ "sandbox-try-mapanon", test_try_mapanon },
	{ "sandbox-try-connect", test_try_connect },
	{ "fake-honest", test_fake_honest },
	{ "fake-crash", test_fake_crash },
	{ "fake-crash-after", test_fake_crash_after },
	{ "fake-hang", test_fake_hang },
	{ "fake-linger", test_fake_linger },
	{ "fake-exit3", test_fake_exit3 },
	{ "fake-exit0", test_fake_exit0 },
	{ "fake-own-segment", test_fake_own_segment },
	{ "fake-big", test_fake_big },
	{ "fake-bad-header", test_fake_bad_header },
	{ "fake-resize", test_fake_resize },
	{ "fake-two-fds", test_fake_two_fds },
	{ "fake-pipe", test_fake_pipe },
	{ "fake-big-reason", test_fake_big_reason },
	{ "fake-over-limit", test_fake_over_limit },
	{ "fake-huge-size", test_fake_huge_size },
	{ "fake-keep-mapped", test_fake_keep_mapped },
	{ "fake-brief-mapped", test_fake_brief_mapped },
	{ "fake-filled-fd", test_fake_filled_fd },
	{ "bomb-png", test_bomb_png },
	{ "bomb-jpeg", test_bomb_jpeg },
	{ "bomb-gif", test_bomb_gif },
	{ "bomb-bmp", test_bomb_bmp },
	{ "bomb-qoi", test_bomb_qoi },
	{ "bomb-webp", test_bomb_webp },
	{ "bomb-tga", test_bomb_tga },
	{ "bomb-tiff", test_bomb_tiff },
	{ "bomb-pnm", test_bomb_pnm },
	{ "bomb-pgm", test_bomb_pgm },
	{ "bomb-ico", test_bomb_ico },
	{ "bomb-pcx", test_bomb_pcx },
	{ "bomb-pcx8", test_bomb_pcx8 },
	{ "bomb-xcf", test_bomb_xcf },
	{ "tiff-tile", test_tiff_tile },
	{ "tiff-samples", test_tiff_samples },
	{ "jpeg-scans", test_jpeg_scans },
	{ "jpeg-sigterm", test_jpeg_sigterm },
	{ "fifo", test_fifo },
	{ "devzero", test_devzero },
	{ "rename-race", test_rename_race },
	{ "growing", test_growing },
	{ "inflight", test_inflight },
	{ "libpng-crashers", test_libpng_crashers },
	{ "cpu-limit", test_cpu_limit },
	{ "max-bytes-wrap", test_max_bytes_wrap },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Every name given is a case, and every case is given. */
static int check_list(int n, char **names)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		bool known = false;

		for (size_t c = 0; c < N_CASES; c++)
			known |= !strcmp(names[i], cases[c].name);
		if (!known && ++bad)
			fprintf(stderr, "%s is in the CMake list but not a "
				"case\n", names[i]);
	}
	for (size_t c = 0; c < N_CASES; c++) {
		bool listed = false;

		for (int i = 0; i < n; i++)
			listed |= !strcmp(names[i], cases[c].name);
		if (!listed && ++bad)
			fprintf(stderr, "case %s is not in the CMake list\n",
				cases[c].name);
	}
	CHECK(bad == 0);
	return check_done();
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: %s SHMIMAGE SHM_DECODE FAKE_DECODER "
			"CASE | --check CASE...\n", argv[0]);
		return 2;
	}
	shmimage = argv[1];
	shm_decode = argv[2];
	fake = argv[3];
	if (!strcmp(argv[4], "--check"))
		return check_list(argc - 5, argv + 5);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tu_tmpdir("decoder", tmp, sizeof(tmp)) < 0) {
		perror("tu_tmpdir");
		return EXIT_FAILURE;
	}
	if (SDL_Init(0) < 0) {
		fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
		return EXIT_FAILURE;
	}
	rc = tu_run_cases(cases, N_CASES, argv[4]);
	SDL_Quit();
	return rc ? rc : check_done();
}
