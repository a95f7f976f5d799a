/* source.h - the file, as the decoders read it.
 *
 * SDL_image 2.6's PNG reader ignores short reads: on a file whose chunk
 * length runs past its end (libpng's crasher set has dozens), libpng goes
 * on "reading" a 2 GiB chunk of nothing, a few bytes at a time, until the
 * wall-clock bound. So the bytes come through this SDL_RWops of the
 * helper's own, over the fd the parent handed over: it knows where the
 * file ends, and a decoder that keeps asking for bytes past that end is
 * stopped there, whatever its format.
 */
#ifndef DECODE_SOURCE_H
#define DECODE_SOURCE_H

#include <SDL.h>

/* Bytes a decoder may ask for past the end of the file, in all, before
 * it is stopped; each read counts one more. Ample for the look-ahead of
 * every format's signature check and a decoder reading its last blocks;
 * a read loop passes it in a millisecond, and a chunk that claims more
 * than the file holds (libpng allocates it and reads it in one go) at
 * once. */
#define SOURCE_PAST_END_MAX (1u << 20)

/* An SDL_RWops over fd (taken: closed with the RWops) reading with pread
 * at its own position, of the size the file had when opened (lseek: no
 * stat). Once more than SOURCE_PAST_END_MAX bytes were asked for past
 * that size, past_end() is called and must not return. NULL when fd
 * cannot seek or SDL has no memory. */
SDL_RWops *source_open(int fd, void (*past_end)(void));

#endif
