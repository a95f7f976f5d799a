/* hostile_peer - a misbehaving owner or client under a key, for the tests.
 *
 *   hostile_peer owner  MODE [--key K]
 *   hostile_peer client MODE [--key K] [--seconds S] [--count N]
 *   hostile_peer list
 *
 * An abstract socket has no permissions: any process can squat a key or
 * connect to it, and the fd an owner hands over can be anything. Each
 * owner MODE plays one way of lying to a reader, built by hand here from
 * the contract-version-2 layout in src/shm/segment.h (never with
 * seg_create, whose output is honest by construction). Each client MODE
 * plays one way of pestering an honest owner, or (writer) of attacking
 * the segment it hands out. The program prints "ready" on stdout once the
 * key is bound (owner) or the attack is under way (client), then does its
 * thing until killed (owner) or until its time is up (client).
 *
 * Every forged image is WIDTH x HEIGHT (or the size its mode names) with
 * the pixel pattern of pattern_pixel(); test_hostile.c draws the same
 * pattern to check, pixel by pixel, the modes that must succeed (an
 * honest segment handed over read-only, one with a wider pitch and a
 * larger header, the widest pitch a reader accepts).
 *
 * Exit status: 0 done, 1 setup failed (client: an attack succeeded),
 * 2 usage, 77 mode needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
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
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "shm/name.h"
#include "shm/segment.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define WIDTH 16u
#define HEIGHT 8u
#define PITCH 64u		/* WIDTH * 4 */
#define NOBODY 65534u		/* the unprivileged uid of Debian's "nobody" */
#define HELD_MAX 1024		/* connections kept open by the silent modes */
#define HUGE_PAGE (2u << 20)	/* the usual x86-64 huge page */
#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* late-slow: how long the backlog stays full, and how long after its
 * accept a reader gets its fd. Either alone is within a reader's 2 s;
 * together they are not. */
#define LATE_BACKLOG_MS 1200
#define LATE_FD_MS 2500
#define LATE_OPEN_MS 100

static const char *key = NAME_DEFAULT_KEY;
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

/* The pattern of every forged image; test_hostile.c has the same one. */
static void pattern_pixel(uint32_t x, uint32_t y, uint8_t px[4])
{
	px[0] = (uint8_t)(x * 16u);
	px[1] = (uint8_t)(y * 32u);
	px[2] = (uint8_t)((x + y) * 8u);
	px[3] = (uint8_t)(255u - x);
}

static socklen_t address_of(struct sockaddr_un *sa, const char *suffix)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "sharedmemory/%u/%s%s", (unsigned)name_uid, key, suffix);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static socklen_t address(struct sockaddr_un *sa)
{
	return address_of(sa, "");
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
	uint32_t flags;
	uint64_t pixel_bytes;
	uint64_t file_size;	/* the memfd's real size */
	unsigned seals;		/* added after writing */
	bool sealing;		/* MFD_ALLOW_SEALING */
	bool hugetlb;		/* MFD_HUGETLB */
	bool sparse;		/* header only: no pixel is written */
};

/* An honest 16 x 8 segment, sealed as a v2 owner seals it. */
static struct forge honest(void)
{
	struct forge f = {
		.magic = { 'S', 'H', 'M', 'I' },
		.version = SEG_VERSION,
		.header_size = SEG_HEADER_SIZE,
		.width = WIDTH,
		.height = HEIGHT,
		.pitch = PITCH,
		.format = { 'R', 'G', 'B', 'A' },
		.flags = 0,
		.pixel_bytes = (uint64_t)PITCH * HEIGHT,
		.file_size = SEG_HEADER_SIZE + (uint64_t)PITCH * HEIGHT,
		.seals = ALL_SEALS,
		.sealing = true,
	};
	return f;
}

/* Junk everywhere a reader must not look (header padding, row padding),
 * then the pattern at the forge's own size, as far as it fits. An image
 * of dishonest shape gets the pattern at WIDTH x HEIGHT after 64 bytes. */
static void fill_pattern(uint8_t *map, uint64_t size, const struct forge *f)
{
	bool shape = f->width >= 1 && f->width <= SEG_MAX_DIM &&
		     f->height >= 1 && f->height <= SEG_MAX_DIM &&
		     f->pitch >= f->width * 4 && f->pitch <= SEG_MAX_PITCH &&
		     f->header_size >= SEG_HEADER_SIZE &&
		     f->header_size % 64 == 0;
	uint32_t w = shape ? f->width : WIDTH, h = shape ? f->height : HEIGHT;
	uint32_t pitch = shape ? f->pitch : PITCH;
	uint64_t base = shape ? f->header_size : SEG_HEADER_SIZE;

	/* Junk only where it is cheap: a huge sparse file stays sparse. */
	if (size <= (64u << 20) && size > SEG_HEADER_SIZE)
		memset(map + SEG_HEADER_SIZE, 0xa5, size - SEG_HEADER_SIZE);
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint64_t at = base + (uint64_t)y * pitch + x * 4u;

			if (at + 4 > size)
				return;
			pattern_pixel(x, y, map + at);
		}
	}
}

/* Writes the header the forge describes (each field as told, checked by
 * nobody) and the pattern. */
static void write_segment(uint8_t *map, uint64_t size, const struct forge *f)
{
	struct seg_header h;

	if (size < sizeof(h)) {
		memset(map, 'S', size);
		return;
	}
	if (!f->sparse)
		fill_pattern(map, size, f);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, f->magic, 4);
	h.version = f->version;
	h.header_size = f->header_size;
	h.width = f->width;
	h.height = f->height;
	h.pitch = f->pitch;
	memcpy(h.format, f->format, 4);
	h.flags = f->flags;
	h.owner_pid = (int32_t)getpid();
	h.pixel_bytes = f->pixel_bytes;
	memcpy(map, &h, sizeof(h));
}

/* Makes a memfd holding the forge's segment; returns the fd. With mapp
 * the writable mapping is kept (and returned) across the sealing, as an
 * owner that means to write later would; otherwise it is dropped first. */
static int make_segment(const struct forge *f, uint8_t **mapp)
{
	unsigned flags = MFD_CLOEXEC | (f->sealing ? MFD_ALLOW_SEALING : 0) |
			 (f->hugetlb ? MFD_HUGETLB : 0);
	uint8_t *map = MAP_FAILED;
	int fd = memfd_create("hostile", flags);

	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, (off_t)f->file_size) < 0)
		die("ftruncate");
	if (f->file_size > 0) {
		map = mmap(NULL, f->file_size, PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		/* A hugetlb file without a huge-page pool cannot be
		 * mapped: it goes out as it is, empty, and the reader must
		 * refuse it for its file system alone. */
		if (map == MAP_FAILED && !f->hugetlb)
			die("mmap");
		if (map != MAP_FAILED)
			write_segment(map, f->file_size, f);
	}
	if (f->hugetlb) {
		printf("hugetlb: %s\n", map == MAP_FAILED ?
		       "no huge page to map, header not written" :
		       "header and pattern written in a huge page");
		fflush(stdout);
	}
	/* F_SEAL_WRITE is refused while a writable mapping exists. */
	if (!mapp && map != MAP_FAILED)
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

/* The watch address, listening (and never accepting): held. */
static int bind_watch(void)
{
	struct sockaddr_un sa;
	socklen_t len = address_of(&sa, "/watch");
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (sock < 0)
		die("socket");
	if (bind(sock, (struct sockaddr *)&sa, len) < 0)
		die("bind the watch address");
	if (listen(sock, SOMAXCONN) < 0)
		die("listen");
	return sock;
}

/* The watch address, answered as an honest owner does: 'N' to each
 * watcher at once, then silence. So a following window is led to the
 * lie on the main address like a reader pressing M. */
static void *serve_watch(void *arg)
{
	int sock = bind_watch();

	(void)arg;
	for (;;) {
		int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);

		/* Kept open (and leaked) on purpose: a closed watch
		 * connection means the owner went away. */
		if (conn >= 0)
			(void)send(conn, "N", 1, MSG_NOSIGNAL);
	}
	return NULL;
}

/* The watch address answered by closing each connection at once, without
 * a word: a watcher that took each EOF for an owner gone and came straight
 * back would spin. */
static void *close_watchers(void *arg)
{
	int sock = bind_watch();

	(void)arg;
	for (;;) {
		int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);

		if (conn >= 0)
			close(conn);
	}
	return NULL;
}

/* One message as the protocol has it (the byte 'F'), with nfds fds
 * attached (none when nfds is 0). Errors are ignored: the reader may have
 * given up, which is its right. */
static void send_fds(int conn, const int *fds, int nfds)
{
	char payload = 'F';
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

/* 'E' and then len bytes of reason, all of it, whatever the protocol's
 * limit (a blocking send: the reader's buffer takes 10 KB at once). */
static void send_reason(int conn, const char *reason, size_t len)
{
	(void)send(conn, "E", 1, MSG_NOSIGNAL);
	(void)send(conn, reason, len, MSG_NOSIGNAL);
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
	ANSWER_REASON,		/* 'E' and the bytes in `reason` */
	ANSWER_CLOSE,		/* close at once */
	ANSWER_SILENT,		/* keep the connection, say nothing */
	ANSWER_DRIP,		/* one byte a minute, never an fd */
	ANSWER_TRICKLE,		/* 'E', a reason, then a byte every 1.5 s */
	ANSWER_LATE,		/* see late-slow */
	ANSWER_NONE,		/* never accept */
};

struct owner {
	enum answer answer;
	struct forge forge;
	int fd;			/* ANSWER_FD, ANSWER_LATE */
	uint8_t *map;		/* its mapping, for the modes that keep one */
	char reason[16384];	/* ANSWER_REASON */
	size_t reason_len;
	int held[HELD_MAX];	/* ANSWER_SILENT / _DRIP / _TRICKLE / _LATE */
	int64_t held_at[HELD_MAX];
	int nheld;
};

/* Rewrites header fields and pixels between honest and absurd values as
 * fast as it can, through a mapping made before F_SEAL_FUTURE_WRITE: a
 * reader that accepted such a segment would read a moving target. */
static void *flip_forever(void *arg)
{
	volatile uint8_t *map = arg;
	volatile struct seg_header *h = arg;

	for (unsigned long i = 0;; i++) {
		bool odd = i & 1;

		h->width = odd ? 0xffffffffu : WIDTH;
		h->height = odd ? 0x7fffffffu : HEIGHT;
		h->pitch = odd ? 4u : PITCH;
		h->header_size = odd ? 0xffc0u : SEG_HEADER_SIZE;
		h->pixel_bytes = odd ? UINT64_MAX - 64 : (uint64_t)PITCH * HEIGHT;
		map[SEG_HEADER_SIZE] = (uint8_t)i;
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

/* Our own ends of the connections that fill the backlog. */
static int fillers[64];
static int nfillers;

/* Fills the backlog of our own listening socket with connections of our
 * own, so that a reader's connect finds no room (EAGAIN). */
static void fill_backlog(void)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa);

	while (nfillers < 64) {
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
		fillers[nfillers++] = c;
	}
}

static void drop_fillers(void)
{
	while (nfillers > 0)
		close(fillers[--nfillers]);
}

/* ---- the owner modes, one setup each ---------------------------------- */

/* Each setup changes what o answers from the honest default (a fresh
 * honest segment per connection) to its mode's lie. */

static void setup_pipe(struct owner *o)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	o->fd = p[0];	/* the write end stays open: a live pipe */
}

/* A file of the forge's size made in dir with O_TMPFILE. */
static void tmpfile_in(struct owner *o, const char *dir)
{
	o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd < 0)
		die(dir);
	if (ftruncate(o->fd, (off_t)o->forge.file_size) < 0)
		die("ftruncate");
}

/* A regular file on a disk filesystem: no seals at all. */
static void setup_file(struct owner *o)
{
	tmpfile_in(o, "/var/tmp");
}

/* A shmem file that is not a memfd: it answers F_GET_SEALS (with
 * F_SEAL_SEAL only) but its size can change. */
static void setup_tmpfs_file(struct owner *o)
{
	tmpfile_in(o, "/dev/shm");
}

static void setup_memfd_unsealed(struct owner *o)
{
	o->forge.sealing = false;
	o->forge.seals = 0;
}

static void setup_memfd_shrink(struct owner *o)
{
	o->forge.seals = 0;
}

static void setup_seal_grow_only(struct owner *o)
{
	o->forge.seals = F_SEAL_GROW | F_SEAL_SEAL;
}

/* Size sealed, content not: the owner may still write. */
static void setup_no_write_seal(struct owner *o)
{
	o->forge.seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
}

/* F_SEAL_FUTURE_WRITE spares mappings made before it: this owner keeps
 * one and writes through it all the time. */
static void setup_future_write(struct owner *o)
{
	o->forge.seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
			 F_SEAL_SEAL;
	o->fd = make_segment(&o->forge, &o->map);
	start_thread(flip_forever, o->map);
}

/* Sealed like an honest segment, but on hugetlbfs, where a hole punch
 * takes pages away whatever the seals say. */
static void setup_hugetlb(struct owner *o)
{
	o->forge.hugetlb = true;
	o->forge.seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	o->forge.file_size = HUGE_PAGE;
	o->fd = make_segment(&o->forge, NULL);
}

/* An honest sealed memfd, reopened read-only: a reader maps PROT_READ
 * only, so this must work. */
static void setup_readonly_fd(struct owner *o)
{
	char path[64];
	int fd = make_segment(&o->forge, NULL);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0)
		die("reopen read-only");
	close(fd);
}

/* Honest, but not this project's own shape: rows of 100 bytes for 16
 * pixels, a 128-byte header, junk between. */
static void setup_honest_wide(struct owner *o)
{
	struct forge *f = &o->forge;

	f->pitch = 100;
	f->header_size = 128;
	f->pixel_bytes = (uint64_t)f->pitch * HEIGHT;
	f->file_size = 128 + f->pixel_bytes;
}

/* A width x height segment with an honest header and the given pitch,
 * made once and handed to every reader; sparse writes no pixel. */
static void one_segment(struct owner *o, uint32_t width, uint32_t height,
			uint32_t pitch, bool sparse)
{
	struct forge *f = &o->forge;

	f->width = width;
	f->height = height;
	f->pitch = pitch;
	f->pixel_bytes = (uint64_t)pitch * height;
	f->file_size = SEG_HEADER_SIZE + f->pixel_bytes;
	f->sparse = sparse;
	o->fd = make_segment(f, NULL);
}

/* 1 x 16384 with the widest pitch: a 1 GiB file of which a reader needs
 * 64 KiB. It must not fault in the rest. */
static void setup_pitch_65536(struct owner *o)
{
	one_segment(o, 1, SEG_MAX_DIM, SEG_MAX_PITCH, false);
}

/* An honest 4096 x 4096 header (64 MiB of pixels) over a reader's
 * --max-bytes 1M; the pixels are never written. */
static void setup_over_limit(struct owner *o)
{
	one_segment(o, 4096, 4096, 4096 * 4, true);
}

static void setup_bad_magic(struct owner *o)
{
	memcpy(o->forge.magic, "IMHS", 4);
}

static void setup_bad_version(struct owner *o)
{
	o->forge.version = SEG_VERSION + 1;
}

/* What a version-1 owner wrote: a 256-byte header. */
static void setup_v1_header(struct owner *o)
{
	o->forge.version = 1;
	o->forge.header_size = 256;
	o->forge.file_size = 256 + o->forge.pixel_bytes;
}

static void setup_unknown_flags(struct owner *o)
{
	o->forge.flags = 0x80000001u;
}

static void setup_header_small(struct owner *o)
{
	o->forge.header_size = 32;
}

static void setup_header_unaligned(struct owner *o)
{
	o->forge.header_size = 96;
	o->forge.file_size += 64;
}

static void setup_header_beyond(struct owner *o)
{
	o->forge.header_size = 0xffc0;	/* far past the file's end */
}

static void setup_zero_width(struct owner *o)
{
	o->forge.width = 0;
}

static void setup_zero_height(struct owner *o)
{
	o->forge.height = 0;
	o->forge.pixel_bytes = 0;
}

static void setup_wide(struct owner *o)
{
	o->forge.width = SEG_MAX_DIM + 1;
	o->forge.pitch = (SEG_MAX_DIM + 1) * 4;
	o->forge.height = 1;
	o->forge.pixel_bytes = o->forge.pitch;
}

static void setup_tall(struct owner *o)
{
	o->forge.height = SEG_MAX_DIM + 1;
	o->forge.pixel_bytes = (uint64_t)o->forge.pitch * o->forge.height;
}

static void setup_pitch_small(struct owner *o)
{
	o->forge.pitch = WIDTH * 4 - 4;
	o->forge.pixel_bytes = (uint64_t)o->forge.pitch * HEIGHT;
}

static void setup_pitch_unaligned(struct owner *o)
{
	o->forge.pitch = PITCH + 2;
	o->forge.pixel_bytes = (uint64_t)o->forge.pitch * HEIGHT;
	o->forge.file_size = SEG_HEADER_SIZE + o->forge.pixel_bytes;
}

/* pitch x height is 2^34 + 256: in 32-bit arithmetic it is 256, which
 * the file has room for. */
static void setup_overflow32(struct owner *o)
{
	o->forge.pitch = 0x40000010u;
	o->forge.height = 16;
	o->forge.pixel_bytes = (uint32_t)((uint64_t)o->forge.pitch * 16);
}

/* width x 4 wraps to 4 in 32 bits, which the pitch covers. */
static void setup_overflow32_width(struct owner *o)
{
	o->forge.width = 0x40000001u;
	o->forge.pitch = PITCH;
}

/* header_size + pixel_bytes wraps to 0 in 64 bits: within the file for a
 * reader that adds without checking. */
static void setup_overflow64(struct owner *o)
{
	o->forge.pixel_bytes = UINT64_MAX - 63;
}

static void setup_pixel_bytes(struct owner *o)
{
	o->forge.pixel_bytes = (uint64_t)PITCH * HEIGHT - 64;
}

/* An honest header, a file cut in the middle of the rows. */
static void setup_short_file(struct owner *o)
{
	o->forge.file_size = SEG_HEADER_SIZE + (uint64_t)PITCH * HEIGHT / 2;
}

static void setup_tiny_file(struct owner *o)
{
	o->forge.file_size = 40;	/* less than a header */
}

static void setup_empty_file(struct owner *o)
{
	o->forge.file_size = 0;
}

static void setup_bad_format(struct owner *o)
{
	memcpy(o->forge.format, "BGRA", 4);
}

/* One honest segment, made once, for every reader. */
static void setup_one_honest(struct owner *o)
{
	o->fd = make_segment(&o->forge, NULL);
}

/* 10 KB of reason where the protocol allows 200 bytes. */
static void setup_reason_long(struct owner *o)
{
	o->reason_len = (size_t)snprintf(o->reason, sizeof(o->reason),
					 "hostile reason ");
	memset(o->reason + o->reason_len, 'x', 10240);
	o->reason_len += 10240;
}

/* A reason meant to rewrite the reader's terminal: escape sequences, a
 * newline, a carriage return, a NUL, bytes that are not ASCII; then more
 * than 200 printable bytes. */
static void setup_reason_binary(struct owner *o)
{
	static const char evil[] = "hostile\x1b[2J\x1b[31mred\r\nline2"
				   "\0nul\x7f\x9b" "1m\xff\xfe\x07 end";
	size_t n = sizeof(evil) - 1;

	memcpy(o->reason, evil, n);
	memset(o->reason + n, 'y', 300);
	o->reason_len = n + 300;
}

static void setup_other_uid(struct owner *o)
{
	o->fd = make_segment(&o->forge, NULL);
	become_nobody();
}

static void setup_nobody(struct owner *o)
{
	(void)o;
	become_nobody();
}

/* What an owner mode does besides answering on the main address. */
enum mode_flag {
	MODE_NO_WATCH = 1,	/* the watch address is left alone */
	MODE_FILL_BACKLOG = 2,	/* our own connections fill the backlog */
	MODE_WATCH_CLOSE = 4,	/* every watch connection closed at once */
	MODE_WATCH_ONLY = 8,	/* the watch address held, the main one free */
};

struct owner_mode {
	const char *name;
	enum answer answer;
	void (*setup)(struct owner *o);	/* NULL: the honest forge */
	int type;		/* of the main address; 0: SOCK_STREAM */
	unsigned flags;
};

static const struct owner_mode owner_modes[] = {
	{ "pipe", ANSWER_FD, setup_pipe, 0, 0 },
	{ "file", ANSWER_FD, setup_file, 0, 0 },
	{ "tmpfs-file", ANSWER_FD, setup_tmpfs_file, 0, 0 },
	{ "memfd-unsealed", ANSWER_FRESH, setup_memfd_unsealed, 0, 0 },
	{ "memfd-shrink", ANSWER_SHRINK, setup_memfd_shrink, 0, 0 },
	{ "seal-grow-only", ANSWER_FRESH, setup_seal_grow_only, 0, 0 },
	{ "no-write-seal", ANSWER_FRESH, setup_no_write_seal, 0, 0 },
	{ "future-write", ANSWER_FD, setup_future_write, 0, 0 },
	{ "hugetlb", ANSWER_FD, setup_hugetlb, 0, 0 },
	{ "readonly-fd", ANSWER_FD, setup_readonly_fd, 0, 0 },
	{ "honest-wide", ANSWER_FRESH, setup_honest_wide, 0, 0 },
	{ "pitch-65536", ANSWER_FD, setup_pitch_65536, 0, 0 },
	{ "over-limit", ANSWER_FD, setup_over_limit, 0, 0 },
	{ "no-fd", ANSWER_NO_FD, NULL, 0, 0 },
	{ "close-at-once", ANSWER_CLOSE, NULL, 0, 0 },
	{ "two-fds", ANSWER_TWO, NULL, 0, 0 },
	{ "ctrunc", ANSWER_EIGHT, NULL, 0, 0 },
	{ "bad-magic", ANSWER_FRESH, setup_bad_magic, 0, 0 },
	{ "bad-version", ANSWER_FRESH, setup_bad_version, 0, 0 },
	{ "v1-header", ANSWER_FRESH, setup_v1_header, 0, 0 },
	{ "unknown-flags", ANSWER_FRESH, setup_unknown_flags, 0, 0 },
	{ "header-small", ANSWER_FRESH, setup_header_small, 0, 0 },
	{ "header-unaligned", ANSWER_FRESH, setup_header_unaligned, 0, 0 },
	{ "header-beyond", ANSWER_FRESH, setup_header_beyond, 0, 0 },
	{ "zero-width", ANSWER_FRESH, setup_zero_width, 0, 0 },
	{ "zero-height", ANSWER_FRESH, setup_zero_height, 0, 0 },
	{ "wide", ANSWER_FRESH, setup_wide, 0, 0 },
	{ "tall", ANSWER_FRESH, setup_tall, 0, 0 },
	{ "pitch-small", ANSWER_FRESH, setup_pitch_small, 0, 0 },
	{ "pitch-unaligned", ANSWER_FRESH, setup_pitch_unaligned, 0, 0 },
	{ "overflow32", ANSWER_FRESH, setup_overflow32, 0, 0 },
	{ "overflow32-width", ANSWER_FRESH, setup_overflow32_width, 0, 0 },
	{ "overflow64", ANSWER_FRESH, setup_overflow64, 0, 0 },
	{ "pixel-bytes", ANSWER_FRESH, setup_pixel_bytes, 0, 0 },
	{ "short-file", ANSWER_FRESH, setup_short_file, 0, 0 },
	{ "tiny-file", ANSWER_FRESH, setup_tiny_file, 0, 0 },
	{ "empty-file", ANSWER_FRESH, setup_empty_file, 0, 0 },
	{ "bad-format", ANSWER_FRESH, setup_bad_format, 0, 0 },
	{ "late-slow", ANSWER_LATE, setup_one_honest, 0, 0 },
	{ "reason-long", ANSWER_REASON, setup_reason_long, 0, 0 },
	{ "reason-binary", ANSWER_REASON, setup_reason_binary, 0, 0 },
	{ "never-answers", ANSWER_SILENT, NULL, 0, 0 },
	{ "drip", ANSWER_DRIP, NULL, 0, 0 },
	{ "slow-reason", ANSWER_TRICKLE, NULL, 0, 0 },
	{ "backlog-full", ANSWER_NONE, NULL, 0, MODE_FILL_BACKLOG },
	{ "other-uid", ANSWER_FD, setup_other_uid, 0, MODE_NO_WATCH },
	{ "dgram-squatter", ANSWER_NONE, NULL, SOCK_DGRAM, MODE_NO_WATCH },
	{ "seqpacket-squatter", ANSWER_NONE, NULL, SOCK_SEQPACKET,
	  MODE_NO_WATCH },
	{ "watch-close", ANSWER_FRESH, NULL, 0, MODE_WATCH_CLOSE },
	{ "watch-squatter", ANSWER_NONE, NULL, 0, MODE_WATCH_ONLY },
	{ "watch-other-uid", ANSWER_NONE, setup_nobody, 0, MODE_WATCH_ONLY },
};

#define N_OWNER_MODES (sizeof(owner_modes) / sizeof(owner_modes[0]))

static const struct owner_mode *owner_mode(const char *name)
{
	for (size_t i = 0; i < N_OWNER_MODES; i++)
		if (!strcmp(owner_modes[i].name, name))
			return &owner_modes[i];
	return NULL;
}

/* Sets up the owner for mode. The sockets are bound by the caller, after
 * this. */
static void owner_setup(struct owner *o, const struct owner_mode *m)
{
	o->forge = honest();
	o->answer = m->answer;
	o->fd = -1;
	if (m->setup)
		m->setup(o);
}

static void hold(struct owner *o, int conn)
{
	if (o->nheld == HELD_MAX) {
		close(o->held[0]);
		memmove(o->held, o->held + 1, sizeof(int) * (HELD_MAX - 1));
		memmove(o->held_at, o->held_at + 1,
			sizeof(int64_t) * (HELD_MAX - 1));
		o->nheld--;
	}
	o->held_at[o->nheld] = clock_ms();
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
	case ANSWER_REASON:
		send_reason(conn, o->reason, o->reason_len);
		break;
	case ANSWER_TRICKLE:
		(void)send(conn, "Ehostile slow reason ", 21, MSG_NOSIGNAL);
		hold(o, conn);
		return;
	case ANSWER_SILENT:
	case ANSWER_DRIP:
	case ANSWER_LATE:
		hold(o, conn);
		return;
	case ANSWER_CLOSE:
	case ANSWER_NONE:
		break;
	}
	close(conn);
}

/* late-slow, one cycle: the backlog full of our own connections for
 * LATE_BACKLOG_MS (a reader's connect meets EAGAIN and retries), then
 * LATE_OPEN_MS of accepting (ours closed, readers held); each reader is
 * answered with the segment LATE_FD_MS after its accept. A reader that
 * gives each step its own 2 s is still waiting at 3 s; one deadline for
 * the whole attach ends at 2 s. */
static void late_cycle(struct owner *o, int sock)
{
	int64_t end = clock_ms() + LATE_BACKLOG_MS;

	fill_backlog();
	while (clock_ms() < end) {
		int64_t t = clock_ms();

		for (int i = 0; i < o->nheld;) {
			if (t - o->held_at[i] < LATE_FD_MS) {
				i++;
				continue;
			}
			send_one(o->held[i], o->fd);
			close(o->held[i]);
			o->held[i] = o->held[o->nheld - 1];
			o->held_at[i] = o->held_at[o->nheld - 1];
			o->nheld--;
		}
		sleep_ms(10);
	}
	/* Open for LATE_OPEN_MS: ours are taken out of the queue, and a
	 * reader retrying its connect gets in and is held. */
	end = clock_ms() + LATE_OPEN_MS;
	drop_fillers();
	while (clock_ms() < end) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int conn;

		if (poll(&pfd, 1, 10) <= 0)
			continue;
		conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		    cred.pid == getpid())
			close(conn);	/* one of our own fillers */
		else
			hold(o, conn);
	}
}

/* Binds what mode m binds, before "ready". Returns the main socket. */
static int owner_bind(const struct owner *o, const struct owner_mode *m)
{
	int type = m->type ? m->type : SOCK_STREAM;
	int sock;

	if (m->flags & MODE_WATCH_ONLY)
		return bind_watch();
	sock = bind_name(type, o->answer == ANSWER_NONE ||
			       o->answer == ANSWER_LATE ? 0 : SOMAXCONN);
	if (m->flags & MODE_WATCH_CLOSE)
		start_thread(close_watchers, NULL);
	else if (!(m->flags & MODE_NO_WATCH))
		start_thread(serve_watch, NULL);
	if (m->flags & MODE_FILL_BACKLOG)
		fill_backlog();
	if (o->answer == ANSWER_LATE) {
		/* The first cycle's backlog is full before "ready". */
		fcntl(sock, F_SETFL, O_NONBLOCK);
		fill_backlog();
	}
	return sock;
}

/* The drip and trickle modes, each held connection one byte further:
 * 'F' without an fd once a minute, or one more byte of the reason every
 * 1.5 s (a reader that gives each receive a fresh wait never ends).
 * Returns when to come back. */
static int64_t drip(struct owner *o)
{
	for (int i = 0; i < o->nheld; i++) {
		if (o->answer == ANSWER_DRIP)
			send_fds(o->held[i], NULL, 0);
		else if (o->answer == ANSWER_TRICKLE)
			(void)send(o->held[i], "z", 1, MSG_NOSIGNAL |
				   MSG_DONTWAIT);
	}
	return clock_ms() + (o->answer == ANSWER_TRICKLE ? 1500 : 60000);
}

static int run_owner(const char *mode)
{
	static struct owner o;
	const struct owner_mode *m = owner_mode(mode);
	int64_t next_drip;
	int sock;

	if (!m) {
		fprintf(stderr, "hostile_peer: unknown owner mode \"%s\"\n",
			mode);
		return 2;
	}
	owner_setup(&o, m);
	sock = owner_bind(&o, m);
	ready();

	next_drip = drip(&o);
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int conn;

		if (o.answer == ANSWER_NONE) {
			pause();
			continue;
		}
		if (o.answer == ANSWER_LATE) {
			late_cycle(&o, sock);
			continue;
		}
		poll(&pfd, 1, o.answer == ANSWER_TRICKLE ? 100 : 1000);
		if (clock_ms() >= next_drip)
			next_drip = drip(&o);
		if (!(pfd.revents & POLLIN))
			continue;
		conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		answer(&o, conn);
	}
}

/* ---- client modes ---------------------------------------------------- */

static int connect_to(const char *suffix, bool nonblock)
{
	struct sockaddr_un sa;
	socklen_t len = address_of(&sa, suffix);
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

static int connect_name(bool nonblock)
{
	return connect_to("", nonblock);
}

/* Connects count times to the address with suffix (the main one, or
 * "/watch"), never reads, keeps every connection open for the given
 * time: the owner must not wait for any of them, the fds it sends stay
 * in flight in their queues, and watchers that never read must not keep
 * honest ones out for long. */
static int client_silent(const char *suffix, int seconds, int count)
{
	static int held[HELD_MAX];
	int n = 0;

	if (count > HELD_MAX)
		count = HELD_MAX;
	while (n < count) {
		int c = connect_to(suffix, false);

		if (c < 0)
			die("connect");
		held[n++] = c;
	}
	/* On the watch address, ready once the owner took each: its 'N'
	 * (or its refusal) is there, unread. */
	for (int i = 0; *suffix && i < n; i++)
		if (poll(&(struct pollfd){ .fd = held[i], .events = POLLIN }, 1,
			 5000) != 1)
			die("a watch connection was never answered");
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
	int64_t end = clock_ms() + seconds * 1000L;
	int tries = 0, fds = 0, refused = 0;

	become_nobody();
	ready();
	while (clock_ms() < end) {
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
				if (cmsg->cmsg_type == SCM_RIGHTS) {
					int fd;

					memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
					close(fd);
					fds++;
				}
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
	int64_t end = clock_ms() + seconds * 1000L;
	static int open_fds[256];
	int n = 0, failed = 0, nopen = 0;

	ready();
	while (n < count && clock_ms() < end) {
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

/* The attacks of writer, in the order tried. */
enum attack {
	ATT_MMAP_WRITE,		/* mmap PROT_WRITE, MAP_SHARED */
	ATT_MPROTECT,		/* a read-only mapping made writable */
	ATT_PWRITE,
	ATT_REOPEN_WRITE,	/* /proc/self/fd/N reopened O_RDWR, write() */
	ATT_SHRINK,		/* ftruncate to 0 */
	ATT_GROW,		/* ftruncate one page larger */
	ATT_PUNCH,		/* fallocate(PUNCH_HOLE) over the pixels */
	ATT_ADD_SEAL,		/* F_ADD_SEALS F_SEAL_FUTURE_WRITE */
	ATT_COUNT
};

static const char *const attack_names[ATT_COUNT] = {
	"mmap-write", "mprotect-write", "pwrite", "reopen-write", "shrink",
	"grow", "punch-hole", "add-seal",
};

/* Tries one attack on the segment fd of size bytes. Returns 0 when the
 * kernel refused it, 1 when it went through (the segment changed, or
 * could have). */
static int attack(enum attack a, int fd, uint64_t size)
{
	static const uint8_t junk[64] = { 0xde, 0xad, 0xbe, 0xef };
	char path[64];
	void *map;
	int rw, ok = 0;

	switch (a) {
	case ATT_MMAP_WRITE:
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		if (map != MAP_FAILED) {
			memset(map, 0xee, size < 4096 ? size : 4096);
			munmap(map, size);
			ok = 1;
		}
		break;
	case ATT_MPROTECT:
		map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap PROT_READ of the segment");
		if (mprotect(map, size, PROT_READ | PROT_WRITE) == 0) {
			memset(map, 0xee, size < 4096 ? size : 4096);
			ok = 1;
		}
		munmap(map, size);
		break;
	case ATT_PWRITE:
		ok = pwrite(fd, junk, sizeof(junk), SEG_HEADER_SIZE) > 0;
		break;
	case ATT_REOPEN_WRITE:
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rw = open(path, O_RDWR | O_CLOEXEC);
		if (rw >= 0) {
			ok = write(rw, junk, sizeof(junk)) > 0;
			close(rw);
		}
		break;
	case ATT_SHRINK:
		ok = ftruncate(fd, 0) == 0;
		break;
	case ATT_GROW:
		ok = ftruncate(fd, (off_t)size + 4096) == 0;
		break;
	case ATT_PUNCH:
		ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, (off_t)size) == 0;
		break;
	case ATT_ADD_SEAL:
		ok = fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0;
		break;
	case ATT_COUNT:
		break;
	}
	return ok;
}

/* Attaches like any reader, then tries to change what it received in
 * every way the kernel offers, again and again for the given time. Prints
 * one line per attack ("refused N / went through M") and a summary. Exit
 * 0 when every attempt was refused, 1 otherwise. */
static int client_writer(int seconds)
{
	int64_t end = clock_ms() + seconds * 1000L;
	int refused[ATT_COUNT] = { 0 }, through[ATT_COUNT] = { 0 };
	int rounds = 0, failed = 0, bad = 0;

	ready();
	do {
		struct name_peer peer;
		struct err err;
		struct stat st;
		int fd = name_attach(key, clock_ms() + NAME_ATTACH_TIMEOUT_MS,
				     &peer, &err);

		if (fd < 0) {
			if (failed++ == 0)
				fprintf(stderr, "writer: %s\n", err.msg);
			sleep_ms(10);
			continue;
		}
		if (fstat(fd, &st) < 0)
			die("fstat");
		for (int a = 0; a < ATT_COUNT; a++) {
			if (attack((enum attack)a, fd, (uint64_t)st.st_size))
				through[a]++;
			else
				refused[a]++;
		}
		close(fd);
		rounds++;
		sleep_ms(5);
	} while (clock_ms() < end);
	for (int a = 0; a < ATT_COUNT; a++) {
		printf("%s: refused %d, went through %d\n", attack_names[a],
		       refused[a], through[a]);
		bad += through[a];
	}
	printf("writer: %d rounds of %d attacks, %d went through, %d attaches "
	       "failed\n", rounds, ATT_COUNT, bad, failed);
	return bad == 0 && rounds > 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: hostile_peer owner MODE [--key K]\n"
		"       hostile_peer client silent|watch-silent|other-uid|flood|"
		"writer "
		"[--key K] [--seconds S] [--count N]\n"
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
		for (size_t i = 0; i < N_OWNER_MODES; i++)
			puts(owner_modes[i].name);
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
		return client_silent("", seconds, count);
	if (!strcmp(mode, "watch-silent"))
		return client_silent("/watch", seconds, count);
	if (!strcmp(mode, "other-uid"))
		return client_other_uid(seconds);
	if (!strcmp(mode, "flood"))
		return client_flood(seconds, count);
	if (!strcmp(mode, "writer"))
		return client_writer(seconds);
	fprintf(stderr, "hostile_peer: unknown client mode \"%s\"\n", mode);
	return 2;
}
