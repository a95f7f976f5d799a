/* export.c - PNG and BMP written from the segment as they are read. */
#include "image/export.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <isa-l/crc.h>

#include "common/path.h"
#include "image/idat.h"

/* What libpng deflates into before it writes an IDAT chunk (--small). */
#define EXPORT_ZBUF (256u << 10)

/* The stdio buffer between the encoder and the file. */
#define EXPORT_FILE_BUF (256u << 10)

struct out {
	FILE *f;
	img_export_progress *progress;
	void *ctx;
	uint32_t step;		/* rows between two progress calls */
	uint8_t *row;		/* one row, width * 4 bytes */
	uint32_t next_tell;	/* rows done at the next call */
	uint8_t chunk[16];	/* IDAT data not yet written, */
	size_t chunk_len;	/* this many bytes */
};

bool img_export_name_ok(const char *path)
{
	const char *ext = path_extension(path);

	return !strcasecmp(ext, "png") || !strcasecmp(ext, "bmp");
}

/* Passes progress on at most every o->step rows, and at the end. */
static void tell(void *ctx, uint32_t done, uint32_t rows)
{
	struct out *o = ctx;

	if (!o->progress || (done < o->next_tell && done != rows))
		return;
	o->next_tell = done + o->step;
	o->progress(o->ctx, done, rows);
}

/* ---- PNG for speed: the container around idat_write() ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* One chunk: length, type, data (the n1 bytes at d1 then the n2 at d2),
 * and the CRC-32 of type and data (ISA-L's: the same CRC as zlib's, a
 * few times as fast). 0, or -1 with errno. */
static int write_chunk(FILE *f, const char *type, const uint8_t *d1,
		       size_t n1, const uint8_t *d2, size_t n2)
{
	uint8_t head[8], tail[4];
	uint32_t crc = crc32_gzip_refl(0, (const uint8_t *)type, 4);

	put_be32(head, (uint32_t)(n1 + n2));
	memcpy(head + 4, type, 4);
	crc = crc32_gzip_refl(crc, d1, n1);
	crc = crc32_gzip_refl(crc, d2, n2);
	put_be32(tail, crc);
	if (fwrite(head, 1, 8, f) != 8 || (n1 && fwrite(d1, 1, n1, f) != n1) ||
	    (n2 && fwrite(d2, 1, n2, f) != n2) || fwrite(tail, 1, 4, f) != 4)
		return -1;
	return 0;
}

/* idat_write's sink: a band (about a MiB) goes out as an IDAT chunk as it
 * is, with whatever smaller parts came before it (the zlib header); the
 * Adler-32 after the last band waits in o->chunk for write_png_fast. */
static int idat_out(void *ctx, const uint8_t *data, size_t n)
{
	struct out *o = ctx;

	if (o->chunk_len + n <= sizeof(o->chunk)) {
		memcpy(o->chunk + o->chunk_len, data, n);
		o->chunk_len += n;
		return 0;
	}
	if (write_chunk(o->f, "IDAT", o->chunk, o->chunk_len, data, n) < 0)
		return -1;
	o->chunk_len = 0;
	return 0;
}

/* 8-bit RGBA, not interlaced: the only kind of PNG the fast path
 * writes. */
static int write_png_fast(const struct seg *seg, struct out *o,
			  struct err *err)
{
	static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G',
					      '\r', '\n', 0x1a, '\n' };
	uint8_t ihdr[13] = { 0 };

	put_be32(ihdr, seg->info.width);
	put_be32(ihdr + 4, seg->info.height);
	ihdr[8] = 8;		/* bits per sample */
	ihdr[9] = 6;		/* colour type: RGB with alpha */
	if (fwrite(signature, 1, sizeof(signature), o->f) != sizeof(signature) ||
	    write_chunk(o->f, "IHDR", ihdr, sizeof(ihdr), NULL, 0) < 0)
		goto fail;
	if (idat_write(seg, idat_out, o, tell, o, err) < 0)
		return -1;
	if ((o->chunk_len && write_chunk(o->f, "IDAT", o->chunk,
					 o->chunk_len, NULL, 0) < 0) ||
	    write_chunk(o->f, "IEND", NULL, 0, NULL, 0) < 0)
		goto fail;
	return 0;
fail:
	err_set(err, "%s", strerror(errno ? errno : EIO));
	return -1;
}

/* ---- PNG for size: libpng ---- */

/* libpng's errors end in a longjmp back to write_png_small, with the
 * text kept for the user. */
static void png_fail(png_structp png, png_const_charp msg)
{
	struct err *err = png_get_error_ptr(png);

	if (msg != err->msg)
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

/* libpng at its own defaults: zlib level 6 and a filter chosen for each
 * row. */
static int write_png_small(const struct seg *seg, struct out *o,
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
	png_set_compression_buffer_size(png, EXPORT_ZBUF);
	png_write_info(png, info);
	for (uint32_t y = 0; y < in->height; y++) {
		if (seg_read_rows(seg, y, 1, o->row, in->width * 4u, err) < 0)
			png_error(png, err->msg);
		png_write_row(png, o->row);
		tell(o, y + 1, in->height);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

/* ---- BMP ---- */

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
		if (seg_read_rows(seg, in->height - 1 - i, 1, p,
				  in->width * 4u, err) < 0)
			return -1;
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
	if (!png)
		rc = write_bmp(seg, &o, err);
	else if (flags & IMG_EXPORT_SMALL)
		rc = write_png_small(seg, &o, err);
	else
		rc = write_png_fast(seg, &o, err);
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
