/* The status line: "[finished/total] description", rewritten in place on
 * a smart terminal, one line per edge otherwise; job output printed whole
 * above it. Formats and spacing are ninja's, since scripts read them. */
#include "cli.h"

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

/* Shorten to width by cutting the middle, as ninja's ElideMiddle. */
static void elide_middle(struct buf *b, int width)
{
	if (width <= 3) {
		buf_clear(b);
		for (int i = 0; i < width; i++)
			buf_addc(b, '.');
		return;
	}
	if (b->len <= (size_t)width)
		return;
	size_t keep = (size_t)(width - 3) / 2;
	struct buf r = {0};
	buf_add(&r, b->s, keep);
	buf_adds(&r, "...");
	buf_add(&r, b->s + b->len - keep, keep);
	buf_free(b);
	*b = r;
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
			elide_middle(line, exec_terminal_width(STDOUT_FILENO));
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

static void add_hms(struct buf *out, double secs)
{
	long s = (long)secs;
	if (s >= 3600)
		buf_printf(out, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
	else
		buf_printf(out, "%02ld:%02ld", s / 60, s % 60);
}

/* The placeholders format_status expands: the cases of its switch. */
static bool known_placeholder(char c)
{
	return c && strchr("%strufocpeMwEW", c);
}

int printer_check_format(const struct printer *p, char *bad)
{
	if (p->verbosity == VERB_QUIET || p->verbosity == VERB_NO_STATUS)
		return 0; /* no status line is printed */
	for (const char *s = p->format; *s; s++) {
		if (*s != '%')
			continue;
		s++;
		if (!known_placeholder(*s)) {
			*bad = *s;
			return -1;
		}
	}
	return 0;
}

/* Expand NINJA_STATUS, whose placeholders printer_check_format accepted
 * before the build. */
static void format_status(struct printer *p, struct buf *out)
{
	for (const char *s = p->format; *s; s++) {
		if (*s != '%') {
			buf_addc(out, *s);
			continue;
		}
		s++;
		double secs = (double)p->time_ms / 1e3;
		double eta = -1;
		if (p->finished > 0 && p->total >= p->finished)
			eta = secs * (p->total - p->finished) / p->finished;
		switch (*s) {
		case '%': buf_addc(out, '%'); break;
		case 's': buf_printf(out, "%d", p->started); break;
		case 't': buf_printf(out, "%d", p->total); break;
		case 'r': buf_printf(out, "%d", p->running); break;
		case 'u': buf_printf(out, "%d", p->total - p->started); break;
		case 'f': buf_printf(out, "%d", p->finished); break;
		case 'o': add_rate(out, p->finished / secs); break;
		case 'c':
			rate_update(p, p->finished, p->time_ms);
			add_rate(out, p->rate);
			break;
		case 'p':
			buf_printf(out, "%3i%%",
				   p->total ? (100 * p->finished) / p->total : 0);
			break;
		case 'e': buf_printf(out, "%.3f", secs); break;
		case 'M': /* nj: memory in use / capacity */
			if (!p->ops.mem) {
				buf_addc(out, '-');
			} else {
				const struct mem_model *m = p->ops.mem;
				int64_t used = m->capacity - m->free;
				format_size(used > 0 ? used : 0, out);
				buf_addc(out, '/');
				format_size(m->capacity, out);
			}
			break;
		case 'w': add_hms(out, secs); break;
		case 'E':
			if (eta < 0)
				buf_adds(out, "?");
			else
				buf_printf(out, "%.3f", eta);
			break;
		case 'W':
			if (eta < 0)
				buf_adds(out, "?");
			else
				add_hms(out, eta);
			break;
		default:
			return; /* refused by printer_check_format */
		}
		if (!*s)
			break;
	}
}

static void print_status(struct printer *p, struct edge *e)
{
	if (p->verbosity == VERB_QUIET || p->verbosity == VERB_NO_STATUS)
		return;
	bool full = p->verbosity == VERB_VERBOSE;
	struct buf desc = {0}, line = {0};
	if (!full)
		edge_binding(e, "description", &desc);
	if (!desc.len || full) {
		buf_clear(&desc);
		edge_binding(e, "command", &desc);
	}
	/* On a terminal the default line also shows memory; piped output
	 * stays exactly ninja's. */
	const char *fmt = p->format;
	if (p->format_default && p->smart && p->ops.mem)
		p->format = "[%f/%t %M] ";
	format_status(p, &line);
	p->format = fmt;
	buf_add(&line, desc.s ? desc.s : "", desc.len);
	print_line(p, &line, !full);
	buf_free(&desc);
	buf_free(&line);
}

static void on_plan_total(struct status *s, int total)
{
	((struct printer *)s)->total = total;
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

/* Colour codes are kept only for a terminal that shows them. */
static void strip_ansi(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\x1b') {
			buf_addc(out, s[i]);
			continue;
		}
		if (i + 1 >= n || s[i + 1] != '[') {
			continue; /* lone escape: dropped */
		}
		i += 2;
		while (i < n && !(s[i] >= '@' && s[i] <= '~'))
			i++;
	}
}

static void on_edge_finished(struct status *s, struct edge *e,
			     int64_t start_ms, int64_t end_ms, int code,
			     const char *output, size_t len)
{
	struct printer *p = (struct printer *)s;
	(void)start_ms;
	p->time_ms = end_ms;
	p->finished++;
	bool console = edge_use_console(e);
	if (console)
		set_console_locked(p, false);
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
		if (p->color) {
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

void printer_init(struct printer *p, enum verbosity v, int parallelism)
{
	memset(p, 0, sizeof(*p));
	p->ops.plan_total = on_plan_total;
	p->ops.build_started = on_build_started;
	p->ops.edge_started = on_edge_started;
	p->ops.edge_finished = on_edge_finished;
	p->ops.build_finished = on_build_finished;
	p->ops.error = on_error;
	p->ops.edge_requeued = on_edge_requeued;
	p->verbosity = v;
	p->parallelism = parallelism;
	p->format = getenv("NINJA_STATUS");
	p->format_default = !p->format;
	if (!p->format)
		p->format = "[%f/%t] ";
	p->smart = exec_smart_terminal(STDOUT_FILENO);
	p->color = p->smart;
	if (!p->color) {
		const char *force = getenv("CLICOLOR_FORCE");
		p->color = force && strcmp(force, "0") != 0;
	}
	p->have_blank_line = true;
	p->rate_n = parallelism > 0 && parallelism < 1024 ? parallelism : 1024;
	p->rate_times = xcalloc((size_t)p->rate_n, sizeof(*p->rate_times));
	p->rate = -1;
	p->rate_last = -1;
}

void printer_free(struct printer *p)
{
	free(p->rate_times);
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
