/* text.h - strings drawn through SDL_ttf, cached as textures.
 *
 * A text_cache remembers the last string it rendered and re-renders only
 * when the string, font, colour or wrap width changes, so an unchanged
 * frame costs one texture copy per string and no allocation.
 */
#ifndef APP_TEXT_H
#define APP_TEXT_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

enum text_align { TEXT_LEFT, TEXT_CENTER, TEXT_RIGHT };

/* Where text_elide() puts the "\u2026" when a string does not fit: at the
 * end (labels, names), at the start (a folder, whose end is where the user
 * is), or in the middle (a message naming a path: the reason at its start
 * and the file at its end both stay). */
enum text_elide { TEXT_ELIDE_END, TEXT_ELIDE_START, TEXT_ELIDE_MIDDLE };

struct text_cache {
	SDL_Texture *tex;	/* NULL until first drawn */
	char *str;
	TTF_Font *font;
	SDL_Color color;
	int wrap;		/* 0: one line */
	enum text_align align;
	int w, h;		/* size of tex in pixels */
};

/* One-line text (wrap <= 0, no newline) that the font has no glyph for is
 * drawn with the font fontconfig finds for it (font_fallback_find), sized
 * to the same line height, and measured the same way by text_width(); a
 * box only where no installed font has the glyph. Wrapped text that needs
 * a fallback font is broken into lines here (at spaces and newlines), as
 * SDL_ttf would. */

/* Closes the fallback fonts and forgets what fontconfig answered. Call
 * before TTF_Quit(). */
void text_fallback_finish(void);

/* Makes sure c holds str rendered with these settings; wrap > 0 wraps at
 * that many pixels (lines aligned as align says). Returns 0, or -1 if
 * SDL_ttf fails (c then holds nothing). An empty string gives w = h = 0. */
int text_update(struct text_cache *c, SDL_Renderer *r, TTF_Font *font,
		const char *str, SDL_Color color, int wrap,
		enum text_align align);

/* Draws the cached texture with its top-left at (x, y), clipped to clip
 * (NULL: no clip). */
void text_draw(const struct text_cache *c, SDL_Renderer *r, int x, int y,
	       const SDL_Rect *clip);

/* The byte offset of the UTF-8 character after (before) the one at i in
 * s; i itself at the end (start). */
size_t text_next_char(const char *s, size_t i);
size_t text_prev_char(const char *s, size_t i);

/* The width of str in font, in pixels (0 if SDL_ttf cannot tell). */
int text_width(TTF_Font *font, const char *str);

/* Writes to out str with each control character (bytes 0x01-0x1f and
 * 0x7f) as a visible escape: \n, \t, \r, else \xHH. A file name may hold
 * any of them; escaped, it draws on one line and shows what is there.
 * Cut at outsz, never inside an escape. Returns out. */
const char *text_escape(const char *str, char *out, size_t outsz);

/* Writes to out str itself when it is at most width pixels wide and fits
 * in outsz, else the most whole characters of it that fit with an
 * ellipsis placed as where says (just the ellipsis if nothing else fits).
 * Returns out. */
const char *text_elide(TTF_Font *font, const char *str, int width,
		       enum text_elide where, char *out, size_t outsz);

/* Draws str on one line in box: control characters escaped
 * (text_escape), elided to the box's width, centred
 * vertically, aligned as align says, clipped to box. Returns the x the
 * text starts at (c->str then holds what was drawn), or -1 when nothing
 * was drawn: SDL_ttf failed, or box is lower than the line. */
int text_draw_in(struct text_cache *c, SDL_Renderer *r, TTF_Font *font,
		 const char *str, SDL_Color color, const SDL_Rect *box,
		 enum text_align align, enum text_elide where);

/* Frees the texture and string; c is back to all-zero. */
void text_finish(struct text_cache *c);

#endif
