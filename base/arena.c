/* The arena: bump allocation for what lives as long as the loaded state. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = 256 * 1024;
		if (n > size / 4)
			size = n; /* large requests get a block of their own */
		struct arena_block *nb = xmalloc(sizeof(*nb) + size);
		nb->used = 0;
		nb->size = size;
		if (b && size == n) {
			/* keep filling the current block afterwards */
			nb->next = b->next;
			b->next = nb;
			nb->used = n;
			memset(nb->data, 0, n);
			return nb->data;
		}
		nb->next = b;
		a->head = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void arena_grow(struct arena *a, void **p, size_t *cap, size_t need,
		size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap * 2 : 1;
	while (c < need)
		c *= 2;
	void *np = arena_alloc(a, c * elem);
	if (*cap)
		memcpy(np, *p, *cap * elem);
	*p = np;
	*cap = c;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}
