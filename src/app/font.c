/* font.c - fontconfig lookup of the window's font. */
#include "app/font.h"

#include <errno.h>
#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int font_check_file(const char *path, struct err *err)
{
	struct stat st;
	int fd;

	/* Opened, not just stat()ed: SDL_ttf would fail later with a
	 * vaguer message, after the window is already on screen. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_errno(err, errno, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_errno(err, errno, "%s", path);
		close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s: not a regular file", path);
		return -1;
	}
	return 0;
}

int font_find(const char *family, char *out, size_t outsz, struct err *err)
{
	FcConfig *config = NULL;
	FcPattern *pat = NULL;
	FcPattern *match = NULL;
	FcChar8 *file = NULL;
	FcResult res;
	int ret = -1;

	config = FcInitLoadConfigAndFonts();
	if (!config) {
		err_set(err, "fontconfig could not load its configuration");
		goto out;
	}
	pat = FcNameParse((const FcChar8 *)family);
	if (!pat) {
		err_set(err, "fontconfig cannot parse \"%s\"", family);
		goto out;
	}
	/* TrueType/OpenType outlines only: SDL_ttf cannot scale bitmap
	 * fonts, and the window needs any size for HiDPI. */
	FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
	if (!FcConfigSubstitute(config, pat, FcMatchPattern)) {
		err_set(err, "fontconfig: out of memory");
		goto out;
	}
	FcDefaultSubstitute(pat);
	match = FcFontMatch(config, pat, &res);
	if (!match || res != FcResultMatch) {
		err_set(err, "fontconfig knows no font (is a font package "
			"such as fonts-dejavu-core installed?)");
		goto out;
	}
	if (FcPatternGetString(match, FC_FILE, 0, &file) != FcResultMatch ||
	    !file) {
		err_set(err, "fontconfig's match has no file");
		goto out;
	}
	if (strlen((const char *)file) >= outsz) {
		err_set(err, "font path too long: %s", (const char *)file);
		goto out;
	}
	if (font_check_file((const char *)file, err) < 0)
		goto out;
	strcpy(out, (const char *)file);
	ret = 0;
out:
	if (match)
		FcPatternDestroy(match);
	if (pat)
		FcPatternDestroy(pat);
	if (config)
		FcConfigDestroy(config);
	return ret;
}

/* Loaded once: a configuration costs far more than a lookup, and the
 * lookups come while a frame is drawn. */
static FcConfig *fallback_config;

void font_fallback_finish(void)
{
	if (fallback_config)
		FcConfigDestroy(fallback_config);
	fallback_config = NULL;
}

/* The file of the first font of set that has cp, into out. */
static int first_with(FcFontSet *set, uint32_t cp, char *out, size_t outsz)
{
	FcCharSet *cs;
	FcChar8 *file;
	int i;

	for (i = 0; set && i < set->nfont; i++) {
		if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs) !=
		    FcResultMatch || !FcCharSetHasChar(cs, cp) ||
		    FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) !=
		    FcResultMatch || strlen((const char *)file) >= outsz)
			continue;
		strcpy(out, (const char *)file);
		return 0;
	}
	return -1;
}

int font_fallback_find(uint32_t cp, char *out, size_t outsz)
{
	FcPattern *pat = NULL;
	FcCharSet *cs = NULL;
	FcFontSet *set = NULL;
	FcResult res;
	int ret = -1;

	if (!fallback_config)
		fallback_config = FcInitLoadConfigAndFonts();
	if (!fallback_config)
		return -1;
	pat = FcNameParse((const FcChar8 *)FONT_DEFAULT_FAMILY);
	cs = FcCharSetCreate();
	if (!pat || !cs || !FcCharSetAddChar(cs, cp) ||
	    !FcPatternAddCharSet(pat, FC_CHARSET, cs) ||
	    !FcPatternAddBool(pat, FC_SCALABLE, FcTrue) ||
	    !FcConfigSubstitute(fallback_config, pat, FcMatchPattern))
		goto out;
	FcDefaultSubstitute(pat);
	/* Sorted by how well each font matches, the charset included; the
	 * first that really has cp wins. */
	set = FcFontSort(fallback_config, pat, FcFalse, NULL, &res);
	ret = first_with(set, cp, out, outsz);
out:
	if (set)
		FcFontSetDestroy(set);
	if (cs)
		FcCharSetDestroy(cs);
	if (pat)
		FcPatternDestroy(pat);
	return ret;
}
