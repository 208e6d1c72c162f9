/* Depfiles read into .ninja_deps are deleted a while later, not at once.
 *
 * ninja deletes a depfile as soon as it has read it. On the 10k-edge tree
 * 65% of nj's own CPU in a full build went to that unlink spinning on the
 * directory's lock, held by the jobs creating their files beside it (ext4
 * also scans past recently deleted inodes while holding it); with the
 * depfiles kept, both tools' CPU halved, and deleting them all afterwards
 * took 0.18 s. So a read depfile joins a queue, and is deleted when
 * DEPFILES_BACKLOG newer ones have joined (by then its target's jobs are
 * long done and its directory quiet), or when the build ends.
 *
 * A depfile path two edges share (a fixed `depfile = deps.d` in a pool of
 * depth 1) is deleted before the second edge starts, as ninja would have:
 * a deletion from the queue must never take a file a later job wrote. */
#include "scheduler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct doomed {
	char *path;
	uint64_t hash;
};

static uint64_t hash_of(const char *path)
{
	return murmur64a(path, strlen(path), 0);
}

/* Delete one; the first failure is kept for the end of the build, where
 * it fails the build as ninja fails the edge. */
static void delete_one(struct builder *b, char *path)
{
	if (!path)
		return; /* claimed: deleted before its edge started */
	if (unlink(path) < 0 && errno != ENOENT && !b->depfile_err.msg)
		err_set(&b->depfile_err, "deleting depfile '%s': %s", path,
			strerror(errno));
	free(path);
}

void depfile_doom(struct builder *b, const char *path)
{
	if (!b->doomed)
		b->doomed = xmalloc(DEPFILES_BACKLOG * sizeof(*b->doomed));
	size_t cap = DEPFILES_BACKLOG;
	if (b->ndoomed == cap) {
		delete_one(b, b->doomed[b->doomed_head].path);
		b->doomed_head = (b->doomed_head + 1) % cap;
		b->ndoomed--;
	}
	size_t at = (b->doomed_head + b->ndoomed) % cap;
	b->doomed[at] = (struct doomed){xstrdup(path), hash_of(path)};
	b->ndoomed++;
}

void depfile_claim(struct builder *b, const char *path)
{
	if (!b->ndoomed)
		return;
	uint64_t h = hash_of(path);
	size_t cap = DEPFILES_BACKLOG;
	for (size_t k = 0; k < b->ndoomed; k++) {
		struct doomed *d = &b->doomed[(b->doomed_head + k) % cap];
		if (d->hash != h || !d->path || strcmp(d->path, path) != 0)
			continue;
		/* Deleted now; its slot keeps an empty path. */
		delete_one(b, d->path);
		d->path = NULL;
		d->hash = 0;
	}
}

int depfiles_flush(struct builder *b, struct err *err)
{
	size_t cap = DEPFILES_BACKLOG;
	for (size_t k = 0; k < b->ndoomed; k++)
		delete_one(b, b->doomed[(b->doomed_head + k) % cap].path);
	b->ndoomed = b->doomed_head = 0;
	if (!b->depfile_err.msg)
		return 0;
	err_set(err, "%s", b->depfile_err.msg);
	err_clear(&b->depfile_err);
	return -1;
}

void depfiles_free(struct builder *b)
{
	struct err ignored = {0};
	depfiles_flush(b, &ignored);
	err_clear(&ignored);
	free(b->doomed);
	b->doomed = NULL;
}
