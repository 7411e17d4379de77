/*
 * The ICMPv6 messages of Mobile IPv6 (RFC 6275 §6.5-6.8): each built inside
 * IPv6 and compared byte for byte (checksum included) with vectors made once
 * with scapy, decoded through the ICMPv6 dispatch and from their own
 * descriptors; short messages and a broken address list are malformed with a
 * reason and the offset.
 */
#include "pkt_t.h"

#define MN "2001:db8::1"
#define HA "2001:db8:1::100"
#define HA2 "2001:db8:1::200"
#define HAANY "2001:db8:1::fdff:ffff:ffff:fffe"

/* ---- vectors: IPv6(src, dst, hlim=64) / ICMPv6*, scapy 2.5.0 ---- */

/* ICMPv6HAADRequest(id=0x1234, R=0), MN -> the home agents anycast address */
static const uint8_t v_dhaad_request[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0xfd, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xfe, 0x90, 0x00, 0x04, 0x16, 0x12, 0x34, 0x00, 0x00
};

/* ICMPv6HAADReply(id=0x1234, R=0, addresses=[HA, HA2]), HA -> MN */
static const uint8_t v_dhaad_reply[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x91, 0x00, 0xa1, 0x80, 0x12, 0x34, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00
};

/* ICMPv6MPSol(id=7), MN -> HA */
static const uint8_t v_mps[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x92, 0x00, 0x11, 0x42, 0x00, 0x07, 0x00, 0x00
};

/* ICMPv6MPAdv(id=7, flags=3) / ICMPv6NDOptPrefixInfo(prefix=2001:db8:1::/64, R=1,
 * validlifetime=3600, preferredlifetime=1800), HA -> MN */
static const uint8_t v_mpa[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x93, 0x00, 0xc9, 0x6a, 0x00, 0x07, 0xc0, 0x00,
	0x03, 0x04, 0x40, 0xe0, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x07, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* ---- tests ---- */

static void test_dhaad(void)
{
	struct pkt_slayer *l;
	uint8_t addrs[32], b[128];
	struct pkt_val v = { .type = PKT_FT_IP6LIST, .p = addrs, .n = 32 };

	spec_ip6(MN, HAANY);
	l = push("icmpv6.dhaad_request");
	pkt_spec_set_u(l, "id", 0x1234);
	T_OK(build() == 0, "dhaad_request builds");
	check_bytes(v_dhaad_request, sizeof(v_dhaad_request), "dhaad_request");
	T_EQ_U(decode6(v_dhaad_request, sizeof(v_dhaad_request)), PKT_OK, "dhaad_request decodes");
	T_EQ_S(lname(1), "icmpv6.dhaad_request", "type 144");
	T_EQ_U(pkt_field_u(dec, 1, "id", 0), 0x1234, "identifier");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > 2001:db8:1:0:fdff:ffff:ffff:fffe hlim 64 / icmpv6.dhaad_request id 4660",
	       "summary line");
	check_prefixes("icmpv6.dhaad_request", v_dhaad_request + 40, 8, 1, 8, "dhaad_request");

	memcpy(addrs, v_dhaad_reply + 48, 32);
	spec_ip6(HA, MN);
	l = push("icmpv6.dhaad_reply");
	pkt_spec_set_u(l, "id", 0x1234);
	pkt_spec_set(l, "addrs", &v);
	T_OK(build() == 0, "dhaad_reply builds");
	check_bytes(v_dhaad_reply, sizeof(v_dhaad_reply), "dhaad_reply");
	T_EQ_U(decode6(v_dhaad_reply, sizeof(v_dhaad_reply)), PKT_OK, "dhaad_reply decodes");
	T_EQ_S(lname(1), "icmpv6.dhaad_reply", "type 145");
	T_EQ_U(dec->l[1].len, 40, "8 + 2 * 16 bytes");
	T_EQ_S(fstr(1, "addrs"), "2001:db8:1::100,2001:db8:1::200", "home agent addresses");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:1::100 > 2001:db8::1 hlim 64 / icmpv6.dhaad_reply id 4660 2 home agents",
	       "summary line");
	check_prefixes("icmpv6.dhaad_reply", v_dhaad_reply + 40, 40, 1, 8, "dhaad_reply");

	memcpy(b, v_dhaad_reply, sizeof(v_dhaad_reply));
	b[5] = 8 + 20;
	T_EQ_U(decode6(b, 40 + 8 + 20), PKT_MALFORMED, "20 bytes of addresses are malformed");
	T_EQ_S(dec->why, "home agent address list is not a multiple of 16 bytes", "reason");
	T_EQ_U(dec->bad_off, 40, "at the reply");
	T_EQ_S(lname(1), "icmpv6.dhaad_reply", "the reply is still listed");
	T_EQ_U(decode_from("icmpv6.dhaad_reply", v_dhaad_reply + 40, 8), PKT_OK,
	       "a reply without addresses is sound");
	T_EQ_S(summary(), "icmpv6.dhaad_reply id 4660 0 home agents", "summary without addresses");
	T_EQ_U(decode_from("icmpv6.dhaad_request", v_dhaad_request + 40, 7), PKT_MALFORMED,
	       "7 bytes of request are malformed");
	T_EQ_S(dec->why, "Mobile IPv6 ICMPv6 message truncated", "reason");
	T_EQ_U(dec->bad_off, 0, "at the message");
}

static void test_mobile_prefix(void)
{
	struct pkt_slayer *l;
	uint8_t b[128];

	spec_ip6(MN, HA);
	l = push("icmpv6.mps");
	pkt_spec_set_u(l, "id", 7);
	T_OK(build() == 0, "mps builds");
	check_bytes(v_mps, sizeof(v_mps), "mps");
	T_EQ_U(decode6(v_mps, sizeof(v_mps)), PKT_OK, "mps decodes");
	T_EQ_S(lname(1), "icmpv6.mps", "type 146");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > 2001:db8:1::100 hlim 64 / icmpv6.mps id 7", "summary line");

	spec_ip6(HA, MN);
	l = push("icmpv6.mpa");
	pkt_spec_set_u(l, "id", 7);
	pkt_spec_set_u(l, "m", 1);
	pkt_spec_set_u(l, "o", 1);
	l = push("ndopt.prefix");
	pkt_spec_set_u(l, "plen", 64);
	pkt_spec_set_u(l, "l", 1);
	pkt_spec_set_u(l, "a", 1);
	pkt_spec_set_u(l, "r", 1);
	pkt_spec_set_u(l, "valid", 3600);
	pkt_spec_set_u(l, "preferred", 1800);
	pkt_spec_set_str(l, "prefix", "2001:db8:1::");
	T_OK(build() == 0, "mpa with a prefix information option builds");
	check_bytes(v_mpa, sizeof(v_mpa), "mpa");
	T_EQ_U(decode6(v_mpa, sizeof(v_mpa)), PKT_OK, "mpa decodes");
	T_EQ_S(lname(1), "icmpv6.mpa", "type 147");
	T_EQ_U(pkt_field_u(dec, 1, "m", 0), 1, "M flag");
	T_EQ_U(pkt_field_u(dec, 1, "o", 0), 1, "O flag");
	T_EQ_U(pkt_field_u(dec, 1, "reserved", 1), 0, "reserved");
	T_EQ_U(dec->l[1].len, 40, "message runs to the end of the payload");
	T_EQ_S(lname(2), "ndopt.prefix", "prefix information option decoded as an option layer");
	T_EQ_S(fstr(2, "prefix"), "2001:db8:1::", "prefix");
	T_EQ_U(pkt_field_u(dec, 2, "r", 0), 1, "router address flag");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8:1::100 > 2001:db8::1 hlim 64 / icmpv6.mpa id 7 M O",
	       "summary line");
	check_prefixes("icmpv6.mpa", v_mpa + 40, 40, 1, 8, "mpa");
	check_prefixes("icmpv6.mps", v_mps + 40, 8, 1, 8, "mps");

	memcpy(b, v_mpa, sizeof(v_mpa));
	b[44] ^= 1;
	decode6(b, sizeof(v_mpa));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a changed identifier breaks the checksum");
	T_EQ_U(decode_from("icmpv6.mpa", v_mpa + 40, 6), PKT_MALFORMED,
	       "6 bytes of mpa are malformed");
	T_EQ_S(dec->why, "Mobile Prefix Advertisement truncated", "reason");
}

int main(void)
{
	t_pkt_init();
	test_dhaad();
	test_mobile_prefix();
	return t_done();
}
