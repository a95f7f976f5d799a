/* dirlist.c - folder listing and path arithmetic for the chooser. */
#include "app/dirlist.h"
#include "app/dirlist_inspect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What SDL_image 2.6 on this system decodes (it finds the format from the
 * content, except for TGA, so these only decide what the list shows).
 * AVIF and JPEG XL are left out: Debian builds SDL_image without them.
 * SVG is left out too: its pixel size cannot be checked against the size
 * limit before rendering, so the loader refuses it. */
static const char *const image_exts[] = {
	"png", "jpg", "jpeg", "jpe", "jfif", "bmp", "dib", "gif", "tga",
	"tif", "tiff", "webp", "xpm", "pnm", "ppm", "pgm", "pbm", "qoi",
	"pcx", "lbm", "iff", "xcf", "xv", "ico", "cur",
};

/* ASCII only, and independent of the locale: file names are bytes. */
static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

bool dirlist_is_image_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i, j;

	/* ".png" alone is a hidden file with no extension. */
	if (!dot || dot == name || !dot[1])
		return false;
	dot++;
	for (i = 0; i < ARRAY_LEN(image_exts); i++) {
		const char *ext = image_exts[i];

		for (j = 0; ext[j] && lower((unsigned char)dot[j]) == ext[j];
		     j++)
			;
		if (!ext[j] && !dot[j])
			return true;
	}
	return false;
}

static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (is_digit(*a) && is_digit(*b)) {
			size_t la = 0, lb = 0;
			int c;

			/* Compare runs of digits by value: skip the
			 * leading zeros, then the longer run is larger,
			 * then equal lengths compare digit by digit. */
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			while (is_digit(a[la]))
				la++;
			while (is_digit(b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return lower((unsigned char)*a) -
			       lower((unsigned char)*b);
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int dirlist_compare(const struct dirlist_entry *a,
		    const struct dirlist_entry *b)
{
	int c;

	if (a->is_dir != b->is_dir)
		return a->is_dir ? -1 : 1;
	c = natural_cmp(a->name, b->name);
	return c ? c : strcmp(a->name, b->name);
}

static int compare_qsort(const void *a, const void *b)
{
	return dirlist_compare(a, b);
}

void dirlist_finish(struct dirlist *dl)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		free(dl->v[i].name);
	free(dl->v);
	dl->v = NULL;
	dl->n = 0;
}

/* Decides whether the entry belongs in the list; fills is_dir and size.
 * A link counts as what it points to; one that dangles, or an entry gone
 * since readdir, is left out, and so are FIFOs and devices. */
static bool classify(int dfd, const struct dirent *de, bool *is_dir,
		     off_t *size)
{
	struct stat st;

	/* Most files of a folder are not images: spare them the stat. */
	if (de->d_type == DT_REG && !dirlist_is_image_name(de->d_name))
		return false;
	if (fstatat(dfd, de->d_name, &st, 0) < 0)
		return false;
	*is_dir = S_ISDIR(st.st_mode);
	*size = *is_dir ? 0 : st.st_size;
	return *is_dir || (S_ISREG(st.st_mode) &&
			   dirlist_is_image_name(de->d_name));
}

/* Adds an entry at the end of dl, which has room for *cap. Returns 0,
 * or -1 when out of memory (dl unchanged). */
static int append(struct dirlist *dl, size_t *cap, const char *name,
		  bool is_dir, off_t size)
{
	struct dirlist_entry *nv;
	char *copy;

	if (dl->n == *cap) {
		nv = realloc(dl->v, (*cap ? *cap * 2 : 64) * sizeof(*nv));
		if (!nv)
			return -1;
		dl->v = nv;
		*cap = *cap ? *cap * 2 : 64;
	}
	copy = strdup(name);
	if (!copy)
		return -1;
	dl->v[dl->n++] = (struct dirlist_entry){ copy, size, is_dir };
	return 0;
}

int dirlist_read(struct dirlist *dl, const char *dir, bool hidden,
		 struct err *e)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d = NULL;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_errno(e, errno, "Cannot open folder %s", dir);
		return -1;
	}
	d = fdopendir(fd);
	if (!d) {
		err_errno(e, errno, "Cannot read folder %s", dir);
		close(fd);
		return -1;
	}
	/* readdir() says NULL at the end and on error; errno tells. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		bool is_dir;
		off_t size;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (de->d_name[0] == '.' && !hidden) ||
		    !classify(dirfd(d), de, &is_dir, &size))
			continue;
		if (append(dl, &cap, de->d_name, is_dir, size) < 0) {
			err_set(e, "Cannot read folder %s: out of memory", dir);
			goto err;
		}
	}
	if (errno) {
		err_errno(e, errno, "Cannot read folder %s", dir);
		goto err;
	}
	closedir(d);
	if (dl->n)
		qsort(dl->v, dl->n, sizeof(*dl->v), compare_qsort);
	return 0;
err:
	dirlist_finish(dl);
	closedir(d);
	return -1;
}

/* Adds one component to the clean absolute path out[0..*len): "." and ""
 * change nothing, ".." drops the last component (never above "/"). */
static int push(char *out, size_t outsz, size_t *len, const char *comp,
		size_t n)
{
	if (n == 0 || (n == 1 && comp[0] == '.'))
		return 0;
	if (n == 2 && comp[0] == '.' && comp[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--;	/* the slash before it */
		out[*len] = '\0';
		return 0;
	}
	if (*len + (*len > 1) + n + 1 > outsz)
		return -1;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, comp, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int push_path(char *out, size_t outsz, size_t *len, const char *p)
{
	while (*p) {
		size_t n = strcspn(p, "/");

		if (push(out, outsz, len, p, n) < 0)
			return -1;
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* The home folder for "~"; NULL if unknown. buf holds the password
 * entry's strings. */
static const char *home_of(char *buf, size_t bufsz)
{
	struct passwd pw, *res = NULL;
	const char *home = getenv("HOME");

	if (home && *home)
		return home;
	if (getpwuid_r(getuid(), &pw, buf, bufsz, &res) || !res)
		return NULL;
	return res->pw_dir;
}

int dirlist_resolve(const char *base, const char *typed, char *out,
		    size_t outsz, struct err *e)
{
	char pwbuf[4096];
	const char *start = base, *rest = typed, *home;
	size_t len;

	if (outsz < 2) {
		err_set(e, "Path too long");
		return -1;
	}
	/* "~name" is a file of that name: other users' homes are not
	 * what a chooser of images needs. */
	if (typed[0] == '~' && (typed[1] == '/' || !typed[1]) &&
	    (home = home_of(pwbuf, sizeof(pwbuf))) != NULL) {
		start = home;
		rest = typed + 1;
	} else if (typed[0] == '/') {
		start = "/";
	}

	out[0] = '/';
	out[1] = '\0';
	len = 1;
	if (push_path(out, outsz, &len, start) < 0 ||
	    push_path(out, outsz, &len, rest) < 0) {
		err_set(e, "Path too long: %s", typed);
		return -1;
	}
	return 0;
}

/* The names of dl that start with stem (any case): how many, the first,
 * and in *common how many bytes of the first they all share. */
static int matching(const struct dirlist *dl, const char *stem,
		    const struct dirlist_entry **first, size_t *common)
{
	size_t slen = strlen(stem), i, k;
	int n = 0;

	for (i = 0; i < dl->n; i++) {
		const char *nm = dl->v[i].name;

		for (k = 0; k < slen && lower((unsigned char)nm[k]) ==
		     lower((unsigned char)stem[k]); k++)
			;
		if (k < slen)
			continue;
		if (!n++) {
			*first = &dl->v[i];
			*common = strlen(nm);
			continue;
		}
		for (k = 0; k < *common && lower((unsigned char)nm[k]) ==
		     lower((unsigned char)(*first)->name[k]); k++)
			;
		*common = k;
	}
	/* Never stop inside a UTF-8 character. */
	while (n && *common > slen &&
	       ((unsigned char)(*first)->name[*common] & 0xc0) == 0x80)
		(*common)--;
	return n;
}

int dirlist_complete(const char *base, const char *typed, char *out,
		     size_t outsz)
{
	const char *slash = strrchr(typed, '/');
	const char *stem = slash ? slash + 1 : typed;
	int dlen = (int)(stem - typed), n = 0, w;
	const struct dirlist_entry *first = NULL;
	char part[PATH_MAX], dir[PATH_MAX];
	struct dirlist dl = { 0 };
	size_t common = 0;
	struct err e;

	/* The folder as typed, "~/" and "../" included; "" is base. A
	 * stem starting with '.' asks for the dot-files. */
	snprintf(part, sizeof(part), "%.*s", dlen, typed);
	if (dirlist_resolve(base, part, dir, sizeof(dir), &e) == 0 &&
	    dirlist_read(&dl, dir, stem[0] == '.', &e) == 0)
		n = matching(&dl, stem, &first, &common);
	if (n == 0 || (n > 1 && common <= strlen(stem)))
		w = snprintf(out, outsz, "%s", typed);
	else
		w = snprintf(out, outsz, "%.*s%.*s%s", dlen, typed,
			     (int)common, first->name,
			     n == 1 && first->is_dir ? "/" : "");
	dirlist_finish(&dl);
	return w < 0 || (size_t)w >= outsz ? -1 : n;
}

