/* -t inputs, -t multi-inputs, -t query and -t browse: what goes into a
 * target and what comes out of a path, in ninja 1.13's formats. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ninja's InputsCollector: the inputs of everything a target needs, in
 * dependency order (a node after its own inputs), each once; nodes that a
 * phony edge makes are walked through but not listed. */
struct inputs {
	struct ptrmap visited;
	struct node **v;
	size_t n, cap;
};

static void inputs_visit(struct inputs *c, struct node *node)
{
	struct edge *e = node->in_edge;
	if (!e)
		return; /* a source */
	for (size_t i = 0; i < e->ninputs; i++) {
		struct node *in = e->inputs[i];
		if (!ptrset_add(&c->visited, in))
			continue;
		inputs_visit(c, in);
		if (in->in_edge && edge_is_phony(in->in_edge))
			continue;
		xgrow((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v));
		c->v[c->n++] = in;
	}
}

static void inputs_free(struct inputs *c)
{
	ptrmap_free(&c->visited);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tool_inputs(struct tool_ctx *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"no-shell-escape", no_argument, NULL, 'E'},
		{"print0", no_argument, NULL, '0'},
		{"dependency-order", no_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	bool print0 = false, escape = true, dep_order = false;
	int opt;
	optind = 0; /* glibc: start afresh */
	while ((opt = getopt_long(argc, argv, "h0Ed", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dep_order = true;
			break;
		case 'E':
			escape = false;
			break;
		case '0':
			print0 = true;
			break;
		default:
			printf("Usage '-t inputs [options] [targets]\n"
			       "\n"
			       "List all inputs used for a set of targets, sorted in dependency order.\n"
			       "Note that by default, results are shell escaped, and sorted alphabetically,\n"
			       "and never include validation target paths.\n"
			       "\n"
			       "Options:\n"
			       "  -h, --help          Print this message.\n"
			       "  -0, --print0            Use \\0, instead of \\n as a line terminator.\n"
			       "  -E, --no-shell-escape   Do not shell escape the result.\n"
			       "  -d, --dependency-order  Sort results by dependency order.\n");
			return 1;
		}
	}
	struct node **nodes;
	size_t n;
	if (tool_targets_from_args(t->st, argc - optind, argv + optind, false,
				   &nodes, &n))
		return 1;
	struct inputs c = {0};
	for (size_t i = 0; i < n; i++)
		inputs_visit(&c, nodes[i]);
	char **out = xmalloc((c.n ? c.n : 1) * sizeof(*out));
	struct buf b = {0};
	for (size_t i = 0; i < c.n; i++) {
		buf_clear(&b);
		if (escape)
			shell_escape(c.v[i]->path, c.v[i]->pathlen, &b);
		else
			buf_add(&b, c.v[i]->path, c.v[i]->pathlen);
		out[i] = xstrdup(buf_cstr(&b));
	}
	/* sorted after escaping, as ninja sorts the strings it prints */
	if (!dep_order)
		qsort(out, c.n, sizeof(*out), cmp_str);
	for (size_t i = 0; i < c.n; i++) {
		fputs(out[i], stdout);
		fputc(print0 ? '\0' : '\n', stdout);
		free(out[i]);
	}
	fflush(stdout);
	free(out);
	buf_free(&b);
	inputs_free(&c);
	free(nodes);
	return 0;
}

int tool_multi_inputs(struct tool_ctx *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"delimiter", required_argument, NULL, 'd'},
		{"print0", no_argument, NULL, '0'},
		{NULL, 0, NULL, 0},
	};
	char terminator = '\n';
	const char *delim = "\t";
	int opt;
	optind = 0; /* glibc: start afresh */
	while ((opt = getopt_long(argc, argv, "d:h0", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			delim = optarg;
			break;
		case '0':
			terminator = '\0';
			break;
		default:
			printf("Usage '-t multi-inputs [options] [targets]\n"
			       "\n"
			       "Print one or more sets of inputs required to build targets, sorted in dependency order.\n"
			       "The tool works like inputs tool but with addition of the target for each line.\n"
			       "The output will be a series of lines with the following elements:\n"
			       "<target> <delimiter> <input> <terminator>\n"
			       "Note that a given input may appear for several targets if it is used by more than one targets.\n"
			       "Options:\n"
			       "  -h, --help                   Print this message.\n"
			       "  -d  --delimiter=DELIM        Use DELIM instead of TAB for field delimiter.\n"
			       "  -0, --print0                 Use \\0, instead of \\n as a line terminator.\n");
			return 1;
		}
	}
	struct node **nodes;
	size_t n;
	if (tool_targets_from_args(t->st, argc - optind, argv + optind, false,
				   &nodes, &n))
		return 1;
	for (size_t i = 0; i < n; i++) {
		/* each target on its own: an input shared by several targets
		 * is listed for each, in dependency order, never escaped */
		struct inputs c = {0};
		inputs_visit(&c, nodes[i]);
		for (size_t k = 0; k < c.n; k++) {
			printf("%s%s%s", nodes[i]->path, delim, c.v[k]->path);
			fputc(terminator, stdout);
		}
		inputs_free(&c);
	}
	fflush(stdout);
	free(nodes);
	return 0;
}

static void print_outputs(struct edge **edges, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < edges[i]->noutputs; k++)
			printf("    %s\n", edges[i]->outputs[k]->path);
}

int tool_query(struct tool_ctx *t, int argc, char **argv)
{
	argc--;
	argv++;
	if (tool_load_logs(t))
		return 1;
	if (argc == 0) {
		cli_error("expected a target to query");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		struct err err = {0};
		struct node *node = cli_collect_target(t->st, argv[i], &err);
		if (!node) {
			/* what was queried before the bad name stays printed */
			cli_error("%s", err.msg);
			err_clear(&err);
			return 1;
		}
		printf("%s:\n", node->path);
		struct edge *e = node->in_edge;
		if (e) {
			if (e->dyndep && e->dyndep->dyndep_pending &&
			    dyndep_load(t->st, e->dyndep, &err) < 0) {
				cli_warning("%s\n", err.msg);
				err_clear(&err);
			}
			printf("  input: %s\n", e->rule->name);
			for (size_t k = 0; k < e->ninputs; k++)
				printf("    %s%s\n",
				       edge_is_implicit(e, k)     ? "| "
				       : edge_is_order_only(e, k) ? "|| "
								  : "",
				       e->inputs[k]->path);
			if (e->nvalidations) {
				printf("  validations:\n");
				for (size_t k = 0; k < e->nvalidations; k++)
					printf("    %s\n", e->validations[k]->path);
			}
		}
		printf("  outputs:\n");
		print_outputs(node->out_edges, node->nout_edges);
		if (node->nvalidation_out_edges) {
			printf("  validation for:\n");
			print_outputs(node->validation_out_edges,
				      node->nvalidation_out_edges);
		}
	}
	return 0;
}

int tool_browse(struct tool_ctx *t, int argc, char **argv)
{
	(void)t;
	(void)argc;
	(void)argv;
	/* ninja built without Python says this (as a fatal error) */
	fflush(stdout);
	fputs("ninja: fatal: browse tool not supported on this platform\n",
	      stderr);
	return 1;
}
