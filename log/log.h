/* log: the files nj keeps in the build directory. .ninja_log (ninja's text
 * build log, versions 5-7) and .ninja_deps (ninja's binary deps log,
 * version 4). Both are loaded into the graph's nodes and appended to as
 * edges finish, one write(2) per record and no user-space buffering, so a
 * crash loses at most the record being written; a torn last record is
 * dropped on load (and cut from the file), never fatal.
 *
 * Use: *_init, *_load (before the first build), *_open (to append), then
 * *_record per finished edge, *_close at exit. */
#ifndef NJ_LOG_H
#define NJ_LOG_H

#include "../graph/graph.h"

/* ---- .ninja_log ----------------------------------------------------------
 * Line format (after the "# ninja log vN" header):
 *   start_ms \t end_ms \t mtime \t output_path \t command_hash_hex
 * Every entry lives in a node (has_log, log_*); loading makes nodes for
 * paths the manifest does not name, as the deps log does. */

/* The oldest and newest .ninja_log versions nj reads. */
#define BUILD_LOG_OLDEST_VERSION 5
#define BUILD_LOG_NEWEST_VERSION 7

struct build_log {
	int fd; /* open for append once build_log_open succeeded, else -1 */
	char *path;
	int version;       /* of the file as loaded; 0 if none */
	int write_version; /* version new lines are written in */
	/* Version whose hash function the nodes' hashes use (0: none yet). */
	int hash_version;
	/* A version 7 log holds records an older ninja wrote (MurmurHash): that
	 * ninja shares this directory, so new records use its hash too. */
	bool old_hash_seen;
	size_t total_entries, unique_entries;
	bool needs_recompact;
	/* build_log_open found no file: it is made at the first record */
	bool open_pending;
};

/* Which version a log is written in, given the version found on disk
 * (0: no log). An existing 5-7 log keeps its version, so the ninja that
 * wrote it can go on reading it without rebuilding everything; a new log
 * is written in the newest version. */
int build_log_write_version(int found_version);

/* Before a log is opened (again): close *fd if open, and remember path. */
void log_reopen_at(int *fd, char **path, const char *newpath);
/* A log's whole file: 1 read, 0 there is none (ENOENT), -1 error (the
 * message without the path, which the caller names). A path that is not
 * a regular file (a symlink to /dev/zero would be read until memory runs
 * out, a FIFO would block) is not read: it is removed, as ninja removes a
 * log it cannot use, the warning "PATH is not a regular file; starting
 * over" is put in *warning (malloc'd), and 0 is returned. A directory
 * cannot be removed: that is an error. */
int log_read(const char *path, char **data, size_t *len, char **warning,
	     struct err *err);

void build_log_init(struct build_log *bl);
/* The scan's question (struct log_ops) answered by this log; load and open
 * attach the log to the state themselves. */
void build_log_attach(struct build_log *bl, struct state *st);
int build_log_command_matches(void *bl, const char *cmd, size_t len,
			      uint64_t logged);
/* 64-bit hash of a command, with the function a log version uses:
 * MurmurHash64A for versions up to 6, rapidhash from 7 on (log/hash.c). */
uint64_t command_hash(const char *cmd, size_t len, int log_version);
/* Load path into the nodes of st (creating none). A missing file is fine.
 * Attaches the log to st (st->log_ops). A log of a version nj cannot read is deleted with
 * ninja's warning ("build log version is too old; starting over"); other
 * problems (bad lines, a torn tail) are skipped silently. */
int build_log_load(struct build_log *bl, struct state *st, const char *path,
		   struct err *err);
/* Open for appending, writing the header if the file is new; recompacts
 * first when the file has grown with duplicate entries (ninja's rule: more
 * than 100 entries and more than 3 per unique output). From then on the
 * nodes' hashes are in the version lines are written in. */
int build_log_open(struct build_log *bl, struct state *st, const char *path,
		   struct err *err);
/* Record a finished edge: one line per output, fields also stored in the
 * output nodes. mtime is the output's mtime after the run (restat). Without
 * an open file (dry run) only the nodes are updated. */
int build_log_record(struct build_log *bl, struct state *st, struct edge *e,
		     int32_t start_ms, int32_t end_ms, int64_t mtime,
		     struct err *err);
/* Rewrite the file with one line per live output (to path.recompact, then
 * renamed over path). An output is dead, and dropped, when no edge of st
 * builds it and the file does not exist (ninja's IsPathDead). */
int build_log_recompact(struct build_log *bl, struct state *st,
			struct err *err);
/* -t restat: record the current mtime of the given outputs (all when n is
 * 0) and rewrite the log, keeping every entry. */
int build_log_restat(struct build_log *bl, struct state *st,
		     char **outputs, int n, struct err *err);
/* Close the file and free the log's own memory (nodes keep their fields). */
void build_log_close(struct build_log *bl);

/* ---- .ninja_deps ---------------------------------------------------------
 * Binary, native byte order (the version word doubles as a byte-order
 * mark): "# ninjadeps\n", int32 version 4, then records, each a uint32 size
 * word and size bytes:
 *   path record: path, NUL-padded to 4 bytes, uint32 checksum = ~id; the
 *     ids are assigned 0, 1, 2... in file order.
 *   deps record (size has the high bit set): int32 output id, mtime as two
 *     uint32 halves (low first), int32 input ids.
 * A path record gives a node its id (node->id); a deps record sets
 * node->deps (arena-allocated in st). */
#define DEPS_LOG_VERSION 4
#define DEPS_LOG_MAX_RECORD ((1u << 19) - 1)

struct deps_log {
	int fd; /* open for append once written to, else -1 */
	char *path;
	/* deps_log_open succeeded: the file is opened (and created, header
	 * first) at the first write, as ninja does, so a build that records
	 * no deps leaves no .ninja_deps behind. */
	bool open_pending;
	struct node **by_id; /* id -> node */
	size_t nids, ids_cap;
	size_t total_records, unique_records; /* deps records */
	bool needs_recompact;
};

void deps_log_init(struct deps_log *dl);
/* Load path, creating nodes (state_node) for the paths it names. A missing
 * file is fine; a bad header deletes it; an invalid or torn tail is cut off
 * the file (ninja's "premature end of file; recovering" warning). */
int deps_log_load(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err);
/* Make ready for appending: recompacts first when more than 1000 deps
 * records are over 3 per output; the file is opened, and created with its
 * header if new, at the first record. */
int deps_log_open(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err);
/* Record deps of out (writes path records for new nodes first). Skips the
 * write when the record is unchanged, as ninja does. */
int deps_log_record(struct deps_log *dl, struct state *st, struct node *out,
		    int64_t mtime, struct node **nodes, int n, struct err *err);
/* Rewrite with fresh ids, keeping the deps of outputs still built by an
 * edge with a "deps" binding. */
int deps_log_recompact(struct deps_log *dl, struct state *st,
		       struct err *err);
void deps_log_close(struct deps_log *dl);

/* ---- .nj_history ----------------------------------------------------------
 * nj's own record of every run: per edge (keyed by its first output) and
 * run, the peak memory, CPU and wall time, exit code, and whether nj (or
 * the kernel) killed it for memory. Records are appended one write each;
 * a torn last record is dropped on load. When the file has grown, old
 * records are folded into one summary per edge and that block is written
 * compressed with zstd, the records that follow stay plain appends.
 * Nothing here knows about the graph: keys and rule names are strings. */
struct history_run {
	int64_t peak;    /* bytes; -1 if not measured (times too) */
	int64_t cpu_ms;
	int64_t wall_ms;
	int64_t rise_ms; /* when it came within a tenth of its peak; -1 unknown */
	int exit_code;
	bool mem_killed; /* killed for memory: peak is what it had reached */
};
struct history_edge; /* per-key summary, private to log/history.c */
struct history {
	int fd;
	char *path;
	struct hmap edges; /* key -> struct history_edge* */
	struct hmap rules; /* rule name -> private per-rule data */
	size_t records, unique; /* records in the file, distinct keys */
	bool needs_recompact;
	/* Edges visited computing rule percentiles: a count the tests use
	 * to prove the per-job cost does not grow with the build. */
	size_t rule_scans;
	struct arena arena;
};
void history_init(struct history *h);
/* Load path (remembered for open); a missing file is an empty history, a
 * damaged one is recovered as far as it reads (never fatal: a torn last
 * line is cut off, an unreadable file or block is rewritten at open).
 * Returns 1, with a warning in err, when path was not a regular file and
 * was removed (see log_read); else 0. Messages of the history name its
 * path themselves. */
int history_load(struct history *h, const char *path, struct err *err);
/* Open for appending (creating it), recompacting first if grown (or
 * damaged). Needs history_load first. */
int history_open(struct history *h, struct err *err);
/* Update the estimates and, once open, append one line (one write). The
 * key must be non-empty; rule may be NULL (""). An edge belongs to the
 * rule it last ran under. Without an open file only memory changes. */
int history_record(struct history *h, const char *key, const char *rule,
		   const struct history_run *run, struct err *err);
/* Fold everything into one summary per key, zstd-compressed, written to
 * path.tmp and renamed over path; stays open if it was. */
int history_recompact(struct history *h, struct err *err);
void history_close(struct history *h);
/* Estimates, in bytes; -1 when there is nothing to go on. */
/* The edge's own: a decayed maximum of its recent successful peaks, with a
 * margin; raised by runs killed for memory to above what they reached. */
int64_t history_estimate(const struct history *h, const char *key);
/* A high percentile (p90) of the estimates of the edges of a rule. Up to
 * 1/32 of the rule's estimates may have changed since it was computed:
 * recomputing after every change would make a build quadratic. */
int64_t history_rule_estimate(const struct history *h, const char *rule);
/* Expected wall time of the edge's next run, ms: the mean of its recent
 * successful runs; -1 if unknown. */
int64_t history_wall_ms(const struct history *h, const char *key);
/* Its CPU time (user + system), ms: the mean of its recent successful
 * runs; -1 if unknown. */
int64_t history_cpu_ms(const struct history *h, const char *key);
/* For -t mem: the last few (up to 5) peaks of an edge, of successful runs
 * and runs killed for memory, newest first; returns how many were written
 * to peaks (at most max). */
/* How soon the edge's memory rises to near its peak, ms after start: the
 * quickest of its recent successful runs (the safe side for packing); -1
 * if unknown. */
int64_t history_rise_ms(const struct history *h, const char *key);
/* How fast the edges of a rule typically rise, bytes per second: the
 * median (lower, cached and recomputed as history_rule_estimate's p90)
 * of each edge's estimate over its quickest rise; -1 when none has a
 * rise. */
int64_t history_rule_rise_pace(const struct history *h, const char *rule);
int history_recent_peaks(const struct history *h, const char *key,
			 int64_t *peaks, int max);

/* ---- .nj_trace ------------------------------------------------------------
 * What the last build that ran commands did (log/trace.c has the format):
 * one record per run of a command, memory samples, and the waits, pauses
 * and stops in time. Kept in memory during the build (the scheduler's
 * recorder fills it) and written whole at its end; bounded: one record per
 * run, at most TRACE_MAX_SAMPLES samples (merged pairwise when full), at
 * most TRACE_MAX_EVENTS events. */
#define TRACE_MAX_SAMPLES 4096
#define TRACE_MAX_EVENTS 65536
enum trace_kind {
	TRACE_WAIT = 'W',  /* the edge waited for memory before this run */
	TRACE_PAUSE = 'P', /* nj paused the run (SIGSTOP) */
	TRACE_STOP = 'K',  /* nj or the kernel stopped it for memory */
	TRACE_PAGE_OUT = 'O', /* nj paged the paused run out to swap */
};
struct trace_job {
	const char *out; /* the edge's first output */
	int slot;        /* 0.. the lowest free when it started */
	int64_t start_ms, end_ms; /* since the build started; end -1: never */
	int64_t peak, estimate, cpu_ms; /* bytes, bytes, ms; -1 unknown */
	int exit_code;   /* -1: did not finish (interrupted) */
	int attempt;     /* 0 the first run, n the n-th retry */
	bool stopped;    /* stopped for memory */
	bool alone;      /* ran alone: its last retry */
	bool retried, retried_alone; /* what followed the stop */
	bool paged_out;  /* paged out to swap while paused */
	int pauses;
	int64_t paused_ms, pause_at; /* in all; its memory when first paused */
	int64_t waited_ms, wait_need; /* waiting for memory before it started */
};
struct trace_sample {
	int64_t t_ms;
	int64_t free;     /* free memory (-1 unknown) */
	int64_t used;     /* what nj's jobs held */
	int64_t expected; /* what nj expected them to hold at most */
};
struct trace_event {
	int64_t t_ms, dur_ms, bytes; /* bytes: needed (W), held (P, K) */
	int32_t job;                 /* index in jobs */
	char kind;                   /* enum trace_kind */
};
struct trace {
	int64_t unix_ms, wall_ms; /* when the build started; how long it ran */
	int64_t capacity, floor;  /* -1: memory scheduling was off */
	int parallelism;
	struct trace_job *jobs;
	size_t njobs, jobs_cap;
	struct trace_sample *samples, pending;
	size_t nsamples;
	int64_t stride, npending; /* readings per sample; in `pending` */
	struct trace_event *events;
	size_t nevents, events_cap, dropped;
	struct arena arena; /* a loaded trace's strings */
};
void trace_init(struct trace *t);
void trace_free(struct trace *t);
/* A new run; out must outlive the trace. */
struct trace_job *trace_add_job(struct trace *t, const char *out);
void trace_add_sample(struct trace *t, const struct trace_sample *s);
/* NULL when the cap is reached (counted in dropped). */
struct trace_event *trace_add_event(struct trace *t, char kind, int32_t job,
				    int64_t t_ms, int64_t bytes);
/* Write path.tmp, rename over path. */
int trace_write(const struct trace *t, const char *path, struct err *err);
/* 1 loaded, 0 no file, -1 error (a trace nj did not write). */
int trace_load(struct trace *t, const char *path, struct err *err);
/* Plain words for what memory did to a run: "waited 12 s for 3.1G",
 * "paused 4.0 s at 2.7G", "stopped after 4.0 s at 2.7G, retried alone";
 * `what` picks among them; nothing when memory did nothing. */
#define TRACE_WORDS_WAIT 1u
#define TRACE_WORDS_PAUSE 2u
#define TRACE_WORDS_STOP 4u
#define TRACE_WORDS_ALL 7u
void trace_words(const struct trace_job *j, unsigned what, struct buf *out);
/* The run's name in those words: its output, and "(retry N)" for a retry. */
void trace_run_name(const struct trace_job *j, struct buf *out);

#endif
