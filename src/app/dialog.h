/* dialog.h - what the window shows and shares, without any drawing.
 *
 * The state machine behind the two buttons, in the Qt example's words:
 * "Load Image From File..." publishes a file under the key and shows it,
 * "Display Image From Shared Memory" attaches by key and shows what is
 * there. The window only draws what this module says: an image, or a
 * message in the image area, and a one-line status under it. Every change
 * bumps a generation counter, so the window can skip drawing when nothing
 * changed.
 *
 * The copy of the pixels the window keeps is made by a sink the window
 * gives: the window's sink copies the segment straight into a texture, so
 * showing an image costs one copy; the tests keep a surface.
 *
 * Unlike the Qt dialog, a failed or cancelled load never drops what is
 * already shared: the segment stays attachable, and `M` in this window
 * shows it again (it attaches by key like any other reader).
 */
#ifndef APP_DIALOG_H
#define APP_DIALOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image.h"
#include "err.h"
#include "shm/segment.h"

/* The Qt example's texts, shown in the image area. Where the failure has a
 * reason, it follows on a line of its own. */
#define DIALOG_TEXT_HINT                                                  \
	"Launch two of these dialogs.  In the first, press the top button "  \
	"and load an image from a file.  In the second, press the bottom "   \
	"button and display the loaded image from shared memory."
#define DIALOG_TEXT_SELECT "Select an image file"
#define DIALOG_TEXT_NOT_IMAGE                                             \
	"Selected file is not an image, please select another."
#define DIALOG_TEXT_CREATE "Unable to create shared memory segment."
#define DIALOG_TEXT_ATTACH                                                \
	"Unable to attach to shared memory segment.\nLoad an image first."
#define DIALOG_TEXT_DETACH "Unable to detach from shared memory."
/* Not Qt's: the window's copy of the image went with the graphics
 * device. */
#define DIALOG_TEXT_LOST                                                  \
	"The image was lost with the graphics device.\n"                   \
	"Display it again from shared memory."

struct dialog;

/* Where the image shown is kept. The dialog says when a copy is taken and
 * when it is dropped; the sink says what the copy is. */
struct dialog_sink {
	void *ctx;
	/* Copies the image of seg (mapped and validated; take the lock
	 * with seg_read()) into a copy of the sink's own. Returns it, or
	 * NULL with the reason in err. */
	void *(*take)(void *ctx, struct seg *seg, struct err *err);
	/* Frees what take() returned. */
	void (*drop)(void *ctx, void *copy);
};

/* Creates the dialog for key (which must satisfy name_key_valid()) with
 * the given decode limits (NULL: IMG_DEFAULT_MAX_BYTES); sink is copied.
 * Nothing is bound yet: the key is taken on the first successful load.
 * The view starts with the hint text. Returns NULL if out of memory. */
struct dialog *dialog_create(const char *key, const struct img_limits *lim,
			     const struct dialog_sink *sink);

/* Stops sharing and frees everything. Accepts NULL. */
void dialog_destroy(struct dialog *d);

/* Load Image From File...: publishes path under the key and shows it.
 * The key is bound on the first load and kept afterwards; later loads
 * swap the segment behind it. On failure the view shows the Qt text plus
 * the reason, and whatever was shared before is still shared.
 * Returns 0, or -1. */
int dialog_load_from_file(struct dialog *d, const char *path);

/* Display Image From Shared Memory: attaches by key, copies the image
 * out, detaches, shows it. Works in the window that owns the key too.
 * On failure the view shows the Qt attach text plus the reason.
 * Returns 0, or -1. */
int dialog_load_from_memory(struct dialog *d);

/* Stops sharing: the key is released at once and the segment is freed by
 * the kernel when the last reader lets go. The view is kept. Returns 0
 * (nothing here can fail; the Qt text DIALOG_TEXT_DETACH exists for the
 * Qt API, whose detach can). */
int dialog_detach(struct dialog *d);

/* The file chooser opened: the image area says "Select an image file"
 * until dialog_choose_end(). Nothing is detached (Qt detaches here). */
void dialog_choose_begin(struct dialog *d);

/* The chooser closed without a file: the view goes back to what it was
 * before dialog_choose_begin(). Harmless when no choice is in progress. */
void dialog_choose_end(struct dialog *d);

/* The sink's copy of the image to draw (valid until the generation
 * changes), or NULL when a text is shown instead. */
void *dialog_image(const struct dialog *d);

/* Width and height of the image shown, in pixels (0 x 0 when a text is
 * shown). */
void dialog_image_size(const struct dialog *d, int *w, int *h);

/* The sink's copy is no longer any good (a renderer lost its textures):
 * drops it and says so in the image area; `M` shows the image again. */
void dialog_image_lost(struct dialog *d);

/* The text for the image area when dialog_image() is NULL ("" otherwise). */
const char *dialog_message(const struct dialog *d);

/* One line for under the image area: size, key, and who owns the segment
 * shown ("451 x 322 · key SharedMemoryExample · shared by this window",
 * or "... · shared by pid 4242" for another window's image). */
const char *dialog_status(const struct dialog *d);

/* Bumped by every change to image, message or status. */
uint64_t dialog_generation(const struct dialog *d);

/* True while this window holds the key and serves a segment. */
bool dialog_is_sharing(const struct dialog *d);

/* The pid that created the image shown (getpid() for our own), or 0 when
 * no image is shown. */
pid_t dialog_image_owner(const struct dialog *d);

const char *dialog_key(const struct dialog *d);

#endif
