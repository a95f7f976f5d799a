/* export.h - a segment out to a PNG or BMP file, streamed.
 *
 * Rows go from the segment to the encoder to the file as they are read:
 * the process holds a row of the image at a time (a band of about a MiB
 * per thread for the default PNG), whatever its size. Each row's
 * width * 4 bytes are read
 * from the sealed fd (pread), not through the mapping, so the tail of a
 * wide pitch is never brought in, and the image's pages never count in
 * this process's memory.
 *
 * PNG is written for speed by default: every row UP-filtered (each byte
 * minus the byte above: cheap, and flat areas become zeros) and the rows
 * deflated in bands on one thread per processor by ISA-L's igzip at
 * level 1 (idat.h), with the PNG chunks written here around the stream.
 * On photo-like data that is several times as fast as zlib, and the file
 * is still smaller than zlib level 1 without a filter would make it.
 * IMG_EXPORT_SMALL asks for libpng at its own defaults (zlib level 6, a
 * filter chosen for each row): smaller, several times slower.
 * BMP is 32-bit BGRA with alpha masks (the BITMAPV4HEADER SDL_SaveBMP
 * writes for an image with alpha), bottom-up.
 *
 * Nothing here knows of SDL.
 */
#ifndef IMAGE_EXPORT_H
#define IMAGE_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "shm/segment.h"

/* PNG for size, not speed. */
#define IMG_EXPORT_SMALL 1u

/* Told how far an export is: rows written of rows. Called at most about
 * a hundred times an export, and once at the end with done == rows. */
typedef void img_export_progress(void *ctx, uint32_t done, uint32_t rows);

/* True when path ends in .png or .bmp (any case): the names export
 * writes. */
bool img_export_name_ok(const char *path);

/* Writes the image of seg to path, PNG or BMP by the extension (any
 * case), creating or truncating the file (mode 0666 before the umask).
 * flags: 0 or IMG_EXPORT_SMALL. progress may be NULL. Returns 0, or -1
 * with the reason (the system's, for the file); a file it could not
 * finish is removed, so a failed export leaves no half image behind. */
int img_export(const struct seg *seg, const char *path, unsigned flags,
	       img_export_progress *progress, void *ctx, struct err *err);

#endif
