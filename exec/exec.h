/* exec: running commands. Each job is `/bin/sh -c CMD` in its own process
 * group with stdin from /dev/null and stdout+stderr captured together into
 * one pipe; a console job instead shares nj's terminal and process group.
 * One ppoll loop waits on every job's pipe and on SIGINT/SIGTERM/SIGHUP,
 * which stay blocked outside the wait so they cannot be lost.
 * Everything Linux-specific stays behind this header. */
#ifndef NJ_EXEC_H
#define NJ_EXEC_H

#include "../base/base.h"

#include <poll.h>
#include <signal.h>
#include <sys/types.h>

struct js_slot;

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
	/* What the job printed: read it with exec_job_output. In memory up
	 * to JOB_OUTPUT_MEM_MAX, then in an unlinked temporary file. */
	struct buf output;
	int spill_fd;     /* -1 while in memory */
	size_t spill_len; /* bytes in the file */
	char *spill_map;  /* the file mapped, once exec_job_output asked */
	bool spill_lost;  /* a write to the file failed: the rest was dropped */
	/* Filled when the job has finished: */
	int exit_code;  /* exit status; 130 interrupted, 128+wait status for
			 * another signal (ninja's) */
	int term_signal; /* 0 unless killed by a signal */
	enum job_status status;
	int64_t start_ns, end_ns; /* monotonic */
	int64_t maxrss_kb;        /* from wait4's rusage */
	int64_t cpu_ms;           /* user + system, from wait4's rusage */
	/* Memory of the job's whole process tree, in bytes, as last sampled by
	 * mem_sample_jobs, and the most it has been seen at. */
	int64_t mem_now, mem_peak;
	/* When it first came within a tenth of mem_peak (ms after start), and
	 * what it had then: how fast it rises, for packing by time. */
	int64_t mem_rise_ms, mem_rise_level;
	struct js_slot *js; /* the job's jobserver slot, the caller's; or NULL */
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
/* The same, with a jobserver slot of the job's own: its MAKEFLAGS names
 * the slot, and in pipe mode the pipe is the job's descriptors 3 and 4. */
struct js_slot;
struct job *exec_start_js(struct exec *ex, const char *cmd, bool console,
			  void *user, const struct js_slot *slot,
			  struct err *err);
/* Wait for output, a job's end or a signal, at most timeout_ms (-1: no
 * limit; but with no job running and nothing watched it returns at once;
 * with a limit it then sleeps, waking for a signal).
 * A job is finished when its pipe is at EOF and its process is reaped.
 * Returns true when interrupted by a signal (ex->interrupted set). */
bool exec_wait(struct exec *ex, int timeout_ms);
/* Pop a finished job (or NULL). The caller frees it with exec_job_free. */
struct job *exec_next_finished(struct exec *ex);
void exec_job_free(struct job *j);
/* The job's whole output, valid until exec_job_free; NUL-terminated. */
#define JOB_OUTPUT_MEM_MAX (256 << 10)
void exec_job_output(struct job *j, const char **s, size_t *len);
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

/* Monotonic clock in nanoseconds, and in milliseconds. */
int64_t exec_now_ns(void);
int64_t exec_now_ms(void);
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
void exec_priv_output_add(struct job *j, const char *s, size_t n);
void exec_priv_output_free(struct job *j);
bool exec_priv_reap(struct job *j, bool block); /* true once reaped */
void exec_priv_finish(struct exec *ex, size_t i); /* running[i] -> finished */

/* ---- memory probes (exec/memprobe.c) -------------------------------------------
 * capacity: the least of physical RAM and nj's own cgroup limit (v2
 * memory.max, v1 memory.limit_in_bytes). free: MemAvailable, or the cgroup
 * limit minus the cgroup's working set (usage less inactive file pages)
 * when that is smaller. Sizes are bytes. */
struct memprobe {
	char *proc_root, *sys_root; /* "" normally; a fake tree in tests */
	int cgroup_version;         /* 0: no memory cgroup found, 1 or 2 */
	char *cgroup_dir;           /* nj's memory cgroup directory */
	/* The cgroup whose limit is cgroup_limit: nj's own or an ancestor's
	 * (a parent's limit applies to nj too); free is measured against its
	 * usage. NULL when unlimited. */
	char *limit_dir;
	int64_t phys_total;
	int64_t cgroup_limit; /* -1: unlimited */
	int64_t page_size;    /* bytes per page of /proc/PID/stat's rss */
	int64_t oom_seen;     /* memprobe_oom_kills' last answer; -1 before */
	int64_t swap_free;    /* swap the jobs may still use, bytes, as of
			       * memprobe_available's last reading; 0: none */
	/* Pages both in swap and in memory (the swap cache), nj's cgroup's
	 * or the system's, as of the same reading. Pages paged out stay
	 * there, charged and counted as used, until the kernel needs the
	 * room; then it drops them without a write (measured: 1G paged out
	 * stayed in the cgroup's usage, as swapcached, for seconds). */
	int64_t swap_cached;
	/* private */
	struct buf tmp;
	char *psi_path, *oom_path, *oom_key; /* chosen once by mem_probe_init */
	void *proc_dir;                      /* DIR * of /proc, kept open */
	struct mem_proc *procs;              /* reused by mem_sample_jobs */
	size_t nprocs, procs_cap;
	struct mem_jobref *jobrefs;
	size_t jobrefs_cap;
	int *path;
	size_t path_cap;
};
/* Find the sources. proc_root and sys_root prefix /proc and /sys/fs/cgroup
 * paths (NULL or "" for the real ones). Fails only if /proc/meminfo
 * cannot be read; then nothing is left to free (mem_probe_free is still
 * safe to call). */
int memprobe_init(struct memprobe *mp, const char *proc_root,
		   const char *sys_root, struct err *err);
void memprobe_free(struct memprobe *mp);
int64_t memprobe_capacity(const struct memprobe *mp);
/* What the system can still give now; -1 if it cannot be read. */
int64_t memprobe_available(struct memprobe *mp);
/* PSI "some" avg10 of nj's cgroup, else of the system; -1 if unreadable. */
double memprobe_psi_some_avg10(struct memprobe *mp);
/* The cgroup's count of OOM kills (v2 memory.events oom_kill, v1
 * memory.oom_control oom_kill; the system's /proc/vmstat oom_kill when nj
 * has no memory cgroup, as in the v2 root); -1 if unknown. A rise while a job ran
 * means the kernel, not the command, ended it. */
int64_t memprobe_oom_kills(struct memprobe *mp);
/* Sample each job's memory: the resident memory of its process and every
 * descendant, plus processes left in its process group whose parent has
 * exited (one pass over /proc). Sets mem_now (0 once the process is gone or
 * reaped) and raises mem_peak. NULL entries in jobs are skipped. */
void memprobe_sample_jobs(struct memprobe *mp, struct job **jobs, size_t n);
/* The processes of process group pgid, as of the last sample; at most max. */
size_t memprobe_group_pids(const struct memprobe *mp, pid_t pgid, pid_t *out,
			   size_t max);
/* Start paging out to swap what the processes of group pgid (a paused
 * job, as of the last sample) hold in private writable memory, on a
 * thread of its own (exec/pageout.c); the memory comes back as the
 * kernel's writes end. -1 with errno when it cannot start. */
int memprobe_page_out(struct memprobe *mp, pid_t pgid);
/* Paging out was refused once (EPERM without CAP_SYS_NICE, ENOSYS before
 * Linux 5.10): it never will be allowed in this run. */
bool memprobe_page_out_denied(void);

/* ---- the shared memory budget (exec/budget.c) ------------------------------
 * nj processes under one memory limit publish one record each in a file
 * keyed by that limit's cgroup, so that each subtracts the others'
 * reservations and their pressure decisions agree. See budget.c. */
#define BUDGET_SLOTS 64
struct budget_rec {
	int64_t magic, pid, start; /* start: the pid's start time (liveness) */
	/* A nested nj: the nj it runs under and the job (process group) of
	 * that nj it is; 0 when none. */
	int64_t parent_pid, parent_pgid;
	int64_t reserved;  /* bytes its jobs may still take (jobs a nested nj
			    * manages excluded: that nj publishes them) */
	int64_t jobs;      /* its live jobs (not paused, not managed) */
	int64_t dying;     /* jobs it is killing */
	int64_t victim_ms; /* run time of the job it would kill next, >= 1;
			    * 0 none */
	int64_t victim_paused;        /* 1: that job is paused */
	int64_t spare[5];             /* zero; room without a new version */
	uint64_t check; /* of everything above */
};
struct budget {
	int fd, slot;
	char *path;
	int64_t parent_pid, parent_pgid;
	struct budget_rec mine;
	struct budget_rec others[BUDGET_SLOTS]; /* live ones, after budget_read */
	size_t nothers;
};
/* Claim a slot in the file of `domain` (the limit's cgroup directory, or
 * "machine"); sets NJ_BUDGET_PARENT for the jobs. */
int budget_open(struct budget *bg, const char *domain, struct err *err);
void budget_close(struct budget *bg); /* frees the slot */
int budget_publish(struct budget *bg); /* writes bg->mine */
size_t budget_read(struct budget *bg); /* the other live records */
/* The whole file, around a decision that must not race another nj's. */
int budget_lock(struct budget *bg);
void budget_unlock(struct budget *bg);

/* ---- the GNU make jobserver (exec/jobserver.c) -----------------------------
 * Server: each job gets its own pipe (or FIFO), which nj keeps topped up
 * with one token; a token the job has read is one it holds, and when the
 * job ends they all come back, returned or not. */
enum js_mode { JS_OFF, JS_PIPE, JS_FIFO };
struct js_server {
	enum js_mode mode;
	int jobs;      /* -j, for the -jN make sees */
	char *dir;     /* FIFO mode: a private directory for the FIFOs */
	unsigned serial;
};
struct js_slot {
	int child_r, child_w; /* pipe mode: the ends the job gets as 3 and 4 */
	int own, own_w;       /* nj's access, never blocking: own is child_r
			       * where pipes take RWF_NOWAIT reads, else a
			       * non-blocking description of its own */
	char *fifo;           /* FIFO mode: its path */
	int given;            /* tokens put in and not taken back */
	struct buf makeflags; /* what the job's MAKEFLAGS says */
};
int js_server_init(struct js_server *s, enum js_mode mode, int jobs,
		   struct err *err);
void js_server_free(struct js_server *s);
int js_slot_open(struct js_server *s, struct js_slot *slot, struct err *err);
void js_slot_close(struct js_server *s, struct js_slot *slot);
/* For tests: how slots opened from now on read without blocking. 1: with
 * RWF_NOWAIT on the job's own end (where the kernel has it); 0: through a
 * non-blocking description of nj's own; -1: find out (the default). */
void js_slot_read_mode(int mode);
/* Tokens the job holds now (takes back any it returned beyond one). */
int js_slot_held(struct js_slot *slot);
/* Is a token waiting in the pipe, not yet taken? */
int js_slot_waiting(const struct js_slot *slot);
/* Tokens out with the job, held or waiting: js_slot_held + js_slot_waiting,
 * without looking at the pipe while it was given one at most (taken or
 * waiting, that one is out either way; most jobs are not sub-builds). */
int js_slot_out(struct js_slot *slot);
/* Put a token in if none is waiting; 1 if one was put in. */
int js_slot_topup(struct js_slot *slot);
/* Take the waiting token back for nj's own use; 1 if taken. */
int js_slot_reclaim(struct js_slot *slot);

/* Client: the jobserver of nj's parent (MAKEFLAGS --jobserver-auth= with
 * R,W descriptors or fifo:PATH). */
struct js_client {
	bool active;
	int r, w;  /* nj's own non-blocking read; write */
	int held;  /* tokens nj holds beyond its implicit one */
	char *tokens; /* the bytes taken, given back as they were */
	size_t tokens_cap;
};
/* 1 if MAKEFLAGS names a usable jobserver, 0 if none, -1 (err says why)
 * if it names one that cannot be used. */
int js_client_init(struct js_client *c, struct err *err);
bool js_client_acquire(struct js_client *c); /* never blocks */
void js_client_release(struct js_client *c);
void js_client_free(struct js_client *c); /* gives back every token */
/* Drop --jobserver-* from the MAKEFLAGS commands inherit. */
void js_strip_env_flags(void);

#endif
