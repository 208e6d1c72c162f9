/* .nj_trace: what the last build did, for nj -t trace and -t timeline and
 * the end-of-build summary: every run of a command (its slot, times, peak
 * memory, CPU, exit, and what memory did to it), memory samples, and the
 * waits, pauses and stops in time.
 *
 * File format (text), rewritten whole at the end of each build that ran
 * commands (path.tmp renamed over path):
 *
 *   "# nj trace v1\n"
 *   B \t unix_ms \t wall_ms \t capacity \t floor \t parallelism \t stride \t dropped \n
 *   S \t t_ms \t free \t used \t expected \n                 (samples, in time)
 *   J \t slot \t start_ms \t end_ms \t peak \t estimate \t cpu_ms \t exit \t
 *     attempt \t flags \t pauses \t paused_ms \t pause_at \t waited_ms \t
 *     wait_need \t output \n                                (runs, by start)
 *   E \t kind \t job \t t_ms \t dur_ms \t bytes \n         (W, P, K or O)
 *
 * Times are ms since the build started; sizes bytes; -1 unknown. flags:
 * 1 stopped for memory, 2 ran alone (its last retry), 4 retried after the
 * stop, 8 retried alone, 16 paged out to swap while paused (an O event
 * says when, and what it held). job is the index of a J line. The
 * output is escaped as in .nj_history (\\ \t \n \r). Bounded: one J line
 * per run, at most TRACE_MAX_SAMPLES samples (when full, neighbours are
 * merged, keeping the lower free and higher use, and each later sample
 * stands for twice as many readings: `stride`), at most TRACE_MAX_EVENTS
 * events (`dropped` counts the rest; the J lines keep exact totals). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER "# nj trace v1"

void trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
	t->capacity = t->floor = -1;
	t->stride = 1;
}

void trace_free(struct trace *t)
{
	free(t->jobs);
	free(t->samples);
	free(t->events);
	arena_free(&t->arena);
	trace_init(t);
}

struct trace_job *trace_add_job(struct trace *t, const char *out)
{
	xgrow((void **)&t->jobs, &t->jobs_cap, t->njobs + 1, sizeof(*t->jobs));
	struct trace_job *j = &t->jobs[t->njobs++];
	*j = (struct trace_job){.out = out, .end_ms = -1, .peak = -1,
				.estimate = -1, .cpu_ms = -1, .exit_code = -1,
				.pause_at = -1};
	return j;
}

static void merge(struct trace_sample *into, const struct trace_sample *s)
{
	if (s->free >= 0 && (into->free < 0 || s->free < into->free))
		into->free = s->free;
	if (s->used > into->used)
		into->used = s->used;
	if (s->expected > into->expected)
		into->expected = s->expected;
}

void trace_add_sample(struct trace *t, const struct trace_sample *s)
{
	if (t->npending == 0)
		t->pending = *s;
	else
		merge(&t->pending, s);
	if (++t->npending < t->stride)
		return;
	if (!t->samples)
		t->samples = xmalloc(TRACE_MAX_SAMPLES * sizeof(*t->samples));
	if (t->nsamples == TRACE_MAX_SAMPLES) {
		/* Full: halve the resolution of everything so far. */
		for (size_t i = 0; i < TRACE_MAX_SAMPLES / 2; i++) {
			t->samples[i] = t->samples[2 * i];
			merge(&t->samples[i], &t->samples[2 * i + 1]);
		}
		t->nsamples = TRACE_MAX_SAMPLES / 2;
		t->stride *= 2;
	}
	t->samples[t->nsamples++] = t->pending;
	t->npending = 0;
}

struct trace_event *trace_add_event(struct trace *t, char kind, int32_t job,
				    int64_t t_ms, int64_t bytes)
{
	if (t->nevents == TRACE_MAX_EVENTS) {
		t->dropped++;
		return NULL;
	}
	xgrow((void **)&t->events, &t->events_cap, t->nevents + 1,
	      sizeof(*t->events));
	struct trace_event *e = &t->events[t->nevents++];
	*e = (struct trace_event){.t_ms = t_ms, .dur_ms = 0, .bytes = bytes,
				  .job = job, .kind = kind};
	return e;
}

static void escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': buf_adds(b, "\\\\"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default: buf_addc(b, *s);
		}
	}
}

/* Written out each time this much is formatted: a 10k-job trace formatted
 * whole took 2-4M of the build's peak (measured). */
#define CHUNK (64 << 10)

static int spill(int fd, struct buf *b, size_t at_least)
{
	if (b->len < at_least)
		return 0;
	int r = write_all(fd, b->s, b->len);
	buf_clear(b);
	return r;
}

static int format(const struct trace *t, struct buf *b, int fd)
{
	buf_printf(b, HEADER "\nB\t%" PRId64 "\t%" PRId64 "\t%" PRId64
		   "\t%" PRId64 "\t%d\t%" PRId64 "\t%zu\n",
		   t->unix_ms, t->wall_ms, t->capacity, t->floor,
		   t->parallelism, t->stride, t->dropped);
	/* The readings not yet a sample of their own: one more line, or
	 * folded into the last when there is no room for one. */
	bool extra = t->npending > 0 && t->nsamples < TRACE_MAX_SAMPLES;
	for (size_t i = 0; i < t->nsamples + extra; i++) {
		struct trace_sample s =
			i < t->nsamples ? t->samples[i] : t->pending;
		if (i + 1 == t->nsamples && t->npending > 0 && !extra)
			merge(&s, &t->pending);
		buf_printf(b, "S\t%" PRId64 "\t%" PRId64 "\t%" PRId64
			   "\t%" PRId64 "\n", s.t_ms, s.free, s.used,
			   s.expected);
		if (spill(fd, b, CHUNK) < 0)
			return -1;
	}
	for (size_t i = 0; i < t->njobs; i++) {
		const struct trace_job *j = &t->jobs[i];
		buf_printf(b, "J\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64
			   "\t%" PRId64 "\t%" PRId64 "\t%d\t%d\t%d\t%d\t%" PRId64
			   "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t",
			   j->slot, j->start_ms, j->end_ms, j->peak,
			   j->estimate, j->cpu_ms, j->exit_code, j->attempt,
			   (j->stopped ? 1 : 0) | (j->alone ? 2 : 0) |
				   (j->retried ? 4 : 0) | (j->retried_alone ? 8 : 0) |
				   (j->paged_out ? 16 : 0),
			   j->pauses,
			   j->paused_ms, j->pause_at, j->waited_ms,
			   j->wait_need);
		escape(b, j->out);
		buf_addc(b, '\n');
		if (spill(fd, b, CHUNK) < 0)
			return -1;
	}
	for (size_t i = 0; i < t->nevents; i++) {
		const struct trace_event *e = &t->events[i];
		buf_printf(b, "E\t%c\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64
			   "\n", e->kind, e->job, e->t_ms, e->dur_ms, e->bytes);
		if (spill(fd, b, CHUNK) < 0)
			return -1;
	}
	return spill(fd, b, 0);
}

int trace_write(const struct trace *t, const char *path, struct err *err)
{
	struct buf text = {0}, tmp = {0};
	buf_printf(&tmp, "%s.tmp", path);
	int rc = -1;
	int fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		goto out;
	}
	/* No fsync: a trace lost in a power cut costs nothing but itself. */
	if (format(t, &text, fd) < 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		close(fd);
		unlink(tmp.s);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.s, path) < 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp.s);
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	buf_free(&tmp);
	return rc;
}

/* ---- loading ------------------------------------------------------------------ */

/* Up to max tab-separated fields of s (NUL-terminated line), in place. */
static int fields(char *s, char **f, int max)
{
	int n = 0;
	while (n < max) {
		f[n++] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			break;
		*tab = 0;
		s = tab + 1;
	}
	return n;
}

static bool num(const char *s, int64_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return false;
	*v = x;
	return true;
}

static char *unescape(struct arena *a, const char *s)
{
	size_t n = strlen(s), o = 0;
	char *d = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			d[o++] = c == 't' ? '\t' : c == 'n' ? '\n'
			       : c == 'r' ? '\r' : c;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = 0;
	return d;
}

static bool parse_line(struct trace *t, char *line)
{
	char *f[16];
	int64_t v[15];
	int n = fields(line, f, 16);
	if (strcmp(f[0], "B") == 0 && n == 8) {
		for (int i = 1; i < 8; i++)
			if (!num(f[i], &v[i]))
				return false;
		t->unix_ms = v[1];
		t->wall_ms = v[2];
		t->capacity = v[3];
		t->floor = v[4];
		t->parallelism = (int)v[5];
		t->stride = v[6];
		t->dropped = (size_t)v[7];
		return true;
	}
	if (strcmp(f[0], "S") == 0 && n == 5) {
		for (int i = 1; i < 5; i++)
			if (!num(f[i], &v[i]))
				return false;
		if (t->nsamples == TRACE_MAX_SAMPLES)
			return false;
		if (!t->samples)
			t->samples = xmalloc(TRACE_MAX_SAMPLES * sizeof(*t->samples));
		t->samples[t->nsamples++] = (struct trace_sample){
			v[1], v[2], v[3], v[4]};
		return true;
	}
	if (strcmp(f[0], "J") == 0 && n == 16) {
		for (int i = 1; i < 15; i++)
			if (!num(f[i], &v[i]))
				return false;
		struct trace_job *j = trace_add_job(t, unescape(&t->arena, f[15]));
		j->slot = (int)v[1];
		j->start_ms = v[2];
		j->end_ms = v[3];
		j->peak = v[4];
		j->estimate = v[5];
		j->cpu_ms = v[6];
		j->exit_code = (int)v[7];
		j->attempt = (int)v[8];
		j->stopped = v[9] & 1;
		j->alone = v[9] & 2;
		j->retried = v[9] & 4;
		j->retried_alone = v[9] & 8;
		j->paged_out = v[9] & 16;
		j->pauses = (int)v[10];
		j->paused_ms = v[11];
		j->pause_at = v[12];
		j->waited_ms = v[13];
		j->wait_need = v[14];
		return true;
	}
	if (strcmp(f[0], "E") == 0 && n == 6 && strlen(f[1]) == 1) {
		for (int i = 2; i < 6; i++)
			if (!num(f[i], &v[i]))
				return false;
		if (v[2] < 0 || (size_t)v[2] >= t->njobs)
			return false;
		struct trace_event *e = trace_add_event(t, f[1][0], (int32_t)v[2],
							v[3], v[5]);
		if (e)
			e->dur_ms = v[4];
		return true;
	}
	return false;
}

int trace_load(struct trace *t, const char *path, struct err *err)
{
	char *data;
	size_t len;
	char *warning;
	int r = log_read(path, &data, &len, &warning, err);
	if (warning) { /* not a regular file: removed, so there is none */
		err_set(err, "%s", warning);
		free(warning);
		return -1;
	}
	if (r <= 0)
		return r;
	size_t hl = strlen(HEADER);
	if (len < hl + 1 || memcmp(data, HEADER "\n", hl + 1) != 0) {
		err_set(err, "%s: not an nj trace (no '" HEADER "' header)", path);
		free(data);
		return -1;
	}
	int lineno = 1;
	char *s = data + hl + 1, *end = data + len;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break; /* a torn last line: written whole or not at all,
				* so only damage; what came before stands */
		*nl = 0;
		lineno++;
		if (!parse_line(t, s)) {
			err_set(err, "%s:%d: malformed line", path, lineno);
			free(data);
			return -1;
		}
		s = nl + 1;
	}
	free(data);
	return 1;
}

/* ---- plain words ------------------------------------------------------------------ */

static void secs(struct buf *b, int64_t ms)
{
	if (ms < 10000)
		buf_printf(b, "%.1f s", (double)ms / 1000);
	else
		buf_printf(b, "%.0f s", (double)ms / 1000);
}

void trace_run_name(const struct trace_job *j, struct buf *out)
{
	buf_adds(out, j->out);
	if (j->attempt > 0)
		buf_printf(out, " (retry %d)", j->attempt);
}

void trace_words(const struct trace_job *j, unsigned what, struct buf *out)
{
	const char *sep = "";
	if ((what & TRACE_WORDS_WAIT) && j->waited_ms > 0) {
		buf_adds(out, "waited ");
		secs(out, j->waited_ms);
		buf_adds(out, " for ");
		format_size(j->wait_need, out);
		sep = "; ";
	}
	if ((what & TRACE_WORDS_PAUSE) && j->pauses > 0) {
		buf_printf(out, "%spaused ", sep);
		if (j->pauses > 1)
			buf_printf(out, "%d times, ", j->pauses);
		secs(out, j->paused_ms);
		if (j->pauses > 1)
			buf_adds(out, " in all,");
		if (j->pause_at >= 0) {
			buf_adds(out, " at ");
			format_size(j->pause_at, out);
		}
		if (j->paged_out)
			buf_adds(out, ", paged out to swap");
		sep = "; ";
	}
	if ((what & TRACE_WORDS_STOP) && j->stopped) {
		buf_printf(out, "%sstopped after ", sep);
		secs(out, j->end_ms - j->start_ms);
		buf_adds(out, " at ");
		format_size(j->peak, out);
		buf_adds(out, j->retried_alone ? ", retried alone"
			      : j->retried ? ", retried" : ", not retried");
	}
}
