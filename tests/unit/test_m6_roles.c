/*
 * The role logic of mip6d without the kernel: the daemon runs with test
 * operations that capture every packet it sends and every route, address,
 * rule and proxy entry it asks for, on a clock the test moves. Correspondent
 * node: Home / Care-of Test answers with tokens computed here from the
 * RFC's formula, Binding Update verification with a Binding Authorization
 * Data computed here (accepted, bad authenticator, replayed sequence,
 * expired nonces, home registration refused), Binding Errors 1 and 2 and
 * their rate limit, route optimisation both ways, expiry and Binding
 * Refresh Request. Home agent: DAD before the first registration (and its
 * failure), the sequence window, status codes, lifetime cap,
 * deregistration, tunnel, DHAAD. Mobile node: the retransmission schedule
 * of the home registration, movement detection fed with RA / NA events,
 * the move to a foreign link and back home. Sent packets are decoded again
 * with the packet library (checksums with the home address rules).
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "m6d.h"
#include "pkt_t.h"

#define HOA "2001:db8:1::100"
#define HA_A "2001:db8:1::1"
#define COA "2001:db8:2::5"
#define COA2 "2001:db8:3::5"
#define CN_A "2001:db8:4::10"
#define TUN_IF 7

/* ---- test operations ---- */

#define CAP_PKTS 256

struct cap {
	double now;
	struct {
		uint8_t b[2048];
		size_t len;
		int ifindex;
	} pkt[CAP_PKTS];
	size_t npkt;
	size_t ntun;
	uint8_t tun[2048];
	size_t tunlen;
	char ops[128][160];
	size_t nops;
	struct m6d_link link;
	bool local_all;
};

static struct cap *C;

static double t_now(struct m6d *d)
{
	return ((struct cap *)d->ops_ctx)->now;
}

static int t_send(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex)
{
	struct cap *c = d->ops_ctx;

	if (c->npkt < CAP_PKTS && len <= sizeof(c->pkt[0].b)) {
		memcpy(c->pkt[c->npkt].b, pkt, len);
		c->pkt[c->npkt].len = len;
		c->pkt[c->npkt].ifindex = ifindex;
		c->npkt++;
	}
	return 0;
}

static int t_tun_write(struct m6d *d, const uint8_t *pkt, size_t len)
{
	struct cap *c = d->ops_ctx;

	c->ntun++;
	c->tunlen = len < sizeof(c->tun) ? len : sizeof(c->tun);
	memcpy(c->tun, pkt, c->tunlen);
	return 0;
}

static int t_link(struct m6d *d, const char *name, struct m6d_link *out)
{
	*out = ((struct cap *)d->ops_ctx)->link;
	return 0;
}

static bool t_is_local(struct m6d *d, const struct in6_addr *a)
{
	return true;
}

static void oplog(struct m6d *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void oplog(struct m6d *d, const char *fmt, ...)
{
	struct cap *c = d->ops_ctx;
	va_list ap;

	if (c->nops == sizeof(c->ops) / sizeof(c->ops[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(c->ops[c->nops++], sizeof(c->ops[0]), fmt, ap);
	va_end(ap);
}

static const char *ntop(const struct in6_addr *a)
{
	static char b[4][INET6_ADDRSTRLEN];
	static int i;

	return inet_ntop(AF_INET6, a, b[i++ % 4], INET6_ADDRSTRLEN);
}

static int t_addr(struct m6d *d, bool add, int ifindex, const struct in6_addr *a, int plen,
		  uint32_t flags)
{
	oplog(d, "addr %s %d %s/%d", add ? "add" : "del", ifindex, ntop(a), plen);
	return 0;
}

static int t_route(struct m6d *d, bool add, uint32_t table, const struct in6_addr *dst,
		   int plen, const struct in6_addr *gw, int oif)
{
	oplog(d, "route %s %u %s/%d via %s oif %d", add ? "add" : "del", table, ntop(dst), plen,
	      gw ? ntop(gw) : "-", oif);
	return 0;
}

static int t_rule(struct m6d *d, bool add, uint32_t prio, const struct in6_addr *from,
		  uint32_t fwmark, uint32_t table)
{
	oplog(d, "rule %s %u from %s lookup %u", add ? "add" : "del", prio,
	      from ? ntop(from) : "all", table);
	return add ? 0 : -ENOENT;
}

static int t_proxy(struct m6d *d, bool add, int ifindex, const struct in6_addr *a)
{
	oplog(d, "proxy %s %d %s", add ? "add" : "del", ifindex, ntop(a));
	return 0;
}

static int t_sysctl(struct m6d *d, const char *key, const char *value)
{
	oplog(d, "sysctl %s=%s", key, value);
	return 0;
}

static int t_group(struct m6d *d, bool join, int ifindex, const struct in6_addr *a)
{
	oplog(d, "group %s %d %s", join ? "join" : "leave", ifindex, ntop(a));
	return 0;
}

static const struct m6d_ops test_ops = {
	.now = t_now, .send = t_send, .tun_write = t_tun_write, .link = t_link,
	.is_local = t_is_local, .addr = t_addr, .route = t_route, .rule = t_rule,
	.proxy = t_proxy, .sysctl = t_sysctl, .group = t_group,
};

static bool op_seen(const char *s)
{
	for (size_t i = 0; i < C->nops; i++)
		if (strstr(C->ops[i], s))
			return true;
	return false;
}

static struct in6_addr A(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0, sizeof(a));
	return a;
}

/* A pointer to the address (a few rotating buffers). */
static const struct in6_addr *AP(const char *s)
{
	static struct in6_addr b[8];
	static unsigned i;
	struct in6_addr *a = &b[i++ % 8];

	*a = A(s);
	return a;
}

static void advance(struct m6d *d, double s)
{
	C->now += s;
	m6d_timers_run(d);
}

/* ---- building packets the way a peer would ---- */

static void put_ip6(uint8_t *p, const char *src, const char *dst, uint8_t nh, size_t plen)
{
	struct in6_addr s = A(src), t = A(dst);

	m6d_ip6_hdr(p, &s, &t, nh, (uint16_t)plen, 64);
}

/* An MH message from src to dst; with hoa a HAO (src is then the care-of
 * address), with rh2 an RH2 (dst the care-of address). Returns the length;
 * *auth_at gets the offset of the authenticator in the packet. */
static size_t mk_mh(uint8_t *p, const struct m6_mh *m, const char *src, const char *dst,
		    const char *hoa, const char *rh2, size_t *auth_at)
{
	uint8_t mh[512];
	size_t mlen, aoff = 0, off = 40;
	struct in6_addr cs = A(hoa ? hoa : src), cd = A(rh2 ? rh2 : dst);

	if (m6_mh_build(m, mh, sizeof(mh), &mlen, &aoff))
		return 0;
	m6_mh_set_csum(&cs, &cd, mh, mlen);
	if (hoa) {
		uint8_t *o = p + off;

		/* Destination Options: PadN(2) then the HAO at 8n+6 */
		memset(o, 0, 24);
		o[0] = M6_IPPROTO_MH;
		o[1] = 2;
		o[2] = 1;
		o[3] = 2;
		o[6] = 201;
		o[7] = 16;
		memcpy(o + 8, &cs, 16);
		off += 24;
	}
	if (rh2) {
		uint8_t *o = p + off;

		memset(o, 0, 24);
		o[0] = M6_IPPROTO_MH;
		o[1] = 2;
		o[2] = 2;
		o[3] = 1;
		memcpy(o + 8, &cd, 16);
		off += 24;
	}
	memcpy(p + off, mh, mlen);
	put_ip6(p, src, dst, hoa ? 60 : rh2 ? 43 : M6_IPPROTO_MH, off - 40 + mlen);
	if (auth_at)
		*auth_at = aoff ? off + aoff : 0;
	return off + mlen;
}

/* Recomputes the MH checksum of a packet made by mk_mh (after a change). */
static void fix_csum(uint8_t *p, size_t len, const char *csrc, const char *cdst)
{
	struct m6_pkt_info pi;
	struct in6_addr s = A(csrc), t = A(cdst);

	if (!m6_pkt_info(p, len, &pi))
		m6_mh_set_csum(&s, &t, p + pi.upper_off, len - pi.upper_off);
}

/* ---- reading what the daemon sent ---- */

struct got {
	struct m6_pkt_info pi;
	struct m6_mh m;
	struct in6_addr home;	/* HAO or RH2 address */
	const uint8_t *mh;
	size_t mhlen;
	int ok;
};

/* Decodes captured packet i: our own parsers, and the packet library for
 * the layer checksums (which apply the HAO / RH2 rules themselves). */
static struct got got(size_t i)
{
	struct got g;
	const char *why;

	memset(&g, 0, sizeof(g));
	if (i >= C->npkt)
		return g;
	if (m6_pkt_info(C->pkt[i].b, C->pkt[i].len, &g.pi))
		return g;
	if (g.pi.has_hao)
		memcpy(&g.home, C->pkt[i].b + g.pi.hao_off, 16);
	if (g.pi.has_rh2)
		memcpy(&g.home, C->pkt[i].b + g.pi.rh2_off + 8, 16);
	g.mh = C->pkt[i].b + g.pi.upper_off;
	g.mhlen = C->pkt[i].len - g.pi.upper_off;
	if (g.pi.upper == M6_IPPROTO_MH && m6_mh_parse(g.mh, g.mhlen, &g.m, &why))
		return g;
	g.ok = decode6(C->pkt[i].b, C->pkt[i].len) == PKT_OK;
	for (int l = 0; g.ok && l < dec->n; l++)
		if (pkt_csum_verify(dec, l) == 0)
			g.ok = 0;
	return g;
}

/* The first captured Mobility Header message of a type. */
static struct got find_mh(uint8_t type)
{
	for (size_t i = 0; i < C->npkt; i++) {
		struct got g = got(i);

		if (g.pi.upper == M6_IPPROTO_MH && g.m.type == type)
			return g;
	}
	return got(CAP_PKTS);
}

static bool eq(const struct in6_addr *a, const char *b)
{
	struct in6_addr x = A(b);

	return IN6_ARE_ADDR_EQUAL(a, &x);
}

/* ---- the RFC's formulas, computed here ---- */

static void token(const uint8_t kcn[20], const char *addr, const uint8_t nonce[8], uint8_t id,
		  uint8_t out[8])
{
	uint8_t in[25], h[20];
	struct in6_addr a = A(addr);

	memcpy(in, &a, 16);
	memcpy(in + 16, nonce, 8);
	in[24] = id;
	m6_hmac_sha1(kcn, 20, in, sizeof(in), h);
	memcpy(out, h, 8);
}

static void kbm_of(const uint8_t ht[8], const uint8_t *ct, uint8_t kbm[20])
{
	uint8_t in[16];

	memcpy(in, ht, 8);
	if (ct)
		memcpy(in + 8, ct, 8);
	m6_sha1(in, ct ? 16 : 8, kbm);
}

/* First(96, HMAC_SHA1(Kbm, coa | cn | MH data)), MH data without the
 * authenticator and with the checksum as zero. */
static void authenticator(const uint8_t kbm[20], const char *coa, const char *cn,
			  const uint8_t *mh, size_t len, size_t auth_off, uint8_t out[12])
{
	uint8_t in[32 + 512], h[20];
	struct in6_addr a = A(coa), b = A(cn);
	size_t n = 0;

	memcpy(in, &a, 16);
	memcpy(in + 16, &b, 16);
	n = 32;
	for (size_t i = 0; i < len && n < sizeof(in); i++) {
		if (i >= auth_off && i < auth_off + 12)
			continue;
		in[n++] = (i == 4 || i == 5) ? 0 : mh[i];
	}
	m6_hmac_sha1(kbm, 20, in, n, h);
	memcpy(out, h, 12);
}

static struct m6d *new_daemon(const struct m6_conf *c)
{
	struct m6d *d = calloc(1, sizeof(*d));
	char e[256];

	if (!d || m6d_init(d, c, &test_ops, C, e, sizeof(e))) {
		printf("Bail out! m6d_init: %s\n", d ? e : "no memory");
		exit(1);
	}
	d->dp.tun_ifindex = TUN_IF;
	return d;
}

static void reset_cap(void)
{
	C->npkt = 0;
	C->nops = 0;
	C->ntun = 0;
}

/* ---- correspondent node ---- */

/* The CN's tokens for a HoTI / CoTI: (index, token) through the daemon. */
static bool rr_exchange(struct m6d *d, bool home, const char *addr, uint16_t *ni,
			uint8_t tok[8])
{
	struct m6_mh m = { .type = home ? M6_HOTI : M6_COTI, .proto = 59 };
	uint8_t p[256], nonce[8], want[8];
	struct got g;
	size_t n;

	memcpy(m.cookie, "cookie!!", 8);
	reset_cap();
	n = mk_mh(p, &m, addr, CN_A, NULL, NULL, NULL);
	m6d_recv_mh(d, p, n, 1, NULL, NULL);
	g = got(0);
	if (C->npkt != 1 || !g.ok || g.m.type != (home ? M6_HOT : M6_COT) ||
	    memcmp(g.m.cookie, "cookie!!", 8) || !eq(&g.pi.dst, addr) || !eq(&g.pi.src, CN_A))
		return false;
	if (!m6_rr_cn_nonce(&d->cn.rr, g.m.nonce_index, C->now, nonce))
		return false;
	token(d->cn.rr.kcn, addr, nonce, home ? 0 : 1, want);
	*ni = g.m.nonce_index;
	memcpy(tok, g.m.token, 8);
	return !memcmp(want, g.m.token, 8);
}

/* A BU as the MN sends it to the CN, with the BAD computed here. */
static size_t mk_cn_bu(uint8_t *p, uint16_t seq, uint16_t life, uint16_t hni, uint16_t cni,
		       const uint8_t kbm[20], bool corrupt)
{
	struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = seq, .lifetime = life,
			   .flags = M6_BU_A, .has_ni = true, .home_ni = hni, .coa_ni = cni,
			   .has_bad = true };
	struct m6_pkt_info pi;
	size_t n, at;

	n = mk_mh(p, &m, COA, CN_A, HOA, NULL, &at);
	if (m6_pkt_info(p, n, &pi))
		return 0;
	authenticator(kbm, COA, CN_A, p + pi.upper_off, n - pi.upper_off, at - pi.upper_off,
		      p + at);
	if (corrupt)
		p[at + 3] ^= 0x40;
	fix_csum(p, n, HOA, CN_A);
	return n;
}

static void test_cn(void)
{
	struct m6_conf c;
	struct m6d *d;
	uint8_t ht[8], ct[8], kbm[20], auth[12], p[512], out[2048];
	uint16_t hni = 0, cni = 0;
	struct m6_binding *b;
	struct got g;
	size_t n, olen;
	int v;

	m6_conf_defaults(&c);
	c.role = M6_ROLE_CN;
	c.ro_cn = true;
	C->now = 1000;
	d = new_daemon(&c);

	T_OK(rr_exchange(d, true, HOA, &hni, ht),
	     "CN: HoTI answered with a HoT whose home keygen token is First(64, HMAC_SHA1(Kcn, "
	     "home address | nonce | 0))");
	T_OK(rr_exchange(d, false, COA, &cni, ct),
	     "CN: CoTI answered with a CoT whose care-of keygen token uses id 1");
	kbm_of(ht, ct, kbm);

	/* a correct BU: accepted, binding, route into the TUN, BA with BAD */
	reset_cap();
	n = mk_cn_bu(p, 7, 1000, hni, cni, kbm, false);
	v = m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
	T_EQ_U(v, M6_NF_DROP, "CN: a queued BU is consumed");
	g = got(0);
	T_OK(C->npkt == 1 && g.ok && g.m.type == M6_BA, "CN: the BU is acknowledged (A flag)");
	T_EQ_U(g.m.status, M6_BA_ACCEPTED, "CN: BA status 0 for a correctly authorised BU");
	T_OK(eq(&g.pi.dst, COA) && g.pi.has_rh2 && eq(&g.home, HOA),
	     "CN: the BA goes to the care-of address with an RH2 holding the home address");
	T_EQ_U(g.m.lifetime, M6_MAX_RR_BINDING_LIFETIME / 4,
	       "CN: lifetime capped at MAX_RR_BINDING_LIFETIME (105 units of 4 s)");
	authenticator(kbm, COA, CN_A, g.mh, g.mhlen, g.m.auth_off, auth);
	T_OK(g.m.has_bad && !memcmp(auth, g.m.auth, 12),
	     "CN: the BA carries a BAD the MN can verify with Kbm");
	b = m6_bcache_get(d->bc, AP(HOA));
	T_OK(b && eq(&b->coa, COA) && b->seq == 7 && !b->home_reg,
	     "CN: binding cache entry home address -> care-of address");
	T_OK(op_seen("route add 135 " HOA "/128 via - oif 7"),
	     "CN: the home address is routed into the TUN (table 135)");

	/* bad authenticator: dropped and counted, no answer */
	reset_cap();
	n = mk_cn_bu(p, 8, 100, hni, cni, kbm, true);
	m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
	T_EQ_U(C->npkt, 0, "CN: a BU with a bad authenticator gets no answer");
	T_EQ_U(d->stats.v[M6_ST_MH_UNAUTH], 1, "CN: ... and is counted (mh_unauth)");
	b = m6_bcache_get(d->bc, AP(HOA));
	T_OK(b && b->seq == 7, "CN: ... and leaves the binding alone");

	/* replayed sequence number */
	reset_cap();
	n = mk_cn_bu(p, 7, 100, hni, cni, kbm, false);
	m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
	g = got(0);
	T_OK(C->npkt == 1 && g.m.type == M6_BA && g.m.status == M6_BA_SEQ_OOW && g.m.seq == 7,
	     "CN: a BU with an old sequence number gets BA 135 with the last accepted one");

	/* home registration at a CN */
	{
		struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = 1, .lifetime = 10,
				   .flags = M6_BU_A | M6_BU_H };

		reset_cap();
		n = mk_mh(p, &m, COA, CN_A, HOA, NULL, NULL);
		m6d_recv_mh(d, p, n, 1, NULL, NULL);
		g = got(0);
		T_OK(C->npkt == 1 && g.m.type == M6_BA && g.m.status == M6_BA_HR_NOT_SUPP,
		     "CN: a home registration gets BA 131");
	}

	/* unknown MH type: Binding Error 2 */
	{
		uint8_t u[48] = { 0 };

		put_ip6(u, COA, CN_A, M6_IPPROTO_MH, 8);
		u[40] = 59;
		u[41] = 0;
		u[42] = 42;
		fix_csum(u, 48, COA, CN_A);
		reset_cap();
		m6d_nfq(d, u, 48, 1, out, sizeof(out), &olen);
		g = got(0);
		T_OK(C->npkt == 1 && g.m.type == M6_BE && g.m.status == M6_BE_UNKNOWN_MH &&
		     eq(&g.pi.dst, COA), "CN: an unknown MH type gets Binding Error 2");
		T_EQ_U(d->stats.v[M6_ST_MH_UNKNOWN_TYPE], 1, "CN: ... counted (mh_unknown_type)");
		u[44] ^= 1;	/* checksum */
		reset_cap();
		m6d_nfq(d, u, 48, 1, out, sizeof(out), &olen);
		T_OK(C->npkt == 0 && d->stats.v[M6_ST_MH_BAD_CSUM] == 1,
		     "CN: a bad checksum is dropped without answer and counted");
	}

	/* route optimisation: HAO in from the bound care-of address */
	{
		uint8_t u[128] = { 0 };

		put_ip6(u, COA, CN_A, 60, 24 + 8);
		u[40] = 17;
		u[41] = 2;
		u[42] = 1;
		u[43] = 2;
		u[46] = 201;
		u[47] = 16;
		memcpy(u + 48, AP(HOA), 16);
		u[64 + 5] = 8;
		reset_cap();
		v = m6d_nfq(d, u, 72, 1, out, sizeof(out), &olen);
		T_OK(v == M6_NF_MANGLE && olen == 48 && out[6] == 17 &&
		     !memcmp(out + 8, AP(HOA), 16),
		     "CN: a packet with a HAO from the bound care-of address is accepted, "
		     "from the home address, option removed");
		memcpy(u + 8, AP(COA2), 16);
		C->now += 1;	/* a full bucket for the rate limit */
		v = m6d_nfq(d, u, 72, 1, out, sizeof(out), &olen);
		g = got(0);
		T_OK(v == M6_NF_DROP && C->npkt == 1 && g.m.type == M6_BE &&
		     g.m.status == M6_BE_UNKNOWN_HAO && eq(&g.m.home, HOA) && eq(&g.pi.dst, COA2),
		     "CN: a HAO from another care-of address: dropped, Binding Error 1");
		reset_cap();
		for (int i = 0; i < 30; i++)
			m6d_nfq(d, u, 72, 1, out, sizeof(out), &olen);
		T_OK(C->npkt >= 5 && C->npkt <= 10,
		     "CN: Binding Errors are rate limited (%zu for 30 packets)", C->npkt);
	}

	/* route optimisation out: the TUN packet leaves with an RH2 */
	{
		uint8_t u[48] = { 0 };

		put_ip6(u, CN_A, HOA, 59, 0);
		reset_cap();
		d->role->on_tun(d, u, 40);
		g = got(0);
		T_OK(C->npkt == 1 && eq(&g.pi.dst, COA) && g.pi.has_rh2 && eq(&g.home, HOA) &&
		     g.pi.rh2_segleft == 1, "CN: a packet to the home address leaves with an RH2 "
		     "to the care-of address");
		T_EQ_U(d->stats.v[M6_ST_RO_OUT], 1, "CN: ... counted (ro_out)");
	}

	/* Binding Refresh Request before expiry, then expiry */
	reset_cap();
	for (int i = 0; i < M6_MAX_RR_BINDING_LIFETIME - 60; i++)
		advance(d, 1);
	T_EQ_U(C->npkt, 0, "CN: no BRR 60 s before expiry of a 420 s binding");
	for (int i = 0; i < 20; i++)
		advance(d, 1);
	g = got(0);
	T_OK(C->npkt == 1 && g.m.type == M6_BRR && g.pi.has_rh2 && eq(&g.pi.dst, COA),
	     "CN: a BRR goes to the MN when a used binding has a tenth of its lifetime left");
	for (int i = 0; i < 42; i++)
		advance(d, 1);
	T_OK(m6_bcache_count(d->bc) == 0 && op_seen("route del 135 " HOA "/128"),
	     "CN: the binding expires and its route goes");

	/* nonces expire: BA 136/137/138 */
	reset_cap();
	advance(d, M6_MAX_NONCE_LIFETIME);
	n = mk_cn_bu(p, 9, 100, hni, cni, kbm, false);
	m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
	g = got(0);
	T_OK(C->npkt == 1 && g.m.type == M6_BA && g.m.status == M6_BA_EXP_NONCES && !g.m.has_bad,
	     "CN: a BU with both nonce indices expired gets BA 138");
	{
		uint16_t hni2;
		uint8_t ht2[8];

		T_OK(rr_exchange(d, true, HOA, &hni2, ht2), "CN: a new HoTI gets a fresh nonce");
		reset_cap();
		n = mk_cn_bu(p, 10, 100, hni2, cni, kbm, false);
		m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
		g = got(0);
		T_OK(C->npkt == 1 && g.m.status == M6_BA_EXP_CNI,
		     "CN: only the care-of nonce expired: BA 137");
		/* deregistration needs the home token only */
		kbm_of(ht2, NULL, kbm);
		{
			struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = 11, .flags = M6_BU_A,
					   .has_ni = true, .home_ni = hni2, .has_bad = true };
			struct m6_pkt_info pi;
			size_t at;

			n = mk_mh(p, &m, HOA, CN_A, NULL, NULL, &at);
			m6_pkt_info(p, n, &pi);
			authenticator(kbm, HOA, CN_A, p + pi.upper_off, n - pi.upper_off,
				      at - pi.upper_off, p + at);
			fix_csum(p, n, HOA, CN_A);
			reset_cap();
			m6d_nfq(d, p, n, 1, out, sizeof(out), &olen);
			g = got(0);
			T_OK(C->npkt == 1 && g.m.status == M6_BA_ACCEPTED && eq(&g.pi.dst, HOA) &&
			     !g.pi.has_rh2,
			     "CN: a deregistration from home (Kbm of the home token) "
			     "is accepted, BA straight to the home address");
		}
	}
	m6d_fini(d);
	free(d);
}

/* ---- home agent ---- */

static size_t mk_home_bu(uint8_t *p, const char *hoa, const char *coa, uint16_t seq,
			 uint16_t life)
{
	struct m6_mh m = { .type = M6_BU, .proto = 59, .seq = seq, .lifetime = life,
			   .flags = M6_BU_A | M6_BU_H };

	if (!strcmp(hoa, coa))
		return mk_mh(p, &m, hoa, HA_A, NULL, NULL, NULL);
	return mk_mh(p, &m, coa, HA_A, hoa, NULL, NULL);
}

static struct got home_bu(struct m6d *d, const char *hoa, const char *coa, uint16_t seq,
			  uint16_t life)
{
	uint8_t p[256];
	size_t n = mk_home_bu(p, hoa, coa, seq, life);

	reset_cap();
	m6d_recv_mh(d, p, n, 3, NULL, NULL);
	return got(0);
}

static void test_ha(void)
{
	struct m6_conf c;
	struct m6d *d;
	struct got g;
	struct m6_binding *b;
	uint8_t na[64];

	m6_conf_defaults(&c);
	c.role = M6_ROLE_HA;
	c.nifaces = 1;
	snprintf(c.ifaces[0].name, sizeof(c.ifaces[0].name), "ha0");
	c.ha_max_life = 600;
	memset(&C->link, 0, sizeof(C->link));
	C->link.ifindex = 3;
	C->link.has_mac = true;
	memcpy(C->link.mac, "\x02\0\0\0\0\x01", 6);
	C->link.has_ll = true;
	C->link.ll = A("fe80::1");
	C->link.nglobal = 1;
	C->link.global[0].a = A(HA_A);
	C->link.global[0].plen = 64;
	C->now = 5000;
	C->nops = 0;
	d = new_daemon(&c);
	T_OK(op_seen("sysctl net/ipv6/conf/ha0/proxy_ndp=1") &&
	     op_seen("sysctl net/ipv6/neigh/ha0/proxy_delay=0"),
	     "HA: proxy ND turned on for the home link, without delay");
	T_OK(op_seen("group join 3 2001:db8:1:0:fdff:ffff:ffff:fffe"),
	     "HA: joins the Home-Agents anycast address of its home prefix (DHAAD)");

	/* first registration: DAD first */
	g = home_bu(d, HOA, COA, 10, 1000);
	T_OK(C->npkt == 1 && g.ok && g.pi.upper == 58 && C->pkt[0].ifindex == 3 &&
	     IN6_IS_ADDR_UNSPECIFIED(&g.pi.src) && eq(&g.pi.dst, "ff02::1:ff00:100") &&
	     g.mh[0] == M6_ND_NS && !memcmp(g.mh + 8, AP(HOA), 16),
	     "HA: a first registration starts DAD: NS from :: to the solicited-node address");
	reset_cap();
	advance(d, 0.5);
	T_EQ_U(C->npkt, 0, "HA: no BA while DAD runs");
	advance(d, 0.6);
	g = find_mh(M6_BA);
	T_OK(g.ok && g.m.type == M6_BA && g.m.status == 0 && g.m.seq == 10,
	     "HA: after DAD, BA status 0 with the BU's sequence number");
	T_OK(eq(&g.pi.dst, COA) && g.pi.has_rh2 && eq(&g.home, HOA),
	     "HA: the BA goes to the care-of address with an RH2");
	T_EQ_U(g.m.lifetime, 600 / 4, "HA: lifetime capped by HaMaxBindingLife (600 s)");
	T_OK(op_seen("route add 135 " HOA "/128 via - oif 7") && op_seen("proxy add 3 " HOA),
	     "HA: home address routed into the TUN and proxied on the home link");
	{
		bool na_ok = false;

		for (size_t i = 0; i < C->npkt; i++) {
			struct got x = got(i);

			if (x.pi.upper == 58 && x.mh[0] == M6_ND_NA && (x.mh[4] & M6_NA_O) &&
			    !memcmp(x.mh + 8, AP(HOA), 16) &&
			    eq(&x.pi.dst, "ff02::1") && x.ok)
				na_ok = true;
		}
		T_OK(na_ok, "HA: an unsolicited NA (override) takes the home address over");
	}

	/* the sequence window */
	g = home_bu(d, HOA, COA, 10, 100);
	T_OK(g.m.type == M6_BA && g.m.status == M6_BA_SEQ_OOW && g.m.seq == 10,
	     "HA: the same sequence number again: BA 135 with the last accepted one");
	g = home_bu(d, HOA, COA, 9, 100);
	T_OK(g.m.status == M6_BA_SEQ_OOW, "HA: an older sequence number: BA 135");
	g = home_bu(d, HOA, COA, 10 + 40000, 100);
	T_OK(g.m.status == M6_BA_SEQ_OOW, "HA: 40000 ahead is behind modulo 2^16: BA 135");
	g = home_bu(d, HOA, COA2, 11, 100);
	b = m6_bcache_get(d->bc, AP(HOA));
	T_OK(C->npkt == 1 && g.m.status == 0 && b && eq(&b->coa, COA2),
	     "HA: a newer BU from a new care-of address updates at once (no DAD)");
	b->seq = 65535;
	g = home_bu(d, HOA, COA2, 0, 100);
	T_OK(g.m.status == 0, "HA: sequence 0 follows 65535");

	/* not home subnet */
	g = home_bu(d, "2001:db8:9::1", COA, 1, 100);
	T_OK(g.m.type == M6_BA && g.m.status == M6_BA_NOT_HOME_SUBNET,
	     "HA: a home address outside the home prefix: BA 132");

	/* tunnel */
	{
		uint8_t u[48] = { 0 };

		put_ip6(u, CN_A, HOA, 59, 0);
		reset_cap();
		d->role->on_tun(d, u, 40);
		g = got(0);
		T_OK(C->npkt == 1 && g.pi.upper == 41 && eq(&g.pi.src, HA_A) && eq(&g.pi.dst, COA2),
		     "HA: a packet to the home address is tunnelled to the care-of address");
		put_ip6(u, HOA, CN_A, 59, 0);
		d->role->on_41(d, u, 40, AP(COA), AP(HA_A));
		T_EQ_U(C->ntun, 0, "HA: a tunnelled packet from an old care-of address is dropped");
		d->role->on_41(d, u, 40, AP(COA2),
			       AP(HA_A));
		T_EQ_U(C->ntun, 1,
		       "HA: a tunnelled packet from the care-of address goes into the TUN");
	}

	/* DHAAD */
	{
		uint8_t req[8] = { M6_DHAAD_REQ, 0, 0, 0, 0x12, 0x34, 0, 0 };
		struct m6d_icmp ic = { .src = A(COA), .dst = A("2001:db8:1::fdff:ffff:ffff:fffe"),
				       .ifindex = 3, .hlim = 64, .p = req, .len = 8 };

		reset_cap();
		d->role->on_icmp6(d, &ic);
		g = got(0);
		T_OK(C->npkt == 1 && g.ok && g.pi.upper == 58 && g.mh[0] == M6_DHAAD_REP &&
		     g.mh[4] == 0x12 && g.mh[5] == 0x34 && g.mhlen == 24 &&
		     !memcmp(g.mh + 8, AP(HA_A), 16) && eq(&g.pi.dst, COA),
		     "HA: DHAAD request answered with its own address and the identifier");
	}

	/* DAD failure for another home address */
	g = home_bu(d, "2001:db8:1::200", COA, 1, 100);
	memset(na, 0, sizeof(na));
	na[0] = M6_ND_NA;
	memcpy(na + 8, AP("2001:db8:1::200"), 16);
	{
		struct m6d_icmp ic = { .src = A("fe80::99"), .dst = A("ff02::1"), .ifindex = 3,
				       .hlim = 255, .p = na, .len = 24 };

		reset_cap();
		d->role->on_icmp6(d, &ic);
		advance(d, 0.01);
		g = got(0);
		T_OK(C->npkt == 1 && g.m.type == M6_BA && g.m.status == M6_BA_DAD_FAILED,
		     "HA: an NA for the home address during DAD: BA 134");
		T_OK(!m6_bcache_get(d->bc, AP("2001:db8:1::200")),
		     "HA: ... and no binding");
	}

	/* deregistration */
	g = home_bu(d, HOA, HOA, 1, 0);
	T_OK(g.m.type == M6_BA && g.m.status == 0 && g.m.lifetime == 0 && eq(&g.pi.dst, HOA) &&
	     !g.pi.has_rh2, "HA: deregistration from home accepted, BA to the home address");
	T_OK(m6_bcache_count(d->bc) == 0 && op_seen("route del 135 " HOA "/128") &&
	     op_seen("proxy del 3 " HOA), "HA: route and proxy entry removed");
	g = home_bu(d, HOA, HOA, 2, 0);
	T_OK(g.m.status == M6_BA_NOT_HA, "HA: deregistration without binding: BA 133");
	m6d_fini(d);
	free(d);
}

/* ---- mobile node ---- */

static void feed_ra(struct m6d *d, const char *src, const char *prefix, uint32_t ival_ms)
{
	uint8_t ra[64] = { M6_ND_RA, 0, 0, 0, 64, 0, 0, 30 };
	struct in6_addr p = A(prefix);
	struct m6d_icmp ic = { .src = A(src), .dst = A("ff02::1"), .ifindex = 2, .hlim = 255,
			       .p = ra, .len = 16 + 32 };

	ra[16] = 3;
	ra[17] = 4;
	ra[18] = 64;
	ra[19] = M6_PIO_L | M6_PIO_A;
	memset(ra + 20, 0xff, 8);
	memcpy(ra + 32, &p, 16);
	if (ival_ms) {
		ra[48] = 7;
		ra[49] = 1;
		ra[52] = (uint8_t)(ival_ms >> 24);
		ra[53] = (uint8_t)(ival_ms >> 16);
		ra[54] = (uint8_t)(ival_ms >> 8);
		ra[55] = (uint8_t)ival_ms;
		ic.len += 8;
	}
	d->role->on_icmp6(d, &ic);
}

static void feed_na(struct m6d *d, const char *target)
{
	uint8_t na[24] = { M6_ND_NA, 0, 0, 0, M6_NA_S | M6_NA_R };
	struct in6_addr t = A(target);
	struct m6d_icmp ic = { .src = t, .dst = A("fe80::aa"), .ifindex = 2, .hlim = 255,
			       .p = na, .len = 24 };

	memcpy(na + 8, &t, 16);
	d->role->on_icmp6(d, &ic);
}

static size_t count_type(uint8_t upper, uint8_t type)
{
	size_t k = 0;

	for (size_t i = 0; i < C->npkt; i++) {
		struct got g = got(i);

		if (g.pi.upper == upper && ((upper == M6_IPPROTO_MH && g.m.type == type) ||
					    (upper != M6_IPPROTO_MH && g.mhlen && g.mh[0] == type)))
			k++;
	}
	return k;
}

static void test_mn(void)
{
	struct m6_conf c;
	struct m6d *d;
	struct got g;
	const struct m6_bul_entry *e;
	double t0, want[] = { 1.5, 4.5, 10.5, 22.5, 46.5, 78.5, 110.5 };
	size_t sent = 0;
	uint16_t seq0;
	char coa[64];
	bool sched = true;

	m6_conf_defaults(&c);
	c.role = M6_ROLE_MN;
	c.nifaces = 1;
	snprintf(c.ifaces[0].name, sizeof(c.ifaces[0].name), "mn0");
	c.nhomelinks = 1;
	snprintf(c.homelinks[0].ifname, sizeof(c.homelinks[0].ifname), "mn0");
	c.homelinks[0].hoa = A(HOA);
	c.homelinks[0].plen = 64;
	c.homelinks[0].ha = A(HA_A);
	c.mn_router_probes = 1;
	c.mn_router_probe_timeout = 0.5;
	memset(&C->link, 0, sizeof(C->link));
	C->link.ifindex = 2;
	C->link.has_mac = true;
	memcpy(C->link.mac, "\x02\0\0\0\0\xaa", 6);
	C->link.has_ll = true;
	C->link.ll = A("fe80::aa");
	C->now = 100;
	reset_cap();
	d = new_daemon(&c);
	T_EQ_U(count_type(58, M6_ND_RS), 1, "MN: a Router Solicitation at start");

	/* at home */
	reset_cap();
	feed_ra(d, "fe80::1", "2001:db8:1::", 1500);
	T_OK(op_seen("addr add 2 " HOA "/64") && count_type(M6_IPPROTO_MH, M6_BU) == 0,
	     "MN: an RA with the home prefix: home address on the link, no BU");
	T_OK(op_seen("route add 0 ::/0 via fe80::1 oif 2"), "MN: default route via the router");

	/* a new router: NUD of the old one first */
	reset_cap();
	advance(d, 0.2);
	feed_ra(d, "fe80::2", "2001:db8:2::", 1500);
	g = got(0);
	T_OK(C->npkt >= 1 && g.pi.upper == 58 && g.mh[0] == M6_ND_NS && eq(&g.pi.dst, "fe80::1") &&
	     C->pkt[0].ifindex == 2, "MN: an RA from a new router with a new prefix: NS to the "
	     "old router first");
	feed_na(d, "fe80::1");
	reset_cap();
	advance(d, 1.0);
	T_OK(count_type(M6_IPPROTO_MH, M6_BU) == 0 && !op_seen("addr add 2 2001:db8:2:"),
	     "MN: the old router answered: no movement");

	/* the old router is gone */
	feed_ra(d, "fe80::2", "2001:db8:2::", 1500);
	reset_cap();
	advance(d, 0.3);
	T_EQ_U(count_type(M6_IPPROTO_MH, M6_BU), 0, "MN: no decision before MnRouterProbeTimeout");
	advance(d, 0.25);
	snprintf(coa, sizeof(coa), "addr add 2 2001:db8:2::ff:fe00:aa/64");
	T_OK(op_seen(coa), "MN: moved: care-of address from the prefix and the EUI-64 identifier");
	T_OK(op_seen("addr del 2 " HOA "/64") && op_seen("addr add 7 " HOA "/128") &&
	     op_seen("rule add 1000 from " HOA " lookup 135") &&
	     op_seen("route add 135 ::/0 via - oif 7"),
	     "MN: home address moved to the TUN, rule from it into table 135");
	g = got(C->npkt - 1);
	T_OK(g.ok && g.m.type == M6_BU &&
	     (g.m.flags & (M6_BU_A | M6_BU_H)) == (M6_BU_A | M6_BU_H) &&
	     g.pi.has_hao && eq(&g.home, HOA) && eq(&g.pi.dst, HA_A) &&
	     eq(&g.pi.src, "2001:db8:2::ff:fe00:aa"),
	     "MN: home registration: BU with A and H from the care-of address, HAO");
	T_EQ_U(d->stats.v[M6_ST_MOVES], 1, "MN: one movement counted");

	/* retransmissions: InitialBindackTimeoutFirstReg, doubling, capped at 32 */
	t0 = C->now;
	seq0 = g.m.seq;
	for (int step = 0; step < 200 && sent < 7; step++) {
		size_t before = C->npkt;

		/* straight to the next deadline: the schedule is exact */
		C->now = m6d_timer_next(d);
		m6d_timers_run(d);
		for (size_t i = before; i < C->npkt; i++) {
			struct got x = got(i);

			if (x.m.type != M6_BU || x.pi.upper != M6_IPPROTO_MH)
				continue;
			double dt = C->now - t0 - want[sent];

			if (dt > 0.001 || dt < -0.001 || x.m.seq != seq0 + sent + 1) {
				sched = false;
				printf("# retransmission %zu at +%.2f s seq %u\n", sent,
				       C->now - t0, x.m.seq);
			}
			sent++;
		}
	}
	T_OK(sched && sent == 7, "MN: BU retransmitted at +1.5, 4.5, 10.5, 22.5, 46.5, 78.5, "
	     "110.5 s (timeouts 1.5 doubling, capped at 32), each with a new sequence number");

	/* the BA (with the sequence of the last BU) */
	e = m6_bul_get(&d->bul, AP(HA_A));
	{
		struct m6_mh m = { .type = M6_BA, .proto = 59, .seq = (uint16_t)(e->seq - 1),
				   .lifetime = 100 };
		uint8_t p[256];
		size_t n;

		n = mk_mh(p, &m, HA_A, "2001:db8:2::ff:fe00:aa", NULL, HOA, NULL);
		m6d_recv_mh(d, p, n, 2, NULL, NULL);
		T_EQ_U(e->state, M6_BUL_WAIT_BA,
		       "MN: a BA with another sequence number is ignored");
		m.seq = e->seq;
		n = mk_mh(p, &m, HA_A, "2001:db8:2::ff:fe00:aa", NULL, HOA, NULL);
		m6d_recv_mh(d, p, n, 2, NULL, NULL);
		T_OK(e->state == M6_BUL_BOUND && e->granted == 400,
		     "MN: the matching BA binds the home registration (400 s)");
		T_OK(e->next > C->now + 300 && e->next < C->now + 400,
		     "MN: refresh scheduled before expiry (at %.0f s of 400)", e->next - C->now);
	}

	/* a tunnelled packet from a correspondent starts return routability */
	{
		uint8_t u[48] = { 0 };
		size_t hoti = 0, coti = 0;

		put_ip6(u, CN_A, HOA, 59, 0);
		reset_cap();
		d->role->on_41(d, u, 40, AP(HA_A),
			       AP("2001:db8:2::ff:fe00:aa"));
		T_EQ_U(C->ntun, 1, "MN: a packet tunnelled by the HA goes into the TUN");
		for (size_t i = 0; i < C->npkt; i++) {
			struct got x = got(i);

			if (x.pi.upper == 41)
				hoti++;
			else if (x.m.type == M6_COTI && eq(&x.pi.dst, CN_A))
				coti++;
		}
		T_OK(hoti == 1 && coti == 1,
		     "MN: ... and starts return routability: HoTI through the tunnel, CoTI direct");
	}

	/* back home: deregistration */
	reset_cap();
	feed_ra(d, "fe80::1", "2001:db8:1::", 1500);
	advance(d, 0.6);
	g = got(C->npkt - 1);
	{
		bool dereg = false;

		for (size_t i = 0; i < C->npkt; i++) {
			struct got x = got(i);

			if (x.m.type == M6_BU && eq(&x.pi.dst, HA_A) && x.m.lifetime == 0 &&
			    eq(&x.pi.src, HOA) && !x.pi.has_hao)
				dereg = true;
		}
		T_OK(dereg, "MN: back home: deregistration BU from the home address, lifetime 0");
	}
	T_OK(op_seen("addr add 2 " HOA "/64") && op_seen("rule del 1000 from " HOA),
	     "MN: back home: home address on the link again, rule removed");
	m6d_fini(d);
	free(d);
}

/* A mobile node without HomeAgentAddress finds its home agent by DHAAD. */
static void test_mn_dhaad(void)
{
	struct m6_conf c;
	struct m6d *d;
	struct got g;
	bool found = false;
	uint16_t id = 0;

	m6_conf_defaults(&c);
	c.role = M6_ROLE_MN;
	c.nifaces = 1;
	snprintf(c.ifaces[0].name, sizeof(c.ifaces[0].name), "mn0");
	c.nhomelinks = 1;
	snprintf(c.homelinks[0].ifname, sizeof(c.homelinks[0].ifname), "mn0");
	c.homelinks[0].hoa = A(HOA);
	c.homelinks[0].plen = 64;
	c.mn_router_probe_timeout = 0.5;
	C->now = 100;
	d = new_daemon(&c);
	reset_cap();
	feed_ra(d, "fe80::2", "2001:db8:2::", 0);
	for (size_t i = 0; i < C->npkt; i++) {
		g = got(i);
		if (g.pi.upper == 58 && g.mh[0] == M6_DHAAD_REQ && g.ok &&
		    eq(&g.pi.dst, "2001:db8:1::fdff:ffff:ffff:fffe") &&
		    eq(&g.pi.src, "2001:db8:2::ff:fe00:aa")) {
			found = true;
			id = (uint16_t)(g.mh[4] << 8 | g.mh[5]);
		}
	}
	T_OK(found, "MN without HomeAgentAddress, away: DHAAD request from the care-of address "
	     "to the Home-Agents anycast address");
	T_EQ_U(count_type(M6_IPPROTO_MH, M6_BU), 0, "MN: no BU before a home agent is known");
	{
		uint8_t rep[24] = { M6_DHAAD_REP, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id };
		struct m6d_icmp ic = { .src = A(HA_A), .dst = A("2001:db8:2::ff:fe00:aa"),
				       .ifindex = 2, .hlim = 64, .p = rep, .len = 24 };

		memcpy(rep + 8, AP(HA_A), 16);
		reset_cap();
		d->role->on_icmp6(d, &ic);
		g = find_mh(M6_BU);
		T_OK(g.ok && eq(&g.pi.dst, HA_A) && g.pi.has_hao,
		     "MN: the DHAAD reply's home agent gets the home registration");
	}
	m6d_fini(d);
	free(d);
}

/* ---- movement detection alone ---- */

static struct m6_ra ra_of(const char *src, const char *prefix, uint32_t ival)
{
	struct m6_ra ra;

	memset(&ra, 0, sizeof(ra));
	ra.src = A(src);
	ra.ifindex = 2;
	ra.lifetime = 30;
	ra.npfx = 1;
	ra.pfx[0].prefix = A(prefix);
	ra.pfx[0].plen = 64;
	ra.pfx[0].flags = M6_PIO_A | M6_PIO_L;
	ra.pfx[0].valid = 100;
	ra.has_ival = ival > 0;
	ra.ival_ms = ival;
	return ra;
}

static void test_movement(void)
{
	struct m6_move mv;
	struct m6_ra r1 = ra_of("fe80::1", "2001:db8:1::", 1000),
		     r2 = ra_of("fe80::2", "2001:db8:2::", 0),
		     r3 = ra_of("fe80::3", "2001:db8:1::", 0);
	struct in6_addr ll1 = A("fe80::1");

	m6_move_init(&mv, 2, 0.5);
	T_EQ_U(m6_move_ra(&mv, &r1, 10), M6_MV_ATTACH, "movement: the first RA attaches");
	T_EQ_U(m6_move_ra(&mv, &r1, 10.5), M6_MV_NONE, "movement: the same router again: nothing");
	T_EQ_U(m6_move_ra(&mv, &r3, 10.6), M6_MV_NONE,
	       "movement: another router with our prefix: same link, nothing");
	T_EQ_U(m6_move_ra(&mv, &r2, 10.7), M6_MV_PROBE,
	       "movement: a router with a new prefix: probe the current router");
	T_EQ_U(m6_move_tick(&mv, 11.0), M6_MV_NONE, "movement: nothing before the probe timeout");
	T_EQ_U(m6_move_na(&mv, &ll1, 2, 11.1), M6_MV_NONE, "movement: the NA answers the probe");
	T_OK(!mv.probing && !mv.cand.valid, "movement: ... which ends probing, candidate dropped");
	T_EQ_U(m6_move_ra(&mv, &r2, 11.5), M6_MV_PROBE, "movement: the new router again: probe");
	T_EQ_U(m6_move_tick(&mv, 12.0), M6_MV_PROBE,
	       "movement: MnRouterProbes 2: a second probe after the first timeout");
	T_EQ_U(m6_move_tick(&mv, 12.5), M6_MV_MOVED, "movement: no answer to both: moved");
	T_OK(IN6_ARE_ADDR_EQUAL(&mv.cur.ll, &r2.src), "movement: the new router is current");

	/* missing RA by the Advertisement Interval */
	m6_move_init(&mv, 1, 0.5);
	m6_move_ra(&mv, &r1, 100);
	T_EQ_U(m6_move_tick(&mv, 101.05), M6_MV_NONE,
	       "movement: within the Advertisement Interval (1 s) and slack: nothing");
	T_EQ_U(m6_move_tick(&mv, 101.11), M6_MV_PROBE,
	       "movement: an RA missing after the Advertisement Interval: probe");
	T_EQ_U(m6_move_tick(&mv, 101.7), M6_MV_LOST,
	       "movement: no answer and no other router: lost");
	T_EQ_U(m6_move_ra(&mv, &r2, 102), M6_MV_ATTACH, "movement: the next router attaches");
	T_OK(m6_move_next(&mv) == 0, "movement: no Advertisement Interval: no timer");
}

/* ---- ND parsing and addresses ---- */

static void test_nd(void)
{
	uint8_t ra[80] = { M6_ND_RA, 0, 0, 0, 64, M6_RA_H, 0x07, 0x08 };
	struct m6_ra r;
	struct in6_addr a, p = A("2001:db8:1::1");
	const char *why;

	ra[16] = 1;	/* SLLAO */
	ra[17] = 1;
	memcpy(ra + 18, "\x02\x11\x22\x33\x44\x55", 6);
	ra[24] = 3;	/* PIO with R */
	ra[25] = 4;
	ra[26] = 64;
	ra[27] = M6_PIO_L | M6_PIO_A | M6_PIO_R;
	memcpy(ra + 40, &p, 16);
	ra[56] = 7;	/* Advertisement Interval 1500 ms */
	ra[57] = 1;
	ra[62] = 0x05;
	ra[63] = 0xdc;
	ra[64] = 8;	/* Home Agent Information: pref -2, lifetime 1800 */
	ra[65] = 1;
	ra[68] = 0xff;
	ra[69] = 0xfe;
	ra[70] = 0x07;
	ra[71] = 0x08;
	T_OK(m6_nd_parse_ra(ra, 72, &r, &why) == 0,
	     "RA with SLLAO, PIO, AdvInterval, HA info parses");
	T_OK(r.flags & M6_RA_H && r.lifetime == 0x708 && r.has_mac && r.npfx == 1 &&
	     r.pfx[0].flags & M6_PIO_R && r.has_ival && r.ival_ms == 1500 && r.has_hainfo &&
	     r.ha_pref == -2 && r.ha_life == 1800, "RA fields read");
	ra[65] = 2;
	T_OK(m6_nd_parse_ra(ra, 72, &r, &why) == -EINVAL && why,
	     "an option running past the end is refused (%s)", why ? why : "");
	ra[65] = 0;
	T_OK(m6_nd_parse_ra(ra, 72, &r, &why) == -EINVAL, "an option of length 0 is refused");
	T_OK(m6_nd_parse_ra(ra, 10, &r, &why) == -EINVAL, "a short RA is refused");
	m6_nd_ha_anycast(AP("2001:db8:1::"), 64, &a);
	T_OK(eq(&a, "2001:db8:1::fdff:ffff:ffff:fffe"), "Home-Agents anycast of a /64 (RFC 2526)");
	m6_nd_ha_anycast(AP("2001:db8:1::"), 48, &a);
	T_OK(eq(&a, "2001:db8:1:ffff:ffff:ffff:ffff:fffe"), "Home-Agents anycast of a /48");
	m6_nd_solicited_node(AP("2001:db8::1:2345:6789"), &a);
	T_OK(eq(&a, "ff02::1:ff45:6789"), "solicited-node multicast address");
	ra[65] = 1;
	{
		struct m6_halist l = { 0 };
		struct in6_addr out[4];

		m6_nd_parse_ra(ra, 72, &r, &why);
		r.ifindex = 3;
		r.src = A("fe80::5");
		m6_halist_ra(&l, &r, 10);
		r.src = A("fe80::6");
		r.pfx[0].prefix = A("2001:db8:1::6");
		r.ha_pref = 5;
		m6_halist_ra(&l, &r, 10);
		T_OK(m6_halist_addrs(&l, 3, out, 4) == 2 && eq(&out[0], "2001:db8:1::6"),
		     "home agents list sorted by preference, global address from the R flag");
		r.ha_life = 0;
		m6_halist_ra(&l, &r, 11);
		m6_halist_expire(&l, 10 + 1800);
		T_EQ_U(l.n, 0, "home agents leave with lifetime 0 or on expiry");
	}
}

int main(void)
{
	t_pkt_init();
	C = calloc(1, sizeof(*C));
	if (!C) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	test_nd();
	test_movement();
	test_cn();
	test_ha();
	test_mn();
	test_mn_dhaad();
	free(C);
	return t_done();
}
