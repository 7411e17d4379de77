/*
 * The two IPv6 extension headers that carry options (RFC 8200 §4.3, §4.6):
 * Hop-by-Hop Options and Destination Options, and their option family
 * (RFC 8200 §4.2). An option is a type byte, a length byte counting the data
 * only, and the data; Pad1 alone is a single zero byte. Known options: Pad1,
 * PadN, Router Alert (RFC 2711), Jumbo Payload (RFC 2675) and Home Address
 * (RFC 6275 §6.3); any other type, or a known one with the wrong length,
 * decodes as the generic option, which shows the action and change bits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "field.h"

/* ---- options ---- */

static const struct pkt_fdesc ip6opt_pad1_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 0 },
};

static const struct pkt_fdesc ip6opt_padn_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 1 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static const struct pkt_fdesc ip6opt_ra_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 5 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 2 },
	{ "value", PKT_FT_UINT, 0, 16, 16, 0 },
};

static const struct pkt_fdesc ip6opt_jumbo_fields[] = {
	{ "type", PKT_FT_UINT, PKT_FF_HEX, 0, 8, 0xc2 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 4 },
	{ "plen", PKT_FT_UINT, 0, 16, 32, 0 },
};

static const struct pkt_fdesc ip6opt_hao_fields[] = {
	{ "type", PKT_FT_UINT, 0, 0, 8, 201 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 16 },
	{ "hoa", PKT_FT_IP6, 0, 16, 128, 0 },
};

/* "type" spans the whole byte; "action" and "chg" are views of its top bits,
 * written after it so that setting them alone changes only those bits. The
 * default is an experimental type (RFC 4727) to be skipped. */
static const struct pkt_fdesc ip6opt_fields[] = {
	{ "type", PKT_FT_UINT, PKT_FF_HEX, 0, 8, 0x1e },
	{ "action", PKT_FT_UINT, 0, 0, 2, 0 },
	{ "chg", PKT_FT_UINT, 0, 2, 1, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 16, 0, 0 },
};

static int ip6opt_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "len", len >= 2 ? len - 2 : 0);
}

#define NFIELDS(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))

static const struct pkt_proto ip6opt_pad1 = {
	.name = "ip6opt.pad1", .title = "Pad1", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 1,
	.fields = ip6opt_pad1_fields, .nfields = NFIELDS(ip6opt_pad1_fields),
};

static const struct pkt_proto ip6opt_padn = {
	.name = "ip6opt.padn", .title = "PadN", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 2,
	.fields = ip6opt_padn_fields, .nfields = NFIELDS(ip6opt_padn_fields),
	.fix = ip6opt_fix,
};

static const struct pkt_proto ip6opt_ra = {
	.name = "ip6opt.ra", .title = "Router Alert (RFC 2711)", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 4,
	.fields = ip6opt_ra_fields, .nfields = NFIELDS(ip6opt_ra_fields),
	.fix = ip6opt_fix,
};

static const struct pkt_proto ip6opt_jumbo = {
	.name = "ip6opt.jumbo", .title = "Jumbo Payload (RFC 2675)", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 6,
	.fields = ip6opt_jumbo_fields, .nfields = NFIELDS(ip6opt_jumbo_fields),
	.fix = ip6opt_fix,
};

static const struct pkt_proto ip6opt_hao = {
	.name = "ip6opt.hao", .title = "Home Address (RFC 6275)", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 18,
	.fields = ip6opt_hao_fields, .nfields = NFIELDS(ip6opt_hao_fields),
	.fix = ip6opt_fix,
};

static const struct pkt_proto ip6opt_generic = {
	.name = "ip6opt", .title = "IPv6 option", .kind = PKT_PK_OPT,
	.ipproto = -1, .ethertype = -1, .min_len = 2,
	.fields = ip6opt_fields, .nfields = NFIELDS(ip6opt_fields),
	.fix = ip6opt_fix,
};

static int ip6opt_len(const struct pkt_cur *c, const char **why)
{
	uint8_t t, l;

	if (pkt_cur_peek(c, 0, &t))
		return -1;
	if (t == 0)
		return 1;
	if (pkt_cur_peek(c, 1, &l)) {
		*why = "IPv6 option truncated before its length";
		return -1;
	}
	if (l > pkt_cur_left(c) - 2) {
		*why = "IPv6 option length exceeds the option area";
		return -1;
	}
	return l + 2;
}

static const struct pkt_proto *ip6opt_lookup(const uint8_t *p, size_t n)
{
	switch (p[0]) {
	case 0:
		return &ip6opt_pad1;
	case 1:
		return &ip6opt_padn;
	case 5:
		return n == 4 ? &ip6opt_ra : &ip6opt_generic;
	case 0xc2:
		return n == 6 ? &ip6opt_jumbo : &ip6opt_generic;
	case 201:
		return n == 18 ? &ip6opt_hao : &ip6opt_generic;
	default:
		return &ip6opt_generic;
	}
}

/* One byte is Pad1; more is a single PadN with zero data (RFC 8200 §4.2). */
static int ip6opt_pad(uint8_t *dst, size_t n)
{
	if (n == 0)
		return 0;
	if (n == 1) {
		dst[0] = 0;
		return 0;
	}
	if (n - 2 > 255)
		return -EINVAL;
	dst[0] = 1;
	dst[1] = (uint8_t)(n - 2);
	memset(dst + 2, 0, n - 2);
	return 0;
}

static const struct pkt_optfam ip6opt_fam = {
	.name = "ip6opt",
	.optlen = ip6opt_len,
	.lookup = ip6opt_lookup,
	.align = 8,
	.pad = ip6opt_pad,
};

/* ---- headers ---- */

static const struct pkt_fdesc optshdr_fields[] = {
	{ "nh", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_NH, 0, 8, 0 },
	{ "len", PKT_FT_UINT, PKT_FF_AUTO, 8, 8, 0 },
};

static int optshdr_parse(struct pkt_cur *c, const struct pkt_dec *d, struct pkt_next *nx,
			 const char *short_why, const char *long_why)
{
	size_t left = pkt_cur_left(c);
	uint32_t len;

	if (left < 8) {
		nx->why = short_why;
		return -1;
	}
	len = (c->p[1] + 1u) * 8;
	if (len > left) {
		if (d->partial) {
			/* Cut short inside a quoted packet or first fragment:
			 * keep the header, not its (incomplete) options. */
			nx->len = (uint32_t)left;
			nx->truncated = 1;
			return 0;
		}
		nx->len = 8;
		nx->why = long_why;
		return -1;
	}
	nx->len = len;
	nx->optoff = 2;
	nx->optlen = (uint16_t)(len - 2);
	nx->next = pkt_proto_by_ipproto(c->p[0]);
	if (!nx->next)
		nx->payload_raw = c->p[0] != 59;
	return 0;
}

static int hbh_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)idx;
	return optshdr_parse(c, d, nx, "Hop-by-Hop Options header truncated",
			     "Hop-by-Hop Options header length exceeds the payload");
}

static int dstopt_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)idx;
	return optshdr_parse(c, d, nx, "Destination Options header truncated",
			     "Destination Options header length exceeds the payload");
}

/* Hdr Ext Len: 8-octet units beyond the first 8. */
static int optshdr_fix(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "len", len >= 8 ? len / 8 - 1 : 0);
}

static int opt_brief(const struct pkt_dec *d, int i, char *out, size_t n)
{
	const struct pkt_proto *p = d->l[i].proto;
	char a[64];
	struct pkt_val v;

	if (p == &ip6opt_pad1)
		return snprintf(out, n, "pad1");
	if (p == &ip6opt_padn)
		return snprintf(out, n, "padn %u", d->l[i].len);
	if (p == &ip6opt_ra)
		return snprintf(out, n, "ra %llu",
				(unsigned long long)pkt_field_u(d, i, "value", 0));
	if (p == &ip6opt_jumbo)
		return snprintf(out, n, "jumbo %llu",
				(unsigned long long)pkt_field_u(d, i, "plen", 0));
	if (p == &ip6opt_hao && !pkt_field_get_name(d, i, "hoa", &v)) {
		pkt_val_fmt(NULL, &v, a, sizeof(a));
		return snprintf(out, n, "hao %s", a);
	}
	return snprintf(out, n, "opt 0x%02llx len %llu",
			(unsigned long long)pkt_field_u(d, i, "type", 0),
			(unsigned long long)pkt_field_u(d, i, "len", 0));
}

/* "hbh [ra 0, padn 2]": the header name and its options in order. */
static int optshdr_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	char buf[512];
	size_t w;
	int k, first = 1;

	w = (size_t)snprintf(buf, sizeof(buf), "%s", d->l[idx].proto->name);
	for (int i = idx + 1; i < d->n && d->l[i].depth == 1 && w < sizeof(buf); i++) {
		k = snprintf(buf + w, sizeof(buf) - w, "%s", first ? " [" : ", ");
		if (k < 0 || (size_t)k >= sizeof(buf) - w)
			break;
		w += (size_t)k;
		k = opt_brief(d, i, buf + w, sizeof(buf) - w);
		if (k < 0 || (size_t)k >= sizeof(buf) - w)
			break;
		w += (size_t)k;
		first = 0;
	}
	if (!first && w + 1 < sizeof(buf)) {
		buf[w++] = ']';
		buf[w] = 0;
	}
	return snprintf(out, n, "%s", buf);
}

const struct pkt_proto pkt_proto_hbh = {
	.name = "hbh",
	.title = "Hop-by-Hop Options",
	.kind = PKT_PK_HDR,
	.ipproto = 0,
	.ethertype = -1,
	.min_len = 2,
	.entry = 1,
	.fields = optshdr_fields,
	.nfields = NFIELDS(optshdr_fields),
	.opts = &ip6opt_fam,
	.parse = hbh_parse,
	.fix = optshdr_fix,
	.summary = optshdr_summary,
};

const struct pkt_proto pkt_proto_dstopt = {
	.name = "dstopt",
	.title = "Destination Options",
	.kind = PKT_PK_HDR,
	.ipproto = 60,
	.ethertype = -1,
	.min_len = 2,
	.entry = 1,
	.fields = optshdr_fields,
	.nfields = NFIELDS(optshdr_fields),
	.opts = &ip6opt_fam,
	.parse = dstopt_parse,
	.fix = optshdr_fix,
	.summary = optshdr_summary,
};

const struct pkt_proto *const pkt_mod_ip6opt[] = {
	&pkt_proto_hbh, &pkt_proto_dstopt, &ip6opt_pad1, &ip6opt_padn, &ip6opt_ra,
	&ip6opt_jumbo, &ip6opt_hao, &ip6opt_generic, NULL,
};
