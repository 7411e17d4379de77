/*
 * Checked read cursor over untrusted bytes. Every getter either returns the
 * value and advances, or fails with -ENODATA and leaves the cursor where it
 * was; nothing here ever reads past `end`. Modelled on OpenBGPD's ibuf getters.
 */
#ifndef V6LAB_PKT_CUR_H
#define V6LAB_PKT_CUR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pkt_cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void pkt_cur_init(struct pkt_cur *c, const uint8_t *p, size_t n)
{
	c->p = p;
	c->end = p + n;
}

static inline size_t pkt_cur_left(const struct pkt_cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline int pkt_cur_skip(struct pkt_cur *c, size_t n)
{
	if (n > pkt_cur_left(c))
		return -ENODATA;
	c->p += n;
	return 0;
}

static inline int pkt_cur_u8(struct pkt_cur *c, uint8_t *v)
{
	if (pkt_cur_left(c) < 1)
		return -ENODATA;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static inline int pkt_cur_u16(struct pkt_cur *c, uint16_t *v)
{
	if (pkt_cur_left(c) < 2)
		return -ENODATA;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return 0;
}

static inline int pkt_cur_u32(struct pkt_cur *c, uint32_t *v)
{
	if (pkt_cur_left(c) < 4)
		return -ENODATA;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return 0;
}

static inline int pkt_cur_bytes(struct pkt_cur *c, void *dst, size_t n)
{
	if (n > pkt_cur_left(c))
		return -ENODATA;
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

/* Splits off the next n bytes as their own cursor (a TLV body). */
static inline int pkt_cur_sub(struct pkt_cur *c, size_t n, struct pkt_cur *sub)
{
	if (n > pkt_cur_left(c))
		return -ENODATA;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}

/* Peeks at byte i from the current position without moving. */
static inline int pkt_cur_peek(const struct pkt_cur *c, size_t i, uint8_t *v)
{
	if (i >= pkt_cur_left(c))
		return -ENODATA;
	*v = c->p[i];
	return 0;
}

#endif
