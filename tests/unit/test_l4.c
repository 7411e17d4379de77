/*
 * TCP and UDP: building segments and datagrams with options, lengths and
 * checksums filled in, decoding them back, the one-line summary, and the
 * malformed cases (data offset, options, SACK length, UDP length against the
 * payload scope). Expected frames were produced with scapy and are pasted
 * here as bytes.
 */
#include "pkt_t.h"

/* IPv6(2001:db8::1 > 2001:db8::2)/TCP(sport=1234, dport=80, seq=1, flags="S",
 * window=65535, options=[MSS 1460, SAckOK, Timestamp (1, 0), NOP, WScale 7]) */
static const uint8_t v_tcp6_syn[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xff, 0xe7, 0x67, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* IP(192.0.2.1 > 198.51.100.2, id=1)/TCP(sport=80, dport=1234, seq=5, ack=2,
 * flags="PA", window=100, options=[NOP, NOP, SAck (10, 20, 30, 40)])/"hello" */
static const uint8_t v_tcp4_sack[] = {
	0x45, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x8e, 0x7f,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x50, 0x04, 0xd2,
	0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x02, 0xa0, 0x18, 0x00, 0x64,
	0x23, 0xa6, 0x00, 0x00, 0x01, 0x01, 0x05, 0x12, 0x00, 0x00, 0x00, 0x0a,
	0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x28,
	0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* IPv6(2001:db8::1 > 2001:db8::2)/TCP(sport=40000, dport=443, seq=0x11223344,
 * ack=0x55667788, flags="SAE", window=29200, options=[MSS 1440, WScale 2]):
 * 7 bytes of options and one zero byte of padding. */
static const uint8_t v_tcp6_pad[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x01, 0xbb, 0x11, 0x22, 0x33, 0x44,
	0x55, 0x66, 0x77, 0x88, 0x70, 0x52, 0x72, 0x10, 0x06, 0x0e, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xa0, 0x03, 0x03, 0x02, 0x00,
};

/* IP(192.0.2.1 > 198.51.100.2, id=1)/UDP(sport=53, dport=1234)/"abc" */
static const uint8_t v_udp4[] = {
	0x45, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x8e, 0x96,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x35, 0x04, 0xd2,
	0x00, 0x0b, 0x4a, 0x37, 0x61, 0x62, 0x63,
};

/* IPv6(2001:db8::1 > 2001:db8::2)/UDP(sport=53, dport=1234)/"abcd" */
static const uint8_t v_udp6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x35, 0x04, 0xd2, 0x00, 0x0c, 0xda, 0x93,
	0x61, 0x62, 0x63, 0x64,
};

/* IP(192.0.2.1 > 198.51.100.2, id=1)/UDP(sport=5000, dport=6000)/"\xe8\xaa":
 * the payload makes the computed checksum 0, sent as 0xffff. */
static const uint8_t v_udp4_ffff[] = {
	0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x8e, 0x97,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x13, 0x88, 0x17, 0x70,
	0x00, 0x0a, 0xff, 0xff, 0xe8, 0xaa,
};

/* IPv6(2001:db8::1 > 2001:db8::2)/UDP(sport=5000, dport=6000)/"\x79\x6d":
 * computed checksum 0, sent as 0xffff. */
static const uint8_t v_udp6_ffff[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x13, 0x88, 0x17, 0x70, 0x00, 0x0a, 0xff, 0xff,
	0x79, 0x6d,
};

static enum pkt_result dec_ip(const uint8_t *b, size_t n)
{
	return decode_from((b[0] >> 4) == 6 ? "ipv6" : "ipv4", b, n);
}

static void test_tcp_build(void)
{
	struct pkt_slayer *l;

	spec->n = 0;
	push_ip6("2001:db8::1", "2001:db8::2");
	l = push("tcp");
	pkt_spec_set_u(l, "sport", 1234);
	pkt_spec_set_u(l, "dport", 80);
	pkt_spec_set_u(l, "seq", 1);
	pkt_spec_set_u(l, "syn", 1);
	l = push("tcpopt.mss");
	pkt_spec_set_u(l, "mss", 1460);
	push("tcpopt.sackok");
	l = push("tcpopt.ts");
	pkt_spec_set_u(l, "val", 1);
	push("tcpopt.nop");
	l = push("tcpopt.wscale");
	pkt_spec_set_u(l, "shift", 7);
	build_eq(v_tcp6_syn, sizeof(v_tcp6_syn), "tcp/ipv6 SYN with 5 options");

	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.2", 1);
	l = push("tcp");
	pkt_spec_set_u(l, "sport", 80);
	pkt_spec_set_u(l, "dport", 1234);
	pkt_spec_set_u(l, "seq", 5);
	pkt_spec_set_u(l, "ack", 2);
	pkt_spec_set_u(l, "psh", 1);
	pkt_spec_set_u(l, "ackf", 1);
	pkt_spec_set_u(l, "window", 100);
	push("tcpopt.nop");
	push("tcpopt.nop");
	l = push("tcpopt.sack");
	set_bytes(l, "blocks",
		  (const uint8_t[]){ 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40 }, 16);
	l = push("raw");
	set_bytes(l, "data", "hello", 5);
	build_eq(v_tcp4_sack, sizeof(v_tcp4_sack), "tcp/ipv4 PSH+ACK with SACK and data");

	spec->n = 0;
	push_ip6("2001:db8::1", "2001:db8::2");
	l = push("tcp");
	pkt_spec_set_u(l, "sport", 40000);
	pkt_spec_set_u(l, "dport", 443);
	pkt_spec_set_u(l, "seq", 0x11223344);
	pkt_spec_set_u(l, "ack", 0x55667788);
	pkt_spec_set_u(l, "syn", 1);
	pkt_spec_set_u(l, "ackf", 1);
	pkt_spec_set_u(l, "ece", 1);
	pkt_spec_set_u(l, "window", 29200);
	l = push("tcpopt.mss");
	pkt_spec_set_u(l, "mss", 1440);
	l = push("tcpopt.wscale");
	pkt_spec_set_u(l, "shift", 2);
	build_eq(v_tcp6_pad, sizeof(v_tcp6_pad), "tcp options padded to 4 with a zero byte");

	/* A caller-set data offset and checksum are kept as given. */
	pkt_spec_set_u(&spec->l[1], "doff", 9);
	pkt_spec_set_u(&spec->l[1], "cksum", 0xbeef);
	build();
	T_EQ_U(wb.b[40 + 12] >> 4, 9, "overridden data offset is written");
	T_EQ_U(wb.b[40 + 16] << 8 | wb.b[40 + 17], 0xbeef, "overridden checksum is written");

	/* 44 bytes of options cannot be said in 4 bits. */
	spec->n = 0;
	push_ip6("2001:db8::1", "2001:db8::2");
	push("tcp");
	for (int i = 0; i < 4; i++)
		push("tcpopt.ts");
	push("tcpopt.nop");
	T_EQ_U(build(), (unsigned long long)-EMSGSIZE,
	       "more than 40 bytes of options are refused unless doff is set");
}

static void test_tcp_decode(void)
{
	struct pkt_val v;

	T_EQ_U(dec_ip(v_tcp6_syn, sizeof(v_tcp6_syn)), PKT_OK, "SYN decodes");
	T_EQ_U(dec->n, 7, "ipv6, tcp and 5 options");
	T_EQ_S(lname(1), "tcp", "tcp found through the IPv6 next header");
	T_EQ_S(lname(2), "tcpopt.mss", "option 1 is mss");
	T_EQ_S(lname(3), "tcpopt.sackok", "option 2 is sackok");
	T_EQ_S(lname(4), "tcpopt.ts", "option 3 is ts");
	T_EQ_S(lname(5), "tcpopt.nop", "option 4 is nop");
	T_EQ_S(lname(6), "tcpopt.wscale", "option 5 is wscale");
	T_EQ_U(pkt_field_u(dec, 1, "doff", 0), 10, "data offset");
	T_EQ_U(pkt_field_u(dec, 1, "syn", 0), 1, "syn flag");
	T_EQ_U(pkt_field_u(dec, 1, "ackf", 1), 0, "ack flag clear");
	T_EQ_U(pkt_field_u(dec, 2, "mss", 0), 1460, "mss value");
	T_EQ_U(pkt_field_u(dec, 4, "val", 0), 1, "timestamp value");
	T_EQ_U(pkt_field_u(dec, 6, "shift", 0), 7, "window scale shift");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "tcp/ipv6 checksum verifies");
	T_EQ_S(summary(),
	       "ipv6 2001:db8::1 > 2001:db8::2 hlim 64 / tcp 1234 > 80 [S] seq 1 win 65535 "
	       "options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]",
	       "SYN summary");

	T_EQ_U(dec_ip(v_tcp4_sack, sizeof(v_tcp4_sack)), PKT_OK, "SACK segment decodes");
	T_EQ_S(lname(4), "tcpopt.sack", "sack option recognised");
	T_OK(pkt_field_get_name(dec, 4, "blocks", &v) == 0 && v.n == 16, "two SACK blocks");
	T_EQ_U(pkt_bits_get(v.p, 32, 32), 20, "right edge of the first block");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "tcp/ipv4 checksum verifies");
	T_EQ_S(lname(5), "raw", "payload after the header");
	T_EQ_U(dec->l[5].len, 5, "payload length");
	T_EQ_S(summary(),
	       "ipv4 192.0.2.1 > 198.51.100.2 ttl 64 / tcp 80 > 1234 [P.] seq 5 ack 2 win 100 "
	       "options [nop,nop,sack 2 {10:20} {30:40}] length 5 / raw 5 bytes",
	       "data segment summary");

	T_EQ_U(dec_ip(v_tcp6_pad, sizeof(v_tcp6_pad)), PKT_OK, "padded options decode");
	T_EQ_U(dec->n, 5, "mss, wscale and the end-of-list padding");
	T_EQ_S(lname(4), "tcpopt.eol", "padding reads as end of option list");
	T_EQ_U(dec->l[4].len, 1, "eol holds the padding");
	T_EQ_S(summary(),
	       "ipv6 2001:db8::1 > 2001:db8::2 hlim 64 / tcp 40000 > 443 [S.E] seq 287454020 "
	       "ack 1432778632 win 29200 options [mss 1440,wscale 2,eol]",
	       "SYN+ACK+ECE summary");
}

static void test_tcp_malformed(void)
{
	uint8_t b[sizeof(v_tcp6_syn)];
	uint8_t s[sizeof(v_tcp4_sack)];

	/* Data offset 4. */
	memcpy(b, v_tcp6_syn, sizeof(b));
	b[52] = 0x40;
	dec_ip(b, sizeof(b));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "doff 4 is malformed at the tcp header");
	T_EQ_S(dec->why, "TCP data offset below 5", "doff < 5 reason");
	T_EQ_S(lname(1), "tcp", "the fixed header is still listed");

	/* Data offset 15: 60 bytes, the segment has 40. */
	b[52] = 0xf0;
	dec_ip(b, sizeof(b));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "doff past the segment is malformed");
	T_EQ_S(dec->why, "TCP data offset exceeds the segment", "doff past the segment reason");

	/* Fewer than 20 bytes. */
	memcpy(b, v_tcp6_syn, sizeof(b));
	b[5] = 12;
	dec_ip(b, 52);
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "12-byte tcp header is malformed");
	T_EQ_S(dec->why, "TCP header truncated", "short header reason");

	/* Window scale option (at 77) whose length runs past the header. */
	memcpy(b, v_tcp6_syn, sizeof(b));
	b[78] = 4;
	dec_ip(b, sizeof(b));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 77, "option past the header at its offset");
	T_EQ_S(dec->why, "TCP option length exceeds the header", "option past the header reason");

	/* Option length 1. */
	b[78] = 1;
	dec_ip(b, sizeof(b));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 77, "option length 1 at its offset");
	T_EQ_S(dec->why, "TCP option length below 2", "option length 1 reason");

	/* MSS with length 3 then a NOP: wrong fixed size. */
	memcpy(b, v_tcp6_syn, sizeof(b));
	b[61] = 3;
	b[63] = 1;
	dec_ip(b, sizeof(b));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 60, "MSS of length 3 at its offset");
	T_EQ_S(dec->why, "TCP MSS option length is not 4", "MSS length reason");

	/* SACK of length 12 (not 2 + 8n): the 2 spare bytes were the NOPs. */
	memcpy(s, v_tcp4_sack, sizeof(s));
	s[42] = 5;
	s[43] = 12;
	s[44] = 0;
	s[45] = 0;
	memset(s + 54, 1, 6);
	dec_ip(s, sizeof(s));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 42, "SACK of length 12 at its offset");
	T_EQ_S(dec->why, "TCP SACK option length is not 2 + 8n", "SACK length reason");
	/* SACK of length 2: no block at all. */
	s[43] = 2;
	memset(s + 44, 1, 16);
	dec_ip(s, sizeof(s));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 42, "SACK without blocks is malformed");

	/* Broken checksum. */
	memcpy(b, v_tcp6_syn, sizeof(b));
	b[57] ^= 1;
	dec_ip(b, sizeof(b));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a flipped checksum bit is caught");
}

static void test_udp(void)
{
	struct pkt_slayer *l;
	uint8_t b[64];

	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.2", 1);
	l = push("udp");
	pkt_spec_set_u(l, "sport", 53);
	pkt_spec_set_u(l, "dport", 1234);
	l = push("raw");
	set_bytes(l, "data", "abc", 3);
	build_eq(v_udp4, sizeof(v_udp4), "udp/ipv4");

	spec->n = 0;
	push_ip6("2001:db8::1", "2001:db8::2");
	l = push("udp");
	pkt_spec_set_u(l, "sport", 53);
	pkt_spec_set_u(l, "dport", 1234);
	l = push("raw");
	set_bytes(l, "data", "abcd", 4);
	build_eq(v_udp6, sizeof(v_udp6), "udp/ipv6");

	spec->n = 0;
	push_ip6("2001:db8::1", "2001:db8::2");
	l = push("udp");
	pkt_spec_set_u(l, "sport", 5000);
	pkt_spec_set_u(l, "dport", 6000);
	l = push("raw");
	set_bytes(l, "data", "\x79\x6d", 2);
	build_eq(v_udp6_ffff, sizeof(v_udp6_ffff), "udp/ipv6 computed 0 is sent as 0xffff");

	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.2", 1);
	l = push("udp");
	pkt_spec_set_u(l, "sport", 5000);
	pkt_spec_set_u(l, "dport", 6000);
	l = push("raw");
	set_bytes(l, "data", "\xe8\xaa", 2);
	build_eq(v_udp4_ffff, sizeof(v_udp4_ffff), "udp/ipv4 computed 0 is sent as 0xffff");

	/* A caller may send no checksum over IPv4. */
	pkt_spec_set_u(&spec->l[1], "cksum", 0);
	build();
	T_EQ_U(wb.b[26] << 8 | wb.b[27], 0, "cksum=0 is written as 0");

	T_EQ_U(dec_ip(v_udp4, sizeof(v_udp4)), PKT_OK, "udp/ipv4 decodes");
	T_EQ_U(pkt_field_u(dec, 1, "len", 0), 11, "udp length");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "udp/ipv4 checksum verifies");
	T_EQ_S(summary(), "ipv4 192.0.2.1 > 198.51.100.2 ttl 64 / udp 53 > 1234 length 3 / raw 3 bytes",
	       "udp summary");
	dec_ip(v_udp6_ffff, sizeof(v_udp6_ffff));
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "0xffff verifies where the sum is 0 (ipv6)");
	dec_ip(v_udp4_ffff, sizeof(v_udp4_ffff));
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "0xffff verifies where the sum is 0 (ipv4)");

	/* Zero checksum: none over IPv4, wrong over IPv6. */
	memcpy(b, v_udp4, sizeof(v_udp4));
	b[26] = b[27] = 0;
	dec_ip(b, sizeof(v_udp4));
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "zero checksum over ipv4 means none and is accepted");
	memcpy(b, v_udp6, sizeof(v_udp6));
	b[46] = b[47] = 0;
	dec_ip(b, sizeof(v_udp6));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "zero checksum over ipv6 is wrong");
	memcpy(b, v_udp6_ffff, sizeof(v_udp6_ffff));
	b[46] = b[47] = 0;
	dec_ip(b, sizeof(v_udp6_ffff));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "zero over ipv6 is wrong even where the sum is 0");

	/* Length shorter than the IP payload: the scope shrinks to it. */
	memcpy(b, v_udp6, sizeof(v_udp6));
	b[45] = 10;
	dec_ip(b, sizeof(v_udp6));
	T_EQ_U(dec->res, PKT_OK, "udp shorter than the ip payload decodes");
	T_EQ_U(dec->l[1].end, 50, "udp scope ends at its length");
	T_EQ_U(dec->l[2].len, 2, "payload is the 2 bytes udp covers");
	/* Longer: malformed. */
	b[45] = 13;
	dec_ip(b, sizeof(v_udp6));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "udp length past the scope is malformed");
	T_EQ_S(dec->why, "UDP length exceeds the payload scope", "udp length past the scope reason");
	/* Below 8. */
	b[45] = 7;
	dec_ip(b, sizeof(v_udp6));
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "udp length 7 is malformed");
	T_EQ_S(dec->why, "UDP length below 8", "udp length below 8 reason");
	/* Header cut short by the IP payload length. */
	memcpy(b, v_udp6, sizeof(v_udp6));
	b[5] = 6;
	dec_ip(b, 46);
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 40, "6-byte udp header is malformed");
	T_EQ_S(dec->why, "UDP header truncated", "udp header truncated reason");
}

int main(void)
{
	t_pkt_init();
	test_tcp_build();
	test_tcp_decode();
	test_tcp_malformed();
	test_udp();
	return t_done();
}
