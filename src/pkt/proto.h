/*
 * Protocol descriptors. Every header and every option v6lab knows is one
 * `struct pkt_proto`: a name in the packet notation, a table of fields at
 * fixed bit positions, and a few hooks for what a table cannot say (how long
 * the header is, what follows it, which fields the encoder fills in). Decode,
 * encode, field access, printing and pattern matching are all driven by these
 * tables, so a new header is one descriptor and its tests.
 */
#ifndef V6LAB_PKT_PROTO_H
#define V6LAB_PKT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cur.h"

enum pkt_ftype {
	PKT_FT_UINT,	/* unsigned integer of 1..64 bits, big endian */
	PKT_FT_MAC,	/* 48-bit link-layer address */
	PKT_FT_IP4,	/* 32-bit IPv4 address */
	PKT_FT_IP6,	/* 128-bit IPv6 address */
	PKT_FT_BYTES,	/* opaque bytes; with PKT_FF_TAIL runs to the layer end */
	PKT_FT_IP6LIST, /* IPv6 addresses from bitoff to the layer end */
};

#define PKT_FF_AUTO 0x01 /* the encoder computes it unless the caller sets it */
#define PKT_FF_HEX 0x02	 /* printed in hexadecimal */
#define PKT_FF_TAIL 0x04 /* variable part: from bitoff to the end of the layer */
#define PKT_FF_NH 0x08	 /* auto value: IP protocol number of the next layer */
#define PKT_FF_ETYPE 0x10 /* auto value: ethertype of the next layer */
#define PKT_FF_CSUM 0x20 /* auto value: proto->csum() */

struct pkt_fdesc {
	const char *name;
	uint8_t type;	 /* enum pkt_ftype */
	uint8_t flags;	 /* PKT_FF_* */
	uint16_t bitoff; /* from the first byte of the layer */
	uint16_t bits;	 /* width; 0 for tail fields */
	uint64_t def;	 /* UINT default when building */
};

enum pkt_pkind {
	PKT_PK_HDR, /* a header in the chain */
	PKT_PK_OPT, /* an option inside the preceding header's option area */
};

/* A decoded or built layer: where it is, never a copy of its bytes. */
struct pkt_layer {
	const struct pkt_proto *proto;
	uint32_t off;	  /* first byte in the frame */
	uint32_t len;	  /* header length, options included */
	uint32_t end;	  /* end of the payload scope this layer sits in */
	uint8_t depth;	  /* 0 header, 1 option of the last header */
	uint8_t flags;	  /* PKT_LF_* */
	uint16_t optoff;  /* option area, relative to off (0 when none) */
	uint16_t optlen;
};

#define PKT_LF_TRUNC 0x01   /* layer is cut short by the capture or fragment */
#define PKT_LF_PARTIAL 0x02 /* inside a first fragment or a quoted packet: its
			     * checksum covers bytes that are not here */

#define PKT_MAX_LAYERS 64

enum pkt_result {
	PKT_OK = 0,
	PKT_MALFORMED, /* decoded up to `bad_off`, then `why` */
};

/* A frame and its layers; the frame bytes belong to the caller. */
struct pkt_dec {
	const uint8_t *buf;
	uint32_t len;
	uint16_t n;
	uint16_t nopt_total;
	uint8_t partial; /* set by the decoder once a layer said nx->partial */
	enum pkt_result res;
	uint32_t bad_off;
	const char *why;
	struct pkt_layer l[PKT_MAX_LAYERS];
};

/* What the parse hook tells the decoder. */
struct pkt_next {
	const struct pkt_proto *next; /* NULL: nothing follows (or raw payload) */
	uint32_t len;		      /* header length including options */
	uint32_t end;		      /* new payload scope end (0: unchanged) */
	uint16_t optoff, optlen;      /* option area relative to the layer */
	const char *why;	      /* set on failure; a failing parse that
					       * still sets len keeps the header */
	uint8_t payload_raw;	      /* bytes after the header are opaque */
	uint8_t partial;	      /* what follows may be cut short (a first
					       * fragment, the packet quoted in an ICMP
					       * error): a short inner header is not an error */
	uint8_t truncated;	      /* header sound but its payload cut short
					       * (allowed only when d->partial) */
};

/* A family of options (TLVs) inside a header's option area. */
struct pkt_optfam {
	const char *name;
	/* Length of the option at c (type byte first), or a negative errno. */
	int (*optlen)(const struct pkt_cur *c, const char **why);
	/* Descriptor for an option type; must return a generic one for unknowns. */
	const struct pkt_proto *(*lookup)(const uint8_t *p, size_t n);
	/* Padding for building: alignment of the area and how to pad n bytes. */
	uint8_t align;
	int (*pad)(uint8_t *dst, size_t n);
	/* Options are whole multiples of this many bytes (ND: 8): the encoder
	 * zero-pads an option's data up to it. 0: no such rule. */
	uint8_t optunit;
	/* Bytes of the containing header before the option area (for sizing). */
};

struct pkt_build;

/* Number of entries in a field table. */
#define PKT_NFIELDS(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))

/* The members every option descriptor starts with: an option is carried by
 * no IP protocol number or ethertype of its own. */
#define PKT_OPT_PROTO(nm, ttl, minlen, flds)                                   \
	.name = (nm), .title = (ttl), .kind = PKT_PK_OPT, .ipproto = -1,       \
	.ethertype = -1, .min_len = (minlen), .fields = (flds),                \
	.nfields = PKT_NFIELDS(flds)

/* The members a header descriptor starts with, for a header carried as IP
 * protocol `proto` (or -1) and by no ethertype. */
#define PKT_HDR_PROTO(nm, ttl, proto, minlen, flds)                            \
	.name = (nm), .title = (ttl), .kind = PKT_PK_HDR, .ipproto = (proto),  \
	.ethertype = -1, .min_len = (minlen), .fields = (flds),                \
	.nfields = PKT_NFIELDS(flds)

struct pkt_proto {
	const char *name;  /* notation name: "ipv6", "icmpv6.echo_request" */
	const char *title; /* human name for the verbose tree */
	uint8_t kind;	   /* enum pkt_pkind */
	int16_t ipproto;   /* IP protocol number it is carried as, or -1 */
	int32_t ethertype; /* ethertype it is carried as, or -1 */
	uint16_t min_len;  /* bytes of the fixed part */
	uint8_t entry;	   /* the descriptor to start with for its ipproto/ethertype */
	const struct pkt_fdesc *fields;
	uint8_t nfields;
	const struct pkt_optfam *opts; /* options held inside, or NULL */

	/* Picks a more specific descriptor from the first bytes (ICMPv6 type ->
	 * echo_request); NULL keeps this one. */
	const struct pkt_proto *(*select)(const uint8_t *p, size_t n);
	/* Validates the header at c (bounded by the scope end) and says how long
	 * it is and what follows. Returns 0 or a negative errno with nx->why. */
	int (*parse)(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx);
	/* Encoder: fills auto fields of layer idx after every layer is written. */
	int (*fix)(struct pkt_build *b, int idx);
	/* Internet checksum this layer should carry, computed over the frame with
	 * the checksum field taken as zero. */
	int (*csum)(const struct pkt_dec *d, int idx, uint16_t *out);
	/* One-line summary text for this layer; returns chars written. */
	int (*summary)(const struct pkt_dec *d, int idx, char *out, size_t n);
};

/* The Neighbor Discovery option family (nd.c), also used by the Mobile
 * Prefix Advertisement. */
extern const struct pkt_optfam pkt_ndopt_family;

/* Registry: by notation name, and the entry points for frames. */
const struct pkt_proto *pkt_proto_by_name(const char *name);
const struct pkt_proto *pkt_proto_by_ipproto(int ipproto);
const struct pkt_proto *pkt_proto_by_ethertype(int ethertype);
/* Iterates over every descriptor (for docs and --help). */
const struct pkt_proto *const *pkt_proto_all(size_t *n);
const struct pkt_fdesc *pkt_proto_field(const struct pkt_proto *p, const char *name);

#endif
