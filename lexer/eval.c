/* Variable scopes, evaluation of $-strings and shell quoting. */
#include "lexer.h"

#include <stdint.h>
#include <string.h>

struct scope *scope_new(struct arena *a, struct scope *parent)
{
	struct scope *sc = arena_alloc(a, sizeof(*sc));
	sc->parent = parent;
	return sc;
}

void scope_set(struct scope *sc, struct arena *a, const char *name,
	       size_t namelen, const char *val, size_t vallen)
{
	struct scope_val *v = hmap_get(&sc->vars, name, namelen);
	if (!v) {
		v = arena_alloc(a, sizeof(*v));
		name = arena_strndup(a, name, namelen);
		hmap_put(&sc->vars, name, namelen, v);
	}
	v->s = arena_strndup(a, val, vallen);
	v->len = vallen;
}

const struct scope_val *scope_get_own(const struct scope *sc, const char *name,
				      size_t len)
{
	return hmap_get(&sc->vars, name, len);
}

const struct scope_val *scope_lookup(const struct scope *sc, const char *name,
				     size_t len)
{
	for (; sc; sc = sc->parent) {
		const struct scope_val *v = hmap_get(&sc->vars, name, len);
		if (v)
			return v;
	}
	return NULL;
}

void scope_free(struct scope *sc)
{
	hmap_free(&sc->vars);
	hmap_free(&sc->rules);
}

void evalstr_eval(const struct evalstr *es, eval_lookup_fn fn, void *ctx,
		  struct buf *out)
{
	for (const struct evalpart *p = es->head; p; p = p->next) {
		if (p->var)
			fn(ctx, p->s, p->len, out);
		else
			buf_add(out, p->s, p->len);
	}
}

static void scope_lookup_fn(void *ctx, const char *name, size_t len,
			    struct buf *out)
{
	const struct scope_val *v = scope_lookup(ctx, name, len);
	if (v)
		buf_add(out, v->s, v->len);
}

void evalstr_eval_scope(const struct evalstr *es, const struct scope *sc,
			struct buf *out)
{
	evalstr_eval(es, scope_lookup_fn, (void *)sc, out);
}

size_t evalstr_len_scope(const struct evalstr *es, const struct scope *sc)
{
	size_t n = 0;
	for (const struct evalpart *p = es->head; p; p = p->next) {
		size_t add = p->len;
		if (p->var) {
			const struct scope_val *v = scope_lookup(sc, p->s, p->len);
			add = v ? v->len : 0;
		}
		n = add > SIZE_MAX - n ? SIZE_MAX : n + add;
	}
	return n;
}

void evalstr_unparse(const struct evalstr *es, struct buf *out)
{
	for (const struct evalpart *p = es->head; p; p = p->next) {
		if (p->var) {
			buf_adds(out, "${");
			buf_add(out, p->s, p->len);
			buf_addc(out, '}');
			continue;
		}
		for (uint32_t i = 0; i < p->len; i++) {
			char c = p->s[i];
			if (c == '$' || c == ' ' || c == ':')
				buf_addc(out, '$');
			if (c == '\n')
				buf_adds(out, "$\n");
			else
				buf_addc(out, c);
		}
	}
}

bool evalstr_empty(const struct evalstr *es) { return es->head == NULL; }

static bool shell_safe(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' ||
	       c == '.' || c == '/';
}

void shell_escape(const char *s, size_t n, struct buf *out)
{
	size_t i;
	for (i = 0; i < n && shell_safe(s[i]); i++)
		;
	if (i == n) {
		buf_add(out, s, n);
		return;
	}
	/* Single quotes; an embedded ' becomes '\'' */
	buf_addc(out, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addc(out, s[i]);
	}
	buf_addc(out, '\'');
}
