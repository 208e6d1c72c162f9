/* The status line: "[finished/total] description", rewritten in place on
 * a smart terminal, one line per edge otherwise; job output printed whole
 * above it. Formats and spacing are ninja's, since scripts read them. */
#include "cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_or_buffer(struct printer *p, const char *s, size_t n)
{
	if (p->console_locked) {
		buf_add(&p->output_buffer, s, n);
		return;
	}
	fwrite(s, 1, n, stdout);
	fflush(stdout);
}

static void print_on_new_line(struct printer *p, const char *s, size_t n)
{
	if (p->console_locked && p->line_buffer.len) {
		buf_add(&p->output_buffer, p->line_buffer.s, p->line_buffer.len);
		buf_addc(&p->output_buffer, '\n');
		buf_clear(&p->line_buffer);
	}
	if (!p->have_blank_line)
		print_or_buffer(p, "\n", 1);
	if (n)
		print_or_buffer(p, s, n);
	p->have_blank_line = n == 0 || s[n - 1] == '\n';
}

static void print_line(struct printer *p, struct buf *line, bool elide)
{
	if (p->console_locked) {
		buf_clear(&p->line_buffer);
		buf_add(&p->line_buffer, line->s ? line->s : "", line->len);
		p->line_elide = elide;
		return;
	}
	if (p->smart) {
		fputs("\r", stdout);
		if (elide) {
			buf_elide_middle(line, (size_t)exec_terminal_width(STDOUT_FILENO));
			fwrite(line->s ? line->s : "", 1, line->len, stdout);
			fputs("\x1b[K", stdout);
			fflush(stdout);
			p->have_blank_line = false;
			return;
		}
	}
	fwrite(line->s ? line->s : "", 1, line->len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void set_console_locked(struct printer *p, bool locked)
{
	if (locked == p->console_locked)
		return;
	if (locked)
		print_on_new_line(p, "", 0);
	p->console_locked = locked;
	if (!locked) {
		struct buf out = p->output_buffer, line = p->line_buffer;
		p->output_buffer = (struct buf){0};
		p->line_buffer = (struct buf){0};
		print_on_new_line(p, out.s ? out.s : "", out.len);
		if (line.len)
			print_line(p, &line, p->line_elide);
		buf_free(&out);
		buf_free(&line);
	}
}

static void rate_update(struct printer *p, int finished, int64_t ms)
{
	if (finished == p->rate_last)
		return;
	p->rate_last = finished;
	if (p->rate_count == p->rate_n) {
		p->rate_head = (p->rate_head + 1) % p->rate_n;
		p->rate_count--;
	}
	p->rate_times[(p->rate_head + p->rate_count) % p->rate_n] = ms;
	p->rate_count++;
	int64_t front = p->rate_times[p->rate_head];
	int64_t back = p->rate_times[(p->rate_head + p->rate_count - 1) % p->rate_n];
	if (back != front)
		p->rate = p->rate_count / ((double)(back - front) / 1e3);
}

static void add_rate(struct buf *out, double rate)
{
	if (rate == -1)
		buf_adds(out, "?");
	else
		buf_printf(out, "%.1f", rate);
}

/* The placeholders format_status expands: the cases of its switch. */
static bool known_placeholder(char c)
{
	return c && strchr("%strufocpeMwEWP", c);
}

/* --status's variables: FormatStatusVariable's, and $description. */
static bool known_variable(const char *name, size_t len)
{
	static const char *const names[] = {
		"started", "total", "running", "remaining", "finished", "rate",
		"current_rate", "progress", "predicted_progress", "elapsed",
		"elapsed_seconds", "eta", "eta_seconds", "description",
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	return false;
}

int printer_check_format(const struct printer *p, char *bad, struct buf *msg)
{
	if (p->verbosity == VERB_QUIET || p->verbosity == VERB_NO_STATUS)
		return 0; /* no status line is printed */
	if (p->status_eval) {
		for (const struct evalpart *e = p->status_eval->head; e;
		     e = e->next) {
			if (!e->var || known_variable(e->s, e->len))
				continue;
			buf_printf(msg, "unknown variable '%.*s' in --status format",
				   (int)e->len, e->s);
			return -2;
		}
		return 0;
	}
	for (const char *s = p->format; *s; s++) {
		if (*s != '%')
			continue;
		s++;
		if (!known_placeholder(*s)) {
			*bad = *s;
			buf_printf(msg, "unknown placeholder '%%%c' in $NINJA_STATUS",
				   *s);
			return -1;
		}
	}
	return 0;
}

/* ninja's RecalculateProgressPrediction: what fraction of the build's
 * predicted CPU time the finished commands took. Previous run times are
 * used while some are left, unless this build turns out more than ten
 * times faster or slower than the last one. */
static void predict(struct printer *p)
{
	p->predicted = 0.0;
	bool use_prev = p->eta_known_left && p->eta_known_ms_left;
	if (use_prev && p->total && p->finished && p->time_ms >= 15 * 1e3 &&
	    (double)p->finished / p->total >= 0.05) {
		double actual = (double)p->cpu_ms / p->finished;
		double previous = (double)p->eta_known_ms_total / p->eta_known_total;
		double hi = previous > actual ? previous : actual;
		double lo = previous < actual ? previous : actual;
		use_prev = hi / lo < 10;
	}
	int known = p->finished + (use_prev ? p->eta_known_left : 0);
	if (known == 0)
		return;
	int unknown = use_prev ? p->eta_unknown_left : p->total - p->finished;
	int64_t known_ms = p->cpu_ms + (use_prev ? p->eta_known_ms_left : 0);
	double average = (double)known_ms / known;
	double left = average * unknown;
	if (use_prev)
		left += (double)p->eta_known_ms_left;
	double total = (double)p->cpu_ms + left;
	if (total == 0.0)
		return;
	p->predicted = (double)p->cpu_ms / total;
}

/* %e %w %E %W, $elapsed $elapsed_seconds $eta $eta_seconds: seconds
 * (eta: as predicted; "?" when nothing is), or [h:]mm:ss with hours when
 * either is an hour or more. */
static void add_time(const struct printer *p, bool eta, bool clock,
		     struct buf *out)
{
	double elapsed = (double)p->time_ms / 1e3;
	double eta_sec = -1;
	if (p->predicted != 0.0) {
		double total_wall = (double)p->time_ms / p->predicted;
		eta_sec = (total_wall - (double)p->time_ms) / 1e3;
	}
	bool hours = elapsed >= 60 * 60 || eta_sec >= 60 * 60;
	double sec = eta ? eta_sec : elapsed;
	if (sec < 0) {
		buf_addc(out, '?');
		return;
	}
	if (!clock) {
		buf_printf(out, "%.3f", sec);
		return;
	}
	int64_t t = (int64_t)sec;
	if (hours)
		buf_printf(out, "%" PRId64 ":%02" PRId64 ":%02" PRId64, t / 3600,
			   (t % 3600) / 60, t % 60);
	else
		buf_printf(out, "%02" PRId64 ":%02" PRId64, t / 60, t % 60);
}

static void add_percent(struct buf *out, int percent)
{
	buf_printf(out, "%3i%%", percent);
}

static int progress_percent(const struct printer *p)
{
	return p->finished && p->total ? (100 * p->finished) / p->total : 0;
}

/* nj's %M: memory in use / capacity. */
static void add_memory(const struct printer *p, struct buf *out)
{
	if (!p->ops.mem) {
		buf_addc(out, '-');
		return;
	}
	const struct mem_model *m = p->ops.mem;
	int64_t used = m->capacity - m->free;
	format_size(used > 0 ? used : 0, out);
	buf_addc(out, '/');
	format_size(m->capacity, out);
}

/* Expand NINJA_STATUS, whose placeholders printer_check_format accepted
 * before the build. */
static void format_status(struct printer *p, const char *format,
			  struct buf *out)
{
	for (const char *s = format; *s; s++) {
		if (*s != '%') {
			buf_addc(out, *s);
			continue;
		}
		s++;
		switch (*s) {
		case '%': buf_addc(out, '%'); break;
		case 's': buf_printf(out, "%d", p->started); break;
		case 't': buf_printf(out, "%d", p->total); break;
		case 'r': buf_printf(out, "%d", p->running); break;
		case 'u': buf_printf(out, "%d", p->total - p->started); break;
		case 'f': buf_printf(out, "%d", p->finished); break;
		case 'o': add_rate(out, p->finished / ((double)p->time_ms / 1e3)); break;
		case 'c':
			rate_update(p, p->finished, p->time_ms);
			add_rate(out, p->rate);
			break;
		case 'p': add_percent(out, progress_percent(p)); break;
		case 'e': add_time(p, false, false, out); break;
		case 'w': add_time(p, false, true, out); break;
		case 'E': add_time(p, true, false, out); break;
		case 'W': add_time(p, true, true, out); break;
		case 'P': add_percent(out, (int)(100. * p->predicted)); break;
		case 'M': add_memory(p, out); break;
		default:
			return; /* refused by printer_check_format */
		}
	}
}

/* --status: one variable's value, as ninja's FormatStatusVariable. */
struct status_env {
	struct printer *p;
	const struct buf *description;
};

static void status_variable(void *ctx, const char *name, size_t len,
			    struct buf *out)
{
	struct status_env *env = ctx;
	struct printer *p = env->p;
#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
	if (IS("description"))
		buf_add(out, env->description->s ? env->description->s : "",
			env->description->len);
	else if (IS("started"))
		buf_printf(out, "%d", p->started);
	else if (IS("total"))
		buf_printf(out, "%d", p->total);
	else if (IS("running"))
		buf_printf(out, "%d", p->running);
	else if (IS("remaining"))
		buf_printf(out, "%d", p->total - p->started);
	else if (IS("finished"))
		buf_printf(out, "%d", p->finished);
	else if (IS("rate"))
		add_rate(out, p->finished / ((double)p->time_ms / 1e3));
	else if (IS("current_rate")) {
		rate_update(p, p->finished, p->time_ms);
		add_rate(out, p->rate);
	} else if (IS("progress"))
		add_percent(out, progress_percent(p));
	else if (IS("predicted_progress"))
		add_percent(out, (int)(100. * p->predicted));
	else if (IS("elapsed"))
		add_time(p, false, true, out);
	else if (IS("elapsed_seconds"))
		add_time(p, false, false, out);
	else if (IS("eta"))
		add_time(p, true, true, out);
	else if (IS("eta_seconds"))
		add_time(p, true, false, out);
	/* anything else was refused by printer_check_format */
#undef IS
}

/* ---- -d explain ---- */

struct explained {
	char **msgs;
	size_t n, cap;
};

static void explain_dirty(void *ctx, const struct node *n, const char *msg)
{
	struct printer *p = ctx;
	uintptr_t v;
	struct explained *x;
	if (ptrmap_get(&p->explained, n, NULL, &v)) {
		x = (struct explained *)v;
	} else {
		x = xcalloc(1, sizeof(*x));
		ptrmap_put(&p->explained, n, NULL, (uintptr_t)x);
	}
	xgrow((void **)&x->msgs, &x->cap, x->n + 1, sizeof(*x->msgs));
	x->msgs[x->n++] = xstrdup(msg);
}

/* On a line of its own: the status line stays whole. */
static void explain_now(void *ctx, const char *msg)
{
	struct printer *p = ctx;
	print_on_new_line(p, "", 0);
	fprintf(stderr, "ninja explain: %s\n", msg);
}

/* ninja's ExplainEdge: what was recorded for e's outputs, before its
 * status line. */
static void explain_edge(struct printer *p, const struct edge *e)
{
	bool first = true;
	for (size_t i = 0; i < e->noutputs; i++) {
		uintptr_t v;
		if (!ptrmap_get(&p->explained, e->outputs[i], NULL, &v))
			continue;
		const struct explained *x = (const struct explained *)v;
		for (size_t k = 0; k < x->n; k++) {
			if (first)
				print_on_new_line(p, "", 0);
			first = false;
			fprintf(stderr, "ninja explain: %s\n", x->msgs[k]);
		}
	}
}

static void explained_clear(struct printer *p)
{
	for (size_t i = 0; i < p->explained.cap; i++) {
		struct ptrmap_slot *sl = &p->explained.slots[i];
		if (!sl->a)
			continue;
		struct explained *x = (struct explained *)sl->val;
		for (size_t k = 0; k < x->n; k++)
			free(x->msgs[k]);
		free(x->msgs);
		free(x);
	}
	ptrmap_free(&p->explained);
	memset(&p->explained, 0, sizeof(p->explained));
}

void printer_explain(struct printer *p, struct graph_options *opt)
{
	opt->explain_dirty = explain_dirty;
	opt->explain_now = explain_now;
	opt->explain_ctx = p;
}

void printer_new_builder(struct printer *p, bool prev_times)
{
	explained_clear(p);
	p->prev_times = prev_times;
}

/* ---- the status line ---- */

/* nj's: memory governs the build while a ready job waits for it, after
 * nj stopped a job for it (until free memory recovers), or while free
 * memory is under twice the floor. */
static bool memory_governs(const struct mem_model *m)
{
	return m && (m->waiting || m->hold || m->free < 2 * m->floor);
}

static void print_status(struct printer *p, struct edge *e)
{
	explain_edge(p, e);
	if (p->verbosity == VERB_QUIET || p->verbosity == VERB_NO_STATUS)
		return;
	predict(p);
	bool full = p->verbosity == VERB_VERBOSE;
	struct buf desc = {0}, line = {0};
	if (!full)
		edge_binding(e, "description", &desc);
	if (!desc.len || full) {
		buf_clear(&desc);
		edge_binding(e, "command", &desc);
	}
	if (p->status_eval) {
		/* --status: the description only where $description is. */
		struct status_env env = {p, &desc};
		evalstr_eval(p->status_eval, status_variable, &env, &line);
	} else {
		/* ninja's line; on a terminal, memory too while it governs. */
		const char *fmt = p->format;
		if (p->format_default && p->smart && memory_governs(p->ops.mem))
			fmt = "[%f/%t %M] ";
		format_status(p, fmt, &line);
		buf_add(&line, desc.s ? desc.s : "", desc.len);
	}
	print_line(p, &line, !full);
	buf_free(&desc);
	buf_free(&line);
}

/* The command's previous run time from .ninja_log (its first output that
 * has one), -1 if unknown or not to be used. */
static int64_t prev_elapsed(const struct printer *p, const struct edge *e)
{
	if (!p->prev_times)
		return -1;
	for (size_t i = 0; i < e->noutputs; i++) {
		const struct node *o = e->outputs[i];
		if (o->has_log)
			return (int64_t)o->log_end_ms - o->log_start_ms;
	}
	return -1;
}

/* ninja's EdgeAddedToPlan / EdgeRemovedFromPlan. As in ninja, the total
 * goes on from one build to the next (a rebuilt manifest's edge stays in
 * it). */
static void on_edge_planned(struct status *s, const struct edge *e, bool added)
{
	struct printer *p = (struct printer *)s;
	int d = added ? 1 : -1;
	p->total += d;
	int64_t prev = prev_elapsed(p, e);
	if (prev != -1) {
		p->eta_known_total += d;
		p->eta_known_left += d;
		p->eta_known_ms_total += d * prev;
		p->eta_known_ms_left += d * prev;
	} else {
		p->eta_unknown_left += d;
	}
}

static void on_build_started(struct status *s)
{
	struct printer *p = (struct printer *)s;
	p->started = p->finished = p->running = 0;
}

static void on_edge_started(struct status *s, struct edge *e, int64_t ms)
{
	struct printer *p = (struct printer *)s;
	p->started++;
	p->running++;
	p->time_ms = ms;
	bool console = edge_use_console(e);
	if (console || p->smart)
		print_status(p, e);
	if (console)
		set_console_locked(p, true);
}

static bool latin_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Colour codes are kept only where colour is (ninja's
 * StripAnsiEscapeCodes: CSI sequences up to a letter). */
static void strip_ansi(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\x1b') {
			buf_addc(out, s[i]);
			continue;
		}
		if (i + 1 >= n)
			break;
		if (s[i + 1] != '[')
			continue; /* not a CSI: the escape alone is dropped */
		i += 2;
		while (i < n && !latin_alpha(s[i]))
			i++;
	}
}

static void on_edge_finished(struct status *s, struct edge *e,
			     int64_t start_ms, int64_t end_ms, int code,
			     const char *output, size_t len)
{
	struct printer *p = (struct printer *)s;
	p->time_ms = end_ms;
	p->finished++;
	p->cpu_ms += end_ms - start_ms;
	int64_t prev = prev_elapsed(p, e);
	if (prev != -1) {
		p->eta_known_left--;
		p->eta_known_ms_left -= prev;
	} else {
		p->eta_unknown_left--;
	}
	bool console = edge_use_console(e);
	if (console)
		set_console_locked(p, false);
	if (p->verbosity == VERB_QUIET)
		return;
	if (!console)
		print_status(p, e);
	p->running--;
	if (code) {
		struct buf b = {0}, failed = {0};
		buf_printf(&failed, "FAILED: [code=%d] ", code);
		if (p->color)
			buf_printf(&b, "\x1b[31m%s\x1b[0m", failed.s);
		else
			buf_add(&b, failed.s, failed.len);
		for (size_t i = 0; i < e->noutputs; i++) {
			buf_adds(&b, e->outputs[i]->path);
			buf_addc(&b, ' ');
		}
		buf_addc(&b, '\n');
		print_on_new_line(p, b.s, b.len);
		buf_clear(&b);
		edge_command(e, false, &b);
		buf_addc(&b, '\n');
		print_on_new_line(p, b.s, b.len);
		buf_free(&b);
		buf_free(&failed);
	}
	if (len) {
		if (p->color || !memchr(output, '\x1b', len)) {
			print_on_new_line(p, output, len);
		} else {
			struct buf b = {0};
			strip_ansi(&b, output, len);
			print_on_new_line(p, b.s ? b.s : "", b.len);
			buf_free(&b);
		}
	}
}

static void on_edge_requeued(struct status *s, struct edge *e,
			     const char *msg)
{
	struct printer *p = (struct printer *)s;
	(void)e;
	/* It will start again: count it once. */
	p->started--;
	p->running--;
	struct buf b = {0};
	buf_adds(&b, msg);
	buf_addc(&b, '\n');
	print_on_new_line(p, b.s, b.len);
	buf_free(&b);
}

static void on_build_finished(struct status *s)
{
	struct printer *p = (struct printer *)s;
	set_console_locked(p, false);
	print_on_new_line(p, "", 0);
}

static void on_error(struct status *s, const char *msg)
{
	(void)s;
	cli_error("%s", msg);
}

/* ninja's NO_COLOR, CLICOLOR_FORCE and FORCE_COLOR: set and not "0". */
static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && strcmp(v, "0") != 0;
}

/* --status uses ninja's $-syntax, read as a variable's value is: up to
 * the first newline. */
static int parse_status_format(struct printer *p, const char *format,
			       struct err *err)
{
	size_t len = strlen(format);
	/* a newline ends the value; the lexer reads a little past the end */
	p->status_text = xcalloc(len + 2 + 16, 1);
	memcpy(p->status_text, format, len);
	p->status_text[len] = '\n';
	struct lexer lx;
	lexer_init(&lx, "--status", p->status_text, len + 1, &p->arena);
	struct err lerr = {0};
	if (lexer_evalstr(&lx, &p->status_es, false, &lerr) < 0) {
		err_set(err, "invalid --status: %s", lerr.msg);
		err_clear(&lerr);
		return -1;
	}
	p->status_eval = &p->status_es;
	return 0;
}

int printer_init(struct printer *p, enum verbosity v, int parallelism,
		 const char *status_format, struct err *err)
{
	memset(p, 0, sizeof(*p));
	p->ops.edge_planned = on_edge_planned;
	p->ops.build_started = on_build_started;
	p->ops.edge_started = on_edge_started;
	p->ops.edge_finished = on_edge_finished;
	p->ops.build_finished = on_build_finished;
	p->ops.error = on_error;
	p->ops.edge_requeued = on_edge_requeued;
	p->verbosity = v;
	p->parallelism = parallelism;
	p->smart = exec_smart_terminal(STDOUT_FILENO);
	/* ninja's LinePrinter: colour on a smart terminal unless NO_COLOR;
	 * FORCE_COLOR turns it on anyway, CLICOLOR_FORCE only without
	 * NO_COLOR. */
	bool no_color = env_set("NO_COLOR");
	p->color = p->smart && !no_color;
	if (!p->color && ((!no_color && env_set("CLICOLOR_FORCE")) ||
			  env_set("FORCE_COLOR")))
		p->color = true;
	/* ninja's StatusPrinter: nothing fancy unless the verbosity is
	 * normal (the colour stays as decided). */
	if (v != VERB_NORMAL)
		p->smart = false;
	p->have_blank_line = true;
	p->rate_n = parallelism > 0 && parallelism < 1024 ? parallelism : 1024;
	p->rate_times = xcalloc((size_t)p->rate_n, sizeof(*p->rate_times));
	p->rate = -1;
	p->rate_last = -1;
	if (status_format)
		return parse_status_format(p, status_format, err);
	p->format = getenv("NINJA_STATUS");
	p->format_default = !p->format;
	if (!p->format)
		p->format = "[%f/%t] ";
	return 0;
}

void printer_free(struct printer *p)
{
	explained_clear(p);
	free(p->rate_times);
	free(p->status_text);
	arena_free(&p->arena);
	buf_free(&p->line_buffer);
	buf_free(&p->output_buffer);
}

void printer_info(struct printer *p, const char *fmt, ...)
{
	(void)p;
	va_list ap;
	va_start(ap, fmt);
	fputs("ninja: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("ninja: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("ninja: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_error_unknown(const char *what, const char *name,
		       const char *const *known, size_t n)
{
	const char *sugg = spellcheck(name, known, n);
	if (sugg)
		cli_error("unknown %s '%s', did you mean '%s'?", what, name, sugg);
	else
		cli_error("unknown %s '%s'", what, name);
}
