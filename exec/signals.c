/* Signals. SIGINT/SIGTERM/SIGHUP stay blocked except inside ppoll, so one
 * can only arrive while nj waits and is never lost between a check and the
 * wait (ninja's technique). SIGCHLD is treated the same way: its handler does
 * nothing, it exists so that ppoll wakes when a job without a pipe (a console
 * job, or one that closed its output early) exits. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t last_signal;

static void on_interrupt(int sig) { last_signal = sig; }
static void on_child(int sig) { (void)sig; }

static const int handled[4] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};

int exec_priv_take_signal(void)
{
	int s = last_signal;
	last_signal = 0;
	return s;
}

/* On Linux, ppoll that finds a descriptor ready returns without delivering a
 * signal that became pending meanwhile; it would wait for the next ppoll.
 * Take it now (so it is not seen twice) and report it. */
int exec_priv_pending_signal(const struct exec *ex)
{
	sigset_t pending, want;
	if (sigpending(&pending) < 0)
		return 0;
	sigemptyset(&want);
	for (int i = 0; i < 3; i++)
		if (sigismember(&pending, handled[i]) &&
		    !sigismember(&ex->old_mask, handled[i]))
			sigaddset(&want, handled[i]);
	struct timespec zero = {0, 0};
	int sig = sigtimedwait(&want, NULL, &zero);
	return sig > 0 ? sig : 0;
}

int exec_init(struct exec *ex, struct err *err)
{
	memset(ex, 0, sizeof *ex);
	ex->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (ex->devnull < 0) {
		err_set(err, "/dev/null: %s", strerror(errno));
		return -1;
	}
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < 4; i++)
		sigaddset(&set, handled[i]);
	if (sigprocmask(SIG_BLOCK, &set, &ex->old_mask) < 0) {
		err_set(err, "sigprocmask: %s", strerror(errno));
		close(ex->devnull);
		return -1;
	}
	ex->wait_mask = ex->old_mask;
	sigdelset(&ex->wait_mask, SIGCHLD);
	last_signal = 0;
	for (int i = 0; i < 4; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = i < 3 ? on_interrupt : on_child;
		/* Stopped children need no attention. */
		sa.sa_flags = handled[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		if (sigaction(handled[i], &sa, &ex->old_act[i]) < 0) {
			err_set(err, "sigaction: %s", strerror(errno));
			while (i-- > 0)
				sigaction(handled[i], &ex->old_act[i], NULL);
			sigprocmask(SIG_SETMASK, &ex->old_mask, NULL);
			close(ex->devnull);
			return -1;
		}
	}
	return 0;
}

void exec_shutdown(struct exec *ex)
{
	if (ex->nrunning)
		exec_kill_all(ex);
	for (size_t i = 0; i < ex->nfinished; i++)
		exec_job_free(ex->finished[i]);
	free(ex->finished);
	free(ex->running);
	free(ex->pfds);
	free(ex->pjobs);
	for (int i = 0; i < 4; i++)
		sigaction(handled[i], &ex->old_act[i], NULL);
	sigprocmask(SIG_SETMASK, &ex->old_mask, NULL);
	close(ex->devnull);
	ex->running = ex->finished = NULL;
	ex->pfds = NULL;
	ex->pjobs = NULL;
	ex->nrunning = ex->nfinished = ex->running_cap = ex->finished_cap = 0;
	ex->pfds_cap = 0;
	ex->devnull = -1;
}
