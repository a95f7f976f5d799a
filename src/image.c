#include "image.h"

#include <SDL_image.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "image_probe.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* "256 MiB", "12 KiB", "900 bytes": exact when it divides evenly, else
 * rounded up, so a refused size never reads as equal to the limit. */
static const char *format_bytes(uint64_t n, char *buf, size_t len)
{
	if (n >= (1u << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", (n + (1u << 20) - 1) >> 20);
	else if (n >= 1024)
		snprintf(buf, len, "%" PRIu64 " KiB", (n + 1023) >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
	return buf;
}

/* Refuses dimensions over the segment limits or the byte limit. */
static int check_limits(uint32_t w, uint32_t h, const struct img_limits *lim,
			struct err *err)
{
	uint64_t bytes = (uint64_t)w * h * 4u;

	if (w == 0 || h == 0) {
		err_set(err, "the image has no pixels (%" PRIu32 " x %" PRIu32
			")", w, h);
		return -1;
	}
	if (w > SEG_MAX_DIM || h > SEG_MAX_DIM) {
		err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels; "
			"at most %u x %u can be shared", w, h, SEG_MAX_DIM,
			SEG_MAX_DIM);
		return -1;
	}
	if (bytes > lim->max_bytes) {
		char need[32], limit[32];

		err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels "
			"(%s as RGBA), over the limit of %s", w, h,
			format_bytes(bytes, need, sizeof(need)),
			format_bytes(lim->max_bytes, limit, sizeof(limit)));
		return -1;
	}
	return 0;
}

/* The extension of path without the dot, or "" (SDL_image needs it to
 * recognise TGA, which has no magic number). */
static const char *extension(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash))
		return "";
	return dot + 1;
}

/* Opens path for decoding, turning the usual ways a file is not an image
 * into reasons a user understands. NULL with the reason. */
static SDL_RWops *open_image(const char *path, struct err *err)
{
	struct stat st;
	SDL_RWops *rw;

	if (stat(path, &st) < 0) {
		err_errno(err, errno, "%s", path);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		err_set(err, "%s: is a folder", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: is not a regular file", path);
		return NULL;
	}
	if (st.st_size == 0) {
		err_set(err, "%s: the file is empty", path);
		return NULL;
	}
	rw = SDL_RWFromFile(path, "rb");
	if (!rw)
		err_set(err, "%s: %s", path, SDL_GetError());
	return rw;
}

/* Reads the dimensions from the header, before anything is decoded.
 * Returns 0 with *w, *h within the limits, or -1 with the reason. A file
 * the probe cannot measure is refused too: every format SDL_image decodes
 * here has a header to measure except SVG, whose pixel size is only known
 * once the whole document is parsed, so it cannot be checked in advance. */
static int probe_file(SDL_RWops *rw, const char *path,
		      const struct img_limits *lim, uint32_t *w, uint32_t *h,
		      struct err *err)
{
	switch (probe_dimensions_hint(rw, extension(path), w, h, err)) {
	case PROBE_OK:
		if (check_limits(*w, *h, lim, err) < 0) {
			err_prefix(err, "%s", path);
			return -1;
		}
		return 0;
	case PROBE_BAD:
	case PROBE_UNKNOWN:
		break;
	}
	err_prefix(err, "%s: not an image", path);
	return -1;
}

/* Decodes an opened file (rw is closed). NULL with the reason. */
static SDL_Surface *decode(SDL_RWops *rw, const char *path,
			   const struct img_limits *lim, struct err *err)
{
	SDL_Surface *surf = IMG_LoadTyped_RW(rw, 0, extension(path));

	if (!surf) {
		err_set(err, "%s: not an image (%s)", path, IMG_GetError());
		SDL_RWclose(rw);
		return NULL;
	}
	SDL_RWseek(rw, 0, RW_SEEK_SET);
	if (probe_truncated(rw, extension(path), err)) {
		err_prefix(err, "%s: not an image", path);
		SDL_FreeSurface(surf);
		SDL_RWclose(rw);
		return NULL;
	}
	SDL_RWclose(rw);
	if (check_limits((uint32_t)surf->w, (uint32_t)surf->h, lim, err) < 0) {
		err_prefix(err, "%s", path);
		SDL_FreeSurface(surf);
		return NULL;
	}
	return surf;
}

SDL_Surface *img_decode(const char *path, const struct img_limits *lim,
			struct err *err)
{
	SDL_RWops *rw = open_image(path, err);
	uint32_t w, h;

	if (!rw)
		return NULL;
	if (probe_file(rw, path, lim, &w, &h, err) < 0) {
		SDL_RWclose(rw);
		return NULL;
	}
	return decode(rw, path, lim, err);
}

/* One row of RGB24 pixels to RGBA32, opaque. */
static void rgb_row(const uint8_t *s, uint8_t *d, int width)
{
	for (int x = 0; x < width; x++) {
		d[0] = s[0];
		d[1] = s[1];
		d[2] = s[2];
		d[3] = 0xff;
		s += 3;
		d += 4;
	}
}

#if defined(__x86_64__) || defined(__i386__)
#define IMG_HAVE_SSSE3 1

/* The same with one SSSE3 byte shuffle per 4 pixels (12 bytes spread over
 * 16) and an OR for the alpha. Photos decode to RGB24, so this is the
 * publish path's whole conversion: 4096 x 4096 takes 12 ms here against
 * 26 ms for the byte loop, close to what memory bandwidth allows. SSSE3
 * is checked at run time (every x86-64 CPU since 2006 has it). */
__attribute__((target("ssse3")))
static void rgb_row_ssse3(const uint8_t *s, uint8_t *d, int width)
{
	const __m128i spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1,
					     6, 7, 8, -1, 9, 10, 11, -1);
	const __m128i alpha = _mm_set1_epi32((int)0xff000000u);
	int x = 0;

	/* The 16-byte load at pixel x reads up to byte 3x + 15: stopping 6
	 * pixels before the end keeps it inside the row. */
	for (; x + 6 <= width; x += 4) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);

		v = _mm_or_si128(_mm_shuffle_epi8(v, spread), alpha);
		_mm_storeu_si128((__m128i *)(void *)d, v);
		s += 12;
		d += 16;
	}
	rgb_row(s, d, width - x);
}
#endif

/* One row of RGBA32 pixels, as they are. */
static void rgba_row(const uint8_t *s, uint8_t *d, int width)
{
	memcpy(d, s, (size_t)width * 4u);
}

/* Rows y0 .. y1 - 1 of a surface, converted by row() into dst. */
struct convert_job {
	const SDL_Surface *surf;
	uint8_t *dst;
	size_t dst_pitch;
	int y0, y1;
	void (*row)(const uint8_t *, uint8_t *, int);
};

static void *convert_rows(void *arg)
{
	const struct convert_job *job = arg;
	const uint8_t *src = job->surf->pixels;
	size_t pitch = (size_t)job->surf->pitch;

	for (int y = job->y0; y < job->y1; y++)
		job->row(src + (size_t)y * pitch,
			 job->dst + (size_t)y * job->dst_pitch, job->surf->w);
	return NULL;
}

/* Below this many bytes a second thread costs more than it saves. */
#define IMG_SPLIT_BYTES ((size_t)4 << 20)

/* One core copies at most about 7 GB/s here: 64 MiB of RGBA take 10 ms.
 * By now the decode is over and the segment exists, so the second core is
 * idle; a thread for the bottom half of the rows halves the time. Without
 * a thread, the calling one does every row. */
static void convert_split(struct convert_job *job)
{
	struct convert_job bottom = *job;
	pthread_t thread;

	if ((size_t)job->surf->h * job->dst_pitch >= IMG_SPLIT_BYTES) {
		bottom.y0 = job->y0 + (job->y1 - job->y0) / 2;
		if (pthread_create(&thread, NULL, convert_rows, &bottom) == 0) {
			job->y1 = bottom.y0;
			convert_rows(job);
			pthread_join(thread, NULL);
			return;
		}
	}
	convert_rows(job);
}

/* Copies surf into dst (RGBA32 rows of dst_pitch bytes). The two formats
 * SDL_image hands back for most files get a plain loop, several times
 * faster than SDL_ConvertPixels; everything else (palettes, colour keys,
 * 16-bit, grey) goes through SDL's own conversion so the result is exactly
 * SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32). */
static int convert_into(SDL_Surface *surf, uint8_t *dst, size_t dst_pitch,
			struct err *err)
{
	struct convert_job job = {
		.surf = surf, .dst = dst, .dst_pitch = dst_pitch,
		.y0 = 0, .y1 = surf->h, .row = rgba_row,
	};
	Uint32 fmt = surf->format->format;
	SDL_Surface *tmp;
	bool plain = !SDL_HasColorKey(surf) && !SDL_MUSTLOCK(surf);

	if (plain && fmt == SDL_PIXELFORMAT_RGBA32) {
		convert_split(&job);
		return 0;
	}
	if (plain && fmt == SDL_PIXELFORMAT_RGB24) {
		job.row = rgb_row;
#ifdef IMG_HAVE_SSSE3
		if (__builtin_cpu_supports("ssse3"))
			job.row = rgb_row_ssse3;
#endif
		convert_split(&job);
		return 0;
	}
	tmp = SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32, 0);
	if (!tmp) {
		err_set(err, "cannot convert the image to RGBA: %s",
			SDL_GetError());
		return -1;
	}
	job.surf = tmp;
	convert_split(&job);
	SDL_FreeSurface(tmp);
	return 0;
}

/* Test hook: SHAREDMEMORY_TEST_COPY_DELAY_MS makes the owner pause after
 * the copy but before marking it complete, with the lock held, so tests
 * can prove that a reader attaching meanwhile waits for the whole image
 * (a reader that ignored the lock would find state 0 and fail). */
static void test_copy_delay(void)
{
	const char *s = getenv("SHAREDMEMORY_TEST_COPY_DELAY_MS");
	long ms = s ? strtol(s, NULL, 10) : 0;

	if (ms > 0)
		nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L },
			  NULL);
}

/* Creating and populating a large memfd costs tens of milliseconds of page
 * allocation; with the dimensions known from the header it runs on a
 * second thread while the main one decodes. */
struct create_job {
	const char *key;
	uint32_t width, height;
	struct seg seg;
	struct err err;
	int rc;
};

static void *create_job_run(void *arg)
{
	struct create_job *job = arg;

	job->rc = seg_create(&job->seg, job->key, job->width, job->height,
			     &job->err);
	return NULL;
}

enum img_status img_load_file(struct img_load *load, const char *key,
			      const char *path, const struct img_limits *lim,
			      struct err *err)
{
	struct create_job job = { .key = key, .rc = -1 };
	pthread_t thread;
	bool threaded;
	SDL_Surface *surf;
	SDL_RWops *rw;

	*load = IMG_LOAD_EMPTY;
	seg_init(&job.seg);
	rw = open_image(path, err);
	if (!rw)
		return IMG_NOT_IMAGE;
	if (probe_file(rw, path, lim, &job.width, &job.height, err) < 0) {
		SDL_RWclose(rw);
		return IMG_NOT_IMAGE;
	}
	threaded = pthread_create(&thread, NULL, create_job_run, &job) == 0;

	surf = decode(rw, path, lim, err);

	if (threaded)
		pthread_join(thread, NULL);
	if (!surf) {
		seg_finish(&job.seg);
		return IMG_NOT_IMAGE;
	}
	if (!threaded || job.rc < 0 || job.seg.info.width != (uint32_t)surf->w ||
	    job.seg.info.height != (uint32_t)surf->h) {
		/* The thread could not start, or the header lied about the
		 * size: make the segment now, at the real size. */
		seg_finish(&job.seg);
		if (seg_create(&job.seg, key, (uint32_t)surf->w,
			       (uint32_t)surf->h, err) < 0) {
			SDL_FreeSurface(surf);
			return IMG_CREATE_FAILED;
		}
	}
	load->surf = surf;
	load->seg = job.seg;
	return IMG_OK;
}

void img_load_finish(struct img_load *load)
{
	SDL_FreeSurface(load->surf);
	seg_finish(&load->seg);
	*load = IMG_LOAD_EMPTY;
}

enum img_status img_publish(struct share *share, struct img_load *load,
			    struct err *err)
{
	struct seg *pub;

	/* Locked before it becomes attachable: a reader that connects from
	 * now on waits for the lock and then sees the whole image. */
	if (seg_lock(&load->seg, SEG_LOCK_TIMEOUT_MS, err) < 0 ||
	    share_publish(share, &load->seg, err) < 0) {
		img_load_finish(load);
		return IMG_CREATE_FAILED;
	}
	pub = share_segment(share);
	if (convert_into(load->surf, seg_pixels(pub), pub->info.pitch,
			 err) < 0) {
		/* state stays 0: readers are told the image is incomplete. */
		seg_unlock(pub);
		img_load_finish(load);
		return IMG_CREATE_FAILED;
	}
	test_copy_delay();
	seg_set_complete(pub);
	seg_unlock(pub);
	img_load_finish(load);
	return IMG_OK;
}

enum img_status img_publish_file(struct share *share, const char *path,
				 const struct img_limits *lim, struct err *err)
{
	struct img_load load;
	enum img_status st;

	st = img_load_file(&load, share_key(share), path, lim, err);
	if (st != IMG_OK)
		return st;
	return img_publish(share, &load, err);
}

SDL_Surface *img_from_segment(struct seg *seg, struct err *err)
{
	SDL_Surface *surf;

	surf = SDL_CreateRGBSurfaceWithFormat(0, (int)seg->info.width,
					      (int)seg->info.height, 32,
					      SDL_PIXELFORMAT_RGBA32);
	if (!surf) {
		err_set(err, "cannot allocate a %" PRIu32 " x %" PRIu32
			" image: %s", seg->info.width, seg->info.height,
			SDL_GetError());
		return NULL;
	}
	if (seg_read(seg, surf->pixels, (size_t)surf->pitch, err) < 0) {
		SDL_FreeSurface(surf);
		return NULL;
	}
	return surf;
}

SDL_Surface *img_attach(const char *key, struct err *err)
{
	struct seg seg;
	SDL_Surface *surf;

	if (share_attach(key, &seg, err) < 0)
		return NULL;
	surf = img_from_segment(&seg, err);
	seg_finish(&seg);
	return surf;
}

/* Transparent huge pages are 2 MiB on x86-64 and arm64 (4 KiB base). */
#define IMG_HUGE_PAGE ((size_t)2 << 20)

/* Memory for a copy-out. A fresh buffer of 4 KiB pages costs a page fault
 * and a 4 KiB clear per page on first touch: for 64 MiB that is 16384
 * faults, and the copy into it takes several times as long as the same
 * copy into warm memory. Aligned to 2 MiB and advised MADV_HUGEPAGE (THP
 * is in "madvise" mode on Debian), it takes one fault per 2 MiB. Where THP
 * is off the advice is ignored and this is ordinary memory. NULL when the
 * mapping fails (errno set). */
static void *huge_alloc(size_t size, size_t *map_size)
{
	size_t len = (size + IMG_HUGE_PAGE - 1) & ~(IMG_HUGE_PAGE - 1);
	uint8_t *map, *start;
	size_t head;

	/* Under one huge page, a huge page would only mean clearing more
	 * memory than the image needs: ordinary pages then. */
	if (size < IMG_HUGE_PAGE) {
		map = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		*map_size = size;
		return map;
	}

	/* One huge page more than needed, so an aligned start fits; the
	 * unaligned head and the tail are given back at once. */
	map = mmap(NULL, len + IMG_HUGE_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	head = (IMG_HUGE_PAGE - (uintptr_t)map % IMG_HUGE_PAGE) % IMG_HUGE_PAGE;
	start = map + head;
	if (head > 0)
		munmap(map, head);
	munmap(start + len, IMG_HUGE_PAGE - head);
	(void)madvise(start, len, MADV_HUGEPAGE);
	*map_size = len;
	return start;
}

void img_rgba_free(struct img_rgba *rgba)
{
	if (rgba->pixels)
		munmap(rgba->pixels, rgba->map_size);
	*rgba = IMG_RGBA_EMPTY;
}

int img_rgba_from_segment(struct seg *seg, struct img_rgba *rgba,
			  struct err *err)
{
	const struct seg_info *in = &seg->info;
	size_t map_size;
	uint8_t *pixels;

	img_rgba_free(rgba);
	/* The segment's own pitch: the copy is then one memcpy of
	 * pixel_bytes rather than one per row. */
	pixels = huge_alloc((size_t)in->pixel_bytes, &map_size);
	if (!pixels) {
		err_errno(err, errno, "cannot allocate a %" PRIu32 " x %"
			  PRIu32 " image", in->width, in->height);
		return -1;
	}
	if (seg_read(seg, pixels, in->pitch, err) < 0) {
		munmap(pixels, map_size);
		return -1;
	}
	*rgba = (struct img_rgba){
		.pixels = pixels,
		.width = in->width,
		.height = in->height,
		.pitch = in->pitch,
		.map_size = map_size,
	};
	return 0;
}

int img_attach_rgba(const char *key, struct img_rgba *rgba, struct err *err)
{
	struct seg seg;
	int rc;

	img_rgba_free(rgba);
	if (share_attach(key, &seg, err) < 0)
		return -1;
	rc = img_rgba_from_segment(&seg, rgba, err);
	seg_finish(&seg);
	return rc;
}

/* An image wider or taller than the renderer's largest texture (GL
 * drivers have 8192 or 16384; the software renderer has no limit) is
 * copied out and shrunk on the CPU to the largest size that fits. */
static SDL_Texture *shrunk_texture(SDL_Renderer *renderer, struct seg *seg,
				   int max_w, int max_h, struct err *err)
{
	const struct seg_info *in = &seg->info;
	double sw = max_w > 0 ? (double)max_w / in->width : 1.0;
	double sh = max_h > 0 ? (double)max_h / in->height : 1.0;
	double s = sw < sh ? sw : sh;
	int w = (int)(in->width * s), h = (int)(in->height * s);
	SDL_Surface *full, *small = NULL;
	SDL_Texture *tex = NULL;

	full = img_from_segment(seg, err);
	if (!full)
		return NULL;
	small = SDL_CreateRGBSurfaceWithFormat(0, w > 0 ? w : 1, h > 0 ? h : 1,
					       32, SDL_PIXELFORMAT_RGBA32);
	if (small && SDL_SetSurfaceBlendMode(full, SDL_BLENDMODE_NONE) == 0 &&
	    SDL_BlitScaled(full, NULL, small, NULL) == 0)
		tex = SDL_CreateTextureFromSurface(renderer, small);
	if (!tex)
		err_set(err, "cannot shrink the %" PRIu32 " x %" PRIu32
			" image to the largest texture (%d x %d): %s",
			in->width, in->height, max_w, max_h, SDL_GetError());
	SDL_FreeSurface(small);
	SDL_FreeSurface(full);
	return tex;
}

/* A streaming texture, so SDL_LockTexture hands out the texture's own
 * memory (the software renderer) or its upload buffer (GL): the segment is
 * copied once, with no surface in between. */
static SDL_Texture *streamed_texture(SDL_Renderer *renderer, struct seg *seg,
				     struct err *err)
{
	SDL_Texture *tex;
	void *pixels;
	int pitch;

	tex = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32,
				SDL_TEXTUREACCESS_STREAMING,
				(int)seg->info.width, (int)seg->info.height);
	if (!tex) {
		err_set(err, "cannot create a %" PRIu32 " x %" PRIu32
			" texture: %s", seg->info.width, seg->info.height,
			SDL_GetError());
		return NULL;
	}
	if (SDL_LockTexture(tex, NULL, &pixels, &pitch) < 0) {
		err_set(err, "cannot fill the texture: %s", SDL_GetError());
		SDL_DestroyTexture(tex);
		return NULL;
	}
	if (seg_read(seg, pixels, (size_t)pitch, err) < 0) {
		SDL_UnlockTexture(tex);
		SDL_DestroyTexture(tex);
		return NULL;
	}
	SDL_UnlockTexture(tex);
	return tex;
}

SDL_Texture *img_texture_from_segment(SDL_Renderer *renderer, struct seg *seg,
				      struct err *err)
{
	SDL_RendererInfo info;
	SDL_Texture *tex;

	if (SDL_GetRendererInfo(renderer, &info) == 0 &&
	    ((info.max_texture_width > 0 &&
	      seg->info.width > (uint32_t)info.max_texture_width) ||
	     (info.max_texture_height > 0 &&
	      seg->info.height > (uint32_t)info.max_texture_height)))
		tex = shrunk_texture(renderer, seg, info.max_texture_width,
				     info.max_texture_height, err);
	else
		tex = streamed_texture(renderer, seg, err);
	if (tex && SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND) < 0) {
		err_set(err, "cannot blend the texture: %s", SDL_GetError());
		SDL_DestroyTexture(tex);
		tex = NULL;
	}
	return tex;
}

SDL_Texture *img_attach_texture(SDL_Renderer *renderer, const char *key,
				struct err *err)
{
	SDL_Texture *tex;
	struct seg seg;

	if (share_attach(key, &seg, err) < 0)
		return NULL;
	tex = img_texture_from_segment(renderer, &seg, err);
	seg_finish(&seg);
	return tex;
}

int img_save(SDL_Surface *surf, const char *path, struct err *err)
{
	const char *ext = extension(path);
	int rc;

	if (strcasecmp(ext, "png") == 0)
		rc = IMG_SavePNG(surf, path);
	else if (strcasecmp(ext, "bmp") == 0)
		rc = SDL_SaveBMP(surf, path);
	else {
		err_set(err, "%s: the output name must end in .png or .bmp",
			path);
		return -1;
	}
	if (rc < 0) {
		err_set(err, "%s: %s", path, SDL_GetError());
		return -1;
	}
	return 0;
}
