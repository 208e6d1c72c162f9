/* The GNU make jobserver, both sides. As a server, every job gets a pipe
 * (or FIFO) of its own that nj keeps topped up with one token, so nj knows
 * at every moment how many tokens each job holds and takes them all back
 * when the job ends, however it ends. As a client, nj takes tokens from the
 * jobserver its parent named in MAKEFLAGS and gives every one back. */
#define _GNU_SOURCE /* pipe2, F_DUPFD_CLOEXEC */
#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* The descriptors a job's jobserver pipe has in the job. */
#define JS_CHILD_R 3
#define JS_CHILD_W 4
#define FIFO_DIR_PREFIX "nj-jobserver-"

/* Move fd above the range posix_spawn will dup2 onto (3 and 4), so a
 * dup2 never maps a descriptor onto itself and keeps its close-on-exec. */
static int high_fd(int fd)
{
	if (fd < 0 || fd > JS_CHILD_W)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return n;
}

/* An independent, non-blocking description of the same pipe: nj may read
 * without blocking while the job's own description stays blocking, as
 * make expects. */
static int reopen_nonblock(int fd, int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_NONBLOCK | O_CLOEXEC);
}

/* Whether a read with RWF_NOWAIT works on a pipe (newer kernels; 6.18 here):
 * then nj reads the job's own blocking description without blocking, and
 * needs no description of its own, which costs a path lookup in /proc and
 * a close per job. -1: not tried yet. A fact of the kernel: tried once. */
static int nowait_reads = -1;

static bool pipe_reads_nowait(int fd)
{
	if (nowait_reads < 0) {
		char c;
		struct iovec v = {&c, 1};
		/* fd is an empty pipe: "would block" says it works */
		nowait_reads = preadv2(fd, &v, 1, -1, RWF_NOWAIT) < 0 &&
			       errno == EAGAIN;
	}
	return nowait_reads;
}

void js_slot_read_mode(int mode) { nowait_reads = mode; }

/* Read from the slot's pipe without blocking. */
static ssize_t slot_read(const struct js_slot *slot, void *p, size_t n)
{
	if (slot->own == slot->child_r) {
		struct iovec v = {p, n};
		return preadv2(slot->own, &v, 1, -1, RWF_NOWAIT);
	}
	return read(slot->own, p, n);
}

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

/* Remove FIFO directories of nj processes that died without cleaning up. */
static void remove_stale_dirs(void)
{
	DIR *d = opendir(tmp_dir());
	if (!d)
		return;
	struct dirent *de;
	size_t plen = strlen(FIFO_DIR_PREFIX);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, FIFO_DIR_PREFIX, plen) != 0)
			continue;
		long pid = strtol(de->d_name + plen, NULL, 10);
		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		struct buf p = {0};
		buf_printf(&p, "%s/%s", tmp_dir(), de->d_name);
		struct stat sb;
		/* only our own, and only a directory of FIFOs */
		if (lstat(p.s, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    sb.st_uid == geteuid()) {
			DIR *sub = opendir(p.s);
			struct dirent *f;
			while (sub && (f = readdir(sub))) {
				if (f->d_name[0] == '.')
					continue;
				struct buf fp = {0};
				buf_printf(&fp, "%s/%s", p.s, f->d_name);
				unlink(fp.s);
				buf_free(&fp);
			}
			if (sub)
				closedir(sub);
			rmdir(p.s);
		}
		buf_free(&p);
	}
	closedir(d);
}

int js_server_init(struct js_server *s, enum js_mode mode, int jobs,
		   struct err *err)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->jobs = jobs;
	if (mode != JS_FIFO)
		return 0;
	remove_stale_dirs();
	struct buf dir = {0};
	buf_printf(&dir, "%s/" FIFO_DIR_PREFIX "%ld-XXXXXX", tmp_dir(),
		   (long)getpid());
	/* mkdtemp makes it 0700: the FIFOs are private to this user. */
	if (!mkdtemp(dir.s)) {
		err_set(err, "jobserver: mkdtemp(%s): %s", dir.s, strerror(errno));
		buf_free(&dir);
		return -1;
	}
	s->dir = dir.s;
	return 0;
}

void js_server_free(struct js_server *s)
{
	if (s->dir) {
		rmdir(s->dir);
		free(s->dir);
	}
	s->dir = NULL;
}

int js_slot_open(struct js_server *s, struct js_slot *slot, struct err *err)
{
	memset(slot, 0, sizeof(*slot));
	slot->child_r = slot->child_w = slot->own = -1;
	if (s->mode == JS_PIPE) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			err_set(err, "jobserver: pipe: %s", strerror(errno));
			return -1;
		}
		slot->child_r = high_fd(p[0]);
		slot->child_w = high_fd(p[1]);
		slot->own = slot->child_r >= 0 && pipe_reads_nowait(slot->child_r)
				    ? slot->child_r
				    : reopen_nonblock(slot->child_r, O_RDONLY);
		slot->own_w = slot->child_w;
		if (slot->child_r < 0 || slot->child_w < 0 || slot->own < 0) {
			err_set(err, "jobserver: %s", strerror(errno));
			js_slot_close(s, slot);
			return -1;
		}
		buf_printf(&slot->makeflags, "-j%d --jobserver-fds=%d,%d "
			   "--jobserver-auth=%d,%d", s->jobs, JS_CHILD_R,
			   JS_CHILD_W, JS_CHILD_R, JS_CHILD_W);
		return 0;
	}
	struct buf path = {0};
	buf_printf(&path, "%s/job-%u", s->dir, ++s->serial);
	if (mkfifo(path.s, 0600) < 0) {
		err_set(err, "jobserver: mkfifo(%s): %s", path.s, strerror(errno));
		buf_free(&path);
		return -1;
	}
	/* Read and write: opening never blocks, and the FIFO stays open
	 * whether or not the job has it open. */
	slot->own = open(path.s, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	slot->own_w = slot->own;
	slot->fifo = path.s;
	if (slot->own < 0) {
		err_set(err, "jobserver: open(%s): %s", path.s, strerror(errno));
		js_slot_close(s, slot);
		return -1;
	}
	buf_printf(&slot->makeflags, "-j%d --jobserver-auth=fifo:%s", s->jobs,
		   path.s);
	return 0;
}

void js_slot_close(struct js_server *s, struct js_slot *slot)
{
	(void)s;
	if (slot->child_r >= 0)
		close(slot->child_r);
	if (slot->child_w >= 0)
		close(slot->child_w);
	if (slot->own >= 0 && slot->own != slot->child_r)
		close(slot->own);
	if (slot->fifo) {
		unlink(slot->fifo);
		free(slot->fifo);
	}
	buf_free(&slot->makeflags);
	slot->child_r = slot->child_w = slot->own = slot->own_w = -1;
	slot->fifo = NULL;
	slot->given = 0;
}

/* Tokens sitting in the pipe, not yet taken by the job. */
static int in_pipe(const struct js_slot *slot)
{
	int n = 0;
	if (slot->own < 0 || ioctl(slot->own, FIONREAD, &n) < 0)
		return 0;
	return n;
}

int js_slot_held(struct js_slot *slot)
{
	/* Tokens given back beyond the one kept waiting are taken home. */
	int n = in_pipe(slot);
	char c[64];
	while (n > 1) {
		ssize_t r = slot_read(slot, c, (size_t)(n - 1) < sizeof(c) ? (size_t)(n - 1) : sizeof(c));
		if (r <= 0)
			break;
		slot->given -= (int)r;
		n -= (int)r;
	}
	int held = slot->given - n;
	return held > 0 ? held : 0;
}

int js_slot_waiting(const struct js_slot *slot) { return in_pipe(slot) > 0; }

int js_slot_out(struct js_slot *slot)
{
	if (slot->given <= 1)
		return slot->given > 0 ? slot->given : 0;
	return js_slot_held(slot) + js_slot_waiting(slot);
}

int js_slot_topup(struct js_slot *slot)
{
	if (slot->own_w < 0 || in_pipe(slot) > 0)
		return 0;
	if (write(slot->own_w, "+", 1) != 1)
		return 0;
	slot->given++;
	return 1;
}

int js_slot_reclaim(struct js_slot *slot)
{
	char c;
	if (slot->own < 0 || slot_read(slot, &c, 1) != 1)
		return 0; /* the job took it first */
	slot->given--;
	return 1;
}

/* ---- client ---- */

/* The value of the last --jobserver-auth= or --jobserver-fds= in flags. */
/* The next space-separated word of *p (NULL at the end); *p moves past it. */
static const char *next_word(const char **p, const char **end)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return NULL;
	const char *w = *p;
	*end = w;
	while (**end && **end != ' ')
		(*end)++;
	*p = *end;
	return w;
}

static char *auth_of(const char *flags)
{
	const char *best = NULL;
	size_t blen = 0;
	const char *keys[] = {"--jobserver-auth=", "--jobserver-fds="};
	const char *p, *end;
	for (const char *rest = flags; (p = next_word(&rest, &end));) {
		for (int k = 0; k < 2; k++) {
			size_t kl = strlen(keys[k]);
			if ((size_t)(end - p) > kl && strncmp(p, keys[k], kl) == 0) {
				best = p + kl;
				blen = (size_t)(end - p) - kl;
			}
		}
	}
	return best ? xstrndup(best, blen) : NULL;
}

/* A jobserver descriptor is a pipe or FIFO; a FIFO path may also be a
 * character device (ninja accepts one). Anything else (a closed number
 * reused for a file, a terminal) must never be read or written as one. */
static bool usable(int fd, bool allow_chr)
{
	struct stat sb;
	if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &sb) < 0)
		return false;
	return S_ISFIFO(sb.st_mode) || (allow_chr && S_ISCHR(sb.st_mode));
}

int js_client_init(struct js_client *c, struct err *err)
{
	memset(c, 0, sizeof(*c));
	c->r = c->w = -1;
	const char *flags = getenv("MAKEFLAGS");
	if (!flags)
		return 0;
	char *auth = auth_of(flags);
	if (!auth)
		return 0;
	int rc = 0;
	if (strncmp(auth, "fifo:", 5) == 0) {
		c->r = open(auth + 5, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (c->r < 0 || !usable(c->r, true)) {
			err_set(err, "jobserver unavailable: %s: %s", auth + 5,
				c->r < 0 ? strerror(errno)
					 : "not a FIFO or character device");
			if (c->r >= 0)
				close(c->r);
			c->r = -1;
			rc = -1;
		} else {
			c->w = c->r;
			rc = 1;
		}
	} else {
		int r = -1, w = -1;
		if (sscanf(auth, "%d,%d", &r, &w) != 2 || r < 0 || w < 0 ||
		    !usable(r, false) || !usable(w, false)) {
			err_set(err, "jobserver unavailable: descriptors %s are not "
				     "an open pipe here (is the parent rule marked "
				     "with '+'?)",
				auth);
			rc = -1;
		} else {
			/* nj's own copies; the originals stay open across exec,
			 * so commands (a sub-make) share the parent's pool. */
			c->r = reopen_nonblock(r, O_RDONLY);
			c->w = fcntl(w, F_DUPFD_CLOEXEC, 10);
			if (c->r < 0 || c->w < 0) {
				err_set(err, "jobserver unavailable: %s",
					strerror(errno));
				js_client_free(c);
				rc = -1;
			} else {
				rc = 1;
			}
		}
	}
	free(auth);
	c->active = rc == 1;
	return rc;
}

bool js_client_acquire(struct js_client *c)
{
	char t;
	if (!c->active || read(c->r, &t, 1) != 1)
		return false;
	xgrow((void **)&c->tokens, &c->tokens_cap, (size_t)c->held + 1, 1);
	c->tokens[c->held++] = t; /* make wants its own bytes back */
	return true;
}

void js_client_release(struct js_client *c)
{
	if (!c->active || c->held == 0)
		return;
	char t = c->tokens[--c->held];
	while (write(c->w, &t, 1) < 0 && errno == EINTR)
		;
}

void js_client_free(struct js_client *c)
{
	while (c->held > 0)
		js_client_release(c);
	if (c->r >= 0)
		close(c->r);
	if (c->w >= 0 && c->w != c->r)
		close(c->w);
	free(c->tokens);
	c->r = c->w = -1;
	c->tokens = NULL;
	c->active = false;
}

void js_strip_env_flags(void)
{
	/* A jobserver nj cannot use is not passed on: drop the descriptors'
	 * names from what nj's commands inherit. */
	const char *flags = getenv("MAKEFLAGS");
	if (!flags)
		return;
	struct buf b = {0};
	const char *p, *end;
	for (const char *rest = flags; (p = next_word(&rest, &end));) {
		if (strncmp(p, "--jobserver-", 12) != 0) {
			if (b.len)
				buf_addc(&b, ' ');
			buf_add(&b, p, (size_t)(end - p));
		}
	}
	setenv("MAKEFLAGS", buf_cstr(&b), 1);
	buf_free(&b);
}
