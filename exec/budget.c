/* The shared memory budget: nj processes under one memory limit (one
 * cgroup, or the whole machine) publish what they have reserved in a small
 * file of fixed records, one per nj, so each can subtract the others'.
 *
 * The file is <dir>/nj-budget-<hash of the limit's cgroup>, dir the first
 * usable of $XDG_RUNTIME_DIR, /run/nj and /tmp. Each record is one
 * pwrite of its own slot with a checksum, so a reader never takes a torn
 * record for numbers; the whole file is locked (flock) only to claim or
 * free a slot and around a large admission, so two builds cannot both
 * take the same gigabytes between two samples. flock dies with its
 * descriptor: kill -9 leaves no lock behind. A record counts only while
 * its pid is alive (not a zombie) with the start time it recorded, so a
 * crashed nj's reservations vanish at the next read. The last nj to leave
 * removes the file; one that opened it meanwhile sees, once it holds the
 * lock, that the path names another file (or none), and opens again. */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUDGET_MAGIC INT64_C(0x6e6a62756467312e) /* "njbudg1." */
#define PARENT_ENV "NJ_BUDGET_PARENT"

static uint64_t checksum(const struct budget_rec *r)
{
	return murmur64a(r, offsetof(struct budget_rec, check), 0x6e6a);
}

/* The start time (clock ticks since boot) of a live, non-zombie process;
 * -1 when it is gone. */
static int64_t start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* "pid (comm) state ppid ..."; comm may hold spaces and parens. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return -1;
	/* starttime is field 22; after ") " we are at field 3. */
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtoll(p, NULL, 10);
}

static bool alive(const struct budget_rec *r)
{
	return r->magic == BUDGET_MAGIC && r->pid > 0 &&
	       r->check == checksum(r) && start_time((pid_t)r->pid) == r->start;
}

static char *budget_dir(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg && access(xdg, W_OK | X_OK) == 0)
		return xstrdup(xdg);
	/* /run/nj is shared by every user, like /tmp. */
	if (mkdir("/run/nj", 01777) == 0)
		(void)chmod("/run/nj", 01777);
	if (access("/run/nj", W_OK | X_OK) == 0)
		return xstrdup("/run/nj");
	return xstrdup("/tmp");
}

static int lock(struct budget *bg, int op)
{
	while (flock(bg->fd, op) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void read_all(struct budget *bg, struct budget_rec *recs)
{
	ssize_t n = pread(bg->fd, recs, sizeof(struct budget_rec) * BUDGET_SLOTS, 0);
	size_t got = n > 0 ? (size_t)n / sizeof(struct budget_rec) : 0;
	memset(recs + got, 0, sizeof(struct budget_rec) * (BUDGET_SLOTS - got));
}

/* Open the file and lock it, making sure the lock is on the file the path
 * names (the last nj out may have removed it meanwhile). */
static int open_locked(struct budget *bg, struct err *err)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		int fd = open(bg->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			      0666);
		struct stat sb, now;
		if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			err_set(err, "%s: %s", bg->path,
				fd < 0 ? strerror(errno) : "not a regular file");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		bg->fd = fd;
		if (lock(bg, LOCK_EX) < 0) {
			err_set(err, "%s: %s", bg->path, strerror(errno));
			return -1;
		}
		if (stat(bg->path, &now) == 0 && now.st_ino == sb.st_ino &&
		    now.st_dev == sb.st_dev) {
			(void)fchmod(fd, 0666); /* other users' builds share it */
			return 0;
		}
		close(fd); /* removed under us: the lock goes with it */
		bg->fd = -1;
	}
	err_set(err, "%s: keeps being replaced", bg->path);
	return -1;
}

int budget_open(struct budget *bg, const char *domain, struct err *err)
{
	memset(bg, 0, sizeof(*bg));
	bg->fd = -1;
	bg->slot = -1;
	char *dir = budget_dir();
	uint64_t h = murmur64a(domain, strlen(domain), 0x6e6a);
	struct buf p = {0};
	buf_printf(&p, "%s/nj-budget-%016llx", dir, (unsigned long long)h);
	free(dir);
	bg->path = xstrdup(buf_cstr(&p));
	buf_free(&p);
	if (open_locked(bg, err) < 0) {
		budget_close(bg);
		return -1;
	}
	const char *parent = getenv(PARENT_ENV);
	if (parent && *parent) {
		bg->parent_pid = atoi(parent);
		bg->parent_pgid = getpgrp();
	}
	struct budget_rec recs[BUDGET_SLOTS];
	read_all(bg, recs);
	for (int i = 0; i < BUDGET_SLOTS && bg->slot < 0; i++)
		if (!alive(&recs[i]))
			bg->slot = i;
	int rc = 0;
	if (bg->slot < 0) {
		err_set(err, "%s: all %d slots are taken by live builds",
			bg->path, BUDGET_SLOTS);
		rc = -1;
	} else {
		bg->mine.magic = BUDGET_MAGIC;
		bg->mine.pid = getpid();
		bg->mine.start = start_time(getpid());
		bg->mine.parent_pid = bg->parent_pid;
		bg->mine.parent_pgid = bg->parent_pgid;
		rc = budget_publish(bg);
		if (rc < 0)
			err_set(err, "%s: %s", bg->path, strerror(errno));
	}
	lock(bg, LOCK_UN);
	if (rc < 0) {
		budget_close(bg);
		return -1;
	}
	/* Our jobs' nj sub-builds find us through this. */
	char pid[24];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv(PARENT_ENV, pid, 1);
	return 0;
}

void budget_close(struct budget *bg)
{
	if (bg->fd >= 0 && bg->slot >= 0 && lock(bg, LOCK_EX) == 0) {
		struct budget_rec zero = {0}, recs[BUDGET_SLOTS];
		(void)pwrite(bg->fd, &zero, sizeof zero,
			     (off_t)bg->slot * (off_t)sizeof zero);
		read_all(bg, recs);
		bool anyone = false;
		for (int i = 0; i < BUDGET_SLOTS && !anyone; i++)
			anyone = alive(&recs[i]);
		struct stat sb, now;
		if (!anyone && fstat(bg->fd, &sb) == 0 &&
		    stat(bg->path, &now) == 0 && now.st_ino == sb.st_ino)
			unlink(bg->path); /* the last one out */
	}
	if (bg->fd >= 0)
		close(bg->fd);
	free(bg->path);
	memset(bg, 0, sizeof(*bg));
	bg->fd = -1;
	bg->slot = -1;
}

int budget_publish(struct budget *bg)
{
	if (bg->fd < 0 || bg->slot < 0)
		return 0;
	bg->mine.check = checksum(&bg->mine);
	ssize_t n = pwrite(bg->fd, &bg->mine, sizeof bg->mine,
			   (off_t)bg->slot * (off_t)sizeof bg->mine);
	return n == (ssize_t)sizeof bg->mine ? 0 : -1;
}

size_t budget_read(struct budget *bg)
{
	bg->nothers = 0;
	if (bg->fd < 0)
		return 0;
	struct budget_rec recs[BUDGET_SLOTS];
	read_all(bg, recs);
	for (int i = 0; i < BUDGET_SLOTS; i++) {
		if (i == bg->slot || recs[i].magic != BUDGET_MAGIC ||
		    !alive(&recs[i]))
			continue;
		bg->others[bg->nothers++] = recs[i];
	}
	return bg->nothers;
}

int budget_lock(struct budget *bg)
{
	return bg->fd >= 0 ? lock(bg, LOCK_EX) : 0;
}

void budget_unlock(struct budget *bg)
{
	if (bg->fd >= 0)
		lock(bg, LOCK_UN);
}
