/*
 * The correspondent node (RFC 6275 §9): return routability (Home and
 * Care-of Test answered with keygen tokens and nonce indices), Binding
 * Update verification with the nonce indices and the Binding Authorization
 * Data, the binding cache with lifetimes capped at MAX_RR_BINDING_LIFETIME,
 * Binding Acknowledgements (when asked, and on errors), Binding Refresh
 * Requests before expiry, Binding Errors (status 1 for a Home Address
 * option without binding, rate limited), and route optimisation: packets
 * with a Home Address option from a bound care-of address are accepted
 * (rewritten to come from the home address), packets the kernel routes into
 * the TUN for a bound home address leave with a type 2 routing header. The
 * home agent uses the same functions for bindings without the H flag.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "m6d.h"

/* A Binding Refresh Request goes when this much of a used binding's
 * lifetime is left. */
static double brr_lead(const struct m6_binding *b)
{
	double lead = b->lifetime / 10.0;

	return lead < 2.0 ? 2.0 : lead;
}

void m6d_binding_gone(void *ctx, const struct m6_binding *b)
{
	struct m6d *d = ctx;

	m6d_tun_route(d, false, &b->hoa);
	if (b->home_reg) {
		int rc = d->ops->proxy(d, false, b->ifindex, &b->hoa);

		if (rc && rc != -ENOENT)
			m6d_log(d, M6D_LOG_ERR, "proxy ND off for %s: %s", m6d_ntop(d, &b->hoa),
				strerror(-rc));
	}
	m6d_log(d, M6D_LOG_INFO, "binding %s -> %s removed", m6d_ntop(d, &b->hoa),
		m6d_ntop(d, &b->coa));
}

int m6d_cn_start(struct m6d *d)
{
	int rc = m6_rr_cn_init(&d->cn.rr, m6d_now(d));

	if (rc)
		return rc;
	d->cn.on = true;
	return 0;
}

static void cn_hoti_coti(struct m6d *d, const struct m6d_rx *rx, bool home)
{
	struct m6_mh m = { .type = home ? M6_HOT : M6_COT, .proto = 59 };
	struct m6d_tx tx = { .src = rx->dst, .dst = rx->src };
	uint8_t nonce[8];

	/* a Home / Care-of Test Init never carries a HAO or an RH2 */
	if (rx->hao || rx->rh2 || !d->cn.on) {
		d->stats.v[M6_ST_DROPPED]++;
		return;
	}
	m6_rr_cn_tick(&d->cn.rr, m6d_now(d));
	m6_rr_cn_current(&d->cn.rr, &m.nonce_index, nonce);
	memcpy(m.cookie, rx->m.cookie, 8);
	m6_rr_token(d->cn.rr.kcn, &rx->src, nonce, home ? 0 : 1, m.token);
	m6d_send_mh(d, &m, &tx);
}

static void cn_bu(struct m6d *d, const struct m6d_rx *rx)
{
	const struct m6_mh *m = &rx->m;
	struct in6_addr hoa = rx->hao ? rx->home : rx->src;
	struct in6_addr coa = m->has_acoa ? m->acoa : rx->src;
	uint8_t hn[8], cnn[8], ht[8], ct[8], kbm[20], auth[12];
	double now = m6d_now(d);
	bool dereg = m->lifetime == 0 || IN6_ARE_ADDR_EQUAL(&coa, &hoa), hok, cok, isnew;
	struct m6_binding *b;
	uint32_t life;

	if (!d->cn.on) {
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "BU from %s ignored: route optimisation disabled",
			m6d_ntop(d, &hoa));
		return;
	}
	if (!m->has_ni || !m->has_bad) {
		/* §9.5.1: silently discarded */
		d->stats.v[M6_ST_MH_UNAUTH]++;
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "BU from %s without %s: dropped", m6d_ntop(d, &hoa),
			m->has_ni ? "Binding Authorization Data" : "Nonce Indices");
		return;
	}
	hok = m6_rr_cn_nonce(&d->cn.rr, m->home_ni, now, hn);
	cok = dereg || m6_rr_cn_nonce(&d->cn.rr, m->coa_ni, now, cnn);
	if (!hok || !cok) {
		uint8_t st = !hok && !cok ? M6_BA_EXP_NONCES : !hok ? M6_BA_EXP_HNI : M6_BA_EXP_CNI;

		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "BU from %s: %s", m6d_ntop(d, &hoa),
			m6_ba_status_name(st));
		m6d_send_ba(d, rx, st, m->seq, 0, NULL);
		return;
	}
	m6_rr_token(d->cn.rr.kcn, &hoa, hn, 0, ht);
	if (!dereg)
		m6_rr_token(d->cn.rr.kcn, &coa, cnn, 1, ct);
	m6_rr_kbm(ht, dereg ? NULL : ct, kbm);
	m6_rr_auth(kbm, &coa, &rx->dst, rx->mh, rx->mhlen, m->auth_off, auth);
	if (!m6_rr_auth_equal(auth, m->auth)) {
		d->stats.v[M6_ST_MH_UNAUTH]++;
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "BU from %s (care-of %s): bad authenticator, dropped",
			m6d_ntop(d, &hoa), m6d_ntop(d, &coa));
		return;
	}
	b = m6_bcache_get(d->bc, &hoa);
	if (b && b->home_reg) {
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_send_ba(d, rx, M6_BA_REG_TYPE_CHANGE, m->seq, 0, kbm);
		return;
	}
	if (b && !m6_seq_after(m->seq, b->seq)) {
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "BU from %s: sequence %u not after %u", m6d_ntop(d, &hoa),
			m->seq, b->seq);
		m6d_send_ba(d, rx, M6_BA_SEQ_OOW, b->seq, 0, kbm);
		return;
	}
	if (dereg) {
		if (b) {
			m6d_binding_gone(d, b);
			m6_bcache_del(d->bc, &hoa);
		}
		d->stats.v[M6_ST_BU_ACCEPTED]++;
		m6d_log(d, M6D_LOG_INFO, "binding of %s deregistered", m6d_ntop(d, &hoa));
		if (m->flags & M6_BU_A)
			m6d_send_ba(d, rx, M6_BA_ACCEPTED, m->seq, 0, kbm);
		return;
	}
	life = (uint32_t)m->lifetime * 4;
	if (life > M6_MAX_RR_BINDING_LIFETIME)
		life = (uint32_t)M6_MAX_RR_BINDING_LIFETIME;
	b = m6_bcache_put(d->bc, &hoa, &isnew);
	if (!b) {
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_send_ba(d, rx, M6_BA_RESOURCES, m->seq, 0, kbm);
		return;
	}
	if (isnew) {
		b->created = now;
		m6d_tun_route(d, true, &hoa);
	}
	b->coa = coa;
	b->local = rx->dst;
	b->seq = m->seq;
	b->flags = m->flags;
	b->lifetime = life;
	b->expires = now + life;
	b->updated = now;
	b->home_reg = 0;
	b->brr_sent = 0;
	d->stats.v[M6_ST_BU_ACCEPTED]++;
	m6d_log(d, M6D_LOG_INFO, "binding %s -> %s for %us (route optimisation)",
		m6d_ntop(d, &hoa), m6d_ntop(d, &coa), life);
	if (m->flags & M6_BU_A)
		m6d_send_ba(d, rx, M6_BA_ACCEPTED, m->seq, life, kbm);
}

void m6d_cn_on_mh(struct m6d *d, const struct m6d_rx *rx)
{
	switch (rx->m.type) {
	case M6_HOTI:
		cn_hoti_coti(d, rx, true);
		break;
	case M6_COTI:
		cn_hoti_coti(d, rx, false);
		break;
	case M6_BU:
		cn_bu(d, rx);
		break;
	default:
		m6d_log(d, M6D_LOG_DEBUG, "%s from %s ignored", m6_mh_type_name(rx->m.type),
			m6d_ntop(d, &rx->src));
		break;
	}
}

int m6d_cn_hao_in(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		  uint8_t *out, size_t cap, size_t *outlen)
{
	struct in6_addr hoa, coa, h;
	struct m6_binding *b;

	if (pi->hao_off > len || 16 > len - pi->hao_off)
		return M6_NF_DROP;
	memcpy(&hoa, pkt + pi->hao_off, 16);
	b = m6_bcache_get(d->bc, &hoa);
	if (b && IN6_ARE_ADDR_EQUAL(&b->coa, &pi->src)) {
		if (m6_pkt_hao_in(pkt, len, out, cap, outlen, &coa, &h)) {
			d->stats.v[M6_ST_DROPPED]++;
			return M6_NF_DROP;
		}
		b->pkts_in++;
		d->stats.v[M6_ST_RO_IN]++;
		return M6_NF_MANGLE;
	}
	/* §9.3.1: no binding for this home address and care-of address */
	d->stats.v[M6_ST_DROPPED]++;
	m6d_log(d, M6D_LOG_INFO, "packet from %s with home address %s and no binding: "
		"Binding Error 1", m6d_ntop(d, &pi->src), m6d_ntop(d, &hoa));
	m6d_send_be(d, M6_BE_UNKNOWN_HAO, &pi->dst, &pi->src, &hoa);
	return M6_NF_DROP;
}

int m6d_cn_tun_out(struct m6d *d, const uint8_t *pkt, size_t len)
{
	struct in6_addr dst;
	struct m6_binding *b;
	size_t n;
	int rc;

	if (40 > len)
		return -EINVAL;
	memcpy(&dst, pkt + 24, 16);
	b = m6_bcache_get(d->bc, &dst);
	if (!b || b->home_reg)
		return -ENOENT;
	rc = m6_pkt_rh2_out(pkt, len, &b->coa, d->tx, sizeof(d->tx), &n);
	if (!rc)
		rc = d->ops->send(d, d->tx, n, 0);
	if (rc)
		return rc;
	b->pkts_out++;
	d->stats.v[M6_ST_RO_OUT]++;
	return 0;
}

struct brr_walk {
	struct m6d *d;
	double now;
};

static int brr_cb(void *ctx, struct m6_binding *b)
{
	struct brr_walk *w = ctx;
	struct m6_mh m = { .type = M6_BRR, .proto = 59 };
	struct m6d_tx tx;

	if (b->home_reg || b->brr_sent || b->expires - w->now > brr_lead(b) ||
	    !(b->pkts_in + b->pkts_out))
		return 0;
	tx = (struct m6d_tx){ .src = b->local, .dst = b->coa, .rh2 = &b->hoa };
	b->brr_sent = 1;
	m6d_send_mh(w->d, &m, &tx);
	return 0;
}

void m6d_cn_tick(struct m6d *d)
{
	struct brr_walk w = { .d = d, .now = m6d_now(d) };

	if (d->cn.on)
		m6_rr_cn_tick(&d->cn.rr, w.now);
	m6_bcache_expire(d->bc, w.now, m6d_binding_gone, d);
	if (d->cn.on)
		m6_bcache_walk(d->bc, brr_cb, &w);
}

/* ---- the CN role ---- */

struct cn {
	struct m6d_timer tick;
};

static void cn_tick(struct m6d *d, struct m6d_timer *t)
{
	m6d_cn_tick(d);
	m6d_timer_arm(t, m6d_now(d) + M6D_TICK);
}

static int cn_init(struct m6d *d, char *err, size_t errlen)
{
	struct cn *cn = calloc(1, sizeof(*cn));
	int rc;

	if (!cn) {
		snprintf(err, errlen, "CN: out of memory");
		return -ENOMEM;
	}
	d->rs = cn;
	if (d->conf.ro_cn) {
		rc = m6d_cn_start(d);
		if (rc) {
			snprintf(err, errlen, "CN: return routability keys: %s", strerror(-rc));
			return rc;
		}
	}
	m6d_timer_add(d, &cn->tick, "cn", cn_tick);
	m6d_timer_arm(&cn->tick, m6d_now(d) + M6D_TICK);
	m6d_log(d, M6D_LOG_INFO, "correspondent node, route optimisation %s",
		d->conf.ro_cn ? "enabled" : "disabled");
	return 0;
}

static int gone_cb(void *ctx, struct m6_binding *b)
{
	m6d_binding_gone(ctx, b);
	return 0;
}

static void cn_fini(struct m6d *d)
{
	if (d->bc)
		m6_bcache_walk(d->bc, gone_cb, d);
}

static void cn_on_mh(struct m6d *d, const struct m6d_rx *rx)
{
	if (rx->m.type == M6_BU && (rx->m.flags & M6_BU_H)) {
		d->stats.v[M6_ST_BU_REJECTED]++;
		m6d_log(d, M6D_LOG_INFO, "home registration from %s: not a home agent (131)",
			m6d_ntop(d, rx->hao ? &rx->home : &rx->src));
		m6d_send_ba(d, rx, M6_BA_HR_NOT_SUPP, rx->m.seq, 0, NULL);
		return;
	}
	m6d_cn_on_mh(d, rx);
}

static void cn_on_tun(struct m6d *d, const uint8_t *pkt, size_t len)
{
	if (m6d_cn_tun_out(d, pkt, len))
		d->stats.v[M6_ST_DROPPED]++;
}

static int cn_on_nfq(struct m6d *d, const uint8_t *pkt, size_t len, const struct m6_pkt_info *pi,
		     int ifindex, uint8_t *out, size_t cap, size_t *outlen)
{
	if (pi->has_hao)
		return m6d_cn_hao_in(d, pkt, len, pi, out, cap, outlen);
	return M6_NF_ACCEPT;
}

const struct m6d_role m6d_role_cn = {
	.name = "CN",
	.init = cn_init,
	.fini = cn_fini,
	.on_mh = cn_on_mh,
	.on_tun = cn_on_tun,
	.on_nfq = cn_on_nfq,
};
