/* share.h - a key bound by name and the sealed segment it serves, and the
 * reader's way to it.
 *
 * The name stays bound across loads: publishing a new segment swaps the fd
 * the server hands out, so the key is never free between two images. Only
 * sealed segments are published, so a reader gets the previous image or
 * the new one, whole, and never one being written.
 */
#ifndef SHM_SHARE_H
#define SHM_SHARE_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "name.h"
#include "segment.h"

struct share;

/* Binds key. Returns NULL with the reason in err (key in use by pid N...). */
struct share *share_create(const char *key, struct err *err);

/* Makes seg, which must be sealed, the segment served under the key, and
 * tells the key's watchers. The share takes seg over (the caller's struct
 * is left released); the previous segment is released here, while
 * readers that already hold it keep it alive. Returns 0, or -1 with the
 * previous segment still served and seg untouched. */
int share_publish(struct share *share, struct seg *seg, struct err *err);

/* The segment now served, or NULL before the first publish. */
const struct seg *share_segment(const struct share *share);

const char *share_key(const struct share *share);

/* The reader side: receives the segment served under key and opens it as
 * seg_open() does (shmem, sealed, header valid, at most max_bytes of
 * pixels, mapped read-only), all within one NAME_ATTACH_TIMEOUT_MS. *owner
 * gets the pid the kernel reports for the owner (0 when nobody answered);
 * it may be NULL. Returns 0, or -1 with the reason in err and seg
 * released. Detach with seg_finish(). */
int share_attach(const char *key, uint64_t max_bytes, struct seg *seg,
		 pid_t *owner, struct err *err);

/* Stops serving and releases the segment. Accepts NULL. */
void share_destroy(struct share *share);

#endif
