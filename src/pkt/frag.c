/*
 * The IPv6 Fragment header (RFC 8200 §4.5). Only a first fragment (offset 0)
 * has a next header to decode, and what follows it may be cut short; a later
 * fragment's payload is opaque. An atomic fragment (offset 0 and M clear,
 * RFC 6946) holds the whole packet and decodes like one.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"

static const struct pkt_fdesc frag_fields[] = {
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 0 },
	{ "res1", PKT_FT_UINT, PKT_FF_HEX, 8, 8, 0 },
	{ "offset", PKT_FT_UINT, 0, 16, 13, 0 },
	{ "res2", PKT_FT_UINT, 0, 29, 2, 0 },
	{ "m", PKT_FT_UINT, 0, 31, 1, 0 },
	{ "id", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
};

static int frag_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	uint16_t offm;

	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "Fragment header truncated";
		return -1;
	}
	nx->len = 8;
	offm = (uint16_t)(c->p[2] << 8 | c->p[3]);
	if (offm >> 3) {
		nx->payload_raw = 1;
		return 0;
	}
	if (offm & 1)
		nx->partial = 1;
	nx->next = pkt_proto_by_ipproto(c->p[0]);
	if (!nx->next)
		nx->payload_raw = c->p[0] != 59;
	return 0;
}

/* "frag off 1232 id 0x1 mf": the offset in bytes, as on the wire times 8. */
static int frag_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "frag off %llu id 0x%llx%s",
			(unsigned long long)pkt_field_u(d, idx, "offset", 0) * 8,
			(unsigned long long)pkt_field_u(d, idx, "id", 0),
			pkt_field_u(d, idx, "m", 0) ? " mf" : "");
}

const struct pkt_proto pkt_proto_frag = {
	PKT_HDR_PROTO("frag", "Fragment header", 44, 8, frag_fields),
	.entry = 1, .parse = frag_parse, .summary = frag_summary,
};

const struct pkt_proto *const pkt_mod_frag[] = { &pkt_proto_frag, NULL };
