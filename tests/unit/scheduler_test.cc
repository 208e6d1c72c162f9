// Unit tests for scheduler/: the ready heap, and the plan on in-memory
// graphs (no processes run): which edges are ready, pool depth limits,
// critical-path order, and restat taking clean edges off the plan. The
// cases follow ninja's build_test.cc (PlanTest).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <set>
#include <string>
#include <cmath>
#include <vector>

extern "C" {
#include "scheduler/scheduler.h"
}

namespace {

// ---- heap ----

TEST(EdgeHeap, HigherWeightFirstThenLowerId)
{
	struct edge e[6] = {};
	double w[6] = {1, 5, 3, 5, 0, 3};
	for (int i = 0; i < 6; i++)
		e[i].id = (size_t)i;
	struct edge_heap h = {};
	EXPECT_EQ(nullptr, heap_pop(&h));
	for (int i : {4, 2, 0, 5, 3, 1})
		heap_push(&h, &e[i], w[i]);
	std::vector<size_t> order;
	while (struct edge *x = heap_pop(&h))
		order.push_back(x->id);
	EXPECT_EQ((std::vector<size_t>{1, 3, 2, 5, 0, 4}), order);
	EXPECT_EQ(0u, h.n);
	heap_free(&h);
}

TEST(EdgeHeap, WeightsWithinATenthGoInManifestOrder)
{
	// Three tools of 3.3 s feeding apps of 7.5 s; the measured sums
	// differ by noise (10.8 to 11.2 s). The manifest order keeps the
	// tools of one app together, so the exact weights do not decide.
	struct edge e[4] = {};
	double w[4] = {10800, 11200, 10950, 12000};
	for (int i = 0; i < 4; i++)
		e[i].id = (size_t)i;
	struct edge_heap h = {};
	for (int i : {1, 2, 0, 3})
		heap_push(&h, &e[i], w[i]);
	std::vector<size_t> order;
	while (struct edge *x = heap_pop(&h))
		order.push_back(x->id);
	EXPECT_EQ((std::vector<size_t>{3, 0, 1, 2}), order)
	    << "12 s is more than a tenth above the rest";
	heap_free(&h);
}

TEST(EdgeHeap, ManyRandomPushesPopSorted)
{
	const int n = 500;
	std::vector<struct edge> e(n);
	std::vector<double> w(n);
	struct edge_heap h = {};
	unsigned s = 12345;
	for (int i = 0; i < n; i++) {
		s = s * 1103515245 + 12345;
		e[i].id = (size_t)i;
		// Each a fifth apart: never within one rank (heap.c).
		w[i] = std::pow(1.2, (double)((s >> 16) % 50));
		heap_push(&h, &e[i], w[i]);
	}
	struct edge *prev = heap_pop(&h);
	int popped = 1;
	while (struct edge *x = heap_pop(&h)) {
		EXPECT_TRUE(w[prev->id] > w[x->id] ||
			    (w[prev->id] == w[x->id] && prev->id < x->id));
		prev = x;
		popped++;
	}
	EXPECT_EQ(n, popped);
	heap_free(&h);
}

// ---- plan ----

struct PlanTest : public testing::Test {
	struct state st;
	struct builder b;
	// The callbacks find the test through the status they are given.
	struct owned_status {
		struct status s;
		struct PlanTest *t;
	} status = {};
	struct err err = {};
	int plan_totals = 0, last_total = -1;

	static void on_total(struct status *s, int total)
	{
		PlanTest *t = reinterpret_cast<owned_status *>(s)->t;
		t->plan_totals++;
		t->last_total = total;
	}

	void SetUp() override
	{
		state_init(&st);
		status.t = this;
		status.s.plan_total = on_total;
		struct build_config cfg = {};
		cfg.parallelism = 1;
		cfg.failures_allowed = 1;
		builder_init(&b, &st, &cfg, nullptr, nullptr, nullptr, &status.s);
	}
	void TearDown() override
	{
		builder_free(&b);
		err_clear(&err);
		state_free(&st);
	}
	void parse(const std::string &text)
	{
		ASSERT_EQ(0, manifest_parse_string(&st, "input", text.data(),
						   text.size(), &err))
			<< err.msg;
	}
	struct node *node(const char *p)
	{
		struct node *n = state_lookup(&st, p, strlen(p));
		EXPECT_NE(nullptr, n) << p;
		return n;
	}
	// Mark outputs dirty as a scan would have: every output of an edge
	// is dirty, sources are present and clean.
	void all_dirty()
	{
		for (size_t i = 0; i < st.nedges; i++)
			for (size_t j = 0; j < st.edges[i]->noutputs; j++)
				st.edges[i]->outputs[j]->dirty = true;
	}
	void add(const char *target)
	{
		ASSERT_EQ(0, plan_add_target(&b, node(target), &err)) << err.msg;
	}
	static std::string out(struct edge *e)
	{
		return e ? e->outputs[0]->path : "<none>";
	}
	// Every edge that may start now, in the order the plan hands them
	// out; each takes its pool slot, as the build loop does.
	std::vector<std::string> take_all()
	{
		std::vector<std::string> r;
		while (struct edge *e = plan_pop_ready(&b)) {
			plan_take(&b, e);
			r.push_back(out(e));
		}
		return r;
	}
	struct edge *find(const char *o)
	{
		return node(o)->in_edge;
	}
	void finish(const char *o, bool ok = true)
	{
		ASSERT_EQ(0, plan_edge_finished(&b, find(o), ok, &err)) << err.msg;
	}
};

typedef std::vector<std::string> strs;
const char kCat[] = "rule cat\n  command = cat $in > $out\n";

TEST_F(PlanTest, Basic)
{
	parse(std::string(kCat) + "build out: cat mid\nbuild mid: cat in\n");
	all_dirty();
	add("out");
	EXPECT_TRUE(plan_more_to_do(&b));
	EXPECT_EQ(2, b.command_edges);
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid"}), take_all()); // out waits for mid
	finish("mid");
	EXPECT_TRUE(plan_more_to_do(&b));
	EXPECT_EQ((strs{"out"}), take_all());
	finish("out");
	EXPECT_FALSE(plan_more_to_do(&b));
	EXPECT_EQ((strs{}), take_all());
}

TEST_F(PlanTest, DoubleOutputDirect)
{
	// Two outputs of one edge both feed the target: one edge to run.
	parse(std::string(kCat) +
	      "build out: cat mid1 mid2\nbuild mid1 mid2: cat in\n");
	all_dirty();
	add("out");
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid1"}), take_all());
	finish("mid1");
	EXPECT_EQ((strs{"out"}), take_all());
	finish("out");
	EXPECT_FALSE(plan_more_to_do(&b));
}

TEST_F(PlanTest, DoubleDependent)
{
	parse(std::string(kCat) + "build out: cat a1 a2\n"
				  "build a1: cat mid\nbuild a2: cat mid\n"
				  "build mid: cat in\n");
	all_dirty();
	add("out");
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid"}), take_all());
	finish("mid");
	strs two = take_all();
	EXPECT_EQ((std::set<std::string>{"a1", "a2"}),
		  std::set<std::string>(two.begin(), two.end()));
	finish("a1");
	EXPECT_EQ((strs{}), take_all()) << "out still waits for a2";
	finish("a2");
	EXPECT_EQ((strs{"out"}), take_all());
}

TEST_F(PlanTest, CleanInputsAreNotPlanned)
{
	parse(std::string(kCat) + "build out: cat mid\nbuild mid: cat in\n");
	node("out")->dirty = true; // mid is up to date
	find("mid")->outputs_ready = true;
	add("out");
	EXPECT_EQ(1, b.command_edges);
	plan_prepare(&b);
	EXPECT_EQ((strs{"out"}), take_all());
}

TEST_F(PlanTest, OrderOnlyInputWaitsButNotWanted)
{
	// An edge whose outputs are clean, needed only as a path to a dirty
	// edge, is WANT_NOTHING: it is walked past, never run.
	parse(std::string(kCat) + "build out: cat in || oo\n"
				  "build oo: cat gen\nbuild gen: cat src\n");
	node("out")->dirty = true;
	node("gen")->dirty = true; // oo itself is clean
	add("out");
	EXPECT_EQ(2, b.command_edges);
	plan_prepare(&b);
	EXPECT_EQ((strs{"gen"}), take_all());
	finish("gen");
	// oo's edge is not run; finishing gen passes straight through it.
	EXPECT_EQ((strs{"out"}), take_all());
}

TEST_F(PlanTest, MissingSourceIsAnError)
{
	parse(std::string(kCat) + "build out: cat in\n");
	node("out")->dirty = true;
	node("in")->dirty = true; // missing, and nothing makes it
	EXPECT_EQ(-1, plan_add_target(&b, node("out"), &err));
	EXPECT_STREQ("'in', needed by 'out', missing and no known rule to make it",
		     err.msg);
}

TEST_F(PlanTest, FailedEdgeStopsItsDependents)
{
	parse(std::string(kCat) + "build out: cat mid\nbuild mid: cat in\n");
	all_dirty();
	add("out");
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid"}), take_all());
	finish("mid", false);
	EXPECT_EQ((strs{}), take_all());
	EXPECT_TRUE(plan_more_to_do(&b));
}

TEST_F(PlanTest, PoolWithDepthOne)
{
	parse("pool foobar\n"
	      "  depth = 1\n"
	      "rule poolcat\n"
	      "  command = cat $in > $out\n"
	      "  pool = foobar\n"
	      "build out1: poolcat in\n"
	      "build out2: poolcat in\n");
	all_dirty();
	add("out1");
	add("out2");
	plan_prepare(&b);
	EXPECT_EQ((strs{"out1"}), take_all());
	struct pool *p = find("out1")->pool;
	EXPECT_EQ(1, p->current);
	finish("out1");
	EXPECT_EQ(0, p->current);
	EXPECT_EQ((strs{"out2"}), take_all());
	finish("out2");
	EXPECT_EQ(0, p->current);
	EXPECT_FALSE(plan_more_to_do(&b));
}

TEST_F(PlanTest, PoolWithDepthTwo)
{
	parse("pool foobar\n"
	      "  depth = 2\n"
	      "pool bazbin\n"
	      "  depth = 2\n"
	      "rule foocat\n"
	      "  command = cat $in > $out\n"
	      "  pool = foobar\n"
	      "rule bazcat\n"
	      "  command = cat $in > $out\n"
	      "  pool = bazbin\n"
	      "build out1: foocat in\n"
	      "build out2: foocat in\n"
	      "build out3: foocat in\n"
	      "build outb1: bazcat in\n"
	      "build outb2: bazcat in\n"
	      "build outb3: bazcat in\n"
	      "  pool =\n"
	      "build allTheThings: phony out1 out2 out3 outb1 outb2 outb3\n");
	all_dirty();
	add("allTheThings");
	plan_prepare(&b);
	// Two of each pool, and outb3, which is in no pool.
	strs first = take_all();
	EXPECT_EQ(5u, first.size());
	EXPECT_EQ((std::set<std::string>{"out1", "out2", "outb1", "outb2",
					 "outb3"}),
		  std::set<std::string>(first.begin(), first.end()));
	finish("outb3");
	EXPECT_EQ((strs{}), take_all()) << "the default pool frees nothing";
	finish("out2");
	EXPECT_EQ((strs{"out3"}), take_all());
	for (const char *o : {"out1", "out3", "outb1", "outb2"})
		finish(o);
	EXPECT_EQ((strs{"allTheThings"}), take_all());
	finish("allTheThings");
	EXPECT_FALSE(plan_more_to_do(&b));
}

TEST_F(PlanTest, ConsolePoolRunsOneAtATime)
{
	parse("rule con\n  command = c\n  pool = console\n"
	      "build a: con\nbuild b: con\nbuild c: con\n");
	all_dirty();
	add("a");
	add("b");
	add("c");
	plan_prepare(&b);
	EXPECT_EQ((strs{"a"}), take_all());
	finish("a");
	EXPECT_EQ((strs{"b"}), take_all());
	finish("b");
	EXPECT_EQ((strs{"c"}), take_all());
}

TEST_F(PlanTest, CriticalPathPutsTheLongChainFirst)
{
	// short comes first in the file (lower id), so only the critical
	// path can put the head of the long chain ahead of it.
	parse(std::string(kCat) + "build short: cat in\n"
				  "build a1: cat in\nbuild a2: cat a1\n"
				  "build a3: cat a2\nbuild a4: cat a3\n"
				  "build all: phony short a4\n");
	all_dirty();
	add("all");
	plan_prepare(&b);
	EXPECT_GT(sched(&b, find("a1"))->critical_weight,
		  sched(&b, find("short"))->critical_weight);
	EXPECT_EQ((strs{"a1", "short"}), take_all());
}

TEST_F(PlanTest, CriticalPathUsesLoggedDurations)
{
	// One slow edge outweighs a chain of three fast ones.
	parse(std::string(kCat) + "build f1: cat in\nbuild f2: cat f1\n"
				  "build f3: cat f2\nbuild slow: cat in\n"
				  "build all: phony f3 slow\n");
	all_dirty();
	auto timed = [&](const char *o, int ms) {
		struct node *n = node(o);
		n->has_log = true;
		n->log_start_ms = 0;
		n->log_end_ms = ms;
	};
	timed("f1", 10);
	timed("f2", 10);
	timed("f3", 10);
	timed("slow", 5000);
	add("all");
	plan_prepare(&b);
	EXPECT_EQ((strs{"slow", "f1"}), take_all());
}

// Three links of 3.6G in 6G can only run one after another, so together
// they are longer than any path in the graph: the one that is ready must
// start before the compiles that feed the others (bench/memory.py,
// mem-mixed; the critical path alone picks the compiles).
static const char kBigLinks[] =
	"rule cat\n  command = cat $in > $out\n"
	"build o1: cat in\nbuild o2: cat in\n"
	"build big0: cat in\n  mem = 3600M\n"
	"build big1: cat o1\n  mem = 3600M\n"
	"build big2: cat o2\n  mem = 3600M\n"
	"build small: cat in\n  mem = 2500M\n"
	"build all: phony big0 big1 big2 small\n";

struct ChainTest : public PlanTest {
	void timed(const char *o, int ms)
	{
		struct node *n = node(o);
		n->has_log = true;
		n->log_start_ms = 0;
		n->log_end_ms = ms;
	}
	void prepare(bool mem_on)
	{
		parse(kBigLinks);
		all_dirty();
		timed("o1", 2500);
		timed("o2", 2500);
		timed("big0", 12000);
		timed("big1", 12000);
		timed("big2", 12000);
		timed("small", 4000);
		plan(mem_on);
	}
	// Plans "all" in 6G with a 300M floor.
	void plan(bool mem_on)
	{
		b.mem.enabled = mem_on;
		b.mem.capacity = 6 * (1LL << 30);
		b.mem.floor = 300 << 20;
		add("all");
		plan_prepare(&b);
	}
};

TEST_F(ChainTest, JobsTooBigToRunTogetherAreChainedInTheOrderTheyCanStart)
{
	prepare(true);
	EXPECT_EQ(find("big1"), sched(&b, find("big0"))->mem_next);
	EXPECT_EQ(find("big2"), sched(&b, find("big1"))->mem_next);
	EXPECT_EQ(nullptr, sched(&b, find("big2"))->mem_next);
	EXPECT_EQ(nullptr, sched(&b, find("small"))->mem_next)
		<< "2.5G fits twice in 6G: not chained";
	// The ready link carries the whole chain; what feeds the next link
	// the rest of it.
	EXPECT_EQ(36003, sched(&b, find("big0"))->critical_weight);
	EXPECT_EQ((strs{"big0", "o1", "o2", "small"}), take_all());
}

TEST_F(ChainTest, JobsOfWhichTwoFitRunInTwoLanes)
{
	// Four 2.4G links in 6G, each after a 3 s tool (mem-phases): only two
	// fit at once, so the third follows the first and the fourth the
	// second, and the tools of the first two carry two links each. They
	// go before a lone 12 s job, which the critical path alone would put
	// first (the tools' own paths are 10 s).
	parse("rule cat\n  command = cat $in > $out\n"
	      "build t0: cat in\nbuild t1: cat in\nbuild t2: cat in\n"
	      "build t3: cat in\nbuild x: cat in\n"
	      "build a0: cat t0\n  mem = 2400M\nbuild a1: cat t1\n  mem = 2400M\n"
	      "build a2: cat t2\n  mem = 2400M\nbuild a3: cat t3\n  mem = 2400M\n"
	      "build all: phony a0 a1 a2 a3 x\n");
	all_dirty();
	for (const char *t : {"t0", "t1", "t2", "t3"})
		timed(t, 3000);
	for (const char *a : {"a0", "a1", "a2", "a3"})
		timed(a, 7000);
	timed("x", 12000);
	plan(true);
	EXPECT_EQ(find("a2"), sched(&b, find("a0"))->mem_next);
	EXPECT_EQ(find("a3"), sched(&b, find("a1"))->mem_next);
	EXPECT_EQ(nullptr, sched(&b, find("a2"))->mem_next);
	EXPECT_EQ((strs{"t0", "t1", "x", "t2", "t3"}), take_all());
}

TEST_F(ChainTest, LinksReadyTogetherPairALargeOneWithASmallOne)
{
	// mem-equal-links: seven links of 2.5 to 3.1G in 6G, ready together.
	// In edge order the lanes paired 2.9G with 3.0G, which do not fit
	// together; largest beside smallest, every pair fits.
	std::string m = "rule cat\n  command = cat $in > $out\nbuild lib: cat in\n";
	const int mb[] = {2600, 2700, 2800, 2900, 2950, 3000, 3100};
	for (int i = 0; i < 7; i++)
		m += "build app" + std::to_string(i) + ": cat lib\n  mem = " +
		     std::to_string(mb[i]) + "M\n";
	m += "build all: phony app0 app1 app2 app3 app4 app5 app6\n";
	parse(m.c_str());
	all_dirty();
	plan(true);
	auto next = [&](const char *o) { return sched(&b, find(o))->mem_next; };
	EXPECT_EQ(find("app5"), next("app6"));
	EXPECT_EQ(find("app4"), next("app5"));
	EXPECT_EQ(find("app3"), next("app4"));
	EXPECT_EQ(nullptr, next("app3"));
	EXPECT_EQ(find("app1"), next("app0"));
	EXPECT_EQ(find("app2"), next("app1"));
	EXPECT_EQ(nullptr, next("app2"));
}

TEST_F(ChainTest, WithoutMemoryTheCriticalPathAlonePicksTheCompiles)
{
	prepare(false);
	EXPECT_EQ(nullptr, sched(&b, find("big0"))->mem_next);
	EXPECT_EQ((strs{"o1", "o2", "big0", "small"}), take_all());
}

// Learning within a first build: a job's default guess is asked again
// once jobs of its rule have put their runs in the history.
struct LearnTest : public PlanTest {
	struct history h;
	std::string dir;
	void SetUp() override
	{
		PlanTest::SetUp();
		char tmpl[] = "/tmp/nj_learn_test.XXXXXX";
		ASSERT_TRUE(mkdtemp(tmpl));
		dir = tmpl;
		history_init(&h);
		std::string path = dir + "/.nj_history";
		ASSERT_EQ(0, history_load(&h, path.c_str(), &err)) << err.msg;
		ASSERT_EQ(0, history_open(&h, &err)) << err.msg;
		b.history = &h;
		b.mem.enabled = true;
		b.mem.capacity = 6 * (1LL << 30);
		b.mem.floor = 300 << 20;
		b.mem.default_estimate = 256 << 20;
	}
	void TearDown() override
	{
		b.history = nullptr;
		history_close(&h);
		PlanTest::TearDown();
		std::string rm = "rm -rf '" + dir + "'";
		ASSERT_EQ(0, system(rm.c_str()));
	}
};

TEST_F(LearnTest, ADefaultGuessIsAskedAgainAfterItsRuleRan)
{
	parse("rule link\n  command = ld\nbuild l1: link in\n"
	      "build l2: link in\nbuild l3: link in\n");
	EXPECT_EQ(256 << 20, admit_estimate(&b, find("l3")));
	EXPECT_EQ(MEM_FROM_DEFAULT, sched(&b, find("l3"))->mem_source);
	struct history_run run = {int64_t(2500) << 20, 1000, 10000, 4000, 0,
				  false};
	ASSERT_EQ(0, history_record(&h, "l1", "link", &run, &err)) << err.msg;
	EXPECT_GE(admit_estimate(&b, find("l3")), int64_t(2500) << 20)
		<< "the rule's run in this build is evidence";
	EXPECT_EQ(MEM_FROM_RULE, sched(&b, find("l3"))->mem_source);
}

TEST_F(LearnTest, ARaisedEstimateIsKept)
{
	parse("rule link\n  command = ld\nbuild l1: link in\n"
	      "build l2: link in\n");
	EXPECT_EQ(256 << 20, admit_estimate(&b, find("l2")));
	// admitted on what a running sibling showed: that is its reservation
	sched(&b, find("l2"))->mem_estimate = int64_t(3) << 30;
	EXPECT_EQ(int64_t(3) << 30, admit_estimate(&b, find("l2")));
}

TEST_F(LearnTest, AdmissionComparesOnlyLargeJobsOfKnownSize)
{
	// 2G: the 256M guess is more than an eighth of what the floor
	// leaves, but guesses are all one size: nothing to compare, and each
	// admission looks at one ready edge, however many there are.
	b.mem.capacity = int64_t(2) << 30;
	b.mem.floor = 128 << 20;
	b.mem.free = b.mem.capacity;
	std::string m = "rule cc\n  command = cc\n";
	for (int i = 0; i < 100; i++)
		m += "build o" + std::to_string(i) + ": cc in\n";
	parse(m);
	all_dirty();
	for (int i = 0; i < 100; i++)
		add(("o" + std::to_string(i)).c_str());
	plan_prepare(&b);
	for (int i = 0; i < 3; i++)
		ASSERT_NE(nullptr, admit_next(&b));
	EXPECT_EQ(3u, b.mem_looked);

	// Known sizes: ten runs of the rule, one of them large. The rule's
	// percentile (300M) makes the others large too; the largest that
	// fits among the equally urgent starts first.
	for (int i = 40; i < 50; i++) {
		std::string o = "o" + std::to_string(i);
		struct history_run run = {int64_t(i == 45 ? 900 : 300) << 20,
					  100, 1000, 500, 0, false};
		ASSERT_EQ(0, history_record(&h, o.c_str(), "cc", &run, &err))
			<< err.msg;
	}
	struct edge *e = admit_next(&b);
	EXPECT_EQ("o45", out(e));
	EXPECT_GT(b.mem_looked, 4u) << "it compared";
}

TEST_F(PlanTest, WithoutHistoryTiesGoToFileOrder)
{
	parse(std::string(kCat) + "build c: cat in\nbuild b: cat in\n"
				  "build a: cat in\n");
	all_dirty();
	add("a");
	add("b");
	add("c");
	plan_prepare(&b);
	EXPECT_EQ((strs{"c", "b", "a"}), take_all());
}

TEST_F(PlanTest, RestatCleanNodeRemovesDependents)
{
	// mid's restat edge ran and left mid unchanged: out, whose other
	// inputs are clean and whose log matches, no longer needs to run.
	parse("rule true\n  command = true\n  restat = 1\n" +
	      std::string(kCat) +
	      "build mid: true in\nbuild out: cat mid\nbuild final: cat out\n");
	all_dirty();
	struct node *in = node("in"), *mid = node("mid"), *o = node("out");
	in->mtime = 100;
	mid->mtime = 200;
	o->mtime = 300;
	struct buf cmd = {};
	edge_command(o->in_edge, true, &cmd);
	struct build_log bl;
	build_log_init(&bl);
	build_log_attach(&bl, &st); // no file: the newest version's hash
	o->has_log = true;
	o->log_hash = command_hash(cmd.s, cmd.len, 0);
	o->log_mtime = 300;
	buf_free(&cmd);
	// final's output is missing, so it stays wanted.
	node("final")->mtime = MTIME_MISSING;

	add("final");
	EXPECT_EQ(3, b.command_edges);
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid"}), take_all());

	ASSERT_EQ(0, plan_clean_node(&b, mid, &err)) << err.msg;
	EXPECT_FALSE(mid->dirty);
	EXPECT_FALSE(o->dirty);
	EXPECT_EQ(WANT_NOTHING, sched(&b, o->in_edge)->want);
	EXPECT_EQ(2, b.command_edges);
	EXPECT_EQ(1, plan_totals);
	EXPECT_EQ(2, last_total);

	finish("mid");
	// out is skipped; final is ready at once.
	EXPECT_EQ((strs{"final"}), take_all());
	finish("final");
	EXPECT_FALSE(plan_more_to_do(&b));
}

TEST_F(PlanTest, RestatKeepsDependentsWithChangedCommand)
{
	parse("rule true\n  command = true\n  restat = 1\n" +
	      std::string(kCat) + "build mid: true in\nbuild out: cat mid\n");
	all_dirty();
	node("in")->mtime = 100;
	node("mid")->mtime = 200;
	node("out")->mtime = 300;
	node("out")->has_log = true;
	node("out")->log_hash = 12345; // not this command
	node("out")->log_mtime = 300;
	add("out");
	plan_prepare(&b);
	EXPECT_EQ((strs{"mid"}), take_all());
	ASSERT_EQ(0, plan_clean_node(&b, node("mid"), &err)) << err.msg;
	EXPECT_EQ(WANT_TO_START, sched(&b, find("out"))->want);
	EXPECT_EQ(2, b.command_edges);
	finish("mid");
	EXPECT_EQ((strs{"out"}), take_all());
}

TEST_F(PlanTest, PutBackKeepsTheEdgeReady)
{
	parse(std::string(kCat) + "build a: cat in\nbuild b: cat in\n");
	all_dirty();
	add("a");
	add("b");
	plan_prepare(&b);
	struct edge *e = plan_pop_ready(&b);
	ASSERT_NE(nullptr, e);
	EXPECT_EQ("a", out(e));
	plan_put_back(&b, e); // admission said no: it waits, first in line
	EXPECT_EQ((strs{"a", "b"}), take_all());
}

// ---- the build loop, dry run (no processes) ----

struct DryRunTest : public PlanTest {
	std::vector<std::string> finished;
	static void on_finished(struct status *s, struct edge *e, int64_t,
				int64_t, int code, const char *, size_t)
	{
		DryRunTest *t = static_cast<DryRunTest *>(
			reinterpret_cast<owned_status *>(s)->t);
		t->finished.push_back(std::string(code == 0 ? "" : "FAILED ") +
				      e->outputs[0]->path);
	}
	void SetUp() override
	{
		state_init(&st);
		status.t = this;
		status.s.plan_total = on_total;
		status.s.edge_finished = on_finished;
		struct build_config cfg = {};
		cfg.parallelism = 2;
		cfg.failures_allowed = 1;
		cfg.dry_run = true;
		cfg.mem_off = true;
		builder_init(&b, &st, &cfg, nullptr, nullptr, nullptr, &status.s);
		char tmpl[] = "/tmp/nj_sched_test.XXXXXX";
		ASSERT_NE(nullptr, mkdtemp(tmpl));
		dir = tmpl;
		oldcwd = open(".", O_RDONLY | O_DIRECTORY);
		ASSERT_EQ(0, chdir(dir.c_str()));
	}
	void TearDown() override
	{
		PlanTest::TearDown();
		free(graph_take_eval_error());
		EXPECT_EQ(0, fchdir(oldcwd));
		close(oldcwd);
		EXPECT_EQ(0, system(("rm -rf '" + dir + "'").c_str()));
	}
	std::string dir;
	int oldcwd = -1;
};

TEST_F(DryRunTest, RunsEveryEdgeInDependencyOrder)
{
	parse(std::string(kCat) + "build out: cat mid\nbuild mid: cat in\n");
	ASSERT_EQ(0, system("touch in"));
	ASSERT_EQ(0, builder_add_target(&b, node("out"), &err)) << err.msg;
	EXPECT_FALSE(builder_up_to_date(&b));
	ASSERT_EQ(0, builder_build(&b, &err)) << err.msg;
	EXPECT_EQ((strs{"mid", "out"}), finished);
	EXPECT_EQ(2, last_total);
}

TEST_F(DryRunTest, CycleInRuleVariablesIsFatal)
{
	// ninja stops with "fatal: cycle in rule variables" under -n too.
	parse("rule r\n"
	      "  command = $description\n"
	      "  description = $command\n"
	      "build x: r\n");
	ASSERT_EQ(0, builder_add_target(&b, node("x"), &err)) << err.msg;
	free(graph_take_eval_error()); // from the scan's command hash
	EXPECT_EQ(-1, builder_build(&b, &err));
	ASSERT_NE(nullptr, err.msg);
	EXPECT_STREQ("cycle in rule variables: description -> command -> "
		     "description",
		     err.msg);
	EXPECT_TRUE(err.fatal);
	EXPECT_EQ((strs{}), finished);
}

} // namespace
