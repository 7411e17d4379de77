/*
 * Routes through rtnetlink (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE): see
 * route.h. Tables above 255 travel in RTA_TABLE, as the 8-bit field of the
 * route message cannot hold them.
 */
#include "route.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int route_check(struct net_rtnl *nl, const struct net_route *r)
{
	size_t len = net_ip_len(&r->dst);

	if (!len || r->plen > len * 8 || (r->gw.family && r->gw.family != r->dst.family)) {
		net_rtnl_set_errmsg(nl, "bad destination, prefix length or gateway family");
		return -EINVAL;
	}
	return 0;
}

static struct nlmsghdr *route_req(struct net_rtnl *nl, uint16_t type, uint16_t flags,
				  const struct net_route *r)
{
	struct nlmsghdr *nlh = net_rtnl_req(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	size_t len = net_ip_len(&r->dst);

	rtm->rtm_family = r->dst.family;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = r->protocol ? r->protocol : RTPROT_STATIC;
		rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
		/* An IPv4 route without a gateway is on the link. */
		rtm->rtm_scope = r->gw.family || r->dst.family == AF_INET6 ? RT_SCOPE_UNIVERSE
									   : RT_SCOPE_LINK;
	} else {
		/* Deletion matches any scope and, unless given, any type. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_type = r->type;
	}
	if (r->plen)
		mnl_attr_put(nlh, RTA_DST, len, r->dst.a);
	if (r->gw.family)
		mnl_attr_put(nlh, RTA_GATEWAY, len, r->gw.a);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nlh;
}

int net_route_add(struct net_rtnl *nl, const struct net_route *r)
{
	int rc = route_check(nl, r);

	if (rc)
		return rc;
	return net_rtnl_talk(nl, route_req(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r),
			     NULL, NULL);
}

int net_route_del(struct net_rtnl *nl, const struct net_route *r)
{
	int rc = route_check(nl, r);

	if (rc)
		return rc;
	return net_rtnl_talk(nl, route_req(nl, RTM_DELROUTE, 0, r), NULL, NULL);
}

static const struct net_rtnl_pol route_pol[RTA_MAX + 1] = {
	[RTA_DST] = { MNL_TYPE_BINARY, 4, 16 },
	[RTA_GATEWAY] = { MNL_TYPE_BINARY, 4, 16 },
	[RTA_OIF] = { MNL_TYPE_U32, 0, 0 },
	[RTA_PRIORITY] = { MNL_TYPE_U32, 0, 0 },
	[RTA_TABLE] = { MNL_TYPE_U32, 0, 0 },
	[RTA_MULTIPATH] = { MNL_TYPE_BINARY, 0, 0 },
};

struct route_filter {
	struct net_rtnl_vec vec;
	int family;
	uint32_t table;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_filter *f = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct net_route *r;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (net_rtnl_parse(nlh, sizeof(*rtm), route_pol, RTA_MAX, tb)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (f->family != AF_UNSPEC && rtm->rtm_family != f->family) || table != f->table ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return MNL_CB_OK;
	r = net_rtnl_vec_push(&f->vec);
	if (!r) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	r->dst.family = rtm->rtm_family;
	r->plen = rtm->rtm_dst_len;
	if (r->plen > net_ip_len(&r->dst) * 8) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (tb[RTA_DST] && net_ip_from_attr(tb[RTA_DST], rtm->rtm_family, &r->dst))
		return MNL_CB_ERROR;
	if (tb[RTA_GATEWAY] && net_ip_from_attr(tb[RTA_GATEWAY], rtm->rtm_family, &r->gw))
		return MNL_CB_ERROR;
	if (tb[RTA_OIF])
		r->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		r->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	r->multipath = tb[RTA_MULTIPATH] != NULL;
	r->table = table;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	return MNL_CB_OK;
}

int net_route_list(struct net_rtnl *nl, int family, uint32_t table, struct net_route **out,
		   size_t *n)
{
	struct route_filter f = { .vec = { .size = sizeof(struct net_route) },
				  .family = family,
				  .table = table ? table : RT_TABLE_MAIN };
	struct nlmsghdr *nlh = net_rtnl_req(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int rc;

	rtm->rtm_family = (uint8_t)family;
	rc = net_rtnl_dump(nl, nlh, route_cb, &f, &f.vec);
	*out = f.vec.v;
	*n = f.vec.n;
	return rc;
}
