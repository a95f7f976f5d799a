#include "shm/name_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"

/* Room for more fds than we accept, so a peer that sends two is seen
 * sending two (and both are closed) rather than silently truncated. */
#define NAME_MAX_FDS 4

/* ---- the sending side ---- */

void name_send_reason(int conn, const char *reason)
{
	char buf[1 + NAME_REASON_MAX];
	size_t n = strlen(reason);

	if (n > NAME_REASON_MAX)
		n = NAME_REASON_MAX;
	buf[0] = 'E';
	memcpy(buf + 1, reason, n);
	(void)send(conn, buf, 1 + n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int name_send_fd(int sock, const void *payload, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;

	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? errno : 0;
}

/* ---- the receiving side ---- */

/* True when this process cannot open one more fd: the kernel then
 * drops a passed fd and reports MSG_CTRUNC, which is not the owner's
 * doing. */
static bool table_full(int sock)
{
	int fd = fcntl(sock, F_DUPFD_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EMFILE;
}

/* Waits until sock is readable or the deadline passes. Returns 1, 0 on
 * timeout, -1 on error. */
static int wait_readable(int sock, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int64_t left = deadline - clock_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* What the first recvmsg brought. */
struct reply {
	ssize_t n;		/* payload bytes, 0 on EOF */
	char payload;
	int fds[NAME_MAX_FDS * 2];
	int nfds;		/* may exceed the array: counted, not kept */
	int others;		/* control messages other than SCM_RIGHTS */
	bool ctrunc;
};

static void close_fds(struct reply *r)
{
	int kept = (int)(sizeof(r->fds) / sizeof(r->fds[0]));

	for (int i = 0; i < r->nfds && i < kept; i++)
		close(r->fds[i]);
	r->nfds = 0;
}

/* Takes every fd out of the control messages, so none can leak. */
static void collect_fds(struct msghdr *msg, struct reply *r)
{
	int kept = (int)(sizeof(r->fds) / sizeof(r->fds[0]));

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c;
	     c = CMSG_NXTHDR(msg, c)) {
		size_t bytes = c->cmsg_len - CMSG_LEN(0);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			r->others++;
			continue;
		}
		for (size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
			if (r->nfds < kept)
				memcpy(&r->fds[r->nfds], CMSG_DATA(c) + i,
				       sizeof(int));
			r->nfds++;
		}
	}
	r->ctrunc = (msg->msg_flags & MSG_CTRUNC) != 0;
}

/* Receives the first byte of the sender's message and any fds with it.
 * Returns 0, or -1 with the reason (timeout, error). */
static int receive_first(int sock, const char *from, int64_t deadline,
			 int timeout_ms, struct reply *r, struct err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NAME_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &r->payload, .iov_len = 1 };

	for (;;) {
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		int rc = wait_readable(sock, deadline);

		if (rc == 0) {
			err_set(err, "%s did not hand over the segment "
				"within %d ms", from, timeout_ms);
			return -1;
		}
		if (rc < 0) {
			err_errno(err, errno, "poll");
			return -1;
		}
		r->n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r->n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r->n < 0 && errno == ECONNRESET) {
			err_set(err, "%s went away before handing over the "
				"segment", from);
			return -1;
		}
		if (r->n < 0) {
			err_errno(err, errno, "receiving from %s", from);
			return -1;
		}
		collect_fds(&msg, r);
		return 0;
	}
}

int name_receive_bare(int sock, char *tag)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NAME_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = tag, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct reply r = { 0 };
	int extra;

	r.n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (r.n < 0)
		return -1;
	if (r.n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	collect_fds(&msg, &r);
	extra = r.nfds + (r.ctrunc ? 1 : 0);
	close_fds(&r);
	return extra;
}

void name_reason_printable(char *out, const char *in, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (in[i] >= 0x20 && in[i] < 0x7f)
			out[k++] = in[i];
	out[k] = '\0';
}

/* Reads the reason after an 'E' until EOF, NAME_REASON_MAX bytes or the
 * deadline, and keeps only printable ASCII: the text comes from another
 * process and ends up on a screen or a terminal. */
static void receive_reason(int sock, int64_t deadline, char *out)
{
	char buf[NAME_REASON_MAX];
	size_t got = 0;

	while (got < sizeof(buf) && wait_readable(sock, deadline) == 1) {
		ssize_t n = recv(sock, buf + got, sizeof(buf) - got,
				 MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	name_reason_printable(out, buf, got);
}

/* Turns a reply that is not exactly 'F' plus one fd into the reason.
 * The sender's own reason after an 'E' also goes to reason. */
static void explain(int sock, const char *from, const struct reply *r,
		    int64_t deadline, char *reason, struct err *err)
{
	if (r->ctrunc && r->nfds == 0 && table_full(sock)) {
		err_errno(err, EMFILE, "no free file descriptor to receive "
			  "what %s sent", from);
	} else if (r->ctrunc) {
		err_set(err, "%s sent a truncated control message", from);
	} else if (r->nfds > 1) {
		err_set(err, "%s sent %d file descriptors instead of one",
			from, r->nfds);
	} else if (r->n == 0) {
		err_set(err, "%s closed the connection without handing over "
			"the segment", from);
	} else if (r->payload == 'E' && r->nfds == 0) {
		receive_reason(sock, deadline, reason);
		err_set(err, "%s could not hand over the segment: %s", from,
			*reason ? reason : "no reason given");
	} else if (r->nfds == 0) {
		err_set(err, "%s sent no segment", from);
	} else {
		err_set(err, "%s sent a malformed message", from);
	}
}

int name_receive(int sock, const char *from, int64_t start, int64_t deadline,
		 char *reason, struct err *err)
{
	char own[NAME_REASON_MAX + 1];
	struct reply r = { .n = 0 };

	if (!reason)
		reason = own;
	reason[0] = '\0';
	if (receive_first(sock, from, deadline, (int)(deadline - start), &r,
			  err) < 0)
		return -1;
	if (r.n == 1 && r.payload == 'F' && r.nfds == 1 && r.others == 0 &&
	    !r.ctrunc)
		return r.fds[0];
	explain(sock, from, &r, deadline, reason, err);
	close_fds(&r);
	return -1;
}
