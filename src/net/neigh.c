/*
 * Neighbour entries through rtnetlink (RTM_NEWNEIGH, RTM_DELNEIGH,
 * RTM_GETNEIGH): see neigh.h.
 */
#include "neigh.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *neigh_req(struct net_rtnl *nl, uint16_t type, uint16_t flags,
				  int ifindex, const struct net_ip *ip)
{
	struct nlmsghdr *nlh = net_rtnl_req(nl, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = ip->family;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, net_ip_len(ip), ip->a);
	return nlh;
}

static int neigh_check(struct net_rtnl *nl, int ifindex, const struct net_ip *ip)
{
	if (ifindex <= 0)
		return -ENODEV;
	if (!net_ip_len(ip)) {
		net_rtnl_set_errmsg(nl, "no neighbour address");
		return -EINVAL;
	}
	return 0;
}

int net_neigh_add(struct net_rtnl *nl, int ifindex, const struct net_ip *ip,
		  const uint8_t *lladdr, size_t lladdr_len, uint16_t state)
{
	struct nlmsghdr *nlh;
	int rc = neigh_check(nl, ifindex, ip);

	if (rc)
		return rc;
	if (lladdr_len > NET_NEIGH_LLADDR_MAX || (lladdr_len && !lladdr))
		return -EINVAL;
	nlh = neigh_req(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, ip);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_state = state ? state : NUD_PERMANENT;
	if (lladdr_len)
		mnl_attr_put(nlh, NDA_LLADDR, lladdr_len, lladdr);
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_neigh_del(struct net_rtnl *nl, int ifindex, const struct net_ip *ip)
{
	int rc = neigh_check(nl, ifindex, ip);

	if (rc)
		return rc;
	return net_rtnl_talk(nl, neigh_req(nl, RTM_DELNEIGH, 0, ifindex, ip), NULL, NULL);
}

static const struct net_rtnl_pol neigh_pol[NDA_MAX + 1] = {
	[NDA_DST] = { MNL_TYPE_BINARY, 4, 16 },
	[NDA_LLADDR] = { MNL_TYPE_BINARY, 0, NET_NEIGH_LLADDR_MAX },
};

struct neigh_filter {
	struct net_rtnl_vec vec;
	int ifindex;
	int family;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_filter *f = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1];
	struct net_neigh *e;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	if (net_rtnl_parse(nlh, sizeof(*ndm), neigh_pol, NDA_MAX, tb)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if ((ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) ||
	    (f->family != AF_UNSPEC && ndm->ndm_family != f->family) ||
	    (f->ifindex && ndm->ndm_ifindex != f->ifindex) || !tb[NDA_DST])
		return MNL_CB_OK;
	e = net_rtnl_vec_push(&f->vec);
	if (!e) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (net_ip_from_attr(tb[NDA_DST], ndm->ndm_family, &e->ip))
		return MNL_CB_ERROR;
	e->ifindex = ndm->ndm_ifindex;
	e->state = ndm->ndm_state;
	e->flags = ndm->ndm_flags;
	if (tb[NDA_LLADDR]) {
		e->lladdr_len = (uint8_t)mnl_attr_get_payload_len(tb[NDA_LLADDR]);
		memcpy(e->lladdr, mnl_attr_get_payload(tb[NDA_LLADDR]), e->lladdr_len);
	}
	return MNL_CB_OK;
}

int net_neigh_list(struct net_rtnl *nl, int ifindex, int family, struct net_neigh **out,
		   size_t *n)
{
	struct neigh_filter f = { .vec = { .size = sizeof(struct net_neigh) },
				  .ifindex = ifindex, .family = family };
	struct nlmsghdr *nlh = net_rtnl_req(nl, RTM_GETNEIGH, NLM_F_DUMP);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	int rc;

	ndm->ndm_family = (uint8_t)family;
	rc = net_rtnl_dump(nl, nlh, neigh_cb, &f, &f.vec);
	*out = f.vec.v;
	*n = f.vec.n;
	return rc;
}

const char *net_neigh_state_name(uint16_t state)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ NUD_INCOMPLETE, "INCOMPLETE" }, { NUD_REACHABLE, "REACHABLE" },
		{ NUD_STALE, "STALE" },		  { NUD_DELAY, "DELAY" },
		{ NUD_PROBE, "PROBE" },		  { NUD_FAILED, "FAILED" },
		{ NUD_NOARP, "NOARP" },		  { NUD_PERMANENT, "PERMANENT" },
	};

	if (!state)
		return "NONE";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (state == names[i].bit)
			return names[i].name;
	return "MIXED";
}
