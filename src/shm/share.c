#include "share.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct share {
	struct name_server *server;
	struct seg seg;		/* released until the first publish */
	char key[NAME_KEY_MAX + 1];
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
	strcpy(share->key, key);
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

const char *share_key(const struct share *share)
{
	return share->key;
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
