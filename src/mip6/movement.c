/*
 * Movement detection of the mobile node (RFC 6275 §11.5.1) as pure logic
 * on events: Router Advertisements, Neighbor Advertisements answering the
 * NUD probes, and the clock. A router with a new prefix, or a missing
 * Router Advertisement of the current router (its Advertisement Interval
 * option says when one is due), makes the node probe the current router
 * with unicast Neighbor Solicitations (MnRouterProbes of them,
 * MnRouterProbeTimeout apart); only when none is answered does it decide
 * that it moved. The caller (mn.c) sends the probes and configures the
 * care-of address.
 */
#include <string.h>

#include "m6d.h"

/* Slack on the Advertisement Interval before an RA counts as missing: the
 * interval is the longest gap the router allows itself, but the node's own
 * scheduling adds a little. */
static double ival_deadline(const struct m6_rtr *r)
{
	double iv = r->ival_ms / 1000.0;

	return r->last_ra + iv + (iv * 0.1 > 0.1 ? iv * 0.1 : 0.1);
}

void m6_move_init(struct m6_move *mv, int probes, double probe_timeout)
{
	memset(mv, 0, sizeof(*mv));
	mv->probes = probes > 0 ? probes : 1;
	mv->probe_timeout = probe_timeout > 0 ? probe_timeout : 1.0;
}

static void rtr_from_ra(struct m6_rtr *r, const struct m6_ra *ra, double now)
{
	memset(r, 0, sizeof(*r));
	r->valid = true;
	r->ll = ra->src;
	r->ifindex = ra->ifindex;
	if (ra->has_mac) {
		memcpy(r->mac, ra->mac, 6);
		r->has_mac = true;
	}
	for (size_t i = 0; i < ra->npfx; i++) {
		const struct m6_ra_pfx *p = &ra->pfx[i];

		if ((p->flags & M6_PIO_A) && p->plen == 64 && p->valid > 0 &&
		    !IN6_IS_ADDR_LINKLOCAL(&p->prefix)) {
			r->prefix = p->prefix;
			memset(r->prefix.s6_addr + 8, 0, 8);
			r->plen = 64;
			r->has_prefix = true;
			break;
		}
	}
	r->ival_ms = ra->has_ival ? ra->ival_ms : 0;
	r->lifetime = ra->lifetime;
	r->last_ra = now;
}

static bool ra_has_prefix(const struct m6_ra *ra, const struct in6_addr *prefix, int plen)
{
	for (size_t i = 0; i < ra->npfx; i++)
		if (ra->pfx[i].plen == plen && m6d_prefix_match(&ra->pfx[i].prefix, prefix, plen))
			return true;
	return false;
}

static enum m6_mv_act start_probe(struct m6_move *mv, double now)
{
	mv->probing = true;
	mv->probes_left = mv->probes - 1;
	mv->probe_deadline = now + mv->probe_timeout;
	return M6_MV_PROBE;
}

enum m6_mv_act m6_move_ra(struct m6_move *mv, const struct m6_ra *ra, double now)
{
	struct m6_rtr r;

	rtr_from_ra(&r, ra, now);
	if (!r.has_prefix || ra->lifetime == 0) {
		/* not a default router with an address for us: only news of
		 * the current router counts */
		if (mv->cur.valid && IN6_ARE_ADDR_EQUAL(&mv->cur.ll, &ra->src) &&
		    mv->cur.ifindex == ra->ifindex)
			mv->cur.last_ra = now;
		return M6_MV_NONE;
	}
	if (!mv->cur.valid) {
		mv->cur = r;
		mv->cand.valid = false;
		mv->probing = false;
		return M6_MV_ATTACH;
	}
	if (IN6_ARE_ADDR_EQUAL(&mv->cur.ll, &r.ll) && mv->cur.ifindex == r.ifindex) {
		/* the current router is alive; its prefix may have changed */
		bool same = mv->cur.has_prefix &&
			    m6d_prefix_match(&mv->cur.prefix, &r.prefix, 64);

		mv->cur = r;
		mv->probing = false;
		mv->cand.valid = false;
		return same ? M6_MV_NONE : M6_MV_ATTACH;
	}
	/* another router on the link we are on (it advertises our prefix) */
	if (mv->cur.has_prefix && ra_has_prefix(ra, &mv->cur.prefix, mv->cur.plen))
		return M6_MV_NONE;
	mv->cand = r;
	if (mv->probing)
		return M6_MV_NONE;
	return start_probe(mv, now);
}

enum m6_mv_act m6_move_na(struct m6_move *mv, const struct in6_addr *target, int ifindex,
			  double now)
{
	if (!mv->probing || !mv->cur.valid || !IN6_ARE_ADDR_EQUAL(target, &mv->cur.ll) ||
	    ifindex != mv->cur.ifindex)
		return M6_MV_NONE;
	/* still reachable: we did not move; a missing RA does not count again
	 * before another interval */
	mv->probing = false;
	mv->cand.valid = false;
	mv->cur.last_ra = now;
	return M6_MV_NONE;
}

enum m6_mv_act m6_move_tick(struct m6_move *mv, double now)
{
	if (mv->probing) {
		if (now < mv->probe_deadline)
			return M6_MV_NONE;
		if (mv->probes_left > 0) {
			mv->probes_left--;
			mv->probe_deadline = now + mv->probe_timeout;
			return M6_MV_PROBE;
		}
		mv->probing = false;
		if (mv->cand.valid) {
			mv->cur = mv->cand;
			mv->cand.valid = false;
			return M6_MV_MOVED;
		}
		mv->cur.valid = false;
		return M6_MV_LOST;
	}
	if (mv->cur.valid && mv->cur.ival_ms && now >= ival_deadline(&mv->cur))
		return start_probe(mv, now);
	return M6_MV_NONE;
}

double m6_move_next(const struct m6_move *mv)
{
	if (mv->probing)
		return mv->probe_deadline;
	if (mv->cur.valid && mv->cur.ival_ms)
		return ival_deadline(&mv->cur);
	return 0;
}

const char *m6_move_act_name(enum m6_mv_act a)
{
	switch (a) {
	case M6_MV_NONE:
		return "none";
	case M6_MV_PROBE:
		return "probe";
	case M6_MV_ATTACH:
		return "attach";
	case M6_MV_MOVED:
		return "moved";
	case M6_MV_LOST:
		return "lost";
	}
	return "?";
}
