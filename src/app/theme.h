/* theme.h - the one palette and the one button painter of the window.
 *
 * The main window and the file chooser are drawn by the same renderer and
 * should look like one program: Qt's Fusion style, light. Every colour the
 * two draw with is named here once, and both paint their buttons with
 * theme_button(), so a hovered "Open" looks like a hovered "Load Image
 * From File...".
 */
#ifndef APP_THEME_H
#define APP_THEME_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

#include "app/text.h"

/* Points between a button's label and its left and right edges. */
#define THEME_LABEL_PAD 8

extern const SDL_Color theme_window;	/* dialog background */
extern const SDL_Color theme_text;
extern const SDL_Color theme_muted;	/* secondary text: status line, sizes */
extern const SDL_Color theme_disabled;	/* disabled labels, the empty list */
extern const SDL_Color theme_base;	/* list and field background */
extern const SDL_Color theme_border;	/* frames of fields and lists */
extern const SDL_Color theme_line;	/* separators */
extern const SDL_Color theme_panel;	/* headers, read-only fields */
extern const SDL_Color theme_select;	/* selection; also the focus ring */
extern const SDL_Color theme_select_text;
extern const SDL_Color theme_folder;	/* folder icons */
extern const SDL_Color theme_error;
extern const SDL_Color theme_error_bg;
extern const SDL_Color theme_check_dark;	/* checkerboard under images */

enum theme_look {
	THEME_NORMAL,
	THEME_HOVER,		/* the pointer is over it */
	THEME_PRESSED,		/* pressed with the pointer over it */
	THEME_DISABLED,
};

/* Points to pixels at scale (pixels per point), rounded to nearest; a
 * positive size is at least one pixel. */
int theme_px(float scale, int points);

void theme_set_color(SDL_Renderer *r, SDL_Color c);
void theme_fill(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c);

/* A border t pixels thick, inside rc. */
void theme_frame(SDL_Renderer *r, const SDL_Rect *rc, SDL_Color c, int t);

/* A push button as theme_button() paints it. */
struct theme_button {
	SDL_Rect rect;
	enum theme_look look;
	bool focused;			/* adds the focus ring */
	const char *label;
	struct text_cache *cache;	/* holds the label's texture */
};

/* Paints b: a rounded border, a vertical gradient, the focus ring, and the
 * label centred (elided to fit, a pixel lower while pressed, as desktop
 * buttons sink). Returns the x the label starts at and sets *label_y to
 * its top (label_y may be NULL), or -1 when the button is too low to show
 * its label. Nothing is allocated once the label's
 * texture is made. */
int theme_button(SDL_Renderer *r, TTF_Font *font, float scale,
		 const struct theme_button *b, int *label_y);

#endif
