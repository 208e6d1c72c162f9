/* Starting jobs with posix_spawn: `/bin/sh -c CMD`, each non-console job in
 * a process group of its own (so a terminal's ^C reaches nj only, and nj can
 * signal the job's whole tree), stdin from /dev/null, stdout and stderr into
 * one pipe so their interleaving is kept. A console job inherits nj's
 * terminal and process group, as in ninja. */
#define _GNU_SOURCE /* pipe2 */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Set up file actions and attributes, then spawn; returns an errno value. */
/* environ with MAKEFLAGS replaced; the strings are environ's own. */
static char **env_with_makeflags(const char *makeflags, char **slot)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xmalloc((n + 2) * sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "MAKEFLAGS=", 10) != 0 &&
		    strncmp(environ[i], "MFLAGS=", 7) != 0)
			env[k++] = environ[i];
	struct buf b = {0};
	buf_adds(&b, "MAKEFLAGS=");
	buf_adds(&b, makeflags);
	*slot = b.s;
	env[k++] = b.s;
	env[k] = NULL;
	return env;
}

static int spawn(struct exec *ex, const char *cmd, bool console, int out,
		 const struct js_slot *js, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* The pipe and /dev/null are O_CLOEXEC: only their dup2 copies onto
	 * 0, 1 and 2 survive into the shell. */
	if (!console) {
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, ex->devnull, 0);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, out, 1);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, out, 2);
	}
	if (js && js->child_r >= 0) {
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, js->child_r, 3);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(&fa, js->child_w, 4);
	}
	/* The child gets the mask nj had before exec_init, and default actions
	 * for the signals nj catches or its parent may have ignored. */
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	if (!console)
		flags |= POSIX_SPAWN_SETPGROUP; /* pgroup 0: a new group */
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &ex->old_mask);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &def);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, flags);
	char *mf = NULL;
	char **env = js ? env_with_makeflags(buf_cstr((struct buf *)&js->makeflags), &mf)
			: environ;
	if (!rc) {
		char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
		rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, env);
	}
	if (js) {
		free(mf);
		free(env);
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

struct job *exec_start(struct exec *ex, const char *cmd, bool console,
		       void *user, struct err *err)
{
	return exec_start_js(ex, cmd, console, user, NULL, err);
}

struct job *exec_start_js(struct exec *ex, const char *cmd, bool console,
			  void *user, const struct js_slot *slot,
			  struct err *err)
{
	int p[2] = {-1, -1};
	if (!console) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			err_set(err, "pipe: %s", strerror(errno));
			return NULL;
		}
		/* Reads take what is there and never stall the loop. */
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
			err_set(err, "fcntl: %s", strerror(errno));
			close(p[0]);
			close(p[1]);
			return NULL;
		}
	}
	struct job *j = xcalloc(1, sizeof *j);
	j->spill_fd = -1;
	j->fd = p[0];
	j->console = console;
	j->user = user;
	j->start_ns = exec_now_ns();
	int rc = spawn(ex, cmd, console, p[1], slot, &j->pid);
	if (p[1] >= 0)
		close(p[1]);
	if (rc) {
		err_set(err, "posix_spawn: %s", strerror(rc));
		if (p[0] >= 0)
			close(p[0]);
		free(j);
		return NULL;
	}
	xgrow((void **)&ex->running, &ex->running_cap, ex->nrunning + 1,
	      sizeof *ex->running);
	ex->running[ex->nrunning++] = j;
	return j;
}

struct job *exec_next_finished(struct exec *ex)
{
	if (!ex->nfinished)
		return NULL;
	struct job *j = ex->finished[0];
	/* A FIFO of at most -j entries: shifting is cheap enough. */
	memmove(ex->finished, ex->finished + 1,
		--ex->nfinished * sizeof *ex->finished);
	return j;
}

void exec_job_free(struct job *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	exec_priv_output_free(j);
	free(j);
}
