// Unit tests for exec/memprobe.c: memory probes against fake /proc and cgroup
// trees (exact numbers), then against this machine and real processes
// (build/memhog).
#include <gtest/gtest.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern "C" {
#include "exec/exec.h"
}

namespace {

const int64_t K = 1024, M = 1024 * K, G = 1024 * M;

// A temporary root holding proc/... and sys/fs/cgroup/...
struct FakeRoot {
	std::string root;
	FakeRoot()
	{
		char tmpl[] = "/tmp/nj_mem_test.XXXXXX";
		EXPECT_NE(nullptr, mkdtemp(tmpl));
		root = tmpl;
	}
	~FakeRoot()
	{
		std::string cmd = "rm -rf '" + root + "'";
		EXPECT_EQ(0, system(cmd.c_str()));
	}
	void mkdirs(const std::string &rel)
	{
		std::string p = root;
		size_t i = 0;
		while (i < rel.size()) {
			size_t j = rel.find('/', i + 1);
			if (j == std::string::npos)
				j = rel.size();
			p = root + rel.substr(0, j);
			mkdir(p.c_str(), 0755);
			i = j;
		}
	}
	// rel starts with '/'; parents are made as needed.
	void write(const std::string &rel, const std::string &text)
	{
		mkdirs(rel.substr(0, rel.rfind('/')));
		FILE *f = fopen((root + rel).c_str(), "w");
		ASSERT_NE(nullptr, f) << rel;
		fputs(text.c_str(), f);
		fclose(f);
	}
	void meminfo(int64_t total_kb, int64_t avail_kb)
	{
		write("/proc/meminfo",
		      "MemTotal:       " + std::to_string(total_kb) +
			      " kB\nMemFree:          123456 kB\n"
			      "MemAvailable:   " +
			      std::to_string(avail_kb) +
			      " kB\nBuffers:           1000 kB\n");
	}
	// /proc/PID/stat with the fields mem.c reads; comm as given.
	void proc(int pid, const std::string &comm, int ppid, int pgrp,
		  int64_t rss_pages)
	{
		std::string s = std::to_string(pid) + " (" + comm + ") S " +
				std::to_string(ppid) + " " +
				std::to_string(pgrp) + " " +
				std::to_string(pgrp) +
				" 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
				"12345 9999999 " +
				std::to_string(rss_pages) +
				" 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 "
				"0 17 1 0 0 0 0 0\n";
		write("/proc/" + std::to_string(pid) + "/stat", s);
	}
};

struct MemTest : ::testing::Test {
	FakeRoot fr;
	struct memprobe mp = {};
	struct err err = {};
	bool inited = false;

	void TearDown() override
	{
		if (inited)
			memprobe_free(&mp);
		err_clear(&err);
	}
	void init()
	{
		ASSERT_EQ(0, memprobe_init(&mp, fr.root.c_str(),
					    fr.root.c_str(), &err))
			<< (err.msg ? err.msg : "");
		inited = true;
	}
	std::string cg(const std::string &rel) { return fr.root + rel; }
	void v2_root()
	{
		fr.write("/sys/fs/cgroup/cgroup.controllers",
			 "cpuset cpu io memory hugetlb pids rdma misc\n");
	}
};

TEST_F(MemTest, MeminfoMissingFails)
{
	EXPECT_EQ(-1, memprobe_init(&mp, fr.root.c_str(), fr.root.c_str(),
				     &err));
	ASSERT_NE(nullptr, err.msg);
	EXPECT_NE(nullptr, strstr(err.msg, "/proc/meminfo")) << err.msg;
	memprobe_free(&mp);
}

TEST_F(MemTest, NoCgroup)
{
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/vmstat", "nr_free_pages 10\noom_kill 7\nx 1\n");
	init();
	EXPECT_EQ(0, mp.cgroup_version);
	EXPECT_EQ(nullptr, mp.cgroup_dir);
	EXPECT_EQ(-1, mp.cgroup_limit);
	EXPECT_EQ(16000000 * K, mp.phys_total);
	EXPECT_EQ(16000000 * K, memprobe_capacity(&mp));
	EXPECT_EQ(9000000 * K, memprobe_available(&mp));
	EXPECT_EQ(7, memprobe_oom_kills(&mp)); // the system's count
	EXPECT_EQ(-1, memprobe_psi_some_avg10(&mp));
	fr.write("/proc/pressure/memory",
		 "some avg10=2.25 avg60=1.00 avg300=0.50 total=123\n"
		 "full avg10=1.00 avg60=0.00 avg300=0.00 total=0\n");
	EXPECT_DOUBLE_EQ(2.25, memprobe_psi_some_avg10(&mp));
}

TEST_F(MemTest, V2Unlimited)
{
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/self/cgroup", "0::/user.slice/nj.scope\n");
	v2_root();
	fr.write("/sys/fs/cgroup/user.slice/memory.max", "max\n");
	fr.write("/sys/fs/cgroup/user.slice/nj.scope/memory.max", "max\n");
	fr.write("/sys/fs/cgroup/user.slice/nj.scope/memory.current",
		 "1073741824\n");
	fr.write("/sys/fs/cgroup/user.slice/nj.scope/memory.events",
		 "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n");
	fr.write("/sys/fs/cgroup/user.slice/nj.scope/memory.pressure",
		 "some avg10=0.50 avg60=0.10 avg300=0.00 total=10\n"
		 "full avg10=0.25 avg60=0.00 avg300=0.00 total=5\n");
	fr.write("/proc/pressure/memory",
		 "some avg10=9.00 avg60=0.00 avg300=0.00 total=0\n");
	init();
	EXPECT_EQ(2, mp.cgroup_version);
	EXPECT_EQ(cg("/sys/fs/cgroup/user.slice/nj.scope"), mp.cgroup_dir);
	EXPECT_EQ(-1, mp.cgroup_limit);
	EXPECT_EQ(nullptr, mp.limit_dir);
	EXPECT_EQ(16000000 * K, memprobe_capacity(&mp));
	EXPECT_EQ(9000000 * K, memprobe_available(&mp));
	EXPECT_DOUBLE_EQ(0.5, memprobe_psi_some_avg10(&mp)); // the cgroup's
	EXPECT_EQ(2, memprobe_oom_kills(&mp));
	fr.write("/sys/fs/cgroup/user.slice/nj.scope/memory.events",
		 "oom 3\noom_kill 3\n");
	EXPECT_EQ(3, memprobe_oom_kills(&mp));
}

TEST_F(MemTest, V2Limited)
{
	fr.meminfo(16000000, 9000000);
	// Other hierarchies' lines and a v1 name= line must not confuse it.
	fr.write("/proc/self/cgroup", "1:name=systemd:/x\n0::/build\n");
	v2_root();
	fr.write("/sys/fs/cgroup/build/memory.max", "2147483648\n");
	fr.write("/sys/fs/cgroup/build/memory.current", "1073741824\n");
	fr.write("/sys/fs/cgroup/build/memory.stat",
		 "anon 500000000\nfile 600000000\nactive_file 1\n"
		 "inactive_file 268435456\nactive_anon 2\n");
	init();
	EXPECT_EQ(2, mp.cgroup_version);
	EXPECT_EQ(2 * G, mp.cgroup_limit);
	EXPECT_EQ(cg("/sys/fs/cgroup/build"), mp.limit_dir);
	EXPECT_EQ(2 * G, memprobe_capacity(&mp));
	// limit - (usage - inactive_file) = 2G - (1G - 256M)
	EXPECT_EQ(2 * G - G + 256 * M, memprobe_available(&mp));
	// MemAvailable wins when it is smaller.
	fr.meminfo(16000000, 1000);
	EXPECT_EQ(1000 * K, memprobe_available(&mp));
	// Over the limit (reclaim lags): 0, never negative.
	fr.meminfo(16000000, 9000000);
	fr.write("/sys/fs/cgroup/build/memory.current", "3221225472\n");
	EXPECT_EQ(0, memprobe_available(&mp));
	// Missing memory.events, no PSI file: unknown.
	EXPECT_EQ(-1, memprobe_psi_some_avg10(&mp));
}

TEST_F(MemTest, V2ParentLimit)
{
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/self/cgroup", "0::/a/b/c\n");
	v2_root();
	fr.write("/sys/fs/cgroup/a/memory.max", "4294967296\n");
	fr.write("/sys/fs/cgroup/a/b/memory.max", "1073741824\n");
	fr.write("/sys/fs/cgroup/a/b/memory.current", "536870912\n");
	fr.write("/sys/fs/cgroup/a/b/memory.stat", "inactive_file 0\n");
	fr.write("/sys/fs/cgroup/a/b/c/memory.max", "max\n");
	fr.write("/sys/fs/cgroup/a/b/c/memory.current", "1000\n");
	init();
	EXPECT_EQ(cg("/sys/fs/cgroup/a/b/c"), mp.cgroup_dir);
	EXPECT_EQ(G, mp.cgroup_limit);
	EXPECT_EQ(cg("/sys/fs/cgroup/a/b"), mp.limit_dir);
	EXPECT_EQ(G, memprobe_capacity(&mp));
	// Measured against the usage of the cgroup that has the limit.
	EXPECT_EQ(G - 512 * M, memprobe_available(&mp));
}

TEST_F(MemTest, V2OwnLimitBelowParents)
{
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/self/cgroup", "0::/a/b\n");
	v2_root();
	fr.write("/sys/fs/cgroup/a/memory.max", "4294967296\n");
	fr.write("/sys/fs/cgroup/a/b/memory.max", "1073741824\n");
	init();
	EXPECT_EQ(G, mp.cgroup_limit);
	EXPECT_EQ(cg("/sys/fs/cgroup/a/b"), mp.limit_dir);
	// No memory.current: free falls back to MemAvailable.
	EXPECT_EQ(9000000 * K, memprobe_available(&mp));
}

TEST_F(MemTest, V2RootCgroupAndLimitAboveRam)
{
	fr.meminfo(1000000, 500000);
	fr.write("/proc/self/cgroup", "0::/\n");
	v2_root();
	init();
	EXPECT_EQ(2, mp.cgroup_version);
	EXPECT_EQ(cg("/sys/fs/cgroup"), mp.cgroup_dir);
	EXPECT_EQ(-1, mp.cgroup_limit);
	EXPECT_EQ(-1, memprobe_oom_kills(&mp)); // no memory.events, no vmstat
	memprobe_free(&mp);
	inited = false;

	fr.write("/proc/self/cgroup", "0::/big\n");
	fr.write("/sys/fs/cgroup/big/memory.max", "8589934592\n");
	init();
	EXPECT_EQ(8 * G, mp.cgroup_limit);
	EXPECT_EQ(1000000 * K, memprobe_capacity(&mp)); // RAM is the lesser
}

TEST_F(MemTest, V2ContainerPathFallsBackToMount)
{
	// cgroupns-less container: /proc/self/cgroup names the host path,
	// but the container's own cgroup is mounted at /sys/fs/cgroup.
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/self/cgroup", "0::/system.slice/docker-1234.scope\n");
	v2_root();
	fr.write("/sys/fs/cgroup/memory.max", "536870912\n");
	fr.write("/sys/fs/cgroup/memory.current", "0\n");
	init();
	EXPECT_EQ(cg("/sys/fs/cgroup"), mp.cgroup_dir);
	EXPECT_EQ(512 * M, mp.cgroup_limit);
	EXPECT_EQ(512 * M, memprobe_available(&mp));
}

TEST_F(MemTest, V2WithoutMemoryControllerUsesV1)
{
	// Hybrid: unified hierarchy without memory; memory is on v1.
	fr.meminfo(16000000, 9000000);
	fr.write("/proc/self/cgroup", "4:memory:/job\n0::/\n");
	fr.write("/sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
	fr.write("/sys/fs/cgroup/memory/job/memory.limit_in_bytes",
		 "1073741824\n");
	init();
	EXPECT_EQ(1, mp.cgroup_version);
	EXPECT_EQ(G, mp.cgroup_limit);
}

TEST_F(MemTest, V1UnlimitedWithParentLimit)
{
	fr.meminfo(24684092, 22882668);
	fr.write("/proc/self/cgroup",
		 "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n"
		 "2:cpuacct:/\n0::/\n");
	const std::string base = "/sys/fs/cgroup/memory";
	fr.write(base + "/memory.limit_in_bytes", "9223372036854771712\n");
	fr.write(base + "/process_api/memory.limit_in_bytes",
		 "3221225472\n");
	fr.write(base + "/process_api/memory.usage_in_bytes",
		 "2147483648\n");
	fr.write(base + "/process_api/memory.stat",
		 "cache 100\ninactive_file 5\ntotal_cache 1\n"
		 "total_inactive_file 1073741824\n");
	fr.write(base + "/process_api/abc/memory.limit_in_bytes",
		 "9223372036854771712\n");
	fr.write(base + "/process_api/abc/memory.usage_in_bytes",
		 "3010560\n");
	fr.write(base + "/process_api/abc/memory.oom_control",
		 "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	fr.write(base + "/process_api/abc/memory.stat",
		 "total_inactive_file 0\n"
		 "hierarchical_memory_limit 9223372036854771712\n");
	init();
	EXPECT_EQ(1, mp.cgroup_version);
	EXPECT_EQ(cg(base + "/process_api/abc"), mp.cgroup_dir);
	EXPECT_EQ(3 * G, mp.cgroup_limit);
	EXPECT_EQ(cg(base + "/process_api"), mp.limit_dir);
	EXPECT_EQ(3 * G, memprobe_capacity(&mp));
	// 3G - (2G - 1G)
	EXPECT_EQ(2 * G, memprobe_available(&mp));
	EXPECT_EQ(4, memprobe_oom_kills(&mp));
	// v1 has no cgroup PSI; /proc/pressure/memory is missing here.
	EXPECT_EQ(-1, memprobe_psi_some_avg10(&mp));
	fr.write("/proc/pressure/memory",
		 "some avg10=12.50 avg60=3.00 avg300=1.00 total=99\n");
	EXPECT_DOUBLE_EQ(12.5, memprobe_psi_some_avg10(&mp));
}

TEST_F(MemTest, V1CombinedControllersAndUnlimited)
{
	fr.meminfo(8000000, 7000000);
	fr.write("/proc/self/cgroup", "3:cpu,memory,blkio:/x\n");
	fr.write("/sys/fs/cgroup/memory/x/memory.limit_in_bytes",
		 "9223372036854771712\n");
	fr.write("/sys/fs/cgroup/memory/x/memory.usage_in_bytes", "100\n");
	init();
	EXPECT_EQ(1, mp.cgroup_version);
	EXPECT_EQ(cg("/sys/fs/cgroup/memory/x"), mp.cgroup_dir);
	EXPECT_EQ(-1, mp.cgroup_limit);
	EXPECT_EQ(8000000 * K, memprobe_capacity(&mp));
	EXPECT_EQ(7000000 * K, memprobe_available(&mp));
	EXPECT_EQ(-1, memprobe_oom_kills(&mp));
}

TEST_F(MemTest, V1HierarchicalLimitSeesAboveTheMount)
{
	// A container: its cgroup is the mount's root; the limit lives on an
	// ancestor only memory.stat's hierarchical_memory_limit reveals.
	fr.meminfo(8000000, 7000000);
	fr.write("/proc/self/cgroup", "4:memory:/docker/abc\n");
	fr.write("/sys/fs/cgroup/memory/memory.limit_in_bytes",
		 "9223372036854771712\n");
	fr.write("/sys/fs/cgroup/memory/memory.usage_in_bytes",
		 "104857600\n");
	fr.write("/sys/fs/cgroup/memory/memory.stat",
		 "total_inactive_file 0\n"
		 "hierarchical_memory_limit 524288000\n");
	init();
	EXPECT_EQ(cg("/sys/fs/cgroup/memory"), mp.cgroup_dir);
	EXPECT_EQ(500 * M, mp.cgroup_limit);
	EXPECT_EQ(400 * M, memprobe_available(&mp));
}

struct FakeJob {
	struct job j = {};
	explicit FakeJob(pid_t pid) { j.pid = pid; j.fd = -1; }
};

TEST_F(MemTest, SampleJobsFakeProc)
{
	fr.meminfo(8000000, 7000000);
	init();
	const int64_t pg = mp.page_size;
	// job A: 100 -> 101 -> 102, plus 103 reparented to init but still
	// in A's process group; comm with spaces and parentheses.
	fr.proc(1, "init", 0, 1, 1000);
	fr.proc(2, "kthreadd", 0, 0, 0);
	fr.proc(100, "sh", 50, 100, 10);
	fr.proc(101, "gcc) (x", 100, 100, 20);
	fr.proc(102, "cc1 plus", 101, 100, 300);
	fr.proc(103, ") S 1 1 1", 1, 100, 5);
	// job B: 200 -> 201; 201 started its own group (setsid).
	fr.proc(200, "sh", 50, 200, 7);
	fr.proc(201, "ld", 200, 201, 1000);
	fr.proc(1999, "unrelated", 1, 1999, 4000);
	fr.proc(50, "nj", 1, 50, 99);
	fr.write("/proc/garbage/stat", "not a process\n");
	fr.write("/proc/77/stat", "77 (truncated) S 1 1\n");

	FakeJob a(100), b(200), gone(400), reaped(1999), console(1);
	reaped.j.reaped = true; // its pid now belongs to someone else
	console.j.console = true;
	console.j.pid = 300;
	fr.proc(300, "bash", 50, 50, 3);
	fr.proc(301, "vim", 300, 50, 30);
	fr.proc(302, "bg", 1, 300, 2); // not counted: console job's group is nj's
	struct job *jobs[] = {&a.j, &b.j, &gone.j, &reaped.j, nullptr,
			      &console.j};
	gone.j.mem_now = 123;
	memprobe_sample_jobs(&mp, jobs, 6);
	EXPECT_EQ((10 + 20 + 300 + 5) * pg, a.j.mem_now);
	EXPECT_EQ((7 + 1000) * pg, b.j.mem_now);
	EXPECT_EQ(0, gone.j.mem_now);
	EXPECT_EQ(0, reaped.j.mem_now);
	EXPECT_EQ((3 + 30) * pg, console.j.mem_now);
	EXPECT_EQ(a.j.mem_now, a.j.mem_peak);

	// The tree shrinks: now drops, peak stays.
	fr.proc(102, "cc1 plus", 101, 100, 1);
	fr.write("/proc/103/stat", "");
	memprobe_sample_jobs(&mp, jobs, 6);
	EXPECT_EQ((10 + 20 + 1) * pg, a.j.mem_now);
	EXPECT_EQ((10 + 20 + 300 + 5) * pg, a.j.mem_peak);
	// And grows past the old peak.
	fr.proc(102, "cc1 plus", 101, 100, 1000);
	memprobe_sample_jobs(&mp, jobs, 6);
	EXPECT_EQ((10 + 20 + 1000) * pg, a.j.mem_peak);

	// A cycle from a torn snapshot terminates.
	fr.proc(500, "x", 501, 500, 1);
	fr.proc(501, "y", 500, 501, 1);
	memprobe_sample_jobs(&mp, jobs, 6);
	EXPECT_EQ((10 + 20 + 1000) * pg, a.j.mem_now);

	// No jobs: nothing read, nothing crashes.
	memprobe_sample_jobs(&mp, jobs, 0);
}

TEST_F(MemTest, SwapTheJobsMayUseAndTheSwapCache)
{
	auto meminfo = [&](int64_t swap_free_kb, int64_t cached_kb) {
		fr.write("/proc/meminfo",
			 "MemTotal:       16000000 kB\nMemAvailable:    9000000 kB\n"
			 "SwapCached:     " + std::to_string(cached_kb) +
				 " kB\nSwapTotal:      8388608 kB\n"
				 "SwapFree:       " + std::to_string(swap_free_kb) +
				 " kB\n");
	};
	meminfo(4 * 1024 * 1024, 2048);
	fr.write("/proc/self/cgroup", "0::/build\n");
	v2_root();
	const std::string b = "/sys/fs/cgroup/build";
	fr.write(b + "/memory.max", "2147483648\n");
	fr.write(b + "/memory.current", "1073741824\n");
	fr.write(b + "/memory.stat", "anon 1\ninactive_file 0\nswapcached 104857600\n");
	fr.write(b + "/memory.swap.max", "max\n");
	init();
	memprobe_available(&mp);
	EXPECT_EQ(4 * G, mp.swap_free) << "no swap limit: the system's";
	EXPECT_EQ(100 * M, mp.swap_cached) << "the cgroup's, not the system's";
	fr.write(b + "/memory.swap.max", "1073741824\n");
	fr.write(b + "/memory.swap.current", "268435456\n");
	memprobe_available(&mp);
	EXPECT_EQ(768 * M, mp.swap_free) << "what memory.swap.max leaves";
	fr.write(b + "/memory.swap.max", "0\n");
	memprobe_available(&mp);
	EXPECT_EQ(0, mp.swap_free);
	meminfo(0, 0);
	fr.write(b + "/memory.swap.max", "max\n");
	memprobe_available(&mp);
	EXPECT_EQ(0, mp.swap_free) << "no swap at all";
	EXPECT_EQ(0, mp.swap_cached);
}

TEST_F(MemTest, V1SwapIsWhatMemswAllowsBeyondTheLimit)
{
	fr.write("/proc/meminfo",
		 "MemTotal:       16000000 kB\nMemAvailable:    9000000 kB\n"
		 "SwapCached:     1024 kB\nSwapFree:       8388608 kB\n");
	fr.write("/proc/self/cgroup", "4:memory:/build\n0::/\n");
	const std::string b = "/sys/fs/cgroup/memory/build";
	fr.write("/sys/fs/cgroup/memory/memory.limit_in_bytes",
		 "9223372036854771712\n");
	fr.write(b + "/memory.limit_in_bytes", "2147483648\n");
	fr.write(b + "/memory.usage_in_bytes", "1073741824\n");
	fr.write(b + "/memory.memsw.limit_in_bytes", "3221225472\n");
	fr.write(b + "/memory.memsw.usage_in_bytes", "1283457024\n");
	fr.write(b + "/memory.stat",
		 "total_inactive_file 0\ntotal_swapcached 52428800\n");
	init();
	ASSERT_EQ(1, mp.cgroup_version);
	memprobe_available(&mp);
	// memsw 3G less the 2G limit, less the 200M already in swap
	EXPECT_EQ(G - 200 * M, mp.swap_free);
	EXPECT_EQ(50 * M, mp.swap_cached);
	// memsw equal to the limit (the scenarios' cgroups): no swap
	fr.write(b + "/memory.memsw.limit_in_bytes", "2147483648\n");
	memprobe_available(&mp);
	EXPECT_EQ(0, mp.swap_free);
}

// ---- the real machine ------------------------------------------------------

struct RealMem : ::testing::Test {
	struct memprobe mp = {};
	struct err err = {};
	void SetUp() override
	{
		ASSERT_EQ(0, memprobe_init(&mp, nullptr, nullptr, &err))
			<< (err.msg ? err.msg : "");
	}
	void TearDown() override
	{
		memprobe_free(&mp);
		err_clear(&err);
	}
};

// build/memhog, next to build/asan/unit_tests.
std::string memhog_path()
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return "build/memhog";
	exe[n] = 0;
	std::string s = exe;
	s = s.substr(0, s.rfind('/')); // build/asan
	s = s.substr(0, s.rfind('/')); // build
	return s + "/memhog";
}

// Start `sh -c cmd` in its own process group, as exec_start would, and
// return once it has exec'd: until then the child is a copy of this
// ASan process, and a sample of it counted hundreds of megabytes the
// job never had (these tests failed so in a clean CI run). exec_start's
// posix_spawn returns only after the exec, so nj never sees that copy.
pid_t spawn_sh(const std::string &cmd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd.c_str(), (char *)nullptr);
		_exit(127);
	}
	close(p[1]);
	char c;
	while (pid > 0 && read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
	return pid;
}

TEST_F(RealMem, CapacityAndFree)
{
	EXPECT_GT(mp.phys_total, 0);
	long pages = sysconf(_SC_PHYS_PAGES);
	EXPECT_EQ(mp.phys_total, (int64_t)pages * sysconf(_SC_PAGESIZE));
	int64_t cap = memprobe_capacity(&mp);
	EXPECT_GT(cap, 0);
	EXPECT_LE(cap, mp.phys_total);
	int64_t fr = memprobe_available(&mp);
	EXPECT_GT(fr, 0);
	EXPECT_LE(fr, mp.phys_total);
	if (access("/proc/pressure/memory", R_OK) == 0 ||
	    mp.cgroup_version == 2) {
		EXPECT_GE(memprobe_psi_some_avg10(&mp), 0);
	}
	if (mp.cgroup_version) {
		EXPECT_NE(nullptr, mp.cgroup_dir);
	}
	// Called again and again (as the build loop does), it keeps answering.
	for (int i = 0; i < 100; i++)
		EXPECT_GT(memprobe_available(&mp), 0);
}

TEST_F(RealMem, SampleMemhogTree)
{
	std::string hog = memhog_path();
	ASSERT_EQ(0, access(hog.c_str(), X_OK))
		<< hog << " missing: build it with ./nj all";
	// Two hogs under one shell: 120M in 40M steps and 80M in the
	// background; the job is their sum.
	std::string cmd = "'" + hog + "' 80M --hold-ms 3000 & '" + hog +
			  "' 120M --step 40M --step-ms 150 --hold-ms 3000; wait";
	struct job j = {};
	j.fd = -1;
	j.pid = spawn_sh(cmd);
	ASSERT_GT(j.pid, 0);
	struct job *jobs[] = {&j};
	int64_t deadline = exec_now_ns() + 10 * 1000000000LL;
	int samples = 0;
	while (j.mem_now < 200 * M && exec_now_ns() < deadline) {
		memprobe_sample_jobs(&mp, jobs, 1);
		samples++;
		usleep(20000);
	}
	EXPECT_GE(j.mem_now, 200 * M);
	// Shells and libc on top; 250M was seen once on a loaded machine
	// (cause not found). Still fails on double counting (400M and more).
	EXPECT_LE(j.mem_now, 200 * M + 64 * M);
	EXPECT_GE(samples, 1);
	EXPECT_GE(j.mem_peak, j.mem_now);
	kill(-j.pid, SIGKILL);
	int st;
	ASSERT_EQ(j.pid, waitpid(j.pid, &st, 0));
	// The pid is gone (and the group with it, give it a moment).
	memprobe_sample_jobs(&mp, jobs, 1);
	for (int i = 0; i < 100 && j.mem_now; i++) {
		usleep(10000);
		memprobe_sample_jobs(&mp, jobs, 1);
	}
	EXPECT_EQ(0, j.mem_now);
	EXPECT_GE(j.mem_peak, 200 * M);
}

TEST_F(RealMem, Memhog200MHold)
{
	std::string hog = memhog_path();
	ASSERT_EQ(0, access(hog.c_str(), X_OK)) << hog;
	char tmpl[] = "/tmp/nj_memhog.XXXXXX";
	ASSERT_NE(nullptr, mkdtemp(tmpl));
	std::string out = std::string(tmpl) + "/out";
	struct job j = {};
	j.fd = -1;
	j.pid = spawn_sh("exec '" + hog + "' 200M --hold-ms 500 --exit 3 "
			 "--touch-file '" + out + "'");
	ASSERT_GT(j.pid, 0);
	struct job *jobs[] = {&j};
	int64_t deadline = exec_now_ns() + 10 * 1000000000LL;
	int st = 0;
	pid_t w = 0;
	while ((w = waitpid(j.pid, &st, WNOHANG)) == 0 &&
	       exec_now_ns() < deadline) {
		memprobe_sample_jobs(&mp, jobs, 1);
		usleep(10000);
	}
	ASSERT_EQ(j.pid, w);
	EXPECT_GE(j.mem_peak, 200 * M);
	// Counted once, not twice (400M): the bound leaves room for the
	// 224M and more that /proc's RSS was seen to report now and then for
	// this 200M process on a loaded machine (in CI too; the cause was not
	// found).
	EXPECT_LE(j.mem_peak, 200 * M + 64 * M);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(3, WEXITSTATUS(st));
	EXPECT_EQ(0, access(out.c_str(), F_OK)); // written once done
	unlink(out.c_str());
	rmdir(tmpl);
}

// Write text to path; false on failure.
bool put(const std::string &path, const std::string &text)
{
	FILE *f = fopen(path.c_str(), "w");
	if (!f)
		return false;
	bool ok = fputs(text.c_str(), f) >= 0;
	return fclose(f) == 0 && ok;
}

// The checks that run inside the limited cgroup; "" when they all pass.
std::string in_cgroup_checks(const std::string &dir, int64_t limit)
{
	struct memprobe mp;
	struct err err = {};
	if (memprobe_init(&mp, nullptr, nullptr, &err))
		return err.msg;
	std::string why;
	char msg[512];
	int64_t f0 = memprobe_available(&mp), f1 = -1, k0 = memprobe_oom_kills(&mp), k1;
	struct job j = {};
	j.fd = -1;
	struct job *jobs[] = {&j};
	int st = 0;
	if (mp.cgroup_dir != dir || mp.cgroup_limit != limit ||
	    !mp.limit_dir || mp.limit_dir != dir ||
	    memprobe_capacity(&mp) != limit) {
		snprintf(msg, sizeof msg, "dir %s limit %lld capacity %lld",
			 mp.cgroup_dir ? mp.cgroup_dir : "-",
			 (long long)mp.cgroup_limit,
			 (long long)memprobe_capacity(&mp));
		why = msg;
		goto out;
	}
	// 100M resident in the cgroup: free drops by about that much.
	j.pid = spawn_sh("exec '" + memhog_path() + "' 100M --hold-ms 3000");
	for (int i = 0; i < 500 && j.mem_now < 100 * M; i++) {
		usleep(10000);
		memprobe_sample_jobs(&mp, jobs, 1);
	}
	f1 = memprobe_available(&mp);
	kill(j.pid, SIGKILL);
	waitpid(j.pid, &st, 0);
	if (j.mem_now < 100 * M || f0 - f1 < 95 * M || f0 - f1 > 130 * M) {
		snprintf(msg, sizeof msg, "mem_now %lld, free %lld -> %lld",
			 (long long)j.mem_now, (long long)f0, (long long)f1);
		why = msg;
		goto out;
	}
	// More than the limit: the kernel kills it and the count rises.
	st = system(("'" + memhog_path() + "' " + std::to_string(limit * 2) +
		     " 2>/dev/null").c_str());
	k1 = memprobe_oom_kills(&mp);
	if (k0 < 0 || k1 != k0 + 1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 128 + SIGKILL) {
		snprintf(msg, sizeof msg, "oom_kill %lld -> %lld, status %#x",
			 (long long)k0, (long long)k1, st);
		why = msg;
	}
out:
	memprobe_free(&mp);
	return why;
}

// A real memory cgroup made for the test (as root, where the hierarchy
// lets us): the probes see its limit, its usage and its OOM kills.
TEST_F(RealMem, RealCgroup)
{
	if (geteuid() != 0 || !mp.cgroup_version)
		GTEST_SKIP() << "needs root and a memory cgroup";
	ASSERT_EQ(0, access(memhog_path().c_str(), X_OK));
	std::string dir = std::string(mp.cgroup_dir) + "/nj_mem_test." +
			  std::to_string(getpid());
	if (mkdir(dir.c_str(), 0755) != 0)
		GTEST_SKIP() << dir << ": " << strerror(errno);
	const int64_t limit = 300 * M;
	bool ok;
	if (mp.cgroup_version == 2) {
		// Needs the memory controller delegated to our children,
		// which v2 refuses while our own cgroup holds processes.
		put(std::string(mp.cgroup_dir) + "/cgroup.subtree_control",
		    "+memory");
		ok = put(dir + "/memory.max", std::to_string(limit));
		put(dir + "/memory.swap.max", "0");
	} else {
		ok = put(dir + "/memory.limit_in_bytes", std::to_string(limit));
		put(dir + "/memory.memsw.limit_in_bytes",
		    std::to_string(limit)); // no escape into swap
		put(dir + "/memory.swappiness", "0");
	}
	if (!ok) {
		rmdir(dir.c_str());
		GTEST_SKIP() << "cannot limit " << dir;
	}
	int pfd[2];
	ASSERT_EQ(0, pipe(pfd));
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		std::string why =
			put(dir + "/cgroup.procs", std::to_string(getpid()))
				? in_cgroup_checks(dir, limit)
				: "cannot join " + dir;
		if (write(pfd[1], why.data(), why.size()) < 0)
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	std::string why;
	char b[256];
	ssize_t n;
	while ((n = read(pfd[0], b, sizeof b)) > 0)
		why.append(b, (size_t)n);
	close(pfd[0]);
	int st;
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ("", why);
	// The cgroup empties a moment after its last process is reaped.
	for (int i = 0; i < 100 && rmdir(dir.c_str()) != 0; i++)
		usleep(20000);
	EXPECT_NE(0, access(dir.c_str(), F_OK)) << dir << " left behind";
}

TEST_F(RealMem, PageOutAStoppedJob)
{
	std::string hog = memhog_path();
	ASSERT_EQ(0, access(hog.c_str(), X_OK)) << hog;
	memprobe_available(&mp);
	if (mp.swap_free < 256 * M)
		GTEST_SKIP() << "no swap for this process to page out to "
				"(none configured, or its cgroup allows none)";
	struct job j = {};
	j.fd = -1;
	j.pid = spawn_sh("exec '" + hog + "' 128M --hold-ms 30000");
	ASSERT_GT(j.pid, 0);
	struct job *jobs[] = {&j};
	int64_t deadline = exec_now_ns() + 10 * 1000000000LL;
	while (j.mem_now < 128 * M && exec_now_ns() < deadline) {
		memprobe_sample_jobs(&mp, jobs, 1);
		usleep(20000);
	}
	ASSERT_GE(j.mem_now, 128 * M);
	ASSERT_EQ(0, kill(-j.pid, SIGSTOP));
	int rc = memprobe_page_out(&mp, j.pid);
	// The thread finds out whether it may; give it the deadline to say.
	while (rc == 0 && j.mem_now >= 64 * M && !memprobe_page_out_denied() &&
	       exec_now_ns() < deadline + 20 * 1000000000LL) {
		usleep(50000);
		memprobe_sample_jobs(&mp, jobs, 1);
	}
	bool denied = rc < 0 || memprobe_page_out_denied();
	int64_t after = j.mem_now;
	kill(-j.pid, SIGKILL);
	kill(-j.pid, SIGCONT);
	int st;
	ASSERT_EQ(j.pid, waitpid(j.pid, &st, 0));
	if (denied)
		GTEST_SKIP() << "paging another process out needs CAP_SYS_NICE "
				"and Linux 5.10";
	EXPECT_LT(after, 64 * M) << "its 128M went to swap";
}

TEST(Memhog, RejectsBadSize)
{
	std::string hog = memhog_path();
	ASSERT_EQ(0, access(hog.c_str(), X_OK)) << hog;
	for (const char *bad : {"12Q", "1.5", "", "M", "--hold-ms 5"}) {
		std::string cmd = "'" + hog + "' " +
				  (*bad ? std::string("'") + bad + "'" : "") +
				  " 2>/dev/null";
		int st = system(cmd.c_str());
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2) << bad;
	}
	std::string ok = "'" + hog + "' 1.5K --step 1K && '" + hog +
			 "' 2MiB && '" + hog + "' 0 && '" + hog + "' 4096";
	EXPECT_EQ(0, system(ok.c_str()));
	std::string cmd = "'" + hog + "' 1M --print";
	FILE *p = popen(cmd.c_str(), "r");
	ASSERT_NE(nullptr, p);
	char line[128] = "";
	EXPECT_NE(nullptr, fgets(line, sizeof line, p));
	EXPECT_STREQ("memhog: 1048576 bytes resident\n", line);
	EXPECT_EQ(0, pclose(p));
	cmd = "'" + hog + "' 1M";
	p = popen(cmd.c_str(), "r");
	ASSERT_NE(nullptr, p);
	EXPECT_EQ(nullptr, fgets(line, sizeof line, p)); // silent by default
	EXPECT_EQ(0, pclose(p));
}

} // namespace
