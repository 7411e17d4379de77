/*
 * Multicast Listener Discovery: MLDv1 Query, Report and Done (RFC 2710 §3)
 * and MLDv2 Query and Report (RFC 3810 §5), all carried in ICMPv6. A Query of
 * 28 bytes or more is MLDv2 (RFC 3810 §8.1), so "icmpv6.mld_query" selects
 * "icmpv6.mldv2_query" by length. The Multicast Address Records of an MLDv2
 * Report are the option layers of family "mldv2rec", each 20 + 16 * nsrc +
 * 4 * auxlen bytes. A record without auxiliary data (the only kind MLDv2
 * senders may send, §5.2.10) decodes as "mldv2.record" with its sources as an
 * address list; a record with auxiliary data decodes as "mldv2.record_aux",
 * whose "data" tail holds the nsrc sources followed by the auxiliary data,
 * because a table field cannot end where the sources end. Bytes after the
 * fixed part of a Query (RFC 3810 §5.1.12 additional data) or after the last
 * counted record of a Report follow as a raw layer, still inside the checksum.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"
#include "icmp6.h"
#include "tlv.h"

static int mld_group(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct pkt_val v;

	if (pkt_field_get_name(d, idx, "group", &v))
		return snprintf(out, n, "?");
	return pkt_val_fmt(NULL, &v, out, n);
}

/* ---- MLDv1 (RFC 2710 §3) ---- */

#define MLD1_FIELDS(t)                                                         \
	PKT_ICMP6_HEAD(t), { "mrd", PKT_FT_UINT, 0, 32, 16, 0 },               \
	{ "reserved", PKT_FT_UINT, 0, 48, 16, 0 },                             \
	{ "group", PKT_FT_IP6, 0, 64, 128, 0 }

static const struct pkt_fdesc mld_query_fields[] = { MLD1_FIELDS(130) };
static const struct pkt_fdesc mld_report_fields[] = { MLD1_FIELDS(131) };
static const struct pkt_fdesc mld_done_fields[] = { MLD1_FIELDS(132) };

static int mld1_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 24) {
		nx->why = "MLD message truncated";
		return -1;
	}
	nx->len = 24;
	return 0;
}

static int mld1_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char g[64];

	mld_group(d, idx, g, sizeof(g));
	return snprintf(out, n, "%s %s", d->l[idx].proto->name, g);
}

static int mld_query_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char g[64];

	mld_group(d, idx, g, sizeof(g));
	return snprintf(out, n, "icmpv6.mld_query %s mrd %llu", g,
			(unsigned long long)pkt_field_u(d, idx, "mrd", 0));
}

static const struct pkt_proto mldv2_query;

/* RFC 3810 §8.1: 24 bytes is an MLDv1 Query, 28 or more an MLDv2 Query. */
static const struct pkt_proto *mld_query_select(const uint8_t *p, size_t n)
{
	(void)p;
	return n >= 28 ? &mldv2_query : NULL;
}

static const struct pkt_proto mld_query = {
	PKT_HDR_PROTO("icmpv6.mld_query", "MLD Query (RFC 2710)", 58, 24, mld_query_fields),
	.select = mld_query_select, .parse = mld1_parse, .csum = pkt_icmp6_csum,
	.summary = mld_query_summary,
};

static const struct pkt_proto mld_report = {
	PKT_HDR_PROTO("icmpv6.mld_report", "MLD Report (RFC 2710)", 58, 24, mld_report_fields),
	.parse = mld1_parse, .csum = pkt_icmp6_csum, .summary = mld1_summary,
};

static const struct pkt_proto mld_done = {
	PKT_HDR_PROTO("icmpv6.mld_done", "MLD Done (RFC 2710)", 58, 24, mld_done_fields),
	.parse = mld1_parse, .csum = pkt_icmp6_csum, .summary = mld1_summary,
};

/* ---- MLDv2 Query (RFC 3810 §5.1) ---- */

static const struct pkt_fdesc mldv2_query_fields[] = {
	PKT_ICMP6_HEAD(130),
	{ "mrc", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "reserved", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "group", PKT_FT_IP6, 0, 64, 128, 0 },
	{ "resv", PKT_FT_UINT, 0, 192, 4, 0 },
	{ "s", PKT_FT_UINT, 0, 196, 1, 0 },
	{ "qrv", PKT_FT_UINT, 0, 197, 3, 0 },
	{ "qqic", PKT_FT_UINT, 0, 200, 8, 0 },
	{ "nsrc", PKT_FT_UINT, PKT_FF_AUTO, 208, 16, 0 },
	{ "sources", PKT_FT_IP6LIST, PKT_FF_TAIL, 224, 0, 0 },
};

static int mldv2_query_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			     struct pkt_next *nx)
{
	size_t left = pkt_cur_left(c);
	uint32_t nsrc;

	(void)d;
	(void)idx;
	if (left < 28) {
		nx->why = "MLDv2 query truncated";
		return -1;
	}
	nsrc = (uint32_t)(c->p[26] << 8 | c->p[27]);
	if (nsrc * 16u > left - 28) {
		nx->len = 28;
		nx->why = "MLDv2 query source count exceeds the message";
		return -1;
	}
	nx->len = 28 + nsrc * 16;
	return 0;
}

static int mldv2_query_fix(struct pkt_build *b, int idx)
{
	return pkt_build_auto_u(b, idx, "nsrc", (b->view.l[idx].len - 28) / 16);
}

static int mldv2_query_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char g[64];

	mld_group(d, idx, g, sizeof(g));
	return snprintf(out, n, "icmpv6.mldv2_query %s mrc %llu qrv %llu qqic %llu%s sources %llu", g,
			(unsigned long long)pkt_field_u(d, idx, "mrc", 0),
			(unsigned long long)pkt_field_u(d, idx, "qrv", 0),
			(unsigned long long)pkt_field_u(d, idx, "qqic", 0),
			pkt_field_u(d, idx, "s", 0) ? " S" : "",
			(unsigned long long)pkt_field_u(d, idx, "nsrc", 0));
}

static const struct pkt_proto mldv2_query = {
	PKT_HDR_PROTO("icmpv6.mldv2_query", "MLDv2 Query (RFC 3810)", 58, 28, mldv2_query_fields),
	.parse = mldv2_query_parse, .fix = mldv2_query_fix, .csum = pkt_icmp6_csum,
	.summary = mldv2_query_summary,
};

/* ---- MLDv2 Multicast Address Records (RFC 3810 §5.2.4) ---- */

static const struct pkt_fdesc mldv2_rec_fields[] = {
	{ "rtype", PKT_FT_UINT, 0, 0, 8, 0 },
	{ "auxlen", PKT_FT_UINT, 0, 8, 8, 0 },
	{ "nsrc", PKT_FT_UINT, PKT_FF_AUTO, 16, 16, 0 },
	{ "group", PKT_FT_IP6, 0, 32, 128, 0 },
	{ "sources", PKT_FT_IP6LIST, PKT_FF_TAIL, 160, 0, 0 },
};

static const struct pkt_fdesc mldv2_rec_aux_fields[] = {
	{ "rtype", PKT_FT_UINT, 0, 0, 8, 0 },
	{ "auxlen", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "nsrc", PKT_FT_UINT, PKT_FF_AUTO, 16, 16, 0 },
	{ "group", PKT_FT_IP6, 0, 32, 128, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 160, 0, 0 },
};

static int mldv2_rec_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "nsrc", len < 20 ? 0 : (len - 20) / 16);
}

/* The data tail holds sources then aux data: whichever count the caller set
 * fixes the other; with neither set it is all aux data. */
static int mldv2_rec_aux_fix(struct pkt_build *b, int idx)
{
	const uint8_t *r = b->w->b + b->view.l[idx].off;
	uint32_t len = b->view.l[idx].len, body = len < 20 ? 0 : len - 20;
	uint32_t nsrc = 0, aux;
	int rc;

	if (pkt_build_isset(b, idx, "auxlen") && !pkt_build_isset(b, idx, "nsrc")) {
		aux = r[1] * 4u;
		nsrc = aux < body ? (body - aux) / 16 : 0;
		return pkt_build_auto_u(b, idx, "nsrc", nsrc);
	}
	if (pkt_build_isset(b, idx, "nsrc"))
		nsrc = (uint32_t)(r[2] << 8 | r[3]);
	rc = pkt_build_auto_u(b, idx, "nsrc", nsrc);
	if (rc)
		return rc;
	aux = nsrc * 16u < body ? (body - nsrc * 16u) / 4 : 0;
	return pkt_build_auto_u(b, idx, "auxlen", aux > 255 ? 255 : aux);
}

static const struct pkt_proto mldv2_rec = {
	PKT_OPT_PROTO("mldv2.record", "MLDv2 Multicast Address Record", 20, mldv2_rec_fields),
	.fix = mldv2_rec_fix,
};

static const struct pkt_proto mldv2_rec_aux = {
	PKT_OPT_PROTO("mldv2.record_aux", "MLDv2 Multicast Address Record with auxiliary data",
		      20, mldv2_rec_aux_fields),
	.fix = mldv2_rec_aux_fix,
};

/* A record is its 20-byte fixed part, then nsrc (bytes 2-3) sources of 16
 * bytes and auxlen (byte 1) words of 4 bytes. */
static const struct pkt_tlv_fmt mldv2_rec_tlv = {
	.head = 20, .len = { PKT_TLV_LEN8(1, 4), PKT_TLV_LEN16(2, 16) },
	.why_short = "MLDv2 record truncated",
	.why_long = "MLDv2 record length exceeds the message",
};

static int mldv2_rec_len(const struct pkt_cur *c, const char **why)
{
	return pkt_tlv_len(c, &mldv2_rec_tlv, why);
}

static const struct pkt_proto *mldv2_rec_lookup(const uint8_t *p, size_t n)
{
	(void)n;
	return p[1] ? &mldv2_rec_aux : &mldv2_rec;
}

static const struct pkt_optfam mldv2_rec_fam = {
	.name = "mldv2rec",
	.optlen = mldv2_rec_len,
	.lookup = mldv2_rec_lookup,
};

/* ---- MLDv2 Report (RFC 3810 §5.2) ---- */

static const struct pkt_fdesc mldv2_report_fields[] = {
	PKT_ICMP6_HEAD(143),
	{ "reserved", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "nrec", PKT_FT_UINT, PKT_FF_AUTO, 48, 16, 0 },
};

static int mldv2_report_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			      struct pkt_next *nx)
{
	struct pkt_cur r = *c;
	uint32_t nrec, total = 0;

	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "MLDv2 report truncated";
		return -1;
	}
	nrec = (uint32_t)(c->p[6] << 8 | c->p[7]);
	pkt_cur_skip(&r, 8);
	for (uint32_t i = 0; i < nrec; i++) {
		const char *why = NULL;
		int rl;

		if (!pkt_cur_left(&r)) {
			nx->len = 8 + total;
			nx->why = "MLDv2 report has fewer records than its count";
			return -1;
		}
		rl = mldv2_rec_len(&r, &why);
		if (rl < 0) {
			/* Let the option walk stop at this record, with its offset. */
			total = (uint32_t)(pkt_cur_left(c) - 8);
			break;
		}
		total += (uint32_t)rl;
		pkt_cur_skip(&r, (size_t)rl);
	}
	if (total > UINT16_MAX - 8) {
		nx->why = "MLDv2 report longer than 65535 bytes";
		return -1;
	}
	nx->len = 8 + total;
	nx->optoff = 8;
	nx->optlen = (uint16_t)total;
	return 0;
}

static int mldv2_report_fix(struct pkt_build *b, int idx)
{
	uint32_t nrec = 0;

	for (int i = idx + 1; i < b->view.n && b->view.l[i].depth == 1; i++)
		nrec++;
	return pkt_build_auto_u(b, idx, "nrec", nrec);
}

static int mldv2_report_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	uint64_t nrec = pkt_field_u(d, idx, "nrec", 0);

	return snprintf(out, n, "icmpv6.mldv2_report %llu record%s", (unsigned long long)nrec,
			nrec == 1 ? "" : "s");
}

static const struct pkt_proto mldv2_report = {
	PKT_HDR_PROTO("icmpv6.mldv2_report", "MLDv2 Report (RFC 3810)", 58, 8, mldv2_report_fields),
	.opts = &mldv2_rec_fam, .parse = mldv2_report_parse, .fix = mldv2_report_fix,
	.csum = pkt_icmp6_csum, .summary = mldv2_report_summary,
};

const struct pkt_proto *const pkt_mod_mld[] = {
	&mld_query, &mld_report, &mld_done, &mldv2_query, &mldv2_report,
	&mldv2_rec, &mldv2_rec_aux, NULL,
};
