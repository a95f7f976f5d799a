/* pixels.c - a decoded SDL surface into a segment's RGBA rows. */
#include "decode/pixels.h"

#include <stdbool.h>
#include <string.h>

#include "common/rows.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

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
#define PIXELS_HAVE_SSSE3 1

/* The same with one SSSE3 byte shuffle per 4 pixels (12 bytes spread over
 * 16) and an OR for the alpha. Photos decode to RGB24, so this is the
 * publish path's whole conversion, and the byte loop takes about twice
 * as long as memory bandwidth allows. SSSE3 is checked at run time
 * (every x86-64 CPU since 2006 has it). */
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

/* A surface converted by row() into dst, row by row. */
struct convert_job {
	const SDL_Surface *surf;
	uint8_t *dst;
	size_t dst_pitch;
	void (*row)(const uint8_t *, uint8_t *, int);
};

static void convert_rows(void *arg, uint32_t y0, uint32_t y1)
{
	const struct convert_job *job = arg;
	const uint8_t *src = job->surf->pixels;
	size_t pitch = (size_t)job->surf->pitch;

	for (uint32_t y = y0; y < y1; y++)
		job->row(src + (size_t)y * pitch,
			 job->dst + (size_t)y * job->dst_pitch, job->surf->w);
}

/* Below this many bytes a second thread costs more than it saves. */
#define PIXELS_SPLIT_BYTES ((uint64_t)4 << 20)

/* The copy is bound by one core's memory bandwidth. By now the decode is
 * over and the segment exists, so the second core is idle: the bottom
 * half of the rows goes to it. */
static void convert_split(struct convert_job *job)
{
	rows_split(convert_rows, job, (uint32_t)job->surf->h,
		   (uint64_t)job->surf->h * job->dst_pitch, PIXELS_SPLIT_BYTES);
}

/* Copies surf into dst (RGBA32 rows of dst_pitch bytes). The two formats
 * SDL_image hands back for most files get a plain loop, several times
 * faster than SDL_ConvertPixels; everything else (palettes, colour keys,
 * 16-bit, grey) goes through SDL's own conversion so the result is exactly
 * SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGBA32). */
int pixels_convert(SDL_Surface *surf, uint8_t *dst, size_t dst_pitch,
		   struct err *err)
{
	struct convert_job job = {
		.surf = surf, .dst = dst, .dst_pitch = dst_pitch,
		.row = rgba_row,
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
#ifdef PIXELS_HAVE_SSSE3
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

