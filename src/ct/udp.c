/*
 * UDP (and UDP-Lite, RFC 3828) tracking as Linux's nf_conntrack_proto_udp:
 * a connection is UNREPLIED until a packet comes back (the table then sets
 * SEEN_REPLY); every packet refreshes it with the udp timeout (30 s) until
 * it has been replied to and is more than two seconds old, when a packet
 * gives it the stream timeout (120 s) and makes it ASSURED. Checked: the
 * header is there, its length field (UDP-Lite: checksum coverage) fits the
 * IP payload, and the checksum when the table asks for checksums (a zero
 * checksum means none over IPv4 only).
 */
#include "ct_int.h"

#define NS 1000000000ull
#define STREAM_AFTER (2 * NS) /* a replied flow older than this is a stream */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int udp_tuple_common(struct ct_pkt *p, bool lite, const char **why)
{
	const uint8_t *u;
	size_t ulen;

	if (p->l4len < 8) {
		*why = lite ? "truncated UDP-Lite header" : "truncated UDP header";
		return -1;
	}
	u = p->b + p->l4off;
	ulen = rd16(u + 4);
	if (!lite && (ulen < 8 || ulen > p->l4len)) {
		*why = "bad UDP length";
		return -1;
	}
	if (lite && ulen && (ulen < 8 || ulen > p->l4len)) {
		*why = "bad UDP-Lite checksum coverage";
		return -1;
	}
	p->t.sport = rd16(u);
	p->t.dport = rd16(u + 2);
	p->t.type = 0;
	p->t.code = 0;
	return 0;
}

static int udp_tuple(struct ct_pkt *p, const char **why)
{
	return udp_tuple_common(p, false, why);
}

static int udplite_tuple(struct ct_pkt *p, const char **why)
{
	return udp_tuple_common(p, true, why);
}

static bool udp_invert(const struct ct_tuple *orig, struct ct_tuple *reply)
{
	*reply = *orig;
	reply->src = orig->dst;
	reply->dst = orig->src;
	reply->sport = orig->dport;
	reply->dport = orig->sport;
	return true;
}

static int udp_create(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
		      const char **why)
{
	(void)t;
	(void)why;
	e->p.udp.first_ns = (uint32_t)(p->now % NS);
	return 0;
}

/* Checksum: over the UDP length (UDP) or the coverage (UDP-Lite). */
static bool udp_csum(struct ct_table *t, const struct ct_pkt *p, bool lite, const char **why)
{
	const uint8_t *u = p->b + p->l4off;
	size_t n = rd16(u + 4);

	if (!ct_table_config(t)->checksum)
		return true;
	if (!u[6] && !u[7]) {
		if (!lite && p->l3 == 4)
			return true;
		*why = lite ? "UDP-Lite without checksum"
			    : "UDP over IPv6 without checksum";
		return false;
	}
	if (lite && !n)
		n = p->l4len;
	if (!ct_pkt_csum_ok(t, p, n)) {
		*why = lite ? "bad UDP-Lite checksum" : "bad UDP checksum";
		return false;
	}
	return true;
}

static enum ct_info udp_packet_common(struct ct_table *t, struct ct_entry *e,
				      const struct ct_pkt *p, enum ct_dir dir, uint32_t *timeout,
				      bool lite, const char **why)
{
	const struct ct_config *cfg = ct_table_config(t);
	uint64_t first = (uint64_t)e->start * NS + e->p.udp.first_ns;

	if (!udp_csum(t, p, lite, why))
		return CT_INVALID;
	if (e->status & CT_S_SEEN_REPLY) {
		*timeout = cfg->to.udp;
		if (p->now > first + STREAM_AFTER) {
			*timeout = cfg->to.udp_stream;
			e->status |= CT_S_ASSURED;
		}
	} else {
		*timeout = cfg->to.udp;
	}
	return dir == CT_DIR_ORIG && !(e->status & CT_S_SEEN_REPLY) ? CT_NEW : CT_ESTABLISHED;
}

static enum ct_info udp_packet(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
			       enum ct_dir dir, uint32_t *timeout, bool *kill, const char **why)
{
	*kill = false;
	return udp_packet_common(t, e, p, dir, timeout, false, why);
}

static enum ct_info udplite_packet(struct ct_table *t, struct ct_entry *e,
				   const struct ct_pkt *p, enum ct_dir dir, uint32_t *timeout,
				   bool *kill, const char **why)
{
	*kill = false;
	return udp_packet_common(t, e, p, dir, timeout, true, why);
}

const struct ct_l4proto ct_l4_udp = {
	.proto = 17,
	.name = "udp",
	.tuple = udp_tuple,
	.invert = udp_invert,
	.create = udp_create,
	.packet = udp_packet,
};

const struct ct_l4proto ct_l4_udplite = {
	.proto = 136,
	.name = "udplite",
	.tuple = udplite_tuple,
	.invert = udp_invert,
	.create = udp_create,
	.packet = udplite_packet,
};
