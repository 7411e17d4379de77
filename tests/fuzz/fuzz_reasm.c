/*
 * Fuzz target for IP reassembly (IPv6 and IPv4). The first byte picks the
 * limits and one of two ways to turn the rest into fragments:
 *
 *  - records: the rest is a list of [time step][length: 2 bytes][bytes],
 *    each handed in as a packet of its own, so the fuzzer writes the
 *    fragment headers itself (overlaps, lengths, ids, odd extension headers);
 *  - split: the rest is one whole packet, split by the fragmenter with sizes
 *    and an order taken from the next bytes, then handed in in that order.
 *    Handed in complete, in order and without duplicates, the datagram must
 *    come back as it went in.
 *
 * Every packet reassembly gives back is decoded; at the end the remaining
 * datagrams time out, and the timeout report's quoted fragment is read.
 */
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PIECES 64

static struct pkt_dec dec;

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct input *in)
{
	unsigned v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static void on_timeout(void *arg, const struct pkt_reasm_timeout *t)
{
	volatile uint8_t sink = 0;

	(void)arg;
	if (t->family != 4 && t->family != 6)
		abort();
	/* The quoted fragment must be readable in full. */
	for (size_t i = 0; t->have_first && i < t->first_len; i++)
		sink ^= t->first[i];
	(void)sink;
}

static void check_limits(const struct pkt_reasm *r, const struct pkt_reasm_limits *lim)
{
	size_t maxb = lim->max_bytes ? lim->max_bytes : 4u << 20;
	size_t maxq = lim->max_queues ? lim->max_queues : 1024;

	if (pkt_reasm_bytes(r) > maxb || pkt_reasm_queues(r) > maxq) {
		fprintf(stderr, "reassembly holds %zu bytes in %zu queues, limits %zu / %zu\n",
			pkt_reasm_bytes(r), pkt_reasm_queues(r), maxb, maxq);
		abort();
	}
}

/* Hands one packet in from an exact-size copy, so that a read past its end
 * is caught. */
static bool first_refused;

static enum pkt_reasm_status feed(struct pkt_reasm *r, const struct pkt_reasm_limits *lim,
				  const uint8_t *p, size_t n, uint64_t now, struct pkt_wbuf *out)
{
	struct pkt_reasm_info info;
	enum pkt_reasm_status st;
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		return PKT_REASM_DROPPED;
	memcpy(copy, p, n);
	st = pkt_reasm_add(r, copy, n, now, out, &info);
	free(copy);
	if (st == PKT_REASM_DONE || st == PKT_REASM_ATOMIC) {
		if (out->len > 0xffff + 40u) {
			fprintf(stderr, "reassembled %zu bytes\n", out->len);
			abort();
		}
		pkt_decode_dlt(&dec, out->b, (uint32_t)out->len, DLT_RAW);
	}
	if (st == PKT_REASM_DROPPED && !info.why)
		abort();
	/* A split so small that the first fragment stops inside the header
	 * chain is rightly refused (RFC 7112): the oracle does not apply. */
	if (st == PKT_REASM_DROPPED && strstr(info.why, "RFC 7112"))
		first_refused = true;
	check_limits(r, lim);
	return st;
}

static void run_records(struct pkt_reasm *r, const struct pkt_reasm_limits *lim,
			struct input *in, struct pkt_wbuf *out)
{
	uint64_t now = 1000;

	for (int i = 0; i < MAX_PIECES && in->n; i++) {
		size_t n;

		now += take(in) * 20u;
		n = take(in) << 8;
		n |= take(in);
		if (n > in->n)
			n = in->n;
		feed(r, lim, in->p, n, now, out);
		in->p += n;
		in->n -= n;
	}
}

/* The original as reassembly should give it back: the length fields say how
 * much of the input is the packet. */
static size_t packet_len(const uint8_t *p, size_t n)
{
	size_t l;

	if (n >= 40 && p[0] >> 4 == 6) {
		l = 40u + (((size_t)p[4] << 8) | p[5]);
		return l <= n ? l : 0;
	}
	/* An IPv4 packet that is itself a fragment stays one when split. */
	if (n >= 20 && p[0] >> 4 == 4 && !(p[6] & 0x3f) && !p[7]) {
		l = ((size_t)p[2] << 8) | p[3];
		return l <= n ? l : 0;
	}
	return 0;
}

/* Equal but for the fields reassembly rewrites: in IPv4 the Identification
 * (the fragmenter may set it) and the header checksum (recomputed). */
static int same_packet(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (a[0] >> 4 == 6)
		return !memcmp(a, b, n);
	return !memcmp(a, b, 4) && !memcmp(a + 6, b + 6, 4) && !memcmp(a + 12, b + 12, n - 12);
}

static void run_split(struct pkt_reasm *r, const struct pkt_reasm_limits *lim,
		      struct input *in, struct pkt_wbuf *out)
{
	struct pkt_frag_opts o = { 0 };
	struct pkt_fraglist fl;
	uint32_t sizes[8];
	size_t order[MAX_PIECES];
	unsigned ctl = take(in), seed = take(in);
	unsigned mode = (ctl >> 3) & 3;
	int ok = -1, done = 0;

	o.nsizes = ctl & 7;
	for (size_t i = 0; i < o.nsizes; i++)
		sizes[i] = (take(in) + 1) * 8;
	o.sizes = sizes;
	o.mtu = ctl & 0x20 ? 1280 : 0;
	o.id = seed * 0x01000193u;
	o.set_id = ctl & 0x40;
	if (!o.nsizes && !o.mtu)
		o.size = 8;
	pkt_fraglist_init(&fl);
	if (in->n && in->p[0] >> 4 == 6)
		ok = pkt_fragment_ipv6(in->p, in->n, &o, &fl);
	else if (in->n && in->p[0] >> 4 == 4)
		ok = pkt_fragment_ipv4(in->p, in->n, &o, &fl);
	if (ok || fl.n > MAX_PIECES) {
		pkt_fraglist_free(&fl);
		return;
	}
	for (size_t i = 0; i < fl.n; i++)
		order[i] = i;
	if (mode == 1) {
		for (size_t i = 0; i < fl.n; i++)
			order[i] = fl.n - 1 - i;
	} else if (mode >= 2) {
		uint32_t x = seed | 1;

		for (size_t i = fl.n; i > 1; i--) {
			size_t j;
			size_t t;

			x = x * 1103515245u + 12345u;
			j = (x >> 16) % i;
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
	}
	first_refused = false;
	for (size_t i = 0; i < fl.n; i++) {
		const struct pkt_wbuf *f = &fl.v[order[i]];
		enum pkt_reasm_status st = feed(r, lim, f->b, f->len, 1000 + i, out);

		/* mode 3 hands every fragment in twice */
		if (mode == 3 && st == PKT_REASM_HELD)
			feed(r, lim, f->b, f->len, 1000 + i, out);
		if (st == PKT_REASM_DONE || st == PKT_REASM_ATOMIC || st == PKT_REASM_NOT_FRAG)
			done++;
	}
	/* Oracle: default limits, whole packet, each fragment once. */
	if (!(ctl & 0x80) && lim->max_bytes == 0 && fl.n > 1 && !first_refused) {
		size_t want = packet_len(in->p, in->n);

		if (want && (done != 1 || out->len != want ||
			     !same_packet(out->b, in->p, want))) {
			fprintf(stderr, "split into %zu, %d complete, got %zu bytes, want %zu\n",
				fl.n, done, out->len, want);
			abort();
		}
	}
	pkt_fraglist_free(&fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pkt_reasm_limits presets[4] = {
		{ 0, 0, 0 },
		{ 0, 4096, 4 },
		{ 0, 600, 2 },
		{ 100, 0, 0 },
	};
	struct input in = { data, size };
	unsigned cfg = take(&in);
	const struct pkt_reasm_limits *lim = &presets[(cfg >> 1) & 3];
	struct pkt_reasm *r;
	struct pkt_wbuf out;

	if (size > 70000)
		return 0;
	r = pkt_reasm_new(lim);
	if (!r)
		return 0;
	pkt_reasm_on_timeout(r, on_timeout, NULL);
	pkt_wbuf_init(&out);
	if (cfg & 1)
		run_split(r, lim, &in, &out);
	else
		run_records(r, lim, &in, &out);
	pkt_reasm_expire(r, UINT64_C(1) << 40);
	if (pkt_reasm_queues(r) || pkt_reasm_bytes(r)) {
		fprintf(stderr, "after expiry: %zu queues, %zu bytes held\n",
			pkt_reasm_queues(r), pkt_reasm_bytes(r));
		abort();
	}
	pkt_wbuf_free(&out);
	pkt_reasm_free(r);
	return 0;
}
