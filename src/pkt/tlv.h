/*
 * Type-length-value framing shared by the option families: IPv4 and TCP
 * options, IPv6 options, SRH TLVs, mobility options, ND options and MLDv2
 * address records. A family describes how its items are framed in a
 * struct pkt_tlv_fmt and measures one with pkt_tlv_len(), which checks every
 * length against the bytes left before anything reads the item's body. Also
 * the padding and fix hooks several families have in common, and the framing
 * of the IPv6 extension headers that hold options or addresses.
 */
#ifndef V6LAB_PKT_TLV_H
#define V6LAB_PKT_TLV_H

#include "build.h"
#include "proto.h"

/* Type t (0..31) as a bit of pkt_tlv_fmt.pad1 or .rest. */
#define PKT_TLV_TYPE(t) (1u << (t))

/* A length field of an item: `size` bytes (1 or 2, big endian) at byte `off`,
 * counting units of `unit` bytes. */
struct pkt_tlv_lenf {
	uint8_t off;
	uint8_t size; /* 0: no such field */
	uint8_t unit;
};

#define PKT_TLV_LEN8(off, unit) { (off), 1, (unit) }
#define PKT_TLV_LEN16(off, unit) { (off), 2, (unit) }

struct pkt_tlv_fmt {
	uint32_t pad1;	   /* types that are one byte alone (Pad1, NOP) */
	uint32_t rest;	   /* types that run to the end of the area (TCP EOL) */
	uint8_t head;	   /* bytes before the body, length fields included:
			    * 2 for a plain type and length */
	uint8_t incl_head; /* the length fields count the head too */
	uint8_t min;	   /* smallest whole item, in bytes */
	struct pkt_tlv_lenf len[2]; /* the item is head (unless incl_head) plus
				     * the sum of these */
	const char *why_short; /* the head is cut off */
	const char *why_min;   /* the item is shorter than min */
	const char *why_long;  /* the item runs past the area */
};

/*
 * Length in bytes of the item at c (type byte first), at most the bytes
 * left; or -ENODATA (cut short) or -EINVAL (below the minimum) with the
 * reason in *why. Fits struct pkt_optfam's optlen hook.
 */
int pkt_tlv_len(const struct pkt_cur *c, const struct pkt_tlv_fmt *fmt, const char **why);

/* For the parse hook of an option of one size: malformed with `why` unless
 * layer idx is exactly its descriptor's min_len. Returns 0 or -EINVAL. */
int pkt_tlv_exact(const struct pkt_dec *d, int idx, struct pkt_next *nx, const char *why);

/* Pad hooks: zero bytes (End of Option List, IPv4 and TCP); Pad1 and PadN
 * with the IPv6 type numbers 0 and 1 (IPv6 and mobility options); and the
 * same with another PadN type (SRH TLVs). */
int pkt_tlv_pad_zero(uint8_t *dst, size_t n);
int pkt_tlv_pad_ip6(uint8_t *dst, size_t n);
int pkt_tlv_pad_padn(uint8_t *dst, size_t n, uint8_t padn_type);

/* Fix hooks for the field "len": the whole item in bytes (IPv4, TCP
 * options); the bytes after type and length (IPv6, SRH and mobility
 * options); 8-octet units after the first 8 (Hop-by-Hop, Destination
 * Options and Routing headers). */
int pkt_tlv_fix_len(struct pkt_build *b, int idx);
int pkt_tlv_fix_datalen(struct pkt_build *b, int idx);
int pkt_tlv_fix_len8(struct pkt_build *b, int idx);

/*
 * Framing of an IPv6 extension header whose Hdr Ext Len counts 8-octet units
 * after the first 8 (Hop-by-Hop, Destination Options, Routing): sets
 * nx->len, next and payload_raw. Returns 0 when the header is whole, 1 when
 * it is cut short inside a partial packet (nx->len is what is there,
 * nx->truncated set, nothing follows), or -EINVAL with short_why (fewer than
 * 8 bytes) or long_why (longer than the payload) in nx->why.
 */
int pkt_tlv_ext_frame(const struct pkt_dec *d, const struct pkt_cur *c, struct pkt_next *nx,
		      const char *short_why, const char *long_why);

#endif
