/* The wait loop: one ppoll over every job's pipe (and the caller's extra
 * descriptors) with the pre-init signal mask, so SIGINT/SIGTERM/SIGHUP and
 * SIGCHLD are delivered only while nj sleeps here. A job is finished when its
 * pipe is at EOF and its process has been reaped, whichever comes last. */
#define _GNU_SOURCE /* ppoll, wait4 */
#include "exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bound one job's reading per wakeup so a chatty job cannot starve others. */
#define READ_LIMIT (1 << 20)

void exec_priv_drain(struct job *j)
{
	char tmp[64 << 10];
	size_t got = 0;
	while (j->fd >= 0 && got < READ_LIMIT) {
		ssize_t n = read(j->fd, tmp, sizeof tmp);
		if (n > 0) {
			exec_priv_output_add(j, tmp, (size_t)n);
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EOF, or an error that means no more output either way. */
		close(j->fd);
		j->fd = -1;
	}
}

static void set_status(struct job *j, int st, const struct rusage *ru)
{
	j->maxrss_kb = ru->ru_maxrss; /* kilobytes on Linux */
	j->cpu_ms = (int64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000 +
		    (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000;
	if (WIFEXITED(st)) {
		j->exit_code = WEXITSTATUS(st);
		j->status = j->exit_code ? JOB_FAILED : JOB_OK;
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		j->term_signal = sig;
		/* As ninja: these come from the user (^C reaches the whole
		 * terminal group) or from nj passing one on. */
		bool intr = sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
		j->status = intr ? JOB_INTERRUPTED : JOB_FAILED;
		/* ninja's statuses: 130 for an interrupt, else 128 plus the
		 * wait status (the signal, and 0x80 if it dumped core). */
		j->exit_code = intr ? 130 : 128 + (st & 0xff);
	} else {
		j->exit_code = 1;
		j->status = JOB_FAILED;
	}
}

bool exec_priv_reap(struct job *j, bool block)
{
	if (j->reaped)
		return true;
	int st = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	pid_t r;
	do
		r = wait4(j->pid, &st, block ? 0 : WNOHANG, &ru);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return false;
	j->reaped = true;
	if (r < 0) {
		/* ECHILD: reaped behind our back (nothing else here waits);
		 * the status is lost, so report a failure rather than hang. */
		j->exit_code = 1;
		j->status = JOB_FAILED;
		return true;
	}
	set_status(j, st, &ru);
	return true;
}

void exec_priv_finish(struct exec *ex, size_t i)
{
	struct job *j = ex->running[i];
	j->end_ns = exec_now_ns();
	memmove(ex->running + i, ex->running + i + 1,
		(ex->nrunning - i - 1) * sizeof *ex->running);
	ex->nrunning--;
	xgrow((void **)&ex->finished, &ex->finished_cap, ex->nfinished + 1,
	      sizeof *ex->finished);
	ex->finished[ex->nfinished++] = j;
}

/* Move every job whose pipe is closed and whose process can be reaped now to
 * the finished queue; returns how many moved. */
static size_t collect(struct exec *ex)
{
	size_t moved = 0;
	for (size_t i = 0; i < ex->nrunning;) {
		struct job *j = ex->running[i];
		if (j->fd < 0 && exec_priv_reap(j, false)) {
			exec_priv_finish(ex, i);
			moved++;
		} else {
			i++;
		}
	}
	return moved;
}

bool exec_wait(struct exec *ex, int timeout_ms)
{
	/* Something already done: report it without sleeping. */
	if (collect(ex) || (!ex->nrunning && !ex->nwatch && timeout_ms < 0))
		timeout_ms = 0;

	size_t need = ex->nrunning + ex->nwatch;
	if (need > ex->pfds_cap) {
		size_t cap = ex->pfds_cap;
		xgrow((void **)&ex->pfds, &cap, need, sizeof *ex->pfds);
		ex->pjobs = xrealloc(ex->pjobs, cap * sizeof *ex->pjobs);
		ex->pfds_cap = cap;
	}
	size_t n = 0;
	for (size_t i = 0; i < ex->nrunning; i++) {
		struct job *j = ex->running[i];
		if (j->fd < 0)
			continue;
		ex->pfds[n] = (struct pollfd){.fd = j->fd, .events = POLLIN};
		ex->pjobs[n++] = j;
	}
	size_t njobs = n;
	for (size_t i = 0; i < ex->nwatch; i++) {
		ex->watch[i].revents = 0;
		ex->pfds[n++] = ex->watch[i];
	}

	struct timespec ts, *tsp = NULL;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	int r = ppoll(ex->pfds, n, tsp, &ex->wait_mask);
	int sig = exec_priv_take_signal();
	if (!sig && r > 0)
		sig = exec_priv_pending_signal(ex);
	if (sig)
		ex->interrupted = sig;

	if (r > 0) {
		for (size_t i = 0; i < njobs; i++)
			if (ex->pfds[i].revents)
				exec_priv_drain(ex->pjobs[i]);
		for (size_t i = 0; i < ex->nwatch; i++)
			ex->watch[i].revents = ex->pfds[njobs + i].revents;
	}
	/* Pipes that hit EOF, and SIGCHLD for jobs without one. */
	collect(ex);
	return ex->interrupted != 0;
}
