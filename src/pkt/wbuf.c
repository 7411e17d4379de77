/* Growable write buffer: see wbuf.h. */
#include "wbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pkt_wbuf_init(struct pkt_wbuf *w)
{
	memset(w, 0, sizeof(*w));
}

void pkt_wbuf_free(struct pkt_wbuf *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

void pkt_wbuf_reset(struct pkt_wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

static int wbuf_grow(struct pkt_wbuf *w, size_t need)
{
	size_t cap;
	uint8_t *nb;

	if (need <= w->cap)
		return 0;
	if (need > PKT_WBUF_MAX)
		return -EMSGSIZE;
	cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > PKT_WBUF_MAX)
		cap = PKT_WBUF_MAX;
	nb = realloc(w->b, cap);
	if (!nb)
		return -ENOMEM;
	w->b = nb;
	w->cap = cap;
	return 0;
}

long pkt_wbuf_put(struct pkt_wbuf *w, const void *p, size_t n)
{
	size_t off = w->len;
	int rc;

	if (w->err)
		return -1;
	if (n > PKT_WBUF_MAX - w->len) {
		w->err = -EMSGSIZE;
		return -1;
	}
	rc = wbuf_grow(w, w->len + n);
	if (rc) {
		w->err = rc;
		return -1;
	}
	if (n) {
		if (p)
			memcpy(w->b + off, p, n);
		else
			memset(w->b + off, 0, n);
	}
	w->len += n;
	return (long)off;
}

int pkt_wbuf_put_u8(struct pkt_wbuf *w, uint8_t v)
{
	return pkt_wbuf_put(w, &v, 1) < 0 ? w->err : 0;
}

int pkt_wbuf_put_u16(struct pkt_wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return pkt_wbuf_put(w, b, 2) < 0 ? w->err : 0;
}

int pkt_wbuf_put_u32(struct pkt_wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return pkt_wbuf_put(w, b, 4) < 0 ? w->err : 0;
}

int pkt_wbuf_set_u8(struct pkt_wbuf *w, size_t off, uint8_t v)
{
	if (off >= w->len)
		return -ERANGE;
	w->b[off] = v;
	return 0;
}

int pkt_wbuf_set_u16(struct pkt_wbuf *w, size_t off, uint16_t v)
{
	if (off > w->len || w->len - off < 2)
		return -ERANGE;
	w->b[off] = (uint8_t)(v >> 8);
	w->b[off + 1] = (uint8_t)v;
	return 0;
}

int pkt_wbuf_error(const struct pkt_wbuf *w)
{
	return w->err;
}
