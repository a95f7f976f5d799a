/* test_bytes - byte counts as both programs parse and print them.
 *
 * Proves: bytes_parse() takes digits with an optional K, M or G in either
 * case (powers of 1024) and refuses everything else - no digits, a sign,
 * spaces, zero, other suffixes, trailing text - and refuses, rather than
 * wraps, a value whose scaled size does not fit in 64 bits (the largest
 * that fits is accepted exactly); bytes_format() is exact when the unit
 * divides and rounds up otherwise, so a size over a limit never prints
 * as equal to it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "common/bytes.h"
#include "check.h"

static void parses(const char *s, uint64_t want)
{
	uint64_t got = 0;

	CHECK_MSG(bytes_parse(s, &got) == 0 && got == want,
		  "\"%s\": got %" PRIu64 ", want %" PRIu64, s, got, want);
}

static void refuses(const char *s)
{
	uint64_t got = 12345;

	CHECK_MSG(bytes_parse(s, &got) < 0 && got == 12345,
		  "\"%s\" was taken as %" PRIu64, s, got);
}

static void formats(uint64_t n, const char *want)
{
	char buf[32];

	bytes_format(n, buf, sizeof(buf));
	CHECK_MSG(strcmp(buf, want) == 0, "%" PRIu64 ": \"%s\", want \"%s\"",
		  n, buf, want);
}

int main(void)
{
	parses("1", 1);
	parses("123", 123);
	parses("64K", 64u << 10);
	parses("64k", 64u << 10);
	parses("256M", 256u << 20);
	parses("256m", 256u << 20);
	parses("1G", 1ull << 30);
	parses("1g", 1ull << 30);
	parses("18446744073709551615", UINT64_MAX);
	/* UINT64_MAX >> 30: the largest count of GiB that fits. */
	parses("17179869183G", 17179869183ull << 30);

	refuses("");
	refuses("K");
	refuses("0");
	refuses("0K");
	refuses("-1");
	refuses("+1");
	refuses(" 1");
	refuses("1 ");
	refuses("1T");
	refuses("1KB");
	refuses("1.5M");
	refuses("0x10");
	refuses("18446744073709551616");
	/* Used to wrap to 1 GiB when the shift was not checked. */
	refuses("17179869185G");
	refuses("17179869184G");
	refuses("17592186044416M");
	refuses("18014398509481984K");

	formats(0, "0 bytes");
	formats(900, "900 bytes");
	formats(1023, "1023 bytes");
	formats(1024, "1 KiB");
	formats(1025, "2 KiB");
	formats(256ull << 20, "256 MiB");
	formats((256ull << 20) + 1, "257 MiB");
	formats(UINT64_MAX, "17592186044416 MiB");
	return check_done();
}
