/* dialog_inspect.h - what the tests read of the dialog, beyond what the
 * window draws. Not for the program: it needs only dialog.h.
 */
#ifndef APP_DIALOG_INSPECT_H
#define APP_DIALOG_INSPECT_H

#include <stdbool.h>
#include <sys/types.h>

#include "app/dialog.h"

/* True while a load runs (the file is opened or decoded). */
bool dialog_loading(const struct dialog *d);

/* True while this window holds the key and serves a segment. */
bool dialog_is_sharing(const struct dialog *d);

/* The kernel's pid for the owner of the image shown (getpid() for our
 * own), or 0 when no image is shown. */
pid_t dialog_image_owner(const struct dialog *d);

#endif
