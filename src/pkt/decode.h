/*
 * Frame decoder: walks a frame from its first header to the end, one
 * descriptor at a time, recording where each layer and option lies. It never
 * reads outside the frame; a malformed frame keeps the layers decoded so far
 * and says why and at which byte offset decoding stopped.
 */
#ifndef V6LAB_PKT_DECODE_H
#define V6LAB_PKT_DECODE_H

#include "proto.h"

/* Decodes buf[0..len) starting with `first` (e.g. the Ethernet descriptor).
 * Returns the result also stored in d->res. */
enum pkt_result pkt_decode(struct pkt_dec *d, const uint8_t *buf, uint32_t len,
			   const struct pkt_proto *first);
/* Decodes a frame by pcap link type (DLT_EN10MB, DLT_RAW, ...). Unknown link
 * types decode as one raw layer. */
enum pkt_result pkt_decode_dlt(struct pkt_dec *d, const uint8_t *buf, uint32_t len, int dlt);
/* Index of the first layer with this notation name (or name prefix ending in
 * '.', e.g. "icmpv6."), starting at `from`; -1 when none. */
int pkt_dec_find(const struct pkt_dec *d, const char *name, int from);

extern const struct pkt_proto pkt_proto_raw;

#endif
