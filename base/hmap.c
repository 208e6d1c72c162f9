/* Hash map from byte strings to pointers: open addressing, linear probing. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

uint64_t hash_bytes(const char *s, size_t n)
{
	/* Eight bytes a step: byte-at-a-time FNV-1a was a chain of one
	 * multiply per byte, and every path, variable and rule name of a
	 * manifest is hashed at least once (9% of loading a 100k-edge
	 * manifest; bench/README.md). Never stored: any seed will do. */
	return murmur64a(s, n, 0xcbf29ce484222325ULL);
}

static struct hmap_slot *hmap_find(const struct hmap *m, const char *key,
				   size_t keylen, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];
		if (!s->key)
			return s;
		if (s->hash == h && s->keylen == keylen &&
		    memcmp(s->key, key, keylen) == 0)
			return s;
	}
}

void *hmap_get(const struct hmap *m, const char *key, size_t keylen)
{
	if (!m->cap)
		return NULL;
	struct hmap_slot *s = hmap_find(m, key, keylen, hash_bytes(key, keylen));
	return s->key ? s->val : NULL;
}

void *hmap_put(struct hmap *m, const char *key, size_t keylen, void *val)
{
	/* Grow past 3/4 full. The first table has 8 slots: most maps are
	 * the bindings of one edge (CMake writes about six), and 16 slots of
	 * 32 bytes each were half of an edge's memory (see bench/README.md). */
	if ((m->len + 1) * 4 > m->cap * 3) {
		struct hmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 8;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		for (size_t i = 0; i < old.cap; i++) {
			struct hmap_slot *o = &old.slots[i];
			if (o->key)
				*hmap_find(m, o->key, o->keylen, o->hash) = *o;
		}
		free(old.slots);
	}
	uint64_t h = hash_bytes(key, keylen);
	struct hmap_slot *s = hmap_find(m, key, keylen, h);
	void *prev = NULL;
	if (s->key) {
		prev = s->val;
	} else {
		s->key = key;
		s->keylen = keylen;
		s->hash = h;
		m->len++;
	}
	s->val = val;
	return prev;
}

void hmap_free(struct hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
