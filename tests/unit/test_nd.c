/*
 * Neighbor Discovery (RFC 4861) messages and options: every message and
 * option built with the encoder and compared with frames produced by scapy
 * (pasted here as bytes), hand-written messages decoded field by field, the
 * option rules that make a message malformed, and ND messages quoted short
 * inside an ICMPv6 error.
 */
#include "pkt_t.h"

/* Ether/IPv6(2001:db8::1 > 2001:db8::2, hlim=255)/ICMPv6ND_NS(tgt=2001:db8::2)/
 * ICMPv6NDOptSrcLLAddr(02:00:00:00:00:01) */
static const uint8_t v_ns[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x87, 0x00, 0xec, 0x72, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x01,
};

/* Ether/IPv6(2001:db8::2 > 2001:db8::1, hlim=255)/ICMPv6ND_NA(R=1, S=1, O=1,
 * tgt=2001:db8::2)/ICMPv6NDOptDstLLAddr(02:00:00:00:00:02) */
static const uint8_t v_na[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x0a, 0x71, 0xe0, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x02,
};

/* Ether/IPv6(2001:db8::1 > 2001:db8::ff, hlim=255)/ICMPv6ND_RS()/
 * ICMPv6NDOptSrcLLAddr(02:00:00:00:00:01) */
static const uint8_t v_rs[70] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x85, 0x00, 0x1b, 0x41, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* Ether/IPv6(2001:db8::ff > 2001:db8::1, hlim=255)/ICMPv6ND_RA(chlim=64, M=1, O=1,
 * H=1, prf=1, P=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000)/
 * ICMPv6NDOptSrcLLAddr(02:00:00:00:00:ff)/ICMPv6NDOptMTU(mtu=1500)/
 * ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, R=1, validlifetime=86400,
 * preferredlifetime=14400, prefix=2001:db8:1::)/ICMPv6NDOptAdvInterval(advint=600000)/
 * ICMPv6NDOptHAInfo(pref=10, lifetime=1800)/ICMPv6NDOptRouteInfo(len=3, plen=48,
 * prf=3, rtlifetime=3600, prefix=2001:db8:2::)/ICMPv6NDOptRDNSS(lifetime=600,
 * dns=[2001:db8::53, 2001:db8::54]) */
static const uint8_t v_ra[198] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x90, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0x18, 0x3f, 0x40, 0xec,
	0x07, 0x08, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8, 0x01, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xff, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x05, 0xdc, 0x03, 0x04, 0x40, 0xe0, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00,
	0x38, 0x40, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01,
	0x00, 0x00, 0x00, 0x09, 0x27, 0xc0, 0x08, 0x01, 0x00, 0x00, 0x00, 0x0a,
	0x07, 0x08, 0x18, 0x03, 0x30, 0x18, 0x00, 0x00, 0x0e, 0x10, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x02, 0x58, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x54,
};

/* Ether/IPv6(2001:db8::ff > 2001:db8::1, hlim=255)/ICMPv6ND_Redirect(tgt=2001:db8::fe,
 * dst=2001:db8:5::1)/ICMPv6NDOptDstLLAddr(02:00:00:00:00:fe)/
 * ICMPv6NDOptRedirectedHdr(pkt=IPv6(2001:db8::1 > 2001:db8:5::1)/UDP(1 > 2)) */
static const uint8_t v_redirect[158] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x68, 0x3a, 0xff, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x89, 0x00, 0x43, 0x3f, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x04, 0x07, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x08,
	0xa4, 0x62,
};

#define ETH_IP6 54 /* the ICMPv6 message starts here in every frame */

/* Starts a new spec: Ether, then IPv6 src > dst with hop limit 255. */
static void eth_ip6(const char *src, const char *dst)
{
	pkt_spec_set_u(spec_eth_ip6(src, dst), "hlim", 255);
}

/* A frame around a hand-written ICMPv6 message (payload length set; the
 * checksum is not, these frames test the decoder only). */
static size_t frame(uint8_t *out, const uint8_t *msg, size_t n)
{
	memcpy(out, v_ns, ETH_IP6);
	out[18] = (uint8_t)(n >> 8);
	out[19] = (uint8_t)n;
	memcpy(out + ETH_IP6, msg, n);
	return ETH_IP6 + n;
}

static void test_ns_na_rs(void)
{
	struct pkt_slayer *l;

	eth_ip6("2001:db8::1", "2001:db8::2");
	l = push("icmpv6.ns");
	pkt_spec_set_str(l, "target", "2001:db8::2");
	l = push("ndopt.slla");
	pkt_spec_set_str(l, "lladdr", "02:00:00:00:00:01");
	T_OK(build() == 0, "ns builds (%s)", err);
	T_EQ_U(wb.len, sizeof(v_ns), "ns frame length");
	T_EQ_U(wb.b[ETH_IP6], 135, "ns type filled");
	T_EQ_U(wb.b[ETH_IP6 + 25], 1, "slla length filled: 1 unit of 8 octets");
	T_EQ_U(wb.b[ETH_IP6 + 2] << 8 | wb.b[ETH_IP6 + 3], 0xec72, "ns checksum as scapy's");
	check_built(v_ns, sizeof(v_ns), "ns bytes equal scapy's");

	T_OK(decode_eth(v_ns, sizeof(v_ns)) == PKT_OK, "ns decodes");
	T_EQ_U(dec->n, 4, "ether, ipv6, ns, slla");
	T_EQ_S(dec->l[2].proto->name, "icmpv6.ns", "type 135 is ns");
	T_EQ_U(dec->l[2].len, 32, "ns layer covers its options");
	T_OK(addr_is(2, "target", "2001:db8::2"), "ns target");
	T_EQ_S(dec->l[3].proto->name, "ndopt.slla", "slla option");
	T_EQ_U(dec->l[3].depth, 1, "option sits under the message");
	T_EQ_U(dec->l[3].off, ETH_IP6 + 24, "option offset");
	T_OK(addr_is(3, "lladdr", "02:00:00:00:00:01"), "slla address");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "ns checksum verifies");
	T_EQ_S(lsummary(2), "icmpv6.ns who-has 2001:db8::2 [slla 02:00:00:00:00:01]",
	       "ns summary");

	eth_ip6("2001:db8::2", "2001:db8::1");
	l = push("icmpv6.na");
	pkt_spec_set_u(l, "r", 1);
	pkt_spec_set_u(l, "s", 1);
	pkt_spec_set_u(l, "o", 1);
	pkt_spec_set_str(l, "target", "2001:db8::2");
	l = push("ndopt.tlla");
	pkt_spec_set_str(l, "lladdr", "02:00:00:00:00:02");
	T_OK(build() == 0, "na builds (%s)", err);
	check_built(v_na, sizeof(v_na), "na bytes equal scapy's");
	T_OK(decode_eth(v_na, sizeof(v_na)) == PKT_OK, "na decodes");
	T_EQ_S(dec->l[2].proto->name, "icmpv6.na", "type 136 is na");
	T_OK(pkt_field_u(dec, 2, "r", 0) == 1 && pkt_field_u(dec, 2, "s", 0) == 1 &&
		     pkt_field_u(dec, 2, "o", 0) == 1 && pkt_field_u(dec, 2, "reserved", 1) == 0,
	     "na flags r, s, o and reserved");
	T_EQ_S(dec->l[3].proto->name, "ndopt.tlla", "tlla option");
	T_OK(addr_is(3, "lladdr", "02:00:00:00:00:02"), "tlla address");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "na checksum verifies");
	T_EQ_S(lsummary(2),
	       "icmpv6.na tgt 2001:db8::2 flags RSO [tlla 02:00:00:00:00:02]", "na summary");

	eth_ip6("2001:db8::1", "2001:db8::ff");
	push("icmpv6.rs");
	l = push("ndopt.slla");
	pkt_spec_set_str(l, "lladdr", "02:00:00:00:00:01");
	T_OK(build() == 0, "rs builds (%s)", err);
	check_built(v_rs, sizeof(v_rs), "rs bytes equal scapy's");
	T_OK(decode_eth(v_rs, sizeof(v_rs)) == PKT_OK, "rs decodes");
	T_EQ_S(dec->l[2].proto->name, "icmpv6.rs", "type 133 is rs");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "rs checksum verifies");
	T_EQ_S(lsummary(2), "icmpv6.rs [slla 02:00:00:00:00:01]", "rs summary");

	/* Without options. */
	spec->n = 3;
	build();
	decode_eth(wb.b, wb.len);
	T_OK(dec->res == PKT_OK && dec->n == 3 && dec->l[2].len == 8, "rs without options");
	T_EQ_S(lsummary(2), "icmpv6.rs", "rs summary without options");
}

static void test_ra(void)
{
	static const char ra_line[] =
		"icmpv6.ra lifetime 1800 flags MOHP prf high [slla 02:00:00:00:00:ff, mtu 1500, "
		"prefix 2001:db8:1::/64, adv_interval 600000, hai preference 10 lifetime 1800, "
		"route 2001:db8:2::/48, rdnss 2001:db8::53,2001:db8::54]";
	static const uint8_t dns[32] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x54,
	};
	struct pkt_slayer *l;
	struct pkt_val v;
	char line[512];
	int i;

	eth_ip6("2001:db8::ff", "2001:db8::1");
	l = push("icmpv6.ra");
	pkt_spec_set_u(l, "chl", 64);
	pkt_spec_set_u(l, "m", 1);
	pkt_spec_set_u(l, "o", 1);
	pkt_spec_set_u(l, "h", 1);
	pkt_spec_set_u(l, "prf", 1);
	pkt_spec_set_u(l, "p", 1);
	pkt_spec_set_u(l, "lifetime", 1800);
	pkt_spec_set_u(l, "reachable", 30000);
	pkt_spec_set_u(l, "retrans", 1000);
	l = push("ndopt.slla");
	pkt_spec_set_str(l, "lladdr", "02:00:00:00:00:ff");
	l = push("ndopt.mtu");
	pkt_spec_set_u(l, "mtu", 1500);
	l = push("ndopt.prefix");
	pkt_spec_set_u(l, "plen", 64);
	pkt_spec_set_u(l, "l", 1);
	pkt_spec_set_u(l, "a", 1);
	pkt_spec_set_u(l, "r", 1);
	pkt_spec_set_u(l, "valid", 86400);
	pkt_spec_set_u(l, "preferred", 14400);
	pkt_spec_set_str(l, "prefix", "2001:db8:1::");
	l = push("ndopt.adv_interval");
	pkt_spec_set_u(l, "interval", 600000);
	l = push("ndopt.hai");
	pkt_spec_set_u(l, "preference", 10);
	pkt_spec_set_u(l, "lifetime", 1800);
	l = push("ndopt.route_info");
	pkt_spec_set_u(l, "plen", 48);
	pkt_spec_set_u(l, "prf", 3);
	pkt_spec_set_u(l, "lifetime", 3600);
	pkt_spec_set_str(l, "prefix", "2001:db8:2::");
	l = push("ndopt.rdnss");
	pkt_spec_set_u(l, "lifetime", 600);
	set_val(l, "addrs", PKT_FT_IP6LIST, dns, sizeof(dns));
	T_OK(build() == 0, "ra with every option builds (%s)", err);
	T_EQ_U(wb.len, sizeof(v_ra), "ra frame length");
	T_EQ_U(wb.b[19], 144, "ipv6 payload length");
	T_EQ_U(wb.b[ETH_IP6 + 16 + 8 + 8 + 1], 4, "prefix option length 4");
	T_EQ_U(wb.b[ETH_IP6 + 16 + 8 + 8 + 32 + 8 + 8 + 1], 3, "route information length 3");
	T_EQ_U(wb.b[ETH_IP6 + 16 + 8 + 8 + 32 + 8 + 8 + 24 + 1], 5,
	       "rdnss length 5 for 2 addresses");
	T_EQ_U(wb.b[ETH_IP6 + 2] << 8 | wb.b[ETH_IP6 + 3], 0x183f, "ra checksum as scapy's");
	check_built(v_ra, sizeof(v_ra), "ra bytes equal scapy's");

	T_OK(decode_eth(v_ra, sizeof(v_ra)) == PKT_OK, "ra decodes");
	T_EQ_U(dec->n, 10, "ether, ipv6, ra and 7 options");
	T_EQ_U(dec->nopt_total, 7, "7 options counted");
	T_EQ_S(dec->l[2].proto->name, "icmpv6.ra", "type 134 is ra");
	T_EQ_U(dec->l[2].optoff, 16, "ra options start after 16 bytes");
	T_EQ_U(pkt_field_u(dec, 2, "chl", 0), 64, "ra chl");
	T_OK(pkt_field_u(dec, 2, "m", 0) && pkt_field_u(dec, 2, "o", 0) &&
		     pkt_field_u(dec, 2, "h", 0) && pkt_field_u(dec, 2, "p", 0),
	     "ra flags m, o, h, p");
	T_EQ_U(pkt_field_u(dec, 2, "prf", 9), 1, "ra preference high");
	T_EQ_U(pkt_field_u(dec, 2, "reserved", 9), 0, "ra reserved bits");
	T_EQ_U(pkt_field_u(dec, 2, "lifetime", 0), 1800, "ra lifetime");
	T_EQ_U(pkt_field_u(dec, 2, "reachable", 0), 30000, "ra reachable time");
	T_EQ_U(pkt_field_u(dec, 2, "retrans", 0), 1000, "ra retrans timer");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "ra checksum verifies");

	i = pkt_dec_find(dec, "ndopt.mtu", 0);
	T_OK(i == 4 && pkt_field_u(dec, i, "mtu", 0) == 1500, "mtu option");
	i = pkt_dec_find(dec, "ndopt.prefix", 0);
	T_OK(i == 5, "prefix option found");
	T_EQ_U(pkt_field_u(dec, i, "plen", 0), 64, "prefix length");
	T_OK(pkt_field_u(dec, i, "l", 0) && pkt_field_u(dec, i, "a", 0) &&
		     pkt_field_u(dec, i, "r", 0),
	     "prefix flags l, a, r");
	T_EQ_U(pkt_field_u(dec, i, "reserved1", 9), 0, "prefix reserved1");
	T_EQ_U(pkt_field_u(dec, i, "valid", 0), 86400, "prefix valid lifetime");
	T_EQ_U(pkt_field_u(dec, i, "preferred", 0), 14400, "prefix preferred lifetime");
	T_OK(addr_is(i, "prefix", "2001:db8:1::"), "prefix");
	i = pkt_dec_find(dec, "ndopt.adv_interval", 0);
	T_OK(i == 6 && pkt_field_u(dec, i, "interval", 0) == 600000, "advertisement interval");
	i = pkt_dec_find(dec, "ndopt.hai", 0);
	T_OK(i == 7 && pkt_field_u(dec, i, "preference", 0) == 10 &&
		     pkt_field_u(dec, i, "lifetime", 0) == 1800,
	     "home agent information");
	i = pkt_dec_find(dec, "ndopt.route_info", 0);
	T_OK(i == 8, "route information found");
	T_OK(pkt_field_u(dec, i, "plen", 0) == 48 && pkt_field_u(dec, i, "prf", 0) == 3 &&
		     pkt_field_u(dec, i, "lifetime", 0) == 3600,
	     "route information plen, prf, lifetime");
	T_OK(addr_is(i, "prefix", "2001:db8:2::"), "route information prefix");
	i = pkt_dec_find(dec, "ndopt.rdnss", 0);
	T_OK(i == 9 && pkt_field_u(dec, i, "lifetime", 0) == 600, "rdnss lifetime");
	T_OK(pkt_field_get_name(dec, i, "addrs", &v) == 0 && v.n == 32 && !memcmp(v.p, dns, 32),
	     "rdnss addresses");
	T_EQ_S(lsummary(2), ra_line, "ra summary");
	/* A summary cut by a small buffer still reports its full length. */
	T_EQ_U(dec->l[2].proto->summary(dec, 2, line, 10), strlen(ra_line),
	       "summary length counts past a short buffer");
	T_EQ_S(line, "icmpv6.ra", "short buffer holds a terminated prefix");
}

static void test_redirect(void)
{
	const uint8_t *quoted = v_redirect + ETH_IP6 + 40 + 8 + 8;
	struct pkt_slayer *l;
	struct pkt_val v;

	eth_ip6("2001:db8::ff", "2001:db8::1");
	l = push("icmpv6.redirect");
	pkt_spec_set_str(l, "target", "2001:db8::fe");
	pkt_spec_set_str(l, "dst", "2001:db8:5::1");
	l = push("ndopt.tlla");
	pkt_spec_set_str(l, "lladdr", "02:00:00:00:00:fe");
	l = push("ndopt.redirected");
	set_bytes(l, "data", quoted, 48);
	T_OK(build() == 0, "redirect builds (%s)", err);
	T_EQ_U(wb.b[ETH_IP6 + 48 + 1], 7, "redirected header length 7");
	check_built(v_redirect, sizeof(v_redirect), "redirect bytes equal scapy's");
	T_OK(decode_eth(v_redirect, sizeof(v_redirect)) == PKT_OK, "redirect decodes");
	T_EQ_U(dec->n, 5, "ether, ipv6, redirect, tlla, redirected");
	T_EQ_S(dec->l[2].proto->name, "icmpv6.redirect", "type 137 is redirect");
	T_OK(addr_is(2, "target", "2001:db8::fe") && addr_is(2, "dst", "2001:db8:5::1"),
	     "redirect target and destination");
	T_EQ_S(dec->l[4].proto->name, "ndopt.redirected", "redirected header option");
	T_OK(pkt_field_get_name(dec, 4, "data", &v) == 0 && v.n == 48 && !memcmp(v.p, quoted, 48),
	     "redirected header data is the quoted packet");
	T_EQ_U(pkt_field_u(dec, 4, "reserved", 1), 0, "redirected header reserved");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "redirect checksum verifies");
	T_EQ_S(lsummary(2),
	       "icmpv6.redirect 2001:db8:5::1 to 2001:db8::fe [tlla 02:00:00:00:00:fe, redirected 48 bytes]",
	       "redirect summary");
}

/* Hand-written messages: options in their other forms. */
static void test_decode_vectors(void)
{
	/* RA (16 bytes) + route info len 1 /0 + route info len 2 /48 +
	 * unknown option 200 + 16-byte slla + tlla. */
	static const uint8_t ra[] = {
		134, 0, 0, 0, 64, 0x08, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0,
		24, 1, 0, 0x08, 0, 0, 0x0e, 0x10,
		24, 2, 48, 0x18, 0xff, 0xff, 0xff, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x03, 0, 0,
		200, 1, 1, 2, 3, 4, 5, 6,
		1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0,
		2, 1, 0x02, 0, 0, 0, 0, 0x07,
	};
	uint8_t b[256];
	struct pkt_val v;

	T_OK(decode_eth(b, frame(b, ra, sizeof(ra))) == PKT_OK, "hand-written ra decodes");
	T_EQ_U(dec->n, 8, "ra with 5 options");
	T_EQ_U(pkt_field_u(dec, 2, "prf", 0), 1, "ra prf high (bit 43..44)");
	T_EQ_U(pkt_field_u(dec, 2, "m", 1) | pkt_field_u(dec, 2, "o", 1) |
		       pkt_field_u(dec, 2, "h", 1) | pkt_field_u(dec, 2, "p", 1),
	       0, "ra flags clear");
	T_EQ_S(dec->l[3].proto->name, "ndopt.route_info", "route info of length 1");
	T_EQ_U(dec->l[3].len, 8, "8 bytes");
	T_EQ_U(pkt_field_u(dec, 3, "prf", 0), 1, "its preference");
	T_EQ_U(pkt_field_u(dec, 3, "lifetime", 0), 3600, "its lifetime");
	T_OK(pkt_field_get_name(dec, 3, "prefix", &v) == -ENODATA,
	     "no prefix field in a length-1 option");
	T_EQ_S(lsummary(3), "route ::/0", "length-1 route summary");
	T_EQ_S(dec->l[4].proto->name, "ndopt.route_info", "route info of length 2");
	T_EQ_U(pkt_field_u(dec, 4, "plen", 0), 48, "its prefix length");
	T_EQ_S(lsummary(4), "route 2001:db8:3::/48",
	       "length-2 route summary shows the 8 prefix bytes");
	T_EQ_S(dec->l[5].proto->name, "ndopt", "unknown option type is generic");
	T_OK(pkt_field_get_name(dec, 5, "data", &v) == 0 && v.n == 6 && v.p[0] == 1 && v.p[5] == 6,
	     "generic option data");
	T_EQ_U(pkt_field_u(dec, 5, "type", 0), 200, "generic option type");
	T_EQ_S(dec->l[6].proto->name, "ndopt.slla_bytes", "16-byte slla uses the bytes form");
	T_OK(pkt_field_get_name(dec, 6, "lladdr", &v) == 0 && v.n == 14 && v.p[0] == 1 &&
		     v.p[7] == 8,
	     "its address bytes with padding");
	T_EQ_S(dec->l[7].proto->name, "ndopt.tlla", "8-byte tlla after it");
	T_EQ_S(lsummary(2),
	       "icmpv6.ra lifetime 1800 prf high [route ::/0, route 2001:db8:3::/48, opt 200, "
	       "slla 0102030405060708000000000000, tlla 02:00:00:00:00:07]",
	       "ra summary with unusual options");
}

struct bad_case {
	const char *what;
	uint8_t msg[64];
	size_t n;
	uint32_t bad_off; /* from the ICMPv6 message */
	const char *why;
	uint16_t layers; /* kept */
};

static void test_malformed(void)
{
	static const struct bad_case cases[] = {
		{ "ND option length 0", { 133, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 1 }, 16, 8,
		  "ND option length 0", 3 },
		{ "option length 0 after a sound option",
		  { 133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0 }, 24,
		  16, "ND option length 0", 4 },
		{ "option past the end", { 133, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0, 1 }, 16, 8,
		  "ND option length exceeds the message", 3 },
		{ "one stray byte after the options",
		  { 135, 0, 0, 0, 0, 0, 0, 0, [24] = 1 }, 25, 24, "ND option truncated before its length", 3 },
		{ "truncated RA fixed part", { 134, 0, 0, 0, 64, 0, 0x07, 0x08, 0, 0, 0, 0 }, 12, 0,
		  "Router Advertisement truncated", 2 },
		{ "truncated NS", { 135, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01 }, 10, 0,
		  "Neighbor Solicitation truncated", 2 },
		{ "truncated NA", { 136, 0, 0, 0, 0x60, 0, 0, 0 }, 8, 0,
		  "Neighbor Advertisement truncated", 2 },
		{ "truncated Redirect", { 137, 0, 0, 0, 0, 0, 0, 0 }, 8, 0, "Redirect truncated", 2 },
		{ "truncated RS", { 133, 0, 0, 0 }, 4, 0, "Router Solicitation truncated", 2 },
		{ "RDNSS with even length",
		  { 133, 0, 0, 0, 0, 0, 0, 0, 25, 2, 0, 0, 0, 0, 0, 60, [24] = 0 }, 24, 8,
		  "ND RDNSS option length must be odd and at least 3", 3 },
		{ "RDNSS without an address", { 133, 0, 0, 0, 0, 0, 0, 0, 25, 1, 0, 0, 0, 0, 0, 60 }, 16,
		  8, "ND RDNSS option length must be odd and at least 3", 3 },
		{ "route info length 4", { 133, 0, 0, 0, 0, 0, 0, 0, 24, 4, 0, [39] = 0 }, 40, 8,
		  "ND route information option length above 3", 3 },
		{ "route info /129", { 133, 0, 0, 0, 0, 0, 0, 0, 24, 3, 129, [31] = 0 }, 32, 8,
		  "ND route information prefix length above 128", 3 },
		{ "route info /65 in length 2", { 133, 0, 0, 0, 0, 0, 0, 0, 24, 2, 65, [23] = 0 }, 24, 8,
		  "ND route information option length too small for its prefix length", 3 },
		{ "route info /1 in length 1", { 133, 0, 0, 0, 0, 0, 0, 0, 24, 1, 1, [15] = 0 }, 16, 8,
		  "ND route information option length too small for its prefix length", 3 },
		{ "prefix information of length 3", { 133, 0, 0, 0, 0, 0, 0, 0, 3, 3, 64, [31] = 0 }, 32,
		  8, "ND prefix information option shorter than 32 bytes", 3 },
	};
	uint8_t b[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		T_OK(decode_eth(b, frame(b, c->msg, c->n)) == PKT_MALFORMED, "%s: malformed",
		     c->what);
		T_EQ_U(dec->bad_off, ETH_IP6 + c->bad_off, "%s: offset", c->what);
		T_EQ_S(dec->why, c->why, "%s: reason", c->what);
		T_EQ_U(dec->n, c->layers, "%s: layers kept", c->what);
	}
	/* The lengths the RFCs allow are accepted. */
	{
		static const uint8_t ok[] = {
			133, 0, 0, 0, 0, 0, 0, 0,
			24, 2, 64, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			24, 3, 65, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, [47] = 0,
			24, 3, 0, 0, 0, 0, 0, 0, [71] = 0,
			25, 3, 0, 0, 0, 0, 0, 1, [95] = 0,
		};

		T_OK(decode_eth(b, frame(b, ok, sizeof(ok))) == PKT_OK && dec->n == 7,
		     "route info /64 in 2, /65 in 3, /0 in 3 and a one-address rdnss are sound");
	}
}

/* ND messages quoted short in an ICMPv6 error: an option cut by the quote
 * is not malformed, a zero length still is. */
static void test_quoted(void)
{
	struct pkt_slayer *l;

	eth_ip6("2001:db8::2", "2001:db8::1");
	push("icmpv6.dest_unreach");
	l = push("ipv6");
	pkt_spec_set_str(l, "src", "2001:db8::1");
	pkt_spec_set_str(l, "dst", "2001:db8::2");
	pkt_spec_set_u(l, "plen", 32);
	pkt_spec_set_u(l, "nh", 58);
	l = push("raw");
	set_bytes(l, "data", v_ns + ETH_IP6, 24 + 4); /* NS, half its slla */
	T_OK(build() == 0, "error quoting a cut ns builds (%s)", err);
	T_OK(decode_eth(wb.b, wb.len) == PKT_OK, "ns cut inside its option decodes");
	T_OK(dec->n == 5 && !strcmp(dec->l[4].proto->name, "icmpv6.ns"),
	     "quoted ns, no option layer");
	T_EQ_U(dec->l[4].flags, PKT_LF_PARTIAL | PKT_LF_TRUNC,
	       "quoted ns is partial and truncated");
	T_EQ_U(dec->l[4].optlen, 0, "no whole option in it");
	T_EQ_U(pkt_csum_verify(dec, 4), (unsigned long long)-ENODATA, "its checksum is not judged");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "the error's checksum verifies");

	/* Whole: NS and its option. */
	set_bytes(&spec->l[4], "data", v_ns + ETH_IP6, 32);
	build();
	T_OK(decode_eth(wb.b, wb.len) == PKT_OK && dec->n == 6, "whole quoted ns has its option");
	T_EQ_U(dec->l[4].flags, PKT_LF_PARTIAL, "whole quoted ns is partial only");

	/* A zero option length is malformed even when quoted. */
	{
		uint8_t ns[32];

		memcpy(ns, v_ns + ETH_IP6, 32);
		ns[25] = 0;
		set_bytes(&spec->l[4], "data", ns, 28);
		build();
		T_OK(decode_eth(wb.b, wb.len) == PKT_MALFORMED,
		     "quoted ns with option length 0 is malformed");
		T_EQ_U(dec->bad_off, ETH_IP6 + 8 + 40 + 24, "at the option");
	}
}

/* Encoder details: option lengths, overrides, the bytes forms. */
static void test_build_options(void)
{
	static uint8_t big[2048];
	struct pkt_slayer *l;

	eth_ip6("2001:db8::1", "2001:db8::2");
	push("icmpv6.rs");
	l = push("ndopt");
	pkt_spec_set_u(l, "type", 200);
	set_bytes(l, "data", "\x01\x02\x03\x04\x05\x06", 6);
	l = push("ndopt.slla_bytes");
	set_bytes(l, "lladdr", "\x01\x02\x03\x04\x05\x06\x07\x08\0\0\0\0\0\0", 14);
	T_OK(build() == 0, "rs with generic and bytes options builds (%s)",
	     err);
	T_EQ_U(wb.b[ETH_IP6 + 8], 200, "generic option type");
	T_EQ_U(wb.b[ETH_IP6 + 9], 1, "generic option length 1");
	T_EQ_U(wb.b[ETH_IP6 + 16], 1, "bytes slla type 1 from its default");
	T_EQ_U(wb.b[ETH_IP6 + 17], 2, "bytes slla length 2");
	decode_eth(wb.b, wb.len);
	T_OK(dec->res == PKT_OK && dec->n == 5, "decodes back");
	T_OK(!strcmp(dec->l[3].proto->name, "ndopt") &&
		     !strcmp(dec->l[4].proto->name, "ndopt.slla_bytes"),
	     "generic and bytes forms decode back");
	T_EQ_U(pkt_csum_verify(dec, 2), 1, "checksum verifies");

	/* A length the caller sets is written as is. */
	spec->n = 3;
	l = push("ndopt.mtu");
	pkt_spec_set_u(l, "mtu", 1280);
	pkt_spec_set_u(l, "len", 2);
	T_OK(build() == 0, "mtu with length 2 builds");
	T_EQ_U(wb.b[ETH_IP6 + 9], 2, "caller's option length kept");
	T_OK(decode_eth(wb.b, wb.len) == PKT_MALFORMED && dec->bad_off == ETH_IP6 + 8,
	     "and the frame is malformed at the option");
	pkt_spec_set_u(l, "len", 0);
	build();
	T_OK(decode_eth(wb.b, wb.len) == PKT_MALFORMED && !strcmp(dec->why, "ND option length 0"),
	     "length 0 can be built, and is reported");

	/* An option longer than 255 units cannot be given a length. */
	spec->n = 3;
	l = push("ndopt");
	pkt_spec_set_u(l, "type", 200);
	set_bytes(l, "data", big, sizeof(big));
	T_OK(build() == -EMSGSIZE, "2050-byte option is refused (%s)", err);
	pkt_spec_set_u(l, "len", 1);
	T_OK(build() == 0, "unless the caller sets its length");
}

static void test_descriptors(void)
{
	static const struct {
		const char *name;
		uint8_t type;
		uint16_t min;
	} msgs[] = {
		{ "icmpv6.rs", 133, 8 },  { "icmpv6.ra", 134, 16 },	    { "icmpv6.ns", 135, 24 },
		{ "icmpv6.na", 136, 24 }, { "icmpv6.redirect", 137, 40 },
	};
	static const struct {
		const char *name;
		uint8_t type;
	} opts[] = {
		{ "ndopt.slla", 1 },	     { "ndopt.tlla", 2 },	   { "ndopt.slla_bytes", 1 },
		{ "ndopt.tlla_bytes", 2 },   { "ndopt.prefix", 3 },	   { "ndopt.redirected", 4 },
		{ "ndopt.mtu", 5 },	     { "ndopt.adv_interval", 7 }, { "ndopt.hai", 8 },
		{ "ndopt.route_info", 24 }, { "ndopt.rdnss", 25 },	   { "ndopt", 0 },
	};

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		const struct pkt_proto *p = proto(msgs[i].name);
		const struct pkt_fdesc *t = pkt_proto_field(p, "type");

		T_OK(p->ipproto == 58 && !p->entry && p->title && p->kind == PKT_PK_HDR,
		     "%s: ipproto 58, not an entry, titled", msgs[i].name);
		T_OK(t && t->def == msgs[i].type, "%s: type default %u", msgs[i].name, msgs[i].type);
		T_OK(pkt_proto_field(p, "code") && pkt_proto_field(p, "cksum") && p->csum,
		     "%s: code and checksum", msgs[i].name);
		T_EQ_U(p->min_len, msgs[i].min, "%s: fixed part", msgs[i].name);
		T_OK(p->opts && !strcmp(p->opts->name, "ndopt") && p->opts->align == 0,
		     "%s: holds ndopt options, unpadded", msgs[i].name);
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct pkt_proto *p = proto(opts[i].name);
		const struct pkt_fdesc *t = pkt_proto_field(p, "type");
		const struct pkt_fdesc *l = pkt_proto_field(p, "len");

		T_OK(p->kind == PKT_PK_OPT && p->title && p->fix, "%s: an option, titled, fixed up",
		     opts[i].name);
		T_OK(t && t->def == opts[i].type && l && (l->flags & PKT_FF_AUTO),
		     "%s: type default %u, automatic length", opts[i].name, opts[i].type);
	}
}

int main(void)
{
	t_pkt_init();
	test_ns_na_rs();
	test_ra();
	test_redirect();
	test_decode_vectors();
	test_malformed();
	test_quoted();
	test_build_options();
	test_descriptors();
	return t_done();
}
