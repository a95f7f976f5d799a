/* shm-decode - the one process that runs image decoders.
 *
 * Started by sharedmemory or shmimage with a socket to its parent as fd 3.
 * It loads the decoders, enters the sandbox (src/sandbox.h), and only then
 * waits for its one request: the byte 'D', the file's extension (TGA has
 * no magic, SDL_image needs the hint) and, with SCM_RIGHTS, the file
 * already opened by the parent. It never opens a path.
 *
 * It answers the way an owner of a key answers a reader (src/shm/name.h):
 * 'F' with a sealed, contract-version-2 segment holding the image, or 'E'
 * and a one-line reason. Then it exits. The parent trusts none of it: it
 * receives and checks the segment like any other peer's.
 *
 *   shm-decode --key K --max-bytes N [--try open|socket|execve]
 *
 * --try is a diagnostic: after entering the sandbox, attempt the named
 * system call, which must kill the process with SIGSYS.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes.h"
#include "decode/protocol.h"
#include "decode/probe.h"
#include "decode/pixels.h"
#include "decode/sandbox.h"
#include "shm/name.h"
#include "shm/segment.h"


/* The largest single allocation SDL may make here. No surface SDL_image
 * makes for an image within the limit is larger than the limit in RGBA
 * (plus a little for row alignment), yet an 8-bit image that claims
 * 30000 x 30000 asks for an 858 MiB surface, which the memory limit
 * alone would grant and SDL would then clear page by page. */
static size_t alloc_cap = SIZE_MAX;
static size_t alloc_refused;	/* the request refused, for the message */

static void *capped_malloc(size_t size)
{
	if (size > alloc_cap) {
		alloc_refused = size;
		return NULL;
	}
	return malloc(size);
}

static void *capped_calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total) || total > alloc_cap) {
		alloc_refused = total;
		return NULL;
	}
	return calloc(n, size);
}

static void *capped_realloc(void *p, size_t size)
{
	if (size > alloc_cap) {
		alloc_refused = size;
		return NULL;
	}
	return realloc(p, size);
}

struct request {
	int file_fd;
	char ext[DECODE_EXT_MAX + 1];
};

/* Reads the one request. Returns 0, or -1 when the parent sent anything
 * but 'D', an extension and exactly one fd (or left). */
static int receive_request(struct request *req)
{
	char buf[1 + DECODE_EXT_MAX];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(DECODE_CHILD_FD, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = CMSG_FIRSTHDR(&msg);
	if (n < 1 || buf[0] != DECODE_REQUEST || (msg.msg_flags & MSG_CTRUNC) || !c ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&req->file_fd, CMSG_DATA(c), sizeof(int));
	memcpy(req->ext, buf + 1, (size_t)n - 1);
	req->ext[n - 1] = '\0';
	return 0;
}

/* Refuses dimensions over the segment's or the byte limit. */
static int check_limits(uint32_t w, uint32_t h, uint64_t max_bytes,
			struct err *err)
{
	uint64_t bytes = (uint64_t)w * h * 4u;
	char need[32], limit[32];

	if (w == 0 || h == 0) {
		err_set(err, "the image has no pixels (%" PRIu32 " x %" PRIu32
			")", w, h);
		return -1;
	}
	if (w > SEG_MAX_DIM || h > SEG_MAX_DIM) {
		err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels; "
			"at most %u x %u can be shared", w, h, SEG_MAX_DIM,
			SEG_MAX_DIM);
		return -1;
	}
	if (bytes > max_bytes) {
		err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels "
			"(%s as RGBA), over the limit of %s", w, h,
			bytes_format(bytes, need, sizeof(need)),
			bytes_format(max_bytes, limit, sizeof(limit)));
		return -1;
	}
	return 0;
}

/* Creating and populating a large memfd costs tens of milliseconds of
 * page allocation; with the size known from the header it runs on a
 * second thread while the decoder works. */
struct create_job {
	const char *key;
	uint32_t width, height;
	struct seg seg;
	struct err err;
};

static void *create_run(void *arg)
{
	struct create_job *job = arg;

	(void)seg_create(&job->seg, job->key, job->width, job->height,
			 &job->err);
	return NULL;
}

struct decode {
	const char *key;
	uint64_t max_bytes;
	SDL_RWops *rw;
	const char *ext;
	struct create_job job;
	pthread_t thread;
	bool threaded;
};

/* The header's size: checked against the limits at once, and the segment
 * started on the side. A format without a probe is measured by decoding
 * it, bounded by the sandbox's memory limit. Returns 0, or -1. */
static int probe(struct decode *d, struct err *err)
{
	switch (probe_dimensions_hint(d->rw, d->ext, &d->job.width,
				      &d->job.height, err)) {
	case PROBE_OK:
		break;
	case PROBE_BAD:
		return -1;
	case PROBE_UNKNOWN:
		return 0;
	}
	if (check_limits(d->job.width, d->job.height, d->max_bytes, err) < 0)
		return -1;
	d->threaded = pthread_create(&d->thread, NULL, create_run,
				     &d->job) == 0;
	return 0;
}

/* Decodes, and refuses what SDL_image accepts but must not be published:
 * a file cut short, an image over the limits. NULL with the reason. */
static SDL_Surface *decode_surface(struct decode *d, struct err *err)
{
	SDL_Surface *surf = IMG_LoadTyped_RW(d->rw, 0, d->ext);
	char need[32], limit[32];

	if (!surf) {
		const char *why = IMG_GetError();

		/* A buffer over the image limit, refused above; or the
		 * sandbox's memory limit reached (SDL_image says "Out of
		 * memory" for both). */
		if (alloc_refused)
			err_set(err, "decoding needs a buffer of %s, over the "
				"limit of %s", bytes_format(alloc_refused, need,
							    sizeof(need)),
				bytes_format(d->max_bytes, limit,
					     sizeof(limit)));
		else if (strstr(why, "emory"))
			err_set(err, "decoding needs more than the decoder's "
				"memory limit of %s",
				bytes_format(sandbox_memory_limit(d->max_bytes),
					     limit, sizeof(limit)));
		else
			err_set(err, "SDL_image cannot read it: %s",
				*why ? why : "no reason given");
		return NULL;
	}
	SDL_RWseek(d->rw, 0, RW_SEEK_SET);
	if (probe_truncated(d->rw, d->ext, err) ||
	    check_limits((uint32_t)surf->w, (uint32_t)surf->h, d->max_bytes,
			 err) < 0) {
		SDL_FreeSurface(surf);
		return NULL;
	}
	return surf;
}

/* The segment for surf: the one made on the side if its size is right,
 * else a new one. Returns 0, or -1. */
static int take_segment(struct decode *d, SDL_Surface *surf, struct seg *seg,
			struct err *err)
{
	if (d->threaded) {
		pthread_join(d->thread, NULL);
		d->threaded = false;
	}
	*seg = d->job.seg;
	seg_init(&d->job.seg);
	if (seg->fd >= 0 && seg->info.width == (uint32_t)surf->w &&
	    seg->info.height == (uint32_t)surf->h)
		return 0;
	/* No probe, or the header lied about the size. */
	seg_finish(seg);
	return seg_create(seg, d->key, (uint32_t)surf->w, (uint32_t)surf->h,
			  err);
}

/* The whole job: file in, sealed segment out. Returns 0, or -1. */
static int decode_file(struct decode *d, struct seg *seg, struct err *err)
{
	SDL_Surface *surf = NULL;
	int rc = -1;

	if (probe(d, err) < 0)
		goto out;
	surf = decode_surface(d, err);
	if (!surf || take_segment(d, surf, seg, err) < 0)
		goto out;
	if (pixels_convert(surf, seg_rows(seg), seg->info.pitch, err) < 0)
		goto out;
	rc = seg_seal(seg, err);
out:
	if (d->threaded)
		pthread_join(d->thread, NULL);
	seg_finish(&d->job.seg);
	SDL_FreeSurface(surf);
	if (rc < 0)
		seg_finish(seg);
	return rc;
}

/* Attempts what the sandbox forbids: the tests' proof that it holds. */
static int try_forbidden(const char *what)
{
	char *argv[] = { "true", NULL };

	if (strcmp(what, "open") == 0)
		return open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (strcmp(what, "socket") == 0)
		return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strcmp(what, "execve") == 0)
		return execve("/bin/true", argv, NULL);
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: shm-decode --key K --max-bytes N "
		"[--try open|socket|execve]\n"
		"Started by sharedmemory and shmimage, with its parent's "
		"socket as fd 3.\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "max-bytes", required_argument, NULL, 'b' },
		{ "try", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct decode d = { .key = NAME_DEFAULT_KEY,
			    .max_bytes = SEG_DEFAULT_MAX_BYTES };
	struct err err = { "" };
	struct request req;
	const char *try = NULL;
	struct seg seg;
	FILE *fp;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k' && name_key_valid(optarg))
			d.key = optarg;
		else if (c == 'b' && bytes_parse(optarg, &d.max_bytes) == 0)
			;
		else if (c == 't')
			try = optarg;
		else
			return usage();
	}
	if (optind != argc || fcntl(DECODE_CHILD_FD, F_GETFD) < 0)
		return usage();
	d.job.key = d.key;
	seg_init(&seg);
	seg_init(&d.job.seg);
	alloc_cap = d.max_bytes + 4096;
	SDL_SetMemoryFunctions(capped_malloc, capped_calloc, capped_realloc,
			       free);

	/* Everything that loads or initialises code happens before the
	 * filter goes on: the decoders are linked in, IMG_Init sets them
	 * up. */
	IMG_Init(IMG_INIT_JPG | IMG_INIT_PNG | IMG_INIT_TIF | IMG_INIT_WEBP);
	if (sandbox_enter(sandbox_memory_limit(d.max_bytes), &err) < 0) {
		name_send_reason(DECODE_CHILD_FD, err.msg);
		_exit(1);
	}
	if (try)
		_exit(try_forbidden(try) < 0 ? 1 : 0);
	if (receive_request(&req) < 0)
		_exit(1);

	d.ext = req.ext;
	fp = fdopen(req.file_fd, "rb");
	d.rw = fp ? SDL_RWFromFP(fp, SDL_TRUE) : NULL;
	if (!d.rw)
		err_set(&err, "cannot read the file");
	if (!d.rw || decode_file(&d, &seg, &err) < 0)
		name_send_reason(DECODE_CHILD_FD, err.msg);
	else if (name_send_fd(DECODE_CHILD_FD, "F", 1, seg.fd) != 0)
		_exit(1);
	/* _exit: nothing to flush, and no exit-time handler (a sanitizer's
	 * leak check, say) may run system calls the filter forbids. */
	_exit(0);
}
