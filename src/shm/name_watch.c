/* The watch channel: the owner's list of watchers and its news, and the
 * watcher's connection. */
#include "shm/name.h"

#include <errno.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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
	w->unread_since[i] = w->unread_since[w->n];
}

/* Says why before closing: a watcher told nothing would take the EOF for
 * the owner's going. Best effort, never waits. */
static void drop_saying(struct name_watchers *w, int i, const char *why)
{
	char reason[NAME_REASON_MAX + 1];

	snprintf(reason, sizeof(reason), "the owner (pid %d) dropped this "
		 "watcher: %s", (int)getpid(), why);
	name_send_reason(w->fd[i], reason);
	name_watchers_drop(w, i);
}

/* Bytes sent to watcher i that it has not read; 0 when unknown. */
static int unread(const struct name_watchers *w, int i)
{
	int n = 0;

	return ioctl(w->fd[i], SIOCOUTQ, &n) == 0 ? n : 0;
}

/* Tells watcher i there is news. Returns false when it was dropped: it
 * stopped reading, or left. Never waits: the send does not block, and a
 * watcher that has not read its last 'N' gets no other. */
static bool notify(struct name_watchers *w, int i)
{
	if (unread(w, i) > 0) {
		if (++w->missed[i] < NAME_WATCH_MAX_MISSED)
			return true;
		drop_saying(w, i, "it left 64 publications in a row unread");
		return false;
	}
	if (send(w->fd[i], "N", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
		w->missed[i] = 0;
		w->unread_since[i] = clock_ms();
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

int name_watchers_timeout(const struct name_watchers *w)
{
	int64_t first = INT64_MAX, left;

	for (int i = 0; i < w->n; i++)
		if (w->unread_since[i] && w->unread_since[i] < first)
			first = w->unread_since[i];
	if (first == INT64_MAX)
		return -1;
	left = first + NAME_WATCH_IDLE_MS - clock_ms();
	/* Rounded up: a poll that wakes a little early would spin. */
	return left < 0 ? 0 : (int)left + 1;
}

void name_watchers_expire(struct name_watchers *w)
{
	int64_t now = clock_ms();

	for (int i = 0; i < w->n;) {
		if (!w->unread_since[i] ||
		    now - w->unread_since[i] < NAME_WATCH_IDLE_MS) {
			i++;
		} else if (unread(w, i) == 0) {
			/* It read its news: nothing is due. */
			w->unread_since[i] = 0;
			i++;
		} else {
			drop_saying(w, i, "it left news unread for "
				    NAME_WATCH_IDLE_TEXT);
		}
	}
}

void name_watchers_add(struct name_watchers *w, int conn, bool serving)
{
	struct name_peer peer;
	char reason[NAME_REASON_MAX + 1];

	if (name_peer_of(conn, &peer) < 0 || peer.uid != geteuid()) {
		close(conn);
		return;
	}
	/* Room may be held by watchers past their bound. */
	if (w->n == NAME_MAX_WATCHERS)
		name_watchers_expire(w);
	if (w->n == NAME_MAX_WATCHERS) {
		snprintf(reason, sizeof(reason), "the owner (pid %d) has all "
			 "the %d watchers it keeps; try again later",
			 (int)getpid(), NAME_MAX_WATCHERS);
		name_send_reason(conn, reason);
		close(conn);
		return;
	}
	w->missed[w->n] = 0;
	w->unread_since[w->n] = 0;
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
	/* No retry on a full backlog (the deadline is now): a watcher
	 * comes back on its own schedule, and retrying here would spin. */
	sock = name_connect_owner(key, "/watch", clock_ms(), &owner, err);
	if (peer)
		*peer = owner;
	return sock;
}

/* The reason after an 'E': the got bytes that came with it and whatever
 * else is there now, never waiting (the owner sends it whole, then
 * closes). */
static void take_reason(int sock, const char *with, size_t got, char *reason)
{
	char buf[NAME_REASON_MAX];
	ssize_t n;

	if (got > sizeof(buf))
		got = sizeof(buf);
	memcpy(buf, with, got);
	while (got < sizeof(buf)) {
		n = recv(sock, buf + got, sizeof(buf) - got, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (reason)
		name_reason_printable(reason, buf, got);
}

int name_watch_read(int sock, char *reason)
{
	char buf[1 + NAME_REASON_MAX];
	int news = 0;

	if (reason)
		reason[0] = '\0';
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return news;
		/* News just before the EOF is still news; the EOF stays
		 * for the next call. */
		if (n == 0 && news)
			return 1;
		if (n <= 0)
			return -1;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == 'N') {
				news = 1;
				continue;
			}
			if (buf[i] == 'E')
				take_reason(sock, buf + i + 1,
					    (size_t)(n - i - 1), reason);
			return -1;
		}
	}
}
