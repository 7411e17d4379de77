/*
 * IPv4 (RFC 791) and its options. Options are TLVs after the 20-byte fixed
 * header: End of Option List and NOP are single bytes, every other option has
 * a length byte that counts the whole option.
 */
#include <stdio.h>

#include "build.h"
#include "csum.h"
#include "field.h"
#include "tlv.h"

static const struct pkt_fdesc ipv4_fields[] = {
	{ "version", PKT_FT_UINT, 0, 0, 4, 4 },
	{ "ihl", PKT_FT_UINT, PKT_FF_AUTO, 4, 4, 5 },
	{ "tos", PKT_FT_UINT, PKT_FF_HEX, 8, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 16, 16, 0 },
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "rsv", PKT_FT_UINT, 0, 48, 1, 0 },
	{ "df", PKT_FT_UINT, 0, 49, 1, 0 },
	{ "mf", PKT_FT_UINT, 0, 50, 1, 0 },
	{ "frag", PKT_FT_UINT, 0, 51, 13, 0 },
	{ "ttl", PKT_FT_UINT, 0, 64, 8, 64 },
	{ "proto", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 72, 8, 0 },
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 80, 16, 0 },
	{ "src", PKT_FT_IP4, 0, 96, 32, 0 },
	{ "dst", PKT_FT_IP4, 0, 128, 32, 0 },
};

/* ---- options ---- */

static const struct pkt_fdesc ip4opt_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc ip4opt_eol_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
};

static const struct pkt_fdesc ip4opt_nop_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 1 },
};

static const struct pkt_fdesc ip4opt_ra_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 148 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 4 },
	{ "value", PKT_FT_UINT, 0, 16, 16, 0 },
};

static const struct pkt_proto ip4opt_eol = {
	PKT_OPT_PROTO("ip4opt.eol", "End of Option List", 1, ip4opt_eol_fields),
};

static const struct pkt_proto ip4opt_nop = {
	PKT_OPT_PROTO("ip4opt.nop", "No Operation", 1, ip4opt_nop_fields),
};

static const struct pkt_proto ip4opt_ra = {
	PKT_OPT_PROTO("ip4opt.ra", "Router Alert (RFC 2113)", 4, ip4opt_ra_fields),
	.fix = pkt_tlv_fix_len,
};

static const struct pkt_proto ip4opt_generic = {
	PKT_OPT_PROTO("ip4opt", "IPv4 option", 2, ip4opt_fields),
	.fix = pkt_tlv_fix_len,
};

static const struct pkt_tlv_fmt ip4opt_tlv = {
	.pad1 = PKT_TLV_TYPE(0) | PKT_TLV_TYPE(1),
	.head = 2, .incl_head = 1, .min = 2, .len = { PKT_TLV_LEN8(1, 1) },
	.why_short = "IPv4 option truncated before its length",
	.why_min = "IPv4 option length below 2",
	.why_long = "IPv4 option length exceeds the options",
};

static int ip4opt_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &ip4opt_tlv, why);
}

static const struct pkt_proto *ip4opt_lookup(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 0:
		return &ip4opt_eol;
	case 1:
		return &ip4opt_nop;
	case 148:
		return n == 4 ? &ip4opt_ra : &ip4opt_generic;
	default:
		return &ip4opt_generic;
	}
}

static const struct pkt_optfam ip4opt_fam = {
	.name = "ip4opt",
	.optlen = ip4opt_len,
	.lookup = ip4opt_lookup,
	.align = 4,
	.pad = pkt_tlv_pad_zero, /* End of Option List */
};

/* ---- header ---- */

static int ipv4_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	uint32_t off = d->l[idx].off;
	unsigned ihl;
	uint16_t tot, fragoff;

	if (pkt_cur_left(c) < 20) {
		nx->why = "IPv4 header truncated";
		return -1;
	}
	if ((c->p[0] >> 4) != 4) {
		nx->why = "IPv4 version is not 4";
		return -1;
	}
	ihl = (c->p[0] & 0x0f) * 4u;
	if (ihl < 20) {
		nx->why = "IPv4 header length below 20";
		return -1;
	}
	tot = (uint16_t)(c->p[2] << 8 | c->p[3]);
	if (tot < ihl) {
		nx->why = "IPv4 total length below the header length";
		return -1;
	}
	if (tot > pkt_cur_left(c)) {
		if (!d->partial || ihl > pkt_cur_left(c)) {
			nx->len = ihl <= pkt_cur_left(c) ? ihl : 0;
			nx->why = "IPv4 total length exceeds the frame";
			return -1;
		}
		tot = (uint16_t)pkt_cur_left(c);
		nx->truncated = 1;
	}
	if (ihl > tot) {
		nx->why = "IPv4 header length exceeds the packet";
		return -1;
	}
	nx->len = ihl;
	nx->end = off + tot;
	nx->optoff = 20;
	nx->optlen = (uint16_t)(ihl - 20);
	fragoff = (uint16_t)((c->p[6] << 8 | c->p[7]) & 0x1fff);
	if (fragoff) {
		nx->payload_raw = 1;
		return 0;
	}
	if (c->p[6] & 0x20)
		nx->partial = 1;
	nx->next = pkt_proto_by_ipproto(c->p[9]);
	nx->payload_raw = !nx->next;
	return 0;
}

static int ipv4_fix(struct pkt_build *b, int idx)
{
	const struct pkt_layer *l = &b->view.l[idx];
	int rc = pkt_build_auto_u(b, idx, "ihl", l->len / 4);

	if (rc)
		return rc;
	return pkt_build_auto_u(b, idx, "len", (b->w->len - l->off) & 0xffff);
}

static int ipv4_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	const struct pkt_layer *l = &d->l[idx];

	if (l->off + l->len > d->len)
		return -ENODATA;
	*out = pkt_csum_header(d->buf + l->off, l->len, 10);
	return 0;
}

static int ipv4_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char s[32], t[32];
	struct pkt_val v;
	uint64_t mf = pkt_field_u(d, idx, "mf", 0), fo = pkt_field_u(d, idx, "frag", 0);

	pkt_field_get_name(d, idx, "src", &v);
	pkt_val_fmt(NULL, &v, s, sizeof(s));
	pkt_field_get_name(d, idx, "dst", &v);
	pkt_val_fmt(NULL, &v, t, sizeof(t));
	if (mf || fo)
		return snprintf(out, n, "ipv4 %s > %s ttl %llu frag id %llu off %llu%s", s, t,
				(unsigned long long)pkt_field_u(d, idx, "ttl", 0),
				(unsigned long long)pkt_field_u(d, idx, "id", 0),
				(unsigned long long)fo * 8, mf ? " mf" : "");
	return snprintf(out, n, "ipv4 %s > %s ttl %llu", s, t,
			(unsigned long long)pkt_field_u(d, idx, "ttl", 0));
}

const struct pkt_proto pkt_proto_ipv4 = {
	.name = "ipv4",
	.title = "IPv4",
	.kind = PKT_PK_HDR,
	.ipproto = 4,
	.ethertype = 0x0800,
	.min_len = 20,
	.entry = 1,
	.fields = ipv4_fields,
	.nfields = PKT_NFIELDS(ipv4_fields),
	.opts = &ip4opt_fam,
	.parse = ipv4_parse,
	.fix = ipv4_fix,
	.csum = ipv4_csum,
	.summary = ipv4_summary,
};

const struct pkt_proto *const pkt_mod_ipv4[] = {
	&pkt_proto_ipv4, &ip4opt_eol, &ip4opt_nop, &ip4opt_ra, &ip4opt_generic, NULL,
};
