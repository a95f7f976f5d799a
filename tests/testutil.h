/* testutil.h - real processes, scratch files and pixels, for the tests.
 *
 * The multi-process tests start the real programs (fork + exec), talk to
 * them through pipes and judge what they print, how they exit, how long
 * they take and how much memory they touched. Children started here die
 * with the test (PR_SET_PDEATHSIG), so a failing or timed-out test never
 * leaves an owner serving a key behind it.
 *
 * Nothing here counts checks: every helper returns a status and, where a
 * reason helps, fills a caller's buffer. The test decides what is a
 * failure (check.h keeps one counter per test program).
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "shm/segment.h"

#define TU_OUT_MAX 16384

/* One child process and what it said. */
struct tu_proc {
	pid_t pid;		/* -1 once reaped (or never started) */
	int out_fd;		/* read end of its stdout, or -1 */
	int err_fd;		/* read end of its stderr, or -1 */
	char out[TU_OUT_MAX];	/* everything read from stdout, NUL-ended */
	size_t out_len;
	size_t out_taken;	/* bytes of out already returned as lines */
	char err[TU_OUT_MAX];	/* everything read from stderr, NUL-ended */
	size_t err_len;
	int status;		/* waitpid status, valid once reaped */
	struct rusage ru;	/* its resource use, valid once reaped */
	int64_t start_ms;	/* clock_ms() at spawn */
	int64_t end_ms;		/* clock_ms() when reaped */
};

/* Monotonic milliseconds. */

/* Sleeps ms milliseconds. */
void tu_sleep_ms(int ms);

/* Starts argv (argv[0] is a path, the list ends with NULL) with stdin
 * from /dev/null and stdout/stderr into pipes. env, when not NULL, is a
 * NULL-ended list of "NAME=value" added to the inherited environment.
 * Returns 0, or -1 with errno set (p->pid is then -1). */
int tu_spawn(struct tu_proc *p, char *const argv[], char *const env[]);

/* Waits at most timeout_ms for the next complete line on the child's
 * stdout and copies it without its newline into buf. Returns its length,
 * or -1 on timeout or when stdout closed first. */
int tu_read_line(struct tu_proc *p, int timeout_ms, char *buf, size_t size);

/* Waits at most timeout_ms for the child to exit, collecting its output
 * meanwhile. Returns 0 once reaped; on timeout it kills the child with
 * SIGKILL, reaps it and returns -1. */
int tu_wait(struct tu_proc *p, int timeout_ms);

/* Sends sig, then tu_wait(). */
int tu_stop(struct tu_proc *p, int sig, int timeout_ms);

/* tu_spawn() then tu_wait(). Returns 0 when the child ran and exited
 * within timeout_ms (whatever its status), -1 otherwise. */
int tu_run(struct tu_proc *p, char *const argv[], char *const env[],
	   int timeout_ms);

/* The exit code of a reaped child, or -1 if a signal ended it (or it was
 * not reaped yet). */
int tu_exit_code(const struct tu_proc *p);

/* The signal that ended a reaped child, or 0. */
int tu_term_signal(const struct tu_proc *p);

/* Wall time from spawn to reaping, in ms. */
int64_t tu_elapsed_ms(const struct tu_proc *p);

/* Peak resident memory of a reaped child, in KiB. */
long tu_maxrss_kib(const struct tu_proc *p);

/* Number of lines in the child's stderr (a last line without newline
 * counts). */
int tu_err_lines(const struct tu_proc *p);

/* Kills (SIGKILL) a child still running, reaps it and closes the pipes.
 * Safe on a finished or never-started child. */
void tu_proc_close(struct tu_proc *p);

/* Waits at most timeout_ms for fd to be readable and reads one byte.
 * Returns it (0..255), or -1 on timeout, end of file or error. */
int tu_read_byte(int fd, int timeout_ms);

/* Starts `shmimage put --key key [opts...] file` without waiting for it:
 * shmimage is the program's path, opts NULL or a NULL-ended list of
 * options that go before file (say "--max-bytes", "16K"), env as for
 * tu_spawn(). Returns 0, or -1 with errno set (p->pid is then -1). */
int tu_put_spawn(struct tu_proc *p, const char *shmimage, const char *key,
		 const char *file, const char *const opts[],
		 char *const env[]);

/* Waits at most timeout_ms for the line a started `put` prints once its
 * image is sealed and served ("shared W x H (N bytes) under key K, pid
 * P") and copies it into line (NULL: not kept). Returns 0 when it came.
 * Otherwise returns -1 with put killed (SIGKILL) and reaped, what it
 * printed and how it ended kept in p for the caller's report. */
int tu_put_served(struct tu_proc *p, int timeout_ms, char *line,
		  size_t size);

/* tu_put_spawn() with no options and the inherited environment, then
 * tu_put_served(). Returns 0 once put serves, or -1 (put did not start,
 * or was killed as above). */
int tu_put_start(struct tu_proc *p, const char *shmimage, const char *key,
		 const char *file, int timeout_ms, char *line, size_t size);

/* Forks; the child runs fn(arg) and exits with what it returns (so fn
 * reports through its exit code: 0 for success). The parent waits at
 * most timeout_ms. Returns the child's exit code, 128 + signal if a
 * signal ended it, or -1 on timeout (the child is then killed). */
int tu_fork_run(int (*fn)(void *), void *arg, int timeout_ms);

/* Like fork(), but the child dies with the test (PR_SET_PDEATHSIG).
 * Children must leave with _exit(), never exit(). */
pid_t tu_fork(void);

/* Waits at most timeout_ms for pid; fills *status. Returns 0, or -1 on
 * timeout (the child is then killed with SIGKILL and reaped). */
int tu_waitpid(pid_t pid, int *status, int timeout_ms);

/* One named case of a test program that runs one case per CTest test. */
struct tu_case {
	const char *name;
	void (*run)(void);
};

/* Runs the case called which (NULL: every case), each announced with a
 * "== name" line. Returns 0, or 2 (a usage error) when no case has that
 * name. */
int tu_run_cases(const struct tu_case *cases, size_t n, const char *which);

/* python3 from PATH into buf, or false. Inline, as the bench (which
 * links none of the test helpers) looks for it too. */
static inline bool tu_find_python(char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin");
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/python3", d);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* A test program `PROG SHMIMAGE SOURCE_DIR [CASE]` made of cases. */
struct tu_suite {
	const char *tag;		/* names its temporary folder */
	char *dir;			/* receives that folder's path */
	size_t dir_size;
	const struct tu_case *cases;
	size_t ncases;
	void (*setup)(char **argv);	/* once the usage is right */
	void (*finish)(void);		/* after the cases, or NULL */
};

/* The main of suite: checks the usage, calls setup, makes the temporary
 * folder, runs the case argv[3] names (every case without one), calls
 * finish and quits SDL_image and SDL. Returns -1 once the cases ran (the
 * caller then returns check_done(), which only it can count), or the
 * exit status of a usage error (2), a folder not made (1) or a case
 * that does not exist (2). */
int tu_suite_main(const struct tu_suite *suite, int argc, char **argv);

/* Makes a fresh directory /tmp/<tag>-XXXXXX, removed with everything in
 * it when the test program exits. Returns 0, or -1. */
int tu_tmpdir(const char *tag, char *path, size_t size);

/* Removes path and everything under it. Returns 0, or -1. */
int tu_rmtree(const char *path);

/* Writes len bytes to path (created or truncated). Returns 0, or -1. */
int tu_write_file(const char *path, const void *data, size_t len);

/* Reads a whole file into a malloc'd buffer (NUL appended, not counted
 * in *len). NULL on failure. */
void *tu_read_file(const char *path, size_t *len);

/* True when path exists (any type). */
bool tu_exists(const char *path);

/* True when s begins with prefix. */
bool tu_starts_with(const char *s, const char *prefix);

/* A key no other test running now uses: "t-<tag>-<pid>-<n>". */
void tu_key(char *buf, size_t size, const char *tag);

/* Open file descriptors of this process. */
int tu_fd_count(void);

/* Open file descriptors of process pid (0: this one), -1 if unreadable.
 * A serving thread closes each connection a moment after its reader has
 * the fd, so a single reading may catch one still open: this returns the
 * least of readings taken over about 50 ms. */
int tu_fds_of(pid_t pid);

/* Waits up to timeout_ms for pid's fd count to come down to at most
 * want and returns the last count. A leaked fd never goes back down, so
 * it still shows; a connection being closed does not. */
int tu_fds_down_to(pid_t pid, int want, int timeout_ms);

/* Resident memory of this process, in KiB (/proc/self/statm). */
long tu_rss_kib(void);

/* Bytes this process has allocated with malloc and not freed, in KiB
 * (mallinfo2: every arena, mmapped chunks included). */
long tu_heap_kib(void);

/* Memory mappings of this process (lines of /proc/self/maps). */
int tu_map_count(void);

/* Mappings of memfds (segments) in this process: unlike tu_map_count(),
 * not disturbed by a sanitizer's or valgrind's own allocator. */
int tu_segment_maps(void);

/* True when this program was built with AddressSanitizer, whose shadow
 * memory and quarantine make address-space limits, mapping counts and
 * RSS mean nothing. */
bool tu_under_asan(void);

/* True when this process runs under valgrind, whose allocator maps and
 * unmaps blocks of its own. */
bool tu_under_valgrind(void);

/* Entries in a directory (not counting . and ..), or -1. */
int tu_dir_entries(const char *path);

/* A width x height RGBA32 surface filled from seed with pseudo-random
 * bytes, every alpha value included: any channel or row mix-up shows. */
SDL_Surface *tu_make_image(int width, int height, uint32_t seed);

/* True when a and b have the same size and, once both are converted to
 * RGBA32, the same bytes in every pixel. Otherwise why says how they
 * differ (size, number of pixels, first difference). */
bool tu_same_pixels(SDL_Surface *a, SDL_Surface *b, char *why, size_t size);

/* The pixels of texture t as a new RGBA32 surface: drawn 1:1, without
 * blending, into a target texture of r and read back with
 * SDL_RenderReadPixels (a locked texture is write-only). r's target is
 * restored. NULL with SDL's reason (SDL_GetError()). */
SDL_Surface *tu_texture_pixels(SDL_Renderer *r, SDL_Texture *t);

/* Loads path with SDL_image and compares it with want as above. A PNG
 * must also pass what a decoder that stops at its last row would not
 * check: every chunk's CRC, the image data one zlib stream to its end
 * with the right Adler-32, IEND last. */
bool tu_file_has_pixels(const char *path, SDL_Surface *want, char *why,
			size_t size);

/* The decoder helper that sits next to the program at path (the tests
 * get shmimage's path): "<its folder>/shm-decode", into buf. */
void tu_decoder_path(const char *program, char *buf, size_t size);

/* Decodes the image file path as `shmimage put` does: in the sandboxed
 * helper program decoder (started, sent the file, answered, reaped), for
 * key, images of at most max_bytes. Returns 0 with seg sealed, checked
 * and mapped read-only (publish it with share_publish()), or -1 with the
 * reason in err and seg released. */
int tu_decode(const char *decoder, const char *key, const char *path,
	      uint64_t max_bytes, struct seg *seg, struct err *err);

/* Attaches to key as any reader does (share_attach, default byte limit)
 * and copies the image into a new RGBA32 surface, detaching before it
 * returns. NULL with the reason in err. */
SDL_Surface *tu_attach_image(const char *key, struct err *err);

/* A w x h RGBA32 surface of 1-pixel black and white checks: any
 * blur, shift or stretch of it shows. */
SDL_Surface *tu_make_checks(int w, int h);

/* Pushes a key press and its release for window id, as a keyboard
 * would. */
void tu_push_key(Uint32 window_id, SDL_Keycode sym, SDL_Scancode sc);

/* A file built byte by byte. Starts zeroed ({ 0 }); tu_buf_free()
 * releases it. Appending never fails: when memory runs out the test
 * program exits (a test without its input has nothing to say). */
struct tu_buf {
	uint8_t *b;
	size_t len, cap;
};

void tu_buf_put(struct tu_buf *b, const void *data, size_t n);
void tu_buf_str(struct tu_buf *b, const char *s);	/* without its NUL */
void tu_buf_u8(struct tu_buf *b, unsigned v);
void tu_buf_zeros(struct tu_buf *b, size_t n);
void tu_buf_le16(struct tu_buf *b, uint32_t v);
void tu_buf_le32(struct tu_buf *b, uint32_t v);
void tu_buf_be16(struct tu_buf *b, uint32_t v);
void tu_buf_be32(struct tu_buf *b, uint32_t v);

/* Frees b's bytes and zeroes it, ready to be used again. */
void tu_buf_free(struct tu_buf *b);

/* Appends a PNG chunk: length, type, len bytes of data (may be NULL when
 * len is 0), and the CRC of type and data. */
void tu_png_chunk(struct tu_buf *b, const char *type, const void *data,
		  size_t len);

/* Appends the file and info headers (54 bytes) of a 24-bit BMP of w x h
 * pixels (h < 0: top-down) whose pixel_bytes of pixels the caller
 * appends next. */
void tu_bmp_header(struct tu_buf *b, int32_t w, int32_t h,
		   uint32_t pixel_bytes);

/* Appends a whole PNG claiming w x h RGBA pixels whose only IDAT is a
 * zlib stream of one empty stored block: a few dozen bytes a naive
 * loader answers by allocating w * h * 4. */
void tu_png_bomb(struct tu_buf *b, uint32_t w, uint32_t h);


/* Adler-32 as zlib uses it. */
uint32_t tu_adler32(const void *data, size_t len);

#endif
