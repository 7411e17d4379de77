/* Type-length-value framing, padding, length fix hooks and extension header
 * framing: see tlv.h. */
#include "tlv.h"

#include <errno.h>
#include <string.h>

int pkt_tlv_len(const struct pkt_cur *c, const struct pkt_tlv_fmt *fmt, const char **why)
{
	size_t left = pkt_cur_left(c), len = fmt->incl_head ? 0 : fmt->head;
	uint8_t t;

	if (!pkt_cur_peek(c, 0, &t) && t < 32) {
		if (fmt->pad1 & PKT_TLV_TYPE(t))
			return 1;
		if (fmt->rest & PKT_TLV_TYPE(t))
			return (int)left;
	}
	if (left < fmt->head)
		goto short_head;
	for (size_t i = 0; i < sizeof(fmt->len) / sizeof(fmt->len[0]); i++) {
		const struct pkt_tlv_lenf *f = &fmt->len[i];
		uint32_t v = 0;
		uint8_t b;

		for (unsigned k = 0; k < f->size; k++) {
			if (pkt_cur_peek(c, (size_t)f->off + k, &b))
				goto short_head;
			v = v << 8 | b;
		}
		len += (size_t)v * f->unit;
	}
	if (len < fmt->min) {
		*why = fmt->why_min;
		return -EINVAL;
	}
	if (len > left) {
		*why = fmt->why_long;
		return -ENODATA;
	}
	return (int)len;

short_head:
	*why = fmt->why_short;
	return -ENODATA;
}

int pkt_tlv_exact(const struct pkt_dec *d, int idx, struct pkt_next *nx, const char *why)
{
	const struct pkt_layer *l = &d->l[idx];

	if (l->len != l->proto->min_len) {
		nx->why = why;
		return -EINVAL;
	}
	return 0;
}

int pkt_tlv_pad_zero(uint8_t *dst, size_t n)
{
	memset(dst, 0, n);
	return 0;
}

int pkt_tlv_pad_padn(uint8_t *dst, size_t n, uint8_t padn_type)
{
	if (n == 0)
		return 0;
	if (n == 1) {
		dst[0] = 0;
		return 0;
	}
	if (n - 2 > 255)
		return -EINVAL;
	dst[0] = padn_type;
	dst[1] = (uint8_t)(n - 2);
	memset(dst + 2, 0, n - 2);
	return 0;
}

int pkt_tlv_pad_ip6(uint8_t *dst, size_t n)
{
	return pkt_tlv_pad_padn(dst, n, 1);
}

int pkt_tlv_fix_len(struct pkt_build *b, int idx)
{
	return pkt_build_auto_u(b, idx, "len", b->view.l[idx].len);
}

int pkt_tlv_fix_datalen(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "len", len >= 2 ? len - 2 : 0);
}

int pkt_tlv_fix_len8(struct pkt_build *b, int idx)
{
	uint32_t len = b->view.l[idx].len;

	return pkt_build_auto_u(b, idx, "len", len >= 8 ? len / 8 - 1 : 0);
}

int pkt_tlv_ext_frame(const struct pkt_dec *d, const struct pkt_cur *c, struct pkt_next *nx,
		      const char *short_why, const char *long_why)
{
	size_t left = pkt_cur_left(c);
	uint32_t len;

	if (left < 8) {
		nx->why = short_why;
		return -EINVAL;
	}
	len = (c->p[1] + 1u) * 8;
	if (len > left) {
		if (d->partial) {
			/* Cut short inside a quoted packet or a first fragment:
			 * keep the header, not what it holds. */
			nx->len = (uint32_t)left;
			nx->truncated = 1;
			return 1;
		}
		nx->len = 8;
		nx->why = long_why;
		return -EINVAL;
	}
	nx->len = len;
	nx->next = pkt_proto_by_ipproto(c->p[0]);
	if (!nx->next)
		nx->payload_raw = c->p[0] != 59;
	return 0;
}
