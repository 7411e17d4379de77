/*
 * IP fragmentation and reassembly: see reasm.h. A datagram in progress is a
 * queue of fragment copies sorted by offset; queues sit in one list in
 * arrival order, so the oldest is at the head for both the timeout and
 * eviction. Because overlaps are refused, a datagram is complete when the
 * bytes held equal the length its last fragment gave. A datagram discarded
 * for an overlap is remembered without its bytes until its timeout, so the
 * fragments still on the way are discarded too (RFC 5722 §4).
 */
#include "reasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"

#define NH_HBH 0
#define NH_ROUTING 43
#define NH_FRAG 44
#define NH_DSTOPT 60

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void ipv4_fix_csum(uint8_t *h, size_t ihl)
{
	h[10] = h[11] = 0;
	wr16(h + 10, pkt_csum_header(h, ihl, 10));
}

/* ---- fragment lists ---- */

void pkt_fraglist_init(struct pkt_fraglist *l)
{
	memset(l, 0, sizeof(*l));
}

void pkt_fraglist_free(struct pkt_fraglist *l)
{
	for (size_t i = 0; i < l->n; i++)
		pkt_wbuf_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void fraglist_clear(struct pkt_fraglist *l)
{
	for (size_t i = 0; i < l->n; i++)
		pkt_wbuf_free(&l->v[i]);
	l->n = 0;
}

static struct pkt_wbuf *fraglist_push(struct pkt_fraglist *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct pkt_wbuf *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	pkt_wbuf_init(&l->v[l->n]);
	return &l->v[l->n++];
}

/* Bytes of the fragmentable part for fragment i, hdr bytes of IP header. */
static int frag_chunk(const struct pkt_frag_opts *o, size_t i, uint32_t hdr, uint32_t *out)
{
	uint32_t sz;

	if (o->nsizes)
		sz = o->sizes[i < o->nsizes ? i : o->nsizes - 1];
	else if (o->size)
		sz = o->size;
	else if (!o->mtu)
		return -EINVAL;
	else
		sz = o->mtu > hdr ? (o->mtu - hdr) & ~7u : 0;
	if (!sz)
		return o->nsizes || o->size ? -EINVAL : -EMSGSIZE;
	*out = sz;
	return 0;
}

/* The data of the next fragment out of `left` bytes: all of it (More
 * Fragments then `last_m`), or sz bytes, a multiple of 8 (More Fragments). */
static int frag_split(uint32_t left, uint32_t sz, uint32_t last_m, uint32_t *chunk, uint32_t *m)
{
	if (left <= sz) {
		*chunk = left;
		*m = last_m;
		return 0;
	}
	if (sz % 8)
		return -EINVAL;
	*chunk = sz;
	*m = 1;
	return 0;
}

/* Appends a fragment made of hdr, fh (an 8-byte IPv6 Fragment header, or
 * NULL) and data. Returns it, or NULL with the error in *rc. */
static struct pkt_wbuf *frag_push(struct pkt_fraglist *out, const uint8_t *hdr, uint32_t hlen,
				  const uint8_t *fh, const uint8_t *data, uint32_t dlen, int *rc)
{
	struct pkt_wbuf *w = fraglist_push(out);
	long at;

	if (!w) {
		*rc = -ENOMEM;
		return NULL;
	}
	at = pkt_wbuf_put(w, hdr, hlen);
	if (fh)
		pkt_wbuf_put(w, fh, 8);
	pkt_wbuf_put(w, data, dlen);
	if (at < 0 || pkt_wbuf_error(w)) {
		*rc = pkt_wbuf_error(w) ? pkt_wbuf_error(w) : -ENOMEM;
		return NULL;
	}
	return w;
}

/* ---- IPv6 fragmentation ---- */

int pkt_fragment_ipv6(const uint8_t *pkt, size_t len, const struct pkt_frag_opts *o,
		      struct pkt_fraglist *out)
{
	uint32_t total, off = 40, unfrag = 40, nh_at = 6, pos = 0, flen;
	uint8_t nh, fnh;
	size_t i = 0;
	int rc = 0;

	fraglist_clear(out);
	if (len < 40 || (pkt[0] >> 4) != 6)
		return -EINVAL;
	total = 40u + rd16(pkt + 4);
	if (total == 40 && pkt[6] == NH_HBH)
		return -EINVAL; /* jumbogram: no Fragment header for those */
	if (total > len)
		return -EINVAL;
	nh = pkt[6];
	while (nh == NH_HBH || nh == NH_DSTOPT || nh == NH_ROUTING) {
		uint32_t at = off, hl;

		if (total - off < 8)
			return -EINVAL;
		hl = (pkt[off + 1] + 1u) * 8;
		if (hl > total - off)
			return -EINVAL;
		off += hl;
		/* Up to the last Hop-by-Hop or Routing header, Destination
		 * Options before a Routing header included (RFC 8200 §4.5). */
		if (nh != NH_DSTOPT) {
			unfrag = off;
			nh_at = at;
		}
		nh = pkt[at];
	}
	if (nh == NH_FRAG)
		return -EINVAL;
	fnh = pkt[nh_at];
	flen = total - unfrag;
	do {
		uint32_t sz, chunk, m;
		struct pkt_wbuf *w;
		uint8_t fh[8];

		rc = frag_chunk(o, i, unfrag + 8, &sz);
		if (!rc)
			rc = frag_split(flen - pos, sz, 0, &chunk, &m);
		if (rc)
			goto fail;
		if ((o->mtu && unfrag + 8 + chunk > o->mtu) || unfrag - 40 + 8 + chunk > 0xffff) {
			rc = -EMSGSIZE;
			goto fail;
		}
		fh[0] = fnh;
		fh[1] = 0;
		wr16(fh + 2, pos | m);
		wr32(fh + 4, o->id);
		w = frag_push(out, pkt, unfrag, fh, pkt + unfrag + pos, chunk, &rc);
		if (!w)
			goto fail;
		w->b[nh_at] = NH_FRAG;
		wr16(w->b + 4, unfrag - 40 + 8 + chunk);
		pos += chunk;
		i++;
	} while (pos < flen);
	return 0;
fail:
	fraglist_clear(out);
	return rc;
}

/* ---- IPv4 fragmentation ---- */

/* The header for fragments after the first: copied options only. */
static int ipv4_copied_header(const uint8_t *pkt, uint32_t ihl, uint8_t *h, uint32_t *hlen)
{
	uint32_t off = 20, n = 20;

	memcpy(h, pkt, 20);
	while (off < ihl) {
		uint8_t t = pkt[off];
		uint32_t ol;

		if (t == 0)
			break;
		if (t == 1) {
			off++;
			continue;
		}
		if (ihl - off < 2 || pkt[off + 1] < 2 || pkt[off + 1] > ihl - off)
			return -EINVAL;
		ol = pkt[off + 1];
		if (t & 0x80) {
			memcpy(h + n, pkt + off, ol);
			n += ol;
		}
		off += ol;
	}
	while (n % 4)
		h[n++] = 0;
	h[0] = (uint8_t)(0x40 | n / 4);
	*hlen = n;
	return 0;
}

int pkt_fragment_ipv4(const uint8_t *pkt, size_t len, const struct pkt_frag_opts *o,
		      struct pkt_fraglist *out)
{
	uint8_t h2[60];
	uint32_t ihl, tot, h2len, base, dlen, pos = 0, first;
	size_t i = 0;
	int mf0, rc;

	fraglist_clear(out);
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -EINVAL;
	ihl = (pkt[0] & 0x0fu) * 4;
	tot = rd16(pkt + 2);
	if (ihl < 20 || tot < ihl || tot > len)
		return -EINVAL;
	rc = ipv4_copied_header(pkt, ihl, h2, &h2len);
	if (rc)
		return rc;
	mf0 = !!(pkt[6] & 0x20);
	base = (rd16(pkt + 6) & 0x1fffu) * 8;
	dlen = tot - ihl;
	if (!o->nsizes && !o->size && (!o->mtu || tot <= o->mtu)) {
		first = dlen; /* fits as it is */
	} else {
		rc = frag_chunk(o, 0, ihl, &first);
		if (rc)
			return rc;
	}
	if (dlen > first && (pkt[6] & 0x40))
		return -EMSGSIZE;
	do {
		uint32_t hlen = i ? h2len : ihl, sz, chunk, m, fo;
		const uint8_t *hdr = i ? h2 : pkt;
		struct pkt_wbuf *w;

		sz = first;
		rc = i ? frag_chunk(o, i, hlen, &sz) : 0;
		if (!rc)
			rc = frag_split(dlen - pos, sz, (uint32_t)mf0, &chunk, &m);
		if (rc)
			goto fail;
		fo = (base + pos) / 8;
		if ((o->mtu && hlen + chunk > o->mtu) || fo > 0x1fff) {
			rc = -EMSGSIZE;
			goto fail;
		}
		w = frag_push(out, hdr, hlen, NULL, pkt + ihl + pos, chunk, &rc);
		if (!w)
			goto fail;
		wr16(w->b + 2, hlen + chunk);
		if (o->set_id)
			wr16(w->b + 4, o->id);
		/* Reserved and Don't Fragment bits stay as they were. */
		wr16(w->b + 6, (uint32_t)(pkt[6] & 0xc0) << 8 | m << 13 | fo);
		ipv4_fix_csum(w->b, hlen);
		pos += chunk;
		i++;
	} while (pos < dlen);
	return 0;
fail:
	fraglist_clear(out);
	return rc;
}

/* ---- reassembly ---- */

struct rfrag {
	struct rfrag *next;
	uint8_t *pkt;	 /* the fragment as received */
	uint32_t pktlen;
	uint32_t data;	 /* where its data starts in pkt */
	uint32_t off;	 /* offset of its data in the datagram */
	uint32_t len;	 /* bytes of data */
	uint32_t hdrlen; /* IPv6: bytes before the Fragment header; IPv4: IHL */
	uint32_t nh_at;	 /* IPv6: Next Header byte that named the Fragment header */
	uint8_t fnh;	 /* IPv6: Next Header of the Fragment header */
	bool last;
};

struct rqueue {
	struct rqueue *prev, *next;
	uint8_t family, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint64_t since;
	bool dead;	/* discarded; remembered until its timeout */
	bool have_last;
	uint32_t total; /* data bytes, once the last fragment came */
	uint32_t got;	/* data bytes held */
	uint32_t nfrags;
	size_t bytes;	/* fragment bytes held */
	struct rfrag *frags;
};

struct pkt_reasm {
	struct pkt_reasm_limits lim;
	struct pkt_reasm_stats st;
	struct rqueue *head, *tail;
	size_t nqueues;
	size_t bytes;
	pkt_reasm_timeout_fn on_timeout;
	void *arg;
};

/* One fragment as read from the packet. */
struct fview {
	uint8_t family, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint32_t total;	 /* bytes of the packet that count */
	uint32_t hdrlen; /* see struct rfrag */
	uint32_t nh_at;
	uint8_t fnh;
	uint32_t data, off, len;
	bool last;
	uint32_t off_field; /* byte of the Fragment Offset field */
};

struct pkt_reasm *pkt_reasm_new(const struct pkt_reasm_limits *lim)
{
	struct pkt_reasm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	if (!r->lim.timeout_ms)
		r->lim.timeout_ms = 60000;
	if (!r->lim.max_bytes)
		r->lim.max_bytes = 4u << 20;
	if (!r->lim.max_queues)
		r->lim.max_queues = 1024;
	return r;
}

static void queue_clear(struct pkt_reasm *r, struct rqueue *q)
{
	struct rfrag *f = q->frags, *nx;

	for (; f; f = nx) {
		nx = f->next;
		free(f->pkt);
		free(f);
	}
	q->frags = NULL;
	r->bytes -= q->bytes;
	q->bytes = 0;
	q->got = 0;
	q->nfrags = 0;
}

static void queue_remove(struct pkt_reasm *r, struct rqueue *q)
{
	queue_clear(r, q);
	if (q->prev)
		q->prev->next = q->next;
	else
		r->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		r->tail = q->prev;
	r->nqueues--;
	free(q);
}

/* Discards a datagram's bytes but remembers it, so its later fragments go too. */
static void queue_kill(struct pkt_reasm *r, struct rqueue *q)
{
	queue_clear(r, q);
	q->dead = true;
}

void pkt_reasm_free(struct pkt_reasm *r)
{
	if (!r)
		return;
	while (r->head)
		queue_remove(r, r->head);
	free(r);
}

void pkt_reasm_on_timeout(struct pkt_reasm *r, pkt_reasm_timeout_fn fn, void *arg)
{
	r->on_timeout = fn;
	r->arg = arg;
}

const struct pkt_reasm_stats *pkt_reasm_stats(const struct pkt_reasm *r)
{
	return &r->st;
}

size_t pkt_reasm_queues(const struct pkt_reasm *r)
{
	return r->nqueues;
}

size_t pkt_reasm_bytes(const struct pkt_reasm *r)
{
	return r->bytes;
}

static void queue_report(struct pkt_reasm *r, const struct rqueue *q)
{
	struct pkt_reasm_timeout t = {
		.family = q->family,
		.proto = q->proto,
		.id = q->id,
		.since_ms = q->since,
		.nfrags = q->nfrags,
	};

	if (!r->on_timeout)
		return;
	memcpy(t.src, q->src, 16);
	memcpy(t.dst, q->dst, 16);
	if (q->frags && q->frags->off == 0) {
		t.have_first = true;
		t.first = q->frags->pkt;
		t.first_len = q->frags->pktlen;
	}
	r->on_timeout(r->arg, &t);
}

size_t pkt_reasm_expire(struct pkt_reasm *r, uint64_t now_ms)
{
	struct rqueue *q = r->head, *nx;
	size_t n = 0;

	/* Every queue is looked at: a clock that steps back must not hide one. */
	for (; q; q = nx) {
		nx = q->next;
		if (now_ms < q->since || now_ms - q->since < r->lim.timeout_ms)
			continue;
		if (!q->dead) {
			r->st.timeouts++;
			n++;
			queue_report(r, q);
		}
		queue_remove(r, q);
	}
	return n;
}

static enum pkt_reasm_status drop(struct pkt_reasm_info *info, const char *why, int32_t ptr)
{
	info->why = why;
	info->param_ptr = ptr;
	return PKT_REASM_DROPPED;
}

/* Whether the bytes [at, end) of an IPv6 first fragment reach through the
 * fixed part of the upper-layer header, walking the extension headers from
 * nh (counted as Linux does: TCP 20 bytes, UDP and ICMPv6 8, others 1). */
static bool first_has_upper(const uint8_t *p, uint32_t at, uint32_t end, uint8_t nh)
{
	for (;;) {
		uint32_t hl;

		switch (nh) {
		case NH_HBH:
		case NH_DSTOPT:
		case NH_ROUTING:
		case 51: /* AH */
			if (end - at < 2)
				return false;
			hl = nh == 51 ? (p[at + 1] + 2u) * 4 : (p[at + 1] + 1u) * 8;
			if (hl > end - at)
				return false;
			nh = p[at];
			at += hl;
			continue;
		case 59: /* No Next Header */
			return true;
		case 6:
			return end - at >= 20;
		case 17:
		case 58:
			return end - at >= 8;
		default:
			return end - at >= 1;
		}
	}
}

/* Reads an IPv6 fragment; NOT_FRAG, DROPPED (malformed) or HELD for "ok". */
static enum pkt_reasm_status read_ipv6(const uint8_t *p, size_t len, struct fview *v,
				       struct pkt_reasm_info *info)
{
	uint32_t off = 40, nh_at = 6, total;
	uint8_t nh;

	if (len < 40)
		return drop(info, "IPv6 header truncated", -1);
	nh = p[6];
	total = 40u + rd16(p + 4);
	if (total == 40)
		return PKT_REASM_NOT_FRAG; /* no payload, or a jumbogram */
	if (total > len)
		return drop(info, "IPv6 payload length exceeds the packet", -1);
	while (nh == NH_HBH || nh == NH_DSTOPT || nh == NH_ROUTING) {
		uint32_t hl;

		if (total - off < 8)
			return drop(info, "extension header truncated", -1);
		hl = (p[off + 1] + 1u) * 8;
		if (hl > total - off)
			return drop(info, "extension header length exceeds the packet", -1);
		nh_at = off;
		nh = p[off];
		off += hl;
	}
	if (nh != NH_FRAG)
		return PKT_REASM_NOT_FRAG;
	if (total - off < 8)
		return drop(info, "Fragment header truncated", -1);
	v->family = 6;
	v->proto = 0;
	memcpy(v->src, p + 8, 16);
	memcpy(v->dst, p + 24, 16);
	v->total = total;
	v->hdrlen = off;
	v->nh_at = nh_at;
	v->fnh = p[off];
	v->off = rd16(p + off + 2) & 0xfff8u;
	v->last = !(p[off + 3] & 1);
	v->id = rd32(p + off + 4);
	v->data = off + 8;
	v->len = total - v->data;
	v->off_field = off + 2;
	/* RFC 8200 §4.5 (RFC 7112): a first fragment must hold the whole header
	 * chain through the upper-layer header; one that does not is dropped. */
	if (v->off == 0 && !v->last && !first_has_upper(p, v->data, total, v->fnh))
		return drop(info, "first fragment without the upper-layer header (RFC 7112)", -1);
	return PKT_REASM_HELD;
}

static enum pkt_reasm_status read_ipv4(const uint8_t *p, size_t len, struct fview *v,
				       struct pkt_reasm_info *info)
{
	uint32_t ihl, tot;

	if (len < 20)
		return drop(info, "IPv4 header truncated", -1);
	ihl = (p[0] & 0x0fu) * 4;
	tot = rd16(p + 2);
	if (ihl < 20)
		return drop(info, "IPv4 header length below 20", -1);
	if (tot < ihl || tot > len)
		return drop(info, "IPv4 total length does not fit the packet", -1);
	if (!(p[6] & 0x20) && !(rd16(p + 6) & 0x1fff))
		return PKT_REASM_NOT_FRAG;
	v->family = 4;
	v->proto = p[9];
	memset(v->src, 0, 16);
	memset(v->dst, 0, 16);
	memcpy(v->src, p + 12, 4);
	memcpy(v->dst, p + 16, 4);
	v->id = rd16(p + 4);
	v->total = tot;
	v->hdrlen = ihl;
	v->nh_at = 0;
	v->fnh = 0;
	v->off = (rd16(p + 6) & 0x1fffu) * 8;
	v->last = !(p[6] & 0x20);
	v->data = ihl;
	v->len = tot - ihl;
	v->off_field = 6;
	return PKT_REASM_HELD;
}

static struct rqueue *queue_find(struct pkt_reasm *r, const struct fview *v)
{
	for (struct rqueue *q = r->head; q; q = q->next)
		if (q->family == v->family && q->id == v->id && q->proto == v->proto &&
		    !memcmp(q->src, v->src, 16) && !memcmp(q->dst, v->dst, 16))
			return q;
	return NULL;
}

/* Drops the oldest datagram other than keep; false when there is none. */
static bool evict_oldest(struct pkt_reasm *r, const struct rqueue *keep)
{
	struct rqueue *q = r->head;

	if (q == keep)
		q = q->next;
	if (!q)
		return false;
	if (!q->dead)
		r->st.evicted++;
	queue_remove(r, q);
	return true;
}

static struct rqueue *queue_new(struct pkt_reasm *r, const struct fview *v, uint64_t now)
{
	struct rqueue *q;

	while (r->nqueues >= r->lim.max_queues && evict_oldest(r, NULL))
		;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->family = v->family;
	q->proto = v->proto;
	q->id = v->id;
	memcpy(q->src, v->src, 16);
	memcpy(q->dst, v->dst, 16);
	q->since = now;
	q->prev = r->tail;
	if (r->tail)
		r->tail->next = q;
	else
		r->head = q;
	r->tail = q;
	r->nqueues++;
	return q;
}

/* Writes the atomic fragment at p as a packet without its Fragment header. */
static int emit_atomic(const uint8_t *p, const struct fview *v, struct pkt_wbuf *out)
{
	pkt_wbuf_reset(out);
	pkt_wbuf_put(out, p, v->hdrlen);
	pkt_wbuf_put(out, p + v->data, v->len);
	if (pkt_wbuf_error(out))
		return pkt_wbuf_error(out);
	out->b[v->nh_at] = v->fnh;
	wr16(out->b + 4, v->hdrlen - 40 + v->len);
	return 0;
}

/* Writes the datagram of a complete queue: the first fragment's headers,
 * then every fragment's data in order. */
static int emit_datagram(const struct rqueue *q, struct pkt_wbuf *out)
{
	const struct rfrag *first = q->frags;

	pkt_wbuf_reset(out);
	pkt_wbuf_put(out, first->pkt, first->hdrlen);
	for (const struct rfrag *f = q->frags; f; f = f->next)
		pkt_wbuf_put(out, f->pkt + f->data, f->len);
	if (pkt_wbuf_error(out))
		return pkt_wbuf_error(out);
	if (q->family == 6) {
		out->b[first->nh_at] = first->fnh;
		wr16(out->b + 4, first->hdrlen - 40 + q->total);
	} else {
		wr16(out->b + 2, first->hdrlen + q->total);
		wr16(out->b + 6, (uint32_t)(out->b[6] & 0xc0) << 8);
		ipv4_fix_csum(out->b, first->hdrlen);
	}
	return 0;
}

/* Overlap check against what the queue holds: 0 none, 1 exact duplicate,
 * -1 overlap. */
static int queue_overlap(const struct rqueue *q, const uint8_t *p, const struct fview *v)
{
	uint32_t end = v->off + v->len;

	for (const struct rfrag *f = q->frags; f; f = f->next) {
		if (f->off >= end || v->off >= f->off + f->len)
			continue;
		if (f->off == v->off && f->len == v->len && f->last == v->last &&
		    !memcmp(f->pkt + f->data, p + v->data, v->len))
			return 1;
		return -1;
	}
	return 0;
}

/* Whether the fragment disagrees with what the queue knows of the end. */
static bool queue_inconsistent(const struct rqueue *q, const struct fview *v)
{
	uint32_t end = v->off + v->len;

	if (!v->last)
		return q->have_last && end > q->total;
	if (q->have_last)
		return end != q->total;
	for (const struct rfrag *f = q->frags; f; f = f->next)
		if (f->off + f->len > end)
			return true;
	return false;
}

static struct rfrag *frag_copy(const uint8_t *p, const struct fview *v)
{
	struct rfrag *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->pkt = malloc(v->total);
	if (!f->pkt) {
		free(f);
		return NULL;
	}
	memcpy(f->pkt, p, v->total);
	f->pktlen = v->total;
	f->data = v->data;
	f->off = v->off;
	f->len = v->len;
	f->hdrlen = v->hdrlen;
	f->nh_at = v->nh_at;
	f->fnh = v->fnh;
	f->last = v->last;
	return f;
}

static void queue_insert(struct pkt_reasm *r, struct rqueue *q, struct rfrag *f)
{
	struct rfrag **pp = &q->frags;

	while (*pp && (*pp)->off < f->off)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
	q->got += f->len;
	q->nfrags++;
	q->bytes += f->pktlen;
	r->bytes += f->pktlen;
	if (f->last) {
		q->have_last = true;
		q->total = f->off + f->len;
	}
}

enum pkt_reasm_status pkt_reasm_add(struct pkt_reasm *r, const uint8_t *pkt, size_t len,
				    uint64_t now_ms, struct pkt_wbuf *out,
				    struct pkt_reasm_info *info)
{
	struct pkt_reasm_info scratch;
	enum pkt_reasm_status st;
	struct rqueue *q;
	struct rfrag *f;
	struct fview v;
	int overlap;

	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	info->param_ptr = -1;
	pkt_reasm_expire(r, now_ms);
	if (len < 1) {
		r->st.malformed++;
		return drop(info, "empty packet", -1);
	}
	if ((pkt[0] >> 4) == 6)
		st = read_ipv6(pkt, len, &v, info);
	else if ((pkt[0] >> 4) == 4)
		st = read_ipv4(pkt, len, &v, info);
	else
		st = drop(info, "not an IP packet", -1);
	if (st == PKT_REASM_DROPPED)
		r->st.malformed++;
	if (st != PKT_REASM_HELD)
		return st;
	r->st.frags++;

	/* RFC 6946: an atomic fragment is a whole packet; queues stay as they are. */
	if (v.family == 6 && v.off == 0 && v.last) {
		if (emit_atomic(pkt, &v, out)) {
			r->st.nomem++;
			return drop(info, "out of memory", -1);
		}
		r->st.atomic++;
		return PKT_REASM_ATOMIC;
	}
	if (!v.last && v.len % 8) {
		r->st.bad_len++;
		return drop(info, "fragment length is not a multiple of 8",
			    v.family == 6 ? 4 : -1);
	}
	if (!v.len) {
		r->st.malformed++;
		return drop(info, "fragment carries no data", -1);
	}
	if ((v.family == 6 ? v.hdrlen - 40 : v.hdrlen) + v.off + v.len > 0xffff) {
		r->st.too_big++;
		return drop(info, "fragment reassembles past 65535 bytes",
			    v.family == 6 ? (int32_t)v.off_field : -1);
	}

	q = queue_find(r, &v);
	if (q && q->dead) {
		r->st.after_drop++;
		return drop(info, "its datagram was discarded", -1);
	}
	if (!q) {
		q = queue_new(r, &v, now_ms);
		if (!q) {
			r->st.nomem++;
			return drop(info, "out of memory", -1);
		}
	}
	if (queue_inconsistent(q, &v)) {
		r->st.inconsistent++;
		queue_kill(r, q);
		return drop(info, "fragments disagree on the datagram length: datagram discarded",
			    -1);
	}
	overlap = queue_overlap(q, pkt, &v);
	if (overlap > 0) {
		r->st.dup++;
		return drop(info, "duplicate fragment", -1);
	}
	if (overlap < 0) {
		r->st.overlap++;
		queue_kill(r, q);
		return drop(info, "overlapping fragment (RFC 5722): datagram discarded", -1);
	}

	while (r->bytes + v.total > r->lim.max_bytes && evict_oldest(r, q))
		;
	if (r->bytes + v.total > r->lim.max_bytes) {
		r->st.evicted++;
		queue_remove(r, q);
		return drop(info, "reassembly memory limit: datagram discarded", -1);
	}
	f = frag_copy(pkt, &v);
	if (!f) {
		r->st.nomem++;
		if (!q->nfrags)
			queue_remove(r, q);
		return drop(info, "out of memory", -1);
	}
	queue_insert(r, q, f);
	if (!q->have_last || q->got != q->total)
		return PKT_REASM_HELD;

	/* Complete: the offset-0 fragment's headers decide the final size. */
	if ((q->family == 6 ? q->frags->hdrlen - 40 : q->frags->hdrlen) + q->total > 0xffff) {
		r->st.too_big++;
		queue_remove(r, q);
		return drop(info, "reassembled datagram exceeds 65535 bytes", -1);
	}
	info->nfrags = q->nfrags;
	if (emit_datagram(q, out)) {
		r->st.nomem++;
		queue_remove(r, q);
		return drop(info, "out of memory", -1);
	}
	r->st.reassembled++;
	queue_remove(r, q);
	return PKT_REASM_DONE;
}
