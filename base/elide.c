/* Eliding the middle of a line to fit a terminal, as ninja's current
 * ElideMiddleInPlace: colour sequences take no columns, and none is cut. */
#include "base.h"

#include <string.h>

/* The next colour sequence ("\x1b[" digits and ';' then 'm') at or after
 * `from`, as [*start, *end). ninja's rules, so both keep the same columns:
 * a sequence cut off by the end ends the search, and another escape is
 * looked past. */
static bool next_colour(const char *s, size_t n, size_t from, size_t *start,
			size_t *end)
{
	for (;;) {
		const char *p = from < n ? memchr(s + from, '\x1b', n - from) : NULL;
		if (!p)
			return false;
		size_t i = (size_t)(p - s);
		if (i + 4 > n)
			return false;
		if (s[i + 1] != '[') {
			from = i + 1;
			continue;
		}
		size_t j = i + 2;
		while ((s[j] >= '0' && s[j] <= '9') || s[j] == ';')
			if (++j == n)
				return false;
		if (s[j] != 'm') {
			from = i + 3;
			continue;
		}
		*start = i;
		*end = j + 1;
		return true;
	}
}

/* Walks the bytes of a line with their column, and whether each is seen. */
struct columns {
	const char *s;
	size_t n, i, col;
	size_t start, end; /* the current colour sequence; end 0: none */
};

static void columns_init(struct columns *c, const char *s, size_t n)
{
	*c = (struct columns){.s = s, .n = n};
	if (!next_colour(s, n, 0, &c->start, &c->end))
		c->start = c->end = 0;
}

static bool columns_seen(const struct columns *c)
{
	return !(c->end && c->i >= c->start && c->i < c->end);
}

static void columns_next(struct columns *c)
{
	c->col += columns_seen(c);
	if (++c->i == c->end &&
	    !next_colour(c->s, c->n, c->end, &c->start, &c->end))
		c->start = c->end = 0;
}

void buf_elide_middle(struct buf *b, size_t width)
{
	if (b->len <= width)
		return;
	if (!memchr(b->s, '\x1b', b->len)) {
		size_t dots = width < 3 ? width : 3;
		size_t left = (width - dots) / 2, right = width - dots - left;
		memmove(b->s + left + dots, b->s + b->len - right, right);
		memcpy(b->s + left, "...", dots);
		b->len = width;
		b->s[width] = '\0';
		return;
	}
	size_t visible = b->len, st, en;
	for (size_t from = 0; next_colour(b->s, b->len, from, &st, &en); from = en)
		visible -= en - st;
	if (visible <= width)
		return;
	size_t dots = width < 3 ? width : 3;
	size_t left = (width - dots) / 2, right = width - dots - left;
	size_t gap_start = left, gap_end = visible - right;
	struct buf r = {0};
	struct columns c;
	columns_init(&c, b->s, b->len);
	while (c.i < c.n && c.col != gap_start)
		columns_next(&c);
	buf_add(&r, b->s, c.i);
	buf_add(&r, "...", dots);
	/* The colours set inside the cut still colour what follows it. */
	for (; c.i < c.n && c.col != gap_end; columns_next(&c))
		if (!columns_seen(&c))
			buf_addc(&r, b->s[c.i]);
	buf_add(&r, b->s + c.i, c.n - c.i);
	buf_free(b);
	*b = r;
}
