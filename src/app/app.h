/* app.h - the SharedMemory Example window: options, event loop, frames.
 *
 * main() is parse, create, run, destroy. The loop is split into
 * app_pump() steps so the GUI tests run this very code in a process of
 * their own: they push real SDL events (SDL_PushEvent), pump, and read
 * back the frame the renderer drew (app_read_pixels), without any
 * test-only branch in the program.
 */
#ifndef APP_APP_H
#define APP_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stdio.h>

#include "app/dialog.h"
#include "app/ui.h"
#include "image/decoder.h"
#include "common/err.h"

enum app_position {
	APP_POS_DEFAULT,	/* centred */
	APP_POS_LEFT,		/* left of the screen's centre */
	APP_POS_RIGHT,		/* right of it: side by side with left */
	APP_POS_XY,		/* exactly at x, y */
};

struct app_options {
	const char *key;	/* NAME_DEFAULT_KEY unless --key */
	const char *load;	/* --load FILE, or NULL */
	const char *font;	/* --font PATH, or NULL for fontconfig */
	enum app_position position;
	int x, y;		/* for APP_POS_XY */
	struct img_limits limits;	/* --max-bytes, --decode-timeout */
	const char *decoder;	/* --decoder PATH, or NULL: next to us */
	bool follow;		/* --follow */
};

/* Defaults: the Qt example's key, no file, centred, 256 MiB limit, 20 s
 * decode bound, not following. */
void app_options_init(struct app_options *o);

/* Parses the command line (argv[0] is the program). Returns 0, 1 when
 * --help was asked (nothing else done), or -1 with one line in err for a
 * usage error. Strings in o point into argv. */
int app_parse_args(struct app_options *o, int argc, char **argv,
		   struct err *err);

/* Writes the usage text. */
void app_usage(FILE *f, const char *prog);

struct app;

/* Finds the font, starts SDL video and SDL_ttf, opens the window and its
 * renderer, and loads --load FILE (a failure there is shown in the
 * window, not returned). Returns NULL with the reason in err. */
struct app *app_create(const struct app_options *o, struct err *err);

/* Closes the window and stops sharing. Accepts NULL. */
void app_destroy(struct app *a);

/* Waits up to timeout_ms (-1: for ever, 0: not at all) for an event,
 * handles every event then queued, and draws and presents a frame if
 * anything changed. Returns false once the window should close. */
bool app_pump(struct app *a, int timeout_ms);

/* The whole program: app_pump() until the window closes. Returns the exit
 * status for main(). */
int app_run(struct app *a);

#endif
