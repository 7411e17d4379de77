/*
 * The results store of the automatic running system: releases, pipeline
 * runs, steps with their logs, suite runs, test results with their logs and
 * pcaps, and artifacts with checksums. The interface is backend-neutral:
 * struct ar_store carries a table of operations, SQLite is the default
 * backend (store_sqlite.c, schema in docs/autorun-db.md) and a PostgreSQL
 * backend for a shared farm implements the same table.
 *
 * Times are unix seconds (double, sub-second). Strings in rows point into
 * storage valid only during the callback. A callback returning non-zero
 * stops the listing and that value is returned.
 */
#ifndef V6LAB_AR_STORE_H
#define V6LAB_AR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Verdict counters in this order: PASS WARN FAIL SKIP N/A ERROR. */
#define AR_NVERDICTS 6
extern const char *const ar_verdict_names[AR_NVERDICTS];
int ar_verdict_index(const char *name); /* -1 when unknown */

struct ar_release_row {
	int64_t id;
	const char *source, *version, *kind, *name, *ref;
	long long date;
	double found;		/* when the watcher first saw it */
	const char *state;	/* new, running, done, failed, attention */
};

struct ar_run_row {
	int64_t id, release_id;
	const char *source, *version; /* of the release */
	const char *target;
	double started, ended;	/* ended 0 while running */
	const char *status;	/* running, done, failed (configure/build/install),
				 * boot-failed (attention), interrupted */
	const char *note;	/* one line: what failed, or "" */
	int counts[AR_NVERDICTS]; /* summed over its suite runs */
};

struct ar_step_row {
	int64_t id, run_id;
	int seq;		/* order within the run */
	const char *name;	/* fetch, configure, build, install, boot, reboot:SUITE,
				 * suite:SUITE, rerun:SUITE, stable, store, compare */
	const char *status;	/* running, ok, failed, skipped */
	double started, ended;
	const char *note;
	size_t loglen;
};

struct ar_suite_row {
	int64_t id, run_id;
	const char *suite;	/* suite section name */
	const char *source, *version, *target; /* of the run */
	double started, ended;
	int counts[AR_NVERDICTS];
};

struct ar_result_row {
	int64_t id, suite_run_id;
	const char *test, *title, *rfc;
	const char *verdict;	/* final verdict */
	const char *reason;
	double secs;
	int attempts;		/* 1 + reruns made */
	const char *history;	/* verdicts of all attempts, e.g. "FAIL,PASS,FAIL" */
	const char *flag;	/* "", "regression", "flaky" */
};

struct ar_file_row {
	int64_t id, result_id;
	const char *name;	/* log.txt, link0.pcap ... */
	size_t size;
};

struct ar_artifact_row {
	int64_t id, release_id;
	const char *kind;	/* kernel, modules, config, sysctl */
	const char *path;
	const char *sha256;
	uint64_t size;
};

/* A test result as the pipeline records it. */
struct ar_result {
	const char *test, *title, *rfc, *verdict, *reason, *history, *flag;
	double secs;
	int attempts;
	const char *log;	/* log.txt text (may be NULL) */
	size_t loglen;
};

struct ar_store;

typedef int (*ar_release_cb)(void *ctx, const struct ar_release_row *r);
typedef int (*ar_run_cb)(void *ctx, const struct ar_run_row *r);
typedef int (*ar_step_cb)(void *ctx, const struct ar_step_row *r);
typedef int (*ar_suite_cb)(void *ctx, const struct ar_suite_row *r);
typedef int (*ar_result_cb)(void *ctx, const struct ar_result_row *r);
typedef int (*ar_file_cb)(void *ctx, const struct ar_file_row *r);
typedef int (*ar_artifact_cb)(void *ctx, const struct ar_artifact_row *r);

struct ar_store_ops {
	const char *name;
	void (*close)(struct ar_store *st);

	/* --- writing (the pipeline) --- */
	/* Finds (source, version) or adds it with state "new"; *isnew tells. */
	int (*release_add)(struct ar_store *st, const struct ar_release *r, int64_t *id,
			   bool *isnew);
	int (*release_state)(struct ar_store *st, int64_t id, const char *state);
	int (*artifact_add)(struct ar_store *st, int64_t release_id, const char *kind,
			    const char *path, const char *sha256, uint64_t size);
	int (*run_begin)(struct ar_store *st, int64_t release_id, const char *target,
			 int64_t *run_id);
	int (*run_end)(struct ar_store *st, int64_t run_id, const char *status, const char *note);
	/* Marks every run still "running" as "interrupted" (with the note) and
	 * their releases' state back to "new"; returns how many (>= 0). */
	int (*recover)(struct ar_store *st, const char *note);
	int (*step_begin)(struct ar_store *st, int64_t run_id, const char *name, int64_t *step_id);
	int (*step_end)(struct ar_store *st, int64_t step_id, const char *status, const char *note,
			const char *log, size_t loglen);
	int (*suite_begin)(struct ar_store *st, int64_t run_id, const char *suite, int64_t *id);
	int (*suite_end)(struct ar_store *st, int64_t suite_run_id);	/* sums the counts */
	int (*result_add)(struct ar_store *st, int64_t suite_run_id, const struct ar_result *r,
			  int64_t *result_id);
	int (*file_add)(struct ar_store *st, int64_t result_id, const char *name, const void *data,
			size_t len);

	/* --- reading (compare, the web UI, the API) --- */
	int (*releases)(struct ar_store *st, ar_release_cb cb, void *ctx); /* newest first */
	int (*release_get)(struct ar_store *st, int64_t id, ar_release_cb cb, void *ctx);
	int (*artifacts)(struct ar_store *st, int64_t release_id, ar_artifact_cb cb, void *ctx);
	/* Runs, newest first; release_id 0: all. */
	int (*runs)(struct ar_store *st, int64_t release_id, ar_run_cb cb, void *ctx);
	int (*run_get)(struct ar_store *st, int64_t run_id, ar_run_cb cb, void *ctx);
	int (*steps)(struct ar_store *st, int64_t run_id, ar_step_cb cb, void *ctx);
	/* The step's log, malloc'd and NUL-terminated. -ENOENT when no such step. */
	int (*step_log)(struct ar_store *st, int64_t step_id, char **log, size_t *len);
	/* Suite runs of a run (run_id != 0: all of them, in the order they
	 * began, one not ended yet with ended 0), or of every run of a suite
	 * section (run_id 0, suite != NULL: only suite runs that ended), oldest
	 * run first. */
	int (*suites)(struct ar_store *st, int64_t run_id, const char *suite, ar_suite_cb cb,
		      void *ctx);
	int (*suite_get)(struct ar_store *st, int64_t suite_run_id, ar_suite_cb cb, void *ctx);
	/* Results of a suite run, ordered by test id. */
	int (*results)(struct ar_store *st, int64_t suite_run_id, ar_result_cb cb, void *ctx);
	int (*result_get)(struct ar_store *st, int64_t result_id, ar_result_cb cb, void *ctx);
	/* The result's log, malloc'd and NUL-terminated. */
	int (*result_log)(struct ar_store *st, int64_t result_id, char **log, size_t *len);
	int (*files)(struct ar_store *st, int64_t result_id, ar_file_cb cb, void *ctx);
	/* A file's bytes, malloc'd. -ENOENT when none. */
	int (*file_get)(struct ar_store *st, int64_t result_id, const char *name, void **data,
			size_t *len);
	/* Results flagged "regression" or "flaky" (flag NULL: both), newest first. */
	int (*flagged)(struct ar_store *st, const char *flag, ar_result_cb cb, void *ctx);
	/* The last ended suite run of the same suite section and target whose run
	 * is of another, earlier release than run_id's (for regressions).
	 * *prev_id 0 when none. */
	int (*previous_suite)(struct ar_store *st, int64_t suite_run_id, int64_t *prev_id);
};

struct ar_store {
	const struct ar_store_ops *ops;
	char err[256];		/* the message of the last failed op ("" if none) */
};

/* Opens a store: "sqlite:PATH" or a plain PATH (SQLite, created with its
 * schema when missing); "postgresql://..." gives -ENOTSUP with a message. */
int ar_store_open(const char *uri, struct ar_store **out, char *err, size_t errlen);
/* The SQLite backend (what ar_store_open picks for "sqlite:PATH" and PATH). */
int ar_store_sqlite_open(const char *path, struct ar_store **out, char *err, size_t errlen);
static inline void ar_store_close(struct ar_store *st)
{
	if (st)
		st->ops->close(st);
}

#endif
