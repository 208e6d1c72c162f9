/* exec: running commands. Each job is `/bin/sh -c CMD` in its own process
 * group with stdin from /dev/null and stdout+stderr captured together into
 * one pipe; a console job instead shares nj's terminal and process group.
 * One ppoll loop waits on every job's pipe and on SIGINT/SIGTERM/SIGHUP,
 * which stay blocked outside the wait so they cannot be lost.
 * Everything Linux-specific stays behind this header. */
#ifndef NJ_EXEC_H
#define NJ_EXEC_H

#include "../lexer/lexer.h"

#include <poll.h>
#include <signal.h>
#include <sys/types.h>

enum job_status {
	JOB_OK,          /* exited 0 */
	JOB_FAILED,      /* exited non-zero or died by a signal nj did not send */
	JOB_INTERRUPTED, /* killed because of SIGINT/SIGTERM/SIGHUP */
};

struct job {
	pid_t pid;
	int fd; /* read end of the output pipe; -1 once closed or for console */
	bool console;
	void *user; /* the caller's (an edge) */
	struct buf output;
	/* Filled when the job has finished: */
	int exit_code;  /* exit status, or 128+signal */
	int term_signal; /* 0 unless killed by a signal */
	enum job_status status;
	int64_t start_ns, end_ns; /* monotonic */
	int64_t maxrss_kb;        /* from wait4's rusage */
	/* private */
	bool reaped; /* wait4 has collected the process */
};

struct exec {
	struct job **running;
	size_t nrunning, running_cap;
	struct job **finished; /* FIFO of jobs done, for exec_next_finished */
	size_t nfinished, finished_cap;
	/* The signal number that arrived, 0 if none. Sticky: exec_wait does not
	 * clear it, the caller may. */
	int interrupted;
	sigset_t old_mask;
	/* Extra descriptors the caller wants watched by the same ppoll (the
	 * jobserver, say); exec_wait fills their revents. Owned by the caller. */
	struct pollfd *watch;
	size_t nwatch;
	/* private */
	int devnull;
	sigset_t wait_mask; /* old_mask with SIGCHLD let through */
	struct sigaction old_act[4];
	struct pollfd *pfds;
	struct job **pjobs; /* pjobs[i] owns pfds[i] */
	size_t pfds_cap;
};

/* Block SIGINT/SIGTERM/SIGHUP (and SIGCHLD) and install handlers; returns
 * -1 on failure. */
int exec_init(struct exec *ex, struct err *err);
/* Start cmd; returns the job (owned by ex until exec_job_free) or NULL. */
struct job *exec_start(struct exec *ex, const char *cmd, bool console,
		       void *user, struct err *err);
/* Wait for output, a job's end or a signal, at most timeout_ms (-1: no
 * limit; but with no job running and nothing watched it returns at once).
 * A job is finished when its pipe is at EOF and its process is reaped.
 * Returns true when interrupted by a signal (ex->interrupted set). */
bool exec_wait(struct exec *ex, int timeout_ms);
/* Pop a finished job (or NULL). The caller frees it with exec_job_free. */
struct job *exec_next_finished(struct exec *ex);
void exec_job_free(struct job *j);
/* Interrupt: SIGINT to every job's process group (SIGTERM/SIGHUP as the
 * signal received), wait for them all, mark them JOB_INTERRUPTED and queue
 * them as finished. Whatever is left in a group once its shell has exited
 * (background commands, which ignore SIGINT) is SIGKILLed. The signal is
 * sent again after EXEC_KILL_RESEND_MS to jobs still running; a second
 * signal to nj, or EXEC_KILL_GRACE_MS, escalates to SIGKILL. */
void exec_kill_all(struct exec *ex);
#define EXEC_KILL_RESEND_MS 300
/* Send sig to one job (its process group; the process alone for a console
 * job) and let it finish as usual: a SIGKILL nj sent shows up as JOB_FAILED
 * with term_signal set, so the caller that chose the victim says why.
 * Returns -1 with errno when kill fails. */
int exec_signal_job(struct job *j, int sig);
#define EXEC_KILL_GRACE_MS 5000
/* Kill what still runs, free queued jobs, restore the signal mask and
 * handlers. */
void exec_shutdown(struct exec *ex);

/* Monotonic clock in nanoseconds. */
int64_t exec_now_ns(void);
/* Processors available to this process (for the default -j): the affinity
 * mask, capped by a cgroup v2 cpu.max quota. */
int exec_nprocs(void);
/* 1-minute load average; -1 when unknown. */
double exec_loadavg(void);
/* Is fd a terminal that understands cursor control (TERM not "dumb")? */
bool exec_smart_terminal(int fd);
int exec_terminal_width(int fd); /* 80 when unknown */

/* ---- internal: shared between the files of exec/ only ------------------- */
int exec_priv_take_signal(void);      /* the last signal caught, then clears it */
int exec_priv_pending_signal(const struct exec *ex); /* takes a pending one */
void exec_priv_drain(struct job *j);  /* read what is available; EOF closes fd */
bool exec_priv_reap(struct job *j, bool block); /* true once reaped */
void exec_priv_finish(struct exec *ex, size_t i); /* running[i] -> finished */

#endif
