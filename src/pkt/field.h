/*
 * Field values: reading a field of a decoded layer, writing one into a frame
 * being built, and printing one. A field is read from the frame on demand
 * through its descriptor, so decoding never copies header contents.
 */
#ifndef V6LAB_PKT_FIELD_H
#define V6LAB_PKT_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct pkt_val {
	uint8_t type;	  /* enum pkt_ftype */
	uint64_t u;	  /* UINT */
	uint8_t a[16];	  /* MAC (6), IP4 (4), IP6 (16) */
	const uint8_t *p; /* BYTES, IP6LIST: points into the frame or the spec */
	uint32_t n;	  /* their length in bytes */
};

/* Bytes a fixed field spans from the layer start, rounded up. */
uint32_t pkt_field_span(const struct pkt_fdesc *f);
/* Reads field f of layer idx. -ENODATA when the layer is cut short. */
int pkt_field_get(const struct pkt_dec *d, int idx, const struct pkt_fdesc *f,
		  struct pkt_val *v);
/* Reads by name; -ENOENT for a name the layer's protocol does not have. */
int pkt_field_get_name(const struct pkt_dec *d, int idx, const char *name,
		       struct pkt_val *v);
/* UINT shortcut; returns dflt when absent or short. */
uint64_t pkt_field_u(const struct pkt_dec *d, int idx, const char *name, uint64_t dflt);
/* Writes a fixed field into buf (layer at layer_off). -ERANGE outside buf. */
int pkt_field_put(uint8_t *buf, size_t buflen, size_t layer_off,
		  const struct pkt_fdesc *f, const struct pkt_val *v);
/* Raw bit access, big endian, any alignment, width 1..64. */
uint64_t pkt_bits_get(const uint8_t *p, unsigned bitoff, unsigned bits);
void pkt_bits_put(uint8_t *p, unsigned bitoff, unsigned bits, uint64_t v);
/* Prints a value the way the notation writes it. */
int pkt_val_fmt(const struct pkt_fdesc *f, const struct pkt_val *v, char *out, size_t n);
/* Two values are equal (type-aware). */
bool pkt_val_eq(const struct pkt_val *a, const struct pkt_val *b);

#endif
