/*
 * Growable write buffer for building frames. Writers append or patch at an
 * offset; an allocation failure is remembered and reported once at the end,
 * so builders can write straight-line code and check pkt_wbuf_error() once.
 */
#ifndef V6LAB_PKT_WBUF_H
#define V6LAB_PKT_WBUF_H

#include <stddef.h>
#include <stdint.h>

#define PKT_WBUF_MAX (256u * 1024u)

struct pkt_wbuf {
	uint8_t *b;
	size_t len;
	size_t cap;
	int err;
};

void pkt_wbuf_init(struct pkt_wbuf *w);
void pkt_wbuf_free(struct pkt_wbuf *w);
void pkt_wbuf_reset(struct pkt_wbuf *w);
/* Appends n bytes (zeros when p is NULL); returns the offset written or -1. */
long pkt_wbuf_put(struct pkt_wbuf *w, const void *p, size_t n);
int pkt_wbuf_put_u8(struct pkt_wbuf *w, uint8_t v);
int pkt_wbuf_put_u16(struct pkt_wbuf *w, uint16_t v);
int pkt_wbuf_put_u32(struct pkt_wbuf *w, uint32_t v);
/* Patches bytes already written; fails with -ERANGE outside [0, len). */
int pkt_wbuf_set_u8(struct pkt_wbuf *w, size_t off, uint8_t v);
int pkt_wbuf_set_u16(struct pkt_wbuf *w, size_t off, uint16_t v);
int pkt_wbuf_error(const struct pkt_wbuf *w);

#endif
