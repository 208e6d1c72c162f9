/* libFuzzer target for the depfile parser.
 *
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 \
 *     -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/depfile_fuzz.c lexer/depfile.c lexer/util.c -o depfile_fuzz
 *   ./depfile_fuzz -max_total_time=60
 *
 * The input is copied to an exact-size buffer with no terminating NUL, so
 * ASan reports any read past the end. Besides memory errors, it checks what
 * the parser promises: the result is 0 with no message or -1 with one, every
 * view is non-empty and lies inside the buffer, and the lists hold no
 * duplicates. */
#include "../../lexer/lexer.h"

#include <stdlib.h>
#include <string.h>

static void check_views(const struct strview *v, size_t n, const char *buf,
			size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].len == 0 || v[i].s < buf || v[i].len > len ||
		    v[i].s + v[i].len > buf + len)
			abort();
		/* Quadratic, but fuzz inputs are small. */
		for (size_t j = 0; j < i; j++)
			if (v[j].len == v[i].len &&
			    memcmp(v[j].s, v[i].s, v[i].len) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf = xmalloc(size);
	if (size)
		memcpy(buf, data, size);

	struct depfile d = {0};
	struct err e = {0};
	int rc = depfile_parse(&d, buf, size, &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || e.msg == NULL))
		abort();
	check_views(d.outs, d.nouts, buf, size);
	check_views(d.ins, d.nins, buf, size);

	depfile_free(&d);
	err_clear(&e);
	free(buf);
	return 0;
}
