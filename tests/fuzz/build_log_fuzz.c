/* libFuzzer target for the .ninja_log loader (tests/run.py builds it with
 * the components named on the FUZZ line below).
 *
 * FUZZ: base lexer graph log policy -lzstd
 *
 * Each input is written to a file in a scratch directory and loaded into a
 * fresh state. Besides memory errors and leaks, it checks what loading
 * promises: 0, or -1 with a message; and the file nj leaves behind (a torn
 * tail cut off, an unusable log removed) loads again without a warning and
 * with the same entries, also after nj opened it for appending (unless
 * that recompacted it). */
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
	enter_scratch_dir("nj_build_log_fuzz");
	return 0;
}

/* Load the log into a fresh state: the unique entries, or -1. */
static long load(bool open_after)
{
	struct state st;
	state_init(&st);
	st.warn = count_warn;
	struct build_log bl;
	build_log_init(&bl);
	struct err e = {0};
	int rc = build_log_load(&bl, &st, "log", &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || !e.msg || !e.msg[0]))
		abort();
	long n = rc < 0 ? -1 : (long)bl.unique_entries;
	recompact = bl.needs_recompact;
	if (rc == 0 && open_after && build_log_open(&bl, &st, "log", &e) < 0)
		abort();
	build_log_close(&bl);
	err_clear(&e);
	state_free(&st);
	return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	FILE *f = fopen("log", "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	warnings = 0;
	long first = load(false);
	if (first < 0)
		abort(); /* a regular file always loads */
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
	unlink("log");
	return 0;
}
