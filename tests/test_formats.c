/* test_formats - every image format SDL_image reads arrives pixel-exact.
 *
 *   test_formats SHMIMAGE SOURCE_DIR
 *
 * Proves: for every fixture in SOURCE_DIR/tests/data/formats/ (the folder
 * is listed, not hard-coded, so a new fixture is tested by being there),
 * `shmimage put FIXTURE` (decoding in its sandboxed helper) then
 * `shmimage get OUT.png` writes exactly what SDL_image's own decode of
 * the fixture becomes once converted with SDL_ConvertSurfaceFormat(...,
 * SDL_PIXELFORMAT_RGBA32, 0): every pixel, alpha included (palettes with
 * tRNS, grey, 16-bit, JPEG, BMP, GIF, TGA, TIFF, WebP, XPM, PNM, QOI,
 * PCX...). A fixture SDL_image cannot decode here must be refused by
 * `put` (exit 1, one line, "cannot read it") rather than shared as
 * something else. At least 10 fixtures must decode, so an
 * emptied or missing folder fails instead of passing vacuously.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "testutil.h"

#define MIN_DECODABLE 10

#define PATH_LEN 512

static const char *shmimage;
static char dir[256];

static int visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* One fixture SDL_image decodes: put, get, compare. */
static void round_trip(const char *path, const char *name,
		       SDL_Surface *expect)
{
	char key[80], out[PATH_LEN], why[256];
	char *get[] = { (char *)shmimage, "get", "--key", key, out, NULL };
	struct tu_proc owner, p;

	tu_key(key, sizeof(key), "formats");
	snprintf(out, sizeof(out), "%s/%s.out.png", dir, name);
	if (tu_put_start(&owner, shmimage, key, path, 10000, NULL, 0) < 0) {
		tu_proc_close(&owner);
		CHECK_MSG(0, "%s: put did not publish it: %s", name, owner.err);
		return;
	}
	if (tu_run(&p, get, NULL, 10000) < 0 || tu_exit_code(&p) != 0)
		CHECK_MSG(0, "%s: get exit %d: %s", name, tu_exit_code(&p),
			  p.err);
	else
		CHECK_MSG(tu_file_has_pixels(out, expect, why, sizeof(why)),
			  "%s: %s", name, why);
	tu_proc_close(&p);
	CHECK_MSG(tu_stop(&owner, SIGTERM, 5000) == 0 &&
		  tu_exit_code(&owner) == 0, "%s: owner did not stop cleanly: "
		  "%s", name, owner.err);
	tu_proc_close(&owner);
}

/* One fixture SDL_image cannot decode: put must refuse it. */
static void refused(const char *path, const char *name)
{
	char key[80];
	struct tu_proc p;

	tu_key(key, sizeof(key), "formats");
	if (tu_put_spawn(&p, shmimage, key, path, NULL, NULL) < 0 ||
	    tu_wait(&p, 5000) < 0)
		CHECK_MSG(0, "%s: put of an undecodable file kept running",
			  name);
	CHECK_MSG(tu_exit_code(&p) == 1 && tu_err_lines(&p) == 1 &&
		  strstr(p.err, "cannot read it"),
		  "%s: SDL_image cannot decode it, yet put said (exit %d): "
		  "%s%s", name, tu_exit_code(&p), p.out, p.err);
	tu_proc_close(&p);
}

int main(int argc, char **argv)
{
	char fixtures[1024];
	struct dirent **list = NULL;
	int n, decodable = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SHMIMAGE SOURCE_DIR\n", argv[0]);
		return 2;
	}
	shmimage = argv[1];
	snprintf(fixtures, sizeof(fixtures), "%s/tests/data/formats", argv[2]);
	if (tu_tmpdir("formats", dir, sizeof(dir)) < 0) {
		perror("mkdtemp");
		return 1;
	}

	n = scandir(fixtures, &list, visible, alphasort);
	CHECK_MSG(n >= 0, "cannot list %s", fixtures);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char path[1300];
		struct stat st;
		SDL_Surface *expect;

		snprintf(path, sizeof(path), "%s/%s", fixtures, name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		expect = IMG_Load(path);
		if (expect) {
			printf("%-20s %4d x %-4d %s\n", name, expect->w,
			       expect->h,
			       SDL_GetPixelFormatName(expect->format->format));
			decodable++;
			round_trip(path, name, expect);
			SDL_FreeSurface(expect);
		} else {
			printf("%-20s not decodable here (%s): put must "
			       "refuse it\n", name, IMG_GetError());
			refused(path, name);
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	CHECK_MSG(decodable >= MIN_DECODABLE, "only %d fixtures decode in %s; "
		  "at least %d expected", decodable, fixtures, MIN_DECODABLE);
	IMG_Quit();
	SDL_Quit();
	return check_done();
}
