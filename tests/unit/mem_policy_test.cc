// The memory policy (policy/) with fake readings and no processes:
// estimates and their sources, admission (packing and backfilling), the
// hold and the token gate, sampling, the victim, what a kill means, retries.
#include <gtest/gtest.h>

extern "C" {
#include "policy/policy.h"
}

static const int64_t M = 1 << 20;
static const int64_t G = 1 << 30;

static mem_model model(int64_t free_bytes, int64_t floor_bytes)
{
	mem_model m = {};
	m.enabled = true;
	m.capacity = 8 * G;
	m.floor = floor_bytes;
	m.free = free_bytes;
	return m;
}

static mem_running job(int64_t est, int64_t now, int64_t elapsed,
		       int64_t remaining = -1)
{
	mem_running r = {};
	r.estimate = est;
	r.now = now;
	r.elapsed_ms = elapsed;
	r.remaining_ms = remaining;
	return r;
}

TEST(MemPolicy, DefaultFloor)
{
	EXPECT_EQ(8 * G / 20, policy_default_floor(8 * G));   // 5% of a big box
	EXPECT_EQ(256 * M, policy_default_floor(2 * G));      // at least 256M
	EXPECT_EQ(128 * M, policy_default_floor(1 * G));      // at most an eighth
}

TEST(MemPolicy, HeadroomCountsWhatRunningJobsMayStillTake)
{
	mem_model m = model(4 * G, 512 * M);
	mem_running r[] = {job(2 * G, 512 * M, 10), job(1 * G, 2 * G, 10)};
	// the first may still take 1.5G; the second is past its estimate
	EXPECT_EQ(1536 * M, policy_reserved(r, 2));
	EXPECT_EQ(4 * G - 512 * M - 1536 * M, policy_headroom(&m, r, 2));
	r[0].dying = true; // being killed: it reserves nothing more
	EXPECT_EQ(0, policy_reserved(r, 2));
}

TEST(MemPolicy, VictimIsTheYoungestNeverConsoleNeverAlone)
{
	mem_running r[] = {job(G, G, 5000), job(G, G, 300), job(G, G, 2000)};
	EXPECT_EQ(1, policy_pick_victim(r, 3));
	r[1].console = true;
	EXPECT_EQ(2, policy_pick_victim(r, 3));
	r[2].dying = true;
	EXPECT_EQ(0, policy_pick_victim(r, 3)) << "only the oldest is left to kill";
	EXPECT_EQ(-1, policy_pick_victim(r, 1)) << "a job alone is never killed";
}

TEST(MemPolicy, IdleStartsWhateverItNeeds)
{
	mem_model m = model(1 * G, 256 * M);
	mem_candidate c[] = {{64 * G, -1, false, 1, 0, false}};
	size_t head;
	EXPECT_EQ(0, policy_choose(&m, nullptr, 0, c, 1, &head));
}

TEST(MemPolicy, PacksInPriorityOrder)
{
	mem_model m = model(4 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 100)};
	mem_candidate c[] = {{2 * G, 1000, false, 2, 0, false}, {512 * M, 1000, false, 1, 0, false}};
	size_t head;
	EXPECT_EQ(0, policy_choose(&m, r, 1, c, 2, &head));
	EXPECT_EQ(2u, head) << "nothing is blocked";
}

TEST(MemPolicy, BackfillsOnlyWhatEndsBeforeTheBlockedJobCouldStart)
{
	// 3G free, floor 512M, a running 1G job expected to end in 10s.
	mem_model m = model(3 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 5000, 10000)};
	mem_candidate c[] = {
		{3 * G, 60000, false, 9, 0, false}, // the head: waits for the running job
		{1 * G, 20000, false, 5, 0, false}, // fits, but would outlast the wait
		{1 * G, -1, false, 5, 0, false},    // fits, duration unknown: not risked
		{1 * G, 4000, false, 5, 0, false},  // fits and ends before: backfilled
	};
	size_t head;
	EXPECT_EQ(3, policy_choose(&m, r, 1, c, 4, &head));
	EXPECT_EQ(0u, head);
	EXPECT_EQ(10000, policy_wait_ms(&m, r, 1, 3 * G));
}

TEST(MemPolicy, BackfillsWhatLeavesTheHeadRoomWhenItCouldStart)
{
	// 3G free, floor 512M, a 3G job ending in 10s: then 5.5G is free.
	mem_model m = model(3 * G, 512 * M);
	mem_running r[] = {job(3 * G, 3 * G, 5000, 10000)};
	mem_candidate c[] = {
		{4 * G, 60000, false, 9, 0, false},    // the head: waits for the job
		{2 * G, 20000, false, 5, 0, false},    // outlasts the wait, 4G+2G > 5.5G
		{1536 * M, 20000, false, 5, 0, false}, // outlasts it, 4G+1.5G fits
	};
	size_t head;
	EXPECT_EQ(2, policy_choose(&m, r, 1, c, 3, &head));
	EXPECT_EQ(0u, head);
	c[2].need = 1600 * M;
	EXPECT_EQ(-1, policy_choose(&m, r, 1, c, 3, &head))
		<< "4G + 1.6G would not fit when the head could start";
}

TEST(MemPolicy, ExclusiveIsMoreThanHalfOfWhatTheFloorLeavesByATenth)
{
	mem_model m = model(8 * G, 512 * M); // 7.5G usable: the line is 4.125G
	EXPECT_FALSE(policy_exclusive(&m, 4 * G));
	EXPECT_FALSE(policy_exclusive(&m, 4096 * M + 128 * M));
	EXPECT_TRUE(policy_exclusive(&m, 4096 * M + 129 * M));
	m.enabled = false;
	EXPECT_FALSE(policy_exclusive(&m, 7 * G));
}

TEST(MemPolicy, NoBackfillWhenTheWaitIsUnknown)
{
	mem_model m = model(3 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 5000, -1)};
	mem_candidate c[] = {{3 * G, 60000, false, 9, 0, false}, {1 * G, 10, false, 5, 0, false}};
	size_t head;
	EXPECT_EQ(-1, policy_choose(&m, r, 1, c, 2, &head))
		<< "the head would starve behind a stream of small jobs";
	EXPECT_EQ(0u, head);
}

TEST(MemPolicy, AsUrgentAJobMayGoFirstIfItFits)
{
	// Seven links of one weight: the next that fits beside the running
	// one starts, though an earlier one would not fit yet.
	mem_model m = model(2 * G, 512 * M); // room 1.5G
	mem_running r[] = {job(2 * G, 2 * G, 5000, 10000)};
	// (2.5G + 1.2G would not fit when the running one ends, either)
	mem_candidate c[] = {{2560 * M, 20000, false, 10, 0, false},
			     {1229 * M, 20000, false, 9.6, 0, false},
			     {1229 * M, 20000, false, 8, 0, false}};
	size_t head;
	EXPECT_EQ(1, policy_choose(&m, r, 1, c, 3, &head));
	EXPECT_EQ(0u, head);
	c[1].weight = 9; // more than 5% less urgent: the head is not jumped
	EXPECT_EQ(-1, policy_choose(&m, r, 1, c, 3, &head));
}

TEST(MemPolicy, LargeJobsAsUrgentStartLargestFirst)
{
	// Seven links of 2.5 to 3G in 6G, in priority order smallest first
	// (their durations differ by less than POLICY_PACK_TIE). Taken in
	// order, the two smallest would pair and leave the large ones alone.
	mem_model m = model(6 * G, 307 * M);
	m.capacity = 6 * G;
	mem_candidate c[7];
	for (int i = 0; i < 7; i++)
		c[i] = {2560 * M + i * 85 * M, 10000, false, 10.0 - 0.2 * i, 0, false};
	size_t head;
	EXPECT_EQ(6, policy_choose(&m, nullptr, 0, c, 7, &head))
		<< "idle: the largest of the equally urgent";
	c[6].weight = 7; // much less urgent: priority order stands
	EXPECT_EQ(5, policy_choose(&m, nullptr, 0, c, 7, &head));
	c[6].weight = 8.8;

	// Beside the 3G one, only the 2.5G one fits (2.5G + 3G < 5.7G).
	mem_model busy = model(5990 * M, 307 * M); // room 2611M beside it
	busy.capacity = 6 * G;
	mem_running r[] = {job(3 * G, 0, 100, 9900)};
	EXPECT_EQ(0, policy_choose(&busy, r, 1, c, 6, &head));

	// Small jobs keep strict priority order: which goes first does not
	// decide how they pack.
	for (int i = 0; i < 7; i++)
		c[i].need = 300 * M + i * M;
	EXPECT_EQ(0, policy_choose(&m, nullptr, 0, c, 7, &head));
	EXPECT_TRUE(policy_packs(&m, 730 * M)) << "an eighth of 6G less the floor";
	EXPECT_FALSE(policy_packs(&m, 729 * M));
}

TEST(MemPolicy, HistoryMarginNarrowsWhenTheNewestPeaksAgree)
{
	const int64_t agree[] = {1000 * M, 995 * M};
	const int64_t differ[] = {1000 * M, 980 * M};
	const int64_t newer_agree[] = {995 * M, 1000 * M, 500 * M};
	EXPECT_EQ(1010 * M, policy_with_history_margin(1000 * M, agree, 2));
	EXPECT_EQ(policy_with_margin(1000 * M),
		  policy_with_history_margin(1000 * M, differ, 2))
		<< "2% apart: the full margin";
	EXPECT_EQ(policy_with_margin(1000 * M),
		  policy_with_history_margin(1000 * M, agree, 1))
		<< "one run is not agreement";
	EXPECT_EQ(1010 * M, policy_with_history_margin(1000 * M, newer_agree, 3))
		<< "an older killed run's reach ages out";
	EXPECT_EQ(policy_with_margin(1200 * M),
		  policy_with_history_margin(1200 * M, agree, 2))
		<< "the estimate above both (decayed from a higher peak)";
	EXPECT_EQ(-1, policy_with_history_margin(-1, agree, 2));
}

TEST(MemPolicy, HistoryMarginNarrowsWhenTheNewestPeakIsALittleLower)
{
	/* mem-equal-links' app5: 3134758912 then 3134320640. The second
	 * success set the estimate to its own peak, under the first. */
	const int64_t lower_newest[] = {3134320640, 3134758912};
	int64_t est = policy_after_success(3134758912, 3134320640);
	ASSERT_EQ(3134320640, est);
	EXPECT_EQ(3134758912 + (3134758912 + 99) / 100,
		  policy_with_history_margin(est, lower_newest, 2))
		<< "1% over the higher of the two";
	const int64_t lower_by_2pct[] = {980 * M, 1000 * M};
	EXPECT_EQ(policy_with_margin(980 * M),
		  policy_with_history_margin(980 * M, lower_by_2pct, 2));
}

TEST(MemPolicy, ARunningJobRisingSlowerThanItsHistoryEndsLater)
{
	// A link whose history rose to 2.6G in 5 s and ran 11 s: 8 s in, it
	// holds 1.3G. Half its rise took 8 s, so the rest takes 8 s more,
	// and then the 6 s it held after rising: 14 s left, not 3.
	EXPECT_EQ(14000, policy_remaining_ms(11000, 8000, 8000, 1300 * M,
					     2600 * M, 5000));
	EXPECT_EQ(3000, policy_remaining_ms(11000, 8000, 8000, 2600 * M,
					    2600 * M, 5000))
		<< "risen: its history's end";
	// mem-mixed: a 3.6G link (estimate 3.75G, its 4% margin) holding its
	// peak 14 s into a run of 15.6 s with a 9.1 s rise is late by its
	// time, not still rising; once over its time it is overdue (0).
	EXPECT_EQ(1600, policy_remaining_ms(15600, 14000, 14000, 3600 * M,
					    3744 * M, 9100))
		<< "holding its peak: its history's end";
	EXPECT_EQ(0, policy_remaining_ms(15600, 16800, 16800, 3600 * M,
					 3744 * M, 9100));
	EXPECT_EQ(7000, policy_remaining_ms(11000, 4000, 4000, 2200 * M,
					    2600 * M, 5000))
		<< "ahead of its history's rise: its history's end";
	EXPECT_EQ(6000, policy_remaining_ms(11000, 5000, 5000, 2000 * M,
					    2600 * M, 5000))
		<< "1.3 times slower: noise, its history's end";
	EXPECT_EQ(10500, policy_remaining_ms(11000, 500, 500, 100 * M,
					     2600 * M, 5000))
		<< "under an eighth of its estimate: start-up, not pace";
	EXPECT_EQ(14000, policy_remaining_ms(11000, 10000, 8000, 1300 * M,
					     2600 * M, 5000))
		<< "paused 2 s: the pace is of its run";
	EXPECT_EQ(3000, policy_remaining_ms(11000, 8000, 8000, 1300 * M,
					    2600 * M, -1))
		<< "no rise known";
	EXPECT_EQ(3000, policy_remaining_ms(11000, 8000, 8000, 0, 5, 5000))
		<< "nothing held yet";
	EXPECT_EQ(-1, policy_remaining_ms(-1, 8000, 8000, 1300 * M, 2600 * M,
					  5000));
}

TEST(MemPolicy, ARiseSlowerThanItsRulesPaceIsCountedAtThatPace)
{
	// A 2.7G link recorded an 11.5 s rise while four links rose at once;
	// its rule's links rise 500M a second: it is counted on to rise in
	// 5.4 s, not 11.5.
	EXPECT_EQ(5400, policy_rise_ms(11500, 2700 * M, 500 * M));
	EXPECT_EQ(4000, policy_rise_ms(4000, 2700 * M, 500 * M))
		<< "quicker than the rule: its own";
	EXPECT_EQ(11500, policy_rise_ms(11500, 2700 * M, -1))
		<< "no pace known: its own";
	EXPECT_EQ(-1, policy_rise_ms(-1, 2700 * M, 500 * M))
		<< "no rise of its own: none (it holds its estimate at once)";
	EXPECT_EQ(0, policy_rise_ms(0, 2700 * M, 500 * M));
	EXPECT_EQ(500 * M, policy_rise_pace(2500 * M, 5000));
}

TEST(MemPolicy, ALastRetryWaitsForEverythingAndBlocksTheRest)
{
	mem_model m = model(8 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 100)};
	mem_candidate c[] = {{2 * G, 100, true, 1, 0, false}, {64 * M, 10, false, 1, 0, false}};
	size_t head;
	EXPECT_EQ(-1, policy_choose(&m, r, 1, c, 2, &head));
	EXPECT_EQ(0u, head);
	EXPECT_EQ(0, policy_choose(&m, nullptr, 0, c, 2, &head)) << "alone: now";
}

TEST(MemPolicy, EstimateAfterAKillExceedsWhatWasReached)
{
	// one rule for the retry in this build and for the next build
	EXPECT_EQ(1500 * M, policy_after_kill(256 * M, 1000 * M));
	EXPECT_EQ(1500 * M, policy_after_kill(-1, 1000 * M));
	EXPECT_EQ(4 * G, policy_after_kill(4 * G, 1000 * M))
		<< "never lowered by a kill";
}

TEST(MemPolicy, SuccessDecaysByAFifthAtMost)
{
	EXPECT_EQ(1000, policy_after_success(-1, 1000));
	EXPECT_EQ(800, policy_after_success(1000, 500));
	EXPECT_EQ(2000, policy_after_success(1000, 2000));
	EXPECT_EQ(1040, policy_with_margin(1000));
	EXPECT_EQ(-1, policy_with_margin(-1));
}

TEST(MemPolicy, EstimateSourcesBestFirst)
{
	int src = -1;
	EXPECT_EQ(10, policy_estimate(10, 20, 30, 40, &src));
	EXPECT_EQ(MEM_FROM_HISTORY, src);
	EXPECT_EQ(20, policy_estimate(-1, 20, 30, 40, &src));
	EXPECT_EQ(MEM_FROM_DECLARED, src);
	EXPECT_EQ(0, policy_estimate(-1, 0, 30, 40, &src))
		<< "mem = 0 is a declaration (a remote job), not 'unknown'";
	EXPECT_EQ(30, policy_estimate(-1, -1, 30, 40, &src));
	EXPECT_EQ(MEM_FROM_RULE, src);
	EXPECT_EQ(40, policy_estimate(-1, -1, -1, 40, &src));
	EXPECT_EQ(MEM_FROM_DEFAULT, src);
	EXPECT_STREQ("rule history", policy_source_name(MEM_FROM_RULE));
}

TEST(MemPolicy, PercentileRankAndWhenToRecompute)
{
	EXPECT_EQ(1u, policy_percentile_rank(1));
	EXPECT_EQ(9u, policy_percentile_rank(10));
	EXPECT_EQ(10u, policy_percentile_rank(11));
	EXPECT_TRUE(policy_percentile_due(1, 10)) << "small: every change";
	EXPECT_FALSE(policy_percentile_due(0, 10));
	EXPECT_FALSE(policy_percentile_due(31, 32 * 32));
	EXPECT_TRUE(policy_percentile_due(32, 32 * 32));
}

TEST(MemPolicy, HoldEndsAtOneAndAHalfFloorsAndGatesTokens)
{
	mem_model m = model(700 * M, 512 * M);
	m.default_estimate = 256 * M;
	EXPECT_FALSE(policy_hold_over(&m));
	m.free = 768 * M;
	EXPECT_TRUE(policy_hold_over(&m));
	EXPECT_TRUE(policy_token_allowed(&m));
	m.hold = true;
	EXPECT_FALSE(policy_token_allowed(&m)) << "no token while holding";
	m.hold = false;
	m.free = 700 * M;
	EXPECT_FALSE(policy_token_allowed(&m)) << "a default job would not fit";
	m.enabled = false;
	EXPECT_TRUE(policy_token_allowed(&m));
}

TEST(MemPolicy, SamplesFasterNearTheFloorOrUnderPressure)
{
	mem_model m = model(4 * G, 512 * M);
	m.psi = 0;
	EXPECT_EQ(-1, policy_sample_ms(&m, 0)) << "nothing running";
	EXPECT_EQ(POLICY_SAMPLE_MS, policy_sample_ms(&m, 2));
	m.free = 1000 * M;
	EXPECT_EQ(POLICY_SAMPLE_NEAR_FLOOR_MS, policy_sample_ms(&m, 2));
	m.free = 4 * G;
	m.psi = POLICY_PSI_ALERT;
	EXPECT_EQ(POLICY_SAMPLE_NEAR_FLOOR_MS, policy_sample_ms(&m, 2));
	EXPECT_FALSE(policy_over_floor(&m));
	m.free = 511 * M;
	EXPECT_TRUE(policy_over_floor(&m));
	// 2G free, far from the floor, but falling at 8G/s: by the next
	// ordinary sample it would be under two floors.
	m.psi = 0;
	m.free = 2 * G;
	m.free_drop = 8 * G;
	EXPECT_EQ(POLICY_SAMPLE_NEAR_FLOOR_MS, policy_sample_ms(&m, 2));
	m.free_drop = 2 * G; // would still be 1.5G: no hurry
	EXPECT_EQ(POLICY_SAMPLE_MS, policy_sample_ms(&m, 2));
}

TEST(MemPolicy, FreeFallsAsFastAsItsSteepestRecentSpan)
{
	// Seen in two builds sharing 1.5G: links grow in bursts. Free fell
	// 550M in the 260 ms before one reading and 7M in the 40 ms after
	// it; judged by the last 40 ms the next sample was 250 ms away, and
	// free reached zero in between.
	mem_model m = model(1536 * M, 192 * M);
	m.psi = 0;
	const int64_t ms = 1000000;
	policy_note_free(&m, 1000 * ms, 1284 * M);
	EXPECT_EQ(0, m.free_drop) << "one reading says nothing of a fall";
	policy_note_free(&m, 1260 * ms, 731 * M);
	policy_note_free(&m, 1300 * ms, 724 * M);
	EXPECT_EQ(724 * M, m.free);
	EXPECT_GE(m.free_drop, 1500 * M) << "the 300 ms span fell 560M";
	EXPECT_EQ(POLICY_SAMPLE_NEAR_FLOOR_MS, policy_sample_ms(&m, 6));
	// A fall older than the window no longer counts...
	policy_note_free(&m, 1900 * ms, 720 * M);
	policy_note_free(&m, 2000 * ms, 719 * M);
	EXPECT_LT(m.free_drop, 50 * M);
	EXPECT_EQ(POLICY_SAMPLE_MS, policy_sample_ms(&m, 6));
	// ...and free rising is no fall.
	policy_note_free(&m, 2100 * ms, 1400 * M);
	EXPECT_EQ(0, m.free_drop);
	// Readings at 40 ms for longer than the window: the oldest go, and
	// the fall is still over the window's span.
	for (int i = 1; i <= 40; i++)
		policy_note_free(&m, (2100 + 40 * i) * ms, 1400 * M - i * 10 * M);
	EXPECT_GE(m.free_drop, 240 * M);
	EXPECT_LE(m.free_drop, 260 * M);
	EXPECT_LE(m.nrecent, POLICY_DROP_READINGS);
}

TEST(MemPolicy, PausesAsManyAsTheFallNeedsAtOneSample)
{
	// Four jobs each rising at 1G/s, free 150M over a floor of 192M:
	// 40 ms more of all four is 160M. One pause a sample is too few.
	mem_model m = model(150 * M, 192 * M);
	m.free_drop = 4 * G;
	mem_running r[4];
	for (int i = 0; i < 4; i++) {
		r[i] = job(256 * M, 500 * M, 1300 - 100 * i);
		r[i].growing = true;
		r[i].rate = G;
	}
	mem_action a = policy_pressure(&m, r, 4);
	ASSERT_EQ(MEM_ACT_PAUSE, a.act);
	EXPECT_EQ(3, a.job) << "the youngest first";
	r[3].paused = true;
	// Three left: 120M by the next sample, free would be 30M: another.
	EXPECT_EQ(2, policy_pause_more(&m, r, 4));
	r[2].paused = true;
	// Two: 80M, free 70M, under half the floor (96M): another.
	EXPECT_EQ(1, policy_pause_more(&m, r, 4));
	r[1].paused = true;
	// One: 40M, free 110M: enough; and it is the last one running.
	EXPECT_EQ(-1, policy_pause_more(&m, r, 4));
	// Far enough from the floor, one pause is all it takes.
	m.free = 400 * M;
	r[1].paused = r[2].paused = false;
	EXPECT_EQ(-1, policy_pause_more(&m, r, 4));
	// Another build's jobs fall too (free_drop beyond our jobs' 4G/s):
	// that counts against what is left.
	m.free = 250 * M;
	EXPECT_EQ(-1, policy_pause_more(&m, r, 4)) << "3G/s: 130M left";
	m.free_drop = 8 * G;
	EXPECT_EQ(2, policy_pause_more(&m, r, 4)) << "and 4G/s theirs: none left";
}

TEST(MemPolicy, OneKillAtATime)
{
	mem_running r[] = {job(G, G, 5000), job(G, G, 300)};
	EXPECT_TRUE(policy_may_kill(r, 2));
	r[1].dying = true;
	EXPECT_FALSE(policy_may_kill(r, 2));
}

TEST(MemPolicy, WhoEndedAJob)
{
	// nj's own kill, whatever the status says
	EXPECT_EQ(MEM_END_NJ, policy_classify_end(true, true, 9, -1, 0, 0));
	// a plain failure
	EXPECT_EQ(MEM_END_NORMAL, policy_classify_end(true, false, 0, 1, 1, 0));
	// SIGKILL with the cgroup's OOM count risen: the kernel
	EXPECT_EQ(MEM_END_KERNEL, policy_classify_end(true, false, 9, -1, 3, 2));
	// SIGKILL, count unchanged: someone's kill -9, the command's problem
	EXPECT_EQ(MEM_END_NORMAL, policy_classify_end(true, false, 9, -1, 2, 2));
	// no count to go by: a SIGKILL is taken as the kernel's...
	EXPECT_EQ(MEM_END_KERNEL, policy_classify_end(true, false, 9, -1, -1, -1));
	// ...but a shell's exit 137 only with the count
	EXPECT_EQ(MEM_END_NORMAL, policy_classify_end(true, false, 0, 137, -1, -1));
	EXPECT_EQ(MEM_END_KERNEL, policy_classify_end(true, false, 0, 137, 5, 4));
	// memory scheduling off: never memory's
	EXPECT_EQ(MEM_END_NORMAL, policy_classify_end(false, false, 9, -1, 3, 2));
	// only these ends make the OOM count worth reading
	EXPECT_TRUE(policy_sigkilled(9, -1));
	EXPECT_TRUE(policy_sigkilled(0, 137));
	EXPECT_FALSE(policy_sigkilled(0, 1));
	EXPECT_FALSE(policy_sigkilled(15, -1));
}

TEST(MemPolicy, RetriesThenAloneThenFail)
{
	EXPECT_EQ(MEM_RETRY, policy_after_memory_kill(0, false, MEM_END_NJ, 2));
	EXPECT_EQ(MEM_RETRY, policy_after_memory_kill(1, false, MEM_END_NJ, 2));
	EXPECT_EQ(MEM_RETRY_ALONE,
		  policy_after_memory_kill(POLICY_MAX_RETRIES - 1, false,
					   MEM_END_NJ, 2));
	EXPECT_EQ(MEM_FAIL, policy_after_memory_kill(POLICY_MAX_RETRIES, false,
						     MEM_END_NJ, 2));
	EXPECT_EQ(MEM_FAIL, policy_after_memory_kill(1, true, MEM_END_NJ, 0))
		<< "alone and still too big";
	EXPECT_EQ(MEM_RETRY_ALONE,
		  policy_after_memory_kill(POLICY_MAX_RETRIES, true, MEM_END_NJ,
					   1))
		<< "another build's job ran beside it: it was not alone";
	EXPECT_EQ(MEM_FAIL, policy_after_memory_kill(0, false, MEM_END_KERNEL, 0))
		<< "the kernel killed it with nothing beside it";
	EXPECT_EQ(MEM_RETRY, policy_after_memory_kill(0, false, MEM_END_KERNEL, 1));
}

// ---- pause before kill ----

static mem_running grower(int64_t est, int64_t now, int64_t elapsed)
{
	mem_running r = job(est, now, elapsed);
	r.growing = true;
	r.run_ms = elapsed;
	return r;
}

TEST(MemPolicy, NearTheFloorTheYoungestGrowingJobIsPausedNotKilled)
{
	// floor 512M: "near" is under 768M free
	mem_model m = model(700 * M, 512 * M);
	mem_running r[] = {grower(G, 900 * M, 9000), grower(G, 600 * M, 2000),
			   job(G, 100 * M, 500)}; // youngest, but not growing
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_PAUSE, a.act);
	EXPECT_EQ(1, a.job);
	// below the floor it is still a pause while one is possible
	m.free = 400 * M;
	EXPECT_EQ(MEM_ACT_PAUSE, policy_pressure(&m, r, 3).act);
	// plenty free: nothing to do
	m.free = 4 * G;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act);
}

TEST(MemPolicy, NeverPausesTheLastRunningJobOrAConsoleJob)
{
	mem_model m = model(600 * M, 512 * M);
	mem_running r[] = {grower(G, 2 * G, 9000)};
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 1).act);
	mem_running two[] = {grower(G, G, 9000), grower(G, G, 100)};
	two[1].console = true;
	mem_action a = policy_pressure(&m, two, 2);
	EXPECT_EQ(MEM_ACT_PAUSE, a.act);
	EXPECT_EQ(0, a.job) << "the console job is never paused";
}

TEST(MemPolicy, BelowTheFloorWithNothingToPauseThePausedJobThatRanLeastIsKilled)
{
	mem_model m = model(300 * M, 512 * M);
	mem_running r[] = {job(G, 2 * G, 20000), job(G, G, 9000),
			   job(G, G, 8000)};
	r[0].run_ms = 20000;
	r[1].paused = true;
	r[1].run_ms = 3000; // started before [2] but ran less
	r[2].paused = true;
	r[2].run_ms = 8000;
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(1, a.job);
	// with nothing paused, the running job that ran the least
	r[1].paused = r[2].paused = false;
	a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(2, a.job);
	// and nothing at all while a killed job is still dying
	r[0].dying = true;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act);
}

TEST(MemPolicy, APausedJobResumesWhenItsNeedFits)
{
	mem_model m = model(2 * G, 512 * M);
	mem_running r[] = {job(G, 500 * M, 9000), job(G, 800 * M, 4000)};
	r[1].paused = true;
	r[1].run_ms = 4000;
	// room: 2G - 512M - 524M (what job 0 may still take); job 1
	// needs max(1G - 800M, 400M) = 400M
	EXPECT_EQ(400 * M, policy_resume_need(&r[1]));
	mem_action a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_RESUME, a.act);
	EXPECT_EQ(1, a.job);
	m.free = 1300 * M; // room 264M: not yet
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	// the paused job's need is held back from admission meanwhile
	EXPECT_EQ((G - 500 * M) + 400 * M, policy_reserved(r, 2));
	// when nothing else runs, it goes on whatever the room
	r[0].dying = false;
	mem_running alone[] = {r[1]};
	m.free = 600 * M;
	EXPECT_EQ(MEM_ACT_RESUME, policy_pressure(&m, alone, 1).act);
}

TEST(MemPolicy, APauseIsBoundedThenResumedOrKilled)
{
	mem_model m = model(1300 * M, 512 * M);
	mem_running r[] = {job(G, 500 * M, 30000), job(G, 800 * M, 20000)};
	r[1].paused = true;
	r[1].paused_ms = POLICY_PAUSE_MAX_MS - 1;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	r[1].paused_ms = POLICY_PAUSE_MAX_MS;
	mem_action a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_KILL, a.act) << "does not fit: killed, retried later";
	EXPECT_EQ(1, a.job);
	m.free = 3 * G;
	EXPECT_EQ(MEM_ACT_RESUME, policy_pressure(&m, r, 2).act);
}

TEST(MemPolicy, RunningSiblingsRaiseAnEstimateWithoutHistory)
{
	EXPECT_EQ(2 * G, policy_with_siblings(256 * M, MEM_FROM_DEFAULT, 2 * G));
	EXPECT_EQ(2 * G, policy_with_siblings(300 * M, MEM_FROM_RULE, 2 * G));
	EXPECT_EQ(2 * G, policy_with_siblings(G, MEM_FROM_DECLARED, 2 * G));
	EXPECT_EQ(G, policy_with_siblings(G, MEM_FROM_HISTORY, 2 * G))
		<< "its own history is better evidence";
	EXPECT_EQ(256 * M, policy_with_siblings(256 * M, MEM_FROM_DEFAULT, -1))
		<< "no sibling running";
}

TEST(MemPolicy, InputSizesSpeakOnceTwoRunsAgree)
{
	struct mem_sized s = {};
	EXPECT_EQ(-1, policy_sized_estimate(&s, 8 * M)) << "no run yet";
	policy_sized_add(&s, 800 * M, 2 * M); // 400 bytes per input byte
	EXPECT_FALSE(policy_sized_known(&s));
	EXPECT_EQ(-1, policy_sized_estimate(&s, 8 * M)) << "one run says little";
	policy_sized_add(&s, 3400 * M, 8 * M); // 425: within a quarter
	ASSERT_TRUE(policy_sized_known(&s));
	// the highest ratio, with the margin: 425 * 9M = 3825M, plus 4%
	EXPECT_EQ(policy_with_margin(3825 * M), policy_sized_estimate(&s, 9 * M));
	EXPECT_LT(policy_sized_estimate(&s, 3 * M), 1400 * M)
		<< "a small link is not sized like the large one";
	EXPECT_EQ(-1, policy_sized_estimate(&s, 4096))
		<< "a few bytes of input say nothing";
}

TEST(MemPolicy, InputSizesThatDisagreeSayNothing)
{
	struct mem_sized s = {};
	policy_sized_add(&s, 300 * M, 2 * M);  // 150 per byte
	policy_sized_add(&s, 300 * M, 20 * M); // 15: memory not by size
	EXPECT_FALSE(policy_sized_known(&s));
	EXPECT_EQ(-1, policy_sized_estimate(&s, 2 * M));
	policy_sized_add(&s, G, 1000); // under the minimum: not counted
	EXPECT_EQ(2, s.n);
}

TEST(MemPolicy, ASiblingIsScaledByTheInputs)
{
	EXPECT_EQ(2 * G, policy_sized_sibling(G, 4 * M, 8 * M));
	EXPECT_EQ(G / 2, policy_sized_sibling(G, 4 * M, 2 * M));
	EXPECT_EQ(-1, policy_sized_sibling(G, 100, 8 * M)) << "a stamp";
	EXPECT_EQ(-1, policy_sized_sibling(0, 4 * M, 8 * M)) << "not started";
}

// ---- packing by time (history knows when jobs rise and end) ----

TEST(MemPolicy, RampRisesStraightThenHolds)
{
	EXPECT_EQ(G, policy_ramp(G, 0, 0)) << "no rise known: all at once";
	EXPECT_EQ(G, policy_ramp(G, -1, 5));
	EXPECT_EQ(0, policy_ramp(G, 4000, 0));
	EXPECT_NEAR((double)G / 4, (double)policy_ramp(G, 4000, 1000), 2.0);
	EXPECT_EQ(G, policy_ramp(G, 4000, 4000));
	EXPECT_EQ(G, policy_ramp(G, 4000, 99999));
}

TEST(MemPolicy, AJobThatRisesSlowlyStartsBeforeAnotherEndsToMakeRoom)
{
	// 1.5G free, floor 300M: room 1.2G. A running job holds its 2G and
	// is expected to end in 100 ms (of 1 s; with slack, by 700 ms). A 3G
	// link that takes 10 s to rise holds 210M at 700 ms, and 3G - 2G
	// after: it fits over time, not as a reservation.
	mem_model m = model(1536 * M, 300 * M);
	mem_running r[] = {job(2 * G, 2 * G, 900, 100)};
	mem_candidate c = {3 * G, 20000, false, 1, 10000, false};
	EXPECT_LT(policy_headroom(&m, r, 1), c.need);
	EXPECT_TRUE(policy_fits(&m, r, 1, &c));
	size_t head;
	mem_candidate cs[] = {c};
	EXPECT_EQ(0, policy_choose(&m, r, 1, cs, 1, &head));
	// Each missing fact makes it a reservation again, and it waits:
	c.rise_ms = 0; // it may take all 3G at once
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
	c.rise_ms = 10000;
	r[0].remaining_ms = -1; // when the running job ends is unknown
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
	r[0].remaining_ms = 0; // overdue: no longer counted on to end
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
	r[0].remaining_ms = 100;
	c.slack = true; // far off the critical path: not worth the risk
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
	c.slack = false;
	c.rise_ms = 1000; // rises too fast: 700M at 700 ms is fine, but...
	m.free = 1200 * M; // ...room 900M, and 3G - 2G = 1G once it ended
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
}

TEST(MemPolicy, SlackIsLessThanHalfTheMostUrgentWeight)
{
	// mem-mixed: a 4.5 s small link beside a chain of 3.6G links with 30 s
	// to go has slack; a link of the chain itself does not.
	EXPECT_TRUE(policy_has_slack(4500, 30000));
	EXPECT_FALSE(policy_has_slack(15000, 30000));
	EXPECT_FALSE(policy_has_slack(30000, 30000));
}

TEST(MemPolicy, AJobStillRisingIsCountedAtWhereItWillBe)
{
	// The running job is 1 s into a 4 s rise to 2G (holds 512M now) and
	// ends in 10 s. A 1G candidate that rises at once does not fit in
	// 1.7G of room beside the 1.5G it will still take, whatever the time.
	mem_model m = model(2 * G, 300 * M);
	mem_running r[] = {job(2 * G, 512 * M, 1000, 10000)};
	r[0].run_ms = 1000;
	r[0].rise_ms = 4000;
	mem_candidate c = {G, 2000, false, 1, 0, false};
	EXPECT_FALSE(policy_fits(&m, r, 1, &c));
	c.need = 512 * M;
	EXPECT_TRUE(policy_fits(&m, r, 1, &c));
}

TEST(MemPolicy, NearTheFloorAsPlannedIsNotPressure)
{
	// Two links hold what history said they would (within estimates, the
	// rest fits): free under 1.5 floors is what admission planned.
	mem_model m = model(400 * M, 300 * M);
	mem_running r[] = {grower(2800 * M, 2750 * M, 9000),
			   grower(2800 * M, 2760 * M, 3000)};
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	// one outgrows its estimate: the youngest growing one is paused
	r[1].now = 2900 * M;
	mem_action a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_PAUSE, a.act);
	EXPECT_EQ(1, a.job);
	// A rest 20M over is the free reading's drift (memory that is no
	// job's), under an eighth of the floor: still as planned.
	r[1].now = 2760 * M;
	m.free = 370 * M;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	// 70M over: the rest of the estimates no longer fits above the floor
	r[1].now = 2700 * M;
	m.free = 380 * M;
	EXPECT_EQ(MEM_ACT_PAUSE, policy_pressure(&m, r, 2).act);
}

// ---- the shared budget: other builds under the same limit ----

TEST(MemPolicy, OtherBuildsReservationsCountLikeOurOwn)
{
	mem_model m = model(4 * G, 512 * M);
	mem_running r[] = {job(2 * G, 512 * M, 10)};
	EXPECT_EQ(4 * G - 512 * M - 1536 * M, policy_headroom(&m, r, 1));
	m.others_reserved = G;
	EXPECT_EQ(4 * G - 512 * M - 1536 * M - G, policy_headroom(&m, r, 1));
	mem_candidate c = {1536 * M, 1000, false, 1, 0, false};
	EXPECT_FALSE(policy_fits(&m, r, 1, &c)) << "fits only without the other build";
	m.others_reserved = 0;
	EXPECT_TRUE(policy_fits(&m, r, 1, &c));
}

TEST(MemPolicy, AnIdleBuildWaitsItsTurnWhileAnotherBuildsJobsRun)
{
	mem_model m = model(2 * G, 512 * M);
	mem_candidate c[] = {{3 * G, 20000, false, 9, 0, false}, {256 * M, 5000, false, 1, 0, false}};
	size_t head;
	EXPECT_EQ(0, policy_choose(&m, nullptr, 0, c, 2, &head))
		<< "alone in its domain, it always moves";
	m.others_jobs = 2;
	// The head waits for the other build; a shorter job uses the room
	// meanwhile, but nothing longer than the head would.
	EXPECT_EQ(1, policy_choose(&m, nullptr, 0, c, 2, &head));
	EXPECT_EQ(0u, head);
	c[1].expected_ms = 30000;
	EXPECT_EQ(-1, policy_choose(&m, nullptr, 0, c, 2, &head));
	EXPECT_EQ(POLICY_SAMPLE_MS, (m.waiting = true, policy_sample_ms(&m, 0)))
		<< "it samples while it waits for the other build";
}

TEST(MemPolicy, TheBuildWhoseVictimGoesFirstKills)
{
	mem_model m = model(300 * M, 512 * M); // under the floor
	mem_running r[] = {job(G, G, 9000), job(G, G, 8000)};
	r[0].run_ms = 9000;
	r[1].run_ms = 8000;
	EXPECT_EQ(MEM_ACT_KILL, policy_pressure(&m, r, 2).act);
	// another build has a paused job: it kills that one, not us
	m.others_victim_ms = 20000;
	m.others_victim_paused = true;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	// its running job that ran longer than ours does not go first
	m.others_victim_paused = false;
	mem_action a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(1, a.job);
	// nor while its last victim is still dying...
	m.others_victim_ms = 0;
	m.others_dying = true;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
	// ...unless free is half way through the floor
	m.free = 200 * M;
	EXPECT_EQ(MEM_ACT_KILL, policy_pressure(&m, r, 2).act);
	// A job alone here is a victim when another build's jobs run.
	mem_running one[] = {job(G, G, 9000)};
	m.others_dying = false;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, one, 1).act);
	m.others_jobs = 1;
	EXPECT_EQ(MEM_ACT_KILL, policy_pressure(&m, one, 1).act);
}

TEST(MemPolicy, AJobANestedNjManagesIsNeverPausedKilledOrReserved)
{
	mem_model m = model(700 * M, 512 * M);
	mem_running r[] = {grower(G, 900 * M, 9000), grower(4 * G, 600 * M, 2000)};
	r[1].managed = true; // the nested nj publishes its own reservations
	EXPECT_EQ(124 * M, policy_reserved(r, 2));
	r[0].now = 1100 * M; // outgrows its estimate
	mem_action a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_PAUSE, a.act);
	EXPECT_EQ(0, a.job) << "the sub-build pauses its own jobs";
	m.free = 300 * M;
	r[0].paused = true;
	a = policy_pressure(&m, r, 2);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(0, a.job);
	EXPECT_EQ(-1, policy_next_victim(&r[1], 1));
	EXPECT_EQ(-1, policy_pause_candidate(&r[1], 1));
}

TEST(MemPolicy, TwoPausedJobsThatBlockEachOtherLoseTheOneThatRanLeast)
{
	// One link runs; two are paused at 1.3G each, too much for either to
	// go on (each needs 1.4G more). Killing the one that ran least lets
	// the other resume, once the two of them have waited as long as it
	// ran: half its run (on equal links' first build, waiting its whole
	// run kept one link of two running for 5 s more).
	mem_model m = model(800 * M, 300 * M);
	mem_running r[] = {job(2700 * M, 2600 * M, 9000),
			   job(2700 * M, 1300 * M, 6000), job(2700 * M, 1300 * M, 5000)};
	r[0].run_ms = 9000;
	r[1].paused = true;
	r[1].run_ms = 3000;
	r[1].paused_ms = 3000;
	r[2].paused = true;
	r[2].run_ms = 2000;
	r[2].paused_ms = 999;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act) << "not yet";
	r[2].paused_ms = 1000;
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(2, a.job);
	// Not when killing it would not make room for the other either.
	r[1].estimate = 8 * G;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act);
	// Nor with one paused job: it waits for the running one (a pause that
	// saves a kill).
	mem_running one[] = {r[0], r[2]};
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, one, 2).act);
}

TEST(MemPolicy, AnUrgentPausedJobIsNotKilledForOneWithSlack)
{
	// mem-mixed's second build: a 3.6G link (weight 40 s: the chain of
	// large links) and a small link (weight 4 s) paused beside a running
	// large link. Killing the large one would let the small one resume,
	// but the small one loses nothing by waiting and the kill loses the
	// large one's run: no kill, however long the pause (below its bound).
	mem_model m = model(1200 * M, 300 * M);
	mem_running r[] = {job(3800 * M, 3700 * M, 12000),
			   job(750 * M, 720 * M, 3000), job(3800 * M, 600 * M, 2500)};
	r[0].weight = 18000; // ms of critical path
	r[1].paused = true;
	r[1].run_ms = 3000;
	r[1].paused_ms = 1400;
	r[1].weight = 4350;
	r[2].paused = true;
	r[2].run_ms = 2500;
	r[2].paused_ms = 1400;
	r[2].weight = 40000;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act);
	r[1].paused_ms = r[2].paused_ms = 14000;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act);
	// As urgent (more than half the weight), it counts: the same pause
	// kills the one that ran least.
	r[1].weight = 20500;
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(2, a.job);
}

TEST(MemPolicy, APausedJobThatBlocksTwoIsKilledSooner)
{
	// Three links paused at 1.3G each beside a running one: each of the
	// two older ones could go on if the youngest died, so waiting idles
	// three jobs, and the youngest is killed after a third of its run.
	mem_model m = model(800 * M, 300 * M);
	mem_running r[] = {job(2700 * M, 2600 * M, 9000), job(2700 * M, 1300 * M, 6000),
			   job(2700 * M, 1300 * M, 5500), job(2700 * M, 1300 * M, 5000)};
	r[0].run_ms = 9000;
	for (int i = 1; i < 4; i++) {
		r[i].paused = true;
		r[i].run_ms = 3000;
		r[i].paused_ms = 999;
	}
	r[1].run_ms = 3500;
	r[2].run_ms = 3200;
	m.free = 2100 * M; // each older one needs 1.4G, held back for it
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 4).act) << "not yet";
	r[3].paused_ms = 1000;
	mem_action a = policy_pressure(&m, r, 4);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(3, a.job) << "the one that ran least";
}

TEST(MemPolicy, AGuessIsNotPublishedToOtherBuilds)
{
	// 256 trivial jobs with the default guess would claim 64G.
	mem_running r[] = {job(256 * M, M, 10), job(2 * G, 512 * M, 10)};
	r[0].guessed = true;
	EXPECT_EQ(255 * M + 1536 * M, policy_reserved(r, 2)) << "ours: still held back";
	EXPECT_EQ(1536 * M, policy_published_reserve(r, 2));
}

TEST(MemPolicy, APausedJobGoesToSwapWhenThatCostsLessThanItsRun)
{
	// TwoPausedJobsThatBlockEachOther, but the youngest ran 6 s: killing
	// it pays once the pair waited 3 s each; paging its 1.3G out and
	// back costs 1.3 * POLICY_PAGE_OUT_MS_PER_GIB = 1.9 s, so where there
	// is swap for it, it goes there after 0.95 s.
	mem_model m = model(800 * M, 300 * M);
	mem_running r[] = {job(2700 * M, 2600 * M, 9000),
			   job(2700 * M, 1300 * M, 8000), job(2700 * M, 1300 * M, 7000)};
	r[0].run_ms = 9000;
	r[1].paused = true;
	r[1].run_ms = 7000;
	r[1].paused_ms = 3000;
	r[2].paused = true;
	r[2].run_ms = 6000;
	r[2].paused_ms = 960;
	int64_t paging = policy_page_out_ms(1300 * M);
	EXPECT_EQ(1904, paging);
	ASSERT_LT(paging, 2 * r[2].paused_ms);
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act)
		<< "no swap: waits until 3 s";
	m.swap_free = 1200 * M;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act)
		<< "swap for less than it holds is no swap";
	m.swap_free = 4 * G;
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_PAGE_OUT, a.act);
	EXPECT_EQ(2, a.job);
	r[2].paused_ms = 940;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 3).act) << "not yet";
	// When paging costs more than the run, the kill is cheaper.
	r[2].paused_ms = 960;
	r[2].run_ms = 1500;
	EXPECT_EQ(MEM_ACT_KILL, policy_pressure(&m, r, 3).act);
}

TEST(MemPolicy, NothingElseIsStoppedWhileAPagedOutJobIsBeingPaged)
{
	mem_running r[] = {job(G, G, 5000), job(G, G, 300)};
	r[1].paused = r[1].paged_out = true;
	EXPECT_TRUE(policy_may_kill(r, 2)) << "paged out and done";
	r[1].paging = true;
	EXPECT_FALSE(policy_may_kill(r, 2));
	mem_model m = model(100 * M, 512 * M); // deep under the floor
	m.swap_free = 4 * G;
	EXPECT_EQ(MEM_ACT_NONE, policy_pressure(&m, r, 2).act);
}

TEST(MemPolicy, APagedOutJobIsPagedOutOnceAndNeverTheVictim)
{
	// BelowTheFloorWithNothingToPause, with swap: the paused job that ran
	// least is paged out instead of killed.
	mem_model m = model(300 * M, 512 * M);
	m.swap_free = 4 * G;
	mem_running r[] = {job(G, 2 * G, 20000), job(G, G, 9000),
			   job(G, G, 8000)};
	r[0].run_ms = 20000;
	r[1].paused = true;
	r[1].run_ms = 3000;
	r[2].paused = true;
	r[2].run_ms = 8000;
	mem_action a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_PAGE_OUT, a.act);
	EXPECT_EQ(1, a.job);
	// Paged out, it holds next to nothing: the next one is the other.
	r[1].paged_out = true;
	r[1].now = 20 * M;
	EXPECT_EQ(2, policy_next_victim(r, 3));
	a = policy_pressure(&m, r, 3);
	EXPECT_EQ(MEM_ACT_PAGE_OUT, a.act);
	EXPECT_EQ(2, a.job);
	// Both out: the running job is the only one left to lose (killed,
	// not paged: it is not paused), and a paged-out job is never it.
	r[2].paged_out = true;
	r[2].now = 20 * M;
	mem_running three[] = {r[0], r[1], r[2], job(G, G, 100)};
	three[3].run_ms = 100;
	a = policy_pressure(&m, three, 4);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(3, a.job);
	// Resumed (paging in), a paged-out job may be killed like any other
	// running job: here it is the youngest.
	three[1].paused = false;
	three[1].now = G;
	three[1].elapsed_ms = 50;
	a = policy_pressure(&m, three, 4);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(1, a.job);
	// Paused again, it is not paged out a second time in this run, nor
	// the victim: the running job is.
	three[1].paused = true;
	a = policy_pressure(&m, three, 4);
	EXPECT_EQ(MEM_ACT_KILL, a.act);
	EXPECT_EQ(3, a.job);
}
