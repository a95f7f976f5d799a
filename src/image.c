#include "image.h"

#include <SDL_image.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "image_probe.h"

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
		err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels "
			"(%" PRIu64 " MiB as RGBA), over the limit of %" PRIu64
			" MiB", w, h, (bytes + (1u << 20) - 1) >> 20,
			lim->max_bytes >> 20);
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

/* Reads the dimensions from the header. Returns 1 with *w, *h when known
 * and within the limits, 0 when the format has no probe, -1 on refusal. */
static int probe_file(SDL_RWops *rw, const char *path,
		      const struct img_limits *lim, uint32_t *w, uint32_t *h,
		      struct err *err)
{
	switch (probe_dimensions(rw, w, h, err)) {
	case PROBE_OK:
		if (check_limits(*w, *h, lim, err) < 0) {
			err_prefix(err, "%s", path);
			return -1;
		}
		return 1;
	case PROBE_BAD:
		err_prefix(err, "%s", path);
		return -1;
	case PROBE_UNKNOWN:
		break;
	}
	return 0;
}

/* Decodes an opened file (rw is closed). NULL with the reason. */
static SDL_Surface *decode(SDL_RWops *rw, const char *path,
			   const struct img_limits *lim, struct err *err)
{
	SDL_Surface *surf = IMG_LoadTyped_RW(rw, 1, extension(path));

	if (!surf) {
		err_set(err, "%s: not an image (%s)", path, IMG_GetError());
		return NULL;
	}
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

/* Copies surf into dst (RGBA32 rows of dst_pitch bytes). The two formats
 * SDL_image hands back for most files get a plain loop, several times
 * faster than SDL_ConvertPixels; everything else (palettes, colour keys,
 * 16-bit, grey) goes through SDL's own conversion so the result is exactly
 * SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32). */
static int convert_into(SDL_Surface *surf, uint8_t *dst, size_t dst_pitch,
			struct err *err)
{
	Uint32 fmt = surf->format->format;
	size_t row = (size_t)surf->w * 4u;
	const uint8_t *src = surf->pixels;
	SDL_Surface *tmp;
	bool plain = !SDL_HasColorKey(surf) && !SDL_MUSTLOCK(surf);

	if (plain && fmt == SDL_PIXELFORMAT_RGBA32) {
		for (int y = 0; y < surf->h; y++)
			memcpy(dst + (size_t)y * dst_pitch,
			       src + (size_t)y * (size_t)surf->pitch, row);
		return 0;
	}
	if (plain && fmt == SDL_PIXELFORMAT_RGB24) {
		for (int y = 0; y < surf->h; y++) {
			const uint8_t *s = src + (size_t)y * (size_t)surf->pitch;
			uint8_t *d = dst + (size_t)y * dst_pitch;

			for (int x = 0; x < surf->w; x++) {
				d[0] = s[0];
				d[1] = s[1];
				d[2] = s[2];
				d[3] = 0xff;
				s += 3;
				d += 4;
			}
		}
		return 0;
	}
	tmp = SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32, 0);
	if (!tmp) {
		err_set(err, "cannot convert the image to RGBA: %s",
			SDL_GetError());
		return -1;
	}
	for (int y = 0; y < tmp->h; y++)
		memcpy(dst + (size_t)y * dst_pitch,
		       (const uint8_t *)tmp->pixels + (size_t)y * (size_t)tmp->pitch,
		       row);
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

enum img_status img_publish_file(struct share *share, const char *path,
				 const struct img_limits *lim, struct err *err)
{
	struct create_job job = { .key = share_key(share), .rc = -1 };
	pthread_t thread;
	bool threaded = false;
	SDL_Surface *surf;
	SDL_RWops *rw;
	struct seg seg;
	struct seg *pub;
	int probed;

	seg_init(&job.seg);
	rw = open_image(path, err);
	if (!rw)
		return IMG_NOT_IMAGE;
	probed = probe_file(rw, path, lim, &job.width, &job.height, err);
	if (probed < 0) {
		SDL_RWclose(rw);
		return IMG_NOT_IMAGE;
	}
	if (probed == 1)
		threaded = pthread_create(&thread, NULL, create_job_run,
					  &job) == 0;

	surf = decode(rw, path, lim, err);

	if (threaded)
		pthread_join(thread, NULL);
	if (!surf) {
		seg_finish(&job.seg);
		return IMG_NOT_IMAGE;
	}
	seg = job.seg;
	if (!threaded || job.rc < 0 || seg.info.width != (uint32_t)surf->w ||
	    seg.info.height != (uint32_t)surf->h) {
		/* No probe for this format, the thread could not start, or
		 * the header lied: make the segment now, at the real size. */
		seg_finish(&seg);
		if (seg_create(&seg, share_key(share), (uint32_t)surf->w,
			       (uint32_t)surf->h, err) < 0) {
			SDL_FreeSurface(surf);
			return IMG_CREATE_FAILED;
		}
	}

	/* Locked before it becomes attachable: a reader that connects from
	 * now on waits for the lock and then sees the whole image. */
	if (seg_lock(&seg, SEG_LOCK_TIMEOUT_MS, err) < 0 ||
	    share_publish(share, &seg, err) < 0) {
		seg_finish(&seg);
		SDL_FreeSurface(surf);
		return IMG_CREATE_FAILED;
	}
	pub = share_segment(share);
	if (convert_into(surf, seg_pixels(pub), pub->info.pitch, err) < 0) {
		/* state stays 0: readers are told the image is incomplete. */
		seg_unlock(pub);
		SDL_FreeSurface(surf);
		return IMG_CREATE_FAILED;
	}
	test_copy_delay();
	seg_set_complete(pub);
	seg_unlock(pub);
	SDL_FreeSurface(surf);
	return IMG_OK;
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
	int fd;

	fd = name_attach(key, NAME_ATTACH_TIMEOUT_MS, NULL, err);
	if (fd < 0)
		return NULL;
	if (seg_open(&seg, fd, err) < 0)
		return NULL;
	surf = img_from_segment(&seg, err);
	seg_finish(&seg);
	return surf;
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
