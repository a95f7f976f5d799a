/* hostile_peer - a misbehaving owner or client under a key, for the tests.
 *
 *   hostile_peer owner  MODE [--key K]
 *   hostile_peer client MODE [--key K] [--seconds S] [--count N]
 *   hostile_peer list
 *
 * An abstract socket has no permissions: any process can squat a key or
 * connect to it, and the fd an owner hands over can be anything. Each
 * owner MODE plays one way of lying to a reader, built by hand here from
 * the layout in src/shm/segment.h (never with seg_create, whose output is
 * honest by construction). Each client MODE plays one way of pestering an
 * honest owner. The program prints "ready" on stdout once the key is bound
 * (owner) or the attack is under way (client), then does its thing until
 * killed (owner) or until its time is up (client).
 *
 * Every forged image is WIDTH x HEIGHT with the pixel pattern of
 * pattern_pixel(); test_hostile.c draws the same pattern to check the one
 * mode that must succeed (a lock whose holder died) pixel by pixel.
 *
 * Exit status: 0 done, 1 setup failed, 2 usage, 77 mode needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/segment.h"

#define WIDTH 16u
#define HEIGHT 8u
#define PITCH 64u		/* WIDTH * 4 */
#define NOBODY 65534u		/* the unprivileged uid of Debian's "nobody" */
#define HELD_MAX 1024		/* connections kept open by the silent modes */

/* glibc's mutex kind bits (nptl's pthreadP.h), for the forged locks. */
#define KIND_ROBUST 16
#define KIND_PRIO_INHERIT 32
#define KIND_PRIO_PROTECT 64
#define KIND_PSHARED 128
#define KIND_ELISION 256
#define CEILING_SHIFT 19

static const char *key = "SharedMemoryExample";
static uid_t name_uid;		/* the euid in the name the readers look up */

static void die(const char *what)
{
	fprintf(stderr, "hostile_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ready(void)
{
	fputs("ready\n", stdout);
	fflush(stdout);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pattern of every forged image; test_hostile.c has the same one. */
static void pattern_pixel(uint32_t x, uint32_t y, uint8_t px[4])
{
	px[0] = (uint8_t)(x * 16u);
	px[1] = (uint8_t)(y * 32u);
	px[2] = (uint8_t)((x + y) * 8u);
	px[3] = (uint8_t)(255u - x);
}

static socklen_t address(struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "sharedmemory/%u/%s", (unsigned)name_uid, key);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Drops to nobody, keeping the death signal that a change of credentials
 * clears (the test must not leave this process behind). */
static void become_nobody(void)
{
	if (geteuid() != 0) {
		printf("skip: this mode needs root to change uid\n");
		exit(77);
	}
	if (setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		die("setresuid");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- forged segments ------------------------------------------------- */

/* What a forged segment says about itself, and how its file is made. */
struct forge {
	uint8_t magic[4];
	uint16_t version;
	uint16_t header_size;
	uint32_t width, height, pitch;
	uint8_t format[4];
	uint32_t state;
	uint64_t pixel_bytes;
	uint64_t file_size;	/* the memfd's real size */
	unsigned seals;		/* added after sizing */
	bool sealing;		/* MFD_ALLOW_SEALING */
};

static struct forge honest(void)
{
	struct forge f = {
		.magic = { 'S', 'H', 'M', 'I' },
		.version = SEG_VERSION,
		.header_size = SEG_MIN_HEADER_SIZE,
		.width = WIDTH,
		.height = HEIGHT,
		.pitch = PITCH,
		.format = { 'R', 'G', 'B', 'A' },
		.state = SEG_STATE_COMPLETE,
		.pixel_bytes = (uint64_t)PITCH * HEIGHT,
		.file_size = SEG_MIN_HEADER_SIZE + (uint64_t)PITCH * HEIGHT,
		.seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL,
		.sealing = true,
	};
	return f;
}

static void init_lock(pthread_mutex_t *m, int protocol)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&attr, protocol);
	if (pthread_mutex_init(m, &attr) != 0) {
		fprintf(stderr, "hostile_peer: pthread_mutex_init failed\n");
		exit(1);
	}
	pthread_mutexattr_destroy(&attr);
}

static void fill_pattern(uint8_t *map, uint64_t size, uint32_t width,
			 uint32_t height, uint32_t pitch)
{
	for (uint32_t y = 0; y < height; y++) {
		for (uint32_t x = 0; x < width; x++) {
			uint64_t at = SEG_MIN_HEADER_SIZE +
				      (uint64_t)y * pitch + x * 4u;

			if (at + 4 <= size)
				pattern_pixel(x, y, map + at);
		}
	}
}

/* Writes the header the forge describes (each field as told, checked by
 * nobody), a robust lock and the pattern into as many rows as fit. */
static void write_segment(uint8_t *map, uint64_t size, const struct forge *f)
{
	struct seg_header *h = (struct seg_header *)map;

	if (size >= sizeof(*h)) {
		memcpy(h->magic, f->magic, 4);
		h->version = f->version;
		h->header_size = f->header_size;
		h->width = f->width;
		h->height = f->height;
		h->pitch = f->pitch;
		memcpy(h->format, f->format, 4);
		h->state = f->state;
		h->owner_pid = (int32_t)getpid();
		h->pixel_bytes = f->pixel_bytes;
		init_lock(&h->lock.mutex, PTHREAD_PRIO_NONE);
	} else {
		memset(map, 'S', size);
	}
	/* An image of honest shape gets the pattern at its own size; any
	 * other gets it at the usual WIDTH x HEIGHT, as far as it fits. */
	if (f->width < 1 || f->width > SEG_MAX_DIM || f->height < 1 ||
	    f->height > SEG_MAX_DIM || f->pitch < f->width * 4 ||
	    f->pitch > SEG_MAX_DIM * 4)
		fill_pattern(map, size, WIDTH, HEIGHT, PITCH);
	else
		fill_pattern(map, size, f->width, f->height, f->pitch);
}

/* Makes a memfd holding the forge's segment; returns the fd. *mapp gets
 * a writable mapping of it when mapp is not NULL (else it is unmapped). */
static int make_segment(const struct forge *f, uint8_t **mapp)
{
	unsigned flags = MFD_CLOEXEC | (f->sealing ? MFD_ALLOW_SEALING : 0);
	uint8_t *map = NULL;
	int fd = memfd_create("hostile", flags);

	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, (off_t)f->file_size) < 0)
		die("ftruncate");
	if (f->file_size > 0) {
		map = mmap(NULL, f->file_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		write_segment(map, f->file_size, f);
	}
	/* F_SEAL_WRITE is refused while a writable mapping exists. */
	if (!mapp && map)
		munmap(map, f->file_size);
	if (f->seals && fcntl(fd, F_ADD_SEALS, f->seals) < 0)
		die("F_ADD_SEALS");
	if (mapp)
		*mapp = map;
	return fd;
}

/* ---- the socket side ------------------------------------------------- */

static int bind_name(int type, int backlog)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa);
	int sock = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (sock < 0)
		die("socket");
	if (bind(sock, (struct sockaddr *)&sa, len) < 0)
		die("bind");
	if (type != SOCK_DGRAM && listen(sock, backlog) < 0)
		die("listen");
	return sock;
}

/* One message as the protocol has it (a 1-byte payload), with nfds fds
 * attached (none when nfds is 0). Errors are ignored: the reader may have
 * given up, which is its right. */
static void send_fds(int conn, const int *fds, int nfds)
{
	char payload = 'S';
	struct iovec iov = { .iov_base = &payload, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)nfds);
	}
	(void)sendmsg(conn, &msg, MSG_NOSIGNAL);
}

static void send_one(int conn, int fd)
{
	send_fds(conn, &fd, 1);
}

/* ---- owner modes ----------------------------------------------------- */

/* How an owner answers each connection. */
enum answer {
	ANSWER_FD,		/* the one fd in `fd` */
	ANSWER_FRESH,		/* a fresh segment of `forge` per connection */
	ANSWER_SHRINK,		/* fresh, unsealed, shrunk after sending */
	ANSWER_TWO,		/* two fds */
	ANSWER_EIGHT,		/* eight fds: more than the reader has room for */
	ANSWER_NO_FD,		/* the byte without an fd */
	ANSWER_CLOSE,		/* close at once */
	ANSWER_SILENT,		/* keep the connection, say nothing */
	ANSWER_DRIP,		/* one byte a minute, never an fd */
	ANSWER_NONE,		/* never accept */
};

struct owner {
	enum answer answer;
	struct forge forge;
	int fd;			/* ANSWER_FD */
	uint8_t *map;		/* its mapping, for the modes that keep one */
	int held[HELD_MAX];	/* ANSWER_SILENT / ANSWER_DRIP */
	int nheld;
};

static void *hold_lock_forever(void *arg)
{
	struct seg_header *h = arg;

	pthread_mutex_lock(&h->lock.mutex);
	for (;;)
		pause();
	return NULL;
}

/* A child takes the lock and dies holding it; the kernel marks the lock
 * owner-died. With state 1 the image is whole and a reader must recover
 * the lock and succeed; with state 0 it must say "incomplete". */
static void lock_and_die(struct seg_header *h)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pthread_mutex_lock(&h->lock.mutex);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
}

/* Rewrites header fields between honest and absurd values as fast as it
 * can: a reader that read a field twice, or used the shared copy after
 * validating, would be caught between the two. */
static void *flip_forever(void *arg)
{
	volatile struct seg_header *h = arg;

	for (unsigned long i = 0;; i++) {
		bool odd = i & 1;

		h->width = odd ? 0xffffffffu : WIDTH;
		h->height = odd ? 0x7fffffffu : HEIGHT;
		h->pitch = odd ? 4u : PITCH;
		h->header_size = odd ? 0xffc0u : SEG_MIN_HEADER_SIZE;
		h->pixel_bytes = odd ? UINT64_MAX - 64 : (uint64_t)PITCH * HEIGHT;
		h->state = odd ? 0 : 1;
	}
	return NULL;
}

static void start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg) != 0) {
		fprintf(stderr, "hostile_peer: pthread_create failed\n");
		exit(1);
	}
}

/* Waits for a reader to take the lock, then, while it holds it, turns
 * the lock into another kind of mutex (a lock-elision one, unlocked):
 * a reader that hands this memory to pthread_mutex_unlock() runs code
 * for a kind it never locked. Puts an honest lock back for the next
 * reader. */
static void *swap_kind_while_held(void *arg)
{
	struct seg_header *h = arg;
	volatile int *word = &h->lock.mutex.__data.__lock;
	volatile int *kind = &h->lock.mutex.__data.__kind;

	for (;;) {
		while (*word == 0)
			;
		*kind = KIND_ELISION;
		*word = 0;
		sleep_ms(200);
		init_lock(&h->lock.mutex, PTHREAD_PRIO_NONE);
	}
	return NULL;
}

/* Fills the backlog of our own listening socket with connections of our
 * own, so that a reader's connect finds no room (EAGAIN). */
static void fill_backlog(void)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa);

	for (int i = 0; i < 64; i++) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
				       SOCK_NONBLOCK, 0);

		if (c < 0)
			die("socket");
		if (connect(c, (struct sockaddr *)&sa, len) < 0) {
			close(c);
			if (errno == EAGAIN)
				return;
			die("connect to own name");
		}
	}
}

/* Sets up the owner for mode. Returns false for an unknown mode. The
 * sockets are bound by the caller, after this. */
static bool owner_setup(struct owner *o, const char *mode)
{
	struct forge *f = &o->forge;

	*f = honest();
	o->answer = ANSWER_FRESH;
	o->fd = -1;

	if (!strcmp(mode, "pipe")) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe");
		o->answer = ANSWER_FD;
		o->fd = p[0];	/* the write end stays open: a live pipe */
	} else if (!strcmp(mode, "file")) {
		/* A regular file on a disk filesystem: no seals at all. */
		o->answer = ANSWER_FD;
		o->fd = open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (o->fd < 0)
			die("O_TMPFILE in /var/tmp");
		if (ftruncate(o->fd, (off_t)f->file_size) < 0)
			die("ftruncate");
	} else if (!strcmp(mode, "tmpfs-file")) {
		/* A shmem file that is not a memfd: it answers F_GET_SEALS
		 * (with F_SEAL_SEAL only) but its size can change. */
		o->answer = ANSWER_FD;
		o->fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (o->fd < 0)
			die("O_TMPFILE in /dev/shm");
		if (ftruncate(o->fd, (off_t)f->file_size) < 0)
			die("ftruncate");
	} else if (!strcmp(mode, "memfd-unsealed")) {
		f->sealing = false;
		f->seals = 0;
	} else if (!strcmp(mode, "memfd-shrink")) {
		f->seals = 0;
		o->answer = ANSWER_SHRINK;
	} else if (!strcmp(mode, "seal-grow-only")) {
		f->seals = F_SEAL_GROW | F_SEAL_SEAL;
	} else if (!strcmp(mode, "write-sealed")) {
		f->seals |= F_SEAL_WRITE;
	} else if (!strcmp(mode, "readonly-fd")) {
		/* The same sealed memfd, reopened read-only. */
		char path[64];
		int fd = make_segment(f, NULL);

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		o->answer = ANSWER_FD;
		o->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (o->fd < 0)
			die("reopen read-only");
		close(fd);
	} else if (!strcmp(mode, "no-fd")) {
		o->answer = ANSWER_NO_FD;
	} else if (!strcmp(mode, "close-at-once")) {
		o->answer = ANSWER_CLOSE;
	} else if (!strcmp(mode, "two-fds")) {
		o->answer = ANSWER_TWO;
	} else if (!strcmp(mode, "ctrunc")) {
		o->answer = ANSWER_EIGHT;
	} else if (!strcmp(mode, "bad-magic")) {
		memcpy(f->magic, "IMHS", 4);
	} else if (!strcmp(mode, "bad-version")) {
		f->version = 2;
	} else if (!strcmp(mode, "header-small")) {
		f->header_size = 192;
	} else if (!strcmp(mode, "header-unaligned")) {
		f->header_size = 288;
		f->file_size += 64;
	} else if (!strcmp(mode, "header-beyond")) {
		f->header_size = 0xffc0;	/* far past the file's end */
	} else if (!strcmp(mode, "zero-width")) {
		f->width = 0;
	} else if (!strcmp(mode, "zero-height")) {
		f->height = 0;
		f->pixel_bytes = 0;
	} else if (!strcmp(mode, "wide")) {
		f->width = SEG_MAX_DIM + 1;
		f->pitch = (SEG_MAX_DIM + 1) * 4;
		f->height = 1;
		f->pixel_bytes = f->pitch;
	} else if (!strcmp(mode, "tall")) {
		f->height = SEG_MAX_DIM + 1;
		f->pixel_bytes = (uint64_t)f->pitch * f->height;
	} else if (!strcmp(mode, "pitch-small")) {
		f->pitch = WIDTH * 4 - 4;
		f->pixel_bytes = (uint64_t)f->pitch * HEIGHT;
	} else if (!strcmp(mode, "pitch-unaligned")) {
		f->pitch = PITCH + 2;
		f->pixel_bytes = (uint64_t)f->pitch * HEIGHT;
		f->file_size = SEG_MIN_HEADER_SIZE + f->pixel_bytes;
	} else if (!strcmp(mode, "overflow32")) {
		/* pitch x height is 2^34 + 256: in 32-bit arithmetic it is
		 * 256, which the file has room for. */
		f->pitch = 0x40000010u;
		f->height = 16;
		f->pixel_bytes = (uint32_t)((uint64_t)f->pitch * f->height);
	} else if (!strcmp(mode, "overflow32-width")) {
		/* width x 4 wraps to 4 in 32 bits, which the pitch covers. */
		f->width = 0x40000001u;
		f->pitch = PITCH;
	} else if (!strcmp(mode, "overflow64")) {
		/* header_size + pixel_bytes wraps to 128 in 64 bits: within
		 * the file for a reader that adds without checking. */
		f->pixel_bytes = UINT64_MAX - 127;
	} else if (!strcmp(mode, "pixel-bytes")) {
		f->pixel_bytes = (uint64_t)PITCH * HEIGHT - 64;
	} else if (!strcmp(mode, "short-file")) {
		/* An honest header, a file cut in the middle of the rows. */
		f->file_size = SEG_MIN_HEADER_SIZE + (uint64_t)PITCH * HEIGHT / 2;
	} else if (!strcmp(mode, "tiny-file")) {
		f->file_size = 100;
	} else if (!strcmp(mode, "empty-file")) {
		f->file_size = 0;
	} else if (!strcmp(mode, "bad-format")) {
		memcpy(f->format, "BGRA", 4);
	} else if (!strcmp(mode, "state0")) {
		f->state = SEG_STATE_WRITING;
	} else if (!strcmp(mode, "lock-forever")) {
		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		start_thread(hold_lock_forever, o->map);
		/* ready only once the thread holds the lock */
		while (((volatile struct seg_header *)o->map)->lock.mutex
			       .__data.__lock == 0)
			sleep_ms(1);
	} else if (!strcmp(mode, "lock-dead") ||
		   !strcmp(mode, "lock-dead-incomplete")) {
		if (!strcmp(mode, "lock-dead-incomplete"))
			f->state = SEG_STATE_WRITING;
		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		lock_and_die((struct seg_header *)o->map);
	} else if (!strcmp(mode, "lock-pi")) {
		/* A robust priority-inheritance lock whose recorded holder
		 * is a thread id no process has. */
		struct seg_header *h;

		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		h = (struct seg_header *)o->map;
		init_lock(&h->lock.mutex, PTHREAD_PRIO_INHERIT);
		h->lock.mutex.__data.__lock = 0x3ffffff0;
	} else if (!strcmp(mode, "lock-pp")) {
		/* A priority-protect lock with ceiling 99: a reader that took
		 * it as root would run SCHED_FIFO 99 while holding it. */
		struct seg_header *h;

		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		h = (struct seg_header *)o->map;
		h->lock.mutex.__data.__kind = KIND_PRIO_PROTECT | KIND_PSHARED;
		h->lock.mutex.__data.__lock = 99 << CEILING_SHIFT;
	} else if (!strcmp(mode, "lock-garbage")) {
		/* Random bytes where the lock should be. */
		struct seg_header *h;
		uint32_t x = 0x9e3779b9u;

		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		h = (struct seg_header *)o->map;
		for (size_t i = 0; i < sizeof(h->lock.bytes); i++) {
			x = x * 1664525u + 1013904223u;
			h->lock.bytes[i] = (uint8_t)(x >> 24);
		}
	} else if (!strcmp(mode, "lock-swap")) {
		/* Big enough that a reader holds the lock for a while. */
		f->width = 4096;
		f->height = 1024;
		f->pitch = 4096 * 4;
		f->pixel_bytes = (uint64_t)f->pitch * f->height;
		f->file_size = SEG_MIN_HEADER_SIZE + f->pixel_bytes;
		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		start_thread(swap_kind_while_held, o->map);
	} else if (!strcmp(mode, "flip")) {
		o->answer = ANSWER_FD;
		o->fd = make_segment(f, &o->map);
		start_thread(flip_forever, o->map);
	} else if (!strcmp(mode, "never-answers")) {
		o->answer = ANSWER_SILENT;
	} else if (!strcmp(mode, "drip")) {
		o->answer = ANSWER_DRIP;
	} else if (!strcmp(mode, "backlog-full")) {
		o->answer = ANSWER_NONE;
	} else if (!strcmp(mode, "other-uid")) {
		o->answer = ANSWER_FD;
		o->fd = make_segment(f, NULL);
		become_nobody();
	} else if (!strcmp(mode, "dgram-squatter") ||
		   !strcmp(mode, "seqpacket-squatter")) {
		o->answer = ANSWER_NONE;
	} else {
		return false;
	}
	return true;
}

static void hold(struct owner *o, int conn)
{
	if (o->nheld == HELD_MAX) {
		close(o->held[0]);
		memmove(o->held, o->held + 1, sizeof(int) * (HELD_MAX - 1));
		o->nheld--;
	}
	o->held[o->nheld++] = conn;
}

static void answer(struct owner *o, int conn)
{
	int fds[8], fd;

	switch (o->answer) {
	case ANSWER_FD:
		send_one(conn, o->fd);
		break;
	case ANSWER_FRESH:
		fd = make_segment(&o->forge, NULL);
		send_one(conn, fd);
		close(fd);
		break;
	case ANSWER_SHRINK:
		/* Sent whole; once the reader has it, cut it to nothing. A
		 * reader that mapped it anyway would die of SIGBUS. */
		fd = make_segment(&o->forge, NULL);
		send_one(conn, fd);
		sleep_ms(20);
		if (ftruncate(fd, 0) < 0)
			die("ftruncate");
		close(fd);
		break;
	case ANSWER_TWO:
	case ANSWER_EIGHT: {
		int n = o->answer == ANSWER_TWO ? 2 : 8;

		for (int i = 0; i < n; i++)
			fds[i] = make_segment(&o->forge, NULL);
		send_fds(conn, fds, n);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		break;
	}
	case ANSWER_NO_FD:
		send_fds(conn, NULL, 0);
		break;
	case ANSWER_SILENT:
	case ANSWER_DRIP:
		hold(o, conn);
		return;
	case ANSWER_CLOSE:
	case ANSWER_NONE:
		break;
	}
	close(conn);
}

static int run_owner(const char *mode)
{
	static struct owner o;
	int64_t next_drip;
	int type = SOCK_STREAM;
	int sock;

	if (!owner_setup(&o, mode)) {
		fprintf(stderr, "hostile_peer: unknown owner mode \"%s\"\n",
			mode);
		return 2;
	}
	if (!strcmp(mode, "dgram-squatter"))
		type = SOCK_DGRAM;
	else if (!strcmp(mode, "seqpacket-squatter"))
		type = SOCK_SEQPACKET;
	sock = bind_name(type, o.answer == ANSWER_NONE ? 0 : SOMAXCONN);
	if (!strcmp(mode, "backlog-full"))
		fill_backlog();
	ready();

	next_drip = now_ms() + 60000;
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int conn;

		if (o.answer == ANSWER_NONE) {
			pause();
			continue;
		}
		poll(&pfd, 1, 1000);
		if (o.answer == ANSWER_DRIP && now_ms() >= next_drip) {
			for (int i = 0; i < o.nheld; i++)
				send_fds(o.held[i], NULL, 0);
			next_drip += 60000;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		answer(&o, conn);
	}
}

/* ---- client modes ---------------------------------------------------- */

static int connect_name(bool nonblock)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
				(nonblock ? SOCK_NONBLOCK : 0), 0);

	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		close(c);
		errno = e;
		return -1;
	}
	return c;
}

/* Connects count times, never reads, keeps every connection open for the
 * given time: the owner must not wait for any of them. */
static int client_silent(int seconds, int count)
{
	static int held[HELD_MAX];
	int n = 0;

	if (count > HELD_MAX)
		count = HELD_MAX;
	while (n < count) {
		int c = connect_name(false);

		if (c < 0)
			die("connect");
		held[n++] = c;
	}
	ready();
	printf("connected %d\n", n);
	fflush(stdout);
	sleep_ms(seconds * 1000L);
	for (int i = 0; i < n; i++)
		close(held[i]);
	return 0;
}

/* Connects as another user again and again; the owner must close each
 * connection without an fd. Exit 0 when no fd ever came, 1 otherwise. */
static int client_other_uid(int seconds)
{
	int64_t end = now_ms() + seconds * 1000L;
	int tries = 0, fds = 0, refused = 0;

	become_nobody();
	ready();
	while (now_ms() < end) {
		char byte;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} control;
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct pollfd pfd;
		struct cmsghdr *cmsg;
		int c = connect_name(false);

		if (c < 0) {
			refused++;
			sleep_ms(10);
			continue;
		}
		tries++;
		pfd = (struct pollfd){ .fd = c, .events = POLLIN };
		if (poll(&pfd, 1, 1000) == 1 &&
		    recvmsg(c, &msg, MSG_CMSG_CLOEXEC) > 0) {
			for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
			     cmsg = CMSG_NXTHDR(&msg, cmsg))
				if (cmsg->cmsg_type == SCM_RIGHTS)
					fds++;
		}
		close(c);
		sleep_ms(5);
	}
	printf("other-uid: %d connections, %d refused, %d fds received\n",
	       tries, refused, fds);
	return fds == 0 && tries > 0 ? 0 : 1;
}

/* Opens connections as fast as it can for the given time (at most count),
 * each closed unread, up to 256 kept open at a time. */
static int client_flood(int seconds, int count)
{
	int64_t end = now_ms() + seconds * 1000L;
	static int open_fds[256];
	int n = 0, failed = 0, nopen = 0;

	ready();
	while (n < count && now_ms() < end) {
		int c = connect_name(true);

		if (c < 0) {
			failed++;
			if (errno != EAGAIN)
				sleep_ms(1);
			continue;
		}
		n++;
		if (nopen == 256) {
			for (int i = 0; i < nopen; i++)
				close(open_fds[i]);
			nopen = 0;
		}
		open_fds[nopen++] = c;
	}
	for (int i = 0; i < nopen; i++)
		close(open_fds[i]);
	printf("flood: %d connections, %d refused or full\n", n, failed);
	return 0;
}

static const char *const owner_modes[] = {
	"pipe", "file", "tmpfs-file", "memfd-unsealed", "memfd-shrink",
	"seal-grow-only", "write-sealed", "readonly-fd", "no-fd",
	"close-at-once", "two-fds", "ctrunc", "bad-magic", "bad-version",
	"header-small", "header-unaligned", "header-beyond", "zero-width",
	"zero-height", "wide", "tall", "pitch-small", "pitch-unaligned",
	"overflow32", "overflow32-width", "overflow64", "pixel-bytes",
	"short-file", "tiny-file", "empty-file", "bad-format", "state0",
	"lock-forever", "lock-dead", "lock-dead-incomplete", "lock-pi",
	"lock-pp", "lock-garbage", "lock-swap", "flip", "never-answers", "drip",
	"backlog-full", "other-uid", "dgram-squatter", "seqpacket-squatter",
};

static int usage(void)
{
	fprintf(stderr,
		"usage: hostile_peer owner MODE [--key K]\n"
		"       hostile_peer client silent|other-uid|flood [--key K] "
		"[--seconds S] [--count N]\n"
		"       hostile_peer list\n");
	return 2;
}

int main(int argc, char **argv)
{
	int seconds = 3, count = 20000;
	const char *role, *mode;

	/* A test that dies must not leave a squatter on its key. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	name_uid = geteuid();

	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0;
		     i < sizeof(owner_modes) / sizeof(owner_modes[0]); i++)
			puts(owner_modes[i]);
		return 0;
	}
	if (argc < 3)
		return usage();
	role = argv[1];
	mode = argv[2];
	for (int i = 3; i < argc; i++) {
		if (i + 1 == argc)
			return usage();
		if (!strcmp(argv[i], "--key"))
			key = argv[++i];
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--count"))
			count = atoi(argv[++i]);
		else
			return usage();
	}

	if (!strcmp(role, "owner"))
		return run_owner(mode);
	if (strcmp(role, "client") != 0)
		return usage();
	if (!strcmp(mode, "silent"))
		return client_silent(seconds, count);
	if (!strcmp(mode, "other-uid"))
		return client_other_uid(seconds);
	if (!strcmp(mode, "flood"))
		return client_flood(seconds, count);
	fprintf(stderr, "hostile_peer: unknown client mode \"%s\"\n", mode);
	return 2;
}
