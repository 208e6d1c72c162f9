/* log: the files nj keeps in the build directory. .ninja_log (ninja's text
 * build log, versions 5-7) and .ninja_deps (ninja's binary deps log,
 * version 4). Both are loaded into the graph's nodes and appended to as
 * edges finish; a torn last record is dropped on load, never fatal. */
#ifndef NJ_LOG_H
#define NJ_LOG_H

#include "../graph/graph.h"

/* ---- .ninja_log ----------------------------------------------------------
 * Line format (after the "# ninja log vN" header):
 *   start_ms \t end_ms \t mtime \t output_path \t command_hash_hex
 * Entries for paths the manifest does not know are kept (ninja keeps them
 * while the file exists) so recompaction and tools see them. */
struct build_log {
	FILE *f; /* open for append once log_open_write succeeded */
	char *path;
	int version;        /* of the file as loaded; 0 if none */
	int write_version;  /* version new lines are written in */
	size_t total_entries, unique_entries;
	/* Entries whose path is not a node of the state. */
	struct unknown_entry *unknown;
	size_t nunknown, unknown_cap;
	bool needs_recompact;
};

/* Load path into the nodes of st (creating none). A missing file is fine.
 * Sets st->log_version. Warnings (e.g. a bad line) are printed, not fatal. */
int build_log_load(struct build_log *bl, struct state *st, const char *path,
		   struct err *err);
/* Open for appending; recompacts first when the file has grown with
 * duplicate entries (ninja's rule). dead(path) says an unknown entry may be
 * dropped; NULL keeps them all. */
int build_log_open(struct build_log *bl, struct state *st, const char *path,
		   struct err *err);
/* Record a finished edge: one line per output, fields also stored in the
 * output nodes. mtime is the output's mtime after the run (restat). */
int build_log_record(struct build_log *bl, struct state *st, struct edge *e,
		     int32_t start_ms, int32_t end_ms, int64_t mtime,
		     struct err *err);
int build_log_recompact(struct build_log *bl, struct state *st,
			struct err *err);
void build_log_close(struct build_log *bl);

/* ---- .ninja_deps ---------------------------------------------------------
 * Binary: "# ninjadeps\n", int32 version 4, then records. A path record
 * gives a node its id; a deps record gives an output's mtime and inputs. */
struct deps_log {
	FILE *f;
	char *path;
	struct node **by_id; /* id -> node */
	size_t nids, ids_cap;
	size_t total_records, unique_records;
	bool needs_recompact;
};
int deps_log_load(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err);
int deps_log_open(struct deps_log *dl, struct state *st, const char *path,
		  struct err *err);
/* Record deps of out (writes path records for new nodes first). Skips the
 * write when the record is unchanged, as ninja does. */
int deps_log_record(struct deps_log *dl, struct state *st, struct node *out,
		    int64_t mtime, struct node **nodes, int n, struct err *err);
int deps_log_recompact(struct deps_log *dl, struct state *st,
		       struct err *err);
void deps_log_close(struct deps_log *dl);

#endif
