/* The memory chain: jobs too big to run two at a time.
 *
 * Two jobs that each need more than half the memory run one after another
 * in every schedule, so together they are a chain as long as the sum of
 * their run times, however independent the graph says they are. The
 * critical path does not see that: in a build of three 3.6G links in 6G it
 * gives a free slot to a compile feeding the second link, while the first
 * link, ready, waits; every second it waits is added to the whole build
 * (bench/memory.py, mem-mixed). Linking them, in the order they can first
 * start, makes the first carry the length of all of them, and what feeds
 * each the length of the rest.
 *
 * Jobs of which only two fit at once run in two lanes the same way: in
 * mem-phases (four 2.4G links in 6G, each after three small links), the
 * critical path ran all twelve small links first and the large ones two
 * by two after them, where the first two could have run beside the rest. */
#include "scheduler.h"

#include <stdlib.h>

struct big {
	struct edge *e;
	int lanes;   /* policy_lanes: 1 or 2 run at once */
	int64_t est; /* its estimate */
	double head; /* when it can start at the earliest: its longest chain
		      * of planned inputs */
};

/* Longest path of planned work before e can start (memoised in head[],
 * by edge id; -1 unknown, -2 on the stack), without recursion. */
static double earliest(struct builder *b, struct edge *root, double *head,
		       double dflt)
{
	struct frame {
		struct edge *e;
		size_t i;
		double best;
	} *stack = NULL;
	size_t n = 0, cap = 0;
	xgrow((void **)&stack, &cap, 1, sizeof(*stack));
	stack[n++] = (struct frame){.e = root};
	head[root->id] = -2;
	while (n) {
		struct frame *f = &stack[n - 1];
		struct edge *next = NULL;
		while (!next && f->i < f->e->ninputs) {
			const struct node *in = f->e->inputs[f->i++];
			struct edge *p = in->in_edge;
			if (!p || p->id >= b->nsched ||
			    sched(b, p)->want == WANT_NONE)
				continue;
			if (head[p->id] == -2)
				continue; /* a cycle: not ours to report */
			if (head[p->id] < 0) {
				next = p;
				break;
			}
			double t = head[p->id] + plan_edge_cost(p, dflt);
			if (t > f->best)
				f->best = t;
		}
		if (next) {
			head[next->id] = -2;
			xgrow((void **)&stack, &cap, n + 1, sizeof(*stack));
			stack[n++] = (struct frame){.e = next};
			continue;
		}
		head[f->e->id] = f->best;
		n--;
		if (n) {
			struct frame *up = &stack[n - 1];
			double t = f->best + plan_edge_cost(f->e, dflt);
			if (t > up->best)
				up->best = t;
		}
	}
	free(stack);
	return head[root->id];
}

static int by_head(const void *a, const void *b)
{
	const struct big *x = a, *y = b;
	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	return x->e->id < y->e->id ? -1 : x->e->id > y->e->id;
}

static int by_est(const void *a, const void *b)
{
	const struct big *x = a, *y = b;
	if (x->est != y->est)
		return x->est < y->est ? -1 : 1;
	return x->e->id < y->e->id ? -1 : x->e->id > y->e->id;
}

/* Two-lane jobs that can start at the same moment go largest, smallest,
 * next largest, next smallest...: the k-th of each lane runs beside the
 * other's k-th, so each pair is a large and a small one. In edge order,
 * seven links of 2.5 to 3G in 6G paired 2.9G with 3.0G, which do not fit
 * together, and the three largest ran one at a time at the end. */
static void pair_up(struct big *bigs, size_t n)
{
	struct big *two = xmalloc(n * sizeof(*two)), *out = xmalloc(n * sizeof(*out));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (bigs[i].lanes == 2)
			two[m++] = bigs[i];
	for (size_t i = 0, end; i < m; i = end) {
		for (end = i + 1; end < m && two[end].head == two[i].head; end++)
			;
		qsort(two + i, end - i, sizeof(*two), by_est);
		size_t lo = i, hi = end, k = i;
		if (two[i].est == two[end - 1].est) { /* all alike: as they were */
			for (; k < end; k++)
				out[k] = two[k];
			continue;
		}
		while (lo < hi) {
			out[k++] = two[--hi];
			if (lo < hi)
				out[k++] = two[lo++];
		}
	}
	/* Back into the two-lane jobs' places; the others keep theirs. */
	for (size_t i = 0, k = 0; i < n; i++)
		if (bigs[i].lanes == 2)
			bigs[i] = out[k++];
	free(two);
	free(out);
}

size_t chain_link(struct builder *b, double dflt)
{
	if (!b->mem.enabled)
		return 0; /* nothing was ever linked */
	struct big *bigs = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < b->nplanned; i++) {
		struct edge *e = b->planned[i];
		sched(b, e)->mem_next = NULL;
		int want = sched(b, e)->want;
		if (edge_is_phony(e) ||
		    (want != WANT_TO_START && want != WANT_TO_FINISH))
			continue;
		/* Only what is known: a default guess is no reason to queue. */
		int64_t est = admit_estimate(b, e);
		int lanes = policy_lanes(&b->mem, est);
		if (sched(b, e)->mem_source == MEM_FROM_DEFAULT || !lanes)
			continue;
		xgrow((void **)&bigs, &cap, n + 1, sizeof(*bigs));
		bigs[n++] = (struct big){.e = e, .lanes = lanes, .est = est};
	}
	if (n < 2) {
		free(bigs);
		return 0;
	}
	double *head = xmalloc(b->nsched * sizeof(*head));
	for (size_t i = 0; i < b->nsched; i++)
		head[i] = -1;
	for (size_t i = 0; i < n; i++)
		bigs[i].head = earliest(b, bigs[i].e, head, dflt);
	free(head);
	qsort(bigs, n, sizeof(*bigs), by_head);
	pair_up(bigs, n);
	/* Each size class in its own lanes: the k-th job of a class that
	 * runs two at a time follows the (k-2)-th. */
	size_t linked = 0;
	for (int lanes = 1; lanes <= 2; lanes++) {
		struct edge *last[2] = {NULL, NULL};
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (bigs[i].lanes != lanes)
				continue;
			struct edge **prev = &last[k++ % (size_t)lanes];
			if (*prev) {
				sched(b, *prev)->mem_next = bigs[i].e;
				linked++;
			}
			*prev = bigs[i].e;
		}
	}
	free(bigs);
	return linked;
}
