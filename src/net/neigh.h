/*
 * The neighbour cache through rtnetlink: static entries (so a NUT reaches a
 * tester address without Neighbor Discovery when a test wants that), their
 * removal, and the list of entries with their NUD state (INCOMPLETE,
 * REACHABLE, STALE, DELAY, PROBE ...), which conformance tests inspect.
 */
#ifndef V6LAB_NET_NEIGH_H
#define V6LAB_NET_NEIGH_H

#include <linux/neighbour.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rtnl.h"

#define NET_NEIGH_LLADDR_MAX 32

struct net_neigh {
	int ifindex;
	struct net_ip ip;
	uint16_t state; /* NUD_* */
	uint8_t flags;	/* NTF_ROUTER, NTF_PROXY ... */
	uint8_t lladdr_len; /* 0: not known (INCOMPLETE, FAILED) */
	uint8_t lladdr[NET_NEIGH_LLADDR_MAX];
};

/* Adds or replaces an entry; state is NUD_PERMANENT, NUD_REACHABLE, NUD_STALE ...
 * (0 means NUD_PERMANENT). */
int net_neigh_add(struct net_rtnl *nl, int ifindex, const struct net_ip *ip,
		  const uint8_t *lladdr, size_t lladdr_len, uint16_t state);
int net_neigh_del(struct net_rtnl *nl, int ifindex, const struct net_ip *ip);
/* Entries of one link (0: all) and family (AF_UNSPEC: both), in a malloc'd
 * array the caller frees. */
int net_neigh_list(struct net_rtnl *nl, int ifindex, int family, struct net_neigh **out,
		   size_t *n);
/* "REACHABLE", "STALE" ... for the one bit set in state; "NONE" for 0,
 * "MIXED" for several. */
const char *net_neigh_state_name(uint16_t state);

#endif
