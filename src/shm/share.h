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

#include "common/err.h"
#include "shm/name.h"
#include "shm/segment.h"

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

/* The reader side: receives the segment served under key and opens it as
 * seg_open() does (shmem, sealed, header valid, at most max_bytes of
 * pixels, mapped read-only), all within one NAME_ATTACH_TIMEOUT_MS. *owner
 * gets the pid the kernel reports for the owner (0 when nobody answered);
 * it may be NULL. Returns 0, or -1 with the reason in err and seg
 * released (errno ECONNREFUSED when nobody holds the key). Detach with
 * seg_finish(). */
int share_attach(const char *key, uint64_t max_bytes, struct seg *seg,
		 pid_t *owner, struct err *err);

/* Stops serving and releases the segment. Accepts NULL. */
void share_destroy(struct share *share);

/* How often a watch with no owner looks for one (a new owner's name
 * cannot announce itself to processes it does not know): every
 * SHARE_WATCH_RETRY_MS for the first SHARE_WATCH_QUICK_TRIES, when a new
 * owner is likely (one replacing another), then every
 * SHARE_WATCH_IDLE_MS. Each look is a wake-up, and a wake-up costs far
 * more CPU than the socket and connect it makes. The same schedule
 * follows every EOF on the watch connection; it starts again only after
 * an owner held the connection SHARE_WATCH_HELD_MS with news. An owner
 * that refuses the watcher (it has all the watchers it keeps) is asked
 * again every SHARE_WATCH_REFUSED_MS. */
#define SHARE_WATCH_RETRY_MS 100
#define SHARE_WATCH_QUICK_TRIES 20
#define SHARE_WATCH_IDLE_MS 250
#define SHARE_WATCH_HELD_MS 1000
#define SHARE_WATCH_REFUSED_MS 1000

/* What a watch reports. Each callback returns false to end the watch. */
struct share_watch_events {
	void *ctx;
	/* An image is shared under the key: the current one when the watch
	 * finds an owner, then each new one. owner is the kernel's pid for
	 * it (SO_PEERCRED). Attach to get it. */
	bool (*news)(void *ctx, pid_t owner);
	/* The owner went away: its socket closed (exit or crash). */
	bool (*gone)(void *ctx, pid_t owner);
	/* The owner is there but will not keep this watcher (it has all
	 * it keeps, or dropped this one); reason is its own word, printable
	 * ASCII. Called once, until news comes again; the watch goes on
	 * asking. NULL: not wanted. */
	bool (*refused)(void *ctx, pid_t owner, const char *reason);
};

/* Watches key on the calling thread until stop_fd is readable or a
 * callback says stop. With keep_waiting, it waits for an owner when there
 * is none and for the next one when the owner goes; without, it ends
 * when there is no owner or once the owner went (a refusing owner is
 * asked again either way). Never busy: it sleeps in poll, looking for an
 * owner as often as said above, whatever the owner does. */
void share_watch(const char *key, int stop_fd, bool keep_waiting,
		 const struct share_watch_events *ev);

#endif
