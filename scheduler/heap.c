/* The ready set: a binary max-heap by critical-path weight. */
#include "scheduler.h"

#include <stdlib.h>
#include <string.h>

/* Weights as ranks of about a tenth: the exponent and the top three bits
 * of the mantissa of a positive double, which order as the value does
 * (an eighth of an octave, 6 to 12% wide; whole numbers up to 16 exactly).
 * Measured durations are this noisy, and within one rank the manifest's
 * order (ninja's, which keeps a target's objects together) decides. By
 * the exact durations, mem-phases' second build ran the small links of
 * four large ones interleaved, by noise; with two lanes (chain.c) the
 * small links of the first two large ones share one weight but for noise,
 * and by rank they go one large link's at a time. Measured only together
 * with the lanes. */
static uint64_t rank(double weight)
{
	if (!(weight > 0))
		return 0;
	uint64_t bits;
	memcpy(&bits, &weight, sizeof bits);
	return bits >> 49;
}

static bool before(const struct heap_entry *a, const struct heap_entry *b)
{
	if (a->rank != b->rank)
		return a->rank > b->rank;
	return a->e->id < b->e->id;
}

void heap_push(struct edge_heap *h, struct edge *e, double weight)
{
	xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
	struct heap_entry x = {rank(weight), e};
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&x, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = x;
}

struct edge *heap_pop(struct edge_heap *h)
{
	if (!h->n)
		return NULL;
	struct edge *top = h->v[0].e;
	struct heap_entry last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

void heap_free(struct edge_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
