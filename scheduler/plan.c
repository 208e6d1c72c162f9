/* The plan: which edges the requested targets need, which are ready, and
 * what finishing one makes ready. ninja's Plan, with a critical-path
 * ordered ready set and pool waits kept per pool. */
#include "scheduler.h"

#include <stdlib.h>
#include <string.h>

static void set_want(struct builder *b, struct edge *e, enum want w)
{
	if (sched(b, e)->want == WANT_NONE) {
		xgrow((void **)&b->planned, &b->planned_cap, b->nplanned + 1,
		      sizeof(*b->planned));
		b->planned[b->nplanned++] = e;
	}
	sched(b, e)->want = w;
}

static void edge_wanted(struct builder *b, struct edge *e)
{
	b->wanted_edges++;
	if (!edge_is_phony(e)) {
		b->command_edges++;
		if (b->status->edge_planned)
			b->status->edge_planned(b->status, e, true);
	}
}

static void schedule(struct builder *b, struct edge *e)
{
	if (sched(b, e)->want == WANT_TO_FINISH)
		return;
	sched(b, e)->want = WANT_TO_FINISH;
	heap_push(&b->ready, e, sched(b, e)->critical_weight);
}

/* ninja's AddSubTarget; walk (when not NULL) collects edges met while
 * adding what a dyndep file revealed. */
static int add_sub_target(struct builder *b, struct node *n,
			  struct node *dependent, struct edge ***walk,
			  size_t *nwalk, size_t *walk_cap, struct err *err)
{
	struct edge *e = n->in_edge;
	if (!e) {
		/* A source file. Dirty means missing: nothing can make it. */
		if (n->dirty && !n->generated_by_dep_loader) {
			if (dependent)
				err_set(err, "'%s', needed by '%s', missing and no "
					     "known rule to make it",
					n->path, dependent->path);
			else
				err_set(err, "'%s' missing and no known rule to "
					     "make it",
					n->path);
			return -1;
		}
		return 1;
	}
	if (e->outputs_ready)
		return 1;
	bool new_entry = sched(b, e)->want == WANT_NONE;
	if (new_entry)
		set_want(b, e, WANT_NOTHING);
	if (walk && sched(b, e)->want == WANT_TO_FINISH)
		return 1;
	if (n->dirty && sched(b, e)->want == WANT_NOTHING) {
		sched(b, e)->want = WANT_TO_START;
		edge_wanted(b, e);
	}
	if (walk) {
		xgrow((void **)walk, walk_cap, *nwalk + 1, sizeof(**walk));
		(*walk)[(*nwalk)++] = e;
	}
	if (!new_entry)
		return 0;
	for (size_t i = 0; i < e->ninputs; i++)
		if (add_sub_target(b, e->inputs[i], n, walk, nwalk, walk_cap,
				   err) < 0)
			return -1;
	return 0;
}

int plan_add_target(struct builder *b, struct node *n, struct err *err)
{
	return add_sub_target(b, n, NULL, NULL, NULL, NULL, err) < 0 ? -1 : 0;
}

bool plan_more_to_do(const struct builder *b)
{
	return b->wanted_edges > 0 && b->command_edges > 0;
}

/* ---- critical path ---- */

double plan_edge_cost(const struct edge *e, double dflt)
{
	if (edge_is_phony(e))
		return 0;
	const struct node *o = e->outputs[0];
	if (o->has_log && o->log_end_ms >= o->log_start_ms)
		return (double)(o->log_end_ms - o->log_start_ms) + 1;
	return dflt;
}

struct cp_frame {
	struct edge *e;
	size_t oi, ei;
	bool chained; /* its mem_next looked at */
	double best;
};

/* Weight of an edge = its own cost plus the heaviest chain of planned
 * edges that wait for it; computed without recursion, since chains in
 * real graphs can be very long. The next job of the memory chain
 * (chain.c) counts as waiting for it. */
static void compute_critical(struct builder *b)
{
	double sum = 0;
	size_t known = 0;
	for (size_t i = 0; i < b->nplanned; i++) {
		struct edge *e = b->planned[i];
		sched(b, e)->critical_weight = -1;
		if (!edge_is_phony(e) && e->outputs[0]->has_log) {
			sum += plan_edge_cost(e, 1);
			known++;
		}
	}
	double dflt = known ? sum / (double)known : 1;
	chain_link(b, dflt);
	struct cp_frame *stack = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < b->nplanned; i++) {
		if (sched(b, b->planned[i])->critical_weight >= 0)
			continue;
		xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
		stack[n++] = (struct cp_frame){.e = b->planned[i]};
		while (n) {
			struct cp_frame *f = &stack[n - 1];
			struct edge *next = NULL;
			while (!next && (f->oi < f->e->noutputs || !f->chained)) {
				struct edge *d;
				if (f->oi == f->e->noutputs) {
					f->chained = true;
					d = sched(b, f->e)->mem_next;
					if (!d)
						continue;
				} else {
					struct node *o = f->e->outputs[f->oi];
					if (f->ei >= o->nout_edges) {
						f->oi++;
						f->ei = 0;
						continue;
					}
					d = o->out_edges[f->ei++];
				}
				if (sched(b, d)->want == WANT_NONE)
					continue;
				if (sched(b, d)->critical_weight >= 0) {
					if (sched(b, d)->critical_weight > f->best)
						f->best = sched(b, d)->critical_weight;
					continue;
				}
				if (sched(b, d)->critical_weight == -2)
					continue; /* on the stack: not a DAG here */
				next = d;
			}
			if (next) {
				sched(b, next)->critical_weight = -2;
				xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
				stack[n++] = (struct cp_frame){.e = next};
				continue;
			}
			sched(b, f->e)->critical_weight = f->best + plan_edge_cost(f->e, dflt);
			double w = sched(b, f->e)->critical_weight;
			n--;
			if (n && w > stack[n - 1].best)
				stack[n - 1].best = w;
		}
	}
	free(stack);
}

void plan_prepare(struct builder *b)
{
	compute_critical(b);
	for (size_t i = 0; i < b->nplanned; i++) {
		struct edge *e = b->planned[i];
		if (sched(b, e)->want == WANT_TO_START && edge_all_inputs_ready(e))
			schedule(b, e);
	}
}

/* ---- pools ---- */

static struct edge_heap *pool_wait(struct builder *b, struct pool *p)
{
	for (size_t i = 0; i < b->npool_waits; i++)
		if (b->pool_waits[i].pool == p)
			return &b->pool_waits[i].heap;
	xgrow((void **)&b->pool_waits, &b->pool_waits_cap, b->npool_waits + 1,
	      sizeof(*b->pool_waits));
	b->pool_waits[b->npool_waits] = (struct pool_wait){.pool = p};
	return &b->pool_waits[b->npool_waits++].heap;
}

struct edge *plan_pop_ready(struct builder *b)
{
	struct edge *e;
	while ((e = heap_pop(&b->ready))) {
		struct pool *p = e->pool;
		if (p->depth > 0 && p->current >= p->depth) {
			heap_push(pool_wait(b, p), e, sched(b, e)->critical_weight);
			continue;
		}
		return e;
	}
	return NULL;
}

void plan_take(struct builder *b, struct edge *e)
{
	(void)b;
	e->pool->current++;
}

void plan_put_back(struct builder *b, struct edge *e)
{
	heap_push(&b->ready, e, sched(b, e)->critical_weight);
}

void plan_untake(struct builder *b, struct edge *e)
{
	e->pool->current--;
	plan_put_back(b, e);
}

void plan_pool_release(struct builder *b, struct pool *p)
{
	p->current--;
	if (p->depth <= 0)
		return;
	struct edge *next = heap_pop(pool_wait(b, p));
	if (next)
		heap_push(&b->ready, next, sched(b, next)->critical_weight);
}

/* ---- finishing ---- */

static int node_finished(struct builder *b, struct node *n, struct err *err);

static int edge_maybe_ready(struct builder *b, struct edge *e, struct err *err)
{
	if (!edge_all_inputs_ready(e))
		return 0;
	if (sched(b, e)->want != WANT_NOTHING) {
		schedule(b, e);
		return 0;
	}
	/* Not wanted itself, but something after it may be. */
	return plan_edge_finished(b, e, true, err);
}

static int dyndeps_loaded(struct builder *b, struct node **ns, size_t nn,
			  struct err *err);

int plan_edge_finished(struct builder *b, struct edge *e, bool ok,
		       struct err *err)
{
	bool directly_wanted = sched(b, e)->want != WANT_NOTHING;
	if (directly_wanted)
		plan_pool_release(b, e->pool);
	if (!ok)
		return 0;
	if (directly_wanted)
		b->wanted_edges--;
	sched(b, e)->want = WANT_NONE;
	e->outputs_ready = true;
	/* Every dyndep file the edge made is loaded before any dependent is
	 * looked at: one loaded alone could let an edge of another look
	 * ready (ninja dd1faec2, #2782). */
	struct node **dd = NULL;
	size_t ndd = 0, dd_cap = 0;
	for (size_t i = 0; i < e->noutputs; i++) {
		if (!e->outputs[i]->dyndep_pending)
			continue;
		xgrow((void **)&dd, &dd_cap, ndd + 1, sizeof(*dd));
		dd[ndd++] = e->outputs[i];
	}
	int rc = ndd ? dyndeps_loaded(b, dd, ndd, err) : 0;
	free(dd);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < e->noutputs; i++)
		if (node_finished(b, e->outputs[i], err) < 0)
			return -1;
	return 0;
}

static int node_finished(struct builder *b, struct node *n, struct err *err)
{
	for (size_t i = 0; i < n->nout_edges; i++) {
		struct edge *oe = n->out_edges[i];
		if (sched(b, oe)->want == WANT_NONE)
			continue;
		if (edge_maybe_ready(b, oe, err) < 0)
			return -1;
	}
	return 0;
}

int plan_clean_node(struct builder *b, struct node *n, struct err *err)
{
	n->dirty = false;
	for (size_t i = 0; i < n->nout_edges; i++) {
		struct edge *oe = n->out_edges[i];
		if (sched(b, oe)->want == WANT_NONE || sched(b, oe)->want == WANT_NOTHING)
			continue;
		if (oe->deps_missing)
			continue;
		size_t end = oe->ninputs - oe->norder_only;
		bool any_dirty = false;
		for (size_t j = 0; j < end && !any_dirty; j++)
			any_dirty = oe->inputs[j]->dirty;
		if (any_dirty)
			continue;
		struct node *most_recent = NULL;
		for (size_t j = 0; j < end; j++)
			if (!most_recent ||
			    oe->inputs[j]->mtime > most_recent->mtime)
				most_recent = oe->inputs[j];
		/* deps the scan left unread count too: without them a
		 * changed header would go unseen */
		int rc = scan_skipped_deps(b->st, oe, &most_recent, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (scan_outputs_dirty(b->st, oe, most_recent, &b->tmp))
			continue;
		for (size_t j = 0; j < oe->noutputs; j++)
			if (plan_clean_node(b, oe->outputs[j], err) < 0)
				return -1;
		sched(b, oe)->want = WANT_NOTHING;
		b->wanted_edges--;
		if (!edge_is_phony(oe)) {
			b->command_edges--;
			if (b->status->edge_planned)
				b->status->edge_planned(b->status, oe, false);
			if (b->status->plan_total)
				b->status->plan_total(b->status, b->command_edges);
		}
	}
	return 0;
}

/* ---- dyndep files built during the build ---- */

static void unmark_dependents(struct builder *b, struct node *n,
			      struct node ***deps, size_t *nd, size_t *cap)
{
	for (size_t i = 0; i < n->nout_edges; i++) {
		struct edge *e = n->out_edges[i];
		if (sched(b, e)->want == WANT_NONE || e->mark == VISIT_NONE)
			continue;
		e->mark = VISIT_NONE;
		for (size_t j = 0; j < e->noutputs; j++) {
			struct node *o = e->outputs[j];
			bool seen = false;
			for (size_t k = 0; k < *nd && !seen; k++)
				seen = (*deps)[k] == o;
			if (seen)
				continue;
			xgrow((void **)deps, cap, *nd + 1, sizeof(**deps));
			(*deps)[(*nd)++] = o;
			unmark_dependents(b, o, deps, nd, cap);
		}
	}
}

static int dyndeps_loaded(struct builder *b, struct node **ns, size_t nn,
			  struct err *err)
{
	struct state *st = b->st;
	for (size_t k = 0; k < nn; k++)
		if (dyndep_load(st, ns[k], err) < 0)
			return -1;
	/* Dependents are scanned again now that they have new inputs and
	 * outputs; some may have become dirty. */
	struct node **deps = NULL, **vals = NULL;
	size_t nd = 0, dcap = 0, nv = 0, vcap = 0;
	int rc = -1;
	for (size_t k = 0; k < nn; k++)
		unmark_dependents(b, ns[k], &deps, &nd, &dcap);
	for (size_t i = 0; i < nd; i++) {
		struct node *d = deps[i];
		size_t v0 = nv;
		if (scan_dirty(st, d, &vals, &nv, &vcap, err) < 0)
			goto out;
		for (size_t j = v0; j < nv; j++) {
			struct edge *ve = vals[j]->in_edge;
			if (ve && !ve->outputs_ready &&
			    plan_add_target(b, vals[j], err) < 0)
				goto out;
		}
		if (!d->dirty)
			continue;
		struct edge *e = d->in_edge;
		if (e && sched(b, e)->want == WANT_NOTHING) {
			sched(b, e)->want = WANT_TO_START;
			edge_wanted(b, e);
		}
	}
	/* Walk what the dyndep files added to edges already in the plan. */
	struct edge **walk = NULL;
	size_t nwalk = 0, wcap = 0;
	for (size_t k = 0; k < nn; k++) {
		struct node *n = ns[k];
		for (size_t i = 0; i < n->nout_edges; i++) {
			struct edge *e = n->out_edges[i];
			if (e->dyndep != n || e->outputs_ready ||
			    sched(b, e)->want == WANT_NONE)
				continue;
			for (size_t j = edge_explicit_ins(e);
			     j < e->ninputs - e->norder_only; j++)
				if (add_sub_target(b, e->inputs[j], e->outputs[0],
						   &walk, &nwalk, &wcap, err) < 0) {
					free(walk);
					goto out;
				}
		}
	}
	for (size_t k = 0; k < nn; k++) {
		struct node *n = ns[k];
		for (size_t i = 0; i < n->nout_edges; i++) {
			struct edge *e = n->out_edges[i];
			if (sched(b, e)->want == WANT_NONE)
				continue;
			xgrow((void **)&walk, &wcap, nwalk + 1, sizeof(*walk));
			walk[nwalk++] = e;
		}
	}
	compute_critical(b);
	for (size_t i = 0; i < nwalk; i++) {
		if (sched(b, walk[i])->want == WANT_NONE)
			continue;
		if (edge_maybe_ready(b, walk[i], err) < 0) {
			free(walk);
			goto out;
		}
	}
	free(walk);
	if (b->status->plan_total)
		b->status->plan_total(b->status, b->command_edges);
	rc = 0;
out:
	free(deps);
	free(vals);
	return rc;
}
