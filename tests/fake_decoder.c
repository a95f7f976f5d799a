/* fake_decoder - a decoder helper that misbehaves on purpose.
 *
 *   FAKE_DECODER_MODE=MODE fake_decoder --key K --max-bytes N
 *
 * It stands in for shm-decode (`shmimage put --decoder PATH`, or
 * img_decoder_start() given its path): same argv, its parent's socket as
 * fd 3, same protocol (src/decode/protocol.h). It reads the one request
 * the way shm-decode does ('D', the extension, the file's fd), then plays
 * MODE:
 *
 *   honest        says 64 x 64, fills the parent's segment with pattern()
 *                 below and hands it back (the control: the harness
 *                 itself can succeed)
 *   crash         dies of SIGSEGV after the request, says nothing
 *   crash-after   does what honest does, then dies of SIGSEGV
 *   hang          never answers, never exits
 *   linger        does what honest does, then never exits
 *   exit3         exits with status 3 without answering
 *   exit0         exits with status 0 without answering
 *   own-segment   hands over a correct sealed 64 x 64 memfd of its own
 *                 instead of the parent's
 *   big           says 16 x 8, tries to grow the parent's segment to
 *                 1 GiB, then hands over a memfd of its own: a 16 x 8
 *                 header in 256 MiB, every page made, sealed
 *   bad-header    honest, but writes a header of its own over the
 *                 parent's (magic "XXXX", 1 x 1)
 *   resize        honest, but first grows the parent's segment to 1 GiB
 *                 and then shrinks it to 64 bytes (both refused by the
 *                 seals the parent put on it)
 *   two-fds       the parent's segment twice in one message
 *   filled-fd     honest, but its "filled" answer carries the segment
 *   pipe          a pipe instead of the segment
 *   big-reason    'E', control characters, then 10 MB of text, blocking
 *   over-limit    says 1024 x 1024 (4 MiB), whatever --max-bytes says,
 *                 and fills what it gets
 *   huge-size     says 4294967295 x 4294967295
 *   keep-mapped   honest, but leaves a process behind that keeps the
 *                 segment mapped writable for 3 s
 *   brief-mapped  the same for 150 ms: what a ps reading the exiting
 *                 helper's /proc/PID/maps does for a moment
 *
 * Its own segments are built by hand (no seg_create) so each lie is
 * exactly the one named. It never dumps core.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shm/name.h"
#include "shm/segment.h"
#include "shm/segment_inspect.h"

#include "decode/protocol.h"
#define PARENT_FD DECODE_CHILD_FD
#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* The pixel the test expects at (x, y) of an honest segment. */
static void pattern(uint32_t x, uint32_t y, uint8_t px[4])
{
	px[0] = (uint8_t)(x * 4);
	px[1] = (uint8_t)(y * 4);
	px[2] = (uint8_t)(x ^ y);
	px[3] = (uint8_t)(255 - x - y);
}

/* Reads the request like shm-decode; the fd itself is not needed. */
static int receive_request(void)
{
	char buf[32];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do
		n = recvmsg(PARENT_FD, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 1 || buf[0] != 'D')
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
	     c = CMSG_NXTHDR(&msg, c)) {
		size_t bytes = c->cmsg_len - CMSG_LEN(0);

		for (size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i, sizeof(int));
			close(fd);
		}
	}
	return 0;
}

/* Writes pattern() into w x h rows of pitch bytes at rows. */
static void paint(uint8_t *rows, uint32_t w, uint32_t h, uint32_t pitch)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			pattern(x, y, rows + (uint64_t)y * pitch + x * 4);
}

/* A w x h segment of pattern() of its own, header as the contract says
 * except for magic, sized to `size` bytes (0: the honest size), every
 * page made, then sealed with `seals`. Returns the memfd, or -1. */
static int forge(uint32_t w, uint32_t h, const char *magic, uint64_t size,
		 int seals)
{
	uint32_t pitch = seg_pitch_for(w);
	uint64_t honest = SEG_HEADER_SIZE + (uint64_t)pitch * h;
	struct seg_header head = {
		.version = SEG_VERSION,
		.header_size = SEG_HEADER_SIZE,
		.width = w,
		.height = h,
		.pitch = pitch,
		.format = { 'R', 'G', 'B', 'A' },
		.owner_pid = (int32_t)getpid(),
		.pixel_bytes = (uint64_t)pitch * h,
	};
	uint8_t *map;
	int fd = memfd_create("fake_decoder", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)honest) < 0)
		return -1;
	map = mmap(NULL, honest, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	memcpy(head.magic, magic, 4);
	memcpy(map, &head, sizeof(head));
	paint(map + SEG_HEADER_SIZE, w, h, pitch);
	munmap(map, honest);
	if (size && (ftruncate(fd, (off_t)size) < 0 ||
		     fallocate(fd, 0, 0, (off_t)size) < 0))
		return -1;
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		return -1;
	return fd;
}

/* Says w x h. Returns 0, or -1. */
static int send_size(uint32_t w, uint32_t h)
{
	char msg[1 + sizeof(struct decode_size)] = { DECODE_SIZE };
	struct decode_size size = { .width = w, .height = h };

	memcpy(msg + 1, &size, sizeof(size));
	return send(PARENT_FD, msg, sizeof(msg), MSG_NOSIGNAL) ==
	       (ssize_t)sizeof(msg) ? 0 : -1;
}

/* The parent's answer to the size: DECODE_SEGMENT and one memfd.
 * Returns the fd, or -1. */
static int receive_segment(void)
{
	char tag;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(PARENT_FD, &msg, MSG_CMSG_CLOEXEC) != 1 ||
	    tag != DECODE_SEGMENT || !(c = CMSG_FIRSTHDR(&msg)) ||
	    c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Says w x h and paints the segment the parent sends, leaving it mapped
 * at *map unless map is NULL. Returns the segment's fd, or -1. */
static int fill(uint32_t w, uint32_t h, uint8_t **map)
{
	uint32_t pitch = seg_pitch_for(w);
	uint64_t size = SEG_HEADER_SIZE + (uint64_t)pitch * h;
	uint8_t *m;
	int fd;

	if (send_size(w, h) < 0 || (fd = receive_segment()) < 0)
		return -1;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	paint(m + SEG_HEADER_SIZE, w, h, pitch);
	if (map)
		*map = m;
	else
		munmap(m, size);
	return fd;
}

static int honest(void)
{
	return fill(64, 64, NULL);
}

/* Sends payload with n copies of fd in one SCM_RIGHTS message. */
static int send_fds(char payload, int fd, int n)
{
	struct iovec iov = { .iov_base = &payload, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n),
	};
	struct cmsghdr *c;

	memset(&control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	for (int i = 0; i < n; i++)
		memcpy(CMSG_DATA(c) + sizeof(int) * (size_t)i, &fd,
		       sizeof(int));
	return sendmsg(PARENT_FD, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int send_one(int fd)
{
	return fd < 0 ? -1 : send_fds('F', fd, 1);
}

/* Says the parent's segment (fd, from fill()) is filled, as the helper
 * does: the tag alone, no fd. */
static int send_filled(int fd)
{
	char tag = DECODE_FILLED;

	if (fd < 0)
		return -1;
	close(fd);
	return send(PARENT_FD, &tag, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static void crash(void)
{
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	_exit(99);
}

static void forever(void)
{
	for (;;)
		pause();
}

/* 'E', a reason with control characters a terminal would obey, then
 * 10 MB more, written blocking the way a careless helper would; it exits
 * 0 whether or not the parent took it all. */
static int big_reason(void)
{
	static const char head[] = "Efake reason \x1b[31mred\x07 then ";
	static char chunk[65536];
	size_t left = 10u << 20;

	memset(chunk, 'x', sizeof(chunk));
	if (write(PARENT_FD, head, sizeof(head) - 1) < 0)
		return 0;
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		ssize_t w = send(PARENT_FD, chunk, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		left -= (size_t)w;
	}
	return 0;
}

/* big: the parent's segment cannot grow; a segment of its own far
 * larger than its header says is the last try. */
static int big(void)
{
	int fd = -1;

	if (send_size(16, 8) == 0 && (fd = receive_segment()) >= 0 &&
	    ftruncate(fd, 1 << 30) == 0)
		fprintf(stderr, "fake_decoder: the segment grew\n");
	return send_one(forge(16, 8, "SHMI", 256u << 20, ALL_SEALS));
}

static int bad_header(void)
{
	uint8_t *map = NULL;
	int fd = fill(64, 64, &map);

	if (fd < 0)
		return -1;
	memcpy(map, "XXXX", 4);
	memcpy(map + 8, (uint32_t[]){ 1, 1 }, 8);	/* width, height */
	munmap(map, SEG_HEADER_SIZE + (size_t)seg_pitch_for(64) * 64);
	return send_filled(fd);
}

static int resize(void)
{
	int fd = honest();

	if (fd < 0)
		return -1;
	if (ftruncate(fd, 1 << 30) == 0)
		fprintf(stderr, "fake_decoder: the segment grew\n");
	if (ftruncate(fd, 64) == 0)
		fprintf(stderr, "fake_decoder: the segment shrank\n");
	return send_filled(fd);
}

/* A process of its own keeps a writable mapping for hold_ms while this
 * one answers and exits: the parent must not seal (and publish) what it
 * can change, nor give up on a mapping that is on its way out. */
static int keep_mapped(int hold_ms)
{
	uint8_t *map = NULL;
	int fd = fill(64, 64, &map);
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		poll(NULL, 0, hold_ms);
		_exit(0);
	}
	munmap(map, SEG_HEADER_SIZE + (size_t)seg_pitch_for(64) * 64);
	return pid < 0 ? -1 : send_filled(fd);
}

static int play(const char *mode)
{
	int fds[2];

	if (!strcmp(mode, "honest"))
		return send_filled(honest());
	if (!strcmp(mode, "crash"))
		crash();
	if (!strcmp(mode, "crash-after")) {
		send_filled(honest());
		crash();
	}
	if (!strcmp(mode, "hang"))
		forever();
	if (!strcmp(mode, "linger")) {
		send_filled(honest());
		forever();
	}
	if (!strcmp(mode, "exit3"))
		_exit(3);
	if (!strcmp(mode, "exit0"))
		_exit(0);
	if (!strcmp(mode, "own-segment"))
		return send_one(forge(64, 64, "SHMI", 0, ALL_SEALS));
	if (!strcmp(mode, "big"))
		return big();
	if (!strcmp(mode, "bad-header"))
		return bad_header();
	if (!strcmp(mode, "resize"))
		return resize();
	if (!strcmp(mode, "filled-fd")) {
		int fd = honest();

		return fd < 0 ? -1 : send_fds(DECODE_FILLED, fd, 1);
	}
	if (!strcmp(mode, "two-fds")) {
		int fd = honest();

		return fd < 0 ? -1 : send_fds('F', fd, 2);
	}
	if (!strcmp(mode, "pipe")) {
		if (honest() < 0 || pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		return send_one(fds[0]);
	}
	if (!strcmp(mode, "big-reason"))
		return big_reason();
	if (!strcmp(mode, "over-limit"))
		return send_filled(fill(1024, 1024, NULL));
	if (!strcmp(mode, "huge-size"))
		return send_filled(fill(UINT32_MAX, UINT32_MAX, NULL));
	if (!strcmp(mode, "keep-mapped"))
		return keep_mapped(3000);
	if (!strcmp(mode, "brief-mapped"))
		return keep_mapped(150);
	fprintf(stderr, "fake_decoder: unknown FAKE_DECODER_MODE \"%s\"\n",
		mode);
	return -1;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("FAKE_DECODER_MODE");
	struct rlimit no_core = { 0, 0 };

	(void)argc;
	(void)argv;
	/* A crash on purpose is no reason to write a core file. */
	setrlimit(RLIMIT_CORE, &no_core);
	/* Like the real helper, die with the parent. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!mode || fcntl(PARENT_FD, F_GETFD) < 0) {
		fprintf(stderr, "fake_decoder: needs FAKE_DECODER_MODE and "
			"a socket as fd 3\n");
		return 2;
	}
	if (receive_request() < 0)
		return 2;
	return play(mode) < 0 ? 1 : 0;
}
