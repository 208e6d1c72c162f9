/* The manifest parser: statements of build.ninja into the state. Messages
 * and the places they point at are ninja's, since users and tools read them. */
#include "graph.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SIZE_HINT " (bytes, or a number with K, M, G or T, like 512M or 1.5G)"

/* The files being parsed, innermost first: an include of one of them is a
 * cycle (ninja recurses until its stack overflows), and the chain is
 * bounded so that a long chain of distinct files cannot overflow it
 * either. Files are told apart by device and inode, so another spelling
 * or a symlink of the same file is still a cycle. */
#define MAX_INCLUDE_DEPTH 64
struct include_frame {
	const struct include_frame *parent;
	const char *filename;
	dev_t dev;
	ino_t ino;
	bool known; /* dev and ino were read (not for a string in memory) */
	int depth;
};

struct parser {
	struct state *st;
	struct lexer lx;
	struct scope *env;
	struct buf tmp;
	const struct include_frame *frame;
	/* Where the statement being parsed started, and where its edge
	 * bound "mem": errors found once the statement is read point there. */
	const char *stmt_at, *mem_at;
};

static int parse_file(struct state *st, const char *filename, const char *text,
		      size_t len, struct scope *env,
		      const struct include_frame *frame, struct err *err);

void parse_version(const char *s, int *major, int *minor)
{
	*major = atoi(s);
	const char *dot = strchr(s, '.');
	*minor = dot ? atoi(dot + 1) : 0;
}

/* The file's version is kept in its lexer, for the $^ escape. */
static int check_version(struct state *st, struct lexer *lx,
			 const char *required, struct err *err)
{
	int bmaj, bmin;
	parse_version(NINJA_VERSION, &bmaj, &bmin);
	parse_version(required, &lx->version_major, &lx->version_minor);
	int fmaj = lx->version_major, fmin = lx->version_minor;
	if (bmaj > fmaj) {
		/* the manifest is old, not wrong */
		state_warn(st, "ninja executable version (%s) greater than build "
			   "file ninja_required_version (%s); versions may be "
			   "incompatible.", NINJA_VERSION, required);
		return 0;
	}
	if ((bmaj == fmaj && bmin < fmin) || bmaj < fmaj) {
		err_set(err,
			"ninja version (%s) incompatible with build file "
			"ninja_required_version version (%s).",
			NINJA_VERSION, required);
		err->fatal = true;
		return -1;
	}
	return 0;
}

static const char *eval_scope(struct parser *p, const struct evalstr *es,
			      struct scope *sc)
{
	buf_clear(&p->tmp);
	evalstr_eval_scope(es, sc, &p->tmp);
	return buf_cstr(&p->tmp);
}

/* The longest value a file-scope variable may have: far past any real
 * manifest's (Chromium's are kilobytes), far short of running out. */
#define MAX_VALUE (64 << 20)

static int parse_variable(struct parser *p, struct err *err)
{
	const char *name;
	size_t namelen;
	struct evalstr val;
	if (lexer_let(&p->lx, &name, &namelen, &val, err) < 0)
		return -1;
	/* A value that refers to itself twice doubles with each line: thirty
	 * lines ask for gigabytes (ninja runs out of memory). Measured before
	 * it is built. */
	size_t len = evalstr_len_scope(&val, p->env);
	if (len > MAX_VALUE) {
		lexer_error(&p->lx, err, "variable '%.*s' would be %zu bytes "
			    "long, more than %dM", (int)namelen, name, len,
			    MAX_VALUE >> 20);
		return -1;
	}
	const char *v = eval_scope(p, &val, p->env);
	size_t vlen = p->tmp.len;
	if (namelen == 22 && memcmp(name, "ninja_required_version", 22) == 0 &&
	    check_version(p->st, &p->lx, v, err) < 0)
		return -1;
	scope_set(p->env, &p->st->arena, name, namelen, v, vlen);
	return 0;
}

/* A pool depth is what C++'s from_chars reads as an int, the whole value:
 * an optional '-' and digits, no spaces, no '+', nothing after, no
 * overflow. Negative ones are rejected by the caller, as ninja does. */
static bool parse_depth(const char *s, size_t len, long *depth)
{
	size_t i = 0;
	bool neg = len > 0 && s[0] == '-';
	i += neg;
	if (i == len)
		return false;
	long long v = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > (long long)INT_MAX + neg)
			return false;
	}
	*depth = (long)(neg ? -v : v);
	return true;
}

static int parse_pool(struct parser *p, struct err *err)
{
	const char *name;
	size_t namelen;
	if (!lexer_ident(&p->lx, &name, &namelen)) {
		lexer_error(&p->lx, err, "expected pool name");
		return -1;
	}
	if (lexer_expect(&p->lx, TOK_NEWLINE, err) < 0)
		return -1;
	if (hmap_get(&p->st->pools, name, namelen)) {
		lexer_error(&p->lx, err, "duplicate pool '%.*s'", (int)namelen, name);
		return -1;
	}
	long depth = -1;
	int64_t mem = -1;
	while (lexer_peek(&p->lx, TOK_INDENT)) {
		const char *key;
		size_t keylen;
		struct evalstr val;
		if (lexer_let(&p->lx, &key, &keylen, &val, err) < 0)
			return -1;
		if (keylen == 5 && memcmp(key, "depth", 5) == 0) {
			const char *v = eval_scope(p, &val, p->env);
			if (!parse_depth(v, p->tmp.len, &depth) || depth < 0) {
				lexer_error(&p->lx, err, "invalid pool depth");
				return -1;
			}
		} else if (keylen == 3 && memcmp(key, "mem", 3) == 0) {
			/* nj's extension: the memory each edge of the pool needs */
			const char *v = eval_scope(p, &val, p->env);
			/* empty: not declared, as on a rule or an edge */
			if (p->tmp.len && parse_size(v, p->tmp.len, &mem) < 0) {
				lexer_error(&p->lx, err, "invalid mem size '%s'%s", v,
					    SIZE_HINT);
				return -1;
			}
		} else {
			lexer_error(&p->lx, err, "unexpected variable '%.*s'",
				    (int)keylen, key);
			return -1;
		}
	}
	if (depth < 0) {
		lexer_error(&p->lx, err, "expected 'depth =' line");
		return -1;
	}
	struct pool *pool = state_pool(p->st, name, namelen);
	pool->depth = (int)depth;
	pool->mem = mem;
	return 0;
}

static bool is_rule_binding(const char *k, size_t n)
{
	static const char *const names[] = {
		"command", "depfile", "dyndep", "description", "deps",
		"generator", "pool", "restat", "rspfile", "rspfile_content",
		"msvc_deps_prefix",
		"mem", /* nj's extension: the memory the rule's jobs need */
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0)
			return true;
	return false;
}

/* Rule bindings stay unevaluated until an edge uses them, long after the
 * manifest text is gone: their parts get arena copies. Everything else a
 * parse keeps is evaluated and copied already, so the text of each file is
 * freed as soon as it is parsed (ninja keeps no copy either; keeping it was
 * most of nj's extra memory over ninja's, see bench/README.md). */
static void evalstr_own(struct evalstr *es, struct arena *a)
{
	for (struct evalpart *part = es->head; part; part = part->next)
		part->s = arena_strndup(a, part->s, part->len);
}

static bool rule_has(struct rule *r, const char *name)
{
	struct evalstr *es = hmap_get(&r->bindings, name, strlen(name));
	return es && !evalstr_empty(es);
}

/* A rule's "mem" is checked where it is written (unless it refers to
 * variables); an edge's, which may come from its own binding, its rule or
 * the file scope, once the edge is made. */
static int check_rule_mem(struct parser *p, const struct evalstr *es,
			  struct err *err)
{
	bool has_vars = false;
	for (struct evalpart *part = es->head; part; part = part->next)
		has_vars |= part->var;
	if (has_vars)
		return 0; /* depends on the edge: checked per edge */
	const char *v = eval_scope(p, es, p->env);
	int64_t size;
	if (p->tmp.len && parse_size(v, p->tmp.len, &size) < 0) {
		lexer_error(&p->lx, err, "invalid mem size '%s'%s", v, SIZE_HINT);
		return -1;
	}
	return 0;
}

static int parse_rule(struct parser *p, struct err *err)
{
	const char *name;
	size_t namelen;
	if (!lexer_ident(&p->lx, &name, &namelen)) {
		lexer_error(&p->lx, err, "expected rule name");
		return -1;
	}
	if (lexer_expect(&p->lx, TOK_NEWLINE, err) < 0)
		return -1;
	if (hmap_get(&p->env->rules, name, namelen)) {
		lexer_error(&p->lx, err, "duplicate rule '%.*s'", (int)namelen, name);
		return -1;
	}
	struct arena *a = &p->st->arena;
	struct rule *rule = arena_alloc(a, sizeof(*rule));
	rule->name = arena_strndup(a, name, namelen);
	/* Registered before the bindings so state_free frees its map. */
	hmap_put(&p->env->rules, rule->name, namelen, rule);
	while (lexer_peek(&p->lx, TOK_INDENT)) {
		const char *key;
		size_t keylen;
		struct evalstr *val = arena_alloc(a, sizeof(*val));
		if (lexer_let(&p->lx, &key, &keylen, val, err) < 0)
			return -1;
		if (!is_rule_binding(key, keylen)) {
			lexer_error(&p->lx, err, "unexpected variable '%.*s'",
				    (int)keylen, key);
			return -1;
		}
		if (keylen == 3 && memcmp(key, "mem", 3) == 0 &&
		    check_rule_mem(p, val, err) < 0)
			return -1;
		evalstr_own(val, a);
		hmap_put(&rule->bindings, arena_strndup(a, key, keylen), keylen,
			 val);
	}
	if (rule_has(rule, "rspfile") != rule_has(rule, "rspfile_content")) {
		lexer_error(&p->lx, err,
			    "rspfile and rspfile_content need to be both specified");
		return -1;
	}
	if (!rule_has(rule, "command")) {
		lexer_error(&p->lx, err, "expected 'command =' line");
		return -1;
	}
	return 0;
}

/* Evaluate and canonicalise a path into p->tmp. */
static int eval_path(struct parser *p, const struct evalstr *es,
		     struct scope *sc, struct err *err)
{
	eval_scope(p, es, sc);
	if (p->tmp.len == 0) {
		lexer_error(&p->lx, err, "empty path");
		return -1;
	}
	size_t len = p->tmp.len;
	if (path_canon(p->tmp.s, &len, err) < 0) {
		lexer_error(&p->lx, err, "%s", err->msg);
		return -1;
	}
	p->tmp.len = len;
	return 0;
}

static int parse_default(struct parser *p, struct err *err)
{
	struct evalstr es;
	if (lexer_evalstr(&p->lx, &es, true, err) < 0)
		return -1;
	if (evalstr_empty(&es)) {
		lexer_error(&p->lx, err, "expected target name");
		return -1;
	}
	do {
		if (eval_path(p, &es, p->env, err) < 0)
			return -1;
		struct node *n = state_lookup(p->st, p->tmp.s, p->tmp.len);
		if (!n) {
			lexer_error(&p->lx, err, "unknown target '%s'", p->tmp.s);
			return -1;
		}
		struct state *st = p->st;
		xgrow((void **)&st->defaults, &st->defaults_cap, st->ndefaults + 1,
		      sizeof(*st->defaults));
		st->defaults[st->ndefaults++] = n;
		if (lexer_evalstr(&p->lx, &es, true, err) < 0)
			return -1;
	} while (!evalstr_empty(&es));
	return lexer_expect(&p->lx, TOK_NEWLINE, err);
}

/* A list of unevaluated paths, grown in a malloc'd array. */
struct pathlist {
	struct evalstr *v;
	size_t n, cap;
};

static void pathlist_add(struct pathlist *l, const struct evalstr *es)
{
	xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *es;
}

/* Read paths until an empty one; returns how many were read or -1. */
static long read_paths(struct parser *p, struct pathlist *l, struct err *err)
{
	long count = 0;
	for (;;) {
		struct evalstr es;
		if (lexer_evalstr(&p->lx, &es, true, err) < 0)
			return -1;
		if (evalstr_empty(&es))
			return count;
		pathlist_add(l, &es);
		count++;
	}
}

static void warn(struct state *st, const char *fmt, const char *arg)
{
	if (st->warn) {
		st->warn(fmt, arg);
	} else {
		fprintf(stderr, "ninja: warning: ");
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
}

/* A build statement's paths as written, kept unevaluated until the edge's
 * bindings are read: paths may refer to them. The counts say how many of
 * the last paths of each list are of the later kind, as struct edge keeps
 * them. */
struct edge_paths {
	struct pathlist outs, ins, vals;
	long implicit_outs, implicit, order_only;
};

static void edge_paths_free(struct edge_paths *ep)
{
	free(ep->outs.v);
	free(ep->ins.v);
	free(ep->vals.v);
}

/* "OUT... | IMPLICIT_OUT... :" */
static int read_outputs(struct parser *p, struct edge_paths *ep,
			struct err *err)
{
	if (read_paths(p, &ep->outs, err) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_PIPE) &&
	    (ep->implicit_outs = read_paths(p, &ep->outs, err)) < 0)
		return -1;
	if (ep->outs.n == 0) {
		lexer_error(&p->lx, err, "expected path");
		return -1;
	}
	return lexer_expect(&p->lx, TOK_COLON, err);
}

static struct rule *read_rule_name(struct parser *p, struct err *err)
{
	const char *rname;
	size_t rlen;
	if (!lexer_ident(&p->lx, &rname, &rlen)) {
		lexer_error(&p->lx, err, "expected build command name");
		return NULL;
	}
	struct rule *rule = scope_rule(p->env, rname, rlen);
	if (!rule)
		lexer_error(&p->lx, err, "unknown build rule '%.*s'", (int)rlen,
			    rname);
	return rule;
}

/* "IN... | IMPLICIT... || ORDER_ONLY... |@ VALIDATION...", to the end of
 * the line. */
static int read_inputs(struct parser *p, struct edge_paths *ep,
		       struct err *err)
{
	if (read_paths(p, &ep->ins, err) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_PIPE) &&
	    (ep->implicit = read_paths(p, &ep->ins, err)) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_PIPE2) &&
	    (ep->order_only = read_paths(p, &ep->ins, err)) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_PIPEAT) && read_paths(p, &ep->vals, err) < 0)
		return -1;
	return lexer_expect(&p->lx, TOK_NEWLINE, err);
}

/* The indented "key = value" lines under a build statement; returns the
 * edge's scope, or NULL on error. Edge bindings are rare: an edge without
 * any shares its file scope. */
static struct scope *read_edge_bindings(struct parser *p, struct err *err)
{
	struct state *st = p->st;
	if (!lexer_peek(&p->lx, TOK_INDENT))
		return p->env;
	struct scope *env = scope_new(&st->arena, p->env);
	state_track_scope(st, env);
	do {
		const char *key;
		size_t keylen;
		struct evalstr val;
		if (lexer_let(&p->lx, &key, &keylen, &val, err) < 0)
			return NULL;
		if (keylen == 3 && memcmp(key, "mem", 3) == 0)
			p->mem_at = p->lx.last_token;
		/* ninja evaluates edge bindings in the file scope: they see
		 * neither $in nor the edge's earlier bindings. */
		eval_scope(p, &val, p->env);
		scope_set(env, &st->arena, key, keylen, p->tmp.s ? p->tmp.s : "",
			  p->tmp.len);
	} while (lexer_peek(&p->lx, TOK_INDENT));
	return env;
}

/* The edge's pool, and the memory it declares: "mem" bound on the edge
 * itself, else on its rule, else on its pool. A file-scope "mem" is the
 * manifest's own variable, not a declaration (it may be anything, and
 * would otherwise weigh every edge of the file). An empty value declares
 * nothing at any of the three. */
static int resolve_pool_and_mem(struct parser *p, struct edge *e,
				struct err *err)
{
	struct buf v = {0};
	int rc = -1;
	edge_binding(e, "pool", &v);
	if (v.len) {
		struct pool *pl = hmap_get(&p->st->pools, v.s, v.len);
		if (!pl) {
			lexer_error(&p->lx, err, "unknown pool name '%s'", v.s);
			goto out;
		}
		e->pool = pl;
	}
	buf_clear(&v);
	edge_own_binding(e, "mem", &v);
	if (v.len && parse_size(v.s, v.len, &e->mem_declared) < 0) {
		/* point at the edge's own binding, or at the build line
		 * when the value came from the rule */
		const char *at = p->lx.last_token;
		p->lx.last_token = p->mem_at ? p->mem_at : p->stmt_at;
		lexer_error(&p->lx, err, "invalid mem size '%s'%s", v.s, SIZE_HINT);
		p->lx.last_token = at;
		goto out;
	}
	if (!v.len)
		e->mem_declared = e->pool->mem;
	rc = 0;
out:
	buf_free(&v);
	return rc;
}

/* An output that already has an edge is an error, in ninja's words (its
 * current source has no -w dupbuild=warn: the flag only warns that it is
 * deprecated). */
static int add_outputs(struct parser *p, struct edge *e, struct scope *env,
		       struct edge_paths *ep, struct err *err)
{
	struct state *st = p->st;
	for (size_t i = 0; i < ep->outs.n; i++) {
		if (eval_path(p, &ep->outs.v[i], env, err) < 0)
			return -1;
		struct node *n = state_node(st, p->tmp.s, p->tmp.len);
		if (n->in_edge == e) {
			lexer_error(&p->lx, err,
				    "%s is defined as an output multiple times",
				    n->path);
			return -1;
		}
		if (n->in_edge) {
			lexer_error(&p->lx, err, "multiple rules generate %s",
				    n->path);
			return -1;
		}
		edge_add_output(st, e, n);
	}
	return 0;
}

/* The inputs, then the validations: nodes built along with the edge's
 * outputs that nothing depends on. */
static int add_inputs(struct parser *p, struct edge *e, struct scope *env,
		      const struct edge_paths *ep, struct err *err)
{
	struct state *st = p->st;
	for (size_t i = 0; i < ep->ins.n; i++) {
		if (eval_path(p, &ep->ins.v[i], env, err) < 0)
			return -1;
		edge_add_input(st, e, state_node(st, p->tmp.s, p->tmp.len));
	}
	e->nimplicit = (size_t)ep->implicit;
	e->norder_only = (size_t)ep->order_only;
	for (size_t i = 0; i < ep->vals.n; i++) {
		if (eval_path(p, &ep->vals.v[i], env, err) < 0)
			return -1;
		struct node *n = state_node(st, p->tmp.s, p->tmp.len);
		n->generated_by_dep_loader = false;
		arena_grow(&st->arena, (void **)&e->validations,
			   &e->validations_cap, e->nvalidations + 1,
			   sizeof(*e->validations));
		e->validations[e->nvalidations++] = n;
		arena_grow(&st->arena, (void **)&n->validation_out_edges,
			   &n->validation_out_edges_cap,
			   n->nvalidation_out_edges + 1,
			   sizeof(*n->validation_out_edges));
		n->validation_out_edges[n->nvalidation_out_edges++] = e;
	}
	return 0;
}

/* Old CMake wrote phony edges that name their own output as an input;
 * with -w phonycycle=warn they are filtered out rather than cycles. */
static void drop_phony_self_input(struct state *st, struct edge *e)
{
	if (st->opt.phonycycle_err || !edge_is_phony(e) || e->noutputs != 1 ||
	    e->nimplicit_outs != 0 || e->nimplicit != 0)
		return;
	struct node *o = e->outputs[0];
	size_t j = 0, oo_start = edge_explicit_ins(e), oo_kept = 0;
	for (size_t i = 0; i < e->ninputs; i++) {
		if (e->inputs[i] == o)
			continue;
		oo_kept += i >= oo_start;
		e->inputs[j++] = e->inputs[i];
	}
	if (j != e->ninputs) {
		e->ninputs = j;
		e->norder_only = oo_kept;
		warn(st, "phony target '%s' names itself as an input; "
			 "ignoring [-w phonycycle=warn]", o->path);
	}
}

/* The dyndep file (its path not shell-escaped) must be one of the edge's
 * inputs; it stays pending until it is loaded. */
static int resolve_dyndep(struct parser *p, struct edge *e, struct err *err)
{
	struct buf dd = {0};
	int rc = -1;
	edge_binding_raw(e, "dyndep", &dd);
	if (dd.len) {
		size_t len = dd.len;
		if (path_canon(dd.s, &len, err) < 0)
			goto out;
		struct node *n = state_node(p->st, dd.s, len);
		e->dyndep = n;
		n->dyndep_pending = true;
		bool found = false;
		for (size_t i = 0; i < e->ninputs; i++)
			found |= e->inputs[i] == n;
		if (!found) {
			lexer_error(&p->lx, err, "dyndep '%s' is not an input",
				    n->path);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&dd);
	return rc;
}

/* "build OUTPUTS: RULE INPUTS" and its bindings. The whole statement is
 * read before any path is evaluated, since paths may use the bindings. */
static int parse_edge(struct parser *p, struct err *err)
{
	struct state *st = p->st;
	struct edge_paths ep = {0};
	int rc = -1;
	p->stmt_at = p->lx.last_token;
	p->mem_at = NULL;
	if (read_outputs(p, &ep, err) < 0)
		goto out;
	struct rule *rule = read_rule_name(p, err);
	if (!rule || read_inputs(p, &ep, err) < 0)
		goto out;
	struct scope *env = read_edge_bindings(p, err);
	if (!env)
		goto out;

	struct edge *e = state_add_edge(st, rule, env);
	e->own_env = env != p->env;
	if (resolve_pool_and_mem(p, e, err) < 0 ||
	    add_outputs(p, e, env, &ep, err) < 0)
		goto out;
	if (e->noutputs == 0) {
		/* Every output already has an edge: drop this one before it is
		 * connected to its inputs. */
		st->nedges--;
		rc = 0;
		goto out;
	}
	e->nimplicit_outs = (size_t)ep.implicit_outs;
	if (add_inputs(p, e, env, &ep, err) < 0)
		goto out;
	drop_phony_self_input(st, e);
	if (resolve_dyndep(p, e, err) < 0)
		goto out;
	rc = 0;
out:
	edge_paths_free(&ep);
	return rc;
}

/* "outermost -> ... -> h -> ", the files from stop (excluded) to h. */
static void add_chain(struct buf *b, const struct include_frame *h,
		      const struct include_frame *stop)
{
	if (h == stop)
		return;
	add_chain(b, h->parent, stop);
	buf_adds(b, h->filename);
	buf_adds(b, " -> ");
}

/* A cycle or too deep a chain of includes: an error at the include. */
static int check_include(struct parser *p, const char *path,
			 struct include_frame *f, struct err *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
		f->known = true;
	}
	for (const struct include_frame *g = p->frame; f->known && g;
	     g = g->parent) {
		if (!g->known || g->dev != f->dev || g->ino != f->ino)
			continue;
		struct buf chain = {0};
		add_chain(&chain, p->frame, g->parent);
		buf_adds(&chain, path);
		lexer_error(&p->lx, err, "include cycle: %s", chain.s);
		buf_free(&chain);
		return -1;
	}
	if (f->depth > MAX_INCLUDE_DEPTH) {
		lexer_error(&p->lx, err,
			    "includes nested more than %d deep, at '%s'",
			    MAX_INCLUDE_DEPTH, path);
		return -1;
	}
	return 0;
}

static int parse_include(struct parser *p, bool new_scope, struct err *err)
{
	struct evalstr es;
	if (lexer_evalstr(&p->lx, &es, true, err) < 0)
		return -1;
	eval_scope(p, &es, p->env);
	char *path = xstrdup(buf_cstr(&p->tmp));
	struct include_frame f = {.parent = p->frame,
				  .depth = (p->frame ? p->frame->depth : 0) + 1};
	if (check_include(p, path, &f, err) < 0) {
		free(path);
		return -1;
	}
	char *text;
	size_t len;
	struct err rerr = {0};
	if (read_file(path, &text, &len, &rerr) < 0) {
		const char *why = strerror(errno);
		lexer_error(&p->lx, err, "loading '%s': %s", path, why);
		err_clear(&rerr);
		free(path);
		return -1;
	}
	struct scope *env = p->env;
	if (new_scope) {
		env = scope_new(&p->st->arena, p->env);
		state_track_scope(p->st, env);
	}
	struct state *st = p->st;
	/* The file name must outlive the parse: errors and evalparts use it. */
	char *name = arena_strndup(&st->arena, path, strlen(path));
	free(path);
	f.filename = name;
	int rc = parse_file(st, name, text, len, env, &f, err);
	free(text); /* see evalstr_own */
	if (rc < 0)
		return -1;
	return lexer_expect(&p->lx, TOK_NEWLINE, err);
}

static int parse_file(struct state *st, const char *filename, const char *text,
		      size_t len, struct scope *env,
		      const struct include_frame *frame, struct err *err)
{
	struct parser p = {.st = st, .env = env, .frame = frame};
	lexer_init(&p.lx, filename, text, len, &st->arena);
	int rc = -1;
	for (;;) {
		enum token t = lexer_read(&p.lx);
		switch (t) {
		case TOK_POOL:
			if (parse_pool(&p, err) < 0)
				goto out;
			break;
		case TOK_BUILD:
			if (parse_edge(&p, err) < 0)
				goto out;
			break;
		case TOK_RULE:
			if (parse_rule(&p, err) < 0)
				goto out;
			break;
		case TOK_DEFAULT:
			if (parse_default(&p, err) < 0)
				goto out;
			break;
		case TOK_IDENT:
			lexer_unread(&p.lx);
			if (parse_variable(&p, err) < 0)
				goto out;
			break;
		case TOK_INCLUDE:
			if (parse_include(&p, false, err) < 0)
				goto out;
			break;
		case TOK_SUBNINJA:
			if (parse_include(&p, true, err) < 0)
				goto out;
			break;
		case TOK_ERROR:
			if (p.lx.last_token && *p.lx.last_token == '\t')
				lexer_error(&p.lx, err, "tabs are not allowed, use spaces");
			else
				lexer_error(&p.lx, err, "lexing error");
			goto out;
		case TOK_EOF:
			rc = 0;
			goto out;
		case TOK_NEWLINE:
			break;
		default:
			lexer_error(&p.lx, err, "unexpected %s", token_name(t));
			goto out;
		}
	}
out:
	buf_free(&p.tmp);
	return rc;
}

int manifest_parse_string(struct state *st, const char *filename,
			  const char *text, size_t len, struct err *err)
{
	/* The lexer needs a NUL (and re2c's lookahead) after the text. */
	char *copy = xmalloc(len + 17);
	memcpy(copy, text, len);
	memset(copy + len, 0, 17);
	int rc = parse_file(st,
			    arena_strndup(&st->arena, filename, strlen(filename)),
			    copy, len, st->root, NULL, err);
	free(copy); /* see evalstr_own */
	return rc;
}

int manifest_load(struct state *st, const char *path, struct err *err)
{
	char *text;
	size_t len;
	if (read_file(path, &text, &len, err) < 0) {
		err_set(err, "loading '%s': %s", path, strerror(errno));
		return -1;
	}
	struct include_frame f = {.filename = path};
	struct stat sb;
	if (stat(path, &sb) == 0) {
		f.dev = sb.st_dev;
		f.ino = sb.st_ino;
		f.known = true;
	}
	int rc = parse_file(st, arena_strndup(&st->arena, path, strlen(path)),
			    text, len, st->root, &f, err);
	free(text); /* see evalstr_own */
	return rc;
}
