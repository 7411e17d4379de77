/*
 * TCP (RFC 9293) and its options. The header is 20 bytes plus options up to
 * the Data Offset; options are TLVs where End of Option List and NOP are
 * single bytes and every other option has a length byte counting the whole
 * option. End of Option List closes the list: the bytes after it up to the
 * data are padding, held by the eol option itself. The encoder pads the
 * option area to 4 bytes with zeros, which reads as End of Option List and
 * is the zero padding RFC 9293 §3.1 describes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "build.h"
#include "csum.h"
#include "field.h"
#include "tlv.h"

/* Bits 100..103 are reserved except the last one, which AccECN calls AE. */
static const struct pkt_fdesc tcp_fields[] = {
	{ "sport", PKT_FT_UINT, 0, 0, 16, 0 },
	{ "dport", PKT_FT_UINT, 0, 16, 16, 0 },
	{ "seq", PKT_FT_UINT, 0, 32, 32, 0 },
	{ "ack", PKT_FT_UINT, 0, 64, 32, 0 },
	{ "doff", PKT_FT_UINT, PKT_FF_AUTO, 96, 4, 5 },
	{ "reserved", PKT_FT_UINT, 0, 100, 3, 0 },
	{ "ae", PKT_FT_UINT, 0, 103, 1, 0 },
	{ "cwr", PKT_FT_UINT, 0, 104, 1, 0 },
	{ "ece", PKT_FT_UINT, 0, 105, 1, 0 },
	{ "urg", PKT_FT_UINT, 0, 106, 1, 0 },
	{ "ackf", PKT_FT_UINT, 0, 107, 1, 0 },
	{ "psh", PKT_FT_UINT, 0, 108, 1, 0 },
	{ "rst", PKT_FT_UINT, 0, 109, 1, 0 },
	{ "syn", PKT_FT_UINT, 0, 110, 1, 0 },
	{ "fin", PKT_FT_UINT, 0, 111, 1, 0 },
	{ "window", PKT_FT_UINT, 0, 112, 16, 65535 },
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 128, 16, 0 },
	{ "urgptr", PKT_FT_UINT, 0, 144, 16, 0 },
};

/* ---- options ---- */

static const struct pkt_fdesc tcpopt_eol_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
	{ "pad", PKT_FT_BYTES, PKT_FF_TAIL, 8, 0, 0 },
};

static const struct pkt_fdesc tcpopt_nop_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 1 },
};

static const struct pkt_fdesc tcpopt_mss_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 2 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 4 },
	{ "mss", PKT_FT_UINT, 0, 16, 16, 0 },
};

static const struct pkt_fdesc tcpopt_wscale_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 3 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 3 },
	{ "shift", PKT_FT_UINT, 0, 16, 8, 0 },
};

static const struct pkt_fdesc tcpopt_sackok_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 4 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 2 },
};

/* Blocks are pairs of 32-bit left and right edges, 8 bytes each. */
static const struct pkt_fdesc tcpopt_sack_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 5 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "blocks", PKT_FT_BYTES, PKT_FF_TAIL | PKT_FF_HEX, 16, 0, 0 },
};

static const struct pkt_fdesc tcpopt_ts_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 8 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 10 },
	{ "val", PKT_FT_UINT, 0, 16, 32, 0 },
	{ "ecr", PKT_FT_UINT, 0, 48, 32, 0 },
};

static const struct pkt_fdesc tcpopt_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

/* Options of a fixed size: any other length is malformed. */
static int tcpopt_mss_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			    struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "TCP MSS option length is not 4");
}

static int tcpopt_wscale_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			       struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "TCP Window Scale option length is not 3");
}

static int tcpopt_sackok_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			       struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "TCP SACK-Permitted option length is not 2");
}

static int tcpopt_ts_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			   struct pkt_next *nx)
{
	(void)c;
	return pkt_tlv_exact(d, idx, nx, "TCP Timestamps option length is not 10");
}

static int tcpopt_sack_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			     struct pkt_next *nx)
{
	size_t n = pkt_cur_left(c);

	(void)d;
	(void)idx;
	/* RFC 2018 §3: 2 + 8n bytes, at least one block. */
	if (n < 10 || (n - 2) % 8) {
		nx->why = "TCP SACK option length is not 2 + 8n";
		return -1;
	}
	return 0;
}

static const struct pkt_proto tcpopt_eol = {
	PKT_OPT_PROTO("tcpopt.eol", "End of Option List", 1, tcpopt_eol_fields),
};

static const struct pkt_proto tcpopt_nop = {
	PKT_OPT_PROTO("tcpopt.nop", "No-Operation", 1, tcpopt_nop_fields),
};

static const struct pkt_proto tcpopt_mss = {
	PKT_OPT_PROTO("tcpopt.mss", "Maximum Segment Size", 4, tcpopt_mss_fields),
	.parse = tcpopt_mss_parse, .fix = pkt_tlv_fix_len,
};

static const struct pkt_proto tcpopt_wscale = {
	PKT_OPT_PROTO("tcpopt.wscale", "Window Scale (RFC 7323)", 3, tcpopt_wscale_fields),
	.parse = tcpopt_wscale_parse, .fix = pkt_tlv_fix_len,
};

static const struct pkt_proto tcpopt_sackok = {
	PKT_OPT_PROTO("tcpopt.sackok", "SACK Permitted (RFC 2018)", 2, tcpopt_sackok_fields),
	.parse = tcpopt_sackok_parse, .fix = pkt_tlv_fix_len,
};

static const struct pkt_proto tcpopt_sack = {
	PKT_OPT_PROTO("tcpopt.sack", "SACK (RFC 2018)", 2, tcpopt_sack_fields),
	.parse = tcpopt_sack_parse, .fix = pkt_tlv_fix_len,
};

static const struct pkt_proto tcpopt_ts = {
	PKT_OPT_PROTO("tcpopt.ts", "Timestamps (RFC 7323)", 10, tcpopt_ts_fields),
	.parse = tcpopt_ts_parse, .fix = pkt_tlv_fix_len,
};

static const struct pkt_proto tcpopt_generic = {
	PKT_OPT_PROTO("tcpopt", "TCP option", 2, tcpopt_fields),
	.fix = pkt_tlv_fix_len,
};

/* End of Option List closes the list: the rest of the area is its padding. */
static const struct pkt_tlv_fmt tcpopt_tlv = {
	.pad1 = PKT_TLV_TYPE(1), .rest = PKT_TLV_TYPE(0),
	.head = 2, .incl_head = 1, .min = 2, .len = { PKT_TLV_LEN8(1, 1) },
	.why_short = "TCP option truncated before its length",
	.why_min = "TCP option length below 2",
	.why_long = "TCP option length exceeds the header",
};

static int tcpopt_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &tcpopt_tlv, why);
}

static const struct pkt_proto *tcpopt_lookup(const uint8_t *p, size_t n)
{
	(void)n;
	switch (p[0]) {
	case 0:
		return &tcpopt_eol;
	case 1:
		return &tcpopt_nop;
	case 2:
		return &tcpopt_mss;
	case 3:
		return &tcpopt_wscale;
	case 4:
		return &tcpopt_sackok;
	case 5:
		return &tcpopt_sack;
	case 8:
		return &tcpopt_ts;
	default:
		return &tcpopt_generic;
	}
}

static const struct pkt_optfam tcpopt_fam = {
	.name = "tcpopt",
	.optlen = tcpopt_len,
	.lookup = tcpopt_lookup,
	.align = 4,
	.pad = pkt_tlv_pad_zero,
};

/* ---- header ---- */

static int tcp_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	size_t left = pkt_cur_left(c);
	unsigned doff;

	(void)idx;
	if (left < 20 || (c->p[12] >> 4) * 4u > left) {
		/* An ICMP error quotes as little as 8 bytes: keep the ports. */
		if (d->partial && left >= 4) {
			nx->len = (uint32_t)left;
			nx->truncated = 1;
			return 0;
		}
		if (left < 20) {
			nx->why = "TCP header truncated";
			return -1;
		}
	}
	doff = (c->p[12] >> 4) * 4u;
	if (doff < 20) {
		nx->len = 20;
		nx->why = "TCP data offset below 5";
		return -1;
	}
	if (doff > left) {
		nx->len = 20;
		nx->why = "TCP data offset exceeds the segment";
		return -1;
	}
	nx->len = doff;
	nx->optoff = 20;
	nx->optlen = (uint16_t)(doff - 20);
	nx->payload_raw = 1;
	return 0;
}

static int tcp_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	if (!pkt_build_isset(b, idx, "doff") && len / 4 > 15)
		return -EMSGSIZE; /* more than 40 bytes of options */
	return pkt_build_auto_u(b, idx, "doff", len / 4);
}

static int tcp_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	return pkt_csum_upper(d, idx, 6, 16, out);
}

/* Appends to out[*w..n) without running past n. */
static void catf(char *out, size_t n, size_t *w, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void catf(char *out, size_t n, size_t *w, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*w >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *w, n - *w, fmt, ap);
	va_end(ap);
	if (k > 0)
		*w = (size_t)k < n - *w ? *w + (size_t)k : n;
}

static void tcp_summary_opt(const struct pkt_dec *d, int i, char *out, size_t n, size_t *w)
{
	const struct pkt_proto *p = d->l[i].proto;
	struct pkt_val v;

	if (p == &tcpopt_eol) {
		catf(out, n, w, "eol");
	} else if (p == &tcpopt_nop) {
		catf(out, n, w, "nop");
	} else if (p == &tcpopt_mss) {
		catf(out, n, w, "mss %llu", (unsigned long long)pkt_field_u(d, i, "mss", 0));
	} else if (p == &tcpopt_wscale) {
		catf(out, n, w, "wscale %llu", (unsigned long long)pkt_field_u(d, i, "shift", 0));
	} else if (p == &tcpopt_sackok) {
		catf(out, n, w, "sackOK");
	} else if (p == &tcpopt_ts) {
		catf(out, n, w, "TS val %llu ecr %llu",
		     (unsigned long long)pkt_field_u(d, i, "val", 0),
		     (unsigned long long)pkt_field_u(d, i, "ecr", 0));
	} else if (p == &tcpopt_sack && !pkt_field_get_name(d, i, "blocks", &v)) {
		catf(out, n, w, "sack %u", v.n / 8);
		for (uint32_t k = 0; k + 8 <= v.n; k += 8)
			catf(out, n, w, " {%llu:%llu}",
			     (unsigned long long)pkt_bits_get(v.p + k, 0, 32),
			     (unsigned long long)pkt_bits_get(v.p + k + 4, 0, 32));
	} else {
		catf(out, n, w, "opt-%llu", (unsigned long long)pkt_field_u(d, i, "type", 0));
	}
}

static int tcp_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} flag[] = {
		{ "fin", 'F' }, { "syn", 'S' }, { "rst", 'R' }, { "psh", 'P' },
		{ "ackf", '.' }, { "urg", 'U' }, { "ece", 'E' }, { "cwr", 'W' }, { "ae", 'e' },
	};
	const struct pkt_layer *l = &d->l[idx];
	char fl[16];
	size_t w = 0, nf = 0;
	uint32_t plen;
	int first = 1;

	if (!n)
		return 0;
	if (l->len < 20) {
		/* Cut short inside a quoted packet: only what is there. */
		if (l->len >= 8)
			return snprintf(out, n, "tcp %llu > %llu seq %llu (truncated)",
					(unsigned long long)pkt_field_u(d, idx, "sport", 0),
					(unsigned long long)pkt_field_u(d, idx, "dport", 0),
					(unsigned long long)pkt_field_u(d, idx, "seq", 0));
		return snprintf(out, n, "tcp %llu > %llu (truncated)",
				(unsigned long long)pkt_field_u(d, idx, "sport", 0),
				(unsigned long long)pkt_field_u(d, idx, "dport", 0));
	}
	for (size_t i = 0; i < sizeof(flag) / sizeof(flag[0]); i++)
		if (pkt_field_u(d, idx, flag[i].name, 0))
			fl[nf++] = flag[i].c;
	fl[nf] = 0;
	out[0] = 0;
	catf(out, n, &w, "tcp %llu > %llu [%s] seq %llu",
	     (unsigned long long)pkt_field_u(d, idx, "sport", 0),
	     (unsigned long long)pkt_field_u(d, idx, "dport", 0), nf ? fl : "none",
	     (unsigned long long)pkt_field_u(d, idx, "seq", 0));
	if (pkt_field_u(d, idx, "ackf", 0))
		catf(out, n, &w, " ack %llu", (unsigned long long)pkt_field_u(d, idx, "ack", 0));
	catf(out, n, &w, " win %llu", (unsigned long long)pkt_field_u(d, idx, "window", 0));
	if (pkt_field_u(d, idx, "urg", 0))
		catf(out, n, &w, " urg %llu", (unsigned long long)pkt_field_u(d, idx, "urgptr", 0));
	for (int i = idx + 1; i < d->n && d->l[i].depth == 1; i++) {
		catf(out, n, &w, first ? " options [" : ",");
		tcp_summary_opt(d, i, out, n, &w);
		first = 0;
	}
	if (!first)
		catf(out, n, &w, "]");
	plen = l->end > l->off + l->len ? l->end - l->off - l->len : 0;
	if (plen)
		catf(out, n, &w, " length %u", plen);
	return (int)(w < n ? w : n - 1);
}

const struct pkt_proto pkt_proto_tcp = {
	PKT_HDR_PROTO("tcp", "TCP", 6, 20, tcp_fields),
	.entry = 1, .opts = &tcpopt_fam, .parse = tcp_parse, .fix = tcp_fix,
	.csum = tcp_csum, .summary = tcp_summary,
};

const struct pkt_proto *const pkt_mod_tcp[] = {
	&pkt_proto_tcp, &tcpopt_eol, &tcpopt_nop, &tcpopt_mss, &tcpopt_wscale,
	&tcpopt_sackok, &tcpopt_sack, &tcpopt_ts, &tcpopt_generic, NULL,
};
