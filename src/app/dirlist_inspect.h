/* dirlist_inspect.h - the rules inside dirlist_read(), for the tests.
 *
 * Not for the program: the chooser only reads folders (dirlist.h). The
 * unit tests and the fuzzer check the order and the name filter alone.
 */
#ifndef APP_DIRLIST_INSPECT_H
#define APP_DIRLIST_INSPECT_H

#include "app/dirlist.h"

/* The order of the list: folders before files, then names compared without
 * case, runs of digits by their value ("img2" < "img10"), and finally
 * byte by byte so that no two different names compare equal. */
int dirlist_compare(const struct dirlist_entry *a,
		    const struct dirlist_entry *b);

/* True when name ends in an extension SDL_image reads (any case). */
bool dirlist_is_image_name(const char *name);

#endif
