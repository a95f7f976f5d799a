/* name_internal.h - what the parts of the name share: the addresses, the
 * owner check, and the owner's list of watchers. Not for use outside
 * src/shm/name*.c.
 */
#ifndef SHM_NAME_INTERNAL_H
#define SHM_NAME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "shm/name.h"

/* Fills the abstract address of key (suffix "" for the segment, "/watch"
 * for watchers); returns its length. */
socklen_t name_address(struct sockaddr_un *sa, const char *key,
		       const char *suffix);

/* The kernel's word on who is at the other end of sock. 0 or -1. */
int name_peer_of(int sock, struct name_peer *peer);

/* Connects to key's address. Returns the socket (non-blocking) or -1
 * with errno set. */
int name_connect(const char *key, const char *suffix, int64_t deadline);

/* Connects and checks the owner's credentials. Returns the socket, or -1
 * with the reason in err and errno kept from the connect. */
int name_connect_owner(const char *key, const char *suffix,
		       int64_t deadline, struct name_peer *owner,
		       struct err *err);

/* How messages name the address of suffix: "key" or "the watch address
 * of key" (the key itself follows). */
const char *name_address_title(const char *suffix);

/* Explains an EADDRINUSE on key's address with suffix: who holds that
 * address, pid and uid as the kernel gives them. */
void name_describe_holder(const char *key, const char *suffix,
			  struct err *err);

/* The owner's watchers, kept by the serving thread alone. */
struct name_watchers {
	int fd[NAME_MAX_WATCHERS];
	int missed[NAME_MAX_WATCHERS];	/* publications left unread */
	int64_t unread_since[NAME_MAX_WATCHERS];	/* clock_ms; 0: read */
	int n;
};

/* Takes conn (a fresh watch connection) or closes it: another user's
 * without a word, one past NAME_MAX_WATCHERS after an 'E' that says so.
 * serving says whether an image is shared, to send the current one
 * first. */
void name_watchers_add(struct name_watchers *w, int conn, bool serving);

/* Tells every watcher a new image is shared. Never waits. */
void name_watchers_notify_all(struct name_watchers *w);

/* Milliseconds until a watcher may be past NAME_WATCH_IDLE_MS (0: now),
 * or -1 when none has news unread: a timeout for poll. */
int name_watchers_timeout(const struct name_watchers *w);

/* Drops, saying why, every watcher that has left its news unread for
 * NAME_WATCH_IDLE_MS. */
void name_watchers_expire(struct name_watchers *w);

/* Closes watcher i; the last one takes its place. */
void name_watchers_drop(struct name_watchers *w, int i);

/* Closes every watcher. */
void name_watchers_finish(struct name_watchers *w);

#endif
