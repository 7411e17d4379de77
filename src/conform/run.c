/*
 * The step interpreter. Each step kind has one function; they share the
 * run state (links, nodes and variables, the driver, the log). Expectations
 * scan the frames a link received since the last match, in arrival order,
 * and wait on the sockets until their deadline, so every wait is bounded.
 */
#include "run.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build.h"
#include "decode.h"
#include "field.h"
#include "linkio.h"
#include "nodes.h"
#include "notation.h"
#include "print.h"

struct rs {
	const struct cf_test *t;
	const struct nut_config *cfg;
	struct nut nut;
	struct cf_nodes nodes;
	struct cf_resolver res;
	struct cf_linkio *lio;
	FILE *log;
	FILE *html;
	uint64_t t0;
	struct timespec t0_real;
	unsigned cursor[CF_MAX_LINKS]; /* next received frame an expect looks at */
	enum cf_verdict verdict;
	char reason[512];
	const struct cf_step *decided;
	struct pkt_dec dec;
	struct pkt_spec spec;
	struct cf_store store;
	struct pkt_wbuf w;
	unsigned sent, recv;
	int best_score; /* of the closest miss of the current expect */
};

static void html_esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

static double elapsed(const struct rs *r)
{
	return (double)(cf_now_ms() - r->t0) / 1000.0;
}

static void vrlog(struct rs *r, double t, const char *cls, int link, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (r->log) {
		if (link >= 0)
			fprintf(r->log, "%8.3f link%d %s\n", t, link, buf);
		else
			fprintf(r->log, "%8.3f       %s\n", t, buf);
	}
	if (r->html) {
		fprintf(r->html, "<tr class=\"%s\"><td>%.3f</td><td>", cls, t);
		if (link >= 0)
			fprintf(r->html, "link%d", link);
		fputs("</td><td>", r->html);
		html_esc(r->html, buf);
		fputs("</td></tr>\n", r->html);
	}
}

/* One log line, in text and in the HTML table. cls: css class. */
static void rlog(struct rs *r, const char *cls, int link, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void rlog(struct rs *r, const char *cls, int link, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrlog(r, elapsed(r), cls, link, fmt, ap);
	va_end(ap);
}

/* A frame is logged at the time the kernel stamped it. */
static void rlog_at(struct rs *r, const struct timespec *ts, const char *cls, int link,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void rlog_at(struct rs *r, const struct timespec *ts, const char *cls, int link,
		    const char *fmt, ...)
{
	double t = (double)(ts->tv_sec - r->t0_real.tv_sec) +
		   (double)(ts->tv_nsec - r->t0_real.tv_nsec) / 1e9;
	va_list ap;

	va_start(ap, fmt);
	vrlog(r, t, cls, link, fmt, ap);
	va_end(ap);
}

static void frame_log(void *ctx, int link, int sent, const struct cf_frame *f)
{
	struct rs *r = ctx;
	char line[2048];

	pkt_decode(&r->dec, f->data, f->len, pkt_proto_by_name("ether"));
	pkt_print_summary(&r->dec, line, sizeof(line));
	if (sent)
		r->sent++;
	else
		r->recv++;
	rlog_at(r, &f->ts, sent ? "tx" : "rx", link, "%s %s", sent ? ">>" : "<<", line);
}

static void expand_vars(struct rs *r, const char *text, char *out, size_t n);

static void decide(struct rs *r, const struct cf_step *s, enum cf_verdict v, const char *fmt, ...)
{
	va_list ap;

	/* Worst wins; among equals the first reason stays. */
	if (r->decided && v <= r->verdict)
		return;
	if (v == CF_PASS)
		return;
	r->verdict = v;
	r->decided = s;
	{
		char raw[512];

		va_start(ap, fmt);
		vsnprintf(raw, sizeof(raw), fmt, ap);
		va_end(ap);
		expand_vars(r, raw, r->reason, sizeof(r->reason));
	}
	rlog(r, "verdict", -1, "%s: %s", cf_verdict_name(v), r->reason);
}

static bool ends_test(enum cf_verdict v)
{
	return v != CF_PASS && v != CF_WARN;
}

/* ---- steps ---- */

/* Cuts the packet just built (r->w) at its frag() layer into the pieces the
 * step lists and sends them in the step's order: each piece is the
 * unfragmentable part, the Fragment header with the piece's offset and M
 * flag (set unless the piece ends the packet), and the piece's bytes. */
static int send_fragments(struct rs *r, const struct cf_step *s)
{
	struct pkt_dec *d = &r->dec;
	uint8_t *frame = NULL;
	int fi, ip = -1, rc = 0, n = s->norder ? s->norder : s->nfrags;
	uint32_t unfrag, total;

	pkt_decode(d, r->w.b, (uint32_t)r->w.len, pkt_proto_by_name("ether"));
	fi = pkt_dec_find(d, "frag", 0);
	for (int i = 0; i < fi; i++)
		if (!strcmp(d->l[i].proto->name, "ipv6"))
			ip = i;
	if (fi < 0 || ip < 0) {
		decide(r, s, CF_ERROR, "%s:%d: the packet has no IPv6 Fragment header to cut at", s->file,
		       s->line);
		return -1;
	}
	unfrag = d->l[fi].off + 8;
	total = (uint32_t)r->w.len - unfrag;
	frame = malloc(r->w.len + 8);
	if (!frame) {
		decide(r, s, CF_ERROR, "out of memory");
		return -1;
	}
	for (int k = 0; k < n && !rc; k++) {
		int p = s->norder ? s->order[k] - 1 : k;
		uint32_t a = s->frag_from[p], b = s->frag_to[p], len, plen;
		uint16_t offm;

		if (b > total) {
			decide(r, s, CF_ERROR, "%s:%d: fragment %d runs to byte %u, but the packet has %u bytes "
					       "after its Fragment header", s->file, s->line, p + 1, b, total);
			rc = -1;
			break;
		}
		memcpy(frame, r->w.b, unfrag);
		memcpy(frame + unfrag, r->w.b + unfrag + a, b - a);
		len = unfrag + (b - a);
		plen = len - d->l[ip].off - 40;
		frame[d->l[ip].off + 4] = (uint8_t)(plen >> 8);
		frame[d->l[ip].off + 5] = (uint8_t)plen;
		offm = (uint16_t)((a / 8) << 3 | (b < total ? 1 : 0));
		frame[d->l[fi].off + 2] = (uint8_t)(offm >> 8);
		frame[d->l[fi].off + 3] = (uint8_t)offm;
		rc = cf_linkio_send(r->lio, s->link, frame, len);
		if (rc) {
			decide(r, s, CF_ERROR, "%s:%d: send on link%d failed: %s", s->file, s->line, s->link,
			       strerror(-rc));
			rc = -1;
		}
	}
	free(frame);
	return rc;
}

static int step_send(struct rs *r, const struct cf_step *s)
{
	char err[512];
	int rc;

	r->nodes.cur_link = s->link;
	if (cf_pexpr_to_spec(&s->pkt, &r->res, &r->spec, &r->store, err, sizeof(err))) {
		decide(r, s, CF_ERROR, "%s:%s", s->file, err);
		return -1;
	}
	if (pkt_build(&r->spec, &r->w, err, sizeof(err))) {
		decide(r, s, CF_ERROR, "%s:%d: cannot build the packet: %s", s->file, s->line, err);
		return -1;
	}
	for (uint32_t k = 1; k < s->repeat; k++) {
		rc = s->nfrags ? send_fragments(r, s) : cf_linkio_send(r->lio, s->link, r->w.b, r->w.len);
		if (rc)
			break;
	}
	if (s->nfrags)
		return rc ? rc : send_fragments(r, s);
	if (!rc)
		rc = cf_linkio_send(r->lio, s->link, r->w.b, r->w.len);
	if (rc) {
		decide(r, s, CF_ERROR, "%s:%d: send on link%d failed: %s", s->file, s->line, s->link,
		       strerror(-rc));
		return -1;
	}
	return 0;
}

/* Looks at received frames from *pos on; returns the matching frame index
 * and the alternative, or -1. Keeps the closest miss in why. */
static long scan(struct rs *r, const struct cf_step *s, unsigned *pos, int *alt, char *why,
		 size_t whylen, int *resolve_err)
{
	unsigned first = cf_linkio_first(r->lio, s->link);
	unsigned end = cf_linkio_count(r->lio, s->link);
	char w[512];
	int score;

	if (*pos < first)
		*pos = first;
	for (; *pos < end; (*pos)++) {
		const struct cf_frame *f = cf_linkio_frame(r->lio, s->link, *pos);

		pkt_decode(&r->dec, f->data, f->len, pkt_proto_by_name("ether"));
		for (int a = 0; a < s->nalts; a++) {
			int m = cf_pexpr_match_score(&s->alts[a].pat, &r->dec, &r->res, NULL, w, sizeof(w),
						     &score);

			if (m < 0) {
				snprintf(why, whylen, "%s", w);
				*resolve_err = 1;
				return -1;
			}
			if (m) {
				*alt = a;
				return (long)(*pos)++;
			}
			/* The closest miss is the one that matched the most layers and
			 * fields; a frame that matched nothing is no hint. */
			if (w[0] && score > r->best_score) {
				r->best_score = score;
				snprintf(why, whylen, "%s", w);
			}
		}
	}
	return -1;
}

static int capture(struct rs *r, const struct cf_step *s, unsigned idx)
{
	const struct cf_frame *f = cf_linkio_frame(r->lio, s->link, idx);

	pkt_decode(&r->dec, f->data, f->len, pkt_proto_by_name("ether"));
	for (int c = 0; c < s->ncaps; c++) {
		const struct cf_capture *cp = &s->caps[c];
		char pfx[64];
		int li = pkt_dec_find(&r->dec, cp->layer, 0);
		struct pkt_val v;
		const struct pkt_fdesc *fd;

		if (li < 0) {
			snprintf(pfx, sizeof(pfx), "%s.", cp->layer);
			li = pkt_dec_find(&r->dec, pfx, 0);
		}
		fd = li >= 0 ? pkt_proto_field(r->dec.l[li].proto, cp->field) : NULL;
		if (!fd || pkt_field_get(&r->dec, li, fd, &v)) {
			decide(r, s, CF_FAIL, "%s:%d:%d: the matched packet has no %s.%s to capture", s->file,
			       cp->line, cp->col, cp->layer, cp->field);
			return -1;
		}
		if (cf_var_set(&r->nodes, cp->var, fd, &v)) {
			decide(r, s, CF_ERROR, "too many variables");
			return -1;
		}
		rlog(r, "info", -1, "$%s = %s", cp->var, cf_var_get(&r->nodes, cp->var)->text);
	}
	return 0;
}

static int step_expect(struct rs *r, const struct cf_step *s)
{
	uint64_t deadline = cf_now_ms() + s->within_ms;

	r->best_score = 1;
	unsigned pos = r->cursor[s->link];
	char why[512] = "";
	int alt = -1, rerr = 0;
	long hit;

	r->nodes.cur_link = s->link;
	for (;;) {
		uint64_t now;

		hit = scan(r, s, &pos, &alt, why, sizeof(why), &rerr);
		if (rerr) {
			decide(r, s, CF_ERROR, "%s:%s", s->file, why);
			return -1;
		}
		if (hit >= 0)
			break;
		now = cf_now_ms();
		if (now >= deadline)
			break;
		cf_linkio_poll(r->lio, (int)(deadline - now));
	}
	if (hit < 0) {
		if (s->has_else)
			decide(r, s, s->else_v, "%s%s%s%s", s->reason, why[0] ? " (closest: " : "", why,
			       why[0] ? ")" : "");
		else
			decide(r, s, CF_FAIL, "%s:%d: no matching packet on link%d within %.1fs%s%s%s", s->file,
			       s->line, s->link, s->within_ms / 1000.0, why[0] ? " (closest: " : "", why,
			       why[0] ? ")" : "");
		return ends_test(r->verdict) ? -1 : 0;
	}
	r->cursor[s->link] = (unsigned)hit + 1;
	rlog(r, "match", s->link, "matched alternative %d of the expect at line %d", alt + 1, s->line);
	if (capture(r, s, (unsigned)hit))
		return -1;
	if (s->alts[alt].has_then) {
		decide(r, s, s->alts[alt].then, "%s", s->alts[alt].reason);
		if (ends_test(s->alts[alt].then))
			return -1;
	}
	return 0;
}

static int step_expect_none(struct rs *r, const struct cf_step *s)
{
	uint64_t deadline = cf_now_ms() + s->within_ms;

	r->best_score = 1;
	unsigned pos = r->cursor[s->link];
	char why[512] = "";
	int alt = -1, rerr = 0;

	r->nodes.cur_link = s->link;
	for (;;) {
		uint64_t now;
		long hit = scan(r, s, &pos, &alt, why, sizeof(why), &rerr);

		if (rerr) {
			decide(r, s, CF_ERROR, "%s:%s", s->file, why);
			return -1;
		}
		if (hit >= 0) {
			pkt_decode(&r->dec, cf_linkio_frame(r->lio, s->link, (unsigned)hit)->data,
				   cf_linkio_frame(r->lio, s->link, (unsigned)hit)->len, pkt_proto_by_name("ether"));
			pkt_print_summary(&r->dec, why, sizeof(why));
			if (s->has_else)
				decide(r, s, s->else_v, "%s (got: %s)", s->reason, why);
			else
				decide(r, s, CF_FAIL, "%s:%d: unexpected packet on link%d: %s", s->file, s->line,
				       s->link, why);
			return ends_test(r->verdict) ? -1 : 0;
		}
		now = cf_now_ms();
		if (now >= deadline)
			return 0;
		cf_linkio_poll(r->lio, (int)(deadline - now));
	}
}

static int step_count(struct rs *r, const struct cf_step *s)
{
	uint64_t deadline = cf_now_ms() + s->within_ms;

	r->best_score = 1;
	unsigned pos = r->cursor[s->link], n = 0;
	char why[512] = "", num[16];
	int alt, rerr = 0;

	r->nodes.cur_link = s->link;
	for (;;) {
		uint64_t now;

		while (scan(r, s, &pos, &alt, why, sizeof(why), &rerr) >= 0)
			n++;
		if (rerr) {
			decide(r, s, CF_ERROR, "%s:%s", s->file, why);
			return -1;
		}
		now = cf_now_ms();
		if (now >= deadline)
			break;
		cf_linkio_poll(r->lio, (int)(deadline - now));
	}
	r->cursor[s->link] = pos;
	snprintf(num, sizeof(num), "%u", n);
	cf_var_set_text(&r->nodes, s->var, num);
	rlog(r, "info", s->link, "$%s = %u matching packets", s->var, n);
	return 0;
}

static int step_wait(struct rs *r, const struct cf_step *s)
{
	uint64_t deadline = cf_now_ms() + s->within_ms;

	for (;;) {
		uint64_t now = cf_now_ms();

		if (now >= deadline)
			return 0;
		cf_linkio_poll(r->lio, (int)(deadline - now));
	}
}

static int step_nut(struct rs *r, const struct cf_step *s)
{
	char argv_s[CF_ARGS_MAX][CF_TOK_MAX + 32], *argv[CF_ARGS_MAX + 1], err[512], out[256] = "", line[4096];
	size_t w = 0;
	int rc;

	r->nodes.cur_link = 0;
	for (int i = 0; i < s->argc; i++) {
		if (cf_nodes_text(&r->nodes, s->argv[i], argv_s[i], sizeof(argv_s[i]), err, sizeof(err))) {
			decide(r, s, CF_ERROR, "%s:%d: %s", s->file, s->line, err);
			return -1;
		}
		argv[i] = argv_s[i];
		w += (size_t)snprintf(line + w, w < sizeof(line) ? sizeof(line) - w : 0, " %s", argv[i]);
	}
	argv[s->argc] = NULL;
	rlog(r, "nut", -1, "nut%s", line);
	err[0] = 0;
	rc = r->nut.ops->action(&r->nut, s->argc, argv, out, sizeof(out), err, sizeof(err));
	/* Frames the action caused are taken in now, so logs stay in order. */
	cf_linkio_poll(r->lio, 0);
	if (rc == -ENOTSUP) {
		decide(r, s, CF_ERROR, "%s:%d: the %s driver has no action '%s'", s->file, s->line,
		       r->nut.ops->name, argv[0]);
		return -1;
	}
	if (rc) {
		decide(r, s, CF_ERROR, "%s:%d: nut %s failed: %s", s->file, s->line, argv[0],
		       err[0] ? err : strerror(-rc));
		return -1;
	}
	if (s->var[0]) {
		cf_var_set_text(&r->nodes, s->var, out);
		rlog(r, "info", -1, "$%s = %s", s->var, out);
	}
	return 0;
}

static int cmp_text(const char *a, const char *b)
{
	uint64_t x, y;

	if (!cf_parse_u64(a, &x) && !cf_parse_u64(b, &y))
		return x < y ? -1 : x > y;
	return strcmp(a, b);
}

static int step_assert(struct rs *r, const struct cf_step *s)
{
	char a[256], b[256], err[512];
	bool ok = false;
	int c;

	if (cf_nodes_text(&r->nodes, s->argv[0], a, sizeof(a), err, sizeof(err))) {
		decide(r, s, CF_ERROR, "%s:%d: %s", s->file, s->line, err);
		return -1;
	}
	if (s->op_in) {
		for (int i = 1; i < s->argc && !ok; i++) {
			if (cf_nodes_text(&r->nodes, s->argv[i], b, sizeof(b), err, sizeof(err))) {
				decide(r, s, CF_ERROR, "%s:%d: %s", s->file, s->line, err);
				return -1;
			}
			ok = !cmp_text(a, b);
		}
		snprintf(b, sizeof(b), "one of the list");
	} else {
		if (cf_nodes_text(&r->nodes, s->argv[1], b, sizeof(b), err, sizeof(err))) {
			decide(r, s, CF_ERROR, "%s:%d: %s", s->file, s->line, err);
			return -1;
		}
		c = cmp_text(a, b);
		switch (s->op) {
		case CF_OP_EQ: ok = c == 0; break;
		case CF_OP_NE: ok = c != 0; break;
		case CF_OP_LT: ok = c < 0; break;
		case CF_OP_GT: ok = c > 0; break;
		case CF_OP_LE: ok = c <= 0; break;
		default: ok = c >= 0; break;
		}
	}
	rlog(r, "info", -1, "assert %s: %s (%s)", ok ? "holds" : "fails", a, s->argv[0]);
	if (!ok) {
		decide(r, s, s->else_v, "%s (got %s)", s->reason, a);
		return ends_test(s->else_v) ? -1 : 0;
	}
	return 0;
}

static int step_respond(struct rs *r, const struct cf_step *s)
{
	bool on = !strcmp(s->argv[0], "on");

	if (s->argc == 1) {
		for (int i = 0; i < cf_node_count(); i++)
			r->nodes.respond[i] = on && cf_node_on_link(i);
		return 0;
	}
	for (int i = 1; i < s->argc; i++) {
		int idx = cf_node_index(s->argv[i]);

		if (idx < 0) {
			decide(r, s, CF_ERROR, "%s:%d: respond: unknown node %s", s->file, s->line, s->argv[i]);
			return -1;
		}
		r->nodes.respond[idx] = on;
	}
	return 0;
}

/* Replaces each $name in text by the variable's value (unset: left as is). */
static void expand_vars(struct rs *r, const char *text, char *out, size_t n)
{
	size_t w = 0;

	while (*text && w + 1 < n) {
		if (text[0] == '$' && (isalnum((unsigned char)text[1]) || text[1] == '_')) {
			char name[32];
			size_t k = 0;
			const struct cf_var *v;

			text++;
			while ((isalnum((unsigned char)*text) || *text == '_') && k + 1 < sizeof(name))
				name[k++] = *text++;
			name[k] = 0;
			v = cf_var_get(&r->nodes, name);
			w += (size_t)snprintf(out + w, n - w, v ? "%s" : "$%s", v ? v->text : name);
			if (w >= n)
				w = n - 1;
			continue;
		}
		out[w++] = *text++;
	}
	out[w] = 0;
}

static int run_step(struct rs *r, const struct cf_step *s)
{
	switch (s->kind) {
	case CS_SEND:
		return step_send(r, s);
	case CS_EXPECT:
		return step_expect(r, s);
	case CS_EXPECT_NONE:
		return step_expect_none(r, s);
	case CS_COUNT:
		return step_count(r, s);
	case CS_WAIT:
		return step_wait(r, s);
	case CS_NUT:
		return step_nut(r, s);
	case CS_ASSERT:
		return step_assert(r, s);
	case CS_VERDICT:
		decide(r, s, s->else_v, "%s", s->reason);
		return ends_test(s->else_v) || s->else_v == CF_PASS ? -1 : 0;
	case CS_RESPOND:
		return step_respond(r, s);
	case CS_LOG: {
		char text[1024];

		expand_vars(r, s->reason, text, sizeof(text));
		rlog(r, "info", -1, "%s", text);
		return 0;
	}
	case CS_CLEAR:
		cf_linkio_poll(r->lio, 0);
		r->cursor[s->link] = cf_linkio_count(r->lio, s->link);
		return 0;
	}
	return 0;
}

static void nut_idle_cb(void *ctx, unsigned ms)
{
	struct rs *r = ctx;

	cf_linkio_poll(r->lio, (int)ms);
}

static int nut_addr_cb(void *ctx, int link, const char *attr, uint8_t out[16])
{
	struct rs *r = ctx;

	return r->nut.ops->addr(&r->nut, link, attr, out);
}

static bool has_feature(const struct nut_config *cfg, const char *f)
{
	for (int i = 0; i < cfg->nfeatures; i++)
		if (!strcmp(cfg->features[i], f))
			return true;
	return false;
}

static FILE *open_in(const char *dir, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return fopen(p, "w");
}

void cf_run_test(const struct cf_test *t, const struct nut_config *cfg, struct cf_result *res)
{
	struct rs *r = calloc(1, sizeof(*r));
	char err[512];
	int i;

	memset(res, 0, sizeof(*res));
	if (!r) {
		res->verdict = CF_ERROR;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	r->t = t;
	r->cfg = cfg;
	r->t0 = cf_now_ms();
	clock_gettime(CLOCK_REALTIME, &r->t0_real);
	pkt_wbuf_init(&r->w);
	r->log = open_in(cfg->outdir, "log.txt");
	r->html = open_in(cfg->outdir, "log.html");
	if (r->html) {
		fprintf(r->html, "<!doctype html><html><head><meta charset=\"utf-8\"><title>");
		html_esc(r->html, t->id);
		fprintf(r->html, "</title><style>body{font-family:sans-serif}td{font-family:monospace;"
				 "padding:1px 8px;vertical-align:top}.tx{color:#05a}.rx{color:#080}"
				 ".verdict{font-weight:bold;color:#b00}.nut{color:#850}.match{color:#080;"
				 "font-style:italic}</style></head><body><h1>");
		html_esc(r->html, t->id);
		fprintf(r->html, "</h1><p>");
		html_esc(r->html, t->title);
		fprintf(r->html, "<br>RFC ");
		html_esc(r->html, t->rfc);
		if (t->spec[0]) {
			fprintf(r->html, " &middot; ");
			html_esc(r->html, t->spec);
		}
		fprintf(r->html, "</p><table>\n");
	}
	if (r->log)
		fprintf(r->log, "test %s\ntitle %s\nrfc %s\nspec %s\nfile %s:%d\n\n", t->id, t->title, t->rfc,
			t->spec[0] ? t->spec : "-", t->file, t->line);
	r->verdict = CF_PASS;

	if (!(t->nut & cfg->type)) {
		decide(r, NULL, CF_NA, "applies to %s only", t->nut & CF_NUT_HOST ? "hosts" : "routers");
		goto done;
	}
	for (i = 0; i < t->nneeds; i++)
		if (!has_feature(cfg, t->needs[i])) {
			decide(r, NULL, CF_NA, "the NUT does not declare feature '%s'", t->needs[i]);
			goto done;
		}
	cf_nodes_init(&r->nodes, t->nlinks);
	for (i = 0; i < t->nlinks && i < NUT_MAX_LINKS; i++)
		if (cfg->have_nut_mac[i])
			memcpy(r->nodes.nut_mac[i], cfg->nut_mac[i], 6);
	r->nodes.nut_addr = nut_addr_cb;
	r->nodes.nut_ctx = r;
	r->res.ctx = &r->nodes;
	r->res.word = cf_nodes_word;
	r->nut.ops = nut_driver(cfg->driver);
	r->nut.cfg = cfg;
	r->nut.idle = nut_idle_cb;
	r->nut.idle_ctx = r;
	if (!r->nut.ops) {
		decide(r, NULL, CF_ERROR, "unknown NUT driver '%s'", cfg->driver);
		goto done;
	}
	rlog(r, "info", -1, "NUT driver %s: bringing up %d link(s)", r->nut.ops->name, t->nlinks);
	r->lio = cf_linkio_new(t->nlinks, &r->nodes, frame_log, r);
	if (!r->lio) {
		decide(r, NULL, CF_ERROR, "out of memory");
		goto done;
	}
	if (r->nut.ops->setup(&r->nut, t->nlinks, err, sizeof(err))) {
		decide(r, NULL, CF_ERROR, "NUT setup failed: %s", err);
		goto teardown;
	}
	for (i = 0; i < t->nlinks; i++) {
		const struct net_ns *ns = NULL;
		char ifname[IFNAMSIZ], pcap[64];

		snprintf(pcap, sizeof(pcap), "link%d.pcap", i);
		if (r->nut.ops->tn_end(&r->nut, i, &ns, ifname)) {
			decide(r, NULL, CF_ERROR, "no tester end for link%d", i);
			goto teardown;
		}
		{
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", cfg->outdir, pcap);
			if (cf_linkio_attach(r->lio, i, ns, ifname, path, err, sizeof(err))) {
				decide(r, NULL, CF_ERROR, "link%d: %s", i, err);
				goto teardown;
			}
		}
	}
	if (r->nut.ops->ready && r->nut.ops->ready(&r->nut, err, sizeof(err))) {
		decide(r, NULL, CF_ERROR, "NUT not ready: %s", err);
		goto teardown;
	}
	rlog(r, "info", -1, "NUT is up; running %d steps", t->nsteps);
	for (i = 0; i < t->nsteps; i++)
		if (run_step(r, &t->steps[i]))
			break;
	cf_linkio_poll(r->lio, 0);
teardown:
	if (r->nut.ops)
		r->nut.ops->teardown(&r->nut);
done:
	res->verdict = r->verdict;
	snprintf(res->reason, sizeof(res->reason), "%s", r->reason);
	if (r->decided) {
		res->line = r->decided->line;
		snprintf(res->file, sizeof(res->file), "%s", r->decided->file);
	}
	res->secs = elapsed(r);
	res->frames_sent = r->sent;
	res->frames_recv = r->recv;
	if (r->log) {
		fprintf(r->log, "\nverdict %s%s%s\n", cf_verdict_name(r->verdict), r->reason[0] ? ": " : "",
			r->reason);
		fclose(r->log);
	}
	if (r->html) {
		fprintf(r->html, "</table><p><b>verdict %s</b> ", cf_verdict_name(r->verdict));
		html_esc(r->html, r->reason);
		fprintf(r->html, "</p><p>");
		for (i = 0; i < t->nlinks; i++)
			fprintf(r->html, "<a href=\"link%d.pcap\">link%d.pcap</a> ", i, i);
		fprintf(r->html, "<a href=\"log.txt\">log.txt</a></p></body></html>\n");
		fclose(r->html);
	}
	cf_linkio_free(r->lio);
	pkt_wbuf_free(&r->w);
	free(r);
}
