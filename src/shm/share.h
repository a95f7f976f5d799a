/* share.h - a key bound by name and the segment it serves, and the
 * reader's way to it.
 *
 * The name stays bound across loads: publishing a new segment swaps the fd
 * the server hands out, so there is no moment where the key is free and no
 * moment where a reader can see a half-written image (the new segment is
 * locked before it becomes attachable).
 */
#ifndef SHM_SHARE_H
#define SHM_SHARE_H

#include "err.h"
#include "name.h"
#include "segment.h"

struct share;

/* Binds key. Returns NULL with the reason in err (key in use by pid N...). */
struct share *share_create(const char *key, struct err *err);

/* Makes seg the segment served under the key; seg must be locked by the
 * caller (so readers wait until it is complete). The share takes seg over
 * (the caller's struct is left released); the previous segment is released
 * here, while readers that already hold it keep it alive.
 * Returns 0, or -1 with the previous segment still served and seg untouched. */
int share_publish(struct share *share, struct seg *seg, struct err *err);

/* The segment now served, or NULL before the first publish. */
struct seg *share_segment(struct share *share);

const char *share_key(const struct share *share);

/* The reader side: receives the segment served under key (bounded wait,
 * owner of our uid only) and opens it as seg_open() does: sealed memfd,
 * validated header, mapped. Returns 0, or -1 with the reason in err and
 * seg released. Detach with seg_finish(). */
int share_attach(const char *key, struct seg *seg, struct err *err);

/* Stops serving and releases the segment. Accepts NULL. */
void share_destroy(struct share *share);

#endif
