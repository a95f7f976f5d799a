#include "shm/share.h"

#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/clock.h"

struct share {
	struct name_server *server;
	struct seg seg;		/* released until the first publish */
};

struct share *share_create(const char *key, struct err *err)
{
	struct share *share;

	if (!name_key_valid(key)) {
		err_set(err, "invalid key \"%s\": use 1 to %d characters of "
			"A-Z a-z 0-9 . _ -", key, NAME_KEY_MAX);
		return NULL;
	}
	share = calloc(1, sizeof(*share));
	if (!share) {
		err_set(err, "out of memory");
		return NULL;
	}
	seg_init(&share->seg);
	share->server = name_server_create(key, err);
	if (!share->server) {
		free(share);
		return NULL;
	}
	return share;
}

int share_publish(struct share *share, struct seg *seg, struct err *err)
{
	struct seg old;

	if (!seg->sealed) {
		err_set(err, "refusing to publish a segment that is not "
			"sealed");
		return -1;
	}
	if (name_server_set_fd(share->server, seg->fd, err) < 0)
		return -1;
	old = share->seg;
	share->seg = *seg;
	seg_init(seg);
	/* Readers that already received the old fd keep its memory alive;
	 * the kernel frees it when the last of them lets go. */
	seg_finish(&old);
	return 0;
}

const struct seg *share_segment(const struct share *share)
{
	return share->seg.fd >= 0 ? &share->seg : NULL;
}

int share_attach(const char *key, uint64_t max_bytes, struct seg *seg,
		 pid_t *owner, struct err *err)
{
	struct name_peer peer;
	int fd;

	/* One deadline for all of it: connect and receive wait on the
	 * owner; the checks and the mapping that follow never do. */
	fd = name_attach(key, clock_ms() + NAME_ATTACH_TIMEOUT_MS, &peer, err);
	if (owner)
		*owner = peer.pid;
	if (fd < 0) {
		seg_init(seg);
		return -1;
	}
	return seg_open(seg, fd, max_bytes, err);
}

void share_destroy(struct share *share)
{
	if (!share)
		return;
	/* Stop serving first so nobody receives a segment being torn down. */
	name_server_destroy(share->server);
	seg_finish(&share->seg);
	free(share);
}

/* Waits for stop_fd or sock (-1: none) up to timeout_ms. Returns true
 * when stop_fd is readable. */
static bool stop_or(int stop_fd, int sock, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = stop_fd, .events = POLLIN },
		{ .fd = sock, .events = POLLIN },
	};

	(void)poll(pfd, 2, timeout_ms);
	return pfd[0].revents != 0;
}

/* How one watch connection ended. */
enum watch_end {
	WATCH_STOP,		/* stop_fd, or a callback said stop */
	WATCH_GONE,		/* EOF: the owner went */
	WATCH_REFUSED,		/* the owner said why it closed on us */
};

/* One owner, from connect to its going. *news tells whether it brought
 * news; reason gets the owner's word when it refused us. */
static enum watch_end watch_owner(int sock, pid_t owner, int stop_fd,
				  const struct share_watch_events *ev,
				  bool *news, char *reason)
{
	for (;;) {
		int rc;

		if (stop_or(stop_fd, sock, -1))
			return WATCH_STOP;
		rc = name_watch_read(sock, reason);
		if (rc < 0 && *reason)
			return WATCH_REFUSED;
		if (rc < 0)
			return ev->gone(ev->ctx, owner) ? WATCH_GONE :
							   WATCH_STOP;
		if (rc > 0) {
			*news = true;
			if (!ev->news(ev->ctx, owner))
				return WATCH_STOP;
		}
	}
}

/* The next wait on the no-owner schedule. */
static int retry_ms(int *tries)
{
	return ++*tries > SHARE_WATCH_QUICK_TRIES ? SHARE_WATCH_IDLE_MS :
						     SHARE_WATCH_RETRY_MS;
}

/* Watch state across connections. */
struct watch_state {
	int tries;		/* looks since an owner last held */
	bool refused;		/* the caller was told, no news since */
};

/* Watches through one connection. Returns how long to wait before the
 * next, or -1 to end the watch. */
static int watch_once(struct watch_state *w, int sock, pid_t owner, int stop_fd,
		      bool keep_waiting, const struct share_watch_events *ev)
{
	char reason[NAME_REASON_MAX + 1];
	int64_t since = clock_ms();
	bool news = false;
	enum watch_end end = watch_owner(sock, owner, stop_fd, ev, &news,
					 reason);

	if (news)
		w->refused = false;
	if (end == WATCH_STOP)
		return -1;
	if (end == WATCH_REFUSED) {
		/* The owner is there: say so once, then ask slowly. */
		if (!w->refused && ev->refused &&
		    !ev->refused(ev->ctx, owner, reason))
			return -1;
		w->refused = true;
		return SHARE_WATCH_REFUSED_MS;
	}
	if (!keep_waiting)
		return -1;
	/* Only an owner that held the connection with news is likely to
	 * be followed by another at once; any other EOF (a peer that
	 * closes every watcher) goes on with the schedule, so nothing can
	 * make a watcher spin. */
	if (news && clock_ms() - since >= SHARE_WATCH_HELD_MS)
		w->tries = 0;
	return retry_ms(&w->tries);
}

void share_watch(const char *key, int stop_fd, bool keep_waiting,
		 const struct share_watch_events *ev)
{
	struct watch_state w = { .tries = 0, .refused = false };

	for (;;) {
		struct name_peer owner;
		struct err err;
		int wait, sock = name_watch(key, &owner, &err);

		if (sock < 0) {
			/* Nobody (or a stranger) holds the key. */
			if (!keep_waiting)
				return;
			wait = retry_ms(&w.tries);
		} else {
			wait = watch_once(&w, sock, owner.pid, stop_fd,
					  keep_waiting, ev);
			close(sock);
		}
		if (wait < 0 || stop_or(stop_fd, -1, wait))
			return;
	}
}
