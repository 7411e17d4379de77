/*
 * Script parser: splits a file into logical lines (a line at column 1 and
 * the indented lines after it), reads the test header directives, and turns
 * every step into a struct cf_step. Snippets named by `init` are parsed the
 * same way and their steps spliced in place. See docs/script-language.md.
 */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cf_verdict_name(enum cf_verdict v)
{
	static const char *const n[] = { "PASS", "WARN", "FAIL", "SKIP", "N/A", "ERROR" };

	return (unsigned)v < 6 ? n[v] : "?";
}

struct pctx {
	struct cf_suite *suite;
	struct cf_test *t; /* test being filled, or NULL before the first */
	const char *path;
	const char *snippet_dir;
	char *err;
	size_t errlen;
	int depth; /* snippet nesting */
	bool snippet;
};

static int fail(struct pctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->path, line, col);

	if (k < 0 || (size_t)k >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* Re-prefixes a notation error "L:C: msg" with the file name. */
static int fail_nested(struct pctx *c, const char *e)
{
	snprintf(c->err, c->errlen, "%s:%s", c->path, e);
	return -1;
}

int cf_parse_duration(const char *s, uint32_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60000;
	else
		return -EINVAL;
	if (v > 24.0 * 3600 * 1000)
		return -ERANGE;
	*ms = (uint32_t)(v + 0.5);
	return 0;
}

static int parse_verdict(const char *w, enum cf_verdict *v)
{
	static const struct {
		const char *n;
		enum cf_verdict v;
	} m[] = { { "PASS", CF_PASS }, { "WARN", CF_WARN }, { "FAIL", CF_FAIL },
		  { "SKIP", CF_SKIP }, { "NA", CF_NA },	    { "ERROR", CF_ERROR } };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(w, m[i].n)) {
			*v = m[i].v;
			return 0;
		}
	return -EINVAL;
}

static int parse_link(struct pctx *c, const struct cf_token *t, int *link)
{
	char *end;
	long n;

	if (t->t != CT_WORD || strncmp(t->s, "link", 4) || !isdigit((unsigned char)t->s[4]))
		return fail(c, t->line, t->col, "expected a link name (link0, link1, ...), got '%s'",
			    t->t == CT_WORD ? t->s : cf_tok_name(t->t));
	n = strtol(t->s + 4, &end, 10);
	if (*end || n < 0 || n > 7)
		return fail(c, t->line, t->col, "link index out of range in '%s' (link0..link7)", t->s);
	*link = (int)n;
	return 0;
}

static struct cf_step *new_step(struct pctx *c, enum cf_step_kind k, int line)
{
	struct cf_test *t = c->t;
	struct cf_step *s;

	if (!(t->nsteps & 15)) {
		struct cf_step *ns = realloc(t->steps, sizeof(*ns) * (size_t)(t->nsteps + 16));

		if (!ns)
			return NULL;
		t->steps = ns;
	}
	s = &t->steps[t->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->line = line;
	snprintf(s->file, sizeof(s->file), "%s", c->path);
	return s;
}

/* Reads `VERDICT "reason"` after else/then. */
static int parse_outcome(struct pctx *c, struct cf_lex *lx, enum cf_verdict *v, char *reason,
			 size_t rlen)
{
	const struct cf_token *t = cf_lex_next(lx);

	if (t->t != CT_WORD || parse_verdict(t->s, v))
		return fail(c, t->line, t->col, "expected a verdict (FAIL, WARN, PASS, SKIP, NA, ERROR)");
	t = cf_lex_next(lx);
	if (t->t == CT_ERROR)
		return fail(c, t->line, t->col, "%s", t->s);
	if (t->t != CT_STRING)
		return fail(c, t->line, t->col, "expected the reason as a \"string\" after the verdict");
	snprintf(reason, rlen, "%s", t->s);
	cf_lex_next(lx);
	return 0;
}

static int parse_within(struct pctx *c, struct cf_lex *lx, struct cf_step *s)
{
	const struct cf_token *t = cf_lex_next(lx);

	if (t->t != CT_WORD || strcmp(t->s, "within"))
		return fail(c, t->line, t->col, "expected 'within DURATION'");
	t = cf_lex_next(lx);
	if (t->t != CT_WORD || cf_parse_duration(t->s, &s->within_ms))
		return fail(c, t->line, t->col, "expected a duration such as 2s or 500ms");
	return 0;
}

static int parse_pattern(struct pctx *c, struct cf_lex *lx, struct cf_pexpr *pe)
{
	char e[512];

	if (lx->tok.t == CT_END)
		return fail(c, lx->tok.line, lx->tok.col, "expected a packet pattern");
	if (cf_pexpr_parse(lx, pe, e, sizeof(e)))
		return fail_nested(c, e);
	return 0;
}

static int word_is(const struct cf_token *t, const char *w)
{
	return t->t == CT_WORD && !strcmp(t->s, w);
}

static int parse_expect(struct pctx *c, struct cf_lex *lx, struct cf_step *s, bool none)
{
	const struct cf_token *t = cf_lex_next(lx);

	if (parse_link(c, t, &s->link) || parse_within(c, lx, s))
		return -1;
	cf_lex_next(lx);
	if (parse_pattern(c, lx, &s->alts[0].pat))
		return -1;
	s->nalts = 1;
	for (;;) {
		t = &lx->tok;
		if (t->t == CT_END)
			return 0;
		if (word_is(t, "then")) {
			struct cf_alt *a = &s->alts[s->nalts - 1];

			if (none)
				return fail(c, t->line, t->col, "'then' does not apply to expect none; use else");
			a->has_then = true;
			if (parse_outcome(c, lx, &a->then, a->reason, sizeof(a->reason)))
				return -1;
		} else if (word_is(t, "or")) {
			if (s->nalts >= CF_ALTS_MAX)
				return fail(c, t->line, t->col, "at most %d alternatives", CF_ALTS_MAX);
			cf_lex_next(lx);
			if (parse_pattern(c, lx, &s->alts[s->nalts++].pat))
				return -1;
		} else if (word_is(t, "capture")) {
			struct cf_capture *cp;
			char *dot;

			if (none)
				return fail(c, t->line, t->col, "expect none captures nothing");
			if (s->ncaps >= CF_CAPS_MAX)
				return fail(c, t->line, t->col, "at most %d captures", CF_CAPS_MAX);
			cp = &s->caps[s->ncaps++];
			t = cf_lex_next(lx);
			cp->line = t->line;
			cp->col = t->col;
			if (t->t != CT_WORD || t->s[0] != '$' || !t->s[1])
				return fail(c, t->line, t->col, "expected a $variable to capture into");
			snprintf(cp->var, sizeof(cp->var), "%s", t->s + 1);
			t = cf_lex_next(lx);
			if (t->t != CT_EQ)
				return fail(c, t->line, t->col, "expected '=' after the variable");
			t = cf_lex_next(lx);
			dot = t->t == CT_WORD ? strrchr(t->s, '.') : NULL;
			if (!dot || dot == t->s || !dot[1])
				return fail(c, t->line, t->col, "expected LAYER.FIELD, e.g. icmpv6.ns.target");
			snprintf(cp->field, sizeof(cp->field), "%s", dot + 1);
			*dot = 0;
			snprintf(cp->layer, sizeof(cp->layer), "%s", t->s);
			{
				const struct pkt_proto *p = pkt_proto_by_name(cp->layer);

				if (!p)
					return fail(c, t->line, t->col, "unknown layer '%s'", cp->layer);
				if (!pkt_proto_field(p, cp->field))
					return fail(c, t->line, t->col, "%s has no field '%s'", cp->layer, cp->field);
			}
			cf_lex_next(lx);
		} else if (word_is(t, "else")) {
			s->has_else = true;
			if (parse_outcome(c, lx, &s->else_v, s->reason, sizeof(s->reason)))
				return -1;
		} else {
			return fail(c, t->line, t->col, "expected 'or', 'then', 'capture' or 'else', got %s",
				    t->t == CT_WORD ? t->s : cf_tok_name(t->t));
		}
	}
}

/* Reads plain words up to the end of the line into argv (strings allowed). */
static int parse_args(struct pctx *c, struct cf_lex *lx, struct cf_step *s)
{
	for (;;) {
		const struct cf_token *t = cf_lex_next(lx);

		if (t->t == CT_END)
			return 0;
		if (t->t == CT_ARROW) {
			t = cf_lex_next(lx);
			if (t->t != CT_WORD || t->s[0] != '$' || !t->s[1])
				return fail(c, t->line, t->col, "expected a $variable after '->'");
			snprintf(s->var, sizeof(s->var), "%s", t->s + 1);
			t = cf_lex_next(lx);
			if (t->t != CT_END)
				return fail(c, t->line, t->col, "nothing may follow '-> $%s'", s->var);
			return 0;
		}
		if (s->argc >= CF_ARGS_MAX)
			return fail(c, t->line, t->col, "too many arguments");
		if (t->t == CT_WORD && cf_lex_peek(lx)->t == CT_LPAREN) {
			/* eui64(PREFIX, NUT): kept as one argument, evaluated at run time */
			char *a = s->argv[s->argc++];
			size_t n = (size_t)snprintf(a, sizeof(s->argv[0]), "%s(", t->s);

			cf_lex_next(lx);
			for (int k = 0;; k++) {
				t = cf_lex_next(lx);
				if (t->t == CT_RPAREN && k == 0)
					break;
				if (t->t != CT_WORD)
					return fail(c, t->line, t->col, "expected a function argument");
				n += (size_t)snprintf(a + n, n < sizeof(s->argv[0]) ? sizeof(s->argv[0]) - n : 0,
						      "%s%s", k ? "," : "", t->s);
				t = cf_lex_next(lx);
				if (t->t == CT_RPAREN)
					break;
				if (t->t != CT_COMMA)
					return fail(c, t->line, t->col, "expected ',' or ')'");
			}
			if (n + 2 > sizeof(s->argv[0]))
				return fail(c, t->line, t->col, "argument too long");
			strcat(a, ")");
		} else if (t->t == CT_WORD || t->t == CT_STRING) {
			snprintf(s->argv[s->argc++], sizeof(s->argv[0]), "%s", t->s);
		} else if (t->t == CT_EQ && s->argc) {
			/* key=value stays one argument */
			char *a = s->argv[s->argc - 1];
			size_t n = strlen(a);

			t = cf_lex_next(lx);
			if (t->t != CT_WORD && t->t != CT_STRING)
				return fail(c, t->line, t->col, "expected a value after '='");
			snprintf(a + n, sizeof(s->argv[0]) - n, "=%s", t->s);
		} else if (t->t == CT_SLASH && s->argc) {
			char *a = s->argv[s->argc - 1];
			size_t n = strlen(a);

			t = cf_lex_next(lx);
			if (t->t != CT_WORD)
				return fail(c, t->line, t->col, "expected a word after '/'");
			snprintf(a + n, sizeof(s->argv[0]) - n, "/%s", t->s);
		} else {
			return fail(c, t->line, t->col, "unexpected %s",
				    t->t == CT_ERROR ? t->s : cf_tok_name(t->t));
		}
	}
}

static int load_snippet(struct pctx *c, const char *name, int line, int col);

/* `fragments 0:16, 16:32, 32:48 [order 3 1 2]` after a packet to send. */
static int parse_fragments(struct pctx *c, struct cf_lex *lx, struct cf_step *s)
{
	const struct cf_token *t;
	bool has_frag = false;

	for (int i = 0; i < s->pkt.n; i++)
		has_frag |= !strcmp(s->pkt.l[i].proto->name, "frag");
	if (!has_frag)
		return fail(c, lx->tok.line, lx->tok.col, "fragments needs a frag() layer in the packet");
	for (;;) {
		unsigned long a, b;
		char *end;

		t = cf_lex_next(lx);
		if (t->t != CT_WORD)
			return fail(c, t->line, t->col, "expected a byte range FROM:TO");
		a = strtoul(t->s, &end, 10);
		if (end == t->s || *end != ':' || !isdigit((unsigned char)end[1]))
			return fail(c, t->line, t->col, "expected a byte range FROM:TO, got '%s'", t->s);
		b = strtoul(end + 1, &end, 10);
		if (*end || b <= a || b > 65535)
			return fail(c, t->line, t->col, "bad byte range '%s' (FROM < TO <= 65535)", t->s);
		if (a % 8)
			return fail(c, t->line, t->col, "fragment offsets are in 8-octet units: %lu is not a multiple of 8", a);
		if (s->nfrags >= CF_FRAGS_MAX)
			return fail(c, t->line, t->col, "at most %d fragments", CF_FRAGS_MAX);
		s->frag_from[s->nfrags] = (uint32_t)a;
		s->frag_to[s->nfrags] = (uint32_t)b;
		s->nfrags++;
		t = cf_lex_next(lx);
		if (t->t == CT_COMMA)
			continue;
		break;
	}
	if (word_is(t, "order")) {
		for (;;) {
			char *end;
			unsigned long k;

			t = cf_lex_next(lx);
			if (t->t == CT_END)
				break;
			k = t->t == CT_WORD ? strtoul(t->s, &end, 10) : 0;
			if (t->t != CT_WORD || *end || k < 1 || k > (unsigned long)s->nfrags)
				return fail(c, t->line, t->col, "order lists fragment numbers 1..%d", s->nfrags);
			if (s->norder >= (int)sizeof(s->order))
				return fail(c, t->line, t->col, "order too long");
			s->order[s->norder++] = (uint8_t)k;
		}
		if (!s->norder)
			return fail(c, t->line, t->col, "order lists fragment numbers 1..%d", s->nfrags);
	} else if (t->t != CT_END) {
		return fail(c, t->line, t->col, "expected ',' , 'order' or the end after the fragments");
	}
	return 0;
}

static int parse_step(struct pctx *c, struct cf_lex *lx, const struct cf_token *kw)
{
	const struct cf_token *t;
	struct cf_step *s;
	int line = kw->line;
	char k[32];

	snprintf(k, sizeof(k), "%s", kw->s);
	if (!c->t)
		return fail(c, kw->line, kw->col, "'%s' before any 'test' line", k);
	if (!strcmp(k, "send")) {
		s = new_step(c, CS_SEND, line);
		if (!s || parse_link(c, cf_lex_next(lx), &s->link))
			return -1;
		cf_lex_next(lx);
		if (parse_pattern(c, lx, &s->pkt))
			return -1;
		if (word_is(&lx->tok, "repeat")) {
			char *end;
			unsigned long cnt;

			t = cf_lex_next(lx);
			cnt = t->t == CT_WORD ? strtoul(t->s, &end, 10) : 0;
			if (t->t != CT_WORD || *end || cnt < 1 || cnt > 10000)
				return fail(c, t->line, t->col, "repeat wants a count 1..10000");
			s->repeat = (uint32_t)cnt;
			cf_lex_next(lx);
		}
		if (word_is(&lx->tok, "fragments"))
			return parse_fragments(c, lx, s);
		if (lx->tok.t != CT_END)
			return fail(c, lx->tok.line, lx->tok.col, "unexpected %s after the packet",
				    cf_tok_name(lx->tok.t));
		return 0;
	}
	if (!strcmp(k, "expect")) {
		bool none = word_is(cf_lex_peek(lx), "none");

		if (none)
			cf_lex_next(lx);
		s = new_step(c, none ? CS_EXPECT_NONE : CS_EXPECT, line);
		return s ? parse_expect(c, lx, s, none) : -1;
	}
	if (!strcmp(k, "count")) {
		s = new_step(c, CS_COUNT, line);
		if (!s)
			return -1;
		t = cf_lex_next(lx);
		if (t->t != CT_WORD || t->s[0] != '$' || !t->s[1])
			return fail(c, t->line, t->col, "expected a $variable to hold the count");
		snprintf(s->var, sizeof(s->var), "%s", t->s + 1);
		if (parse_link(c, cf_lex_next(lx), &s->link) || parse_within(c, lx, s))
			return -1;
		cf_lex_next(lx);
		if (parse_pattern(c, lx, &s->alts[0].pat))
			return -1;
		s->nalts = 1;
		if (lx->tok.t != CT_END)
			return fail(c, lx->tok.line, lx->tok.col, "unexpected %s after the pattern",
				    cf_tok_name(lx->tok.t));
		return 0;
	}
	if (!strcmp(k, "wait")) {
		s = new_step(c, CS_WAIT, line);
		t = cf_lex_next(lx);
		if (!s || t->t != CT_WORD || cf_parse_duration(t->s, &s->within_ms))
			return fail(c, t->line, t->col, "expected a duration such as 2s or 500ms");
		t = cf_lex_next(lx);
		if (t->t != CT_END)
			return fail(c, t->line, t->col, "unexpected %s after the duration", cf_tok_name(t->t));
		return 0;
	}
	if (!strcmp(k, "nut")) {
		s = new_step(c, CS_NUT, line);
		if (!s || parse_args(c, lx, s))
			return -1;
		if (!s->argc)
			return fail(c, kw->line, kw->col, "nut needs an action (see docs/script-language.md)");
		return 0;
	}
	if (!strcmp(k, "assert")) {
		s = new_step(c, CS_ASSERT, line);
		if (!s)
			return -1;
		t = cf_lex_next(lx);
		if (t->t != CT_WORD)
			return fail(c, t->line, t->col, "expected a value to test");
		snprintf(s->argv[0], sizeof(s->argv[0]), "%s", t->s);
		t = cf_lex_next(lx);
		if (word_is(t, "in")) {
			s->op_in = true;
			t = cf_lex_next(lx);
			if (t->t != CT_LBRACK)
				return fail(c, t->line, t->col, "expected '[' after 'in'");
			s->argc = 1;
			for (;;) {
				t = cf_lex_next(lx);
				if (t->t != CT_WORD)
					return fail(c, t->line, t->col, "expected a value in the list");
				if (s->argc >= CF_ARGS_MAX)
					return fail(c, t->line, t->col, "list too long");
				snprintf(s->argv[s->argc++], sizeof(s->argv[0]), "%s", t->s);
				t = cf_lex_next(lx);
				if (t->t == CT_RBRACK)
					break;
				if (t->t != CT_COMMA)
					return fail(c, t->line, t->col, "expected ',' or ']'");
			}
		} else {
			switch (t->t) {
			case CT_EQ: s->op = CF_OP_EQ; break;
			case CT_NE: s->op = CF_OP_NE; break;
			case CT_LT: s->op = CF_OP_LT; break;
			case CT_GT: s->op = CF_OP_GT; break;
			case CT_LE: s->op = CF_OP_LE; break;
			case CT_GE: s->op = CF_OP_GE; break;
			default:
				return fail(c, t->line, t->col, "expected a comparison (== != < > <= >=) or 'in'");
			}
			t = cf_lex_next(lx);
			if (t->t != CT_WORD && t->t != CT_STRING)
				return fail(c, t->line, t->col, "expected a value to compare with");
			snprintf(s->argv[1], sizeof(s->argv[0]), "%s", t->s);
			s->argc = 2;
		}
		t = cf_lex_next(lx);
		if (!word_is(t, "else"))
			return fail(c, t->line, t->col, "expected 'else VERDICT \"reason\"'");
		s->has_else = true;
		if (parse_outcome(c, lx, &s->else_v, s->reason, sizeof(s->reason)))
			return -1;
		if (lx->tok.t != CT_END)
			return fail(c, lx->tok.line, lx->tok.col, "unexpected %s", cf_tok_name(lx->tok.t));
		return 0;
	}
	if (!strcmp(k, "verdict")) {
		s = new_step(c, CS_VERDICT, line);
		if (!s || parse_outcome(c, lx, &s->else_v, s->reason, sizeof(s->reason)))
			return -1;
		if (lx->tok.t != CT_END)
			return fail(c, lx->tok.line, lx->tok.col, "unexpected %s", cf_tok_name(lx->tok.t));
		return 0;
	}
	if (!strcmp(k, "respond")) {
		s = new_step(c, CS_RESPOND, line);
		if (!s || parse_args(c, lx, s))
			return -1;
		if (s->argc < 1 || (strcmp(s->argv[0], "on") && strcmp(s->argv[0], "off")))
			return fail(c, kw->line, kw->col, "respond on|off [NODE...]");
		return 0;
	}
	if (!strcmp(k, "clear")) {
		s = new_step(c, CS_CLEAR, line);
		if (!s || parse_link(c, cf_lex_next(lx), &s->link))
			return -1;
		return 0;
	}
	if (!strcmp(k, "log")) {
		s = new_step(c, CS_LOG, line);
		t = cf_lex_next(lx);
		if (!s || t->t != CT_STRING)
			return fail(c, t->line, t->col, "log \"text\"");
		snprintf(s->reason, sizeof(s->reason), "%s", t->s);
		return 0;
	}
	if (!strcmp(k, "init")) {
		for (;;) {
			t = cf_lex_next(lx);
			if (t->t == CT_END)
				return 0;
			char name[CF_TOK_MAX * 2];
			int nl = t->line, nc = t->col;

			if (t->t != CT_WORD)
				return fail(c, t->line, t->col, "expected a snippet name");
			snprintf(name, sizeof(name), "%s", t->s);
			/* common/global-address: the '/' splits tokens; join them. */
			while (cf_lex_peek(lx)->t == CT_SLASH) {
				size_t nlen = strlen(name);

				cf_lex_next(lx);
				t = cf_lex_next(lx);
				if (t->t != CT_WORD)
					return fail(c, t->line, t->col, "expected a snippet name after '/'");
				snprintf(name + nlen, sizeof(name) - nlen, "/%s", t->s);
			}
			if (load_snippet(c, name, nl, nc))
				return -1;
		}
	}
	return fail(c, kw->line, kw->col, "unknown step '%s'", k);
}

static int parse_header(struct pctx *c, struct cf_lex *lx, const struct cf_token *kw, bool *handled)
{
	const struct cf_token *t;
	struct cf_test *te;
	char k[32];

	*handled = true;
	snprintf(k, sizeof(k), "%s", kw->s);
	if (!strcmp(k, "test")) {
		struct cf_test *nt;

		if (c->snippet)
			return fail(c, kw->line, kw->col, "a snippet cannot define tests");
		t = cf_lex_next(lx);
		if (t->t != CT_WORD)
			return fail(c, t->line, t->col, "expected a test id");
		nt = realloc(c->suite->tests, sizeof(*nt) * (size_t)(c->suite->ntests + 1));
		if (!nt)
			return fail(c, kw->line, kw->col, "out of memory");
		c->suite->tests = nt;
		te = c->t = &nt[c->suite->ntests++];
		memset(te, 0, sizeof(*te));
		snprintf(te->id, sizeof(te->id), "%s", t->s);
		snprintf(te->file, sizeof(te->file), "%s", c->path);
		te->line = kw->line;
		te->nut = CF_NUT_HOST | CF_NUT_ROUTER;
		te->nlinks = 1;
		for (int i = 0; i < c->suite->ntests - 1; i++)
			if (!strcmp(c->suite->tests[i].id, te->id))
				return fail(c, t->line, t->col, "test id '%s' already used in %s:%d", te->id,
					    c->suite->tests[i].file, c->suite->tests[i].line);
		t = cf_lex_next(lx);
		if (t->t != CT_END)
			return fail(c, t->line, t->col, "unexpected %s after the test id", cf_tok_name(t->t));
		return 0;
	}
	/* `nut host router` before the first step says which NUT types the
	 * test applies to; later, `nut ACTION` is a step. */
	if (!strcmp(k, "nut") && c->t && !c->t->nsteps && !c->snippet) {
		const char *p = lx->p;
		bool types = true, any = false;

		while (*p && *p != '\n' && *p != '#') {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '\n' || *p == '#')
				break;
			if (!strncmp(p, "host", 4) && (!p[4] || isspace((unsigned char)p[4]) || p[4] == '#'))
				p += 4;
			else if (!strncmp(p, "router", 6) && (!p[6] || isspace((unsigned char)p[6]) || p[6] == '#'))
				p += 6;
			else {
				types = false;
				break;
			}
			any = true;
		}
		if (types && any)
			snprintf(k, sizeof(k), "applies");
	}
	if (strcmp(k, "title") && strcmp(k, "spec") && strcmp(k, "rfc") &&  strcmp(k, "needs") && strcmp(k, "links") && strcmp(k, "applies")) {
		*handled = false;
		return 0;
	}
	if (!c->t || c->snippet)
		return fail(c, kw->line, kw->col, "'%s' belongs after a 'test' line", k);
	te = c->t;
	if (te->nsteps)
		return fail(c, kw->line, kw->col, "'%s' must come before the first step", k);
	if (!strcmp(k, "title")) {
		t = cf_lex_next(lx);
		if (t->t != CT_STRING)
			return fail(c, t->line, t->col, "title \"text\"");
		snprintf(te->title, sizeof(te->title), "%s", t->s);
	} else if (!strcmp(k, "spec")) {
		t = cf_lex_next(lx);
		if (t->t != CT_WORD)
			return fail(c, t->line, t->col, "spec ID (e.g. v6LC.1.1.1)");
		snprintf(te->spec, sizeof(te->spec), "%s", t->s);
	} else if (!strcmp(k, "rfc")) {
		/* Free text up to the end of the line: "8200 §4.1, 4443 §3.4". */
		const char *p = lx->p;

		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(te->rfc, sizeof(te->rfc), "%.*s", (int)strcspn(p, "\n#"), p);
		for (size_t n = strlen(te->rfc); n && isspace((unsigned char)te->rfc[n - 1]); n--)
			te->rfc[n - 1] = 0;
		if (!te->rfc[0])
			return fail(c, kw->line, kw->col, "rfc needs text, e.g. rfc 8200 §4.1");
		lx->p += strcspn(lx->p, "\n");
		cf_lex_next(lx);
		return 0;
	} else if (!strcmp(k, "applies")) {
		te->nut = 0;
		for (;;) {
			t = cf_lex_next(lx);
			if (t->t == CT_END)
				break;
			if (word_is(t, "host"))
				te->nut |= CF_NUT_HOST;
			else if (word_is(t, "router"))
				te->nut |= CF_NUT_ROUTER;
			else
				return fail(c, t->line, t->col, "applies host|router");
		}
		if (!te->nut)
			return fail(c, kw->line, kw->col, "applies host|router");
		return 0;
	} else if (!strcmp(k, "needs")) {
		for (;;) {
			t = cf_lex_next(lx);
			if (t->t == CT_END)
				return 0;
			if (t->t != CT_WORD)
				return fail(c, t->line, t->col, "expected a feature name");
			if (te->nneeds >= 8)
				return fail(c, t->line, t->col, "at most 8 features");
			snprintf(te->needs[te->nneeds++], sizeof(te->needs[0]), "%s", t->s);
		}
	} else if (!strcmp(k, "links")) {
		te->nlinks = 0;
		for (;;) {
			int l;

			t = cf_lex_next(lx);
			if (t->t == CT_END)
				break;
			if (parse_link(c, t, &l))
				return -1;
			if (l != te->nlinks)
				return fail(c, t->line, t->col, "links must be listed in order from link0");
			te->nlinks++;
		}
		if (!te->nlinks)
			return fail(c, kw->line, kw->col, "links link0 [link1 ...]");
		return 0;
	} else {
		return fail(c, kw->line, kw->col, "unknown directive '%s'", k);
	}
	t = cf_lex_next(lx);
	if (t->t != CT_END)
		return fail(c, t->line, t->col, "unexpected %s", cf_tok_name(t->t));
	return 0;
}

static int parse_text(struct pctx *c, const char *text)
{
	const char *p = text;
	int line = 1;
	char *buf = NULL;
	size_t cap = 0;
	int rc = 0;

	while (*p && !rc) {
		const char *start = p, *q;
		int first = line;
		size_t n;

		/* Skip blank and comment-only lines. */
		q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\n' || *q == '#' || *q == 0) {
			p = q + strcspn(q, "\n");
			if (*p)
				p++;
			line++;
			continue;
		}
		if (q != p) {
			rc = fail(c, line, 1, "indented line outside a step (continuation lines follow a step)");
			break;
		}
		/* The logical line: this line and the indented ones after it. */
		p += strcspn(p, "\n");
		for (;;) {
			const char *nl = p;

			if (!*nl)
				break;
			q = nl + 1;
			if (*q != ' ' && *q != '\t') {
				/* blank line ends it; a comment at column 1 also does */
				break;
			}
			{
				const char *r = q;

				while (*r == ' ' || *r == '\t')
					r++;
				if (*r == '\n' || *r == 0)
					break;
			}
			p = q + strcspn(q, "\n");
		}
		n = (size_t)(p - start);
		if (n + 1 > cap) {
			char *nb = realloc(buf, n + 1);

			if (!nb) {
				rc = fail(c, line, 1, "out of memory");
				break;
			}
			buf = nb;
			cap = n + 1;
		}
		memcpy(buf, start, n);
		buf[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				line++;
		if (*p)
			p++;
		line++;
		{
			struct cf_lex lx;
			const struct cf_token *kw;
			bool handled;

			cf_lex_init(&lx, buf, first);
			kw = cf_lex_next(&lx);
			if (kw->t != CT_WORD) {
				rc = fail(c, kw->line, kw->col, "expected a directive or a step");
				break;
			}
			rc = parse_header(c, &lx, kw, &handled);
			if (!rc && !handled) {
				struct cf_token k = *kw;

				rc = parse_step(c, &lx, &k);
			}
		}
	}
	free(buf);
	return rc;
}

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > 4u << 20) {
				snprintf(err, errlen, "%s: file too large", path);
				free(buf);
				fclose(fp);
				return NULL;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(fp);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		size_t k = fread(buf + n, 1, 4096, fp);

		n += k;
		if (k < 4096)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[n] = 0;
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static int load_snippet(struct pctx *c, const char *name, int line, int col)
{
	char path[512], e[512];
	struct pctx sc = *c;
	char *text;
	int rc;

	if (c->depth >= 4)
		return fail(c, line, col, "snippets nested too deeply (a loop?)");
	if (strstr(name, "..") || name[0] == '/')
		return fail(c, line, col, "snippet name '%s' must be relative, without '..'", name);
	snprintf(path, sizeof(path), "%s/%s.v6t", c->snippet_dir, name);
	text = slurp(path, e, sizeof(e));
	if (!text)
		return fail(c, line, col, "init %s: %s", name, e);
	sc.path = path;
	sc.depth = c->depth + 1;
	sc.snippet = true;
	rc = parse_text(&sc, text);
	free(text);
	return rc;
}

int cf_script_parse(struct cf_suite *suite, const char *path, const char *text,
		    const char *snippet_dir, char *err, size_t errlen)
{
	struct pctx c = { .suite = suite, .path = path, .snippet_dir = snippet_dir,
			  .err = err, .errlen = errlen };
	int rc = parse_text(&c, text);

	if (!rc && suite->ntests == 0) {
		snprintf(err, errlen, "%s: no 'test' in this file", path);
		return -1;
	}
	if (!rc)
		for (int i = 0; i < suite->ntests; i++)
			if (!suite->tests[i].nsteps) {
				snprintf(err, errlen, "%s:%d: test %s has no steps", suite->tests[i].file,
					 suite->tests[i].line, suite->tests[i].id);
				return -1;
			}
	return rc;
}

int cf_script_load(struct cf_suite *suite, const char *path, const char *snippet_dir, char *err,
		   size_t errlen)
{
	char *text = slurp(path, err, errlen);
	int before = suite->ntests, rc;

	if (!text)
		return -1;
	rc = cf_script_parse(suite, path, text, snippet_dir, err, errlen);
	free(text);
	(void)before;
	return rc;
}

static void step_free(struct cf_step *s)
{
	cf_pexpr_free(&s->pkt);
	for (int i = 0; i < CF_ALTS_MAX; i++)
		cf_pexpr_free(&s->alts[i].pat);
}

void cf_suite_truncate(struct cf_suite *suite, int n)
{
	while (suite->ntests > n) {
		struct cf_test *t = &suite->tests[--suite->ntests];

		for (int k = 0; k < t->nsteps; k++)
			step_free(&t->steps[k]);
		free(t->steps);
	}
}

void cf_suite_free(struct cf_suite *suite)
{
	for (int i = 0; i < suite->ntests; i++) {
		for (int k = 0; k < suite->tests[i].nsteps; k++)
			step_free(&suite->tests[i].steps[k]);
		free(suite->tests[i].steps);
	}
	free(suite->tests);
	suite->tests = NULL;
	suite->ntests = 0;
}
