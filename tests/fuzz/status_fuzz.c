/* libFuzzer target for the status line: --status ($-syntax) and
 * NINJA_STATUS (%-syntax) formats, checked and expanded.
 *
 * FUZZ: base lexer graph log policy exec scheduler cli/status.c -lzstd -lm
 *
 * The first byte picks the syntax and the printer's state; the rest is the
 * format. A format the check accepts is expanded over a small build (every
 * callback the scheduler makes, a failure, output with escape codes), so
 * expanding never meets a placeholder the check let through by mistake.
 * stdout goes to /dev/null. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct state st;

static void quiet_warn(const char *fmt, ...) { (void)fmt; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	state_init(&st);
	st.warn = quiet_warn;
	static const char m[] = "rule r\n  command = cc $in\n  description = CC $out\n"
				"build a: r b\nbuild c: r\n  pool = console\n";
	struct err e = {0};
	if (manifest_parse_string(&st, "m", m, sizeof m - 1, &e) < 0)
		abort();
	return 0;
}

/* cli_warning and cli_error live in status.c; main.c's globals do not. */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	char *fmt = xmalloc(size);
	memcpy(fmt, data + 1, size - 1);
	fmt[size - 1] = 0; /* a C string, as argv and the environment are */

	bool dollar = mode & 1;
	if (!dollar)
		setenv("NINJA_STATUS", fmt, 1);
	struct printer p;
	struct err e = {0};
	enum verbosity v = (mode >> 1) & 1 ? VERB_VERBOSE : VERB_NORMAL;
	int rc = printer_init(&p, v, 1 + (mode >> 2 & 7), dollar ? fmt : NULL,
			      &e);
	if (rc == 0 ? e.msg != NULL : (rc != -1 || !e.msg))
		abort();
	struct mem_model mm = {0};
	mm.capacity = (int64_t)8 << 30;
	mm.free = (int64_t)3 << 30;
	if (mode & 0x20)
		p.ops.mem = &mm;
	struct buf msg = {0};
	char bad = 0;
	if (rc == 0 && printer_check_format(&p, &bad, &msg) == 0) {
		struct status *s = &p.ops;
		struct edge *a = st.edges[0], *c = st.edges[1];
		if (s->plan_total)
			s->plan_total(s, 2);
		s->edge_planned(s, a, true);
		s->edge_planned(s, c, true);
		s->build_started(s);
		s->edge_started(s, a, 5);
		s->edge_started(s, c, 7);
		static const char warn[] = "\x1b[1mwarn\x1b[0m\n", err[] = "err";
		s->edge_finished(s, a, 5, 1200, 0, warn, sizeof warn - 1);
		s->edge_finished(s, c, 7, 90000, 2, err, sizeof err - 1);
		s->build_finished(s);
	}
	buf_free(&msg);
	err_clear(&e);
	printer_free(&p);
	unsetenv("NINJA_STATUS");
	free(fmt);
	return 0;
}
