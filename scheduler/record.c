/* The build's record for nj -t trace, -t timeline and the end-of-build
 * summary (.nj_trace, log/trace.c): each run's slot, times, peak and CPU,
 * memory samples, and every wait, pause and stop. The build loop calls
 * these hooks; pauses, resumes and stops are seen by comparing each job's
 * state after every memory sample (mem_tick decides them), so the memory
 * code itself carries no recording. With -d explain, each wait, pause and
 * stop is said in plain words when it is over. */
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A run's state while it is recorded; parallel to rec->t.jobs. */
struct rec_run {
	int64_t paused_since_ms;
	int32_t pause_event; /* -1: none open */
	bool paused, stop_seen, open;
};

struct recorder {
	struct trace t;
	struct rec_run *runs;
	size_t runs_cap;
	/* edge -> 1 + its running run's index; (edge, WAIT_START) -> 1 + ms
	 * it began waiting; (edge, WAIT_NEED) -> bytes it needed */
	struct ptrmap map;
	bool *slots;
	size_t nslots;
};

#define WAIT_START ((const void *)1)
#define WAIT_NEED ((const void *)2)

void record_begin(struct builder *b)
{
	if (!b->cfg.trace_path || b->cfg.dry_run || b->rec)
		return;
	struct recorder *r = xcalloc(1, sizeof(*r));
	trace_init(&r->t);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* The wall clock when the build began: the loop's clock started at
	 * builder_init, and the log's times count from there. */
	r->t.unix_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
		       builder_elapsed_ms(b);
	if (b->mem.enabled) {
		r->t.capacity = b->mem.capacity;
		r->t.floor = b->mem.floor;
	}
	r->t.parallelism = b->cfg.parallelism;
	b->rec = r;
	/* A build that dies before its end must not leave the previous
	 * build's trace looking like its own. */
	unlink(b->cfg.trace_path);
}

static size_t run_of(struct recorder *r, const struct edge *e)
{
	uintptr_t v = 0;
	ptrmap_get(&r->map, e, NULL, &v);
	return v ? v - 1 : SIZE_MAX;
}

void record_wait(struct builder *b, struct edge *e, int64_t need)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	uintptr_t since = 0;
	if (!ptrmap_get(&r->map, e, WAIT_START, &since) || !since)
		ptrmap_put(&r->map, e, WAIT_START,
			   (uintptr_t)builder_elapsed_ms(b) + 1);
	ptrmap_put(&r->map, e, WAIT_NEED, (uintptr_t)(need > 0 ? need : 0));
}

static void explain(struct builder *b, const struct trace_job *tj,
		    unsigned what)
{
	if (!b->cfg.explain)
		return;
	struct buf w = {0}, name = {0};
	trace_words(tj, what, &w);
	trace_run_name(tj, &name);
	if (w.len)
		fprintf(stderr, "ninja explain: %s %s\n", name.s, w.s);
	buf_free(&w);
	buf_free(&name);
}

void record_job_started(struct builder *b, struct job *j)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	struct edge *e = j->user;
	struct sched_edge *s = sched(b, e);
	size_t slot = 0;
	while (slot < r->nslots && r->slots[slot])
		slot++;
	if (slot == r->nslots) {
		r->slots = xrealloc(r->slots, (r->nslots + 1) * sizeof(*r->slots));
		r->nslots++;
	}
	r->slots[slot] = true;
	struct trace_job *tj = trace_add_job(&r->t, edge_key(e));
	size_t idx = r->t.njobs - 1;
	tj->slot = (int)slot;
	tj->start_ms = (j->start_ns - b->start_ns) / 1000000;
	tj->estimate = b->mem.enabled ? s->mem_estimate : -1;
	tj->attempt = s->mem_retries;
	tj->alone = s->mem_alone;
	xgrow((void **)&r->runs, &r->runs_cap, r->t.njobs, sizeof(*r->runs));
	r->runs[idx] = (struct rec_run){.pause_event = -1, .open = true};
	ptrmap_put(&r->map, e, NULL, idx + 1);
	uintptr_t since = 0, need = 0;
	if (ptrmap_get(&r->map, e, WAIT_START, &since) && since) {
		ptrmap_get(&r->map, e, WAIT_NEED, &need);
		tj->waited_ms = tj->start_ms - (int64_t)(since - 1);
		tj->wait_need = (int64_t)need;
		struct trace_event *ev = trace_add_event(
			&r->t, TRACE_WAIT, (int32_t)idx, (int64_t)(since - 1),
			(int64_t)need);
		if (ev)
			ev->dur_ms = tj->waited_ms;
		ptrmap_put(&r->map, e, WAIT_START, 0);
		explain(b, tj, TRACE_WORDS_WAIT);
	}
}

static void end_pause(struct recorder *r, size_t idx, int64_t now)
{
	struct rec_run *run = &r->runs[idx];
	if (!run->paused)
		return;
	run->paused = false;
	int64_t d = now - run->paused_since_ms;
	r->t.jobs[idx].paused_ms += d;
	if (run->pause_event >= 0)
		r->t.events[run->pause_event].dur_ms = d;
	run->pause_event = -1;
}

void record_sample(struct builder *b)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	int64_t now = builder_elapsed_ms(b);
	struct trace_sample smp = {.t_ms = now, .free = b->mem.free};
	for (size_t i = 0; i < b->njobs; i++) {
		struct job *j = b->jobs[i];
		struct sched_edge *s = sched(b, j->user);
		smp.used += j->mem_now;
		if (!s->mem_kill_pending)
			smp.expected += s->mem_estimate > j->mem_now
						? s->mem_estimate : j->mem_now;
		size_t idx = run_of(r, j->user);
		if (idx == SIZE_MAX)
			continue;
		struct rec_run *run = &r->runs[idx];
		struct trace_job *tj = &r->t.jobs[idx];
		if (s->mem_kill_pending || run->stop_seen) {
			/* Stopped: it stays "paused" while it dies (a paused
			 * job is continued only to let it die), which is no
			 * new pause. */
			if (!run->stop_seen) {
				run->stop_seen = true;
				end_pause(r, idx, now);
				trace_add_event(&r->t, TRACE_STOP, (int32_t)idx,
						now, s->mem_killed_at);
			}
			continue;
		}
		if (s->mem_paused && !run->paused) {
			run->paused = true;
			run->paused_since_ms = now;
			tj->pauses++;
			if (tj->pause_at < 0)
				tj->pause_at = j->mem_now;
			struct trace_event *ev = trace_add_event(
				&r->t, TRACE_PAUSE, (int32_t)idx, now, j->mem_now);
			run->pause_event = ev ? (int32_t)(ev - r->t.events) : -1;
		} else if (!s->mem_paused && run->paused) {
			end_pause(r, idx, now);
			explain(b, tj, TRACE_WORDS_PAUSE);
		}
		if (s->mem_paged_out_ns > 0 && !tj->paged_out) {
			tj->paged_out = true;
			trace_add_event(&r->t, TRACE_PAGE_OUT, (int32_t)idx,
					(s->mem_paged_out_ns - b->start_ns) /
						1000000,
					s->mem_paged_out_bytes);
		}
	}
	trace_add_sample(&r->t, &smp);
}

/* mem: what mem_job_ended said (1 stopped and back to wait, -1 failed
 * for memory, 0 memory had nothing to do with it). */
void record_job_ended(struct builder *b, struct job *j, int mem)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	struct edge *e = j->user;
	size_t idx = run_of(r, e);
	if (idx == SIZE_MAX || !r->runs[idx].open)
		return;
	struct rec_run *run = &r->runs[idx];
	struct trace_job *tj = &r->t.jobs[idx];
	struct sched_edge *s = sched(b, e);
	int64_t now = j->end_ns > 0 ? (j->end_ns - b->start_ns) / 1000000
				    : builder_elapsed_ms(b);
	end_pause(r, idx, now);
	run->open = false;
	ptrmap_put(&r->map, e, NULL, 0);
	if ((size_t)tj->slot < r->nslots)
		r->slots[tj->slot] = false;
	tj->end_ms = now;
	int64_t peak = j->maxrss_kb * 1024;
	if (j->mem_peak > peak)
		peak = j->mem_peak;
	if (mem != 0 && s->mem_killed_at > peak && run->stop_seen)
		peak = s->mem_killed_at;
	tj->peak = peak > 0 ? peak : -1;
	tj->cpu_ms = j->cpu_ms;
	tj->exit_code = j->exit_code;
	if (mem != 0) {
		tj->stopped = true;
		tj->retried = mem > 0;
		tj->retried_alone = mem > 0 && s->mem_alone;
		if (!run->stop_seen) /* the kernel's OOM killer, not nj */
			trace_add_event(&r->t, TRACE_STOP, (int32_t)idx, now,
					tj->peak);
		explain(b, tj, TRACE_WORDS_STOP);
	}
}

void record_end(struct builder *b)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	int64_t now = builder_elapsed_ms(b);
	for (size_t i = 0; i < r->t.njobs; i++) {
		if (!r->runs[i].open)
			continue;
		/* interrupted: the job never finished */
		end_pause(r, i, now);
		r->runs[i].open = false;
		r->t.jobs[i].end_ms = now;
	}
	r->t.wall_ms = now;
	struct err err = {0};
	if (trace_write(&r->t, b->cfg.trace_path, &err) < 0) {
		/* The trace only explains a build; losing it is a warning. */
		if (b->status->error)
			b->status->error(b->status, err.msg);
		err_clear(&err);
	}
}

const struct trace *record_trace(const struct builder *b)
{
	return b->rec ? &b->rec->t : NULL;
}

void record_free(struct builder *b)
{
	struct recorder *r = b->rec;
	if (!r)
		return;
	trace_free(&r->t);
	ptrmap_free(&r->map);
	free(r->runs);
	free(r->slots);
	free(r);
	b->rec = NULL;
}
