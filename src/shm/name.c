/* The key and its addresses, and the reader's attach. Serving is in
 * name_serve.c, the watch channel in name_watch.c, the message both
 * directions speak in name_msg.c. */
#include "shm/name.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "shm/name_internal.h"

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
socklen_t name_address(struct sockaddr_un *sa, const char *key,
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

int name_peer_of(int sock, struct name_peer *peer)
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
int name_connect(const char *key, const char *suffix, int64_t deadline)
{
	struct sockaddr_un sa;
	socklen_t len = name_address(&sa, key, suffix);
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
int name_connect_owner(const char *key, const char *suffix,
		       int64_t deadline, struct name_peer *owner,
		       struct err *err)
{
	int sock = name_connect(key, suffix, deadline);
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
	if (name_peer_of(sock, owner) < 0) {
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

const char *name_address_title(const char *suffix)
{
	return *suffix ? "the watch address of key" : "key";
}

/* Asks the kernel who listens on the address: both are bound by every
 * owner, so the one that collided is the one to name. */
void name_describe_holder(const char *key, const char *suffix,
			  struct err *err)
{
	const char *what = name_address_title(suffix);
	struct name_peer holder;
	int sock = name_connect(key, suffix, clock_ms() + 100);

	if (sock < 0 || name_peer_of(sock, &holder) < 0) {
		err_set(err, "%s \"%s\" is in use by another process", what,
			key);
	} else if (holder.uid != geteuid()) {
		err_set(err, "%s \"%s\" is held by another user (uid %u, "
			"pid %d)", what, key, (unsigned)holder.uid,
			(int)holder.pid);
	} else {
		err_set(err, "%s \"%s\" is in use by pid %d", what, key,
			(int)holder.pid);
	}
	if (sock >= 0)
		close(sock);
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
	sock = name_connect_owner(key, "", deadline, &owner, err);
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
