/* Stat ahead: while the main thread scans the graph, worker threads stat
 * the nodes it will ask about, so a no-op build of 100k edges waits for the
 * kernel's 240k stat calls on more than one core.
 *
 * Each node's stat_state says who owns its mtime during a scan:
 *   STAT_NONE    nobody has touched it since the last reset
 *   STAT_CLAIMED a worker is stat'ing it
 *   STAT_AHEAD   a worker stored its mtime; the scan has not used it yet
 *   STAT_MAIN    the main thread owns it (used the stored mtime, or stats
 *                it itself); workers never touch it again
 * A worker moves NONE -> CLAIMED -> AHEAD (or back to NONE when stat failed,
 * so the scan reports the error itself). The main thread takes a node with
 * stat_claim_for_main() before it reads or writes the node's mtime. When the
 * workers stop, mtimes stored but never used are dropped (back to NONE and
 * MTIME_UNKNOWN), since the build that follows may change those files.
 * The states are read and written with the __atomic builtins of GCC and
 * clang: graph.h is also compiled as C++ by the unit tests, where C11's
 * _Atomic is not available. */
#include "graph.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { STAT_NONE, STAT_CLAIMED, STAT_AHEAD, STAT_MAIN };
/* Below this many nodes a scan is over before a thread has started. */
#define STAT_AHEAD_MIN_NODES 4096
#define STAT_AHEAD_CHUNK 256
#define STAT_AHEAD_MAX_THREADS 3

struct stat_ahead {
	struct node **nodes; /* a snapshot: the scan may add nodes */
	size_t n;
	size_t next;  /* next chunk's first index (atomic) */
	bool stop;    /* atomic */
	pthread_t threads[STAT_AHEAD_MAX_THREADS];
	int nthreads;
};

static void *worker(void *arg)
{
	struct stat_ahead *sa = arg;
	for (;;) {
		if (__atomic_load_n(&sa->stop, __ATOMIC_RELAXED))
			break;
		size_t i = __atomic_fetch_add(&sa->next, STAT_AHEAD_CHUNK,
					      __ATOMIC_RELAXED);
		if (i >= sa->n)
			break;
		size_t end = i + STAT_AHEAD_CHUNK < sa->n ? i + STAT_AHEAD_CHUNK
							  : sa->n;
		for (; i < end; i++) {
			struct node *n = sa->nodes[i];
			unsigned char none = STAT_NONE;
			if (!__atomic_compare_exchange_n(
				    &n->stat_state, &none, STAT_CLAIMED, false,
				    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				continue;
			struct err err = {0};
			int64_t t = path_mtime(n->path, &err);
			if (t < 0) {
				err_clear(&err);
				__atomic_store_n(&n->stat_state, STAT_NONE,
						 __ATOMIC_RELEASE);
				continue;
			}
			n->mtime = t;
			__atomic_store_n(&n->stat_state, STAT_AHEAD,
					 __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

struct stat_ahead *stat_ahead_start(struct state *st)
{
	if (st->nnodes < STAT_AHEAD_MIN_NODES)
		return NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int want = cpus > 1 ? (int)cpus - 1 : 1;
	if (want > STAT_AHEAD_MAX_THREADS)
		want = STAT_AHEAD_MAX_THREADS;
	struct stat_ahead *sa = xcalloc(1, sizeof(*sa));
	sa->n = st->nnodes;
	sa->nodes = xmalloc(sa->n * sizeof(*sa->nodes));
	memcpy(sa->nodes, st->nodes, sa->n * sizeof(*sa->nodes));
	for (int i = 0; i < want; i++) {
		if (pthread_create(&sa->threads[sa->nthreads], NULL, worker, sa))
			break; /* fewer helpers; the scan stats the rest */
		sa->nthreads++;
	}
	return sa;
}

void stat_ahead_stop(struct stat_ahead *sa)
{
	if (!sa)
		return;
	__atomic_store_n(&sa->stop, true, __ATOMIC_RELAXED);
	for (int i = 0; i < sa->nthreads; i++)
		pthread_join(sa->threads[i], NULL);
	for (size_t i = 0; i < sa->n; i++) {
		struct node *n = sa->nodes[i];
		if (n->stat_state == STAT_AHEAD) {
			n->stat_state = STAT_NONE;
			n->mtime = MTIME_UNKNOWN;
		}
	}
	free(sa->nodes);
	free(sa);
}

bool stat_claim_for_main(struct node *n)
{
	for (;;) {
		unsigned char s = __atomic_load_n(&n->stat_state,
						  __ATOMIC_ACQUIRE);
		if (s == STAT_MAIN)
			return false;
		if (s == STAT_AHEAD) {
			n->stat_state = STAT_MAIN; /* no worker touches AHEAD */
			n->exists_known = true;
			return true;
		}
		if (s == STAT_CLAIMED) {
			sched_yield(); /* one stat call away */
			continue;
		}
		if (__atomic_compare_exchange_n(&n->stat_state, &s, STAT_MAIN,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return false;
	}
}
