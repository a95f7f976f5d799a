/* chooser_model.h - what the file chooser knows: folder, list, name field.
 *
 * The state the keys change and the view draws, with no font and no
 * drawing: the folder shown, its listing, the selected row, the first row
 * on screen, the file-name field with its caret, and the inline error.
 * Paths go through dirlist.c.
 */
#ifndef APP_CHOOSER_MODEL_H
#define APP_CHOOSER_MODEL_H

#include <SDL.h>
#include <limits.h>
#include <stdbool.h>

#include "app/chooser_types.h"
#include "app/dirlist.h"
#include "app/text.h"	/* its UTF-8 steps; the model draws nothing */
#include "common/err.h"

struct chooser_model {
	char dir[PATH_MAX];	/* the folder shown, clean and absolute */
	char start[PATH_MAX];	/* the folder of the file loaded last; "" */
	char path[PATH_MAX];	/* the file chosen */
	char name[PATH_MAX];	/* the file-name field */
	size_t caret;		/* byte offset in name */
	bool name_all;		/* the field is selected: typing replaces it */
	char error[ERR_MAX];	/* "" when there is none */

	struct dirlist list;
	char filter[NAME_MAX + 1];	/* after an ambiguous Tab, the list
					 * holds only names starting with
					 * this (any case); "" otherwise */
	int sel;		/* -1: nothing selected */
	int top;		/* first row shown */
	int rows;		/* rows the view shows whole */
	bool follow;		/* scroll sel into view once rows is known */
};

/* Shows the folder of the file loaded last (chooser_model_loaded), or
 * before any, folder dir (NULL or "": the current directory), relative to
 * the current directory; falls back to that, then to "/", keeping the
 * first reason as the error. The field is emptied. */
void chooser_model_open(struct chooser_model *m, const char *dir);

/* Remembers the folder of path (relative to the current directory) for
 * the next chooser_model_open. */
void chooser_model_loaded(struct chooser_model *m, const char *path);

/* One key press. Returns CHOOSER_CHOSEN or CHOOSER_CANCELLED when it ends
 * the choice, else CHOOSER_NONE. */
enum chooser_result chooser_model_key(struct chooser_model *m,
				      const SDL_Keysym *k);

/* Typed or pasted text, at the caret (control characters dropped). */
void chooser_model_insert(struct chooser_model *m, const char *s);

/* Selects row i (-1: none); a file's name goes into the field. */
void chooser_model_select(struct chooser_model *m, int i);

/* Enter, Open or a double-click: opens what the field names, else the
 * selected row. A folder is entered; a file ends the choice. */
enum chooser_result chooser_model_activate(struct chooser_model *m);

void chooser_model_go_up(struct chooser_model *m);

/* Sets the first row shown, kept within the list. Returns true when it
 * changed. */
bool chooser_model_scroll(struct chooser_model *m, int top);

/* The view's row count after a layout: scrolls as the selection needs. */
void chooser_model_set_rows(struct chooser_model *m, int rows);

bool chooser_model_can_up(const struct chooser_model *m);
bool chooser_model_can_open(const struct chooser_model *m);

#endif
