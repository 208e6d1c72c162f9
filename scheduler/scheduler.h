/* scheduler: the plan of wanted edges, the ready set ordered by critical
 * path, admission (slots, pools, load; memory joins here later), and the
 * build loop that starts jobs, reaps them and records their results. */
#ifndef NJ_SCHEDULER_H
#define NJ_SCHEDULER_H

#include "../exec/exec.h"
#include "../graph/graph.h"
#include "../log/log.h"

enum want {
	WANT_NONE,      /* not in the plan */
	WANT_NOTHING,   /* in the plan for its inputs, not to run itself */
	WANT_TO_START,  /* dirty: will run */
	WANT_TO_FINISH, /* in the ready set, waiting or running */
};

struct build_config {
	int parallelism;
	int failures_allowed; /* -k; INT_MAX for -k 0 */
	double max_load;      /* -l; <= 0: none */
	bool dry_run;
	bool keep_depfile;
	bool keep_rsp;
};

/* The build reports what happens through these; cli prints it. */
struct status {
	void (*plan_total)(struct status *s, int total);
	void (*build_started)(struct status *s);
	void (*edge_started)(struct status *s, struct edge *e, int64_t ms);
	void (*edge_finished)(struct status *s, struct edge *e, int64_t ms,
			      bool ok, const char *output, size_t len);
	void (*build_finished)(struct status *s);
	void (*error)(struct status *s, const char *msg);
};

/* A max-heap of edges: higher critical weight first, then lower id. */
struct edge_heap {
	struct edge **v;
	size_t n, cap;
};
void heap_push(struct edge_heap *h, struct edge *e);
struct edge *heap_pop(struct edge_heap *h);
void heap_free(struct edge_heap *h);

struct builder {
	struct state *st;
	struct build_config cfg;
	struct build_log *log;
	struct deps_log *deps;
	struct status *status;
	struct exec ex;
	bool ex_ready;
	int64_t start_ns;

	/* plan */
	struct edge **planned; /* every edge ever given a want, for reset */
	size_t nplanned, planned_cap;
	int wanted_edges;  /* edges with WANT_TO_START or WANT_TO_FINISH */
	int command_edges; /* the same, not counting phony */
	struct edge_heap ready;
	struct pool_wait {
		struct pool *pool;
		struct edge_heap heap;
	} *pool_waits;
	size_t npool_waits, pool_waits_cap;

	/* running */
	struct job **jobs; /* jobs of running edges */
	size_t njobs, jobs_cap;
	/* dry-run "jobs" that finished at once */
	struct edge **dry_done;
	size_t ndry_done, dry_done_cap;
	struct buf tmp;
};

void builder_init(struct builder *b, struct state *st,
		  const struct build_config *cfg, struct build_log *log,
		  struct deps_log *deps, struct status *status);
/* Scan target and add what it needs to the plan. An up-to-date target is
 * not an error. */
int builder_add_target(struct builder *b, struct node *target,
		       struct err *err);
bool builder_up_to_date(const struct builder *b);
/* Run the plan. On failure err says why, as ninja's "build stopped: ...":
 * "subcommand failed", "interrupted by user", ... */
int builder_build(struct builder *b, struct err *err);
void builder_free(struct builder *b);

/* ---- plan (plan.c) ---- */
int plan_add_target(struct builder *b, struct node *n, struct err *err);
/* Compute critical-path weights and queue the edges that are ready. */
void plan_prepare(struct builder *b);
/* Next edge to start (pools permitting), or NULL. */
struct edge *plan_find_work(struct builder *b);
int plan_edge_finished(struct builder *b, struct edge *e, bool ok,
		       struct err *err);
/* A restat edge left node unchanged: take clean dependents off the plan. */
int plan_clean_node(struct builder *b, struct node *n, struct err *err);
bool plan_more_to_do(const struct builder *b);

#endif
