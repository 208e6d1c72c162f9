// Unit tests for exec/: spawning, capture, exit status, signals, killing.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

extern "C" {
#include "exec/exec.h"
}

namespace {

struct ExecTest : ::testing::Test {
	struct exec ex;
	struct err err = {};

	void SetUp() override { ASSERT_EQ(0, exec_init(&ex, &err)); }
	void TearDown() override
	{
		exec_shutdown(&ex);
		err_clear(&err);
	}

	struct job *start(const char *cmd, bool console = false)
	{
		struct job *j = exec_start(&ex, cmd, console, nullptr, &err);
		EXPECT_NE(nullptr, j) << (err.msg ? err.msg : "");
		return j;
	}
	// Wait until every job has finished (or 10 s pass); false on a signal.
	bool wait_all()
	{
		int64_t deadline = exec_now_ns() + 10 * 1000000000LL;
		while (ex.nrunning && exec_now_ns() < deadline)
			if (exec_wait(&ex, 1000))
				return false;
		return ex.nrunning == 0;
	}
	// Run one command to completion; the caller frees the job.
	struct job *run(const char *cmd)
	{
		struct job *j = start(cmd);
		EXPECT_TRUE(wait_all());
		struct job *f = exec_next_finished(&ex);
		EXPECT_EQ(j, f);
		return f;
	}
	static std::string out(struct job *j)
	{
		const char *s;
		size_t len;
		exec_job_output(j, &s, &len);
		return std::string(s, len);
	}
};

TEST_F(ExecTest, CapturesStdoutAndStderrInOrder)
{
	struct job *j = run("echo a; echo b >&2; echo c; printf d >&2");
	EXPECT_EQ("a\nb\nc\nd", out(j));
	EXPECT_EQ(JOB_OK, j->status);
	EXPECT_EQ(0, j->exit_code);
	EXPECT_EQ(0, j->term_signal);
	EXPECT_GE(j->end_ns, j->start_ns);
	EXPECT_GT(j->maxrss_kb, 0);
	EXPECT_EQ(-1, j->fd);
	exec_job_free(j);
}

TEST_F(ExecTest, ExitCodes)
{
	struct job *j = run("exit 3");
	EXPECT_EQ(JOB_FAILED, j->status);
	EXPECT_EQ(3, j->exit_code);
	exec_job_free(j);
	j = run("echo oops; false");
	EXPECT_EQ(JOB_FAILED, j->status);
	EXPECT_EQ(1, j->exit_code);
	EXPECT_EQ("oops\n", out(j));
	exec_job_free(j);
	j = run("/nonexistent/command");
	EXPECT_EQ(JOB_FAILED, j->status);
	EXPECT_EQ(127, j->exit_code);
	EXPECT_NE(std::string::npos, out(j).find("nonexistent"));
	exec_job_free(j);
}

TEST_F(ExecTest, StdinIsDevNull)
{
	struct job *j = run("cat; echo end");
	EXPECT_EQ("end\n", out(j));
	exec_job_free(j);
}

TEST_F(ExecTest, KilledBySignal)
{
	struct job *j = run("kill -KILL $$");
	EXPECT_EQ(JOB_FAILED, j->status);
	EXPECT_EQ(SIGKILL, j->term_signal);
	EXPECT_EQ(128 + SIGKILL, j->exit_code);
	exec_job_free(j);
	j = run("kill -SEGV $$");
	EXPECT_EQ(JOB_FAILED, j->status);
	EXPECT_EQ(SIGSEGV, j->term_signal);
	exec_job_free(j);
	// As ninja: death by SIGTERM/SIGINT/SIGHUP counts as an interruption.
	j = run("kill -TERM $$");
	EXPECT_EQ(JOB_INTERRUPTED, j->status);
	EXPECT_EQ(SIGTERM, j->term_signal);
	exec_job_free(j);
}

TEST_F(ExecTest, ManyParallelJobs)
{
	const int n = 20;
	struct job *jobs[n];
	int64_t t0 = exec_now_ns();
	for (int i = 0; i < n; i++) {
		std::string cmd = "sleep 0.1; echo " + std::to_string(i);
		jobs[i] = start(cmd.c_str());
		jobs[i]->user = (void *)(intptr_t)i;
	}
	ASSERT_TRUE(wait_all());
	EXPECT_LT(exec_now_ns() - t0, 2000000000LL); // ran side by side
	int seen = 0;
	while (struct job *j = exec_next_finished(&ex)) {
		int i = (int)(intptr_t)j->user;
		EXPECT_EQ(jobs[i], j);
		EXPECT_EQ(std::to_string(i) + "\n", out(j));
		EXPECT_EQ(JOB_OK, j->status);
		exec_job_free(j);
		seen++;
	}
	EXPECT_EQ(n, seen);
}

TEST_F(ExecTest, LargeOutputDoesNotDeadlock)
{
	struct job *a = start("head -c 1048576 /dev/zero | tr '\\0' x");
	struct job *b = start("i=0; while [ $i -lt 3000 ]; do "
			      "echo line $i; echo err $i >&2; i=$((i+1)); done");
	ASSERT_TRUE(wait_all());
	exec_next_finished(&ex);
	exec_next_finished(&ex);
	// Past JOB_OUTPUT_MEM_MAX the output is in a temporary file, not on
	// the heap; it reads back whole.
	EXPECT_LE(a->output.cap, (size_t)JOB_OUTPUT_MEM_MAX);
	EXPECT_GE(a->spill_fd, 0);
	EXPECT_EQ(std::string(1048576, 'x'), out(a));
	EXPECT_EQ('\0', out(a).c_str()[1048576]);
	std::string want;
	for (int i = 0; i < 3000; i++)
		want += "line " + std::to_string(i) + "\nerr " +
			std::to_string(i) + "\n";
	EXPECT_EQ(want, out(b));
	exec_job_free(a);
	exec_job_free(b);
}

TEST_F(ExecTest, OutputFillingWholePagesIsNulTerminated)
{
	struct job *a = start("head -c 1048576 /dev/zero | tr '\\0' y");
	ASSERT_TRUE(wait_all());
	exec_next_finished(&ex);
	const char *s;
	size_t len;
	exec_job_output(a, &s, &len);
	ASSERT_EQ(1048576u, len);
	EXPECT_EQ('y', s[len - 1]);
	EXPECT_EQ('\0', s[len]) << "readable one past the end";
	exec_job_free(a);
}

TEST_F(ExecTest, OwnProcessGroup)
{
	// Field 5 of /proc/PID/stat is the process group.
	struct job *j = run("cut -d' ' -f5 /proc/$$/stat");
	EXPECT_EQ(std::to_string(j->pid) + "\n", out(j));
	exec_job_free(j);
}

TEST_F(ExecTest, ConsoleJobSharesGroupAndIsReaped)
{
	struct job *j = start("exit 4", true);
	EXPECT_EQ(-1, j->fd);
	ASSERT_TRUE(wait_all());
	ASSERT_EQ(j, exec_next_finished(&ex));
	EXPECT_EQ(4, j->exit_code);
	EXPECT_EQ(JOB_FAILED, j->status);
	exec_job_free(j);

	// Its process group is nj's: check by writing it to a file.
	char path[] = "/tmp/nj_exec_test_XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	close(fd);
	std::string cmd = "cut -d' ' -f5 /proc/$$/stat > " + std::string(path);
	j = start(cmd.c_str(), true);
	ASSERT_TRUE(wait_all());
	exec_next_finished(&ex);
	EXPECT_EQ(JOB_OK, j->status);
	FILE *f = fopen(path, "r");
	ASSERT_NE(nullptr, f);
	long pg = -1;
	EXPECT_EQ(1, fscanf(f, "%ld", &pg));
	fclose(f);
	unlink(path);
	EXPECT_EQ((long)getpgrp(), pg);
	exec_job_free(j);
}

TEST_F(ExecTest, WaitsForEofAfterShellExits)
{
	// As ninja, a job is done at EOF, even if the shell exited earlier.
	struct job *j = run("(sleep 0.3; echo late) & echo early");
	EXPECT_EQ("early\nlate\n", out(j));
	EXPECT_EQ(JOB_OK, j->status);
	exec_job_free(j);
}

TEST_F(ExecTest, ReapsAfterEarlyEof)
{
	// The pipe closes long before the process ends: SIGCHLD must wake us.
	struct job *j = run("echo x; exec >&- 2>&-; sleep 0.3; exit 5");
	EXPECT_EQ("x\n", out(j));
	EXPECT_EQ(5, j->exit_code);
	EXPECT_GE(j->end_ns - j->start_ns, 250000000LL);
	exec_job_free(j);
}

TEST_F(ExecTest, WaitTimesOut)
{
	struct job *j = start("sleep 1");
	int64_t t0 = exec_now_ns();
	EXPECT_FALSE(exec_wait(&ex, 50));
	int64_t dt = exec_now_ns() - t0;
	EXPECT_GE(dt, 40000000LL);
	EXPECT_LT(dt, 500000000LL);
	EXPECT_EQ(nullptr, exec_next_finished(&ex));
	EXPECT_EQ(1u, ex.nrunning);
	(void)j;
	// With nothing running, waiting returns at once.
	exec_kill_all(&ex);
	exec_job_free(exec_next_finished(&ex));
	t0 = exec_now_ns();
	EXPECT_FALSE(exec_wait(&ex, -1));
	EXPECT_LT(exec_now_ns() - t0, 100000000LL);
}

static bool gone(pid_t pid)
{
	// Dead, or a zombie waiting for whoever inherited it.
	if (kill(pid, 0) < 0)
		return true;
	std::string path = "/proc/" + std::to_string(pid) + "/stat";
	FILE *f = fopen(path.c_str(), "r");
	if (!f)
		return true;
	char buf[512] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

TEST_F(ExecTest, KillAllTerminatesGroupWithGrandchildren)
{
	struct job *j = start("sh -c 'sleep 100 & echo $!; sleep 100; wait'");
	// Wait until the background pid has been printed.
	while (!memchr(j->output.s ? j->output.s : "", '\n', j->output.len))
		ASSERT_FALSE(exec_wait(&ex, 1000));
	pid_t bg = (pid_t)atol(j->output.s);
	ASSERT_GT(bg, 0);
	int64_t t0 = exec_now_ns();
	exec_kill_all(&ex);
	EXPECT_LT(exec_now_ns() - t0, 1000000000LL);
	EXPECT_EQ(0u, ex.nrunning);
	ASSERT_EQ(j, exec_next_finished(&ex));
	EXPECT_EQ(JOB_INTERRUPTED, j->status);
	EXPECT_EQ(-1, j->fd);
	for (int i = 0; i < 100 && !gone(bg); i++)
		usleep(10000);
	EXPECT_TRUE(gone(bg));
	exec_job_free(j);
}

TEST_F(ExecTest, KillAllEscalatesOnSecondSignalOrTimeout)
{
	// A shell that ignores SIGINT; a second SIGINT asks for SIGKILL.
	struct job *j = start("trap '' INT; echo ready; sleep 100");
	while (!j->output.len)
		ASSERT_FALSE(exec_wait(&ex, 1000));
	pid_t helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		usleep(200000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	int64_t t0 = exec_now_ns();
	exec_kill_all(&ex);
	int64_t dt = exec_now_ns() - t0;
	EXPECT_GE(dt, 150000000LL);
	EXPECT_LT(dt, 2000000000LL);
	struct job *f = exec_next_finished(&ex);
	ASSERT_EQ(j, f);
	EXPECT_EQ(JOB_INTERRUPTED, f->status);
	EXPECT_EQ(SIGKILL, f->term_signal);
	exec_job_free(f);
	int st;
	waitpid(helper, &st, 0);
}

TEST_F(ExecTest, SigintInterruptsWaitAndSparesUs)
{
	struct job *j = start("sleep 5");
	pid_t helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		usleep(100000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	bool got = false;
	int64_t t0 = exec_now_ns();
	while (!got && exec_now_ns() - t0 < 5000000000LL)
		got = exec_wait(&ex, 1000);
	EXPECT_TRUE(got);
	EXPECT_EQ(SIGINT, ex.interrupted);
	EXPECT_TRUE(exec_wait(&ex, 0)); // sticky
	int st;
	waitpid(helper, &st, 0);
	exec_kill_all(&ex);
	EXPECT_LT(exec_now_ns() - t0, 2000000000LL);
	ASSERT_EQ(j, exec_next_finished(&ex));
	EXPECT_EQ(JOB_INTERRUPTED, j->status);
	EXPECT_EQ(SIGINT, j->term_signal);
	exec_job_free(j);
}

TEST_F(ExecTest, SigtermIsPassedOn)
{
	struct job *j = start("sleep 5");
	pid_t helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		usleep(100000);
		kill(getppid(), SIGTERM);
		_exit(0);
	}
	while (!exec_wait(&ex, 1000)) {
	}
	EXPECT_EQ(SIGTERM, ex.interrupted);
	int st;
	waitpid(helper, &st, 0);
	exec_kill_all(&ex);
	ASSERT_EQ(j, exec_next_finished(&ex));
	EXPECT_EQ(SIGTERM, j->term_signal);
	EXPECT_EQ(JOB_INTERRUPTED, j->status);
	exec_job_free(j);
}

// Descriptors of this process that a child would inherit anyway.
static std::set<std::string> inheritable_fds()
{
	std::set<std::string> s;
	DIR *d = opendir("/proc/self/fd");
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd == dirfd(d))
			continue;
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			s.insert(e->d_name);
	}
	closedir(d);
	return s;
}

TEST_F(ExecTest, NoDescriptorsLeakIntoChildren)
{
	struct job *busy = start("sleep 0.3"); // its pipe is open meanwhile
	std::set<std::string> want = inheritable_fds();
	want.insert({"0", "1", "2"});
	struct job *j = start("ls -l /proc/self/fd");
	while (j->fd >= 0 || !j->reaped)
		ASSERT_FALSE(exec_wait(&ex, 1000));
	std::set<std::string> got;
	std::string o = out(j);
	for (size_t p = 0, q; (q = o.find('\n', p)) != std::string::npos;
	     p = q + 1) {
		// "lr-x------ 1 root root 64 ... 5 -> /dev/null"
		std::string line = o.substr(p, q - p);
		size_t arrow = line.find(" -> ");
		if (arrow == std::string::npos)
			continue; // "total 0"
		std::string target = line.substr(arrow + 4);
		size_t sp = line.rfind(' ', arrow - 1);
		std::string fd = line.substr(sp + 1, arrow - sp - 1);
		// ls's own handle on the directory it lists, whatever its number
		if (target.compare(0, 6, "/proc/") == 0 &&
		    target.size() > 3 && target.compare(target.size() - 3, 3, "/fd") == 0)
			continue;
		got.insert(fd);
	}
	EXPECT_EQ(want, got) << o;
	ASSERT_TRUE(wait_all());
	exec_job_free(exec_next_finished(&ex));
	exec_job_free(exec_next_finished(&ex));
	(void)busy;
}

TEST_F(ExecTest, ChildGetsDefaultSignals)
{
	// SIGPIPE is default in the child even if nj ignores it.
	struct sigaction sa_ign, old;
	memset(&sa_ign, 0, sizeof sa_ign);
	sa_ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa_ign, &old);
	struct job *j = run("grep -E '^Sig(Blk|Ign)' /proc/self/status");
	sigaction(SIGPIPE, &old, nullptr);
	std::string o = out(j);
	unsigned long long blk = ~0ull, ign = ~0ull;
	size_t b = o.find("SigBlk:"), i = o.find("SigIgn:");
	ASSERT_NE(std::string::npos, b) << o;
	ASSERT_NE(std::string::npos, i) << o;
	blk = strtoull(o.c_str() + b + 7, nullptr, 16);
	ign = strtoull(o.c_str() + i + 7, nullptr, 16);
	for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) {
		unsigned long long bit = 1ull << (sig - 1);
		EXPECT_FALSE(blk & bit) << sig << "\n" << o;
		EXPECT_FALSE(ign & bit) << sig << "\n" << o;
	}
	EXPECT_EQ(JOB_OK, j->status);
	exec_job_free(j);
}

TEST_F(ExecTest, WatchedDescriptors)
{
	int p[2];
	ASSERT_EQ(0, pipe(p));
	struct pollfd w = {p[0], POLLIN, 0};
	ex.watch = &w;
	ex.nwatch = 1;
	EXPECT_FALSE(exec_wait(&ex, 20));
	EXPECT_EQ(0, w.revents);
	ASSERT_EQ(1, write(p[1], "x", 1));
	EXPECT_FALSE(exec_wait(&ex, 1000));
	EXPECT_TRUE(w.revents & POLLIN);
	ex.watch = nullptr;
	ex.nwatch = 0;
	close(p[0]);
	close(p[1]);
}

TEST_F(ExecTest, SignalOneJob)
{
	struct job *victim = start("echo ready; sleep 100");
	struct job *other = start("sleep 0.2; echo done");
	while (!victim->output.len)
		ASSERT_FALSE(exec_wait(&ex, 1000));
	EXPECT_EQ(0, exec_signal_job(victim, SIGKILL));
	ASSERT_TRUE(wait_all());
	ASSERT_EQ(victim, exec_next_finished(&ex));
	EXPECT_EQ(JOB_FAILED, victim->status);
	EXPECT_EQ(SIGKILL, victim->term_signal);
	ASSERT_EQ(other, exec_next_finished(&ex));
	EXPECT_EQ("done\n", out(other));
	exec_job_free(victim);
	exec_job_free(other);
}

TEST_F(ExecTest, ShutdownKillsRunningJobs)
{
	start("sleep 100");
	start("sleep 100");
	int64_t t0 = exec_now_ns();
	exec_shutdown(&ex);
	EXPECT_LT(exec_now_ns() - t0, 1000000000LL);
	ASSERT_EQ(0, exec_init(&ex, &err)); // for TearDown
}

TEST(ExecProbe, Basics)
{
	int64_t a = exec_now_ns(), b = exec_now_ns();
	EXPECT_LE(a, b);
	EXPECT_GE(exec_nprocs(), 1);
	double l = exec_loadavg();
	EXPECT_TRUE(l >= 0 || l == -1);
	int p[2];
	ASSERT_EQ(0, pipe(p));
	EXPECT_FALSE(exec_smart_terminal(p[0]));
	EXPECT_EQ(80, exec_terminal_width(p[0]));
	close(p[0]);
	close(p[1]);
}

} // namespace

namespace {

// A job's jobserver pipe as nj serves it: nj tops it up with one token,
// counts what the job holds, and takes back what it returns, and none of
// that may ever block nj, whichever way it reads the job's blocking pipe.
void SlotAccounting(int mode)
{
	js_slot_read_mode(mode);
	struct js_server srv;
	struct err err = {};
	ASSERT_EQ(0, js_server_init(&srv, JS_PIPE, 8, &err));
	struct js_slot slot;
	ASSERT_EQ(0, js_slot_open(&srv, &slot, &err)) << err.msg;
	if (mode == 1) {
		EXPECT_EQ(slot.own, slot.child_r); // no description of its own
	} else if (mode == 0) {
		EXPECT_NE(slot.own, slot.child_r);
	}
	alarm(10); // a blocking read would hang here: fail instead
	EXPECT_EQ(0, js_slot_held(&slot));   // an empty pipe: nothing to read
	EXPECT_EQ(0, js_slot_reclaim(&slot)); // nor to take back
	EXPECT_EQ(1, js_slot_topup(&slot));
	EXPECT_EQ(0, js_slot_topup(&slot)); // one waits already
	EXPECT_EQ(1, js_slot_waiting(&slot));
	char c;
	ASSERT_EQ(1, read(slot.child_r, &c, 1)); // the job takes it
	EXPECT_EQ(1, js_slot_held(&slot));
	EXPECT_EQ(1, js_slot_topup(&slot)); // and is offered the next
	ASSERT_EQ(1, read(slot.child_r, &c, 1));
	EXPECT_EQ(2, js_slot_held(&slot));
	// it gives both back: nj keeps one waiting and takes the other home
	ASSERT_EQ(2, write(slot.child_w, "++", 2));
	EXPECT_EQ(0, js_slot_held(&slot));
	EXPECT_EQ(1, js_slot_waiting(&slot));
	EXPECT_EQ(1, js_slot_reclaim(&slot));
	EXPECT_EQ(0, js_slot_waiting(&slot));
	EXPECT_EQ(0, js_slot_reclaim(&slot));
	alarm(0);
	js_slot_close(&srv, &slot);
	js_server_free(&srv);
	js_slot_read_mode(-1);
}

TEST(JobserverSlot, CountsAndNeverBlocksReadingTheJobsEnd) { SlotAccounting(1); }

TEST(JobserverSlot, CountsAndNeverBlocksThroughItsOwnDescription)
{
	SlotAccounting(0);
}

TEST(JobserverSlot, CountsAndNeverBlocksTheWayThisKernelAllows)
{
	SlotAccounting(-1); // found out on the first slot, as nj does
}

} // namespace
