/*
 * What the connection tracking fuzz targets share: a reader over the input
 * bytes, a builder of well-formed IPv4/IPv6 packets (TCP, UDP, ICMP
 * queries and errors quoting another packet, other protocols) with right
 * lengths and checksums so mutated inputs keep reaching the state machines,
 * a fragmenter, and a dictionary writer for run-all.
 */
#ifndef V6LAB_FUZZ_CTUTIL_H
#define V6LAB_FUZZ_CTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- reading the input ---- */

struct fz_rd {
	const uint8_t *p;
	size_t n;
};

/* These return 0 once the input is used up. */
uint8_t fz_u8(struct fz_rd *r);
uint16_t fz_u16(struct fz_rd *r);
uint32_t fz_u32(struct fz_rd *r);
/* Takes up to n bytes (fewer when the input ends); returns how many. */
size_t fz_take(struct fz_rd *r, size_t n, const uint8_t **out);

/* ---- building packets ---- */

#define FZ_PKT_MAX 4096

/* Four documentation addresses of each version (index 0..3). */
const uint8_t *fz_addr(uint8_t l3, unsigned idx);

struct fz_pkt {
	uint8_t l3;    /* 4 or 6 */
	uint8_t proto; /* IP protocol of the upper layer */
	const uint8_t *src, *dst;
	uint16_t sport, dport; /* ports; the ICMP identifier in sport */
	uint8_t type, code;    /* ICMP, ICMPv6 */
	uint8_t tcpflags;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t tcpopts; /* FZ_TO_* */
	uint8_t wscale;
	bool ext;	 /* IPv6: Hop-by-Hop and Destination Options; IPv4: an option */
	bool bad_csum;	 /* upper-layer checksum off by one */
	const uint8_t *payload; /* for ICMP errors: the quoted packet */
	size_t paylen;
};

#define FZ_TO_MSS 0x01
#define FZ_TO_WSCALE 0x02
#define FZ_TO_SACKPERM 0x04
#define FZ_TO_TSTAMP 0x08
#define FZ_TO_SACK 0x10 /* one SACK block past the acknowledgment */

/* Writes the packet into out (cap bytes); returns its length, or 0 when it
 * does not fit. */
size_t fz_pkt_build(const struct fz_pkt *p, uint8_t *out, size_t cap);

/* Fragment `which` (0: the first, 1: the rest) of the packet pkt split at
 * byte `at` of its payload (rounded down to 8, at least 8); returns its
 * length in out, or 0 when the packet is too short to split. IPv4 uses
 * the header's fields; IPv6 inserts a Fragment header after the fixed
 * header. */
size_t fz_frag(const uint8_t *pkt, size_t len, size_t at, int which, uint32_t id, uint8_t *out,
	       size_t cap);

/* Reads a packet description from r and builds it. The description:
 *   b0: bit 0 IPv6; bits 1-3 tcp, udp, ICMP query, ICMP error, udplite,
 *       sctp, gre, a protocol by number; bit 4 extension headers (IPv4: an
 *       option); bit 5 a bad checksum; bits 6-7 fragmentation (0 none, 1
 *       two fragments in order, 2 reversed, 3 the first only)
 *   b1: bits 0-1 source, 2-3 destination (fz_addr), 4-5 and 6-7 the source
 *       and destination ports: 21, 20, 40000, or 16 bits that follow
 *   then for tcp: flags, seq (32), ack (32), window (16), options (low
 *       nibble FZ_TO_*, all four adding a SACK block; high nibble the window
 *       scale); ICMP query: a type pick (>= 0xf0: a type byte follows), the
 *       identifier (16); ICMP error: a type pick, the code, a length cut of
 *       the quote in 4-byte units (0: none), and the quoted packet described
 *       by the bytes after (two levels at most); a protocol by number: it
 *   then, when fragmented, the split point in 8-byte units
 *   and the rest as payload.
 * Returns the length, 0 when nothing could be built; *frag and *fragat get
 * the fragmentation and the split point. */
size_t fz_pkt_read(struct fz_rd *r, uint8_t *out, size_t cap, int *frag, size_t *fragat);

/* ---- dictionaries ---- */

/* When V6LAB_FUZZ_DICT names a file: writes the NULL-terminated words to it
 * in libFuzzer's dictionary format and exits. */
void fz_ctdict_maybe_write(const char *const *words);

#endif
