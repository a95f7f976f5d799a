/* name.h - find a segment by key: an abstract Unix socket that passes its fd.
 *
 * The owner of a key listens on the abstract address
 * "\0sharedmemory/<euid>/<key>" and answers each connecting process of the
 * same user with one message, then closes the connection:
 *
 *   'F' with SCM_RIGHTS carrying the segment's memfd, or
 *   'E' followed by at most NAME_REASON_MAX bytes of reason, and no fd,
 *       when it cannot hand the segment over (nothing shared yet, or
 *       sendmsg failed, say with ETOOMANYREFS).
 *
 * Watchers connect to "\0sharedmemory/<euid>/<key>/watch" (a '/' cannot
 * occur in a key, so no key's address collides with it) and stay
 * connected: the owner sends the byte 'N' at once if it has an image, and
 * again each time it publishes another, unless the watcher has not read
 * the last one yet. A watcher then attaches as above. The owner never
 * waits for a watcher: one that leaves an 'N' unread for
 * NAME_WATCH_IDLE_MS, or 64 publications in a row, is dropped. An owner
 * that refuses or drops a watcher says why first ('E' and a reason, as
 * above); when the owner goes, every watcher reads EOF.
 *
 * The message is name_msg.h's. No pixel ever crosses either socket. A
 * name lives exactly as long as its listening socket, so a crashed owner
 * leaves nothing behind.
 */
#ifndef SHM_NAME_H
#define SHM_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "shm/name_msg.h"

#define NAME_KEY_MAX 64
#define NAME_DEFAULT_KEY "SharedMemoryExample"

/* How long an attaching process waits for the owner, in all. */
#define NAME_ATTACH_TIMEOUT_MS 2000

/* How many watchers an owner keeps at once; one more is answered 'E'
 * with the reason, and closed on. */
#define NAME_MAX_WATCHERS 64

/* A watcher that leaves an 'N' unread this long has stopped reading: the
 * owner drops it (after an 'E' saying so), so connections that never read
 * cannot hold the watcher places for long. An honest watcher reads its
 * 'N' as soon as it wakes. */
#define NAME_WATCH_IDLE_MS 5000
#define NAME_WATCH_IDLE_TEXT "5 s"

/* True when key is 1..64 characters of [A-Za-z0-9._-]. */
bool name_key_valid(const char *key);

/* Who is at the other end of a name, as SO_PEERCRED says. */
struct name_peer {
	pid_t pid;
	uid_t uid;
};

struct name_server;

/* Binds the key (and its watch address) and starts serving in a thread of
 * its own (poll, no busy loop; the caller's thread never blocks on it).
 * Until name_server_set_fd() readers get 'E' "nothing shared yet".
 * Returns NULL with the reason in err ("key in use by pid N", "key held
 * by another user (uid N)", ...). */
struct name_server *name_server_create(const char *key, struct err *err);

/* Serves fd from now on and tells the watchers. The server keeps its own
 * duplicate, so the caller keeps ownership of fd. Returns 0, or -1 if
 * the duplicate cannot be made (the previous fd is then still served). */
int name_server_set_fd(struct name_server *srv, int fd, struct err *err);

/* Stops listening (both names disappear at once, watchers read EOF),
 * joins the thread, closes everything. Accepts NULL. */
void name_server_destroy(struct name_server *srv);

/* Connects to the owner of key, checks it runs as our euid, and waits
 * until deadline (clock_ms() time) for its one message. Returns the fd
 * (close-on-exec), or -1 with the reason ("nothing is shared under key
 * K", "owner is another user", the owner's own 'E' reason, ...). *peer
 * gets the owner as the kernel reports it, when known. */
int name_attach(const char *key, int64_t deadline, struct name_peer *peer,
		struct err *err);

/* Connects as a watcher of key and checks the owner runs as our euid.
 * Returns the socket (close-on-exec, non-blocking): readable when a new
 * image is published ('N' bytes), the owner refuses or drops this
 * watcher ('E' and a reason, then EOF) or the owner is gone (EOF). -1
 * with the reason, errno ECONNREFUSED when nobody holds the key, EAGAIN
 * when its backlog is full (never retried here). */
int name_watch(const char *key, struct name_peer *peer, struct err *err);

/* Reads what a watch socket has. Returns 1 when at least one 'N' came
 * (several are one: attach once), 0 when there is nothing yet, -1 when
 * the connection is over (close the socket then): reason (room for
 * NAME_REASON_MAX + 1; NULL when not wanted) gets the owner's 'E' reason,
 * printable only, or "" when the owner just went or sent something
 * else. */
int name_watch_read(int sock, char *reason);

#endif
