/* test_bytes - byte counts as both programs parse and print them.
 *
 * Proves: bytes_parse() takes digits with an optional K, M or G in either
 * case (powers of 1024) and refuses everything else - no digits, a sign,
 * spaces, zero, other suffixes, trailing text - and refuses, rather than
 * wraps, a value whose scaled size does not fit in 64 bits (the largest
 * that fits is accepted exactly); bytes_format() is exact when the unit
 * divides and rounds up otherwise, so a size over a limit never prints
 * as equal to it.
 *
 * And the one parser of the options the window and shmimage share
 * (img_option_parse): --max-bytes up to the largest image the format
 * allows (16384 x 16384 x 4 = 1 GiB) and no further, --decode-timeout
 * from 1 to 86400 s with the range in its message, the key rule, and no
 * empty --decoder; a refused value leaves the options as they were.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "common/bytes.h"
#include "image/options.h"
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

/* opt=val is refused, with want in the message, and changes nothing. */
static void option_refused(int opt, const char *val, const char *want)
{
	struct img_options o, before;
	struct err err = { "" };

	img_options_init(&o);
	before = o;
	CHECK_MSG(img_option_parse(&o, opt, val, &err) < 0 &&
		  strstr(err.msg, want) && !memcmp(&o, &before, sizeof(o)),
		  "'%s': %s", val, err.msg);
}

static void test_options(void)
{
	struct img_options o;
	struct err err;

	img_options_init(&o);
	CHECK(img_option_parse(&o, IMG_OPT_MAX_BYTES, "1G", &err) == 0 &&
	      o.lim.max_bytes == 16384ull * 16384 * 4);
	option_refused(IMG_OPT_MAX_BYTES, "1073741825", "largest image");
	option_refused(IMG_OPT_MAX_BYTES, "2G", "1024 MiB");
	option_refused(IMG_OPT_MAX_BYTES, "0", "positive number");
	CHECK(img_option_parse(&o, IMG_OPT_DECODE_TIMEOUT, "86400", &err) ==
	      0 && o.lim.decode_timeout_ms == 86400000);
	CHECK(img_option_parse(&o, IMG_OPT_DECODE_TIMEOUT, "1", &err) == 0 &&
	      o.lim.decode_timeout_ms == 1000);
	option_refused(IMG_OPT_DECODE_TIMEOUT, "0", "1 to 86400");
	option_refused(IMG_OPT_DECODE_TIMEOUT, "86401", "1 to 86400");
	option_refused(IMG_OPT_DECODE_TIMEOUT, "2.5", "whole seconds");
	option_refused(IMG_OPT_DECODE_TIMEOUT, "", "whole seconds");
	option_refused(IMG_OPT_DECODE_TIMEOUT, "99999999999999999999",
		       "1 to 86400");
	CHECK(img_option_parse(&o, IMG_OPT_KEY, "K-2.b_", &err) == 0 &&
	      !strcmp(o.key, "K-2.b_"));
	option_refused(IMG_OPT_KEY, "a b", "1 to 64 characters");
	CHECK(img_option_parse(&o, IMG_OPT_DECODER, "/x/d", &err) == 0 &&
	      !strcmp(o.decoder, "/x/d"));
	option_refused(IMG_OPT_DECODER, "", "empty");
	option_refused('z', "x", "not a shared option");
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
	test_options();
	return check_done();
}
