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

static int memfd_open(const char *key, struct err *err)
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
	if (fd < 0)
		err_errno(err, errno, "memfd_create");
	return fd;
}

int seg_create(struct seg *seg, const char *key, uint32_t width,
	       uint32_t height, struct err *err)
{
	struct seg_header *h;
	uint32_t pitch;
	uint64_t pixel_bytes, size;

	seg_init(seg);
	if (width < 1 || width > SEG_MAX_DIM || height < 1 ||
	    height > SEG_MAX_DIM) {
		err_set(err, "image is %" PRIu32 " x %" PRIu32
			" pixels; the largest that can be shared is %u x %u",
			width, height, SEG_MAX_DIM, SEG_MAX_DIM);
		return -1;
	}
	pitch = seg_pitch_for(width);
	pixel_bytes = (uint64_t)pitch * height;
	size = SEG_HEADER_SIZE + pixel_bytes;

	seg->fd = memfd_open(key, err);
	if (seg->fd < 0)
		goto err;
	if (ftruncate(seg->fd, (off_t)size) < 0) {
		err_errno(err, errno, "cannot size the segment to %" PRIu64
			  " bytes", size);
		goto err;
	}
	/* MAP_POPULATE allocates the pages now, in one go, rather than one
	 * fault at a time while the rows are written. */
	seg->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, seg->fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map %" PRIu64 " bytes", size);
		goto err;
	}
	seg->map_size = size;

	h = seg->map;
	memcpy(h->magic, seg_magic, sizeof(h->magic));
	h->version = SEG_VERSION;
	h->header_size = SEG_HEADER_SIZE;
	h->width = width;
	h->height = height;
	h->pitch = pitch;
	memcpy(h->format, seg_format, sizeof(h->format));
	h->flags = 0;
	h->owner_pid = (int32_t)getpid();
	h->pixel_bytes = pixel_bytes;

	seg->info = (struct seg_info){
		.width = width,
		.height = height,
		.pitch = pitch,
		.header_size = SEG_HEADER_SIZE,
		.claimed_pid = getpid(),
		.pixel_bytes = pixel_bytes,
		.total_size = size,
	};
	return 0;
err:
	seg_finish(seg);
	return -1;
}

int seg_seal(struct seg *seg, struct err *err)
{
	/* The kernel refuses F_SEAL_WRITE (EBUSY) while any writable
	 * shared mapping of the file exists: ours goes first. */
	munmap(seg->map, seg->map_size);
	seg->map = MAP_FAILED;
	if (fcntl(seg->fd, F_ADD_SEALS, SEG_SEALS) < 0) {
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

/* Refuses dimensions whose RGBA pixels exceed the reader's own limit:
 * the owner's idea of a reasonable image is not the reader's. */
static int check_max_bytes(const struct seg_info *info, uint64_t max_bytes,
			   struct err *err)
{
	uint64_t bytes = (uint64_t)info->width * info->height * 4u;
	char need[32], limit[32];

	if (bytes <= max_bytes)
		return 0;
	err_set(err, "the image is %" PRIu32 " x %" PRIu32 " pixels (%s as "
		"RGBA), over this reader's limit of %s", info->width,
		info->height, bytes_format(bytes, need, sizeof(need)),
		bytes_format(max_bytes, limit, sizeof(limit)));
	return -1;
}

int seg_validate(const void *header, uint64_t size, struct seg_info *info,
		 struct err *err)
{
	struct seg_header h;
	uint64_t row_bytes, total;

	if (size < SEG_HEADER_SIZE) {
		err_set(err, "segment is %" PRIu64 " bytes, smaller than the "
			"%u-byte header", size, SEG_HEADER_SIZE);
		return -1;
	}
	/* One copy, judged and used; the caller's bytes are never read
	 * again. */
	memcpy(&h, header, sizeof(h));

	if (memcmp(h.magic, seg_magic, sizeof(seg_magic)) != 0) {
		err_set(err, "header field magic is invalid (not an image "
			"segment)");
		return -1;
	}
	if (h.version != SEG_VERSION) {
		err_set(err, "header field version is %u; this reader knows "
			"only version %u", (unsigned)h.version, SEG_VERSION);
		return -1;
	}
	if (h.header_size < SEG_HEADER_SIZE || h.header_size % 64 != 0) {
		err_set(err, "header field header_size is %u; it must be a "
			"multiple of 64, at least %u",
			(unsigned)h.header_size, SEG_HEADER_SIZE);
		return -1;
	}
	if (h.width < 1 || h.width > SEG_MAX_DIM) {
		err_set(err, "header field width is %" PRIu32
			"; it must be 1 to %u", h.width, SEG_MAX_DIM);
		return -1;
	}
	if (h.height < 1 || h.height > SEG_MAX_DIM) {
		err_set(err, "header field height is %" PRIu32
			"; it must be 1 to %u", h.height, SEG_MAX_DIM);
		return -1;
	}
	/* Without an upper bound a small image with an absurd pitch could
	 * make a reader map gigabytes. */
	row_bytes = (uint64_t)h.width * 4u;
	if (h.pitch % 4 != 0 || h.pitch < row_bytes || h.pitch > SEG_MAX_PITCH) {
		err_set(err, "header field pitch is %" PRIu32 "; it must be a "
			"multiple of 4 from %" PRIu64 " to %u",
			h.pitch, row_bytes, SEG_MAX_PITCH);
		return -1;
	}
	if (memcmp(h.format, seg_format, sizeof(seg_format)) != 0) {
		err_set(err, "header field format is not RGBA");
		return -1;
	}
	if (h.flags & ~SEG_FLAGS_KNOWN) {
		err_set(err, "header field flags is 0x%" PRIx32 "; this reader "
			"knows none of those bits", h.flags);
		return -1;
	}
	if (h.pixel_bytes != (uint64_t)h.pitch * h.height) {
		err_set(err, "header field pixel_bytes is %" PRIu64
			"; pitch x height is %" PRIu64,
			h.pixel_bytes, (uint64_t)h.pitch * h.height);
		return -1;
	}
	if (__builtin_add_overflow((uint64_t)h.header_size, h.pixel_bytes,
				   &total) || total > size) {
		err_set(err, "header fields header_size + pixel_bytes "
			"(%u + %" PRIu64 ") exceed the segment's %" PRIu64
			" bytes", (unsigned)h.header_size, h.pixel_bytes, size);
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
	    check_max_bytes(&info, max_bytes, err) < 0)
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

int seg_read(const struct seg *seg, void *dst, size_t dst_pitch,
	     struct err *err)
{
	const struct seg_info *in = &seg->info;
	size_t row = (size_t)in->width * 4u;
	uint8_t *out = dst;

	/* Same layout: one read for every row. */
	if (dst_pitch == in->pitch) {
		if (read_at(seg->fd, out, in->pixel_bytes, in->header_size) < 0)
			goto err;
		return 0;
	}
	for (uint32_t y = 0; y < in->height; y++)
		if (read_at(seg->fd, out + (size_t)y * dst_pitch, row,
			    in->header_size + (uint64_t)y * in->pitch) < 0)
			goto err;
	return 0;
err:
	err_errno(err, errno, "cannot read the segment's pixels");
	return -1;
}

void seg_finish(struct seg *seg)
{
	if (seg->map != MAP_FAILED)
		munmap(seg->map, seg->map_size);
	if (seg->fd >= 0)
		close(seg->fd);
	seg_init(seg);
}
