#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages longer than ERR_MAX are cut; a cut reason still reads better
 * than none, so truncation is not an error here. */

static void append(struct err *e, const char *s)
{
	size_t used = strlen(e->msg);
	size_t room = sizeof(e->msg) - 1 - used;
	size_t n = strlen(s);

	if (n > room)
		n = room;
	memcpy(e->msg + used, s, n);
	e->msg[used + n] = '\0';
}

void err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void err_errno(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	append(e, ": ");
	append(e, strerror(errnum));
}

void err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MAX];
	va_list ap;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	append(e, ": ");
	append(e, old);
}
