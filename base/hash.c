/* MurmurHash64A: the hash map's hash, and .ninja_log's command hash in
 * versions 5 and 6 (with ninja's seed). */
#include "base.h"

#include <string.h>

#define MURMUR_M 0xc6a4a7935bd1e995ULL
#define MURMUR_R 47

uint64_t murmur64a(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * MURMUR_M);
	while (len >= 8) {
		/* Native byte order, as ninja reads it (memcpy of 8 bytes). */
		uint64_t k;
		memcpy(&k, p, sizeof k);
		k *= MURMUR_M;
		k ^= k >> MURMUR_R;
		k *= MURMUR_M;
		h ^= k;
		h *= MURMUR_M;
		p += 8;
		len -= 8;
	}
	if (len) {
		/* The 1-7 trailing bytes, first byte lowest. */
		for (size_t i = len; i-- > 0;)
			h ^= (uint64_t)p[i] << (8 * i);
		h *= MURMUR_M;
	}
	h ^= h >> MURMUR_R;
	h *= MURMUR_M;
	h ^= h >> MURMUR_R;
	return h;
}
