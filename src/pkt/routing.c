/*
 * The IPv6 Routing header (RFC 8200 §4.4). The generic "rh" is the entry for
 * protocol 43 and picks, from the Routing Type byte, Type 0 (RFC 5095: it is
 * deprecated, but tests send it to check it is refused), Type 2 (RFC 6275
 * §6.4, the Mobile IPv6 home address) or the Segment Routing Header (Type 4,
 * RFC 8754), whose TLVs after the segment list are an option family here.
 * Each address list is the tail field "addrs", which the checksum code reads
 * to find the final destination for the upper-layer pseudo-header.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"
#include "tlv.h"

/* ---- SRH TLVs (RFC 8754 §2.1) ---- */

static const struct pkt_fdesc srhtlv_pad1_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
};

static const struct pkt_fdesc srhtlv_padn_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 4 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc srhtlv_hmac_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 5 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 6 },
	{ "d", PKT_FT_UINT, 0, 16, 1, 0 },
	{ "rsv", PKT_FT_UINT, 0, 17, 15, 0 },
	{ "keyid", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
	{ "hmac", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

/* Default type 124: the first value set aside for experiments. */
static const struct pkt_fdesc srhtlv_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 124 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_proto srhtlv_pad1 = {
	PKT_OPT_PROTO("srhtlv.pad1", "SRH Pad1", 1, srhtlv_pad1_fields),
};

static const struct pkt_proto srhtlv_padn = {
	PKT_OPT_PROTO("srhtlv.padn", "SRH PadN", 2, srhtlv_padn_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto srhtlv_hmac = {
	PKT_OPT_PROTO("srhtlv.hmac", "SRH HMAC", 8, srhtlv_hmac_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto srhtlv_generic = {
	PKT_OPT_PROTO("srhtlv", "SRH TLV", 2, srhtlv_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_tlv_fmt srhtlv_tlv = {
	.pad1 = PKT_TLV_TYPE(0), .head = 2, .len = { PKT_TLV_LEN8(1, 1) },
	.why_short = "SRH TLV truncated before its length",
	.why_long = "SRH TLV length exceeds the TLV area",
};

static int srhtlv_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &srhtlv_tlv, why);
}

static const struct pkt_proto *srhtlv_lookup(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 0:
		return &srhtlv_pad1;
	case 4:
		return &srhtlv_padn;
	case 5:
		return n >= 8 ? &srhtlv_hmac : &srhtlv_generic;
	default:
		return &srhtlv_generic;
	}
}

/* Pad1, or one PadN (type 4 here). */
static int srhtlv_pad(uint8_t *dst, size_t n)
{
	return pkt_tlv_pad_padn(dst, n, 4);
}

static const struct pkt_optfam srhtlv_fam = {
	.name = "srhtlv",
	.optlen = srhtlv_len,
	.lookup = srhtlv_lookup,
	.align = 8,
	.pad = srhtlv_pad,
};

/* ---- routing headers ---- */

#define RH_COMMON(type_def, segleft_def)                                        \
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 0 },                  \
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },                             \
	{ "type", PKT_FT_UINT, 0, 16, 8, type_def },                              \
	{ "segleft", PKT_FT_UINT, 0, 24, 8, segleft_def }

/* Unknown types: the type-specific data is opaque. The default type is the
 * experimental 253 (RFC 4727). */
static const struct pkt_fdesc rh_fields[] = {
	RH_COMMON(253, 0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 32, 0, 0 },
};

static const struct pkt_fdesc rh0_fields[] = {
	RH_COMMON(0, 0),
	{ "rsv", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
	{ "addrs", PKT_FT_IP6LIST, PKT_FF_TAIL, 64, 0, 0 },
};

/* "hoa" is the one address a well-formed Type 2 header holds and is what a
 * builder sets; "addrs" reads the same bytes as a list (to the header end) so
 * the checksum code finds it. Set on a build, "addrs" adds addresses after
 * the home address (for over-long headers in rejection tests). */
static const struct pkt_fdesc rh2_fields[] = {
	RH_COMMON(2, 1),
	{ "rsv", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
	{ "hoa", PKT_FT_IP6, 0, 64, 128, 0 },
	{ "addrs", PKT_FT_IP6LIST, PKT_FF_TAIL, 64, 0, 0 },
};

static const struct pkt_fdesc srh_fields[] = {
	RH_COMMON(4, 0),
	{ "last", PKT_FT_UINT, PKT_FF_AUTO, 32, 8, 0 },
	{ "flags", PKT_FT_UINT, PKT_FF_HEX, 40, 8, 0 },
	{ "tag", PKT_FT_UINT, PKT_FF_HEX, 48, 16, 0 },
	{ "addrs", PKT_FT_IP6LIST, PKT_FF_TAIL, 64, 0, 0 },
};

static int rh_frame(const struct pkt_dec *d, struct pkt_cur *c, struct pkt_next *nx)
{
	return pkt_tlv_ext_frame(d, c, nx, "Routing header truncated",
				 "Routing header length exceeds the payload");
}

static int rh_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)idx;
	return rh_frame(d, c, nx) < 0 ? -1 : 0;
}

/* The segment list must fit the header; the TLVs follow it. */
static int srh_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	int rc = rh_frame(d, c, nx);
	uint32_t len, segs;

	(void)idx;
	if (rc < 0)
		return -1;
	len = (c->p[1] + 1u) * 8;
	segs = (c->p[4] + 1u) * 16;
	if (segs > len - 8) {
		/* The header's own framing is sound: keep it, flagged. */
		nx->next = NULL;
		nx->why = "SRH last entry exceeds the header length";
		return -1;
	}
	if (rc == 0 && len > 8 + segs) {
		nx->optoff = (uint16_t)(8 + segs);
		nx->optlen = (uint16_t)(len - 8 - segs);
	}
	return 0;
}

static const struct pkt_proto pkt_proto_rh0, pkt_proto_rh2, pkt_proto_srh;

static const struct pkt_proto *rh_select(const uint8_t *p, size_t n)
{
	if (n < 3)
		return NULL;
	switch (p[2]) {
	case 0:
		return &pkt_proto_rh0;
	case 2:
		return &pkt_proto_rh2;
	case 4:
		return &pkt_proto_srh;
	default:
		return NULL;
	}
}

/* Last Entry follows the segment list the caller wrote (TLVs start after it). */
static int srh_fix(struct pkt_build *b, int idx)
{
	uint32_t segs = b->view.l[idx].optoff;
	int rc = pkt_tlv_fix_len8(b, idx);

	if (rc)
		return rc;
	segs = segs >= 8 ? segs - 8 : 0;
	return pkt_build_auto_u(b, idx, "last", segs >= 16 ? segs / 16 - 1 : 0);
}

static int rh_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	const struct pkt_proto *p = d->l[idx].proto;
	unsigned long long left = pkt_field_u(d, idx, "segleft", 0);
	struct pkt_val v;
	char a[64];

	if (p == &pkt_proto_srh)
		return snprintf(out, n, "srh segleft %llu last %llu", left,
				(unsigned long long)pkt_field_u(d, idx, "last", 0));
	if (p == &pkt_proto_rh2 && !pkt_field_get_name(d, idx, "hoa", &v)) {
		pkt_val_fmt(NULL, &v, a, sizeof(a));
		return snprintf(out, n, "rh2 segleft %llu hoa %s", left, a);
	}
	if (p == &pkt_proto_rh0 || p == &pkt_proto_rh2)
		return snprintf(out, n, "%s segleft %llu", p->name, left);
	return snprintf(out, n, "rh type %llu segleft %llu",
			(unsigned long long)pkt_field_u(d, idx, "type", 0), left);
}

const struct pkt_proto pkt_proto_rh = {
	PKT_HDR_PROTO("rh", "Routing header", 43, 4, rh_fields),
	.entry = 1, .select = rh_select, .parse = rh_parse, .fix = pkt_tlv_fix_len8,
	.summary = rh_summary,
};

static const struct pkt_proto pkt_proto_rh0 = {
	PKT_HDR_PROTO("rh0", "Routing header Type 0 (deprecated, RFC 5095)", 43, 8, rh0_fields),
	.parse = rh_parse, .fix = pkt_tlv_fix_len8, .summary = rh_summary,
};

static const struct pkt_proto pkt_proto_rh2 = {
	PKT_HDR_PROTO("rh2", "Routing header Type 2 (RFC 6275)", 43, 24, rh2_fields),
	.parse = rh_parse, .fix = pkt_tlv_fix_len8, .summary = rh_summary,
};

static const struct pkt_proto pkt_proto_srh = {
	PKT_HDR_PROTO("srh", "Segment Routing Header (RFC 8754)", 43, 8, srh_fields),
	.opts = &srhtlv_fam, .parse = srh_parse, .fix = srh_fix, .summary = rh_summary,
};

const struct pkt_proto *const pkt_mod_routing[] = {
	&pkt_proto_rh, &pkt_proto_rh0, &pkt_proto_rh2, &pkt_proto_srh,
	&srhtlv_pad1, &srhtlv_padn, &srhtlv_hmac, &srhtlv_generic, NULL,
};
