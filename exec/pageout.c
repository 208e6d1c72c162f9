/* Paging a paused job out to swap, so that what it holds goes back to the
 * jobs still running instead of being lost to a kill. Linux only:
 * process_madvise(MADV_PAGEOUT) over each process's private writable
 * mappings (its heap and stacks; text and shared files are left alone).
 * The kernel writes the pages out while the call runs (about a second per
 * GiB here), so a thread of its own makes it, never nj's event loop.
 * Paging out another process needs CAP_SYS_NICE; without it, or without
 * the call, memprobe_page_out_denied says so and nj kills as before. */
#define _GNU_SOURCE
#include "exec.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define PAGEOUT_IOV 256
#define PAGEOUT_PIDS 64

static atomic_bool denied;

bool memprobe_page_out_denied(void)
{
	return atomic_load(&denied);
}

#if defined(SYS_pidfd_open) && defined(SYS_process_madvise)
static bool fatal(int e)
{
	return e == EPERM || e == ENOSYS || e == ESRCH;
}

/* Advise one batch; a range the kernel will not page out (locked, or
 * gone since maps was read) is skipped, not an error. */
static int advise(int pidfd, struct iovec *iov, size_t n)
{
	if (n == 0 ||
	    syscall(SYS_process_madvise, pidfd, iov, n, MADV_PAGEOUT, 0) >= 0)
		return 0;
	if (fatal(errno))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (syscall(SYS_process_madvise, pidfd, &iov[i], 1,
			    MADV_PAGEOUT, 0) < 0 && fatal(errno))
			return -1;
	return 0;
}

/* Page out one process; 0 also when it is gone (nothing left to page). */
static int page_out_pid(const char *proc_root, pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : -1;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/proc/%d/maps", proc_root, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		close(pidfd);
		return 0;
	}
	struct iovec iov[PAGEOUT_IOV];
	size_t n = 0;
	int rc = 0;
	char line[512];
	while (rc == 0 && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
		    perms[1] == 'w' && perms[3] == 'p' && hi > lo) {
			iov[n++] = (struct iovec){(void *)lo, hi - lo};
			if (n == PAGEOUT_IOV) {
				rc = advise(pidfd, iov, n);
				n = 0;
			}
		}
		/* A line longer than the buffer (a long path): skip its rest. */
		while (!strchr(line, '\n') && fgets(line, sizeof line, f))
			;
	}
	if (rc == 0)
		rc = advise(pidfd, iov, n);
	int saved = errno;
	fclose(f);
	close(pidfd);
	return rc < 0 && saved == ESRCH ? 0 : rc < 0 ? -(saved ? saved : EIO) : 0;
}

struct page_out {
	char *proc_root;
	size_t n;
	pid_t pids[PAGEOUT_PIDS];
};

static void *page_out_thread(void *arg)
{
	struct page_out *po = arg;
	for (size_t i = 0; i < po->n; i++) {
		int rc = page_out_pid(po->proc_root, po->pids[i]);
		if (rc == -EPERM || rc == -ENOSYS) {
			atomic_store(&denied, true);
			break;
		}
	}
	free(po->proc_root);
	free(po);
	return NULL;
}

int memprobe_page_out(struct memprobe *mp, pid_t pgid)
{
	if (atomic_load(&denied)) {
		errno = EPERM;
		return -1;
	}
	struct page_out *po = xmalloc(sizeof *po);
	po->n = memprobe_group_pids(mp, pgid, po->pids, PAGEOUT_PIDS);
	po->proc_root = xstrdup(mp->proc_root);
	pthread_attr_t attr;
	pthread_t t;
	int rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, page_out_thread, po);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		free(po->proc_root);
		free(po);
		errno = rc;
		return -1;
	}
	return 0;
}
#else
int memprobe_page_out(struct memprobe *mp, pid_t pgid)
{
	(void)mp;
	(void)pgid;
	atomic_store(&denied, true);
	errno = ENOSYS;
	return -1;
}
#endif
