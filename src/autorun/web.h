/*
 * The web UI and JSON API of the automatic running system (v6lab serve): an
 * HTTP server over the results store. The first part is the public
 * interface (start, address, stop). The second part is shared by the
 * module's own files only: web.c (server, routing, parameters, responses,
 * and the copying of store rows into per-request lists), web_html.c (the
 * pages) and web_api.c (the JSON API, docs/autorun-api.md).
 */
#ifndef V6LAB_AR_WEB_H
#define V6LAB_AR_WEB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "compare.h"
#include "ar_store.h"

#define AR_WEB_DEFAULT_LISTEN "127.0.0.1:8080"

struct ar_web;

/* Parses "ADDR:PORT" ("[IPV6]:PORT" for an IPv6 literal; PORT 0 asks the
 * kernel for a free port) into *ss. */
int ar_web_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
			size_t errlen);
/* Listens on listen (NULL: AR_WEB_DEFAULT_LISTEN) and serves the store from
 * an internal thread until ar_web_stop. The store is used from that thread
 * only, and must stay open until then. */
int ar_web_start(struct ar_store *st, const char *listen, struct ar_web **out, char *err,
		 size_t errlen);
/* The address really bound, as "http://127.0.0.1:PORT/" or "http://[::1]:PORT/". */
const char *ar_web_url(const struct ar_web *w);
unsigned ar_web_port(const struct ar_web *w);
void ar_web_stop(struct ar_web *w);

/* ---- shared by web.c, web_html.c and web_api.c ---- */

/* A growing output buffer; on allocation failure it stops growing and
 * sets oom, which the response code turns into a 500. */
struct ar_web_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void ar_web_put(struct ar_web_buf *b, const char *s, size_t n);
void ar_web_puts(struct ar_web_buf *b, const char *s);
void ar_web_printf(struct ar_web_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s (NULL: nothing) with & < > " ' escaped for HTML text and attributes. */
void ar_web_html(struct ar_web_buf *b, const char *s);
/* s percent-encoded for a URL path segment or query value. */
void ar_web_url_enc(struct ar_web_buf *b, const char *s);

/* A memory arena owned by one request: everything allocated from it is
 * freed when the response has been built. */
struct ar_web_blk;

/* A vector in the arena; size is the element size. */
struct ar_web_vec {
	void *v;
	size_t n, cap, size;
};
#define AR_WEB_VEC(T) { NULL, 0, 0, sizeof(T) }

struct ar_web_req {
	struct ar_store *st;
	const char *path;	/* decoded path, e.g. "/run/12" */
	bool api;		/* path under /api/: errors as JSON */
	void *conn;		/* struct MHD_Connection, for the query */
	const char *(*arg_fn)(void *conn, const char *name);
	struct ar_web_blk *arena;
	bool oom;
};

struct ar_web_resp {
	unsigned status;
	const char *ctype;
	struct ar_web_buf body;
	char disposition[320];	/* Content-Disposition, "" for none */
};

void *ar_web_alloc(struct ar_web_req *rq, size_t n);
/* A copy of s in the arena; NULL is copied as "". NULL when out of memory. */
const char *ar_web_keep(struct ar_web_req *rq, const char *s);
/* A new zeroed element at the end of vec, NULL when out of memory. */
void *ar_web_push(struct ar_web_req *rq, struct ar_web_vec *vec);
#define AR_WEB_AT(vec, T, i) (&((T *)(vec)->v)[i])

/* A query parameter (decoded), NULL when absent. */
const char *ar_web_arg(const struct ar_web_req *rq, const char *name);
/* A positive decimal id (1 .. INT64_MAX); -EINVAL or -ERANGE with a
 * message in err. */
int ar_web_parse_id(const char *s, int64_t *id, char *err, size_t errlen);
/* The id in query parameter name: 1 found, 0 absent (only when optional),
 * or a negative errno after writing the 400 response. */
int ar_web_arg_id(struct ar_web_req *rq, struct ar_web_resp *rs, const char *name,
		  bool optional, int64_t *id);
/* A file name as it may appear in /result/ID/file/NAME: no '/', '\\',
 * "..", quotes or control characters; at most 200 bytes. */
bool ar_web_file_name_ok(const char *name);

/* Fills rs with an error (an HTML page, or {"error": ...} under /api/). */
int ar_web_error(struct ar_web_req *rq, struct ar_web_resp *rs, unsigned status,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The store failed (rc < 0): 404 for -ENOENT, else 500. */
int ar_web_store_error(struct ar_web_req *rq, struct ar_web_resp *rs, int rc, const char *what);
/* "YYYY-MM-DD HH:MM:SS" in UTC ("" for 0); "12.3 s", "4 min 05 s". */
void ar_web_time(char *out, size_t n, double t);
void ar_web_duration(char *out, size_t n, double started, double ended);
/* The content type of a stored file by its name. */
const char *ar_web_file_type(const char *name, bool *attachment);
/* Class name of a verdict (N/A gives "NA"), "" when unknown. */
const char *ar_web_verdict_class(const char *v);

/* ---- rows copied out of the store (strings live in the arena) ---- */

int ar_web_releases(struct ar_web_req *rq, struct ar_web_vec *out);
/* One row: 0, -ENOENT when absent, or another negative errno. */
int ar_web_release(struct ar_web_req *rq, int64_t id, struct ar_release_row *out);
int ar_web_artifacts(struct ar_web_req *rq, int64_t release_id, struct ar_web_vec *out);
int ar_web_runs(struct ar_web_req *rq, int64_t release_id, struct ar_web_vec *out);
int ar_web_run(struct ar_web_req *rq, int64_t id, struct ar_run_row *out);
int ar_web_steps(struct ar_web_req *rq, int64_t run_id, struct ar_web_vec *out);
int ar_web_suites(struct ar_web_req *rq, int64_t run_id, const char *suite,
		  struct ar_web_vec *out);
int ar_web_suite(struct ar_web_req *rq, int64_t id, struct ar_suite_row *out);
int ar_web_results(struct ar_web_req *rq, int64_t suite_run_id, struct ar_web_vec *out);
int ar_web_result(struct ar_web_req *rq, int64_t id, struct ar_result_row *out);
int ar_web_files(struct ar_web_req *rq, int64_t result_id, struct ar_web_vec *out);
int ar_web_flagged(struct ar_web_req *rq, struct ar_web_vec *out);

/* The matrix of one suite section: a column per suite run (the newest run
 * of each release and target, ordered by release found time then target),
 * a row per test. */
struct ar_web_col {
	struct ar_suite_row suite;
	struct ar_release_row release;
	int counts[AR_NVERDICTS]; /* over the column's results */
	int total;
	int prev;		/* index of the previous column of the same target, -1 */
};

struct ar_web_cell {
	int64_t result_id;	/* 0: the test is not in that suite run */
	const char *verdict, *flag;
	const char *prev_verdict; /* in the previous column of the same target, or NULL */
	bool changed;		/* both present and different */
};

struct ar_web_mrow {
	const char *test, *title;
};

struct ar_web_matrix {
	const char *suite, *target; /* target NULL: all targets */
	size_t ncols, nrows;
	struct ar_web_col *cols;
	struct ar_web_mrow *rows;
	struct ar_web_cell *cells; /* nrows * ncols, row-major */
	struct ar_web_vec targets; /* const char *: every target of the suite */
};

/* The matrix a request asks for (parameters suite, optional target, which
 * go to *suite and *target): 0, or a negative errno with the 400/404/500
 * response written. */
int ar_web_matrix_req(struct ar_web_req *rq, struct ar_web_resp *rs, struct ar_web_matrix *m,
		      const char **suite, const char **target);
/* 0, -ENOENT when the suite section has no ended suite run (on target). */
int ar_web_matrix_build(struct ar_web_req *rq, const char *suite, const char *target,
			struct ar_web_matrix *m);
double ar_web_pct(int n, int total);

/* A comparison of suite runs a and b with the result ids of each change. */
struct ar_web_cmp {
	struct ar_suite_row a, b;
	struct ar_diff diff;
	int64_t *a_result, *b_result; /* per change, 0 when absent */
};

/* Writes the 400/404 response itself and returns a negative errno when the
 * ids do not name two suite runs of the same suite section. */
int ar_web_cmp_build(struct ar_web_req *rq, struct ar_web_resp *rs, int64_t a, int64_t b,
		     struct ar_web_cmp *c);
void ar_web_cmp_free(struct ar_web_cmp *c);

/* Handlers: each fills rs (any status) and returns 0, or a negative errno
 * (rs filled with the error). ids are the numbers in the path, name the
 * file name segment. */
typedef int (*ar_web_handler)(struct ar_web_req *rq, const int64_t *ids, const char *name,
			      struct ar_web_resp *rs);

int ar_html_overview(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_matrix(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_run(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_suite(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_result(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_compare(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_html_regressions(struct ar_web_req *, const int64_t *, const char *,
			struct ar_web_resp *);
/* Shared by the pages and the API: raw logs and files. */
int ar_web_step_log(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_web_result_log(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_web_result_file(struct ar_web_req *, const int64_t *, const char *,
		       struct ar_web_resp *);
/* An HTML error page (used by ar_web_error). */
void ar_html_error_page(struct ar_web_resp *rs, unsigned status, const char *msg);

int ar_api_releases(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_release(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_runs(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_run(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_suite(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_result(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_compare(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_matrix(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
int ar_api_regressions(struct ar_web_req *, const int64_t *, const char *,
		       struct ar_web_resp *);
int ar_api_index(struct ar_web_req *, const int64_t *, const char *, struct ar_web_resp *);
/* A JSON error body (used by ar_web_error). */
void ar_api_error_body(struct ar_web_resp *rs, unsigned status, const char *msg);

/* Routes a request: fills rs for every path (404 for unknown ones). */
void ar_web_route(struct ar_web_req *rq, struct ar_web_resp *rs);
/* Frees the arena of rq. */
void ar_web_req_done(struct ar_web_req *rq);

#endif
