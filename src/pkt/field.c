/* Field access driven by the descriptor tables: see field.h. */
#include "field.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

uint64_t pkt_bits_get(const uint8_t *p, unsigned bitoff, unsigned bits)
{
	unsigned first = bitoff / 8, shift = bitoff % 8;
	unsigned nbytes = (shift + bits + 7) / 8;
	unsigned __int128 acc = 0;

	for (unsigned i = 0; i < nbytes; i++)
		acc = acc << 8 | p[first + i];
	acc >>= nbytes * 8 - shift - bits;
	if (bits < 64)
		acc &= ((unsigned __int128)1 << bits) - 1;
	return (uint64_t)acc;
}

void pkt_bits_put(uint8_t *p, unsigned bitoff, unsigned bits, uint64_t v)
{
	for (unsigned i = 0; i < bits; i++) {
		unsigned bit = bitoff + i;
		unsigned src = bits - 1 - i;
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));

		if ((v >> src) & 1)
			p[bit / 8] |= mask;
		else
			p[bit / 8] &= (uint8_t)~mask;
	}
}

uint32_t pkt_field_span(const struct pkt_fdesc *f)
{
	return (uint32_t)((f->bitoff + f->bits + 7) / 8);
}

static unsigned fixed_bits(const struct pkt_fdesc *f)
{
	switch (f->type) {
	case PKT_FT_MAC:
		return 48;
	case PKT_FT_IP4:
		return 32;
	case PKT_FT_IP6:
		return 128;
	default:
		return f->bits;
	}
}

int pkt_field_get(const struct pkt_dec *d, int idx, const struct pkt_fdesc *f,
		  struct pkt_val *v)
{
	const struct pkt_layer *l = &d->l[idx];
	uint32_t lend = l->off + l->len;
	uint32_t start;

	memset(v, 0, sizeof(*v));
	v->type = f->type;
	if (lend > d->len)
		lend = d->len;
	if (f->flags & PKT_FF_TAIL) {
		start = l->off + f->bitoff / 8;
		/* A tail before the option area stops where it starts (SRH:
		 * segment list, then TLVs). */
		if (l->optoff > f->bitoff / 8 && l->off + l->optoff < lend)
			lend = l->off + l->optoff;
		if (start > lend)
			return -ENODATA;
		v->p = d->buf + start;
		v->n = lend - start;
		if (f->type == PKT_FT_IP6LIST)
			v->n -= v->n % 16;
		return 0;
	}
	if (l->off + (f->bitoff + fixed_bits(f) + 7) / 8 > lend)
		return -ENODATA;
	switch (f->type) {
	case PKT_FT_UINT:
		v->u = pkt_bits_get(d->buf + l->off, f->bitoff, f->bits);
		return 0;
	case PKT_FT_MAC:
	case PKT_FT_IP4:
	case PKT_FT_IP6:
		memcpy(v->a, d->buf + l->off + f->bitoff / 8, fixed_bits(f) / 8);
		return 0;
	case PKT_FT_BYTES:
		v->p = d->buf + l->off + f->bitoff / 8;
		v->n = f->bits / 8;
		return 0;
	default:
		return -EINVAL;
	}
}

int pkt_field_get_name(const struct pkt_dec *d, int idx, const char *name,
		       struct pkt_val *v)
{
	const struct pkt_fdesc *f = pkt_proto_field(d->l[idx].proto, name);

	if (!f)
		return -ENOENT;
	return pkt_field_get(d, idx, f, v);
}

uint64_t pkt_field_u(const struct pkt_dec *d, int idx, const char *name, uint64_t dflt)
{
	struct pkt_val v;

	if (pkt_field_get_name(d, idx, name, &v) || v.type != PKT_FT_UINT)
		return dflt;
	return v.u;
}

int pkt_field_put(uint8_t *buf, size_t buflen, size_t layer_off,
		  const struct pkt_fdesc *f, const struct pkt_val *v)
{
	unsigned bits = fixed_bits(f);
	size_t span = (f->bitoff + bits + 7) / 8;

	if (f->flags & PKT_FF_TAIL)
		return -EINVAL;
	if (layer_off > buflen || span > buflen - layer_off)
		return -ERANGE;
	switch (f->type) {
	case PKT_FT_UINT:
		pkt_bits_put(buf + layer_off, f->bitoff, bits, v->u);
		return 0;
	case PKT_FT_MAC:
	case PKT_FT_IP4:
	case PKT_FT_IP6:
		memcpy(buf + layer_off + f->bitoff / 8, v->a, bits / 8);
		return 0;
	case PKT_FT_BYTES: {
		size_t n = v->n < bits / 8 ? v->n : bits / 8;

		memset(buf + layer_off + f->bitoff / 8, 0, bits / 8);
		if (n)
			memcpy(buf + layer_off + f->bitoff / 8, v->p, n);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int fmt_hex(const uint8_t *p, size_t len, char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t w = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < len && w + 3 <= n; i++) {
		out[w++] = digits[p[i] >> 4];
		out[w++] = digits[p[i] & 15];
	}
	out[w] = 0;
	return (int)w;
}

int pkt_val_fmt(const struct pkt_fdesc *f, const struct pkt_val *v, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	size_t w = 0;

	switch (v->type) {
	case PKT_FT_UINT:
		if (f && (f->flags & PKT_FF_HEX))
			return snprintf(out, n, "0x%llx", (unsigned long long)v->u);
		return snprintf(out, n, "%llu", (unsigned long long)v->u);
	case PKT_FT_MAC:
		return snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", v->a[0],
				v->a[1], v->a[2], v->a[3], v->a[4], v->a[5]);
	case PKT_FT_IP4:
		inet_ntop(AF_INET, v->a, a, sizeof(a));
		return snprintf(out, n, "%s", a);
	case PKT_FT_IP6:
		inet_ntop(AF_INET6, v->a, a, sizeof(a));
		return snprintf(out, n, "%s", a);
	case PKT_FT_BYTES:
		return fmt_hex(v->p, v->n, out, n);
	case PKT_FT_IP6LIST:
		if (n)
			out[0] = 0;
		for (uint32_t i = 0; i + 16 <= v->n; i += 16) {
			inet_ntop(AF_INET6, v->p + i, a, sizeof(a));
			int k = snprintf(out + w, n > w ? n - w : 0, "%s%s", i ? "," : "", a);
			if (k < 0 || (size_t)k >= n - w)
				break;
			w += (size_t)k;
		}
		return (int)w;
	default:
		return snprintf(out, n, "?");
	}
}

bool pkt_val_eq(const struct pkt_val *a, const struct pkt_val *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PKT_FT_UINT:
		return a->u == b->u;
	case PKT_FT_MAC:
		return !memcmp(a->a, b->a, 6);
	case PKT_FT_IP4:
		return !memcmp(a->a, b->a, 4);
	case PKT_FT_IP6:
		return !memcmp(a->a, b->a, 16);
	default:
		return a->n == b->n && (!a->n || !memcmp(a->p, b->p, a->n));
	}
}
