/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) tracking as Linux's
 * nf_conntrack_proto_icmp/icmpv6. Queries (echo, timestamp, information,
 * address mask; ICMPv6 echo and node information) are connections keyed by
 * their identifier, type and code; only a request starts one, the reply
 * matches its reverse, and entries live until their timeout (30 s), as on
 * the kernels of today. Error messages (Destination Unreachable, Packet Too
 * Big, Time Exceeded, Parameter Problem; for IPv4 also Source Quench and
 * Redirect) are RELATED to the connection of the packet they quote: its
 * IP and transport headers are read, the tuple built and inverted and
 * looked up; an error that matches nothing, or is not addressed to an end
 * of what it matches, is INVALID. Neighbor Discovery and MLD are not
 * tracked.
 */
#include <string.h>

#include "ct_int.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool ct_icmp_pair(uint8_t l3, uint8_t type, uint8_t *other)
{
	static const uint8_t pair4[19] = {
		[0] = 8 + 1, [8] = 0 + 1, [13] = 14 + 1, [14] = 13 + 1,
		[15] = 16 + 1, [16] = 15 + 1, [17] = 18 + 1, [18] = 17 + 1,
	};

	if (l3 == 4) {
		if (type >= sizeof(pair4) || !pair4[type])
			return false;
		*other = (uint8_t)(pair4[type] - 1);
		return true;
	}
	switch (type) {
	case 128:
		*other = 129;
		return true;
	case 129:
		*other = 128;
		return true;
	case 139:
		*other = 140;
		return true;
	case 140:
		*other = 139;
		return true;
	default:
		return false;
	}
}

/* Types that may start a connection. */
static bool valid_new(uint8_t l3, uint8_t type)
{
	if (l3 == 4)
		return type == 8 || type == 13 || type == 15 || type == 17;
	return type == 128 || type == 139;
}

static bool is_error4(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* ---- errors ---- */

/* Builds the tuple of the packet an error quotes (q, qlen bytes). */
static int quoted_tuple(const struct ct_pkt *p, const uint8_t *q, size_t qlen,
			struct ct_tuple *in, const char **why)
{
	const uint8_t *l4;
	size_t off, left;

	memset(in, 0, sizeof(*in));
	in->l3 = p->l3;
	in->zone = p->zone;
	if (p->l3 == 4) {
		if (qlen < 20 || q[0] >> 4 != 4) {
			*why = "ICMP error without a quoted IPv4 header";
			return -1;
		}
		off = (size_t)(q[0] & 0x0f) * 4;
		if (off < 20 || off > qlen) {
			*why = "bad quoted IPv4 header";
			return -1;
		}
		if (rd16(q + 6) & 0x1fff) {
			*why = "quoted packet is not a first fragment";
			return -1;
		}
		in->proto = q[9];
		memcpy(in->src.a, q + 12, 4);
		memcpy(in->dst.a, q + 16, 4);
	} else {
		struct ct_ip6_walk w;

		if (qlen < 40 || q[0] >> 4 != 6) {
			*why = "ICMPv6 error without a quoted IPv6 header";
			return -1;
		}
		if (ct_ip6_walk(q, qlen, true, &w, why))
			return -1;
		if (w.nh == 59) {
			*why = "quoted packet has no transport header";
			return -1;
		}
		in->proto = w.nh;
		off = w.off;
		memcpy(in->src.a, q + 8, 16);
		memcpy(in->dst.a, q + 24, 16);
	}
	l4 = q + off;
	left = qlen - off;
	switch (in->proto) {
	case 6:
	case 17:
	case 136:
		if (left < 8) {
			*why = "quoted packet cut before its ports";
			return -1;
		}
		in->sport = rd16(l4);
		in->dport = rd16(l4 + 2);
		break;
	default:
		if (!ct_is_icmp(in->l3, in->proto))
			break;
		if (left < 8) {
			*why = "quoted ICMP header cut short";
			return -1;
		}
		in->type = l4[0];
		in->code = l4[1];
		in->sport = rd16(l4 + 4);
		break;
	}
	return 0;
}

static struct ct_entry *related(struct ct_table *t, const struct ct_pkt *p, enum ct_dir *dir,
				const char **why)
{
	const uint8_t *q = p->b + p->l4off + 8;
	struct ct_tuple in, inv;
	struct ct_entry *e;
	enum ct_dir d = CT_DIR_ORIG;
	const union ct_addr *dst;

	if (quoted_tuple(p, q, p->l4len - 8, &in, why))
		return NULL;
	if (!ct_l4_find(t, in.proto)->invert(&in, &inv)) {
		*why = "quoted packet has no reply direction";
		return NULL;
	}
	e = ct_table_find(t, &inv, &d);
	if (!e) {
		*why = "ICMP error for no tracked connection";
		return NULL;
	}
	/* An error goes back to where the quoted packet came from. */
	dst = d == CT_DIR_ORIG ? &e->t.dst : &e->t.src;
	if (memcmp(dst, &p->t.dst, sizeof(*dst))) {
		*why = "ICMP error not addressed to an end of its connection";
		return NULL;
	}
	*dir = d;
	return e;
}

static struct ct_entry *icmp_error(struct ct_table *t, const struct ct_pkt *p, enum ct_dir *dir,
				   const char **why)
{
	const uint8_t *h = p->b + p->l4off;

	if (p->l3 != 4) {
		*why = "ICMP over IPv6";
		return NULL;
	}
	if (p->l4len < 8) {
		*why = "truncated ICMP header";
		return NULL;
	}
	if (ct_table_config(t)->checksum && !ct_csum_ok(h, p->l4len)) {
		*why = "bad ICMP checksum";
		return NULL;
	}
	if (h[0] > 18) {
		*why = "ICMP type out of range";
		return NULL;
	}
	if (!is_error4(h[0]))
		return NULL;
	return related(t, p, dir, why);
}

static struct ct_entry *icmpv6_error(struct ct_table *t, const struct ct_pkt *p,
				     enum ct_dir *dir, const char **why)
{
	const uint8_t *h = p->b + p->l4off;

	if (p->l3 != 6) {
		*why = "ICMPv6 over IPv4";
		return NULL;
	}
	if (p->l4len < 8) {
		*why = "truncated ICMPv6 header";
		return NULL;
	}
	if (!ct_pkt_csum_ok(t, p, p->l4len)) {
		*why = "bad ICMPv6 checksum";
		return NULL;
	}
	if (h[0] >= 128)
		return NULL;
	return related(t, p, dir, why);
}

/* ---- queries ---- */

static int icmp_tuple(struct ct_pkt *p, const char **why)
{
	const uint8_t *h = p->b + p->l4off;

	if (p->l4len < 8) {
		*why = p->l3 == 4 ? "truncated ICMP header" : "truncated ICMPv6 header";
		return -1;
	}
	p->t.type = h[0];
	p->t.code = h[1];
	p->t.sport = rd16(h + 4);
	p->t.dport = 0;
	if (p->l3 == 6) {
		switch (h[0]) {
		case 130: case 131: case 132: case 143: /* MLD */
		case 133: case 134: case 135: case 136: /* ND */
			*why = "neighbor discovery and MLD are not tracked";
			return 1;
		}
	}
	return 0;
}

static bool icmp_invert(const struct ct_tuple *orig, struct ct_tuple *reply)
{
	uint8_t type;

	if (!ct_icmp_pair(orig->l3, orig->type, &type))
		return false;
	*reply = *orig;
	reply->src = orig->dst;
	reply->dst = orig->src;
	reply->type = type;
	return true;
}

static int icmp_create(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
		       const char **why)
{
	(void)t;
	(void)p;
	if (!valid_new(e->t.l3, e->t.type)) {
		*why = e->t.l3 == 4 ? "ICMP type cannot start a connection"
				    : "ICMPv6 type cannot start a connection";
		return -1;
	}
	return 0;
}

static enum ct_info icmp_packet(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
				enum ct_dir dir, uint32_t *timeout, bool *kill, const char **why)
{
	const struct ct_config *cfg = ct_table_config(t);
	uint16_t *n = dir == CT_DIR_ORIG ? &e->p.icmp.req : &e->p.icmp.rep;

	(void)p;
	(void)why;
	*kill = false;
	*timeout = e->t.l3 == 4 ? cfg->to.icmp : cfg->to.icmpv6;
	if (*n < UINT16_MAX)
		(*n)++;
	return dir == CT_DIR_ORIG && !(e->status & CT_S_SEEN_REPLY) ? CT_NEW : CT_ESTABLISHED;
}

const struct ct_l4proto ct_l4_icmp = {
	.proto = 1,
	.name = "icmp",
	.tuple = icmp_tuple,
	.invert = icmp_invert,
	.create = icmp_create,
	.packet = icmp_packet,
	.error = icmp_error,
};

const struct ct_l4proto ct_l4_icmpv6 = {
	.proto = 58,
	.name = "ipv6-icmp",
	.tuple = icmp_tuple,
	.invert = icmp_invert,
	.create = icmp_create,
	.packet = icmp_packet,
	.error = icmpv6_error,
};
