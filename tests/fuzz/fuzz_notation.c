/*
 * Fuzz target for the packet notation and the encoder behind it: the input
 * is read as a packet expression, resolved against the usual tester nodes
 * (with a NUT that has addresses and a few variables), built into a frame,
 * and the frame is decoded and matched against the same expression.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "decode.h"
#include "fuzz_dict.h"
#include "lex.h"
#include "nodes.h"
#include "notation.h"
#include "wbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct cf_nodes nodes;
static struct cf_resolver res = { &nodes, cf_nodes_word };
static struct pkt_spec spec;
static struct cf_store store;
static struct pkt_dec dec;

static int nut_addr(void *ctx, int link, const char *attr, uint8_t out[16])
{
	static const uint8_t ll[16] = { 0xfe, 0x80, [15] = 0x99 };
	static const uint8_t gl[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x99 };

	(void)ctx;
	if (link < 0 || link >= 2)
		return -1;
	memcpy(out, strcmp(attr, "ll") ? gl : ll, 16);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t seven[3] = { 1, 2, 3 };
	const struct pkt_proto *raw = pkt_proto_by_name("raw");
	struct pkt_val v = { 0 };

	(void)argc;
	(void)argv;
	fz_dict_maybe_write(NULL);
	cf_nodes_init(&nodes, 2);
	nodes.nut_addr = nut_addr;
	cf_var_set_text(&nodes, "n", "7");
	cf_var_set_text(&nodes, "a", "2001:db8:1::7");
	cf_var_set_text(&nodes, "t", "some text");
	if (raw && pkt_proto_field(raw, "data")) {
		v.type = PKT_FT_BYTES;
		v.p = seven;
		v.n = sizeof(seven);
		cf_var_set(&nodes, "b", pkt_proto_field(raw, "data"), &v);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], why[512];
	struct cf_pexpr pe = { 0 };
	struct pkt_wbuf w;
	struct cf_lex lx;
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	cf_lex_init(&lx, text, 1);
	cf_lex_next(&lx);
	if (cf_pexpr_parse(&lx, &pe, err, sizeof(err))) {
		cf_pexpr_free(&pe);
		free(text);
		return 0;
	}
	pkt_wbuf_init(&w);
	memset(&spec, 0, sizeof(spec));
	store.used = 0;
	if (!cf_pexpr_to_spec(&pe, &res, &spec, &store, err, sizeof(err)) &&
	    !pkt_build(&spec, &w, err, sizeof(err))) {
		pkt_decode_dlt(&dec, w.b, (uint32_t)w.len,
			       pe.n && !strcmp(pe.l[0].proto->name, "ether") ? DLT_EN10MB : DLT_RAW);
		if (pe.n)
			cf_pexpr_match(&pe, &dec, &res, NULL, why, sizeof(why));
	}
	pkt_wbuf_free(&w);
	cf_pexpr_free(&pe);
	free(text);
	return 0;
}
