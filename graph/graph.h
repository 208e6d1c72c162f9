/* graph: paths, nodes, edges, rules and pools; the loaded state; manifest and
 * dyndep parsing into it; dirty scanning. Knows nothing of processes or of
 * the on-disk log formats: the log component fills the log fields of nodes. */
#ifndef NJ_GRAPH_H
#define NJ_GRAPH_H

#include "../lexer/lexer.h"

#include <stdio.h>

struct edge;

/* The ninja version whose manifest language nj implements; CMake and Meson
 * compare it, and ninja_required_version is checked against it. */
#define NINJA_VERSION "1.14.0.git"

/* mtime values: MTIME_UNKNOWN before stat, MTIME_MISSING when absent. */
#define MTIME_UNKNOWN (-1)
#define MTIME_MISSING 0

/* What the deps log (or a depfile) says an output depends on. */
struct deps_record {
	int64_t mtime; /* of the output when the deps were recorded */
	int n;
	struct node **nodes;
};

/* See node_add_out_edge. */
#define OUT_EDGES_HEAP 16

/* How the scan asks the build log whether a node's logged hash is the
 * hash of its command: 1 yes, 2 yes under the hash function of another
 * ninja version sharing the log, 0 no (a changed command). */
struct log_ops {
	int (*command_matches)(void *ctx, const char *cmd, size_t len,
			       uint64_t logged);
	void *ctx;
};

struct node {
	char *path; /* canonical; arena */
	size_t pathlen;
	int64_t mtime; /* nanoseconds */
	bool dirty;
	bool exists_known; /* stat done this build */
	/* mtime is not the file's: the file is missing and this phony output
	 * took its newest input's (ninja's UpdatePhonyMtime), so the node
	 * still does not exist. */
	bool mtime_from_inputs;
	/* Made by a log or a depfile, not named by the manifest: when it is
	 * missing, nothing is to make it, and its dependents are just dirty
	 * (ninja since 1.12 gives it no phony in-edge). */
	bool generated_by_dep_loader;
	bool dyndep_pending; /* is the dyndep file of some edge, not loaded yet */
	unsigned char stat_state; /* stat_ahead.c: who owns mtime in a scan */
	struct edge *in_edge;
	struct edge **out_edges; /* arena, or heap once OUT_EDGES_HEAP long */
	size_t nout_edges, out_edges_cap;
	struct edge **validation_out_edges;
	size_t nvalidation_out_edges, validation_out_edges_cap;

	/* .ninja_log: filled by build_log_load, updated by build_log_record. */
	bool has_log;
	uint64_t log_hash; /* as logged: the log version's hash function, or
			    * MurmurHash64A from an older ninja sharing the log */
	int64_t log_mtime;    /* restat mtime recorded in the log */
	int32_t log_start_ms, log_end_ms;

	/* .ninja_deps: filled by the deps log for deps=gcc outputs. */
	int32_t id; /* deps log id, -1 if none */
	struct deps_record *deps;
};

struct pool {
	char *name;
	int depth; /* 0: unlimited */
	int64_t mem; /* "mem =" of the pool: each edge's weight; -1 if none */
	int current; /* edges of the pool running; the scheduler's, as are the
		      * edges waiting for a slot (struct builder's pool_waits) */
};

/* Rule bindings stay unevaluated: they are evaluated per edge. */
struct rule {
	char *name;
	struct hmap bindings; /* name -> struct evalstr* */
	bool phony;
};

enum visit { VISIT_NONE, VISIT_IN_STACK, VISIT_DONE };

struct edge {
	struct rule *rule;
	struct pool *pool;
	/* The edge's own bindings, whose parent is its file scope; or, for an
	 * edge without bindings, that file scope itself (see own_env). */
	struct scope *env;
	/* inputs: [explicit | implicit | order-only] */
	struct node **inputs; /* arena; grows when deps are loaded */
	size_t ninputs, inputs_cap;
	size_t nimplicit, norder_only;
	/* outputs: [explicit | implicit] */
	struct node **outputs;
	size_t noutputs, outputs_cap;
	size_t nimplicit_outs;
	struct node **validations;
	size_t nvalidations, validations_cap;
	struct node *dyndep; /* dyndep file, or NULL */
	bool own_env; /* env is the edge's own scope, not its file's */

	size_t id; /* index in state->edges */
	enum visit mark;
	bool outputs_ready;
	bool deps_loaded;
	bool deps_missing;
	/* The scan found the edge dirty, so it left its deps unloaded (ninja
	 * 0b115d88); they were there, and plan_clean_node reads them. */
	bool deps_skipped;
	bool outputs_dirty_known;

	/* memory: the declared weight ("mem =" on the edge, its rule or its
	 * pool); -1 if none. The scheduler keeps its own per-edge state in
	 * its own table (struct sched_edge). */
	int64_t mem_declared;
};

static inline bool edge_is_phony(const struct edge *e) { return e->rule->phony; }
static inline size_t edge_explicit_ins(const struct edge *e)
{
	return e->ninputs - e->nimplicit - e->norder_only;
}
static inline bool edge_is_order_only(const struct edge *e, size_t i)
{
	return i >= e->ninputs - e->norder_only;
}
static inline bool edge_is_implicit(const struct edge *e, size_t i)
{
	return i >= edge_explicit_ins(e) && !edge_is_order_only(e, i);
}

/* What the command line asks of the graph: how to treat a phony
 * self-reference, and who hears -d explain's explanations. */
struct graph_options {
	bool phonycycle_err; /* -w phonycycle=err (default warn) */
	/* -d explain (NULL: nothing is explained). explain_dirty: why n is
	 * dirty, n an edge's output (or a source file); cli says it when
	 * that edge runs, if it does. explain_now: what the graph does now
	 * (loading a dyndep file). */
	void (*explain_dirty)(void *ctx, const struct node *n, const char *msg);
	void (*explain_now)(void *ctx, const char *msg);
	void *explain_ctx;
};

struct state {
	struct arena arena;
	struct hmap paths; /* canonical path -> node */
	struct node **nodes;
	size_t nnodes, nodes_cap;
	struct edge **edges;
	size_t nedges, edges_cap;
	struct hmap pools; /* name -> pool */
	struct pool *console_pool;
	struct pool *default_pool;
	struct rule *phony_rule;
	struct scope *root; /* file scope of the top manifest */
	struct scope **scopes; /* every scope made, to free their maps */
	size_t nscopes, scopes_cap;
	char **files; /* dyndep texts, freed with the state */
	size_t nfiles, files_cap;
	struct node **defaults;
	size_t ndefaults, defaults_cap;
	struct graph_options opt;
	/* The build log's judgement of a logged command hash (log/ owns the
	 * hash functions): set when a log is loaded. */
	struct log_ops log_ops;
	/* How warnings are printed: cli sets one that keeps the status line
	 * whole; NULL prints "ninja: warning: ..." on stderr. */
	void (*warn)(const char *fmt, ...);
};

void state_init(struct state *st);
/* "ninja: warning: ..." through st->warn (cli's, which flushes stdout
 * first so the two streams stay in order) or, without one, on stderr. */
void state_warn(struct state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Make a scope that state_free will free. */
void state_track_scope(struct state *st, struct scope *sc);
void state_free(struct state *st);

/* ---- paths ---------------------------------------------------------------
 * Canonicalise in place (collapse "./", "x/..", "//"), ninja's rules: path
 * holds *len bytes and a NUL after them. Returns 0 with the new length in
 * *len (and a NUL after it); -1 with err on an empty path or one of more
 * than 60 components. */
int path_canon(char *path, size_t *len, struct err *err);
/* Intern a canonical path. */
struct node *state_node(struct state *st, const char *path, size_t len);
struct node *state_lookup(const struct state *st, const char *path, size_t len);
/* Canonicalise a copy and look it up: NULL with err set for a path that
 * cannot be canonicalised, NULL alone for an unknown one. */
struct node *state_lookup_canon(struct state *st, const char *path,
				struct err *err);
/* Suggest a near spelling, for "unknown target" errors. */
struct node *state_spellcheck(struct state *st, const char *path);

/* ---- edges ---------------------------------------------------------------- */
struct edge *state_add_edge(struct state *st, struct rule *rule,
			    struct scope *env);
void edge_add_input(struct state *st, struct edge *e, struct node *n);
void edge_add_output(struct state *st, struct edge *e, struct node *n);
/* Insert n implicit inputs before the order-only ones (deps, dyndep). */
void edge_insert_implicit(struct state *st, struct edge *e,
			  struct node **nodes, size_t n);
void node_add_out_edge(struct state *st, struct node *n, struct edge *e);
struct pool *state_pool(struct state *st, const char *name, size_t len);
struct rule *scope_rule(const struct scope *sc, const char *name, size_t len);

/* Evaluate a variable for an edge as ninja does: $in/$out/$in_newline, the
 * edge's bindings, the rule's (evaluated in the edge's context), then the
 * file scope. edge_binding shell-escapes the paths of $in/$out (for
 * commands); edge_binding_raw does not (for paths: depfile, dyndep). */
void edge_binding(const struct edge *e, const char *name, struct buf *out);
void edge_binding_raw(const struct edge *e, const char *name, struct buf *out);
/* A binding of the edge itself or of its rule, never of a file scope (for
 * nj's own variables, such as mem); true if either binds it. */
bool edge_own_binding(const struct edge *e, const char *name, struct buf *out);
bool edge_binding_bool(const struct edge *e, const char *name);
/* The command; with incl_rsp, plus ";rspfile=CONTENT" as ninja hashes it. */
void edge_command(const struct edge *e, bool incl_rsp, struct buf *out);
/* True if every input of e is ready (built or a source). */
bool edge_all_inputs_ready(const struct edge *e);
bool edge_use_console(const struct edge *e);
/* The "cycle in rule variables" message of the last evaluation, if any;
 * the caller frees it. */
char *graph_take_eval_error(void);
/* ---- manifest and dyndep parsing ----------------------------------------- */
/* Load path (relative to cwd) into st. err carries file:line diagnostics. */
int manifest_load(struct state *st, const char *path, struct err *err);
/* "1.14.0.git" -> 1, 14, as ninja reads version strings (atoi of each part). */
void parse_version(const char *s, int *major, int *minor);
/* Parse a manifest held in memory (tests, fuzzing). */
int manifest_parse_string(struct state *st, const char *filename,
			  const char *text, size_t len, struct err *err);
/* Load the dyndep file node and apply it to the edges that name it. */
int dyndep_load(struct state *st, struct node *dyndep_file, struct err *err);

/* ---- dirty scanning ------------------------------------------------------- */
/* Stat a node, or take a stat-ahead worker's result (see
 * stat_claim_for_main): sets mtime and exists_known. It always stats; the
 * scan calls it only for nodes not yet stat'ed this build. Returns -1 on an
 * I/O error other than "does not exist". */
int node_stat(struct node *n, struct err *err);
/* Stat ahead (stat_ahead.c): worker threads stat every node while the
 * caller scans; stop them before anything else reads or writes mtimes (the
 * build). NULL (nothing to stop) for a small graph. */
struct stat_ahead *stat_ahead_start(struct state *st);
void stat_ahead_stop(struct stat_ahead *sa);
/* Before the scan reads a node's mtime: true when a worker's stat is now
 * the node's (mtime and exists_known set), false when the caller must
 * decide as without workers. Either way no worker touches the node after. */
bool stat_claim_for_main(struct node *n);
/* A path's mtime in nanoseconds; MTIME_MISSING if absent, -1 on error. */
int64_t path_mtime(const char *path, struct err *err);
/* Recompute the dirty state of node and everything it depends on; adds
 * validation nodes it finds to *validations. Cycles are errors with the
 * path: "dependency cycle: a -> b -> a". */
int scan_dirty(struct state *st, struct node *node, struct node ***validations,
	       size_t *nvalidations, size_t *cap, struct err *err);
/* Is any output of e out of date (given that its inputs are scanned)? */
bool scan_outputs_dirty(struct state *st, struct edge *e,
			struct node *most_recent_input, struct buf *cmd);
/* Load deps for an edge from the deps log record or its depfile into the
 * edge's implicit inputs (before the order-only ones). Returns 0, 1 when
 * they are missing or stale (deps_missing is set), -1 on error. */
int scan_load_deps(struct state *st, struct edge *e, struct err *err);
/* The deps the scan skipped (e->deps_skipped) for a dirty edge, read for
 * a restat that asks whether the edge is clean after all; they are not
 * added to its inputs. 0: *most_recent is the newest of them and of what
 * it was; 1: one is dirty or they cannot be read (the edge stays dirty);
 * -1 error. ninja reads none, and may then clean an edge a
 * header made dirty. */
int scan_skipped_deps(struct state *st, struct edge *e,
		      struct node **most_recent, struct err *err);

/* Nodes for the default targets (defaults, else roots). */
int state_default_targets(struct state *st, struct node ***out, size_t *n,
			  struct err *err);
/* Nodes with no out edges. */
void state_roots(struct state *st, struct node ***out, size_t *n);
/* Reset per-build fields so the same state can be scanned again. */
void state_reset(struct state *st);

#endif
