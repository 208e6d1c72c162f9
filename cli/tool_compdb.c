/* -t compdb and -t compdb-targets: the JSON compilation database clangd and
 * other tools read, byte for byte as ninja writes it. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ninja's EncodeJSONString: quotes, backslashes and control characters
 * escaped; everything else (UTF-8 included) as it is. */
void json_string(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\b': fputs("\\b", stdout); break;
		case '\f': fputs("\\f", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		default:
			if (c < 0x20)
				printf("\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
			else
				putchar(c);
		}
	}
}

/* The command; with -x, "@RSPFILE" replaced by the response file's
 * content (newlines as spaces), when the command names it that way. */
static void compdb_command(const struct edge *e, bool expand, struct buf *out)
{
	edge_command(e, false, out);
	if (!expand)
		return;
	struct buf rsp = {0};
	edge_binding_raw(e, "rspfile", &rsp);
	const char *at = rsp.len ? strstr(buf_cstr(out), rsp.s) : NULL;
	/* only the first mention counts, and only right after an '@' */
	if (!at || at == out->s || at[-1] != '@') {
		buf_free(&rsp);
		return;
	}
	struct buf content = {0};
	edge_binding(e, "rspfile_content", &content);
	for (size_t i = 0; i < content.len; i++)
		if (content.s[i] == '\n')
			content.s[i] = ' ';
	size_t pre = (size_t)(at - out->s) - 1;
	struct buf b = {0};
	buf_add(&b, out->s, pre);
	buf_add(&b, content.s, content.len);
	buf_adds(&b, at + rsp.len);
	buf_clear(out);
	buf_add(out, b.s, b.len);
	buf_free(&b);
	buf_free(&content);
	buf_free(&rsp);
}

/* One entry per input of the edge, implicit and order-only ones included
 * (ninja 3eeda8fd), all with the edge's command and first output. */
static void print_entries(const char *dir, const struct edge *e, bool expand,
			  struct buf *cmd)
{
	buf_clear(cmd);
	compdb_command(e, expand, cmd);
	for (size_t i = 0; i < e->ninputs; i++) {
		if (i)
			putchar(',');
		fputs("\n  {\n    \"directory\": \"", stdout);
		json_string(dir, strlen(dir));
		fputs("\",\n    \"command\": \"", stdout);
		json_string(cmd->s ? cmd->s : "", cmd->len);
		fputs("\",\n    \"file\": \"", stdout);
		json_string(e->inputs[i]->path, e->inputs[i]->pathlen);
		fputs("\",\n    \"output\": \"", stdout);
		json_string(e->outputs[0]->path, e->outputs[0]->pathlen);
		fputs("\"\n  }", stdout);
	}
}

/* An edge whose outputs are all only validations of other edges (ninja
 * f7da4459): a check, not a compile, so not listed. */
static bool validation_only(const struct edge *e)
{
	for (size_t i = 0; i < e->noutputs; i++) {
		const struct node *o = e->outputs[i];
		if (o->nvalidation_out_edges == 0 || o->nout_edges != 0)
			return false;
	}
	return e->noutputs != 0;
}

/* The working directory, or NULL (reported). */
static char *working_dir(void)
{
	for (size_t n = 1024;; n *= 2) {
		char *d = xmalloc(n);
		if (getcwd(d, n))
			return d;
		int e = errno;
		free(d);
		if (e != ERANGE) {
			cli_error("cannot determine working directory: %s",
				  strerror(e));
			return NULL;
		}
	}
}

/* The compdb tools' one option, -x; false on any other (the caller prints
 * its usage). */
static bool read_expand_flag(int argc, char **argv, bool *expand)
{
	*expand = false;
	optind = 0;
	int opt;
	while ((opt = getopt(argc, argv, "hx")) != -1) {
		if (opt != 'x')
			return false;
		*expand = true;
	}
	return true;
}

int tool_compdb(struct tool_ctx *t, int argc, char **argv)
{
	bool expand;
	if (!read_expand_flag(argc, argv, &expand)) {
		printf("usage: ninja -t compdb [options] [rules]\n"
		       "\n"
		       "options:\n"
		       "  -x     expand @rspfile style response file invocations\n");
		return 1;
	}
	argv += optind;
	argc -= optind;
	char *dir = working_dir();
	if (!dir)
		return 1;
	struct buf cmd = {0};
	bool first = true;
	putchar('[');
	for (size_t i = 0; i < t->st->nedges; i++) {
		struct edge *e = t->st->edges[i];
		/* phony edges are listed too (empty command), as ninja does */
		if (e->ninputs == 0 || validation_only(e))
			continue;
		/* each time a rule is named: "cc cc" lists cc's edges twice */
		int times = argc == 0;
		for (int k = 0; k < argc; k++)
			times += strcmp(e->rule->name, argv[k]) == 0;
		for (; times > 0; times--) {
			if (!first)
				putchar(',');
			print_entries(dir, e, expand, &cmd);
			first = false;
		}
	}
	puts("\n]");
	buf_free(&cmd);
	free(dir);
	return 0;
}

/* Edges needed to build n, inputs before the edges that use them, each
 * once; phony edges are walked through but not listed. */
static void collect_edges(struct node *n, bool *seen_node_edge,
			  struct edge ***out, size_t *len, size_t *cap)
{
	struct edge *e = n->in_edge;
	if (!e || seen_node_edge[e->id])
		return;
	seen_node_edge[e->id] = true;
	for (size_t i = 0; i < e->ninputs; i++)
		collect_edges(e->inputs[i], seen_node_edge, out, len, cap);
	if (edge_is_phony(e))
		return;
	xgrow((void **)out, cap, *len + 1, sizeof(**out));
	(*out)[(*len)++] = e;
}

static void compdb_targets_usage(void)
{
	printf("usage: ninja -t compdb [-hx] target [targets]\n"
	       "\n"
	       "options:\n"
	       "  -h     display this help message\n"
	       "  -x     expand @rspfile style response file invocations\n");
}

/* ninja's -t compdb-targets (new in 1.13). Its target errors are fatal ("ninja:
 * fatal: ..."), exit status 1, as ninja's Fatal. */
int tool_compdb_targets(struct tool_ctx *t, int argc, char **argv)
{
	bool expand;
	if (!read_expand_flag(argc, argv, &expand)) {
		compdb_targets_usage();
		return 1;
	}
	argv += optind;
	argc -= optind;
	if (argc == 0) {
		cli_error("compdb-targets expects the name of at least one target");
		compdb_targets_usage();
		return 1;
	}
	bool *seen = xcalloc(t->st->nedges + 1, sizeof(*seen));
	struct edge **edges = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (int i = 0; i < argc && rc == 0; i++) {
		struct err err = {0};
		struct node *node = cli_target(t->st, argv[i], false, &err);
		if (!node) {
			fflush(stdout);
			fprintf(stderr, "ninja: fatal: %s\n", err.msg);
			err_clear(&err);
			rc = 1;
		} else if (!node->in_edge) {
			fflush(stdout);
			fprintf(stderr, "ninja: fatal: '%s' is not a target "
				"(i.e. it is not an output of any `build` statement)\n",
				node->path);
			rc = 1;
		} else {
			collect_edges(node, seen, &edges, &n, &cap);
		}
	}
	char *dir = rc == 0 ? working_dir() : NULL;
	if (dir) {
		struct buf cmd = {0};
		bool first = true;
		putchar('[');
		for (size_t i = 0; i < n; i++) {
			if (edges[i]->ninputs == 0 || validation_only(edges[i]))
				continue;
			if (!first)
				putchar(',');
			print_entries(dir, edges[i], expand, &cmd);
			first = false;
		}
		puts("\n]");
		buf_free(&cmd);
		free(dir);
	} else {
		rc = 1;
	}
	free(edges);
	free(seen);
	return rc;
}
