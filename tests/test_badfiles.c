/* test_badfiles - what `shmimage` does with input it must refuse.
 *
 *   test_badfiles SHMIMAGE SOURCE_DIR CASE
 *
 * CASE "files": bad image files handed to `put` (decoded, when at all,
 * by its sandboxed helper `shm-decode`); "truncated": the first half of
 * every format's fixture handed to `put`; "usage": command lines
 * that are usage errors (and the valid boundary next to each); "output":
 * `get` into names it cannot write. What each proves is written above its
 * function. (A `put` on a held key is test_handover's "keyheld".)
 */
#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testutil.h"

/* Peak memory a refused file may cost `put`. A real 30000 x 30000 RGBA
 * decode would need 3.4 GiB. */
#define MAX_RSS_KIB (300L * 1024)

#define PATH_LEN 512

static const char *shmimage;
static const char *srcdir;
static char dir[256];

static char *in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* A well-formed PNG claiming w x h RGBA pixels whose only IDAT is a valid
 * zlib stream of 64 zero bytes: a few hundred bytes of file that a naive
 * loader answers by allocating w * h * 4 bytes. Written to path. */
static int write_png_bomb(const char *path, uint32_t w, uint32_t h)
{
	uint8_t zeros[64] = { 0 };
	struct tu_buf png = { 0 }, ihdr = { 0 }, idat = { 0 };
	int rc;

	tu_buf_put(&png, "\x89PNG\r\n\x1a\n", 8);
	tu_buf_be32(&ihdr, w);
	tu_buf_be32(&ihdr, h);
	/* 8 bits, RGBA, deflate, adaptive filtering, no interlace */
	tu_buf_put(&ihdr, "\x08\x06\x00\x00\x00", 5);
	tu_png_chunk(&png, "IHDR", ihdr.b, ihdr.len);
	/* zlib header, then one final stored block of 64 bytes. */
	tu_buf_put(&idat, "\x78\x01\x01", 3);
	tu_buf_le16(&idat, 64);
	tu_buf_le16(&idat, (uint16_t)~64);
	tu_buf_put(&idat, zeros, sizeof(zeros));
	tu_buf_be32(&idat, tu_adler32(zeros, sizeof(zeros)));
	tu_png_chunk(&png, "IDAT", idat.b, idat.len);
	tu_png_chunk(&png, "IEND", NULL, 0);
	rc = tu_write_file(path, png.b, png.len);
	tu_buf_free(&png);
	tu_buf_free(&ihdr);
	tu_buf_free(&idat);
	return rc;
}

/* Runs shmimage with args (NULL-ended, without argv[0]). */
static void run(struct tu_proc *p, const char *const *args, int timeout_ms)
{
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)shmimage;
	while (*args && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (tu_spawn(p, argv, NULL) < 0) {
		CHECK_MSG(0, "cannot start %s: %s", shmimage, strerror(errno));
		return;
	}
	/* A `put` that prints its line has published what it should have
	 * refused: no use waiting for it to serve until the timeout. */
	if (argv[1] && !strcmp(argv[1], "put") &&
	    tu_read_line(p, timeout_ms, NULL, 0) >= 0) {
		p->out_taken = 0;
		tu_stop(p, SIGKILL, 5000);
		return;
	}
	if (tu_wait(p, timeout_ms) < 0)
		CHECK_MSG(0, "shmimage %s %s... still ran after %d ms (killed)",
			  argv[1] ? argv[1] : "", n > 2 ? argv[2] : "",
			  timeout_ms);
}

/* The one-line runtime refusal: exit 1 within 2 s, nothing on stdout,
 * exactly one line "shmimage: ..." on stderr containing word. */
static void expect_refusal(const char *what, struct tu_proc *p,
			   const char *word)
{
	CHECK_MSG(tu_exit_code(p) == 1, "%s: exit %d (signal %d), expected 1; "
		  "stderr: %s", what, tu_exit_code(p), tu_term_signal(p),
		  p->err);
	CHECK_MSG(tu_elapsed_ms(p) < 2000, "%s: took %" PRId64 " ms", what,
		  tu_elapsed_ms(p));
	CHECK_MSG(p->out_len == 0, "%s: printed on stdout: %s", what, p->out);
	CHECK_MSG(tu_err_lines(p) == 1 && !strncmp(p->err, "shmimage: ", 10),
		  "%s: stderr is not one line \"shmimage: ...\": %s", what,
		  p->err);
	CHECK_MSG(strstr(p->err, word), "%s: the reason does not say \"%s\": "
		  "%s", what, word, p->err);
}

/* The bad files case_files hands to put, next to full (a good PNG). */
static void write_bad_files(const char *full)
{
	char path[PATH_LEN];
	uint8_t buf[4096];
	uint32_t x = 12345;
	void *png;
	size_t len;

	CHECK(mkdir(in_dir(path, sizeof(path), "folder.png"), 0755) == 0);
	CHECK(tu_write_file(in_dir(path, sizeof(path), "empty.png"), "", 0) == 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 24);
	}
	CHECK(tu_write_file(in_dir(path, sizeof(path), "random.dat"), buf,
			    sizeof(buf)) == 0);
	png = tu_read_file(full, &len);
	CHECK(png && len > 1000);
	if (png)
		CHECK(tu_write_file(in_dir(path, sizeof(path), "truncated.png"),
				    png, len / 2) == 0);
	free(png);
	CHECK(tu_write_file(in_dir(path, sizeof(path), "text.png"),
			    "This is not a picture.\n", 23) == 0);
	CHECK(write_png_bomb(in_dir(path, sizeof(path), "bomb.png"), 30000,
			     30000) == 0);
	CHECK(write_png_bomb(in_dir(path, sizeof(path), "big.png"), 16000,
			     16000) == 0);
}

/* --max-bytes at its boundary: full (64 x 64, 16384 bytes) is refused
 * at 16383 and published at 16K. */
static void max_bytes_boundary(const char *key, const char *full)
{
	struct tu_proc p;

	{
		const char *args[] = { "put", "--key", key, "--max-bytes",
				       "16383", full, NULL };

		run(&p, args, 5000);
		expect_refusal("64 x 64 over --max-bytes 16383", &p, "limit");
		tu_proc_close(&p);
	}
	{
		const char *opts[] = { "--max-bytes", "16K", NULL };

		CHECK(tu_put_spawn(&p, shmimage, key, full, opts, NULL) == 0);
		CHECK_MSG(tu_put_served(&p, 5000, NULL, 0) == 0,
			  "64 x 64 at --max-bytes 16K was not published: %s",
			  p.err);
		CHECK(tu_stop(&p, SIGTERM, 5000) == 0 && tu_exit_code(&p) == 0);
		tu_proc_close(&p);
	}
}

/* Proves: `put` refuses every kind of bad file quickly and says why in
 * one line (exit 1, exactly one line "shmimage: ..." on stderr, nothing
 * else: a decoder library's own warnings must not leak out of the
 * decoder helper), never publishing it: a missing file ("No such file"),
 * a folder ("folder") and an empty file ("empty"), refused before any
 * decoder runs; random bytes, a PNG cut in half and a text file named
 * .png, which the sandboxed decoder helper cannot read ("SDL_image cannot
 * read it"); a PNG of a few hundred bytes claiming 30000 x 30000 pixels
 * (refused naming "30000", without decoding: peak RSS under 300 MiB) and
 * one claiming 16000 x 16000, within the dimension limit but over the
 * 256 MiB byte limit ("limit"); --max-bytes moves that limit and is exact
 * at its boundary (a 64 x 64 image needs 16384 bytes: refused at 16383,
 * published at 16K). Each bad file leaves the key free for the next. */
static void case_files(void)
{
	SDL_Surface *good = tu_make_image(64, 64, 5);
	char key[80], path[PATH_LEN], full[PATH_LEN];
	struct tu_proc p;

	struct {
		const char *what, *name, *word;
	} cases[] = {
		{ "missing file", "missing.png", "No such file" },
		{ "folder", "folder.png", "folder" },
		{ "empty file", "empty.png", "empty" },
		{ "random bytes", "random.dat", "SDL_image cannot read it" },
		{ "truncated PNG", "truncated.png",
		  "SDL_image cannot read it" },
		{ "text named .png", "text.png", "SDL_image cannot read it" },
		{ "PNG bomb 30000 x 30000", "bomb.png", "30000" },
		{ "PNG of 16000 x 16000", "big.png", "limit" },
	};

	tu_key(key, sizeof(key), "badfiles");
	in_dir(full, sizeof(full), "good.png");
	CHECK(IMG_SavePNG(good, full) == 0);

	write_bad_files(full);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "put", "--key", key, path, NULL };

		in_dir(path, sizeof(path), cases[i].name);
		run(&p, args, 5000);
		expect_refusal(cases[i].what, &p, cases[i].word);
		CHECK_MSG(tu_maxrss_kib(&p) < MAX_RSS_KIB, "%s: put peaked at "
			  "%ld MiB", cases[i].what, tu_maxrss_kib(&p) / 1024);
		printf("%-24s exit %d in %3" PRId64 " ms, peak %5ld KiB: %s",
		       cases[i].what, tu_exit_code(&p), tu_elapsed_ms(&p),
		       tu_maxrss_kib(&p), p.err);
		tu_proc_close(&p);
	}

	max_bytes_boundary(key, full);
	SDL_FreeSurface(good);
}

/* Proves: `shmimage --help` lists every option of every command: each
 * command's usage line names each option it takes (put: --key,
 * --max-bytes, --decode-timeout, --decoder), and every option line of the
 * table starts its description in one column, wrapped lines included. */
static void usage_help(void)
{
	static const char *const opts[] = {
		"--key", "--max-bytes", "--decode-timeout", "--decoder",
		"--count", "--help",
	};
	const char *args[] = { "--help", NULL }, *line, *put, *get;
	struct tu_proc p;
	int col = -1, rows = 0;

	run(&p, args, 5000);
	CHECK_MSG(tu_exit_code(&p) == 0 && p.err_len == 0, "--help: exit %d",
		  tu_exit_code(&p));
	put = strstr(p.out, "shmimage put");
	get = strstr(p.out, "shmimage get");
	CHECK_MSG(put && get, "--help has no put and get lines: %s", p.out);
	for (size_t i = 0; put && get && i < 4; i++) {
		const char *at = strstr(put, opts[i]);

		CHECK_MSG(at && at < get, "put's usage lacks %s", opts[i]);
	}
	for (size_t i = 0; i < SDL_arraysize(opts); i++)
		CHECK_MSG(strstr(p.out, opts[i]), "--help lacks %s", opts[i]);
	/* "  --opt ARG   text", then "      text" lines that wrap it. */
	for (line = p.out; *line; line = strchr(line, '\n') + 1) {
		const char *end = strchr(line, '\n'), *t = line;

		if (!end)
			break;
		if (!strncmp(line, "  --", 4))
			t = strstr(line + 2, "  ");
		else if (rows == 0 || strncmp(line, "      ", 6))
			continue;
		while (t && *t == ' ')
			t++;
		if (col < 0)
			col = (int)(t - line);
		CHECK_MSG(t && (int)(t - line) == col, "column %d, not %d: "
			  "%.*s", t ? (int)(t - line) : -1, col,
			  (int)(end - line), line);
		rows++;
	}
	CHECK_MSG(rows >= 6, "only %d option lines in --help", rows);
	tu_proc_close(&p);
}

/* Proves: a value out of range is refused with the range: --decode-timeout
 * 0 names "1 to 86400", --max-bytes one byte over 16384 x 16384 x 4 names
 * the largest image, and 1G itself (the largest) is accepted (the answer
 * is then "nothing is shared", a runtime one). */
static void usage_ranges(void)
{
	const char *const bad[][6] = {
		{ "put", "--decode-timeout", "0", "x.png", NULL, "1 to 86400" },
		{ "put", "--decode-timeout", "86401", "x.png", NULL,
		  "1 to 86400" },
		{ "info", "--max-bytes", "1073741825", NULL, NULL,
		  "largest image" },
	};
	const char *ok[] = { "info", "--key", "RangesNobody", "--max-bytes",
			     "1G", NULL };
	struct tu_proc p;

	for (size_t i = 0; i < SDL_arraysize(bad); i++) {
		run(&p, bad[i], 5000);
		CHECK_MSG(tu_exit_code(&p) == 2 && strstr(p.err, bad[i][5]),
			  "%s %s: exit %d, stderr: %s", bad[i][1], bad[i][2],
			  tu_exit_code(&p), p.err);
		tu_proc_close(&p);
	}
	run(&p, ok, 5000);
	expect_refusal("--max-bytes 1G", &p, "nothing is shared");
	tu_proc_close(&p);
}

/* Proves: every malformed command line is a usage error (exit 2, the
 * reason on stderr, nothing on stdout), including keys one character
 * outside the rule (65 characters, empty, a space, non-ASCII); and the
 * valid side of each key boundary (64 characters, every allowed kind of
 * character) is not a usage error but a runtime answer (exit 1, "nothing
 * is shared"). */
static void case_usage(void)
{
	char key64[65], key65[66], file[PATH_LEN];
	struct tu_proc p;

	memset(key64, 'k', 64);
	key64[64] = '\0';
	memset(key65, 'k', 65);
	key65[65] = '\0';
	in_dir(file, sizeof(file), "any.png");

	const char *const bad[][8] = {
		{ NULL },
		{ "frob", NULL },
		{ "put", "--key", "a b", file, NULL },
		{ "put", "--key", key65, file, NULL },
		{ "put", "--key", "", file, NULL },
		{ "get", "--key", "cl\xc3\xa9", file, NULL },
		{ "get", "--key", NULL },
		{ "put", NULL },
		{ "get", NULL },
		{ "get", "a.png", "b.png", NULL },
		{ "info", "x.png", NULL },
		{ "put", "--bogus", file, NULL },
		{ "put", "--max-bytes", "0", file, NULL },
		{ "put", "--max-bytes", "lots", file, NULL },
		{ "put", "--max-bytes", NULL },
	};
	const char *const edge[][4] = {
		{ "info", "--key", key64, NULL },
		{ "info", "--key", "AZaz09._-", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[160];

		snprintf(what, sizeof(what), "shmimage %s %s %.10s",
			 bad[i][0] ? bad[i][0] : "",
			 bad[i][0] && bad[i][1] ? bad[i][1] : "",
			 bad[i][0] && bad[i][1] && bad[i][2] ? bad[i][2] : "");
		run(&p, bad[i], 5000);
		CHECK_MSG(tu_exit_code(&p) == 2, "%s: exit %d, expected 2; %s",
			  what, tu_exit_code(&p), p.err);
		CHECK_MSG(p.err_len > 0, "%s: no reason on stderr", what);
		CHECK_MSG(p.out_len == 0, "%s: printed on stdout: %s", what,
			  p.out);
		tu_proc_close(&p);
	}
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		run(&p, edge[i], 5000);
		expect_refusal(edge[i][2], &p, "nothing is shared");
		tu_proc_close(&p);
	}
	usage_help();
	usage_ranges();
}

/* case_output's names, with an image shared under key: img's pixels. */
static void output_names(const char *key, SDL_Surface *img)
{
	char out[PATH_LEN], why[256];
	struct tu_proc p;
	const char *args[] = { "get", "--key", key, out, NULL };

	in_dir(out, sizeof(out), "out.jpg");
	run(&p, args, 5000);
	expect_refusal("get into .jpg", &p, ".png");
	CHECK_MSG(strstr(p.err, ".bmp"), "get into .jpg: %s", p.err);
	CHECK_MSG(!tu_exists(out), "get into .jpg wrote %s", out);
	tu_proc_close(&p);

	in_dir(out, sizeof(out), "no-such-folder/out.png");
	run(&p, args, 5000);
	expect_refusal("get into a missing folder", &p, "out.png");
	CHECK_MSG(strstr(p.err, strerror(ENOENT)),
		  "get into a missing folder: no reason: %s", p.err);
	CHECK(!tu_exists(out));
	tu_proc_close(&p);

	in_dir(out, sizeof(out), "OUT.PNG");
	run(&p, args, 5000);
	CHECK_MSG(tu_exit_code(&p) == 0, "get OUT.PNG: %s", p.err);
	CHECK_MSG(tu_file_has_pixels(out, img, why, sizeof(why)),
		  "OUT.PNG: %s", why);
	tu_proc_close(&p);

	in_dir(out, sizeof(out), "x.Bmp");
	run(&p, args, 5000);
	CHECK_MSG(tu_exit_code(&p) == 0, "get x.Bmp: %s", p.err);
	CHECK_MSG(tu_file_has_pixels(out, img, why, sizeof(why)),
		  "x.Bmp: %s", why);
	tu_proc_close(&p);
}

/* Proves: `get` writes only what it can write correctly. With an image
 * shared: an output name ending in .jpg is refused with exit 1 (decided:
 * the name is judged when saving, after attaching, so it is a runtime
 * refusal like any other failed save; the reason names .png and .bmp),
 * an output in a folder that does not exist is refused with exit 1, and
 * neither leaves a file; the extension is matched in any case (OUT.PNG,
 * x.Bmp work, pixel-exact). With nothing shared, get says so (exit 1). */
static void case_output(void)
{
	SDL_Surface *img = tu_make_image(30, 20, 9);
	char key[80], src[PATH_LEN], out[PATH_LEN];
	struct tu_proc owner, p;

	tu_key(key, sizeof(key), "output");
	in_dir(src, sizeof(src), "output-src.png");
	CHECK(IMG_SavePNG(img, src) == 0);

	{
		const char *args[] = { "get", "--key", key, out, NULL };

		in_dir(out, sizeof(out), "nothing.png");
		run(&p, args, 5000);
		expect_refusal("get with nothing shared", &p,
			       "nothing is shared");
		CHECK(!tu_exists(out));
		tu_proc_close(&p);
	}

	if (tu_put_start(&owner, shmimage, key, src, 10000, NULL, 0) < 0) {
		CHECK_MSG(0, "put did not start or printed no line: %s",
			  owner.err);
		tu_proc_close(&owner);
		SDL_FreeSurface(img);
		return;
	}
	output_names(key, img);
	CHECK(tu_stop(&owner, SIGTERM, 5000) == 0 && tu_exit_code(&owner) == 0);
	tu_proc_close(&owner);
	SDL_FreeSurface(img);
}

static int visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Proves: a truncated file of any format is refused, not shared as a
 * partial picture: the first half of every fixture in tests/data/formats
 * that SDL_image decodes whole makes `put` exit 1 within 2 s with exactly
 * one line "shmimage: ..." naming the file (the contract: "is truncated:
 * the Qt text plus the reason"), whatever the decoder library printed in
 * the helper. */
static void case_truncated(void)
{
	char fixtures[PATH_LEN], path[2 * PATH_LEN], cut[2 * PATH_LEN], key[80];
	struct dirent **list = NULL;
	int n, tried = 0;

	snprintf(fixtures, sizeof(fixtures), "%s/tests/data/formats", srcdir);
	n = scandir(fixtures, &list, visible, alphasort);
	CHECK_MSG(n >= 0, "cannot list %s", fixtures);
	tu_key(key, sizeof(key), "truncated");
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		const char *args[] = { "put", "--key", key, cut, NULL };
		SDL_Surface *whole;
		struct tu_proc p;
		char what[300];
		size_t len;
		void *data;

		snprintf(path, sizeof(path), "%s/%.200s", fixtures, name);
		whole = IMG_Load(path);
		data = whole ? tu_read_file(path, &len) : NULL;
		SDL_FreeSurface(whole);
		if (!data)
			continue;
		snprintf(cut, sizeof(cut), "%s/half-%.200s", dir, name);
		CHECK(tu_write_file(cut, data, len / 2) == 0);
		free(data);
		snprintf(what, sizeof(what), "first half of %s", name);
		run(&p, args, 5000);
		expect_refusal(what, &p, cut);
		tried++;
		tu_proc_close(&p);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	CHECK_MSG(tried >= 10, "only %d fixtures to cut in %s", tried,
		  fixtures);
}

static const struct tu_case cases[] = {
	{ "files", case_files },
	{ "truncated", case_truncated },
	{ "usage", case_usage },
	{ "output", case_output },
};

/* SHMIMAGE and SOURCE_DIR from the command line. */
static void setup(char **argv)
{
	shmimage = argv[1];
	srcdir = argv[2];
}

int main(int argc, char **argv)
{
	static const struct tu_suite suite = {
		.tag = "badfiles", .dir = dir, .dir_size = sizeof(dir),
		.cases = cases, .ncases = sizeof(cases) / sizeof(cases[0]),
		.setup = setup,
	};
	int rc = tu_suite_main(&suite, argc, argv);

	return rc < 0 ? check_done() : rc;
}
