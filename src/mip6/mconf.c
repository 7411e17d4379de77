/*
 * The mip6d.conf reader: a small lexer (words, double-quoted strings, the
 * punctuation ; { } and '#' comments to the end of the line, with line
 * numbers) and a statement parser driven by a keyword table. A statement is
 * `Keyword value;`, or `Keyword "name" { statements }` for Interface and
 * MnHomeLink. Keywords of the widely used format that mean nothing here are
 * skipped whole (a balanced block for IPsecPolicySet) with a warning; any
 * other word is an error naming the file and line. Checks that need the
 * whole file (NodeConfig present, an MN's home link and interface) run at
 * the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mconf.h"

#define TOKMAX 256
#define CONF_MAX (1 << 20)	/* bytes a configuration file may have */
#define CTL_PATH_MAX 107	/* sun_path less its terminating NUL */

enum tk { TK_EOF, TK_WORD, TK_STR, TK_PUNCT };

struct tok {
	enum tk k;
	int line;
	char s[TOKMAX];	/* word or string text; the character for TK_PUNCT */
};

enum ctx { CX_TOP, CX_IFACE, CX_HOMELINK };

struct parser {
	const char *name;
	const char *p;
	int line;
	struct m6_conf *c;
	char *err;
	size_t errlen;
	int role_line, pfx_line;
	struct m6_iface *iface;		/* the Interface block being read */
	struct m6_homelink *hl;		/* the MnHomeLink block being read */
	int ha_line, hoa_line;		/* of the current MnHomeLink's statements */
};

static int fail(struct parser *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, int line, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!ps->errlen)
		return -EINVAL;
	snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name, line);
	n = strlen(ps->err);
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void warn(struct parser *ps, int line, const char *kw, const char *why)
{
	struct m6_conf *c = ps->c;

	if (c->nwarn >= sizeof(c->warn) / sizeof(c->warn[0]))
		return;
	snprintf(c->warn[c->nwarn++], sizeof(c->warn[0]), "%s:%d: %s is accepted and ignored: %s",
		 ps->name, line, kw, why);
}

/* ---- lexer ---- */

static bool is_punct(int ch)
{
	return ch == ';' || ch == '{' || ch == '}' || ch == '(' || ch == ')' || ch == ',';
}

static int lex(struct parser *ps, struct tok *t)
{
	const char *p = ps->p;
	size_t n = 0;

	for (;;) {
		if (*p == '\n') {
			ps->line++;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '#') {
			while (*p && *p != '\n')
				p++;
		} else {
			break;
		}
	}
	t->line = ps->line;
	t->s[0] = 0;
	if (!*p) {
		t->k = TK_EOF;
	} else if (is_punct((unsigned char)*p)) {
		t->k = TK_PUNCT;
		t->s[0] = *p++;
		t->s[1] = 0;
	} else if (*p == '"') {
		t->k = TK_STR;
		for (p++; *p != '"'; p++) {
			if (!*p || *p == '\n')
				return fail(ps, t->line,
					    "string not closed before the end of the line");
			if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
				return fail(ps, t->line, "control character 0x%02x in a string",
					    (unsigned char)*p);
			if (n + 1 >= TOKMAX)
				return fail(ps, t->line, "string longer than %d bytes", TOKMAX - 1);
			t->s[n++] = *p;
		}
		p++;
		t->s[n] = 0;
	} else {
		t->k = TK_WORD;
		while (*p && !is_punct((unsigned char)*p) && *p != '"' && *p != '#' &&
		       (unsigned char)*p > 0x20) {
			if ((unsigned char)*p >= 0x7f)
				return fail(ps, t->line, "unexpected byte 0x%02x",
					    (unsigned char)*p);
			if (n + 1 >= TOKMAX)
				return fail(ps, t->line, "word longer than %d bytes", TOKMAX - 1);
			t->s[n++] = *p++;
		}
		t->s[n] = 0;
		if (!n)
			return fail(ps, t->line, "unexpected byte 0x%02x", (unsigned char)*p);
	}
	ps->p = p;
	return 0;
}

/* The next token without taking it. */
static int peek(struct parser *ps, struct tok *t)
{
	const char *p = ps->p;
	int line = ps->line, rc = lex(ps, t);

	ps->p = p;
	ps->line = line;
	return rc;
}

static bool is_p(const struct tok *t, char ch)
{
	return t->k == TK_PUNCT && t->s[0] == ch;
}

static const char *tok_desc(const struct tok *t)
{
	static __thread char s[TOKMAX + 16];

	switch (t->k) {
	case TK_EOF:
		return "the end of the file";
	case TK_STR:
		snprintf(s, sizeof(s), "\"%s\"", t->s);
		return s;
	default:
		snprintf(s, sizeof(s), "'%s'", t->s);
		return s;
	}
}

/* ---- values ---- */

/* The value of kw: a word (want_str false) or a double-quoted string. */
static int value(struct parser *ps, const char *kw, int line, bool want_str, struct tok *t)
{
	int rc = lex(ps, t);

	if (rc)
		return rc;
	if (t->k == TK_EOF || t->k == TK_PUNCT)
		return fail(ps, line, "%s needs a value before %s", kw, tok_desc(t));
	if (want_str && t->k != TK_STR)
		return fail(ps, line, "%s needs a string in double quotes, not %s", kw,
			    tok_desc(t));
	if (!want_str && t->k != TK_WORD)
		return fail(ps, line, "%s takes a word, not the string %s", kw, tok_desc(t));
	return 0;
}

static int end_stmt(struct parser *ps, const char *kw, int line)
{
	struct tok t;
	int rc = lex(ps, &t);

	if (rc)
		return rc;
	if (!is_p(&t, ';'))
		return fail(ps, line, "missing ';' after %s (found %s)", kw, tok_desc(&t));
	return 0;
}

static int get_int(struct parser *ps, const char *kw, int line, const char *s, long long min,
		   long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || (*s != '-' && (*s < '0' || *s > '9')))
		return fail(ps, line, "%s needs a whole number, not '%s'", kw, s);
	if (errno == ERANGE || v < min || v > max)
		return fail(ps, line, "%s %s is out of range (%lld..%lld)", kw, s, min, max);
	*out = v;
	return 0;
}

static int get_dbl(struct parser *ps, const char *kw, int line, const char *s, double min,
		   double max, double *out)
{
	char *end;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return fail(ps, line, "%s needs a number of seconds, not '%s'", kw, s);
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		return fail(ps, line, "%s needs a number of seconds, not '%s'", kw, s);
	if (v < min || v > max)
		return fail(ps, line, "%s %s is out of range (%g..%g)", kw, s, min, max);
	*out = v;
	return 0;
}

static int get_bool(struct parser *ps, const char *kw, int line, const char *s, bool *out)
{
	if (!strcmp(s, "enabled"))
		*out = true;
	else if (!strcmp(s, "disabled"))
		*out = false;
	else
		return fail(ps, line, "%s takes enabled or disabled, not '%s'", kw, s);
	return 0;
}

static int get_ifname(struct parser *ps, const char *kw, int line, const char *s, char *out)
{
	size_t n = strlen(s);

	if (!n || n >= M6_IFNAMSIZ || strchr(s, '/') || strchr(s, ' ') || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return fail(ps, line, "%s: '%s' is not an interface name (1 to %d characters, "
				      "no '/' or space)", kw, s, M6_IFNAMSIZ - 1);
	memcpy(out, s, n + 1);
	return 0;
}

static int get_addr(struct parser *ps, const char *kw, int line, const char *s,
		    struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		return fail(ps, line, "%s: bad IPv6 address '%s'", kw, s);
	if (a->s6_addr[0] == 0xff)
		return fail(ps, line, "%s: %s is a multicast address", kw, s);
	return 0;
}

static int get_prefix(struct parser *ps, const char *kw, int line, const char *s,
		      struct in6_addr *a, int *plen)
{
	char buf[TOKMAX];
	const char *slash = strchr(s, '/');
	long long v;
	int rc;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return fail(ps, line, "%s: bad prefix '%s' (want ADDRESS/LENGTH)", kw, s);
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (inet_pton(AF_INET6, buf, a) != 1)
		return fail(ps, line, "%s: bad IPv6 address '%s' in '%s'", kw, buf, s);
	if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return fail(ps, line, "%s: bad prefix length in '%s'", kw, s);
	rc = get_int(ps, kw, line, slash + 1, 1, 128, &v);
	if (rc)
		return rc;
	if (IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a))
		return fail(ps, line, "%s: %s is not a global unicast address", kw, buf);
	*plen = (int)v;
	return 0;
}

/* ---- keywords ---- */

enum kt {
	K_ROLE, K_INT, K_U32, K_U16, K_DBL, K_BOOL, K_STR, K_IFNAME, K_IPSEC,
	K_IFACE, K_HOMELINK, K_IFPREF, K_HA_ADDR, K_HOA, K_IGNORE,
};

struct kw {
	const char *name;
	enum ctx ctx;
	enum kt type;
	size_t off;		/* field in struct m6_conf */
	double min, max;	/* numbers; string: size of the field */
	const char *why;	/* K_IGNORE: why it does not apply */
};

#define F(f) offsetof(struct m6_conf, f)
#define LIFE 262140.0	/* 65535 units of 4 seconds */

static const struct kw keywords[] = {
	{ "NodeConfig", CX_TOP, K_ROLE, 0, 0, 0, NULL },
	{ "DebugLevel", CX_TOP, K_INT, F(debug_level), 0, 10, NULL },
	{ "DebugLogFile", CX_TOP, K_STR, F(debug_log), 0, 256, NULL },
	{ "DoRouteOptimizationCN", CX_TOP, K_BOOL, F(ro_cn), 0, 0, NULL },
	{ "DoRouteOptimizationMN", CX_TOP, K_BOOL, F(ro_mn), 0, 0, NULL },
	{ "HaMaxBindingLife", CX_TOP, K_U32, F(ha_max_life), 4, LIFE, NULL },
	{ "MnMaxHaBindingLife", CX_TOP, K_U32, F(mn_max_ha_life), 4, LIFE, NULL },
	{ "MnMaxCnBindingLife", CX_TOP, K_U32, F(mn_max_cn_life), 4, 420, NULL },
	{ "MnRouterProbes", CX_TOP, K_INT, F(mn_router_probes), 0, 16, NULL },
	{ "MnRouterProbeTimeout", CX_TOP, K_DBL, F(mn_router_probe_timeout), 0.01, 60, NULL },
	{ "InitialBindackTimeoutFirstReg", CX_TOP, K_DBL,
	  F(initial_bindack_timeout_first_reg), 0.1, 32, NULL },
	{ "MnDiscardHaParamProb", CX_TOP, K_BOOL, F(mn_discard_ha_param_prob), 0, 0, NULL },
	{ "OptimisticHandoff", CX_TOP, K_BOOL, F(optimistic_handoff), 0, 0, NULL },
	{ "UseCnBuAck", CX_TOP, K_BOOL, F(use_cn_bu_ack), 0, 0, NULL },
	{ "SendMobPfxSols", CX_TOP, K_BOOL, F(send_mob_pfx_sols), 0, 0, NULL },
	{ "SendMobPfxAdvs", CX_TOP, K_BOOL, F(send_mob_pfx_advs), 0, 0, NULL },
	{ "SendUnsolMobPfxAdvs", CX_TOP, K_BOOL, F(send_unsol_mob_pfx_advs), 0, 0, NULL },
	{ "MaxMobPfxAdvInterval", CX_TOP, K_U32, F(max_mob_pfx_adv_interval), 1, 4294967295.0,
	  NULL },
	{ "MinMobPfxAdvInterval", CX_TOP, K_U32, F(min_mob_pfx_adv_interval), 1, 4294967295.0,
	  NULL },
	{ "UseMnHaIPsec", CX_TOP, K_IPSEC, F(use_mn_ha_ipsec), 0, 0, NULL },
	{ "KeyMngMobCapability", CX_TOP, K_BOOL, F(key_mng_mob_capability), 0, 0, NULL },
	{ "Interface", CX_TOP, K_IFACE, 0, 0, 0, NULL },
	{ "MnHomeLink", CX_TOP, K_HOMELINK, 0, 0, 0, NULL },
	{ "TunnelDevice", CX_TOP, K_IFNAME, F(tun_name), 0, 0, NULL },
	{ "NfQueue", CX_TOP, K_U16, F(nfqueue), 0, 65535, NULL },
	{ "ControlSocket", CX_TOP, K_STR, F(ctl_path), 0, CTL_PATH_MAX + 1, NULL },
	{ "MaxBindingCacheEntries", CX_TOP, K_U32, F(max_bindings), 1, 100000000, NULL },
	{ "MnIfPreference", CX_IFACE, K_IFPREF, 0, 1, 255, NULL },
	{ "HomeAgentAddress", CX_HOMELINK, K_HA_ADDR, 0, 0, 0, NULL },
	{ "HomeAddress", CX_HOMELINK, K_HOA, 0, 0, 0, NULL },
	/* Keywords of the format that do not apply to this daemon. */
	{ "IPsecPolicySet", CX_TOP, K_IGNORE, 0, 0, 0,
	  "ESP protection of MN-HA signalling is not built" },
	{ "BindingAclPolicy", CX_TOP, K_IGNORE, 0, 0, 0,
	  "binding access lists are not implemented" },
	{ "DefaultBindingAclPolicy", CX_TOP, K_IGNORE, 0, 0, 0,
	  "binding access lists are not implemented" },
	{ "NonVolatileBindingCache", CX_TOP, K_IGNORE, 0, 0, 0,
	  "the binding cache is not kept across restarts" },
	{ "MnUseAllInterfaces", CX_TOP, K_IGNORE, 0, 0, 0,
	  "the interfaces named by Interface are used" },
	{ "MobRtrUseExplicitMode", CX_TOP, K_IGNORE, 0, 0, 0,
	  "network mobility (mobile routers) is not implemented" },
	{ "HaAcceptMobRtr", CX_TOP, K_IGNORE, 0, 0, 0,
	  "network mobility (mobile routers) is not implemented" },
	{ "HaServedPrefix", CX_TOP, K_IGNORE, 0, 0, 0,
	  "network mobility (mobile routers) is not implemented" },
	{ "MnRoPolicy", CX_TOP, K_IGNORE, 0, 0, 0,
	  "route optimisation follows DoRouteOptimizationMN" },
	{ "MnRoPolicy", CX_HOMELINK, K_IGNORE, 0, 0, 0,
	  "route optimisation follows DoRouteOptimizationMN" },
	{ "CnBindingPolicySet", CX_TOP, K_IGNORE, 0, 0, 0,
	  "route optimisation follows DoRouteOptimizationCN" },
};

static const struct kw *kw_find(const char *s, enum ctx ctx, bool *elsewhere, const char **near)
{
	*elsewhere = false;
	*near = NULL;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		const struct kw *k = &keywords[i];

		if (!strcmp(k->name, s)) {
			if (k->ctx == ctx)
				return k;
			*elsewhere = true;
		} else if (!strcasecmp(k->name, s)) {
			*near = k->name;
		}
	}
	return NULL;
}

/* Skips the rest of an ignored statement: to its ';', or over one
 * balanced { } block (and a ';' after it). */
static int skip_stmt(struct parser *ps, const char *kw, int line)
{
	struct tok t;
	int depth = 0, rc, open_line = line;

	for (;;) {
		rc = lex(ps, &t);
		if (rc)
			return rc;
		if (t.k == TK_EOF) {
			if (depth)
				return fail(ps, open_line, "unbalanced braces: the %s block is not "
					    "closed by the end of the file", kw);
			return fail(ps, line, "missing ';' after %s", kw);
		}
		if (is_p(&t, '{')) {
			if (!depth)
				open_line = t.line;
			depth++;
		} else if (is_p(&t, '}')) {
			if (!depth)
				return fail(ps, line, "missing ';' after %s (found '}')", kw);
			if (--depth == 0) {
				rc = peek(ps, &t);
				if (!rc && is_p(&t, ';'))
					rc = lex(ps, &t);
				return rc;
			}
		} else if (is_p(&t, ';') && !depth) {
			return 0;
		}
	}
}

static int parse_block(struct parser *ps, enum ctx ctx, const char *what, int open_line);

/* After a block's name: ';' or a block, which may be followed by ';'. */
static int maybe_block(struct parser *ps, enum ctx ctx, const char *kw, const char *name,
		       int line, bool required)
{
	struct tok t;
	int rc = lex(ps, &t);

	if (rc)
		return rc;
	if (is_p(&t, ';') && !required)
		return 0;
	if (!is_p(&t, '{')) {
		if (required)
			return fail(ps, line, "%s \"%s\" needs a block in braces, found %s", kw,
				    name, tok_desc(&t));
		return fail(ps, line, "missing ';' after %s \"%s\" (found %s)", kw, name,
			    tok_desc(&t));
	}
	rc = parse_block(ps, ctx, kw, t.line);
	if (rc)
		return rc;
	rc = peek(ps, &t);
	if (!rc && is_p(&t, ';'))
		rc = lex(ps, &t);
	return rc;
}

static int kw_iface(struct parser *ps, const struct kw *k, int line)
{
	struct m6_conf *c = ps->c;
	struct m6_iface *f;
	struct tok t;
	int rc = value(ps, k->name, line, true, &t);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->nifaces; i++)
		if (!strcmp(c->ifaces[i].name, t.s))
			return fail(ps, line, "duplicate Interface \"%s\" (first on line %d)", t.s,
				    c->ifaces[i].line);
	if (c->nifaces >= M6_MAX_IFACES)
		return fail(ps, line, "more than %d Interface statements", M6_MAX_IFACES);
	f = &c->ifaces[c->nifaces];
	memset(f, 0, sizeof(*f));
	rc = get_ifname(ps, k->name, line, t.s, f->name);
	if (rc)
		return rc;
	f->preference = 5;
	f->line = line;
	c->nifaces++;
	ps->iface = f;
	rc = maybe_block(ps, CX_IFACE, k->name, f->name, line, false);
	ps->iface = NULL;
	return rc;
}

static int kw_homelink(struct parser *ps, const struct kw *k, int line)
{
	struct m6_conf *c = ps->c;
	struct m6_homelink *h;
	struct tok t;
	int rc = value(ps, k->name, line, true, &t);

	if (rc)
		return rc;
	for (size_t i = 0; i < c->nhomelinks; i++)
		if (!strcmp(c->homelinks[i].ifname, t.s))
			return fail(ps, line, "duplicate MnHomeLink \"%s\" (first on line %d)",
				    t.s, c->homelinks[i].line);
	if (c->nhomelinks >= M6_MAX_HOMELINKS)
		return fail(ps, line, "more than %d MnHomeLink blocks", M6_MAX_HOMELINKS);
	h = &c->homelinks[c->nhomelinks];
	memset(h, 0, sizeof(*h));
	rc = get_ifname(ps, k->name, line, t.s, h->ifname);
	if (rc)
		return rc;
	h->line = line;
	c->nhomelinks++;
	ps->hl = h;
	ps->ha_line = ps->hoa_line = 0;
	rc = maybe_block(ps, CX_HOMELINK, k->name, h->ifname, line, true);
	ps->hl = NULL;
	return rc;
}

static int kw_value(struct parser *ps, const struct kw *k, int line)
{
	struct m6_conf *c = ps->c;
	void *field = (char *)c + k->off;
	struct tok t;
	long long v = 0;
	double d = 0;
	bool b = false;
	int rc;

	rc = value(ps, k->name, line, k->type == K_STR || k->type == K_IFNAME, &t);
	if (rc)
		return rc;
	switch (k->type) {
	case K_ROLE:
		if (ps->role_line)
			return fail(ps, line, "NodeConfig given twice (first on line %d)",
				    ps->role_line);
		if (!strcmp(t.s, "CN"))
			c->role = M6_ROLE_CN;
		else if (!strcmp(t.s, "HA"))
			c->role = M6_ROLE_HA;
		else if (!strcmp(t.s, "MN"))
			c->role = M6_ROLE_MN;
		else
			return fail(ps, line, "NodeConfig takes CN, HA or MN, not '%s'", t.s);
		ps->role_line = line;
		break;
	case K_INT:
	case K_U32:
	case K_U16:
		rc = get_int(ps, k->name, line, t.s, (long long)k->min, (long long)k->max, &v);
		if (rc)
			return rc;
		if (k->type == K_INT)
			*(int *)field = (int)v;
		else if (k->type == K_U32)
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint16_t *)field = (uint16_t)v;
		if (k->off == F(min_mob_pfx_adv_interval) || k->off == F(max_mob_pfx_adv_interval))
			ps->pfx_line = line;
		break;
	case K_DBL:
		rc = get_dbl(ps, k->name, line, t.s, k->min, k->max, &d);
		if (rc)
			return rc;
		*(double *)field = d;
		break;
	case K_BOOL:
	case K_IPSEC:
		rc = get_bool(ps, k->name, line, t.s, &b);
		if (rc)
			return rc;
		if (k->type == K_IPSEC && b)
			return fail(ps, line, "UseMnHaIPsec enabled: ESP protection of MN-HA "
				    "signalling is not built (write UseMnHaIPsec disabled)");
		*(bool *)field = b;
		break;
	case K_STR:
		if (!t.s[0])
			return fail(ps, line, "%s needs a non-empty string", k->name);
		if (strlen(t.s) >= (size_t)k->max)
			return fail(ps, line, "%s: \"%s\" is longer than %d bytes", k->name, t.s,
				    (int)k->max - 1);
		memcpy(field, t.s, strlen(t.s) + 1);
		break;
	case K_IFNAME:
		rc = get_ifname(ps, k->name, line, t.s, field);
		if (rc)
			return rc;
		break;
	case K_IFPREF:
		rc = get_int(ps, k->name, line, t.s, (long long)k->min, (long long)k->max, &v);
		if (rc)
			return rc;
		ps->iface->preference = (int)v;
		break;
	case K_HA_ADDR:
		if (ps->ha_line)
			return fail(ps, line, "HomeAgentAddress given twice in MnHomeLink \"%s\" "
				    "(first on line %d)", ps->hl->ifname, ps->ha_line);
		rc = get_addr(ps, k->name, line, t.s, &ps->hl->ha);
		if (rc)
			return rc;
		ps->ha_line = line;
		break;
	case K_HOA:
		if (ps->hoa_line)
			return fail(ps, line, "HomeAddress given twice in MnHomeLink \"%s\" "
				    "(first on line %d)", ps->hl->ifname, ps->hoa_line);
		rc = get_prefix(ps, k->name, line, t.s, &ps->hl->hoa, &ps->hl->plen);
		if (rc)
			return rc;
		ps->hoa_line = line;
		break;
	default:
		return fail(ps, line, "internal error: keyword %s", k->name);
	}
	return end_stmt(ps, k->name, line);
}

static int parse_block(struct parser *ps, enum ctx ctx, const char *what, int open_line)
{
	const struct kw *k;
	const char *near;
	bool elsewhere;
	struct tok t;
	int rc;

	for (;;) {
		rc = lex(ps, &t);
		if (rc)
			return rc;
		if (t.k == TK_EOF) {
			if (ctx != CX_TOP)
				return fail(ps, open_line, "unbalanced braces: the %s block is not "
					    "closed by the end of the file", what);
			return 0;
		}
		if (is_p(&t, '}')) {
			if (ctx == CX_TOP)
				return fail(ps, t.line, "unbalanced braces: '}' without a '{'");
			return 0;
		}
		if (t.k != TK_WORD)
			return fail(ps, t.line, "expected a keyword, found %s", tok_desc(&t));
		k = kw_find(t.s, ctx, &elsewhere, &near);
		if (!k) {
			if (elsewhere && ctx == CX_TOP)
				return fail(ps, t.line, "'%s' belongs inside an %s block", t.s,
					    !strcmp(t.s, "MnIfPreference") ? "Interface"
									   : "MnHomeLink");
			if (elsewhere)
				return fail(ps, t.line, "'%s' does not belong inside an %s block",
					    t.s, what);
			if (near)
				return fail(ps, t.line, "unknown keyword '%s' (did you mean '%s'?)",
					    t.s, near);
			return fail(ps, t.line, "unknown keyword '%s'", t.s);
		}
		switch (k->type) {
		case K_IGNORE:
			warn(ps, t.line, k->name, k->why);
			rc = skip_stmt(ps, k->name, t.line);
			break;
		case K_IFACE:
			rc = kw_iface(ps, k, t.line);
			break;
		case K_HOMELINK:
			rc = kw_homelink(ps, k, t.line);
			break;
		default:
			rc = kw_value(ps, k, t.line);
			break;
		}
		if (rc)
			return rc;
	}
}

void m6_conf_defaults(struct m6_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ro_cn = true;
	c->ro_mn = true;
	c->ha_max_life = 262140;
	c->mn_max_ha_life = 262140;
	c->mn_max_cn_life = 420;
	c->max_bindings = 1000000;
	c->mn_router_probes = 1;
	c->mn_router_probe_timeout = 1.0;
	c->initial_bindack_timeout_first_reg = 1.5;
	c->send_mob_pfx_sols = true;
	c->send_mob_pfx_advs = true;
	c->send_unsol_mob_pfx_advs = true;
	c->max_mob_pfx_adv_interval = 86400;
	c->min_mob_pfx_adv_interval = 600;
	snprintf(c->tun_name, sizeof(c->tun_name), "mip6tun");
	c->nfqueue = 135;
	snprintf(c->ctl_path, sizeof(c->ctl_path), "%s", M6_CTL_PATH);
}

int m6_conf_parse(const char *name, const char *text, struct m6_conf *c, char *err, size_t errlen)
{
	struct parser ps = {
		.name = name, .p = text, .line = 1, .c = c, .err = err, .errlen = errlen,
	};
	int rc;

	if (errlen)
		err[0] = 0;
	m6_conf_defaults(c);
	snprintf(c->file, sizeof(c->file), "%s", name);
	rc = parse_block(&ps, CX_TOP, "file", 0);
	if (rc)
		return rc;

	if (c->role == M6_ROLE_NONE) {
		size_t n = strlen(text);
		/* The last line of the file, not the empty one after its newline. */
		int last = n && text[n - 1] == '\n' && ps.line > 1 ? ps.line - 1 : ps.line;

		return fail(&ps, last, "NodeConfig is missing (CN, HA or MN)");
	}
	if (c->min_mob_pfx_adv_interval > c->max_mob_pfx_adv_interval)
		return fail(&ps, ps.pfx_line, "MinMobPfxAdvInterval %u is above "
			    "MaxMobPfxAdvInterval %u", c->min_mob_pfx_adv_interval,
			    c->max_mob_pfx_adv_interval);
	if (c->role == M6_ROLE_MN) {
		if (!c->nhomelinks)
			return fail(&ps, ps.role_line, "NodeConfig MN needs an MnHomeLink block "
				    "with a HomeAddress");
		for (size_t i = 0; i < c->nhomelinks; i++)
			if (!c->homelinks[i].plen)
				return fail(&ps, c->homelinks[i].line, "MnHomeLink \"%s\" has no "
					    "HomeAddress", c->homelinks[i].ifname);
		if (!c->nifaces)
			return fail(&ps, ps.role_line, "NodeConfig MN needs at least one "
				    "Interface");
	}
	return 0;
}

int m6_conf_load(const char *path, struct m6_conf *c, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX) {
		rc = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, CONF_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (!r)
			break;
		got += (size_t)r;
	}
	text[got] = 0;
	if (strlen(text) != got) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		goto out;
	}
	rc = m6_conf_parse(path, text, c, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}
