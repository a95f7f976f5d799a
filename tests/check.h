/* check.h - the few assertions the test programs share.
 *
 * CHECK records a failure with its place and goes on, so one run shows
 * every broken rule; check_done() turns the count into the exit status
 * CTest reads. SKIP exits with 77, which CTest reports as skipped (the
 * tests that use it set SKIP_RETURN_CODE 77 and print their reason) -
 * except in CI (CI set and not "false"), which installs everything the
 * tests need: there a skip is a failure.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                        \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			check_failures++;                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
		}                                                          \
	} while (0)

#define CHECK_MSG(cond, ...)                                               \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			check_failures++;                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s: ",       \
				__FILE__, __LINE__, #cond);                \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

#define SKIP(...)                                                          \
	do {                                                               \
		const char *ci_ = getenv("CI");                            \
		int in_ci_ = ci_ && *ci_ && strcmp(ci_, "false") != 0;     \
		printf(in_ci_ ? "SKIP is a failure in CI: " : "SKIP: ");   \
		printf(__VA_ARGS__);                                       \
		putchar('\n');                                             \
		exit(in_ci_ ? 1 : 77);                                     \
	} while (0)

static inline int check_done(void)
{
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
