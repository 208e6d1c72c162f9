/* exec: running commands. Each job is `/bin/sh -c CMD` in its own process
 * group with stdin from /dev/null and stdout+stderr captured together into
 * one pipe; a console job instead shares nj's terminal and process group.
 * One ppoll loop waits on every job's pipe and on SIGINT/SIGTERM/SIGHUP,
 * which stay blocked outside the wait so they cannot be lost.
 * Everything Linux-specific stays behind this header. */
#ifndef NJ_EXEC_H
#define NJ_EXEC_H

#include "../lexer/lexer.h"

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
};

struct exec {
	struct job **running;
	size_t nrunning, running_cap;
	struct job **finished; /* FIFO of jobs done, for exec_next_finished */
	size_t nfinished, finished_cap;
	int interrupted; /* the signal number that arrived, 0 if none */
	sigset_t old_mask;
	/* private */
	int devnull;
};

/* Block SIGINT/SIGTERM/SIGHUP and install handlers; returns -1 on failure. */
int exec_init(struct exec *ex, struct err *err);
/* Start cmd; returns the job (owned by ex until exec_job_free) or NULL. */
struct job *exec_start(struct exec *ex, const char *cmd, bool console,
		       void *user, struct err *err);
/* Wait for output, a job's end or a signal, at most timeout_ms (-1: no
 * limit). Returns true when interrupted by a signal (ex->interrupted set). */
bool exec_wait(struct exec *ex, int timeout_ms);
/* Pop a finished job (or NULL). The caller frees it with exec_job_free. */
struct job *exec_next_finished(struct exec *ex);
void exec_job_free(struct job *j);
/* Interrupt: SIGINT to every job's process group (SIGTERM/SIGHUP as the
 * signal received), wait for them all, mark them JOB_INTERRUPTED and queue
 * them as finished. */
void exec_kill_all(struct exec *ex);
/* Restore the signal mask and handlers. */
void exec_shutdown(struct exec *ex);

/* Monotonic clock in nanoseconds. */
int64_t exec_now_ns(void);
/* Processors available to this process (for the default -j). */
int exec_nprocs(void);
/* 1-, 5-, 15-minute load average; -1 when unknown. */
double exec_loadavg(void);
/* Is fd a terminal that understands cursor control (TERM not "dumb")? */
bool exec_smart_terminal(int fd);
int exec_terminal_width(int fd); /* 80 when unknown */

#endif
