#include "name.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Room for more fds than we accept, so a peer that sends two is seen
 * sending two (and both are closed) rather than silently truncated. */
#define NAME_MAX_FDS 4

struct name_server {
	int listen_fd;
	int stop_fd;		/* eventfd: written once by destroy */
	pthread_t thread;
	pthread_mutex_t mutex;	/* guards fd against set_fd */
	int fd;			/* what is handed out; -1 before set_fd */
};

bool name_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n < 1 || n > NAME_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Fills an abstract address for key; returns its length. The name is not
 * NUL-terminated: in the abstract namespace every byte counted by addrlen
 * is part of the name. */
static socklen_t address(struct sockaddr_un *sa, const char *key)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "sharedmemory/%u/%s", (unsigned)geteuid(), key);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int peer_of(int sock, struct name_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	peer->pid = cred.pid;
	peer->uid = cred.uid;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connects to whoever holds key. Returns the socket or -1 (errno set). A
 * full listen backlog answers EAGAIN to a non-blocking connect; that is
 * retried, with short sleeps, until the deadline. */
static int connect_by_key(const char *key, int64_t deadline)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa, key);
	int sock;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -1;
	while (connect(sock, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EAGAIN && now_ms() < deadline) {
			nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
			continue;
		}
		close(sock);
		errno = e;
		return -1;
	}
	return sock;
}

/* Explains an EADDRINUSE: asks the kernel who listens on the name. */
static void describe_holder(const char *key, struct err *err)
{
	struct name_peer holder;
	int sock = connect_by_key(key, now_ms() + 100);

	if (sock < 0 || peer_of(sock, &holder) < 0) {
		err_set(err, "key \"%s\" is in use by another process", key);
	} else if (holder.uid != geteuid()) {
		err_set(err, "key \"%s\" is held by another user (uid %u, "
			"pid %d)", key, (unsigned)holder.uid, (int)holder.pid);
	} else {
		err_set(err, "key \"%s\" is in use by pid %d", key,
			(int)holder.pid);
	}
	if (sock >= 0)
		close(sock);
}

/* Hands the current fd to one connected peer, or closes on it. Never
 * waits for the peer: the socket is fresh, so one byte always fits. */
static void serve_one(struct name_server *srv, int conn)
{
	struct name_peer peer;
	char payload = 'S';
	struct iovec iov = { .iov_base = &payload, .iov_len = 1 };
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

	/* Abstract sockets have no file permissions: anyone in the network
	 * namespace can connect. Only our own user gets the segment. */
	if (peer_of(conn, &peer) < 0 || peer.uid != geteuid())
		return;

	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));

	pthread_mutex_lock(&srv->mutex);
	if (srv->fd >= 0) {
		memcpy(CMSG_DATA(cmsg), &srv->fd, sizeof(int));
		(void)sendmsg(conn, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	pthread_mutex_unlock(&srv->mutex);
}

static void *serve(void *arg)
{
	struct name_server *srv = arg;
	struct pollfd pfd[2] = {
		{ .fd = srv->listen_fd, .events = POLLIN },
		{ .fd = srv->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		/* The listening socket is non-blocking: drain the backlog,
		 * then go back to sleep in poll. */
		for (;;) {
			int conn = accept4(srv->listen_fd, NULL, NULL,
					   SOCK_CLOEXEC);

			if (conn < 0) {
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				/* EAGAIN: drained. EMFILE and friends: the
				 * connection stays queued; wait a little
				 * rather than spin on it. */
				if (errno != EAGAIN)
					poll(NULL, 0, 50);
				break;
			}
			serve_one(srv, conn);
			close(conn);
		}
	}
	return NULL;
}

struct name_server *name_server_create(const char *key, struct err *err)
{
	struct name_server *srv;
	struct sockaddr_un sa;
	socklen_t len = address(&sa, key);
	sigset_t all, old;
	int rc;

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		err_errno(err, ENOMEM, "cannot serve key \"%s\"", key);
		return NULL;
	}
	srv->listen_fd = -1;
	srv->stop_fd = -1;
	srv->fd = -1;
	pthread_mutex_init(&srv->mutex, NULL);

	srv->listen_fd = socket(AF_UNIX,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->listen_fd < 0) {
		err_errno(err, errno, "socket");
		goto err;
	}
	if (bind(srv->listen_fd, (struct sockaddr *)&sa, len) < 0) {
		if (errno == EADDRINUSE)
			describe_holder(key, err);
		else
			err_errno(err, errno, "cannot bind key \"%s\"", key);
		goto err;
	}
	if (listen(srv->listen_fd, SOMAXCONN) < 0) {
		err_errno(err, errno, "listen");
		goto err;
	}
	srv->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (srv->stop_fd < 0) {
		err_errno(err, errno, "eventfd");
		goto err;
	}

	/* The serving thread must not take the process's signals (SIGINT
	 * belongs to whoever waits for it in the main thread). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&srv->thread, NULL, serve, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		err_errno(err, rc, "cannot start the serving thread");
		goto err;
	}
	return srv;
err:
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	pthread_mutex_destroy(&srv->mutex);
	free(srv);
	return NULL;
}

int name_server_set_fd(struct name_server *srv, int fd, struct err *err)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int old;

	if (copy < 0) {
		err_errno(err, errno, "cannot keep the segment's fd");
		return -1;
	}
	pthread_mutex_lock(&srv->mutex);
	old = srv->fd;
	srv->fd = copy;
	pthread_mutex_unlock(&srv->mutex);
	if (old >= 0)
		close(old);
	return 0;
}

void name_server_destroy(struct name_server *srv)
{
	uint64_t one = 1;

	if (!srv)
		return;
	if (write(srv->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
	pthread_join(srv->thread, NULL);
	/* Closing the listening socket is what removes the name. */
	close(srv->listen_fd);
	close(srv->stop_fd);
	if (srv->fd >= 0)
		close(srv->fd);
	pthread_mutex_destroy(&srv->mutex);
	free(srv);
}

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

/* Receives the one message of the protocol. Returns the fd, or -1. Every
 * fd that arrived is closed unless exactly one did. */
static int receive_fd(int sock, const char *key, const struct name_peer *owner,
		      int64_t deadline, struct err *err)
{
	char payload;
	struct iovec iov = { .iov_base = &payload, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * NAME_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr msg;
	struct cmsghdr *cmsg;
	int fds[NAME_MAX_FDS * 2];
	int nfds = 0, others = 0;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int64_t left = deadline - now_ms();
		int rc;

		if (left <= 0) {
			err_set(err, "the owner of key \"%s\" (pid %d) did not "
				"hand over the segment within %d ms", key,
				(int)owner->pid, NAME_ATTACH_TIMEOUT_MS);
			return -1;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno != EINTR) {
			err_errno(err, errno, "poll");
			return -1;
		}
		if (rc <= 0)
			continue;

		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			err_errno(err, errno, "receiving from the owner of "
				  "key \"%s\"", key);
			return -1;
		}
		break;
	}

	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		size_t bytes;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS) {
			others++;
			continue;
		}
		bytes = cmsg->cmsg_len - CMSG_LEN(0);
		for (size_t i = 0; i + sizeof(int) <= bytes; i += sizeof(int)) {
			if (nfds < (int)(sizeof(fds) / sizeof(fds[0])))
				memcpy(&fds[nfds], CMSG_DATA(cmsg) + i,
				       sizeof(int));
			nfds++;
		}
	}

	if (n == 1 && nfds == 1 && others == 0 &&
	    !(msg.msg_flags & MSG_CTRUNC))
		return fds[0];

	for (int i = 0; i < nfds && i < (int)(sizeof(fds) / sizeof(fds[0]));
	     i++)
		close(fds[i]);
	if ((msg.msg_flags & MSG_CTRUNC) && nfds == 0 && table_full(sock))
		err_errno(err, EMFILE, "no free file descriptor to receive "
			  "the segment of key \"%s\"", key);
	else if (msg.msg_flags & MSG_CTRUNC)
		err_set(err, "the owner of key \"%s\" sent a truncated control "
			"message", key);
	else if (nfds == 0 && n == 0)
		err_set(err, "the owner of key \"%s\" (pid %d) closed the "
			"connection without handing over the segment", key,
			(int)owner->pid);
	else if (nfds == 0)
		err_set(err, "the owner of key \"%s\" sent no segment", key);
	else if (nfds > 1)
		err_set(err, "the owner of key \"%s\" sent %d file "
			"descriptors instead of one", key, nfds);
	else
		err_set(err, "the owner of key \"%s\" sent a malformed "
			"message", key);
	return -1;
}

int name_attach(const char *key, int timeout_ms, struct name_peer *peer,
		struct err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct name_peer owner = { .pid = 0, .uid = 0 };
	int sock, fd;

	if (peer)
		*peer = owner;
	sock = connect_by_key(key, deadline);
	if (sock < 0) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			err_set(err, "nothing is shared under key \"%s\"", key);
		else if (errno == EAGAIN)
			err_set(err, "the owner of key \"%s\" is not accepting "
				"connections", key);
		else
			err_errno(err, errno, "cannot connect to key \"%s\"",
				  key);
		return -1;
	}
	if (peer_of(sock, &owner) < 0) {
		err_errno(err, errno, "SO_PEERCRED");
		close(sock);
		return -1;
	}
	if (peer)
		*peer = owner;
	/* Anyone can bind an abstract name first; a segment from another
	 * user is refused before anything is received. */
	if (owner.uid != geteuid()) {
		err_set(err, "key \"%s\" is held by another user (uid %u, "
			"pid %d); refusing its segment", key,
			(unsigned)owner.uid, (int)owner.pid);
		close(sock);
		return -1;
	}
	fd = receive_fd(sock, key, &owner, deadline, err);
	close(sock);
	return fd;
}
