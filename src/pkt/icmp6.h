/*
 * What every ICMPv6 message module (icmp6.c, nd.c, mld.c, mip6icmp.c)
 * shares: the protocol number, the three fields each message starts with,
 * and the checksum hook.
 */
#ifndef V6LAB_PKT_ICMP6_H
#define V6LAB_PKT_ICMP6_H

#include "proto.h"

#define PKT_ICMP6_PROTO 58

/* Type (default t), Code and Checksum. */
#define PKT_ICMP6_HEAD(t)                                                      \
	{ "type", PKT_FT_UINT, 0, 0, 8, (t) },                                 \
	{ "code", PKT_FT_UINT, 0, 8, 8, 0 },                                   \
	{ "cksum", PKT_FT_UINT, PKT_FF_AUTO | PKT_FF_HEX | PKT_FF_CSUM, 16, 16, 0 }

/* Checksum hook: the pseudo-header and the message (RFC 4443 §2.3). */
int pkt_icmp6_csum(const struct pkt_dec *d, int idx, uint16_t *out);

#endif
