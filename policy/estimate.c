/* Estimates: which source to trust, and how runs move an edge's estimate. */
#include "policy.h"

const char *policy_source_name(int source)
{
	switch (source) {
	case MEM_FROM_HISTORY: return "history";
	case MEM_FROM_DECLARED: return "declared";
	case MEM_FROM_INPUTS: return "input sizes";
	case MEM_FROM_RULE: return "rule history";
	default: return "default";
	}
}

int64_t policy_estimate(int64_t own, int64_t declared, int64_t rule,
			int64_t dflt, int *source)
{
	if (own >= 0) {
		*source = MEM_FROM_HISTORY;
		return own;
	}
	if (declared >= 0) {
		*source = MEM_FROM_DECLARED;
		return declared;
	}
	if (rule >= 0) {
		*source = MEM_FROM_RULE;
		return rule;
	}
	*source = MEM_FROM_DEFAULT;
	return dflt;
}

int64_t policy_with_siblings(int64_t est, int source, int64_t sibling_peak)
{
	if (source == MEM_FROM_HISTORY)
		return est; /* its own runs are better evidence */
	return sibling_peak > est ? sibling_peak : est;
}

void policy_sized_add(struct mem_sized *s, int64_t peak, int64_t in_bytes)
{
	if (peak <= 0 || in_bytes < POLICY_SIZED_MIN_BYTES)
		return;
	double r = (double)peak / (double)in_bytes;
	if (s->n == 0 || r < s->lo)
		s->lo = r;
	if (s->n == 0 || r > s->hi)
		s->hi = r;
	s->n++;
}

bool policy_sized_known(const struct mem_sized *s)
{
	return s->n >= 2 && s->hi <= s->lo * POLICY_SIZED_AGREE;
}

int64_t policy_sized_estimate(const struct mem_sized *s, int64_t in_bytes)
{
	if (!policy_sized_known(s) || in_bytes < POLICY_SIZED_MIN_BYTES)
		return -1;
	return policy_with_margin((int64_t)(s->hi * (double)in_bytes));
}

int64_t policy_sized_sibling(int64_t now, int64_t sib_bytes, int64_t in_bytes)
{
	if (now <= 0 || sib_bytes < POLICY_SIZED_MIN_BYTES ||
	    in_bytes < POLICY_SIZED_MIN_BYTES)
		return -1;
	return (int64_t)((double)now * (double)in_bytes / (double)sib_bytes);
}

int64_t policy_after_success(int64_t est, int64_t peak)
{
	int64_t decayed = est < 0 ? -1 : est - est / 5;
	return peak > decayed ? peak : decayed;
}

int64_t policy_after_kill(int64_t est, int64_t reached)
{
	int64_t raised = reached + (reached + 1) / 2;
	return est > raised ? est : raised;
}

/* est plus 1/div of it, rounded up; -1 stays -1. */
static int64_t plus_share(int64_t est, int64_t div)
{
	return est < 0 ? -1 : est + (est + div - 1) / div;
}

int64_t policy_with_margin(int64_t est) { return plus_share(est, 25); }

int64_t policy_with_history_margin(int64_t est, const int64_t *recent, int n)
{
	if (est < 0 || n < 2)
		return policy_with_margin(est);
	/* Agreement either way: a newest peak a little under the one before
	 * sets the estimate (a success lowers it by up to a fifth), and the
	 * older peak then stands above it. Judged against the estimate alone,
	 * that was disagreement, and 2 of 7 links of mem-equal-links kept the
	 * 4% in their third build. */
	int64_t top = est, low = est;
	for (int i = 0; i < 2; i++) {
		top = recent[i] > top ? recent[i] : top;
		low = recent[i] < low ? recent[i] : low;
	}
	if (low < top - top / 100)
		return policy_with_margin(est);
	return plus_share(top, 100);
}

int64_t policy_remaining_ms(int64_t expected_ms, int64_t elapsed_ms,
			    int64_t run_ms, int64_t now, int64_t estimate,
			    int64_t rise_ms)
{
	if (expected_ms < 0)
		return -1;
	int64_t left = expected_ms > elapsed_ms ? expected_ms - elapsed_ms : 0;
	/* Within an eighth of its estimate it has risen: the recorded rise
	 * ends within a tenth of the peak, and the estimate is the peak plus
	 * a margin the job never reaches. Judged as still rising there, a
	 * job holding its peak past 1.5 times its rise was put off by its
	 * whole hold, again at every sample, and nothing started beside its
	 * end (mem-mixed: a 3.6G link with 15.6 s recorded was counted to
	 * end 7 s later at every moment of its hold). */
	if (rise_ms <= 0 || run_ms <= 0 || now <= 0 ||
	    now >= estimate - estimate / 8 || now < estimate / 8)
		return left;
	/* How many times its history's time to reach `now` it took. */
	double pace = (double)run_ms * (double)estimate /
		      ((double)now * (double)rise_ms);
	if (pace < POLICY_SLOW_RISE)
		return left;
	int64_t rising = (int64_t)((double)(estimate - now) * (double)run_ms /
				   (double)now);
	int64_t after = expected_ms > rise_ms ? expected_ms - rise_ms : 0;
	return rising + after > left ? rising + after : left;
}

int64_t policy_rise_pace(int64_t est, int64_t rise_ms)
{
	/* Integer, as the history's estimates are: one file, one answer. */
	if (est > INT64_MAX / 1000)
		return est / rise_ms * 1000;
	return est * 1000 / rise_ms;
}

int64_t policy_rise_ms(int64_t own_rise, int64_t est, int64_t rule_pace)
{
	if (own_rise <= 0 || est <= 0 || rule_pace <= 0)
		return own_rise;
	int64_t at_pace = (int64_t)((double)est * 1000.0 / (double)rule_pace);
	return at_pace < own_rise ? at_pace : own_rise;
}

size_t policy_percentile_rank(size_t n)
{
	/* nearest rank: the smallest value >= 90% of them */
	return (n * 9 + 9) / 10;
}

bool policy_percentile_due(size_t changes, size_t n)
{
	size_t due = n / POLICY_PERCENTILE_SLACK;
	return changes >= (due ? due : 1);
}
