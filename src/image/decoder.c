#include "image/decoder.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/path.h"
#include "decode/protocol.h"
#include "shm/name.h"

extern char **environ;

#define DECODER_PROGRAM "shm-decode"
/* Once it has answered, the helper has nothing left to do but exit. */
#define DECODER_EXIT_GRACE_MS 1000

struct img_decoder {
	pid_t pid;		/* 0 once reaped; changed under: */
	pthread_mutex_t pid_lock;	/* so that a cancel from another thread
					 * never kills a pid already reaped,
					 * which may be another process's */
	int pidfd;		/* readable when the helper has ended */
	int sock;		/* our end */
	char key[NAME_KEY_MAX + 1];
	uint64_t max_bytes;
	int timeout_ms;
	unsigned cpu_seconds;
	int64_t start, deadline;	/* of the decode, from send */
	struct seg seg;		/* ours, sized for the helper to fill */
	bool sized;		/* the helper said the size (seg may be set) */
	bool refused;		/* ...and it was refused, for the reason: */
	struct err refusal;
	atomic_bool cancelled;
	bool timed_out;
	bool lingered;		/* killed by reap() after answering */
	enum img_failure failure;
};

int img_decoder_path(char *buf, size_t len, struct err *err)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0) {
		err_errno(err, errno, "cannot find the running program");
		return -1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", self, DECODER_PROGRAM) >= len) {
		err_set(err, "the decoder's path is too long");
		return -1;
	}
	return 0;
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Starts program with child as its fd 3. Returns the pid, or -1 with
 * errno set. */
static pid_t spawn(const char *program, char *const argv[], int child)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int rc;

	posix_spawn_file_actions_init(&fa);
	/* dup2 onto itself would keep close-on-exec: child is never 3
	 * here, the caller makes sure. */
	rc = posix_spawn_file_actions_adddup2(&fa, child, DECODE_CHILD_FD);
	/* The helper gets its socket and nothing else of ours: no fd a
	 * caller forgot to make close-on-exec, and /dev/null for the
	 * standard ones (libpng and friends print their complaints on
	 * stderr; the reason that matters comes back over the socket, and
	 * the programs promise one line of their own). */
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa,
							      DECODE_CHILD_FD + 1);
	for (int std = 0; rc == 0 && std <= STDERR_FILENO; std++)
		rc = posix_spawn_file_actions_addopen(&fa, std, "/dev/null",
						      std ? O_WRONLY : O_RDONLY,
						      0);
	if (rc == 0)
		rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	errno = rc;
	return rc == 0 ? pid : -1;
}

struct img_decoder *img_decoder_start(const char *program, const char *key,
				      const struct img_limits *lim,
				      struct err *err)
{
	struct img_decoder *dec;
	char bytes[32], cpu[16];
	char *argv[] = { DECODER_PROGRAM, "--key", (char *)key, "--max-bytes",
			 bytes, "--cpu-limit", cpu, NULL };
	int sv[2] = { -1, -1 };

	dec = calloc(1, sizeof(*dec));
	if (!dec) {
		err_errno(err, ENOMEM, "cannot start the decoder");
		return NULL;
	}
	dec->pidfd = dec->sock = -1;
	pthread_mutex_init(&dec->pid_lock, NULL);
	seg_init(&dec->seg);
	snprintf(dec->key, sizeof(dec->key), "%s", key);
	dec->max_bytes = lim->max_bytes;
	dec->timeout_ms = lim->decode_timeout_ms;
	/* CPU time is a second guard, behind the wall clock: two threads
	 * busy for the whole timeout stay under it. */
	dec->cpu_seconds = (unsigned)(lim->decode_timeout_ms / 1000) * 2 + 2;
	if (dec->cpu_seconds > 86400)
		dec->cpu_seconds = 86400;
	snprintf(bytes, sizeof(bytes), "%" PRIu64, lim->max_bytes);
	snprintf(cpu, sizeof(cpu), "%u", dec->cpu_seconds);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_errno(err, errno, "cannot start the decoder: socketpair");
		goto err;
	}
	if (sv[1] == DECODE_CHILD_FD) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, DECODE_CHILD_FD + 1);

		close(sv[1]);
		sv[1] = moved;
	}
	dec->sock = sv[0];
	dec->pid = sv[1] < 0 ? -1 : spawn(program, argv, sv[1]);
	if (dec->pid < 0) {
		err_errno(err, errno, "cannot start the decoder %s", program);
		dec->pid = 0;
		goto err;
	}
	/* Lets reap() wait for the helper's end with a bound. Without it
	 * (kernels before 5.3, valgrind) reap() polls waitpid instead. */
	dec->pidfd = pidfd_of(dec->pid);
	close(sv[1]);
	return dec;
err:
	if (sv[1] >= 0)
		close(sv[1]);
	img_decoder_destroy(dec);
	return NULL;
}

/* Opens the file the user chose, once: no check-then-open race. A FIFO
 * opened O_NONBLOCK does not wait for a writer; fstat then refuses it,
 * and anything else that is not a regular file. Returns the fd, or -1. */
static int open_file(const char *path, enum img_failure *kind,
		     struct err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	*kind = IMG_FAILURE_OPEN;
	if (fd < 0) {
		err_errno(err, errno, "%s", path);
		return -1;
	}
	*kind = IMG_FAILURE_FILE;
	if (fstat(fd, &st) < 0) {
		*kind = IMG_FAILURE_OPEN;
		err_errno(err, errno, "%s", path);
	} else if (S_ISDIR(st.st_mode)) {
		err_set(err, "%s: is a folder", path);
	} else if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: is not a regular file (a %s)", path,
			S_ISFIFO(st.st_mode) ? "FIFO" :
			S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
			"device" : S_ISSOCK(st.st_mode) ? "socket" :
			"special file");
	} else if (st.st_size == 0) {
		err_set(err, "%s: the file is empty", path);
	} else {
		*kind = IMG_FAILURE_NONE;
		return fd;
	}
	close(fd);
	return -1;
}

int img_decoder_send(struct img_decoder *dec, const char *path,
		     struct err *err)
{
	char request[1 + DECODE_EXT_MAX] = { DECODE_REQUEST };
	size_t n = strlen(path_extension(path));
	int fd = open_file(path, &dec->failure, err), rc;

	if (fd < 0)
		return -1;
	/* A longer extension is no format SDL_image knows: none then. */
	if (n >= sizeof(request))
		n = 0;
	memcpy(request + 1, path_extension(path), n);
	dec->start = clock_ms();
	dec->deadline = dec->start + dec->timeout_ms;
	rc = name_send_fd(dec->sock, request, 1 + n, fd);
	close(fd);
	if (rc != 0) {
		dec->failure = IMG_FAILURE_DECODER;
		err_errno(err, rc, "cannot hand the file to the decoder");
		return -1;
	}
	return 0;
}

/* Receives the helper's size message ('S' and struct decode_size, no
 * fd). Returns 0, or -1 with the reason. */
static int receive_size(int sock, struct decode_size *size, struct err *err)
{
	char msg[1 + sizeof(*size)];
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	bool fds = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c;
	     c = CMSG_NXTHDR(&m, c)) {
		for (size_t i = 0; c->cmsg_level == SOL_SOCKET &&
		     c->cmsg_type == SCM_RIGHTS &&
		     CMSG_LEN(0) + i + sizeof(int) <= c->cmsg_len;
		     i += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i, sizeof(int));
			close(fd);
			fds = true;
		}
	}
	if (n != (ssize_t)sizeof(msg) || fds || (m.msg_flags & MSG_CTRUNC)) {
		err_set(err, "the decoder sent a malformed size message");
		return -1;
	}
	memcpy(size, msg + 1, sizeof(*size));
	return 0;
}

/* Answers the helper's size message with a segment of exactly that size,
 * sealed against resizing, then makes its pages while the decoder works.
 * Returns false when the size was taken (or nothing is there yet), true
 * when what waits is for img_decoder_finish(): the answer, an end, or a
 * size refused. */
static bool take_size(struct img_decoder *dec)
{
	struct decode_size size;
	char tag;
	ssize_t n;

	if (dec->sized)
		return true;
	n = recv(dec->sock, &tag, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n != 1 || tag != DECODE_SIZE)
		return true;
	dec->sized = true;
	dec->refused = true;
	dec->failure = IMG_FAILURE_DECODER;
	if (receive_size(dec->sock, &size, &dec->refusal) < 0)
		return true;
	/* The one size rule, here where the memory is made. */
	if (seg_check_size(size.width, size.height, dec->max_bytes,
			   &dec->refusal) < 0) {
		dec->failure = IMG_FAILURE_TOO_LARGE;
		return true;
	}
	if (seg_alloc(&dec->seg, dec->key, size.width, size.height,
		      dec->max_bytes, &dec->refusal) < 0)
		return true;
	dec->refused = false;
	dec->failure = IMG_FAILURE_NONE;
	if (name_send_fd(dec->sock, (char[]){ DECODE_SEGMENT }, 1,
			 dec->seg.fd) != 0)
		return true;	/* gone: its end tells the story */
	seg_prefault(&dec->seg);
	return false;
}

bool img_decoder_wait(struct img_decoder *dec, int timeout_ms)
{
	/* The helper holds the other end of sock: its death is a hang-up
	 * there even without a pidfd. */
	struct pollfd pfd[2] = {
		{ .fd = dec->sock, .events = POLLIN },
		{ .fd = dec->pidfd, .events = POLLIN },
	};
	int64_t until = dec->deadline;

	if (dec->refused)
		return true;
	if (timeout_ms >= 0 && clock_ms() + timeout_ms < until)
		until = clock_ms() + timeout_ms;
	for (;;) {
		int64_t now = clock_ms();

		if (now >= dec->deadline)
			return true;
		if (now >= until)
			return false;
		if (poll(pfd, 2, (int)(until - now)) <= 0)
			continue;
		if (pfd[1].revents || take_size(dec))
			return true;
	}
}

void img_decoder_cancel(struct img_decoder *dec)
{
	atomic_store(&dec->cancelled, true);
	pthread_mutex_lock(&dec->pid_lock);
	if (dec->pid > 0)
		kill(dec->pid, SIGKILL);
	pthread_mutex_unlock(&dec->pid_lock);
}

bool img_decoder_cancelled(const struct img_decoder *dec)
{
	return atomic_load(&dec->cancelled);
}

enum img_failure img_decoder_failure(const struct img_decoder *dec)
{
	return dec->failure;
}

/* waitpid() on the helper with flags; once it is reaped (or cannot be
 * waited for), its pid is 0, under pid_lock. */
static pid_t wait_helper(struct img_decoder *dec, int *status, int flags)
{
	pid_t r;

	pthread_mutex_lock(&dec->pid_lock);
	do	/* never waitpid(0): that is any child of the group */
		r = dec->pid > 0 ? waitpid(dec->pid, status, flags) : -1;
	while (r < 0 && errno == EINTR);
	if (r != 0)
		dec->pid = 0;
	pthread_mutex_unlock(&dec->pid_lock);
	return r;
}

/* Waits for the helper to end until `until`, kills it past that, reaps
 * it. Returns its wait status. */
static int reap(struct img_decoder *dec, int64_t until)
{
	struct pollfd pfd = { .fd = dec->pidfd, .events = POLLIN };
	int status = 0;
	pid_t done = 0;

	while (dec->pidfd < 0 && clock_ms() < until &&
	       (done = wait_helper(dec, &status, WNOHANG)) == 0)
		poll(NULL, 0, 5);
	if ((dec->pidfd >= 0 &&
	     (until <= clock_ms() ||
	      poll(&pfd, 1, (int)(until - clock_ms())) <= 0)) ||
	    (dec->pidfd < 0 && done == 0)) {
		dec->lingered = true;
		kill(dec->pid, SIGKILL);
	}
	if (done == 0)
		wait_helper(dec, &status, 0);
	return status;
}

/* Why the helper ended the way it did: true with the reason in err, or
 * false when it exited 0. A cancel, our own timeout kill and the CPU-time
 * limit are told apart from a crash. */
static bool explain_end(struct img_decoder *dec, int status, struct err *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return false;
	dec->failure = IMG_FAILURE_DECODER;
	if (img_decoder_cancelled(dec)) {
		dec->failure = IMG_FAILURE_CANCELLED;
		err_set(err, "the decode was cancelled");
	} else if (dec->timed_out) {
		dec->failure = IMG_FAILURE_TIMEOUT;
		err_set(err, "decoding took longer than %d s (the decoder was "
			"stopped)", (dec->timeout_ms + 999) / 1000);
	} else if (dec->lingered) {
		err_set(err, "the decoder did not exit after answering (it "
			"was stopped)");
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		dec->failure = IMG_FAILURE_TIMEOUT;
		err_set(err, "decoding used more than %u s of CPU time (the "
			"decoder was stopped)", dec->cpu_seconds);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		dec->failure = IMG_FAILURE_SANDBOX;
		err_set(err, "the decoder was stopped by its sandbox (it made "
			"a forbidden system call)");
	} else if (WIFSIGNALED(status)) {
		err_set(err, "the decoder crashed (signal %d, %s)",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		err_set(err, "the decoder failed (exit status %d)",
			WEXITSTATUS(status));
	}
	return true;
}

/* Takes the helper's DECODE_FILLED, which carries no fd. Returns 0, or
 * -1 with the reason when fds came with it (each is closed). */
static int take_filled(int sock, struct err *err)
{
	char tag;
	int fds = name_receive_bare(sock, &tag);

	if (fds < 0) {
		err_errno(err, errno, "cannot read the decoder's answer");
		return -1;
	}
	if (fds > 0) {
		err_set(err, "the decoder sent file descriptors with its "
			"answer");
		return -1;
	}
	return 0;
}

static int receive_answer(struct img_decoder *dec, struct err *err)
{
	char reason[NAME_REASON_MAX + 1] = "", tag = 0;
	int fd = -1, rc = -1, status;

	/* The segment stays the parent's: the helper only says it is
	 * filled. Passing it back would be one more fd in flight, which the
	 * kernel refuses (ETOOMANYREFS) while the user has more in flight
	 * than the helper's small RLIMIT_NOFILE. */
	if (recv(dec->sock, &tag, 1, MSG_PEEK | MSG_DONTWAIT) == 1 &&
	    tag == DECODE_FILLED)
		rc = take_filled(dec->sock, err);
	else
		fd = name_receive(dec->sock, "the decoder", dec->start,
				  dec->timed_out ? clock_ms() : dec->deadline,
				  reason, err);
	/* Nothing more is read: a helper still writing gets EPIPE rather
	 * than blocking its exit. */
	shutdown(dec->sock, SHUT_RDWR);
	status = reap(dec, clock_ms() + DECODER_EXIT_GRACE_MS);
	if (fd >= 0) {
		close(fd);
		err_set(err, "the decoder handed back a file descriptor, not "
			"the segment it was given");
	}
	/* How the helper ended beats what it said: a crash after its
	 * answer makes the segment suspect, and a crash before one
	 * explains the silence. */
	if (explain_end(dec, status, err))
		return -1;
	if (rc == 0)
		return 0;
	/* Its own reason ("not an image", "the file ends early") is all
	 * the user needs; anything else keeps the story. */
	dec->failure = *reason ? IMG_FAILURE_REFUSED : IMG_FAILURE_DECODER;
	if (*reason)
		err_set(err, "%s", reason);
	return -1;
}

int img_decoder_finish(struct img_decoder *dec, struct seg *seg,
		       struct err *err)
{
	seg_init(seg);
	while (!img_decoder_wait(dec, -1))
		;
	if (clock_ms() >= dec->deadline) {
		dec->timed_out = true;
		kill(dec->pid, SIGKILL);
	}
	if (dec->refused && !dec->timed_out) {
		kill(dec->pid, SIGKILL);
		reap(dec, clock_ms());
		*err = dec->refusal;
		goto err;
	}
	if (receive_answer(dec, err) < 0)
		goto err;
	*seg = dec->seg;
	seg_init(&dec->seg);
	/* The helper is reaped: its writable mapping is gone, or going
	 * (seg_seal_filled() waits a moment for that). */
	if (seg_seal_filled(seg, dec->max_bytes, err) < 0) {
		dec->failure = IMG_FAILURE_DECODER;
		err_prefix(err, "the decoder's segment was refused");
		return -1;
	}
	return 0;
err:
	seg_finish(&dec->seg);
	return -1;
}

void img_decoder_destroy(struct img_decoder *dec)
{
	if (!dec)
		return;
	if (dec->pid > 0) {
		kill(dec->pid, SIGKILL);
		wait_helper(dec, NULL, 0);
	}
	pthread_mutex_destroy(&dec->pid_lock);
	if (dec->pidfd >= 0)
		close(dec->pidfd);
	if (dec->sock >= 0)
		close(dec->sock);
	seg_finish(&dec->seg);
	free(dec);
}
