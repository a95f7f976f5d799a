/* export.c - PNG (libpng) and BMP written row by row from the segment. */
#include "image/export.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "common/path.h"

/* PNG by default: the UP filter (each byte minus the one above: cheap,
 * and it turns flat areas into zeros) and zlib's run-length strategy
 * (matches only at distance one, no search), which on photo-like data is
 * faster than level 1 and, after the filter, smaller. See
 * NOTES/README for the figures these were chosen on. */
#ifndef EXPORT_PNG_FILTERS
#define EXPORT_PNG_FILTERS PNG_FILTER_UP
#endif
#ifndef EXPORT_PNG_STRATEGY
#define EXPORT_PNG_STRATEGY Z_RLE
#endif

/* Bytes libpng deflates into before it writes an IDAT chunk: larger
 * chunks, fewer writes, still small. */
#define EXPORT_ZBUF (256u << 10)

/* The stdio buffer between the encoder and the file. */
#define EXPORT_FILE_BUF (256u << 10)

struct out {
	FILE *f;
	img_export_progress *progress;
	void *ctx;
	uint32_t step;		/* rows between two progress calls */
	uint8_t *row;		/* one row, width * 4 bytes */
};

bool img_export_name_ok(const char *path)
{
	const char *ext = path_extension(path);

	return !strcasecmp(ext, "png") || !strcasecmp(ext, "bmp");
}

/* Row y of the image into buf (width * 4 bytes), read from the fd, not
 * the mapping: the kernel copies just those bytes, so a pitch far wider
 * than the row never brings the rest of its pages into this process (a
 * 1 x 16384 image with 64 KiB rows would otherwise cost 64 MiB of RSS).
 * Returns 0, or -1 with errno set (EIO for a short read: the segment is
 * sealed at its checked size, so none is expected). */
static int read_row(const struct seg *seg, uint32_t y, uint8_t *buf)
{
	size_t n = (size_t)seg->info.width * 4, done = 0;
	off_t off = (off_t)(seg->info.header_size +
			    (uint64_t)y * seg->info.pitch);

	while (done < n) {
		ssize_t r = pread(seg->fd, buf + done, n - done,
				  off + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static void tell(const struct out *o, uint32_t done, uint32_t rows)
{
	if (o->progress && (done % o->step == 0 || done == rows))
		o->progress(o->ctx, done, rows);
}

/* libpng's errors end in a longjmp back to write_png, with the text kept
 * for the user. */
static void png_fail(png_structp png, png_const_charp msg)
{
	struct err *err = png_get_error_ptr(png);

	err_set(err, "%s", msg);
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;	/* nothing a user of an export can act on */
}

/* libpng writes through stdio; a short write there is the file's error
 * (ENOSPC, EIO), reported with the system's reason. */
static void png_out(png_structp png, png_bytep data, size_t n)
{
	struct out *o = png_get_io_ptr(png);

	if (fwrite(data, 1, n, o->f) != n)
		png_error(png, strerror(errno ? errno : EIO));
}

static void png_flush_out(png_structp png)
{
	(void)png;	/* the file is flushed once, at the end */
}

static int write_png(const struct seg *seg, struct out *o, unsigned flags,
		     struct err *err)
{
	const struct seg_info *in = &seg->info;
	png_structp png;
	png_infop info = NULL;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, png_fail,
				      png_warn);
	if (!png || !(info = png_create_info_struct(png))) {
		png_destroy_write_struct(&png, &info);
		err_set(err, "out of memory");
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		/* err set by png_fail */
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, o, png_out, png_flush_out);
	png_set_IHDR(png, info, in->width, in->height, 8,
		     PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (!(flags & IMG_EXPORT_SMALL)) {
		png_set_compression_level(png, 1);
		png_set_compression_strategy(png, EXPORT_PNG_STRATEGY);
		png_set_filter(png, PNG_FILTER_TYPE_BASE, EXPORT_PNG_FILTERS);
	}
	png_set_compression_buffer_size(png, EXPORT_ZBUF);
	png_write_info(png, info);
	for (uint32_t y = 0; y < in->height; y++) {
		if (read_row(seg, y, o->row) < 0)
			png_error(png, strerror(errno));
		png_write_row(png, o->row);
		tell(o, y + 1, in->height);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffffu);
	put16(p + 2, v >> 16);
}

/* The file header and a BITMAPV4HEADER with BI_BITFIELDS masks for
 * B, G, R, A bytes, as SDL_SaveBMP writes an image with alpha. */
static void bmp_header(uint8_t h[122], uint32_t w, uint32_t hgt)
{
	uint64_t size = 122 + (uint64_t)w * hgt * 4;

	memset(h, 0, 122);
	h[0] = 'B';
	h[1] = 'M';
	/* At most 16384 * 16384 * 4 + 122 bytes: fits the 32-bit field. */
	put32(h + 2, (uint32_t)size);
	put32(h + 10, 122);		/* offset of the pixels */
	put32(h + 14, 108);		/* BITMAPV4HEADER */
	put32(h + 18, w);
	put32(h + 22, hgt);		/* positive: bottom-up */
	put16(h + 26, 1);		/* planes */
	put16(h + 28, 32);		/* bits per pixel */
	put32(h + 30, 3);		/* BI_BITFIELDS */
	put32(h + 34, (uint32_t)(size - 122));
	put32(h + 38, 2835);		/* 72 dpi */
	put32(h + 42, 2835);
	put32(h + 54, 0x00ff0000u);	/* red */
	put32(h + 58, 0x0000ff00u);	/* green */
	put32(h + 62, 0x000000ffu);	/* blue */
	put32(h + 66, 0xff000000u);	/* alpha */
	memcpy(h + 70, "BGRs", 4);	/* LCS_WINDOWS_COLOR_SPACE */
}

static int write_bmp(const struct seg *seg, struct out *o, struct err *err)
{
	const struct seg_info *in = &seg->info;
	uint8_t head[122], *p = o->row;

	bmp_header(head, in->width, in->height);
	if (fwrite(head, 1, sizeof(head), o->f) != sizeof(head))
		goto fail;
	/* Bottom-up, as every BMP reader expects: the segment is read from
	 * its last row to its first, each row swapped R <-> B in place. */
	for (uint32_t i = 0; i < in->height; i++) {
		if (read_row(seg, in->height - 1 - i, p) < 0)
			goto fail;
		for (uint32_t x = 0; x < in->width; x++) {
			uint8_t r = p[4 * x];

			p[4 * x] = p[4 * x + 2];
			p[4 * x + 2] = r;
		}
		if (fwrite(p, 4, in->width, o->f) != in->width)
			goto fail;
		tell(o, i + 1, in->height);
	}
	return 0;
fail:
	err_set(err, "%s", strerror(errno ? errno : EIO));
	return -1;
}

int img_export(const struct seg *seg, const char *path, unsigned flags,
	       img_export_progress *progress, void *ctx, struct err *err)
{
	struct out o = { .progress = progress, .ctx = ctx };
	bool png = !strcasecmp(path_extension(path), "png");
	int rc;

	if (!img_export_name_ok(path)) {
		err_set(err, "%s: the output name must end in .png or .bmp",
			path);
		return -1;
	}
	o.step = seg->info.height / 100 ? seg->info.height / 100 : 1;
	o.row = malloc((size_t)seg->info.width * 4);
	if (!o.row) {
		err_set(err, "out of memory");
		return -1;
	}
	/* "e": O_CLOEXEC, like every fd of the project. */
	o.f = fopen(path, "wbe");
	if (!o.f) {
		err_errno(err, errno, "cannot write %s", path);
		free(o.row);
		return -1;
	}
	setvbuf(o.f, NULL, _IOFBF, EXPORT_FILE_BUF);
	errno = 0;
	rc = png ? write_png(seg, &o, flags, err) : write_bmp(seg, &o, err);
	if (rc == 0 && fflush(o.f) != 0) {
		err_set(err, "%s", strerror(errno));
		rc = -1;
	}
	if (fclose(o.f) != 0 && rc == 0) {
		err_set(err, "%s", strerror(errno));
		rc = -1;
	}
	free(o.row);
	if (rc < 0) {
		err_prefix(err, "cannot write %s", path);
		unlink(path);
	}
	return rc;
}
