/*
 * The SQLite backend of the results store (schema and rules in
 * docs/autorun-db.md). One database file holds releases, runs, steps with
 * their logs, suite runs, results with logs and files, and artifacts. The
 * watcher writes while `v6lab serve` reads from another process, so the
 * database runs in WAL mode with a busy timeout, and every write op commits
 * on its own: a watcher killed between two ops loses nothing it recorded.
 * Statements are prepared per call with bound parameters (a listing's
 * callback may call the store again, even the same op); SQL text never
 * carries values.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ar_store.h"

#define SQ_SCHEMA_VERSION 1
#define SQ_BUSY_TIMEOUT_MS 15000

struct sq {
	struct ar_store base;
	sqlite3 *db;
	char *path;
	bool opening;	/* errors go to ar_store_open's message only */
};

/* The callback of a listing, whatever its row type. */
struct sq_cb {
	union {
		ar_release_cb release;
		ar_run_cb run;
		ar_step_cb step;
		ar_suite_cb suite;
		ar_result_cb result;
		ar_file_cb file;
		ar_artifact_cb artifact;
	} u;
	void *ctx;
};

typedef int (*sq_row_fn)(sqlite3_stmt *q, const struct sq_cb *cb);

/*
 * Migrations: entry i takes the schema from version i to i + 1 and sets
 * user_version itself, inside the transaction that runs it.
 */
static const char *const sq_migrations[SQ_SCHEMA_VERSION] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE release (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  source TEXT NOT NULL,\n"
	"  version TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  ref TEXT NOT NULL,\n"
	"  released INTEGER NOT NULL,\n"
	"  found REAL NOT NULL,\n"
	"  state TEXT NOT NULL,\n"
	"  UNIQUE (source, version));\n"
	"CREATE TABLE artifact (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  release_id INTEGER NOT NULL REFERENCES release (id) ON DELETE CASCADE,\n"
	"  kind TEXT NOT NULL,\n"
	"  path TEXT NOT NULL,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL);\n"
	"CREATE INDEX artifact_by_release ON artifact (release_id);\n"
	"CREATE TABLE run (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  release_id INTEGER NOT NULL REFERENCES release (id) ON DELETE CASCADE,\n"
	"  target TEXT NOT NULL,\n"
	"  started REAL NOT NULL,\n"
	"  ended REAL NOT NULL DEFAULT 0,\n"
	"  status TEXT NOT NULL,\n"
	"  note TEXT NOT NULL DEFAULT '');\n"
	"CREATE INDEX run_by_release ON run (release_id);\n"
	"CREATE INDEX run_by_status ON run (status);\n"
	"CREATE TABLE step (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  started REAL NOT NULL,\n"
	"  ended REAL NOT NULL DEFAULT 0,\n"
	"  note TEXT NOT NULL DEFAULT '',\n"
	"  log BLOB,\n"
	"  UNIQUE (run_id, seq));\n"
	"CREATE TABLE suite_run (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n"
	"  suite TEXT NOT NULL,\n"
	"  started REAL NOT NULL,\n"
	"  ended REAL NOT NULL DEFAULT 0,\n"
	"  n_pass INTEGER NOT NULL DEFAULT 0,\n"
	"  n_warn INTEGER NOT NULL DEFAULT 0,\n"
	"  n_fail INTEGER NOT NULL DEFAULT 0,\n"
	"  n_skip INTEGER NOT NULL DEFAULT 0,\n"
	"  n_na INTEGER NOT NULL DEFAULT 0,\n"
	"  n_error INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE INDEX suite_run_by_run ON suite_run (run_id);\n"
	"CREATE INDEX suite_run_by_suite ON suite_run (suite, ended);\n"
	"CREATE TABLE result (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  suite_run_id INTEGER NOT NULL REFERENCES suite_run (id) ON DELETE CASCADE,\n"
	"  test TEXT NOT NULL,\n"
	"  title TEXT NOT NULL,\n"
	"  rfc TEXT NOT NULL,\n"
	"  verdict TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  secs REAL NOT NULL,\n"
	"  attempts INTEGER NOT NULL,\n"
	"  history TEXT NOT NULL,\n"
	"  flag TEXT NOT NULL,\n"
	"  log BLOB,\n"
	"  UNIQUE (suite_run_id, test));\n"
	"CREATE INDEX result_flagged ON result (flag) WHERE flag <> '';\n"
	"CREATE TABLE result_file (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  result_id INTEGER NOT NULL REFERENCES result (id) ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  data BLOB NOT NULL,\n"
	"  UNIQUE (result_id, name));\n"
	"PRAGMA user_version = 1;",
};

static const char *const release_states[] = { "new", "running", "done", "failed", "attention" };
static const char *const run_end_states[] = { "done", "failed", "boot-failed", "interrupted" };
static const char *const step_end_states[] = { "ok", "failed", "skipped" };

static bool in_set(const char *s, const char *const *set, size_t n)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

#define IN_SET(s, set) in_set((s), (set), sizeof(set) / sizeof((set)[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sq *sq_of(struct ar_store *st)
{
	return (struct sq *)st;
}

static int sq_errno(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOENT;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return -EINVAL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_TOOBIG:
		return -EFBIG;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return -EIO;
	}
}

static void sq_vmsg(struct sq *s, bool print, const char *fmt, va_list ap)
{
	int n = snprintf(s->base.err, sizeof(s->base.err), "store %s: ", s->path);

	if (n < 0 || (size_t)n >= sizeof(s->base.err))
		n = 0;
	vsnprintf(s->base.err + n, sizeof(s->base.err) - (size_t)n, fmt, ap);
	if (print && !s->opening)
		fprintf(stderr, "v6lab: %s\n", s->base.err);
}

/* Records a message for the failed op in st->err; -ENOENT is an ordinary
 * answer ("no such id") and is not printed, every other failure is. */
__attribute__((format(printf, 3, 4)))
static int sq_err(struct sq *s, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sq_vmsg(s, e != -ENOENT, fmt, ap);
	va_end(ap);
	return e;
}

__attribute__((format(printf, 3, 4)))
static void sq_note(struct sq *s, bool print, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sq_vmsg(s, print, fmt, ap);
	va_end(ap);
}

/* A failure reported by SQLite itself: its message after what we did. A
 * missing parent row or a duplicate is only recorded: the op says it in its
 * own words. */
static int sq_fail(struct sq *s, int rc, const char *what)
{
	int e = sq_errno(rc);

	sq_note(s, e != -ENOENT && e != -EEXIST, "%s: %s", what, sqlite3_errmsg(s->db));
	return e;
}

/*
 * Binds ?1, ?2 ... from fmt: 't' text (NULL binds ""), 'i' int64, 'd' double,
 * 'b' blob given as (const void *, size_t) (NULL or empty binds an empty
 * blob, never NULL). Text and blobs must stay valid until the statement is
 * done with.
 */
static int sq_vbind(sqlite3_stmt *q, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; fmt && *fmt && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't': {
			const char *v = va_arg(ap, const char *);

			rc = sqlite3_bind_text(q, i, v ? v : "", -1, SQLITE_STATIC);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(q, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(q, i, va_arg(ap, double));
			break;
		case 'b': {
			const void *v = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			if (v && len)
				rc = sqlite3_bind_blob64(q, i, v, len, SQLITE_STATIC);
			else
				rc = sqlite3_bind_zeroblob(q, i, 0);
			break;
		}
		default:
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}

static int sq_prepare(struct sq *s, const char *what, const char *sql, sqlite3_stmt **q,
		      const char *fmt, va_list ap)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);

	if (rc != SQLITE_OK) {
		*q = NULL;
		return sq_fail(s, rc, what);
	}
	/* a format that does not match the statement is a bug here, never data */
	if ((size_t)sqlite3_bind_parameter_count(*q) != (fmt ? strlen(fmt) : 0)) {
		fprintf(stderr, "v6lab: store: %s: %d parameters, format \"%s\"\n", what,
			sqlite3_bind_parameter_count(*q), fmt ? fmt : "");
		abort();
	}
	rc = sq_vbind(*q, fmt, ap);
	if (rc != SQLITE_OK) {
		int e = sq_fail(s, rc, what);

		sqlite3_finalize(*q);
		*q = NULL;
		return e;
	}
	return 0;
}

static int sq_prep(struct sq *s, const char *what, const char *sql, sqlite3_stmt **q,
		   const char *fmt, ...)
{
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = sq_prepare(s, what, sql, q, fmt, ap);
	va_end(ap);
	return e;
}

/*
 * Runs one statement to its end. The first column of its first row (an id
 * from RETURNING, a count) goes to *first when not NULL (0 when there was no
 * row); the number of rows it changed to *changes when not NULL.
 */
static int sq_run(struct sq *s, const char *what, int64_t *first, int *changes, const char *sql,
		  const char *fmt, ...)
{
	sqlite3_stmt *q;
	va_list ap;
	int rc, e;
	bool had = false;

	va_start(ap, fmt);
	e = sq_prepare(s, what, sql, &q, fmt, ap);
	va_end(ap);
	if (e)
		return e;
	if (first)
		*first = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (first && !had)
			*first = sqlite3_column_int64(q, 0);
		had = true;
	}
	if (rc != SQLITE_DONE) {
		e = sq_fail(s, rc, what);
		sqlite3_finalize(q);
		return e;
	}
	if (changes)
		*changes = sqlite3_changes(s->db);
	sqlite3_finalize(q);
	return 0;
}

/* Calls fn for each row; a non-zero value from it stops and is returned.
 * The number of rows seen goes to *rows when not NULL. */
static int sq_list(struct sq *s, const char *what, sq_row_fn fn, const struct sq_cb *cb, int *rows,
		   const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	va_list ap;
	int rc, e, n = 0;

	va_start(ap, fmt);
	e = sq_prepare(s, what, sql, &q, fmt, ap);
	va_end(ap);
	if (e)
		return e;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		n++;
		e = fn(q, cb);
		if (e)
			break;
	}
	if (!e && rc != SQLITE_DONE)
		e = sq_fail(s, rc, what);
	sqlite3_finalize(q);
	if (rows)
		*rows = n;
	return e;
}

/* Whether a row with this id exists in a table (0/1), or a negative errno. */
static int sq_exists(struct sq *s, const char *what, const char *sql, int64_t id)
{
	int64_t one;
	int e = sq_run(s, what, &one, NULL, sql, "i", id);

	return e ? e : one != 0;
}

/* The bytes of one BLOB column (first row), malloc'd with a NUL after them.
 * *found is false when the query gave no row. */
static int sq_blob(struct sq *s, const char *what, const char *sql, const char *fmt, int64_t id,
		   const char *name, void **data, size_t *len, bool *found)
{
	sqlite3_stmt *q;
	const void *p;
	char *buf;
	size_t n;
	int rc, e;

	*data = NULL;
	*len = 0;
	*found = false;
	e = sq_prep(s, what, sql, &q, fmt, id, name);
	if (e)
		return e;
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(q);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		e = sq_fail(s, rc, what);
		sqlite3_finalize(q);
		return e;
	}
	p = sqlite3_column_blob(q, 0);
	n = (size_t)sqlite3_column_bytes(q, 0);
	if (!p && sqlite3_errcode(s->db) == SQLITE_NOMEM) {
		e = sq_fail(s, SQLITE_NOMEM, what);
		sqlite3_finalize(q);
		return e;
	}
	buf = malloc(n + 1);
	if (!buf) {
		sqlite3_finalize(q);
		return sq_err(s, -ENOMEM, "%s: out of memory for %zu bytes", what, n);
	}
	if (n)
		memcpy(buf, p, n);
	buf[n] = '\0';
	sqlite3_finalize(q);
	*data = buf;
	*len = n;
	*found = true;
	return 0;
}

static int sq_exec_simple(struct sq *s, const char *what, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, what);
}

/* IMMEDIATE takes the write lock at once (waiting up to the busy timeout),
 * so a transaction never fails half-way for another writer. */
static int sq_begin(struct sq *s, const char *what)
{
	return sq_exec_simple(s, what, "BEGIN IMMEDIATE");
}

static int sq_commit(struct sq *s, const char *what)
{
	return sq_exec_simple(s, what, "COMMIT");
}

static void sq_rollback(struct sq *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* --- rows --- */

static const char *txt(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

#define I64(q, i) sqlite3_column_int64((q), (i))
#define DBL(q, i) sqlite3_column_double((q), (i))

static void counts(sqlite3_stmt *q, int first, int c[AR_NVERDICTS])
{
	for (int i = 0; i < AR_NVERDICTS; i++)
		c[i] = sqlite3_column_int(q, first + i);
}

#define RELEASE_SELECT \
	"SELECT id, source, version, kind, name, ref, released, found, state FROM release "

static int row_release(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_release_row r = {
		.id = I64(q, 0), .source = txt(q, 1), .version = txt(q, 2), .kind = txt(q, 3),
		.name = txt(q, 4), .ref = txt(q, 5), .date = I64(q, 6), .found = DBL(q, 7),
		.state = txt(q, 8),
	};

	return cb->u.release(cb->ctx, &r);
}

/* A run with the counts of its suite runs summed. */
#define RUN_SELECT \
	"SELECT r.id, r.release_id, rel.source, rel.version, r.target, r.started, r.ended, " \
	"r.status, r.note, COALESCE(SUM(s.n_pass), 0), COALESCE(SUM(s.n_warn), 0), " \
	"COALESCE(SUM(s.n_fail), 0), COALESCE(SUM(s.n_skip), 0), COALESCE(SUM(s.n_na), 0), " \
	"COALESCE(SUM(s.n_error), 0) FROM run AS r JOIN release AS rel ON rel.id = r.release_id " \
	"LEFT JOIN suite_run AS s ON s.run_id = r.id "
#define RUN_GROUP "GROUP BY r.id, rel.id "

static int row_run(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_run_row r = {
		.id = I64(q, 0), .release_id = I64(q, 1), .source = txt(q, 2), .version = txt(q, 3),
		.target = txt(q, 4), .started = DBL(q, 5), .ended = DBL(q, 6), .status = txt(q, 7),
		.note = txt(q, 8),
	};

	counts(q, 9, r.counts);
	return cb->u.run(cb->ctx, &r);
}

static int row_step(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_step_row r = {
		.id = I64(q, 0), .run_id = I64(q, 1), .seq = sqlite3_column_int(q, 2),
		.name = txt(q, 3), .status = txt(q, 4), .started = DBL(q, 5), .ended = DBL(q, 6),
		.note = txt(q, 7), .loglen = (size_t)I64(q, 8),
	};

	return cb->u.step(cb->ctx, &r);
}

#define SUITE_SELECT \
	"SELECT s.id, s.run_id, s.suite, rel.source, rel.version, r.target, s.started, s.ended, " \
	"s.n_pass, s.n_warn, s.n_fail, s.n_skip, s.n_na, s.n_error FROM suite_run AS s " \
	"JOIN run AS r ON r.id = s.run_id JOIN release AS rel ON rel.id = r.release_id "

static int row_suite(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_suite_row r = {
		.id = I64(q, 0), .run_id = I64(q, 1), .suite = txt(q, 2), .source = txt(q, 3),
		.version = txt(q, 4), .target = txt(q, 5), .started = DBL(q, 6), .ended = DBL(q, 7),
	};

	counts(q, 8, r.counts);
	return cb->u.suite(cb->ctx, &r);
}

#define RESULT_SELECT \
	"SELECT id, suite_run_id, test, title, rfc, verdict, reason, secs, attempts, history, " \
	"flag FROM result "

static int row_result(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_result_row r = {
		.id = I64(q, 0), .suite_run_id = I64(q, 1), .test = txt(q, 2), .title = txt(q, 3),
		.rfc = txt(q, 4), .verdict = txt(q, 5), .reason = txt(q, 6), .secs = DBL(q, 7),
		.attempts = sqlite3_column_int(q, 8), .history = txt(q, 9), .flag = txt(q, 10),
	};

	return cb->u.result(cb->ctx, &r);
}

static int row_file(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_file_row r = {
		.id = I64(q, 0), .result_id = I64(q, 1), .name = txt(q, 2),
		.size = (size_t)I64(q, 3),
	};

	return cb->u.file(cb->ctx, &r);
}

static int row_artifact(sqlite3_stmt *q, const struct sq_cb *cb)
{
	struct ar_artifact_row r = {
		.id = I64(q, 0), .release_id = I64(q, 1), .kind = txt(q, 2), .path = txt(q, 3),
		.sha256 = txt(q, 4), .size = (uint64_t)I64(q, 5),
	};

	return cb->u.artifact(cb->ctx, &r);
}

/* --- writing --- */

static bool fixed_str_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int sq_release_add(struct ar_store *st, const struct ar_release *r, int64_t *id,
			  bool *isnew)
{
	struct sq *s = sq_of(st);
	int64_t got;
	int e;

	*id = 0;
	if (isnew)
		*isnew = false;
	if (!r || !fixed_str_ok(r->source, sizeof(r->source)) ||
	    !fixed_str_ok(r->version, sizeof(r->version)) ||
	    !fixed_str_ok(r->kind, sizeof(r->kind)) || !fixed_str_ok(r->name, sizeof(r->name)) ||
	    !fixed_str_ok(r->ref, sizeof(r->ref)))
		return sq_err(s, -EINVAL, "release_add: a field of the release is not terminated");
	if (!r->source[0] || !r->version[0])
		return sq_err(s, -EINVAL, "release_add: a release needs a source and a version");
	e = sq_run(s, "release_add", &got, NULL,
		   "INSERT INTO release (source, version, kind, name, ref, released, found, state) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'new') "
		   "ON CONFLICT (source, version) DO NOTHING RETURNING id",
		   "tttttid", r->source, r->version, r->kind, r->name, r->ref, (int64_t)r->date,
		   now());
	if (e)
		return e;
	if (got) {
		*id = got;
		if (isnew)
			*isnew = true;
		return 0;
	}
	e = sq_run(s, "release_add", &got, NULL,
		   "SELECT id FROM release WHERE source = ?1 AND version = ?2", "tt", r->source,
		   r->version);
	if (e)
		return e;
	if (!got)
		return sq_err(s, -EIO, "release_add: %s %s was neither added nor found", r->source,
			      r->version);
	*id = got;
	return 0;
}

static int sq_release_state(struct ar_store *st, int64_t id, const char *state)
{
	struct sq *s = sq_of(st);
	int n, e;

	if (!IN_SET(state, release_states))
		return sq_err(s, -EINVAL, "release_state: unknown state \"%s\"",
			      state ? state : "(null)");
	e = sq_run(s, "release_state", NULL, &n, "UPDATE release SET state = ?2 WHERE id = ?1",
		   "it", id, state);
	if (e)
		return e;
	return n ? 0 : sq_err(s, -ENOENT, "release_state: no release %lld", (long long)id);
}

static bool sha256_ok(const char *h)
{
	if (!h || strlen(h) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

static int sq_artifact_add(struct ar_store *st, int64_t release_id, const char *kind,
			   const char *path, const char *sha256, uint64_t size)
{
	struct sq *s = sq_of(st);
	int e;

	if (!kind || !*kind || !path || !*path)
		return sq_err(s, -EINVAL, "artifact_add: an artifact needs a kind and a path");
	if (!sha256_ok(sha256))
		return sq_err(s, -EINVAL,
			      "artifact_add: %s: checksum is not 64 lowercase hex digits", path);
	if (size > INT64_MAX)
		return sq_err(s, -EOVERFLOW, "artifact_add: %s: size out of range", path);
	e = sq_run(s, "artifact_add", NULL, NULL,
		   "INSERT INTO artifact (release_id, kind, path, sha256, size) "
		   "VALUES (?1, ?2, ?3, ?4, ?5)", "ittti", release_id, kind, path, sha256,
		   (int64_t)size);
	if (e == -ENOENT)
		return sq_err(s, e, "artifact_add: no release %lld", (long long)release_id);
	return e;
}

static int sq_run_begin(struct ar_store *st, int64_t release_id, const char *target,
			int64_t *run_id)
{
	struct sq *s = sq_of(st);
	int e;

	*run_id = 0;
	if (!target || !*target)
		return sq_err(s, -EINVAL, "run_begin: a run needs a target");
	e = sq_run(s, "run_begin", run_id, NULL,
		   "INSERT INTO run (release_id, target, started, status) "
		   "VALUES (?1, ?2, ?3, 'running') RETURNING id", "itd", release_id, target, now());
	if (e == -ENOENT)
		return sq_err(s, e, "run_begin: no release %lld", (long long)release_id);
	return e;
}

static int sq_run_end(struct ar_store *st, int64_t run_id, const char *status, const char *note)
{
	struct sq *s = sq_of(st);
	int n, e;

	if (!IN_SET(status, run_end_states))
		return sq_err(s, -EINVAL, "run_end: a run cannot end as \"%s\"",
			      status ? status : "(null)");
	e = sq_run(s, "run_end", NULL, &n,
		   "UPDATE run SET status = ?2, note = ?3, ended = ?4 WHERE id = ?1", "ittd",
		   run_id, status, note, now());
	if (e)
		return e;
	return n ? 0 : sq_err(s, -ENOENT, "run_end: no run %lld", (long long)run_id);
}

static int sq_recover(struct ar_store *st, const char *note)
{
	struct sq *s = sq_of(st);
	double t = now();
	int n = 0, e;

	e = sq_begin(s, "recover");
	if (e)
		return e;
	e = sq_run(s, "recover: steps", NULL, NULL,
		   "UPDATE step SET status = 'failed', note = ?1, ended = ?2 "
		   "WHERE status = 'running' AND "
		   "run_id IN (SELECT id FROM run WHERE status = 'running')",
		   "td", note, t);
	if (!e)
		e = sq_run(s, "recover: releases", NULL, NULL,
			   "UPDATE release SET state = 'new' WHERE "
			   "id IN (SELECT release_id FROM run WHERE status = 'running')", NULL);
	if (!e)
		e = sq_run(s, "recover: runs", NULL, &n,
			   "UPDATE run SET status = 'interrupted', note = ?1, ended = ?2 "
			   "WHERE status = 'running'", "td", note, t);
	if (!e)
		e = sq_commit(s, "recover");
	if (e) {
		sq_rollback(s);
		return e;
	}
	return n;
}

static int sq_step_begin(struct ar_store *st, int64_t run_id, const char *name, int64_t *step_id)
{
	struct sq *s = sq_of(st);
	int e;

	*step_id = 0;
	if (!name || !*name)
		return sq_err(s, -EINVAL, "step_begin: a step needs a name");
	/* seq is the next number within the run, taken in the same statement */
	e = sq_run(s, "step_begin", step_id, NULL,
		   "INSERT INTO step (run_id, seq, name, status, started) "
		   "SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, 'running', ?3 FROM step "
		   "WHERE run_id = ?1 RETURNING id", "itd", run_id, name, now());
	if (e == -ENOENT)
		return sq_err(s, e, "step_begin: no run %lld", (long long)run_id);
	return e;
}

static int sq_step_end(struct ar_store *st, int64_t step_id, const char *status, const char *note,
		       const char *log, size_t loglen)
{
	struct sq *s = sq_of(st);
	int n, e;

	if (!IN_SET(status, step_end_states))
		return sq_err(s, -EINVAL, "step_end: a step cannot end as \"%s\"",
			      status ? status : "(null)");
	if (!log && loglen)
		return sq_err(s, -EINVAL, "step_end: log length without a log");
	e = sq_run(s, "step_end", NULL, &n,
		   "UPDATE step SET status = ?2, note = ?3, ended = ?4, log = ?5 WHERE id = ?1",
		   "ittdb", step_id, status, note, now(), (const void *)log, loglen);
	if (e)
		return e;
	return n ? 0 : sq_err(s, -ENOENT, "step_end: no step %lld", (long long)step_id);
}

static int sq_suite_begin(struct ar_store *st, int64_t run_id, const char *suite, int64_t *id)
{
	struct sq *s = sq_of(st);
	int e;

	*id = 0;
	if (!suite || !*suite)
		return sq_err(s, -EINVAL, "suite_begin: a suite run needs a suite name");
	e = sq_run(s, "suite_begin", id, NULL,
		   "INSERT INTO suite_run (run_id, suite, started) "
		   "VALUES (?1, ?2, ?3) RETURNING id",
		   "itd", run_id, suite, now());
	if (e == -ENOENT)
		return sq_err(s, e, "suite_begin: no run %lld", (long long)run_id);
	return e;
}

/* The counts are kept up to date by result_add; suite_end counts again
 * from the results themselves, so they are exact whatever happened. */
static int sq_suite_end(struct ar_store *st, int64_t suite_run_id)
{
	struct sq *s = sq_of(st);
	const char *const *v = ar_verdict_names;
	int n, e;

	e = sq_run(s, "suite_end", NULL, &n,
		   "UPDATE suite_run SET ended = ?2, "
		   "n_pass = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?3), "
		   "n_warn = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?4), "
		   "n_fail = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?5), "
		   "n_skip = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?6), "
		   "n_na = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?7), "
		   "n_error = (SELECT COUNT(*) FROM result AS x "
		   "WHERE x.suite_run_id = ?1 AND x.verdict = ?8) "
		   "WHERE id = ?1", "idtttttt", suite_run_id, now(), v[0], v[1], v[2], v[3], v[4],
		   v[5]);
	if (e)
		return e;
	return n ? 0 : sq_err(s, -ENOENT, "suite_end: no suite run %lld", (long long)suite_run_id);
}

static int sq_result_add(struct ar_store *st, int64_t suite_run_id, const struct ar_result *r,
			 int64_t *result_id)
{
	struct sq *s = sq_of(st);
	const char *flag;
	int vi, e;

	*result_id = 0;
	if (!r || !r->test || !*r->test)
		return sq_err(s, -EINVAL, "result_add: a result needs a test id");
	vi = ar_verdict_index(r->verdict);
	if (vi < 0)
		return sq_err(s, -EINVAL, "result_add: %s: unknown verdict \"%s\"", r->test,
			      r->verdict ? r->verdict : "(null)");
	flag = r->flag ? r->flag : "";
	if (*flag && strcmp(flag, "regression") && strcmp(flag, "flaky"))
		return sq_err(s, -EINVAL, "result_add: %s: unknown flag \"%s\"", r->test, flag);
	if (!r->log && r->loglen)
		return sq_err(s, -EINVAL, "result_add: %s: log length without a log", r->test);
	e = sq_begin(s, "result_add");
	if (e)
		return e;
	e = sq_run(s, "result_add", result_id, NULL,
		   "INSERT INTO result (suite_run_id, test, title, rfc, verdict, reason, secs, "
		   "attempts, history, flag, log) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
		   "itttttdittb", suite_run_id, r->test, r->title, r->rfc, ar_verdict_names[vi],
		   r->reason, r->secs, (int64_t)(r->attempts > 0 ? r->attempts : 1),
		   r->history && *r->history ? r->history : ar_verdict_names[vi], flag,
		   (const void *)r->log, r->loglen);
	if (!e)
		e = sq_run(s, "result_add: counts", NULL, NULL,
			   "UPDATE suite_run SET "
			   "n_pass = n_pass + CASE WHEN ?2 = 0 THEN 1 ELSE 0 END, "
			   "n_warn = n_warn + CASE WHEN ?2 = 1 THEN 1 ELSE 0 END, "
			   "n_fail = n_fail + CASE WHEN ?2 = 2 THEN 1 ELSE 0 END, "
			   "n_skip = n_skip + CASE WHEN ?2 = 3 THEN 1 ELSE 0 END, "
			   "n_na = n_na + CASE WHEN ?2 = 4 THEN 1 ELSE 0 END, "
			   "n_error = n_error + CASE WHEN ?2 = 5 THEN 1 ELSE 0 END "
			   "WHERE id = ?1", "ii", suite_run_id, (int64_t)vi);
	if (!e)
		e = sq_commit(s, "result_add");
	if (e) {
		sq_rollback(s);
		*result_id = 0;
		if (e == -ENOENT)
			return sq_err(s, e, "result_add: no suite run %lld",
				      (long long)suite_run_id);
		if (e == -EEXIST)
			return sq_err(s, e, "result_add: suite run %lld already has test %s",
				      (long long)suite_run_id, r->test);
	}
	return e;
}

static int sq_file_add(struct ar_store *st, int64_t result_id, const char *name, const void *data,
		       size_t len)
{
	struct sq *s = sq_of(st);
	int e;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return sq_err(s, -EINVAL, "file_add: \"%s\" is not a file name",
			      name ? name : "(null)");
	if (!data && len)
		return sq_err(s, -EINVAL, "file_add: %s: length without data", name);
	e = sq_run(s, "file_add", NULL, NULL,
		   "INSERT INTO result_file (result_id, name, size, data) VALUES (?1, ?2, ?3, ?4)",
		   "itib", result_id, name, (int64_t)len, data, len);
	if (e == -ENOENT)
		return sq_err(s, e, "file_add: no result %lld", (long long)result_id);
	if (e == -EEXIST)
		return sq_err(s, e, "file_add: result %lld already has a file %s",
			      (long long)result_id, name);
	return e;
}

/* --- reading --- */

/* After a listing gave no row: -ENOENT (with a message) when its parent
 * does not exist either, else 0. */
static int sq_parent(struct sq *s, const char *what, const char *sql, const char *kind, int64_t id)
{
	int e = sq_exists(s, what, sql, id);

	if (e < 0)
		return e;
	return e ? 0 : sq_err(s, -ENOENT, "%s: no %s %lld", what, kind, (long long)id);
}

static int sq_releases(struct ar_store *st, ar_release_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.release = cb, .ctx = ctx };

	return sq_list(s, "releases", row_release, &c, NULL,
		       RELEASE_SELECT "ORDER BY found DESC, id DESC", NULL);
}

static int sq_release_get(struct ar_store *st, int64_t id, ar_release_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.release = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "release_get", row_release, &c, &rows, RELEASE_SELECT "WHERE id = ?1",
		    "i", id);
	if (!e && !rows)
		return sq_err(s, -ENOENT, "release_get: no release %lld", (long long)id);
	return e;
}

static int sq_artifacts(struct ar_store *st, int64_t release_id, ar_artifact_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.artifact = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "artifacts", row_artifact, &c, &rows,
		    "SELECT id, release_id, kind, path, sha256, size FROM artifact "
		    "WHERE release_id = ?1 ORDER BY id", "i", release_id);
	if (!e && !rows)
		return sq_parent(s, "artifacts", "SELECT COUNT(*) FROM release WHERE id = ?1",
				 "release", release_id);
	return e;
}

static int sq_runs(struct ar_store *st, int64_t release_id, ar_run_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.run = cb, .ctx = ctx };
	int rows, e;

	if (!release_id)
		return sq_list(s, "runs", row_run, &c, NULL,
			       RUN_SELECT RUN_GROUP "ORDER BY r.started DESC, r.id DESC", NULL);
	e = sq_list(s, "runs", row_run, &c, &rows,
		    RUN_SELECT "WHERE r.release_id = ?1 " RUN_GROUP
		    "ORDER BY r.started DESC, r.id DESC", "i", release_id);
	if (!e && !rows)
		return sq_parent(s, "runs", "SELECT COUNT(*) FROM release WHERE id = ?1",
				 "release", release_id);
	return e;
}

static int sq_run_get(struct ar_store *st, int64_t run_id, ar_run_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.run = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "run_get", row_run, &c, &rows, RUN_SELECT "WHERE r.id = ?1 " RUN_GROUP,
		    "i", run_id);
	if (!e && !rows)
		return sq_err(s, -ENOENT, "run_get: no run %lld", (long long)run_id);
	return e;
}

static int sq_steps(struct ar_store *st, int64_t run_id, ar_step_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.step = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "steps", row_step, &c, &rows,
		    "SELECT id, run_id, seq, name, status, started, ended, note, "
		    "COALESCE(length(log), 0) FROM step WHERE run_id = ?1 ORDER BY seq", "i",
		    run_id);
	if (!e && !rows)
		return sq_parent(s, "steps", "SELECT COUNT(*) FROM run WHERE id = ?1", "run",
				 run_id);
	return e;
}

static int sq_step_log(struct ar_store *st, int64_t step_id, char **log, size_t *len)
{
	struct sq *s = sq_of(st);
	void *data;
	bool found;
	int e;

	*log = NULL;
	e = sq_blob(s, "step_log", "SELECT log FROM step WHERE id = ?1", "i", step_id, NULL,
		    &data, len, &found);
	if (e)
		return e;
	if (!found)
		return sq_err(s, -ENOENT, "step_log: no step %lld", (long long)step_id);
	*log = data;
	return 0;
}

static int sq_suites(struct ar_store *st, int64_t run_id, const char *suite, ar_suite_cb cb,
		     void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.suite = cb, .ctx = ctx };
	int rows, e;

	if (!run_id) {
		if (!suite || !*suite)
			return sq_err(s, -EINVAL, "suites: needs a run or a suite name");
		return sq_list(s, "suites", row_suite, &c, NULL,
			       SUITE_SELECT "WHERE s.suite = ?1 AND s.ended > 0 "
			       "ORDER BY r.started, r.id, s.started, s.id", "t", suite);
	}
	if (suite)
		e = sq_list(s, "suites", row_suite, &c, &rows,
			    SUITE_SELECT "WHERE s.run_id = ?1 AND s.suite = ?2 "
			    "ORDER BY s.started, s.id", "it", run_id, suite);
	else
		e = sq_list(s, "suites", row_suite, &c, &rows,
			    SUITE_SELECT "WHERE s.run_id = ?1 ORDER BY s.started, s.id", "i",
			    run_id);
	if (!e && !rows)
		return sq_parent(s, "suites", "SELECT COUNT(*) FROM run WHERE id = ?1", "run",
				 run_id);
	return e;
}

static int sq_suite_get(struct ar_store *st, int64_t suite_run_id, ar_suite_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.suite = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "suite_get", row_suite, &c, &rows, SUITE_SELECT "WHERE s.id = ?1", "i",
		    suite_run_id);
	if (!e && !rows)
		return sq_err(s, -ENOENT, "suite_get: no suite run %lld",
			      (long long)suite_run_id);
	return e;
}

static int sq_results(struct ar_store *st, int64_t suite_run_id, ar_result_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.result = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "results", row_result, &c, &rows,
		    RESULT_SELECT "WHERE suite_run_id = ?1 ORDER BY test", "i", suite_run_id);
	if (!e && !rows)
		return sq_parent(s, "results", "SELECT COUNT(*) FROM suite_run WHERE id = ?1",
				 "suite run", suite_run_id);
	return e;
}

static int sq_result_get(struct ar_store *st, int64_t result_id, ar_result_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.result = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "result_get", row_result, &c, &rows, RESULT_SELECT "WHERE id = ?1", "i",
		    result_id);
	if (!e && !rows)
		return sq_err(s, -ENOENT, "result_get: no result %lld", (long long)result_id);
	return e;
}

static int sq_result_log(struct ar_store *st, int64_t result_id, char **log, size_t *len)
{
	struct sq *s = sq_of(st);
	void *data;
	bool found;
	int e;

	*log = NULL;
	e = sq_blob(s, "result_log", "SELECT log FROM result WHERE id = ?1", "i", result_id,
		    NULL, &data, len, &found);
	if (e)
		return e;
	if (!found)
		return sq_err(s, -ENOENT, "result_log: no result %lld", (long long)result_id);
	*log = data;
	return 0;
}

static int sq_files(struct ar_store *st, int64_t result_id, ar_file_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.file = cb, .ctx = ctx };
	int rows, e;

	e = sq_list(s, "files", row_file, &c, &rows,
		    "SELECT id, result_id, name, size FROM result_file WHERE result_id = ?1 "
		    "ORDER BY id", "i", result_id);
	if (!e && !rows)
		return sq_parent(s, "files", "SELECT COUNT(*) FROM result WHERE id = ?1",
				 "result", result_id);
	return e;
}

static int sq_file_get(struct ar_store *st, int64_t result_id, const char *name, void **data,
		       size_t *len)
{
	struct sq *s = sq_of(st);
	bool found;
	int e;

	if (!name)
		return sq_err(s, -EINVAL, "file_get: no file name");
	e = sq_blob(s, "file_get",
		    "SELECT data FROM result_file WHERE result_id = ?1 AND name = ?2", "it",
		    result_id, name, data, len, &found);
	if (e)
		return e;
	if (!found)
		return sq_err(s, -ENOENT, "file_get: result %lld has no file %s",
			      (long long)result_id, name);
	return 0;
}

static int sq_flagged(struct ar_store *st, const char *flag, ar_result_cb cb, void *ctx)
{
	struct sq *s = sq_of(st);
	struct sq_cb c = { .u.result = cb, .ctx = ctx };

	if (!flag)
		return sq_list(s, "flagged", row_result, &c, NULL,
			       RESULT_SELECT "WHERE flag <> '' ORDER BY id DESC", NULL);
	if (strcmp(flag, "regression") && strcmp(flag, "flaky"))
		return sq_err(s, -EINVAL, "flagged: unknown flag \"%s\"", flag);
	return sq_list(s, "flagged", row_result, &c, NULL,
		       RESULT_SELECT "WHERE flag = ?1 ORDER BY id DESC", "t", flag);
}

/*
 * The previous suite run of suite run c: same suite section, run on the same
 * target, ended, of another release that was found before c's release
 * (release.found, then release.id when equal). Among those, the latest
 * release wins, and within it the suite run that ended last.
 */
static int sq_previous_suite(struct ar_store *st, int64_t suite_run_id, int64_t *prev_id)
{
	struct sq *s = sq_of(st);
	int64_t got;
	int e;

	*prev_id = 0;
	e = sq_run(s, "previous_suite", &got, NULL,
		   "SELECT p.id FROM suite_run AS c "
		   "JOIN run AS cr ON cr.id = c.run_id "
		   "JOIN release AS crel ON crel.id = cr.release_id "
		   "JOIN suite_run AS p ON p.suite = c.suite AND p.ended > 0 "
		   "JOIN run AS pr ON pr.id = p.run_id AND pr.target = cr.target "
		   "JOIN release AS prel ON prel.id = pr.release_id "
		   "WHERE c.id = ?1 AND prel.id <> crel.id AND (prel.found < crel.found OR "
		   "(prel.found = crel.found AND prel.id < crel.id)) "
		   "ORDER BY prel.found DESC, prel.id DESC, p.ended DESC, p.id DESC LIMIT 1",
		   "i", suite_run_id);
	if (e)
		return e;
	if (!got)
		return sq_parent(s, "previous_suite",
				 "SELECT COUNT(*) FROM suite_run WHERE id = ?1", "suite run",
				 suite_run_id);
	*prev_id = got;
	return 0;
}

/* --- opening --- */

static void sq_close(struct ar_store *st)
{
	struct sq *s = sq_of(st);

	if (!s)
		return;
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		fprintf(stderr, "v6lab: store %s: close: %s\n", s->path, sqlite3_errmsg(s->db));
	free(s->path);
	free(s);
}

static const struct ar_store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.release_add = sq_release_add,
	.release_state = sq_release_state,
	.artifact_add = sq_artifact_add,
	.run_begin = sq_run_begin,
	.run_end = sq_run_end,
	.recover = sq_recover,
	.step_begin = sq_step_begin,
	.step_end = sq_step_end,
	.suite_begin = sq_suite_begin,
	.suite_end = sq_suite_end,
	.result_add = sq_result_add,
	.file_add = sq_file_add,
	.releases = sq_releases,
	.release_get = sq_release_get,
	.artifacts = sq_artifacts,
	.runs = sq_runs,
	.run_get = sq_run_get,
	.steps = sq_steps,
	.step_log = sq_step_log,
	.suites = sq_suites,
	.suite_get = sq_suite_get,
	.results = sq_results,
	.result_get = sq_result_get,
	.result_log = sq_result_log,
	.files = sq_files,
	.file_get = sq_file_get,
	.flagged = sq_flagged,
	.previous_suite = sq_previous_suite,
};

/* Brings the schema to SQ_SCHEMA_VERSION, one migration per version, all in
 * one write transaction (a second process opening at the same time waits,
 * then finds the work done). */
static int sq_migrate(struct sq *s)
{
	int64_t v;
	int e;

	e = sq_run(s, "schema version", &v, NULL, "PRAGMA user_version", NULL);
	if (e)
		return e;
	if (v == SQ_SCHEMA_VERSION)
		return 0;
	if (v > SQ_SCHEMA_VERSION || v < 0)
		return sq_err(s, -EPROTO, "schema version %lld is newer than this v6lab knows (%d)",
			      (long long)v, SQ_SCHEMA_VERSION);
	e = sq_begin(s, "schema");
	if (e)
		return e;
	e = sq_run(s, "schema version", &v, NULL, "PRAGMA user_version", NULL);
	for (; !e && v >= 0 && v < SQ_SCHEMA_VERSION; v++)
		e = sq_exec_simple(s, "schema", sq_migrations[v]);
	if (!e)
		e = sq_commit(s, "schema");
	if (e)
		sq_rollback(s);
	return e;
}

int ar_store_sqlite_open(const char *path, struct ar_store **out, char *err, size_t errlen)
{
	struct sq *s;
	int rc, e;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "store %s: out of memory", path);
		return -ENOMEM;
	}
	s->base.ops = &sq_ops;
	s->opening = true;
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		e = sq_errno(rc);
		snprintf(err, errlen, "store %s: cannot open: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, SQ_BUSY_TIMEOUT_MS);
	/* foreign keys are off by default in every SQLite connection */
	e = sq_exec_simple(s, "foreign keys", "PRAGMA foreign_keys = ON");
	if (!e) /* readers do not block the writer; the mode stays in the file */
		e = sq_exec_simple(s, "WAL mode", "PRAGMA journal_mode = WAL");
	if (!e)
		e = sq_migrate(s);
	if (e) {
		snprintf(err, errlen, "%s", s->base.err);
		goto fail;
	}
	s->base.err[0] = '\0';
	s->opening = false;
	*out = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return e;
}
