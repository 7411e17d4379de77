/*
 * Throughput and memory of libct on one thread: fills a table of N entries
 * with new connections (UDP: a first packet; TCP: a SYN), timing that as
 * new connections per second, makes them established (the reply, for TCP
 * the SYN/ACK and the ACK), then times packets of random established
 * connections in the original direction (UDP datagrams, TCP pure ACKs) as
 * established packets per second, and reads the resident memory the table
 * added per entry. Packets are IPv4 (or IPv6 with -6) built from a template
 * in the loop: the flow is picked, its address and port written in, and
 * the packet handed to ct_process() with a clock that moves 10 ns a packet;
 * that writing is part of the time measured, reading packets from memory
 * or a NIC is not. Run it pinned to one core (taskset).
 *
 * Rates are per second of the process's CPU time, so that other load on a
 * shared machine does not count; the wall-clock rates are printed too.
 *
 * Usage: ctbench [-6] [-p udp|tcp] [-n ENTRIES] [-k PACKETS]
 * Prints one line of key=value pairs: proto, family, entries, new_cps,
 * est_pps, bytes_per_entry, rss_bytes, wall_new_cps, wall_est_pps, plus
 * sanity counters (est_ok must equal est_packets, setup_bad be 0).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"

#define STEP_NS 10 /* fake clock: nothing times out during a run */

struct flowpkt {
	uint8_t b[80];
	size_t len;
	int v6, tcp;
	size_t l4; /* offset of the L4 header */
};

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A template: 192.0.2.x -> 198.51.100.1 (or 2001:db8:1::x -> 2001:db8:2::1),
 * UDP with 18 bytes of data or a 20-byte TCP header. */
static void template_init(struct flowpkt *f, int v6, int tcp)
{
	size_t l4len = tcp ? 20 : 8 + 18;
	uint8_t *p = f->b;

	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	f->tcp = tcp;
	if (v6) {
		static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
		static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };

		p[0] = 0x60;
		wr16(p + 4, (uint16_t)l4len);
		p[6] = tcp ? 6 : 17;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		f->l4 = 40;
	} else {
		p[0] = 0x45;
		wr16(p + 2, (uint16_t)(20 + l4len));
		p[8] = 64;
		p[9] = tcp ? 6 : 17;
		p[12] = 192;
		p[13] = 0;
		p[14] = 2;
		p[16] = 198;
		p[17] = 51;
		p[18] = 100;
		p[19] = 1;
		f->l4 = 20;
	}
	f->len = f->l4 + l4len;
	p += f->l4;
	wr16(p + 2, tcp ? 80 : 53);
	if (tcp) {
		p[12] = 5 << 4;
		wr16(p + 14, 65535);
	} else {
		wr16(p + 4, (uint16_t)l4len);
	}
}

/* Flow i of the run: the client address's last byte(s) and the client port.
 * IPv4 has 256 addresses x 64512 ports, enough for 16 M flows. */
static void set_flow(struct flowpkt *f, uint32_t i, int reply)
{
	uint8_t *p = f->b, *ip_a, *ip_b, *l4 = f->b + f->l4;
	uint16_t cport = (uint16_t)(1024 + (i >> 8) % 64512);
	size_t alen = f->v6 ? 16 : 4;
	uint8_t host[16];

	memset(host, 0, sizeof(host));
	if (f->v6) {
		host[0] = 0x20;
		host[1] = 0x01;
		host[2] = 0x0d;
		host[3] = 0xb8;
		host[5] = 1;
		wr32(host + 12, i);
		ip_a = p + 8;
		ip_b = p + 24;
	} else {
		host[0] = 192;
		host[2] = 2;
		host[3] = (uint8_t)i;
		ip_a = p + 12;
		ip_b = p + 16;
	}
	if (!reply) {
		memcpy(ip_a, host, alen);
		if (f->v6) {
			static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };

			memcpy(ip_b, dst, 16);
		} else {
			ip_b[0] = 198;
			ip_b[1] = 51;
			ip_b[2] = 100;
			ip_b[3] = 1;
		}
		wr16(l4, cport);
		wr16(l4 + 2, f->tcp ? 80 : 53);
	} else {
		memcpy(ip_b, host, alen);
		if (f->v6) {
			static const uint8_t srv[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };

			memcpy(ip_a, srv, 16);
		} else {
			ip_a[0] = 198;
			ip_a[1] = 51;
			ip_a[2] = 100;
			ip_a[3] = 1;
		}
		wr16(l4, f->tcp ? 80 : 53);
		wr16(l4 + 2, cport);
	}
}

/* TCP flags and numbers: client ISN 1000, server ISN 5000 for every flow. */
static void set_tcp(struct flowpkt *f, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t *l4 = f->b + f->l4;

	wr32(l4 + 4, seq);
	wr32(l4 + 8, ack);
	l4[13] = flags;
}

/* CPU time of the process: what the loop costs on its core, not what the
 * other processes of a shared machine took from it (page faults count). */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_bytes(void)
{
	long size = 0, res = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (!fp)
		return -1;
	if (fscanf(fp, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(fp);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int main(int argc, char **argv)
{
	struct ct_config cfg;
	struct ct_table *t;
	struct ct_result res;
	struct flowpkt f;
	uint64_t clock = 1000000000ull, rng = 0x9e3779b97f4a7c15ull;
	uint64_t bad = 0, est = 0;
	uint32_t n = 1000000, i;
	uint64_t k = 0;
	int v6 = 0, tcp = 0, c, rc;
	double t0, w0, t_new, t_est, w_new, w_est;
	long rss0, rss1;

	while ((c = getopt(argc, argv, "6p:n:k:")) != -1) {
		switch (c) {
		case '6':
			v6 = 1;
			break;
		case 'p':
			if (!strcmp(optarg, "tcp"))
				tcp = 1;
			else if (strcmp(optarg, "udp"))
				goto usage;
			break;
		case 'n':
			n = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'k':
			k = strtoull(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (!n || n > 16000000u)
		goto usage;
	if (!k)
		k = n < 20000000u / 2 ? 20000000u : 2ull * n;

	ct_config_defaults(&cfg);
	cfg.max_entries = n;
	cfg.seed = 1;
	rss0 = rss_bytes();
	rc = ct_table_new(&cfg, &t);
	if (rc) {
		fprintf(stderr, "ctbench: ct_table_new: %s\n", strerror(-rc));
		return 1;
	}
	template_init(&f, v6, tcp);

	/* new connections */
	if (tcp)
		set_tcp(&f, 0x02, 1000, 0);
	t0 = cpu_s();
	w0 = wall_s();
	for (i = 0; i < n; i++) {
		set_flow(&f, i, 0);
		ct_process(t, f.b, f.len, 0, clock += STEP_NS, &res);
		bad += res.info != CT_NEW;
	}
	t_new = cpu_s() - t0;
	w_new = wall_s() - w0;

	/* make them established (not timed) */
	for (i = 0; i < n; i++) {
		if (tcp) {
			set_tcp(&f, 0x12, 5000, 1001);
			set_flow(&f, i, 1);
			ct_process(t, f.b, f.len, 0, clock += STEP_NS, &res);
			set_tcp(&f, 0x10, 1001, 5001);
			set_flow(&f, i, 0);
			ct_process(t, f.b, f.len, 0, clock += STEP_NS, &res);
		} else {
			set_flow(&f, i, 1);
			ct_process(t, f.b, f.len, 0, clock += STEP_NS, &res);
		}
		bad += res.info != CT_ESTABLISHED;
	}
	rss1 = rss_bytes();

	/* established packets of random flows */
	if (tcp)
		set_tcp(&f, 0x10, 1001, 5001);
	t0 = cpu_s();
	w0 = wall_s();
	for (uint64_t j = 0; j < k; j++) {
		set_flow(&f, (uint32_t)(xorshift(&rng) % n), 0);
		ct_process(t, f.b, f.len, 0, clock += STEP_NS, &res);
		est += res.info == CT_ESTABLISHED;
	}
	t_est = cpu_s() - t0;
	w_est = wall_s() - w0;

	printf("proto=%s family=ipv%d entries=%zu new_cps=%.0f est_pps=%.0f bytes_per_entry=%.1f "
	       "rss_bytes=%ld wall_new_cps=%.0f wall_est_pps=%.0f est_packets=%llu est_ok=%llu "
	       "setup_bad=%llu\n",
	       tcp ? "tcp" : "udp", v6 ? 6 : 4, ct_table_count(t), n / t_new, k / t_est,
	       (double)(rss1 - rss0) / n, rss1 - rss0, n / w_new, k / w_est, (unsigned long long)k,
	       (unsigned long long)est, (unsigned long long)bad);
	ct_table_free(t);
	return bad || est != k ? 1 : 0;
usage:
	fprintf(stderr, "usage: ctbench [-6] [-p udp|tcp] [-n ENTRIES] [-k PACKETS]\n");
	return 2;
}
