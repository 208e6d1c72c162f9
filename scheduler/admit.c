/* Memory in the build loop: the readings the policy (policy/) decides on,
 * and carrying its decisions out: admission with backfilling, sampling,
 * killing, retrying, and the history of every run. */
#include "scheduler.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void builder_mem_init(struct builder *b)
{
	struct mem_model *m = &b->mem;
	memset(m, 0, sizeof(*m));
	m->psi = -1;
	if (b->cfg.mem_off || b->cfg.dry_run)
		return;
	struct err err = {0};
	if (memprobe_init(&b->probe, NULL, NULL, &err) < 0) {
		/* Without /proc/meminfo there is nothing to schedule by. */
		err_clear(&err);
		return;
	}
	b->probe_ready = true;
	memprobe_oom_kills(&b->probe); /* the first jobs' baseline */
	m->capacity = memprobe_capacity(&b->probe);
	if (b->cfg.mem_limit > 0 && b->cfg.mem_limit < m->capacity)
		m->capacity = b->cfg.mem_limit;
	m->floor = b->cfg.mem_floor > 0 ? b->cfg.mem_floor
					: policy_default_floor(m->capacity);
	m->default_estimate = POLICY_DEFAULT_ESTIMATE;
	m->enabled = m->capacity > 0;
	b->status->mem = m->enabled ? m : NULL;
	/* One budget per memory limit; a --mem-limit is this build's own. */
	if (m->enabled && !b->cfg.mem_share_off && b->cfg.mem_limit <= 0) {
		const char *domain = b->probe.limit_dir ? b->probe.limit_dir
							: "machine";
		if (budget_open(&b->budget, domain, &err) == 0)
			b->budget_ready = true;
		else if (b->cfg.explain)
			fprintf(stderr, "ninja explain: no shared memory budget: "
				"%s\n", err.msg);
		err_clear(&err);
	}
}

void builder_mem_free(struct builder *b)
{
	sized_free(b);
	free(b->mem_view);
	b->mem_view = NULL;
	if (b->budget_ready)
		budget_close(&b->budget);
	b->budget_ready = false;
	if (b->probe_ready)
		memprobe_free(&b->probe);
	b->probe_ready = false;
}

const char *edge_key(const struct edge *e)
{
	return e->outputs[0]->path;
}

int64_t mem_estimate_edge(const struct history *h, const struct edge *e,
			  int64_t dflt, int *source)
{
	int64_t own = h ? history_estimate(h, edge_key(e)) : -1;
	/* The rule's percentile only when nothing better is known. */
	int64_t rule = own < 0 && e->mem_declared < 0 && h
			       ? history_rule_estimate(h, e->rule->name)
			       : -1;
	return policy_estimate(own, e->mem_declared, rule, dflt, source);
}

int64_t admit_estimate(struct builder *b, struct edge *e)
{
	/* A default guess is asked again: jobs of its rule that ended in this
	 * build may have put what they took in the history since (a first
	 * build's seventh link is not "default-sized" after six ran). */
	struct sched_edge *s = sched(b, e);
	if (s->mem_estimate < 0 ||
	    (s->mem_source == MEM_FROM_DEFAULT &&
	     s->mem_estimate == b->mem.default_estimate))
		s->mem_estimate = mem_estimate_edge(b->history, e,
						    b->mem.default_estimate,
						    &s->mem_source);
	return s->mem_estimate;
}

/* What admission assumes e needs now: its estimate, or what its inputs'
 * size says where it has no history or declared size, raised by what its
 * running siblings show (policy_with_siblings, sized.c). */
static int64_t need_now(struct builder *b, struct edge *e)
{
	struct sched_edge *s = sched(b, e);
	int64_t est = admit_estimate(b, e);
	int64_t by_size = s->mem_source == MEM_FROM_RULE ||
					  s->mem_source == MEM_FROM_DEFAULT
				  ? sized_estimate(b, e)
				  : -1;
	s->mem_sized = by_size >= 0;
	if (s->mem_sized)
		est = by_size;
	return policy_with_siblings(est, s->mem_source,
				    sized_sibling_peak(b, e));
}

static int64_t expected_ms(struct builder *b, struct edge *e)
{
	return b->history ? history_wall_ms(b->history, edge_key(e)) : -1;
}

static int64_t rise_ms(struct builder *b, struct edge *e)
{
	/* Only an estimate from the edge's own runs has a rise to go with it. */
	if (!b->history || sched(b, e)->mem_source != MEM_FROM_HISTORY)
		return -1;
	return policy_rise_ms(history_rise_ms(b->history, edge_key(e)),
			      sched(b, e)->mem_estimate,
			      history_rule_rise_pace(b->history, e->rule->name));
}

/* Is job j run by a nested nj (one that named us and j's process group)? */
static bool managed(const struct builder *b, const struct job *j)
{
	for (size_t i = 0; i < b->budget.nothers; i++) {
		const struct budget_rec *o = &b->budget.others[i];
		if (o->parent_pid == (int64_t)getpid() && o->parent_pgid == j->pid)
			return true;
	}
	return false;
}

/* The running jobs as the policy sees them; *view is reused. */
static size_t running_view(struct builder *b, struct mem_running **view,
			   size_t *cap)
{
	xgrow((void **)view, cap, b->njobs + 1, sizeof(**view));
	int64_t t = exec_now_ms();
	for (size_t i = 0; i < b->njobs; i++) {
		struct job *j = b->jobs[i];
		struct edge *e = j->user;
		struct sched_edge *s = sched(b, e);
		int64_t elapsed = t - j->start_ns / 1000000;
		int64_t paused = s->mem_paused
					 ? t - s->mem_paused_since_ns / 1000000
					 : 0;
		int64_t run = elapsed - s->mem_paused_ms - paused;
		int64_t rise = rise_ms(b, e);
		(*view)[i] = (struct mem_running){
			.estimate = s->mem_estimate,
			.now = j->mem_now,
			.elapsed_ms = elapsed,
			.remaining_ms = policy_remaining_ms(
				expected_ms(b, e), elapsed, run, j->mem_now,
				s->mem_estimate, rise),
			.console = j->console,
			.dying = s->mem_kill_pending,
			.paused = s->mem_paused,
			.growing = j->mem_now > s->mem_prev,
			.rate = j->mem_now > s->mem_prev && b->mem_sample_dt_ms > 0
					? (j->mem_now - s->mem_prev) * 1000 /
						  b->mem_sample_dt_ms
					: 0,
			.paused_ms = paused,
			.run_ms = run,
			.rise_ms = rise,
			.managed = b->budget.nothers && managed(b, j),
			.guessed = s->mem_source == MEM_FROM_DEFAULT &&
				   s->mem_estimate <= b->mem.default_estimate,
			.weight = s->critical_weight,
			.paged_out = s->mem_paged_out,
			.paging = s->mem_paged_out && s->mem_paused &&
				  t - s->mem_paged_out_ns / 1000000 <
					  policy_page_out_ms(s->mem_paged_out_bytes),
		};
	}
	return b->njobs;
}

/* ---- the shared budget: the other builds under the same limit ---------- */

/* Read the others' records into the model. */
static void budget_fold(struct builder *b)
{
	struct mem_model *m = &b->mem;
	budget_read(&b->budget);
	m->others_reserved = m->others_jobs = 0;
	m->others_dying = false;
	m->others_victim_ms = 0;
	m->others_victim_paused = false;
	for (size_t i = 0; i < b->budget.nothers; i++) {
		const struct budget_rec *o = &b->budget.others[i];
		m->others_reserved += o->reserved > 0 ? o->reserved : 0;
		m->others_jobs += o->jobs > 0 ? o->jobs : 0;
		m->others_dying |= o->dying > 0;
		if (o->victim_ms <= 0)
			continue;
		bool p = o->victim_paused;
		if (m->others_victim_ms <= 0 || (p && !m->others_victim_paused) ||
		    (p == m->others_victim_paused &&
		     o->victim_ms < m->others_victim_ms)) {
			m->others_victim_ms = o->victim_ms;
			m->others_victim_paused = p;
		}
	}
}

/* Publish what this build holds back and would pause or kill next; `extra`
 * is a job admitted but not started yet. Written only when it changed. */
static void budget_tell(struct builder *b, const struct mem_running *view,
			size_t n, int64_t extra)
{
	struct budget_rec *me = &b->budget.mine, before = *me;
	me->reserved = policy_published_reserve(view, n) + extra;
	me->jobs = extra > 0;
	me->dying = 0;
	for (size_t i = 0; i < n; i++) {
		me->jobs += !view[i].dying && !view[i].paused && !view[i].managed;
		me->dying += view[i].dying;
	}
	/* Ages are published as at least 1 ms: 0 says "none". */
	int v = policy_next_victim(view, n);
	me->victim_paused = v >= 0 && view[v].paused;
	int64_t age = v < 0 ? 0
		    : view[v].paused ? view[v].run_ms : view[v].elapsed_ms;
	me->victim_ms = v < 0 ? 0 : age > 0 ? age : 1;
	if (memcmp(&before, me, sizeof before) != 0)
		budget_publish(&b->budget);
}

static void explain_wait(struct builder *b, struct edge *e, int64_t need,
			 int64_t room, const char *why)
{
	if (!b->cfg.explain || sched(b, e)->mem_waiting)
		return;
	sched(b, e)->mem_waiting = true;
	struct buf n = {0}, f = {0}, fl = {0}, r = {0};
	format_size(need, &n);
	format_size(b->mem.free, &f);
	format_size(b->mem.floor, &fl);
	format_size(room > 0 ? room : 0, &r);
	fprintf(stderr,
		"ninja explain: %s waits for memory: needs %s (%s), %s free "
		"above the floor of %s and what running jobs may still take "
		"(free %s)%s\n",
		edge_key(e), n.s,
		policy_source_name(sched(b, e)->mem_sized
					   ? MEM_FROM_INPUTS
					   : sched(b, e)->mem_source),
		r.s, fl.s, f.s,
		why);
	buf_free(&n);
	buf_free(&f);
	buf_free(&fl);
	buf_free(&r);
}

struct edge *admit_next(struct builder *b)
{
	struct mem_model *m = &b->mem;
	if (!m->enabled) {
		struct edge *e = plan_pop_ready(b);
		if (e)
			plan_take(b, e);
		return e;
	}
	/* A job running alone (its last retry) admits nothing beside it. */
	for (size_t i = 0; i < b->njobs; i++)
		if (sched(b, ((struct edge *)b->jobs[i]->user))->mem_alone)
			return NULL;
	if (m->hold && b->njobs > 0) {
		if (!policy_hold_over(m))
			return NULL;
		m->hold = false;
	}
	size_t n = running_view(b, &b->mem_view, &b->mem_view_cap);
	struct mem_running *view = b->mem_view;
	struct edge *cand[POLICY_BACKFILL_SCAN];
	struct mem_candidate c[POLICY_BACKFILL_SCAN];
	size_t k = 0;
	bool head_fits = false;
	struct edge *e;
	int64_t room = policy_headroom(m, view, n);
	while (k < POLICY_BACKFILL_SCAN && (e = plan_pop_ready(b))) {
		cand[k] = e;
		b->mem_looked++;
		int64_t need = need_now(b, e); /* sets the source rise_ms reads */
		c[k] = (struct mem_candidate){
			.need = need,
			.expected_ms = expected_ms(b, e),
			.alone = sched(b, e)->mem_alone,
			.weight = sched(b, e)->critical_weight,
			.rise_ms = rise_ms(b, e),
			/* c[0] is the most urgent ready job */
			.slack = k > 0 && policy_has_slack(
				sched(b, e)->critical_weight, c[0].weight),
		};
		k++;
		/* The usual case, the best edge fits and is small: no need to
		 * look further. A large one is compared with those as urgent
		 * (policy_choose packs the largest first). */
		if (k == 1)
			head_fits = !c[0].alone &&
				    (n == 0 || policy_fits(m, view, n, &c[0]));
		/* Only a known size is worth comparing: guesses are all one. */
		if (k == 1 && head_fits &&
		    (sched(b, e)->mem_source == MEM_FROM_DEFAULT ||
		     !policy_packs(m, c[0].need)))
			break;
		if (head_fits && c[k - 1].weight < c[0].weight * POLICY_PACK_TIE)
			break; /* past the ties of a head that fits */
	}
	/* A large job is decided with the other builds locked out, on their
	 * latest word, and announced before they decide again: two builds must
	 * not take the same gigabytes between two samples. */
	bool locked = b->budget_ready && k > 0 && c[0].need >= m->capacity / 32 &&
		      budget_lock(&b->budget) == 0;
	if (locked) {
		budget_fold(b);
		n = running_view(b, &b->mem_view, &b->mem_view_cap);
		view = b->mem_view;
		room = policy_headroom(m, view, n);
	}
	size_t head;
	int pick = policy_choose(m, view, n, c, k, &head);
	if (locked) {
		budget_tell(b, view, n,
			    pick >= 0 && (sched(b, cand[pick])->mem_source !=
						  MEM_FROM_DEFAULT ||
					  c[pick].need > m->default_estimate)
				    ? c[pick].need : 0);
		budget_unlock(&b->budget);
	}
	m->waiting = head < k;
	if (head < k) {
		if (!sched(b, cand[head])->mem_waited)
			m->waits++;
		sched(b, cand[head])->mem_waited = true;
		record_wait(b, cand[head], c[head].need);
		explain_wait(b, cand[head], c[head].need, room,
			     c[head].alone ? ", to run alone" : "");
	}
	struct edge *chosen = NULL;
	for (size_t i = 0; i < k; i++) {
		if ((int)i == pick)
			chosen = cand[i];
		else
			plan_put_back(b, cand[i]);
	}
	if (chosen) {
		/* What it was admitted on is what it reserves while it runs:
		 * a need raised by running siblings, not the guess below it. */
		if (c[pick].need > sched(b, chosen)->mem_estimate ||
		    sched(b, chosen)->mem_sized)
			sched(b, chosen)->mem_estimate = c[pick].need;
		sched(b, chosen)->mem_waiting = false;
		plan_take(b, chosen);
	}
	return chosen;
}

bool mem_waits_for_others(const struct builder *b)
{
	return b->mem.enabled && b->mem.waiting && b->mem.others_jobs > 0 &&
	       b->ex_ready;
}

int mem_wait_timeout(const struct builder *b)
{
	return policy_sample_ms(&b->mem, b->njobs);
}

static void explain_pressure(struct builder *b, struct job *j,
			     const char *what)
{
	if (!b->cfg.explain)
		return;
	struct buf at = {0}, f = {0}, fl = {0};
	format_size(j->mem_now, &at);
	format_size(b->mem.free, &f);
	format_size(b->mem.floor, &fl);
	fprintf(stderr, "ninja explain: %s %s after %.1fs at %s (free %s, "
		"floor %s)\n", what, edge_key(j->user),
		(double)(exec_now_ns() - j->start_ns) / 1e9, at.s, f.s, fl.s);
	buf_free(&at);
	buf_free(&f);
	buf_free(&fl);
}

static void resume(struct builder *b, struct job *j)
{
	struct sched_edge *s = sched(b, j->user);
	if (!s->mem_paused)
		return;
	exec_signal_job(j, SIGCONT);
	s->mem_paused = false;
	s->mem_paused_ms += (exec_now_ns() - s->mem_paused_since_ns) / 1000000;
	explain_pressure(b, j, "resumed");
}

/* Carry out the policy's step: pause, resume, or kill one job. */
static void act(struct builder *b, struct mem_action a)
{
	if (a.act == MEM_ACT_NONE)
		return;
	struct job *j = b->jobs[a.job];
	struct sched_edge *s = sched(b, j->user);
	switch (a.act) {
	case MEM_ACT_PAUSE:
		if (exec_signal_job(j, SIGSTOP) < 0)
			return;
		s->mem_paused = true;
		s->mem_paused_since_ns = exec_now_ns();
		b->mem.pauses++;
		explain_pressure(b, j, "paused");
		break;
	case MEM_ACT_RESUME:
		resume(b, j);
		break;
	case MEM_ACT_PAGE_OUT:
		s->mem_paged_out = true; /* once: a failure says kill next */
		if (memprobe_page_out(&b->probe, j->pid) < 0) {
			b->page_out_off = true; /* mem_tick: no swap from now */
			return;
		}
		s->mem_paged_out_ns = exec_now_ns();
		s->mem_paged_out_bytes = j->mem_now;
		b->mem.hold = true; /* as after a kill: let the memory come back */
		b->mem.page_outs++;
		explain_pressure(b, j, "paged out");
		break;
	case MEM_ACT_KILL:
		s->mem_pause_timed_out = s->mem_paused &&
					 (exec_now_ns() - s->mem_paused_since_ns) /
						 1000000 >= POLICY_PAUSE_MAX_MS;
		s->mem_kill_pending = true;
		s->mem_killed_at = j->mem_peak > j->mem_now ? j->mem_peak : j->mem_now;
		s->mem_free_at_kill = b->mem.free;
		exec_signal_job(j, SIGKILL);
		if (s->mem_paused)
			exec_signal_job(j, SIGCONT); /* let the group die at once */
		b->mem.hold = true;
		b->mem.kills++;
		break;
	default:
		break;
	}
}

void mem_resume_all(struct builder *b)
{
	for (size_t i = 0; i < b->njobs; i++)
		resume(b, b->jobs[i]);
}

/* What the swap cache holds of the jobs paged out and still paused: free
 * for the taking (the kernel drops it when the room is needed), though
 * still charged. Bounded by those jobs, because a page swapped back in
 * stays in the swap cache too, and is in use. */
static int64_t paged_out_cached(struct builder *b)
{
	int64_t out = 0;
	for (size_t i = 0; i < b->njobs; i++) {
		const struct sched_edge *s = sched(b, b->jobs[i]->user);
		if (s->mem_paused && s->mem_paged_out)
			out += s->mem_paged_out_bytes;
	}
	return out < b->probe.swap_cached ? out : b->probe.swap_cached;
}

void mem_tick(struct builder *b, bool force)
{
	struct mem_model *m = &b->mem;
	if (!m->enabled)
		return;
	int64_t t = exec_now_ns();
	int interval = mem_wait_timeout(b);
	if (interval < 0)
		interval = POLICY_SAMPLE_MS;
	if (!force && t - m->last_sample_ns < (int64_t)(interval - 1) * 1000000)
		return;
	int64_t f = memprobe_available(&b->probe);
	b->mem_sample_dt_ms = m->last_sample_ns ? (t - m->last_sample_ns) / 1000000 : 0;
	m->last_sample_ns = t;
	m->psi = memprobe_psi_some_avg10(&b->probe);
	memprobe_oom_kills(&b->probe); /* the baseline of jobs starting next */
	for (size_t i = 0; i < b->njobs; i++)
		sched(b, b->jobs[i]->user)->mem_prev = b->jobs[i]->mem_now;
	memprobe_sample_jobs(&b->probe, b->jobs, b->njobs);
	for (size_t i = 0; i < b->njobs; i++)
		sized_note_large(b, b->jobs[i]->user, b->jobs[i]->mem_now);
	if (b->budget_ready)
		budget_fold(b);
	if (b->cfg.mem_limit > 0 && b->cfg.mem_limit < memprobe_capacity(&b->probe)) {
		/* A --mem-limit below what the machine gives counts only nj's
		 * own jobs against it. */
		int64_t used = 0;
		for (size_t i = 0; i < b->njobs; i++)
			used += b->jobs[i]->mem_now;
		if (f < 0 || m->capacity - used < f)
			f = m->capacity - used;
	}
	if (f >= 0)
		f += paged_out_cached(b);
	if (f >= 0)
		policy_note_free(m, t, f); /* and how fast it falls */
	m->swap_free = b->page_out_off || memprobe_page_out_denied()
			       ? 0
			       : b->probe.swap_free;
	size_t n = running_view(b, &b->mem_view, &b->mem_view_cap);
	struct mem_action a = policy_pressure(m, b->mem_view, n);
	act(b, a);
	/* As many pauses as the fall needs, each seen by the next: a pause
	 * changes only that job's `paused` in the view. */
	while (a.act == MEM_ACT_PAUSE) {
		b->mem_view[a.job].paused = sched(b, b->jobs[a.job]->user)->mem_paused;
		if (!b->mem_view[a.job].paused)
			break; /* the signal failed */
		a.job = policy_pause_more(m, b->mem_view, n);
		if (a.job < 0)
			break;
		act(b, a);
	}
	if (b->budget_ready) {
		n = running_view(b, &b->mem_view, &b->mem_view_cap);
		budget_tell(b, b->mem_view, n, 0);
	}
	record_sample(b);
}

static void record(struct builder *b, struct job *j, bool killed, int64_t peak)
{
	if (!b->history)
		return;
	struct edge *e = j->user;
	/* Time paused is not time rising; taking all of it off errs on the
	 * side of a quicker rise. A killed run never finished rising. */
	int64_t rise = j->mem_rise_ms - sched(b, e)->mem_paused_ms;
	bool rose = !killed && j->mem_peak > 0;
	struct history_run run = {
		.peak = peak,
		.cpu_ms = j->cpu_ms,
		/* Paused time is the scheduler's, not the job's: counted, it
		 * made a link paused 4 s the build's longest the next time. */
		.wall_ms = (j->end_ns - j->start_ns) / 1000000 -
			   sched(b, e)->mem_paused_ms,
		.rise_ms = rose ? (rise > 0 ? rise : 0) : -1,
		.exit_code = j->exit_code,
		.mem_killed = killed,
	};
	struct err err = {0};
	if (history_record(b->history, edge_key(e), e->rule->name, &run, &err) < 0) {
		/* The history only makes later builds smarter; losing a
		 * record is worth a warning, not a failed build. */
		if (b->status->error)
			b->status->error(b->status, err.msg);
		err_clear(&err);
	}
}

static int64_t job_peak(const struct job *j)
{
	int64_t rss = j->maxrss_kb * 1024;
	return j->mem_peak > rss ? j->mem_peak : rss;
}

void mem_job_started(struct builder *b, struct edge *e)
{
	struct sched_edge *s = sched(b, e);
	s->mem_paused = false; /* a retry starts afresh */
	s->mem_paused_ms = 0;
	s->mem_prev = 0;
	s->mem_pause_timed_out = false;
	s->mem_paged_out = false;
	s->mem_paged_out_ns = 0; /* set only once paging out started */
	s->mem_paged_out_bytes = 0;
	/* The count as last read (every sample, and every job that died of
	 * a SIGKILL), not read again per job: two reads of a cgroup file per
	 * job were 21k opens in a 10k-edge build. An OOM kill in the sample
	 * before a job's start that is only read at its end makes a kill -9
	 * of it a kernel kill (retried): the one way this errs. */
	sched(b, e)->mem_oom_at_start = b->mem.enabled ? b->probe.oom_seen : -1;
}

void mem_record_run(struct builder *b, struct job *j)
{
	sized_note_large(b, j->user, job_peak(j));
	sized_record(b, j->user, job_peak(j));
	record(b, j, false, job_peak(j));
}

/* "nj: ..." for a job memory ended: the failure, or the kill and retry. */
static void explain_memory_end(struct builder *b, struct job *j,
			       enum mem_end end, enum mem_retry next,
			       int64_t reached, struct buf *why)
{
	struct edge *e = j->user;
	int64_t elapsed = (j->end_ns - j->start_ns) / 1000000;
	struct buf r = {0}, f = {0}, c = {0}, fl = {0};
	format_size(reached, &r);
	format_size(end == MEM_END_NJ ? sched(b, e)->mem_free_at_kill : b->mem.free, &f);
	format_size(b->mem.capacity, &c);
	format_size(b->mem.floor, &fl);
	if (next == MEM_FAIL)
		buf_printf(why,
			   "nj: %s ran out of memory%s: it needed more than %s, "
			   "and capacity is %s",
			   edge_key(e),
			   b->njobs == 0 && b->mem.others_jobs == 0
				   ? " running alone" : "",
			   r.s, c.s);
	else if (end == MEM_END_KERNEL)
		buf_printf(why,
			   "nj: memory: the kernel's OOM killer stopped %s after "
			   "%.1fs at %s (free now %s); retry %d of %d%s",
			   edge_key(e), (double)elapsed / 1000, r.s, f.s,
			   sched(b, e)->mem_retries, POLICY_MAX_RETRIES,
			   sched(b, e)->mem_alone ? ", alone" : "");
	else if (sched(b, e)->mem_pause_timed_out)
		buf_printf(why,
			   "nj: memory: stopped %s after %.1fs at %s: paused "
			   "%ds and still no room for it (free %s, floor %s); "
			   "retry %d of %d%s",
			   edge_key(e), (double)elapsed / 1000, r.s,
			   POLICY_PAUSE_MAX_MS / 1000, f.s, fl.s,
			   sched(b, e)->mem_retries, POLICY_MAX_RETRIES,
			   sched(b, e)->mem_alone ? ", alone" : "");
	else
		buf_printf(why,
			   "nj: memory: stopped %s after %.1fs at %s (free %s, "
			   "below the floor of %s); retry %d of %d%s",
			   edge_key(e), (double)elapsed / 1000, r.s, f.s, fl.s,
			   sched(b, e)->mem_retries, POLICY_MAX_RETRIES,
			   sched(b, e)->mem_alone ? ", alone" : "");
	buf_free(&r);
	buf_free(&f);
	buf_free(&c);
	buf_free(&fl);
}

int mem_job_ended(struct builder *b, struct job *j, struct buf *why)
{
	struct edge *e = j->user;
	enum mem_end end = policy_classify_end(
		b->mem.enabled, sched(b, e)->mem_kill_pending, j->term_signal, j->exit_code,
		b->mem.enabled && policy_sigkilled(j->term_signal, j->exit_code)
			? memprobe_oom_kills(&b->probe) : -1,
		sched(b, e)->mem_oom_at_start);
	if (end == MEM_END_NORMAL)
		return 0;
	sched(b, e)->mem_kill_pending = false;
	int64_t reached = end == MEM_END_NJ ? sched(b, e)->mem_killed_at : job_peak(j);
	if (reached < job_peak(j))
		reached = job_peak(j);
	record(b, j, true, reached);
	remove_partial_outputs(b, e);
	enum mem_retry next = policy_after_memory_kill(
		sched(b, e)->mem_retries, sched(b, e)->mem_alone, end,
		b->njobs + (size_t)b->mem.others_jobs);
	if (next != MEM_FAIL) {
		sched(b, e)->mem_retries++;
		sched(b, e)->mem_alone = next == MEM_RETRY_ALONE;
		/* The same rule the next build's history applies. */
		int64_t raised = policy_with_margin(policy_after_kill(-1, reached));
		int64_t cur = admit_estimate(b, e);
		sched(b, e)->mem_estimate = raised > cur ? raised : cur;
		sched(b, e)->mem_source = MEM_FROM_HISTORY;
	}
	explain_memory_end(b, j, end, next, reached, why);
	if (next == MEM_FAIL)
		return -1;
	plan_pool_release(b, e->pool);
	plan_put_back(b, e);
	b->mem.hold = true;
	return 1;
}
