/* The build loop: start what is ready and admitted, reap what finished,
 * record results, and on interruption leave no half-written outputs. */
#include "scheduler.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void builder_init(struct builder *b, struct state *st,
		  const struct build_config *cfg, struct build_log *log,
		  struct deps_log *deps, struct history *history,
		  struct status *status)
{
	memset(b, 0, sizeof(*b));
	b->st = st;
	b->cfg = *cfg;
	b->log = log;
	b->deps = deps;
	b->history = history;
	b->status = status;
	b->start_ns = exec_now_ns();
	if (st->nedges)
		sched_grow(b, st->nedges - 1);
	builder_mem_init(b);
	builder_tokens_init(b);
}

void sched_grow(struct builder *b, size_t id)
{
	size_t old = b->nsched;
	size_t n = old ? old : 64;
	while (n <= id)
		n *= 2;
	b->sched = xrealloc(b->sched, n * sizeof(*b->sched));
	for (size_t i = old; i < n; i++)
		b->sched[i] = (struct sched_edge){.mem_estimate = -1,
						  .mem_in_bytes = -1};
	b->nsched = n;
}

void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->njobs; i++) {
		tokens_job_ended(b, b->jobs[i]);
		exec_job_free(b->jobs[i]);
	}
	for (size_t i = 0; i < b->npool_waits; i++)
		heap_free(&b->pool_waits[i].heap);
	free(b->pool_waits);
	free(b->planned);
	free(b->sched);
	free(b->jobs);
	free(b->dry_done);
	heap_free(&b->ready);
	buf_free(&b->tmp);
	if (b->ex_ready)
		exec_shutdown(&b->ex);
	builder_mem_free(b);
	builder_tokens_free(b);
	record_free(b);
	depfiles_free(b);
}

int builder_add_target(struct builder *b, struct node *target,
		       struct err *err)
{
	struct node **vals = NULL;
	size_t nv = 0, cap = 0;
	int rc = -1;
	if (scan_dirty(b->st, target, &vals, &nv, &cap, err) < 0)
		goto out;
	struct edge *e = target->in_edge;
	if ((!e || !e->outputs_ready) && plan_add_target(b, target, err) < 0)
		goto out;
	for (size_t i = 0; i < nv; i++) {
		struct edge *ve = vals[i]->in_edge;
		if (ve && !ve->outputs_ready && plan_add_target(b, vals[i], err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(vals);
	return rc;
}

bool builder_up_to_date(const struct builder *b) { return !plan_more_to_do(b); }

int64_t builder_elapsed_ms(const struct builder *b)
{
	return (exec_now_ns() - b->start_ns) / 1000000;
}

/* mkdir -p of the directory part of path. */
static int make_dirs_for(const char *path, struct err *err)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = 0;
		struct stat sb;
		if (stat(dir, &sb) != 0) {
			for (char *p = dir + 1; *p; p++) {
				if (*p != '/')
					continue;
				*p = 0;
				if (mkdir(dir, 0777) < 0 && errno != EEXIST)
					break;
				*p = '/';
			}
			if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
				err_set(err, "mkdir(%s): %s", dir, strerror(errno));
				rc = -1;
			}
		}
	}
	free(dir);
	return rc;
}

static int write_whole(const char *path, const char *s, size_t n,
		       struct err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		err_set(err, "WriteFile(%s): Unable to create file. %s", path,
			strerror(errno));
		return -1;
	}
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, "WriteFile(%s): Unable to write to the file. %s",
				path, strerror(errno));
			close(fd);
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0) {
		err_set(err, "WriteFile(%s): Unable to close the file. %s", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int start_edge(struct builder *b, struct edge *e, struct err *err)
{
	if (edge_is_phony(e))
		return 0;
	sched(b, e)->command_start_ms = builder_elapsed_ms(b);
	if (b->status->edge_started)
		b->status->edge_started(b->status, e, sched(b, e)->command_start_ms);
	for (size_t i = 0; i < e->noutputs; i++)
		if (make_dirs_for(e->outputs[i]->path, err) < 0)
			return -1;
	/* the depfile's directory too, which need not be an output's
	 * (ninja 2c13023b) */
	struct buf dep = {0};
	edge_binding_raw(e, "depfile", &dep);
	int drc = dep.len ? make_dirs_for(dep.s, err) : 0;
	if (dep.len)
		depfile_claim(b, dep.s); /* an earlier edge's, read: not ours */
	buf_free(&dep);
	if (drc < 0)
		return -1;
	struct buf rsp = {0};
	edge_binding_raw(e, "rspfile", &rsp);
	if (rsp.len) {
		struct buf content = {0};
		edge_binding(e, "rspfile_content", &content);
		int rc = make_dirs_for(rsp.s, err);
		if (rc == 0)
			rc = write_whole(rsp.s, content.s ? content.s : "",
					 content.len, err);
		buf_free(&content);
		if (rc < 0) {
			buf_free(&rsp);
			return -1;
		}
	}
	buf_free(&rsp);
	buf_clear(&b->tmp);
	edge_command(e, false, &b->tmp);
	char *cycle = graph_take_eval_error();
	if (cycle) {
		err_set(err, "%s", cycle);
		err->fatal = true;
		free(cycle);
		return -1;
	}
	if (b->cfg.dry_run) {
		xgrow((void **)&b->dry_done, &b->dry_done_cap, b->ndry_done + 1,
		      sizeof(*b->dry_done));
		b->dry_done[b->ndry_done++] = e;
		return 0;
	}
	struct err jerr = {0};
	struct js_slot *slot = tokens_job_slot(b, &jerr);
	if (jerr.msg) {
		/* The job runs without a jobserver of its own, as under ninja. */
		if (b->status->error)
			b->status->error(b->status, jerr.msg);
		err_clear(&jerr);
	}
	mem_job_started(b, e);
	struct job *j = exec_start_js(&b->ex, buf_cstr(&b->tmp),
				      edge_use_console(e), e, slot, err);
	if (j)
		j->js = slot;
	else if (slot) {
		js_slot_close(&b->js, slot);
		free(slot);
	}
	if (!j) {
		/* A command too long to start (E2BIG) would fill the
		 * terminal: the message quotes its ends. */
		struct buf q = {0};
		buf_add_elided(&q, b->tmp.s ? b->tmp.s : "", b->tmp.len,
			       MSG_QUOTE_MAX);
		err_prefix(err, "command '%s' failed", buf_cstr(&q));
		buf_free(&q);
		return -1;
	}
	xgrow((void **)&b->jobs, &b->jobs_cap, b->njobs + 1, sizeof(*b->jobs));
	b->jobs[b->njobs++] = j;
	record_job_started(b, j);
	return 0;
}

/* Read the depfile of a deps=gcc edge into nodes; ninja's ExtractDeps. */
static int extract_deps(struct builder *b, struct edge *e,
			struct node ***nodes, size_t *n, struct err *err)
{
	struct buf path = {0};
	edge_binding_raw(e, "depfile", &path);
	int rc = -1;
	char *text = NULL;
	size_t len = 0;
	struct depfile d = {0};
	if (!path.len) {
		err_set(err, "edge with deps=gcc but no depfile makes no sense");
		goto out;
	}
	struct err rerr = {0};
	if (read_file(path.s, &text, &len, &rerr) < 0) {
		int e2 = errno;
		err_clear(&rerr);
		if (e2 != ENOENT) {
			err_set(err, "loading '%s': %s", path.s, strerror(e2));
			goto out;
		}
		len = 0;
	}
	if (len == 0) {
		rc = 0;
		goto out;
	}
	if (depfile_parse(&d, text, len, err) < 0)
		goto out;
	*nodes = xmalloc((d.nins ? d.nins : 1) * sizeof(**nodes));
	for (size_t i = 0; i < d.nins; i++) {
		size_t l = d.ins[i].len;
		d.ins[i].s[l] = 0;
		if (path_canon(d.ins[i].s, &l, err) < 0)
			goto out;
		(*nodes)[(*n)++] = state_node(b->st, d.ins[i].s, l);
	}
	if (!b->cfg.keep_depfile)
		depfile_doom(b, path.s);
	rc = 0;
out:
	depfile_free(&d);
	free(text);
	buf_free(&path);
	return rc;
}

static int extract_msvc_deps(struct builder *b, struct edge *e,
			     const char *output, size_t outlen,
			     struct buf *filtered, struct node ***nodes,
			     size_t *n)
{
	struct buf prefix = {0};
	edge_binding(e, "msvc_deps_prefix", &prefix);
	char **inc;
	size_t ninc;
	msvc_deps_parse(output, outlen, prefix.len ? prefix.s : NULL, filtered,
			&inc, &ninc);
	buf_free(&prefix);
	*nodes = xmalloc((ninc ? ninc : 1) * sizeof(**nodes));
	for (size_t i = 0; i < ninc; i++) {
		size_t l = strlen(inc[i]);
		struct err err = {0};
		if (l && path_canon(inc[i], &l, &err) == 0)
			(*nodes)[(*n)++] = state_node(b->st, inc[i], l);
		err_clear(&err);
		free(inc[i]);
	}
	free(inc);
	return 0;
}

/* Read what a finished job says it depended on (deps = gcc or msvc). The
 * msvc include lines leave *output even when the command failed; a command
 * that worked but whose deps did not is a failure, with the reason added to
 * its output (*extra holds any output that was rewritten). */
static void collect_deps(struct builder *b, struct edge *e, const char *kind,
			 bool *ok, const char **output, size_t *outlen,
			 struct buf *extra, struct node ***deps, size_t *ndeps)
{
	struct err derr = {0};
	int r;
	if (strcmp(kind, "gcc") == 0) {
		r = extract_deps(b, e, deps, ndeps, &derr);
	} else if (strcmp(kind, "msvc") == 0) {
		r = extract_msvc_deps(b, e, *output, *outlen, extra, deps, ndeps);
		*output = buf_cstr(extra);
		*outlen = extra->len;
	} else {
		err_set(&derr, "unknown deps type '%s'", kind);
		r = -1;
	}
	if (r < 0 && *ok) {
		struct buf failed = {0};
		buf_add(&failed, *output, *outlen);
		if (*outlen)
			buf_addc(&failed, '\n');
		buf_adds(&failed, derr.msg ? derr.msg : "");
		buf_free(extra);
		*extra = failed;
		*output = extra->s;
		*outlen = extra->len;
		*ok = false;
	}
	err_clear(&derr);
}

/* The mtime the build log records for e's outputs. With restat, outputs
 * the command left unchanged let their dependents be cleaned, and the log
 * then records the newest input (or depfile) instead. */
static int outputs_mtime(struct builder *b, struct edge *e, bool has_deps,
			 int64_t *out, struct err *err)
{
	*out = 0;
	if (b->cfg.dry_run)
		return 0;
	bool restat = edge_binding_bool(e, "restat");
	bool cleaned = false;
	for (size_t i = 0; i < e->noutputs; i++) {
		struct node *o = e->outputs[i];
		int64_t t = path_mtime(o->path, err);
		if (t < 0)
			return -1;
		if (t > *out)
			*out = t;
		if (o->mtime == t && restat) {
			if (plan_clean_node(b, o, err) < 0)
				return -1;
			cleaned = true;
		}
	}
	if (!cleaned)
		return 0;
	int64_t restat_mtime = 0;
	for (size_t i = 0; i < e->ninputs - e->norder_only; i++) {
		int64_t t = path_mtime(e->inputs[i]->path, err);
		if (t < 0)
			return -1;
		if (t > restat_mtime)
			restat_mtime = t;
	}
	struct buf depfile = {0};
	edge_binding_raw(e, "depfile", &depfile);
	int rc = 0;
	if (restat_mtime && !has_deps && depfile.len) {
		int64_t t = path_mtime(depfile.s, err);
		if (t < 0)
			rc = -1;
		else if (t > restat_mtime)
			restat_mtime = t;
	}
	buf_free(&depfile);
	*out = restat_mtime;
	return rc;
}

/* A succeeded edge into the logs: its response file goes (unless kept),
 * its outputs into .ninja_log, its deps into .ninja_deps. */
static int record_success(struct builder *b, struct edge *e, int64_t end_ms,
			  int64_t output_mtime, bool has_deps,
			  struct node **deps, size_t ndeps, struct err *err)
{
	struct buf rsp = {0};
	edge_binding_raw(e, "rspfile", &rsp);
	if (rsp.len && !b->cfg.keep_rsp)
		unlink(rsp.s);
	buf_free(&rsp);
	/* The deps first, the build log's entry last: the entry says the
	 * edge finished, so a kill between the two leaves an edge that is
	 * rebuilt (no entry), never one logged as done whose deps are
	 * missing (which the next run would rebuild all the same). */
	for (size_t i = 0; has_deps && !b->cfg.dry_run && b->deps &&
			   i < e->noutputs; i++) {
		int64_t t = path_mtime(e->outputs[i]->path, err);
		if (t < 0)
			return -1;
		if (deps_log_record(b->deps, b->st, e->outputs[i], t, deps,
				    (int)ndeps, err) < 0) {
			err_prefix(err, "Error writing to deps log");
			return -1;
		}
	}
	if (b->log &&
	    build_log_record(b->log, b->st, e,
			     (int32_t)sched(b, e)->command_start_ms,
			     (int32_t)end_ms, output_mtime, err) < 0) {
		err_prefix(err, "Error writing to build log");
		return -1;
	}
	return 0;
}

/* *codep: 0 ok, else the job's exit status as ninja reports it; made 1
 * when its deps cannot be read. A failure is remembered for the build's
 * exit status (ninja's SetFailureCode). */
static int finish_edge(struct builder *b, struct edge *e, int *codep,
		       const char *output, size_t outlen, struct err *err)
{
	int code = *codep;
	struct node **deps = NULL;
	size_t ndeps = 0;
	struct buf kind = {0}, extra = {0};
	int rc = -1;
	bool ok = code == 0;
	edge_binding(e, "deps", &kind);
	bool has_deps = kind.len > 0;
	if (has_deps && !b->cfg.dry_run)
		collect_deps(b, e, kind.s, &ok, &output, &outlen, &extra,
			     &deps, &ndeps);
	if (!ok && !code)
		code = 1; /* the deps could not be read: nj failed it */
	*codep = code;
	if (code)
		b->last_failure = code;
	int64_t end_ms = builder_elapsed_ms(b);
	if (b->status->edge_finished)
		b->status->edge_finished(b->status, e, sched(b, e)->command_start_ms,
					 end_ms, code, output, outlen);
	int64_t output_mtime = 0;
	if (!ok)
		rc = plan_edge_finished(b, e, false, err);
	else if (outputs_mtime(b, e, has_deps, &output_mtime, err) == 0 &&
		 plan_edge_finished(b, e, true, err) == 0)
		rc = record_success(b, e, end_ms, output_mtime, has_deps, deps,
				    ndeps, err);
	free(deps);
	buf_free(&kind);
	buf_free(&extra);
	return rc;
}

static bool can_run_more(struct builder *b)
{
	if ((int)(b->njobs + b->ndry_done) >= b->cfg.parallelism)
		return false;
	if (b->njobs > 0 && b->cfg.max_load > 0 &&
	    exec_loadavg() >= b->cfg.max_load)
		return false;
	return tokens_can_run_more(b);
}

void remove_partial_outputs(struct builder *b, struct edge *e)
{
	struct buf depfile = {0};
	edge_binding_raw(e, "depfile", &depfile);
	for (size_t k = 0; k < e->noutputs; k++) {
		struct node *o = e->outputs[k];
		struct err err = {0};
		int64_t t = path_mtime(o->path, &err);
		if (t < 0) {
			if (b->status->error)
				b->status->error(b->status, err.msg);
			err_clear(&err);
		}
		if (depfile.len || o->mtime != t)
			unlink(o->path);
	}
	if (depfile.len)
		unlink(depfile.s);
	buf_free(&depfile);
}

/* Interrupted: stop every job and remove what they may have half-written. */
static void cleanup(struct builder *b)
{
	mem_resume_all(b); /* a stopped job would act on no signal but SIGKILL */
	if (b->ex_ready)
		exec_kill_all(&b->ex);
	for (size_t i = 0; i < b->njobs; i++)
		remove_partial_outputs(b, b->jobs[i]->user);
	/* Every queued job is also in b->jobs: empty the queue, free once. */
	while (b->ex_ready && exec_next_finished(&b->ex))
		;
	for (size_t i = 0; i < b->njobs; i++) {
		tokens_job_ended(b, b->jobs[i]);
		exec_job_free(b->jobs[i]);
	}
	b->njobs = 0;
}

static void remove_job(struct builder *b, struct job *j)
{
	for (size_t i = 0; i < b->njobs; i++) {
		if (b->jobs[i] == j) {
			b->jobs[i] = b->jobs[--b->njobs];
			return;
		}
	}
}

/* Nothing to start or reap: wait for a job, a token, a signal, or the
 * next memory sample (and, with -l, a look at the load). -1: interrupted. */
static int wait_for_news(struct builder *b, struct err *err)
{
	tokens_offer(b);
	int timeout = mem_wait_timeout(b);
	int jt = tokens_wait_timeout(b);
	if (jt >= 0 && (timeout < 0 || jt < timeout))
		timeout = jt;
	if (b->cfg.max_load > 0 && (timeout < 0 || timeout > 500))
		timeout = 500;
	b->ex.watch = b->js_watch.fd >= 0 ? &b->js_watch : NULL;
	b->ex.nwatch = b->js_watch.fd >= 0 ? 1 : 0;
	if (exec_wait(&b->ex, timeout)) {
		cleanup(b);
		err_set(err, "interrupted by user");
		b->exit_code = 130;
		return -1;
	}
	mem_tick(b, false);
	return 0;
}

/* A job ended: back to wait when memory stopped it, else finished (a
 * memory failure appended to its output). *failed is set when it failed.
 * -1 when the build must stop. */
static int reap(struct builder *b, struct job *j, bool *failed,
		struct err *err)
{
	remove_job(b, j);
	tokens_job_ended(b, j);
	/* As ninja: a command that exits 130 (a shell whose child got the
	 * ^C) counts as an interrupt too. */
	if (j->status == JOB_INTERRUPTED || j->exit_code == 130) {
		exec_job_free(j);
		cleanup(b);
		err_set(err, "interrupted by user");
		b->exit_code = 130;
		return -1;
	}
	int code = j->status == JOB_OK ? 0 : j->exit_code ? j->exit_code : 1;
	struct buf why = {0};
	int m = mem_job_ended(b, j, &why);
	record_job_ended(b, j, m);
	if (m > 0) {
		if (b->status->edge_requeued)
			b->status->edge_requeued(b->status, j->user, why.s);
		buf_free(&why);
		exec_job_free(j);
		return 0;
	}
	/* The output is passed as it is (it may be a mapped file of any
	 * size); only a memory failure's note makes a copy. */
	const char *text;
	size_t len;
	exec_job_output(j, &text, &len);
	struct buf out = {0};
	if (m < 0) {
		buf_add(&out, text, len);
		if (out.len && out.s[out.len - 1] != '\n')
			buf_addc(&out, '\n');
		buf_add(&out, why.s, why.len);
		buf_addc(&out, '\n');
		text = buf_cstr(&out);
		len = out.len;
		if (!code)
			code = j->exit_code ? j->exit_code : 1;
	} else {
		mem_record_run(b, j);
	}
	buf_free(&why);
	int r = finish_edge(b, j->user, &code, text, len, err);
	buf_free(&out);
	exec_job_free(j);
	if (r < 0) {
		cleanup(b);
		b->exit_code = code ? code : 1;
		return -1;
	}
	*failed = code != 0;
	return 0;
}

/* Start the next admitted edge, if any: 1 started, 0 none, -1 error. */
static int start_next(struct builder *b, struct err *err)
{
	struct edge *e = admit_next(b);
	if (!e)
		return 0;
	if (!edge_is_phony(e) && !tokens_take(b)) {
		plan_untake(b, e);
		return 0;
	}
	if (start_edge(b, e, err) < 0 ||
	    (edge_is_phony(e) && plan_edge_finished(b, e, true, err) < 0)) {
		cleanup(b);
		return -1;
	}
	return 1;
}

int builder_build(struct builder *b, struct err *err)
{
	if (!b->cfg.dry_run && !b->ex_ready) {
		if (exec_init(&b->ex, err) < 0)
			return -1;
		b->ex_ready = true;
	}
	plan_prepare(b);
	if (b->status->plan_total)
		b->status->plan_total(b->status, b->command_edges);
	if (b->status->build_started)
		b->status->build_started(b->status);
	int failures_allowed = b->cfg.failures_allowed;
	int rc = -1;
	b->exit_code = 1;
	b->last_failure = 0;
	record_begin(b);
	mem_tick(b, true);
	while (plan_more_to_do(b)) {
		if (failures_allowed && can_run_more(b)) {
			int started = start_next(b, err);
			if (started < 0)
				goto done;
			if (started)
				continue;
		}
		if (b->ndry_done) {
			struct edge *e = b->dry_done[0];
			memmove(b->dry_done, b->dry_done + 1,
				--b->ndry_done * sizeof(*b->dry_done));
			int code = 0;
			if (finish_edge(b, e, &code, "", 0, err) < 0)
				goto done;
			continue;
		}
		if (b->njobs || mem_waits_for_others(b)) {
			struct job *j = b->ex_ready ? exec_next_finished(&b->ex) : NULL;
			bool failed = false;
			if (j ? reap(b, j, &failed, err) < 0 : wait_for_news(b, err) < 0)
				goto done;
			if (failed && failures_allowed)
				failures_allowed--;
			continue;
		}
		if (failures_allowed == 0)
			err_set(err, b->cfg.failures_allowed > 1 ? "subcommands failed"
								 : "subcommand failed");
		else if (failures_allowed < b->cfg.failures_allowed)
			err_set(err, "cannot make progress due to previous errors");
		else
			err_set(err, "stuck [this is a bug]");
		/* ninja's GetExitCode: the last failed command's status. */
		if (b->last_failure)
			b->exit_code = b->last_failure;
		goto done;
	}
	rc = 0;
done:;
	/* ninja fails the edge whose depfile it cannot delete; here that is
	 * known only now, and fails the build (unless it failed already). */
	struct err derr = {0};
	if (depfiles_flush(b, &derr) < 0 && rc == 0) {
		err_set(err, "%s", derr.msg);
		rc = -1;
	}
	err_clear(&derr);
	record_end(b);
	if (b->status->build_finished)
		b->status->build_finished(b->status);
	return rc;
}
