#include "shm/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "shm/segment_inspect.h"

/* Older glibc headers lack the flag; kernels before 6.3 reject it. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* Every seal a published segment carries. F_SEAL_SEAL keeps anyone from
 * adding F_SEAL_FUTURE_WRITE or any other seal later. */
#define SEG_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
/* What a reader insists on. F_SEAL_SEAL is the owner's business: without
 * it the owner could only add seals, which take nothing away. */
#define SEG_SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* Flag bits this version knows: none. */
#define SEG_FLAGS_KNOWN 0u
/* How long a seal the kernel refuses with EBUSY is tried again. */
#define SEG_SEAL_WAIT_MS 500

_Static_assert(offsetof(struct seg_header, version) == 4, "layout");
_Static_assert(offsetof(struct seg_header, header_size) == 6, "layout");
_Static_assert(offsetof(struct seg_header, width) == 8, "layout");
_Static_assert(offsetof(struct seg_header, height) == 12, "layout");
_Static_assert(offsetof(struct seg_header, pitch) == 16, "layout");
_Static_assert(offsetof(struct seg_header, format) == 20, "layout");
_Static_assert(offsetof(struct seg_header, flags) == 24, "layout");
_Static_assert(offsetof(struct seg_header, owner_pid) == 28, "layout");
_Static_assert(offsetof(struct seg_header, pixel_bytes) == 32, "layout");
_Static_assert(offsetof(struct seg_header, reserved) == 40, "layout");
_Static_assert(sizeof(struct seg_header) == SEG_HEADER_SIZE, "layout");

static const uint8_t seg_magic[4] = { 'S', 'H', 'M', 'I' };
static const uint8_t seg_format[4] = { 'R', 'G', 'B', 'A' };

void seg_init(struct seg *seg)
{
	*seg = (struct seg){ .fd = -1, .map = MAP_FAILED };
}

uint32_t seg_pitch_for(uint32_t width)
{
	return (width * 4u + 63u) & ~63u;
}

uint8_t *seg_rows(struct seg *seg)
{
	return (uint8_t *)seg->map + seg->info.header_size;
}

const uint8_t *seg_pixels(const struct seg *seg)
{
	return (const uint8_t *)seg->map + seg->info.header_size;
}

int seg_check_size(uint64_t width, uint64_t height, uint64_t max_bytes,
		   struct err *err)
{
	char need[32], limit[32];
	uint64_t bytes;

	/* Above the contract's largest image no limit means anything, and
	 * the products below stay far from 2^64. */
	if (max_bytes > SEG_MAX_IMAGE_BYTES)
		max_bytes = SEG_MAX_IMAGE_BYTES;
	if (width >= 1 && width <= SEG_MAX_DIM && height >= 1 &&
	    height <= SEG_MAX_DIM && width * height * 4u <= max_bytes)
		return 0;
	/* A claim can be anything: the figure saturates rather than wrap. */
	if (__builtin_mul_overflow(width, height, &bytes) ||
	    __builtin_mul_overflow(bytes, 4u, &bytes))
		bytes = UINT64_MAX;
	err_set(err, "the image is %" PRIu64 " x %" PRIu64 " pixels (%s as "
		"RGBA); the limit is 1 to %u pixels a side and %s",
		width, height, bytes_format(bytes, need, sizeof(need)),
		SEG_MAX_DIM, bytes_format(max_bytes, limit, sizeof(limit)));
	return -1;
}

/* The layout of a width x height image, which seg_check_size() passed. */
static struct seg_info layout(uint32_t width, uint32_t height)
{
	uint32_t pitch = seg_pitch_for(width);
	uint64_t pixel_bytes = (uint64_t)pitch * height;

	return (struct seg_info){
		.width = width,
		.height = height,
		.pitch = pitch,
		.header_size = SEG_HEADER_SIZE,
		.claimed_pid = getpid(),
		.pixel_bytes = pixel_bytes,
		.total_size = SEG_HEADER_SIZE + pixel_bytes,
	};
}

static void header_of(const struct seg_info *info, struct seg_header *h)
{
	*h = (struct seg_header){
		.version = SEG_VERSION,
		.header_size = info->header_size,
		.width = info->width,
		.height = info->height,
		.pitch = info->pitch,
		.owner_pid = (int32_t)info->claimed_pid,
		.pixel_bytes = info->pixel_bytes,
	};
	memcpy(h->magic, seg_magic, sizeof(h->magic));
	memcpy(h->format, seg_format, sizeof(h->format));
}

/* A memfd for key of exactly size bytes. Returns the fd, or -1. */
static int memfd_sized(const char *key, uint64_t size, struct err *err)
{
	char name[sizeof("sharedmemory:") + 64];
	int fd;

	snprintf(name, sizeof(name), "sharedmemory:%s", key);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING |
				MFD_NOEXEC_SEAL);
	/* Kernels before 6.3 do not know MFD_NOEXEC_SEAL and say EINVAL;
	 * without it the segment is simply not marked non-executable. */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		err_errno(err, errno, "memfd_create");
		return -1;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		err_errno(err, errno, "cannot size the segment to %" PRIu64
			  " bytes", size);
		close(fd);
		return -1;
	}
	return fd;
}

int seg_create(struct seg *seg, const char *key, uint32_t width,
	       uint32_t height, struct err *err)
{
	seg_init(seg);
	if (seg_check_size(width, height, SEG_MAX_IMAGE_BYTES, err) < 0)
		return -1;
	seg->info = layout(width, height);
	seg->fd = memfd_sized(key, seg->info.total_size, err);
	if (seg->fd < 0)
		goto err;
	/* MAP_POPULATE allocates the pages now, in one go, rather than one
	 * fault at a time while the rows are written. */
	seg->map = mmap(NULL, seg->info.total_size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, seg->fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map %" PRIu64 " bytes",
			  seg->info.total_size);
		goto err;
	}
	seg->map_size = seg->info.total_size;
	header_of(&seg->info, seg->map);
	return 0;
err:
	seg_finish(seg);
	return -1;
}

/* F_ADD_SEALS, tried again for up to SEG_SEAL_WAIT_MS while the kernel
 * answers EBUSY: a writable mapping of the file still exists, or a page
 * is still pinned. A filler that has exited, and been reaped, can leave
 * its mappings for a moment: its address space is torn down by whoever
 * lets go of it last, and that can be a process reading its /proc/PID
 * maps, smaps or stat (a ps or top) as it exits. The waits double from
 * 1 ms to 64 ms; nothing spins. */
static int add_seals(int fd, int seals)
{
	int64_t until = clock_ms() + SEG_SEAL_WAIT_MS;

	for (long ms = 1;; ms = ms < 64 ? ms * 2 : 64) {
		if (fcntl(fd, F_ADD_SEALS, seals) == 0)
			return 0;
		if (errno != EBUSY || clock_ms() >= until)
			return -1;
		nanosleep(&(struct timespec){ .tv_nsec = ms * 1000000 }, NULL);
	}
}

int seg_seal(struct seg *seg, struct err *err)
{
	/* The kernel refuses F_SEAL_WRITE (EBUSY) while any writable
	 * shared mapping of the file exists: ours goes first. */
	munmap(seg->map, seg->map_size);
	seg->map = MAP_FAILED;
	if (add_seals(seg->fd, SEG_SEALS) < 0) {
		err_errno(err, errno, "cannot seal the segment");
		goto err;
	}
	seg->map = mmap(NULL, seg->map_size, PROT_READ, MAP_SHARED, seg->fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map the sealed segment");
		goto err;
	}
	seg->sealed = true;
	return 0;
err:
	seg_finish(seg);
	return -1;
}

int seg_alloc(struct seg *seg, const char *key, uint32_t width,
	      uint32_t height, uint64_t max_bytes, struct err *err)
{
	seg_init(seg);
	if (seg_check_size(width, height, max_bytes, err) < 0)
		return -1;
	seg->info = layout(width, height);
	seg->fd = memfd_sized(key, seg->info.total_size, err);
	if (seg->fd < 0)
		goto err;
	/* Whoever fills it can change the bytes, never the size: no memory
	 * beyond what was checked here, and no SIGBUS for a reader later. */
	if (fcntl(seg->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		err_errno(err, errno, "cannot seal the segment's size");
		goto err;
	}
	seg->map_size = seg->info.total_size;
	return 0;
err:
	seg_finish(seg);
	return -1;
}

void seg_prefault(const struct seg *seg)
{
	/* Best effort: a page fallocate could not make is made by the
	 * first write instead, or its failure shows there. */
	(void)fallocate(seg->fd, 0, 0, (off_t)seg->info.total_size);
}

int seg_fill_open(struct seg *seg, int fd, uint32_t width, uint32_t height,
		  struct err *err)
{
	seg_init(seg);
	seg->fd = fd;
	seg->info = layout(width, height);
	if (lseek(fd, 0, SEEK_END) != (off_t)seg->info.total_size) {
		err_set(err, "the segment handed over is not sized for %" PRIu32
			" x %" PRIu32, width, height);
		goto err;
	}
	seg->map = mmap(NULL, seg->info.total_size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map the segment");
		goto err;
	}
	seg->map_size = seg->info.total_size;
	return 0;
err:
	seg_finish(seg);
	return -1;
}

int seg_seal_filled(struct seg *seg, uint64_t max_bytes, struct err *err)
{
	struct seg_header h;
	int fd = seg->fd;

	/* The header is this process's, whatever the filler wrote there. */
	seg->info.claimed_pid = getpid();
	header_of(&seg->info, &h);
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		err_errno(err, errno, "cannot write the segment's header");
		goto err;
	}
	/* EBUSY to the end: someone still maps it writable, and could
	 * change it after it is published. */
	if (add_seals(fd, SEG_SEALS) < 0) {
		if (errno == EBUSY)
			err_errno(err, errno, "cannot seal the segment (after "
				  "%d ms it is still mapped writable "
				  "elsewhere)", SEG_SEAL_WAIT_MS);
		else
			err_errno(err, errno, "cannot seal the segment");
		goto err;
	}
	seg->fd = -1;
	seg_finish(seg);
	return seg_open(seg, fd, max_bytes, err);
err:
	seg_finish(seg);
	return -1;
}

/* One header field's range: min <= value <= max, a multiple of step. */
struct range {
	const char *field;
	uint64_t value, min, max, step;
};

static int check_ranges(const struct range *r, size_t n, struct err *err)
{
	for (; n > 0; n--, r++) {
		if (r->value >= r->min && r->value <= r->max &&
		    r->value % r->step == 0)
			continue;
		if (r->min == r->max)
			err_set(err, "header field %s is %" PRIu64 "; it must "
				"be %" PRIu64, r->field, r->value, r->min);
		else
			err_set(err, "header field %s is %" PRIu64 "; it must "
				"be a multiple of %" PRIu64 " from %" PRIu64
				" to %" PRIu64, r->field, r->value, r->step,
				r->min, r->max);
		return -1;
	}
	return 0;
}

/* The fields that are not ranges: magic, version, format, flags. */
static int check_kind(const struct seg_header *h, struct err *err)
{
	if (memcmp(h->magic, seg_magic, sizeof(seg_magic)) != 0)
		err_set(err, "header field magic is invalid (not an image "
			"segment)");
	else if (h->version != SEG_VERSION)
		err_set(err, "header field version is %u; this reader knows "
			"only version %u", (unsigned)h->version, SEG_VERSION);
	else if (memcmp(h->format, seg_format, sizeof(seg_format)) != 0)
		err_set(err, "header field format is not RGBA");
	else if (h->flags & ~SEG_FLAGS_KNOWN)
		err_set(err, "header field flags is 0x%" PRIx32 "; this reader "
			"knows none of those bits", h->flags);
	else
		return 0;
	return -1;
}

/* The numeric fields, in an order where each bound uses only fields
 * already checked. */
static int check_fields(const struct seg_header *h, struct err *err)
{
	/* Without an upper bound on pitch a small image could make a
	 * reader map gigabytes. */
	const struct range r[] = {
		{ "header_size", h->header_size, SEG_HEADER_SIZE, UINT16_MAX,
		  64 },
		{ "width", h->width, 1, SEG_MAX_DIM, 1 },
		{ "height", h->height, 1, SEG_MAX_DIM, 1 },
		{ "pitch", h->pitch, (uint64_t)h->width * 4u, SEG_MAX_PITCH,
		  4 },
		{ "pixel_bytes", h->pixel_bytes, (uint64_t)h->pitch * h->height,
		  (uint64_t)h->pitch * h->height, 1 },
	};

	return check_ranges(r, sizeof(r) / sizeof(r[0]), err);
}

int seg_validate(const void *header, uint64_t size, struct seg_info *info,
		 struct err *err)
{
	struct seg_header h;
	uint64_t total;

	if (size < SEG_HEADER_SIZE) {
		err_set(err, "segment is %" PRIu64 " bytes, smaller than the "
			"%u-byte header", size, SEG_HEADER_SIZE);
		return -1;
	}
	/* One copy, judged and used; the caller's bytes are never read
	 * again. */
	memcpy(&h, header, sizeof(h));
	if (check_kind(&h, err) < 0 || check_fields(&h, err) < 0)
		return -1;
	/* No overflow: header_size < 2^16, pixel_bytes < 2^32 here. */
	total = h.header_size + h.pixel_bytes;
	if (total > size) {
		err_set(err, "header fields header_size + pixel_bytes "
			"(%u + %" PRIu64 ") exceed the segment's %" PRIu64
			" bytes", (unsigned)h.header_size, h.pixel_bytes, size);
		return -1;
	}
	/* Memory beyond what the header describes is pinned by every
	 * holder of the fd, yet no reader can see or account for it. */
	if (size - total > (uint64_t)getpagesize()) {
		err_set(err, "the segment is %" PRIu64 " bytes, more than one "
			"page beyond the %" PRIu64 " its header describes; "
			"refusing it", size, total);
		return -1;
	}
	*info = (struct seg_info){
		.width = h.width,
		.height = h.height,
		.pitch = h.pitch,
		.header_size = h.header_size,
		.claimed_pid = h.owner_pid,
		.pixel_bytes = h.pixel_bytes,
		.total_size = total,
	};
	return 0;
}

/* Reads exactly len bytes at off. Returns 0, or -1 with errno set (EIO
 * for a file shorter than its validated size, which sealing rules out). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* The checks on the fd itself. Returns 0, or -1 with the reason. */
static int check_fd(int fd, struct stat *st, struct err *err)
{
	struct statfs fs;
	int seals;

	/* A memfd lives on shmem unless it was made with MFD_HUGETLB. On
	 * hugetlbfs a hole punched by the owner takes pages away whatever
	 * the seals say, and the reader dies of SIGBUS. */
	if (fstatfs(fd, &fs) < 0) {
		err_errno(err, errno, "fstatfs on the segment");
		return -1;
	}
	if (fs.f_type != TMPFS_MAGIC) {
		err_set(err, "the segment is not on shared memory (file "
			"system 0x%lx, not tmpfs); refusing it",
			(unsigned long)fs.f_type);
		return -1;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		err_errno(err, errno, "the owner passed something that is not "
			  "a memfd (F_GET_SEALS)");
		return -1;
	}
	/* Size seals rule out SIGBUS inside the validated size; the write
	 * seal rules out anyone, the owner included, changing what we
	 * read. F_SEAL_FUTURE_WRITE is not enough: mappings made before
	 * it stay writable. */
	if ((seals & SEG_SEALS_NEEDED) != SEG_SEALS_NEEDED) {
		err_set(err, "the segment is not sealed against %s (seals "
			"0x%x); refusing it", !(seals & F_SEAL_WRITE) ?
			"writing" : "resizing", (unsigned)seals);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		err_errno(err, errno, "fstat on the segment");
		return -1;
	}
	if (!S_ISREG(st->st_mode) || st->st_size < 0) {
		err_set(err, "the segment is not a regular memory file");
		return -1;
	}
	return 0;
}

int seg_open(struct seg *seg, int fd, uint64_t max_bytes, struct err *err)
{
	struct seg_header head;
	struct seg_info info;
	struct stat st;

	seg_init(seg);
	seg->fd = fd;
	if (check_fd(fd, &st, err) < 0)
		goto err;
	if ((uint64_t)st.st_size < SEG_HEADER_SIZE) {
		err_set(err, "segment is %lld bytes, smaller than the %u-byte "
			"header", (long long)st.st_size, SEG_HEADER_SIZE);
		goto err;
	}
	/* The header is read, not mapped: nothing is mapped before the
	 * sizes it states are known to fit. */
	if (read_at(fd, &head, sizeof(head), 0) < 0) {
		err_errno(err, errno, "cannot read the segment header");
		goto err;
	}
	if (seg_validate(&head, (uint64_t)st.st_size, &info, err) < 0 ||
	    seg_check_size(info.width, info.height, max_bytes, err) < 0)
		goto err;

	/* Read-only and not populated: a reader that only asks for the
	 * size, or shows a small version, never faults in every page. */
	seg->map = mmap(NULL, info.total_size, PROT_READ, MAP_SHARED, fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map %" PRIu64 " bytes",
			  info.total_size);
		goto err;
	}
	seg->map_size = info.total_size;
	seg->info = info;
	seg->sealed = true;
	return 0;
err:
	seg_finish(seg);
	return -1;
}

int seg_read_rows(const struct seg *seg, uint32_t y, uint32_t rows,
		  void *dst, size_t dst_pitch, struct err *err)
{
	const struct seg_info *in = &seg->info;
	size_t row = (size_t)in->width * 4u;
	uint64_t off = in->header_size + (uint64_t)y * in->pitch;
	uint8_t *out = dst;

	/* Same layout: one read for all the rows. */
	if (dst_pitch == in->pitch) {
		if (read_at(seg->fd, out, (size_t)rows * in->pitch, off) < 0)
			goto err;
		return 0;
	}
	for (uint32_t i = 0; i < rows; i++)
		if (read_at(seg->fd, out + (size_t)i * dst_pitch, row,
			    off + (uint64_t)i * in->pitch) < 0)
			goto err;
	return 0;
err:
	err_errno(err, errno, "cannot read the segment's pixels");
	return -1;
}

int seg_read(const struct seg *seg, void *dst, size_t dst_pitch,
	     struct err *err)
{
	return seg_read_rows(seg, 0, seg->info.height, dst, dst_pitch, err);
}

void seg_finish(struct seg *seg)
{
	if (seg->map != MAP_FAILED)
		munmap(seg->map, seg->map_size);
	if (seg->fd >= 0)
		close(seg->fd);
	seg_init(seg);
}
