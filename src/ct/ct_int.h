/*
 * What the files of libct share among themselves and nobody else: the keyed
 * hash, the IP layer parser, the ICMP type pairs, the module table, the FTP
 * helper and the expectation calls it makes. Not installed, not a contract.
 */
#ifndef V6LAB_CT_INT_H
#define V6LAB_CT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l4.h"

/* ---- siphash.c ---- */

/* SipHash-2-4 of n bytes under a 128-bit key. */
uint64_t ct_siphash(const uint64_t key[2], const uint8_t *p, size_t n);

/* ---- l3.c ---- */

enum ct_l3_res {
	CT_L3_OK,      /* p describes the packet */
	CT_L3_FRAG,    /* a fragment: p->b/p->len are the IP packet to reassemble */
	CT_L3_INVALID, /* malformed: *why */
	CT_L3_NOTIP,   /* neither IPv4 nor IPv6 */
};

/* Reads the IP layer of b: header checks, IPv6 extension headers skipped
 * to the upper layer. Fills p (zeroed first) but for now/zone. */
enum ct_l3_res ct_l3_parse(const uint8_t *b, size_t len, bool csum, struct ct_pkt *p,
			   const char **why);

/* Whether n bytes sum to all ones (a checksum without pseudo-header). */
bool ct_csum_ok(const uint8_t *p, size_t n);

/* Where an IPv6 extension header chain leads. */
struct ct_ip6_walk {
	uint8_t nh;		  /* upper-layer protocol (59: none) */
	size_t off;		  /* its offset */
	bool frag;		  /* a Fragment header was met */
	uint16_t fragoff;	  /* its offset, in 8-byte units */
	const uint8_t *final_dst; /* routing header with segments left */
};

/* Walks the extension headers of the IPv6 packet b (len bytes, the header
 * included). An outer packet stops at its Fragment header; a quoted one
 * (inside an ICMPv6 error, maybe cut short) goes on past a first fragment's
 * and refuses a later fragment. 0, or -1 with *why. */
int ct_ip6_walk(const uint8_t *b, size_t len, bool quoted, struct ct_ip6_walk *w,
		const char **why);

/* ---- icmp.c ---- */

/* The type answering an ICMP (l3 4) or ICMPv6 (l3 6) query or reply type,
 * both ways (echo request <-> reply ...); false for other types. */
bool ct_icmp_pair(uint8_t l3, uint8_t type, uint8_t *other);
/* Whether proto carries ICMP for that IP version. */
static inline bool ct_is_icmp(uint8_t l3, uint8_t proto)
{
	return (l3 == 4 && proto == 1) || (l3 == 6 && proto == 58);
}

/* ---- table.c ---- */

/* The module tracking protocol proto (generic when none). */
const struct ct_l4proto *ct_l4_find(const struct ct_table *t, uint8_t proto);
/* Adds an expectation for master (replacing the one it had: FTP expects one
 * data connection at a time). 0, or -ENOSPC when the table of expectations
 * is full. */
int ct_expect_add(struct ct_table *t, const struct ct_tuple *tu, const struct ct_entry *master,
		  uint8_t helper, uint32_t timeout);

/* ---- ftp.c ---- */

/* Looks at a packet of an FTP control connection (after the TCP module
 * accepted it) for the commands and replies announcing a data connection. */
void ct_ftp_help(struct ct_table *t, const struct ct_entry *e, const struct ct_pkt *p,
		 enum ct_dir dir, enum ct_info info);

#define CT_FTP_PORT 21
#define CT_FTP_EXPECT_TIMEOUT 300

/* ---- format.c ---- */

/* The name conntrack-tools prints for an IP protocol ("unknown" for most). */
const char *ct_proto_name(uint8_t proto);

#endif
