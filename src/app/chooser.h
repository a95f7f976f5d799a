/* chooser.h - the "Select an image file" dialog, drawn with SDL.
 *
 * SDL2 has no native file dialog, so the chooser is drawn over the window
 * by the renderer that draws everything else, and works under any video
 * driver, the dummy one included. It shows a folder (folders first, then
 * the image files SDL_image reads, with sizes), an Up button, a file-name
 * field that has keyboard focus, and Open / Cancel.
 *
 * Coordinates: every mouse position in events handed to the chooser and
 * every rectangle it is given are in renderer pixels (the caller converts
 * window points with its HiDPI scale).
 */
#ifndef APP_CHOOSER_H
#define APP_CHOOSER_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

enum chooser_result {
	CHOOSER_NONE,		/* still open (or was not open) */
	CHOOSER_CHOSEN,		/* a file was picked: chooser_path() */
	CHOOSER_CANCELLED,	/* Cancel, Esc or closed */
};

struct chooser;

/* Returns NULL if out of memory. font is borrowed (must outlive the
 * chooser, or be replaced with chooser_set_font); scale is the HiDPI factor
 * for paddings and line heights. */
struct chooser *chooser_create(TTF_Font *font, float scale);

/* Accepts NULL. */
void chooser_destroy(struct chooser *ch);

void chooser_set_font(struct chooser *ch, TTF_Font *font, float scale);

/* Opens the chooser on folder dir (falls back to the current directory
 * if dir cannot be read) and starts SDL text input for the name field. */
void chooser_open(struct chooser *ch, const char *dir);

/* Closes without a result (stops text input). */
void chooser_close(struct chooser *ch);

bool chooser_is_open(const struct chooser *ch);

/* Feeds one event. Sets *redraw when the chooser's look changed.
 * Returns CHOOSER_CHOSEN / CHOOSER_CANCELLED once, when that happens (the
 * chooser is closed then). Events the chooser does not use are ignored. */
enum chooser_result chooser_handle_event(struct chooser *ch,
					 const SDL_Event *ev, bool *redraw);

/* Draws the chooser into area (renderer pixels). */
void chooser_draw(struct chooser *ch, SDL_Renderer *r, const SDL_Rect *area);

/* The absolute path of the chosen file (valid after CHOOSER_CHOSEN until
 * the next open). */
const char *chooser_path(const struct chooser *ch);

/* The folder the chooser showed last (absolute), for the next open. */
const char *chooser_dir(const struct chooser *ch);

/* True when name (a file name, any case) has an extension SDL_image reads. */
bool chooser_is_image_name(const char *name);

#endif
