/*
 * Interface addresses through rtnetlink (RTM_NEWADDR, RTM_DELADDR,
 * RTM_GETADDR) and the address type: see addr.h.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int net_ip_parse(const char *text, struct net_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET6, text, ip->a) == 1) {
		ip->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, text, ip->a) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	return -EINVAL;
}

int net_prefix_parse(const char *text, struct net_ip *ip, unsigned *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long l;
	int rc;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	rc = net_ip_parse(buf, ip);
	if (rc)
		return rc;
	if (!slash) {
		*plen = (unsigned)net_ip_len(ip) * 8;
		return 0;
	}
	errno = 0;
	l = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || l > net_ip_len(ip) * 8)
		return -EINVAL;
	*plen = (unsigned)l;
	return 0;
}

int net_ip_fmt(const struct net_ip *ip, char *out, size_t n)
{
	if (!ip->family) {
		snprintf(out, n, "none");
		return 0;
	}
	if (!inet_ntop(ip->family, ip->a, out, (socklen_t)n))
		return -errno;
	return 0;
}

size_t net_ip_len(const struct net_ip *ip)
{
	return ip->family == AF_INET6 ? 16 : ip->family == AF_INET ? 4 : 0;
}

int net_ip_eq(const struct net_ip *a, const struct net_ip *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, net_ip_len(a));
}

static const struct net_rtnl_pol addr_pol[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { MNL_TYPE_BINARY, 4, 16 },
	[IFA_LOCAL] = { MNL_TYPE_BINARY, 4, 16 },
	[IFA_FLAGS] = { MNL_TYPE_U32, 0, 0 },
	[IFA_CACHEINFO] = { MNL_TYPE_BINARY, sizeof(struct ifa_cacheinfo), 0 },
};

int net_ip_from_attr(const struct nlattr *a, int family, struct net_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = (uint8_t)family;
	if (mnl_attr_get_payload_len(a) != net_ip_len(ip)) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(ip->a, mnl_attr_get_payload(a), net_ip_len(ip));
	return 0;
}

struct addr_filter {
	struct net_rtnl_vec vec;
	int ifindex;
	int family;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_filter *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1], *a;
	struct net_addr *e;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (net_rtnl_parse(nlh, sizeof(*ifa), addr_pol, IFA_MAX, tb)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if ((ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    (f->family != AF_UNSPEC && ifa->ifa_family != f->family) ||
	    (f->ifindex && (int)ifa->ifa_index != f->ifindex))
		return MNL_CB_OK;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS the peer on a
	 * point-to-point IPv4 link, and the address otherwise. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	e = net_rtnl_vec_push(&f->vec);
	if (!e) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (net_ip_from_attr(a, ifa->ifa_family, &e->ip))
		return MNL_CB_ERROR;
	e->ifindex = (int)ifa->ifa_index;
	e->plen = ifa->ifa_prefixlen;
	e->scope = ifa->ifa_scope;
	e->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	e->valid = e->preferred = 0xffffffffu;
	if (tb[IFA_CACHEINFO]) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]), sizeof(ci));
		e->valid = ci.ifa_valid;
		e->preferred = ci.ifa_prefered;
	}
	return MNL_CB_OK;
}

int net_addr_list(struct net_rtnl *nl, int ifindex, int family, struct net_addr **out,
		  size_t *n)
{
	struct addr_filter f = { .vec = { .size = sizeof(struct net_addr) },
				 .ifindex = ifindex, .family = family };
	struct nlmsghdr *nlh = net_rtnl_req(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int rc;

	ifa->ifa_family = (uint8_t)family;
	rc = net_rtnl_dump(nl, nlh, addr_cb, &f, &f.vec);
	*out = f.vec.v;
	*n = f.vec.n;
	return rc;
}

const struct net_addr *net_addr_find(const struct net_addr *v, size_t n, int ifindex,
				     const struct net_ip *ip)
{
	for (size_t i = 0; i < n; i++)
		if ((!ifindex || v[i].ifindex == ifindex) && net_ip_eq(&v[i].ip, ip))
			return &v[i];
	return NULL;
}

static struct nlmsghdr *addr_req(struct net_rtnl *nl, uint16_t type, uint16_t flags,
				 int ifindex, const struct net_ip *ip, unsigned plen)
{
	struct nlmsghdr *nlh = net_rtnl_req(nl, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = net_ip_len(ip);

	ifa->ifa_family = ip->family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)ifindex;
	/* The scope is derived by the kernel for IPv6; for IPv4 it is what
	 * the caller says, so say what ip(8) would. */
	ifa->ifa_scope = ip->family == AF_INET && ip->a[0] == 127 ? RT_SCOPE_HOST
								 : RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, ip->a);
	mnl_attr_put(nlh, IFA_ADDRESS, len, ip->a);
	return nlh;
}

static int addr_check(struct net_rtnl *nl, int ifindex, const struct net_ip *ip, unsigned plen)
{
	if (ifindex <= 0)
		return -ENODEV;
	if (!net_ip_len(ip) || plen > net_ip_len(ip) * 8) {
		net_rtnl_set_errmsg(nl, "bad address or prefix length");
		return -EINVAL;
	}
	return 0;
}

int net_addr_add(struct net_rtnl *nl, int ifindex, const struct net_ip *ip, unsigned plen,
		 uint32_t flags)
{
	struct nlmsghdr *nlh;
	int rc = addr_check(nl, ifindex, ip, plen);

	if (rc)
		return rc;
	nlh = addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, ip, plen);
	if (flags) {
		/* The 8-bit field holds the old flags; IFA_FLAGS all of them. */
		((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_flags = (uint8_t)flags;
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	}
	return net_rtnl_talk(nl, nlh, NULL, NULL);
}

int net_addr_del(struct net_rtnl *nl, int ifindex, const struct net_ip *ip, unsigned plen)
{
	int rc = addr_check(nl, ifindex, ip, plen);

	if (rc)
		return rc;
	return net_rtnl_talk(nl, addr_req(nl, RTM_DELADDR, 0, ifindex, ip, plen), NULL, NULL);
}
