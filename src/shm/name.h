/* name.h - find a segment by key: an abstract Unix socket that passes its fd.
 *
 * The owner of a key listens on the abstract address
 * "\0sharedmemory/<euid>/<key>" and hands the memfd to each connecting
 * process of the same user: one message, a 1-byte payload plus SCM_RIGHTS,
 * then the connection is closed. No pixel ever crosses the socket. The name
 * lives exactly as long as the listening socket, so a crashed owner leaves
 * nothing behind.
 */
#ifndef SHM_NAME_H
#define SHM_NAME_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

#define NAME_KEY_MAX 64
#define NAME_DEFAULT_KEY "SharedMemoryExample"

/* How long an attaching process waits for the owner to hand over the fd. */
#define NAME_ATTACH_TIMEOUT_MS 2000

/* True when key is 1..64 characters of [A-Za-z0-9._-]. */
bool name_key_valid(const char *key);

/* Who is at the other end of a name. */
struct name_peer {
	pid_t pid;
	uid_t uid;
};

struct name_server;

/* Binds the key and starts serving in a thread of its own (poll, no busy
 * loop; the caller's thread never blocks on it). Nothing is served until
 * name_server_set_fd(). Returns NULL with the reason in err ("key in use by
 * pid N", "key held by another user (uid N)", ...). */
struct name_server *name_server_create(const char *key, struct err *err);

/* Serves fd from now on. The server keeps its own duplicate, so the caller
 * keeps ownership of fd. Returns 0, or -1 if the duplicate cannot be made
 * (the previous fd is then still served). */
int name_server_set_fd(struct name_server *srv, int fd, struct err *err);

/* Stops listening (the name disappears at once), joins the thread, closes
 * everything. Accepts NULL. */
void name_server_destroy(struct name_server *srv);

/* Connects to the owner of key, checks it runs as our euid, and waits at
 * most timeout_ms for exactly one fd. Returns the fd (close-on-exec), or -1
 * with the reason ("nothing is shared under key K", "owner is another user",
 * "owner did not answer within 2 s", ...). *peer gets the owner when known. */
int name_attach(const char *key, int timeout_ms, struct name_peer *peer,
		struct err *err);

#endif
