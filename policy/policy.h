/* policy: every memory decision nj makes, and every constant behind one,
 * as pure functions of numbers. Callers (the history in log/, admission,
 * sampling and the pressure loop in scheduler/, the jobserver's token gate)
 * take the readings and carry the decisions out; nothing here reads a file,
 * a clock or a process, so unit tests drive every decision with plain
 * numbers. Depends on base only. */
#ifndef NJ_POLICY_H
#define NJ_POLICY_H

#include "../base/base.h"

/* ---- constants ------------------------------------------------------------ */
/* What a job nothing is known about is expected to take. */
#define POLICY_DEFAULT_ESTIMATE (256LL << 20)
/* Retries of one edge after kills for memory; the last one runs alone. */
#define POLICY_MAX_RETRIES 3
/* Free memory is sampled this often while jobs run... */
#define POLICY_SAMPLE_MS 250
/* ...and this often near the floor or under pressure (PSI). */
#define POLICY_SAMPLE_NEAR_FLOOR_MS 40
/* PSI "some" avg10, in percent, above which memory counts as under pressure. */
#define POLICY_PSI_ALERT 5.0
/* Large jobs (policy_packs) whose critical-path weights are within 15%
 * count as equally urgent when choosing which starts first: seven links of
 * the same shape ran 9.7 to 11 s, by their size and the machine's noise. */
#define POLICY_PACK_TIE 0.85
/* How many ready edges one admission looks at past a blocked one. */
#define POLICY_BACKFILL_SCAN 64
/* A paused job is resumed or killed after this long at most: it may hold
 * jobserver tokens, a lock or a socket that others wait for. */
#define POLICY_PAUSE_MAX_MS 15000
/* What paging a paused job out and back in costs, per GiB it holds
 * (measured here: 0.9 s out, 0.43 s back, to a swap file on virtio). */
#define POLICY_PAGE_OUT_MS_PER_GIB 1500
int64_t policy_page_out_ms(int64_t bytes);
/* A rule's percentile is recomputed once 1/POLICY_PERCENTILE_SLACK of its
 * estimates changed (at least one): recomputing after every change would
 * make a build quadratic. */
#define POLICY_PERCENTILE_SLACK 32
/* Packing by time: a running job is counted on to end when its history
 * says, plus a tenth of that plus this much (machines are noisy). Once it
 * has run as long as its history says it is overdue: when it ends is then
 * unknown, and no new start counts on it. */
#define POLICY_END_SLACK_MS 500
/* A running job rising this many times slower than its history is late:
 * its end is put off (policy_remaining_ms). Below it, rises differ by
 * noise: a 3.6G link rose in 7.8 s in one build and about 9 s in the
 * next, and putting its end off by the difference lost the overlap of
 * the next large link with its last seconds (3% slower, mem-mixed). */
#define POLICY_SLOW_RISE 1.5
/* How far back free readings count for how fast free falls, and how many
 * are kept. Jobs grow in bursts (an allocation, then work on it): with six
 * links of two builds rising in 1.5G, free fell 7M over the 40 ms before a
 * reading and 590M over the 260 ms after it, and the 250 ms interval the
 * small fall chose let free reach zero (a kernel OOM kill). */
#define POLICY_DROP_WINDOW_MS 500
#define POLICY_DROP_READINGS 16
/* With more running jobs than this, admission reserves whole estimates only
 * (each job is a small share of memory, and the check is O(n^2)). */
#define POLICY_PROFILE_MAX_JOBS 32

/* ---- estimates --------------------------------------------------------------
 * An edge's estimate is a peak it is expected to reach. The history keeps
 * one per edge, without margin; policy_with_margin is applied on use. */
/* Where an edge's estimate came from, best first. */
enum mem_source {
	MEM_FROM_HISTORY,  /* this edge's own earlier runs */
	MEM_FROM_DECLARED, /* mem = on the edge, its rule or its pool */
	MEM_FROM_INPUTS,   /* within a build, its inputs' size (sized.c); said,
			    * never kept as an edge's source */
	MEM_FROM_RULE,     /* other edges of the same rule */
	MEM_FROM_DEFAULT,
};
const char *policy_source_name(int source);
/* The best source that knows anything (-1: knows nothing). */
int64_t policy_estimate(int64_t own, int64_t declared, int64_t rule,
			int64_t dflt, int *source);
/* Learning within a build: what the running jobs of the same rule have
 * reached so far is a lower bound for an edge of that rule that has no
 * history of its own (seven identical links: when the first has reached
 * 2G, the others are not default-sized). */
int64_t policy_with_siblings(int64_t est, int source, int64_t sibling_peak);
/* Input sizes as evidence, within a build (policy_sized_*): a link's memory
 * grows with what it links. For a rule whose jobs are large
 * (policy_packs), each successful run adds its peak per byte of explicit
 * input. Once two runs agree within POLICY_SIZED_AGREE, an edge of that
 * rule with no history of its own is estimated at its own input bytes
 * times the highest of them (plus the margin); a running sibling's memory
 * so far is scaled by the ratio of the inputs. Before that agreement a
 * scaled sibling may only raise the evidence, never lower it. Inputs
 * under POLICY_SIZED_MIN_BYTES say nothing (stamps, tiny scripts). */
#define POLICY_SIZED_MIN_BYTES ((int64_t)1 << 20)
#define POLICY_SIZED_AGREE 1.25
struct mem_sized {
	int n;         /* successful runs counted */
	double lo, hi; /* least and most peak per input byte */
};
void policy_sized_add(struct mem_sized *s, int64_t peak, int64_t in_bytes);
/* Confirmed: two runs or more, agreeing. */
bool policy_sized_known(const struct mem_sized *s);
/* The estimate for in_bytes of input (-1: the evidence does not say). */
int64_t policy_sized_estimate(const struct mem_sized *s, int64_t in_bytes);
/* A running sibling's memory `now` at sib_bytes of input, as evidence for
 * an edge with in_bytes (-1: sizes say nothing; then its `now` as is). */
int64_t policy_sized_sibling(int64_t now, int64_t sib_bytes, int64_t in_bytes);
/* After a successful run that peaked at `peak`: a decayed maximum, so one
 * lucky run lowers the estimate by a fifth at most. est -1: none yet. */
int64_t policy_after_success(int64_t est, int64_t peak);
/* After a run killed for memory at `reached`: it never finished, so it
 * needed more than it reached; at least 1.5 times that. The one rule for
 * a retry within the build and for the next build. */
int64_t policy_after_kill(int64_t est, int64_t reached);
/* What admission uses: the estimate plus 4%, rounded up; -1 stays -1.
 * The peaks are of the whole process tree and the floor is kept free as
 * well: 10% here made two links that fit together run one at a time. */
int64_t policy_with_margin(int64_t est);
/* The margin an edge's own history earns: 1% over the highest when its
 * two newest peaks (newest first in recent[0..n)) and the estimate agree
 * within 1%, else policy_with_margin's 4%. Memory-test links reproduce
 * their peaks to the page; the 4% made the pairs of seven 2.5 to 3G links
 * that fit in 6G run one at a time. A killed run's reach is older evidence
 * and ages out. */
int64_t policy_with_history_margin(int64_t est, const int64_t *recent, int n);
/* How long a running job has left: its history's run time (expected_ms,
 * -1: none) less the elapsed_ms it has been running, or longer when it is
 * rising slower than its history's rise (rise_ms to its estimate): then
 * the rest of the rise at the pace it has kept so far (now reached in
 * run_ms), and the part of its run after the rise, once that pace is
 * POLICY_SLOW_RISE times slower than its history's. Judged once it holds
 * an eighth of its estimate (before that, the pace is its start-up) and
 * until it is within an eighth of it (then it has risen: the estimate's
 * margin is never reached). Seen
 * in mem-equal-links: two links run together took 20 s where their
 * history said 11, and a third, started on their expected ends, met them
 * at the floor and was paused, then killed. */
int64_t policy_remaining_ms(int64_t expected_ms, int64_t elapsed_ms,
			    int64_t run_ms, int64_t now, int64_t estimate,
			    int64_t rise_ms);
/* How fast an edge with estimate `est` rose, bytes per second, from its
 * quickest rise (ms, > 0). */
int64_t policy_rise_pace(int64_t est, int64_t rise_ms);
/* The rise admission counts on for an edge: its own quickest (-1: none),
 * or sooner when its rule's edges typically rise faster (rule_pace,
 * bytes per second, history_rule_rise_pace; <= 0 unknown): then the time
 * to `est` at that pace. A rise recorded while four links rose together
 * in a first build (11.5 s, where its siblings rose in 5.5 s) is slower
 * than its next run's; counted on, a second build started a link beside
 * another's hold and paused it (three builds of three from that
 * history). The typical pace, not the fastest: at the fastest, mem-mixed's
 * second build lost a large link's start beside the end of the one
 * before (4 and 2 s in two builds). */
int64_t policy_rise_ms(int64_t own_rise, int64_t est, int64_t rule_pace);
/* The 1-based rank of a rule's percentile among n estimates (nearest
 * rank of the 90th). */
size_t policy_percentile_rank(size_t n);
/* Whether a rule's cached percentile over n estimates, `changes` of them
 * changed since, must be recomputed. */
bool policy_percentile_due(size_t changes, size_t n);

/* ---- admission ----------------------------------------------------------- */
/* The memory side of admission: the builder's last readings. */
struct mem_model {
	bool enabled;
	int64_t capacity;
	int64_t floor;
	int64_t free;       /* last reading */
	int64_t default_estimate;
	bool hold;          /* after a kill: no new starts until free recovers */
	bool waiting;       /* the last admission left a ready edge waiting */
	int64_t last_sample_ns;
	/* Bytes per second free fell: the steepest fall over any span from a
	 * recent reading (POLICY_DROP_WINDOW_MS) to the last (policy_note_free). */
	int64_t free_drop;
	int64_t recent_ns[POLICY_DROP_READINGS], recent_free[POLICY_DROP_READINGS];
	int nrecent;
	double psi;         /* PSI "some" avg10 at the last sample; -1 unknown */
	/* What memory did to this build, for the summary and the trace. */
	int waits, pauses, kills; /* edges that waited, pauses, kills */
	/* The other nj builds under the same memory limit (the shared
	 * budget), as they last published: */
	int64_t others_reserved;   /* what their jobs may still take */
	int64_t others_jobs;       /* their live jobs */
	bool others_dying;         /* one of them is killing a job */
	int64_t others_victim_ms;  /* their next victim's run time; <= 0 none */
	bool others_victim_paused;
	/* Swap a paused job may be paged out to (bytes); 0 when there is
	 * none or nj may not page out another process. */
	int64_t swap_free;
	int page_outs;             /* for the summary, as waits above */
};
/* What a running job looks like to the policy. */
struct mem_running {
	int64_t estimate, now;   /* bytes */
	int64_t elapsed_ms;
	int64_t remaining_ms;    /* expected, from history; -1 unknown */
	bool console;            /* never a victim, never paused */
	bool dying;              /* already being killed */
	bool paused;             /* stopped (SIGSTOP) by nj */
	bool growing;            /* its memory rose since the last sample */
	int64_t rate;            /* how fast it rose then, bytes per second */
	int64_t paused_ms;       /* how long it has been paused, this time */
	int64_t run_ms;          /* how long it has really run (not paused) */
	int64_t rise_ms;         /* run time at which it reaches its estimate,
				  * from history; <= 0: from the start */
	bool managed;            /* a nested nj: it publishes its own jobs'
				  * reservations and pauses or kills them
				  * itself; never paused or killed whole */
	bool guessed;            /* its estimate is the default guess */
	bool paged_out;          /* paged out to swap (or tried) in this
				  * run: never again, and no victim while
				  * it stays paused, holding next to nothing */
	bool paging;             /* paged out so recently that its memory
				  * may still be coming back (as a dying
				  * job's): nothing else is stopped meanwhile */
	double weight;           /* its critical-path weight (priority) */
};
/* A ready edge as admission sees it, in priority order. */
struct mem_candidate {
	int64_t need;        /* its estimate */
	int64_t expected_ms; /* its expected run time; -1 unknown */
	bool alone;          /* its last retry: only with nothing else running */
	double weight;       /* its critical-path weight (priority) */
	int64_t rise_ms;     /* when it reaches `need`, from history; <= 0:
			      * at once */
	bool slack;          /* far off the critical path (policy_has_slack):
			      * it fits as a reservation or not at all */
};
/* The floor when none is given: 5% of capacity, at least 256M, at most an
 * eighth. */
int64_t policy_default_floor(int64_t capacity);
int64_t policy_reserved(const struct mem_running *r, size_t n);
/* What a build tells the other builds under the same limit it reserves:
 * policy_reserved less the jobs whose estimate is only the default guess.
 * A guess is this build's own caution; published, -j256 of trivial jobs
 * would claim 64G and stop every other build on the machine (measured:
 * the e2e suite's builds waited on its load test). Jobs that outgrow a
 * guess are caught by pressure, in every build. */
int64_t policy_published_reserve(const struct mem_running *r, size_t n);
/* Bytes a new job may take now: free - floor - what running jobs may
 * still take. Negative when over. */
int64_t policy_headroom(const struct mem_model *m, const struct mem_running *r,
			size_t n);
/* What a job is expected to hold `t` ms into its run: a straight rise to
 * `est` over `rise` ms, then `est` (the shape a link or a compile has:
 * it grows, then holds). rise <= 0: `est` from the start. */
int64_t policy_ramp(int64_t est, int64_t rise, int64_t t);
/* Whether a ready job with critical-path weight `weight` has slack: less
 * than half the weight of the most urgent ready job, `top`. Starting it
 * later costs the build nothing, so it is not started by counting on
 * other jobs' ends (policy_fits): when they overran, the pause that
 * followed was all risk and no gain. */
bool policy_has_slack(double weight, double top);
/* Whether candidate c fits beside the running jobs for its whole run.
 * First as reservations: its need within the headroom. Failing that, over
 * time, from history: running jobs rise along their ramps and give their
 * memory back when they are expected to end (with slack), and c rises along
 * its own; c fits if free stays above the floor at every moment of its run.
 * Equal to the first test when nothing is known about times, or when c has
 * slack. */
bool policy_fits(const struct mem_model *m, const struct mem_running *r,
		 size_t n, const struct mem_candidate *c);
/* How long until a job needing `need` fits, if running jobs end when
 * history expects them to and give back what they hold and reserve;
 * INT64_MAX if that is unknowable or never. */
int64_t policy_wait_ms(const struct mem_model *m, const struct mem_running *r,
		       size_t n, int64_t need);
/* Whether a job is a large enough share of memory (an eighth of what the
 * floor leaves) that which of the equally urgent ones starts first decides
 * how they pack. */
bool policy_packs(const struct mem_model *m, int64_t need);
/* Which candidate may start now (index), or -1. Where the first that fits
 * is large (policy_packs), the largest as urgent (POLICY_PACK_TIE) that
 * fits goes first. The first that does not
 * fit (policy_fits) is the head (*head, k if none): later ones may go ahead
 * of it only if they fit and are expected to end before the head could
 * start (backfilling), or leave the head room beside them when it could
 * start, or have (within 5%) the critical-path weight of the
 * head (they are as urgent; this packs a small job beside a large one), or,
 * while the head waits on other builds' jobs (whose ends are unknown), are
 * expected to be shorter than the head. An
 * idle nj (n == 0) with no other build's job running in its memory domain
 * always starts the first: the build always moves; while another build's
 * jobs run, it waits its turn like any job that does not fit. */
int policy_choose(const struct mem_model *m, const struct mem_running *r,
		  size_t n, const struct mem_candidate *c, size_t k,
		  size_t *head);
/* Whether two jobs this big cannot run at the same time: each needs more
 * than half of what the floor leaves, by a tenth. Such jobs run one after
 * another in any schedule, so the plan orders them as a chain
 * (scheduler/chain.c). */
bool policy_exclusive(const struct mem_model *m, int64_t need);
/* How many jobs this big run at once at most, for the memory chain: 1
 * when two cannot (policy_exclusive); 2 when three cannot (each needs more
 * than a third of what the floor leaves, by a tenth); 0 when more can. */
int policy_lanes(const struct mem_model *m, int64_t need);
/* After a kill, new starts wait (hold) until free is back to 1.5 floors. */
bool policy_hold_over(const struct mem_model *m);
/* The jobserver hands a sub-build a token only when a default-sized job
 * would be admitted: a sub-build's job is a job too. */
bool policy_token_allowed(const struct mem_model *m);

/* ---- pressure ------------------------------------------------------------ */
/* Milliseconds until the next sample while n jobs run (or, with none,
 * while waiting for other builds' jobs to make room); -1: no sampling.
 * Fast near the floor, under pressure (PSI), or when free falls so fast
 * that it would be near the floor by the next ordinary sample (jobs of
 * another build grow unseen by this one's estimates). */
int policy_sample_ms(const struct mem_model *m, size_t n);
/* Take a free-memory reading `f` at time `t_ns` into m: free, and
 * free_drop over the readings of the last POLICY_DROP_WINDOW_MS. */
void policy_note_free(struct mem_model *m, int64_t t_ns, int64_t f);
/* Free is below the floor: someone must give memory back. */
bool policy_over_floor(const struct mem_model *m);
/* Whether to kill now: not while a job nj killed is still dying (it takes
 * a moment to give its memory back). */
bool policy_may_kill(const struct mem_running *r, size_t n);
/* The job to kill when free falls below the floor: the one that has run
 * the shortest time (least work lost), never a console job, never a dying
 * one, never the only live job. -1 for none. */
int policy_pick_victim(const struct mem_running *r, size_t n);
/* What a paused job needs to go on: its estimate's remainder, and never
 * less than half what it holds (it was paused for outgrowing it). */
int64_t policy_resume_need(const struct mem_running *r);
/* The job this nj would pause next (youngest growing, pausable), and the
 * one it would kill next (the paused job that ran least, else the youngest
 * running one), which it publishes to the other builds; -1 for none. */
int policy_pause_candidate(const struct mem_running *r, size_t n);
int policy_next_victim(const struct mem_running *r, size_t n);
/* After policy_pressure paused a job, at the same sample: another job to
 * pause when the growing jobs still running would take free more than
 * half way through the floor by the next sample (POLICY_SAMPLE_NEAR_FLOOR_MS),
 * with other builds' jobs falling as they did; -1 for none. One pause per
 * sample is 25 a second; eight jobs rising 2G/s each together in 1.5G
 * outran it (scenario Steep). */
int policy_pause_more(const struct mem_model *m, const struct mem_running *r,
		      size_t n);
/* One step of the pressure loop, after each sample. With other builds
 * under the same limit, each pauses its own youngest growing job, but kills
 * only when its own victim is the one all of them would choose (and no
 * other build's victim is still dying), so no build stops a job to make
 * room for another build's job that is only growing; unless free is half
 * way through the floor. */
enum mem_act {
	MEM_ACT_NONE,
	MEM_ACT_PAUSE,  /* stop job `job`: it grows while free nears the floor */
	MEM_ACT_RESUME, /* continue job `job`: what it needs fits again */
	MEM_ACT_KILL,   /* kill job `job` and retry it later */
	MEM_ACT_PAGE_OUT, /* page paused job `job` out to swap */
};
struct mem_action {
	enum mem_act act;
	int job;
};
/* Pause before kill: as free heads for the floor (under 1.5 floors) while
 * the running jobs are not all within what admission planned for them (one
 * has outgrown its estimate, or their reservations exceed the headroom), the
 * most recently started growing job is paused, so the others can finish,
 * as long as another live job keeps running. Below the floor with nothing
 * left to pause, the paused job that has run the least is killed (the
 * least work lost), else the running one that has (policy_pick_victim).
 * A paused job resumes when its need fits, at once when nothing else runs,
 * and is resumed or killed after POLICY_PAUSE_MAX_MS. When paused jobs
 * hold memory that lets none of them go on, the one that ran least is
 * killed if that makes room for another, once it and the jobs it would
 * let go on have together waited as long as it ran (then waiting has cost
 * as much as killing loses). Only a job it would let go on that is as
 * urgent counts: one with slack beside it (policy_has_slack of the two
 * weights) loses nothing by waiting, while the kill loses the urgent
 * job's run. Where there is swap for it, a paused job that would be
 * killed is paged out instead, once, and stays paused: its pages come back
 * when it resumes, which costs about POLICY_PAGE_OUT_MS_PER_GIB where a
 * kill costs its whole run. One action a step. */
struct mem_action policy_pressure(const struct mem_model *m,
				  const struct mem_running *r, size_t n);

/* Why a job ended, as far as memory goes. */
enum mem_end {
	MEM_END_NORMAL, /* its own exit or failure */
	MEM_END_NJ,     /* nj killed it for memory */
	MEM_END_KERNEL, /* the kernel's OOM killer did */
};
/* Did the job end by a SIGKILL, its own or a shell's exit 137 reporting
 * its child's? Only such an end can be the OOM killer's, so only then is
 * the cgroup's OOM count worth reading. */
bool policy_sigkilled(int term_signal, int exit_code);
/* ours: nj sent the kill. term_signal, exit_code: how it ended. oom_now,
 * oom_at_start: the cgroup's OOM kill count now and when it started (-1
 * unknown). A SIGKILL nj did not send is the kernel's when the count rose
 * (or, with no count, when the job itself died of it); a shell's exit 137
 * (`sh -c 'a && b'` reporting its killed child) only when the count rose. */
enum mem_end policy_classify_end(bool enabled, bool ours, int term_signal,
				 int exit_code, int64_t oom_now,
				 int64_t oom_at_start);
/* After a memory kill, with `retries` retries already used: fail the build
 * (it ran alone, or has no retries left, or the kernel killed it with
 * nothing else running), or retry (alone when that is the last). A job
 * on its alone retry killed while another build's jobs ran beside it
 * (others_running) was not alone: it is retried alone again. */
enum mem_retry {
	MEM_RETRY,
	MEM_RETRY_ALONE,
	MEM_FAIL,
};
enum mem_retry policy_after_memory_kill(int retries, bool alone,
					enum mem_end why, size_t others_running);

#endif
