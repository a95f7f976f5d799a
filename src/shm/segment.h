/* segment.h - one image in a sealed memfd: header, robust lock, raw RGBA rows.
 *
 * Layout (native byte order, fixed offsets; the README has the same table):
 *
 *   0  u32 magic        'S' 'H' 'M' 'I'
 *   4  u16 version      1
 *   6  u16 header_size  offset of the first pixel row (multiple of 64, >= 256)
 *   8  u32 width        1..16384
 *  12  u32 height       1..16384
 *  16  u32 pitch        bytes per row, multiple of 4, >= width * 4
 *  20  u32 format       'R' 'G' 'B' 'A' (SDL_PIXELFORMAT_RGBA32, straight alpha)
 *  24  u32 state        0 while being written, 1 once complete
 *  28  i32 owner_pid    pid of the creating process
 *  32  u64 pixel_bytes  pitch * height
 *  64  pthread_mutex_t  PTHREAD_PROCESS_SHARED | PTHREAD_MUTEX_ROBUST (64 bytes)
 *  header_size          height rows of pitch bytes
 *
 * This module knows nothing of sockets or SDL: it creates a segment, opens
 * one from an fd that came from somewhere else, validates, locks and copies.
 */
#ifndef SHM_SEGMENT_H
#define SHM_SEGMENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define SEG_VERSION 1
#define SEG_MIN_HEADER_SIZE 256u
#define SEG_MAX_DIM 16384u
#define SEG_STATE_WRITING 0u
#define SEG_STATE_COMPLETE 1u

/* How long a reader or writer waits for the lock before giving up. */
#define SEG_LOCK_TIMEOUT_MS 2000

struct seg_header {
	uint8_t magic[4];
	uint16_t version;
	uint16_t header_size;
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	uint8_t format[4];
	uint32_t state;
	int32_t owner_pid;
	uint64_t pixel_bytes;
	uint8_t reserved[24];
	union {
		pthread_mutex_t mutex;
		uint8_t bytes[64];
	} lock;
};

/* The validated, trusted copy of a header: read once, checked, then used. */
struct seg_info {
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	uint16_t header_size;
	pid_t owner_pid;
	uint64_t pixel_bytes;
	uint64_t total_size;	/* header_size + pixel_bytes */
};

/* One mapped segment. Owned by whoever holds it: seg_finish() releases it. */
struct seg {
	int fd;			/* memfd, or -1 */
	void *map;		/* MAP_FAILED when not mapped */
	size_t map_size;
	struct seg_info info;	/* trusted: validated, never re-read */
	bool locked;
};

/* Puts a segment in its released state (fd -1, no mapping). */
void seg_init(struct seg *seg);

/* Creates a memfd named "sharedmemory:<key>" sized for a width x height
 * RGBA image, seals its size, maps it, and writes the header with state 0
 * and a fresh robust process-shared lock. The segment is not attachable
 * by anyone yet: only its fd makes it so.
 * Returns 0, or -1 with the reason in err and seg left released. */
int seg_create(struct seg *seg, const char *key, uint32_t width,
	       uint32_t height, struct err *err);

/* Takes an fd received from another process (ownership passes to seg even
 * on failure), checks it is a memfd whose size is sealed, maps it and
 * validates the header. Returns 0, or -1 with the reason in err, the fd
 * closed and seg left released. */
int seg_open(struct seg *seg, int fd, struct err *err);

/* Validates a header of `size` bytes of mapped memory (the whole segment).
 * Every field is read once; on success the trusted copy is in *info.
 * Returns 0, or -1 naming the field that is wrong. */
int seg_validate(const volatile void *mem, uint64_t size, struct seg_info *info,
		 struct err *err);

/* The pitch a segment of this width gets: width * 4 rounded up to 64 bytes
 * so every row starts cache-line aligned. */
uint32_t seg_pitch_for(uint32_t width);

/* Locks with a bound of timeout_ms. A holder that died is recovered (its
 * death is seen through the kernel's robust-futex protocol; the state
 * field says whether it had finished). Only the mutex's lock word is used,
 * never the rest of the pthread_mutex_t, which the other process could
 * have forged. A thread holds at most one segment lock at a time.
 * Returns 0, or -1 on timeout or error. */
int seg_lock(struct seg *seg, int timeout_ms, struct err *err);

/* Unlocks a segment locked by this thread. */
void seg_unlock(struct seg *seg);

/* First byte of the first row. */
uint8_t *seg_pixels(const struct seg *seg);

/* Marks the image complete (call while locked, after the copy). */
void seg_set_complete(struct seg *seg);

/* Locks, checks the image is complete, copies every row into dst (rows of
 * dst_pitch bytes, width * 4 of them written), unlocks. Returns 0, or -1
 * ("image incomplete", lock timed out...). */
int seg_read(struct seg *seg, void *dst, size_t dst_pitch, struct err *err);

/* Unmaps and closes; safe on a released segment. Back to the released
 * state afterwards. */
void seg_finish(struct seg *seg);

#endif
