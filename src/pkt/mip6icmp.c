/*
 * The ICMPv6 messages of Mobile IPv6 (RFC 6275 §6.5-6.8): Home Agent Address
 * Discovery Request and Reply, Mobile Prefix Solicitation and Advertisement.
 * The Reply's home agent addresses fill the rest of the message. The
 * Advertisement carries Neighbor Discovery options (Prefix Information with
 * the R bit) as option layers of the ND family.
 */
#include <stdio.h>

#include "build.h"
#include "field.h"
#include "icmp6.h"

#define ID_RESERVED                                                            \
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 }, { "reserved", PKT_FT_UINT, 0, 48, 16, 0 }

/* Messages whose variable part (if any) runs to the end of the message. */
static int mip6icmp_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			  struct pkt_next *nx)
{
	const struct pkt_proto *p = d->l[idx].proto;

	if (pkt_cur_left(c) < 8) {
		nx->why = "Mobile IPv6 ICMPv6 message truncated";
		return -1;
	}
	nx->len = p->min_len;
	return 0;
}

static int mip6icmp_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s id %llu", d->l[idx].proto->name,
			(unsigned long long)pkt_field_u(d, idx, "id", 0));
}

/* ---- Home Agent Address Discovery (§6.5, §6.6) ---- */

static const struct pkt_fdesc dhaad_request_fields[] = { PKT_ICMP6_HEAD(144), ID_RESERVED };

static const struct pkt_proto dhaad_request = {
	PKT_HDR_PROTO("icmpv6.dhaad_request", "Home Agent Address Discovery Request (RFC 6275)",
		      58, 8, dhaad_request_fields),
	.parse = mip6icmp_parse, .csum = pkt_icmp6_csum, .summary = mip6icmp_summary,
};

static const struct pkt_fdesc dhaad_reply_fields[] = {
	PKT_ICMP6_HEAD(145),
	ID_RESERVED,
	{ "addrs", PKT_FT_IP6LIST, PKT_FF_TAIL, 64, 0, 0 },
};

static int dhaad_reply_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			     struct pkt_next *nx)
{
	size_t left = pkt_cur_left(c);

	(void)d;
	(void)idx;
	if (left < 8) {
		nx->why = "Home Agent Address Discovery Reply truncated";
		return -1;
	}
	nx->len = (uint32_t)left;
	if ((left - 8) % 16) {
		nx->why = "home agent address list is not a multiple of 16 bytes";
		return -1;
	}
	return 0;
}

static int dhaad_reply_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct pkt_val v;
	uint32_t k = pkt_field_get_name(d, idx, "addrs", &v) ? 0 : v.n / 16;

	return snprintf(out, n, "icmpv6.dhaad_reply id %llu %u home agent%s",
			(unsigned long long)pkt_field_u(d, idx, "id", 0), k, k == 1 ? "" : "s");
}

static const struct pkt_proto dhaad_reply = {
	PKT_HDR_PROTO("icmpv6.dhaad_reply", "Home Agent Address Discovery Reply (RFC 6275)",
		      58, 8, dhaad_reply_fields),
	.parse = dhaad_reply_parse, .csum = pkt_icmp6_csum, .summary = dhaad_reply_summary,
};

/* ---- Mobile Prefix Solicitation and Advertisement (§6.7, §6.8) ---- */

static const struct pkt_fdesc mps_fields[] = { PKT_ICMP6_HEAD(146), ID_RESERVED };

static const struct pkt_proto mps = {
	PKT_HDR_PROTO("icmpv6.mps", "Mobile Prefix Solicitation (RFC 6275)", 58, 8, mps_fields),
	.parse = mip6icmp_parse, .csum = pkt_icmp6_csum, .summary = mip6icmp_summary,
};

static const struct pkt_fdesc mpa_fields[] = {
	PKT_ICMP6_HEAD(147),
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "m", PKT_FT_UINT, 0, 48, 1, 0 },
	{ "o", PKT_FT_UINT, 0, 49, 1, 0 },
	{ "reserved", PKT_FT_UINT, 0, 50, 14, 0 },
};

static int mpa_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "Mobile Prefix Advertisement truncated";
		return -1;
	}
	nx->len = (uint32_t)pkt_cur_left(c);
	nx->optoff = 8;
	nx->optlen = (uint16_t)(pkt_cur_left(c) - 8);
	return 0;
}

static int mpa_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "icmpv6.mpa id %llu%s%s",
			(unsigned long long)pkt_field_u(d, idx, "id", 0),
			pkt_field_u(d, idx, "m", 0) ? " M" : "",
			pkt_field_u(d, idx, "o", 0) ? " O" : "");
}

static const struct pkt_proto mpa = {
	PKT_HDR_PROTO("icmpv6.mpa", "Mobile Prefix Advertisement (RFC 6275)", 58, 8, mpa_fields),
	.opts = &pkt_ndopt_family, .parse = mpa_parse, .csum = pkt_icmp6_csum,
	.summary = mpa_summary,
};

const struct pkt_proto *const pkt_mod_mip6icmp[] = {
	&dhaad_request, &dhaad_reply, &mps, &mpa, NULL,
};
