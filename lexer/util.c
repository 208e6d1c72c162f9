/* Errors, allocation, buffers, arena, hash map, file reading. */
#include "lexer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(void)
{
	fputs("nj: fatal: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

void xgrow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * elem);
	*cap = c;
}

static char *vfmt(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	free(e->msg);
	e->msg = s;
}

void err_prefix(struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = vfmt(fmt, ap);
	va_end(ap);
	struct buf b = {0};
	buf_adds(&b, p);
	buf_adds(&b, ": ");
	buf_adds(&b, e->msg ? e->msg : "");
	free(p);
	free(e->msg);
	e->msg = xstrdup(buf_cstr(&b));
	buf_free(&b);
}

void err_clear(struct err *e)
{
	free(e->msg);
	e->msg = NULL;
	e->fatal = false;
}

/* ---- buffers ---- */

static void buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 64;
	while (c < need)
		c *= 2;
	b->s = xrealloc(b->s, c);
	b->cap = c;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = 0;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n > 0) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

const char *buf_cstr(struct buf *b)
{
	if (!b->s)
		return "";
	b->s[b->len] = 0;
	return b->s;
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* ---- arena ---- */

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

/* ---- hash map: open addressing, linear probing ---- */

uint64_t hash_bytes(const char *s, size_t n)
{
	/* Eight bytes a step, MurmurHash64A's mixing: byte-at-a-time FNV-1a
	 * was a chain of one multiply per byte, and every path, variable and
	 * rule name of a manifest is hashed at least once (9% of loading a
	 * 100k-edge manifest under perf; see bench/README.md). The result is
	 * never stored, so byte order does not matter. */
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	uint64_t h = 0xcbf29ce484222325ULL ^ (n * m);
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t k;
		memcpy(&k, s, sizeof k);
		k *= m;
		k ^= k >> 47;
		k *= m;
		h ^= k;
		h *= m;
	}
	if (n) {
		uint64_t k = 0;
		memcpy(&k, s, n);
		h ^= k;
		h *= m;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
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

/* ---- files ---- */

int write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

int read_file(const char *path, char **data, size_t *len, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		err_set(err, "%s: %s", path, strerror(e));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		err_set(err, "%s: %s", path, strerror(EISDIR));
		return -1;
	}
	/* One spare byte, so that the read which finds the end of a file of
	 * the size fstat said does not first double (and copy) the buffer:
	 * that copy was 8% of loading a 57 MB manifest. */
	size_t cap = (st.st_size > 0 ? (size_t)st.st_size : 4096) + 1, n = 0;
	char *p = xmalloc(cap + 17);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			p = xrealloc(p, cap + 17);
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(p);
			close(fd);
			errno = e;
			err_set(err, "%s: %s", path, strerror(e));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	memset(p + n, 0, 17);
	*data = p;
	*len = n;
	return 0;
}
