#include "decode/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads smaller than this are served from a buffer filled this much at a
 * time: libpng asks for each chunk's 8-byte header and then its data, so
 * a large PNG read straight from the fd costs tens of thousands of
 * system calls. */
#define SOURCE_BUF (64u << 10)

struct source {
	int fd;
	Sint64 size, pos;
	uint64_t past_end;	/* bytes asked for beyond size */
	void (*stop)(void);
	Sint64 buf_at;		/* the file offset of buf[0] */
	size_t buf_len;		/* bytes of buf read from there */
	uint8_t buf[SOURCE_BUF];
};

static struct source *of(SDL_RWops *rw)
{
	return rw->hidden.unknown.data1;
}

static Sint64 source_size(SDL_RWops *rw)
{
	return of(rw)->size;
}

static Sint64 source_seek(SDL_RWops *rw, Sint64 offset, int whence)
{
	struct source *s = of(rw);
	Sint64 base = whence == RW_SEEK_SET ? 0 :
		      whence == RW_SEEK_CUR ? s->pos : s->size;

	if ((whence != RW_SEEK_SET && whence != RW_SEEK_CUR &&
	     whence != RW_SEEK_END) || offset < -base ||
	    offset > INT64_MAX - base)
		return SDL_SetError("cannot seek there");
	s->pos = base + offset;
	return s->pos;
}

/* Up to n bytes at s->pos into ptr, from the buffer when it holds them,
 * else from the fd (through the buffer for a small read). Returns how
 * many, 0 where the file ends, or -1 with errno, as pread does. */
static ssize_t read_some(struct source *s, void *ptr, size_t n)
{
	ssize_t r;

	if (s->pos < s->buf_at || s->pos >= s->buf_at + (Sint64)s->buf_len) {
		if (n >= SOURCE_BUF)
			return pread(s->fd, ptr, n, (off_t)s->pos);
		r = pread(s->fd, s->buf, SOURCE_BUF, (off_t)s->pos);
		if (r <= 0)
			return r;
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
	}
	r = (ssize_t)(s->buf_len - (size_t)(s->pos - s->buf_at));
	if ((size_t)r > n)
		r = (ssize_t)n;
	memcpy(ptr, s->buf + (s->pos - s->buf_at), (size_t)r);
	return r;
}

static size_t source_read(SDL_RWops *rw, void *ptr, size_t size, size_t n)
{
	struct source *s = of(rw);
	size_t want, got = 0;

	if (size == 0 || n == 0)
		return 0;
	if (__builtin_mul_overflow(size, n, &want))
		want = SIZE_MAX;
	while (got < want && s->pos < s->size) {
		size_t chunk = want - got;
		ssize_t r;

		if ((Sint64)chunk > s->size - s->pos)
			chunk = (size_t)(s->size - s->pos);
		r = read_some(s, (char *)ptr + got, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* the file shrank: what is gone is past the end */
		got += (size_t)r;
		s->pos += r;
	}
	if (got < want) {
		size_t missing = want - got;

		/* Saturating: a claim of 2^64 bytes counts as one. */
		s->past_end += missing > SOURCE_PAST_END_MAX ?
			       SOURCE_PAST_END_MAX + 1 : missing + 1;
		if (s->past_end > SOURCE_PAST_END_MAX)
			s->stop();
	}
	return got / size;
}

static size_t source_write(SDL_RWops *rw, const void *ptr, size_t size,
			   size_t n)
{
	(void)rw;
	(void)ptr;
	(void)size;
	(void)n;
	SDL_SetError("the file is read-only");
	return 0;
}

static int source_close(SDL_RWops *rw)
{
	if (rw) {
		close(of(rw)->fd);
		free(of(rw));
		SDL_FreeRW(rw);
	}
	return 0;
}

SDL_RWops *source_open(int fd, void (*past_end)(void))
{
	off_t size = lseek(fd, 0, SEEK_END);
	struct source *s;
	SDL_RWops *rw;

	if (size < 0)
		return NULL;
	/* Not SDL_calloc: the helper caps what SDL allocates at the image
	 * limit, which may be smaller than the buffer. */
	s = calloc(1, sizeof(*s));
	rw = s ? SDL_AllocRW() : NULL;
	if (!rw) {
		free(s);
		return NULL;
	}
	*s = (struct source){ .fd = fd, .size = size, .stop = past_end };
	rw->size = source_size;
	rw->seek = source_seek;
	rw->read = source_read;
	rw->write = source_write;
	rw->close = source_close;
	rw->type = SDL_RWOPS_UNKNOWN;
	rw->hidden.unknown.data1 = s;
	return rw;
}
