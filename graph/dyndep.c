/* Dyndep files: "ninja_dyndep_version = 1" and build statements that add
 * implicit inputs and outputs to edges already in the graph. */
#include "graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dyndeps {
	struct edge *edge;
	bool restat, used;
	struct node **ins, **outs;
	size_t nins, nouts;
};

struct ddparser {
	struct state *st;
	struct lexer lx;
	struct scope *env;
	struct buf tmp;
	struct dyndeps *v;
	size_t n, cap;
};

/* "name = value", the value evaluated into p->tmp; the name must be want. */
static int dd_let(struct ddparser *p, const char *want, const char *what,
		  struct err *err)
{
	const char *name;
	size_t len;
	struct evalstr val;
	if (lexer_let(&p->lx, &name, &len, &val, err) < 0)
		return -1;
	if (len != strlen(want) || memcmp(name, want, len) != 0) {
		lexer_error(&p->lx, err, "%s", what);
		return -1;
	}
	buf_clear(&p->tmp);
	evalstr_eval_scope(&val, p->env, &p->tmp);
	return 0;
}

static int dd_version(struct ddparser *p, struct err *err)
{
	if (dd_let(p, "ninja_dyndep_version",
		   "expected 'ninja_dyndep_version = ...'", err) < 0)
		return -1;
	const char *v = buf_cstr(&p->tmp);
	int major, minor;
	parse_version(v, &major, &minor);
	if (major != 1 || minor != 0) {
		lexer_error(&p->lx, err, "unsupported 'ninja_dyndep_version = %s'", v);
		return -1;
	}
	return 0;
}

/* Read paths until an empty one, evaluated and interned. */
/* A path, evaluated and canonicalised into p->tmp (*len long). */
static int dd_path(struct ddparser *p, const struct evalstr *es, size_t *len,
		   struct err *err)
{
	buf_clear(&p->tmp);
	evalstr_eval_scope(es, p->env, &p->tmp);
	*len = p->tmp.len;
	if (*len == 0) {
		lexer_error(&p->lx, err, "empty path");
		return -1;
	}
	return path_canon(p->tmp.s, len, err);
}

static int dd_paths(struct ddparser *p, struct node ***out, size_t *n,
		    struct err *err)
{
	size_t cap = 0;
	for (;;) {
		struct evalstr es;
		if (lexer_evalstr(&p->lx, &es, true, err) < 0)
			return -1;
		if (evalstr_empty(&es))
			return 0;
		size_t len;
		if (dd_path(p, &es, &len, err) < 0)
			return -1;
		xgrow((void **)out, &cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = state_node(p->st, p->tmp.s, len);
	}
}

static int dd_edge(struct ddparser *p, struct err *err)
{
	struct evalstr es;
	if (lexer_evalstr(&p->lx, &es, true, err) < 0)
		return -1;
	if (evalstr_empty(&es)) {
		lexer_error(&p->lx, err, "expected path");
		return -1;
	}
	size_t len;
	if (dd_path(p, &es, &len, err) < 0)
		return -1;
	struct node *n = state_lookup(p->st, p->tmp.s, len);
	if (!n || !n->in_edge) {
		lexer_error(&p->lx, err, "no build statement exists for '%s'",
			    p->tmp.s);
		return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].edge == n->in_edge) {
			lexer_error(&p->lx, err, "multiple statements for '%s'",
				    p->tmp.s);
			return -1;
		}
	}
	xgrow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v));
	struct dyndeps *dd = &p->v[p->n++];
	memset(dd, 0, sizeof(*dd));
	dd->edge = n->in_edge;

	if (lexer_evalstr(&p->lx, &es, true, err) < 0)
		return -1;
	if (!evalstr_empty(&es)) {
		lexer_error(&p->lx, err, "explicit outputs not supported");
		return -1;
	}
	if (lexer_peek(&p->lx, TOK_PIPE) &&
	    dd_paths(p, &dd->outs, &dd->nouts, err) < 0)
		return -1;
	if (lexer_expect(&p->lx, TOK_COLON, err) < 0)
		return -1;
	const char *rname;
	size_t rlen;
	if (!lexer_ident(&p->lx, &rname, &rlen) || rlen != 6 ||
	    memcmp(rname, "dyndep", 6) != 0) {
		lexer_error(&p->lx, err, "expected build command name 'dyndep'");
		return -1;
	}
	if (lexer_evalstr(&p->lx, &es, true, err) < 0)
		return -1;
	if (!evalstr_empty(&es)) {
		lexer_error(&p->lx, err, "explicit inputs not supported");
		return -1;
	}
	if (lexer_peek(&p->lx, TOK_PIPE) &&
	    dd_paths(p, &dd->ins, &dd->nins, err) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_PIPE2)) {
		lexer_error(&p->lx, err, "order-only inputs not supported");
		return -1;
	}
	if (lexer_expect(&p->lx, TOK_NEWLINE, err) < 0)
		return -1;
	if (lexer_peek(&p->lx, TOK_INDENT)) {
		if (dd_let(p, "restat", "binding is not 'restat'", err) < 0)
			return -1;
		dd->restat = p->tmp.len > 0;
	}
	return 0;
}

static int dd_parse(struct ddparser *p, struct err *err)
{
	bool have_version = false;
	for (;;) {
		enum token t = lexer_read(&p->lx);
		switch (t) {
		case TOK_BUILD:
			if (!have_version) {
				lexer_error(&p->lx, err,
					    "expected 'ninja_dyndep_version = ...'");
				return -1;
			}
			if (dd_edge(p, err) < 0)
				return -1;
			break;
		case TOK_IDENT:
			lexer_unread(&p->lx);
			if (have_version) {
				lexer_error(&p->lx, err, "unexpected %s", token_name(t));
				return -1;
			}
			if (dd_version(p, err) < 0)
				return -1;
			have_version = true;
			break;
		case TOK_ERROR:
			lexer_error(&p->lx, err, "lexing error");
			return -1;
		case TOK_EOF:
			if (!have_version) {
				lexer_error(&p->lx, err,
					    "expected 'ninja_dyndep_version = ...'");
				return -1;
			}
			return 0;
		case TOK_NEWLINE:
			break;
		default:
			lexer_error(&p->lx, err, "unexpected %s", token_name(t));
			return -1;
		}
	}
}

static int update_edge(struct state *st, struct dyndeps *dd, struct err *err)
{
	struct edge *e = dd->edge;
	if (dd->restat) {
		/* The edge may share its file's scope; give it its own. */
		if (!e->own_env) {
			e->env = scope_new(&st->arena, e->env);
			state_track_scope(st, e->env);
			e->own_env = true;
		}
		scope_set(e->env, &st->arena, "restat", 6, "1", 1);
	}
	for (size_t i = 0; i < dd->nouts; i++) {
		struct node *n = dd->outs[i];
		if (n->in_edge) {
			err_set(err, "multiple rules generate %s", n->path);
			return -1;
		}
		edge_add_output(st, e, n);
		e->nimplicit_outs++;
	}
	edge_insert_implicit(st, e, dd->ins, dd->nins);
	return 0;
}

int dyndep_load(struct state *st, struct node *file, struct err *err)
{
	file->dyndep_pending = false;
	if (st->opt.explain_now) {
		struct buf msg = {0};
		buf_printf(&msg, "loading dyndep file '%s'", file->path);
		st->opt.explain_now(st->opt.explain_ctx, msg.s);
		buf_free(&msg);
	}
	char *text;
	size_t len;
	if (read_file(file->path, &text, &len, err) < 0) {
		err_set(err, "loading '%s': %s", file->path, strerror(errno));
		return -1;
	}
	xgrow((void **)&st->files, &st->files_cap, st->nfiles + 1,
	      sizeof(*st->files));
	st->files[st->nfiles++] = text;
	struct ddparser p = {.st = st};
	p.env = scope_new(&st->arena, NULL);
	state_track_scope(st, p.env);
	lexer_init(&p.lx, file->path, text, len, &st->arena);
	int rc = dd_parse(&p, err);
	for (size_t i = 0; rc == 0 && i < file->nout_edges; i++) {
		struct edge *e = file->out_edges[i];
		if (e->dyndep != file)
			continue;
		struct dyndeps *dd = NULL;
		for (size_t j = 0; j < p.n && !dd; j++)
			if (p.v[j].edge == e)
				dd = &p.v[j];
		if (!dd) {
			err_set(err, "'%s' not mentioned in its dyndep file '%s'",
				e->outputs[0]->path, file->path);
			rc = -1;
			break;
		}
		dd->used = true;
		rc = update_edge(st, dd, err);
	}
	for (size_t j = 0; rc == 0 && j < p.n; j++) {
		if (!p.v[j].used) {
			err_set(err,
				"dyndep file '%s' mentions output '%s' whose build "
				"statement does not have a dyndep binding for the "
				"file",
				file->path, p.v[j].edge->outputs[0]->path);
			rc = -1;
		}
	}
	for (size_t j = 0; j < p.n; j++) {
		free(p.v[j].ins);
		free(p.v[j].outs);
	}
	free(p.v);
	buf_free(&p.tmp);
	return rc;
}
