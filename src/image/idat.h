/* idat.h - a PNG's image data, filtered and deflated on several threads.
 *
 * What goes into a PNG's IDAT chunks is one zlib stream of the rows, each
 * row a filter-type byte and the filtered pixels. Here every row takes
 * filter 2 (UP: each byte minus the byte above it, modulo 256), and the
 * rows are cut into bands of about a MiB that worker threads deflate at
 * the same time, each band on its own with ISA-L's igzip at level 1 (raw
 * deflate, no zlib wrapper). Every band but the last ends in a sync
 * flush: an empty stored block that ends it on a byte boundary without
 * marking it final, so the bands written one after the other are a
 * single deflate stream (pigz joins its gzip blocks the same way). The
 * zlib header goes before the first band and the Adler-32 of all the
 * filtered bytes after the last, combined from each band's with zlib's
 * adler32_combine().
 *
 * The cost of the bands: a match cannot reach back into the band before,
 * so each band starts compressing a little worse than one stream would.
 * Memory: each worker keeps two rows, one band in and two bands out, so
 * a few MiB whatever the image's size; rows are read from the segment's
 * fd with pread, as the rest of the exporter reads them.
 */
#ifndef IMAGE_IDAT_H
#define IMAGE_IDAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "image/export.h"
#include "shm/segment.h"

/* Receives the zlib stream in order, a part at a time; returns 0, or -1
 * with errno set, which ends the export. */
typedef int idat_sink(void *ctx, const uint8_t *data, size_t n);

/* Streams the image data of seg's image to sink: the zlib header, the
 * bands, the Adler-32. progress (may be NULL) is told rows done after
 * each band. Returns 0, or -1 with the reason in err (a read of the
 * segment that failed, the sink's errno, or no memory or threads). */
int idat_write(const struct seg *seg, idat_sink *sink, void *ctx,
	       img_export_progress *progress, void *pctx, struct err *err);

#endif
