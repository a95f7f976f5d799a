#include "common/bytes.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int bytes_parse(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	/* strtoull accepts "-1" and " 1"; a byte count is digits only. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *bytes_format(uint64_t n, char *buf, size_t len)
{
	if (n >= (1u << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", (n >> 20) +
			 ((n & ((1u << 20) - 1)) != 0));
	else if (n >= 1024)
		snprintf(buf, len, "%" PRIu64 " KiB", (n >> 10) +
			 ((n & 1023) != 0));
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
	return buf;
}

void bytes_format_short(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n / 1024.0;
	size_t u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " %s", n,
			 n == 1 ? "byte" : "bytes");
		return;
	}
	/* 1023.95 KiB would print as "1024.0 KiB": the next unit then. */
	while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(*units)) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}
