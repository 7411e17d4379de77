/* Internet checksums and pseudo-headers: see csum.h. */
#include "csum.h"

#include <errno.h>
#include <string.h>

#include "field.h"

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t s = sum;
	size_t i = 0;

	for (; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < n)
		s += (uint32_t)(p[i] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int is_ip6(const struct pkt_layer *l)
{
	return l->depth == 0 && !strcmp(l->proto->name, "ipv6");
}

static int is_ip4(const struct pkt_layer *l)
{
	return l->depth == 0 && !strcmp(l->proto->name, "ipv4");
}

int pkt_csum_final_dst(const struct pkt_dec *d, int ip_idx, int idx, uint8_t dst[16])
{
	struct pkt_val v;

	if (pkt_field_get_name(d, ip_idx, "dst", &v))
		return -ENODATA;
	memcpy(dst, v.a, 16);
	for (int i = ip_idx + 1; i < idx; i++) {
		const struct pkt_layer *l = &d->l[i];
		struct pkt_val list;
		uint64_t type, left;

		if (l->depth || l->proto->ipproto != 43)
			continue;
		type = pkt_field_u(d, i, "type", 255);
		left = pkt_field_u(d, i, "segleft", 0);
		if (!left || pkt_field_get_name(d, i, "addrs", &list) || list.n < 16)
			continue;
		if (type == 0 || type == 2)
			memcpy(dst, list.p + list.n - 16, 16);
		else if (type == 4)
			memcpy(dst, list.p, 16);
	}
	return 0;
}

int pkt_csum_pseudo(const struct pkt_dec *d, int idx, uint8_t proto, uint32_t len,
		    uint32_t *sum)
{
	for (int i = idx - 1; i >= 0; i--) {
		const struct pkt_layer *l = &d->l[i];
		struct pkt_val v;
		uint8_t b[16];

		if (is_ip6(l)) {
			if (pkt_field_get_name(d, i, "src", &v))
				return -ENODATA;
			/* A Home Address option stands for the source (RFC 6275
			 * §6.1.1, §9.3.1): the sum uses the home address. */
			for (int k = i + 1; k < idx; k++) {
				struct pkt_val h;

				int hdr = k;

				if (d->l[k].depth != 1 || strcmp(d->l[k].proto->name, "ip6opt.hao"))
					continue;
				while (hdr > 0 && d->l[hdr].depth)
					hdr--;
				/* Only a Destination Options header carries one. */
				if (!strcmp(d->l[hdr].proto->name, "dstopt") &&
				    !pkt_field_get_name(d, k, "hoa", &h))
					memcpy(v.a, h.a, 16);
			}
			*sum = pkt_csum_add(*sum, v.a, 16);
			if (pkt_csum_final_dst(d, i, idx, b))
				return -ENODATA;
			*sum = pkt_csum_add(*sum, b, 16);
			b[0] = (uint8_t)(len >> 24);
			b[1] = (uint8_t)(len >> 16);
			b[2] = (uint8_t)(len >> 8);
			b[3] = (uint8_t)len;
			b[4] = b[5] = b[6] = 0;
			b[7] = proto;
			*sum = pkt_csum_add(*sum, b, 8);
			return 0;
		}
		if (is_ip4(l)) {
			if (pkt_field_get_name(d, i, "src", &v))
				return -ENODATA;
			*sum = pkt_csum_add(*sum, v.a, 4);
			if (pkt_field_get_name(d, i, "dst", &v))
				return -ENODATA;
			*sum = pkt_csum_add(*sum, v.a, 4);
			b[0] = 0;
			b[1] = proto;
			b[2] = (uint8_t)(len >> 8);
			b[3] = (uint8_t)len;
			*sum = pkt_csum_add(*sum, b, 4);
			return 0;
		}
	}
	return -ENOENT;
}

int pkt_csum_upper(const struct pkt_dec *d, int idx, uint8_t proto,
		   uint32_t cksum_at, uint16_t *out)
{
	const struct pkt_layer *l = &d->l[idx];
	uint32_t sum = 0, len, end = l->end;
	int rc;

	if (end > d->len)
		end = d->len;
	if (end < l->off + cksum_at + 2)
		return -ENODATA;
	len = end - l->off;
	rc = pkt_csum_pseudo(d, idx, proto, len, &sum);
	if (rc)
		return rc;
	sum = pkt_csum_add(sum, d->buf + l->off, len);
	/* Take the stored checksum out again: same as summing it as zero. */
	sum = pkt_csum_add(sum, (const uint8_t[]){ (uint8_t)~d->buf[l->off + cksum_at],
						   (uint8_t)~d->buf[l->off + cksum_at + 1] }, 2);
	*out = pkt_csum_fold(sum);
	return 0;
}

uint16_t pkt_csum_header(const uint8_t *p, size_t n, uint32_t cksum_at)
{
	uint32_t sum = pkt_csum_add(0, p, n);

	if (cksum_at + 2 <= n)
		sum = pkt_csum_add(sum, (const uint8_t[]){ (uint8_t)~p[cksum_at],
							   (uint8_t)~p[cksum_at + 1] }, 2);
	return pkt_csum_fold(sum);
}

int pkt_csum_verify(const struct pkt_dec *d, int idx)
{
	const struct pkt_proto *p = d->l[idx].proto;
	const struct pkt_fdesc *f = NULL;
	struct pkt_val v;
	uint16_t want;
	int rc;

	for (unsigned i = 0; i < p->nfields; i++)
		if (p->fields[i].flags & PKT_FF_CSUM)
			f = &p->fields[i];
	if (!f || !p->csum)
		return -ENOENT;
	if (d->l[idx].flags & (PKT_LF_TRUNC | PKT_LF_PARTIAL))
		return -ENODATA;
	rc = pkt_field_get(d, idx, f, &v);
	if (rc)
		return rc;
	rc = p->csum(d, idx, &want);
	if (rc)
		return rc;
	/* UDP sends a computed 0 as 0xffff; both spell the same sum. */
	if (want == 0 && v.u == 0xffff)
		return 1;
	return v.u == want;
}
