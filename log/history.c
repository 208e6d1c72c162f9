/* .nj_history: per edge and run, the peak memory, CPU and wall time, exit
 * code and whether the run was killed for memory; and the estimates the
 * scheduler draws from them.
 *
 * File format (text, except for one optional zstd frame):
 *
 *   "# nj history v3\n"                                      plain header
 *   or "# nj history v3 zstd <clen> <rawlen>\n" <frame> "\n"  compacted
 *   then zero or more record lines:
 *     peak \t cpu_ms \t wall_ms \t rise_ms \t exit \t killed \t rule \t key \n
 *
 * peak is bytes, the times milliseconds, -1 meaning "not measured"; rise_ms
 * is when the run first came within a tenth of its peak; killed
 * is 0 or 1. The key comes last so it may hold spaces. Rule and key are
 * escaped: backslash, tab, newline and CR become \\ \t \n \r, so neither
 * ever holds a raw separator.
 *
 * Each record is one write(2) on an O_APPEND descriptor, so a crash tears
 * at most the last line; load drops a line without its newline (and cuts it
 * from the file, so the next append starts a clean line) and skips any line
 * that does not parse. Load never fails on content: a header it does not
 * know, or a compacted block that does not decompress, means starting over
 * (from the lines after the block when its extent is known) and rewriting
 * the file at open.
 *
 * Recompaction (at open when the file holds > 1000 records and > 3 per key,
 * or on demand) folds everything into one summary per key, written as the
 * <rawlen> bytes that the <clen>-byte zstd frame decompresses to, one line
 * each:
 *     est \t runs \t peaks \t walls \t rises \t cpus \t rule \t key \n
 * est is the decayed maximum (before the margin, -1 when none), peaks,
 * walls, rises and cpus the recent ones, newest first, comma-separated ("-"
 * when none). Version 2 (records as 3, summaries without cpus) and version 1
 * (no rise_ms, no rises) are read, and rewritten as 3 at open. The
 * file is written to path.tmp, fsync'd and renamed over path, so a crash
 * leaves either the old file or the new one.
 *
 * Estimates: per successful run (exit 0, not killed) policy_after_success,
 * per run killed for memory policy_after_kill; failed runs change no
 * estimate. The estimate handed out is policy_with_history_margin of it
 * (policy_with_margin's 4%, or 1% when the newest peaks agree); a rule's
 * is the policy's percentile of its edges', and its rise pace the median
 * of their estimates over their quickest rises. The rules live in policy/.
 * Integer arithmetic throughout, so a file loads to the same estimates on
 * every machine. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "../policy/policy.h"

#define HEADER "# nj history v3"
#define HEADER_V2 "# nj history v2" /* read, never written */
#define HEADER_V1 "# nj history v1" /* read, never written */
#define ZSTD_TAG " zstd "
#define RECENT 5 /* peaks and wall times kept per key */
#define MIN_COMPACTION_RECORDS 1000
#define COMPACTION_RATIO 3
#define ZSTD_LEVEL 6
/* Values beyond 2^50 (a petabyte, or 35000 years in ms) are garbage; the
 * cap keeps est * 3 / 2 and est * 11 / 10 far from overflow. */
#define VALUE_MAX ((int64_t)1 << 50)
#define EST_MAX (VALUE_MAX + VALUE_MAX / 2)
/* No summary block nj writes comes near this; a header claiming more is
 * damage, and must not make load allocate it. */
#define RAW_MAX ((size_t)1 << 30)

struct history_rule {
	const char *name;
	size_t len;
	struct history_edge **edges; /* heap (xgrow); edges of this rule */
	size_t nedges, cap;
	int64_t p90; /* cached history_rule_estimate */
	/* Estimates changed since p90 was computed: it is recomputed only
	 * when policy_percentile_due says so, so a build that changes one
	 * estimate per finished job pays O(1) amortised per job, not O(n). */
	size_t p90_changes;
	bool p90_valid;
	/* Cached history_rule_rise_pace, recomputed like p90: rises pushed
	 * (and edges joining or leaving) since it was computed. */
	int64_t pace;
	size_t pace_changes;
	bool pace_valid;
};

struct history_edge {
	const char *key; /* arena */
	size_t keylen;
	struct history_rule *rule;
	size_t rule_idx; /* index in rule->edges */
	int64_t est;     /* decayed max, without margin; -1: none */
	int64_t peaks[RECENT]; /* newest first: successful and killed runs */
	int64_t walls[RECENT]; /* newest first: successful runs */
	int64_t rises[RECENT]; /* newest first: successful runs that had one */
	int64_t cpus[RECENT];  /* newest first: successful runs' CPU time */
	int npeaks, nwalls, nrises, ncpus;
	int64_t runs; /* every run: successful, failed, killed */
};

void history_init(struct history *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

/* ---- helpers --------------------------------------------------------------- */

static int64_t clamp(int64_t v)
{
	if (v < 0)
		return -1;
	return v > VALUE_MAX ? VALUE_MAX : v;
}

/* A whole field as a decimal integer within [-1, max] ("-1" is
 * "unknown"); false on anything else. No strtoll: fields are not
 * NUL-terminated and this is the hot loop of a load. */
static bool parse_num(const char *s, const char *end, int64_t max,
		      int64_t *out)
{
	bool neg = false;
	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (s == end || end - s > 16)
		return false;
	int64_t v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < -1 || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_int(const char *s, const char *end, int64_t *out)
{
	return parse_num(s, end, VALUE_MAX, out);
}

static bool parse_exit(const char *s, const char *end, int *out)
{
	bool neg = false;
	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (s == end || end - s > 9)
		return false;
	int v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return true;
}

static void escape(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '\\': rep = "\\\\"; break;
		case '\t': rep = "\\t"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		default: continue;
		}
		buf_add(b, s + start, i - start);
		buf_add(b, rep, 2);
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}

/* Undo escape() in place; returns the new length. An unknown escape is
 * kept as it stands. */
static size_t unescape(char *s, size_t n)
{
	if (!memchr(s, '\\', n))
		return n;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[i + 1];
			char r = c == '\\' ? '\\' : c == 't' ? '\t'
				: c == 'n' ? '\n' : c == 'r' ? '\r' : 0;
			if (r) {
				s[o++] = r;
				i++;
				continue;
			}
		}
		s[o++] = s[i];
	}
	return o;
}

/* Split line [s, end) at tabs into nf fields; the last takes the rest. */
static bool split(char *s, char *end, char **f, char **fe, int nf)
{
	for (int i = 0; i < nf - 1; i++) {
		char *tab = memchr(s, '\t', (size_t)(end - s));
		if (!tab)
			return false;
		f[i] = s;
		fe[i] = tab;
		s = tab + 1;
	}
	f[nf - 1] = s;
	fe[nf - 1] = end;
	return true;
}

/* ---- the in-memory state ----------------------------------------------------- */

static struct history_rule *get_rule(struct history *h, const char *name,
				     size_t len)
{
	struct history_rule *r = hmap_get(&h->rules, name, len);
	if (r)
		return r;
	r = arena_alloc(&h->arena, sizeof(*r));
	r->name = arena_strndup(&h->arena, name, len);
	r->len = len;
	hmap_put(&h->rules, r->name, len, r);
	return r;
}

static struct history_edge *find_edge(const struct history *h,
				      const char *key)
{
	return key ? hmap_get(&h->edges, key, strlen(key)) : NULL;
}

static struct history_edge *get_edge(struct history *h, const char *key,
				     size_t keylen)
{
	struct history_edge *e = hmap_get(&h->edges, key, keylen);
	if (e)
		return e;
	e = arena_alloc(&h->arena, sizeof(*e));
	e->key = arena_strndup(&h->arena, key, keylen);
	e->keylen = keylen;
	e->est = -1;
	hmap_put(&h->edges, e->key, keylen, e);
	h->unique = h->edges.len;
	return e;
}

/* An edge belongs to the rule it last ran under. */
static void set_rule(struct history *h, struct history_edge *e,
		     const char *name, size_t len)
{
	if (e->rule && e->rule->len == len &&
	    memcmp(e->rule->name, name, len) == 0)
		return;
	if (e->rule) {
		struct history_rule *old = e->rule;
		struct history_edge *last = old->edges[--old->nedges];
		old->edges[e->rule_idx] = last;
		last->rule_idx = e->rule_idx;
		old->p90_changes++;
		old->pace_changes++;
	}
	struct history_rule *r = get_rule(h, name, len);
	xgrow((void **)&r->edges, &r->cap, r->nedges + 1, sizeof(*r->edges));
	e->rule_idx = r->nedges;
	r->edges[r->nedges++] = e;
	r->p90_changes++;
	r->pace_changes++;
	e->rule = r;
}

static void push(int64_t *arr, int *n, int64_t v)
{
	memmove(arr + 1, arr, sizeof(*arr) * (RECENT - 1));
	arr[0] = v;
	if (*n < RECENT)
		(*n)++;
}

static void apply_run(struct history_edge *e, const struct history_run *run)
{
	int64_t peak = clamp(run->peak), wall = clamp(run->wall_ms);
	int64_t before = e->est;
	e->runs++;
	if (run->mem_killed) {
		if (peak >= 0) {
			push(e->peaks, &e->npeaks, peak);
			e->est = policy_after_kill(e->est, peak);
		}
	} else if (run->exit_code == 0) {
		if (peak >= 0) {
			push(e->peaks, &e->npeaks, peak);
			e->est = policy_after_success(e->est, peak);
		}
		if (wall >= 0)
			push(e->walls, &e->nwalls, wall);
		if (run->rise_ms >= 0) {
			push(e->rises, &e->nrises, clamp(run->rise_ms));
			if (e->rule)
				e->rule->pace_changes++;
		}
		if (run->cpu_ms >= 0)
			push(e->cpus, &e->ncpus, clamp(run->cpu_ms));
	}
	/* failed runs: counted, nothing lowered or raised */
	if (e->est != before && e->rule)
		e->rule->p90_changes++;
}


/* ---- loading ----------------------------------------------------------------- */

/* "peak cpu wall rise exit killed rule key" (v1: no rise); malformed lines
 * are skipped. */
static bool parse_record(struct history *h, char *s, char *end, int ver)
{
	bool v1 = ver == 1;
	char *f[8], *fe[8];
	int nf = v1 ? 7 : 8, x = v1 ? 3 : 4; /* x: where exit is */
	if (!split(s, end, f, fe, nf))
		return false;
	struct history_run run = {.rise_ms = -1};
	int64_t killed;
	if (!parse_int(f[0], fe[0], &run.peak) ||
	    !parse_int(f[1], fe[1], &run.cpu_ms) ||
	    !parse_int(f[2], fe[2], &run.wall_ms) ||
	    (!v1 && !parse_int(f[3], fe[3], &run.rise_ms)) ||
	    !parse_exit(f[x], fe[x], &run.exit_code) ||
	    !parse_int(f[x + 1], fe[x + 1], &killed) ||
	    (killed != 0 && killed != 1))
		return false;
	run.mem_killed = killed;
	size_t rlen = unescape(f[x + 2], (size_t)(fe[x + 2] - f[x + 2]));
	size_t klen = unescape(f[x + 3], (size_t)(fe[x + 3] - f[x + 3]));
	if (!klen)
		return false;
	struct history_edge *e = get_edge(h, f[x + 3], klen);
	set_rule(h, e, f[x + 2], rlen);
	apply_run(e, &run);
	h->records++;
	return true;
}

/* "-" or "v,v,v" into arr; false when malformed. */
static bool parse_list(const char *s, const char *end, int64_t *arr, int *n)
{
	*n = 0;
	if (end - s == 1 && *s == '-')
		return true;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *fend = comma ? comma : end;
		if (*n == RECENT || !parse_int(s, fend, &arr[*n]) ||
		    arr[*n] < 0)
			return false;
		(*n)++;
		s = comma ? comma + 1 : end;
	}
	return *n > 0;
}

/* "est runs peaks walls rises cpus rule key" (v2: no cpus; v1: no rises
 * either) from the compacted block. */
static bool parse_summary(struct history *h, char *s, char *end, int ver)
{
	char *f[8], *fe[8];
	int nf = 5 + ver, x = 3 + ver; /* x: where the rule is */
	if (!split(s, end, f, fe, nf))
		return false;
	int64_t est, runs, peaks[RECENT], walls[RECENT], rises[RECENT];
	int64_t cpus[RECENT] = {0};
	int npeaks, nwalls, nrises = 0, ncpus = 0;
	/* est may be up to 1.5 times VALUE_MAX (a killed run raised it) */
	if (!parse_num(f[0], fe[0], EST_MAX, &est) ||
	    !parse_int(f[1], fe[1], &runs) || runs < 0 ||
	    !parse_list(f[2], fe[2], peaks, &npeaks) ||
	    !parse_list(f[3], fe[3], walls, &nwalls) ||
	    (ver >= 2 && !parse_list(f[4], fe[4], rises, &nrises)) ||
	    (ver >= 3 && !parse_list(f[5], fe[5], cpus, &ncpus)))
		return false;
	size_t rlen = unescape(f[x], (size_t)(fe[x] - f[x]));
	size_t klen = unescape(f[x + 1], (size_t)(fe[x + 1] - f[x + 1]));
	if (!klen)
		return false;
	struct history_edge *e = get_edge(h, f[x + 1], klen);
	set_rule(h, e, f[x], rlen);
	/* A key twice in a block (only by damage): the later summary wins. */
	e->est = est;
	e->runs = runs;
	memcpy(e->peaks, peaks, sizeof(peaks));
	memcpy(e->walls, walls, sizeof(walls));
	memcpy(e->rises, rises, sizeof(rises));
	memcpy(e->cpus, cpus, sizeof(cpus));
	e->ncpus = ncpus;
	e->npeaks = npeaks;
	e->nwalls = nwalls;
	e->nrises = nrises;
	e->rule->p90_changes++;
	h->records++;
	return true;
}

/* Every complete line of [s, end); returns where the last complete line
 * ended (end itself unless the tail is torn). */
static char *parse_lines(struct history *h, char *s, char *end, bool summary,
			 int ver)
{
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		if (nl > s) {
			if (summary)
				parse_summary(h, s, nl, ver);
			else
				parse_record(h, s, nl, ver);
		}
		s = nl + 1;
	}
	return s;
}

/* The compacted block; false when it is damaged (nothing is kept). */
static bool load_block(struct history *h, const char *frame, size_t clen,
		       size_t rawlen, int ver)
{
	if (rawlen > RAW_MAX)
		return false;
	unsigned long long size = ZSTD_getFrameContentSize(frame, clen);
	if (size != rawlen)
		return false; /* also ZSTD_CONTENTSIZE_ERROR and _UNKNOWN */
	char *raw = xmalloc(rawlen + 1);
	size_t got = ZSTD_decompress(raw, rawlen, frame, clen);
	bool ok = !ZSTD_isError(got) && got == rawlen;
	if (ok) {
		char *tail = parse_lines(h, raw, raw + rawlen, true, ver);
		ok = tail == raw + rawlen;
	}
	free(raw);
	return ok;
}

/* Forget everything loaded (the path stays). */
static void clear_state(struct history *h)
{
	for (size_t i = 0; i < h->rules.cap; i++) {
		struct history_rule *r = h->rules.slots[i].val;
		if (h->rules.slots[i].key)
			free(r->edges);
	}
	hmap_free(&h->rules);
	hmap_free(&h->edges);
	arena_free(&h->arena);
	h->records = h->unique = 0;
}

/* Parse "<clen> <rawlen>" after the zstd tag; false on anything else. */
static bool parse_block_header(const char *s, const char *end, size_t *clen,
			       size_t *rawlen)
{
	const char *sp = memchr(s, ' ', (size_t)(end - s));
	int64_t c, r;
	if (!sp || !parse_int(s, sp, &c) || !parse_int(sp + 1, end, &r) ||
	    c <= 0 || r < 0)
		return false;
	*clen = (size_t)c;
	*rawlen = (size_t)r;
	return true;
}

int history_load(struct history *h, const char *path, struct err *err)
{
	(void)err; /* nothing in the file is an error; see below */
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	clear_state(h);
	h->needs_recompact = false;
	if (!h->path || strcmp(h->path, path) != 0) {
		free(h->path);
		h->path = xstrdup(path);
	}

	char *data;
	size_t len;
	struct err rerr = {0};
	char *warning;
	int found = log_read(path, &data, &len, &warning, &rerr);
	if (warning) {
		/* not a regular file: removed, a fresh one is made at open */
		err_set(err, "%s", warning);
		free(warning);
		return 1;
	}
	if (found <= 0) {
		/* Missing is an empty history; unreadable is too: the history
		 * only tunes scheduling, and open reports a real problem. */
		err_clear(&rerr);
		return 0;
	}
	char *end = data + len;
	char *nl = memchr(data, '\n', len);
	if (!nl) {
		/* Empty, or even the header is torn: nothing to keep; open
		 * writes a fresh header. */
		if (len && truncate(path, 0) < 0) {
			/* harmless: the next load lands here again */
		}
		free(data);
		return 0;
	}
	size_t hlen = strlen(HEADER), tlen = strlen(ZSTD_TAG);
	size_t linelen = (size_t)(nl - data);
	int ver = linelen < hlen ? 0
		: memcmp(data, HEADER, hlen) == 0 ? 3
		: memcmp(data, HEADER_V2, hlen) == 0 ? 2
		: memcmp(data, HEADER_V1, hlen) == 0 ? 1 : 0;
	bool known = ver > 0;
	char *lines;
	if (known && linelen == hlen) {
		lines = nl + 1;
	} else if (known && linelen > hlen + tlen &&
		   memcmp(data + hlen, ZSTD_TAG, tlen) == 0) {
		size_t clen, rawlen;
		char *frame = nl + 1;
		if (!parse_block_header(data + hlen + tlen, nl, &clen,
					&rawlen) ||
		    clen > (size_t)(end - frame)) {
			/* Where the lines start is unknown: start over. */
			h->needs_recompact = true;
			free(data);
			return 0;
		}
		if (!load_block(h, frame, clen, rawlen, ver)) {
			/* Keep what the lines after it say; rewrite at open. */
			clear_state(h);
			h->needs_recompact = true;
		}
		lines = frame + clen;
	} else {
		/* Not a history nj can read (damage, a later version):
		 * start over, and replace the file at open. */
		h->needs_recompact = true;
		free(data);
		return 0;
	}

	char *tail = parse_lines(h, lines, end, false, ver);
	if (tail < end && truncate(path, (off_t)(tail - data)) < 0) {
		/* open_append still starts a fresh line */
	}
	free(data);
	if (ver < 3)
		h->needs_recompact = true; /* appends must not mix versions */
	if (h->records > MIN_COMPACTION_RECORDS &&
	    h->records > COMPACTION_RATIO * h->unique)
		h->needs_recompact = true;
	return 0;
}

/* ---- writing ----------------------------------------------------------------- */

static int open_append(struct history *h, struct err *err)
{
	int fd = open(h->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		err_set(err, "%s: %s", h->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	char last;
	if (sb.st_size == 0)
		rc = write_all(fd, HEADER "\n", strlen(HEADER) + 1);
	else if (pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
		rc = write_all(fd, "\n", 1); /* never glue onto a torn line */
	if (rc < 0) {
		err_set(err, "%s: %s", h->path, strerror(errno));
		close(fd);
		return -1;
	}
	h->fd = fd;
	return 0;
}

int history_open(struct history *h, struct err *err)
{
	if (!h->path) {
		err_set(err, ".nj_history: open before load");
		return -1;
	}
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	if (h->needs_recompact && history_recompact(h, err) < 0)
		return -1;
	return open_append(h, err);
}

static void format_record(struct buf *b, const char *key, const char *rule,
			  const struct history_run *run)
{
	buf_printf(b, "%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64
		   "\t%d\t%d\t",
		   clamp(run->peak), clamp(run->cpu_ms), clamp(run->wall_ms),
		   clamp(run->rise_ms), run->exit_code, run->mem_killed ? 1 : 0);
	escape(b, rule, strlen(rule));
	buf_addc(b, '\t');
	escape(b, key, strlen(key));
	buf_addc(b, '\n');
}

int history_record(struct history *h, const char *key, const char *rule,
		   const struct history_run *run, struct err *err)
{
	if (!key || !*key) {
		err_set(err, ".nj_history: a record needs a key");
		return -1;
	}
	if (!rule)
		rule = "";
	struct history_edge *e = get_edge(h, key, strlen(key));
	set_rule(h, e, rule, strlen(rule));
	apply_run(e, run);
	h->records++;
	if (h->fd < 0)
		return 0; /* dry run, or not opened: memory only */
	struct buf line = {0};
	format_record(&line, key, rule, run);
	int rc = write_all(h->fd, line.s, line.len);
	if (rc < 0)
		err_set(err, "writing %s: %s", h->path, strerror(errno));
	buf_free(&line);
	return rc;
}

static void format_list(struct buf *b, const int64_t *arr, int n)
{
	if (!n)
		buf_addc(b, '-');
	for (int i = 0; i < n; i++)
		buf_printf(b, i ? ",%" PRId64 : "%" PRId64, arr[i]);
}

/* The whole new file: header, compressed summaries, nothing after. */
static void format_compacted(const struct history *h, struct buf *out)
{
	if (!h->edges.len) {
		buf_adds(out, HEADER "\n");
		return;
	}
	struct buf raw = {0};
	for (size_t i = 0; i < h->edges.cap; i++) {
		const struct history_edge *e = h->edges.slots[i].val;
		if (!h->edges.slots[i].key)
			continue;
		buf_printf(&raw, "%" PRId64 "\t%" PRId64 "\t", e->est,
			   e->runs);
		format_list(&raw, e->peaks, e->npeaks);
		buf_addc(&raw, '\t');
		format_list(&raw, e->walls, e->nwalls);
		buf_addc(&raw, '\t');
		format_list(&raw, e->rises, e->nrises);
		buf_addc(&raw, '\t');
		format_list(&raw, e->cpus, e->ncpus);
		buf_addc(&raw, '\t');
		escape(&raw, e->rule->name, e->rule->len);
		buf_addc(&raw, '\t');
		escape(&raw, e->key, e->keylen);
		buf_addc(&raw, '\n');
	}
	size_t bound = ZSTD_compressBound(raw.len);
	char *frame = xmalloc(bound);
	/* With a checksum, so that damage is caught rather than read as
	 * other numbers. */
	size_t clen = (size_t)-1;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	if (cctx &&
	    !ZSTD_isError(ZSTD_CCtx_setParameter(
		    cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL)) &&
	    !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag,
						 1)))
		clen = ZSTD_compress2(cctx, frame, bound, raw.s, raw.len);
	ZSTD_freeCCtx(cctx);
	if (ZSTD_isError(clen)) {
		/* Cannot happen with a bound-sized buffer; should it, plain
		 * records lose nothing. Fall back to an uncompressed file. */
		buf_adds(out, HEADER "\n");
	} else {
		buf_printf(out, HEADER ZSTD_TAG "%zu %zu\n", clen, raw.len);
		buf_add(out, frame, clen);
		buf_addc(out, '\n');
	}
	free(frame);
	buf_free(&raw);
}

int history_recompact(struct history *h, struct err *err)
{
	if (!h->path) {
		err_set(err, ".nj_history: recompact before load");
		return -1;
	}
	bool was_open = h->fd >= 0;
	if (was_open) {
		close(h->fd);
		h->fd = -1;
	}
	struct buf tmp = {0}, out = {0};
	buf_printf(&tmp, "%s.tmp", h->path);
	format_compacted(h, &out);
	int rc = 0;
	int fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		rc = -1;
	} else {
		/* fsync before rename: after a power cut the name must not
		 * point at a file whose data never reached the disk. */
		if (write_all(fd, out.s, out.len) < 0 || fsync(fd) < 0) {
			err_set(err, "%s: %s", tmp.s, strerror(errno));
			rc = -1;
		}
		if (close(fd) < 0 && rc == 0) {
			err_set(err, "%s: %s", tmp.s, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && rename(tmp.s, h->path) < 0) {
			err_set(err, "%s: %s", h->path, strerror(errno));
			rc = -1;
		}
		if (rc < 0)
			unlink(tmp.s);
	}
	if (rc == 0) {
		h->records = h->unique = h->edges.len;
		h->needs_recompact = false;
	}
	buf_free(&tmp);
	buf_free(&out);
	if (rc == 0 && was_open)
		rc = open_append(h, err);
	return rc;
}

void history_close(struct history *h)
{
	if (h->fd >= 0)
		close(h->fd);
	clear_state(h);
	free(h->path);
	history_init(h);
}

/* ---- estimates ----------------------------------------------------------------- */

int64_t history_estimate(const struct history *h, const char *key)
{
	const struct history_edge *e = find_edge(h, key);
	return e ? policy_with_history_margin(e->est, e->peaks, e->npeaks) : -1;
}

/* The k-th smallest (0-based) of v[0..n), reordering v: Hoare's
 * selection, expected O(n). */
static int64_t select_kth(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;
	while (lo < hi) {
		int64_t pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		/* [lo, j] <= pivot, [i, hi] >= pivot, between them == pivot */
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			break;
	}
	return v[want];
}

int64_t history_rule_estimate(const struct history *h, const char *rule)
{
	if (!rule)
		return -1;
	/* The rule lives in the arena, not in *h: caching through the const
	 * history is sound, and makes the scheduler's call per edge O(1). */
	struct history_rule *r = hmap_get(&h->rules, rule, strlen(rule));
	if (!r)
		return -1;
	if (r->p90_valid && !policy_percentile_due(r->p90_changes, r->nedges))
		return r->p90;
	int64_t *v = xmalloc(sizeof(*v) * (r->nedges ? r->nedges : 1));
	size_t n = 0;
	for (size_t i = 0; i < r->nedges; i++)
		if (r->edges[i]->est >= 0)
			v[n++] = r->edges[i]->est;
	/* The counter is in the arena too (see above). */
	((struct history *)h)->rule_scans += r->nedges;
	r->p90 = -1;
	if (n) {
		size_t rank = policy_percentile_rank(n);
		r->p90 = policy_with_margin(select_kth(v, n, rank - 1));
	}
	free(v);
	r->p90_valid = true;
	r->p90_changes = 0;
	return r->p90;
}

/* The quickest of an edge's recent rises; -1 if none. */
static int64_t quickest_rise(const struct history_edge *e)
{
	int64_t rise = -1;
	for (int i = 0; i < e->nrises; i++)
		if (rise < 0 || e->rises[i] < rise)
			rise = e->rises[i];
	return rise;
}

int64_t history_rule_rise_pace(const struct history *h, const char *rule)
{
	if (!rule)
		return -1;
	/* Cached through the const history as history_rule_estimate is. */
	struct history_rule *r = hmap_get(&h->rules, rule, strlen(rule));
	if (!r)
		return -1;
	if (r->pace_valid &&
	    !policy_percentile_due(r->pace_changes, r->nedges))
		return r->pace;
	int64_t *v = xmalloc(sizeof(*v) * (r->nedges ? r->nedges : 1));
	size_t n = 0;
	for (size_t i = 0; i < r->nedges; i++) {
		const struct history_edge *e = r->edges[i];
		int64_t rise = quickest_rise(e);
		if (e->est > 0 && rise > 0)
			v[n++] = policy_rise_pace(e->est, rise);
	}
	((struct history *)h)->rule_scans += r->nedges;
	r->pace = n ? select_kth(v, n, (n - 1) / 2) : -1;
	free(v);
	r->pace_valid = true;
	r->pace_changes = 0;
	return r->pace;
}

int64_t history_wall_ms(const struct history *h, const char *key)
{
	const struct history_edge *e = find_edge(h, key);
	if (!e || !e->nwalls)
		return -1;
	int64_t sum = 0;
	for (int i = 0; i < e->nwalls; i++)
		sum += e->walls[i];
	return (sum + e->nwalls / 2) / e->nwalls;
}

int64_t history_cpu_ms(const struct history *h, const char *key)
{
	const struct history_edge *e = find_edge(h, key);
	if (!e || !e->ncpus)
		return -1;
	int64_t sum = 0;
	for (int i = 0; i < e->ncpus; i++)
		sum += e->cpus[i];
	return (sum + e->ncpus / 2) / e->ncpus;
}

int64_t history_rise_ms(const struct history *h, const char *key)
{
	const struct history_edge *e = find_edge(h, key);
	return e ? quickest_rise(e) : -1;
}

int history_recent_peaks(const struct history *h, const char *key,
			 int64_t *peaks, int max)
{
	const struct history_edge *e = find_edge(h, key);
	if (!e)
		return 0;
	int n = e->npeaks < max ? e->npeaks : max;
	for (int i = 0; i < n; i++)
		peaks[i] = e->peaks[i];
	return n > 0 ? n : 0;
}
