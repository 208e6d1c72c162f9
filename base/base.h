/* base: what every layer uses. Errors, allocation that cannot fail, byte
 * buffers, the arena, the hash map and its hashes, whole-file reading and
 * writing, memory sizes, edit distance. Depends on nothing of nj's. */
#ifndef NJ_BASE_H
#define NJ_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ---------------------------------------------------------------
 * Functions that can fail return 0 on success and -1 on failure, with the
 * message (no trailing newline, no "ninja: error: " prefix) in *err. */
struct err {
	char *msg; /* malloc'd; NULL when no error */
	bool fatal; /* ninja says "fatal" rather than "error" for this one */
};
void err_set(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepend context: "ctx: old message". */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

/* Allocation that cannot fail: on exhaustion nj prints and aborts, since no
 * caller could do anything better. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow *p (an array of elem-sized items with capacity *cap) to hold need. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem);

/* ---- growable byte buffer (always NUL-terminated when len > 0 or after
 * buf_cstr) ---------------------------------------------------------------- */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *buf_cstr(struct buf *b); /* "" for an empty buffer */
void buf_clear(struct buf *b);       /* len = 0, keeps memory */
void buf_free(struct buf *b);
/* Append s, or when it is longer than max, its first and last max/2 bytes
 * around "...[N bytes elided]...": for messages that quote a command. */
void buf_add_elided(struct buf *b, const char *s, size_t n, size_t max);
#define MSG_QUOTE_MAX 512
/* Shorten b to `width` terminal columns by putting "..." in its middle,
 * as ninja's status line does: colour sequences ("\x1b[...m") take no
 * columns, none is cut, and those inside the cut are kept. */
void buf_elide_middle(struct buf *b, size_t width);

/* ---- arena: bump allocation for everything that lives as long as the
 * loaded state (nodes, edges, strings). Freed all at once. ---------------- */
struct arena {
	struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Like xgrow, but the array lives in the arena (the old copy is abandoned):
 * for the many small per-node arrays, which must not churn the heap. */
void arena_grow(struct arena *a, void **p, size_t *cap, size_t need,
		size_t elem);
void arena_free(struct arena *a);

/* ---- hash map from byte strings to pointers. Keys are not copied: they
 * must outlive the map (they usually live in an arena). ------------------ */
struct hmap_slot {
	const char *key;
	size_t keylen;
	uint64_t hash;
	void *val;
};
struct hmap {
	struct hmap_slot *slots;
	size_t cap, len; /* cap is 0 or a power of two */
};
/* The map's hash: fast, never stored. */
uint64_t hash_bytes(const char *s, size_t n);
void *hmap_get(const struct hmap *m, const char *key, size_t keylen);
/* Insert or replace; returns the previous value or NULL. */
void *hmap_put(struct hmap *m, const char *key, size_t keylen, void *val);
void hmap_free(struct hmap *m);

/* ---- pointer maps and sets ---------------------------------------------------
 * Keyed by a pair of non-NULL a and any b (NULL for a plain set). */
struct ptrmap_slot {
	const void *a, *b;
	uintptr_t val;
};
struct ptrmap {
	struct ptrmap_slot *slots;
	size_t cap, len;
};
bool ptrmap_get(const struct ptrmap *m, const void *a, const void *b,
		uintptr_t *val);
/* Insert or overwrite; true when (a, b) was not there. */
bool ptrmap_put(struct ptrmap *m, const void *a, const void *b, uintptr_t val);
void ptrmap_free(struct ptrmap *m);
/* The set view: adds p, false if it was already there. */
bool ptrset_add(struct ptrmap *s, const void *p);
bool ptrset_has(const struct ptrmap *s, const void *p);

/* ---- files ---------------------------------------------------------------- */
/* Read a whole file. Returns 0, or -1 with errno set (err gets "path: why").
 * The buffer is NUL-terminated and has 16 spare bytes for re2c lookahead. */
int read_file(const char *path, char **data, size_t *len, struct err *err);

/* write(2) all of p, going on after a short write or EINTR: a log record
 * is one write call unless the kernel splits it. -1 with errno set. */
int write_all(int fd, const void *p, size_t len);

/* ---- hashes ----------------------------------------------------------------
 * MurmurHash64A (Austin Appleby) over len bytes with the given seed: 8-byte
 * blocks in native byte order, the tail first byte lowest, as ninja reads
 * them for .ninja_log versions 5 and 6. */
uint64_t murmur64a(const void *p, size_t len, uint64_t seed);

/* ---- edit distance ----------------------------------------------------------
 * Levenshtein distance with replacements (ninja's EditDistance), for "did
 * you mean". Stops early: any distance above max is returned as max + 1. */
int edit_distance(const char *a, size_t na, const char *b, size_t nb, int max);
/* The word closest to `text` within 3 edits (the first of equals), or
 * NULL: ninja's SpellcheckString, for "did you mean" hints. */
const char *spellcheck(const char *text, const char *const *words, size_t n);

/* ---- sizes ---------------------------------------------------------------
 * "mem = SIZE": bytes, or a number (decimals allowed) with K, M, G or T,
 * optionally followed by "iB" or "B"; every suffix is a power of 1024
 * ("2G" = "2GiB" = "2GB" = 2147483648). Returns -1 on anything else. */
int parse_size(const char *s, size_t len, int64_t *out);
/* "1.5G"-style for messages and the status line. */
void format_size(int64_t bytes, struct buf *out);

#endif
