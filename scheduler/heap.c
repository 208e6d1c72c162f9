/* The ready set: a binary max-heap by critical-path weight. */
#include "scheduler.h"

#include <stdlib.h>

static bool before(const struct heap_entry *a, const struct heap_entry *b)
{
	if (a->weight != b->weight)
		return a->weight > b->weight;
	return a->e->id < b->e->id;
}

void heap_push(struct edge_heap *h, struct edge *e, double weight)
{
	xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
	struct heap_entry x = {weight, e};
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
