/*
 * Core of the packet library: the checked cursor, bit fields, the generic
 * decoder and encoder on Ethernet, IPv4 with options and IPv6.
 */
#include "cur.h"
#include "pkt_t.h"

static void test_cursor(void)
{
	const uint8_t b[] = { 1, 2, 3, 4, 5 };
	struct pkt_cur c, sub;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;

	pkt_cur_init(&c, b, sizeof(b));
	T_OK(pkt_cur_u32(&c, &u32) == 0 && u32 == 0x01020304, "u32 reads big endian");
	T_OK(pkt_cur_u16(&c, &u16) == -ENODATA, "u16 with one byte left fails");
	T_EQ_U(pkt_cur_left(&c), 1, "failed getter does not move the cursor");
	T_OK(pkt_cur_u8(&c, &u8) == 0 && u8 == 5, "u8 reads the last byte");
	T_OK(pkt_cur_u8(&c, &u8) == -ENODATA, "u8 at the end fails");
	pkt_cur_init(&c, b, sizeof(b));
	T_OK(pkt_cur_sub(&c, 6, &sub) == -ENODATA, "sub-cursor longer than the data fails");
	T_OK(pkt_cur_sub(&c, 2, &sub) == 0 && pkt_cur_left(&sub) == 2 && pkt_cur_left(&c) == 3,
	     "sub-cursor splits the data");
	T_OK(pkt_cur_skip(&c, 4) == -ENODATA, "skip past the end fails");
}

static void test_bits(void)
{
	uint8_t b[9] = { 0 };

	pkt_bits_put(b, 4, 20, 0xabcde);
	T_EQ_U(pkt_bits_get(b, 4, 20), 0xabcde, "20-bit field at bit 4 round-trips");
	T_EQ_U(b[0], 0x0a, "bits before the field are untouched");
	pkt_bits_put(b, 3, 64, 0x8123456789abcdefull);
	T_EQ_U(pkt_bits_get(b, 3, 64), 0x8123456789abcdefull, "unaligned 64-bit field round-trips");
}

static void test_build_ipv6(void)
{
	struct pkt_slayer *l;

	spec->n = 0;
	l = push("ether");
	pkt_spec_set_str(l, "src", "02:00:00:00:00:01");
	pkt_spec_set_str(l, "dst", "02:00:00:00:00:02");
	l = push("ipv6");
	T_OK(pkt_spec_set_str(l, "src", "2001:db8::1") == 0, "set ipv6 src from text");
	pkt_spec_set_str(l, "dst", "2001:db8::2");
	T_OK(pkt_spec_set_str(l, "dst", "2001:db8::zz") == -EINVAL, "bad address text is refused");
	T_OK(pkt_spec_set_u(l, "nosuch", 1) == -ENOENT, "unknown field name is refused");
	set_bytes(push("raw"), "data", "abcdefgh", 8);
	T_OK(build() == 0, "ether/ipv6/raw builds (%s)", err);
	T_EQ_U(wb.len, 14 + 40 + 8, "frame length");
	T_EQ_U(wb.b[12] << 8 | wb.b[13], 0x86dd, "ethertype filled from the next layer");
	T_EQ_U(wb.b[14 + 4] << 8 | wb.b[14 + 5], 8, "payload length filled");
	T_EQ_U(wb.b[14 + 6], 59, "next header of an unknown payload is No Next Header");
	T_EQ_U(wb.b[14 + 7], 64, "hop limit default");
	decode_eth(wb.b, wb.len);
	T_OK(dec->res == PKT_OK && dec->n == 3, "built frame decodes into 3 layers");
	T_EQ_S(summary(), "ether 02:00:00:00:00:01 > 02:00:00:00:00:02 / ipv6 2001:db8::1 > 2001:db8::2 hlim 64 / raw 8 bytes",
	       "summary line");

	/* Override: a payload length that lies. */
	pkt_spec_set_u(&spec->l[1], "plen", 200);
	build();
	decode_eth(wb.b, wb.len);
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 14,
	     "overridden payload length is kept and flagged");
	T_EQ_S(dec->why, "IPv6 payload length exceeds the frame", "reason");
	T_EQ_U(dec->n, 2, "ipv6 header still listed");
}

static void test_build_ipv4_options(void)
{
	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.7", 0);
	push("ip4opt.nop");
	push("ip4opt.ra");
	T_OK(build() == 0, "ipv4 with options builds (%s)", err);
	T_EQ_U(wb.len, 28, "5 bytes of options padded to 8");
	T_EQ_U(wb.b[0], 0x47, "ihl counts the options");
	T_EQ_U(wb.b[22], 4, "router alert length filled");
	T_EQ_U(pkt_csum_header(wb.b, 28, 10), wb.b[10] << 8 | wb.b[11], "header checksum filled");
	decode4(wb.b, wb.len);
	T_OK(dec->res == PKT_OK, "decodes");
	T_EQ_U(dec->n, 6, "header, nop, ra and 3 bytes of end-of-list padding");
	T_EQ_S(lname(2), "ip4opt.ra", "router alert recognised");
	T_EQ_U(pkt_csum_verify(dec, 0), 1, "checksum verifies");
	wb.b[12] ^= 1;
	decode4(wb.b, wb.len);
	T_EQ_U(pkt_csum_verify(dec, 0), 0, "a flipped bit breaks the checksum");
	/* Option whose length runs past the header. */
	wb.b[22] = 9;
	decode4(wb.b, wb.len);
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 21,
	     "overlong option is malformed at its offset");

	push("raw");
	spec->n = 1;
	push("ip4opt.ra");
	spec->l[0] = spec->l[1];
	spec->n = 1;
	T_OK(build() == -EINVAL, "option without a header is refused");
}

static void test_truncated(void)
{
	uint8_t b[60] = { 0 };

	/* Every prefix of a frame decodes without reading past it. */
	b[12] = 0x86;
	b[13] = 0xdd;
	b[14] = 0x60;
	b[19] = 6;
	for (uint32_t n = 0; n <= sizeof(b); n++) {
		decode_eth(b, n);
		if (n < 14 + 40 && n > 14 && dec->res != PKT_MALFORMED) {
			T_OK(0, "prefix %u must be malformed", n);
			break;
		}
	}
	T_OK(1, "all prefixes decoded");
}

int main(void)
{
	t_pkt_init();
	test_cursor();
	test_bits();
	test_build_ipv6();
	test_build_ipv4_options();
	test_truncated();
	return t_done();
}
