/*
 * Input reader, packet builder, fragmenter and dictionary writer of the
 * connection tracking fuzz targets: see fuzz_ctutil.h.
 */
#include "fuzz_ctutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the input ---- */

uint8_t fz_u8(struct fz_rd *r)
{
	uint8_t v;

	if (!r->n)
		return 0;
	v = r->p[0];
	r->p++;
	r->n--;
	return v;
}

uint16_t fz_u16(struct fz_rd *r)
{
	uint16_t hi = fz_u8(r);

	return (uint16_t)(hi << 8 | fz_u8(r));
}

uint32_t fz_u32(struct fz_rd *r)
{
	uint32_t hi = fz_u16(r);

	return hi << 16 | fz_u16(r);
}

size_t fz_take(struct fz_rd *r, size_t n, const uint8_t **out)
{
	if (n > r->n)
		n = r->n;
	*out = r->p;
	r->p += n;
	r->n -= n;
	return n;
}

/* ---- building packets ---- */

static const uint8_t addr4[4][4] = {
	{ 192, 0, 2, 1 },
	{ 192, 0, 2, 2 },
	{ 198, 51, 100, 1 },
	{ 198, 51, 100, 2 },
};

static const uint8_t addr6[4][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 },
};

const uint8_t *fz_addr(uint8_t l3, unsigned idx)
{
	return l3 == 4 ? addr4[idx & 3] : addr6[idx & 3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static uint32_t sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The upper-layer checksum of the l4len bytes at l4, with the IPv4/IPv6
 * pseudo-header unless none is wanted (ICMP). */
static uint16_t l4_csum(const struct fz_pkt *p, const uint8_t *l4, size_t l4len, bool pseudo)
{
	uint32_t s = 0;

	if (pseudo) {
		size_t alen = p->l3 == 4 ? 4 : 16;

		s = sum(s, p->src, alen);
		s = sum(s, p->dst, alen);
		s += p->proto;
		s += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	}
	return fold(sum(s, l4, l4len));
}

static size_t tcp_options(const struct fz_pkt *p, uint8_t *o)
{
	size_t n = 0;

	if (p->tcpopts & FZ_TO_MSS) {
		o[n++] = 2;
		o[n++] = 4;
		o[n++] = 0x05;
		o[n++] = 0xb4;
	}
	if (p->tcpopts & FZ_TO_WSCALE) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = p->wscale;
	}
	if (p->tcpopts & FZ_TO_SACKPERM) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (p->tcpopts & FZ_TO_TSTAMP) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		wr32(o + n, p->seq ^ 0x5a5a5a5a);
		wr32(o + n + 4, p->ack);
		n += 8;
	}
	if (p->tcpopts & FZ_TO_SACK) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = 10;
		wr32(o + n, p->ack + 50);
		wr32(o + n + 4, p->ack + 100);
		n += 8;
	}
	return n;
}

size_t fz_pkt_build(const struct fz_pkt *p, uint8_t *out, size_t cap)
{
	size_t hl = p->l3 == 4 ? (p->ext ? 24 : 20) : (p->ext ? 56 : 40);
	size_t l4hl, total;
	uint8_t *l4 = out + hl;
	uint8_t opts[40];
	size_t olen = 0, csum_at = 0;
	bool has_csum = true, pseudo = true;

	switch (p->proto) {
	case 6:
		olen = tcp_options(p, opts);
		l4hl = 20 + olen;
		csum_at = 16;
		break;
	case 17:
	case 136:
		l4hl = 8;
		csum_at = 6;
		break;
	case 1:
	case 58:
		l4hl = 8;
		csum_at = 2;
		pseudo = p->proto == 58;
		break;
	case 33:
	case 132:
		l4hl = 12;
		has_csum = false;
		break;
	default:
		l4hl = 0;
		has_csum = false;
		break;
	}
	total = hl + l4hl + p->paylen;
	if (total > cap || total - (p->l3 == 4 ? 0 : 40) > 65535)
		return 0;
	memset(out, 0, hl + l4hl);
	if (p->l3 == 4) {
		out[0] = (uint8_t)(0x40 | hl / 4);
		wr16(out + 2, (uint16_t)total);
		wr16(out + 4, 0x1234);
		out[8] = 64;
		out[9] = p->proto;
		memcpy(out + 12, p->src, 4);
		memcpy(out + 16, p->dst, 4);
		if (p->ext) { /* Router Alert */
			out[20] = 0x94;
			out[21] = 4;
		}
		wr16(out + 10, fold(sum(0, out, hl)));
	} else {
		out[0] = 0x60;
		wr16(out + 4, (uint16_t)(total - 40));
		out[6] = p->ext ? 0 : p->proto;
		out[7] = 64;
		memcpy(out + 8, p->src, 16);
		memcpy(out + 24, p->dst, 16);
		if (p->ext) { /* Hop-by-Hop, Destination Options, each a PadN */
			out[40] = 60;
			out[42] = 1;
			out[43] = 4;
			out[48] = p->proto;
			out[50] = 1;
			out[51] = 4;
		}
	}
	switch (p->proto) {
	case 6:
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr32(l4 + 4, p->seq);
		wr32(l4 + 8, p->ack);
		l4[12] = (uint8_t)(l4hl / 4 << 4);
		l4[13] = p->tcpflags;
		wr16(l4 + 14, p->win);
		memcpy(l4 + 20, opts, olen);
		break;
	case 17:
	case 136:
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		wr16(l4 + 4, p->proto == 17 ? (uint16_t)(8 + p->paylen) : 0);
		break;
	case 1:
	case 58:
		l4[0] = p->type;
		l4[1] = p->code;
		wr16(l4 + 4, p->sport);
		break;
	case 33:
	case 132:
		wr16(l4, p->sport);
		wr16(l4 + 2, p->dport);
		break;
	default:
		break;
	}
	if (p->paylen)
		memcpy(l4 + l4hl, p->payload, p->paylen);
	if (has_csum) {
		uint16_t c = l4_csum(p, l4, l4hl + p->paylen, pseudo);

		if (p->proto == 17 && !c)
			c = 0xffff;
		if (p->bad_csum)
			c++;
		wr16(l4 + csum_at, c);
	}
	return total;
}

size_t fz_frag(const uint8_t *pkt, size_t len, size_t at, int which, uint32_t id, uint8_t *out,
	       size_t cap)
{
	size_t hl, paylen, from, n;

	at &= ~(size_t)7;
	if (at < 8)
		at = 8;
	if (len < 20)
		return 0;
	if (pkt[0] >> 4 == 4) {
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl < 20 || hl > len)
			return 0;
	} else {
		if (len < 40)
			return 0;
		hl = 40;
	}
	paylen = len - hl;
	if (at >= paylen)
		return 0;
	from = which ? at : 0;
	n = which ? paylen - at : at;
	if (pkt[0] >> 4 == 4) {
		uint16_t fo = (uint16_t)(from / 8);

		if (hl + n > cap)
			return 0;
		memcpy(out, pkt, hl);
		memcpy(out + hl, pkt + hl + from, n);
		wr16(out + 2, (uint16_t)(hl + n));
		wr16(out + 4, (uint16_t)id);
		wr16(out + 6, which ? fo : (uint16_t)(0x2000 | fo));
		wr16(out + 10, 0);
		wr16(out + 10, fold(sum(0, out, hl)));
		return hl + n;
	}
	if (48 + n > cap)
		return 0;
	memcpy(out, pkt, 40);
	out[6] = 44;
	wr16(out + 4, (uint16_t)(8 + n));
	out[40] = pkt[6];
	out[41] = 0;
	wr16(out + 42, (uint16_t)(from | (which ? 0 : 1)));
	wr32(out + 44, id);
	memcpy(out + 48, pkt + 40 + from, n);
	return 48 + n;
}

static const uint16_t ports[3] = { 21, 20, 40000 };

static size_t pkt_read(struct fz_rd *r, uint8_t *out, size_t cap, int *frag, size_t *fragat,
		       int depth)
{
	static const uint8_t q4[8] = { 8, 0, 13, 14, 15, 16, 17, 18 };
	static const uint8_t q6[8] = { 128, 129, 139, 140, 128, 129, 133, 135 };
	static const uint8_t e4[8] = { 3, 11, 12, 4, 5, 3, 3, 11 };
	static const uint8_t e6[8] = { 1, 2, 3, 4, 1, 1, 3, 4 };
	static const uint8_t protos[8] = { 6, 17, 0, 0, 136, 132, 47, 0 };
	uint8_t inner[FZ_PKT_MAX];
	uint8_t b0 = fz_u8(r), b1 = fz_u8(r), sel = (b0 >> 1) & 7;
	struct fz_pkt p = { 0 };
	size_t trunc = 0, ilen;
	int ifrag;

	p.l3 = b0 & 1 ? 6 : 4;
	p.ext = b0 & 0x10;
	p.bad_csum = b0 & 0x20;
	*frag = b0 >> 6;
	p.src = fz_addr(p.l3, b1);
	p.dst = fz_addr(p.l3, b1 >> 2);
	p.sport = (b1 >> 4 & 3) == 3 ? fz_u16(r) : ports[b1 >> 4 & 3];
	p.dport = (b1 >> 6) == 3 ? fz_u16(r) : ports[b1 >> 6];
	p.proto = protos[sel];
	switch (sel) {
	case 0:
		p.tcpflags = fz_u8(r);
		p.seq = fz_u32(r);
		p.ack = fz_u32(r);
		p.win = fz_u16(r);
		p.tcpopts = fz_u8(r);
		p.wscale = p.tcpopts >> 4;
		/* all four options: a SACK block too */
		p.tcpopts = (p.tcpopts & 0x0f) == 0x0f ? 0x1f : p.tcpopts & 0x0f;
		break;
	case 2: {
		uint8_t t = fz_u8(r);

		p.proto = p.l3 == 4 ? 1 : 58;
		p.type = t >= 0xf0 ? fz_u8(r) : p.l3 == 4 ? q4[t & 7] : q6[t & 7];
		p.code = t >= 0xe0 && t < 0xf0 ? (uint8_t)(t & 0x0f) : 0;
		p.sport = fz_u16(r);
		break;
	}
	case 3: {
		uint8_t t = fz_u8(r);

		p.proto = p.l3 == 4 ? 1 : 58;
		p.type = t >= 0xf0 ? fz_u8(r) : p.l3 == 4 ? e4[t & 7] : e6[t & 7];
		p.code = fz_u8(r);
		p.sport = 0;
		trunc = fz_u8(r);
		break;
	}
	case 7:
		p.proto = fz_u8(r);
		break;
	default:
		break;
	}
	if (*frag)
		*fragat = (size_t)fz_u8(r) * 8;
	if (sel == 3 && depth < 2) {
		/* the quoted packet: described by what follows */
		size_t ifragat;

		ilen = pkt_read(r, inner, sizeof(inner), &ifrag, &ifragat, depth + 1);
		p.payload = inner;
		p.paylen = ilen;
		if (trunc && trunc * 4 < ilen)
			p.paylen = trunc * 4;
	} else {
		p.paylen = fz_take(r, r->n, &p.payload);
	}
	return fz_pkt_build(&p, out, cap);
}

size_t fz_pkt_read(struct fz_rd *r, uint8_t *out, size_t cap, int *frag, size_t *fragat)
{
	*frag = 0;
	*fragat = 0;
	return pkt_read(r, out, cap, frag, fragat, 0);
}

/* ---- dictionaries ---- */

static void word(FILE *fp, const char *w)
{
	fputc('"', fp);
	for (; *w; w++) {
		unsigned char c = (unsigned char)*w;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputs("\"\n", fp);
}

void fz_ctdict_maybe_write(const char *const *words)
{
	const char *path = getenv("V6LAB_FUZZ_DICT");
	FILE *fp;

	if (!path)
		return;
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; words[i]; i++)
		word(fp, words[i]);
	exit(fclose(fp) ? 1 : 0);
}
