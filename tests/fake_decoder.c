/* fake_decoder - a decoder helper that misbehaves on purpose.
 *
 *   FAKE_DECODER_MODE=MODE fake_decoder --key K --max-bytes N
 *
 * It stands in for shm-decode (`shmimage put --decoder PATH`, or
 * img_decoder_start() given its path): same argv, its parent's socket as
 * fd 3. It reads the one request the way shm-decode does ('D', the
 * extension, the file's fd), then plays MODE:
 *
 *   honest        a correct sealed 64 x 64 segment of pattern() below
 *                 (the control: the harness itself can succeed)
 *   crash         dies of SIGSEGV after the request, says nothing
 *   crash-after   sends the honest segment, then dies of SIGSEGV
 *   hang          never answers, never exits
 *   linger        sends the honest segment, then never exits
 *   exit3         exits with status 3 without answering
 *   exit0         exits with status 0 without answering
 *   short         header says 64 x 64 but the memfd holds 1000 pixel bytes
 *   bad-magic     an honest segment whose magic is "XXXX"
 *   unsealed      an honest segment without any seal
 *   no-write-seal sealed F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL only
 *   two-fds       the honest segment twice in one message
 *   pipe          a pipe instead of a memfd
 *   big-reason    'E', control characters, then 10 MB of text, blocking
 *   over-limit    an honest 1024 x 1024 segment (4 MiB), whatever
 *                 --max-bytes says
 *
 * Every segment is built by hand (no seg_create) so each lie is exactly
 * the one named. It never dumps core.
 */
#include <errno.h>
#include <fcntl.h>
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

/* A w x h segment of pattern(), header as the contract says except for
 * magic, sized to `size` bytes (0: the honest size), then sealed with
 * `seals`. Returns the memfd, or -1. */
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
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			pattern(x, y, map + SEG_HEADER_SIZE +
					      (uint64_t)y * pitch + x * 4);
	munmap(map, honest);
	if (size && ftruncate(fd, (off_t)size) < 0)
		return -1;
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		return -1;
	return fd;
}

static int honest(void)
{
	return forge(64, 64, "SHMI", 0, ALL_SEALS);
}

/* Sends 'F' with n copies of fd in one SCM_RIGHTS message. */
static int send_fds(int fd, int n)
{
	char payload = 'F';
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
	return fd < 0 ? -1 : send_fds(fd, 1);
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

static int play(const char *mode)
{
	int fds[2];

	if (!strcmp(mode, "honest"))
		return send_one(honest());
	if (!strcmp(mode, "crash"))
		crash();
	if (!strcmp(mode, "crash-after")) {
		send_one(honest());
		crash();
	}
	if (!strcmp(mode, "hang"))
		forever();
	if (!strcmp(mode, "linger")) {
		send_one(honest());
		forever();
	}
	if (!strcmp(mode, "exit3"))
		_exit(3);
	if (!strcmp(mode, "exit0"))
		_exit(0);
	if (!strcmp(mode, "short"))
		return send_one(forge(64, 64, "SHMI", SEG_HEADER_SIZE + 1000,
				      ALL_SEALS));
	if (!strcmp(mode, "bad-magic"))
		return send_one(forge(64, 64, "XXXX", 0, ALL_SEALS));
	if (!strcmp(mode, "unsealed"))
		return send_one(forge(64, 64, "SHMI", 0, 0));
	if (!strcmp(mode, "no-write-seal"))
		return send_one(forge(64, 64, "SHMI", 0, F_SEAL_SHRINK |
				      F_SEAL_GROW | F_SEAL_SEAL));
	if (!strcmp(mode, "two-fds")) {
		int fd = honest();

		return fd < 0 ? -1 : send_fds(fd, 2);
	}
	if (!strcmp(mode, "pipe")) {
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		return send_one(fds[0]);
	}
	if (!strcmp(mode, "big-reason"))
		return big_reason();
	if (!strcmp(mode, "over-limit"))
		return send_one(forge(1024, 1024, "SHMI", 0, ALL_SEALS));
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
