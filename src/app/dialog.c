/* dialog.c - the load/display state machine of the window, free of drawing. */
#include "app/dialog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "shm/name.h"
#include "shm/share.h"

/* A message is a Qt text plus a reason of at most ERR_MAX bytes. */
#define MESSAGE_MAX (ERR_MAX + 256)
#define STATUS_MAX (NAME_KEY_MAX + 160)

/* What the image area shows: the segment held, or a text. */
struct view {
	bool image;
	char message[MESSAGE_MAX];
};

/* A decode in the helper, waited for on a thread. */
struct load {
	struct img_decoder *dec;	/* NULL when no load runs */
	pthread_t thread;
	atomic_bool done;
	int rc;
	struct seg seg;
	struct err err;
	char path[PATH_MAX];
	bool report;
};

/* An attach by key, on a thread: a slow owner must not freeze the
 * window. */
struct attach {
	bool running;
	bool again;			/* asked for while running */
	pthread_t thread;
	atomic_bool done;
	int rc;
	struct seg seg;
	pid_t owner;
	bool nobody;			/* failed: nobody holds the key */
	bool follow;			/* started by the watch, not by M */
	struct err err;
};

/* The key's watch (src/shm/share.h), on a thread: news for following,
 * and whether the owner of the image shown is still there. */
struct watch {
	bool running;
	bool keep_waiting;		/* following */
	pid_t for_owner;		/* not following: whose going to tell */
	pthread_t thread;
	int stop_fd;
	atomic_bool known;		/* connected or given up at least once */
	atomic_int owner;		/* the owner watched now, 0: none */
	atomic_uint news;
	unsigned seen;
	/* The owner's reason when it will not keep this watcher. */
	pthread_mutex_t lock;		/* guards refused */
	char refused[NAME_REASON_MAX + 1];
	atomic_uint refusals;
	unsigned refusals_seen;
};

struct dialog {
	struct dialog_config cfg;
	char key[NAME_KEY_MAX + 1];
	char decoder[PATH_MAX];
	struct img_decoder *spare;	/* started ahead of the next load */

	/* NULL until this window has published an image; then bound for
	 * good, so the key never falls free between two loads. */
	struct share *share;

	/* The image shown, or kept behind a message so a cancelled choice
	 * can bring it back: a read-only mapping of a sealed segment. */
	struct seg shown;
	pid_t shown_owner;

	bool shown_alive;		/* as the status last said */

	struct view view;
	struct view before_choice;	/* valid while choosing */
	bool choosing;
	bool follow;

	struct load load;
	struct attach attach;
	struct watch watch;

	char status[STATUS_MAX];
	uint64_t generation;
};

static void wake(struct dialog *d)
{
	if (d->cfg.wake)
		d->cfg.wake(d->cfg.ctx);
}

/* ---- what is shown ---- */

static bool owner_alive(const struct dialog *d)
{
	/* Until the watch has looked, the attach just vouched for it. */
	return !atomic_load(&d->watch.known) ||
	       atomic_load(&d->watch.owner) == (int)d->shown_owner;
}

static void image_status(struct dialog *d, char *who, size_t len)
{
	d->shown_alive = owner_alive(d);
	if (d->shown_owner == getpid())
		snprintf(who, len, "%s", d->share ? "shared by this window" :
			 "no longer shared");
	else if (d->shown_alive)
		snprintf(who, len, "shared by pid %d", (int)d->shown_owner);
	else
		snprintf(who, len, "pid %d stopped sharing it",
			 (int)d->shown_owner);
}

static void update_status(struct dialog *d)
{
	const struct seg *own = d->share ? share_segment(d->share) : NULL;
	/* First, so a narrow window elides something else. */
	const char *follow = d->follow ? "Following \u00b7 " : "";
	char who[64];

	if (d->view.image) {
		image_status(d, who, sizeof(who));
		snprintf(d->status, sizeof(d->status),
			 "%s%u x %u \u00b7 key %s \u00b7 %s", follow,
			 (unsigned)d->shown.info.width,
			 (unsigned)d->shown.info.height, d->key, who);
	} else if (d->load.dec) {
		snprintf(d->status, sizeof(d->status),
			 "%sEsc cancels \u00b7 key %s", follow, d->key);
	} else if (own) {
		/* The message covers the image, but the segment is still
		 * served: say so, or the user would think it is gone. */
		snprintf(d->status, sizeof(d->status),
			 "%sStill sharing %u x %u under key %s \u00b7 M shows "
			 "it", follow, (unsigned)own->info.width,
			 (unsigned)own->info.height, d->key);
	} else {
		snprintf(d->status, sizeof(d->status),
			 "%skey %s \u00b7 nothing shared by this window",
			 follow, d->key);
	}
}

static void changed(struct dialog *d)
{
	update_status(d);
	d->generation++;
}

static void show_text(struct dialog *d, const char *text, const char *reason)
{
	d->view.image = false;
	if (reason && *reason)
		snprintf(d->view.message, sizeof(d->view.message), "%s\n%s",
			 text, reason);
	else
		snprintf(d->view.message, sizeof(d->view.message), "%s", text);
	changed(d);
}

static void watch_restart(struct dialog *d);

/* Shows seg (taken over), shared by owner. */
static void show_segment(struct dialog *d, struct seg *seg, pid_t owner)
{
	seg_finish(&d->shown);
	d->shown = *seg;
	seg_init(seg);
	d->shown_owner = owner;
	d->view.image = true;
	d->view.message[0] = '\0';
	watch_restart(d);
	changed(d);
}

/* What the image area goes back to when a choice or a load is
 * cancelled: the image still held, never an old error about another
 * file; the hint when there is none. */
static void rest(struct dialog *d)
{
	if (d->shown.fd >= 0) {
		d->view.image = true;
		d->view.message[0] = '\0';
		changed(d);
	} else {
		show_text(d, DIALOG_TEXT_HINT, NULL);
	}
}

/* ---- the watch ---- */

static bool on_news(void *ctx, pid_t owner)
{
	struct dialog *d = ctx;

	atomic_store(&d->watch.owner, (int)owner);
	atomic_store(&d->watch.known, true);
	atomic_fetch_add(&d->watch.news, 1);
	wake(d);
	return true;
}

static bool on_gone(void *ctx, pid_t owner)
{
	struct dialog *d = ctx;

	(void)owner;
	atomic_store(&d->watch.owner, 0);
	atomic_store(&d->watch.known, true);
	wake(d);
	return true;
}

static bool on_refused(void *ctx, pid_t owner, const char *reason)
{
	struct dialog *d = ctx;

	(void)owner;	/* the reason names it */
	pthread_mutex_lock(&d->watch.lock);
	snprintf(d->watch.refused, sizeof(d->watch.refused), "%s", reason);
	pthread_mutex_unlock(&d->watch.lock);
	atomic_fetch_add(&d->watch.refusals, 1);
	wake(d);
	return true;
}

static void *watch_run(void *arg)
{
	struct dialog *d = arg;

	share_watch(d->key, d->watch.stop_fd, d->watch.keep_waiting,
		    &(struct share_watch_events){ .ctx = d, .news = on_news,
						  .gone = on_gone,
						  .refused = on_refused });
	/* Nobody to watch (any more). */
	atomic_store(&d->watch.owner, 0);
	atomic_store(&d->watch.known, true);
	wake(d);
	return NULL;
}

static void watch_stop(struct dialog *d)
{
	uint64_t one = 1;

	if (!d->watch.running)
		return;
	if (write(d->watch.stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
	pthread_join(d->watch.thread, NULL);
	close(d->watch.stop_fd);
	d->watch.running = false;
}

/* Watches while following (waiting for owners), or while another
 * process's image is shown (to tell when its owner goes). A running
 * watch that already does that is left alone: restarting a following
 * watch would bring the current image's news again. */
static void watch_restart(struct dialog *d)
{
	pid_t other = d->shown.fd >= 0 && d->shown_owner != getpid() ?
		      d->shown_owner : 0;

	if (d->watch.running && d->watch.keep_waiting == d->follow &&
	    (d->follow || d->watch.for_owner == other))
		return;
	watch_stop(d);
	atomic_store(&d->watch.known, false);
	atomic_store(&d->watch.owner, 0);
	atomic_store(&d->watch.news, 0);
	d->watch.seen = 0;
	atomic_store(&d->watch.refusals, 0);
	d->watch.refusals_seen = 0;
	if (!d->follow && !other)
		return;
	d->watch.keep_waiting = d->follow;
	d->watch.for_owner = other;
	d->watch.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (d->watch.stop_fd < 0)
		return;
	if (pthread_create(&d->watch.thread, NULL, watch_run, d) != 0) {
		close(d->watch.stop_fd);
		return;
	}
	d->watch.running = true;
}

/* ---- attaching ---- */

static void *attach_run(void *arg)
{
	struct dialog *d = arg;

	d->attach.rc = share_attach(d->key, d->cfg.limits.max_bytes,
				    &d->attach.seg, &d->attach.owner,
				    &d->attach.err);
	d->attach.nobody = d->attach.rc < 0 && errno == ECONNREFUSED;
	atomic_store(&d->attach.done, true);
	wake(d);
	return NULL;
}

static void attach_start(struct dialog *d, bool follow)
{
	if (d->attach.running) {
		d->attach.again = true;
		d->attach.follow = d->attach.follow && follow;
		return;
	}
	d->attach.follow = follow;
	atomic_store(&d->attach.done, false);
	d->attach.again = false;
	if (pthread_create(&d->attach.thread, NULL, attach_run, d) != 0) {
		show_text(d, DIALOG_TEXT_ATTACH, "cannot start a thread");
		return;
	}
	d->attach.running = true;
}

static void attach_poll(struct dialog *d)
{
	if (!d->attach.running || !atomic_load(&d->attach.done))
		return;
	pthread_join(d->attach.thread, NULL);
	d->attach.running = false;
	if (d->attach.rc == 0)
		show_segment(d, &d->attach.seg, d->attach.owner);
	else if (!(d->attach.follow && d->attach.nobody))
		show_text(d, DIALOG_TEXT_ATTACH, d->attach.err.msg);
	/* else: following, and the owner left before we got there. The
	 * watch waits for the next; the image shown stays. */
	if (d->attach.again)
		attach_start(d, d->attach.follow);
}

/* ---- loading ---- */

static void spare_start(struct dialog *d)
{
	struct err err;

	if (!d->spare)
		d->spare = img_decoder_start(d->decoder, d->key,
					     &d->cfg.limits, &err);
}

static void *load_run(void *arg)
{
	struct dialog *d = arg;

	d->load.rc = img_decoder_finish(d->load.dec, &d->load.seg,
					&d->load.err);
	atomic_store(&d->load.done, true);
	wake(d);
	return NULL;
}

static void load_failed(struct dialog *d, const char *headline)
{
	if (d->load.report && d->cfg.report)
		d->cfg.report(d->cfg.ctx, d->load.err.msg);
	show_text(d, headline, d->load.err.msg);
}

/* Publishes the decoded segment and shows it, through a read-only
 * mapping of its own, as any reader would. */
static void publish(struct dialog *d)
{
	struct seg mine;
	int fd;

	if (!d->share) {
		d->share = share_create(d->key, &d->load.err);
		if (!d->share) {
			load_failed(d, DIALOG_TEXT_CREATE);
			return;
		}
	}
	if (share_publish(d->share, &d->load.seg, &d->load.err) < 0) {
		load_failed(d, DIALOG_TEXT_CREATE);
		return;
	}
	fd = fcntl(share_segment(d->share)->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || seg_open(&mine, fd, UINT64_MAX, &d->load.err) < 0) {
		if (fd < 0)
			err_errno(&d->load.err, errno, "cannot show it");
		load_failed(d, DIALOG_TEXT_CREATE);
		return;
	}
	show_segment(d, &mine, getpid());
}

static void load_poll(struct dialog *d)
{
	bool cancelled;

	if (!d->load.dec || !atomic_load(&d->load.done))
		return;
	pthread_join(d->load.thread, NULL);
	cancelled = img_decoder_cancelled(d->load.dec);
	img_decoder_destroy(d->load.dec);
	d->load.dec = NULL;
	if (d->load.rc == 0) {
		publish(d);
	} else if (cancelled) {
		rest(d);
	} else {
		err_prefix(&d->load.err, "%s", d->load.path);
		load_failed(d, DIALOG_TEXT_NOT_IMAGE);
	}
	seg_finish(&d->load.seg);
	spare_start(d);
}

void dialog_load_from_file(struct dialog *d, const char *path, bool report)
{
	const char *name = strrchr(path, '/');
	struct img_decoder *dec;
	char text[MESSAGE_MAX];

	dialog_cancel_load(d);
	d->choosing = false;
	d->load.report = report;
	snprintf(d->load.path, sizeof(d->load.path), "%s", path);
	spare_start(d);
	dec = d->spare;
	d->spare = NULL;
	if (!dec)
		dec = img_decoder_start(d->decoder, d->key, &d->cfg.limits,
					&d->load.err);
	if (!dec || img_decoder_send(dec, path, &d->load.err) < 0) {
		img_decoder_destroy(dec);
		load_failed(d, DIALOG_TEXT_NOT_IMAGE);
		spare_start(d);
		return;
	}
	atomic_store(&d->load.done, false);
	d->load.dec = dec;
	if (pthread_create(&d->load.thread, NULL, load_run, d) != 0) {
		img_decoder_destroy(dec);
		d->load.dec = NULL;
		err_set(&d->load.err, "cannot start a thread");
		load_failed(d, DIALOG_TEXT_NOT_IMAGE);
		return;
	}
	snprintf(text, sizeof(text), DIALOG_TEXT_LOADING " %s\u2026",
		 name ? name + 1 : path);
	show_text(d, text, NULL);
}

bool dialog_loading(const struct dialog *d)
{
	return d->load.dec != NULL;
}

bool dialog_cancel_load(struct dialog *d)
{
	/* A decode that already ended is taken as it is, not cancelled. */
	load_poll(d);
	if (!d->load.dec)
		return false;
	img_decoder_cancel(d->load.dec);
	/* The helper is dead; its end reaches the thread at once. */
	pthread_join(d->load.thread, NULL);
	load_poll(d);
	return true;
}

/* ---- the rest of the API ---- */

struct dialog *dialog_create(const struct dialog_config *cfg, struct err *err)
{
	struct dialog *d = calloc(1, sizeof(*d));

	if (!d) {
		err_set(err, "out of memory");
		return NULL;
	}
	d->cfg = *cfg;
	snprintf(d->key, sizeof(d->key), "%s", cfg->key);
	snprintf(d->decoder, sizeof(d->decoder), "%s", cfg->decoder);
	d->cfg.key = d->key;
	d->cfg.decoder = d->decoder;
	seg_init(&d->shown);
	seg_init(&d->load.seg);
	seg_init(&d->attach.seg);
	pthread_mutex_init(&d->watch.lock, NULL);
	d->follow = cfg->follow;
	show_text(d, DIALOG_TEXT_HINT, NULL);
	spare_start(d);
	watch_restart(d);
	return d;
}

void dialog_destroy(struct dialog *d)
{
	if (!d)
		return;
	dialog_cancel_load(d);
	if (d->attach.running)
		pthread_join(d->attach.thread, NULL);
	seg_finish(&d->attach.seg);
	watch_stop(d);
	pthread_mutex_destroy(&d->watch.lock);
	img_decoder_destroy(d->spare);
	share_destroy(d->share);
	seg_finish(&d->shown);
	free(d);
}

void dialog_load_from_memory(struct dialog *d)
{
	d->choosing = false;
	attach_start(d, false);
}

void dialog_set_follow(struct dialog *d, bool on)
{
	if (d->follow == on)
		return;
	d->follow = on;
	watch_restart(d);
	changed(d);
}

bool dialog_following(const struct dialog *d)
{
	return d->follow;
}

void dialog_poll(struct dialog *d)
{
	unsigned news = atomic_load(&d->watch.news);
	unsigned refusals = atomic_load(&d->watch.refusals);
	char reason[NAME_REASON_MAX + 1];

	load_poll(d);
	attach_poll(d);
	if (d->follow && news != d->watch.seen) {
		d->watch.seen = news;
		attach_start(d, true);
	}
	/* A following window with nothing shown says why it waits. */
	if (refusals != d->watch.refusals_seen) {
		d->watch.refusals_seen = refusals;
		pthread_mutex_lock(&d->watch.lock);
		snprintf(reason, sizeof(reason), "%s", d->watch.refused);
		pthread_mutex_unlock(&d->watch.lock);
		if (d->follow && !d->view.image && !d->load.dec)
			show_text(d, DIALOG_TEXT_ATTACH, reason);
	}
	/* The owner of the image shown may have gone. */
	if (d->view.image && d->shown_owner != getpid() &&
	    owner_alive(d) != d->shown_alive)
		changed(d);
}

void dialog_choose_begin(struct dialog *d)
{
	if (!d->choosing) {
		d->before_choice = d->view;
		d->choosing = true;
	}
	show_text(d, DIALOG_TEXT_SELECT, NULL);
}

void dialog_choose_end(struct dialog *d)
{
	if (!d->choosing)
		return;
	d->choosing = false;
	/* A load still running says so again. */
	if (d->load.dec) {
		d->view = d->before_choice;
		changed(d);
	} else {
		rest(d);
	}
}

const struct seg *dialog_segment(const struct dialog *d)
{
	return d->view.image ? &d->shown : NULL;
}

const char *dialog_message(const struct dialog *d)
{
	return d->view.image ? "" : d->view.message;
}

const char *dialog_status(const struct dialog *d)
{
	return d->status;
}

uint64_t dialog_generation(const struct dialog *d)
{
	return d->generation;
}

bool dialog_is_sharing(const struct dialog *d)
{
	return d->share && share_segment(d->share);
}

pid_t dialog_image_owner(const struct dialog *d)
{
	return d->view.image ? d->shown_owner : 0;
}
