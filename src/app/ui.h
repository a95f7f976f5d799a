/* ui.h - layout, buttons and drawing of the SharedMemory Example window.
 *
 * Three rows as in the Qt dialog: the "Load Image From File..." button, the
 * image area (with a one-line status under it), the "Display Image From
 * Shared Memory" button. Sizes are Qt Fusion's at scale 1 (11 px margins,
 * 6 px spacing, 25 px buttons) and multiply with the HiDPI scale.
 *
 * Everything here works in renderer pixels: the caller converts mouse
 * positions from window points with ui_event_to_pixels() first. The layout
 * and the button logic are pure functions of their inputs, so the tests
 * check them without a window.
 */
#ifndef APP_UI_H
#define APP_UI_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/theme.h"

/* Sizes in points (pixels at scale 1). */
#define UI_MARGIN 11
#define UI_SPACING 6
#define UI_BUTTON_H 25
#define UI_STATUS_H 16
#define UI_FONT_PT 12		/* pixel size of the font at scale 1 */
#define UI_MIN_IMAGE_H 60	/* the image area at the smallest size: room
				 * for the hint, wrapped */

#define UI_LABEL_LOAD "Load Image From File..."
#define UI_LABEL_SHOW "Display Image From Shared Memory"

struct ui_layout {
	SDL_Rect load;		/* top button */
	SDL_Rect image;		/* image or message */
	SDL_Rect status;	/* one line under the image */
	SDL_Rect show;		/* bottom button */
};

/* The smallest window, in points, that shows both button labels whole
 * (drawn with font, opened for scale) and an image area UI_MIN_IMAGE_H
 * high: what the window gives SDL_SetWindowMinimumSize(). */
void ui_min_size(TTF_Font *font, float scale, int *w, int *h);

/* Where an image of img_w x img_h goes in area: scaled down to fit with
 * its aspect kept, never scaled up, centred. Empty if area or image is. */
SDL_Rect ui_fit_image(const SDL_Rect *area, int img_w, int img_h);

/* Rewrites the mouse position of a mouse event from window points to
 * renderer pixels (other events are left alone). */
void ui_event_to_pixels(SDL_Event *ev, float scale);

/* The status line in parts (none NULL; "" for an empty part). Drawn as
 * "state · size · key K · owner"; where that does not fit, the key is
 * shortened in the middle first, then the size goes, then the key, then
 * the state and the owner take their short forms: the state and the
 * owner are what the line is for. */
struct ui_status {
	const char *state, *state_short;
	const char *size;
	const char *key;
	const char *owner, *owner_short;
};

/* What the window shows, as the dialog says it. */
struct ui_content {
	SDL_Texture *image;	/* or NULL */
	int image_w, image_h;	/* of the image (the texture may be smaller) */
	const char *message;	/* shown when image is NULL */
	struct ui_status status;
};

/* What a click or key asked for. */
enum ui_action { UI_NONE, UI_LOAD, UI_SHOW };

struct ui;

/* Creates the drawing state for renderer r. font is borrowed; scale is
 * pixels per point. Returns NULL with SDL's reason (SDL_GetError()). */
struct ui *ui_create(SDL_Renderer *r, TTF_Font *font, float scale);

/* Accepts NULL. */
void ui_destroy(struct ui *ui);

/* New drawable size or scale (and the font made for that scale). */
void ui_resize(struct ui *ui, int w, int h, float scale, TTF_Font *font);

const struct ui_layout *ui_layout(const struct ui *ui);

/* Feeds a mouse event (pixels) or a key to the buttons. Sets *redraw when
 * their look changed; returns the action of a completed click, or of
 * Space or Enter on the focused button. As in the Qt dialog, the Load
 * button has the focus at first; Tab and Shift+Tab move it to the other
 * button, Up/Left to Load and Down/Right to Display, and a click moves it
 * to the button clicked. */
enum ui_action ui_handle_event(struct ui *ui, const SDL_Event *ev,
			       bool *redraw);

/* The pointer left the window: no button stays hovered or pressed. */
void ui_pointer_left(struct ui *ui, bool *redraw);

/* Draws the whole window (not presented). Text textures are rebuilt only
 * when a string changes. Labels that do not fit end in an ellipsis; the
 * letter of each label's shortcut key (F, M) is underlined. */
void ui_draw(struct ui *ui, const struct ui_content *c);

#endif
