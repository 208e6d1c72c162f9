/* libFuzzer target for the dyndep parser.
 *
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -I. \
 *     -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/dyndep_fuzz.c lexer/[a-z]*.c graph/[a-z]*.c -o dyndep_fuzz
 *   ./dyndep_fuzz -max_total_time=180
 *
 * A small fixed manifest with two edges that name the dyndep file "dd" is
 * loaded into a fresh state; the input is written to "dd" in a scratch
 * directory and applied with dyndep_load. ASan and LeakSanitizer catch
 * memory errors and leaks; besides, the result must be 0 with no message or
 * -1 with one, the edges' input and output counts must stay consistent, and
 * every node the dyndep file adds must be wired to its edge. */
#include "graph/graph.h"
#include "tests/fuzz/scratch_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char manifest[] =
	"rule touch\n"
	"  command = touch $out\n"
	"rule cp\n"
	"  command = cp $in $out\n"
	"build dd: cp dd.in\n"
	"build out: touch || dd\n"
	"  dyndep = dd\n"
	"build out2 | out2.imp: touch in2 | imp2 || dd\n"
	"  dyndep = dd\n"
	"build other: touch\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	enter_scratch_dir("nj_dyndep_fuzz");
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	FILE *f = fopen("dd", "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();

	struct state st;
	state_init(&st);
	struct err e = {0};
	if (manifest_parse_string(&st, "build.ninja", manifest,
				  sizeof(manifest) - 1, &e) < 0)
		abort();
	struct node *dd = state_lookup(&st, "dd", 2);
	if (!dd || !dd->dyndep_pending)
		abort();
	int rc = dyndep_load(&st, dd, &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || e.msg == NULL))
		abort();
	if (dd->dyndep_pending)
		abort();
	for (size_t i = 0; i < st.nedges; i++) {
		struct edge *ed = st.edges[i];
		/* Every edge keeps at least one explicit output. */
		if (ed->nimplicit + ed->norder_only > ed->ninputs ||
		    ed->nimplicit_outs >= ed->noutputs)
			abort();
		for (size_t j = 0; j < ed->noutputs; j++)
			if (ed->outputs[j]->in_edge != ed)
				abort();
		for (size_t j = 0; j < ed->ninputs; j++) {
			struct node *in = ed->inputs[j];
			bool found = false;
			for (size_t k = 0; k < in->nout_edges && !found; k++)
				found = in->out_edges[k] == ed;
			if (!found)
				abort();
		}
	}
	/* On success both dyndep edges still have their order-only input. */
	if (rc == 0) {
		struct node *out = state_lookup(&st, "out", 3);
		struct edge *oe = out->in_edge;
		if (oe->norder_only != 1 ||
		    oe->inputs[oe->ninputs - 1] != dd)
			abort();
	}
	err_clear(&e);
	state_free(&st);
	return 0;
}
