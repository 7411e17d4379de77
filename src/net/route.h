/*
 * IPv4 and IPv6 routes through rtnetlink: add and delete a route to a
 * prefix (the default route is the prefix of length 0), through a gateway
 * and/or out of a link, and list the routes of a table.
 */
#ifndef V6LAB_NET_ROUTE_H
#define V6LAB_NET_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rtnl.h"

struct net_route {
	struct net_ip dst; /* its family is the route's family */
	uint8_t plen;	   /* 0: default route */
	struct net_ip gw;  /* family 0: no gateway (a route on the link) */
	int oif;	   /* output link, or 0 */
	uint32_t table;	   /* 0: the main table */
	uint32_t metric;   /* 0: the kernel's default (1024 for IPv6) */
	uint8_t type;	   /* RTN_UNICAST when 0 on input */
	uint8_t protocol;  /* RTPROT_*: who made it (listing); RTPROT_STATIC when 0 on input */
	uint8_t scope;	   /* RT_SCOPE_* (listing) */
	uint8_t multipath; /* listing: the route has several next hops, gw/oif unset */
};

int net_route_add(struct net_rtnl *nl, const struct net_route *r);
/* Deletes the route matching dst/plen, and gw, oif, table, metric where set. */
int net_route_del(struct net_rtnl *nl, const struct net_route *r);
/* Routes of one family (AF_UNSPEC: both) in one table (0: main; RT_TABLE_LOCAL
 * ...), in a malloc'd array the caller frees. */
int net_route_list(struct net_rtnl *nl, int family, uint32_t table, struct net_route **out,
		   size_t *n);

#endif
