/* Dirty scanning: which outputs are out of date, ninja's rules exactly. */
#include "graph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* -d explain: why n is dirty, handed to whoever listens (cli prints it
 * before the status line of n's edge). Cut at 1023 bytes, as ninja's. */
static void explain(struct state *st, const struct node *n, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void explain(struct state *st, const struct node *n, const char *fmt,
		    ...)
{
	if (!st->opt.explain_dirty)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	st->opt.explain_dirty(st->opt.explain_ctx, n, msg);
}

int64_t path_mtime(const char *path, struct err *err)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return MTIME_MISSING;
		err_set(err, "stat(%s): %s", path, strerror(errno));
		return -1;
	}
	/* 0 means missing, so a file stamped in the epoch's first second
	 * still exists: ninja says 1 for all of that second. */
	if (sb.st_mtim.tv_sec == 0)
		return 1;
	return (int64_t)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
}

int node_stat(struct node *n, struct err *err)
{
	n->mtime_from_inputs = false;
	if (stat_claim_for_main(n))
		return 0;
	int64_t t = path_mtime(n->path, err);
	if (t < 0)
		return -1;
	n->mtime = t;
	n->exists_known = true;
	return 0;
}

static int stat_if_needed(struct node *n, struct err *err)
{
	if (stat_claim_for_main(n) || n->mtime != MTIME_UNKNOWN)
		return 0;
	return node_stat(n, err);
}

static bool node_exists(const struct node *n)
{
	return n->mtime > 0 && !n->mtime_from_inputs;
}

/* The inputs a depfile names, into *nodes (malloc'd): 0, 1 when it is
 * missing or names another output first (explained), -1 on error. */
static int depfile_nodes(struct state *st, struct edge *e, const char *path,
			 struct node ***nodes, size_t *n, struct err *err)
{
	char *text;
	size_t len;
	struct err rerr = {0};
	if (read_file(path, &text, &len, &rerr) < 0) {
		if (errno != ENOENT) {
			err_set(err, "loading '%s': %s", path, strerror(errno));
			err_clear(&rerr);
			return -1;
		}
		err_clear(&rerr);
		len = 0;
		text = NULL;
	}
	if (len == 0) {
		explain(st, e->outputs[0], "depfile '%s' is missing", path);
		free(text);
		return 1;
	}
	struct depfile d = {0};
	int rc = -1;
	if (depfile_parse(&d, text, len, err) < 0) {
		err_prefix(err, "%s", path);
		goto out;
	}
	if (d.nouts == 0) {
		err_set(err, "%s: no outputs declared", path);
		goto out;
	}
	size_t olen = d.outs[0].len;
	d.outs[0].s[olen] = 0;
	if (path_canon(d.outs[0].s, &olen, err) < 0)
		goto out;
	struct node *first = e->outputs[0];
	if (olen != first->pathlen || memcmp(d.outs[0].s, first->path, olen)) {
		explain(st, first, "expected depfile '%s' to mention '%s', got '%.*s'",
			path, first->path, (int)olen, d.outs[0].s);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < d.nouts; i++) {
		size_t l = d.outs[i].len;
		d.outs[i].s[l] = 0;
		if (i > 0 && path_canon(d.outs[i].s, &l, err) < 0)
			goto out;
		bool found = false;
		for (size_t j = 0; j < e->noutputs && !found; j++)
			found = e->outputs[j]->pathlen == l &&
				memcmp(e->outputs[j]->path, d.outs[i].s, l) == 0;
		if (!found) {
			err_set(err,
				"%s: depfile mentions '%.*s' as an output, but no "
				"such output was declared",
				path, (int)l, d.outs[i].s);
			goto out;
		}
	}
	*nodes = xmalloc((d.nins ? d.nins : 1) * sizeof(**nodes));
	for (size_t i = 0; i < d.nins; i++) {
		size_t l = d.ins[i].len;
		d.ins[i].s[l] = 0;
		if (path_canon(d.ins[i].s, &l, err) < 0) {
			free(*nodes);
			*nodes = NULL;
			goto out;
		}
		(*nodes)[i] = state_node(st, d.ins[i].s, l);
	}
	*n = d.nins;
	rc = 0;
out:
	depfile_free(&d);
	free(text);
	return rc;
}

/* The deps log's record of e's output: 0, 1 when it is missing or older
 * than the output (explained). */
static int log_deps(struct state *st, struct edge *e, struct deps_record **d)
{
	struct node *out = e->outputs[0];
	*d = out->deps;
	if (!*d) {
		explain(st, out, "deps for '%s' are missing", out->path);
		return 1;
	}
	if (out->mtime > (*d)->mtime) {
		explain(st, out,
			"stored deps info out of date for '%s' (%" PRId64
			" vs %" PRId64 ")",
			out->path, (*d)->mtime, out->mtime);
		return 1;
	}
	return 0;
}

/* e's deps, from the deps log (deps =) or its depfile, into *nodes: the
 * log record's own array, or a malloc'd one the caller frees (*owned).
 * 0, 1 when they are missing or stale, -1 on error. */
static int deps_nodes(struct state *st, struct edge *e, struct node ***nodes,
		      size_t *n, bool *owned, struct err *err)
{
	struct buf b = {0};
	int rc = 0;
	*nodes = NULL;
	*n = 0;
	*owned = false;
	edge_binding(e, "deps", &b);
	if (b.len) {
		struct deps_record *d;
		rc = log_deps(st, e, &d);
		if (rc == 0) {
			*n = (size_t)d->n;
			*nodes = d->nodes;
		}
	} else {
		buf_clear(&b);
		edge_binding_raw(e, "depfile", &b);
		if (b.len) {
			rc = depfile_nodes(st, e, b.s, nodes, n, err);
			*owned = true;
		}
	}
	buf_free(&b);
	return rc;
}

int scan_load_deps(struct state *st, struct edge *e, struct err *err)
{
	struct node **nodes;
	size_t n;
	bool owned;
	int rc = deps_nodes(st, e, &nodes, &n, &owned, err);
	if (rc == 0)
		edge_insert_implicit(st, e, nodes, n);
	if (owned)
		free(nodes);
	if (rc > 0)
		e->deps_missing = true;
	return rc;
}

/* ninja's LoadDepsTry, for an edge the scan found dirty: are its deps
 * there, without loading them? 0 yes, 1 no (a deps log record missing or
 * stale is explained, as ninja does; a missing depfile is not), -1 error. */
static int deps_present(struct state *st, struct edge *e, struct err *err)
{
	struct buf b = {0};
	int rc = 0;
	edge_binding(e, "deps", &b);
	if (b.len) {
		struct deps_record *d;
		rc = log_deps(st, e, &d);
	} else {
		buf_clear(&b);
		edge_binding_raw(e, "depfile", &b);
		if (b.len) {
			struct err serr = {0};
			int64_t t = path_mtime(b.s, &serr);
			if (t < 0) {
				err_set(err, "loading '%s': %s", b.s, serr.msg);
				err_clear(&serr);
				rc = -1;
			} else if (t == MTIME_MISSING) {
				rc = 1;
			}
		}
	}
	buf_free(&b);
	return rc;
}

static bool output_dirty(struct state *st, struct edge *e,
			 struct node *most_recent, const char *cmd,
			 size_t cmdlen, struct node *out)
{
	if (edge_is_phony(e)) {
		/* Phony edges write nothing: dirty only when they have neither
		 * inputs nor validations (ninja 15c7373b) and the output is
		 * missing. */
		if (e->ninputs == 0 && e->nvalidations == 0 && !node_exists(out)) {
			explain(st, out, "output %s of phony edge with no inputs "
				    "doesn't exist", out->path);
			return true;
		}
		/* Dependents see the newest input's time through a missing
		 * phony output; an existing file keeps its own. */
		if (most_recent && !node_exists(out) &&
		    most_recent->mtime > out->mtime) {
			out->mtime = most_recent->mtime;
			out->mtime_from_inputs = true;
		}
		return false;
	}
	if (!node_exists(out)) {
		explain(st, out, "output %s doesn't exist", out->path);
		return true;
	}
	/* A restat rule may have left the output old on purpose; the log's
	 * recorded mtime stands in for it. */
	bool used_restat = edge_binding_bool(e, "restat") && out->has_log;
	if (!used_restat && most_recent && out->mtime < most_recent->mtime) {
		explain(st, out,
			"output %s older than most recent input %s (%" PRId64
			" vs %" PRId64 ")",
			out->path, most_recent->path, out->mtime, most_recent->mtime);
		return true;
	}
	bool generator = edge_binding_bool(e, "generator");
	if (out->has_log) {
		const struct log_ops *lo = &st->log_ops;
		int match = generator ? 1
			    : lo->command_matches
				    ? lo->command_matches(lo->ctx, cmd, cmdlen,
							  out->log_hash)
				    : 0;
		if (!match) {
			explain(st, out, "command line changed for %s", out->path);
			return true;
		}
		if (most_recent && out->log_mtime < most_recent->mtime) {
			explain(st, out,
				"recorded mtime of %s older than most recent input "
				"%s (%" PRId64 " vs %" PRId64 ")",
				out->path, most_recent->path, out->log_mtime,
				most_recent->mtime);
			return true;
		}
	} else if (!generator) {
		explain(st, out, "command line not found in log for %s", out->path);
		return true;
	}
	return false;
}

/* ninja's RecomputeOutputsDirtyCache::depfile: scan_outputs_dirty found
 * the outputs clean, then deps brought a newer input; only the checks
 * against the newest input can fail now. */
static bool outputs_older_than(struct state *st, struct edge *e,
			       struct node *most_recent)
{
	bool restat = edge_binding_bool(e, "restat");
	for (size_t i = 0; i < e->noutputs; i++) {
		struct node *out = e->outputs[i];
		bool used_restat = restat && out->has_log;
		if (!used_restat && out->mtime < most_recent->mtime) {
			explain(st, out,
				"output %s older than most recent input %s (%" PRId64
				" vs %" PRId64 ")",
				out->path, most_recent->path, out->mtime,
				most_recent->mtime);
			return true;
		}
		if (out->has_log && out->log_mtime < most_recent->mtime) {
			explain(st, out,
				"recorded mtime of %s older than most recent input "
				"%s (%" PRId64 " vs %" PRId64 ")",
				out->path, most_recent->path, out->log_mtime,
				most_recent->mtime);
			return true;
		}
	}
	return false;
}

bool scan_outputs_dirty(struct state *st, struct edge *e,
			struct node *most_recent, struct buf *cmd)
{
	buf_clear(cmd);
	edge_command(e, true, cmd);
	for (size_t i = 0; i < e->noutputs; i++)
		if (output_dirty(st, e, most_recent, buf_cstr(cmd), cmd->len,
				 e->outputs[i]))
			return true;
	return false;
}

struct scan {
	struct state *st;
	struct node **stack;
	size_t nstack, stack_cap;
	struct node ***validations;
	size_t *nvalidations, *vcap;
	struct buf cmd;
};

static int cycle_error(struct scan *sc, struct node *node, struct err *err)
{
	struct edge *e = node->in_edge;
	size_t start = 0;
	while (start < sc->nstack && sc->stack[start]->in_edge != e)
		start++;
	/* Report the cycle as starting at this node, not another output of
	 * the same edge: "a -> c -> a", not "b -> c -> a". */
	sc->stack[start] = node;
	struct buf b = {0};
	buf_adds(&b, "dependency cycle: ");
	for (size_t i = start; i < sc->nstack; i++) {
		buf_adds(&b, sc->stack[i]->path);
		buf_adds(&b, " -> ");
	}
	buf_adds(&b, sc->stack[start]->path);
	if (start + 1 == sc->nstack && edge_is_phony(e) && e->noutputs == 1 &&
	    e->nimplicit_outs == 0 && e->nimplicit == 0)
		buf_adds(&b, " [-w phonycycle=err]");
	err_set(err, "%s", b.s);
	buf_free(&b);
	return -1;
}

static void add_validations(struct scan *sc, struct edge *e)
{
	for (size_t i = 0; i < e->nvalidations; i++) {
		xgrow((void **)sc->validations, sc->vcap, *sc->nvalidations + 1,
		      sizeof(**sc->validations));
		(*sc->validations)[(*sc->nvalidations)++] = e->validations[i];
	}
}

static int visit(struct scan *sc, struct node *node, struct err *err);

/* ninja's RecomputeEdgesInputsDirty for inputs [from, to) of node's edge:
 * all are visited first (one may load a dyndep file that gives an earlier
 * one an edge: ninja 36c1fd98), then each is checked. */
static int visit_inputs(struct scan *sc, struct node *node, size_t from,
			size_t to, struct node **most_recent, bool *dirty,
			struct err *err)
{
	struct edge *e = node->in_edge;
	for (size_t i = from; i < to; i++)
		if (visit(sc, e->inputs[i], err) < 0)
			return -1;
	for (size_t i = from; i < to; i++) {
		struct node *in = e->inputs[i];
		if (in->in_edge && !in->in_edge->outputs_ready)
			e->outputs_ready = false;
		if (edge_is_order_only(e, i))
			continue;
		if (in->dirty) {
			explain(sc->st, node, "%s is dirty", in->path);
			*dirty = true;
		} else if (!*most_recent || in->mtime > (*most_recent)->mtime) {
			*most_recent = in;
		}
	}
	return 0;
}

/* ninja's RecomputeNodeDirty. Deps (a deps log record or a depfile) are
 * loaded only when the edge is clean without them (ninja 0b115d88): a
 * dirty edge makes them anew, and stale ones may name a cycle. */
static int visit(struct scan *sc, struct node *node, struct err *err)
{
	struct state *st = sc->st;
	struct edge *e = node->in_edge;
	if (!e) {
		if (node->exists_known)
			return 0;
		if (node_stat(node, err) < 0)
			return -1;
		if (!node_exists(node))
			explain(st, node, "%s has no in-edge and is missing", node->path);
		node->dirty = !node_exists(node);
		return 0;
	}
	if (e->mark == VISIT_DONE)
		return 0;
	if (e->mark == VISIT_IN_STACK)
		return cycle_error(sc, node, err);
	/* Scanned after this walk, not from inside it: they may depend on
	 * this node. */
	add_validations(sc, e);
	e->mark = VISIT_IN_STACK;
	xgrow((void **)&sc->stack, &sc->stack_cap, sc->nstack + 1,
	      sizeof(*sc->stack));
	sc->stack[sc->nstack++] = node;

	bool dirty = false;
	e->outputs_ready = true;
	e->deps_missing = false;

	bool deps_loaded = e->deps_loaded;
	if (!deps_loaded) {
		e->deps_loaded = true;
		if (e->dyndep && e->dyndep->dyndep_pending) {
			/* A dyndep file that is already up to date is loaded
			 * now, so its extra inputs and outputs are scanned with
			 * this edge. */
			if (visit(sc, e->dyndep, err) < 0)
				return -1;
			struct edge *de = e->dyndep->in_edge;
			if ((!de || de->outputs_ready) &&
			    dyndep_load(st, e->dyndep, err) < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < e->noutputs; i++)
		if (stat_if_needed(e->outputs[i], err) < 0)
			return -1;

	struct node *most_recent = NULL;
	if (visit_inputs(sc, node, 0, e->ninputs, &most_recent, &dirty,
			 err) < 0)
		return -1;
	if (!dirty)
		dirty = scan_outputs_dirty(st, e, most_recent, &sc->cmd);

	if (!deps_loaded) {
		int rc;
		if (!dirty) {
			size_t at = e->ninputs - e->norder_only, n0 = e->ninputs;
			rc = scan_load_deps(st, e, err);
			if (rc == 0) {
				struct node *before = most_recent;
				if (visit_inputs(sc, node, at, at + e->ninputs - n0,
						 &most_recent, &dirty, err) < 0)
					return -1;
				if (!dirty && most_recent != before)
					dirty = outputs_older_than(st, e, most_recent);
			}
		} else {
			rc = deps_present(st, e, err);
			e->deps_skipped = rc == 0;
		}
		if (rc < 0)
			return -1;
		if (rc > 0)
			dirty = e->deps_missing = true;
	}
	if (dirty)
		for (size_t i = 0; i < e->noutputs; i++)
			e->outputs[i]->dirty = true;
	/* A dirty edge's outputs are not ready, except a phony edge with no
	 * inputs, which has nothing to do. */
	if (dirty && !(edge_is_phony(e) && e->ninputs == 0))
		e->outputs_ready = false;
	e->mark = VISIT_DONE;
	sc->nstack--;
	return 0;
}

int scan_skipped_deps(struct state *st, struct edge *e,
		      struct node **most_recent, struct err *err)
{
	if (!e->deps_skipped)
		return 0;
	/* quietly: ninja has nothing to explain here */
	void (*explaining)(void *, const struct node *, const char *) =
		st->opt.explain_dirty;
	st->opt.explain_dirty = NULL;
	struct node **nodes;
	size_t n;
	bool owned;
	int rc = deps_nodes(st, e, &nodes, &n, &owned, err);
	st->opt.explain_dirty = explaining;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct node *in = nodes[i];
		if (in->mtime == MTIME_UNKNOWN) {
			/* not scanned: a source is dirty when missing */
			if (node_stat(in, err) < 0) {
				rc = -1;
				break;
			}
			if (!in->in_edge)
				in->dirty = !node_exists(in);
		}
		if (in->dirty)
			rc = 1;
		else if (!*most_recent || in->mtime > (*most_recent)->mtime)
			*most_recent = in;
	}
	if (owned)
		free(nodes);
	return rc;
}

int scan_dirty(struct state *st, struct node *node, struct node ***validations,
	       size_t *nvalidations, size_t *cap, struct err *err)
{
	struct scan sc = {.st = st,
			  .validations = validations,
			  .nvalidations = nvalidations,
			  .vcap = cap};
	/* Validations found while scanning are scanned in turn, but not from
	 * inside the walk: they may depend on the node that names them. */
	size_t next = *nvalidations;
	int rc = visit(&sc, node, err);
	while (rc == 0 && next < *nvalidations) {
		sc.nstack = 0;
		rc = visit(&sc, (*validations)[next++], err);
	}
	free(sc.stack);
	buf_free(&sc.cmd);
	return rc;
}
