/* A map keyed by a pair of pointers, open addressing with linear probing;
 * with the second pointer NULL it is a set of pointers. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static size_t slot_of(const struct ptrmap *m, const void *a, const void *b)
{
	size_t i = (ptr_hash(a) ^ (ptr_hash(b) * 31)) & (m->cap - 1);
	while (m->slots[i].a && (m->slots[i].a != a || m->slots[i].b != b))
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool ptrmap_get(const struct ptrmap *m, const void *a, const void *b,
		uintptr_t *val)
{
	if (!m->cap)
		return false;
	const struct ptrmap_slot *s = &m->slots[slot_of(m, a, b)];
	if (!s->a)
		return false;
	if (val)
		*val = s->val;
	return true;
}

bool ptrmap_put(struct ptrmap *m, const void *a, const void *b, uintptr_t val)
{
	if ((m->len + 1) * 2 > m->cap) {
		struct ptrmap n = {0};
		n.cap = m->cap ? m->cap * 2 : 64;
		n.slots = xcalloc(n.cap, sizeof(*n.slots));
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].a)
				ptrmap_put(&n, m->slots[i].a, m->slots[i].b,
					   m->slots[i].val);
		free(m->slots);
		*m = n;
	}
	struct ptrmap_slot *s = &m->slots[slot_of(m, a, b)];
	bool fresh = !s->a;
	if (fresh)
		m->len++;
	s->a = a;
	s->b = b;
	s->val = val;
	return fresh;
}

void ptrmap_free(struct ptrmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

bool ptrset_add(struct ptrmap *s, const void *p)
{
	return ptrset_has(s, p) ? false : ptrmap_put(s, p, NULL, 1);
}

bool ptrset_has(const struct ptrmap *s, const void *p)
{
	return ptrmap_get(s, p, NULL, NULL);
}
