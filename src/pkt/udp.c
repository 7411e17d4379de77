/*
 * UDP (RFC 768). The Length field bounds the datagram: a shorter one narrows
 * the payload scope (what follows inside the IP payload is not UDP's), a
 * longer one is malformed. A computed checksum of zero is sent as 0xffff; a
 * zero checksum means "none" over IPv4 and is invalid over IPv6 (RFC 8200
 * §8.1). A Length of zero over an IPv6 jumbogram defers to the IP payload
 * (RFC 2675 §4).
 */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "csum.h"
#include "field.h"

/*
 * The checksum default is nonzero on purpose: the encoder writes defaults
 * before it asks udp_csum() for the value, and udp_csum() reads a stored zero
 * over IPv4 as "no checksum" (so a received datagram without one verifies).
 * A caller who wants no checksum sets cksum=0.
 */
static const struct pkt_fdesc udp_fields[] = {
	{ "sport", PKT_FT_UINT, 0, 0, 16, 0 },
	{ "dport", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 32, 16, 0 },
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 48, 16, 0xffff },
};

static int udp_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	uint32_t off = d->l[idx].off;
	size_t left = pkt_cur_left(c);
	uint16_t ulen;

	if (left < 8) {
		/* An ICMP error may quote less than the header: keep the ports. */
		if (d->partial && left >= 4) {
			nx->len = (uint32_t)left;
			nx->truncated = 1;
			return 0;
		}
		nx->why = "UDP header truncated";
		return -1;
	}
	ulen = (uint16_t)(c->p[4] << 8 | c->p[5]);
	nx->len = 8;
	nx->payload_raw = 1;
	if (ulen == 0 && left > 0xffff)
		return 0; /* jumbogram */
	if (ulen < 8) {
		nx->why = "UDP length below 8";
		return -1;
	}
	if (ulen > left) {
		if (!d->partial) {
			nx->why = "UDP length exceeds the payload scope";
			return -1;
		}
		nx->truncated = 1;
		return 0;
	}
	if (ulen < left)
		nx->end = off + ulen;
	return 0;
}

static int udp_fix(struct pkt_build *b, int idx)
{
	uint32_t len = (uint32_t)b->w->len - b->view.l[idx].off;

	return pkt_build_auto_u(b, idx, "len", len > 0xffff ? 0 : len);
}

/* Whether the nearest IP header before layer idx is IPv4. */
static int udp_over_ipv4(const struct pkt_dec *d, int idx)
{
	for (int i = idx - 1; i >= 0; i--) {
		const struct pkt_layer *l = &d->l[i];

		if (l->depth)
			continue;
		if (!strcmp(l->proto->name, "ipv4"))
			return 1;
		if (!strcmp(l->proto->name, "ipv6"))
			return 0;
	}
	return 0;
}

static int udp_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	const struct pkt_layer *l = &d->l[idx];
	uint16_t ck;
	int rc;

	if (l->off + 8 > d->len)
		return -ENODATA;
	if (udp_over_ipv4(d, idx) && !d->buf[l->off + 6] && !d->buf[l->off + 7]) {
		*out = 0; /* no checksum (RFC 768) */
		return 0;
	}
	rc = pkt_csum_upper(d, idx, 17, 6, &ck);
	if (rc)
		return rc;
	*out = ck ? ck : 0xffff;
	return 0;
}

static int udp_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	const struct pkt_layer *l = &d->l[idx];
	uint32_t plen = l->end > l->off + l->len ? l->end - l->off - l->len : 0;

	return snprintf(out, n, "udp %llu > %llu length %u",
			(unsigned long long)pkt_field_u(d, idx, "sport", 0),
			(unsigned long long)pkt_field_u(d, idx, "dport", 0), plen);
}

const struct pkt_proto pkt_proto_udp = {
	PKT_HDR_PROTO("udp", "UDP", 17, 8, udp_fields),
	.entry = 1, .parse = udp_parse, .fix = udp_fix, .csum = udp_csum,
	.summary = udp_summary,
};

const struct pkt_proto *const pkt_mod_udp[] = { &pkt_proto_udp, NULL };
