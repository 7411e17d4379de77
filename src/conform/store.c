/* SQLite run database: see store.h and docs/results-db.md. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

struct cf_store_db {
	sqlite3 *db;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started TEXT NOT NULL,"
	"  finished TEXT,"
	"  driver TEXT NOT NULL,"
	"  nut_type TEXT NOT NULL,"
	"  kernel TEXT,"
	"  suite TEXT,"
	"  outdir TEXT,"
	"  jobs INTEGER,"
	"  secs REAL,"
	"  pass INTEGER, warn INTEGER, fail INTEGER, skip INTEGER, na INTEGER, error INTEGER);"
	"CREATE TABLE IF NOT EXISTS results ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  test_id TEXT NOT NULL,"
	"  title TEXT, section TEXT, spec TEXT, rfc TEXT,"
	"  verdict TEXT NOT NULL,"
	"  reason TEXT,"
	"  file TEXT, line INTEGER,"
	"  secs REAL,"
	"  logdir TEXT,"
	"  PRIMARY KEY (run_id, test_id));";

int cf_db_open(const char *path, struct cf_store_db **out, char *err, size_t errlen)
{
	struct cf_store_db *s = calloc(1, sizeof(*s));
	char *msg = NULL;

	if (!s)
		return -ENOMEM;
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		sqlite3_close(s->db);
		free(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "schema");
		sqlite3_free(msg);
		sqlite3_close(s->db);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

int cf_db_run_begin(struct cf_store_db *db, const struct cf_run_info *ri, int64_t *run_id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->db,
			       "INSERT INTO runs(started, driver, nut_type, kernel, suite, outdir, jobs)"
			       " VALUES (?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, ri->started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ri->driver, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ri->nut_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, ri->kernel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, ri->suite, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, ri->outdir, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, ri->jobs);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	*run_id = sqlite3_last_insert_rowid(db->db);
	return rc;
}

int cf_db_result(struct cf_store_db *db, int64_t run_id, const struct cf_test *t,
		 const char *section, const struct cf_result *r, const char *logdir)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->db,
			       "INSERT OR REPLACE INTO results(run_id, test_id, title, section, spec, rfc,"
			       " verdict, reason, file, line, secs, logdir) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, t->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, t->title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, section, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, t->spec, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, t->rfc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, cf_verdict_name(r->verdict), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, r->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, r->file[0] ? r->file : t->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 10, r->line ? r->line : t->line);
	sqlite3_bind_double(st, 11, r->secs);
	sqlite3_bind_text(st, 12, logdir, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return rc;
}

int cf_db_run_end(struct cf_store_db *db, int64_t run_id, double secs, const int counts[6])
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->db,
			       "UPDATE runs SET finished=strftime('%Y-%m-%dT%H:%M:%SZ','now'), secs=?,"
			       " pass=?, warn=?, fail=?, skip=?, na=?, error=? WHERE id=?",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_double(st, 1, secs);
	for (int i = 0; i < 6; i++)
		sqlite3_bind_int(st, 2 + i, counts[i]);
	sqlite3_bind_int64(st, 8, run_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return rc;
}

int cf_db_diff_previous(struct cf_store_db *db, int64_t run_id, FILE *out)
{
	static const char q[] =
		"SELECT n.test_id, o.verdict, n.verdict FROM results n"
		" JOIN results o ON o.test_id = n.test_id"
		" WHERE n.run_id = ?1 AND o.run_id = ("
		"   SELECT MAX(r.id) FROM runs r, runs me WHERE me.id = ?1 AND r.id < ?1"
		"   AND r.driver = me.driver AND r.nut_type = me.nut_type AND r.finished IS NOT NULL)"
		" AND o.verdict <> n.verdict ORDER BY n.test_id";
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db->db, q, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, run_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(out, "  %s: %s -> %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			sqlite3_column_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

void cf_db_close(struct cf_store_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	free(db);
}
