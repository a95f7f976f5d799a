/* text.c - strings drawn through SDL_ttf, cached as textures. */
#include "app/text.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/font.h"

/* Fallback fonts, for the code points the UI font has no glyph for. What
 * fontconfig answered is kept per code point (a lookup costs a sort of
 * every installed font), and each fallback font is opened once per line
 * height. Text is drawn on the main thread only. */
#define FB_PATHS 8		/* distinct fallback font files */
#define FB_FONTS 16		/* open (file, line height) pairs */
#define FB_CPS 256		/* code points remembered */

static char fb_path[FB_PATHS][PATH_MAX];
static int fb_npaths;
static struct {
	uint32_t cp;
	int path;		/* index in fb_path; -1: no font has it */
} fb_cp[FB_CPS];
static int fb_ncps, fb_next;
static struct {
	int path, height;
	TTF_Font *font;		/* NULL: it would not open */
} fb_font[FB_FONTS];
static int fb_nfonts;

void text_fallback_finish(void)
{
	int i;

	for (i = 0; i < fb_nfonts; i++)
		if (fb_font[i].font)
			TTF_CloseFont(fb_font[i].font);
	fb_nfonts = fb_npaths = fb_ncps = fb_next = 0;
	font_fallback_finish();
}

/* The fallback file for cp (an index in fb_path), or -1. */
static int fallback_path(uint32_t cp)
{
	char path[PATH_MAX];
	int i, p = -1;

	for (i = 0; i < fb_ncps; i++)
		if (fb_cp[i].cp == cp)
			return fb_cp[i].path;
	if (font_fallback_find(cp, path, sizeof(path)) == 0) {
		for (p = 0; p < fb_npaths && strcmp(fb_path[p], path); p++)
			;
		if (p == fb_npaths && fb_npaths < FB_PATHS)
			memcpy(fb_path[fb_npaths++], path, sizeof(path));
		else if (p == fb_npaths)
			p = -1;
	}
	/* A ring: the oldest answer is forgotten first. */
	fb_cp[fb_next].cp = cp;
	fb_cp[fb_next].path = p;
	fb_next = (fb_next + 1) % FB_CPS;
	fb_ncps += fb_ncps < FB_CPS;
	return p;
}

/* Fallback file p opened with lines height pixels tall, as the UI font's
 * are, so that its glyphs sit in the same line box. NULL if it will not
 * open. */
static TTF_Font *fallback_font(int p, int height)
{
	TTF_Font *f;
	int i, h;

	for (i = 0; i < fb_nfonts; i++)
		if (fb_font[i].path == p && fb_font[i].height == height)
			return fb_font[i].font;
	if (fb_nfonts == FB_FONTS)
		return NULL;
	f = TTF_OpenFont(fb_path[p], 100);
	if (f && (h = TTF_FontHeight(f)) > 0)
		TTF_SetFontSize(f, (int)lround(100.0 * height / h) > 0 ?
				(int)lround(100.0 * height / h) : 1);
	fb_font[fb_nfonts].path = p;
	fb_font[fb_nfonts].height = height;
	fb_font[fb_nfonts++].font = f;
	return f;
}

/* The code point at s + *i, moving *i past it; a malformed byte reads as
 * U+FFFD, as SDL_ttf reads it. */
static uint32_t next_cp(const char *s, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s + *i;
	int n = u[0] < 0x80 ? 0 : u[0] >= 0xf0 ? 3 : u[0] >= 0xe0 ? 2 :
		u[0] >= 0xc0 ? 1 : -1;
	uint32_t c = n ? (uint32_t)(u[0] & (0x3f >> n)) : u[0];
	int k;

	for (k = 1; k <= n; k++) {
		if ((u[k] & 0xc0) != 0x80)
			n = -1;
		if (n < 0)
			break;
		c = c << 6 | (u[k] & 0x3f);
	}
	if (n < 0) {
		(*i)++;
		return 0xfffd;
	}
	*i += (size_t)n + 1;
	return c;
}

/* The font that draws cp: main when it has the glyph, else the fallback
 * fontconfig finds, else main again (its box). */
static TTF_Font *font_for(TTF_Font *main, uint32_t cp)
{
	TTF_Font *f;
	int p;

	/* Control characters are layout (a newline), not glyphs. */
	if (cp < 0x20 || TTF_GlyphIsProvided32(main, cp))
		return main;
	p = fallback_path(cp);
	f = p < 0 ? NULL : fallback_font(p, TTF_FontHeight(main));
	return f && TTF_GlyphIsProvided32(f, cp) ? f : main;
}

static bool all_main(TTF_Font *main, const char *str)
{
	size_t i = 0;

	while (str[i])
		if (font_for(main, next_cp(str, &i)) != main)
			return false;
	return true;
}

/* One stretch of a line drawn by one font. */
struct run {
	TTF_Font *font;
	char *text;		/* a copy, NUL-ended */
	int w, h;		/* as placed */
	bool scaled;		/* taller than the line: scaled into it */
};

/* Fills r with the run of str starting at *i, and moves *i past it.
 * Returns 0, or -1 out of memory or when SDL_ttf fails. */
static int next_run(TTF_Font *main, const char *str, size_t *i,
		    struct run *r)
{
	size_t from = *i, at = *i;
	int line = TTF_FontHeight(main);

	r->font = font_for(main, next_cp(str, i));
	while (str[*i]) {
		at = *i;
		if (font_for(main, next_cp(str, &at)) != r->font)
			break;
		*i = at;
	}
	r->text = malloc(*i - from + 1);
	if (!r->text)
		return -1;
	memcpy(r->text, str + from, *i - from);
	r->text[*i - from] = '\0';
	if (TTF_SizeUTF8(r->font, r->text, &r->w, &r->h) < 0) {
		free(r->text);
		return -1;
	}
	/* A font of fixed sizes (colour emoji) may come far taller than
	 * asked: its glyphs are scaled down into the line. */
	r->scaled = r->h > line + line / 4;
	if (r->scaled) {
		r->w = (int)((long long)r->w * line / r->h);
		r->h = line;
	}
	return 0;
}

static int width_with_fallback(TTF_Font *main, const char *str)
{
	struct run r;
	size_t i = 0;
	int w = 0;

	while (str[i]) {
		if (next_run(main, str, &i, &r) < 0)
			return 0;
		w += r.w;
		free(r.text);
	}
	return w;
}

/* Renders run r at x in line (ARGB8888, transparent), on main's
 * baseline. */
static int place_run(TTF_Font *main, const struct run *r, SDL_Color color,
		     SDL_Surface *line, int x)
{
	SDL_Surface *g = TTF_RenderUTF8_Blended(r->font, r->text, color);
	SDL_Rect to = { x, TTF_FontAscent(main) - TTF_FontAscent(r->font),
			r->w, r->h };
	int rc;

	if (!g)
		return -1;
	SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
	if (r->scaled) {
		to.y = 0;
		rc = SDL_BlitScaled(g, NULL, line, &to);
	} else {
		rc = SDL_BlitSurface(g, NULL, line, &to);
	}
	SDL_FreeSurface(g);
	return rc;
}

/* One line, each stretch by the font that has its glyphs. */
static SDL_Surface *render_line(TTF_Font *main, const char *str,
				SDL_Color color)
{
	SDL_Surface *line;
	struct run r;
	size_t i = 0;
	int x = 0;

	if (all_main(main, str))
		return TTF_RenderUTF8_Blended(main, str, color);
	line = SDL_CreateRGBSurfaceWithFormat(0, width_with_fallback(main,
					      str), TTF_FontHeight(main), 32,
					      SDL_PIXELFORMAT_ARGB8888);
	while (line && str[i]) {
		if (next_run(main, str, &i, &r) < 0 ||
		    place_run(main, &r, color, line, x) < 0) {
			SDL_FreeSurface(line);
			return NULL;
		}
		x += r.w;
		free(r.text);
	}
	return line;
}

/* Where the line starting at from ends: before the last space that keeps
 * it within wrap pixels, at a newline, or at the end. A word wider than
 * wrap gets a line of its own. tmp holds strlen(str) + 1 bytes. */
static size_t line_end(TTF_Font *font, const char *str, size_t from,
		       int wrap, char *tmp)
{
	size_t i = from, e, best = from;

	for (;;) {
		e = i + strcspn(str + i, " \n");
		memcpy(tmp, str + from, e - from);
		tmp[e - from] = '\0';
		if (best > from && text_width(font, tmp) > wrap)
			return best;
		best = e;
		if (str[e] != ' ')
			return e;
		i = e + 1;
	}
}

/* Lines of str as render_line draws them, wrapped at wrap pixels and
 * aligned as align says: SDL_ttf's own wrapping knows nothing of the
 * fallback fonts. */
static SDL_Surface *render_wrapped(TTF_Font *font, const char *str,
				   SDL_Color color, int wrap,
				   enum text_align align)
{
	size_t from = 0, e, n = 0, i, len = strlen(str);
	int skip = TTF_FontLineSkip(font), w = 0, x;
	SDL_Surface **line = calloc(len + 1, sizeof(*line)), *all = NULL;
	char *tmp = malloc(len + 1);

	for (; line && tmp; from = e + 1, n++) {
		e = line_end(font, str, from, wrap > 0 ? wrap : INT_MAX, tmp);
		memcpy(tmp, str + from, e - from);
		tmp[e - from] = '\0';
		line[n] = tmp[0] ? render_line(font, tmp, color) : NULL;
		if (line[n] && line[n]->w > w)
			w = line[n]->w;
		if (!str[e])
			break;
	}
	if (line && tmp)
		all = SDL_CreateRGBSurfaceWithFormat(0, w > 0 ? w : 1,
			(int)n * skip + TTF_FontHeight(font), 32,
			SDL_PIXELFORMAT_ARGB8888);
	for (i = 0; all && i <= n; i++) {
		if (!line[i])
			continue;
		x = align == TEXT_CENTER ? (w - line[i]->w) / 2 :
		    align == TEXT_RIGHT ? w - line[i]->w : 0;
		SDL_SetSurfaceBlendMode(line[i], SDL_BLENDMODE_NONE);
		SDL_BlitSurface(line[i], NULL, all, &(SDL_Rect){
			x, (int)i * skip, line[i]->w, line[i]->h });
	}
	for (i = 0; line && i <= n; i++)
		SDL_FreeSurface(line[i]);
	free(line);
	free(tmp);
	return all;
}

static bool same_color(SDL_Color a, SDL_Color b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

static void drop(struct text_cache *c)
{
	if (c->tex)
		SDL_DestroyTexture(c->tex);
	free(c->str);
	memset(c, 0, sizeof(*c));
}

/* A string holding a newline must go through the wrapped renderer even when
 * no width is set: the one-line renderer draws '\n' as a missing glyph. */
static SDL_Surface *render(TTF_Font *font, const char *str, SDL_Color color,
			   int wrap, enum text_align align)
{
	SDL_Surface *s;
	int old_align;

	if (wrap <= 0 && !strchr(str, '\n'))
		return render_line(font, str, color);
	if (!all_main(font, str))
		return render_wrapped(font, str, color, wrap, align);

	/* The alignment is a property of the font, which is shared with
	 * every other cache: set it for this call only. */
	old_align = TTF_GetFontWrappedAlign(font);
	TTF_SetFontWrappedAlign(font, align == TEXT_CENTER ?
				TTF_WRAPPED_ALIGN_CENTER :
				align == TEXT_RIGHT ? TTF_WRAPPED_ALIGN_RIGHT :
				TTF_WRAPPED_ALIGN_LEFT);
	s = TTF_RenderUTF8_Blended_Wrapped(font, str, color,
					   wrap > 0 ? (Uint32)wrap : 0);
	TTF_SetFontWrappedAlign(font, old_align);
	return s;
}

int text_update(struct text_cache *c, SDL_Renderer *r, TTF_Font *font,
		const char *str, SDL_Color color, int wrap,
		enum text_align align)
{
	SDL_Surface *s = NULL;
	SDL_Texture *tex = NULL;
	char *copy = NULL;

	if (!str)
		str = "";
	if (c->str && c->font == font && same_color(c->color, color) &&
	    c->wrap == wrap && c->align == align && strcmp(c->str, str) == 0)
		return 0;

	copy = strdup(str);
	if (!copy) {
		SDL_OutOfMemory();
		goto err;
	}
	if (*str) {
		s = render(font, str, color, wrap, align);
		if (!s)
			goto err;
		tex = SDL_CreateTextureFromSurface(r, s);
		if (!tex)
			goto err;
		SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
	}

	drop(c);
	c->tex = tex;
	c->str = copy;
	c->font = font;
	c->color = color;
	c->wrap = wrap;
	c->align = align;
	if (s) {
		c->w = s->w;
		c->h = s->h;
		SDL_FreeSurface(s);
	}
	return 0;
err:
	if (s)
		SDL_FreeSurface(s);
	free(copy);
	drop(c);
	return -1;
}

void text_draw(const struct text_cache *c, SDL_Renderer *r, int x, int y,
	       const SDL_Rect *clip)
{
	SDL_Rect dst = { x, y, c->w, c->h };
	SDL_Rect src = { 0, 0, c->w, c->h };
	SDL_Rect vis;

	if (!c->tex || c->w <= 0 || c->h <= 0)
		return;
	if (clip) {
		/* Cut the source the same way as the destination, so the
		 * glyphs keep their size instead of being squeezed. */
		if (!SDL_IntersectRect(&dst, clip, &vis))
			return;
		src.x = vis.x - x;
		src.y = vis.y - y;
		src.w = vis.w;
		src.h = vis.h;
		dst = vis;
	}
	SDL_RenderCopy(r, c->tex, &src, &dst);
}

void text_finish(struct text_cache *c)
{
	drop(c);
}

int text_width(TTF_Font *font, const char *str)
{
	int w = 0;

	if (!all_main(font, str))
		return width_with_fallback(font, str);
	return TTF_SizeUTF8(font, str, &w, NULL) < 0 ? 0 : w;
}

size_t text_next_char(const char *s, size_t i)
{
	if (!s[i])
		return i;
	while (((unsigned char)s[++i] & 0xc0) == 0x80)
		;
	return i;
}

size_t text_prev_char(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[--i] & 0xc0) == 0x80)
		;
	return i;
}

/* Byte offset of character k of s; k past the end gives its length. */
static size_t char_offset(const char *s, size_t k)
{
	size_t i = 0;

	while (k--)
		i = text_next_char(s, i);
	return i;
}

/* out = the first head and the last tail of the n characters of str, with
 * the ellipsis between. False when that does not fit in outsz. */
static bool compose(const char *str, size_t n, size_t head, size_t tail,
		    char *out, size_t outsz)
{
	static const char ell[] = "\u2026";
	size_t hb = char_offset(str, head), tb = char_offset(str, n - tail);
	size_t tl = strlen(str + tb);

	/* A space before the ellipsis only makes the gap look wider. */
	while (hb > 0 && str[hb - 1] == ' ')
		hb--;
	if (hb + sizeof(ell) + tl > outsz)
		return false;
	memcpy(out, str, hb);
	memcpy(out + hb, ell, sizeof(ell) - 1);
	memcpy(out + hb + sizeof(ell) - 1, str + tb, tl + 1);
	return true;
}

const char *text_elide(TTF_Font *font, const char *str, int width,
		       enum text_elide where, char *out, size_t outsz)
{
	size_t n = 0, lo = 0, hi, k, head, i;

	if (strlen(str) < outsz && text_width(font, str) <= width)
		return memcpy(out, str, strlen(str) + 1);
	for (i = 0; str[i]; i++)
		n += ((unsigned char)str[i] & 0xc0) != 0x80;
	/* The most characters kept that still fit: a binary search over
	 * their count, which only grows the text's width. */
	hi = n ? n - 1 : 0;
	while (lo < hi) {
		k = (lo + hi + 1) / 2;
		head = where == TEXT_ELIDE_END ? k :
		       where == TEXT_ELIDE_START ? 0 : (k + 1) / 2;
		if (compose(str, n, head, k - head, out, outsz) &&
		    text_width(font, out) <= width)
			lo = k;
		else
			hi = k - 1;
	}
	head = where == TEXT_ELIDE_END ? lo :
	       where == TEXT_ELIDE_START ? 0 : (lo + 1) / 2;
	if (!compose(str, n, head, lo - head, out, outsz) && outsz)
		out[0] = '\0';
	return out;
}

const char *text_escape(const char *str, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	char e[5];
	int k;

	if (!outsz)
		return out;
	for (; *str; str++) {
		unsigned char c = (unsigned char)*str;

		if (c >= 0x20 && c != 0x7f) {
			e[0] = (char)c;
			k = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			e[0] = '\\';
			e[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			k = 2;
		} else {
			memcpy(e, "\\x", 2);
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			k = 4;
		}
		if (n + (size_t)k >= outsz)
			break;
		memcpy(out + n, e, (size_t)k);
		n += (size_t)k;
	}
	out[n] = '\0';
	return out;
}

int text_draw_in(struct text_cache *c, SDL_Renderer *r, TTF_Font *font,
		 const char *str, SDL_Color color, const SDL_Rect *box,
		 enum text_align align, enum text_elide where)
{
	/* A path of PATH_MAX bytes, each escaped to four. */
	char shown[4 * 4096 + 1], fit[sizeof(shown) + 8];
	int x = box->x;

	text_escape(str ? str : "", shown, sizeof(shown));
	text_elide(font, shown, box->w, where, fit, sizeof(fit));
	/* A box lower than the line (a window below its minimum size)
	 * shows nothing rather than the top half of the text. */
	if (text_update(c, r, font, fit, color, 0, TEXT_LEFT) < 0 ||
	    c->h > box->h)
		return -1;
	if (align == TEXT_CENTER)
		x += (box->w - c->w) / 2;
	else if (align == TEXT_RIGHT)
		x += box->w - c->w;
	text_draw(c, r, x, box->y + (box->h - c->h) / 2, box);
	return x;
}
