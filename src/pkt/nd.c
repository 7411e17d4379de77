/*
 * Neighbor Discovery (RFC 4861): Router Solicitation and Advertisement,
 * Neighbor Solicitation and Advertisement, Redirect, and the ND option family
 * they carry, with the options and flags later RFCs added (RFC 4191 router
 * preference and Route Information, RFC 6275 home agent flags, Advertisement
 * Interval and Home Agent Information, RFC 8106 RDNSS). The messages are
 * ICMPv6 messages reached through the ICMPv6 type dispatch; options are TLVs
 * whose length counts units of 8 octets, type and length included.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "field.h"
#include "icmp6.h"
#include "tlv.h"

#define NDOPT_HEAD(t)                                                          \
	{ "type", PKT_FT_UINT, 0, 0, 8, (t) },                                 \
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 }

/* Summary text that keeps counting past a full buffer, as snprintf does. */
struct sumbuf {
	char *p;
	size_t n;
	size_t w;
};

static void sum_add(struct sumbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sum_add(struct sumbuf *s, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	if (s->w < s->n)
		k = vsnprintf(s->p + s->w, s->n - s->w, fmt, ap);
	else
		k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		s->w += (size_t)k;
}

static void sum_field(struct sumbuf *s, const struct pkt_dec *d, int idx, const char *name)
{
	char buf[64];
	struct pkt_val v;

	if (pkt_field_get_name(d, idx, name, &v)) {
		sum_add(s, "?");
		return;
	}
	pkt_val_fmt(NULL, &v, buf, sizeof(buf));
	sum_add(s, "%s", buf);
}

/* ---- options ---- */

static int ndopt_fix(struct pkt_build *b, int idx)
{
	uint32_t units = (b->view.l[idx].len + 7) / 8;

	if (units > 255 && !pkt_build_isset(b, idx, "len"))
		return -EMSGSIZE;
	return pkt_build_auto_u(b, idx, "len", units);
}

static int ndopt_summary_lladdr(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };

	sum_add(&s, "%s ", pkt_field_u(d, idx, "type", 0) == 1 ? "slla" : "tlla");
	sum_field(&s, d, idx, "lladdr");
	return (int)s.w;
}

static const struct pkt_fdesc slla_fields[] = {
	NDOPT_HEAD(1),
	{ "lladdr", PKT_FT_MAC, 0, 16, 48, 0 },
};

static const struct pkt_fdesc tlla_fields[] = {
	NDOPT_HEAD(2),
	{ "lladdr", PKT_FT_MAC, 0, 16, 48, 0 },
};

/* Link-layer addresses other than 6 bytes (RFC 4861 §4.6.1 leaves their
 * size to each link type): the address and its padding as bytes. */
static const struct pkt_fdesc slla_bytes_fields[] = {
	NDOPT_HEAD(1),
	{ "lladdr", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc tlla_bytes_fields[] = {
	NDOPT_HEAD(2),
	{ "lladdr", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_proto ndopt_slla = {
	PKT_OPT_PROTO("ndopt.slla", "Source Link-Layer Address", 8, slla_fields),
	.fix = ndopt_fix, .summary = ndopt_summary_lladdr,
};

static const struct pkt_proto ndopt_tlla = {
	PKT_OPT_PROTO("ndopt.tlla", "Target Link-Layer Address", 8, tlla_fields),
	.fix = ndopt_fix, .summary = ndopt_summary_lladdr,
};

static const struct pkt_proto ndopt_slla_bytes = {
	PKT_OPT_PROTO("ndopt.slla_bytes", "Source Link-Layer Address (not 6 bytes)", 2,
		      slla_bytes_fields),
	.fix = ndopt_fix, .summary = ndopt_summary_lladdr,
};

static const struct pkt_proto ndopt_tlla_bytes = {
	PKT_OPT_PROTO("ndopt.tlla_bytes", "Target Link-Layer Address (not 6 bytes)", 2,
		      tlla_bytes_fields),
	.fix = ndopt_fix, .summary = ndopt_summary_lladdr,
};

static const struct pkt_fdesc prefix_fields[] = {
	NDOPT_HEAD(3),
	{ "plen", PKT_FT_UINT, 0, 16, 8, 0 },
	{ "l", PKT_FT_UINT, 0, 24, 1, 0 },
	{ "a", PKT_FT_UINT, 0, 25, 1, 0 },
	{ "r", PKT_FT_UINT, 0, 26, 1, 0 }, /* router address, RFC 6275 §7.2 */
	{ "reserved1", PKT_FT_UINT, 0, 27, 5, 0 },
	{ "valid", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "preferred", PKT_FT_UINT, 0, 64, 32, 0 },
	{ "reserved2", PKT_FT_UINT, 0, 96, 32, 0 },
	{ "prefix", PKT_FT_IP6, 0, 128, 128, 0 },
};

static int ndopt_prefix_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			      struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 32) {
		nx->why = "ND prefix information option shorter than 32 bytes";
		return -1;
	}
	return 0;
}

static int ndopt_prefix_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };

	sum_add(&s, "prefix ");
	sum_field(&s, d, idx, "prefix");
	sum_add(&s, "/%llu", (unsigned long long)pkt_field_u(d, idx, "plen", 0));
	return (int)s.w;
}

static const struct pkt_proto ndopt_prefix = {
	PKT_OPT_PROTO("ndopt.prefix", "Prefix Information", 32, prefix_fields),
	.parse = ndopt_prefix_parse, .fix = ndopt_fix, .summary = ndopt_prefix_summary,
};

static const struct pkt_fdesc redirected_fields[] = {
	NDOPT_HEAD(4),
	{ "reserved", PKT_FT_UINT, 0, 16, 48, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

static int ndopt_redirected_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	uint32_t len = d->l[idx].len;

	return snprintf(out, n, "redirected %u bytes", len > 8 ? len - 8 : 0);
}

static const struct pkt_proto ndopt_redirected = {
	PKT_OPT_PROTO("ndopt.redirected", "Redirected Header", 8, redirected_fields),
	.fix = ndopt_fix, .summary = ndopt_redirected_summary,
};

static const struct pkt_fdesc mtu_fields[] = {
	NDOPT_HEAD(5),
	{ "reserved", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "mtu", PKT_FT_UINT, 0, 32, 32, 0 },
};

static int ndopt_mtu_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "mtu %llu", (unsigned long long)pkt_field_u(d, idx, "mtu", 0));
}

static const struct pkt_proto ndopt_mtu = {
	PKT_OPT_PROTO("ndopt.mtu", "MTU", 8, mtu_fields),
	.fix = ndopt_fix, .summary = ndopt_mtu_summary,
};

static const struct pkt_fdesc adv_interval_fields[] = {
	NDOPT_HEAD(7),
	{ "reserved", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "interval", PKT_FT_UINT, 0, 32, 32, 0 }, /* milliseconds */
};

static int ndopt_adv_interval_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "adv_interval %llu",
			(unsigned long long)pkt_field_u(d, idx, "interval", 0));
}

static const struct pkt_proto ndopt_adv_interval = {
	PKT_OPT_PROTO("ndopt.adv_interval", "Advertisement Interval", 8, adv_interval_fields),
	.fix = ndopt_fix, .summary = ndopt_adv_interval_summary,
};

static const struct pkt_fdesc hai_fields[] = {
	NDOPT_HEAD(8),
	{ "reserved", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "preference", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 48, 16, 0 },
};

static int ndopt_hai_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "hai preference %llu lifetime %llu",
			(unsigned long long)pkt_field_u(d, idx, "preference", 0),
			(unsigned long long)pkt_field_u(d, idx, "lifetime", 0));
}

static const struct pkt_proto ndopt_hai = {
	PKT_OPT_PROTO("ndopt.hai", "Home Agent Information", 8, hai_fields),
	.fix = ndopt_fix, .summary = ndopt_hai_summary,
};

/*
 * Route Information (RFC 4191 §2.3). The prefix takes 0, 8 or 16 bytes
 * (Length 1, 2 or 3). The descriptor describes the full 16-byte form, which
 * is what the encoder writes; shorter options decode with the same
 * descriptor and simply lack the "prefix" field.
 */
static const struct pkt_fdesc route_info_fields[] = {
	NDOPT_HEAD(24),
	{ "plen", PKT_FT_UINT, 0, 16, 8, 0 },
	{ "reserved1", PKT_FT_UINT, 0, 24, 3, 0 },
	{ "prf", PKT_FT_UINT, 0, 27, 2, 0 },
	{ "reserved2", PKT_FT_UINT, 0, 29, 3, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "prefix", PKT_FT_IP6, 0, 64, 128, 0 },
};

static int ndopt_route_info_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
				  struct pkt_next *nx)
{
	uint8_t len, plen;

	(void)d;
	(void)idx;
	if (pkt_cur_peek(c, 1, &len) || pkt_cur_peek(c, 2, &plen)) {
		nx->why = "ND route information option truncated";
		return -1;
	}
	if (len > 3) {
		nx->why = "ND route information option length above 3";
		return -1;
	}
	if (plen > 128) {
		nx->why = "ND route information prefix length above 128";
		return -1;
	}
	/* Prefixes longer than 64 bits need Length 3, any other non-zero one
	 * at least Length 2. */
	if ((plen > 64 && len < 3) || (plen > 0 && len < 2)) {
		nx->why = "ND route information option length too small for its prefix length";
		return -1;
	}
	return 0;
}

static int ndopt_route_info_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	const struct pkt_layer *l = &d->l[idx];
	struct pkt_val v = { .type = PKT_FT_IP6 };
	uint32_t have = l->len > 8 ? l->len - 8 : 0;
	char buf[64];

	if (have > 16)
		have = 16;
	if (l->off + 8 + have <= d->len && have)
		memcpy(v.a, d->buf + l->off + 8, have);
	pkt_val_fmt(NULL, &v, buf, sizeof(buf));
	return snprintf(out, n, "route %s/%llu", buf,
			(unsigned long long)pkt_field_u(d, idx, "plen", 0));
}

static const struct pkt_proto ndopt_route_info = {
	PKT_OPT_PROTO("ndopt.route_info", "Route Information", 24, route_info_fields),
	.parse = ndopt_route_info_parse, .fix = ndopt_fix,
	.summary = ndopt_route_info_summary,
};

static const struct pkt_fdesc rdnss_fields[] = {
	NDOPT_HEAD(25),
	{ "reserved", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "addrs", PKT_FT_IP6LIST, PKT_FF_TAIL, 64, 0, 0 },
};

static int ndopt_rdnss_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			     struct pkt_next *nx)
{
	uint8_t len;

	(void)d;
	(void)idx;
	if (pkt_cur_peek(c, 1, &len) || len < 3 || len % 2 == 0) {
		nx->why = "ND RDNSS option length must be odd and at least 3";
		return -1;
	}
	return 0;
}

static int ndopt_rdnss_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };
	char buf[64];
	struct pkt_val v;

	sum_add(&s, "rdnss");
	if (pkt_field_get_name(d, idx, "addrs", &v))
		return (int)s.w;
	for (uint32_t i = 0; i + 16 <= v.n; i += 16) {
		struct pkt_val one = { .type = PKT_FT_IP6 };

		memcpy(one.a, v.p + i, 16);
		pkt_val_fmt(NULL, &one, buf, sizeof(buf));
		sum_add(&s, "%s%s", i ? "," : " ", buf);
	}
	return (int)s.w;
}

static const struct pkt_proto ndopt_rdnss = {
	PKT_OPT_PROTO("ndopt.rdnss", "Recursive DNS Server", 8, rdnss_fields),
	.parse = ndopt_rdnss_parse, .fix = ndopt_fix, .summary = ndopt_rdnss_summary,
};

static const struct pkt_fdesc ndopt_fields[] = {
	NDOPT_HEAD(0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static int ndopt_generic_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "opt %llu", (unsigned long long)pkt_field_u(d, idx, "type", 0));
}

static const struct pkt_proto ndopt_generic = {
	PKT_OPT_PROTO("ndopt", "ND option", 2, ndopt_fields),
	.fix = ndopt_fix, .summary = ndopt_generic_summary,
};

/* The length counts 8-octet units, type and length included; a zero length
 * makes the whole packet invalid (RFC 4861 §4.6). */
static const struct pkt_tlv_fmt ndopt_tlv = {
	.head = 2, .incl_head = 1, .min = 8, .len = { PKT_TLV_LEN8(1, 8) },
	.why_short = "ND option truncated before its length",
	.why_min = "ND option length 0",
	.why_long = "ND option length exceeds the message",
};

static int ndopt_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &ndopt_tlv, why);
}

static const struct pkt_proto *ndopt_lookup(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 1:
		return n == 8 ? &ndopt_slla : &ndopt_slla_bytes;
	case 2:
		return n == 8 ? &ndopt_tlla : &ndopt_tlla_bytes;
	case 3:
		return &ndopt_prefix;
	case 4:
		return &ndopt_redirected;
	case 5:
		return &ndopt_mtu;
	case 7:
		return &ndopt_adv_interval;
	case 8:
		return &ndopt_hai;
	case 24:
		return &ndopt_route_info;
	case 25:
		return &ndopt_rdnss;
	default:
		return &ndopt_generic;
	}
}

/* Options are whole multiples of 8 octets: the area needs no padding. */
const struct pkt_optfam pkt_ndopt_family = {
	.name = "ndopt",
	.optlen = ndopt_len,
	.lookup = ndopt_lookup,
	.align = 0,
	.optunit = 8,
};

/* ---- messages ---- */

/*
 * Length of the options in [p, p + n) that are present in full. Used only
 * inside a quoted packet, where the message may be cut mid-option; a zero
 * length is never a cut, so the whole area is returned for the decoder to
 * reject.
 */
static size_t nd_opts_whole(const uint8_t *p, size_t n)
{
	struct pkt_cur c;
	const char *why;
	int olen;

	pkt_cur_init(&c, p, n);
	while (pkt_cur_left(&c) > 0) {
		olen = pkt_tlv_len(&c, &ndopt_tlv, &why);
		if (olen == -EINVAL)
			return n;
		if (olen < 0)
			break;
		pkt_cur_skip(&c, (size_t)olen);
	}
	return n - pkt_cur_left(&c);
}

/* Every ND message: fixed part, then options to the end of the message. */
static int nd_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx,
		    const char *short_why)
{
	size_t fixed = d->l[idx].proto->min_len;
	size_t left = pkt_cur_left(c), opts;

	if (left < fixed) {
		nx->why = short_why;
		return -1;
	}
	opts = left - fixed;
	if (opts > 0xffff) {
		nx->why = "ND message too long for its option area";
		return -1;
	}
	nx->len = (uint32_t)left;
	nx->optoff = (uint16_t)fixed;
	nx->optlen = (uint16_t)opts;
	if (d->partial) {
		size_t whole = nd_opts_whole(c->p + fixed, opts);

		if (whole < opts) {
			nx->optlen = (uint16_t)whole;
			nx->truncated = 1;
		}
	}
	return 0;
}

/* Appends " [opt, opt]" for the options of message idx. */
static void nd_sum_opts(struct sumbuf *s, const struct pkt_dec *d, int idx)
{
	char buf[256];
	int first = 1;

	for (int i = idx + 1; i < d->n && d->l[i].depth == 1; i++) {
		const struct pkt_proto *p = d->l[i].proto;

		if (p->summary)
			p->summary(d, i, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", p->name);
		sum_add(s, "%s%s", first ? " [" : ", ", buf);
		first = 0;
	}
	if (!first)
		sum_add(s, "]");
}

static const struct pkt_fdesc rs_fields[] = {
	PKT_ICMP6_HEAD(133),
	{ "reserved", PKT_FT_UINT, 0, 32, 32, 0 },
};

static int rs_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	return nd_parse(d, idx, c, nx, "Router Solicitation truncated");
}

static int rs_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };

	sum_add(&s, "icmpv6.rs");
	nd_sum_opts(&s, d, idx);
	return (int)s.w;
}

static const struct pkt_proto nd_rs = {
	PKT_HDR_PROTO("icmpv6.rs", "Router Solicitation", PKT_ICMP6_PROTO, 8, rs_fields),
	.opts = &pkt_ndopt_family, .parse = rs_parse, .csum = pkt_icmp6_csum,
	.summary = rs_summary,
};

static const struct pkt_fdesc ra_fields[] = {
	PKT_ICMP6_HEAD(134),
	{ "chl", PKT_FT_UINT, 0, 32, 8, 0 },
	{ "m", PKT_FT_UINT, 0, 40, 1, 0 },
	{ "o", PKT_FT_UINT, 0, 41, 1, 0 },
	{ "h", PKT_FT_UINT, 0, 42, 1, 0 },   /* home agent, RFC 6275 §7.1 */
	{ "prf", PKT_FT_UINT, 0, 43, 2, 0 }, /* router preference, RFC 4191 */
	{ "p", PKT_FT_UINT, 0, 45, 1, 0 },   /* proxy, RFC 4389 */
	{ "reserved", PKT_FT_UINT, 0, 46, 2, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "reachable", PKT_FT_UINT, 0, 64, 32, 0 },
	{ "retrans", PKT_FT_UINT, 0, 96, 32, 0 },
};

static int ra_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	return nd_parse(d, idx, c, nx, "Router Advertisement truncated");
}

static int ra_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	static const char *const prf[] = { "medium", "high", "reserved", "low" };
	static const char *const flag[] = { "m", "o", "h", "p" };
	static const char letter[] = "MOHP";
	struct sumbuf s = { out, n, 0 };
	int any = 0;

	sum_add(&s, "icmpv6.ra lifetime %llu",
		(unsigned long long)pkt_field_u(d, idx, "lifetime", 0));
	for (size_t i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
		if (!pkt_field_u(d, idx, flag[i], 0))
			continue;
		sum_add(&s, "%s%c", any ? "" : " flags ", letter[i]);
		any = 1;
	}
	if (pkt_field_u(d, idx, "prf", 0))
		sum_add(&s, " prf %s", prf[pkt_field_u(d, idx, "prf", 0) & 3]);
	nd_sum_opts(&s, d, idx);
	return (int)s.w;
}

static const struct pkt_proto nd_ra = {
	PKT_HDR_PROTO("icmpv6.ra", "Router Advertisement", PKT_ICMP6_PROTO, 16, ra_fields),
	.opts = &pkt_ndopt_family, .parse = ra_parse, .csum = pkt_icmp6_csum,
	.summary = ra_summary,
};

static const struct pkt_fdesc ns_fields[] = {
	PKT_ICMP6_HEAD(135),
	{ "reserved", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "target", PKT_FT_IP6, 0, 64, 128, 0 },
};

static int ns_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	return nd_parse(d, idx, c, nx, "Neighbor Solicitation truncated");
}

static int ns_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };

	sum_add(&s, "icmpv6.ns who-has ");
	sum_field(&s, d, idx, "target");
	nd_sum_opts(&s, d, idx);
	return (int)s.w;
}

static const struct pkt_proto nd_ns = {
	PKT_HDR_PROTO("icmpv6.ns", "Neighbor Solicitation", PKT_ICMP6_PROTO, 24, ns_fields),
	.opts = &pkt_ndopt_family, .parse = ns_parse, .csum = pkt_icmp6_csum,
	.summary = ns_summary,
};

static const struct pkt_fdesc na_fields[] = {
	PKT_ICMP6_HEAD(136),
	{ "r", PKT_FT_UINT, 0, 32, 1, 0 },
	{ "s", PKT_FT_UINT, 0, 33, 1, 0 },
	{ "o", PKT_FT_UINT, 0, 34, 1, 0 },
	{ "reserved", PKT_FT_UINT, 0, 35, 29, 0 },
	{ "target", PKT_FT_IP6, 0, 64, 128, 0 },
};

static int na_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	return nd_parse(d, idx, c, nx, "Neighbor Advertisement truncated");
}

static int na_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	static const char *const flag[] = { "r", "s", "o" };
	static const char letter[] = "RSO";
	struct sumbuf s = { out, n, 0 };
	int any = 0;

	sum_add(&s, "icmpv6.na tgt ");
	sum_field(&s, d, idx, "target");
	for (size_t i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
		if (!pkt_field_u(d, idx, flag[i], 0))
			continue;
		sum_add(&s, "%s%c", any ? "" : " flags ", letter[i]);
		any = 1;
	}
	nd_sum_opts(&s, d, idx);
	return (int)s.w;
}

static const struct pkt_proto nd_na = {
	PKT_HDR_PROTO("icmpv6.na", "Neighbor Advertisement", PKT_ICMP6_PROTO, 24, na_fields),
	.opts = &pkt_ndopt_family, .parse = na_parse, .csum = pkt_icmp6_csum,
	.summary = na_summary,
};

static const struct pkt_fdesc redirect_fields[] = {
	PKT_ICMP6_HEAD(137),
	{ "reserved", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "target", PKT_FT_IP6, 0, 64, 128, 0 },
	{ "dst", PKT_FT_IP6, 0, 192, 128, 0 },
};

static int redirect_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			  struct pkt_next *nx)
{
	return nd_parse(d, idx, c, nx, "Redirect truncated");
}

static int redirect_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct sumbuf s = { out, n, 0 };

	sum_add(&s, "icmpv6.redirect ");
	sum_field(&s, d, idx, "dst");
	sum_add(&s, " to ");
	sum_field(&s, d, idx, "target");
	nd_sum_opts(&s, d, idx);
	return (int)s.w;
}

static const struct pkt_proto nd_redirect = {
	PKT_HDR_PROTO("icmpv6.redirect", "Redirect", PKT_ICMP6_PROTO, 40, redirect_fields),
	.opts = &pkt_ndopt_family, .parse = redirect_parse, .csum = pkt_icmp6_csum,
	.summary = redirect_summary,
};

const struct pkt_proto *const pkt_mod_nd[] = {
	&nd_rs,
	&nd_ra,
	&nd_ns,
	&nd_na,
	&nd_redirect,
	&ndopt_slla,
	&ndopt_tlla,
	&ndopt_slla_bytes,
	&ndopt_tlla_bytes,
	&ndopt_prefix,
	&ndopt_redirected,
	&ndopt_mtu,
	&ndopt_adv_interval,
	&ndopt_hai,
	&ndopt_route_info,
	&ndopt_rdnss,
	&ndopt_generic,
	NULL,
};
