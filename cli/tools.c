/* -t tools. CMake runs "-t recompact" and "-t restat" after generating;
 * the rest of ninja's tools come with the CMake/Meson work. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tool_recompact(struct tool_ctx *t, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct err err = {0};
	struct stat sb;
	int rc = 0;
	if (stat(t->log_path, &sb) == 0) {
		if (build_log_load(t->log, t->st, t->log_path, &err) < 0 ||
		    build_log_open(t->log, t->st, t->log_path, &err) < 0 ||
		    build_log_recompact(t->log, t->st, &err) < 0) {
			cli_error("failed recompaction: %s", err.msg);
			rc = 1;
		}
	}
	if (rc == 0 && stat(t->deps_path, &sb) == 0) {
		if (deps_log_load(t->deps, t->st, t->deps_path, &err) < 0 ||
		    deps_log_open(t->deps, t->st, t->deps_path, &err) < 0 ||
		    deps_log_recompact(t->deps, t->st, &err) < 0) {
			cli_error("failed recompaction: %s", err.msg);
			rc = 1;
		}
	}
	err_clear(&err);
	return rc;
}

/* ninja runs -t restat before it reads the manifest (3fdd1796): the log is
 * DIR/.ninja_log with --builddir=DIR, else .ninja_log, whatever builddir the
 * manifest sets, and no build directory is made. The log is loaded into a
 * state of its own. */
static int restat(int argc, char **argv, bool dry_run)
{
	static const struct option longopts[] = {
		{"builddir", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *builddir = NULL;
	/* argv[0] is the tool's name, for getopt */
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'b') {
			builddir = optarg;
			continue;
		}
		printf("usage: ninja -t restat [--builddir=DIR] [outputs]\n");
		return 1;
	}
	argv += optind;
	argc -= optind;
	struct buf path = {0};
	if (builddir && *builddir)
		buf_printf(&path, "%s/", builddir);
	buf_adds(&path, ".ninja_log");
	struct stat sb;
	if (stat(path.s, &sb) != 0) {
		buf_free(&path);
		return 0; /* nothing to restat */
	}
	struct state st;
	struct build_log log;
	state_init(&st);
	build_log_init(&log);
	struct err err = {0};
	int rc = 0;
	/* As ninja: the log is rewritten even with -n, then opened (and
	 * recompacted if it needs it) without. */
	if (build_log_load(&log, &st, path.s, &err) < 0) {
		cli_error("loading build log %s: %s", path.s, err.msg);
		rc = 1;
	} else {
		log_reopen_at(&log.fd, &log.path, path.s); /* where to write */
		if (build_log_restat(&log, &st, argv, argc, &err) < 0) {
			cli_error("failed recompaction: %s", err.msg);
			rc = 1;
		} else if (!dry_run &&
			   build_log_open(&log, &st, path.s, &err) < 0) {
			cli_error("opening build log: %s", err.msg);
			rc = 1;
		}
	}
	err_clear(&err);
	build_log_close(&log);
	state_free(&st);
	buf_free(&path);
	return rc;
}

static int tool_restat(struct tool_ctx *t, int argc, char **argv)
{
	return restat(argc, argv, t->dry_run);
}

int tool_run_early(const char *name, int argc, char **argv, bool dry_run)
{
	if (strcmp(name, "restat") == 0)
		return restat(argc, argv, dry_run);
	return -1;
}

static const struct tool {
	const char *name, *desc;
	int (*run)(struct tool_ctx *t, int argc, char **argv);
} tools[] = {
	/* ninja's order, then nj's own */
	{"browse", "browse dependency graph in a web browser", tool_browse},
	{"clean", "clean built files", tool_clean},
	{"commands", "list all commands required to rebuild given targets",
	 tool_commands},
	{"inputs", "list all inputs required to rebuild given targets",
	 tool_inputs},
	{"multi-inputs", "print one or more sets of inputs required to build targets",
	 tool_multi_inputs},
	{"deps", "show dependencies stored in the deps log", tool_deps},
	{"missingdeps", "check deps log dependencies on generated files",
	 tool_missingdeps},
	{"graph", "output graphviz dot file for targets", tool_graph},
	{"query", "show inputs/outputs for a path", tool_query},
	{"targets", "list targets by their rule or depth in the DAG", tool_targets},
	{"compdb", "dump JSON compilation database to stdout", tool_compdb},
	{"compdb-targets",
	 "dump JSON compilation database for a given list of targets to stdout",
	 tool_compdb_targets},
	{"recompact", "recompacts ninja-internal data structures", tool_recompact},
	{"restat", "restats all outputs in the build log", tool_restat},
	{"rules", "list all rules", tool_rules},
	{"cleandead", "clean built files that are no longer produced by the manifest",
	 tool_cleandead},
	{"mem", "each edge's memory estimate, where it came from, recent peaks, "
	 "CPU and wall time", tool_mem},
	{"trace", "the last build as Chrome trace-event JSON (Perfetto)",
	 tool_trace},
	{"timeline", "the last build as one HTML page: jobs and memory over time",
	 tool_timeline},
};

bool tool_exists(const char *name)
{
	if (strcmp(name, "list") == 0)
		return true;
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		if (strcmp(tools[i].name, name) == 0)
			return true;
	return false;
}

const char *tool_suggest(const char *name)
{
	const char *names[sizeof(tools) / sizeof(*tools)];
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		names[i] = tools[i].name;
	return spellcheck(name, names, sizeof(tools) / sizeof(*tools));
}

int tool_list(void)
{
	printf("ninja subtools:\n");
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		printf("%11s  %s\n", tools[i].name, tools[i].desc);
	return 0;
}

int tool_run(const char *name, struct tool_ctx *t, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(*tools); i++)
		if (strcmp(tools[i].name, name) == 0)
			return tools[i].run(t, argc, argv);
	return 1;
}
