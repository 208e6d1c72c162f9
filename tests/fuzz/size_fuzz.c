/* libFuzzer target for SIZE parsing (`mem = SIZE`, --mem-limit,
 * --mem-floor).
 *
 * FUZZ: base
 *
 * The input is copied to an exact-size buffer with no terminating NUL, so
 * ASan reports any read past the end. Besides memory errors and undefined
 * behaviour, it checks: a size is never negative, and what format_size
 * prints for it (-t mem, %M) parses back to within its rounding. */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = xmalloc(size ? size : 1);
	memcpy(s, data, size);
	int64_t v = -1;
	int rc = parse_size(s, size, &v);
	free(s);
	if (rc != 0) {
		if (rc != -1)
			abort();
		return 0;
	}
	if (v < 0)
		abort();
	if (v > (int64_t)1e18)
		return 0; /* near the limit, rounding up may pass it */
	struct buf b = {0};
	format_size(v, &b);
	int64_t back;
	if (parse_size(b.s, b.len, &back) != 0)
		abort();
	/* one decimal below 100 units: at most 5% off, plus a unit's
	 * rounding */
	double d = (double)back - (double)v;
	if (d < 0)
		d = -d;
	if (d > (double)v * 0.05 + 1)
		abort();
	buf_free(&b);
	return 0;
}
