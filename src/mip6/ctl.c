/*
 * The control socket of mip6d: the names of the statistics counters, the
 * listening Unix socket, serving one client at a time without blocking the
 * daemon for long (the request line within 500 ms, the answer written while
 * the client keeps reading), the answers to bc, bul, stats and status as
 * aligned text tables or JSON (jansson; the binding cache is written one
 * entry at a time so that 100k bindings need no big document in memory),
 * and the client side used by mip6ctl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "mh.h"

#define REQ_MAX 256
#define REQ_TIMEOUT_MS 500
#define WRITE_STALL_MS 500	/* give up on a client that stops reading */
#define CLIENT_TIMEOUT_MS 5000

const char *const m6_stat_names[M6_ST_MAX] = {
	[M6_ST_MH_RX] = "mh_rx",
	[M6_ST_MH_TX] = "mh_tx",
	[M6_ST_MH_BAD_CSUM] = "mh_bad_csum",
	[M6_ST_MH_MALFORMED] = "mh_malformed",
	[M6_ST_MH_UNKNOWN_TYPE] = "mh_unknown_type",
	[M6_ST_MH_UNAUTH] = "mh_unauth",
	[M6_ST_BU_RX] = "bu_rx",
	[M6_ST_BU_ACCEPTED] = "bu_accepted",
	[M6_ST_BU_REJECTED] = "bu_rejected",
	[M6_ST_BU_TX] = "bu_tx",
	[M6_ST_BA_RX] = "ba_rx",
	[M6_ST_BA_TX] = "ba_tx",
	[M6_ST_BE_RX] = "be_rx",
	[M6_ST_BE_TX] = "be_tx",
	[M6_ST_BRR_RX] = "brr_rx",
	[M6_ST_BRR_TX] = "brr_tx",
	[M6_ST_HOTI_RX] = "hoti_rx",
	[M6_ST_COTI_RX] = "coti_rx",
	[M6_ST_HOT_RX] = "hot_rx",
	[M6_ST_COT_RX] = "cot_rx",
	[M6_ST_HOTI_TX] = "hoti_tx",
	[M6_ST_COTI_TX] = "coti_tx",
	[M6_ST_HOT_TX] = "hot_tx",
	[M6_ST_COT_TX] = "cot_tx",
	[M6_ST_TUN_OUT] = "tun_out",
	[M6_ST_TUN_IN] = "tun_in",
	[M6_ST_RO_OUT] = "ro_out",
	[M6_ST_RO_IN] = "ro_in",
	[M6_ST_DHAAD_RX] = "dhaad_rx",
	[M6_ST_DHAAD_TX] = "dhaad_tx",
	[M6_ST_MPS_RX] = "mps_rx",
	[M6_ST_MPA_TX] = "mpa_tx",
	[M6_ST_MPA_RX] = "mpa_rx",
	[M6_ST_MOVES] = "moves",
	[M6_ST_DROPPED] = "dropped",
};

/* ---- formatting helpers ---- */

struct addrstr {
	char s[INET6_ADDRSTRLEN];
};

static struct addrstr a2s(const struct in6_addr *a)
{
	struct addrstr r;

	if (!inet_ntop(AF_INET6, a, r.s, sizeof(r.s)))
		snprintf(r.s, sizeof(r.s), "?");
	return r;
}

static const char *role_name(enum m6_role r)
{
	switch (r) {
	case M6_ROLE_CN:
		return "CN";
	case M6_ROLE_HA:
		return "HA";
	case M6_ROLE_MN:
		return "MN";
	default:
		return "none";
	}
}

static const char *bul_state_name(enum m6_bul_state s)
{
	switch (s) {
	case M6_BUL_IDLE:
		return "idle";
	case M6_BUL_RR:
		return "rr";
	case M6_BUL_WAIT_BA:
		return "wait-ba";
	case M6_BUL_BOUND:
		return "bound";
	default:
		return "?";
	}
}

/* Whole seconds from now to t, never below 0. */
static long long left_s(double t, double now)
{
	return t > now ? (long long)(t - now) : 0;
}

static void bu_flags(uint16_t f, char out[8])
{
	size_t n = 0;

	if (f & M6_BU_H)
		out[n++] = 'H';
	if (f & M6_BU_A)
		out[n++] = 'A';
	if (f & M6_BU_L)
		out[n++] = 'L';
	if (f & M6_BU_K)
		out[n++] = 'K';
	out[n] = 0;
}

/* A text table: rows are produced twice by a row function, once to size
 * the columns and once to print, so no copy of a big table is kept. */
#define MAXCOL 12
#define CELL 48

typedef int (*row_fn)(void *ctx, size_t i, char cells[MAXCOL][CELL]);

static void print_cell(FILE *fp, const char *s, size_t w, bool last)
{
	if (last)
		fprintf(fp, "%s\n", s);
	else
		fprintf(fp, "%-*s  ", (int)w, s);
}

static void print_table(FILE *fp, const char *const *head, int ncol, size_t nrows, row_fn fn,
			void *ctx)
{
	char cells[MAXCOL][CELL];
	size_t w[MAXCOL];

	for (int c = 0; c < ncol; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < nrows; i++) {
		fn(ctx, i, cells);
		for (int c = 0; c < ncol; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	for (int c = 0; c < ncol; c++)
		print_cell(fp, head[c], w[c], c + 1 == ncol);
	for (size_t i = 0; i < nrows; i++) {
		fn(ctx, i, cells);
		for (int c = 0; c < ncol; c++)
			print_cell(fp, cells[c], w[c], c + 1 == ncol);
	}
}

/* Writes one JSON value and releases it. */
static int dump(json_t *j, FILE *fp, size_t flags)
{
	int rc;

	if (!j)
		return -ENOMEM;
	rc = json_dumpf(j, fp, flags | JSON_PRESERVE_ORDER);
	json_decref(j);
	return rc ? -EIO : 0;
}

/* An indented document and a newline. */
static int dump_line(json_t *j, FILE *fp)
{
	int rc = dump(j, fp, JSON_INDENT(2));

	if (!rc)
		fputc('\n', fp);
	return rc;
}

/* ---- bc ---- */

struct bc_rows {
	struct m6_binding **b;
	size_t n, cap;
	double now;
};

static int bc_collect(void *ctx, struct m6_binding *b)
{
	struct bc_rows *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct m6_binding **nb = realloc(r->b, cap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		r->b = nb;
		r->cap = cap;
	}
	r->b[r->n++] = b;
	return 0;
}

static int by_hoa(const void *a, const void *b)
{
	const struct m6_binding *x = *(struct m6_binding *const *)a;
	const struct m6_binding *y = *(struct m6_binding *const *)b;

	return memcmp(&x->hoa, &y->hoa, sizeof(x->hoa));
}

static int bc_row(void *ctx, size_t i, char c[MAXCOL][CELL])
{
	const struct bc_rows *r = ctx;
	const struct m6_binding *b = r->b[i];
	char fl[8];

	snprintf(c[0], CELL, "%s", a2s(&b->hoa).s);
	snprintf(c[1], CELL, "%s", a2s(&b->coa).s);
	snprintf(c[2], CELL, "%s", a2s(&b->local).s);
	snprintf(c[3], CELL, "%u", b->seq);
	snprintf(c[4], CELL, "%u", b->lifetime);
	snprintf(c[5], CELL, "%lld", left_s(b->expires, r->now));
	bu_flags(b->flags, fl);
	snprintf(c[6], CELL, "%s", fl[0] ? fl : "-");
	snprintf(c[7], CELL, "%s", b->home_reg ? "yes" : "no");
	snprintf(c[8], CELL, "%llu", (unsigned long long)b->pkts_in);
	snprintf(c[9], CELL, "%llu", (unsigned long long)b->pkts_out);
	return 0;
}

static json_t *bc_json(const struct m6_binding *b, double now)
{
	char fl[8];

	bu_flags(b->flags, fl);
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:s, s:b, s:b, s:i, s:I, s:I, s:I}",
			 "hoa", a2s(&b->hoa).s, "coa", a2s(&b->coa).s, "local", a2s(&b->local).s,
			 "seq", (int)b->seq, "lifetime", (int)b->lifetime,
			 "left", (json_int_t)left_s(b->expires, now), "flags", fl,
			 "home_reg", (int)!!b->home_reg, "brr_sent", (int)!!b->brr_sent,
			 "ifindex", b->ifindex, "age", (json_int_t)left_s(now, b->created),
			 "pkts_in", (json_int_t)b->pkts_in, "pkts_out", (json_int_t)b->pkts_out);
}

static int answer_bc(const struct m6_ctl_view *v, bool json, FILE *fp)
{
	static const char *const head[] = {
		"HOME ADDRESS", "CARE-OF ADDRESS", "LOCAL", "SEQ", "LIFETIME", "LEFT",
		"FLAGS", "HOME", "PKTS IN", "PKTS OUT",
	};
	struct bc_rows r = { .now = v->now };
	int rc = 0;

	if (v->bc) {
		rc = m6_bcache_walk(v->bc, bc_collect, &r);
		if (rc)
			goto out;
		if (r.n)
			qsort(r.b, r.n, sizeof(*r.b), by_hoa);
	}
	if (json) {
		fputs("[", fp);
		for (size_t i = 0; i < r.n && !rc; i++) {
			fputs(i ? ",\n  " : "\n  ", fp);
			rc = dump(bc_json(r.b[i], v->now), fp, JSON_COMPACT);
		}
		fputs(r.n ? "\n]\n" : "]\n", fp);
	} else {
		print_table(fp, head, 10, r.n, bc_row, &r);
		fprintf(fp, "%zu binding%s\n", r.n, r.n == 1 ? "" : "s");
	}
out:
	free(r.b);
	return rc;
}

/* ---- bul ---- */

struct bul_rows {
	const struct m6_bul *l;
	double now;
};

static int bul_row(void *ctx, size_t i, char c[MAXCOL][CELL])
{
	const struct bul_rows *r = ctx;
	const struct m6_bul_entry *e = &r->l->e[i];

	snprintf(c[0], CELL, "%s", a2s(&e->peer).s);
	snprintf(c[1], CELL, "%s", a2s(&e->hoa).s);
	snprintf(c[2], CELL, "%s", a2s(&e->coa).s);
	snprintf(c[3], CELL, "%s", e->home ? "yes" : "no");
	snprintf(c[4], CELL, "%s", bul_state_name(e->state));
	snprintf(c[5], CELL, "%u", e->seq);
	snprintf(c[6], CELL, "%u", e->lifetime);
	snprintf(c[7], CELL, "%u", e->granted);
	if (e->expires > 0)
		snprintf(c[8], CELL, "%lld", left_s(e->expires, r->now));
	else
		snprintf(c[8], CELL, "-");
	snprintf(c[9], CELL, "%d", e->retries);
	snprintf(c[10], CELL, "%s", e->ro ? "yes" : "no");
	return 0;
}

static json_t *bul_json(const struct m6_bul_entry *e, double now)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:I, s:I, s:o, s:i, s:b, s:f}",
			      "peer", a2s(&e->peer).s, "hoa", a2s(&e->hoa).s,
			      "coa", a2s(&e->coa).s, "home", (int)e->home,
			      "state", bul_state_name(e->state), "seq", (int)e->seq,
			      "lifetime", (json_int_t)e->lifetime,
			      "granted", (json_int_t)e->granted,
			      "expires_in", e->expires > 0
					    ? json_integer(left_s(e->expires, now)) : json_null(),
			      "retries", e->retries, "ro", (int)e->ro, "timeout", e->timeout);

	return o;
}

static int answer_bul(const struct m6_ctl_view *v, bool json, FILE *fp)
{
	static const char *const head[] = {
		"PEER", "HOME ADDRESS", "CARE-OF ADDRESS", "HOME", "STATE", "SEQ", "LIFETIME",
		"GRANTED", "EXPIRES IN", "RETRIES", "RO",
	};
	struct bul_rows r = { .l = v->bul, .now = v->now };
	size_t n = v->bul ? v->bul->n : 0;
	int rc = 0;

	if (n > M6_BUL_MAX)
		n = M6_BUL_MAX;
	if (json) {
		fputs("[", fp);
		for (size_t i = 0; i < n && !rc; i++) {
			fputs(i ? ",\n  " : "\n  ", fp);
			rc = dump(bul_json(&v->bul->e[i], v->now), fp, JSON_COMPACT);
		}
		fputs(n ? "\n]\n" : "]\n", fp);
		return rc;
	}
	print_table(fp, head, 11, n, bul_row, &r);
	fprintf(fp, "%zu entr%s\n", n, n == 1 ? "y" : "ies");
	return 0;
}

/* ---- stats, status ---- */

static int answer_stats(const struct m6_ctl_view *v, bool json, FILE *fp)
{
	size_t w = 0;

	if (json) {
		json_t *o = json_object();

		for (int i = 0; i < M6_ST_MAX && o; i++)
			if (json_object_set_new(o, m6_stat_names[i],
						json_integer(v->stats ? (json_int_t)v->stats->v[i]
								      : 0))) {
				json_decref(o);
				return -ENOMEM;
			}
		return dump_line(o, fp);
	}
	for (int i = 0; i < M6_ST_MAX; i++)
		if (strlen(m6_stat_names[i]) > w)
			w = strlen(m6_stat_names[i]);
	for (int i = 0; i < M6_ST_MAX; i++)
		fprintf(fp, "%-*s  %llu\n", (int)w, m6_stat_names[i],
			(unsigned long long)(v->stats ? v->stats->v[i] : 0));
	return 0;
}

static const char *where(int at_home)
{
	return at_home > 0 ? "home" : at_home == 0 ? "away" : "unknown";
}

static json_t *since(double t, double now)
{
	return t > 0 ? json_real(now - t) : json_null();
}

static int answer_status(const struct m6_ctl_view *v, bool json, FILE *fp)
{
	size_t nb = v->bc ? m6_bcache_count(v->bc) : 0;
	size_t nbul = v->bul ? v->bul->n : 0;

	if (json) {
		json_t *o;

		if (v->role == M6_ROLE_MN)
			o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I}", "role",
				      role_name(v->role), "location", where(v->at_home),
				      "hoa", a2s(&v->hoa).s, "coa", a2s(&v->coa).s,
				      "ha", a2s(&v->ha).s, "ifname", v->ifname,
				      "since_move", since(v->last_move, v->now),
				      "since_ba", since(v->last_ba, v->now),
				      "bul_entries", (json_int_t)nbul);
		else
			o = json_pack("{s:s, s:I}", "role", role_name(v->role), "bindings",
				      (json_int_t)nb);
		return dump_line(o, fp);
	}
	fprintf(fp, "role: %s\n", role_name(v->role));
	if (v->role != M6_ROLE_MN) {
		fprintf(fp, "bindings: %zu\n", nb);
		return 0;
	}
	fprintf(fp, "location: %s\n", where(v->at_home));
	fprintf(fp, "home address: %s\n", a2s(&v->hoa).s);
	fprintf(fp, "care-of address: %s\n", a2s(&v->coa).s);
	fprintf(fp, "home agent: %s\n", a2s(&v->ha).s);
	fprintf(fp, "interface: %s\n", v->ifname[0] ? v->ifname : "-");
	if (v->last_move > 0)
		fprintf(fp, "last move: %.1f s ago\n", v->now - v->last_move);
	else
		fprintf(fp, "last move: never\n");
	if (v->last_ba > 0)
		fprintf(fp, "last home BA: %.1f s ago\n", v->now - v->last_ba);
	else
		fprintf(fp, "last home BA: never\n");
	fprintf(fp, "binding update list: %zu entr%s\n", nbul, nbul == 1 ? "y" : "ies");
	return 0;
}

static int answer_error(FILE *fp, bool json, const char *msg)
{
	if (json) {
		json_t *o = json_pack("{s:s}", "error", msg);

		if (dump(o, fp, JSON_COMPACT) == 0)
			fputc('\n', fp);
	} else {
		fprintf(fp, "error: %s\n", msg);
	}
	return -EINVAL;
}

int m6_ctl_answer(const char *request, const struct m6_ctl_view *v, FILE *fp)
{
	char req[REQ_MAX + 1], msg[REQ_MAX + 96], *words[3] = { NULL }, *save = NULL, *w;
	bool json = false;
	int n = 0, rc;

	snprintf(req, sizeof(req), "%s", request);
	for (w = strtok_r(req, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 3)
			break;
		words[n++] = w;
	}
	if (n >= 2 && !strcmp(words[n - 1], "json")) {
		json = true;
		n--;
	}
	if (n == 0)
		return answer_error(fp, json, "empty request (commands: bc, bul, stats, status)");
	if (n > 1) {
		snprintf(msg, sizeof(msg), "unexpected '%s' after %s", words[1], words[0]);
		return answer_error(fp, json, msg);
	}
	for (char *p = words[0]; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (!strcmp(words[0], "bc"))
		rc = answer_bc(v, json, fp);
	else if (!strcmp(words[0], "bul"))
		rc = answer_bul(v, json, fp);
	else if (!strcmp(words[0], "stats"))
		rc = answer_stats(v, json, fp);
	else if (!strcmp(words[0], "status"))
		rc = answer_status(v, json, fp);
	else {
		snprintf(msg, sizeof(msg), "unknown command '%.64s' (commands: bc, bul, stats, "
			 "status)", words[0]);
		return answer_error(fp, json, msg);
	}
	if (!rc && ferror(fp))
		rc = -EIO;
	return rc;
}

/* ---- the socket ---- */

static int fill_sun(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!path[0] || strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int m6_ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	rc = fill_sun(&sa, path);
	if (rc)
		return rc;
	if (lstat(path, &st) == 0) {
		/* Replace a stale socket, but neither a live one nor another file. */
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		if (rc == 0)
			return -EADDRINUSE;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev on fd until the deadline (ms_now clock): 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short ev, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = ev };
		long long left = deadline - ms_now();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		return 0;
	}
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			if (wait_fd(fd, POLLOUT, ms_now() + WRITE_STALL_MS))
				return -ETIMEDOUT;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int m6_ctl_serve(int lfd, const struct m6_ctl_view *v)
{
	char req[REQ_MAX + 1], *ans = NULL;
	long long deadline = ms_now() + REQ_TIMEOUT_MS;
	size_t got = 0, alen = 0;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	bool done = false, denied;
	FILE *fp;
	int fd, rc = 0;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Besides the socket's mode: only root and our own user are served
	 * (the others get an error once their request is read). */
	denied = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
		 (cred.uid != 0 && cred.uid != geteuid());
	while (!done && got < REQ_MAX) {
		ssize_t r = recv(fd, req + got, REQ_MAX - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc)
				goto out;
			continue;
		}
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			done = true;
		if (memchr(req + got, '\n', (size_t)r))
			done = true;
		got += (size_t)r;
	}
	req[got] = 0;
	if (!got) {
		/* Closed without a word, such as m6_ctl_listen's liveness probe. */
		rc = -ENODATA;
		goto out;
	}
	fp = open_memstream(&ans, &alen);
	if (!fp) {
		rc = -ENOMEM;
		goto out;
	}
	if (denied) {
		fputs("error: permission denied\n", fp);
		rc = -EACCES;
	} else if (!done) {
		fputs("error: request longer than 255 bytes\n", fp);
		rc = -EMSGSIZE;
	} else {
		*strchrnul(req, '\n') = 0;
		rc = m6_ctl_answer(req, v, fp);
	}
	if (fclose(fp)) {
		rc = -ENOMEM;
		goto out;
	}
	if (send_all(fd, ans, alen) && !rc)
		rc = -EPIPE;
	/* Unread input would make the close a reset that can cost the client
	 * the answer: take what is there (a bounded amount) first. */
	for (size_t drained = 0; drained < 65536;) {
		ssize_t r = recv(fd, req, sizeof(req), MSG_DONTWAIT);

		if (r <= 0)
			break;
		drained += (size_t)r;
	}
out:
	free(ans);
	close(fd);
	return rc;
}

int m6_ctl_request(const char *path, const char *request, FILE *out, char *err, size_t errlen)
{
	long long deadline = ms_now() + CLIENT_TIMEOUT_MS;
	char line[REQ_MAX + 2], buf[8192];
	struct sockaddr_un sa;
	size_t n;
	int fd, rc;

	if (errlen)
		err[0] = 0;
	rc = fill_sun(&sa, path);
	if (rc) {
		snprintf(err, errlen, "cannot reach mip6d at %s: path too long", path);
		return rc;
	}
	n = strlen(request);
	if (n > REQ_MAX - 1) {
		snprintf(err, errlen, "request longer than %d bytes", REQ_MAX - 1);
		return -EMSGSIZE;
	}
	memcpy(line, request, n);
	if (!n || line[n - 1] != '\n')
		line[n++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot reach mip6d at %s: %s", path, strerror(errno));
		goto out;
	}
	rc = send_all(fd, line, n);
	if (rc) {
		snprintf(err, errlen, "cannot send to mip6d at %s: %s", path, strerror(-rc));
		goto out;
	}
	for (;;) {
		ssize_t r;

		rc = wait_fd(fd, POLLIN, deadline);
		if (rc) {
			snprintf(err, errlen, "no answer from mip6d at %s within %d s", path,
				 CLIENT_TIMEOUT_MS / 1000);
			goto out;
		}
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "reading from mip6d at %s: %s", path,
				 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		deadline = ms_now() + CLIENT_TIMEOUT_MS;	/* a stall, not the whole answer */
		if (fwrite(buf, 1, (size_t)r, out) != (size_t)r) {
			rc = -EIO;
			snprintf(err, errlen, "cannot write the answer: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
