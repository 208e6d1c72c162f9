/* The fuzz targets that write their input to a file work in a fresh
 * directory under $TMPDIR (else /tmp). tests/run.py points TMPDIR at a
 * directory it removes afterwards: libFuzzer ends a run without a hook
 * where the target could remove its own. */
#ifndef NJ_TESTS_FUZZ_SCRATCH_DIR_H
#define NJ_TESTS_FUZZ_SCRATCH_DIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void enter_scratch_dir(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 name);
	if (!mkdtemp(path) || chdir(path) < 0)
		abort();
}

#endif
