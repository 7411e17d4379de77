/*
 * The two IPv6 extension headers that carry options (RFC 8200 §4.3, §4.6):
 * Hop-by-Hop Options and Destination Options, and their option family
 * (RFC 8200 §4.2). An option is a type byte, a length byte counting the data
 * only, and the data; Pad1 alone is a single zero byte. Known options: Pad1,
 * PadN, Router Alert (RFC 2711), Jumbo Payload (RFC 2675) and Home Address
 * (RFC 6275 §6.3); any other type, or a known one with the wrong length,
 * decodes as the generic option, which shows the action and change bits.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"
#include "tlv.h"

/* ---- options ---- */

static const struct pkt_fdesc ip6opt_pad1_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
};

static const struct pkt_fdesc ip6opt_padn_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 1 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc ip6opt_ra_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 5 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 2 },
	{ "value", PKT_FT_UINT, 0, 16, 16, 0 },
};

static const struct pkt_fdesc ip6opt_jumbo_fields[] = {
	{ "type", PKT_FT_UINT, PKT_FF_HEX, 0, 8, 0xc2 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 4 },
	{ "plen", PKT_FT_UINT, 0, 16, 32, 0 },
};

static const struct pkt_fdesc ip6opt_hao_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 201 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 16 },
	{ "hoa", PKT_FT_IP6, 0, 16, 128, 0 },
};

/* "type" spans the whole byte; "action" and "chg" are views of its top bits,
 * written after it so that setting them alone changes only those bits. The
 * default is an experimental type (RFC 4727) to be skipped. */
static const struct pkt_fdesc ip6opt_fields[] = {
	{ "type", PKT_FT_UINT, PKT_FF_HEX, 0, 8, 0x1e },
	{ "action", PKT_FT_UINT, 0, 0, 2, 0 },
	{ "chg", PKT_FT_UINT, 0, 2, 1, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_proto ip6opt_pad1 = {
	PKT_OPT_PROTO("ip6opt.pad1", "Pad1", 1, ip6opt_pad1_fields),
};

static const struct pkt_proto ip6opt_padn = {
	PKT_OPT_PROTO("ip6opt.padn", "PadN", 2, ip6opt_padn_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto ip6opt_ra = {
	PKT_OPT_PROTO("ip6opt.ra", "Router Alert (RFC 2711)", 4, ip6opt_ra_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto ip6opt_jumbo = {
	PKT_OPT_PROTO("ip6opt.jumbo", "Jumbo Payload (RFC 2675)", 6, ip6opt_jumbo_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto ip6opt_hao = {
	PKT_OPT_PROTO("ip6opt.hao", "Home Address (RFC 6275)", 18, ip6opt_hao_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto ip6opt_generic = {
	PKT_OPT_PROTO("ip6opt", "IPv6 option", 2, ip6opt_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_tlv_fmt ip6opt_tlv = {
	.pad1 = PKT_TLV_TYPE(0), .head = 2, .len = { PKT_TLV_LEN8(1, 1) },
	.why_short = "IPv6 option truncated before its length",
	.why_long = "IPv6 option length exceeds the option area",
};

static int ip6opt_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &ip6opt_tlv, why);
}

static const struct pkt_proto *ip6opt_lookup(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 0:
		return &ip6opt_pad1;
	case 1:
		return &ip6opt_padn;
	case 5:
		return n == 4 ? &ip6opt_ra : &ip6opt_generic;
	case 0xc2:
		return n == 6 ? &ip6opt_jumbo : &ip6opt_generic;
	case 201:
		return n == 18 ? &ip6opt_hao : &ip6opt_generic;
	default:
		return &ip6opt_generic;
	}
}

static const struct pkt_optfam ip6opt_fam = {
	.name = "ip6opt",
	.optlen = ip6opt_len,
	.lookup = ip6opt_lookup,
	.align = 8,
	.pad = pkt_tlv_pad_ip6, /* Pad1, or one PadN (RFC 8200 §4.2) */
};

/* ---- headers ---- */

static const struct pkt_fdesc optshdr_fields[] = {
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
};

/* The options run from byte 2 to the end of the header. */
static int optshdr_parse(struct pkt_cur *c, const struct pkt_dec *d, struct pkt_next *nx,
			 const char *short_why, const char *long_why)
{
	int rc = pkt_tlv_ext_frame(d, c, nx, short_why, long_why);

	if (rc == 0) {
		nx->optoff = 2;
		nx->optlen = (uint16_t)(nx->len - 2);
	}
	return rc < 0 ? -1 : 0;
}

static int hbh_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)idx;
	return optshdr_parse(c, d, nx, "Hop-by-Hop Options header truncated",
			     "Hop-by-Hop Options header length exceeds the payload");
}

static int dstopt_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)idx;
	return optshdr_parse(c, d, nx, "Destination Options header truncated",
			     "Destination Options header length exceeds the payload");
}

static int opt_brief(const struct pkt_dec *d, int i, char *out, size_t n)
{
	const struct pkt_proto *p = d->l[i].proto;
	char a[64];
	struct pkt_val v;

	if (p == &ip6opt_pad1)
		return snprintf(out, n, "pad1");
	if (p == &ip6opt_padn)
		return snprintf(out, n, "padn %u", d->l[i].len);
	if (p == &ip6opt_ra)
		return snprintf(out, n, "ra %llu",
				(unsigned long long)pkt_field_u(d, i, "value", 0));
	if (p == &ip6opt_jumbo)
		return snprintf(out, n, "jumbo %llu",
				(unsigned long long)pkt_field_u(d, i, "plen", 0));
	if (p == &ip6opt_hao && !pkt_field_get_name(d, i, "hoa", &v)) {
		pkt_val_fmt(NULL, &v, a, sizeof(a));
		return snprintf(out, n, "hao %s", a);
	}
	return snprintf(out, n, "opt 0x%02llx len %llu",
			(unsigned long long)pkt_field_u(d, i, "type", 0),
			(unsigned long long)pkt_field_u(d, i, "len", 0));
}

/* "hbh [ra 0, padn 2]": the header name and its options in order. */
static int optshdr_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char buf[512];
	size_t w;
	int k, first = 1;

	w = (size_t)snprintf(buf, sizeof(buf), "%s", d->l[idx].proto->name);
	for (int i = idx + 1; i < d->n && d->l[i].depth == 1 && w < sizeof(buf); i++) {
		k = snprintf(buf + w, sizeof(buf) - w, "%s", first ? " [" : ", ");
		if (k < 0 || (size_t)k >= sizeof(buf) - w)
			break;
		w += (size_t)k;
		k = opt_brief(d, i, buf + w, sizeof(buf) - w);
		if (k < 0 || (size_t)k >= sizeof(buf) - w)
			break;
		w += (size_t)k;
		first = 0;
	}
	if (!first && w + 1 < sizeof(buf)) {
		buf[w++] = ']';
		buf[w] = 0;
	}
	return snprintf(out, n, "%s", buf);
}

const struct pkt_proto pkt_proto_hbh = {
	PKT_HDR_PROTO("hbh", "Hop-by-Hop Options", 0, 2, optshdr_fields),
	.entry = 1, .opts = &ip6opt_fam, .parse = hbh_parse, .fix = pkt_tlv_fix_len8,
	.summary = optshdr_summary,
};

const struct pkt_proto pkt_proto_dstopt = {
	PKT_HDR_PROTO("dstopt", "Destination Options", 60, 2, optshdr_fields),
	.entry = 1, .opts = &ip6opt_fam, .parse = dstopt_parse, .fix = pkt_tlv_fix_len8,
	.summary = optshdr_summary,
};

const struct pkt_proto *const pkt_mod_ip6opt[] = {
	&pkt_proto_hbh, &pkt_proto_dstopt, &ip6opt_pad1, &ip6opt_padn, &ip6opt_ra,
	&ip6opt_jumbo, &ip6opt_hao, &ip6opt_generic, NULL,
};
