/* Admission: how much room there is, and which ready edge may start. */
#include "policy.h"

#include <stdint.h>

int64_t policy_default_floor(int64_t capacity)
{
	/* A few percent, but never so little that a spike of one job crosses
	 * it between two samples, nor more than an eighth of a small box. */
	int64_t floor = capacity / 20;
	int64_t minimum = 256LL << 20;
	if (minimum > capacity / 8)
		minimum = capacity / 8;
	return floor > minimum ? floor : minimum;
}

int64_t policy_resume_need(const struct mem_running *r)
{
	int64_t rest = r->estimate > r->now ? r->estimate - r->now : 0;
	return rest > r->now / 2 ? rest : r->now / 2;
}

static int64_t reserve_of(const struct mem_running *r)
{
	if (r->dying)
		return 0;
	/* A paused job keeps the room it needs to go on: new jobs must not
	 * take it, or it would never resume. */
	if (r->paused)
		return policy_resume_need(r);
	return r->estimate > r->now ? r->estimate - r->now : 0;
}

int64_t policy_reserved(const struct mem_running *r, size_t n)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += reserve_of(&r[i]);
	return sum;
}

int64_t policy_headroom(const struct mem_model *m, const struct mem_running *r,
		     size_t n)
{
	return m->free - m->floor - policy_reserved(r, n);
}

int64_t policy_wait_ms(const struct mem_model *m, const struct mem_running *r,
		    size_t n, int64_t need)
{
	int64_t room = policy_headroom(m, r, n);
	if (room >= need)
		return 0;
	/* Release jobs in the order history expects them to end; the first
	 * moment the room suffices is the answer. Simple selection: n is -j. */
	bool used[256] = {0};
	if (n > 256)
		return INT64_MAX;
	for (size_t k = 0; k < n; k++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			if (used[i] || r[i].remaining_ms < 0)
				continue;
			if (best == n || r[i].remaining_ms < r[best].remaining_ms)
				best = i;
		}
		if (best == n)
			return INT64_MAX; /* the rest end at unknown times */
		used[best] = true;
		room += r[best].now + reserve_of(&r[best]);
		if (room >= need)
			return r[best].remaining_ms;
	}
	return INT64_MAX;
}

int policy_choose(const struct mem_model *m, const struct mem_running *r,
	       size_t n, const struct mem_candidate *c, size_t k, size_t *head)
{
	*head = k;
	if (n == 0 && k > 0)
		return 0; /* an idle nj always starts the next job */
	int64_t room = policy_headroom(m, r, n);
	int64_t head_wait = 0;
	for (size_t i = 0; i < k; i++) {
		if (c[i].alone) {
			/* Waits for everything else to end; nothing may jump it. */
			if (*head == k)
				*head = i;
			return -1;
		}
		if (c[i].need > room) {
			if (*head == k) {
				*head = i;
				head_wait = policy_wait_ms(m, r, n, c[i].need);
			}
			continue;
		}
		if (*head == k)
			return (int)i;
		/* Behind a blocked job, only what ends before it could start,
		 * or what is as far from the end of the build (the same
		 * critical-path weight): starting it first delays nothing
		 * more urgent, and packs a small job beside a large one. */
		if (head_wait != INT64_MAX && c[i].expected_ms >= 0 &&
		    c[i].expected_ms <= head_wait)
			return (int)i;
		if (c[i].weight >= c[*head].weight * 0.95)
			return (int)i;
	}
	return -1;
}

bool policy_hold_over(const struct mem_model *m)
{
	return m->free >= m->floor + m->floor / 2;
}

bool policy_token_allowed(const struct mem_model *m)
{
	return !m->enabled ||
	       (!m->hold && m->free - m->floor >= m->default_estimate);
}
