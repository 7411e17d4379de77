/* Packet notation: parse, resolve, build and match. See notation.h. */
#include "notation.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "field.h"
#include "nodes.h"

static int perr(char *err, size_t errlen, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(err, errlen, "%d:%d: ", line, col);

	if (k < 0 || (size_t)k >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

int cf_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || !(isdigit((unsigned char)s[0])))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static void field_names(const struct pkt_proto *p, char *out, size_t n)
{
	size_t w = 0;

	out[0] = 0;
	for (unsigned i = 0; i < p->nfields && w < n; i++) {
		int k = snprintf(out + w, n - w, "%s%s", i ? ", " : "", p->fields[i].name);

		if (k < 0)
			break;
		w += (size_t)k;
	}
}

/* A function call value: v->text holds the name, the next token is '('. */
static int parse_call(struct cf_lex *lx, struct cf_value *v, char *err, size_t errlen)
{
	const struct cf_token *t;

	cf_lex_next(lx);
	v->kind = CV_CALL;
	for (;;) {
		t = cf_lex_next(lx);
		if (t->t == CT_RPAREN && v->nargs == 0)
			return 0;
		if (t->t != CT_WORD)
			return perr(err, errlen, t->line, t->col, "expected an argument of %s()", v->text);
		if (v->nargs >= CF_LIST_MAX)
			return perr(err, errlen, t->line, t->col, "too many arguments");
		if (strlen(t->s) >= sizeof(v->args[0]))
			return perr(err, errlen, t->line, t->col, "argument too long");
		snprintf(v->args[v->nargs++], sizeof(v->args[0]), "%s", t->s);
		t = cf_lex_next(lx);
		if (t->t == CT_RPAREN)
			break;
		if (t->t != CT_COMMA)
			return perr(err, errlen, t->line, t->col, "expected ',' or ')' after an argument");
	}
	if (strcmp(v->text, "solicited") && strcmp(v->text, "mcastmac") && strcmp(v->text, "eui64") &&
	    strcmp(v->text, "hex"))
		return perr(err, errlen, v->line, v->col,
			    "unknown function %s() (solicited, mcastmac, eui64, hex)", v->text);
	return 0;
}

static int parse_value(struct cf_lex *lx, struct cf_value *v, char *err, size_t errlen)
{
	const struct cf_token *t = cf_lex_next(lx);

	memset(v, 0, sizeof(*v));
	v->line = t->line;
	v->col = t->col;
	if (t->t == CT_STRING) {
		v->kind = CV_STRING;
		snprintf(v->text, sizeof(v->text), "%s", t->s);
		return 0;
	}
	if (t->t == CT_LBRACK) {
		v->kind = CV_LIST;
		for (;;) {
			t = cf_lex_next(lx);
			if (t->t == CT_RBRACK && v->nargs == 0)
				return 0;
			if (t->t != CT_WORD)
				return perr(err, errlen, t->line, t->col, "expected an address in the list, got %s",
					    cf_tok_name(t->t));
			if (v->nargs >= CF_LIST_MAX)
				return perr(err, errlen, t->line, t->col, "list longer than %d", CF_LIST_MAX);
			if (strlen(t->s) >= sizeof(v->args[0]))
				return perr(err, errlen, t->line, t->col, "list item too long");
			snprintf(v->args[v->nargs++], sizeof(v->args[0]), "%s", t->s);
			t = cf_lex_next(lx);
			if (t->t == CT_RBRACK)
				return 0;
			if (t->t != CT_COMMA)
				return perr(err, errlen, t->line, t->col, "expected ',' or ']' in the list");
		}
	}
	if (t->t != CT_WORD)
		return perr(err, errlen, t->line, t->col, "expected a value, got %s",
			    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
	snprintf(v->text, sizeof(v->text), "%s", t->s);
	v->kind = CV_WORD;
	if (cf_lex_peek(lx)->t == CT_LPAREN)
		return parse_call(lx, v, err, errlen);
	return 0;
}

static int add_field(struct cf_lexpr *le, const char *name, enum cf_op op, const struct cf_value *v,
		     int line, int col, char *err, size_t errlen)
{
	const struct pkt_fdesc *f = pkt_proto_field(le->proto, name);
	char names[512];

	if (!f) {
		field_names(le->proto, names, sizeof(names));
		return perr(err, errlen, line, col, "%s has no field '%s' (fields: %s)", le->proto->name, name,
			    names);
	}
	if (le->nf >= CF_FIELDS_MAX)
		return perr(err, errlen, line, col, "too many fields");
	if (!(le->nf & 3)) {
		struct cf_fexpr *nf = realloc(le->f, sizeof(*nf) * (size_t)(le->nf + 4));

		if (!nf)
			return perr(err, errlen, line, col, "out of memory");
		le->f = nf;
	}
	for (int i = 0; i < le->nf; i++)
		if (le->f[i].f == f && op == CF_OP_EQ && le->f[i].op == CF_OP_EQ)
			return perr(err, errlen, line, col, "field '%s' given twice", name);
	le->f[le->nf].f = f;
	le->f[le->nf].op = op;
	le->f[le->nf].v = *v;
	le->nf++;
	return 0;
}

static int parse_layer(struct cf_lex *lx, struct cf_lexpr *le, char *err, size_t errlen)
{
	const struct cf_token *t = &lx->tok;

	free(le->f);
	memset(le, 0, sizeof(*le));
	le->line = t->line;
	le->col = t->col;
	if (t->t != CT_WORD)
		return perr(err, errlen, t->line, t->col, "expected a layer name, got %s",
			    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
	le->proto = pkt_proto_by_name(t->s);
	if (!le->proto)
		return perr(err, errlen, t->line, t->col, "unknown layer '%s'", t->s);
	if (cf_lex_peek(lx)->t != CT_LPAREN) {
		cf_lex_next(lx);
		return 0;
	}
	cf_lex_next(lx);
	if (cf_lex_peek(lx)->t == CT_RPAREN) {
		cf_lex_next(lx);
		cf_lex_next(lx);
		return 0;
	}
	for (;;) {
		struct cf_token name;
		struct cf_value v;
		enum cf_op op;

		t = cf_lex_next(lx);
		name = *t;
		if (t->t != CT_WORD)
			return perr(err, errlen, t->line, t->col, "expected a field name, got %s",
				    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
		t = cf_lex_peek(lx);
		if (t->t == CT_LPAREN) {
			/* eui64(PREFIX, NUT) -> X: a function call as the source. */
			struct cf_value src = { .kind = CV_WORD, .line = name.line, .col = name.col };

			snprintf(src.text, sizeof(src.text), "%s", name.s);
			if (parse_call(lx, &src, err, errlen))
				return -1;
			t = cf_lex_next(lx);
			if (t->t != CT_ARROW)
				return perr(err, errlen, t->line, t->col, "expected '->' after %s(...)", src.text);
			if (add_field(le, "src", CF_OP_EQ, &src, name.line, name.col, err, errlen) ||
			    parse_value(lx, &v, err, errlen) ||
			    add_field(le, "dst", CF_OP_EQ, &v, v.line, v.col, err, errlen))
				return -1;
			t = cf_lex_next(lx);
			if (t->t == CT_RPAREN)
				break;
			if (t->t != CT_COMMA)
				return perr(err, errlen, t->line, t->col, "expected ',' or ')', got %s",
					    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
			continue;
		}
		switch (t->t) {
		case CT_ARROW: {
			struct cf_value src = { .kind = CV_WORD, .line = name.line, .col = name.col };

			cf_lex_next(lx);
			snprintf(src.text, sizeof(src.text), "%s", name.s);
			if (add_field(le, "src", CF_OP_EQ, &src, name.line, name.col, err, errlen))
				return -1;
			if (parse_value(lx, &v, err, errlen))
				return -1;
			if (add_field(le, "dst", CF_OP_EQ, &v, v.line, v.col, err, errlen))
				return -1;
			break;
		}
		case CT_EQ:
		case CT_NE:
		case CT_LT:
		case CT_GT:
		case CT_LE:
		case CT_GE:
			op = t->t == CT_EQ ? CF_OP_EQ : t->t == CT_NE ? CF_OP_NE : t->t == CT_LT ? CF_OP_LT
			   : t->t == CT_GT ? CF_OP_GT : t->t == CT_LE ? CF_OP_LE : CF_OP_GE;
			cf_lex_next(lx);
			if (parse_value(lx, &v, err, errlen))
				return -1;
			if (!strcmp(name.s, "nopad")) {
				le->nopad = 1;
				break;
			}
			if (add_field(le, name.s, op, &v, name.line, name.col, err, errlen))
				return -1;
			break;
		default: {
			uint64_t n;

			/* A bare number: raw(N) bytes of zeros. */
			if (!strcmp(le->proto->name, "raw") && !cf_parse_u64(name.s, &n) && n <= 65535) {
				le->rawlen = (uint32_t)n;
				break;
			}
			return perr(err, errlen, name.line, name.col,
				    "expected '=' or '->' after '%s'", name.s);
		}
		}
		t = cf_lex_next(lx);
		if (t->t == CT_RPAREN)
			break;
		if (t->t != CT_COMMA)
			return perr(err, errlen, t->line, t->col, "expected ',' or ')', got %s",
				    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
	}
	cf_lex_next(lx);
	return 0;
}

int cf_pexpr_parse(struct cf_lex *lx, struct cf_pexpr *pe, char *err, size_t errlen)
{
	memset(pe, 0, sizeof(*pe));
	pe->line = lx->tok.line;
	pe->col = lx->tok.col;
	pe->l = calloc(CF_LAYERS_MAX, sizeof(*pe->l));
	if (!pe->l)
		return perr(err, errlen, pe->line, pe->col, "out of memory");
	for (;;) {
		if (pe->n >= CF_LAYERS_MAX)
			return perr(err, errlen, lx->tok.line, lx->tok.col, "too many layers");
		if (parse_layer(lx, &pe->l[pe->n], err, errlen))
			return -1;
		if (pe->l[pe->n].proto->kind == PKT_PK_OPT && pe->n == 0)
			return perr(err, errlen, pe->l[0].line, pe->l[0].col,
				    "option %s must follow the header that holds it",
				    pe->l[0].proto->name);
		pe->n++;
		if (lx->tok.t != CT_SLASH)
			return 0;
		cf_lex_next(lx);
	}
}

void cf_pexpr_free(struct cf_pexpr *pe)
{
	if (!pe->l)
		return;
	for (int i = 0; i < CF_LAYERS_MAX; i++)
		free(pe->l[i].f);
	free(pe->l);
	pe->l = NULL;
	pe->n = 0;
}

/* ---- resolving values ---- */

static int hexbytes(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s), k = 0;

	if (len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		unsigned b;

		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -EINVAL;
		if (k >= max)
			return -ENOSPC;
		sscanf(s + i, "%2x", &b);
		out[k++] = (uint8_t)b;
	}
	*n = k;
	return 0;
}

static int word_value(const char *w, uint8_t ftype, const struct cf_resolver *r, struct pkt_val *v,
		      uint8_t *store, size_t storelen, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	v->type = ftype;
	if (w[0] != '$') {
		switch (ftype) {
		case PKT_FT_UINT:
			if (!cf_parse_u64(w, &v->u))
				return 0;
			break;
		case PKT_FT_IP6:
			if (inet_pton(AF_INET6, w, v->a) == 1)
				return 0;
			break;
		case PKT_FT_IP4:
			if (inet_pton(AF_INET, w, v->a) == 1)
				return 0;
			break;
		case PKT_FT_MAC: {
			uint8_t a6[16];

			if (!pkt_val_parse_addr(PKT_FT_MAC, w, v))
				return 0;
			/* An IPv6 multicast address maps to its 33:33 MAC. */
			if (inet_pton(AF_INET6, w, a6) == 1 && a6[0] == 0xff) {
				v->type = PKT_FT_MAC;
				v->a[0] = v->a[1] = 0x33;
				memcpy(v->a + 2, a6 + 12, 4);
				return 0;
			}
			break;
		}
		case PKT_FT_BYTES: {
			size_t n;

			if (!strncmp(w, "0x", 2) && storelen) {
				if (hexbytes(w + 2, store, storelen, &n)) {
					snprintf(err, errlen, "bad hex bytes '%s'", w);
					return -1;
				}
				v->p = store;
				v->n = (uint32_t)n;
				return 0;
			}
			break;
		}
		default:
			break;
		}
	}
	if (r && r->word)
		return r->word(r->ctx, w, ftype, v, store, storelen, err, errlen);
	snprintf(err, errlen, "cannot use '%s' here", w);
	return -1;
}

int cf_value_resolve(const struct cf_value *cv, const struct pkt_fdesc *f,
		     const struct cf_resolver *r, struct pkt_val *v, uint8_t *store,
		     size_t storelen, char *err, size_t errlen)
{
	uint8_t ftype = f->type;
	struct pkt_val a;

	memset(v, 0, sizeof(*v));
	v->type = ftype;
	switch (cv->kind) {
	case CV_STRING: {
		size_t n = strlen(cv->text);

		if (ftype != PKT_FT_BYTES) {
			snprintf(err, errlen, "a string only fits a bytes field, not %s", f->name);
			return -1;
		}
		if (n > storelen) {
			snprintf(err, errlen, "string too long");
			return -1;
		}
		memcpy(store, cv->text, n);
		v->p = store;
		v->n = (uint32_t)n;
		return 0;
	}
	case CV_LIST:
		if (ftype != PKT_FT_IP6LIST) {
			snprintf(err, errlen, "a list only fits an address list field, not %s", f->name);
			return -1;
		}
		if ((size_t)cv->nargs * 16 > storelen) {
			snprintf(err, errlen, "list too long");
			return -1;
		}
		for (int i = 0; i < cv->nargs; i++) {
			if (word_value(cv->args[i], PKT_FT_IP6, r, &a, NULL, 0, err, errlen))
				return -1;
			memcpy(store + 16 * i, a.a, 16);
		}
		v->p = store;
		v->n = (uint32_t)cv->nargs * 16;
		return 0;
	case CV_CALL:
		if (!strcmp(cv->text, "hex")) {
			snprintf(err, errlen, "hex() is not supported; write 0x0102...");
			return -1;
		}
		if (!strcmp(cv->text, "solicited") || !strcmp(cv->text, "mcastmac")) {
			uint8_t m[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff };

			if (cv->nargs != 1) {
				snprintf(err, errlen, "%s() takes one address", cv->text);
				return -1;
			}
			if (word_value(cv->args[0], PKT_FT_IP6, r, &a, NULL, 0, err, errlen))
				return -1;
			if (!strcmp(cv->text, "solicited"))
				memcpy(m + 13, a.a + 13, 3);
			else
				memcpy(m, a.a, 16);
			if (ftype == PKT_FT_IP6) {
				memcpy(v->a, m, 16);
				return 0;
			}
			if (ftype == PKT_FT_MAC) {
				v->a[0] = v->a[1] = 0x33;
				memcpy(v->a + 2, m + 12, 4);
				return 0;
			}
			snprintf(err, errlen, "%s() gives an address; %s is not one", cv->text, f->name);
			return -1;
		}
		if (!strcmp(cv->text, "eui64")) {
			struct pkt_val mac;

			if (cv->nargs != 2 || ftype != PKT_FT_IP6) {
				snprintf(err, errlen, "eui64(PREFIX, MAC) gives an IPv6 address");
				return -1;
			}
			if (word_value(cv->args[0], PKT_FT_IP6, r, &a, NULL, 0, err, errlen) ||
			    word_value(cv->args[1], PKT_FT_MAC, r, &mac, NULL, 0, err, errlen))
				return -1;
			cf_eui64(a.a, mac.a, v->a);
			return 0;
		}
		snprintf(err, errlen, "unknown function %s()", cv->text);
		return -1;
	case CV_WORD:
	default:
		if (ftype == PKT_FT_IP6LIST) {
			if (storelen < 16 || word_value(cv->text, PKT_FT_IP6, r, &a, NULL, 0, err, errlen))
				return -1;
			memcpy(store, a.a, 16);
			v->p = store;
			v->n = 16;
			return 0;
		}
		return word_value(cv->text, ftype, r, v, store, storelen, err, errlen);
	}
}

int cf_pexpr_to_spec(const struct cf_pexpr *pe, const struct cf_resolver *r, struct pkt_spec *s,
		     struct cf_store *st, char *err, size_t errlen)
{
	char e[256];

	s->n = 0;
	st->used = 0;
	for (int i = 0; i < pe->n; i++) {
		const struct cf_lexpr *le = &pe->l[i];
		struct pkt_slayer *sl = pkt_spec_push(s, le->proto);

		if (!sl)
			return perr(err, errlen, le->line, le->col, "too many layers");
		sl->nopad = le->nopad;
		if (le->rawlen) {
			struct pkt_val v = { .type = PKT_FT_BYTES, .p = st->b + st->used, .n = le->rawlen };

			if (le->rawlen > sizeof(st->b) - st->used)
				return perr(err, errlen, le->line, le->col, "raw payload too large");
			memset(st->b + st->used, 0, le->rawlen);
			st->used += le->rawlen;
			pkt_spec_set(sl, "data", &v);
		}
		for (int k = 0; k < le->nf; k++) {
			const struct cf_fexpr *fe = &le->f[k];
			struct pkt_val v;

			if (fe->op != CF_OP_EQ)
				return perr(err, errlen, fe->v.line, fe->v.col,
					    "only '=' can set a field of a packet to send");
			if (cf_value_resolve(&fe->v, fe->f, r, &v, st->b + st->used, sizeof(st->b) - st->used,
					     e, sizeof(e)))
				return perr(err, errlen, fe->v.line, fe->v.col, "%s.%s: %s", le->proto->name,
					    fe->f->name, e);
			if (v.p == st->b + st->used)
				st->used += v.n;
			if (pkt_spec_set(sl, fe->f->name, &v))
				return perr(err, errlen, fe->v.line, fe->v.col, "cannot set %s", fe->f->name);
		}
	}
	return 0;
}

/* ---- matching ---- */

static bool name_matches(const struct cf_lexpr *le, const struct pkt_proto *dp)
{
	const char *pn = le->proto->name;
	size_t n = strlen(pn);

	if (dp == le->proto || !strcmp(dp->name, pn))
		return true;
	if (!strncmp(dp->name, pn, n) && dp->name[n] == '.')
		return true;
	/* A generic entry descriptor (rh, mh, icmpv6) stands for its family. */
	return le->proto->entry && le->proto->kind == dp->kind && le->proto->ipproto >= 0 &&
	       le->proto->ipproto == dp->ipproto;
}

static int cmp_vals(const struct pkt_val *got, const struct pkt_val *want)
{
	if (got->type == PKT_FT_UINT)
		return got->u < want->u ? -1 : got->u > want->u;
	if (got->type == PKT_FT_BYTES || got->type == PKT_FT_IP6LIST) {
		uint32_t n = got->n < want->n ? got->n : want->n;
		int c = n ? memcmp(got->p, want->p, n) : 0;

		return c ? c : (got->n < want->n ? -1 : got->n > want->n);
	}
	return memcmp(got->a, want->a, got->type == PKT_FT_MAC ? 6 : got->type == PKT_FT_IP4 ? 4 : 16);
}

static const char *op_text(enum cf_op op)
{
	static const char *const t[] = { "=", "!=", "<", ">", "<=", ">=" };

	return t[op];
}

/* Checks the fields of one pattern layer against decoded layer di. */
static int layer_fields_match(const struct cf_lexpr *le, const struct pkt_dec *d, int di,
			      const struct cf_resolver *r, char *why, size_t whylen, int *score)
{
	uint8_t store[2048];
	char e[256], gs[256], ws[256];
	bool cksum_given = false;

	for (int k = 0; k < le->nf; k++) {
		const struct cf_fexpr *fe = &le->f[k];
		const struct pkt_fdesc *df = pkt_proto_field(d->l[di].proto, fe->f->name);
		struct pkt_val got, want;
		int c, ok;

		if (fe->f->flags & PKT_FF_CSUM)
			cksum_given = true;
		if (!df || pkt_field_get(d, di, df, &got)) {
			snprintf(why, whylen, "%s has no field %s", d->l[di].proto->name, fe->f->name);
			return 0;
		}
		if (cf_value_resolve(&fe->v, df, r, &want, store, sizeof(store), e, sizeof(e))) {
			snprintf(why, whylen, "%d:%d: %s.%s: %s", fe->v.line, fe->v.col, le->proto->name,
				 fe->f->name, e);
			return -1;
		}
		c = cmp_vals(&got, &want);
		switch (fe->op) {
		case CF_OP_EQ: ok = c == 0; break;
		case CF_OP_NE: ok = c != 0; break;
		case CF_OP_LT: ok = c < 0; break;
		case CF_OP_GT: ok = c > 0; break;
		case CF_OP_LE: ok = c <= 0; break;
		default: ok = c >= 0; break;
		}
		if (!ok) {
			pkt_val_fmt(df, &got, gs, sizeof(gs));
			pkt_val_fmt(df, &want, ws, sizeof(ws));
			snprintf(why, whylen, "%s.%s is %s, want %s %s", d->l[di].proto->name, df->name, gs,
				 op_text(fe->op), ws);
			return 0;
		}
		(*score)++;
	}
	if (!cksum_given && pkt_csum_verify(d, di) == 0) {
		snprintf(why, whylen, "%s has a wrong checksum", d->l[di].proto->name);
		return 0;
	}
	return 1;
}

/* Tries the pattern with its first header layer on decoded layer start. */
static int match_at(const struct cf_pexpr *pe, const struct pkt_dec *d, int start,
		    const struct cf_resolver *r, int *map, char *why, size_t whylen, int *score)
{
	int di = start, hdr = -1;
	uint64_t used[2] = { 0, 0 };

	for (int pi = 0; pi < pe->n; pi++) {
		const struct cf_lexpr *le = &pe->l[pi];
		int rc;

		if (le->proto->kind == PKT_PK_OPT) {
			int found = 0;
			char sub[256] = "";

			for (int k = hdr + 1; k < d->n && d->l[k].depth == 1; k++) {
				int sc = 0;

				if ((used[k / 64] >> (k % 64)) & 1 || !name_matches(le, d->l[k].proto))
					continue;
				rc = layer_fields_match(le, d, k, r, sub, sizeof(sub), &sc);
				if (rc < 0) {
					snprintf(why, whylen, "%s", sub);
					return -1;
				}
				if (rc) {
					used[k / 64] |= 1ull << (k % 64);
					map[pi] = k;
					found = 1;
					*score += sc + 1;
					break;
				}
			}
			if (!found) {
				if (sub[0])
					snprintf(why, whylen, "%s", sub);
				else
					snprintf(why, whylen, "no %s option in %s", le->proto->name,
						 d->l[hdr].proto->name);
				return 0;
			}
			continue;
		}
		while (di < d->n && d->l[di].depth)
			di++;
		if (di >= d->n) {
			snprintf(why, whylen, "no %s after %s", le->proto->name,
				 hdr >= 0 ? d->l[hdr].proto->name : "the start");
			return 0;
		}
		if (!name_matches(le, d->l[di].proto)) {
			snprintf(why, whylen, "%s where %s was expected", d->l[di].proto->name, le->proto->name);
			return 0;
		}
		*score += 1; /* the layer is the right one, whatever its fields say */
		rc = layer_fields_match(le, d, di, r, why, whylen, score);
		if (rc <= 0)
			return rc;
		map[pi] = di;
		hdr = di;
		di++;
	}
	return 1;
}

int cf_pexpr_match(const struct cf_pexpr *pe, const struct pkt_dec *d, const struct cf_resolver *r,
		   int *layer_map, char *why, size_t whylen)
{
	return cf_pexpr_match_score(pe, d, r, layer_map, why, whylen, NULL);
}

int cf_pexpr_match_score(const struct cf_pexpr *pe, const struct pkt_dec *d,
			 const struct cf_resolver *r, int *layer_map, char *why, size_t whylen,
			 int *best_score)
{
	int best = -1, map[CF_LAYERS_MAX];
	char w[512];

	if (whylen)
		why[0] = 0;
	for (int start = 0; start < d->n; start++) {
		int score = 0, rc;

		if (d->l[start].depth || !name_matches(&pe->l[0], d->l[start].proto))
			continue;
		w[0] = 0;
		rc = match_at(pe, d, start, r, map, w, sizeof(w), &score);
		if (rc < 0) {
			snprintf(why, whylen, "%s", w);
			return -1;
		}
		if (rc) {
			if (layer_map)
				memcpy(layer_map, map, sizeof(int) * (size_t)pe->n);
			return 1;
		}
		if (score > best) {
			best = score;
			snprintf(why, whylen, "%s", w);
		}
	}
	if (best < 0)
		snprintf(why, whylen, "no %s layer", pe->l[0].proto->name);
	if (best_score)
		*best_score = best;
	return 0;
}
