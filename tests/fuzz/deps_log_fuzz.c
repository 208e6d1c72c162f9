/* libFuzzer target for the .ninja_deps loader.
 *
 * FUZZ: base lexer graph log policy -lzstd
 *
 * Each input is written to a file in a scratch directory and loaded into a
 * fresh state. Besides memory errors and leaks, it checks what loading
 * promises: 0, or -1 with a message; every record's nodes are nodes of the
 * state; and the file nj leaves behind (an invalid or torn tail cut off, a
 * bad header removed) loads again without a warning and with the same
 * records, also after nj opened it for appending (unless that recompacted
 * it). */
#include "log/log.h"
#include "tests/fuzz/scratch_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int warnings;
static bool recompact; /* the last load found the log grown stale */
static void count_warn(const char *fmt, ...)
{
	(void)fmt;
	warnings++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	enter_scratch_dir("nj_deps_log_fuzz");
	return 0;
}

/* Load into a fresh state: total records * 2^20 + unique, or -1. */
static long load(bool open_after)
{
	struct state st;
	state_init(&st);
	st.warn = count_warn;
	struct deps_log dl;
	deps_log_init(&dl);
	struct err e = {0};
	int rc = deps_log_load(&dl, &st, "deps", &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || !e.msg || !e.msg[0]))
		abort();
	for (size_t i = 0; rc == 0 && i < st.nnodes; i++) {
		const struct deps_record *d = st.nodes[i]->deps;
		for (int k = 0; d && k < d->n; k++)
			if (state_lookup(&st, d->nodes[k]->path,
					 d->nodes[k]->pathlen) != d->nodes[k])
				abort();
	}
	long n = rc < 0 ? -1
			: (long)(dl.total_records << 20 | dl.unique_records);
	recompact = dl.needs_recompact;
	if (rc == 0 && open_after && deps_log_open(&dl, &st, "deps", &e) < 0)
		abort();
	deps_log_close(&dl);
	err_clear(&e);
	state_free(&st);
	return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	FILE *f = fopen("deps", "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	warnings = 0;
	long first = load(false);
	if (first < 0)
		abort();
	warnings = 0;
	/* Opening recompacts a log that has grown stale, which drops the
	 * records of outputs no manifest names (here: all of them), as
	 * ninja's does; without that nothing may change. */
	bool stale = recompact;
	if (load(true) != first || warnings) /* loads, then opens */
		abort();
	long opened = load(false);
	if ((stale ? opened > first : opened != first) || warnings)
		abort();
	if (load(false) != opened || warnings)
		abort();
	unlink("deps");
	return 0;
}
