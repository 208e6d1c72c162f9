/* nj's main: ninja's command line, the manifest-rebuild loop, the build.
 * Only this file decides to exit, and with ninja's statuses: 0 ok, 1 usage
 * or other error, a failed build the failed command's own status, 130
 * interrupted. */
#define _GNU_SOURCE /* getopt_long */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct options {
	const char *input_file;
	const char *working_dir;
	const char *tool;
	bool phonycycle_err;
	bool explain, stats;
	bool fatal; /* a fatal error was printed: no -d stats table */
	bool jobs_given; /* an explicit -j: a parent's jobserver is ignored */
	enum verbosity verbosity;
	const char *status_format; /* --status */
	struct build_config cfg;
};

static void usage(const struct build_config *cfg)
{
	fprintf(stderr,
		"usage: nj [options] [targets...]\n"
		"\n"
		"if targets are unspecified, builds the 'default' target (see manual).\n"
		"\n"
		"options:\n"
		"  --version      print nj version (\"%s\")\n"
		"  -v, --verbose  show all command lines while building\n"
		"  --quiet        don't show progress status, just command output\n"
		"  --status FMT   progress status format using Ninja-style $vars\n"
		"                 (e.g. --status '[$finished/$total] ')\n"
		"\n"
		"  -C DIR   change to DIR before doing anything else\n"
		"  -f FILE  specify input build file [default=build.ninja]\n"
		"\n"
		"  -j N     run N jobs in parallel (0 means infinity) [default=%d on this system]\n"
		"  -k N     keep going until N jobs fail (0 means infinity) [default=1]\n"
		"  -l N     do not start new jobs if the load average is greater than N\n"
		"  -n       dry run (don't run commands but act like they succeeded)\n"
		"\n"
		"  -d MODE  enable debugging (use '-d list' to list modes)\n"
		"  -t TOOL  run a subtool (use '-t list' to list subtools)\n"
		"    terminates toplevel options; further flags are passed to the tool\n"
		"  -w FLAG  adjust warnings (use '-w list' to list warnings)\n"
		"\n"
		"memory (nj):\n"
		"  -m SIZE, --mem-limit SIZE  use at most SIZE of memory [default: what\n"
		"                             the machine or cgroup gives]\n"
		"  --mem-floor SIZE           free memory to keep untouched\n"
		"  --mem=off                  schedule by -j and pools only, as ninja\n"
		"  --mem-share=off            do not share one memory budget with other\n"
		"                             nj builds under the same memory limit\n"
		"\n"
		"jobserver (nj):\n"
		"  --jobserver=pipe|fifo|off  serve sub-builds (make, cargo, nj) tokens\n"
		"                             [default=pipe; a client under make or nj]\n",
		NINJA_VERSION, cfg->parallelism);
}

/* ninja's Fatal: "ninja: fatal: MSG" on stderr; returns the exit status,
 * 1, for the caller to hand up to main. ninja exits on the spot, so main
 * prints no -d stats table after it. */
static int fatal(struct options *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fatal(struct options *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("ninja: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	o->fatal = true;
	return 1;
}

static int guess_parallelism(void)
{
	int n = exec_nprocs();
	if (n <= 1)
		return 2;
	if (n == 2)
		return 3;
	return n + 2;
}

/* -d MODE; returns false when nj should stop (list or unknown). */
static bool debug_enable(struct options *o, const char *name)
{
	if (strcmp(name, "list") == 0) {
		printf("debugging modes:\n"
		       "  stats        print operation counts/timing info\n"
		       "  explain      explain what caused a command to execute\n"
		       "  keepdepfile  don't delete depfiles after they're read by ninja\n"
		       "  keeprsp      don't delete @response files on success\n"
		       "multiple modes can be enabled via -d FOO -d BAR\n");
		return false;
	}
	if (strcmp(name, "stats") == 0)
		o->stats = true;
	else if (strcmp(name, "explain") == 0)
		o->explain = o->cfg.explain = true;
	else if (strcmp(name, "keepdepfile") == 0)
		o->cfg.keep_depfile = true;
	else if (strcmp(name, "keeprsp") == 0)
		o->cfg.keep_rsp = true;
	else if (strcmp(name, "nostatcache") == 0)
		; /* nj keeps no stat cache to turn off */
	else {
		static const char *const modes[] = {
			"stats", "explain", "keepdepfile", "keeprsp",
			"nostatcache"};
		cli_error_unknown("debug setting", name, modes, 5);
		return false;
	}
	return true;
}

static bool warning_enable(struct options *o, const char *name)
{
	if (strcmp(name, "list") == 0) {
		printf("warning flags:\n"
		       "  phonycycle={err,warn}  phony build statement references itself\n");
		return false;
	}
	if (strcmp(name, "phonycycle=err") == 0)
		o->phonycycle_err = true;
	else if (strcmp(name, "phonycycle=warn") == 0)
		o->phonycycle_err = false;
	else if (strcmp(name, "dupbuild=err") == 0 ||
		 strcmp(name, "dupbuild=warn") == 0)
		/* ninja's current source: a duplicate output is always an
		 * error, and the flag only says so */
		cli_warning("deprecated warning 'dupbuild'");
	else if (strcmp(name, "depfilemulti=err") == 0 ||
		 strcmp(name, "depfilemulti=warn") == 0)
		cli_warning("deprecated warning 'depfilemulti'");
	else {
		/* ninja's hints leave out the deprecated flags */
		static const char *const flags[] = {"phonycycle=err",
						    "phonycycle=warn"};
		cli_error_unknown("warning flag", name, flags, 2);
		return false;
	}
	return true;
}

/* NJ_FLAGS are read before the command line's own: split on blanks. The
 * words live until main returns. */
static char *env_flags_text;
static char **env_flags_argv;

static char **with_env_flags(int *argc, char **argv)
{
	const char *env = getenv("NJ_FLAGS");
	if (!env || !*env)
		return argv;
	char *copy = xstrdup(env);
	size_t n = 0, cap = (size_t)*argc + 8;
	char **v = xmalloc(cap * sizeof(*v));
	v[n++] = argv[0];
	for (char *tok = strtok(copy, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
		xgrow((void **)&v, &cap, n + 2, sizeof(*v));
		v[n++] = tok;
	}
	for (int i = 1; i < *argc; i++) {
		xgrow((void **)&v, &cap, n + 2, sizeof(*v));
		v[n++] = argv[i];
	}
	v[n] = NULL;
	*argc = (int)n;
	env_flags_text = copy;
	env_flags_argv = v;
	return v;
}

/* Returns -1 to go on, else the exit status. */
static int read_flags(struct options *o, int *argc, char ***argv)
{
	enum { OPT_VERSION = 1, OPT_QUIET, OPT_STATUS, OPT_MEM_LIMIT,
	       OPT_MEM_FLOOR, OPT_MEM, OPT_MEM_SHARE, OPT_JOBSERVER,
	       OPT_NJ_VERSION };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"nj-version", no_argument, NULL, OPT_NJ_VERSION},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"status", required_argument, NULL, OPT_STATUS},
		{"mem-limit", required_argument, NULL, OPT_MEM_LIMIT},
		{"mem-floor", required_argument, NULL, OPT_MEM_FLOOR},
		{"mem", required_argument, NULL, OPT_MEM},
		{"mem-share", required_argument, NULL, OPT_MEM_SHARE},
		{"jobserver", required_argument, NULL, OPT_JOBSERVER},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;
	while (!o->tool && (opt = getopt_long(*argc, *argv,
					      "d:f:j:k:l:m:nt:vw:C:h", longopts,
					      NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (!debug_enable(o, optarg))
				return 1;
			break;
		case 'f':
			o->input_file = optarg;
			break;
		case 'j': {
			long v = strtol(optarg, &end, 10);
			if (*end != 0 || v < 0 || end == optarg)
				return fatal(o, "invalid -j parameter");
			o->cfg.parallelism = v > 0 && v < INT_MAX ? (int)v : INT_MAX;
			o->jobs_given = true;
			break;
		}
		case 'k': {
			long v = strtol(optarg, &end, 10);
			if (*end != 0 || end == optarg)
				return fatal(o, "-k parameter not numeric; did you mean -k 0?");
			o->cfg.failures_allowed = v > 0 && v < INT_MAX ? (int)v : INT_MAX;
			break;
		}
		case 'l': {
			double v = strtod(optarg, &end);
			if (end == optarg)
				return fatal(o, "-l parameter not numeric: did you mean -l 0.0?");
			o->cfg.max_load = v;
			break;
		}
		case 'n':
			o->cfg.dry_run = true;
			break;
		case 't':
			o->tool = optarg;
			break;
		case 'v':
			o->verbosity = VERB_VERBOSE;
			break;
		case OPT_QUIET: /* ninja's NO_STATUS_UPDATE */
			o->verbosity = VERB_NO_STATUS;
			break;
		case OPT_STATUS:
			o->status_format = optarg;
			break;
		case 'w':
			if (!warning_enable(o, optarg))
				return 1;
			break;
		case 'C':
			o->working_dir = optarg;
			break;
		case 'm':
		case OPT_MEM_LIMIT:
			if (parse_size(optarg, strlen(optarg), &o->cfg.mem_limit) < 0 ||
			    o->cfg.mem_limit <= 0)
				return fatal(o, "invalid --mem-limit '%s' (a size like 8G or 512M)",
					     optarg);
			break;
		case OPT_MEM_FLOOR:
			if (parse_size(optarg, strlen(optarg), &o->cfg.mem_floor) < 0)
				return fatal(o, "invalid --mem-floor '%s' (a size like 1G or 512M)",
					     optarg);
			break;
		case OPT_MEM:
			if (strcmp(optarg, "off") == 0)
				o->cfg.mem_off = true;
			else if (strcmp(optarg, "on") == 0)
				o->cfg.mem_off = false;
			else
				return fatal(o, "invalid --mem '%s' (on or off)",
					     optarg);
			break;
		case OPT_MEM_SHARE:
			if (strcmp(optarg, "off") == 0)
				o->cfg.mem_share_off = true;
			else if (strcmp(optarg, "on") == 0)
				o->cfg.mem_share_off = false;
			else
				return fatal(o, "invalid --mem-share '%s' (on or off)",
					     optarg);
			break;
		case OPT_JOBSERVER:
			if (strcmp(optarg, "pipe") == 0)
				o->cfg.jobserver = JS_PIPE;
			else if (strcmp(optarg, "fifo") == 0)
				o->cfg.jobserver = JS_FIFO;
			else if (strcmp(optarg, "off") == 0)
				o->cfg.jobserver = JS_OFF;
			else
				return fatal(o, "invalid --jobserver '%s' (pipe, fifo or off)",
					     optarg);
			break;
		case OPT_VERSION:
			printf("%s\n", NINJA_VERSION);
			return 0;
		case OPT_NJ_VERSION:
			return cli_nj_version();
		case 'h':
		default:
			usage(&o->cfg);
			return 1;
		}
	}
	*argv += optind;
	*argc -= optind;
	return -1;
}

/* Everything one load of the manifest owns. */
struct session {
	struct options *o;
	struct printer *printer;
	int argc; /* what follows the options (or the tool's name) */
	char **argv;
	struct state st;
	struct build_log log;
	struct deps_log deps;
	struct history history;
	bool history_loaded;
	/* Stats the graph's files from when the manifest is parsed until the
	 * scan is over, beside the log loads and the scan. */
	struct stat_ahead *stat_ahead;
	char *build_dir;
};

static int mkdirs(const char *dir)
{
	char *d = xstrdup(dir);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(d, 0777);
		*p = '/';
	}
	int rc = mkdir(d, 0777);
	int e = errno;
	free(d);
	errno = e;
	return rc < 0 && e != EEXIST ? -1 : 0;
}

static char *log_path(struct session *s, const char *name)
{
	struct buf b = {0};
	if (s->build_dir && *s->build_dir) {
		buf_adds(&b, s->build_dir);
		buf_addc(&b, '/');
	}
	buf_adds(&b, name);
	return b.s;
}

/* Load the manifest and the logs; returns -1 to go on, else exit status. */
static int session_load(struct session *s)
{
	struct options *o = s->o;
	struct err err = {0};
	state_init(&s->st);
	build_log_init(&s->log);
	deps_log_init(&s->deps);
	history_init(&s->history);
	s->st.opt.phonycycle_err = o->phonycycle_err;
	s->st.warn = cli_warning;
	int64_t t0 = exec_now_ns();
	int loaded = manifest_load(&s->st, o->input_file, &err);
	metric_add(".ninja parse", t0);
	if (loaded < 0) {
		int rc = 1;
		if (err.fatal)
			rc = fatal(o, "%s", err.msg);
		else
			cli_error("%s", err.msg);
		err_clear(&err);
		return rc;
	}
	const struct scope_val *bd = scope_lookup(s->st.root, "builddir", 8);
	s->build_dir = bd ? xstrndup(bd->s, bd->len) : NULL;
	if (s->build_dir && *s->build_dir && !o->cfg.dry_run &&
	    mkdirs(s->build_dir) < 0) {
		cli_error("creating build directory %s: %s", s->build_dir,
			  strerror(errno));
		return 1;
	}
	if (o->tool) {
		char *lp = log_path(s, ".ninja_log"), *dp = log_path(s, ".ninja_deps");
		char *hp = log_path(s, ".nj_history");
		char *tp = log_path(s, ".nj_trace");
		struct tool_ctx t = {&s->st, &s->log, &s->deps, lp, dp, hp,
				     o->cfg.dry_run, o->verbosity == VERB_VERBOSE,
				     tp};
		/* the tool sees its own name first, as getopt wants */
		int rc = tool_run(o->tool, &t, s->argc + 1, s->argv - 1);
		free(lp);
		free(dp);
		free(hp);
		free(tp);
		return rc;
	}
	/* As ninja's, tools explain nothing. */
	if (o->explain)
		printer_explain(s->printer, &s->st.opt);
	s->stat_ahead = stat_ahead_start(&s->st);
	char *lp = log_path(s, ".ninja_log");
	t0 = exec_now_ns();
	loaded = build_log_load(&s->log, &s->st, lp, &err);
	metric_add(".ninja_log load", t0);
	if (loaded < 0) {
		cli_error("loading build log %s: %s", lp, err.msg);
		free(lp);
		err_clear(&err);
		return 1;
	}
	if (!o->cfg.dry_run && build_log_open(&s->log, &s->st, lp, &err) < 0) {
		cli_error("opening build log: %s", err.msg);
		free(lp);
		err_clear(&err);
		return 1;
	}
	free(lp);
	char *dp = log_path(s, ".ninja_deps");
	t0 = exec_now_ns();
	loaded = deps_log_load(&s->deps, &s->st, dp, &err);
	metric_add(".ninja_deps load", t0);
	if (loaded < 0) {
		cli_error("loading deps log %s: %s", dp, err.msg);
		free(dp);
		err_clear(&err);
		return 1;
	}
	if (!o->cfg.dry_run && deps_log_open(&s->deps, &s->st, dp, &err) < 0) {
		cli_error("opening deps log: %s", err.msg);
		free(dp);
		err_clear(&err);
		return 1;
	}
	free(dp);
	return -1;
}

/* The history is read only once there is something to build: a no-op
 * never needs it (at 100k edges it is 10 MB and 40 MiB in memory). It
 * only makes scheduling smarter: trouble with it is a warning, never a
 * failed build. */
static void session_load_history(struct session *s)
{
	if (s->history_loaded)
		return;
	s->history_loaded = true;
	struct err err = {0};
	char *hp = log_path(s, ".nj_history");
	if (history_load(&s->history, hp, &err) != 0) {
		cli_warning("%s", err.msg);
		err_clear(&err);
	}
	if (!s->o->cfg.dry_run && history_open(&s->history, &err) < 0) {
		cli_warning("%s", err.msg); /* it names the file */
		err_clear(&err);
	}
	free(hp);
}

static void session_free(struct session *s)
{
	stat_ahead_stop(s->stat_ahead);
	build_log_close(&s->log);
	deps_log_close(&s->deps);
	history_close(&s->history);
	state_free(&s->st);
	free(s->build_dir);
	s->build_dir = NULL;
}

/* ninja finds an unknown placeholder in $NINJA_STATUS at the first status
 * line and exits; nj's printer cannot stop a build, so the format is
 * checked as each build starts. False after "ninja: fatal: ...". */
static bool status_format_ok(struct session *s)
{
	char bad = 0;
	struct buf msg = {0};
	int rc = printer_check_format(s->printer, &bad, &msg);
	if (rc == -1) /* %c: the placeholder may be a NUL, as ninja prints it */
		fatal(s->o, "unknown placeholder '%%%c' in $NINJA_STATUS", bad);
	else if (rc < 0)
		fatal(s->o, "%s", msg.s);
	buf_free(&msg);
	return rc == 0;
}

/* ninja's RebuildManifest: 1 rebuilt (reload), 0 nothing to do, -1 error
 * (in err, or a fatal one already printed: s->o->fatal). */
static int rebuild_manifest(struct session *s, struct err *err)
{
	struct node *n = state_lookup_canon(&s->st, s->o->input_file, err);
	if (!n)
		return err->msg ? -1 : 0;
	struct builder b;
	printer_new_builder(s->printer, false);
	builder_init(&b, &s->st, &s->o->cfg, &s->log, &s->deps,
		     &s->history, &s->printer->ops);
	int rc = -1;
	if (builder_add_target(&b, n, err) < 0)
		goto out;
	if (builder_up_to_date(&b)) {
		rc = 0;
		goto out;
	}
	stat_ahead_stop(s->stat_ahead);
	s->stat_ahead = NULL;
	session_load_history(s);
	if (!status_format_ok(s) || builder_build(&b, err) < 0)
		goto out;
	/* A restat may have found the manifest unchanged after all. */
	rc = n->dirty ? 1 : 0;
	if (!rc)
		state_reset(&s->st);
out:
	builder_free(&b);
	return rc;
}

struct node *cli_target(struct state *st, const char *arg, bool builddir,
			struct err *err)
{
	size_t len = strlen(arg);
	if (!len) {
		err_set(err, "empty path");
		return NULL;
	}
	char *path = xstrndup(arg, len);
	path_canon(path, &len, err);
	bool first_dependent = false;
	if (len && path[len - 1] == '^') {
		path[--len] = 0;
		first_dependent = true;
	}
	struct node *n = state_lookup(st, path, len);
	const struct scope_val *bd =
		builddir ? scope_lookup(st->root, "builddir", 8) : NULL;
	if (!n && bd && bd->len) {
		/* "foo" not found: "$builddir/foo" (ninja 93e431ab) */
		size_t blen = bd->len + 1 + len;
		char *bpath = xmalloc(blen + 1);
		memcpy(bpath, bd->s, bd->len);
		bpath[bd->len] = '/';
		memcpy(bpath + bd->len + 1, path, len + 1);
		struct err cerr = {0};
		path_canon(bpath, &blen, &cerr);
		err_clear(&cerr);
		n = state_lookup(st, bpath, blen);
		if (n) {
			free(path);
			path = bpath;
			len = blen;
		} else {
			free(bpath);
		}
	}
	if (n && first_dependent) {
		if (!n->nout_edges) {
			err_set(err, "'%s' has no out edge", path);
			n = NULL;
		} else {
			n = n->out_edges[0]->outputs[0];
		}
	} else if (!n) {
		if (strcmp(path, "clean") == 0)
			err_set(err, "unknown target '%s', did you mean 'ninja -t clean'?", path);
		else if (strcmp(path, "help") == 0)
			err_set(err, "unknown target '%s', did you mean 'ninja -h'?", path);
		else {
			struct node *sugg = state_spellcheck(st, path);
			if (sugg)
				err_set(err, "unknown target '%s', did you mean '%s'?",
					path, sugg->path);
			else
				err_set(err, "unknown target '%s'", path);
		}
	}
	free(path);
	return n;
}

struct node *cli_collect_target(struct state *st, const char *arg,
				struct err *err)
{
	return cli_target(st, arg, true, err);
}

/* The summary's "N waited" part of the line, only what happened. */
static void add_count(struct buf *b, int n, const char *one, const char *many)
{
	if (n)
		buf_printf(b, "%s%d %s", b->len ? ", " : "", n, n == 1 ? one : many);
}

static int64_t memory_cost(const struct trace_job *j)
{
	return j->waited_ms + j->paused_ms +
	       (j->stopped ? j->end_ms - j->start_ms : 0);
}

static int by_cost(const void *a, const void *b)
{
	int64_t x = memory_cost(*(const struct trace_job *const *)a);
	int64_t y = memory_cost(*(const struct trace_job *const *)b);
	return x < y ? 1 : x > y ? -1 : 0;
}

/* When memory changed the plan: one line that counts the waits, pauses
 * and stops that happened, then what memory did to the jobs it cost the
 * most, in plain words. Silent otherwise. */
enum { SUMMARY_JOBS = 10 };
static void memory_summary(struct printer *p, const struct mem_model *m,
			   const struct trace *t)
{
	if (!m->waits && !m->pauses && !m->kills)
		return;
	struct buf line = {0};
	add_count(&line, m->waits, "job waited for memory",
		  "jobs waited for memory");
	add_count(&line, m->pauses, "pause", "pauses");
	add_count(&line, m->page_outs, "paged out to swap", "paged out to swap");
	add_count(&line, m->kills, "stopped and retried",
		  "stopped and retried");
	printer_info(p, "memory: %s", line.s);
	buf_free(&line);
	if (!t)
		return;
	const struct trace_job **v = xmalloc((t->njobs + 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < t->njobs; i++) {
		const struct trace_job *j = &t->jobs[i];
		if (j->waited_ms > 0 || j->pauses > 0 || j->stopped)
			v[n++] = j;
	}
	qsort(v, n, sizeof(*v), by_cost);
	struct buf w = {0}, name = {0};
	for (size_t i = 0; i < n && i < SUMMARY_JOBS; i++) {
		buf_clear(&w);
		buf_clear(&name);
		trace_words(v[i], TRACE_WORDS_ALL, &w);
		trace_run_name(v[i], &name);
		printer_info(p, "memory: %s %s", name.s, buf_cstr(&w));
	}
	buf_free(&name);
	if (n > SUMMARY_JOBS)
		printer_info(p, "memory: and %zu more (nj -t timeline shows "
			     "them all)", n - SUMMARY_JOBS);
	buf_free(&w);
	free(v);
}

static int run_build(struct session *s, int argc, char **argv)
{
	struct err err = {0};
	struct node **targets = NULL;
	size_t ntargets = 0;
	if (argc == 0) {
		if (state_default_targets(&s->st, &targets, &ntargets, &err) < 0) {
			cli_error("%s", err.msg);
			err_clear(&err);
			return 1;
		}
	} else {
		targets = xmalloc((size_t)argc * sizeof(*targets));
		for (int i = 0; i < argc; i++) {
			struct node *n = cli_collect_target(&s->st, argv[i], &err);
			if (!n) {
				cli_error("%s", err.msg);
				err_clear(&err);
				free(targets);
				return 1;
			}
			targets[ntargets++] = n;
		}
	}
	struct builder b;
	printer_new_builder(s->printer, true);
	/* The build proper is traced, not the manifest's rebuild. */
	struct build_config cfg = s->o->cfg;
	char *trace_path = log_path(s, ".nj_trace");
	cfg.trace_path = trace_path;
	builder_init(&b, &s->st, &cfg, &s->log, &s->deps,
		     &s->history, &s->printer->ops);
	int rc = 0;
	int64_t t0 = exec_now_ns();
	for (size_t i = 0; i < ntargets; i++) {
		if (builder_add_target(&b, targets[i], &err) < 0) {
			cli_error("%s", err.msg);
			rc = 1;
			goto out;
		}
	}
	stat_ahead_stop(s->stat_ahead);
	s->stat_ahead = NULL;
	metric_add("dirty scan", t0);
	if (builder_up_to_date(&b)) {
		if (s->o->verbosity != VERB_NO_STATUS)
			printer_info(s->printer, "no work to do.");
		goto out;
	}
	session_load_history(s);
	if (!status_format_ok(s)) {
		rc = 1;
		goto out;
	}
	t0 = exec_now_ns();
	int built = builder_build(&b, &err);
	metric_add("build", t0);
	memory_summary(s->printer, &b.mem, record_trace(&b));
	if (built < 0 && err.fatal) {
		rc = fatal(s->o, "%s", err.msg);
	} else if (built < 0) {
		printer_info(s->printer, "build stopped: %s.", err.msg);
		rc = strstr(err.msg, "interrupted by user") ? 130 : b.exit_code;
	}
out:
	err_clear(&err);
	builder_free(&b);
	free(trace_path);
	free(targets);
	return rc;
}

/* Load, rebuild the manifest if it is stale (reloading after), build. */
static int run(struct options *o, struct printer *printer, int argc,
	       char **argv)
{
	if (o->working_dir) {
		/* The quotes are what Emacs looks for to follow the directory. */
		if (!o->tool && o->verbosity != VERB_NO_STATUS)
			printer_info(printer, "Entering directory `%s'", o->working_dir);
		if (chdir(o->working_dir) < 0)
			return fatal(o, "chdir to '%s' - %s", o->working_dir,
				     strerror(errno));
	}
	if (o->tool) {
		/* Tools that need no manifest (restat) run before it is read. */
		int rc = tool_run_early(o->tool, argc + 1, argv - 1, o->cfg.dry_run);
		if (rc >= 0)
			return rc;
	}
	enum { CYCLE_LIMIT = 100 };
	for (int cycle = 1; cycle <= CYCLE_LIMIT; cycle++) {
		struct session s = {.o = o, .printer = printer, .argc = argc,
				    .argv = argv};
		int rc = session_load(&s);
		if (rc >= 0) {
			session_free(&s);
			return rc;
		}
		struct err err = {0};
		int r = rebuild_manifest(&s, &err);
		if (r > 0) {
			session_free(&s);
			if (o->cfg.dry_run)
				return 0;
			continue;
		}
		if (r < 0) {
			/* ninja's: 1 however the manifest's rebuild failed,
			 * interrupted too. */
			if (!o->fatal)
				cli_error("rebuilding '%s': %s", o->input_file, err.msg);
			rc = 1;
			err_clear(&err);
			session_free(&s);
			return rc;
		}
		rc = run_build(&s, argc, argv);
		session_free(&s);
		return rc;
	}
	cli_error("manifest '%s' still dirty after %d tries, perhaps system time is not set",
		  o->input_file, CYCLE_LIMIT);
	return 1;
}

/* A parent's jobserver (make -jN, another nj) named in MAKEFLAGS, claimed
 * before nj opens any file, so its descriptor numbers can never be nj's own
 * logs. As in ninja, an explicit -j or -n ignores it; otherwise its tokens
 * replace -j. One that cannot be used is a warning, and nj's commands are
 * not told about it. */
static void claim_jobserver(struct options *o, struct js_client *c)
{
	memset(c, 0, sizeof(*c));
	c->r = c->w = -1;
	if (o->jobs_given || o->cfg.dry_run || o->tool)
		return;
	struct err err = {0};
	int rc = js_client_init(c, &err);
	if (rc < 0) {
		if (o->verbosity != VERB_QUIET)
			cli_warning("%s; building without it", err.msg);
		err_clear(&err);
		js_strip_env_flags();
	} else if (rc > 0) {
		o->cfg.client = c;
		o->cfg.parallelism = INT_MAX;
	}
}

/* Everything after the flags: the tool's name is checked, the printer
 * made, the build run. */
static int after_flags(struct options *o, int argc, char **argv)
{
	/* ninja chooses the tool while reading the flags, before its status
	 * printer reads --status. */
	if (o->tool && strcmp(o->tool, "list") == 0)
		return tool_list();
	if (o->tool && !tool_exists(o->tool)) {
		const char *sugg = tool_suggest(o->tool);
		if (sugg)
			return fatal(o, "unknown tool '%s', did you mean '%s'?",
				     o->tool, sugg);
		return fatal(o, "unknown tool '%s'", o->tool);
	}
	struct printer printer;
	struct err err = {0};
	int rc;
	if (printer_init(&printer, o->verbosity, o->cfg.parallelism,
			 o->status_format, &err) < 0) {
		rc = fatal(o, "%s", err.msg);
		err_clear(&err);
		printer_free(&printer);
		return rc;
	}
	rc = run(o, &printer, argc, argv);
	if (o->stats && !o->fatal)
		metrics_report();
	printer_free(&printer);
	return rc;
}

int main(int argc, char **argv)
{
	/* Keep 0-2 open so no pipe nj makes can land on them. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct options o = {
		.input_file = "build.ninja",
		.verbosity = VERB_NORMAL,
		.cfg = {.parallelism = guess_parallelism(), .failures_allowed = 1,
			.jobserver = JS_PIPE},
	};
	argv = with_env_flags(&argc, argv);
	int rc = read_flags(&o, &argc, &argv);
	if (rc < 0) {
		struct js_client client;
		claim_jobserver(&o, &client);
		rc = after_flags(&o, argc, argv);
		js_client_free(&client);
	}
	/* NJ_FLAGS' words, which the options point into. */
	free(env_flags_argv);
	free(env_flags_text);
	return rc;
}
