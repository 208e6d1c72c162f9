/* .ninja_log: ninja's text build log, read in versions 5-7. Each run
 * appends one line per output; on load later lines win. When the file is
 * mostly stale lines it is rewritten (recompacted). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGNATURE "# ninja log v"
/* ninja's thresholds for recompaction. */
#define MIN_COMPACTION_ENTRIES 100
#define COMPACTION_RATIO 3

int build_log_write_version(int found_version)
{
	if (found_version >= BUILD_LOG_OLDEST_VERSION &&
	    found_version <= BUILD_LOG_NEWEST_VERSION)
		return found_version;
	return BUILD_LOG_NEWEST_VERSION;
}

void build_log_init(struct build_log *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->fd = -1;
}

/* "# ninja log vN\n" at the start of s; returns N, or 0 if absent. */
static int parse_signature(const char *s, size_t len)
{
	size_t n = strlen(SIGNATURE);
	if (len <= n || memcmp(s, SIGNATURE, n) != 0)
		return 0;
	int v = 0;
	size_t i = n;
	for (; i < len && s[i] >= '0' && s[i] <= '9' && v < 1000; i++)
		v = v * 10 + (s[i] - '0');
	return i > n ? v : 0;
}

/* Store one entry in its node. Paths the manifest does not name get a
 * node too: a dyndep file may name them later in this build, and tools and
 * recompaction see them like any other. */
static void put_entry(struct build_log *bl, struct state *st, const char *path,
		      size_t pathlen, int32_t start, int32_t end, int64_t mtime,
		      uint64_t hash)
{
	bl->total_entries++;
	struct node *n = state_node(st, path, pathlen);
	if (!n->has_log)
		bl->unique_entries++;
	n->has_log = true;
	n->log_start_ms = start;
	n->log_end_ms = end;
	n->log_mtime = mtime;
	n->log_hash = hash;
}

/* Parse "start\tend\tmtime\tpath\thash" (no newline). Lines that do not
 * have this shape are skipped, as ninja skips them. */
static void parse_line(struct build_log *bl, struct state *st, char *line,
		       char *end)
{
	char *field[5];
	size_t nf = 0;
	char *p = line;
	/* Four tabs split off the first four fields; the path may hold
	 * spaces but not tabs, and the hash is the rest of the line. */
	while (nf < 4) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		if (!tab)
			return;
		*tab = 0;
		field[nf++] = p;
		p = tab + 1;
	}
	field[4] = p;
	*end = 0;
	char *stop;
	errno = 0;
	long start = strtol(field[0], &stop, 10);
	if (stop == field[0] || *stop)
		return;
	long finish = strtol(field[1], &stop, 10);
	if (stop == field[1] || *stop)
		return;
	long long mtime = strtoll(field[2], &stop, 10);
	if (stop == field[2] || *stop)
		return;
	unsigned long long hash = strtoull(field[4], &stop, 16);
	if (stop == field[4] || *stop || errno)
		return;
	size_t pathlen = strlen(field[3]);
	if (!pathlen)
		return;
	put_entry(bl, st, field[3], pathlen, (int32_t)start, (int32_t)finish,
		  (int64_t)mtime, (uint64_t)hash);
}

int build_log_load(struct build_log *bl, struct state *st, const char *path,
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
	if (len == 0) {
		free(data);
		return 0;
	}
	char *data_end = data + len;
	char *line = memchr(data, '\n', len);
	int version = parse_signature(data, len);
	if (!line && version >= BUILD_LOG_OLDEST_VERSION &&
	    version <= BUILD_LOG_NEWEST_VERSION) {
		/* The header is torn after its version (a crash as the log was
		 * created): nothing is lost. Empty the file; open writes a
		 * header. A header torn before its version is "too old" below,
		 * with ninja's warning. */
		free(data);
		if (truncate(path, 0) < 0) {
			/* harmless: the next load lands here again */
		}
		return 0;
	}
	line = line ? line + 1 : data_end;
	if (version < BUILD_LOG_OLDEST_VERSION ||
	    version > BUILD_LOG_NEWEST_VERSION) {
		/* ninja deletes a log it cannot read: the outputs are rebuilt
		 * anyway, and the next run starts a fresh log. */
		free(data);
		state_warn(st, version < BUILD_LOG_OLDEST_VERSION
				 ? "build log version is too old; starting over"
				 : "build log version is too new; starting over");
		unlink(path);
		return 0;
	}
	bl->version = version;
	bl->hash_version = version;
	build_log_attach(bl, st);
	bl->write_version = build_log_write_version(version);

	while (line < data_end) {
		char *nl = memchr(line, '\n', (size_t)(data_end - line));
		if (!nl)
			break; /* torn last line: a crash mid-write */
		parse_line(bl, st, line, nl);
		line = nl + 1;
	}
	if (line < data_end) {
		/* Cut the torn line off, so the next append starts a line of
		 * its own (open_append also checks, should this fail). */
		if (truncate(path, (off_t)(line - data)) < 0) {
			/* nothing better to do */
		}
	}
	free(data);

	bl->needs_recompact =
		bl->total_entries > MIN_COMPACTION_ENTRIES &&
		bl->total_entries > bl->unique_entries * COMPACTION_RATIO;
	return 0;
}

static void format_line(struct buf *b, int32_t start, int32_t end,
			int64_t mtime, const char *path, size_t pathlen,
			uint64_t hash)
{
	buf_printf(b, "%" PRId32 "\t%" PRId32 "\t%" PRId64 "\t", start, end,
		   mtime);
	buf_add(b, path, pathlen);
	buf_printf(b, "\t%" PRIx64 "\n", hash);
}

/* The version of a log nj did not load (an existing file opened without
 * build_log_load), from its first line. */
static int peek_version(int fd)
{
	char head[32];
	ssize_t r = pread(fd, head, sizeof(head), 0);
	return r > 0 ? parse_signature(head, (size_t)r) : 0;
}

static int open_append(struct build_log *bl, struct state *st,
		       struct err *err)
{
	int fd = open(bl->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		err_set(err, "%s", strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		err_set(err, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (sb.st_size == 0) {
		char head[32];
		int n = snprintf(head, sizeof(head), SIGNATURE "%d\n",
				 bl->write_version);
		if (write_all(fd, head, (size_t)n) < 0) {
			err_set(err, "%s", strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		if (!bl->version) {
			int v = peek_version(fd);
			if (v)
				bl->write_version = build_log_write_version(v);
		}
		/* Never glue a new line onto a torn one. */
		char last;
		if (pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n' &&
		    write_all(fd, "\n", 1) < 0) {
			err_set(err, "%s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	bl->fd = fd;
	bl->hash_version = bl->write_version;
	build_log_attach(bl, st);
	return 0;
}

int build_log_open(struct build_log *bl, struct state *st, const char *path,
		   struct err *err)
{
	log_reopen_at(&bl->fd, &bl->path, path);
	bl->write_version = build_log_write_version(bl->version);
	if (bl->needs_recompact && build_log_recompact(bl, st, err) < 0)
		return -1;
	/* A log that is not there yet is made at the first record, as
	 * ninja's is: a build that runs nothing leaves none. */
	struct stat sb;
	if (stat(path, &sb) < 0 && errno == ENOENT) {
		bl->open_pending = true;
		bl->hash_version = bl->write_version;
		build_log_attach(bl, st);
		return 0;
	}
	return open_append(bl, st, err);
}

/* A command may replace the log while nj holds it open: CMake's
 * regeneration step runs `ninja -t recompact` and `-t restat`, which
 * rename a new file over it. Records written to the old file would be
 * lost, so follow the path (ninja opens its log only at the first record,
 * for the same reason). */
static int reopen_if_replaced(struct build_log *bl, struct state *st,
			      struct err *err)
{
	struct stat fd_sb, path_sb;
	if (bl->fd < 0 || fstat(bl->fd, &fd_sb) < 0)
		return 0;
	if (stat(bl->path, &path_sb) == 0 && path_sb.st_dev == fd_sb.st_dev &&
	    path_sb.st_ino == fd_sb.st_ino)
		return 0;
	close(bl->fd);
	bl->fd = -1;
	return open_append(bl, st, err);
}

int build_log_record(struct build_log *bl, struct state *st, struct edge *e,
		     int32_t start_ms, int32_t end_ms, int64_t mtime,
		     struct err *err)
{
	if (!bl->write_version)
		bl->write_version = build_log_write_version(bl->version);
	if (reopen_if_replaced(bl, st, err) < 0)
		return -1;
	if (bl->fd < 0 && bl->open_pending) {
		if (open_append(bl, st, err) < 0)
			return -1;
		bl->open_pending = false;
	}
	struct buf cmd = {0}, line = {0};
	edge_command(e, true, &cmd);
	/* In a log an older ninja also writes, its hash keeps it from
	 * rebuilding what nj built; nj accepts either. */
	int hash_version = bl->old_hash_seen ? 5 : bl->write_version;
	uint64_t hash = command_hash(buf_cstr(&cmd), cmd.len, hash_version);
	buf_free(&cmd);
	int rc = 0;
	for (size_t i = 0; i < e->noutputs; i++) {
		struct node *n = e->outputs[i];
		if (!n->has_log)
			bl->unique_entries++;
		bl->total_entries++;
		n->has_log = true;
		n->log_hash = hash;
		n->log_start_ms = start_ms;
		n->log_end_ms = end_ms;
		n->log_mtime = mtime;
		if (bl->fd < 0 || rc < 0)
			continue;
		buf_clear(&line);
		format_line(&line, start_ms, end_ms, mtime, n->path, n->pathlen,
			    hash);
		if (write_all(bl->fd, line.s, line.len) < 0) {
			err_set(err, "%s", strerror(errno));
			rc = -1;
		}
	}
	buf_free(&line);
	bl->hash_version = bl->write_version;
	return rc;
}

/* ninja's IsPathDead: keep an entry while an edge builds the path or the
 * file exists (generators may want to see it). */
static bool path_dead(struct node *n, const char *path)
{
	if (n && n->in_edge)
		return false;
	struct stat sb;
	if (stat(path, &sb) == 0)
		return false;
	/* Only a clear "not there" makes it dead; other errors keep it. */
	return errno == ENOENT || errno == ENOTDIR;
}

/* Write buffered lines out in large chunks. */
static int flush_chunk(int fd, struct buf *b, bool force)
{
	if (!force && b->len < (1u << 16))
		return 0;
	int rc = write_all(fd, b->s, b->len);
	buf_clear(b);
	return rc;
}

/* Rewrite the log with one line per entry, dropping dead ones when asked. */
static int rewrite(struct build_log *bl, struct state *st, bool drop_dead,
		   struct err *err)
{
	if (!bl->path) {
		err_set(err, "build log: recompact before open");
		return -1;
	}
	bool was_open = bl->fd >= 0;
	if (was_open) {
		close(bl->fd);
		bl->fd = -1;
	}
	if (!bl->write_version)
		bl->write_version = build_log_write_version(bl->version);

	struct buf tmp = {0}, out = {0};
	buf_printf(&tmp, "%s.recompact", bl->path);
	int fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	buf_printf(&out, SIGNATURE "%d\n", bl->write_version);
	size_t kept = 0;
	int rc = 0;
	for (size_t i = 0; i < st->nnodes && rc == 0; i++) {
		struct node *n = st->nodes[i];
		if (!n->has_log)
			continue;
		if (drop_dead && path_dead(n, n->path)) {
			n->has_log = false;
			continue;
		}
		format_line(&out, n->log_start_ms, n->log_end_ms, n->log_mtime,
			    n->path, n->pathlen, n->log_hash);
		kept++;
		rc = flush_chunk(fd, &out, false);
	}
	if (rc == 0)
		rc = flush_chunk(fd, &out, true);
	if (rc < 0)
		err_set(err, "%s: %s", tmp.s, strerror(errno));
	if (close(fd) < 0 && rc == 0) {
		err_set(err, "%s: %s", tmp.s, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp.s, bl->path) < 0) {
		err_set(err, "%s: %s", bl->path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(tmp.s);
	} else {
		bl->total_entries = bl->unique_entries = kept;
		bl->needs_recompact = false;
		bl->version = bl->write_version;
	}
	buf_free(&tmp);
	buf_free(&out);
	if (rc == 0 && was_open)
		rc = open_append(bl, st, err);
	return rc;
}

int build_log_recompact(struct build_log *bl, struct state *st,
			struct err *err)
{
	return rewrite(bl, st, true, err);
}

int build_log_restat(struct build_log *bl, struct state *st,
		     char **outputs, int n, struct err *err)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		struct node *node = st->nodes[i];
		if (!node->has_log)
			continue;
		bool wanted = n == 0;
		for (int j = 0; j < n && !wanted; j++)
			wanted = strcmp(outputs[j], node->path) == 0;
		if (!wanted)
			continue;
		int64_t t = path_mtime(node->path, err);
		if (t < 0)
			return -1;
		node->log_mtime = t;
	}
	return rewrite(bl, st, false, err);
}

void build_log_close(struct build_log *bl)
{
	if (bl->fd >= 0)
		close(bl->fd);
	free(bl->path);
	build_log_init(bl);
}
