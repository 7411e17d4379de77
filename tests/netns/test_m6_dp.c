/*
 * The mip6d user-space data plane on the wire: two namespaces A and B
 * joined by a veth pair, the data plane opened in B (TUN, the raw
 * protocol-41 socket, NFQUEUE with its nftables table), packets sent from A
 * with a raw socket. Checks that B's kernel alone refuses a Home Address
 * option, a Mobility Header and IPv6-in-IPv6 with ICMPv6 Parameter
 * Problems; that with the data plane a HAO packet rewritten in the queue
 * callback reaches a UDP socket from the home address, a type 2 routing
 * header packet reaches it at the home address, a Mobility Header is taken
 * and dropped without an error going back, a mangled packet may be longer;
 * that tunnelled packets come out of the 41 socket with their outer
 * addresses; that the TUN works both ways; that whole packets go out
 * (global and link-local); that closing removes the table and the TUN. It
 * also measures packets per second through hao_in + mangle. Needs root and
 * nft (to list the tables).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "dp.h"
#include "link.h"
#include "netns.h"
#include "pkt_t.h"
#include "route.h"
#include "rtnl.h"
#include "topo.h"

#define PREFIX "m6dp-"
#define A_IP "2001:db8:1::a"
#define B_IP "2001:db8:1::b"
#define A_LL "fe80::a"
#define B_LL "fe80::b"
#define HOA "2001:db8:99::1"
#define B_HOME "2001:db8:55::b" /* B's "home address" for the RH2 case */
#define TUN_NET "2001:db8:77::"
#define TUN_NAME "m6dptun0"
#define QNUM 4242
#define B_PORT 5000
#define A_PORT 6000
#define PERF_N 5000

struct ctx {
	unsigned mh, hao, rh2, other, replaced;
	uint8_t mh_pkt[256];
	size_t mh_len;
	const uint8_t *replacement; /* for a packet with a dstopt and no HAO */
	size_t replacement_len;
};

static struct ctx cx;
static int fd_raw_a = -1, fd_icmp_a = -1, fd_udp_a = -1, fd_udp_b = -1;

static struct in6_addr a6(const char *text)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, text, &a) != 1)
		memset(&a, 0xee, sizeof(a));
	return a;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The queue callback a daemon would have, reduced to the rewrites. */
static int on_packet(void *arg, const uint8_t *pkt, size_t len, int ifindex, uint8_t *out,
		     size_t cap, size_t *outlen)
{
	struct ctx *c = arg;
	struct m6_pkt_info pi;
	struct in6_addr coa, hoa;

	(void)ifindex;
	if (m6_pkt_info(pkt, len, &pi))
		return M6_NF_DROP;
	if (pi.upper == 135) {
		c->mh++;
		c->mh_len = len < sizeof(c->mh_pkt) ? len : sizeof(c->mh_pkt);
		memcpy(c->mh_pkt, pkt, c->mh_len);
		return M6_NF_DROP;
	}
	if (pi.has_hao) {
		if (m6_pkt_hao_in(pkt, len, out, cap, outlen, &coa, &hoa))
			return M6_NF_DROP;
		c->hao++;
		return M6_NF_MANGLE;
	}
	if (pi.has_rh2) {
		if (m6_pkt_rh2_in(pkt, len, out, cap, outlen, &hoa))
			return M6_NF_DROP;
		c->rh2++;
		return M6_NF_MANGLE;
	}
	if (c->replacement && c->replacement_len <= cap) {
		memcpy(out, c->replacement, c->replacement_len);
		*outlen = c->replacement_len;
		c->replaced++;
		return M6_NF_MANGLE;
	}
	c->other++;
	return M6_NF_ACCEPT;
}

/* ---- packets ---- */

/* ipv6(src > dst) / [what] / udp(sport > dport) / payload, into b. */
enum ext { E_NONE, E_HAO, E_RH2, E_PADOPT, E_HBH_HAO };

static size_t udp_pkt(uint8_t *b, size_t cap, const char *src, const char *dst, enum ext e,
		      const char *addr, unsigned dport, const char *payload)
{
	struct pkt_slayer *l;

	spec_ip6(src, dst);
	if (e == E_HBH_HAO) {
		push("hbh");
		set_bytes(push("ip6opt.padn"), "data", "\0\0\0\0", 4);
	}
	if (e == E_HAO || e == E_HBH_HAO) {
		push("dstopt");
		set_bytes(push("ip6opt.padn"), "data", "\0\0", 2);
		pkt_spec_set_str(push("ip6opt.hao"), "hoa", addr);
	} else if (e == E_RH2) {
		pkt_spec_set_str(push("rh2"), "hoa", addr);
	} else if (e == E_PADOPT) {
		push("dstopt");
	}
	l = push("udp");
	pkt_spec_set_u(l, "sport", 1234);
	pkt_spec_set_u(l, "dport", dport);
	set_bytes(push("raw"), "data", payload, strlen(payload));
	if (build() || wb.len > cap)
		return 0;
	memcpy(b, wb.b, wb.len);
	return wb.len;
}

/* Sends a whole packet from A (the kernel routes on its destination). */
static int send_a(const uint8_t *b, size_t n)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };

	memcpy(&to.sin6_addr, b + 24, 16);
	return sendto(fd_raw_a, b, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n ?
		       0 :
		       -errno;
}

/* Waits up to ms for fd to be readable while serving B's queue. */
static int wait_fd(struct m6_dp *dp, int fd, int ms)
{
	long end = now_ms() + ms;

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = dp ? dp->nfq_fd : -1, .events = POLLIN } };
		long left = end - now_ms();

		if (left < 0)
			left = 0;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents & POLLIN)
			m6_dp_nfq_dispatch(dp);
		if (p[0].revents & POLLIN)
			return 1;
		if (!left)
			return 0;
	}
}

/* One UDP datagram within ms: its length, source and destination. */
static ssize_t recv_udp(struct m6_dp *dp, int fd, int ms, char *buf, size_t cap,
			struct in6_addr *from, struct in6_addr *to)
{
	struct sockaddr_in6 sa;
	char cb[256];
	struct iovec iov = { buf, cap - 1 };
	struct msghdr m = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof(cb) };
	ssize_t n;

	if (wait_fd(dp, fd, ms) <= 0)
		return -ETIMEDOUT;
	n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	*from = sa.sin6_addr;
	memset(to, 0, sizeof(*to));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*to = pi.ipi6_addr;
		}
	return n;
}

static void drain(int fd)
{
	char b[2048];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
}

/* An ICMPv6 Parameter Problem at A within ms: its code and pointer, or -1. */
static int param_problem(struct m6_dp *dp, int ms, uint32_t *ptr)
{
	uint8_t b[1500];
	long end = now_ms() + ms;

	while (now_ms() < end) {
		ssize_t n;

		if (wait_fd(dp, fd_icmp_a, (int)(end - now_ms())) <= 0)
			break;
		n = recv(fd_icmp_a, b, sizeof(b), MSG_DONTWAIT);
		if (n >= 8 && b[0] == ICMP6_PARAM_PROB) {
			*ptr = (uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7];
			return b[1];
		}
	}
	return -1;
}

/* Plain UDP from A to B until one gets through: the links are up and
 * both ends have their routes (a fresh veth may take a second). */
static int warm_up(void)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(B_PORT),
				   .sin6_addr = a6(B_IP) };
	struct in6_addr from, dst;
	char buf[64];

	for (int i = 0; i < 25; i++) {
		sendto(fd_udp_a, "warm-up", 7, 0, (struct sockaddr *)&to, sizeof(to));
		if (recv_udp(NULL, fd_udp_b, 200, buf, sizeof(buf), &from, &dst) == 7) {
			drain(fd_udp_b);
			drain(fd_icmp_a);
			return 0;
		}
	}
	return -ETIMEDOUT;
}

static int run_cmd(const char *cmd, char *out, size_t n)
{
	FILE *f = popen(cmd, "r");
	size_t got = 0;

	out[0] = 0;
	if (!f)
		return -errno;
	while (got + 1 < n) {
		size_t r = fread(out + got, 1, n - 1 - got, f);

		if (!r)
			break;
		got += r;
	}
	out[got] = 0;
	return pclose(f);
}

/* ---- the steps ---- */

/* B's kernel alone: HAO, MH and 41 are refused with Parameter Problems. */
static void without_dataplane(void)
{
	char buf[256];
	uint8_t p[512];
	struct in6_addr from, to;
	uint32_t ptr = 0;
	size_t n;
	int code;

	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_HAO, HOA, B_PORT, "hao #0");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a UDP datagram with a Home Address option");
	T_OK(recv_udp(NULL, fd_udp_b, 500, buf, sizeof(buf), &from, &to) == -ETIMEDOUT,
	     "without the data plane nothing arrives in B");
	code = param_problem(NULL, 1000, &ptr);
	T_OK(code == 2 && ptr == 46,
	     "B answers Parameter Problem code 2 pointing at the option (code %d, pointer %u)",
	     code, ptr);

	spec_ip6(A_IP, B_IP);
	push("mh.hoti");
	n = build() == 0 ? wb.len : 0;
	T_OK(n > 0 && send_a(wb.b, n) == 0, "A sends a Mobility Header (HoTI)");
	code = param_problem(NULL, 1000, &ptr);
	T_OK(code == 1 && ptr == 6,
	     "B answers Parameter Problem code 1 at the Next Header field (code %d, pointer %u)",
	     code, ptr);

	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_RH2, B_HOME, B_PORT, "rh2 #0");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a datagram with a type 2 routing header");
	code = param_problem(NULL, 1000, &ptr);
	T_OK(code == 0 && ptr == 42,
	     "B answers Parameter Problem code 0 at the routing type (code %d, pointer %u)", code,
	     ptr);
	T_OK(recv_udp(NULL, fd_udp_b, 200, buf, sizeof(buf), &from, &to) == -ETIMEDOUT,
	     "and delivers nothing");

	spec_ip6(A_IP, B_IP);
	push_ip6(HOA, "2001:db8:77::1");
	set_bytes(push("raw"), "data", "inner", 5);
	n = build() == 0 ? wb.len : 0;
	T_OK(n > 0 && send_a(wb.b, n) == 0, "A sends an IPv6-in-IPv6 packet");
	code = param_problem(NULL, 1000, &ptr);
	T_OK(code == 1 && ptr == 6, "B has no tunnel of its own: Parameter Problem code 1 (%d)",
	     code);
}

static void hao_mh_rh2(struct m6_dp *dp)
{
	char buf[512];
	uint8_t p[512], longer[512];
	struct in6_addr from, to, hoa = a6(HOA), home = a6(B_HOME), b_ip = a6(B_IP);
	uint32_t ptr;
	ssize_t r;
	size_t n, ln;

	drain(fd_icmp_a);
	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_HAO, HOA, B_PORT, "hao #1");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends the HAO datagram again");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 6 && !strcmp(buf, "hao #1"),
	     "with the data plane B's UDP socket receives it (%zd)", r);
	T_OK(r > 0 && !memcmp(&from, &hoa, 16), "from the home address %s", HOA);
	T_OK(r > 0 && !memcmp(&to, &b_ip, 16), "to B's address");
	T_EQ_U(cx.hao, 1, "the callback rewrote one HAO packet");
	T_OK(param_problem(dp, 300, &ptr) < 0, "no Parameter Problem this time");

	spec_ip6(A_IP, B_IP);
	pkt_spec_set_u(push("mh.hoti"), "cookie", 0x1122334455667788ull);
	n = build() == 0 ? wb.len : 0;
	memcpy(p, wb.b, n);
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a Mobility Header");
	param_problem(dp, 600, &ptr); /* serves the queue meanwhile */
	T_EQ_U(cx.mh, 1, "the callback got it");
	T_OK(cx.mh_len == n && !memcmp(cx.mh_pkt, p, n), "byte for byte");
	drain(fd_icmp_a);
	spec_ip6(A_IP, B_IP);
	push("mh.brr");
	n = build() == 0 ? wb.len : 0;
	T_OK(n > 0 && send_a(wb.b, n) == 0, "A sends another (BRR)");
	T_OK(param_problem(dp, 800, &ptr) < 0, "dropped in the queue: no ICMPv6 error goes back");
	T_EQ_U(cx.mh, 2, "the callback got both");

	/* meta l4proto looks past the extension headers: an MH behind a
	 * Hop-by-Hop or a routing header (neither matches the other rules). */
	spec_ip6(A_IP, B_IP);
	push("hbh");
	push("mh.brr");
	n = build() == 0 ? wb.len : 0;
	T_OK(n > 0 && send_a(wb.b, n) == 0, "A sends an MH behind a Hop-by-Hop header");
	spec_ip6(A_IP, B_IP);
	set_bytes(push("rh"), "data", "\0\0\0\0", 4);
	push("mh.brr");
	n = build() == 0 ? wb.len : 0;
	T_OK(n > 0 && send_a(wb.b, n) == 0, "and one behind a routing header (type 253)");
	T_OK(param_problem(dp, 800, &ptr) < 0 && cx.mh == 4,
	     "both reach the callback (%u MH in all) and are dropped silently", cx.mh);

	/* A Destination Options header without a HAO: accepted unchanged. */
	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_PADOPT, NULL, B_PORT, "plain dstopt");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a datagram with a dstopt holding only padding");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 12 && !strcmp(buf, "plain dstopt") && cx.other == 1,
	     "the callback accepts it and B receives it unchanged (%zd)", r);

	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_RH2, B_HOME, B_PORT, "rh2 #1");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a datagram with a type 2 routing header");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 6 && !strcmp(buf, "rh2 #1"), "B's UDP socket receives it (%zd)", r);
	T_OK(r > 0 && !memcmp(&to, &home, 16), "at the home address %s", B_HOME);
	T_EQ_U(cx.rh2, 1, "the callback took the RH2 out");

	/* Behind a Hop-by-Hop header, which the kernel reads before the
	 * queue: the rewrite leaves it where it is. */
	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_HBH_HAO, HOA, B_PORT, "hbh+hao");
	T_OK(n > 0 && send_a(p, n) == 0, "A sends a HAO datagram behind a Hop-by-Hop header");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 7 && !strcmp(buf, "hbh+hao") && !memcmp(&from, &hoa, 16),
	     "B receives it from the home address (%zd)", r);

	/* A mangled packet longer than the queued one. */
	ln = udp_pkt(longer, sizeof(longer), A_IP, B_IP, E_NONE, NULL, B_PORT,
		     "a replacement much longer than the packet the kernel queued, "
		     "to see that the kernel takes a verdict of another length");
	cx.replacement = longer;
	cx.replacement_len = ln;
	n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_PADOPT, NULL, B_PORT, "short");
	T_OK(n > 0 && ln > n + 100 && send_a(p, n) == 0,
	     "A sends a short datagram with a Destination Options header");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r > 100 && !strncmp(buf, "a replacement", 13),
	     "B receives the %zu-byte replacement of the %zu-byte packet (%zd)", ln, n, r);
	cx.replacement = NULL;
}

/* Two fragments, each with the Home Address option in its unfragmentable
 * part (RFC 6275 §6.3: before the Fragment header): each is rewritten in
 * the queue, and B's kernel reassembles a datagram from the home address. */
static void fragments(struct m6_dp *dp)
{
	static const char payload[] = "a datagram in two fragments, each with its own HAO";
	uint8_t whole[512], f[2][512];
	size_t n, unfrag = 40 + 24, part, fn[2];
	struct in6_addr from, to, hoa = a6(HOA);
	unsigned before = cx.hao;
	char buf[256];
	ssize_t r;

	n = udp_pkt(whole, sizeof(whole), A_IP, B_IP, E_HAO, HOA, B_PORT, payload);
	part = 24; /* UDP header + 16 bytes, a multiple of 8 */
	for (int k = 0; k < 2; k++) {
		size_t off = k ? unfrag + part : unfrag, len = k ? n - unfrag - part : part;
		uint8_t *b = f[k];

		memcpy(b, whole, unfrag);
		b[40] = 44; /* the dstopt header now leads to the Fragment header */
		memset(b + unfrag, 0, 8);
		b[unfrag] = 17;
		b[unfrag + 2] = (uint8_t)((k ? part : 0) >> 8);
		/* offset field << 3 is the byte offset (8n); M on the first */
		b[unfrag + 3] = (uint8_t)((k ? part : 0) | !k);
		memcpy(b + unfrag + 4, "\x00\x00\x6d\x36", 4);
		memcpy(b + unfrag + 8, whole + off, len);
		fn[k] = unfrag + 8 + len;
		b[4] = (uint8_t)((fn[k] - 40) >> 8);
		b[5] = (uint8_t)(fn[k] - 40);
	}
	T_OK(n > 0 && send_a(f[1], fn[1]) == 0 && send_a(f[0], fn[0]) == 0,
	     "A sends a datagram as two fragments, the last one first");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == (ssize_t)strlen(payload) && !strcmp(buf, payload) && !memcmp(&from, &hoa, 16),
	     "B reassembles it and receives it from the home address (%zd)", r);
	T_EQ_U(cx.hao - before, 2, "each fragment was rewritten");
}

static void tunnel(struct m6_dp *dp)
{
	uint8_t inner[256], got[512];
	struct in6_addr os, od, a = a6(A_IP), b = a6(B_IP);
	uint32_t ptr;
	size_t in, outlen;
	uint8_t pkt[512];
	ssize_t r = -1;

	in = udp_pkt(inner, sizeof(inner), HOA, "2001:db8:77::1", E_NONE, NULL, 9, "tunnelled");
	T_OK(in > 0 && m6_pkt_encap(inner, in, &a, &b, pkt, sizeof(pkt), &outlen) == 0,
	     "A's tunnel packet built with m6_pkt_encap");
	drain(fd_icmp_a);
	T_OK(send_a(pkt, outlen) == 0, "A sends it");
	if (wait_fd(dp, dp->fd41, 2000) > 0)
		r = m6_dp_recv41(dp, got, sizeof(got), &os, &od);
	T_OK(r == (ssize_t)in && !memcmp(got, inner, in),
	     "fd41 gives the inner packet, byte for byte (%zd)", r);
	T_OK(r > 0 && !memcmp(&os, &a, 16) && !memcmp(&od, &b, 16),
	     "with the outer source (A) and destination (B)");
	T_OK(param_problem(dp, 300, &ptr) < 0, "and no Parameter Problem goes back");
	T_EQ_U(m6_dp_recv41(dp, got, sizeof(got), &os, &od), (ssize_t)-EAGAIN,
	       "then nothing more (-EAGAIN, the socket does not block)");
}

static void tun(struct m6_dp *dp, struct net_rtnl *nl_b)
{
	struct net_route rt = { .plen = 64, .oif = dp->tun_ifindex };
	struct in6_addr from, to, src = a6(TUN_NET "5");
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(7000) };
	uint8_t p[512], b[2048];
	char buf[256];
	ssize_t r;
	size_t n;
	int fd, rc, seen = 0, others = 0;

	net_ip_parse(TUN_NET, &rt.dst);
	rc = net_route_add(nl_b, &rt);
	T_OK(rc == 0, "route %s/64 via the TUN in B (%s)", TUN_NET, net_rtnl_errmsg(nl_b));

	n = udp_pkt(p, sizeof(p), TUN_NET "5", B_IP, E_NONE, NULL, B_PORT, "from the tun");
	T_OK(n > 0 && m6_dp_tun_write(dp, p, n) == 0, "B writes a datagram into its TUN");
	r = recv_udp(dp, fd_udp_b, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 12 && !strcmp(buf, "from the tun") && !memcmp(&from, &src, 16),
	     "the kernel delivers it to B's UDP socket (%zd)", r);

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	dst.sin6_addr = a6(TUN_NET "9");
	T_OK(fd >= 0 && sendto(fd, "to the tun", 10, 0, (struct sockaddr *)&dst, sizeof(dst)) == 10,
	     "B sends a datagram to %s9", TUN_NET);
	for (long end = now_ms() + 2000; !seen && now_ms() < end;) {
		if (wait_fd(NULL, dp->tun_fd, 200) <= 0)
			continue;
		while ((r = m6_dp_tun_read(dp, b, sizeof(b))) > 0) {
			if (r >= 58 && b[6] == 17 && !memcmp(b + 24, &dst.sin6_addr, 16) &&
			    (b[42] << 8 | b[43]) == 7000 && !memcmp(b + 48, "to the tun", 10))
				seen = 1;
			else
				others++;
		}
	}
	T_OK(seen, "the kernel routes it to the TUN and it is read back (%d other packets)",
	     others);
	if (fd >= 0)
		close(fd);
}

static void send_whole(struct m6_dp *dp, int b0)
{
	struct in6_addr from, to, b = a6(B_IP), bll = a6(B_LL);
	uint8_t p[512];
	char buf[256];
	ssize_t r;
	size_t n;

	n = udp_pkt(p, sizeof(p), B_IP, A_IP, E_NONE, NULL, A_PORT, "whole packet");
	T_EQ_U(m6_dp_send(dp, p, n), 0, "m6_dp_send of a whole packet to A");
	r = recv_udp(NULL, fd_udp_a, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 12 && !strcmp(buf, "whole packet") && !memcmp(&from, &b, 16),
	     "A's UDP socket receives it from B (%zd)", r);

	n = udp_pkt(p, sizeof(p), B_LL, A_LL, E_NONE, NULL, A_PORT, "link-local");
	T_OK(m6_dp_send(dp, p, n) == -EINVAL,
	     "m6_dp_send to a link-local address without a link: -EINVAL");
	T_EQ_U(m6_dp_send_if(dp, p, n, b0), 0, "m6_dp_send_if through B's veth");
	r = recv_udp(NULL, fd_udp_a, 2000, buf, sizeof(buf), &from, &to);
	T_OK(r == 10 && !strcmp(buf, "link-local") && !memcmp(&from, &bll, 16),
	     "A receives the link-local one from %s (%zd)", B_LL, r);
	T_OK(m6_dp_send(dp, p, 39) == -EINVAL, "a 39-byte packet is refused");
}

/* Packets per second through NFQUEUE + hao_in + mangle (and the kernel's
 * send and receive on both ends, which the same thread drives). */
static void perf(struct m6_dp *dp)
{
	uint8_t p[512];
	char buf[256];
	struct in6_addr from, to;
	unsigned sent = 0, got = 0, before = cx.hao;
	size_t n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_HAO, HOA, B_PORT, "perf");
	long t0 = now_ms(), ms;

	while (sent < PERF_N) {
		for (int k = 0; k < 32 && sent < PERF_N; k++)
			sent += send_a(p, n) == 0;
		while (got + 8 < sent) {
			if (recv_udp(dp, fd_udp_b, 1000, buf, sizeof(buf), &from, &to) < 0)
				break;
			got++;
		}
		if (got + 8 < sent)
			break;
	}
	while (got < sent && recv_udp(dp, fd_udp_b, 500, buf, sizeof(buf), &from, &to) > 0)
		got++;
	ms = now_ms() - t0;
	printf("# perf: %u HAO datagrams sent, %u received through NFQUEUE + hao_in + mangle in "
	       "%ld ms: %.0f packets/s\n",
	       sent, got, ms, ms > 0 ? got * 1000.0 / (double)ms : 0.0);
	T_OK(sent == PERF_N && got == sent && cx.hao - before == sent,
	     "all %u perf datagrams rewritten and received (%u)", PERF_N, got);
}

/* A daemon that dies without m6_dp_close leaves no table behind: the
 * kernel removes a table owned by a netlink socket with the socket. */
static void crash(const struct m6_dp_conf *conf, const char *table)
{
	char out[4096];
	int st = -1, rc;
	pid_t pid = fork();

	if (pid == 0) {
		struct m6_dp dp;
		char msg[256];

		_exit(m6_dp_open(&dp, conf, msg, sizeof(msg)) == 0 ? 0 : 1);
	}
	T_OK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	     "a child opens the data plane and exits without closing it");
	rc = run_cmd("nft list tables 2>&1", out, sizeof(out));
	T_OK(rc == 0 && !strstr(out, table), "its table went with it");
}

/* A second data plane on a queue in use fails cleanly, naming it, and
 * leaves the first one's table alone. */
static void busy(const struct m6_dp_conf *conf)
{
	struct m6_dp_conf c2 = { .queue = conf->queue, .want_nfq = true };
	struct m6_dp d1, d2;
	char m1[256], m2[256], out[4096];
	int r1, r2, rc;

	r1 = m6_dp_open(&d1, conf, m1, sizeof(m1));
	r2 = r1 ? -1 : m6_dp_open(&d2, &c2, m2, sizeof(m2));
	printf("# second open: %s\n", r2 ? m2 : "succeeded");
	T_OK(r1 == 0 && r2 < 0 && strstr(m2, "NFQUEUE"),
	     "a second data plane on queue %u is refused with a message (%d)", conf->queue, r2);
	rc = run_cmd("nft list tables 2>&1", out, sizeof(out));
	T_OK(r1 == 0 && rc == 0 && strstr(out, d1.nft_table), "the first one's table stays");
	T_OK(r1 == 0 && d2.raw_fd == -1 && d2.nfq == NULL && d2.buf == NULL,
	     "the failed one released what it had opened");
	if (!r2)
		m6_dp_close(&d2);
	if (!r1)
		m6_dp_close(&d1);
}

static int open_sockets(struct net_ns *a, struct net_ns *b)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	struct icmp6_filter f;
	int one = 1;

	fd_raw_a = net_ns_socket(a, AF_INET6, SOCK_RAW, IPPROTO_RAW);
	fd_icmp_a = net_ns_socket(a, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	fd_udp_a = net_ns_socket(a, AF_INET6, SOCK_DGRAM, 0);
	fd_udp_b = net_ns_socket(b, AF_INET6, SOCK_DGRAM, 0);
	if (fd_raw_a < 0 || fd_icmp_a < 0 || fd_udp_a < 0 || fd_udp_b < 0)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
	setsockopt(fd_icmp_a, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	sa.sin6_port = htons(A_PORT);
	if (bind(fd_udp_a, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	sa.sin6_port = htons(B_PORT);
	setsockopt(fd_udp_b, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	setsockopt(fd_udp_a, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	return bind(fd_udp_b, (struct sockaddr *)&sa, sizeof(sa));
}

static void run(struct net_topo *topo, struct net_ns *a)
{
	struct net_ns *b;
	struct net_rtnl *nl_a = NULL, *nl_b = NULL;
	struct m6_dp_conf conf = { .tun_name = TUN_NAME, .want_41 = true, .want_nfq = true,
				   .queue = QNUM };
	struct m6_dp dp;
	struct net_ip ip;
	char msg[256], out[4096], table[32] = "";
	int if_a, if_b, rc, self = -1, opened = 0;

	rc = net_topo_add_ns(topo, "b", &b);
	rc = rc ? rc : net_topo_add_veth(topo, a, "a0", b, "b0");
	rc = rc ? rc : net_rtnl_open(a, &nl_a);
	rc = rc ? rc : net_rtnl_open(b, &nl_b);
	T_OK(rc == 0, "namespaces A and B joined by a veth pair (%d)", rc);
	if (rc)
		goto out;
	if_a = net_link_ifindex(nl_a, "a0");
	if_b = net_link_ifindex(nl_b, "b0");
	rc = net_ip_parse(A_IP, &ip) ? -EINVAL : net_addr_add(nl_a, if_a, &ip, 64, IFA_F_NODAD);
	rc = rc ? rc : net_ip_parse(A_LL, &ip) ? -EINVAL :
					  net_addr_add(nl_a, if_a, &ip, 64, IFA_F_NODAD);
	rc = rc ? rc : net_ip_parse(B_IP, &ip) ? -EINVAL :
					  net_addr_add(nl_b, if_b, &ip, 64, IFA_F_NODAD);
	rc = rc ? rc : net_ip_parse(B_LL, &ip) ? -EINVAL :
					  net_addr_add(nl_b, if_b, &ip, 64, IFA_F_NODAD);
	rc = rc ? rc : net_ip_parse(B_HOME, &ip) ? -EINVAL :
					    net_addr_add(nl_b, if_b, &ip, 128, IFA_F_NODAD);
	rc = rc ? rc : net_link_set_up(nl_a, if_a, true);
	rc = rc ? rc : net_link_set_up(nl_b, if_b, true);
	/* Every error answered, so that a missing one means something. */
	rc = rc ? rc : net_ns_sysctl_set(b, "net.ipv6.icmp.ratelimit", "0");
	T_OK(rc == 0, "addresses %s and %s, links up, no ICMPv6 rate limit in B (%d)", A_IP, B_IP,
	     rc);
	T_OK(open_sockets(a, b) == 0, "raw, ICMPv6 and UDP sockets in A, a UDP socket in B");
	if (rc)
		goto out;
	rc = warm_up();
	T_OK(rc == 0, "plain UDP from A reaches B (%d)", rc);

	without_dataplane();

	/* The data plane opens in the thread's namespace: go to B. */
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	rc = self >= 0 && setns(b->fd, CLONE_NEWNET) == 0 ? 0 : -errno;
	T_OK(rc == 0, "the test thread joins B (%d)", rc);
	if (rc)
		goto out;
	rc = m6_dp_open(&dp, &conf, msg, sizeof(msg));
	T_OK(rc == 0, "m6_dp_open with TUN, 41 and NFQUEUE %u (%s)", QNUM, rc ? msg : "ok");
	if (rc)
		goto back;
	opened = 1;
	snprintf(table, sizeof(table), "%s", dp.nft_table);
	dp.cb = on_packet;
	dp.cb_ctx = &cx;
	T_OK(dp.tun_fd >= 0 && dp.tun_ifindex > 0 && dp.fd41 >= 0 && dp.raw_fd >= 0 &&
		     dp.nfq_fd >= 0 && table[0],
	     "TUN %s (ifindex %d), sockets and table %s", dp.tun_name, dp.tun_ifindex, table);
	run_cmd("nft list ruleset 2>&1", out, sizeof(out));
	printf("# nft list ruleset in B:\n");
	for (char *s = out, *e; *s; s = e + 1) {
		e = strchr(s, '\n');
		if (!e)
			break;
		printf("#   %.*s\n", (int)(e - s), s);
	}
	{
		char want[64];
		int nq = 0;

		snprintf(want, sizeof(want), "queue num %u bypass", QNUM);
		for (char *s = out; (s = strstr(s, want)); s++)
			nq++;
		T_OK(strstr(out, table) && strstr(out, "hook prerouting priority raw") && nq == 3,
		     "the table has a raw-priority prerouting chain with 3 queue rules (%d)", nq);
	}

	{
		struct net_link l;

		T_OK(net_link_get(nl_b, dp.tun_ifindex, NULL, &l) == 0 && l.mtu == M6_DP_TUN_MTU &&
			     (l.flags & IFF_UP),
		     "the TUN is up with MTU %u", M6_DP_TUN_MTU);
	}
	hao_mh_rh2(&dp);
	fragments(&dp);
	tunnel(&dp);
	tun(&dp, nl_b);
	send_whole(&dp, if_b);
	perf(&dp);
	printf("# queue: %llu packets to the callback, %llu callback errors, %llu overruns\n",
	       (unsigned long long)dp.nfq_pkts, (unsigned long long)dp.nfq_cb_errors,
	       (unsigned long long)dp.nfq_overruns);
	T_EQ_U(dp.nfq_cb_errors + dp.nfq_overruns, 0, "no callback error, no queue overrun");

	m6_dp_close(&dp);
	opened = 0;
	rc = run_cmd("nft list tables 2>&1", out, sizeof(out));
	T_OK(rc == 0 && !strstr(out, table), "after m6_dp_close `nft list tables` has no %s",
	     table);
	T_OK(net_link_ifindex(nl_b, TUN_NAME) == -ENODEV, "and the TUN is gone");
	{
		uint8_t p[512];
		uint32_t ptr;
		size_t n = udp_pkt(p, sizeof(p), A_IP, B_IP, E_HAO, HOA, B_PORT, "hao #2");

		drain(fd_icmp_a);
		T_OK(n > 0 && send_a(p, n) == 0 && param_problem(NULL, 1000, &ptr) == 2,
		     "B's kernel refuses HAO packets again");
	}
	crash(&conf, table);
	busy(&conf);
back:
	if (opened)
		m6_dp_close(&dp);
	if (self >= 0) {
		T_OK(setns(self, CLONE_NEWNET) == 0, "the test thread goes back");
		close(self);
	}
out:
	for (int *fd = (int[]){ fd_raw_a, fd_icmp_a, fd_udp_a, fd_udp_b, -2 }; *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	net_rtnl_close(nl_a);
	net_rtnl_close(nl_b);
}

int main(void)
{
	struct net_topo topo;
	struct net_ns *a = NULL;
	char v[128];
	int rc;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for network namespaces\n");
		return 0;
	}
	if (run_cmd("nft --version 2>/dev/null", v, sizeof(v)) != 0 || !strstr(v, "nftables")) {
		printf("1..0 # SKIP needs the nft command\n");
		return 0;
	}
	t_pkt_init();
	rc = net_topo_safety_net(PREFIX);
	net_topo_init(&topo, PREFIX);
	rc = rc ? rc : net_topo_add_ns(&topo, "a", &a);
	if (rc == -EPERM || rc == -EACCES) {
		printf("1..0 # SKIP cannot make network namespaces here (%s)\n", strerror(-rc));
		return 0;
	}
	T_OK(rc == 0, "safety net installed, namespace A made (%d)", rc);
	if (!rc)
		run(&topo, a);
	T_EQ_U(net_topo_destroy(&topo), 0, "topology destroyed");
	pkt_wbuf_free(&wb);
	free(spec);
	free(dec);
	return t_done();
}
