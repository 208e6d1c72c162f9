// log: .nj_history, the per-edge record of memory, time and exit, and the
// estimates drawn from it.
#include <gtest/gtest.h>
#include <zstd.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "log/log.h"
}

namespace {

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

void spit(const std::string &path, const std::string &data)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << data;
}

off_t file_size(const std::string &path)
{
	struct stat sb;
	return stat(path.c_str(), &sb) == 0 ? sb.st_size : -1;
}

history_run ok(int64_t peak, int64_t wall = 100)
{
	history_run r;
	r.peak = peak;
	r.cpu_ms = wall;
	r.wall_ms = wall;
	r.rise_ms = -1;
	r.exit_code = 0;
	r.mem_killed = false;
	return r;
}

history_run failed(int64_t peak)
{
	history_run r = ok(peak, 5);
	r.exit_code = 1;
	return r;
}

history_run killed(int64_t peak)
{
	history_run r = ok(peak, 50);
	r.exit_code = 137;
	r.mem_killed = true;
	return r;
}

// est plus the 4% margin, rounded up (policy_with_margin).
int64_t margin(int64_t est) { return est + (est + 24) / 25; }
// est plus 1%: the margin once the two newest peaks agree.
int64_t agreed(int64_t est) { return est + (est + 99) / 100; }

class HistoryTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/nj_history_test.XXXXXX";
		ASSERT_TRUE(mkdtemp(tmpl));
		dir_ = tmpl;
		path_ = dir_ + "/.nj_history";
		history_init(&h_);
	}
	void TearDown() override
	{
		history_close(&h_);
		err_clear(&err_);
		std::string rm = "rm -rf '" + dir_ + "'";
		ASSERT_EQ(0, system(rm.c_str()));
	}
	// Close and load the file afresh, as the next build would.
	void reload()
	{
		history_close(&h_);
		history_init(&h_);
		ASSERT_EQ(0, history_load(&h_, path_.c_str(), &err_))
			<< err_.msg;
	}
	void load_and_open()
	{
		ASSERT_EQ(0, history_load(&h_, path_.c_str(), &err_))
			<< err_.msg;
		ASSERT_EQ(0, history_open(&h_, &err_)) << err_.msg;
	}
	void record(const char *key, const char *rule, history_run run)
	{
		ASSERT_EQ(0, history_record(&h_, key, rule, &run, &err_))
			<< err_.msg;
	}
	std::vector<int64_t> peaks(const char *key)
	{
		int64_t p[16];
		int n = history_recent_peaks(&h_, key, p, 16);
		return std::vector<int64_t>(p, p + n);
	}

	std::string dir_, path_;
	history h_;
	err err_ = {};
};

TEST_F(HistoryTest, MissingFileIsEmpty)
{
	load_and_open();
	EXPECT_EQ(-1, history_estimate(&h_, "a.o"));
	EXPECT_EQ(-1, history_rule_estimate(&h_, "cc"));
	EXPECT_EQ(-1, history_wall_ms(&h_, "a.o"));
	EXPECT_TRUE(peaks("a.o").empty());
	EXPECT_EQ("# nj history v3\n", slurp(path_));
}

TEST_F(HistoryTest, RoundTrip)
{
	load_and_open();
	record("a.o", "cc", ok(1000, 200));
	record("b.o", "cc", ok(3000, 400));
	record("app", "link", ok(50000, 1000));
	EXPECT_EQ(3u, h_.records);
	EXPECT_EQ(3u, h_.unique);
	std::string text = slurp(path_);
	EXPECT_EQ("# nj history v3\n"
		  "1000\t200\t200\t-1\t0\t0\tcc\ta.o\n"
		  "3000\t400\t400\t-1\t0\t0\tcc\tb.o\n"
		  "50000\t1000\t1000\t-1\t0\t0\tlink\tapp\n",
		  text);
	int64_t ea = history_estimate(&h_, "a.o");
	int64_t eapp = history_estimate(&h_, "app");
	reload();
	EXPECT_EQ(3u, h_.records);
	EXPECT_EQ(margin(1000), ea);
	EXPECT_EQ(ea, history_estimate(&h_, "a.o"));
	EXPECT_EQ(eapp, history_estimate(&h_, "app"));
	EXPECT_EQ(margin(3000), history_estimate(&h_, "b.o"));
	EXPECT_EQ(400, history_wall_ms(&h_, "b.o"));
	EXPECT_EQ(std::vector<int64_t>{50000}, peaks("app"));
	EXPECT_EQ(-1, history_estimate(&h_, "c.o"));
}

TEST_F(HistoryTest, Estimates)
{
	load_and_open();
	record("x", "cc", ok(1000, 100));
	EXPECT_EQ(1040, history_estimate(&h_, "x"));
	// The decayed max: a smaller run lowers it only by 20% per run.
	record("x", "cc", ok(500, 300));
	EXPECT_EQ(margin(800), history_estimate(&h_, "x"));
	record("x", "cc", ok(500, 200));
	EXPECT_EQ(margin(640), history_estimate(&h_, "x"));
	// A larger run takes over at once.
	record("x", "cc", ok(2000, 200));
	EXPECT_EQ(margin(2000), history_estimate(&h_, "x"));
	// Failures neither lower nor raise anything, wall time included.
	int64_t before = history_estimate(&h_, "x");
	int64_t wall = history_wall_ms(&h_, "x");
	record("x", "cc", failed(10));
	record("x", "cc", failed(1000000));
	EXPECT_EQ(before, history_estimate(&h_, "x"));
	EXPECT_EQ(wall, history_wall_ms(&h_, "x"));
	EXPECT_EQ(200, wall); // mean of 100, 300, 200, 200
	// Killed for memory at 1800: it would have needed more.
	record("x", "cc", killed(1800));
	EXPECT_EQ(margin(2700), history_estimate(&h_, "x"));
	// Killed below the estimate: still raised to at least 1.5 x reached.
	record("x", "cc", killed(100));
	EXPECT_EQ(margin(2700), history_estimate(&h_, "x"));
	// Newest first; failures are not peaks.
	EXPECT_EQ((std::vector<int64_t>{100, 1800, 2000, 500, 500}),
		  peaks("x"));
	// An unmeasured run changes no estimate.
	record("x", "cc", ok(-1, -1));
	EXPECT_EQ(margin(2700), history_estimate(&h_, "x"));
	// An edge that only ever failed has nothing to go on.
	record("y", "cc", failed(5000));
	EXPECT_EQ(-1, history_estimate(&h_, "y"));
	EXPECT_EQ(-1, history_wall_ms(&h_, "y"));
	// An edge killed before it ever succeeded.
	record("z", "cc", killed(4000));
	EXPECT_EQ(margin(6000), history_estimate(&h_, "z"));

	// All of it survives a reload.
	int64_t ex = history_estimate(&h_, "x"), ez = history_estimate(&h_, "z");
	std::vector<int64_t> px = peaks("x");
	reload();
	EXPECT_EQ(ex, history_estimate(&h_, "x"));
	EXPECT_EQ(ez, history_estimate(&h_, "z"));
	EXPECT_EQ(-1, history_estimate(&h_, "y"));
	EXPECT_EQ(px, peaks("x"));
	EXPECT_EQ(wall, history_wall_ms(&h_, "x"));
}

TEST_F(HistoryTest, RecentPeaksHonoursMax)
{
	load_and_open();
	for (int i = 1; i <= 8; i++)
		record("k", "cc", ok(i * 10));
	int64_t p[3];
	ASSERT_EQ(3, history_recent_peaks(&h_, "k", p, 3));
	EXPECT_EQ(80, p[0]);
	EXPECT_EQ(70, p[1]);
	EXPECT_EQ(60, p[2]);
	EXPECT_EQ(5u, peaks("k").size());
	EXPECT_EQ(0, history_recent_peaks(&h_, "nope", p, 3));
}

TEST_F(HistoryTest, RuleP90)
{
	load_and_open();
	// Ten compiles of 100..1000 bytes: p90 is the 9th smallest.
	for (int i = 1; i <= 10; i++) {
		std::string key = "obj" + std::to_string(i) + ".o";
		record(key.c_str(), "cc", ok(i * 100));
	}
	record("lonely", "link", ok(5000));
	record("broken", "asm", failed(5000));
	EXPECT_EQ(margin(900), history_rule_estimate(&h_, "cc"));
	EXPECT_EQ(margin(5000), history_rule_estimate(&h_, "link"));
	EXPECT_EQ(-1, history_rule_estimate(&h_, "asm"));
	EXPECT_EQ(-1, history_rule_estimate(&h_, "nope"));
	// The cached value follows new records.
	record("obj11.o", "cc", ok(100000));
	record("obj12.o", "cc", ok(100000));
	EXPECT_EQ(margin(100000), history_rule_estimate(&h_, "cc"));
	// An edge that moves to another rule leaves the old one.
	record("obj11.o", "link", ok(100000));
	record("obj12.o", "link", ok(100000));
	EXPECT_EQ(margin(900), history_rule_estimate(&h_, "cc"));
	EXPECT_EQ(margin(100000), history_rule_estimate(&h_, "link"));
	reload();
	EXPECT_EQ(margin(900), history_rule_estimate(&h_, "cc"));
	EXPECT_EQ(margin(100000), history_rule_estimate(&h_, "link"));
}

// The p90 is exact against a sort of the same values, for every size up
// to the point where it may lag (n / 32 changes), on values with many
// repeats (the partition's worst case) and on distinct ones.
TEST_F(HistoryTest, RuleP90MatchesSortedRankWhileSmall)
{
	load_and_open();
	std::vector<int64_t> seen;
	unsigned seed = 12345;
	for (int i = 0; i < 31; i++) {
		seed = seed * 1103515245u + 12345u;
		int64_t v = i % 3 == 0 ? 4096 : (int64_t)(seed >> 8) % 100000;
		std::string key = "o" + std::to_string(i);
		record(key.c_str(), "cc", ok(v));
		seen.push_back(v);
		std::vector<int64_t> s = seen;
		std::sort(s.begin(), s.end());
		size_t rank = (s.size() * 9 + 9) / 10;
		EXPECT_EQ(margin(s[rank - 1]), history_rule_estimate(&h_, "cc"))
			<< "after " << s.size() << " records";
	}
}

// A build asks for the rule's estimate before each job and records each
// job's run after it: the work per job must not grow with the rule's size.
// Counted in edges visited, never timed. Recomputing after every record
// visits n(n+1)/2 edges for n jobs (200 million for 20000).
TEST_F(HistoryTest, RuleEstimatePerJobCostDoesNotGrowWithTheBuild)
{
	load_and_open();
	const size_t n = 20000;
	for (size_t i = 0; i < n; i++) {
		std::string key = "obj/" + std::to_string(i) + ".o";
		history_rule_estimate(&h_, "cc");
		record(key.c_str(), "cc", ok(1000 + (int64_t)(i % 977)));
	}
	history_rule_estimate(&h_, "cc");
	// 32 recomputations per doubling of n, each visiting at most 2x
	// the edges of the rule: about 64 visits per job, whatever n is.
	EXPECT_LE(h_.rule_scans, 80 * n) << h_.rule_scans << " edge visits";
	EXPECT_GT(h_.rule_scans, 0u);
}

TEST_F(HistoryTest, TornLastLineDroppedAndNextAppendIsClean)
{
	load_and_open();
	record("a.o", "cc", ok(1000));
	record("b.o", "cc", ok(2000));
	history_close(&h_);
	// A crash mid-write: half a record, no newline.
	std::string good = slurp(path_);
	spit(path_, good + "999999\t12\t12\t0\t0\tcc\tc.");
	history_init(&h_);
	load_and_open();
	EXPECT_EQ(2u, h_.records);
	EXPECT_EQ(-1, history_estimate(&h_, "c."));
	EXPECT_EQ(good, slurp(path_)); // cut off the file
	record("c.o", "cc", ok(3000));
	reload();
	EXPECT_EQ(3u, h_.records);
	EXPECT_EQ(margin(3000), history_estimate(&h_, "c.o"));
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(good + "3000\t100\t100\t-1\t0\t0\tcc\tc.o\n", slurp(path_));
}

TEST_F(HistoryTest, OpenStartsACleanLineEvenIfTailWasNotCut)
{
	// Torn after load cut the file (or load could not cut it): open
	// still starts a fresh line rather than gluing onto the torn one.
	spit(path_, "# nj history v1\n1000\t1\t1\t0\t0\tcc\ta.o\n");
	ASSERT_EQ(0, history_load(&h_, path_.c_str(), &err_));
	spit(path_, slurp(path_) + "77\t1");
	ASSERT_EQ(0, history_open(&h_, &err_)) << err_.msg;
	record("b.o", "cc", ok(2000));
	reload();
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(margin(2000), history_estimate(&h_, "b.o"));
}

TEST_F(HistoryTest, TornHeader)
{
	spit(path_, "# nj hist");
	load_and_open();
	record("a.o", "cc", ok(1000));
	EXPECT_EQ("# nj history v3\n1000\t100\t100\t-1\t0\t0\tcc\ta.o\n",
		  slurp(path_));
}

TEST_F(HistoryTest, GarbageDoesNotFail)
{
	// Malformed lines among good ones are skipped.
	spit(path_, "# nj history v1\n"
		    "1000\t1\t1\t0\t0\tcc\ta.o\n"
		    "garbage\n"
		    "\n"
		    "1\t2\t3\n"
		    "x\t1\t1\t0\t0\tcc\tb.o\n"
		    "1\t1\t1\t0\t7\tcc\tb.o\n"
		    "99999999999999999999\t1\t1\t0\t0\tcc\tb.o\n"
		    "1\t1\t1\t0\t0\tcc\t\n"
		    "2000\t1\t1\t0\t0\tcc\tc.o\n");
	load_and_open();
	EXPECT_EQ(2u, h_.records);
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(-1, history_estimate(&h_, "b.o"));
	EXPECT_EQ(margin(2000), history_estimate(&h_, "c.o"));

	// A file that is not a history at all: start over, and replace it.
	history_close(&h_);
	std::string junk;
	for (int i = 0; i < 4096; i++)
		junk += (char)((i * 7919) % 256);
	spit(path_, junk);
	history_init(&h_);
	load_and_open();
	EXPECT_EQ(0u, h_.records);
	record("a.o", "cc", ok(1000));
	reload();
	EXPECT_EQ(1u, h_.records);
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));

	// A later version is not read either.
	history_close(&h_);
	spit(path_, "# nj history v4\n1000\t1\t1\t-1\t0\t0\tcc\ta.o\n");
	history_init(&h_);
	load_and_open();
	EXPECT_EQ(-1, history_estimate(&h_, "a.o"));
	EXPECT_EQ("# nj history v3\n", slurp(path_));
}

TEST_F(HistoryTest, KeysWithSpacesTabsAndNewlines)
{
	load_and_open();
	const char *keys[] = {"dir with space/a b.o", "tab\there", "nl\nhere",
			      "back\\slash\\t", "cr\r"};
	int64_t p = 1000;
	for (const char *k : keys)
		record(k, "my rule\t1", ok(p += 1000));
	// One line per record, whatever the keys hold.
	std::string text = slurp(path_);
	int lines = 0;
	for (char c : text)
		lines += c == '\n';
	EXPECT_EQ(6, lines);
	reload();
	p = 1000;
	for (const char *k : keys)
		EXPECT_EQ(margin(p += 1000), history_estimate(&h_, k)) << k;
	EXPECT_EQ(-1, history_estimate(&h_, "back\\slash\t"));
	EXPECT_EQ(margin(6000), history_rule_estimate(&h_, "my rule\t1"));
	// And through a compacted block.
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	reload();
	p = 1000;
	for (const char *k : keys)
		EXPECT_EQ(margin(p += 1000), history_estimate(&h_, k)) << k;
}

TEST_F(HistoryTest, EmptyKeyRejected)
{
	load_and_open();
	history_run r = ok(1);
	EXPECT_EQ(-1, history_record(&h_, "", "cc", &r, &err_));
	EXPECT_TRUE(err_.msg);
	err_clear(&err_);
	EXPECT_EQ(-1, history_record(&h_, nullptr, "cc", &r, &err_));
	err_clear(&err_);
	// A NULL rule is the empty rule.
	record("a.o", nullptr, ok(10));
	EXPECT_EQ(margin(10), history_rule_estimate(&h_, ""));
}

// Many runs of a few edges, with every kind of outcome.
void busy_history(HistoryTest *, history *h, err *e)
{
	for (int run = 0; run < 400; run++) {
		for (int k = 0; k < 5; k++) {
			std::string key = "edge" + std::to_string(k) + " x.o";
			history_run r = ok(1000 + ((run * 37 + k * 101) % 900),
					   10 + run % 7);
			if ((run + k) % 13 == 0)
				r = failed(50);
			if ((run + k) % 29 == 0)
				r = killed(1500 + k);
			ASSERT_EQ(0, history_record(h, key.c_str(),
						    k < 3 ? "cc" : "link", &r,
						    e));
		}
	}
}

TEST_F(HistoryTest, RecompactKeepsEstimatesAndCompresses)
{
	load_and_open();
	busy_history(this, &h_, &err_);
	EXPECT_EQ(2000u, h_.records);
	EXPECT_EQ(5u, h_.unique);
	struct snap {
		int64_t est, wall;
		std::vector<int64_t> peaks;
	};
	auto take = [&]() {
		std::vector<snap> v;
		for (int k = 0; k < 6; k++) {
			std::string key = "edge" + std::to_string(k) + " x.o";
			v.push_back({history_estimate(&h_, key.c_str()),
				     history_wall_ms(&h_, key.c_str()),
				     peaks(key.c_str())});
		}
		v.push_back({history_rule_estimate(&h_, "cc"),
			     history_rule_estimate(&h_, "link"), {}});
		return v;
	};
	auto same = [](const std::vector<snap> &a, const std::vector<snap> &b) {
		ASSERT_EQ(a.size(), b.size());
		for (size_t i = 0; i < a.size(); i++) {
			EXPECT_EQ(a[i].est, b[i].est) << i;
			EXPECT_EQ(a[i].wall, b[i].wall) << i;
			EXPECT_EQ(a[i].peaks, b[i].peaks) << i;
		}
	};
	std::vector<snap> before = take();
	EXPECT_GT(before[0].est, 0);
	EXPECT_EQ(-1, before[5].est);

	off_t plain = file_size(path_);
	reload();
	same(before, take());
	EXPECT_TRUE(h_.needs_recompact); // 2000 records over 5 keys
	ASSERT_EQ(0, history_open(&h_, &err_)) << err_.msg;
	EXPECT_FALSE(h_.needs_recompact);
	EXPECT_EQ(5u, h_.records);
	same(before, take());

	std::string text = slurp(path_);
	EXPECT_LT((off_t)text.size(), plain / 10);
	const std::string head = "# nj history v3 zstd ";
	ASSERT_EQ(head, text.substr(0, head.size()));
	size_t nl = text.find('\n');
	ASSERT_NE(std::string::npos, nl);
	ASSERT_GT(text.size(), nl + 4);
	EXPECT_EQ('\x28', text[nl + 1]);
	EXPECT_EQ('\xb5', text[nl + 2]);
	EXPECT_EQ('\x2f', text[nl + 3]);
	EXPECT_EQ('\xfd', text[nl + 4]);
	EXPECT_EQ('\n', text.back());
	EXPECT_EQ(-1, file_size(path_ + ".tmp"));

	// Appends after the block are plain lines, and all of it reloads.
	record("edge0 x.o", "cc", ok(100000, 10));
	record("new.o", "cc", ok(7, 1));
	std::string after = slurp(path_);
	EXPECT_EQ(text + "100000\t10\t10\t-1\t0\t0\tcc\tedge0 x.o\n"
			 "7\t1\t1\t-1\t0\t0\tcc\tnew.o\n",
		  after);
	before = take();
	reload();
	EXPECT_EQ(7u, h_.records);
	EXPECT_EQ(6u, h_.unique);
	same(before, take());
	EXPECT_EQ(margin(100000), history_estimate(&h_, "edge0 x.o"));
	EXPECT_EQ(margin(7), history_estimate(&h_, "new.o"));

	// A second recompaction over the first gives the same again.
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	reload();
	same(before, take());
	EXPECT_EQ(margin(7), history_estimate(&h_, "new.o"));
}

TEST_F(HistoryTest, RecompactWhileOpenKeepsAppending)
{
	load_and_open();
	record("a.o", "cc", ok(1000));
	record("a.o", "cc", ok(1000));
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	EXPECT_GE(h_.fd, 0);
	record("b.o", "cc", ok(2000));
	reload();
	EXPECT_EQ(2u, h_.records);
	EXPECT_EQ(agreed(1000), history_estimate(&h_, "a.o"))
		<< "two runs that agree, kept through the recompaction";
	EXPECT_EQ(margin(2000), history_estimate(&h_, "b.o"));
}

TEST_F(HistoryTest, EmptyRecompactIsPlainHeader)
{
	load_and_open();
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	EXPECT_EQ("# nj history v3\n", slurp(path_));
}

TEST_F(HistoryTest, CorruptBlockDoesNotCrash)
{
	load_and_open();
	for (int i = 0; i < 50; i++) {
		std::string key = "k" + std::to_string(i);
		record(key.c_str(), "cc", ok(1000 + i));
	}
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	record("tail.o", "cc", ok(4242));
	history_close(&h_);
	const std::string good = slurp(path_);
	size_t nl = good.find('\n');
	size_t tail = good.find("4242\t");
	ASSERT_NE(std::string::npos, tail);

	// Flip bytes inside the frame: the block is lost, the lines after
	// it are kept, and the file is rewritten clean at open.
	for (size_t at = nl + 1; at < tail - 1; at += 7) {
		std::string bad = good;
		bad[at] ^= 0x5a;
		spit(path_, bad);
		history_init(&h_);
		load_and_open();
		EXPECT_EQ(margin(4242), history_estimate(&h_, "tail.o")) << at;
		int64_t e = history_estimate(&h_, "k7");
		// Either the damage is caught (start empty) or it missed what
		// matters; never anything else, never a crash.
		EXPECT_TRUE(e == -1 || e == margin(1007)) << at;
		history_close(&h_);
		history_init(&h_);
		load_and_open();
		EXPECT_FALSE(h_.needs_recompact);
		history_close(&h_);
	}

	// Headers that lie about the block.
	const char *heads[] = {
		"# nj history v2 zstd 999999999 10\n",
		"# nj history v2 zstd 10 999999999999\n",
		"# nj history v2 zstd -5 10\n",
		"# nj history v2 zstd x y\n",
		"# nj history v2 zstd 4\n",
	};
	for (const char *head : heads) {
		spit(path_, head + good.substr(nl + 1));
		history_init(&h_);
		load_and_open();
		record("z.o", "cc", ok(5));
		reload();
		EXPECT_EQ(margin(5), history_estimate(&h_, "z.o")) << head;
		history_close(&h_);
	}
	// Truncated inside the frame.
	spit(path_, good.substr(0, nl + 20));
	history_init(&h_);
	load_and_open();
	EXPECT_EQ(-1, history_estimate(&h_, "k7"));
}

TEST_F(HistoryTest, RisesAreKeptAndTheQuickestIsTheAnswer)
{
	load_and_open();
	EXPECT_EQ(-1, history_rise_ms(&h_, "app"));
	history_run r = ok(3000, 8000);
	r.rise_ms = 4000;
	record("app", "link", r);
	r.rise_ms = 3500;
	record("app", "link", r);
	history_run k = killed(2000);
	k.rise_ms = 100; // a killed run says nothing about its rise
	record("app", "link", k);
	EXPECT_EQ(3500, history_rise_ms(&h_, "app"));
	reload();
	EXPECT_EQ(3500, history_rise_ms(&h_, "app"));
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	reload();
	EXPECT_EQ(3500, history_rise_ms(&h_, "app"));
	EXPECT_EQ(8000, history_wall_ms(&h_, "app"));
}

// A rule's rise pace is the median of its edges' estimate over quickest
// rise: seven links, two of which rose at half the pace of the others
// (they rose four at once in a first build).
TEST_F(HistoryTest, RulePaceIsTheFastEdgesPaceNotTheContendedOnes)
{
	load_and_open();
	EXPECT_EQ(-1, history_rule_rise_pace(&h_, "link"));
	const int64_t peaks[] = {2500, 2600, 2700, 2800, 2900, 3000, 2650};
	const int64_t rises[] = {4000, 5200, 5400, 5600, 5800, 12000, 11000};
	for (int i = 0; i < 7; i++) {
		history_run r = ok(peaks[i] << 20, 10000);
		r.rise_ms = rises[i];
		record(("app" + std::to_string(i)).c_str(), "link", r);
	}
	// Four rose 500M a second, one 625M, two at half that: the median
	// is neither the fastest nor a slow one.
	EXPECT_EQ((int64_t)500 << 20, history_rule_rise_pace(&h_, "link"));
	history_run c = ok(300 << 20, 2000);
	c.rise_ms = 1000;
	record("a.o", "cc", c);
	EXPECT_EQ((int64_t)300 << 20, history_rule_rise_pace(&h_, "cc"))
		<< "each rule its own";
	EXPECT_EQ(-1, history_rule_rise_pace(&h_, "nope"));
	record("b.o", "cc", ok(300 << 20, 2000));
	EXPECT_EQ((int64_t)300 << 20, history_rule_rise_pace(&h_, "cc"))
		<< "an edge with no rise has no pace";
	reload();
	EXPECT_EQ((int64_t)500 << 20, history_rule_rise_pace(&h_, "link"));
}

// Asking for the rule's pace before each job and recording its run after
// it must cost the same per job in a build of any size (edges visited).
TEST_F(HistoryTest, RulePacePerJobCostDoesNotGrowWithTheBuild)
{
	load_and_open();
	const size_t n = 20000;
	for (size_t i = 0; i < n; i++) {
		std::string key = "obj/" + std::to_string(i) + ".o";
		history_rule_rise_pace(&h_, "cc");
		history_run r = ok(1000 + (int64_t)(i % 977));
		r.rise_ms = 10 + (int64_t)(i % 89);
		record(key.c_str(), "cc", r);
	}
	EXPECT_GT(history_rule_rise_pace(&h_, "cc"), 0);
	EXPECT_LE(h_.rule_scans, 80 * n) << h_.rule_scans << " edge visits";
	EXPECT_GT(h_.rule_scans, 0u);
}

TEST_F(HistoryTest, VersionOneIsReadAndRewrittenAsThree)
{
	spit(path_, "# nj history v1\n"
		    "1000\t1\t50\t0\t0\tcc\ta.o\n"
		    "2000\t1\t60\t0\t0\tcc\ta.o\n");
	load_and_open();
	EXPECT_EQ(margin(2000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(55, history_wall_ms(&h_, "a.o"));
	EXPECT_EQ(-1, history_rise_ms(&h_, "a.o"));
	std::string text = slurp(path_);
	const std::string head = "# nj history v3 zstd ";
	EXPECT_EQ(head, text.substr(0, head.size())) << "rewritten at open";
	history_run r = ok(3000, 70);
	r.rise_ms = 20;
	record("a.o", "cc", r);
	reload();
	EXPECT_EQ(margin(3000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(20, history_rise_ms(&h_, "a.o"));
	EXPECT_EQ(60, history_wall_ms(&h_, "a.o"));
}

TEST_F(HistoryTest, CpuTimesAreKeptThroughCompaction)
{
	load_and_open();
	history_run r = ok(2000, 80);
	r.cpu_ms = 70;
	record("b.o", "cc", r);
	r.cpu_ms = 90;
	record("b.o", "cc", r);
	EXPECT_EQ(80, history_cpu_ms(&h_, "b.o"));
	EXPECT_EQ(-1, history_cpu_ms(&h_, "c.o"));
	reload();
	EXPECT_EQ(80, history_cpu_ms(&h_, "b.o")) << "read from the records";
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	reload();
	EXPECT_EQ(80, history_cpu_ms(&h_, "b.o")) << "kept through compaction";
	EXPECT_EQ(80, history_wall_ms(&h_, "b.o"));
}

TEST_F(HistoryTest, VersionTwoBlockIsReadWithoutCpuAndRewritten)
{
	// A summary as version 2 wrote it: est runs peaks walls rises rule key.
	const std::string raw = "1000\t2\t1000\t100\t50\tcc\ta.o\n";
	std::string frame(ZSTD_compressBound(raw.size()), '\0');
	size_t clen = ZSTD_compress(&frame[0], frame.size(), raw.data(),
				    raw.size(), 3);
	ASSERT_FALSE(ZSTD_isError(clen));
	frame.resize(clen);
	spit(path_, "# nj history v2 zstd " + std::to_string(clen) + " " +
			    std::to_string(raw.size()) + "\n" + frame + "\n");
	load_and_open();
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));
	EXPECT_EQ(100, history_wall_ms(&h_, "a.o"));
	EXPECT_EQ(50, history_rise_ms(&h_, "a.o"));
	EXPECT_EQ(-1, history_cpu_ms(&h_, "a.o"));
	const std::string head = "# nj history v3 zstd ";
	EXPECT_EQ(head, slurp(path_).substr(0, head.size()))
		<< "rewritten at open";
	reload();
	EXPECT_EQ(margin(1000), history_estimate(&h_, "a.o"));
}

TEST_F(HistoryTest, HundredThousandKeys)
{
	// Written by hand (as a long-lived build directory would hold), then
	// loaded, compacted and loaded again; linear throughout.
	const int n = 100000;
	std::string text = "# nj history v2\n";
	text.reserve((size_t)n * 64);
	for (int i = 0; i < n; i++) {
		text += std::to_string(1000 + i) + "\t5\t" +
			std::to_string(i % 1000) + "\t-1\t0\t0\tcc" +
			std::to_string(i % 10) + "\tsrc/dir" +
			std::to_string(i % 100) + "/file " + std::to_string(i) +
			".o\n";
	}
	spit(path_, text);
	load_and_open();
	EXPECT_EQ((size_t)n, h_.unique);
	EXPECT_EQ(margin(1000 + 12345),
		  history_estimate(&h_, "src/dir45/file 12345.o"));
	int64_t p90 = history_rule_estimate(&h_, "cc3");
	EXPECT_GT(p90, margin(1000 + n * 8 / 10));
	for (int i = 0; i < n; i++) {
		// The scheduler asks per edge; the answer is cached.
		ASSERT_EQ(p90, history_rule_estimate(&h_, "cc3"));
	}
	ASSERT_EQ(0, history_recompact(&h_, &err_)) << err_.msg;
	EXPECT_LT(file_size(path_), (off_t)text.size() / 3);
	reload();
	EXPECT_EQ((size_t)n, h_.unique);
	EXPECT_EQ(margin(1000 + 99999),
		  history_estimate(&h_, "src/dir99/file 99999.o"));
	EXPECT_EQ(p90, history_rule_estimate(&h_, "cc3"));
}

} // namespace
