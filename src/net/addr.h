/*
 * IP addresses of interfaces through rtnetlink: add and delete IPv4 and IPv6
 * addresses with their flags (nodad, noprefixroute ...), and list them with
 * their state flags (tentative, dadfailed, permanent, deprecated ...), which
 * is how the conformance engine sees whether the NUT finished DAD. Also the
 * small address type the route and neighbour calls share.
 */
#ifndef V6LAB_NET_ADDR_H
#define V6LAB_NET_ADDR_H

#include <linux/if_addr.h>
#include <stddef.h>
#include <stdint.h>

#include "rtnl.h"

/* An IPv4 or IPv6 address; family 0 means none. */
struct net_ip {
	uint8_t family; /* AF_INET, AF_INET6 or 0 */
	uint8_t a[16];	/* 4 or 16 bytes used */
};

/* Parses "192.0.2.1" or "2001:db8::1". */
int net_ip_parse(const char *text, struct net_ip *ip);
/* Parses "2001:db8::/32"; a missing length means a host prefix. */
int net_prefix_parse(const char *text, struct net_ip *ip, unsigned *plen);
/* Writes the address as text (INET6_ADDRSTRLEN is enough). */
int net_ip_fmt(const struct net_ip *ip, char *out, size_t n);
/* 4, 16, or 0 for no address. */
size_t net_ip_len(const struct net_ip *ip);
int net_ip_eq(const struct net_ip *a, const struct net_ip *b);
/* For the rtnetlink replies: copies an address attribute, which must be as
 * long as family says; -1 with errno EBADMSG otherwise. */
int net_ip_from_attr(const struct nlattr *a, int family, struct net_ip *ip);

struct net_addr {
	int ifindex;
	struct net_ip ip;
	uint8_t plen;
	uint8_t scope;	    /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK ... */
	uint32_t flags;	    /* IFA_F_TENTATIVE, IFA_F_DADFAILED, IFA_F_PERMANENT ... */
	uint32_t valid;	    /* lifetimes in seconds, 0xffffffff for ever */
	uint32_t preferred;
};

/* Adds ip/plen to the link; flags are IFA_F_* (IFA_F_NODAD ...). */
int net_addr_add(struct net_rtnl *nl, int ifindex, const struct net_ip *ip, unsigned plen,
		 uint32_t flags);
int net_addr_del(struct net_rtnl *nl, int ifindex, const struct net_ip *ip, unsigned plen);
/* Addresses of one link (ifindex 0: all) of one family (AF_UNSPEC: both),
 * in a malloc'd array the caller frees. */
int net_addr_list(struct net_rtnl *nl, int ifindex, int family, struct net_addr **out,
		  size_t *n);
/* Finds ip on the link in a list; NULL when absent. */
const struct net_addr *net_addr_find(const struct net_addr *v, size_t n, int ifindex,
				     const struct net_ip *ip);

#endif
