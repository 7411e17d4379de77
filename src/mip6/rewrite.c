/*
 * The pure packet rewrites of the user-space data plane (dp.h): a checked
 * walk of the IPv6 extension header chain, the Home Address option taken
 * out (CN/HA receiving) and put in (MN sending), the type 2 routing header
 * put in (CN/HA sending to a home address) and taken out (MN receiving),
 * and IPv6-in-IPv6 encapsulation. Every rewrite fixes the Payload Length and
 * the Next Header chain. None touches an upper-layer checksum, and none has
 * to: RFC 6275 (§6.3, §6.4, §9.3.1, §11.3.3) computes the pseudo-header with
 * the home address as source when a Home Address option is present and with
 * the home address as final destination when a type 2 routing header is,
 * which is the very address the rewrite moves into the IPv6 header; so the
 * sum the sender's kernel computed over the home address is the sum the
 * receiving kernel checks after the rewrite, and the other way round.
 * The output never overlaps the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp.h"

#define IP6_HLEN 40
#define NH_HOP 0
#define NH_ROUTING 43
#define NH_FRAG 44
#define NH_DSTOPT 60
#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_HAO 0xc9
#define HAO_LEN 16		/* option data length */
#define RH2_LEN 24		/* the whole type 2 routing header */
#define DSTOPT_HAO_LEN 24	/* a Destination Options header holding only the HAO */
#define EXT_MAX_LEN 2048	/* (255 + 1) * 8 */
#define WALK_MAX 16		/* extension headers we follow before giving up */

/* One extension header the walk passed. */
struct hdr {
	uint8_t type;
	size_t off, len;
	size_t nh_at;	/* offset of the byte that names this header */
};

struct walk {
	size_t end;		/* 40 + payload length */
	unsigned n;
	struct hdr h[WALK_MAX];
	uint8_t upper;
	size_t upper_off, upper_nh_at;
	int hao;		/* index of the header holding the HAO, or -1 */
	size_t hao_opt;		/* offset of the option's type byte in that header */
	int rh2;		/* index of the type 2 routing header, or -1 */
};

/* Checks the options of an options header (h[0..hl), hl >= 2) as TLVs and,
 * when want_hao, finds the Home Address option: at most one, with data
 * length 16. *hao_at gets its offset in the header, or 0. */
static int opts_check(const uint8_t *h, size_t hl, bool want_hao, size_t *hao_at)
{
	size_t p = 2;

	*hao_at = 0;
	while (p < hl) {
		size_t left = hl - p, ol;

		if (h[p] == OPT_PAD1) {
			p++;
			continue;
		}
		if (2 > left)
			return -EINVAL;
		ol = h[p + 1];
		if (ol > left - 2)
			return -EINVAL;
		if (want_hao && h[p] == OPT_HAO) {
			if (ol != HAO_LEN || *hao_at)
				return -EINVAL;
			*hao_at = p;
		}
		p += 2 + ol;
	}
	return 0;
}

/* Walks the chain of pkt[0..len). The packet ends where its Payload Length
 * says (bytes after that are not part of it); a jumbogram (length 0 with
 * headers following) is refused as cut. */
static int walk(const uint8_t *pkt, size_t len, struct walk *w)
{
	size_t off = IP6_HLEN, nh_at = 6, plen;
	uint8_t nh;
	int rc;

	memset(w, 0, sizeof(*w));
	w->hao = w->rh2 = -1;
	if (IP6_HLEN > len || pkt[0] >> 4 != 6)
		return -EINVAL;
	plen = (size_t)pkt[4] << 8 | pkt[5];
	if (plen > len - IP6_HLEN)
		return -EINVAL;
	w->end = IP6_HLEN + plen;
	nh = pkt[6];
	for (;;) {
		size_t left = w->end - off, hl, at;
		struct hdr *h;

		if (nh != NH_HOP && nh != NH_ROUTING && nh != NH_DSTOPT) {
			/* Fragment, AH, ESP, No Next Header or an upper layer:
			 * the walk stops; a Fragment header must be whole. */
			if (nh == NH_FRAG && 8 > left)
				return -EINVAL;
			w->upper = nh;
			w->upper_off = off;
			w->upper_nh_at = nh_at;
			return 0;
		}
		/* Hop-by-Hop only right after the IPv6 header (RFC 8200 §4.1). */
		if (nh == NH_HOP && off != IP6_HLEN)
			return -EINVAL;
		if (2 > left)
			return -EINVAL;
		hl = ((size_t)pkt[off + 1] + 1) * 8;
		if (hl > left || w->n == WALK_MAX)
			return -EINVAL;
		h = &w->h[w->n];
		*h = (struct hdr){ .type = nh, .off = off, .len = hl, .nh_at = nh_at };
		if (nh == NH_ROUTING && pkt[off + 2] == 2) {
			/* RFC 6275 §6.4: length 2, one address; one such header. */
			if (hl != RH2_LEN || w->rh2 >= 0)
				return -EINVAL;
			w->rh2 = (int)w->n;
		} else if (nh != NH_ROUTING) {
			rc = opts_check(pkt + off, hl, nh == NH_DSTOPT, &at);
			if (rc)
				return rc;
			if (at) {
				if (w->hao >= 0)
					return -EINVAL;
				w->hao = (int)w->n;
				w->hao_opt = at;
			}
		}
		w->n++;
		nh_at = off;
		nh = pkt[off];
		off += hl;
	}
}

int m6_pkt_info(const uint8_t *pkt, size_t len, struct m6_pkt_info *pi)
{
	struct walk w;
	int rc = walk(pkt, len, &w);

	memset(pi, 0, sizeof(*pi));
	if (rc)
		return rc;
	memcpy(&pi->src, pkt + 8, 16);
	memcpy(&pi->dst, pkt + 24, 16);
	pi->upper = w.upper;
	pi->upper_off = w.upper_off;
	if (w.hao >= 0) {
		const struct hdr *h = &w.h[w.hao];

		pi->has_hao = true;
		pi->hao_off = h->off + w.hao_opt + 2;
		pi->dstopt_off = h->off;
		pi->dstopt_len = h->len;
	}
	if (w.rh2 >= 0) {
		pi->has_rh2 = true;
		pi->rh2_off = w.h[w.rh2].off;
		pi->rh2_segleft = pkt[w.h[w.rh2].off + 3];
	}
	return 0;
}

/* A home address must be a unicast address of global scope: not
 * unspecified, loopback, multicast or link-local (RFC 6275 §9.3.1, §6.4). */
static bool home_addr_ok(const uint8_t *a)
{
	static const uint8_t zero[16];

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false;
	if (!memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1))
		return false;
	return true;
}

/* Writes n (<= 7) bytes of padding: Pad1, or one PadN (Linux refuses runs
 * of more than 7 padding bytes, RFC 8200 §4.2 wants them short). */
static void pad_put(uint8_t *o, size_t n)
{
	if (n == 1) {
		o[0] = OPT_PAD1;
	} else if (n >= 2) {
		o[0] = OPT_PADN;
		o[1] = (uint8_t)(n - 2);
		memset(o + 2, 0, n - 2);
	}
}

/* Appends option opt[0..olen) to o[0..cap) at *pos, padded so that it starts
 * at a position equal to `align` modulo 8. */
static int opt_put(uint8_t *o, size_t cap, size_t *pos, const uint8_t *opt, size_t olen,
		   size_t align)
{
	size_t pad = (align - *pos) & 7;

	if (pad + olen > cap - *pos)
		return -ENOSPC;
	pad_put(o + *pos, pad);
	memcpy(o + *pos + pad, opt, olen);
	*pos += pad + olen;
	return 0;
}

/*
 * Rebuilds the Destination Options header h[0..hl) (already checked) into
 * o[0..cap): first the Home Address option carrying hoa when hoa is given
 * (at 8n+6 as RFC 6275 §6.3 asks: PadN of 4, then the option, 24 bytes in
 * all), then every option of h except padding and the one at offset skip
 * (0: none), each at its old position modulo 8, so whatever alignment it
 * needed still holds; then padding to a multiple of 8. *olen gets the new
 * length, 0 when no option is left (the header is to go).
 */
static int dstopt_rebuild(const uint8_t *h, size_t hl, size_t skip, const uint8_t *hoa,
			  uint8_t *o, size_t cap, size_t *olen)
{
	size_t p = 2, pos = 2, kept = 0, pad;
	int rc;

	*olen = 0;
	if (2 > cap)
		return -ENOSPC;
	if (hoa) {
		uint8_t opt[2 + HAO_LEN] = { OPT_HAO, HAO_LEN };

		memcpy(opt + 2, hoa, 16);
		rc = opt_put(o, cap, &pos, opt, sizeof(opt), 6);
		if (rc)
			return rc;
		kept++;
	}
	while (p < hl) {
		size_t ol = h[p] == OPT_PAD1 ? 1 : 2 + (size_t)h[p + 1];

		if (h[p] != OPT_PAD1 && h[p] != OPT_PADN && p != skip) {
			rc = opt_put(o, cap, &pos, h + p, ol, p);
			if (rc)
				return rc;
			kept++;
		}
		p += ol;
	}
	if (!kept)
		return 0;
	pad = (8 - (pos & 7)) & 7;
	if (pad > cap - pos)
		return -ENOSPC;
	pad_put(o + pos, pad);
	pos += pad;
	if (pos > EXT_MAX_LEN)
		return -EMSGSIZE;
	o[0] = h[0];
	o[1] = (uint8_t)(pos / 8 - 1);
	*olen = pos;
	return 0;
}

static void plen_put(uint8_t *o, size_t plen)
{
	o[4] = (uint8_t)(plen >> 8);
	o[5] = (uint8_t)plen;
}

/*
 * The common shape of every rewrite: out = pkt[0..at) + mid[0..midlen) +
 * pkt[at + cut..end), with the payload length fixed. The caller then fixes
 * the addresses and the next header byte (which lies before `at`).
 */
static int splice(const uint8_t *pkt, size_t end, size_t at, size_t cut, const uint8_t *mid,
		  size_t midlen, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t tail = end - at - cut, n, plen;

	if (at > cap || midlen > cap - at || tail > cap - at - midlen)
		return -ENOSPC;
	n = at + midlen + tail;
	plen = n - IP6_HLEN;
	if (plen > 0xffff)
		return -EMSGSIZE;
	memcpy(out, pkt, at);
	if (midlen)
		memcpy(out + at, mid, midlen);
	memcpy(out + at + midlen, pkt + at + cut, tail);
	plen_put(out, plen);
	*outlen = n;
	return 0;
}

int m6_pkt_hao_in(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  struct in6_addr *coa, struct in6_addr *hoa)
{
	uint8_t mid[EXT_MAX_LEN + 64];
	const uint8_t *home;
	const struct hdr *h;
	size_t midlen;
	struct walk w;
	int rc;

	*outlen = 0;
	rc = walk(pkt, len, &w);
	if (rc)
		return rc;
	if (w.hao < 0)
		return -ENOENT;
	h = &w.h[w.hao];
	home = pkt + h->off + w.hao_opt + 2;
	if (!home_addr_ok(home))
		return -EINVAL;
	rc = dstopt_rebuild(pkt + h->off, h->len, w.hao_opt, NULL, mid, sizeof(mid), &midlen);
	if (rc)
		return rc;
	rc = splice(pkt, w.end, h->off, h->len, mid, midlen, out, cap, outlen);
	if (rc)
		return rc;
	/* A header left without options goes: its predecessor names what
	 * followed it. */
	if (!midlen)
		out[h->nh_at] = pkt[h->off];
	if (coa)
		memcpy(coa, pkt + 8, 16);
	if (hoa)
		memcpy(hoa, home, 16);
	memcpy(out + 8, home, 16);
	return 0;
}

int m6_pkt_hao_out(const uint8_t *pkt, size_t len, const struct in6_addr *coa, uint8_t *out,
		   size_t cap, size_t *outlen)
{
	uint8_t mid[EXT_MAX_LEN + 64];
	size_t midlen, at, nh_at, cut = 0;
	int rc, last = -1;
	unsigned ins;
	struct walk w;

	*outlen = 0;
	rc = walk(pkt, len, &w);
	if (rc)
		return rc;
	if (w.hao >= 0)
		return -EEXIST;
	if (!home_addr_ok(pkt + 8))
		return -EINVAL;
	/* RFC 6275 §6.3: after the Hop-by-Hop and routing headers (and a
	 * Destination Options header before a routing header), before a
	 * Fragment header, AH, ESP and the upper layer. A Destination Options
	 * header already standing there takes the option in; otherwise a new
	 * one is put there. */
	for (unsigned i = 0; i < w.n; i++)
		if (w.h[i].type == NH_HOP || w.h[i].type == NH_ROUTING)
			last = (int)i;
	ins = (unsigned)(last + 1);
	if (ins < w.n && w.h[ins].type == NH_DSTOPT) {
		const struct hdr *h = &w.h[ins];

		rc = dstopt_rebuild(pkt + h->off, h->len, 0, pkt + 8, mid, sizeof(mid), &midlen);
		if (rc)
			return rc;
		at = h->off;
		cut = h->len;
		nh_at = h->nh_at;
	} else {
		/* Only options headers follow the last HBH/routing header, so
		 * here none does: the new header goes before the upper layer. */
		at = w.upper_off;
		nh_at = w.upper_nh_at;
		midlen = DSTOPT_HAO_LEN;
		mid[0] = pkt[nh_at];
		mid[1] = DSTOPT_HAO_LEN / 8 - 1;
		pad_put(mid + 2, 4);
		mid[6] = OPT_HAO;
		mid[7] = HAO_LEN;
		memcpy(mid + 8, pkt + 8, 16);
	}
	rc = splice(pkt, w.end, at, cut, mid, midlen, out, cap, outlen);
	if (rc)
		return rc;
	out[nh_at] = NH_DSTOPT;
	memcpy(out + 8, coa, 16);
	return 0;
}

int m6_pkt_rh2_out(const uint8_t *pkt, size_t len, const struct in6_addr *coa, uint8_t *out,
		   size_t cap, size_t *outlen)
{
	uint8_t rh[RH2_LEN] = { 0, RH2_LEN / 8 - 1, 2, 1 };
	size_t at = IP6_HLEN, nh_at = 6;
	struct walk w;
	int rc;

	*outlen = 0;
	rc = walk(pkt, len, &w);
	if (rc)
		return rc;
	for (unsigned i = 0; i < w.n; i++)
		if (w.h[i].type == NH_ROUTING)
			return -EEXIST;
	if (!home_addr_ok(pkt + 24))
		return -EINVAL;
	/* Right after a Hop-by-Hop header, before everything else. */
	if (w.n && w.h[0].type == NH_HOP) {
		at = w.h[0].off + w.h[0].len;
		nh_at = w.h[0].off;
	}
	rh[0] = pkt[nh_at];
	memcpy(rh + 8, pkt + 24, 16);
	rc = splice(pkt, w.end, at, 0, rh, sizeof(rh), out, cap, outlen);
	if (rc)
		return rc;
	out[nh_at] = NH_ROUTING;
	memcpy(out + 24, coa, 16);
	return 0;
}

int m6_pkt_rh2_in(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  struct in6_addr *hoa)
{
	const struct hdr *h;
	struct walk w;
	int rc;

	*outlen = 0;
	rc = walk(pkt, len, &w);
	if (rc)
		return rc;
	if (w.rh2 < 0)
		return -ENOENT;
	h = &w.h[w.rh2];
	/* RFC 6275 §6.4: exactly one segment left, a unicast home address. */
	if (pkt[h->off + 3] != 1 || !home_addr_ok(pkt + h->off + 8))
		return -EINVAL;
	rc = splice(pkt, w.end, h->off, h->len, NULL, 0, out, cap, outlen);
	if (rc)
		return rc;
	out[h->nh_at] = pkt[h->off];
	memcpy(out + 24, pkt + h->off + 8, 16);
	if (hoa)
		memcpy(hoa, pkt + h->off + 8, 16);
	return 0;
}

int m6_pkt_encap(const uint8_t *inner, size_t len, const struct in6_addr *src,
		 const struct in6_addr *dst, uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (IP6_HLEN > len || inner[0] >> 4 != 6)
		return -EINVAL;
	if (len > 0xffff)
		return -EMSGSIZE;
	if (IP6_HLEN > cap || len > cap - IP6_HLEN)
		return -ENOSPC;
	memset(out, 0, IP6_HLEN);
	out[0] = 0x60;
	plen_put(out, len);
	out[6] = 41;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	memcpy(out + IP6_HLEN, inner, len);
	*outlen = IP6_HLEN + len;
	return 0;
}
