// The memory policy with fake readings: admission (packing and
// backfilling), the victim choice, and how estimates grow after a kill.
#include <gtest/gtest.h>

extern "C" {
#include "scheduler/scheduler.h"
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
	EXPECT_EQ(8 * G / 20, mem_default_floor(8 * G));   // 5% of a big box
	EXPECT_EQ(256 * M, mem_default_floor(2 * G));      // at least 256M
	EXPECT_EQ(128 * M, mem_default_floor(1 * G));      // at most an eighth
}

TEST(MemPolicy, HeadroomCountsWhatRunningJobsMayStillTake)
{
	mem_model m = model(4 * G, 512 * M);
	mem_running r[] = {job(2 * G, 512 * M, 10), job(1 * G, 2 * G, 10)};
	// the first may still take 1.5G; the second is past its estimate
	EXPECT_EQ(1536 * M, mem_reserved(r, 2));
	EXPECT_EQ(4 * G - 512 * M - 1536 * M, mem_headroom(&m, r, 2));
	r[0].dying = true; // being killed: it reserves nothing more
	EXPECT_EQ(0, mem_reserved(r, 2));
}

TEST(MemPolicy, VictimIsTheYoungestNeverConsoleNeverAlone)
{
	mem_running r[] = {job(G, G, 5000), job(G, G, 300), job(G, G, 2000)};
	EXPECT_EQ(1, mem_pick_victim(r, 3));
	r[1].console = true;
	EXPECT_EQ(2, mem_pick_victim(r, 3));
	r[2].dying = true;
	EXPECT_EQ(0, mem_pick_victim(r, 3)) << "only the oldest is left to kill";
	EXPECT_EQ(-1, mem_pick_victim(r, 1)) << "a job alone is never killed";
}

TEST(MemPolicy, IdleStartsWhateverItNeeds)
{
	mem_model m = model(1 * G, 256 * M);
	mem_candidate c[] = {{64 * G, -1, false}};
	size_t head;
	EXPECT_EQ(0, mem_choose(&m, nullptr, 0, c, 1, &head));
}

TEST(MemPolicy, PacksInPriorityOrder)
{
	mem_model m = model(4 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 100)};
	mem_candidate c[] = {{2 * G, 1000, false}, {512 * M, 1000, false}};
	size_t head;
	EXPECT_EQ(0, mem_choose(&m, r, 1, c, 2, &head));
	EXPECT_EQ(2u, head) << "nothing is blocked";
}

TEST(MemPolicy, BackfillsOnlyWhatEndsBeforeTheBlockedJobCouldStart)
{
	// 3G free, floor 512M, a running 1G job expected to end in 10s.
	mem_model m = model(3 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 5000, 10000)};
	mem_candidate c[] = {
		{3 * G, 60000, false},   // the head: waits for the running job
		{1 * G, 20000, false},   // fits, but would outlast the wait
		{1 * G, -1, false},      // fits, duration unknown: not risked
		{1 * G, 4000, false},    // fits and ends before: backfilled
	};
	size_t head;
	EXPECT_EQ(3, mem_choose(&m, r, 1, c, 4, &head));
	EXPECT_EQ(0u, head);
	EXPECT_EQ(10000, mem_wait_ms(&m, r, 1, 3 * G));
}

TEST(MemPolicy, NoBackfillWhenTheWaitIsUnknown)
{
	mem_model m = model(3 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 5000, -1)};
	mem_candidate c[] = {{3 * G, 60000, false}, {1 * G, 10, false}};
	size_t head;
	EXPECT_EQ(-1, mem_choose(&m, r, 1, c, 2, &head))
		<< "the head would starve behind a stream of small jobs";
	EXPECT_EQ(0u, head);
}

TEST(MemPolicy, ALastRetryWaitsForEverythingAndBlocksTheRest)
{
	mem_model m = model(8 * G, 512 * M);
	mem_running r[] = {job(1 * G, 1 * G, 100)};
	mem_candidate c[] = {{2 * G, 100, true}, {64 * M, 10, false}};
	size_t head;
	EXPECT_EQ(-1, mem_choose(&m, r, 1, c, 2, &head));
	EXPECT_EQ(0u, head);
	EXPECT_EQ(0, mem_choose(&m, nullptr, 0, c, 2, &head)) << "alone: now";
}

TEST(MemPolicy, EstimateAfterAKillExceedsWhatWasReached)
{
	EXPECT_EQ(1250 * M, mem_raised_estimate(256 * M, 1000 * M));
	EXPECT_EQ(4 * G, mem_raised_estimate(4 * G, 1000 * M))
		<< "never lowered by a kill";
}
