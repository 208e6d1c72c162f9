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
	if (r->dying || r->managed)
		return 0; /* a nested nj publishes its own reservations */
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

int64_t policy_published_reserve(const struct mem_running *r, size_t n)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		if (!r[i].guessed)
			sum += reserve_of(&r[i]);
	return sum;
}

int64_t policy_headroom(const struct mem_model *m, const struct mem_running *r,
		     size_t n)
{
	return m->free - m->floor - m->others_reserved - policy_reserved(r, n);
}

int64_t policy_ramp(int64_t est, int64_t rise, int64_t t)
{
	if (rise <= 0 || t >= rise)
		return est;
	if (t <= 0)
		return 0;
	return (int64_t)((double)est * (double)t / (double)rise) + 1;
}

/* When a running job is expected to end, in ms from now; -1: not counted
 * on (unknown, overdue, paused or dying). */
static int64_t expected_end(const struct mem_running *r)
{
	if (r->dying || r->paused || r->remaining_ms <= 0)
		return -1;
	int64_t total = r->elapsed_ms + r->remaining_ms;
	return r->remaining_ms + total / 10 + POLICY_END_SLACK_MS;
}

/* What a running job will hold `t` ms from now beyond what it holds now;
 * minus what it holds once it has ended. */
static int64_t growth_at(const struct mem_running *r, int64_t t)
{
	if (r->dying || r->paused || r->managed)
		return reserve_of(r);
	int64_t end = expected_end(r);
	if (end >= 0 && t >= end)
		return -r->now;
	int64_t at = policy_ramp(r->estimate, r->rise_ms, r->run_ms + t);
	return at > r->now ? at - r->now : 0;
}

static bool fits_at(const struct mem_model *m, const struct mem_running *r,
		    size_t n, const struct mem_candidate *c, int64_t rise,
		    int64_t t)
{
	int64_t sum = policy_ramp(c->need, rise, t);
	for (size_t i = 0; i < n; i++)
		sum += growth_at(&r[i], t);
	return sum <= m->free - m->floor - m->others_reserved;
}

bool policy_fits(const struct mem_model *m, const struct mem_running *r,
		 size_t n, const struct mem_candidate *c)
{
	if (c->need <= policy_headroom(m, r, n))
		return true;
	if (n > POLICY_PROFILE_MAX_JOBS || c->slack)
		return false;
	/* Everything rises until some job ends, so the worst moments are
	 * just before each expected end within c's run, and its end. */
	int64_t horizon = c->expected_ms > 0 ? c->expected_ms : INT64_MAX / 4;
	int64_t rise = c->rise_ms < horizon ? c->rise_ms : horizon;
	for (size_t i = 0; i < n; i++) {
		int64_t end = expected_end(&r[i]);
		if (end < 0 || end > horizon)
			continue;
		if (!fits_at(m, r, n, c, rise, end > 0 ? end - 1 : 0))
			return false;
	}
	return fits_at(m, r, n, c, rise, horizon);
}

bool policy_has_slack(double weight, double top)
{
	return weight < top / 2;
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

bool policy_packs(const struct mem_model *m, int64_t need)
{
	int64_t usable = m->capacity - m->floor;
	return m->enabled && usable > 0 && need >= usable / 8;
}

/* c[i] may start: if it is large, the largest candidate as urgent as it
 * (POLICY_PACK_TIE) that fits starts instead. Largest first packs:
 * of seven links of 2.5 to 3G in 6G, the 3G one starts and the 2.5G one
 * beside it, where taking them in order paired the two smallest and left
 * the large ones to run one at a time. */
static int largest_as_urgent(const struct mem_model *m,
			     const struct mem_running *r, size_t n,
			     const struct mem_candidate *c, size_t k, size_t i)
{
	if (!policy_packs(m, c[i].need))
		return (int)i;
	size_t best = i;
	for (size_t j = i + 1; j < k; j++) {
		if (c[j].alone || c[j].weight < c[i].weight * POLICY_PACK_TIE ||
		    c[j].need <= c[best].need)
			continue;
		if (policy_fits(m, r, n, &c[j]))
			best = j;
	}
	return (int)best;
}

int policy_choose(const struct mem_model *m, const struct mem_running *r,
	       size_t n, const struct mem_candidate *c, size_t k, size_t *head)
{
	*head = k;
	if (n == 0 && m->others_jobs == 0 && k > 0) {
		/* An idle domain always starts a job. */
		if (c[0].alone)
			return 0;
		return largest_as_urgent(m, r, n, c, k, 0);
	}
	int64_t head_wait = 0;
	for (size_t i = 0; i < k; i++) {
		if (c[i].alone) {
			/* Waits for everything else to end; nothing may jump it. */
			if (*head == k)
				*head = i;
			return -1;
		}
		if (!policy_fits(m, r, n, &c[i])) {
			if (*head == k) {
				*head = i;
				head_wait = policy_wait_ms(m, r, n, c[i].need);
			}
			continue;
		}
		if (*head == k)
			return largest_as_urgent(m, r, n, c, k, i);
		/* Behind a blocked job, only what ends before it could start,
		 * or what is as far from the end of the build (the same
		 * critical-path weight): starting it first delays nothing
		 * more urgent, and packs a small job beside a large one. */
		if (head_wait != INT64_MAX && c[i].expected_ms >= 0 &&
		    c[i].expected_ms <= head_wait)
			return (int)i;
		/* Or what leaves the head room beside it when the head could
		 * start: two 2.9G links in 6G cannot run together, but each
		 * can beside a 2.5G one, which then waits for neither. */
		if (head_wait != INT64_MAX &&
		    policy_wait_ms(m, r, n, c[*head].need + c[i].need) <=
			    head_wait)
			return (int)i;
		if (c[i].weight >= c[*head].weight * 0.95)
			return (int)i;
		/* The head waits on another build's jobs, which may end at any
		 * time: a job shorter than the head may use the room meanwhile
		 * (it delays the head by less than the head's own run). */
		if (head_wait == INT64_MAX && m->others_jobs > 0 &&
		    c[i].expected_ms >= 0 && c[*head].expected_ms >= 0 &&
		    c[i].expected_ms < c[*head].expected_ms)
			return (int)i;
	}
	return -1;
}

/* Whether a job needing `need` takes more than 1/k of what the floor
 * leaves, by a tenth: then k of them cannot run at once. The tenth: near
 * 1/k, whether k fit together is a matter of the estimates' own margin
 * (measured: chaining seven links of 2.5 to 3G in 6G forbade pairs that
 * fit, 5% slower). */
static bool over_share(const struct mem_model *m, int64_t need, int64_t k)
{
	int64_t usable = m->capacity - m->floor;
	return m->enabled && usable > 0 &&
	       need > usable / k + usable / (10 * k);
}

bool policy_exclusive(const struct mem_model *m, int64_t need)
{
	return over_share(m, need, 2);
}

int policy_lanes(const struct mem_model *m, int64_t need)
{
	if (over_share(m, need, 2))
		return 1;
	return over_share(m, need, 3) ? 2 : 0;
}

bool policy_hold_over(const struct mem_model *m)
{
	return m->free >= m->floor + m->floor / 2;
}

bool policy_token_allowed(const struct mem_model *m)
{
	return !m->enabled ||
	       (!m->hold && m->free - m->floor - m->others_reserved >=
				    m->default_estimate);
}
