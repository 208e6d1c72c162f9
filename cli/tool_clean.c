/* -t clean and -t cleandead: remove what the manifest builds (ninja's
 * Cleaner). Each file is removed at most once and counted only when it was
 * there; -n lists what would go instead of removing it. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cleaner {
	struct state *st;
	bool dry_run;
	bool verbose; /* -v, or -n: a dry run says what it would remove */
	int status;   /* 1 once a removal or a name failed */
	int count;    /* files removed (or that would be) */
	struct hmap removed; /* paths already handled */
	struct hmap cleaned; /* targets already walked (clean TARGETS) */
};

static void cleaner_init(struct cleaner *c, struct tool_ctx *t)
{
	memset(c, 0, sizeof(*c));
	c->st = t->st;
	c->dry_run = t->dry_run;
	c->verbose = t->verbose || t->dry_run;
}

static void cleaner_free(struct cleaner *c)
{
	hmap_free(&c->removed);
	hmap_free(&c->cleaned);
}

static void print_header(struct cleaner *c)
{
	/* the list of removed files starts on its own line */
	fputs(c->verbose ? "Cleaning...\n" : "Cleaning... ", stdout);
	fflush(stdout);
}

static void print_footer(struct cleaner *c)
{
	printf("%d files.\n", c->count);
}

static void report(struct cleaner *c, const char *path)
{
	c->count++;
	if (c->verbose)
		printf("Remove %s\n", path);
}

static void clean_path(struct cleaner *c, const char *path, size_t len)
{
	if (hmap_get(&c->removed, path, len))
		return;
	/* the key must outlive the map: depfile names are evaluated in
	 * scratch buffers */
	char *key = arena_strndup(&c->st->arena, path, len);
	hmap_put(&c->removed, key, len, key);
	if (c->dry_run) {
		struct err err = {0};
		int64_t m = path_mtime(key, &err);
		if (m < 0) {
			cli_error("%s", err.msg);
			err_clear(&err);
		} else if (m != MTIME_MISSING) {
			report(c, key);
		}
		return;
	}
	/* remove(3), as ninja: an empty directory goes too */
	if (remove(key) == 0) {
		report(c, key);
	} else if (errno != ENOENT) {
		cli_error("remove(%s): %s", key, strerror(errno));
		c->status = 1;
	}
}

/* An edge's depfile and rspfile are its outputs too, for cleaning. */
static void clean_edge_files(struct cleaner *c, struct edge *e)
{
	struct buf b = {0};
	edge_binding_raw(e, "depfile", &b);
	if (b.len)
		clean_path(c, b.s, b.len);
	buf_clear(&b);
	edge_binding_raw(e, "rspfile", &b);
	if (b.len)
		clean_path(c, b.s, b.len);
	buf_free(&b);
}

static void clean_edge_outputs(struct cleaner *c, struct edge *e)
{
	for (size_t i = 0; i < e->noutputs; i++)
		clean_path(c, e->outputs[i]->path, e->outputs[i]->pathlen);
	clean_edge_files(c, e);
}

/* Outputs a dyndep file adds are cleaned too. A dyndep file not built yet
 * is no error: it has added nothing. */
static void load_dyndeps(struct state *st)
{
	for (size_t i = 0; i < st->nedges; i++) {
		struct edge *e = st->edges[i];
		if (!e->dyndep || !e->dyndep->dyndep_pending)
			continue;
		struct err err = {0};
		dyndep_load(st, e->dyndep, &err);
		err_clear(&err);
	}
}

static int clean_all(struct cleaner *c, bool generator)
{
	print_header(c);
	load_dyndeps(c->st);
	for (size_t i = 0; i < c->st->nedges; i++) {
		struct edge *e = c->st->edges[i];
		if (edge_is_phony(e))
			continue;
		/* a generator's output (build.ninja) is kept unless -g */
		if (!generator && edge_binding_bool(e, "generator"))
			continue;
		clean_edge_outputs(c, e);
	}
	print_footer(c);
	return c->status;
}

/* The target, and everything it is built from: every output of each edge
 * (one command makes them all: ninja 2ae7caf0), generator outputs too. */
static void clean_target(struct cleaner *c, struct node *n)
{
	struct edge *e = n->in_edge;
	if (e) {
		if (!edge_is_phony(e))
			clean_edge_outputs(c, e);
		for (size_t i = 0; i < e->ninputs; i++) {
			struct node *in = e->inputs[i];
			if (!hmap_get(&c->cleaned, in->path, in->pathlen))
				clean_target(c, in);
		}
	}
	hmap_put(&c->cleaned, n->path, n->pathlen, n);
}

static int clean_targets(struct cleaner *c, int argc, char **argv)
{
	print_header(c);
	load_dyndeps(c->st);
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (!len) {
			cli_error("failed to canonicalize '': empty path");
			c->status = 1;
			continue;
		}
		/* no "foo.c^" here: ninja's cleaner takes plain paths */
		char *path = xstrndup(argv[i], len);
		struct err err = {0};
		path_canon(path, &len, &err);
		err_clear(&err);
		struct node *n = state_lookup(c->st, path, len);
		if (n) {
			if (c->verbose)
				printf("Target %s\n", path);
			clean_target(c, n);
		} else {
			cli_error("unknown target '%s'", path);
			c->status = 1;
		}
		free(path);
	}
	print_footer(c);
	return c->status;
}

static int clean_rules(struct cleaner *c, int argc, char **argv)
{
	print_header(c);
	load_dyndeps(c->st);
	for (int i = 0; i < argc; i++) {
		/* only the top manifest's rules can be named, but an edge of a
		 * subninja rule with the same name matches, as in ninja */
		struct rule *r = scope_rule(c->st->root, argv[i], strlen(argv[i]));
		if (!r) {
			cli_error("unknown rule '%s'", argv[i]);
			c->status = 1;
			continue;
		}
		if (c->verbose)
			printf("Rule %s\n", argv[i]);
		for (size_t j = 0; j < c->st->nedges; j++) {
			struct edge *e = c->st->edges[j];
			if (strcmp(e->rule->name, r->name) == 0)
				clean_edge_outputs(c, e);
		}
	}
	print_footer(c);
	return c->status;
}

int tool_clean(struct tool_ctx *t, int argc, char **argv)
{
	bool generator = false, rules = false;
	optind = 0;
	int opt;
	while ((opt = getopt(argc, argv, "hgr")) != -1) {
		switch (opt) {
		case 'g':
			generator = true;
			break;
		case 'r':
			rules = true;
			break;
		default:
			printf("usage: ninja -t clean [options] [targets]\n"
			       "\n"
			       "options:\n"
			       "  -g     also clean files marked as ninja generator output\n"
			       "  -r     interpret targets as a list of rules to clean instead\n");
			return 1;
		}
	}
	argv += optind;
	argc -= optind;
	if (rules && argc == 0) {
		cli_error("expected a rule to clean");
		return 1;
	}
	struct cleaner c;
	cleaner_init(&c, t);
	int rc;
	if (argc == 0)
		rc = clean_all(&c, generator);
	else if (rules)
		rc = clean_rules(&c, argc, argv);
	else
		rc = clean_targets(&c, argc, argv);
	cleaner_free(&c);
	return rc;
}

/* Files the build log names that no edge builds any more (and that are no
 * edge's input either): outputs of build statements since removed. */
int tool_cleandead(struct tool_ctx *t, int argc, char **argv)
{
	(void)argc; /* ninja ignores its arguments */
	(void)argv;
	/* the deps log's paths become nodes too, as in a build */
	if (tool_load_logs(t))
		return 1;
	struct cleaner c;
	cleaner_init(&c, t);
	print_header(&c);
	load_dyndeps(t->st);
	for (size_t i = 0; i < t->st->nnodes; i++) {
		struct node *node = t->st->nodes[i];
		if (node->has_log && !node->in_edge && node->nout_edges == 0)
			clean_path(&c, node->path, node->pathlen);
	}
	print_footer(&c);
	int rc = c.status;
	cleaner_free(&c);
	return rc;
}
