/*
 * The pure rewrites of the mip6d data plane (src/mip6/rewrite.c): the
 * extension header walk, the Home Address option out and in, the type 2
 * routing header out and in, and IPv6-in-IPv6. Inputs and expected outputs
 * are built with the packet library; outputs are decoded with it and their
 * header chain, payload length and upper-layer checksum checked (the
 * library computes that sum with the home address as RFC 6275 says, so its
 * verdict proves the rewrites need not touch the sum), round trips must give
 * the original bytes back, and malformed chains are refused.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "dp.h"
#include "pkt_t.h"

#define HOA "2001:db8:99::1"
#define COA "2001:db8:1::a"
#define CN "2001:db8:2::2"

/* A return code check that prints what came back. */
#define T_RC(expr, want, ...)                                                  \
	do {                                                                   \
		int t_r_ = (expr);                                             \
		T_OK(t_r_ == (want), __VA_ARGS__);                             \
		if (t_r_ != (want))                                            \
			printf("#   got %d (%s)\n", t_r_, strerror(-t_r_));       \
	} while (0)

enum upper { U_UDP, U_ECHO };

static uint8_t orig[4096], out[4096], back[4096];

static struct in6_addr a6(const char *text)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, text, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

static int addr_eq(const struct in6_addr *a, const char *text)
{
	struct in6_addr b = a6(text);

	return !memcmp(a, &b, 16);
}

/* Layer names joined by '/'. */
static const char *chain(void)
{
	static char s[1024];
	size_t w = 0;

	s[0] = 0;
	for (int i = 0; i < dec->n && w < sizeof(s); i++)
		w += (size_t)snprintf(s + w, sizeof(s) - w, "%s%s", i ? "/" : "",
				      dec->l[i].proto->name);
	return s;
}

static void push_upper(enum upper u)
{
	struct pkt_slayer *l;

	if (u == U_UDP) {
		l = push("udp");
		pkt_spec_set_u(l, "sport", 1234);
		pkt_spec_set_u(l, "dport", 5000);
		set_bytes(push("raw"), "data", "mobile ipv6 data", 16);
	} else {
		l = push("icmpv6.echo_request");
		pkt_spec_set_u(l, "id", 0x77);
		pkt_spec_set_u(l, "seq", 3);
		set_bytes(l, "data", "ping through the care-of address", 32);
	}
}

static const char *upper_name(enum upper u)
{
	return u == U_UDP ? "udp/raw" : "icmpv6.echo_request";
}

/* Builds the spec and copies the bytes to b; 0 when it does not build. */
static size_t take(uint8_t *b)
{
	if (build() || wb.len > sizeof(orig))
		return 0;
	memcpy(b, wb.b, wb.len);
	return wb.len;
}

/* The checksum verdict of the decoded upper layer: 1 good, 0 bad, -1 none. */
static int csum_verdict(void)
{
	for (int i = 0; i < dec->n; i++) {
		const char *n = dec->l[i].proto->name;

		if (!strcmp(n, "udp") || !strcmp(n, "icmpv6.echo_request"))
			return pkt_csum_verify(dec, i);
	}
	return -1;
}

/* Index of the nth (from 0) layer called name, or -1. */
static int layer(const char *name, int nth)
{
	int i = -1;

	do
		i = pkt_dec_find(dec, name, i + 1);
	while (i >= 0 && nth-- > 0);
	return i;
}

static unsigned plen_of(const uint8_t *b)
{
	return (unsigned)(b[4] << 8 | b[5]);
}

/* Longest run of padding bytes (Pad1/PadN) in the options header at h. */
static size_t max_pad_run(const uint8_t *h)
{
	size_t hl = ((size_t)h[1] + 1) * 8, p = 2, run = 0, best = 0;

	while (p < hl) {
		size_t ol = h[p] == 0 ? 1 : 2 + (size_t)h[p + 1];

		run = h[p] <= 1 ? run + ol : 0;
		best = run > best ? run : best;
		p += ol;
	}
	return best;
}

/* ---- walking the chain ---- */

static void test_info(void)
{
	struct m6_pkt_info pi;
	struct pkt_slayer *l;
	size_t n;
	int rc;

	spec_ip6(HOA, CN);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.upper == 17 && pi.upper_off == 40 && !pi.has_hao && !pi.has_rh2,
	     "plain UDP: upper 17 at 40, no HAO, no RH2 (%d)", rc);
	T_OK(addr_eq(&pi.src, HOA) && addr_eq(&pi.dst, CN), "plain UDP: addresses");

	spec_ip6(COA, CN);
	push("hbh");
	pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	pkt_spec_set_str(push("ip6opt.hao"), "hoa", HOA);
	l = push("frag");
	pkt_spec_set_u(l, "id", 9);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.has_hao && pi.hao_off == 40 + 8 + 8 && pi.dstopt_off == 48 &&
		     pi.dstopt_len == 24,
	     "hbh/dstopt(hao)/frag: HAO address at 56 in the 24-byte header at 48 (%d)", rc);
	T_OK(rc == 0 && pi.upper == 44 && pi.upper_off == 72,
	     "hbh/dstopt(hao)/frag: the walk stops at the Fragment header (upper 44 at 72)");
	T_OK(rc == 0 && !memcmp(orig + pi.hao_off, a6(HOA).s6_addr, 16),
	     "hao_off points at the home address");

	spec_ip6(CN, COA);
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	push_upper(U_ECHO);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.has_rh2 && pi.rh2_off == 40 && pi.rh2_segleft == 1 && pi.upper == 58 &&
		     pi.upper_off == 64,
	     "rh2/echo: RH2 at 40, segments left 1, upper 58 at 64 (%d)", rc);

	spec_ip6(COA, CN);
	l = push("ah");
	pkt_spec_set_u(l, "spi", 0x100);
	set_bytes(l, "icv", "0123456789ab", 12);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.upper == 51 && pi.upper_off == 40, "AH stops the walk (upper 51)");

	spec_ip6(COA, CN);
	push("dstopt");
	l = push("esp");
	pkt_spec_set_u(l, "spi", 0x200);
	set_bytes(l, "data", "encrypted-stuff!", 16);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.upper == 50 && pi.upper_off == 48 && !pi.has_hao,
	     "dstopt/ESP: ESP stops the walk (upper 50 at 48), no HAO");

	spec_ip6(COA, CN);
	pkt_spec_set_u(push("dstopt"), "nh", 59);
	n = take(orig);
	rc = m6_pkt_info(orig, n, &pi);
	T_OK(rc == 0 && pi.upper == 59 && pi.upper_off == 48, "No Next Header after dstopt");
}

/* ---- Home Address option ---- */

/* original: ipv6(HOA > CN) [/hbh] [/dstopt(opt) /rh /frag] /upper */
static void test_hao_case(const char *what, bool hbh, bool frag, enum upper u)
{
	struct in6_addr coa = a6(COA), got_coa, got_hoa;
	size_t n, outlen = 0, backlen = 0;
	char want_chain[256];
	long at;
	int rc;

	spec_ip6(HOA, CN);
	if (hbh) {
		push("hbh");
		pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	}
	if (frag)
		pkt_spec_set_u(push("frag"), "id", 0x51);
	push_upper(u);
	n = take(orig);
	T_OK(n > 0, "%s: original builds", what);
	decode6(orig, n);
	T_EQ_U(csum_verdict(), 1, "%s: original checksum good", what);

	rc = m6_pkt_hao_out(orig, n, &coa, out, sizeof(out), &outlen);
	T_EQ_U(rc, 0, "%s: hao_out", what);
	T_EQ_U(outlen, n + 24, "%s: 24 bytes longer", what);
	T_EQ_U(plen_of(out) + 40, outlen, "%s: payload length fixed", what);
	decode6(out, outlen);
	snprintf(want_chain, sizeof(want_chain), "ipv6/%sdstopt/ip6opt.padn/ip6opt.hao/%s%s",
		 hbh ? "hbh/ip6opt.ra/ip6opt.padn/" : "", frag ? "frag/" : "", upper_name(u));
	T_OK(dec->res == PKT_OK, "%s: result decodes (%s)", what, dec->res ? dec->why : "ok");
	T_EQ_S(chain(), want_chain, "%s: HAO after Hop-by-Hop, before Fragment and upper", what);
	T_OK(addr_is(0, "src", COA) && addr_is(0, "dst", CN), "%s: source is the care-of address",
	     what);
	T_OK(layer("ip6opt.hao", 0) >= 0 && addr_is(layer("ip6opt.hao", 0), "hoa", HOA),
	     "%s: the option carries the home address", what);
	T_EQ_U(layer("ip6opt.hao", 0) >= 0 ?
		       dec->l[layer("ip6opt.hao", 0)].off - dec->l[layer("dstopt", 0)].off : 0,
	       6, "%s: option at 8n+6 in its header", what);
	if (!frag)
		T_EQ_U(csum_verdict(), 1, "%s: upper checksum valid with the home address", what);

	/* The same packet written by the library, with the checksum it
	 * computes under RFC 6275: byte for byte equal. */
	spec_ip6(COA, CN);
	if (hbh) {
		push("hbh");
		pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	}
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	pkt_spec_set_str(push("ip6opt.hao"), "hoa", HOA);
	if (frag)
		pkt_spec_set_u(push("frag"), "id", 0x51);
	push_upper(u);
	T_OK(build() == 0, "%s: reference builds", what);
	at = first_diff(out, outlen, wb.b, wb.len);
	T_OK(at < 0, "%s: equal to the library's packet with a HAO%s", what,
	     at < 0 ? "" : " (differs)");
	if (at >= 0)
		printf("#   first difference at %ld\n", at);

	rc = m6_pkt_hao_in(out, outlen, back, sizeof(back), &backlen, &got_coa, &got_hoa);
	T_EQ_U(rc, 0, "%s: hao_in", what);
	T_OK(backlen == n && !memcmp(back, orig, n), "%s: hao_in gives the original back", what);
	T_OK(addr_eq(&got_coa, COA) && addr_eq(&got_hoa, HOA), "%s: care-of and home address out",
	     what);
}

static void test_hao(void)
{
	struct in6_addr coa = a6(COA), c, h;
	size_t n, outlen, backlen;
	int rc, i;

	test_hao_case("UDP", false, false, U_UDP);
	test_hao_case("echo", false, false, U_ECHO);
	test_hao_case("hbh/UDP", true, false, U_UDP);
	test_hao_case("hbh/echo", true, false, U_ECHO);
	test_hao_case("frag/UDP", false, true, U_UDP);
	test_hao_case("hbh/frag/echo", true, true, U_ECHO);

	/* Negative control for the checksum verdict: the source changed
	 * without a HAO standing for it. */
	spec_ip6(HOA, CN);
	push_upper(U_UDP);
	n = take(orig);
	memcpy(orig + 8, coa.s6_addr, 16);
	decode6(orig, n);
	T_EQ_U(csum_verdict(), 0, "the verdict fails when the source moves without a HAO");

	/* An existing Destination Options header after a routing header
	 * takes the option in; its other option keeps its alignment. */
	spec_ip6(HOA, CN);
	set_bytes(push("rh"), "data", "\1\2\3\4", 4);
	push("dstopt");
	set_bytes(push("ip6opt"), "data", "xyz", 3);
	push_upper(U_UDP);
	n = take(orig);
	decode6(orig, n);
	i = layer("ip6opt", 0);
	size_t opt_mod = i >= 0 ? (dec->l[i].off - dec->l[layer("dstopt", 0)].off) % 8 : 99;
	rc = m6_pkt_hao_out(orig, n, &coa, out, sizeof(out), &outlen);
	T_EQ_U(rc, 0, "rh/dstopt/udp: hao_out");
	decode6(out, outlen);
	T_EQ_S(chain(),
	       "ipv6/rh/dstopt/ip6opt.padn/ip6opt.hao/ip6opt.padn/ip6opt/ip6opt.pad1/udp/raw",
	       "rh/dstopt/udp: the HAO joins the Destination Options header after the rh");
	T_OK(layer("dstopt", 1) < 0, "rh/dstopt/udp: still one Destination Options header");
	i = layer("ip6opt", 0);
	T_EQ_U(i >= 0 ? (dec->l[i].off - dec->l[layer("dstopt", 0)].off) % 8 : 98, opt_mod,
	       "rh/dstopt/udp: the other option keeps its position modulo 8");
	T_EQ_U(dec->l[layer("ip6opt.hao", 0)].off - dec->l[layer("dstopt", 0)].off, 6,
	       "rh/dstopt/udp: HAO at 8n+6");
	T_EQ_U(plen_of(out) + 40, outlen, "rh/dstopt/udp: payload length");
	T_EQ_U(csum_verdict(), 1, "rh/dstopt/udp: checksum valid");
	T_OK(max_pad_run(out + dec->l[layer("dstopt", 0)].off) <= 7,
	     "rh/dstopt/udp: no padding run over 7 bytes (Linux refuses those)");
	rc = m6_pkt_hao_in(out, outlen, back, sizeof(back), &backlen, &c, &h);
	T_OK(rc == 0 && backlen == n && !memcmp(back, orig, n),
	     "rh/dstopt/udp: hao_in gives the original back (%d)", rc);

	/* A Destination Options header before the routing header stays
	 * there; the HAO gets a header of its own after the rh. */
	spec_ip6(HOA, CN);
	push("dstopt");
	set_bytes(push("ip6opt"), "data", "ab", 2);
	set_bytes(push("rh"), "data", "\1\2\3\4", 4);
	push_upper(U_ECHO);
	n = take(orig);
	rc = m6_pkt_hao_out(orig, n, &coa, out, sizeof(out), &outlen);
	decode6(out, outlen);
	T_EQ_S(chain(),
	       "ipv6/dstopt/ip6opt/ip6opt.padn/rh/"
	       "dstopt/ip6opt.padn/ip6opt.hao/icmpv6.echo_request",
	       "dstopt/rh/echo: a new header after the rh (%d)", rc);
	T_EQ_U(csum_verdict(), 1, "dstopt/rh/echo: checksum valid");
	rc = m6_pkt_hao_in(out, outlen, back, sizeof(back), &backlen, &c, &h);
	T_OK(rc == 0 && backlen == n && !memcmp(back, orig, n),
	     "dstopt/rh/echo: round trip (%d)", rc);

	/* hao_in on a header holding another option: the option stays. */
	spec_ip6(COA, CN);
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	pkt_spec_set_str(push("ip6opt.hao"), "hoa", HOA);
	set_bytes(push("ip6opt"), "data", "q", 1);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_hao_in(orig, n, out, sizeof(out), &outlen, &c, &h);
	decode6(out, outlen);
	T_OK(rc == 0 && outlen == n - 16,
	     "dstopt(hao, opt): hao_in leaves a 16-byte header (%d)", rc);
	T_EQ_S(chain(), "ipv6/dstopt/ip6opt.padn/ip6opt/ip6opt.padn/udp/raw",
	       "dstopt(hao, opt): the other option stays at its position modulo 8");
	T_OK(addr_is(0, "src", HOA), "dstopt(hao, opt): source is the home address");
	T_EQ_U(csum_verdict(), 1, "dstopt(hao, opt): checksum valid");
	T_EQ_U(plen_of(out) + 40, outlen, "dstopt(hao, opt): payload length");

	/* Refusals. */
	rc = m6_pkt_hao_out(out, outlen, &coa, back, sizeof(back), &backlen);
	T_EQ_U(rc, 0, "hao_out on it again works (no HAO left)");
	rc = m6_pkt_hao_out(back, backlen, &coa, out, sizeof(out), &outlen);
	T_RC(rc, -EEXIST, "hao_out on a packet that has a HAO: -EEXIST");
	spec_ip6(COA, CN);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_hao_in(orig, n, out, sizeof(out), &outlen, &c, &h);
	T_RC(rc, -ENOENT, "hao_in without a HAO: -ENOENT");
	static const char *const bad_hoa[] = { "ff0e::1", "::", "::1", "fe80::1" };
	for (size_t k = 0; k < 4; k++) {
		spec_ip6(COA, CN);
		push("dstopt");
		pkt_spec_set_str(push("ip6opt.hao"), "hoa", bad_hoa[k]);
		push_upper(U_UDP);
		n = take(orig);
		rc = m6_pkt_hao_in(orig, n, out, sizeof(out), &outlen, &c, &h);
		T_RC(rc, -EINVAL, "hao_in refuses home address %s", bad_hoa[k]);
	}
	spec_ip6("ff02::1", CN);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_hao_out(orig, n, &coa, out, sizeof(out), &outlen);
	T_RC(rc, -EINVAL, "hao_out refuses a multicast source as home address");
}

/* ---- type 2 routing header ---- */

static void test_rh2_case(const char *what, bool hbh, bool dstopt, enum upper u)
{
	struct in6_addr coa = a6(COA), hoa;
	size_t n, outlen = 0, backlen = 0;
	char want_chain[256];
	long at;
	int rc;

	spec_ip6(CN, HOA);
	if (hbh) {
		push("hbh");
		pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	}
	if (dstopt) {
		push("dstopt");
		set_bytes(push("ip6opt"), "data", "ab", 2);
	}
	push_upper(u);
	n = take(orig);
	rc = m6_pkt_rh2_out(orig, n, &coa, out, sizeof(out), &outlen);
	T_EQ_U(rc, 0, "%s: rh2_out", what);
	T_EQ_U(outlen, n + 24, "%s: 24 bytes longer", what);
	T_EQ_U(plen_of(out) + 40, outlen, "%s: payload length fixed", what);
	decode6(out, outlen);
	snprintf(want_chain, sizeof(want_chain), "ipv6/%srh2/%s%s",
		 hbh ? "hbh/ip6opt.ra/ip6opt.padn/" : "",
		 dstopt ? "dstopt/ip6opt/ip6opt.padn/" : "", upper_name(u));
	T_EQ_S(chain(), want_chain, "%s: RH2 right after Hop-by-Hop", what);
	T_OK(addr_is(0, "dst", COA) && addr_is(0, "src", CN),
	     "%s: destination is the care-of address", what);
	T_OK(layer("rh2", 0) >= 0 && addr_is(layer("rh2", 0), "hoa", HOA) &&
		     pkt_field_u(dec, layer("rh2", 0), "segleft", 9) == 1,
	     "%s: RH2 carries the home address, segments left 1", what);
	T_EQ_U(csum_verdict(), 1, "%s: upper checksum valid with the home address as final dst",
	       what);

	spec_ip6(CN, COA);
	if (hbh) {
		push("hbh");
		pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	}
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	if (dstopt) {
		push("dstopt");
		set_bytes(push("ip6opt"), "data", "ab", 2);
	}
	push_upper(u);
	T_OK(build() == 0, "%s: reference builds", what);
	at = first_diff(out, outlen, wb.b, wb.len);
	T_OK(at < 0, "%s: equal to the library's packet with an RH2", what);
	if (at >= 0)
		printf("#   first difference at %ld\n", at);

	rc = m6_pkt_rh2_in(out, outlen, back, sizeof(back), &backlen, &hoa);
	T_OK(rc == 0 && backlen == n && !memcmp(back, orig, n),
	     "%s: rh2_in gives the original back (%d)", what, rc);
	T_OK(addr_eq(&hoa, HOA), "%s: home address out", what);
}

static void test_rh2(void)
{
	struct in6_addr coa = a6(COA), hoa;
	size_t n, outlen, rlen;
	uint8_t rh[4096];
	int rc;

	test_rh2_case("UDP", false, false, U_UDP);
	test_rh2_case("echo", false, false, U_ECHO);
	test_rh2_case("hbh/UDP", true, false, U_UDP);
	test_rh2_case("hbh/dstopt/echo", true, true, U_ECHO);

	/* Negative control: destination moved without an RH2. */
	spec_ip6(CN, HOA);
	push_upper(U_ECHO);
	n = take(orig);
	memcpy(orig + 24, coa.s6_addr, 16);
	decode6(orig, n);
	T_EQ_U(csum_verdict(), 0, "the verdict fails when the destination moves without an RH2");

	spec_ip6(CN, COA);
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	push_upper(U_UDP);
	rlen = take(rh);
	T_OK(m6_pkt_rh2_in(rh, rlen, out, sizeof(out), &outlen, &hoa) == 0, "rh2_in baseline");
	for (unsigned sl = 0; sl <= 2; sl += 2) {
		memcpy(orig, rh, rlen);
		orig[43] = (uint8_t)sl;
		rc = m6_pkt_rh2_in(orig, rlen, out, sizeof(out), &outlen, &hoa);
		T_RC(rc, -EINVAL, "rh2_in refuses segments left %u", sl);
	}
	static const char *const bad[] = { "ff02::1", "::", "::1", "fe80::2" };
	for (size_t k = 0; k < 4; k++) {
		struct in6_addr b = a6(bad[k]);

		memcpy(orig, rh, rlen);
		memcpy(orig + 48, b.s6_addr, 16);
		rc = m6_pkt_rh2_in(orig, rlen, out, sizeof(out), &outlen, &hoa);
		T_RC(rc, -EINVAL, "rh2_in refuses address %s", bad[k]);
	}
	/* Type 2 with hdr ext len 4 (two addresses): malformed. */
	memcpy(orig, rh, 64);
	orig[41] = 4;
	memset(orig + 64, 0, 16);
	memcpy(orig + 80, rh + 64, rlen - 64);
	orig[5] = (uint8_t)(plen_of(rh) + 16);
	rc = m6_pkt_rh2_in(orig, rlen + 16, out, sizeof(out), &outlen, &hoa);
	T_RC(rc, -EINVAL, "rh2_in refuses a type 2 header of length 4");
	spec_ip6(CN, HOA);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_rh2_in(orig, n, out, sizeof(out), &outlen, &hoa);
	T_RC(rc, -ENOENT, "rh2_in without an RH2: -ENOENT");
	rc = m6_pkt_rh2_out(rh, rlen, &coa, out, sizeof(out), &outlen);
	T_RC(rc, -EEXIST, "rh2_out on a packet with a routing header: -EEXIST");
	spec_ip6(CN, "ff0e::5");
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_rh2_out(orig, n, &coa, out, sizeof(out), &outlen);
	T_RC(rc, -EINVAL, "rh2_out refuses a multicast home address");
	/* Two RH2s. */
	spec_ip6(CN, COA);
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	push_upper(U_UDP);
	n = take(orig);
	rc = m6_pkt_rh2_in(orig, n, out, sizeof(out), &outlen, &hoa);
	T_RC(rc, -EINVAL, "two type 2 routing headers: -EINVAL");
}

/* ---- malformed chains ---- */

/* ipv6 + ext bytes, payload length covering exactly them. */
static size_t frame(uint8_t *b, uint8_t nh, const uint8_t *ext, size_t n)
{
	struct in6_addr s = a6(COA), d = a6(CN);

	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)(n >> 8);
	b[5] = (uint8_t)n;
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, s.s6_addr, 16);
	memcpy(b + 24, d.s6_addr, 16);
	if (n)
		memcpy(b + 40, ext, n);
	return 40 + n;
}

static void test_malformed(void)
{
	struct m6_pkt_info pi;
	uint8_t e[64], b[128];
	size_t n, fr, bad_cut = 0, bad_plen = 0;
	int rc;

	T_RC(m6_pkt_info(orig, 39, &pi), -EINVAL, "39 bytes: -EINVAL");
	n = frame(b, 59, NULL, 0);
	b[0] = 0x45;
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "version 4: -EINVAL");
	b[0] = 0x60;
	T_EQ_U(m6_pkt_info(b, n, &pi), 0, "bare IPv6 header with No Next Header: fine");

	/* Every cut of a packet with hbh/dstopt(hao)/frag/udp: with the
	 * payload length left alone always refused; with it patched to fit,
	 * refused while a header is cut, accepted once the Fragment header is
	 * whole. */
	spec_ip6(COA, CN);
	push("hbh");
	pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	pkt_spec_set_str(push("ip6opt.hao"), "hoa", HOA);
	pkt_spec_set_u(push("frag"), "id", 1);
	push_upper(U_UDP);
	n = take(orig);
	fr = 40 + 8 + 24 + 8; /* end of the Fragment header */
	for (size_t k = 40; k < n; k++) {
		memcpy(b, orig, k < sizeof(b) ? k : sizeof(b));
		if (k > sizeof(b))
			break;
		if (m6_pkt_info(b, k, &pi) != -EINVAL)
			bad_plen++;
		b[4] = (uint8_t)((k - 40) >> 8);
		b[5] = (uint8_t)(k - 40);
		rc = m6_pkt_info(b, k, &pi);
		if ((k < fr && rc != -EINVAL) || (k >= fr && rc != 0))
			bad_cut++;
	}
	T_EQ_U(bad_plen, 0, "every cut with the original payload length is refused");
	T_EQ_U(bad_cut, 0, "every cut inside the headers is refused, after them accepted");

	/* Header length beyond the packet. */
	memcpy(e, (const uint8_t[]){ 17, 1, 1, 4, 0, 0, 0, 0 }, 8);
	n = frame(b, 60, e, 8);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "dstopt length 16 in 8 bytes: -EINVAL");
	/* An option running past its header. */
	memcpy(e, (const uint8_t[]){ 59, 0, 0x1e, 10, 0, 0, 0, 0 }, 8);
	n = frame(b, 60, e, 8);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "option past the header end: -EINVAL");
	/* A type byte without its length byte. */
	memcpy(e, (const uint8_t[]){ 59, 0, 1, 3, 0, 0, 0, 0x1e }, 8);
	n = frame(b, 60, e, 8);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "option cut after its type: -EINVAL");
	/* Home Address options of length 15 and 17, well padded. */
	memset(e, 0, sizeof(e));
	e[0] = 59, e[1] = 2, e[2] = 1, e[3] = 2, e[6] = 0xc9, e[7] = 15; /* Pad1 at 23 */
	n = frame(b, 60, e, 24);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "HAO of length 15: -EINVAL");
	memset(e, 0, sizeof(e));
	e[0] = 59, e[1] = 3, e[2] = 1, e[3] = 2, e[6] = 0xc9, e[7] = 17, e[25] = 1, e[26] = 5;
	n = frame(b, 60, e, 32);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "HAO of length 17: -EINVAL");
	e[7] = 16, e[24] = 0; /* the same header with a good HAO and Pad1 + PadN 5 */
	e[25] = 0, e[26] = 1, e[27] = 4;
	n = frame(b, 60, e, 32);
	T_EQ_U(m6_pkt_info(b, n, &pi), 0, "the same header with a length-16 HAO: fine");
	/* Two Home Address options. */
	memset(e, 0, sizeof(e));
	e[0] = 59, e[1] = 5, e[2] = 1, e[3] = 2, e[6] = 0xc9, e[7] = 16;
	e[24] = 0xc9, e[25] = 16, e[42] = 1, e[43] = 4;
	n = frame(b, 60, e, 48);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "two HAOs: -EINVAL");
	/* Hop-by-Hop after another header. */
	memcpy(e, (const uint8_t[]){ 0, 0, 1, 4, 0, 0, 0, 0, 59, 0, 1, 4, 0, 0, 0, 0 }, 16);
	n = frame(b, 60, e, 16);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "Hop-by-Hop not first: -EINVAL");
	/* A cut Fragment header. */
	memcpy(e, (const uint8_t[]){ 17, 0, 0, 0 }, 4);
	n = frame(b, 44, e, 4);
	T_RC(m6_pkt_info(b, n, &pi), -EINVAL, "Fragment header of 4 bytes: -EINVAL");
	/* Bytes after the payload length are not part of the packet. */
	n = frame(b, 59, NULL, 0);
	T_EQ_U(m6_pkt_info(b, n + 8, &pi), 0, "trailing bytes after the payload are ignored");
}

/* ---- output room, sizes, encapsulation ---- */

static void test_room(void)
{
	struct in6_addr coa = a6(COA), s = a6("2001:db8:5::1"), d = a6("2001:db8:6::1"), c, h;
	size_t n, need, outlen, hn, rn;
	uint8_t hao[4096], rh[4096];
	static uint8_t big[70000], bigout[70100];

	spec_ip6(HOA, CN);
	push_upper(U_UDP);
	n = take(orig);
	m6_pkt_hao_out(orig, n, &coa, hao, sizeof(hao), &hn);
	m6_pkt_rh2_out(orig, n, &coa, rh, sizeof(rh), &rn);
	static const char *const names[] = { "hao_out", "hao_in", "rh2_out", "rh2_in", "encap" };

	for (int op = 0; op < 5; op++) {
		int r1 = 0, r2 = 0, r3 = 0;

		for (int pass = 0; pass < 3; pass++) {
			size_t cap = pass == 0 ? sizeof(out) : pass == 1 ? need - 1 : need;
			int rc = -1;

			outlen = 12345;
			switch (op) {
			case 0:
				rc = m6_pkt_hao_out(orig, n, &coa, out, cap, &outlen);
				break;
			case 1:
				rc = m6_pkt_hao_in(hao, hn, out, cap, &outlen, &c, &h);
				break;
			case 2:
				rc = m6_pkt_rh2_out(orig, n, &coa, out, cap, &outlen);
				break;
			case 3:
				rc = m6_pkt_rh2_in(rh, rn, out, cap, &outlen, &h);
				break;
			case 4:
				rc = m6_pkt_encap(orig, n, &s, &d, out, cap, &outlen);
				break;
			}
			if (pass == 0) {
				r1 = rc;
				need = outlen;
			} else if (pass == 1) {
				r2 = rc == -ENOSPC && outlen == 0;
			} else {
				r3 = rc == 0 && outlen == need;
			}
		}
		T_OK(!r1 && r2 && r3, "%s: -ENOSPC one byte short, fits exactly", names[op]);
	}

	/* Encapsulation. */
	T_OK(m6_pkt_encap(orig, n, &s, &d, out, sizeof(out), &outlen) == 0 && outlen == n + 40,
	     "encap: 40 bytes more");
	T_OK(out[0] == 0x60 && out[6] == 41 && out[7] == 64 && plen_of(out) == n &&
		     !memcmp(out + 8, s.s6_addr, 16) && !memcmp(out + 24, d.s6_addr, 16),
	     "encap: version 6, next header 41, hop limit 64, addresses, payload length");
	T_OK(!memcmp(out + 40, orig, n), "encap: the inner packet unchanged");
	decode6(out, outlen);
	T_EQ_S(chain(), "ipv6/ipv6/udp/raw", "encap: decodes as IPv6 in IPv6");
	T_EQ_U(csum_verdict(), 1, "encap: inner checksum still valid");
	T_RC(m6_pkt_encap(orig, 39, &s, &d, out, sizeof(out), &outlen), -EINVAL,
	     "encap: inner shorter than an IPv6 header refused");

	/* Near the 65535-byte payload limit. */
	memset(big, 0, sizeof(big));
	memcpy(big, orig, 40);
	big[6] = 59;
	big[4] = 0xff, big[5] = 0xf0;
	T_RC(m6_pkt_hao_out(big, 40 + 0xfff0, &coa, bigout, sizeof(bigout), &outlen), -EMSGSIZE,
	     "hao_out past 65535 bytes of payload: -EMSGSIZE");
	T_RC(m6_pkt_encap(big, 40 + 0xfff0, &s, &d, bigout, sizeof(bigout), &outlen), -EMSGSIZE,
	     "encap past 65535 bytes of payload: -EMSGSIZE");
	big[4] = 0xff, big[5] = 0xd0;
	T_EQ_U(m6_pkt_hao_out(big, 40 + 0xffd0, &coa, bigout, sizeof(bigout), &outlen), 0,
	       "hao_out up to 65535 bytes of payload works");
	T_EQ_U(plen_of(bigout), 0xffe8, "and says so in the payload length");
}

/* ---- random damage ---- */

static uint32_t rnd_state = 0x6d697036;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Rewrites of damaged packets either fail or give packets that walk, with
 * a consistent payload length and without what was taken out. */
static void test_damage(void)
{
	uint8_t seeds[4][512], b[512];
	size_t sn[4], outlen;
	struct in6_addr coa = a6(COA), c, h;
	struct m6_pkt_info pi;
	unsigned bad = 0, ok = 0;

	spec_ip6(COA, CN);
	push("hbh");
	pkt_spec_set_u(push("ip6opt.ra"), "value", 0);
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	pkt_spec_set_str(push("ip6opt.hao"), "hoa", HOA);
	set_bytes(push("ip6opt"), "data", "z", 1);
	push_upper(U_UDP);
	sn[0] = take(seeds[0]);
	spec_ip6(CN, COA);
	pkt_spec_set_str(push("rh2"), "hoa", HOA);
	push("dstopt");
	set_bytes(push("ip6opt"), "data", "ab", 2);
	push_upper(U_ECHO);
	sn[1] = take(seeds[1]);
	spec_ip6(HOA, CN);
	set_bytes(push("rh"), "data", "\1\2\3\4", 4);
	push("dstopt");
	set_bytes(push("ip6opt"), "data", "xyz", 3);
	pkt_spec_set_u(push("frag"), "id", 4);
	push_upper(U_UDP);
	sn[2] = take(seeds[2]);
	spec_ip6(HOA, CN);
	push_upper(U_ECHO);
	sn[3] = take(seeds[3]);

	for (int it = 0; it < 20000; it++) {
		int s = (int)(rnd() % 4), flips = 1 + (int)(rnd() % 4), rc;
		size_t n = sn[s];

		memcpy(b, seeds[s], n);
		for (int f = 0; f < flips; f++)
			b[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
		if (rnd() % 4 == 0)
			n = 40 + rnd() % (n - 39);
		m6_pkt_info(b, n, &pi);
		for (int op = 0; op < 4; op++) {
			switch (op) {
			case 0:
				rc = m6_pkt_hao_in(b, n, out, sizeof(out), &outlen, &c, &h);
				break;
			case 1:
				rc = m6_pkt_hao_out(b, n, &coa, out, sizeof(out), &outlen);
				break;
			case 2:
				rc = m6_pkt_rh2_in(b, n, out, sizeof(out), &outlen, &h);
				break;
			default:
				rc = m6_pkt_rh2_out(b, n, &coa, out, sizeof(out), &outlen);
				break;
			}
			if (rc)
				continue;
			ok++;
			if (m6_pkt_info(out, outlen, &pi) || plen_of(out) + 40 != outlen ||
			    (op == 0 && pi.has_hao) || (op == 1 && !pi.has_hao) ||
			    (op == 2 && pi.has_rh2) || (op == 3 && !pi.has_rh2))
				bad++;
			if (pi.has_hao && max_pad_run(out + pi.dstopt_off) > 7)
				bad++;
		}
	}
	printf("# %u rewrites of damaged packets succeeded\n", ok);
	T_OK(ok > 1000, "some damaged packets still rewrite (%u)", ok);
	T_EQ_U(bad, 0, "every successful rewrite of a damaged packet walks cleanly");
}

int main(void)
{
	t_pkt_init();
	test_info();
	test_hao();
	test_rh2();
	test_malformed();
	test_room();
	test_damage();
	pkt_wbuf_free(&wb);
	free(spec);
	free(dec);
	return t_done();
}
