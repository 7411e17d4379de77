/*
 * IP fragmentation and reassembly, IPv6 (RFC 8200 §4.5) and IPv4 (RFC 791).
 * Fragmenting takes a built packet (IP header first, no link layer) and
 * fills a list of fragments the caller frees. Reassembly keeps fragments in a
 * context keyed by source, destination and identification (and protocol for
 * IPv4); the caller passes the time with every call, so the clock is the
 * caller's. Overlapping fragments discard their whole datagram (RFC 5722),
 * atomic fragments come back at once (RFC 6946), incomplete datagrams time
 * out and are reported, and the memory held is bounded.
 */
#ifndef V6LAB_PKT_REASM_H
#define V6LAB_PKT_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wbuf.h"

/* ---- fragmentation ---- */

struct pkt_frag_opts {
	uint32_t mtu;	       /* largest fragment, IP header included; 0: none */
	uint32_t size;	       /* bytes of the fragmentable part per fragment, a
				* multiple of 8; 0: as many as fit in mtu */
	const uint32_t *sizes; /* per-fragment sizes, the last one repeating;
				* used instead of size when nsizes > 0 */
	size_t nsizes;
	uint32_t id;	       /* Identification: IPv6 always, IPv4 with set_id */
	bool set_id;	       /* IPv4: replace the header's Identification */
};

/* Fragments in wire order; each is a whole IP packet. */
struct pkt_fraglist {
	struct pkt_wbuf *v;
	size_t n;
	size_t cap;
};

void pkt_fraglist_init(struct pkt_fraglist *l);
void pkt_fraglist_free(struct pkt_fraglist *l);

/*
 * Splits an IPv6 packet (40 + Payload Length bytes of pkt are used) into
 * fragments. The unfragmentable part is the IPv6 header and the extension
 * headers up to and including the last Hop-by-Hop or Routing header (a
 * Destination Options header before a Routing header is part of it); the
 * Fragment header follows it. A packet whose fragmentable part fits in one
 * fragment gives one atomic fragment. -EINVAL: not an IPv6 packet, already a
 * fragment, a jumbogram, or a size that is not a multiple of 8; -EMSGSIZE:
 * the MTU leaves no room for 8 bytes of data or a size exceeds it. out is
 * emptied first and left empty on error.
 */
int pkt_fragment_ipv6(const uint8_t *pkt, size_t len, const struct pkt_frag_opts *o,
		      struct pkt_fraglist *out);

/*
 * Splits an IPv4 packet (Total Length bytes are used). Options with the copy
 * flag go into every fragment, the others into the first only. A fragment
 * can be split again: offsets add up and the last piece keeps the original
 * More Fragments bit. A packet that needs no split comes back as one copy.
 * -EMSGSIZE when it must be split but Don't Fragment is set.
 */
int pkt_fragment_ipv4(const uint8_t *pkt, size_t len, const struct pkt_frag_opts *o,
		      struct pkt_fraglist *out);

/* ---- reassembly ---- */

struct pkt_reasm_limits {
	uint64_t timeout_ms;  /* from the first-arriving fragment; 0: 60000 */
	size_t max_bytes;     /* fragment bytes held, as received; 0: 4 MiB */
	uint32_t max_queues;  /* datagrams in progress; 0: 1024 */
};

struct pkt_reasm_stats {
	uint64_t frags;	       /* fragments handed in (atomic ones included) */
	uint64_t reassembled;  /* datagrams completed */
	uint64_t atomic;       /* atomic fragments returned at once */
	uint64_t dup;	       /* exact duplicates dropped, datagram kept */
	uint64_t overlap;      /* datagrams discarded for overlapping fragments */
	uint64_t inconsistent; /* datagrams discarded for disagreeing on their end */
	uint64_t after_drop;   /* fragments of a discarded datagram dropped */
	uint64_t timeouts;     /* datagrams abandoned at the timeout */
	uint64_t evicted;      /* datagrams dropped to stay within the limits */
	uint64_t bad_len;      /* non-last fragments not a multiple of 8 bytes */
	uint64_t too_big;      /* fragments reassembling past 65535 bytes */
	uint64_t malformed;    /* packets not readable as IP or as a fragment */
	uint64_t nomem;	       /* fragments dropped for lack of memory */
};

enum pkt_reasm_status {
	PKT_REASM_HELD,	    /* kept; its datagram is not complete yet */
	PKT_REASM_DONE,	    /* out holds the reassembled packet */
	PKT_REASM_ATOMIC,   /* atomic fragment: out holds it without its
			     * Fragment header, other queues untouched */
	PKT_REASM_NOT_FRAG, /* not a fragment: nothing done, out untouched */
	PKT_REASM_DROPPED,  /* discarded: see the info */
};

struct pkt_reasm_info {
	const char *why;   /* DROPPED: the reason */
	int32_t param_ptr; /* IPv6 drops that RFC 8200 answers with a Parameter
			    * Problem code 0: the byte it points at; else -1 */
	uint32_t nfrags;   /* DONE: fragments the datagram was made of */
};

/* A datagram abandoned at the timeout. */
struct pkt_reasm_timeout {
	uint8_t family;	      /* 4 or 6 */
	uint8_t proto;	      /* IPv4 Protocol (0 for IPv6) */
	uint32_t id;
	uint8_t src[16];      /* IPv4 addresses in the first 4 bytes */
	uint8_t dst[16];
	uint64_t since_ms;    /* arrival of its first-arriving fragment */
	uint32_t nfrags;
	bool have_first;      /* the offset-0 fragment had arrived: only then do
			       * RFC 8200 and RFC 792 send Time Exceeded code 1 */
	const uint8_t *first; /* that fragment as received, valid during the
			       * callback only (to quote it in the error) */
	size_t first_len;
};

typedef void (*pkt_reasm_timeout_fn)(void *arg, const struct pkt_reasm_timeout *t);

struct pkt_reasm;

/* NULL limits, or zero members, take the defaults. NULL on no memory. */
struct pkt_reasm *pkt_reasm_new(const struct pkt_reasm_limits *lim);
void pkt_reasm_free(struct pkt_reasm *r);
/* Called for each datagram that times out, from add() or expire(). */
void pkt_reasm_on_timeout(struct pkt_reasm *r, pkt_reasm_timeout_fn fn, void *arg);

/*
 * Hands in one IP packet (IPv4 or IPv6, no link layer) received at now_ms.
 * Times out expired datagrams first. On DONE and ATOMIC the packet is written
 * to out (reset first); info (may be NULL) says why a fragment was dropped.
 */
enum pkt_reasm_status pkt_reasm_add(struct pkt_reasm *r, const uint8_t *pkt, size_t len,
				    uint64_t now_ms, struct pkt_wbuf *out,
				    struct pkt_reasm_info *info);
/* Abandons the datagrams older than the timeout and reports each; returns
 * how many. Datagrams already discarded are forgotten silently. */
size_t pkt_reasm_expire(struct pkt_reasm *r, uint64_t now_ms);

const struct pkt_reasm_stats *pkt_reasm_stats(const struct pkt_reasm *r);
/* Current use: datagrams in progress (discarded ones still remembered
 * included) and fragment bytes held. */
size_t pkt_reasm_queues(const struct pkt_reasm *r);
size_t pkt_reasm_bytes(const struct pkt_reasm *r);

#endif
