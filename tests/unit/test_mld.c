/*
 * MLDv1 (RFC 2710) and MLDv2 (RFC 3810) messages: each built inside IPv6 and
 * compared byte for byte (checksum included) with vectors made once with
 * scapy; the vectors decoded through the ICMPv6 dispatch and from the MLD
 * descriptors directly; Query version by length; record counts and lengths
 * that lie give a malformed result with a reason and the offset.
 */
#include "pkt_t.h"

#define SRC "2001:db8::1"
#define G1 "ff3e:20:2001:db8::101"
#define G2 "ff3e:20:2001:db8::102"
#define SA "2001:db8::a"
#define SB "2001:db8::b"

/* ---- vectors: IPv6(src=SRC, dst, hlim=1) / ICMPv6ML*, scapy 2.5.0 ---- */

/* ICMPv6MLQuery(mrd=10000) to ff02::1 */
static const uint8_t v_mld_query[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x29, 0xdf, 0x27, 0x10, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00
};

/* ICMPv6MLReport(mladdr=G1) to G1 */
static const uint8_t v_mld_report[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x83, 0x00, 0xf2, 0xc0, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01
};

/* ICMPv6MLDone(mladdr=G1) to ff02::2 */
static const uint8_t v_mld_done[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x84, 0x00, 0x20, 0xd5, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01
};

/* ICMPv6MLQuery2(mrd=1000, mladdr=G1, S=1, QRV=2, QQIC=125, sources=[SA, SB]) to G1 */
static const uint8_t v_mldv2_query[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x3c, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x82, 0x00, 0x89, 0xae, 0x03, 0xe8, 0x00, 0x00,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x0a, 0x7d, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0b
};

/* ICMPv6MLReport2 to ff02::16 with records (rtype=4, G1) and (rtype=1, G2, [SA, SB]) */
static const uint8_t v_mldv2_report[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x50, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x16, 0x8f, 0x00, 0x86, 0xe3, 0x00, 0x00, 0x00, 0x02,
	0x04, 0x00, 0x00, 0x00, 0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x02,
	0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b
};

/* ICMPv6MLReport2 to ff02::16 with one record (rtype=1, G1, [SA]) and 8 bytes of
 * aux data de ad be ef 01 02 03 04; auxdata_len=2 given by hand, since scapy
 * counts it in bytes where RFC 3810 §5.2.6 counts 32-bit words */
static const uint8_t v_mldv2_report_aux[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x34, 0x3a, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x16, 0x8f, 0x00, 0x45, 0x3a, 0x00, 0x00, 0x00, 0x01,
	0x01, 0x02, 0x00, 0x01, 0xff, 0x3e, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04
};

/* ---- helpers ---- */

/* Starts a new spec with an IPv6 header, hop limit 1 as MLD requires. */
static void ip6(const char *src, const char *dst)
{
	pkt_spec_set_u(spec_ip6(src, dst), "hlim", 1);
}

/* An address list of one or two addresses; `store` must outlive the build. */
static void set_list(struct pkt_slayer *l, const char *name, uint8_t *store,
		     const char *a, const char *b)
{
	struct pkt_val v = { .type = PKT_FT_IP6LIST, .p = store };
	const char *addrs[2] = { a, b };
	struct pkt_val one;

	for (int i = 0; i < 2; i++) {
		if (!addrs[i] || pkt_val_parse_addr(PKT_FT_IP6, addrs[i], &one))
			continue;
		memcpy(store + v.n, one.a, 16);
		v.n += 16;
	}
	pkt_spec_set(l, name, &v);
}

/* ---- tests ---- */

static void test_mldv1(void)
{
	struct pkt_slayer *l;

	ip6(SRC, "ff02::1");
	l = push("icmpv6.mld_query");
	pkt_spec_set_u(l, "mrd", 10000);
	T_OK(build() == 0, "mld_query builds");
	check_bytes(v_mld_query, sizeof(v_mld_query), "mld_query");
	T_EQ_U(wb.b[6], 58, "IPv6 next header is 58");

	T_EQ_U(decode6(v_mld_query, sizeof(v_mld_query)), PKT_OK, "mld_query vector decodes");
	T_EQ_S(lname(1), "icmpv6.mld_query", "24-byte type 130 is an MLDv1 query");
	T_EQ_U(dec->n, 2, "nothing after it");
	T_EQ_U(pkt_field_u(dec, 1, "mrd", 0), 10000, "maximum response delay");
	T_EQ_S(fstr(1, "group"), "::", "general query group");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > ff02::1 hlim 1 / icmpv6.mld_query :: mrd 10000",
	       "summary line");

	ip6(SRC, G1);
	l = push("icmpv6.mld_report");
	pkt_spec_set_str(l, "group", G1);
	T_OK(build() == 0, "mld_report builds");
	check_bytes(v_mld_report, sizeof(v_mld_report), "mld_report");
	T_EQ_U(decode6(v_mld_report, sizeof(v_mld_report)), PKT_OK, "mld_report vector decodes");
	T_EQ_S(lname(1), "icmpv6.mld_report", "type 131");
	T_EQ_S(fstr(1, "group"), G1, "group");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > ff3e:20:2001:db8::101 hlim 1 / icmpv6.mld_report ff3e:20:2001:db8::101",
	       "summary line");

	ip6(SRC, "ff02::2");
	l = push("icmpv6.mld_done");
	pkt_spec_set_str(l, "group", G1);
	T_OK(build() == 0, "mld_done builds");
	check_bytes(v_mld_done, sizeof(v_mld_done), "mld_done");
	T_EQ_U(decode6(v_mld_done, sizeof(v_mld_done)), PKT_OK, "mld_done vector decodes");
	T_EQ_S(lname(1), "icmpv6.mld_done", "type 132");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");

	/* Directly from the descriptors, without the ICMPv6 dispatch. */
	T_EQ_U(decode_from("icmpv6.mld_report", v_mld_report + 40, 24), PKT_OK,
	       "mld_report decodes from its descriptor");
	T_EQ_S(fstr(0, "group"), G1, "group");
	T_EQ_U(decode_from("icmpv6.mld_done", v_mld_done + 40, 23), PKT_MALFORMED,
	       "23 bytes of mld_done are malformed");
	T_EQ_S(dec->why, "MLD message truncated", "reason");
	T_EQ_U(dec->bad_off, 0, "at the message");
	T_EQ_U(decode6(v_mld_report, sizeof(v_mld_report) - 4), PKT_MALFORMED,
	       "frame cut inside the report is malformed");
	check_prefixes("icmpv6.mld_report", v_mld_report + 40, 24, 0, 0, "mld_report");
}

static void test_query_version(void)
{
	uint8_t b[40 + 32];

	memcpy(b, v_mld_query, sizeof(v_mld_query));
	T_EQ_U(decode_from("icmpv6.mld_query", b + 40, 24), PKT_OK, "24 bytes decode");
	T_EQ_S(lname(0), "icmpv6.mld_query", "24 bytes stay MLDv1");
	memset(b + 64, 0, 8);
	T_EQ_U(decode_from("icmpv6.mld_query", b + 40, 26), PKT_OK, "26 bytes decode");
	T_EQ_S(lname(0), "icmpv6.mld_query", "26 bytes are not MLDv2 (RFC 3810 §8.1)");
	T_EQ_S(lname(1), "raw", "the 2 extra bytes are raw");
	T_EQ_U(decode_from("icmpv6.mld_query", b + 40, 28), PKT_OK, "28 bytes decode");
	T_EQ_S(lname(0), "icmpv6.mldv2_query", "28 bytes are MLDv2");
	T_EQ_U(dec->n, 1, "a v2 query without sources is one layer");
}

static void test_mldv2_query(void)
{
	uint8_t srcs[32], b[128];
	struct pkt_slayer *l;

	ip6(SRC, G1);
	l = push("icmpv6.mldv2_query");
	pkt_spec_set_u(l, "mrc", 1000);
	pkt_spec_set_str(l, "group", G1);
	pkt_spec_set_u(l, "s", 1);
	pkt_spec_set_u(l, "qrv", 2);
	pkt_spec_set_u(l, "qqic", 125);
	set_list(l, "sources", srcs, SA, SB);
	T_OK(build() == 0, "mldv2_query builds");
	check_bytes(v_mldv2_query, sizeof(v_mldv2_query), "mldv2_query");
	T_EQ_U(wb.b[40 + 26] << 8 | wb.b[40 + 27], 2, "source count filled");

	T_EQ_U(decode6(v_mldv2_query, sizeof(v_mldv2_query)), PKT_OK, "mldv2_query vector decodes");
	T_EQ_S(lname(1), "icmpv6.mldv2_query", "the ICMPv6 dispatch reaches the MLDv2 query");
	T_EQ_U(dec->l[1].len, 60, "28 + 2 * 16 bytes");
	T_EQ_U(pkt_field_u(dec, 1, "mrc", 0), 1000, "maximum response code");
	T_EQ_U(pkt_field_u(dec, 1, "s", 0), 1, "S flag");
	T_EQ_U(pkt_field_u(dec, 1, "qrv", 0), 2, "QRV");
	T_EQ_U(pkt_field_u(dec, 1, "qqic", 0), 125, "QQIC");
	T_EQ_U(pkt_field_u(dec, 1, "nsrc", 0), 2, "source count");
	T_EQ_S(fstr(1, "sources"), "2001:db8::a,2001:db8::b", "sources");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(),
	       "ipv6 2001:db8::1 > ff3e:20:2001:db8::101 hlim 1 / icmpv6.mldv2_query ff3e:20:2001:db8::101 mrc 1000 qrv 2 qqic 125 S sources 2",
	       "summary line");
	T_EQ_U(decode_from("icmpv6.mld_query", v_mldv2_query + 40, 60), PKT_OK,
	       "decodes from icmpv6.mld_query");
	T_EQ_S(lname(0), "icmpv6.mldv2_query", "which selects MLDv2 by length");

	/* Additional data (§5.1.12): kept as raw, inside the checksum. */
	ip6(SRC, G1);
	push("icmpv6.mldv2_query");
	l = push("raw");
	set_bytes(l, "data", "\x01\x02\x03\x04", 4);
	T_OK(build() == 0, "mldv2_query with additional data builds");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "decodes");
	T_EQ_U(dec->l[1].len, 28, "query without sources is 28 bytes");
	T_EQ_S(lname(2), "raw", "additional data is raw");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum covers the additional data");

	memcpy(b, v_mldv2_query, sizeof(v_mldv2_query));
	b[40 + 27] = 3;
	T_EQ_U(decode6(b, sizeof(v_mldv2_query)), PKT_MALFORMED, "source count past the message");
	T_EQ_S(dec->why, "MLDv2 query source count exceeds the message", "reason");
	T_EQ_U(dec->bad_off, 40, "at the query");
	T_EQ_U(decode_from("icmpv6.mldv2_query", v_mldv2_query + 40, 27), PKT_MALFORMED,
	       "27 bytes of MLDv2 query are malformed");
	T_EQ_S(dec->why, "MLDv2 query truncated", "reason");
	check_prefixes("icmpv6.mld_query", v_mldv2_query + 40, 60, 0, 0, "mldv2_query");
}

static void test_mldv2_report(void)
{
	static const uint8_t aux[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	uint8_t srcs[32], data[24], b[160];
	struct pkt_slayer *l;

	ip6(SRC, "ff02::16");
	push("icmpv6.mldv2_report");
	l = push("mldv2.record");
	pkt_spec_set_u(l, "rtype", 4);
	pkt_spec_set_str(l, "group", G1);
	l = push("mldv2.record");
	pkt_spec_set_u(l, "rtype", 1);
	pkt_spec_set_str(l, "group", G2);
	set_list(l, "sources", srcs, SA, SB);
	T_OK(build() == 0, "mldv2_report with two records builds");
	check_bytes(v_mldv2_report, sizeof(v_mldv2_report), "mldv2_report");

	T_EQ_U(decode6(v_mldv2_report, sizeof(v_mldv2_report)), PKT_OK, "mldv2_report vector decodes");
	T_EQ_U(dec->n, 4, "ipv6, report, two records");
	T_EQ_S(lname(1), "icmpv6.mldv2_report", "type 143");
	T_EQ_U(pkt_field_u(dec, 1, "nrec", 0), 2, "record count");
	T_EQ_S(lname(2), "mldv2.record", "first record");
	T_EQ_U(dec->l[2].depth, 1, "records are option layers of the report");
	T_EQ_U(dec->l[2].len, 20, "record without sources is 20 bytes");
	T_EQ_U(pkt_field_u(dec, 2, "rtype", 0), 4, "CHANGE_TO_EXCLUDE");
	T_EQ_S(fstr(2, "group"), G1, "first group");
	T_EQ_S(fstr(2, "sources"), "", "no sources");
	T_EQ_U(dec->l[3].len, 52, "record with two sources is 52 bytes");
	T_EQ_U(pkt_field_u(dec, 3, "nsrc", 0), 2, "source count");
	T_EQ_S(fstr(3, "sources"), "2001:db8::a,2001:db8::b", "sources");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > ff02::16 hlim 1 / icmpv6.mldv2_report 2 records",
	       "summary line");
	check_prefixes("icmpv6.mldv2_report", v_mldv2_report + 40, 80, 0, 0, "mldv2_report");

	/* A record with aux data: sources and aux data share the data tail. */
	T_EQ_U(decode6(v_mldv2_report_aux, sizeof(v_mldv2_report_aux)), PKT_OK,
	       "record with aux data decodes");
	T_EQ_S(lname(2), "mldv2.record_aux", "as mldv2.record_aux");
	T_EQ_U(dec->l[2].len, 44, "20 + 16 + 2 * 4 bytes");
	T_EQ_U(pkt_field_u(dec, 2, "auxlen", 0), 2, "aux data length in words");
	T_EQ_U(pkt_field_u(dec, 2, "nsrc", 0), 1, "one source");
	T_EQ_S(fstr(2, "data"), "20010db800000000000000000000000adeadbeef01020304",
	       "the source then the aux data");
	T_EQ_U(pkt_csum_verify(dec, 1), 1, "checksum verifies");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > ff02::16 hlim 1 / icmpv6.mldv2_report 1 record",
	       "summary line");

	memcpy(data, dec->buf + dec->l[2].off + 20, 16);
	memcpy(data + 16, aux, sizeof(aux));
	ip6(SRC, "ff02::16");
	push("icmpv6.mldv2_report");
	l = push("mldv2.record_aux");
	pkt_spec_set_u(l, "rtype", 1);
	pkt_spec_set_str(l, "group", G1);
	pkt_spec_set_u(l, "nsrc", 1);
	set_bytes(l, "data", data, sizeof(data));
	T_OK(build() == 0, "record with aux data builds");
	check_bytes(v_mldv2_report_aux, sizeof(v_mldv2_report_aux), "record with aux data");

	/* Inconsistent counts and lengths. */
	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[47] = 3;
	T_EQ_U(decode6(b, sizeof(v_mldv2_report)), PKT_MALFORMED, "three records announced, two present");
	T_EQ_S(dec->why, "MLDv2 report has fewer records than its count", "reason");
	T_EQ_U(dec->bad_off, 40, "at the report");

	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[48 + 20 + 3] = 3;
	T_EQ_U(decode6(b, sizeof(v_mldv2_report)), PKT_MALFORMED, "source count past the message");
	T_EQ_S(dec->why, "MLDv2 record length exceeds the message", "reason");
	T_EQ_U(dec->bad_off, 68, "at the second record");
	T_EQ_S(lname(2), "mldv2.record", "the first record is still listed");

	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[48 + 1] = 20;
	T_EQ_U(decode6(b, sizeof(v_mldv2_report)), PKT_MALFORMED, "aux data length past the message");
	T_EQ_S(dec->why, "MLDv2 record length exceeds the message", "reason");
	T_EQ_U(dec->bad_off, 48, "at the first record");

	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[48 + 1] = 1;
	b[47] = 1;
	T_EQ_U(decode6(b, sizeof(v_mldv2_report)), PKT_OK,
	       "one record announced, aux data covering the second: consistent");
	T_EQ_S(lname(2), "mldv2.record_aux", "one record with 4 bytes of aux data");
	T_EQ_S(lname(3), "raw", "the rest after the counted record is raw");

	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[47] = 1;
	T_EQ_U(decode6(b, sizeof(v_mldv2_report)), PKT_OK, "one record announced, two present");
	T_EQ_U(dec->n, 4, "report, one record, raw rest");
	T_EQ_U(dec->l[3].len, 52, "the uncounted record is left as raw bytes");

	T_EQ_U(decode_from("icmpv6.mldv2_report", v_mldv2_report + 40, 18), PKT_MALFORMED,
	       "record cut short");
	T_EQ_S(dec->why, "MLDv2 record truncated", "reason");
	T_EQ_U(dec->bad_off, 8, "at the first record");
	T_EQ_U(decode_from("icmpv6.mldv2_report", v_mldv2_report + 40, 7), PKT_MALFORMED,
	       "7 bytes of report");
	T_EQ_S(dec->why, "MLDv2 report truncated", "reason");

	memcpy(b, v_mldv2_report, sizeof(v_mldv2_report));
	b[100] ^= 0x80;
	decode6(b, sizeof(v_mldv2_report));
	T_EQ_U(pkt_csum_verify(dec, 1), 0, "a changed source breaks the checksum");

	/* No records at all. */
	ip6(SRC, "ff02::16");
	push("icmpv6.mldv2_report");
	T_OK(build() == 0, "empty mldv2_report builds");
	T_EQ_U(wb.len, 48, "8 bytes");
	T_EQ_U(decode6(wb.b, wb.len), PKT_OK, "decodes");
	T_EQ_S(summary(), "ipv6 2001:db8::1 > ff02::16 hlim 1 / icmpv6.mldv2_report 0 records",
	       "summary line");
}

int main(void)
{
	t_pkt_init();
	test_mldv1();
	test_query_version();
	test_mldv2_query();
	test_mldv2_report();
	return t_done();
}
