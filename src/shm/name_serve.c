/* The owner's side of the name: binds the key's two addresses and serves
 * them from a thread of its own, answering each reader with one message
 * (name_msg.c) and keeping the watchers (name_watch.c). */
#include "shm/name.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "shm/name_internal.h"

struct name_server {
	int listen_fd;
	int watch_fd;		/* listening for watchers */
	int stop_fd;		/* eventfd: written once by destroy */
	int kick_fd;		/* eventfd: a new fd is served, tell watchers */
	pthread_t thread;
	pthread_mutex_t mutex;	/* guards fd against set_fd */
	int fd;			/* what is handed out; -1 before set_fd */
	struct name_watchers watchers;	/* the serving thread's alone */
};

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
	if (name_peer_of(conn, &peer) < 0 || peer.uid != geteuid())
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

static void accept_watcher(struct name_server *srv, int conn)
{
	bool serving;

	pthread_mutex_lock(&srv->mutex);
	serving = srv->fd >= 0;
	pthread_mutex_unlock(&srv->mutex);
	name_watchers_add(&srv->watchers, conn, serving);
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
		int n = srv->watchers.n, timeout, rc;
		uint64_t count;

		/* A watcher never sends: anything readable is its EOF. */
		for (int i = 0; i < n; i++)
			pfd[POLL_FIXED + i] = (struct pollfd){
				.fd = srv->watchers.fd[i], .events = POLLIN };
		/* Woken only to drop watchers that stopped reading. */
		timeout = name_watchers_timeout(&srv->watchers);
		rc = poll(pfd, (nfds_t)(POLL_FIXED + n), timeout);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0 || pfd[POLL_STOP].revents)
			break;
		for (int i = n - 1; i >= 0; i--)
			if (pfd[POLL_FIXED + i].revents)
				name_watchers_drop(&srv->watchers, i);
		if (pfd[POLL_KICK].revents &&
		    read(srv->kick_fd, &count, sizeof(count)) == sizeof(count))
			name_watchers_notify_all(&srv->watchers);
		if (pfd[POLL_LISTEN].revents)
			drain(srv, srv->listen_fd, serve_and_close);
		if (pfd[POLL_WATCH].revents)
			drain(srv, srv->watch_fd, accept_watcher);
		if (timeout >= 0)
			name_watchers_expire(&srv->watchers);
	}
	return NULL;
}

/* A non-blocking listening socket on key's address (with suffix). */
static int listen_on(const char *key, const char *suffix, struct err *err)
{
	struct sockaddr_un sa;
	socklen_t len = name_address(&sa, key, suffix);
	int sock;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0) {
		err_errno(err, errno, "socket");
		return -1;
	}
	if (bind(sock, (struct sockaddr *)&sa, len) < 0) {
		if (errno == EADDRINUSE)
			name_describe_holder(key, suffix, err);
		else
			err_errno(err, errno, "cannot bind %s \"%s\"",
				  name_address_title(suffix), key);
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
	name_watchers_finish(&srv->watchers);
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
