/*
 * In-process benchmark of mip6d's role code (see bench/README.md, section mip6):
 * the daemon runs with operations that only count what it sends, on a clock
 * the benchmark moves, so what is timed is the daemon's own work per
 * message: checksum, parsing, binding cache, the answer built (with its
 * RH2 and checksum). Measures, on one core:
 *  - home agent: first registrations of N home addresses (DAD timers run on
 *    the fake clock, so their second of waiting costs nothing here),
 *    memory of N bindings (m6_bcache_bytes and the growth of the RSS), and
 *    Binding Updates refreshing those bindings per second;
 *  - correspondent node: authorised Binding Updates per second (nonce
 *    lookup, two keygen tokens, Kbm, two HMAC-SHA1 for the BU and its BA).
 * Prints key=value lines.
 *   m6bench [--bindings N] [--refresh R] [--cn C]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m6d.h"

struct bctx {
	double now;
	uint64_t sent, ba_ok;
	struct m6d_link link;
};

static double b_now(struct m6d *d)
{
	return ((struct bctx *)d->ops_ctx)->now;
}

static int b_send(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex)
{
	struct bctx *c = d->ops_ctx;
	struct m6_pkt_info pi;

	c->sent++;
	/* count the BAs that accept (status byte of the message) */
	if (!m6_pkt_info(pkt, len, &pi) && pi.upper == M6_IPPROTO_MH && len > pi.upper_off + 6 &&
	    pkt[pi.upper_off + 2] == M6_BA && pkt[pi.upper_off + 6] < 128)
		c->ba_ok++;
	return 0;
}

static int b_tun_write(struct m6d *d, const uint8_t *pkt, size_t len)
{
	return 0;
}

static int b_link(struct m6d *d, const char *name, struct m6d_link *out)
{
	*out = ((struct bctx *)d->ops_ctx)->link;
	return 0;
}

static bool b_is_local(struct m6d *d, const struct in6_addr *a)
{
	return true;
}

static int b_addr(struct m6d *d, bool add, int ifindex, const struct in6_addr *a, int plen,
		  uint32_t flags)
{
	return 0;
}

static int b_route(struct m6d *d, bool add, uint32_t table, const struct in6_addr *dst,
		   int plen, const struct in6_addr *gw, int oif)
{
	return 0;
}

static int b_rule(struct m6d *d, bool add, uint32_t prio, const struct in6_addr *from,
		  uint32_t fwmark, uint32_t table)
{
	return add ? 0 : -ENOENT;
}

static int b_proxy(struct m6d *d, bool add, int ifindex, const struct in6_addr *a)
{
	return 0;
}

static int b_sysctl(struct m6d *d, const char *key, const char *value)
{
	return 0;
}

static int b_group(struct m6d *d, bool join, int ifindex, const struct in6_addr *a)
{
	return 0;
}

static const struct m6d_ops bench_ops = {
	.now = b_now, .send = b_send, .tun_write = b_tun_write, .link = b_link,
	.is_local = b_is_local, .addr = b_addr, .route = b_route, .rule = b_rule,
	.proxy = b_proxy, .sysctl = b_sysctl, .group = b_group,
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static struct in6_addr addr_n(const char *prefix, uint32_t i)
{
	struct in6_addr a;

	inet_pton(AF_INET6, prefix, &a);
	a.s6_addr[10] = 0x10;	/* never the home agent's own ::1 */
	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)(i + 1);
	return a;
}

/* A BU as a mobile node sends it: from coa with a HAO holding hoa. */
static size_t mk_bu(uint8_t *p, const struct m6_mh *m, const struct in6_addr *coa,
		    const struct in6_addr *hoa, const struct in6_addr *dst, const uint8_t *kbm)
{
	uint8_t *o = p + 40, *mh = p + 64;
	size_t mlen, aoff;

	if (m6_mh_build(m, mh, 512, &mlen, &aoff))
		return 0;
	if (kbm)
		m6_rr_auth(kbm, coa, dst, mh, mlen, aoff, mh + aoff);
	m6_mh_set_csum(hoa, dst, mh, mlen);
	memset(o, 0, 24);
	o[0] = M6_IPPROTO_MH;
	o[1] = 2;
	o[2] = 1;
	o[3] = 2;
	o[6] = 201;
	o[7] = 16;
	memcpy(o + 8, hoa, 16);
	m6d_ip6_hdr(p, coa, dst, 60, (uint16_t)(24 + mlen), 64);
	return 64 + mlen;
}

static struct m6d *daemon_new(enum m6_role role, struct bctx *c)
{
	struct m6_conf conf;
	struct m6d *d = calloc(1, sizeof(*d));
	char err[256];

	m6_conf_defaults(&conf);
	conf.role = role;
	conf.ro_cn = true;
	conf.nifaces = 1;
	snprintf(conf.ifaces[0].name, sizeof(conf.ifaces[0].name), "ha0");
	if (!d || m6d_init(d, &conf, &bench_ops, c, err, sizeof(err))) {
		fprintf(stderr, "m6bench: %s\n", d ? err : "out of memory");
		exit(1);
	}
	d->dp.tun_ifindex = 7;
	return d;
}

static void bench_ha(uint32_t n, uint32_t refresh)
{
	struct bctx *c = calloc(1, sizeof(*c));
	struct in6_addr ha;
	struct m6d *d;
	uint8_t pkt[1024];
	long rss0, rss1;
	double t0, t1, t_reg = 0;
	uint32_t done = 0;

	inet_pton(AF_INET6, "2001:db8:1::1", &ha);
	c->now = 1000;
	c->link.ifindex = 3;
	c->link.has_mac = true;
	c->link.has_ll = true;
	inet_pton(AF_INET6, "fe80::1", &c->link.ll);
	c->link.nglobal = 1;
	c->link.global[0].a = ha;
	c->link.global[0].plen = 64;
	d = daemon_new(M6_ROLE_HA, c);
	rss0 = rss_kb();
	/* first registrations, a batch at a time: each waits for its DAD */
	while (done < n) {
		uint32_t batch = n - done < 1000 ? n - done : 1000;

		t0 = wall();
		for (uint32_t i = done; i < done + batch; i++) {
			struct in6_addr hoa = addr_n("2001:db8:1::", i);
			struct in6_addr coa = addr_n("2001:db8:2::", i);
			struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = 1, .lifetime = 1000,
					   .flags = M6_BU_A | M6_BU_H };
			size_t len = mk_bu(pkt, &m, &coa, &hoa, &ha, NULL);

			m6d_recv_mh(d, pkt, len, 3, NULL, NULL);
		}
		c->now += M6D_DAD_TIME + 0.01;
		m6d_timers_run(d);
		t_reg += wall() - t0;
		done += batch;
	}
	rss1 = rss_kb();
	printf("ha_bindings=%zu\n", m6_bcache_count(d->bc));
	printf("ha_first_reg_per_s=%.0f\n", n / t_reg);
	printf("ha_bcache_bytes=%zu\n", m6_bcache_bytes(d->bc));
	printf("ha_bcache_bytes_per_binding=%.1f\n", (double)m6_bcache_bytes(d->bc) / n);
	printf("ha_rss_growth_kb=%ld\n", rss1 - rss0);
	printf("ha_rss_bytes_per_binding=%.1f\n", (rss1 - rss0) * 1024.0 / n);
	/* refreshing BUs: every binding in turn, new sequence numbers */
	c->ba_ok = 0;
	t0 = wall();
	for (uint32_t r = 0; r < refresh; r++) {
		uint32_t i = r % n;
		struct in6_addr hoa = addr_n("2001:db8:1::", i), coa = addr_n("2001:db8:3::", i);
		struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = (uint16_t)(2 + r / n),
				   .lifetime = 1000, .flags = M6_BU_A | M6_BU_H };
		size_t len = mk_bu(pkt, &m, &coa, &hoa, &ha, NULL);

		m6d_recv_mh(d, pkt, len, 3, NULL, NULL);
	}
	t1 = wall();
	printf("ha_refresh_bu=%u\n", refresh);
	printf("ha_refresh_ba_ok=%llu\n", (unsigned long long)c->ba_ok);
	printf("ha_refresh_bu_per_s=%.0f\n", refresh / (t1 - t0));
	t0 = wall();
	m6d_cn_tick(d);
	printf("ha_tick_ms=%.2f\n", (wall() - t0) * 1000);
	m6d_fini(d);
	free(d);
	free(c);
}

static void bench_cn(uint32_t count)
{
	struct bctx *c = calloc(1, sizeof(*c));
	struct in6_addr cn, hoa, coa;
	uint8_t pkt[1024], hn[8], cnn[8], ht[8], ct[8], kbm[20];
	uint16_t hi, ci;
	struct m6d *d;
	double t0, t1;

	inet_pton(AF_INET6, "2001:db8:4::10", &cn);
	inet_pton(AF_INET6, "2001:db8:1::100", &hoa);
	inet_pton(AF_INET6, "2001:db8:2::5", &coa);
	c->now = 1000;
	d = daemon_new(M6_ROLE_CN, c);
	/* the tokens a mobile node would have from its HoT and CoT */
	m6_rr_cn_current(&d->cn.rr, &hi, hn);
	ci = hi;
	memcpy(cnn, hn, 8);
	m6_rr_token(d->cn.rr.kcn, &hoa, hn, 0, ht);
	m6_rr_token(d->cn.rr.kcn, &coa, cnn, 1, ct);
	m6_rr_kbm(ht, ct, kbm);
	t0 = wall();
	for (uint32_t i = 0; i < count; i++) {
		struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = (uint16_t)(i + 1),
				   .lifetime = 100, .flags = M6_BU_A, .has_ni = true,
				   .home_ni = hi, .coa_ni = ci, .has_bad = true };
		size_t len = mk_bu(pkt, &m, &coa, &hoa, &cn, kbm);

		m6d_recv_mh(d, pkt, len, 1, NULL, NULL);
	}
	t1 = wall();
	printf("cn_bu=%u\n", count);
	printf("cn_ba_ok=%llu\n", (unsigned long long)c->ba_ok);
	printf("cn_bu_per_s=%.0f\n", count / (t1 - t0));
	m6d_fini(d);
	free(d);
	free(c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bindings", required_argument, NULL, 'b' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "cn", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t n = 100000, refresh = 1000000, cn = 200000;
	int o;

	while ((o = getopt_long(argc, argv, "b:r:c:", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			refresh = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cn = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: m6bench [--bindings N] [--refresh R] [--cn C]\n");
			return 2;
		}
	}
	if (!n) {
		fprintf(stderr, "m6bench: --bindings must be at least 1\n");
		return 2;
	}
	bench_ha(n, refresh);
	if (cn)
		bench_cn(cn);
	return 0;
}
