/* libFuzzer target for the manifest parser.
 *
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -I. \
 *     -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/manifest_fuzz.c lexer/[a-z]*.c graph/[a-z]*.c -o manifest_fuzz
 *   ./manifest_fuzz -max_total_time=180
 *
 * Each input is parsed into a fresh state, which is then freed: ASan and
 * LeakSanitizer catch memory errors and leaks on every error path. The
 * input may name files (include, subninja): the fuzzer runs in a scratch
 * directory so nothing real is read. Besides memory errors, it checks what
 * the parser promises: 0 with no message, or -1 with a non-empty one;
 * every edge has an output and a rule; every interned node is
 * found again under its own path. */
#include "graph/graph.h"
#include "tests/fuzz/scratch_dir.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void quiet_warn(const char *fmt, ...) { (void)fmt; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	enter_scratch_dir("nj_manifest_fuzz");
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct state st;
	state_init(&st);
	st.warn = quiet_warn;
	struct err e = {0};
	int rc = manifest_parse_string(&st, "fuzz.ninja", (const char *)data,
				       size, &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || e.msg == NULL))
		abort();
	if (rc < 0 && e.msg[0] == 0)
		abort();
	for (size_t i = 0; i < st.nedges; i++) {
		struct edge *ed = st.edges[i];
		if (!ed->rule || (rc == 0 && ed->noutputs == 0))
			abort();
		if (ed->nimplicit + ed->norder_only > ed->ninputs ||
		    ed->nimplicit_outs > ed->noutputs)
			abort();
	}
	for (size_t i = 0; i < st.nnodes; i++) {
		struct node *n = st.nodes[i];
		if (state_lookup(&st, n->path, n->pathlen) != n ||
		    strlen(n->path) != n->pathlen || n->pathlen == 0)
			abort();
	}
	/* Evaluating every command must terminate and not crash. */
	struct buf b = {0};
	for (size_t i = 0; rc == 0 && i < st.nedges; i++) {
		buf_clear(&b);
		edge_command(st.edges[i], true, &b);
	}
	buf_free(&b);
	free(graph_take_eval_error());
	err_clear(&e);
	state_free(&st);
	return 0;
}
