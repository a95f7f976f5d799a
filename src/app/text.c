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
