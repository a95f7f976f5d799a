/* options.h - the command-line options the window and shmimage share.
 *
 * --key, --max-bytes, --decode-timeout and --decoder mean the same in
 * both programs, so one parser checks them, with one range and one
 * message each. The callers keep their own getopt tables and hand each of
 * these options here by its code.
 */
#ifndef IMAGE_OPTIONS_H
#define IMAGE_OPTIONS_H

#include <stdint.h>

#include "common/err.h"
#include "image/decoder.h"
#include "shm/segment.h"

/* The getopt_long codes of the shared options. */
enum img_option {
	IMG_OPT_KEY = 'k',
	IMG_OPT_MAX_BYTES = 'b',
	IMG_OPT_DECODE_TIMEOUT = 't',
	IMG_OPT_DECODER = 'd',
};

/* The largest --max-bytes: the biggest image the segment format allows. */
#define IMG_MAX_BYTES_CAP ((uint64_t)SEG_MAX_DIM * SEG_MAX_DIM * 4u)

/* The accepted --decode-timeout, in whole seconds. */
#define IMG_DECODE_TIMEOUT_MIN_S 1
#define IMG_DECODE_TIMEOUT_MAX_S 86400

struct img_options {
	const char *key;	/* points into argv */
	struct img_limits lim;
	const char *decoder;	/* NULL: the helper next to the program */
};

/* The defaults: the Qt example's key, SEG_DEFAULT_MAX_BYTES,
 * IMG_DEFAULT_DECODE_TIMEOUT_MS, the helper next to the program. */
void img_options_init(struct img_options *o);

/* Checks val, the value of the option whose code is opt, and stores it in
 * o. Returns 0, or -1 with one line in err naming the option, the value
 * and what is accepted (a code that is not an img_option is refused too). */
int img_option_parse(struct img_options *o, int opt, const char *val,
		     struct err *err);

#endif
