/* text.c - strings drawn through SDL_ttf, cached as textures. */
#include "app/text.h"

#include <stdlib.h>
#include <string.h>

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
		return TTF_RenderUTF8_Blended(font, str, color);

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
