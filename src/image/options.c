/* options.c - the options the window and shmimage share. */
#include "image/options.h"

#include <errno.h>
#include <stdlib.h>

#include "common/bytes.h"
#include "shm/name.h"

void img_options_init(struct img_options *o)
{
	o->key = NAME_DEFAULT_KEY;
	o->lim.max_bytes = SEG_DEFAULT_MAX_BYTES;
	o->lim.decode_timeout_ms = IMG_DEFAULT_DECODE_TIMEOUT_MS;
	o->decoder = NULL;
}

static int parse_max_bytes(struct img_options *o, const char *val,
			   struct err *err)
{
	char cap[32];
	uint64_t v;

	if (bytes_parse(val, &v) < 0) {
		err_set(err, "invalid --max-bytes '%s': a positive number of "
			"bytes, optionally with K, M or G", val);
		return -1;
	}
	/* No segment can be larger, so a higher limit would only promise
	 * what the format cannot hold. */
	if (v > IMG_MAX_BYTES_CAP) {
		err_set(err, "invalid --max-bytes '%s': at most %s, the "
			"largest image the format allows (%u x %u x 4 "
			"bytes)", val, bytes_format(IMG_MAX_BYTES_CAP, cap,
						     sizeof(cap)),
			SEG_MAX_DIM, SEG_MAX_DIM);
		return -1;
	}
	o->lim.max_bytes = v;
	return 0;
}

static int parse_timeout(struct img_options *o, const char *val,
			 struct err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < IMG_DECODE_TIMEOUT_MIN_S ||
	    v > IMG_DECODE_TIMEOUT_MAX_S) {
		err_set(err, "invalid --decode-timeout '%s': whole seconds "
			"from %d to %d", val, IMG_DECODE_TIMEOUT_MIN_S,
			IMG_DECODE_TIMEOUT_MAX_S);
		return -1;
	}
	o->lim.decode_timeout_ms = (int)v * 1000;
	return 0;
}

int img_option_parse(struct img_options *o, int opt, const char *val,
		     struct err *err)
{
	switch (opt) {
	case IMG_OPT_KEY:
		if (!name_key_valid(val)) {
			err_set(err, "invalid key '%s': use 1 to 64 "
				"characters of A-Z a-z 0-9 . _ -", val);
			return -1;
		}
		o->key = val;
		return 0;
	case IMG_OPT_MAX_BYTES:
		return parse_max_bytes(o, val, err);
	case IMG_OPT_DECODE_TIMEOUT:
		return parse_timeout(o, val, err);
	case IMG_OPT_DECODER:
		if (!*val) {
			err_set(err, "invalid --decoder '': a file name "
				"must not be empty");
			return -1;
		}
		o->decoder = val;
		return 0;
	default:
		err_set(err, "not a shared option: %d", opt);
		return -1;
	}
}
