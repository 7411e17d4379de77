/*
 * The Mobility Header codec of mip6d (RFC 6275 §6.1, §6.2): a strict parser
 * from the bytes of one Mobility Header into struct m6_mh (every length
 * checked before the bytes it covers are read; option lengths and the
 * alignment rules of the fixed-size options enforced), the builder that lays
 * out the fixed part, the options with Pad1/PadN for their alignment and the
 * padding to a multiple of 8 octets, the checksum over the IPv6
 * pseudo-header, and the names of message types and BA status codes.
 */
#include <errno.h>
#include <string.h>

#include "mh.h"

#define MH_HDR 6	/* Payload Proto, Header Len, MH Type, Reserved, Checksum */

/* Length of the fixed part of each message, header included (§6.1.2-9). */
static const uint8_t fixed_len[M6_MH_NTYPES] = {
	[M6_BRR] = 8, [M6_HOTI] = 16, [M6_COTI] = 16, [M6_HOT] = 24,
	[M6_COT] = 24, [M6_BU] = 12, [M6_BA] = 12, [M6_BE] = 24,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int bad(struct m6_mh *m, const char **why, const char *msg, size_t off)
{
	m->bad_off = off;
	if (why)
		*why = msg;
	return -EINVAL;
}

/* One fixed-size option: its length must be exact and it must sit at
 * offset mod 8 == rem (mod 2 when step is 2). */
struct optrule {
	uint8_t len, step, rem;
	const char *why_len, *why_align;
};

static const struct optrule opt_rules[] = {
	[M6_OPT_BRA] = { 2, 2, 0, "Binding Refresh Advice option length is not 2",
			 "Binding Refresh Advice option is not at an offset of 2n" },
	[M6_OPT_ACOA] = { 16, 8, 6, "Alternate Care-of Address option length is not 16",
			  "Alternate Care-of Address option is not at an offset of 8n+6" },
	[M6_OPT_NI] = { 4, 2, 0, "Nonce Indices option length is not 4",
			"Nonce Indices option is not at an offset of 2n" },
	[M6_OPT_BAD] = { 12, 8, 2, "Binding Authorization Data option length is not 12",
			 "Binding Authorization Data option is not at an offset of 8n+2" },
};

static int parse_options(const uint8_t *p, size_t off, size_t end, struct m6_mh *m,
			 const char **why)
{
	while (off < end) {
		uint8_t type = p[off];
		size_t olen;

		if (m->has_bad)
			/* §6.2.7: the authorization data is the last option, unpadded. */
			return bad(m, why, "an option follows the Binding Authorization Data", off);
		if (type == M6_OPT_PAD1) {
			off++;
			continue;
		}
		if (2 > end - off)
			return bad(m, why, "mobility option truncated before its length", off);
		olen = p[off + 1];
		if (olen > end - off - 2)
			return bad(m, why, "mobility option runs past the Mobility Header",
				   off + 1);
		if (type >= M6_OPT_BRA && type <= M6_OPT_BAD) {
			const struct optrule *r = &opt_rules[type];

			if (olen != r->len)
				return bad(m, why, r->why_len, off + 1);
			if (off % r->step != r->rem)
				return bad(m, why, r->why_align, off);
		}
		switch (type) {
		case M6_OPT_BRA:
			m->has_bra = true;
			m->refresh = get16(p + off + 2);
			break;
		case M6_OPT_ACOA:
			m->has_acoa = true;
			memcpy(&m->acoa, p + off + 2, 16);
			break;
		case M6_OPT_NI:
			m->has_ni = true;
			m->home_ni = get16(p + off + 2);
			m->coa_ni = get16(p + off + 4);
			break;
		case M6_OPT_BAD:
			m->has_bad = true;
			memcpy(m->auth, p + off + 2, 12);
			m->auth_off = off + 2;
			break;
		default:
			/* PadN and options we do not know are skipped (§6.2.1). */
			break;
		}
		off += 2 + olen;
	}
	return 0;
}

int m6_mh_parse(const uint8_t *p, size_t len, struct m6_mh *m, const char **why)
{
	size_t mlen;

	memset(m, 0, sizeof(*m));
	if (why)
		*why = NULL;
	if (8 > len)
		return bad(m, why, "Mobility Header truncated (less than 8 bytes)", 0);
	mlen = ((size_t)p[1] + 1) * 8;
	if (mlen > len)
		return bad(m, why, "Header Len exceeds the packet", 1);
	m->proto = p[0];
	m->type = p[2];
	if (p[0] != 59)
		/* §6.1.1: no payload may follow until an extension defines one. */
		return bad(m, why, "Payload Proto is not 59 (no next header)", 0);
	if (p[2] >= M6_MH_NTYPES) {
		if (why)
			*why = "unknown MH Type";
		m->bad_off = 2;
		return -ENOTSUP;
	}
	if (fixed_len[p[2]] > mlen)
		return bad(m, why, "Header Len below the message's fixed part", 1);

	switch (m->type) {
	case M6_BRR:
		break;
	case M6_HOTI:
	case M6_COTI:
		memcpy(m->cookie, p + 8, 8);
		break;
	case M6_HOT:
	case M6_COT:
		m->nonce_index = get16(p + 6);
		memcpy(m->cookie, p + 8, 8);
		memcpy(m->token, p + 16, 8);
		break;
	case M6_BU:
		m->seq = get16(p + 6);
		m->flags = get16(p + 8) & (M6_BU_A | M6_BU_H | M6_BU_L | M6_BU_K);
		m->lifetime = get16(p + 10);
		break;
	case M6_BA:
		m->status = p[6];
		m->flags = p[7] & M6_BA_K;
		m->seq = get16(p + 8);
		m->lifetime = get16(p + 10);
		break;
	case M6_BE:
		m->status = p[6];
		memcpy(&m->home, p + 8, 16);
		break;
	}
	return parse_options(p, fixed_len[m->type], mlen, m, why);
}

/* Pads from *off to the next offset with off % step == rem. */
static int pad_to(uint8_t *buf, size_t cap, size_t *off, unsigned step, unsigned rem)
{
	size_t n = (rem + step - *off % step) % step;

	if (n > cap - *off)
		return -ENOSPC;
	if (n == 1) {
		buf[*off] = M6_OPT_PAD1;
	} else if (n > 1) {
		buf[*off] = M6_OPT_PADN;
		buf[*off + 1] = (uint8_t)(n - 2);
		memset(buf + *off + 2, 0, n - 2);
	}
	*off += n;
	return 0;
}

/* Writes option type and length at *off (aligned first); returns where
 * the option data goes, or NULL when it does not fit. */
static uint8_t *put_opt(uint8_t *buf, size_t cap, size_t *off, uint8_t type)
{
	const struct optrule *r = &opt_rules[type];
	uint8_t *d;

	if (pad_to(buf, cap, off, r->step, r->rem))
		return NULL;
	if ((size_t)r->len + 2 > cap - *off)
		return NULL;
	buf[*off] = type;
	buf[*off + 1] = r->len;
	d = buf + *off + 2;
	*off += 2 + (size_t)r->len;
	return d;
}

int m6_mh_build(const struct m6_mh *m, uint8_t *buf, size_t cap, size_t *len, size_t *auth_off)
{
	size_t off;
	uint8_t *d;

	if (auth_off)
		*auth_off = 0;
	*len = 0;
	if (m->type >= M6_MH_NTYPES)
		return -EINVAL;
	off = fixed_len[m->type];
	if (off > cap)
		return -ENOSPC;
	memset(buf, 0, off);
	buf[0] = m->proto ? m->proto : 59;
	buf[2] = m->type;
	switch (m->type) {
	case M6_BRR:
		break;
	case M6_HOTI:
	case M6_COTI:
		memcpy(buf + 8, m->cookie, 8);
		break;
	case M6_HOT:
	case M6_COT:
		put16(buf + 6, m->nonce_index);
		memcpy(buf + 8, m->cookie, 8);
		memcpy(buf + 16, m->token, 8);
		break;
	case M6_BU:
		put16(buf + 6, m->seq);
		put16(buf + 8, m->flags & (M6_BU_A | M6_BU_H | M6_BU_L | M6_BU_K));
		put16(buf + 10, m->lifetime);
		break;
	case M6_BA:
		buf[6] = m->status;
		buf[7] = (uint8_t)(m->flags & M6_BA_K);
		put16(buf + 8, m->seq);
		put16(buf + 10, m->lifetime);
		break;
	case M6_BE:
		buf[6] = m->status;
		memcpy(buf + 8, &m->home, 16);
		break;
	}

	/* The authorization data goes last (§6.2.7), the others in type order. */
	if (m->has_bra) {
		if (!(d = put_opt(buf, cap, &off, M6_OPT_BRA)))
			return -ENOSPC;
		put16(d, m->refresh);
	}
	if (m->has_ni) {
		if (!(d = put_opt(buf, cap, &off, M6_OPT_NI)))
			return -ENOSPC;
		put16(d, m->home_ni);
		put16(d + 2, m->coa_ni);
	}
	if (m->has_acoa) {
		if (!(d = put_opt(buf, cap, &off, M6_OPT_ACOA)))
			return -ENOSPC;
		memcpy(d, &m->acoa, 16);
	}
	if (m->has_bad) {
		if (!(d = put_opt(buf, cap, &off, M6_OPT_BAD)))
			return -ENOSPC;
		memcpy(d, m->auth, 12);
		if (auth_off)
			*auth_off = (size_t)(d - buf);
	}
	if (pad_to(buf, cap, &off, 8, 0))
		return -ENOSPC;
	if (off > 256 * 8)
		return -EINVAL;
	buf[1] = (uint8_t)(off / 8 - 1);
	*len = off;
	return 0;
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 2; n -= 2, p += 2)
		sum += get16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Pseudo-header and message with the checksum field left out (= zero). */
static uint32_t mh_sum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		       size_t len)
{
	uint32_t sum = 0;
	uint8_t ph[8];

	ph[0] = (uint8_t)(len >> 24);
	ph[1] = (uint8_t)(len >> 16);
	ph[2] = (uint8_t)(len >> 8);
	ph[3] = (uint8_t)len;
	ph[4] = ph[5] = ph[6] = 0;
	ph[7] = M6_IPPROTO_MH;
	sum = sum_bytes(sum, src->s6_addr, 16);
	sum = sum_bytes(sum, dst->s6_addr, 16);
	sum = sum_bytes(sum, ph, 8);
	if (len < 6)
		return fold(sum_bytes(sum, mh, len));
	sum = sum_bytes(sum, mh, 4);
	/* Folding as we go keeps long (hostile) lengths from overflowing. */
	for (size_t off = 6; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;

		sum = fold(sum_bytes(sum, mh + off, n));
	}
	return sum;
}

uint16_t m6_mh_csum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		    size_t len)
{
	return (uint16_t)~fold(mh_sum(src, dst, mh, len));
}

void m6_mh_set_csum(const struct in6_addr *src, const struct in6_addr *dst, uint8_t *mh,
		    size_t len)
{
	if (len < 6)
		return;
	put16(mh + 4, m6_mh_csum(src, dst, mh, len));
}

bool m6_mh_csum_ok(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *mh,
		   size_t len)
{
	if (len < 6)
		return false;
	/* The whole sum, stored checksum included, must be all ones. */
	return fold(mh_sum(src, dst, mh, len) + get16(mh + 4)) == 0xffff;
}

const char *m6_mh_type_name(unsigned type)
{
	static const char *const names[M6_MH_NTYPES] = {
		"BRR", "HoTI", "CoTI", "HoT", "CoT", "BU", "BA", "BE",
	};

	return type < M6_MH_NTYPES ? names[type] : "unknown";
}

const char *m6_ba_status_name(unsigned status)
{
	switch (status) {
	case M6_BA_ACCEPTED:
		return "accepted";
	case M6_BA_ACCEPTED_PD:
		return "accepted, prefix discovery necessary";
	case M6_BA_UNSPEC:
		return "reason unspecified";
	case M6_BA_PROHIBITED:
		return "administratively prohibited";
	case M6_BA_RESOURCES:
		return "insufficient resources";
	case M6_BA_HR_NOT_SUPP:
		return "home registration not supported";
	case M6_BA_NOT_HOME_SUBNET:
		return "not home subnet";
	case M6_BA_NOT_HA:
		return "not home agent for this mobile node";
	case M6_BA_DAD_FAILED:
		return "duplicate address detection failed";
	case M6_BA_SEQ_OOW:
		return "sequence number out of window";
	case M6_BA_EXP_HNI:
		return "expired home nonce index";
	case M6_BA_EXP_CNI:
		return "expired care-of nonce index";
	case M6_BA_EXP_NONCES:
		return "expired nonces";
	case M6_BA_REG_TYPE_CHANGE:
		return "registration type change disallowed";
	default:
		return "unknown status";
	}
}
