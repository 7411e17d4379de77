/*
 * IPv6 extension headers: Hop-by-Hop and Destination Options with their
 * options, the Routing header types (0, 2, SRH and unknown), the Fragment
 * header, AH and ESP. Each is built with the encoder and its bytes checked,
 * decoded from byte vectors written by hand from the RFC formats, decoded
 * from malformed vectors, and decoded from every prefix of a valid frame.
 */
#include <arpa/inet.h>

#include "pkt_t.h"

#define SRC "2001:db8::1"
#define DST "2001:db8::2"

/* ---- helpers ---- */

static void addr(uint8_t *out, const char *text)
{
	if (inet_pton(AF_INET6, text, out) != 1)
		memset(out, 0xee, 16);
}

/* Layer names joined by '/': "ipv6/hbh/ip6opt.ra/ip6opt.padn/raw". */
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

/* The summary without its first layer (the IPv6 header). */
static const char *summary_tail(void)
{
	static char s[1024];
	const char *p;

	pkt_print_summary(dec, s, sizeof(s));
	p = strstr(s, " / ");
	return p ? p + 3 : s;
}

/* A 40-byte IPv6 header SRC > DST; the caller writes what follows. */
static size_t ip6hdr(uint8_t *b, uint16_t plen, uint8_t nh)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	b[6] = nh;
	b[7] = 64;
	addr(b + 8, SRC);
	addr(b + 24, DST);
	return 40;
}

/* IPv6 header + ext bytes, plen covering exactly the ext bytes. */
static size_t frame(uint8_t *b, uint8_t nh, const uint8_t *ext, size_t n)
{
	ip6hdr(b, (uint16_t)n, nh);
	memcpy(b + 40, ext, n);
	return 40 + n;
}

static uint64_t fu(int idx, const char *name)
{
	return pkt_field_u(dec, idx, name, 0xdeadbeefcafeull);
}

/* ---- registry ---- */

static void test_registry(void)
{
	static const char *const names[] = {
		"hbh", "dstopt", "ip6opt.pad1", "ip6opt.padn", "ip6opt.ra", "ip6opt.jumbo",
		"ip6opt.hao", "ip6opt", "rh", "rh0", "rh2", "srh", "srhtlv.pad1",
		"srhtlv.padn", "srhtlv.hmac", "srhtlv", "frag", "ah", "esp",
	};
	static const struct {
		int ipproto;
		const char *name;
	} entries[] = {
		{ 0, "hbh" }, { 60, "dstopt" }, { 43, "rh" }, { 44, "frag" }, { 51, "ah" }, { 50, "esp" },
	};
	int missing = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct pkt_proto *p = pkt_proto_by_name(names[i]);

		if (!p || !p->title || !p->title[0]) {
			printf("# %s missing or without a title\n", names[i]);
			missing++;
		}
	}
	T_EQ_U(missing, 0, "every extension descriptor is registered with a title");
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		const struct pkt_proto *p = pkt_proto_by_ipproto(entries[i].ipproto);

		T_EQ_S(p ? p->name : NULL, entries[i].name, "ipproto %d enters at %s",
		       entries[i].ipproto, entries[i].name);
	}
}

/* Every descriptor built with its defaults decodes back as itself. */
static void test_defaults_roundtrip(void)
{
	static const struct {
		const char *outer; /* header holding the option, or NULL */
		const char *name;
	} t[] = {
		{ NULL, "hbh" }, { NULL, "dstopt" }, { NULL, "rh0" }, { NULL, "rh2" },
		{ NULL, "srh" }, { NULL, "frag" }, { NULL, "ah" }, { NULL, "esp" },
		{ "hbh", "ip6opt.pad1" }, { "hbh", "ip6opt.padn" }, { "hbh", "ip6opt.ra" },
		{ "hbh", "ip6opt.jumbo" }, { "dstopt", "ip6opt.hao" }, { "dstopt", "ip6opt" },
		{ "srh", "srhtlv.pad1" }, { "srh", "srhtlv.padn" }, { "srh", "srhtlv.hmac" },
		{ "srh", "srhtlv" },
	};
	uint8_t seg[16];

	addr(seg, "2001:db8:30::1");

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *outer = t[i].outer ? t[i].outer : t[i].name;
		struct pkt_slayer *l;
		int rc;

		spec_ip6(SRC, DST);
		l = push(outer);
		/* An SRH holds one segment at least (Last Entry 0). */
		if (!strcmp(outer, "srh"))
			set_val(l, "addrs", PKT_FT_IP6LIST, seg, 16);
		if (t[i].outer)
			push(t[i].name);
		rc = build();
		if (rc) {
			T_OK(0, "%s builds with defaults (%s)", t[i].name, err);
			continue;
		}
		decode6(wb.b, wb.len);
		T_OK(dec->res == PKT_OK && dec->n >= 2 && !strcmp(dec->l[1].proto->name, outer) &&
			     (!t[i].outer || (dec->n >= 3 && !strcmp(dec->l[2].proto->name, t[i].name))),
		     "%s%s%s with defaults decodes back as itself (%s)", t[i].outer ? t[i].outer : "",
		     t[i].outer ? "/" : "", t[i].name, chain());
	}
	/* The generic header needs its 4 bytes of type-specific data. */
	spec_ip6(SRC, DST);
	set_bytes(push("rh"), "data", "\1\2\3\4", 4);
	T_OK(build() == 0, "generic rh builds (%s)", err);
	T_EQ_U(wb.len, 48, "generic rh is 8 bytes");
	T_EQ_U(wb.b[42], 253, "generic rh defaults to the experimental type 253");
	T_EQ_U(wb.b[41], 0, "generic rh length 0");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/rh", "generic rh decodes as rh");
	T_EQ_S(summary_tail(), "rh type 253 segleft 0", "generic rh summary");
}

/* ---- options headers ---- */

static void test_hbh_ra(void)
{
	static const uint8_t want[] = { 59, 0, 5, 2, 0, 0, 1, 0 };
	struct pkt_slayer *l;

	spec_ip6(SRC, DST);
	push("hbh");
	l = push("ip6opt.ra");
	pkt_spec_set_u(l, "value", 0);
	set_bytes(push("raw"), "data", "abcd", 4);
	T_OK(build() == 0, "ipv6/hbh/ra/raw builds (%s)", err);
	T_EQ_U(wb.len, 40 + 8 + 4, "frame length: 6 bytes of header and option padded to 8");
	T_EQ_U(wb.b[6], 0, "IPv6 next header is Hop-by-Hop (0)");
	T_EQ_U(wb.b[4] << 8 | wb.b[5], 12, "IPv6 payload length");
	T_OK(wb.len >= 48 && !memcmp(wb.b + 40, want, 8),
	     "hbh bytes: nh 59, len 0, Router Alert 5/2/0, PadN of 2");
	decode6(wb.b, wb.len);
	T_OK(dec->res == PKT_OK, "decodes");
	T_EQ_S(chain(), "ipv6/hbh/ip6opt.ra/ip6opt.padn/raw", "layers");
	T_EQ_U(dec->l[2].off, 42, "router alert at offset 42");
	T_EQ_U(dec->l[2].len, 4, "router alert is 4 bytes");
	T_EQ_U(dec->l[2].depth, 1, "options sit at depth 1");
	T_EQ_U(fu(2, "value"), 0, "router alert value 0 (MLD)");
	T_EQ_U(fu(1, "len"), 0, "hdr ext len 0");
	T_EQ_S(summary_tail(), "hbh [ra 0, padn 2] / raw 4 bytes", "summary");

	/* Hand-written: an MLD report's Hop-by-Hop header (RFC 2711 value 0). */
	{
		static const uint8_t ext[] = { 58, 0, 5, 2, 0, 0, 1, 0 };
		uint8_t b[48];

		decode6(b, frame(b, 0, ext, sizeof(ext)));
		T_OK(dec->res == PKT_OK, "hand-written hbh decodes");
		T_EQ_S(chain(), "ipv6/hbh/ip6opt.ra/ip6opt.padn", "hand-written hbh layers");
		T_EQ_U(fu(1, "nh"), 58, "hbh next header 58");
		T_EQ_U(fu(3, "len"), 0, "padn data length 0");
	}
}

static void test_dstopt_hao(void)
{
	uint8_t want[24] = { 59, 2, 1, 2, 0, 0, 201, 16 };
	struct pkt_slayer *l;

	addr(want + 8, "2001:db8:1::100");
	spec_ip6(SRC, DST);
	push("dstopt");
	set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
	l = push("ip6opt.hao");
	pkt_spec_set_str(l, "hoa", "2001:db8:1::100");
	T_OK(build() == 0, "ipv6/dstopt/padn/hao builds (%s)", err);
	T_EQ_U(wb.len, 64, "24-byte Destination Options header, no padding needed");
	T_EQ_U(wb.b[6], 60, "IPv6 next header is Destination Options (60)");
	T_OK(wb.len >= 64 && !memcmp(wb.b + 40, want, 24),
	     "dstopt bytes: len 2, PadN of 4, Home Address 201/16 at 8n+6");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/dstopt/ip6opt.padn/ip6opt.hao", "layers");
	T_EQ_U(dec->l[3].off - dec->l[1].off, 6, "home address option at 8n+6 (RFC 6275 §6.3)");
	T_OK(addr_is(3, "hoa", "2001:db8:1::100"), "home address field");
	T_EQ_S(summary_tail(), "dstopt [padn 4, hao 2001:db8:1::100]", "summary");
}

static void test_jumbo(void)
{
	enum { N = 70000 };
	uint8_t *data = calloc(1, N);
	static const uint8_t want[] = { 59, 0, 0xc2, 4, 0x00, 0x01, 0x11, 0x78 };
	struct pkt_slayer *l;

	spec_ip6(SRC, DST);
	push("hbh");
	l = push("ip6opt.jumbo");
	pkt_spec_set_u(l, "plen", 8 + N);
	set_bytes(push("raw"), "data", data, N);
	T_OK(build() == 0, "jumbogram builds (%s)", err);
	T_EQ_U(wb.len, 40 + 8 + N, "jumbogram length");
	T_EQ_U(wb.b[4] << 8 | wb.b[5], 0, "IPv6 payload length 0 (RFC 2675)");
	T_OK(wb.len >= 48 && !memcmp(wb.b + 40, want, 8),
	     "hbh bytes: Jumbo Payload 0xc2/4 at 4n+2 carrying 70008, no padding");
	decode6(wb.b, wb.len);
	T_OK(dec->res == PKT_OK, "jumbogram decodes");
	T_EQ_S(chain(), "ipv6/hbh/ip6opt.jumbo/raw", "jumbogram layers");
	T_EQ_U(fu(2, "plen"), 8 + N, "jumbo payload length field");
	T_EQ_U(dec->n == 4 ? dec->l[3].len : 0, N, "payload runs to the end of the frame");
	T_EQ_S(summary_tail(), "hbh [jumbo 70008] / raw 70000 bytes", "summary");
	free(data);
}

static void test_generic_option(void)
{
	static const uint8_t want[] = { 59, 0, 0xbe, 3, 'x', 'y', 'z', 0 };
	struct pkt_slayer *l;

	spec_ip6(SRC, DST);
	push("hbh");
	l = push("ip6opt");
	pkt_spec_set_u(l, "action", 2);
	pkt_spec_set_u(l, "chg", 1);
	set_bytes(l, "data", "xyz", 3);
	T_OK(build() == 0, "hbh with an unknown option builds (%s)", err);
	T_OK(wb.len == 48 && !memcmp(wb.b + 40, want, 8),
	     "action 2 and chg 1 over the default type give 0xbe; Pad1 fills the last byte");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/hbh/ip6opt/ip6opt.pad1", "layers");
	T_EQ_U(fu(2, "type"), 0xbe, "type");
	T_EQ_U(fu(2, "action"), 2, "action bits: discard and send Parameter Problem");
	T_EQ_U(fu(2, "chg"), 1, "change-en-route bit");
	T_EQ_U(fu(2, "len"), 3, "data length excludes type and length bytes");
	T_EQ_S(summary_tail(), "hbh [opt 0xbe len 3, pad1]", "summary");

	/* Router Alert with a wrong length is not a Router Alert. */
	{
		static const uint8_t ext[] = { 59, 0, 5, 3, 0, 0, 0, 0 };
		uint8_t b[48];

		decode6(b, frame(b, 0, ext, sizeof(ext)));
		T_OK(dec->res == PKT_OK, "type 5 with length 3 decodes");
		T_EQ_S(chain(), "ipv6/hbh/ip6opt/ip6opt.pad1", "it decodes as the generic option");
		T_EQ_U(fu(2, "type"), 5, "its type is still 5");
	}
}

/* ---- a whole chain ---- */

static size_t build_chain(void)
{
	static uint8_t addrs[32];
	struct pkt_slayer *l;

	addr(addrs, "2001:db8:10::1");
	addr(addrs + 16, "2001:db8:20::1");
	spec_ip6(SRC, DST);
	push("hbh");
	push("dstopt");
	l = push("rh0");
	set_val(l, "addrs", PKT_FT_IP6LIST, addrs, 32);
	pkt_spec_set_u(l, "segleft", 2);
	l = push("frag");
	pkt_spec_set_u(l, "id", 1);
	l = push("ah");
	pkt_spec_set_u(l, "spi", 0x100);
	pkt_spec_set_u(l, "seq", 1);
	set_bytes(l, "icv", "0123456789ab", 12);
	push("dstopt");
	l = push("esp");
	pkt_spec_set_u(l, "spi", 0x200);
	pkt_spec_set_u(l, "seq", 7);
	set_bytes(l, "data", "encrypted-stuff!", 16);
	return build() == 0 ? wb.len : 0;
}

static void test_chain(void)
{
	static const struct {
		unsigned off;
		uint8_t nh, len;
	} hops[] = {
		{ 40, 60, 0 }, /* hbh -> dstopt */
		{ 48, 43, 0 }, /* dstopt -> routing */
		{ 56, 44, 4 }, /* rh0 with 2 addresses -> fragment */
		{ 96, 51, 0 }, /* fragment -> AH */
		{ 104, 60, 4 }, /* AH, 24 bytes -> dstopt */
		{ 128, 50, 0 }, /* dstopt -> ESP */
	};

	T_EQ_U(build_chain(), 160, "ipv6/hbh/dstopt/rh0/frag/ah/dstopt/esp builds (%s)", err);
	if (wb.len != 160)
		return;
	T_EQ_U(wb.b[6], 0, "IPv6 next header 0");
	T_EQ_U(wb.b[4] << 8 | wb.b[5], 120, "IPv6 payload length 120");
	for (size_t i = 0; i < sizeof(hops) / sizeof(hops[0]); i++) {
		T_EQ_U(wb.b[hops[i].off], hops[i].nh, "next header at %u is %u", hops[i].off,
		       hops[i].nh);
		T_EQ_U(wb.b[hops[i].off + 1], hops[i].len, "length byte at %u is %u", hops[i].off,
		       hops[i].len);
	}
	T_OK(!memcmp(wb.b + 42, (const uint8_t[]){ 1, 4, 0, 0, 0, 0 }, 6),
	     "empty hbh is padded with one PadN of 6");
	T_EQ_U(wb.b[58], 0, "rh0 type 0");
	T_EQ_U(wb.b[59], 2, "rh0 segments left 2");
	T_OK(!memcmp(wb.b + 98, (const uint8_t[]){ 0, 0, 0, 0, 0, 1 }, 6),
	     "fragment offset 0, M 0, id 1 (atomic)");
	T_OK(!memcmp(wb.b + 108, (const uint8_t[]){ 0, 0, 1, 0, 0, 0, 0, 1 }, 8), "AH spi and seq");
	T_OK(!memcmp(wb.b + 136, (const uint8_t[]){ 0, 0, 2, 0, 0, 0, 0, 7 }, 8), "ESP spi and seq");
	decode6(wb.b, wb.len);
	T_OK(dec->res == PKT_OK, "the chain decodes (%s)", dec->why ? dec->why : "ok");
	T_EQ_S(chain(),
	       "ipv6/hbh/ip6opt.padn/dstopt/ip6opt.padn/rh0/frag/ah/dstopt/ip6opt.padn/esp",
	       "layers");
	T_EQ_S(summary_tail(),
	       "hbh [padn 6] / dstopt [padn 6] / rh0 segleft 2 / frag off 0 id 0x1 / "
	       "ah spi 0x100 seq 1 / dstopt [padn 6] / esp spi 0x200 seq 7",
	       "summary");
	T_EQ_U(dec->partial, 0, "an atomic fragment does not make the rest partial");
}

/* ---- routing ---- */

static void test_routing_decode(void)
{
	uint8_t b[160], ext[120];
	struct pkt_val v;
	size_t n;

	/* Type 0 with two addresses, both still to visit. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 59, ext[1] = 4, ext[2] = 0, ext[3] = 2;
	addr(ext + 8, "2001:db8:10::1");
	addr(ext + 24, "2001:db8:20::1");
	decode6(b, frame(b, 43, ext, 40));
	T_OK(dec->res == PKT_OK, "rh0 decodes");
	T_EQ_S(chain(), "ipv6/rh0", "type 0 selects rh0");
	T_EQ_U(fu(1, "segleft"), 2, "rh0 segments left");
	T_EQ_U(fu(1, "len"), 4, "rh0 hdr ext len");
	T_OK(!pkt_field_get_name(dec, 1, "addrs", &v) && v.n == 32, "rh0 holds two addresses");
	T_OK(addr_is(1, "addrs", "2001:db8:10::1"), "rh0 first address");
	T_EQ_S(summary_tail(), "rh0 segleft 2", "rh0 summary");

	/* Type 2: one home address. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 59, ext[1] = 2, ext[2] = 2, ext[3] = 1;
	addr(ext + 8, "2001:db8:1::100");
	decode6(b, frame(b, 43, ext, 24));
	T_EQ_S(chain(), "ipv6/rh2", "type 2 selects rh2");
	T_OK(addr_is(1, "hoa", "2001:db8:1::100"), "rh2 home address");
	T_OK(!pkt_field_get_name(dec, 1, "addrs", &v) && v.n == 16, "rh2 address list is the home address");
	T_EQ_S(summary_tail(), "rh2 segleft 1 hoa 2001:db8:1::100", "rh2 summary");

	/* SRH with two segments and no TLVs. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 59, ext[1] = 4, ext[2] = 4, ext[3] = 1, ext[4] = 1, ext[5] = 0, ext[6] = 0x12,
	ext[7] = 0x34;
	addr(ext + 8, "2001:db8:30::1");
	addr(ext + 24, "2001:db8:40::1");
	decode6(b, frame(b, 43, ext, 40));
	T_OK(dec->res == PKT_OK, "srh decodes");
	T_EQ_S(chain(), "ipv6/srh", "type 4 selects srh");
	T_EQ_U(fu(1, "last"), 1, "srh last entry");
	T_EQ_U(fu(1, "tag"), 0x1234, "srh tag");
	T_OK(!pkt_field_get_name(dec, 1, "addrs", &v) && v.n == 32, "srh segment list of two");
	T_OK(addr_is(1, "addrs", "2001:db8:30::1"), "srh segment 0");
	T_EQ_S(summary_tail(), "srh segleft 1 last 1", "srh summary");

	/* SRH with an HMAC TLV after the segments (RFC 8754 §2.1.2). */
	memcpy(ext + 40, (const uint8_t[]){ 5, 14, 0x80, 0, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8 },
	       16);
	ext[1] = 6;
	decode6(b, frame(b, 43, ext, 56));
	T_OK(dec->res == PKT_OK, "srh with an HMAC TLV decodes (%s)", dec->why ? dec->why : "ok");
	T_EQ_S(chain(), "ipv6/srh/srhtlv.hmac", "the TLV after the segments is an option");
	T_EQ_U(dec->n == 3 ? dec->l[2].off : 0, 40 + 40, "TLV starts after the segment list");
	T_EQ_U(fu(2, "d"), 1, "HMAC D flag");
	T_EQ_U(fu(2, "keyid"), 7, "HMAC key id");
	T_OK(!pkt_field_get_name(dec, 2, "hmac", &v) && v.n == 8 && v.p[7] == 8, "HMAC value");
	T_OK(addr_is(1, "addrs", "2001:db8:30::1"), "segment 0 unchanged by the TLV");

	/* An unknown type: opaque data. */
	memset(ext, 0, sizeof(ext));
	memcpy(ext, (const uint8_t[]){ 59, 0, 253, 0, 0xa, 0xb, 0xc, 0xd }, 8);
	decode6(b, frame(b, 43, ext, 8));
	T_EQ_S(chain(), "ipv6/rh", "type 253 stays the generic rh");
	T_OK(!pkt_field_get_name(dec, 1, "data", &v) && v.n == 4 && v.p[0] == 0xa,
	     "type-specific data as bytes");

	/* Followed by more: rh2 then a Destination Options header. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 60, ext[1] = 2, ext[2] = 2, ext[3] = 1;
	addr(ext + 8, "2001:db8:1::100");
	memcpy(ext + 24, (const uint8_t[]){ 59, 0, 1, 4, 0, 0, 0, 0 }, 8);
	n = frame(b, 43, ext, 32);
	decode6(b, n);
	T_EQ_S(chain(), "ipv6/rh2/dstopt/ip6opt.padn", "rh2 next header chains on");
}

static void test_routing_build(void)
{
	uint8_t segs[32];
	struct pkt_slayer *l;
	struct pkt_val v;

	addr(segs, "2001:db8:30::1");
	addr(segs + 16, "2001:db8:40::1");

	spec_ip6(SRC, DST);
	l = push("rh2");
	pkt_spec_set_str(l, "hoa", "2001:db8:1::100");
	T_OK(build() == 0, "rh2 builds (%s)", err);
	T_EQ_U(wb.len, 64, "rh2 is 24 bytes");
	T_OK(!memcmp(wb.b + 40, (const uint8_t[]){ 59, 2, 2, 1, 0, 0, 0, 0 }, 8),
	     "rh2 bytes: len 2, type 2, segments left 1");
	decode6(wb.b, wb.len);
	T_OK(addr_is(1, "hoa", "2001:db8:1::100"), "rh2 home address round-trips");

	spec_ip6(SRC, DST);
	l = push("srh");
	set_val(l, "addrs", PKT_FT_IP6LIST, segs, 32);
	pkt_spec_set_u(l, "segleft", 1);
	T_OK(build() == 0, "srh builds (%s)", err);
	T_EQ_U(wb.len, 80, "srh with two segments is 40 bytes");
	T_OK(!memcmp(wb.b + 40, (const uint8_t[]){ 59, 4, 4, 1, 1, 0, 0, 0 }, 8),
	     "srh bytes: len 4, type 4, segments left 1, last entry 1 filled in");

	spec_ip6(SRC, DST);
	l = push("srh");
	set_val(l, "addrs", PKT_FT_IP6LIST, segs, 32);
	l = push("srhtlv.hmac");
	pkt_spec_set_u(l, "d", 1);
	pkt_spec_set_u(l, "keyid", 7);
	set_bytes(l, "hmac", "\1\2\3\4\5\6\7\10", 8);
	T_OK(build() == 0, "srh with an HMAC TLV builds (%s)", err);
	T_EQ_U(wb.len, 96, "8 + 32 + 16 bytes");
	T_EQ_U(wb.b[41], 6, "hdr ext len counts the TLV");
	T_EQ_U(wb.b[44], 1, "last entry ignores the TLV");
	T_OK(!memcmp(wb.b + 80, (const uint8_t[]){ 5, 14, 0x80, 0, 0, 0, 0, 7, 1 }, 9),
	     "HMAC TLV bytes");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/srh/srhtlv.hmac", "round-trips");

	spec_ip6(SRC, DST);
	l = push("srh");
	set_val(l, "addrs", PKT_FT_IP6LIST, segs, 16);
	push("srhtlv.pad1");
	T_OK(build() == 0, "srh with a Pad1 TLV builds (%s)", err);
	T_EQ_U(wb.len, 40 + 32, "TLV area padded to 8");
	T_OK(!memcmp(wb.b + 64, (const uint8_t[]){ 0, 4, 5, 0, 0, 0, 0, 0 }, 8),
	     "Pad1 then a PadN TLV (type 4) of 7");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/srh/srhtlv.pad1/srhtlv.padn", "padding TLVs decode");
	T_OK(!pkt_field_get_name(dec, 1, "addrs", &v) && v.n >= 16, "segment list readable");

	spec_ip6(SRC, DST);
	l = push("rh0");
	set_val(l, "addrs", PKT_FT_IP6LIST, segs, 32);
	push("frag");
	T_OK(build() == 0, "rh0/frag builds (%s)", err);
	T_OK(!memcmp(wb.b + 40, (const uint8_t[]){ 44, 4, 0, 0, 0, 0, 0, 0 }, 8),
	     "rh0 bytes: next header 44, len 4, type 0");
}

/* ---- fragment ---- */

static void test_frag(void)
{
	uint8_t b[128];
	struct pkt_slayer *l;

	spec_ip6(SRC, DST);
	l = push("frag");
	pkt_spec_set_u(l, "nh", 17);
	pkt_spec_set_u(l, "offset", 185);
	pkt_spec_set_u(l, "m", 1);
	pkt_spec_set_u(l, "id", 0xdeadbeef);
	set_bytes(push("raw"), "data", "12345678", 8);
	T_OK(build() == 0, "later fragment builds (%s)", err);
	T_OK(wb.len == 56 && !memcmp(wb.b + 40, (const uint8_t[]){ 17, 0, 0x05, 0xc9, 0xde, 0xad,
								    0xbe, 0xef }, 8),
	     "fragment bytes: nh 17, offset 185 (1480 bytes), M, id");
	T_EQ_U(wb.b[6], 44, "IPv6 next header 44");
	decode6(wb.b, wb.len);
	T_EQ_S(chain(), "ipv6/frag/raw", "a later fragment's payload is opaque");
	T_EQ_U(fu(1, "offset"), 185, "offset field");
	T_EQ_U(fu(1, "m"), 1, "M flag");
	T_EQ_S(summary_tail(), "frag off 1480 id 0xdeadbeef mf / raw 8 bytes", "summary");

	/* First fragment: what follows may be cut short, and is not an error. */
	{
		static const uint8_t ext[] = { 60, 0, 0, 1, 0, 0, 0, 1, 59, 1, 1, 4, 0, 0, 0, 0 };

		decode6(b, frame(b, 44, ext, sizeof(ext)));
		T_OK(dec->res == PKT_OK, "first fragment with a cut-short dstopt is not malformed");
		T_EQ_S(chain(), "ipv6/frag/dstopt", "layers");
		T_EQ_U(dec->partial, 1, "decoder knows the rest is partial");
		T_OK(dec->n == 3 && (dec->l[2].flags & PKT_LF_TRUNC) && (dec->l[2].flags & PKT_LF_PARTIAL),
		     "the dstopt is flagged truncated and partial");
		T_EQ_S(summary_tail(), "frag off 0 id 0x1 mf / dstopt", "summary");
	}
	{
		static const uint8_t ext[] = { 43, 0, 0, 1, 0, 0, 0, 1, 59, 0, 0, 0 };

		decode6(b, frame(b, 44, ext, sizeof(ext)));
		T_OK(dec->res == PKT_OK, "first fragment ending inside a routing header's fixed part");
		T_EQ_S(chain(), "ipv6/frag/raw", "the cut header is raw bytes");
	}
	/* Atomic fragment (RFC 6946): decodes on, and a short header is an error. */
	{
		static const uint8_t ext[] = { 60, 0, 0, 0, 0, 0, 0, 2, 59, 0, 1, 4, 0, 0, 0, 0 };
		static const uint8_t bad[] = { 60, 0, 0, 0, 0, 0, 0, 2, 59, 1, 1, 4, 0, 0, 0, 0 };

		decode6(b, frame(b, 44, ext, sizeof(ext)));
		T_OK(dec->res == PKT_OK, "atomic fragment decodes");
		T_EQ_S(chain(), "ipv6/frag/dstopt/ip6opt.padn", "atomic fragment continues");
		T_EQ_U(dec->partial, 0, "nothing after an atomic fragment is partial");
		T_EQ_S(summary_tail(), "frag off 0 id 0x2 / dstopt [padn 6]", "summary");
		decode6(b, frame(b, 44, bad, sizeof(bad)));
		T_OK(dec->res == PKT_MALFORMED && dec->bad_off == 48,
		     "after an atomic fragment, an overlong dstopt is malformed at 48");
	}
	{
		static const uint8_t ext[] = { 59, 0xff, 0x00, 0x06, 0, 0, 0, 3 };

		decode6(b, frame(b, 44, ext, sizeof(ext)));
		T_EQ_U(fu(1, "res1"), 0xff, "reserved byte (res1)");
		T_EQ_U(fu(1, "res2"), 3, "2-bit reserved field");
		T_EQ_U(fu(1, "m"), 0, "M clear");
	}
}

/* ---- IPsec ---- */

static void test_ipsec(void)
{
	static const uint8_t ah[] = { 59, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
				      0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab };
	uint8_t esp[24] = { 0, 0, 1, 0, 0, 0, 0, 1 };
	uint8_t b[128];
	struct pkt_slayer *l;
	struct pkt_val v;
	size_t n;

	decode6(b, frame(b, 51, ah, sizeof(ah)));
	T_OK(dec->res == PKT_OK, "AH with a 96-bit ICV decodes");
	T_EQ_S(chain(), "ipv6/ah", "layers");
	T_EQ_U(dec->l[1].len, 24, "AH length (4 + 2) * 4");
	T_EQ_U(fu(1, "spi"), 0x100, "AH spi");
	T_EQ_U(fu(1, "seq"), 1, "AH seq");
	T_OK(!pkt_field_get_name(dec, 1, "icv", &v) && v.n == 12 && v.p[0] == 0xa0, "AH ICV");
	T_EQ_S(summary_tail(), "ah spi 0x100 seq 1", "AH summary");

	spec_ip6(SRC, DST);
	l = push("ah");
	pkt_spec_set_u(l, "spi", 0x100);
	pkt_spec_set_u(l, "seq", 1);
	set_bytes(l, "icv", ah + 12, 12);
	T_OK(build() == 0, "AH builds (%s)", err);
	T_OK(wb.len == 64 && !memcmp(wb.b + 40, ah, sizeof(ah)), "built AH equals the hand-written one");

	for (int i = 8; i < 24; i++)
		esp[i] = (uint8_t)(0x50 + i);
	n = frame(b, 50, esp, sizeof(esp));
	b[n] = b[n + 1] = 0; /* link-layer padding after the IPv6 packet */
	decode6(b, n + 2);
	T_OK(dec->res == PKT_OK, "ESP decodes");
	T_EQ_S(chain(), "ipv6/esp", "nothing after ESP is decoded");
	T_EQ_U(dec->l[1].len, 24, "ESP runs to the end of the IPv6 payload");
	T_OK(!pkt_field_get_name(dec, 1, "data", &v) && v.n == 16 && v.p[0] == 0x58,
	     "ESP opaque data");
	T_EQ_S(summary_tail(), "esp spi 0x100 seq 1", "ESP summary");

	spec_ip6(SRC, DST);
	l = push("esp");
	pkt_spec_set_u(l, "spi", 0x100);
	pkt_spec_set_u(l, "seq", 1);
	set_bytes(l, "data", esp + 8, 16);
	T_OK(build() == 0, "ESP builds (%s)", err);
	T_OK(wb.len == 64 && !memcmp(wb.b + 40, esp, sizeof(esp)), "built ESP equals the hand-written one");
	T_EQ_U(wb.b[6], 50, "IPv6 next header 50");
}

/* ---- malformed ---- */

struct bad_case {
	const char *what;
	uint8_t nh;
	uint8_t ext[64];
	uint8_t n;    /* bytes of ext inside the IPv6 payload */
	uint8_t more; /* bytes of ext after it (outside the payload) */
	uint32_t off;
	const char *why;
	const char *layers; /* what decoded before the failure */
};

static const struct bad_case bad_cases[] = {
	{ "option length past the header", 0, { 59, 0, 1, 5, 0, 0, 0, 0 }, 8, 0, 42,
	  "IPv6 option length exceeds the option area", "ipv6/hbh" },
	{ "option cut before its length", 0, { 59, 0, 1, 3, 0, 0, 0, 0x1e }, 8, 0, 47,
	  "IPv6 option truncated before its length", "ipv6/hbh/ip6opt.padn" },
	{ "second option past the header", 60, { 59, 0, 5, 2, 0, 0, 0xc2, 4 }, 8, 0, 46,
	  "IPv6 option length exceeds the option area", "ipv6/dstopt/ip6opt.ra" },
	{ "hbh length past the payload", 0, { 59, 1, 1, 4, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0 }, 8, 8,
	  40, "Hop-by-Hop Options header length exceeds the payload", "ipv6/hbh" },
	{ "dstopt length past the payload", 60, { 59, 2, 1, 4, 0, 0, 0, 0 }, 8, 0, 40,
	  "Destination Options header length exceeds the payload", "ipv6/dstopt" },
	{ "second header past the payload", 0, { 60, 0, 1, 4, 0, 0, 0, 0, 59, 1, 1, 4, 0, 0, 0, 0 },
	  16, 0, 48, "Destination Options header length exceeds the payload",
	  "ipv6/hbh/ip6opt.padn/dstopt" },
	{ "hbh fixed part truncated", 0, { 59, 0, 1, 4 }, 4, 0, 40,
	  "Hop-by-Hop Options header truncated", "ipv6" },
	{ "dstopt fixed part truncated", 60, { 59, 0, 1, 4 }, 4, 0, 40,
	  "Destination Options header truncated", "ipv6" },
	{ "routing fixed part truncated", 43, { 59, 0, 0, 0, 0, 0 }, 6, 0, 40,
	  "Routing header truncated", "ipv6" },
	{ "routing header of 2 bytes", 43, { 59, 0 }, 2, 0, 40, "Routing header truncated", "ipv6" },
	{ "rh0 length past the payload", 43, { 59, 4, 0, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 }, 24, 0,
	  40, "Routing header length exceeds the payload", "ipv6/rh0" },
	{ "srh last entry beyond its length", 43, { 59, 4, 4, 1, 2, 0, 0, 0 }, 40, 0, 40,
	  "SRH last entry exceeds the header length", "ipv6/srh" },
	{ "srh last entry with no room at all", 43, { 59, 0, 4, 0, 0, 0, 0, 0 }, 8, 0, 40,
	  "SRH last entry exceeds the header length", "ipv6/srh" },
	{ "srh TLV past the header", 43, { 59, 3, 4, 0, 0, 0, 0, 0, [24] = 4, 7 }, 32, 0, 64,
	  "SRH TLV length exceeds the TLV area", "ipv6/srh" },
	{ "fragment truncated", 44, { 59, 0, 0, 1, 0 }, 5, 0, 40, "Fragment header truncated", "ipv6" },
	{ "AH truncated", 51, { 59, 4, 0, 0, 0, 0, 1, 0, 0, 0 }, 10, 0, 40, "AH truncated", "ipv6" },
	{ "AH length below its fixed part", 51, { 59, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, 12, 0, 40,
	  "AH payload length shorter than its fixed part", "ipv6/ah" },
	{ "AH length past the payload", 51, { 59, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, 16, 0,
	  40, "AH length exceeds the payload", "ipv6/ah" },
	{ "ESP truncated", 50, { 0, 0, 1, 0, 0, 0 }, 6, 0, 40, "ESP header truncated", "ipv6" },
};

static void test_malformed(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t b[40 + 64];

		ip6hdr(b, c->n, c->nh);
		memcpy(b + 40, c->ext, (size_t)c->n + c->more);
		decode6(b, 40 + (size_t)c->n + c->more);
		T_OK(dec->res == PKT_MALFORMED, "%s: malformed", c->what);
		T_EQ_U(dec->bad_off, c->off, "%s: at offset %u", c->what, c->off);
		T_EQ_S(dec->why, c->why, "%s: reason", c->what);
		T_EQ_S(chain(), c->layers, "%s: layers kept", c->what);
	}
	/* A kept header is flagged so printers can say so. */
	{
		const struct bad_case *c = &bad_cases[3];
		uint8_t b[40 + 64];

		ip6hdr(b, c->n, c->nh);
		memcpy(b + 40, c->ext, (size_t)c->n + c->more);
		decode6(b, 40 + (size_t)c->n + c->more);
		T_OK(dec->n == 2 && (dec->l[1].flags & PKT_LF_TRUNC) && dec->l[1].len == 8,
		     "overlong hbh kept as its first 8 bytes, flagged truncated");
	}
}

/* ---- checksum pseudo-header destination ---- */

static uint16_t pseudo_want(const char *src, const char *dst, uint32_t len, uint8_t nh)
{
	uint8_t b[40] = { 0 };

	addr(b, src);
	addr(b + 16, dst);
	b[32] = (uint8_t)(len >> 24);
	b[33] = (uint8_t)(len >> 16);
	b[34] = (uint8_t)(len >> 8);
	b[35] = (uint8_t)len;
	b[39] = nh;
	return pkt_csum_fold(pkt_csum_add(0, b, 40));
}

static uint16_t pseudo_got(void)
{
	int idx = pkt_dec_find(dec, "raw", 0);
	uint32_t sum = 0;

	if (idx < 0 || pkt_csum_pseudo(dec, idx, 58, dec->l[idx].len, &sum))
		return 0;
	return pkt_csum_fold(sum);
}

static void csum_case(const char *rh, const uint8_t *addrs, size_t n, unsigned segleft,
		      int with_tlv, const char *want_dst, const char *what)
{
	struct pkt_slayer *l;

	spec_ip6(SRC, DST);
	push("hbh");
	l = push(rh);
	if (!strcmp(rh, "rh2"))
		pkt_spec_set_str(l, "hoa", "2001:db8:1::100");
	else if (!strcmp(rh, "rh"))
		set_bytes(l, "data", "\0\0\0\0", 4);
	else
		set_val(l, "addrs", PKT_FT_IP6LIST, addrs, n);
	pkt_spec_set_u(l, "segleft", segleft);
	if (with_tlv)
		push("srhtlv.padn");
	push("dstopt");
	set_bytes(push("raw"), "data", "\x80\0\0\0\0\1\0\1", 8);
	if (build()) {
		T_OK(0, "%s: builds (%s)", what, err);
		return;
	}
	decode6(wb.b, wb.len);
	T_OK(dec->res == PKT_OK, "%s: decodes", what);
	T_EQ_U(pseudo_got(), pseudo_want(SRC, want_dst, 8, 58), "%s: pseudo-header uses %s", what,
	       want_dst);
}

static void test_csum_final_dst(void)
{
	uint8_t a[48];

	addr(a, "2001:db8:10::1");
	addr(a + 16, "2001:db8:20::1");
	addr(a + 32, "2001:db8:30::1");
	T_OK(pseudo_want(SRC, DST, 8, 58) != pseudo_want(SRC, "2001:db8:30::1", 8, 58),
	     "the destination changes the pseudo-header sum");
	csum_case("rh0", a, 48, 3, 0, "2001:db8:30::1", "rh0 with 3 segments left: last address");
	csum_case("rh0", a, 48, 1, 0, "2001:db8:30::1", "rh0 with 1 segment left: last address");
	csum_case("rh0", a, 48, 0, 0, DST, "rh0 with none left: IPv6 destination");
	csum_case("rh2", NULL, 0, 1, 0, "2001:db8:1::100", "rh2: home address");
	csum_case("rh2", NULL, 0, 0, 0, DST, "rh2 with none left: IPv6 destination");
	csum_case("srh", a, 48, 2, 0, "2001:db8:10::1", "srh: segment 0");
	csum_case("srh", a, 32, 1, 1, "2001:db8:10::1", "srh with a TLV: segment 0");
	csum_case("srh", a, 48, 0, 0, DST, "srh with none left: IPv6 destination");
	csum_case("rh", NULL, 0, 1, 0, DST, "unknown routing type: IPv6 destination");
}

/* ---- robustness ---- */

static void test_prefixes(void)
{
	uint8_t b[160], ext[120] = { 0 };
	size_t n;

	n = build_chain();
	if (n) {
		uint8_t *copy = malloc(n);

		memcpy(copy, wb.b, n);
		check_prefixes("ipv6", copy, n, 0, 0, "ipv6/hbh/dstopt/rh0/frag/ah/dstopt/esp");
		free(copy);
	}
	ext[0] = 59, ext[1] = 6, ext[2] = 4, ext[3] = 1, ext[4] = 1;
	memcpy(ext + 40, (const uint8_t[]){ 5, 14, 0x80, 0, 0, 0, 0, 7 }, 8);
	n = frame(b, 43, ext, 56);
	check_prefixes("ipv6", b, n, 0, 0, "ipv6/srh/hmac");
	{
		static const uint8_t fr[] = { 60, 0, 0, 1, 0, 0, 0, 1, 43, 0, 0x01, 0x04, 0, 0, 0, 0,
					      59, 2, 2, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					      12, 13, 14, 15, 16 };

		n = frame(b, 44, fr, sizeof(fr));
		check_prefixes("ipv6", b, n, 0, 0, "ipv6/frag(first)/dstopt/rh2");
	}
	{
		static const uint8_t ahx[] = { 51, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 3, 4,
					       5, 6, 7, 8, 9, 10, 11, 12, 59, 1, 0, 0, 0, 0, 1, 0,
					       0, 0, 0, 2, 1, 2, 3, 4 };

		n = frame(b, 51, ahx, sizeof(ahx));
		check_prefixes("ipv6", b, n, 0, 0, "ipv6/ah/ah");
	}
}

/* Random byte changes to a valid chain: decoding must stay in bounds. */
static void test_mutations(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t n = build_chain();
	uint8_t *orig, *p;
	int bad = 0;

	if (!n) {
		T_OK(0, "chain for mutations builds");
		return;
	}
	orig = malloc(n);
	memcpy(orig, wb.b, n);
	for (int it = 0; it < 20000; it++) {
		size_t len;
		int flips;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = 40 + x % (n - 39);
		p = malloc(len);
		memcpy(p, orig, len);
		flips = 1 + (int)((x >> 20) % 4);
		for (int f = 0; f < flips; f++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[(x >> 8) % len] = (uint8_t)(x >> 40);
		}
		decode6(p, len);
		bad += decode_problems((uint32_t)len);
		free(p);
	}
	T_EQ_U(bad, 0, "20000 mutated chains decode inside their bytes");
	free(orig);
}

int main(void)
{
	t_pkt_init();
	test_registry();
	test_defaults_roundtrip();
	test_hbh_ra();
	test_dstopt_hao();
	test_jumbo();
	test_generic_option();
	test_chain();
	test_routing_decode();
	test_routing_build();
	test_frag();
	test_ipsec();
	test_malformed();
	test_csum_final_dst();
	test_prefixes();
	test_mutations();
	return t_done();
}
