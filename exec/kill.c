/* Interrupting every running job. The signal nj received (SIGINT by default)
 * goes to each job's process group; console jobs share nj's group and got a
 * terminal's ^C already, as in ninja. Then nj waits for every job's shell,
 * reading its pipe meanwhile so nothing blocks on a full pipe. */
#define _GNU_SOURCE /* ppoll */
#include "exec.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* Has the job's process exited? Leaves it unreaped (a zombie keeps its
 * process group id from being reused while we signal the group). */
static bool exited(struct job *j)
{
	if (j->reaped)
		return true;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r;
	do
		r = waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	while (r < 0 && errno == EINTR);
	return r < 0 || si.si_pid != 0;
}

static void kill_hard(struct exec *ex)
{
	for (size_t i = 0; i < ex->nrunning; i++) {
		struct job *j = ex->running[i];
		if (j->console)
			kill(j->pid, SIGKILL);
		else
			kill(-j->pid, SIGKILL);
	}
}

/* Poll the open pipes (and SIGCHLD, signals) for at most ms. */
static void nap(struct exec *ex, int64_t ms)
{
	size_t need = ex->nrunning;
	if (need > ex->pfds_cap) {
		size_t cap = ex->pfds_cap;
		xgrow((void **)&ex->pfds, &cap, need, sizeof *ex->pfds);
		ex->pjobs = xrealloc(ex->pjobs, cap * sizeof *ex->pjobs);
		ex->pfds_cap = cap;
	}
	nfds_t n = 0;
	for (size_t i = 0; i < ex->nrunning; i++)
		if (ex->running[i]->fd >= 0)
			ex->pfds[n++] = (struct pollfd){
				.fd = ex->running[i]->fd, .events = POLLIN};
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	ppoll(ex->pfds, n, &ts, &ex->wait_mask);
}

void exec_kill_all(struct exec *ex)
{
	int sig = ex->interrupted ? ex->interrupted : SIGINT;
	for (size_t i = 0; i < ex->nrunning; i++) {
		struct job *j = ex->running[i];
		if (!j->console)
			kill(-j->pid, j->reaped ? SIGKILL : sig);
	}
	exec_priv_take_signal(); /* a signal from now on asks for SIGKILL */
	int64_t t0 = exec_now_ns();
	int64_t resend = t0 + (int64_t)EXEC_KILL_RESEND_MS * 1000000;
	int64_t deadline = t0 + (int64_t)EXEC_KILL_GRACE_MS * 1000000;
	bool hard = false;
	while (ex->nrunning) {
		for (size_t i = 0; i < ex->nrunning;) {
			struct job *j = ex->running[i];
			exec_priv_drain(j);
			if (!exited(j)) {
				i++;
				continue;
			}
			/* Background commands of a non-interactive shell
			 * ignore SIGINT; do not leave them behind. */
			if (!j->console)
				kill(-j->pid, SIGKILL);
			exec_priv_reap(j, true);
			exec_priv_drain(j);
			/* A process that left the group may still hold the
			 * pipe; its output is not worth waiting for. */
			if (j->fd >= 0) {
				close(j->fd);
				j->fd = -1;
			}
			j->status = JOB_INTERRUPTED;
			exec_priv_finish(ex, i);
		}
		if (!ex->nrunning)
			break;
		int64_t now = exec_now_ns();
		if (resend && now >= resend) {
			/* A shell that got the signal while still starting
			 * may have caught it and started its command anyway;
			 * that command is in the group now. */
			resend = 0;
			for (size_t i = 0; i < ex->nrunning; i++)
				if (!ex->running[i]->console)
					kill(-ex->running[i]->pid, sig);
		}
		int64_t left = (deadline - now) / 1000000;
		if (!hard && (left <= 0 || exec_priv_take_signal() ||
			      exec_priv_pending_signal(ex))) {
			hard = true;
			kill_hard(ex);
		}
		nap(ex, hard || left > 50 ? 50 : left);
	}
}

int exec_signal_job(struct job *j, int sig)
{
	if (j->console)
		/* Once reaped its pid may belong to someone else. */
		return j->reaped ? 0 : kill(j->pid, sig);
	/* Even after the shell is reaped its group id stays reserved while
	 * anything (holding the pipe, say) is left in the group. */
	return kill(-j->pid, sig);
}
