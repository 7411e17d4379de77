/*
 * The generic module, for every protocol no other module knows (ESP, GRE,
 * SCTP, the Mobility Header ...): a connection is the pair of addresses
 * and the protocol, refreshed with the generic timeout (600 s) by every
 * packet and never ASSURED, as Linux's nf_conntrack_proto_generic.
 */
#include "ct_int.h"

static int generic_tuple(struct ct_pkt *p, const char **why)
{
	(void)why;
	p->t.sport = p->t.dport = 0;
	p->t.type = p->t.code = 0;
	return 0;
}

static bool generic_invert(const struct ct_tuple *orig, struct ct_tuple *reply)
{
	*reply = *orig;
	reply->src = orig->dst;
	reply->dst = orig->src;
	return true;
}

static int generic_create(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
			  const char **why)
{
	(void)t;
	(void)e;
	(void)p;
	(void)why;
	return 0;
}

static enum ct_info generic_packet(struct ct_table *t, struct ct_entry *e,
				   const struct ct_pkt *p, enum ct_dir dir, uint32_t *timeout,
				   bool *kill, const char **why)
{
	(void)p;
	(void)why;
	*kill = false;
	*timeout = ct_table_config(t)->to.generic;
	return dir == CT_DIR_ORIG && !(e->status & CT_S_SEEN_REPLY) ? CT_NEW : CT_ESTABLISHED;
}

const struct ct_l4proto ct_l4_generic = {
	.proto = 0,
	.name = "unknown",
	.tuple = generic_tuple,
	.invert = generic_invert,
	.create = generic_create,
	.packet = generic_packet,
};
