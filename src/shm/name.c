#include "shm/name.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"

/* Room for more fds than we accept, so a peer that sends two is seen
 * sending two (and both are closed) rather than silently truncated. */
#define NAME_MAX_FDS 4

/* A watcher with news it has not read yet gets no more (one unread 'N'
 * says all there is to say); one that leaves this many publications in a
 * row unread has stopped reading and is dropped. */
#define NAME_WATCH_MAX_MISSED 64

struct name_server {
	int listen_fd;
	int watch_fd;		/* listening for watchers */
	int stop_fd;		/* eventfd: written once by destroy */
	int kick_fd;		/* eventfd: a new fd is served, tell watchers */
	pthread_t thread;
	pthread_mutex_t mutex;	/* guards fd against set_fd */
	int fd;			/* what is handed out; -1 before set_fd */
	/* Owned by the serving thread alone. */
	int watchers[NAME_MAX_WATCHERS];
	int missed[NAME_MAX_WATCHERS];	/* publications left unread */
	int nwatchers;
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

/* Fills the abstract address of key (suffix "" for the segment, "/watch"
 * for watchers); returns its length. The name is not NUL-terminated: in
 * the abstract namespace every byte counted by addrlen is part of the
 * name. Callers validate the key, so it always fits; the clamp keeps a
 * length the kernel would read past sun_path out even so. */
static socklen_t address(struct sockaddr_un *sa, const char *key,
			 const char *suffix)
{
	size_t room = sizeof(sa->sun_path) - 1;
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, room, "sharedmemory/%u/%s%s",
		     (unsigned)geteuid(), key, suffix);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room)
		n = (int)room - 1;
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

/* Connects to key's address. Returns the socket (non-blocking) or -1
 * with errno set. A full listen backlog answers EAGAIN to a non-blocking
 * connect; that is retried, with short sleeps, until the deadline. */
static int connect_to(const char *key, const char *suffix, int64_t deadline)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa, key, suffix);
	int sock;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -1;
	while (connect(sock, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EAGAIN && clock_ms() < deadline) {
			nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
			continue;
		}
		close(sock);
		errno = e;
		return -1;
	}
	return sock;
}

/* Connects and checks the owner's credentials. Returns the socket, or -1
 * with the reason in err and errno kept from the connect. */
static int connect_owner(const char *key, const char *suffix,
			 int64_t deadline, struct name_peer *owner,
			 struct err *err)
{
	int sock = connect_to(key, suffix, deadline);
	int e = errno;

	if (sock < 0) {
		if (e == ECONNREFUSED || e == ENOENT)
			err_set(err, "nothing is shared under key \"%s\"", key);
		else if (e == EAGAIN)
			err_set(err, "the owner of key \"%s\" is not accepting "
				"connections", key);
		else
			err_errno(err, e, "cannot connect to key \"%s\"", key);
		errno = e;
		return -1;
	}
	if (peer_of(sock, owner) < 0) {
		err_errno(err, errno, "SO_PEERCRED");
		goto refuse;
	}
	/* Anyone can bind an abstract name first; another user's owner is
	 * refused before anything is received. */
	if (owner->uid != geteuid()) {
		err_set(err, "key \"%s\" is held by another user (uid %u, "
			"pid %d); refusing its segment", key,
			(unsigned)owner->uid, (int)owner->pid);
		goto refuse;
	}
	return sock;
refuse:
	close(sock);
	errno = EPERM;
	return -1;
}

/* Explains an EADDRINUSE: asks the kernel who listens on the name. */
static void describe_holder(const char *key, struct err *err)
{
	struct name_peer holder;
	int sock = connect_to(key, "", clock_ms() + 100);

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

/* ---- the owner's side ---- */

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

/* Answers one connected reader, or closes on it. Never waits for the
 * peer: the socket is fresh, so one short message always fits. */
static void serve_one(struct name_server *srv, int conn)
{
	struct name_peer peer;
	char reason[NAME_REASON_MAX + 1];
	bool serving;
	int rc = 0;

	/* Abstract sockets have no file permissions: anyone in the network
	 * namespace can connect. Only our own user gets an answer. */
	if (peer_of(conn, &peer) < 0 || peer.uid != geteuid())
		return;

	pthread_mutex_lock(&srv->mutex);
	serving = srv->fd >= 0;
	if (serving)
		rc = name_send_fd(conn, "F", 1, srv->fd);
	pthread_mutex_unlock(&srv->mutex);
	if (!serving) {
		snprintf(reason, sizeof(reason), "the owner (pid %d) has no "
			 "image yet", (int)getpid());
		name_send_reason(conn, reason);
		return;
	}
	if (rc == 0)
		return;
	/* ETOOMANYREFS: too many fds of this user are in flight (a peer
	 * holds unread ones). Say so rather than fall silent; the next
	 * reader may well get the segment. */
	if (rc == ETOOMANYREFS)
		snprintf(reason, sizeof(reason), "the owner (pid %d) cannot "
			 "pass the segment now: too many file descriptors of "
			 "this user are in flight (ETOOMANYREFS)",
			 (int)getpid());
	else
		snprintf(reason, sizeof(reason), "the owner (pid %d) cannot "
			 "pass the segment: %s", (int)getpid(), strerror(rc));
	name_send_reason(conn, reason);
}

static void drop_watcher(struct name_server *srv, int i)
{
	close(srv->watchers[i]);
	srv->nwatchers--;
	srv->watchers[i] = srv->watchers[srv->nwatchers];
	srv->missed[i] = srv->missed[srv->nwatchers];
}

/* Tells watcher i there is news. Returns false when it was dropped: it
 * stopped reading, or left. Never waits: the send does not block, and a
 * watcher that has not read its last 'N' gets no other. */
static bool notify(struct name_server *srv, int i)
{
	int unread = 0;

	if (ioctl(srv->watchers[i], SIOCOUTQ, &unread) == 0 && unread > 0) {
		if (++srv->missed[i] < NAME_WATCH_MAX_MISSED)
			return true;
	} else if (send(srv->watchers[i], "N", 1,
			MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
		srv->missed[i] = 0;
		return true;
	}
	drop_watcher(srv, i);
	return false;
}

static void notify_all(struct name_server *srv)
{
	for (int i = 0; i < srv->nwatchers;)
		if (notify(srv, i))
			i++;
}

static void accept_watcher(struct name_server *srv, int conn)
{
	struct name_peer peer;
	bool serving;

	if (peer_of(conn, &peer) < 0 || peer.uid != geteuid() ||
	    srv->nwatchers == NAME_MAX_WATCHERS) {
		close(conn);
		return;
	}
	srv->missed[srv->nwatchers] = 0;
	srv->watchers[srv->nwatchers++] = conn;
	pthread_mutex_lock(&srv->mutex);
	serving = srv->fd >= 0;
	pthread_mutex_unlock(&srv->mutex);
	/* The current image first. */
	if (serving)
		notify(srv, srv->nwatchers - 1);
}

/* Accepts everything queued on a listening socket (non-blocking), handing
 * each connection to handle. */
static void drain(struct name_server *srv, int listen_fd,
		  void (*handle)(struct name_server *, int))
{
	for (;;) {
		int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EAGAIN: drained. EMFILE and friends: the
			 * connection stays queued; wait a little rather
			 * than spin on it. */
			if (errno != EAGAIN)
				poll(NULL, 0, 50);
			return;
		}
		handle(srv, conn);
	}
}

static void serve_and_close(struct name_server *srv, int conn)
{
	serve_one(srv, conn);
	close(conn);
}

enum { POLL_STOP, POLL_KICK, POLL_LISTEN, POLL_WATCH, POLL_FIXED };

static void *serve(void *arg)
{
	struct name_server *srv = arg;
	struct pollfd pfd[POLL_FIXED + NAME_MAX_WATCHERS];

	pfd[POLL_STOP] = (struct pollfd){ .fd = srv->stop_fd, .events = POLLIN };
	pfd[POLL_KICK] = (struct pollfd){ .fd = srv->kick_fd, .events = POLLIN };
	pfd[POLL_LISTEN] = (struct pollfd){ .fd = srv->listen_fd,
					    .events = POLLIN };
	pfd[POLL_WATCH] = (struct pollfd){ .fd = srv->watch_fd,
					   .events = POLLIN };
	for (;;) {
		int n = srv->nwatchers;
		uint64_t count;

		/* A watcher never sends: anything readable is its EOF. */
		for (int i = 0; i < n; i++)
			pfd[POLL_FIXED + i] = (struct pollfd){
				.fd = srv->watchers[i], .events = POLLIN };
		if (poll(pfd, (nfds_t)(POLL_FIXED + n), -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[POLL_STOP].revents)
			break;
		for (int i = n - 1; i >= 0; i--)
			if (pfd[POLL_FIXED + i].revents)
				drop_watcher(srv, i);
		if (pfd[POLL_KICK].revents &&
		    read(srv->kick_fd, &count, sizeof(count)) == sizeof(count))
			notify_all(srv);
		if (pfd[POLL_LISTEN].revents)
			drain(srv, srv->listen_fd, serve_and_close);
		if (pfd[POLL_WATCH].revents)
			drain(srv, srv->watch_fd, accept_watcher);
	}
	return NULL;
}

/* A non-blocking listening socket on key's address (with suffix). */
static int listen_on(const char *key, const char *suffix, struct err *err)
{
	struct sockaddr_un sa;
	socklen_t len = address(&sa, key, suffix);
	int sock;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		err_errno(err, errno, "socket");
		return -1;
	}
	if (bind(sock, (struct sockaddr *)&sa, len) < 0) {
		if (errno == EADDRINUSE)
			describe_holder(key, err);
		else
			err_errno(err, errno, "cannot bind key \"%s\"", key);
		close(sock);
		return -1;
	}
	if (listen(sock, SOMAXCONN) < 0) {
		err_errno(err, errno, "listen");
		close(sock);
		return -1;
	}
	return sock;
}

static void server_close(struct name_server *srv)
{
	for (int i = 0; i < srv->nwatchers; i++)
		close(srv->watchers[i]);
	/* Closing the listening sockets is what removes the names. */
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->watch_fd >= 0)
		close(srv->watch_fd);
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	if (srv->kick_fd >= 0)
		close(srv->kick_fd);
	if (srv->fd >= 0)
		close(srv->fd);
	pthread_mutex_destroy(&srv->mutex);
	free(srv);
}

struct name_server *name_server_create(const char *key, struct err *err)
{
	struct name_server *srv;
	sigset_t all, old;
	int rc;

	if (!name_key_valid(key)) {
		err_set(err, "invalid key \"%s\"", key);
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		err_errno(err, ENOMEM, "cannot serve key \"%s\"", key);
		return NULL;
	}
	srv->listen_fd = srv->watch_fd = srv->stop_fd = srv->kick_fd = -1;
	srv->fd = -1;
	pthread_mutex_init(&srv->mutex, NULL);

	/* The segment's name first: it is the one a second owner of the
	 * key collides with, and the one its message is about. */
	srv->listen_fd = listen_on(key, "", err);
	if (srv->listen_fd < 0)
		goto err;
	srv->watch_fd = listen_on(key, "/watch", err);
	if (srv->watch_fd < 0)
		goto err;
	srv->stop_fd = eventfd(0, EFD_CLOEXEC);
	srv->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (srv->stop_fd < 0 || srv->kick_fd < 0) {
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
	server_close(srv);
	return NULL;
}

int name_server_set_fd(struct name_server *srv, int fd, struct err *err)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	uint64_t one = 1;
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
	/* The serving thread owns the watchers; it sends the news. An
	 * eventfd counter cannot overflow from these writes. */
	if (write(srv->kick_fd, &one, sizeof(one)) != sizeof(one))
		abort();
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
	server_close(srv);
}

/* ---- the reader's side ---- */

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

/* Reads the reason after an 'E' until EOF, NAME_REASON_MAX bytes or the
 * deadline, and keeps only printable ASCII: the text comes from another
 * process and ends up on a screen or a terminal. */
static void receive_reason(int sock, int64_t deadline, char *out)
{
	char buf[NAME_REASON_MAX];
	size_t got = 0, k = 0;

	while (got < sizeof(buf) && wait_readable(sock, deadline) == 1) {
		ssize_t n = recv(sock, buf + got, sizeof(buf) - got,
				 MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	for (size_t i = 0; i < got; i++)
		if (buf[i] >= 0x20 && buf[i] < 0x7f)
			out[k++] = buf[i];
	out[k] = '\0';
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

int name_attach(const char *key, int64_t deadline, struct name_peer *peer,
		struct err *err)
{
	struct name_peer owner = { .pid = 0, .uid = 0 };
	int64_t start = clock_ms();
	char from[NAME_KEY_MAX + 64];
	int sock, fd;

	if (peer)
		*peer = owner;
	if (!name_key_valid(key)) {
		err_set(err, "invalid key \"%s\"", key);
		return -1;
	}
	sock = connect_owner(key, "", deadline, &owner, err);
	if (peer)
		*peer = owner;
	if (sock < 0)
		return -1;
	snprintf(from, sizeof(from), "the owner of key \"%s\" (pid %d)", key,
		 (int)owner.pid);
	fd = name_receive(sock, from, start, deadline, NULL, err);
	close(sock);
	return fd;
}

int name_watch(const char *key, struct name_peer *peer, struct err *err)
{
	struct name_peer owner = { .pid = 0, .uid = 0 };
	int sock;

	if (!name_key_valid(key)) {
		err_set(err, "invalid key \"%s\"", key);
		errno = EINVAL;
		return -1;
	}
	sock = connect_owner(key, "/watch", clock_ms() + NAME_ATTACH_TIMEOUT_MS,
			     &owner, err);
	if (peer)
		*peer = owner;
	return sock;
}

int name_watch_read(int sock)
{
	char buf[64];
	int news = 0;

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return news;
		if (n <= 0)
			return -1;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != 'N')
				return -1;
		news = 1;
	}
}
