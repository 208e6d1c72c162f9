/* lexer: the lowest component. Shared helpers (errors, buffers, arena, hash
 * map), the re2c manifest lexer, evaluated strings and variable scopes, and
 * the depfile parser. Nothing here knows about nodes or edges. */
#ifndef NJ_LEXER_H
#define NJ_LEXER_H

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
uint64_t hash_bytes(const char *s, size_t n);
void *hmap_get(const struct hmap *m, const char *key, size_t keylen);
/* Insert or replace; returns the previous value or NULL. */
void *hmap_put(struct hmap *m, const char *key, size_t keylen, void *val);
void hmap_free(struct hmap *m);

/* ---- files ---------------------------------------------------------------- */
/* Read a whole file. Returns 0, or -1 with errno set (err gets "path: why").
 * The buffer is NUL-terminated and has 16 spare bytes for re2c lookahead. */
int read_file(const char *path, char **data, size_t *len, struct err *err);

/* write(2) all of p, going on after a short write or EINTR: a log record
 * is one write call unless the kernel splits it. -1 with errno set. */
int write_all(int fd, const void *p, size_t len);

/* ---- manifest lexer ------------------------------------------------------ */
enum token {
	TOK_ERROR,
	TOK_BUILD,
	TOK_COLON,
	TOK_DEFAULT,
	TOK_EQUALS,
	TOK_IDENT,
	TOK_INCLUDE,
	TOK_INDENT,
	TOK_NEWLINE,
	TOK_PIPE,
	TOK_PIPE2,
	TOK_PIPEAT,
	TOK_POOL,
	TOK_RULE,
	TOK_SUBNINJA,
	TOK_EOF,
};
const char *token_name(enum token t);
/* What the user would expect to see, for "expected X, got Y" messages. */
const char *token_error_hint(enum token expected);

/* A part of an evaluated string: literal text or a variable reference. */
struct evalpart {
	struct evalpart *next;
	const char *s; /* points into the manifest buffer or the arena */
	uint32_t len;
	bool var;
};
/* An unevaluated string such as "$cc -c $in". Parts live in an arena. */
struct evalstr {
	struct evalpart *head, *tail;
};

struct lexer {
	const char *filename;
	const char *input; /* whole file, NUL-terminated */
	size_t input_len;
	const char *ofs;        /* current position */
	const char *last_token; /* start of the last token read, for errors */
	struct arena *arena;    /* where evalparts go */
};
void lexer_init(struct lexer *lx, const char *filename, const char *input,
		size_t len, struct arena *arena);
enum token lexer_read(struct lexer *lx);
/* Rewind to the start of the last token. */
void lexer_unread(struct lexer *lx);
/* Consume the token if it is t. */
bool lexer_peek(struct lexer *lx, enum token t);
/* Read a name ([a-zA-Z0-9_.-]+) into name and len; false if none. */
bool lexer_ident(struct lexer *lx, const char **name, size_t *len);
/* Read a path (stops at space, ':', '|', newline) or a value (stops at
 * newline) into out, which is reset first. */
int lexer_evalstr(struct lexer *lx, struct evalstr *out, bool path,
		  struct err *err);
/* Read a token that must be `want`: else "expected X, got Y". */
int lexer_expect(struct lexer *lx, enum token want, struct err *err);
/* "name = value", the value left unevaluated. */
int lexer_let(struct lexer *lx, const char **name, size_t *len,
	      struct evalstr *val, struct err *err);
/* "FILE:LINE: MSG\nLINE TEXT\n   ^ near here", pointing at the last token. */
void lexer_error(struct lexer *lx, struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- variable scopes and evaluation --------------------------------------- */
/* A scope maps names to evaluated values; lookups fall back to the parent.
 * Values are arena strings. */
struct scope {
	struct scope *parent;
	struct hmap vars; /* name -> struct scope_val* */
	struct hmap rules; /* name -> rule (opaque here; graph owns rules) */
};
struct scope_val {
	const char *s;
	size_t len;
};
struct scope *scope_new(struct arena *a, struct scope *parent);
void scope_set(struct scope *sc, struct arena *a, const char *name,
	       size_t namelen, const char *val, size_t vallen);
/* Own binding only, no parent fallback. */
const struct scope_val *scope_get_own(const struct scope *sc, const char *name,
				      size_t len);
/* Walks to the root; NULL if unbound anywhere. */
const struct scope_val *scope_lookup(const struct scope *sc, const char *name,
				     size_t len);
void scope_free(struct scope *sc); /* frees the maps; the arena owns the rest */

/* Evaluation is generic: a lookup callback appends a variable's value. */
typedef void (*eval_lookup_fn)(void *ctx, const char *name, size_t len,
			       struct buf *out);
void evalstr_eval(const struct evalstr *es, eval_lookup_fn fn, void *ctx,
		  struct buf *out);
/* Evaluate against a plain scope chain. */
void evalstr_eval_scope(const struct evalstr *es, const struct scope *sc,
			struct buf *out);
/* Re-serialise with $-escapes (for -t rules -d style output and tests). */
void evalstr_unparse(const struct evalstr *es, struct buf *out);
bool evalstr_empty(const struct evalstr *es);

/* Append s to out, quoted for /bin/sh when it holds anything but safe
 * characters (ninja's GetShellEscapedString). */
void shell_escape(const char *s, size_t n, struct buf *out);

/* ---- depfiles (Makefile-style "out: in in ...") ---------------------------
 * Parsed in place: the strings point into buf, which is modified. The rules
 * are ninja's: backslash and $$ escapes, multiple targets, several rules. */
struct strview {
	char *s;
	size_t len;
};
struct depfile {
	struct strview *outs;
	size_t nouts, outs_cap;
	struct strview *ins; /* deduplicated, in first-seen order */
	size_t nins, ins_cap;
};
int depfile_parse(struct depfile *d, char *buf, size_t len, struct err *err);
void depfile_free(struct depfile *d);

/* ---- sizes ---------------------------------------------------------------
 * "mem = SIZE": bytes, or a number (decimals allowed) with K, M, G or T,
 * optionally followed by "iB" or "B"; every suffix is a power of 1024
 * ("2G" = "2GiB" = "2GB" = 2147483648). Returns -1 on anything else. */
int parse_size(const char *s, size_t len, int64_t *out);
/* "1.5G"-style for messages and the status line. */
void format_size(int64_t bytes, struct buf *out);

/* ---- deps = msvc ----------------------------------------------------------
 * Split a cl.exe-style output into the included files (sorted, unique,
 * malloc'd, system headers left out) and what remains for the user
 * (appended to filtered). prefix: msvc_deps_prefix, or NULL for
 * "Note: including file: ". */
int msvc_deps_parse(const char *out, size_t len, const char *prefix,
		    struct buf *filtered, char ***includes, size_t *n);

#endif
