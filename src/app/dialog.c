/* dialog.c - the load/display state machine of the window, free of drawing. */
#include "app/dialog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/name.h"
#include "shm/share.h"

/* A message is a Qt text plus a reason of at most ERR_MAX bytes. */
#define MESSAGE_MAX (ERR_MAX + 256)
#define STATUS_MAX (NAME_KEY_MAX + 160)

/* What the image area shows: the image, or a text. */
struct view {
	bool image;
	char message[MESSAGE_MAX];
};

struct dialog {
	char key[NAME_KEY_MAX + 1];
	struct img_limits limits;

	/* NULL until this window has published an image; then bound for
	 * good, so the key never falls free between two loads. */
	struct share *share;

	/* The sink's copy of the last image this window got (from its own
	 * segment or another window's); kept while a message is shown so
	 * a cancelled choice can bring it back. */
	struct dialog_sink sink;
	void *image;
	int image_w, image_h;
	pid_t image_owner;

	struct view view;
	struct view before_choice;	/* valid while choosing */
	bool choosing;

	char status[STATUS_MAX];
	uint64_t generation;
};

static void update_status(struct dialog *d)
{
	const struct seg *seg = d->share ? share_segment(d->share) : NULL;
	char who[64];

	if (d->view.image && d->image) {
		if (d->image_owner != getpid())
			snprintf(who, sizeof(who), "shared by pid %ld",
				 (long)d->image_owner);
		else
			snprintf(who, sizeof(who), "%s", seg ?
				 "shared by this window" : "no longer shared");
		snprintf(d->status, sizeof(d->status),
			 "%d x %d \u00b7 key %s \u00b7 %s", d->image_w,
			 d->image_h, d->key, who);
	} else if (seg) {
		/* The message covers the image, but the segment is still
		 * served: say so, or the user would think it is gone. */
		snprintf(d->status, sizeof(d->status),
			 "Still sharing %u x %u under key %s \u00b7 M shows it",
			 (unsigned)seg->info.width, (unsigned)seg->info.height,
			 d->key);
	} else {
		snprintf(d->status, sizeof(d->status),
			 "key %s \u00b7 nothing shared by this window", d->key);
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

static void drop_image(struct dialog *d)
{
	if (d->image)
		d->sink.drop(d->sink.ctx, d->image);
	d->image = NULL;
	d->image_w = d->image_h = 0;
}

/* Copies seg out through the sink and shows it. Returns 0, or -1 with the
 * reason in err and the previous image kept. */
static int show_segment(struct dialog *d, struct seg *seg, pid_t owner,
			struct err *err)
{
	void *copy = d->sink.take(d->sink.ctx, seg, err);

	if (!copy)
		return -1;
	drop_image(d);
	d->image = copy;
	d->image_w = (int)seg->info.width;
	d->image_h = (int)seg->info.height;
	d->image_owner = owner;
	d->view.image = true;
	d->view.message[0] = '\0';
	changed(d);
	return 0;
}

struct dialog *dialog_create(const char *key, const struct img_limits *lim,
			     const struct dialog_sink *sink)
{
	struct dialog *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->key, sizeof(d->key), "%s", key);
	d->sink = *sink;
	d->limits.max_bytes = lim ? lim->max_bytes : IMG_DEFAULT_MAX_BYTES;
	show_text(d, DIALOG_TEXT_HINT, NULL);
	return d;
}

void dialog_destroy(struct dialog *d)
{
	if (!d)
		return;
	share_destroy(d->share);
	drop_image(d);
	free(d);
}

int dialog_load_from_file(struct dialog *d, const char *path)
{
	struct img_load load;
	enum img_status st;
	struct err err = { "" };

	d->choosing = false;

	/* Decoded before anything is shared, as in the Qt example: a bad
	 * file is reported as one and leaves the shared image as it was. */
	st = img_load_file(&load, d->key, path, &d->limits, &err);
	if (st != IMG_OK) {
		show_text(d, st == IMG_NOT_IMAGE ? DIALOG_TEXT_NOT_IMAGE :
			  DIALOG_TEXT_CREATE, err.msg);
		return -1;
	}
	if (!d->share) {
		d->share = share_create(d->key, &err);
		if (!d->share) {
			img_load_finish(&load);
			show_text(d, DIALOG_TEXT_CREATE, err.msg);
			return -1;
		}
	}
	if (img_publish(d->share, &load, &err) != IMG_OK) {
		show_text(d, DIALOG_TEXT_CREATE, err.msg);
		return -1;
	}

	/* Show what readers get: a copy of the segment just published,
	 * not the decoder's surface. */
	if (show_segment(d, share_segment(d->share), getpid(), &err) < 0) {
		show_text(d, DIALOG_TEXT_CREATE, err.msg);
		return -1;
	}
	return 0;
}

int dialog_load_from_memory(struct dialog *d)
{
	struct err err = { "" };
	struct seg seg;

	d->choosing = false;
	seg_init(&seg);

	/* The window that owns the key attaches like any reader: its own
	 * server thread answers, so there is one code path to trust. */
	if (share_attach(d->key, &seg, &err) < 0)
		goto fail;
	if (show_segment(d, &seg, seg.info.owner_pid, &err) < 0)
		goto fail;
	seg_finish(&seg);
	return 0;
fail:
	seg_finish(&seg);
	show_text(d, DIALOG_TEXT_ATTACH, err.msg);
	return -1;
}

int dialog_detach(struct dialog *d)
{
	if (!d->share)
		return 0;
	share_destroy(d->share);
	d->share = NULL;
	changed(d);
	return 0;
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
	d->view = d->before_choice;
	changed(d);
}

void *dialog_image(const struct dialog *d)
{
	return d->view.image ? d->image : NULL;
}

void dialog_image_size(const struct dialog *d, int *w, int *h)
{
	*w = d->view.image ? d->image_w : 0;
	*h = d->view.image ? d->image_h : 0;
}

void dialog_image_lost(struct dialog *d)
{
	struct view lost = { .image = false };

	if (!d->image)
		return;
	drop_image(d);
	snprintf(lost.message, sizeof(lost.message), "%s", DIALOG_TEXT_LOST);
	/* Whichever view showed the image now says it is gone. */
	if (d->view.image)
		d->view = lost;
	if (d->choosing && d->before_choice.image)
		d->before_choice = lost;
	changed(d);
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
	return d->view.image ? d->image_owner : 0;
}

const char *dialog_key(const struct dialog *d)
{
	return d->key;
}
