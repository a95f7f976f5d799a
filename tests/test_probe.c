/* test_probe - image_probe against SDL_image itself.
 *
 * Usage: test_probe DATA_DIR   (DATA_DIR = tests/data/formats)
 *
 * The probe measures PNG, JPEG, WebP, BMP, GIF and QOI; every other format
 * is left to the decoder's sandbox. Proves:
 *  1. fixtures: for every PNG, JPEG, WebP, BMP, GIF and QOI file in
 *     DATA_DIR (and a top-down BMP built here), probe_dimensions_hint()
 *     gives exactly the size IMG_Load() allocates; started in the middle
 *     of a stream, it gives what IMG_LoadTyped_RW() decodes from there;
 *     the other fixtures, which IMG_Load() decodes, are UNKNOWN;
 *  2. bombs: PNG, JPEG, GIF, BMP, QOI and WebP headers claiming 30000 x
 *     30000 and more are reported as claimed (or refused where the claim
 *     cannot fit), reading a few KiB, and are never decoded here; the same
 *     claims in the formats without a probe (ICO, CUR, LBM, PCX, PNM, SVG,
 *     TIFF, XCF, XPM, XV, TGA) are UNKNOWN, though SDL_image's detector
 *     for each takes them;
 *  3. prefixes: every prefix of every file probes as BAD or UNKNOWN, or
 *     as OK with the true size - never a garbage size - and no prefix
 *     shorter than the format's header is OK;
 *  4. random bytes are UNKNOWN; mutated headers never crash the probe,
 *     and where the probe says OK and SDL_image decodes, they agree;
 *  5. the stream position is restored in every case, and a stream that
 *     cannot seek is refused rather than misread;
 *  6. a file SDL_image decodes as another format first is not measured:
 *     anything typed "tga", and a JPEG, WebP or QOI file that IMG_isSVG()
 *     takes; the same files without "<svg" are measured; GIF's logical
 *     screen larger than the frame is reported as the larger size;
 *  7. probe_truncated() finds a QOI without its end marker, a JPEG
 *     without its end-of-image marker and a raw or run-length TGA short
 *     of its pixels - cut files SDL_image decodes without complaint - and
 *     passes the complete files.
 *
 * Generated files are written to a fresh directory under $TMPDIR (or
 * /tmp) and removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "check.h"
#include "decode/probe.h"
#include "testutil.h"

static const char *data_dir;
static char tmp_dir[256];

/* --- a memory stream that counts what is read and can refuse to seek --- */

struct mem {
	const uint8_t *data;
	size_t len;
	Sint64 pos;
	uint64_t bytes_read;
	bool no_seek;
};

static struct mem *mem_of(SDL_RWops *rw)
{
	return rw->hidden.unknown.data1;
}

static Sint64 SDLCALL mem_size(SDL_RWops *rw)
{
	return (Sint64)mem_of(rw)->len;
}

static Sint64 SDLCALL mem_seek(SDL_RWops *rw, Sint64 off, int whence)
{
	struct mem *m = mem_of(rw);
	Sint64 to;

	if (m->no_seek)
		return SDL_SetError("stream cannot seek");
	switch (whence) {
	case RW_SEEK_SET:
		to = off;
		break;
	case RW_SEEK_CUR:
		to = m->pos + off;
		break;
	default:
		to = (Sint64)m->len + off;
		break;
	}
	if (to < 0)
		return SDL_SetError("seek before start");
	/* Like SDL's own memory stream: clamp at the end. */
	if (to > (Sint64)m->len)
		to = (Sint64)m->len;
	m->pos = to;
	return to;
}

static size_t SDLCALL mem_read(SDL_RWops *rw, void *dst, size_t size,
			       size_t n)
{
	struct mem *m = mem_of(rw);
	size_t avail = m->len - (size_t)m->pos;
	size_t objs;

	if (size == 0)
		return 0;
	objs = avail / size < n ? avail / size : n;
	memcpy(dst, m->data + m->pos, objs * size);
	m->pos += (Sint64)(objs * size);
	m->bytes_read += objs * size;
	return objs;
}

static size_t SDLCALL mem_write(SDL_RWops *rw, const void *src, size_t size,
				size_t n)
{
	(void)rw;
	(void)src;
	(void)size;
	(void)n;
	return 0;
}

static int SDLCALL mem_close(SDL_RWops *rw)
{
	SDL_FreeRW(rw);
	return 0;
}

static SDL_RWops *mem_open(struct mem *m)
{
	SDL_RWops *rw = SDL_AllocRW();

	if (!rw) {
		fprintf(stderr, "SDL_AllocRW: %s\n", SDL_GetError());
		exit(EXIT_FAILURE);
	}
	rw->size = mem_size;
	rw->seek = mem_seek;
	rw->read = mem_read;
	rw->write = mem_write;
	rw->close = mem_close;
	rw->type = SDL_RWOPS_UNKNOWN;
	rw->hidden.unknown.data1 = m;
	return rw;
}

/* --- byte buffers and files --- */

static void set_le32(struct tu_buf *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->b[at + i] = (uint8_t)(v >> (8 * i));
}

static bool read_file(const char *path, struct tu_buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!f)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tu_buf_put(out, chunk, n);
	fclose(f);
	return true;
}

/* Writes b to tmp_dir/name; returns the path (static storage). */
static const char *write_tmp(const char *name, const struct tu_buf *b)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->b, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(EXIT_FAILURE);
	}
	return path;
}

static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : NULL;
}

/* --- the probe, with the checks every call gets --- */

struct result {
	enum probe_result res;
	uint32_t w, h;
	uint64_t bytes_read;
	struct err err;
};

/* Probes data placed `offset` bytes into a stream (after junk), starting
 * from that position, and checks the position is restored. */
static struct result probe_at(const uint8_t *data, size_t len, size_t offset,
			      const char *ext)
{
	struct result r = { .res = PROBE_BAD };
	uint8_t *all = malloc(offset + len + 1);
	struct mem m = { 0 };
	SDL_RWops *rw;

	if (!all) {
		perror("malloc");
		exit(EXIT_FAILURE);
	}
	memset(all, 0xa5, offset);
	if (len)
		memcpy(all + offset, data, len);
	m.data = all;
	m.len = offset + len;
	rw = mem_open(&m);
	SDL_RWseek(rw, (Sint64)offset, RW_SEEK_SET);
	r.res = probe_dimensions_hint(rw, ext, &r.w, &r.h, &r.err);
	r.bytes_read = m.bytes_read;
	CHECK_MSG(SDL_RWtell(rw) == (Sint64)offset,
		  "position %lld after probe, expected %zu (ext %s)",
		  (long long)SDL_RWtell(rw), offset, ext ? ext : "-");
	if (r.res != PROBE_OK)
		CHECK_MSG(r.w == 0 && r.h == 0,
			  "size %ux%u set although not OK", r.w, r.h);
	if (r.res == PROBE_BAD)
		CHECK_MSG(r.err.msg[0] != '\0', "BAD without a reason");
	SDL_RWclose(rw);
	free(all);
	return r;
}

static struct result probe_buf(const struct tu_buf *b, const char *ext)
{
	return probe_at(b->b, b->len, 0, ext);
}

/* Decoders print their complaints about damaged data on stderr; for the
 * deliberately damaged inputs here that is noise. Returns the saved
 * stderr, or -1. */
static int quiet_begin(void)
{
	int saved, null;

	fflush(stderr);
	saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	if (null >= 0)
		close(null);
	return saved;
}

static void quiet_end(int saved)
{
	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

/* What SDL_image makes of len bytes at data, read from `offset` bytes
 * into the buffer, decoded the way IMG_Load() decodes a file with that
 * extension. False if it refuses. */
static bool decode_at(const uint8_t *data, size_t len, size_t offset,
		      const char *ext, int *w, int *h)
{
	SDL_RWops *rw = SDL_RWFromConstMem(data, (int)len);
	SDL_Surface *s;
	int saved;

	if (!rw)
		return false;
	SDL_RWseek(rw, (Sint64)offset, RW_SEEK_SET);
	saved = quiet_begin();
	s = IMG_LoadTyped_RW(rw, 1, ext);
	quiet_end(saved);
	if (!s)
		return false;
	*w = s->w;
	*h = s->h;
	SDL_FreeSurface(s);
	return true;
}

static bool decode(const uint8_t *data, size_t len, const char *ext,
		   int *w, int *h)
{
	return decode_at(data, len, 0, ext, w, h);
}

/* Proves 1 for one file: the probe, from offset 0 and from the middle of
 * a stream, gives what IMG_Load() gives. */
static void agree(const char *what, const struct tu_buf *b, const char *ext,
		  const char *path)
{
	struct result r = probe_buf(b, ext);
	SDL_Surface *s;

	CHECK_MSG(r.res == PROBE_OK, "%s: probe says %d (%s)", what, r.res,
		  r.err.msg);
	SDL_ClearError();
	s = IMG_Load(path);
	CHECK_MSG(s != NULL, "%s: IMG_Load fails: %s", what, IMG_GetError());
	if (s) {
		CHECK_MSG(r.w == (uint32_t)s->w && r.h == (uint32_t)s->h,
			  "%s: probe %ux%u, IMG_Load %dx%d", what, r.w, r.h,
			  s->w, s->h);
		SDL_FreeSurface(s);
	}

	/* In the middle of a stream: what IMG_LoadTyped_RW() decodes from
	 * that position; where it decodes nothing, the probe may refuse
	 * too, but never give another size. */
	{
		static const size_t offset = 7;
		uint8_t *all = malloc(offset + b->len);
		struct result rm;
		int dw, dh;

		if (!all)
			exit(EXIT_FAILURE);
		memset(all, 0xa5, offset);
		memcpy(all + offset, b->b, b->len);
		rm = probe_at(b->b, b->len, offset, ext);
		if (decode_at(all, offset + b->len, offset, ext, &dw, &dh))
			CHECK_MSG(rm.res == PROBE_OK && rm.w == (uint32_t)dw &&
				  rm.h == (uint32_t)dh,
				  "%s at offset %zu: probe %d %ux%u, decoder "
				  "%dx%d", what, offset, rm.res, rm.w, rm.h,
				  dw, dh);
		else
			CHECK_MSG(rm.res != PROBE_OK ||
				  (rm.w == r.w && rm.h == r.h),
				  "%s at offset %zu: probe %ux%u", what,
				  offset, rm.w, rm.h);
		free(all);
	}
}

/* Proves 3 for one file: no prefix gives a wrong size, no prefix shorter
 * than min_header is OK, and once a prefix is OK every longer one is. */
static void truncations(const char *what, const struct tu_buf *b,
			const char *ext, size_t min_header)
{
	struct result full = probe_buf(b, ext);
	size_t first_ok = SIZE_MAX;
	int wrong = 0, short_ok = 0, relapse = 0;

	for (size_t len = 0; len <= b->len;
	     len += len < 4096 ? 1 : 61) {
		struct result r = probe_at(b->b, len, 0, ext);

		if (r.res != PROBE_OK) {
			if (first_ok != SIZE_MAX && full.res == PROBE_OK)
				relapse++;
			continue;
		}
		if (first_ok == SIZE_MAX)
			first_ok = len;
		if (full.res != PROBE_OK || r.w != full.w || r.h != full.h)
			wrong++;
		if (len < min_header)
			short_ok++;
	}
	CHECK_MSG(wrong == 0, "%s: %d prefixes give a size other than %ux%u",
		  what, wrong, full.w, full.h);
	CHECK_MSG(short_ok == 0, "%s: %d prefixes shorter than %zu are OK "
		  "(first at %zu)", what, short_ok, min_header, first_ok);
	CHECK_MSG(relapse == 0, "%s: %d prefixes after the first OK one (%zu)"
		  " are not OK", what, relapse, first_ok);
}

/* --- 1. fixtures --- */

struct fixture {
	const char *name;
	size_t min_header;	/* no shorter prefix may be OK; 0: no probe */
};

/* Every file tests/data/make-fixtures.sh writes, except source.pam. */
static const struct fixture fixtures[] = {
	{ "rgba.png", 33 },		/* signature + IHDR + its CRC */
	{ "palette-trns.png", 33 },
	{ "grey.png", 33 },
	{ "rgb16.png", 33 },
	{ "photo.jpg", 11 },		/* SOI + SOF marker + 7 bytes */
	{ "progressive.jpg", 11 },
	{ "image.bmp", 26 },		/* file header + size + w + h */
	{ "image-core.bmp", 22 },
	{ "image.gif", 24 },		/* screen + descriptor + code size */
	{ "image.webp", 25 },		/* RIFF + chunk header + VP8L 5 */
	{ "image.qoi", 14 },
	/* Decoded by SDL_image, measured by nothing but the sandbox. */
	{ "image.tga", 0 },
	{ "image.tif", 0 },
	{ "image.xpm", 0 },
	{ "image.ppm", 0 },
	{ "image.pgm", 0 },
	{ "image.pbm", 0 },
	{ "ascii.ppm", 0 },
	{ "image.pcx", 0 },
};

/* A format without a probe: UNKNOWN with its extension and without,
 * although IMG_Load() decodes it. */
static void unprobed(const char *what, const struct tu_buf *b, const char *ext,
		     const char *path)
{
	struct result r = probe_buf(b, ext);
	struct result bare = probe_buf(b, NULL);
	SDL_Surface *s = IMG_Load(path);

	CHECK_MSG(r.res == PROBE_UNKNOWN && bare.res == PROBE_UNKNOWN,
		  "%s: probe says %d, without extension %d", what, r.res,
		  bare.res);
	CHECK_MSG(s != NULL, "%s: IMG_Load fails: %s", what, IMG_GetError());
	SDL_FreeSurface(s);
}

/* The reference image is P7 (PAM), which SDL_image does not read:
 * neither may the probe claim it. */
static void test_reference_pam(void)
{
	struct tu_buf b;
	char path[512];

	snprintf(path, sizeof(path), "%s/source.pam", data_dir);
	if (!read_file(path, &b)) {
		CHECK_MSG(false, "%s: %s", path, strerror(errno));
		return;
	}
	struct result r = probe_buf(&b, "pam");

	CHECK_MSG(r.res == PROBE_UNKNOWN, "source.pam: probe says %d", r.res);
	CHECK(IMG_Load(path) == NULL);
	tu_buf_free(&b);
}

/* A fixture added to the directory but not to the table would go
 * untested. */
static void test_fixtures_listed(void)
{
	DIR *d = opendir(data_dir);
	struct dirent *e;
	int on_disk = 0, listed = (int)SDL_arraysize(fixtures) + 1;

	CHECK_MSG(d != NULL, "%s: %s", data_dir, strerror(errno));
	while (d && (e = readdir(d)) != NULL) {
		bool known = strcmp(e->d_name, "source.pam") == 0;

		if (e->d_name[0] == '.')
			continue;
		on_disk++;
		for (size_t i = 0; i < SDL_arraysize(fixtures); i++)
			known |= strcmp(e->d_name, fixtures[i].name) == 0;
		CHECK_MSG(known, "%s/%s is not in the fixture table", data_dir,
			  e->d_name);
	}
	if (d)
		closedir(d);
	CHECK_MSG(on_disk == listed, "%d files in %s, %d listed", on_disk,
		  data_dir, listed);
}

static void test_fixtures(void)
{
	struct tu_buf b;
	char path[512];

	for (size_t i = 0; i < SDL_arraysize(fixtures); i++) {
		const struct fixture *f = &fixtures[i];

		snprintf(path, sizeof(path), "%s/%s", data_dir, f->name);
		if (!read_file(path, &b)) {
			CHECK_MSG(false, "%s: %s", path, strerror(errno));
			continue;
		}
		if (f->min_header == 0) {
			unprobed(f->name, &b, ext_of(f->name), path);
		} else {
			agree(f->name, &b, ext_of(f->name), path);
			truncations(f->name, &b, ext_of(f->name),
				    f->min_header);
		}
		tu_buf_free(&b);
	}
	test_reference_pam();
	test_fixtures_listed();
}

/* --- 1b and 6. files built here, and SDL_image's choices --- */

static void make_bmp(struct tu_buf *b, int32_t w, int32_t h)
{
	uint32_t pitch = ((uint32_t)w * 3 + 3) & ~3u;
	uint32_t rows = (uint32_t)(h < 0 ? -h : h);

	tu_bmp_header(b, w, h, pitch * rows);
	for (uint32_t i = 0; i < pitch * rows; i++)
		tu_buf_u8(b, i);
}

static void put_gif(struct tu_buf *b, uint32_t sw, uint32_t sh, uint32_t fw,
		    uint32_t fh, unsigned code_size)
{
	tu_buf_str(b, "GIF89a");
	tu_buf_le16(b, sw);
	tu_buf_le16(b, sh);
	tu_buf_u8(b, 0x80);		/* global colour table of 2 */
	tu_buf_u8(b, 0);
	tu_buf_u8(b, 0);
	tu_buf_zeros(b, 3);
	tu_buf_put(b, "\xff\xff\xff", 3);
	tu_buf_str(b, "!\xfe");		/* a comment to step over */
	tu_buf_u8(b, 5);
	tu_buf_str(b, "hello");
	tu_buf_u8(b, 0);
	tu_buf_str(b, ",");
	tu_buf_le16(b, 0);
	tu_buf_le16(b, 0);
	tu_buf_le16(b, fw);
	tu_buf_le16(b, fh);
	tu_buf_u8(b, 0);
	tu_buf_u8(b, code_size);
	tu_buf_put(b, "\x02\x4c\x01\x00", 4);	/* clear, a pixel, end */
	tu_buf_str(b, ";");
}


/* A JPEG whose APP0 segment holds text and whose frame header (16 x 16)
 * comes with no scan after it, so IMG_isJPG() turns it down at the end
 * of the data; the text decides whether IMG_isSVG() takes it. */
static void jpg_with_text(struct tu_buf *b, const char *text)
{
	size_t at;

	tu_buf_put(b, "\xff\xd8\xff\xe0\x01\x01", 6);	/* APP0 of 257 bytes */
	at = b->len;
	tu_buf_str(b, text);
	while (b->len < at + 255)
		tu_buf_u8(b, ' ');
	tu_buf_put(b, "\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22"
		   "\x00\x02\x11\x01\x03\x11\x01", 19);
}

/* A lossless WebP (258 x 1029) whose sizes hold no zero byte, so that
 * the text after its header is within reach of IMG_isSVG(). */
static void webp_with_text(struct tu_buf *b, const char *text)
{
	tu_buf_put(b, "RIFF\x01\x01\x01\x01WEBPVP8L\x01\x01\x01\x01\x2f", 21);
	tu_buf_put(b, "\x01\x01\x01\x01", 4);
	tu_buf_str(b, text);
}

/* Proves 6 for one maker: with "<svg" SDL_image's SVG detector takes
 * the file and the probe does not measure it; with "<abc" it is
 * measured as w x h. */
static void svg_first(const char *ext, void (*make)(struct tu_buf *,
						     const char *),
		      uint32_t w, uint32_t h)
{
	static const char *const svg = "<svg width=\"40\" height=\"30\"/>";
	static const char *const not_svg = "<abc width=\"40\" height=\"30\"/>";
	struct tu_buf b = { 0 };
	struct result r;
	SDL_RWops *rw;

	make(&b, svg);
	rw = SDL_RWFromConstMem(b.b, (int)b.len);
	CHECK_MSG(rw && IMG_isSVG(rw), "%s: IMG_isSVG() turns it down", ext);
	if (strcmp(ext, "jpg") == 0)
		CHECK_MSG(rw && !IMG_isJPG(rw), "IMG_isJPG() takes it");
	SDL_RWclose(rw);
	r = probe_buf(&b, ext);
	CHECK_MSG(r.res == PROBE_UNKNOWN, "%s with <svg probes as %d %ux%u",
		  ext, r.res, r.w, r.h);
	tu_buf_free(&b);

	make(&b, not_svg);
	r = probe_buf(&b, ext);
	CHECK_MSG(r.res == PROBE_OK && r.w == w && r.h == h,
		  "%s with <abc probes as %d %ux%u (%s)", ext, r.res, r.w,
		  r.h, r.err.msg);
	tu_buf_free(&b);
}

static void qoi_with_text(struct tu_buf *b, const char *text)
{
	tu_buf_str(b, "qoif");
	tu_buf_put(b, text, 4);		/* the width */
	tu_buf_put(b, "\x01\x01\x01\x01\x04\x00", 6);
}

static void test_choices(void)
{
	struct tu_buf b = { 0 };
	struct result r;
	char path[512];
	int dw = 0, dh = 0;

	make_bmp(&b, 37, -23);
	snprintf(path, sizeof(path), "%s", write_tmp("topdown.bmp", &b));
	agree("topdown.bmp", &b, "bmp", path);
	truncations("topdown.bmp", &b, "bmp", 26);
	unlink(path);
	tu_buf_free(&b);

	/* Told the type is "tga", SDL_image decodes anything as TGA. */
	snprintf(path, sizeof(path), "%s/rgba.png", data_dir);
	if (read_file(path, &b)) {
		r = probe_buf(&b, "tga");
		CHECK_MSG(r.res == PROBE_UNKNOWN, "PNG typed tga probes as %d",
			  r.res);
		CHECK(!decode(b.b, b.len, "tga", &dw, &dh));
		r = probe_buf(&b, "TgA");
		CHECK(r.res == PROBE_UNKNOWN);
		tu_buf_free(&b);
	}

	svg_first("jpg", jpg_with_text, 16, 16);
	svg_first("webp", webp_with_text, 258, 1029);
	svg_first("qoi", qoi_with_text, 0x3c616263, 0x01010101);

	/* A logical screen larger than the first frame: SDL_image 2.6
	 * allocates the frame, the probe reports the larger size on each
	 * axis (never less than what is decoded). */
	put_gif(&b, 100, 10, 10, 50, 2);
	r = probe_buf(&b, "gif");
	CHECK_MSG(r.res == PROBE_OK && r.w == 100 && r.h == 50,
		  "GIF 100x10 screen, 10x50 frame probes as %ux%u", r.w, r.h);
	CHECK(decode(b.b, b.len, "gif", &dw, &dh) && dw == 10 && dh == 50);
	tu_buf_free(&b);

	/* Frames SDL_image would skip, scanning on inside their data. */
	put_gif(&b, 10, 10, 10, 10, 13);
	r = probe_buf(&b, "gif");
	CHECK_MSG(r.res == PROBE_BAD && strstr(r.err.msg, "code size"),
		  "GIF with code size 13: %d (%s)", r.res, r.err.msg);
	tu_buf_free(&b);
	put_gif(&b, 10, 10, 0, 10, 2);
	r = probe_buf(&b, "gif");
	CHECK_MSG(r.res == PROBE_BAD, "GIF with an empty frame: %d", r.res);
	tu_buf_free(&b);

	/* JPEG: IMG_isJPG() takes nothing but markers before the frame. */
	tu_buf_put(&b, "\xff\xd8\x00\xff\xc0", 5);
	tu_buf_put(&b, "\x00\x0b\x08\x00\x10\x00\x10\x01\x01\x11\x00", 11);
	r = probe_buf(&b, "jpg");
	CHECK_MSG(r.res == PROBE_BAD, "JPEG with junk probes as %d", r.res);
	tu_buf_free(&b);
}

/* --- 2. bombs --- */

static void bomb_jpg(struct tu_buf *b, uint32_t w, uint32_t h)
{
	tu_buf_put(b, "\xff\xd8", 2);
	tu_buf_put(b, "\xff\xe0\x00\x10JFIF\0\x01\x01\x00\x00\x01\x00\x01"
		   "\x00\x00", 18);
	tu_buf_put(b, "\xff\xfe\x00\x06hi!!", 8);	/* a comment */
	tu_buf_put(b, "\xff\xff\xc0\x00\x11\x08", 6);	/* fill byte, SOF0 */
	tu_buf_be16(b, h);
	tu_buf_be16(b, w);
	tu_buf_put(b, "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
	tu_buf_put(b, "\xff\xd9", 2);
}

static void bomb_bmp(struct tu_buf *b, int32_t w, int32_t h)
{
	tu_bmp_header(b, w, h, 12);
	tu_buf_zeros(b, 12);
}

static void bomb_qoi(struct tu_buf *b, uint32_t w, uint32_t h)
{
	tu_buf_str(b, "qoif");
	tu_buf_be32(b, w);
	tu_buf_be32(b, h);
	tu_buf_u8(b, 4);
	tu_buf_u8(b, 0);
	tu_buf_put(b, "\xfe\x01\x02\x03\0\0\0\0\0\0\0\1", 12);
}

static void bomb_webp(struct tu_buf *b, char kind, uint32_t w, uint32_t h)
{
	tu_buf_str(b, "RIFF");
	tu_buf_le32(b, 0);
	tu_buf_str(b, "WEBP");
	if (kind == 'X') {
		tu_buf_str(b, "VP8X");
		tu_buf_le32(b, 10);
		tu_buf_le32(b, 0);
		tu_buf_u8(b, (w - 1) & 0xff);
		tu_buf_le16(b, (w - 1) >> 8);
		tu_buf_u8(b, (h - 1) & 0xff);
		tu_buf_le16(b, (h - 1) >> 8);
	} else if (kind == 'L') {
		tu_buf_str(b, "VP8L");
		tu_buf_le32(b, 9);
		tu_buf_u8(b, 0x2f);
		tu_buf_le32(b, (w - 1) | (h - 1) << 14 | 1u << 28);
		tu_buf_zeros(b, 4);
	} else {
		tu_buf_str(b, "VP8 ");
		tu_buf_le32(b, 14);
		tu_buf_put(b, "\x50\x01\x00\x9d\x01\x2a", 6);
		tu_buf_le16(b, w);
		tu_buf_le16(b, h);
		tu_buf_zeros(b, 4);
	}
	set_le32(b, 4, (uint32_t)b->len - 8);
}

/* A TIFF whose only directory holds the two size tags, with the given
 * field types (3 SHORT, 4 LONG, ...). */
static void bomb_tga(struct tu_buf *b, uint32_t w, uint32_t h)
{
	tu_buf_u8(b, 0);
	tu_buf_u8(b, 0);
	tu_buf_u8(b, 2);
	tu_buf_zeros(b, 9);
	tu_buf_le16(b, w);
	tu_buf_le16(b, h);
	tu_buf_u8(b, 32);
	tu_buf_u8(b, 8);
	tu_buf_zeros(b, 64);
}

struct bomb {
	const char *name;
	struct tu_buf b;
	enum probe_result want;
	uint32_t w, h;
};

/* Proves 2: written to disk and probed through SDL_RWFromFile() like the
 * application does, then again from memory to count the bytes read. */
static void check_bomb(struct bomb *k)
{
	const char *path = write_tmp(k->name, &k->b);
	SDL_RWops *rw = SDL_RWFromFile(path, "rb");
	struct err err = { "" };
	uint32_t w = 1, h = 1;
	enum probe_result res;
	struct result r;

	CHECK_MSG(rw != NULL, "%s: %s", path, SDL_GetError());
	if (rw) {
		res = probe_dimensions_hint(rw, ext_of(k->name), &w, &h,
					    &err);
		CHECK_MSG(res == k->want && (res != PROBE_OK ||
					     (w == k->w && h == k->h)),
			  "%s: probe %d %ux%u (%s), want %d %ux%u", k->name,
			  res, w, h, err.msg, k->want, k->w, k->h);
		CHECK_MSG(SDL_RWtell(rw) == 0, "%s: position %lld", k->name,
			  (long long)SDL_RWtell(rw));
		SDL_RWclose(rw);
	}
	unlink(path);

	r = probe_buf(&k->b, ext_of(k->name));
	CHECK_MSG(r.res == k->want, "%s: from memory %d", k->name, r.res);
	CHECK_MSG(r.bytes_read <= 8192, "%s: read %llu bytes", k->name,
		  (unsigned long long)r.bytes_read);
	truncations(k->name, &k->b, ext_of(k->name), 0);
	tu_buf_free(&k->b);
}

/* One bomb: file name, expected result and size, then the statements
 * that write it into k.b. */
#define BOMB(file, want_, w_, h_, ...)					\
	do {								\
		struct bomb k;						\
									\
		memset(&k, 0, sizeof(k));				\
		k.name = (file);					\
		k.want = (want_);					\
		k.w = (w_);						\
		k.h = (h_);						\
		__VA_ARGS__;						\
		check_bomb(&k);						\
	} while (0)

static void test_bombs_png_jpeg_gif(void)
{
	BOMB("bomb.png", PROBE_OK, 30000, 30000,
	     tu_png_bomb(&k.b, 30000, 30000));
	BOMB("wide.png", PROBE_OK, 0x7fffffff, 1,
	     tu_png_bomb(&k.b, 0x7fffffff, 1));
	BOMB("toowide.png", PROBE_BAD, 0, 0, tu_png_bomb(&k.b, 0x80000000u, 1));
	BOMB("zero.png", PROBE_BAD, 0, 0, tu_png_bomb(&k.b, 0, 5));
	/* libpng stops at a damaged IHDR; the probe names the damage. */
	BOMB("badcrc.png", PROBE_BAD, 0, 0,
	     tu_png_bomb(&k.b, 30000, 30000); k.b.b[29] ^= 1);
	BOMB("bomb.jpg", PROBE_OK, 30000, 30000, bomb_jpg(&k.b, 30000, 30000));
	BOMB("max.jpg", PROBE_OK, 65535, 65535, bomb_jpg(&k.b, 65535, 65535));
	BOMB("dnl.jpg", PROBE_BAD, 0, 0, bomb_jpg(&k.b, 100, 0));
	BOMB("bomb.gif", PROBE_OK, 30000, 30000,
	     put_gif(&k.b, 30000, 30000, 30000, 30000, 2));
	BOMB("max.gif", PROBE_OK, 65535, 65535,
	     put_gif(&k.b, 1, 1, 65535, 65535, 8));
}

static void test_bombs_bmp_qoi_webp_tga(void)
{
	BOMB("bomb.bmp", PROBE_OK, 30000, 30000,
	     bomb_bmp(&k.b, 30000, -30000));
	BOMB("max.bmp", PROBE_OK, 0x7fffffff, 0x7fffffff,
	     bomb_bmp(&k.b, 0x7fffffff, -0x7fffffff));
	BOMB("intmin.bmp", PROBE_BAD, 0, 0, bomb_bmp(&k.b, 5, INT32_MIN));
	BOMB("negwidth.bmp", PROBE_BAD, 0, 0, bomb_bmp(&k.b, -5, 5));
	BOMB("bomb.qoi", PROBE_OK, 30000, 30000, bomb_qoi(&k.b, 30000, 30000));
	BOMB("huge.qoi", PROBE_BAD, 0, 0, bomb_qoi(&k.b, 0xffffffffu, 2));
	BOMB("canvas.webp", PROBE_OK, 30000, 30000,
	     bomb_webp(&k.b, 'X', 30000, 30000));
	BOMB("maxcanvas.webp", PROBE_OK, 1u << 24, 1u << 24,
	     bomb_webp(&k.b, 'X', 1u << 24, 1u << 24));
	BOMB("lossless.webp", PROBE_OK, 16384, 16384,
	     bomb_webp(&k.b, 'L', 16384, 16384));
	BOMB("lossy.webp", PROBE_OK, 16383, 16383,
	     bomb_webp(&k.b, ' ', 16383, 16383));
	/* No probe: SDL_image decodes anything typed "tga" as TGA. */
	BOMB("bomb.tga", PROBE_UNKNOWN, 0, 0, bomb_tga(&k.b, 65535, 65535));
}
#undef BOMB

/* Headers claiming 30000 x 30000 (or the most the format holds) in the
 * formats without a probe. Only the bytes the detectors look at are
 * right; the sizes are there so a reader put back would measure them. */
static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	int (*is)(SDL_RWops *src);
} unmeasured[] = {
#define BYTES(s) s, sizeof(s) - 1
	{ "bomb.ico", BYTES("\0\0\1\0\1\0\0\0\0\0\1\0\x18\0\x28\0\0\0\x16\0\0\0"
			    "\x28\0\0\0\x30\x75\0\0\x60\xea\0\0\1\0\x18\0"),
	  IMG_isICO },
	{ "bomb.cur", BYTES("\0\0\2\0\1\0\0\0\0\0\1\0\x18\0\x28\0\0\0\x16\0\0\0"
			    "\x28\0\0\0\x30\x75\0\0\x60\xea\0\0\1\0\x18\0"),
	  IMG_isCUR },
	{ "bomb.lbm", BYTES("FORM\0\0\0\x2ePBM BMHD\0\0\0\x14\x75\x30\x75\x30"
			    "\0\0\0\0\x08\0\0\0\0\0\1\1\x75\x30\x75\x30"
			    "BODY"),
	  IMG_isLBM },
	{ "bomb.pcx", BYTES("\x0a\x05\x01\x08\0\0\0\0\x2f\x75\x2f\x75"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
	  IMG_isPCX },
	{ "bomb.ppm", BYTES("P6\n30000 30000\n255\n"), IMG_isPNM },
	{ "bomb.svg", BYTES("<svg width=\"30000\" height=\"30000\"/>"),
	  IMG_isSVG },
	{ "bomb.tif", BYTES("II*\0\x08\0\0\0\2\0\0\1\4\0\1\0\0\0\x30\x75\0\0"
			    "\1\1\4\0\1\0\0\0\x30\x75\0\0\0\0\0\0"),
	  IMG_isTIF },
	{ "bomb.xcf", BYTES("gimp xcf file\0\0\0\x75\x30\0\0\x75\x30\0\0\0\0"),
	  IMG_isXCF },
	{ "bomb.xpm", BYTES("/* XPM */\n\"30000 30000 2 1\",\n"), IMG_isXPM },
	{ "bomb.xv", BYTES("P7 332\n#END_OF_COMMENTS\n30000 30000 255\n"),
	  IMG_isXV },
#undef BYTES
};

/* Proves 2 for the formats without a probe. */
static void test_unmeasured(void)
{
	for (size_t i = 0; i < SDL_arraysize(unmeasured); i++) {
		const char *name = unmeasured[i].name;
		struct result r = probe_at((const uint8_t *)unmeasured[i].bytes,
					   unmeasured[i].len, 0, ext_of(name));
		SDL_RWops *rw = SDL_RWFromConstMem(unmeasured[i].bytes,
						   (int)unmeasured[i].len);

		CHECK_MSG(rw && unmeasured[i].is(rw),
			  "%s: SDL_image's detector turns it down", name);
		SDL_RWclose(rw);
		CHECK_MSG(r.res == PROBE_UNKNOWN, "%s: probe %d %ux%u", name,
			  r.res, r.w, r.h);
	}
}

/* --- 7. cut files SDL_image decodes --- */

/* A run-length TGA, 4 x 2 at 32 bits: a repeat packet of 4 pixels, then
 * a raw packet of 4. */
static void make_tga_rle(struct tu_buf *b)
{
	tu_buf_put(b, "\0\0\x0a\0\0\0\0\0\0\0\0\0\4\0\2\0\x20\x28", 18);
	tu_buf_u8(b, 0x83);
	tu_buf_put(b, "\x10\x20\x30\xff", 4);
	tu_buf_u8(b, 0x03);
	for (unsigned i = 0; i < 16; i++)
		tu_buf_u8(b, i * 15);
}

/* probe_truncated() on the first len bytes of b, typed ext; checks the
 * position is restored. */
static bool cut(const struct tu_buf *b, size_t len, const char *ext,
		struct err *err)
{
	struct mem m = { .data = b->b, .len = len };
	SDL_RWops *rw = mem_open(&m);
	bool res;

	err->msg[0] = '\0';
	res = probe_truncated(rw, ext, err);
	CHECK_MSG(SDL_RWtell(rw) == 0, "probe_truncated moved to %lld",
		  (long long)SDL_RWtell(rw));
	SDL_RWclose(rw);
	return res;
}

/* Proves 7 for one file: complete, it passes; cut anywhere in the last
 * `tail` bytes, it does not, and the reason names the format. With
 * `decodes`, SDL_image decodes the file cut one byte short. */
static void truncated_case(const char *what, const struct tu_buf *b,
			   const char *ext, const char *format, size_t tail,
			   bool decodes)
{
	struct err err;
	int dw, dh, missed = 0;

	CHECK_MSG(!cut(b, b->len, ext, &err), "%s complete: %s", what,
		  err.msg);
	for (size_t n = 1; n <= tail && n < b->len; n++)
		if (!cut(b, b->len - n, ext, &err) ||
		    strstr(err.msg, format) == NULL)
			missed++;
	CHECK_MSG(missed == 0, "%s: %d cuts in the last %zu bytes missed",
		  what, missed, tail);
	if (decodes)
		CHECK_MSG(decode(b->b, b->len - 1, ext, &dw, &dh),
			  "%s: SDL_image refuses it cut short", what);
}

static void test_truncated(void)
{
	static const char *const names[] = { "image.qoi", "photo.jpg",
					     "progressive.jpg", "image.tga" };
	const char *const formats[] = { "QOI", "JPEG", "JPEG", "TGA" };
	struct tu_buf b = { 0 };
	struct err err;
	char path[512];

	for (size_t i = 0; i < SDL_arraysize(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", data_dir, names[i]);
		if (!read_file(path, &b)) {
			CHECK_MSG(false, "%s: %s", path, strerror(errno));
			continue;
		}
		truncated_case(names[i], &b, ext_of(names[i]), formats[i],
			       256, true);
		/* Without its extension a TGA is not a TGA to SDL_image. */
		if (i == 3)
			CHECK(!cut(&b, b.len - 1, NULL, &err));
		tu_buf_free(&b);
	}
	make_tga_rle(&b);
	truncated_case("rle.tga", &b, "tga", "TGA", b.len - 18, true);
	tu_buf_zeros(&b, 26);		/* a footer after the pixels */
	CHECK_MSG(!cut(&b, b.len, "tga", &err), "rle.tga with a footer: %s",
		  err.msg);
	tu_buf_free(&b);
}

/* --- 4. random and mutated input --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	/* xorshift64*: fixed seed, the same bytes on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void test_random(void)
{
	struct tu_buf b = { 0 };
	int not_unknown = 0;

	/* No probed format starts with 0x7f; everything else in the buffer
	 * is noise. */
	for (int i = 0; i < 2000; i++) {
		size_t len = rng() % 700;
		struct result r;

		b.len = 0;
		tu_buf_u8(&b, 0x7f);
		for (size_t j = 1; j < len; j++)
			tu_buf_u8(&b, rng());
		r = probe_buf(&b, (i & 1) ? "bin" : NULL);
		not_unknown += r.res != PROBE_UNKNOWN;
	}
	CHECK_MSG(not_unknown == 0, "%d random buffers were not UNKNOWN",
		  not_unknown);

	/* Empty input. */
	{
		struct result r = probe_at(NULL, 0, 0, NULL);

		CHECK(r.res == PROBE_UNKNOWN);
	}
	tu_buf_free(&b);
}

/* Flips one to three random bits in the first span bytes. */
static void flip_bits(uint8_t *p, size_t span)
{
	for (int n = 1 + (int)(rng() % 3); n > 0; n--)
		p[rng() % span] ^= (uint8_t)(1u << (rng() % 8));
}

static bool sizes_agree(const char *ext, const struct result *r, int dw,
			int dh)
{
	/* GIF: the probe may report a logical screen larger than the
	 * decoded frame, never less. */
	if (strcmp(ext, "gif") == 0)
		return (uint32_t)dw <= r->w && (uint32_t)dh <= r->h;
	return (uint32_t)dw == r->w && (uint32_t)dh == r->h;
}

/* Proves 4b: flips a few header bytes of each fixture. The probe must
 * survive (the sanitizer builds make that a real check), and where it
 * says OK for a small size the decoder may safely run: then they must
 * agree. */
static void test_mutations(void)
{
	char path[512];
	int decoded = 0, disagree = 0;

	for (size_t i = 0; i < SDL_arraysize(fixtures); i++) {
		const char *name = fixtures[i].name;
		const char *ext = ext_of(name);
		struct tu_buf orig;

		/* Probed but not decoded: SDL_image's PNG read callback
		 * ignores short reads, so libpng works on uninitialised
		 * bytes of a damaged file (valgrind says so). That is not
		 * the probe's business; a PNG header that the flips touch
		 * fails its CRC and is not OK anyway. */
		bool may_decode = strcmp(ext, "png") != 0;

		if (fixtures[i].min_header == 0)
			continue;	/* no probe to mutate */
		snprintf(path, sizeof(path), "%s/%s", data_dir, name);
		if (!read_file(path, &orig))
			continue;
		for (int n = 0; n < 150; n++) {
			uint8_t *copy = malloc(orig.len);
			size_t span = orig.len < 48 ? orig.len : 48;
			struct result r;
			int dw, dh;

			if (!copy)
				exit(EXIT_FAILURE);
			memcpy(copy, orig.b, orig.len);
			flip_bits(copy, span);
			r = probe_at(copy, orig.len, 0, ext);
			if (may_decode && r.res == PROBE_OK &&
			    (uint64_t)r.w * r.h <= 1u << 20 &&
			    decode(copy, orig.len, ext, &dw, &dh)) {
				decoded++;
				if (!sizes_agree(ext, &r, dw, dh)) {
					disagree++;
					fprintf(stderr, "%s mutation %d: probe "
						"%ux%u, decoder %dx%d\n", name,
						n, r.w, r.h, dw, dh);
				}
			}
			free(copy);
		}
		tu_buf_free(&orig);
	}
	CHECK_MSG(disagree == 0, "%d of %d decoded mutations disagree",
		  disagree, decoded);
	CHECK_MSG(decoded > 100, "only %d mutations decoded", decoded);
}

/* --- 5. streams --- */

static void test_streams(void)
{
	struct err err = { "" };
	uint32_t w = 7, h = 7;
	struct mem m = { 0 };
	SDL_RWops *rw;
	char path[512];
	struct tu_buf b;

	CHECK(probe_dimensions_hint(NULL, NULL, &w, &h, &err) == PROBE_BAD);
	CHECK(w == 0 && h == 0 && err.msg[0] != '\0');

	/* A stream that cannot seek could not be put back where it was. */
	snprintf(path, sizeof(path), "%s/rgba.png", data_dir);
	if (!read_file(path, &b))
		return;
	m.data = b.b;
	m.len = b.len;
	m.no_seek = true;
	rw = mem_open(&m);
	err.msg[0] = '\0';
	CHECK(probe_dimensions_hint(rw, NULL, &w, &h, &err) == PROBE_BAD);
	CHECK_MSG(strstr(err.msg, "seek") != NULL, "reason: %s", err.msg);
	SDL_RWclose(rw);

	/* Through a real file, as the application uses it. */
	rw = SDL_RWFromFile(path, "rb");
	CHECK(rw != NULL);
	if (rw) {
		SDL_RWseek(rw, 0, RW_SEEK_SET);
		CHECK(probe_dimensions_hint(rw, NULL, &w, &h, &err) ==
		      PROBE_OK);
		CHECK(w == 37 && h == 23 && SDL_RWtell(rw) == 0);
		SDL_RWclose(rw);
	}

	/* The reason names the format. */
	{
		struct result r = probe_at(b.b, 20, 0, "png");

		CHECK_MSG(r.res == PROBE_BAD &&
			  strcmp(r.err.msg, "PNG: header truncated") == 0,
			  "20 bytes of PNG: %d (%s)", r.res, r.err.msg);
	}
	tu_buf_free(&b);
}


int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_probe.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		perror(tmp_dir);
		return EXIT_FAILURE;
	}
	if (SDL_Init(0) != 0) {
		fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
		rmdir(tmp_dir);
		return EXIT_FAILURE;
	}
	IMG_Init(IMG_INIT_JPG | IMG_INIT_PNG | IMG_INIT_TIF | IMG_INIT_WEBP);

	test_fixtures();
	test_choices();
	test_bombs_png_jpeg_gif();
	test_bombs_bmp_qoi_webp_tga();
	test_unmeasured();
	test_truncated();
	test_random();
	test_mutations();
	test_streams();

	IMG_Quit();
	SDL_Quit();
	CHECK_MSG(rmdir(tmp_dir) == 0, "%s left behind: %s", tmp_dir,
		  strerror(errno));
	return check_done();
}
