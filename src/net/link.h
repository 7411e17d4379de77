/*
 * Network interfaces through rtnetlink: veth pairs (each end in a chosen
 * namespace), bridges and their ports, TUN and TAP devices, state, MAC
 * address, MTU and namespace of a link, lookups by name and the list of
 * links. These are the link actions the conformance engine applies to the
 * NUT and the building blocks of test topologies. Every call returns 0 (or
 * an ifindex where said) or a negative errno, with the kernel's message in
 * net_rtnl_errmsg().
 */
#ifndef V6LAB_NET_LINK_H
#define V6LAB_NET_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netns.h"
#include "rtnl.h"

#define NET_LINK_ADDR_MAX 32

struct net_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];	   /* "veth", "bridge", "tun" ...; "" for plain devices */
	unsigned flags;	   /* IFF_UP, IFF_RUNNING, IFF_PROMISC ... */
	unsigned mtu;
	int master;	   /* ifindex of the bridge (or bond) it belongs to, or 0 */
	int link;	   /* the peer's ifindex for a veth (may be in another namespace) */
	uint8_t operstate; /* IF_OPER_* */
	uint8_t addr_len;
	uint8_t addr[NET_LINK_ADDR_MAX]; /* link-layer address */
};

/* Looks a link up by name: its ifindex (> 0) or -ENODEV. */
int net_link_ifindex(struct net_rtnl *nl, const char *name);
/* Reads one link, by ifindex, or by name when ifindex is 0. */
int net_link_get(struct net_rtnl *nl, int ifindex, const char *name, struct net_link *out);
/* Every link of the handle's namespace, in a malloc'd array the caller frees. */
int net_link_list(struct net_rtnl *nl, struct net_link **out, size_t *n);

/* A veth pair: `name` in the handle's namespace, `peer` in peer_ns (NULL:
 * the handle's namespace too). */
int net_link_add_veth(struct net_rtnl *nl, const char *name, const char *peer,
		      const struct net_ns *peer_ns);
int net_link_add_bridge(struct net_rtnl *nl, const char *name);
int net_link_del(struct net_rtnl *nl, int ifindex);

int net_link_set_up(struct net_rtnl *nl, int ifindex, bool up);
int net_link_set_mtu(struct net_rtnl *nl, int ifindex, unsigned mtu);
int net_link_set_mac(struct net_rtnl *nl, int ifindex, const uint8_t mac[6]);
/* Enslaves to a bridge; master 0 releases. */
int net_link_set_master(struct net_rtnl *nl, int ifindex, int master);
/* Moves the link to ns (it leaves the handle's namespace). */
int net_link_set_ns(struct net_rtnl *nl, int ifindex, const struct net_ns *ns);

/* TUN (IP packets) and TAP (Ethernet frames) devices, made through
 * /dev/net/tun opened inside ns so the device is born there. */
enum net_tun_kind {
	NET_TUN,
	NET_TAP,
};

/* Creates (or attaches to) the device and returns its file descriptor,
 * which reads and writes packets without a packet-information header. The
 * device goes with the last descriptor unless it was made persistent. */
int net_tun_open(const struct net_ns *ns, const char *name, enum net_tun_kind kind,
		 bool persist);
/* Creates a persistent device (deleted with net_link_del). */
int net_tun_create(const struct net_ns *ns, const char *name, enum net_tun_kind kind);

#endif
