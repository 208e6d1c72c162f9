/* cli: the command line, the status line, and the decision to exit. */
#ifndef NJ_CLI_H
#define NJ_CLI_H

#include "../scheduler/scheduler.h"

enum verbosity { VERB_QUIET, VERB_NO_STATUS, VERB_NORMAL, VERB_VERBOSE };

/* ninja's StatusPrinter and LinePrinter in one. */
struct printer {
	struct status ops; /* first: the scheduler sees a struct status */
	enum verbosity verbosity;
	const char *format; /* NINJA_STATUS */
	bool format_default; /* NINJA_STATUS unset */
	int parallelism;
	bool smart, color;
	int started, finished, running, total;
	int64_t time_ms;
	/* %c: rate over the last -j finishes */
	int64_t *rate_times;
	int rate_n, rate_head, rate_count, rate_last;
	double rate;
	/* line printer */
	bool have_blank_line, console_locked;
	struct buf line_buffer, output_buffer;
	bool line_elide;
};

void printer_init(struct printer *p, enum verbosity v, int parallelism);
void printer_free(struct printer *p);
/* 0 if every placeholder of $NINJA_STATUS is known (or no status line is
 * printed), else -1 with the first unknown one in *bad. Checked before
 * each build, so that the status line never has to stop one. */
int printer_check_format(const struct printer *p, char *bad);
/* "ninja: MSG" on stdout. */
void printer_info(struct printer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "ninja: warning: MSG" / "ninja: error: MSG" on stderr. */
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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

/* -d stats: time since start_ns is added to the metric called name. */
void metric_add(const char *name, int64_t start_ns);
void metrics_report(void);

#endif
