/* -t mem: what nj expects each edge to need, and why: its estimate and
 * where it came from, the CPU and wall time of its recent runs, its recent
 * peaks. In the manifest's order, or sorted by memory or by time; as a
 * table or as JSON. */
#define _GNU_SOURCE /* getopt_long */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
	const struct edge *e;
	int64_t est, cpu_ms, wall_ms;
	int source;
	int64_t peaks[5];
	int npeaks;
	size_t order;
};

static int by_mem(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->est != y->est)
		return x->est < y->est ? 1 : -1;
	return x->order < y->order ? -1 : 1;
}

/* Longest first; never-run edges (no time) last, in manifest order. */
static int by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->wall_ms != y->wall_ms)
		return x->wall_ms < y->wall_ms ? 1 : -1;
	return x->order < y->order ? -1 : 1;
}

static void secs(struct buf *b, int64_t ms)
{
	if (ms < 0)
		buf_adds(b, "-");
	else
		buf_printf(b, "%.1fs", (double)ms / 1000);
}

static void print_table(const struct row *r, size_t n)
{
	printf("%-9s %-13s %-8s %-8s %-32s %s\n", "estimate", "source", "cpu",
	       "wall", "recent peaks", "output");
	struct buf est = {0}, peaks = {0}, cpu = {0}, wall = {0};
	for (size_t i = 0; i < n; i++) {
		buf_clear(&est);
		buf_clear(&peaks);
		buf_clear(&cpu);
		buf_clear(&wall);
		format_size(r[i].est, &est);
		for (int k = 0; k < r[i].npeaks; k++) {
			if (k)
				buf_addc(&peaks, ' ');
			format_size(r[i].peaks[k], &peaks);
		}
		secs(&cpu, r[i].cpu_ms);
		secs(&wall, r[i].wall_ms);
		printf("%-9s %-13s %-8s %-8s %-32s %s\n", est.s,
		       policy_source_name(r[i].source), cpu.s, wall.s,
		       r[i].npeaks ? peaks.s : "-", edge_key(r[i].e));
	}
	buf_free(&est);
	buf_free(&peaks);
	buf_free(&cpu);
	buf_free(&wall);
}

static void print_json(const struct row *r, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const char *out = edge_key(r[i].e), *rule = r[i].e->rule->name;
		printf("%s\n  {\"output\": \"", i ? "," : "");
		json_string(out, strlen(out));
		printf("\", \"rule\": \"");
		json_string(rule, strlen(rule));
		printf("\", \"estimate\": %" PRId64 ", \"source\": \"%s\", "
		       "\"cpu_ms\": %" PRId64 ", \"wall_ms\": %" PRId64
		       ", \"recent_peaks\": [", r[i].est,
		       policy_source_name(r[i].source), r[i].cpu_ms,
		       r[i].wall_ms);
		for (int k = 0; k < r[i].npeaks; k++)
			printf("%s%" PRId64, k ? ", " : "", r[i].peaks[k]);
		printf("]}");
	}
	printf("%s]\n", n ? "\n" : "");
}

int tool_mem(struct tool_ctx *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'},
		{"sort", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	int (*cmp)(const void *, const void *) = NULL;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'J') {
			json = true;
			continue;
		}
		if (opt == 's' && strcmp(optarg, "mem") == 0) {
			cmp = by_mem;
			continue;
		}
		if (opt == 's' && strcmp(optarg, "time") == 0) {
			cmp = by_time;
			continue;
		}
		if (opt == 's')
			cli_error("-t mem: --sort takes mem or time, not '%s'",
				  optarg);
		printf("usage: nj -t mem [--json] [--sort=mem|time]\n"
		       "  each edge's memory estimate, where it came from, the "
		       "mean CPU and wall\n  time of its recent runs, its recent "
		       "peaks (newest first)\n"
		       "  --json       a JSON array, sizes in bytes, times in ms "
		       "(-1: unknown)\n"
		       "  --sort=mem   largest estimate first\n"
		       "  --sort=time  longest wall time first\n");
		return 1;
	}
	struct history h;
	struct err err = {0};
	history_init(&h);
	if (history_load(&h, t->history_path, &err) != 0) {
		cli_warning("%s", err.msg);
		err_clear(&err);
	}
	struct row *rows = xmalloc((t->st->nedges + 1) * sizeof(*rows));
	size_t n = 0;
	for (size_t i = 0; i < t->st->nedges; i++) {
		const struct edge *e = t->st->edges[i];
		if (edge_is_phony(e))
			continue;
		struct row *r = &rows[n];
		r->e = e;
		r->order = n++;
		r->est = mem_estimate_edge(&h, e, POLICY_DEFAULT_ESTIMATE,
					   &r->source);
		r->npeaks = history_recent_peaks(&h, edge_key(e), r->peaks, 5);
		r->cpu_ms = history_cpu_ms(&h, edge_key(e));
		r->wall_ms = history_wall_ms(&h, edge_key(e));
	}
	if (cmp)
		qsort(rows, n, sizeof(*rows), cmp);
	if (json)
		print_json(rows, n);
	else
		print_table(rows, n);
	free(rows);
	history_close(&h);
	return 0;
}
