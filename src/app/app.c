/* app.c - the SharedMemory Example window: options, event loop, frames. */
#include "app/app.h"
#include "app/app_inspect.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/chooser.h"
#include "app/font.h"
#include "image/options.h"
#include "image/texture.h"
#include "common/bytes.h"
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

	Uint32 wake_event;		/* a dialog job has news */
	SDL_Texture *tex;		/* the image, as shown */
	ino_t tex_ino;			/* of the segment it was made from */
	int tex_w, tex_h;
	struct img_resize *resize;	/* keeps resizing off the mapping */

	bool dirty;			/* draw at the end of this pump */
	bool quit;
	uint64_t drawn_generation;
};

void app_options_init(struct app_options *o)
{
	memset(o, 0, sizeof(*o));
	o->key = NAME_DEFAULT_KEY;
	o->position = APP_POS_DEFAULT;
	o->limits.max_bytes = SEG_DEFAULT_MAX_BYTES;
	o->limits.decode_timeout_ms = IMG_DEFAULT_DECODE_TIMEOUT_MS;
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
"  --follow             show every image shared under the key as soon as\n"
"                       it is there (W toggles it)\n"
"  --position P         left or right of the screen centre (two windows\n"
"                       side by side), or X,Y in screen points\n"
"  --font PATH          draw text with this TrueType/OpenType font instead\n"
"                       of fontconfig's sans-serif\n"
"  --max-bytes N[K|M|G] refuse images of more than N bytes of RGBA pixels\n"
"                       (default 256M), loaded or attached\n"
"  --decode-timeout S   stop a decode after S seconds (default %d)\n"
"  --decoder PATH       the decoder helper to run (default: shm-decode\n"
"                       next to this program)\n"
"  --help               show this help and exit\n"
"\n"
"Keys: F  Load Image From File...   M  Display Image From Shared Memory\n"
"      W  follow the key's images on/off\n"
"      Tab, arrows  move the focus   Space, Enter  press the focused button\n"
"      Esc  cancel a load, close the file chooser, or close the window\n"
"A file dropped on the window is loaded as if chosen.\n", prog,
		IMG_DEFAULT_DECODE_TIMEOUT_MS / 1000);
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

/* The options shmimage takes too go through their one parser. */
static int shared_option(struct app_options *o, int c, const char *val,
			 struct err *err)
{
	struct img_options io = { o->key, o->limits, o->decoder };

	if (img_option_parse(&io, c, val, err) < 0)
		return -1;
	o->key = io.key;
	o->limits = io.lim;
	o->decoder = io.decoder;
	return 0;
}

/* One option's value into o. Returns 0, or -1 with the reason. */
static int parse_option(struct app_options *o, int c, const char *val,
			struct err *err)
{
	switch (c) {
	case IMG_OPT_KEY:
	case IMG_OPT_MAX_BYTES:
	case IMG_OPT_DECODE_TIMEOUT:
	case IMG_OPT_DECODER:
		return shared_option(o, c, val, err);
	case 'p':
		if (parse_position(o, val) == 0)
			return 0;
		err_set(err, "invalid position '%s': left, right or X,Y", val);
		return -1;
	default:
		/* --load, --font: a file name. */
		if (!*val) {
			err_set(err, "a file name must not be empty");
			return -1;
		}
		*(c == 'l' ? &o->load : &o->font) = val;
		return 0;
	}
}

int app_parse_args(struct app_options *o, int argc, char **argv,
		   struct err *err)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "load", required_argument, NULL, 'l' },
		{ "follow", no_argument, NULL, 'w' },
		{ "position", required_argument, NULL, 'p' },
		{ "font", required_argument, NULL, 'f' },
		{ "max-bytes", required_argument, NULL, 'b' },
		{ "decode-timeout", required_argument, NULL, 't' },
		{ "decoder", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'w') {
			o->follow = true;
			continue;
		}
		if (c == '?' || c == ':') {
			err_set(err, "unknown option or missing value: '%s'",
				argv[optind - 1]);
			return -1;
		}
		if (parse_option(o, c, optarg, err) < 0)
			return -1;
	}
	if (optind < argc) {
		err_set(err, "unexpected argument '%s' (use --load FILE)",
			argv[optind]);
		return -1;
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

	f = TTF_OpenFont(a->font_path, theme_px(a->scale, UI_FONT_PT));
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

/* The dialog's jobs finish on other threads: an event brings the news
 * to this one, where SDL_WaitEvent sleeps. */
static void wake(void *ctx)
{
	SDL_Event ev = { .type = ((struct app *)ctx)->wake_event };

	SDL_PushEvent(&ev);
}

static void report(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "sharedmemory: %s\n", line);
}

/* The texture drawn for the image: built from the segment's read-only
 * mapping at exactly the size it is shown, so the window never holds a
 * full-size copy and a large image is averaged down, not aliased. Built
 * again for another segment or another size. */
static SDL_Texture *image_texture(struct app *a, const struct seg *seg,
				  const SDL_Rect *dst)
{
	struct stat st;
	struct err err;

	if (fstat(seg->fd, &st) < 0)
		st.st_ino = 0;
	if (a->tex && a->tex_ino == st.st_ino && a->tex_w == dst->w &&
	    a->tex_h == dst->h)
		return a->tex;
	SDL_DestroyTexture(a->tex);
	a->tex = img_texture_resized(&a->resize, a->ren, seg, dst->w, dst->h,
				     &err);
	a->tex_ino = st.st_ino;
	a->tex_w = dst->w;
	a->tex_h = dst->h;
	if (!a->tex)
		SDL_LogWarn(SDL_LOG_CATEGORY_APPLICATION, "%s", err.msg);
	return a->tex;
}

/* The font first: without one there is nothing to show, and the user
 * should hear it before a blank window appears. Returns 0, or -1. */
static int find_font(struct app *a, const struct app_options *o,
		     struct err *err)
{
	if (o->font) {
		if (font_check_file(o->font, err) < 0) {
			err_prefix(err, "cannot use --font");
			return -1;
		}
		snprintf(a->font_path, sizeof(a->font_path), "%s", o->font);
		return 0;
	}
	if (font_find(FONT_DEFAULT_FAMILY, a->font_path,
		      sizeof(a->font_path), err) < 0) {
		err_prefix(err, "no font found for " FONT_DEFAULT_FAMILY);
		return -1;
	}
	return 0;
}

/* SDL video and SDL_ttf, the window and its renderer. Returns 0, or -1
 * with the reason; what was started is in a for app_destroy(). */
static int open_window(struct app *a, const struct app_options *o,
		       struct err *err)
{
	int x, y;

	/* A click that focuses the window also presses the button under
	 * it, as in Qt. */
	SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		err_set(err, "cannot start SDL video: %s", SDL_GetError());
		return -1;
	}
	a->sdl_up = true;
	if (TTF_Init() < 0) {
		err_set(err, "cannot start SDL_ttf: %s", TTF_GetError());
		return -1;
	}
	a->ttf_up = true;
	window_place(o, &x, &y);
	a->win = SDL_CreateWindow(WINDOW_TITLE, x, y, WINDOW_W, WINDOW_H,
				  SDL_WINDOW_RESIZABLE |
				  SDL_WINDOW_ALLOW_HIGHDPI);
	if (!a->win) {
		err_set(err, "cannot open a window: %s", SDL_GetError());
		return -1;
	}
	a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1,
					    SDL_RENDERER_SOFTWARE);
	if (!a->ren) {
		err_set(err, "cannot create a renderer: %s", SDL_GetError());
		return -1;
	}
	/* SDL starts text input at init on desktops; only the chooser's
	 * name field wants it, or the F that opens the chooser would also
	 * be typed into it. */
	SDL_StopTextInput();
	return 0;
}

/* The dialog, with the decoder helper next to us unless --decoder. */
static int start_dialog(struct app *a, const struct app_options *o,
			struct err *err)
{
	char decoder[PATH_MAX];

	if (o->decoder)
		snprintf(decoder, sizeof(decoder), "%s", o->decoder);
	else if (img_decoder_path(decoder, sizeof(decoder), err) < 0)
		return -1;
	a->dialog = dialog_create(&(struct dialog_config){
		.key = o->key, .limits = o->limits, .decoder = decoder,
		.follow = o->follow, .ctx = a, .wake = wake, .report = report,
	}, err);
	return a->dialog ? 0 : -1;
}

struct app *app_create(const struct app_options *o, struct err *err)
{
	struct app *a;

	a = calloc(1, sizeof(*a));
	if (!a) {
		err_set(err, "out of memory");
		return NULL;
	}
	a->scale = 1.0f;
	if (find_font(a, o, err) < 0 || open_window(a, o, err) < 0)
		goto fail;
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
	if (!a->chooser) {
		err_set(err, "out of memory");
		goto fail;
	}
	a->wake_event = SDL_RegisterEvents(1);
	if (a->wake_event == (Uint32)-1) {
		err_set(err, "no SDL event left for the window's jobs");
		goto fail;
	}
	if (start_dialog(a, o, err) < 0)
		goto fail;
	if (o->load) {
		chooser_loaded(a->chooser, o->load);
		dialog_load_from_file(a->dialog, o->load, true);
	}
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
	SDL_DestroyTexture(a->tex);
	img_resize_destroy(a->resize);
	chooser_destroy(a->chooser);
	ui_destroy(a->ui);
	if (a->font)
		TTF_CloseFont(a->font);
	if (a->ren)
		SDL_DestroyRenderer(a->ren);
	if (a->win)
		SDL_DestroyWindow(a->win);
	if (a->ttf_up) {
		text_fallback_finish();
		TTF_Quit();
	}
	if (a->sdl_up)
		SDL_Quit();
	free(a);
}

static void open_chooser(struct app *a)
{
	bool redraw = false;

	a->dirty = true;
	/* Not during a load: the dialog then says why instead. */
	if (!dialog_choose_begin(a->dialog))
		return;
	ui_pointer_left(a->ui, &redraw);
	/* Where the last file loaded is; before any, in the samples. */
	chooser_open(a->chooser, APP_ASSETS_DIR);
	a->dirty = true;
}

static void load_file(struct app *a, const char *path)
{
	chooser_loaded(a->chooser, path);
	dialog_load_from_file(a->dialog, path, false);
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
	/* Ctrl+F and friends belong to nobody here; F and M alone are the
	 * buttons' shortcuts (underlined in their labels). Auto-repeat
	 * must not reopen or reattach. */
	if (k->repeat || (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))
		return true;
	switch (k->keysym.sym) {
	case SDLK_f:
		open_chooser(a);
		break;
	case SDLK_m:
		dialog_load_from_memory(a->dialog);
		break;
	case SDLK_w:
		dialog_set_follow(a->dialog, !dialog_following(a->dialog));
		break;
	case SDLK_ESCAPE:
		/* A load in progress first: Esc cancels it, as it closes
		 * the chooser when that is open. */
		if (!dialog_cancel_load(a->dialog))
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

	if (ev->type == a->wake_event) {
		dialog_poll(a->dialog);
		return;
	}
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
		/* Every texture went with the device, the image's too: it
		 * is made again from the mapping at the next frame. */
		SDL_DestroyTexture(a->tex);
		a->tex = NULL;
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
		break;
	default:
		break;
	}
	if (redraw)
		a->dirty = true;
}

static void draw(struct app *a)
{
	const struct seg *seg = dialog_segment(a->dialog);
	const struct dialog_status *st = dialog_status_parts(a->dialog);
	struct ui_content c = {
		.message = dialog_message(a->dialog),
		.status = { st->state, st->state_short, st->size, st->key,
			    st->owner, st->owner_short },
	};

	if (seg) {
		SDL_Rect dst;

		c.image_w = (int)seg->info.width;
		c.image_h = (int)seg->info.height;
		dst = ui_fit_image(&ui_layout(a->ui)->image, c.image_w,
				   c.image_h);
		if (dst.w > 0 && dst.h > 0)
			c.image = image_texture(a, seg, &dst);
	}
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

const struct chooser *app_chooser(const struct app *a)
{
	return a->chooser;
}

float app_scale(const struct app *a)
{
	return a->scale;
}

const char *app_status_drawn(const struct app *a)
{
	return ui_status_drawn(a->ui);
}

SDL_Texture *app_image_texture(const struct app *a)
{
	return dialog_segment(a->dialog) ? a->tex : NULL;
}
