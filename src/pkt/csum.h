/*
 * Internet checksums (RFC 1071) and the pseudo-headers of RFC 8200 §8.1 and
 * RFC 768/793 for IPv4. For IPv6 the destination in the pseudo-header is the
 * final destination: the last address of a type 0/2 routing header, or
 * segment 0 of an SRH, when such a header still has segments left.
 */
#ifndef V6LAB_PKT_CSUM_H
#define V6LAB_PKT_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t pkt_csum_fold(uint32_t sum);
/* Adds the pseudo-header for layer idx (carried as protocol `proto`, with
 * upper-layer length len) found from the nearest IP layer before it.
 * -ENOENT when no IP layer encloses it. */
int pkt_csum_pseudo(const struct pkt_dec *d, int idx, uint8_t proto, uint32_t len,
		    uint32_t *sum);
/* Checksum for an upper layer at idx covering [off, end) with the 16-bit
 * field at byte cksum_at (from the layer start) taken as zero. */
int pkt_csum_upper(const struct pkt_dec *d, int idx, uint8_t proto,
		   uint32_t cksum_at, uint16_t *out);
/* Checksum of a header alone (IPv4), field at cksum_at taken as zero. */
uint16_t pkt_csum_header(const uint8_t *p, size_t n, uint32_t cksum_at);
/* Final destination of the IPv6 header at ip_idx as seen by layer idx. */
int pkt_csum_final_dst(const struct pkt_dec *d, int ip_idx, int idx, uint8_t dst[16]);
/* Checks the checksum of layer idx if its protocol has one: 1 good, 0 bad,
 * -ENOENT when the protocol carries none, -ENODATA when the layer is short. */
int pkt_csum_verify(const struct pkt_dec *d, int idx);

#endif
