/* protocol.h - how a program and its decoder helper talk.
 *
 * The parent starts `shm-decode` with one end of a socketpair as fd
 * DECODE_CHILD_FD and arguments --key K --max-bytes N --cpu-limit S.
 * Then, on that socket:
 *
 *   parent -> helper  DECODE_REQUEST, the file name's extension (at most
 *                     DECODE_EXT_MAX bytes, SDL_image's type hint), with
 *                     the file's fd attached.
 *   helper -> parent  DECODE_SIZE and a struct decode_size: the image's
 *                     size, from the header probe before decoding, or
 *                     from the decoded image for a format without one.
 *   parent -> helper  DECODE_SEGMENT with a memfd of exactly that image's
 *                     segment size, sealed against shrinking and growing
 *                     (seg_alloc()); nothing (the socket shut) if the size
 *                     is over the parent's limit.
 *   helper -> parent  DECODE_FILLED, no fd, once every row is written and
 *                     unmapped; or at any point 'E' and a one-line reason
 *                     (src/shm/name.h); then it exits. The segment never
 *                     travels back: the parent holds it already, and an
 *                     fd in flight can be refused (ETOOMANYREFS) when the
 *                     user has more in flight than the helper's
 *                     RLIMIT_NOFILE.
 *
 * The helper never creates memory the parent cannot see: the parent owns
 * the segment's size, writes its header and seals it against writing once
 * the helper has exited, then checks it like any peer's segment.
 */
#ifndef DECODE_PROTOCOL_H
#define DECODE_PROTOCOL_H

#include <stdint.h>

#define DECODE_CHILD_FD 3
#define DECODE_REQUEST 'D'
#define DECODE_EXT_MAX 16
#define DECODE_SIZE 'S'
#define DECODE_SEGMENT 'M'
#define DECODE_FILLED 'K'

/* After DECODE_SIZE, native byte order. */
struct decode_size {
	uint32_t width;
	uint32_t height;
};

/* The fds the helper can need at once: 0-2, the socket, the file, the
 * segment, and a few for the libraries. RLIMIT_NOFILE in its sandbox. */
#define DECODE_MAX_FDS 16

#endif
