/* chooser_view.h - where the chooser's parts go, and how they look.
 *
 * The view lays the chooser out in the area it is given, keeps that
 * layout so the next mouse event hits what the user saw, and draws the
 * model with the window's theme. It owns the text textures, which belong
 * to the renderer they were drawn with.
 */
#ifndef APP_CHOOSER_VIEW_H
#define APP_CHOOSER_VIEW_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

#include "app/chooser_types.h"
#include "app/chooser_model.h"
#include "app/text.h"

/* Text caches for list rows, used round-robin by entry index: the rows on
 * screen always get distinct slots, and scrolling by one row re-renders
 * one row. 256 rows of the smallest row height cover a 4K screen. */
#define CHOOSER_VIEW_ROW_SLOTS 256

/* The rows the list keeps in a short area: the "Files of type" row, the
 * title and the list header give way first, in that order. The window's
 * minimum size (ui_min_size) shows this many with all three gone. */
#define CHOOSER_VIEW_MIN_ROWS 3

struct chooser_view {
	TTF_Font *font;		/* borrowed */
	float scale;
	bool laid_out;		/* the rectangles below are valid */
	SDL_Rect area, title, lookin, path, up;
	SDL_Rect list, header, body, track, banner;
	SDL_Rect fname, name, open, ftypes, types, cancel;
	int row_h, size_w;

	enum chooser_part hot;		/* under the pointer */
	enum chooser_part pressed;	/* where the left button went down */
	int name_scroll;	/* pixels the field's text is scrolled left */

	struct text_cache t_title, t_lookin, t_dir, t_up, t_hdr_name,
		t_hdr_size, t_empty, t_error, t_fname, t_name, t_open,
		t_ftypes, t_types, t_cancel;
	struct text_cache row_name[CHOOSER_VIEW_ROW_SLOTS];
	struct text_cache row_size[CHOOSER_VIEW_ROW_SLOTS];
};

/* Drops the textures and takes font (borrowed) and scale. */
void chooser_view_set_font(struct chooser_view *v, TTF_Font *font,
			   float scale);

/* Frees the textures; the layout is forgotten. */
void chooser_view_finish(struct chooser_view *v);

/* Lays out area (renderer pixels), tells m how many rows it shows, and
 * draws m there. */
void chooser_view_draw(struct chooser_view *v, struct chooser_model *m,
		       SDL_Renderer *r, const SDL_Rect *area);

/* The part under (x, y) in the last layout (CHOOSER_PART_NONE before the
 * first draw); for CHOOSER_PART_ROW, *row is the entry (-1 below the
 * last). */
enum chooser_part chooser_view_hit(const struct chooser_view *v,
				   const struct chooser_model *m, int x,
				   int y, int *row);

/* Where part is in the last layout (see chooser_part_rect). */
bool chooser_view_rect(const struct chooser_view *v,
		       const struct chooser_model *m, enum chooser_part part,
		       int row, SDL_Rect *out);

/* The byte offset in the name field nearest to x (renderer pixels). */
size_t chooser_view_caret_at(const struct chooser_view *v,
			     const struct chooser_model *m, int x);

#endif
