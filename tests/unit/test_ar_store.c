/*
 * The results store of the automatic running system on a real SQLite file
 * in a temporary directory (removed at the end): opening and the store
 * kinds, the schema settings (WAL, schema version, foreign keys), releases,
 * artifacts, runs, steps with byte-exact logs (NUL bytes, 1 MiB), suite
 * runs with live and final counts, results, files, flagged results, listing
 * orders and early stops, -ENOENT for missing ids, recovery after a
 * watcher died in the middle of a run, the previous-run rule across
 * releases and targets, and two connections used at once.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "compare.h" /* brings src/autorun/store.h (src/conform has a store.h too) */
#include "t.h"

static char tmpdir[] = "/tmp/v6lab-store-XXXXXX";
static char dbpath[256], db2path[256];

static void rm_db(const char *path)
{
	char p[300];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

static void cleanup(void)
{
	char p[300];

	rm_db(dbpath);
	rm_db(db2path);
	snprintf(p, sizeof(p), "%s/junk.db", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/newer.db", tmpdir);
	rm_db(p);
	rmdir(tmpdir);
}

static struct ar_store *open_store(const char *uri)
{
	struct ar_store *st = NULL;
	char err[256] = "";
	int rc = ar_store_open(uri, &st, err, sizeof(err));

	T_OK(rc == 0 && st, "open %s (%s)", uri, err);
	return rc ? NULL : st;
}

static struct ar_release rel(const char *source, const char *version)
{
	struct ar_release r = { .date = 1700000000 };

	snprintf(r.source, sizeof(r.source), "%s", source);
	snprintf(r.version, sizeof(r.version), "%s", version);
	snprintf(r.kind, sizeof(r.kind), "package");
	snprintf(r.name, sizeof(r.name), "linux-image-%s-cloud-amd64", version);
	snprintf(r.ref, sizeof(r.ref), "linux-image-%s-cloud-amd64=%s", version, version);
	return r;
}

/* ---- collecting rows ---- */

#define MAXROWS 64

struct rows {
	int n, stop_at, stop_val;
	int64_t id[MAXROWS];
	char s[MAXROWS][128];	/* one text field per row, chosen by the callback */
	int counts[MAXROWS][AR_NVERDICTS];
	double ended[MAXROWS];
	size_t len[MAXROWS];
};

static int row_done(struct rows *r)
{
	r->n++;
	return r->stop_at && r->n == r->stop_at ? r->stop_val : 0;
}

static int rel_cb(void *ctx, const struct ar_release_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s/%s/%s", x->source, x->version, x->state);
	}
	return row_done(r);
}

static int art_cb(void *ctx, const struct ar_artifact_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s:%.8s", x->kind, x->sha256);
		r->len[r->n] = (size_t)x->size;
	}
	return row_done(r);
}

static int run_cb(void *ctx, const struct ar_run_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s/%s@%s:%s:%s", x->source, x->version,
			 x->target, x->status, x->note);
		memcpy(r->counts[r->n], x->counts, sizeof(x->counts));
		r->ended[r->n] = x->ended;
	}
	return row_done(r);
}

static int step_cb(void *ctx, const struct ar_step_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%d:%s:%s:%s", x->seq, x->name, x->status,
			 x->note);
		r->len[r->n] = x->loglen;
		r->ended[r->n] = x->ended;
	}
	return row_done(r);
}

static int suite_cb(void *ctx, const struct ar_suite_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s@%s:%s/%s", x->suite, x->target, x->source,
			 x->version);
		memcpy(r->counts[r->n], x->counts, sizeof(x->counts));
		r->ended[r->n] = x->ended;
	}
	return row_done(r);
}

static int result_cb(void *ctx, const struct ar_result_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s:%s:%s", x->test, x->verdict, x->flag);
	}
	return row_done(r);
}

static int file_cb(void *ctx, const struct ar_file_row *x)
{
	struct rows *r = ctx;

	if (r->n < MAXROWS) {
		r->id[r->n] = x->result_id;
		snprintf(r->s[r->n], sizeof(r->s[0]), "%s", x->name);
		r->len[r->n] = x->size;
	}
	return row_done(r);
}

/* A whole row, copied, for the tests that check every field. */
struct full_result {
	int n;
	char test[64], title[64], rfc[32], verdict[8], reason[64], history[32], flag[16];
	double secs;
	int attempts;
	int64_t suite_run_id;
};

static int full_result_cb(void *ctx, const struct ar_result_row *x)
{
	struct full_result *f = ctx;

	f->n++;
	snprintf(f->test, sizeof(f->test), "%s", x->test);
	snprintf(f->title, sizeof(f->title), "%s", x->title);
	snprintf(f->rfc, sizeof(f->rfc), "%s", x->rfc);
	snprintf(f->verdict, sizeof(f->verdict), "%s", x->verdict);
	snprintf(f->reason, sizeof(f->reason), "%s", x->reason);
	snprintf(f->history, sizeof(f->history), "%s", x->history);
	snprintf(f->flag, sizeof(f->flag), "%s", x->flag);
	f->secs = x->secs;
	f->attempts = x->attempts;
	f->suite_run_id = x->suite_run_id;
	return 0;
}

struct full_release {
	int n;
	char kind[16], name[128], ref[160], state[16];
	long long date;
	double found;
};

static int full_release_cb(void *ctx, const struct ar_release_row *x)
{
	struct full_release *f = ctx;

	f->n++;
	snprintf(f->kind, sizeof(f->kind), "%s", x->kind);
	snprintf(f->name, sizeof(f->name), "%s", x->name);
	snprintf(f->ref, sizeof(f->ref), "%s", x->ref);
	snprintf(f->state, sizeof(f->state), "%s", x->state);
	f->date = x->date;
	f->found = x->found;
	return 0;
}

static const char *release_state(struct ar_store *st, int64_t id)
{
	static struct full_release f;

	memset(&f, 0, sizeof(f));
	if (st->ops->release_get(st, id, full_release_cb, &f))
		return "(error)";
	return f.state;
}

/* ---- tests ---- */

static void test_open(void)
{
	struct ar_store *st = NULL;
	char err[256] = "", p[300];
	FILE *f;
	int rc;

	rc = ar_store_open("postgresql://db.example/v6lab", &st, err, sizeof(err));
	T_OK(rc == -ENOTSUP && !st, "postgresql:// is not built: -ENOTSUP");
	T_OK(strstr(err, "PostgreSQL") && strstr(err, "not built"), "message says so: %s", err);
	err[0] = '\0';
	T_OK(ar_store_open("postgres://x", &st, err, sizeof(err)) == -ENOTSUP && err[0],
	     "postgres:// too");
	T_OK(ar_store_open("", &st, err, sizeof(err)) == -EINVAL, "empty location refused");
	T_OK(ar_store_open("sqlite:", &st, err, sizeof(err)) == -EINVAL, "sqlite: without a path");
	T_OK(ar_store_open("mysql://x/y", &st, err, sizeof(err)) == -EINVAL && strstr(err, "mysql"),
	     "unknown scheme refused: %s", err);
	snprintf(p, sizeof(p), "%s/no/such/dir/a.db", tmpdir);
	err[0] = '\0';
	T_OK(ar_store_open(p, &st, err, sizeof(err)) < 0 && !st && strstr(err, "cannot open"),
	     "missing directory: %s", err);
	snprintf(p, sizeof(p), "%s/junk.db", tmpdir);
	f = fopen(p, "w");
	if (f) {
		for (int i = 0; i < 200; i++)
			fputs("this is not a database\n", f);
		fclose(f);
	}
	err[0] = '\0';
	T_OK(ar_store_open(p, &st, err, sizeof(err)) < 0 && !st && err[0],
	     "a file that is not SQLite is refused: %s", err);
}

static void test_schema_settings(void)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char mode[16] = "";
	int ver = -1, fk = 0;
	struct ar_store *st;
	char err[256] = "", p[300];

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		T_OK(0, "open %s with sqlite3", dbpath);
		sqlite3_close(db);
		return;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
	}
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			ver = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
			       "name IN ('release', 'run', 'step', 'suite_run', 'result', "
			       "'result_file', 'artifact')", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			fk = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	T_EQ_S(mode, "wal", "the file is in WAL mode");
	T_EQ_U(ver, 1, "schema version 1 in user_version");
	T_EQ_U(fk, 7, "the seven tables exist");

	/* a database from a newer v6lab is refused, not misread */
	snprintf(p, sizeof(p), "%s/newer.db", tmpdir);
	if (sqlite3_open(p, &db) == SQLITE_OK)
		sqlite3_exec(db, "CREATE TABLE x (a); PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	st = NULL;
	T_OK(ar_store_open(p, &st, err, sizeof(err)) == -EPROTO && !st && strstr(err, "99"),
	     "schema version 99 refused: %s", err);
}

static void test_releases(struct ar_store *st, int64_t *r1, int64_t *r2)
{
	struct ar_release a = rel("deb", "6.1.0-47"), b = rel("deb", "6.12.100-1"), c;
	struct full_release f = { 0 };
	struct rows rw = { 0 };
	int64_t id = 0, id2 = 0;
	bool isnew = false;

	T_EQ_S(st->ops->name, "sqlite", "backend name");
	T_OK(st->ops->release_add(st, &a, &id, &isnew) == 0 && id > 0 && isnew,
	     "first add of a release is new");
	T_OK(st->ops->release_add(st, &a, &id2, &isnew) == 0 && id2 == id && !isnew,
	     "second add finds the same release, not new");
	*r1 = id;
	T_OK(st->ops->release_add(st, &b, r2, &isnew) == 0 && *r2 != id && isnew,
	     "another release");
	c = rel("", "x");
	T_OK(st->ops->release_add(st, &c, &id2, &isnew) == -EINVAL && st->err[0],
	     "release without source refused: %s", st->err);

	T_OK(st->ops->release_get(st, *r1, full_release_cb, &f) == 0 && f.n == 1, "release_get");
	T_EQ_S(f.kind, "package", "kind stored");
	T_EQ_S(f.name, "linux-image-6.1.0-47-cloud-amd64", "name stored");
	T_EQ_S(f.ref, "linux-image-6.1.0-47-cloud-amd64=6.1.0-47", "ref stored");
	T_EQ_S(f.state, "new", "a new release is in state new");
	T_EQ_U(f.date, 1700000000, "date stored");
	T_OK(f.found > 1.6e9, "found time set (%f)", f.found);

	T_OK(st->ops->release_state(st, *r1, "running") == 0, "release_state running");
	T_EQ_S(release_state(st, *r1), "running", "state read back");
	T_OK(st->ops->release_state(st, *r1, "bogus") == -EINVAL, "unknown state refused");
	T_OK(st->ops->release_state(st, 9999, "done") == -ENOENT, "release_state of no release");
	T_OK(st->ops->release_get(st, 9999, full_release_cb, &f) == -ENOENT &&
	     strstr(st->err, "9999"),
	     "release_get of no release: -ENOENT (%s)", st->err);

	T_OK(st->ops->releases(st, rel_cb, &rw) == 0 && rw.n == 2, "two releases listed");
	T_OK(rw.id[0] == *r2 && rw.id[1] == *r1, "newest found first");
	T_EQ_S(rw.s[1], "deb/6.1.0-47/running", "listing row fields");
	memset(&rw, 0, sizeof(rw));
	rw.stop_at = 1;
	rw.stop_val = 42;
	T_OK(st->ops->releases(st, rel_cb, &rw) == 42 && rw.n == 1,
	     "callback's non-zero stops the listing and is returned");
}

static void test_artifacts(struct ar_store *st, int64_t r1, int64_t r2)
{
	const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct rows rw = { 0 };

	T_OK(st->ops->artifact_add(st, r1, "kernel", "/a/vmlinuz", sha, 11534336) == 0,
	     "artifact kernel");
	T_OK(st->ops->artifact_add(st, r1, "config", "/a/config", sha, 250000) == 0,
	     "artifact config");
	T_OK(st->ops->artifact_add(st, r1, "kernel", "/a/vmlinuz", "ABC", 1) == -EINVAL,
	     "bad checksum refused");
	T_OK(st->ops->artifact_add(st, 9999, "kernel", "/a/vmlinuz", sha, 1) == -ENOENT,
	     "artifact of no release: -ENOENT (foreign key)");
	T_OK(st->ops->artifacts(st, r1, art_cb, &rw) == 0 && rw.n == 2, "two artifacts");
	T_EQ_S(rw.s[0], "kernel:01234567", "in the order added");
	T_EQ_U(rw.len[0], 11534336, "size stored");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->artifacts(st, r2, art_cb, &rw) == 0 && rw.n == 0,
	     "a release without artifacts lists none");
	T_OK(st->ops->artifacts(st, 9999, art_cb, &rw) == -ENOENT, "artifacts of no release");
}

static char *big_log(size_t n)
{
	char *p = malloc(n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (char)(i * 7 % 251);	/* every byte value but a few, NULs included */
	return p;
}

static void test_steps(struct ar_store *st, int64_t r1, int64_t *run1)
{
	static const char nul_log[] = "line one\n\0binary\0\xff tail\n";
	size_t big_n = 1 << 20, len = 0;
	int64_t s1 = 0, s2 = 0, s3 = 0, x;
	struct rows rw = { 0 };
	char *big = big_log(big_n), *log = NULL;

	T_OK(st->ops->run_begin(st, r1, "qemu", run1) == 0 && *run1 > 0, "run_begin");
	T_OK(st->ops->run_begin(st, 9999, "qemu", &x) == -ENOENT, "run of no release: -ENOENT");
	T_OK(st->ops->run_begin(st, r1, "", &x) == -EINVAL, "run without target refused");
	T_OK(st->ops->step_begin(st, *run1, "fetch", &s1) == 0, "step fetch");
	T_OK(st->ops->step_end(st, s1, "ok", "", nul_log, sizeof(nul_log) - 1) == 0,
	     "fetch ends with a log holding NUL bytes");
	T_OK(st->ops->step_begin(st, *run1, "build", &s2) == 0, "step build");
	T_OK(big && st->ops->step_end(st, s2, "failed", "make: exit 2", big, big_n) == 0,
	     "build ends with a 1 MiB log");
	T_OK(st->ops->step_begin(st, *run1, "configure", &s3) == 0, "step configure");
	T_OK(st->ops->step_end(st, s3, "skipped", NULL, NULL, 0) == 0, "configure without a log");
	T_OK(st->ops->step_end(st, s3, "great", NULL, NULL, 0) == -EINVAL, "unknown step status");
	T_OK(st->ops->step_end(st, 9999, "ok", NULL, NULL, 0) == -ENOENT, "step_end of no step");
	T_OK(st->ops->step_begin(st, 9999, "fetch", &x) == -ENOENT, "step of no run: -ENOENT");

	T_OK(st->ops->step_log(st, s1, &log, &len) == 0 && len == sizeof(nul_log) - 1 &&
	     !memcmp(log, nul_log, len) && log[len] == '\0', "log with NUL bytes back byte-exact");
	free(log);
	log = NULL;
	T_OK(st->ops->step_log(st, s2, &log, &len) == 0 && len == big_n && big &&
	     !memcmp(log, big, big_n) && log[len] == '\0', "1 MiB log back byte-exact");
	free(log);
	log = NULL;
	T_OK(st->ops->step_log(st, s3, &log, &len) == 0 && len == 0 && log && !log[0],
	     "no log reads back as an empty string");
	free(log);
	log = (char *)"x";
	T_OK(st->ops->step_log(st, 9999, &log, &len) == -ENOENT && !log, "step_log of no step");

	T_OK(st->ops->steps(st, *run1, step_cb, &rw) == 0 && rw.n == 3, "three steps");
	T_EQ_S(rw.s[0], "1:fetch:ok:", "step 1");
	T_EQ_S(rw.s[1], "2:build:failed:make: exit 2", "step 2 with its note");
	T_EQ_S(rw.s[2], "3:configure:skipped:", "step 3");
	T_OK(rw.len[0] == sizeof(nul_log) - 1 && rw.len[1] == big_n && rw.len[2] == 0,
	     "log lengths in the listing");
	T_OK(rw.ended[0] > 0, "an ended step has its end time");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->steps(st, 9999, step_cb, &rw) == -ENOENT, "steps of no run: -ENOENT");
	free(big);
}

static int64_t add_result(struct ar_store *st, int64_t sid, const char *test, const char *verdict,
			  const char *flag)
{
	struct ar_result r = { .test = test, .verdict = verdict, .flag = flag, .title = "t",
			       .secs = 0.5 };
	int64_t id = 0;
	int rc = st->ops->result_add(st, sid, &r, &id);

	T_OK(rc == 0 && id > 0, "result %s %s (%d)", test, verdict, rc);
	return id;
}

static void test_results(struct ar_store *st, int64_t r1, int64_t r2, int64_t run1)
{
	static const uint8_t pcap[] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 1, 0, 0, 0, 0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00, 0x80, 0xfe,
	};
	static const char rlog[] = "send link0\n\0\x01\x02expect\n";
	struct ar_result full = {
		.test = "core.a.full", .title = "A test with every field", .rfc = "4861 7.2.2",
		.verdict = "FAIL", .reason = "no NS within 3s", .history = "FAIL,FAIL,FAIL",
		.flag = "regression", .secs = 3.25, .attempts = 3, .log = rlog,
		.loglen = sizeof(rlog) - 1,
	};
	struct ar_result bad = { .test = "core.x", .verdict = "MAYBE" };
	int64_t s1 = 0, s2 = 0, rid = 0, x, rb, run2 = 0;
	struct full_result f = { 0 };
	struct rows rw = { 0 };
	size_t len = 0;
	void *data = NULL;
	char *log = NULL;

	T_OK(st->ops->suite_begin(st, run1, "core-host", &s1) == 0, "suite_begin");
	T_OK(st->ops->suite_begin(st, 9999, "core-host", &x) == -ENOENT, "suite of no run");
	add_result(st, s1, "core.c", "PASS", NULL);
	add_result(st, s1, "core.a", "FAIL", "");
	rb = add_result(st, s1, "core.b", "WARN", NULL);
	add_result(st, s1, "core.e", "N/A", NULL);
	add_result(st, s1, "core.d", "SKIP", NULL);
	add_result(st, s1, "core.f", "ERROR", "flaky");
	add_result(st, s1, "core.g", "PASS", NULL);
	T_OK(st->ops->result_add(st, s1, &full, &rid) == 0 && rid > 0, "result with every field");
	T_OK(st->ops->result_add(st, s1, &bad, &x) == -EINVAL && strstr(st->err, "MAYBE"),
	     "unknown verdict refused: %s", st->err);
	bad.verdict = "PASS";
	bad.flag = "odd";
	T_OK(st->ops->result_add(st, s1, &bad, &x) == -EINVAL, "unknown flag refused");
	bad.flag = NULL;
	bad.test = "core.a";
	T_OK(st->ops->result_add(st, s1, &bad, &x) == -EEXIST && strstr(st->err, "core.a"),
	     "the same test twice in a suite run: -EEXIST (%s)", st->err);
	bad.test = "core.z";
	T_OK(st->ops->result_add(st, 9999, &bad, &x) == -ENOENT, "result of no suite run");

	/* counts while the suite runs, before suite_end */
	T_OK(st->ops->suite_get(st, s1, suite_cb, &rw) == 0 && rw.n == 1, "suite_get");
	T_OK(rw.counts[0][0] == 2 && rw.counts[0][1] == 1 && rw.counts[0][2] == 2 &&
	     rw.counts[0][3] == 1 && rw.counts[0][4] == 1 && rw.counts[0][5] == 1,
	     "counts kept up to date before the suite ends");
	T_OK(rw.ended[0] == 0, "a running suite has ended 0");
	T_EQ_S(rw.s[0], "core-host@qemu:deb/6.1.0-47", "suite row carries run's target, release");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->suites(st, 0, "core-host", suite_cb, &rw) == 0 && rw.n == 0,
	     "a suite run not ended is not in the per-suite listing");
	T_OK(st->ops->suites(st, run1, NULL, suite_cb, &rw) == 0 && rw.n == 1,
	     "but is in its run's listing");
	T_OK(st->ops->suite_end(st, s1) == 0, "suite_end");
	T_OK(st->ops->suite_end(st, 9999) == -ENOENT, "suite_end of no suite run");

	T_OK(st->ops->suite_begin(st, run1, "core-router", &s2) == 0, "second suite run");
	add_result(st, s2, "core.a", "PASS", NULL);
	add_result(st, s2, "core.b", "FAIL", NULL);
	T_OK(st->ops->suite_end(st, s2) == 0, "second suite_end");

	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->run_get(st, run1, run_cb, &rw) == 0 && rw.n == 1, "run_get");
	T_OK(rw.counts[0][0] == 3 && rw.counts[0][1] == 1 && rw.counts[0][2] == 3 &&
	     rw.counts[0][3] == 1 && rw.counts[0][4] == 1 && rw.counts[0][5] == 1,
	     "run counts summed over its suite runs (%d %d %d %d %d %d)", rw.counts[0][0],
	     rw.counts[0][1], rw.counts[0][2], rw.counts[0][3], rw.counts[0][4], rw.counts[0][5]);
	T_EQ_S(rw.s[0], "deb/6.1.0-47@qemu:running:", "run row while running");
	T_OK(rw.ended[0] == 0, "running run has ended 0");
	T_OK(st->ops->run_get(st, 9999, run_cb, &rw) == -ENOENT, "run_get of no run");

	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->results(st, s1, result_cb, &rw) == 0 && rw.n == 8, "eight results");
	T_OK(!strcmp(rw.s[0], "core.a:FAIL:") && !strcmp(rw.s[1], "core.a.full:FAIL:regression") &&
	     !strcmp(rw.s[2], "core.b:WARN:") && !strcmp(rw.s[3], "core.c:PASS:") &&
	     !strcmp(rw.s[4], "core.d:SKIP:") && !strcmp(rw.s[5], "core.e:N/A:") &&
	     !strcmp(rw.s[6], "core.f:ERROR:flaky") && !strcmp(rw.s[7], "core.g:PASS:"),
	     "results ordered by test id whatever the order added");
	memset(&rw, 0, sizeof(rw));
	rw.stop_at = 2;
	rw.stop_val = -7;
	T_OK(st->ops->results(st, s1, result_cb, &rw) == -7 && rw.n == 2,
	     "a negative value from the callback stops results too");
	T_OK(st->ops->results(st, 9999, result_cb, &rw) == -ENOENT, "results of no suite run");

	T_OK(st->ops->result_get(st, rid, full_result_cb, &f) == 0 && f.n == 1, "result_get");
	T_EQ_S(f.test, "core.a.full", "test");
	T_EQ_S(f.title, "A test with every field", "title");
	T_EQ_S(f.rfc, "4861 7.2.2", "rfc");
	T_EQ_S(f.verdict, "FAIL", "verdict");
	T_EQ_S(f.reason, "no NS within 3s", "reason");
	T_EQ_S(f.history, "FAIL,FAIL,FAIL", "history");
	T_EQ_S(f.flag, "regression", "flag");
	T_OK(f.secs == 3.25 && f.attempts == 3 && f.suite_run_id == s1, "secs, attempts, suite");
	memset(&f, 0, sizeof(f));
	T_OK(st->ops->result_get(st, rb, full_result_cb, &f) == 0, "result_get of a bare result");
	T_OK(f.attempts == 1 && !strcmp(f.history, "WARN") && !strcmp(f.flag, "") &&
	     !strcmp(f.rfc, ""), "defaults: 1 attempt, history = verdict, no flag, empty text");
	T_OK(st->ops->result_get(st, 9999, full_result_cb, &f) == -ENOENT, "result_get of none");

	T_OK(st->ops->result_log(st, rid, &log, &len) == 0 && len == sizeof(rlog) - 1 &&
	     !memcmp(log, rlog, len) && log[len] == '\0', "result log back byte-exact");
	free(log);
	log = NULL;
	T_OK(st->ops->result_log(st, rb, &log, &len) == 0 && len == 0 && log && !log[0],
	     "result without log: empty");
	free(log);
	T_OK(st->ops->result_log(st, 9999, &log, &len) == -ENOENT, "result_log of none");

	/* files */
	T_OK(st->ops->file_add(st, rid, "link0.pcap", pcap, sizeof(pcap)) == 0, "file link0.pcap");
	T_OK(st->ops->file_add(st, rid, "log.html", "<p>x</p>", 8) == 0, "file log.html");
	T_OK(st->ops->file_add(st, rid, "empty.txt", NULL, 0) == 0, "empty file");
	T_OK(st->ops->file_add(st, rid, "link0.pcap", pcap, 4) == -EEXIST, "same name twice");
	T_OK(st->ops->file_add(st, rid, "../x", pcap, 4) == -EINVAL, "a path is not a file name");
	T_OK(st->ops->file_add(st, 9999, "a.pcap", pcap, 4) == -ENOENT, "file of no result");
	T_OK(st->ops->file_get(st, rid, "link0.pcap", &data, &len) == 0 && len == sizeof(pcap) &&
	     !memcmp(data, pcap, len), "pcap bytes back exactly");
	free(data);
	data = NULL;
	T_OK(st->ops->file_get(st, rid, "empty.txt", &data, &len) == 0 && len == 0 && data,
	     "empty file back with length 0");
	free(data);
	data = NULL;
	T_OK(st->ops->file_get(st, rid, "link9.pcap", &data, &len) == -ENOENT && !data,
	     "missing file: -ENOENT");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->files(st, rid, file_cb, &rw) == 0 && rw.n == 3, "three files listed");
	T_OK(!strcmp(rw.s[0], "link0.pcap") && rw.len[0] == sizeof(pcap) &&
	     !strcmp(rw.s[1], "log.html") && rw.len[1] == 8 && !strcmp(rw.s[2], "empty.txt") &&
	     rw.id[0] == rid, "files in the order added, with sizes");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->files(st, rb, file_cb, &rw) == 0 && rw.n == 0, "a result without files");
	T_OK(st->ops->files(st, 9999, file_cb, &rw) == -ENOENT, "files of no result");

	/* flagged results, newest first */
	T_OK(st->ops->run_begin(st, r2, "qemu", &run2) == 0, "run of the second release");
	T_OK(st->ops->suite_begin(st, run2, "core-host", &x) == 0, "its suite");
	add_result(st, x, "core.h", "FAIL", "regression");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->flagged(st, NULL, result_cb, &rw) == 0 && rw.n == 3, "three flagged");
	T_OK(!strcmp(rw.s[0], "core.h:FAIL:regression") && !strcmp(rw.s[1], "core.a.full:FAIL:"
	     "regression") && !strcmp(rw.s[2], "core.f:ERROR:flaky"), "newest first");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->flagged(st, "flaky", result_cb, &rw) == 0 && rw.n == 1 &&
	     !strcmp(rw.s[0], "core.f:ERROR:flaky"), "only flaky");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->flagged(st, "regression", result_cb, &rw) == 0 && rw.n == 2, "regressions");
	T_OK(st->ops->flagged(st, "weird", result_cb, &rw) == -EINVAL, "unknown flag");

	/* runs: listing and ending */
	T_OK(st->ops->run_end(st, run1, "done", "2 suites") == 0, "run_end");
	T_OK(st->ops->run_end(st, run1, "over", NULL) == -EINVAL, "unknown run status");
	T_OK(st->ops->run_end(st, 9999, "done", NULL) == -ENOENT, "run_end of no run");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->runs(st, 0, run_cb, &rw) == 0 && rw.n == 2, "all runs");
	T_OK(rw.id[0] == run2 && rw.id[1] == run1, "newest run first");
	T_EQ_S(rw.s[1], "deb/6.1.0-47@qemu:done:2 suites", "ended run with its note");
	T_OK(rw.ended[1] > 0 && rw.counts[1][2] == 3, "ended time and counts in listing");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->runs(st, r1, run_cb, &rw) == 0 && rw.n == 1 && rw.id[0] == run1,
	     "runs of one release");
	T_OK(st->ops->runs(st, 9999, run_cb, &rw) == -ENOENT, "runs of no release");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->suites(st, run1, NULL, suite_cb, &rw) == 0 && rw.n == 2 && rw.id[0] == s1 &&
	     rw.id[1] == s2, "suite runs of a run in the order begun");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->suites(st, run1, "core-router", suite_cb, &rw) == 0 && rw.n == 1 &&
	     rw.id[0] == s2, "one suite of a run by name");
	T_OK(st->ops->suites(st, 9999, NULL, suite_cb, &rw) == -ENOENT, "suites of no run");
	T_OK(st->ops->suites(st, 0, NULL, suite_cb, &rw) == -EINVAL, "suites of nothing");
	T_OK(st->ops->suite_get(st, 9999, suite_cb, &rw) == -ENOENT, "suite_get of none");
	T_OK(st->ops->run_end(st, run2, "failed", "build") == 0, "second run ends");
}

/* Three releases found in order A, B, C; targets qemu and netns. */
static void test_previous(struct ar_store *st)
{
	struct ar_release a = rel("prev", "A"), b = rel("prev", "B"), c = rel("prev", "C");
	int64_t ra, rb, rc_, run, aq, an, bq, bo, bn, cq, cn, bq2, cq2, p;
	bool isnew;

	st->ops->release_add(st, &a, &ra, &isnew);
	st->ops->release_add(st, &b, &rb, &isnew);
	st->ops->release_add(st, &c, &rc_, &isnew);

#define SUITE(rel_, target, suite, id, end)                                                  \
	do {                                                                                 \
		T_OK(st->ops->run_begin(st, rel_, target, &run) == 0 &&                     \
		     st->ops->suite_begin(st, run, suite, &id) == 0 &&                      \
		     (!(end) || st->ops->suite_end(st, id) == 0), "suite run " #id);       \
	} while (0)

	SUITE(ra, "p-qemu", "p-core", aq, 1);
	SUITE(ra, "p-netns", "p-core", an, 1);
	SUITE(rb, "p-qemu", "p-core", bq, 1);
	SUITE(rb, "p-qemu", "p-other", bo, 1);
	SUITE(rb, "p-netns", "p-core", bn, 0);	/* never ended */
	SUITE(rc_, "p-qemu", "p-core", cq, 1);
	SUITE(rc_, "p-netns", "p-core", cn, 0);
	(void)bn;

	T_OK(st->ops->previous_suite(st, cq, &p) == 0 && p == bq, "C/qemu follows B/qemu");
	T_OK(st->ops->previous_suite(st, cn, &p) == 0 && p == an,
	     "C/netns follows A/netns: B's did not end");
	T_OK(st->ops->previous_suite(st, bq, &p) == 0 && p == aq, "B/qemu follows A/qemu");
	T_OK(st->ops->previous_suite(st, aq, &p) == 0 && p == 0, "A/qemu has no previous");
	T_OK(st->ops->previous_suite(st, bo, &p) == 0 && p == 0, "another suite section: none");

	/* B done again on qemu later: its later-ended suite run is the previous one */
	SUITE(rb, "p-qemu", "p-core", bq2, 1);
	T_OK(st->ops->previous_suite(st, cq, &p) == 0 && p == bq2,
	     "the last ended suite run of the previous release");
	/* a second run of C itself is never C's previous */
	SUITE(rc_, "p-qemu", "p-core", cq2, 1);
	T_OK(st->ops->previous_suite(st, cq2, &p) == 0 && p == bq2, "not one of the same release");
	T_OK(st->ops->previous_suite(st, cq, &p) == 0 && p == bq2,
	     "a later run of the same release is not previous either");
	p = 5;
	T_OK(st->ops->previous_suite(st, 99999, &p) == -ENOENT && p == 0,
	     "previous of no suite run: -ENOENT");
#undef SUITE
}

struct writer_ctx {
	struct ar_store *w;
	int rc, calls;
	int64_t id;
};

/* Runs while the reading connection is in the middle of a listing. */
static int write_during_read(void *ctx, const struct ar_release_row *r)
{
	struct writer_ctx *c = ctx;
	struct ar_release x = rel("other", "during-read");
	bool isnew;

	(void)r;
	if (c->calls++ == 0)
		c->rc = c->w->ops->release_add(c->w, &x, &c->id, &isnew);
	return 0;
}

/* A callback calling the same store again (nested use of one connection). */
static int nested_get(void *ctx, const struct ar_release_row *r)
{
	struct ar_store *st = ctx;
	struct full_release f = { 0 };

	return st->ops->release_get(st, r->id, full_release_cb, &f) || f.n != 1;
}

static void test_two_connections(struct ar_store *st)
{
	struct ar_store *st2 = open_store(dbpath);
	struct writer_ctx c = { .w = st };
	struct rows before = { 0 }, after = { 0 };
	double t0;
	struct timespec ts;

	if (!st2)
		return;
	st->ops->releases(st, rel_cb, &before);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	T_OK(st2->ops->releases(st2, write_during_read, &c) == 0 && c.calls == before.n,
	     "reader lists while ...");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	T_OK(c.rc == 0 && c.id > 0, "... the other connection writes (%d)", c.rc);
	T_OK((double)ts.tv_sec + ts.tv_nsec / 1e9 - t0 < 2.0, "without waiting for a lock");
	T_OK(st2->ops->releases(st2, rel_cb, &after) == 0 && after.n == before.n + 1 &&
	     after.id[0] == c.id, "the reader sees the new release next time, first");
	T_OK(st->ops->releases(st, nested_get, st) == 0, "a callback may call the store again");
	ar_store_close(st2);
}

static void test_recover(void)
{
	struct ar_release r = rel("deb", "6.12.110-1");
	int64_t rid, run, s1, s2, done_run;
	struct ar_store *st;
	struct rows rw = { 0 };
	char uri[300];
	bool isnew;

	snprintf(uri, sizeof(uri), "sqlite:%s", db2path);
	st = open_store(uri);
	if (!st)
		return;
	T_OK(st->ops->release_add(st, &r, &rid, &isnew) == 0, "release");
	st->ops->run_begin(st, rid, "qemu", &done_run);
	st->ops->run_end(st, done_run, "failed", "build: exit 2");
	st->ops->release_state(st, rid, "running");
	T_OK(st->ops->run_begin(st, rid, "qemu", &run) == 0, "run begins");
	T_OK(st->ops->step_begin(st, run, "fetch", &s1) == 0 &&
	     st->ops->step_end(st, s1, "ok", NULL, "got it\n", 7) == 0, "fetch done");
	T_OK(st->ops->step_begin(st, run, "build", &s2) == 0,
	     "build begins ... and the watcher dies");
	ar_store_close(st);

	st = open_store(uri);
	if (!st)
		return;
	T_EQ_U(st->ops->recover(st, "the watcher stopped during this run"), 1,
	     "recover finds one interrupted run");
	T_OK(st->ops->run_get(st, run, run_cb, &rw) == 0, "the run");
	T_EQ_S(rw.s[0], "deb/6.12.110-1@qemu:interrupted:the watcher stopped during this run",
	       "marked interrupted with the note");
	T_OK(rw.ended[0] > 0, "and ended");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->run_get(st, done_run, run_cb, &rw) == 0, "the earlier run");
	T_EQ_S(rw.s[0], "deb/6.12.110-1@qemu:failed:build: exit 2", "an ended run is untouched");
	memset(&rw, 0, sizeof(rw));
	T_OK(st->ops->steps(st, run, step_cb, &rw) == 0 && rw.n == 2, "its steps");
	T_EQ_S(rw.s[0], "1:fetch:ok:", "the finished step kept");
	T_EQ_S(rw.s[1], "2:build:failed:the watcher stopped during this run",
	       "the running step failed with the note");
	T_EQ_S(release_state(st, rid), "new", "the release is new again (done again)");
	T_EQ_U(st->ops->recover(st, "again"), 0, "nothing more to recover");
	ar_store_close(st);
}

static void test_verdict_names(void)
{
	T_EQ_S(ar_verdict_names[0], "PASS", "verdict 0");
	T_EQ_S(ar_verdict_names[4], "N/A", "verdict 4");
	T_EQ_U(ar_verdict_index("ERROR"), 5, "ERROR is 5");
	T_EQ_U(ar_verdict_index("WARN"), 1, "WARN is 1");
	T_OK(ar_verdict_index("pass") == -1 && ar_verdict_index(NULL) == -1, "unknown: -1");
}

int main(void)
{
	struct ar_store *st;
	int64_t r1 = 0, r2 = 0, run1 = 0;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	snprintf(dbpath, sizeof(dbpath), "%s/autorun.db", tmpdir);
	snprintf(db2path, sizeof(db2path), "%s/crash.db", tmpdir);

	test_verdict_names();
	test_open();
	st = open_store(dbpath);
	if (st) {
		test_schema_settings();
		test_releases(st, &r1, &r2);
		test_artifacts(st, r1, r2);
		test_steps(st, r1, &run1);
		test_results(st, r1, r2, run1);
		test_previous(st);
		test_two_connections(st);
		ar_store_close(st);
	}
	test_recover();
	return t_done();
}
