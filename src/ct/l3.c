/*
 * The IP layer for the tracker: IPv4 header checks (version, header and
 * total length, optionally the header checksum), IPv6 with its extension
 * headers skipped to the upper layer (Hop-by-Hop only first, option TLVs
 * inside their header, routing headers: type 0 with segments left refused
 * as RFC 5095 says, the final destination of type 2 and SRH kept for
 * checksums; AH skipped; a Jumbo Payload honoured), and the Fragment header
 * or IPv4 fragment fields that send a packet to reassembly first. Also the
 * pseudo-header checksum the L4 modules use. Every length is checked
 * against what is left before it is used; a malformed packet comes back
 * INVALID with the reason.
 */
#include <string.h>

#include "ct_int.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- checksums ---- */

/* Adds n bytes to a one's complement sum kept in host order words; the
 * result folds the same whatever the byte order (RFC 1071 §2(B)). */
static uint64_t sum_bytes(uint64_t s, const uint8_t *p, size_t n)
{
	uint32_t w;
	uint16_t h;

	while (n >= 4) {
		memcpy(&w, p, 4);
		s += w;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		s += h;
	}
	return s;
}

static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

bool ct_csum_ok(const uint8_t *p, size_t n)
{
	return fold(sum_bytes(0, p, n)) == 0xffff;
}

bool ct_pkt_csum_ok(const struct ct_table *t, const struct ct_pkt *p, size_t len)
{
	uint8_t ph[40];
	size_t phlen;
	uint64_t s;

	if (!ct_table_config(t)->checksum)
		return true;
	if (len > p->l4len)
		return false;
	memset(ph, 0, sizeof(ph));
	if (p->l3 == 4) {
		memcpy(ph, p->b + 12, 8);
		ph[9] = p->proto;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		phlen = 12;
	} else {
		memcpy(ph, p->b + 8, 16);
		memcpy(ph + 16, p->final_dst ? p->final_dst : p->b + 24, 16);
		ph[32] = (uint8_t)(len >> 24);
		ph[33] = (uint8_t)(len >> 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = p->proto;
		phlen = 40;
	}
	s = sum_bytes(0, ph, phlen);
	s = sum_bytes(s, p->b + p->l4off, len);
	return fold(s) == 0xffff;
}

/* ---- IPv4 ---- */

static enum ct_l3_res parse4(const uint8_t *b, size_t len, bool csum, struct ct_pkt *p,
			     const char **why)
{
	size_t ihl, tot;

	if (len < 20) {
		*why = "truncated IPv4 header";
		return CT_L3_INVALID;
	}
	ihl = (size_t)(b[0] & 0x0f) * 4;
	if (ihl < 20) {
		*why = "IPv4 header length below 20 bytes";
		return CT_L3_INVALID;
	}
	tot = rd16(b + 2);
	if (tot < ihl) {
		*why = "IPv4 total length shorter than the header";
		return CT_L3_INVALID;
	}
	if (tot > len) {
		*why = "IPv4 packet shorter than its total length";
		return CT_L3_INVALID;
	}
	if (csum && fold(sum_bytes(0, b, ihl)) != 0xffff) {
		*why = "bad IPv4 header checksum";
		return CT_L3_INVALID;
	}
	p->b = b;
	p->len = tot;
	p->l3 = 4;
	p->proto = b[9];
	p->l4off = ihl;
	p->l4len = tot - ihl;
	p->t.l3 = 4;
	p->t.proto = b[9];
	memcpy(p->t.src.a, b + 12, 4);
	memcpy(p->t.dst.a, b + 16, 4);
	if (rd16(b + 6) & 0x3fff) /* More Fragments or an offset */
		return CT_L3_FRAG;
	return CT_L3_OK;
}

/* ---- IPv6 ---- */

/* Whether the option TLVs of a Hop-by-Hop or Destination Options header
 * fill it exactly. */
static bool options_ok(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] > n - i - 2)
			return false;
		i += 2 + (size_t)o[i + 1];
	}
	return true;
}

int ct_ip6_walk(const uint8_t *b, size_t len, bool quoted, struct ct_ip6_walk *w,
		const char **why)
{
	uint8_t nh = b[6];
	size_t off = 40, hl;
	bool first = true;

	memset(w, 0, sizeof(*w));
	for (;; first = false) {
		const uint8_t *h = b + off;
		size_t left = len - off;

		switch (nh) {
		case 0:	 /* Hop-by-Hop Options */
		case 60: /* Destination Options */
			if (nh == 0 && !first) {
				*why = "hop-by-hop options header not first";
				return -1;
			}
			if (left < 2 || (hl = ((size_t)h[1] + 1) * 8) > left) {
				*why = nh ? "truncated destination options header"
					  : "truncated hop-by-hop options header";
				return -1;
			}
			if (!options_ok(h + 2, hl - 2)) {
				*why = nh ? "bad option in destination options header"
					  : "bad option in hop-by-hop options header";
				return -1;
			}
			break;
		case 43: /* Routing */
			if (left < 8 || (hl = ((size_t)h[1] + 1) * 8) > left) {
				*why = "truncated routing header";
				return -1;
			}
			if (!h[3]) /* no segments left: nothing to follow */
				break;
			if (h[2] == 0) {
				*why = "type 0 routing header (RFC 5095)";
				return -1;
			}
			if (h[2] == 2) {
				if (h[1] != 2 || h[3] != 1) {
					*why = "bad type 2 routing header";
					return -1;
				}
				w->final_dst = h + 8;
			} else if (h[2] == 4) {
				if (hl < 24) {
					*why = "segment routing header without segments";
					return -1;
				}
				w->final_dst = h + 8; /* Segment List[0] */
			}
			break;
		case 44: /* Fragment */
			if (left < 8) {
				*why = "truncated fragment header";
				return -1;
			}
			w->frag = true;
			w->fragoff = rd16(h + 2) >> 3;
			if (!quoted) {
				w->nh = nh;
				w->off = off;
				return 0;
			}
			if (w->fragoff) {
				*why = "quoted packet is not a first fragment";
				return -1;
			}
			hl = 8;
			break;
		case 51: /* Authentication Header */
			if (left < 2 || (hl = ((size_t)h[1] + 2) * 4) > left || hl < 12) {
				*why = "truncated authentication header";
				return -1;
			}
			break;
		default:
			w->nh = nh;
			w->off = off;
			return 0;
		}
		nh = h[0];
		off += hl;
	}
}

/* The payload length of a jumbogram (RFC 2675), or 0 if b has none. */
static size_t jumbo_len(const uint8_t *b, size_t len)
{
	size_t hl, i;

	if (len < 48 || b[6] != 0)
		return 0;
	hl = ((size_t)b[41] + 1) * 8;
	if (hl > len - 40)
		return 0;
	for (i = 2; i < hl;) {
		const uint8_t *o = b + 40 + i;

		if (o[0] == 0) {
			i++;
			continue;
		}
		if (hl - i < 2 || o[1] > hl - i - 2)
			return 0;
		if (o[0] == 0xc2 && o[1] == 4)
			return rd32(o + 2);
		i += 2 + (size_t)o[1];
	}
	return 0;
}

static enum ct_l3_res parse6(const uint8_t *b, size_t len, struct ct_pkt *p, const char **why)
{
	struct ct_ip6_walk w;
	size_t plen, jl;

	if (len < 40) {
		*why = "truncated IPv6 header";
		return CT_L3_INVALID;
	}
	plen = rd16(b + 4);
	jl = jumbo_len(b, len);
	if (jl) {
		if (plen) {
			*why = "jumbo payload option with a non-zero payload length";
			return CT_L3_INVALID;
		}
		if (jl <= 65535) {
			*why = "jumbo payload length below 65536";
			return CT_L3_INVALID;
		}
		plen = jl;
	}
	if (plen > len - 40) {
		*why = "IPv6 packet shorter than its payload length";
		return CT_L3_INVALID;
	}
	p->b = b;
	p->len = 40 + plen;
	p->l3 = 6;
	p->t.l3 = 6;
	memcpy(p->t.src.a, b + 8, 16);
	memcpy(p->t.dst.a, b + 24, 16);
	if (ct_ip6_walk(b, p->len, false, &w, why))
		return CT_L3_INVALID;
	if (w.frag) {
		if (jl) {
			*why = "fragmented jumbogram";
			return CT_L3_INVALID;
		}
		return CT_L3_FRAG;
	}
	if (w.nh == 59) {
		*why = "no next header";
		return CT_L3_INVALID;
	}
	p->proto = w.nh;
	p->t.proto = w.nh;
	p->l4off = w.off;
	p->l4len = p->len - w.off;
	p->final_dst = w.final_dst;
	return CT_L3_OK;
}

enum ct_l3_res ct_l3_parse(const uint8_t *b, size_t len, bool csum, struct ct_pkt *p,
			   const char **why)
{
	memset(p, 0, sizeof(*p));
	if (!b || !len) {
		*why = "empty packet";
		return CT_L3_NOTIP;
	}
	switch (b[0] >> 4) {
	case 4:
		return parse4(b, len, csum, p, why);
	case 6:
		return parse6(b, len, p, why);
	default:
		*why = "neither IPv4 nor IPv6";
		return CT_L3_NOTIP;
	}
}
