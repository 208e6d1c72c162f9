// The shared memory budget's file (exec/budget.c): records published and
// read back, a dead build's record ignored, the file gone with the last
// build. Two budgets in one process stand for two builds.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

extern "C" {
#include "exec/exec.h"
}

namespace {

struct BudgetTest : ::testing::Test {
	std::string dir;
	struct err err = {};
	std::string old_xdg;
	bool had_xdg = false;

	void SetUp() override
	{
		char tmpl[] = "/tmp/nj-budget-test-XXXXXX";
		ASSERT_NE(nullptr, mkdtemp(tmpl));
		dir = tmpl;
		const char *x = getenv("XDG_RUNTIME_DIR");
		had_xdg = x != nullptr;
		if (x)
			old_xdg = x;
		setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
		unsetenv("NJ_BUDGET_PARENT");
	}
	void TearDown() override
	{
		if (had_xdg)
			setenv("XDG_RUNTIME_DIR", old_xdg.c_str(), 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		unsetenv("NJ_BUDGET_PARENT");
		err_clear(&err);
		std::string cmd = "rm -rf '" + dir + "'";
		ASSERT_EQ(0, system(cmd.c_str()));
	}
};

TEST_F(BudgetTest, TwoBuildsSeeEachOthersReservations)
{
	struct budget a, b;
	ASSERT_EQ(0, budget_open(&a, "/sys/fs/cgroup/memory/x", &err)) << err.msg;
	ASSERT_EQ(0, budget_open(&b, "/sys/fs/cgroup/memory/x", &err)) << err.msg;
	EXPECT_NE(a.slot, b.slot);
	EXPECT_EQ(0, strncmp(a.path, dir.c_str(), dir.size())) << a.path;
	EXPECT_STREQ(a.path, b.path) << "one file per memory domain";
	a.mine.reserved = 3LL << 30;
	a.mine.jobs = 2;
	ASSERT_EQ(0, budget_publish(&a));
	ASSERT_EQ(1u, budget_read(&b));
	EXPECT_EQ(3LL << 30, b.others[0].reserved);
	EXPECT_EQ(2, b.others[0].jobs);
	ASSERT_EQ(1u, budget_read(&a)) << "each sees the other, not itself";
	EXPECT_EQ(0, a.others[0].reserved);
	EXPECT_STREQ(getenv("NJ_BUDGET_PARENT"), std::to_string(getpid()).c_str())
		<< "the jobs find their nj";

	// Another domain is another file.
	struct budget c;
	ASSERT_EQ(0, budget_open(&c, "machine", &err)) << err.msg;
	EXPECT_STRNE(a.path, c.path);
	EXPECT_EQ(0u, budget_read(&c));
	budget_close(&c);

	std::string path = a.path;
	budget_close(&a);
	EXPECT_EQ(0u, budget_read(&b)) << "a closed build's slot is free";
	struct stat sb;
	EXPECT_EQ(0, stat(path.c_str(), &sb)) << "b still uses the file";
	budget_close(&b);
	EXPECT_NE(0, stat(path.c_str(), &sb)) << "the last one out removes it";
}

TEST_F(BudgetTest, ADeadBuildsRecordCountsForNothing)
{
	struct budget a, b;
	ASSERT_EQ(0, budget_open(&a, "d", &err)) << err.msg;
	ASSERT_EQ(0, budget_open(&b, "d", &err)) << err.msg;
	// A record as a build killed with -9 leaves it: a pid that is gone.
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	ASSERT_GT(child, 0);
	int st;
	ASSERT_EQ(child, waitpid(child, &st, 0));
	a.mine.pid = child;
	a.mine.reserved = 5LL << 30;
	ASSERT_EQ(0, budget_publish(&a));
	EXPECT_EQ(0u, budget_read(&b));
	// So does a record whose numbers were torn (its checksum fails).
	a.mine.pid = getpid();
	ASSERT_EQ(0, budget_publish(&a));
	EXPECT_EQ(1u, budget_read(&b));
	a.mine.reserved = 1;
	ASSERT_EQ((ssize_t)sizeof(int64_t),
		  pwrite(a.fd, &a.mine.reserved, sizeof(int64_t),
			 (off_t)a.slot * (off_t)sizeof(a.mine) +
				 (off_t)offsetof(struct budget_rec, reserved)));
	EXPECT_EQ(0u, budget_read(&b));
	budget_close(&a);
	budget_close(&b);
}

TEST_F(BudgetTest, ANestedNjNamesItsParentAndJob)
{
	setenv("NJ_BUDGET_PARENT", "4242", 1);
	struct budget a;
	ASSERT_EQ(0, budget_open(&a, "d", &err)) << err.msg;
	EXPECT_EQ(4242, a.mine.parent_pid);
	EXPECT_EQ(getpgrp(), a.mine.parent_pgid);
	budget_close(&a);
}

} // namespace
