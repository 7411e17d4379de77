/*
 * The HTML pages of v6lab serve, rendered on the server as plain HTML with
 * a small inline style sheet and no script: the releases x suites
 * overview, the matrix of one suite (releases as columns, tests as rows,
 * colour per verdict, changed cells marked), run, suite run and test result
 * details, the comparison of two suite runs, the regressions list and the
 * error page. Every string that comes from the store is escaped. Elements
 * that tests look for carry stable ids and classes (id="matrix",
 * class="cell PASS changed", a.run-link, a.suite-link, a.result-link,
 * a.compare-link, a.file-link, a.log-link, a.matrix-link).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* Logs longer than this are cut on the page (the whole one is a link away). */
#define INLINE_LOG_MAX (1u << 20)

static const char css[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"nav{margin-bottom:1em;padding-bottom:.4em;border-bottom:1px solid #ccc}"
	"nav a{margin-right:1.2em}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em}"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#f4f4f4}"
	"td.num{text-align:right}"
	"pre{background:#f8f8f8;border:1px solid #ddd;padding:.5em;overflow:auto}"
	".PASS{background:#b7e4b0}.WARN{background:#f7e58a}.FAIL{background:#f4a6a6}"
	".SKIP{background:#c8c8c8}.NA{background:#ececec}.ERROR{background:#cfa8e8}"
	".cnt{padding:0 .3em;border-radius:3px;white-space:nowrap}"
	"#matrix td.cell{text-align:center;min-width:4em}"
	"#matrix td.cell a{color:#222;text-decoration:none;display:block}"
	"#matrix td.changed{outline:3px solid #1a1a80;outline-offset:-3px;font-weight:bold}"
	"#matrix td.none{background:#fff;color:#aaa}"
	"#matrix th.test{font-weight:normal;font-family:monospace}"
	".mark{font-size:75%;margin-left:.2em;color:#800}"
	"tr.pct td{font-size:85%;white-space:nowrap}"
	".status-done,.status-ok{color:#175c17}.status-skipped{color:#777}"
	".status-failed,.status-boot-failed,.status-attention{color:#a00000;font-weight:bold}"
	".status-running{color:#1a1a80}.status-interrupted,.status-new{color:#8a5a00}"
	"a.counts-link{text-decoration:none;color:#222}"
	".flag-regression{color:#a00000;font-weight:bold}.flag-flaky{color:#8a5a00}"
	"p.error{font-size:120%;color:#a00000}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
	"dt{font-weight:bold}dd{margin:0}";

static void page_begin(struct ar_web_buf *b, const char *title)
{
	ar_web_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	ar_web_html(b, title);
	ar_web_puts(b, " - v6lab</title><style>");
	ar_web_puts(b, css);
	ar_web_puts(b, "</style></head><body>\n<nav><a href=\"/\" id=\"nav-overview\">Overview</a>"
		       "<a href=\"/regressions\" id=\"nav-regressions\">Regressions</a>"
		       "<a href=\"/api\" id=\"nav-api\">JSON API</a></nav>\n<h1>");
	ar_web_html(b, title);
	ar_web_puts(b, "</h1>\n");
}

static void page_end(struct ar_web_buf *b)
{
	ar_web_puts(b, "</body></html>\n");
}

static void verdict_span(struct ar_web_buf *b, const char *v)
{
	ar_web_printf(b, "<span class=\"verdict %s\">", ar_web_verdict_class(v));
	ar_web_html(b, v);
	ar_web_puts(b, "</span>");
}

/* PASS/WARN/FAIL always, the other verdicts when present. */
static void counts_html(struct ar_web_buf *b, const int *counts)
{
	static const char *const abbr[AR_NVERDICTS] = { "P", "W", "F", "S", "N/A", "E" };

	const char *sep = "";

	ar_web_puts(b, "<span class=\"counts\">");
	for (int i = 0; i < AR_NVERDICTS; i++) {
		if (i >= 3 && !counts[i])
			continue;
		ar_web_printf(b, "%s<span class=\"cnt %s\" title=\"%s\">%s %d</span>", sep,
			      ar_web_verdict_class(ar_verdict_names[i]), ar_verdict_names[i],
			      abbr[i], counts[i]);
		sep = " ";
	}
	ar_web_puts(b, "</span>");
}

static void status_span(struct ar_web_buf *b, const char *status)
{
	ar_web_puts(b, "<span class=\"status status-");
	ar_web_html(b, status);
	ar_web_puts(b, "\">");
	ar_web_html(b, status);
	ar_web_puts(b, "</span>");
}

static void matrix_href(struct ar_web_buf *b, const char *suite, const char *target)
{
	ar_web_puts(b, "/matrix?suite=");
	ar_web_url_enc(b, suite);
	if (target) {
		ar_web_puts(b, "&amp;target=");
		ar_web_url_enc(b, target);
	}
}

static void release_name(struct ar_web_buf *b, const char *source, const char *version)
{
	ar_web_html(b, source);
	ar_web_puts(b, " ");
	ar_web_html(b, version);
}

static void dl_item(struct ar_web_buf *b, const char *key, const char *val)
{
	ar_web_printf(b, "<dt>%s</dt><dd>", key);
	ar_web_html(b, val);
	ar_web_puts(b, "</dd>");
}

void ar_html_error_page(struct ar_web_resp *rs, unsigned status, const char *msg)
{
	const char *what = status == 404 ? "Not Found" : status == 400 ? "Bad Request" :
			   status == 405 ? "Method Not Allowed" : "Server Error";
	char title[64];

	rs->status = status;
	rs->ctype = "text/html; charset=utf-8";
	snprintf(title, sizeof(title), "%u %s", status, what);
	page_begin(&rs->body, title);
	ar_web_puts(&rs->body, "<p class=\"error\" id=\"error\">");
	ar_web_html(&rs->body, msg);
	ar_web_puts(&rs->body, "</p>\n<p><a href=\"/\">Back to the overview</a></p>\n");
	page_end(&rs->body);
}

/* ---- overview ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ar_html_overview(struct ar_web_req *rq, const int64_t *ids, const char *name,
		     struct ar_web_resp *rs)
{
	struct ar_web_vec rels = AR_WEB_VEC(struct ar_release_row);
	struct ar_web_vec runs = AR_WEB_VEC(struct ar_run_row);
	struct ar_web_vec names = AR_WEB_VEC(const char *);
	struct ar_web_vec *srs;
	struct ar_web_buf *b = &rs->body;
	int rc;

	rc = ar_web_releases(rq, &rels);
	if (!rc)
		rc = ar_web_runs(rq, 0, &runs);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "releases and runs");
	srs = ar_web_alloc(rq, (runs.n + 1) * sizeof(*srs));
	if (!srs)
		return ar_web_store_error(rq, rs, -ENOMEM, "suite runs");
	for (size_t i = 0; i < runs.n; i++) {
		const struct ar_run_row *run = AR_WEB_AT(&runs, struct ar_run_row, i);

		srs[i] = (struct ar_web_vec)AR_WEB_VEC(struct ar_suite_row);
		rc = ar_web_suites(rq, run->id, NULL, &srs[i]);
		if (rc < 0)
			return ar_web_store_error(rq, rs, rc, "suite runs");
		for (size_t k = 0; k < srs[i].n; k++) {
			const char *s = AR_WEB_AT(&srs[i], struct ar_suite_row, k)->suite;
			const char **slot;
			size_t j;

			for (j = 0; j < names.n; j++)
				if (!strcmp(*AR_WEB_AT(&names, const char *, j), s))
					break;
			if (j < names.n)
				continue;
			if (!(slot = ar_web_push(rq, &names)))
				return ar_web_store_error(rq, rs, -ENOMEM, "suite runs");
			*slot = s;
		}
	}
	if (names.n)
		qsort(names.v, names.n, sizeof(const char *), name_cmp);

	page_begin(b, "Releases and suites");
	if (!rels.n) {
		ar_web_puts(b, "<p id=\"empty\">No release recorded yet: the watcher "
			       "(v6lab watch) fills this store.</p>\n");
		page_end(b);
		return 0;
	}
	ar_web_puts(b, "<table id=\"overview\"><thead><tr><th>Release</th><th>Kind</th>"
		       "<th>Found</th><th>State</th><th>Target</th><th>Run</th>");
	for (size_t j = 0; j < names.n; j++) {
		const char *s = *AR_WEB_AT(&names, const char *, j);

		ar_web_puts(b, "<th><a class=\"matrix-link\" href=\"");
		matrix_href(b, s, NULL);
		ar_web_puts(b, "\" title=\"matrix of this suite\">");
		ar_web_html(b, s);
		ar_web_puts(b, "</a></th>");
	}
	ar_web_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < rels.n; i++) {
		const struct ar_release_row *rel = AR_WEB_AT(&rels, struct ar_release_row, i);
		size_t nrun = 0, shown = 0;
		char found[32];

		for (size_t k = 0; k < runs.n; k++)
			nrun += AR_WEB_AT(&runs, struct ar_run_row, k)->release_id == rel->id;
		ar_web_time(found, sizeof(found), rel->found);
		ar_web_printf(b, "<tr class=\"release\" data-release=\"%lld\"><td rowspan=\"%zu\">",
			      (long long)rel->id, nrun ? nrun : 1);
		release_name(b, rel->source, rel->version);
		ar_web_printf(b, "</td><td rowspan=\"%zu\">", nrun ? nrun : 1);
		ar_web_html(b, rel->kind);
		ar_web_printf(b, "</td><td rowspan=\"%zu\">%s</td><td rowspan=\"%zu\">",
			      nrun ? nrun : 1, found, nrun ? nrun : 1);
		status_span(b, rel->state);
		ar_web_puts(b, "</td>");
		if (!nrun) {
			ar_web_printf(b, "<td colspan=\"%zu\">no run yet</td></tr>\n",
				      2 + names.n);
			continue;
		}
		for (size_t k = 0; k < runs.n; k++) {
			const struct ar_run_row *run = AR_WEB_AT(&runs, struct ar_run_row, k);

			if (run->release_id != rel->id)
				continue;
			if (shown++)
				ar_web_puts(b, "<tr>");
			ar_web_puts(b, "<td>");
			ar_web_html(b, run->target);
			ar_web_printf(b, "</td><td><a class=\"run-link\" href=\"/run/%lld\">"
				      "run %lld</a> ", (long long)run->id, (long long)run->id);
			status_span(b, run->status);
			if (*run->note) {
				ar_web_puts(b, "<br><small>");
				ar_web_html(b, run->note);
				ar_web_puts(b, "</small>");
			}
			ar_web_puts(b, "</td>");
			for (size_t j = 0; j < names.n; j++) {
				const char *s = *AR_WEB_AT(&names, const char *, j);
				const struct ar_suite_row *sr = NULL;

				for (size_t m = 0; m < srs[k].n; m++) {
					const struct ar_suite_row *x =
						AR_WEB_AT(&srs[k], struct ar_suite_row, m);

					if (!strcmp(x->suite, s))
						sr = x; /* the last one of the run */
				}
				if (!sr) {
					ar_web_puts(b, "<td class=\"nosuite\">-</td>");
					continue;
				}
				ar_web_printf(b, "<td><a class=\"suite-link counts-link\" "
					      "href=\"/suite/%lld\">", (long long)sr->id);
				counts_html(b, sr->counts);
				ar_web_puts(b, "</a></td>");
			}
			ar_web_puts(b, "</tr>\n");
		}
	}
	ar_web_puts(b, "</tbody></table>\n");
	page_end(b);
	return 0;
}

/* ---- matrix ---- */

int ar_html_matrix(struct ar_web_req *rq, const int64_t *ids, const char *name,
		   struct ar_web_resp *rs)
{
	const char *suite, *target;
	struct ar_web_buf *b = &rs->body;
	struct ar_web_matrix m;
	char title[200];
	int rc;

	rc = ar_web_matrix_req(rq, rs, &m, &suite, &target);
	if (rc < 0)
		return rc;

	snprintf(title, sizeof(title), "Matrix of suite %s%s%s", suite,
		 target ? " on " : "", target ? target : "");
	page_begin(b, title);
	ar_web_puts(b, "<p id=\"targets\">Targets: ");
	if (target) {
		ar_web_puts(b, "<a href=\"");
		matrix_href(b, suite, NULL);
		ar_web_puts(b, "\">all</a>");
	} else {
		ar_web_puts(b, "<strong>all</strong>");
	}
	for (size_t t = 0; t < m.targets.n; t++) {
		const char *tn = *AR_WEB_AT(&m.targets, const char *, t);

		ar_web_puts(b, " | ");
		if (target && !strcmp(target, tn)) {
			ar_web_puts(b, "<strong>");
			ar_web_html(b, tn);
			ar_web_puts(b, "</strong>");
			continue;
		}
		ar_web_puts(b, "<a class=\"target-link\" href=\"");
		matrix_href(b, suite, tn);
		ar_web_puts(b, "\">");
		ar_web_html(b, tn);
		ar_web_puts(b, "</a>");
	}
	ar_web_puts(b, "</p>\n<table id=\"matrix\"><thead><tr><th>Test</th>");
	for (size_t i = 0; i < m.ncols; i++) {
		const struct ar_web_col *c = &m.cols[i];
		char found[32];

		ar_web_time(found, sizeof(found), c->release.found);
		ar_web_printf(b, "<th class=\"col\" data-col=\"%zu\" data-suite-run=\"%lld\">"
			      "<a class=\"suite-link\" href=\"/suite/%lld\">", i,
			      (long long)c->suite.id, (long long)c->suite.id);
		release_name(b, c->suite.source, c->suite.version);
		ar_web_puts(b, "</a><br><small>");
		ar_web_html(b, c->suite.target);
		ar_web_printf(b, " &middot; <a class=\"run-link\" href=\"/run/%lld\">run %lld</a>"
			      "<br>found %s</small>", (long long)c->suite.run_id,
			      (long long)c->suite.run_id, found);
		if (c->prev >= 0) {
			ar_web_printf(b, "<br><a class=\"compare-link\" href=\"/compare?a=%lld&amp;"
				      "b=%lld\">changes</a>", (long long)m.cols[c->prev].suite.id,
				      (long long)c->suite.id);
		}
		ar_web_puts(b, "</th>");
	}
	ar_web_puts(b, "</tr>\n<tr class=\"pct\"><th>PASS / WARN / FAIL</th>");
	for (size_t i = 0; i < m.ncols; i++) {
		const struct ar_web_col *c = &m.cols[i];

		ar_web_printf(b, "<td class=\"pct\" data-col=\"%zu\">", i);
		for (int v = 0; v < 3; v++)
			ar_web_printf(b, "<span class=\"pct-%s\">%s %.1f%%</span>%s",
				      ar_verdict_names[v], ar_verdict_names[v],
				      ar_web_pct(c->counts[v], c->total), v < 2 ? "<br>" : "");
		ar_web_printf(b, "<br><small>%d tests</small></td>", c->total);
	}
	ar_web_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < m.nrows; r++) {
		const struct ar_web_mrow *row = &m.rows[r];

		ar_web_puts(b, "<tr data-test=\"");
		ar_web_html(b, row->test);
		ar_web_puts(b, "\"><th class=\"test\" title=\"");
		ar_web_html(b, row->title);
		ar_web_puts(b, "\">");
		ar_web_html(b, row->test);
		ar_web_puts(b, "</th>");
		for (size_t i = 0; i < m.ncols; i++) {
			const struct ar_web_cell *cell = &m.cells[r * m.ncols + i];
			const char *vc;

			if (!cell->result_id) {
				ar_web_puts(b, "<td class=\"cell none\" title=\"not run\">-</td>");
				continue;
			}
			vc = ar_web_verdict_class(cell->verdict);
			ar_web_printf(b, "<td class=\"cell %s%s", *vc ? vc : "unknown",
				      cell->changed ? " changed" : "");
			if (*cell->flag) {
				ar_web_puts(b, " flag-");
				ar_web_html(b, cell->flag);
			}
			ar_web_puts(b, "\" title=\"");
			ar_web_html(b, cell->verdict);
			if (cell->changed) {
				ar_web_puts(b, ", changed from ");
				ar_web_html(b, cell->prev_verdict);
			}
			if (*cell->flag) {
				ar_web_puts(b, ", ");
				ar_web_html(b, cell->flag);
			}
			ar_web_printf(b, "\"><a class=\"result-link\" href=\"/result/%lld\">",
				      (long long)cell->result_id);
			ar_web_html(b, cell->verdict);
			if (!strcmp(cell->flag, "regression"))
				ar_web_puts(b, "<span class=\"mark\">&#9660;R</span>");
			else if (!strcmp(cell->flag, "flaky"))
				ar_web_puts(b, "<span class=\"mark\">~F</span>");
			ar_web_puts(b, "</a></td>");
		}
		ar_web_puts(b, "</tr>\n");
	}
	ar_web_puts(b, "</tbody></table>\n<p class=\"legend\">Columns: the newest run of each "
		       "release on each target, oldest release left. A framed cell changed "
		       "from the previous column of the same target. &#9660;R: regression, "
		       "~F: flaky. Colours: <span class=\"cnt PASS\">PASS</span> "
		       "<span class=\"cnt WARN\">WARN</span> <span class=\"cnt FAIL\">FAIL</span> "
		       "<span class=\"cnt SKIP\">SKIP</span> <span class=\"cnt NA\">N/A</span> "
		       "<span class=\"cnt ERROR\">ERROR</span></p>\n");
	page_end(b);
	return 0;
}

/* ---- run ---- */

int ar_html_run(struct ar_web_req *rq, const int64_t *ids, const char *name,
		struct ar_web_resp *rs)
{
	struct ar_web_vec steps = AR_WEB_VEC(struct ar_step_row);
	struct ar_web_vec suites = AR_WEB_VEC(struct ar_suite_row);
	struct ar_web_vec arts = AR_WEB_VEC(struct ar_artifact_row);
	struct ar_web_buf *b = &rs->body;
	struct ar_release_row rel;
	struct ar_run_row run;
	char title[300], t1[32], t2[32], dur[32];
	int rc;

	snprintf(title, sizeof(title), "run %lld", (long long)ids[0]);
	rc = ar_web_run(rq, ids[0], &run);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, title);
	rc = ar_web_steps(rq, run.id, &steps);
	if (!rc)
		rc = ar_web_suites(rq, run.id, NULL, &suites);
	if (!rc)
		rc = ar_web_artifacts(rq, run.release_id, &arts);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "the run's steps");
	if (ar_web_release(rq, run.release_id, &rel) < 0)
		memset(&rel, 0, sizeof(rel));

	snprintf(title, sizeof(title), "Run %lld: %s %s on %s", (long long)run.id, run.source,
		 run.version, run.target);
	page_begin(b, title);
	ar_web_time(t1, sizeof(t1), run.started);
	ar_web_time(t2, sizeof(t2), run.ended);
	ar_web_duration(dur, sizeof(dur), run.started, run.ended);
	ar_web_puts(b, "<dl id=\"run\"><dt>Release</dt><dd>");
	release_name(b, run.source, run.version);
	if (rel.id) {
		ar_web_puts(b, " (");
		ar_web_html(b, rel.kind);
		ar_web_puts(b, " ");
		ar_web_html(b, rel.name);
		ar_web_puts(b, ", ");
		ar_web_html(b, rel.ref);
		ar_web_puts(b, ")");
	}
	ar_web_puts(b, "</dd>");
	dl_item(b, "Target", run.target);
	ar_web_puts(b, "<dt>Status</dt><dd>");
	status_span(b, run.status);
	ar_web_puts(b, "</dd>");
	if (*run.note)
		dl_item(b, "Note", run.note);
	dl_item(b, "Started", t1);
	dl_item(b, "Ended", *t2 ? t2 : "(running)");
	dl_item(b, "Duration", dur);
	ar_web_puts(b, "<dt>Results</dt><dd>");
	counts_html(b, run.counts);
	ar_web_puts(b, "</dd></dl>\n<h2>Steps</h2>\n<table id=\"steps\"><thead><tr><th>#</th>"
		       "<th>Step</th><th>Status</th><th>Duration</th><th>Note</th><th>Log</th>"
		       "</tr></thead><tbody>\n");
	for (size_t i = 0; i < steps.n; i++) {
		const struct ar_step_row *s = AR_WEB_AT(&steps, struct ar_step_row, i);

		ar_web_duration(dur, sizeof(dur), s->started, s->ended);
		ar_web_printf(b, "<tr class=\"step\" data-step=\"%lld\"><td class=\"num\">%d"
			      "</td><td>", (long long)s->id, s->seq);
		ar_web_html(b, s->name);
		ar_web_puts(b, "</td><td>");
		status_span(b, s->status);
		ar_web_printf(b, "</td><td class=\"num\">%s</td><td>", dur);
		ar_web_html(b, s->note);
		ar_web_printf(b, "</td><td><a class=\"log-link\" href=\"/step/%lld/log\">log</a> "
			      "<small>(%zu bytes)</small></td></tr>\n", (long long)s->id,
			      s->loglen);
	}
	if (!steps.n)
		ar_web_puts(b, "<tr><td colspan=\"6\">no step recorded</td></tr>\n");
	ar_web_puts(b, "</tbody></table>\n<h2>Suite runs</h2>\n<table id=\"suites\"><thead><tr>"
		       "<th>Suite</th><th>Started</th><th>Duration</th><th>Results</th>"
		       "<th></th></tr></thead><tbody>\n");
	for (size_t i = 0; i < suites.n; i++) {
		const struct ar_suite_row *s = AR_WEB_AT(&suites, struct ar_suite_row, i);

		ar_web_time(t1, sizeof(t1), s->started);
		ar_web_duration(dur, sizeof(dur), s->started, s->ended);
		ar_web_printf(b, "<tr><td><a class=\"suite-link\" href=\"/suite/%lld\">",
			      (long long)s->id);
		ar_web_html(b, s->suite);
		ar_web_printf(b, "</a></td><td>%s</td><td class=\"num\">%s</td><td>", t1, dur);
		counts_html(b, s->counts);
		ar_web_puts(b, "</td><td><a class=\"matrix-link\" href=\"");
		matrix_href(b, s->suite, s->target);
		ar_web_puts(b, "\">matrix</a></td></tr>\n");
	}
	if (!suites.n)
		ar_web_puts(b, "<tr><td colspan=\"5\">no suite run</td></tr>\n");
	ar_web_puts(b, "</tbody></table>\n");
	if (arts.n) {
		ar_web_puts(b, "<h2>Artifacts of the release</h2>\n<table id=\"artifacts\"><thead>"
			       "<tr><th>Kind</th><th>Path</th><th>Size</th><th>SHA-256</th></tr>"
			       "</thead><tbody>\n");
		for (size_t i = 0; i < arts.n; i++) {
			const struct ar_artifact_row *a =
				AR_WEB_AT(&arts, struct ar_artifact_row, i);

			ar_web_puts(b, "<tr><td>");
			ar_web_html(b, a->kind);
			ar_web_puts(b, "</td><td><code>");
			ar_web_html(b, a->path);
			ar_web_printf(b, "</code></td><td class=\"num\">%llu</td><td><code>",
				      (unsigned long long)a->size);
			ar_web_html(b, a->sha256);
			ar_web_puts(b, "</code></td></tr>\n");
		}
		ar_web_puts(b, "</tbody></table>\n");
	}
	page_end(b);
	return 0;
}

/* ---- suite run ---- */

static void suite_caption(struct ar_web_buf *b, const struct ar_suite_row *s)
{
	ar_web_printf(b, "<a class=\"suite-link\" href=\"/suite/%lld\">suite run %lld</a> (",
		      (long long)s->id, (long long)s->id);
	ar_web_html(b, s->suite);
	ar_web_puts(b, ", ");
	release_name(b, s->source, s->version);
	ar_web_puts(b, " on ");
	ar_web_html(b, s->target);
	ar_web_puts(b, ")");
}

int ar_html_suite(struct ar_web_req *rq, const int64_t *ids, const char *name,
		  struct ar_web_resp *rs)
{
	struct ar_web_vec res = AR_WEB_VEC(struct ar_result_row);
	struct ar_web_vec all = AR_WEB_VEC(struct ar_suite_row);
	struct ar_web_buf *b = &rs->body;
	struct ar_suite_row s, prev = { 0 };
	char title[300], t1[32], dur[32];
	int64_t prev_id = 0;
	int rc;

	snprintf(title, sizeof(title), "suite run %lld", (long long)ids[0]);
	rc = ar_web_suite(rq, ids[0], &s);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, title);
	rc = ar_web_results(rq, s.id, &res);
	if (!rc)
		rc = rq->st->ops->previous_suite(rq->st, s.id, &prev_id);
	if (!rc && prev_id)
		rc = ar_web_suite(rq, prev_id, &prev);
	if (!rc)
		rc = ar_web_suites(rq, 0, s.suite, &all);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "the suite run's results");

	snprintf(title, sizeof(title), "Suite %s: %s %s on %s", s.suite, s.source, s.version,
		 s.target);
	page_begin(b, title);
	ar_web_time(t1, sizeof(t1), s.started);
	ar_web_duration(dur, sizeof(dur), s.started, s.ended);
	ar_web_printf(b, "<dl id=\"suite\"><dt>Run</dt><dd><a class=\"run-link\" "
		      "href=\"/run/%lld\">run %lld</a></dd>", (long long)s.run_id,
		      (long long)s.run_id);
	dl_item(b, "Started", t1);
	dl_item(b, "Duration", dur);
	ar_web_puts(b, "<dt>Results</dt><dd>");
	counts_html(b, s.counts);
	ar_web_puts(b, "</dd><dt>Matrix</dt><dd><a class=\"matrix-link\" href=\"");
	matrix_href(b, s.suite, s.target);
	ar_web_puts(b, "\">this suite on ");
	ar_web_html(b, s.target);
	ar_web_puts(b, "</a></dd><dt>Previous</dt><dd>");
	if (prev_id) {
		ar_web_printf(b, "<a class=\"compare-link\" id=\"compare-previous\" "
			      "href=\"/compare?a=%lld&amp;b=%lld\">compare with previous (",
			      (long long)prev_id, (long long)s.id);
		release_name(b, prev.source, prev.version);
		ar_web_puts(b, ")</a>");
	} else {
		ar_web_puts(b, "no earlier release's run of this suite on this target");
	}
	ar_web_puts(b, "</dd></dl>\n");

	if (all.n > 1) {
		ar_web_printf(b, "<form id=\"compare-form\" action=\"/compare\" method=\"get\">"
			      "<label>Compare <select name=\"a\">");
		for (size_t i = all.n; i-- > 0;) {
			const struct ar_suite_row *o = AR_WEB_AT(&all, struct ar_suite_row, i);

			if (o->id == s.id)
				continue;
			ar_web_printf(b, "<option value=\"%lld\"%s>suite run %lld: ",
				      (long long)o->id, o->id == prev_id ? " selected" : "",
				      (long long)o->id);
			release_name(b, o->source, o->version);
			ar_web_puts(b, " on ");
			ar_web_html(b, o->target);
			ar_web_puts(b, "</option>");
		}
		ar_web_printf(b, "</select></label> with this run <input type=\"hidden\" "
			      "name=\"b\" value=\"%lld\"><button type=\"submit\">Compare"
			      "</button></form>\n", (long long)s.id);
	}

	ar_web_puts(b, "<table id=\"results\"><thead><tr><th>Test</th><th>Title</th>"
		       "<th>Verdict</th><th>Reason</th><th>Attempts</th><th>Flag</th>"
		       "</tr></thead><tbody>\n");
	for (size_t i = 0; i < res.n; i++) {
		const struct ar_result_row *r = AR_WEB_AT(&res, struct ar_result_row, i);

		ar_web_puts(b, "<tr data-test=\"");
		ar_web_html(b, r->test);
		ar_web_printf(b, "\"><td><a class=\"result-link\" href=\"/result/%lld\">",
			      (long long)r->id);
		ar_web_html(b, r->test);
		ar_web_puts(b, "</a></td><td>");
		ar_web_html(b, r->title);
		ar_web_puts(b, "</td><td>");
		verdict_span(b, r->verdict);
		ar_web_puts(b, "</td><td>");
		ar_web_html(b, r->reason);
		ar_web_printf(b, "</td><td>%d", r->attempts);
		if (*r->history && r->attempts > 1) {
			ar_web_puts(b, " <small>(");
			ar_web_html(b, r->history);
			ar_web_puts(b, ")</small>");
		}
		ar_web_puts(b, "</td><td>");
		if (*r->flag) {
			ar_web_puts(b, "<span class=\"flag flag-");
			ar_web_html(b, r->flag);
			ar_web_puts(b, "\">");
			ar_web_html(b, r->flag);
			ar_web_puts(b, "</span>");
		}
		ar_web_puts(b, "</td></tr>\n");
	}
	if (!res.n)
		ar_web_puts(b, "<tr><td colspan=\"6\">no result</td></tr>\n");
	ar_web_puts(b, "</tbody></table>\n");
	page_end(b);
	return 0;
}

/* ---- test result ---- */

int ar_html_result(struct ar_web_req *rq, const int64_t *ids, const char *name,
		   struct ar_web_resp *rs)
{
	struct ar_web_vec files = AR_WEB_VEC(struct ar_file_row);
	struct ar_web_buf *b = &rs->body;
	struct ar_result_row r;
	struct ar_suite_row s;
	char title[300], *log = NULL;
	size_t loglen = 0;
	int rc;

	snprintf(title, sizeof(title), "result %lld", (long long)ids[0]);
	rc = ar_web_result(rq, ids[0], &r);
	if (!rc)
		rc = ar_web_suite(rq, r.suite_run_id, &s);
	if (!rc)
		rc = ar_web_files(rq, r.id, &files);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, title);
	rc = rq->st->ops->result_log(rq->st, r.id, &log, &loglen);
	if (rc < 0 && rc != -ENOENT)
		return ar_web_store_error(rq, rs, rc, "the result's log");

	page_begin(b, r.test);
	ar_web_puts(b, "<p id=\"title\">");
	ar_web_html(b, r.title);
	if (*r.rfc) {
		ar_web_puts(b, " <small>(RFC ");
		ar_web_html(b, r.rfc);
		ar_web_puts(b, ")</small>");
	}
	ar_web_puts(b, "</p>\n<dl id=\"result\"><dt>Verdict</dt><dd>");
	verdict_span(b, r.verdict);
	ar_web_puts(b, "</dd>");
	dl_item(b, "Reason", r.reason);
	ar_web_printf(b, "<dt>Time</dt><dd>%.2f s</dd><dt>Attempts</dt><dd>%d</dd>", r.secs,
		      r.attempts);
	if (*r.history)
		dl_item(b, "History", r.history);
	if (*r.flag) {
		ar_web_puts(b, "<dt>Flag</dt><dd><span class=\"flag flag-");
		ar_web_html(b, r.flag);
		ar_web_puts(b, "\">");
		ar_web_html(b, r.flag);
		ar_web_puts(b, "</span></dd>");
	}
	ar_web_puts(b, "<dt>Suite run</dt><dd>");
	suite_caption(b, &s);
	ar_web_printf(b, "</dd><dt>Run</dt><dd><a class=\"run-link\" href=\"/run/%lld\">run %lld"
		      "</a></dd></dl>\n<h2>Files</h2>\n<ul id=\"files\">", (long long)s.run_id,
		      (long long)s.run_id);
	for (size_t i = 0; i < files.n; i++) {
		const struct ar_file_row *f = AR_WEB_AT(&files, struct ar_file_row, i);

		if (!ar_web_file_name_ok(f->name)) {
			ar_web_puts(b, "<li>");
			ar_web_html(b, f->name);
			ar_web_puts(b, " <small>(name not servable)</small></li>");
			continue;
		}
		ar_web_printf(b, "<li><a class=\"file-link\" href=\"/result/%lld/file/",
			      (long long)r.id);
		ar_web_url_enc(b, f->name);
		ar_web_puts(b, "\">");
		ar_web_html(b, f->name);
		ar_web_printf(b, "</a> <small>(%zu bytes)</small></li>", f->size);
	}
	if (!files.n)
		ar_web_puts(b, "<li>none</li>");
	ar_web_printf(b, "</ul>\n<h2>Log</h2>\n<p><a class=\"log-link\" href=\"/result/%lld/log\">"
		      "plain text</a></p>\n<pre id=\"log\">", (long long)r.id);
	if (log) {
		bool cut = loglen > INLINE_LOG_MAX;

		if (cut)
			log[INLINE_LOG_MAX] = '\0';
		ar_web_html(b, log);
		if (cut)
			ar_web_puts(b, "\n[... cut: the whole log is at the plain text link]");
	}
	free(log);
	ar_web_puts(b, "</pre>\n");
	page_end(b);
	return 0;
}

/* ---- comparison ---- */

static void change_kind(const struct ar_change *ch, char *out, size_t n)
{
	if (!*ch->old_verdict)
		snprintf(out, n, "new test");
	else if (!*ch->new_verdict)
		snprintf(out, n, "removed");
	else if (!strcmp(ch->new_flag, "flaky"))
		snprintf(out, n, "flaky"); /* not called a regression: it flips */
	else if (ar_verdict_good(ch->old_verdict) && ar_verdict_bad(ch->new_verdict))
		snprintf(out, n, "regression");
	else if (ar_verdict_bad(ch->old_verdict) && ar_verdict_good(ch->new_verdict))
		snprintf(out, n, "fixed");
	else
		snprintf(out, n, "changed");
}

static void cmp_cell(struct ar_web_buf *b, const char *verdict, int64_t result_id)
{
	if (!*verdict || !result_id) {
		ar_web_puts(b, "<td class=\"none\">-</td>");
		return;
	}
	ar_web_printf(b, "<td class=\"%s\"><a class=\"result-link\" href=\"/result/%lld\">",
		      ar_web_verdict_class(verdict), (long long)result_id);
	ar_web_html(b, verdict);
	ar_web_puts(b, "</a></td>");
}

int ar_html_compare(struct ar_web_req *rq, const int64_t *ids, const char *name,
		    struct ar_web_resp *rs)
{
	struct ar_web_buf *b = &rs->body;
	struct ar_web_cmp c;
	int64_t a, bb;
	int rc;

	if ((rc = ar_web_arg_id(rq, rs, "a", false, &a)) < 0 ||
	    (rc = ar_web_arg_id(rq, rs, "b", false, &bb)) < 0)
		return rc;
	rc = ar_web_cmp_build(rq, rs, a, bb, &c);
	if (rc < 0) {
		ar_web_cmp_free(&c);
		return rc;
	}
	page_begin(b, "Comparison");
	ar_web_puts(b, "<dl id=\"compare\"><dt>From (a)</dt><dd>");
	suite_caption(b, &c.a);
	ar_web_puts(b, "</dd><dt>To (b)</dt><dd>");
	suite_caption(b, &c.b);
	ar_web_printf(b, "</dd></dl>\n<p id=\"summary\">%zu test%s changed, %d unchanged.</p>\n",
		      c.diff.n, c.diff.n == 1 ? "" : "s", c.diff.same);
	if (c.diff.n) {
		ar_web_puts(b, "<table id=\"changes\"><thead><tr><th>Test</th><th>a</th><th>b</th>"
			       "<th>Change</th><th>Flag</th></tr></thead><tbody>\n");
		for (size_t i = 0; i < c.diff.n; i++) {
			const struct ar_change *ch = &c.diff.v[i];
			char kind[16];

			change_kind(ch, kind, sizeof(kind));
			ar_web_printf(b, "<tr class=\"change %s\" data-test=\"", kind);
			ar_web_html(b, ch->test);
			ar_web_puts(b, "\"><td>");
			ar_web_html(b, ch->test);
			ar_web_puts(b, "</td>");
			cmp_cell(b, ch->old_verdict, c.a_result[i]);
			cmp_cell(b, ch->new_verdict, c.b_result[i]);
			ar_web_printf(b, "<td class=\"kind\">%s</td><td>", kind);
			if (*ch->new_flag) {
				ar_web_puts(b, "<span class=\"flag flag-");
				ar_web_html(b, ch->new_flag);
				ar_web_puts(b, "\">");
				ar_web_html(b, ch->new_flag);
				ar_web_puts(b, "</span>");
			}
			ar_web_puts(b, "</td></tr>\n");
		}
		ar_web_puts(b, "</tbody></table>\n");
	}
	page_end(b);
	ar_web_cmp_free(&c);
	return 0;
}

/* ---- regressions ---- */

int ar_html_regressions(struct ar_web_req *rq, const int64_t *ids, const char *name,
			struct ar_web_resp *rs)
{
	struct ar_web_vec res = AR_WEB_VEC(struct ar_result_row);
	struct ar_web_buf *b = &rs->body;
	int rc;

	rc = ar_web_flagged(rq, &res);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "flagged results");
	page_begin(b, "Regressions and flaky tests");
	if (!res.n) {
		ar_web_puts(b, "<p id=\"empty\">No regression and no flaky test recorded.</p>\n");
		page_end(b);
		return 0;
	}
	ar_web_puts(b, "<table id=\"regressions\"><thead><tr><th>Flag</th><th>Release</th>"
		       "<th>Target</th><th>Suite</th><th>Test</th><th>Verdict</th>"
		       "<th>Attempts</th><th></th></tr></thead><tbody>\n");
	for (size_t i = 0; i < res.n; i++) {
		const struct ar_result_row *r = AR_WEB_AT(&res, struct ar_result_row, i);
		struct ar_suite_row s;
		int64_t prev = 0;

		rc = ar_web_suite(rq, r->suite_run_id, &s);
		if (rc < 0)
			return ar_web_store_error(rq, rs, rc, "a flagged result's suite run");
		if (rq->st->ops->previous_suite(rq->st, s.id, &prev) < 0)
			prev = 0;
		ar_web_puts(b, "<tr><td><span class=\"flag flag-");
		ar_web_html(b, r->flag);
		ar_web_puts(b, "\">");
		ar_web_html(b, r->flag);
		ar_web_puts(b, "</span></td><td>");
		release_name(b, s.source, s.version);
		ar_web_puts(b, "</td><td>");
		ar_web_html(b, s.target);
		ar_web_printf(b, "</td><td><a class=\"suite-link\" href=\"/suite/%lld\">",
			      (long long)s.id);
		ar_web_html(b, s.suite);
		ar_web_printf(b, "</a></td><td><a class=\"result-link\" href=\"/result/%lld\">",
			      (long long)r->id);
		ar_web_html(b, r->test);
		ar_web_puts(b, "</a></td><td>");
		verdict_span(b, r->verdict);
		ar_web_printf(b, "</td><td>%d <small>", r->attempts);
		ar_web_html(b, r->history);
		ar_web_puts(b, "</small></td><td>");
		if (prev)
			ar_web_printf(b, "<a class=\"compare-link\" href=\"/compare?a=%lld&amp;"
				      "b=%lld\">compare with previous</a>", (long long)prev,
				      (long long)s.id);
		ar_web_puts(b, "</td></tr>\n");
	}
	ar_web_puts(b, "</tbody></table>\n");
	page_end(b);
	return 0;
}
