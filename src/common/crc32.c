/* crc32.c - bitwise CRC-32 (polynomial 0xedb88320): it checks a few
 * header bytes, where a table would cost more than it saves. */
#include "common/crc32.h"

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t c = ~crc;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}
