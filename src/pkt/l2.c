/*
 * Link layer: Ethernet II, IEEE 802.1Q VLAN tags and ARP (RFC 826) for
 * Ethernet/IPv4.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"

static const struct pkt_fdesc ether_fields[] = {
	{ "dst", PKT_FT_MAC, 0, 0, 48, 0 },
	{ "src", PKT_FT_MAC, 0, 48, 48, 0 },
	{ "type", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_ETYPE, 96, 16, 0 },
};

static int l2_next(uint16_t type, struct pkt_next *nx)
{
	nx->next = pkt_proto_by_ethertype(type);
	nx->payload_raw = !nx->next;
	return 0;
}

static int ether_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 14) {
		nx->why = "Ethernet header truncated";
		return -1;
	}
	nx->len = 14;
	return l2_next((uint16_t)(c->p[12] << 8 | c->p[13]), nx);
}

static int mac_pair(const struct pkt_dec *d, int idx, char *out, size_t n, const char *tag)
{
	char s[32], t[32];
	struct pkt_val v;

	pkt_field_get_name(d, idx, "src", &v);
	pkt_val_fmt(NULL, &v, s, sizeof(s));
	pkt_field_get_name(d, idx, "dst", &v);
	pkt_val_fmt(NULL, &v, t, sizeof(t));
	return snprintf(out, n, "%s %s > %s", tag, s, t);
}

static int ether_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return mac_pair(d, idx, out, n, "ether");
}

const struct pkt_proto pkt_proto_ether = {
	PKT_HDR_PROTO("ether", "Ethernet II", -1, 14, ether_fields),
	.parse = ether_parse, .summary = ether_summary,
};

static const struct pkt_fdesc dot1q_fields[] = {
	{ "pcp", PKT_FT_UINT, 0, 0, 3, 0 },
	{ "dei", PKT_FT_UINT, 0, 3, 1, 0 },
	{ "vid", PKT_FT_UINT, 0, 4, 12, 0 },
	{ "type", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_ETYPE, 16, 16, 0 },
};

static int dot1q_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 4) {
		nx->why = "802.1Q tag truncated";
		return -1;
	}
	nx->len = 4;
	return l2_next((uint16_t)(c->p[2] << 8 | c->p[3]), nx);
}

static int dot1q_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "vlan %llu", (unsigned long long)pkt_field_u(d, idx, "vid", 0));
}

const struct pkt_proto pkt_proto_dot1q = {
	.name = "dot1q",
	.title = "802.1Q VLAN tag",
	.kind = PKT_PK_HDR,
	.ipproto = -1,
	.ethertype = 0x8100,
	.min_len = 4,
	.entry = 1,
	.fields = dot1q_fields,
	.nfields = PKT_NFIELDS(dot1q_fields),
	.parse = dot1q_parse,
	.summary = dot1q_summary,
};

static const struct pkt_fdesc arp_fields[] = {
	{ "htype", PKT_FT_UINT, 0, 0, 16, 1 },
	{ "ptype", PKT_FT_UINT, PKT_FF_HEX, 16, 16, 0x0800 },
	{ "hlen", PKT_FT_UINT, 0, 32, 8, 6 },
	{ "plen", PKT_FT_UINT, 0, 40, 8, 4 },
	{ "op", PKT_FT_UINT, 0, 48, 16, 1 },
	{ "sha", PKT_FT_MAC, 0, 64, 48, 0 },
	{ "spa", PKT_FT_IP4, 0, 112, 32, 0 },
	{ "tha", PKT_FT_MAC, 0, 144, 48, 0 },
	{ "tpa", PKT_FT_IP4, 0, 192, 32, 0 },
};

static int arp_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "ARP header truncated";
		return -1;
	}
	/* Only Ethernet/IPv4 has fixed field positions; others stay opaque. */
	if (c->p[4] != 6 || c->p[5] != 4) {
		nx->len = 8;
		nx->payload_raw = 1;
		return 0;
	}
	if (pkt_cur_left(c) < 28) {
		nx->why = "ARP message truncated";
		return -1;
	}
	nx->len = 28;
	return 0;
}

static int arp_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char s[32], t[32];
	struct pkt_val v;
	uint64_t op = pkt_field_u(d, idx, "op", 0);

	if (pkt_field_get_name(d, idx, "spa", &v))
		return snprintf(out, n, "arp op %llu", (unsigned long long)op);
	pkt_val_fmt(NULL, &v, s, sizeof(s));
	pkt_field_get_name(d, idx, "tpa", &v);
	pkt_val_fmt(NULL, &v, t, sizeof(t));
	if (op == 1)
		return snprintf(out, n, "arp who-has %s tell %s", t, s);
	if (op == 2)
		return snprintf(out, n, "arp reply %s is-at", s);
	return snprintf(out, n, "arp op %llu", (unsigned long long)op);
}

const struct pkt_proto pkt_proto_arp = {
	.name = "arp",
	.title = "ARP",
	.kind = PKT_PK_HDR,
	.ipproto = -1,
	.ethertype = 0x0806,
	.min_len = 28,
	.entry = 1,
	.fields = arp_fields,
	.nfields = PKT_NFIELDS(arp_fields),
	.parse = arp_parse,
	.summary = arp_summary,
};

const struct pkt_proto *const pkt_mod_l2[] = { &pkt_proto_ether, &pkt_proto_dot1q,
					       &pkt_proto_arp, NULL };
