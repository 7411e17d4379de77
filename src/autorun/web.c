/*
 * The HTTP server of v6lab serve: a libmicrohttpd daemon with one internal
 * polling thread (so the store is only ever used from that thread) on a
 * socket bound here, so that port 0 and bind errors are reported plainly.
 * It routes paths to the page and API handlers, parses ids and file names
 * strictly (400 for a bad parameter, 404 for an unknown path or id), and
 * holds the helpers the handlers share: output buffers, a per-request
 * arena, copies of store rows, and the matrix and comparison builders.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web.h"

struct ar_web {
	struct MHD_Daemon *d;
	struct ar_store *st;
	unsigned port;
	char url[96];
};

/* ---- output buffers ---- */

static bool buf_grow(struct ar_web_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (more <= b->cap - b->len)
		return true;
	if (more > SIZE_MAX / 2 - b->len)
		goto oom;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		goto oom;
	b->p = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void ar_web_put(struct ar_web_buf *b, const char *s, size_t n)
{
	if (!n || !buf_grow(b, n + 1))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ar_web_puts(struct ar_web_buf *b, const char *s)
{
	if (s)
		ar_web_put(b, s, strlen(s));
}

void ar_web_printf(struct ar_web_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!buf_grow(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ar_web_html(struct ar_web_buf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		ar_web_put(b, run, (size_t)(s - run));
		ar_web_puts(b, rep);
		run = s + 1;
	}
	ar_web_put(b, run, (size_t)(s - run));
}

void ar_web_url_enc(struct ar_web_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			ar_web_put(b, s, 1);
		else
			ar_web_put(b, e, 3);
	}
}

/* ---- per-request arena ---- */

struct ar_web_blk {
	struct ar_web_blk *next;
	max_align_t data[];
};

void *ar_web_alloc(struct ar_web_req *rq, size_t n)
{
	struct ar_web_blk *k;

	if (n > SIZE_MAX - sizeof(*k) - 1)
		goto oom;
	k = calloc(1, sizeof(*k) + n + 1);
	if (!k)
		goto oom;
	k->next = rq->arena;
	rq->arena = k;
	return k->data;
oom:
	rq->oom = true;
	return NULL;
}

const char *ar_web_keep(struct ar_web_req *rq, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *p = ar_web_alloc(rq, n + 1);

	if (!p)
		return "";
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *ar_web_push(struct ar_web_req *rq, struct ar_web_vec *vec)
{
	char *slot;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void *v;

		if (cap > SIZE_MAX / vec->size) {
			rq->oom = true;
			return NULL;
		}
		/* The old array stays in the arena until the request ends. */
		v = ar_web_alloc(rq, cap * vec->size);
		if (!v)
			return NULL;
		if (vec->n)
			memcpy(v, vec->v, vec->n * vec->size);
		vec->v = v;
		vec->cap = cap;
	}
	slot = (char *)vec->v + vec->n * vec->size;
	memset(slot, 0, vec->size);
	vec->n++;
	return slot;
}

void ar_web_req_done(struct ar_web_req *rq)
{
	while (rq->arena) {
		struct ar_web_blk *k = rq->arena;

		rq->arena = k->next;
		free(k);
	}
}

/* ---- parameters ---- */

int ar_web_parse_id(const char *s, int64_t *id, char *err, size_t errlen)
{
	int64_t v = 0;

	if (!s || !*s) {
		snprintf(err, errlen, "empty id");
		return -EINVAL;
	}
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "bad id '%.40s': not a positive decimal integer", s);
			return -EINVAL;
		}
		if (v > (INT64_MAX - (*p - '0')) / 10) {
			snprintf(err, errlen, "bad id '%.40s': out of range", s);
			return -ERANGE;
		}
		v = v * 10 + (*p - '0');
	}
	if (v == 0) {
		snprintf(err, errlen, "bad id '%.40s': ids start at 1", s);
		return -EINVAL;
	}
	*id = v;
	return 0;
}

const char *ar_web_arg(const struct ar_web_req *rq, const char *name)
{
	return rq->arg_fn ? rq->arg_fn(rq->conn, name) : NULL;
}

int ar_web_arg_id(struct ar_web_req *rq, struct ar_web_resp *rs, const char *name,
		  bool optional, int64_t *id)
{
	const char *s = ar_web_arg(rq, name);
	char err[128];
	int rc;

	if (!s || !*s) {
		if (optional)
			return 0;
		return ar_web_error(rq, rs, 400, "missing parameter '%s'", name);
	}
	rc = ar_web_parse_id(s, id, err, sizeof(err));
	if (rc < 0)
		return ar_web_error(rq, rs, 400, "parameter '%s': %s", name, err);
	return 1;
}

bool ar_web_file_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 200 || strstr(name, ".."))
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"' || c == '\'')
			return false;
	}
	return true;
}

int ar_web_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
			size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *port;
	size_t hlen;
	bool v6 = false;
	long p;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!s || !*s)
		goto bad;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		hlen = (size_t)(rb - s - 1);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hlen);
		port = rb + 2;
		v6 = true;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, s, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (*port < '0' || *port > '9')
		goto bad;
	errno = 0;
	p = strtol(port, &end, 10);
	if (errno || *end || p < 0 || p > 65535) {
		snprintf(err, errlen, "bad listen address '%s': port must be 0..65535", s);
		return -EINVAL;
	}
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
			snprintf(err, errlen,
				 "bad listen address '%s': '%s' is not an IPv6 address", s, host);
			return -EINVAL;
		}
		*sslen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
			snprintf(err, errlen,
				 "bad listen address '%s': '%s' is not an IPv4 address "
				 "(write an IPv6 one in brackets)", s, host);
			return -EINVAL;
		}
		*sslen = sizeof(*a);
	}
	return 0;
bad:
	snprintf(err, errlen, "bad listen address '%s': want ADDR:PORT or [IPV6]:PORT",
		 s ? s : "");
	return -EINVAL;
}

/* ---- responses ---- */

int ar_web_error(struct ar_web_req *rq, struct ar_web_resp *rs, unsigned status,
		 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(rs->body.p);
	memset(&rs->body, 0, sizeof(rs->body));
	rs->disposition[0] = '\0';
	if (rq->api)
		ar_api_error_body(rs, status, msg);
	else
		ar_html_error_page(rs, status, msg);
	return status == 404 ? -ENOENT : status == 400 ? -EINVAL : -EIO;
}

int ar_web_store_error(struct ar_web_req *rq, struct ar_web_resp *rs, int rc, const char *what)
{
	if (rc == -ENOENT)
		return ar_web_error(rq, rs, 404, "no %s", what);
	if (rc == -ENOMEM || rq->oom)
		return ar_web_error(rq, rs, 500, "out of memory reading %s", what);
	return ar_web_error(rq, rs, 500, "store error reading %s: %s", what,
			    rq->st->err[0] ? rq->st->err : strerror(-rc));
}

void ar_web_time(char *out, size_t n, double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(out, n, "%s", "");
		return;
	}
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void ar_web_duration(char *out, size_t n, double started, double ended)
{
	double d = ended - started;

	if (started <= 0 || ended <= 0 || d < 0)
		snprintf(out, n, "%s", "");
	else if (d < 60)
		snprintf(out, n, "%.1f s", d);
	else if (d < 3600)
		snprintf(out, n, "%d min %02d s", (int)d / 60, (int)d % 60);
	else
		snprintf(out, n, "%d h %02d min", (int)(d / 3600), (int)d % 3600 / 60);
}

const char *ar_web_file_type(const char *name, bool *attachment)
{
	const char *dot = strrchr(name, '.');

	*attachment = true;
	if (dot && (!strcmp(dot, ".pcap") || !strcmp(dot, ".pcapng")))
		return "application/vnd.tcpdump.pcap";
	if (dot && (!strcmp(dot, ".txt") || !strcmp(dot, ".log"))) {
		*attachment = false;
		return "text/plain; charset=utf-8";
	}
	if (dot && !strcmp(dot, ".json"))
		return "application/json";
	return "application/octet-stream";
}

const char *ar_web_verdict_class(const char *v)
{
	int i = v ? ar_verdict_index(v) : -1;

	if (i < 0)
		return "";
	return strcmp(v, "N/A") ? ar_verdict_names[i] : "NA";
}

double ar_web_pct(int n, int total)
{
	return total > 0 ? 100.0 * n / total : 0.0;
}

/* ---- rows copied out of the store ---- */

struct collect {
	struct ar_web_req *rq;
	struct ar_web_vec *vec;	/* a list, or */
	void *one;		/* a single row */
	bool found;
};

static void *collect_slot(struct collect *c)
{
	c->found = true;
	return c->vec ? ar_web_push(c->rq, c->vec) : c->one;
}

#define KEEP(field) d->field = ar_web_keep(c->rq, r->field)

static int release_cb(void *ctx, const struct ar_release_row *r)
{
	struct collect *c = ctx;
	struct ar_release_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(source); KEEP(version); KEEP(kind); KEEP(name); KEEP(ref); KEEP(state);
	return c->rq->oom ? -ENOMEM : 0;
}

static int artifact_cb(void *ctx, const struct ar_artifact_row *r)
{
	struct collect *c = ctx;
	struct ar_artifact_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(kind); KEEP(path); KEEP(sha256);
	return c->rq->oom ? -ENOMEM : 0;
}

static int run_cb(void *ctx, const struct ar_run_row *r)
{
	struct collect *c = ctx;
	struct ar_run_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(source); KEEP(version); KEEP(target); KEEP(status); KEEP(note);
	return c->rq->oom ? -ENOMEM : 0;
}

static int step_cb(void *ctx, const struct ar_step_row *r)
{
	struct collect *c = ctx;
	struct ar_step_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(name); KEEP(status); KEEP(note);
	return c->rq->oom ? -ENOMEM : 0;
}

static int suite_cb(void *ctx, const struct ar_suite_row *r)
{
	struct collect *c = ctx;
	struct ar_suite_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(suite); KEEP(source); KEEP(version); KEEP(target);
	return c->rq->oom ? -ENOMEM : 0;
}

static int result_cb(void *ctx, const struct ar_result_row *r)
{
	struct collect *c = ctx;
	struct ar_result_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(test); KEEP(title); KEEP(rfc); KEEP(verdict); KEEP(reason); KEEP(history); KEEP(flag);
	return c->rq->oom ? -ENOMEM : 0;
}

static int file_cb(void *ctx, const struct ar_file_row *r)
{
	struct collect *c = ctx;
	struct ar_file_row *d = collect_slot(c);

	if (!d)
		return -ENOMEM;
	*d = *r;
	KEEP(name);
	return c->rq->oom ? -ENOMEM : 0;
}

#undef KEEP

/* A listing's return value: the callbacks only ever return 0 or -ENOMEM. */
static int listed(const struct collect *c, int rc)
{
	if (rc > 0)
		rc = -EIO;
	if (!rc && c->rq->oom)
		rc = -ENOMEM;
	return rc;
}

static int got_one(const struct collect *c, int rc)
{
	rc = listed(c, rc);
	if (rc < 0)
		return rc;
	return c->found ? 0 : -ENOENT;
}

int ar_web_releases(struct ar_web_req *rq, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->releases(rq->st, release_cb, &c));
}

int ar_web_release(struct ar_web_req *rq, int64_t id, struct ar_release_row *out)
{
	struct collect c = { rq, NULL, out, false };

	return got_one(&c, rq->st->ops->release_get(rq->st, id, release_cb, &c));
}

int ar_web_artifacts(struct ar_web_req *rq, int64_t release_id, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->artifacts(rq->st, release_id, artifact_cb, &c));
}

int ar_web_runs(struct ar_web_req *rq, int64_t release_id, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->runs(rq->st, release_id, run_cb, &c));
}

int ar_web_run(struct ar_web_req *rq, int64_t id, struct ar_run_row *out)
{
	struct collect c = { rq, NULL, out, false };

	return got_one(&c, rq->st->ops->run_get(rq->st, id, run_cb, &c));
}

int ar_web_steps(struct ar_web_req *rq, int64_t run_id, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->steps(rq->st, run_id, step_cb, &c));
}

int ar_web_suites(struct ar_web_req *rq, int64_t run_id, const char *suite,
		  struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->suites(rq->st, run_id, suite, suite_cb, &c));
}

int ar_web_suite(struct ar_web_req *rq, int64_t id, struct ar_suite_row *out)
{
	struct collect c = { rq, NULL, out, false };

	return got_one(&c, rq->st->ops->suite_get(rq->st, id, suite_cb, &c));
}

int ar_web_results(struct ar_web_req *rq, int64_t suite_run_id, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->results(rq->st, suite_run_id, result_cb, &c));
}

int ar_web_result(struct ar_web_req *rq, int64_t id, struct ar_result_row *out)
{
	struct collect c = { rq, NULL, out, false };

	return got_one(&c, rq->st->ops->result_get(rq->st, id, result_cb, &c));
}

int ar_web_files(struct ar_web_req *rq, int64_t result_id, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->files(rq->st, result_id, file_cb, &c));
}

int ar_web_flagged(struct ar_web_req *rq, struct ar_web_vec *out)
{
	struct collect c = { rq, out, NULL, false };

	return listed(&c, rq->st->ops->flagged(rq->st, NULL, result_cb, &c));
}

/* ---- the matrix ---- */

static int col_cmp(const void *pa, const void *pb)
{
	const struct ar_web_col *a = pa, *b = pb;
	int t;

	if (a->release.found != b->release.found)
		return a->release.found < b->release.found ? -1 : 1;
	if (a->release.id != b->release.id)
		return a->release.id < b->release.id ? -1 : 1;
	t = strcmp(a->suite.target, b->suite.target);
	if (t)
		return t;
	return a->suite.id < b->suite.id ? -1 : a->suite.id > b->suite.id;
}

static int mrow_cmp(const void *pa, const void *pb)
{
	const struct ar_web_mrow *a = pa, *b = pb;

	return strcmp(a->test, b->test);
}

static int matrix_columns(struct ar_web_req *rq, const char *suite, const char *target,
			  struct ar_web_matrix *m, struct ar_web_vec *cols)
{
	struct ar_web_vec sv = AR_WEB_VEC(struct ar_suite_row);
	struct ar_web_vec rv = AR_WEB_VEC(struct ar_release_row);
	int rc;

	rc = ar_web_suites(rq, 0, suite, &sv);
	if (!rc)
		rc = ar_web_releases(rq, &rv);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sv.n; i++) {
		const struct ar_suite_row *s = AR_WEB_AT(&sv, struct ar_suite_row, i);
		const struct ar_release_row *rel = NULL;
		struct ar_web_col *col = NULL;
		size_t t;

		for (t = 0; t < m->targets.n; t++)
			if (!strcmp(*AR_WEB_AT(&m->targets, const char *, t), s->target))
				break;
		if (t == m->targets.n) {
			const char **slot = ar_web_push(rq, &m->targets);

			if (!slot)
				return -ENOMEM;
			*slot = s->target;
		}
		if (target && strcmp(target, s->target))
			continue;
		for (size_t j = 0; j < rv.n; j++) {
			const struct ar_release_row *r = AR_WEB_AT(&rv, struct ar_release_row, j);

			if (!strcmp(r->source, s->source) && !strcmp(r->version, s->version)) {
				rel = r;
				break;
			}
		}
		/* Suite runs come oldest first: a later one of the same release
		 * and target replaces the earlier one. */
		for (size_t j = 0; j < cols->n; j++) {
			struct ar_web_col *c = AR_WEB_AT(cols, struct ar_web_col, j);

			if (!strcmp(c->suite.source, s->source) &&
			    !strcmp(c->suite.version, s->version) &&
			    !strcmp(c->suite.target, s->target)) {
				col = c;
				break;
			}
		}
		if (!col && !(col = ar_web_push(rq, cols)))
			return -ENOMEM;
		col->suite = *s;
		if (rel) {
			col->release = *rel;
		} else {
			/* Not expected (every run has its release): order by start. */
			col->release.source = s->source;
			col->release.version = s->version;
			col->release.kind = col->release.name = col->release.ref = "";
			col->release.state = "";
			col->release.found = s->started;
		}
	}
	return 0;
}

int ar_web_matrix_build(struct ar_web_req *rq, const char *suite, const char *target,
			struct ar_web_matrix *m)
{
	struct ar_web_vec cols = AR_WEB_VEC(struct ar_web_col);
	struct ar_web_vec rows = AR_WEB_VEC(struct ar_web_mrow);
	struct ar_web_vec *res;
	size_t n;
	int rc;

	memset(m, 0, sizeof(*m));
	m->suite = suite;
	m->target = target;
	m->targets = (struct ar_web_vec)AR_WEB_VEC(const char *);
	rc = matrix_columns(rq, suite, target, m, &cols);
	if (rc < 0)
		return rc;
	if (!cols.n)
		return -ENOENT;
	qsort(cols.v, cols.n, sizeof(struct ar_web_col), col_cmp);
	m->cols = cols.v;
	m->ncols = cols.n;

	res = ar_web_alloc(rq, m->ncols * sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (size_t i = 0; i < m->ncols; i++) {
		struct ar_web_col *c = &m->cols[i];

		c->prev = -1;
		for (size_t j = i; j-- > 0;)
			if (!strcmp(m->cols[j].suite.target, c->suite.target)) {
				c->prev = (int)j;
				break;
			}
		res[i] = (struct ar_web_vec)AR_WEB_VEC(struct ar_result_row);
		rc = ar_web_results(rq, c->suite.id, &res[i]);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < res[i].n; k++) {
			const struct ar_result_row *r = AR_WEB_AT(&res[i], struct ar_result_row, k);
			struct ar_web_mrow *row = ar_web_push(rq, &rows);
			int v = ar_verdict_index(r->verdict);

			if (!row)
				return -ENOMEM;
			row->test = r->test;
			row->title = r->title;
			if (v >= 0)
				c->counts[v]++;
			c->total++;
		}
	}
	/* Tests in any column, once each; the newest title wins. */
	qsort(rows.v, rows.n, sizeof(struct ar_web_mrow), mrow_cmp);
	n = 0;
	for (size_t i = 0; i < rows.n; i++) {
		struct ar_web_mrow *r = AR_WEB_AT(&rows, struct ar_web_mrow, i);

		if (n && !strcmp(AR_WEB_AT(&rows, struct ar_web_mrow, n - 1)->test, r->test)) {
			if (*r->title)
				AR_WEB_AT(&rows, struct ar_web_mrow, n - 1)->title = r->title;
			continue;
		}
		*AR_WEB_AT(&rows, struct ar_web_mrow, n) = *r;
		n++;
	}
	m->rows = rows.v;
	m->nrows = n;
	if (n && n > SIZE_MAX / sizeof(struct ar_web_cell) / m->ncols)
		return -ENOMEM;
	m->cells = ar_web_alloc(rq, (n ? n : 1) * m->ncols * sizeof(struct ar_web_cell));
	if (!m->cells)
		return -ENOMEM;
	for (size_t i = 0; i < m->ncols; i++) {
		for (size_t k = 0; k < res[i].n; k++) {
			const struct ar_result_row *r = AR_WEB_AT(&res[i], struct ar_result_row, k);
			struct ar_web_mrow key = { r->test, NULL };
			struct ar_web_mrow *row = bsearch(&key, m->rows, m->nrows, sizeof(key),
							  mrow_cmp);
			struct ar_web_cell *cell;

			if (!row)
				continue;
			cell = &m->cells[(size_t)(row - m->rows) * m->ncols + i];
			cell->result_id = r->id;
			cell->verdict = r->verdict;
			cell->flag = r->flag;
		}
	}
	for (size_t r = 0; r < m->nrows; r++)
		for (size_t i = 0; i < m->ncols; i++) {
			struct ar_web_cell *cell = &m->cells[r * m->ncols + i];
			const struct ar_web_cell *left;

			if (!cell->result_id || m->cols[i].prev < 0)
				continue;
			left = &m->cells[r * m->ncols + (size_t)m->cols[i].prev];
			if (!left->result_id)
				continue;
			cell->prev_verdict = left->verdict;
			cell->changed = strcmp(left->verdict, cell->verdict) != 0;
		}
	return 0;
}

/* ---- comparison ---- */

int ar_web_matrix_req(struct ar_web_req *rq, struct ar_web_resp *rs, struct ar_web_matrix *m,
		      const char **suite, const char **target)
{
	int rc;

	*suite = ar_web_arg(rq, "suite");
	*target = ar_web_arg(rq, "target");
	if (!*suite || !**suite)
		return ar_web_error(rq, rs, 400, "missing parameter 'suite'");
	if (*target && !**target)
		*target = NULL;
	rc = ar_web_matrix_build(rq, *suite, *target, m);
	if (rc == -ENOENT)
		return ar_web_error(rq, rs, 404, "no finished run of suite '%s'%s%s", *suite,
				    *target ? " on target " : "", *target ? *target : "");
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "the matrix");
	return 0;
}

static int64_t result_id_of(const struct ar_web_vec *v, const char *test)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct ar_result_row *r = AR_WEB_AT(v, struct ar_result_row, i);

		if (!strcmp(r->test, test))
			return r->id;
	}
	return 0;
}

int ar_web_cmp_build(struct ar_web_req *rq, struct ar_web_resp *rs, int64_t a, int64_t b,
		     struct ar_web_cmp *c)
{
	struct ar_web_vec ra = AR_WEB_VEC(struct ar_result_row);
	struct ar_web_vec rb = AR_WEB_VEC(struct ar_result_row);
	char what[64];
	int rc;

	memset(c, 0, sizeof(*c));
	rc = ar_web_suite(rq, a, &c->a);
	if (rc < 0) {
		snprintf(what, sizeof(what), "suite run %lld", (long long)a);
		return ar_web_store_error(rq, rs, rc, what);
	}
	rc = ar_web_suite(rq, b, &c->b);
	if (rc < 0) {
		snprintf(what, sizeof(what), "suite run %lld", (long long)b);
		return ar_web_store_error(rq, rs, rc, what);
	}
	if (strcmp(c->a.suite, c->b.suite))
		return ar_web_error(rq, rs, 400,
				    "suite runs %lld (%s) and %lld (%s) are of different suites",
				    (long long)a, c->a.suite, (long long)b, c->b.suite);
	rc = ar_compare(rq->st, a, b, &c->diff);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "the comparison");
	rc = ar_web_results(rq, a, &ra);
	if (!rc)
		rc = ar_web_results(rq, b, &rb);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, "results");
	c->a_result = ar_web_alloc(rq, (c->diff.n + 1) * sizeof(int64_t));
	c->b_result = ar_web_alloc(rq, (c->diff.n + 1) * sizeof(int64_t));
	if (!c->a_result || !c->b_result)
		return ar_web_store_error(rq, rs, -ENOMEM, "results");
	/* Linear lookups: suites hold hundreds of tests, changes are few. */
	for (size_t i = 0; i < c->diff.n; i++) {
		c->a_result[i] = result_id_of(&ra, c->diff.v[i].test);
		c->b_result[i] = result_id_of(&rb, c->diff.v[i].test);
	}
	return 0;
}

void ar_web_cmp_free(struct ar_web_cmp *c)
{
	ar_diff_free(&c->diff);
}

/* ---- routing ---- */

/* Browsers ask for an icon: there is none, and that is not an error. */
static int no_content(struct ar_web_req *rq, const int64_t *ids, const char *name,
		      struct ar_web_resp *rs)
{
	rs->status = 204;
	rs->ctype = "text/plain; charset=utf-8";
	return 0;
}

static const struct route {
	const char *pat;	/* '#' an id segment, '*' a file name segment */
	ar_web_handler fn;
} routes[] = {
	{ "/", ar_html_overview },
	{ "/matrix", ar_html_matrix },
	{ "/run/#", ar_html_run },
	{ "/step/#/log", ar_web_step_log },
	{ "/suite/#", ar_html_suite },
	{ "/result/#", ar_html_result },
	{ "/result/#/log", ar_web_result_log },
	{ "/result/#/file/*", ar_web_result_file },
	{ "/compare", ar_html_compare },
	{ "/regressions", ar_html_regressions },
	{ "/favicon.ico", no_content },
	{ "/api", ar_api_index },
	{ "/api/releases", ar_api_releases },
	{ "/api/release/#", ar_api_release },
	{ "/api/runs", ar_api_runs },
	{ "/api/run/#", ar_api_run },
	{ "/api/step/#/log", ar_web_step_log },
	{ "/api/suite/#", ar_api_suite },
	{ "/api/result/#", ar_api_result },
	{ "/api/result/#/log", ar_web_result_log },
	{ "/api/result/#/file/*", ar_web_result_file },
	{ "/api/compare", ar_api_compare },
	{ "/api/matrix", ar_api_matrix },
	{ "/api/regressions", ar_api_regressions },
};

#define MAX_SEGS 8

/* Splits "/a/b/c" into segments (in the arena); -E2BIG for too many. */
static int split_path(struct ar_web_req *rq, const char *path, const char **seg, size_t *n)
{
	char *p;

	*n = 0;
	if (path[0] != '/')
		return -EINVAL;
	if (!path[1])
		return 0;
	p = (char *)ar_web_keep(rq, path + 1);
	if (rq->oom)
		return -ENOMEM;
	for (;;) {
		char *slash = strchr(p, '/');

		if (*n == MAX_SEGS)
			return -E2BIG;
		seg[(*n)++] = p;
		if (!slash)
			return 0;
		*slash = '\0';
		p = slash + 1;
	}
}

void ar_web_route(struct ar_web_req *rq, struct ar_web_resp *rs)
{
	const char *seg[MAX_SEGS], *pseg[MAX_SEGS];
	size_t n, pn;
	int rc;

	rq->api = !strcmp(rq->path, "/api") || !strncmp(rq->path, "/api/", 5);
	rc = split_path(rq, rq->path, seg, &n);
	if (rc == -ENOMEM) {
		ar_web_error(rq, rs, 500, "out of memory");
		return;
	}
	if (rc < 0)
		goto notfound;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int64_t ids[MAX_SEGS];
		const char *name = NULL;
		size_t nid = 0, k;

		if (split_path(rq, routes[i].pat, pseg, &pn) < 0 || pn != n)
			continue;
		for (k = 0; k < n; k++) {
			if (!strcmp(pseg[k], "#") || !strcmp(pseg[k], "*"))
				continue;
			if (strcmp(pseg[k], seg[k]))
				break;
		}
		if (k < n)
			continue;
		/* The path has the route's shape: now its parameters must be good. */
		for (k = 0; k < n; k++) {
			char err[128];

			if (!strcmp(pseg[k], "#")) {
				if (ar_web_parse_id(seg[k], &ids[nid++], err, sizeof(err)) < 0) {
					ar_web_error(rq, rs, 400, "%s", err);
					return;
				}
			} else if (!strcmp(pseg[k], "*")) {
				name = seg[k];
				if (!ar_web_file_name_ok(name)) {
					ar_web_error(rq, rs, 400, "bad file name");
					return;
				}
			}
		}
		rs->status = 200;
		rs->ctype = rq->api ? "application/json" : "text/html; charset=utf-8";
		routes[i].fn(rq, ids, name, rs);
		if (rq->oom || rs->body.oom)
			ar_web_error(rq, rs, 500, "out of memory");
		return;
	}
notfound:
	ar_web_error(rq, rs, 404, "no page at this address");
}

/* ---- logs and files (the same for the pages and the API) ---- */

int ar_web_step_log(struct ar_web_req *rq, const int64_t *ids, const char *name,
		    struct ar_web_resp *rs)
{
	char *log = NULL, what[48];
	size_t len = 0;
	int rc;

	rc = rq->st->ops->step_log(rq->st, ids[0], &log, &len);
	if (rc < 0) {
		snprintf(what, sizeof(what), "step %lld", (long long)ids[0]);
		return ar_web_store_error(rq, rs, rc, what);
	}
	rs->ctype = "text/plain; charset=utf-8";
	ar_web_put(&rs->body, log ? log : "", log ? len : 0);
	free(log);
	return 0;
}

int ar_web_result_log(struct ar_web_req *rq, const int64_t *ids, const char *name,
		      struct ar_web_resp *rs)
{
	struct ar_result_row r;
	char *log = NULL, what[48];
	size_t len = 0;
	int rc;

	snprintf(what, sizeof(what), "result %lld", (long long)ids[0]);
	rc = ar_web_result(rq, ids[0], &r);
	if (!rc)
		rc = rq->st->ops->result_log(rq->st, ids[0], &log, &len);
	if (rc == -ENOENT) {
		log = NULL;
		len = 0;
		rc = 0;
	}
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, what);
	rs->ctype = "text/plain; charset=utf-8";
	ar_web_put(&rs->body, log ? log : "", log ? len : 0);
	free(log);
	return 0;
}

int ar_web_result_file(struct ar_web_req *rq, const int64_t *ids, const char *name,
		       struct ar_web_resp *rs)
{
	struct ar_result_row r;
	void *data = NULL;
	size_t len = 0;
	bool attach;
	char what[320];
	int rc;

	snprintf(what, sizeof(what), "result %lld", (long long)ids[0]);
	rc = ar_web_result(rq, ids[0], &r);
	if (rc < 0)
		return ar_web_store_error(rq, rs, rc, what);
	rc = rq->st->ops->file_get(rq->st, ids[0], name, &data, &len);
	if (rc < 0) {
		snprintf(what, sizeof(what), "file '%s' in result %lld", name,
			 (long long)ids[0]);
		return ar_web_store_error(rq, rs, rc, what);
	}
	rs->ctype = ar_web_file_type(name, &attach);
	if (attach)
		snprintf(rs->disposition, sizeof(rs->disposition), "attachment; filename=\"%s\"",
			 name);
	ar_web_put(&rs->body, data, len);
	free(data);
	return 0;
}

/* ---- the daemon ---- */

static const char *mhd_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct ar_web_resp *rs, bool html)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (rs->body.len)
		r = MHD_create_response_from_buffer(rs->body.len, rs->body.p,
						    MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(rs->body.p);
		return MHD_NO;
	}
	if (!rs->body.len)
		free(rs->body.p);
	rs->body.p = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->ctype);
	/* Results change while the watcher runs: nothing is cached. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (html)
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'none'; style-src 'unsafe-inline'; "
					"form-action 'self'; base-uri 'none'; "
					"frame-ancestors 'none'");
	if (rs->disposition[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, rs->disposition);
	if (rs->status == 405)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static int seen;
	struct ar_web *w = cls;
	struct ar_web_req rq = { .st = w->st, .path = url, .conn = conn, .arg_fn = mhd_arg };
	struct ar_web_resp rs = { .status = 200 };
	enum MHD_Result ret;

	/* First call: headers only; the answer comes on the next one. */
	if (!*state) {
		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* a body is not used by any page */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		rq.api = !strncmp(url, "/api", 4);
		ar_web_error(&rq, &rs, 405, "method %.16s not allowed: use GET", method);
	} else {
		ar_web_route(&rq, &rs);
	}
	ar_web_req_done(&rq);
	if (rs.body.oom) {
		free(rs.body.p);
		memset(&rs.body, 0, sizeof(rs.body));
		rs.status = 500;
		rs.ctype = "text/plain; charset=utf-8";
		rs.disposition[0] = '\0';
		ar_web_puts(&rs.body, "out of memory\n");
	}
	ret = queue(conn, &rs, rs.ctype && !strncmp(rs.ctype, "text/html", 9));
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding of the path and the query values, in place. "%00" stays
 * as it is: a NUL would cut "/run/1%00x" to "/run/1" and make a bad id look
 * good. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		int hi, lo;

		if (*r == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 &&
		    (hi | lo)) {
			*w++ = (char)(hi << 4 | lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	fprintf(stderr, "v6lab serve: ");
	vfprintf(stderr, fmt, ap);
}

int ar_web_start(struct ar_store *st, const char *listen_addr, struct ar_web **out, char *err,
		 size_t errlen)
{
	struct sockaddr_storage ss, bound;
	socklen_t sslen, blen = sizeof(bound);
	char host[INET6_ADDRSTRLEN];
	struct ar_web *w = NULL;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int fd = -1, one = 1, rc;

	if (!listen_addr)
		listen_addr = AR_WEB_DEFAULT_LISTEN;
	rc = ar_web_parse_listen(listen_addr, &ss, &sslen, err, errlen);
	if (rc < 0)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto sys;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto sys;
	if (ss.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			goto sys;
	}
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) < 0)
		goto sys;
	w = calloc(1, sizeof(*w));
	if (!w) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->st = st;
	if (bound.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&bound;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		w->port = ntohs(a->sin6_port);
		snprintf(w->url, sizeof(w->url), "http://[%s]:%u/", host, w->port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&bound;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		w->port = ntohs(a->sin_port);
		snprintf(w->url, sizeof(w->url), "http://%s:%u/", host, w->port);
	}
	w->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				MHD_OPTION_END);
	if (!w->d) {
		rc = -EIO;
		snprintf(err, errlen, "cannot start the HTTP server on %s", listen_addr);
		/* Whether a failed start closed the given socket is not documented:
		 * close it only when it is still open. */
		if (fcntl(fd, F_GETFD) < 0)
			fd = -1;
		goto fail;
	}
	*out = w;
	return 0;
sys:
	rc = -errno;
	snprintf(err, errlen, "listen on %s: %s", listen_addr, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	free(w);
	return rc;
}

const char *ar_web_url(const struct ar_web *w)
{
	return w->url;
}

unsigned ar_web_port(const struct ar_web *w)
{
	return w->port;
}

void ar_web_stop(struct ar_web *w)
{
	if (!w)
		return;
	/* The daemon closes the listening socket it was given. */
	MHD_stop_daemon(w->d);
	free(w);
}
