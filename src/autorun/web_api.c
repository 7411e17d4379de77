/*
 * The JSON API of v6lab serve (docs/autorun-api.md): the same data as the
 * pages, built with jansson. Strings from the store are passed through a
 * UTF-8 check first (bytes that are not valid UTF-8 become U+FFFD), since
 * logs may hold anything and a JSON document must not. Errors are
 * {"error": "..."} with the HTTP status.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, cp = c & 0x07;
	else
		return 0;
	if (need >= n)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need + 1;
}

/* A JSON string of n bytes at s; NULL only when out of memory. */
static json_t *jstrn(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	struct ar_web_buf b = { 0 };
	json_t *j;
	size_t i, k;

	if (!s)
		return json_string("");
	for (i = 0; i < n; i += k)
		if (!(k = utf8_seq(u + i, n - i)))
			break;
	if (i == n)
		return json_stringn(s, n);
	ar_web_put(&b, s, i);
	for (; i < n; i += k) {
		k = utf8_seq(u + i, n - i);
		if (k) {
			ar_web_put(&b, s + i, k);
		} else {
			ar_web_puts(&b, "\xef\xbf\xbd");
			k = 1;
		}
	}
	j = b.oom ? NULL : json_stringn(b.p ? b.p : "", b.len);
	free(b.p);
	return j;
}

static json_t *jstr(const char *s)
{
	return jstrn(s, s ? strlen(s) : 0);
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

/* Sets key on o, noting a failed allocation in rq (the object owns v). */
static void set(struct ar_web_req *rq, json_t *o, const char *key, json_t *v)
{
	if (!v || !o || json_object_set_new(o, key, v) < 0)
		rq->oom = true;
}

static void append(struct ar_web_req *rq, json_t *a, json_t *v)
{
	if (!v || !a || json_array_append_new(a, v) < 0)
		rq->oom = true;
}

static json_t *counts_json(struct ar_web_req *rq, const int *counts)
{
	json_t *o = json_object();

	for (int i = 0; i < AR_NVERDICTS; i++)
		set(rq, o, ar_verdict_names[i], json_integer(counts[i]));
	return o;
}

static json_t *release_json(struct ar_web_req *rq, const struct ar_release_row *r)
{
	json_t *o = json_object();

	set(rq, o, "id", json_integer(r->id));
	set(rq, o, "source", jstr(r->source));
	set(rq, o, "version", jstr(r->version));
	set(rq, o, "kind", jstr(r->kind));
	set(rq, o, "name", jstr(r->name));
	set(rq, o, "ref", jstr(r->ref));
	set(rq, o, "date", json_integer(r->date));
	set(rq, o, "found", json_real(r->found));
	set(rq, o, "state", jstr(r->state));
	return o;
}

static json_t *run_json(struct ar_web_req *rq, const struct ar_run_row *r)
{
	json_t *o = json_object();

	set(rq, o, "id", json_integer(r->id));
	set(rq, o, "release", json_integer(r->release_id));
	set(rq, o, "source", jstr(r->source));
	set(rq, o, "version", jstr(r->version));
	set(rq, o, "target", jstr(r->target));
	set(rq, o, "started", json_real(r->started));
	set(rq, o, "ended", r->ended > 0 ? json_real(r->ended) : json_null());
	set(rq, o, "status", jstr(r->status));
	set(rq, o, "note", jstr(r->note));
	set(rq, o, "counts", counts_json(rq, r->counts));
	return o;
}

static json_t *step_json(struct ar_web_req *rq, const struct ar_step_row *r)
{
	json_t *o = json_object();
	char url[64];

	snprintf(url, sizeof(url), "/api/step/%lld/log", (long long)r->id);
	set(rq, o, "id", json_integer(r->id));
	set(rq, o, "seq", json_integer(r->seq));
	set(rq, o, "name", jstr(r->name));
	set(rq, o, "status", jstr(r->status));
	set(rq, o, "started", json_real(r->started));
	set(rq, o, "ended", r->ended > 0 ? json_real(r->ended) : json_null());
	set(rq, o, "note", jstr(r->note));
	set(rq, o, "log_bytes", json_integer((json_int_t)r->loglen));
	set(rq, o, "log", jstr(url));
	return o;
}

static json_t *suite_json(struct ar_web_req *rq, const struct ar_suite_row *r)
{
	json_t *o = json_object();

	set(rq, o, "id", json_integer(r->id));
	set(rq, o, "run", json_integer(r->run_id));
	set(rq, o, "suite", jstr(r->suite));
	set(rq, o, "source", jstr(r->source));
	set(rq, o, "version", jstr(r->version));
	set(rq, o, "target", jstr(r->target));
	set(rq, o, "started", json_real(r->started));
	set(rq, o, "ended", r->ended > 0 ? json_real(r->ended) : json_null());
	set(rq, o, "counts", counts_json(rq, r->counts));
	return o;
}

static json_t *result_json(struct ar_web_req *rq, const struct ar_result_row *r)
{
	json_t *o = json_object();

	set(rq, o, "id", json_integer(r->id));
	set(rq, o, "suite_run", json_integer(r->suite_run_id));
	set(rq, o, "test", jstr(r->test));
	set(rq, o, "title", jstr(r->title));
	set(rq, o, "rfc", jstr(r->rfc));
	set(rq, o, "verdict", jstr(r->verdict));
	set(rq, o, "reason", jstr(r->reason));
	set(rq, o, "secs", json_real(r->secs));
	set(rq, o, "attempts", json_integer(r->attempts));
	set(rq, o, "history", jstr(r->history));
	set(rq, o, "flag", jstr(r->flag));
	return o;
}

/* Serializes root (consumed) as the response body. */
static int send_json(struct ar_web_req *rq, struct ar_web_resp *rs, json_t *root)
{
	char *text;

	if (!root || rq->oom) {
		json_decref(root);
		return ar_web_error(rq, rs, 500, "out of memory building the answer");
	}
	text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text)
		return ar_web_error(rq, rs, 500, "out of memory building the answer");
	rs->ctype = "application/json";
	ar_web_puts(&rs->body, text);
	ar_web_puts(&rs->body, "\n");
	free(text);
	return 0;
}

void ar_api_error_body(struct ar_web_resp *rs, unsigned status, const char *msg)
{
	json_t *o = json_object();
	char *text = NULL;

	rs->status = status;
	rs->ctype = "application/json";
	if (o) {
		json_t *m = jstr(msg);

		if (m && json_object_set_new(o, "error", m) == 0)
			text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
	if (!text) {
		ar_web_puts(&rs->body, "{\"error\":\"out of memory\"}\n");
		return;
	}
	ar_web_puts(&rs->body, text);
	ar_web_puts(&rs->body, "\n");
	free(text);
}

int ar_api_index(struct ar_web_req *rq, const int64_t *ids, const char *name,
		 struct ar_web_resp *rs)
{
	static const char *const paths[] = {
		"/api/releases", "/api/release/ID", "/api/runs[?release=ID]", "/api/run/ID",
		"/api/step/ID/log", "/api/suite/ID", "/api/result/ID", "/api/result/ID/log",
		"/api/result/ID/file/NAME", "/api/compare?a=ID&b=ID",
		"/api/matrix?suite=NAME[&target=NAME]", "/api/regressions",
	};
	json_t *o = json_object(), *a = json_array();

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		append(rq, a, json_string(paths[i]));
	set(rq, o, "endpoints", a);
	set(rq, o, "doc", json_string("docs/autorun-api.md"));
	return send_json(rq, rs, o);
}

int ar_api_releases(struct ar_web_req *rq, const int64_t *ids, const char *name,
		    struct ar_web_resp *rs)
{
	struct ar_web_vec v = AR_WEB_VEC(struct ar_release_row);
	json_t *a;
	int rc;

	rc = ar_web_releases(rq, &v);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "releases");
	a = json_array();
	for (size_t i = 0; i < v.n; i++)
		append(rq, a, release_json(rq, AR_WEB_AT(&v, struct ar_release_row, i)));
	return send_json(rq, rs, a);
}

int ar_api_release(struct ar_web_req *rq, const int64_t *ids, const char *name,
		   struct ar_web_resp *rs)
{
	struct ar_web_vec arts = AR_WEB_VEC(struct ar_artifact_row);
	struct ar_web_vec runs = AR_WEB_VEC(struct ar_run_row);
	struct ar_release_row r;
	char what[48];
	json_t *o, *a;
	int rc;

	snprintf(what, sizeof(what), "release %lld", (long long)ids[0]);
	rc = ar_web_release(rq, ids[0], &r);
	if (!rc)
		rc = ar_web_artifacts(rq, r.id, &arts);
	if (!rc)
		rc = ar_web_runs(rq, r.id, &runs);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, what);
	o = release_json(rq, &r);
	a = json_array();
	for (size_t i = 0; i < arts.n; i++) {
		const struct ar_artifact_row *x = AR_WEB_AT(&arts, struct ar_artifact_row, i);
		json_t *j = json_object();

		set(rq, j, "kind", jstr(x->kind));
		set(rq, j, "path", jstr(x->path));
		set(rq, j, "sha256", jstr(x->sha256));
		set(rq, j, "size", json_integer((json_int_t)x->size));
		append(rq, a, j);
	}
	set(rq, o, "artifacts", a);
	a = json_array();
	for (size_t i = 0; i < runs.n; i++)
		append(rq, a, run_json(rq, AR_WEB_AT(&runs, struct ar_run_row, i)));
	set(rq, o, "runs", a);
	return send_json(rq, rs, o);
}

int ar_api_runs(struct ar_web_req *rq, const int64_t *ids, const char *name,
		struct ar_web_resp *rs)
{
	struct ar_web_vec v = AR_WEB_VEC(struct ar_run_row);
	struct ar_release_row rel;
	int64_t release = 0;
	json_t *a;
	int rc;

	rc = ar_web_arg_id(rq, rs, "release", true, &release);
	if (rc < 0)
		return rc;
	if (release && (rc = ar_web_release(rq, release, &rel)) < 0) {
		char what[48];

		snprintf(what, sizeof(what), "release %lld", (long long)release);
		return ar_web_store_error(rq, rs, rc, what);
	}
	rc = ar_web_runs(rq, release, &v);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "runs");
	a = json_array();
	for (size_t i = 0; i < v.n; i++)
		append(rq, a, run_json(rq, AR_WEB_AT(&v, struct ar_run_row, i)));
	return send_json(rq, rs, a);
}

int ar_api_run(struct ar_web_req *rq, const int64_t *ids, const char *name,
	       struct ar_web_resp *rs)
{
	struct ar_web_vec steps = AR_WEB_VEC(struct ar_step_row);
	struct ar_web_vec suites = AR_WEB_VEC(struct ar_suite_row);
	struct ar_run_row run;
	char what[48];
	json_t *o, *a;
	int rc;

	snprintf(what, sizeof(what), "run %lld", (long long)ids[0]);
	rc = ar_web_run(rq, ids[0], &run);
	if (!rc)
		rc = ar_web_steps(rq, run.id, &steps);
	if (!rc)
		rc = ar_web_suites(rq, run.id, NULL, &suites);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, what);
	o = run_json(rq, &run);
	a = json_array();
	for (size_t i = 0; i < steps.n; i++)
		append(rq, a, step_json(rq, AR_WEB_AT(&steps, struct ar_step_row, i)));
	set(rq, o, "steps", a);
	a = json_array();
	for (size_t i = 0; i < suites.n; i++)
		append(rq, a, suite_json(rq, AR_WEB_AT(&suites, struct ar_suite_row, i)));
	set(rq, o, "suite_runs", a);
	return send_json(rq, rs, o);
}

int ar_api_suite(struct ar_web_req *rq, const int64_t *ids, const char *name,
		 struct ar_web_resp *rs)
{
	struct ar_web_vec res = AR_WEB_VEC(struct ar_result_row);
	struct ar_suite_row s;
	int64_t prev = 0;
	char what[48];
	json_t *o, *a;
	int rc;

	snprintf(what, sizeof(what), "suite run %lld", (long long)ids[0]);
	rc = ar_web_suite(rq, ids[0], &s);
	if (!rc)
		rc = ar_web_results(rq, s.id, &res);
	if (!rc)
		rc = rq->st->ops->previous_suite(rq->st, s.id, &prev);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, what);
	o = suite_json(rq, &s);
	set(rq, o, "previous", jid(prev));
	a = json_array();
	for (size_t i = 0; i < res.n; i++)
		append(rq, a, result_json(rq, AR_WEB_AT(&res, struct ar_result_row, i)));
	set(rq, o, "results", a);
	return send_json(rq, rs, o);
}

int ar_api_result(struct ar_web_req *rq, const int64_t *ids, const char *name,
		  struct ar_web_resp *rs)
{
	struct ar_web_vec files = AR_WEB_VEC(struct ar_file_row);
	struct ar_result_row r;
	char what[48], *log = NULL;
	size_t loglen = 0;
	json_t *o, *a;
	int rc;

	snprintf(what, sizeof(what), "result %lld", (long long)ids[0]);
	rc = ar_web_result(rq, ids[0], &r);
	if (!rc)
		rc = ar_web_files(rq, r.id, &files);
	if (!rc) {
		rc = rq->st->ops->result_log(rq->st, r.id, &log, &loglen);
		if (rc == -ENOENT)
			rc = 0;
	}
	if (rc < 0) {
		free(log);
		return ar_web_store_error(rq, rs, rc, what);
	}
	o = result_json(rq, &r);
	set(rq, o, "log", log ? jstrn(log, loglen) : json_null());
	free(log);
	a = json_array();
	for (size_t i = 0; i < files.n; i++) {
		const struct ar_file_row *f = AR_WEB_AT(&files, struct ar_file_row, i);
		struct ar_web_buf url = { 0 };
		json_t *j = json_object();

		set(rq, j, "name", jstr(f->name));
		set(rq, j, "size", json_integer((json_int_t)f->size));
		if (ar_web_file_name_ok(f->name)) {
			ar_web_printf(&url, "/api/result/%lld/file/", (long long)r.id);
			ar_web_url_enc(&url, f->name);
			set(rq, j, "url", url.oom ? NULL : jstr(url.p));
		} else {
			set(rq, j, "url", json_null());
		}
		free(url.p);
		append(rq, a, j);
	}
	set(rq, o, "files", a);
	return send_json(rq, rs, o);
}

int ar_api_compare(struct ar_web_req *rq, const int64_t *ids, const char *name,
		   struct ar_web_resp *rs)
{
	struct ar_web_cmp c;
	int64_t a, b;
	json_t *o, *arr;
	int rc;

	if ((rc = ar_web_arg_id(rq, rs, "a", false, &a)) < 0 ||
	    (rc = ar_web_arg_id(rq, rs, "b", false, &b)) < 0)
		return rc;
	rc = ar_web_cmp_build(rq, rs, a, b, &c);
	if (rc < 0) {
		ar_web_cmp_free(&c);
		return rc;
	}
	o = json_object();
	set(rq, o, "a", suite_json(rq, &c.a));
	set(rq, o, "b", suite_json(rq, &c.b));
	set(rq, o, "same", json_integer(c.diff.same));
	arr = json_array();
	for (size_t i = 0; i < c.diff.n; i++) {
		const struct ar_change *ch = &c.diff.v[i];
		json_t *j = json_object();

		set(rq, j, "test", jstr(ch->test));
		set(rq, j, "a", *ch->old_verdict ? jstr(ch->old_verdict) : json_null());
		set(rq, j, "b", *ch->new_verdict ? jstr(ch->new_verdict) : json_null());
		set(rq, j, "flag", jstr(ch->new_flag));
		set(rq, j, "a_result", jid(c.a_result[i]));
		set(rq, j, "b_result", jid(c.b_result[i]));
		append(rq, arr, j);
	}
	set(rq, o, "changes", arr);
	ar_web_cmp_free(&c);
	return send_json(rq, rs, o);
}

int ar_api_matrix(struct ar_web_req *rq, const int64_t *ids, const char *name,
		  struct ar_web_resp *rs)
{
	const char *suite, *target;
	struct ar_web_matrix m;
	json_t *o, *cols, *rows, *t;
	int rc;

	rc = ar_web_matrix_req(rq, rs, &m, &suite, &target);
	if (rc < 0)
		return rc;
	o = json_object();
	set(rq, o, "suite", jstr(suite));
	set(rq, o, "target", target ? jstr(target) : json_null());
	t = json_array();
	for (size_t i = 0; i < m.targets.n; i++)
		append(rq, t, jstr(*AR_WEB_AT(&m.targets, const char *, i)));
	set(rq, o, "targets", t);
	cols = json_array();
	for (size_t i = 0; i < m.ncols; i++) {
		const struct ar_web_col *c = &m.cols[i];
		json_t *j = json_object(), *pct = json_object();

		set(rq, j, "suite_run", json_integer(c->suite.id));
		set(rq, j, "run", json_integer(c->suite.run_id));
		set(rq, j, "release", jid(c->release.id));
		set(rq, j, "source", jstr(c->suite.source));
		set(rq, j, "version", jstr(c->suite.version));
		set(rq, j, "target", jstr(c->suite.target));
		set(rq, j, "found", json_real(c->release.found));
		set(rq, j, "previous_column", c->prev >= 0 ? json_integer(c->prev) : json_null());
		set(rq, j, "tests", json_integer(c->total));
		set(rq, j, "counts", counts_json(rq, c->counts));
		for (int v = 0; v < 3; v++)
			set(rq, pct, ar_verdict_names[v],
			    json_real((double)(long)(ar_web_pct(c->counts[v], c->total) * 10 +
						     0.5) / 10));
		set(rq, j, "percent", pct);
		append(rq, cols, j);
	}
	set(rq, o, "columns", cols);
	rows = json_array();
	for (size_t r = 0; r < m.nrows; r++) {
		json_t *j = json_object(), *cells = json_array();

		set(rq, j, "test", jstr(m.rows[r].test));
		set(rq, j, "title", jstr(m.rows[r].title));
		for (size_t i = 0; i < m.ncols; i++) {
			const struct ar_web_cell *cell = &m.cells[r * m.ncols + i];
			json_t *x;

			if (!cell->result_id) {
				append(rq, cells, json_null());
				continue;
			}
			x = json_object();
			set(rq, x, "result", json_integer(cell->result_id));
			set(rq, x, "verdict", jstr(cell->verdict));
			set(rq, x, "flag", jstr(cell->flag));
			set(rq, x, "changed", json_boolean(cell->changed));
			set(rq, x, "previous", cell->prev_verdict ? jstr(cell->prev_verdict) :
					       json_null());
			append(rq, cells, x);
		}
		set(rq, j, "cells", cells);
		append(rq, rows, j);
	}
	set(rq, o, "rows", rows);
	return send_json(rq, rs, o);
}

int ar_api_regressions(struct ar_web_req *rq, const int64_t *ids, const char *name,
		       struct ar_web_resp *rs)
{
	struct ar_web_vec res = AR_WEB_VEC(struct ar_result_row);
	json_t *a;
	int rc;

	rc = ar_web_flagged(rq, &res);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "flagged results");
	a = json_array();
	for (size_t i = 0; i < res.n; i++) {
		const struct ar_result_row *r = AR_WEB_AT(&res, struct ar_result_row, i);
		struct ar_suite_row s;
		int64_t prev = 0;
		json_t *j;

		rc = ar_web_suite(rq, r->suite_run_id, &s);
		if (rc < 0) {
			json_decref(a);
			return ar_web_store_error(rq, rs, rc, "a flagged result's suite run");
		}
		if (rq->st->ops->previous_suite(rq->st, s.id, &prev) < 0)
			prev = 0;
		j = result_json(rq, r);
		set(rq, j, "suite", jstr(s.suite));
		set(rq, j, "source", jstr(s.source));
		set(rq, j, "version", jstr(s.version));
		set(rq, j, "target", jstr(s.target));
		set(rq, j, "run", json_integer(s.run_id));
		set(rq, j, "previous_suite_run", jid(prev));
		append(rq, a, j);
	}
	return send_json(rq, rs, a);
}
