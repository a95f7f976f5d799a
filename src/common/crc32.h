/* crc32.h - the CRC-32 of PNG chunks and zlib streams. */
#ifndef COMMON_CRC32_H
#define COMMON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of len bytes at data, continued from crc (start with 0). */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
