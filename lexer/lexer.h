/* lexer: the re2c manifest lexer, evaluated strings and variable scopes,
 * shell quoting, the depfile parser and deps = msvc's filter. Nothing here
 * knows about nodes or edges. */
#ifndef NJ_LEXER_H
#define NJ_LEXER_H

#include "../base/base.h"

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
	/* The file's ninja_required_version, as parse_version reads it: the
	 * $^ escape needs 1.14 or later, set earlier in the same file. */
	int version_major, version_minor;
	bool newline_checked; /* a $^ passed that check already */
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
/* The length evalstr_eval_scope would give, without building it. */
size_t evalstr_len_scope(const struct evalstr *es, const struct scope *sc);
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

/* ---- deps = msvc ----------------------------------------------------------
 * Split a cl.exe-style output into the included files (sorted, unique,
 * malloc'd, system headers left out) and what remains for the user
 * (appended to filtered). prefix: msvc_deps_prefix, or NULL for
 * "Note: including file: ". */
int msvc_deps_parse(const char *out, size_t len, const char *prefix,
		    struct buf *filtered, char ***includes, size_t *n);

#endif
