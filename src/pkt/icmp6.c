/*
 * ICMPv6 (RFC 4443): the generic message, which every ICMPv6 message starts
 * as, the four error messages and Echo Request/Reply. The generic descriptor
 * is the entry for IP protocol 58; its select hook picks the specific
 * descriptor by type, including those other modules define (Neighbor
 * Discovery, MLD, Mobile IPv6), found by notation name so that no module
 * depends on another's symbols. An error message quotes the invoking packet
 * after its 8-byte header; that packet is decoded as IPv6 marked partial,
 * since it is usually cut short.
 */
#include <pthread.h>
#include <stdio.h>

#include "build.h"
#include "csum.h"
#include "field.h"
#include "icmp6.h"

int pkt_icmp6_csum(const struct pkt_dec *d, int idx, uint16_t *out)
{
	return pkt_csum_upper(d, idx, PKT_ICMP6_PROTO, 2, out);
}

/* ---- generic message ---- */

static const struct pkt_fdesc icmp6_fields[] = {
	PKT_ICMP6_HEAD(0),
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 32, 0, 0 },
};

static int icmp6_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 4) {
		nx->why = "ICMPv6 header truncated";
		return -1;
	}
	nx->len = (uint32_t)pkt_cur_left(c);
	return 0;
}

static int icmp6_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "icmpv6 type %llu code %llu",
			(unsigned long long)pkt_field_u(d, idx, "type", 0),
			(unsigned long long)pkt_field_u(d, idx, "code", 0));
}

static const struct pkt_proto *icmp6_select(const uint8_t *p, size_t n);

static const struct pkt_proto icmp6_generic = {
	PKT_HDR_PROTO("icmpv6", "ICMPv6", PKT_ICMP6_PROTO, 4, icmp6_fields),
	.entry = 1, .select = icmp6_select, .parse = icmp6_parse, .csum = pkt_icmp6_csum,
	.summary = icmp6_summary,
};

/* ---- error messages ---- */

/*
 * After the 8-byte header comes as much of the invoking packet as fits in
 * the minimum MTU. It is decoded as IPv6 with the partial mark, so a quoted
 * header cut short ends the decoding without making the frame malformed, and
 * the quoted layers' checksums are not judged.
 */
static int icmp6_err_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			   struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "ICMPv6 error message truncated";
		return -1;
	}
	nx->len = 8;
	nx->next = pkt_proto_by_ipproto(41);
	nx->payload_raw = !nx->next;
	nx->partial = 1;
	return 0;
}

static const struct pkt_fdesc dest_unreach_fields[] = {
	PKT_ICMP6_HEAD(1),
	{ "unused", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
};

static const struct pkt_fdesc packet_too_big_fields[] = {
	PKT_ICMP6_HEAD(2),
	{ "mtu", PKT_FT_UINT, 0, 32, 32, 0 },
};

static const struct pkt_fdesc time_exceeded_fields[] = {
	PKT_ICMP6_HEAD(3),
	{ "unused", PKT_FT_UINT, PKT_FF_HEX, 32, 32, 0 },
};

static const struct pkt_fdesc param_problem_fields[] = {
	PKT_ICMP6_HEAD(4),
	{ "pointer", PKT_FT_UINT, 0, 32, 32, 0 },
};

static int icmp6_err_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	const struct pkt_proto *p = d->l[idx].proto;
	unsigned long long code = pkt_field_u(d, idx, "code", 0);

	if (pkt_proto_field(p, "mtu"))
		return snprintf(out, n, "%s mtu %llu", p->name,
				(unsigned long long)pkt_field_u(d, idx, "mtu", 0));
	if (pkt_proto_field(p, "pointer"))
		return snprintf(out, n, "%s code %llu pointer %llu", p->name, code,
				(unsigned long long)pkt_field_u(d, idx, "pointer", 0));
	return snprintf(out, n, "%s code %llu", p->name, code);
}

#define ICMP6_ERR(var, nm, ttl, flds)                                          \
	static const struct pkt_proto var = {                                  \
		PKT_HDR_PROTO(nm, ttl, PKT_ICMP6_PROTO, 8, flds),              \
		.parse = icmp6_err_parse, .csum = pkt_icmp6_csum,              \
		.summary = icmp6_err_summary,                                  \
	}

ICMP6_ERR(icmp6_dest_unreach, "icmpv6.dest_unreach", "ICMPv6 Destination Unreachable",
	  dest_unreach_fields);
ICMP6_ERR(icmp6_packet_too_big, "icmpv6.packet_too_big", "ICMPv6 Packet Too Big",
	  packet_too_big_fields);
ICMP6_ERR(icmp6_time_exceeded, "icmpv6.time_exceeded", "ICMPv6 Time Exceeded",
	  time_exceeded_fields);
ICMP6_ERR(icmp6_param_problem, "icmpv6.param_problem", "ICMPv6 Parameter Problem",
	  param_problem_fields);

/* ---- echo ---- */

static const struct pkt_fdesc echo_request_fields[] = {
	PKT_ICMP6_HEAD(128),
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "seq", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

static const struct pkt_fdesc echo_reply_fields[] = {
	PKT_ICMP6_HEAD(129),
	{ "id", PKT_FT_UINT, 0, 32, 16, 0 },
	{ "seq", PKT_FT_UINT, 0, 48, 16, 0 },
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 64, 0, 0 },
};

static int icmp6_echo_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c,
			    struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	if (pkt_cur_left(c) < 8) {
		nx->why = "ICMPv6 echo message truncated";
		return -1;
	}
	nx->len = (uint32_t)pkt_cur_left(c);
	return 0;
}

static int icmp6_echo_summary(const struct pkt_dec *d, int idx, char *out, size_t n)
{
	return snprintf(out, n, "%s id %llu seq %llu", d->l[idx].proto->name,
			(unsigned long long)pkt_field_u(d, idx, "id", 0),
			(unsigned long long)pkt_field_u(d, idx, "seq", 0));
}

static const struct pkt_proto icmp6_echo_request = {
	PKT_HDR_PROTO("icmpv6.echo_request", "ICMPv6 Echo Request",
		      PKT_ICMP6_PROTO, 8, echo_request_fields),
	.parse = icmp6_echo_parse, .csum = pkt_icmp6_csum, .summary = icmp6_echo_summary,
};

static const struct pkt_proto icmp6_echo_reply = {
	PKT_HDR_PROTO("icmpv6.echo_reply", "ICMPv6 Echo Reply",
		      PKT_ICMP6_PROTO, 8, echo_reply_fields),
	.parse = icmp6_echo_parse, .csum = pkt_icmp6_csum, .summary = icmp6_echo_summary,
};

/* ---- dispatch by type ---- */

/* Types whose descriptors live in other modules, by notation name. */
static const struct {
	uint8_t type;
	const char *name;
} icmp6_foreign[] = {
	{ 130, "icmpv6.mld_query" },	 { 131, "icmpv6.mld_report" },
	{ 132, "icmpv6.mld_done" },	 { 133, "icmpv6.rs" },
	{ 134, "icmpv6.ra" },		 { 135, "icmpv6.ns" },
	{ 136, "icmpv6.na" },		 { 137, "icmpv6.redirect" },
	{ 143, "icmpv6.mldv2_report" },	 { 144, "icmpv6.dhaad_request" },
	{ 145, "icmpv6.dhaad_reply" },	 { 146, "icmpv6.mps" },
	{ 147, "icmpv6.mpa" },
};

/* Filled once, then only read: safe to share between threads. */
static const struct pkt_proto *icmp6_by_type[256];
static pthread_once_t icmp6_once = PTHREAD_ONCE_INIT;

static void icmp6_table_fill(void)
{
	for (size_t i = 0; i < sizeof(icmp6_foreign) / sizeof(icmp6_foreign[0]); i++)
		icmp6_by_type[icmp6_foreign[i].type] = pkt_proto_by_name(icmp6_foreign[i].name);
	icmp6_by_type[1] = &icmp6_dest_unreach;
	icmp6_by_type[2] = &icmp6_packet_too_big;
	icmp6_by_type[3] = &icmp6_time_exceeded;
	icmp6_by_type[4] = &icmp6_param_problem;
	icmp6_by_type[128] = &icmp6_echo_request;
	icmp6_by_type[129] = &icmp6_echo_reply;
}

static const struct pkt_proto *icmp6_select(const uint8_t *p, size_t n)
{
	const struct pkt_proto *q, *r;

	if (n < 1)
		return NULL;
	pthread_once(&icmp6_once, icmp6_table_fill);
	q = icmp6_by_type[p[0]];
	if (!q)
		return NULL; /* unknown type: the generic message */
	/* One more step for descriptors that choose a version themselves
	 * (MLD queries: v1 or v2 by length). */
	if (q->select && q->select != icmp6_select) {
		r = q->select(p, n);
		if (r)
			q = r;
	}
	return q;
}

const struct pkt_proto *const pkt_mod_icmp6[] = {
	&icmp6_generic,	      &icmp6_dest_unreach, &icmp6_packet_too_big,
	&icmp6_time_exceeded, &icmp6_param_problem, &icmp6_echo_request,
	&icmp6_echo_reply,    NULL,
};
