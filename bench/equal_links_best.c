/* What a scheduler that knew everything could do with mem-equal-links'
 * seven links, in a model: each link rises straight to its peak (2.5 to 3
 * GiB) in `rise` seconds and holds it until it ends; durations are those nj
 * measured on this machine. For every order of the seven (5040), each link
 * starts at its earliest moment (10 ms grid) after the core library at
 * 4.6 s where the links' memory stays within capacity and at most 4 run;
 * the best makespan is printed next to what a link pool of depth 2 gives in
 * the same model (manifest order, two at a time, no overlap). This is the
 * best list schedule, not a lower bound: it shows how far below the pool
 * any scheduler could get here (issue 11's 0.9x target for the second
 * build).
 *
 *     cc -O2 -o /tmp/elb bench/equal_links_best.c && /tmp/elb 5.7
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 7
#define DT 0.01
#define H 9000

static const double dur[N] = {9.6, 9.8, 9.8, 9.9, 10.1, 10.2, 10.4};
static const double t0 = 4.6;
static double rise = 5.0, cap;
static double prof[N][1200];
static int len[N];
static double use[H];
static int cnt[H];
static double best = 1e9;
static int ord[N], st[N], best_ord[N], best_st[N];

static int earliest(int j, int slots, int check_mem)
{
	for (int s = (int)(t0 / DT);; s++) {
		int ok = 1;
		for (int i = 0; i < len[j] && ok; i++)
			ok = cnt[s + i] < slots &&
			     (!check_mem || use[s + i] + prof[j][i] <= cap + 1e-9);
		if (ok)
			return s;
	}
}

static void place(int j, int s, int sign)
{
	for (int i = 0; i < len[j]; i++) {
		use[s + i] += sign * prof[j][i];
		cnt[s + i] += sign;
	}
}

static void search(int depth, int used, int end)
{
	if (end * DT >= best)
		return;
	if (depth == N) {
		best = end * DT;
		memcpy(best_ord, ord, sizeof(ord));
		memcpy(best_st, st, sizeof(st));
		return;
	}
	for (int j = 0; j < N; j++) {
		if (used & (1 << j))
			continue;
		int s = earliest(j, 4, 1);
		place(j, s, 1);
		ord[depth] = j;
		st[depth] = s;
		search(depth + 1, used | (1 << j), end > s + len[j] ? end : s + len[j]);
		place(j, s, -1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s capacity-GiB [rise-s]\n", argv[0]);
		return 2;
	}
	cap = atof(argv[1]);
	if (argc > 2)
		rise = atof(argv[2]);
	for (int j = 0; j < N; j++) {
		double peak = 2.5 + 0.5 * j / 6;
		len[j] = (int)(dur[j] / DT + 0.5);
		for (int i = 0; i < len[j]; i++) {
			double f = i * DT / rise;
			prof[j][i] = peak * (f < 1 ? f : 1);
		}
	}
	int pool_end = 0;
	for (int j = 0; j < N; j++) {
		int s = earliest(j, 2, 0);
		place(j, s, 1);
		if (s + len[j] > pool_end)
			pool_end = s + len[j];
	}
	memset(use, 0, sizeof(use));
	memset(cnt, 0, sizeof(cnt));
	search(0, 0, 0);
	printf("capacity %.2f GiB, rise %.1f s: link pool 2 %.2f s, best order "
	       "%.2f s (%.3fx):", cap, rise, pool_end * DT, best,
	       best / (pool_end * DT));
	for (int i = 0; i < N; i++)
		printf(" app%d@%.2f", best_ord[i], best_st[i] * DT);
	printf("\n");
	return 0;
}
