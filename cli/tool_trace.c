/* -t trace: the last build as Chrome trace-event JSON (Perfetto,
 * chrome://tracing), from .nj_trace: one complete event per run of a
 * command on one track per slot, counters for free memory, the floor and
 * what nj's jobs held and were expected to hold, and instant events for
 * every wait, pause, stop and retry. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int tool_load_trace(struct tool_ctx *t, struct trace *tr)
{
	struct err err = {0};
	trace_init(tr);
	int r = trace_load(tr, t->trace_path, &err);
	if (r > 0)
		return 0;
	trace_free(tr);
	if (r == 0)
		cli_error("no trace: %s not found (nj writes it at the end of "
			  "each build that runs commands)", t->trace_path);
	else
		cli_error("loading trace: %s", err.msg);
	err_clear(&err);
	return 1;
}

/* Tracks: tid 0 is memory (waits happen before a job has a slot), slot s
 * is tid s + 1. */
#define MEM_TID 0

static void str(const char *s)
{
	putchar('"');
	json_string(s, strlen(s));
	putchar('"');
}

static void size_arg(const char *name, int64_t bytes)
{
	struct buf b = {0};
	format_size(bytes, &b);
	printf(",\"%s\":%" PRId64 ",\"%s_text\":", name, bytes, name);
	str(b.s);
	buf_free(&b);
}

static void job_event(const struct trace_job *j)
{
	printf(",\n{\"name\":");
	str(j->out);
	printf(",\"cat\":\"job\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%"
	       PRId64 ",\"dur\":%" PRId64 ",\"args\":{\"output\":",
	       j->slot + 1, j->start_ms * 1000,
	       (j->end_ms >= j->start_ms ? j->end_ms - j->start_ms : 0) * 1000);
	str(j->out);
	size_arg("peak", j->peak);
	size_arg("estimate", j->estimate);
	printf(",\"cpu_ms\":%" PRId64 ",\"wall_ms\":%" PRId64 ",\"exit\":%d",
	       j->cpu_ms, j->end_ms - j->start_ms, j->exit_code);
	printf(",\"paused\":%s,\"pauses\":%d,\"paused_ms\":%" PRId64
	       ",\"stopped\":%s,\"retry\":%d,\"retried\":%s,\"alone\":%s"
	       ",\"waited_ms\":%" PRId64,
	       j->pauses ? "true" : "false", j->pauses, j->paused_ms,
	       j->stopped ? "true" : "false", j->attempt,
	       j->attempt > 0 ? "true" : "false", j->alone ? "true" : "false",
	       j->waited_ms);
	struct buf w = {0};
	trace_words(j, TRACE_WORDS_ALL, &w);
	if (w.len) {
		printf(",\"memory\":");
		str(w.s);
	}
	buf_free(&w);
	printf("}}");
}

static void counter(const char *name, int64_t t_ms, const char *series,
		    int64_t v)
{
	printf(",\n{\"name\":\"%s\",\"ph\":\"C\",\"pid\":1,\"ts\":%" PRId64
	       ",\"args\":{\"%s\":%" PRId64 "}}", name, t_ms * 1000, series, v);
}

static void instant(const char *name, int tid, int64_t t_ms,
		    const struct trace_job *j, const char *size_name,
		    int64_t bytes, int64_t dur_ms)
{
	printf(",\n{\"name\":\"%s\",\"cat\":\"memory\",\"ph\":\"i\",\"s\":\"t\","
	       "\"pid\":1,\"tid\":%d,\"ts\":%" PRId64 ",\"args\":{\"output\":",
	       name, tid, t_ms * 1000);
	str(j->out);
	if (size_name)
		size_arg(size_name, bytes);
	if (dur_ms >= 0)
		printf(",\"ms\":%" PRId64, dur_ms);
	printf("}}");
}

int tool_trace(struct tool_ctx *t, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct trace tr;
	if (tool_load_trace(t, &tr))
		return 1;
	printf("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"tool\":\"nj\","
	       "\"started_unix_ms\":%" PRId64 ",\"wall_ms\":%" PRId64
	       ",\"capacity\":%" PRId64 ",\"floor\":%" PRId64
	       ",\"parallelism\":%d,\"jobs\":%zu,\"sample_stride\":%" PRId64
	       ",\"events_dropped\":%zu},\n\"traceEvents\":[",
	       tr.unix_ms, tr.wall_ms, tr.capacity, tr.floor, tr.parallelism,
	       tr.njobs, tr.stride, tr.dropped);
	printf("\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":"
	       "{\"name\":\"nj build\"}},\n{\"name\":\"thread_name\",\"ph\":"
	       "\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":\"memory\"}}",
	       MEM_TID);
	int slots = 0;
	for (size_t i = 0; i < tr.njobs; i++)
		if (tr.jobs[i].slot + 1 > slots)
			slots = tr.jobs[i].slot + 1;
	for (int s = 0; s < slots; s++)
		printf(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,"
		       "\"tid\":%d,\"args\":{\"name\":\"slot %d\"}}", s + 1, s);
	for (size_t i = 0; i < tr.njobs; i++) {
		const struct trace_job *j = &tr.jobs[i];
		job_event(j);
		if (j->attempt > 0)
			instant("retry", j->slot + 1, j->start_ms, j, NULL, 0, -1);
	}
	for (size_t i = 0; i < tr.nsamples; i++) {
		const struct trace_sample *s = &tr.samples[i];
		if (s->free >= 0)
			counter("free memory", s->t_ms, "free", s->free);
		if (tr.floor >= 0)
			counter("floor", s->t_ms, "floor", tr.floor);
		counter("nj in use", s->t_ms, "in use", s->used);
		counter("nj expected", s->t_ms, "expected", s->expected);
	}
	for (size_t i = 0; i < tr.nevents; i++) {
		const struct trace_event *e = &tr.events[i];
		const struct trace_job *j = &tr.jobs[e->job];
		switch (e->kind) {
		case TRACE_WAIT:
			instant("wait for memory", MEM_TID, e->t_ms, j, "need",
				e->bytes, e->dur_ms);
			break;
		case TRACE_PAUSE:
			instant("pause", j->slot + 1, e->t_ms, j, "at", e->bytes,
				e->dur_ms);
			/* the pause as a slice inside its job's */
			printf(",\n{\"name\":\"paused\",\"cat\":\"memory\","
			       "\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%" PRId64
			       ",\"dur\":%" PRId64 "}", j->slot + 1,
			       e->t_ms * 1000, e->dur_ms * 1000);
			break;
		case TRACE_STOP:
			instant("stop", j->slot + 1, e->t_ms, j, "at", e->bytes, -1);
			break;
		case TRACE_PAGE_OUT:
			instant("page out to swap", j->slot + 1, e->t_ms, j, "held",
				e->bytes, -1);
			break;
		default:
			break;
		}
	}
	printf("\n]}\n");
	trace_free(&tr);
	return 0;
}
