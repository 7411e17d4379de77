/*
 * The Mobility Header codec of mip6d (src/mip6/mh.c): every message type
 * with every combination of the four fixed options built and parsed back;
 * one Binding Update and one Binding Acknowledgement compared byte for byte
 * with bytes written out by hand from RFC 6275 §6.1.7/§6.1.8; messages put
 * in a hand-written IPv6 header and decoded by the packet library (its own
 * checksum and field readers must agree), and messages built by the packet
 * library parsed here; every malformation the parser checks; sequence
 * number comparison across the wrap.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "pkt_t.h"

#include "mh.h"

#define HA "2001:db8:1::100"
#define HOA "2001:db8:1::5"
#define COA "2001:db8:2::5"
#define CN "2001:db8:3::1"

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

/* ---- hand-derived messages ---- */

/*
 * RFC 6275 §6.1.7 Binding Update, sequence 0x1234, flags A, H and K,
 * lifetime 150 units (600 s), with an Alternate Care-of Address option
 * 2001:db8:2::5. The fixed part is 12 octets; the option needs 8n+6 so two
 * octets of padding (a PadN of length 0) put it at 14; 14 + 18 = 32 octets,
 * a multiple of 8, Header Len = 32/8 - 1 = 3.
 */
static const uint8_t hand_bu[32] = {
	0x3b,		/* Payload Proto: 59, no next header */
	0x03,		/* Header Len: 3 (32 octets) */
	0x05,		/* MH Type: Binding Update */
	0x00,		/* Reserved */
	0x00, 0x00,	/* Checksum (zero as built) */
	0x12, 0x34,	/* Sequence # */
	0xd0, 0x00,	/* A (0x80) | H (0x40) | K (0x10), L clear, reserved zero */
	0x00, 0x96,	/* Lifetime: 150 time units of 4 s */
	0x01, 0x00,	/* PadN, Opt Data Len 0: two octets of padding */
	0x03, 0x10,	/* Alternate Care-of Address option, length 16, at offset 14 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
};

/* Its checksum sent COA -> HA: the one's complement sum of the pseudo-header
 * (source, destination, upper-layer length 32, three zero octets, 135) and
 * the 16 message words is 0xb1bf; the checksum is its complement. */
#define HAND_BU_CSUM 0x4e40

/*
 * RFC 6275 §6.1.8 Binding Acknowledgement, status 0 (accepted), K set,
 * sequence 0x1234, lifetime 150 units, with a Binding Refresh Advice option
 * of 64 units (§6.2.4). The 12-octet fixed part leaves the option at 12, a
 * multiple of 2 as it needs; 12 + 4 = 16 octets, Header Len 1.
 */
static const uint8_t hand_ba[16] = {
	0x3b, 0x01, 0x06, 0x00,	/* Payload Proto 59, Header Len 1, MH Type 6, Reserved */
	0x00, 0x00,		/* Checksum */
	0x00,			/* Status: accepted */
	0x80,			/* K flag, then 7 reserved bits */
	0x12, 0x34,		/* Sequence # */
	0x00, 0x96,		/* Lifetime */
	0x02, 0x02,		/* Binding Refresh Advice, length 2 */
	0x00, 0x40,		/* Refresh Interval: 64 units */
};
#define HAND_BA_CSUM 0x4c61	/* HA -> COA */

/* ---- helpers ---- */

static uint8_t pktbuf[2200];

/* A whole IPv6 packet around the message: the 40-byte header by hand. */
static size_t wrap6(const char *src, const char *dst, const uint8_t *mh, size_t len)
{
	struct in6_addr s = A(src), d = A(dst);

	pktbuf[0] = 0x60;	/* version 6, traffic class 0, flow label 0 */
	pktbuf[1] = pktbuf[2] = pktbuf[3] = 0;
	pktbuf[4] = (uint8_t)(len >> 8);	/* payload length */
	pktbuf[5] = (uint8_t)len;
	pktbuf[6] = 135;	/* next header: Mobility Header */
	pktbuf[7] = 64;		/* hop limit */
	memcpy(pktbuf + 8, &s, 16);
	memcpy(pktbuf + 24, &d, 16);
	memcpy(pktbuf + 40, mh, len);
	m6_mh_set_csum(&s, &d, pktbuf + 40, len);
	return 40 + len;
}

static int lidx(const char *name)
{
	return pkt_dec_find(dec, name, 0);
}

/* Same fields (auth_off, which depends on the layout, left out). */
static const char *mh_diff(const struct m6_mh *a, const struct m6_mh *b)
{
#define D(f)                                                                   \
	if (memcmp(&a->f, &b->f, sizeof(a->f)))                                \
		return #f
	D(type);
	D(proto);
	D(seq);
	D(lifetime);
	D(flags);
	D(status);
	D(home);
	D(cookie);
	D(token);
	D(nonce_index);
	D(has_bra);
	D(has_acoa);
	D(has_ni);
	D(has_bad);
	D(refresh);
	D(acoa);
	D(home_ni);
	D(coa_ni);
	D(auth);
#undef D
	return NULL;
}

/* A message of a type with every field it has set to something. */
static void fill(struct m6_mh *m, unsigned type, unsigned opts)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->proto = 59;
	switch (type) {
	case M6_HOTI:
	case M6_COTI:
		memcpy(m->cookie, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		break;
	case M6_HOT:
	case M6_COT:
		m->nonce_index = 0xbeef;
		memcpy(m->cookie, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
		memcpy(m->token, "\x21\x22\x23\x24\x25\x26\x27\x28", 8);
		break;
	case M6_BU:
		m->seq = 0xfffe;
		m->flags = M6_BU_A | M6_BU_L;
		m->lifetime = 0x1234;
		break;
	case M6_BA:
		m->status = M6_BA_SEQ_OOW;
		m->flags = M6_BA_K;
		m->seq = 77;
		m->lifetime = 65535;
		break;
	case M6_BE:
		m->status = M6_BE_UNKNOWN_HAO;
		m->home = A(HOA);
		break;
	}
	if (opts & 1) {
		m->has_bra = true;
		m->refresh = 300;
	}
	if (opts & 2) {
		m->has_ni = true;
		m->home_ni = 0x0102;
		m->coa_ni = 0xfffe;
	}
	if (opts & 4) {
		m->has_acoa = true;
		m->acoa = A(COA);
	}
	if (opts & 8) {
		m->has_bad = true;
		for (int i = 0; i < 12; i++)
			m->auth[i] = (uint8_t)(0xa0 + i);
	}
}

/* Walks the options of a built message and checks their alignment. */
static const char *check_layout(const uint8_t *b, size_t len, size_t start)
{
	size_t off = start;

	while (off < len) {
		if (b[off] == 0) {
			off++;
			continue;
		}
		if (off + 2 > len || off + 2 + b[off + 1] > len)
			return "option overruns";
		switch (b[off]) {
		case M6_OPT_BRA:
		case M6_OPT_NI:
			if (off % 2)
				return "2n option misaligned";
			break;
		case M6_OPT_ACOA:
			if (off % 8 != 6)
				return "ACoA not at 8n+6";
			break;
		case M6_OPT_BAD:
			if (off % 8 != 2)
				return "BAD not at 8n+2";
			if (off + 14 != len)
				return "BAD not last";
			break;
		}
		off += 2 + b[off + 1];
	}
	return NULL;
}

static const unsigned fixed[8] = { 8, 16, 16, 24, 24, 12, 12, 24 };
static const char *const lib_name[8] = {
	"mh.brr", "mh.hoti", "mh.coti", "mh.hot", "mh.cot", "mh.bu", "mh.ba", "mh.be",
};

/* ---- tests ---- */

static void test_round_trips(void)
{
	int bad_rt = 0, bad_lib = 0, bad_layout = 0, n = 0;

	for (unsigned type = 0; type < M6_MH_NTYPES; type++) {
		for (unsigned opts = 0; opts < 16; opts++) {
			struct m6_mh m, back;
			uint8_t b[256];
			size_t len, aoff;
			const char *why, *d, *lay;
			int rc, i;

			fill(&m, type, opts);
			rc = m6_mh_build(&m, b, sizeof(b), &len, &aoff);
			n++;
			if (rc || len % 8 || b[1] != len / 8 - 1 || len < fixed[type]) {
				printf("# type %u opts %u: build rc %d len %zu\n", type, opts, rc,
				       len);
				bad_rt++;
				continue;
			}
			lay = check_layout(b, len, fixed[type]);
			if (lay) {
				printf("# type %u opts %u: %s\n", type, opts, lay);
				bad_layout++;
			}
			rc = m6_mh_parse(b, len, &back, &why);
			d = rc ? why : mh_diff(&m, &back);
			if (d || (m.has_bad && (aoff != back.auth_off || !aoff ||
						memcmp(b + aoff, m.auth, 12)))) {
				printf("# type %u opts %u: parse back: %s\n", type, opts,
				       d ? d : "auth_off");
				bad_rt++;
			}

			/* The packet library reads the same message. */
			size_t plen = wrap6(COA, CN, b, len);

			if (decode6(pktbuf, plen) != PKT_OK || strcmp(lname(1), lib_name[type]) ||
			    pkt_csum_verify(dec, 1) != 1) {
				printf("# type %u opts %u: library: %s %s csum %d\n", type, opts,
				       dec->why ? dec->why : "", lname(1), pkt_csum_verify(dec, 1));
				bad_lib++;
				continue;
			}
			if ((opts & 1) && ((i = lidx("mhopt.bra")) < 0 ||
					   pkt_field_u(dec, i, "interval", 0) != 300))
				bad_lib++;
			if ((opts & 2) && ((i = lidx("mhopt.nonce")) < 0 ||
					   pkt_field_u(dec, i, "home", 0) != 0x0102 ||
					   pkt_field_u(dec, i, "careof", 0) != 0xfffe))
				bad_lib++;
			if ((opts & 4) &&
			    ((i = lidx("mhopt.altcoa")) < 0 || !addr_is(i, "addr", COA)))
				bad_lib++;
			if ((opts & 8) && ((i = lidx("mhopt.auth")) < 0 ||
					   strcmp(fstr(i, "auth"), "a0a1a2a3a4a5a6a7a8a9aaab")))
				bad_lib++;
			if (type == M6_BU && (pkt_field_u(dec, 1, "seq", 0) != 0xfffe ||
					      pkt_field_u(dec, 1, "a", 0) != 1 ||
					      pkt_field_u(dec, 1, "l", 0) != 1 ||
					      pkt_field_u(dec, 1, "h", 1) != 0 ||
					      pkt_field_u(dec, 1, "lifetime", 0) != 0x1234))
				bad_lib++;
			if (type == M6_BA && (pkt_field_u(dec, 1, "status", 0) != 135 ||
					      pkt_field_u(dec, 1, "k", 0) != 1 ||
					      pkt_field_u(dec, 1, "seq", 0) != 77 ||
					      pkt_field_u(dec, 1, "lifetime", 0) != 65535))
				bad_lib++;
			if (type == M6_BE && (pkt_field_u(dec, 1, "status", 0) != 1 ||
					      !addr_is(1, "hoa", HOA)))
				bad_lib++;
			if ((type == M6_HOT || type == M6_COT) &&
			    (pkt_field_u(dec, 1, "nonce", 0) != 0xbeef ||
			     pkt_field_u(dec, 1, "cookie", 0) != 0x1112131415161718ull ||
			     pkt_field_u(dec, 1, "token", 0) != 0x2122232425262728ull))
				bad_lib++;
			if ((type == M6_HOTI || type == M6_COTI) &&
			    pkt_field_u(dec, 1, "cookie", 0) != 0x0102030405060708ull)
				bad_lib++;
		}
	}
	T_EQ_U(n, 128, "8 types x 16 option sets built");
	T_EQ_U(bad_rt, 0, "every message builds to whole 8-octet units and parses back the same");
	T_EQ_U(bad_layout, 0, "options sit at their alignment, BAD last");
	T_EQ_U(bad_lib, 0, "the packet library decodes each with a valid checksum and the same "
			   "fields");
}

static void test_hand_bytes(void)
{
	struct in6_addr coa = A(COA), ha = A(HA);
	struct m6_mh m = { 0 }, p;
	uint8_t b[64];
	size_t len = 0, aoff = 1;
	const char *why;

	m.type = M6_BU;
	m.seq = 0x1234;
	m.flags = M6_BU_A | M6_BU_H | M6_BU_K;
	m.lifetime = 150;
	m.has_acoa = true;
	m.acoa = coa;
	T_EQ_U(m6_mh_build(&m, b, sizeof(b), &len, &aoff), 0, "BU builds (proto 0 means 59)");
	T_EQ_U(len, sizeof(hand_bu), "BU is 32 octets");
	T_OK(len == sizeof(hand_bu) && !memcmp(b, hand_bu, len), "BU equals the hand-made bytes");
	T_EQ_U(aoff, 0, "no BAD: auth_off 0");
	T_EQ_U(m6_mh_csum(&coa, &ha, b, len), HAND_BU_CSUM, "BU checksum as derived by hand");
	m6_mh_set_csum(&coa, &ha, b, len);
	T_EQ_U(b[4] << 8 | b[5], HAND_BU_CSUM, "set_csum stores it big-endian at 4");
	T_OK(m6_mh_csum_ok(&coa, &ha, b, len), "and it verifies");
	T_EQ_U(m6_mh_csum(&coa, &ha, b, len), HAND_BU_CSUM, "the stored checksum counts as 0");
	T_OK(m6_mh_csum_ok(&ha, &coa, b, len),
	     "swapped addresses give the same sum (the Internet checksum cannot tell)");
	b[11] ^= 1;
	T_OK(!m6_mh_csum_ok(&coa, &ha, b, len), "a changed lifetime fails the checksum");
	b[11] ^= 1;
	T_OK(!m6_mh_csum_ok(&coa, &coa, b, len), "another destination fails the checksum");
	T_OK(!m6_mh_csum_ok(&coa, &ha, b, 5), "5 bytes never verify");

	T_EQ_U(m6_mh_parse(hand_bu, sizeof(hand_bu), &p, &why), 0, "hand BU parses");
	T_EQ_U(p.seq, 0x1234, "seq");
	T_EQ_U(p.flags, 0xd000, "flags A H K");
	T_EQ_U(p.lifetime, 150, "lifetime");
	T_OK(p.has_acoa && !memcmp(&p.acoa, &coa, 16), "alternate care-of address");
	T_OK(!p.has_bra && !p.has_ni && !p.has_bad, "no other options");

	memset(&m, 0, sizeof(m));
	m.type = M6_BA;
	m.proto = 59;
	m.status = 0;
	m.flags = M6_BA_K;
	m.seq = 0x1234;
	m.lifetime = 150;
	m.has_bra = true;
	m.refresh = 64;
	T_EQ_U(m6_mh_build(&m, b, sizeof(b), &len, NULL), 0, "BA builds");
	T_OK(len == sizeof(hand_ba) && !memcmp(b, hand_ba, len), "BA equals the hand-made bytes");
	T_EQ_U(m6_mh_csum(&ha, &coa, b, len), HAND_BA_CSUM, "BA checksum as derived by hand");
	T_EQ_U(m6_mh_parse(hand_ba, sizeof(hand_ba), &p, &why), 0, "hand BA parses");
	T_EQ_U(p.status, 0, "status");
	T_EQ_U(p.flags, M6_BA_K, "K");
	T_OK(p.has_bra && p.refresh == 64, "refresh advice 64");

	/* Into an IPv6 packet and through the packet library. */
	m6_mh_build(&m, b, sizeof(b), &len, NULL);
	len = wrap6(HA, COA, b, len);
	T_EQ_U(decode6(pktbuf, len), PKT_OK, "library decodes the BA packet");
	T_EQ_S(lname(1), "mh.ba", "as mh.ba");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "library agrees with the checksum");
	T_EQ_U(pkt_field_u(dec, 1, "cksum", 0), HAND_BA_CSUM, "the same checksum value");
	T_EQ_U(pkt_field_u(dec, lidx("mhopt.bra"), "interval", 0), 64, "refresh interval");
}

/* Messages the packet library builds parse here alike. */
static void test_from_library(void)
{
	static const uint8_t auth[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct in6_addr coa = A(COA), cn = A(CN);
	struct pkt_slayer *l;
	struct m6_mh m;
	const char *why;

	spec_ip6(COA, CN);
	l = push("mh.bu");
	pkt_spec_set_u(l, "seq", 9);
	pkt_spec_set_u(l, "lifetime", 25);
	pkt_spec_set_u(l, "h", 1);
	l = push("mhopt.nonce");
	pkt_spec_set_u(l, "home", 3);
	pkt_spec_set_u(l, "careof", 4);
	l = push("mhopt.auth");
	set_bytes(l, "auth", auth, sizeof(auth));
	T_OK(build() == 0, "library builds a BU with nonce indices and authorization data");
	T_EQ_U(m6_mh_parse(wb.b + 40, wb.len - 40, &m, &why), 0, "it parses here");
	T_OK(m6_mh_csum_ok(&coa, &cn, wb.b + 40, wb.len - 40), "its checksum verifies here");
	T_OK(m.type == M6_BU && m.seq == 9 && m.lifetime == 25 && m.flags == M6_BU_H,
	     "BU fields");
	T_OK(m.has_ni && m.home_ni == 3 && m.coa_ni == 4, "nonce indices");
	T_OK(m.has_bad && !memcmp(m.auth, auth, 12) && m.auth_off == 20, "authenticator at 20");

	spec_ip6(CN, COA);
	l = push("mh.be");
	pkt_spec_set_u(l, "status", 2);
	pkt_spec_set_str(l, "hoa", HOA);
	T_OK(build() == 0, "library builds a BE");
	T_EQ_U(m6_mh_parse(wb.b + 40, wb.len - 40, &m, &why), 0, "it parses here");
	T_OK(m6_mh_csum_ok(&cn, &coa, wb.b + 40, wb.len - 40), "its checksum verifies here");
	struct in6_addr hoa = A(HOA);

	T_OK(m.type == M6_BE && m.status == 2 && !memcmp(&m.home, &hoa, 16), "BE fields");
}

static void expect_bad(const uint8_t *b, size_t len, const char *want, size_t off,
		       const char *what)
{
	struct m6_mh m;
	const char *why = NULL;
	int rc = m6_mh_parse(b, len, &m, &why);

	T_OK(rc == -EINVAL && why && !strcmp(why, want) && m.bad_off == off,
	     "%s: rejected", what);
	if (rc != -EINVAL || !why || strcmp(why, want) || m.bad_off != off)
		printf("#   rc %d why \"%s\" at %zu (want \"%s\" at %zu)\n", rc,
		       why ? why : "(null)", m.bad_off, want, off);
}

static void test_malformed(void)
{
	struct m6_mh m;
	uint8_t b[64];
	const char *why;

	expect_bad(hand_ba, 7, "Mobility Header truncated (less than 8 bytes)", 0, "7 bytes");
	expect_bad(hand_ba, 0, "Mobility Header truncated (less than 8 bytes)", 0, "0 bytes");
	expect_bad(hand_ba, 15, "Header Len exceeds the packet", 1, "one byte short");

	memcpy(b, hand_ba, 16);
	b[0] = 6;
	expect_bad(b, 16, "Payload Proto is not 59 (no next header)", 0, "payload proto 6");

	/* BE needs 24; Header Len 1 gives 16. */
	memset(b, 0, sizeof(b));
	b[0] = 59;
	b[1] = 1;
	b[2] = M6_BE;
	expect_bad(b, 16, "Header Len below the message's fixed part", 1, "short BE");
	b[2] = M6_HOT;
	expect_bad(b, 16, "Header Len below the message's fixed part", 1, "short HoT");
	b[1] = 0;
	b[2] = M6_BU;
	expect_bad(b, 8, "Header Len below the message's fixed part", 1, "8-byte BU");
	b[2] = M6_BRR;
	T_EQ_U(m6_mh_parse(b, 8, &m, &why), 0, "an 8-byte BRR is fine");
	T_EQ_U(m6_mh_parse(b, 20, &m, &why), 0, "bytes after the message are not part of it");

	/* Unknown type: -ENOTSUP with the type, for a Binding Error status 2. */
	b[2] = 8;
	T_EQ_U(m6_mh_parse(b, 8, &m, &why), -ENOTSUP, "MH type 8: -ENOTSUP");
	T_EQ_U(m.type, 8, "type kept for the Binding Error");
	T_EQ_S(why, "unknown MH Type", "reason");
	b[2] = 255;
	T_EQ_U(m6_mh_parse(b, 8, &m, &why), -ENOTSUP, "MH type 255: -ENOTSUP");

	/* Options in a BU: fixed part 12, options from 12 to 16. */
	memcpy(b, hand_ba, 16);
	b[2] = M6_BU;
	b[12] = 0;
	b[13] = 0;
	b[14] = 0;
	b[15] = M6_OPT_PADN;
	expect_bad(b, 16, "mobility option truncated before its length", 15,
		   "PadN without a length");
	b[14] = M6_OPT_PADN;
	b[15] = 1;
	expect_bad(b, 16, "mobility option runs past the Mobility Header", 15, "PadN too long");
	b[12] = 200;
	b[13] = 2;
	T_EQ_U(m6_mh_parse(b, 16, &m, &why), 0, "an unknown option type is skipped");
	b[12] = M6_OPT_PADN;
	b[14] = 0xaa;
	b[15] = 0x55;
	T_EQ_U(m6_mh_parse(b, 16, &m, &why), 0, "PadN content is not checked");

	b[12] = M6_OPT_BRA;
	b[13] = 1;
	expect_bad(b, 16, "Binding Refresh Advice option length is not 2", 13, "BRA length 1");
	/* Pad1, BRA at 13 to 17, PadN(5) to 24. */
	b[1] = 2;
	b[12] = 0;
	b[13] = M6_OPT_BRA;
	b[14] = 2;
	b[17] = M6_OPT_PADN;
	b[18] = 5;
	expect_bad(b, 24, "Binding Refresh Advice option is not at an offset of 2n", 13,
		   "BRA at 13");
	b[1] = 1;

	memset(b + 12, 0, 4);
	b[12] = M6_OPT_NI;
	b[13] = 2;
	expect_bad(b, 16, "Nonce Indices option length is not 4", 13, "NI length 2");
	/* NI at 13, after a Pad1: 13 + 6 = 19, then Pad1 to 24. */
	memset(b, 0, sizeof(b));
	memcpy(b, hand_ba, 12);
	b[1] = 2;
	b[2] = M6_BU;
	b[13] = M6_OPT_NI;
	b[14] = 4;
	expect_bad(b, 24, "Nonce Indices option is not at an offset of 2n", 13, "NI at 13");

	/* ACoA: length 16 at 8n+6. */
	memset(b, 0, sizeof(b));
	memcpy(b, hand_bu, 32);
	b[15] = 14;
	b[30] = M6_OPT_PADN; /* the two bytes left over become a PadN */
	b[31] = 0;
	expect_bad(b, 32, "Alternate Care-of Address option length is not 16", 15,
		   "ACoA length 14");
	memcpy(b, hand_bu, 32);
	b[1] = 4;
	memmove(b + 16, b + 14, 18);
	b[12] = M6_OPT_PADN;
	b[13] = 2;
	b[14] = b[15] = 0;
	b[34] = M6_OPT_PADN;
	b[35] = 4;
	expect_bad(b, 40, "Alternate Care-of Address option is not at an offset of 8n+6", 16,
		   "ACoA at 16");

	/* BAD: length 12 at 8n+2, last. */
	memset(b, 0, sizeof(b));
	b[0] = 59;
	b[1] = 3;
	b[2] = M6_BU;
	b[12] = M6_OPT_PADN;
	b[13] = 4;
	b[18] = M6_OPT_BAD;
	b[19] = 12;
	T_EQ_U(m6_mh_parse(b, 32, &m, &why), 0, "BAD at 18 = 8*2+2, last: fine");
	T_OK(m.has_bad && m.auth_off == 20, "auth at 20");
	b[19] = 10;
	b[30] = M6_OPT_PADN;
	b[31] = 0;
	expect_bad(b, 32, "Binding Authorization Data option length is not 12", 19,
		   "BAD length 10");
	b[13] = 3;
	b[17] = M6_OPT_BAD;
	b[18] = 12;
	b[19] = 0;
	b[30] = 0;
	b[31] = 0;
	expect_bad(b, 32, "Binding Authorization Data option is not at an offset of 8n+2", 17,
		   "BAD at 17");
	memset(b + 12, 0, 20);
	b[1] = 4;
	b[12] = M6_OPT_PADN;
	b[13] = 4;
	b[18] = M6_OPT_BAD;
	b[19] = 12;
	expect_bad(b, 40, "an option follows the Binding Authorization Data", 32,
		   "Pad1 after BAD");
	b[32] = M6_OPT_PADN;
	b[33] = 6;
	expect_bad(b, 40, "an option follows the Binding Authorization Data", 32,
		   "PadN after BAD");

	T_EQ_U(m6_mh_parse(hand_bu, sizeof(hand_bu), &m, NULL), 0, "why may be NULL");
}

/* The options of a built message as text: "BRA@12 PadN(4)@16 ACoA@22". */
static const char *layout(const uint8_t *b, size_t len, size_t off)
{
	static const char *const names[] = { "Pad1", "PadN", "BRA", "ACoA", "NI", "BAD" };
	static char s[256];
	size_t n = 0;

	s[0] = 0;
	while (off < len && n < sizeof(s) - 32) {
		const char *name = b[off] < 6 ? names[b[off]] : "?";

		if (b[off] == M6_OPT_PADN)
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%sPadN(%u)@%zu", n ? " " : "",
					      off + 1 < len ? b[off + 1] : 999, off);
		else
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s@%zu", n ? " " : "", name,
					      off);
		if (b[off] == M6_OPT_PAD1 || off + 1 >= len)
			off++;
		else
			off += 2 + (size_t)b[off + 1];
	}
	return s;
}

static void test_build_layout(void)
{
	/* opts: 1 BRA, 2 NI, 4 ACoA, 8 BAD; laid out in that order, BAD last. */
	static const struct {
		uint8_t type, opts;
		size_t len;
		const char *layout;
	} cases[] = {
		{ M6_BU, 0, 16, "PadN(2)@12" },
		{ M6_BU, 1, 16, "BRA@12" },
		{ M6_BU, 2, 24, "NI@12 PadN(4)@18" },
		{ M6_BU, 3, 24, "BRA@12 NI@16 PadN(0)@22" },
		{ M6_BU, 4, 32, "PadN(0)@12 ACoA@14" },
		{ M6_BU, 8, 32, "PadN(4)@12 BAD@18" },
		{ M6_BU, 10, 32, "NI@12 BAD@18" },	/* the usual RR Binding Update */
		{ M6_BU, 11, 40, "BRA@12 NI@16 PadN(2)@22 BAD@26" },
		{ M6_BU, 5, 40, "BRA@12 PadN(4)@16 ACoA@22" },
		{ M6_BU, 7, 40, "BRA@12 NI@16 ACoA@22" },
		{ M6_BU, 15, 56, "BRA@12 NI@16 ACoA@22 PadN(0)@40 BAD@42" },
		{ M6_BA, 1, 16, "BRA@12" },
		{ M6_BA, 8, 32, "PadN(4)@12 BAD@18" },
		{ M6_BA, 9, 32, "BRA@12 PadN(0)@16 BAD@18" },
		{ M6_BRR, 0, 8, "" },
		{ M6_BRR, 1, 16, "BRA@8 PadN(2)@12" },
		{ M6_BRR, 8, 24, "PadN(0)@8 BAD@10" },
		{ M6_BE, 1, 32, "BRA@24 PadN(2)@28" },
		{ M6_BE, 4, 48, "PadN(4)@24 ACoA@30" },
		{ M6_HOTI, 0, 16, "" },
		{ M6_HOTI, 5, 40, "BRA@16 PadN(0)@20 ACoA@22" },
		{ M6_HOT, 0, 24, "" },
		{ M6_HOT, 8, 40, "PadN(0)@24 BAD@26" },
		{ M6_COT, 9, 48, "BRA@24 PadN(4)@28 BAD@34" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct m6_mh m;
		uint8_t b[128];
		size_t len = 0;
		int rc;

		fill(&m, cases[i].type, cases[i].opts);
		rc = m6_mh_build(&m, b, sizeof(b), &len, NULL);
		T_OK(rc == 0 && len == cases[i].len, "%s with options %u: %zu octets",
		     m6_mh_type_name(cases[i].type), cases[i].opts, cases[i].len);
		if (len != cases[i].len)
			printf("#   got %zu (rc %d)\n", len, rc);
		T_EQ_S(layout(b, len, fixed[cases[i].type]), cases[i].layout, "  laid out as %s",
		       cases[i].layout[0] ? cases[i].layout : "(no options)");
	}
}

static void test_build_limits(void)
{
	struct m6_mh m;
	uint8_t b[64];
	size_t len;

	fill(&m, M6_BE, 15);
	T_EQ_U(m6_mh_build(&m, b, 23, &len, NULL), -ENOSPC, "no room for the fixed part");
	T_EQ_U(m6_mh_build(&m, b, 40, &len, NULL), -ENOSPC, "no room for the options");
	T_EQ_U(m6_mh_build(&m, b, 64, &len, NULL), -ENOSPC,
	       "BE with all four options needs more than 64 (72)");
	T_EQ_U(len, 0, "len 0 on failure");
	fill(&m, M6_BU, 0);
	T_EQ_U(m6_mh_build(&m, b, 14, &len, NULL), -ENOSPC, "no room for the padding");
	fill(&m, M6_BRR, 0);
	T_EQ_U(m6_mh_build(&m, b, 8, &len, NULL), 0, "a BRR fits 8 bytes");
	T_EQ_U(len, 8, "8 bytes");
	m.type = 8;
	T_EQ_U(m6_mh_build(&m, b, sizeof(b), &len, NULL), -EINVAL, "type 8 is refused");
	fill(&m, M6_BU, 0);
	m.flags = 0xffff;
	m6_mh_build(&m, b, sizeof(b), &len, NULL);
	T_OK(b[8] == 0xf0 && b[9] == 0, "BU: only the A H L K bits are written");
	fill(&m, M6_BA, 0);
	m.flags = 0xffff;
	m6_mh_build(&m, b, sizeof(b), &len, NULL);
	T_EQ_U(b[7], 0x80, "BA: only K is written");
}

static void test_pad1(void)
{
	/* A Pad1 is used when exactly one octet is missing: a hand-made
	 * message with an unknown 1-octet option before the BRA makes the
	 * parser meet one; the builder meets one with odd fixed parts, which
	 * RFC 6275 does not have, so check the parser's side of it. */
	static const uint8_t b[16] = {
		59, 1, M6_BU, 0, 0, 0, 0, 1, 0, 0, 0, 1,
		0x00,			/* Pad1 */
		M6_OPT_PADN, 1, 0,	/* PadN of 1 */
	};
	struct m6_mh m;
	const char *why;

	T_EQ_U(m6_mh_parse(b, sizeof(b), &m, &why), 0, "Pad1 then PadN parse");
	T_OK(!m.has_bra && !m.has_ni && !m.has_acoa && !m.has_bad, "no options seen");
}

static void test_seq(void)
{
	T_OK(m6_seq_after(1, 0), "1 after 0");
	T_OK(!m6_seq_after(0, 1), "0 not after 1");
	T_OK(!m6_seq_after(5, 5), "equal is not after");
	T_OK(m6_seq_after(0, 65535), "0 after 65535 (wrap)");
	T_OK(m6_seq_after(10, 65530), "10 after 65530 (wrap)");
	T_OK(!m6_seq_after(65530, 10), "65530 not after 10");
	T_OK(m6_seq_after(32767, 0), "32767 after 0");
	T_OK(!m6_seq_after(32768, 0), "32768 is half way: not after 0");
	T_OK(!m6_seq_after(0, 32768), "nor 0 after 32768");
	T_OK(m6_seq_after(32768, 1), "32768 after 1");
}

static void test_names(void)
{
	T_EQ_S(m6_mh_type_name(M6_BRR), "BRR", "type 0");
	T_EQ_S(m6_mh_type_name(M6_HOTI), "HoTI", "type 1");
	T_EQ_S(m6_mh_type_name(M6_BU), "BU", "type 5");
	T_EQ_S(m6_mh_type_name(M6_BE), "BE", "type 7");
	T_EQ_S(m6_mh_type_name(8), "unknown", "type 8");
	T_EQ_S(m6_ba_status_name(0), "accepted", "status 0");
	T_EQ_S(m6_ba_status_name(135), "sequence number out of window", "status 135");
	T_EQ_S(m6_ba_status_name(136), "expired home nonce index", "status 136");
	T_EQ_S(m6_ba_status_name(139), "registration type change disallowed", "status 139");
	T_EQ_S(m6_ba_status_name(2), "unknown status", "status 2");
}

int main(void)
{
	t_pkt_init();
	test_round_trips();
	test_hand_bytes();
	test_from_library();
	test_malformed();
	test_build_layout();
	test_build_limits();
	test_pad1();
	test_seq();
	test_names();
	return t_done();
}
