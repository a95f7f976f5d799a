#include "testutil.h"

#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "image/decoder.h"
#include "common/crc32.h"
#include "image/texture.h"
#include "shm/share.h"

/* RUNNING_ON_VALGRIND needs valgrind's header at build time; without it
 * tu_under_valgrind() still sees valgrind's preloaded library. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

extern char **environ;

void tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The environment for a child: ours, with each "NAME=value" of extra
 * replacing a variable of that name or added. Built before fork so the
 * child only has to exec. NULL on allocation failure. */
static char **child_env(char *const extra[])
{
	size_t n = 0, k = 0, out = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[k])
		k++;
	env = calloc(n + k + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : 0;
		bool replaced = false;

		for (size_t j = 0; len && j < k; j++)
			if (!strncmp(environ[i], extra[j], len))
				replaced = true;
		if (!replaced)
			env[out++] = environ[i];
	}
	for (size_t j = 0; j < k; j++)
		env[out++] = extra[j];
	env[out] = NULL;
	return env;
}

pid_t tu_fork(void)
{
	pid_t parent = getpid();
	pid_t pid;

	/* Whatever sits in our stdio buffers would otherwise be written
	 * twice, once by the child. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died before prctl took effect. */
		if (getppid() != parent)
			_exit(127);
	}
	return pid;
}

/* The child's side of tu_spawn: stdin from devnull, stdout and stderr
 * into the pipes, no blocked signals, then exec. Why exec failed goes to
 * the parent through exe_w, which a successful exec closes. */
static _Noreturn void spawn_child(char *const argv[], char **envp,
				  int devnull, int out_w, int err_w, int exe_w)
{
	sigset_t none;
	int e;

	/* dup2 leaves the copies without close-on-exec. */
	if (dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
	e = errno;
	if (write(exe_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* 0 once exec worked (exe_r reads EOF), else the errno the child sent. */
static int exec_result(int exe_r)
{
	ssize_t n;
	int e;

	do
		n = read(exe_r, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static void close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int tu_spawn(struct tu_proc *p, char *const argv[], char *const env[])
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, exe[2] = { -1, -1 };
	int devnull = -1, e = 0;
	char **envp = NULL;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->out_fd = -1;
	p->err_fd = -1;

	envp = child_env(env);
	if (!envp)
		return -1;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(exe, O_CLOEXEC) < 0) {
		e = errno;
		goto fail;
	}
	p->start_ms = clock_ms();
	p->pid = tu_fork();
	if (p->pid < 0) {
		e = errno;
		goto fail;
	}
	if (p->pid == 0)
		spawn_child(argv, envp, devnull, out[1], err[1], exe[1]);
	close(exe[1]);
	exe[1] = -1;
	e = exec_result(exe[0]);
	if (e) {
		waitpid(p->pid, NULL, 0);
		p->pid = -1;
		goto fail;
	}
	p->out_fd = out[0];
	p->err_fd = err[0];
	out[0] = err[0] = -1;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
fail:
	close_pair(out);
	close_pair(err);
	close_pair(exe);
	if (devnull >= 0)
		close(devnull);
	free(envp);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Reads what is available on *fd into buf (keeping it NUL-ended, dropping
 * what does not fit); closes *fd at end of file. */
static void slurp(int *fd, char *buf, size_t *len)
{
	char scratch[4096];

	for (;;) {
		size_t room = TU_OUT_MAX - 1 - *len;
		char *dst = room ? buf + *len : scratch;
		ssize_t n = read(*fd, dst, room ? room : sizeof(scratch));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* EAGAIN: nothing more for now */
		if (n == 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		if (room) {
			*len += (size_t)n;
			buf[*len] = '\0';
		}
	}
}

/* Waits up to timeout_ms for output and collects it. */
static void collect(struct tu_proc *p, int timeout_ms)
{
	struct pollfd pfd[2];
	int n = 0;

	if (p->out_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->out_fd, .events = POLLIN };
	if (p->err_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->err_fd, .events = POLLIN };
	if (n == 0) {
		if (timeout_ms > 0)
			tu_sleep_ms(timeout_ms);
		return;
	}
	if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
		return;
	if (p->out_fd >= 0)
		slurp(&p->out_fd, p->out, &p->out_len);
	if (p->err_fd >= 0)
		slurp(&p->err_fd, p->err, &p->err_len);
}

int tu_read_line(struct tu_proc *p, int timeout_ms, char *buf, size_t size)
{
	int64_t deadline = clock_ms() + timeout_ms;

	for (;;) {
		const char *start = p->out + p->out_taken;
		const char *nl = memchr(start, '\n', p->out_len - p->out_taken);
		int64_t left;

		if (nl) {
			size_t len = (size_t)(nl - start);

			if (size) {
				size_t copy = len < size - 1 ? len : size - 1;

				memcpy(buf, start, copy);
				buf[copy] = '\0';
			}
			p->out_taken += len + 1;
			return (int)len;
		}
		left = deadline - clock_ms();
		if (p->out_fd < 0 || left <= 0)
			return -1;
		collect(p, (int)left);
	}
}

int tu_wait(struct tu_proc *p, int timeout_ms)
{
	int64_t deadline = clock_ms() + timeout_ms;
	pid_t r;

	if (p->pid < 0)
		return 0;
	for (;;) {
		r = wait4(p->pid, &p->status, WNOHANG, &p->ru);
		if (r == p->pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (clock_ms() >= deadline) {
			kill(p->pid, SIGKILL);
			while (wait4(p->pid, &p->status, 0, &p->ru) < 0 &&
			       errno == EINTR)
				;
			p->end_ms = clock_ms();
			p->pid = -1;
			collect(p, 0);
			return -1;
		}
		/* Short naps: the pipes wake us when there is output, the
		 * exit itself is seen on the next round. */
		collect(p, 2);
	}
	p->end_ms = clock_ms();
	p->pid = -1;
	/* What the child wrote before exiting is all in the pipes now. */
	while (p->out_fd >= 0 || p->err_fd >= 0) {
		int before = (p->out_fd >= 0) + (p->err_fd >= 0);
		size_t got = p->out_len + p->err_len;

		collect(p, 0);
		if ((p->out_fd >= 0) + (p->err_fd >= 0) == before &&
		    p->out_len + p->err_len == got)
			break;	/* a grandchild keeps a pipe open */
	}
	return 0;
}

int tu_stop(struct tu_proc *p, int sig, int timeout_ms)
{
	if (p->pid > 0)
		kill(p->pid, sig);
	return tu_wait(p, timeout_ms);
}

int tu_run(struct tu_proc *p, char *const argv[], char *const env[],
	   int timeout_ms)
{
	if (tu_spawn(p, argv, env) < 0)
		return -1;
	return tu_wait(p, timeout_ms);
}

int tu_exit_code(const struct tu_proc *p)
{
	if (p->pid >= 0 || !WIFEXITED(p->status))
		return -1;
	return WEXITSTATUS(p->status);
}

int tu_term_signal(const struct tu_proc *p)
{
	if (p->pid >= 0 || !WIFSIGNALED(p->status))
		return 0;
	return WTERMSIG(p->status);
}

int64_t tu_elapsed_ms(const struct tu_proc *p)
{
	return p->end_ms - p->start_ms;
}

long tu_maxrss_kib(const struct tu_proc *p)
{
	return p->ru.ru_maxrss;
}

int tu_err_lines(const struct tu_proc *p)
{
	int lines = 0;

	for (size_t i = 0; i < p->err_len; i++)
		if (p->err[i] == '\n')
			lines++;
	if (p->err_len && p->err[p->err_len - 1] != '\n')
		lines++;
	return lines;
}

void tu_proc_close(struct tu_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		tu_wait(p, 5000);
	}
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->out_fd = -1;
	p->err_fd = -1;
}

int tu_read_byte(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&pfd, 1, timeout_ms) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

int tu_put_spawn(struct tu_proc *p, const char *shmimage, const char *key,
		 const char *file, const char *const opts[],
		 char *const env[])
{
	char *argv[24];
	int n = 0;

	argv[n++] = (char *)shmimage;
	argv[n++] = "put";
	argv[n++] = "--key";
	argv[n++] = (char *)key;
	for (size_t i = 0; opts && opts[i]; i++) {
		if (n == 22) {
			memset(p, 0, sizeof(*p));
			p->pid = p->out_fd = p->err_fd = -1;
			errno = E2BIG;
			return -1;
		}
		argv[n++] = (char *)opts[i];
	}
	argv[n++] = (char *)file;
	argv[n] = NULL;
	return tu_spawn(p, argv, env);
}

int tu_put_served(struct tu_proc *p, int timeout_ms, char *line,
		  size_t size)
{
	char scratch[256];

	if (!line) {
		line = scratch;
		size = sizeof(scratch);
	}
	if (tu_read_line(p, timeout_ms, line, size) >= 0 &&
	    tu_starts_with(line, "shared "))
		return 0;
	tu_stop(p, SIGKILL, 5000);
	return -1;
}

int tu_put_start(struct tu_proc *p, const char *shmimage, const char *key,
		 const char *file, int timeout_ms, char *line, size_t size)
{
	if (tu_put_spawn(p, shmimage, key, file, NULL, NULL) < 0)
		return -1;
	return tu_put_served(p, timeout_ms, line, size);
}

int tu_waitpid(pid_t pid, int *status, int timeout_ms)
{
	int64_t deadline = clock_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (clock_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		tu_sleep_ms(2);
	}
}

int tu_fork_run(int (*fn)(void *), void *arg, int timeout_ms)
{
	pid_t pid = tu_fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int rc = fn(arg);

		fflush(NULL);
		_exit(rc & 0xff);
	}
	if (tu_waitpid(pid, &status, timeout_ms) < 0)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Scratch directories to remove at exit, by the process that made them
 * (forked children leave with _exit, but be safe if one does not). */
#define TU_MAX_TMPDIRS 8
static char tmpdirs[TU_MAX_TMPDIRS][256];
static int ntmpdirs;
static pid_t tmpdir_owner;

static void remove_tmpdirs(void)
{
	if (getpid() != tmpdir_owner)
		return;
	for (int i = 0; i < ntmpdirs; i++)
		tu_rmtree(tmpdirs[i]);
}

int tu_run_cases(const struct tu_case *cases, size_t n, const char *which)
{
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (which && strcmp(which, cases[i].name))
			continue;
		found = true;
		printf("== %s\n", cases[i].name);
		fflush(stdout);
		cases[i].run();
	}
	if (!found) {
		fprintf(stderr, "no case named %s\n", which);
		return 2;
	}
	return 0;
}

int tu_suite_main(const struct tu_suite *suite, int argc, char **argv)
{
	const char *which = argc > 3 ? argv[3] : NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SHMIMAGE SOURCE_DIR [CASE]\n",
			argv[0]);
		return 2;
	}
	suite->setup(argv);
	if (tu_tmpdir(suite->tag, suite->dir, suite->dir_size) < 0) {
		perror("mkdtemp");
		return 1;
	}
	if (tu_run_cases(suite->cases, suite->ncases, which))
		return 2;
	if (suite->finish)
		suite->finish();
	IMG_Quit();
	SDL_Quit();
	return -1;
}

int tu_tmpdir(const char *tag, char *path, size_t size)
{
	int n = snprintf(path, size, "/tmp/%s-XXXXXX", tag);

	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(tmpdirs[0]) ||
	    ntmpdirs == TU_MAX_TMPDIRS || !mkdtemp(path))
		return -1;
	if (ntmpdirs == 0) {
		tmpdir_owner = getpid();
		atexit(remove_tmpdirs);
	}
	strcpy(tmpdirs[ntmpdirs++], path);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int tu_rmtree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

void *tu_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, used = 0;
	char *buf = NULL, *bigger;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (!buf || used + 1 >= cap) {
			cap *= 2;
			bigger = realloc(buf, cap);
			if (!bigger)
				goto fail;
			buf = bigger;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

bool tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool tu_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void tu_key(char *buf, size_t size, const char *tag)
{
	static int n;

	snprintf(buf, size, "t-%s-%d-%d", tag, (int)getpid(), n++);
}

int tu_dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int tu_fd_count(void)
{
	int n = tu_dir_entries("/proc/self/fd");

	/* opendir's own descriptor was listed too. */
	return n < 0 ? -1 : n - 1;
}

static int fds_once(pid_t pid)
{
	char path[64];

	if (pid == 0)
		return tu_fd_count();
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return tu_dir_entries(path);
}

int tu_fds_of(pid_t pid)
{
	int least = fds_once(pid);

	for (int i = 0; i < 10 && least >= 0; i++) {
		int n;

		tu_sleep_ms(5);
		n = fds_once(pid);
		if (n >= 0 && n < least)
			least = n;
	}
	return least;
}

int tu_fds_down_to(pid_t pid, int want, int timeout_ms)
{
	int64_t end = clock_ms() + timeout_ms;
	int n = fds_once(pid);

	while (n > want && clock_ms() < end) {
		tu_sleep_ms(5);
		n = fds_once(pid);
	}
	return n;
}

long tu_rss_kib(void)
{
	char *text = tu_read_file("/proc/self/statm", NULL);
	long size, resident;
	int ok;

	if (!text)
		return -1;
	ok = sscanf(text, "%ld %ld", &size, &resident) == 2;
	free(text);
	return ok ? resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

long tu_heap_kib(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)((mi.uordblks + mi.hblkhd) / 1024);
}

int tu_map_count(void)
{
	size_t len;
	char *text = tu_read_file("/proc/self/maps", &len);
	int n = 0;

	if (!text)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	free(text);
	return n;
}

int tu_segment_maps(void)
{
	char *maps = tu_read_file("/proc/self/maps", NULL);
	int n = 0;

	for (char *p = maps; p && (p = strstr(p, "/memfd:")); p++)
		n++;
	free(maps);
	return n;
}

bool tu_under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

bool tu_under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return RUNNING_ON_VALGRIND || (pre && strstr(pre, "vgpreload"));
}

SDL_Surface *tu_make_image(int width, int height, uint32_t seed)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32,
						       SDL_PIXELFORMAT_RGBA32);
	uint32_t x = seed * 2654435761u + 1u;

	if (!s)
		return NULL;
	for (int y = 0; y < height; y++) {
		uint8_t *row = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;

		for (int i = 0; i < width * 4; i++) {
			/* xorshift32: cheap, and no two neighbours alike */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			row[i] = (uint8_t)(x >> 24);
		}
	}
	return s;
}

bool tu_same_pixels(SDL_Surface *a, SDL_Surface *b, char *why, size_t size)
{
	SDL_Surface *ca, *cb;
	long diff = 0;
	int fx = -1, fy = -1;
	uint8_t ga[4] = { 0 }, gb[4] = { 0 };

	if (a->w != b->w || a->h != b->h) {
		snprintf(why, size, "size %d x %d, expected %d x %d", a->w,
			 a->h, b->w, b->h);
		return false;
	}
	ca = SDL_ConvertSurfaceFormat(a, SDL_PIXELFORMAT_RGBA32, 0);
	cb = SDL_ConvertSurfaceFormat(b, SDL_PIXELFORMAT_RGBA32, 0);
	if (!ca || !cb) {
		snprintf(why, size, "cannot convert: %s", SDL_GetError());
		SDL_FreeSurface(ca);
		SDL_FreeSurface(cb);
		return false;
	}
	for (int y = 0; y < ca->h; y++) {
		const uint8_t *ra = (uint8_t *)ca->pixels +
				    (size_t)y * (size_t)ca->pitch;
		const uint8_t *rb = (uint8_t *)cb->pixels +
				    (size_t)y * (size_t)cb->pitch;

		if (!memcmp(ra, rb, (size_t)ca->w * 4))
			continue;
		for (int x = 0; x < ca->w; x++) {
			if (!memcmp(ra + x * 4, rb + x * 4, 4))
				continue;
			if (diff++ == 0) {
				fx = x;
				fy = y;
				memcpy(ga, ra + x * 4, 4);
				memcpy(gb, rb + x * 4, 4);
			}
		}
	}
	SDL_FreeSurface(ca);
	SDL_FreeSurface(cb);
	if (diff)
		snprintf(why, size, "%ld of %ld pixels differ; first at (%d,%d): "
			 "RGBA %02x%02x%02x%02x, expected %02x%02x%02x%02x",
			 diff, (long)a->w * a->h, fx, fy, ga[0], ga[1], ga[2],
			 ga[3], gb[0], gb[1], gb[2], gb[3]);
	return diff == 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Inflates the n bytes at in (one part of the IDAT stream) into the
 * stream z, whose output is counted, not kept. Z_OK, Z_STREAM_END, or
 * zlib's error. */
static int inflate_part(z_stream *z, const uint8_t *in, size_t n)
{
	uint8_t out[1 << 16];
	int rc = Z_OK;

	z->next_in = (Bytef *)in;
	z->avail_in = (uInt)n;
	while (rc == Z_OK && (z->avail_in > 0 || z->avail_out == 0)) {
		z->next_out = out;
		z->avail_out = sizeof(out);
		rc = inflate(z, Z_NO_FLUSH);
	}
	return rc == Z_BUF_ERROR ? Z_OK : rc;
}

/* What a decoder that stops once it has its rows does not look at: every
 * chunk's CRC, the IDAT stream's end and its Adler-32 (zlib's inflate
 * checks it), exactly w * 4 + 1 bytes a row, IEND last. */
static bool png_container_ok(const uint8_t *d, size_t len, int w, int h,
			     char *why, size_t size)
{
	uint64_t want = (uint64_t)h * ((uint64_t)w * 4 + 1);
	size_t pos = 8;
	z_stream z;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return snprintf(why, size, "inflateInit failed"), false;
	while (pos + 12 <= len) {
		uint32_t n = be32(d + pos);
		const uint8_t *type = d + pos + 4;

		if (n > len - pos - 12) {
			snprintf(why, size, "a chunk runs past the end");
			break;
		}
		if (crc32_update(0, type, n + 4) != be32(d + pos + 8 + n)) {
			snprintf(why, size, "bad CRC in %.4s", (const char *)type);
			break;
		}
		if (!memcmp(type, "IDAT", 4) && rc == Z_OK)
			rc = inflate_part(&z, d + pos + 8, n);
		pos += 12 + (size_t)n;
		if (!memcmp(type, "IEND", 4))
			break;
	}
	if (!*why && (pos != len || memcmp(d + pos - 8, "IEND", 4)))
		snprintf(why, size, "IEND is not the last chunk");
	if (!*why && rc != Z_STREAM_END)
		snprintf(why, size, "the image data does not end as a zlib "
			 "stream (%d: %s)", rc, z.msg ? z.msg : "no end");
	if (!*why && z.total_out != want)
		snprintf(why, size, "%lu bytes of rows, not %llu", z.total_out,
			 (unsigned long long)want);
	inflateEnd(&z);
	return !*why;
}

bool tu_file_has_pixels(const char *path, SDL_Surface *want, char *why,
			size_t size)
{
	size_t len = 0;
	uint8_t *d = tu_read_file(path, &len);
	SDL_Surface *got;
	bool same;

	*why = '\0';
	if (d && len >= 8 && !memcmp(d, "\x89PNG", 4) &&
	    !png_container_ok(d, len, want->w, want->h, why, size)) {
		free(d);
		return false;
	}
	free(d);
	got = IMG_Load(path);

	if (!got) {
		snprintf(why, size, "cannot load %s: %s", path, IMG_GetError());
		return false;
	}
	same = tu_same_pixels(got, want, why, size);
	SDL_FreeSurface(got);
	return same;
}

SDL_Surface *tu_make_checks(int w, int h)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
						       SDL_PIXELFORMAT_RGBA32);
	int x, y;

	for (y = 0; s && y < h; y++) {
		Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);

		for (x = 0; x < w; x++)
			row[x] = (x + y) & 1 ? 0xffffffffu : 0xff000000u;
	}
	return s;
}

void tu_push_key(Uint32 window_id, SDL_Keycode sym, SDL_Scancode sc)
{
	SDL_Event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.windowID = window_id;
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = sym;
	ev.key.keysym.scancode = sc;
	SDL_PushEvent(&ev);
	ev.type = SDL_KEYUP;
	ev.key.state = SDL_RELEASED;
	SDL_PushEvent(&ev);
}

void tu_buf_put(struct tu_buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 512;

		while (cap < b->len + n)
			cap *= 2;
		b->b = realloc(b->b, cap);
		if (!b->b) {
			perror("realloc");
			exit(EXIT_FAILURE);
		}
		b->cap = cap;
	}
	if (n)
		memcpy(b->b + b->len, data, n);
	b->len += n;
}

void tu_buf_str(struct tu_buf *b, const char *s)
{
	tu_buf_put(b, s, strlen(s));
}

void tu_buf_u8(struct tu_buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	tu_buf_put(b, &c, 1);
}

void tu_buf_zeros(struct tu_buf *b, size_t n)
{
	while (n--)
		tu_buf_u8(b, 0);
}

void tu_buf_le16(struct tu_buf *b, uint32_t v)
{
	tu_buf_u8(b, v & 0xff);
	tu_buf_u8(b, (v >> 8) & 0xff);
}

void tu_buf_le32(struct tu_buf *b, uint32_t v)
{
	tu_buf_le16(b, v & 0xffff);
	tu_buf_le16(b, v >> 16);
}

void tu_buf_be16(struct tu_buf *b, uint32_t v)
{
	tu_buf_u8(b, (v >> 8) & 0xff);
	tu_buf_u8(b, v & 0xff);
}

void tu_buf_be32(struct tu_buf *b, uint32_t v)
{
	tu_buf_be16(b, v >> 16);
	tu_buf_be16(b, v & 0xffff);
}

void tu_buf_free(struct tu_buf *b)
{
	free(b->b);
	memset(b, 0, sizeof(*b));
}

void tu_png_chunk(struct tu_buf *b, const char *type, const void *data,
		  size_t len)
{
	tu_buf_be32(b, (uint32_t)len);
	tu_buf_put(b, type, 4);
	tu_buf_put(b, data, len);
	tu_buf_be32(b, crc32_update(crc32_update(0, type, 4), data, len));
}

void tu_bmp_header(struct tu_buf *b, int32_t w, int32_t h,
		   uint32_t pixel_bytes)
{
	tu_buf_str(b, "BM");
	tu_buf_le32(b, 54 + pixel_bytes);	/* the file's size */
	tu_buf_le32(b, 0);
	tu_buf_le32(b, 54);			/* where the pixels start */
	tu_buf_le32(b, 40);			/* BITMAPINFOHEADER */
	tu_buf_le32(b, (uint32_t)w);
	tu_buf_le32(b, (uint32_t)h);
	tu_buf_le16(b, 1);			/* planes */
	tu_buf_le16(b, 24);			/* bits per pixel */
	tu_buf_zeros(b, 24);	/* uncompressed, sizes and palette unsaid */
}

void tu_png_bomb(struct tu_buf *b, uint32_t w, uint32_t h)
{
	static const uint8_t idat[] = { 0x78, 0x01, 0x01, 0x00, 0x00, 0xff,
					0xff, 0x00, 0x00, 0x00, 0x01 };
	struct tu_buf ihdr = { 0 };

	tu_buf_put(b, "\x89PNG\r\n\x1a\n", 8);
	tu_buf_be32(&ihdr, w);
	tu_buf_be32(&ihdr, h);
	/* 8 bits, RGBA, deflate, adaptive filtering, no interlace */
	tu_buf_put(&ihdr, "\x08\x06\x00\x00\x00", 5);
	tu_png_chunk(b, "IHDR", ihdr.b, ihdr.len);
	tu_png_chunk(b, "IDAT", idat, sizeof(idat));
	tu_png_chunk(b, "IEND", NULL, 0);
	tu_buf_free(&ihdr);
}

uint32_t tu_adler32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t a = 1, b = 0;

	for (size_t i = 0; i < len; i++) {
		a = (a + p[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	return (b << 16) | a;
}

SDL_Surface *tu_texture_pixels(SDL_Renderer *r, SDL_Texture *t)
{
	SDL_Texture *old = SDL_GetRenderTarget(r), *target = NULL;
	SDL_BlendMode blend = SDL_BLENDMODE_NONE;
	SDL_Surface *surf = NULL;
	bool ok;
	int w, h;

	if (SDL_QueryTexture(t, NULL, NULL, &w, &h) < 0 ||
	    SDL_GetTextureBlendMode(t, &blend) < 0)
		return NULL;
	target = SDL_CreateTexture(r, SDL_PIXELFORMAT_RGBA32,
				   SDL_TEXTUREACCESS_TARGET, w, h);
	surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32,
					      SDL_PIXELFORMAT_RGBA32);
	if (!target || !surf || SDL_SetRenderTarget(r, target) < 0)
		goto fail;
	SDL_SetTextureBlendMode(t, SDL_BLENDMODE_NONE);
	ok = SDL_RenderCopy(r, t, NULL, NULL) == 0 &&
	     SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_RGBA32,
				  surf->pixels, surf->pitch) == 0;
	SDL_SetTextureBlendMode(t, blend);
	SDL_SetRenderTarget(r, old);
	if (!ok)
		goto fail;
	SDL_DestroyTexture(target);
	return surf;
fail:
	SDL_FreeSurface(surf);
	if (target)
		SDL_DestroyTexture(target);
	return NULL;
}

void tu_decoder_path(const char *program, char *buf, size_t size)
{
	const char *slash = strrchr(program, '/');
	int dir = slash ? (int)(slash - program) : 1;

	snprintf(buf, size, "%.*s/shm-decode", dir, slash ? program : ".");
}

int tu_decode(const char *decoder, const char *key, const char *path,
	      uint64_t max_bytes, struct seg *seg, struct err *err)
{
	struct img_limits lim = {
		.max_bytes = max_bytes,
		.decode_timeout_ms = IMG_DEFAULT_DECODE_TIMEOUT_MS,
	};
	struct img_decoder *dec;
	int rc = -1;

	seg_init(seg);
	dec = img_decoder_start(decoder, key, &lim, err);
	if (!dec)
		return -1;
	if (img_decoder_send(dec, path, err) == 0)
		rc = img_decoder_finish(dec, seg, err);
	img_decoder_destroy(dec);
	return rc;
}

SDL_Surface *tu_attach_image(const char *key, struct err *err)
{
	SDL_Surface *surf;
	struct seg seg;

	if (share_attach(key, SEG_DEFAULT_MAX_BYTES, &seg, NULL, err) < 0)
		return NULL;
	surf = img_from_segment(&seg, err);
	seg_finish(&seg);
	return surf;
}
