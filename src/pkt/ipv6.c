/*
 * The IPv6 header (RFC 8200 §3). The payload scope ends at 40 + Payload
 * Length; a zero length with a Hop-by-Hop header is left to the Jumbo Payload
 * option (RFC 2675) and the scope runs to the end of the frame.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"
#include "print.h"

static const struct pkt_fdesc ipv6_fields[] = {
	{ "version", PKT_FT_UINT, 0, 0, 4, 6 },
	{ "tc", PKT_FT_UINT, PKT_FF_HEX, 4, 8, 0 },
	{ "flow", PKT_FT_UINT, PKT_FF_HEX, 12, 20, 0 },
	{ "plen", PKT_FT_UINT, PKT_FF_AUTO, 32, 16, 0 },
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 48, 8, 0 },
	{ "hlim", PKT_FT_UINT, 0, 56, 8, 64 },
	{ "src", PKT_FT_IP6, 0, 64, 128, 0 },
	{ "dst", PKT_FT_IP6, 0, 192, 128, 0 },
};

static int ipv6_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	uint32_t off = d->l[idx].off;
	uint16_t plen;
	uint8_t nh;

	if (pkt_cur_left(c) < 40) {
		nx->why = "IPv6 header truncated";
		return -1;
	}
	if ((c->p[0] >> 4) != 6) {
		nx->why = "IPv6 version is not 6";
		return -1;
	}
	plen = (uint16_t)(c->p[4] << 8 | c->p[5]);
	nh = c->p[6];
	nx->len = 40;
	if (plen == 0 && nh == 0) {
		nx->end = 0; /* jumbogram candidate: scope stays the frame */
	} else if (plen > pkt_cur_left(c) - 40) {
		if (!d->partial) {
			nx->len = 40;
			nx->why = "IPv6 payload length exceeds the frame";
			return -1;
		}
		nx->truncated = 1; /* quoted in an ICMPv6 error: cut short is normal */
	} else {
		nx->end = off + 40 + plen;
	}
	nx->next = pkt_proto_by_ipproto(nh);
	if (!nx->next)
		nx->payload_raw = nh != 59;
	return 0;
}

static int ipv6_fix(struct pkt_build *b, int idx)
{
	const struct pkt_layer *l = &b->view.l[idx];
	uint32_t plen = (uint32_t)b->w->len - l->off - 40;

	/* A jumbogram's 0 must be asked for explicitly; larger means truncation. */
	return pkt_build_auto_u(b, idx, "plen", plen > 0xffff ? 0 : plen);
}

static int ipv6_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char s[64], t[64];
	struct pkt_val v;

	pkt_field_get_name(d, idx, "src", &v);
	pkt_val_fmt(NULL, &v, s, sizeof(s));
	pkt_field_get_name(d, idx, "dst", &v);
	pkt_val_fmt(NULL, &v, t, sizeof(t));
	return snprintf(out, n, "ipv6 %s > %s hlim %llu", s, t,
			(unsigned long long)pkt_field_u(d, idx, "hlim", 0));
}

const struct pkt_proto pkt_proto_ipv6 = {
	.name = "ipv6",
	.title = "IPv6",
	.kind = PKT_PK_HDR,
	.ipproto = 41,
	.ethertype = 0x86dd,
	.min_len = 40,
	.entry = 1,
	.fields = ipv6_fields,
	.nfields = PKT_NFIELDS(ipv6_fields),
	.parse = ipv6_parse,
	.fix = ipv6_fix,
	.summary = ipv6_summary,
};

const struct pkt_proto *const pkt_mod_ipv6[] = { &pkt_proto_ipv6, NULL };
