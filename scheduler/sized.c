/* Input sizes as memory evidence within a build (policy_sized_*): which
 * rules have large jobs, the bytes of their edges' explicit inputs, and
 * what their finished runs took per byte of input. Only rules with a
 * large job are looked at, so a build of small compiles stats nothing. */
#include "scheduler.h"

#include <stdlib.h>
#include <sys/stat.h>

struct sized_rule {
	const struct rule *rule;
	struct mem_sized s;
};

static struct mem_sized *sized_of(const struct builder *b,
				  const struct rule *r)
{
	for (size_t i = 0; i < b->nsized; i++)
		if (b->sized[i].rule == r)
			return &b->sized[i].s;
	return NULL;
}

void sized_note_large(struct builder *b, const struct edge *e, int64_t now)
{
	if (!policy_packs(&b->mem, now) || sized_of(b, e->rule))
		return;
	xgrow((void **)&b->sized, &b->sized_cap, b->nsized + 1,
	      sizeof(*b->sized));
	b->sized[b->nsized++] = (struct sized_rule){.rule = e->rule};
}

/* The bytes of e's explicit inputs, stat'ed once (a missing one counts
 * nothing). Asked only once e's inputs are built: when it is ready. */
static int64_t in_bytes(struct builder *b, struct edge *e)
{
	struct sched_edge *s = sched(b, e);
	if (s->mem_in_bytes >= 0)
		return s->mem_in_bytes;
	int64_t sum = 0;
	struct stat sb;
	for (size_t i = 0; i < edge_explicit_ins(e); i++)
		if (stat(e->inputs[i]->path, &sb) == 0 && S_ISREG(sb.st_mode))
			sum += sb.st_size;
	s->mem_in_bytes = sum;
	return sum;
}

void sized_record(struct builder *b, struct edge *e, int64_t peak)
{
	struct mem_sized *s = sized_of(b, e->rule);
	if (s)
		policy_sized_add(s, peak, in_bytes(b, e));
}

int64_t sized_estimate(struct builder *b, struct edge *e)
{
	const struct mem_sized *s = sized_of(b, e->rule);
	if (!s || !policy_sized_known(s))
		return -1;
	return policy_sized_estimate(s, in_bytes(b, e));
}

int64_t sized_sibling_peak(struct builder *b, struct edge *e)
{
	const struct mem_sized *s = sized_of(b, e->rule);
	bool known = s && policy_sized_known(s);
	int64_t peak = -1;
	for (size_t i = 0; i < b->njobs; i++) {
		const struct job *j = b->jobs[i];
		struct edge *o = j->user;
		if (o->rule != e->rule || o == e)
			continue;
		int64_t ev = j->mem_peak;
		int64_t scaled = s ? policy_sized_sibling(j->mem_peak,
							 in_bytes(b, o),
							 in_bytes(b, e))
				   : -1;
		if (scaled >= 0 && (known || scaled > ev))
			ev = scaled;
		if (ev > peak)
			peak = ev;
	}
	return peak;
}

void sized_free(struct builder *b)
{
	free(b->sized);
	b->sized = NULL;
	b->nsized = b->sized_cap = 0;
}
