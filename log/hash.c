/* The command hash stored in .ninja_log. Its function is part of the log
 * format: versions 5 and 6 use MurmurHash64A with ninja's seed, version 7
 * (ninja 1.13) uses rapidhash (the original "V1" algorithm ninja vendors in
 * src/third_party/rapidhash, default seed and secrets). A wrong bit here
 * makes every edge look dirty to the other tool, so both are pinned by the
 * unit tests against values produced by ninja itself. */
#include "log.h"

#include <string.h>

#define MURMUR_SEED 0xDECAFBADDECAFBADULL /* ninja's */

/* ---- rapidhash (Nicolas De Carli, after wyhash) ---- */

#define RAPID_SEED 0xbdd89aa982704029ULL
static const uint64_t rapid_secret[3] = {
	0x2d358dccaa6c78a5ULL,
	0x8bb84b93962eacc9ULL,
	0x4b33a62ed433d4a3ULL,
};

/* 64x64 -> 128 multiply: *a gets the low half, *b the high half. */
static void rapid_mum(uint64_t *a, uint64_t *b)
{
#if defined(__SIZEOF_INT128__)
	__extension__ unsigned __int128 r = (unsigned __int128)*a * *b;
	*a = (uint64_t)r;
	*b = (uint64_t)(r >> 64);
#else
	uint64_t ha = *a >> 32, hb = *b >> 32;
	uint64_t la = (uint32_t)*a, lb = (uint32_t)*b;
	uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
	uint64_t t = rl + (rm0 << 32), carry = t < rl;
	uint64_t lo = t + (rm1 << 32);
	carry += lo < t;
	*a = lo;
	*b = rh + (rm0 >> 32) + (rm1 >> 32) + carry;
#endif
}

static uint64_t rapid_mix(uint64_t a, uint64_t b)
{
	rapid_mum(&a, &b);
	return a ^ b;
}

/* rapidhash reads little-endian words on every host. */
static uint64_t rd64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t rd32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24;
}

static uint64_t rapidhash(const unsigned char *p, size_t len)
{
	const uint64_t *s = rapid_secret;
	uint64_t seed = RAPID_SEED;
	seed ^= rapid_mix(seed ^ s[0], s[1]) ^ len;
	uint64_t a, b;
	if (len <= 16) {
		if (len >= 4) {
			/* Two (possibly overlapping) pairs of 32-bit words that
			 * together cover every byte. */
			const unsigned char *last = p + len - 4;
			size_t delta = (len & 24) >> (len >> 3);
			a = rd32(p) << 32 | rd32(last);
			b = rd32(p + delta) << 32 | rd32(last - delta);
		} else if (len > 0) {
			a = (uint64_t)p[0] << 56 | (uint64_t)p[len >> 1] << 32 |
			    p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;
		if (i > 48) {
			/* Three lanes over 48-byte blocks. ninja's build unrolls
			 * this to 96 bytes; the result is the same. */
			uint64_t see1 = seed, see2 = seed;
			do {
				seed = rapid_mix(rd64(p) ^ s[0], rd64(p + 8) ^ seed);
				see1 = rapid_mix(rd64(p + 16) ^ s[1],
						 rd64(p + 24) ^ see1);
				see2 = rapid_mix(rd64(p + 32) ^ s[2],
						 rd64(p + 40) ^ see2);
				p += 48;
				i -= 48;
			} while (i >= 48);
			seed ^= see1 ^ see2;
		}
		if (i > 16) {
			seed = rapid_mix(rd64(p) ^ s[2], rd64(p + 8) ^ seed ^ s[1]);
			if (i > 32)
				seed = rapid_mix(rd64(p + 16) ^ s[2],
						 rd64(p + 24) ^ seed);
		}
		/* The last 16 bytes of the input, reaching back into bytes
		 * already consumed when fewer than 16 remain. */
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	a ^= s[1];
	b ^= seed;
	rapid_mum(&a, &b);
	return rapid_mix(a ^ s[0] ^ len, b ^ s[1]);
}

uint64_t command_hash(const char *cmd, size_t len, int log_version)
{
	const unsigned char *p = (const unsigned char *)cmd;
	/* Version 0 (no log yet) hashes as the newest format. */
	if (log_version > 0 && log_version <= 6)
		return murmur64a(p, len, MURMUR_SEED);
	return rapidhash(p, len);
}

int build_log_command_matches(void *ctx, const char *cmd, size_t len,
			      uint64_t logged)
{
	struct build_log *bl = ctx;
	int v = bl->hash_version;
	if (command_hash(cmd, len, v) == logged)
		return 1;
	/* An older ninja appends MurmurHash lines even to a version 7 log it
	 * did not write; a match under the other function is the same
	 * command, not a changed one. From then on nj writes that ninja's
	 * hash too, so it does not rebuild what nj built. */
	int other = v > 0 && v <= 6 ? 7 : 5;
	if (command_hash(cmd, len, other) != logged)
		return 0;
	if (v >= 7)
		bl->old_hash_seen = true;
	return 2;
}

void build_log_attach(struct build_log *bl, struct state *st)
{
	st->log_ops = (struct log_ops){build_log_command_matches, bl};
}
