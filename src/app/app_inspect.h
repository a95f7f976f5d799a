/* app_inspect.h - what the GUI tests read of a running window.
 *
 * Not for the program: main() needs only app.h. The tests run the real
 * event loop (app_pump) and look at the frame and state through these,
 * so the program has no test-only branch.
 */
#ifndef APP_APP_INSPECT_H
#define APP_APP_INSPECT_H

#include "app/app.h"
#include "app/dialog_inspect.h"
#include "app/ui_inspect.h"

/* Draws the current state (without presenting) and reads rect of it
 * (renderer pixels; NULL: all) as RGBA32 into pixels. Returns 0, or -1
 * with SDL's reason in err. */
int app_read_pixels(struct app *a, const SDL_Rect *rect, void *pixels,
		    int pitch, struct err *err);

SDL_Window *app_window(struct app *a);
const struct dialog *app_dialog(const struct app *a);
const struct ui_layout *app_layout(const struct app *a);
bool app_chooser_is_open(const struct app *a);
/* The file chooser, for chooser_inspect.h. */
struct chooser;
const struct chooser *app_chooser(const struct app *a);

/* Pixels per window point (2 on a HiDPI display, 1 elsewhere). */
float app_scale(const struct app *a);

/* The status line as last drawn: shortened to the window's width. */
const char *app_status_drawn(const struct app *a);

/* The texture the image is drawn from (NULL when none is shown): made at
 * the size it is shown, from the segment's mapping. */
SDL_Texture *app_image_texture(const struct app *a);

#endif
