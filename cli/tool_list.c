/* -t commands, -t rules, -t targets: listings of the loaded manifest, in
 * ninja's order and format. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- commands ------------------------------------------------------------ */

/* Inputs' commands first (all mode), each edge once; phony edges print
 * nothing but are walked through. */
static void print_commands(struct edge *e, bool *seen, bool single,
			   struct buf *b)
{
	if (!e || seen[e->id])
		return;
	seen[e->id] = true;
	if (!single)
		for (size_t i = 0; i < e->ninputs; i++)
			print_commands(e->inputs[i]->in_edge, seen, single, b);
	if (edge_is_phony(e))
		return;
	buf_clear(b);
	edge_command(e, false, b);
	puts(buf_cstr(b));
}

/* The command-line targets, or the default ones; -1 (reported) on an
 * error. */
static int collect_targets(struct state *st, int argc, char **argv,
			   struct node ***out, size_t *n)
{
	struct err err = {0};
	*out = NULL;
	*n = 0;
	if (argc == 0) {
		if (state_default_targets(st, out, n, &err) == 0)
			return 0;
		cli_error("%s", err.msg);
		err_clear(&err);
		return -1;
	}
	*out = xmalloc((size_t)argc * sizeof(**out));
	for (int i = 0; i < argc; i++) {
		(*out)[i] = cli_target(st, argv[i], false, &err);
		if (!(*out)[i]) {
			cli_error("%s", err.msg);
			err_clear(&err);
			return -1;
		}
	}
	*n = (size_t)argc;
	return 0;
}

int tool_commands(struct tool_ctx *t, int argc, char **argv)
{
	bool single = false;
	optind = 0;
	int opt;
	while ((opt = getopt(argc, argv, "hs")) != -1) {
		if (opt == 's') {
			single = true;
			continue;
		}
		printf("usage: ninja -t commands [options] [targets]\n"
		       "\n"
		       "options:\n"
		       "  -s     only print the final command to build [target], not the whole chain\n");
		return 1;
	}
	argv += optind;
	argc -= optind;
	size_t n;
	struct node **nodes;
	if (collect_targets(t->st, argc, argv, &nodes, &n) < 0) {
		free(nodes);
		return 1;
	}
	bool *seen = xcalloc(t->st->nedges + 1, sizeof(*seen));
	struct buf b = {0};
	for (size_t i = 0; i < n; i++)
		print_commands(nodes[i]->in_edge, seen, single, &b);
	buf_free(&b);
	free(seen);
	free(nodes);
	return 0;
}

/* ---- rules --------------------------------------------------------------- */

/* ninja's EvalString::Unparse: literal text as it is, variables as ${name}
 * (evalstr_unparse re-escapes the text, which ninja does not). */
static void unparse_raw(const struct evalstr *es, struct buf *out)
{
	for (const struct evalpart *p = es->head; p; p = p->next) {
		if (p->var)
			buf_adds(out, "${");
		buf_add(out, p->s, p->len);
		if (p->var)
			buf_addc(out, '}');
	}
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;
	return strcmp(x->name, y->name);
}

int tool_rules(struct tool_ctx *t, int argc, char **argv)
{
	bool desc = false;
	optind = 0;
	int opt;
	while ((opt = getopt(argc, argv, "hd")) != -1) {
		if (opt == 'd') {
			desc = true;
			continue;
		}
		printf("usage: ninja -t rules [options]\n"
		       "\n"
		       "options:\n"
		       "  -d     also print the description of the rule\n"
		       "  -h     print this message\n");
		return 1;
	}
	/* the top manifest's rules (phony among them), sorted by name */
	const struct hmap *m = &t->st->root->rules;
	struct rule **rules = xmalloc((m->len + 1) * sizeof(*rules));
	size_t n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].val)
			rules[n++] = m->slots[i].val;
	qsort(rules, n, sizeof(*rules), cmp_rule);
	struct buf b = {0};
	for (size_t i = 0; i < n; i++) {
		buf_clear(&b);
		buf_adds(&b, rules[i]->name);
		const struct evalstr *d =
			desc ? hmap_get(&rules[i]->bindings, "description", 11)
			     : NULL;
		if (d) {
			buf_adds(&b, ": ");
			unparse_raw(d, &b);
		}
		puts(buf_cstr(&b));
	}
	buf_free(&b);
	free(rules);
	return 0;
}

/* ---- targets ------------------------------------------------------------- */

/* Roots first; below each target its inputs, depth levels deep (0 or
 * less: all the way). */
static void list_depth(struct node **nodes, size_t n, int depth, int indent)
{
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < indent; k++)
			fputs("  ", stdout);
		struct edge *e = nodes[i]->in_edge;
		if (!e) {
			printf("%s\n", nodes[i]->path);
			continue;
		}
		printf("%s: %s\n", nodes[i]->path, e->rule->name);
		if (depth > 1 || depth <= 0)
			list_depth(e->inputs, e->ninputs, depth - 1, indent + 1);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Outputs of the rule's edges, sorted and once each. */
static void list_rule(struct state *st, const char *rule)
{
	const char **paths = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < st->nedges; i++) {
		struct edge *e = st->edges[i];
		if (strcmp(e->rule->name, rule) != 0)
			continue;
		for (size_t j = 0; j < e->noutputs; j++) {
			xgrow((void **)&paths, &cap, n + 1, sizeof(*paths));
			paths[n++] = e->outputs[j]->path;
		}
	}
	if (n)
		qsort(paths, n, sizeof(*paths), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(paths[i], paths[i - 1]) != 0)
			printf("%s\n", paths[i]);
	free(paths);
}

int tool_targets(struct tool_ctx *t, int argc, char **argv)
{
	struct state *st = t->st;
	int depth = 1;
	/* no getopt: the first word is the mode */
	if (argc >= 2) {
		const char *mode = argv[1];
		if (strcmp(mode, "rule") == 0) {
			if (argc > 2 && *argv[2]) {
				list_rule(st, argv[2]);
				return 0;
			}
			/* "rule" alone: the source files, once per use */
			for (size_t i = 0; i < st->nedges; i++) {
				struct edge *e = st->edges[i];
				for (size_t j = 0; j < e->ninputs; j++)
					if (!e->inputs[j]->in_edge)
						printf("%s\n", e->inputs[j]->path);
			}
			return 0;
		} else if (strcmp(mode, "depth") == 0) {
			if (argc > 2)
				depth = atoi(argv[2]);
		} else if (strcmp(mode, "all") == 0) {
			for (size_t i = 0; i < st->nedges; i++) {
				struct edge *e = st->edges[i];
				for (size_t j = 0; j < e->noutputs; j++)
					printf("%s: %s\n", e->outputs[j]->path,
					       e->rule->name);
			}
			return 0;
		} else {
			static const char *const modes[] = {"rule", "depth", "all"};
			cli_error_unknown("target tool mode", mode, modes, 3);
			return 1;
		}
	}
	struct node **roots;
	size_t n;
	state_roots(st, &roots, &n);
	if (st->nedges && n == 0) {
		cli_error("could not determine root nodes of build graph");
		free(roots);
		return 1;
	}
	list_depth(roots, n, depth, 0);
	free(roots);
	return 0;
}
