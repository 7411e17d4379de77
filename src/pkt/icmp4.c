/*
 * ICMP for IPv4 (RFC 792): Echo Request/Reply, Destination Unreachable (with
 * the next-hop MTU of RFC 1191 for code 4), Redirect, Time Exceeded and
 * Parameter Problem, plus a generic descriptor for every other type. The
 * error messages quote the invoking IPv4 packet, decoded as a partial packet
 * since it is usually cut short. The checksum covers the ICMP message alone.
 */
#include <stdio.h>

#include "build.h"
#include "csum.h"
#include "field.h"

#define ICMP_HDR_FIELDS(t)                                                     \
	{ "type", PKT_FT_UINT, 0, 0, 8, (t) },                                 \
	{ "code", PKT_FT_UINT, 0, 8, 8, 0 },                                   \
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 16, 16, 0 }

static const struct pkt_fdesc icmp_fields[] = {
	ICMP_HDR_FIELDS(0),
	{ "rest", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

static const struct pkt_fdesc icmp_echo_reply_fields[] = {
	ICMP_HDR_FIELDS(0),
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "seq", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

static const struct pkt_fdesc icmp_echo_request_fields[] = {
	ICMP_HDR_FIELDS(8),
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "seq", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

/* The MTU is meaningful for code 4 (fragmentation needed) only. */
static const struct pkt_fdesc icmp_dest_unreach_fields[] = {
	ICMP_HDR_FIELDS(3),
	{ "unused", PKT_FT_UINT, PKT_FF_HEX, 32, 16, 0 },
	{ "mtu", PKT_FT_UINT, 0, 48, 16, 0 },
};

static const struct pkt_fdesc icmp_redirect_fields[] = {
	ICMP_HDR_FIELDS(5),
	{ "gw", PKT_FT_IP4, 0, 32, 32, 0 },
};

static const struct pkt_fdesc icmp_time_exceeded_fields[] = {
	ICMP_HDR_FIELDS(11),
	{ "unused", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
};

static const struct pkt_fdesc icmp_param_problem_fields[] = {
	ICMP_HDR_FIELDS(12),
	{ "pointer", PKT_FT_UINT, 0, 32, 8, 0 },
	{ "unused", PKT_FT_UINT, PKT_FF_HEX, 40, 24, 0 },
};

/* A message with a tail of its own (echo, unknown types). */
static int icmp_parse_tail(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			   struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "ICMP header truncated";
		return -1;
	}
	nx->len = (uint32_t)pkt_cur_left(c);
	return 0;
}

/* An error message: the invoking IPv4 packet follows the 8-byte header. */
static int icmp_parse_error(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			    struct pkt_next *nx)
{
	if (icmp_parse_tail(d, idx, c, nx))
		return -1;
	nx->len = 8;
	nx->next = pkt_proto_by_ipproto(4);
	nx->payload_raw = !nx->next;
	nx->partial = 1;
	return 0;
}

static int icmp_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	const struct pkt_layer *l = &d->l[idx];
	uint32_t end = l->end < d->len ? l->end : d->len;

	if (end < l->off + 4)
		return -ENODATA;
	*out = pkt_csum_header(d->buf + l->off, end - l->off, 2);
	return 0;
}

static unsigned long long fu(const struct pkt_dec *d, int idx, const char *name)
{
	return (unsigned long long)pkt_field_u(d, idx, name, 0);
}

static int icmp_echo_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s id %llu seq %llu", d->l[idx].proto->name, fu(d, idx, "id"),
			fu(d, idx, "seq"));
}

static int icmp_dest_unreach_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	if (fu(d, idx, "code") == 4)
		return snprintf(out, n, "icmp.dest_unreach code 4 mtu %llu", fu(d, idx, "mtu"));
	return snprintf(out, n, "icmp.dest_unreach code %llu", fu(d, idx, "code"));
}

static int icmp_redirect_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	struct pkt_val v;
	char gw[32] = "?";

	if (!pkt_field_get_name(d, idx, "gw", &v))
		pkt_val_fmt(NULL, &v, gw, sizeof(gw));
	return snprintf(out, n, "icmp.redirect code %llu gw %s", fu(d, idx, "code"), gw);
}

static int icmp_time_exceeded_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "icmp.time_exceeded code %llu", fu(d, idx, "code"));
}

static int icmp_param_problem_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "icmp.param_problem code %llu pointer %llu", fu(d, idx, "code"),
			fu(d, idx, "pointer"));
}

static int icmp_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "icmp type %llu code %llu", fu(d, idx, "type"), fu(d, idx, "code"));
}

#define ICMP_PROTO(var, nm, ttl, flds, parsefn, sumfn)                         \
	static const struct pkt_proto var = {                                  \
		PKT_HDR_PROTO(nm, ttl, 1, 8, flds),                            \
		.parse = parsefn, .csum = icmp_csum, .summary = sumfn,         \
	}

ICMP_PROTO(icmp_echo_reply, "icmp.echo_reply", "ICMP Echo Reply", icmp_echo_reply_fields,
	   icmp_parse_tail, icmp_echo_summary);
ICMP_PROTO(icmp_dest_unreach, "icmp.dest_unreach", "ICMP Destination Unreachable",
	   icmp_dest_unreach_fields, icmp_parse_error, icmp_dest_unreach_summary);
ICMP_PROTO(icmp_redirect, "icmp.redirect", "ICMP Redirect", icmp_redirect_fields,
	   icmp_parse_error, icmp_redirect_summary);
ICMP_PROTO(icmp_echo_request, "icmp.echo_request", "ICMP Echo Request",
	   icmp_echo_request_fields, icmp_parse_tail, icmp_echo_summary);
ICMP_PROTO(icmp_time_exceeded, "icmp.time_exceeded", "ICMP Time Exceeded",
	   icmp_time_exceeded_fields, icmp_parse_error, icmp_time_exceeded_summary);
ICMP_PROTO(icmp_param_problem, "icmp.param_problem", "ICMP Parameter Problem",
	   icmp_param_problem_fields, icmp_parse_error, icmp_param_problem_summary);

static const struct pkt_proto *icmp_select(const uint8_t *p, size_t n)
{
	if (n < 1)
		return NULL;
	switch (p[0]) {
	case 0:
		return &icmp_echo_reply;
	case 3:
		return &icmp_dest_unreach;
	case 5:
		return &icmp_redirect;
	case 8:
		return &icmp_echo_request;
	case 11:
		return &icmp_time_exceeded;
	case 12:
		return &icmp_param_problem;
	default:
		return NULL;
	}
}

const struct pkt_proto pkt_proto_icmp = {
	PKT_HDR_PROTO("icmp", "ICMP", 1, 8, icmp_fields),
	.entry = 1, .select = icmp_select, .parse = icmp_parse_tail, .csum = icmp_csum,
	.summary = icmp_summary,
};

const struct pkt_proto *const pkt_mod_icmp4[] = {
	&pkt_proto_icmp, &icmp_echo_reply, &icmp_dest_unreach, &icmp_redirect,
	&icmp_echo_request, &icmp_time_exceeded, &icmp_param_problem, NULL,
};
