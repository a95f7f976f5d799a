/* fuzz_dirlist - libFuzzer target for the chooser's typed-path handling.
 *
 * The chooser's name field takes any text the user types; dirlist turns
 * it into a clean absolute path and sorts listings with its own compare.
 * Fed arbitrary bytes, this proves (beyond "no crash" under ASan + UBSan)
 * the promises of dirlist.h:
 *   - dirlist_resolve() either fails or writes a NUL-ended path that fits
 *     in outsz, starts with '/', has no empty, "." or ".." component and
 *     no trailing slash, and resolves to itself again;
 *   - an absolute typed path does not depend on the base;
 *   - ".." from a result gives a clean prefix of it (the Up button);
 *   - dirlist_complete() either fails or writes text that fits in outsz
 *     and starts with the typed text's folder part;
 *   - dirlist_compare() is a total order (antisymmetric, transitive, equal
 *     only for the same entry): qsort() with an inconsistent compare may
 *     misbehave;
 *   - dirlist_is_image_name() and bytes_format_short() take anything.
 *
 * Input: byte 0 picks outsz and the is_dir bits, bytes 1..8 a file size,
 * then the base and the typed text, separated by a NUL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dirlist_inspect.h"
#include "common/bytes.h"

#define BIG 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_dirlist: %s\n  [%s]\n  [%s]\n", what, a, b);
	abort();
}

static void check_clean(const char *path, size_t outsz, const char *typed)
{
	size_t n = strlen(path);

	if (n + 1 > outsz)
		fail("result does not fit in outsz", path, typed);
	if (path[0] != '/')
		fail("result is not absolute", path, typed);
	if (n > 1 && path[n - 1] == '/')
		fail("result ends in a slash", path, typed);
	if (strstr(path, "//") || strstr(path, "/./") ||
	    strstr(path, "/../") || (n >= 2 && !strcmp(path + n - 2, "/.")) ||
	    (n >= 3 && !strcmp(path + n - 3, "/..")))
		fail("result is not clean", path, typed);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void check_order(const struct dirlist_entry *e, int n)
{
	for (int i = 0; i < n; i++) {
		if (dirlist_compare(&e[i], &e[i]) != 0)
			fail("an entry is not equal to itself", e[i].name, "");
		for (int j = 0; j < n; j++) {
			int ij = dirlist_compare(&e[i], &e[j]);

			if (sign(ij) != -sign(dirlist_compare(&e[j], &e[i])))
				fail("compare is not antisymmetric", e[i].name,
				     e[j].name);
			if (ij == 0 && (strcmp(e[i].name, e[j].name) ||
					e[i].is_dir != e[j].is_dir))
				fail("two different entries compare equal",
				     e[i].name, e[j].name);
			for (int k = 0; k < n; k++)
				if (ij <= 0 &&
				    dirlist_compare(&e[j], &e[k]) <= 0 &&
				    dirlist_compare(&e[i], &e[k]) > 0)
					fail("compare is not transitive",
					     e[i].name, e[k].name);
		}
	}
}

/* Resolves text from "/" into base (empty when it fails), then typed from
 * there, and checks what every result must be. */
static void check_resolve(const char *text, const char *typed, size_t outsz,
			  char *base)
{
	static char out[BIG], again[BIG], other[BIG], parent[BIG];
	struct err err;

	base[0] = '\0';
	/* The base is what the chooser keeps: clean and absolute. */
	if (dirlist_resolve("/", text, base, sizeof(base), &err) == 0) {
		check_clean(base, sizeof(base), text);
		if (dirlist_resolve(base, typed, out, outsz, &err) == 0) {
			check_clean(out, outsz, typed);
			if (dirlist_resolve("/", out, again, sizeof(again),
					    &err) != 0 || strcmp(out, again))
				fail("resolving the result changes it", out,
				     again);
			if (typed[0] == '/' &&
			    (dirlist_resolve("/elsewhere/x", typed, other,
					     outsz, &err) != 0 ||
			     strcmp(out, other)))
				fail("an absolute path depends on the base",
				     out, other);
			if (dirlist_resolve(out, "..", parent, sizeof(parent),
					    &err) != 0)
				fail("no parent", out, "");
			check_clean(parent, sizeof(parent), out);
			if (strncmp(out, parent, strlen(parent)))
				fail("the parent is not a prefix", out, parent);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char base[BIG], out[BIG];
	char *text, *typed;
	struct dirlist_entry e[3];
	size_t outsz;
	int64_t bytes;
	uint8_t sel;

	if (size < 9)
		return 0;
	sel = data[0];
	memcpy(&bytes, data + 1, sizeof(bytes));
	text = malloc(size - 9 + 2);
	if (!text)
		return 0;
	memcpy(text, data + 9, size - 9);
	text[size - 9] = '\0';
	text[size - 9 + 1] = '\0';
	typed = text + strlen(text) + 1;	/* "" when there is no NUL */
	outsz = sel & 0x80 ? BIG : (size_t)(sel & 0x3f);

	bytes_format_short(bytes, out, sizeof(out));
	(void)dirlist_is_image_name(typed);

	check_resolve(text, typed, outsz, base);

	/* Completion against a folder that cannot exist: the string work
	 * without the file system's say. */
	if (typed[0] != '/' && typed[0] != '~' &&
	    dirlist_complete("/nonexistent-fuzz", typed, out, outsz) == 0 &&
	    strcmp(out, typed))
		fail("completion with no match changed the text", out, typed);

	e[0] = (struct dirlist_entry){ .name = text, .is_dir = sel & 1 };
	e[1] = (struct dirlist_entry){ .name = typed, .is_dir = sel & 2 };
	e[2] = (struct dirlist_entry){ .name = base, .is_dir = sel & 4 };
	if (!base[0])
		e[2].name = "";
	check_order(e, 3);
	free(text);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* "~" resolves the same on every machine. */
	setenv("HOME", "/home/fuzz", 1);
	return 0;
}
