/* err.h - carry the reason for a failure up to whoever shows it.
 *
 * Every fallible function in this project takes a `struct err *` and, when it
 * fails, leaves one human-readable line there ("key in use by pid 4242").
 * Callers prefix their own context with err_prefix(), so the user sees the
 * whole chain: "Unable to create shared memory segment: memfd_create: ...".
 */
#ifndef SHM_ERR_H
#define SHM_ERR_H

#include <stddef.h>

#define ERR_MAX 512

struct err {
	char msg[ERR_MAX];
};

/* Replaces the message. */
void err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Replaces the message with "<fmt>: strerror(errnum)". */
void err_errno(struct err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts "<fmt>: " in front of the current message. */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
