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
 * a spelling suggestion. */
struct node *cli_collect_target(struct state *st, const char *arg,
				struct err *err);
bool tool_exists(const char *name);
int tool_list(void);
int tool_run(const char *name, struct tool_ctx *t, int argc, char **argv);

/* -d stats: time since start_ns is added to the metric called name. */
void metric_add(const char *name, int64_t start_ns);
void metrics_report(void);

#endif
