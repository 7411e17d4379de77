/*
 * The interface between the table (table.c) and the protocol modules
 * (l3.c for IPv4/IPv6; udp.c, icmp.c, tcp.c, generic.c for L4). The table
 * parses the IP layer, asks the L4 module for the tuple, looks the tuple up,
 * and hands the packet to the module's create()/packet() to move its state.
 */
#ifndef V6LAB_CT_L4_H
#define V6LAB_CT_L4_H

#include "ct.h"

/* A packet as the modules see it: offsets into the caller's bytes. */
struct ct_pkt {
	const uint8_t *b; /* from the IP header */
	size_t len;	  /* IP packet length (bounded by the IP header's own length) */
	uint8_t l3;	  /* 4 or 6 */
	uint8_t proto;	  /* L4 protocol after the extension headers */
	size_t l4off;	  /* L4 header offset in b */
	size_t l4len;	  /* bytes from l4off to the end of the IP payload */
	uint64_t now;
	uint16_t zone;
	const uint8_t *final_dst; /* IPv6 with a routing header still to be
				   * followed: the final destination (16
				   * bytes) for pseudo-header checksums; else NULL */
	struct ct_tuple t; /* filled by the table (zeroed, then addresses, l3,
			    * proto, zone) and the L4 module */
};

/* packet() leaves the timeout as it is when it does not set *timeout. */
#define CT_TIMEOUT_KEEP UINT32_MAX

struct ct_table;

struct ct_l4proto {
	uint8_t proto; /* IP protocol; 0 for the generic module */
	const char *name; /* "tcp", "udp", "icmp", "ipv6-icmp", "unknown" */
	/* Completes pkt->t from the L4 header (ports, ICMP id/type/code).
	 * 0, or -1 with *why for a packet that is INVALID, or 1 (with *why)
	 * for one that is not tracked (CT_UNTRACKED: ND and MLD). */
	int (*tuple)(struct ct_pkt *p, const char **why);
	/* The reply direction's tuple (ICMP echo request -> reply ...); return
	 * false when the packet cannot start a connection in that way. */
	bool (*invert)(const struct ct_tuple *orig, struct ct_tuple *reply);
	/* Called for the first packet of a new connection, entry zeroed but for
	 * its tuple. Returns 0 to create it, -1 (with *why) when the packet
	 * may not create one (it is then INVALID). */
	int (*create)(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
		      const char **why);
	/* Moves the state for a packet of an existing (or just created) entry
	 * in direction dir; sets *timeout (seconds; CT_TIMEOUT_KEEP when
	 * called). Returns CT_NEW, CT_ESTABLISHED or CT_INVALID (with *why;
	 * the entry is kept); for accepted packets the table decides NEW /
	 * ESTABLISHED / RELATED from the direction and status as Linux does,
	 * and *why, if set, is passed on as a note. It may set CT_S_ASSURED
	 * (the table sets CT_S_SEEN_REPLY after it returns) and ask for the
	 * entry's deletion with *kill = true: with CT_INVALID the packet is
	 * INVALID; otherwise it is accepted and the entry deleted after it
	 * (a RST before any reply), and with CT_NEW the packet is then tried
	 * as the first of a new connection (a SYN reopening a closed one, as
	 * Linux's NF_REPEAT); when that cannot create one the packet stays
	 * accepted without an entry. */
	enum ct_info (*packet)(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
			       enum ct_dir dir, uint32_t *timeout, bool *kill, const char **why);
	/* Called before tuple() when set. ICMP errors: finds the quoted
	 * connection; returns its entry (RELATED, *dir the direction of the
	 * error) or NULL with *why (INVALID, counted as error). NULL with
	 * *why left NULL: not an error message, track it normally. Only the
	 * icmp modules implement it. */
	struct ct_entry *(*error)(struct ct_table *t, const struct ct_pkt *p, enum ct_dir *dir,
				  const char **why);
	/* Prints protocol fields for conntrack -L ("SYN_SENT " for tcp). */
	int (*print_state)(const struct ct_entry *e, char *out, size_t n);
};

extern const struct ct_l4proto ct_l4_tcp, ct_l4_udp, ct_l4_udplite, ct_l4_icmp, ct_l4_icmpv6,
	ct_l4_generic;

/* For the modules: the configuration and timeouts of the table. */
const struct ct_config *ct_table_config(const struct ct_table *t);
/* For the icmp module: looks up a tuple (any zone given in it); entries
 * past their timeout are not found. */
struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tu, enum ct_dir *dir);
/* Whether the checksum of the len bytes at l4off, with the IPv4/IPv6
 * pseudo-header for p->proto, is right; always true when the table's
 * configuration does not ask for checksums. */
bool ct_pkt_csum_ok(const struct ct_table *t, const struct ct_pkt *p, size_t len);

#endif
