/* Memory probes: capacity, free memory, pressure and OOM kills from /proc
 * and nj's memory cgroup (v1 or v2), and each job's process-tree RSS.
 * Every path goes through proc_root/sys_root so tests can fake both trees.
 * The per-sample functions run several times a second: they reuse buffers
 * and allocate only when a buffer must grow. */
#define _GNU_SOURCE
#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* v1 says "no limit" with PAGE_COUNTER_MAX pages (9223372036854771712 with
 * 4K pages); anything from 1 EiB up is as good as none. */
#define MEM_NO_LIMIT (INT64_C(1) << 60)

struct mem_proc {
	pid_t pid, ppid, pgrp;
	int owner; /* index into jobs by ancestry; -1 none, -2 not resolved */
	int64_t rss_pages;
};

struct mem_jobref {
	pid_t pid;
	int idx;
};

/* Read a small file whole into mp->tmp (NUL-terminated); NULL on failure. */
static const char *slurp(struct memprobe *mp, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct buf *b = &mp->tmp;
	b->len = 0;
	for (;;) {
		if (b->cap - b->len < 4097)
			xgrow((void **)&b->s, &b->cap, b->len + 4097, 1);
		ssize_t n = read(fd, b->s + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	close(fd);
	b->s[b->len] = 0;
	return b->s;
}

/* The integer after "key" at the start of a line ("key 123", "key: 123");
 * -1 if absent or not a number. */
static int64_t key_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p;) {
		if (strncmp(p, key, kl) == 0 &&
		    (p[kl] == ' ' || p[kl] == '\t' || p[kl] == ':')) {
			const char *s = p + kl + (p[kl] == ':');
			char *end;
			errno = 0;
			long long v = strtoll(s, &end, 10);
			if (end == s || errno || v < 0)
				return -1;
			return v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* A file holding one number, or "max" (INT64_MAX). */
static int read_int(struct memprobe *mp, const char *path, int64_t *out)
{
	const char *s = slurp(mp, path);
	if (!s)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0) {
		*out = INT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int64_t read_key(struct memprobe *mp, const char *path,
			const char *key)
{
	const char *s = slurp(mp, path);
	return s ? key_value(s, key) : -1;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xmalloc(la + lb + 1);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* Does a comma-separated list contain word? */
static bool has_word(const char *list, size_t len, const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && list[j] != ',' && list[j] != ' ' &&
		       list[j] != '\n')
			j++;
		if (j - i == wl && memcmp(list + i, word, wl) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* Which cgroup holds nj: v2 if the unified hierarchy at sys_root has the
 * memory controller, else a v1 memory hierarchy. Sets cgroup_version and
 * cgroup_dir; returns the mount (the root cgroup), malloc'd, or NULL. */
static char *find_cgroup(struct memprobe *mp)
{
	char *path = join(mp->proc_root, "/proc/self/cgroup");
	const char *text = slurp(mp, path);
	free(path);
	if (!text)
		return NULL;
	char *v1 = NULL, *v2 = NULL;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		/* "ID:CONTROLLERS:PATH"; PATH may itself contain ':' */
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			const char *p = c2 + 1;
			size_t plen = len - (size_t)(p - line);
			if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
				free(v2);
				v2 = xstrndup(p, plen);
			} else if (has_word(c1 + 1, (size_t)(c2 - c1 - 1),
					    "memory")) {
				free(v1);
				v1 = xstrndup(p, plen);
			}
		}
		line = nl ? nl + 1 : line + len;
	}
	char *mount = NULL, *rel = NULL;
	if (v2) {
		char *ctl = join(mp->sys_root, "/sys/fs/cgroup/cgroup.controllers");
		const char *c = slurp(mp, ctl);
		free(ctl);
		if (c && has_word(c, strlen(c), "memory")) {
			mp->cgroup_version = 2;
			mount = join(mp->sys_root, "/sys/fs/cgroup");
			rel = v2;
			v2 = NULL;
		}
	}
	if (!mount && v1) {
		char *m = join(mp->sys_root, "/sys/fs/cgroup/memory");
		if (is_dir(m)) {
			mp->cgroup_version = 1;
			mount = m;
			rel = v1;
			v1 = NULL;
		} else {
			free(m);
		}
	}
	free(v1);
	free(v2);
	if (!mount)
		return NULL;
	size_t rl = strlen(rel);
	while (rl > 0 && rel[rl - 1] == '/')
		rel[--rl] = 0;
	mp->cgroup_dir = join(mount, rel);
	/* A container often mounts its own cgroup as the root while
	 * /proc/self/cgroup still names the host's path. */
	if (!is_dir(mp->cgroup_dir)) {
		free(mp->cgroup_dir);
		mp->cgroup_dir = xstrdup(mount);
	}
	free(rel);
	return mount;
}

/* The smallest limit on nj's cgroup and its ancestors up to the mount. */
static void find_limit(struct memprobe *mp, const char *mount)
{
	const char *file = mp->cgroup_version == 2 ? "/memory.max"
						   : "/memory.limit_in_bytes";
	size_t rootlen = strlen(mount);
	char *dir = xstrdup(mp->cgroup_dir);
	for (;;) {
		char *p = join(dir, file);
		int64_t v;
		if (read_int(mp, p, &v) == 0 && v < MEM_NO_LIMIT &&
		    (mp->cgroup_limit < 0 || v < mp->cgroup_limit)) {
			mp->cgroup_limit = v;
			free(mp->limit_dir);
			mp->limit_dir = xstrdup(dir);
		}
		free(p);
		size_t len = strlen(dir);
		if (len <= rootlen)
			break;
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < rootlen)
			dir[rootlen] = 0;
		else
			*slash = 0;
	}
	free(dir);
	if (mp->cgroup_version == 1) {
		/* v1 also reports the effective limit, which sees ancestors
		 * above a container's mount that the walk cannot. */
		char *p = join(mp->cgroup_dir, "/memory.stat");
		int64_t h = read_key(mp, p, "hierarchical_memory_limit");
		free(p);
		if (h >= 0 && h < MEM_NO_LIMIT &&
		    (mp->cgroup_limit < 0 || h < mp->cgroup_limit)) {
			mp->cgroup_limit = h;
			free(mp->limit_dir);
			mp->limit_dir = xstrdup(mp->cgroup_dir);
		}
	}
}

int memprobe_init(struct memprobe *mp, const char *proc_root,
		   const char *sys_root, struct err *err)
{
	memset(mp, 0, sizeof *mp);
	mp->proc_root = xstrdup(proc_root ? proc_root : "");
	mp->sys_root = xstrdup(sys_root ? sys_root : "");
	mp->cgroup_limit = -1;
	mp->oom_seen = -1;
	long ps = sysconf(_SC_PAGESIZE);
	mp->page_size = ps > 0 ? ps : 4096;

	char *meminfo = join(mp->proc_root, "/proc/meminfo");
	const char *text = slurp(mp, meminfo);
	int64_t total = text ? key_value(text, "MemTotal") : -1;
	if (total <= 0) {
		err_set(err, "%s: %s", meminfo,
			text ? "no MemTotal" : strerror(errno));
		free(meminfo);
		memprobe_free(mp); /* the caller need not free on failure */
		return -1;
	}
	free(meminfo);
	mp->phys_total = total * 1024;

	char *mount = find_cgroup(mp);
	if (mount)
		find_limit(mp, mount);
	free(mount);

	/* PSI of nj's cgroup where the kernel keeps it (v2), else the
	 * system's. */
	if (mp->cgroup_version == 2) {
		char *p = join(mp->cgroup_dir, "/memory.pressure");
		if (slurp(mp, p))
			mp->psi_path = p;
		else
			free(p);
	}
	if (!mp->psi_path)
		mp->psi_path = join(mp->proc_root, "/proc/pressure/memory");

	/* One source of OOM kills for the whole run, so the count never
	 * jumps from one to another. Without a memory cgroup the system's
	 * count is the best there is. */
	if (mp->cgroup_version) {
		char *p = join(mp->cgroup_dir, mp->cgroup_version == 2
						       ? "/memory.events"
						       : "/memory.oom_control");
		if (read_key(mp, p, "oom_kill") >= 0)
			mp->oom_path = p;
		else
			free(p);
	}
	if (!mp->oom_path)
		mp->oom_path = join(mp->proc_root, "/proc/vmstat");
	mp->oom_key = "oom_kill";
	return 0;
}

void memprobe_free(struct memprobe *mp)
{
	free(mp->proc_root);
	free(mp->sys_root);
	free(mp->cgroup_dir);
	free(mp->limit_dir);
	free(mp->psi_path);
	free(mp->oom_path);
	buf_free(&mp->tmp);
	if (mp->proc_dir)
		closedir(mp->proc_dir);
	free(mp->procs);
	free(mp->jobrefs);
	free(mp->path);
	memset(mp, 0, sizeof *mp);
}

int64_t memprobe_capacity(const struct memprobe *mp)
{
	if (mp->cgroup_limit >= 0 && mp->cgroup_limit < mp->phys_total)
		return mp->cgroup_limit;
	return mp->phys_total;
}

int64_t memprobe_available(struct memprobe *mp)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/proc/meminfo", mp->proc_root);
	const char *meminfo = slurp(mp, path);
	int64_t avail = meminfo ? key_value(meminfo, "MemAvailable") : -1;
	int64_t swap = meminfo ? key_value(meminfo, "SwapFree") : -1;
	mp->swap_free = swap > 0 ? swap * 1024 : 0;
	int64_t cached = meminfo && swap > 0 ? key_value(meminfo, "SwapCached") : -1;
	mp->swap_cached = cached > 0 ? cached * 1024 : 0;
	int64_t free_b = avail >= 0 ? avail * 1024 : -1;
	if (mp->swap_free > 0 && mp->cgroup_version == 2 && mp->cgroup_dir) {
		/* v2 limits a cgroup's swap too (memory.swap.max); a job is
		 * in nj's cgroup, so nj's limit is the one that applies. */
		int64_t max, cur;
		snprintf(path, sizeof path, "%s/memory.swap.max", mp->cgroup_dir);
		if (read_int(mp, path, &max) == 0 && max != INT64_MAX) {
			snprintf(path, sizeof path, "%s/memory.swap.current",
				 mp->cgroup_dir);
			if (read_int(mp, path, &cur) < 0)
				cur = 0;
			int64_t room = max > cur ? max - cur : 0;
			if (room < mp->swap_free)
				mp->swap_free = room;
		}
	}
	if (!mp->limit_dir)
		return free_b;
	bool v2 = mp->cgroup_version == 2;
	int64_t usage;
	snprintf(path, sizeof path, "%s/%s", mp->limit_dir,
		 v2 ? "memory.current" : "memory.usage_in_bytes");
	if (read_int(mp, path, &usage) < 0)
		return free_b;
	if (!v2 && mp->swap_free > 0) {
		/* v1 counts memory and swap together against memsw's limit:
		 * swap is only what that allows beyond the memory limit,
		 * less what is in swap already (the scenarios set the two
		 * equal: no swap at all). */
		int64_t swl, swu;
		snprintf(path, sizeof path, "%s/memory.memsw.limit_in_bytes",
			 mp->limit_dir);
		if (read_int(mp, path, &swl) == 0 && swl < MEM_NO_LIMIT) {
			snprintf(path, sizeof path,
				 "%s/memory.memsw.usage_in_bytes", mp->limit_dir);
			if (read_int(mp, path, &swu) < 0)
				swu = swl;
			int64_t room = swl - mp->cgroup_limit - (swu - usage);
			if (room < mp->swap_free)
				mp->swap_free = room > 0 ? room : 0;
		}
	}
	/* Inactive file pages are reclaimed before the limit bites, so
	 * they do not count against it (what `docker stats` does too). */
	snprintf(path, sizeof path, "%s/memory.stat", mp->limit_dir);
	const char *stat = slurp(mp, path);
	int64_t inactive = stat ? key_value(stat, v2 ? "inactive_file"
						  : "total_inactive_file")
				: -1;
	if (stat && mp->swap_cached > 0) {
		cached = key_value(stat, v2 ? "swapcached" : "total_swapcached");
		mp->swap_cached = cached > 0 ? cached : 0;
	}
	int64_t ws = usage - (inactive > 0 ? inactive : 0);
	if (ws < 0)
		ws = 0;
	int64_t cg = mp->cgroup_limit - ws;
	if (cg < 0)
		cg = 0;
	return free_b < 0 || cg < free_b ? cg : free_b;
}

double memprobe_psi_some_avg10(struct memprobe *mp)
{
	const char *s = slurp(mp, mp->psi_path);
	if (!s)
		return -1;
	for (const char *p = s; p && *p;) {
		if (strncmp(p, "some ", 5) == 0) {
			const char *a = strstr(p, "avg10=");
			const char *nl = strchr(p, '\n');
			if (!a || (nl && a > nl))
				return -1;
			char *end;
			double v = strtod(a + 6, &end);
			return end == a + 6 ? -1 : v;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int64_t memprobe_oom_kills(struct memprobe *mp)
{
	mp->oom_seen = read_key(mp, mp->oom_path, mp->oom_key);
	return mp->oom_seen;
}

/* ---- per-job sampling ---------------------------------------------------- */

/* Parse /proc/PID/stat: "pid (comm) state ppid pgrp ... rss(24) ...". comm
 * may hold spaces and ')', so fields are counted from the last ')'. */
static bool parse_stat(char *line, size_t len, struct mem_proc *pr)
{
	char *rp = NULL;
	for (size_t i = len; i > 0; i--)
		if (line[i - 1] == ')') {
			rp = line + i;
			break;
		}
	if (!rp)
		return false;
	int field = 2; /* the ')' ends field 2 */
	long long ppid = -1, pgrp = -1, rss = -1;
	for (char *p = rp; *p;) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		field++;
		char *end = p;
		if (field == 4 || field == 5 || field == 24) {
			long long v = strtoll(p, &end, 10);
			if (end == p)
				return false;
			if (field == 4)
				ppid = v;
			else if (field == 5)
				pgrp = v;
			else
				rss = v;
		}
		if (field == 24)
			break;
		while (*end && *end != ' ')
			end++;
		p = end;
	}
	if (field != 24 || ppid < 0)
		return false;
	pr->ppid = (pid_t)ppid;
	pr->pgrp = (pid_t)pgrp;
	pr->rss_pages = rss > 0 ? rss : 0; /* -1 never; 0 for zombies */
	return true;
}

static int cmp_proc(const void *a, const void *b)
{
	pid_t x = ((const struct mem_proc *)a)->pid;
	pid_t y = ((const struct mem_proc *)b)->pid;
	return (x > y) - (x < y);
}

static int cmp_jobref(const void *a, const void *b)
{
	pid_t x = ((const struct mem_jobref *)a)->pid;
	pid_t y = ((const struct mem_jobref *)b)->pid;
	return (x > y) - (x < y);
}

static int find_proc(const struct memprobe *mp, pid_t pid)
{
	size_t lo = 0, hi = mp->nprocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mp->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < mp->nprocs && mp->procs[lo].pid == pid ? (int)lo : -1;
}

static int find_job(const struct mem_jobref *refs, size_t n, pid_t pid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (refs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && refs[lo].pid == pid ? refs[lo].idx : -1;
}

/* Read every process's pid, ppid, pgrp and rss into mp->procs, sorted. */
static void read_procs(struct memprobe *mp)
{
	mp->nprocs = 0;
	if (!mp->proc_dir) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/proc", mp->proc_root);
		mp->proc_dir = opendir(path);
		if (!mp->proc_dir)
			return;
	} else {
		/* procfs lists the processes alive now on each rewind; keeping
		 * the DIR avoids its buffer allocation every sample. */
		rewinddir(mp->proc_dir);
	}
	DIR *d = mp->proc_dir;
	int dfd = dirfd(d);
	struct dirent *de;
	bool sorted = true;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (*n < '1' || *n > '9')
			continue;
		long long pid = 0;
		for (; *n >= '0' && *n <= '9'; n++)
			pid = pid * 10 + (*n - '0');
		if (*n || pid > INT_MAX)
			continue;
		char rel[32], line[1024];
		snprintf(rel, sizeof rel, "%lld/stat", pid);
		int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* exited since readdir */
		ssize_t len = read(fd, line, sizeof line - 1);
		close(fd);
		if (len <= 0)
			continue;
		line[len] = 0;
		struct mem_proc pr = {.pid = (pid_t)pid, .owner = -2};
		if (!parse_stat(line, (size_t)len, &pr))
			continue;
		if (mp->nprocs == mp->procs_cap)
			xgrow((void **)&mp->procs, &mp->procs_cap,
			      mp->nprocs + 1, sizeof *mp->procs);
		if (mp->nprocs && mp->procs[mp->nprocs - 1].pid > pr.pid)
			sorted = false;
		mp->procs[mp->nprocs++] = pr;
	}
	if (!sorted) /* procfs lists in pid order; a fake tree may not */
		qsort(mp->procs, mp->nprocs, sizeof *mp->procs, cmp_proc);
}

size_t memprobe_group_pids(const struct memprobe *mp, pid_t pgid, pid_t *out,
			   size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < mp->nprocs && n < max; i++)
		if (mp->procs[i].pgrp == pgid)
			out[n++] = mp->procs[i].pid;
	return n;
}

void memprobe_sample_jobs(struct memprobe *mp, struct job **jobs, size_t n)
{
	size_t nrefs = 0;
	if (n > mp->jobrefs_cap)
		xgrow((void **)&mp->jobrefs, &mp->jobrefs_cap, n,
		      sizeof *mp->jobrefs);
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i])
			continue;
		jobs[i]->mem_now = 0;
		/* Once reaped, the pid may already belong to someone else. */
		if (jobs[i]->pid > 0 && !jobs[i]->reaped)
			mp->jobrefs[nrefs++] =
				(struct mem_jobref){jobs[i]->pid, (int)i};
	}
	if (!nrefs)
		return;
	qsort(mp->jobrefs, nrefs, sizeof *mp->jobrefs, cmp_jobref);
	read_procs(mp);
	if (mp->nprocs > mp->path_cap)
		xgrow((void **)&mp->path, &mp->path_cap, mp->nprocs,
		      sizeof *mp->path);

	for (size_t i = 0; i < mp->nprocs; i++) {
		/* Walk up the parents to a job or to a process already
		 * resolved, then give the whole path that answer. The step
		 * bound guards against a cycle in a torn snapshot (a pid
		 * reused between two reads). */
		size_t depth = 0;
		int owner = -1;
		for (int k = (int)i; k >= 0 && depth < mp->nprocs;) {
			struct mem_proc *pr = &mp->procs[k];
			if (pr->owner != -2) {
				owner = pr->owner;
				break;
			}
			mp->path[depth++] = k;
			int j = find_job(mp->jobrefs, nrefs, pr->pid);
			if (j >= 0) {
				owner = j;
				break;
			}
			k = pr->ppid > 0 ? find_proc(mp, pr->ppid) : -1;
		}
		for (size_t d = 0; d < depth; d++)
			mp->procs[mp->path[d]].owner = owner;
	}

	for (size_t i = 0; i < mp->nprocs; i++) {
		const struct mem_proc *pr = &mp->procs[i];
		int owner = pr->owner;
		/* A background command outlives its shell and is reparented,
		 * but stays in the job's process group (the group's id is
		 * the job's pid; console jobs share nj's group). */
		if (owner < 0 && pr->pgrp > 0) {
			owner = find_job(mp->jobrefs, nrefs, pr->pgrp);
			if (owner >= 0 && jobs[owner]->console)
				owner = -1;
		}
		if (owner >= 0)
			jobs[owner]->mem_now += pr->rss_pages * mp->page_size;
	}
	int64_t t = exec_now_ns();
	for (size_t i = 0; i < n; i++) {
		struct job *j = jobs[i];
		if (!j || j->mem_now <= j->mem_peak)
			continue;
		j->mem_peak = j->mem_now;
		/* When it rose to near its peak: the first sample within a
		 * tenth of the highest so far. */
		if (j->mem_rise_level < j->mem_peak - j->mem_peak / 10) {
			j->mem_rise_level = j->mem_now;
			j->mem_rise_ms = (t - j->start_ns) / 1000000;
		}
	}
}
