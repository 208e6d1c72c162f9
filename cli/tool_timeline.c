/* -t timeline: the last build (.nj_trace) as one self-contained HTML page,
 * an inline SVG with no script and nothing fetched: one row per slot with
 * each run as a bar coloured by its peak memory, pauses, stops and retries
 * marked on the bars, waits for memory on a row of their own, and under
 * them free memory over time with the floor and what nj's jobs held.
 * Hovering a bar shows the job (an SVG <title>). Runs narrower than a
 * pixel are merged with their neighbours on the row, and the page says how
 * many, so a 100k-job build stays a page a browser draws at once.
 *
 * The geometry is fixed and written on the <svg> as data- attributes
 * (left, width, wall-ms, rows-top, row-h), so a test can find a run's bar
 * from its times alone. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
	PAGE_W = 1200,
	LEFT = 110,           /* row labels */
	PLOT_W = 1060,        /* time axis: 0 .. wall_ms */
	TOP = 78,             /* title lines and legend */
	MEM_H = 150,          /* the memory chart */
	ROWS_MAX_H = 480,     /* all slot rows together, at most */
};

static double x_of(int64_t ms, int64_t wall)
{
	return LEFT + (double)PLOT_W * (double)ms / (double)(wall > 0 ? wall : 1);
}

static void xml(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '&': fputs("&amp;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		default: putchar(*s);
		}
	}
}

static void size_text(int64_t bytes)
{
	struct buf b = {0};
	if (bytes < 0)
		buf_adds(&b, "?");
	else
		format_size(bytes, &b);
	fputs(b.s, stdout);
	buf_free(&b);
}

/* Light blue for the least peak of the build, through orange, to dark red
 * for the most. */
static void colour(int64_t peak, int64_t max, char out[8])
{
	static const int stops[4][3] = {
		{158, 202, 225}, {49, 130, 189}, {253, 141, 60}, {189, 0, 38}};
	if (peak < 0 || max <= 0) {
		snprintf(out, 8, "#bbbbbb");
		return;
	}
	double t = (double)peak / (double)max * 3;
	int i = t >= 3 ? 2 : (int)t;
	double f = t - i;
	int rgb[3];
	for (int k = 0; k < 3; k++)
		rgb[k] = (int)(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f + 0.5);
	snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void job_title(const struct trace_job *j)
{
	printf("<title>");
	struct buf name = {0};
	trace_run_name(j, &name);
	xml(name.s);
	buf_free(&name);
	printf("\n%.1f s (%.1f s to %.1f s), peak ",
	       (double)(j->end_ms - j->start_ms) / 1000,
	       (double)j->start_ms / 1000, (double)j->end_ms / 1000);
	size_text(j->peak);
	printf(", estimate ");
	size_text(j->estimate);
	if (j->cpu_ms >= 0)
		printf(", CPU %.1f s", (double)j->cpu_ms / 1000);
	printf(", exit %d", j->exit_code);
	if (j->alone)
		printf(", alone");
	struct buf w = {0};
	trace_words(j, TRACE_WORDS_ALL, &w);
	if (w.len) {
		printf("\n");
		xml(w.s);
	}
	buf_free(&w);
	printf("</title>");
}

/* Consecutive runs on a row, each under a pixel wide, drawn as one bar. */
struct group {
	double x0, x1;
	size_t n;
	const struct trace_job *biggest;
};

static void flush(struct group *g, double y, double h, int64_t max_peak,
		  size_t *groups)
{
	if (!g->n)
		return;
	char c[8];
	colour(g->biggest->peak, max_peak, c);
	double w = g->x1 - g->x0 < 1 ? 1 : g->x1 - g->x0;
	printf("<rect class=\"job\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
	       "height=\"%.1f\" fill=\"%s\"><title>%zu runs, each shorter than "
	       "a pixel, merged; the largest peak ", g->x0, y, w, h, c, g->n);
	size_text(g->biggest->peak);
	printf(": ");
	xml(g->biggest->out);
	printf("</title></rect>\n");
	(*groups)++;
	g->n = 0;
}

static void rows(const struct trace *tr, int nslots, double row_h,
		 int64_t max_peak, size_t *merged, size_t *groups)
{
	double bar_h = row_h >= 6 ? row_h - 2 : row_h;
	int64_t wall = tr->wall_ms;
	for (int s = 0; s < nslots; s++) {
		double y = TOP + row_h * (s + 1);
		if (row_h >= 10)
			printf("<text x=\"%d\" y=\"%.1f\" class=\"lbl\">slot %d"
			       "</text>\n", LEFT - 6, y + row_h - 4, s);
		struct group g = {0};
		for (size_t i = 0; i < tr->njobs; i++) {
			const struct trace_job *j = &tr->jobs[i];
			if (j->slot != s)
				continue;
			double x0 = x_of(j->start_ms, wall), x1 = x_of(j->end_ms, wall);
			if (x1 - x0 < 1) {
				if (g.n && x0 - g.x1 > 1)
					flush(&g, y, bar_h, max_peak, groups);
				if (!g.n)
					g.x0 = x0;
				g.x1 = x1;
				if (!g.n++ || j->peak > g.biggest->peak)
					g.biggest = j;
				(*merged)++;
				continue;
			}
			flush(&g, y, bar_h, max_peak, groups);
			char c[8];
			colour(j->peak, max_peak, c);
			/* a pixel of white between runs that follow each other */
			double w = x1 - x0 > 3 ? x1 - x0 - 1 : x1 - x0;
			printf("<rect class=\"job\" x=\"%.2f\" y=\"%.1f\" "
			       "width=\"%.2f\" height=\"%.1f\" fill=\"%s\"%s>",
			       x0, y, w, bar_h, c,
			       j->stopped ? " stroke=\"#d00000\" stroke-width=\"1.5\""
					  : "");
			job_title(j);
			printf("</rect>\n");
			if (j->attempt > 0) /* a retry: a purple edge at its start */
				printf("<rect class=\"retry\" x=\"%.2f\" y=\"%.1f\" "
				       "width=\"3\" height=\"%.1f\" fill=\"#7b2cbf\"/>\n",
				       x0, y, bar_h);
		}
		flush(&g, y, bar_h, max_peak, groups);
	}
}

static void events(const struct trace *tr, double row_h)
{
	double bar_h = row_h >= 6 ? row_h - 2 : row_h;
	int64_t wall = tr->wall_ms;
	for (size_t i = 0; i < tr->nevents; i++) {
		const struct trace_event *e = &tr->events[i];
		const struct trace_job *j = &tr->jobs[e->job];
		double y = TOP + row_h * (j->slot + 1);
		double x0 = x_of(e->t_ms, wall);
		double w = x_of(e->t_ms + e->dur_ms, wall) - x0;
		if (w < 2)
			w = 2;
		if (e->kind == TRACE_WAIT) {
			printf("<rect class=\"wait\" x=\"%.2f\" y=\"%.1f\" "
			       "width=\"%.2f\" height=\"%.1f\" fill=\"#999999\">"
			       "<title>", x0, (double)TOP + row_h * 0.25, w,
			       row_h * 0.5);
		} else if (e->kind == TRACE_PAUSE) {
			printf("<rect class=\"pause\" x=\"%.2f\" y=\"%.1f\" "
			       "width=\"%.2f\" height=\"%.1f\" fill=\"#ffb000\">"
			       "<title>", x0, y, w, bar_h);
		} else if (e->kind == TRACE_STOP) {
			printf("<path class=\"stop\" d=\"M%.2f %.1f l-5 -7 h10 z\" "
			       "fill=\"#d00000\"><title>", x0, y + 2);
		} else if (e->kind == TRACE_PAGE_OUT) {
			printf("<path class=\"pageout\" d=\"M%.2f %.1f l-5 7 h10 z\" "
			       "fill=\"#1f5fd0\"><title>", x0, y + bar_h - 2);
		} else {
			continue;
		}
		xml(j->out);
		bool mark = e->kind == TRACE_STOP || e->kind == TRACE_PAGE_OUT;
		printf(": %s ", e->kind == TRACE_WAIT ? "waited for memory, needs"
			       : e->kind == TRACE_PAUSE ? "paused at"
			       : e->kind == TRACE_PAGE_OUT ? "paged out to swap at"
						       : "stopped at");
		size_text(e->bytes);
		if (!mark)
			printf(", %.1f s", (double)e->dur_ms / 1000);
		printf("</title></%s>\n", mark ? "path" : "rect");
	}
}

static void memory_chart(const struct trace *tr, double y0)
{
	/* Up to capacity; without one (memory scheduling off), up to the
	 * most that was seen. */
	int64_t top = tr->capacity;
	for (size_t i = 0; top <= 0 && i < tr->nsamples; i++) {
		const struct trace_sample *s = &tr->samples[i];
		int64_t m = s->free > s->used ? s->free : s->used;
		if (m > top)
			top = m;
	}
	top += top / 20; /* room above the highest line */
	printf("<text x=\"%d\" y=\"%.1f\" class=\"lbl\">memory</text>\n",
	       LEFT - 6, y0 + MEM_H / 2.0);
	printf("<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
	       "fill=\"#fafafa\" stroke=\"#dddddd\"/>\n", LEFT, y0, PLOT_W, MEM_H);
	if (top <= 0 || !tr->nsamples) {
		printf("<text x=\"%d\" y=\"%.1f\" class=\"note\">no memory "
		       "samples (memory scheduling was off)</text>\n", LEFT + 8,
		       y0 + MEM_H / 2.0);
		return;
	}
#define Y(v) (y0 + MEM_H - (double)MEM_H * (double)(v) / (double)top)
	int64_t wall = tr->wall_ms;
	/* what nj's jobs held: a filled area */
	printf("<path class=\"used\" fill=\"#74c476\" fill-opacity=\"0.6\" d=\"M%.2f %.1f",
	       x_of(tr->samples[0].t_ms, wall), Y(0));
	for (size_t i = 0; i < tr->nsamples; i++)
		printf(" L%.2f %.1f", x_of(tr->samples[i].t_ms, wall),
		       Y(tr->samples[i].used));
	printf(" L%.2f %.1f z\"/>\n",
	       x_of(tr->samples[tr->nsamples - 1].t_ms, wall), Y(0));
	if (tr->floor > 0)
		printf("<rect class=\"floor\" x=\"%d\" y=\"%.1f\" width=\"%d\" "
		       "height=\"%.1f\" fill=\"#d00000\" fill-opacity=\"0.12\"/>"
		       "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
		       "stroke=\"#d00000\" stroke-dasharray=\"6 3\"/>\n",
		       LEFT, Y(tr->floor), PLOT_W, Y(0) - Y(tr->floor), LEFT,
		       LEFT + PLOT_W, Y(tr->floor), Y(tr->floor));
	printf("<polyline class=\"free\" fill=\"none\" stroke=\"#1f4e9c\" "
	       "stroke-width=\"2\" points=\"");
	for (size_t i = 0; i < tr->nsamples; i++)
		if (tr->samples[i].free >= 0)
			printf("%.2f,%.1f ", x_of(tr->samples[i].t_ms, wall),
			       Y(tr->samples[i].free));
	printf("\"/>\n");
	printf("<text x=\"%d\" y=\"%.1f\" class=\"lbl\">", LEFT - 6, y0 + MEM_H);
	int64_t mark = tr->capacity > 0 ? tr->capacity : top;
	printf("0</text><text x=\"%d\" y=\"%.1f\" class=\"lbl\">", LEFT - 6,
	       Y(mark) + 4);
	size_text(mark);
	printf("</text>\n");
#undef Y
}

static void axis(int64_t wall, double y)
{
	static const int64_t steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500,
		1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000,
		600000, 1200000, 1800000, 3600000, 7200000, 14400000};
	int64_t step = steps[sizeof(steps) / sizeof(*steps) - 1];
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
		if (wall / steps[i] <= 12) {
			step = steps[i];
			break;
		}
	for (int64_t t = 0; t <= wall; t += step) {
		double x = x_of(t, wall);
		printf("<line x1=\"%.2f\" x2=\"%.2f\" y1=\"%d\" y2=\"%.1f\" "
		       "stroke=\"#eeeeee\"/><text x=\"%.2f\" y=\"%.1f\" "
		       "class=\"tick\">%g s</text>\n", x, x, TOP, y, x, y + 14,
		       (double)t / 1000);
	}
}

static void legend(int64_t max_peak)
{
	int x = LEFT;
	printf("<text x=\"%d\" y=\"60\" class=\"note\">peak memory:</text>\n", x);
	x += 92;
	for (int i = 0; i <= 10; i++) {
		char c[8];
		colour(max_peak * i / 10, max_peak, c);
		printf("<rect x=\"%d\" y=\"50\" width=\"12\" height=\"12\" "
		       "fill=\"%s\"/>", x + i * 12, c);
	}
	printf("\n<text x=\"%d\" y=\"60\" class=\"note\">0 to ", x + 138);
	size_text(max_peak);
	printf("</text>\n");
	x += 240;
	static const struct {
		const char *swatch, *label;
	} keys[] = {
		{"<rect x=\"%d\" y=\"50\" width=\"14\" height=\"12\" "
		 "fill=\"#ffb000\"/>", "paused"},
		{"<path d=\"M%d 62 l7 -10 l7 10 z\" fill=\"#d00000\"/>",
		 "stopped (red outline)"},
		{"<rect x=\"%d\" y=\"50\" width=\"4\" height=\"12\" "
		 "fill=\"#7b2cbf\"/>", "retried"},
		{"<rect x=\"%d\" y=\"53\" width=\"14\" height=\"6\" "
		 "fill=\"#999999\"/>", "waited for memory"},
		{"<rect x=\"%d\" y=\"55\" width=\"14\" height=\"2\" "
		 "fill=\"#1f4e9c\"/>", "free"},
		{"<rect x=\"%d\" y=\"50\" width=\"14\" height=\"12\" "
		 "fill=\"#74c476\"/>", "held by jobs"},
		{"<rect x=\"%d\" y=\"50\" width=\"14\" height=\"12\" "
		 "fill=\"#f6d6d6\" stroke=\"#d00000\"/>", "floor"},
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		printf(keys[i].swatch, x);
		printf("<text x=\"%d\" y=\"61\" class=\"note\">%s</text>\n",
		       x + 18, keys[i].label);
		x += 18 + 7 * (int)strlen(keys[i].label) + 14;
	}
}

int tool_timeline(struct tool_ctx *t, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct trace tr;
	if (tool_load_trace(t, &tr))
		return 1;
	int nslots = 0;
	int64_t max_peak = 0;
	size_t waits = 0, pauses = 0, stops = 0, retries = 0, paged = 0;
	for (size_t i = 0; i < tr.njobs; i++) {
		const struct trace_job *j = &tr.jobs[i];
		if (j->slot + 1 > nslots)
			nslots = j->slot + 1;
		if (j->peak > max_peak)
			max_peak = j->peak;
		waits += j->waited_ms > 0;
		pauses += (size_t)j->pauses;
		stops += j->stopped;
		paged += j->paged_out;
		retries += j->attempt > 0;
	}
	/* Row 0 is for waits; slot s is row s + 1. */
	double row_h = 18;
	if ((nslots + 1) * row_h > ROWS_MAX_H)
		row_h = (double)ROWS_MAX_H / (nslots + 1);
	double rows_end = TOP + row_h * (nslots + 1);
	double mem_y = rows_end + 24;
	int height = (int)(mem_y + MEM_H + 40);
	printf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	       "<title>nj build timeline</title>\n<style>\n"
	       "body{margin:0;background:#fff;font-family:sans-serif}\n"
	       "svg text{font-size:12px;fill:#333}\n"
	       "svg text.lbl{text-anchor:end}\n"
	       "svg text.tick{text-anchor:middle;fill:#666;font-size:11px}\n"
	       "svg text.title{font-size:15px;font-weight:bold}\n"
	       "rect.job:hover{stroke:#000;stroke-width:1.5}\n"
	       "</style></head><body>\n");
	printf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	       "height=\"%d\" data-left=\"%d\" data-width=\"%d\" data-wall-ms=\"%"
	       PRId64 "\" data-rows-top=\"%d\" data-row-h=\"%.4f\" "
	       "data-slots=\"%d\">\n", PAGE_W, height, LEFT, PLOT_W,
	       tr.wall_ms, TOP, row_h, nslots);
	printf("<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", PAGE_W,
	       height);
	printf("<text x=\"10\" y=\"20\" class=\"title\">nj build: %zu runs in "
	       "%.1f s on %d slots", tr.njobs, (double)tr.wall_ms / 1000, nslots);
	if (tr.capacity > 0) {
		printf(", memory ");
		size_text(tr.capacity);
		printf(", floor ");
		size_text(tr.floor);
	}
	printf("</text>\n<text x=\"10\" y=\"40\" class=\"note\">%zu run%s "
	       "waited for memory, %zu pause%s, ", waits, waits == 1 ? "" : "s",
	       pauses, pauses == 1 ? "" : "s");
	/* rare (it needs swap): said only when it happened; no legend key,
	 * the legend's row is full, the mark's tooltip says what it is */
	if (paged)
		printf("%zu paged out to swap (blue marks), ", paged);
	printf("%zu stopped, %zu retr%s", stops, retries,
	       retries == 1 ? "y" : "ies");
	size_t merged = 0, groups = 0;
	/* the count of merged runs is only known once drawn: said after */
	printf(". Hover a bar for its job.</text>\n");
	legend(max_peak);
	axis(tr.wall_ms, mem_y + MEM_H);
	printf("<text x=\"%d\" y=\"%.1f\" class=\"lbl\">waiting</text>\n",
	       LEFT - 6, TOP + row_h - 4);
	rows(&tr, nslots, row_h, max_peak, &merged, &groups);
	events(&tr, row_h);
	memory_chart(&tr, mem_y);
	if (merged || tr.dropped || tr.stride > 1) {
		printf("<text x=\"10\" y=\"%d\" class=\"note\">", height - 6);
		if (merged)
			printf("%zu runs shorter than a pixel are drawn merged "
			       "into %zu bars. ", merged, groups);
		if (tr.stride > 1)
			printf("Each memory sample stands for %" PRId64
			       " readings (lowest free, highest use). ", tr.stride);
		if (tr.dropped)
			printf("%zu events past the first %d were not recorded.",
			       tr.dropped, TRACE_MAX_EVENTS);
		printf("</text>\n");
	}
	printf("</svg>\n</body></html>\n");
	trace_free(&tr);
	return 0;
}
