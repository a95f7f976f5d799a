/* image_probe.c - the size of a common image from its header, before
 * decoding. What is probed and why: image_probe.h.
 *
 * Each reader returns the size SDL_image 2.6.3's decoder passes to
 * SDL_CreateRGBSurface(), and where that decoder gives up on a header
 * before allocating, the reader says why. Numbers from the file are
 * widened to 64 bits before any arithmetic and range-checked before they
 * are narrowed; the scans are bounded (SCAN_MAX, STEPS_MAX) and nothing
 * is allocated, so the probe costs the same whatever the file claims.
 */
#include "decode/probe.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/crc32.h"

/* Farthest from the start of the file a frame header may lie. Real files
 * keep it within a few hundred KiB (EXIF, ICC profiles, GIF comments). */
#define SCAN_MAX	(16ll << 20)
/* Reads a scan may make (JPEG markers and fill bytes, GIF blocks). */
#define STEPS_MAX	65536
/* IMG_isSVG() looks for "<svg" in the first 4095 bytes. */
#define HEAD_MAX	4095

struct probe {
	SDL_RWops *rw;
	Sint64 start;		/* stream offset of the image */
	struct err *err;
	const char *name;	/* of the format, for messages */
	uint32_t width;
	uint32_t height;
	size_t head_len;
	uint8_t head[HEAD_MAX + 1];	/* first bytes, NUL-terminated */
};

struct format {
	const char *name;
	bool (*is)(const struct probe *p);
	enum probe_result (*read)(struct probe *p);	/* NULL: not ours */
};

/* Reads up to n bytes at stream offset off; returns how many it got. */
static size_t read_at(SDL_RWops *rw, Sint64 off, void *dst, size_t n)
{
	if (SDL_RWseek(rw, off, RW_SEEK_SET) != off)
		return 0;
	return SDL_RWread(rw, dst, 1, n);
}

/* Exactly n bytes at off from the start of the image, or false; false
 * past SCAN_MAX too, which keeps every offset sum far from overflowing. */
static bool get(const struct probe *p, uint64_t off, void *dst, size_t n)
{
	return off <= (uint64_t)SCAN_MAX &&
	       read_at(p->rw, p->start + (Sint64)off, dst, n) == n;
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

/* Two's complement without relying on an implementation-defined cast. */
static int64_t s32(uint32_t v)
{
	return v & 0x80000000u ? (int64_t)v - 0x100000000ll : (int64_t)v;
}

__attribute__((format(printf, 2, 3)))
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

/* The size the decoder would allocate. SDL surfaces have int dimensions:
 * anything wider cannot be decoded, and an empty image cannot be shown. */
static enum probe_result found(struct probe *p, unsigned long long w,
			       unsigned long long h)
{
	if (w == 0 || h == 0)
		return bad(p, "image has no pixels (%llux%llu)", w, h);
	if (w > INT32_MAX || h > INT32_MAX)
		return bad(p, "%llux%llu is larger than any image SDL can hold",
			   w, h);
	p->width = (uint32_t)w;
	p->height = (uint32_t)h;
	return PROBE_OK;
}

/* --- BMP (SDL_LoadBMP_RW in SDL 2.26) --- */

static bool is_bmp(const struct probe *p)
{
	return p->head_len >= 2 && memcmp(p->head, "BM", 2) == 0;
}

static enum probe_result read_bmp(struct probe *p)
{
	const uint8_t *h = p->head;
	uint32_t size;
	long long w, ht;

	/* file header and bitmap header to the height (all of an OS/2 one) */
	if (p->head_len < 26)
		return bad(p, "header truncated");
	size = le32(h + 14);
	if (size == 12)		/* OS/2 BITMAPCOREHEADER: unsigned 16-bit */
		return found(p, le16(h + 18), le16(h + 20));
	if (size < 40)
		return bad(p, "%u-byte bitmap header not supported", size);
	w = s32(le32(h + 18));
	ht = s32(le32(h + 22));
	/* A negative height is a top-down bitmap; SDL negates it, which
	 * INT32_MIN does not survive. */
	if (w <= 0 || ht == 0 || ht == INT32_MIN)
		return bad(p, "bad size %lldx%lld", w, ht);
	return found(p, (uint64_t)w, (uint64_t)(ht < 0 ? -ht : ht));
}

/* --- GIF (IMG_gif.c) --- */

static bool is_gif(const struct probe *p)
{
	return p->head_len >= 6 && (memcmp(p->head, "GIF87a", 6) == 0 ||
				    memcmp(p->head, "GIF89a", 6) == 0);
}

static enum probe_result read_gif(struct probe *p)
{
	const uint8_t *s = p->head;
	uint64_t off = 13;
	uint8_t c, d[9];
	uint32_t w, h;

	if (p->head_len < 13)
		return bad(p, "header truncated");
	if (s[10] & 0x80)		/* a global colour table */
		off += 3u * (2u << (s[10] & 7));
	/* To the first image descriptor, over extensions (a label, then
	 * sub-blocks to an empty one) and, as SDL_image does, stray bytes. */
	for (int n = 0;; n++) {
		if (n >= STEPS_MAX || !get(p, off++, &c, 1))
			return bad(p, "no image in the first %d blocks or "
				   "%lld MiB", STEPS_MAX, SCAN_MAX >> 20);
		if (c == ',')
			break;
		if (c == ';')
			return bad(p, "file has no image");
		if (c == '!') {
			off++;		/* the label */
			while (++n < STEPS_MAX && get(p, off, &c, 1) && c)
				off += 1u + c;
			off++;
		}
	}
	/* the descriptor, a local colour table if any, the LZW code size */
	if (!get(p, off, d, 9) ||
	    !get(p, off + 9 + (d[8] & 0x80 ? 3u * (2u << (d[8] & 7)) : 0),
		 &c, 1))
		return bad(p, "image descriptor truncated");
	w = le16(d + 4);
	h = le16(d + 6);
	/* SDL_image skips a frame it cannot decode (code size over 12, or
	 * no pixels) and goes on scanning from inside that frame's data,
	 * where any byte may pass for the next descriptor. Rather than guess
	 * what it would find there, refuse the file. */
	if (c > 12)
		return bad(p, "first image has LZW code size %u (> 12)", c);
	if (w == 0 || h == 0)
		return bad(p, "first image is empty (%ux%u)", w, h);
	/* SDL_image 2.6 allocates the first frame; an animation player
	 * composes frames on the logical screen. Report the larger of the
	 * two on each axis so the limit holds for both ways of decoding. */
	return found(p, SDL_max(w, le16(s + 6)), SDL_max(h, le16(s + 8)));
}

/* --- JPEG (IMG_jpg.c, libjpeg-turbo's jdmarker.c) --- */

/* IMG_isSVG(): "<svg" in the first 4095 bytes, up to the first NUL. */
static bool is_svg(const struct probe *p)
{
	return strstr((const char *)p->head, "<svg") != NULL;
}

/* IMG_isJPG() walks the markers up to the scan and turns some FF D8
 * files down; of the detectors after it only IMG_isSVG() can then take
 * such a file. Rather than repeat that walk, a JPEG with "<svg" before
 * its first zero byte (no real one has it) is left to SVG. */
static bool is_jpg(const struct probe *p)
{
	return p->head_len >= 2 && p->head[0] == 0xff && p->head[1] == 0xd8 &&
	       !is_svg(p);
}

/* What libjpeg makes of marker c on its way to the frame header. */
enum jpg_marker {
	JPG_ERROR,
	JPG_BARE,	/* fill byte, TEM, RSTn: stepped over */
	JPG_SEGMENT,	/* DHT, DAC, DQT, DNL, DRI, COM, APPn: length skipped */
	JPG_FRAME,	/* SOFn */
};

static enum jpg_marker jpg_marker(int c)
{
	if (c == 0xff || c == 0x01 || (c >= 0xd0 && c <= 0xd7))
		return JPG_BARE;
	if (c == 0xc4 || c == 0xcc || (c >= 0xdb && c <= 0xdd) ||
	    c == 0xfe || (c >= 0xe0 && c <= 0xef))
		return JPG_SEGMENT;
	if (c >= 0xc0 && c <= 0xcf && c != 0xc8)
		return JPG_FRAME;
	return JPG_ERROR;
}

static enum probe_result read_jpg(struct probe *p)
{
	unsigned long long off = 2;
	uint8_t m[2], b[7];

	for (int n = 0; n < STEPS_MAX; n++) {
		if (!get(p, off, m, 2))
			return bad(p, "no frame header in the data's first "
				   "%lld MiB", SCAN_MAX >> 20);
		/* IMG_isJPG() refuses anything but a marker here, although
		 * libjpeg would skip it with a warning. */
		if (m[0] != 0xff)
			return bad(p, "no marker at offset %llu", off);
		off += m[1] == 0xff ? 1 : 2;	/* a fill byte, or a marker */
		switch (jpg_marker(m[1])) {
		case JPG_BARE:
			continue;
		case JPG_SEGMENT:
			if (!get(p, off, b, 2) || be16(b) < 2)
				return bad(p, "marker 0xff%02x: no length",
					   m[1]);
			off += be16(b);
			continue;
		case JPG_FRAME:
			/* length, precision, height, width; found() refuses
			 * a zero height (DNL), as libjpeg does */
			if (!get(p, off, b, 7))
				return bad(p, "frame header truncated");
			return found(p, be16(b + 5), be16(b + 3));
		case JPG_ERROR:
			break;
		}
		return bad(p, "marker 0xff%02x before the frame header", m[1]);
	}
	return bad(p, "no frame header in the first %d markers", STEPS_MAX);
}

/* --- PNG (IMG_png.c, libpng) --- */

static bool is_png(const struct probe *p)
{
	return p->head_len >= 4 && memcmp(p->head, "\x89PNG", 4) == 0;
}

static enum probe_result read_png(struct probe *p)
{
	/* signature, IHDR length and type, 13 bytes of IHDR, its CRC */
	const uint8_t *h = p->head;

	if (p->head_len < 33)
		return bad(p, "header truncated");
	/* signature and a 13-byte IHDR; a file converted as text fails here */
	if (memcmp(h, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) != 0)
		return bad(p, "signature or IHDR header damaged");
	/* libpng refuses a damaged IHDR before allocating anything: a size
	 * read from it would make a segment for nothing. */
	if (crc32_update(0, h + 12, 17) != be32(h + 29))
		return bad(p, "IHDR checksum mismatch");
	return found(p, be32(h + 16), be32(h + 20));
}

/* --- WebP (IMG_webp.c, libwebp) --- */

static bool is_webp(const struct probe *p)
{
	const uint8_t *h = p->head;

	return p->head_len >= 20 && memcmp(h, "RIFF", 4) == 0 &&
	       memcmp(h + 8, "WEBPVP8", 7) == 0 &&
	       (h[15] == ' ' || h[15] == 'L' || h[15] == 'X');
}

static enum probe_result read_webp(struct probe *p)
{
	const uint8_t *d = p->head + 20;	/* the first chunk's data */
	uint32_t bits;

	if (p->head_len < (p->head[15] == 'L' ? 25u : 30u))
		return bad(p, "header truncated");
	switch (p->head[15]) {
	case 'X':
		/* Extended: the canvas size, which WebPGetFeatures()
		 * reports and SDL_image allocates. */
		if (le32(p->head + 16) != 10)
			return bad(p, "VP8X chunk of %u bytes (not 10)",
				   le32(p->head + 16));
		return found(p, 1 + (uint64_t)le24(d + 4),
			     1 + (uint64_t)le24(d + 7));
	case 'L':
		/* Lossless: signature byte, then 14-bit width - 1, 14-bit
		 * height - 1, alpha bit, 3-bit version. */
		bits = le32(d + 1);
		if (d[0] != 0x2f || bits >> 29 != 0)
			return bad(p, "VP8L header invalid");
		return found(p, 1 + (bits & 0x3fff),
			     1 + ((bits >> 14) & 0x3fff));
	default:
		/* Lossy: 3-byte frame tag, start code, 14-bit sizes (the
		 * top two bits are a scaling hint the decoder ignores). */
		if ((d[0] & 1) != 0)
			return bad(p, "first VP8 frame is not a key frame");
		if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return bad(p, "VP8 start code missing");
		return found(p, le16(d + 6) & 0x3fff, le16(d + 8) & 0x3fff);
	}
}

/* --- QOI (IMG_qoi.c, qoi.h) --- */

static bool is_qoi(const struct probe *p)
{
	return p->head_len >= 4 && memcmp(p->head, "qoif", 4) == 0;
}

static enum probe_result read_qoi(struct probe *p)
{
	const uint8_t *h = p->head;

	if (p->head_len < 14)
		return bad(p, "header truncated");
	if (h[12] < 3 || h[12] > 4 || h[13] > 1)
		return bad(p, "header invalid (%u channels, colour space %u)",
			   h[12], h[13]);
	return found(p, be32(h + 4), be32(h + 8));
}

/* IMG_LoadTyped_RW() in SDL_image 2.6.3 hands the file to the first
 * format in its list whose detector accepts it, with no second try: a
 * file it decodes as another format must not be measured as one of ours.
 * This is that list, in its order, less the formats that cannot take a
 * file with one of our magics: ICO and CUR (00 00), LBM ("FORM"), PCX
 * (0x0a), PNM and XV ('P'), TIFF ("II", "MM"), XCF ('g') and XPM ('/')
 * differ in the first byte; AVIF and JXL are not built into this
 * SDL_image. TGA is taken by extension before any detector runs. */
static const struct format formats[] = {
	{ "BMP", is_bmp, read_bmp },
	{ "GIF", is_gif, read_gif },
	{ "JPEG", is_jpg, read_jpg },
	{ "PNG", is_png, read_png },
	{ "SVG", is_svg, NULL },
	{ "WebP", is_webp, read_webp },
	{ "QOI", is_qoi, read_qoi },
};

enum probe_result probe_dimensions_hint(SDL_RWops *rw, const char *ext,
					uint32_t *width, uint32_t *height,
					struct err *err)
{
	enum probe_result res = PROBE_UNKNOWN;
	Sint64 start = rw ? SDL_RWtell(rw) : -1;

	*width = 0;
	*height = 0;
	if (start < 0) {
		if (err)
			err_set(err, "image stream missing or cannot seek: %s",
				SDL_GetError());
		return PROBE_BAD;
	}
	/* Told the type is "tga", SDL_image decodes the file as TGA before
	 * any detector looks at it. */
	if (ext && SDL_strcasecmp(ext, "tga") == 0)
		return PROBE_UNKNOWN;

	/* ~4 KiB, on the stack: the probe allocates nothing. */
	struct probe p = { .rw = rw, .start = start, .err = err,
			   .name = "image" };

	p.head_len = SDL_RWread(rw, p.head, 1, HEAD_MAX);
	p.head[p.head_len] = '\0';
	for (size_t i = 0; i < SDL_arraysize(formats); i++) {
		if (!formats[i].is(&p))
			continue;
		p.name = formats[i].name;
		if (formats[i].read)
			res = formats[i].read(&p);
		break;
	}

	if (SDL_RWseek(rw, start, RW_SEEK_SET) != start)
		return bad(&p, "cannot seek back to its start: %s",
			   SDL_GetError());
	/* found() set them, or they are still 0 */
	*width = p.width;
	*height = p.height;
	return res;
}

/* --- Files SDL_image accepts although they are cut short --- */

/* A JPEG ends with FF D9. Inside entropy-coded data FF is always followed
 * by 00 or a restart marker, so FF D9 near the end is the real end; some
 * writers append a little data after it, hence the window. */
static bool jpg_truncated(SDL_RWops *rw, Sint64 start, Sint64 size,
			  struct err *err)
{
	uint8_t tail[4096];
	size_t n = (size_t)SDL_min(size - start, (Sint64)sizeof(tail));
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
	uint8_t tail[8];

	if (size - start >= 14 + 8 && read_at(rw, size - 8, tail, 8) == 8 &&
	    memcmp(tail, "\0\0\0\0\0\0\0\1", 8) == 0)
		return false;
	err_set(err, "QOI: file truncated (no end marker)");
	return true;
}

/* Whether the run-length packets from stream offset off on hold all the
 * pixels: a repeat packet is a header byte and one pixel, a raw one a
 * header byte and count pixels. */
static bool tga_rle_complete(SDL_RWops *rw, Sint64 off, Sint64 size,
			     uint64_t pixels, uint64_t bpp)
{
	uint8_t buf[4096];
	uint64_t have = 0;

	while (have < pixels) {
		Sint64 from = off;
		size_t n = read_at(rw, from, buf, sizeof(buf));

		if (n == 0)
			return false;
		while (have < pixels && off - from < (Sint64)n) {
			uint8_t c = buf[off - from];
			uint64_t count = (c & 0x7fu) + 1u;

			off += 1 + (Sint64)((c & 0x80) ? bpp : count * bpp);
			have += count;
		}
	}
	return off <= size;
}

/* Raw images need width x height pixels after the header, ID and colour
 * map; run-length ones every packet the pixel count calls for. */
static bool tga_truncated(SDL_RWops *rw, Sint64 start, Sint64 size,
			  struct err *err)
{
	uint8_t h[18];
	uint64_t pixels, bpp, off;
	bool complete;

	if (read_at(rw, start, h, sizeof(h)) != sizeof(h))
		goto cut;
	bpp = (h[16] + 7u) / 8u;
	pixels = (uint64_t)le16(h + 12) * le16(h + 14);
	/* after the header, the image ID and the colour map */
	off = (uint64_t)start + 18u + h[0] +
	      (h[1] ? (uint64_t)le16(h + 5) * ((h[7] + 7u) / 8u) : 0);
	if (h[2] >= 1 && h[2] <= 3)		/* raw */
		complete = off + pixels * bpp <= (uint64_t)size;
	else if (h[2] >= 9 && h[2] <= 11)	/* run-length */
		complete = tga_rle_complete(rw, (Sint64)off, size, pixels, bpp);
	else
		return false;	/* a type SDL_image does not decode */
	if (complete)
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
