/* Evaluating an edge's variables the way ninja does. */
#include "graph.h"

#include <string.h>

/* A cycle among rule variables ($a refers to $b refers to $a) is found at
 * evaluation time; the message waits here for the caller to collect. */
static char *eval_error;

char *graph_take_eval_error(void)
{
	char *e = eval_error;
	eval_error = NULL;
	return e;
}

enum { MAX_LOOKUPS = 64 };

struct edge_eval {
	const struct edge *e;
	bool escape;
	bool recursive;
	int nlookups;
	const char *lookups[MAX_LOOKUPS];
	size_t lookup_lens[MAX_LOOKUPS];
};

static bool name_is(const char *name, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(name, lit, len) == 0;
}

static void path_list(struct edge_eval *ev, struct node **nodes, size_t n,
		      char sep, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(out, sep);
		if (ev->escape)
			shell_escape(nodes[i]->path, nodes[i]->pathlen, out);
		else
			buf_add(out, nodes[i]->path, nodes[i]->pathlen);
	}
}

static void edge_lookup(void *ctx, const char *name, size_t len,
			struct buf *out)
{
	struct edge_eval *ev = ctx;
	const struct edge *e = ev->e;
	if (name_is(name, len, "in") || name_is(name, len, "in_newline")) {
		path_list(ev, e->inputs, edge_explicit_ins(e),
			  len == 2 ? ' ' : '\n', out);
		return;
	}
	if (name_is(name, len, "out")) {
		path_list(ev, e->outputs, e->noutputs - e->nimplicit_outs, ' ',
			  out);
		return;
	}
	if (ev->recursive) {
		for (int i = 0; i < ev->nlookups; i++) {
			if (ev->lookup_lens[i] != len ||
			    memcmp(ev->lookups[i], name, len) != 0)
				continue;
			if (!eval_error) {
				struct buf b = {0};
				buf_adds(&b, "cycle in rule variables: ");
				for (int j = i; j < ev->nlookups; j++) {
					buf_add(&b, ev->lookups[j], ev->lookup_lens[j]);
					buf_adds(&b, " -> ");
				}
				buf_add(&b, name, len);
				eval_error = b.s;
			}
			return;
		}
	}
	const struct evalstr *es = hmap_get(&e->rule->bindings, name, len);
	bool record = ev->recursive && es;
	if (record) {
		if (ev->nlookups == MAX_LOOKUPS)
			return;
		ev->lookups[ev->nlookups] = name;
		ev->lookup_lens[ev->nlookups++] = len;
	}
	/* Rule variables rarely refer to each other; only start watching for
	 * cycles after the first lookup, as ninja does. */
	ev->recursive = true;
	/* The edge's scope first (which is the file scope when the edge has no
	 * bindings of its own), then the rule, then the enclosing scopes. */
	const struct scope_val *v = scope_get_own(e->env, name, len);
	if (v)
		buf_add(out, v->s, v->len);
	else if (es)
		evalstr_eval(es, edge_lookup, ev, out);
	else if ((v = scope_lookup(e->env->parent, name, len)))
		buf_add(out, v->s, v->len);
	if (record)
		ev->nlookups--;
}

static void binding(const struct edge *e, const char *name, bool escape,
		    struct buf *out)
{
	struct edge_eval ev = {.e = e, .escape = escape};
	edge_lookup(&ev, name, strlen(name), out);
}

void edge_binding(const struct edge *e, const char *name, struct buf *out)
{
	binding(e, name, true, out);
}

void edge_binding_raw(const struct edge *e, const char *name, struct buf *out)
{
	binding(e, name, false, out);
}

bool edge_own_binding(const struct edge *e, const char *name, struct buf *out)
{
	size_t len = strlen(name);
	const struct scope_val *v =
		e->own_env ? scope_get_own(e->env, name, len) : NULL;
	if (v) {
		buf_add(out, v->s, v->len);
		return true;
	}
	const struct evalstr *es = hmap_get(&e->rule->bindings, name, len);
	if (!es)
		return false;
	struct edge_eval ev = {.e = e, .escape = true, .recursive = true};
	evalstr_eval(es, edge_lookup, &ev, out);
	return true;
}

bool edge_binding_bool(const struct edge *e, const char *name)
{
	struct buf b = {0};
	binding(e, name, true, &b);
	bool r = b.len > 0;
	buf_free(&b);
	return r;
}

void edge_command(const struct edge *e, bool incl_rsp, struct buf *out)
{
	binding(e, "command", true, out);
	if (!incl_rsp)
		return;
	struct buf rsp = {0};
	binding(e, "rspfile_content", true, &rsp);
	if (rsp.len) {
		buf_adds(out, ";rspfile=");
		buf_add(out, rsp.s, rsp.len);
	}
	buf_free(&rsp);
}

bool edge_all_inputs_ready(const struct edge *e)
{
	for (size_t i = 0; i < e->ninputs; i++) {
		struct edge *in = e->inputs[i]->in_edge;
		if (in && !in->outputs_ready)
			return false;
	}
	return true;
}

bool edge_use_console(const struct edge *e)
{
	return e->pool && e->pool->name && strcmp(e->pool->name, "console") == 0;
}
