/* cli: the command line, the status line, and the decision to exit. */
#ifndef NJ_CLI_H
#define NJ_CLI_H

#include "../scheduler/scheduler.h"

/* ninja's verbosity levels; --quiet is ninja's NO_STATUS_UPDATE (QUIET
 * has no flag in ninja either). */
enum verbosity { VERB_QUIET, VERB_NO_STATUS, VERB_NORMAL, VERB_VERBOSE };

/* ninja's StatusPrinter and LinePrinter in one. */
struct printer {
	struct status ops; /* first: the scheduler sees a struct status */
	enum verbosity verbosity;
	const char *format; /* NINJA_STATUS, or ninja's default */
	bool format_default; /* NINJA_STATUS unset */
	/* --status: the format as one of ninja's $-strings, or NULL */
	struct evalstr *status_eval;
	struct evalstr status_es;
	char *status_text; /* what status_es points into */
	struct arena arena;
	int parallelism;
	bool smart, color;
	int started, finished, running, total;
	int64_t time_ms;
	/* %c: rate over the last -j finishes */
	int64_t *rate_times;
	int rate_n, rate_head, rate_count, rate_last;
	double rate;
	/* %E %W %P: ninja's prediction from the commands' previous run times
	 * (.ninja_log) and the time the finished ones took */
	bool prev_times;
	int64_t cpu_ms;
	double predicted; /* the fraction of the predicted total done */
	int eta_known_total, eta_known_left, eta_unknown_left;
	int64_t eta_known_ms_total, eta_known_ms_left;
	/* -d explain: output node -> why it is dirty (struct explained *) */
	struct ptrmap explained;
	/* line printer */
	bool have_blank_line, console_locked;
	struct buf line_buffer, output_buffer;
	bool line_elide;
};

/* 0, or -1 with "invalid --status: ..." in err (ninja's fatal error). */
int printer_init(struct printer *p, enum verbosity v, int parallelism,
		 const char *status_format, struct err *err);
void printer_free(struct printer *p);
/* 0 if the status format is one the printer can expand (or no status line
 * is printed); else -1 with ninja's fatal message in msg ("unknown
 * placeholder '%X' in $NINJA_STATUS": *bad is X, which may be NUL) or -2
 * ("unknown variable 'X' in --status format"). Checked before each build,
 * so that the status line never has to stop one. */
int printer_check_format(const struct printer *p, char *bad, struct buf *msg);
/* -d explain: the graph's explanations go through the printer, which says
 * why an edge runs just before its status line, as ninja does. */
void printer_explain(struct printer *p, struct graph_options *opt);
/* A new builder starts: the explanations recorded for the last one are
 * dropped (ninja keeps them per Builder). prev_times: whether %E %W %P may
 * use the log's previous run times (ninja reads them for the build proper,
 * not for the manifest's rebuild). */
void printer_new_builder(struct printer *p, bool prev_times);
/* "ninja: MSG" on stdout. */
void printer_info(struct printer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "ninja: warning: MSG" / "ninja: error: MSG" on stderr. */
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ninja: error: unknown WHAT 'NAME'", with ninja's "did you mean" when one
 * of the known names is within 3 edits of it. */
void cli_error_unknown(const char *what, const char *name,
		       const char *const *known, size_t n);

/* -t tools: they run once the manifest is loaded (the logs are theirs to
 * load, from the paths given: builddir is applied); argv[0] is the tool's
 * name, so getopt can be used with optind = 0 or 1. */
struct tool_ctx {
	struct state *st;
	struct build_log *log;
	struct deps_log *deps;
	const char *log_path, *deps_path, *history_path;
	bool dry_run; /* -n */
	bool verbose; /* -v */
	const char *trace_path; /* .nj_trace, the last build's record */
};
/* A command-line target as ninja resolves it: canonicalised, "foo.c^" for
 * the first output that foo.c is an input of, "unknown target" errors with
 * a spelling suggestion. With builddir, a target not found is looked up as
 * $builddir/TARGET too: ninja does that where it has read builddir already,
 * for the build and the tools that run once the logs are loaded (deps,
 * missingdeps, query), not for those that run right after the manifest is
 * parsed (graph, commands, inputs, multi-inputs, compdb-targets). */
struct node *cli_target(struct state *st, const char *arg, bool builddir,
			struct err *err);
/* cli_target with builddir: the build's targets. */
struct node *cli_collect_target(struct state *st, const char *arg,
				struct err *err);
/* cli/tool_clean.c */
int tool_clean(struct tool_ctx *t, int argc, char **argv);
int tool_cleandead(struct tool_ctx *t, int argc, char **argv);
/* cli/tool_compdb.c */
int tool_compdb(struct tool_ctx *t, int argc, char **argv);
int tool_compdb_targets(struct tool_ctx *t, int argc, char **argv);
/* cli/tool_list.c */
int tool_commands(struct tool_ctx *t, int argc, char **argv);
int tool_rules(struct tool_ctx *t, int argc, char **argv);
int tool_targets(struct tool_ctx *t, int argc, char **argv);
bool tool_exists(const char *name);
/* The tool name closest to a misspelt one, or NULL (ninja's hint). */
const char *tool_suggest(const char *name);
int tool_list(void);
int tool_run(const char *name, struct tool_ctx *t, int argc, char **argv);
/* The tools ninja runs before it reads the manifest (RUN_AFTER_FLAGS):
 * -t restat. Returns the tool's exit status, or -1 when name is not one of
 * them. For main's run() to call once -C is done and before the manifest
 * is loaded; argv[0] is the tool's name. */
int tool_run_early(const char *name, int argc, char **argv, bool dry_run);

/* cli/tool_deps.c, cli/tool_graph.c, cli/tool_query.c: the tools that walk
 * the graph or the deps log (deps, missingdeps, graph, inputs, multi-inputs,
 * query, browse), and the helpers they share. */
int tool_deps(struct tool_ctx *t, int argc, char **argv);
int tool_missingdeps(struct tool_ctx *t, int argc, char **argv);
int tool_graph(struct tool_ctx *t, int argc, char **argv);
int tool_inputs(struct tool_ctx *t, int argc, char **argv);
int tool_multi_inputs(struct tool_ctx *t, int argc, char **argv);
int tool_query(struct tool_ctx *t, int argc, char **argv);
int tool_browse(struct tool_ctx *t, int argc, char **argv);
/* Load .ninja_log and .ninja_deps as ninja does before its "after logs"
 * tools (loading only: nothing is written). Returns 0, or 1 after printing
 * ninja's error. */
int tool_load_logs(struct tool_ctx *t);
/* ninja's CollectTargetsFromArgs: the targets named (see cli_target for
 * builddir), or the defaults when none are. Returns 0, or 1 after printing
 * the error. *out is malloc'd. */
int tool_targets_from_args(struct state *st, int argc, char **argv,
			   bool builddir, struct node ***out, size_t *n);
/* A set of pointers (nodes, edges) for the tools' walks. */

/* A JSON string's contents on stdout, as ninja's EncodeJSONString
 * (cli/tool_compdb.c). */
void json_string(const char *s, size_t n);
/* cli/tool_trace.c: -t trace (Chrome trace-event JSON) and -t timeline
 * (cli/tool_timeline.c, one HTML file) of the last build's .nj_trace;
 * -t mem (cli/tool_mem.c). */
int tool_trace(struct tool_ctx *t, int argc, char **argv);
int tool_timeline(struct tool_ctx *t, int argc, char **argv);
int tool_mem(struct tool_ctx *t, int argc, char **argv);
/* Load the last build's trace into *tr (initialised here); 0, or 1 after
 * printing why there is none (nothing left to free). */
int tool_load_trace(struct tool_ctx *t, struct trace *tr);

/* -d stats: time since start_ns is added to the metric called name. */
void metric_add(const char *name, int64_t start_ns);
void metrics_report(void);

/* nj's own version, beside NINJA_VERSION (what --version says, as ninja). */
/* docs/nj.1 (.TH) names it too; tests/install checks they agree. */
#define NJ_VERSION "0.1.0"
/* --nj-version (cli/version.c): nj's version, the mimalloc and zstd it was
 * built with and runs with, and the memory cgroup and capacity it finds.
 * Returns the exit status, 0. */
int cli_nj_version(void);

#endif
