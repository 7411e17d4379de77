/*
 * The core of mip6d: setting the daemon up for its role (data plane,
 * sockets, policy rules, control socket, signals), the event loop (one
 * poll over the TUN, the tunnel socket, NFQUEUE, the ICMPv6 socket, the
 * control socket and a signalfd; the earliest timer decides the timeout),
 * the single place where Mobility Header messages are sent and received,
 * the NFQUEUE verdicts, the timers, logging, and the kernel operations
 * (struct m6d_ops) the roles act through. SIGINT and SIGTERM end the loop
 * and everything the daemon added is removed; SIGHUP reopens the log file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "m6d.h"
#include "link.h"
#include "netns.h"
#include "route.h"
#include "rtnl.h"

/* ---- logging ---- */

void m6d_log(struct m6d *d, int level, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	FILE *f = d->log ? d->log : stderr;

	/* (the fmt test keeps a sanitizer build from seeing a null path) */
	if (!fmt || (level > d->level && level != M6D_LOG_ERR))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(f, "[%lld.%06ld] mip6d: ", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

const char *m6d_ntop(struct m6d *d, const struct in6_addr *a)
{
	char *b = d->ntop[d->ntop_i++ % 8];

	if (!inet_ntop(AF_INET6, a, b, INET6_ADDRSTRLEN))
		snprintf(b, INET6_ADDRSTRLEN, "?");
	return b;
}

static int log_open(struct m6d *d)
{
	if (d->log_owned && d->log)
		fclose(d->log);
	d->log = NULL;
	d->log_owned = false;
	if (!d->conf.debug_log[0])
		return 0;
	d->log = fopen(d->conf.debug_log, "ae");
	if (!d->log)
		return -errno;
	d->log_owned = true;
	return 0;
}

/* ---- timers and rates ---- */

double m6d_now(struct m6d *d)
{
	return d->ops->now(d);
}

int m6d_timer_add(struct m6d *d, struct m6d_timer *t, const char *name,
		  void (*fn)(struct m6d *d, struct m6d_timer *t))
{
	if (d->ntimers == M6D_MAX_TIMERS)
		return -ENOSPC;
	t->when = 0;
	t->fn = fn;
	t->name = name;
	d->timers[d->ntimers++] = t;
	return 0;
}

void m6d_timer_arm(struct m6d_timer *t, double when)
{
	/* 0 means "not armed": a deadline at the clock's origin is "now" */
	t->when = when > 0 ? when : 1e-9;
}

void m6d_timer_sooner(struct m6d_timer *t, double when)
{
	if (!t->when || when < t->when)
		m6d_timer_arm(t, when);
}

void m6d_timer_stop(struct m6d_timer *t)
{
	t->when = 0;
}

double m6d_timer_next(const struct m6d *d)
{
	double next = 0;

	for (size_t i = 0; i < d->ntimers; i++)
		if (d->timers[i]->when && (!next || d->timers[i]->when < next))
			next = d->timers[i]->when;
	return next;
}

void m6d_timers_run(struct m6d *d)
{
	double now = m6d_now(d);

	for (size_t i = 0; i < d->ntimers; i++) {
		struct m6d_timer *t = d->timers[i];

		if (t->when && t->when <= now) {
			t->when = 0;
			t->fn(d, t);
		}
	}
}

bool m6d_rate_ok(struct m6d_rate *r, double now)
{
	if (r->last)
		r->tokens += (now - r->last) * r->rate;
	r->last = now;
	if (r->tokens > r->burst)
		r->tokens = r->burst;
	if (r->tokens < 1)
		return false;
	r->tokens -= 1;
	return true;
}

/* ---- addresses ---- */

bool m6d_prefix_match(const struct in6_addr *a, const struct in6_addr *p, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (plen < 0 || plen > 128)
		return false;
	if (memcmp(a->s6_addr, p->s6_addr, (size_t)full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (a->s6_addr[full] & mask) == (p->s6_addr[full] & mask);
	}
	return true;
}

void m6d_ip6_hdr(uint8_t *p, const struct in6_addr *src, const struct in6_addr *dst,
		 uint8_t nh, uint16_t plen, uint8_t hlim)
{
	p[0] = 0x60;
	p[1] = p[2] = p[3] = 0;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

int m6d_tun_route(struct m6d *d, bool add, const struct in6_addr *hoa)
{
	int rc = d->ops->route(d, add, M6D_TABLE, hoa, 128, NULL, d->dp.tun_ifindex);

	if (rc && !(add && rc == -EEXIST) && !(!add && rc == -ESRCH))
		m6d_log(d, M6D_LOG_ERR, "route %s %s/128 into the TUN: %s", add ? "add" : "del",
			m6d_ntop(d, hoa), strerror(-rc));
	return rc;
}

/* ---- Mobility Header out ---- */

static const enum m6_stat tx_stat[M6_MH_NTYPES] = {
	[M6_BRR] = M6_ST_BRR_TX, [M6_HOTI] = M6_ST_HOTI_TX, [M6_COTI] = M6_ST_COTI_TX,
	[M6_HOT] = M6_ST_HOT_TX, [M6_COT] = M6_ST_COT_TX, [M6_BU] = M6_ST_BU_TX,
	[M6_BA] = M6_ST_BA_TX, [M6_BE] = M6_ST_BE_TX,
};

static const enum m6_stat rx_stat[M6_MH_NTYPES] = {
	[M6_BRR] = M6_ST_BRR_RX, [M6_HOTI] = M6_ST_HOTI_RX, [M6_COTI] = M6_ST_COTI_RX,
	[M6_HOT] = M6_ST_HOT_RX, [M6_COT] = M6_ST_COT_RX, [M6_BU] = M6_ST_BU_RX,
	[M6_BA] = M6_ST_BA_RX, [M6_BE] = M6_ST_BE_RX,
};

int m6d_send_pkt(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6d_tx *tx)
{
	uint8_t a[2048], b[2048];
	const uint8_t *p = pkt;
	size_t n = len;
	int rc;

	if (tx->hao) {
		rc = m6_pkt_hao_out(p, n, &tx->src, a, sizeof(a), &n);
		if (rc)
			return rc;
		p = a;
	}
	if (tx->rh2) {
		rc = m6_pkt_rh2_out(p, n, &tx->dst, b, sizeof(b), &n);
		if (rc)
			return rc;
		p = b;
	}
	if (tx->tun_src && tx->tun_dst) {
		uint8_t *o = p == a ? b : a;

		rc = m6_pkt_encap(p, n, tx->tun_src, tx->tun_dst, o, sizeof(a), &n);
		if (rc)
			return rc;
		p = o;
	}
	return d->ops->send(d, p, n, 0);
}

int m6d_send_mh(struct m6d *d, const struct m6_mh *m, const struct m6d_tx *tx)
{
	/* The packet as the upper layer sees it: from the home address when a
	 * HAO goes in, to the home address when an RH2 does (the checksum and
	 * the authenticator are computed on those). */
	struct in6_addr s = tx->hao ? *tx->hao : tx->src, t = tx->rh2 ? *tx->rh2 : tx->dst;
	uint8_t *pkt = d->tx, *mh = d->tx + 40;
	size_t mlen, auth_off = 0;
	int rc;

	/* ESP (RFC 3776/4877) hook: MN-HA signalling would be protected here. */
	rc = m6_mh_build(m, mh, 2048, &mlen, &auth_off);
	if (rc) {
		m6d_log(d, M6D_LOG_ERR, "building %s: %s", m6_mh_type_name(m->type),
			strerror(-rc));
		return rc;
	}
	if (m->has_bad && tx->kbm) {
		/* BU: from the care-of address to the correspondent; BA: back */
		if (m->type == M6_BU)
			m6_rr_auth(tx->kbm, &tx->src, &tx->dst, mh, mlen, auth_off, mh + auth_off);
		else
			m6_rr_auth(tx->kbm, &tx->dst, &tx->src, mh, mlen, auth_off, mh + auth_off);
	}
	m6_mh_set_csum(&s, &t, mh, mlen);
	m6d_ip6_hdr(pkt, &s, &t, M6_IPPROTO_MH, (uint16_t)mlen, 64);
	rc = m6d_send_pkt(d, pkt, 40 + mlen, tx);
	if (rc) {
		m6d_log(d, M6D_LOG_ERR, "sending %s to %s: %s", m6_mh_type_name(m->type),
			m6d_ntop(d, &tx->dst), strerror(-rc));
		return rc;
	}
	d->stats.v[M6_ST_MH_TX]++;
	if (m->type < M6_MH_NTYPES)
		d->stats.v[tx_stat[m->type]]++;
	m6d_log(d, M6D_LOG_DEBUG, "sent %s %s -> %s%s%s%s%s", m6_mh_type_name(m->type),
		m6d_ntop(d, &tx->src), m6d_ntop(d, &tx->dst), tx->hao ? " hao " : "",
		tx->hao ? m6d_ntop(d, tx->hao) : "", tx->rh2 ? " rh2 " : "",
		tx->rh2 ? m6d_ntop(d, tx->rh2) : "");
	return 0;
}

int m6d_send_be(struct m6d *d, uint8_t status, const struct in6_addr *from,
		const struct in6_addr *to, const struct in6_addr *home)
{
	struct m6_mh m = { .type = M6_BE, .proto = 59, .status = status };
	struct m6d_tx tx = { .src = *from, .dst = *to };

	if (IN6_IS_ADDR_MULTICAST(to) || IN6_IS_ADDR_UNSPECIFIED(to))
		return -EINVAL;
	if (!m6d_rate_ok(&d->err_rate, m6d_now(d))) {
		m6d_log(d, M6D_LOG_DEBUG, "Binding Error %u to %s rate limited", status,
			m6d_ntop(d, to));
		return -EAGAIN;
	}
	if (home)
		m.home = *home;
	return m6d_send_mh(d, &m, &tx);
}

int m6d_send_ba(struct m6d *d, const struct m6d_rx *rx, uint8_t status, uint16_t seq,
		uint32_t lifetime_s, const uint8_t *kbm)
{
	struct m6_mh m = { .type = M6_BA, .proto = 59, .status = status, .seq = seq };
	struct m6d_tx tx = { .src = rx->dst, .dst = rx->src, .kbm = kbm };
	struct in6_addr hoa = rx->home;

	m.lifetime = (uint16_t)(lifetime_s / 4 > 0xffff ? 0xffff : lifetime_s / 4);
	m.has_bad = kbm != NULL;
	if (rx->hao)
		tx.rh2 = &hoa;
	return m6d_send_mh(d, &m, &tx);
}

/* ICMPv6 Parameter Problem (code 0) for a malformed Mobility Header, with
 * as much of the packet as fits in the minimum MTU (rate limited). */
static void send_param_prob(struct m6d *d, const uint8_t *pkt, size_t len, uint32_t ptr)
{
	uint8_t body[1280 - 48];
	struct in6_addr src, dst;
	size_t n = len > sizeof(body) - 4 ? sizeof(body) - 4 : len, plen;
	uint8_t out[1280];
	int rc;

	memcpy(&src, pkt + 8, 16);
	memcpy(&dst, pkt + 24, 16);
	if (IN6_IS_ADDR_MULTICAST(&dst) || IN6_IS_ADDR_UNSPECIFIED(&src) ||
	    IN6_IS_ADDR_MULTICAST(&src))
		return;
	if (!m6d_rate_ok(&d->err_rate, m6d_now(d)))
		return;
	body[0] = (uint8_t)(ptr >> 24);
	body[1] = (uint8_t)(ptr >> 16);
	body[2] = (uint8_t)(ptr >> 8);
	body[3] = (uint8_t)ptr;
	memcpy(body + 4, pkt, n);
	rc = m6_icmp6_build(out, sizeof(out), &plen, &dst, &src, 64, M6_ICMP6_PARAM_PROB, 0, body,
			    4 + n);
	if (!rc)
		d->ops->send(d, out, plen, 0);
}

/* ---- Mobility Header in ---- */

int m6d_recv_mh(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex,
		const struct in6_addr *osrc, const struct in6_addr *odst)
{
	struct m6_pkt_info pi;
	struct m6d_rx rx;
	struct in6_addr cs, cd;
	const char *why = NULL;
	int rc;

	/* ESP (RFC 3776/4877) hook: protected MN-HA signalling would be
	 * checked and unwrapped here, before anything else looks at it. */
	memset(&rx, 0, sizeof(rx));
	d->stats.v[M6_ST_MH_RX]++;
	rc = m6_pkt_info(pkt, len, &pi);
	if (rc || pi.upper != M6_IPPROTO_MH || pi.upper_off > len) {
		d->stats.v[M6_ST_MH_MALFORMED]++;
		m6d_log(d, M6D_LOG_INFO, "dropped a Mobility Header packet: broken header chain");
		return -EINVAL;
	}
	rx.src = pi.src;
	rx.dst = pi.dst;
	if (pi.has_hao && pi.has_rh2) {
		d->stats.v[M6_ST_MH_MALFORMED]++;
		m6d_log(d, M6D_LOG_INFO, "dropped a Mobility Header with both HAO and RH2");
		return -EINVAL;
	}
	if (pi.has_hao) {
		if (pi.hao_off > len || 16 > len - pi.hao_off)
			return -EINVAL;
		memcpy(&rx.home, pkt + pi.hao_off, 16);
		rx.hao = true;
	}
	if (pi.has_rh2) {
		if (pi.rh2_off > len || 24 > len - pi.rh2_off || pi.rh2_segleft != 1) {
			d->stats.v[M6_ST_MH_MALFORMED]++;
			return -EINVAL;
		}
		memcpy(&rx.home, pkt + pi.rh2_off + 8, 16);
		rx.rh2 = true;
	}
	cs = rx.hao ? rx.home : rx.src;
	cd = rx.rh2 ? rx.home : rx.dst;
	rx.mh = pkt + pi.upper_off;
	rx.mhlen = len - pi.upper_off;
	rx.ifindex = ifindex;
	if (osrc && odst) {
		rx.tunnelled = true;
		rx.osrc = *osrc;
		rx.odst = *odst;
	}
	if (!m6_mh_csum_ok(&cs, &cd, rx.mh, rx.mhlen)) {
		d->stats.v[M6_ST_MH_BAD_CSUM]++;
		m6d_log(d, M6D_LOG_INFO, "dropped a Mobility Header from %s: bad checksum",
			m6d_ntop(d, &rx.src));
		return -EBADMSG;
	}
	rc = m6_mh_parse(rx.mh, rx.mhlen, &rx.m, &why);
	if (rc == -ENOTSUP) {
		d->stats.v[M6_ST_MH_UNKNOWN_TYPE]++;
		m6d_log(d, M6D_LOG_INFO, "unknown Mobility Header type %u from %s: Binding Error 2",
			rx.m.type, m6d_ntop(d, &rx.src));
		m6d_send_be(d, M6_BE_UNKNOWN_MH, &rx.dst, &rx.src, rx.hao ? &rx.home : NULL);
		return rc;
	}
	if (rc) {
		d->stats.v[M6_ST_MH_MALFORMED]++;
		m6d_log(d, M6D_LOG_INFO, "dropped a malformed Mobility Header from %s: %s",
			m6d_ntop(d, &rx.src), why ? why : "?");
		/* RFC 6275 §9.2: Parameter Problem pointing at Payload Proto
		 * when it is not 59, else at Header Len */
		if (!osrc) {
			bool proto = rx.mhlen && rx.mh[0] != 59;

			send_param_prob(d, pkt, len, (uint32_t)pi.upper_off + (proto ? 0 : 1));
		}
		return rc;
	}
	if (rx.m.type < M6_MH_NTYPES)
		d->stats.v[rx_stat[rx.m.type]]++;
	m6d_log(d, M6D_LOG_DEBUG, "received %s %s -> %s%s%s%s%s%s", m6_mh_type_name(rx.m.type),
		m6d_ntop(d, &rx.src), m6d_ntop(d, &rx.dst), rx.hao ? " hao " : "",
		rx.rh2 ? " rh2 " : "", rx.hao || rx.rh2 ? m6d_ntop(d, &rx.home) : "",
		rx.tunnelled ? " tunnelled from " : "", rx.tunnelled ? m6d_ntop(d, &rx.osrc) : "");
	if (d->role->on_mh)
		d->role->on_mh(d, &rx);
	return 0;
}

/* ---- NFQUEUE ---- */

int m6d_nfq(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex, uint8_t *out,
	    size_t cap, size_t *outlen)
{
	struct m6_pkt_info pi;

	if (m6_pkt_info(pkt, len, &pi))
		return M6_NF_ACCEPT;	/* not ours to judge: the kernel decides */
	/* forwarded packets (a router, the HA passing on a Home Test) */
	if (!d->ops->is_local(d, &pi.dst))
		return M6_NF_ACCEPT;
	if (pi.upper == M6_IPPROTO_MH) {
		m6d_recv_mh(d, pkt, len, ifindex, NULL, NULL);
		return M6_NF_DROP;
	}
	if (d->role->on_nfq)
		return d->role->on_nfq(d, pkt, len, &pi, ifindex, out, cap, outlen);
	return M6_NF_ACCEPT;
}

static int nfq_cb(void *ctx, const uint8_t *pkt, size_t len, int ifindex, uint8_t *out,
		  size_t cap, size_t *outlen)
{
	return m6d_nfq(ctx, pkt, len, ifindex, out, cap, outlen);
}

/* ---- kernel operations ---- */

static double k_now(struct m6d *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int k_send(struct m6d *d, const uint8_t *pkt, size_t len, int ifindex)
{
	if (ifindex)
		return m6_nd_ll_send(d, pkt, len, ifindex);
	return m6_dp_send(&d->dp, pkt, len);
}

static int k_tun_write(struct m6d *d, const uint8_t *pkt, size_t len)
{
	return m6_dp_tun_write(&d->dp, pkt, len);
}

static int k_link(struct m6d *d, const char *name, struct m6d_link *out)
{
	struct net_link l;
	struct net_addr *v = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = net_link_get(d->nl, 0, name, &l);
	if (rc)
		return rc;
	out->ifindex = l.ifindex;
	if (l.addr_len == 6) {
		memcpy(out->mac, l.addr, 6);
		out->has_mac = true;
	}
	rc = net_addr_list(d->nl, l.ifindex, AF_INET6, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct in6_addr a;

		memcpy(&a, v[i].ip.a, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&a)) {
			if (!out->has_ll) {
				out->ll = a;
				out->has_ll = true;
			}
		} else if (v[i].scope == RT_SCOPE_UNIVERSE && out->nglobal < M6D_LINK_MAX_GLOBAL) {
			out->global[out->nglobal].a = a;
			out->global[out->nglobal++].plen = v[i].plen;
		}
	}
	free(v);
	return 0;
}

static int local_refresh(struct m6d *d)
{
	struct net_addr *v = NULL;
	size_t n = 0;
	int rc = net_addr_list(d->nl, 0, AF_INET6, &v, &n);
	struct in6_addr *a;

	if (rc)
		return rc;
	a = calloc(n ? n : 1, sizeof(*a));
	if (!a) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&a[i], v[i].ip.a, 16);
	free(v);
	free(d->local);
	d->local = a;
	d->nlocal = n;
	d->local_time = m6d_now(d);
	d->local_stale = false;
	return 0;
}

static bool local_find(const struct m6d *d, const struct in6_addr *a)
{
	for (size_t i = 0; i < d->nlocal; i++)
		if (IN6_ARE_ADDR_EQUAL(&d->local[i], a))
			return true;
	return false;
}

static bool k_is_local(struct m6d *d, const struct in6_addr *a)
{
	if (d->local_stale)
		local_refresh(d);
	if (local_find(d, a))
		return true;
	if (m6d_now(d) - d->local_time < 1.0)
		return false;
	local_refresh(d);
	return local_find(d, a);
}

static void to_ip(struct net_ip *ip, const struct in6_addr *a)
{
	ip->family = AF_INET6;
	memcpy(ip->a, a, 16);
}

static int rtget_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWROUTE && mnl_nlmsg_get_payload_len(nlh) >= sizeof(*rtm) &&
	    rtm->rtm_type == RTN_LOCAL)
		*(bool *)data = true;
	return MNL_CB_OK;
}

/* Whether the kernel delivers packets to a locally (its local route). */
static bool addr_is_local(struct m6d *d, const struct in6_addr *a)
{
	struct nlmsghdr *nlh = net_rtnl_req(d->nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	bool local = false;

	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	mnl_attr_put(nlh, RTA_DST, 16, a);
	net_rtnl_talk(d->nl, nlh, rtget_cb, &local);
	return local;
}

static int k_addr(struct m6d *d, bool add, int ifindex, const struct in6_addr *a, int plen,
		  uint32_t flags)
{
	struct net_ip ip;
	int rc;

	to_ip(&ip, a);
	rc = add ? net_addr_add(d->nl, ifindex, &ip, (unsigned)plen, flags)
		 : net_addr_del(d->nl, ifindex, &ip, (unsigned)plen);
	d->local_stale = true;
	/* The kernel adds the local route of a new address from a work item
	 * after the request is acknowledged (even without DAD): an answer to
	 * the BU sent at once could arrive before it and be dropped. */
	for (int i = 0; add && !rc && i < 50 && !addr_is_local(d, a); i++)
		usleep(1000);
	return rc;
}

static int k_route(struct m6d *d, bool add, uint32_t table, const struct in6_addr *dst,
		   int plen, const struct in6_addr *gw, int oif)
{
	struct net_route r = { .plen = (uint8_t)plen, .oif = oif, .table = table };

	to_ip(&r.dst, dst);
	if (gw)
		to_ip(&r.gw, gw);
	return add ? net_route_add(d->nl, &r) : net_route_del(d->nl, &r);
}

static int k_rule(struct m6d *d, bool add, uint32_t prio, const struct in6_addr *from,
		  uint32_t fwmark, uint32_t table)
{
	struct nlmsghdr *nlh = net_rtnl_req(d->nl, add ? RTM_NEWRULE : RTM_DELRULE,
					    add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = AF_INET6;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	if (from) {
		frh->src_len = 128;
		mnl_attr_put(nlh, FRA_SRC, 16, from);
	}
	if (fwmark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffff);
	}
	return net_rtnl_talk(d->nl, nlh, NULL, NULL);
}

static int k_proxy(struct m6d *d, bool add, int ifindex, const struct in6_addr *a)
{
	return m6_nd_proxy_kernel(d, add, ifindex, a);
}

static int k_sysctl(struct m6d *d, const char *key, const char *value)
{
	char old[32];
	bool known = false;
	int rc;

	for (size_t i = 0; i < d->nsysctl; i++)
		if (!strcmp(d->sysctl[i].key, key))
			known = true;
	if (!known && d->nsysctl < sizeof(d->sysctl) / sizeof(d->sysctl[0]) &&
	    !net_ns_sysctl_get(NULL, key, old, sizeof(old))) {
		snprintf(d->sysctl[d->nsysctl].key, sizeof(d->sysctl[0].key), "%s", key);
		snprintf(d->sysctl[d->nsysctl].old, sizeof(d->sysctl[0].old), "%s", old);
		d->nsysctl++;
	}
	rc = net_ns_sysctl_set(NULL, key, value);
	if (rc)
		m6d_log(d, M6D_LOG_ERR, "sysctl %s=%s: %s", key, value, strerror(-rc));
	return rc;
}

static int k_group(struct m6d *d, bool join, int ifindex, const struct in6_addr *a)
{
	return m6_nd_group(d, join, ifindex, a);
}

const struct m6d_ops m6d_kernel_ops = {
	.now = k_now,
	.send = k_send,
	.tun_write = k_tun_write,
	.link = k_link,
	.is_local = k_is_local,
	.addr = k_addr,
	.route = k_route,
	.rule = k_rule,
	.proxy = k_proxy,
	.sysctl = k_sysctl,
	.group = k_group,
};

/* ---- setting up and tearing down ---- */

/* Routes left in the daemon's table (by an earlier run that crashed, or
 * by this one at exit) go. */
static void flush_table(struct m6d *d)
{
	struct net_route *v = NULL;
	size_t n = 0;

	if (net_route_list(d->nl, AF_INET6, M6D_TABLE, &v, &n))
		return;
	for (size_t i = 0; i < n; i++)
		net_route_del(d->nl, &v[i]);
	free(v);
}

static void rules(struct m6d *d, bool add)
{
	bool table_rule = d->conf.role != M6_ROLE_MN;

	if (add) {
		/* leftovers of a run that did not end cleanly */
		for (int i = 0; i < 8; i++)
			if (d->ops->rule(d, false, M6D_PRIO_MARK, NULL, M6D_FWMARK, RT_TABLE_MAIN))
				break;
		for (int i = 0; table_rule && i < 8; i++)
			if (d->ops->rule(d, false, M6D_PRIO_TABLE, NULL, 0, M6D_TABLE))
				break;
	}
	if (add || d->rules_added) {
		d->ops->rule(d, add, M6D_PRIO_MARK, NULL, M6D_FWMARK, RT_TABLE_MAIN);
		if (table_rule)
			d->ops->rule(d, add, M6D_PRIO_TABLE, NULL, 0, M6D_TABLE);
	}
	d->rules_added = add;
}

static int kernel_open(struct m6d *d, char *err, size_t errlen)
{
	struct m6_dp_conf dc = {
		.want_41 = d->conf.role != M6_ROLE_CN,
		.want_nfq = true,
		.queue = d->conf.nfqueue,
	};
	uint32_t mark = M6D_FWMARK;
	sigset_t ss;
	int rc;

	if (d->conf.role != M6_ROLE_CN || d->conf.ro_cn)
		dc.tun_name = d->conf.tun_name;
	rc = net_rtnl_open(NULL, &d->nl);
	if (rc) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	rc = m6_dp_open(&d->dp, &dc, err, errlen);
	if (rc)
		return rc;
	d->dp_open = true;
	if (d->dp.raw_fd >= 0 &&
	    setsockopt(d->dp.raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		snprintf(err, errlen, "marking the raw socket (SO_MARK): %s", strerror(errno));
		return -errno;
	}
	d->dp.cb = nfq_cb;
	d->dp.cb_ctx = d;
	rc = m6_nd_open(d, err, errlen);
	if (rc)
		return rc;
	flush_table(d);
	rules(d, true);
	rc = m6_ctl_listen(d->conf.ctl_path);
	if (rc < 0) {
		snprintf(err, errlen, "control socket %s: %s", d->conf.ctl_path, strerror(-rc));
		return rc;
	}
	d->ctl_fd = rc;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void kernel_close(struct m6d *d)
{
	if (d->nl) {
		rules(d, false);
		flush_table(d);
		for (size_t i = d->nsysctl; i-- > 0;)
			net_ns_sysctl_set(NULL, d->sysctl[i].key, d->sysctl[i].old);
		d->nsysctl = 0;
	}
	m6_nd_close(d);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->conf.ctl_path);
	}
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	d->ctl_fd = d->sig_fd = -1;
	if (d->dp_open)
		m6_dp_close(&d->dp);
	d->dp_open = false;
	if (d->nl)
		net_rtnl_close(d->nl);
	d->nl = NULL;
	free(d->local);
	d->local = NULL;
	d->nlocal = 0;
}

int m6d_init(struct m6d *d, const struct m6_conf *c, const struct m6d_ops *ops, void *ops_ctx,
	     char *err, size_t errlen)
{
	int rc;

	memset(d, 0, offsetof(struct m6d, buf));
	d->conf = *c;
	d->ops = ops;
	d->ops_ctx = ops_ctx;
	d->level = c->debug_level;
	d->icmp_fd = d->ll_fd = d->ctl_fd = d->sig_fd = -1;
	d->dp.tun_fd = d->dp.fd41 = d->dp.raw_fd = d->dp.nfq_fd = d->dp.nft_fd = -1;
	d->err_rate = (struct m6d_rate){ .rate = 10, .burst = 10, .tokens = 10 };
	switch (c->role) {
	case M6_ROLE_CN:
		d->role = &m6d_role_cn;
		break;
	case M6_ROLE_HA:
		d->role = &m6d_role_ha;
		break;
	case M6_ROLE_MN:
		d->role = &m6d_role_mn;
		break;
	default:
		snprintf(err, errlen, "%s: no NodeConfig (CN, HA or MN)", c->file);
		return -EINVAL;
	}
	if (ops == &m6d_kernel_ops) {
		rc = log_open(d);
		if (rc) {
			snprintf(err, errlen, "DebugLogFile %s: %s", c->debug_log, strerror(-rc));
			return rc;
		}
		d->kernel = true;
		rc = kernel_open(d, err, errlen);
		if (rc)
			goto fail;
	}
	if (c->role != M6_ROLE_MN) {
		d->bc = m6_bcache_new(c->max_bindings);
		if (!d->bc) {
			snprintf(err, errlen, "binding cache: out of memory");
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = d->role->init(d, err, errlen);
	if (rc)
		goto fail;
	return 0;
fail:
	if (d->kernel)
		kernel_close(d);
	m6_bcache_free(d->bc);
	d->bc = NULL;
	free(d->rs);
	d->rs = NULL;
	if (d->log_owned)
		fclose(d->log);
	d->log = NULL;
	return rc;
}

void m6d_fini(struct m6d *d)
{
	if (d->role && d->role->fini)
		d->role->fini(d);
	if (d->kernel)
		kernel_close(d);
	if (d->bc)
		m6_bcache_free(d->bc);
	d->bc = NULL;
	free(d->rs);
	d->rs = NULL;
	if (d->log_owned && d->log)
		fclose(d->log);
	d->log = NULL;
}

void m6d_view(struct m6d *d, struct m6_ctl_view *v)
{
	memset(v, 0, sizeof(*v));
	v->role = d->conf.role;
	v->now = m6d_now(d);
	v->bc = d->bc;
	v->bul = d->conf.role == M6_ROLE_MN ? &d->bul : NULL;
	v->stats = &d->stats;
	v->at_home = -1;
	if (d->role->view)
		d->role->view(d, v);
}

/* ---- the loop ---- */

static void on_signal(struct m6d *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			m6d_log(d, M6D_LOG_INFO, "SIGHUP: log file reopened (restart to reload the "
				"configuration)");
			log_open(d);
		} else {
			m6d_log(d, M6D_LOG_INFO, "signal %u: stopping", si.ssi_signo);
			d->quit = 1;
		}
	}
}

static void on_tun(struct m6d *d)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = m6_dp_tun_read(&d->dp, d->buf, sizeof(d->buf));

		if (n <= 0)
			break;
		if (d->role->on_tun)
			d->role->on_tun(d, d->buf, (size_t)n);
	}
}

static void on_41(struct m6d *d)
{
	for (int i = 0; i < 64; i++) {
		struct in6_addr os, od;
		ssize_t n = m6_dp_recv41(&d->dp, d->buf, sizeof(d->buf), &os, &od);

		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EBADF)
			break;
		if (n <= 0) {
			d->stats.v[M6_ST_DROPPED]++;
			continue;
		}
		if (d->role->on_41)
			d->role->on_41(d, d->buf, (size_t)n, &os, &od);
	}
}

int m6d_run(struct m6d *d)
{
	enum { P_SIG, P_CTL, P_ICMP, P_NFQ, P_TUN, P_41, P_N };
	struct pollfd p[P_N];

	while (!d->quit) {
		double next = m6d_timer_next(d), now = m6d_now(d);
		int timeout = 60000;
		struct m6_ctl_view v;

		if (next) {
			double ms = ceil((next - now) * 1000.0);

			timeout = ms <= 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
		}
		p[P_SIG] = (struct pollfd){ .fd = d->sig_fd, .events = POLLIN };
		p[P_CTL] = (struct pollfd){ .fd = d->ctl_fd, .events = POLLIN };
		p[P_ICMP] = (struct pollfd){ .fd = d->icmp_fd, .events = POLLIN };
		p[P_NFQ] = (struct pollfd){ .fd = d->dp.nfq_fd, .events = POLLIN };
		p[P_TUN] = (struct pollfd){ .fd = d->dp.tun_fd, .events = POLLIN };
		p[P_41] = (struct pollfd){ .fd = d->dp.fd41, .events = POLLIN };
		if (poll(p, P_N, timeout) < 0 && errno != EINTR) {
			m6d_log(d, M6D_LOG_ERR, "poll: %s", strerror(errno));
			return -errno;
		}
		if (p[P_SIG].revents & POLLIN)
			on_signal(d);
		if (p[P_NFQ].revents & POLLIN) {
			int rc = m6_dp_nfq_dispatch(&d->dp);

			if (rc && rc != -EAGAIN)
				m6d_log(d, M6D_LOG_ERR, "NFQUEUE: %s", strerror(-rc));
		}
		if (p[P_41].revents & POLLIN)
			on_41(d);
		if (p[P_TUN].revents & POLLIN)
			on_tun(d);
		if (p[P_ICMP].revents & POLLIN)
			m6_nd_input(d);
		if (p[P_CTL].revents & POLLIN) {
			m6d_view(d, &v);
			m6_ctl_serve(d->ctl_fd, &v);
		}
		m6d_timers_run(d);
	}
	return 0;
}
