/* Pressure: how often to look, whom to kill, and what a kill means. */
#include "policy.h"

#include <signal.h>

int policy_sample_ms(const struct mem_model *m, size_t n)
{
	if (!m->enabled || n == 0)
		return -1;
	/* Near the floor, or when the kernel already reports tasks stalling
	 * on memory (PSI), a spike must not slip between two samples. */
	bool close = m->free < 2 * m->floor || m->psi >= POLICY_PSI_ALERT;
	return close ? POLICY_SAMPLE_NEAR_FLOOR_MS : POLICY_SAMPLE_MS;
}

bool policy_over_floor(const struct mem_model *m)
{
	return m->free < m->floor;
}

int policy_pick_victim(const struct mem_running *r, size_t n)
{
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		live += !r[i].dying;
	if (live < 2)
		return -1;
	int victim = -1;
	for (size_t i = 0; i < n; i++) {
		if (r[i].console || r[i].dying)
			continue;
		if (victim < 0 || r[i].elapsed_ms < r[victim].elapsed_ms)
			victim = (int)i;
	}
	return victim;
}

bool policy_may_kill(const struct mem_running *r, size_t n)
{
	/* One at a time: a killed job takes a moment to give its memory
	 * back, and killing another meanwhile would be killing for nothing. */
	for (size_t i = 0; i < n; i++)
		if (r[i].dying)
			return false;
	return true;
}

enum mem_end policy_classify_end(bool enabled, bool ours, int term_signal,
				 int exit_code, int64_t oom_now,
				 int64_t oom_at_start)
{
	if (ours)
		return MEM_END_NJ;
	bool shell_kill = term_signal == 0 && exit_code == 128 + SIGKILL;
	if (!enabled || !(term_signal == SIGKILL || shell_kill))
		return MEM_END_NORMAL;
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
	/* Alone and still too big: no retry can help. */
	if (alone || retries >= POLICY_MAX_RETRIES ||
	    (why == MEM_END_KERNEL && others_running == 0))
		return MEM_FAIL;
	return retries + 1 >= POLICY_MAX_RETRIES ? MEM_RETRY_ALONE : MEM_RETRY;
}
