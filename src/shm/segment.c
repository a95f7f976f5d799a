#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Older glibc headers lack the flag; kernels before 6.3 reject it. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* Linux 5.14; glibc before 2.35 lacks the name. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* The widest row a reader accepts: the widest image, 4 bytes a pixel. A
 * larger pitch would only make a small image cost gigabytes to map. */
#define SEG_MAX_PITCH (SEG_MAX_DIM * 4u)

_Static_assert(offsetof(struct seg_header, version) == 4, "layout");
_Static_assert(offsetof(struct seg_header, header_size) == 6, "layout");
_Static_assert(offsetof(struct seg_header, width) == 8, "layout");
_Static_assert(offsetof(struct seg_header, height) == 12, "layout");
_Static_assert(offsetof(struct seg_header, pitch) == 16, "layout");
_Static_assert(offsetof(struct seg_header, format) == 20, "layout");
_Static_assert(offsetof(struct seg_header, state) == 24, "layout");
_Static_assert(offsetof(struct seg_header, owner_pid) == 28, "layout");
_Static_assert(offsetof(struct seg_header, pixel_bytes) == 32, "layout");
_Static_assert(offsetof(struct seg_header, lock) == 64, "layout");
_Static_assert(sizeof(struct seg_header) == 128, "layout");
_Static_assert(sizeof(struct seg_header) <= SEG_MIN_HEADER_SIZE, "layout");

static const uint8_t seg_magic[4] = { 'S', 'H', 'M', 'I' };
static const uint8_t seg_format[4] = { 'R', 'G', 'B', 'A' };

void seg_init(struct seg *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
	seg->map = MAP_FAILED;
}

uint32_t seg_pitch_for(uint32_t width)
{
	return (width * 4u + 63u) & ~63u;
}

static struct seg_header *header(const struct seg *seg)
{
	return seg->map;
}

uint8_t *seg_pixels(const struct seg *seg)
{
	return (uint8_t *)seg->map + seg->info.header_size;
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

static int lock_init(pthread_mutex_t *mutex, struct err *err)
{
	pthread_mutexattr_t attr;
	int rc;

	rc = pthread_mutexattr_init(&attr);
	if (rc == 0)
		rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (rc == 0)
		rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (rc == 0)
		rc = pthread_mutex_init(mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0)
		err_errno(err, rc, "cannot create the segment lock");
	return rc == 0 ? 0 : -1;
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
	size = SEG_MIN_HEADER_SIZE + pixel_bytes;

	seg->fd = memfd_open(key, err);
	if (seg->fd < 0)
		goto err;
	if (ftruncate(seg->fd, (off_t)size) < 0) {
		err_errno(err, errno, "cannot size the segment to %" PRIu64
			  " bytes", size);
		goto err;
	}
	/* Once the size is sealed nobody, the owner included, can shrink the
	 * file under a reader's mapping, so no access inside the validated
	 * size can raise SIGBUS. F_SEAL_SEAL keeps the seals as they are. */
	if (fcntl(seg->fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		err_errno(err, errno, "cannot seal the segment");
		goto err;
	}
	/* MAP_POPULATE allocates the pages now, in one go, rather than one
	 * fault at a time during the copy. */
	seg->map = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_POPULATE, seg->fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map %" PRIu64 " bytes", size);
		goto err;
	}
	seg->map_size = size;

	h = header(seg);
	memcpy(h->magic, seg_magic, sizeof(h->magic));
	h->version = SEG_VERSION;
	h->header_size = SEG_MIN_HEADER_SIZE;
	h->width = width;
	h->height = height;
	h->pitch = pitch;
	memcpy(h->format, seg_format, sizeof(h->format));
	h->state = SEG_STATE_WRITING;
	h->owner_pid = (int32_t)getpid();
	h->pixel_bytes = pixel_bytes;
	if (lock_init(&h->lock.mutex, err) < 0)
		goto err;

	seg->info = (struct seg_info){
		.width = width,
		.height = height,
		.pitch = pitch,
		.header_size = SEG_MIN_HEADER_SIZE,
		.owner_pid = getpid(),
		.pixel_bytes = pixel_bytes,
		.total_size = size,
	};
	return 0;
err:
	seg_finish(seg);
	return -1;
}

int seg_validate(const volatile void *mem, uint64_t size, struct seg_info *info,
		 struct err *err)
{
	struct seg_header h;
	uint64_t row_bytes, total;

	if (size < SEG_MIN_HEADER_SIZE) {
		err_set(err, "segment is %" PRIu64 " bytes, smaller than the "
			"%u-byte header", size, SEG_MIN_HEADER_SIZE);
		return -1;
	}
	/* The other process can change the header at any moment: take one
	 * copy and judge only that copy. */
	memcpy(&h, (const void *)mem, offsetof(struct seg_header, lock));

	if (memcmp(h.magic, seg_magic, sizeof(seg_magic)) != 0) {
		err_set(err, "header field magic is invalid (not an image "
			"segment)");
		return -1;
	}
	if (h.version != SEG_VERSION) {
		err_set(err, "header field version is %u; only %u is known",
			(unsigned)h.version, SEG_VERSION);
		return -1;
	}
	if (h.header_size < SEG_MIN_HEADER_SIZE || h.header_size % 64 != 0) {
		err_set(err, "header field header_size is %u; it must be a "
			"multiple of 64, at least %u",
			(unsigned)h.header_size, SEG_MIN_HEADER_SIZE);
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
		.owner_pid = h.owner_pid,
		.pixel_bytes = h.pixel_bytes,
		.total_size = total,
	};
	return 0;
}

int seg_open(struct seg *seg, int fd, struct err *err)
{
	const int need = F_SEAL_SHRINK | F_SEAL_GROW;
	struct seg_info info;
	struct stat st;
	void *head;
	int seals;

	seg_init(seg);
	seg->fd = fd;

	/* Only a memfd (or hugetlbfs/shmem file) answers F_GET_SEALS. Its
	 * size seals are what make the mapping safe from SIGBUS. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		err_errno(err, errno, "the owner passed something that is not "
			  "a memfd (F_GET_SEALS)");
		goto err;
	}
	if ((seals & need) != need) {
		err_set(err, "the segment's size is not sealed (seals 0x%x); "
			"refusing to map it", (unsigned)seals);
		goto err;
	}
	if (fstat(fd, &st) < 0) {
		err_errno(err, errno, "fstat on the segment");
		goto err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		err_set(err, "the segment is not a regular memory file");
		goto err;
	}

	/* Validate the header from a small mapping first, so a header that
	 * lies about its size never makes us map (and populate) more. */
	if ((uint64_t)st.st_size < SEG_MIN_HEADER_SIZE) {
		err_set(err, "segment is %lld bytes, smaller than the %u-byte "
			"header", (long long)st.st_size, SEG_MIN_HEADER_SIZE);
		goto err;
	}
	head = mmap(NULL, SEG_MIN_HEADER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (head == MAP_FAILED) {
		err_errno(err, errno, "cannot map the segment header");
		goto err;
	}
	if (seg_validate(head, (uint64_t)st.st_size, &info, err) < 0) {
		munmap(head, SEG_MIN_HEADER_SIZE);
		goto err;
	}
	munmap(head, SEG_MIN_HEADER_SIZE);

	/* Not populated here: an attach that never copies (info, a probe)
	 * would pay for mapping every page of the image. seg_read() fills
	 * the page tables in one call right before its copy. */
	seg->map = mmap(NULL, info.total_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (seg->map == MAP_FAILED) {
		err_errno(err, errno, "cannot map %" PRIu64 " bytes",
			  info.total_size);
		goto err;
	}
	seg->map_size = info.total_size;
	seg->info = info;
	return 0;
err:
	seg_finish(seg);
	return -1;
}

/* The lock word of glibc's robust mutex: the holder's thread id plus
 * FUTEX_WAITERS and FUTEX_OWNER_DIED, the kernel's robust-futex protocol.
 * It is the first word of pthread_mutex_t on every glibc target. */
static uint32_t *lock_word(const struct seg *seg)
{
	return (uint32_t *)(void *)header(seg)->lock.bytes;
}

/* While a thread holds a segment lock, the kernel's list of the robust
 * futexes to release if it dies is this one: one entry, in our private
 * memory, pointing at the lock word in the segment. glibc's own list is
 * put back at unlock. So a thread holds one segment lock at a time. */
static _Thread_local struct {
	bool active;
	struct robust_list_head head;
	struct robust_list node;
	struct robust_list_head *saved;
	size_t saved_len;
} hold;

static void hold_begin(uint32_t *word)
{
	hold.active = true;
	syscall(SYS_get_robust_list, 0, &hold.saved, &hold.saved_len);
	hold.head.list.next = &hold.head.list;
	hold.head.futex_offset = (long)((char *)word - (char *)&hold.node);
	/* Pending first: a death between the CAS and the linking is still
	 * seen by the kernel. */
	hold.head.list_op_pending = &hold.node;
	syscall(SYS_set_robust_list, &hold.head, sizeof(hold.head));
}

static void hold_end(void)
{
	hold.active = false;
	hold.head.list_op_pending = NULL;
	syscall(SYS_set_robust_list, hold.saved, hold.saved_len);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Not pthread_mutex_clocklock(): the mutex lives in memory the other
 * process writes, and glibc trusts every word of it. A forged kind
 * (priority inheritance with a holder that does not exist) ends in an
 * assert() inside glibc, and a kind rewritten while we hold the lock
 * makes pthread_mutex_unlock() run lock-elision code (SIGSEGV). So only
 * the lock word is used, with the same protocol glibc's robust mutex
 * uses, which keeps the two interchangeable. */
int seg_lock(struct seg *seg, int timeout_ms, struct err *err)
{
	uint32_t *word = lock_word(seg);
	uint32_t tid = (uint32_t)gettid(), waiters = 0;
	int64_t end = mono_ms() + timeout_ms;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	if (hold.active) {
		err_set(err, "this thread already holds a segment lock");
		return -1;
	}
	hold_begin(word);
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);

		/* Free, or its holder died holding it (the kernel set
		 * OWNER_DIED): take it. What the dead holder was doing is
		 * told by the state field. */
		if ((v & FUTEX_TID_MASK) == 0 || (v & FUTEX_OWNER_DIED)) {
			uint32_t nv = tid | waiters | (v & FUTEX_WAITERS);

			if (__atomic_compare_exchange_n(word, &v, nv, false,
							__ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				break;
			continue;
		}
		/* Our own bound, not only the kernel's: an owner that keeps
		 * changing the word must not keep us looping. */
		if (mono_ms() >= end) {
			hold_end();
			err_set(err, "lock timed out after %d ms (another "
				"process holds it and does not let go)",
				timeout_ms);
			return -1;
		}
		if (!(v & FUTEX_WAITERS)) {
			if (!__atomic_compare_exchange_n(word, &v,
							 v | FUTEX_WAITERS,
							 false,
							 __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
				continue;
			v |= FUTEX_WAITERS;
		}
		/* Once we slept, others may sleep too: keep the bit when we
		 * take the lock so the next unlock wakes them. */
		waiters = FUTEX_WAITERS;
		if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET, v, &deadline,
			    NULL, FUTEX_BITSET_MATCH_ANY) < 0 &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT) {
			int e = errno;

			hold_end();
			err_errno(err, e, "cannot lock the segment");
			return -1;
		}
	}
	hold.head.list.next = &hold.node;
	hold.node.next = &hold.head.list;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	hold.head.list_op_pending = NULL;
	seg->locked = true;
	return 0;
}

void seg_unlock(struct seg *seg)
{
	uint32_t *word;
	uint32_t v;

	if (!seg->locked)
		return;
	seg->locked = false;
	word = lock_word(seg);
	hold.head.list_op_pending = &hold.node;
	hold.head.list.next = &hold.head.list;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	v = __atomic_exchange_n(word, 0, __ATOMIC_RELEASE);
	if (v & FUTEX_WAITERS)
		syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	hold_end();
}

void seg_set_complete(struct seg *seg)
{
	header(seg)->state = SEG_STATE_COMPLETE;
}

int seg_read(struct seg *seg, void *dst, size_t dst_pitch, struct err *err)
{
	const struct seg_info *in = &seg->info;
	const uint8_t *src;
	uint8_t *out = dst;
	uint32_t state;

	/* One call maps every page of the image instead of one fault per
	 * 64 KiB during the copy; before the lock, so the lock is held only
	 * for the copy. Kernels before 5.14 say EINVAL and the copy faults
	 * the pages in itself. */
	(void)madvise(seg->map, seg->map_size, MADV_POPULATE_READ);
	if (seg_lock(seg, SEG_LOCK_TIMEOUT_MS, err) < 0)
		return -1;
	state = header(seg)->state;
	if (state != SEG_STATE_COMPLETE) {
		seg_unlock(seg);
		err_set(err, "image incomplete: its writer stopped before "
			"finishing the copy");
		return -1;
	}
	src = seg_pixels(seg);
	if (dst_pitch == in->pitch) {
		memcpy(out, src, in->pixel_bytes);
	} else {
		size_t row = (size_t)in->width * 4u;

		for (uint32_t y = 0; y < in->height; y++)
			memcpy(out + y * dst_pitch, src + (size_t)y * in->pitch,
			       row);
	}
	seg_unlock(seg);
	return 0;
}

void seg_finish(struct seg *seg)
{
	seg_unlock(seg);
	if (seg->map != MAP_FAILED)
		munmap(seg->map, seg->map_size);
	if (seg->fd >= 0)
		close(seg->fd);
	seg_init(seg);
}
