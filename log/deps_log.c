/* .ninja_deps: ninja's binary deps log, version 4, byte for byte. Records
 * are appended with one write(2) each; on load, the first record that is
 * torn or does not make sense ends the log and is cut off the file. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char signature[] = "# ninjadeps\n";
#define SIGNATURE_LEN (sizeof(signature) - 1)
#define HEADER_LEN (SIGNATURE_LEN + 4)
#define DEPS_BIT 0x80000000u
/* ninja's thresholds for recompaction. */
#define MIN_COMPACTION_RECORDS 1000
#define COMPACTION_RATIO 3

void deps_log_init(struct deps_log *dl)
{
	memset(dl, 0, sizeof(*dl));
	dl->fd = -1;
}

/* Words are in native byte order, as ninja writes them. */
static uint32_t get32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void put32(struct buf *b, uint32_t v)
{
	buf_add(b, (const char *)&v, 4);
}

static void add_id(struct deps_log *dl, struct node *n)
{
	xgrow((void **)&dl->by_id, &dl->ids_cap, dl->nids + 1,
	      sizeof(*dl->by_id));
	n->id = (int32_t)dl->nids;
	dl->by_id[dl->nids++] = n;
}

/* Parse one record's body. Returns false when it is invalid: the log ends
 * before it. */
static bool load_record(struct deps_log *dl, struct state *st, const char *p,
			uint32_t size, bool is_deps)
{
	if (is_deps) {
		if (size % 4 || size < 12)
			return false;
		int32_t out_id = (int32_t)get32(p);
		if (out_id < 0 || (size_t)out_id >= dl->nids)
			return false;
		int n = (int)(size / 4 - 3);
		for (int i = 0; i < n; i++) {
			int32_t id = (int32_t)get32(p + 12 + 4 * i);
			if (id < 0 || (size_t)id >= dl->nids)
				return false;
		}
		struct deps_record *d = arena_alloc(&st->arena, sizeof(*d));
		d->mtime = (int64_t)((uint64_t)get32(p + 8) << 32 | get32(p + 4));
		d->n = n;
		d->nodes = arena_alloc(&st->arena, sizeof(*d->nodes) * (size_t)n);
		for (int i = 0; i < n; i++)
			d->nodes[i] = dl->by_id[get32(p + 12 + 4 * i)];
		struct node *out = dl->by_id[out_id];
		if (!out->deps)
			dl->unique_records++;
		dl->total_records++;
		out->deps = d;
		return true;
	}
	if (size <= 4)
		return false;
	size_t len = size - 4;
	/* Up to three NULs of padding. */
	for (int i = 0; i < 3 && len > 0 && p[len - 1] == 0; i++)
		len--;
	if (len == 0)
		return false;
	/* The checksum catches two processes appending at once. */
	uint32_t checksum = get32(p + size - 4);
	if (~checksum != (uint32_t)dl->nids)
		return false;
	struct node *n = state_node(st, p, len);
	if (n->id >= 0)
		return false;
	add_id(dl, n);
	return true;
}

int deps_log_load(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err)
{
	char *data;
	size_t len;
	char *warning;
	int found = log_read(path, &data, &len, &warning, err);
	if (warning) {
		state_warn(st, "%s", warning);
		free(warning);
	}
	if (found <= 0)
		return found;
	int32_t version = 0;
	if (len >= HEADER_LEN)
		memcpy(&version, data + SIGNATURE_LEN, 4);
	if (len < HEADER_LEN || memcmp(data, signature, SIGNATURE_LEN) != 0 ||
	    version != DEPS_LOG_VERSION) {
		/* ninja starts over: the outputs get rebuilt anyway. */
		free(data);
		state_warn(st, version == 1
				 ? "deps log version change; rebuilding"
				 : "bad deps log signature or version; starting over");
		unlink(path);
		return 0;
	}

	size_t off = HEADER_LEN;
	bool bad = false;
	while (off < len) {
		if (len - off < 4) {
			bad = true;
			break;
		}
		uint32_t size = get32(data + off);
		bool is_deps = size & DEPS_BIT;
		size &= ~DEPS_BIT;
		if (size > DEPS_LOG_MAX_RECORD || len - off - 4 < size ||
		    !load_record(dl, st, data + off + 4, size, is_deps)) {
			bad = true;
			break;
		}
		off += 4 + size;
	}
	free(data);

	if (bad) {
		/* Keep what was read; cut the rest so appends follow a good
		 * record. */
		if (truncate(path, (off_t)off) < 0) {
			err_set(err, "loading deps log %s: premature end of file; "
				     "truncating: %s",
				path, strerror(errno));
			return -1;
		}
		state_warn(st, "premature end of file; recovering");
	}

	dl->needs_recompact =
		dl->total_records > MIN_COMPACTION_RECORDS &&
		dl->total_records > dl->unique_records * COMPACTION_RATIO;
	return 0;
}

static int open_append(struct deps_log *dl, const char *path, struct err *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		err_set(err, "opening deps log: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (sb.st_size == 0) {
		char head[HEADER_LEN];
		int32_t v = DEPS_LOG_VERSION;
		memcpy(head, signature, SIGNATURE_LEN);
		memcpy(head + SIGNATURE_LEN, &v, 4);
		if (write_all(fd, head, sizeof(head)) < 0) {
			err_set(err, "writing deps log: %s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	dl->fd = fd;
	return 0;
}

int deps_log_open(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err)
{
	log_reopen_at(&dl->fd, &dl->path, path);
	if (dl->needs_recompact && deps_log_recompact(dl, st, err) < 0)
		return -1;
	dl->open_pending = true;
	return 0;
}

/* Before a write: open the file if deps_log_open deferred it. */
static int open_if_pending(struct deps_log *dl, struct err *err)
{
	if (dl->fd >= 0 || !dl->open_pending)
		return 0;
	if (open_append(dl, dl->path, err) < 0)
		return -1;
	dl->open_pending = false;
	return 0;
}

/* Give n an id, writing its path record. */
static int record_id(struct deps_log *dl, struct node *n, struct err *err)
{
	size_t pad = (4 - n->pathlen % 4) % 4;
	size_t size = n->pathlen + pad + 4;
	if (n->pathlen == 0 || size > DEPS_LOG_MAX_RECORD) {
		err_set(err, "deps log: cannot record path '%s'", n->path);
		return -1;
	}
	if (open_if_pending(dl, err) < 0)
		return -1;
	if (dl->fd >= 0) {
		struct buf b = {0};
		put32(&b, (uint32_t)size);
		buf_add(&b, n->path, n->pathlen);
		buf_add(&b, "\0\0\0", pad);
		put32(&b, ~(uint32_t)dl->nids);
		int rc = write_all(dl->fd, b.s, b.len);
		buf_free(&b);
		if (rc < 0) {
			err_set(err, "writing deps log: %s", strerror(errno));
			return -1;
		}
	}
	add_id(dl, n);
	return 0;
}

/* Write a deps record (ids already assigned). */
static int write_deps(struct deps_log *dl, struct node *out, int64_t mtime,
		      struct node **nodes, int n, struct err *err)
{
	size_t size = 4 * (3 + (size_t)n);
	if (size > DEPS_LOG_MAX_RECORD) {
		err_set(err, "deps log: too many dependencies for '%s'",
			out->path);
		return -1;
	}
	if (open_if_pending(dl, err) < 0)
		return -1;
	if (dl->fd < 0)
		return 0;
	struct buf b = {0};
	put32(&b, (uint32_t)size | DEPS_BIT);
	put32(&b, (uint32_t)out->id);
	put32(&b, (uint32_t)((uint64_t)mtime & 0xffffffffu));
	put32(&b, (uint32_t)((uint64_t)mtime >> 32));
	for (int i = 0; i < n; i++)
		put32(&b, (uint32_t)nodes[i]->id);
	int rc = write_all(dl->fd, b.s, b.len);
	buf_free(&b);
	if (rc < 0)
		err_set(err, "writing deps log: %s", strerror(errno));
	return rc;
}

int deps_log_record(struct deps_log *dl, struct state *st, struct node *out,
		    int64_t mtime, struct node **nodes, int n, struct err *err)
{
	bool changed = false;
	if (out->id < 0) {
		if (record_id(dl, out, err) < 0)
			return -1;
		changed = true;
	}
	for (int i = 0; i < n; i++) {
		if (nodes[i]->id < 0) {
			if (record_id(dl, nodes[i], err) < 0)
				return -1;
			changed = true;
		}
	}
	struct deps_record *old = out->deps;
	if (!changed) {
		changed = !old || old->mtime != mtime || old->n != n;
		for (int i = 0; !changed && i < n; i++)
			changed = old->nodes[i] != nodes[i];
	}
	if (!changed)
		return 0;
	if (write_deps(dl, out, mtime, nodes, n, err) < 0)
		return -1;
	if (!old)
		dl->unique_records++;
	dl->total_records++;
	struct deps_record *d = arena_alloc(&st->arena, sizeof(*d));
	d->mtime = mtime;
	d->n = n;
	d->nodes = arena_alloc(&st->arena, sizeof(*d->nodes) * (size_t)n);
	if (n)
		memcpy(d->nodes, nodes, sizeof(*d->nodes) * (size_t)n);
	out->deps = d;
	return 0;
}

/* ninja's IsDepsEntryLiveFor: outputs no longer built by an edge with
 * deps = ... are dropped. */
static bool deps_live(const struct node *n)
{
	if (!n->in_edge)
		return false;
	struct buf b = {0};
	edge_binding(n->in_edge, "deps", &b);
	bool live = b.len > 0;
	buf_free(&b);
	return live;
}

int deps_log_recompact(struct deps_log *dl, struct state *st,
		       struct err *err)
{
	if (!dl->path) {
		err_set(err, "deps log: recompact before open");
		return -1;
	}
	(void)st; /* the nodes are reached through their old ids */
	bool was_open = dl->fd >= 0;
	if (was_open) {
		close(dl->fd);
		dl->fd = -1;
	}
	struct buf tmp = {0};
	buf_printf(&tmp, "%s.recompact", dl->path);
	unlink(tmp.s); /* a leftover of a crashed recompaction */

	struct deps_log nl;
	deps_log_init(&nl);
	int rc = open_append(&nl, tmp.s, err);
	/* Old ids are meaningless in the new file: every node gets a new one
	 * as it is written. Remember the old order to walk it. */
	struct node **old = dl->by_id;
	size_t nold = dl->nids;
	for (size_t i = 0; i < nold; i++)
		old[i]->id = -1;
	for (size_t i = 0; i < nold && rc == 0; i++) {
		struct node *out = old[i];
		struct deps_record *d = out->deps;
		if (!d)
			continue;
		if (!deps_live(out)) {
			out->deps = NULL;
			continue;
		}
		if (out->id < 0)
			rc = record_id(&nl, out, err);
		for (int j = 0; j < d->n && rc == 0; j++)
			if (d->nodes[j]->id < 0)
				rc = record_id(&nl, d->nodes[j], err);
		if (rc == 0)
			rc = write_deps(&nl, out, d->mtime, d->nodes, d->n, err);
		nl.total_records++;
	}
	if (nl.fd >= 0 && close(nl.fd) < 0 && rc == 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp.s, dl->path) < 0) {
		err_set(err, "%s: %s", dl->path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		/* The old file is untouched: give the nodes their old ids
		 * back so it can still be appended to. */
		for (size_t i = 0; i < nold; i++)
			old[i]->id = (int32_t)i;
		unlink(tmp.s);
		free(nl.by_id);
		buf_free(&tmp);
		return -1;
	}
	free(dl->by_id);
	dl->by_id = nl.by_id;
	dl->nids = nl.nids;
	dl->ids_cap = nl.ids_cap;
	dl->total_records = dl->unique_records = nl.total_records;
	dl->needs_recompact = false;
	buf_free(&tmp);
	if (was_open)
		return open_append(dl, dl->path, err);
	return 0;
}

void deps_log_close(struct deps_log *dl)
{
	if (dl->fd >= 0)
		close(dl->fd);
	free(dl->path);
	free(dl->by_id);
	deps_log_init(dl);
}
