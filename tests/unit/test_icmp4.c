/*
 * ICMP for IPv4 (RFC 792): Echo Request/Reply, the error messages with the
 * invoking packet they quote (decoded as a partial packet), the generic
 * message for other types, checksums over the ICMP message alone, and
 * truncated messages. Expected frames were produced with scapy and are
 * pasted here as bytes.
 */
#include "pkt_t.h"

/* IP(192.0.2.1 > 198.51.100.2, id=1)/ICMP(type=8, id=1, seq=2)/"abcdefgh" */
static const uint8_t v_echo_req[36] = {
	0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0xa1,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x08, 0x00, 0x66, 0x67,
	0x00, 0x01, 0x00, 0x02, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

/* IP(198.51.100.2 > 192.0.2.1, id=1)/ICMP(type=0, id=0x1234, seq=7)/"xyz" */
static const uint8_t v_echo_rep[31] = {
	0x45, 0x00, 0x00, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0xa6,
	0xc6, 0x33, 0x64, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0xfb, 0x4a,
	0x12, 0x34, 0x00, 0x07, 0x78, 0x79, 0x7a,
};

/* IP(198.51.100.9 > 192.0.2.1, id=1)/ICMP(type=3, code=4, nexthopmtu=1400)
 * quoting the first 28 bytes of IP(192.0.2.1 > 198.51.100.2, id=7,
 * flags=DF)/UDP(sport=1234, dport=53)/"abcdefgh" */
static const uint8_t v_unreach[56] = {
	0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x86,
	0xc6, 0x33, 0x64, 0x09, 0xc0, 0x00, 0x02, 0x01, 0x03, 0x04, 0x75, 0x72,
	0x00, 0x00, 0x05, 0x78, 0x45, 0x00, 0x00, 0x24, 0x00, 0x07, 0x40, 0x00,
	0x40, 0x11, 0x4e, 0x8b, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x04, 0xd2, 0x00, 0x35, 0x00, 0x10, 0x7c, 0xfa,
};

/* IP(198.51.100.9 > 192.0.2.1, id=1)/ICMP(type=11, code=1) quoting the first
 * 28 bytes of IP(192.0.2.1 > 198.51.100.2, id=8)/TCP(sport=40000, dport=80,
 * seq=0x01020304, flags="S"): the TCP header is cut after 8 bytes. */
static const uint8_t v_time_exc[56] = {
	0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x86,
	0xc6, 0x33, 0x64, 0x09, 0xc0, 0x00, 0x02, 0x01, 0x0b, 0x01, 0x54, 0x68,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x08, 0x00, 0x00,
	0x40, 0x06, 0x8e, 0x91, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
};

/* The same with ICMP(type=5, code=1, gw=192.0.2.99). */
static const uint8_t v_redirect[56] = {
	0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x86,
	0xc6, 0x33, 0x64, 0x09, 0xc0, 0x00, 0x02, 0x01, 0x05, 0x01, 0x98, 0x04,
	0xc0, 0x00, 0x02, 0x63, 0x45, 0x00, 0x00, 0x28, 0x00, 0x08, 0x00, 0x00,
	0x40, 0x06, 0x8e, 0x91, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
};

/* The same with ICMP(type=12, code=0, ptr=9). */
static const uint8_t v_param[56] = {
	0x45, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x86,
	0xc6, 0x33, 0x64, 0x09, 0xc0, 0x00, 0x02, 0x01, 0x0c, 0x00, 0x4a, 0x69,
	0x09, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x08, 0x00, 0x00,
	0x40, 0x06, 0x8e, 0x91, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
};

/* IP(198.51.100.9 > 192.0.2.1, id=1)/ICMP(type=13, id=5, seq=6, ts_ori=1,
 * ts_rx=2, ts_tx=3): a Timestamp, left to the generic descriptor. */
static const uint8_t v_tstamp[40] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x8e, 0x96,
	0xc6, 0x33, 0x64, 0x09, 0xc0, 0x00, 0x02, 0x01, 0x0d, 0x00, 0xf2, 0xee,
	0x00, 0x05, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x03,
};

/* The 28 bytes an error quotes: the invoking IPv4 header and 8 bytes. */
static void push_quoted_tcp(void)
{
	struct pkt_slayer *l = push_ip4("192.0.2.1", "198.51.100.2", 8);

	pkt_spec_set_u(l, "len", 40);
	pkt_spec_set_u(l, "proto", 6);
	l = push("raw");
	set_bytes(l, "data", "\x9c\x40\x00\x50\x01\x02\x03\x04", 8);
}

static void test_build(void)
{
	struct pkt_slayer *l;

	spec->n = 0;
	push_ip4("192.0.2.1", "198.51.100.2", 1);
	l = push("icmp.echo_request");
	pkt_spec_set_u(l, "id", 1);
	pkt_spec_set_u(l, "seq", 2);
	set_bytes(l, "data", "abcdefgh", 8);
	build_eq(v_echo_req, sizeof(v_echo_req), "echo request");
	T_EQ_U(pkt_proto_by_ipproto(1), proto("icmp"), "ipproto 1 starts with the generic icmp");

	spec->n = 0;
	push_ip4("198.51.100.2", "192.0.2.1", 1);
	l = push("icmp.echo_reply");
	pkt_spec_set_u(l, "id", 0x1234);
	pkt_spec_set_u(l, "seq", 7);
	set_bytes(l, "data", "xyz", 3);
	build_eq(v_echo_rep, sizeof(v_echo_rep), "echo reply (odd length)");

	spec->n = 0;
	push_ip4("198.51.100.9", "192.0.2.1", 1);
	l = push("icmp.dest_unreach");
	pkt_spec_set_u(l, "code", 4);
	pkt_spec_set_u(l, "mtu", 1400);
	l = push_ip4("192.0.2.1", "198.51.100.2", 7);
	pkt_spec_set_u(l, "df", 1);
	pkt_spec_set_u(l, "len", 36);
	l = push("udp");
	pkt_spec_set_u(l, "sport", 1234);
	pkt_spec_set_u(l, "dport", 53);
	pkt_spec_set_u(l, "len", 16);
	pkt_spec_set_u(l, "cksum", 0x7cfa);
	build_eq(v_unreach, sizeof(v_unreach), "destination unreachable, code 4");

	spec->n = 0;
	push_ip4("198.51.100.9", "192.0.2.1", 1);
	l = push("icmp.time_exceeded");
	pkt_spec_set_u(l, "code", 1);
	push_quoted_tcp();
	build_eq(v_time_exc, sizeof(v_time_exc), "time exceeded, code 1");

	spec->n = 0;
	push_ip4("198.51.100.9", "192.0.2.1", 1);
	l = push("icmp.redirect");
	pkt_spec_set_u(l, "code", 1);
	pkt_spec_set_str(l, "gw", "192.0.2.99");
	push_quoted_tcp();
	build_eq(v_redirect, sizeof(v_redirect), "redirect");

	spec->n = 0;
	push_ip4("198.51.100.9", "192.0.2.1", 1);
	l = push("icmp.param_problem");
	pkt_spec_set_u(l, "pointer", 9);
	push_quoted_tcp();
	build_eq(v_param, sizeof(v_param), "parameter problem");

	spec->n = 0;
	push_ip4("198.51.100.9", "192.0.2.1", 1);
	l = push("icmp");
	pkt_spec_set_u(l, "type", 13);
	pkt_spec_set_u(l, "rest", 0x00050006);
	set_bytes(l, "data", "\0\0\0\1\0\0\0\2\0\0\0\3", 12);
	build_eq(v_tstamp, sizeof(v_tstamp), "generic icmp (timestamp)");
}

static void test_decode(void)
{
	struct pkt_val v;

	T_EQ_U(decode4(v_echo_req, sizeof(v_echo_req)), PKT_OK, "echo request decodes");
	T_EQ_S(lname(1), "icmp.echo_request", "type 8 selects echo_request");
	T_EQ_U(dec->l[1].len, 16, "echo request holds its data");
	T_OK(pkt_field_get_name(dec, 1, "data", &v) == 0 && v.n == 8 && !memcmp(v.p, "abcdefgh", 8),
	     "echo data");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "echo request checksum verifies");
	T_EQ_S(summary(), "ipv4 192.0.2.1 > 198.51.100.2 ttl 64 / icmp.echo_request id 1 seq 2",
	       "echo request summary");

	T_EQ_U(decode4(v_echo_rep, sizeof(v_echo_rep)), PKT_OK, "echo reply decodes");
	T_EQ_S(lname(1), "icmp.echo_reply", "type 0 selects echo_reply");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "odd-length echo reply checksum verifies");

	T_EQ_U(decode4(v_unreach, sizeof(v_unreach)), PKT_OK, "destination unreachable decodes");
	T_EQ_U(dec->n, 4, "ipv4, icmp, quoted ipv4, quoted udp");
	T_EQ_S(lname(1), "icmp.dest_unreach", "type 3 selects dest_unreach");
	T_EQ_U(pkt_field_u(dec, 1, "mtu", 0), 1400, "next-hop mtu");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "error checksum covers the quoted bytes");
	T_EQ_S(lname(2), "ipv4", "quoted packet decoded as ipv4");
	T_OK(dec->l[2].flags & PKT_LF_PARTIAL, "quoted ipv4 is partial");
	T_OK(dec->l[2].flags & PKT_LF_TRUNC, "quoted ipv4 is cut short");
	T_EQ_S(lname(3), "udp", "quoted udp");
	T_EQ_U(pkt_field_u(dec, 3, "dport", 0), 53, "quoted udp destination port");
	T_EQ_U(pkt_csum_verify(dec, 3), (unsigned long long)-ENODATA,
	       "quoted udp checksum is not judged");
	T_EQ_S(summary(),
	       "ipv4 198.51.100.9 > 192.0.2.1 ttl 64 / icmp.dest_unreach code 4 mtu 1400 / "
	       "ipv4 192.0.2.1 > 198.51.100.2 ttl 64 / udp 1234 > 53 length 0",
	       "destination unreachable summary");

	T_EQ_U(decode4(v_time_exc, sizeof(v_time_exc)), PKT_OK, "time exceeded decodes");
	T_EQ_S(lname(1), "icmp.time_exceeded", "type 11 selects time_exceeded");
	T_EQ_S(lname(3), "tcp", "quoted tcp kept though cut after 8 bytes");
	T_EQ_U(dec->l[3].len, 8, "quoted tcp length");
	T_EQ_U(pkt_field_u(dec, 3, "sport", 0), 40000, "quoted tcp source port");
	T_EQ_U(pkt_field_u(dec, 3, "seq", 0), 0x01020304, "quoted tcp sequence number");
	T_EQ_U(pkt_field_u(dec, 3, "window", 7), 7, "quoted tcp window is not there");
	T_EQ_S(summary(),
	       "ipv4 198.51.100.9 > 192.0.2.1 ttl 64 / icmp.time_exceeded code 1 / "
	       "ipv4 192.0.2.1 > 198.51.100.2 ttl 64 / tcp 40000 > 80 seq 16909060 (truncated)",
	       "time exceeded summary");

	T_EQ_U(decode4(v_redirect, sizeof(v_redirect)), PKT_OK, "redirect decodes");
	T_EQ_S(lname(1), "icmp.redirect", "type 5 selects redirect");
	T_OK(pkt_field_get_name(dec, 1, "gw", &v) == 0 && !memcmp(v.a, "\xc0\x00\x02\x63", 4),
	     "redirect gateway");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "redirect checksum verifies");
	T_OK(!strncmp(summary(), "ipv4 198.51.100.9 > 192.0.2.1 ttl 64 / icmp.redirect code 1 gw 192.0.2.99 / ", 76),
	     "redirect summary");

	T_EQ_U(decode4(v_param, sizeof(v_param)), PKT_OK, "parameter problem decodes");
	T_EQ_S(lname(1), "icmp.param_problem", "type 12 selects param_problem");
	T_EQ_U(pkt_field_u(dec, 1, "pointer", 0), 9, "pointer");
	T_OK(strstr(summary(), "/ icmp.param_problem code 0 pointer 9 /") != NULL,
	     "parameter problem summary");

	T_EQ_U(decode4(v_tstamp, sizeof(v_tstamp)), PKT_OK, "timestamp decodes");
	T_EQ_S(lname(1), "icmp", "type 13 stays generic");
	T_EQ_U(pkt_field_u(dec, 1, "rest", 0), 0x00050006, "rest of header");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "generic checksum verifies");
	T_EQ_S(summary(), "ipv4 198.51.100.9 > 192.0.2.1 ttl 64 / icmp type 13 code 0",
	       "generic summary");
}

static void test_malformed(void)
{
	uint8_t b[64];

	/* Only 4 bytes of ICMP. */
	memcpy(b, v_echo_req, sizeof(v_echo_req));
	b[3] = 24;
	b[10] = b[11] = 0;
	decode4(b, 24);
	T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 20, "4-byte icmp is malformed at its offset");
	T_EQ_S(dec->why, "ICMP header truncated", "truncated icmp reason");

	memcpy(b, v_unreach, sizeof(v_unreach));
	b[22] ^= 0x80;
	decode4(b, sizeof(v_unreach));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a flipped checksum bit is caught");
	/* A quoted byte counts too: the sum covers the whole message. */
	memcpy(b, v_unreach, sizeof(v_unreach));
	b[55] ^= 1;
	decode4(b, sizeof(v_unreach));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a changed quoted byte breaks the checksum");

	/* An error quoting no IPv4 packet: the bytes stay opaque, no failure. */
	memcpy(b, v_time_exc, sizeof(v_time_exc));
	b[28] = 0x60;
	decode4(b, sizeof(v_time_exc));
	T_EQ_U(dec->res, PKT_OK, "garbage quoted in an error is not malformed");
	T_EQ_S(lname(2), "raw", "garbage quoted is raw");
	T_OK(dec->l[2].flags & PKT_LF_PARTIAL, "and partial");

	/* An error with nothing quoted. */
	memcpy(b, v_time_exc, 28);
	b[3] = 28;
	decode4(b, 28);
	T_EQ_U(dec->res, PKT_OK, "error without a quote decodes");
	T_EQ_U(dec->n, 2, "ipv4 and icmp only");
}

int main(void)
{
	t_pkt_init();
	test_build();
	test_decode();
	test_malformed();
	return t_done();
}
