/* The watch channel: the owner's list of watchers and its news, and the
 * watcher's connection. */
#include "shm/name.h"

#include <errno.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "shm/name_internal.h"

/* A watcher with news it has not read yet gets no more (one unread 'N'
 * says all there is to say); one that leaves this many publications in a
 * row unread has stopped reading and is dropped. */
#define NAME_WATCH_MAX_MISSED 64

/* ---- the owner's side ---- */

void name_watchers_drop(struct name_watchers *w, int i)
{
	close(w->fd[i]);
	w->n--;
	w->fd[i] = w->fd[w->n];
	w->missed[i] = w->missed[w->n];
}

/* Tells watcher i there is news. Returns false when it was dropped: it
 * stopped reading, or left. Never waits: the send does not block, and a
 * watcher that has not read its last 'N' gets no other. */
static bool notify(struct name_watchers *w, int i)
{
	int unread = 0;

	if (ioctl(w->fd[i], SIOCOUTQ, &unread) == 0 && unread > 0) {
		if (++w->missed[i] < NAME_WATCH_MAX_MISSED)
			return true;
	} else if (send(w->fd[i], "N", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
		w->missed[i] = 0;
		return true;
	}
	name_watchers_drop(w, i);
	return false;
}

void name_watchers_notify_all(struct name_watchers *w)
{
	for (int i = 0; i < w->n;)
		if (notify(w, i))
			i++;
}

void name_watchers_add(struct name_watchers *w, int conn, bool serving)
{
	struct name_peer peer;

	if (name_peer_of(conn, &peer) < 0 || peer.uid != geteuid() ||
	    w->n == NAME_MAX_WATCHERS) {
		close(conn);
		return;
	}
	w->missed[w->n] = 0;
	w->fd[w->n++] = conn;
	/* The current image first. */
	if (serving)
		notify(w, w->n - 1);
}

void name_watchers_finish(struct name_watchers *w)
{
	for (int i = 0; i < w->n; i++)
		close(w->fd[i]);
	w->n = 0;
}

/* ---- the watcher's side ---- */

int name_watch(const char *key, struct name_peer *peer, struct err *err)
{
	struct name_peer owner = { .pid = 0, .uid = 0 };
	int sock;

	if (!name_key_valid(key)) {
		err_set(err, "invalid key \"%s\"", key);
		errno = EINVAL;
		return -1;
	}
	sock = name_connect_owner(key, "/watch",
				  clock_ms() + NAME_ATTACH_TIMEOUT_MS, &owner, err);
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
