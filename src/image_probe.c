/* image_probe.c - an image's dimensions from its header, before decoding.
 *
 * IMG_LoadTyped_RW() in SDL_image 2.6.3 walks a fixed list of formats and
 * hands the stream to the first whose IMG_isXXX() accepts it; if that
 * decoder fails there is no second try. The table at the bottom repeats
 * that list and each detector accepts what SDL_image's does, so the header
 * read here is the one the decoder will read. Each reader returns the size
 * the decoder passes to SDL_CreateRGBSurface(), quirks included (an IFF
 * width rounded up to 16, PCX bounds as signed 16-bit numbers, ICO and
 * TIFF offsets taken from the start of the stream, as SDL_image seeks).
 * Where a decoder gives up on a header before allocating, the reader says
 * why, so the user sees a reason rather than "decoding failed".
 *
 * Numbers from the file are widened to 64 bits before any arithmetic and
 * range-checked before they are narrowed; every scan is bounded (SCAN_MAX,
 * TEXT_MAX, MARKERS_MAX) and nothing is allocated: the probe costs the same
 * for a 30000 x 30000 claim as for a 1 x 1 image.
 */
#include "image_probe.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Farthest from the start of the file a frame header may lie. Real files
 * keep it within a few hundred KiB (EXIF, ICC profiles, GIF comments); the
 * bound only stops a crafted file from keeping the probe busy. */
#define SCAN_MAX	(16ll << 20)
/* Header text (PNM numbers and comments, XPM preamble, XV comments). */
#define TEXT_MAX	(64ll << 10)
/* JPEG markers before the frame header, IFF chunks before the BODY. */
#define MARKERS_MAX	4096
/* IMG_isSVG() looks for "<svg" in the first 4095 bytes. */
#define HEAD_MAX	4095
/* Longest line the XV reader takes, without its newline. */
#define XV_LINE_MAX	1023

/* A small read-ahead over the stream. Offsets are stream offsets (what
 * SDL_RWtell() says), not offsets from the start of the image. */
struct rd {
	SDL_RWops *rw;
	Sint64 base;		/* where the image starts */
	Sint64 pos;		/* stream offset of buf[0] */
	size_t len;		/* bytes valid in buf */
	size_t at;		/* next byte of buf to hand out */
	uint8_t buf[1024];
};

struct probe {
	struct rd rd;
	struct err *err;
	const char *name;	/* of the format, for messages */
	uint32_t width;
	uint32_t height;
	size_t head_len;
	uint8_t head[HEAD_MAX + 1];	/* first bytes, NUL-terminated */
};

struct format {
	const char *name;
	bool (*is)(struct probe *p);
	enum probe_result (*read)(struct probe *p);
};

static bool rd_seek(struct rd *r, Sint64 off)
{
	/* Offsets come from the file; keep the sums below INT64_MAX. */
	if (off < 0 || off > INT64_MAX / 4)
		return false;
	if (off >= r->pos && off <= r->pos + (Sint64)r->len) {
		r->at = (size_t)(off - r->pos);
		return true;
	}
	r->pos = off;
	r->len = 0;
	r->at = 0;
	return true;
}

/* Relative to the start of the image. */
static bool rd_at(struct rd *r, Sint64 off)
{
	return off >= 0 && off <= INT64_MAX / 4 && rd_seek(r, r->base + off);
}

static Sint64 rd_tell(const struct rd *r)
{
	return r->pos + (Sint64)r->at;
}

/* Bytes read past the start of the image. */
static Sint64 rd_used(const struct rd *r)
{
	return rd_tell(r) - r->base;
}

static bool rd_fill(struct rd *r)
{
	Sint64 next = r->pos + (Sint64)r->len;
	size_t n;

	/* A memory stream clamps a seek past its end: a position other than
	 * the one asked for is the end of the data. */
	if (SDL_RWseek(r->rw, next, RW_SEEK_SET) != next)
		return false;
	n = SDL_RWread(r->rw, r->buf, 1, sizeof(r->buf));
	r->pos = next;
	r->len = n;
	r->at = 0;
	return n > 0;
}

/* The next byte, or -1 at the end of the data. */
static int rd_byte(struct rd *r)
{
	if (r->at == r->len && !rd_fill(r))
		return -1;
	return r->buf[r->at++];
}

/* Up to n bytes; returns how many there were. */
static size_t rd_some(struct rd *r, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t got = 0;

	while (got < n) {
		size_t k;

		if (r->at == r->len && !rd_fill(r))
			break;
		k = r->len - r->at;
		if (k > n - got)
			k = n - got;
		memcpy(d + got, r->buf + r->at, k);
		r->at += k;
		got += k;
	}
	return got;
}

/* Exactly n bytes, or false. */
static bool rd_read(struct rd *r, void *dst, size_t n)
{
	return rd_some(r, dst, n) == n;
}

static bool rd_skip(struct rd *r, uint64_t n)
{
	if (n > (uint64_t)(INT64_MAX / 4))
		return false;
	return rd_seek(r, rd_tell(r) + (Sint64)n);
}

static uint32_t le16(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8;
}

static uint32_t le24(const uint8_t *b)
{
	return le16(b) | (uint32_t)b[2] << 16;
}

static uint32_t le32(const uint8_t *b)
{
	return le24(b) | (uint32_t)b[3] << 24;
}

static uint32_t be16(const uint8_t *b)
{
	return (uint32_t)b[0] << 8 | (uint32_t)b[1];
}

static uint32_t be32(const uint8_t *b)
{
	return be16(b) << 16 | be16(b + 2);
}

/* Two's complement without relying on implementation-defined casts. */
static int64_t s16(uint32_t v)
{
	return v & 0x8000 ? (int64_t)v - 0x10000 : (int64_t)v;
}

static int64_t s32(uint32_t v)
{
	return v & 0x80000000u ? (int64_t)v - 0x100000000ll : (int64_t)v;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	       c == '\f' || c == '\r';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static enum probe_result bad(struct probe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum probe_result bad(struct probe *p, const char *fmt, ...)
{
	char why[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (p->err)
		err_set(p->err, "%s: %s", p->name, why);
	return PROBE_BAD;
}

static enum probe_result truncated(struct probe *p)
{
	return bad(p, "header truncated");
}

/* The size the decoder would allocate. SDL surfaces have int dimensions:
 * anything wider cannot be decoded, and an empty image cannot be shown. */
static enum probe_result found(struct probe *p, uint64_t w, uint64_t h)
{
	if (w == 0 || h == 0)
		return bad(p, "image has no pixels (%llux%llu)",
			   (unsigned long long)w, (unsigned long long)h);
	if (w > INT32_MAX || h > INT32_MAX)
		return bad(p, "%llux%llu is larger than any image SDL can hold",
			   (unsigned long long)w, (unsigned long long)h);
	p->width = (uint32_t)w;
	p->height = (uint32_t)h;
	return PROBE_OK;
}

/* --- ICO and CUR (IMG_bmp.c) --- */

static bool is_icocur(const struct probe *p, uint32_t type)
{
	return p->head_len >= 6 && le16(p->head) == 0 &&
	       le16(p->head + 2) == type && le16(p->head + 4) != 0;
}

static bool is_cur(struct probe *p)
{
	return is_icocur(p, 2);
}

static bool is_ico(struct probe *p)
{
	return is_icocur(p, 1);
}

static enum probe_result read_ico(struct probe *p)
{
	uint32_t count = le16(p->head + 4);
	uint32_t max_colours = 0;
	uint32_t offset = 0;
	uint8_t bi[20];
	int64_t w, h;
	uint32_t bits;

	if (!rd_at(&p->rd, 6))
		return truncated(p);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t e[16];
		uint32_t colours;

		if (!rd_read(&p->rd, e, sizeof(e)))
			return bad(p, "icon directory truncated");
		colours = e[2] ? e[2] : 256;
		/* SDL_image decodes the first entry with the most colours
		 * (0 counting as 256), whatever the sizes; measuring another
		 * entry would measure a bitmap that is not decoded. */
		if (colours > max_colours) {
			max_colours = colours;
			offset = le32(e + 12);
		}
	}
	/* SDL_image seeks to the entry's offset from the start of the
	 * stream, not of the image. */
	if (!rd_seek(&p->rd, offset) || !rd_read(&p->rd, bi, sizeof(bi)))
		return bad(p, "icon bitmap header truncated");
	if (le32(bi) != 40)
		return bad(p, "icon bitmap header of %u bytes is not supported"
			   " (PNG-compressed icons are not)", le32(bi));
	w = s32(le32(bi + 4));
	h = s32(le32(bi + 8));
	bits = le16(bi + 14);
	if (le32(bi + 16) != 0)
		return bad(p, "compressed icons are not supported");
	if (bits != 1 && bits != 4 && bits != 8 && bits != 24 && bits != 32)
		return bad(p, "%u bits per pixel is not supported", bits);
	if (w < 0 || w > 0xffffff || h < 0 || h > 0xffffff)
		return bad(p, "bad dimensions (%lldx%lld)", (long long)w,
			   (long long)h);
	/* The height counts the AND mask too. */
	return found(p, (uint64_t)w, (uint64_t)h >> 1);
}

/* --- BMP (SDL_LoadBMP_RW in SDL 2.26) --- */

static bool is_bmp(struct probe *p)
{
	return p->head_len >= 2 && memcmp(p->head, "BM", 2) == 0;
}

static enum probe_result read_bmp(struct probe *p)
{
	uint8_t h[26];
	uint32_t size;
	int64_t w, ht;

	if (!rd_read(&p->rd, h, 22))
		return truncated(p);
	size = le32(h + 14);
	if (size == 12)		/* OS/2 BITMAPCOREHEADER: unsigned 16-bit */
		return found(p, le16(h + 18), le16(h + 20));
	if (size < 40)
		return bad(p, "bitmap header of %u bytes is not supported",
			   size);
	if (!rd_read(&p->rd, h + 22, 4))
		return truncated(p);
	w = s32(le32(h + 18));
	ht = s32(le32(h + 22));
	/* A negative height is a top-down bitmap; SDL negates it, which
	 * INT32_MIN does not survive. */
	if (w <= 0 || ht == 0 || ht == INT32_MIN)
		return bad(p, "bad dimensions (%lldx%lld)", (long long)w,
			   (long long)ht);
	return found(p, (uint64_t)w, (uint64_t)(ht < 0 ? -ht : ht));
}

/* --- GIF (IMG_gif.c) --- */

static bool is_gif(struct probe *p)
{
	return p->head_len >= 6 && (memcmp(p->head, "GIF87a", 6) == 0 ||
				    memcmp(p->head, "GIF89a", 6) == 0);
}

static enum probe_result read_gif(struct probe *p)
{
	uint8_t s[13];
	uint32_t screen_w, screen_h;

	if (!rd_read(&p->rd, s, sizeof(s)))
		return truncated(p);
	screen_w = le16(s + 6);
	screen_h = le16(s + 8);
	if ((s[10] & 0x80) && !rd_skip(&p->rd, 3u * (2u << (s[10] & 7))))
		return truncated(p);

	for (;;) {
		uint8_t d[9];
		uint32_t w, h;
		int c;

		if (rd_used(&p->rd) > SCAN_MAX)
			return bad(p, "no image in the first %lld MiB",
				   SCAN_MAX >> 20);
		c = rd_byte(&p->rd);
		if (c < 0)
			return bad(p, "file ends before its first image");
		if (c == ';')
			return bad(p, "file has no image");
		if (c == '!') {
			/* Extension: a label, then sub-blocks up to an
			 * empty one. */
			if (rd_byte(&p->rd) < 0)
				return truncated(p);
			while ((c = rd_byte(&p->rd)) > 0) {
				if (rd_used(&p->rd) > SCAN_MAX)
					return bad(p, "extension too long");
				rd_skip(&p->rd, (uint64_t)c);
			}
			if (c < 0)
				return bad(p, "file ends inside an extension");
			continue;
		}
		if (c != ',')	/* SDL_image steps over stray bytes too */
			continue;

		if (!rd_read(&p->rd, d, sizeof(d)))
			return bad(p, "image descriptor truncated");
		w = le16(d + 4);
		h = le16(d + 6);
		if ((d[8] & 0x80) &&
		    !rd_skip(&p->rd, 3u * (1u << ((d[8] & 7) + 1))))
			return truncated(p);
		c = rd_byte(&p->rd);
		if (c < 0)
			return bad(p, "image descriptor truncated");
		/* SDL_image skips a frame it cannot decode (code size over
		 * 12, or no pixels) and goes on scanning from inside that
		 * frame's data, where any byte may pass for the next
		 * descriptor. Rather than guess what it would find there,
		 * refuse the file. */
		if (c > 12)
			return bad(p, "first image has LZW code size %d"
				   " (at most 12)", c);
		if (w == 0 || h == 0)
			return bad(p, "first image is empty (%ux%u)", w, h);
		/* SDL_image 2.6 allocates the first frame; an animation
		 * player composes frames on the logical screen. Report the
		 * larger of the two on each axis so the limit holds for
		 * both ways of decoding. */
		return found(p, w > screen_w ? w : screen_w,
			     h > screen_h ? h : screen_h);
	}
}

/* --- JPEG (IMG_jpg.c, libjpeg-turbo's jdmarker.c) --- */

static bool is_jpg(struct probe *p)
{
	return p->head_len >= 2 && p->head[0] == 0xff && p->head[1] == 0xd8;
}

static bool jpg_is_sof(int m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static enum probe_result read_jpg(struct probe *p)
{
	if (!rd_skip(&p->rd, 2))
		return truncated(p);
	for (int n = 0; n < MARKERS_MAX; n++) {
		uint8_t b[7];
		uint32_t len;
		int c;

		if (rd_used(&p->rd) > SCAN_MAX)
			break;
		c = rd_byte(&p->rd);
		if (c < 0)
			return bad(p, "file ends before the frame header");
		/* IMG_isJPG() refuses anything but a marker here, although
		 * libjpeg would skip it with a warning. */
		if (c != 0xff)
			return bad(p, "expected a marker at offset %lld, "
				   "found 0x%02x",
				   (long long)rd_used(&p->rd) - 1, c);
		do
			c = rd_byte(&p->rd);	/* fill bytes */
		while (c == 0xff);
		if (c < 0)
			return bad(p, "file ends before the frame header");

		if (jpg_is_sof(c)) {
			/* length, precision, height, width */
			if (!rd_read(&p->rd, b, 7))
				return bad(p, "frame header truncated");
			if (be16(b) < 8)
				return bad(p, "frame header too short (%u)",
					   be16(b));
			/* A zero height means "given by a DNL marker",
			 * which libjpeg does not support; found() refuses
			 * it as an empty image. */
			return found(p, be16(b + 5), be16(b + 3));
		}
		switch (c) {
		case 0x01:			/* TEM */
		case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		case 0xd4: case 0xd5: case 0xd6: case 0xd7:	/* RSTn */
			continue;
		case 0xd8:
			return bad(p, "second start-of-image marker");
		case 0xd9:
			return bad(p, "image ends before its frame header");
		case 0xda:
			return bad(p, "scan data before the frame header");
		case 0xc4: case 0xcc: case 0xdb: case 0xdc: case 0xdd:
		case 0xfe:
			break;
		default:
			if (c >= 0xe0 && c <= 0xef)	/* APPn */
				break;
			return bad(p, "unsupported marker 0xff%02x", c);
		}
		if (!rd_read(&p->rd, b, 2))
			return bad(p, "file ends before the frame header");
		len = be16(b);
		if (len < 2)
			return bad(p, "marker 0xff%02x has length %u", c, len);
		rd_skip(&p->rd, len - 2);
	}
	return bad(p, "no frame header in the first %d markers or %lld MiB",
		   MARKERS_MAX, SCAN_MAX >> 20);
}

/* --- IFF ILBM and PBM (IMG_lbm.c) --- */

static bool is_lbm(struct probe *p)
{
	return p->head_len >= 12 && memcmp(p->head, "FORM", 4) == 0 &&
	       (memcmp(p->head + 8, "PBM ", 4) == 0 ||
		memcmp(p->head + 8, "ILBM", 4) == 0);
}

static enum probe_result read_lbm(struct probe *p)
{
	bool have_bmhd = false;
	uint32_t w = 0, h = 0;

	if (!rd_at(&p->rd, 12))
		return truncated(p);
	for (int n = 0;; n++) {
		uint8_t c[8], bmhd[20];
		uint64_t size, loaded = 0;

		if (n >= MARKERS_MAX || rd_used(&p->rd) > SCAN_MAX)
			return bad(p, "no BODY chunk among the first %d",
				   MARKERS_MAX);
		if (!rd_read(&p->rd, c, sizeof(c)))
			return bad(p, "file ends before its BODY chunk");
		if (memcmp(c, "BODY", 4) == 0)
			break;
		size = be32(c + 4);
		if (memcmp(c, "BMHD", 4) == 0) {
			/* SDL_image reads 20 bytes whatever the chunk says,
			 * then loses its place in a shorter one. */
			if (size < sizeof(bmhd))
				return bad(p, "BMHD chunk of %llu bytes is too "
					   "short", (unsigned long long)size);
			if (!rd_read(&p->rd, bmhd, sizeof(bmhd)))
				return truncated(p);
			w = be16(bmhd);
			h = be16(bmhd + 2);
			have_bmhd = true;
			loaded = sizeof(bmhd);
		}
		size += size & 1;	/* chunks are padded to even sizes */
		rd_skip(&p->rd, size - loaded);
	}
	if (!have_bmhd)
		return bad(p, "no BMHD chunk before the BODY");
	/* The decoder rounds the width up to a multiple of 16 pixels. */
	return found(p, ((uint64_t)w + 15) & ~(uint64_t)15, h);
}

/* --- PCX (IMG_pcx.c) --- */

static bool is_pcx(struct probe *p)
{
	/* IMG_isPCX() needs the whole 128-byte header. */
	return p->head_len >= 128 && p->head[0] == 10 && p->head[1] == 5 &&
	       (p->head[2] == 0 || p->head[2] == 1);
}

static enum probe_result read_pcx(struct probe *p)
{
	/* The window is held as signed 16-bit numbers. */
	int64_t w = s16(le16(p->head + 8)) - s16(le16(p->head + 4)) + 1;
	int64_t h = s16(le16(p->head + 10)) - s16(le16(p->head + 6)) + 1;

	if (w <= 0 || h <= 0)
		return bad(p, "bad dimensions (%lldx%lld)", (long long)w,
			   (long long)h);
	return found(p, (uint64_t)w, (uint64_t)h);
}

/* --- PNG (IMG_png.c, libpng) --- */

static bool is_png(struct probe *p)
{
	return p->head_len >= 4 && memcmp(p->head, "\x89PNG", 4) == 0;
}

static uint32_t crc32(const uint8_t *b, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *b++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static enum probe_result read_png(struct probe *p)
{
	/* signature, IHDR length and type, 13 bytes of IHDR, its CRC */
	uint8_t h[33];

	if (!rd_read(&p->rd, h, sizeof(h)))
		return truncated(p);
	if (memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0)
		return bad(p, "signature damaged (was the file converted as "
			   "text?)");
	if (be32(h + 8) != 13 || memcmp(h + 12, "IHDR", 4) != 0)
		return bad(p, "first chunk is not a 13-byte IHDR");
	/* libpng refuses a damaged IHDR before allocating anything; saying
	 * so here names the actual problem. */
	if (crc32(h + 12, 17) != be32(h + 29))
		return bad(p, "IHDR checksum mismatch");
	return found(p, be32(h + 16), be32(h + 20));
}

/* --- PBM, PGM, PPM (IMG_pnm.c) --- */

static bool is_pnm(struct probe *p)
{
	return p->head_len >= 2 && p->head[0] == 'P' &&
	       p->head[1] >= '1' && p->head[1] <= '6';
}

enum { PNM_EOF = -1, PNM_NOT_NUMBER = -2, PNM_TOO_BIG = -3 };

/* The decoder's number reader: whitespace and '#' comments (to the end of
 * the line) before the digits, one byte after them consumed. */
static int64_t pnm_number(struct rd *r)
{
	int64_t v = 0;
	int c;

	do {
		if (rd_used(r) > TEXT_MAX)
			return PNM_TOO_BIG;
		c = rd_byte(r);
		if (c == '#') {
			do {
				if (rd_used(r) > TEXT_MAX)
					return PNM_TOO_BIG;
				c = rd_byte(r);
			} while (c >= 0 && c != '\r' && c != '\n');
		}
		if (c < 0)
			return PNM_EOF;
	} while (is_space(c));
	if (!is_digit(c))
		return PNM_NOT_NUMBER;
	do {
		v = v * 10 + (c - '0');
		if (v > INT32_MAX)
			return PNM_TOO_BIG;
		c = rd_byte(r);
		if (c < 0)
			return PNM_EOF;
	} while (is_digit(c));
	return v;
}

static enum probe_result pnm_fail(struct probe *p, const char *what,
				  int64_t v)
{
	if (v == PNM_EOF)
		return bad(p, "header truncated before the %s", what);
	if (v == PNM_TOO_BIG)
		return bad(p, "%s is too large", what);
	if (v == PNM_NOT_NUMBER)
		return bad(p, "%s is not a number", what);
	return bad(p, "%s %lld is not supported", what, (long long)v);
}

static enum probe_result read_pnm(struct probe *p)
{
	bool bitmap = p->head[1] == '1' || p->head[1] == '4';
	int64_t w, h, maxval;

	if (!rd_skip(&p->rd, 2))
		return truncated(p);
	w = pnm_number(&p->rd);
	if (w < 0)
		return pnm_fail(p, "width", w);
	h = pnm_number(&p->rd);
	if (h < 0)
		return pnm_fail(p, "height", h);
	if (!bitmap) {
		/* SDL_image reads 8-bit samples only. */
		maxval = pnm_number(&p->rd);
		if (maxval <= 0 || maxval > 255)
			return pnm_fail(p, "maximum sample value", maxval);
	}
	return found(p, (uint64_t)w, (uint64_t)h);
}

/* --- SVG (IMG_svg.c): detected, not measured --- */

static bool is_svg(struct probe *p)
{
	/* strstr() stops at the first NUL, as IMG_isSVG()'s does. */
	return strstr((const char *)p->head, "<svg") != NULL;
}

static enum probe_result read_svg(struct probe *p)
{
	/* The raster size comes out of nanosvg after the whole document is
	 * parsed (units, viewBox, or the bounds of the shapes). */
	if (p->err)
		err_set(p->err, "SVG is not accepted: its size is only "
			"known once the whole document is parsed");
	return PROBE_UNKNOWN;
}

/* --- TIFF (IMG_tif.c, libtiff) --- */

static bool is_tif(struct probe *p)
{
	return p->head_len >= 4 &&
	       (memcmp(p->head, "II*\0", 4) == 0 ||
		memcmp(p->head, "MM\0*", 4) == 0);
}

/* One ImageWidth or ImageLength entry: a single unsigned or non-negative
 * number, which is what libtiff accepts for them. */
static enum probe_result tif_value(struct probe *p, const uint8_t *e,
				   bool le, const char *what, uint64_t *out)
{
	uint32_t type = le ? le16(e + 2) : be16(e + 2);
	uint32_t count = le ? le32(e + 4) : be32(e + 4);
	const uint8_t *v = e + 8;	/* values of 4 bytes or less sit here */
	uint32_t u16 = le ? le16(v) : be16(v);
	uint32_t u32 = le ? le32(v) : be32(v);
	int64_t s;

	if (count != 1)
		return bad(p, "%s has %u values", what, count);
	switch (type) {
	case 1:		/* BYTE */
		*out = v[0];
		return PROBE_OK;
	case 3:		/* SHORT */
		*out = u16;
		return PROBE_OK;
	case 4:		/* LONG */
		*out = u32;
		return PROBE_OK;
	case 6:		/* SBYTE */
		s = v[0] & 0x80 ? (int64_t)v[0] - 0x100 : v[0];
		break;
	case 8:		/* SSHORT */
		s = s16(u16);
		break;
	case 9:		/* SLONG */
		s = s32(u32);
		break;
	default:
		return bad(p, "%s has field type %u", what, type);
	}
	if (s < 0)
		return bad(p, "%s is negative", what);
	*out = (uint64_t)s;
	return PROBE_OK;
}

static enum probe_result read_tif(struct probe *p)
{
	bool le = p->head[0] == 'I';
	uint64_t w = 0, h = 0;
	bool have_w = false, have_h = false;
	uint8_t b[8];
	uint32_t ifd, count;

	if (!rd_read(&p->rd, b, sizeof(b)))
		return truncated(p);
	ifd = le ? le32(b + 4) : be32(b + 4);
	if (ifd == 0)
		return bad(p, "no image directory");
	/* libtiff seeks through SDL_RWseek(): the offset counts from the
	 * start of the stream. */
	if (!rd_seek(&p->rd, ifd) || !rd_read(&p->rd, b, 2))
		return bad(p, "image directory truncated");
	count = le ? le16(b) : be16(b);
	for (uint32_t i = 0; i < count && !(have_w && have_h); i++) {
		uint8_t e[12];
		enum probe_result res = PROBE_OK;
		uint32_t tag;

		if (!rd_read(&p->rd, e, sizeof(e)))
			return bad(p, "image directory truncated");
		tag = le ? le16(e) : be16(e);
		/* libtiff ignores later duplicates of a tag. */
		if (tag == 256 && !have_w) {
			res = tif_value(p, e, le, "ImageWidth", &w);
			have_w = true;
		} else if (tag == 257 && !have_h) {
			res = tif_value(p, e, le, "ImageLength", &h);
			have_h = true;
		}
		if (res != PROBE_OK)
			return res;
	}
	if (!have_w || !have_h)
		return bad(p, "image directory lacks %s",
			   have_w ? "ImageLength" : "ImageWidth");
	return found(p, w, h);
}

/* --- XCF (IMG_xcf.c) --- */

static bool is_xcf(struct probe *p)
{
	/* IMG_isXCF() reads 14 bytes and compares 9. */
	return p->head_len >= 14 && memcmp(p->head, "gimp xcf ", 9) == 0;
}

static enum probe_result read_xcf(struct probe *p)
{
	/* 14-byte signature and version, then width and height */
	if (p->head_len < 22)
		return truncated(p);
	return found(p, be32(p->head + 14), be32(p->head + 18));
}

/* --- XPM (IMG_xpm.c) --- */

static bool is_xpm(struct probe *p)
{
	return p->head_len >= 9 && memcmp(p->head, "/* XPM */", 9) == 0;
}

/* One decimal int as SDL_sscanf("%d") takes it, or false. */
static bool xpm_int(const char **s, int64_t *out)
{
	const char *c = *s;
	int64_t v = 0;
	bool neg = false;

	while (is_space((unsigned char)*c))
		c++;
	if (*c == '+' || *c == '-')
		neg = *c++ == '-';
	if (!is_digit((unsigned char)*c))
		return false;
	while (is_digit((unsigned char)*c)) {
		v = v * 10 + (*c++ - '0');
		if (v > INT32_MAX)
			v = (int64_t)INT32_MAX + 1;	/* refused below */
	}
	*out = neg ? -v : v;
	*s = c;
	return true;
}

static enum probe_result read_xpm(struct probe *p)
{
	char line[256];
	size_t n = 0;
	const char *s = line;
	int64_t v[4];	/* width, height, colours, characters per pixel */
	Sint64 size;
	int c;

	/* The decoder takes the first double-quoted string in the file. */
	do {
		if (rd_used(&p->rd) > TEXT_MAX)
			return bad(p, "no values string in the first %lld KiB",
				   TEXT_MAX >> 10);
		c = rd_byte(&p->rd);
		if (c < 0)
			return bad(p, "file ends before its values string");
	} while (c != '"');
	while ((c = rd_byte(&p->rd)) != '"') {
		if (c < 0)
			return bad(p, "values string not terminated");
		if (rd_used(&p->rd) > TEXT_MAX)
			return bad(p, "values string too long");
		if (n < sizeof(line) - 1)
			line[n++] = (char)c;
	}
	line[n] = '\0';
	for (int i = 0; i < 4; i++) {
		if (!xpm_int(&s, &v[i]) || v[i] <= 0 || v[i] > INT32_MAX)
			return bad(p, "values string \"%s\" is invalid", line);
	}
	/* The decoder allocates colours x cpp bytes of keys and width x cpp
	 * bytes per row before reading them; each of those bytes must be
	 * in the file, so a larger claim is a lie (and a cheap bomb that
	 * the pixel limit alone would not catch). */
	size = SDL_RWsize(p->rd.rw);
	if (size >= 0) {
		uint64_t left = size > p->rd.base ?
				(uint64_t)(size - p->rd.base) : 0;

		if ((uint64_t)v[2] * (uint64_t)v[3] > left ||
		    (uint64_t)v[0] * (uint64_t)v[3] > left)
			return bad(p, "values string \"%s\" claims more than "
				   "the file holds", line);
	}
	return found(p, (uint64_t)v[0], (uint64_t)v[1]);
}

/* --- XV thumbnails (IMG_xv.c) --- */

/* One line as the decoder reads it: '\r' dropped, at most XV_LINE_MAX
 * characters before the '\n'. */
static bool xv_line(struct rd *r, char *line)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = rd_byte(r);
		if (c < 0)
			return false;
		if (c == '\r')
			continue;
		if (c == '\n')
			break;
		if (n == XV_LINE_MAX)
			return false;
		line[n++] = (char)c;
	}
	line[n] = '\0';
	return true;
}

static bool is_xv(struct probe *p)
{
	char line[XV_LINE_MAX + 1];

	return xv_line(&p->rd, line) && strncmp(line, "P7 332", 6) == 0;
}

static enum probe_result read_xv(struct probe *p)
{
	char line[XV_LINE_MAX + 1];
	const char *s = line;
	int64_t w, h;

	if (!xv_line(&p->rd, line))
		return truncated(p);
	for (;;) {
		if (rd_used(&p->rd) > TEXT_MAX)
			return bad(p, "no #END_OF_COMMENTS in the first %lld "
				   "KiB", TEXT_MAX >> 10);
		if (!xv_line(&p->rd, line))
			return bad(p, "header ends before #END_OF_COMMENTS");
		if (strncmp(line, "#BUILTIN:", 9) == 0)
			return bad(p, "built-in thumbnail has no pixels");
		if (strncmp(line, "#END_OF_COMMENTS", 16) == 0)
			break;
	}
	if (!xv_line(&p->rd, line))
		return bad(p, "size line missing");
	/* The decoder leaves a size it cannot parse at 0 x 0. */
	if (!xpm_int(&s, &w) || !xpm_int(&s, &h))
		w = h = 0;
	if (w < 0 || h < 0 || w > INT32_MAX || h > INT32_MAX)
		return bad(p, "size line \"%s\" is invalid", line);
	return found(p, (uint64_t)w, (uint64_t)h);
}

/* --- WebP (IMG_webp.c, libwebp) --- */

static bool is_webp(struct probe *p)
{
	const uint8_t *h = p->head;

	return p->head_len >= 20 && memcmp(h, "RIFF", 4) == 0 &&
	       memcmp(h + 8, "WEBPVP8", 7) == 0 &&
	       (h[15] == ' ' || h[15] == 'L' || h[15] == 'X');
}

static enum probe_result read_webp(struct probe *p)
{
	uint32_t size = le32(p->head + 16);
	uint8_t d[10];
	uint32_t bits;

	if (!rd_at(&p->rd, 20))
		return truncated(p);
	switch (p->head[15]) {
	case 'X':
		/* Extended: the canvas size, which WebPGetFeatures()
		 * reports and SDL_image allocates. */
		if (size != 10)
			return bad(p, "VP8X chunk of %u bytes (not 10)", size);
		if (!rd_read(&p->rd, d, 10))
			return truncated(p);
		return found(p, 1 + (uint64_t)le24(d + 4),
			     1 + (uint64_t)le24(d + 7));
	case 'L':
		/* Lossless: signature byte, then 14-bit width - 1, 14-bit
		 * height - 1, alpha bit, 3-bit version. */
		if (!rd_read(&p->rd, d, 5))
			return truncated(p);
		bits = le32(d + 1);
		if (d[0] != 0x2f || bits >> 29 != 0)
			return bad(p, "VP8L header invalid");
		return found(p, 1 + (bits & 0x3fff),
			     1 + ((bits >> 14) & 0x3fff));
	default:
		/* Lossy: 3-byte frame tag, start code, 14-bit sizes (the
		 * top two bits are a scaling hint the decoder ignores). */
		if (!rd_read(&p->rd, d, 10))
			return truncated(p);
		if ((d[0] & 1) != 0)
			return bad(p, "first VP8 frame is not a key frame");
		if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return bad(p, "VP8 start code missing");
		return found(p, le16(d + 6) & 0x3fff, le16(d + 8) & 0x3fff);
	}
}

/* --- QOI (IMG_qoi.c, qoi.h) --- */

static bool is_qoi(struct probe *p)
{
	return p->head_len >= 4 && memcmp(p->head, "qoif", 4) == 0;
}

static enum probe_result read_qoi(struct probe *p)
{
	const uint8_t *h = p->head;

	if (p->head_len < 14)
		return truncated(p);
	if (h[12] < 3 || h[12] > 4 || h[13] > 1)
		return bad(p, "header invalid (%u channels, colour space %u)",
			   h[12], h[13]);
	return found(p, be32(h + 4), be32(h + 8));
}

/* --- TGA (IMG_tga.c), only by extension --- */

static enum probe_result read_tga(struct probe *p)
{
	const uint8_t *h = p->head;
	bool indexed = false;
	uint32_t bits;

	if (p->head_len < 18)
		return truncated(p);
	bits = h[16];
	switch (h[2]) {
	case 1:		/* colour-mapped, raw or RLE */
	case 9:
		if (!h[1] || bits != 8 || le16(h + 5) > 256)
			return bad(p, "colour map not supported");
		indexed = true;
		break;
	case 2:		/* true colour */
	case 10:
		break;
	case 3:		/* grey */
	case 11:
		if (bits != 8)
			return bad(p, "%u-bit grey not supported", bits);
		indexed = true;
		break;
	default:
		/* With no magic number, this is where a file that is not a
		 * TGA at all usually ends up. */
		return bad(p, "image type %u not supported (is it a TGA "
			   "file?)", h[2]);
	}
	if (!(bits == 15 || bits == 16 || bits == 24 || bits == 32 ||
	      (bits == 8 && indexed)))
		return bad(p, "%u bits per pixel not supported", bits);
	if (h[17] & 0xd0)
		return bad(p, "interleaved or right-to-left images not "
			   "supported");
	return found(p, le16(h + 12), le16(h + 14));
}

/* IMG_LoadTyped_RW()'s list in SDL_image 2.6.3, in its order, less the
 * formats this build of it does not decode (AVIF, JXL: their detectors
 * answer no) and TGA (no magic: only by extension). The order matters
 * where detectors overlap: "<svg" in the first 4 KiB of an XPM file makes
 * it an SVG. */
static const struct format formats[] = {
	{ "CUR", is_cur, read_ico },
	{ "ICO", is_ico, read_ico },
	{ "BMP", is_bmp, read_bmp },
	{ "GIF", is_gif, read_gif },
	{ "JPEG", is_jpg, read_jpg },
	{ "LBM", is_lbm, read_lbm },
	{ "PCX", is_pcx, read_pcx },
	{ "PNG", is_png, read_png },
	{ "PNM", is_pnm, read_pnm },
	{ "SVG", is_svg, read_svg },
	{ "TIFF", is_tif, read_tif },
	{ "XCF", is_xcf, read_xcf },
	{ "XPM", is_xpm, read_xpm },
	{ "XV", is_xv, read_xv },
	{ "WebP", is_webp, read_webp },
	{ "QOI", is_qoi, read_qoi },
};

enum probe_result probe_dimensions_hint(SDL_RWops *rw, const char *ext,
					uint32_t *width, uint32_t *height,
					struct err *err)
{
	/* ~5 KiB, on the stack: the probe allocates nothing. */
	struct probe p;
	enum probe_result res = PROBE_UNKNOWN;
	Sint64 start;

	*width = 0;
	*height = 0;
	if (!rw) {
		if (err)
			err_set(err, "no image stream");
		return PROBE_BAD;
	}
	start = SDL_RWtell(rw);
	if (start < 0) {
		if (err)
			err_set(err, "image stream cannot seek: %s",
				SDL_GetError());
		return PROBE_BAD;
	}

	memset(&p, 0, sizeof(p));
	p.rd.rw = rw;
	p.rd.base = start;
	p.rd.pos = start;
	p.err = err;
	p.head_len = rd_some(&p.rd, p.head, HEAD_MAX);
	p.head[p.head_len] = '\0';

	if (ext && SDL_strcasecmp(ext, "tga") == 0) {
		/* SDL_image tries TGA first when told the type, and never
		 * anything else after it. */
		p.name = "TGA";
		res = read_tga(&p);
	} else {
		for (size_t i = 0; i < SDL_arraysize(formats); i++) {
			p.name = formats[i].name;
			rd_at(&p.rd, 0);
			if (!formats[i].is(&p))
				continue;
			rd_at(&p.rd, 0);
			res = formats[i].read(&p);
			break;
		}
		if (res == PROBE_UNKNOWN && p.head_len == 0) {
			if (err)
				err_set(err, "the file is empty");
		} else if (res == PROBE_UNKNOWN && !is_svg(&p) && err) {
			err_set(err, "not an image format SDL_image reads");
		}
	}

	if (SDL_RWseek(rw, start, RW_SEEK_SET) != start) {
		if (err)
			err_set(err, "cannot return to the start of the image:"
				" %s", SDL_GetError());
		return PROBE_BAD;
	}
	if (res == PROBE_OK) {
		*width = p.width;
		*height = p.height;
	}
	return res;
}

enum probe_result probe_dimensions(SDL_RWops *rw, uint32_t *width,
				   uint32_t *height, struct err *err)
{
	return probe_dimensions_hint(rw, NULL, width, height, err);
}

/* Reads up to n bytes at offset off of rw; returns how many it got. */
static size_t read_at(SDL_RWops *rw, Sint64 off, void *dst, size_t n)
{
	if (SDL_RWseek(rw, off, RW_SEEK_SET) != off)
		return 0;
	return SDL_RWread(rw, dst, 1, n);
}

/* A JPEG ends with FF D9. Inside entropy-coded data FF is always followed
 * by 00 or a restart marker, so FF D9 near the end is the real end; some
 * writers append a little data after it, hence the window. */
static bool jpg_truncated(SDL_RWops *rw, Sint64 start, Sint64 size,
			  struct err *err)
{
	uint8_t tail[4096];
	size_t n = size - start < (Sint64)sizeof(tail) ?
			   (size_t)(size - start) : sizeof(tail);
	size_t got = read_at(rw, size - (Sint64)n, tail, n);

	for (size_t i = got; i >= 2; i--)
		if (tail[i - 2] == 0xff && tail[i - 1] == 0xd9)
			return false;
	err_set(err, "JPEG: file truncated (no end-of-image marker)");
	return true;
}

/* A QOI stream ends with seven 0x00 bytes and one 0x01. */
static bool qoi_truncated(SDL_RWops *rw, Sint64 start, Sint64 size,
			  struct err *err)
{
	static const uint8_t end[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t tail[8];

	if (size - start >= 14 + 8 &&
	    read_at(rw, size - 8, tail, 8) == 8 && !memcmp(tail, end, 8))
		return false;
	err_set(err, "QOI: file truncated (no end marker)");
	return true;
}

/* Walks a TGA's pixel data: raw images need width x height pixels after
 * the header, ID and colour map; run-length ones need every packet the
 * pixel count calls for. */
static bool tga_truncated(SDL_RWops *rw, Sint64 start, Sint64 size,
			  struct err *err)
{
	uint8_t h[18], buf[65536];
	uint64_t pixels, bpp, off, have = 0;
	size_t len = 0, at = 0;

	if (read_at(rw, start, h, sizeof(h)) != sizeof(h))
		goto cut;
	bpp = (h[16] + 7u) / 8u;
	pixels = (uint64_t)le16(h + 12) * le16(h + 14);
	off = (uint64_t)start + 18u + h[0];
	if (h[1])
		off += (uint64_t)le16(h + 5) * ((h[7] + 7u) / 8u);
	if (h[2] == 1 || h[2] == 2 || h[2] == 3) {
		if (off + pixels * bpp <= (uint64_t)size)
			return false;
		err_set(err, "TGA: file truncated (%" SDL_PRIu64 " pixel bytes "
			"expected after the header)", (Uint64)(pixels * bpp));
		return true;
	}
	if (h[2] < 9 || h[2] > 11)
		return false;

	if (SDL_RWseek(rw, (Sint64)off, RW_SEEK_SET) != (Sint64)off)
		goto cut;
	while (have < pixels) {
		uint64_t count, skip;

		if (at == len) {
			len = SDL_RWread(rw, buf, 1, sizeof(buf));
			at = 0;
			if (len == 0)
				goto cut;
		}
		count = (buf[at] & 0x7fu) + 1u;
		skip = (buf[at] & 0x80u) ? bpp : count * bpp;
		at++;
		have += count;
		/* Skip the packet's bytes, refilling as needed. */
		while (skip > 0) {
			uint64_t step;

			if (at == len) {
				len = SDL_RWread(rw, buf, 1, sizeof(buf));
				at = 0;
				if (len == 0)
					goto cut;
			}
			step = SDL_min(skip, (uint64_t)(len - at));
			at += (size_t)step;
			skip -= step;
		}
	}
	return false;
cut:
	err_set(err, "TGA: file truncated");
	return true;
}

bool probe_truncated(SDL_RWops *rw, const char *ext, struct err *err)
{
	Sint64 start = SDL_RWtell(rw);
	Sint64 size = SDL_RWsize(rw);
	uint8_t head[4] = { 0 };
	bool cut = false;

	if (start < 0 || size < start)
		return false;
	read_at(rw, start, head, sizeof(head));
	if (ext && SDL_strcasecmp(ext, "tga") == 0)
		cut = tga_truncated(rw, start, size, err);
	else if (head[0] == 0xff && head[1] == 0xd8)
		cut = jpg_truncated(rw, start, size, err);
	else if (!memcmp(head, "qoif", 4))
		cut = qoi_truncated(rw, start, size, err);
	SDL_RWseek(rw, start, RW_SEEK_SET);
	return cut;
}
