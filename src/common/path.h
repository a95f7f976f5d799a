/* path.h - what a file name says about its file. */
#ifndef COMMON_PATH_H
#define COMMON_PATH_H

#include <string.h>

/* What follows the last '.' of the last component of path ("" when there
 * is none): SDL_image's type hint, and how an output file picks its
 * format. */
static inline const char *path_extension(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash))
		return "";
	return dot + 1;
}

#endif
