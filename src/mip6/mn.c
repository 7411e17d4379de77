/*
 * The mobile node (RFC 6275 §11): where it is (movement.c decides from
 * Router Advertisements and NUD), its care-of address (the router's prefix
 * and the interface's EUI-64 identifier, added without DAD, the default
 * route through the new router), home registration with retransmission
 * (InitialBindackTimeoutFirstReg, then INITIAL_BINDACK_TIMEOUT doubling up
 * to MAX_BINDACK_TIMEOUT) and refresh before expiry, the reverse tunnel
 * (the home address on the TUN device, a policy rule sending traffic from
 * it into the TUN, encapsulation to the home agent, decapsulation of what
 * the home agent tunnels back), return routability and route optimisation
 * with correspondents (Home Test Init through the tunnel, Care-of Test Init
 * direct, the Binding Update with the Binding Authorization Data, packets
 * out with a Home Address option and in with a type 2 routing header),
 * return home with deregistration, DHAAD when no HomeAgentAddress is set
 * and Mobile Prefix Solicitation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <sys/random.h>

#include "m6d.h"

#define MN_TOKEN_MARGIN 10.0	/* a token this close to MAX_TOKEN_LIFETIME is renewed */
#define MN_RR_RETRIES 6
#define MN_NO_RO_TIME 60.0	/* after a correspondent refused route optimisation */
#define MN_REFRESH 0.8		/* a binding is refreshed after this share of its lifetime */

/* What a binding update list entry has no room for. */
struct mn_peer {
	bool used;
	struct in6_addr peer;
	uint8_t kbm[20];
	double bu_times[M6_MAX_UPDATE_RATE];	/* the last Binding Updates sent to it */
	struct in6_addr cot_coa;		/* the care-of address of the care-of token */
	bool hoti_wanted;			/* a HoTI waits for the home registration */
	bool hoti_out, coti_out;		/* unanswered test inits */
	bool dereg;				/* the BU in flight has lifetime 0 */
	double no_ro_until;
};

struct mn {
	struct m6_move mv;
	struct m6d_timer t_move, t_bul, t_misc;
	char ifname[M6_IFNAMSIZ];
	struct m6d_link link;
	int ifindex;
	struct in6_addr hoa, home_pfx;
	int hoa_plen;
	struct in6_addr ha;
	bool ha_known;
	struct in6_addr coa, gw;
	bool has_coa, has_gw;
	int loc;		/* -1 unknown, 0 away, 1 home */
	bool hoa_on_if, hoa_on_tun, rule_on, tabroute_on, hoa_was_on_if;
	bool ha_dereg;		/* the home BU in flight is a deregistration */
	uint16_t ha_seq;
	/* DHAAD */
	bool dhaad_out;
	uint16_t dhaad_id;
	int dhaad_tries;
	double dhaad_timeout, dhaad_next;
	/* Mobile Prefix Solicitation */
	uint16_t mps_id;
	bool mps_sent;
	/* unsolicited Neighbor Advertisements for the home address */
	int na_left;
	double na_next;
	struct m6d_rate rr_rate;
	double last_move, last_ba;
	struct mn_peer peers[M6_BUL_MAX + 1];
};

static struct mn *MN(struct m6d *d)
{
	return d->rs;
}

static struct mn_peer *peer_get(struct mn *mn, const struct in6_addr *a)
{
	struct mn_peer *free_slot = NULL;

	for (size_t i = 0; i < sizeof(mn->peers) / sizeof(mn->peers[0]); i++) {
		if (mn->peers[i].used && IN6_ARE_ADDR_EQUAL(&mn->peers[i].peer, a))
			return &mn->peers[i];
		if (!mn->peers[i].used && !free_slot)
			free_slot = &mn->peers[i];
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->peer = *a;
	return free_slot;
}

static void peer_forget(struct mn *mn, const struct in6_addr *a)
{
	for (size_t i = 0; i < sizeof(mn->peers) / sizeof(mn->peers[0]); i++)
		if (mn->peers[i].used && IN6_ARE_ADDR_EQUAL(&mn->peers[i].peer, a))
			mn->peers[i].used = false;
}

/* MAX_UPDATE_RATE: 0 when a BU may go now, else how long to wait. */
static double bu_wait(const struct mn_peer *p, double now)
{
	double oldest = p->bu_times[0];

	for (int i = 1; i < M6_MAX_UPDATE_RATE; i++)
		if (p->bu_times[i] < oldest)
			oldest = p->bu_times[i];
	return oldest && now - oldest < 1.0 ? 1.0 - (now - oldest) : 0;
}

static void bu_sent(struct mn_peer *p, double now)
{
	int o = 0;

	for (int i = 1; i < M6_MAX_UPDATE_RATE; i++)
		if (p->bu_times[i] < p->bu_times[o])
			o = i;
	p->bu_times[o] = now;
}

static void rnd(void *p, size_t n)
{
	if (getrandom(p, n, 0) != (ssize_t)n)
		memset(p, 0x5a, n);
}

static void bul_rearm(struct m6d *d)
{
	struct mn *mn = MN(d);

	m6d_timer_stop(&mn->t_bul);
	for (size_t i = 0; i < d->bul.n; i++) {
		const struct m6_bul_entry *e = &d->bul.e[i];

		if (e->state != M6_BUL_IDLE && e->next)
			m6d_timer_sooner(&mn->t_bul, e->next);
		if (e->ro && e->expires)
			m6d_timer_sooner(&mn->t_bul, e->expires);
	}
}

/* ---- home registration ---- */

static struct m6_bul_entry *ha_entry(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct m6_bul_entry *e = mn->ha_known ? m6_bul_get(&d->bul, &mn->ha) : NULL;

	return e && e->home ? e : NULL;
}

static void send_home_bu(struct m6d *d, struct m6_bul_entry *e)
{
	struct mn *mn = MN(d);
	struct mn_peer *p = peer_get(mn, &e->peer);
	struct m6_mh m = { .type = M6_BU, .proto = 59, .flags = M6_BU_A | M6_BU_H };
	struct m6d_tx tx = { .dst = mn->ha };
	double now = m6d_now(d), wait = p ? bu_wait(p, now) : 0;

	if (wait > 0) {
		e->next = now + wait;
		bul_rearm(d);
		return;
	}
	e->seq = ++mn->ha_seq;
	m.seq = e->seq;
	if (mn->ha_dereg) {
		m.lifetime = 0;
		tx.src = mn->hoa;
	} else {
		m.lifetime = (uint16_t)(e->lifetime / 4);
		tx.src = mn->coa;
		tx.hao = &mn->hoa;
	}
	if (d->conf.key_mng_mob_capability)
		m.flags |= M6_BU_K;
	e->hoa = mn->hoa;
	e->coa = mn->ha_dereg ? mn->hoa : mn->coa;
	e->state = M6_BUL_WAIT_BA;
	e->sent = now;
	e->next = now + e->timeout;
	if (p)
		bu_sent(p, now);
	m6d_log(d, M6D_LOG_INFO, "home %s to %s: seq %u, care-of %s, timeout %.1fs",
		mn->ha_dereg ? "deregistration" : "registration", m6d_ntop(d, &mn->ha), e->seq,
		m6d_ntop(d, &e->coa), e->timeout);
	m6d_send_mh(d, &m, &tx);
	bul_rearm(d);
}

static void home_register(struct m6d *d, bool dereg)
{
	struct mn *mn = MN(d);
	struct m6_bul_entry *e;
	bool first;

	if (!mn->ha_known)
		return;
	e = m6_bul_put(&d->bul, &mn->ha);
	if (!e)
		return;
	/* "first" while the home agent has no binding of ours (§11.8) */
	first = !(e->state == M6_BUL_BOUND || (e->granted && e->expires > m6d_now(d)));
	e->home = true;
	e->lifetime = d->conf.mn_max_ha_life > 262140 ? 262140 : d->conf.mn_max_ha_life;
	e->timeout = first ? d->conf.initial_bindack_timeout_first_reg
			   : M6_INITIAL_BINDACK_TIMEOUT;
	e->retries = 0;
	mn->ha_dereg = dereg;
	send_home_bu(d, e);
}

/* ---- unsolicited NA for the home address (back home) ---- */

static void home_na(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct in6_addr all = { .s6_addr = { 0xff, 2, [15] = 1 } };
	uint8_t pkt[128];
	size_t len;

	if (!m6_nd_build_na(pkt, sizeof(pkt), &len, &mn->hoa, &all, &mn->hoa, M6_NA_O,
			    mn->link.has_mac ? mn->link.mac : NULL))
		d->ops->send(d, pkt, len, mn->ifindex);
}

/* ---- return routability ---- */

static bool home_token_ok(const struct m6_bul_entry *e, double now)
{
	return e->have_hot && now - e->hot_time < M6_MAX_TOKEN_LIFETIME - MN_TOKEN_MARGIN;
}

static bool coa_token_ok(struct mn *mn, const struct m6_bul_entry *e, const struct mn_peer *p,
			 double now)
{
	return e->have_cot && now - e->cot_time < M6_MAX_TOKEN_LIFETIME - MN_TOKEN_MARGIN &&
	       IN6_ARE_ADDR_EQUAL(&p->cot_coa, &mn->coa);
}

/* A Home Test Init can go: through a tunnel the home agent knows, or
 * straight from home once the home agent let go of the address. */
static bool hoti_can_go(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct m6_bul_entry *h = ha_entry(d);

	if (mn->loc == 0)
		return h && h->state == M6_BUL_BOUND && IN6_ARE_ADDR_EQUAL(&h->coa, &mn->coa);
	return mn->loc == 1 && !h;
}

static void send_hoti(struct m6d *d, struct m6_bul_entry *e, struct mn_peer *p)
{
	struct mn *mn = MN(d);
	struct m6_mh m = { .type = M6_HOTI, .proto = 59 };
	struct m6d_tx tx = { .src = mn->hoa, .dst = e->peer };

	if (!hoti_can_go(d)) {
		p->hoti_wanted = true;
		return;
	}
	p->hoti_wanted = false;
	p->hoti_out = true;
	memcpy(m.cookie, e->hot_cookie, 8);
	if (mn->loc == 0) {
		tx.tun_src = &mn->coa;
		tx.tun_dst = &mn->ha;
	}
	m6d_send_mh(d, &m, &tx);
}

static void send_coti(struct m6d *d, struct m6_bul_entry *e, struct mn_peer *p)
{
	struct mn *mn = MN(d);
	struct m6_mh m = { .type = M6_COTI, .proto = 59 };
	struct m6d_tx tx = { .src = mn->coa, .dst = e->peer };

	p->coti_out = true;
	memcpy(m.cookie, e->cot_cookie, 8);
	m6d_send_mh(d, &m, &tx);
}

static void send_cn_bu(struct m6d *d, struct m6_bul_entry *e, struct mn_peer *p)
{
	struct mn *mn = MN(d);
	bool dereg = mn->loc == 1;
	struct m6_mh m = { .type = M6_BU, .proto = 59, .flags = M6_BU_A, .has_ni = true,
			   .has_bad = true };
	struct m6d_tx tx = { .dst = e->peer, .kbm = p->kbm };
	double now = m6d_now(d), wait = bu_wait(p, now);
	uint32_t life = d->conf.mn_max_cn_life;

	if (wait > 0) {
		e->next = now + wait;
		bul_rearm(d);
		return;
	}
	if (life > M6_MAX_RR_BINDING_LIFETIME)
		life = (uint32_t)M6_MAX_RR_BINDING_LIFETIME;
	m6_rr_kbm(e->home_token, dereg ? NULL : e->coa_token, p->kbm);
	m.seq = ++e->seq;
	m.lifetime = dereg ? 0 : (uint16_t)(life / 4);
	m.home_ni = e->home_ni;
	m.coa_ni = dereg ? 0 : e->coa_ni;
	if (dereg) {
		tx.src = mn->hoa;
	} else {
		tx.src = mn->coa;
		tx.hao = &mn->hoa;
	}
	p->dereg = dereg;
	e->hoa = mn->hoa;
	e->coa = dereg ? mn->hoa : mn->coa;
	e->lifetime = dereg ? 0 : life;
	if (e->state != M6_BUL_WAIT_BA) {
		e->timeout = M6_INITIAL_BINDACK_TIMEOUT;
		e->retries = 0;
	}
	e->state = M6_BUL_WAIT_BA;
	e->sent = now;
	e->next = now + e->timeout;
	bu_sent(p, now);
	m6d_send_mh(d, &m, &tx);
	bul_rearm(d);
}

/* Both tokens there (the home one only to deregister): the BU goes. */
static void rr_check(struct m6d *d, struct m6_bul_entry *e, struct mn_peer *p)
{
	struct mn *mn = MN(d);
	double now = m6d_now(d);

	if (e->state != M6_BUL_RR || !home_token_ok(e, now))
		return;
	if (mn->loc == 0 && !coa_token_ok(mn, e, p, now))
		return;
	send_cn_bu(d, e, p);
}

static void rr_start(struct m6d *d, struct m6_bul_entry *e)
{
	struct mn *mn = MN(d);
	struct mn_peer *p = peer_get(mn, &e->peer);
	double now = m6d_now(d);

	if (!p)
		return;
	e->state = M6_BUL_RR;
	e->timeout = M6_INITIAL_BINDACK_TIMEOUT;
	e->retries = 0;
	e->next = now + e->timeout;
	if (!home_token_ok(e, now)) {
		e->have_hot = false;
		rnd(e->hot_cookie, 8);
		send_hoti(d, e, p);
	}
	if (mn->loc == 0 && !coa_token_ok(mn, e, p, now)) {
		e->have_cot = false;
		rnd(e->cot_cookie, 8);
		send_coti(d, e, p);
	}
	m6d_log(d, M6D_LOG_INFO, "return routability with %s (%s%s)", m6d_ntop(d, &e->peer),
		e->have_hot ? "home token kept" : "HoTI",
		mn->loc != 0 ? "" : coa_token_ok(mn, e, p, now) ? ", care-of token kept"
								: ", CoTI");
	rr_check(d, e, p);
	bul_rearm(d);
}

/* A tunnelled packet from a correspondent: try route optimisation. */
static void ro_maybe(struct m6d *d, const struct in6_addr *cn)
{
	struct mn *mn = MN(d);
	struct m6_bul_entry *e;
	struct mn_peer *p;
	double now = m6d_now(d);

	if (!d->conf.ro_mn || mn->loc != 0 || IN6_IS_ADDR_MULTICAST(cn) ||
	    IN6_IS_ADDR_LINKLOCAL(cn) || IN6_ARE_ADDR_EQUAL(cn, &mn->ha) ||
	    IN6_ARE_ADDR_EQUAL(cn, &mn->hoa))
		return;
	e = m6_bul_get(&d->bul, cn);
	if (e && (e->state != M6_BUL_IDLE || e->home))
		return;
	p = peer_get(mn, cn);
	if (!p || p->no_ro_until > now || !m6d_rate_ok(&mn->rr_rate, now))
		return;
	e = m6_bul_put(&d->bul, cn);
	if (!e)
		return;
	e->hoa = mn->hoa;
	rr_start(d, e);
}

/* ---- where we are ---- */

static void set_default_route(struct m6d *d, const struct in6_addr *gw)
{
	struct mn *mn = MN(d);
	struct in6_addr any = IN6ADDR_ANY_INIT;
	int rc;

	if (mn->has_gw && IN6_ARE_ADDR_EQUAL(&mn->gw, gw))
		return;
	if (mn->has_gw)
		d->ops->route(d, false, 0, &any, 0, &mn->gw, mn->ifindex);
	rc = d->ops->route(d, true, 0, &any, 0, gw, mn->ifindex);
	if (rc && rc != -EEXIST)
		m6d_log(d, M6D_LOG_ERR, "default route via %s: %s", m6d_ntop(d, gw),
			strerror(-rc));
	mn->gw = *gw;
	mn->has_gw = true;
}

static void tunnel_setup(struct m6d *d, bool on)
{
	struct mn *mn = MN(d);
	struct in6_addr any = IN6ADDR_ANY_INIT;
	int rc;

	if (on) {
		if (!mn->hoa_on_tun) {
			rc = d->ops->addr(d, true, d->dp.tun_ifindex, &mn->hoa, 128, IFA_F_NODAD);
			if (rc && rc != -EEXIST)
				m6d_log(d, M6D_LOG_ERR, "home address on the TUN: %s",
					strerror(-rc));
			mn->hoa_on_tun = true;
		}
		if (!mn->tabroute_on) {
			d->ops->route(d, true, M6D_TABLE, &any, 0, NULL, d->dp.tun_ifindex);
			mn->tabroute_on = true;
		}
		if (!mn->rule_on) {
			rc = d->ops->rule(d, true, M6D_PRIO_TABLE, &mn->hoa, 0, M6D_TABLE);
			if (rc && rc != -EEXIST)
				m6d_log(d, M6D_LOG_ERR, "rule from the home address: %s",
					strerror(-rc));
			mn->rule_on = true;
		}
		return;
	}
	if (mn->rule_on)
		d->ops->rule(d, false, M6D_PRIO_TABLE, &mn->hoa, 0, M6D_TABLE);
	if (mn->tabroute_on)
		d->ops->route(d, false, M6D_TABLE, &any, 0, NULL, d->dp.tun_ifindex);
	if (mn->hoa_on_tun)
		d->ops->addr(d, false, d->dp.tun_ifindex, &mn->hoa, 128, 0);
	mn->rule_on = mn->tabroute_on = mn->hoa_on_tun = false;
}

static void dhaad_send(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct in6_addr any;
	uint8_t body[4], pkt[64];
	size_t len;

	m6_nd_ha_anycast(&mn->home_pfx, mn->hoa_plen, &any);
	body[0] = (uint8_t)(mn->dhaad_id >> 8);
	body[1] = (uint8_t)mn->dhaad_id;
	body[2] = body[3] = 0;
	if (m6_icmp6_build(pkt, sizeof(pkt), &len, &mn->coa, &any, 64, M6_DHAAD_REQ, 0, body, 4))
		return;
	if (!d->ops->send(d, pkt, len, 0))
		d->stats.v[M6_ST_DHAAD_TX]++;
	m6d_log(d, M6D_LOG_INFO, "DHAAD request to %s", m6d_ntop(d, &any));
}

static void dhaad_start(struct m6d *d)
{
	struct mn *mn = MN(d);

	if (mn->dhaad_out)
		return;
	mn->dhaad_out = true;
	rnd(&mn->dhaad_id, 2);
	mn->dhaad_tries = 1;
	mn->dhaad_timeout = M6_INITIAL_DHAAD_TIMEOUT;
	mn->dhaad_next = m6d_now(d) + mn->dhaad_timeout;
	dhaad_send(d);
	m6d_timer_sooner(&mn->t_misc, mn->dhaad_next);
}

static void go_away(struct m6d *d, const struct m6_rtr *r)
{
	struct mn *mn = MN(d);
	struct in6_addr coa = r->prefix;
	uint32_t flags = d->conf.optimistic_handoff ? IFA_F_OPTIMISTIC : IFA_F_NODAD;
	int rc;

	m6_nd_eui64(&coa, mn->link.mac);
	if (mn->loc == 0 && mn->has_coa && IN6_ARE_ADDR_EQUAL(&coa, &mn->coa)) {
		/* the same link again (after losing the router): refresh */
		home_register(d, false);
		return;
	}
	rc = d->ops->addr(d, true, mn->ifindex, &coa, 64, flags);
	if (rc && rc != -EEXIST)
		m6d_log(d, M6D_LOG_ERR, "care-of address %s: %s", m6d_ntop(d, &coa),
			strerror(-rc));
	if (mn->has_coa && !IN6_ARE_ADDR_EQUAL(&coa, &mn->coa))
		d->ops->addr(d, false, mn->ifindex, &mn->coa, 64, 0);
	mn->coa = coa;
	mn->has_coa = true;
	if (mn->hoa_on_if) {
		d->ops->addr(d, false, mn->ifindex, &mn->hoa, mn->hoa_plen, 0);
		mn->hoa_on_if = false;
	}
	tunnel_setup(d, true);
	mn->loc = 0;
	mn->na_left = 0;
	m6d_log(d, M6D_LOG_INFO, "away from home: care-of address %s, router %s",
		m6d_ntop(d, &mn->coa), m6d_ntop(d, &r->ll));
	if (!mn->ha_known) {
		dhaad_start(d);
	} else {
		home_register(d, false);
	}
	/* correspondents keep the old care-of address until the new BU */
	for (size_t i = 0; i < d->bul.n; i++) {
		struct m6_bul_entry *e = &d->bul.e[i];

		if (e->home)
			continue;
		e->ro = false;
		rr_start(d, e);
	}
}

static void go_home(struct m6d *d, const struct m6_rtr *r)
{
	struct mn *mn = MN(d);
	struct m6_bul_entry *h;
	int rc;

	if (mn->loc == 1)
		return;
	if (mn->has_coa) {
		d->ops->addr(d, false, mn->ifindex, &mn->coa, 64, 0);
		mn->has_coa = false;
	}
	tunnel_setup(d, false);
	if (!mn->hoa_on_if) {
		rc = d->ops->addr(d, true, mn->ifindex, &mn->hoa, mn->hoa_plen, IFA_F_NODAD);
		if (rc && rc != -EEXIST)
			m6d_log(d, M6D_LOG_ERR, "home address on %s: %s", mn->ifname,
				strerror(-rc));
		mn->hoa_on_if = true;
	}
	mn->loc = 1;
	m6d_log(d, M6D_LOG_INFO, "at home: router %s", m6d_ntop(d, &r->ll));
	h = ha_entry(d);
	if (h) {
		home_register(d, true);
	} else if (mn->last_move) {
		mn->na_left = 3;
		mn->na_next = m6d_now(d);
		m6d_timer_sooner(&mn->t_misc, mn->na_next);
	}
	for (size_t i = 0; i < d->bul.n;) {
		struct m6_bul_entry *e = &d->bul.e[i];

		if (e->home) {
			i++;
			continue;
		}
		if (e->ro || e->state == M6_BUL_WAIT_BA) {
			e->ro = false;
			rr_start(d, e);
			i++;
		} else {
			peer_forget(mn, &e->peer);
			m6_bul_del(&d->bul, &e->peer);
		}
	}
}

static void attach(struct m6d *d, bool moved)
{
	struct mn *mn = MN(d);
	const struct m6_rtr *r = &mn->mv.cur;
	double now = m6d_now(d);
	struct m6d_link l;

	/* the link-local address may have come after we started */
	if (!d->ops->link(d, mn->ifname, &l) && l.has_mac) {
		mn->link = l;
		mn->ifindex = l.ifindex;
	}
	if (mn->loc != -1) {
		d->stats.v[M6_ST_MOVES]++;
		mn->last_move = now;
	}
	m6d_log(d, M6D_LOG_INFO, "movement: %s router %s, prefix %s/64", moved ? "new" : "first",
		m6d_ntop(d, &r->ll), m6d_ntop(d, &r->prefix));
	set_default_route(d, &r->ll);
	if (m6d_prefix_match(&r->prefix, &mn->home_pfx, mn->hoa_plen))
		go_home(d, r);
	else
		go_away(d, r);
}

static void send_probe(struct m6d *d, bool with_rs)
{
	struct mn *mn = MN(d);
	const struct m6_rtr *r = &mn->mv.cur;
	struct in6_addr any = IN6ADDR_ANY_INIT;
	const struct in6_addr *src = mn->link.has_ll ? &mn->link.ll : &any;
	uint8_t pkt[128];
	size_t len;

	if (r->valid && mn->link.has_ll &&
	    !m6_nd_build_ns(pkt, sizeof(pkt), &len, src, &r->ll, &r->ll, mn->link.mac))
		d->ops->send(d, pkt, len, mn->ifindex);
	if (with_rs && !m6_nd_build_rs(pkt, sizeof(pkt), &len, src, mn->link.mac))
		d->ops->send(d, pkt, len, mn->ifindex);
}

static void move_act(struct m6d *d, enum m6_mv_act a)
{
	struct mn *mn = MN(d);

	switch (a) {
	case M6_MV_NONE:
		break;
	case M6_MV_PROBE:
		m6d_log(d, M6D_LOG_DEBUG, "probing router %s%s", m6d_ntop(d, &mn->mv.cur.ll),
			mn->mv.cand.valid ? " (another router advertises)" : " (RA missing)");
		send_probe(d, !mn->mv.cand.valid);
		break;
	case M6_MV_ATTACH:
		attach(d, false);
		break;
	case M6_MV_MOVED:
		attach(d, true);
		break;
	case M6_MV_LOST:
		m6d_log(d, M6D_LOG_INFO, "router lost, no other router yet");
		send_probe(d, true);
		break;
	}
	m6d_timer_stop(&mn->t_move);
	if (m6_move_next(&mn->mv))
		m6d_timer_arm(&mn->t_move, m6_move_next(&mn->mv));
}

static void move_timer(struct m6d *d, struct m6d_timer *t)
{
	move_act(d, m6_move_tick(&MN(d)->mv, m6d_now(d)));
}

/* ---- the binding update list timer ---- */

static void bul_timer(struct m6d *d, struct m6d_timer *t)
{
	struct mn *mn = MN(d);
	double now = m6d_now(d);

	for (size_t i = 0; i < d->bul.n; i++) {
		struct m6_bul_entry *e = &d->bul.e[i];
		struct mn_peer *p = peer_get(mn, &e->peer);

		if (!p)
			continue;
		if (e->ro && e->expires <= now) {
			e->ro = false;
			m6d_log(d, M6D_LOG_INFO, "binding at %s expired", m6d_ntop(d, &e->peer));
		}
		if (e->state == M6_BUL_IDLE || !e->next || e->next > now)
			continue;
		if (e->home) {
			if (e->state == M6_BUL_WAIT_BA) {
				e->timeout = m6_backoff(e->timeout, M6_INITIAL_BINDACK_TIMEOUT);
				e->retries++;
			} else {
				/* refresh before expiry */
				e->timeout = M6_INITIAL_BINDACK_TIMEOUT;
				e->retries = 0;
			}
			send_home_bu(d, e);
			continue;
		}
		switch (e->state) {
		case M6_BUL_RR:
			if (++e->retries > MN_RR_RETRIES) {
				m6d_log(d, M6D_LOG_INFO, "no answer to return routability from %s",
					m6d_ntop(d, &e->peer));
				e->state = M6_BUL_IDLE;
				p->no_ro_until = now + MN_NO_RO_TIME;
				break;
			}
			e->timeout = m6_backoff(e->timeout, M6_INITIAL_BINDACK_TIMEOUT);
			e->next = now + e->timeout;
			if (!e->have_hot && !p->hoti_wanted)
				send_hoti(d, e, p);
			if (mn->loc == 0 && !e->have_cot)
				send_coti(d, e, p);
			break;
		case M6_BUL_WAIT_BA:
			if (++e->retries > MN_RR_RETRIES) {
				e->state = M6_BUL_IDLE;
				p->no_ro_until = now + MN_NO_RO_TIME;
				break;
			}
			e->timeout = m6_backoff(e->timeout, M6_INITIAL_BINDACK_TIMEOUT);
			if (home_token_ok(e, now) && (mn->loc == 1 || coa_token_ok(mn, e, p, now)))
				send_cn_bu(d, e, p);
			else
				rr_start(d, e);
			break;
		case M6_BUL_BOUND:
			rr_start(d, e);
			break;
		default:
			break;
		}
	}
	bul_rearm(d);
}

static void misc_timer(struct m6d *d, struct m6d_timer *t)
{
	struct mn *mn = MN(d);
	double now = m6d_now(d);

	if (mn->dhaad_out && mn->dhaad_next <= now) {
		if (mn->dhaad_tries >= M6_DHAAD_RETRIES || mn->loc != 0) {
			mn->dhaad_out = false;
			if (mn->loc == 0)
				m6d_log(d, M6D_LOG_ERR, "no home agent answered DHAAD");
		} else {
			mn->dhaad_tries++;
			mn->dhaad_timeout *= 2;
			mn->dhaad_next = now + mn->dhaad_timeout;
			dhaad_send(d);
		}
	}
	if (mn->na_left > 0 && mn->na_next <= now) {
		home_na(d);
		mn->na_left--;
		mn->na_next = now + 1.0;
	}
	if (mn->dhaad_out)
		m6d_timer_sooner(t, mn->dhaad_next);
	if (mn->na_left > 0)
		m6d_timer_sooner(t, mn->na_next);
}

/* ---- Mobility Header in ---- */

static void mps_send(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct m6d_tx tx = { .src = mn->coa, .dst = mn->ha, .hao = &mn->hoa };
	uint8_t body[4], pkt[64];
	size_t len;

	rnd(&mn->mps_id, 2);
	body[0] = (uint8_t)(mn->mps_id >> 8);
	body[1] = (uint8_t)mn->mps_id;
	body[2] = body[3] = 0;
	if (m6_icmp6_build(pkt, sizeof(pkt), &len, &mn->hoa, &mn->ha, 64, M6_MPS, 0, body, 4))
		return;
	if (!m6d_send_pkt(d, pkt, len, &tx))
		mn->mps_sent = true;
}

static void home_ba(struct m6d *d, const struct m6d_rx *rx, struct m6_bul_entry *e)
{
	struct mn *mn = MN(d);
	const struct m6_mh *m = &rx->m;
	double now = m6d_now(d);

	if (e->state != M6_BUL_WAIT_BA)
		return;
	if (m->status == M6_BA_SEQ_OOW) {
		/* §11.7.1: continue from the home agent's number */
		mn->ha_seq = m->seq;
		e->timeout = M6_INITIAL_BINDACK_TIMEOUT;
		send_home_bu(d, e);
		return;
	}
	if (m->seq != e->seq)
		return;
	if (mn->ha_dereg && m->status == M6_BA_NOT_HA) {
		/* no binding there any more (an earlier deregistration whose
		 * BA we did not take): deregistered all the same */
		m6d_log(d, M6D_LOG_INFO, "BA from home agent %s: no binding left (133)",
			m6d_ntop(d, &mn->ha));
	} else if (m->status >= 128) {
		m6d_log(d, M6D_LOG_ERR, "BA from home agent %s: %s (%u)", m6d_ntop(d, &mn->ha),
			m6_ba_status_name(m->status), m->status);
		if (mn->ha_dereg) {
			m6_bul_del(&d->bul, &mn->ha);
		} else {
			e->state = M6_BUL_IDLE;
			e->next = 0;
		}
		bul_rearm(d);
		return;
	}
	mn->last_ba = now;
	if (mn->ha_dereg) {
		m6d_log(d, M6D_LOG_INFO, "BA from home agent %s: status %u, deregistered (seq %u)",
			m6d_ntop(d, &mn->ha), m->status, m->seq);
		m6_bul_del(&d->bul, &mn->ha);
		mn->ha_dereg = false;
		mn->na_left = 3;
		mn->na_next = now;
		m6d_timer_sooner(&mn->t_misc, now);
	} else {
		double refresh;

		e->granted = (uint32_t)m->lifetime * 4;
		e->expires = now + e->granted;
		e->state = M6_BUL_BOUND;
		refresh = e->granted * MN_REFRESH;
		if (m->has_bra && m->refresh && m->refresh * 4.0 < refresh)
			refresh = m->refresh * 4.0;
		e->next = now + (refresh > 1 ? refresh : 1);
		m6d_log(d, M6D_LOG_INFO, "BA from home agent %s: status %u, care-of %s, "
			"lifetime %us (seq %u)", m6d_ntop(d, &mn->ha), m->status,
			m6d_ntop(d, &e->coa), e->granted, m->seq);
		if (d->conf.send_mob_pfx_sols && !mn->mps_sent)
			mps_send(d);
	}
	/* Home Test Inits held back until the home agent knew where we are */
	for (size_t i = 0; i < d->bul.n; i++) {
		struct m6_bul_entry *c = &d->bul.e[i];
		struct mn_peer *p = peer_get(mn, &c->peer);

		if (!c->home && p && p->hoti_wanted && c->state == M6_BUL_RR)
			send_hoti(d, c, p);
	}
	bul_rearm(d);
}

static void cn_ba(struct m6d *d, const struct m6d_rx *rx, struct m6_bul_entry *e)
{
	struct mn *mn = MN(d);
	const struct m6_mh *m = &rx->m;
	struct mn_peer *p = peer_get(mn, &e->peer);
	double now = m6d_now(d);
	uint8_t auth[12];

	if (!p || e->state != M6_BUL_WAIT_BA)
		return;
	if (m->has_bad) {
		m6_rr_auth(p->kbm, &rx->dst, &rx->src, rx->mh, rx->mhlen, m->auth_off, auth);
		if (!m6_rr_auth_equal(auth, m->auth)) {
			d->stats.v[M6_ST_MH_UNAUTH]++;
			m6d_log(d, M6D_LOG_INFO, "BA from %s: bad authenticator",
				m6d_ntop(d, &rx->src));
			return;
		}
	} else if (m->status < 128 || m->status == M6_BA_SEQ_OOW) {
		d->stats.v[M6_ST_MH_UNAUTH]++;
		return;
	}
	switch (m->status) {
	case M6_BA_SEQ_OOW:
		e->seq = m->seq;
		send_cn_bu(d, e, p);
		return;
	case M6_BA_EXP_HNI:
		e->have_hot = false;
		rr_start(d, e);
		return;
	case M6_BA_EXP_CNI:
		e->have_cot = false;
		rr_start(d, e);
		return;
	case M6_BA_EXP_NONCES:
		e->have_hot = e->have_cot = false;
		rr_start(d, e);
		return;
	default:
		break;
	}
	if (m->seq != e->seq)
		return;
	if (m->status >= 128) {
		m6d_log(d, M6D_LOG_INFO, "BA from %s: %s (%u), no route optimisation",
			m6d_ntop(d, &rx->src), m6_ba_status_name(m->status), m->status);
		e->state = M6_BUL_IDLE;
		e->ro = false;
		p->no_ro_until = now + MN_NO_RO_TIME;
		bul_rearm(d);
		return;
	}
	if (p->dereg) {
		m6d_log(d, M6D_LOG_INFO, "binding at %s deregistered", m6d_ntop(d, &rx->src));
		peer_forget(mn, &e->peer);
		m6_bul_del(&d->bul, &rx->src);
		bul_rearm(d);
		return;
	}
	e->granted = (uint32_t)m->lifetime * 4;
	e->expires = now + e->granted;
	e->state = M6_BUL_BOUND;
	e->ro = e->granted > 0;
	e->next = now + (e->granted * MN_REFRESH > 1 ? e->granted * MN_REFRESH : 1);
	m6d_log(d, M6D_LOG_INFO, "route optimisation with %s: care-of %s, lifetime %us",
		m6d_ntop(d, &rx->src), m6d_ntop(d, &e->coa), e->granted);
	bul_rearm(d);
}

static void mn_on_mh(struct m6d *d, const struct m6d_rx *rx)
{
	struct mn *mn = MN(d);
	const struct m6_mh *m = &rx->m;
	struct m6_bul_entry *e;
	struct mn_peer *p;
	double now = m6d_now(d);

	/* to us: the home address through the tunnel or an RH2, or the
	 * care-of address */
	if (rx->rh2 && !IN6_ARE_ADDR_EQUAL(&rx->home, &mn->hoa))
		return;
	if (rx->tunnelled && !IN6_ARE_ADDR_EQUAL(&rx->dst, &mn->hoa))
		return;
	e = m6_bul_get(&d->bul, &rx->src);
	switch (m->type) {
	case M6_BA:
		if (e && e->home)
			home_ba(d, rx, e);
		else if (e)
			cn_ba(d, rx, e);
		break;
	case M6_HOT:
	case M6_COT: {
		bool home = m->type == M6_HOT;

		if (!e || e->home || e->state != M6_BUL_RR || !(p = peer_get(mn, &e->peer)))
			break;
		if (memcmp(m->cookie, home ? e->hot_cookie : e->cot_cookie, 8))
			break;
		if (home) {
			memcpy(e->home_token, m->token, 8);
			e->home_ni = m->nonce_index;
			e->have_hot = true;
			e->hot_time = now;
			p->hoti_out = false;
		} else {
			if (mn->loc != 0 || !IN6_ARE_ADDR_EQUAL(&rx->dst, &mn->coa))
				break;
			memcpy(e->coa_token, m->token, 8);
			e->coa_ni = m->nonce_index;
			e->have_cot = true;
			e->cot_time = now;
			p->cot_coa = mn->coa;
			p->coti_out = false;
		}
		rr_check(d, e, p);
		break;
	}
	case M6_BRR:
		if (e && !e->home && e->ro) {
			m6d_log(d, M6D_LOG_INFO, "Binding Refresh Request from %s",
				m6d_ntop(d, &rx->src));
			rr_start(d, e);
		}
		break;
	case M6_BE:
		if (!e || e->home)
			break;
		p = peer_get(mn, &e->peer);
		m6d_log(d, M6D_LOG_INFO, "Binding Error %u from %s", m->status,
			m6d_ntop(d, &rx->src));
		if (m->status == M6_BE_UNKNOWN_MH && p) {
			/* it does not speak Mobile IPv6: tunnel only */
			e->state = M6_BUL_IDLE;
			e->ro = false;
			p->no_ro_until = now + MN_NO_RO_TIME;
		} else if (m->status == M6_BE_UNKNOWN_HAO && mn->loc == 0) {
			e->ro = false;
			rr_start(d, e);
		}
		bul_rearm(d);
		break;
	default:
		break;
	}
}

/* ---- data ---- */

static void mn_on_tun(struct m6d *d, const uint8_t *pkt, size_t len)
{
	struct mn *mn = MN(d);
	struct in6_addr src, dst;
	struct m6_bul_entry *e;
	size_t n;
	int rc;

	if (40 > len || mn->loc != 0 || !mn->has_coa) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	memcpy(&src, pkt + 8, 16);
	memcpy(&dst, pkt + 24, 16);
	if (!IN6_ARE_ADDR_EQUAL(&src, &mn->hoa)) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	e = m6_bul_get(&d->bul, &dst);
	if (e && !e->home && e->ro && e->expires > m6d_now(d) &&
	    IN6_ARE_ADDR_EQUAL(&e->coa, &mn->coa)) {
		rc = m6_pkt_hao_out(pkt, len, &mn->coa, d->tx, sizeof(d->tx), &n);
		if (!rc)
			rc = d->ops->send(d, d->tx, n, 0);
		if (rc)
			d->stats.v[M6_ST_DROPPED]++;
		else
			d->stats.v[M6_ST_RO_OUT]++;
		return;
	}
	if (!mn->ha_known) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	rc = m6_pkt_encap(pkt, len, &mn->coa, &mn->ha, d->tx, sizeof(d->tx), &n);
	if (!rc)
		rc = d->ops->send(d, d->tx, n, 0);
	if (rc)
		d->stats.v[M6_ST_DROPPED]++;
	else
		d->stats.v[M6_ST_TUN_OUT]++;
}

static void mn_on_41(struct m6d *d, const uint8_t *inner, size_t len, const struct in6_addr *osrc,
		     const struct in6_addr *odst)
{
	struct mn *mn = MN(d);
	struct m6_pkt_info pi;

	if (!mn->ha_known || !IN6_ARE_ADDR_EQUAL(osrc, &mn->ha) || m6_pkt_info(inner, len, &pi) ||
	    !IN6_ARE_ADDR_EQUAL(&pi.dst, &mn->hoa)) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	if (pi.upper == M6_IPPROTO_MH) {
		m6d_recv_mh(d, inner, len, mn->ifindex, osrc, odst);
		return;
	}
	if (d->ops->tun_write(d, inner, len)) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	d->stats.v[M6_ST_TUN_IN]++;
	ro_maybe(d, &pi.src);
}

static int mn_on_nfq(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		     int ifindex, uint8_t *out, size_t cap, size_t *outlen)
{
	struct mn *mn = MN(d);
	struct in6_addr hoa;

	if (!pi->has_rh2)
		return M6_NF_ACCEPT;
	if (pi->rh2_off > len || 24 > len - pi->rh2_off || pi->rh2_segleft != 1) {
		d->stats.v[M6_ST_DROPPED]++;
		return M6_NF_DROP;
	}
	memcpy(&hoa, pkt + pi->rh2_off + 8, 16);
	/* §11.3.3: only our own home address */
	if (!IN6_ARE_ADDR_EQUAL(&hoa, &mn->hoa) ||
	    m6_pkt_rh2_in(pkt, len, out, cap, outlen, &hoa)) {
		d->stats.v[M6_ST_DROPPED]++;
		return M6_NF_DROP;
	}
	d->stats.v[M6_ST_RO_IN]++;
	return M6_NF_MANGLE;
}

static void mn_on_icmp6(struct m6d *d, const struct m6d_icmp *ic)
{
	struct mn *mn = MN(d);
	double now = m6d_now(d);

	switch (ic->p[0]) {
	case M6_ND_RA: {
		struct m6_ra ra;
		const char *why;

		if (ic->ifindex != mn->ifindex || ic->hlim != 255 ||
		    !IN6_IS_ADDR_LINKLOCAL(&ic->src))
			return;
		if (m6_nd_parse_ra(ic->p, ic->len, &ra, &why)) {
			m6d_log(d, M6D_LOG_DEBUG, "bad RA from %s: %s", m6d_ntop(d, &ic->src), why);
			return;
		}
		ra.src = ic->src;
		ra.ifindex = ic->ifindex;
		move_act(d, m6_move_ra(&mn->mv, &ra, now));
		break;
	}
	case M6_ND_NA: {
		struct in6_addr target;
		uint8_t mac[6], flags;
		bool has_mac;

		if (ic->ifindex != mn->ifindex || ic->hlim != 255 ||
		    m6_nd_parse_na(ic->p, ic->len, &target, &flags, mac, &has_mac))
			return;
		move_act(d, m6_move_na(&mn->mv, &target, ic->ifindex, now));
		break;
	}
	case M6_DHAAD_REP: {
		uint16_t id;

		if (!mn->dhaad_out || 24 > ic->len)
			return;
		id = (uint16_t)(ic->p[4] << 8 | ic->p[5]);
		if (id != mn->dhaad_id)
			return;
		d->stats.v[M6_ST_DHAAD_RX]++;
		memcpy(&mn->ha, ic->p + 8, 16);
		mn->ha_known = true;
		mn->dhaad_out = false;
		m6d_log(d, M6D_LOG_INFO, "DHAAD: home agent %s", m6d_ntop(d, &mn->ha));
		if (mn->loc == 0)
			home_register(d, false);
		break;
	}
	case M6_MPA: {
		size_t off = 8;

		if (!mn->ha_known || !IN6_ARE_ADDR_EQUAL(&ic->src, &mn->ha) || 8 > ic->len)
			return;
		d->stats.v[M6_ST_MPA_RX]++;
		/* prefix information options: log what the home link has */
		while (off < ic->len && 2 <= ic->len - off) {
			size_t olen = (size_t)ic->p[off + 1] * 8;

			if (olen == 0 || olen > ic->len - off)
				break;
			if (ic->p[off] == 3 && olen == 32) {
				struct in6_addr pfx;

				memcpy(&pfx, ic->p + off + 16, 16);
				m6d_log(d, M6D_LOG_INFO, "mobile prefix advertisement: %s/%u%s",
					m6d_ntop(d, &pfx), ic->p[off + 2],
					m6d_prefix_match(&mn->hoa, &pfx, ic->p[off + 2])
						? " (home address still valid)" : "");
			}
			off += olen;
		}
		break;
	}
	default:
		break;
	}
}

/* ---- the role ---- */

static int mn_init(struct m6d *d, char *err, size_t errlen)
{
	struct mn *mn = calloc(1, sizeof(*mn));
	const struct m6_homelink *hl = &d->conf.homelinks[0];
	const struct m6_iface *best = NULL;
	char key[128];
	int rc;

	if (!mn) {
		snprintf(err, errlen, "MN: out of memory");
		return -ENOMEM;
	}
	d->rs = mn;
	if (!d->conf.nhomelinks || !d->conf.nifaces) {
		snprintf(err, errlen, "%s: a mobile node needs an Interface and a MnHomeLink with "
			 "a HomeAddress", d->conf.file);
		return -EINVAL;
	}
	for (size_t i = 0; i < d->conf.nifaces; i++)
		if (!best || d->conf.ifaces[i].preference < best->preference)
			best = &d->conf.ifaces[i];
	snprintf(mn->ifname, sizeof(mn->ifname), "%s", best->name);
	rc = d->ops->link(d, mn->ifname, &mn->link);
	if (rc || !mn->link.has_mac) {
		snprintf(err, errlen, "%s:%d: interface %s: %s", d->conf.file, best->line,
			 mn->ifname, rc ? strerror(-rc) : "no Ethernet address");
		return rc ? rc : -EINVAL;
	}
	mn->ifindex = mn->link.ifindex;
	mn->hoa = hl->hoa;
	mn->hoa_plen = hl->plen > 0 && hl->plen <= 128 ? hl->plen : 64;
	mn->home_pfx = hl->hoa;
	for (int bit = mn->hoa_plen; bit < 128; bit++)
		mn->home_pfx.s6_addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	mn->ha = hl->ha;
	mn->ha_known = !IN6_IS_ADDR_UNSPECIFIED(&hl->ha);
	mn->loc = -1;
	mn->rr_rate = (struct m6d_rate){ .rate = 1, .burst = 3, .tokens = 3 };
	for (size_t i = 0; i < mn->link.nglobal; i++)
		if (IN6_ARE_ADDR_EQUAL(&mn->link.global[i].a, &mn->hoa))
			mn->hoa_on_if = mn->hoa_was_on_if = true;
	/* the daemon configures the addresses and routes of this link */
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", mn->ifname);
	d->ops->sysctl(d, key, "0");
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/autoconf", mn->ifname);
	d->ops->sysctl(d, key, "0");
	/* a rule left by a run that did not end cleanly */
	for (int i = 0; i < 8; i++)
		if (d->ops->rule(d, false, M6D_PRIO_TABLE, &mn->hoa, 0, M6D_TABLE))
			break;
	m6_move_init(&mn->mv, d->conf.mn_router_probes, d->conf.mn_router_probe_timeout);
	m6d_timer_add(d, &mn->t_move, "movement", move_timer);
	m6d_timer_add(d, &mn->t_bul, "bul", bul_timer);
	m6d_timer_add(d, &mn->t_misc, "mn", misc_timer);
	send_probe(d, true);
	m6d_log(d, M6D_LOG_INFO, "mobile node on %s, home address %s, home agent %s",
		mn->ifname, m6d_ntop(d, &mn->hoa),
		mn->ha_known ? m6d_ntop(d, &mn->ha) : "(DHAAD)");
	return 0;
}

static void mn_fini(struct m6d *d)
{
	struct mn *mn = MN(d);
	struct in6_addr any = IN6ADDR_ANY_INIT;

	if (!mn)
		return;
	tunnel_setup(d, false);
	if (mn->has_coa)
		d->ops->addr(d, false, mn->ifindex, &mn->coa, 64, 0);
	if (mn->has_gw)
		d->ops->route(d, false, 0, &any, 0, &mn->gw, mn->ifindex);
	if (mn->hoa_on_if && !mn->hoa_was_on_if)
		d->ops->addr(d, false, mn->ifindex, &mn->hoa, mn->hoa_plen, 0);
	else if (!mn->hoa_on_if && mn->hoa_was_on_if)
		d->ops->addr(d, true, mn->ifindex, &mn->hoa, mn->hoa_plen, IFA_F_NODAD);
	mn->has_coa = mn->has_gw = false;
}

static void mn_view(struct m6d *d, struct m6_ctl_view *v)
{
	struct mn *mn = MN(d);

	v->at_home = mn->loc;
	v->hoa = mn->hoa;
	v->coa = mn->has_coa ? mn->coa : mn->hoa;
	v->ha = mn->ha;
	snprintf(v->ifname, sizeof(v->ifname), "%s", mn->ifname);
	v->last_move = mn->last_move;
	v->last_ba = mn->last_ba;
}

const struct m6d_role m6d_role_mn = {
	.name = "MN",
	.init = mn_init,
	.fini = mn_fini,
	.on_mh = mn_on_mh,
	.on_tun = mn_on_tun,
	.on_41 = mn_on_41,
	.on_nfq = mn_on_nfq,
	.on_icmp6 = mn_on_icmp6,
	.view = mn_view,
};
