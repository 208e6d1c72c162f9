/* The jobserver in the build loop: -j counts nj's jobs and the tokens its
 * sub-builds hold together; as a client, each job beyond the first waits
 * for a token from nj's parent. */
#include "scheduler.h"

#include <stdio.h>
#include <stdlib.h>

/* How often to look whether a sub-build took its waiting token. */
#define JS_LOOK_MS 50

void builder_tokens_init(struct builder *b)
{
	b->js_watch.fd = -1;
	/* nj's parent's jobserver, claimed by main before anything else was
	 * opened; its tokens replace -j, and nj's commands share it through
	 * the MAKEFLAGS they inherit unchanged. */
	b->jc = b->cfg.client && b->cfg.client->active ? b->cfg.client : NULL;
	if (b->jc || b->cfg.dry_run)
		return;
	if (b->cfg.jobserver == JS_OFF || b->cfg.parallelism <= 1 ||
	    b->cfg.parallelism == INT32_MAX)
		return;
	struct err err = {0};
	if (js_server_init(&b->js, b->cfg.jobserver, b->cfg.parallelism,
			   &err) < 0) {
		if (b->status->error)
			b->status->error(b->status, err.msg);
		err_clear(&err);
		return;
	}
	b->js_on = true;
}

void builder_tokens_free(struct builder *b)
{
	/* The client's tokens go back at the end of each build: the next
	 * (after a manifest rebuild) takes its own. */
	if (b->jc)
		while (b->jc->held > 0)
			js_client_release(b->jc);
	if (b->js_on)
		js_server_free(&b->js);
	b->js_on = false;
}

/* Tokens out with sub-builds, held or waiting to be taken. */
static int tokens_out(struct builder *b)
{
	int n = 0;
	for (size_t i = 0; i < b->njobs; i++) {
		struct js_slot *s = b->jobs[i]->js;
		if (s)
			n += js_slot_out(s);
	}
	return n;
}

bool tokens_can_run_more(struct builder *b)
{
	b->js_want_token = false;
	if (b->jc)
		return true; /* tokens_take decides, once an edge is chosen */
	if (!b->js_on)
		return true;
	if ((int)b->njobs + tokens_out(b) < b->cfg.parallelism)
		return true;
	/* A token no sub-build has taken yet is nj's to take back. */
	for (size_t i = 0; i < b->njobs; i++) {
		struct js_slot *s = b->jobs[i]->js;
		if (s && js_slot_reclaim(s))
			return true;
	}
	return false;
}

bool tokens_take(struct builder *b)
{
	if (!b->jc || b->njobs == 0 || b->jc->held >= (int)b->njobs)
		return true; /* the first runs on nj's own implicit token */
	if (js_client_acquire(b->jc))
		return true;
	b->js_want_token = true;
	return false;
}

struct js_slot *tokens_job_slot(struct builder *b, struct err *err)
{
	if (!b->js_on)
		return NULL;
	struct js_slot *s = xmalloc(sizeof(*s));
	if (js_slot_open(&b->js, s, err) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void tokens_job_ended(struct builder *b, struct job *j)
{
	if (j->js) {
		/* Every token it held is simply gone with its pipe: -j counts
		 * only the slots of running jobs. */
		js_slot_close(&b->js, j->js);
		free(j->js);
		j->js = NULL;
	}
	if (b->jc) {
		int need = b->njobs > 0 ? (int)b->njobs - 1 : 0;
		while (b->jc->held > need)
			js_client_release(b->jc);
	}
}

void tokens_offer(struct builder *b)
{
	if (!b->js_on)
		return;
	/* No token while memory says no: a sub-build's job is a job too. */
	if (!policy_token_allowed(&b->mem))
		return;
	int used = (int)b->njobs + tokens_out(b);
	for (size_t i = 0; i < b->njobs && used < b->cfg.parallelism; i++) {
		struct js_slot *s = b->jobs[i]->js;
		if (s && js_slot_topup(s))
			used++;
	}
	if (used < b->cfg.parallelism)
		return;
	/* At -j, a token left waiting by a job that holds none (most likely
	 * not a sub-build at all) moves to a sub-build that took all it was
	 * given: otherwise it could wait there, unused, for the whole job.
	 * Looked at every JS_LOOK_MS, not at every wake: the pipes are asked
	 * per look, not per job. */
	int64_t now = exec_now_ms();
	if (now - b->js_looked_ms < JS_LOOK_MS)
		return;
	b->js_looked_ms = now;
	for (size_t i = 0; i < b->njobs; i++) {
		struct js_slot *h = b->jobs[i]->js;
		if (!h || js_slot_waiting(h) || js_slot_held(h) == 0)
			continue;
		for (size_t k = 0; k < b->njobs; k++) {
			struct js_slot *s = b->jobs[k]->js;
			if (s && s != h && js_slot_waiting(s) &&
			    js_slot_held(s) == 0 && js_slot_reclaim(s)) {
				js_slot_topup(h);
				break;
			}
		}
	}
}

int tokens_wait_timeout(struct builder *b)
{
	b->js_watch.fd = -1;
	if (b->jc && b->js_want_token) {
		b->js_watch.fd = b->jc->r;
		b->js_watch.events = POLLIN;
		return -1;
	}
	if (!b->js_on)
		return -1;
	/* Until the next look, while a slot may hold a token a sub-build
	 * could take (asked at the look itself, not here). */
	for (size_t i = 0; i < b->njobs; i++) {
		struct js_slot *s = b->jobs[i]->js;
		if (s && s->given > 0) {
			int64_t left = b->js_looked_ms + JS_LOOK_MS - exec_now_ms();
			return left > 0 ? (int)left : JS_LOOK_MS;
		}
	}
	return -1;
}
