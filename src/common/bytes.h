/* bytes.h - byte counts as users type and read them.
 *
 * One parser for every `--max-bytes` and one formatter for every message
 * that names a size, so the two programs and the window agree on what
 * "256M" means and how a limit reads.
 */
#ifndef BYTES_H
#define BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Parses "123", "64K", "256m", "1G" (powers of 1024, suffix in either
 * case). Returns 0 with *out set, or -1 for anything else: no digits, a
 * sign, zero, an unknown suffix, or a value that does not fit in 64 bits
 * after scaling (checked, never wrapped). */
int bytes_parse(const char *s, uint64_t *out);

/* Writes "256 MiB", "12 KiB" or "900 bytes" into buf and returns buf.
 * Exact when the unit divides n, else rounded up, so a size over a limit
 * never reads as equal to it. */
const char *bytes_format(uint64_t n, char *buf, size_t len);

/* Writes "1 byte", "900 bytes", "1.5 KiB", "12.0 MiB" into buf: one
 * decimal, rounded to nearest, as a file list shows sizes. */
void bytes_format_short(uint64_t n, char *buf, size_t len);

#endif
