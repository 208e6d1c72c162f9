/* Probes of the machine and the terminal: time, processors, load, width. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT, getloadavg */
#include "exec.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int64_t exec_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t exec_now_ms(void) { return exec_now_ns() / 1000000; }

/* The cgroup v2 CPU quota ("max 100000" or "200000 100000" in cpu.max) as
 * a processor count rounded up; 0 when there is none. Containers often get a
 * quota well below the affinity mask, and ninja 1.12+ honours it too. */
static int cgroup_cpus(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	char line[4096], path[4200] = "";
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max",
				 line + 3);
			break;
		}
	fclose(f);
	if (!*path)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	long long quota = 0, period = 0;
	int n = fscanf(f, "%lld %lld", &quota, &period);
	fclose(f);
	if (n != 2 || quota <= 0 || period <= 0)
		return 0; /* "max": unlimited */
	return (int)((quota + period - 1) / period);
}

int exec_nprocs(void)
{
	int n = 0;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c > 0 ? (int)c : 1;
	}
	int q = cgroup_cpus();
	if (q > 0 && q < n)
		n = q;
	return n;
}

double exec_loadavg(void)
{
	double l[3];
	if (getloadavg(l, 3) >= 1)
		return l[0];
	FILE *f = fopen("/proc/loadavg", "re");
	if (!f)
		return -1;
	double v;
	int n = fscanf(f, "%lf", &v);
	fclose(f);
	return n == 1 ? v : -1;
}

bool exec_smart_terminal(int fd)
{
	const char *term = getenv("TERM");
	return isatty(fd) && term && strcmp(term, "dumb") != 0;
}

int exec_terminal_width(int fd)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}
