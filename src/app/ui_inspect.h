/* ui_inspect.h - the layout and button logic the tests check without a
 * window, and what the window drew last. Not for the program: it needs
 * only ui.h.
 */
#ifndef APP_UI_INSPECT_H
#define APP_UI_INSPECT_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/ui.h"

/* Lays the window out for a drawable of w x h pixels at scale (pixels per
 * point, >= 1). Buttons span the width minus the margins; the image area
 * takes what the fixed rows leave (never negative: below the minimum size
 * it may be empty). */
void ui_layout_compute(struct ui_layout *l, int w, int h, float scale);

/* A button: a rectangle, a hit test and a state. */
struct ui_button {
	SDL_Rect rect;
	bool hover;		/* the pointer is over it */
	bool pressed;		/* the left button went down on it */
};

/* Feeds one mouse event (pixels). A click is a left press and a left
 * release both inside the rectangle. Returns true on a click; sets
 * *redraw when the look changed. */
bool ui_button_event(struct ui_button *b, const SDL_Event *ev, bool *redraw);

/* Forgets hover and press (the pointer left the window). Sets *redraw
 * when the look changed. */
void ui_button_reset(struct ui_button *b, bool *redraw);

enum theme_look ui_button_look(const struct ui_button *b);

/* The button that has the keyboard focus: UI_LOAD or UI_SHOW. */
enum ui_action ui_focus(const struct ui *ui);

/* The status line s as drawn in width pixels with font (the rule at
 * struct ui_status), into out. Returns out. */
const char *ui_status_fit(TTF_Font *font, int width,
			  const struct ui_status *s, char *out, size_t len);

/* The status line as last drawn ("" before the first frame). */
const char *ui_status_drawn(const struct ui *ui);

#endif
