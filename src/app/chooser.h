/* chooser.h - the "Select an image file" dialog, drawn with SDL.
 *
 * SDL2 has no native file dialog, so the chooser is drawn over the window
 * by the renderer that draws everything else, and works under any video
 * driver, the dummy one included. It shows a folder (folders first, then
 * the image files SDL_image reads, with sizes), an Up button, a
 * file-name field that has keyboard focus, and Open / Cancel.
 *
 * Keys: typed text goes to the name field (Left/Right/Delete/Backspace
 * edit it, Ctrl+A selects it all, Ctrl+V pastes,
 * Tab completes the last part of the path typed, in whichever folder it
 * names, as far as the matches agree - and, when several match, the list
 * shows just them, in their folder, until the field is edited); Up/Down/PageUp/PageDown/Home/End move the list selection; Enter
 * opens what the field names (a relative path starts at the folder shown,
 * "~" at $HOME), or the selected row when the field is empty; Backspace on
 * an empty field goes to the parent folder; Esc cancels. After an error
 * the field's text is selected, so typing replaces it. Control characters
 * in names are shown escaped (\n, \t, \xHH), on one line. A short area
 * drops the type row, the title and the list header, in that order, to
 * keep three rows of the list.
 *
 * The chooser is a model (chooser_model.c: folder, list, field, keys) and
 * a view (chooser_view.c: layout, hit tests, drawing); this file joins
 * them to SDL's events.
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

#include "app/chooser_types.h"

struct chooser;

/* Returns NULL if out of memory. font is borrowed (must outlive the
 * chooser, or be replaced with chooser_set_font); scale is the HiDPI factor
 * for paddings and line heights. The text textures it caches belong to the
 * renderer it draws with: close or destroy the chooser (or call
 * chooser_set_font) before destroying that renderer. */
struct chooser *chooser_create(TTF_Font *font, float scale);

/* Accepts NULL. */
void chooser_destroy(struct chooser *ch);

void chooser_set_font(struct chooser *ch, TTF_Font *font, float scale);

/* Opens the chooser on the folder of the file loaded last (see
 * chooser_loaded), or, before any, on folder dir (NULL: the current
 * directory); falls back to the current directory if that cannot be read.
 * Starts SDL text input for the name field, dropping text events already
 * queued. */
void chooser_open(struct chooser *ch, const char *dir);

/* Tells the chooser the file the window loads (path, relative to the
 * current directory), however it was chosen: through the chooser, a drop
 * or --load. The next chooser_open shows its folder, where the user was;
 * a folder only browsed is not remembered. */
void chooser_loaded(struct chooser *ch, const char *path);

/* Closes without a result (stops text input, frees the listing). */
void chooser_close(struct chooser *ch);

bool chooser_is_open(const struct chooser *ch);

/* Feeds one event. Sets *redraw when the chooser's look changed.
 * Returns CHOOSER_CHOSEN / CHOOSER_CANCELLED once, when that happens (the
 * chooser is closed then). Events the chooser does not use are ignored.
 * SDL_TEXTINPUT stamped before chooser_open is dropped: it is the text of
 * the key that opened the chooser. */
enum chooser_result chooser_handle_event(struct chooser *ch,
					 const SDL_Event *ev, bool *redraw);

/* Draws the chooser into area (renderer pixels). */
void chooser_draw(struct chooser *ch, SDL_Renderer *r, const SDL_Rect *area);

/* The absolute path of the chosen file (valid after CHOOSER_CHOSEN until
 * the next open). */
const char *chooser_path(const struct chooser *ch);

#endif
