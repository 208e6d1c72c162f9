/* Pressure: how often to look, whom to kill, and what a kill means. */
#include "policy.h"

#include <signal.h>
#include <string.h>

int policy_sample_ms(const struct mem_model *m, size_t n)
{
	if (!m->enabled)
		return -1;
	if (n == 0) /* nothing to sample, unless waiting for other builds */
		return m->waiting && m->others_jobs > 0 ? POLICY_SAMPLE_MS : -1;
	/* Near the floor, or when the kernel already reports tasks stalling
	 * on memory (PSI), a spike must not slip between two samples. */
	int64_t soon = m->free - m->free_drop * POLICY_SAMPLE_MS / 1000;
	bool close = soon < 2 * m->floor || m->psi >= POLICY_PSI_ALERT;
	return close ? POLICY_SAMPLE_NEAR_FLOOR_MS : POLICY_SAMPLE_MS;
}

void policy_note_free(struct mem_model *m, int64_t t_ns, int64_t f)
{
	int64_t drop = 0;
	int keep = 0;
	for (int i = 0; i < m->nrecent; i++) {
		int64_t dt = t_ns - m->recent_ns[i];
		if (dt <= 0 || dt > (int64_t)POLICY_DROP_WINDOW_MS * 1000000)
			continue;
		int64_t fell = m->recent_free[i] - f;
		int64_t rate = fell > 0 ? (int64_t)((double)fell * 1e9 / (double)dt) : 0;
		if (rate > drop)
			drop = rate;
		m->recent_ns[keep] = m->recent_ns[i];
		m->recent_free[keep++] = m->recent_free[i];
	}
	if (keep == POLICY_DROP_READINGS) { /* full: the oldest goes */
		memmove(m->recent_ns, m->recent_ns + 1, sizeof(int64_t) * (size_t)(keep - 1));
		memmove(m->recent_free, m->recent_free + 1, sizeof(int64_t) * (size_t)(keep - 1));
		keep--;
	}
	m->recent_ns[keep] = t_ns;
	m->recent_free[keep++] = f;
	m->nrecent = keep;
	m->free_drop = drop;
	m->free = f;
}

bool policy_over_floor(const struct mem_model *m)
{
	return m->free < m->floor;
}

/* The youngest job that may be killed, when `others` more live jobs run
 * elsewhere in the domain; -1 for none. */
static int youngest_victim(const struct mem_running *r, size_t n,
			   int64_t others)
{
	size_t live = (size_t)(others > 0 ? others : 0);
	for (size_t i = 0; i < n; i++)
		live += !r[i].dying;
	if (live < 2)
		return -1;
	int victim = -1;
	for (size_t i = 0; i < n; i++) {
		if (r[i].console || r[i].dying || r[i].managed ||
		    (r[i].paused && r[i].paged_out))
			continue;
		if (victim < 0 || r[i].elapsed_ms < r[victim].elapsed_ms)
			victim = (int)i;
	}
	return victim;
}

int policy_pick_victim(const struct mem_running *r, size_t n)
{
	return youngest_victim(r, n, 0);
}

bool policy_may_kill(const struct mem_running *r, size_t n)
{
	/* One at a time: a killed job takes a moment to give its memory
	 * back, and killing another meanwhile would be killing for nothing. */
	for (size_t i = 0; i < n; i++)
		if (r[i].dying || r[i].paging)
			return false;
	return true;
}

int64_t policy_page_out_ms(int64_t bytes)
{
	return (int64_t)((double)bytes * POLICY_PAGE_OUT_MS_PER_GIB /
			 (double)(1 << 30));
}

int policy_pause_candidate(const struct mem_running *r, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if (r[i].dying || r[i].paused || r[i].console || r[i].managed ||
		    !r[i].growing)
			continue;
		if (best < 0 || r[i].elapsed_ms < r[best].elapsed_ms)
			best = (int)i;
	}
	return best;
}

/* The job to pause here: the youngest growing one, if pausing it leaves
 * another live job running (here or in another build); -1 for none. Each
 * build pauses its own: deferring to another build's younger job on a
 * record up to a sample old let memory run out while each waited for the
 * other (measured: a kernel OOM kill in two 1.5G builds). */
static int pause_here(const struct mem_model *m, const struct mem_running *r,
		      size_t n)
{
	int64_t running = m->others_jobs;
	for (size_t i = 0; i < n; i++)
		running += !r[i].dying && !r[i].paused;
	int best = policy_pause_candidate(r, n);
	if (best < 0 || running < 2)
		return -1;
	return best;
}

int policy_pause_more(const struct mem_model *m, const struct mem_running *r,
		      size_t n)
{
	if (!m->enabled)
		return -1;
	int64_t ours = 0, going = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].dying || r[i].managed || r[i].rate <= 0)
			continue;
		ours += r[i].rate;
		if (!r[i].paused)
			going += r[i].rate;
	}
	/* What the rest of the domain adds to the fall (other builds). */
	int64_t theirs = m->free_drop > ours ? m->free_drop - ours : 0;
	int64_t next = m->free - (going + theirs) * POLICY_SAMPLE_NEAR_FLOOR_MS / 1000;
	if (next >= m->floor / 2)
		return -1;
	return pause_here(m, r, n);
}

/* Every job is within its estimate, and the estimates' rest fits above
 * the floor: nothing can cross it unless an estimate is wrong, so being
 * near it is what admission planned, not pressure. Admission packs to the
 * floor's byte, and the free reading drifts by memory that is no job's
 * (page cache, nj itself): an eighth of the floor is that drift, not a
 * job off its plan (measured, in a trial with a narrower margin: a second
 * build paused a link 3.7 s because two links that fitted by 1M were, with
 * the drift, 9M over). */
static bool as_planned(const struct mem_model *m, const struct mem_running *r,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!r[i].dying && !r[i].paused && r[i].growing &&
		    r[i].now >= r[i].estimate)
			return false;
	return policy_headroom(m, r, n) >= -(m->floor / 8);
}

/* The paused job that has run the least: the cheapest to lose. One paged
 * out holds next to nothing, so its death would free nothing. */
static int paused_victim(const struct mem_running *r, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++)
		if (r[i].paused && !r[i].dying && !r[i].managed &&
		    !r[i].paged_out &&
		    (best < 0 || r[i].run_ms < r[best].run_ms))
			best = (int)i;
	return best;
}

/* Does losing paused job v mean paging it out, not killing it? Where swap
 * holds it, and paging it out and back (POLICY_PAGE_OUT_MS_PER_GIB) costs
 * less than its run, which a kill loses. */
static bool pages_out(const struct mem_model *m, const struct mem_running *v)
{
	return v->paused && !v->paged_out && v->now > 0 &&
	       m->swap_free >= v->now && policy_page_out_ms(v->now) < v->run_ms;
}

/* What losing paused job v costs, in ms: the paging, or its run. */
static int64_t loss_ms(const struct mem_model *m, const struct mem_running *v)
{
	return pages_out(m, v) ? policy_page_out_ms(v->now) : v->run_ms;
}

/* Make room by job v, by the cheaper of paging out and killing. */
static struct mem_action lose(const struct mem_model *m,
			      const struct mem_running *r, int v)
{
	return (struct mem_action){pages_out(m, &r[v]) ? MEM_ACT_PAGE_OUT
						       : MEM_ACT_KILL,
				   v};
}

int policy_next_victim(const struct mem_running *r, size_t n)
{
	int v = paused_victim(r, n);
	return v >= 0 ? v : youngest_victim(r, n, 1);
}

/* Whether another build's next victim goes before ours (paused before
 * running, then the least run): then that build kills, not this one. */
static bool theirs_first(const struct mem_model *m,
			 const struct mem_running *r, int v)
{
	if (m->others_victim_ms <= 0)
		return false;
	if (m->others_victim_paused != r[v].paused)
		return m->others_victim_paused;
	int64_t ours = r[v].paused ? r[v].run_ms : r[v].elapsed_ms;
	return m->others_victim_ms < ours;
}

/* Room for a paused job: free above the floor less what everything else
 * may still take. */
static int64_t room_for(const struct mem_model *m, const struct mem_running *r,
			size_t n, size_t self)
{
	int64_t room = m->free - m->floor - m->others_reserved;
	for (size_t i = 0; i < n; i++) {
		if (i == self || r[i].dying || r[i].managed)
			continue;
		if (r[i].paused)
			room -= policy_resume_need(&r[i]);
		else if (r[i].estimate > r[i].now)
			room -= r[i].estimate - r[i].now;
	}
	return room;
}

struct mem_action policy_pressure(const struct mem_model *m,
				  const struct mem_running *r, size_t n)
{
	struct mem_action none = {MEM_ACT_NONE, -1};
	if (!m->enabled || !policy_may_kill(r, n))
		return none; /* a killed job is still giving memory back */
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		live += !r[i].dying && !r[i].paused;
	/* A pause is bounded: resume it if it fits by now, else kill it. */
	for (size_t i = 0; i < n; i++) {
		if (!r[i].paused || r[i].paused_ms < POLICY_PAUSE_MAX_MS)
			continue;
		bool fits = room_for(m, r, n, i) >= policy_resume_need(&r[i]);
		return (struct mem_action){fits ? MEM_ACT_RESUME : MEM_ACT_KILL,
					   (int)i};
	}
	/* Paused jobs hold memory that lets none of them go on: kill the one
	 * that ran least once waiting has cost what killing it loses (rent or
	 * buy). Waiting idles it and every paused job its death would let go
	 * on; killing loses its run. So with one such job, it is killed after
	 * being paused half as long as it ran. */
	int v = paused_victim(r, n);
	if (v >= 0) {
		int64_t unblocked = 0;
		for (size_t i = 0; i < n; i++) {
			/* Waiting costs the build nothing while the job
			 * that would go on has slack beside the victim:
			 * seen in mem-mixed's second build, a 3.6G link
			 * (the chain of large links) was killed 1.4 s into
			 * a pause so that a small link could resume 0.6 s
			 * before the running large link ended and let
			 * both go on; the kill cost the chain 2 s. */
			if (!r[i].paused || r[i].dying || r[i].managed ||
			    (int)i == v ||
			    policy_has_slack(r[i].weight, r[v].weight))
				continue;
			int64_t room = room_for(m, r, n, i);
			if (room < policy_resume_need(&r[i]) &&
			    room + r[v].now + policy_resume_need(&r[v]) >=
				    policy_resume_need(&r[i]))
				unblocked++;
		}
		if (unblocked > 0 &&
		    r[v].paused_ms * (1 + unblocked) >= loss_ms(m, &r[v]))
			return lose(m, r, v);
	}
	bool near = m->free < m->floor + m->floor / 2;
	if (near && !as_planned(m, r, n)) {
		int p = pause_here(m, r, n);
		if (p >= 0)
			return (struct mem_action){MEM_ACT_PAUSE, p};
	}
	if (policy_over_floor(m)) {
		if (v < 0)
			v = youngest_victim(r, n, m->others_jobs);
		/* The other build kills its own first, unless free is already
		 * half way through the floor: then waiting is the riskier. */
		bool deep = m->free < m->floor / 2;
		if (v < 0 || (!deep && (m->others_dying || theirs_first(m, r, v))))
			return none;
		return lose(m, r, v);
	}
	/* Resume the paused job that has run the longest, once it fits, or
	 * at once when nothing else runs (the build must move). */
	int oldest = -1;
	for (size_t i = 0; i < n; i++)
		if (r[i].paused && (oldest < 0 || r[i].run_ms > r[oldest].run_ms))
			oldest = (int)i;
	if (oldest < 0)
		return none;
	if ((live == 0 && m->others_jobs == 0) ||
	    (!near && room_for(m, r, n, (size_t)oldest) >=
			      policy_resume_need(&r[oldest])))
		return (struct mem_action){MEM_ACT_RESUME, oldest};
	return none;
}

bool policy_sigkilled(int term_signal, int exit_code)
{
	return term_signal == SIGKILL ||
	       (term_signal == 0 && exit_code == 128 + SIGKILL);
}

enum mem_end policy_classify_end(bool enabled, bool ours, int term_signal,
				 int exit_code, int64_t oom_now,
				 int64_t oom_at_start)
{
	if (ours)
		return MEM_END_NJ;
	if (!enabled || !policy_sigkilled(term_signal, exit_code))
		return MEM_END_NORMAL;
	bool shell_kill = term_signal != SIGKILL;
	/* A SIGKILL nj did not send: the kernel's OOM killer (the cgroup's
	 * count says so when it can), or someone's kill -9; either way, not
	 * the command's fault. */
	bool kernel = oom_now >= 0 && oom_at_start >= 0 ? oom_now > oom_at_start
						       : !shell_kill;
	return kernel ? MEM_END_KERNEL : MEM_END_NORMAL;
}

enum mem_retry policy_after_memory_kill(int retries, bool alone,
					enum mem_end why, size_t others_running)
{
	/* Its last retry, with nothing of ours beside it, but another build's
	 * jobs ran in the same memory (the shared budget): it was not alone,
	 * and the kill says nothing of whether it fits alone (seen in CI: two
	 * builds in 1.5G, one lost a 700M link this way). Again, alone. */
	if (alone && others_running > 0)
		return MEM_RETRY_ALONE;
	/* Alone and still too big: no retry can help. */
	if (alone || retries >= POLICY_MAX_RETRIES ||
	    (why == MEM_END_KERNEL && others_running == 0))
		return MEM_FAIL;
	return retries + 1 >= POLICY_MAX_RETRIES ? MEM_RETRY_ALONE : MEM_RETRY;
}
