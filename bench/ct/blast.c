/*
 * A small traffic generator for the kernel side of the connection tracker
 * benchmark: sends IPv4 UDP or TCP frames of many flows out of one
 * interface through an AF_PACKET socket (sendmmsg, batches of 64, the
 * qdisc bypassed), so that a router namespace on the other end of the veth
 * forwards and tracks them. The flows are those of ctbench.c: flow i is
 * 192.0.2.(i % 256), port 1024 + (i / 256) % 64512, to 198.51.100.1 port 53
 * (UDP) or 80 (TCP); replies swap the two ends. On a veth the receiving
 * side runs in the sender's context, so the sender's CPU time covers the
 * router's forwarding and tracking of what it sent.
 *
 * Usage: blast -i IFACE -s SRC_MAC -d DST_MAC -m MODE -n FLOWS [-k PACKETS]
 *   MODE: udp (client to server), udpr (server to client), syn, synack,
 *   ack (TCP, the numbers of ctbench.c). Without -k each flow sends one
 *   packet, in order; with -k, PACKETS packets of random flows.
 * Prints "sent=N cpu_s=S wall_s=W".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define FRAME 64

enum mode { M_UDP, M_UDPR, M_SYN, M_SYNACK, M_ACK };

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

static int parse_mac(const char *s, uint8_t *m)
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Writes flow i's frame for mode m; returns its length. UDP checksums are
 * zero (none, over IPv4), TCP ones are not computed: the router does not
 * look at them when told not to (nf_conntrack_checksum=0, as libct's
 * default). */
static size_t frame(uint8_t *b, const uint8_t *src, const uint8_t *dst, enum mode m, uint32_t i)
{
	int tcp = m >= M_SYN, reply = m == M_UDPR || m == M_SYNACK;
	size_t l4len = tcp ? 20 : 8 + 18;
	uint8_t *ip = b + 14, *l4 = ip + 20;
	uint8_t client[4] = { 192, 0, 2, (uint8_t)i }, server[4] = { 198, 51, 100, 1 };
	uint16_t cport = (uint16_t)(1024 + (i >> 8) % 64512), sport = tcp ? 80 : 53;

	memset(b, 0, FRAME);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	wr16(b + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	ip[8] = 64;
	ip[9] = tcp ? 6 : 17;
	memcpy(ip + 12, reply ? server : client, 4);
	memcpy(ip + 16, reply ? client : server, 4);
	wr16(ip + 10, ip_csum(ip));
	wr16(l4, reply ? sport : cport);
	wr16(l4 + 2, reply ? cport : sport);
	if (tcp) {
		uint32_t seq = m == M_SYN ? 1000 : m == M_SYNACK ? 5000 : 1001;
		uint32_t ack = m == M_SYN ? 0 : m == M_SYNACK ? 1001 : 5001;

		wr32(l4 + 4, seq);
		wr32(l4 + 8, ack);
		l4[12] = 5 << 4;
		l4[13] = m == M_SYN ? 0x02 : m == M_SYNACK ? 0x12 : 0x10;
		wr16(l4 + 14, 65535);
	} else {
		wr16(l4 + 4, (uint16_t)l4len);
	}
	return 14 + 20 + l4len;
}

static double clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t buf[BATCH][FRAME];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll;
	const char *ifname = NULL;
	uint8_t src[6], dst[6];
	int have_src = 0, have_dst = 0, c, fd, one = 1;
	enum mode m = M_UDP;
	uint64_t n = 0, k = 0, sent = 0, rng = 0x2545f4914f6cdd1dull;
	double c0, w0;

	while ((c = getopt(argc, argv, "i:s:d:m:n:k:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			have_src = !parse_mac(optarg, src);
			break;
		case 'd':
			have_dst = !parse_mac(optarg, dst);
			break;
		case 'm':
			if (!strcmp(optarg, "udp"))
				m = M_UDP;
			else if (!strcmp(optarg, "udpr"))
				m = M_UDPR;
			else if (!strcmp(optarg, "syn"))
				m = M_SYN;
			else if (!strcmp(optarg, "synack"))
				m = M_SYNACK;
			else if (!strcmp(optarg, "ack"))
				m = M_ACK;
			else
				goto usage;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			k = strtoull(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (!ifname || !have_src || !have_dst || !n || n > 16000000)
		goto usage;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("blast: socket");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_protocol = htons(ETH_P_IP);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("blast: bind");
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (int j = 0; j < BATCH; j++) {
		iov[j].iov_base = buf[j];
		msg[j].msg_hdr.msg_iov = &iov[j];
		msg[j].msg_hdr.msg_iovlen = 1;
	}

	if (!k)
		k = n;
	c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
	w0 = clk(CLOCK_MONOTONIC);
	while (sent < k) {
		unsigned cnt = k - sent < BATCH ? (unsigned)(k - sent) : BATCH;
		int r;

		for (unsigned j = 0; j < cnt; j++) {
			uint64_t i;

			if (k == n) {
				i = sent + j;
			} else {
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				i = rng % n;
			}
			iov[j].iov_len = frame(buf[j], src, dst, m, (uint32_t)i);
		}
		r = sendmmsg(fd, msg, cnt, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("blast: sendmmsg");
			return 1;
		}
		sent += (unsigned)r;
	}
	printf("sent=%llu cpu_s=%.6f wall_s=%.6f\n", (unsigned long long)sent,
	       clk(CLOCK_PROCESS_CPUTIME_ID) - c0, clk(CLOCK_MONOTONIC) - w0);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: blast -i IFACE -s SRC_MAC -d DST_MAC -m udp|udpr|syn|synack|ack "
			"-n FLOWS [-k PACKETS]\n");
	return 2;
}
