/* test_handover - an image handed from one real process to another.
 *
 *   test_handover SHMIMAGE SOURCE_DIR CASE
 *
 * Every case starts the real `shmimage` (or forks a process that uses the
 * library directly) and judges what crosses between processes, under
 * contract version 2 (sealed segments, no lock). CASE is one of the names
 * in the table at the bottom; each is its own CTest test. What each case
 * proves is written above its function. (An owner killed in the middle
 * of a load is test_faults' kill-owner.)
 */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "common/clock.h"
#include "common/path.h"
#include "image/texture.h"
#include "shm/name.h"
#include "shm/segment.h"
#include "shm/share.h"
#include "testutil.h"

#define NOBODY 65534

#define PATH_LEN 512

static const char *shmimage;
static char dir[256];

/* ---- helpers ---------------------------------------------------------- */

/* dir/name into buf. */
static char *in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* Saves surf as dir/name (PNG). Returns the path in buf. */
static const char *save_png(SDL_Surface *surf, const char *name, char *buf,
			    size_t size)
{
	in_dir(buf, size, name);
	CHECK_MSG(IMG_SavePNG(surf, buf) == 0, "IMG_SavePNG %s: %s", buf,
		  IMG_GetError());
	return buf;
}

/* Starts `shmimage put --key key file` and waits for its one line, which
 * it prints once the image is complete and attachable. */
static bool start_owner(struct tu_proc *p, const char *key, const char *file,
			char *line, size_t size)
{
	if (tu_put_start(p, shmimage, key, file, 10000, line, size) < 0) {
		CHECK_MSG(0, "put %s under %s did not start or printed no line "
			  "(exit %d); stderr: %s", file, key, tu_exit_code(p),
			  p->err);
		return false;
	}
	return true;
}

/* Stops an owner the way a user does (SIGTERM) and checks it detached
 * cleanly: exit 0, nothing on stderr. */
static void stop_owner(struct tu_proc *p)
{
	CHECK_MSG(tu_stop(p, SIGTERM, 5000) == 0, "owner did not stop on "
		  "SIGTERM within 5 s");
	CHECK_MSG(tu_exit_code(p) == 0, "owner exit %d (signal %d); stderr: %s",
		  tu_exit_code(p), tu_term_signal(p), p->err);
	tu_proc_close(p);
}

/* Runs `shmimage <cmd> --key key [out]` to the end. */
static void run_cmd(struct tu_proc *p, const char *cmd, const char *key,
		    const char *out)
{
	char *argv[] = { (char *)shmimage, (char *)cmd, "--key", (char *)key,
			 (char *)out, NULL };

	if (tu_run(p, argv, NULL, 10000) < 0)
		CHECK_MSG(0, "shmimage %s --key %s did not finish within 10 s",
			  cmd, key);
}

/* A PNG decoder in Python's standard library (zlib, struct): every chunk's
 * CRC, IHDR = W x H RGBA 8-bit, all five row filters undone, then the
 * pixels compared with the raw RGBA file. Exit 0 when equal. */
static const char py_png_check[] =
"import sys, struct, zlib\n"
"def check(png, raw, w, h):\n"
"  d = open(png, 'rb').read()\n"
"  if d[:8] != b'\\x89PNG\\r\\n\\x1a\\n': sys.exit(png + ': not a PNG signature')\n"
"  pos, idat, ihdr = 8, [], None\n"
"  while pos < len(d):\n"
"      n, kind = struct.unpack('>I4s', d[pos:pos + 8])\n"
"      data = d[pos + 8:pos + 8 + n]\n"
"      if zlib.crc32(kind + data) != struct.unpack('>I', d[pos + 8 + n:pos + 12 + n])[0]:\n"
"          sys.exit(png + ': bad CRC in %r' % kind)\n"
"      if kind == b'IHDR': ihdr = struct.unpack('>IIBBBBB', data)\n"
"      if kind == b'IDAT': idat.append(data)\n"
"      if kind == b'IEND': break\n"
"      pos += 12 + n\n"
"  if ihdr != (w, h, 8, 6, 0, 0, 0): sys.exit(png + ': IHDR %r' % (ihdr,))\n"
"  z, n = zlib.decompress(b''.join(idat)), w * 4\n"
"  if len(z) != h * (n + 1): sys.exit(png + ': %d bytes of rows, not %d' % (len(z), h * (n + 1)))\n"
"  out, prev = bytearray(), bytearray(n)\n"
"  H = int.from_bytes(b'\\x80' * n, 'little')\n"
"  for y in range(h):\n"
"      f, row = z[y * (n + 1)], bytearray(z[y * (n + 1) + 1:(y + 1) * (n + 1)])\n"
"      if f > 4: sys.exit(png + ': filter %d' % f)\n"
"      if f == 2:  # UP, every byte at once: a bytewise add, carries cut\n"
"          x, u = int.from_bytes(row, 'little'), int.from_bytes(prev, 'little')\n"
"          row = bytearray((((x & ~H) + (u & ~H)) ^ ((x ^ u) & H)).to_bytes(n, 'little'))\n"
"      for i in range(n if f not in (0, 2) else 0):\n"
"          a, b = row[i - 4] if i >= 4 else 0, prev[i]\n"
"          c = prev[i - 4] if i >= 4 else 0\n"
"          p = a + b - c\n"
"          pr = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c\n"
"          row[i] = (row[i] + (a, b, (a + b) // 2, pr)[f - 1]) & 255\n"
"      out += row\n"
"      prev = row\n"
"  want = open(raw, 'rb').read()\n"
"  if out != want:\n"
"      i = next(i for i in range(len(want)) if out[i] != want[i])\n"
"      sys.exit(png + ': pixel %d,%d differs' % (i // 4 % w, i // 4 // w))\n"
"a = sys.argv[1:]\n"
"for k in range(0, len(a), 4):\n"
"    check(a[k], a[k + 1], int(a[k + 2]), int(a[k + 3]))\n";

/* PNGs waiting for the Python check: path, its raw pixels' path, w, h
 * each. One Python process checks them all (its start-up is slow on a
 * busy machine, slower still under the sanitizers). */
#define PY_QUEUE 32
static char py_queue[PY_QUEUE][4][PATH_LEN];
static int py_queued;

/* Checks every queued PNG: each decodes, with Python's own zlib and no
 * image library, to exactly the pixels queued with it. */
static void python_flush(void)
{
	static char python[PATH_LEN];
	static bool looked, found;
	char *argv[4 + 4 * PY_QUEUE + 1] = { python, "-S", "-c",
					     (char *)py_png_check };
	struct tu_proc p;

	if (!py_queued)
		return;
	if (!looked) {
		looked = true;
		found = tu_find_python(python, sizeof(python));
		if (!found)
			printf("note: no python3 on PATH, PNGs checked with "
			       "SDL_image only\n");
	}
	for (int i = 0; i < py_queued; i++)
		for (int k = 0; k < 4; k++)
			argv[4 + 4 * i + k] = py_queue[i][k];
	argv[4 + 4 * py_queued] = NULL;
	if (found) {
		CHECK_MSG(tu_run(&p, argv, NULL, 60000) == 0 &&
			  tu_exit_code(&p) == 0, "Python's zlib decodes "
			  "other pixels than shared: exit %d %s",
			  tu_exit_code(&p), p.err);
		printf("%d PNGs decoded by Python's zlib to the shared "
		       "pixels\n", py_queued);
		tu_proc_close(&p);
	}
	for (int i = 0; i < py_queued; i++)
		unlink(py_queue[i][1]);
	py_queued = 0;
}

/* Queues the PNG at path for the Python check against want's pixels. */
static void expect_python_decodes(const char *path, SDL_Surface *want)
{
	struct tu_buf b = { 0 };
	char (*q)[PATH_LEN];

	if (py_queued == PY_QUEUE)
		python_flush();
	q = py_queue[py_queued];
	for (int y = 0; y < want->h; y++)
		tu_buf_put(&b, (uint8_t *)want->pixels + (size_t)y * want->pitch,
			   (size_t)want->w * 4);
	snprintf(q[0], PATH_LEN, "%s", path);
	snprintf(q[1], PATH_LEN, "%s.raw", path);
	snprintf(q[2], PATH_LEN, "%d", want->w);
	snprintf(q[3], PATH_LEN, "%d", want->h);
	CHECK(tu_write_file(q[1], b.b, b.len) == 0);
	tu_buf_free(&b);
	py_queued++;
}

/* `get` into out must succeed and out must hold exactly want's pixels,
 * read by SDL_image and, for a PNG, by Python's zlib too. With small,
 * `get --small`. */
static void expect_get_as(const char *key, const char *out, SDL_Surface *want,
			  bool small)
{
	char *argv[] = { (char *)shmimage, "get", "--key", (char *)key,
			 small ? "--small" : (char *)out, (char *)out, NULL };
	struct tu_proc p;
	char why[256];

	if (!small)
		argv[5] = NULL;
	CHECK_MSG(tu_run(&p, argv, NULL, 10000) == 0, "get --key %s did not "
		  "finish within 10 s", key);
	CHECK_MSG(tu_exit_code(&p) == 0, "get --key %s exit %d; stderr: %s",
		  key, tu_exit_code(&p), p.err);
	CHECK_MSG(p.err_len == 0, "get wrote to a stderr that is no terminal: "
		  "%s", p.err);
	if (tu_exit_code(&p) == 0) {
		CHECK_MSG(tu_file_has_pixels(out, want, why, sizeof(why)),
			  "%s: %s", out, why);
		if (!strcasecmp(path_extension(out), "png"))
			expect_python_decodes(out, want);
	}
	tu_proc_close(&p);
}

/* `get` into out must succeed and out must hold exactly want's pixels. */
static void expect_get(const char *key, const char *out, SDL_Surface *want)
{
	expect_get_as(key, out, want, false);
}

/* `get` must fail with exit 1 and one line "shmimage: ..." naming words. */
static void expect_get_fails(const char *key, const char *words)
{
	char out[PATH_LEN];
	struct tu_proc p;

	in_dir(out, sizeof(out), "should-not-exist.png");
	run_cmd(&p, "get", key, out);
	CHECK_MSG(tu_exit_code(&p) == 1, "get --key %s exit %d, expected 1",
		  key, tu_exit_code(&p));
	CHECK_MSG(tu_err_lines(&p) == 1 && !strncmp(p.err, "shmimage: ", 10),
		  "stderr is not one line \"shmimage: ...\": %s", p.err);
	CHECK_MSG(strstr(p.err, words), "stderr does not say \"%s\": %s",
		  words, p.err);
	CHECK_MSG(!tu_exists(out), "a failed get left %s behind", out);
	tu_proc_close(&p);
}

/* Fills an abstract address "\0sharedmemory/<uid>/<key>" by hand, as the
 * contract describes it, without the library's help. */
static socklen_t contract_address(struct sockaddr_un *sa, unsigned uid,
				  const char *key)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "sharedmemory/%u/%s", uid, key);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* ---- cases ------------------------------------------------------------ */

/* `info` on key must describe a w x h segment served by the process
 * owner: pitch >= width*4 and a multiple of 4, bytes = pitch x height,
 * "owner pid P (claims pid Q)" with P the owner. */
static void expect_info(const char *key, int w, int h, pid_t owner)
{
	struct tu_proc info;
	char want[64];
	const char *s;
	unsigned long pitch = 0, bytes = 0;
	int pid = 0;

	run_cmd(&info, "info", key, NULL);
	CHECK_MSG(tu_exit_code(&info) == 0, "info exit %d: %s",
		  tu_exit_code(&info), info.err);
	snprintf(want, sizeof(want), "width %d\n", w);
	CHECK_MSG(strstr(info.out, want), "info lacks %s: %s", want,
		  info.out);
	snprintf(want, sizeof(want), "height %d\n", h);
	CHECK_MSG(strstr(info.out, want), "info lacks %s: %s", want,
		  info.out);
	if ((s = strstr(info.out, "pitch ")))
		pitch = strtoul(s + 6, NULL, 10);
	if ((s = strstr(info.out, "bytes ")))
		bytes = strtoul(s + 6, NULL, 10);
	if ((s = strstr(info.out, "owner pid ")))
		pid = atoi(s + 10);
	CHECK_MSG(pitch >= (unsigned long)w * 4 && pitch % 4 == 0,
		  "info pitch %lu for width %d", pitch, w);
	CHECK_MSG(bytes == pitch * (unsigned long)h,
		  "info bytes %lu, pitch x height is %lu", bytes,
		  pitch * (unsigned long)h);
	CHECK_MSG(pid == owner && s && strstr(s, " (claims pid "),
		  "info names owner pid %d, the owner is %d: %s", pid,
		  (int)owner, info.out);
	tu_proc_close(&info);
}

/* `get` of the w x h img under key as PNG; for the odd widths also as
 * BMP and with --small. */
static void expect_gets_of_size(const char *key, SDL_Surface *img)
{
	int w = img->w, h = img->h;
	char out[PATH_LEN], name[64];

	snprintf(name, sizeof(name), "out-%dx%d.png", w, h);
	expect_get(key, in_dir(out, sizeof(out), name), img);
	if (w == 37 || w == 1021) {
		snprintf(name, sizeof(name), "out-%dx%d.bmp", w, h);
		expect_get(key, in_dir(out, sizeof(out), name), img);
		snprintf(name, sizeof(name), "small-%dx%d.png", w, h);
		expect_get_as(key, in_dir(out, sizeof(out), name), img, true);
	}
}

/* One size of case_sizes: put, get, info, stop, and the name gone. */
static void size_round(int w, int h, uint32_t seed)
{
	SDL_Surface *img = tu_make_image(w, h, seed);
	char src[PATH_LEN], name[64], want[64], key[80], line[256];
	struct tu_proc owner;

	tu_key(key, sizeof(key), "sizes");
	snprintf(name, sizeof(name), "src-%dx%d.png", w, h);
	save_png(img, name, src, sizeof(src));
	if (!start_owner(&owner, key, src, line, sizeof(line))) {
		SDL_FreeSurface(img);
		return;
	}
	snprintf(want, sizeof(want), "%d x %d", w, h);
	CHECK_MSG(strstr(line, want), "put line \"%s\" does not say %s",
		  line, want);
	expect_gets_of_size(key, img);
	expect_info(key, w, h, owner.pid);
	stop_owner(&owner);
	expect_get_fails(key, "nothing is shared");
	SDL_FreeSurface(img);
}

/* Proves: for images of 1x1, odd widths (37x23, 1021x3), a width whose
 * rows need no padding (16x16), the extreme shapes 16384x1 and 1x16384
 * and a common 640x480, what `get` writes is exactly what `put` read,
 * pixel for pixel, alpha included, in PNG and in BMP; `info` describes
 * the segment (size, pitch >= width*4 and a multiple of 4, bytes = pitch x
 * height) and names as owner the pid the kernel reports, the `put`
 * process itself, in "owner pid P (claims pid Q)"; the owner stops
 * cleanly on SIGTERM and the name is gone afterwards. */
static void case_sizes(void)
{
	static const struct { int w, h; } sizes[] = {
		{ 1, 1 }, { 37, 23 }, { 1021, 3 }, { 16, 16 },
		{ 16384, 1 }, { 1, 16384 }, { 640, 480 },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		size_round(sizes[i].w, sizes[i].h, (uint32_t)i + 1);
}

/* Writes a segment by hand, following the documented layout (contract
 * version 2) rather than seg_create(), with a pitch and header size of
 * our choosing, sealed as the contract says; every byte that is not a
 * pixel (the rest of the header, row padding) is junk, so a reader that
 * ignores pitch or header_size shows wrong pixels. Returns the memfd, or
 * -1. */
static int handmade_segment(SDL_Surface *img, uint32_t pitch,
			    uint16_t header_size)
{
	uint32_t w = (uint32_t)img->w, h = (uint32_t)img->h;
	size_t size = header_size + (size_t)pitch * h;
	struct seg_header hd;
	uint8_t *map;
	int fd;

	fd = memfd_create("handmade", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		goto fail;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	memset(map, 0xa5, size);
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, "SHMI", 4);
	hd.version = 2;
	hd.header_size = header_size;
	hd.width = w;
	hd.height = h;
	hd.pitch = pitch;
	memcpy(hd.format, "RGBA", 4);
	hd.flags = 0;
	hd.owner_pid = (int32_t)getpid();
	hd.pixel_bytes = (uint64_t)pitch * h;
	memcpy(map, &hd, sizeof(hd));
	for (uint32_t y = 0; y < h; y++)
		memcpy(map + header_size + (size_t)y * pitch,
		       (uint8_t *)img->pixels + (size_t)y * (size_t)img->pitch,
		       (size_t)w * 4);
	munmap(map, size);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				   F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	CHECK_MSG(0, "cannot build a segment by hand: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Proves: a reader honours the header's pitch and header_size rather than
 * assuming the owner's own rounding: a pitch far above width*4 (37 px with
 * 468-byte rows and a 512-byte header), a 128-byte header, the largest
 * pitch a reader accepts (65536 for 1 px) and a pitch of exactly width*4
 * that is no multiple of 64 (1021 px, 4084 bytes) all come out
 * pixel-exact, and `info` reports the pitch the segment really has. The
 * owner here is this test process, serving through
 * name_server_create/name_server_set_fd. */
static void case_pitch(void)
{
	static const struct { int w, h; uint32_t pitch; uint16_t hsize; } c[] = {
		{ 37, 23, 468, 512 },
		{ 16, 8, 100, 128 },
		{ 1, 3, SEG_MAX_PITCH, 64 },
		{ 1021, 3, 1021 * 4, 64 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		SDL_Surface *img = tu_make_image(c[i].w, c[i].h,
						 100 + (uint32_t)i);
		struct name_server *srv;
		struct tu_proc info;
		char key[80], out[PATH_LEN], want[64];
		struct err err;
		int fd;

		tu_key(key, sizeof(key), "pitch");
		fd = handmade_segment(img, c[i].pitch, c[i].hsize);
		srv = name_server_create(key, &err);
		CHECK_MSG(srv, "name_server_create: %s", err.msg);
		if (fd < 0 || !srv) {
			if (fd >= 0)
				close(fd);
			name_server_destroy(srv);
			SDL_FreeSurface(img);
			continue;
		}
		CHECK_MSG(name_server_set_fd(srv, fd, &err) == 0,
			  "name_server_set_fd: %s", err.msg);
		close(fd);	/* the server keeps its own copy */

		snprintf(want, sizeof(want), "pitch-%zu.png", i);
		expect_get(key, in_dir(out, sizeof(out), want), img);
		snprintf(want, sizeof(want), "pitch-%zu.bmp", i);
		expect_get(key, in_dir(out, sizeof(out), want), img);
		run_cmd(&info, "info", key, NULL);
		snprintf(want, sizeof(want), "pitch %" PRIu32 "\n", c[i].pitch);
		CHECK_MSG(tu_exit_code(&info) == 0 && strstr(info.out, want),
			  "info (exit %d) lacks \"%s\": %s%s",
			  tu_exit_code(&info), want, info.out, info.err);
		tu_proc_close(&info);
		name_server_destroy(srv);
		SDL_FreeSurface(img);
	}
}

/* True when a /dev/shm entry names the project (a memfd never should). */
static bool dev_shm_has_ours(void)
{
	char *text;
	bool found = false;
	struct tu_proc ls;
	char *argv[] = { "/bin/ls", "-a", "/dev/shm", NULL };

	if (tu_run(&ls, argv, NULL, 5000) < 0)
		return false;
	text = ls.out;
	found = strstr(text, "sharedmemory") || strstr(text, "SHMI");
	tu_proc_close(&ls);
	return found;
}

/* Proves: an owner killed with SIGKILL leaves nothing behind: the name is
 * gone at once (a reader gets "nothing is shared", not a hang or a stale
 * segment), nothing named after the project appears in /dev/shm, and a new
 * owner can take the key and serve a new image. A reader that attached
 * before the kill still holds the memory and reads the whole old image:
 * the kernel frees a segment only when its last holder lets go. */
static void case_killed(void)
{
	SDL_Surface *a = tu_make_image(120, 80, 11);
	SDL_Surface *b = tu_make_image(33, 77, 12);
	char key[80], src_a[PATH_LEN], src_b[PATH_LEN], out[PATH_LEN];
	struct tu_proc owner;
	SDL_Surface *held_img;
	struct seg held;
	struct err err;
	char why[256];
	int fd;

	tu_key(key, sizeof(key), "killed");
	save_png(a, "killed-a.png", src_a, sizeof(src_a));
	save_png(b, "killed-b.png", src_b, sizeof(src_b));
	if (!start_owner(&owner, key, src_a, NULL, 0))
		goto out;

	fd = share_attach(key, SEG_DEFAULT_MAX_BYTES, &held, NULL, &err);
	CHECK_MSG(fd == 0, "attach: %s", err.msg);

	kill(owner.pid, SIGKILL);
	CHECK(tu_wait(&owner, 5000) == 0);
	CHECK_MSG(tu_term_signal(&owner) == SIGKILL, "owner ended with exit "
		  "%d signal %d", tu_exit_code(&owner), tu_term_signal(&owner));
	tu_proc_close(&owner);

	expect_get_fails(key, "nothing is shared");
	CHECK_MSG(!dev_shm_has_ours(), "something of ours is in /dev/shm");

	if (fd == 0) {
		held_img = img_from_segment(&held, &err);
		CHECK_MSG(held_img, "segment held across the owner's death: %s",
			  err.msg);
		if (held_img)
			CHECK_MSG(tu_same_pixels(held_img, a, why, sizeof(why)),
				  "held segment: %s", why);
		SDL_FreeSurface(held_img);
		seg_finish(&held);
	}

	if (start_owner(&owner, key, src_b, NULL, 0)) {
		expect_get(key, in_dir(out, sizeof(out), "killed-b-out.png"), b);
		stop_owner(&owner);
	}
out:
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
}

/* Proves: a second `put` on a key that is held fails fast (exit 1, one
 * line "shmimage: ...") and names the pid of the holder, and the holder
 * keeps serving its own image undisturbed. */
static void case_keyheld(void)
{
	SDL_Surface *a = tu_make_image(50, 40, 41);
	SDL_Surface *b = tu_make_image(40, 50, 42);
	char key[80], src_a[PATH_LEN], src_b[PATH_LEN], out[PATH_LEN], pid[32];
	struct tu_proc owner, second;

	tu_key(key, sizeof(key), "keyheld");
	save_png(a, "held-a.png", src_a, sizeof(src_a));
	save_png(b, "held-b.png", src_b, sizeof(src_b));
	if (!start_owner(&owner, key, src_a, NULL, 0))
		goto out;
	if (tu_put_spawn(&second, shmimage, key, src_b, NULL, NULL) < 0 ||
	    tu_wait(&second, 5000) < 0)
		CHECK_MSG(0, "a put on a held key was still running after 5 s");
	snprintf(pid, sizeof(pid), "pid %d", (int)owner.pid);
	CHECK_MSG(tu_exit_code(&second) == 1, "put on a held key: exit %d",
		  tu_exit_code(&second));
	CHECK_MSG(tu_err_lines(&second) == 1 &&
		  !strncmp(second.err, "shmimage: ", 10),
		  "stderr is not one line: %s", second.err);
	CHECK_MSG(strstr(second.err, pid), "stderr does not name the "
		  "holder (%s): %s", pid, second.err);
	CHECK_MSG(second.out_len == 0, "put on a held key printed: %s",
		  second.out);
	CHECK_MSG(tu_elapsed_ms(&second) < 2000, "put on a held key took "
		  "%" PRId64 " ms", tu_elapsed_ms(&second));
	tu_proc_close(&second);

	expect_get(key, in_dir(out, sizeof(out), "held-out.png"), a);
	stop_owner(&owner);
out:
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) < 0 ||
	    setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0 || geteuid() != NOBODY) {
		fprintf(stderr, "cannot become uid %d: %s\n", NOBODY,
			strerror(errno));
		return -1;
	}
	return 0;
}

struct stranger {
	const char *key;
	pid_t owner;
	int report;		/* squatter: 'R' once listening */
	SDL_Surface *inherited;	/* the parent's, freed by the child */
};

/* As a stranger: looking key up by name finds nothing, since the library
 * looks under its own euid. */
static void stranger_by_key(const char *key)
{
	struct err err;
	int fd;

	fd = name_attach(key, clock_ms() + 2000, NULL, &err);
	CHECK_MSG(fd < 0, "uid %d attached to root's segment", NOBODY);
	if (fd >= 0)
		close(fd);
	else
		CHECK_MSG(strstr(err.msg, "nothing is shared"), "%s", err.msg);
}

/* On sock, connected to root's owner: the owner must close without
 * sending a byte or an fd (one that came anyway is closed). */
static void expect_closed_without_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	ssize_t n;
	int fd;

	CHECK_MSG(poll(&pfd, 1, 3000) == 1, "the owner neither answered "
		  "nor closed within 3 s");
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	CHECK_MSG(n == 0, "the owner sent %zd bytes to another uid", n);
	CHECK_MSG(msg.msg_controllen == 0, "the owner sent %zu bytes of "
		  "control data (an fd?) to another uid",
		  (size_t)msg.msg_controllen);
	if (msg.msg_controllen) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

		if (c && c->cmsg_type == SCM_RIGHTS) {
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			close(fd);
		}
	}
}

/* As a stranger, at root's exact address, by hand: the peer is root's
 * owner, and it closes on us without sending a single fd. */
static void stranger_by_address(const char *key, pid_t owner)
{
	struct sockaddr_un sa;
	socklen_t len;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int sock;

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = contract_address(&sa, 0, key);
	CHECK_MSG(connect(sock, (struct sockaddr *)&sa, len) == 0,
		  "connect to root's name: %s", strerror(errno));
	CHECK(getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0);
	CHECK_MSG(cred.uid == 0 && cred.pid == owner,
		  "peer is uid %u pid %d, expected root's owner %d",
		  (unsigned)cred.uid, (int)cred.pid, (int)owner);
	expect_closed_without_fd(sock);
	close(sock);
}

/* Child, as uid 65534: looks for root's segment both ways. */
static int stranger_reads(void *arg)
{
	const struct stranger *s = arg;
	int before = check_failures;

	SDL_FreeSurface(s->inherited);
	if (become_nobody() < 0)
		return 77;
	stranger_by_key(s->key);
	stranger_by_address(s->key, s->owner);
	return check_failures > before ? 1 : 0;
}

/* Child, as uid 65534: binds root's name first and hands a perfectly
 * valid image segment to whoever connects. */
static int squat(void *arg)
{
	const struct stranger *s = arg;
	SDL_Surface *img = tu_make_image(4, 4, 51);
	struct sockaddr_un sa;
	socklen_t len;
	struct seg seg;
	struct err err;
	int sock;

	if (become_nobody() < 0)
		return 77;
	if (seg_create(&seg, s->key, 4, 4, &err) < 0) {
		fprintf(stderr, "squatter: %s\n", err.msg);
		return 1;
	}
	for (int y = 0; y < 4; y++)
		memcpy(seg_rows(&seg) + y * seg.info.pitch,
		       (uint8_t *)img->pixels + y * img->pitch, 16);
	if (seg_seal(&seg, &err) < 0) {
		fprintf(stderr, "squatter: %s\n", err.msg);
		return 1;
	}

	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = contract_address(&sa, 0, s->key);
	if (bind(sock, (struct sockaddr *)&sa, len) < 0 || listen(sock, 64) < 0) {
		fprintf(stderr, "squatter: bind: %s\n", strerror(errno));
		return 1;
	}
	if (write(s->report, "R", 1) != 1)
		return 1;
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} control;
		char byte = 'F';
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct cmsghdr *c;
		int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0)
			continue;
		memset(&control, 0, sizeof(control));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &seg.fd, sizeof(int));
		(void)sendmsg(conn, &msg, MSG_NOSIGNAL);
		close(conn);
	}
}

/* (1) of case_otheruid: a stranger child looks for the segment `put`
 * serves under key, while root's own `get` keeps being served. */
static void otheruid_stranger(const char *key, const char *src,
			      SDL_Surface *img)
{
	char out[PATH_LEN];
	struct tu_proc owner;
	struct stranger s;
	int rc;

	if (!start_owner(&owner, key, src, NULL, 0))
		return;
	s.key = key;
	s.owner = owner.pid;
	s.inherited = img;
	rc = tu_fork_run(stranger_reads, &s, 15000);
	if (rc == 77) {
		tu_proc_close(&owner);
		SDL_FreeSurface(img);
		SKIP("cannot switch to uid %d here", NOBODY);
	}
	CHECK_MSG(rc == 0, "stranger child: exit %d", rc);
	expect_get(key, in_dir(out, sizeof(out), "uid-out.png"), img);
	stop_owner(&owner);
}

/* root's `get` of a squatted key: refused, naming the other user, and
 * no file written. */
static void squatted_get(const char *key)
{
	char out[PATH_LEN];
	struct tu_proc p;
	char *argv[6];

	argv[0] = (char *)shmimage;
	argv[1] = "get";
	argv[2] = "--key";
	argv[3] = (char *)key;
	argv[4] = in_dir(out, sizeof(out), "squat-out.png");
	argv[5] = NULL;
	CHECK(tu_run(&p, argv, NULL, 10000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1, "get from a squatter: exit %d "
		  "%s", tu_exit_code(&p), p.err);
	CHECK_MSG(strstr(p.err, "another user") &&
		  strstr(p.err, "65534"), "get from a squatter: %s",
		  p.err);
	CHECK_MSG(!tu_exists(out), "get from a squatter wrote %s", out);
	tu_proc_close(&p);
}

/* root's `put` on a squatted key fails, naming the other user. */
static void squatted_put(const char *key, const char *src)
{
	struct tu_proc p;

	CHECK(tu_put_spawn(&p, shmimage, key, src, NULL, NULL) == 0 &&
	      tu_wait(&p, 10000) == 0);
	CHECK_MSG(tu_exit_code(&p) == 1, "put on a squatted key: exit "
		  "%d", tu_exit_code(&p));
	CHECK_MSG(strstr(p.err, "another user") &&
		  strstr(p.err, "65534"), "put on a squatted key: %s",
		  p.err);
	tu_proc_close(&p);
}

/* name_attach of a squatted key returns no fd and leaks none. */
static void squatted_attach(const char *key)
{
	struct err err;
	int fds, fd;

	fds = tu_fd_count();
	fd = name_attach(key, clock_ms() + 2000, NULL, &err);
	CHECK_MSG(fd < 0, "name_attach took a squatter's segment");
	if (fd >= 0)
		close(fd);
	CHECK_MSG(tu_fd_count() == fds, "name_attach left %d fds "
		  "open", tu_fd_count() - fds);
}

/* (2) of case_otheruid: a stranger child squats root's name key; root's
 * get, put and name_attach on it all refuse. */
static void otheruid_squatter(const char *key, const char *src)
{
	struct stranger s;
	int pipefd[2], rc;
	pid_t squatter;
	bool ready;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		abort();
	s.key = key;
	s.owner = 0;
	s.report = pipefd[1];
	squatter = tu_fork();
	if (squatter == 0) {
		close(pipefd[0]);
		_exit(squat(&s));
	}
	close(pipefd[1]);
	ready = tu_read_byte(pipefd[0], 5000) == 'R';
	close(pipefd[0]);
	CHECK_MSG(ready, "the squatter did not start");
	if (ready) {
		squatted_get(key);
		squatted_put(key, src);
		squatted_attach(key);
	}
	kill(squatter, SIGKILL);
	tu_waitpid(squatter, &rc, 5000);
}

/* Proves, in both directions, that a segment never crosses users:
 * (1) a process of another uid (root's test drops to 65534) looking up the
 * key finds nothing (the name includes the euid), and connecting by hand
 * to root's exact address "sharedmemory/0/<key>" gets the connection closed
 * with no fd, while root's own readers keep being served;
 * (2) when another uid squats root's name and offers a valid segment,
 * root's `get` refuses it ("another user", naming uid 65534) and leaves no
 * file, root's `put` on that key fails naming the other user, and
 * name_attach returns no fd and leaks none.
 * Needs root (to switch uid); skipped with a reason otherwise. */
static void case_otheruid(void)
{
	SDL_Surface *img = tu_make_image(64, 64, 61);
	char key[80], key2[80], src[PATH_LEN];

	if (geteuid() != 0) {
		SDL_FreeSurface(img);
		SKIP("not root: cannot switch to another uid to play a "
		     "stranger (run as root to test cross-user refusal)");
	}
	tu_key(key, sizeof(key), "uid");
	tu_key(key2, sizeof(key2), "squat");
	save_png(img, "uid.png", src, sizeof(src));
	otheruid_stranger(key, src, img);
	otheruid_squatter(key2, src);
	SDL_FreeSurface(img);
}

enum { READERS = 64 };

/* A reader child of case_readers64: waits at the gate, then attaches as
 * `get` does and compares with img. Exit 0 pixel-exact, 1 other pixels,
 * 2 not served, 3 the gate broke. */
static _Noreturn void reader_child(int i, const char *key,
				   SDL_Surface *img, const int gate[2])
{
	SDL_Surface *got;
	struct err err;
	char why[256], c;
	bool same;

	close(gate[1]);
	/* Blocks until the parent closes the write end. */
	if (read(gate[0], &c, 1) != 0)
		_exit(3);
	got = tu_attach_image(key, &err);
	if (!got) {
		fprintf(stderr, "reader %d: %s\n", i, err.msg);
		SDL_FreeSurface(img);
		_exit(2);
	}
	same = tu_same_pixels(got, img, why, sizeof(why));
	if (!same)
		fprintf(stderr, "reader %d: %s\n", i, why);
	/* Freed so a run under valgrind judges the library,
	 * not what this child inherited. */
	SDL_FreeSurface(got);
	SDL_FreeSurface(img);
	_exit(same ? 0 : 1);
}

/* Reaps the readers: *ok counts the pixel-exact, *served those served. */
static void readers_reap(const pid_t *pids, int *ok, int *served)
{
	for (int i = 0; i < READERS; i++) {
		int status = -1;

		if (pids[i] <= 0)
			continue;
		if (tu_waitpid(pids[i], &status, 30000) == 0 &&
		    WIFEXITED(status)) {
			*ok += WEXITSTATUS(status) == 0;
			*served += WEXITSTATUS(status) != 2;
		}
	}
}

/* Proves: 64 readers attaching at the same instant (children held at a
 * gate that opens for all at once, each attaching as `get` does) are all
 * served, none times out, and each gets the image pixel-exact. */
static void case_readers64(void)
{
	SDL_Surface *img = tu_make_image(256, 192, 71);
	char key[80], src[PATH_LEN];
	struct tu_proc owner;
	pid_t pids[READERS];
	int gate[2], ok = 0, served = 0;
	int64_t t;

	tu_key(key, sizeof(key), "readers");
	save_png(img, "readers.png", src, sizeof(src));
	if (!start_owner(&owner, key, src, NULL, 0)) {
		SDL_FreeSurface(img);
		return;
	}
	if (pipe2(gate, O_CLOEXEC) < 0)
		abort();
	for (int i = 0; i < READERS; i++) {
		pids[i] = tu_fork();
		if (pids[i] == 0)
			reader_child(i, key, img, gate);
		CHECK(pids[i] > 0);
	}
	t = clock_ms();
	close(gate[1]);
	close(gate[0]);
	readers_reap(pids, &ok, &served);
	printf("readers64: %d of %d pixel-exact in %" PRId64 " ms\n", ok,
	       READERS, clock_ms() - t);
	CHECK_MSG(served == READERS, "%d of %d readers were not served",
		  READERS - served, READERS);
	CHECK_MSG(ok == READERS, "%d of %d readers did not get the image "
		  "pixel-exact", READERS - ok, READERS);
	stop_owner(&owner);
	SDL_FreeSurface(img);
}

struct usage {
	int fds;
	int maps;
	long rss_kib;
	long heap_kib;
};

/* tu_fds_of: the serving thread may still be closing the last
 * connection when the loop ends. */
static struct usage usage_now(void)
{
	return (struct usage){ tu_fds_of(0), tu_map_count(), tu_rss_kib(),
			       tu_heap_kib() };
}

/* Judges usage after the loop against usage after the warm-up.
 * Tolerances: fds exactly flat; mappings within 4 (the allocator may add
 * an arena for a new thread); RSS within 1 MiB (a leaked image or mapping
 * a cycle shows at once); bytes allocated on the heap within 64 KiB, which
 * a leak of even 40 bytes a cycle over ~2000 cycles exceeds. Under
 * AddressSanitizer (whose quarantine keeps freed memory resident by
 * design) and valgrind (which replaces malloc) the memory rules are left
 * to their own leak checkers; the fd rule always holds. */
static void judge_usage(const char *what, struct usage warm, struct usage end,
			int cycles)
{
	printf("%s: %d cycles: fds %d -> %d, maps %d -> %d, RSS %ld -> %ld "
	       "KiB, heap in use %ld -> %ld KiB\n", what, cycles, warm.fds,
	       end.fds, warm.maps, end.maps, warm.rss_kib, end.rss_kib,
	       warm.heap_kib, end.heap_kib);
	CHECK_MSG(end.fds == warm.fds, "%s: %d fds leaked", what,
		  end.fds - warm.fds);
	if (tu_under_asan()) {
		printf("%s: mapping and RSS rules skipped under "
		       "AddressSanitizer (its leak checker covers them)\n",
		       what);
		return;
	}
	if (tu_under_valgrind()) {
		printf("%s: memory rules skipped under valgrind (its leak "
		       "checker covers them)\n", what);
		return;
	}
	CHECK_MSG(end.maps <= warm.maps + 4, "%s: %d mappings more", what,
		  end.maps - warm.maps);
	CHECK_MSG(end.rss_kib <= warm.rss_kib + 1024, "%s: RSS grew by %ld "
		  "KiB", what, end.rss_kib - warm.rss_kib);
	CHECK_MSG(end.heap_kib <= warm.heap_kib + 64, "%s: the heap grew by "
		  "%ld KiB", what, end.heap_kib - warm.heap_kib);
}

/* Publishes img under share as an owner does: a new segment, the rows
 * written, sealed, then served. Returns 0, or -1 with the reason. */
static int publish(struct share *share, const char *key, SDL_Surface *img,
		   struct err *err)
{
	struct seg seg;

	if (seg_create(&seg, key, (uint32_t)img->w, (uint32_t)img->h, err) < 0)
		return -1;
	for (int y = 0; y < img->h; y++)
		memcpy(seg_rows(&seg) + (size_t)y * seg.info.pitch,
		       (uint8_t *)img->pixels + (size_t)y * (size_t)img->pitch,
		       (size_t)img->w * 4);
	if (seg_seal(&seg, err) < 0)
		return -1;
	if (share_publish(share, &seg, err) < 0) {
		seg_finish(&seg);
		return -1;
	}
	return 0;
}

/* What the steps of case_cycles work on. */
struct cycler {
	const char *key;
	const char *src;	/* img saved as PNG, for the decoder */
	const char *decoder;
	SDL_Surface *img;
	struct share *share;	/* of the republish and decode steps */
};

/* Full cycle i: a share created, img published, attached back and
 * compared, the share destroyed. False after a failed check. */
static bool full_cycle(struct cycler *c, int i)
{
	SDL_Surface *got;
	struct share *share;
	struct err err;
	char why[256];

	share = share_create(c->key, &err);
	if (!share) {
		CHECK_MSG(0, "cycle %d: share_create: %s", i, err.msg);
		return false;
	}
	if (publish(share, c->key, c->img, &err) < 0) {
		CHECK_MSG(0, "cycle %d: publish: %s", i, err.msg);
		share_destroy(share);
		return false;
	}
	got = tu_attach_image(c->key, &err);
	share_destroy(share);
	if (!got) {
		CHECK_MSG(0, "cycle %d: attach: %s", i, err.msg);
		return false;
	}
	if (!tu_same_pixels(got, c->img, why, sizeof(why))) {
		CHECK_MSG(0, "cycle %d: %s", i, why);
		SDL_FreeSurface(got);
		return false;
	}
	SDL_FreeSurface(got);
	return true;
}

/* Republish i: img published again on c->share, replacing the served
 * segment, and attached back. False after a failed check. */
static bool republish_step(struct cycler *c, int i)
{
	SDL_Surface *got;
	struct err err;

	if (publish(c->share, c->key, c->img, &err) < 0) {
		CHECK_MSG(0, "republish %d: %s", i, err.msg);
		return false;
	}
	got = tu_attach_image(c->key, &err);
	if (!got) {
		CHECK_MSG(0, "republish %d: attach: %s", i, err.msg);
		return false;
	}
	SDL_FreeSurface(got);
	return true;
}

/* Decode i: the PNG loaded through the decoder helper as `put` loads it,
 * published on c->share, attached back and compared. False after a
 * failed check. */
static bool decode_step(struct cycler *c, int i)
{
	SDL_Surface *got;
	struct seg seg;
	struct err err;
	char why[256];

	if (tu_decode(c->decoder, c->key, c->src, SEG_DEFAULT_MAX_BYTES, &seg,
		      &err) < 0 ||
	    share_publish(c->share, &seg, &err) < 0) {
		CHECK_MSG(0, "decode %d: %s", i, err.msg);
		seg_finish(&seg);
		return false;
	}
	got = tu_attach_image(c->key, &err);
	if (!got || !tu_same_pixels(got, c->img, why, sizeof(why))) {
		CHECK_MSG(0, "decode %d: %s", i, got ? why : err.msg);
		SDL_FreeSurface(got);
		return false;
	}
	SDL_FreeSurface(got);
	return true;
}

/* Runs step up to n times, stopping at the first that fails; *warm is
 * measured after step warmup - 1 and *end after the last. Returns how
 * many steps passed. */
static int run_steps(bool (*step)(struct cycler *, int), struct cycler *c,
		     int n, int warmup, struct usage *warm, struct usage *end)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!step(c, i))
			break;
		if (i == warmup - 1)
			*warm = usage_now();
	}
	*end = usage_now();
	return i;
}

/* Proves: a full put/get cycle (share_create + a sealed segment published
 * + an attach that copies the image out + share_destroy) repeated 2000
 * times in one process leaves the number of open fds exactly flat and
 * mappings and RSS flat within the tolerances of judge_usage, measured
 * after a 50-cycle warm-up and at the end; then 500 publishes on one
 * share (each replacing the served segment) with an attach after each do
 * the same; then 100 loads of a file through the decoder helper, as
 * `put` does them, published on one share: fds flat and every helper
 * reaped (no child is left). Every attach must return the image
 * pixel-exact. TU_CYCLES overrides 2000 and TU_DECODES 100 (for runs
 * under valgrind). */
static void case_cycles(void)
{
	const char *env = getenv("TU_CYCLES");
	int cycles = env ? atoi(env) : 2000;
	int decodes = getenv("TU_DECODES") ? atoi(getenv("TU_DECODES")) : 100;
	int warmup = cycles / 40 > 0 ? cycles / 40 : 1;
	SDL_Surface *img = tu_make_image(64, 48, 81);
	struct usage warm = { 0 }, end;
	char key[80], src[PATH_LEN], decoder[PATH_LEN];
	struct cycler c = { .key = key, .src = src, .decoder = decoder,
			    .img = img };
	struct err err;
	int64_t t = clock_ms();
	int i;

	if (warmup > 50)
		warmup = 50;
	tu_key(key, sizeof(key), "cycles");
	save_png(img, "cycles.png", src, sizeof(src));
	tu_decoder_path(shmimage, decoder, sizeof(decoder));

	i = run_steps(full_cycle, &c, cycles, warmup, &warm, &end);
	if (i == cycles)
		judge_usage("create/publish/attach/destroy", warm, end, cycles);
	printf("cycles: %d full cycles in %" PRId64 " ms\n", i,
	       clock_ms() - t);

	cycles /= 4;
	t = clock_ms();
	c.share = share_create(key, &err);
	CHECK_MSG(c.share, "share_create: %s", err.msg);
	i = run_steps(republish_step, &c, c.share ? cycles : 0, warmup, &warm,
		      &end);
	if (i == cycles)
		judge_usage("republish on one share", warm, end, cycles);
	printf("cycles: %d republishes in %" PRId64 " ms\n", i,
	       clock_ms() - t);

	/* Through the decoder helper, as `put` loads a file. */
	t = clock_ms();
	i = run_steps(decode_step, &c, c.share ? decodes : 0, 5, &warm, &end);
	printf("cycles: %d decodes through %s in %" PRId64 " ms\n", i,
	       decoder, clock_ms() - t);
	if (i == decodes && decodes > 5) {
		CHECK_MSG(end.fds == warm.fds, "decodes: fds %d -> %d",
			  warm.fds, end.fds);
		CHECK_MSG(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
			  "decodes: a decoder helper was left unreaped");
	}
	share_destroy(c.share);
	SDL_FreeSurface(img);
}

/* Proves: `shmimage put FILE | true` keeps serving: its one line meets a
 * closed pipe (EPIPE, with SIGPIPE ignored), yet the owner stays up, a
 * later `get` returns the image pixel-exact, and SIGTERM still ends it
 * with exit 0. */
static void case_stdoutgone(void)
{
	SDL_Surface *img = tu_make_image(41, 29, 91);
	char key[80], src[PATH_LEN], out[PATH_LEN];
	struct tu_proc owner;
	int64_t deadline;
	int fd = -1;

	tu_key(key, sizeof(key), "stdoutgone");
	save_png(img, "stdoutgone.png", src, sizeof(src));
	if (tu_put_spawn(&owner, shmimage, key, src, NULL, NULL) < 0) {
		CHECK_MSG(0, "cannot start put: %s", strerror(errno));
		SDL_FreeSurface(img);
		return;
	}
	/* `| true`: the reading end goes away before put writes. */
	close(owner.out_fd);
	owner.out_fd = -1;
	/* No line to wait for: wait for the name. */
	deadline = clock_ms() + 10000;
	while (clock_ms() < deadline && kill(owner.pid, 0) == 0) {
		struct err err;

		fd = name_attach(key, clock_ms() + 2000, NULL, &err);
		if (fd >= 0)
			break;
		tu_sleep_ms(10);
	}
	CHECK_MSG(fd >= 0, "put with its stdout gone never served");
	if (fd >= 0)
		close(fd);
	/* Time for the line to meet the closed pipe. */
	tu_sleep_ms(200);
	CHECK_MSG(kill(owner.pid, 0) == 0, "put ended when its stdout went "
		  "away");
	expect_get(key, in_dir(out, sizeof(out), "stdoutgone-out.png"), img);
	stop_owner(&owner);
	SDL_FreeSurface(img);
}

/* Proves: a PNG of many bands (2000 x 1500: twelve bands of about a
 * MiB, more than the workers' slots, so slots are reused) is exactly the
 * shared pixels to SDL_image and to Python's zlib, which checks the
 * joined stream's Adler-32; and a `get` whose file fills up (a link to
 * /dev/full) while the workers deflate fails within 5 s with one line
 * naming the system's reason, and leaves no file behind. */
static void case_export(void)
{
	SDL_Surface *img = tu_make_image(2000, 1500, 77);
	char key[80], src[PATH_LEN], out[PATH_LEN], line[256];
	struct tu_proc owner, get;

	tu_key(key, sizeof(key), "export");
	save_png(img, "export-src.png", src, sizeof(src));
	if (!start_owner(&owner, key, src, line, sizeof(line))) {
		SDL_FreeSurface(img);
		return;
	}
	expect_get(key, in_dir(out, sizeof(out), "export.png"), img);
	in_dir(out, sizeof(out), "full.png");
	CHECK_MSG(symlink("/dev/full", out) == 0, "symlink %s: %s", out,
		  strerror(errno));
	run_cmd(&get, "get", key, out);
	CHECK_MSG(tu_exit_code(&get) == 1 && tu_err_lines(&get) == 1 &&
		  strstr(get.err, strerror(ENOSPC)), "get into a full file: "
		  "exit %d, stderr: %s", tu_exit_code(&get), get.err);
	CHECK_MSG(tu_elapsed_ms(&get) < 5000, "get into a full file took "
		  "%lld ms", (long long)tu_elapsed_ms(&get));
	CHECK_MSG(!tu_exists(out), "a failed get left %s behind", out);
	tu_proc_close(&get);
	unlink(out);
	stop_owner(&owner);
	SDL_FreeSurface(img);
}

static const struct tu_case cases[] = {
	{ "sizes", case_sizes },
	{ "pitch", case_pitch },
	{ "killed", case_killed },
	{ "keyheld", case_keyheld },
	{ "otheruid", case_otheruid },
	{ "readers64", case_readers64 },
	{ "cycles", case_cycles },
	{ "stdoutgone", case_stdoutgone },
	{ "export", case_export },
};

/* SHMIMAGE from the command line; a reader that dies mid-test must not
 * take us with it. */
static void setup(char **argv)
{
	shmimage = argv[1];
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	static const struct tu_suite suite = {
		.tag = "handover", .dir = dir, .dir_size = sizeof(dir),
		.cases = cases, .ncases = sizeof(cases) / sizeof(cases[0]),
		.setup = setup, .finish = python_flush,
	};
	int rc = tu_suite_main(&suite, argc, argv);

	return rc < 0 ? check_done() : rc;
}
