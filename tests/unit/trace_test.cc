// log: .nj_trace, the last build's record (runs, memory samples, events),
// its bounds, and the plain words for what memory did to a run.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <string.h>

#include <algorithm>
#include <fstream>
#include <string>

extern "C" {
#include "log/log.h"
}

namespace {

struct TraceTest : ::testing::Test {
	std::string path_;
	trace t_;
	err err_ = {};
	void SetUp() override
	{
		char tmpl[] = "/tmp/nj-trace-XXXXXX";
		ASSERT_NE(nullptr, mkdtemp(tmpl));
		path_ = std::string(tmpl) + "/.nj_trace";
		trace_init(&t_);
	}
	void TearDown() override
	{
		trace_free(&t_);
		err_clear(&err_);
		std::string dir = path_.substr(0, path_.rfind('/'));
		unlink(path_.c_str());
		rmdir(dir.c_str());
	}
	std::string words(const trace_job &j, unsigned what = TRACE_WORDS_ALL)
	{
		buf b = {};
		trace_words(&j, what, &b);
		std::string s = b.s ? b.s : "";
		buf_free(&b);
		return s;
	}
};

TEST_F(TraceTest, RoundTrip)
{
	t_.unix_ms = 1700000000000;
	t_.capacity = 6LL << 30;
	t_.floor = 300LL << 20;
	t_.parallelism = 4;
	t_.wall_ms = 5000;
	trace_job *a = trace_add_job(&t_, "out/a\tb\\c");
	a->slot = 1;
	a->start_ms = 10;
	a->end_ms = 4000;
	a->peak = 3LL << 30;
	a->cpu_ms = 3900;
	a->exit_code = 0;
	a->stopped = true;
	a->retried = a->retried_alone = true;
	a->pauses = 2;
	a->paused_ms = 1500;
	a->pause_at = 2LL << 30;
	a->paged_out = true;
	trace_event *e = trace_add_event(&t_, TRACE_PAUSE, 0, 500, 2LL << 30);
	ASSERT_NE(nullptr, e);
	e->dur_ms = 700;
	ASSERT_NE(nullptr, trace_add_event(&t_, TRACE_PAGE_OUT, 0, 900, 1LL << 30));
	trace_sample s = {100, 1LL << 30, 2LL << 30, 3LL << 30};
	trace_add_sample(&t_, &s);
	ASSERT_EQ(0, trace_write(&t_, path_.c_str(), &err_)) << err_.msg;

	trace u;
	trace_init(&u);
	ASSERT_EQ(1, trace_load(&u, path_.c_str(), &err_)) << err_.msg;
	EXPECT_EQ(t_.unix_ms, u.unix_ms);
	EXPECT_EQ(t_.capacity, u.capacity);
	EXPECT_EQ(t_.floor, u.floor);
	EXPECT_EQ(4, u.parallelism);
	EXPECT_EQ(5000, u.wall_ms);
	ASSERT_EQ(1u, u.njobs);
	EXPECT_STREQ("out/a\tb\\c", u.jobs[0].out);
	EXPECT_EQ(1, u.jobs[0].slot);
	EXPECT_EQ(4000, u.jobs[0].end_ms);
	EXPECT_EQ(3LL << 30, u.jobs[0].peak);
	EXPECT_TRUE(u.jobs[0].stopped && u.jobs[0].retried_alone);
	EXPECT_FALSE(u.jobs[0].alone);
	EXPECT_EQ(2, u.jobs[0].pauses);
	EXPECT_TRUE(u.jobs[0].paged_out);
	ASSERT_EQ(2u, u.nevents);
	EXPECT_EQ(TRACE_PAUSE, u.events[0].kind);
	EXPECT_EQ(700, u.events[0].dur_ms);
	EXPECT_EQ(TRACE_PAGE_OUT, u.events[1].kind);
	EXPECT_EQ(900, u.events[1].t_ms);
	EXPECT_EQ(1LL << 30, u.events[1].bytes);
	ASSERT_EQ(1u, u.nsamples);
	EXPECT_EQ(1LL << 30, u.samples[0].free);
	trace_free(&u);
}

TEST_F(TraceTest, MissingIsNoneAndForeignIsAnError)
{
	EXPECT_EQ(0, trace_load(&t_, path_.c_str(), &err_));
	std::ofstream(path_) << "# ninja log v5\n";
	EXPECT_EQ(-1, trace_load(&t_, path_.c_str(), &err_));
	ASSERT_NE(nullptr, err_.msg);
	EXPECT_NE(nullptr, strstr(err_.msg, "not an nj trace"));
}

TEST_F(TraceTest, SamplesStayBoundedAndKeepTheLowestFree)
{
	// A day of samples every 40 ms: two million readings; this many leaves
	// the array full with readings pending, which the file must still hold
	// within the bound.
	const int64_t n = 2096644;
	for (int64_t i = 0; i < n; i++) {
		trace_sample s = {i * 40, 10000 + (i % 1000), i % 7, i % 5};
		if (i == 1234567)
			s.free = 5; // one dip near the floor
		trace_add_sample(&t_, &s);
	}
	EXPECT_LE(t_.nsamples, (size_t)TRACE_MAX_SAMPLES);
	EXPECT_GE(t_.nsamples, (size_t)TRACE_MAX_SAMPLES / 2);
	int64_t lowest = INT64_MAX, last = -1;
	for (size_t i = 0; i < t_.nsamples; i++) {
		EXPECT_GT(t_.samples[i].t_ms, last) << "in time order";
		last = t_.samples[i].t_ms;
		lowest = std::min(lowest, t_.samples[i].free);
	}
	EXPECT_EQ(5, lowest) << "the dip survives merging";
	EXPECT_GT(t_.stride, 1);
	// What is written loads again, within the bound.
	ASSERT_EQ(0, trace_write(&t_, path_.c_str(), &err_)) << err_.msg;
	trace u;
	trace_init(&u);
	ASSERT_EQ(1, trace_load(&u, path_.c_str(), &err_)) << err_.msg;
	EXPECT_LE(u.nsamples, (size_t)TRACE_MAX_SAMPLES);
	EXPECT_EQ(t_.stride, u.stride);
	trace_free(&u);
}

TEST_F(TraceTest, EventsAreCapped)
{
	trace_add_job(&t_, "a");
	for (int i = 0; i < TRACE_MAX_EVENTS + 10; i++)
		trace_add_event(&t_, TRACE_PAUSE, 0, i, 1);
	EXPECT_EQ((size_t)TRACE_MAX_EVENTS, t_.nevents);
	EXPECT_EQ(10u, t_.dropped);
}

TEST_F(TraceTest, PlainWords)
{
	trace_job j = {};
	j.out = "app";
	j.pause_at = -1;
	EXPECT_EQ("", words(j)) << "memory did nothing: no words";
	j.waited_ms = 12300;
	j.wait_need = (int64_t)(3.1 * (1LL << 30));
	EXPECT_EQ("waited 12 s for 3.1G", words(j));
	j.waited_ms = 0;
	j.pauses = 1;
	j.paused_ms = 4000;
	j.pause_at = (int64_t)(2.7 * (1LL << 30));
	EXPECT_EQ("paused 4.0 s at 2.7G", words(j));
	j.pauses = 0;
	j.stopped = true;
	j.start_ms = 1000;
	j.end_ms = 5000;
	j.peak = j.pause_at;
	j.retried = j.retried_alone = true;
	EXPECT_EQ("stopped after 4.0 s at 2.7G, retried alone", words(j));
	j.retried_alone = false;
	EXPECT_EQ("stopped after 4.0 s at 2.7G, retried", words(j));
	j.pauses = 2;
	j.paused_ms = 6000;
	EXPECT_EQ("paused 2 times, 6.0 s in all, at 2.7G", words(j, TRACE_WORDS_PAUSE));
	j.paged_out = true;
	EXPECT_EQ("paused 2 times, 6.0 s in all, at 2.7G, paged out to swap",
		  words(j, TRACE_WORDS_PAUSE));
}

} // namespace
