/* The loaded state: interning of paths, nodes, edges, pools. */
#include "graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_init(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->root = scope_new(&st->arena, NULL);
	state_track_scope(st, st->root);
	st->default_pool = arena_alloc(&st->arena, sizeof(struct pool));
	st->default_pool->name = "";
	st->default_pool->mem = -1;
	st->console_pool = state_pool(st, "console", 7);
	st->console_pool->depth = 1;
	st->phony_rule = arena_alloc(&st->arena, sizeof(struct rule));
	st->phony_rule->name = "phony";
	st->phony_rule->phony = true;
	hmap_put(&st->root->rules, "phony", 5, st->phony_rule);
}

static void free_scopes_of(struct state *st)
{
	/* Scopes and rules own hash maps; everything else is in the arena. */
	for (size_t i = 0; i < st->nscopes; i++) {
		struct scope *sc = st->scopes[i];
		for (size_t j = 0; j < sc->rules.cap; j++) {
			struct rule *r = sc->rules.slots[j].val;
			if (sc->rules.slots[j].key && r && !r->phony)
				hmap_free(&r->bindings);
		}
		scope_free(sc);
	}
	free(st->scopes);
	for (size_t i = 0; i < st->nfiles; i++)
		free(st->files[i]);
	free(st->files);
}

void state_free(struct state *st)
{
	free_scopes_of(st);
	hmap_free(&st->paths);
	hmap_free(&st->pools);
	for (size_t i = 0; i < st->nnodes; i++)
		if (st->nodes[i]->out_edges_cap >= OUT_EDGES_HEAP)
			free(st->nodes[i]->out_edges);
	free(st->nodes);
	free(st->edges);
	free(st->defaults);
	arena_free(&st->arena);
	memset(st, 0, sizeof(*st));
}

void state_warn(struct state *st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->warn)
		st->warn("%s", msg);
	else
		fprintf(stderr, "ninja: warning: %s\n", msg);
}

void state_track_scope(struct state *st, struct scope *sc)
{
	xgrow((void **)&st->scopes, &st->scopes_cap, st->nscopes + 1,
	      sizeof(*st->scopes));
	st->scopes[st->nscopes++] = sc;
}

struct node *state_lookup(const struct state *st, const char *path, size_t len)
{
	return hmap_get(&st->paths, path, len);
}

struct node *state_node(struct state *st, const char *path, size_t len)
{
	struct node *n = hmap_get(&st->paths, path, len);
	if (n)
		return n;
	n = arena_alloc(&st->arena, sizeof(*n));
	n->path = arena_strndup(&st->arena, path, len);
	n->pathlen = len;
	n->mtime = MTIME_UNKNOWN;
	n->id = -1;
	/* until the manifest names it (edge_add_input, edge_add_output) */
	n->generated_by_dep_loader = true;
	hmap_put(&st->paths, n->path, len, n);
	xgrow((void **)&st->nodes, &st->nodes_cap, st->nnodes + 1,
	      sizeof(*st->nodes));
	st->nodes[st->nnodes++] = n;
	return n;
}

struct node *state_lookup_canon(struct state *st, const char *path,
				struct err *err)
{
	size_t len = strlen(path);
	char *p = xstrndup(path, len);
	if (path_canon(p, &len, err) < 0) {
		free(p);
		return NULL;
	}
	struct node *n = state_lookup(st, p, len);
	free(p);
	return n;
}

struct edge *state_add_edge(struct state *st, struct rule *rule,
			    struct scope *env)
{
	struct edge *e = arena_alloc(&st->arena, sizeof(*e));
	e->rule = rule;
	e->env = env;
	e->pool = st->default_pool;
	e->id = st->nedges;
	e->mem_declared = -1;
	xgrow((void **)&st->edges, &st->edges_cap, st->nedges + 1,
	      sizeof(*st->edges));
	st->edges[st->nedges++] = e;
	return e;
}

void edge_add_input(struct state *st, struct edge *e, struct node *n)
{
	arena_grow(&st->arena, (void **)&e->inputs, &e->inputs_cap,
		   e->ninputs + 1, sizeof(*e->inputs));
	e->inputs[e->ninputs++] = n;
	n->generated_by_dep_loader = false;
	node_add_out_edge(st, n, e);
}

void edge_add_output(struct state *st, struct edge *e, struct node *n)
{
	arena_grow(&st->arena, (void **)&e->outputs, &e->outputs_cap,
		   e->noutputs + 1, sizeof(*e->outputs));
	e->outputs[e->noutputs++] = n;
	n->in_edge = e;
	n->generated_by_dep_loader = false;
}

void edge_insert_implicit(struct state *st, struct edge *e,
			  struct node **nodes, size_t n)
{
	if (n == 0)
		return;
	/* Deps are inserted once per edge: exactly what they need, since
	 * the arena never gets a doubled array's spare back. */
	if (e->ninputs + n > e->inputs_cap) {
		struct node **in = arena_alloc(&st->arena,
					       (e->ninputs + n) * sizeof(*in));
		memcpy(in, e->inputs, e->ninputs * sizeof(*in));
		e->inputs = in;
		e->inputs_cap = e->ninputs + n;
	}
	size_t at = e->ninputs - e->norder_only;
	memmove(e->inputs + at + n, e->inputs + at,
		e->norder_only * sizeof(*e->inputs));
	memcpy(e->inputs + at, nodes, n * sizeof(*nodes));
	e->ninputs += n;
	e->nimplicit += n;
	for (size_t i = 0; i < n; i++)
		node_add_out_edge(st, nodes[i], e);
}

void node_add_out_edge(struct state *st, struct node *n, struct edge *e)
{
	/* Small lists live in the arena; a header that thousands of edges
	 * include grows on the heap, where a doubling frees the old copy (in
	 * the arena the copies would add up to the list's size again). */
	if (n->nout_edges == n->out_edges_cap) {
		if (n->out_edges_cap < OUT_EDGES_HEAP) {
			arena_grow(&st->arena, (void **)&n->out_edges,
				   &n->out_edges_cap, n->nout_edges + 1,
				   sizeof(*n->out_edges));
			if (n->out_edges_cap >= OUT_EDGES_HEAP) {
				void *h = xmalloc(n->out_edges_cap *
						  sizeof(*n->out_edges));
				memcpy(h, n->out_edges,
				       n->nout_edges * sizeof(*n->out_edges));
				n->out_edges = h;
			}
		} else {
			xgrow((void **)&n->out_edges, &n->out_edges_cap,
			      n->nout_edges + 1, sizeof(*n->out_edges));
		}
	}
	n->out_edges[n->nout_edges++] = e;
}

struct pool *state_pool(struct state *st, const char *name, size_t len)
{
	struct pool *p = hmap_get(&st->pools, name, len);
	if (p)
		return p;
	p = arena_alloc(&st->arena, sizeof(*p));
	p->name = arena_strndup(&st->arena, name, len);
	p->mem = -1;
	hmap_put(&st->pools, p->name, len, p);
	return p;
}

struct rule *scope_rule(const struct scope *sc, const char *name, size_t len)
{
	for (; sc; sc = sc->parent) {
		struct rule *r = hmap_get(&sc->rules, name, len);
		if (r)
			return r;
	}
	return NULL;
}

void state_roots(struct state *st, struct node ***out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < st->nedges; i++) {
		struct edge *e = st->edges[i];
		for (size_t j = 0; j < e->noutputs; j++) {
			struct node *o = e->outputs[j];
			if (o->nout_edges == 0) {
				xgrow((void **)out, &cap, *n + 1, sizeof(**out));
				(*out)[(*n)++] = o;
			}
		}
	}
}

int state_default_targets(struct state *st, struct node ***out, size_t *n,
			  struct err *err)
{
	if (st->ndefaults) {
		*out = xmalloc(st->ndefaults * sizeof(**out));
		memcpy(*out, st->defaults, st->ndefaults * sizeof(**out));
		*n = st->ndefaults;
		return 0;
	}
	state_roots(st, out, n);
	if (st->nedges && !*n) {
		err_set(err, "could not determine root nodes of build graph");
		return -1;
	}
	return 0;
}

void state_reset(struct state *st)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		struct node *n = st->nodes[i];
		n->mtime = MTIME_UNKNOWN;
		n->stat_state = 0;
		n->dirty = false;
		n->exists_known = false;
		n->mtime_from_inputs = false;
	}
	for (size_t i = 0; i < st->nedges; i++) {
		struct edge *e = st->edges[i];
		e->outputs_ready = false;
		e->deps_loaded = false;
		e->deps_skipped = false;
		e->mark = VISIT_NONE;
	}
}

struct node *state_spellcheck(struct state *st, const char *path)
{
	enum { MAX_DISTANCE = 3 };
	int best = MAX_DISTANCE + 1;
	struct node *res = NULL;
	size_t len = strlen(path);
	for (size_t i = 0; i < st->nnodes; i++) {
		struct node *n = st->nodes[i];
		int d = edit_distance(n->path, n->pathlen, path, len, MAX_DISTANCE);
		if (d < best) {
			best = d;
			res = n;
		}
	}
	return res;
}
