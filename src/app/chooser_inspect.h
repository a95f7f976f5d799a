/* chooser_inspect.h - what the tests read of an open chooser.
 *
 * Not for the program: the window needs only chooser.h. The tests drive
 * the chooser with real events and check where it is and where its parts
 * were drawn through these.
 */
#ifndef APP_CHOOSER_INSPECT_H
#define APP_CHOOSER_INSPECT_H

#include "app/chooser.h"

/* The folder the chooser shows or showed last (absolute). */
const char *chooser_dir(const struct chooser *ch);

/* The inline error the chooser shows ("File not found: ..."), or NULL. */
const char *chooser_error(const struct chooser *ch);

/* Where a part was put by the last chooser_draw, in renderer pixels, for
 * tests that drive the chooser with synthetic clicks.
 * row is used by CHOOSER_PART_ROW only; a row scrolled out of view, or any
 * part before the first draw, gives false. */
bool chooser_part_rect(const struct chooser *ch, enum chooser_part part,
		       int row, SDL_Rect *out);

#endif
