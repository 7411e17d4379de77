/*
 * The home agent (RFC 6275 §10): home registration (H and A flags; status
 * 132 for a home address outside the home prefixes, 135 for a sequence
 * number out of window, 133 for a deregistration without binding, lifetime
 * capped by HaMaxBindingLife), Duplicate Address Detection of the home
 * address on the home link before the first registration (134 when it
 * fails), proxy Neighbor Discovery for registered home addresses (a kernel
 * proxy entry answers the solicitations, the daemon multicasts the
 * unsolicited Neighbor Advertisements that take the address over), the
 * bidirectional tunnel (the home address routed into the TUN and
 * encapsulated to the care-of address; tunnelled packets from the care-of
 * address decapsulated into the TUN), deregistration, DHAAD replies, Mobile
 * Prefix Advertisements and the home agents list learned from Router
 * Advertisements. Bindings without the H flag are handled as a
 * correspondent node (cn.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>

#include "m6d.h"

#define HA_DAD_MAX 1024	/* first registrations waiting for DAD at once */
#define HA_NA_MAX 64
#define HA_NA_COUNT 3		/* MAX_NEIGHBOR_ADVERTISEMENT (RFC 4861) */
#define HA_DHAAD_MAX 16

struct ha_if {
	char name[M6_IFNAMSIZ];
	struct m6d_link link;
};

/* A first registration waiting for DAD of its home address. */
struct ha_dad {
	bool used, failed;
	struct m6d_rx rx;	/* addresses of the latest BU (rx.mh unused) */
	struct in6_addr hoa, coa;
	uint16_t seq, flags;
	uint32_t life;
	int ifindex;
	double deadline;
};

struct ha_na {
	bool used;
	struct in6_addr hoa;
	int ifindex;
	int left;
	double next;
};

struct ha {
	struct ha_if ifs[M6_MAX_IFACES];
	size_t nifs;
	struct m6_halist hal;
	struct ha_dad dad[HA_DAD_MAX];
	struct ha_na na[HA_NA_MAX];
	struct m6d_timer tick, t_dad, t_na;
};

static struct ha *HA(struct m6d *d)
{
	return d->rs;
}

static const struct ha_if *ha_if_by_index(struct ha *ha, int ifindex)
{
	for (size_t i = 0; i < ha->nifs; i++)
		if (ha->ifs[i].link.ifindex == ifindex)
			return &ha->ifs[i];
	return NULL;
}

/* Is a on one of the home links? Gives the link and our address there. */
static bool home_prefix(struct ha *ha, const struct in6_addr *a, int *ifindex,
			struct in6_addr *local)
{
	for (size_t i = 0; i < ha->nifs; i++) {
		const struct m6d_link *l = &ha->ifs[i].link;

		for (size_t j = 0; j < l->nglobal; j++) {
			if (!m6d_prefix_match(a, &l->global[j].a, l->global[j].plen) ||
			    IN6_ARE_ADDR_EQUAL(a, &l->global[j].a))
				continue;
			*ifindex = l->ifindex;
			if (local)
				*local = l->global[j].a;
			return true;
		}
	}
	return false;
}

/* ---- unsolicited Neighbor Advertisements for proxied addresses ---- */

static void na_send(struct m6d *d, const struct ha_na *n)
{
	struct ha *ha = HA(d);
	const struct ha_if *hi = ha_if_by_index(ha, n->ifindex);
	struct in6_addr all = { .s6_addr = { 0xff, 2, [15] = 1 } };
	uint8_t pkt[128];
	size_t len;

	if (!hi)
		return;
	if (m6_nd_build_na(pkt, sizeof(pkt), &len,
			   hi->link.has_ll ? &hi->link.ll : &hi->link.global[0].a, &all, &n->hoa,
			   M6_NA_O, hi->link.has_mac ? hi->link.mac : NULL))
		return;
	d->ops->send(d, pkt, len, n->ifindex);
}

static void na_start(struct m6d *d, const struct in6_addr *hoa, int ifindex)
{
	struct ha *ha = HA(d);
	struct ha_na *n = NULL;

	for (size_t i = 0; i < HA_NA_MAX; i++)
		if (ha->na[i].used && IN6_ARE_ADDR_EQUAL(&ha->na[i].hoa, hoa))
			n = &ha->na[i];
	for (size_t i = 0; !n && i < HA_NA_MAX; i++)
		if (!ha->na[i].used)
			n = &ha->na[i];
	if (!n) {
		/* no room for the repeats: the first one goes anyway */
		struct ha_na once = { .hoa = *hoa, .ifindex = ifindex };

		na_send(d, &once);
		return;
	}
	*n = (struct ha_na){ .used = true, .hoa = *hoa, .ifindex = ifindex, .left = HA_NA_COUNT };
	na_send(d, n);
	n->left--;
	n->next = m6d_now(d) + 1.0;
	m6d_timer_sooner(&ha->t_na, n->next);
}

static void na_stop(struct ha *ha, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < HA_NA_MAX; i++)
		if (ha->na[i].used && IN6_ARE_ADDR_EQUAL(&ha->na[i].hoa, hoa))
			ha->na[i].used = false;
}

static void na_timer(struct m6d *d, struct m6d_timer *t)
{
	struct ha *ha = HA(d);
	double now = m6d_now(d);

	for (size_t i = 0; i < HA_NA_MAX; i++) {
		struct ha_na *n = &ha->na[i];

		if (!n->used)
			continue;
		if (n->next <= now) {
			na_send(d, n);
			if (--n->left <= 0) {
				n->used = false;
				continue;
			}
			n->next = now + 1.0;
		}
		m6d_timer_sooner(t, n->next);
	}
}

/* ---- bindings ---- */

static void binding_install(struct m6d *d, struct m6_binding *b)
{
	int rc;

	m6d_tun_route(d, true, &b->hoa);
	rc = d->ops->proxy(d, true, b->ifindex, &b->hoa);
	if (rc)
		m6d_log(d, M6D_LOG_ERR, "proxy ND for %s: %s", m6d_ntop(d, &b->hoa),
			strerror(-rc));
	na_start(d, &b->hoa, b->ifindex);
}

static void binding_set(struct m6d *d, struct m6_binding *b, const struct m6d_rx *rx,
			const struct in6_addr *coa, uint16_t seq, uint16_t flags, uint32_t life,
			int ifindex)
{
	double now = m6d_now(d);

	b->coa = *coa;
	b->local = rx->dst;
	b->seq = seq;
	b->flags = flags;
	b->lifetime = life;
	b->expires = now + life;
	b->updated = now;
	b->home_reg = 1;
	b->ifindex = ifindex;
}

static void accepted(struct m6d *d, const struct m6d_rx *rx, const struct m6_binding *b,
		     bool isnew)
{
	d->stats.v[M6_ST_BU_ACCEPTED]++;
	m6d_log(d, M6D_LOG_INFO, "home registration %s: %s -> %s, %us, seq %u",
		isnew ? "accepted" : "updated", m6d_ntop(d, &b->hoa), m6d_ntop(d, &b->coa),
		b->lifetime, b->seq);
	m6d_send_ba(d, rx, M6_BA_ACCEPTED, b->seq, b->lifetime, NULL);
}

static void rejected(struct m6d *d, const struct m6d_rx *rx, uint8_t status, uint16_t seq)
{
	d->stats.v[M6_ST_BU_REJECTED]++;
	m6d_log(d, M6D_LOG_INFO, "home registration of %s refused: %s (%u)",
		m6d_ntop(d, rx->hao ? &rx->home : &rx->src), m6_ba_status_name(status), status);
	m6d_send_ba(d, rx, status, seq, 0, NULL);
}

static struct ha_dad *dad_find(struct ha *ha, const struct in6_addr *hoa)
{
	for (size_t i = 0; i < HA_DAD_MAX; i++)
		if (ha->dad[i].used && IN6_ARE_ADDR_EQUAL(&ha->dad[i].hoa, hoa))
			return &ha->dad[i];
	return NULL;
}

static void dad_start(struct m6d *d, const struct m6d_rx *rx, const struct in6_addr *hoa,
		      const struct in6_addr *coa, uint32_t life, int ifindex)
{
	struct ha *ha = HA(d);
	struct ha_dad *p = dad_find(ha, hoa);
	struct in6_addr any = IN6ADDR_ANY_INIT, sn;
	uint8_t pkt[128];
	size_t len;

	if (p) {
		/* a retransmission while DAD runs: answer the newest one */
		if (m6_seq_after(rx->m.seq, p->seq)) {
			p->rx = *rx;
			p->rx.mh = NULL;
			p->coa = *coa;
			p->seq = rx->m.seq;
			p->flags = rx->m.flags;
			p->life = life;
		}
		return;
	}
	for (size_t i = 0; !p && i < HA_DAD_MAX; i++)
		if (!ha->dad[i].used)
			p = &ha->dad[i];
	if (!p) {
		rejected(d, rx, M6_BA_RESOURCES, rx->m.seq);
		return;
	}
	*p = (struct ha_dad){ .used = true, .rx = *rx, .hoa = *hoa, .coa = *coa,
			      .seq = rx->m.seq, .flags = rx->m.flags, .life = life,
			      .ifindex = ifindex, .deadline = m6d_now(d) + M6D_DAD_TIME };
	p->rx.mh = NULL;
	m6_nd_solicited_node(hoa, &sn);
	d->ops->group(d, true, ifindex, &sn);
	if (!m6_nd_build_ns(pkt, sizeof(pkt), &len, &any, &sn, hoa, NULL))
		d->ops->send(d, pkt, len, ifindex);
	m6d_log(d, M6D_LOG_INFO, "DAD for home address %s", m6d_ntop(d, hoa));
	m6d_timer_sooner(&ha->t_dad, p->deadline);
}

static void dad_done(struct m6d *d, struct ha_dad *p)
{
	struct in6_addr sn;
	struct m6_binding *b;
	bool isnew;

	m6_nd_solicited_node(&p->hoa, &sn);
	d->ops->group(d, false, p->ifindex, &sn);
	p->used = false;
	if (p->failed) {
		m6d_log(d, M6D_LOG_INFO, "DAD failed for %s", m6d_ntop(d, &p->hoa));
		rejected(d, &p->rx, M6_BA_DAD_FAILED, p->seq);
		return;
	}
	b = m6_bcache_put(d->bc, &p->hoa, &isnew);
	if (!b) {
		rejected(d, &p->rx, M6_BA_RESOURCES, p->seq);
		return;
	}
	if (isnew)
		b->created = m6d_now(d);
	binding_set(d, b, &p->rx, &p->coa, p->seq, p->flags, p->life, p->ifindex);
	binding_install(d, b);
	accepted(d, &p->rx, b, true);
}

static void dad_timer(struct m6d *d, struct m6d_timer *t)
{
	struct ha *ha = HA(d);
	double now = m6d_now(d);

	for (size_t i = 0; i < HA_DAD_MAX; i++) {
		struct ha_dad *p = &ha->dad[i];

		if (!p->used)
			continue;
		if (p->deadline <= now)
			dad_done(d, p);
		else
			m6d_timer_sooner(t, p->deadline);
	}
}

static void dad_conflict(struct m6d *d, const struct in6_addr *target)
{
	struct ha *ha = HA(d);
	struct ha_dad *p = dad_find(ha, target);

	if (!p || p->failed)
		return;
	p->failed = true;
	p->deadline = m6d_now(d);
	m6d_timer_sooner(&ha->t_dad, p->deadline);
}

static void ha_bu(struct m6d *d, const struct m6d_rx *rx)
{
	struct ha *ha = HA(d);
	const struct m6_mh *m = &rx->m;
	struct in6_addr hoa = rx->hao ? rx->home : rx->src;
	struct in6_addr coa = m->has_acoa ? m->acoa : rx->src;
	struct m6_binding *b = m6_bcache_get(d->bc, &hoa);
	uint32_t life;
	int ifindex;

	if (rx->tunnelled)
		return;
	if (b && !b->home_reg) {
		rejected(d, rx, M6_BA_REG_TYPE_CHANGE, m->seq);
		return;
	}
	if (!home_prefix(ha, &hoa, &ifindex, NULL)) {
		rejected(d, rx, M6_BA_NOT_HOME_SUBNET, m->seq);
		return;
	}
	if (b && !m6_seq_after(m->seq, b->seq)) {
		rejected(d, rx, M6_BA_SEQ_OOW, b->seq);
		return;
	}
	if (m->lifetime == 0 || IN6_ARE_ADDR_EQUAL(&coa, &hoa)) {
		struct ha_dad *p = dad_find(ha, &hoa);

		if (p)
			p->used = false;
		if (!b) {
			rejected(d, rx, M6_BA_NOT_HA, m->seq);
			return;
		}
		/* route and proxy go first: the BA may go to the home link */
		na_stop(ha, &hoa);
		m6d_binding_gone(d, b);
		m6_bcache_del(d->bc, &hoa);
		d->stats.v[M6_ST_BU_ACCEPTED]++;
		m6d_log(d, M6D_LOG_INFO, "home registration of %s deregistered",
			m6d_ntop(d, &hoa));
		m6d_send_ba(d, rx, M6_BA_ACCEPTED, m->seq, 0, NULL);
		return;
	}
	life = (uint32_t)m->lifetime * 4;
	if (life > d->conf.ha_max_life)
		life = d->conf.ha_max_life;
	if (!b) {
		dad_start(d, rx, &hoa, &coa, life, ifindex);
		return;
	}
	binding_set(d, b, rx, &coa, m->seq, m->flags, life, ifindex);
	accepted(d, rx, b, false);
}

static void ha_on_mh(struct m6d *d, const struct m6d_rx *rx)
{
	if (rx->m.type == M6_BU && (rx->m.flags & M6_BU_H)) {
		ha_bu(d, rx);
		return;
	}
	m6d_cn_on_mh(d, rx);
}

/* ---- tunnel ---- */

static void ha_on_tun(struct m6d *d, const uint8_t *pkt, size_t len)
{
	struct in6_addr dst;
	struct m6_binding *b;
	size_t n;

	if (40 > len) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	memcpy(&dst, pkt + 24, 16);
	b = m6_bcache_get(d->bc, &dst);
	if (!b) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	if (!b->home_reg) {
		if (m6d_cn_tun_out(d, pkt, len))
			d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	if (m6_pkt_encap(pkt, len, &b->local, &b->coa, d->tx, sizeof(d->tx), &n) ||
	    d->ops->send(d, d->tx, n, 0)) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	b->pkts_out++;
	d->stats.v[M6_ST_TUN_OUT]++;
}

static void ha_on_41(struct m6d *d, const uint8_t *inner, size_t len,
		     const struct in6_addr *osrc, const struct in6_addr *odst)
{
	struct in6_addr src;
	struct m6_binding *b;

	if (40 > len || inner[0] >> 4 != 6) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	memcpy(&src, inner + 8, 16);
	b = m6_bcache_get(d->bc, &src);
	/* only a registered mobile node, from its registered care-of address */
	if (!b || !b->home_reg || !IN6_ARE_ADDR_EQUAL(&b->coa, osrc)) {
		d->stats.v[M6_ST_DROPPED]++;
		m6d_log(d, M6D_LOG_DEBUG, "tunnelled packet from %s (inner %s) without binding",
			m6d_ntop(d, osrc), m6d_ntop(d, &src));
		return;
	}
	if (d->ops->tun_write(d, inner, len)) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	b->pkts_in++;
	d->stats.v[M6_ST_TUN_IN]++;
}

static int ha_on_nfq(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		     int ifindex, uint8_t *out, size_t cap, size_t *outlen)
{
	if (pi->has_hao)
		return m6d_cn_hao_in(d, pkt, len, pi, out, cap, outlen);
	return M6_NF_ACCEPT;
}

/* ---- ICMPv6: RAs, DAD answers, DHAAD, mobile prefix solicitations ---- */

static void dhaad_reply(struct m6d *d, const struct m6d_icmp *ic)
{
	struct ha *ha = HA(d);
	uint8_t body[4 + 16 * HA_DHAAD_MAX], pkt[40 + 8 + sizeof(body)];
	struct in6_addr others[HA_DHAAD_MAX], self;
	size_t n = 0, no, len;
	int ifindex = 0;

	if (8 > ic->len)
		return;
	d->stats.v[M6_ST_DHAAD_RX]++;
	/* the request is to the Home-Agents anycast address of a home prefix */
	for (size_t i = 0; i < ha->nifs && !ifindex; i++) {
		const struct m6d_link *l = &ha->ifs[i].link;

		for (size_t j = 0; j < l->nglobal; j++) {
			struct in6_addr any;

			m6_nd_ha_anycast(&l->global[j].a, l->global[j].plen, &any);
			if (IN6_ARE_ADDR_EQUAL(&any, &ic->dst)) {
				ifindex = l->ifindex;
				self = l->global[j].a;
				break;
			}
		}
	}
	if (!ifindex)
		return;
	memcpy(body, ic->p + 4, 2);	/* identifier */
	body[2] = body[3] = 0;
	memcpy(body + 4, &self, 16);
	n = 1;
	no = m6_halist_addrs(&ha->hal, ifindex, others, HA_DHAAD_MAX);
	for (size_t i = 0; i < no && n < HA_DHAAD_MAX; i++)
		if (!IN6_ARE_ADDR_EQUAL(&others[i], &self))
			memcpy(body + 4 + 16 * n++, &others[i], 16);
	if (m6_icmp6_build(pkt, sizeof(pkt), &len, &self, &ic->src, 64, M6_DHAAD_REP, 0, body,
			   4 + 16 * n))
		return;
	if (!d->ops->send(d, pkt, len, 0))
		d->stats.v[M6_ST_DHAAD_TX]++;
	m6d_log(d, M6D_LOG_INFO, "DHAAD request from %s: %zu home agent(s)",
		m6d_ntop(d, &ic->src), n);
}

static void mpa_send(struct m6d *d, const struct m6d_icmp *ic)
{
	struct ha *ha = HA(d);
	struct m6_binding *b = m6_bcache_get(d->bc, &ic->src);
	const struct ha_if *hi;
	uint8_t body[4 + 32 * M6D_LINK_MAX_GLOBAL], pkt[40 + 8 + sizeof(body)];
	struct m6d_tx tx;
	size_t n = 4, len;

	if (8 > ic->len)
		return;
	d->stats.v[M6_ST_MPS_RX]++;
	if (!b || !b->home_reg || !(hi = ha_if_by_index(ha, b->ifindex)) ||
	    !d->conf.send_mob_pfx_advs)
		return;
	memcpy(body, ic->p + 4, 2);	/* identifier */
	body[2] = body[3] = 0;		/* M, O, reserved */
	for (size_t j = 0; j < hi->link.nglobal; j++) {
		uint8_t *o = body + n;
		struct in6_addr pfx = hi->link.global[j].a;
		int plen = hi->link.global[j].plen;

		for (int bit = plen; bit < 128; bit++)
			pfx.s6_addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		memset(o, 0, 32);
		o[0] = 3;
		o[1] = 4;
		o[2] = (uint8_t)plen;
		o[3] = M6_PIO_L | M6_PIO_A;
		memset(o + 4, 0xff, 8);	/* lifetimes of the home address: infinite */
		memcpy(o + 16, &pfx, 16);
		n += 32;
	}
	if (m6_icmp6_build(pkt, sizeof(pkt), &len, &b->local, &b->hoa, 64, M6_MPA, 0, body, n))
		return;
	tx = (struct m6d_tx){ .src = b->local, .dst = b->coa, .rh2 = &b->hoa };
	if (!m6d_send_pkt(d, pkt, len, &tx))
		d->stats.v[M6_ST_MPA_TX]++;
}

static void ha_on_icmp6(struct m6d *d, const struct m6d_icmp *ic)
{
	struct ha *ha = HA(d);
	struct in6_addr target;
	uint8_t mac[6], flags;
	bool has_mac;

	switch (ic->p[0]) {
	case M6_ND_RA: {
		struct m6_ra ra;
		const char *why;

		if (ic->hlim != 255 || !IN6_IS_ADDR_LINKLOCAL(&ic->src) ||
		    m6_nd_parse_ra(ic->p, ic->len, &ra, &why))
			return;
		ra.src = ic->src;
		ra.ifindex = ic->ifindex;
		m6_halist_ra(&ha->hal, &ra, m6d_now(d));
		break;
	}
	case M6_ND_NA:
		if (ic->hlim == 255 &&
		    !m6_nd_parse_na(ic->p, ic->len, &target, &flags, mac, &has_mac))
			dad_conflict(d, &target);
		break;
	case M6_ND_NS:
		/* another node doing DAD for the same address */
		if (ic->hlim == 255 && IN6_IS_ADDR_UNSPECIFIED(&ic->src) &&
		    !m6_nd_parse_ns(ic->p, ic->len, &target, mac, &has_mac))
			dad_conflict(d, &target);
		break;
	case M6_DHAAD_REQ:
		dhaad_reply(d, ic);
		break;
	case M6_MPS:
		mpa_send(d, ic);
		break;
	default:
		break;
	}
}

/* ---- the role ---- */

static void ha_tick(struct m6d *d, struct m6d_timer *t)
{
	m6d_cn_tick(d);
	m6_halist_expire(&HA(d)->hal, m6d_now(d));
	m6d_timer_arm(t, m6d_now(d) + M6D_TICK);
}

static int ha_init(struct m6d *d, char *err, size_t errlen)
{
	struct ha *ha = calloc(1, sizeof(*ha));
	char key[128];
	int rc;

	if (!ha) {
		snprintf(err, errlen, "HA: out of memory");
		return -ENOMEM;
	}
	d->rs = ha;
	if (!d->conf.nifaces) {
		snprintf(err, errlen, "%s: a home agent needs an Interface (its home link)",
			 d->conf.file);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->conf.nifaces; i++) {
		struct ha_if *hi = &ha->ifs[ha->nifs];

		snprintf(hi->name, sizeof(hi->name), "%s", d->conf.ifaces[i].name);
		rc = d->ops->link(d, hi->name, &hi->link);
		if (rc) {
			snprintf(err, errlen, "%s:%d: interface %s: %s", d->conf.file,
				 d->conf.ifaces[i].line, hi->name, strerror(-rc));
			return rc;
		}
		if (!hi->link.nglobal) {
			snprintf(err, errlen, "%s:%d: interface %s has no global address: no home "
				 "prefix to serve", d->conf.file, d->conf.ifaces[i].line, hi->name);
			return -EINVAL;
		}
		ha->nifs++;
	}
	/* a router, answering Neighbor Solicitations for the home addresses
	 * at once (the kernel delays proxied answers by proxy_delay) */
	d->ops->sysctl(d, "net/ipv6/conf/all/forwarding", "1");
	d->ops->sysctl(d, "net/ipv6/conf/all/proxy_ndp", "1");
	for (size_t i = 0; i < ha->nifs; i++) {
		const struct m6d_link *l = &ha->ifs[i].link;

		snprintf(key, sizeof(key), "net/ipv6/conf/%s/proxy_ndp", ha->ifs[i].name);
		d->ops->sysctl(d, key, "1");
		snprintf(key, sizeof(key), "net/ipv6/neigh/%s/proxy_delay", ha->ifs[i].name);
		d->ops->sysctl(d, key, "0");
		for (size_t j = 0; j < l->nglobal; j++) {
			struct in6_addr any;

			m6_nd_ha_anycast(&l->global[j].a, l->global[j].plen, &any);
			rc = d->ops->group(d, true, l->ifindex, &any);
			if (rc)
				m6d_log(d, M6D_LOG_ERR, "joining %s (DHAAD) on %s: %s",
					m6d_ntop(d, &any), ha->ifs[i].name, strerror(-rc));
		}
	}
	if (d->conf.ro_cn) {
		rc = m6d_cn_start(d);
		if (rc) {
			snprintf(err, errlen, "HA: return routability keys: %s", strerror(-rc));
			return rc;
		}
	}
	m6d_timer_add(d, &ha->tick, "ha", ha_tick);
	m6d_timer_add(d, &ha->t_dad, "dad", dad_timer);
	m6d_timer_add(d, &ha->t_na, "proxy-na", na_timer);
	m6d_timer_arm(&ha->tick, m6d_now(d) + M6D_TICK);
	m6d_log(d, M6D_LOG_INFO, "home agent on %zu link(s), first %s", ha->nifs, ha->ifs[0].name);
	return 0;
}

static int gone_cb(void *ctx, struct m6_binding *b)
{
	m6d_binding_gone(ctx, b);
	return 0;
}

static void ha_fini(struct m6d *d)
{
	if (d->bc)
		m6_bcache_walk(d->bc, gone_cb, d);
}

const struct m6d_role m6d_role_ha = {
	.name = "HA",
	.init = ha_init,
	.fini = ha_fini,
	.on_mh = ha_on_mh,
	.on_tun = ha_on_tun,
	.on_41 = ha_on_41,
	.on_nfq = ha_on_nfq,
	.on_icmp6 = ha_on_icmp6,
};
