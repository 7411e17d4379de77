/*
 * The user-space data plane of mip6d, for a kernel without MIPv6, ip6_tunnel
 * or ESP6 support:
 *  - a TUN device: packets the kernel routes to it (to a home address at the
 *    HA, from the home address at the MN, to a bound home address at a CN)
 *    come up to the daemon; packets the daemon writes go into the kernel as
 *    if received on it;
 *  - a raw IPPROTO_IPV6 (41) socket: the tunnelled packets (its payload is
 *    the inner packet);
 *  - a raw IPPROTO_RAW socket: sends whole IPv6 packets built here (BU with
 *    a Home Address option, BA and data with a type 2 routing header,
 *    tunnel packets);
 *  - NFQUEUE in prerouting (an nftables table of its own): every Mobility
 *    Header packet and every packet with a Destination Options header or a
 *    type 2 routing header comes to the daemon before the kernel would drop
 *    it; the daemon drops it (signalling it consumed), accepts it unchanged,
 *    or accepts a rewritten packet.
 * The rewrite functions are pure (bytes in, bytes out) so tests and the
 * fuzzer can drive them.
 */
#ifndef V6LAB_M6_DP_H
#define V6LAB_M6_DP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mconf.h"

struct nfq_handle;
struct nfq_q_handle;

struct m6_dp_conf {
	const char *tun_name;	/* NULL: no TUN */
	bool want_41;		/* open the tunnel socket */
	bool want_nfq;		/* queue MH / dst-opts / RH2 packets */
	uint16_t queue;		/* NFQUEUE number */
	unsigned tun_mtu;	/* 0: M6_DP_TUN_MTU */
};

/* Room on a 1500-byte link for the 40-byte outer header of the tunnel and
 * a 24-byte Home Address option or type 2 routing header. */
#define M6_DP_TUN_MTU 1436

struct m6_dp {
	int tun_fd, tun_ifindex;
	char tun_name[M6_IFNAMSIZ];
	int fd41;		/* -1 when not opened */
	int raw_fd;
	int nfq_fd;
	struct nfq_handle *nfq;
	struct nfq_q_handle *qh;
	uint16_t queue;
	char nft_table[32];	/* "" when no table was made */
	/* the packet being handled by m6_dp_nfq_dispatch's callback */
	void *cb_ctx;
	int (*cb)(void *ctx, const uint8_t *pkt, size_t len, int ifindex, uint8_t *out,
		  size_t cap, size_t *outlen);
	/* kept by dp.c */
	int nft_fd;		/* the nfnetlink socket owning the table, or -1 */
	uint8_t *buf;		/* NFQUEUE receive and mangle buffers */
	uint64_t nfq_pkts;	/* packets given to cb */
	uint64_t nfq_cb_errors;	/* cb returned < 0 (the packet was dropped) */
	uint64_t nfq_overruns;	/* the queue socket overflowed (packets lost) */
};

/* Verdicts of the NFQUEUE callback. */
#define M6_NF_ACCEPT 0	/* let the kernel have the packet unchanged */
#define M6_NF_DROP 1	/* consumed (or refused) */
#define M6_NF_MANGLE 2	/* accept out[0..outlen) instead */

/* Opens what c asks for (in the current network namespace). Errors with a
 * message naming the missing piece (TUN, nftables, NFQUEUE). The raw send
 * socket is always opened. dp must stay where it is until m6_dp_close (the
 * queue keeps its address); on failure everything opened is closed again. */
int m6_dp_open(struct m6_dp *dp, const struct m6_dp_conf *c, char *err, size_t errlen);
/* Closes everything and removes the nftables table. */
void m6_dp_close(struct m6_dp *dp);

/* Sends a whole IPv6 packet (IPPROTO_RAW; the kernel routes on its
 * destination). Returns 0 or a negative errno; -EINVAL for a link-local
 * (or link-scope multicast) destination, which needs m6_dp_send_if. */
int m6_dp_send(struct m6_dp *dp, const uint8_t *pkt, size_t len);
/* The same through link ifindex (0: as m6_dp_send): the scope of a
 * link-local destination, and the output link for any other. */
int m6_dp_send_if(struct m6_dp *dp, const uint8_t *pkt, size_t len, int ifindex);
ssize_t m6_dp_tun_read(struct m6_dp *dp, uint8_t *buf, size_t cap);
int m6_dp_tun_write(struct m6_dp *dp, const uint8_t *pkt, size_t len);
/* One tunnelled packet: the inner packet to buf, the outer addresses out. */
ssize_t m6_dp_recv41(struct m6_dp *dp, uint8_t *buf, size_t cap, struct in6_addr *outer_src,
		     struct in6_addr *outer_dst);
/* Handles the packets waiting on nfq_fd through cb (set dp->cb/cb_ctx):
 * cb returns an M6_NF_* verdict, or a negative errno (the packet is then
 * dropped and counted); no cb accepts everything. Returns 0 or a negative
 * errno for a broken queue socket. */
int m6_dp_nfq_dispatch(struct m6_dp *dp);

/* ---- pure rewrites (pkt starts at the IPv6 header) ----
 * They write to out (never overlapping pkt), fix the Payload Length and the
 * Next Header chain, leave upper-layer checksums alone (RFC 6275 computes
 * them with the home address, which is what each rewrite moves), and
 * return 0, -EINVAL (malformed, or a refused address), -ENOENT (no HAO /
 * RH2 to take out), -EEXIST (one already there), -ENOSPC (cap too small) or
 * -EMSGSIZE (payload past 65535). coa / hoa outputs may be NULL. */

/* Where a packet's parts are: the offset and type of the upper layer after
 * the extension headers, and the Home Address option / type 2 routing
 * header when present. -EINVAL when the chain is malformed or cut. */
struct m6_pkt_info {
	struct in6_addr src, dst;
	uint8_t upper;		/* next header value of the upper layer (e.g. 135, 58, 17) */
	size_t upper_off;
	bool has_hao;
	size_t hao_off;		/* offset of the option's address */
	size_t dstopt_off, dstopt_len; /* the Destination Options header holding it */
	bool has_rh2;
	size_t rh2_off;		/* offset of the routing header */
	uint8_t rh2_segleft;
};
int m6_pkt_info(const uint8_t *pkt, size_t len, struct m6_pkt_info *pi);

/* CN/HA receiving: source := the HAO's home address, the option removed
 * (the whole header when it held only the HAO and padding). *coa gets the
 * packet's original source. */
int m6_pkt_hao_in(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  struct in6_addr *coa, struct in6_addr *hoa);
/* MN sending: a packet from hoa leaves from coa with a Home Address option
 * carrying hoa, placed as RFC 6275 §6.3 says (after a routing header,
 * before a Fragment header / AH / ESP / upper layer). */
int m6_pkt_hao_out(const uint8_t *pkt, size_t len, const struct in6_addr *coa, uint8_t *out,
		   size_t cap, size_t *outlen);
/* CN/HA sending to a home address: destination := coa, a type 2 routing
 * header with the home address (segments left 1) after any Hop-by-Hop. */
int m6_pkt_rh2_out(const uint8_t *pkt, size_t len, const struct in6_addr *coa, uint8_t *out,
		   size_t cap, size_t *outlen);
/* MN receiving: the RH2's address becomes the destination, the header goes.
 * -EINVAL unless segments left is 1. *hoa gets the address. */
int m6_pkt_rh2_in(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  struct in6_addr *hoa);
/* IPv6-in-IPv6: an outer header (src, dst, next header 41, hop limit 64). */
int m6_pkt_encap(const uint8_t *inner, size_t len, const struct in6_addr *src,
		 const struct in6_addr *dst, uint8_t *out, size_t cap, size_t *outlen);

#endif
