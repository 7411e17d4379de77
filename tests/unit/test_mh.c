/*
 * Mobility Header (RFC 6275 §6.1) and mobility options (§6.2): every message
 * built inside IPv6 and compared byte for byte (padding and checksum
 * included) with vectors made once with scapy; decoding of those vectors and
 * of hand-made ones; lengths that lie give a malformed result with a reason
 * and the offset.
 */
#include "pkt_t.h"

#define HA "2001:db8:1::100"
#define HOA "2001:db8:1::5"
#define COA "2001:db8:2::5"
#define CN "2001:db8:3::1"

/* ---- vectors: IPv6(src, dst, hlim=64) / MIP6MH_*, scapy 2.5.0 ---- */

/* MIP6MH_BU(seq=7, flags="AH", mhtime=100), COA -> HA */
static const uint8_t v_bu[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x3b, 0x01, 0x05, 0x00, 0xa1, 0x7f, 0x00, 0x07,
	0xc0, 0x00, 0x00, 0x64, 0x01, 0x02, 0x00, 0x00
};

/* MIP6MH_BA(status=0, seq=7, mhtime=100, options=[MIP6OptBRAdvice(rinter=50)]) */
static const uint8_t v_ba[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x3b, 0x01, 0x06, 0x00, 0x5f, 0x4e, 0x00, 0x00,
	0x00, 0x07, 0x00, 0x64, 0x02, 0x02, 0x00, 0x32
};

/* MIP6MH_BRR(), HA -> HOA */
static const uint8_t v_brr[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x3b, 0x00, 0x00, 0x00, 0x67, 0xf7, 0x00, 0x00
};

/* MIP6MH_HoTI(cookie=01..08), HOA -> CN */
static const uint8_t v_hoti[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x3b, 0x01, 0x01, 0x00, 0x57, 0xd7, 0x00, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
};

/* MIP6MH_CoTI(cookie=a1..a8), COA -> CN */
static const uint8_t v_coti[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x3b, 0x01, 0x02, 0x00, 0xd4, 0x53, 0x00, 0x00,
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8
};

/* MIP6MH_HoT(index=3, cookie=01..08, token=11..18), CN -> HOA */
static const uint8_t v_hot[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x3b, 0x02, 0x03, 0x00, 0x05, 0x77, 0x00, 0x03,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x11, 0x12, 0x13, 0x14,
	0x15, 0x16, 0x17, 0x18
};

/* MIP6MH_CoT(index=4, cookie=a1..a8, token=b1..b8), CN -> COA */
static const uint8_t v_cot[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x3b, 0x02, 0x04, 0x00, 0xff, 0x6f, 0x00, 0x04,
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xb1, 0xb2, 0xb3, 0xb4,
	0xb5, 0xb6, 0xb7, 0xb8
};

/* MIP6MH_BE(status=1, ha=HOA), CN -> COA */
static const uint8_t v_be[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x3b, 0x02, 0x07, 0x00, 0x33, 0x22, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05
};

/* MIP6MH_BU(seq=9, mhtime=25, options=[MIP6OptNonceIndices(olen=4, hni=3,
 * coni=4), MIP6OptBindingAuthData(olen=12, authenticator=01..0c)]), COA -> CN */
static const uint8_t v_bu_opts[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x87, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x3b, 0x03, 0x05, 0x00, 0x36, 0x75, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x19, 0x04, 0x04, 0x00, 0x03, 0x00, 0x04, 0x05, 0x0c,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
};

/* ---- tests ---- */

static void test_bu(void)
{
	struct pkt_slayer *l;

	spec_ip6(COA, HA);
	l = push("mh.bu");
	pkt_spec_set_u(l, "seq", 7);
	pkt_spec_set_u(l, "a", 1);
	pkt_spec_set_u(l, "h", 1);
	pkt_spec_set_u(l, "lifetime", 100);
	T_OK(build() == 0, "mh.bu builds");
	check_bytes(v_bu, sizeof(v_bu), "mh.bu");
	T_EQ_U(wb.b[6], 135, "IPv6 next header is 135");
	T_EQ_U(wb.b[40], 59, "payload proto defaults to 59");
	T_EQ_U(wb.b[41], 1, "hlen counts 16 bytes as 1");
	T_EQ_U(wb.b[52] << 8 | wb.b[53], 0x0102, "4 bytes of padding are one PadN of length 2");

	T_EQ_U(decode6(v_bu, sizeof(v_bu)), PKT_OK, "mh.bu vector decodes");
	T_EQ_U(dec->n, 3, "ipv6, mh.bu and one option");
	T_EQ_S(lname(1), "mh.bu", "MH type 5 selects mh.bu");
	T_EQ_U(dec->l[1].len, 16, "mh.bu layer is 16 bytes");
	T_EQ_S(lname(2), "mhopt.padn", "padding decodes as PadN");
	T_EQ_U(dec->l[2].depth, 1, "PadN is an option of the MH");
	T_EQ_U(pkt_field_u(dec, 1, "seq", 0), 7, "seq");
	T_EQ_U(pkt_field_u(dec, 1, "a", 0), 1, "A flag");
	T_EQ_U(pkt_field_u(dec, 1, "h", 0), 1, "H flag");
	T_EQ_U(pkt_field_u(dec, 1, "l", 1), 0, "L flag");
	T_EQ_U(pkt_field_u(dec, 1, "k", 1), 0, "K flag");
	T_EQ_U(pkt_field_u(dec, 1, "lifetime", 0), 100, "lifetime");
	T_EQ_U(pkt_field_u(dec, 1, "proto", 0), 59, "proto");
	T_EQ_U(pkt_field_u(dec, 1, "hlen", 0), 1, "hlen");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "scapy's checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:2::5 > 2001:db8:1::100 hlim 64 / mh.bu seq 7 lifetime 100 H A",
	       "summary line");
	check_prefixes("ipv6", v_bu, sizeof(v_bu), 41, sizeof(v_bu), "mh.bu");
}

static void test_ba(void)
{
	struct pkt_slayer *l;

	spec_ip6(HA, COA);
	l = push("mh.ba");
	pkt_spec_set_u(l, "seq", 7);
	pkt_spec_set_u(l, "lifetime", 100);
	l = push("mhopt.bra");
	pkt_spec_set_u(l, "interval", 50);
	T_OK(build() == 0, "mh.ba with a binding refresh advice builds");
	check_bytes(v_ba, sizeof(v_ba), "mh.ba");

	T_EQ_U(decode6(v_ba, sizeof(v_ba)), PKT_OK, "mh.ba vector decodes");
	T_EQ_S(lname(1), "mh.ba", "MH type 6 selects mh.ba");
	T_EQ_U(dec->n, 3, "no padding needed at 16 bytes");
	T_EQ_S(lname(2), "mhopt.bra", "binding refresh advice option");
	T_EQ_U(pkt_field_u(dec, 2, "interval", 0), 50, "refresh interval");
	T_EQ_U(pkt_field_u(dec, 2, "len", 0), 2, "option length");
	T_EQ_U(pkt_field_u(dec, 1, "status", 9), 0, "status");
	T_EQ_U(pkt_field_u(dec, 1, "seq", 0), 7, "seq");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:1::100 > 2001:db8:2::5 hlim 64 / mh.ba status 0 seq 7 lifetime 100",
	       "summary line");

	/* K flag and a status code. */
	spec_ip6(HA, COA);
	l = push("mh.ba");
	pkt_spec_set_u(l, "status", 129);
	pkt_spec_set_u(l, "k", 1);
	pkt_spec_set_u(l, "seq", 8);
	T_OK(build() == 0, "mh.ba with K builds");
	T_EQ_U(wb.b[46], 129, "status byte");
	T_EQ_U(wb.b[47], 0x80, "K is the top bit after the status");
	T_EQ_U(wb.len, 56, "12-byte message padded to 16");
	decode6(wb.b, wb.len);
	T_EQ_S(summary(), "ipv6 2001:db8:1::100 > 2001:db8:2::5 hlim 64 / mh.ba status 129 seq 8 lifetime 0 K",
	       "summary shows K");
}

static void test_brr_and_rr(void)
{
	struct pkt_slayer *l;

	spec_ip6(HA, HOA);
	push("mh.brr");
	T_OK(build() == 0, "mh.brr builds");
	check_bytes(v_brr, sizeof(v_brr), "mh.brr");
	T_EQ_U(decode6(v_brr, sizeof(v_brr)), PKT_OK, "mh.brr decodes");
	T_EQ_S(lname(1), "mh.brr", "MH type 0 selects mh.brr");
	T_EQ_U(dec->n, 2, "no options in 8 bytes");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");

	spec_ip6(HOA, CN);
	l = push("mh.hoti");
	pkt_spec_set_u(l, "cookie", 0x0102030405060708ull);
	T_OK(build() == 0, "mh.hoti builds");
	check_bytes(v_hoti, sizeof(v_hoti), "mh.hoti");
	T_EQ_U(decode6(v_hoti, sizeof(v_hoti)), PKT_OK, "mh.hoti decodes");
	T_EQ_S(lname(1), "mh.hoti", "MH type 1 selects mh.hoti");
	T_EQ_U(pkt_field_u(dec, 1, "cookie", 0), 0x0102030405060708ull, "home init cookie");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:1::5 > 2001:db8:3::1 hlim 64 / mh.hoti cookie 0x0102030405060708",
	       "summary line");

	spec_ip6(COA, CN);
	l = push("mh.coti");
	pkt_spec_set_u(l, "cookie", 0xa1a2a3a4a5a6a7a8ull);
	T_OK(build() == 0, "mh.coti builds");
	check_bytes(v_coti, sizeof(v_coti), "mh.coti");
	T_EQ_U(decode6(v_coti, sizeof(v_coti)), PKT_OK, "mh.coti decodes");
	T_EQ_S(lname(1), "mh.coti", "MH type 2 selects mh.coti");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");

	spec_ip6(CN, HOA);
	l = push("mh.hot");
	pkt_spec_set_u(l, "nonce", 3);
	pkt_spec_set_u(l, "cookie", 0x0102030405060708ull);
	pkt_spec_set_u(l, "token", 0x1112131415161718ull);
	T_OK(build() == 0, "mh.hot builds");
	check_bytes(v_hot, sizeof(v_hot), "mh.hot");
	T_EQ_U(decode6(v_hot, sizeof(v_hot)), PKT_OK, "mh.hot decodes");
	T_EQ_S(lname(1), "mh.hot", "MH type 3 selects mh.hot");
	T_EQ_U(pkt_field_u(dec, 1, "nonce", 0), 3, "home nonce index");
	T_EQ_U(pkt_field_u(dec, 1, "token", 0), 0x1112131415161718ull, "home keygen token");
	T_EQ_U(dec->n, 2, "24 bytes, no options");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");

	spec_ip6(CN, COA);
	l = push("mh.cot");
	pkt_spec_set_u(l, "nonce", 4);
	pkt_spec_set_u(l, "cookie", 0xa1a2a3a4a5a6a7a8ull);
	pkt_spec_set_u(l, "token", 0xb1b2b3b4b5b6b7b8ull);
	T_OK(build() == 0, "mh.cot builds");
	check_bytes(v_cot, sizeof(v_cot), "mh.cot");
	T_EQ_U(decode6(v_cot, sizeof(v_cot)), PKT_OK, "mh.cot decodes");
	T_EQ_S(lname(1), "mh.cot", "MH type 4 selects mh.cot");
	T_EQ_U(pkt_field_u(dec, 1, "cookie", 0), 0xa1a2a3a4a5a6a7a8ull, "care-of init cookie");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
}

static void test_be(void)
{
	struct pkt_slayer *l;

	spec_ip6(CN, COA);
	l = push("mh.be");
	pkt_spec_set_u(l, "status", 1);
	pkt_spec_set_str(l, "hoa", HOA);
	T_OK(build() == 0, "mh.be builds");
	check_bytes(v_be, sizeof(v_be), "mh.be");
	T_EQ_U(decode6(v_be, sizeof(v_be)), PKT_OK, "mh.be decodes");
	T_EQ_S(lname(1), "mh.be", "MH type 7 selects mh.be");
	T_EQ_S(fstr(1, "hoa"), HOA, "home address");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:3::1 > 2001:db8:2::5 hlim 64 / mh.be status 1 hoa 2001:db8:1::5",
	       "summary line");
}

static void test_options(void)
{
	static const uint8_t auth[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct pkt_slayer *l;

	spec_ip6(COA, CN);
	l = push("mh.bu");
	pkt_spec_set_u(l, "seq", 9);
	pkt_spec_set_u(l, "lifetime", 25);
	l = push("mhopt.nonce");
	pkt_spec_set_u(l, "home", 3);
	pkt_spec_set_u(l, "careof", 4);
	l = push("mhopt.auth");
	set_bytes(l, "auth", auth, sizeof(auth));
	T_OK(build() == 0, "mh.bu with nonce indices and authorization data builds");
	check_bytes(v_bu_opts, sizeof(v_bu_opts), "mh.bu with options");

	T_EQ_U(decode6(v_bu_opts, sizeof(v_bu_opts)), PKT_OK, "decodes");
	T_EQ_U(dec->n, 4, "ipv6, mh.bu, two options");
	T_EQ_S(lname(2), "mhopt.nonce", "nonce indices option");
	T_EQ_U(pkt_field_u(dec, 2, "home", 0), 3, "home nonce index");
	T_EQ_U(pkt_field_u(dec, 2, "careof", 0), 4, "care-of nonce index");
	T_EQ_S(lname(3), "mhopt.auth", "binding authorization data option");
	T_EQ_S(fstr(3, "auth"), "0102030405060708090a0b0c", "authenticator");
	T_EQ_U(dec->l[3].len, 14, "option length includes type and length");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	check_prefixes("ipv6", v_bu_opts, sizeof(v_bu_opts), 41, sizeof(v_bu_opts),
		       "mh.bu with options");

	/* 12 + 18 = 30: two bytes of padding, a PadN with no data. */
	spec_ip6(COA, HA);
	push("mh.bu");
	l = push("mhopt.altcoa");
	pkt_spec_set_str(l, "addr", COA);
	T_OK(build() == 0, "mh.bu with an alternate care-of address builds");
	T_EQ_U(wb.len, 40 + 32, "padded to 32 bytes");
	T_EQ_U(wb.b[41], 3, "hlen 3");
	T_EQ_U(wb.b[53], 16, "altcoa length is 16");
	T_EQ_U(wb.b[70] << 8 | wb.b[71], 0x0100, "PadN of length 0 closes the header");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "decodes");
	T_EQ_S(lname(2), "mhopt.altcoa", "altcoa option");
	T_EQ_S(fstr(2, "addr"), COA, "alternate care-of address");
	T_EQ_S(lname(3), "mhopt.padn", "then PadN");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");

	/* 12 + 3 = 15: one byte of padding, a Pad1. Unknown type 200. */
	spec_ip6(COA, HA);
	push("mh.bu");
	l = push("mhopt");
	pkt_spec_set_u(l, "type", 200);
	set_bytes(l, "data", "\x2a", 1);
	T_OK(build() == 0, "mh.bu with an unknown option builds");
	T_EQ_U(wb.len, 40 + 16, "padded to 16 bytes");
	T_EQ_U(wb.b[53], 1, "unknown option length filled");
	T_EQ_U(wb.b[55], 0, "Pad1 closes the header");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "decodes");
	T_EQ_S(lname(2), "mhopt", "unknown option type is the generic option");
	T_EQ_U(pkt_field_u(dec, 2, "type", 0), 200, "its type");
	T_EQ_S(fstr(2, "data"), "2a", "its data");
	T_EQ_S(lname(3), "mhopt.pad1", "then Pad1");
	T_EQ_U(dec->l[3].len, 1, "Pad1 is one byte");

	/* The caller can ask for no padding at all. */
	spec_ip6(COA, HA);
	l = push("mh.bu");
	l->nopad = 1;
	T_OK(build() == 0, "unpadded mh.bu builds");
	T_EQ_U(wb.len, 40 + 12, "12 bytes when padding is off");
	T_EQ_U(wb.b[41], 1, "hlen rounds up to whole units");
}

static void test_generic(void)
{
	struct pkt_slayer *l;

	spec_ip6(COA, HA);
	l = push("mh");
	pkt_spec_set_u(l, "mhtype", 42);
	set_bytes(l, "data", "\x01\x02", 2);
	T_OK(build() == 0, "generic mh builds");
	T_EQ_U(wb.len, 48, "8 bytes");
	T_EQ_U(wb.b[41], 0, "hlen 0");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "unknown MH type decodes");
	T_EQ_S(lname(1), "mh", "unknown type stays the generic mh");
	T_EQ_S(fstr(1, "data"), "0102", "message data after the checksum");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:2::5 > 2001:db8:1::100 hlim 64 / mh type 42", "summary line");
	T_OK(pkt_proto_by_ipproto(135) == pkt_proto_by_name("mh"), "mh is the entry for protocol 135");

	/* Something after the MH: the checksum covers the MH alone. */
	spec_ip6(COA, HA);
	l = push("mh.bu");
	pkt_spec_set_u(l, "seq", 1);
	l = push("raw");
	set_bytes(l, "data", "abcd", 4);
	T_OK(build() == 0, "mh.bu followed by raw bytes builds");
	T_EQ_U(wb.b[40], 59, "payload proto of an unknown payload is 59");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "decodes");
	T_EQ_U(dec->l[1].len, 16, "MH length from hlen");
	T_EQ_S(lname(dec->n - 1), "raw", "trailing bytes are raw");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum over the MH alone verifies");
}

static void test_malformed(void)
{
	uint8_t b[128];

	memcpy(b, v_bu, sizeof(v_bu));
	b[41] = 5;
	T_EQ_U(decode6(b, sizeof(v_bu)), PKT_MALFORMED, "hlen past the payload is malformed");
	T_EQ_S(dec->why, "Mobility Header length exceeds the payload", "reason");
	T_EQ_U(dec->bad_off, 40, "at the MH");

	memcpy(b, v_be, sizeof(v_be));
	b[41] = 1;
	T_EQ_U(decode6(b, sizeof(v_be)), PKT_MALFORMED, "hlen below the fixed part is malformed");
	T_EQ_S(dec->why, "Mobility Header length below the message's fixed part", "reason");
	T_EQ_U(dec->bad_off, 40, "at the MH");
	T_EQ_S(lname(1), "mh.be", "the header is still listed");

	memcpy(b, v_ba, sizeof(v_ba));
	b[53] = 5;
	T_EQ_U(decode6(b, sizeof(v_ba)), PKT_MALFORMED, "option past the header is malformed");
	T_EQ_S(dec->why, "mobility option runs past the Mobility Header", "reason");
	T_EQ_U(dec->bad_off, 52, "at the option");

	memcpy(b, v_bu, sizeof(v_bu));
	b[52] = 0;
	b[53] = 0;
	b[54] = 0;
	b[55] = 5;
	T_EQ_U(decode6(b, sizeof(v_bu)), PKT_MALFORMED, "option without its length byte is malformed");
	T_EQ_S(dec->why, "mobility option truncated before its length", "reason");
	T_EQ_U(dec->bad_off, 55, "at the option after three Pad1");

	memcpy(b, v_ba, sizeof(v_ba));
	b[52] = 4;
	T_EQ_U(decode6(b, sizeof(v_ba)), PKT_MALFORMED, "nonce indices of length 2 is malformed");
	T_EQ_S(dec->why, "nonce indices option length is not 4", "reason");
	T_EQ_U(dec->bad_off, 52, "at the option");

	memcpy(b, v_ba, sizeof(v_ba));
	b[53] = 0;
	T_EQ_U(decode6(b, sizeof(v_ba)), PKT_MALFORMED, "binding refresh advice of length 0 is malformed");
	T_EQ_S(dec->why, "binding refresh advice option length is not 2", "reason");

	T_EQ_U(pkt_decode(dec, v_bu + 40, 6, pkt_proto_by_name("mh")), PKT_MALFORMED,
	       "six bytes of MH are malformed");
	T_EQ_S(dec->why, "Mobility Header truncated", "reason");
	T_EQ_U(dec->bad_off, 0, "at the MH");

	memcpy(b, v_bu, sizeof(v_bu));
	b[50] ^= 0x01;
	decode6(b, sizeof(v_bu));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a changed lifetime breaks the checksum");

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	memcpy(b, v_bu_opts, 40);
	b[5] = sizeof(b) - 40;
	for (int t = 0; t < 256; t++) {
		b[40 + 1] = (uint8_t)(t % 11);
		b[40 + 2] = (uint8_t)t;
		decode6(b, sizeof(b));
	}
	T_OK(1, "every MH type over noise decodes without faults");
}

int main(void)
{
	t_pkt_init();
	test_bu();
	test_ba();
	test_brr_and_rr();
	test_be();
	test_options();
	test_generic();
	test_malformed();
	return t_done();
}
