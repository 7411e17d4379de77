/* The generic decoding loop: see decode.h. */
#include "decode.h"

#include <pcap/dlt.h>
#include <string.h>

static const struct pkt_fdesc raw_fields[] = {
	{ "data", PKT_FT_BYTES, PKT_FF_TAIL, 0, 0, 0 },
};

static int raw_parse(const struct pkt_dec *d, int idx, struct pkt_cur *c, struct pkt_next *nx)
{
	(void)d;
	(void)idx;
	nx->len = (uint32_t)pkt_cur_left(c);
	return 0;
}

const struct pkt_proto pkt_proto_raw = {
	PKT_HDR_PROTO("raw", "Payload", -1, 0, raw_fields),
	.parse = raw_parse,
};

static void dec_fail(struct pkt_dec *d, uint32_t off, const char *why)
{
	d->res = PKT_MALFORMED;
	d->bad_off = off;
	d->why = why ? why : "malformed";
}

static struct pkt_layer *dec_push(struct pkt_dec *d, const struct pkt_proto *p,
				  uint32_t off, uint32_t end, uint8_t depth)
{
	struct pkt_layer *l;

	if (d->n >= PKT_MAX_LAYERS) {
		dec_fail(d, off, "too many layers");
		return NULL;
	}
	l = &d->l[d->n++];
	memset(l, 0, sizeof(*l));
	l->proto = p;
	l->off = off;
	l->end = end;
	l->depth = depth;
	return l;
}

/* Walks the option area of layer idx, one option layer per TLV. */
static int dec_options(struct pkt_dec *d, int idx)
{
	const struct pkt_layer hl = d->l[idx];
	const struct pkt_optfam *fam = hl.proto->opts;
	struct pkt_cur c;

	pkt_cur_init(&c, d->buf + hl.off + hl.optoff, hl.optlen);
	while (pkt_cur_left(&c) > 0) {
		const char *why = NULL;
		uint32_t ooff = (uint32_t)(c.p - d->buf);
		int olen = fam->optlen(&c, &why);
		const struct pkt_proto *op;
		struct pkt_layer *l;

		if (olen <= 0 || (size_t)olen > pkt_cur_left(&c)) {
			dec_fail(d, ooff, why ? why : "option length exceeds the option area");
			return -1;
		}
		op = fam->lookup(c.p, (size_t)olen);
		l = dec_push(d, op, ooff, hl.off + hl.optoff + hl.optlen, 1);
		if (!l)
			return -1;
		l->len = (uint32_t)olen;
		if (op->parse) {
			struct pkt_cur oc;
			struct pkt_next nx = { 0 };

			pkt_cur_init(&oc, c.p, (size_t)olen);
			if (op->parse(d, d->n - 1, &oc, &nx) < 0) {
				d->n--;
				dec_fail(d, ooff, nx.why);
				return -1;
			}
		} else if ((uint32_t)olen < op->min_len) {
			d->n--;
			dec_fail(d, ooff, "option shorter than its fixed part");
			return -1;
		}
		pkt_cur_skip(&c, (size_t)olen);
		d->nopt_total++;
	}
	return 0;
}

enum pkt_result pkt_decode(struct pkt_dec *d, const uint8_t *buf, uint32_t len,
			   const struct pkt_proto *first)
{
	const struct pkt_proto *p = first;
	uint32_t off = 0, end = len;
	
	d->buf = buf;
	d->len = len;
	d->n = 0;
	d->nopt_total = 0;
	d->res = PKT_OK;
	d->bad_off = 0;
	d->why = NULL;
	d->partial = 0;

	while (p && off < end) {
		const struct pkt_proto *sel = p->select ? p->select(buf + off, end - off) : NULL;
		struct pkt_next nx = { 0 };
		struct pkt_cur c;
		struct pkt_layer *l;
		int idx, rc;

		if (sel)
			p = sel;
		l = dec_push(d, p, off, end, 0);
		if (!l)
			break;
		idx = d->n - 1;
		pkt_cur_init(&c, buf + off, end - off);
		if (p->parse) {
			rc = p->parse(d, idx, &c, &nx);
		} else if (end - off < p->min_len) {
			rc = -1;
			nx.why = "header truncated";
		} else {
			rc = 0;
			nx.len = p->min_len;
		}
		if (rc == 0 && (nx.len > end - off || (nx.end && (nx.end > end || nx.end < off + nx.len)))) {
			rc = -1;
			nx.why = "header length exceeds the data";
		}
		if (rc < 0) {
			if (d->partial) {
				/* A first fragment legitimately ends mid-header. */
				l->proto = &pkt_proto_raw;
				l->len = end - off;
				l->flags |= PKT_LF_TRUNC | PKT_LF_PARTIAL;
				break;
			}
			/* Keep a header whose own bytes are sound (its length
			 * field points past the frame, say) so it still prints. */
			if (nx.len && nx.len <= end - off) {
				l->len = nx.len;
				l->flags |= PKT_LF_TRUNC;
			} else {
				d->n--;
			}
			dec_fail(d, off, nx.why ? nx.why : "header truncated");
			break;
		}
		if (d->partial)
			l->flags |= PKT_LF_PARTIAL;
		if (nx.truncated)
			l->flags |= PKT_LF_TRUNC;
		l->len = nx.len;
		l->optoff = nx.optoff;
		l->optlen = nx.optlen;
		if (nx.end)
			end = nx.end;
		l->end = end;
		if (p->opts && nx.optlen && dec_options(d, idx) < 0)
			break;
		off += nx.len;
		if (nx.partial)
			d->partial = 1;
		if (nx.payload_raw || !nx.next) {
			if (off < end) {
				l = dec_push(d, &pkt_proto_raw, off, end, 0);
				if (l) {
					l->len = end - off;
					if (d->partial)
						l->flags |= PKT_LF_PARTIAL;
				}
			}
			break;
		}
		p = nx.next;
	}
	return d->res;
}

extern const struct pkt_proto pkt_proto_ether;
extern const struct pkt_proto pkt_proto_ipv6;
extern const struct pkt_proto pkt_proto_ipv4;

enum pkt_result pkt_decode_dlt(struct pkt_dec *d, const uint8_t *buf, uint32_t len, int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return pkt_decode(d, buf, len, &pkt_proto_ether);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (len >= 1 && (buf[0] >> 4) == 6)
			return pkt_decode(d, buf, len, &pkt_proto_ipv6);
		if (len >= 1 && (buf[0] >> 4) == 4)
			return pkt_decode(d, buf, len, &pkt_proto_ipv4);
		/* fall through */
	default:
		return pkt_decode(d, buf, len, &pkt_proto_raw);
	}
}

int pkt_dec_find(const struct pkt_dec *d, const char *name, int from)
{
	size_t nl = strlen(name);
	int prefix = nl && name[nl - 1] == '.';

	for (int i = from < 0 ? 0 : from; i < d->n; i++) {
		const char *pn = d->l[i].proto->name;

		if (prefix ? !strncmp(pn, name, nl) : !strcmp(pn, name))
			return i;
	}
	return -1;
}
