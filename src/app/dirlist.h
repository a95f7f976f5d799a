/* dirlist.h - the file system side of the chooser, free of SDL.
 *
 * Reading a folder into the list the chooser shows (folders first, then
 * image files, natural case-insensitive order, dot-files hidden), and the
 * path arithmetic behind its name field: "~", relative paths, "." and "..",
 * the parent folder. Everything here works on plain strings and the file
 * system, so the tests can check it without a window.
 */
#ifndef APP_DIRLIST_H
#define APP_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

struct dirlist_entry {
	char *name;
	off_t size;		/* bytes; 0 for folders */
	bool is_dir;
};

/* All-zero is an empty list. */
struct dirlist {
	struct dirlist_entry *v;
	size_t n;
};

/* Fills dl (which must be empty) with the folders and image files of the
 * absolute folder dir, sorted. Symbolic links count as what they point to;
 * dangling ones, devices, FIFOs and sockets are left out (opening a FIFO
 * named like an image would hang the decoder). Dot-files are left out
 * unless hidden is set. Returns 0, or -1 with the reason in e and dl still
 * empty. */
int dirlist_read(struct dirlist *dl, const char *dir, bool hidden,
		 struct err *e);

/* Frees the entries; dl is empty again. */
void dirlist_finish(struct dirlist *dl);

/* Turns what the user typed into a clean absolute path in out: "~" and
 * "~/x" start at $HOME (falling back to the password database; "~user"
 * is a name like any other), a relative path starts at base (absolute), and
 * ".", ".." and repeated slashes are resolved by the text alone, as a
 * shell's `cd -L` does. Returns 0, or -1 with the reason in e (unknown
 * user, result longer than outsz). */
int dirlist_resolve(const char *base, const char *typed, char *out,
		    size_t outsz, struct err *e);

/* Tab in the name field: completes the last component of typed (a path as
 * dirlist_resolve() takes it, relative to base) from the names in the
 * folder its other components name, as far as those starting with it (any
 * case) agree; a single match that is a folder gets its '/'. Writes the
 * new text to out: typed with that component extended, or typed itself
 * when nothing extends it. Returns the number of names that matched, or
 * -1 when out is too small. */
int dirlist_complete(const char *base, const char *typed, char *out,
		     size_t outsz);


#endif
