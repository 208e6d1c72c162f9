/* -t deps and -t missingdeps: what the deps log (and depfiles) say, as
 * ninja prints it; plus the helpers the graph-walking tools share. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared by the tools ------------------------------------------------- */
int tool_load_logs(struct tool_ctx *t)
{
	struct err err = {0};
	if (build_log_load(t->log, t->st, t->log_path, &err) < 0) {
		cli_error("loading build log %s: %s", t->log_path, err.msg);
		err_clear(&err);
		return 1;
	}
	if (deps_log_load(t->deps, t->st, t->deps_path, &err) < 0) {
		cli_error("loading deps log %s: %s", t->deps_path, err.msg);
		err_clear(&err);
		return 1;
	}
	return 0;
}

int tool_targets_from_args(struct state *st, int argc, char **argv,
			   bool builddir, struct node ***out, size_t *n)
{
	struct err err = {0};
	*out = NULL;
	*n = 0;
	if (argc == 0) {
		if (state_default_targets(st, out, n, &err) == 0)
			return 0;
	} else {
		*out = xmalloc((size_t)argc * sizeof(**out));
		for (int i = 0; i < argc; i++) {
			struct node *node = cli_target(st, argv[i], builddir, &err);
			if (!node)
				break;
			(*out)[(*n)++] = node;
		}
		if (*n == (size_t)argc)
			return 0;
	}
	cli_error("%s", err.msg);
	err_clear(&err);
	free(*out);
	*out = NULL;
	*n = 0;
	return 1;
}

static bool has_binding(const struct edge *e, const char *name)
{
	struct buf b = {0};
	edge_binding(e, name, &b);
	bool set = b.len > 0;
	buf_free(&b);
	return set;
}

/* ---- -t deps ------------------------------------------------------------- */
int tool_deps(struct tool_ctx *t, int argc, char **argv)
{
	argc--;
	argv++;
	if (tool_load_logs(t))
		return 1;
	struct node **nodes = NULL;
	size_t n = 0;
	if (argc == 0) {
		/* every output the log has an entry for that an edge with
		 * "deps" still builds (ninja's IsDepsEntryLiveFor) */
		nodes = xmalloc((t->deps->nids ? t->deps->nids : 1) *
				sizeof(*nodes));
		for (size_t i = 0; i < t->deps->nids; i++) {
			struct node *node = t->deps->by_id[i];
			if (node && node->in_edge && has_binding(node->in_edge, "deps"))
				nodes[n++] = node;
		}
	} else if (tool_targets_from_args(t->st, argc, argv, true, &nodes, &n)) {
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct deps_record *d = nodes[i]->deps;
		if (!d) {
			printf("%s: deps not found\n", nodes[i]->path);
			continue;
		}
		struct err err = {0};
		int64_t mtime = path_mtime(nodes[i]->path, &err);
		if (mtime < 0) {
			/* ninja logs a stat error and goes on */
			cli_error("%s", err.msg);
			err_clear(&err);
		}
		printf("%s: #deps %d, deps mtime %" PRId64 " (%s)\n",
		       nodes[i]->path, d->n, d->mtime,
		       !mtime || mtime > d->mtime ? "STALE" : "VALID");
		for (int k = 0; k < d->n; k++)
			printf("    %s\n", d->nodes[k]->path);
		printf("\n");
	}
	free(nodes);
	return 0;
}

/* ---- -t missingdeps -------------------------------------------------------
 * ninja's MissingDependencyScanner: an output whose recorded deps (deps log,
 * or its depfile when the edge has no "deps") include a file another edge
 * generates, with no path of manifest dependencies from that edge to it,
 * may be built before that file exists. */

struct scanner {
	struct state *st;
	struct ptrmap seen;              /* nodes processed */
	struct ptrmap nodes_missing;     /* outputs with a missing dep */
	struct ptrmap generated;         /* generated inputs they use */
	struct ptrmap generator_rules;   /* rules that generate them */
	size_t missing_paths;
	struct ptrmap paths; /* memo of path_exists: (from, to) -> found */
};

static bool path_exists(struct scanner *sc, const struct edge *from,
			const struct edge *to)
{
	uintptr_t memo;
	if (ptrmap_get(&sc->paths, from, to, &memo))
		return memo;
	bool found = false;
	for (size_t i = 0; i < to->ninputs && !found; i++) {
		const struct edge *e = to->inputs[i]->in_edge;
		found = e && (e == from || path_exists(sc, from, e));
	}
	ptrmap_put(&sc->paths, from, to, found);
	return found;
}

static int cmp_edge_id(const void *a, const void *b)
{
	const struct edge *x = *(struct edge *const *)a;
	const struct edge *y = *(struct edge *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void process_node_deps(struct scanner *sc, struct node *node,
			      struct node **deps, size_t ndeps)
{
	struct edge *edge = node->in_edge;
	struct edge **gen = xmalloc((ndeps ? ndeps : 1) * sizeof(*gen));
	size_t ngen = 0;
	struct ptrmap seen_gen = {0};
	for (size_t i = 0; i < ndeps; i++) {
		/* A dep on build.ninja means "rebuild when reconfigured";
		 * everything implicitly depends on that, so it is never a
		 * missing dependency (and ninja skips the whole output). */
		if (strcmp(deps[i]->path, "build.ninja") == 0)
			goto out;
		struct edge *de = deps[i]->in_edge;
		if (de && ptrset_add(&seen_gen, de))
			gen[ngen++] = de;
	}
	/* ninja walks a set of edge pointers; manifest order is the stable
	 * equivalent */
	qsort(gen, ngen, sizeof(*gen), cmp_edge_id);
	const char **rule_names = xmalloc((ngen ? ngen : 1) * sizeof(*rule_names));
	size_t nrules = 0;
	for (size_t g = 0; g < ngen; g++) {
		if (path_exists(sc, gen[g], edge))
			continue;
		for (size_t i = 0; i < ndeps; i++) {
			if (deps[i]->in_edge != gen[g])
				continue;
			ptrset_add(&sc->generated, deps[i]);
			ptrset_add(&sc->generator_rules, gen[g]->rule);
			rule_names[nrules++] = gen[g]->rule->name;
			printf("Missing dep: %s uses %s (generated by %s)\n",
			       node->path, deps[i]->path, gen[g]->rule->name);
		}
	}
	if (nrules) {
		/* missing paths count distinct rule names per output */
		qsort(rule_names, nrules, sizeof(*rule_names), cmp_str);
		size_t distinct = 1;
		for (size_t i = 1; i < nrules; i++)
			distinct += strcmp(rule_names[i - 1], rule_names[i]) != 0;
		sc->missing_paths += distinct;
		ptrset_add(&sc->nodes_missing, node);
	}
	free(rule_names);
out:
	ptrmap_free(&seen_gen);
	free(gen);
}

/* The inputs a depfile names, as ninja's loader would accept them (any
 * problem: none); nodes are made for paths the graph lacks. */
static size_t depfile_deps(struct state *st, struct edge *e, const char *path,
			   struct node ***out)
{
	char *text;
	size_t len, n = 0;
	struct err err = {0};
	*out = NULL;
	if (read_file(path, &text, &len, &err) < 0) {
		err_clear(&err);
		return 0;
	}
	struct depfile d = {0};
	if (len == 0 || depfile_parse(&d, text, len, &err) < 0 || d.nouts == 0)
		goto out;
	for (size_t i = 0; i < d.nouts; i++) {
		size_t l = d.outs[i].len;
		d.outs[i].s[l] = 0;
		if (path_canon(d.outs[i].s, &l, &err) < 0)
			goto out;
		d.outs[i].len = l;
		/* the first must be the edge's first output, the others
		 * outputs of the edge */
		size_t j = i == 0 ? 0 : e->noutputs;
		if (i > 0)
			for (j = 0; j < e->noutputs; j++)
				if (e->outputs[j]->pathlen == l &&
				    memcmp(e->outputs[j]->path, d.outs[i].s, l) == 0)
					break;
		if (j == e->noutputs || e->outputs[j]->pathlen != l ||
		    memcmp(e->outputs[j]->path, d.outs[i].s, l) != 0)
			goto out;
	}
	*out = xmalloc((d.nins ? d.nins : 1) * sizeof(**out));
	for (size_t i = 0; i < d.nins; i++) {
		size_t l = d.ins[i].len;
		d.ins[i].s[l] = 0;
		if (path_canon(d.ins[i].s, &l, &err) < 0) {
			free(*out);
			*out = NULL;
			n = 0;
			goto out;
		}
		(*out)[n++] = state_node(st, d.ins[i].s, l);
	}
out:
	err_clear(&err);
	depfile_free(&d);
	free(text);
	return n;
}

static void process_node(struct scanner *sc, struct node *node)
{
	struct edge *e = node->in_edge;
	if (!e || !ptrset_add(&sc->seen, node))
		return;
	for (size_t i = 0; i < e->ninputs; i++)
		process_node(sc, e->inputs[i]);
	if (has_binding(e, "deps")) {
		if (node->deps)
			process_node_deps(sc, node, node->deps->nodes,
					  (size_t)node->deps->n);
		return;
	}
	struct buf path = {0};
	edge_binding_raw(e, "depfile", &path);
	if (path.len) {
		struct node **deps;
		size_t n = depfile_deps(sc->st, e, path.s, &deps);
		if (n)
			process_node_deps(sc, node, deps, n);
		free(deps);
	}
	buf_free(&path);
}

int tool_missingdeps(struct tool_ctx *t, int argc, char **argv)
{
	argc--;
	argv++;
	if (tool_load_logs(t))
		return 1;
	struct node **nodes;
	size_t n;
	if (tool_targets_from_args(t->st, argc, argv, true, &nodes, &n))
		return 1;
	struct scanner sc = {.st = t->st};
	for (size_t i = 0; i < n; i++)
		process_node(&sc, nodes[i]);
	printf("Processed %zu nodes.\n", sc.seen.len);
	bool missing = sc.nodes_missing.len > 0;
	if (missing) {
		printf("Error: There are %zu missing dependency paths.\n",
		       sc.missing_paths);
		printf("%zu targets had depfile dependencies on %zu distinct "
		       "generated inputs (from %zu rules)  without a non-depfile "
		       "dep path to the generator.\n",
		       sc.nodes_missing.len, sc.generated.len,
		       sc.generator_rules.len);
		printf("There might be build flakiness if any of the targets "
		       "listed above are built alone, or not late enough, in a "
		       "clean output directory.\n");
	} else {
		printf("No missing dependencies on generated files found.\n");
	}
	ptrmap_free(&sc.seen);
	ptrmap_free(&sc.nodes_missing);
	ptrmap_free(&sc.generated);
	ptrmap_free(&sc.generator_rules);
	ptrmap_free(&sc.paths);
	free(nodes);
	return missing ? 3 : 0;
}
