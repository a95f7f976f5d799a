/* app.c - the SharedMemory Example window: options, event loop, frames. */
#include "app/app.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "app/chooser.h"
#include "app/font.h"
#include "shm/name.h"

#define WINDOW_TITLE "SharedMemory Example"
#define WINDOW_W 451		/* the Qt dialog's size */
#define WINDOW_H 322
/* Between two windows placed with --position left and right, so their
 * frames do not touch under a window manager. */
#define WINDOW_GAP 24

#ifndef APP_ASSETS_DIR
#define APP_ASSETS_DIR "."
#endif

struct app {
	SDL_Window *win;
	SDL_Renderer *ren;
	char font_path[PATH_MAX];
	TTF_Font *font;
	bool ttf_up, sdl_up;
	float scale;
	int pw, ph;			/* drawable size in pixels */

	struct ui *ui;
	struct dialog *dialog;
	struct chooser *chooser;
	bool chooser_used;		/* opened before: reopen its folder */
	char chooser_dir[PATH_MAX];

	bool dirty;			/* draw at the end of this pump */
	bool quit;
	uint64_t drawn_generation;
};

void app_options_init(struct app_options *o)
{
	memset(o, 0, sizeof(*o));
	o->key = NAME_DEFAULT_KEY;
	o->position = APP_POS_DEFAULT;
	o->limits.max_bytes = IMG_DEFAULT_MAX_BYTES;
}

void app_usage(FILE *f, const char *prog)
{
	fprintf(f,
"Usage: %s [OPTION]...\n"
"Share an image between two windows through shared memory.\n"
"\n"
"  --key K              share under key K (default " NAME_DEFAULT_KEY ");\n"
"                       1-64 characters of A-Z a-z 0-9 . _ -\n"
"  --load FILE          load FILE at start, as Load Image From File... does\n"
"  --position P         left or right of the screen centre (two windows\n"
"                       side by side), or X,Y in screen points\n"
"  --font PATH          draw text with this TrueType/OpenType font instead\n"
"                       of fontconfig's sans-serif\n"
"  --max-bytes N[K|M|G] refuse images of more than N bytes of RGBA pixels\n"
"                       (default 256M)\n"
"  --help               show this help and exit\n"
"\n"
"Keys: F  Load Image From File...   M  Display Image From Shared Memory\n"
"      Esc  close the file chooser, or the window\n"
"A file dropped on the window is loaded as if chosen.\n", prog);
}

/* "123", "64K", "256M", "1G" (powers of 1024). */
static int parse_bytes(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_int(const char *s, const char *end, int *out)
{
	long v;
	char *e;

	if (s == end)
		return -1;
	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || e != end || v < INT_MIN / 2 || v > INT_MAX / 2)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_position(struct app_options *o, const char *s)
{
	const char *comma;

	if (strcmp(s, "left") == 0) {
		o->position = APP_POS_LEFT;
		return 0;
	}
	if (strcmp(s, "right") == 0) {
		o->position = APP_POS_RIGHT;
		return 0;
	}
	comma = strchr(s, ',');
	if (!comma || parse_int(s, comma, &o->x) < 0 ||
	    parse_int(comma + 1, comma + 1 + strlen(comma + 1), &o->y) < 0)
		return -1;
	o->position = APP_POS_XY;
	return 0;
}

int app_parse_args(struct app_options *o, int argc, char **argv,
		   struct err *err)
{
	static const char *const with_value[] = {
		"--key", "--load", "--position", "--font", "--max-bytes",
	};
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = NULL;
		size_t n, k;
		bool known = false;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		for (k = 0; k < SDL_arraysize(with_value); k++) {
			n = strlen(with_value[k]);
			if (strncmp(arg, with_value[k], n) != 0)
				continue;
			if (arg[n] == '=') {
				val = arg + n + 1;
			} else if (arg[n] == '\0') {
				if (i + 1 >= argc) {
					err_set(err, "option %s needs a value",
						arg);
					return -1;
				}
				val = argv[++i];
			} else {
				continue;
			}
			known = true;
			break;
		}
		if (!known) {
			if (arg[0] == '-')
				err_set(err, "unknown option '%s'", arg);
			else
				err_set(err, "unexpected argument '%s' "
					"(use --load FILE)", arg);
			return -1;
		}
		switch (k) {
		case 0:
			if (!name_key_valid(val)) {
				err_set(err, "invalid key '%s': 1-64 "
					"characters of A-Z a-z 0-9 . _ -",
					val);
				return -1;
			}
			o->key = val;
			break;
		case 1:
			if (!*val) {
				err_set(err, "--load needs a file name");
				return -1;
			}
			o->load = val;
			break;
		case 2:
			if (parse_position(o, val) < 0) {
				err_set(err, "invalid position '%s': left, "
					"right or X,Y", val);
				return -1;
			}
			break;
		case 3:
			if (!*val) {
				err_set(err, "--font needs a file name");
				return -1;
			}
			o->font = val;
			break;
		default:
			if (parse_bytes(val, &o->limits.max_bytes) < 0) {
				err_set(err, "invalid --max-bytes '%s': a "
					"positive number of bytes, optionally "
					"with K, M or G", val);
				return -1;
			}
			break;
		}
	}
	return 0;
}

/* Drawable pixels per window point; SDL only differs from 1 where the
 * platform scales (macOS, Wayland), X11 and the dummy driver say 1. */
static float compute_scale(struct app *a)
{
	int ww = 0, wh = 0;

	SDL_GetWindowSize(a->win, &ww, &wh);
	if (SDL_GetRendererOutputSize(a->ren, &a->pw, &a->ph) < 0 || ww <= 0)
		return 1.0f;
	return a->pw > ww ? (float)a->pw / (float)ww : 1.0f;
}

/* Opens the font for the current scale and hands it to everyone who
 * draws text. The new font is opened before the old one is closed, so
 * the text caches (keyed by font pointer) cannot mistake one for the
 * other. */
static int open_font(struct app *a, struct err *err)
{
	TTF_Font *f;
	int min_w, min_h;

	f = TTF_OpenFont(a->font_path, ui_px(a->scale, UI_FONT_PT));
	if (!f) {
		err_set(err, "cannot open font %s: %s", a->font_path,
			TTF_GetError());
		return -1;
	}
	/* Small enough to be out of the way, large enough to keep both
	 * button labels whole. */
	ui_min_size(f, a->scale, &min_w, &min_h);
	SDL_SetWindowMinimumSize(a->win, min_w, min_h);
	if (a->chooser)
		chooser_set_font(a->chooser, f, a->scale);
	if (a->ui)
		ui_resize(a->ui, a->pw, a->ph, a->scale, f);
	if (a->font)
		TTF_CloseFont(a->font);
	a->font = f;
	return 0;
}

/* The window changed size or moved to a display of another scale. */
static void relayout(struct app *a)
{
	struct err err;
	float old = a->scale;

	a->scale = compute_scale(a);
	if (a->scale != old && open_font(a, &err) < 0) {
		/* Keep drawing with the old font rather than quit. */
		SDL_LogWarn(SDL_LOG_CATEGORY_APPLICATION, "%s", err.msg);
	}
	ui_resize(a->ui, a->pw, a->ph, a->scale, a->font);
	a->dirty = true;
}

static void window_place(const struct app_options *o, int *x, int *y)
{
	SDL_Rect b;
	int cx;

	*x = *y = SDL_WINDOWPOS_CENTERED;
	if (o->position == APP_POS_XY) {
		*x = o->x;
		*y = o->y;
		return;
	}
	if (o->position == APP_POS_DEFAULT ||
	    SDL_GetDisplayUsableBounds(0, &b) < 0)
		return;
	cx = b.x + b.w / 2;
	if (o->position == APP_POS_LEFT)
		*x = cx - WINDOW_GAP / 2 - WINDOW_W;
	else
		*x = cx + WINDOW_GAP / 2;
	if (*x < b.x)
		*x = b.x;
	*y = b.y + (b.h - WINDOW_H) / 2;
	if (*y < b.y)
		*y = b.y;
}

/* The dialog's sink: the window keeps the image it shows as a texture,
 * filled straight from the segment's mapping. One copy per image shown,
 * the one shm-bench's attach_display measures. */
static void *take_texture(void *ctx, struct seg *seg, struct err *err)
{
	SDL_Texture *tex = img_texture_from_segment(ctx, seg, err);

	/* Drawn scaled down to fit: smooth rather than jagged. */
	if (tex)
		SDL_SetTextureScaleMode(tex, SDL_ScaleModeLinear);
	return tex;
}

static void drop_texture(void *ctx, void *copy)
{
	(void)ctx;
	SDL_DestroyTexture(copy);
}

struct app *app_create(const struct app_options *o, struct err *err)
{
	struct app *a;
	int x, y;

	a = calloc(1, sizeof(*a));
	if (!a) {
		err_set(err, "out of memory");
		return NULL;
	}
	a->scale = 1.0f;

	/* The font first: without one there is nothing to show, and the
	 * user should hear it before a blank window appears. */
	if (o->font) {
		if (font_check_file(o->font, err) < 0) {
			err_prefix(err, "cannot use --font");
			goto fail;
		}
		snprintf(a->font_path, sizeof(a->font_path), "%s", o->font);
	} else if (font_find(FONT_DEFAULT_FAMILY, a->font_path,
			     sizeof(a->font_path), err) < 0) {
		err_prefix(err, "no font found for " FONT_DEFAULT_FAMILY);
		goto fail;
	}

	/* A click that focuses the window also presses the button under
	 * it, as in Qt. */
	SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		err_set(err, "cannot start SDL video: %s", SDL_GetError());
		goto fail;
	}
	a->sdl_up = true;
	if (TTF_Init() < 0) {
		err_set(err, "cannot start SDL_ttf: %s", TTF_GetError());
		goto fail;
	}
	a->ttf_up = true;

	window_place(o, &x, &y);
	a->win = SDL_CreateWindow(WINDOW_TITLE, x, y, WINDOW_W, WINDOW_H,
				  SDL_WINDOW_RESIZABLE |
				  SDL_WINDOW_ALLOW_HIGHDPI);
	if (!a->win) {
		err_set(err, "cannot open a window: %s", SDL_GetError());
		goto fail;
	}
	a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1,
					    SDL_RENDERER_SOFTWARE);
	if (!a->ren) {
		err_set(err, "cannot create a renderer: %s", SDL_GetError());
		goto fail;
	}
	/* SDL starts text input at init on desktops; only the chooser's
	 * name field wants it, or the F that opens the chooser would also
	 * be typed into it. */
	SDL_StopTextInput();

	a->scale = compute_scale(a);
	if (open_font(a, err) < 0)
		goto fail;
	a->ui = ui_create(a->ren, a->font, a->scale);
	if (!a->ui) {
		err_set(err, "cannot set up drawing: %s", SDL_GetError());
		goto fail;
	}
	ui_resize(a->ui, a->pw, a->ph, a->scale, a->font);
	a->chooser = chooser_create(a->font, a->scale);
	a->dialog = dialog_create(o->key, &o->limits, &(struct dialog_sink){
		.ctx = a->ren,
		.take = take_texture,
		.drop = drop_texture,
	});
	if (!a->chooser || !a->dialog) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (o->load)
		dialog_load_from_file(a->dialog, o->load);
	a->dirty = true;
	return a;
fail:
	app_destroy(a);
	return NULL;
}

void app_destroy(struct app *a)
{
	if (!a)
		return;
	dialog_destroy(a->dialog);
	chooser_destroy(a->chooser);
	ui_destroy(a->ui);
	if (a->font)
		TTF_CloseFont(a->font);
	if (a->ren)
		SDL_DestroyRenderer(a->ren);
	if (a->win)
		SDL_DestroyWindow(a->win);
	if (a->ttf_up)
		TTF_Quit();
	if (a->sdl_up)
		SDL_Quit();
	free(a);
}

static void open_chooser(struct app *a)
{
	bool redraw = false;

	/* Copied: the chooser's own buffer is overwritten by the open. */
	if (a->chooser_used)
		snprintf(a->chooser_dir, sizeof(a->chooser_dir), "%s",
			 chooser_dir(a->chooser));
	else
		snprintf(a->chooser_dir, sizeof(a->chooser_dir), "%s",
			 APP_ASSETS_DIR);
	a->chooser_used = true;
	ui_pointer_left(a->ui, &redraw);
	dialog_choose_begin(a->dialog);
	chooser_open(a->chooser, a->chooser_dir);
	a->dirty = true;
}

static void load_file(struct app *a, const char *path)
{
	dialog_load_from_file(a->dialog, path);
	a->dirty = true;
}

static bool is_input_event(Uint32 type)
{
	switch (type) {
	case SDL_KEYDOWN:
	case SDL_KEYUP:
	case SDL_TEXTINPUT:
	case SDL_TEXTEDITING:
	case SDL_MOUSEMOTION:
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
	case SDL_MOUSEWHEEL:
		return true;
	default:
		return false;
	}
}

static void handle_chooser_event(struct app *a, SDL_Event *ev)
{
	enum chooser_result res;
	bool redraw = false;

	ui_event_to_pixels(ev, a->scale);
	res = chooser_handle_event(a->chooser, ev, &redraw);
	if (redraw)
		a->dirty = true;
	if (res == CHOOSER_CHOSEN)
		load_file(a, chooser_path(a->chooser));
	else if (res == CHOOSER_CANCELLED)
		dialog_choose_end(a->dialog);
	if (res != CHOOSER_NONE)
		a->dirty = true;
}

/* Returns false for the keys the buttons take (focus, Space, Enter). */
static bool handle_key(struct app *a, const SDL_KeyboardEvent *k)
{
	/* Ctrl+F and friends belong to nobody here; F alone is the
	 * button's shortcut, as the Qt example's mnemonic-less buttons
	 * would want. Auto-repeat must not reopen or reattach. */
	if (k->repeat || (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))
		return true;
	switch (k->keysym.sym) {
	case SDLK_f:
		open_chooser(a);
		break;
	case SDLK_m:
		dialog_load_from_memory(a->dialog);
		a->dirty = true;
		break;
	case SDLK_ESCAPE:
		a->quit = true;
		break;
	default:
		return false;
	}
	return true;
}

static void handle_window_event(struct app *a, const SDL_WindowEvent *w)
{
	bool redraw = false;

	switch (w->event) {
	case SDL_WINDOWEVENT_SIZE_CHANGED:
	case SDL_WINDOWEVENT_DISPLAY_CHANGED:
		relayout(a);
		break;
	case SDL_WINDOWEVENT_LEAVE:
		ui_pointer_left(a->ui, &redraw);
		break;
	case SDL_WINDOWEVENT_CLOSE:
		a->quit = true;
		break;
	case SDL_WINDOWEVENT_EXPOSED:
	case SDL_WINDOWEVENT_SHOWN:
	case SDL_WINDOWEVENT_RESTORED:
		redraw = true;
		break;
	default:
		break;
	}
	if (redraw)
		a->dirty = true;
}

static void handle_event(struct app *a, SDL_Event *ev)
{
	bool redraw = false;

	switch (ev->type) {
	case SDL_QUIT:
		a->quit = true;
		return;
	case SDL_WINDOWEVENT:
		handle_window_event(a, &ev->window);
		return;
	case SDL_DROPFILE:
		/* A drop answers an open chooser too: the user picked a
		 * file, just not through it. */
		if (chooser_is_open(a->chooser))
			chooser_close(a->chooser);
		if (ev->drop.file)
			load_file(a, ev->drop.file);
		SDL_free(ev->drop.file);
		return;
	case SDL_RENDER_DEVICE_RESET:
		/* Every texture went with the device, the image's too. */
		dialog_image_lost(a->dialog);
		a->dirty = true;
		return;
	case SDL_RENDER_TARGETS_RESET:
		a->dirty = true;
		return;
	default:
		break;
	}
	if (!is_input_event(ev->type))
		return;
	if (chooser_is_open(a->chooser)) {
		handle_chooser_event(a, ev);
		return;
	}
	if (ev->type == SDL_KEYDOWN && handle_key(a, &ev->key))
		return;
	ui_event_to_pixels(ev, a->scale);
	switch (ui_handle_event(a->ui, ev, &redraw)) {
	case UI_LOAD:
		open_chooser(a);
		break;
	case UI_SHOW:
		dialog_load_from_memory(a->dialog);
		a->dirty = true;
		break;
	default:
		break;
	}
	if (redraw)
		a->dirty = true;
}

static void draw(struct app *a)
{
	struct ui_content c = {
		.image = dialog_image(a->dialog),
		.message = dialog_message(a->dialog),
		.status = dialog_status(a->dialog),
	};

	dialog_image_size(a->dialog, &c.image_w, &c.image_h);
	ui_draw(a->ui, &c);
	if (chooser_is_open(a->chooser)) {
		SDL_Rect all = { 0, 0, a->pw, a->ph };

		chooser_draw(a->chooser, a->ren, &all);
	}
	a->drawn_generation = dialog_generation(a->dialog);
}

/* SDL_WaitEventTimeout() blocks in the video driver where the driver can
 * (X11, Wayland...). Drivers that cannot (the dummy and offscreen ones)
 * make SDL poll every millisecond; there we poll with a slower cadence,
 * so an idle window stays near 0% CPU wherever it runs. */
static int wait_event(SDL_Event *ev, int timeout_ms)
{
	const char *drv = SDL_GetCurrentVideoDriver();
	Uint32 start;
	int nap = 1;

	if (!drv || (strcmp(drv, "dummy") != 0 &&
		     strcmp(drv, "offscreen") != 0))
		return timeout_ms < 0 ? SDL_WaitEvent(ev) :
		       SDL_WaitEventTimeout(ev, timeout_ms);
	start = SDL_GetTicks();
	for (;;) {
		if (SDL_PollEvent(ev))
			return 1;
		if (timeout_ms >= 0 &&
		    SDL_GetTicks() - start >= (Uint32)timeout_ms)
			return 0;
		SDL_Delay(nap);
		if (nap < 20)
			nap *= 2;
	}
}

bool app_pump(struct app *a, int timeout_ms)
{
	SDL_Event ev;
	int got;

	got = timeout_ms == 0 ? SDL_PollEvent(&ev) : wait_event(&ev,
								 timeout_ms);
	while (got && !a->quit) {
		handle_event(a, &ev);
		got = SDL_PollEvent(&ev);
	}
	if (a->quit)
		return false;
	if (a->dirty || a->drawn_generation != dialog_generation(a->dialog)) {
		draw(a);
		SDL_RenderPresent(a->ren);
		a->dirty = false;
	}
	return true;
}

int app_run(struct app *a)
{
	while (app_pump(a, -1))
		;
	return 0;
}

int app_read_pixels(struct app *a, const SDL_Rect *rect, void *pixels,
		    int pitch, struct err *err)
{
	draw(a);
	if (SDL_RenderReadPixels(a->ren, rect, SDL_PIXELFORMAT_RGBA32, pixels,
				 pitch) < 0) {
		err_set(err, "SDL_RenderReadPixels: %s", SDL_GetError());
		return -1;
	}
	return 0;
}

SDL_Window *app_window(struct app *a)
{
	return a->win;
}

const struct dialog *app_dialog(const struct app *a)
{
	return a->dialog;
}

const struct ui_layout *app_layout(const struct app *a)
{
	return ui_layout(a->ui);
}

bool app_chooser_is_open(const struct app *a)
{
	return chooser_is_open(a->chooser);
}

float app_scale(const struct app *a)
{
	return a->scale;
}
