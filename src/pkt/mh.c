/*
 * The Mobility Header (RFC 6275 §6.1), IP protocol 135, and its mobility
 * options (§6.2). The generic "mh" is the entry: it selects the message by MH
 * Type (Binding Refresh Request, HoTI, CoTI, HoT, CoT, Binding Update,
 * Acknowledgement, Error) and stays itself, opaque after the checksum, for
 * unknown types. A message is (hlen + 1) * 8 bytes: its fixed part, then
 * mobility options up to that length, which the encoder pads with Pad1/PadN
 * to a multiple of 8. Byte 3 of the common header is "resv", so that the
 * messages' own reserved fields can be "reserved". The checksum covers the
 * pseudo-header and the Mobility Header alone (§6.1.1: the upper-layer length
 * is the MH's length), not what may follow it.
 */
#include <errno.h>
#include <stdio.h>

#include "build.h"
#include "csum.h"
#include "field.h"
#include "tlv.h"

/* ---- mobility options (§6.2) ---- */

#define MHOPT_TL(t, l)                                                         \
	{ "type", PKT_FT_UINT, 0, 0, 8, t }, { "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, l }

static const struct pkt_fdesc mhopt_pad1_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
};

static const struct pkt_fdesc mhopt_padn_fields[] = {
	MHOPT_TL(1, 0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc mhopt_bra_fields[] = {
	MHOPT_TL(2, 2),
	{ "interval", PKT_FT_UINT, 0, 16, 16, 0 },
};

static const struct pkt_fdesc mhopt_altcoa_fields[] = {
	MHOPT_TL(3, 16),
	{ "addr", PKT_FT_IP6, 0, 16, 128, 0 },
};

static const struct pkt_fdesc mhopt_nonce_fields[] = {
	MHOPT_TL(4, 4),
	{ "home", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "careof", PKT_FT_UINT, 0, 32, 16, 0 },
};

static const struct pkt_fdesc mhopt_auth_fields[] = {
	MHOPT_TL(5, 0),
	{ "auth", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc mhopt_fields[] = {
	MHOPT_TL(0, 0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

/* Options of a fixed size: the length byte must say exactly that. */
static int mhopt_bra_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			   struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "binding refresh advice option length is not 2");
}

static int mhopt_altcoa_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			      struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "alternate care-of address option length is not 16");
}

static int mhopt_nonce_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			     struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "nonce indices option length is not 4");
}

static const struct pkt_proto mhopt_pad1 = {
	PKT_OPT_PROTO("mhopt.pad1", "Pad1", 1, mhopt_pad1_fields),
};

static const struct pkt_proto mhopt_padn = {
	PKT_OPT_PROTO("mhopt.padn", "PadN", 2, mhopt_padn_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto mhopt_bra = {
	PKT_OPT_PROTO("mhopt.bra", "Binding Refresh Advice", 4, mhopt_bra_fields),
	.parse = mhopt_bra_parse, .fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto mhopt_altcoa = {
	PKT_OPT_PROTO("mhopt.altcoa", "Alternate Care-of Address", 18, mhopt_altcoa_fields),
	.parse = mhopt_altcoa_parse, .fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto mhopt_nonce = {
	PKT_OPT_PROTO("mhopt.nonce", "Nonce Indices", 6, mhopt_nonce_fields),
	.parse = mhopt_nonce_parse, .fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto mhopt_auth = {
	PKT_OPT_PROTO("mhopt.auth", "Binding Authorization Data", 2, mhopt_auth_fields),
	.fix = pkt_tlv_fix_datalen,
};

static const struct pkt_proto mhopt_generic = {
	PKT_OPT_PROTO("mhopt", "Mobility option", 2, mhopt_fields),
	.fix = pkt_tlv_fix_datalen,
};

/* Framed as IPv6 options are (§6.2.1): Pad1 alone, the length counts the data. */
static const struct pkt_tlv_fmt mhopt_tlv = {
	.pad1 = PKT_TLV_TYPE(0), .head = 2, .len = { PKT_TLV_LEN8(1, 1) },
	.why_short = "mobility option truncated before its length",
	.why_long = "mobility option runs past the Mobility Header",
};

static int mhopt_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &mhopt_tlv, why);
}

static const struct pkt_proto *mhopt_lookup(const uint8_t *p, size_t n)
{
	(void)n;
	switch (p[0]) {
	case 0:
		return &mhopt_pad1;
	case 1:
		return &mhopt_padn;
	case 2:
		return &mhopt_bra;
	case 3:
		return &mhopt_altcoa;
	case 4:
		return &mhopt_nonce;
	case 5:
		return &mhopt_auth;
	default:
		return &mhopt_generic;
	}
}

static const struct pkt_optfam mhopt_fam = {
	.name = "mhopt",
	.optlen = mhopt_len,
	.lookup = mhopt_lookup,
	.align = 8,
	.pad = pkt_tlv_pad_ip6,
};

/* ---- the header and its messages ---- */

#define MH_HDR(t)                                                              \
	{ "proto", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 59 },           \
	{ "hlen", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },                         \
	{ "mhtype", PKT_FT_UINT, 0, 16, 8, t },                                \
	{ "resv", PKT_FT_UINT, 0, 24, 8, 0 },                                  \
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 32, 16, 0 }

static const struct pkt_fdesc mh_fields[] = {
	MH_HDR(0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 48, 0, 0 },
};

static const struct pkt_fdesc mh_brr_fields[] = {
	MH_HDR(0),
	{ "reserved", PKT_FT_UINT, 0, 48, 16, 0 },
};

#define MH_TI_FIELDS(t)                                                        \
	MH_HDR(t), { "reserved", PKT_FT_UINT, 0, 48, 16, 0 },                   \
	{ "cookie", PKT_FT_UINT, PKT_FF_HEX, 64, 64, 0 }

static const struct pkt_fdesc mh_hoti_fields[] = { MH_TI_FIELDS(1) };
static const struct pkt_fdesc mh_coti_fields[] = { MH_TI_FIELDS(2) };

#define MH_T_FIELDS(t)                                                         \
	MH_HDR(t), { "nonce", PKT_FT_UINT, 0, 48, 16, 0 },                      \
	{ "cookie", PKT_FT_UINT, PKT_FF_HEX, 64, 64, 0 },                      \
	{ "token", PKT_FT_UINT, PKT_FF_HEX, 128, 64, 0 }

static const struct pkt_fdesc mh_hot_fields[] = { MH_T_FIELDS(3) };
static const struct pkt_fdesc mh_cot_fields[] = { MH_T_FIELDS(4) };

static const struct pkt_fdesc mh_bu_fields[] = {
	MH_HDR(5),
	{ "seq", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "a", PKT_FT_UINT, 0, 64, 1, 0 },
	{ "h", PKT_FT_UINT, 0, 65, 1, 0 },
	{ "l", PKT_FT_UINT, 0, 66, 1, 0 },
	{ "k", PKT_FT_UINT, 0, 67, 1, 0 },
	{ "reserved", PKT_FT_UINT, 0, 68, 12, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 80, 16, 0 },
};

static const struct pkt_fdesc mh_ba_fields[] = {
	MH_HDR(6),
	{ "status", PKT_FT_UINT, 0, 48, 8, 0 },
	{ "k", PKT_FT_UINT, 0, 56, 1, 0 },
	{ "reserved", PKT_FT_UINT, 0, 57, 7, 0 },
	{ "seq", PKT_FT_UINT, 0, 64, 16, 0 },
	{ "lifetime", PKT_FT_UINT, 0, 80, 16, 0 },
};

static const struct pkt_fdesc mh_be_fields[] = {
	MH_HDR(7),
	{ "status", PKT_FT_UINT, 0, 48, 8, 0 },
	{ "reserved", PKT_FT_UINT, 0, 56, 8, 0 },
	{ "hoa", PKT_FT_IP6, 0, 64, 128, 0 },
};

static int mh_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	const struct pkt_proto *p = d->l[idx].proto;
	size_t left = pkt_cur_left(c);
	uint32_t len;

	if (left < 8) {
		nx->why = "Mobility Header truncated";
		return -1;
	}
	len = (c->p[1] + 1u) * 8;
	if (len > left) {
		nx->why = "Mobility Header length exceeds the payload";
		return -1;
	}
	nx->len = len;
	if (len < p->min_len) {
		nx->why = "Mobility Header length below the message's fixed part";
		return -1;
	}
	if (p->opts) {
		nx->optoff = p->min_len;
		nx->optlen = (uint16_t)(len - p->min_len);
	}
	nx->next = pkt_proto_by_ipproto(c->p[0]);
	if (!nx->next)
		nx->payload_raw = c->p[0] != 59;
	return 0;
}

static int mh_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	/* Rounded up: a header built unpadded on purpose still claims whole units. */
	return pkt_build_auto_u(b, idx, "hlen", len <= 8 ? 0 : ((len + 7) / 8 - 1) & 0xff);
}

static int mh_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	const struct pkt_layer *l = &d->l[idx];
	uint32_t sum = 0;
	int rc;

	if (l->off > d->len || l->len > d->len - l->off || l->len < 6)
		return -ENODATA;
	rc = pkt_csum_pseudo(d, idx, 135, l->len, &sum);
	if (rc)
		return rc;
	sum = pkt_csum_add(sum, d->buf + l->off, l->len);
	/* Take the stored checksum out again: same as summing it as zero. */
	sum = pkt_csum_add(sum, (const uint8_t[]){ (uint8_t)~d->buf[l->off + 4],
						   (uint8_t)~d->buf[l->off + 5] }, 2);
	*out = pkt_csum_fold(sum);
	return 0;
}

static int mh_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "mh type %llu", (unsigned long long)pkt_field_u(d, idx, "mhtype", 0));
}

static int mh_name_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s", d->l[idx].proto->name);
}

static int mh_ti_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s cookie 0x%016llx", d->l[idx].proto->name,
			(unsigned long long)pkt_field_u(d, idx, "cookie", 0));
}

static int mh_t_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s nonce %llu cookie 0x%016llx", d->l[idx].proto->name,
			(unsigned long long)pkt_field_u(d, idx, "nonce", 0),
			(unsigned long long)pkt_field_u(d, idx, "cookie", 0));
}

static int mh_bu_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "mh.bu seq %llu lifetime %llu%s%s%s%s",
			(unsigned long long)pkt_field_u(d, idx, "seq", 0),
			(unsigned long long)pkt_field_u(d, idx, "lifetime", 0),
			pkt_field_u(d, idx, "h", 0) ? " H" : "",
			pkt_field_u(d, idx, "a", 0) ? " A" : "",
			pkt_field_u(d, idx, "l", 0) ? " L" : "",
			pkt_field_u(d, idx, "k", 0) ? " K" : "");
}

static int mh_ba_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "mh.ba status %llu seq %llu lifetime %llu%s",
			(unsigned long long)pkt_field_u(d, idx, "status", 0),
			(unsigned long long)pkt_field_u(d, idx, "seq", 0),
			(unsigned long long)pkt_field_u(d, idx, "lifetime", 0),
			pkt_field_u(d, idx, "k", 0) ? " K" : "");
}

static int mh_be_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char a[64] = "?";
	struct pkt_val v;

	if (!pkt_field_get_name(d, idx, "hoa", &v))
		pkt_val_fmt(NULL, &v, a, sizeof(a));
	return snprintf(out, n, "mh.be status %llu hoa %s",
			(unsigned long long)pkt_field_u(d, idx, "status", 0), a);
}

#define MH_MSG(var, nm, ttl, flds, minl, summ)                                 \
	static const struct pkt_proto var = {                                  \
		PKT_HDR_PROTO(nm, ttl, 135, minl, flds), .opts = &mhopt_fam,   \
		.parse = mh_parse, .fix = mh_fix, .csum = mh_csum,             \
		.summary = summ,                                               \
	}

MH_MSG(mh_brr, "mh.brr", "Binding Refresh Request", mh_brr_fields, 8, mh_name_summary);
MH_MSG(mh_hoti, "mh.hoti", "Home Test Init", mh_hoti_fields, 16, mh_ti_summary);
MH_MSG(mh_coti, "mh.coti", "Care-of Test Init", mh_coti_fields, 16, mh_ti_summary);
MH_MSG(mh_hot, "mh.hot", "Home Test", mh_hot_fields, 24, mh_t_summary);
MH_MSG(mh_cot, "mh.cot", "Care-of Test", mh_cot_fields, 24, mh_t_summary);
MH_MSG(mh_bu, "mh.bu", "Binding Update", mh_bu_fields, 12, mh_bu_summary);
MH_MSG(mh_ba, "mh.ba", "Binding Acknowledgement", mh_ba_fields, 12, mh_ba_summary);
MH_MSG(mh_be, "mh.be", "Binding Error", mh_be_fields, 24, mh_be_summary);

static const struct pkt_proto *mh_select(const uint8_t *p, size_t n)
{
	static const struct pkt_proto *const bytype[] = {
		&mh_brr, &mh_hoti, &mh_coti, &mh_hot, &mh_cot, &mh_bu, &mh_ba, &mh_be,
	};

	if (n < 3 || p[2] >= sizeof(bytype) / sizeof(bytype[0]))
		return NULL;
	return bytype[p[2]];
}

static const struct pkt_proto mh_generic = {
	PKT_HDR_PROTO("mh", "Mobility Header (RFC 6275)", 135, 6, mh_fields),
	.entry = 1, .select = mh_select, .parse = mh_parse, .fix = mh_fix, .csum = mh_csum,
	.summary = mh_summary,
};

const struct pkt_proto *const pkt_mod_mh[] = {
	&mh_generic, &mh_brr, &mh_hoti, &mh_coti, &mh_hot, &mh_cot, &mh_bu, &mh_ba, &mh_be,
	&mhopt_pad1, &mhopt_padn, &mhopt_bra, &mhopt_altcoa, &mhopt_nonce, &mhopt_auth,
	&mhopt_generic, NULL,
};
