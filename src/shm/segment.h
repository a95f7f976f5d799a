/* segment.h - one image in a write-sealed memfd: a header, then raw RGBA rows.
 *
 * Layout, contract version 2 (native byte order, fixed offsets; the README
 * has the same table):
 *
 *   0  u32 magic        'S' 'H' 'M' 'I'
 *   4  u16 version      2
 *   6  u16 header_size  offset of the first pixel row: a multiple of 64,
 *                       at least 64 (the owner writes 64)
 *   8  u32 width        1..16384
 *  12  u32 height       1..16384
 *  16  u32 pitch        bytes per row: a multiple of 4, at least width * 4,
 *                       at most 65536
 *  20  u32 format       'R' 'G' 'B' 'A' (SDL_PIXELFORMAT_RGBA32, straight
 *                       alpha)
 *  24  u32 flags        0; a reader refuses bits it does not know
 *  28  i32 owner_pid    the pid the owner claims: informational only
 *  32  u64 pixel_bytes  pitch * height
 *  40  24 bytes         reserved, 0
 *  header_size          height rows of pitch bytes
 *
 * The owner fills a segment completely, drops its writable mapping, then
 * seals it against shrinking, growing and writing (and against new seals)
 * before anyone else can have its fd. So nothing in a segment a reader
 * holds can change: there is no lock and no "being written" state, and no
 * reader can change what another reads.
 *
 * This module knows nothing of sockets or SDL.
 */
#ifndef SHM_SEGMENT_H
#define SHM_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

#define SEG_VERSION 2
#define SEG_HEADER_SIZE 64u	/* what this owner writes; also the minimum */
/* Largest image a program accepts by default, in bytes of RGBA pixels
 * (256 MiB, the limit Qt 6's image reader uses); --max-bytes changes it. */
#define SEG_DEFAULT_MAX_BYTES (256ull << 20)
#define SEG_MAX_DIM 16384u
#define SEG_MAX_PITCH 65536u	/* the widest row: SEG_MAX_DIM pixels */
/* The largest image the contract allows, in bytes of RGBA pixels: no byte
 * limit above it means anything. */
#define SEG_MAX_IMAGE_BYTES ((uint64_t)SEG_MAX_DIM * SEG_MAX_DIM * 4u)

struct seg_header {
	uint8_t magic[4];
	uint16_t version;
	uint16_t header_size;
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	uint8_t format[4];
	uint32_t flags;
	int32_t owner_pid;
	uint64_t pixel_bytes;
	uint8_t reserved[24];
};

/* The validated copy of a header: read once, checked, then the only thing
 * used. */
struct seg_info {
	uint32_t width;
	uint32_t height;
	uint32_t pitch;
	uint16_t header_size;
	pid_t claimed_pid;	/* owner_pid as written: never shown as fact */
	uint64_t pixel_bytes;
	uint64_t total_size;	/* header_size + pixel_bytes */
};

/* One segment. While being written (after seg_create(), before
 * seg_seal()) map is writable and the fd is this process's alone; from
 * seg_seal() or seg_open() on, map is read-only and the content sealed. */
struct seg {
	int fd;			/* memfd, or -1 */
	void *map;		/* MAP_FAILED when not mapped */
	size_t map_size;
	struct seg_info info;	/* trusted: validated, never re-read */
	bool sealed;
};

/* Puts a segment in its released state (fd -1, no mapping). */
void seg_init(struct seg *seg);

/* The one size rule, for owners, readers and the decoder helper alike:
 * 1..SEG_MAX_DIM pixels a side and width * height * 4 bytes of RGBA at
 * most max_bytes (a max_bytes above SEG_MAX_IMAGE_BYTES counts as that).
 * Takes sizes as claimed (64 bits, nothing can wrap). Returns 0, or -1
 * with the one message: "the image is W x H pixels (N as RGBA); the limit
 * is 1 to 16384 pixels a side and M". */
int seg_check_size(uint64_t width, uint64_t height, uint64_t max_bytes,
		   struct err *err);

/* Creates a memfd named "sharedmemory:<key>" sized for a width x height
 * RGBA image, maps it writable and writes the header. Fill the rows
 * through seg_rows(), then seal with seg_seal(); nobody else can see the
 * segment before that. Returns 0, or -1 with the reason in err and seg
 * released. */
int seg_create(struct seg *seg, const char *key, uint32_t width,
	       uint32_t height, struct err *err);

/* The first byte of the first row, writable: only between seg_create()
 * (or seg_fill_open()) and seg_seal(). */
uint8_t *seg_rows(struct seg *seg);

/* Finishes a segment made by seg_create(): drops the writable mapping
 * (F_SEAL_WRITE is refused while one exists), adds F_SEAL_SHRINK,
 * F_SEAL_GROW, F_SEAL_WRITE and F_SEAL_SEAL, and maps the result
 * read-only. Only a sealed segment may be handed to anyone. Returns 0, or
 * -1 with the reason in err and seg released. */
int seg_seal(struct seg *seg, struct err *err);

/* A segment another process fills (the decoder helper), in three steps.
 *
 * seg_alloc() checks width x height with seg_check_size() against
 * max_bytes, creates the memfd ("sharedmemory:<key>") at exactly the size
 * of that image and seals it against shrinking and growing: whoever gets
 * the fd can write pixels, never make the memory larger. Not mapped here.
 * Returns 0, or -1 with the reason and seg released. */
int seg_alloc(struct seg *seg, const char *key, uint32_t width,
	      uint32_t height, uint64_t max_bytes, struct err *err);

/* Allocates a seg_alloc()'d segment's pages now (fallocate), so that the
 * filler's writes find them made; best effort. */
void seg_prefault(const struct seg *seg);

/* The filler's side: takes fd (ownership passes to seg), checks that its
 * size is exactly that of a width x height segment and maps it writable
 * for seg_rows(). Returns 0, or -1 with the reason and seg released
 * (fd closed). */
int seg_fill_open(struct seg *seg, int fd, uint32_t width, uint32_t height,
		  struct err *err);

/* Once every filler is gone (its writable mappings with it), writes the
 * header of a seg_alloc()'d segment itself (whatever the filler put
 * there), adds F_SEAL_WRITE and F_SEAL_SEAL, and opens the result with
 * every check of seg_open(). A mapping that outlives its filler by a
 * moment is waited for, up to half a second. Returns 0 with seg sealed
 * and mapped read-only, or -1 with the reason (a mapping still writable
 * somewhere: EBUSY) and seg released. */
int seg_seal_filled(struct seg *seg, uint64_t max_bytes, struct err *err);

/* Takes an fd received from another process (ownership passes to seg even
 * on failure) and checks, before touching a pixel: it lives on shmem
 * (tmpfs), it is sealed against shrinking, growing and writing, its header
 * follows the layout above, its size is no more than one page beyond what
 * the header describes, and the image passes seg_check_size() with
 * max_bytes. Then maps it read-only. Returns 0, or -1 with the reason in
 * err, the fd closed and seg released. */
int seg_open(struct seg *seg, int fd, uint64_t max_bytes, struct err *err);

/* The first byte of the first row of a sealed segment, read-only. */
const uint8_t *seg_pixels(const struct seg *seg);

/* Copies the image into dst (height rows of dst_pitch >= width * 4
 * bytes; width * 4 of each written). Reads the fd, not the mapping: the
 * kernel copies straight from the segment's pages, and the bytes between
 * rows of a wide pitch are never touched. Returns 0, or -1 with the
 * reason. */
int seg_read(const struct seg *seg, void *dst, size_t dst_pitch,
	     struct err *err);

/* The same for rows y to y + rows - 1 of the image only (the caller
 * keeps within its height). */
int seg_read_rows(const struct seg *seg, uint32_t y, uint32_t rows,
		  void *dst, size_t dst_pitch, struct err *err);

/* Unmaps and closes; safe on a released segment, which it stays. */
void seg_finish(struct seg *seg);

#endif
