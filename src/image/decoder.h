/* decoder.h - image files into segments through the sandboxed decoder.
 *
 * No decoder runs in this process. A file is opened here once, checked to
 * be a regular file, and its fd handed to `shm-decode` (src/decode/),
 * a helper process in a sandbox. The helper says the image's size; this
 * side checks it, makes the segment at exactly that size (sealed against
 * resizing) and hands it over to be filled (src/decode/protocol.h). Once
 * the helper has exited, this side writes the header, seals the segment
 * against writing and checks it like any other peer's before anyone may
 * see it.
 */
#ifndef IMAGE_DECODER_H
#define IMAGE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "shm/segment.h"

/* How long a decode may take before the helper is killed. */
#define IMG_DEFAULT_DECODE_TIMEOUT_MS 20000

struct img_limits {
	uint64_t max_bytes;	/* width * height * 4 must not exceed this */
	int decode_timeout_ms;
};

/* One decoder helper process, started ahead of its one decode. */
struct img_decoder;

/* What kind of failure the last img_decoder_send() or _finish() had, so a
 * program can put a heading that fits above the reason. */
enum img_failure {
	IMG_FAILURE_NONE,
	IMG_FAILURE_OPEN,	/* open() or fstat() of the file failed */
	IMG_FAILURE_FILE,	/* a folder, FIFO, device or empty file */
	IMG_FAILURE_TOO_LARGE,	/* the image's size is over the limits */
	IMG_FAILURE_REFUSED,	/* the helper's own reason: not an image,
				 * cut short... */
	IMG_FAILURE_TIMEOUT,	/* killed at the decode deadline */
	IMG_FAILURE_SANDBOX,	/* killed by its sandbox (SIGSYS) */
	IMG_FAILURE_DECODER,	/* crashed, failed, lingered, or sent a
				 * segment that was refused */
	IMG_FAILURE_CANCELLED,
};

/* Finds `shm-decode` next to the running program. Returns 0, or -1 with
 * the reason. */
int img_decoder_path(char *buf, size_t len, struct err *err);

/* Starts the helper program (a path) for images shared under key. It
 * loads its decoders and enters its sandbox at once, so a decode sent
 * later starts without delay. Returns NULL with the reason. */
struct img_decoder *img_decoder_start(const char *program, const char *key,
				      const struct img_limits *lim,
				      struct err *err);

/* Opens path (once, O_NONBLOCK, so a FIFO cannot hang us), refuses
 * anything but a non-empty regular file, and hands the fd to the helper.
 * The decode's deadline starts now. The open can block as long as the
 * file system likes (a hung network mount): call it from a thread that
 * may wait. Returns 0, or -1 with the reason (the helper is then of no
 * further use). */
int img_decoder_send(struct img_decoder *dec, const char *path,
		     struct err *err);

/* Waits at most timeout_ms for the decode to end (an answer, the helper's
 * death, or the deadline), answering the helper's size message on the way
 * (the segment is made and its pages allocated here, while the helper
 * decodes). Returns true when img_decoder_finish() will not wait on the
 * helper. */
bool img_decoder_wait(struct img_decoder *dec, int timeout_ms);

/* Kills the helper; img_decoder_finish() then reports a cancelled decode.
 * Safe from any thread. */
void img_decoder_cancel(struct img_decoder *dec);

/* Receives the helper's answer (waiting until the deadline at most; the
 * helper is killed when it passes), reaps the helper and checks how it
 * ended, checks that what came back is the segment it was given, then
 * seals it (seg_seal_filled()) with seg_open()'s checks. Returns 0 with
 * seg sealed, validated and mapped read-only; or -1 with the reason
 * ("the decoder crashed (signal 11)", "decoding took longer than 20 s",
 * "the image is ... pixels; the limit is ...", the helper's own
 * reason...) and seg released. */
int img_decoder_finish(struct img_decoder *dec, struct seg *seg,
		       struct err *err);

/* True when the last finish failed because img_decoder_cancel() was
 * called. */
bool img_decoder_cancelled(const struct img_decoder *dec);

/* The kind of the last failure (IMG_FAILURE_NONE after a success). */
enum img_failure img_decoder_failure(const struct img_decoder *dec);

/* Kills the helper if it still runs and reaps it. Accepts NULL. */
void img_decoder_destroy(struct img_decoder *dec);

#endif
