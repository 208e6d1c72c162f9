/* scheduler: the plan of wanted edges, the ready set ordered by critical
 * path, admission (slots, pools, load, memory, jobserver tokens), and the
 * build loop that starts jobs, reaps them and records their results. */
#ifndef NJ_SCHEDULER_H
#define NJ_SCHEDULER_H

#include "../exec/exec.h"
#include "../graph/graph.h"
#include "../log/log.h"
#include "../policy/policy.h"

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
	bool explain;     /* -d explain: say why ready jobs wait */
	bool mem_off;     /* --mem=off */
	bool mem_share_off; /* --mem-share=off: no shared budget */
	int64_t mem_limit; /* --mem-limit; 0: none */
	int64_t mem_floor; /* --mem-floor; 0: default */
	enum js_mode jobserver; /* server transport; JS_OFF for none */
	/* nj's parent's jobserver (cli claims it first thing), or NULL */
	struct js_client *client;
	/* where to write the build's .nj_trace; NULL: none (record.c) */
	const char *trace_path;
};

/* The build reports what happens through these; cli prints it. They
 * cannot fail or stop the build. */
struct status {
	void (*plan_total)(struct status *s, int total);
	void (*build_started)(struct status *s);
	/* A command edge joined the plan (added) or a restat took it off. */
	void (*edge_planned)(struct status *s, const struct edge *e, bool added);
	void (*edge_started)(struct status *s, struct edge *e, int64_t ms);
	/* exit_code: 0 ok, else ninja's exit status for the command (its own,
	 * 128 + the wait status for a signal, 1 when nj failed it). */
	void (*edge_finished)(struct status *s, struct edge *e, int64_t start_ms,
			      int64_t end_ms, int exit_code, const char *output,
			      size_t len);
	void (*build_finished)(struct status *s);
	void (*error)(struct status *s, const char *msg);
	/* A job was killed for memory and goes back to wait (msg says so). */
	void (*edge_requeued)(struct status *s, struct edge *e, const char *msg);
	const struct mem_model *mem; /* for the status line; NULL when off */
};

/* The scheduler's state of one edge: graph.h's struct edge holds graph
 * facts only, and this lives in the builder's table, indexed by edge id. */
struct sched_edge {
	int want; /* enum want */
	double critical_weight;
	int64_t command_start_ms;
	/* memory: the estimate and where it came from, and the retry state */
	int64_t mem_estimate; /* -1: not yet estimated */
	int mem_source;       /* enum mem_source */
	int mem_retries;
	bool mem_alone;        /* the last retry: runs with nothing beside it */
	bool mem_kill_pending; /* nj sent the kill; the reap is a retry */
	bool mem_waiting;      /* told -d explain why it waits */
	bool mem_waited;       /* ever waited for memory (counted once) */
	int64_t mem_killed_at;    /* memory it had reached when killed */
	int64_t mem_free_at_kill; /* free memory when nj killed it */
	int64_t mem_oom_at_start; /* the cgroup's OOM kill count at its start */
	int64_t mem_prev;         /* its memory at the sample before the last */
	bool mem_paused;          /* stopped by nj (SIGSTOP) */
	int64_t mem_paused_since_ns;
	int64_t mem_paused_ms;    /* paused time before the current pause */
	bool mem_pause_timed_out; /* killed at the end of a bounded pause */
	bool mem_paged_out;       /* paged out to swap in this run (or tried) */
	int64_t mem_paged_out_ns; /* when it started (0: not), what it held */
	int64_t mem_paged_out_bytes;
	/* The memory chain (chain.c): the next job too big to run beside
	 * this one, in the order they can start; NULL when none. */
	struct edge *mem_next;
	int64_t mem_in_bytes; /* its explicit inputs' bytes (-1: not looked) */
	bool mem_sized;       /* its need came from input sizes (sized.c) */
};

/* A max-heap of edges: higher weight first (compared by rank, within
 * about a tenth; heap.c), then lower id. The rank is kept in the entry, so
 * comparisons touch only the heap's own memory. */
struct heap_entry {
	uint64_t rank;
	struct edge *e;
};
struct edge_heap {
	struct heap_entry *v;
	size_t n, cap;
};
void heap_push(struct edge_heap *h, struct edge *e, double weight);
struct edge *heap_pop(struct edge_heap *h);
void heap_free(struct edge_heap *h);

struct builder {
	struct state *st;
	struct build_config cfg;
	struct build_log *log;
	struct deps_log *deps;
	struct history *history; /* may be NULL */
	struct status *status;
	struct mem_model mem;
	struct memprobe probe;
	bool probe_ready;
	bool page_out_off; /* paging out failed once (no right to): kill */
	struct budget budget; /* shared with other nj under the same limit */
	bool budget_ready;
	struct mem_running *mem_view; /* running jobs for the policy, reused */
	size_t mem_view_cap;
	int64_t mem_sample_dt_ms; /* between the last two samples: job rates */
	/* Ready edges admission has looked at, over the build: a unit test
	 * holds it to one per admission where nothing needs comparing. */
	uint64_t mem_looked;
	/* Rules with a large job, and what their runs took per input byte
	 * (sized.c). */
	struct sized_rule *sized;
	size_t nsized, sized_cap;
	/* jobserver: a server for the jobs, or a client of nj's parent */
	struct js_server js;
	bool js_on;
	struct js_client *jc; /* cfg.client when active, else NULL */
	struct pollfd js_watch;
	bool js_want_token;
	int64_t js_looked_ms; /* the last look at the slots' waiting tokens */
	struct exec ex;
	bool ex_ready;
	int64_t start_ns;
	/* When builder_build fails: ninja's exit status for it (the last
	 * failed command's, 130 when interrupted, else 1). */
	int exit_code;
	int last_failure; /* the last failed command's status, 0 if none */

	/* the scheduler's per-edge state, by edge id (see sched()) */
	struct sched_edge *sched;
	size_t nsched;

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
	struct recorder *rec; /* the build's .nj_trace (record.c), or NULL */
	/* read depfiles waiting to be deleted (depfiles.c): a ring */
	struct doomed *doomed;
	size_t doomed_head, ndoomed;
	struct err depfile_err; /* the first deletion that failed */
};

/* Depfiles (depfiles.c): one read into .ninja_deps is deleted once
 * DEPFILES_BACKLOG newer ones were, or at the end of the build, when its
 * directory is quiet; at once if an edge with the same depfile starts. */
#define DEPFILES_BACKLOG 1024
void depfile_doom(struct builder *b, const char *path);
void depfile_claim(struct builder *b, const char *path);
/* Delete every doomed depfile; -1 with err if one could not be. */
int depfiles_flush(struct builder *b, struct err *err);
void depfiles_free(struct builder *b);

void sched_grow(struct builder *b, size_t id);
/* Remove what a stopped job may have half-written: an output whose mtime
 * moved, and every output when the rule has a depfile (its deps may be
 * stale), and the depfile. */
void remove_partial_outputs(struct builder *b, struct edge *e);
/* The scheduler's state of e. The table grows when the graph does (the
 * dep loader and dyndep files add edges): a pointer into it is good until
 * the next sched() of an edge never seen before. */
static inline struct sched_edge *sched(struct builder *b, const struct edge *e)
{
	if (e->id >= b->nsched)
		sched_grow(b, e->id);
	return &b->sched[e->id];
}

void builder_init(struct builder *b, struct state *st,
		  const struct build_config *cfg, struct build_log *log,
		  struct deps_log *deps, struct history *history,
		  struct status *status);
/* Scan target and add what it needs to the plan. An up-to-date target is
 * not an error. */
int builder_add_target(struct builder *b, struct node *target,
		       struct err *err);
bool builder_up_to_date(const struct builder *b);
/* Run the plan. On failure err says why, as ninja's "build stopped: ...":
 * "subcommand failed", "interrupted by user", ...; with err->fatal set (a
 * cycle in rule variables) it is a fatal error, not a stopped build;
 * b->exit_code is the status to exit with. */
int builder_build(struct builder *b, struct err *err);
void builder_free(struct builder *b);

/* ---- plan (plan.c) ---- */
/* An edge's cost for the critical path: its last run time from the log,
 * else dflt; 0 for a phony edge. */
double plan_edge_cost(const struct edge *e, double dflt);
int plan_add_target(struct builder *b, struct node *n, struct err *err);
/* Compute critical-path weights and queue the edges that are ready. */
void plan_prepare(struct builder *b);
/* The best ready edge whose pool has room, or NULL; plan_take gives it
 * its pool slot, plan_put_back returns it to the ready set. */
struct edge *plan_pop_ready(struct builder *b);
void plan_take(struct builder *b, struct edge *e);
void plan_put_back(struct builder *b, struct edge *e);
/* Undo plan_take: the edge goes back to the ready set, its pool slot free. */
void plan_untake(struct builder *b, struct edge *e);
/* A running edge gives back its pool slot (and wakes a waiter). */
void plan_pool_release(struct builder *b, struct pool *p);
int plan_edge_finished(struct builder *b, struct edge *e, bool ok,
		       struct err *err);
/* A restat edge left node unchanged: take clean dependents off the plan. */
int plan_clean_node(struct builder *b, struct node *n, struct err *err);
bool plan_more_to_do(const struct builder *b);

/* ---- the jobserver in the build loop (tokens.c) ---- */
void builder_tokens_init(struct builder *b);
void builder_tokens_free(struct builder *b);
/* May one more job start, counting tokens sub-builds hold (server) or
 * taking one from the parent (client)? */
bool tokens_can_run_more(struct builder *b);
/* As a client, the parent's token for the edge about to start (none for
 * the first job: nj's implicit one). Taken only once an edge is chosen, so
 * nj never holds a token it has no job for; false: none to be had now. */
bool tokens_take(struct builder *b);
/* Give the job a slot of its own (server); NULL when there is none. */
struct js_slot *tokens_job_slot(struct builder *b, struct err *err);
/* A job ended: its tokens come back; a client gives back what it no
 * longer needs. */
void tokens_job_ended(struct builder *b, struct job *j);
/* Nothing more of nj's own can start: offer free tokens to sub-builds
 * (memory permitting). */
void tokens_offer(struct builder *b);
/* How long the loop may sleep before looking at the jobserver again (-1:
 * no limit), and which descriptor to watch. */
int tokens_wait_timeout(struct builder *b);

/* ---- the memory chain (chain.c) ---- */
/* Link the planned edges that cannot run two at a time
 * (policy_exclusive) through mem_next, in the order they can first start,
 * so the critical path counts them one after another; those of which only
 * two fit at once (policy_lanes) in two such lanes. Returns how many
 * links were made. */
size_t chain_link(struct builder *b, double dflt);

/* Milliseconds since the build started (the log's and the trace's clock). */
int64_t builder_elapsed_ms(const struct builder *b);

/* ---- memory in the build loop (admit.c) ---- */
void builder_mem_init(struct builder *b);
void builder_mem_free(struct builder *b);
/* The next edge to start, pool slot taken, or NULL: memory permitting. */
struct edge *admit_next(struct builder *b);
/* How long the loop may sleep before the next memory sample (-1: no
 * limit). */
/* Nothing of ours runs, and a ready edge waits for other builds' jobs in
 * the same memory domain to make room: sleep a sample, not "stuck". */
bool mem_waits_for_others(const struct builder *b);
int mem_wait_timeout(const struct builder *b);
/* Continue every job nj paused (before an interrupt's cleanup). */
void mem_resume_all(struct builder *b);
/* Sample free memory and each job's; below the floor, kill the youngest. */
void mem_tick(struct builder *b, bool force);
/* A job ended: 0 if memory had nothing to do with it; 1 if it was killed
 * for memory and went back to wait (why says so); -1 if it cannot fit
 * even alone (why says what it needed). */
int mem_job_ended(struct builder *b, struct job *j, struct buf *why);
/* An edge's estimate, best source first (docs/DESIGN.md, "The memory model"):
 * its own history, its declared mem, its rule's history, dflt. */
int64_t mem_estimate_edge(const struct history *h, const struct edge *e,
			  int64_t dflt, int *source);
/* e's estimate (mem_estimate_edge), worked out once and kept. */
int64_t admit_estimate(struct builder *b, struct edge *e);
/* The history's key for an edge: its first output. */
const char *edge_key(const struct edge *e);
/* A job is about to start (notes the cgroup's OOM kill count). */
void mem_job_started(struct builder *b, struct edge *e);
/* Put a finished run in the history. */
void mem_record_run(struct builder *b, struct job *j);

/* ---- input sizes as memory evidence (sized.c) ---- */
/* A job of e's rule holds `now`: once that is large, the rule's inputs
 * are looked at. */
void sized_note_large(struct builder *b, const struct edge *e, int64_t now);
/* A successful run of e peaked at peak. */
void sized_record(struct builder *b, struct edge *e, int64_t peak);
/* e's estimate from its input bytes and its rule's runs (-1: none). */
int64_t sized_estimate(struct builder *b, struct edge *e);
/* The most e's running siblings show, each scaled by their inputs when
 * sizes say so (policy_sized_sibling); -1 when none runs. */
int64_t sized_sibling_peak(struct builder *b, struct edge *e);
void sized_free(struct builder *b);

/* ---- the build's record, .nj_trace (record.c) ---- */
/* Start recording (when cfg.trace_path is set and it is no dry run). */
void record_begin(struct builder *b);
/* Hooks: a ready edge waits for memory (the head of the ready set); a job
 * started; a memory sample was taken (pauses, resumes and stops are read
 * off the jobs' state); a job ended (mem: mem_job_ended's answer). */
void record_wait(struct builder *b, struct edge *e, int64_t need);
void record_job_started(struct builder *b, struct job *j);
void record_sample(struct builder *b);
void record_job_ended(struct builder *b, struct job *j, int mem);
/* The build is over: write .nj_trace (a failure is a warning). */
void record_end(struct builder *b);
/* What was recorded, for the summary; NULL when nothing was. */
const struct trace *record_trace(const struct builder *b);
void record_free(struct builder *b);

#endif
