/* dialog.h - what the window shows and shares, without any drawing.
 *
 * The state machine behind the two buttons, in the Qt example's words:
 * "Load Image From File..." publishes a file under the key and shows it,
 * "Display Image From Shared Memory" attaches by key and shows what is
 * there. The window is in one state at a time (enum dialog_state), and
 * only draws what this module says for it: an image (a sealed segment,
 * mapped read-only), or a message in the image area, and a one-line
 * status under it. A load covers every other state until it ends or is
 * cancelled; keys that cannot act during it say why. Every change bumps
 * a generation counter, so the window can skip drawing when nothing
 * changed.
 *
 * Nothing here makes the window wait: the file's open and its decode run
 * on a thread and in the sandboxed helper, an attach and the watch of
 * the key on threads of their own.
 * When one of them has news, the hooks' wake() is called (from that
 * thread); the window then calls dialog_poll() on its own thread, where
 * every change of state happens.
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

#include "image/decoder.h"
#include "shm/name.h"
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
/* Not Qt's: a decode runs in the background, in a sandbox, with a size
 * and a time bound; each way it can fail has a heading that says so. */
#define DIALOG_TEXT_LOADING "Loading"
#define DIALOG_TEXT_BUSY                                                  \
	"F and M are off until this load ends; Esc cancels it."
#define DIALOG_TEXT_OPEN "Selected file cannot be opened."
#define DIALOG_TEXT_TOO_LARGE "Selected image is too large to share."
#define DIALOG_TEXT_TIMEOUT "Selected file took too long to decode."
#define DIALOG_TEXT_SANDBOX                                               \
	"Decoding the selected file broke the decoder's sandbox."
#define DIALOG_TEXT_DECODER "The decoder failed on the selected file."
/* Following, with no image to show: "Waiting for an image under key K..." */
#define DIALOG_TEXT_WAITING "Waiting for an image under key"

/* What the window shows: exactly one of these at a time, each with its
 * own text or image and its own status line. */
enum dialog_state {
	DIALOG_EMPTY,		/* nothing shown: the Qt hint */
	DIALOG_WAITING,		/* following, nothing shown: waiting */
	DIALOG_CHOOSING,	/* the file chooser is open */
	DIALOG_LOADING,		/* a file is opened and decoded */
	DIALOG_OWN,		/* the image this window shares */
	DIALOG_OTHER,		/* another process's image (maybe gone) */
	DIALOG_ERROR,		/* a heading and the reason */
};

/* The status line in parts, for a drawer that must shorten it: the state
 * and the owner matter most (each has a shorter form), then the image's
 * size, then the key. Empty parts are "". */
struct dialog_status {
	char state[96], state_short[48];
	char size[32];			/* "400 x 300" */
	char key[NAME_KEY_MAX + 1];
	char owner[64], owner_short[48];	/* "shared by pid 4242" */
};

struct dialog_config {
	const char *key;		/* valid: name_key_valid() */
	struct img_limits limits;	/* for decodes and attaches */
	const char *decoder;		/* the helper program's path */
	bool follow;			/* show each new image of the key */
	void *ctx;
	/* Called from any thread when dialog_poll() has work. */
	void (*wake)(void *ctx);
	/* A failure of a load started with report set, as one line. */
	void (*report)(void *ctx, const char *line);
};

struct dialog;

/* Creates the dialog and starts a decoder helper ahead of the first load.
 * Nothing is bound yet: the key is taken on the first successful load.
 * The view starts with the hint text. Returns NULL with the reason. */
struct dialog *dialog_create(const struct dialog_config *cfg,
			     struct err *err);

/* Stops every job and the sharing, frees everything. Accepts NULL. */
void dialog_destroy(struct dialog *d);

/* Load Image From File...: shows that it is loading and, on a thread,
 * opens path (an open can block: a hung network mount) and hands it to
 * the decoder. When the decode is done (dialog_poll), the image is
 * published under the key and shown; on failure the view shows a heading
 * that fits the failure plus the reason (also to report() when report is
 * set), and whatever was shared before is still shared. Refused while a
 * load runs (the view then says why): returns false. */
bool dialog_load_from_file(struct dialog *d, const char *path, bool report);

/* Cancels the load in progress at once, even one blocked in open(): the
 * helper is killed, the thread is left to end on its own, and the view
 * goes back to what it was. Returns false when no load ran. */
bool dialog_cancel_load(struct dialog *d);

/* Display Image From Shared Memory: attaches by key (on a thread) and
 * shows what is there. Works in the window that owns the key too. On
 * failure the view shows the Qt attach text plus the reason. Refused
 * while a load runs (the view then says why). */
void dialog_load_from_memory(struct dialog *d);

/* Follow on or off: while on, every image published under the key is
 * shown as soon as it is there, whoever its owner. */
void dialog_set_follow(struct dialog *d, bool on);
bool dialog_following(const struct dialog *d);

/* Takes the results of finished jobs. Call on the window's thread after
 * wake(); harmless at any other time. */
void dialog_poll(struct dialog *d);

/* The file chooser is to open: the image area says "Select an image
 * file" until dialog_choose_end(). Nothing is detached (Qt detaches
 * here). Returns false, and the view says why, while a load runs: the
 * chooser must not open then. */
bool dialog_choose_begin(struct dialog *d);

/* The chooser closed without a file: the image shown before comes back,
 * or the hint when there was none. */
void dialog_choose_end(struct dialog *d);

/* The segment to draw (sealed, mapped read-only; valid until the
 * generation changes), or NULL when a text is shown instead. */
const struct seg *dialog_segment(const struct dialog *d);

/* The text for the image area when dialog_segment() is NULL ("" then
 * otherwise). */
const char *dialog_message(const struct dialog *d);

/* What is shown now. */
enum dialog_state dialog_state(const struct dialog *d);

/* One line for under the image area: the state, the size, the key, and
 * who shares the image ("451 x 322 · key SharedMemoryExample · shared by
 * this window", or "· shared by pid 4242", with the pid the kernel
 * reported, or "· pid 4242 stopped sharing it" once that owner is gone):
 * the parts of dialog_status_parts() joined with " · ". */
const char *dialog_status(const struct dialog *d);
const struct dialog_status *dialog_status_parts(const struct dialog *d);

/* Bumped by every change to image, message or status. */
uint64_t dialog_generation(const struct dialog *d);

#endif
