/* -d stats: counts and times of the phases of a run, in ninja's table. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

enum { MAX_METRICS = 16 };
static struct metric {
	const char *name;
	int count;
	int64_t ns;
} metrics[MAX_METRICS];
static int nmetrics;

void metric_add(const char *name, int64_t start_ns)
{
	int64_t d = exec_now_ns() - start_ns;
	for (int i = 0; i < nmetrics; i++) {
		if (strcmp(metrics[i].name, name) == 0) {
			metrics[i].count++;
			metrics[i].ns += d;
			return;
		}
	}
	if (nmetrics == MAX_METRICS)
		return;
	metrics[nmetrics++] = (struct metric){name, 1, d};
}

void metrics_report(void)
{
	int width = 6;
	for (int i = 0; i < nmetrics; i++)
		if ((int)strlen(metrics[i].name) > width)
			width = (int)strlen(metrics[i].name);
	printf("%-*s\t%-6s\t%-9s\t%s\n", width, "metric", "count", "avg (us)",
	       "total (ms)");
	for (int i = 0; i < nmetrics; i++) {
		const struct metric *m = &metrics[i];
		double total_ms = (double)m->ns / 1e6;
		printf("%-*s\t%-6d\t%-8.1f\t%.1f\n", width, m->name, m->count,
		       (double)m->ns / 1e3 / m->count, total_ms);
	}
	fflush(stdout);
}
