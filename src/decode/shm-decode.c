/* shm-decode - the one process that runs image decoders.
 *
 * Started by sharedmemory or shmimage with a socket to its parent as fd 3
 * (src/decode/protocol.h). It loads the decoders, enters the sandbox
 * (src/decode/sandbox.h), and only then waits for its one request: the
 * file's extension (TGA has no magic, SDL_image needs the hint) and the
 * file, already opened by the parent. It never opens a path.
 *
 * It tells the parent the image's size (from the header probe, before
 * decoding, where the format has one), gets back a memfd of exactly that
 * size which the parent has sealed against shrinking and growing, writes
 * the rows into it and hands it back; or it answers 'E' and a one-line
 * reason. Then it exits. The parent trusts none of it: it writes the
 * header itself, seals the segment once the helper is gone, and checks it
 * like any other peer's.
 *
 *   shm-decode --key K --max-bytes N [--cpu-limit S] [--try WHAT]
 *
 * --try is for the tests (src/decode/try.h). SHM_DECODE_NO_NAMESPACES=1
 * in the environment skips the namespaces, as a kernel without
 * unprivileged user namespaces would.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes.h"
#include "decode/pixels.h"
#include "decode/probe.h"
#include "decode/protocol.h"
#include "decode/sandbox.h"
#include "decode/source.h"
#include "decode/try.h"
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

struct options {
	const char *key;
	uint64_t max_bytes;
	unsigned cpu_seconds;
	const char *try;
};

struct decode {
	const struct options *o;
	SDL_RWops *rw;
	char ext[DECODE_EXT_MAX + 1];
	int file_fd;		/* owned by rw once it exists */
	bool size_sent;
	struct decode_size size;
	/* The parent's segment, taken on a thread while the decoder runs
	 * (when the probe knew the size). */
	pthread_t early;
	bool early_started;
	int early_rc;
	struct seg early_seg;
	struct err early_err;
};

/* Reads one message of `want` payload bytes starting with tag and
 * exactly one fd. Returns the fd (close-on-exec), or -1. */
static int receive_fd(char tag, char *payload, size_t want)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = payload, .iov_len = want };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(DECODE_CHILD_FD, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = CMSG_FIRSTHDR(&msg);
	if (n < 1 || payload[0] != tag || (msg.msg_flags & MSG_CTRUNC) || !c ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	payload[n < (ssize_t)want ? n : (ssize_t)want - 1] = '\0';
	return fd;
}

/* The request: 'D', the extension, the file. Returns 0, or -1. */
static int receive_request(struct decode *d)
{
	char buf[1 + DECODE_EXT_MAX + 1];

	d->file_fd = receive_fd(DECODE_REQUEST, buf, sizeof(buf));
	if (d->file_fd < 0)
		return -1;
	memcpy(d->ext, buf + 1, sizeof(d->ext));
	d->ext[DECODE_EXT_MAX] = '\0';
	return 0;
}

/* A decoder asking for the file past its end is looping on nothing (or
 * the file is cut): it is stopped here, from inside its read. */
static void stop_past_end(void)
{
	name_send_reason(DECODE_CHILD_FD, "the file ends early (the decoder "
			 "kept reading past its end)");
	_exit(0);
}

static int send_size(struct decode *d, uint32_t w, uint32_t h)
{
	char msg[1 + sizeof(struct decode_size)] = { DECODE_SIZE };

	d->size = (struct decode_size){ .width = w, .height = h };
	memcpy(msg + 1, &d->size, sizeof(d->size));
	d->size_sent = true;
	return send(DECODE_CHILD_FD, msg, sizeof(msg), MSG_NOSIGNAL) ==
	       (ssize_t)sizeof(msg) ? 0 : -1;
}

/* Takes the parent's segment and writes every row of it once while the
 * decoder runs on the other core. The first write to each page of a
 * fresh shared mapping costs several times what later writes do; paid
 * here, it is off the path from the decoded image to the answer. */
static void *take_early(void *arg)
{
	struct decode *d = arg;
	char tag[2];
	int fd = receive_fd(DECODE_SEGMENT, tag, 1);

	d->early_rc = -1;
	if (fd < 0) {
		err_set(&d->early_err, "the parent sent no segment");
		return NULL;
	}
	if (seg_fill_open(&d->early_seg, fd, d->size.width, d->size.height,
			  &d->early_err) < 0)
		return NULL;
	memset(seg_rows(&d->early_seg), 0,
	       (size_t)d->early_seg.info.pitch * d->size.height);
	d->early_rc = 0;
	return NULL;
}

/* The header's size, checked and sent at once, so the parent makes the
 * segment while the decoder runs. A format without a probe is measured
 * by decoding it, bounded by the sandbox's memory limit. */
static int probe(struct decode *d, struct err *err)
{
	uint32_t w, h;

	switch (probe_dimensions_hint(d->rw, d->ext, &w, &h, err)) {
	case PROBE_OK:
		break;
	case PROBE_BAD:
		return -1;
	case PROBE_UNKNOWN:
		return 0;
	}
	/* The parent judges the size (it makes the memory) and refuses it
	 * as one over the limits; this check only keeps the helper from
	 * going on with it. */
	if (seg_check_size(w, h, d->o->max_bytes, err) < 0) {
		(void)send_size(d, w, h);
		return -1;
	}
	if (send_size(d, w, h) < 0) {
		err_errno(err, errno, "cannot reach the parent");
		return -1;
	}
	d->early_started = pthread_create(&d->early, NULL, take_early, d) == 0;
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
				bytes_format(d->o->max_bytes, limit,
					     sizeof(limit)));
		else if (strstr(why, "emory"))
			err_set(err, "decoding needs more than the decoder's "
				"memory limit of %s",
				bytes_format(sandbox_memory_limit(
						     d->o->max_bytes),
					     limit, sizeof(limit)));
		else
			err_set(err, "SDL_image cannot read it: %s",
				*why ? why : "no reason given");
		return NULL;
	}
	SDL_RWseek(d->rw, 0, RW_SEEK_SET);
	if (probe_truncated(d->rw, d->ext, err) ||
	    seg_check_size((uint32_t)surf->w, (uint32_t)surf->h,
			   d->o->max_bytes, err) < 0) {
		SDL_FreeSurface(surf);
		return NULL;
	}
	return surf;
}

/* Sends the size if the probe could not, then takes the parent's segment
 * for it. Returns 0, or -1 with the reason. */
static int take_segment(struct decode *d, const SDL_Surface *surf,
			struct seg *seg, struct err *err)
{
	char tag[2];
	int fd;

	if (!d->size_sent && send_size(d, (uint32_t)surf->w,
				       (uint32_t)surf->h) < 0) {
		err_errno(err, errno, "cannot reach the parent");
		return -1;
	}
	/* The segment is sized for the header's claim: a decoder that
	 * found other dimensions cannot use it. */
	if (d->size.width != (uint32_t)surf->w ||
	    d->size.height != (uint32_t)surf->h) {
		err_set(err, "the file's header says %" PRIu32 " x %" PRIu32
			" pixels, its image is %d x %d", d->size.width,
			d->size.height, surf->w, surf->h);
		return -1;
	}
	if (d->early_started) {
		d->early_started = false;
		pthread_join(d->early, NULL);
		*seg = d->early_seg;
		seg_init(&d->early_seg);
		if (d->early_rc < 0)
			*err = d->early_err;
		return d->early_rc;
	}
	fd = receive_fd(DECODE_SEGMENT, tag, 1);
	if (fd < 0) {
		err_set(err, "the parent sent no segment");
		return -1;
	}
	return seg_fill_open(seg, fd, d->size.width, d->size.height, err);
}

/* Plays a decoder taken over by a file (src/decode/try.h), answers with
 * the outcome, and stays until the parent shuts the socket: whatever the
 * attempt set up has had its chance to fire. The reason is padded to the
 * most the parent reads, so that it stops reading without waiting for an
 * end this process does not give yet. */
static void try_and_exit(const struct decode *d, const struct seg *seg)
{
	char out[NAME_REASON_MAX + 1], padded[NAME_REASON_MAX + 1], c;

	try_attempt(d->o->try, d->file_fd, seg->fd, out, sizeof(out));
	snprintf(padded, sizeof(padded), "%-*s", NAME_REASON_MAX, out);
	name_send_reason(DECODE_CHILD_FD, padded);
	while (read(DECODE_CHILD_FD, &c, 1) > 0)
		;
	_exit(0);
}

/* The whole job: file in, rows written into the parent's segment and
 * handed back. Returns 0, or -1 with the reason. */
static int decode_file(struct decode *d, struct err *err)
{
	SDL_Surface *surf = NULL;
	struct seg seg;
	int rc = -1;

	seg_init(&seg);
	if (probe(d, err) < 0)
		goto out;
	surf = decode_surface(d, err);
	if (!surf || take_segment(d, surf, &seg, err) < 0)
		goto out;
	if (try_known(d->o->try))
		try_and_exit(d, &seg);
	if (pixels_convert(surf, seg_rows(&seg), seg.info.pitch, err) < 0)
		goto out;
	/* No writable mapping left behind: the parent seals against
	 * writing once this process is gone. */
	munmap(seg.map, seg.map_size);
	seg.map = MAP_FAILED;
	if (send(DECODE_CHILD_FD, (char[]){ DECODE_FILLED }, 1,
		 MSG_NOSIGNAL) != 1)
		err_errno(err, errno, "cannot tell the parent");
	else
		rc = 0;
out:
	seg_finish(&seg);
	SDL_FreeSurface(surf);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: shm-decode --key K --max-bytes N "
		"[--cpu-limit S] [--try WHAT]\n"
		"Started by sharedmemory and shmimage, with its parent's "
		"socket as fd 3.\n");
	return 2;
}

/* Returns 0, or -1 on a bad command line. */
static int parse(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "max-bytes", required_argument, NULL, 'b' },
		{ "cpu-limit", required_argument, NULL, 'c' },
		{ "try", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t cpu;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k' && name_key_valid(optarg))
			o->key = optarg;
		else if (c == 'b' && bytes_parse(optarg, &o->max_bytes) == 0)
			;
		else if (c == 'c' && bytes_parse(optarg, &cpu) == 0 &&
			 cpu >= 1 && cpu <= 86400)
			o->cpu_seconds = (unsigned)cpu;
		else if (c == 't')
			o->try = optarg;
		else
			return -1;
	}
	/* No limit above the contract's largest image means anything, and
	 * every product below stays far from 2^64 with it. */
	if (o->max_bytes > SEG_MAX_IMAGE_BYTES)
		o->max_bytes = SEG_MAX_IMAGE_BYTES;
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct options o = { .key = NAME_DEFAULT_KEY,
			     .max_bytes = SEG_DEFAULT_MAX_BYTES,
			     .cpu_seconds = 60, .try = "" };
	struct decode d = { .o = &o, .file_fd = -1 };
	struct sandbox_limits lim = { .max_fds = DECODE_MAX_FDS };
	const char *no_ns = getenv("SHM_DECODE_NO_NAMESPACES");
	struct err err = { "" };
	bool isolated;

	seg_init(&d.early_seg);
	if (parse(argc, argv, &o) < 0 || fcntl(DECODE_CHILD_FD, F_GETFD) < 0)
		return usage();
	alloc_cap = o.max_bytes + 4096;
	SDL_SetMemoryFunctions(capped_malloc, capped_calloc, capped_realloc,
			       free);
	/* A write past RLIMIT_FSIZE then fails (EFBIG) rather than kill. */
	signal(SIGXFSZ, SIG_IGN);
	lim.memory = sandbox_memory_limit(o.max_bytes);
	lim.cpu_seconds = o.cpu_seconds;
	lim.namespaces = !(no_ns && *no_ns);

	/* Everything that loads or initialises code happens before the
	 * sandbox: the decoders are linked in, IMG_Init sets them up. */
	IMG_Init(IMG_INIT_JPG | IMG_INIT_PNG | IMG_INIT_TIF | IMG_INIT_WEBP);
	if (sandbox_enter(&lim, &isolated, &err) < 0) {
		name_send_reason(DECODE_CHILD_FD, err.msg);
		_exit(1);
	}
	if (receive_request(&d) < 0)
		_exit(1);
	d.rw = source_open(d.file_fd, stop_past_end);
	if (!d.rw)
		err_set(&err, "cannot read the file");
	if (!d.rw || decode_file(&d, &err) < 0)
		name_send_reason(DECODE_CHILD_FD, err.msg);
	/* _exit: nothing to flush, and no exit-time handler (a sanitizer's
	 * leak check, say) may run system calls the filter forbids. */
	_exit(0);
}
