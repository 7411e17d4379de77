/*
 * The IPsec headers as they appear on the wire: the Authentication Header
 * (RFC 4302), whose Payload Length counts 4-octet units minus 2 and whose ICV
 * runs to the end of the header, and the Encapsulating Security Payload
 * (RFC 4303), of which only the SPI and sequence number are in clear; the
 * rest (payload, padding, trailer, ICV) is opaque here and is opened by
 * src/ipsec with the right SA.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"

static const struct pkt_fdesc ah_fields[] = {
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "rsv", PKT_FT_UINT, PKT_FF_HEX, 16, 16, 0 },
	{ "spi", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
	{ "seq", PKT_FT_UINT, 0, 64, 32, 0 },
	{ "icv", PKT_FT_BYTES, PKT_FF_TAIL, 96, 0, 0 },
};

static int ah_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	size_t left = pkt_cur_left(c);
	uint32_t len;

	(void)idx;
	if (left < 12) {
		nx->why = "AH truncated";
		return -1;
	}
	len = (c->p[1] + 2u) * 4;
	if (len < 12) {
		nx->len = 12;
		nx->why = "AH payload length shorter than its fixed part";
		return -1;
	}
	if (len > left) {
		if (d->partial) {
			nx->len = (uint32_t)left;
			nx->truncated = 1;
			return 0;
		}
		nx->len = 12;
		nx->why = "AH length exceeds the payload";
		return -1;
	}
	nx->len = len;
	nx->next = pkt_proto_by_ipproto(c->p[0]);
	if (!nx->next)
		nx->payload_raw = c->p[0] != 59;
	return 0;
}

static int ah_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "len", len >= 8 ? len / 4 - 2 : 0);
}

/* "ah spi 0x100 seq 1", "esp spi 0x100 seq 1". */
static int ipsec_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s spi 0x%llx seq %llu", d->l[idx].proto->name,
			(unsigned long long)pkt_field_u(d, idx, "spi", 0),
			(unsigned long long)pkt_field_u(d, idx, "seq", 0));
}

const struct pkt_proto pkt_proto_ah = {
	PKT_HDR_PROTO("ah", "Authentication Header", 51, 12, ah_fields),
	.entry = 1, .parse = ah_parse, .fix = ah_fix, .summary = ipsec_summary,
};

static const struct pkt_fdesc esp_fields[] = {
	{ "spi", PKT_FT_UINT, PKT_FF_HEX, 0, 32, 0 },
	{ "seq", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

/* The layer runs to the end of the payload scope: nothing after it is clear. */
static int esp_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "ESP header truncated";
		return -1;
	}
	nx->len = (uint32_t)pkt_cur_left(c);
	nx->payload_raw = 1;
	return 0;
}

const struct pkt_proto pkt_proto_esp = {
	PKT_HDR_PROTO("esp", "Encapsulating Security Payload", 50, 8, esp_fields),
	.entry = 1, .parse = esp_parse, .summary = ipsec_summary,
};

const struct pkt_proto *const pkt_mod_ipsec[] = { &pkt_proto_ah, &pkt_proto_esp, NULL };
