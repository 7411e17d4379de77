/*
 * The web UI and JSON API of v6lab serve: a server on 127.0.0.1 port 0 over
 * a temporary SQLite store filled through the store operations (two
 * releases, their runs, steps, suite runs, results and a pcap), asked with
 * real HTTP/1.0 requests over a socket: status codes, content types and
 * content of every page and endpoint, 400 for bad ids, 404 for unknown
 * paths and ids, byte-exact downloads, HTML escaping, path traversal.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "t.h"
#include "web.h"

static unsigned port;
static char tmpdir[64];

/* ---- a minimal HTTP/1.0 client ---- */

struct http {
	int status;
	char *head;		/* status line and headers, NUL-terminated */
	char *body;		/* NUL-terminated (may hold other NULs) */
	size_t len;
};

static void http_free(struct http *h)
{
	free(h->head);
	free(h->body);
	memset(h, 0, sizeof(*h));
}

/* Sends raw (a whole request) to the server on host:port and reads the
 * answer until the server closes. */
static int http_raw(int family, const char *raw, struct http *h)
{
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { 10, 0 };
	size_t cap = 4096, n = 0, rawlen = strlen(raw);
	char *buf = malloc(cap), *sep;
	socklen_t sl;
	int fd;

	memset(h, 0, sizeof(*h));
	if (!buf)
		return -ENOMEM;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	for (size_t off = 0; off < rawlen;) {
		ssize_t w = write(fd, raw + off, rawlen - off);

		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	for (;;) {
		ssize_t r;

		if (cap - n < 2048) {
			char *p = realloc(buf, cap * 2);

			if (!p)
				goto fail;
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0)
			goto fail;
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (!sep || sscanf(buf, "HTTP/1.%*d %d", &h->status) != 1) {
		free(buf);
		return -EPROTO;
	}
	h->head = strndup(buf, (size_t)(sep - buf) + 2);
	h->len = n - (size_t)(sep + 4 - buf);
	h->body = malloc(h->len + 1);
	if (!h->head || !h->body) {
		free(buf);
		http_free(h);
		return -ENOMEM;
	}
	memcpy(h->body, sep + 4, h->len);
	h->body[h->len] = '\0';
	free(buf);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -errno;
}

static int http_req(const char *method, const char *path, struct http *h)
{
	char raw[2048];

	snprintf(raw, sizeof(raw), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	return http_raw(AF_INET, raw, h);
}

static int get(const char *path, struct http *h)
{
	return http_req("GET", path, h);
}

/* The value of header name (static buffer), "" when absent. */
static const char *header(const struct http *h, const char *name)
{
	static char val[512];
	size_t n = strlen(name);

	val[0] = '\0';
	for (const char *p = h->head ? strstr(h->head, "\r\n") : NULL; p; p = strstr(p, "\r\n")) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(val, sizeof(val), "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			break;
		}
	}
	return val;
}

static bool has(const struct http *h, const char *s)
{
	return h->body && strstr(h->body, s);
}

static json_t *body_json(const struct http *h)
{
	json_error_t e;

	return h->body ? json_loadb(h->body, h->len, 0, &e) : NULL;
}

/* ---- the store ---- */

static const unsigned char pcap[] = {
	0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
	0x10, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0x00, 0xff, 0x0d, 0x0a,
};

struct ids {
	int64_t rel[2], run[2], step[2], suite[2], res_a[4], res_b[4], fail_run, ns_suite;
};

static int add_release(struct ar_store *st, const char *version, int64_t *id)
{
	struct ar_release r = { 0 };
	bool isnew;

	snprintf(r.source, sizeof(r.source), "deb");
	snprintf(r.version, sizeof(r.version), "%s", version);
	snprintf(r.kind, sizeof(r.kind), "package");
	snprintf(r.name, sizeof(r.name), "linux-image-%s-cloud-amd64", version);
	snprintf(r.ref, sizeof(r.ref), "linux-image-%s-cloud-amd64=%s", version, version);
	return st->ops->release_add(st, &r, id, &isnew);
}

/* Four tests in release i: t1 PASS/PASS, t2 PASS/FAIL (regression), t3
 * WARN/PASS, t4 (a title with markup) SKIP/SKIP. */
static int fill(struct ar_store *st, struct ids *x)
{
	static const char *const verdict[2][4] = {
		{ "PASS", "PASS", "WARN", "SKIP" }, { "PASS", "FAIL", "PASS", "SKIP" } };
	static const char *const test[4] = { "core.t1", "core.t2", "core.t3", "core.t4" };
	static const char *const title[4] = { "first", "second", "third",
					      "<script>alert(1)</script> & more" };
	const struct ar_store_ops *o = st->ops;
	int rc;

	for (int i = 0; i < 2; i++) {
		char log[64];
		int64_t step;

		if ((rc = add_release(st, i ? "6.12.100" : "6.1.0-47", &x->rel[i])) < 0 ||
		    (rc = o->run_begin(st, x->rel[i], "qemu", &x->run[i])) < 0 ||
		    (rc = o->step_begin(st, x->run[i], "fetch", &x->step[i])) < 0)
			return rc;
		snprintf(log, sizeof(log), "$ apt-get download %d\nfetched <ok>\n", i);
		if ((rc = o->step_end(st, x->step[i], "ok", "", log, strlen(log))) < 0 ||
		    (rc = o->step_begin(st, x->run[i], "boot", &step)) < 0 ||
		    (rc = o->step_end(st, step, "ok", "booted", "serial\n", 7)) < 0 ||
		    (rc = o->suite_begin(st, x->run[i], "core", &x->suite[i])) < 0)
			return rc;
		for (int k = 0; k < 4; k++) {
			struct ar_result r = {
				.test = test[k], .title = title[k], .rfc = "8200",
				.verdict = verdict[i][k], .reason = k == 1 && i ? "no reply" : "",
				.history = k == 1 && i ? "FAIL,FAIL,FAIL" : verdict[i][k],
				.flag = k == 1 && i ? "regression" : "", .secs = 0.5,
				.attempts = k == 1 && i ? 3 : 1, .log = "line <1>\n", .loglen = 9,
			};
			int64_t *id = i ? &x->res_b[k] : &x->res_a[k];

			if (k == 3 && i) {
				/* Not UTF-8: the API must still give valid JSON. */
				r.log = "skip \xff\xc3\x28 \xc3\xa9\n";
				r.loglen = strlen(r.log);
			}

			if ((rc = o->result_add(st, x->suite[i], &r, id)) < 0)
				return rc;
		}
		if ((rc = o->file_add(st, x->res_b[1] ? x->res_b[1] : x->res_a[1], "link0.pcap",
				      pcap, sizeof(pcap))) < 0 ||
		    (rc = o->suite_end(st, x->suite[i])) < 0 ||
		    (rc = o->run_end(st, x->run[i], "done", "")) < 0)
			return rc;
	}
	/* The second release also on a netns target, with one test only. */
	{
		struct ar_result r = { .test = "core.t2", .title = "second", .verdict = "FAIL",
				       .history = "FAIL", .flag = "", .attempts = 1 };
		int64_t run, res;

		if ((rc = o->run_begin(st, x->rel[1], "netns", &run)) < 0 ||
		    (rc = o->suite_begin(st, run, "core", &x->ns_suite)) < 0 ||
		    (rc = o->result_add(st, x->ns_suite, &r, &res)) < 0 ||
		    (rc = o->suite_end(st, x->ns_suite)) < 0 ||
		    (rc = o->run_end(st, run, "done", "")) < 0)
			return rc;
	}
	/* A third release whose build failed: no suite run. */
	{
		int64_t rel;

		if ((rc = add_release(st, "6.12.101", &rel)) < 0 ||
		    (rc = o->run_begin(st, rel, "qemu", &x->fail_run)) < 0 ||
		    (rc = o->run_end(st, x->fail_run, "failed", "build failed")) < 0)
			return rc;
	}
	return 0;
}

/* ---- checks ---- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A server started and stopped leaves no descriptor behind. */
static void test_stop(struct ar_store *st)
{
	struct ar_web *w = NULL;
	char err[256];
	int before = count_fds(), rc;

	rc = ar_web_start(st, "127.0.0.1:0", &w, err, sizeof(err));
	T_OK(rc == 0 && count_fds() > before, "a second server starts (%s)", rc ? err : "ok");
	if (rc)
		return;
	ar_web_stop(w);
	T_EQ_U(count_fds(), before, "stopping it closes its sockets");
}

static void test_parse(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[160];
	int64_t id;

	T_OK(ar_web_parse_listen("127.0.0.1:8080", &ss, &sl, err, sizeof(err)) == 0 &&
	     ss.ss_family == AF_INET &&
	     ntohs(((struct sockaddr_in *)&ss)->sin_port) == 8080, "IPv4 listen address");
	T_OK(ar_web_parse_listen("[::1]:0", &ss, &sl, err, sizeof(err)) == 0 &&
	     ss.ss_family == AF_INET6, "IPv6 literal in brackets");
	T_OK(ar_web_parse_listen("::1:80", &ss, &sl, err, sizeof(err)) == -EINVAL,
	     "IPv6 without brackets is refused (%s)", err);
	T_OK(ar_web_parse_listen("localhost:80", &ss, &sl, err, sizeof(err)) == -EINVAL &&
	     strstr(err, "not an IPv4 address"), "a host name is refused (%s)", err);
	T_OK(ar_web_parse_listen("127.0.0.1:65536", &ss, &sl, err, sizeof(err)) == -EINVAL &&
	     strstr(err, "0..65535"), "port out of range (%s)", err);
	T_OK(ar_web_parse_listen("127.0.0.1", &ss, &sl, err, sizeof(err)) == -EINVAL,
	     "missing port (%s)", err);
	T_OK(ar_web_parse_listen("127.0.0.1:-1", &ss, &sl, err, sizeof(err)) == -EINVAL,
	     "negative port");
	T_OK(ar_web_parse_id("42", &id, err, sizeof(err)) == 0 && id == 42, "id 42");
	T_OK(ar_web_parse_id("9223372036854775807", &id, err, sizeof(err)) == 0 &&
	     id == INT64_MAX, "largest id");
	T_OK(ar_web_parse_id("9223372036854775808", &id, err, sizeof(err)) == -ERANGE,
	     "id past INT64_MAX (%s)", err);
	T_OK(ar_web_parse_id("0", &id, err, sizeof(err)) == -EINVAL, "id 0 (%s)", err);
	T_OK(ar_web_parse_id("+1", &id, err, sizeof(err)) == -EINVAL, "id with a sign");
	T_OK(ar_web_parse_id("1e3", &id, err, sizeof(err)) == -EINVAL, "id with letters");
	T_OK(!ar_web_file_name_ok("..") && !ar_web_file_name_ok("a/b") &&
	     !ar_web_file_name_ok("") && !ar_web_file_name_ok("x..y") &&
	     !ar_web_file_name_ok("a\"b") && ar_web_file_name_ok("link0.pcap"),
	     "file names");
}

static void test_pages(const struct ids *x)
{
	struct http h;
	char path[128], want[128];

	T_OK(get("/", &h) == 0 && h.status == 200, "GET / is 200");
	T_EQ_S(header(&h, "Content-Type"), "text/html; charset=utf-8", "overview is HTML");
	T_EQ_S(header(&h, "Cache-Control"), "no-store", "overview is not cached");
	snprintf(want, sizeof(want), "href=\"/run/%lld\"", (long long)x->run[0]);
	T_OK(has(&h, "id=\"overview\"") && has(&h, want) && has(&h, "6.12.100") &&
	     has(&h, "6.1.0-47"), "overview lists both releases with run links");
	snprintf(want, sizeof(want), "<a class=\"suite-link counts-link\" href=\"/suite/%lld\">",
		 (long long)x->suite[1]);
	T_OK(has(&h, want) && has(&h, "title=\"FAIL\">F 1</span>"),
	     "overview links the suite run with its FAIL count");
	T_OK(has(&h, "build failed") && has(&h, "status-failed"),
	     "overview shows the failed run and its note");
	T_OK(has(&h, "href=\"/matrix?suite=core\""), "overview links the suite matrix");
	http_free(&h);

	snprintf(path, sizeof(path), "/run/%lld", (long long)x->run[1]);
	T_OK(get(path, &h) == 0 && h.status == 200, "GET %s is 200", path);
	snprintf(want, sizeof(want), "href=\"/step/%lld/log\"", (long long)x->step[1]);
	T_OK(has(&h, "id=\"steps\"") && has(&h, want) && has(&h, ">fetch<") &&
	     has(&h, ">boot<") && has(&h, "booted"), "run page lists steps with log links");
	snprintf(want, sizeof(want), "href=\"/suite/%lld\"", (long long)x->suite[1]);
	T_OK(has(&h, "id=\"suites\"") && has(&h, want), "run page links its suite run");
	http_free(&h);

	snprintf(path, sizeof(path), "/step/%lld/log", (long long)x->step[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 &&
	     !strcmp(h.body, "$ apt-get download 1\nfetched <ok>\n"), "step log as stored");
	T_EQ_S(header(&h, "Content-Type"), "text/plain; charset=utf-8", "step log is text");
	http_free(&h);

	snprintf(path, sizeof(path), "/suite/%lld", (long long)x->suite[1]);
	T_OK(get(path, &h) == 0 && h.status == 200, "GET %s is 200", path);
	snprintf(want, sizeof(want), "href=\"/result/%lld\"", (long long)x->res_b[1]);
	T_OK(has(&h, "id=\"results\"") && has(&h, want) && has(&h, "no reply") &&
	     has(&h, "FAIL,FAIL,FAIL") && has(&h, "flag-regression"),
	     "suite page: result link, reason, history, flag");
	snprintf(want, sizeof(want), "class=\"compare-link\" id=\"compare-previous\" "
		 "href=\"/compare?a=%lld&amp;b=%lld\"", (long long)x->suite[0],
		 (long long)x->suite[1]);
	T_OK(has(&h, want), "suite page links the comparison with the previous release");
	T_OK(has(&h, "id=\"compare-form\"") && has(&h, "name=\"b\""),
	     "suite page has the compare form");
	T_OK(has(&h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more") &&
	     !has(&h, "<script>"), "a title with markup is escaped");
	http_free(&h);

	snprintf(path, sizeof(path), "/suite/%lld", (long long)x->suite[0]);
	T_OK(get(path, &h) == 0 && h.status == 200 && !has(&h, "compare-previous") &&
	     has(&h, "no earlier release"), "the first release's suite has no previous");
	http_free(&h);

	snprintf(path, sizeof(path), "/result/%lld", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200, "GET %s is 200", path);
	snprintf(want, sizeof(want), "href=\"/result/%lld/file/link0.pcap\"",
		 (long long)x->res_b[1]);
	T_OK(has(&h, want) && has(&h, "class=\"file-link\""), "result page links the pcap");
	T_OK(has(&h, "<pre id=\"log\">line &lt;1&gt;\n</pre>"), "result log inline, escaped");
	T_OK(has(&h, "core.t2") && has(&h, "regression"), "result page names the test");
	http_free(&h);

	snprintf(path, sizeof(path), "/result/%lld", (long long)x->res_b[3]);
	T_OK(get(path, &h) == 0 && h.status == 200 &&
	     has(&h, "&lt;script&gt;alert(1)&lt;/script&gt;") && !has(&h, "<script>"),
	     "result page escapes the title");
	http_free(&h);

	snprintf(path, sizeof(path), "/result/%lld/file/link0.pcap", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && h.len == sizeof(pcap) &&
	     !memcmp(h.body, pcap, sizeof(pcap)), "pcap download is byte-exact");
	T_EQ_S(header(&h, "Content-Type"), "application/vnd.tcpdump.pcap", "pcap content type");
	T_EQ_S(header(&h, "Content-Disposition"), "attachment; filename=\"link0.pcap\"",
	       "pcap is an attachment");
	http_free(&h);

	snprintf(path, sizeof(path), "/result/%lld/log", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && !strcmp(h.body, "line <1>\n"),
	     "result log as text");
	http_free(&h);

	T_OK(get("/matrix?suite=core", &h) == 0 && h.status == 200, "GET /matrix is 200");
	T_OK(has(&h, "id=\"matrix\""), "matrix table");
	T_OK(has(&h, "href=\"/matrix?suite=core&amp;target=netns\"") &&
	     has(&h, "netns &middot;"), "matrix of all targets has the netns column and link");
	snprintf(want, sizeof(want), "<td class=\"cell FAIL changed flag-regression\" "
		 "title=\"FAIL, changed from PASS, regression\"><a class=\"result-link\" "
		 "href=\"/result/%lld\">", (long long)x->res_b[1]);
	T_OK(has(&h, want), "the regressed cell is FAIL, marked changed and linked");
	snprintf(want, sizeof(want), "<td class=\"cell PASS changed\" title=\"PASS, changed "
		 "from WARN\"><a class=\"result-link\" href=\"/result/%lld\">",
		 (long long)x->res_b[2]);
	T_OK(has(&h, want), "WARN -> PASS is marked changed");
	snprintf(want, sizeof(want), "<td class=\"cell PASS\" title=\"PASS\"><a "
		 "class=\"result-link\" href=\"/result/%lld\">", (long long)x->res_b[0]);
	T_OK(has(&h, want), "an unchanged cell is not marked");
	T_OK(has(&h, "class=\"cell SKIP\""), "SKIP cells");
	/* Release 1: 2 PASS, 1 WARN, 1 SKIP; release 2: 2 PASS, 1 FAIL, 1 SKIP. */
	T_OK(has(&h, "<span class=\"pct-PASS\">PASS 50.0%</span><br><span class=\"pct-WARN\">"
		 "WARN 25.0%</span><br><span class=\"pct-FAIL\">FAIL 0.0%</span>") &&
	     has(&h, "<span class=\"pct-PASS\">PASS 50.0%</span><br><span class=\"pct-WARN\">"
		 "WARN 0.0%</span><br><span class=\"pct-FAIL\">FAIL 25.0%</span>"),
	     "per column percentages");
	T_OK(strstr(h.body, "6.1.0-47") && strstr(h.body, "6.12.100") &&
	     strstr(h.body, "6.1.0-47") < strstr(h.body, "6.12.100"),
	     "oldest release is the left column");
	http_free(&h);

	T_OK(get("/matrix?suite=core&target=qemu", &h) == 0 && h.status == 200 &&
	     has(&h, "class=\"cell FAIL changed") && !has(&h, "netns &middot;"),
	     "matrix for one target");
	http_free(&h);
	T_OK(get("/matrix?suite=core&target=nosuch", &h) == 0 && h.status == 404 &&
	     has(&h, "no finished run of suite"), "matrix of an unknown target is 404");
	http_free(&h);
	T_OK(get("/matrix?suite=nosuch", &h) == 0 && h.status == 404, "unknown suite is 404");
	http_free(&h);
	T_OK(get("/matrix", &h) == 0 && h.status == 400 && has(&h, "missing parameter"),
	     "matrix without suite is 400");
	http_free(&h);

	snprintf(path, sizeof(path), "/compare?a=%lld&b=%lld", (long long)x->suite[0],
		 (long long)x->suite[1]);
	T_OK(get(path, &h) == 0 && h.status == 200, "GET %s is 200", path);
	T_OK(has(&h, "2 tests changed, 2 unchanged"), "comparison summary");
	T_OK(has(&h, "<tr class=\"change regression\" data-test=\"core.t2\">") &&
	     has(&h, "<tr class=\"change changed\" data-test=\"core.t3\">") &&
	     !has(&h, "data-test=\"core.t1\""), "comparison lists the regression and the change");
	snprintf(want, sizeof(want), "href=\"/result/%lld\">FAIL</a>", (long long)x->res_b[1]);
	T_OK(has(&h, want), "comparison links the new result");
	http_free(&h);

	T_OK(get("/regressions", &h) == 0 && h.status == 200 && has(&h, "id=\"regressions\"") &&
	     has(&h, "core.t2") && has(&h, "6.12.100") && has(&h, "qemu"),
	     "regressions page lists the regression with release and target");
	http_free(&h);
}

static void test_api(const struct ids *x)
{
	struct http h;
	json_t *j = NULL, *v;
	char path[128];

	T_OK(get("/api/releases", &h) == 0 && h.status == 200, "GET /api/releases is 200");
	T_EQ_S(header(&h, "Content-Type"), "application/json", "API is JSON");
	T_EQ_S(header(&h, "Cache-Control"), "no-store", "API data is not cached");
	j = body_json(&h);
	T_OK(json_is_array(j) && json_array_size(j) == 3 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(j, 0), "version")),
		     "6.12.101"), "three releases, newest first");
	json_decref(j);
	j = NULL;
	http_free(&h);

	T_OK(get("/api/runs", &h) == 0 && h.status == 200 && (j = body_json(&h)) &&
	     json_array_size(j) == 4, "all runs");
	json_decref(j);
	j = NULL;
	http_free(&h);
	snprintf(path, sizeof(path), "/api/runs?release=%lld", (long long)x->rel[0]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)) &&
	     json_array_size(j) == 1 &&
	     json_integer_value(json_object_get(json_array_get(j, 0), "id")) == x->run[0],
	     "runs of one release");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/api/runs?release=x", &h) == 0 && h.status == 400 && (j = body_json(&h)) &&
	     strstr(json_string_value(json_object_get(j, "error")), "release"),
	     "bad release parameter is a JSON 400");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/api/runs?release=424242", &h) == 0 && h.status == 404, "unknown release 404");
	http_free(&h);

	snprintf(path, sizeof(path), "/api/run/%lld", (long long)x->run[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)), "GET %s", path);
	v = json_object_get(j, "steps");
	T_OK(json_array_size(v) == 2 && !strcmp(json_string_value(json_object_get(
		     json_array_get(v, 0), "name")), "fetch"), "run with its steps");
	v = json_object_get(j, "suite_runs");
	T_OK(json_array_size(v) == 1 &&
	     json_integer_value(json_object_get(json_array_get(v, 0), "id")) == x->suite[1] &&
	     json_integer_value(json_object_get(json_object_get(json_array_get(v, 0), "counts"),
						"FAIL")) == 1,
	     "run with its suite runs and counts");
	json_decref(j);
	j = NULL;
	http_free(&h);

	snprintf(path, sizeof(path), "/api/step/%lld/log", (long long)x->step[0]);
	T_OK(get(path, &h) == 0 && h.status == 200 && !strcmp(h.body,
	     "$ apt-get download 0\nfetched <ok>\n"), "API step log is text");
	http_free(&h);

	snprintf(path, sizeof(path), "/api/suite/%lld", (long long)x->suite[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)), "GET %s", path);
	T_OK(json_integer_value(json_object_get(j, "previous")) == x->suite[0] &&
	     json_array_size(json_object_get(j, "results")) == 4 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j,
			"results"), 1), "flag")), "regression"),
	     "suite run with results and previous");
	json_decref(j);
	j = NULL;
	http_free(&h);

	snprintf(path, sizeof(path), "/api/result/%lld", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)), "GET %s", path);
	v = json_array_get(json_object_get(j, "files"), 0);
	T_OK(!strcmp(json_string_value(json_object_get(j, "log")), "line <1>\n") &&
	     !strcmp(json_string_value(json_object_get(v, "name")), "link0.pcap") &&
	     json_integer_value(json_object_get(v, "size")) == (json_int_t)sizeof(pcap),
	     "result with log and files");
	json_decref(j);
	j = NULL;
	http_free(&h);

	snprintf(path, sizeof(path), "/api/result/%lld", (long long)x->res_b[3]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)) &&
	     !strcmp(json_string_value(json_object_get(j, "log")),
		     "skip \xef\xbf\xbd\xef\xbf\xbd( \xc3\xa9\n"),
	     "bytes that are not UTF-8 become U+FFFD, valid UTF-8 stays");
	json_decref(j);
	j = NULL;
	http_free(&h);

	snprintf(path, sizeof(path), "/api/result/%lld/file/link0.pcap", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && h.len == sizeof(pcap) &&
	     !memcmp(h.body, pcap, sizeof(pcap)), "API file download is byte-exact");
	http_free(&h);

	snprintf(path, sizeof(path), "/api/compare?a=%lld&b=%lld", (long long)x->suite[0],
		 (long long)x->suite[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)), "GET %s", path);
	v = json_object_get(j, "changes");
	T_OK(json_array_size(v) == 2 && json_integer_value(json_object_get(j, "same")) == 2 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(v, 0), "test")),
		     "core.t2") &&
	     !strcmp(json_string_value(json_object_get(json_array_get(v, 0), "b")), "FAIL") &&
	     json_integer_value(json_object_get(json_array_get(v, 0), "b_result")) ==
	     x->res_b[1], "comparison changes");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/api/compare?a=1", &h) == 0 && h.status == 400, "compare without b is 400");
	http_free(&h);
	snprintf(path, sizeof(path), "/api/compare?a=%lld&b=999", (long long)x->suite[0]);
	T_OK(get(path, &h) == 0 && h.status == 404 && has(&h, "no suite run 999"),
	     "compare with a missing suite run is 404");
	http_free(&h);

	T_OK(get("/api/matrix?suite=core", &h) == 0 && h.status == 200 && (j = body_json(&h)),
	     "GET /api/matrix of all targets");
	v = json_object_get(j, "columns");
	T_OK(json_array_size(v) == 3 && json_array_size(json_object_get(j, "targets")) == 2 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(v, 1), "target")), "netns") &&
	     json_is_null(json_object_get(json_array_get(v, 1), "previous_column")) &&
	     json_integer_value(json_object_get(json_array_get(v, 2), "previous_column")) == 0,
	     "one column per release and target, each compared with its own target");
	v = json_object_get(json_array_get(json_object_get(j, "rows"), 1), "cells");
	T_OK(!json_is_true(json_object_get(json_array_get(v, 1), "changed")) &&
	     json_is_true(json_object_get(json_array_get(v, 2), "changed")) &&
	     json_is_null(json_array_get(json_object_get(json_array_get(json_object_get(j, "rows"),
			0), "cells"), 1)), "changes across targets are not marked; absent is null");
	json_decref(j);
	j = NULL;
	http_free(&h);

	T_OK(get("/api/matrix?suite=core&target=qemu", &h) == 0 && h.status == 200 &&
	     (j = body_json(&h)), "GET /api/matrix of one target");
	v = json_object_get(j, "rows");
	T_OK(json_array_size(json_object_get(j, "columns")) == 2 && json_array_size(v) == 4,
	     "matrix: 2 columns, 4 rows");
	v = json_array_get(json_object_get(json_array_get(v, 1), "cells"), 1);
	T_OK(json_is_true(json_object_get(v, "changed")) &&
	     !strcmp(json_string_value(json_object_get(v, "verdict")), "FAIL") &&
	     !strcmp(json_string_value(json_object_get(v, "previous")), "PASS"),
	     "matrix cell changed PASS -> FAIL");
	v = json_object_get(json_array_get(json_object_get(j, "columns"), 1), "percent");
	T_OK(json_real_value(json_object_get(v, "FAIL")) == 25.0 &&
	     json_real_value(json_object_get(v, "PASS")) == 50.0, "matrix percentages");
	json_decref(j);
	j = NULL;
	http_free(&h);

	T_OK(get("/api/regressions", &h) == 0 && h.status == 200 && (j = body_json(&h)) &&
	     json_array_size(j) == 1 &&
	     !strcmp(json_string_value(json_object_get(json_array_get(j, 0), "test")), "core.t2") &&
	     !strcmp(json_string_value(json_object_get(json_array_get(j, 0), "target")), "qemu") &&
	     json_integer_value(json_object_get(json_array_get(j, 0), "previous_suite_run")) ==
	     x->suite[0], "API regressions");
	json_decref(j);
	j = NULL;
	http_free(&h);

	snprintf(path, sizeof(path), "/api/release/%lld", (long long)x->rel[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && (j = body_json(&h)) &&
	     json_array_size(json_object_get(j, "runs")) == 2 &&
	     json_array_size(json_object_get(j, "artifacts")) == 0, "release with its runs");
	json_decref(j);
	j = NULL;
	http_free(&h);
}

static void test_errors(const struct ids *x)
{
	static const char *const bad[] = {
		"/run/abc", "/run/-1", "/run/99999999999999999999", "/run/0", "/run/1x",
		"/suite/%20", "/result/1.5", "/step/x/log", "/run/1%00", "/run/%31%00",
	};
	struct http h;
	json_t *j = NULL;
	char path[160];
	int rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_OK(get(bad[i], &h) == 0 && h.status == 400 && has(&h, "id=\"error\"") &&
		     has(&h, "bad id"), "%s is 400 with a message", bad[i]);
		http_free(&h);
	}
	T_OK(get("/api/run/abc", &h) == 0 && h.status == 400 && (j = body_json(&h)) &&
	     strstr(json_string_value(json_object_get(j, "error")), "not a positive decimal"),
	     "API bad id is a JSON 400");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/run/424242", &h) == 0 && h.status == 404 && has(&h, "no run 424242"),
	     "missing run is 404 with a message");
	http_free(&h);
	T_OK(get("/api/run/424242", &h) == 0 && h.status == 404 && (j = body_json(&h)) &&
	     !strcmp(json_string_value(json_object_get(j, "error")), "no run 424242"),
	     "API missing run is a JSON 404");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/suite/424242", &h) == 0 && h.status == 404, "missing suite run is 404");
	http_free(&h);
	T_OK(get("/result/424242", &h) == 0 && h.status == 404, "missing result is 404");
	http_free(&h);
	T_OK(get("/step/424242/log", &h) == 0 && h.status == 404, "missing step log is 404");
	http_free(&h);
	T_OK(get("/nosuch", &h) == 0 && h.status == 404 && has(&h, "no page at this address"),
	     "unknown path is 404 with a message");
	http_free(&h);
	T_OK(get("/api/nosuch", &h) == 0 && h.status == 404 && (j = body_json(&h)) &&
	     json_object_get(j, "error"), "unknown API path is a JSON 404");
	json_decref(j);
	j = NULL;
	http_free(&h);
	T_OK(get("/run/1/extra", &h) == 0 && h.status == 404, "extra segment is 404");
	http_free(&h);

	snprintf(path, sizeof(path), "/result/%lld/file/nosuch.pcap", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 404, "missing file is 404");
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/link0.pcap%%00x", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 404, "a NUL does not cut a file name");
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/link%%30.pcap", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 200 && h.len == sizeof(pcap),
	     "percent-encoded file names are decoded");
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/..", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 400 && has(&h, "bad file name"),
	     "file name .. is refused");
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/%%2e%%2e", (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && h.status == 400, "encoded .. is refused");
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/..%%2F..%%2Fetc%%2Fpasswd",
		 (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && (h.status == 400 || h.status == 404) && !has(&h, "root:"),
	     "encoded traversal is refused (%d)", h.status);
	http_free(&h);
	snprintf(path, sizeof(path), "/result/%lld/file/../../../etc/passwd",
		 (long long)x->res_b[1]);
	T_OK(get(path, &h) == 0 && (h.status == 400 || h.status == 404) && !has(&h, "root:"),
	     "plain traversal is refused (%d)", h.status);
	http_free(&h);

	T_OK(http_req("POST", "/", &h) == 0 && h.status == 405 &&
	     !strcmp(header(&h, "Allow"), "GET, HEAD"), "POST is 405 with Allow");
	http_free(&h);
	T_OK(http_req("HEAD", "/", &h) == 0 && h.status == 200 && h.len == 0,
	     "HEAD gives headers only");
	http_free(&h);
	rc = http_raw(AF_INET, "garbage\r\n\r\n", &h);
	/* libmicrohttpd closes such a connection without an answer, or says 400. */
	T_OK((rc == 0 && h.status == 400) || rc == -EPROTO,
	     "a malformed request line is refused (%d, %d)", rc, h.status);
	http_free(&h);
	T_OK(get("/compare?a=1&b=abc", &h) == 0 && h.status == 400 &&
	     has(&h, "parameter &#39;b&#39;"), "compare with a bad id is 400");
	http_free(&h);
	T_OK(get("/", &h) == 0 && h.status == 200, "the server still answers after all that");
	http_free(&h);
}

static void test_ipv6(struct ar_store *st)
{
	struct ar_web *w = NULL;
	unsigned saved = port;
	struct http h;
	char err[256];
	int rc;

	rc = ar_web_start(st, "[::1]:0", &w, err, sizeof(err));
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		printf("# no IPv6 loopback here (%s): IPv6 listening not checked\n", err);
		return;
	}
	T_OK(rc == 0, "listen on [::1]:0 (%s)", rc ? err : ar_web_url(w));
	if (rc)
		return;
	T_OK(!strncmp(ar_web_url(w), "http://[::1]:", 13), "IPv6 URL in brackets");
	port = ar_web_port(w);
	T_OK(http_raw(AF_INET6, "GET /api/releases HTTP/1.0\r\n\r\n", &h) == 0 &&
	     h.status == 200, "a request over IPv6");
	http_free(&h);
	port = saved;
	ar_web_stop(w);
}

int main(void)
{
	struct ar_store *st = NULL;
	struct ar_web *w = NULL, *w2 = NULL;
	struct ids x = { 0 };
	char db[96], err[256], busy[64];
	int rc;

	test_parse();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/v6lab-web-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		T_OK(0, "mkdtemp: %s", strerror(errno));
		return t_done();
	}
	snprintf(db, sizeof(db), "%s/store.db", tmpdir);
	rc = ar_store_open(db, &st, err, sizeof(err));
	T_OK(rc == 0, "open the store (%s)", rc ? err : db);
	if (rc)
		goto out;
	rc = fill(st, &x);
	T_OK(rc == 0, "fill the store (%s)", rc ? st->err : "ok");
	if (rc)
		goto out;
	rc = ar_web_start(st, "127.0.0.1:0", &w, err, sizeof(err));
	T_OK(rc == 0, "start on 127.0.0.1:0 (%s)", rc ? err : ar_web_url(w));
	if (rc)
		goto out;
	port = ar_web_port(w);
	T_OK(port > 0 && port < 65536, "a real port was picked (%u)", port);
	snprintf(busy, sizeof(busy), "127.0.0.1:%u", port);
	T_OK(ar_web_start(st, busy, &w2, err, sizeof(err)) == -EADDRINUSE &&
	     strstr(err, "Address already in use"), "a busy port is an error (%s)", err);

	test_pages(&x);
	test_api(&x);
	test_errors(&x);
	test_ipv6(st);
	test_stop(st);
out:
	ar_web_stop(w);
	ar_store_close(st);
	if (tmpdir[0]) {
		unlink(db);
		snprintf(db, sizeof(db), "%s/store.db-wal", tmpdir);
		unlink(db);
		snprintf(db, sizeof(db), "%s/store.db-shm", tmpdir);
		unlink(db);
		snprintf(db, sizeof(db), "%s/store.db-journal", tmpdir);
		unlink(db);
		if (rmdir(tmpdir) < 0)
			printf("# could not remove %s: %s\n", tmpdir, strerror(errno));
	}
	return t_done();
}
