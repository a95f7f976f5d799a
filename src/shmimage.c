/* shmimage - the shared-image library without a window.
 *
 *   shmimage put  [--key K] [--max-bytes N] FILE   publish, serve until a signal
 *   shmimage get  [--key K] OUT.png|OUT.bmp        copy the shared image out
 *   shmimage info [--key K]                        describe the shared segment
 *
 * Exit status: 0 done, 1 runtime error (one line "shmimage: <reason>" on
 * stderr), 2 usage error.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/share.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: shmimage put  [--key K] [--max-bytes N] FILE\n"
		"       shmimage get  [--key K] OUT.png|OUT.bmp\n"
		"       shmimage info [--key K]\n"
		"\n"
		"put   publishes FILE under the key and serves it until SIGINT "
		"or SIGTERM\n"
		"get   copies the image shared under the key into a PNG or BMP\n"
		"info  prints the shared image's size, pitch, bytes and owner\n"
		"\n"
		"--key K        1-64 characters of A-Z a-z 0-9 . _ - "
		"(default %s)\n"
		"--max-bytes N  largest image put accepts, in bytes of RGBA "
		"(default %llu)\n",
		NAME_DEFAULT_KEY, (unsigned long long)IMG_DEFAULT_MAX_BYTES);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("shmimage: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(try shmimage --help)\n", stderr);
	return 2;
}

static int fail(const struct err *err)
{
	fprintf(stderr, "shmimage: %s\n", err->msg);
	return 1;
}

/* Handlers of our own, rather than the inherited dispositions: a job
 * started in the background begins with SIGINT ignored, and an ignored
 * signal is discarded even while blocked, so sigwait would never see it. */
static void on_signal(int sig)
{
	(void)sig;
}

static int wait_for_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;
	int sig = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	return sig;
}

/* libpng, under SDL_image, prints "libpng error: ..." on stderr itself
 * before SDL_image reports the failure. The tool promises one line of its
 * own, with that reason in it, so the decoder's stderr goes to /dev/null
 * while it runs. Returns the saved stderr for restore_stderr(), or -1. */
static int quiet_stderr(void)
{
	int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	if (null >= 0)
		close(null);
	return saved;
}

static void restore_stderr(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static int cmd_put(const char *key, const char *path,
		   const struct img_limits *lim)
{
	struct share *share;
	struct img_load load;
	enum img_status status;
	struct seg *seg;
	struct err err;
	sigset_t set;
	int quiet;

	/* Blocked before any thread starts, so every thread inherits the
	 * mask and only sigwait below receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* Decode first: a bad file is reported as such whoever holds the
	 * key, and the key is only taken for an image that is ready. */
	quiet = quiet_stderr();
	status = img_load_file(&load, key, path, lim, &err);
	restore_stderr(quiet);
	if (status != IMG_OK)
		return fail(&err);
	share = share_create(key, &err);
	if (!share) {
		img_load_finish(&load);
		err_prefix(&err, "Unable to create shared memory segment");
		return fail(&err);
	}
	if (img_publish(share, &load, &err) != IMG_OK) {
		share_destroy(share);
		return fail(&err);
	}
	seg = share_segment(share);
	printf("shared %" PRIu32 " x %" PRIu32 " (%" PRIu64 " bytes) under "
	       "key %s, pid %d\n", seg->info.width, seg->info.height,
	       seg->info.pixel_bytes, key, (int)getpid());
	fflush(stdout);

	wait_for_signal();
	share_destroy(share);
	return 0;
}

static int cmd_get(const char *key, const char *out)
{
	SDL_Surface *surf;
	struct err err;
	int rc;

	surf = img_attach(key, &err);
	if (!surf) {
		err_prefix(&err, "Unable to attach to shared memory segment");
		return fail(&err);
	}
	rc = img_save(surf, out, &err);
	SDL_FreeSurface(surf);
	return rc < 0 ? fail(&err) : 0;
}

static int cmd_info(const char *key)
{
	struct seg seg;
	struct err err;
	bool complete;

	if (share_attach(key, &seg, &err) < 0) {
		err_prefix(&err, "Unable to attach to shared memory segment");
		return fail(&err);
	}
	if (seg_lock(&seg, SEG_LOCK_TIMEOUT_MS, &err) < 0) {
		seg_finish(&seg);
		return fail(&err);
	}
	complete = ((const struct seg_header *)seg.map)->state ==
		   SEG_STATE_COMPLETE;
	seg_unlock(&seg);
	printf("key %s\nwidth %" PRIu32 "\nheight %" PRIu32 "\npitch %" PRIu32
	       "\nbytes %" PRIu64 "\nowner_pid %d\nstate %s\n", key,
	       seg.info.width, seg.info.height, seg.info.pitch,
	       seg.info.pixel_bytes, (int)seg.info.owner_pid,
	       complete ? "complete" : "incomplete");
	seg_finish(&seg);
	return 0;
}

/* Parses a byte count with an optional K/M/G suffix (powers of 1024). */
static int parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct img_limits lim = { .max_bytes = IMG_DEFAULT_MAX_BYTES };
	const char *key = NAME_DEFAULT_KEY;
	const char *cmd, *arg = NULL;
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "put") && strcmp(cmd, "get") && strcmp(cmd, "info"))
		return usage_error("unknown command \"%s\"", cmd);

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--key")) {
			if (++i == argc)
				return usage_error("%s needs a value", "--key");
			key = argv[i];
		} else if (!strcmp(argv[i], "--max-bytes") &&
			   !strcmp(cmd, "put")) {
			if (++i == argc)
				return usage_error("%s needs a value",
						   "--max-bytes");
			if (parse_bytes(argv[i], &lim.max_bytes) < 0)
				return usage_error("invalid --max-bytes \"%s\"",
						   argv[i]);
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("unknown option \"%s\"", argv[i]);
		} else if (!arg) {
			arg = argv[i];
		} else {
			return usage_error("unexpected argument \"%s\"",
					   argv[i]);
		}
	}
	if (!name_key_valid(key))
		return usage_error("invalid key \"%s\": use 1 to 64 characters "
				   "of A-Z a-z 0-9 . _ -", key);
	if (!strcmp(cmd, "info")) {
		if (arg)
			return usage_error("info takes no file, got \"%s\"",
					   arg);
		return cmd_info(key);
	}
	if (!arg)
		return usage_error("%s needs a file name", cmd);

	/* SDL_image needs no video: surfaces and decoders only. */
	if (!strcmp(cmd, "put"))
		rc = cmd_put(key, arg, &lim);
	else
		rc = cmd_get(key, arg);
	IMG_Quit();
	SDL_Quit();
	return rc;
}
