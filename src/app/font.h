/* font.h - find the font the window draws with.
 *
 * The window asks fontconfig for "sans-serif", as a desktop program would,
 * so it looks like the rest of the desktop; --font PATH bypasses the lookup.
 */
#ifndef APP_FONT_H
#define APP_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The family the window asks for when no --font is given. */
#define FONT_DEFAULT_FAMILY "sans-serif"

/* Writes to out the file of the font fontconfig picks for family
 * (e.g. "sans-serif"), and checks it can be opened for reading.
 * Returns 0, or -1 with the reason in err (no fonts at all, no file,
 * unreadable file, path longer than outsz). */
int font_find(const char *family, char *out, size_t outsz, struct err *err);

/* Writes to out the file of the font fontconfig ranks first, for
 * FONT_DEFAULT_FAMILY, among the installed fonts that have code point cp
 * (FcFontSort, then each candidate's FC_CHARSET). Returns 0, or -1 when
 * no installed font has it (or out is too small): the text then shows the
 * UI font's box. The configuration is loaded on first use and kept until
 * font_fallback_finish(). */
int font_fallback_find(uint32_t cp, char *out, size_t outsz);

/* Drops the configuration font_fallback_find() keeps. */
void font_fallback_finish(void);

/* Checks that path is a readable regular file (for --font).
 * Returns 0, or -1 with the reason in err. */
int font_check_file(const char *path, struct err *err);

#endif
