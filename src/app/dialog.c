/* dialog.c - the load/display state machine of the window, free of drawing. */
#include "app/dialog.h"
#include "app/dialog_inspect.h"

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

#include "shm/share.h"

/* A message is a heading plus a reason of at most ERR_MAX bytes, which
 * may grow by a byte per no-break space put in. */
#define MESSAGE_MAX (2 * ERR_MAX + 256)
#define STATUS_MAX (NAME_KEY_MAX + 256)

/* What the image area shows under a load or the chooser, which both
 * cover it: the segment held, a failure, or nothing (the hint, or the
 * waiting text while following). */
enum view_kind { VIEW_NOTHING, VIEW_IMAGE, VIEW_ERROR };

struct view {
	enum view_kind kind;
	char message[MESSAGE_MAX];	/* VIEW_ERROR's heading and reason */
};

/* A load: the file opened, handed to the helper and decoded, on a thread
 * of its own, because open() alone can block for as long as a hung
 * network mount likes. Shared by the dialog and the thread; whichever
 * lets go last frees it, so a cancel never waits for a blocked open. */
struct load_job {
	struct img_decoder *dec;
	struct dialog *d;		/* for wake(), until abandoned */
	pthread_t thread;
	pthread_mutex_t lock;		/* abandoned against wake() */
	bool abandoned;			/* the dialog let go of it */
	atomic_int refs;
	atomic_bool done;
	int rc;
	enum img_failure failure;
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
	bool choosing;
	bool follow;
	bool busy_note;			/* F or M was refused during the load */

	struct load_job *job;		/* the load in progress, or NULL */
	char loading[MESSAGE_MAX - 64];	/* its text */
	struct attach attach;
	struct watch watch;

	struct dialog_status parts;
	char status[STATUS_MAX];
	char message[MESSAGE_MAX];	/* what dialog_message() shows */
	uint64_t generation;
};

static void wake(struct dialog *d)
{
	if (d->cfg.wake)
		d->cfg.wake(d->cfg.ctx);
}

/* ---- what is shown ---- */

enum dialog_state dialog_state(const struct dialog *d)
{
	/* A load covers everything until it ends or is cancelled, so a
	 * key pressed meanwhile cannot hide it. */
	if (d->job)
		return DIALOG_LOADING;
	if (d->choosing)
		return DIALOG_CHOOSING;
	if (d->view.kind == VIEW_IMAGE)
		return d->shown_owner == getpid() ? DIALOG_OWN : DIALOG_OTHER;
	if (d->view.kind == VIEW_ERROR)
		return DIALOG_ERROR;
	return d->follow ? DIALOG_WAITING : DIALOG_EMPTY;
}

static bool owner_alive(const struct dialog *d)
{
	/* Until the watch has looked, the attach just vouched for it. */
	return !atomic_load(&d->watch.known) ||
	       atomic_load(&d->watch.owner) == (int)d->shown_owner;
}

#define PART(field, ...) snprintf(p->field, sizeof(p->field), __VA_ARGS__)

/* Who shares the image shown, long and short. */
static void owner_parts(struct dialog *d, struct dialog_status *p)
{
	d->shown_alive = owner_alive(d);
	PART(size, "%u x %u", (unsigned)d->shown.info.width,
	     (unsigned)d->shown.info.height);
	if (d->shown_owner == getpid()) {
		PART(owner, "%s", d->share ? "shared by this window" :
		     "no longer shared");
		PART(owner_short, "%s", d->share ? "shared here" : "not shared");
	} else if (d->shown_alive) {
		PART(owner, "shared by pid %d", (int)d->shown_owner);
		PART(owner_short, "pid %d", (int)d->shown_owner);
	} else {
		PART(owner, "pid %d stopped sharing it", (int)d->shown_owner);
		PART(owner_short, "pid %d stopped", (int)d->shown_owner);
	}
	if (d->follow && !d->shown_alive)
		PART(state, "Following \u00b7 waiting for the next image");
	else if (d->follow)
		PART(state, "Following");
	PART(state_short, "%s", d->follow && !d->shown_alive ? "Waiting" :
	     d->follow ? "Following" : "");
}

/* The state's part when no image is shown. */
static void text_parts(struct dialog *d, struct dialog_status *p)
{
	const struct seg *own = d->share ? share_segment(d->share) : NULL;
	const char *follow = d->follow ? "Following \u00b7 " : "";

	switch (dialog_state(d)) {
	case DIALOG_LOADING:
		PART(state, "%sLoading \u00b7 Esc cancels", follow);
		PART(state_short, "Loading \u00b7 Esc cancels");
		return;
	case DIALOG_CHOOSING:
		PART(state, "%sChoosing a file \u00b7 Esc cancels", follow);
		PART(state_short, "Choosing a file");
		return;
	case DIALOG_WAITING:
		PART(state, "Following \u00b7 waiting for an image");
		PART(state_short, "Waiting");
		return;
	default:
		break;
	}
	if (own) {
		/* The message covers the image, but the segment is still
		 * served: say so, or the user would think it is gone. */
		PART(state, "%sStill sharing \u00b7 M shows it", follow);
		PART(state_short, "Still sharing");
		PART(size, "%u x %u", (unsigned)own->info.width,
		     (unsigned)own->info.height);
	} else {
		PART(state, "%sNothing shared by this window", follow);
		PART(state_short, "Not sharing");
	}
}

static void join(char *out, size_t len, const char *part)
{
	size_t n = strlen(out);

	if (*part && n < len)
		snprintf(out + n, len - n, "%s%s", n ? " \u00b7 " : "", part);
}

static void update_status(struct dialog *d)
{
	struct dialog_status *p = &d->parts;
	char key[NAME_KEY_MAX + 8];

	memset(p, 0, sizeof(*p));
	PART(key, "%s", d->key);
	if (d->view.kind == VIEW_IMAGE && !d->job && !d->choosing)
		owner_parts(d, p);
	else
		text_parts(d, p);
	d->status[0] = '\0';
	snprintf(key, sizeof(key), "key %s", d->key);
	join(d->status, sizeof(d->status), p->state);
	join(d->status, sizeof(d->status), p->size);
	join(d->status, sizeof(d->status), key);
	join(d->status, sizeof(d->status), p->owner);
}

/* The image area's text for the state. */
static void update_message(struct dialog *d)
{
	switch (dialog_state(d)) {
	case DIALOG_LOADING:
		snprintf(d->message, sizeof(d->message), "%s%s%s", d->loading,
			 d->busy_note ? "\n" : "",
			 d->busy_note ? DIALOG_TEXT_BUSY : "");
		break;
	case DIALOG_CHOOSING:
		snprintf(d->message, sizeof(d->message), DIALOG_TEXT_SELECT);
		break;
	case DIALOG_WAITING:
		snprintf(d->message, sizeof(d->message),
			 DIALOG_TEXT_WAITING " %s\u2026", d->key);
		break;
	case DIALOG_EMPTY:
		snprintf(d->message, sizeof(d->message), DIALOG_TEXT_HINT);
		break;
	case DIALOG_ERROR:
		snprintf(d->message, sizeof(d->message), "%s",
			 d->view.message);
		break;
	default:
		d->message[0] = '\0';
		break;
	}
}

static void changed(struct dialog *d)
{
	update_status(d);
	update_message(d);
	d->generation++;
}

/* Puts a no-break space (U+00A0) between a number and its unit ("245
 * MiB", "20 s", "30000 x 30000 pixels"), so a wrapped message never ends
 * a line with the number and starts the next with the unit. */
static void glue_units(const char *in, char *out, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB",
		"TiB", "bytes", "s", "ms", "pixels", "x", "MB", "KB" };
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 3 < len; i++) {
		bool glue = false;

		if (in[i] == ' ' && i > 0 && in[i - 1] >= '0' &&
		    in[i - 1] <= '9') {
			for (size_t u = 0; u < sizeof(units) / sizeof(*units);
			     u++) {
				size_t n = strlen(units[u]);
				char after = in[i + 1 + n];

				if (strncmp(in + i + 1, units[u], n) == 0 &&
				    (after == '\0' || after == ' ' ||
				     after == ',' || after == ')' ||
				     after == ';' || after == '.'))
					glue = true;
			}
		}
		/* The second space of "30000 x 30000". */
		if (in[i] == ' ' && i > 1 && in[i - 1] == 'x' &&
		    in[i - 2] == ' ' && in[i + 1] >= '0' && in[i + 1] <= '9')
			glue = true;
		if (glue) {
			memcpy(out + o, "\u00a0", 2);
			o += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

static void show_text(struct dialog *d, const char *text, const char *reason)
{
	char glued[MESSAGE_MAX];

	d->view.kind = VIEW_ERROR;
	glue_units(reason ? reason : "", glued, sizeof(glued));
	/* The reason is cut, never the heading. */
	snprintf(d->view.message, sizeof(d->view.message), "%.200s%s%.*s",
		 text, *glued ? "\n" : "",
		 (int)(sizeof(d->view.message) - 202), glued);
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
	d->view.kind = VIEW_IMAGE;
	watch_restart(d);
	changed(d);
}

/* What the image area goes back to when a choice or a load is
 * cancelled: the image still held, never an old error about another
 * file; the hint (or the waiting text) when there is none. */
static void rest(struct dialog *d)
{
	d->view.kind = d->shown.fd >= 0 ? VIEW_IMAGE : VIEW_NOTHING;
	changed(d);
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

static void job_unref(struct load_job *job)
{
	if (atomic_fetch_sub(&job->refs, 1) != 1)
		return;
	img_decoder_destroy(job->dec);
	seg_finish(&job->seg);
	pthread_mutex_destroy(&job->lock);
	free(job);
}

static void *load_run(void *arg)
{
	struct load_job *job = arg;

	/* The open is here, not on the window's thread: it may block. */
	job->rc = img_decoder_send(job->dec, job->path, &job->err);
	if (job->rc == 0)
		job->rc = img_decoder_finish(job->dec, &job->seg, &job->err);
	job->failure = job->rc == 0 ? IMG_FAILURE_NONE :
		       img_decoder_cancelled(job->dec) ? IMG_FAILURE_CANCELLED :
		       img_decoder_failure(job->dec);
	atomic_store(&job->done, true);
	pthread_mutex_lock(&job->lock);
	if (!job->abandoned)
		wake(job->d);
	pthread_mutex_unlock(&job->lock);
	job_unref(job);
	return NULL;
}

/* The heading above a failed load's reason. A size over the limits is
 * refused here, in the parent, from the size the helper reports; only a
 * decoder buffer over the limit comes back in the helper's words ("over
 * the limit of 256 MiB"), the one failure told apart by them. */
static const char *heading(enum img_failure kind, const char *reason)
{
	switch (kind) {
	case IMG_FAILURE_OPEN:
		return DIALOG_TEXT_OPEN;
	case IMG_FAILURE_TIMEOUT:
		return DIALOG_TEXT_TIMEOUT;
	case IMG_FAILURE_SANDBOX:
		return DIALOG_TEXT_SANDBOX;
	case IMG_FAILURE_DECODER:
		return DIALOG_TEXT_DECODER;
	case IMG_FAILURE_TOO_LARGE:
		return DIALOG_TEXT_TOO_LARGE;
	case IMG_FAILURE_REFUSED:
		/* A buffer the decoder wanted over the limit is told only in
		 * the helper's words. */
		if (strstr(reason, " limit"))
			return DIALOG_TEXT_TOO_LARGE;
		return DIALOG_TEXT_NOT_IMAGE;
	default:
		return DIALOG_TEXT_NOT_IMAGE;
	}
}

static void load_failed(struct dialog *d, bool report, const char *headline,
			struct err *err)
{
	if (report && d->cfg.report)
		d->cfg.report(d->cfg.ctx, err->msg);
	show_text(d, headline, err->msg);
}

/* Publishes the decoded segment and shows it, through a read-only
 * mapping of its own, as any reader would. */
static void publish(struct dialog *d, struct load_job *job)
{
	struct seg mine;
	int fd;

	if (!d->share) {
		d->share = share_create(d->key, &job->err);
		if (!d->share) {
			load_failed(d, job->report, DIALOG_TEXT_CREATE,
				    &job->err);
			return;
		}
	}
	if (share_publish(d->share, &job->seg, &job->err) < 0) {
		load_failed(d, job->report, DIALOG_TEXT_CREATE, &job->err);
		return;
	}
	fd = fcntl(share_segment(d->share)->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || seg_open(&mine, fd, UINT64_MAX, &job->err) < 0) {
		if (fd < 0)
			err_errno(&job->err, errno, "cannot show it");
		load_failed(d, job->report, DIALOG_TEXT_CREATE, &job->err);
		return;
	}
	show_segment(d, &mine, getpid());
}

/* The load is over for the dialog: the view shows what follows it. */
static void load_end(struct dialog *d)
{
	d->job = NULL;
	d->busy_note = false;
	spare_start(d);
}

static void load_poll(struct dialog *d)
{
	struct load_job *job = d->job;

	if (!job || !atomic_load(&job->done))
		return;
	pthread_join(job->thread, NULL);
	load_end(d);
	if (job->rc == 0) {
		publish(d, job);
	} else if (job->failure == IMG_FAILURE_CANCELLED) {
		rest(d);
	} else {
		/* open()'s reason names the file already. */
		if (job->failure != IMG_FAILURE_OPEN &&
		    job->failure != IMG_FAILURE_FILE)
			err_prefix(&job->err, "%s", job->path);
		load_failed(d, job->report, heading(job->failure,
						    job->err.msg), &job->err);
	}
	job_unref(job);
}

/* A key that cannot act during a load says why, in the load's view. */
static bool refuse_while_loading(struct dialog *d)
{
	if (!d->job)
		return false;
	if (!d->busy_note) {
		d->busy_note = true;
		changed(d);
	}
	return true;
}

static struct load_job *job_new(struct dialog *d, const char *path,
				bool report)
{
	struct load_job *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->d = d;
	job->report = report;
	atomic_init(&job->refs, 2);	/* the dialog's and the thread's */
	seg_init(&job->seg);
	pthread_mutex_init(&job->lock, NULL);
	snprintf(job->path, sizeof(job->path), "%s", path);
	spare_start(d);
	job->dec = d->spare;
	d->spare = NULL;
	if (!job->dec)
		job->dec = img_decoder_start(d->decoder, d->key,
					     &d->cfg.limits, &job->err);
	return job;
}

bool dialog_load_from_file(struct dialog *d, const char *path, bool report)
{
	const char *name = strrchr(path, '/');
	struct load_job *job;
	struct err err;

	load_poll(d);
	if (refuse_while_loading(d))
		return false;
	d->choosing = false;
	job = job_new(d, path, report);
	if (!job || !job->dec ||
	    pthread_create(&job->thread, NULL, load_run, job) != 0) {
		err_set(&err, "%s", job && !job->dec ? job->err.msg :
			"cannot start the load");
		if (job) {
			/* No thread holds the thread's reference. */
			atomic_store(&job->refs, 1);
			job_unref(job);
		}
		load_failed(d, report, DIALOG_TEXT_DECODER, &err);
		spare_start(d);
		return true;
	}
	d->job = job;
	snprintf(d->loading, sizeof(d->loading), DIALOG_TEXT_LOADING
		 " %s\u2026", name ? name + 1 : path);
	changed(d);
	return true;
}

bool dialog_loading(const struct dialog *d)
{
	return d->job != NULL;
}

bool dialog_cancel_load(struct dialog *d)
{
	struct load_job *job;

	/* A decode that already ended is taken as it is, not cancelled. */
	load_poll(d);
	job = d->job;
	if (!job)
		return false;
	img_decoder_cancel(job->dec);
	/* The thread may sit in open() for a long time yet: it ends on
	 * its own, reaps the helper and frees the job. */
	pthread_mutex_lock(&job->lock);
	job->abandoned = true;
	pthread_mutex_unlock(&job->lock);
	pthread_detach(job->thread);
	job_unref(job);
	load_end(d);
	rest(d);
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
	seg_init(&d->attach.seg);
	pthread_mutex_init(&d->watch.lock, NULL);
	d->follow = cfg->follow;
	rest(d);
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
	load_poll(d);
	if (refuse_while_loading(d))
		return;
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
	/* News waits for the load to end: the load stays on screen. */
	if (d->follow && news != d->watch.seen && !d->job) {
		d->watch.seen = news;
		attach_start(d, true);
	}
	/* A following window with nothing shown says why it waits. */
	if (refusals != d->watch.refusals_seen) {
		d->watch.refusals_seen = refusals;
		pthread_mutex_lock(&d->watch.lock);
		snprintf(reason, sizeof(reason), "%s", d->watch.refused);
		pthread_mutex_unlock(&d->watch.lock);
		if (d->follow && d->view.kind != VIEW_IMAGE && !d->job)
			show_text(d, DIALOG_TEXT_ATTACH, reason);
	}
	/* The owner of the image shown may have gone. */
	if (d->view.kind == VIEW_IMAGE && d->shown_owner != getpid() &&
	    owner_alive(d) != d->shown_alive) {
		d->shown_alive = owner_alive(d);
		changed(d);
	}
}

bool dialog_choose_begin(struct dialog *d)
{
	load_poll(d);
	if (refuse_while_loading(d))
		return false;
	d->choosing = true;
	changed(d);
	return true;
}

void dialog_choose_end(struct dialog *d)
{
	if (!d->choosing)
		return;
	d->choosing = false;
	rest(d);
}

const struct seg *dialog_segment(const struct dialog *d)
{
	enum dialog_state s = dialog_state(d);

	return s == DIALOG_OWN || s == DIALOG_OTHER ? &d->shown : NULL;
}

const char *dialog_message(const struct dialog *d)
{
	return d->message;
}

const char *dialog_status(const struct dialog *d)
{
	return d->status;
}

const struct dialog_status *dialog_status_parts(const struct dialog *d)
{
	return &d->parts;
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
	return dialog_segment(d) ? d->shown_owner : 0;
}
