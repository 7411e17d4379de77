/*
 * The packet notation: parsing with positions in errors, building frames
 * from it with node names resolved, and matching decoded frames against it.
 */
#include <stdlib.h>

#include "build.h"
#include "csum.h"
#include "decode.h"
#include "field.h"
#include "nodes.h"
#include "notation.h"
#include "t.h"

static struct cf_nodes nodes;
static struct cf_resolver res = { &nodes, cf_nodes_word };

static int nut_addr(void *ctx, int link, const char *attr, uint8_t out[16])
{
	(void)ctx;
	(void)link;
	memset(out, 0, 16);
	if (!strcmp(attr, "ll")) {
		out[0] = 0xfe;
		out[1] = 0x80;
	} else {
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		out[5] = 1;
	}
	out[15] = 0x99;
	return 0;
}

static int parse(const char *text, struct cf_pexpr *pe, char *err, size_t errlen)
{
	struct cf_lex lx;

	cf_lex_init(&lx, text, 1);
	cf_lex_next(&lx);
	if (cf_pexpr_parse(&lx, pe, err, errlen))
		return -1;
	if (lx.tok.t != CT_END) {
		snprintf(err, errlen, "trailing %s", cf_tok_name(lx.tok.t));
		return -1;
	}
	return 0;
}

static int build(const char *text, struct pkt_wbuf *w, char *err, size_t errlen)
{
	struct cf_pexpr pe;
	struct pkt_spec *s = calloc(1, sizeof(*s));
	struct cf_store *st = calloc(1, sizeof(*st));
	int rc = parse(text, &pe, err, errlen);

	if (!rc)
		rc = cf_pexpr_to_spec(&pe, &res, s, st, err, errlen);
	if (!rc)
		rc = pkt_build(s, w, err, errlen);
	cf_pexpr_free(&pe);
	free(s);
	free(st);
	return rc;
}

static void test_errors(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "ipv6(src=TN1.ll", "1:16: expected ',' or ')', got end of line" },
		{ "ipv7()", "1:1: unknown layer 'ipv7'" },
		{ "ipv6(hoplimit=3)", "1:6: ipv6 has no field 'hoplimit' (fields: version, tc, flow, plen, nh, hlim, src, dst)" },
		{ "ndopt.slla()", "1:1: option ndopt.slla must follow the header that holds it" },
		{ "ipv6(src=foo(1))", "1:10: unknown function foo() (solicited, mcastmac, eui64, hex)" },
		{ "ipv6(nh=1, nh=2)", "1:12: field 'nh' given twice" },
		{ "ipv6() / ", "1:10: expected a layer name, got end of line" },
		{ "raw(x)", "1:5: expected '=' or '->' after 'x'" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cf_pexpr pe;

		T_OK(parse(bad[i].text, &pe, err, sizeof(err)) == -1, "'%s' is refused", bad[i].text);
		T_EQ_S(err, bad[i].err, "message for '%s'", bad[i].text);
		cf_pexpr_free(&pe);
	}
}

static void test_build(void)
{
	struct pkt_wbuf w;
	struct pkt_dec *d = calloc(1, sizeof(*d));
	char err[512];
	struct pkt_val v;
	int rc;

	pkt_wbuf_init(&w);
	rc = build("ether(TN1 -> NUT) / ipv6(TN1.global -> NUT.global, hlim=255) / "
		   "icmpv6.echo_request(id=7, seq=0x10, data=\"abc\")", &w, err, sizeof(err));
	T_OK(rc == 0, "echo request builds (%s)", err);
	pkt_decode(d, w.b, (uint32_t)w.len, pkt_proto_by_name("ether"));
	T_EQ_U(d->res, PKT_OK, "decodes");
	T_EQ_S(d->l[2].proto->name, "icmpv6.echo_request", "layer 3");
	T_EQ_U(pkt_field_u(d, 2, "seq", 0), 16, "hex number");
	pkt_field_get_name(d, 0, "src", &v);
	T_OK(!memcmp(v.a, (uint8_t[]){ 2, 0, 0, 1, 0, 0x11 }, 6), "TN1 is its MAC in ether");
	pkt_field_get_name(d, 0, "dst", &v);
	T_OK(!memcmp(v.a, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6), "NUT is its MAC in ether");
	pkt_field_get_name(d, 1, "src", &v);
	T_OK(v.a[0] == 0x20 && v.a[5] == 1 && v.a[8] == 0 && v.a[11] == 0xff && v.a[15] == 0x11,
	     "TN1.global is EUI-64 in 2001:db8:1::/64");
	T_EQ_U(pkt_csum_verify(d, 2), 1, "checksum filled");

	rc = build("ether(TN1 -> solicited(NUT.global)) / ipv6(TN1.ll -> solicited(NUT.global), hlim=255) / "
		   "icmpv6.ns(target=NUT.global) / ndopt.slla(lladdr=TN1)", &w, err, sizeof(err));
	T_OK(rc == 0, "neighbor solicitation builds (%s)", err);
	pkt_decode(d, w.b, (uint32_t)w.len, pkt_proto_by_name("ether"));
	pkt_field_get_name(d, 0, "dst", &v);
	T_OK(!memcmp(v.a, (uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 0x99 }, 6), "solicited() as a MAC");
	pkt_field_get_name(d, 1, "dst", &v);
	T_OK(v.a[0] == 0xff && v.a[1] == 2 && v.a[11] == 1 && v.a[12] == 0xff && v.a[15] == 0x99,
	     "solicited() as an address");
	T_EQ_S(d->l[3].proto->name, "ndopt.slla", "option follows");

	rc = build("ether(TN1 -> ALLNODES) / ipv6(nh=143) / raw(8)", &w, err, sizeof(err));
	T_OK(rc == 0 && w.len == 14 + 40 + 8, "raw(8) gives 8 bytes (%s)", err);
	T_EQ_U(w.b[20], 143, "nh override kept");
	T_OK(w.b[0] == 0x33 && w.b[5] == 1, "ALLNODES maps to 33:33:00:00:00:01");

	rc = build("ipv6(src=$nosuch)", &w, err, sizeof(err));
	T_OK(rc == -1, "an unset variable is an error");
	T_EQ_S(err, "1:10: ipv6.src: variable $nosuch was never set (a capture that did not happen?)",
	       "its message");
	rc = build("ipv6(hlim=TN1.ll)", &w, err, sizeof(err));
	T_OK(rc == -1, "an address in a number field is an error");
	pkt_wbuf_free(&w);
	free(d);
}

static void test_match(void)
{
	struct pkt_wbuf w;
	struct pkt_dec *d = calloc(1, sizeof(*d));
	char err[512], why[512];
	struct cf_pexpr pe;
	int rc;

	pkt_wbuf_init(&w);
	build("ether(NUT -> TN1) / ipv6(NUT.global -> TN1.global, hlim=64) / "
	      "icmpv6.param_problem(code=1, pointer=6) / ipv6(TN1.global -> NUT.global, nh=143) / raw(8)",
	      &w, err, sizeof(err));
	pkt_decode(d, w.b, (uint32_t)w.len, pkt_proto_by_name("ether"));

	parse("ipv6(NUT.global -> TN1.global) / icmpv6.param_problem(code=1, pointer=6)", &pe, err,
	      sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 1, "pattern without ether matches");
	cf_pexpr_free(&pe);

	parse("ipv6 / icmpv6(code=1)", &pe, err, sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 1, "generic icmpv6 matches a specific message");
	cf_pexpr_free(&pe);

	parse("ipv6 / icmpv6.param_problem(code=0)", &pe, err, sizeof(err));
	rc = cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why));
	T_EQ_U(rc, 0, "wrong code does not match");
	T_EQ_S(why, "icmpv6.param_problem.code is 1, want = 0", "reason names the field");
	cf_pexpr_free(&pe);

	parse("ipv6 / icmpv6.param_problem(pointer>=40)", &pe, err, sizeof(err));
	rc = cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why));
	T_EQ_U(rc, 0, "comparison operators work");
	cf_pexpr_free(&pe);

	parse("ipv6 / icmpv6.echo_reply", &pe, err, sizeof(err));
	rc = cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why));
	T_EQ_U(rc, 0, "wrong message type does not match");
	T_EQ_S(why, "icmpv6.param_problem where icmpv6.echo_reply was expected", "its reason");
	cf_pexpr_free(&pe);

	parse("icmpv6.param_problem / ipv6(nh=143)", &pe, err, sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 1, "the quoted packet matches");
	cf_pexpr_free(&pe);

	/* A corrupted checksum makes the frame not match. */
	w.b[14 + 40 + 2] ^= 0xff;
	pkt_decode(d, w.b, (uint32_t)w.len, pkt_proto_by_name("ether"));
	parse("ipv6 / icmpv6.param_problem", &pe, err, sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 0, "bad checksum does not match");
	T_EQ_S(why, "icmpv6.param_problem has a wrong checksum", "its reason");
	cf_pexpr_free(&pe);

	build("ether(TN1 -> NUT) / ipv6(TN1.ll -> NUT.ll, hlim=255) / icmpv6.na(s=1, o=1, target=TN1.ll) / "
	      "ndopt.tlla(lladdr=TN1)", &w, err, sizeof(err));
	pkt_decode(d, w.b, (uint32_t)w.len, pkt_proto_by_name("ether"));
	parse("icmpv6.na(target=TN1.ll) / ndopt.tlla(lladdr=TN1)", &pe, err, sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 1, "option in a pattern matches");
	cf_pexpr_free(&pe);
	parse("icmpv6.na / ndopt.slla", &pe, err, sizeof(err));
	T_EQ_U(cf_pexpr_match(&pe, d, &res, NULL, why, sizeof(why)), 0, "missing option does not match");
	T_EQ_S(why, "no ndopt.slla option in icmpv6.na", "its reason");
	cf_pexpr_free(&pe);
	pkt_wbuf_free(&w);
	free(d);
}

int main(void)
{
	cf_nodes_init(&nodes, 2);
	nodes.nut_addr = nut_addr;
	test_errors();
	test_build();
	test_match();
	return t_done();
}
