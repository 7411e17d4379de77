/*
 * The run database: every `v6lab run` is recorded in SQLite (schema in
 * docs/results-db.md) so later runs can be compared test by test.
 */
#ifndef V6LAB_CF_STORE_H
#define V6LAB_CF_STORE_H

#include <stdint.h>

#include "run.h"
#include "script.h"

struct cf_store_db;

struct cf_run_info {
	const char *started; /* ISO 8601 UTC */
	const char *driver;
	const char *nut_type;
	const char *kernel;
	const char *suite;
	const char *outdir;
	int jobs;
};

int cf_db_open(const char *path, struct cf_store_db **out, char *err, size_t errlen);
/* Starts a run record; its id goes to *run_id. */
int cf_db_run_begin(struct cf_store_db *db, const struct cf_run_info *ri, int64_t *run_id);
int cf_db_result(struct cf_store_db *db, int64_t run_id, const struct cf_test *t,
		 const char *section, const struct cf_result *r, const char *logdir);
int cf_db_run_end(struct cf_store_db *db, int64_t run_id, double secs, const int counts[6]);
/* Tests whose verdict differs from the previous run of the same driver and
 * NUT type: prints "ID: OLD -> NEW" lines to out. Returns how many. */
int cf_db_diff_previous(struct cf_store_db *db, int64_t run_id, FILE *out);
void cf_db_close(struct cf_store_db *db);

#endif
