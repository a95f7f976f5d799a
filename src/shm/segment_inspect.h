/* segment_inspect.h - what the tests, the fuzzer and the benchmark look at
 * inside src/shm/segment.c; no program needs it.
 */
#ifndef SHM_SEGMENT_INSPECT_H
#define SHM_SEGMENT_INSPECT_H

#include "shm/segment.h"

/* Validates the header at `header` (SEG_HEADER_SIZE bytes readable) of a
 * segment of `size` bytes. Every field is read once into a local; on
 * success the trusted copy is in *info. Returns 0, or -1 naming the field
 * that is wrong (or the size, when the header describes more than it
 * holds or more than one page less). */
int seg_validate(const void *header, uint64_t size, struct seg_info *info,
		 struct err *err);

/* The pitch a segment of this width gets: width * 4 rounded up to 64
 * bytes so every row starts cache-line aligned. */
uint32_t seg_pitch_for(uint32_t width);

#endif
