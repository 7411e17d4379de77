/*
 * Decode-only throughput of the packet library: reads every frame of a pcap
 * into memory first, then times nothing but the loop that calls
 * pkt_decode_dlt() on each frame, on one thread, and prints packets per
 * second. Reading the file, printing and JSON are left out on purpose; they
 * are what `v6lab decode` adds on top (see bench/README.md).
 *
 * Usage: decode-bench [-r ROUNDS] FILE.pcap
 * Prints one line: "decode-only: N packets in S s: P pps (malformed M)".
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "pcapio.h"

/* Every frame of a capture, back to back in one buffer. */
struct frames {
	uint8_t *buf;
	size_t used, cap;
	uint32_t *off, *len;
	size_t n, ncap;
	int dlt;
};

static int frames_add(struct frames *fr, const uint8_t *data, uint32_t len)
{
	if (fr->n == fr->ncap) {
		size_t ncap = fr->ncap ? fr->ncap * 2 : 65536;
		uint32_t *off = realloc(fr->off, ncap * sizeof(*off));
		uint32_t *lens;

		if (!off)
			return -ENOMEM;
		fr->off = off;
		lens = realloc(fr->len, ncap * sizeof(*lens));
		if (!lens)
			return -ENOMEM;
		fr->len = lens;
		fr->ncap = ncap;
	}
	if (len > fr->cap - fr->used) {
		size_t cap = fr->cap ? fr->cap : 1u << 24;
		uint8_t *buf;

		while (len > cap - fr->used)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -EFBIG;
		buf = realloc(fr->buf, cap);
		if (!buf)
			return -ENOMEM;
		fr->buf = buf;
		fr->cap = cap;
	}
	memcpy(fr->buf + fr->used, data, len);
	fr->off[fr->n] = (uint32_t)fr->used;
	fr->len[fr->n] = len;
	fr->used += len;
	fr->n++;
	return 0;
}

static int frames_load(struct frames *fr, const char *path)
{
	struct pkt_pcap_reader *r;
	struct pkt_frame f;
	char err[512];
	int rc = 0, got;

	r = pkt_pcap_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "decode-bench: %s\n", err);
		return -ENOENT;
	}
	fr->dlt = pkt_pcap_dlt(r);
	while ((got = pkt_pcap_next(r, &f, err, sizeof(err))) == 1) {
		rc = frames_add(fr, f.data, f.caplen);
		if (rc) {
			fprintf(stderr, "decode-bench: %s\n", strerror(-rc));
			break;
		}
	}
	if (got < 0) {
		fprintf(stderr, "decode-bench: %s\n", err);
		rc = got;
	}
	pkt_pcap_close(r);
	return rc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct frames fr = { 0 };
	struct pkt_dec *d;
	unsigned long malformed = 0, layers = 0;
	long rounds = 1;
	double t0, t1;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		switch (c) {
		case 'r':
			rounds = strtol(optarg, NULL, 10);
			if (rounds < 1) {
				fprintf(stderr, "decode-bench: -r wants a positive number\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: decode-bench [-r ROUNDS] FILE.pcap\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: decode-bench [-r ROUNDS] FILE.pcap\n");
		return 2;
	}
	d = malloc(sizeof(*d));
	if (!d || frames_load(&fr, argv[optind]))
		goto out;
	if (!fr.n) {
		fprintf(stderr, "decode-bench: %s holds no frame\n", argv[optind]);
		goto out;
	}
	/* The first decode fills the registry and the ICMPv6 type table. */
	pkt_decode_dlt(d, fr.buf + fr.off[0], fr.len[0], fr.dlt);
	t0 = now();
	for (long k = 0; k < rounds; k++) {
		for (size_t i = 0; i < fr.n; i++) {
			if (pkt_decode_dlt(d, fr.buf + fr.off[i], fr.len[i], fr.dlt) != PKT_OK)
				malformed++;
			layers += d->n; /* keeps the loop's work observable */
		}
	}
	t1 = now();
	printf("decode-only: %zu packets in %.6f s: %.0f pps (malformed %lu, layers %lu)\n",
	       fr.n * (size_t)rounds, t1 - t0, (double)fr.n * (double)rounds / (t1 - t0),
	       malformed, layers);
	rc = 0;
out:
	free(d);
	free(fr.buf);
	free(fr.off);
	free(fr.len);
	return rc;
}
