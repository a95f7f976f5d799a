/* shmimage - the shared-image library without a window.
 *
 *   shmimage put   [options] FILE         publish, serve until a signal
 *   shmimage get   [options] OUT.png|OUT.bmp  copy the shared image out
 *   shmimage info  [options]              describe the shared segment
 *   shmimage watch [options] [--count N]  one line per image published
 *
 * Exit status: 0 done, 1 runtime error (one line "shmimage: <reason>" on
 * stderr), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "image/decoder.h"
#include "image/export.h"
#include "image/options.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/share.h"

struct options {
	struct img_options img;	/* --key, --max-bytes, --decode-timeout,
				 * --decoder: shared with the window */
	long count;		/* watch: stop after this many; 0 = never */
	bool small;		/* get: PNG for size, not speed */
	const char *arg;
};

/* Options in one column, what they do in the next: a description that
 * wraps goes on under itself. */
static void usage(FILE *out)
{
	char cap[32];

	bytes_format(IMG_MAX_BYTES_CAP, cap, sizeof(cap));
	fprintf(out,
"usage: shmimage put   [--key K] [--max-bytes N] [--decode-timeout S]\n"
"                      [--decoder PATH] FILE\n"
"       shmimage get   [--key K] [--max-bytes N] [--small] OUT.png|OUT.bmp\n"
"       shmimage info  [--key K] [--max-bytes N]\n"
"       shmimage watch [--key K] [--max-bytes N] [--count N]\n"
"\n"
"put    publishes FILE under the key and serves it until SIGINT or SIGTERM\n"
"get    copies the image shared under the key into a PNG or BMP\n"
"info   prints the shared image's size, pitch, bytes and owner\n"
"watch  prints a line for the image shared under the key and for each\n"
"       one published after it, until SIGINT, SIGTERM or N images\n"
"\n"
"  --key K               all: 1 to 64 characters of A-Z a-z 0-9 . _ -\n"
"                        (default %s)\n"
"  --max-bytes N[K|M|G]  all: the largest image accepted, in bytes of\n"
"                        RGBA pixels, at most %s (default 256M)\n"
"  --decode-timeout S    put: stop a decode after S seconds, %d to %d\n"
"                        (default %d)\n"
"  --decoder PATH        put: the decoder helper to run (default:\n"
"                        shm-decode next to this program)\n"
"  --small               get: a smaller PNG, written several times slower\n"
"  --count N             watch: stop after N images (default: never)\n"
"  --help                show this help and exit\n"
"\n"
"Exit status: 0 done, 1 runtime error, 2 usage error.\n",
		NAME_DEFAULT_KEY, cap, IMG_DECODE_TIMEOUT_MIN_S,
		IMG_DECODE_TIMEOUT_MAX_S, IMG_DEFAULT_DECODE_TIMEOUT_MS / 1000);
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

/* SIGINT and SIGTERM as a readable fd, so a command can wait for them
 * and for something else at once. Our own (empty) handlers first: a job
 * started in the background begins with SIGINT ignored, and an ignored
 * signal is discarded even while blocked. Blocked before any thread or
 * helper starts, so only this fd receives them. Returns the fd, or -1. */
static void on_signal(int sig)
{
	(void)sig;
}

static int signals_fd(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Waits up to timeout_ms (-1: for ever) for a signal or for fd (-1:
 * none) to be readable. Returns 1 for the signal, 0 otherwise. */
static int wait_signal_or(int sigfd, int fd, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = fd, .events = POLLIN },
	};

	if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
		return 0;
	return pfd[0].revents ? 1 : 0;
}

/* The line put prints and watch repeats. */
static void print_shared(const struct seg *seg, const char *key, pid_t pid)
{
	printf("shared %" PRIu32 " x %" PRIu32 " (%" PRIu64 " bytes) under "
	       "key %s, pid %d\n", seg->info.width, seg->info.height,
	       seg->info.pixel_bytes, key, (int)pid);
	fflush(stdout);
}

/* The file's open and hand-over, on a thread: open() can block as long
 * as a hung network mount likes, and a signal must still end put. */
struct sender {
	struct img_decoder *dec;
	const char *path;
	int done_fd;		/* an eventfd, written once sent or failed */
	int rc;
	struct err err;
};

static void *send_run(void *arg)
{
	struct sender *s = arg;
	uint64_t one = 1;

	s->rc = img_decoder_send(s->dec, s->path, &s->err);
	if (write(s->done_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
	return NULL;
}

/* img_decoder_send() with SIGINT and SIGTERM heard meanwhile. Returns 0,
 * 1 on a signal (the sender is then left to the process's exit, still
 * blocked), -1 with the reason. */
static int send_or_signal(struct img_decoder *dec, const char *path,
			  int sigfd, struct err *err)
{
	struct sender *s = calloc(1, sizeof(*s));
	pthread_t thread;
	int rc;

	if (!s || (s->done_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		free(s);
		err_errno(err, errno, "cannot start the load");
		return -1;
	}
	s->dec = dec;
	s->path = path;
	if (pthread_create(&thread, NULL, send_run, s) != 0) {
		close(s->done_fd);
		free(s);
		err_set(err, "cannot start the load: no thread");
		return -1;
	}
	while (!wait_signal_or(sigfd, s->done_fd, -1)) {
		struct pollfd p = { .fd = s->done_fd, .events = POLLIN };

		if (poll(&p, 1, 0) > 0)
			break;
	}
	if (wait_signal_or(sigfd, -1, 0)) {
		img_decoder_cancel(dec);
		pthread_detach(thread);
		return 1;
	}
	pthread_join(thread, NULL);
	rc = s->rc;
	if (rc < 0)
		*err = s->err;
	close(s->done_fd);
	free(s);
	return rc;
}

/* Decodes in the helper; a signal meanwhile stops the decode and the
 * command. Returns 0, 1 on a signal, -1 on failure. */
static int decode(const struct options *o, int sigfd, struct seg *seg,
		  struct err *err)
{
	char program[PATH_MAX];
	struct img_decoder *dec;
	int rc = -1;

	seg_init(seg);
	if (o->img.decoder)
		snprintf(program, sizeof(program), "%s", o->img.decoder);
	else if (img_decoder_path(program, sizeof(program), err) < 0)
		return -1;
	dec = img_decoder_start(program, o->img.key, &o->img.lim, err);
	if (!dec)
		return -1;
	rc = send_or_signal(dec, o->arg, sigfd, err);
	/* The sender may sit in open() as long as the file system likes,
	 * in a sleep only SIGKILL ends: exit handlers that stop every
	 * thread (a leak checker's) would wait for it. Nothing is shared
	 * yet and the helper is dead: leave now. */
	if (rc > 0)
		_exit(0);
	if (rc == 0) {
		rc = -1;
		while (!img_decoder_wait(dec, 100))
			if (wait_signal_or(sigfd, -1, 0))
				break;
		if (wait_signal_or(sigfd, -1, 0))
			rc = 1;
		else if (img_decoder_finish(dec, seg, err) == 0)
			rc = 0;
		else
			err_prefix(err, "%s", o->arg);
	}
	img_decoder_destroy(dec);
	return rc;
}

static int cmd_put(const struct options *o)
{
	struct share *share;
	struct seg seg;
	struct err err;
	int sigfd = signals_fd(), rc;

	/* Decode first: a bad file is reported as such whoever holds the
	 * key, and the key is only taken for an image that is ready. */
	rc = decode(o, sigfd, &seg, &err);
	if (rc != 0) {
		close(sigfd);
		return rc > 0 ? 0 : fail(&err);
	}
	share = share_create(o->img.key, &err);
	if (!share || share_publish(share, &seg, &err) < 0) {
		seg_finish(&seg);
		share_destroy(share);
		close(sigfd);
		err_prefix(&err, "Unable to create shared memory segment");
		return fail(&err);
	}
	/* With stdout gone (put | true) the line is lost, not the image:
	 * SIGPIPE is ignored in main, and serving goes on. */
	print_shared(share_segment(share), o->img.key, getpid());
	while (!wait_signal_or(sigfd, -1, -1))
		;
	share_destroy(share);
	close(sigfd);
	return 0;
}

/* Progress of an export on a terminal: nothing during its first second
 * (a quick export stays silent), then "get: 42%" redrawn in place at most
 * every tenth of a second, and the line cleared at the end. */
struct progress {
	int64_t start_ms, last_ms;
	bool shown;
};

static void show_progress(void *ctx, uint32_t done, uint32_t rows)
{
	struct progress *p = ctx;
	int64_t now = clock_ms();

	if (done == rows) {
		if (p->shown)
			fputs("\r\033[K", stderr);
		return;
	}
	if (now - p->start_ms < 1000 || now - p->last_ms < 100)
		return;
	p->last_ms = now;
	p->shown = true;
	fprintf(stderr, "\rget: %u%%", (unsigned)((uint64_t)done * 100 / rows));
}

static int cmd_get(const struct options *o)
{
	struct progress prog = { .start_ms = clock_ms() };
	bool tty = isatty(STDERR_FILENO);
	struct seg seg;
	struct err err;
	int rc;

	if (share_attach(o->img.key, o->img.lim.max_bytes, &seg, NULL, &err) < 0) {
		err_prefix(&err, "Unable to attach to shared memory segment");
		return fail(&err);
	}
	rc = img_export(&seg, o->arg, o->small ? IMG_EXPORT_SMALL : 0,
			tty ? show_progress : NULL, &prog, &err);
	seg_finish(&seg);
	return rc < 0 ? fail(&err) : 0;
}

static int cmd_info(const struct options *o)
{
	struct seg seg;
	struct err err;
	pid_t owner;

	if (share_attach(o->img.key, o->img.lim.max_bytes, &seg, &owner, &err) < 0) {
		err_prefix(&err, "Unable to attach to shared memory segment");
		return fail(&err);
	}
	/* The pid is the kernel's (SO_PEERCRED); the header's is only
	 * what the owner claims. */
	printf("key %s\nwidth %" PRIu32 "\nheight %" PRIu32 "\npitch %" PRIu32
	       "\nbytes %" PRIu64 "\nowner pid %d (claims pid %d)\n", o->img.key,
	       seg.info.width, seg.info.height, seg.info.pitch,
	       seg.info.pixel_bytes, (int)owner, (int)seg.info.claimed_pid);
	seg_finish(&seg);
	return 0;
}

/* A watch's news: attach and print. A segment that fails the checks is
 * reported and skipped; watching goes on. */
struct watching {
	const struct options *o;
	long seen;
};

static bool watch_news(void *ctx, pid_t owner)
{
	struct watching *w = ctx;
	struct seg seg;
	struct err err;

	(void)owner;	/* the attach asks the kernel again */
	if (share_attach(w->o->img.key, w->o->img.lim.max_bytes, &seg, &owner,
			 &err) < 0) {
		err_prefix(&err, "Unable to attach to shared memory segment");
		fail(&err);
		return true;
	}
	print_shared(&seg, w->o->img.key, owner);
	seg_finish(&seg);
	w->seen++;
	return w->o->count == 0 || w->seen < w->o->count;
}

static bool watch_gone(void *ctx, pid_t owner)
{
	(void)ctx;
	(void)owner;
	return true;	/* wait for the next owner */
}

/* The owner will not keep us now: say why once; the watch asks again. */
static bool watch_refused(void *ctx, pid_t owner, const char *reason)
{
	struct watching *w = ctx;

	(void)owner;	/* the reason names it */
	fprintf(stderr, "shmimage: watching key \"%s\": %s\n", w->o->img.key,
		reason);
	return true;
}

static int cmd_watch(const struct options *o)
{
	struct watching w = { .o = o };
	int sigfd = signals_fd();

	share_watch(o->img.key, sigfd, true, &(struct share_watch_events){
		.ctx = &w, .news = watch_news, .gone = watch_gone,
		.refused = watch_refused });
	close(sigfd);
	return 0;
}

/* One option of cmd. Returns -1 to go on, or the exit status. */
static int parse_one(struct options *o, const char *cmd, int c,
		     const char *opt)
{
	bool put = !strcmp(cmd, "put");
	struct err err;
	char *end;

	switch (c) {
	case IMG_OPT_DECODE_TIMEOUT:
	case IMG_OPT_DECODER:
		if (!put)
			return usage_error("%s is for put only",
					   c == IMG_OPT_DECODER ? "--decoder" :
					   "--decode-timeout");
		/* fall through */
	case IMG_OPT_KEY:
	case IMG_OPT_MAX_BYTES:
		if (img_option_parse(&o->img, c, optarg, &err) < 0)
			return usage_error("%s", err.msg);
		return -1;
	case 'c':
		if (strcmp(cmd, "watch"))
			return usage_error("%s is for watch only", "--count");
		o->count = strtol(optarg, &end, 10);
		if (*end || end == optarg ||
		    o->count < 1 || o->count == LONG_MAX)
			return usage_error("invalid --count '%s': a whole "
					   "number of images", optarg);
		return -1;
	case 's':
		if (strcmp(cmd, "get"))
			return usage_error("%s is for get only", "--small");
		o->small = true;
		return -1;
	case 'h':
		usage(stdout);
		return 0;
	default:
		return usage_error("unknown or incomplete option '%s'", opt);
	}
}

/* Parses options after the command. Returns -1 to go on, or the exit
 * status (0 for --help, 2 for a usage error). */
static int parse(struct options *o, const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, IMG_OPT_KEY },
		{ "max-bytes", required_argument, NULL, IMG_OPT_MAX_BYTES },
		{ "decode-timeout", required_argument, NULL,
		  IMG_OPT_DECODE_TIMEOUT },
		{ "decoder", required_argument, NULL, IMG_OPT_DECODER },
		{ "count", required_argument, NULL, 'c' },
		{ "small", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool needs_file = !strcmp(cmd, "put") || !strcmp(cmd, "get");
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
		if ((rc = parse_one(o, cmd, c, argv[optind - 1])) >= 0)
			return rc;
	if (optind < argc)
		o->arg = argv[optind++];
	if (optind < argc || (o->arg && !needs_file))
		return usage_error("unexpected argument '%s'",
				   optind < argc ? argv[optind] : o->arg);
	if (needs_file && !o->arg)
		return usage_error("%s needs a file name", cmd);
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = { .count = 0 };
	const char *cmd;
	int rc;

	img_options_init(&o.img);

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "put") && strcmp(cmd, "get") && strcmp(cmd, "info") &&
	    strcmp(cmd, "watch"))
		return usage_error("unknown command \"%s\"", cmd);
	rc = parse(&o, cmd, argc - 1, argv + 1);
	if (rc >= 0)
		return rc;

	/* A reader of our stdout that goes away must not end put. */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "put"))
		rc = cmd_put(&o);
	else if (!strcmp(cmd, "get"))
		rc = cmd_get(&o);
	else if (!strcmp(cmd, "info"))
		rc = cmd_info(&o);
	else
		rc = cmd_watch(&o);
	return rc;
}
