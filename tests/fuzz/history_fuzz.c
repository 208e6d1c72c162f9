/* libFuzzer target for the .nj_history loader (plain and zstd blocks).
 *
 * FUZZ: base lexer graph log policy -lzstd
 *
 * Each input is written to a file in a scratch directory and loaded. Besides
 * memory errors and leaks, it checks: loading never fails; what it keeps
 * loads again the same; opening it (which rewrites a damaged or grown file
 * as one summary per edge) keeps every edge; and every edge's estimate is a
 * size a job could have. */
#include "log/log.h"
#include "tests/fuzz/scratch_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	enter_scratch_dir("nj_history_fuzz");
	return 0;
}

static void check_estimates(struct history *h)
{
	for (size_t i = 0; i < h->edges.cap; i++) {
		const char *key = h->edges.slots ? h->edges.slots[i].key : NULL;
		if (!key)
			continue;
		int64_t est = history_estimate(h, key);
		if (est < -1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	FILE *f = fopen("hist", "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	struct history h;
	struct err e = {0};
	history_init(&h);
	if (history_load(&h, "hist", &e) != 0 || e.msg)
		abort();
	size_t unique = h.unique;
	bool recompact = h.needs_recompact;
	check_estimates(&h);
	history_close(&h);

	history_init(&h);
	if (history_load(&h, "hist", &e) != 0 || h.unique != unique)
		abort();
	if (history_open(&h, &e) < 0)
		abort();
	history_close(&h);

	history_init(&h);
	if (history_load(&h, "hist", &e) != 0)
		abort();
	/* a rewrite keeps every edge; only a damaged file may lose some */
	if (!recompact && h.unique != unique)
		abort();
	if (h.needs_recompact)
		abort(); /* what open wrote is what nj reads */
	check_estimates(&h);
	history_close(&h);
	unlink("hist");
	return 0;
}
